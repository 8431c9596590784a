//! Elastic-net logistic regression, computed the way R's glmnet 4.1 computes it
//! (`glmnet(family = "binomial")` and `cv.glmnet`), so that `ewp-enet` reproduces the Early
//! Warning Project's model rather than approximating it.
//!
//! What is carried over from glmnet, step by step:
//! - **Standardisation** (`standardize = TRUE`): observation weights 1/n; each predictor is
//!   centred on its mean and divided by its population standard deviation (divisor n); constant
//!   predictors are left out. Coefficients are reported on the original scale
//!   (`beta / sd`, intercept `b0 - sum(beta * mean / sd)`).
//! - **Lambda path**: `nlambda = 100` values falling geometrically from lambda_max (the smallest
//!   lambda that keeps every coefficient at zero, `max_j |x_j' w (y - ybar)| / max(alpha,
//!   0.001)`) to `lambda.min.ratio` times it: 1e-4 when n >= p, 0.01 otherwise. As in glmnet the
//!   first point is fitted at an "infinite" lambda and its value is then extrapolated from the
//!   next two; the path stops early after at least 5 values once the deviance ratio gains less
//!   than 1e-5 or passes 0.999.
//! - **Solver**: proximal Newton (IRLS) outer loop around cyclic coordinate descent with warm
//!   starts along the path, the sequential strong rule to screen predictors and a KKT check to
//!   readmit any wrongly screened out; full sweeps alternate with sweeps over the active set.
//!   Convergence is glmnet's rule: a sweep has converged when the largest weighted squared
//!   coefficient change (`xv_j * d^2`, intercept included) is below `thresh * dev0` with
//!   `thresh = 1e-7` and dev0 the null deviance; IRLS has converged when the same measure taken
//!   over the whole WLS step is below it too and no screened-out predictor violates KKT.
//!   Where this departs from glmnet's Fortran, for speed, the solution stays the same to the
//!   convergence threshold (EWP's published forecasts are matched to their 4 significant
//!   digits): coordinate descent works on the weighted Gram matrix of the strong set
//!   (glmnet's "covariance" updating, O(p) per coordinate instead of O(n)); that matrix is kept
//!   across IRLS steps and lambdas while the steps keep shrinking tenfold and recomputed when
//!   they stop, so most IRLS steps cost one pass over the data; and the last, sub-threshold
//!   step is taken without that pass, its effect on the gradients carried by the Gram matrix.
//!   Inside the solver the standardised predictors are held in single precision, and the passes
//!   over the rows (`crate::kernels`, four predictor columns at a time) multiply and add in
//!   single precision: the linear predictor's `X beta` (then added to the intercept in double
//!   precision), the gradients `X' r` from the residuals rounded to single precision, and the
//!   Gram matrix's `X' (v x_k)`. Their sums are carried into double precision every 16
//!   products, and everything else (IRLS weights and residuals, the coordinate updates, the
//!   deviance) stays in double precision. On the 2025 data this moved the backtest's 5,032
//!   forecasts by at most 4.2e-7 of their value from double-precision passes over the same
//!   single-precision columns; no rank changed and no figure of the backtest. The logistic
//!   function of the solver's reweighting is taken in single precision too, eight rows to an
//!   instruction ([`crate::mathfn::exp_f32`], within two units in the last place of the C
//!   library's `expf`), from the linear predictor rounded to single precision; the probability
//!   is widened again before the IRLS weights, residuals and deviance are computed. That moved
//!   the 5,032 forecasts by at most 2.7e-7 of their value from the double-precision logistic,
//!   and again no rank or figure changed. Held-out scoring keeps [`crate::mathfn::exp`] in
//!   double precision. The deviance's sum of logarithms is the logarithm of the product of the
//!   probabilities ([`crate::mathfn::sum_ln`]).
//!   Fitted probabilities are clamped to 0/1 beyond |eta| = log(1/pmin - 1), pmin = 1e-9.
//! - **Cross-validation** (`cv.glmnet`): folds `sample(rep(1:10, length = n))` drawn with R's own
//!   generator (`crate::rng`), so the same seed gives R's very folds; each fold fits its own
//!   lambda path (as glmnet 4.x does) and its coefficients are interpolated at the full data's
//!   lambdas (`lambda.interp`); the held-out binomial deviance uses probabilities clamped to
//!   [1e-5, 1 - 1e-5]; the per-fold means are averaged with fold sizes as weights; lambda.min is
//!   the largest lambda whose mean deviance equals the minimum. The folds are fitted before the
//!   full data's path, which is then fitted only as far as lambda.min (see [`cv_fit`] for why
//!   that gives the same model).

use multiversion::multiversion;
use rayon::prelude::*;

use crate::data::Matrix;
use crate::kernels::{self, Columns};
use crate::mathfn;

/// glmnet.control() defaults.
const BIG: f64 = 9.9e35;
const PMIN: f64 = 1e-9;
const FDEV: f64 = 1e-5;
const DEVMAX: f64 = 0.999;
const MIN_LAMBDAS: usize = 5;
const EPS: f64 = 1e-6;
/// The Gram matrix is reused while every IRLS step's squared change is below this fraction of
/// the previous one's, and recomputed at the current weights otherwise.
const REFRESH_RATIO: f64 = 0.1;
/// Rows to a block of [`Solver::reweight`]'s pass: small enough for the block's values, and
/// the block's slice of every predictor column, to stay in the processor's cache between the
/// linear predictor and the gradients; large enough that each pass over a block's columns is
/// long against its fixed cost (with 256 rows the whole backtest took about a tenth longer).
const BLOCK: usize = 1024;
/// cv.glmnet's clamp for held-out probabilities.
const CV_PROB_MIN: f64 = 1e-5;

/// The knobs glmnet exposes that this crate uses; [`Default`] is glmnet's default except alpha.
#[derive(Debug, Clone, PartialEq)]
pub struct ElasticNetOptions {
    /// Mixing: 1 is the lasso, 0 ridge. EWP uses 0.5.
    pub alpha: f64,
    /// Number of lambda values (glmnet `nlambda`).
    pub lambda_count: usize,
    /// Smallest lambda as a fraction of lambda_max; None is glmnet's default (1e-4 if n >= p,
    /// else 0.01).
    pub lambda_min_ratio: Option<f64>,
    /// Convergence threshold (glmnet `thresh`).
    pub threshold: f64,
    /// Maximum number of coordinate-descent sweeps over the whole path (glmnet `maxit`).
    pub max_passes: usize,
    /// Cross-validation folds (cv.glmnet `nfolds`).
    pub folds: usize,
}

impl Default for ElasticNetOptions {
    fn default() -> Self {
        ElasticNetOptions {
            alpha: 0.5,
            lambda_count: 100,
            lambda_min_ratio: None,
            threshold: 1e-7,
            max_passes: 100_000,
            folds: 10,
        }
    }
}

