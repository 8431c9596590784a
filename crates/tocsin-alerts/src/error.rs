//! The crate's one error type: a rules or templates file that cannot be used as it is.

use thiserror::Error;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum AlertsError {
    /// The file is not valid TOML or has fields of the wrong type.
    #[error("{file}: {message}")]
    Syntax { file: &'static str, message: String },
    /// The file reads, but says something that cannot hold (an unknown signal, a zero deadline).
    #[error("{file}: {what}: {hint}")]
    Invalid {
        file: &'static str,
        what: String,
        hint: String,
    },
}
