//! The in-process half of `bench/intake/run.sh`: the plain-SQLite baselines that Tocsin's
//! intake is measured against, the timing of dataset imports through Tocsin's own import path,
//! and the count that checks the HTTP run lost nothing.
//!
//! Usage:
//!   intake_bench reports DIR ROWS         plain batched insert of ROWS report rows shaped like
//!                                         the HTTP benchmark's (see `bench/intake/post.lua`)
//!   intake_bench import DATASET FILE DIR  DATASET is ucdp-ged or acled: Tocsin's import path
//!                                         against a plain batched insert of the same rows, and
//!                                         SQLite's own floor for storing them (`sqlite_floor`)
//!   intake_bench count DATABASE           reports, accepted payloads, audit chain of a database
//!
//! Every result is one JSON object on stdout. The baseline is what a careful programmer would
//! write without Tocsin: one prepared single-row INSERT, 1,000 rows per transaction, on a table
//! with the same columns and indexes as Tocsin's `reports`, with the durability settings Tocsin
//! uses (WAL journal, `synchronous = FULL`: every commit is on disk before it returns).

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context};
use serde_json::json;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{Connection, SqliteConnection};
use tocsin_store::{NewReport, Store};

/// The allocator the `tocsin` binary uses, so the import is timed as `tocsin import` runs it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Rows per transaction in the baseline.
const BATCH: usize = 1_000;

/// Tocsin's `reports` table, as its SQLite migrations create it (less the foreign keys, which
/// point at tables the baseline does not have), with all its indexes.
const REPORTS_TABLE: &str = "CREATE TABLE reports (
    id INTEGER PRIMARY KEY, source_id TEXT, channel TEXT NOT NULL, text TEXT NOT NULL,
    place_name TEXT, latitude REAL, longitude REAL, situation_id TEXT, place_state TEXT NOT NULL,
    observed_at TEXT, received_at TEXT NOT NULL, language TEXT,
    credibility INTEGER NOT NULL DEFAULT 6, tlp TEXT NOT NULL DEFAULT 'TLP:AMBER',
    verification TEXT NOT NULL DEFAULT 'triage', fingerprint TEXT UNIQUE, external_ref TEXT UNIQUE,
    details_json TEXT);
CREATE INDEX reports_situation ON reports (situation_id);
CREATE INDEX reports_verification ON reports (verification);
CREATE INDEX reports_map ON reports (situation_id, longitude, latitude, tlp, verification);";

/// One row of the baseline, with every value computed before the clock starts.
struct Row {
    channel: &'static str,
    text: String,
    place_name: Option<String>,
    latitude: Option<f64>,
    longitude: Option<f64>,
    situation_id: Option<String>,
    place_state: &'static str,
    observed_at: Option<String>,
    language: Option<&'static str>,
    credibility: i64,
    tlp: &'static str,
    verification: &'static str,
    fingerprint: Option<String>,
    external_ref: Option<String>,
    details_json: Option<String>,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["reports", dir, rows] => {
            let rows: usize = rows.parse().context("ROWS must be a whole number")?;
            api_baseline(Path::new(dir), rows).await?
        }
        ["import", dataset, file, dir] => import(dataset, Path::new(file), Path::new(dir)).await?,
        ["count", database] => count(database).await?,
        _ => bail!("usage: intake_bench reports DIR ROWS | import ucdp-ged|acled FILE DIR | count DATABASE"),
    };
    println!("{result}");
    Ok(())
}

/// The rows the HTTP benchmark's bodies become: the same text, point and defaults.
async fn api_baseline(dir: &Path, count: usize) -> anyhow::Result<serde_json::Value> {
    let rows: Vec<Row> = (0..count)
        .map(|n| {
            // The text of `bench/intake/post.lua`'s n-th body of thread 1.
            let text = format!(
                "bench 1-{n} run 0: armed men at the checkpoint on the north road, families leaving"
            );
            Row {
                channel: "api",
                fingerprint: Some(format!("{:064x}", n)),
                text,
                place_name: None,
                latitude: Some(36.2),
                longitude: Some(37.15),
                situation_id: None,
                place_state: "unresolved",
                observed_at: None,
                language: Some("en"),
                credibility: 6,
                tlp: "TLP:AMBER",
                verification: "triage",
                external_ref: None,
                details_json: None,
            }
        })
        .collect();
    let seconds = plain_insert(&dir.join("baseline-api.db"), &rows).await?;
    Ok(json!({
        "what": "plain batched SQLite insert of the HTTP benchmark's report rows",
        "rows": rows.len(),
        "seconds": seconds,
        "rows_per_second": rows.len() as f64 / seconds,
    }))
}