/// Predictors centred and scaled as glmnet does before fitting.
#[derive(Debug, Clone)]
pub(crate) struct Standardized {
    /// The standardised predictors, computed in double precision and held in single precision
    /// for the solver's passes (see [`crate::kernels`]).
    pub x: Columns,
    pub rows: usize,
    pub cols: usize,
    pub means: Vec<f64>,
    pub scales: Vec<f64>,
    /// False for constant predictors, which glmnet leaves out (`ju`).
    pub usable: Vec<bool>,
}

impl Standardized {
    pub fn new(raw: &Matrix) -> Standardized {
        Standardized::of_rows(raw, None)
    }

    /// Standardises the rows `rows` of `raw` (all of them with `None`), column by column,
    /// without copying the rows out first. Compiled also for AVX2 and AVX-512 like
    /// [`fit_path`], with the same results on every processor.
    #[multiversion(targets("x86_64+avx512f+avx512vl+avx2+fma", "x86_64+avx2+fma"))]
    pub fn of_rows(raw: &Matrix, rows: Option<&[usize]>) -> Standardized {
        let n = rows.map_or(raw.rows, <[usize]>::len);
        let weight = 1.0 / n as f64;
        let mut means = vec![0.0; raw.cols];
        let mut scales = vec![1.0; raw.cols];
        let mut usable = vec![false; raw.cols];
        let mut column: Vec<f64> = Vec::with_capacity(n);
        let mut data = vec![0.0f32; n * raw.cols];
        for j in 0..raw.cols {
            let source = raw.column(j);
            column.clear();
            match rows {
                Some(rows) => column.extend(rows.iter().map(|&i| source[i])),
                None => column.extend_from_slice(source),
            }
            usable[j] = column.iter().any(|&v| v != column[0]);
            let mean = weight * mathfn::sum(&column);
            for v in column.iter_mut() {
                *v -= mean;
            }
            let scale = (weight * dot(&column, &column)).sqrt();
            means[j] = mean;
            // Into a slice of the right length, not pushed one by one, so that the loop
            // vectorises (a division is slow enough to matter).
            let out = &mut data[j * n..(j + 1) * n];
            if usable[j] && scale > 0.0 {
                scales[j] = scale;
                for (out, &v) in out.iter_mut().zip(&column) {
                    *out = (v / scale) as f32;
                }
            } else {
                for (out, &v) in out.iter_mut().zip(&column) {
                    *out = v as f32;
                }
            }
        }
        Standardized {
            x: Columns::new(data, n),
            rows: n,
            cols: raw.cols,
            means,
            scales,
            usable,
        }
    }
}

/// How the lambda values are chosen: glmnet's own path (`flmin < 1`), the only way EWP's
/// `cv.glmnet` call uses (it passes no lambdas, and glmnet 4.x folds make their own paths).
#[derive(Debug, Clone)]
pub(crate) enum Lambdas {
    Path { count: usize, min_ratio: f64 },
}

/// A fitted path on the standardised scale.
#[derive(Debug, Clone)]
pub(crate) struct Path {
    pub lambdas: Vec<f64>,
    pub intercepts: Vec<f64>,
    /// One coefficient vector per lambda, standardised scale.
    pub betas: Vec<Vec<f64>>,
    pub deviance_ratios: Vec<f64>,
    /// Coordinate-descent sweeps used (glmnet `npasses`).
    pub passes: usize,
}

/// Why a path could not be fitted at all.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum PathError {
    /// All outcomes equal (glmnet errors out the same way).
    OneClass,
}

/// Dot product with eight independent accumulators, so the compiler can vectorise it.
#[inline(always)]
pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0.0f64; 8];
    let mut a8 = a.chunks_exact(8);
    let mut b8 = b.chunks_exact(8);
    for (x, y) in (&mut a8).zip(&mut b8) {
        for k in 0..8 {
            acc[k] += x[k] * y[k];
        }
    }
    let tail: f64 = a8
        .remainder()
        .iter()
        .zip(b8.remainder())
        .map(|(x, y)| x * y)
        .sum();
    ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7])) + tail
}

/// The sum over the rows of `y ln(q) + (1 - y) ln(1 - q)`, probabilities clamped to
/// [clamp, 1 - clamp]; `terms` is scratch, one value a row. With 0/1 outcomes (`binary`) each
/// row's term is the logarithm of `q` or `1 - q`, and the logarithms are summed as the
/// logarithm of their product ([`mathfn::sum_ln`]); the loops have no branches, so that they
/// vectorise.
#[inline(always)]
fn log_likelihood(terms: &mut [f64], y: &[f64], q: &[f64], clamp: f64, binary: bool) -> f64 {
    let rows = terms.iter_mut().zip(y).zip(q);
    if binary {
        for ((term, &yi), &qi) in rows {
            let qi = qi.clamp(clamp, 1.0 - clamp);
            // Exactly q when y is 1 and 1 - q when y is 0.
            *term = qi * yi + (1.0 - qi) * (1.0 - yi);
        }
        mathfn::sum_ln(terms)
    } else {
        for ((term, &yi), &qi) in rows {
            let qi = qi.clamp(clamp, 1.0 - clamp);
            *term = yi * mathfn::ln(qi) + (1.0 - yi) * mathfn::ln(1.0 - qi);
        }
        mathfn::sum(terms)
    }
}

/// Whether every outcome is 0 or 1.
fn is_binary(y: &[f64]) -> bool {
    y.iter().all(|&v| v == 0.0 || v == 1.0)
}

