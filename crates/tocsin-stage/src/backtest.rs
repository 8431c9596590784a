//! The historic check: the engine run month by month over dataset events, scored against
//! mass-killing onsets.
//!
//! Each situation is assessed on the first day of every month, from what was known by then, with
//! the previous month's stage carried forward for hysteresis. For each onset the report gives
//! the stage at the last assessment on or before the onset date and how long the situation had
//! been at stage 2 or more, and at stage 3, by then. A run of stages that began at the very
//! first assessment is reported as "at least" that long (the data begin there). Situations that
//! reached stage 3 with no onset in the period are listed, with any mass-killing episode under
//! way there, so that a reader can tell an alarm about an ongoing episode from a false one.

use std::collections::BTreeMap;

use serde::Serialize;
use time::{Date, Month};
use tocsin_domain::Stage;

use crate::{Engine, Input, Observation, StageError};

/// A mass-killing onset to score against.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Onset {
    pub situation: String,
    /// The episode's code in the episode list, e.g. `sdn2023ns1`.
    pub episode: String,
    pub name: String,
    #[serde(with = "crate::iso_date")]
    pub date: Date,
    /// Where the date comes from.
    pub dated_by: String,
}

/// The engine's reading of one situation in one month.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Monthly {
    #[serde(with = "crate::iso_date")]
    pub at: Date,
    pub stage: Option<Stage>,
    pub score: f64,
}

/// How long before an onset the engine reached a stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "months")]
pub enum Lead {
    /// At the stage at onset, for this many months (0: reached in the onset's month).
    Before(i32),
    /// At the stage since the first assessment, so at least this many months.
    AtLeast(i32),
    /// Reached only this many months after onset.
    After(i32),
    /// Not reached in the period.
    Never,
    /// The onset precedes the first assessment.
    OnsetBeforeData,
}

impl Lead {
    pub fn describe(self) -> String {
        match self {
            Lead::Before(months) => format!("{months} months before"),
            Lead::AtLeast(months) => format!("≥{months} months before"),
            Lead::After(months) => format!("{months} months after"),
            Lead::Never => "not reached".to_string(),
            Lead::OnsetBeforeData => "onset before data".to_string(),
        }
    }
}

/// One onset's row of the table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OnsetRow {
    #[serde(flatten)]
    pub onset: Onset,
    pub stage_at_onset: Option<u8>,
    pub score_at_onset: Option<f64>,
    pub stage_2: Lead,
    pub stage_3: Lead,
    /// The stage at the first assessment of the period, and the highest reached in it: what
    /// the engine said of a situation whose onset the data begin after.
    pub first_stage: u8,
    pub highest_stage: u8,
}

/// A situation that reached stage 3 with no onset in the period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stage3WithoutOnset {
    pub situation: String,
    #[serde(with = "crate::iso_date")]
    pub first_month: Date,
    pub months_at_stage_3: usize,
    /// Mass-killing episodes under way there during the period, if any.
    pub episodes_under_way: Vec<String>,
}

/// The whole historic check.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub params_version: String,
    #[serde(with = "crate::iso_date")]
    pub from: Date,
    #[serde(with = "crate::iso_date")]
    pub to: Date,
    pub months: usize,
    pub situations: usize,
    pub situations_reaching_stage_2: usize,
    pub situations_reaching_stage_3: usize,
    pub onsets: Vec<OnsetRow>,
    pub stage_3_without_onset: Vec<Stage3WithoutOnset>,
    /// How many of those had no episode under way: alarms with nothing behind them in the
    /// episode list.
    pub stage_3_false_alarms: usize,
}

/// First days of the months from `from`'s month to `to`'s month, inclusive.
pub fn months(from: Date, to: Date) -> Vec<Date> {
    let mut out = Vec::new();
    let mut at = first_of_month(from);
    while at <= to {
        out.push(at);
        at = next_month(at);
    }
    out
}

pub fn first_of_month(date: Date) -> Date {
    Date::from_calendar_date(date.year(), date.month(), 1).expect("the first of a month exists")
}

fn next_month(date: Date) -> Date {
    let (year, month) = if date.month() == Month::December {
        (date.year() + 1, Month::January)
    } else {
        (date.year(), date.month().next())
    };
    Date::from_calendar_date(year, month, 1).expect("the first of a month exists")
}

