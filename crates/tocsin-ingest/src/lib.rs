//! Parsers for what comes into Tocsin from outside.
//!
//! Invariant: no database, no network, no clock. Parsers take bytes and return what they
//! could read plus, for what they could not, problems that name the file, line and column and
//! say how to fix it. A parser never panics on arbitrary input (property-tested).
//!
//! Dataset files: `ewp` (EWP country-years), `ucdp` (UCDP GED events), `acled` (ACLED events),
//! the last two into the common [`DatasetEvent`] of `dataset`. Field reports: `webhook` (SMS
//! gateway webhooks), `sms` (the structured SMS syntax and free text), `submission` (the JSON
//! body of the reports API), `language` (which language a report is in). Historic data for the
//! stage engine's check and for triggers: `history` (ACLED country-month counts, coups,
//! electoral violence, EWP's mass-killing episodes). Land borders for the risk model's
//! neighbourhood features: `cshapes` (CShapes 2.0 TopoJSON).

pub mod acled;
mod contact;
pub mod cshapes;
pub mod dataset;
pub mod ewp;
pub mod history;
pub mod language;
mod problem;
pub mod sms;
pub mod submission;
pub mod ucdp;
pub mod webhook;

pub use acled::{parse_acled, stream_acled};
pub use cshapes::parse_borders;
pub use dataset::{DatasetEvent, DatasetFile, DatasetStream, DatasetSummary};
pub use language::{detect_language, DetectedLanguage, LanguageDetector};
pub use problem::{IngestError, Problem};
pub use sms::{parse_sms, parse_subscription, SmsReport, Subscription};
pub use submission::{
    parse_form_submission, parse_submission, ReportSubmission, SubmissionError, SubmittedPlace,
    SubmittedSource,
};
pub use ucdp::{parse_ucdp_ged, stream_ucdp_ged};
pub use webhook::{parse_any_webhook, parse_webhook, GatewayKind, InboundSms, WebhookError};

use sha2::{Digest, Sha256};

/// Hex SHA-256 of a file's bytes: identifies an edition of a dataset.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}
