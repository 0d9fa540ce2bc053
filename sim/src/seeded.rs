//! The simulator's seeded randomness: one ChaCha8 stream per named component, numbered
//! by the name's fixed hash ([`Fnv1a`]). A leaf: it imports nothing of the crate, so
//! every module may use it.

use link_core::Fnv1a;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// A deterministic stream for the component named `name`: the seed's ChaCha8 stream
/// numbered by the name's hash, so adding a component changes no other's draws.
pub(crate) fn stream(seed: u64, name: &str) -> ChaCha8Rng {
    stream_of(seed, &[name])
}

/// [`stream`] for the name that is `parts` joined, without writing the name out: the
/// hash of the parts in turn is the hash of the whole (one stream per path and
/// connector is drawn for every run, so this is per-run set-up `explore` pays).
pub(crate) fn stream_of(seed: u64, parts: &[&str]) -> ChaCha8Rng {
    let mut hash = Fnv1a::new();
    for part in parts {
        hash.bytes(part.bytes());
    }
    let hash = hash.value();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(hash);
    rng
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt;

    #[test]
    fn a_name_in_parts_draws_the_stream_of_the_whole_name() {
        let mut whole = stream(7, "network/ts1/CSTA_EAST");
        let mut parts = stream_of(7, &["network/", "ts1", "/", "CSTA_EAST"]);
        let mut other = stream_of(7, &["network/", "ts1", "/", "CSTA_WEST"]);
        let (a, b, c): (u64, u64, u64) = (whole.random(), parts.random(), other.random());
        assert_eq!(a, b);
        assert_ne!(a, c);
    }
}
