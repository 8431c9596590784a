//! Tocsin's stage engine: from structural risk, analysts' judgments on the 14 risk factors,
//! graded evidence and the triggers ahead, where a situation stands on the path of escalation
//! (no elevated concern, stage 1, 2 or 3), a continuous escalation score, and the evidence behind
//! both. `backtest` runs the engine month by month over dataset events and scores it against
//! mass-killing onsets.
//!
//! Invariant: pure. No I/O, no async, no clock: the date of assessment is a parameter, and the
//! same input gives the same answer.

pub mod backtest;
mod engine;
mod error;
mod params;

time::serde::format_description!(iso_date, Date, "[year]-[month]-[day]");

pub use engine::{
    Assessment, Driver, DriverKind, Engine, Input, Item, Judgment, Observation, Origin,
    StageReading, Structural, Trigger, Upcoming,
};
pub use error::StageError;
pub use params::Params;
