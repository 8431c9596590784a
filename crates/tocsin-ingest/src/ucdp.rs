//! The UCDP Georeferenced Event Dataset (GED): one row per event of organised violence with at
//! least one death, geocoded and dated, from the Uppsala Conflict Data Program.
//!
//! Read columns are those common to GED 19.1 onwards; `where_description`, added in later
//! editions, is used when present. Countries are Gleditsch–Ward codes (`country_id`).

use tocsin_domain::Countries;

use crate::dataset::{
    add_actor, read_events, stream_events, DatasetEvent, DatasetFile, DatasetSummary, Format, Row,
};
use crate::IngestError;

/// The dataset name events from this file carry.
pub const DATASET: &str = "ucdp-ged";

/// Columns every GED edition since 19.1 has and this parser reads.
pub const REQUIRED_COLUMNS: &[&str] = &[
    "id",
    "type_of_violence",
    "side_a",
    "side_b",
    "source_article",
    "source_headline",
    "where_coordinates",
    "adm_1",
    "adm_2",
    "latitude",
    "longitude",
    "country_id",
    "date_start",
    "date_end",
    "best",
];

const FORMAT: Format = Format {
    dataset: DATASET,
    description: "a UCDP GED event file (ged*.csv)",
    required_columns: REQUIRED_COLUMNS,
    id_column: "id",
};

/// Parses a GED CSV file. `file` names it in messages.
pub fn parse_ucdp_ged(file: &str, bytes: &[u8]) -> Result<DatasetFile, IngestError> {
    let countries = Countries::embedded();
    read_events(file, bytes, &FORMAT, |row| convert(row, countries))
}

/// Like [`parse_ucdp_ged`], handing each event to `emit` as soon as its row is read (see
/// [`crate::DatasetStream`]).
pub fn stream_ucdp_ged(
    file: &str,
    bytes: &[u8],
    emit: &mut dyn FnMut(DatasetEvent),
) -> Result<DatasetSummary, IngestError> {
    let countries = Countries::embedded();
    stream_events(file, bytes, &FORMAT, |row| convert(row, countries), emit)
}

/// What UCDP's `type_of_violence` codes mean.
fn violence_type(code: &str) -> Option<&'static str> {
    match code {
        "1" => Some("state-based conflict"),
        "2" => Some("non-state conflict"),
        "3" => Some("one-sided violence"),
        _ => None,
    }
}

