//! The engine's errors.

use thiserror::Error;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum StageError {
    /// The parameter file is unreadable or inconsistent.
    #[error("stage engine parameters: {0}")]
    Params(String),
    /// A backtest asked for something its data cannot give.
    #[error("{0}")]
    Backtest(String),
}
