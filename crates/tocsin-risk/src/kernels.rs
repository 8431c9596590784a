//! The elastic-net solver's inner loops over the rows: dot products of double-precision
//! vectors with single-precision predictor columns, and `eta += X b` over four columns.
//!
//! Written by hand because the compiler's own vectorisation of these loops packs the four
//! columns side by side and shuffles them into place on every row, which ran at under half the
//! speed of plain vertical SIMD. The predictor columns are single precision: a column is read
//! from memory at half the bytes, and reading them, not the arithmetic, bounds these loops once
//! they are vectorised. Every product and sum is in double precision.
//!
//! **Same result on every processor.** Each dot product keeps eight running sums (row `i` goes
//! to sum `i % 8`; the rows after the last full eight go to a ninth, in order), adds each
//! product with a fused multiply-add (one rounding), and combines the sums in one fixed order.
//! The AVX2 code holds the eight sums in two 4-wide registers and uses the processor's FMA;
//! the portable code holds them in an array and uses `f64::mul_add`, which rounds the same way
//! (in software, slowly, on a processor without FMA). Both compute the same numbers to the
//! last bit.

/// Predictor columns in single precision, one after the other.
#[derive(Debug, Clone)]
pub(crate) struct Columns {
    data: Vec<f32>,
    rows: usize,
}

impl Columns {
    /// The columns of the column-major `data`, `rows` rows each.
    pub(crate) fn new(data: Vec<f32>, rows: usize) -> Columns {
        Columns { data, rows }
    }

    #[inline(always)]
    pub(crate) fn column(&self, k: usize) -> &[f32] {
        &self.data[k * self.rows..(k + 1) * self.rows]
    }
}

/// Combines the eight running sums and the tail's sum, in the one order both codes use.
#[inline(always)]
fn combine(lanes: [f64; 8], tail: f64) -> f64 {
    (((lanes[0] + lanes[4]) + (lanes[1] + lanes[5]))
        + ((lanes[2] + lanes[6]) + (lanes[3] + lanes[7])))
        + tail
}

/// `sum(a[i] * b[i])` in row order: the rows after the last full eight.
#[inline(always)]
fn tail(a: &[f64], b: &[f32]) -> f64 {
    let mut sum = 0.0;
    for (x, &y) in a.iter().zip(b) {
        sum = x.mul_add(f64::from(y), sum);
    }
    sum
}

/// One row of [`axpy4`]: `eta + b[c] x[c][row]` for the columns in order.
#[inline(always)]
fn axpy_row(eta: f64, b: [f64; 4], x: [&[f32]; 4], row: usize) -> f64 {
    let mut value = eta;
    for c in 0..4 {
        value = b[c].mul_add(f64::from(x[c][row]), value);
    }
    value
}

/// `sum(a[i] * b[i])`.
#[inline]
pub(crate) fn dot(a: &[f64], b: &[f32]) -> f64 {
    #[cfg(target_arch = "x86_64")]
    if let Some(simd) = pulp::x86::V3::try_new() {
        return simd.vectorize(|| avx2::dot(simd, a, b));
    }
    portable::dot(a, b)
}

/// `sum(a[i] * b[c][i])` for each of the four columns `b[c]`, in one pass over `a`.
#[inline]
pub(crate) fn dot4(a: &[f64], b: [&[f32]; 4]) -> [f64; 4] {
    #[cfg(target_arch = "x86_64")]
    if let Some(simd) = pulp::x86::V3::try_new() {
        return simd.vectorize(|| avx2::dot4(simd, a, b));
    }
    portable::dot4(a, b)
}

/// `eta[i] += b[c] x[c][i]` for the columns `c` in order, each a fused multiply-add.
#[inline]
pub(crate) fn axpy4(eta: &mut [f64], b: [f64; 4], x: [&[f32]; 4]) {
    #[cfg(target_arch = "x86_64")]
    if let Some(simd) = pulp::x86::V3::try_new() {
        return simd.vectorize(|| avx2::axpy4(simd, eta, b, x));
    }
    portable::axpy4(eta, b, x)
}

mod portable {
    use super::{axpy_row, combine, tail};

    pub(super) fn dot(a: &[f64], b: &[f32]) -> f64 {
        let n = a.len();
        let b = &b[..n];
        let full = n - n % 8;
        let mut lanes = [0.0f64; 8];
        for (x, y) in a[..full].chunks_exact(8).zip(b[..full].chunks_exact(8)) {
            for lane in 0..8 {
                lanes[lane] = x[lane].mul_add(f64::from(y[lane]), lanes[lane]);
            }
        }
        combine(lanes, tail(&a[full..], &b[full..]))
    }

    pub(super) fn dot4(a: &[f64], b: [&[f32]; 4]) -> [f64; 4] {
        b.map(|column| dot(a, column))
    }

