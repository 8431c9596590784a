//! `tocsin import ewp`: the real file, idempotence, both databases, malformed files.

use std::collections::BTreeMap;

use tocsin_store::Store;

use crate::{ewp_file, fresh_postgres_database, json, run, Sandbox};

#[test]
fn the_ewp_file_loads_every_country_year_and_importing_again_changes_nothing() {
    let sandbox = Sandbox::create();
    let file = ewp_file();
    let (code, stdout, stderr) = run(sandbox
        .tocsin()
        .args(["import", "ewp"])
        .arg(&file)
        .arg("--json"));
    assert_eq!(code, 0, "{stderr}");
    let first = json(&stdout);
    assert_eq!(first["rows"], 9463);
    assert_eq!(first["countries"], 173);
    assert_eq!(first["last_year"], 2024);
    assert_eq!(first["countries_in_last_year"], 168);

    let (code, stdout, stderr) = run(sandbox
        .tocsin()
        .args(["import", "ewp"])
        .arg(&file)
        .arg("--json"));
    assert_eq!(code, 0, "{stderr}");
    let second = json(&stdout);
    assert_eq!(second["rows"], 9463);
    assert_eq!(second["same_as_before"], true);

    let (code, stdout, _) = run(sandbox.tocsin().args(["situations", "list", "--json"]));
    assert_eq!(code, 0);
    let situations = json(&stdout)["situations"].as_array().unwrap().clone();
    assert_eq!(situations.len(), 173);
    let with_2024 = situations
        .iter()
        .filter(|s| s["latest_data_year"] == 2024)
        .count();
    assert_eq!(with_2024, 168);
    let myanmar = situations.iter().find(|s| s["id"] == "MMR").unwrap();
    assert_eq!(myanmar["gw_code"], 775);

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let rows = runtime.block_on(async {
        let store = Store::open(&sandbox.sqlite_url()).await.unwrap();
        store.country_year_summary("ewp").await.unwrap()
    });
    assert_eq!(rows.rows, 9463, "a second import must not add rows");
}

#[test]
fn sqlite_and_postgres_hold_identical_counts_and_values() {
    let sandbox = Sandbox::create();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let postgres_url = runtime.block_on(fresh_postgres_database("ewp"));
    let mut outputs = Vec::new();
    for url in [sandbox.sqlite_url(), postgres_url.clone()] {
        let (code, stdout, stderr) = run(sandbox
            .tocsin()
            .arg("--database")
            .arg(&url)
            .args(["import", "ewp"])
            .arg(ewp_file())
            .arg("--json"));
        assert_eq!(code, 0, "{url}: {stderr}");
        outputs.push(json(&stdout));
    }
    assert_eq!(outputs[0]["rows"], outputs[1]["rows"]);
    assert_eq!(outputs[0]["countries"], outputs[1]["countries"]);

    let (sqlite_rows, postgres_rows) = runtime.block_on(async {
        let sqlite = Store::open(&sandbox.sqlite_url()).await.unwrap();
        let postgres = Store::open(&postgres_url).await.unwrap();
        (
            sqlite.country_years("ewp").await.unwrap(),
            postgres.country_years("ewp").await.unwrap(),
        )
    });
    assert_eq!(sqlite_rows.len(), 9463);
    assert_eq!(sqlite_rows.len(), postgres_rows.len());
    let by_key = |rows: &[tocsin_domain::CountryYear]| -> BTreeMap<(String, i32), tocsin_domain::CountryYear> {
        rows.iter().map(|r| ((r.situation.to_string(), r.year), r.clone())).collect()
    };
    let (sqlite_rows, postgres_rows) = (by_key(&sqlite_rows), by_key(&postgres_rows));
    for (key, row) in &sqlite_rows {
        // Every value, missing ones included, is bit-for-bit the same.
        assert_eq!(Some(row), postgres_rows.get(key), "{key:?} differs");
    }
}

/// Writes a damaged copy of the real file and checks it is refused with a located message,
/// exit code 2, and that the database still holds exactly what it held before.
fn refused(damage: impl FnOnce(String) -> String, expected: &[&str]) {
    let sandbox = Sandbox::create();
    let good = std::fs::read_to_string(ewp_file()).unwrap();
    let bad_path = sandbox.dir.path().join("damaged.csv");
    std::fs::write(&bad_path, damage(good.clone())).unwrap();

    // An earlier, small edition is in place.
    let small_path = sandbox.dir.path().join("small.csv");
    let small: String = good.lines().take(101).map(|l| format!("{l}\n")).collect();
    std::fs::write(&small_path, small).unwrap();
    let (code, _, stderr) = run(sandbox.tocsin().args(["import", "ewp"]).arg(&small_path));
    assert_eq!(code, 0, "{stderr}");

    let (code, stdout, stderr) = run(sandbox.tocsin().args(["import", "ewp"]).arg(&bad_path));
    assert_eq!(code, 2, "stdout: {stdout}\nstderr: {stderr}");
    assert!(
        stderr.contains(&bad_path.display().to_string()),
        "the file is named: {stderr}"
    );
    for text in expected {
        assert!(stderr.contains(text), "expected {text:?} in: {stderr}");
    }
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let summary = runtime.block_on(async {
        let store = Store::open(&sandbox.sqlite_url()).await.unwrap();
        store.country_year_summary("ewp").await.unwrap()
    });
    assert_eq!(
        summary.rows, 100,
        "nothing of the damaged file may be imported"
    );
}

