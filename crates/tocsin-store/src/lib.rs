//! Tocsin's storage: one contract with SQLite (the embedded default) and PostgreSQL (shared
//! deployments) behind it, chosen by database URL.
//!
//! Invariant: every write that changes what users see appends to the hash-chained audit log in
//! the same transaction, so the record and the change land together or not at all. Queries are
//! checked at run time (no live database needed to build) and written with `$1` placeholders,
//! which both SQLite and PostgreSQL accept; each backend has its own migrations.
//!
//! Time comes in as a parameter (`now`), never from the clock.

mod accounts;
mod alerts;
mod assessment;
mod audit;
mod checkpoint;
mod community;
mod datasets;
mod dedicated;
mod embedded;
mod error;
mod export;
mod group_commit;
mod intake;
mod map;
mod param;
mod reports;
mod responses;
mod risk;
mod sessions;
mod situations;
mod token_lookup;
pub mod vault;

use std::fmt;
use std::sync::Arc;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};

pub use accounts::{NewUser, TokenRow, UserRow};
pub use alerts::{
    measure_situations, AlertFilter, AlertRecord, DecisionRecord, DeliveryRecord, FlashCandidate,
    Raised, UnitAddress, UnitRemoval, UnitRow, ADDRESS_CHANNELS, UNIT_KINDS,
};
pub use assessment::{
    EvidenceRow, IndicatorCoding, JudgmentFields, JudgmentRecord, NewTransition, TransitionRecord,
    TriggerFields, TriggerRecord,
};
pub use community::{BroadcastRecord, CommunityDelivery, SubscriberRow};
pub use datasets::{CountryYearImport, ImportOutcome, StructuralSummary};
pub use error::StoreError;
pub use export::{ExportError, ExportRow};
pub use intake::{
    Accepted, DatasetFacts, Delivery, InboxEntry, InboxState, NewReport, PlaceInput, Received,
};
pub use map::{MapCell, MapQuery};
pub use reports::{Grade, ManualPlace, ReportFilter, ReportView, MAX_PAGE};
pub use responses::{IndicatorObservation, ResponseFields, ResponseRecord};
pub use risk::RiskAssessmentMeta;
pub use sessions::LiveSession;
pub use situations::SituationRow;
pub use vault::{Vault, VaultError};

/// Which database engine a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// Tells the engine from a database URL, or says what URLs are understood.
    pub fn from_url(url: &str) -> Result<Backend, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::UnsupportedUrl {
                scheme: url.split(':').next().unwrap_or_default().to_string(),
            })
        }
    }
}

/// A connection pool to Tocsin's database. Cloning it is cheap (one shared handle): the
/// server clones it into the state of every request it answers.
#[derive(Clone)]
pub struct Store {
    inner: Arc<StoreInner>,
}

impl std::ops::Deref for Store {
    type Target = StoreInner;

    fn deref(&self) -> &StoreInner {
        &self.inner
    }
}

/// What a [`Store`] shares among its clones.
pub struct StoreInner {
    pool: AnyPool,
    /// Where the intake writer commits: the pool itself, or a connection of its own.
    write_pool: AnyPool,
    backend: Backend,
    /// The task that commits intake writes together (see `group_commit`).
    writer: group_commit::GroupCommit,
    /// The task that answers concurrent API token checks together (see `token_lookup`).
    tokens: token_lookup::TokenLookups,
    /// The database file, for SQLite on disk.
    sqlite_file: Option<String>,
}