fn months_between(from: Date, to: Date) -> i32 {
    (to.year() - from.year()) * 12
        + (i32::from(u8::from(to.month())) - i32::from(u8::from(from.month())))
}

/// Runs the engine over one situation's observations at each of `at`, carrying the stage.
pub fn run(engine: &Engine<'_>, observations: &[Observation], at: &[Date]) -> Vec<Monthly> {
    let mut previous = None;
    at.iter()
        .map(|&date| {
            let assessment = engine.assess(
                &Input {
                    observations,
                    previous,
                    ..Input::default()
                },
                date,
            );
            previous = assessment.stage;
            Monthly {
                at: date,
                stage: assessment.stage,
                score: assessment.score,
            }
        })
        .collect()
}

fn lead(series: &[Monthly], onset: Date, stage: Stage) -> Lead {
    let Some(index) = series.iter().rposition(|month| month.at <= onset) else {
        return Lead::OnsetBeforeData;
    };
    let at_stage = |month: &Monthly| month.stage.is_some_and(|held| held >= stage);
    if at_stage(&series[index]) {
        let start = series[..=index]
            .iter()
            .rposition(|month| !at_stage(month))
            .map_or(0, |before| before + 1);
        let months = months_between(series[start].at, series[index].at);
        if start == 0 {
            Lead::AtLeast(months)
        } else {
            Lead::Before(months)
        }
    } else {
        match series[index..].iter().find(|month| at_stage(month)) {
            Some(month) => Lead::After(months_between(series[index].at, month.at)),
            None => Lead::Never,
        }
    }
}

/// Runs the check. `observations` are per situation; `episodes_under_way` names, per
/// situation, the mass-killing episodes going on during the period.
pub fn check(
    engine: &Engine<'_>,
    observations: &BTreeMap<String, Vec<Observation>>,
    onsets: &[Onset],
    episodes_under_way: &BTreeMap<String, Vec<String>>,
    from: Date,
    to: Date,
) -> Result<Report, StageError> {
    if from > to {
        return Err(StageError::Backtest(format!(
            "the period runs from {from} to {to}: its start must not be after its end"
        )));
    }
    let at = months(from, to);
    let mut situations: Vec<&String> = observations.keys().collect();
    for onset in onsets {
        if !observations.contains_key(&onset.situation) {
            situations.push(&onset.situation);
        }
    }
    let empty = Vec::new();
    let series: BTreeMap<&String, Vec<Monthly>> = situations
        .iter()
        .map(|&situation| {
            let seen = observations.get(situation).unwrap_or(&empty);
            (situation, run(engine, seen, &at))
        })
        .collect();
    let reaching = |stage: Stage| {
        series
            .values()
            .filter(|months| months.iter().any(|month| month.stage >= Some(stage)))
            .count()
    };

    let rows: Vec<OnsetRow> = onsets
        .iter()
        .map(|onset| {
            let months = &series[&onset.situation];
            let at_onset = months.iter().rev().find(|month| month.at <= onset.date);
            OnsetRow {
                onset: onset.clone(),
                stage_at_onset: at_onset.map(|month| month.stage.map_or(0, Stage::number)),
                score_at_onset: at_onset.map(|month| month.score),
                stage_2: lead(months, onset.date, Stage::CrisisAndMobilisation),
                stage_3: lead(months, onset.date, Stage::ImminentEmergency),
                first_stage: months
                    .first()
                    .and_then(|month| month.stage)
                    .map_or(0, Stage::number),
                highest_stage: months
                    .iter()
                    .filter_map(|month| month.stage)
                    .max()
                    .map_or(0, Stage::number),
            }
        })
        .collect();

    let stage_3_without_onset: Vec<Stage3WithoutOnset> = series
        .iter()
        .filter(|(situation, _)| !onsets.iter().any(|onset| &onset.situation == **situation))
        .filter_map(|(situation, months)| {
            let at_3: Vec<&Monthly> = months
                .iter()
                .filter(|month| month.stage == Some(Stage::ImminentEmergency))
                .collect();
            let first = at_3.first()?;
            Some(Stage3WithoutOnset {
                situation: (*situation).clone(),
                first_month: first.at,
                months_at_stage_3: at_3.len(),
                episodes_under_way: episodes_under_way
                    .get(*situation)
                    .cloned()
                    .unwrap_or_default(),
            })
        })
        .collect();
    let false_alarms = stage_3_without_onset
        .iter()
        .filter(|row| row.episodes_under_way.is_empty())
        .count();
    Ok(Report {
        params_version: engine.params().version.clone(),
        from: at.first().copied().unwrap_or(from),
        to,
        months: at.len(),
        situations: series.len(),
        situations_reaching_stage_2: reaching(Stage::CrisisAndMobilisation),
        situations_reaching_stage_3: reaching(Stage::ImminentEmergency),
        onsets: rows,
        stage_3_without_onset,
        stage_3_false_alarms: false_alarms,
    })
}

