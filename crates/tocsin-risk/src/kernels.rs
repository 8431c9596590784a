//! The elastic-net solver's inner loops over the rows: dot products of single-precision
//! vectors (residuals, weighted columns) with the single-precision predictor columns (one
//! vector with four columns, or two with three for the Gram matrix's rows), and
//! `delta += X b` over four columns.
//!
//! Written by hand because the compiler's own vectorisation of these loops packs the four
//! columns side by side and shuffles them into place on every row, which ran at under half the
//! speed of plain vertical SIMD. The arithmetic is single precision, eight rows to an AVX2
//! instruction: widening every value to double precision first cost one conversion per four
//! products and bounded the loops. Each dot product keeps sixteen running sums in single
//! precision over at most [`CHUNK`] rows (sixteen products each) and carries them into sixteen
//! double-precision sums, so that no single-precision sum runs long; the solver adds the
//! result in double precision. See [`crate::glmnet`] for what this changes in its results.
//!
//! **Same result on every processor.** Row `i` goes to running sum `i % 16`; every product is
//! added with a fused multiply-add (one rounding); the rows after the last full sixteen are
//! summed in order; the double-precision sums are combined in one fixed order. The AVX2 code
//! holds the sixteen sums in two 8-wide registers and uses the processor's FMA; the portable
//! code holds them in an array and uses `f32::mul_add`, which rounds the same way (in
//! software, slowly, on a processor without FMA). Both compute the same numbers to the last
//! bit, and a test checks it.

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

/// Rows summed in single precision before each lane's sum is carried into double precision
/// (see [`dot`]).
pub(crate) const CHUNK: usize = 256;

/// Combines sixteen running sums and the tail's sum, in the one order both codes use.
#[inline(always)]
fn combine16(lanes: [f64; 16], tail: f64) -> f64 {
    let mut eight = [0.0; 8];
    for lane in 0..8 {
        eight[lane] = lanes[lane] + lanes[lane + 8];
    }
    (((eight[0] + eight[4]) + (eight[1] + eight[5]))
        + ((eight[2] + eight[6]) + (eight[3] + eight[7])))
        + tail
}

/// `sum(a[i] * b[i])` in single precision and row order, widened: the rows after the last
/// full sixteen.
#[inline(always)]
fn tail(a: &[f32], b: &[f32]) -> f64 {
    let mut sum = 0.0f32;
    for (x, &y) in a.iter().zip(b) {
        sum = x.mul_add(y, sum);
    }
    f64::from(sum)
}

/// One row of [`axpy4`]: `delta + b[c] x[c][row]` for the columns in order.
#[inline(always)]
fn axpy_row(delta: f32, b: [f32; 4], x: [&[f32]; 4], row: usize) -> f32 {
    let mut value = delta;
    for c in 0..4 {
        value = b[c].mul_add(x[c][row], value);
    }
    value
}

/// `sum(a[i] * b[i])` of single-precision vectors: sixteen running sums in single precision
/// (row `i` to sum `i % 16`), each carried into a double-precision sum every [`CHUNK`] rows,
/// the rows after the last full sixteen summed in order.
#[inline]
pub(crate) fn dot(a: &[f32], b: &[f32]) -> f64 {
    #[cfg(target_arch = "x86_64")]
    if let Some(simd) = pulp::x86::V3::try_new() {
        return simd.vectorize(|| avx2::dots(simd, [a], [b])[0][0]);
    }
    portable::dot(a, b)
}

/// [`dot`] of `a` with each of four columns, in one pass over `a`.
#[inline]
pub(crate) fn dot4(a: &[f32], b: [&[f32]; 4]) -> [f64; 4] {
    #[cfg(target_arch = "x86_64")]
    if let Some(simd) = pulp::x86::V3::try_new() {
        return simd.vectorize(|| avx2::dots(simd, [a], b)[0]);
    }
    portable::dot4(a, b)
}

/// [`dot`] of each of two vectors with each of three columns, in one pass over all five:
/// `out[r][c]` is `dot(a[r], b[c])` to the bit. Where many dot products share their vectors
/// (the rows of a Gram matrix), this reads each vector half as often as [`dot4`] does.
#[inline]
pub(crate) fn dot2x3(a: [&[f32]; 2], b: [&[f32]; 3]) -> [[f64; 3]; 2] {
    #[cfg(target_arch = "x86_64")]
    if let Some(simd) = pulp::x86::V3::try_new() {
        return simd.vectorize(|| avx2::dots(simd, a, b));
    }
    a.map(|a| b.map(|b| portable::dot(a, b)))
}

