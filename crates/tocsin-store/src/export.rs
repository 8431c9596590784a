//! Reading reports out for export, a row at a time, with no cap on their number: rows are
//! streamed from the database to the caller's writer, so memory stays flat however many
//! there are. Only reports whose TLP marking allows the audience's clearance are read.

use futures_util::TryStreamExt;
use serde::Serialize;
use sqlx::Row;
use tocsin_domain::Tlp;

use crate::{Store, StoreError};

/// One report as exports show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExportRow {
    pub id: i64,
    pub received_at: String,
    pub observed_at: Option<String>,
    pub situation: Option<String>,
    pub place_name: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub place_state: String,
    pub text: String,
    pub language: Option<String>,
    pub credibility: i64,
    pub tlp: String,
    pub verification: String,
    pub channel: String,
    /// The source's pseudonym; left out of exports for TLP:GREEN and TLP:CLEAR audiences,
    /// where linking reports by sender could help identify the sender.
    pub source: Option<String>,
    /// The record this report is in the system it came from: `dataset:event-id` for an
    /// imported event (`acled:SDN12345`), `api:ID` for a partner system's report. A partner's
    /// id is shown only where the source is.
    pub reference: Option<String>,
    /// An imported event's type as its dataset names it ("Battles", "one-sided violence").
    pub event_type: Option<String>,
    /// An imported event's fatalities, as its dataset estimates them.
    pub fatalities: Option<i64>,
    /// An imported event's actors, as its dataset names them, separated by "; ".
    pub actors: Option<String>,
}

/// The facts of an imported event kept with its report (the `details_json` column; see
/// `tocsin_app::events`); the keys read here are the ones exports show.
#[derive(serde::Deserialize)]
struct EventFacts {
    event_type: Option<String>,
    fatalities: Option<i64>,
    #[serde(default)]
    actors: Vec<String>,
}

impl Store {
    /// Calls `each` for every report an audience cleared for `clearance` may see, oldest first.
    /// Stops at the first error `each` returns.
    pub async fn export_reports<E>(
        &self,
        clearance: Tlp,
        mut each: impl FnMut(ExportRow) -> Result<(), E>,
    ) -> Result<u64, ExportError<E>> {
        let show_source = clearance <= Tlp::Amber;
        let list = crate::reports::allowed_markings(clearance);
        let sql = format!(
            "SELECT id, received_at, observed_at, situation_id, place_name, latitude, longitude, place_state, \
             text, language, credibility, tlp, verification, channel, source_id, external_ref, \
             details_json FROM reports WHERE tlp IN ({list}) ORDER BY id"
        );
        let mut rows = sqlx::query(&sql).fetch(&self.pool);
        let mut count = 0;
        while let Some(row) = rows
            .try_next()
            .await
            .map_err(|e| ExportError::Store(e.into()))?
        {
            let export_row =
                export_row(&row, show_source).map_err(|e| ExportError::Store(e.into()))?;
            each(export_row).map_err(ExportError::Sink)?;
            count += 1;
        }
        Ok(count)
    }
}

/// A failure reading (`Store`) or writing (`Sink`) an export.
#[derive(Debug, thiserror::Error)]
pub enum ExportError<E> {
    #[error(transparent)]
    Store(StoreError),
    #[error("writing the export failed: {0}")]
    Sink(E),
}

/// Reads an [`ExportRow`] from a row with the export columns; the source's pseudonym (and a
/// partner system's id for the report) only for audiences cleared for TLP:AMBER or narrower,
/// where linking reports by sender is safe.
pub(crate) fn export_row(
    row: &sqlx::any::AnyRow,
    show_source: bool,
) -> Result<ExportRow, sqlx::Error> {
    let channel: String = row.try_get("channel")?;
    let details: Option<String> = row.try_get("details_json")?;
    let facts = details
        .as_deref()
        .map(serde_json::from_str::<EventFacts>)
        .transpose()
        .map_err(|error| sqlx::Error::Decode(Box::new(error)))?;
    let reference: Option<String> = row.try_get("external_ref")?;
    let published = channel == crate::intake::channel_name(tocsin_domain::Channel::DatasetImport);
    Ok(ExportRow {
        id: row.try_get("id")?,
        received_at: row.try_get("received_at")?,
        observed_at: row.try_get("observed_at")?,
        situation: row.try_get("situation_id")?,
        place_name: row.try_get("place_name")?,
        latitude: row.try_get("latitude")?,
        longitude: row.try_get("longitude")?,
        place_state: row.try_get("place_state")?,
        text: row.try_get("text")?,
        language: row.try_get("language")?,
        credibility: row.try_get("credibility")?,
        tlp: row.try_get("tlp")?,
        verification: row.try_get("verification")?,
        channel,
        source: if show_source {
            row.try_get("source_id")?
        } else {
            None
        },
        reference: reference.filter(|_| published || show_source),
        event_type: facts.as_ref().and_then(|f| f.event_type.clone()),
        fatalities: facts.as_ref().and_then(|f| f.fatalities),
        actors: facts
            .map(|f| f.actors.join("; "))
            .filter(|actors| !actors.is_empty()),
    })
}
