//! The elastic-net solver's inner loops over the rows: dot products of single-precision
//! vectors (residuals, weighted columns) with the single-precision predictor columns (one
//! vector with up to four columns in a pass, or two with up to three for the Gram matrix's
//! rows), and `delta += X b` over up to four columns in a pass.
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
/// (see [`dots`]).
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

/// One row of [`axpy`]: `delta + b[c] x[c][row]` for the columns in order.
#[inline(always)]
fn axpy_row<const C: usize>(delta: f32, b: [f32; C], x: [&[f32]; C], row: usize) -> f32 {
    let mut value = delta;
    for c in 0..C {
        value = b[c].mul_add(x[c][row], value);
    }
    value
}

/// `sum(a[i] * b[i])` of `a` with each of `count` columns `b = column(c)`, given as `out(c,
/// sum)` for `c` in order. Single-precision vectors: sixteen running sums in single precision
/// (row `i` to sum `i % 16`), each carried into a double-precision sum every [`CHUNK`] rows,
/// the rows after the last full sixteen summed in order; each sum is the same to the bit
/// whichever columns share its pass. Four columns to a pass over `a` (the last pass taking the one to three left), so
/// that `a` is read once for four columns rather than once for each.
#[inline]
pub(crate) fn dots<'x>(
    a: &[f32],
    count: usize,
    column: impl Fn(usize) -> &'x [f32],
    mut out: impl FnMut(usize, f64),
) {
    #[cfg(target_arch = "x86_64")]
    if let Some(simd) = pulp::x86::V3::try_new() {
        // One `vectorize` call to a pass, its closure no more than the pass: a larger closure
        // is not inlined into pulp's AVX2 function and loses its instruction set.
        let mut first = 0;
        while first + 4 <= count {
            let columns = [0, 1, 2, 3].map(|c| column(first + c));
            let [sums] = simd.vectorize(|| avx2::dots(simd, [a], columns));
            for (c, sum) in sums.into_iter().enumerate() {
                out(first + c, sum);
            }
            first += 4;
        }
        match count - first {
            3 => {
                let columns = [0, 1, 2].map(|c| column(first + c));
                let [sums] = simd.vectorize(|| avx2::dots(simd, [a], columns));
                for (c, sum) in sums.into_iter().enumerate() {
                    out(first + c, sum);
                }
            }
            2 => {
                let columns = [column(first), column(first + 1)];
                let [sums] = simd.vectorize(|| avx2::dots(simd, [a], columns));
                out(first, sums[0]);
                out(first + 1, sums[1]);
            }
            1 => {
                let columns = [column(first)];
                let [[sum]] = simd.vectorize(|| avx2::dots(simd, [a], columns));
                out(first, sum);
            }
            _ => {}
        }
        return;
    }
    for c in 0..count {
        out(c, portable::dot(a, column(c)));
    }
}

/// The sums of [`dots`] of each of two vectors with each of `count` columns, `out(c, [sum with
/// a[0], sum with a[1]])` for `c` in order, each the same to the bit. Three columns to a pass
/// over all five vectors (the last pass taking the one or two left): where many dot products
/// share their vectors (the rows of a Gram matrix), this reads each column half as often as
/// [`dots`] does.
#[inline]
pub(crate) fn dots2<'x>(
    a: [&[f32]; 2],
    count: usize,
    column: impl Fn(usize) -> &'x [f32],
    mut out: impl FnMut(usize, [f64; 2]),
) {
    #[cfg(target_arch = "x86_64")]
    if let Some(simd) = pulp::x86::V3::try_new() {
        let mut first = 0;
        while first + 3 <= count {
            let columns = [0, 1, 2].map(|c| column(first + c));
            let [one, two] = simd.vectorize(|| avx2::dots(simd, a, columns));
            for c in 0..3 {
                out(first + c, [one[c], two[c]]);
            }
            first += 3;
        }
        match count - first {
            2 => {
                let columns = [column(first), column(first + 1)];
                let [one, two] = simd.vectorize(|| avx2::dots(simd, a, columns));
                out(first, [one[0], two[0]]);
                out(first + 1, [one[1], two[1]]);
            }
            1 => {
                let columns = [column(first)];
                let [[one], [two]] = simd.vectorize(|| avx2::dots(simd, a, columns));
                out(first, [one, two]);
            }
            _ => {}
        }
        return;
    }
    for c in 0..count {
        let b = column(c);
        out(c, a.map(|a| portable::dot(a, b)));
    }
}

