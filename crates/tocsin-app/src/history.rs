//! The stage engine's historic check (`tocsin assess backtest`): public event data turned into
//! evidence, month by month, and scored against the Early Warning Project's mass-killing onsets.
//!
//! How events become evidence is fixed here, before any run, and written down in
//! `docs/assessment.md`:
//!
//! | data | indicator | magnitude from |
//! |---|---|---|
//! | ACLED Battles | 8.1 armed hostilities break out (stage 2) | deaths |
//! | ACLED Explosions/Remote violence | 13.4 explosive weapons in populated areas (stage 3) | deaths |
//! | ACLED Violence against civilians | 11.1 violence against civilians (stage 3) | deaths |
//! | ACLED Protests, Riots | 1.10 mass protest (stages 1–2) | events |
//! | UCDP state-based and non-state violence | 8.1 (stage 2) | deaths |
//! | UCDP civilian deaths in that fighting | 13.4 (stage 3) | civilian deaths |
//! | UCDP one-sided violence | 11.1 (stage 3) | deaths |
//! | Cline coup that took power | 8.4 abrupt change of regime (stage 2) | 1 |
//! | Cline failed coup or plot | 1.4 power changes hands outside the rules (stages 1–2) | 1 |
//! | UCDP DECO electoral violence | 8.8 elections (stage 2) | 1 per month with any |
//!
//! ACLED strategic developments are not used: the category mixes arrests, agreements and
//! looting. A month's count of `n` deaths or events has magnitude `max(0, log10(1 + n) − 1)`,
//! the orders of magnitude above ten: 10 deaths count nothing, 100 count 1, 1,000 count 2. A
//! month's counts are dated the first day of the next month, when the month is complete, so no
//! assessment sees a month before it ends. Events are graded as the parameters' `datasets`
//! section says, verified.
//!
//! Onsets are dated by the ongoing-episodes list where it gives a full date, else by the
//! episode list's own start-date notes where they name a month ([`DATED_BY_NOTES`]), else on 1
//! January of the start year.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use time::macros::date;
use time::{Date, Duration};
use tocsin_domain::{Catalogue, Countries};
use tocsin_geo::Gazetteer;
use tocsin_ingest::history::{self, CoupKind, Episode, MonthlyCount, OngoingEpisode};
use tocsin_ingest::DatasetEvent;
use tocsin_stage::backtest::{self, first_of_month, Onset, Report};
use tocsin_stage::{Engine, Observation, Origin, Params};

/// Onset dates the episode list's "Start date notes" give to the month.
pub const DATED_BY_NOTES: &[(&str, Date, &str)] = &[
    (
        "bfa2022s1",
        date!(2022 - 10 - 01),
        "the episode list's note: traced back to October 2022",
    ),
    (
        "sdn2023ns1",
        date!(2023 - 04 - 15),
        "the episode list's note: fighting broke out on April 15, 2023",
    ),
];

/// A file handed to the check: its name (for messages) and bytes.
#[derive(Debug, Clone, Copy)]
pub struct File<'a> {
    pub name: &'a str,
    pub bytes: &'a [u8],
}

/// The files of the check.
#[derive(Debug, Clone, Copy)]
pub struct HistoryFiles<'a> {
    /// ACLED country-month-event-type counts.
    pub acled_monthly: File<'a>,
    /// UCDP GED events (the Syria extract).
    pub ucdp_ged: File<'a>,
    pub coups: File<'a>,
    pub electoral_violence: File<'a>,
    pub episodes: File<'a>,
    pub ongoing: File<'a>,
    /// The countrycode crosswalk, to place countries named in words.
    pub crosswalk: File<'a>,
}

/// One run of the check over one dataset.
#[derive(Debug, Clone, Serialize)]
pub struct Run {
    /// What was run, e.g. "ACLED country-month counts 2021-01 to 2024-09".
    pub data: String,
    pub report: Report,
}

