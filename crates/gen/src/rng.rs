//! A tiny deterministic PRNG (SplitMix64) and keyed hashing.
//!
//! Every random decision in the world is drawn from an [`Rng`] seeded by
//! [`key`]`(seed, stream, a, b)`, so any post can be regenerated on its own
//! from its index: that is what lets the writers stream in any order.

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// The SplitMix64 finaliser: a good 64-bit mixing function.
#[inline]
pub(crate) fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Hashes a seed, a stream tag and two coordinates into one key.
#[inline]
pub(crate) fn key(seed: u64, stream: u64, a: u64, b: u64) -> u64 {
    let h = mix64(seed ^ stream.wrapping_mul(GOLDEN));
    let h = mix64(h ^ a.wrapping_mul(0xD6E8_FEB8_6659_FD93));
    mix64(h ^ b.wrapping_add(GOLDEN))
}

/// SplitMix64 generator.
#[derive(Clone, Debug)]
pub(crate) struct Rng(u64);

impl Rng {
    /// A generator whose stream is fully determined by `key`.
    #[inline]
    pub(crate) fn new(key: u64) -> Self {
        Rng(key)
    }

    /// The next 64 random bits.
    #[inline]
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(GOLDEN);
        mix64(self.0)
    }

    /// Uniform in `0..n` (0 when `n == 0`).
    #[inline]
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }

    /// Uniform `usize` in `0..n`.
    #[inline]
    pub(crate) fn index(&mut self, n: usize) -> usize {
        self.below(n as u64) as usize
    }

    /// Uniform in `lo..=hi`.
    #[inline]
    pub(crate) fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    /// Uniform in `[0, 1)`.
    #[inline]
    pub(crate) fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// True with probability `p`.
    #[inline]
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.f64() < p
    }

    /// A uniformly chosen element of a non-empty slice.
    #[inline]
    pub(crate) fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.index(items.len())]
    }

    /// An index into `weights`, chosen proportionally to the weights.
    pub(crate) fn weighted(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        let mut x = self.f64() * total;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        weights.len() - 1
    }

    /// A rank in `0..n` drawn from a Zipf-like law with exponent 0.8
    /// (rank 0 most likely); continuous inverse-CDF approximation, O(1).
    #[inline]
    pub(crate) fn zipf(&mut self, n: u64) -> u64 {
        if n <= 1 {
            return 0;
        }
        // P(rank <= k) ~ ((k + 2)^0.2 - 1) / ((n + 1)^0.2 - 1)
        let c = ((n + 1) as f64).powf(0.2) - 1.0;
        let x = c * self.f64() + 1.0;
        let x2 = x * x;
        let r = (x2 * x2 * x) as u64;
        r.saturating_sub(1).min(n - 1)
    }

    /// A count from a heavy-tailed (Pareto-like) law with the given scale.
    #[inline]
    pub(crate) fn pareto(&mut self, scale: f64, alpha: f64) -> f64 {
        let u = 1.0 - self.f64(); // (0, 1]
        scale * (u.powf(-1.0 / alpha) - 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zipf_is_heavy_headed_and_in_range() {
        let mut r = Rng::new(1);
        let mut hist = vec![0u32; 100];
        for _ in 0..100_000 {
            let k = r.zipf(100);
            hist[k as usize] += 1;
        }
        assert!(hist[0] > hist[10] && hist[10] > hist[90]);
    }

    #[test]
    fn below_stays_below() {
        let mut r = Rng::new(7);
        for n in 1..200 {
            assert!(r.below(n) < n);
        }
    }
}
