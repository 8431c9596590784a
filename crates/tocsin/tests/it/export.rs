//! `tocsin reports export`: CSV, HXL (checked by libhxl's hxlvalidate) and GeoJSON, streamed
//! with no cap, cut by TLP.

use tocsin_domain::{Channel, Credibility, SituationId, Tlp};
use tocsin_store::{NewReport, PlaceInput, Store, Vault};

use crate::{json, run, test_data, Sandbox};

#[test]
fn exports_respect_tlp_and_validate() {
    let sandbox = Sandbox::create();
    let acled = test_data().join("events/acled_2022h1_sample9000.csv");
    assert_eq!(
        run(sandbox.tocsin().args(["import", "acled"]).arg(&acled)).0,
        0
    );
    // One field report for named recipients only.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let store = Store::open(&sandbox.sqlite_url()).await.unwrap();
        let vault = Vault::from_hex(&"33".repeat(32)).unwrap();
        let report = NewReport {
            channel: Channel::Api,
            sender: None,
            text: "names of the militia commanders at the camp".into(),
            place: PlaceInput {
                name: Some("Juba".into()),
                point: Some((4.85, 31.58)),
                situation: Some(SituationId::parse("SSD").unwrap()),
                state: "resolved",
            },
            observed_at: None,
            language: Some("en".into()),
            credibility: Credibility::PossiblyTrue,
            tlp: Tlp::Red,
            external_ref: None,
            details_json: None,
        };
        store
            .accept(&vault, None, report, time::OffsetDateTime::now_utc())
            .await
            .unwrap();
        store.close().await;
    });

    let export = |format: &str, clearance: &str| {
        let path = sandbox
            .dir
            .path()
            .join(format!("export-{format}-{clearance}"));
        let (code, stdout, stderr) = run(sandbox
            .tocsin()
            .args([
                "reports",
                "export",
                "--json",
                "--format",
                format,
                "--clearance",
                clearance,
                "-o",
            ])
            .arg(&path));
        assert_eq!(code, 0, "{stderr}");
        (json(&stdout)["reports"].as_u64().unwrap(), path)
    };

    let (public, csv_path) = export("csv", "TLP:CLEAR");
    assert_eq!(
        public, 9_000,
        "the TLP:RED report stays out of a public export"
    );
    let text = std::fs::read_to_string(&csv_path).unwrap();
    assert!(!text.contains("militia commanders"));
    let mut reader = csv::Reader::from_path(&csv_path).unwrap();
    assert_eq!(reader.records().count(), 9_000);

    // An imported event carries its dataset's facts: the first event of the file with more
    // than five dead is found by its ACLED id, with its type, fatalities and actors.
    let mut source = csv::Reader::from_path(&acled).unwrap();
    let header = source.headers().unwrap().clone();
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let deadly = source
        .records()
        .map(Result::unwrap)
        .find(|event| event[column("fatalities")].parse::<u32>().unwrap() > 5)
        .unwrap();
    let mut exported = csv::Reader::from_path(&csv_path).unwrap();
    let exported_header = exported.headers().unwrap().clone();
    let field = |record: &csv::StringRecord, name: &str| {
        let at = exported_header.iter().position(|h| h == name).unwrap();
        record[at].to_string()
    };
    let reference = format!("acled:{}", &deadly[column("event_id_cnty")]);
    let event = exported
        .records()
        .map(Result::unwrap)
        .find(|record| field(record, "reference") == reference)
        .unwrap_or_else(|| panic!("{reference} is not in the export"));
    assert_eq!(field(&event, "fatalities"), &deadly[column("fatalities")]);
    assert_eq!(field(&event, "event_type"), &deadly[column("event_type")]);
    assert!(
        field(&event, "actors").contains(&deadly[column("actor1")]),
        "{:?} lacks {}",
        field(&event, "actors"),
        &deadly[column("actor1")]
    );
    let (restricted, red_path) = export("csv", "TLP:RED");
    assert_eq!(restricted, 9_001);
    assert!(std::fs::read_to_string(red_path)
        .unwrap()
        .contains("militia commanders"));

    let (count, hxl_path) = export("hxl", "TLP:CLEAR");
    assert_eq!(count, 9_000);
    let validated = std::process::Command::new("hxlvalidate")
        .arg(&hxl_path)
        .output()
        .expect("hxlvalidate (pip install libhxl six) must be installed: scripts/test installs it");
    assert!(
        validated.status.success(),
        "hxlvalidate: {}{}",
        String::from_utf8_lossy(&validated.stdout),
        String::from_utf8_lossy(&validated.stderr)
    );
    let second_line = std::fs::read_to_string(&hxl_path)
        .unwrap()
        .lines()
        .nth(1)
        .unwrap()
        .to_string();
    assert!(
        second_line.starts_with("#event+id,#date+reported"),
        "{second_line}"
    );
    assert!(
        second_line.ends_with("#meta+ref,#event+type,#affected+killed,#group+name"),
        "{second_line}"
    );

    let (count, geojson_path) = export("geojson", "TLP:CLEAR");
    assert_eq!(count, 9_000);
    let collection: serde_json::Value =
        serde_json::from_slice(&std::fs::read(geojson_path).unwrap()).unwrap();
    assert_eq!(collection["type"], "FeatureCollection");
    let features = collection["features"].as_array().unwrap();
    assert_eq!(features.len(), 9_000);
    let first = &features[0];
    let coordinates = first["geometry"]["coordinates"].as_array().unwrap();
    // Longitude first, as RFC 7946 says.
    assert_eq!(
        coordinates[0].as_f64(),
        first["properties"]["longitude"].as_f64()
    );
    assert_eq!(first["properties"]["source"], serde_json::Value::Null);
    let deadly_feature = features
        .iter()
        .find(|feature| feature["properties"]["reference"] == reference.as_str())
        .unwrap();
    assert_eq!(
        deadly_feature["properties"]["fatalities"].to_string(),
        &deadly[column("fatalities")]
    );
}
