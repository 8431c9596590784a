//! Historic datasets the stage engine is checked against and triggers are imported from: ACLED
//! country-month counts by event type, the Cline Center coup events, UCDP's electoral violence
//! events (DECO), and the Early Warning Project's mass-killing episode lists.
//!
//! Countries are given as the datasets name them (and, where they have one, a numeric code);
//! placing them in Tocsin's situations is the caller's work, with the gazetteer's country names.
//! Like the other dataset parsers, a file with any bad row is refused whole, every problem
//! located by line and column.

use serde::Serialize;
use time::{Date, Month};

use crate::dataset::{parse_date, read_rows, Row};
use crate::IngestError;

/// One ACLED country-month-event-type count.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonthlyCount {
    pub country: String,
    /// The first day of the month counted.
    pub month: Date,
    /// ACLED's event type, e.g. "Violence against civilians".
    pub event_type: String,
    pub events: u32,
    pub deaths: u32,
}

/// Reads ACLED's country-month aggregates (`Country,Event.month,Event.Type,Events,Deaths`).
pub fn parse_acled_monthly(file: &str, bytes: &[u8]) -> Result<Vec<MonthlyCount>, IngestError> {
    read_rows(
        file,
        bytes,
        "ACLED's country-month-event-type aggregates (Country, Event.month, Event.Type, Events, Deaths)",
        &["Country", "Event.month", "Event.Type", "Events", "Deaths"],
        |row| {
            let country = row.required_text("Country");
            let month = row.date("Event.month");
            let event_type = row.required_text("Event.Type");
            let events = required_count(row, "Events");
            let deaths = required_count(row, "Deaths");
            Some(MonthlyCount {
                country: country?,
                month: Date::from_calendar_date(month?.year(), month?.month(), 1).ok()?,
                event_type: event_type?,
                events: events?,
                deaths: deaths?,
            })
        },
    )
}

/// What a coup event was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CoupKind {
    /// A coup that took power.
    Realized,
    /// An attempt that failed.
    Attempted,
    /// A plot found out before it was tried.
    Conspiracy,
}

/// One event of the Cline Center coup data.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Coup {
    pub id: String,
    /// Correlates of War state number.
    pub cow_code: u16,
    pub country: String,
    pub date: Date,
    pub kind: CoupKind,
}

/// Reads the Cline Center Coup d'État Project's event file.
pub fn parse_coups(file: &str, bytes: &[u8]) -> Result<Vec<Coup>, IngestError> {
    read_rows(
        file,
        bytes,
        "the Cline Center coup events file (coup_id, cowcode, country, year, month, day, event_type, realized)",
        &["coup_id", "cowcode", "country", "year", "month", "day", "event_type", "realized"],
        |row| {
            let id = row.required_text("coup_id");
            let cow_code = required_count(row, "cowcode").and_then(|code| small(row, "cowcode", code));
            let country = row.required_text("country");
            let date = ymd(row, "year", "month", "day");
            let kind = match (row.text("event_type"), row.text("realized")) {
                (_, "1") => Some(CoupKind::Realized),
                ("coup" | "attempted", _) => Some(CoupKind::Attempted),
                ("conspiracy", _) => Some(CoupKind::Conspiracy),
                (other, _) => {
                    let message = format!("{other:?} is not an event type of the coup data (coup, attempted, conspiracy)");
                    row.problem("event_type", message);
                    None
                }
            };
            Some(Coup {
                id: id?,
                cow_code: cow_code?,
                country: country?,
                date: date?,
                kind: kind?,
            })
        },
    )
}

/// One event of UCDP's Electoral Violence dataset (DECO) that is coded as electoral.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ElectoralViolence {
    pub id: String,
    /// Gleditsch-Ward state number (UCDP's `country_id`).
    pub gw_code: u16,
    pub country: String,
    pub date: Date,
    /// Best estimate of deaths.
    pub deaths: u32,
    /// What the violence sought, as coded (`disrupt`, `influence`, …), if given.
    pub purpose: Option<String>,
}