#[test]
fn a_missing_column_is_refused() {
    refused(
        |text| text.replacen("gdppcgrowth", "gdp_growth", 1),
        &["line 1:", "gdppcgrowth"],
    );
}

#[test]
fn a_non_number_is_refused_with_line_and_column() {
    refused(
        |text| {
            let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
            // Line 500 of the file (index 499): the 13th field, pol_killing_approved.
            let mut fields: Vec<String> = lines[499].split(',').map(str::to_string).collect();
            fields[12] = "n/a?".to_string();
            lines[499] = fields.join(",");
            lines.join("\n") + "\n"
        },
        &[
            "line 500, column 13 (pol_killing_approved)",
            "\"n/a?\" is not a number",
        ],
    );
}

#[test]
fn a_truncated_line_is_refused() {
    refused(
        |text| {
            let cut = text.trim_end().rfind(',').unwrap();
            text[..cut - 40].to_string()
        },
        &["line 9464: expected 45 fields"],
    );
}

#[test]
fn event_datasets_import_every_event_once() {
    let sandbox = Sandbox::create();
    let cases = [
        ("ucdp-ged", "events/ucdp_ged191_syria.csv", 16_566),
        ("acled", "events/acled_2022h1_sample9000.csv", 9_000),
    ];
    for (command, file, rows) in cases {
        let path = crate::test_data().join(file);
        let (code, stdout, stderr) = run(sandbox
            .tocsin()
            .args(["import", command])
            .arg(&path)
            .arg("--json"));
        assert_eq!(code, 0, "{stderr}");
        let first = json(&stdout);
        assert_eq!(
            (first["rows"].as_u64(), first["inserted"].as_u64()),
            (Some(rows), Some(rows)),
            "{first}"
        );
        let (code, stdout, _) = run(sandbox
            .tocsin()
            .args(["import", command])
            .arg(&path)
            .arg("--json"));
        assert_eq!(code, 0);
        let again = json(&stdout);
        assert_eq!(
            (
                again["inserted"].as_u64(),
                again["already_present"].as_u64()
            ),
            (Some(0), Some(rows))
        );
    }
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let reports = runtime.block_on(async {
        use sqlx::Row;
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&sandbox.sqlite_url()).await.unwrap();
        sqlx::query("SELECT COUNT(*) FROM reports")
            .fetch_one(&pool)
            .await
            .unwrap()
            .try_get::<i64, _>(0)
            .unwrap()
    });
    assert_eq!(reports, 16_566 + 9_000);
}

// Events are stored while the rest of the file is still being read: a problem near the end of
// the file, found after thousands of events were stored, still leaves nothing imported.
#[test]
fn an_event_file_damaged_near_its_end_imports_nothing() {
    let sandbox = Sandbox::create();
    let good =
        std::fs::read_to_string(crate::test_data().join("events/ucdp_ged191_syria.csv")).unwrap();
    let cut = good.trim_end().rfind(',').unwrap();
    let bad_path = sandbox.dir.path().join("damaged-ged.csv");
    std::fs::write(&bad_path, &good[..cut - 40]).unwrap();
    let (code, stdout, stderr) = run(sandbox
        .tocsin()
        .args(["import", "ucdp-ged"])
        .arg(&bad_path)
        .arg("--json"));
    assert_eq!(code, 2, "stdout: {stdout}\nstderr: {stderr}");
    assert!(stderr.contains("expected 41 fields"), "{stderr}");
    assert!(stderr.contains("nothing was imported"), "{stderr}");

    let export = sandbox.dir.path().join("after.csv");
    let (code, stdout, stderr) = run(sandbox
        .tocsin()
        .args(["reports", "export", "--json", "--format", "csv", "-o"])
        .arg(&export));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        json(&stdout)["reports"],
        0,
        "no event of the damaged file is kept"
    );

    // The good file still imports whole afterwards.
    let good_path = crate::test_data().join("events/ucdp_ged191_syria.csv");
    let (code, stdout, stderr) = run(sandbox
        .tocsin()
        .args(["import", "ucdp-ged"])
        .arg(&good_path)
        .arg("--json"));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(json(&stdout)["inserted"], 16_566);
}
