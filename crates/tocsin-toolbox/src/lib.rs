//! Tocsin's prevention toolbox: what can be done about a situation, what was done before, and
//! who is doing what now.
//!
//! * [`Toolbox`] holds the prevention tools of the seed documents (`data/toolbox.toml`) and the
//!   lessons library of past cases (`data/lessons.toml`), both embedded and validated together.
//! * [`Toolbox::list`] and [`Toolbox::search_lessons`] look them up by stage, dimension, tool
//!   and text.
//! * [`Toolbox::recommend`] ranks tools for a situation by its stage and the dimensions its
//!   indicators stress, with reasons, caveats and precedent.
//! * [`Derivation`] reads a provisional stage and stress profile off the indicators coded on a
//!   situation's verified reports, for a situation the stage engine has not assessed yet.
//! * [`Toolbox::coordination_board`] lays out the [`Measure`]s taken for a situation and flags
//!   gaps and clashes.
//!
//! Invariant: the crate is pure. It does no I/O, no async and never reads the clock; dates come
//! in as parameters. It is an API boundary for the CLI and the HTTP crate, which own the wire
//! formats around it.

mod board;
mod error;
mod evidence;
mod lesson;
mod query;
mod recommend;
mod stress;
mod tool;
mod toolbox;

pub use board::{Board, Clash, ClashKind, Entry, Gap, Lane, Measure, MeasureStatus, Phase};
pub use error::{DataFile, Problem, ToolboxError};
pub use evidence::{Derivation, IndicatorEvidence, MIN_INDICATORS};
pub use lesson::{Lesson, Verdict};
pub use query::{LessonQuery, ToolFilter};
pub use recommend::{CitedLesson, Recommendation};
pub use stress::Stress;
pub use tocsin_domain::{Dimension, Stage};
pub use tool::{Actor, Kind, LeadTime, Tool};
pub use toolbox::Toolbox;
