//! The stage engine: where a situation stands on the path of escalation at a given date.
//!
//! The rule, in full (parameters in `data/engine.toml`, reasons in `docs/assessment.md`):
//!
//! 1. **Items of evidence.** Each indicator observed on a report (or a dataset event coded to an
//!    indicator) weighs `reliability × credibility × verification × (1 + bonus × corroborations)
//!    × magnitude × ½^(age / half-life)`. Items from the future or older than the window weigh
//!    nothing. A report's magnitude is 1; a dataset's monthly count has its own (see
//!    `backtest`).
//! 2. **Lines of evidence.** Items are summed per indicator; each indicator is a line that speaks
//!    to the highest stage its catalogue entry names. An analyst's judgment that a risk factor is
//!    present is a line of its own (`confidence × trend`), speaking to the highest stage at least
//!    half the factor's indicators name. Structural risk is a stage 1 line filling the stage 1
//!    threshold in proportion to `probability / elevated_probability`, at most once. A line
//!    counts towards the breadth of evidence only if it weighs at least `line_min_weight`.
//! 3. **Stages.** Evidence for a stage is every line speaking to it *or a higher one*: signs of
//!    an imminent emergency are also signs of crisis. Triggers ahead add weight to stages 1 and
//!    2 but are never a line. A situation *enters* a stage when its evidence reaches the
//!    stage's threshold from at least `min_lines` lines; it *stays* at a stage it already held
//!    while the evidence stays above `hold_ratio` of the threshold (hysteresis). Its stage is
//!    the highest it enters or stays at; none means no elevated concern. Stages may be skipped.
//! 4. **Score.** The continuous escalation score is the sum over the three stages of the share
//!    of each threshold that is filled, each share at most 1: 0 to 3, where 2.5 reads "stage 2
//!    reached, half way to stage 3".

use std::collections::BTreeMap;

use serde::Serialize;
use time::Date;
use tocsin_domain::{
    Catalogue, Confidence, Credibility, FactorStatus, Reliability, Stage, Trend, TriggerKind,
    VerificationState,
};

use crate::Params;

/// Where an item of evidence comes from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Origin {
    /// A stored report, by id.
    Report { id: i64 },
    /// A record (or a month's count) of a public dataset.
    Dataset { dataset: String, reference: String },
}

/// One indicator seen once: on a report, or in a dataset.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Observation {
    pub origin: Origin,
    /// The catalogue code, e.g. `"7.5"`.
    pub indicator: String,
    /// When it became known (a report's observation time, a dataset month's last day).
    #[serde(with = "crate::iso_date")]
    pub at: Date,
    pub reliability: Reliability,
    pub credibility: Credibility,
    pub verification: VerificationState,
    /// How many other reports bear it out.
    pub corroborations: u32,
    /// How much it counts before grading: 1 for a report.
    pub magnitude: f64,
}

/// An analyst's judgment on one of the 14 risk factors.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Judgment {
    pub factor: u8,
    pub status: FactorStatus,
    pub trend: Trend,
    pub confidence: Confidence,
    /// Reports the analyst cites.
    pub reports: Vec<i64>,
    pub actor: String,
    #[serde(with = "crate::iso_date")]
    pub at: Date,
}

/// The statistical model's latest forecast for the situation's country.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Structural {
    /// Probability of a mass-killing onset within two years.
    pub probability: f64,
    pub rank: Option<u32>,
    /// The data year the forecast was made from.
    pub year: i32,
    pub model: String,
}

/// A known shock, with the date of its next occurrence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trigger {
    pub name: String,
    pub kind: TriggerKind,
    #[serde(with = "crate::iso_date")]
    pub date: Date,
}

/// Everything the engine reads about one situation.
#[derive(Debug, Clone, Copy, Default)]
pub struct Input<'a> {
    pub observations: &'a [Observation],
    pub judgments: &'a [Judgment],
    pub structural: Option<&'a Structural>,
    pub triggers: &'a [Trigger],
    /// The stage the situation was last placed at; `None` for no elevated concern or never
    /// assessed.
    pub previous: Option<Stage>,
}

/// What kind of line of evidence a driver is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DriverKind {
    Indicator,
    Judgment,
    Structural,
    Trigger,
}

/// One weighed item of a driver.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Item {
    pub origin: Origin,
    #[serde(with = "crate::iso_date")]
    pub at: Date,
    pub weight: f64,
}

