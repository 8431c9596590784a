//! A provisional stage and stress profile for a situation, read off the indicators coded on its
//! verified reports.
//!
//! Recommendations need a stage and the dimensions the situation's active indicators stress.
//! The stage engine's stored stage comes first when there is one; for a situation not yet
//! assessed, and for the stressed dimensions, this module derives both from the indicator
//! catalogue, transparently and conservatively:
//!
//! * **Stage**: the highest stage that at least [`MIN_INDICATORS`] distinct coded indicators
//!   speak to. One indicator on its own places no stage: a single coding, however grave, may be
//!   a mistake, and the caller is told to confirm it or to give the stage.
//! * **Stress**: for each side of the crime triangle, the number of observations (an indicator
//!   on a report) of indicators that speak to the stage in use and concern that side. When none
//!   speaks to that stage, all observations count.
//!
//! Codes the catalogue does not know are set aside and listed, not silently dropped.

use std::collections::BTreeMap;

use serde::Serialize;
use tocsin_domain::{Catalogue, Dimension, Stage};

/// How many distinct indicators must speak to a stage before it is placed there.
pub const MIN_INDICATORS: usize = 2;

/// One indicator seen on a situation's verified reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndicatorEvidence {
    pub code: String,
    pub text: String,
    pub stages: Vec<Stage>,
    pub dimensions: Vec<Dimension>,
    /// On how many distinct reports it was coded.
    pub reports: usize,
}

/// What the coded indicators say about a situation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Derivation {
    /// The stage the indicators place the situation at, or `None` when they are too few.
    pub stage: Option<Stage>,
    /// The indicators seen, in catalogue code order.
    pub indicators: Vec<IndicatorEvidence>,
    /// Coded indicators the catalogue in force does not hold.
    pub unknown_codes: Vec<String>,
    /// How many distinct reports carried a known indicator.
    pub reports: usize,
}

impl Derivation {
    /// Reads `(report id, indicator code)` pairs against the catalogue.
    pub fn from_codings(catalogue: &Catalogue, codings: &[(i64, &str)]) -> Derivation {
        let mut reports_by_code: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
        let mut unknown_codes: Vec<String> = Vec::new();
        let mut reports: Vec<i64> = Vec::new();
        for &(report, code) in codings {
            if catalogue.indicator(code).is_some() {
                reports_by_code.entry(code).or_default().push(report);
                reports.push(report);
            } else if !unknown_codes.iter().any(|known| known == code) {
                unknown_codes.push(code.to_string());
            }
        }
        reports.sort_unstable();
        reports.dedup();
        let mut indicators: Vec<IndicatorEvidence> = reports_by_code
            .into_iter()
            .filter_map(|(code, mut on)| {
                let (_, indicator) = catalogue.indicator(code)?;
                on.sort_unstable();
                on.dedup();
                Some(IndicatorEvidence {
                    code: code.to_string(),
                    text: indicator.text.clone(),
                    stages: indicator.stages.clone(),
                    dimensions: indicator.dimensions.clone(),
                    reports: on.len(),
                })
            })
            .collect();
        indicators.sort_by_key(|indicator| code_order(&indicator.code));
        let stage = Stage::ALL.into_iter().rev().find(|&stage| {
            indicators
                .iter()
                .filter(|indicator| indicator.stages.contains(&stage))
                .count()
                >= MIN_INDICATORS
        });
        Derivation {
            stage,
            indicators,
            unknown_codes,
            reports: reports.len(),
        }
    }

    /// Whether any known indicator was coded at all.
    pub fn has_evidence(&self) -> bool {
        !self.indicators.is_empty()
    }

    /// Raw stress weights per dimension for a situation at `stage`: observations of the
    /// indicators that speak to it (all indicators if none does), counted per side they concern.
    pub fn stress_at(&self, stage: Stage) -> Vec<(Dimension, f64)> {
        let speaks: Vec<&IndicatorEvidence> = self
            .indicators
            .iter()
            .filter(|indicator| indicator.stages.contains(&stage))
            .collect();
        let counted: Vec<&IndicatorEvidence> = if speaks.is_empty() {
            self.indicators.iter().collect()
        } else {
            speaks
        };
        Dimension::ALL
            .into_iter()
            .map(|dimension| {
                let observations: usize = counted
                    .iter()
                    .filter(|indicator| indicator.dimensions.contains(&dimension))
                    .map(|indicator| indicator.reports)
                    .sum();
                (dimension, observations as f64)
            })
            .filter(|&(_, weight)| weight > 0.0)
            .collect()
    }

