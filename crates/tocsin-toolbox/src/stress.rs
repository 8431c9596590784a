//! How strongly a situation's active indicators stress each side of the crime triangle.
//!
//! Callers pass raw weights (counts of active indicators, summed scores, whatever their model
//! gives). Only the proportions matter here, so weights are scaled so the most stressed side
//! counts 1. Unusable weights (negative, NaN, infinite) count as zero rather than failing: the
//! weights come from upstream models, and one bad number should not hide every recommendation.

use serde::Serialize;
use tocsin_domain::Dimension;

/// Relative stress per dimension, each in `[0, 1]`, the largest exactly 1 unless none is
/// stressed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Stress {
    perpetrator: f64,
    victim: f64,
    situation: f64,
}

impl Stress {
    /// Builds the profile from `(dimension, weight)` pairs. A dimension given more than once
    /// keeps its largest weight.
    pub fn from_weights(weights: &[(Dimension, f64)]) -> Stress {
        let mut raw = [0.0_f64; 3];
        for &(dimension, weight) in weights {
            if weight.is_finite() && weight > 0.0 {
                let slot = &mut raw[slot(dimension)];
                *slot = slot.max(weight);
            }
        }
        let largest = raw.iter().copied().fold(0.0, f64::max);
        if largest > 0.0 {
            for weight in &mut raw {
                *weight /= largest;
            }
        }
        Stress {
            perpetrator: raw[0],
            victim: raw[1],
            situation: raw[2],
        }
    }

    /// The relative stress on one dimension, in `[0, 1]`.
    pub fn weight(&self, dimension: Dimension) -> f64 {
        match dimension {
            Dimension::Perpetrator => self.perpetrator,
            Dimension::Victim => self.victim,
            Dimension::Situation => self.situation,
        }
    }

    pub fn is_stressed(&self, dimension: Dimension) -> bool {
        self.weight(dimension) > 0.0
    }

    /// Whether any dimension is stressed at all.
    pub fn any(&self) -> bool {
        Dimension::ALL
            .into_iter()
            .any(|dimension| self.is_stressed(dimension))
    }

    /// The stressed dimensions, most stressed first (ties in the order of `Dimension::ALL`).
    pub fn stressed(&self) -> Vec<Dimension> {
        let mut stressed: Vec<Dimension> = Dimension::ALL
            .into_iter()
            .filter(|&dimension| self.is_stressed(dimension))
            .collect();
        stressed.sort_by(|a, b| self.weight(*b).total_cmp(&self.weight(*a)));
        stressed
    }
}

fn slot(dimension: Dimension) -> usize {
    match dimension {
        Dimension::Perpetrator => 0,
        Dimension::Victim => 1,
        Dimension::Situation => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_are_scaled_so_the_largest_is_one() {
        let stress = Stress::from_weights(&[
            (Dimension::Victim, 4.0),
            (Dimension::Situation, 1.0),
            (Dimension::Victim, 2.0),
        ]);
        assert_eq!(stress.weight(Dimension::Victim), 1.0);
        assert_eq!(stress.weight(Dimension::Situation), 0.25);
        assert_eq!(stress.weight(Dimension::Perpetrator), 0.0);
        assert_eq!(stress.stressed(), [Dimension::Victim, Dimension::Situation]);
    }

    #[test]
    fn unusable_weights_count_as_no_stress() {
        let stress = Stress::from_weights(&[
            (Dimension::Victim, f64::NAN),
            (Dimension::Perpetrator, -3.0),
            (Dimension::Situation, f64::INFINITY),
        ]);
        assert!(!stress.any());
        assert!(stress.stressed().is_empty());
    }
}
