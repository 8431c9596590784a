//! The engine's parameters: versioned data, compiled in from `data/engine.toml`, replaceable by
//! a deployment's own file. [`Params::from_toml`] rejects anything incomplete or out of range,
//! so the engine can rely on every weight being there and finite.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tocsin_domain::{Confidence, Credibility, Reliability, Stage, Trend, VerificationState};

use crate::StageError;

const EMBEDDED: &str = include_str!("../data/engine.toml");

/// Every parameter of the engine, as loaded and checked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    pub version: String,
    pub evidence: EvidenceParams,
    pub stages: StageParams,
    pub structural: StructuralParams,
    pub judgments: JudgmentParams,
    pub triggers: TriggerParams,
    pub datasets: DatasetParams,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceParams {
    pub window_days: i64,
    pub half_life_days: f64,
    pub line_min_weight: f64,
    pub corroboration_bonus: f64,
    pub max_corroborations: u32,
    pub reliability: BTreeMap<String, f64>,
    pub credibility: BTreeMap<String, f64>,
    pub verification: BTreeMap<String, f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageParams {
    /// Thresholds for stages 1, 2 and 3.
    pub thresholds: [f64; 3],
    /// Separate lines of evidence needed to enter stages 1, 2 and 3.
    pub min_lines: [usize; 3],
    pub hold_ratio: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StructuralParams {
    pub elevated_probability: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JudgmentParams {
    pub confidence: BTreeMap<String, f64>,
    pub trend: BTreeMap<String, f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TriggerParams {
    pub horizon_days: i64,
    pub weight: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatasetParams {
    pub reliability: Reliability,
    pub credibility: Credibility,
}

impl Params {
    /// The parameters compiled into Tocsin.
    pub fn embedded() -> Params {
        Params::from_toml(EMBEDDED).expect("the embedded engine parameters are valid")
    }

    /// The embedded parameter file's text, for `tocsin assess params`.
    pub fn embedded_source() -> &'static str {
        EMBEDDED
    }

    /// Reads and checks a parameter file.
    pub fn from_toml(text: &str) -> Result<Params, StageError> {
        let params: Params =
            toml::from_str(text).map_err(|error| StageError::Params(error.to_string()))?;
        params.check()?;
        Ok(params)
    }

    fn check(&self) -> Result<(), StageError> {
        let bad = |what: String| Err(StageError::Params(what));
        if self.version.trim().is_empty() {
            return bad("version must not be empty".into());
        }
        let e = &self.evidence;
        if e.window_days <= 0 || !e.half_life_days.is_finite() || e.half_life_days <= 0.0 {
            return bad("evidence.window_days and evidence.half_life_days must be positive".into());
        }
        for (name, value) in [
            ("evidence.line_min_weight", e.line_min_weight),
            ("evidence.corroboration_bonus", e.corroboration_bonus),
            ("stages.hold_ratio", self.stages.hold_ratio),
            (
                "structural.elevated_probability",
                self.structural.elevated_probability,
            ),
            ("triggers.weight", self.triggers.weight),
        ] {
            if !value.is_finite() || value < 0.0 {
                return bad(format!(
                    "{name} must be a number of at least 0, not {value}"
                ));
            }
        }
        if self.stages.hold_ratio > 1.0 {
            return bad("stages.hold_ratio must not exceed 1 (a stage is held below its threshold, not above it)".into());
        }
        if !(self.structural.elevated_probability > 0.0
            && self.structural.elevated_probability < 1.0)
        {
            return bad("structural.elevated_probability must lie between 0 and 1".into());
        }
        if self.triggers.horizon_days <= 0 {
            return bad("triggers.horizon_days must be positive".into());
        }
        let t = self.stages.thresholds;
        if t.iter()
            .any(|threshold| !(threshold.is_finite() && *threshold > 0.0))
            || !(t[0] <= t[1] && t[1] <= t[2])
        {
            return bad(format!(
                "stages.thresholds must be positive and not decrease from stage 1 to 3, not {t:?}"
            ));
        }
        let table = |name: &str, map: &BTreeMap<String, f64>, keys: Vec<String>| {
            for key in &keys {
                match map.get(key) {
                    Some(value) if value.is_finite() && *value >= 0.0 => {}
                    Some(value) => {
                        return Err(StageError::Params(format!(
                            "{name}.{key} must be a number of at least 0, not {value}"
                        )))
                    }
                    None => return Err(StageError::Params(format!("{name}.{key} is missing"))),
                }
            }
            if let Some(extra) = map.keys().find(|key| !keys.contains(key)) {
                return Err(StageError::Params(format!(
                    "{name}.{extra} is not a known key (expected {})",
                    keys.join(", ")
                )));
            }
            Ok(())
        };
        table(
            "evidence.reliability",
            &e.reliability,
            Reliability::ALL
                .iter()
                .map(|r| r.letter().to_string())
                .collect(),
        )?;
        table(
            "evidence.credibility",
            &e.credibility,
            Credibility::ALL
                .iter()
                .map(|c| c.number().to_string())
                .collect(),
        )?;
        table(
            "evidence.verification",
            &e.verification,
            VerificationState::ALL
                .iter()
                .map(|v| v.as_str().to_string())
                .collect(),
        )?;
        table(
            "judgments.confidence",
            &self.judgments.confidence,
            Confidence::ALL
                .iter()
                .map(|c| c.as_str().to_string())
                .collect(),
        )?;
        table(
            "judgments.trend",
            &self.judgments.trend,
            Trend::ALL.iter().map(|t| t.as_str().to_string()).collect(),
        )?;
        Ok(())
    }

    pub fn reliability_weight(&self, reliability: Reliability) -> f64 {
        self.evidence.reliability[&reliability.letter().to_string()]
    }

    pub fn credibility_weight(&self, credibility: Credibility) -> f64 {
        self.evidence.credibility[&credibility.number().to_string()]
    }

    pub fn verification_weight(&self, verification: VerificationState) -> f64 {
        self.evidence.verification[verification.as_str()]
    }

    pub fn confidence_weight(&self, confidence: Confidence) -> f64 {
        self.judgments.confidence[confidence.as_str()]
    }

    pub fn trend_factor(&self, trend: Trend) -> f64 {
        self.judgments.trend[trend.as_str()]
    }

    pub fn threshold(&self, stage: Stage) -> f64 {
        self.stages.thresholds[usize::from(stage.number()) - 1]
    }

    pub fn min_lines(&self, stage: Stage) -> usize {
        self.stages.min_lines[usize::from(stage.number()) - 1]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_parameters_load() {
        let params = Params::embedded();
        assert_eq!(params.version, "2026.1");
        assert_eq!(params.reliability_weight(Reliability::A), 1.0);
        assert_eq!(params.threshold(Stage::ImminentEmergency), 3.0);
    }

    #[test]
    fn a_missing_or_unknown_weight_is_named() {
        let without_e = Params::embedded_source().replace("E = 0.1\n", "");
        let error = Params::from_toml(&without_e).unwrap_err().to_string();
        assert!(
            error.contains("evidence.reliability.E is missing"),
            "{error}"
        );

        let decreasing = Params::embedded_source().replace(
            "thresholds = [1.0, 2.0, 3.0]",
            "thresholds = [1.0, 3.0, 2.0]",
        );
        let error = Params::from_toml(&decreasing).unwrap_err().to_string();
        assert!(error.contains("not decrease"), "{error}");

        let typo = Params::embedded_source().replace("hold_ratio", "hold_ration");
        assert!(Params::from_toml(&typo).is_err());
    }
}