/// The whole check.
#[derive(Debug, Clone, Serialize)]
pub struct HistoricCheck {
    pub params_version: String,
    pub runs: Vec<Run>,
    /// Country names no situation could be found for; their rows were left out.
    pub unplaced_countries: Vec<String>,
}

/// Why the check could not run.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error(transparent)]
    Ingest(#[from] tocsin_ingest::IngestError),
    #[error("the countrycode crosswalk {file}: {message}")]
    Crosswalk { file: String, message: String },
    #[error(transparent)]
    Stage(#[from] tocsin_stage::StageError),
}

/// Places countries named in words, remembering the names it cannot place.
struct Places {
    gazetteer: Gazetteer,
    known: BTreeMap<String, Option<String>>,
}

impl Places {
    fn situation(&mut self, name: &str) -> Option<String> {
        if let Some(known) = self.known.get(name) {
            return known.clone();
        }
        let found = self
            .gazetteer
            .resolve(name, None)
            .place()
            .filter(|place| place.kind == tocsin_geo::PlaceKind::Country)
            .map(|place| place.situation.as_str().to_string());
        self.known.insert(name.to_string(), found.clone());
        found
    }

    fn unplaced(&self) -> Vec<String> {
        self.known
            .iter()
            .filter(|(_, situation)| situation.is_none())
            .map(|(name, _)| name.clone())
            .collect()
    }
}

/// `max(0, log10(1 + n) − 1)`: orders of magnitude above ten.
pub fn magnitude(count: u64) -> f64 {
    ((1.0 + count as f64).log10() - 1.0).max(0.0)
}

fn next_month(month: Date) -> Date {
    first_of_month(first_of_month(month) + Duration::days(32))
}

fn observation(
    params: &Params,
    dataset: &str,
    reference: String,
    indicator: &str,
    at: Date,
    magnitude: f64,
) -> Observation {
    Observation {
        origin: Origin::Dataset {
            dataset: dataset.to_string(),
            reference,
        },
        indicator: indicator.to_string(),
        at,
        reliability: params.datasets.reliability,
        credibility: params.datasets.credibility,
        verification: tocsin_domain::VerificationState::Verified,
        corroborations: 0,
        magnitude,
    }
}

/// ACLED counts as evidence per situation.
fn acled_observations(
    params: &Params,
    counts: &[MonthlyCount],
    places: &mut Places,
) -> BTreeMap<String, Vec<Observation>> {
    let mut out: BTreeMap<String, Vec<Observation>> = BTreeMap::new();
    for count in counts {
        let (indicator, n) = match count.event_type.as_str() {
            "Battles" => ("8.1", count.deaths),
            "Explosions/Remote violence" => ("13.4", count.deaths),
            "Violence against civilians" => ("11.1", count.deaths),
            "Protests" | "Riots" => ("1.10", count.events),
            _ => continue,
        };
        let Some(situation) = places.situation(&count.country) else {
            continue;
        };
        let size = magnitude(u64::from(n));
        if size > 0.0 {
            out.entry(situation).or_default().push(observation(
                params,
                "acled-monthly",
                format!("{} {} {}", count.country, count.month, count.event_type),
                indicator,
                next_month(count.month),
                size,
            ));
        }
    }
    out
}

/// UCDP GED events summed per situation, month and kind, as evidence.
fn ucdp_observations(
    params: &Params,
    events: &[DatasetEvent],
) -> BTreeMap<String, Vec<Observation>> {
    let mut sums: BTreeMap<(String, Date, &str), u64> = BTreeMap::new();
    for event in events {
        let key = |indicator| {
            (
                event.situation.as_str().to_string(),
                first_of_month(event.date_start),
                indicator,
            )
        };
        let deaths = u64::from(event.fatalities.unwrap_or(0));
        if event.civilian_targeting {
            *sums.entry(key("11.1")).or_default() += deaths;
        } else {
            *sums.entry(key("8.1")).or_default() += deaths;
            *sums.entry(key("13.4")).or_default() += u64::from(event.civilian_deaths.unwrap_or(0));
        }
    }
    let mut out: BTreeMap<String, Vec<Observation>> = BTreeMap::new();
    for ((situation, month, indicator), n) in sums {
        let size = magnitude(n);
        if size > 0.0 {
            out.entry(situation.clone()).or_default().push(observation(
                params,
                "ucdp-ged",
                format!("{situation} {month} {indicator}"),
                indicator,
                next_month(month),
                size,
            ));
        }
    }
    out
}

/// Onsets in `years`, dated as the module documentation says.
fn onsets(
    episodes: &[Episode],
    ongoing: &[OngoingEpisode],
    places: &mut Places,
    years: std::ops::RangeInclusive<i32>,
    only: Option<&BTreeSet<String>>,
) -> Vec<Onset> {
    episodes
        .iter()
        .filter(|episode| years.contains(&episode.start_year))
        .filter_map(|episode| {
            let situation = places.situation(&episode.country)?;
            if only.is_some_and(|only| !only.contains(&situation)) {
                return None;
            }
            let from_ongoing = ongoing.iter().find_map(|listed| {
                let same = listed.start_year == episode.start_year
                    && places.situation(&listed.country).as_deref() == Some(situation.as_str());
                same.then_some(listed.start_date).flatten()
            });
            let (date, dated_by) = if let Some(date) = from_ongoing {
                (date, "the ongoing-episodes list's start date".to_string())
            } else if let Some((_, date, note)) = DATED_BY_NOTES
                .iter()
                .find(|(code, _, _)| *code == episode.code)
            {
                (*date, (*note).to_string())
            } else {
                (
                    Date::from_calendar_date(episode.start_year, time::Month::January, 1).ok()?,
                    "start year only: 1 January".to_string(),
                )
            };
            Some(Onset {
                situation,
                episode: episode.code.clone(),
                name: episode.name.clone(),
                date,
                dated_by,
            })
        })
        .collect()
}

/// Episodes going on at some time in `years`, per situation.
fn under_way(
    episodes: &[Episode],
    places: &mut Places,
    years: std::ops::RangeInclusive<i32>,
) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for episode in episodes {
        let ends = episode.end_year.unwrap_or(i32::MAX);
        if episode.start_year <= *years.end() && ends >= *years.start() {
            if let Some(situation) = places.situation(&episode.country) {
                out.entry(situation).or_default().push(episode.code.clone());
            }
        }
    }
    out
}

