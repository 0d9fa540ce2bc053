//! The simulator's seeded randomness: one ChaCha8 stream per named component, and the
//! fixed hash (FNV-1a) that numbers the streams and hashes traces. A leaf: it imports
//! nothing of the crate, so every module may use it.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// FNV-1a's starting value.
pub(crate) const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// FNV-1a over `bytes`, from `hash`: a fixed hash, the same on every machine and every
/// Rust version (for the trace's hash and the simulator's random streams).
pub(crate) fn fnv1a(mut hash: u64, bytes: impl IntoIterator<Item = u8>) -> u64 {
    for byte in bytes {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// A deterministic stream for the component named `name`: the seed's ChaCha8 stream
/// numbered by the name's hash, so adding a component changes no other's draws.
pub(crate) fn stream(seed: u64, name: &str) -> ChaCha8Rng {
    let hash = fnv1a(FNV_OFFSET, name.bytes());
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(hash);
    rng
}