#[cfg(test)]
mod tests {
    use time::macros::date;
    use tocsin_domain::{Catalogue, Credibility, Reliability, VerificationState};

    use super::*;
    use crate::{Origin, Params};

    fn event(indicator: &str, at: Date, magnitude: f64) -> Observation {
        Observation {
            origin: Origin::Dataset {
                dataset: "test".into(),
                reference: format!("{indicator}@{at}"),
            },
            indicator: indicator.into(),
            at,
            reliability: Reliability::A,
            credibility: Credibility::Confirmed,
            verification: VerificationState::Verified,
            corroborations: 0,
            magnitude,
        }
    }

    #[test]
    fn leads_are_counted_from_the_start_of_the_run_that_holds_at_onset() {
        let catalogue = Catalogue::embedded();
        let engine = Engine::new(Params::embedded(), catalogue);
        // Nothing until March 2022, then heavy stage 3 evidence every month.
        let mut seen = Vec::new();
        for month in months(date!(2022 - 03 - 01), date!(2022 - 12 - 01)) {
            seen.push(event("11.1", month, 2.0));
            seen.push(event("13.4", month, 2.0));
        }
        let observations = BTreeMap::from([("AAA".to_string(), seen), ("BBB".to_string(), vec![])]);
        let onset = Onset {
            situation: "AAA".into(),
            episode: "aaa2022s1".into(),
            name: "test".into(),
            date: date!(2022 - 07 - 15),
            dated_by: "test".into(),
        };
        let report = check(
            &engine,
            &observations,
            &[onset],
            &BTreeMap::new(),
            date!(2022 - 01 - 01),
            date!(2022 - 12 - 31),
        )
        .unwrap();
        assert_eq!(report.months, 12);
        let row = &report.onsets[0];
        assert_eq!(row.stage_at_onset, Some(3));
        // Stage 3 from the March assessment (the items are dated the first of the month) to
        // July's, the last on or before the onset.
        assert_eq!(row.stage_3, Lead::Before(4));
        assert_eq!(row.stage_2, Lead::Before(4));
        assert_eq!(report.situations_reaching_stage_3, 1);
        assert!(report.stage_3_without_onset.is_empty());

        // The same evidence with no onset is a stage 3 without onset; an episode under way
        // keeps it from being counted as a false alarm.
        let report = check(
            &engine,
            &observations,
            &[],
            &BTreeMap::from([("AAA".to_string(), vec!["aaa2010s1".to_string()])]),
            date!(2022 - 01 - 01),
            date!(2022 - 12 - 31),
        )
        .unwrap();
        assert_eq!(report.stage_3_without_onset.len(), 1);
        assert_eq!(report.stage_3_false_alarms, 0);
    }

    #[test]
    fn an_onset_before_the_data_or_never_reached_says_so() {
        let catalogue = Catalogue::embedded();
        let engine = Engine::new(Params::embedded(), catalogue);
        let series = run(
            &engine,
            &[],
            &months(date!(2021 - 01 - 01), date!(2021 - 06 - 01)),
        );
        assert_eq!(
            lead(&series, date!(2020 - 12 - 01), Stage::ImminentEmergency),
            Lead::OnsetBeforeData
        );
        assert_eq!(
            lead(&series, date!(2021 - 03 - 01), Stage::ImminentEmergency),
            Lead::Never
        );
        assert!(check(
            &engine,
            &BTreeMap::new(),
            &[],
            &BTreeMap::new(),
            date!(2022 - 01 - 01),
            date!(2021 - 01 - 01)
        )
        .is_err());
    }
}
