//! Every parser of untrusted input answers arbitrary bytes with a value or an error, never a
//! panic. The unit tests of each module fuzz it alone; these run all of them on the same input,
//! including input shaped like each format.

use proptest::prelude::*;
use time::macros::datetime;
use tocsin_ingest::{
    detect_language, history, parse_acled, parse_any_webhook, parse_sms, parse_submission,
    parse_ucdp_ged, parse_webhook, GatewayKind,
};

fn every_parser(bytes: &[u8]) {
    let _ = parse_any_webhook(bytes);
    let _ = parse_webhook(GatewayKind::Twilio, bytes);
    let _ = parse_webhook(GatewayKind::SmsSync, bytes);
    let _ = parse_submission(bytes);
    let _ = parse_ucdp_ged("fuzz.csv", bytes);
    let _ = parse_acled("fuzz.csv", bytes);
    let _ = history::parse_acled_monthly("fuzz.csv", bytes);
    let _ = history::parse_coups("fuzz.csv", bytes);
    let _ = history::parse_deco("fuzz.csv", bytes);
    let _ = history::parse_episodes("fuzz.csv", bytes);
    let _ = history::parse_ongoing("fuzz.csv", bytes);
    let _ = tocsin_ingest::parse_borders("fuzz.json", bytes);
    let text = String::from_utf8_lossy(bytes);
    let _ = parse_sms(&text, datetime!(2024-05-01 06:00 UTC));
    let _ = detect_language(&text);
}

proptest! {
    #[test]
    fn arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..1024)) {
        every_parser(&bytes);
    }

    #[test]
    fn arbitrary_text(text in "\\PC{0,300}") {
        every_parser(text.as_bytes());
        let _ = parse_sms(&text, datetime!(2024-05-01 06:00 UTC));
    }

    #[test]
    fn topology_shaped_bytes(
        shapes in proptest::collection::vec(
            (
                "-?[0-9]{1,6}(\\.[0-9])?|\"x\"|null",
                "[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9-]{0,11}|\\u{e9}{0,3}",
                "[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9-]{0,11}",
                "\\[(\\[(-?[0-9]{1,20},?){0,4}\\],?){0,3}\\]|[0-9]|\"a\"",
            ),
            0..6,
        ),
    ) {
        let geometries: Vec<String> = shapes
            .iter()
            .map(|(gw, start, end, arcs)| format!(
                r#"{{"arcs":{arcs},"properties":{{"gwcode":{gw},"start":"{start}","end":"{end}"}}}}"#
            ))
            .collect();
        let text = format!(
            r#"{{"type":"Topology","objects":{{"c":{{"geometries":[{}]}}}}}}"#,
            geometries.join(",")
        );
        let _ = tocsin_ingest::parse_borders("fuzz.json", text.as_bytes());
    }

    #[test]
    fn form_shaped_bytes(text in "([A-Za-z_]{1,12}=[A-Za-z0-9%+:;,#]{0,20}&){0,10}") {
        every_parser(text.as_bytes());
    }

    #[test]
    fn csv_shaped_bytes(
        header in prop::sample::select(vec![
            "id,type_of_violence,side_a,side_b,source_article,source_headline,where_coordinates,adm_1,adm_2,latitude,longitude,country_id,date_start,date_end,best",
            "event_id_cnty,event_date,event_type,actor1,assoc_actor_1,actor2,assoc_actor_2,iso,admin1,admin2,location,latitude,longitude,source,notes,fatalities",
            "Country,Event.month,Event.Type,Events,Deaths",
            "coup_id,cowcode,country,year,month,day,event_type,realized",
            "id,country,country_id,date_start,best,electoral_vio",
            "country,mk_event_name,startyear,endyear,mk_event_code",
            "Country,Start Date,Start Year",
        ]),
        rows in proptest::collection::vec("([0-9.\\-:a-z\"]{0,12},){0,16}[0-9]{0,4}", 0..8),
    ) {
        let text = format!("{header}\n{}", rows.join("\n"));
        every_parser(text.as_bytes());
    }

    #[test]
    fn sms_at_any_receiving_time(
        text in "(S: x; )?W: (today|yesterday|now|23:59|1/1|31/12|2024-02-29|9999-12-31T23:59:59-12:00|0000-01-01T00:00:00\\+12:00)( 06:00)?",
        // The first and last seconds time supports, often, and anything between.
        seconds in prop_oneof![
            Just(-377_705_116_800i64),
            Just(253_402_300_799i64),
            -377_705_116_800i64..=253_402_300_799i64,
        ],
        offset_hours in -23i8..=23,
    ) {
        let offset = time::UtcOffset::from_hms(offset_hours, 0, 0).unwrap();
        let received = time::OffsetDateTime::from_unix_timestamp(seconds).unwrap();
        if let Some(received) = received.checked_to_offset(offset) {
            let _ = parse_sms(&text, received);
        }
    }

    #[test]
    fn sms_shaped_text(parts in proptest::collection::vec(
        "(TOC |P: |S: |W: |N: |lieu=|idadi |; |, |# |\n|today |hier |21h30 |6 pm |1/5 |2024-02-30 |٣٠|[a-zé]{1,6} )", 0..25))
    {
        let _ = parse_sms(&parts.concat(), datetime!(2024-05-01 06:00 +03:00));
    }
}
