//! The real UCDP GED and ACLED files parse whole, with the counts their publishers give.

use std::collections::HashSet;
use std::time::Instant;

use time::macros::date;
use tocsin_ingest::{parse_acled, parse_ucdp_ged, DatasetEvent};

use crate::read_data;

const UCDP: &str = "events/ucdp_ged191_syria.csv";
const ACLED: &str = "events/acled_2022h1_sample9000.csv";

fn by_id<'a>(events: &'a [DatasetEvent], id: &str) -> &'a DatasetEvent {
    events
        .iter()
        .find(|event| event.event_id == id)
        .unwrap_or_else(|| panic!("no event {id}"))
}

#[test]
fn ucdp_ged_syria_gives_16566_events_in_syria_with_unique_ids() {
    let bytes = read_data(UCDP);
    let started = Instant::now();
    let file = parse_ucdp_ged(UCDP, &bytes).unwrap();
    // Printed for the record only; speed is measured by benchmarks, never asserted in tests.
    eprintln!(
        "UCDP GED: {} events in {:?}",
        file.events.len(),
        started.elapsed()
    );

    assert_eq!(file.dataset, "ucdp-ged");
    assert_eq!(file.sha256, tocsin_ingest::sha256_hex(&bytes));
    assert_eq!(file.events.len(), 16_566);
    assert!(file.events.iter().all(|e| e.situation.as_str() == "SYR"));
    let ids: HashSet<&str> = file.events.iter().map(|e| e.event_id.as_str()).collect();
    assert_eq!(ids.len(), 16_566);
    // UCDP's type 3, one-sided violence, is violence against civilians: 482 events in the file.
    assert_eq!(
        file.events.iter().filter(|e| e.civilian_targeting).count(),
        482
    );
    let deaths: u64 = file
        .events
        .iter()
        .filter_map(|e| e.fatalities)
        .map(u64::from)
        .sum();
    assert_eq!(deaths, 112_337);
    assert!(file
        .events
        .iter()
        .all(|e| e.point.is_some() && e.date_end >= e.date_start));

    let first = by_id(&file.events, "214797");
    assert_eq!(first.place_name, "Teir Maaleh village");
    assert_eq!(first.admin1.as_deref(), Some("Homs Governorate"));
    assert_eq!(first.admin2.as_deref(), Some("Ar Rastan district"));
    assert_eq!(first.point, Some((34.802462, 36.707602)));
    assert_eq!(first.date_start, date!(2016 - 01 - 01));
    assert_eq!(first.actors, ["Government of Syria", "Syrian insurgents"]);
    assert_eq!(first.fatalities, Some(4));
    assert_eq!(first.event_type, "state-based conflict");
    assert!(first.text.starts_with("14 shells hit Dahya al-Assad"));
    assert!(first.source_ref.starts_with("SOHR,2015-01-01,"));
}

#[test]
fn acled_sample_gives_9000_events_with_unique_ids_and_mapped_countries() {
    let bytes = read_data(ACLED);
    let started = Instant::now();
    let file = parse_acled(ACLED, &bytes).unwrap();
    eprintln!(
        "ACLED: {} events in {:?}",
        file.events.len(),
        started.elapsed()
    );

    assert_eq!(file.dataset, "acled");
    assert_eq!(file.events.len(), 9_000);
    let ids: HashSet<&str> = file.events.iter().map(|e| e.event_id.as_str()).collect();
    assert_eq!(ids.len(), 9_000);
    // ISO numeric codes become alpha-3 situations, including ACLED's 0 for Kosovo.
    for (id, situation) in [
        ("UGA7752", "UGA"),
        ("BOL3216", "BOL"),
        ("XKX567", "XKX"),
        ("MMR33330", "MMR"),
        ("SUD17393", "SDN"),
        ("SYR101631", "SYR"),
        ("PSE15049", "PSE"),
        ("GGY10", "GGY"),
    ] {
        assert_eq!(
            by_id(&file.events, id).situation.as_str(),
            situation,
            "{id}"
        );
    }
    let countries: HashSet<&str> = file.events.iter().map(|e| e.situation.as_str()).collect();
    assert_eq!(countries.len(), 169);
    // The sample's civilian_targeting column is empty; the 979 "Violence against civilians"
    // events are marked from their type.
    assert_eq!(
        file.events.iter().filter(|e| e.civilian_targeting).count(),
        979
    );
    let deaths: u64 = file
        .events
        .iter()
        .filter_map(|e| e.fatalities)
        .map(u64::from)
        .sum();
    assert_eq!(deaths, 4_568);

    let riot = by_id(&file.events, "UGA7752");
    assert_eq!(riot.date_start, date!(2022 - 02 - 23));
    assert_eq!(riot.date_end, riot.date_start);
    assert_eq!(riot.place_name, "Minakulu");
    assert_eq!(riot.admin1.as_deref(), Some("Northern"));
    assert_eq!(riot.point, Some((2.44, 32.3894)));
    assert_eq!(
        riot.actors,
        [
            "Rioters (Uganda)",
            "Vigilante Group (Uganda)",
            "Civilians (Uganda)"
        ]
    );
    assert_eq!(riot.fatalities, Some(1));
    assert!(riot.text.contains("suspected cattle thief"));
    assert_eq!(riot.source_ref, "URN (Uganda)");
}

