//! Fetching datasets into a data directory, from their publishers or from a mirror.
//!
//! Each file streams into a hidden partial file beside its destination while being hashed;
//! only when its sha256 and size match the manifest is it renamed into place. A file that
//! fails to match is deleted, and whatever was at the destination before stays as it was.
//! Entries are independent: one failure is recorded and the next entry is fetched.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};
use tokio::fs::{File, OpenOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tracing::Instrument;

use crate::digest::{self, Digest, Hasher, CHUNK};
use crate::error::{chain, DatasetsError};
use crate::manifest::{Access, Entry};

/// Where files come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Each entry's `url`. Entries with access `account` or `extract` are skipped.
    Publisher,
    /// A directory laid out like the data directory (`DIR/<path>`), e.g. a copy kept by an
    /// organisation. Every entry is taken from it, whatever its access.
    Mirror(PathBuf),
}

/// Progress of a fetch, for drawing a progress bar.
///
/// Every entry ends with `Finished`. `Started` and `Progress` come only for entries whose bytes
/// are actually transferred (not for files already present or skipped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A transfer began; `bytes` is the expected size when known.
    Started {
        id: String,
        bytes: Option<u64>,
    },
    /// `bytes_done` bytes of the entry have been received so far.
    Progress {
        id: String,
        bytes_done: u64,
    },
    Finished {
        id: String,
        outcome: Outcome,
    },
}

/// What happened to one entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Transferred, verified and in place.
    Fetched,
    /// The destination already held the pinned bytes; nothing was transferred.
    AlreadyPresent,
    /// Not fetched on purpose, e.g. an account-only file asked of its publisher.
    Skipped { reason: String },
    /// Could not be fetched or did not verify; the destination is unchanged.
    Failed { reason: String },
}

impl Outcome {
    /// The word used in `--json` output: fetched, already_present, skipped or failed.
    pub fn status(&self) -> &'static str {
        match self {
            Outcome::Fetched => "fetched",
            Outcome::AlreadyPresent => "already_present",
            Outcome::Skipped { .. } => "skipped",
            Outcome::Failed { .. } => "failed",
        }
    }

    pub fn reason(&self) -> Option<&str> {
        match self {
            Outcome::Fetched | Outcome::AlreadyPresent => None,
            Outcome::Skipped { reason } | Outcome::Failed { reason } => Some(reason),
        }
    }
}

/// One entry's outcome, serialised as `{"id": …, "status": …, "reason": …}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryOutcome {
    pub id: String,
    pub outcome: Outcome,
}

impl Serialize for EntryOutcome {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut state = serializer.serialize_struct("EntryOutcome", 3)?;
        state.serialize_field("id", &self.id)?;
        state.serialize_field("status", self.outcome.status())?;
        state.serialize_field("reason", &self.outcome.reason())?;
        state.end()
    }
}

/// How many entries ended each way.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub fetched: usize,
    pub already_present: usize,
    pub skipped: usize,
    pub failed: usize,
}

/// The result of [`fetch`]: one outcome per entry, in the order the entries were given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FetchReport {
    ok: bool,
    counts: Counts,
    outcomes: Vec<EntryOutcome>,
}

impl FetchReport {
    fn new(outcomes: Vec<EntryOutcome>) -> FetchReport {
        let mut counts = Counts::default();
        for entry in &outcomes {
            match entry.outcome {
                Outcome::Fetched => counts.fetched += 1,
                Outcome::AlreadyPresent => counts.already_present += 1,
                Outcome::Skipped { .. } => counts.skipped += 1,
                Outcome::Failed { .. } => counts.failed += 1,
            }
        }
        FetchReport {
            ok: counts.failed == 0,
            counts,
            outcomes,
        }
    }

    /// True when no entry failed. Skipped entries do not count as failures: they were asked of
    /// a publisher that cannot serve them, and their reasons say what to do.
    pub fn ok(&self) -> bool {
        self.ok
    }

    pub fn counts(&self) -> Counts {
        self.counts
    }