/// The state of glmnet's point solver, kept across the path for warm starts.
struct Solver<'a> {
    /// The standardised predictors in single precision (see [`crate::kernels`]).
    x: &'a Columns,
    y: &'a [f64],
    usable: &'a [bool],
    alpha: f64,
    weight: f64,
    n: usize,
    p: usize,
    intercept: f64,
    beta: Vec<f64>,
    saved_intercept: f64,
    saved_beta: Vec<f64>,
    q: Vec<f64>,
    v: Vec<f64>,
    r: Vec<f64>,
    /// Scratch: one block's linear predictor, rounded to single precision for the logistic
    /// function.
    eta: Vec<f32>,
    /// Scratch: one block's fitted probabilities, in single precision.
    p32: Vec<f32>,
    xv: Vec<f64>,
    abs_grad: Vec<f64>,
    strong: Vec<bool>,
    /// The strong set as a list, in predictor order.
    strong_list: Vec<usize>,
    /// Weighted Gram matrix of the strong set, `p * p`, row k holding `sum(v * x_k * x_j)`
    /// for the strong j (glmnet's covariance updating). The weights v are those of the IRLS
    /// step it was computed at, which may lag the current ones (see [`REFRESH_RATIO`]).
    gram: Vec<f64>,
    /// `sum(v * x_k)` at the Gram matrix's weights: how the intercept's move shifts predictor
    /// k's gradient.
    weighted_sums: Vec<f64>,
    /// `sum(r * x_k)` for the strong k, kept current as coefficients move.
    gradient: Vec<f64>,
    /// `sum(r)`, kept current likewise.
    residual_sum: f64,
    /// Scratch: one value a row, for the deviance's terms.
    scratch: Vec<f64>,
    /// Scratch: `v * x_k` for one column, rounded to single precision, for the Gram matrix's
    /// dot products.
    scratch32: Vec<f32>,
    /// The same for a second column, when two rows of the Gram matrix are computed together.
    second32: Vec<f32>,
    /// Scratch: the strong predictors whose rows of the Gram matrix are to be computed.
    fresh: Vec<usize>,
    /// The residuals `r` rounded to single precision, for the gradients' dot products.
    r32: Vec<f32>,
    /// Scratch: one block's `X beta` over the active set, in single precision.
    delta: Vec<f32>,
    /// Sum of the IRLS weights the Gram matrix was computed with.
    gram_weight_sum: f64,
    /// The predictors whose rows of the Gram matrix are filled in.
    in_gram: Vec<bool>,
    /// Scratch: the predictors a new row of the Gram matrix is computed for.
    targets: Vec<usize>,
    /// Whether the next WLS problem must recompute the Gram matrix.
    gram_stale: bool,
    active: Vec<usize>,
    is_active: Vec<bool>,
    /// Sum of the IRLS weights (glmnet `xmz`).
    weight_sum: f64,
    threshold: f64,
    passes: usize,
    max_passes: usize,
    dlx: f64,
}

enum PointOutcome {
    Done,
    /// The IRLS weights vanished (every probability at 0 or 1): stop the path after this point.
    Saturated,
    /// glmnet's `maxit` was reached: the path ends before this point.
    MaxPasses,
}

impl<'a> Solver<'a> {
    /// Coordinate update of predictor k (glmnet's `update_beta`). Instead of updating the
    /// n residuals, the gradients of the strong predictors are updated through the weighted
    /// Gram matrix: O(strong set) work rather than O(n).
    #[inline(always)]
    fn update(&mut self, k: usize, l1: f64, l2: f64, may_activate: bool) {
        let old = self.beta[k];
        let u = self.gradient[k] + old * self.xv[k];
        let shrunk = u.abs() - l1;
        let new = if shrunk > 0.0 {
            (shrunk.copysign(u) / (self.xv[k] + l2)).clamp(-BIG, BIG)
        } else {
            0.0
        };
        if new == old {
            return;
        }
        self.beta[k] = new;
        if may_activate && !self.is_active[k] {
            self.is_active[k] = true;
            self.active.push(k);
        }
        let diff = new - old;
        self.dlx = self.dlx.max(self.xv[k] * diff * diff);
        // Every predictor's gradient, not only the strong ones': the Gram matrix's entries for
        // predictors outside the strong set are zero (never filled in: the strong set only
        // grows along a path), so their gradients stay as they are, and a dense loop vectorises.
        let row = &self.gram[k * self.p..(k + 1) * self.p];
        for (g, x) in self.gradient.iter_mut().zip(row) {
            *g -= diff * x;
        }
        self.residual_sum -= diff * self.weighted_sums[k];
    }

    #[inline(always)]
    fn update_intercept(&mut self) {
        let d = self.residual_sum / self.gram_weight_sum;
        if d != 0.0 {
            self.intercept += d;
            self.dlx = self.dlx.max(self.gram_weight_sum * d * d);
            for (g, w) in self.gradient.iter_mut().zip(&self.weighted_sums) {
                *g -= d * w;
            }
            self.residual_sum -= d * self.gram_weight_sum;
        }
    }

    /// The weighted Gram matrix, weighted column sums and gradients of the strong set at the
    /// current IRLS weights and residuals, before a WLS problem is solved.
    #[inline(always)]
    fn prepare_wls(&mut self) {
        self.strong_list.clear();
        self.strong_list
            .extend((0..self.p).filter(|&k| self.strong[k]));
        if self.gram_stale {
            self.gram_stale = false;
            self.in_gram.iter_mut().for_each(|g| *g = false);
            self.gram_weight_sum = self.weight_sum;
        }
        // Rows for the predictors not yet in the Gram matrix: all of them after a refresh,
        // the newly screened-in ones otherwise. Two at a time where there are two, which reads
        // the other predictors' columns half as often; each entry is the same dot product
        // either way, `v x_k` of the later row with the earlier row's column.
        self.fresh.clear();
        self.fresh.extend(
            self.strong_list
                .iter()
                .copied()
                .filter(|&k| !self.in_gram[k]),
        );
        let mut next = 0;
        while next < self.fresh.len() {
            if next + 1 < self.fresh.len() {
                self.gram_rows_pair(self.fresh[next], self.fresh[next + 1]);
                next += 2;
            } else {
                self.gram_row(self.fresh[next]);
                next += 1;
            }
        }
    }

    /// Fills in predictor k's row and column of the Gram matrix, against itself and the
    /// strong predictors already in it.
    #[inline(always)]
    fn gram_row(&mut self, k: usize) {
        let p = self.p;
        self.in_gram[k] = true;
        self.weighted_sums[k] =
            mathfn::products_and_sum(&self.v, self.x.column(k), &mut self.scratch32);
        self.targets_in_gram();
        let (x, targets, gram) = (self.x, &self.targets, &mut self.gram);
        kernels::dots(
            &self.scratch32,
            targets.len(),
            |t| x.column(targets[t]),
            |t, value| {
                let j = targets[t];
                gram[k * p + j] = value;
                gram[j * p + k] = value;
            },
        );
        self.xv[k] = self.gram[k * p + k];
    }

    /// Sets `targets` to the strong predictors with a row in the Gram matrix, in order.
    #[inline(always)]
    fn targets_in_gram(&mut self) {
        self.targets.clear();
        self.targets.extend(
            self.strong_list
                .iter()
                .copied()
                .filter(|&j| self.in_gram[j]),
        );
    }

