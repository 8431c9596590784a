//! CAP 1.2 (OASIS Common Alerting Protocol) documents of alerts, and the Atom feed listing them.
//!
//! How stage, score and evidence become urgency, severity and certainty is decided when the
//! alert is raised (`rules.rs`) and written down in `docs/alerts.md`; here the stored alert is
//! only written out. The TLP marking becomes the CAP scope: TLP:CLEAR alerts are `Public`,
//! all others `Restricted`, with the marking as the restriction. The document is never cut:
//! who may fetch it is decided by the caller (a user cleared for the marking).

use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;
use time::OffsetDateTime;
use tocsin_domain::{Countries, Tlp};

use crate::{AlertView, SignalKind};

pub const CAP_NAMESPACE: &str = "urn:oasis:names:tc:emergency:cap:1.2";
const ATOM_NAMESPACE: &str = "http://www.w3.org/2005/Atom";

/// Writes to memory, where writing cannot fail.
struct Xml(Writer<Vec<u8>>);

impl Xml {
    fn new() -> Xml {
        let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
        writer
            .write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))
            .expect("writing to memory cannot fail");
        Xml(writer)
    }

    fn open(&mut self, name: &str, attributes: &[(&str, &str)]) {
        let mut start = BytesStart::new(name);
        for attribute in attributes {
            start.push_attribute(*attribute);
        }
        self.0
            .write_event(Event::Start(start))
            .expect("writing to memory cannot fail");
    }

    fn close(&mut self, name: &str) {
        self.0
            .write_event(Event::End(BytesEnd::new(name)))
            .expect("writing to memory cannot fail");
    }

    fn text(&mut self, name: &str, text: &str) {
        self.text_with(name, &[], text);
    }

    fn text_with(&mut self, name: &str, attributes: &[(&str, &str)], text: &str) {
        self.open(name, attributes);
        self.0
            .write_event(Event::Text(BytesText::new(text)))
            .expect("writing to memory cannot fail");
        self.close(name);
    }

    fn empty(&mut self, name: &str, attributes: &[(&str, &str)]) {
        let mut start = BytesStart::new(name);
        for attribute in attributes {
            start.push_attribute(*attribute);
        }
        self.0
            .write_event(Event::Empty(start))
            .expect("writing to memory cannot fail");
    }

    fn finish(self) -> String {
        String::from_utf8(self.0.into_inner()).expect("the writer was given only strings")
    }
}

/// CAP's date-time form: seconds, and an explicit offset (`+00:00`, never `Z`).
pub fn cap_time(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    at.format(time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second]+00:00"
    ))
    .expect("a UTC time formats")
}

fn atom_time(at: OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC)
        .format(time::macros::format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second]Z"
        ))
        .expect("a UTC time formats")
}

/// The CAP `<identifier>` of an alert: unique for the sender.
pub fn cap_identifier(sender: &str, alert_id: i64) -> String {
    format!("{sender}-alert-{alert_id}")
}

/// The alert as a CAP 1.2 document.
pub fn cap_document(alert: &AlertView, sender: &str) -> String {
    let mut xml = Xml::new();
    xml.open("alert", &[("xmlns", CAP_NAMESPACE)]);
    xml.text("identifier", &cap_identifier(sender, alert.id));
    xml.text("sender", sender);
    xml.text("sent", &cap_time(alert.raised_at));
    xml.text("status", "Actual");
    xml.text("msgType", "Alert");
    if alert.tlp == Tlp::Clear {
        xml.text("scope", "Public");
    } else {
        xml.text("scope", "Restricted");
        xml.text(
            "restriction",
            &format!(
                "{}: share only as the Traffic Light Protocol 2.0 allows",
                alert.tlp
            ),
        );
    }
    xml.text("code", alert.tlp.as_str());
    xml.open("info", &[]);
    xml.text("language", "en");
    xml.text("category", "Security");
    xml.text("event", &event_name(alert));
    xml.text(
        "responseType",
        match alert.kind {
            SignalKind::StageChanged | SignalKind::FlashReport => "Assess",
            SignalKind::StructuralRisk | SignalKind::TriggerNear => "Monitor",
        },
    );
    xml.text("urgency", alert.urgency.cap());
    xml.text("severity", alert.severity.cap());
    xml.text("certainty", alert.certainty.cap());
    xml.open("eventCode", &[]);
    xml.text("valueName", "tocsin-rule");
    xml.text("value", &alert.rule);
    xml.close("eventCode");
    xml.text("senderName", "Tocsin early warning");
    xml.text("headline", &alert.headline);
    let mut description = alert.description.clone();
    if !alert.evidence.is_empty() {
        description.push_str("\nEvidence: ");
        description.push_str(&alert.evidence.join("; "));
    }
    xml.text("description", &description);
    let mut parameters = vec![
        ("tlp", alert.tlp.as_str().to_string()),
        ("signal", alert.kind.as_str().to_string()),
    ];
    if let Some(stage) = alert.stage {
        parameters.push(("stage", stage.number().to_string()));
    }
    if let Some(score) = alert.score {
        parameters.push(("score", format!("{score:.3}")));
    }
    for (name, value) in parameters {
        xml.open("parameter", &[]);
        xml.text("valueName", name);
        xml.text("value", &value);
        xml.close("parameter");
    }
    xml.open("area", &[]);
    xml.text("areaDesc", &area_description(alert));
    xml.open("geocode", &[]);
    xml.text("valueName", "tocsin-situation");
    xml.text("value", alert.situation.as_str());
    xml.close("geocode");
    xml.close("area");
    xml.close("info");
    xml.close("alert");
    xml.finish()
}