/// `delta[i] += b[c] x[c][i]` in single precision, for the columns `c` in order.
#[inline]
pub(crate) fn axpy4(delta: &mut [f32], b: [f32; 4], x: [&[f32]; 4]) {
    #[cfg(target_arch = "x86_64")]
    if let Some(simd) = pulp::x86::V3::try_new() {
        return simd.vectorize(|| avx2::axpy4(simd, delta, b, x));
    }
    portable::axpy4(delta, b, x)
}

mod portable {
    use super::{axpy_row, combine16, tail, CHUNK};

    pub(super) fn dot(a: &[f32], b: &[f32]) -> f64 {
        let n = a.len();
        let b = &b[..n];
        let full = n - n % 16;
        let mut wide = [0.0f64; 16];
        for (a, b) in a[..full].chunks(CHUNK).zip(b[..full].chunks(CHUNK)) {
            let mut lanes = [0.0f32; 16];
            for (x, y) in a.chunks_exact(16).zip(b.chunks_exact(16)) {
                for lane in 0..16 {
                    lanes[lane] = x[lane].mul_add(y[lane], lanes[lane]);
                }
            }
            for lane in 0..16 {
                wide[lane] += f64::from(lanes[lane]);
            }
        }
        combine16(wide, tail(&a[full..], &b[full..]))
    }

    pub(super) fn dot4(a: &[f32], b: [&[f32]; 4]) -> [f64; 4] {
        b.map(|column| dot(a, column))
    }