    /// [`Solver::gram_row`] of `first` and then of `second`, in one pass over the columns
    /// both are taken against.
    #[inline(always)]
    fn gram_rows_pair(&mut self, first: usize, second: usize) {
        let p = self.p;
        self.weighted_sums[first] =
            mathfn::products_and_sum(&self.v, self.x.column(first), &mut self.scratch32);
        self.weighted_sums[second] =
            mathfn::products_and_sum(&self.v, self.x.column(second), &mut self.second32);
        self.targets_in_gram();
        // The pair's own columns last, in the same passes: the first's against both weighted
        // columns (its own entry, and the one between the two: the later row's weighted values
        // with the earlier one's column), the second's against its own.
        let targets = self.targets.len();
        self.targets.extend([first, second]);
        let (x, columns, gram, xv) = (self.x, &self.targets, &mut self.gram, &mut self.xv);
        kernels::dots2(
            [&self.scratch32, &self.second32],
            columns.len(),
            |t| x.column(columns[t]),
            |t, [with_first, with_second]| {
                let j = columns[t];
                if t < targets {
                    gram[first * p + j] = with_first;
                    gram[j * p + first] = with_first;
                    gram[second * p + j] = with_second;
                    gram[j * p + second] = with_second;
                } else if j == first {
                    gram[first * p + first] = with_first;
                    gram[first * p + second] = with_second;
                    gram[second * p + first] = with_second;
                    xv[first] = with_first;
                } else {
                    gram[second * p + second] = with_second;
                    xv[second] = with_second;
                }
            },
        );
        self.in_gram[first] = true;
        self.in_gram[second] = true;
    }

    /// New IRLS weights and residuals at the current coefficients, with the gradient of every
    /// strong predictor, in one pass over the rows by blocks small enough to stay in cache.
    #[inline(always)]
    fn reweight(&mut self, fmax: f64) {
        let (intercept, weight) = (self.intercept, self.weight);
        for &k in &self.strong_list {
            self.gradient[k] = 0.0;
        }
        self.weight_sum = 0.0;
        self.residual_sum = 0.0;
        let mut start = 0;
        while start < self.n {
            let end = (start + BLOCK).min(self.n);
            let eta = &mut self.eta[..end - start];
            let delta = &mut self.delta[..end - start];
            delta.iter_mut().for_each(|d| *d = 0.0);
            let (x, beta, active) = (self.x, &self.beta, &self.active);
            kernels::axpy(
                delta,
                active.len(),
                |a| beta[active[a]] as f32,
                |a| &x.column(active[a])[start..end],
            );
            for (e, d) in eta.iter_mut().zip(delta.iter()) {
                *e = (intercept + f64::from(*d)) as f32;
            }
            let fmax32 = fmax as f32;
            let probability = &mut self.p32[..end - start];
            for (p, &f) in probability.iter_mut().zip(eta.iter()) {
                let logistic = 1.0 / (1.0 + mathfn::exp_f32(-f));
                // Two selects rather than nested branches, so that the loop vectorises.
                let logistic = if f < -fmax32 { 0.0 } else { logistic };
                *p = if f > fmax32 { 1.0 } else { logistic };
            }
            let (q, v, r) = (
                &mut self.q[start..end],
                &mut self.v[start..end],
                &mut self.r[start..end],
            );
            let y = &self.y[start..end];
            let rows = q.iter_mut().zip(v.iter_mut()).zip(r.iter_mut());
            for (((qi, vi), ri), (&p, &yi)) in rows.zip(probability.iter().zip(y)) {
                let p = f64::from(p);
                *qi = p;
                *vi = weight * p * (1.0 - p);
                *ri = weight * (yi - p);
            }
            self.weight_sum += mathfn::sum(v);
            self.residual_sum += mathfn::sum(r);
            let r32 = &mut self.r32[start..end];
            for (r32, r) in r32.iter_mut().zip(r.iter()) {
                *r32 = *r as f32;
            }
            let (x, strong, gradient) = (self.x, &self.strong_list, &mut self.gradient);
            kernels::dots(
                r32,
                strong.len(),
                |s| &x.column(strong[s])[start..end],
                |s, sum| gradient[strong[s]] += sum,
            );
            start = end;
        }
    }

    /// One weighted-least-squares problem solved by coordinate descent (glmnet's `wls`).
    #[inline(always)]
    fn wls(&mut self, l1: f64, l2: f64) -> Result<(), ()> {
        loop {
            self.passes += 1;
            self.dlx = 0.0;
            for k in 0..self.p {
                if self.strong[k] {
                    self.update(k, l1, l2, true);
                }
            }
            self.update_intercept();
            if self.dlx < self.threshold {
                return Ok(());
            }
            if self.passes > self.max_passes {
                return Err(());
            }
            loop {
                self.passes += 1;
                self.dlx = 0.0;
                for a in 0..self.active.len() {
                    let k = self.active[a];
                    self.update(k, l1, l2, false);
                }
                self.update_intercept();
                if self.dlx < self.threshold {
                    break;
                }
                if self.passes > self.max_passes {
                    return Err(());
                }
            }
        }
    }

    /// Fits one lambda, warm-started from the previous one (glmnet's `irls`).
    #[inline(always)]
    fn fit_point(&mut self, lambda: f64, previous_lambda: f64) -> PointOutcome {
        let l1 = lambda * self.alpha;
        let l2 = lambda * (1.0 - self.alpha);
        // Sequential strong rule.
        let screen = self.alpha * (2.0 * lambda - previous_lambda);
        for k in 0..self.p {
            if !self.strong[k] && self.usable[k] && self.abs_grad[k] > screen {
                self.strong[k] = true;
            }
        }
        let fmax = (1.0 / PMIN - 1.0).ln();
        let vmin = (1.0 + PMIN) * PMIN * (1.0 - PMIN);
        let mut previous_step = f64::INFINITY;
        loop {
            if self.passes > self.max_passes {
                return PointOutcome::MaxPasses;
            }
            // Set up the WLS problem at the current IRLS weights.
            self.saved_intercept = self.intercept;
            for &k in &self.active {
                self.saved_beta[k] = self.beta[k];
            }
            self.prepare_wls();
            if self.wls(l1, l2).is_err() {
                return PointOutcome::MaxPasses;
            }
            let d0 = self.intercept - self.saved_intercept;
            let step = self
                .active
                .iter()
                .map(|&k| {
                    let d = self.beta[k] - self.saved_beta[k];
                    self.xv[k] * d * d
                })
                .fold(self.weight_sum * d0 * d0, f64::max);
            if step > self.threshold {
                // The Gram matrix is reused while the steps shrink fast; once they stop
                // shrinking tenfold it is recomputed at the current weights.
                if step > REFRESH_RATIO * previous_step {
                    self.gram_stale = true;
                }
                previous_step = step;
                self.reweight(fmax);
                if self.weight_sum <= vmin {
                    return PointOutcome::Saturated;
                }
                continue;
            }
            // Converged: the step is below the threshold. It is kept, as glmnet keeps it; the
            // gradients were carried along it through the Gram matrix.
            // KKT check on the predictors the strong rule screened out. Their gradients are
            // computed only here, from the residuals of the last reweighting, four columns to
            // a pass over the residuals (each sum is the one a single dot product gives).
            self.targets.clear();
            self.targets
                .extend((0..self.p).filter(|&k| !self.strong[k] && self.usable[k]));
            let (x, targets, gradient) = (self.x, &self.targets, &mut self.gradient);
            kernels::dots(
                &self.r32,
                targets.len(),
                |t| x.column(targets[t]),
                |t, sum| gradient[targets[t]] = sum,
            );
            let mut violated = false;
            for &k in &self.targets {
                self.abs_grad[k] = self.gradient[k].abs();
                if self.abs_grad[k] > l1 {
                    self.strong[k] = true;
                    violated = true;
                }
            }
            if !violated {
                return PointOutcome::Done;
            }
        }
    }
}