// Hand-written so that a database URL with a password never reaches a log.
impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend)
            .finish()
    }
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl Store {
    /// Opens (creating a SQLite file if needed) and migrates the database at `url`, and starts
    /// the intake writer task: call it inside a Tokio runtime.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        let backend = Backend::from_url(url)?;
        sqlx::any::install_default_drivers();
        let url = match backend {
            // Create the file on first use unless the URL says otherwise.
            Backend::Sqlite if !url.contains("mode=") => {
                let separator = if url.contains('?') { '&' } else { '?' };
                format!("{url}{separator}mode=rwc")
            }
            _ => url.to_string(),
        };
        let options: AnyConnectOptions = url.parse().map_err(StoreError::connect)?;
        let pool = AnyPoolOptions::new()
            // SQLite allows one writer at a time; a small pool avoids lock contention.
            .max_connections(match backend {
                Backend::Sqlite => 4,
                Backend::Postgres => 10,
            })
            // A local file needs no ping before each use; the ping was a round trip on every
            // group commit. A server connection can drop, so PostgreSQL keeps the check.
            .test_before_acquire(backend == Backend::Postgres)
            .after_connect(move |connection, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // FULL: a commit is flushed to disk before it returns, so a change
                        // answered as made survives a power cut, not only a crash of the
                        // process.
                        sqlite_settings(connection, "FULL").await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options.clone())
            .await
            .map_err(StoreError::connect)?;
        if backend == Backend::Sqlite {
            // WAL is a property of the file: set once, it stays.
            pool.execute("PRAGMA journal_mode = WAL").await?;
        }
        let intake = intake_writer(&pool, backend, options).await?;
        let write_pool = intake.pool.clone();
        let writer =
            group_commit::GroupCommit::start(intake.pool, backend, intake.durable, intake.embedded);
        let tokens = token_lookup::TokenLookups::start(pool.clone(), backend);
        let store = Store {
            inner: Arc::new(StoreInner {
                pool,
                write_pool,
                backend,
                writer,
                tokens,
                sqlite_file: intake.file,
            }),
        };
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator.run(&self.pool).await?;
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Checks that the database answers (for `/health`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Stops the intake writer and closes the pools, waiting for connections to finish (SQLite
    /// then copies its write-ahead log into the database file).
    pub async fn close(&self) {
        self.writer.close().await;
        self.write_pool.close().await;
        self.pool.close().await;
    }
}

/// How long a SQLite connection waits for another's write lock before giving up.
pub(crate) const BUSY_TIMEOUT_MS: u64 = 10_000;

/// The settings of every SQLite connection; `synchronous` is `FULL` or, for the intake
/// writer's own connection, `NORMAL` (see `group_commit`).
async fn sqlite_settings(
    connection: &mut sqlx::AnyConnection,
    synchronous: &str,
) -> Result<(), sqlx::Error> {
    connection.execute("PRAGMA foreign_keys = ON").await?;
    connection
        .execute(format!("PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}").as_str())
        .await?;
    // Statement journals and sorts in memory: a multi-row insert into a table with unique
    // keys keeps a journal to undo itself alone, and past 64 KiB SQLite would spill it to a
    // new temporary file (created, written and deleted for each batch).
    connection.execute("PRAGMA temp_store = MEMORY").await?;
    connection
        .execute(format!("PRAGMA synchronous = {synchronous}").as_str())
        .await?;
    Ok(())
}

/// How long the write-ahead log grows, in pages, before the intake writer's commit copies
/// what the checkpointer has not yet copied into the database file and starts the log again
/// (see `checkpoint`). SQLite's default is 1,000: a fourth as many pauses of the writer.
pub(crate) const WRITER_CHECKPOINT_PAGES: u32 = 4_000;

/// The intake writer's sqlx pool, what makes its commits durable when they are not by
/// themselves, and its own rusqlite connection. A SQLite file gets connections of its own, kept
/// open while the store is, that commit without flushing (`synchronous = NORMAL`) and a flush of
/// its write-ahead log after each commit, pipelined with the next batch (see `group_commit`):
/// the rusqlite one for deliveries and reports without a sender (see `embedded`), the sqlx one
/// for the other writes. An in-memory SQLite database has nothing to flush (and no second
/// connection can reach it), and PostgreSQL commits durably: both share the pool.
struct IntakeWriter {
    pool: AnyPool,
    durable: Option<Arc<dyn group_commit::Durable>>,
    embedded: Option<embedded::EmbeddedWriter>,
    /// The SQLite database file, if the database is one.
    file: Option<String>,
}

impl IntakeWriter {
    /// Writing through the store's pool, with commits durable by themselves.
    fn shared(pool: &AnyPool) -> IntakeWriter {
        IntakeWriter {
            pool: pool.clone(),
            durable: None,
            embedded: None,
            file: None,
        }
    }
}

async fn intake_writer(
    pool: &AnyPool,
    backend: Backend,
    options: AnyConnectOptions,
) -> Result<IntakeWriter, StoreError> {
    if backend != Backend::Sqlite {
        return Ok(IntakeWriter::shared(pool));
    }
    use sqlx::Row;
    let file: String = sqlx::query("SELECT file FROM pragma_database_list WHERE name = 'main'")
        .fetch_one(pool)
        .await?
        .try_get("file")?;
    if file.is_empty() {
        return Ok(IntakeWriter::shared(pool));
    }
    let write_pool = AnyPoolOptions::new()
        .max_connections(1)
        .min_connections(1)
        // The connection stays open with the store: while it is, SQLite keeps the same log
        // file, the one flushed.
        .idle_timeout(None)
        .max_lifetime(None)
        .test_before_acquire(false)
        .after_connect(|connection, _| {
            Box::pin(async move {
                sqlite_settings(connection, "NORMAL").await?;
                connection
                    .execute(
                        format!("PRAGMA wal_autocheckpoint = {WRITER_CHECKPOINT_PAGES}").as_str(),
                    )
                    .await?;
                Ok(())
            })
        })
        .connect_with(options)
        .await
        .map_err(StoreError::connect)?;
    let checkpoints = checkpoint::Checkpoints::start(pool.clone());
    let durable: Arc<dyn group_commit::Durable> =
        Arc::new(group_commit::WalFile::of(&file, checkpoints));
    let embedded = embedded::EmbeddedWriter::open(&file)?;
    Ok(IntakeWriter {
        pool: write_pool,
        durable: Some(durable),
        embedded: Some(embedded),
        file: Some(file),
    })
}

/// Placeholders for a multi-row insert of `rows` rows of `columns` values: numbered
/// `($1, $2, …), (…)` for PostgreSQL, anonymous `(?, ?, …), (…)` for SQLite. SQLite finds the
/// name of a numbered parameter by walking a list of all of them, and sqlx asks for every
/// parameter's name when binding, so numbered placeholders make a 14,000-value insert
/// quadratic: an import of 16,000 rows took seconds instead of tens of milliseconds.
fn values_placeholders(backend: Backend, rows: usize, columns: usize) -> String {
    let mut sql = String::with_capacity(rows * columns * 5);
    for row in 0..rows {
        if row > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for column in 0..columns {
            if column > 0 {
                sql.push_str(", ");
            }
            match backend {
                Backend::Sqlite => sql.push('?'),
                Backend::Postgres => {
                    sql.push('$');
                    sql.push_str(&(row * columns + column + 1).to_string());
                }
            }
        }
        sql.push(')');
    }
    sql
}

/// RFC 3339 text in UTC with fixed (microsecond) precision: the stored form of every time.
///
/// Written digit by digit: every stored row has one or two of these, and the `time` crate's
/// general formatter took a tenth of a dataset import's storing time.
pub fn timestamp_text(at: time::OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    let year = at.year();
    if !(0..=9999).contains(&year) {
        // Outside four-digit years the general formatter says how (a sign, more digits).
        let format = time::macros::format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
        );
        return at
            .format(&format)
            .expect("a UTC time always formats with a fixed description");
    }
    fn digits(text: &mut String, value: u32, width: u32) {
        for place in (0..width).rev() {
            let digit = (value / 10u32.pow(place)) % 10;
            text.push(char::from(b'0' + digit as u8));
        }
    }
    let mut text = String::with_capacity(27);
    digits(&mut text, year as u32, 4);
    text.push('-');
    digits(&mut text, u8::from(at.month()).into(), 2);
    text.push('-');
    digits(&mut text, at.day().into(), 2);
    text.push('T');
    digits(&mut text, at.hour().into(), 2);
    text.push(':');
    digits(&mut text, at.minute().into(), 2);
    text.push(':');
    digits(&mut text, at.second().into(), 2);
    text.push('.');
    digits(&mut text, at.microsecond(), 6);
    text.push('Z');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_number_rows_then_columns() {
        assert_eq!(
            values_placeholders(Backend::Postgres, 2, 3),
            "($1, $2, $3), ($4, $5, $6)"
        );
        assert_eq!(
            values_placeholders(Backend::Sqlite, 2, 3),
            "(?, ?, ?), (?, ?, ?)"
        );
    }

    #[test]
    fn urls_choose_the_backend() {
        assert_eq!(
            Backend::from_url("sqlite:///tmp/x.db").unwrap(),
            Backend::Sqlite
        );
        assert_eq!(
            Backend::from_url("postgres://u@h/db").unwrap(),
            Backend::Postgres
        );
        let error = Backend::from_url("mysql://h/db").unwrap_err().to_string();
        assert!(error.contains("mysql"), "{error}");
    }

    #[test]
    fn timestamps_have_fixed_precision_in_utc() {
        let at = time::macros::datetime!(2026-03-01 12:00:05.5 +02:00);
        assert_eq!(timestamp_text(at), "2026-03-01T10:00:05.500000Z");
    }

    // The hand-written digits are the text the general formatter writes, for any time.
    #[test]
    fn timestamps_are_what_the_general_formatter_writes() {
        let format = time::macros::format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
        );
        let mut seconds: i64 = -62_135_596_800; // 0001-01-01
        let mut nanos: i64 = 7;
        for _ in 0..20_000 {
            let at = time::OffsetDateTime::from_unix_timestamp(seconds).unwrap()
                + time::Duration::nanoseconds(nanos);
            let expected = at.to_offset(time::UtcOffset::UTC).format(&format).unwrap();
            assert_eq!(timestamp_text(at), expected);
            // Steps that are prime in seconds and nanoseconds reach every field's digits.
            seconds += 15_767_011;
            nanos = (nanos * 7_919 + 104_729) % 1_000_000_000;
        }
        assert!(
            seconds > 250_000_000_000,
            "the walk went through the years 1 to 9999"
        );
    }
}
