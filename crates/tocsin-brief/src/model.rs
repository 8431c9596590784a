//! The brief model: what a brief says, already cut to its reader.
//!
//! The application layer fills these types from the store; the renderers here only lay them
//! out. Nothing in a model is above the reader's clearance: the assembler leaves such content
//! out and counts it in [`Withheld`], and `marking` is the strictest TLP of what remains
//! ([`Marking`] keeps that rule in one place).

use serde::Serialize;
use time::Date;
use tocsin_domain::{Role, Stage, Tlp};

/// Who a brief is for: their role decides which sections they get, their clearance which
/// items.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Reader {
    pub role: Role,
    pub clearance: Tlp,
}

impl Reader {
    /// Whether an item marked `tlp` may go into this reader's brief.
    pub fn may_see(&self, tlp: Tlp) -> bool {
        tlp.permits(self.clearance)
    }
}

/// The running TLP marking of a brief: starts at TLP:CLEAR (public data, the toolbox and
/// unmarked assessments carry no restriction of their own) and takes the strictest marking of
/// every item put in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Marking(Tlp);

impl Default for Marking {
    fn default() -> Self {
        Marking(Tlp::Clear)
    }
}

impl Marking {
    pub fn include(&mut self, tlp: Tlp) {
        self.0 = Tlp::strictest([self.0, tlp]);
    }

    pub fn tlp(self) -> Tlp {
        self.0
    }
}

/// What was left out because the reader may not see it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Withheld {
    /// Reports (incidents, evidence, citations) above the reader's clearance.
    pub items: usize,
    /// Whole sections the reader's role does not receive, by title.
    pub sections: Vec<String>,
}

impl Withheld {
    pub fn is_empty(&self) -> bool {
        self.items == 0 && self.sections.is_empty()
    }
}

/// Which versions of data and rules a brief rests on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Versions {
    /// The Tocsin release that rendered it.
    pub tocsin: String,
    /// The stage engine's parameter version.
    pub engine: Option<String>,
    /// The structural model, e.g. "ensemble 1.0 (data 2024)".
    pub model: Option<String>,
    pub toolbox: String,
    pub lessons: String,
}

/// Which way risk is going.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Rising,
    Falling,
    Steady,
    /// Only one forecast and no stage change to compare with.
    Unknown,
}

impl Direction {
    /// Changes smaller than this (half a percentage point) read as steady.
    pub const STEADY_WITHIN: f64 = 0.005;

    pub fn from_change(change: Option<f64>) -> Direction {
        match change {
            Some(change) if change > Self::STEADY_WITHIN => Direction::Rising,
            Some(change) if change < -Self::STEADY_WITHIN => Direction::Falling,
            Some(_) => Direction::Steady,
            None => Direction::Unknown,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Rising => "rising",
            Direction::Falling => "falling",
            Direction::Steady => "steady",
            Direction::Unknown => "not yet known",
        }
    }
}

/// A country's place in the structural forecast.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Forecast {
    /// Probability of a mass-killing onset within two years.
    pub probability: f64,
    pub rank: Option<u32>,
    /// How many countries the forecast ranks.
    pub ranked: usize,
    /// Change from the forecast before, in probability.
    pub change: Option<f64>,
    pub data_year: i32,
    pub model: String,
}

/// The judgment at the top of a situation brief.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Headline {
    /// `None`: no elevated concern.
    pub stage: Option<Stage>,
    /// 0 to 3.
    pub score: f64,
    /// Kept at its stage only by hysteresis.
    pub held: bool,
    pub forecast: Option<Forecast>,
    pub direction: Direction,
    /// The engine's reasons, one sentence each.
    pub explanation: Vec<String>,
}

/// A stored stage change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StageChange {
    pub on: Date,
    /// 0 for no elevated concern.
    pub from: u8,
    pub to: u8,
    pub score: f64,
}

/// One year of a country's structural risk.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RiskPoint {
    pub year: i32,
    pub probability: f64,
}

/// A report cited as evidence, with its marking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Citation {
    pub report: i64,
    pub tlp: Tlp,
}

/// One of the 14 risk factors as judged, with the evidence on it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Factor {
    pub number: u8,
    pub name: String,
    /// "present", "absent", "unknown"…; `None` when not yet judged.
    pub status: Option<String>,
    pub trend: Option<String>,
    pub confidence: Option<String>,
    pub note: Option<String>,
    pub judged_on: Option<Date>,
    /// Reports the judgment cites or the engine weighed on this factor, that the reader may
    /// see.
    pub evidence: Vec<Citation>,
    /// Indicators of this factor seen on reports in the evidence window.
    pub observations: usize,
}

/// A line of evidence the stage engine weighed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Driver {
    pub label: String,
    pub stage: Stage,
    pub weight: f64,
    pub detail: String,
    /// Graded items behind it the reader may see: reports by id, datasets by name.
    pub items: Vec<String>,
}

/// A placed report shown on the map and in the incident list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Incident {
    pub report: i64,
    pub on: Date,
    pub place: Option<String>,
    pub latitude: f64,
    pub longitude: f64,
    /// The report's text, shortened.
    pub text: String,
    pub verification: String,
    pub tlp: Tlp,
}

