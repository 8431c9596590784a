//! Tocsin's domain: the vocabulary of atrocity early warning and the rules that hold whatever
//! the storage, transport or user interface.
//!
//! Invariant: this crate does no I/O, spawns nothing, never reads the clock or the environment.
//! Time, randomness and ids come in as parameters; embedded data (the country table, the
//! indicator catalogue) is compiled in and parsed from strings.

pub mod assessment;
pub mod audit;
pub mod catalogue;
mod error;
pub mod escalation;
pub mod grading;
pub mod report;
pub mod role;
pub mod situation;
pub mod source;
pub mod structural;

pub use assessment::{CodingState, Confidence, FactorStatus, Trend, TriggerKind};
pub use catalogue::{Catalogue, CrimeScope, Indicator, LegacyCategory, RiskFactor};
pub use error::DomainError;
pub use escalation::{Dimension, Stage};
pub use grading::{Credibility, Reliability, Tlp};
pub use report::{
    check_transition, IndicatorCode, Place, Report, Transition, VerificationState, WORKFLOW,
};
pub use role::{Principal, Role};
pub use situation::{Countries, Country, Situation, SituationId};
pub use source::{Channel, Contact, Source, SourceId};
pub use structural::{Border, CountryYear, EWP_OUTCOMES, EWP_PREDICTORS};
