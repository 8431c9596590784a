//! The storage contract, run on both backends: every test below runs once on a SQLite file
//! and once on a fresh PostgreSQL database (from `TOCSIN_TEST_POSTGRES_URL`, which
//! `scripts/test` sets after starting a server on loopback).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU32, Ordering};

use sqlx::{AnyPool, Executor};
use time::macros::datetime;
use time::OffsetDateTime;
use tocsin_domain::audit::AuditEvent;
use tocsin_domain::{
    Channel, Contact, Countries, CountryYear, Credibility, Situation, SituationId, Tlp,
};
use tocsin_store::{
    Backend, CountryYearImport, DatasetFacts, Delivery, InboxEntry, InboxState, NewReport,
    PlaceInput, Received, Store, StoreError, Vault,
};

const NOW: OffsetDateTime = datetime!(2026-11-21 12:00 UTC);

/// A database for one test, removed with it (the SQLite file) or left in the throw-away
/// server (PostgreSQL).
struct Db {
    url: String,
    backend: Backend,
    _dir: Option<tempfile::TempDir>,
}

impl Db {
    async fn sqlite() -> Db {
        let dir = tempfile::tempdir().unwrap();
        Db {
            url: format!("sqlite://{}", dir.path().join("contract.db").display()),
            backend: Backend::Sqlite,
            _dir: Some(dir),
        }
    }

    async fn postgres() -> Db {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let admin = std::env::var("TOCSIN_TEST_POSTGRES_URL").expect(
            "TOCSIN_TEST_POSTGRES_URL is not set: run the tests with scripts/test, which starts PostgreSQL",
        );
        let name = format!(
            "tocsin_contract_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        sqlx::any::install_default_drivers();
        let pool = AnyPool::connect(&admin).await.unwrap();
        pool.execute(format!("DROP DATABASE IF EXISTS {name}").as_str())
            .await
            .unwrap();
        pool.execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .unwrap();
        pool.close().await;
        let base = admin.rsplit_once('/').unwrap().0;
        Db {
            url: format!("{base}/{name}"),
            backend: Backend::Postgres,
            _dir: None,
        }
    }

    async fn open(&self) -> Store {
        Store::open(&self.url).await.unwrap()
    }

    /// A connection that bypasses the store, as someone with database access would.
    async fn raw(&self) -> AnyPool {
        sqlx::any::install_default_drivers();
        AnyPool::connect(&self.url).await.unwrap()
    }

    /// Removes the append-only guard, as an attacker with database access could.
    async fn drop_audit_guards(&self, raw: &AnyPool) {
        match self.backend {
            Backend::Sqlite => {
                raw.execute("DROP TRIGGER audit_log_no_update")
                    .await
                    .unwrap();
                raw.execute("DROP TRIGGER audit_log_no_delete")
                    .await
                    .unwrap();
            }
            Backend::Postgres => {
                raw.execute("DROP TRIGGER audit_log_no_update ON audit_log")
                    .await
                    .unwrap();
            }
        }
    }
}

fn situation(iso3: &str) -> Situation {
    Situation::from_country(Countries::embedded().by_iso3(iso3).unwrap())
}

fn rows(situations: &[Situation], years: std::ops::Range<i32>) -> Vec<CountryYear> {
    situations
        .iter()
        .flat_map(|s| {
            years.clone().map(move |year| CountryYear {
                situation: s.id.clone(),
                year,
                name_in_source: s.name.clone(),
                values: BTreeMap::from([
                    (
                        "battledeaths.log2".to_string(),
                        Some(f64::from(year - 1990) / 3.0),
                    ),
                    ("gdppcgrowth".to_string(), None),
                ]),
            })
        })
        .collect()
}

fn import<'a>(
    sha: &'a str,
    situations: &'a [Situation],
    rows: &'a [CountryYear],
) -> CountryYearImport<'a> {
    CountryYearImport {
        dataset: "ewp",
        file_name: "predictors.csv",
        sha256: sha,
        situations,
        rows,
    }
}