fn row_of(report: &NewReport) -> Row {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
    );
    Row {
        channel: "dataset",
        text: report.text.clone(),
        place_name: report.place.name.clone(),
        latitude: report.place.point.map(|p| p.0),
        longitude: report.place.point.map(|p| p.1),
        situation_id: report
            .place
            .situation
            .as_ref()
            .map(|s| s.as_str().to_string()),
        place_state: report.place.state,
        observed_at: report
            .observed_at
            .map(|at| at.format(&format).expect("UTC times format")),
        language: None,
        credibility: i64::from(report.credibility.number()),
        tlp: report.tlp.as_str(),
        verification: "unverified",
        fingerprint: None,
        external_ref: report.external_ref.clone(),
        details_json: report.details_json.clone(),
    }
}

/// Tocsin's import (parse, then store, in process) against the plain insert of the same rows.
async fn import(dataset: &str, file: &Path, dir: &Path) -> anyhow::Result<serde_json::Value> {
    let (parse, stream): (Parser, tocsin_ingest::DatasetStream) = match dataset {
        "ucdp-ged" => (
            tocsin_ingest::parse_ucdp_ged,
            tocsin_ingest::stream_ucdp_ged,
        ),
        "acled" => (tocsin_ingest::parse_acled, tocsin_ingest::stream_acled),
        other => bail!("unknown dataset {other:?}: ucdp-ged or acled"),
    };
    let name = file.display().to_string();
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {name}"))?;
    // The baseline's rows: what the import makes of the file, parsed before any clock starts.
    let rows: Vec<Row> = tocsin_app::event_reports(&parse(&name, &bytes)?)
        .iter()
        .map(row_of)
        .collect();
    // Three runs on fresh databases; the median is reported.
    let mut runs = Vec::new();
    let mut floors = Vec::new();
    for run in 0..3 {
        let database = dir.join(format!("tocsin-{dataset}-{run}.db"));
        let started = Instant::now();
        let store = Store::open(&format!("sqlite://{}", database.display())).await?;
        let open_seconds = started.elapsed().as_secs_f64();
        // Reading the file and storing its events overlap: one figure for both.
        let started = Instant::now();
        let outcome = tocsin_app::import_events(
            &store,
            &name,
            &bytes,
            stream,
            "bench",
            time::OffsetDateTime::now_utc(),
        )
        .await?;
        let import_seconds = started.elapsed().as_secs_f64();
        // Closing copies the log into the database file (the import leaves that to the next
        // checkpoint): timed apart, not counted in the import's rate.
        let started = Instant::now();
        store.close().await;
        let close_seconds = started.elapsed().as_secs_f64();
        let baseline_seconds =
            plain_insert(&dir.join(format!("baseline-{dataset}-{run}.db")), &rows).await?;
        floors.push(sqlite_floor(&database, &dir.join(format!("floor-{dataset}-{run}.db"))).await?);
        runs.push((
            import_seconds,
            json!({
                "rows": outcome.rows,
                "inserted": outcome.inserted,
                "open_and_migrate_seconds": open_seconds,
                "import_seconds": import_seconds,
                "close_seconds": close_seconds,
                "baseline_seconds": baseline_seconds,
            }),
        ));
    }
    runs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let median = runs[runs.len() / 2].1.clone();
    let rows = median["rows"].as_f64().unwrap_or_default();
    floors.sort_by(f64::total_cmp);
    let floor = floors[floors.len() / 2];
    let seconds = |key: &str| median[key].as_f64().unwrap_or(f64::NAN);
    Ok(json!({
        "dataset": dataset,
        "file": name,
        "rows": median["rows"],
        "inserted": median["inserted"],
        "open_and_migrate_seconds": seconds("open_and_migrate_seconds"),
        // Reading and storing, the work of `tocsin import` once the database is open.
        "import_seconds": seconds("import_seconds"),
        "rows_per_second": rows / seconds("import_seconds"),
        "close_seconds": seconds("close_seconds"),
        "baseline_seconds": seconds("baseline_seconds"),
        "baseline_rows_per_second": rows / seconds("baseline_seconds"),
        // The median of the three runs' floors, on their own.
        "floor_seconds": floor,
        "floor_rows_per_second": rows / floor,
    }))
}

/// A whole-file dataset parser (for the baseline's rows).
type Parser = fn(&str, &[u8]) -> Result<tocsin_ingest::DatasetFile, tocsin_ingest::IngestError>;