    pub fn outcomes(&self) -> &[EntryOutcome] {
        &self.outcomes
    }

    /// The outcome for one id, if it was part of this fetch.
    pub fn outcome(&self, id: &str) -> Option<&Outcome> {
        self.outcomes
            .iter()
            .find(|entry| entry.id == id)
            .map(|entry| &entry.outcome)
    }
}

/// An HTTP client suited to fetching datasets: it names Tocsin to publishers and gives up on
/// a stalled connection instead of hanging.
pub fn http_client() -> Result<reqwest::Client, DatasetsError> {
    reqwest::Client::builder()
        .user_agent(concat!("tocsin/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(Duration::from_secs(30))
        // Per read, not for the whole body: large files on slow links still complete.
        .read_timeout(Duration::from_secs(120))
        .build()
        .map_err(|error| DatasetsError::HttpClient {
            detail: chain(&error),
        })
}

/// Brings `entries` into the data directory `dest` from `origin`, verifying each file against
/// the manifest, and reports what happened to each. Never stops early: a failing entry is
/// recorded and the next one is fetched.
pub async fn fetch(
    entries: &[&Entry],
    dest: &Path,
    origin: &Origin,
    client: &reqwest::Client,
    on_event: &mut (dyn FnMut(Event) + Send),
) -> FetchReport {
    let mut outcomes = Vec::with_capacity(entries.len());
    for entry in entries {
        let span = tracing::info_span!("dataset", id = entry.id());
        let outcome = fetch_one(entry, dest, origin, client, on_event)
            .instrument(span)
            .await;
        match &outcome {
            Outcome::Fetched => tracing::info!(id = entry.id(), "fetched"),
            Outcome::AlreadyPresent => tracing::debug!(id = entry.id(), "already present"),
            Outcome::Skipped { reason } => tracing::info!(id = entry.id(), %reason, "skipped"),
            Outcome::Failed { reason } => tracing::warn!(id = entry.id(), %reason, "failed"),
        }
        on_event(Event::Finished {
            id: entry.id().to_owned(),
            outcome: outcome.clone(),
        });
        outcomes.push(EntryOutcome {
            id: entry.id().to_owned(),
            outcome,
        });
    }
    FetchReport::new(outcomes)
}

async fn fetch_one(
    entry: &Entry,
    dest: &Path,
    origin: &Origin,
    client: &reqwest::Client,
    on_event: &mut (dyn FnMut(Event) + Send),
) -> Outcome {
    let target = entry.destination(dest);
    match already_present(entry, &target).await {
        Ok(true) => return Outcome::AlreadyPresent,
        Ok(false) => {}
        Err(error) => {
            return Outcome::Failed {
                reason: error.to_string(),
            }
        }
    }
    if *origin == Origin::Publisher && entry.access() != Access::Download {
        return Outcome::Skipped {
            reason: format!(
                "the publisher does not serve this exact file (access \"{}\"): {}",
                entry.access(),
                entry
                    .note()
                    .unwrap_or("take it from a mirror with --from DIR"),
            ),
        };
    }
    match transfer(entry, &target, origin, client, on_event).await {
        Ok(()) => Outcome::Fetched,
        Err(error) => Outcome::Failed {
            reason: error.to_string(),
        },
    }
}

/// Whether `target` already holds the pinned bytes. A missing file is simply "no"; a file of
/// the wrong size is not hashed at all.
async fn already_present(entry: &Entry, target: &Path) -> Result<bool, DatasetsError> {
    let metadata = match tokio::fs::metadata(target).await {
        Ok(metadata) => metadata,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(error) => return Err(DatasetsError::io("inspect", target)(error)),
    };
    if !metadata.is_file() || metadata.len() != entry.bytes() {
        tracing::info!(path = %target.display(), "existing file differs from the manifest; it is replaced only by a verified copy");
        return Ok(false);
    }
    let digest = digest::digest_file(target)
        .await
        .map_err(DatasetsError::io("read", target))?;
    let matches = digest.matches(entry.sha256(), entry.bytes());
    if !matches {
        tracing::info!(path = %target.display(), "existing file differs from the manifest; it is replaced only by a verified copy");
    }
    Ok(matches)
}

/// Streams the entry into a partial file beside `target`, verifies it and renames it into
/// place. On any error the partial file is removed and `target` is left alone.
async fn transfer(
    entry: &Entry,
    target: &Path,
    origin: &Origin,
    client: &reqwest::Client,
    on_event: &mut (dyn FnMut(Event) + Send),
) -> Result<(), DatasetsError> {
    if let Some(parent) = target.parent() {
        tokio::fs::create_dir_all(parent)
            .await
            .map_err(DatasetsError::io("create directory", parent))?;
    }
    let partial = partial_path(target);
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&partial)
        .await
        .map_err(DatasetsError::io("create", &partial))?;

    let written = async {
        let (from, digest) = match origin {
            Origin::Publisher => download(entry, client, &mut file, &partial, on_event).await?,
            Origin::Mirror(dir) => {
                copy_from_mirror(entry, dir, &mut file, &partial, on_event).await?
            }
        };
        file.flush()
            .await
            .map_err(DatasetsError::io("write", &partial))?;
        // Durable before the rename, so a crash cannot leave a verified name on lost bytes.
        file.sync_all()
            .await
            .map_err(DatasetsError::io("write", &partial))?;
        if !digest.matches(entry.sha256(), entry.bytes()) {
            return Err(DatasetsError::Mismatch {
                from,
                expected_sha256: entry.sha256().to_owned(),
                expected_bytes: entry.bytes(),
                actual_sha256: digest.sha256,
                actual_bytes: digest.bytes,
            });
        }
        Ok(())
    }
    .await;
    drop(file);

    let renamed = match written {
        Ok(()) => tokio::fs::rename(&partial, target)
            .await
            .map_err(DatasetsError::io("move into place", target)),
        Err(error) => Err(error),
    };
    if renamed.is_err() {
        if let Err(error) = tokio::fs::remove_file(&partial).await {
            tracing::warn!(path = %partial.display(), %error, "could not remove a partial download");
        }
    }
    renamed
}

/// Downloads the entry's url into `file`; returns a description of the source and the digest.
async fn download(
    entry: &Entry,
    client: &reqwest::Client,
    file: &mut File,
    partial: &Path,
    on_event: &mut (dyn FnMut(Event) + Send),
) -> Result<(String, Digest), DatasetsError> {
    let url = entry.url();
    let download_error = |error: reqwest::Error| DatasetsError::Download {
        url: url.to_owned(),
        detail: chain(&error),
    };
    let mut response = client.get(url).send().await.map_err(download_error)?;
    let status = response.status();
    if !status.is_success() {
        return Err(DatasetsError::HttpStatus {
            url: url.to_owned(),
            status: status.to_string(),
        });
    }
    // A publisher's updated file may be somewhat larger and is reported with its hash; a
    // response far larger than expected is refused rather than filling the disk.
    let limit = entry.bytes().saturating_mul(2).saturating_add(1 << 20);
    let too_large = || DatasetsError::TooLarge {
        from: url.to_owned(),
        limit,
        expected: entry.bytes(),
    };
    if response
        .content_length()
        .is_some_and(|length| length > limit)
    {
        return Err(too_large());
    }
    on_event(Event::Started {
        id: entry.id().to_owned(),
        bytes: response.content_length().or(Some(entry.bytes())),
    });
    let mut hasher = Hasher::default();
    while let Some(chunk) = response.chunk().await.map_err(download_error)? {
        hasher.update(&chunk);
        // Servers need not send a length, or may send more than they announced.
        if hasher.bytes() > limit {
            return Err(too_large());
        }
        file.write_all(&chunk)
            .await
            .map_err(DatasetsError::io("write", partial))?;
        on_event(Event::Progress {
            id: entry.id().to_owned(),
            bytes_done: hasher.bytes(),
        });
    }
    Ok((format!("the file from {url}"), hasher.finish()))
}

/// Copies `dir/<path>` into `file`; returns a description of the source and the digest.
async fn copy_from_mirror(
    entry: &Entry,
    dir: &Path,
    file: &mut File,
    partial: &Path,
    on_event: &mut (dyn FnMut(Event) + Send),
) -> Result<(String, Digest), DatasetsError> {
    let source = entry.destination(dir);
    let mut input = match File::open(&source).await {
        Ok(input) => input,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Err(DatasetsError::NotInMirror { path: source })
        }
        Err(error) => return Err(DatasetsError::io("open", &source)(error)),
    };
    let size = input
        .metadata()
        .await
        .map_err(DatasetsError::io("inspect", &source))?
        .len();
    on_event(Event::Started {
        id: entry.id().to_owned(),
        bytes: Some(size),
    });
    let mut hasher = Hasher::default();
    let mut buffer = vec![0u8; CHUNK];
    loop {
        let read = input
            .read(&mut buffer)
            .await
            .map_err(DatasetsError::io("read", &source))?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
        file.write_all(&buffer[..read])
            .await
            .map_err(DatasetsError::io("write", partial))?;
        on_event(Event::Progress {
            id: entry.id().to_owned(),
            bytes_done: hasher.bytes(),
        });
    }
    Ok((format!("mirror file {}", source.display()), hasher.finish()))
}

