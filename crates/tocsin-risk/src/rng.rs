//! R's default random number generator (Mersenne-Twister seeded by `set.seed`, with
//! `sample.kind = "Rejection"`, R >= 3.6), written out so that cross-validation folds are the
//! very folds `cv.glmnet` draws after EWP's `set.seed(90035)`.
//!
//! Why not a crate: the point is bit-for-bit agreement with R's `set.seed` scrambling and
//! `R_unif_index` rejection sampling, which no general-purpose generator offers. The same
//! generator feeds the tree models' subsampling, so the crate has one source of randomness
//! and no other dependency for it.

const N: usize = 624;
const M: usize = 397;
const MATRIX_A: u32 = 0x9908_b0df;
const UPPER_MASK: u32 = 0x8000_0000;
const LOWER_MASK: u32 = 0x7fff_ffff;
/// 1 / (2^32 - 1), R's `i2_32m1`, used to keep draws inside (0, 1).
const I2_32M1: f64 = 2.328_306_437_080_797e-10;

/// A seeded generator that draws the same numbers as R after `set.seed(seed)`.
#[derive(Debug, Clone)]
pub struct RRng {
    state: [u32; N],
    index: usize,
}

impl RRng {
    /// R's `set.seed(seed)` for the Mersenne-Twister: 50 rounds of a linear congruential
    /// scramble, then 625 more values fill the index word and the 624-word state.
    pub fn new(seed: u32) -> Self {
        let mut scrambled = seed;
        for _ in 0..50 {
            scrambled = scrambled.wrapping_mul(69069).wrapping_add(1);
        }
        // The first of the 625 words is R's stored index; FixupSeeds resets it to 624, which
        // makes the first draw regenerate the whole state.
        scrambled = scrambled.wrapping_mul(69069).wrapping_add(1);
        let mut state = [0u32; N];
        for word in state.iter_mut() {
            scrambled = scrambled.wrapping_mul(69069).wrapping_add(1);
            *word = scrambled;
        }
        RRng { state, index: N }
    }

    fn next_u32(&mut self) -> u32 {
        if self.index >= N {
            let mag = |y: u32| if y & 1 == 1 { MATRIX_A } else { 0 };
            for k in 0..N - M {
                let y = (self.state[k] & UPPER_MASK) | (self.state[k + 1] & LOWER_MASK);
                self.state[k] = self.state[k + M] ^ (y >> 1) ^ mag(y);
            }
            for k in N - M..N - 1 {
                let y = (self.state[k] & UPPER_MASK) | (self.state[k + 1] & LOWER_MASK);
                self.state[k] = self.state[k + M - N] ^ (y >> 1) ^ mag(y);
            }
            let y = (self.state[N - 1] & UPPER_MASK) | (self.state[0] & LOWER_MASK);
            self.state[N - 1] = self.state[M - 1] ^ (y >> 1) ^ mag(y);
            self.index = 0;
        }
        let mut y = self.state[self.index];
        self.index += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^= y >> 18;
        y
    }

    /// R's `unif_rand()`: uniform on the open interval (0, 1).
    pub fn unif(&mut self) -> f64 {
        let x = f64::from(self.next_u32()) * 2.328_306_436_538_696_3e-10;
        if x <= 0.0 {
            0.5 * I2_32M1
        } else if 1.0 - x <= 0.0 {
            1.0 - 0.5 * I2_32M1
        } else {
            x
        }
    }

    /// R's `R_unif_index(n)` with rejection sampling: a uniform integer in `0..n`.
    pub fn index(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        let bits = (n as f64).log2().ceil() as u32;
        loop {
            let mut value: i64 = 0;
            let mut done = 0;
            while done <= bits {
                let part = (self.unif() * 65536.0).floor() as i64;
                value = 65536 * value + part;
                done += 16;
            }
            let value = (value & ((1i64 << bits) - 1)) as usize;
            if value < n {
                return value;
            }
        }
    }

    /// R's `sample.int(n)`: a random permutation of `0..n` (zero-based).
    pub fn permutation(&mut self, n: usize) -> Vec<usize> {
        let mut pool: Vec<usize> = (0..n).collect();
        let mut remaining = n;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            let j = self.index(remaining);
            out.push(pool[j]);
            remaining -= 1;
            pool[j] = pool[remaining];
        }
        out
    }

    /// `cv.glmnet`'s fold assignment, `sample(rep(seq(nfolds), length = n))`, zero-based.
    pub fn folds(&mut self, n: usize, folds: usize) -> Vec<usize> {
        self.permutation(n).into_iter().map(|i| i % folds).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_match_r() {
        // R 4.2.2: set.seed(90035); sample(rep(1:10, length = 23))
        let expected = [
            8, 7, 9, 4, 3, 1, 2, 4, 9, 6, 10, 5, 8, 7, 6, 2, 5, 2, 3, 3, 1, 10, 1,
        ];
        let folds: Vec<usize> = RRng::new(90035)
            .folds(23, 10)
            .into_iter()
            .map(|f| f + 1)
            .collect();
        assert_eq!(folds, expected);
    }

    #[test]
    fn permutation_is_a_permutation() {
        let mut drawn = RRng::new(7).permutation(1000);
        drawn.sort_unstable();
        assert_eq!(drawn, (0..1000).collect::<Vec<_>>());
    }
}
