//! Fetching from publishers, played by a real HTTP server on 127.0.0.1.

use std::path::Path;
use std::sync::{Arc, Mutex};

use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use sha2::{Digest, Sha256};
use tocsin_datasets::{fetch, Event, FetchReport, Manifest, Origin, Outcome};

use crate::files_under;

const GOOD: &[u8] = b"country,year,risk\nSudan,2025,0.081\n";
const SECOND: &[u8] = b"id\tlemma\nSW1\tmfano\n";
const TAMPERED: &[u8] = b"country,year,risk\nSudan,2025,0.999\n";
const STALE: &[u8] = b"an older edition kept by the user\n";

/// Paths the server was asked for, in order.
type RequestLog = Arc<Mutex<Vec<String>>>;

struct Publisher {
    base: String,
    requests: RequestLog,
}

impl Publisher {
    fn requests(&self) -> Vec<String> {
        self.requests.lock().expect("request log").clone()
    }
}

async fn record(State(log): State<RequestLog>, request: Request, next: Next) -> Response {
    log.lock()
        .expect("request log")
        .push(request.uri().path().to_owned());
    next.run(request).await
}

/// Starts a server on an ephemeral loopback port; it lives as long as the test's runtime.
async fn start_publisher() -> Publisher {
    let requests = RequestLog::default();
    let app = Router::new()
        .route("/data/good.csv", get(|| async { GOOD }))
        .route("/data/second.tsv", get(|| async { SECOND }))
        .route("/data/tampered.csv", get(|| async { TAMPERED }))
        // Far more than the manifest's few bytes: the download must be cut off.
        .route("/data/huge.bin", get(|| async { vec![b'x'; 3 << 20] }))
        .layer(middleware::from_fn_with_state(requests.clone(), record));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let address = listener.local_addr().expect("local address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    Publisher {
        base: format!("http://{address}"),
        requests,
    }
}

fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// One manifest entry pinned to `pinned`, served from `url`.
fn entry(id: &str, path: &str, url: &str, pinned: &[u8], access: &str) -> String {
    let note = if access == "download" {
        String::new()
    } else {
        format!("note = \"Log in to the publisher with your own key ({id})\"\n")
    };
    format!(
        "[[dataset]]\nid = \"{id}\"\npath = \"{path}\"\npublisher = \"Test publisher\"\n\
         url = \"{url}\"\nlicence = \"CC BY 4.0\"\nsha256 = \"{}\"\nbytes = {}\n\
         access = \"{access}\"\n{note}\n",
        sha256(pinned),
        pinned.len(),
    )
}

fn manifest(entries: &[String]) -> Manifest {
    Manifest::from_toml(&format!("version = \"test\"\n\n{}", entries.concat()))
        .expect("test manifest is valid")
}

fn client() -> reqwest::Client {
    // Loopback only: an HTTP_PROXY in the environment must not capture these requests.
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client")
}

async fn fetch_all(manifest: &Manifest, dest: &Path) -> FetchReport {
    let entries = manifest.select(&[]).expect("all entries");
    fetch(&entries, dest, &Origin::Publisher, &client(), &mut |_| {}).await
}

fn reason<'a>(report: &'a FetchReport, id: &str) -> &'a str {
    report
        .outcome(id)
        .and_then(Outcome::reason)
        .unwrap_or_else(|| panic!("{id} has no reason: {report:?}"))
}

#[tokio::test]
async fn downloads_verified_files_and_does_not_download_them_twice() {
    let server = start_publisher().await;
    let dest = tempfile::tempdir().expect("tempdir");
    let manifest = manifest(&[
        entry(
            "good",
            "ewp/good.csv",
            &format!("{}/data/good.csv", server.base),
            GOOD,
            "download",
        ),
        entry(
            "second",
            "text/second.tsv",
            &format!("{}/data/second.tsv", server.base),
            SECOND,
            "download",
        ),
    ]);
    let entries = manifest.select(&[]).expect("all entries");

    let mut events = Vec::new();
    let report = fetch(
        &entries,
        dest.path(),
        &Origin::Publisher,
        &client(),
        &mut |event| events.push(event),
    )
    .await;

    assert!(report.ok(), "{report:?}");
    assert_eq!(report.counts().fetched, 2);
    assert_eq!(
        std::fs::read(dest.path().join("ewp/good.csv")).expect("good"),
        GOOD
    );
    assert_eq!(
        std::fs::read(dest.path().join("text/second.tsv")).expect("second"),
        SECOND
    );
    // Nothing but the two files: no partial downloads left behind.
    assert_eq!(
        files_under(dest.path()),
        ["ewp/good.csv", "text/second.tsv"]
    );
    assert_eq!(
        events.first(),
        Some(&Event::Started {
            id: "good".into(),
            bytes: Some(GOOD.len() as u64)
        })
    );
    assert!(events.contains(&Event::Progress {
        id: "good".into(),
        bytes_done: GOOD.len() as u64
    }));
    assert_eq!(
        events.last(),
        Some(&Event::Finished {
            id: "second".into(),
            outcome: Outcome::Fetched
        })
    );
    assert_eq!(server.requests(), ["/data/good.csv", "/data/second.tsv"]);

    let again = fetch_all(&manifest, dest.path()).await;
    assert_eq!(again.counts().already_present, 2);
    assert_eq!(
        server.requests().len(),
        2,
        "the second run asked the server again"
    );
}

