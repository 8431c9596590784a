//! Tocsin's alerting, as rules and renderings: which signals raise an alert and with what
//! severity and deadline ([`Rules`]), what each recipient is told given their clearance
//! ([`message`]), the CAP 1.2 document and Atom feed of an alert ([`cap`]), the figures of the
//! response record ([`stats`]), webhook signatures ([`signature`]) and community broadcast
//! templates and rate limits ([`community`]).
//!
//! Invariant: pure, like the domain. No I/O, no async, never reads the clock: signals, times
//! and stored alerts come in as parameters. Storage, routing and delivery live in `tocsin-store`
//! and `tocsin-app`, which speak the types defined here.

pub mod cap;
pub mod community;
mod duration;
mod error;
pub mod message;
mod rules;
pub mod signal;
pub mod signature;
pub mod stats;

pub use duration::{format_duration, parse_duration};
pub use error::AlertsError;
pub use rules::{AlertDraft, Certainty, Rule, Rules, Severity, Urgency};
pub use signal::{AlertSignal, SignalKind};

/// An alert as it is stored: what the renderers (messages, CAP, feed) read.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AlertView {
    pub id: i64,
    pub rule: String,
    pub kind: SignalKind,
    pub situation: tocsin_domain::SituationId,
    pub severity: Severity,
    pub urgency: Urgency,
    pub certainty: Certainty,
    pub headline: String,
    pub description: String,
    /// What the alert rests on: drivers, report ids, indicators.
    pub evidence: Vec<String>,
    pub stage: Option<tocsin_domain::Stage>,
    pub score: Option<f64>,
    pub tlp: tocsin_domain::Tlp,
    pub raised_at: time::OffsetDateTime,
    /// Updated when the alert is acknowledged, escalated or repeated.
    pub updated_at: time::OffsetDateTime,
    /// `open`, `acknowledged`.
    pub state: String,
}