#[test]
fn a_file_given_to_the_wrong_parser_is_refused_by_its_header() {
    let acled = read_data(ACLED);
    let error = parse_ucdp_ged(ACLED, &acled).unwrap_err().to_string();
    assert!(
        error.contains("line 1: the header lacks required columns id, type_of_violence"),
        "{error}"
    );
    let ucdp = read_data(UCDP);
    let error = parse_acled(UCDP, &ucdp).unwrap_err().to_string();
    assert!(error.contains("is this an ACLED event export"), "{error}");
}

#[test]
fn one_damaged_row_refuses_the_whole_file_and_names_the_line() {
    // A whole file is imported or none of it: a half-imported dataset would mislead analysts.
    // The file has CRLF line ends, after which the csv crate alone would say line 1.
    let text = String::from_utf8(read_data(ACLED)).unwrap();
    let damaged = text.replacen(",2022-02-23,", ",2022-02-30,", 1);
    let error = parse_acled("acled.csv", damaged.as_bytes())
        .unwrap_err()
        .to_string();
    assert_eq!(
        error,
        "acled.csv: line 2, column 2 (event_date): \"2022-02-30\" is not a date; write it as YYYY-MM-DD"
    );
}

#[test]
fn cshapes_gives_the_land_borders_history_knows() {
    let borders =
        tocsin_ingest::parse_borders("cshapes", &read_data("geo/cshapes_2_gw.topojson.xz"))
            .unwrap();
    let spans = |a: u16, b: u16| -> Vec<(i32, i32)> {
        borders
            .iter()
            .filter(|x| (x.a, x.b) == (a.min(b), a.max(b)))
            .map(|x| (x.from_year, x.to_year))
            .collect()
    };
    let holds = |a: u16, b: u16, year: i32| {
        spans(a, b)
            .iter()
            .any(|&(from, to)| from <= year && year <= to)
    };
    // United States (2) and Canada (20); France (220) and Spain (230).
    assert!(holds(2, 20, 1990) && holds(220, 230, 2019));
    // Sudan (625) and the Central African Republic (482); South Sudan (626) only from 2011.
    assert!(holds(482, 625, 2000));
    assert!(holds(626, 482, 2012) && !holds(626, 482, 2010));
    // The German Democratic Republic (265) bordered Poland (290) until unification; the
    // Federal Republic (260), which Gleditsch-Ward carry on as unified Germany, did after it.
    assert!(holds(265, 290, 1980) && !holds(265, 290, 1991));
    assert!(holds(260, 290, 1991) && !holds(260, 290, 1980));
    assert!(holds(220, 260, 1980) && holds(220, 260, 2000));
    // Islands and countries an ocean apart share no border.
    assert!(
        borders.iter().all(|x| x.a != 900 && x.b != 900),
        "Australia"
    );
    assert!(spans(2, 200).is_empty(), "United States and United Kingdom");
    assert!(borders
        .iter()
        .all(|x| x.a < x.b && x.from_year <= x.to_year));
}