#[tokio::test]
async fn wrong_bytes_fail_naming_both_hashes_and_save_nothing() {
    let server = start_publisher().await;
    let dest = tempfile::tempdir().expect("tempdir");
    // The manifest pins GOOD, the server answers TAMPERED.
    let manifest = manifest(&[entry(
        "risk",
        "ewp/risk.csv",
        &format!("{}/data/tampered.csv", server.base),
        GOOD,
        "download",
    )]);

    let report = fetch_all(&manifest, dest.path()).await;

    assert!(!report.ok());
    let reason = reason(&report, "risk");
    assert!(
        reason.contains(&sha256(GOOD)),
        "expected hash missing: {reason}"
    );
    assert!(
        reason.contains(&sha256(TAMPERED)),
        "actual hash missing: {reason}"
    );
    assert!(reason.contains("--from DIR"), "{reason}");
    assert!(!dest.path().join("ewp/risk.csv").exists());
    assert!(
        files_under(dest.path()).is_empty(),
        "left behind: {:?}",
        files_under(dest.path())
    );
}

#[tokio::test]
async fn an_existing_good_file_is_kept_without_asking_the_server() {
    let server = start_publisher().await;
    let dest = tempfile::tempdir().expect("tempdir");
    let manifest = manifest(&[entry(
        "risk",
        "ewp/risk.csv",
        &format!("{}/data/tampered.csv", server.base),
        GOOD,
        "download",
    )]);
    std::fs::create_dir_all(dest.path().join("ewp")).expect("mkdir");
    std::fs::write(dest.path().join("ewp/risk.csv"), GOOD).expect("write");

    let report = fetch_all(&manifest, dest.path()).await;

    assert_eq!(report.outcome("risk"), Some(&Outcome::AlreadyPresent));
    assert!(server.requests().is_empty());
    assert_eq!(
        std::fs::read(dest.path().join("ewp/risk.csv")).expect("kept"),
        GOOD
    );
}

#[tokio::test]
async fn an_existing_file_is_not_overwritten_by_bytes_that_fail_to_verify() {
    let server = start_publisher().await;
    let dest = tempfile::tempdir().expect("tempdir");
    let manifest = manifest(&[entry(
        "risk",
        "ewp/risk.csv",
        &format!("{}/data/tampered.csv", server.base),
        GOOD,
        "download",
    )]);
    std::fs::create_dir_all(dest.path().join("ewp")).expect("mkdir");
    std::fs::write(dest.path().join("ewp/risk.csv"), STALE).expect("write");

    let report = fetch_all(&manifest, dest.path()).await;

    assert_eq!(report.outcome("risk").map(Outcome::status), Some("failed"));
    assert_eq!(server.requests(), ["/data/tampered.csv"]);
    assert_eq!(
        std::fs::read(dest.path().join("ewp/risk.csv")).expect("kept"),
        STALE
    );
    assert_eq!(files_under(dest.path()), ["ewp/risk.csv"]);
}

#[tokio::test]
async fn a_missing_file_fails_with_the_status_and_what_to_do() {
    let server = start_publisher().await;
    let dest = tempfile::tempdir().expect("tempdir");
    let url = format!("{}/data/moved.csv", server.base);
    let manifest = manifest(&[entry("moved", "ewp/moved.csv", &url, GOOD, "download")]);

    let report = fetch_all(&manifest, dest.path()).await;

    let reason = reason(&report, "moved");
    assert!(reason.contains("404"), "{reason}");
    assert!(reason.contains(&url), "{reason}");
    assert!(reason.contains("--from DIR"), "{reason}");
    assert!(files_under(dest.path()).is_empty());
}