fn event_name(alert: &AlertView) -> String {
    match (alert.kind, alert.stage) {
        (SignalKind::StageChanged, Some(stage)) => {
            format!("Risk of atrocity crimes: {stage}")
        }
        (SignalKind::FlashReport, _) => "Flash report of imminent atrocity risk".to_string(),
        (SignalKind::StructuralRisk, _) => "Structural risk of mass killing".to_string(),
        (SignalKind::TriggerNear, _) => "Trigger of atrocity risk approaching".to_string(),
        (SignalKind::StageChanged, None) => "Risk of atrocity crimes".to_string(),
    }
}

/// The country's name, and the area's slug for a sub-national situation.
fn area_description(alert: &AlertView) -> String {
    let country = alert.situation.country();
    let name = Countries::embedded()
        .all()
        .iter()
        .find(|c| c.situation_id() == country)
        .map_or_else(|| country.to_string(), |c| c.name.clone());
    match alert.situation.as_str().split_once('/') {
        Some((_, area)) => format!("{area}, {name}"),
        None => name,
    }
}

/// An Atom feed of alerts, newest first, each entry linking to its CAP document at
/// `{base_url}/api/v1/alerts/{id}/cap`.
pub fn atom_feed(
    alerts: &[AlertView],
    sender: &str,
    base_url: &str,
    now: OffsetDateTime,
) -> String {
    let base_url = base_url.trim_end_matches('/');
    let mut xml = Xml::new();
    xml.open("feed", &[("xmlns", ATOM_NAMESPACE)]);
    xml.text("id", &format!("{base_url}/api/v1/cap/feed"));
    xml.text("title", "Tocsin alerts (CAP 1.2)");
    let updated = alerts.iter().map(|a| a.updated_at).max().unwrap_or(now);
    xml.text("updated", &atom_time(updated));
    xml.open("author", &[]);
    xml.text("name", sender);
    xml.close("author");
    xml.empty(
        "link",
        &[
            ("rel", "self"),
            ("href", &format!("{base_url}/api/v1/cap/feed")),
        ],
    );
    for alert in alerts {
        let cap_url = format!("{base_url}/api/v1/alerts/{}/cap", alert.id);
        xml.open("entry", &[]);
        xml.text("id", &cap_url);
        xml.text("title", &alert.headline);
        xml.text("updated", &atom_time(alert.updated_at));
        xml.text("published", &atom_time(alert.raised_at));
        xml.empty(
            "link",
            &[
                ("rel", "alternate"),
                ("type", "application/cap+xml"),
                ("href", &cap_url),
            ],
        );
        xml.empty("category", &[("term", alert.severity.cap())]);
        xml.text_with(
            "summary",
            &[("type", "text")],
            &format!(
                "{} {} ({})",
                alert.severity.cap(),
                alert.situation,
                alert.tlp
            ),
        );
        xml.close("entry");
    }
    xml.close("feed");
    xml.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::tests::alert;
    use std::io::Write;
    use std::process::{Command, Stdio};

    /// Checks `document` against the OASIS CAP 1.2 schema with xmllint.
    pub(crate) fn assert_valid_cap(document: &str) {
        let schema = std::env::var_os("TOCSIN_TEST_DATA")
            .map_or_else(
                || {
                    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                        .join("../../../shared/data")
                },
                std::path::PathBuf::from,
            )
            .join("standards/CAP-v1.2-schema.xsd");
        let mut child = Command::new("xmllint")
            .args(["--noout", "--schema"])
            .arg(&schema)
            .arg("-")
            .stdin(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("xmllint runs (scripts/test installs libxml2-utils)");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(document.as_bytes())
            .unwrap();
        let output = child.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "invalid CAP: {}\n{document}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    #[test]
    fn cap_carries_the_mapping_and_the_marking() {
        let document = cap_document(&alert(Tlp::Amber), "tocsin@example.org");
        for part in [
            "<identifier>tocsin@example.org-alert-12</identifier>",
            "<sent>2026-11-21T12:00:00+00:00</sent>",
            "<scope>Restricted</scope>",
            "<urgency>Immediate</urgency>",
            "<severity>Extreme</severity>",
            "<certainty>Likely</certainty>",
            "<areaDesc>South Sudan</areaDesc>",
            "<value>0.820</value>",
        ] {
            assert!(document.contains(part), "{part} missing from\n{document}");
        }
        assert_valid_cap(&document);
        let public = cap_document(&alert(Tlp::Clear), "tocsin@example.org");
        assert_valid_cap(&public);
        assert!(public.contains("<scope>Public</scope>") && !public.contains("restriction"));
    }

    #[test]
    fn text_is_escaped() {
        let mut risky = alert(Tlp::Clear);
        risky.headline = "a < b & \"c\"".into();
        let document = cap_document(&risky, "t@x");
        assert!(document.contains("a &lt; b &amp;"), "{document}");
        assert_valid_cap(&document);
    }

    // A schema check that cannot fail proves nothing: a document missing <certainty> must fail.
    #[test]
    fn the_schema_check_refuses_an_incomplete_document() {
        let document =
            cap_document(&alert(Tlp::Amber), "t@x").replace("<certainty>Likely</certainty>", "");
        let result = std::panic::catch_unwind(|| assert_valid_cap(&document));
        assert!(result.is_err());
    }
}
