//! Response tracking and the coordination board.
//!
//! Seeds 000/001 ask that separate initiatives be "mutually reinforcing and logically organised
//! in terms of timing and focus". A [`Measure`] records one initiative: who, with which tool,
//! from when to when, and how it went. The board lays a situation's measures out by side of
//! the crime triangle and flags two kinds of trouble:
//!
//! * **gaps**: a stressed dimension with no measure planned or under way on it;
//! * **clashes**: two live measures whose tools the toolbox marks as working against each other
//!   (an ICC referral and an offer of exile), or the same actor or organisation running the
//!   same tool twice at once.
//!
//! The date is a parameter: the board never reads the clock.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use time::Date;
use tocsin_domain::{Dimension, Stage};

use crate::stress::Stress;
use crate::tool::Kind;
use crate::toolbox::Toolbox;

// Dates travel as ISO 8601 calendar dates ("2024-05-31") rather than time's default tuple form,
// so stored measures and API bodies stay readable.
time::serde::format_description!(iso_date, Date, "[year]-[month]-[day]");

/// Where a measure stands, as its owner reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeasureStatus {
    Planned,
    UnderWay,
    Completed,
    Abandoned,
}

impl MeasureStatus {
    pub const ALL: [MeasureStatus; 4] = [
        MeasureStatus::Planned,
        MeasureStatus::UnderWay,
        MeasureStatus::Completed,
        MeasureStatus::Abandoned,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MeasureStatus::Planned => "planned",
            MeasureStatus::UnderWay => "under_way",
            MeasureStatus::Completed => "completed",
            MeasureStatus::Abandoned => "abandoned",
        }
    }

    /// Planned or under way: the measure is still meant to act.
    pub fn is_open(self) -> bool {
        matches!(self, MeasureStatus::Planned | MeasureStatus::UnderWay)
    }
}

impl fmt::Display for MeasureStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for MeasureStatus {
    type Err = String;

    /// Accepts `under_way`, `under-way`, `under way` and `underway` alike.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        let wanted = if wanted == "underway" {
            "under_way".to_owned()
        } else {
            wanted
        };
        MeasureStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == wanted)
            .ok_or_else(|| {
                format!("unknown status {s:?}: use planned, under_way, completed or abandoned")
            })
    }
}

/// One preventive measure planned or taken for a situation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Measure {
    pub id: String,
    /// The situation it serves, matched to a board ignoring case and surrounding spaces.
    pub situation: String,
    /// Who acts: a person, office or body.
    pub actor: String,
    /// The organisation the actor belongs to.
    pub organisation: String,
    /// A tool id from the toolbox.
    pub tool_id: String,
    #[serde(with = "iso_date")]
    pub start: Date,
    /// None while open-ended.
    #[serde(default, with = "iso_date::option")]
    pub end: Option<Date>,
    pub status: MeasureStatus,
    #[serde(default)]
    pub outcome: Option<String>,
}

/// Where a measure stands on a given day, from its status and dates together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Open, starting after the board's date.
    Upcoming,
    /// Open and within its dates.
    Running,
    /// Still marked open, but its end date has passed: someone should update it.
    Lapsed,
    /// Completed or abandoned.
    Closed,
}

impl Measure {
    pub fn phase(&self, today: Date) -> Phase {
        if !self.status.is_open() {
            Phase::Closed
        } else if self.end.is_some_and(|end| end < today) {
            Phase::Lapsed
        } else if self.start > today {
            Phase::Upcoming
        } else {
            Phase::Running
        }
    }

    /// Whether the measure counts as acting on the situation: planned or under way, and not
    /// past its end date. A lapsed measure protects no one, whatever its status says.
    pub fn is_live(&self, today: Date) -> bool {
        matches!(self.phase(today), Phase::Upcoming | Phase::Running)
    }

    fn overlaps(&self, other: &Measure) -> bool {
        let ends_after = |measure: &Measure, day: Date| measure.end.is_none_or(|end| end >= day);
        ends_after(self, other.start) && ends_after(other, self.start)
    }
}

/// The coordination board of one situation on one day.
#[derive(Debug, Clone, Serialize)]
pub struct Board {
    pub situation: String,
    pub stage: Stage,
    #[serde(with = "iso_date")]
    pub as_of: Date,
    pub stress: Stress,
    /// One lane per dimension, perpetrator, victim, situation, in that order.
    pub lanes: Vec<Lane>,
    /// Stressed dimensions with no live measure, most stressed first.
    pub gaps: Vec<Gap>,
    pub clashes: Vec<Clash>,
    /// Ids of this situation's measures whose tool the toolbox does not know. They are shown
    /// here rather than dropped, so a typo in a tool id does not make work disappear.
    pub unknown_tools: Vec<String>,
}