/// Fits a lambda path on standardised predictors with 0/1 outcomes (glmnet's `lognet`).
///
/// Compiled also for AVX2 and AVX-512, chosen at run time by the processor. The results are the
/// same on every path: the code's additions and multiplications are taken in the order written,
/// whatever the vector width, and Rust never fuses a multiplication with an addition unasked;
/// where the code asks for one (`mul_add`, in [`crate::kernels`] and [`mathfn::exp`]) it rounds
/// once on every processor. The work must be in this function's own loops: a closure's body
/// (an iterator's `map` or `for_each`) is compiled apart, for plain x86-64.
#[multiversion(targets("x86_64+avx512f+avx512vl+avx2+fma", "x86_64+avx2+fma"))]
pub(crate) fn fit_path(
    data: &Standardized,
    y: &[f64],
    alpha: f64,
    lambdas: &Lambdas,
    last: usize,
    threshold: f64,
    max_passes: usize,
) -> Result<Path, PathError> {
    let (n, p) = (data.rows, data.cols);
    let x = &data.x;
    let weight = 1.0 / n as f64;
    let start = NullFit::of(data, y)?;
    let steps = lambda_steps(&start, data, alpha, lambdas);
    let q0 = start.q0;
    let binary = is_binary(y);
    let bz = (q0 / (1.0 - q0)).ln();
    let null_deviance = -(bz * q0 + (1.0 - q0).ln());
    // glmnet's dev0 adds the saturated model's log-likelihood, zero for 0/1 outcomes.
    let mut dev0 = null_deviance;
    for &yi in y {
        if yi > 0.0 {
            dev0 += weight * yi * yi.ln();
        }
        if yi < 1.0 {
            dev0 += weight * (1.0 - yi) * (1.0 - yi).ln();
        }
    }
    let mut solver = Solver {
        x,
        y,
        usable: &data.usable,
        alpha,
        weight,
        n,
        p,
        intercept: bz,
        beta: vec![0.0; p],
        saved_intercept: 0.0,
        saved_beta: vec![0.0; p],
        q: vec![q0; n],
        v: vec![q0 * (1.0 - q0) * weight; n],
        r: start.r,
        eta: vec![0.0; BLOCK],
        p32: vec![0.0; BLOCK],
        xv: vec![0.0; p],
        abs_grad: vec![0.0; p],
        strong: vec![false; p],
        strong_list: Vec::with_capacity(p),
        gram: vec![0.0; p * p],
        weighted_sums: vec![0.0; p],
        gradient: vec![0.0; p],
        residual_sum: 0.0,
        scratch: vec![0.0; n],
        scratch32: vec![0.0; n],
        second32: vec![0.0; n],
        fresh: Vec::with_capacity(p),
        r32: start.r32,
        delta: vec![0.0; BLOCK],
        gram_weight_sum: 0.0,
        in_gram: vec![false; p],
        targets: Vec::with_capacity(p),
        gram_stale: true,
        active: Vec::new(),
        is_active: vec![false; p],
        weight_sum: q0 * (1.0 - q0),
        threshold: threshold * dev0,
        passes: 0,
        max_passes,
        dlx: 0.0,
    };
    solver.residual_sum = solver.r.iter().sum();
    for k in 0..p {
        solver.gradient[k] = start.gradient[k];
        solver.abs_grad[k] = start.gradient[k].abs();
    }
    let Lambdas::Path { count, .. } = *lambdas;
    let mut path = Path {
        lambdas: Vec::with_capacity(count),
        intercepts: Vec::with_capacity(count),
        betas: Vec::with_capacity(count),
        deviance_ratios: Vec::with_capacity(count),
        passes: 0,
    };
    for m in 0..count.min(last.saturating_add(1)) {
        // The first point at an "infinite" lambda, every next one screened from the one before
        // (the second from lambda_max).
        let (lambda, previous) = match m {
            0 => (BIG, 0.0),
            _ => (steps[m], steps[m - 1]),
        };
        let outcome = solver.fit_point(lambda, previous);
        if matches!(outcome, PointOutcome::MaxPasses) {
            break;
        }
        // glmnet's dev2: the path's deviance, probabilities clamped to [pmin, 1 - pmin].
        let deviance = -weight * log_likelihood(&mut solver.scratch, y, &solver.q, PMIN, binary);
        let ratio = (null_deviance - deviance) / dev0;
        let previous_ratio = path.deviance_ratios.last().copied().unwrap_or(0.0);
        path.lambdas.push(lambda);
        path.intercepts.push(solver.intercept);
        path.betas.push(solver.beta.clone());
        path.deviance_ratios.push(ratio);
        if matches!(outcome, PointOutcome::Saturated) {
            break;
        }
        if m + 1 >= MIN_LAMBDAS && (ratio - previous_ratio < FDEV || ratio > DEVMAX) {
            break;
        }
    }
    path.passes = solver.passes;

    if path.lambdas.len() > 2 {
        path.lambdas[0] = first_lambda(path.lambdas[1], path.lambdas[2]);
    }
    Ok(path)
}

/// glmnet reports a path's first lambda extrapolated from the next two, not "infinity".
fn first_lambda(second: f64, third: f64) -> f64 {
    (2.0 * second.ln() - third.ln()).exp()
}

/// Where every path on the same data starts: the null model's mean outcome, its residuals
/// (also rounded to single precision, for the gradients' dot products) and the gradient of
/// every usable predictor at it.
struct NullFit {
    q0: f64,
    r: Vec<f64>,
    r32: Vec<f32>,
    gradient: Vec<f64>,
}

