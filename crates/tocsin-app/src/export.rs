//! Report exports in the formats partners exchange: plain CSV, HXL-tagged CSV (the
//! Humanitarian Exchange Language: a second header row of hashtags) and GeoJSON (RFC 7946).
//! Rows stream from the store to the writer; TLP decides what an audience may receive.

use std::io::Write;
use std::str::FromStr;

use serde_json::json;
use tocsin_domain::Tlp;
use tocsin_store::{ExportError, ExportRow, Store};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Hxl,
    GeoJson,
}

impl FromStr for ExportFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "csv" => Ok(ExportFormat::Csv),
            "hxl" => Ok(ExportFormat::Hxl),
            "geojson" => Ok(ExportFormat::GeoJson),
            other => Err(format!(
                "unknown export format {other:?}: use csv, hxl or geojson"
            )),
        }
    }
}

/// Column names and their HXL hashtags.
const COLUMNS: [(&str, &str); 19] = [
    ("id", "#event+id"),
    ("received_at", "#date+reported"),
    ("observed_at", "#date+occurred"),
    ("situation", "#country+code"),
    ("place_name", "#loc+name"),
    ("latitude", "#geo+lat"),
    ("longitude", "#geo+lon"),
    ("place_state", "#status+place"),
    ("text", "#description"),
    ("language", "#meta+lang"),
    ("credibility", "#meta+credibility"),
    ("tlp", "#meta+tlp"),
    ("verification", "#status+verification"),
    ("channel", "#meta+channel"),
    ("source", "#meta+source"),
    ("reference", "#meta+ref"),
    ("event_type", "#event+type"),
    ("fatalities", "#affected+killed"),
    ("actors", "#group+name"),
];

fn fields(row: &ExportRow) -> [String; 19] {
    let opt = |value: &Option<String>| value.clone().unwrap_or_default();
    let num = |value: Option<f64>| value.map(|v| v.to_string()).unwrap_or_default();
    [
        row.id.to_string(),
        row.received_at.clone(),
        opt(&row.observed_at),
        opt(&row.situation),
        opt(&row.place_name),
        num(row.latitude),
        num(row.longitude),
        row.place_state.clone(),
        row.text.clone(),
        opt(&row.language),
        row.credibility.to_string(),
        row.tlp.clone(),
        row.verification.clone(),
        row.channel.clone(),
        opt(&row.source),
        opt(&row.reference),
        opt(&row.event_type),
        row.fatalities.map(|n| n.to_string()).unwrap_or_default(),
        opt(&row.actors),
    ]
}

/// Writes every report an audience cleared for `clearance` may see; returns how many.
pub async fn export_reports<W: Write>(
    store: &Store,
    clearance: Tlp,
    format: ExportFormat,
    writer: W,
) -> Result<u64, Box<dyn std::error::Error + Send + Sync>> {
    match format {
        ExportFormat::Csv | ExportFormat::Hxl => {
            let mut csv = csv::Writer::from_writer(writer);
            csv.write_record(COLUMNS.iter().map(|(name, _)| *name))?;
            if format == ExportFormat::Hxl {
                csv.write_record(COLUMNS.iter().map(|(_, tag)| *tag))?;
            }
            let count = store
                .export_reports(clearance, |row| csv.write_record(fields(&row)))
                .await
                .map_err(boxed)?;
            csv.flush()?;
            Ok(count)
        }
        ExportFormat::GeoJson => {
            let mut writer = std::io::BufWriter::new(writer);
            writer.write_all(br#"{"type":"FeatureCollection","features":["#)?;
            let mut first = true;
            let count = store
                .export_reports(clearance, |row| {
                    let geometry = match (row.latitude, row.longitude) {
                        // GeoJSON orders coordinates longitude first.
                        (Some(lat), Some(lon)) => json!({ "type": "Point", "coordinates": [lon, lat] }),
                        _ => serde_json::Value::Null,
                    };
                    let feature = json!({ "type": "Feature", "id": row.id, "geometry": geometry, "properties": row });
                    if !first {
                        writer.write_all(b",")?;
                    }
                    first = false;
                    serde_json::to_writer(&mut writer, &feature).map_err(std::io::Error::from)
                })
                .await
                .map_err(boxed)?;
            writer.write_all(b"]}\n")?;
            writer.flush()?;
            Ok(count)
        }
    }
}

fn boxed<E: std::error::Error + Send + Sync + 'static>(
    error: ExportError<E>,
) -> Box<dyn std::error::Error + Send + Sync> {
    match error {
        ExportError::Store(error) => Box::new(error),
        ExportError::Sink(error) => Box::new(error),
    }
}