    pub(super) fn axpy4(delta: &mut [f32], b: [f32; 4], x: [&[f32]; 4]) {
        let x = x.map(|column| &column[..delta.len()]);
        for (row, d) in delta.iter_mut().enumerate() {
            *d = axpy_row(*d, b, x, row);
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use pulp::x86::V3;
    use std::arch::x86_64::{__m128, __m256};

    use super::{axpy_row, combine16, tail, CHUNK};

    /// Eight single-precision values as a register.
    #[inline(always)]
    fn single(x: &[f32]) -> __m256 {
        let x: [f32; 8] = x[..8].try_into().expect("eight values");
        pulp::cast(x)
    }

    /// See [`super::dot`], [`super::dot4`] and [`super::dot2x3`]: each of the `R` vectors `a`
    /// with each of the `C` columns `b`.
    #[inline(always)]
    pub(super) fn dots<const R: usize, const C: usize>(
        simd: V3,
        a: [&[f32]; R],
        b: [&[f32]; C],
    ) -> [[f64; C]; R] {
        let n = a[0].len();
        let full = n - n % 16;
        let a = a.map(|row| &row[..n]);
        let b = b.map(|column| &column[..n]);
        let mut wide = [[[simd.avx._mm256_setzero_pd(); 4]; C]; R];
        let mut start = 0;
        while start < full {
            let end = (start + CHUNK).min(full);
            let mut sums = [[[simd.avx._mm256_setzero_ps(); 2]; C]; R];
            let mut i = start;
            while i < end {
                let mut x = [[simd.avx._mm256_setzero_ps(); 2]; R];
                for r in 0..R {
                    x[r] = [single(&a[r][i..]), single(&a[r][i + 8..])];
                }
                for c in 0..C {
                    for half in 0..2 {
                        let y = single(&b[c][i + 8 * half..]);
                        for r in 0..R {
                            sums[r][c][half] =
                                simd.fma._mm256_fmadd_ps(x[r][half], y, sums[r][c][half]);
                        }
                    }
                }
                i += 16;
            }
            for r in 0..R {
                for c in 0..C {
                    for half in 0..2 {
                        let [l0, l1, l2, l3, l4, l5, l6, l7]: [f32; 8] =
                            pulp::cast(sums[r][c][half]);
                        let low = simd
                            .avx
                            ._mm256_cvtps_pd(pulp::cast::<_, __m128>([l0, l1, l2, l3]));
                        let high = simd
                            .avx
                            ._mm256_cvtps_pd(pulp::cast::<_, __m128>([l4, l5, l6, l7]));
                        let quarters = &mut wide[r][c][2 * half..2 * half + 2];
                        quarters[0] = simd.avx._mm256_add_pd(quarters[0], low);
                        quarters[1] = simd.avx._mm256_add_pd(quarters[1], high);
                    }
                }
            }
            start = end;
        }
        let mut out = [[0.0; C]; R];
        for r in 0..R {
            for c in 0..C {
                let mut lanes = [0.0; 16];
                for quarter in 0..4 {
                    let values: [f64; 4] = pulp::cast(wide[r][c][quarter]);
                    lanes[4 * quarter..4 * quarter + 4].copy_from_slice(&values);
                }
                out[r][c] = combine16(lanes, tail(&a[r][full..], &b[c][full..]));
            }
        }
        out
    }

    /// See [`super::axpy4`].
    #[inline(always)]
    pub(super) fn axpy4(simd: V3, delta: &mut [f32], b: [f32; 4], x: [&[f32]; 4]) {
        let n = delta.len();
        let x = x.map(|column| &column[..n]);
        let coefficients = b.map(|v| simd.avx._mm256_set1_ps(v));
        let full = n - n % 8;
        let mut i = 0;
        while i < full {
            let mut sum = single(&delta[i..]);
            for c in 0..4 {
                sum = simd
                    .fma
                    ._mm256_fmadd_ps(coefficients[c], single(&x[c][i..]), sum);
            }
            let values: [f32; 8] = pulp::cast(sum);
            delta[i..i + 8].copy_from_slice(&values);
            i += 8;
        }
        for (row, d) in delta.iter_mut().enumerate().skip(full) {
            *d = axpy_row(*d, b, x, row);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Awkward values: magnitudes over many orders, both signs.
    fn vector(n: usize, seed: u64) -> Vec<f32> {
        let mut state = seed;
        (0..n)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let unit = (state >> 11) as f64 / (1u64 << 53) as f64;
                ((unit - 0.5) * 10f64.powi((state % 9) as i32 - 4)) as f32
            })
            .collect()
    }

    #[test]
    fn the_vector_code_gives_the_portable_code_s_numbers_to_the_bit() {
        // Every kind of tail, and lengths over several chunks.
        for n in [0, 1, 7, 8, 9, 15, 16, 17, 255, 256, 257, 271, 512, 5763] {
            let a = vector(n, n as u64 + 1);
            let (b0, b1, b2, b3) = (
                vector(n, n as u64 + 2),
                vector(n, n as u64 + 3),
                vector(n, n as u64 + 4),
                vector(n, n as u64 + 5),
            );
            let columns = [&b0[..], &b1[..], &b2[..], &b3[..]];
            let expected = portable::dot4(&a, columns);
            assert_eq!(
                dot4(&a, columns).map(f64::to_bits),
                expected.map(f64::to_bits)
            );
            assert_eq!(dot(&a, &b2).to_bits(), expected[2].to_bits());
            // Two vectors against three columns: each entry is `dot` of its pair, to the bit.
            let pairs = dot2x3([&a, &b3], [&b0, &b1, &b2]);
            for (row, first) in pairs.iter().zip([&a, &b3]) {
                for (value, second) in row.iter().zip([&b0, &b1, &b2]) {
                    assert_eq!(value.to_bits(), portable::dot(first, second).to_bits());
                }
            }
            let b = [0.5, -2.0, 1e-3, 7.0];
            let mut portable_delta = a.clone();
            portable::axpy4(&mut portable_delta, b, columns);
            let mut delta = a.clone();
            axpy4(&mut delta, b, columns);
            assert_eq!(
                delta.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                portable_delta
                    .iter()
                    .map(|v| v.to_bits())
                    .collect::<Vec<_>>()
            );
        }
    }

    #[test]
    fn dot_products_agree_with_a_double_precision_sum() {
        for n in [1001, 5763] {
            let (a, b) = (vector(n, 9), vector(n, 10));
            let products = a.iter().zip(&b).map(|(&x, &y)| f64::from(x) * f64::from(y));
            let plain: f64 = products.clone().sum();
            let scale: f64 = products.map(f64::abs).sum();
            // Sixteen products to a single-precision running sum before it is carried into
            // double precision: the error stays near single precision's unit roundoff.
            assert!((dot(&a, &b) - plain).abs() <= 4e-7 * scale, "n = {n}");
        }
    }
}