impl NullFit {
    #[inline(always)]
    fn of(data: &Standardized, y: &[f64]) -> Result<NullFit, PathError> {
        let weight = 1.0 / data.rows as f64;
        let q0 = weight * y.iter().sum::<f64>();
        if q0 <= PMIN || q0 >= 1.0 - PMIN {
            return Err(PathError::OneClass);
        }
        let r: Vec<f64> = y.iter().map(|yi| weight * (yi - q0)).collect();
        let r32: Vec<f32> = r.iter().map(|&r| r as f32).collect();
        let mut gradient = vec![0.0; data.cols];
        let usable: Vec<usize> = (0..data.cols).filter(|&k| data.usable[k]).collect();
        kernels::dots(
            &r32,
            usable.len(),
            |u| data.x.column(usable[u]),
            |u, sum| gradient[usable[u]] = sum,
        );
        Ok(NullFit {
            q0,
            r,
            r32,
            gradient,
        })
    }
}

/// glmnet's lambda_max (the first value) followed by the path's lambdas from its second point
/// on, each the one before times the path's constant factor.
fn lambda_steps(start: &NullFit, data: &Standardized, alpha: f64, lambdas: &Lambdas) -> Vec<f64> {
    let Lambdas::Path { count, min_ratio } = *lambdas;
    let factor = if count > 1 {
        min_ratio.max(EPS).powf(1.0 / (count as f64 - 1.0))
    } else {
        1.0
    };
    let mut max = 0.0f64;
    for k in 0..data.cols {
        if data.usable[k] {
            max = max.max(start.gradient[k].abs());
        }
    }
    let mut steps = Vec::with_capacity(count.max(1));
    steps.push(max / alpha.max(1e-3));
    for m in 1..count {
        steps.push(steps[m - 1] * factor);
    }
    steps
}

/// The lambdas [`fit_path`] reports for a path that runs to its end without stopping early:
/// the same numbers (the same [`NullFit`] and [`lambda_steps`]), computed without fitting.
fn path_lambdas(
    data: &Standardized,
    y: &[f64],
    alpha: f64,
    lambdas: &Lambdas,
) -> Result<Vec<f64>, PathError> {
    let start = NullFit::of(data, y)?;
    let mut values = lambda_steps(&start, data, alpha, lambdas);
    if values.len() > 2 {
        values[0] = first_lambda(values[1], values[2]);
    } else {
        values[0] = BIG;
    }
    Ok(values)
}

/// A fitted elastic-net logit at cross-validated lambda.min, on the original scale.
#[derive(Debug, Clone, PartialEq)]
pub struct ElasticNetModel {
    pub intercept: f64,
    /// One per predictor, original scale (as `coef(cv, s = "lambda.min")`).
    pub coefficients: Vec<f64>,
    /// Training means and standard deviations, for standardised contributions.
    pub means: Vec<f64>,
    pub scales: Vec<f64>,
    pub lambda: f64,
    /// Position of lambda.min on the path (0-based).
    pub lambda_index: usize,
    /// Mean held-out deviance at each lambda of the path.
    pub cv_deviance: Vec<f64>,
}

impl ElasticNetModel {
    /// The linear predictor (log-odds) of a row given as one value per predictor.
    pub fn link(&self, row: &[f64]) -> f64 {
        self.intercept
            + self
                .coefficients
                .iter()
                .zip(row)
                .map(|(b, x)| b * x)
                .sum::<f64>()
    }

    /// Each predictor's share of the log-odds relative to the average training row:
    /// coefficient on the standardised scale times the standardised value (equal to
    /// `coefficient * (x - mean)` on the original scale).
    pub fn contributions(&self, row: &[f64]) -> Vec<f64> {
        self.coefficients
            .iter()
            .zip(row)
            .zip(self.means.iter())
            .map(|((b, x), mean)| b * (x - mean))
            .collect()
    }
}

/// Intercept and coefficients on the original scale at every point of a path.
fn original_scale(path: &Path, data: &Standardized) -> Vec<(f64, Vec<f64>)> {
    path.betas
        .iter()
        .zip(&path.intercepts)
        .map(|(beta, b0)| {
            let coefficients: Vec<f64> =
                beta.iter().zip(&data.scales).map(|(b, s)| b / s).collect();
            let intercept = b0
                - coefficients
                    .iter()
                    .zip(&data.means)
                    .map(|(b, m)| b * m)
                    .sum::<f64>();
            (intercept, coefficients)
        })
        .collect()
}

/// glmnet's `lambda.interp`: where `s` falls on a decreasing lambda path, as the indices of the
/// two neighbouring path points and the weight of the left one. Values outside the path are
/// clamped to its ends. Follows R's arithmetic (normalised lambdas, `approx`), so the weights
/// are the ones `predict(fit, s = ...)` uses.
fn lambda_interpolation(lambdas: &[f64], s: f64) -> (usize, usize, f64) {
    let k = lambdas.len();
    if k == 1 {
        return (0, 0, 1.0);
    }
    let (first, last) = (lambdas[0], lambdas[k - 1]);
    let normalized: Vec<f64> = lambdas
        .iter()
        .map(|l| (first - l) / (first - last))
        .collect();
    let low = normalized.iter().copied().fold(f64::INFINITY, f64::min);
    let high = normalized.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let target = ((first - s) / (first - last)).clamp(low, high);
    // approx(normalized, 1..k, target): bisection, then linear interpolation of the position.
    let (mut i, mut j) = (0, k - 1);
    while i + 1 < j {
        let middle = (i + j) / 2;
        if target < normalized[middle] {
            j = middle;
        } else {
            i = middle;
        }
    }
    let coordinate = if target == normalized[j] {
        (j + 1) as f64
    } else if target == normalized[i] {
        (i + 1) as f64
    } else {
        (i + 1) as f64 + (target - normalized[i]) / (normalized[j] - normalized[i])
    };
    let left = coordinate.floor() as usize - 1;
    let right = coordinate.ceil() as usize - 1;
    if left == right || (normalized[left] - normalized[right]).abs() < f64::EPSILON {
        return (left, right, 1.0);
    }
    let frac = (target - normalized[right]) / (normalized[left] - normalized[right]);
    (left, right, frac)
}

/// One fold of `cv.glmnet`, fitted: the path of the rows outside the fold, on the original
/// scale, and the held-out rows to score it on.
struct FoldFit {
    lambdas: Vec<f64>,
    coefficients: Vec<(f64, Vec<f64>)>,
    held_x: Matrix,
    held_y: Vec<f64>,
    binary: bool,
}

