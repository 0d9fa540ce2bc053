//! [`Fnv1a`]: the project's one fixed hash (64-bit FNV-1a). It gives the same value on
//! every machine and every Rust version, unlike `std`'s seeded hashers, so it can number
//! random streams, fingerprint traces and records, and key model-checking states. Not
//! for hash tables facing untrusted input (it has no protection against collisions
//! chosen by an attacker).

use core::hash::Hasher;

/// 64-bit FNV-1a, as a [`Hasher`] and over byte iterators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fnv1a(u64);

impl Fnv1a {
    /// FNV-1a's offset basis: the hash of no bytes.
    pub const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    /// FNV-1a's 64-bit prime.
    const PRIME: u64 = 0x0100_0000_01b3;

    /// A hash of no bytes yet.
    pub const fn new() -> Self {
        Fnv1a(Self::OFFSET)
    }

    /// Goes on from an earlier hash `value` (what [`Hasher::finish`] returned).
    pub const fn resume(value: u64) -> Self {
        Fnv1a(value)
    }

    /// Hashes `bytes` in, one at a time.
    pub fn bytes(&mut self, bytes: impl IntoIterator<Item = u8>) -> &mut Self {
        for byte in bytes {
            self.0 = (self.0 ^ u64::from(byte)).wrapping_mul(Self::PRIME);
        }
        self
    }

    /// The hash so far.
    pub const fn value(&self) -> u64 {
        self.0
    }
}

impl Default for Fnv1a {
    fn default() -> Self {
        Self::new()
    }
}

impl Hasher for Fnv1a {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        self.bytes(bytes.iter().copied());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_published_fnv1a_test_vectors() {
        // From the FNV reference (Landon Curt Noll's test suite): "", "a", "foobar".
        assert_eq!(Fnv1a::new().value(), 0xcbf2_9ce4_8422_2325);
        assert_eq!(Fnv1a::new().bytes(*b"a").value(), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(
            Fnv1a::new().bytes(*b"foobar").value(),
            0x8594_4171_f739_67e8
        );
        let mut hasher = Fnv1a::default();
        hasher.write(b"foo");
        let resumed = Fnv1a::resume(hasher.finish()).bytes(*b"bar").value();
        assert_eq!(
            resumed, 0x8594_4171_f739_67e8,
            "a hash goes on where it stopped"
        );
    }
}