fn event(n: usize) -> AuditEvent {
    AuditEvent {
        actor: format!("analyst-{n}"),
        action: "report.transition".into(),
        entity: format!("report:{n}"),
        before: Some(r#"{"verification":"triage"}"#.into()),
        after: Some(r#"{"verification":"verified"}"#.into()),
    }
}

async fn migrations_can_run_again(db: Db) {
    let first = db.open().await;
    first.close().await;
    let second = db.open().await;
    second.ping().await.unwrap();
    assert_eq!(second.backend(), db.backend);
}

async fn importing_twice_replaces_rather_than_appends(db: Db) {
    let store = db.open().await;
    let situations = [situation("SYR"), situation("MMR")];
    let rows = rows(&situations, 2000..2010);
    let first = store
        .replace_country_years(import("aa", &situations, &rows), "t", NOW)
        .await
        .unwrap();
    assert_eq!(
        (first.rows, first.countries, first.replaced_rows),
        (20, 2, 0)
    );
    assert!(!first.same_as_before);
    let second = store
        .replace_country_years(import("aa", &situations, &rows), "t", NOW)
        .await
        .unwrap();
    assert_eq!((second.rows, second.replaced_rows), (20, 20));
    assert!(second.same_as_before);
    let summary = store.country_year_summary("ewp").await.unwrap();
    assert_eq!((summary.rows, summary.countries), (20, 2));
    assert_eq!(
        (summary.first_year, summary.last_year),
        (Some(2000), Some(2009))
    );
    // Values, including missing ones, come back exactly.
    assert_eq!(store.country_years("ewp").await.unwrap().len(), 20);
    let stored = store.country_years("ewp").await.unwrap();
    let original: BTreeMap<_, _> = rows
        .iter()
        .map(|r| ((r.situation.clone(), r.year), r))
        .collect();
    for row in &stored {
        assert_eq!(&row, &original[&(row.situation.clone(), row.year)]);
    }
}

async fn a_failed_import_leaves_the_previous_edition(db: Db) {
    let store = db.open().await;
    let syria = [situation("SYR")];
    let good = rows(&syria, 2000..2005);
    store
        .replace_country_years(import("aa", &syria, &good), "t", NOW)
        .await
        .unwrap();
    // The second edition refers to a situation it does not declare: the foreign key fails
    // half-way through, after the old rows were deleted inside the transaction.
    let mut bad = rows(&syria, 2000..2003);
    bad.extend(rows(&[situation("SDN")], 2000..2001));
    let error = store
        .replace_country_years(import("bb", &syria, &bad), "t", NOW)
        .await;
    assert!(
        error.is_err(),
        "an import violating a foreign key must fail"
    );
    let summary = store.country_year_summary("ewp").await.unwrap();
    assert_eq!(summary.rows, 5, "the previous edition must still be whole");
    let report = store.verify_audit().await.unwrap();
    assert_eq!(
        report.entries, 1,
        "the failed import must leave no audit entry"
    );
}

async fn situations_are_listed_with_their_latest_data(db: Db) {
    let store = db.open().await;
    let situations = [situation("SYR"), situation("AFG")];
    let rows = rows(&situations[..1], 2020..2024);
    store
        .replace_country_years(import("aa", &situations, &rows), "t", NOW)
        .await
        .unwrap();
    let listed = store.list_situations().await.unwrap();
    let ids: Vec<_> = listed.iter().map(|r| r.situation.id.as_str()).collect();
    assert_eq!(ids, ["AFG", "SYR"], "ordered by name");
    assert_eq!(listed[0].latest_data_year, None);
    assert_eq!(listed[1].latest_data_year, Some(2023));
    assert_eq!(listed[1].situation.gw_code, Some(652));
}

async fn the_audit_chain_verifies_and_names_an_edited_entry(db: Db) {
    let store = db.open().await;
    for n in 1..=5 {
        store.record(event(n), NOW).await.unwrap();
    }
    let report = store.verify_audit().await.unwrap();
    assert_eq!((report.entries, report.first_break.clone()), (5, None));

    let raw = db.raw().await;
    db.drop_audit_guards(&raw).await;
    raw.execute("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 3")
        .await
        .unwrap();
    let broken = store
        .verify_audit()
        .await
        .unwrap()
        .first_break
        .expect("the edit must be found");
    assert_eq!(broken.seq, 3);
    assert!(broken.reason.contains("edited"), "{}", broken.reason);
}

async fn entries_cut_from_the_end_are_noticed(db: Db) {
    let store = db.open().await;
    for n in 1..=4 {
        store.record(event(n), NOW).await.unwrap();
    }
    let raw = db.raw().await;
    db.drop_audit_guards(&raw).await;
    raw.execute("DELETE FROM audit_log WHERE seq = 4")
        .await
        .unwrap();
    let broken = store
        .verify_audit()
        .await
        .unwrap()
        .first_break
        .expect("the cut must be found");
    assert_eq!(broken.seq, 4);
    assert!(broken.reason.contains("removed"), "{}", broken.reason);
}

async fn the_audit_log_refuses_updates_and_deletes(db: Db) {
    let store = db.open().await;
    store.record(event(1), NOW).await.unwrap();
    let raw = db.raw().await;
    let update = raw
        .execute("UPDATE audit_log SET actor = 'x' WHERE seq = 1")
        .await;
    assert!(update.unwrap_err().to_string().contains("append-only"));
    let delete = raw.execute("DELETE FROM audit_log WHERE seq = 1").await;
    assert!(delete.unwrap_err().to_string().contains("append-only"));
    assert!(store.verify_audit().await.unwrap().first_break.is_none());
}

async fn concurrent_appends_keep_one_chain(db: Db) {
    let store = db.open().await;
    let tasks: Vec<_> = (0..16)
        .map(|n| {
            let store = store.clone();
            tokio::spawn(async move { store.record(event(n), NOW).await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let report = store.verify_audit().await.unwrap();
    assert_eq!(report.entries, 16);
    assert_eq!(report.first_break, None);
    let entries = store.audit_entries(0, 100).await.unwrap();
    let seqs: Vec<i64> = entries.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=16).collect::<Vec<_>>());
}

async fn unsupported_urls_say_what_to_use(_db: Db) {
    let error = Store::open("mysql://localhost/tocsin").await.unwrap_err();
    assert!(matches!(error, StoreError::UnsupportedUrl { .. }));
    assert!(error.to_string().contains("sqlite://"), "{error}");
}

pub(crate) fn vault() -> Vault {
    Vault::from_hex(&"5a".repeat(32)).unwrap()
}

pub(crate) fn sms_report(sender: &str, text: &str) -> NewReport {
    NewReport {
        channel: Channel::Sms,
        sender: Some(Contact::phone(sender)),
        text: text.to_string(),
        place: PlaceInput {
            name: Some("Juba".into()),
            point: Some((4.85, 31.58)),
            situation: Some(SituationId::parse("SSD").unwrap()),
            state: "resolved",
        },
        observed_at: None,
        language: Some("en".into()),
        credibility: Credibility::CannotBeJudged,
        tlp: Tlp::Amber,
        external_ref: None,
        details_json: None,
    }
}

fn delivery<'a>(key: Option<&'a str>, payload: &'a [u8]) -> Delivery<'a> {
    Delivery {
        channel: "twilio",
        delivery_key: key,
        content_type: "application/x-www-form-urlencoded",
        payload,
    }
}

async fn a_repeated_delivery_is_stored_once_and_answered_as_the_first(db: Db) {
    let store = db.open().await;
    let vault = vault();
    let payload = b"From=%2B211912345678&Body=armed+men&MessageSid=SM1";
    let Received::New(inbox_id) = store
        .receive(&vault, delivery(Some("twilio:SM1"), payload), NOW)
        .await
        .unwrap()
    else {
        panic!("the first delivery is new");
    };
    let accepted = store
        .accept(
            &vault,
            Some(inbox_id),
            sms_report("+211 912 345 678", "armed men"),
            NOW,
        )
        .await
        .unwrap();
    assert!(!accepted.duplicate);
    for _ in 0..2 {
        match store
            .receive(&vault, delivery(Some("twilio:SM1"), payload), NOW)
            .await
            .unwrap()
        {
            Received::Repeat(entry) => {
                assert_eq!(entry.id, inbox_id);
                assert_eq!(entry.state, InboxState::Accepted);
                assert_eq!(entry.report_id, Some(accepted.report_id));
            }
            Received::New(_) => panic!("a repeat must not be new"),
        }
    }
    assert_eq!(store.inbox_entry(inbox_id).await.unwrap().deliveries, 3);
    // The payload is kept sealed and opens to exactly what arrived.
    assert_eq!(store.open_payload(&vault, inbox_id).await.unwrap(), payload);
}

// Group commit: deliveries and reports that arrive together share one transaction; repeats
// inside that transaction must still be found, and the audit chain must stay one chain.
async fn repeats_arriving_together_are_stored_once(db: Db) {
    let store = db.open().await;
    let vault = vault();
    // 20 messages, each delivered three times at once by a retrying gateway.
    let deliveries: Vec<_> = (0..60)
        .map(|n| {
            let (store, vault) = (store.clone(), vault.clone());
            tokio::spawn(async move {
                let key = format!("twilio:SM{}", n % 20);
                let payload = format!("Body=report+{}&MessageSid=SM{}", n % 20, n % 20);
                let received = store
                    .receive(&vault, delivery(Some(&key), payload.as_bytes()), NOW)
                    .await
                    .unwrap();
                (n % 20, received)
            })
        })
        .collect();
    let mut new = BTreeMap::new();
    let mut repeats = Vec::new();
    for task in deliveries {
        match task.await.unwrap() {
            (message, Received::New(inbox_id)) => {
                assert!(
                    new.insert(message, inbox_id).is_none(),
                    "message {message} stored twice"
                );
            }
            (_, Received::Repeat(entry)) => repeats.push(entry),
        }
    }
    assert_eq!((new.len(), repeats.len()), (20, 40));
    // A repeat is answered with the stored row, whether it came in the batch that stored it or
    // in a later one; only its count of deliveries is the one at its own arrival.
    for entry in repeats {
        let held = store.inbox_entry(entry.id).await.unwrap();
        assert!((1..=3).contains(&entry.deliveries), "{entry:?}");
        assert_eq!(
            InboxEntry {
                deliveries: held.deliveries,
                ..entry
            },
            held
        );
    }
    for inbox_id in new.values() {
        assert_eq!(store.inbox_entry(*inbox_id).await.unwrap().deliveries, 3);
    }
    // Each message accepted twice at once (as after a retry under a new message id): one
    // report each, and one audit entry each.
    let accepts: Vec<_> = new
        .iter()
        .flat_map(|(message, inbox_id)| [(*message, Some(*inbox_id)), (*message, None)])
        .map(|(message, inbox_id)| {
            let (store, vault) = (store.clone(), vault.clone());
            tokio::spawn(async move {
                let text = format!("armed men seen, report {message}");
                let accepted = store
                    .accept(&vault, inbox_id, sms_report("+211912345678", &text), NOW)
                    .await
                    .unwrap();
                (message, accepted)
            })
        })
        .collect();
    let mut reports: BTreeMap<u64, Vec<i64>> = BTreeMap::new();
    for task in accepts {
        let (message, accepted) = task.await.unwrap();
        reports.entry(message).or_default().push(accepted.report_id);
    }
    for (message, ids) in &reports {
        assert_eq!(ids[0], ids[1], "message {message} became two reports");
    }
    let audit = store.verify_audit().await.unwrap();
    assert_eq!(audit.first_break, None);
    assert_eq!(audit.entries, 20, "one report.receive entry per report");

    // Reports without a sender (the API) are stored together: the same text twice, or the
    // same partner reference under different texts, is one report.
    let api_accepts: Vec<_> = (0..40u64)
        .map(|n| {
            let (store, vault) = (store.clone(), vault.clone());
            tokio::spawn(async move {
                let mut report = sms_report("+211912345678", "");
                report.sender = None;
                report.channel = Channel::Api;
                let message = n % 20;
                if message < 10 {
                    report.text = format!("convoy seen, api report {message}");
                } else {
                    report.text = format!("convoy seen, api report {message}, delivery {n}");
                    report.external_ref = Some(format!("api:partner-{message}"));
                }
                let accepted = store.accept(&vault, None, report, NOW).await.unwrap();
                (message, accepted)
            })
        })
        .collect();
    let mut api_reports: BTreeMap<u64, Vec<(i64, bool)>> = BTreeMap::new();
    for task in api_accepts {
        let (message, accepted) = task.await.unwrap();
        assert_eq!(accepted.source_id, None);
        api_reports
            .entry(message)
            .or_default()
            .push((accepted.report_id, accepted.duplicate));
    }
    for (message, outcomes) in &api_reports {
        assert_eq!(
            outcomes[0].0, outcomes[1].0,
            "api report {message} stored twice"
        );
        let new = outcomes.iter().filter(|(_, duplicate)| !duplicate).count();
        assert_eq!(new, 1, "api report {message}: exactly one delivery is new");
    }
    let audit = store.verify_audit().await.unwrap();
    assert_eq!(audit.first_break, None);
    assert_eq!(audit.entries, 40, "one more entry per api report");
}

// Reports from a gateway (with a sender, whose source is found or created) and reports from
// the API (without one) arriving together are each stored once, in one audit chain with one
// receipt per report, and the payloads they came from are marked accepted.
async fn reports_with_and_without_a_sender_arriving_together_share_one_chain(db: Db) {
    let store = db.open().await;
    let vault = vault();
    let tasks: Vec<_> = (0..48u64)
        .map(|n| {
            let (store, vault) = (store.clone(), vault.clone());
            tokio::spawn(async move {
                let key = format!("mixed:{n}");
                let payload = format!("report {n}");
                let Received::New(inbox_id) = store
                    .receive(&vault, delivery(Some(&key), payload.as_bytes()), NOW)
                    .await
                    .unwrap()
                else {
                    panic!("delivery {n} is new");
                };
                let mut report = sms_report(&format!("+2119123456{:02}", n % 4), "");
                report.text = format!("shelling reported near the market, report {n}");
                if n % 2 == 0 {
                    report.sender = None;
                    report.channel = Channel::Api;
                }
                let accepted = store
                    .accept(&vault, Some(inbox_id), report, NOW)
                    .await
                    .unwrap();
                (n, inbox_id, accepted)
            })
        })
        .collect();
    let mut report_ids = BTreeSet::new();
    for task in tasks {
        let (n, inbox_id, accepted) = task.await.unwrap();
        assert!(!accepted.duplicate, "report {n} is new");
        assert_eq!(accepted.source_id.is_some(), n % 2 == 1, "report {n}");
        assert!(
            report_ids.insert(accepted.report_id),
            "report {n} shares an id"
        );
        let entry = store.inbox_entry(inbox_id).await.unwrap();
        assert_eq!(entry.state, InboxState::Accepted, "payload of report {n}");
        assert_eq!(
            entry.report_id,
            Some(accepted.report_id),
            "payload of report {n}"
        );
    }
    let audit = store.verify_audit().await.unwrap();
    assert_eq!(audit.first_break, None);
    let receipts: BTreeSet<String> = store
        .audit_entries(0, 1_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|entry| entry.event.action == "report.receive")
        .map(|entry| entry.event.entity)
        .collect();
    let expected: BTreeSet<String> = report_ids.iter().map(|id| format!("report:{id}")).collect();
    assert_eq!(receipts, expected, "one receipt per report");
}

/// A published event as a report, as `tocsin import` makes them.
fn dataset_report(n: u64) -> NewReport {
    let mut report = sms_report("+211900000000", &format!("clashes reported, event {n}"));
    report.sender = None;
    report.channel = Channel::DatasetImport;
    report.language = None;
    report.external_ref = Some(format!("ucdp-ged:{n}"));
    report.details_json = Some(format!("{{\"event_id\":\"{n}\"}}"));
    report
}

fn facts(events: u64) -> DatasetFacts {
    DatasetFacts {
        dataset: "ucdp-ged".to_string(),
        sha256: "ab".repeat(32),
        events,
    }
}

// A dataset's events are stored as they are read, all or nothing, each once however often
// the file is imported.
async fn dataset_events_are_imported_whole_and_once(db: Db) {
    let store = db.open().await;
    let import = |events: std::ops::Range<u64>, damaged: bool| {
        let store = store.clone();
        async move {
            store
                .import_dataset_reports("ged.csv", "cli:test", NOW, |emit| {
                    for n in events.clone() {
                        emit(dataset_report(n));
                    }
                    if damaged {
                        // Any error of the reader's own type (here, one the store has).
                        return Err(StoreError::Corrupt("line 1001: damaged".to_string()));
                    }
                    Ok(facts(events.end - events.start))
                })
                .await
        }
    };
    // A file found damaged after 1,000 events were handed on: nothing is kept.
    let refused = import(0..1_000, true).await;
    assert!(
        matches!(&refused, Err(StoreError::Corrupt(message)) if message == "line 1001: damaged"),
        "{refused:?}"
    );
    assert_eq!(store.verify_audit().await.unwrap().entries, 0);

    let (read, new) = import(0..1_000, false).await.unwrap();
    assert_eq!((read.events, new), (1_000, 1_000));
    // A later edition with 500 more events adds only those.
    let (read, new) = import(0..1_500, false).await.unwrap();
    assert_eq!((read.events, new), (1_500, 500));
    let entries = store.audit_entries(0, 10).await.unwrap();
    let recorded: Vec<serde_json::Value> = entries
        .iter()
        .map(|entry| serde_json::from_str(entry.event.after.as_deref().unwrap()).unwrap())
        .collect();
    assert_eq!(
        recorded.len(),
        2,
        "one audit entry per import that was kept"
    );
    assert_eq!(recorded[1]["events"], 1_500);
    assert_eq!(recorded[1]["new"], 500);
    assert_eq!(recorded[1]["file"], "ged.csv");
    assert_eq!(entries[1].event.entity, "dataset:ucdp-ged");
}

async fn a_retry_under_a_new_message_id_is_the_same_report(db: Db) {
    let store = db.open().await;
    let vault = vault();
    let first = store
        .accept(
            &vault,
            None,
            sms_report("+211912345678", "Armed men  at the market"),
            NOW,
        )
        .await
        .unwrap();
    let again = store
        .accept(
            &vault,
            None,
            sms_report("+211 912 345 678", "armed men at the market"),
            NOW,
        )
        .await
        .unwrap();
    assert!(again.duplicate);
    assert_eq!(again.report_id, first.report_id);
    assert_eq!(
        again.source_id, first.source_id,
        "the same phone is the same source"
    );
    let other = store
        .accept(
            &vault,
            None,
            sms_report("+211900000000", "armed men at the market"),
            NOW,
        )
        .await
        .unwrap();
    assert!(!other.duplicate, "another sender's report is its own");
    assert_ne!(other.source_id, first.source_id);
    assert_eq!(
        store.verify_audit().await.unwrap().entries,
        2,
        "one receipt entry per new report"
    );
}

async fn contacts_are_sealed_and_revealing_one_is_audited(db: Db) {
    let store = db.open().await;
    let vault = vault();
    let accepted = store
        .accept(
            &vault,
            None,
            sms_report("+211912345678", "shots fired"),
            NOW,
        )
        .await
        .unwrap();
    let source = accepted.source_id.unwrap();
    let raw = db.raw().await;
    use sqlx::Row;
    let row = sqlx::query("SELECT contact_sealed, contact_fingerprint FROM sources")
        .fetch_one(&raw)
        .await
        .unwrap();
    let sealed: Vec<u8> = row.try_get("contact_sealed").unwrap();
    assert!(!String::from_utf8_lossy(&sealed).contains("912345678"));
    let fingerprint: String = row.try_get("contact_fingerprint").unwrap();
    assert!(!fingerprint.contains("912345678"));

    let contact = store
        .reveal_contact(&vault, &source, "handler-1", NOW)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(contact.expose(), "+211912345678");
    let entries = store.audit_entries(0, 10).await.unwrap();
    let last = entries.last().unwrap();
    assert_eq!(
        (last.event.action.as_str(), last.event.actor.as_str()),
        ("source.reveal", "handler-1")
    );
    assert_eq!(last.event.entity, format!("source:{source}"));
}

async fn unreadable_payloads_are_kept_with_their_reason(db: Db) {
    let store = db.open().await;
    let vault = vault();
    let Received::New(id) = store
        .receive(&vault, delivery(None, b"\xff\xfe not a form"), NOW)
        .await
        .unwrap()
    else {
        panic!("new");
    };
    store
        .reject(id, "invalid_encoding", "the body is not UTF-8 form data")
        .await
        .unwrap();
    let rejected = store.rejected_payloads(10).await.unwrap();
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0].error_code.as_deref(), Some("invalid_encoding"));
    assert_eq!(
        store.open_payload(&vault, id).await.unwrap(),
        b"\xff\xfe not a form"
    );
}

/// Runs each named contract test on both backends.
macro_rules! contract {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name(super::Db::sqlite().await).await })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name(super::Db::postgres().await).await })*
        }
    };
}