fn convert(row: &mut Row<'_>, countries: &Countries) -> Option<DatasetEvent> {
    let event_id = row.required_text("id");
    if let Some(id) = &event_id {
        if !id.bytes().all(|b| b.is_ascii_digit()) {
            let message = format!("{id:?} is not a UCDP event id (a whole number)");
            row.problem("id", message);
        }
    }
    let type_code = row.text("type_of_violence");
    let event_type = violence_type(type_code);
    if event_type.is_none() {
        let message = format!(
            "{type_code:?} is not a type of violence; UCDP uses 1 (state-based), 2 (non-state) or 3 (one-sided)"
        );
        row.problem("type_of_violence", message);
    }
    let country_code = row.text("country_id");
    let country = country_code
        .parse::<u16>()
        .ok()
        .and_then(|gw| countries.by_gw(gw));
    if country.is_none() {
        let message = format!("{country_code:?} is not a known Gleditsch-Ward country code");
        row.problem("country_id", message);
    }
    let date_start = row.date("date_start");
    let date_end = row.date("date_end");
    if let (Some(start), Some(end)) = (date_start, date_end) {
        if end < start {
            let message = format!("the event ends ({end}) before it starts ({start})");
            row.problem("date_end", message);
        }
    }
    let point = row.point("latitude", "longitude");
    let fatalities = row.optional_count("best");
    let civilian_deaths = row.optional_count("deaths_civilians");

    let mut actors = Vec::new();
    add_actor(&mut actors, row.text("side_a"));
    add_actor(&mut actors, row.text("side_b"));

    // The headline says what happened; the place description, where the edition has one,
    // says where more precisely than the coordinates' name.
    let mut text = row.text("source_headline").to_string();
    if let Some(description) = row.optional_text("where_description") {
        if !text.is_empty() {
            text.push_str(" — ");
        }
        text.push_str(&description);
    }
    // GED wraps each article citation in an extra pair of quotes.
    let article = row.text("source_article").trim_matches('"').trim();
    let source_ref = if article.is_empty() {
        row.text("source_original").to_string()
    } else {
        article.to_string()
    };

    Some(DatasetEvent {
        dataset: DATASET,
        event_id: event_id?,
        situation: country?.situation_id(),
        place_name: row.text("where_coordinates").to_string(),
        admin1: row.optional_text("adm_1"),
        admin2: row.optional_text("adm_2"),
        point: point.ok()?,
        date_start: date_start?,
        date_end: date_end?,
        event_type: event_type?.to_string(),
        actors,
        fatalities: fatalities.ok()?,
        civilian_targeting: type_code == "3",
        civilian_deaths: civilian_deaths.ok()?,
        text,
        source_ref,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const HEADER: &str = "id,year,type_of_violence,side_a,side_b,source_article,source_original,source_headline,where_coordinates,adm_1,adm_2,latitude,longitude,country,country_id,date_start,date_end,best";

    fn file(rows: &[&str]) -> Vec<u8> {
        let mut text = HEADER.to_string();
        for row in rows {
            text.push('\n');
            text.push_str(row);
        }
        text.push('\n');
        text.into_bytes()
    }

    const ROW: &str = r#"214797,2016,1,Government of Syria,Syrian insurgents,"""SOHR,2015-01-01,14 shells""",SOHR,14 shells hit Dahya al-Assad,Teir Maaleh village,Homs Governorate,Ar Rastan district,34.802462,36.707602,Syria,652,2016-01-01,2016-01-02,4"#;

    #[test]
    fn reads_an_event_with_its_country_place_and_actors() {
        let parsed = parse_ucdp_ged("ged.csv", &file(&[ROW])).unwrap();
        assert_eq!(parsed.dataset, "ucdp-ged");
        assert_eq!(parsed.sha256.len(), 64);
        let event = &parsed.events[0];
        assert_eq!(event.event_id, "214797");
        assert_eq!(event.situation.as_str(), "SYR");
        assert_eq!(event.place_name, "Teir Maaleh village");
        assert_eq!(event.admin1.as_deref(), Some("Homs Governorate"));
        assert_eq!(event.point, Some((34.802462, 36.707602)));
        assert_eq!(event.date_start, date!(2016 - 01 - 01));
        assert_eq!(event.date_end, date!(2016 - 01 - 02));
        assert_eq!(event.event_type, "state-based conflict");
        assert_eq!(event.actors, ["Government of Syria", "Syrian insurgents"]);
        assert_eq!(event.fatalities, Some(4));
        assert!(!event.civilian_targeting);
        assert_eq!(event.text, "14 shells hit Dahya al-Assad");
        assert_eq!(event.source_ref, "SOHR,2015-01-01,14 shells");
    }

    #[test]
    fn one_sided_violence_targets_civilians() {
        let row = ROW.replacen("214797,2016,1,", "214798,2016,3,", 1);
        let parsed = parse_ucdp_ged("ged.csv", &file(&[&row])).unwrap();
        assert!(parsed.events[0].civilian_targeting);
        assert_eq!(parsed.events[0].event_type, "one-sided violence");
    }

    #[test]
    fn bad_fields_are_located_and_the_file_refused() {
        let bad = ROW
            .replacen("214797,2016,1,", "214798,2016,7,", 1)
            .replace(",652,", ",999,")
            .replace("34.802462", "134.8")
            .replace(",4", ",four");
        let error = parse_ucdp_ged("ged.csv", &file(&[ROW, &bad]))
            .unwrap_err()
            .to_string();
        assert!(error.starts_with("ged.csv: 4 problems"), "{error}");
        assert!(
            error.contains("line 3, column 3 (type_of_violence)"),
            "{error}"
        );
        assert!(error.contains("line 3, column 15 (country_id)"), "{error}");
        assert!(error.contains("line 3, column 12 (latitude)"), "{error}");
        assert!(
            error.contains("line 3, column 18 (best): \"four\""),
            "{error}"
        );
    }

    #[test]
    fn repeated_ids_and_reversed_dates_are_refused() {
        let reversed = ROW
            .replacen("214797", "214799", 1)
            .replace("2016-01-01,2016-01-02", "2016-01-03,2016-01-02");
        let error = parse_ucdp_ged("ged.csv", &file(&[ROW, ROW, &reversed]))
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("line 3, column 1 (id): event id 214797 appears a second time"),
            "{error}"
        );
        assert!(error.contains("line 4, column 17 (date_end)"), "{error}");
    }

    #[test]
    fn a_file_that_is_not_ged_says_so() {
        let error = parse_ucdp_ged("x.csv", b"a,b\n1,2\n")
            .unwrap_err()
            .to_string();
        assert!(error.contains("is this a UCDP GED event file"), "{error}");
    }

    proptest::proptest! {
        // Untrusted bytes never panic the parser; they either parse or get a located error.
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..2048)) {
            let _ = parse_ucdp_ged("fuzz.csv", &bytes);
        }

        #[test]
        fn damaged_valid_files_never_panic(cut in 0usize..700, flip in 0usize..700, byte in proptest::prelude::any::<u8>()) {
            let mut bytes = file(&[ROW, &ROW.replacen("214797", "214798", 1)]);
            if flip < bytes.len() { bytes[flip] = byte; }
            bytes.truncate(cut.min(bytes.len()));
            let _ = parse_ucdp_ged("fuzz.csv", &bytes);
        }
    }
}
