//! What a recipient is told, cut to what they may see.
//!
//! A recipient cleared for the alert's TLP marking gets the whole alert: headline, description
//! and evidence. One who is not (an email desk cleared for TLP:GREEN receiving a TLP:AMBER
//! alert) learns only that an alert of this severity was raised for this situation, and where
//! to read it: enough to act on, nothing beyond their clearance.

use serde::Serialize;
use time::OffsetDateTime;
use tocsin_domain::Tlp;

use crate::AlertView;

/// One message, in the forms the channels need.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Message {
    pub subject: String,
    /// Plain text for email and the inbox.
    pub body: String,
    /// One short line for SMS.
    pub short: String,
    /// Whether the content was cut to the recipient's clearance.
    pub cut: bool,
}

/// The message for a recipient cleared for `clearance`.
pub fn render(alert: &AlertView, clearance: Tlp, escalation_level: u32) -> Message {
    let severity = alert.severity.cap().to_ascii_uppercase();
    let escalated = if escalation_level > 0 {
        format!(" (escalated, level {escalation_level})")
    } else {
        String::new()
    };
    let ack = format!(
        "Acknowledge it in the Tocsin inbox or with: tocsin alerts ack {}",
        alert.id
    );
    if alert.tlp.permits(clearance) {
        let mut body = format!(
            "{}\n\n{}\n\nSeverity {}, urgency {}, certainty {}. Raised {} by rule {}.\n",
            alert.headline,
            alert.description,
            alert.severity.cap(),
            alert.urgency.cap(),
            alert.certainty.cap(),
            timestamp(alert.raised_at),
            alert.rule,
        );
        if !alert.evidence.is_empty() {
            body.push_str("\nEvidence:\n");
            for item in &alert.evidence {
                body.push_str(&format!("- {item}\n"));
            }
        }
        body.push_str(&format!("\n{}\n{ack}\n", alert.tlp));
        Message {
            subject: format!(
                "[{}] {severity} alert {}: {}{escalated}",
                alert.tlp, alert.id, alert.headline
            ),
            short: format!(
                "TOCSIN {severity} alert {}{escalated}: {}. Ack: tocsin alerts ack {}",
                alert.id, alert.headline, alert.id
            ),
            body,
            cut: false,
        }
    } else {
        Message {
            subject: format!(
                "{severity} alert {} for {}{escalated}",
                alert.id, alert.situation
            ),
            body: format!(
                "A {} alert (number {}) was raised for {} at {}. Its content is marked {} and \
                 this channel is cleared only for {}: read it in Tocsin.\n\n{ack}\n",
                alert.severity.as_str(),
                alert.id,
                alert.situation,
                timestamp(alert.raised_at),
                alert.tlp,
                clearance,
            ),
            short: format!(
                "TOCSIN {severity} alert {} for {}{escalated}: read it in Tocsin. Ack: tocsin alerts ack {}",
                alert.id, alert.situation, alert.id
            ),
            cut: true,
        }
    }
}

/// The JSON a webhook receives, cut like the message.
pub fn webhook_payload(
    alert: &AlertView,
    clearance: Tlp,
    escalation_level: u32,
    delivery_id: i64,
) -> serde_json::Value {
    let message = render(alert, clearance, escalation_level);
    let mut payload = serde_json::json!({
        "delivery": delivery_id,
        "alert": alert.id,
        "situation": alert.situation,
        "severity": alert.severity,
        "urgency": alert.urgency,
        "certainty": alert.certainty,
        "tlp": alert.tlp,
        "raised_at": timestamp(alert.raised_at),
        "escalation_level": escalation_level,
        "subject": message.subject,
        "cut": message.cut,
    });
    if !message.cut {
        payload["headline"] = alert.headline.clone().into();
        payload["description"] = alert.description.clone().into();
        payload["evidence"] = alert.evidence.clone().into();
        payload["stage"] = alert.stage.map(|s| s.number()).into();
        payload["score"] = alert.score.into();
    }
    payload
}

fn timestamp(at: OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC)
        .format(&time::format_description::well_known::Rfc3339)
        .expect("a UTC time formats as RFC 3339")
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::{Certainty, Severity, SignalKind, Urgency};
    use time::macros::datetime;
    use tocsin_domain::{SituationId, Stage};

    pub(crate) fn alert(tlp: Tlp) -> AlertView {
        AlertView {
            id: 12,
            rule: "stage-3".into(),
            kind: SignalKind::StageChanged,
            situation: SituationId::parse("SSD").unwrap(),
            severity: Severity::Extreme,
            urgency: Urgency::Immediate,
            certainty: Certainty::Likely,
            headline: "SSD: stage 3 (imminent emergency)".into(),
            description: "Militia massing near Yei".into(),
            evidence: vec!["7.5 hate propaganda on local radio".into()],
            stage: Some(Stage::ImminentEmergency),
            score: Some(0.82),
            tlp,
            raised_at: datetime!(2026-11-21 12:00 UTC),
            updated_at: datetime!(2026-11-21 12:00 UTC),
            state: "open".into(),
        }
    }

    #[test]
    fn a_recipient_below_the_marking_learns_only_that_there_is_an_alert() {
        let amber = alert(Tlp::Amber);
        let full = render(&amber, Tlp::Amber, 0);
        assert!(!full.cut);
        assert!(full.body.contains("Militia massing near Yei"));
        assert!(full.body.contains("hate propaganda"));
        let cut = render(&amber, Tlp::Green, 1);
        assert!(cut.cut);
        for text in [&cut.subject, &cut.body, &cut.short] {
            assert!(!text.contains("Militia"), "{text}");
            assert!(!text.contains("propaganda"), "{text}");
        }
        assert!(cut.subject.contains("SSD") && cut.subject.contains("escalated"));
        let payload = webhook_payload(&amber, Tlp::Green, 0, 5);
        assert!(payload.get("description").is_none());
        assert!(!payload.to_string().contains("Militia"));
        let payload = webhook_payload(&amber, Tlp::AmberStrict, 0, 5);
        assert_eq!(payload["description"], "Militia massing near Yei");
    }
}
