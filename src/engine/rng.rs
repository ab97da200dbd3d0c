//! Random streams. Every unit of work draws from its own generator, seeded from
//! (master seed, replication, township, period), never from thread identity, so results do not
//! depend on how work is scheduled across threads.
//!
//! The generator is Xoshiro256++ from `rand_xoshiro`, a named portable algorithm whose output is
//! fixed by its specification (unlike `StdRng`, which may change between `rand` versions).

use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

/// The generator used everywhere in the engine.
pub type Stream = Xoshiro256PlusPlus;

/// Period index used for the stream that draws the initial population.
pub const INIT_PERIOD: u64 = u64::MAX;

/// SplitMix64 finaliser: a bijective 64-bit mixer.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The stream of one (seed, replication, township, period).
pub fn stream(seed: u64, rep: u64, township: u64, period: u64) -> Stream {
    let a = mix(seed ^ mix(rep ^ mix(township ^ mix(period))));
    let mut bytes = [0u8; 32];
    let mut state = a;
    for chunk in bytes.chunks_mut(8) {
        state = mix(state);
        chunk.copy_from_slice(&state.to_le_bytes());
    }
    Stream::from_seed(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn streams_are_pinned_and_distinct() {
        // Value stability: a change here changes every result of the engine.
        let mut s = stream(42, 0, 0, 0);
        let first: u64 = s.random();
        assert_eq!(first, stream(42, 0, 0, 0).random::<u64>());
        assert_ne!(first, stream(42, 1, 0, 0).random::<u64>());
        assert_ne!(first, stream(42, 0, 1, 0).random::<u64>());
        assert_ne!(first, stream(42, 0, 0, 1).random::<u64>());
        assert_ne!(first, stream(43, 0, 0, 0).random::<u64>());
        assert_eq!(first, 0x2021_b5e7_49af_a085_u64, "stream changed: got {first:#x}");
    }
}
