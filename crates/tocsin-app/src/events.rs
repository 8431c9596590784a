//! Importing published event datasets (UCDP GED, ACLED) as reports.
//!
//! Each event becomes a report with the dataset as its channel, its point and country as its
//! place, its start date as the observation time and its facts (type, actors, fatalities,
//! whether civilians were targeted) as details. Events enter as `unverified` with credibility
//! 2 (probably true): they come from curated datasets, not from this team's verification.

use serde::Serialize;
use time::OffsetDateTime;
use tocsin_domain::{Channel, Credibility, Tlp};
use tocsin_ingest::{DatasetEvent, DatasetFile, DatasetStream, IngestError};
use tocsin_store::{DatasetFacts, NewReport, PlaceInput, Store, StoreError};

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventImport {
    pub dataset: String,
    pub file: String,
    pub sha256: String,
    /// Events in the file.
    pub rows: u64,
    /// Events that were not yet held.
    pub inserted: u64,
    /// Events already held from an earlier import.
    pub already_present: u64,
}

/// The facts of an event kept with its report as JSON. Fields are in alphabetical order, the
/// order the stored details have always had.
#[derive(Serialize)]
struct Details<'e> {
    actors: &'e [String],
    admin1: Option<&'e str>,
    admin2: Option<&'e str>,
    civilian_targeting: bool,
    dataset: &'e str,
    #[serde(serialize_with = "as_text")]
    date_end: time::Date,
    event_id: &'e str,
    event_type: &'e str,
    fatalities: Option<u32>,
    source: &'e str,
}

/// A date as `YYYY-MM-DD`, written straight into the JSON.
fn as_text<S: serde::Serializer>(date: &time::Date, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(date)
}

/// The details of `event` as JSON text, serialised from borrowed fields (a `json!` value would
/// allocate every key and value first, which was a large part of an import's time).
fn details_json(event: &DatasetEvent) -> String {
    let details = Details {
        actors: &event.actors,
        admin1: event.admin1.as_deref(),
        admin2: event.admin2.as_deref(),
        civilian_targeting: event.civilian_targeting,
        dataset: event.dataset,
        date_end: event.date_end,
        event_id: &event.event_id,
        event_type: &event.event_type,
        fatalities: event.fatalities,
        source: &event.source_ref,
    };
    let mut json = Vec::with_capacity(256 + event.source_ref.len());
    serde_json::to_writer(&mut json, &details).expect("details serialise to memory");
    String::from_utf8(json).expect("serde_json writes UTF-8")
}

/// The report `event` becomes.
fn event_report(event: &DatasetEvent) -> NewReport {
    NewReport {
        channel: Channel::DatasetImport,
        sender: None,
        text: event.text.clone(),
        place: PlaceInput {
            name: Some(event.place_name.clone()),
            point: event.point,
            situation: Some(event.situation.clone()),
            state: if event.point.is_some() {
                "resolved"
            } else {
                "unresolved"
            },
        },
        observed_at: Some(event.date_start.midnight().assume_utc()),
        language: None,
        credibility: Credibility::ProbablyTrue,
        // Published data: anyone may see it.
        tlp: Tlp::Clear,
        external_ref: Some(format!("{}:{}", event.dataset, event.event_id)),
        details_json: Some(details_json(event)),
    }
}

/// The reports the events of `file` become (what [`import_events`] stores).
pub fn event_reports(file: &DatasetFile) -> Vec<NewReport> {
    file.events.iter().map(event_report).collect()
}

/// Why an event dataset was not imported.
#[derive(Debug, thiserror::Error)]
pub enum EventImportError {
    /// The file has problems (each located by line and column): nothing was imported.
    #[error("{0}")]
    File(#[from] IngestError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Imports the events of a dataset file (`bytes`, named `file_name`) as reports, all or
/// nothing: `stream` (a `tocsin_ingest` parser, such as `stream_ucdp_ged`) reads the file on a
/// thread of its own while the events it has read are stored, and the import commits only
/// once the whole file has read without a problem. Events already held are left as they are.
pub async fn import_events(
    store: &Store,
    file_name: &str,
    bytes: &[u8],
    stream: DatasetStream,
    actor: &str,
    now: OffsetDateTime,
) -> Result<EventImport, EventImportError> {
    let (facts, inserted) = store
        .import_dataset_reports(file_name, actor, now, |emit| {
            let summary = stream(file_name, bytes, &mut |event| emit(event_report(&event)))?;
            Ok::<_, EventImportError>(DatasetFacts {
                dataset: summary.dataset.to_string(),
                sha256: summary.sha256,
                events: summary.events as u64,
            })
        })
        .await?;
    Ok(EventImport {
        dataset: facts.dataset,
        file: file_name.to_string(),
        sha256: facts.sha256,
        rows: facts.events,
        inserted,
        already_present: facts.events - inserted,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;
    use tocsin_domain::SituationId;

    fn event(admin2: Option<&str>, fatalities: Option<u32>) -> DatasetEvent {
        DatasetEvent {
            dataset: "ucdp-ged",
            event_id: "214797".to_string(),
            situation: SituationId::parse("SYR").unwrap(),
            place_name: "Teir Maaleh village".to_string(),
            admin1: Some("Homs Governorate".to_string()),
            admin2: admin2.map(str::to_string),
            point: Some((34.802462, 36.707602)),
            date_start: date!(2016 - 01 - 01),
            date_end: date!(2016 - 01 - 02),
            event_type: "state-based conflict".to_string(),
            actors: vec!["Government of Syria".into(), "Syrian \"insurgents\"".into()],
            fatalities,
            civilian_targeting: false,
            civilian_deaths: None,
            text: "14 shells hit Dahya al-Assad".to_string(),
            source_ref: "SOHR,2015-01-01,14 shells".to_string(),
        }
    }

    // The stored details keep the exact text they had when built as a `json!` value.
    #[test]
    fn details_are_the_json_they_always_were() {
        for event in [
            event(Some("Ar Rastan district"), Some(4)),
            event(None, None),
        ] {
            let expected = serde_json::json!({
                "dataset": event.dataset,
                "event_id": event.event_id,
                "event_type": event.event_type,
                "actors": event.actors,
                "fatalities": event.fatalities,
                "civilian_targeting": event.civilian_targeting,
                "date_end": event.date_end.to_string(),
                "admin1": event.admin1,
                "admin2": event.admin2,
                "source": event.source_ref,
            })
            .to_string();
            assert_eq!(details_json(&event), expected);
        }
    }
}