/// One line of evidence and what it weighs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Driver {
    pub kind: DriverKind,
    /// `"7.5"`, `"RF7"`, `"structural"` or the trigger's name.
    pub line: String,
    pub label: String,
    /// The highest stage it speaks to.
    pub stage: Stage,
    pub weight: f64,
    /// Whether it counts towards the breadth of evidence.
    pub counts_as_line: bool,
    pub detail: String,
    /// The items behind an indicator line, heaviest first.
    pub items: Vec<Item>,
}

/// The evidence for one stage against its threshold.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StageReading {
    pub stage: Stage,
    pub weight: f64,
    pub threshold: f64,
    pub lines: usize,
    pub min_lines: usize,
    /// Evidence enough to enter the stage.
    pub entered: bool,
    /// Held at this stage by hysteresis (already there, evidence above the hold ratio).
    pub held: bool,
}

/// An upcoming trigger and how near it is.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Upcoming {
    #[serde(flatten)]
    pub trigger: Trigger,
    pub days_ahead: i64,
    /// Weight it adds to stages 1 and 2 (zero beyond the horizon).
    pub weight: f64,
}

/// The engine's answer for one situation at one date.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assessment {
    #[serde(with = "crate::iso_date")]
    pub at: Date,
    /// `None`: no elevated concern.
    pub stage: Option<Stage>,
    pub previous: Option<Stage>,
    /// 0 to 3; see the module documentation.
    pub score: f64,
    /// Whether the stage is kept only by hysteresis.
    pub held: bool,
    pub stages: Vec<StageReading>,
    /// Lines of evidence, heaviest first.
    pub drivers: Vec<Driver>,
    /// Triggers from today on, nearest first.
    pub upcoming: Vec<Upcoming>,
    /// Codes the catalogue does not know, set aside.
    pub unknown_indicators: Vec<String>,
    pub explanation: Vec<String>,
    pub params_version: String,
}

impl Assessment {
    /// The stage as a number, 0 for no elevated concern.
    pub fn level(&self) -> u8 {
        self.stage.map_or(0, Stage::number)
    }
}

/// The engine: parameters plus what it needs to know of the catalogue.
#[derive(Debug, Clone)]
pub struct Engine<'c> {
    params: Params,
    catalogue: &'c Catalogue,
    /// For each risk factor number, the stage its judgments speak to.
    factor_stages: BTreeMap<u8, Stage>,
}

