//! Importing published event datasets (UCDP GED, ACLED) as reports.
//!
//! Each event becomes a report with the dataset as its channel, its point and country as its
//! place, its start date as the observation time and its facts (type, actors, fatalities,
//! whether civilians were targeted) as details. Events enter as `unverified` with credibility
//! 2 (probably true): they come from curated datasets, not from this team's verification.

use serde::Serialize;
use serde_json::json;
use time::OffsetDateTime;
use tocsin_domain::{Channel, Credibility, Tlp};
use tocsin_ingest::DatasetFile;
use tocsin_store::{NewReport, PlaceInput, Store, StoreError};

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

/// The reports the events of `file` become (what [`import_events`] stores).
pub fn event_reports(file: &DatasetFile) -> Vec<NewReport> {
    file.events
        .iter()
        .map(|event| NewReport {
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
            details_json: Some(
                json!({
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
                .to_string(),
            ),
        })
        .collect()
}

/// Stores the events of `file` (read by a `tocsin_ingest` parser) as reports.
pub async fn import_events(
    store: &Store,
    file_name: &str,
    file: &DatasetFile,
    actor: &str,
    now: OffsetDateTime,
) -> Result<EventImport, StoreError> {
    let reports = event_reports(file);
    let inserted = store
        .import_dataset_reports(file.dataset, file_name, &file.sha256, &reports, actor, now)
        .await?;
    Ok(EventImport {
        dataset: file.dataset.to_string(),
        file: file_name.to_string(),
        sha256: file.sha256.clone(),
        rows: reports.len() as u64,
        inserted,
        already_present: reports.len() as u64 - inserted,
    })
}