    pub(super) fn axpy4(eta: &mut [f64], b: [f64; 4], x: [&[f32]; 4]) {
        let x = x.map(|column| &column[..eta.len()]);
        for (row, e) in eta.iter_mut().enumerate() {
            *e = axpy_row(*e, b, x, row);
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use pulp::x86::V3;
    use std::arch::x86_64::{__m128, __m256d};

    use super::{axpy_row, combine, tail};

    /// Eight rows of `a` as two 4-wide registers.
    #[inline(always)]
    fn wide(x: &[f64; 8]) -> [__m256d; 2] {
        let [a, b, c, d, e, f, g, h] = *x;
        [pulp::cast([a, b, c, d]), pulp::cast([e, f, g, h])]
    }

    /// Eight single-precision rows of a column, widened to double precision.
    #[inline(always)]
    fn widen(simd: V3, y: &[f32; 8]) -> [__m256d; 2] {
        let [a, b, c, d, e, f, g, h] = *y;
        [
            simd.avx
                ._mm256_cvtps_pd(pulp::cast::<_, __m128>([a, b, c, d])),
            simd.avx
                ._mm256_cvtps_pd(pulp::cast::<_, __m128>([e, f, g, h])),
        ]
    }

    /// The eight running sums held in `sums`, as an array.
    #[inline(always)]
    fn lanes(sums: [__m256d; 2]) -> [f64; 8] {
        let [a, b, c, d]: [f64; 4] = pulp::cast(sums[0]);
        let [e, f, g, h]: [f64; 4] = pulp::cast(sums[1]);
        [a, b, c, d, e, f, g, h]
    }

    #[inline(always)]
    fn add_product(simd: V3, sums: &mut [__m256d; 2], x: [__m256d; 2], y: [__m256d; 2]) {
        for half in 0..2 {
            sums[half] = simd.fma._mm256_fmadd_pd(x[half], y[half], sums[half]);
        }
    }

    /// See [`super::dot`].
    #[inline(always)]
    pub(super) fn dot(simd: V3, a: &[f64], b: &[f32]) -> f64 {
        let b = &b[..a.len()];
        let (rows, a_tail) = pulp::as_arrays::<8, f64>(a);
        let (column, b_tail) = pulp::as_arrays::<8, f32>(b);
        let mut sums = [simd.avx._mm256_setzero_pd(); 2];
        for (x, y) in rows.iter().zip(column) {
            add_product(simd, &mut sums, wide(x), widen(simd, y));
        }
        combine(lanes(sums), tail(a_tail, b_tail))
    }

    /// See [`super::dot4`].
    #[inline(always)]
    pub(super) fn dot4(simd: V3, a: &[f64], b: [&[f32]; 4]) -> [f64; 4] {
        let n = a.len();
        let (rows, a_tail) = pulp::as_arrays::<8, f64>(a);
        let columns = b.map(|column| pulp::as_arrays::<8, f32>(&column[..n]));
        let mut sums = [[simd.avx._mm256_setzero_pd(); 2]; 4];
        for (i, x) in rows.iter().enumerate() {
            let x = wide(x);
            for c in 0..4 {
                add_product(simd, &mut sums[c], x, widen(simd, &columns[c].0[i]));
            }
        }
        let mut out = [0.0; 4];
        for c in 0..4 {
            out[c] = combine(lanes(sums[c]), tail(a_tail, columns[c].1));
        }
        out
    }

    /// See [`super::axpy4`].
    #[inline(always)]
    pub(super) fn axpy4(simd: V3, eta: &mut [f64], b: [f64; 4], x: [&[f32]; 4]) {
        let n = eta.len();
        let columns = x.map(|column| pulp::as_arrays::<8, f32>(&column[..n]));
        let coefficients = b.map(|v| simd.avx._mm256_set1_pd(v));
        let (rows, eta_tail) = pulp::as_arrays_mut::<8, f64>(eta);
        for (i, e) in rows.iter_mut().enumerate() {
            let mut sums = wide(e);
            for c in 0..4 {
                let y = widen(simd, &columns[c].0[i]);
                for half in 0..2 {
                    sums[half] = simd
                        .fma
                        ._mm256_fmadd_pd(coefficients[c], y[half], sums[half]);
                }
            }
            *e = lanes(sums);
        }
        let done = n - eta_tail.len();
        for (k, e) in eta_tail.iter_mut().enumerate() {
            *e = axpy_row(*e, b, x, done + k);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Awkward values: magnitudes over many orders, both signs, lengths with every tail.
    fn vectors(n: usize, seed: u64) -> (Vec<f64>, Vec<f32>) {
        let mut state = seed;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let unit = (state >> 11) as f64 / (1u64 << 53) as f64;
            (unit - 0.5) * 10f64.powi((state % 9) as i32 - 4)
        };
        let a = (0..n).map(|_| next()).collect();
        let b = (0..n).map(|_| next() as f32).collect();
        (a, b)
    }

    #[test]
    fn the_vector_code_gives_the_portable_code_s_numbers_to_the_bit() {
        for n in [0, 1, 7, 8, 9, 15, 16, 17, 255, 256, 257, 5763] {
            let (a, b0) = vectors(n, n as u64 + 1);
            let (_, b1) = vectors(n, n as u64 + 2);
            let (_, b2) = vectors(n, n as u64 + 3);
            let (_, b3) = vectors(n, n as u64 + 4);
            let columns = [&b0[..], &b1[..], &b2[..], &b3[..]];
            let expected = portable::dot4(&a, columns);
            assert_eq!(
                dot4(&a, columns).map(f64::to_bits),
                expected.map(f64::to_bits)
            );
            assert_eq!(dot(&a, &b2).to_bits(), expected[2].to_bits());
            let mut portable_eta = a.clone();
            portable::axpy4(&mut portable_eta, [0.5, -2.0, 1e-3, 7.0], columns);
            let mut eta = a.clone();
            axpy4(&mut eta, [0.5, -2.0, 1e-3, 7.0], columns);
            assert_eq!(
                eta.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                portable_eta.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
            );
        }
    }

    #[test]
    fn dot_products_agree_with_a_plain_sum() {
        let (a, b) = vectors(1001, 9);
        let plain: f64 = a.iter().zip(&b).map(|(x, &y)| x * f64::from(y)).sum();
        let scale: f64 = a
            .iter()
            .zip(&b)
            .map(|(x, &y)| (x * f64::from(y)).abs())
            .sum();
        assert!((dot(&a, &b) - plain).abs() <= 1e-12 * scale);
    }
}
