//! Ranking tools for a situation, from its stage and the dimensions its indicators stress.
//!
//! # The scoring rule
//!
//! Fixed in advance from the seeds, not tuned on outcomes (there are too few cases to tune on,
//! and a tuned rule would hide its reasons). Only tools whose `stages` include the situation's
//! stage are candidates. Each gets
//!
//! ```text
//! score = suitability × reach × timeliness
//! ```
//!
//! * **suitability** is 1 when the tool's kind is the one seed 004 assigns to the stage
//!   (systemic at stage 1, targeted at stages 2 and 3), else 0.1.
//! * **reach** is `0.25 + 0.75 × m`, where `m` is the largest relative stress (see
//!   [`Stress`]) among the dimensions the tool acts on. With no stressed dimension at all,
//!   `m = 1` for every tool: nothing singles a side out. The 0.25 floor keeps tools for
//!   unstressed sides on the list, because an atrocity needs all three sides and the
//!   indicators may be incomplete.
//! * **timeliness** follows the lead time: at stage 1 it is always 1; at stage 2 days and
//!   weeks give 1, months 0.8, years 0.5; at stage 3 days give 1, weeks 0.8, months and years
//!   0.5. An emergency leaves no time for slow tools.
//!
//! A suited tool scores at least `1 × 0.25 × 0.5 = 0.125` and an unsuited one at most `0.1`,
//! so kind dominates: at stages 2 and 3 every targeted tool outranks every systemic one. Equal
//! scores are ordered by tool id, so the ranking is deterministic.

use serde::Serialize;
use tocsin_domain::{Dimension, Stage};

use crate::lesson::{Lesson, Verdict};
use crate::stress::Stress;
use crate::tool::{Kind, LeadTime, Tool};
use crate::toolbox::Toolbox;

/// Suitability of a tool whose kind does not fit the stage. Kept below the smallest score a
/// suited tool can reach (0.125), so the kind always decides first.
const UNSUITED: f64 = 0.1;
/// The part of `reach` a tool gets even when none of its dimensions is stressed.
const REACH_FLOOR: f64 = 0.25;

/// One ranked tool, with the reasons a decision-maker needs to weigh it.
#[derive(Debug, Clone, Serialize)]
pub struct Recommendation<'a> {
    pub tool: &'a Tool,
    /// In `(0, 1]`; see the module documentation for the rule.
    pub score: f64,
    /// The stressed dimension this tool was matched on, if any.
    pub matched_dimension: Option<Dimension>,
    /// One sentence naming the stage and dimension matched.
    pub reason: String,
    /// When the tool tends to work (from the toolbox data).
    pub conditions: Vec<String>,
    /// When it tends to backfire, conflicts with other tools, slowness for this stage, and
    /// cases where it failed.
    pub caveats: Vec<String>,
    /// Cases that applied or withheld the tool, those at the same stage first.
    pub lessons: Vec<CitedLesson<'a>>,
}

/// A case cited in support of, or as a warning about, a recommendation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CitedLesson<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub stage: Stage,
    pub verdict: Verdict,
    /// False when the case is cited because the tool was withheld.
    pub applied: bool,
}