/// Coups and electoral violence as evidence, added to `observations` for the situations there.
fn add_shocks(
    params: &Params,
    observations: &mut BTreeMap<String, Vec<Observation>>,
    coups: &[history::Coup],
    violence: &[history::ElectoralViolence],
    places: &mut Places,
) {
    for coup in coups {
        let Some(situation) = places.situation(&coup.country) else {
            continue;
        };
        let Some(seen) = observations.get_mut(&situation) else {
            continue;
        };
        let indicator = match coup.kind {
            CoupKind::Realized => "8.4",
            CoupKind::Attempted | CoupKind::Conspiracy => "1.4",
        };
        seen.push(observation(
            params,
            "cline-coups",
            coup.id.clone(),
            indicator,
            coup.date,
            1.0,
        ));
    }
    let countries = Countries::embedded();
    let mut months: BTreeSet<(String, Date)> = BTreeSet::new();
    for event in violence {
        if let Some(country) = countries.by_gw(event.gw_code) {
            months.insert((
                country.situation_id().as_str().to_string(),
                first_of_month(event.date),
            ));
        }
    }
    for (situation, month) in months {
        if let Some(seen) = observations.get_mut(&situation) {
            seen.push(observation(
                params,
                "ucdp-deco",
                format!("{situation} {month}"),
                "8.8",
                next_month(month),
                1.0,
            ));
        }
    }
}