contract!(
    migrations_can_run_again,
    importing_twice_replaces_rather_than_appends,
    a_failed_import_leaves_the_previous_edition,
    situations_are_listed_with_their_latest_data,
    the_audit_chain_verifies_and_names_an_edited_entry,
    entries_cut_from_the_end_are_noticed,
    the_audit_log_refuses_updates_and_deletes,
    concurrent_appends_keep_one_chain,
    unsupported_urls_say_what_to_use,
    a_repeated_delivery_is_stored_once_and_answered_as_the_first,
    a_retry_under_a_new_message_id_is_the_same_report,
    repeats_arriving_together_are_stored_once,
    reports_with_and_without_a_sender_arriving_together_share_one_chain,
    dataset_events_are_imported_whole_and_once,
    contacts_are_sealed_and_revealing_one_is_audited,
    unreadable_payloads_are_kept_with_their_reason,
);

/// SQLite is built with the flags of `.cargo/config.toml`: no page cache shared by the whole
/// process behind one lock, no count of every allocation.
#[test]
fn sqlite_is_built_without_process_wide_locks_on_pages_and_memory() {
    let connection = rusqlite::Connection::open_in_memory().unwrap();
    let options: Vec<String> = connection
        .prepare("PRAGMA compile_options")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(
        !options.iter().any(|o| o == "ENABLE_MEMORY_MANAGEMENT"),
        "{options:?}"
    );
    assert!(
        options.iter().any(|o| o == "DEFAULT_MEMSTATUS=0"),
        "{options:?}"
    );
}

mod accounts;
mod alerts;
mod assessment;
mod map;
mod reports;
mod sessions;
// After the macro, so the module can use it.
mod responses;
mod risk;