/// A known shock ahead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Trigger {
    pub on: Date,
    pub name: String,
    pub kind: String,
    pub days_ahead: i64,
}

/// A recommended or suggested prevention tool.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tool {
    pub name: String,
    pub summary: String,
    /// Why it is on the list.
    pub reason: String,
    pub lead_time: String,
    pub caveats: Vec<String>,
    /// Precedents: case titles with their verdicts.
    pub precedents: Vec<String>,
}

/// A measure under way or planned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Response {
    pub actor: String,
    pub organisation: String,
    pub tool: String,
    pub status: String,
    pub start: Date,
    pub end: Option<Date>,
}

/// The brief on one situation, for decision-makers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SituationBrief {
    pub situation: String,
    pub name: String,
    pub date: Date,
    pub reader: Reader,
    pub marking: Tlp,
    pub headline: Headline,
    pub changes: Vec<StageChange>,
    pub risk_history: Vec<RiskPoint>,
    pub factors: Vec<Factor>,
    pub drivers: Vec<Driver>,
    pub incidents: Vec<Incident>,
    pub triggers: Vec<Trigger>,
    /// The stage the tools are recommended for.
    pub tools_for: Stage,
    pub tools: Vec<Tool>,
    pub responses: Vec<Response>,
    pub withheld: Withheld,
    pub versions: Versions,
    pub sources: Vec<String>,
}

/// A country in the parliamentary brief.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Country {
    pub rank: u32,
    pub situation: String,
    pub name: String,
    pub probability: f64,
    pub change: Option<f64>,
    /// Whether Tocsin ever assessed it (and the reader may see its stage).
    pub assessed: bool,
    /// The stage last stored for it; `None` with `assessed` for no elevated concern.
    pub stage: Option<Stage>,
}

/// A case of prevention that worked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Case {
    pub title: String,
    pub country: String,
    pub years: String,
    pub stage: Stage,
    pub tools: Vec<String>,
    pub outcome: String,
    pub lesson: String,
}

/// The brief for parliamentarians: where risk is highest and what a parliament can do.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParliamentBrief {
    pub date: Date,
    pub reader: Reader,
    pub marking: Tlp,
    /// The forecast the ranking comes from: model and data year.
    pub forecast: Option<String>,
    pub countries: Vec<Country>,
    /// The rule that chose the tools, in one sentence.
    pub tool_rule: String,
    pub tools: Vec<Tool>,
    pub cases: Vec<Case>,
    pub withheld: Withheld,
    pub versions: Versions,
    pub sources: Vec<String>,
}

/// What a stage means, in words for readers outside the field.
pub fn stage_meaning(stage: Stage) -> &'static str {
    match stage {
        Stage::RiskFactors => {
            "Structural conditions that make atrocity crimes possible are present: deep \
             cleavages between groups, a record of serious violations, weak rule of law. No \
             crisis is under way. Prevention here is systemic and long-term: governance, \
             justice, inclusion."
        }
        Stage::CrisisAndMobilisation => {
            "A shock (an election, a coup, an attack) is turning risk into likelihood: hate \
             propaganda spreads, militias organise, moderates are pushed aside. Prevention \
             here is targeted: diplomacy, pressure on those who mobilise, protection of those \
             at risk, in weeks to months."
        }
        Stage::ImminentEmergency => {
            "Violent clashes multiply and a group is being systematically targeted. Mass \
             killing may begin or be under way. Prevention here must act in days: coercive \
             diplomacy, sanctions, protection and, as a last resort, force authorised by the \
             Security Council."
        }
    }
}

/// A stage in words: "stage 2, crisis and mobilisation", or no elevated concern.
pub fn stage_words(stage: Option<Stage>) -> String {
    match stage {
        Some(stage) => format!("stage {}, {}", stage.number(), stage.label()),
        None => "no elevated concern".to_string(),
    }
}

/// A probability as a percentage with one decimal.
pub fn percent(probability: f64) -> String {
    format!("{:.1}%", probability * 100.0)
}

/// A change in probability in percentage points, signed.
pub fn points(change: f64) -> String {
    format!("{:+.1} pts", change * 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marking_is_the_strictest_item() {
        let mut marking = Marking::default();
        assert_eq!(marking.tlp(), Tlp::Clear);
        marking.include(Tlp::Green);
        marking.include(Tlp::Amber);
        marking.include(Tlp::Green);
        assert_eq!(marking.tlp(), Tlp::Amber);
        marking.include(Tlp::Red);
        assert_eq!(marking.tlp(), Tlp::Red);
    }

    #[test]
    fn small_changes_read_as_steady() {
        assert_eq!(Direction::from_change(Some(0.004)), Direction::Steady);
        assert_eq!(Direction::from_change(Some(0.02)), Direction::Rising);
        assert_eq!(Direction::from_change(Some(-0.02)), Direction::Falling);
        assert_eq!(Direction::from_change(None), Direction::Unknown);
    }
}
