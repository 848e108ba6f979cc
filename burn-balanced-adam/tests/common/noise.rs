//! Deterministic pseudo-random values (xorshift64) for tests and benchmarks: cheap, seedable,
//! and the same on every machine, with no RNG crate.

/// `len` values in [-scale, scale) from `seed`.
pub fn noise(len: usize, seed: u64, scale: f32) -> Vec<f32> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            ((x >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0) * scale
        })
        .collect()
}
