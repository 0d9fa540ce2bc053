//! The simulator's seeded randomness: one ChaCha8 stream per named component, numbered
//! by the name's fixed hash ([`Fnv1a`]). A leaf: it imports nothing of the crate, so
//! every module may use it.

use link_core::Fnv1a;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// A deterministic stream for the component named `name`: the seed's ChaCha8 stream
/// numbered by the name's hash, so adding a component changes no other's draws.
pub(crate) fn stream(seed: u64, name: &str) -> ChaCha8Rng {
    let hash = Fnv1a::new().bytes(name.bytes()).value();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(hash);
    rng
}