/// Runs the check with `params` on the files.
pub fn historic_check(
    params: &Params,
    files: HistoryFiles<'_>,
) -> Result<HistoricCheck, HistoryError> {
    let catalogue = Catalogue::embedded();
    let engine = Engine::new(params.clone(), catalogue);
    let gazetteer = Gazetteer::countries_only(files.crosswalk.bytes).map_err(|error| {
        HistoryError::Crosswalk {
            file: files.crosswalk.name.to_string(),
            message: error.to_string(),
        }
    })?;
    let mut places = Places {
        gazetteer,
        known: BTreeMap::new(),
    };
    let counts = history::parse_acled_monthly(files.acled_monthly.name, files.acled_monthly.bytes)?;
    let ged = tocsin_ingest::parse_ucdp_ged(files.ucdp_ged.name, files.ucdp_ged.bytes)?;
    let coups = history::parse_coups(files.coups.name, files.coups.bytes)?;
    let violence = history::parse_deco(
        files.electoral_violence.name,
        files.electoral_violence.bytes,
    )?;
    let episodes = history::parse_episodes(files.episodes.name, files.episodes.bytes)?;
    let ongoing = history::parse_ongoing(files.ongoing.name, files.ongoing.bytes)?;

    let mut runs = Vec::new();
    // ACLED: every country, from the month after the first counted to the month after the last.
    if let (Some(first), Some(last)) = (
        counts.iter().map(|count| count.month).min(),
        counts.iter().map(|count| count.month).max(),
    ) {
        let mut seen = acled_observations(params, &counts, &mut places);
        add_shocks(params, &mut seen, &coups, &violence, &mut places);
        let years = first.year()..=last.year();
        let onsets = onsets(&episodes, &ongoing, &mut places, years.clone(), None);
        let under_way = under_way(&episodes, &mut places, years);
        let report = backtest::check(
            &engine,
            &seen,
            &onsets,
            &under_way,
            next_month(first),
            next_month(last),
        )?;
        runs.push(Run {
            data: format!(
                "ACLED country-month counts {} to {}, with coups and electoral violence",
                month_text(first),
                month_text(last)
            ),
            report,
        });
    }
    // UCDP GED: the situations the file covers, over its months.
    if let (Some(first), Some(last)) = (
        ged.events.iter().map(|event| event.date_start).min(),
        ged.events.iter().map(|event| event.date_start).max(),
    ) {
        let mut seen = ucdp_observations(params, &ged.events);
        add_shocks(params, &mut seen, &coups, &violence, &mut places);
        let covered: BTreeSet<String> = seen.keys().cloned().collect();
        // Onsets in the situations covered from ten years before the data, so that the table
        // shows the episodes the data opens on.
        let years = first.year() - 10..=last.year();
        let onsets = onsets(
            &episodes,
            &ongoing,
            &mut places,
            years.clone(),
            Some(&covered),
        );
        let under_way = under_way(&episodes, &mut places, first.year()..=last.year());
        let report = backtest::check(
            &engine,
            &seen,
            &onsets,
            &under_way,
            next_month(first_of_month(first)),
            next_month(first_of_month(last)),
        )?;
        runs.push(Run {
            data: format!(
                "UCDP GED events ({}) {} to {}",
                covered.iter().cloned().collect::<Vec<_>>().join(", "),
                month_text(first),
                month_text(last)
            ),
            report,
        });
    }
    Ok(HistoricCheck {
        params_version: params.version.clone(),
        runs,
        unplaced_countries: places.unplaced(),
    })
}

fn month_text(date: Date) -> String {
    format!("{}-{:02}", date.year(), u8::from(date.month()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magnitudes_count_orders_above_ten() {
        assert_eq!(magnitude(0), 0.0);
        assert_eq!(magnitude(9), 0.0);
        assert!((magnitude(99) - 1.0).abs() < 1e-12);
        assert!((magnitude(999) - 2.0).abs() < 1e-12);
    }

    #[test]
    fn a_month_is_dated_when_it_is_complete() {
        assert_eq!(next_month(date!(2023 - 12 - 01)), date!(2024 - 01 - 01));
        assert_eq!(next_month(date!(2024 - 01 - 31)), date!(2024 - 02 - 01));
    }
}