impl<'c> Engine<'c> {
    pub fn new(params: Params, catalogue: &'c Catalogue) -> Engine<'c> {
        let factor_stages = catalogue
            .risk_factors()
            .iter()
            .map(|factor| {
                let count = factor.indicators.len().max(1);
                let stage = Stage::ALL
                    .into_iter()
                    .rev()
                    .find(|&stage| {
                        2 * factor
                            .indicators
                            .iter()
                            .filter(|indicator| indicator.stages.contains(&stage))
                            .count()
                            >= count
                    })
                    .unwrap_or(Stage::RiskFactors);
                (factor.number, stage)
            })
            .collect();
        Engine {
            params,
            catalogue,
            factor_stages,
        }
    }

    pub fn params(&self) -> &Params {
        &self.params
    }

    /// The stage a judgment on risk factor `number` speaks to.
    pub fn factor_stage(&self, number: u8) -> Option<Stage> {
        self.factor_stages.get(&number).copied()
    }

    /// What one item of evidence weighs at `at`.
    pub fn weight(&self, observation: &Observation, at: Date) -> f64 {
        let age = (at - observation.at).whole_days();
        if age < 0 || age > self.params.evidence.window_days {
            return 0.0;
        }
        let evidence = &self.params.evidence;
        let corroborations = observation.corroborations.min(evidence.max_corroborations);
        let decay = 0.5_f64.powf(age as f64 / evidence.half_life_days);
        let magnitude = if observation.magnitude.is_finite() {
            observation.magnitude.max(0.0)
        } else {
            0.0
        };
        self.params.reliability_weight(observation.reliability)
            * self.params.credibility_weight(observation.credibility)
            * self.params.verification_weight(observation.verification)
            * (1.0 + evidence.corroboration_bonus * f64::from(corroborations))
            * magnitude
            * decay
    }

    /// Assesses one situation at `at`.
    pub fn assess(&self, input: &Input<'_>, at: Date) -> Assessment {
        let params = &self.params;
        let line_min = params.evidence.line_min_weight;
        let mut drivers: Vec<Driver> = Vec::new();
        let mut unknown: Vec<String> = Vec::new();

        // 1-2. Items summed per indicator.
        let mut by_indicator: BTreeMap<&str, Vec<Item>> = BTreeMap::new();
        for observation in input.observations {
            if self.catalogue.indicator(&observation.indicator).is_none() {
                if !unknown.contains(&observation.indicator) {
                    unknown.push(observation.indicator.clone());
                }
                continue;
            }
            let weight = self.weight(observation, at);
            if weight > 0.0 {
                by_indicator
                    .entry(observation.indicator.as_str())
                    .or_default()
                    .push(Item {
                        origin: observation.origin.clone(),
                        at: observation.at,
                        weight,
                    });
            }
        }
        for (code, mut items) in by_indicator {
            let (factor, indicator) = self
                .catalogue
                .indicator(code)
                .expect("only known indicators are grouped");
            let Some(stage) = indicator.stages.iter().copied().max() else {
                continue;
            };
            items.sort_by(|a, b| b.weight.total_cmp(&a.weight).then(a.origin.cmp(&b.origin)));
            let weight: f64 = items
                .iter()
                .map(|item| item.weight)
                .fold(0.0, |sum, w| sum + w);
            let reports = items
                .iter()
                .filter(|item| matches!(item.origin, Origin::Report { .. }))
                .count();
            let records = items.len() - reports;
            let mut sources = Vec::new();
            if reports > 0 {
                sources.push(format!("{reports} report(s)"));
            }
            if records > 0 {
                sources.push(format!("{records} dataset record(s)"));
            }
            drivers.push(Driver {
                kind: DriverKind::Indicator,
                line: code.to_string(),
                label: indicator.text.clone(),
                stage,
                weight,
                counts_as_line: weight >= line_min,
                detail: format!(
                    "indicator {code} of RF{} ({}), from {}",
                    factor.number,
                    factor.name,
                    sources.join(" and ")
                ),
                items,
            });
        }

        // Judgments: the latest per factor as of `at`.
        let mut latest: BTreeMap<u8, &Judgment> = BTreeMap::new();
        for judgment in input.judgments.iter().filter(|judgment| judgment.at <= at) {
            match latest.get(&judgment.factor) {
                Some(held) if held.at > judgment.at => {}
                _ => {
                    latest.insert(judgment.factor, judgment);
                }
            }
        }
        for judgment in latest.values() {
            if judgment.status != FactorStatus::Present {
                continue;
            }
            let (Some(stage), Some(factor)) = (
                self.factor_stage(judgment.factor),
                self.catalogue.risk_factor(judgment.factor),
            ) else {
                continue;
            };
            let weight =
                params.confidence_weight(judgment.confidence) * params.trend_factor(judgment.trend);
            drivers.push(Driver {
                kind: DriverKind::Judgment,
                line: format!("RF{}", judgment.factor),
                label: factor.name.clone(),
                stage,
                weight,
                counts_as_line: weight >= line_min,
                // Cited reports are not named here: the text goes to readers of every
                // clearance; the judgment itself keeps them.
                detail: format!(
                    "judged present ({} confidence, {}) by {} on {}, citing {} report(s)",
                    judgment.confidence,
                    judgment.trend,
                    judgment.actor,
                    judgment.at,
                    judgment.reports.len()
                ),
                items: Vec::new(),
            });
        }

        // Structural risk.
        if let Some(structural) = input.structural {
            let share =
                (structural.probability / params.structural.elevated_probability).clamp(0.0, 1.0);
            let weight = share * params.threshold(Stage::RiskFactors);
            if weight > 0.0 {
                drivers.push(Driver {
                    kind: DriverKind::Structural,
                    line: "structural".to_string(),
                    label: "structural risk of a mass-killing onset".to_string(),
                    stage: Stage::RiskFactors,
                    weight,
                    counts_as_line: weight >= line_min,
                    detail: format!(
                        "{:.1}% two-year onset probability{} from the {} model on {} data (elevated from {:.1}%)",
                        structural.probability * 100.0,
                        structural
                            .rank
                            .map(|rank| format!(", rank {rank}"))
                            .unwrap_or_default(),
                        structural.model,
                        structural.year,
                        params.structural.elevated_probability * 100.0
                    ),
                    items: Vec::new(),
                });
            }
        }

        // Triggers ahead.
        let horizon = params.triggers.horizon_days;
        let mut upcoming: Vec<Upcoming> = input
            .triggers
            .iter()
            .filter(|trigger| trigger.date >= at)
            .map(|trigger| {
                let days_ahead = (trigger.date - at).whole_days();
                let weight = if days_ahead <= horizon {
                    params.triggers.weight * (1.0 - days_ahead as f64 / horizon as f64)
                } else {
                    0.0
                };
                Upcoming {
                    trigger: trigger.clone(),
                    days_ahead,
                    weight,
                }
            })
            .collect();
        upcoming.sort_by(|a, b| {
            a.trigger
                .date
                .cmp(&b.trigger.date)
                .then(a.trigger.name.cmp(&b.trigger.name))
        });
        for near in upcoming.iter().filter(|near| near.weight > 0.0) {
            drivers.push(Driver {
                kind: DriverKind::Trigger,
                line: near.trigger.name.clone(),
                label: format!("{} ahead", near.trigger.kind),
                stage: Stage::CrisisAndMobilisation,
                weight: near.weight,
                counts_as_line: false,
                detail: format!(
                    "{} on {}, in {} day(s)",
                    near.trigger.name, near.trigger.date, near.days_ahead
                ),
                items: Vec::new(),
            });
        }

        drivers.sort_by(|a, b| {
            b.weight
                .total_cmp(&a.weight)
                .then_with(|| a.line.cmp(&b.line))
        });

        // 3. Stages.
        let stages: Vec<StageReading> = Stage::ALL
            .into_iter()
            .map(|stage| {
                let speaking = drivers.iter().filter(|driver| driver.stage >= stage);
                // Summed from +0 so that no evidence reads 0, not -0.
                let weight: f64 = speaking
                    .clone()
                    .map(|driver| driver.weight)
                    .fold(0.0, |sum, w| sum + w);
                let lines = speaking.filter(|driver| driver.counts_as_line).count();
                let threshold = params.threshold(stage);
                let min_lines = params.min_lines(stage);
                StageReading {
                    stage,
                    weight,
                    threshold,
                    lines,
                    min_lines,
                    entered: weight >= threshold && lines >= min_lines,
                    held: input.previous.is_some_and(|previous| previous >= stage)
                        && weight >= params.stages.hold_ratio * threshold,
                }
            })
            .collect();
        let stage = stages
            .iter()
            .rev()
            .find(|reading| reading.entered || reading.held)
            .map(|reading| reading.stage);
        let held = stages
            .iter()
            .rev()
            .find(|reading| reading.entered || reading.held)
            .is_some_and(|reading| !reading.entered);
        // 4. Score.
        let score: f64 = stages
            .iter()
            .map(|reading| (reading.weight / reading.threshold).min(1.0))
            .sum();

        let explanation = explain(stage, input.previous, held, &stages, &drivers, &unknown);
        Assessment {
            at,
            stage,
            previous: input.previous,
            score,
            held,
            stages,
            drivers,
            upcoming,
            unknown_indicators: unknown,
            explanation,
            params_version: params.version.clone(),
        }
    }
}

fn explain(
    stage: Option<Stage>,
    previous: Option<Stage>,
    held: bool,
    stages: &[StageReading],
    drivers: &[Driver],
    unknown: &[String],
) -> Vec<String> {
    let mut lines = Vec::new();
    let headline = match stage {
        None => "no elevated concern".to_string(),
        Some(stage) => stage.to_string(),
    };
    lines.push(match (previous, held) {
        (_, true) => format!("{headline}: held there by hysteresis though the evidence is below the threshold to enter it"),
        (previous, false) if previous != stage => format!(
            "{headline}, moved from {}",
            previous.map_or("no elevated concern".to_string(), |previous| previous.to_string())
        ),
        _ => headline,
    });
    for reading in stages {
        lines.push(format!(
            "stage {}: evidence {:.2} of threshold {:.2} from {} line(s) (needs {}){}",
            reading.stage.number(),
            reading.weight,
            reading.threshold,
            reading.lines,
            reading.min_lines,
            if reading.entered {
                ", reached"
            } else if reading.held {
                ", held"
            } else {
                ""
            }
        ));
    }
    for driver in drivers.iter().take(5) {
        lines.push(format!(
            "{} ({}) weighs {:.2} towards stage {}: {}",
            driver.line,
            driver.label,
            driver.weight,
            driver.stage.number(),
            driver.detail
        ));
    }
    if !unknown.is_empty() {
        lines.push(format!(
            "set aside, not in the catalogue: {}",
            unknown.join(", ")
        ));
    }
    lines
}