#[tokio::test]
async fn account_and_extract_entries_are_skipped_without_a_request() {
    let server = start_publisher().await;
    let dest = tempfile::tempdir().expect("tempdir");
    let manifest = manifest(&[
        entry(
            "acled",
            "events/acled.csv",
            &format!("{}/data/good.csv", server.base),
            GOOD,
            "account",
        ),
        entry(
            "sheet",
            "ewp/sheet.csv",
            &format!("{}/data/good.csv", server.base),
            GOOD,
            "extract",
        ),
    ]);

    let report = fetch_all(&manifest, dest.path()).await;

    assert!(report.ok(), "skips are not failures: {report:?}");
    assert_eq!(report.counts().skipped, 2);
    let reason = reason(&report, "acled");
    assert!(reason.contains("\"account\""), "{reason}");
    assert!(
        reason.contains("Log in to the publisher with your own key (acled)"),
        "{reason}"
    );
    assert!(server.requests().is_empty());
    assert!(files_under(dest.path()).is_empty());
}

#[tokio::test]
async fn a_response_far_larger_than_expected_is_cut_off() {
    let server = start_publisher().await;
    let dest = tempfile::tempdir().expect("tempdir");
    let manifest = manifest(&[entry(
        "huge",
        "geo/huge.bin",
        &format!("{}/data/huge.bin", server.base),
        GOOD,
        "download",
    )]);

    let report = fetch_all(&manifest, dest.path()).await;

    let reason = reason(&report, "huge");
    assert!(reason.contains("sent more than"), "{reason}");
    assert!(files_under(dest.path()).is_empty());
}

// A server may send no length at all; the limit must then hold while streaming.
#[tokio::test]
async fn a_response_without_a_length_is_cut_off_while_streaming() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let address = listener.local_addr().expect("address");
    // A bare HTTP/1.1 server: no Content-Length, the body ends when the connection closes.
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.expect("accept");
        let mut request = [0u8; 1024];
        let _ = socket.read(&mut request).await;
        let _ = socket
            .write_all(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")
            .await;
        let chunk = vec![b'x'; 64 * 1024];
        for _ in 0..48 {
            if socket.write_all(&chunk).await.is_err() {
                break;
            }
        }
    });
    let dest = tempfile::tempdir().expect("tempdir");
    let url = format!("http://{address}/stream");
    let manifest = manifest(&[entry("endless", "geo/endless.bin", &url, GOOD, "download")]);

    let report = fetch_all(&manifest, dest.path()).await;

    let reason = reason(&report, "endless");
    assert!(reason.contains("sent more than"), "{reason}");
    assert!(files_under(dest.path()).is_empty());
}

#[tokio::test]
async fn an_unreachable_publisher_fails_with_advice() {
    // A port that was free a moment ago: nothing listens there now.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    drop(listener);
    let dest = tempfile::tempdir().expect("tempdir");
    let url = format!("http://{address}/data/good.csv");
    let manifest = manifest(&[entry("gone", "ewp/gone.csv", &url, GOOD, "download")]);

    let report = fetch_all(&manifest, dest.path()).await;

    let reason = reason(&report, "gone");
    assert!(
        reason.starts_with(&format!("could not download {url}")),
        "{reason}"
    );
    assert!(reason.contains("--from DIR"), "{reason}");
}

// One failing entry never stops the others, and the JSON report has the promised shape.
#[tokio::test]
async fn failures_do_not_stop_the_rest_and_the_report_serialises() {
    let server = start_publisher().await;
    let dest = tempfile::tempdir().expect("tempdir");
    let manifest = manifest(&[
        entry(
            "missing",
            "a/missing.csv",
            &format!("{}/data/nope", server.base),
            GOOD,
            "download",
        ),
        entry(
            "tampered",
            "a/tampered.csv",
            &format!("{}/data/tampered.csv", server.base),
            GOOD,
            "download",
        ),
        entry(
            "acled",
            "a/acled.csv",
            &format!("{}/data/good.csv", server.base),
            GOOD,
            "account",
        ),
        entry(
            "good",
            "a/good.csv",
            &format!("{}/data/good.csv", server.base),
            GOOD,
            "download",
        ),
    ]);

    let report = fetch_all(&manifest, dest.path()).await;

    let statuses: Vec<&str> = report
        .outcomes()
        .iter()
        .map(|entry| entry.outcome.status())
        .collect();
    assert_eq!(statuses, ["failed", "failed", "skipped", "fetched"]);
    assert_eq!(
        std::fs::read(dest.path().join("a/good.csv")).expect("good"),
        GOOD
    );

    let json = serde_json::to_value(&report).expect("json");
    assert_eq!(json["ok"], false);
    assert_eq!(
        json["counts"],
        serde_json::json!({"fetched": 1, "already_present": 0, "skipped": 1, "failed": 2})
    );
    assert_eq!(
        json["outcomes"][3],
        serde_json::json!({"id": "good", "status": "fetched", "reason": null})
    );
    assert_eq!(json["outcomes"][0]["status"], "failed");
    assert!(json["outcomes"][0]["reason"]
        .as_str()
        .is_some_and(|reason| reason.contains("404")));
}
