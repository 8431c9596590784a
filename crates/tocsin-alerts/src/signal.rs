//! What can raise an alert: the signals the assessment, the risk model and the analysts'
//! grading produce. Each names its situation and the TLP marking of what it rests on.

use serde::{Deserialize, Serialize};
use time::Date;
use tocsin_domain::{Credibility, Reliability, SituationId, Stage, Tlp};

/// The kind of a signal, as rules and stored alerts name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignalKind {
    StageChanged,
    StructuralRisk,
    FlashReport,
    TriggerNear,
}

impl SignalKind {
    pub const ALL: [SignalKind; 4] = [
        SignalKind::StageChanged,
        SignalKind::StructuralRisk,
        SignalKind::FlashReport,
        SignalKind::TriggerNear,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SignalKind::StageChanged => "stage_changed",
            SignalKind::StructuralRisk => "structural_risk",
            SignalKind::FlashReport => "flash_report",
            SignalKind::TriggerNear => "trigger_near",
        }
    }

    pub fn parse(text: &str) -> Option<SignalKind> {
        SignalKind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// Something that happened which may call for a warning.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AlertSignal {
    /// A situation's assessed stage changed. `None` is no elevated concern.
    StageChanged {
        situation: SituationId,
        from: Option<Stage>,
        to: Option<Stage>,
        /// The assessment's score in [0, 1]: how strongly the evidence supports `to`.
        score: f64,
        /// What moved the assessment, most important first (indicator codes and labels).
        drivers: Vec<String>,
        /// The strictest marking of the evidence behind the assessment.
        tlp: Tlp,
    },
    /// The structural model's forecast for a country crossed the alerting threshold.
    StructuralRisk {
        situation: SituationId,
        /// Forecast probability of a new mass killing onset in the forecast window.
        probability: f64,
        threshold: f64,
        /// Place in the forecast's ranking, 1 = highest risk.
        rank: u32,
        /// The year the forecast is made from.
        year: i32,
    },
    /// A verified, well-graded report coded with an indicator of imminent danger.
    FlashReport {
        situation: SituationId,
        report_id: i64,
        /// The catalogue code, e.g. `"12.3"`, and its label.
        indicator: String,
        indicator_label: String,
        /// The stage the indicator speaks to.
        stage: Stage,
        /// The source's reliability, when graded.
        reliability: Option<Reliability>,
        credibility: Credibility,
        tlp: Tlp,
    },
    /// A known trigger (an election, a commemoration, a verdict) draws near.
    TriggerNear {
        situation: SituationId,
        trigger: String,
        date: Date,
        tlp: Tlp,
    },
}

impl AlertSignal {
    pub fn kind(&self) -> SignalKind {
        match self {
            AlertSignal::StageChanged { .. } => SignalKind::StageChanged,
            AlertSignal::StructuralRisk { .. } => SignalKind::StructuralRisk,
            AlertSignal::FlashReport { .. } => SignalKind::FlashReport,
            AlertSignal::TriggerNear { .. } => SignalKind::TriggerNear,
        }
    }

    pub fn situation(&self) -> &SituationId {
        match self {
            AlertSignal::StageChanged { situation, .. }
            | AlertSignal::StructuralRisk { situation, .. }
            | AlertSignal::FlashReport { situation, .. }
            | AlertSignal::TriggerNear { situation, .. } => situation,
        }
    }

    /// The marking of what the signal rests on. Structural forecasts are made from public
    /// datasets, so they are TLP:CLEAR.
    pub fn tlp(&self) -> Tlp {
        match self {
            AlertSignal::StageChanged { tlp, .. }
            | AlertSignal::FlashReport { tlp, .. }
            | AlertSignal::TriggerNear { tlp, .. } => *tlp,
            AlertSignal::StructuralRisk { .. } => Tlp::Clear,
        }
    }
}