/// Fits the rows outside `fold` on their own lambda path (glmnet 4.x lets every fold compute
/// its own, cv.glmnet no longer passing the full data's down). None when the fold holds no
/// rows or its training rows cannot be fitted (one class only). Compiled also for AVX2 and
/// AVX-512 like [`fit_path`], with the same results on every processor.
#[multiversion(targets("x86_64+avx512f+avx512vl+avx2+fma", "x86_64+avx2+fma"))]
fn fold_fit(
    raw: &Matrix,
    y: &[f64],
    folds: &[usize],
    fold: usize,
    options: &ElasticNetOptions,
) -> Option<FoldFit> {
    let train: Vec<usize> = (0..raw.rows).filter(|&i| folds[i] != fold).collect();
    let held: Vec<usize> = (0..raw.rows).filter(|&i| folds[i] == fold).collect();
    if held.is_empty() {
        return None;
    }
    let train_y: Vec<f64> = train.iter().map(|&i| y[i]).collect();
    let train_x = Standardized::of_rows(raw, Some(&train));
    let min_ratio = options
        .lambda_min_ratio
        .unwrap_or(if train.len() < raw.cols { 0.01 } else { 1e-4 });
    let path = fit_path(
        &train_x,
        &train_y,
        options.alpha,
        &Lambdas::Path {
            count: options.lambda_count,
            min_ratio,
        },
        usize::MAX,
        options.threshold,
        options.max_passes,
    )
    .ok()
    .filter(|path| !path.lambdas.is_empty())?;
    let held_y: Vec<f64> = held.iter().map(|&i| y[i]).collect();
    Some(FoldFit {
        coefficients: original_scale(&path, &train_x),
        lambdas: path.lambdas,
        held_x: raw.select_rows(&held),
        binary: is_binary(&held_y),
        held_y,
    })
}

/// The mean held-out deviance of a fitted fold at each of `lambdas` (the full data's), its
/// coefficients interpolated there as `lambda.interp` does. Compiled like [`fit_path`].
#[multiversion(targets("x86_64+avx512f+avx512vl+avx2+fma", "x86_64+avx2+fma"))]
fn fold_deviance(fit: &FoldFit, lambdas: &[f64]) -> Vec<f64> {
    let rows = fit.held_y.len();
    let mut eta = vec![0.0; rows];
    let mut terms = vec![0.0; rows];
    let mut nonzero: Vec<(usize, f64)> = Vec::with_capacity(fit.held_x.cols);
    let mut deviances = Vec::with_capacity(lambdas.len());
    // Plain loops, not closures: a closure's body is compiled apart from this function, without
    // the instruction sets it is compiled for.
    for &lambda in lambdas {
        let (left, right, frac) = lambda_interpolation(&fit.lambdas, lambda);
        let (a, b) = (&fit.coefficients[left], &fit.coefficients[right]);
        let intercept = frac * a.0 + (1.0 - frac) * b.0;
        for e in eta.iter_mut() {
            *e = intercept;
        }
        nonzero.clear();
        for j in 0..fit.held_x.cols {
            let coefficient = frac * a.1[j] + (1.0 - frac) * b.1[j];
            if coefficient != 0.0 {
                nonzero.push((j, coefficient));
            }
        }
        // Four columns to a pass over the rows; each row adds its products in column order,
        // as one column to a pass would.
        let mut fours = nonzero.chunks_exact(4);
        for four in &mut fours {
            let [(j0, c0), (j1, c1), (j2, c2), (j3, c3)] = [four[0], four[1], four[2], four[3]];
            let x = fit.held_x.column(j0).iter().zip(fit.held_x.column(j1));
            let x = x.zip(fit.held_x.column(j2)).zip(fit.held_x.column(j3));
            for (e, (((x0, x1), x2), x3)) in eta.iter_mut().zip(x) {
                *e = *e + c0 * x0 + c1 * x1 + c2 * x2 + c3 * x3;
            }
        }
        for &(j, coefficient) in fours.remainder() {
            for (e, x) in eta.iter_mut().zip(fit.held_x.column(j)) {
                *e += coefficient * x;
            }
        }
        for e in eta.iter_mut() {
            *e = 1.0 / (1.0 + mathfn::exp(-*e));
        }
        deviances.push(
            -2.0 * log_likelihood(&mut terms, &fit.held_y, &eta, CV_PROB_MIN, fit.binary)
                / rows as f64,
        );
    }
    deviances
}

/// The cross-validated mean deviance at each of `lambdas`: the folds' means, weighted by their
/// held-out row counts (folds that could not be fitted, or a non-finite mean, left out).
fn cross_validated_deviance(fits: &[Option<FoldFit>], lambdas: &[f64]) -> Vec<f64> {
    let per_fold: Vec<(f64, Vec<f64>)> = fits
        .par_iter()
        .flatten()
        .map(|fit| (fit.held_y.len() as f64, fold_deviance(fit, lambdas)))
        .collect();
    (0..lambdas.len())
        .map(|l| {
            let (mut sum, mut weight) = (0.0, 0.0);
            for (size, means) in &per_fold {
                if means[l].is_finite() {
                    sum += size * means[l];
                    weight += size;
                }
            }
            sum / weight
        })
        .collect()
}

/// lambda.min's position: the first (largest-lambda) point with the smallest finite deviance.
fn first_minimum(deviance: &[f64]) -> usize {
    let best = deviance
        .iter()
        .copied()
        .filter(|d| d.is_finite())
        .fold(f64::INFINITY, f64::min);
    deviance.iter().position(|&d| d <= best).unwrap_or(0)
}