/// Inserts `rows` into a fresh `reports` table in batches; returns the seconds the inserts took.
async fn plain_insert(database: &PathBuf, rows: &[Row]) -> anyhow::Result<f64> {
    let options = SqliteConnectOptions::new()
        .filename(database)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full);
    let mut connection = SqliteConnection::connect_with(&options).await?;
    sqlx::raw_sql(REPORTS_TABLE)
        .execute(&mut connection)
        .await?;
    let started = Instant::now();
    for batch in rows.chunks(BATCH) {
        let mut tx = connection.begin().await?;
        for row in batch {
            sqlx::query(
                "INSERT INTO reports (channel, text, place_name, latitude, longitude, situation_id, \
                 place_state, observed_at, received_at, language, credibility, tlp, verification, \
                 fingerprint, external_ref, details_json) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, '2026-11-21T00:00:00.000000Z', ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(row.channel)
            .bind(&row.text)
            .bind(&row.place_name)
            .bind(row.latitude)
            .bind(row.longitude)
            .bind(&row.situation_id)
            .bind(row.place_state)
            .bind(&row.observed_at)
            .bind(row.language)
            .bind(row.credibility)
            .bind(row.tlp)
            .bind(row.verification)
            .bind(&row.fingerprint)
            .bind(&row.external_ref)
            .bind(&row.details_json)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
    }
    let seconds = started.elapsed().as_secs_f64();
    connection.close().await?;
    Ok(seconds)
}

/// SQLite's own time to store the reports Tocsin imported into `imported`: they are copied, in
/// one `INSERT … SELECT` and one transaction, into a fresh database `floor` with Tocsin's schema
/// (migrations, indexes, foreign keys) and durability settings. No parsing, no values handed
/// across from Rust: the least any import into this schema can take. Returns the seconds of
/// the insert and its commit.
async fn sqlite_floor(imported: &Path, floor: &Path) -> anyhow::Result<f64> {
    Store::open(&format!("sqlite://{}", floor.display()))
        .await?
        .close()
        .await;
    let options = SqliteConnectOptions::new()
        .filename(floor)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .pragma("cache_size", "-131072")
        .pragma("wal_autocheckpoint", "0");
    let mut connection = SqliteConnection::connect_with(&options).await?;
    sqlx::query("ATTACH DATABASE ? AS imported")
        .bind(imported.display().to_string())
        .execute(&mut connection)
        .await?;
    // The situations the reports point at, and the imported rows read once into the page
    // cache, before the clock starts.
    sqlx::raw_sql(
        "INSERT OR IGNORE INTO situations SELECT * FROM imported.situations; \
         SELECT count(*), sum(length(details_json)) FROM imported.reports;",
    )
    .execute(&mut connection)
    .await?;
    let columns = "source_id, channel, text, place_name, latitude, longitude, situation_id, \
                   place_state, observed_at, received_at, language, credibility, tlp, \
                   verification, fingerprint, external_ref, details_json";
    let started = Instant::now();
    sqlx::raw_sql(&format!(
        "BEGIN IMMEDIATE; \
         INSERT INTO reports ({columns}) SELECT {columns} FROM imported.reports ORDER BY id; \
         COMMIT;"
    ))
    .execute(&mut connection)
    .await?;
    let seconds = started.elapsed().as_secs_f64();
    connection.close().await?;
    Ok(seconds)
}

/// What a database holds after the HTTP run: reports, payloads accepted, audit chain intact.
async fn count(database: &str) -> anyhow::Result<serde_json::Value> {
    let store = Store::open(&format!("sqlite://{database}")).await?;
    let audit = store.verify_audit().await?;
    store.close().await;
    let options = SqliteConnectOptions::new().filename(database);
    let mut connection = SqliteConnection::connect_with(&options).await?;
    let reports: i64 = sqlx::query_scalar("SELECT count(*) FROM reports")
        .fetch_one(&mut connection)
        .await?;
    let accepted: i64 = sqlx::query_scalar("SELECT count(*) FROM inbox WHERE state = 'accepted'")
        .fetch_one(&mut connection)
        .await?;
    let payloads: i64 = sqlx::query_scalar("SELECT count(*) FROM inbox")
        .fetch_one(&mut connection)
        .await?;
    connection.close().await?;
    Ok(json!({
        "reports": reports,
        "accepted_payloads": accepted,
        "payloads": payloads,
        "audit_entries": audit.entries,
        "audit_intact": audit.first_break.is_none(),
    }))
}
