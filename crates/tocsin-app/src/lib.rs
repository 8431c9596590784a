//! Tocsin's application services: each public function is one thing a user asks for, carried
//! out across the parsers (`tocsin-ingest`), the gazetteer (`tocsin-geo`) and the store.
//!
//! Invariant: the HTTP handlers and CLI commands call into here and only map results; time is
//! a parameter (`now`), never read from the clock. Errors carry a stable code, an HTTP-like
//! kind and a message that tells the sender what to fix.

pub mod accounts;
pub mod alerts;
pub mod assessment;
pub mod brief;
pub mod events;
pub mod export;
pub mod history;
pub mod intake;
pub mod prevention;

pub use accounts::{token_hash, AccountError, Accounts, IssuedToken};
pub use alerts::{
    AlertError, AlertErrorKind, Alerts, ChannelSettings, RetryPolicy, TickReport, Viewer,
};
pub use assessment::{AssessmentError, Assessments};
pub use brief::Briefs;
pub use events::{event_reports, import_events, EventImport, EventImportError};
pub use export::{export_reports, ExportFormat};
pub use intake::{GatewaySecrets, Intake, IntakeError, IntakeErrorKind, IntakeOutcome, SmsOutcome};
pub use prevention::{PreventionError, PreventionErrorKind};