impl Toolbox {
    /// Ranks the tools that apply at `stage`, weighted toward the stressed dimensions.
    /// `stressed` holds raw weights per dimension; only their proportions matter.
    pub fn recommend(
        &self,
        stage: Stage,
        stressed: &[(Dimension, f64)],
    ) -> Vec<Recommendation<'_>> {
        let stress = Stress::from_weights(stressed);
        let mut ranked: Vec<Recommendation<'_>> = self
            .tools()
            .iter()
            .filter(|tool| tool.applies_at(stage))
            .map(|tool| self.recommendation(tool, stage, &stress))
            .collect();
        ranked.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| a.tool.id.cmp(&b.tool.id))
        });
        ranked
    }

    fn recommendation<'a>(
        &'a self,
        tool: &'a Tool,
        stage: Stage,
        stress: &Stress,
    ) -> Recommendation<'a> {
        let matched = best_dimension(tool, stress);
        let m = if stress.any() {
            matched.map_or(0.0, |dimension| stress.weight(dimension))
        } else {
            1.0
        };
        let score = suitability(tool.kind, stage)
            * (REACH_FLOOR + (1.0 - REACH_FLOOR) * m)
            * timeliness(tool.lead_time, stage);
        let lessons = self.cited_lessons(tool, stage);
        Recommendation {
            tool,
            score,
            matched_dimension: matched,
            reason: reason(tool, stage, stress, matched),
            conditions: tool.conditions.clone(),
            caveats: self.caveats(tool, stage),
            lessons,
        }
    }

    fn cited_lessons<'a>(&'a self, tool: &Tool, stage: Stage) -> Vec<CitedLesson<'a>> {
        let mut cited: Vec<CitedLesson<'a>> = self
            .lessons()
            .iter()
            .filter(|lesson| lesson.involves(&tool.id))
            .map(|lesson| cite(lesson, &tool.id))
            .collect();
        // Precedent from the same stage is the most telling; among those, cases where the tool
        // was used come before cases where it was withheld. The sort is stable, so file order
        // breaks the remaining ties.
        cited.sort_by_key(|lesson| (lesson.stage != stage, !lesson.applied));
        cited
    }

    fn caveats(&self, tool: &Tool, stage: Stage) -> Vec<String> {
        let mut caveats = tool.risks.clone();
        if !tool.kind.suits(stage) {
            caveats.push(match tool.kind {
                Kind::Systemic => format!(
                    "A systemic strategy: it lowers long-term risk but will not change the course of a situation at {stage} on its own"
                ),
                Kind::Targeted => format!(
                    "A targeted tool used at {stage}, before any crisis: it can look like an overreaction and spend leverage needed later"
                ),
            });
        }
        if timeliness(tool.lead_time, stage) < 1.0 {
            caveats.push(format!(
                "Usually takes {} to have an effect, slow for {stage}: pair it with faster tools",
                tool.lead_time
            ));
        }
        for other in self.tools() {
            if other.id != tool.id && self.conflict(&tool.id, &other.id) {
                caveats.push(format!(
                    "Works against \"{}\" ({}): agree the order and timing before pursuing both",
                    other.name, other.id
                ));
            }
        }
        for lesson in self.lessons() {
            if lesson.applied(&tool.id) && lesson.verdict == Verdict::Failure {
                // The verdict belongs to the case, not the tool, so the caveat says where the tool
                // was used without success rather than that it caused the failure.
                caveats.push(format!(
                    "Also used in {} ({}), where atrocities were not prevented: see case {}",
                    lesson.country, lesson.years, lesson.id
                ));
            }
        }
        caveats
    }
}

fn cite<'a>(lesson: &'a Lesson, tool_id: &str) -> CitedLesson<'a> {
    CitedLesson {
        id: &lesson.id,
        title: &lesson.title,
        stage: lesson.stage,
        verdict: lesson.verdict,
        applied: lesson.applied(tool_id),
    }
}

/// The most stressed dimension the tool acts on, or `None` when it acts on no stressed one.
fn best_dimension(tool: &Tool, stress: &Stress) -> Option<Dimension> {
    tool.dimensions
        .iter()
        .copied()
        .filter(|&dimension| stress.is_stressed(dimension))
        .max_by(|a, b| stress.weight(*a).total_cmp(&stress.weight(*b)))
}

fn suitability(kind: Kind, stage: Stage) -> f64 {
    if kind.suits(stage) {
        1.0
    } else {
        UNSUITED
    }
}

fn timeliness(lead_time: LeadTime, stage: Stage) -> f64 {
    match (stage, lead_time) {
        (Stage::RiskFactors, _) => 1.0,
        (Stage::CrisisAndMobilisation, LeadTime::Days | LeadTime::Weeks) => 1.0,
        (Stage::CrisisAndMobilisation, LeadTime::Months) => 0.8,
        (Stage::CrisisAndMobilisation, LeadTime::Years) => 0.5,
        (Stage::ImminentEmergency, LeadTime::Days) => 1.0,
        (Stage::ImminentEmergency, LeadTime::Weeks) => 0.8,
        (Stage::ImminentEmergency, LeadTime::Months | LeadTime::Years) => 0.5,
    }
}