/// `delta[i] += coefficient(c) column(c)[i]` in single precision, one fused multiply-add a
/// product, for the columns `c` in `0..count` in order (each row's value the same to the bit as
/// one column after the other). Four columns to a pass over `delta`.
#[inline]
pub(crate) fn axpy<'x>(
    delta: &mut [f32],
    count: usize,
    coefficient: impl Fn(usize) -> f32,
    column: impl Fn(usize) -> &'x [f32],
) {
    #[cfg(target_arch = "x86_64")]
    if let Some(simd) = pulp::x86::V3::try_new() {
        let mut first = 0;
        while first + 4 <= count {
            let c = [0, 1, 2, 3].map(|c| first + c);
            let (b, x) = (c.map(&coefficient), c.map(&column));
            simd.vectorize(|| avx2::axpy(simd, delta, b, x));
            first += 4;
        }
        match count - first {
            3 => {
                let c = [0, 1, 2].map(|c| first + c);
                let (b, x) = (c.map(&coefficient), c.map(&column));
                simd.vectorize(|| avx2::axpy(simd, delta, b, x));
            }
            2 => {
                let c = [first, first + 1];
                let (b, x) = (c.map(&coefficient), c.map(&column));
                simd.vectorize(|| avx2::axpy(simd, delta, b, x));
            }
            1 => {
                let (b, x) = ([coefficient(first)], [column(first)]);
                simd.vectorize(|| avx2::axpy(simd, delta, b, x));
            }
            _ => {}
        }
        return;
    }
    for c in 0..count {
        portable::axpy(delta, [coefficient(c)], [column(c)]);
    }
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

    pub(super) fn axpy<const C: usize>(delta: &mut [f32], b: [f32; C], x: [&[f32]; C]) {
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

    /// See [`super::dots`] and [`super::dots2`]: each of the `R` vectors `a`
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

    /// See [`super::axpy`]: `C` columns in one pass.
    #[inline(always)]
    pub(super) fn axpy<const C: usize>(simd: V3, delta: &mut [f32], b: [f32; C], x: [&[f32]; C]) {
        let n = delta.len();
        let x = x.map(|column| &column[..n]);
        let coefficients = b.map(|v| simd.avx._mm256_set1_ps(v));
        let full = n - n % 8;
        let mut i = 0;
        while i < full {
            let mut sum = single(&delta[i..]);
            for c in 0..C {
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
        // Every kind of tail, lengths over several chunks, and every count of columns that
        // leaves a partial pass.
        for n in [0, 1, 7, 8, 9, 15, 16, 17, 255, 256, 257, 271, 512, 5763] {
            let a = vector(n, n as u64 + 1);
            let a2 = vector(n, n as u64 + 100);
            let columns: Vec<Vec<f32>> = (0..9).map(|c| vector(n, n as u64 + 2 + c)).collect();
            let coefficients = [0.5, -2.0, 1e-3, 7.0, -0.25, 3.0, 1e-5, -40.0, 0.75];
            for count in 0..=columns.len() {
                let expected: Vec<u64> = columns[..count]
                    .iter()
                    .map(|b| portable::dot(&a, b).to_bits())
                    .collect();
                let mut got = vec![None; count];
                dots(
                    &a,
                    count,
                    |c| &columns[c],
                    |c, sum| got[c] = Some(sum.to_bits()),
                );
                assert_eq!(got, expected.iter().map(|&e| Some(e)).collect::<Vec<_>>());

                let mut pairs = vec![None; count];
                dots2(
                    [&a, &a2],
                    count,
                    |c| &columns[c],
                    |c, sums| pairs[c] = Some(sums.map(f64::to_bits)),
                );
                for (c, pair) in pairs.iter().enumerate() {
                    let one = portable::dot(&a, &columns[c]).to_bits();
                    let two = portable::dot(&a2, &columns[c]).to_bits();
                    assert_eq!(*pair, Some([one, two]), "n = {n}, column {c} of {count}");
                }

                // One column after the other, in order, is what every pass must equal.
                let mut one_by_one = a.clone();
                for c in 0..count {
                    portable::axpy(&mut one_by_one, [coefficients[c]], [&columns[c][..]]);
                }
                let mut delta = a.clone();
                axpy(&mut delta, count, |c| coefficients[c], |c| &columns[c]);
                assert_eq!(
                    delta.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                    one_by_one.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                    "n = {n}, {count} columns"
                );
            }
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
            let mut sum = f64::NAN;
            dots(&a, 1, |_| &b, |_, value| sum = value);
            assert!((sum - plain).abs() <= 4e-7 * scale, "n = {n}");
        }
    }
}