/// Reads UCDP DECO, keeping the events coded as electoral violence (`electoral_vio` 1).
pub fn parse_deco(file: &str, bytes: &[u8]) -> Result<Vec<ElectoralViolence>, IngestError> {
    let rows = read_rows(
        file,
        bytes,
        "UCDP's electoral violence events (DECO: id, country_id, date_start, best, electoral_vio)",
        &[
            "id",
            "country",
            "country_id",
            "date_start",
            "best",
            "electoral_vio",
        ],
        |row| {
            let id = row.required_text("id");
            let gw_code =
                required_count(row, "country_id").and_then(|code| small(row, "country_id", code));
            let country = row.required_text("country");
            let date = us_or_iso_date(row, "date_start");
            let deaths = required_count(row, "best");
            let electoral = row.text("electoral_vio") == "1";
            let purpose = row
                .optional_text("electoral_purpose")
                .filter(|text| text != "NA");
            Some((
                electoral,
                ElectoralViolence {
                    id: id?,
                    gw_code: gw_code?,
                    country: country?,
                    date: date?,
                    deaths: deaths?,
                    purpose,
                },
            ))
        },
    )?;
    Ok(rows
        .into_iter()
        .filter_map(|(electoral, event)| electoral.then_some(event))
        .collect())
}

/// One mass-killing episode of the Early Warning Project's list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Episode {
    pub code: String,
    pub country: String,
    pub name: String,
    pub start_year: i32,
    /// `None` while the episode is under way.
    pub end_year: Option<i32>,
}

/// Reads the EWP mass-killing episode list (`mk_events.csv`).
pub fn parse_episodes(file: &str, bytes: &[u8]) -> Result<Vec<Episode>, IngestError> {
    read_rows(
        file,
        bytes,
        "the Early Warning Project's mass-killing episode list (country, mk_event_name, startyear, endyear, mk_event_code)",
        &["country", "mk_event_name", "startyear", "endyear", "mk_event_code"],
        |row| {
            let code = row.required_text("mk_event_code");
            let country = row.required_text("country");
            let name = row.text("mk_event_name").to_string();
            let start_year = year(row, "startyear");
            let end_year = match row.optional_text("endyear") {
                None => Some(None),
                Some(_) => year(row, "endyear").map(Some),
            };
            Some(Episode {
                code: code?,
                country: country?,
                name,
                start_year: start_year?,
                end_year: end_year?,
            })
        },
    )
}

/// One episode of EWP's list of ongoing mass killings, with its start date where it has one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OngoingEpisode {
    pub country: String,
    pub start_year: i32,
    /// The start date when the list gives a full date (it sometimes gives a year or a month).
    pub start_date: Option<Date>,
    pub led_by: String,
}

/// Reads the EWP list of ongoing episodes (`ongoing.csv`).
pub fn parse_ongoing(file: &str, bytes: &[u8]) -> Result<Vec<OngoingEpisode>, IngestError> {
    read_rows(
        file,
        bytes,
        "the Early Warning Project's list of ongoing episodes (Country, Start Date, Start Year)",
        &["Country", "Start Date", "Start Year"],
        |row| {
            let country = row.required_text("Country");
            let start_year = year(row, "Start Year");
            let start_date = parse_date(row.text("Start Date"));
            Some(OngoingEpisode {
                country: country?,
                start_year: start_year?,
                start_date,
                led_by: row.text("State-Led or Non-State-Led").to_string(),
            })
        },
    )
}

fn required_count(row: &mut Row<'_>, column: &str) -> Option<u32> {
    match row.optional_count(column) {
        Ok(Some(count)) => Some(count),
        Ok(None) => {
            row.problem(column, "empty; every row needs a whole number here");
            None
        }
        Err(()) => None,
    }
}

fn small(row: &mut Row<'_>, column: &str, value: u32) -> Option<u16> {
    match u16::try_from(value) {
        Ok(value) => Some(value),
        Err(_) => {
            row.problem(column, format!("{value} is too large for a state number"));
            None
        }
    }
}

fn year(row: &mut Row<'_>, column: &str) -> Option<i32> {
    let text = row.text(column);
    match text.parse::<i32>() {
        Ok(year) if (1000..=9999).contains(&year) => Some(year),
        _ => {
            row.problem(column, format!("{text:?} is not a four-digit year"));
            None
        }
    }
}