/// Who is doing what on one side of the crime triangle.
#[derive(Debug, Clone, Serialize)]
pub struct Lane {
    pub dimension: Dimension,
    /// Relative stress in `[0, 1]`; zero when the dimension is not stressed.
    pub stress: f64,
    /// Whether at least one live measure acts on this dimension.
    pub covered: bool,
    /// Measures whose tool acts on this dimension, by start date.
    pub entries: Vec<Entry>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub measure: Measure,
    pub tool_name: String,
    pub kind: Kind,
    pub phase: Phase,
}

/// A stressed dimension no one is acting on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Gap {
    pub dimension: Dimension,
    pub stress: f64,
    pub message: String,
    /// Up to three tool ids ranked for this stage and dimension.
    pub suggestions: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClashKind {
    /// The toolbox marks the two tools as working against each other.
    ConflictingTools,
    /// The same actor or organisation runs the same tool twice over the same period.
    Duplicate,
}

/// Two live measures that get in each other's way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Clash {
    pub kind: ClashKind,
    /// The two measure ids, in the order the measures were given.
    pub measures: [String; 2],
    pub message: String,
}

/// How many tools a gap suggests.
const SUGGESTIONS: usize = 3;

impl Toolbox {
    /// Lays out the measures of `situation` (others in `measures` are ignored) by dimension as
    /// of `today`, and flags gaps and clashes. `stressed` holds raw weights per dimension, as
    /// for [`Toolbox::recommend`].
    pub fn coordination_board(
        &self,
        situation: &str,
        stage: Stage,
        stressed: &[(Dimension, f64)],
        measures: &[Measure],
        today: Date,
    ) -> Board {
        let stress = Stress::from_weights(stressed);
        let wanted = normalise(situation);
        let mut unknown_tools = Vec::new();
        // Measures of this situation whose tool is known, paired with it.
        let mut known = Vec::new();
        for measure in measures
            .iter()
            .filter(|m| normalise(&m.situation) == wanted)
        {
            match self.tool(&measure.tool_id) {
                Some(tool) => known.push((measure, tool)),
                None => unknown_tools.push(measure.id.clone()),
            }
        }
        known.sort_by(|(a, _), (b, _)| a.start.cmp(&b.start).then_with(|| a.id.cmp(&b.id)));

        let lanes: Vec<Lane> = Dimension::ALL
            .into_iter()
            .map(|dimension| {
                let entries: Vec<Entry> = known
                    .iter()
                    .filter(|(_, tool)| tool.acts_on(dimension))
                    .map(|&(measure, tool)| Entry {
                        measure: measure.clone(),
                        tool_name: tool.name.clone(),
                        kind: tool.kind,
                        phase: measure.phase(today),
                    })
                    .collect();
                Lane {
                    dimension,
                    stress: stress.weight(dimension),
                    covered: entries
                        .iter()
                        .any(|entry| matches!(entry.phase, Phase::Upcoming | Phase::Running)),
                    entries,
                }
            })
            .collect();

        let gaps = stress
            .stressed()
            .into_iter()
            .filter_map(|dimension| {
                let lane = lanes.iter().find(|lane| lane.dimension == dimension)?;
                (!lane.covered).then(|| self.gap(lane, stage, stressed))
            })
            .collect();

        let live: Vec<&Measure> = known
            .iter()
            .map(|&(measure, _)| measure)
            .filter(|measure| measure.is_live(today))
            .collect();

        Board {
            situation: situation.trim().to_owned(),
            stage,
            as_of: today,
            stress,
            lanes,
            gaps,
            clashes: self.clashes(&live, measures),
            unknown_tools,
        }
    }

    fn gap(&self, lane: &Lane, stage: Stage, stressed: &[(Dimension, f64)]) -> Gap {
        let dimension = lane.dimension;
        let ended = lane.entries.len();
        let history = match ended {
            0 => String::new(),
            1 => "; the one earlier measure on it has ended or lapsed".to_owned(),
            n => format!("; the {n} earlier measures on it have ended or lapsed"),
        };
        let suggestions = self
            .recommend(stage, stressed)
            .into_iter()
            .filter(|recommendation| recommendation.tool.acts_on(dimension))
            .take(SUGGESTIONS)
            .map(|recommendation| recommendation.tool.id.clone())
            .collect();
        Gap {
            dimension,
            stress: lane.stress,
            message: format!(
                "The {dimension} side is stressed (relative weight {:.2}) but no measure on it is planned or under way{history}",
                lane.stress
            ),
            suggestions,
        }
    }

    /// Pairs of live measures that clash. Reported in the order the caller gave the measures,
    /// so the output does not depend on sorting choices made for display.
    fn clashes(&self, live: &[&Measure], given: &[Measure]) -> Vec<Clash> {
        let mut ordered: Vec<&Measure> = live.to_vec();
        let position = |measure: &Measure| given.iter().position(|m| std::ptr::eq(m, measure));
        ordered.sort_by_key(|measure| position(measure));

        let mut clashes = Vec::new();
        for (i, a) in ordered.iter().enumerate() {
            for b in &ordered[i + 1..] {
                if !a.overlaps(b) {
                    continue;
                }
                if let Some(clash) = self.clash(a, b) {
                    clashes.push(clash);
                }
            }
        }
        clashes
    }

