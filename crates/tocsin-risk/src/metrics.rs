//! Scores for probability forecasts of rare events: ranks, AUC, Brier score, log loss, Spearman
//! correlation and a reliability table. Plain functions over slices, no model knowledge.

use serde::Serialize;

/// Ranks by descending score, ties sharing the best (lowest) rank: R's
/// `rank(-risk, ties.method = "min")`, as EWP ranks its forecasts.
pub fn descending_min_ranks(scores: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let mut ranks = vec![0; scores.len()];
    for (position, &i) in order.iter().enumerate() {
        ranks[i] = if position > 0 && scores[order[position - 1]] == scores[i] {
            ranks[order[position - 1]]
        } else {
            position + 1
        };
    }
    ranks
}

/// Ranks 1..n ascending with ties averaged (R's default `rank`), for Spearman and AUC.
pub fn average_ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.0; values.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && values[order[end]] == values[order[start]] {
            end += 1;
        }
        let average = (start + end + 1) as f64 / 2.0;
        for &i in &order[start..end] {
            ranks[i] = average;
        }
        start = end;
    }
    ranks
}

/// Area under the ROC curve (the Mann-Whitney statistic, ties counting one half), as pROC
/// computes it. None when either class is absent.
pub fn auc(scores: &[f64], outcomes: &[bool]) -> Option<f64> {
    let positives = outcomes.iter().filter(|o| **o).count();
    let negatives = outcomes.len() - positives;
    if positives == 0 || negatives == 0 {
        return None;
    }
    let ranks = average_ranks(scores);
    let rank_sum: f64 = ranks
        .iter()
        .zip(outcomes)
        .filter(|(_, o)| **o)
        .map(|(r, _)| r)
        .sum();
    let (p, n) = (positives as f64, negatives as f64);
    Some((rank_sum - p * (p + 1.0) / 2.0) / (p * n))
}

/// Mean squared difference between probability and outcome.
pub fn brier(probabilities: &[f64], outcomes: &[bool]) -> f64 {
    let total: f64 = probabilities
        .iter()
        .zip(outcomes)
        .map(|(p, o)| (p - f64::from(u8::from(*o))).powi(2))
        .sum();
    total / probabilities.len().max(1) as f64
}

/// Mean negative log-likelihood, probabilities clamped to [1e-15, 1 - 1e-15] so one
/// overconfident miss cannot make it infinite.
pub fn log_loss(probabilities: &[f64], outcomes: &[bool]) -> f64 {
    let total: f64 = probabilities
        .iter()
        .zip(outcomes)
        .map(|(p, o)| {
            let p = p.clamp(1e-15, 1.0 - 1e-15);
            if *o {
                -p.ln()
            } else {
                -(1.0 - p).ln()
            }
        })
        .sum();
    total / probabilities.len().max(1) as f64
}

/// Spearman rank correlation (Pearson correlation of average ranks).
pub fn spearman(a: &[f64], b: &[f64]) -> f64 {
    pearson(&average_ranks(a), &average_ranks(b))
}

fn pearson(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let (mean_a, mean_b) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let (mut cov, mut var_a, mut var_b) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        cov += (x - mean_a) * (y - mean_b);
        var_a += (x - mean_a).powi(2);
        var_b += (y - mean_b).powi(2);
    }
    cov / (var_a * var_b).sqrt()
}

/// One bin of a reliability (calibration) table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReliabilityBin {
    /// The bin covers predicted probabilities in [lower, upper).
    pub lower: f64,
    pub upper: f64,
    /// Forecasts that fell in the bin.
    pub forecasts: usize,
    /// Their mean predicted probability.
    pub mean_predicted: f64,
    /// The share of them followed by the event.
    pub observed_rate: f64,
    /// How many were followed by the event.
    pub events: usize,
}

/// Bin edges for rare-event probabilities: most forecasts are below 5%, so the low end is fine.
pub const RELIABILITY_EDGES: [f64; 9] = [0.0, 0.005, 0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 1.0];

/// Groups forecasts by predicted probability and compares with what happened. Empty bins are
/// left out.
pub fn reliability(probabilities: &[f64], outcomes: &[bool]) -> Vec<ReliabilityBin> {
    let mut bins = Vec::new();
    for edge in RELIABILITY_EDGES.windows(2) {
        let (lower, upper) = (edge[0], edge[1]);
        let last = upper >= 1.0;
        let members: Vec<usize> = (0..probabilities.len())
            .filter(|&i| {
                let p = probabilities[i];
                p >= lower && (p < upper || (last && p <= upper))
            })
            .collect();
        if members.is_empty() {
            continue;
        }
        let count = members.len();
        let events = members.iter().filter(|&&i| outcomes[i]).count();
        bins.push(ReliabilityBin {
            lower,
            upper,
            forecasts: count,
            mean_predicted: members.iter().map(|&i| probabilities[i]).sum::<f64>() / count as f64,
            observed_rate: events as f64 / count as f64,
            events,
        });
    }
    bins
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn min_ranks_match_r() {
        // rank(-c(0.3, 0.1, 0.3, 0.2), ties.method = "min") is 1 4 1 3
        assert_eq!(
            descending_min_ranks(&[0.3, 0.1, 0.3, 0.2]),
            vec![1, 4, 1, 3]
        );
    }

    #[test]
    fn auc_counts_ties_as_half() {
        let scores = [0.9, 0.5, 0.5, 0.1];
        let outcomes = [true, true, false, false];
        // Pairs: (0.9 > 0.5), (0.9 > 0.1), (0.5 = 0.5: half), (0.5 > 0.1) → 3.5 / 4
        assert_eq!(auc(&scores, &outcomes), Some(0.875));
        assert_eq!(auc(&scores, &[false; 4]), None);
    }

    #[test]
    fn spearman_of_a_monotone_map_is_one() {
        let a = [1.0, 5.0, 3.0, 2.0];
        let b = [10.0, 500.0, 30.0, 11.0];
        assert!((spearman(&a, &b) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn reliability_bins_cover_every_forecast() {
        let p = [0.001, 0.003, 0.05, 0.5, 1.0];
        let o = [false, false, true, true, true];
        let bins = reliability(&p, &o);
        assert_eq!(bins.iter().map(|b| b.forecasts).sum::<usize>(), 5);
        assert_eq!(bins[0].forecasts, 2);
        assert_eq!(bins.last().unwrap().events, 2);
        assert!(
            (brier(&p, &o) - (0.001f64.powi(2) + 0.003f64.powi(2) + 0.95f64.powi(2) + 0.25) / 5.0)
                .abs()
                < 1e-12
        );
        assert!(log_loss(&p, &o).is_finite());
    }
}