/// A hidden name beside `target` that no other fetch, in this process or another, will use.
fn partial_path(target: &Path) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = target
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    target.with_file_name(format!(
        ".{name}.tocsin-partial-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_files_are_hidden_siblings_with_distinct_names() {
        let target = Path::new("/data/ewp/file.csv");
        let first = partial_path(target);
        let second = partial_path(target);
        assert_eq!(first.parent(), target.parent());
        assert_ne!(first, second);
        let name = first.file_name().unwrap().to_string_lossy().into_owned();
        assert!(name.starts_with(".file.csv.tocsin-partial-"), "{name}");
    }

    #[test]
    fn report_counts_outcomes_and_is_ok_without_failures() {
        let outcome = |id: &str, outcome| EntryOutcome {
            id: id.to_owned(),
            outcome,
        };
        let report = FetchReport::new(vec![
            outcome("a", Outcome::Fetched),
            outcome("b", Outcome::AlreadyPresent),
            outcome(
                "c",
                Outcome::Skipped {
                    reason: "account".into(),
                },
            ),
        ]);
        assert!(report.ok());
        assert_eq!(
            report.counts(),
            Counts {
                fetched: 1,
                already_present: 1,
                skipped: 1,
                failed: 0
            }
        );
        assert_eq!(report.outcome("b"), Some(&Outcome::AlreadyPresent));

        let report = FetchReport::new(vec![outcome(
            "d",
            Outcome::Failed {
                reason: "404".into(),
            },
        )]);
        assert!(!report.ok());
        assert_eq!(report.counts().failed, 1);
    }

    #[test]
    fn outcome_statuses_are_the_json_words() {
        assert_eq!(Outcome::Fetched.status(), "fetched");
        assert_eq!(Outcome::AlreadyPresent.status(), "already_present");
        assert_eq!(Outcome::AlreadyPresent.reason(), None);
        let failed = Outcome::Failed {
            reason: "why".into(),
        };
        assert_eq!(failed.status(), "failed");
        assert_eq!(failed.reason(), Some("why"));
    }

    // The CLI may run a fetch on a spawned task; this stops compiling if the future is not Send.
    #[test]
    fn the_fetch_future_is_send() {
        fn assert_send<T: Send>(_: &T) {}
        let client = reqwest::Client::new();
        let entries: Vec<&Entry> = Vec::new();
        let mut on_event = |_event: Event| {};
        let future = fetch(
            &entries,
            Path::new("."),
            &Origin::Publisher,
            &client,
            &mut on_event,
        );
        assert_send(&future);
    }

    #[test]
    fn http_client_builds() {
        assert!(http_client().is_ok());
    }
}