/// `cv.glmnet(x, y, alpha, family = "binomial")` followed by `coef(.., s = "lambda.min")`.
/// `folds` gives each row's fold (0-based); see [`crate::rng::RRng::folds`].
///
/// The folds are fitted first, in parallel, and scored at the lambdas the full data's path
/// would have if it ran to its end (known before it is fitted: [`path_lambdas`]). The full
/// path is then fitted only as far as it must be: to the first minimum of those scores, or to
/// where it stops early if that comes first. Stopped early at m points, cv.glmnet takes the
/// first minimum of the first m scores; otherwise the first minimum of all of them is among
/// the points fitted, and it is the first minimum of any longer prefix too. So lambda.min, and
/// every number of the model, is what fitting the whole path would give, without fitting the
/// part of the path past lambda.min (typically 40 of its 65 or so points, the costlier ones).
pub(crate) fn cv_fit(
    raw: &Matrix,
    y: &[f64],
    folds: &[usize],
    options: &ElasticNetOptions,
) -> Result<ElasticNetModel, PathError> {
    let standardized = Standardized::new(raw);
    let min_ratio =
        options
            .lambda_min_ratio
            .unwrap_or(if raw.rows < raw.cols { 0.01 } else { 1e-4 });
    let lambdas = Lambdas::Path {
        count: options.lambda_count,
        min_ratio,
    };
    let candidates = path_lambdas(&standardized, y, options.alpha, &lambdas)?;

    let fold_count = folds.iter().copied().max().map_or(0, |m| m + 1);
    // Folds run in parallel; the result does not depend on their order.
    let fits: Vec<Option<FoldFit>> = (0..fold_count)
        .into_par_iter()
        .map(|fold| fold_fit(raw, y, folds, fold, options))
        .collect();
    let scores = cross_validated_deviance(&fits, &candidates);
    // Three points at least, so that the first lambda is extrapolated as on a whole path.
    let last = first_minimum(&scores).max(2);
    let full = fit_path(
        &standardized,
        y,
        options.alpha,
        &lambdas,
        last,
        options.threshold,
        options.max_passes,
    )?;
    let fitted = full.lambdas.len();
    let cv_deviance = if fitted > 2 {
        debug_assert_eq!(full.lambdas[..], candidates[..fitted]);
        scores[..fitted].to_vec()
    } else {
        // A path that ended within two points reports its first lambda as "infinity".
        cross_validated_deviance(&fits, &full.lambdas)
    };
    let lambda_index = first_minimum(&cv_deviance);
    let beta = &full.betas[lambda_index];
    let coefficients: Vec<f64> = beta
        .iter()
        .zip(&standardized.scales)
        .map(|(b, s)| b / s)
        .collect();
    let intercept = full.intercepts[lambda_index]
        - coefficients
            .iter()
            .zip(&standardized.means)
            .map(|(b, m)| b * m)
            .sum::<f64>();
    Ok(ElasticNetModel {
        intercept,
        coefficients,
        means: standardized.means,
        scales: standardized.scales,
        lambda: full.lambdas[lambda_index],
        lambda_index,
        cv_deviance,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::RRng;

    /// A small logistic problem with a known direction: y depends on x0, not on x1.
    fn toy(n: usize) -> (Matrix, Vec<f64>) {
        let mut rng = RRng::new(1);
        let mut data = vec![0.0; n * 3];
        let mut y = vec![0.0; n];
        for i in 0..n {
            let x0 = rng.unif() * 4.0 - 2.0;
            let x1 = rng.unif();
            data[i] = x0;
            data[n + i] = x1;
            data[2 * n + i] = 7.0; // constant: glmnet leaves it out
            let p = 1.0 / (1.0 + (-(2.0 * x0 - 1.0)).exp());
            y[i] = if rng.unif() < p { 1.0 } else { 0.0 };
        }
        (
            Matrix {
                rows: n,
                cols: 3,
                data,
            },
            y,
        )
    }

    #[test]
    fn path_starts_at_zero_and_grows() {
        let (x, y) = toy(400);
        let path = fit_path(
            &Standardized::new(&x),
            &y,
            0.5,
            &Lambdas::Path {
                count: 100,
                min_ratio: 1e-4,
            },
            usize::MAX,
            1e-7,
            100_000,
        )
        .unwrap();
        assert!(path.betas[0].iter().all(|b| *b == 0.0));
        assert!(path.lambdas.windows(2).all(|w| w[0] > w[1]));
        assert!(path
            .deviance_ratios
            .windows(2)
            .all(|w| w[1] >= w[0] - 1e-12));
        let last = path.betas.last().unwrap();
        assert!(last[0] > 1.0, "{last:?}");
        assert_eq!(last[2], 0.0);
        // lambda_max is the smallest lambda with all-zero coefficients: the second point
        // already has the strongest predictor in.
        assert!(path.betas[1][0] > 0.0);
    }

    #[test]
    fn cross_validation_picks_a_model_that_finds_the_signal() {
        let (x, y) = toy(400);
        let folds = RRng::new(90035).folds(400, 10);
        let model = cv_fit(&x, &y, &folds, &ElasticNetOptions::default()).unwrap();
        // On the standardised scale the signal dwarfs the noise predictor.
        let signal = model.coefficients[0] * model.scales[0];
        let noise = model.coefficients[1] * model.scales[1];
        assert!(signal > 1.0 && signal > 4.0 * noise.abs(), "{model:?}");
        assert_eq!(model.coefficients[2], 0.0);
        let best = model.cv_deviance[model.lambda_index];
        assert!(model.cv_deviance.iter().all(|d| *d >= best));
    }

    /// lambda.min as `cv.glmnet` finds it: the whole path fitted, every fold scored at all of
    /// its lambdas, the first minimum taken.
    fn lambda_min_from_the_whole_path(
        x: &Matrix,
        y: &[f64],
        folds: &[usize],
        options: &ElasticNetOptions,
    ) -> (Path, usize) {
        let lambdas = Lambdas::Path {
            count: options.lambda_count,
            min_ratio: 1e-4,
        };
        let whole = fit_path(
            &Standardized::new(x),
            y,
            options.alpha,
            &lambdas,
            usize::MAX,
            options.threshold,
            options.max_passes,
        )
        .unwrap();
        let fits: Vec<Option<FoldFit>> = (0..10)
            .map(|fold| fold_fit(x, y, folds, fold, options))
            .collect();
        let index = first_minimum(&cross_validated_deviance(&fits, &whole.lambdas));
        (whole, index)
    }

    #[test]
    fn fitting_the_path_only_to_lambda_min_changes_nothing() {
        let options = ElasticNetOptions::default();
        let mut shortened = 0;
        for (n, seed) in [(120, 1), (400, 90035), (400, 7), (1500, 3)] {
            let (x, y) = toy(n);
            let folds = RRng::new(seed).folds(n, 10);
            let model = cv_fit(&x, &y, &folds, &options).unwrap();
            let (whole, index) = lambda_min_from_the_whole_path(&x, &y, &folds, &options);
            assert_eq!(model.lambda_index, index, "n = {n}, seed {seed}");
            assert_eq!(model.lambda, whole.lambdas[index]);
            let data = Standardized::new(&x);
            let expected = &original_scale(&whole, &data)[index];
            assert_eq!(model.intercept, expected.0);
            assert_eq!(model.coefficients, expected.1);
            if model.cv_deviance.len() < whole.lambdas.len() {
                shortened += 1;
            }
        }
        // The comparison is only worth something where the path was cut short.
        assert!(shortened > 0);
    }

    #[test]
    fn interpolation_follows_lambda_interp() {
        let path = [1.0, 0.5, 0.25];
        assert_eq!(lambda_interpolation(&path, 0.5), (1, 1, 1.0));
        assert_eq!(lambda_interpolation(&path, 2.0), (0, 0, 1.0));
        assert_eq!(lambda_interpolation(&path, 0.1), (2, 2, 1.0));
        let (left, right, frac) = lambda_interpolation(&path, 0.75);
        assert_eq!((left, right), (0, 1));
        assert!((frac - 0.5).abs() < 1e-12);
    }

    #[test]
    fn one_class_is_refused() {
        let (x, _) = toy(50);
        let y = vec![0.0; 50];
        let error = fit_path(
            &Standardized::new(&x),
            &y,
            0.5,
            &Lambdas::Path {
                count: 10,
                min_ratio: 1e-4,
            },
            usize::MAX,
            1e-7,
            1000,
        )
        .unwrap_err();
        assert_eq!(error, PathError::OneClass);
    }
}
