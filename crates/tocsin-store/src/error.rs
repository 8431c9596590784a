//! Storage errors, mapped from database errors into what callers can act on.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error(
        "unsupported database URL scheme {scheme:?}: use sqlite://PATH or postgres://USER@HOST/DB"
    )]
    UnsupportedUrl { scheme: String },
    #[error("could not open the database: {0}")]
    Connect(#[source] sqlx::Error),
    #[error("{what} not found")]
    NotFound { what: String },
    #[error("{0} already exists")]
    Conflict(String),
    #[error("database migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// The domain's rules do not allow what was asked (a workflow move, a role).
    #[error("{0}")]
    Refused(#[source] tocsin_domain::DomainError),
    /// What was asked breaks a rule the store keeps (a decision naming another situation's
    /// measure, a retired unit given new work): `code` is stable, `message` says what to do.
    #[error("{message}")]
    Rejected { code: &'static str, message: String },
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
    /// An error of the intake writer's own SQLite connection (see `embedded`).
    #[error("database error: {0}")]
    Embedded(#[from] rusqlite::Error),
}

impl StoreError {
    pub(crate) fn connect(error: sqlx::Error) -> StoreError {
        StoreError::Connect(error)
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> StoreError {
        match &error {
            sqlx::Error::RowNotFound => StoreError::NotFound {
                what: "row".to_string(),
            },
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StoreError::Conflict(db.message().to_string())
            }
            _ => StoreError::Database(error),
        }
    }
}