fn ymd(row: &mut Row<'_>, year_column: &str, month_column: &str, day_column: &str) -> Option<Date> {
    let year = year(row, year_column)?;
    let (month, day) = (row.text(month_column), row.text(day_column));
    let date = month
        .parse::<u8>()
        .ok()
        .and_then(|month| Month::try_from(month).ok())
        .zip(day.parse::<u8>().ok())
        .and_then(|(month, day)| Date::from_calendar_date(year, month, day).ok());
    if date.is_none() {
        let message = format!("{year}-{month}-{day} is not a calendar date");
        row.problem(day_column, message);
    }
    date
}

/// `M/D/YYYY` as DECO writes dates, or any form [`parse_date`] reads.
fn us_or_iso_date(row: &mut Row<'_>, column: &str) -> Option<Date> {
    let text = row.text(column);
    let us = || {
        let mut parts = text.split('/');
        let (month, day, year) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let month = Month::try_from(month.parse::<u8>().ok()?).ok()?;
        Date::from_calendar_date(year.parse().ok()?, month, day.parse().ok()?).ok()
    };
    match us().or_else(|| parse_date(text)) {
        Some(date) => Some(date),
        None => {
            row.problem(
                column,
                format!("{text:?} is not a date (M/D/YYYY or YYYY-MM-DD)"),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monthly_counts_read_and_bad_rows_are_located() {
        let text = "Country,Event.month,Event.Type,Events,Deaths,deathsPerEvent\n\
                    Sudan,2023-04-01,Violence against civilians,120,540,4.5\n\
                    \"Bonaire, Saint Eustatius and Saba\",2023-05-01,Protests,2,0,0\n";
        let counts = parse_acled_monthly("a.csv", text.as_bytes()).unwrap();
        assert_eq!(counts.len(), 2);
        assert_eq!(counts[0].deaths, 540);
        assert_eq!(counts[1].country, "Bonaire, Saint Eustatius and Saba");

        let bad = "Country,Event.month,Event.Type,Events,Deaths\nSudan,April,Battles,x,1\n";
        let error = parse_acled_monthly("a.csv", bad.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("line 2") && error.contains("Event.month") && error.contains("Events"),
            "{error}"
        );
        let wrong = parse_acled_monthly("a.csv", b"id,date\n1,2\n")
            .unwrap_err()
            .to_string();
        assert!(wrong.contains("lacks required columns"), "{wrong}");
    }

    #[test]
    fn coups_electoral_violence_and_episodes_read() {
        let coups = "coup_id,cowcode,country,year,month,day,event_type,unrealized,realized\n\
                     \"77502012021\",775,\"Myanmar\",2021,2,1,\"coup\",0,1\n\
                     \"1\",439,\"Burkina Faso\",2022,9,31,\"coup\",0,1\n";
        let error = parse_coups("c.csv", coups.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("line 3") && error.contains("2022-9-31"),
            "{error}"
        );
        let good = parse_coups(
            "c.csv",
            coups
                .lines()
                .take(2)
                .collect::<Vec<_>>()
                .join("\n")
                .as_bytes(),
        )
        .unwrap();
        assert_eq!(good[0].kind, CoupKind::Realized);
        assert_eq!(good[0].date, time::macros::date!(2021 - 02 - 01));

        let deco = "id,country,country_id,date_start,best,electoral_vio,electoral_purpose\n\
                    1,Kenya,501,12/30/2007,3,1,influence\n\
                    2,Kenya,501,1/2/2008,5,0,NA\n";
        let events = parse_deco("d.csv", deco.as_bytes()).unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].date, time::macros::date!(2007 - 12 - 30));

        let episodes = "country,mk_event_name,startyear,endyear,mk_event_code\n\
                        Sudan,RSF vs non-Arab civilians,2023,,sdn2023ns1\n\
                        Syria,government vs opponents,1979,1985,syr1979s1\n";
        let episodes = parse_episodes("e.csv", episodes.as_bytes()).unwrap();
        assert_eq!(episodes[0].end_year, None);
        assert_eq!(episodes[1].end_year, Some(1985));

        let ongoing = "Country,COW Country Code,State-Led or Non-State-Led,Start Date,Start Year\n\
                       Syria,,State-Led,2011-03-15,2011\nSudan,,State-Led,July 2003,2003\n";
        let ongoing = parse_ongoing("o.csv", ongoing.as_bytes()).unwrap();
        assert_eq!(
            ongoing[0].start_date,
            Some(time::macros::date!(2011 - 03 - 15))
        );
        assert_eq!(ongoing[1].start_date, None);
    }
}