    fn clash(&self, a: &Measure, b: &Measure) -> Option<Clash> {
        let pair = [a.id.clone(), b.id.clone()];
        if a.tool_id == b.tool_id {
            let same_actor = normalise(&a.actor) == normalise(&b.actor);
            let same_organisation = normalise(&a.organisation) == normalise(&b.organisation);
            // Two different organisations using one tool may reinforce each other (two monitoring
            // teams); the same office or organisation doing it twice is wasted effort and mixed
            // signals.
            if same_actor || same_organisation {
                let who = if same_actor {
                    &a.actor
                } else {
                    &a.organisation
                };
                return Some(Clash {
                    kind: ClashKind::Duplicate,
                    measures: pair,
                    message: format!(
                        "{who} runs {} twice over the same period (measures {} and {})",
                        a.tool_id, a.id, b.id
                    ),
                });
            }
            return None;
        }
        self.conflict(&a.tool_id, &b.tool_id).then(|| Clash {
            kind: ClashKind::ConflictingTools,
            measures: pair,
            message: format!(
                "{} by {} (measure {}) works against {} by {} (measure {}): agree the order and timing",
                a.tool_id, a.organisation, a.id, b.tool_id, b.organisation, b.id
            ),
        })
    }
}

fn normalise(text: &str) -> String {
    text.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    fn measure(id: &str, tool_id: &str, status: MeasureStatus) -> Measure {
        Measure {
            id: id.into(),
            situation: "Testland".into(),
            actor: "Desk officer".into(),
            organisation: "Ministry".into(),
            tool_id: tool_id.into(),
            start: date!(2024 - 01 - 01),
            end: None,
            status,
            outcome: None,
        }
    }

    #[test]
    fn phase_reads_status_and_dates_together() {
        let today = date!(2024 - 06 - 01);
        let mut m = measure("m", "radio-jamming", MeasureStatus::UnderWay);
        assert_eq!(m.phase(today), Phase::Running);
        m.end = Some(date!(2024 - 05 - 31));
        assert_eq!(m.phase(today), Phase::Lapsed);
        assert!(!m.is_live(today));
        m.end = None;
        m.start = date!(2024 - 07 - 01);
        assert_eq!(m.phase(today), Phase::Upcoming);
        m.status = MeasureStatus::Abandoned;
        assert_eq!(m.phase(today), Phase::Closed);
    }

    #[test]
    fn statuses_parse_loosely() {
        assert_eq!(
            "under way".parse::<MeasureStatus>().unwrap(),
            MeasureStatus::UnderWay
        );
        assert_eq!(
            "Underway".parse::<MeasureStatus>().unwrap(),
            MeasureStatus::UnderWay
        );
        assert!("done".parse::<MeasureStatus>().is_err());
    }

    #[test]
    fn measures_serialise_dates_as_iso_strings() {
        let mut m = measure("m1", "radio-jamming", MeasureStatus::Planned);
        m.end = Some(date!(2024 - 02 - 29));
        let text = toml::to_string(&m).unwrap();
        assert!(text.contains("start = \"2024-01-01\""), "{text}");
        assert!(text.contains("end = \"2024-02-29\""), "{text}");
        let back: Measure = toml::from_str(&text).unwrap();
        assert_eq!(back, m);
    }

    fn board_of(toolbox: &Toolbox, measures: &[Measure], today: Date) -> Board {
        toolbox.coordination_board(
            "Testland",
            Stage::CrisisAndMobilisation,
            &[],
            measures,
            today,
        )
    }

    #[test]
    fn duplicates_need_the_same_actor_or_organisation_and_overlapping_dates() {
        let toolbox = Toolbox::embedded().unwrap();
        let today = date!(2024 - 03 - 01);
        let a = measure("a", "statements-of-concern", MeasureStatus::UnderWay);
        let mut b = measure("b", "statements-of-concern", MeasureStatus::Planned);
        b.actor = "Minister".into();
        let board = board_of(&toolbox, &[a.clone(), b.clone()], today);
        assert_eq!(board.clashes.len(), 1);
        assert_eq!(board.clashes[0].kind, ClashKind::Duplicate);

        // Another organisation doing the same thing is not a clash.
        b.organisation = "Regional body".into();
        let board = board_of(&toolbox, &[a.clone(), b.clone()], today);
        assert!(board.clashes.is_empty());

        // Nor is the same organisation once the first measure has finished.
        b.organisation = "Ministry".into();
        let mut a = a;
        a.end = Some(date!(2024 - 02 - 01));
        a.status = MeasureStatus::Completed;
        let board = board_of(&toolbox, &[a, b], today);
        assert!(board.clashes.is_empty());
    }
}