fn reason(tool: &Tool, stage: Stage, stress: &Stress, matched: Option<Dimension>) -> String {
    let sides = tool
        .dimensions
        .iter()
        .map(|dimension| dimension.as_str())
        .collect::<Vec<_>>()
        .join(" and ");
    let dimension_part = match matched {
        Some(dimension) if stress.weight(dimension) >= 1.0 => {
            format!("acts on the {dimension} side of the crime triangle, which the active indicators stress most")
        }
        Some(dimension) => format!(
            "acts on the {dimension} side of the crime triangle, which the active indicators stress (relative weight {:.2})",
            stress.weight(dimension)
        ),
        None if stress.any() => {
            format!("acts on the {sides} side, which the active indicators do not stress")
        }
        None => format!("acts on the {sides} side; the active indicators single out no side"),
    };
    let kind_part = if tool.kind.suits(stage) {
        format!("a {} tool, as this stage calls for", tool.kind)
    } else {
        format!(
            "a {} tool, which this stage does not chiefly call for",
            tool.kind
        )
    };
    format!(
        "Applies at {stage} and {dimension_part}; {kind_part}; it usually takes {} to have an effect.",
        tool.lead_time
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_suited_tool_always_outscores_an_unsuited_one() {
        // The bound the module documentation promises: the worst suited score beats the best
        // unsuited one at every stage.
        for stage in Stage::ALL {
            let worst_suited = REACH_FLOOR
                * [
                    LeadTime::Days,
                    LeadTime::Weeks,
                    LeadTime::Months,
                    LeadTime::Years,
                ]
                .into_iter()
                .map(|lead_time| timeliness(lead_time, stage))
                .fold(1.0, f64::min);
            assert!(worst_suited > UNSUITED, "{stage}: {worst_suited}");
        }
    }

    #[test]
    fn the_stressed_dimension_lifts_its_tools() {
        let toolbox = Toolbox::embedded().unwrap();
        let ranked =
            toolbox.recommend(Stage::CrisisAndMobilisation, &[(Dimension::Situation, 1.0)]);
        let top = ranked[0].tool;
        assert!(
            top.acts_on(Dimension::Situation),
            "top tool {} is not a situation tool",
            top.id
        );
        assert_eq!(ranked[0].matched_dimension, Some(Dimension::Situation));
        assert!(
            ranked[0]
                .reason
                .contains("stage 2 (crisis and mobilisation)"),
            "{}",
            ranked[0].reason
        );
        assert!(
            ranked[0].reason.contains("situation side"),
            "{}",
            ranked[0].reason
        );
    }

    #[test]
    fn only_tools_for_the_stage_are_candidates() {
        let toolbox = Toolbox::embedded().unwrap();
        let ranked = toolbox.recommend(Stage::RiskFactors, &[]);
        assert!(!ranked.is_empty());
        assert!(ranked.iter().all(|r| r.tool.applies_at(Stage::RiskFactors)));
        // At stage 1 systemic strategies lead.
        assert_eq!(ranked[0].tool.kind, Kind::Systemic);
    }

    #[test]
    fn conflicting_tools_are_named_in_the_caveats() {
        let toolbox = Toolbox::embedded().unwrap();
        let ranked = toolbox.recommend(Stage::ImminentEmergency, &[(Dimension::Perpetrator, 1.0)]);
        let referral = ranked.iter().find(|r| r.tool.id == "icc-referral").unwrap();
        assert!(referral
            .caveats
            .iter()
            .any(|c| c.contains("negotiated-departure")));
        assert!(referral
            .caveats
            .iter()
            .any(|c| c.contains("mediation-and-negotiation")));
    }
}