    /// One sentence on how the stage was reached, or why none was.
    pub fn explain(&self) -> String {
        let distinct = self.indicators.len();
        match self.stage {
            Some(stage) => {
                let at: Vec<&str> = self
                    .indicators
                    .iter()
                    .filter(|indicator| indicator.stages.contains(&stage))
                    .map(|indicator| indicator.code.as_str())
                    .collect();
                format!(
                    "{} indicators speaking to {stage} ({}) were coded on {} verified report(s)",
                    at.len(),
                    at.join(", "),
                    self.reports
                )
            }
            None if distinct == 0 => "no indicator is coded on a verified report".to_string(),
            None => format!(
                "only {distinct} distinct indicator(s) coded on verified reports; at least \
                 {MIN_INDICATORS} must speak to a stage to place the situation there"
            ),
        }
    }
}

/// Sorts "7.5" before "7.10" and "10.1" after "9.3".
fn code_order(code: &str) -> Vec<u32> {
    code.split('.')
        .map(|part| part.parse().unwrap_or(u32::MAX))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Codes from the embedded catalogue whose stages and dimensions are exactly as given.
    fn codes(stages: &[Stage], dimensions: &[Dimension]) -> Vec<String> {
        Catalogue::embedded()
            .indicators()
            .filter(|(_, i)| i.stages == stages && i.dimensions == dimensions)
            .map(|(_, i)| i.code.clone())
            .collect()
    }

    #[test]
    fn two_indicators_place_a_stage_and_one_does_not() {
        let catalogue = Catalogue::embedded();
        let stage3 = codes(&[Stage::ImminentEmergency], &[Dimension::Perpetrator]);
        assert!(stage3.len() >= 2, "the catalogue has stage-3 indicators");
        let one = Derivation::from_codings(catalogue, &[(1, stage3[0].as_str())]);
        assert_eq!(one.stage, None);
        assert!(one.has_evidence());
        assert!(one.explain().contains("only 1"), "{}", one.explain());

        let two = Derivation::from_codings(
            catalogue,
            &[(1, stage3[0].as_str()), (2, stage3[1].as_str())],
        );
        assert_eq!(two.stage, Some(Stage::ImminentEmergency));
        assert_eq!(two.reports, 2);
        assert!(two.explain().contains(&stage3[1]), "{}", two.explain());
    }

    #[test]
    fn stress_counts_observations_at_the_stage_in_use() {
        let catalogue = Catalogue::embedded();
        let victim3: Vec<String> = Catalogue::embedded()
            .indicators()
            .filter(|(_, i)| {
                i.stages == [Stage::ImminentEmergency] && i.concerns(Dimension::Victim)
            })
            .map(|(_, i)| i.code.clone())
            .collect();
        let situation1 = codes(&[Stage::RiskFactors], &[Dimension::Situation]);
        let codings = [
            (1, victim3[0].as_str()),
            (2, victim3[0].as_str()),
            (2, victim3[1].as_str()),
            (3, situation1[0].as_str()),
            (3, "99.9"),
        ];
        let derived = Derivation::from_codings(catalogue, &codings);
        assert_eq!(derived.stage, Some(Stage::ImminentEmergency));
        assert_eq!(derived.unknown_codes, ["99.9"]);
        assert_eq!(derived.indicators.len(), 3);
        let at3 = derived.stress_at(Stage::ImminentEmergency);
        let victim = at3
            .iter()
            .find(|(d, _)| *d == Dimension::Victim)
            .map(|&(_, w)| w);
        assert_eq!(victim, Some(3.0), "{at3:?}");
        // The stage-1 situation indicator does not count at stage 3: only the victim
        // indicators' own situation side (if any) does.
        let concerns_situation = |code: &str| {
            catalogue
                .indicator(code)
                .unwrap()
                .1
                .concerns(Dimension::Situation)
        };
        let expected = [(victim3[0].as_str(), 2.0), (victim3[1].as_str(), 1.0)]
            .iter()
            .filter(|(code, _)| concerns_situation(code))
            .map(|(_, n)| n)
            .sum::<f64>();
        let situation = at3
            .iter()
            .find(|(d, _)| *d == Dimension::Situation)
            .map_or(0.0, |&(_, w)| w);
        assert_eq!(situation, expected, "{at3:?}");
        // No indicator speaks to stage 2 here, so every observation counts.
        let at2 = derived.stress_at(Stage::CrisisAndMobilisation);
        assert!(
            at2.iter().any(|&(d, _)| d == Dimension::Situation),
            "{at2:?}"
        );
    }

    #[test]
    fn codes_sort_numerically() {
        let mut codes = vec!["10.1", "7.10", "7.5", "9.3"];
        codes.sort_by_key(|code| code_order(code));
        assert_eq!(codes, ["7.5", "7.10", "9.3", "10.1"]);
    }
}
