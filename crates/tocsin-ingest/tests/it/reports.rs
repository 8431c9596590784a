//! Field reports end to end within this crate: a gateway webhook is decoded, its text read as
//! the SMS syntax or free text, its language detected; API submissions are checked.

use time::macros::datetime;
use tocsin_domain::{Channel, Credibility, Tlp};
use tocsin_ingest::webhook::detect_gateway;
use tocsin_ingest::{
    detect_language, parse_any_webhook, parse_sms, parse_submission, parse_webhook, GatewayKind,
};

/// A Twilio inbound-SMS webhook as Twilio posts it (field order and extras included).
const TWILIO: &str = "ToCountry=US&ToState=NY&SmsMessageSid=SMa1b2c3d4e5f60718293a4b5c6d7e8f90\
&NumMedia=0&ToCity=&FromZip=&SmsSid=SMa1b2c3d4e5f60718293a4b5c6d7e8f90&FromState=&SmsStatus=received\
&FromCity=&Body=ALERTE+lieu%3A+Bangui%2C+PK5+%23+vu%3A+maisons+br%C3%BBl%C3%A9es+par+des+miliciens\
+%23+nombre%3A+environ+40+%23+quand%3A+hier+21h30&FromCountry=CF&To=%2B12125550100&MessagingServiceSid=\
&ToZip=&NumSegments=1&ReferralNumMedia=0&MessageSid=SMa1b2c3d4e5f60718293a4b5c6d7e8f90\
&AccountSid=ACf0e1d2c3b4a5968778695a4b3c2d1e0f&From=%2B23672123456&ApiVersion=2010-04-01";

/// An SMSSync webhook: the Android gateway posts these form fields.
const SMSSYNC: &str = "from=%2B243%20970%20123%20456&message=TAHADHARI%0AMAHALI%3A+Beni%2C+Mavivi\
%0ANIMEONA%3A+watu+wenye+silaha+wamechoma+nyumba+na+watu+wengi+wamekimbia%0AIDADI%3A+kumi\
%0ALINI%3A+jana&message_id=0c5e2f9a-3d0b-4c55-9a3e-7f1d2b6c8e41&sent_to=%2B243810000000\
&secret=field-gateway-7&device_id=42&sent_timestamp=1714546800000";

#[test]
fn a_twilio_webhook_in_french_syntax_becomes_a_structured_report() {
    let sms = parse_webhook(GatewayKind::Twilio, TWILIO.as_bytes()).unwrap();
    assert_eq!(sms.gateway, GatewayKind::Twilio);
    assert_eq!(sms.message_id, "SMa1b2c3d4e5f60718293a4b5c6d7e8f90");
    assert_eq!(sms.sender.expose(), "+23672123456");
    assert_eq!(sms.secret, None);
    assert_eq!(detect_gateway(TWILIO.as_bytes()), Some(GatewayKind::Twilio));

    let received = datetime!(2024-05-01 08:15 +01:00);
    let report = parse_sms(&sms.body, received);
    assert!(report.structured);
    assert_eq!(report.place.as_deref(), Some("Bangui, PK5"));
    assert_eq!(report.observed, "maisons brûlées par des miliciens");
    assert_eq!(report.count, Some(40));
    assert_eq!(report.observed_at, Some(datetime!(2024-04-30 21:30 +01:00)));
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    assert_eq!(detect_language(&report.observed).unwrap().code, "fr");
}

#[test]
fn an_smssync_webhook_in_swahili_syntax_becomes_a_structured_report() {
    let sms = parse_any_webhook(SMSSYNC.as_bytes()).unwrap();
    assert_eq!(sms.gateway, GatewayKind::SmsSync);
    assert_eq!(sms.message_id, "0c5e2f9a-3d0b-4c55-9a3e-7f1d2b6c8e41");
    assert_eq!(sms.sender.expose(), "+243970123456");
    assert_eq!(sms.secret.as_deref(), Some("field-gateway-7"));
    let sent_at = sms.sent_at.unwrap();
    assert_eq!(sent_at, datetime!(2024-05-01 07:00 UTC));

    let report = parse_sms(&sms.body, sent_at);
    assert!(report.structured);
    assert_eq!(report.place.as_deref(), Some("Beni, Mavivi"));
    assert_eq!(
        report.observed,
        "watu wenye silaha wamechoma nyumba na watu wengi wamekimbia"
    );
    assert_eq!(report.count, Some(10));
    assert_eq!(report.observed_at, Some(datetime!(2024-04-30 00:00 UTC)));
    assert!(report.observed_day_only);
    assert_eq!(detect_language(&report.observed).unwrap().code, "sw");

    // Nothing that identifies the sender or the gateway's secret reaches Debug output.
    let logged = format!("{sms:?}");
    for secret in ["970123456", "970 123 456", "field-gateway-7", "silaha"] {
        assert!(!logged.contains(secret), "{logged}");
    }
}

#[test]
fn a_free_text_sms_is_kept_whole() {
    // Twilio's form encoding of a plain message with a line break and an apostrophe.
    let body = "From=%2B8801712345678&Body=Soldiers+came+to+the+camp+last+night%2C+they+took+\
four+young+men.%0AWe+don%27t+know+where&MessageSid=SM00000000000000000000000000000001";
    let sms = parse_webhook(GatewayKind::Twilio, body.as_bytes()).unwrap();
    let report = parse_sms(&sms.body, datetime!(2024-05-01 06:00 UTC));
    assert!(!report.structured);
    assert_eq!(
        report.observed,
        "Soldiers came to the camp last night, they took four young men.\nWe don't know where"
    );
    assert_eq!(
        (report.place, report.count, report.observed_at),
        (None, None, None)
    );
    assert!(report.warnings.is_empty());
    assert_eq!(detect_language(&sms.body).unwrap().code, "en");
}

#[test]
fn webhooks_missing_fields_or_badly_encoded_are_refused_with_a_code() {
    let cases: &[(GatewayKind, &str, &str)] = &[
        (
            GatewayKind::Twilio,
            "Body=hello&MessageSid=SM1",
            "missing_field",
        ),
        (
            GatewayKind::Twilio,
            "From=%2B1212555&MessageSid=SM1",
            "missing_field",
        ),
        (
            GatewayKind::Twilio,
            "From=%2B1212555&Body=hello",
            "missing_field",
        ),
        (
            GatewayKind::Twilio,
            "From=%2B1212555&Body=%0A+&MessageSid=SM1",
            "empty_message",
        ),
        (
            GatewayKind::Twilio,
            "From=%2B1212555&Body=caf%E9&MessageSid=SM1",
            "invalid_encoding",
        ),
        (
            GatewayKind::SmsSync,
            "from=%2B1212555&message=hello",
            "missing_field",
        ),
        (
            GatewayKind::SmsSync,
            "message=hello&message_id=1",
            "missing_field",
        ),
        (
            GatewayKind::SmsSync,
            "from=%C0%80&message=hello&message_id=1",
            "invalid_encoding",
        ),
        (
            GatewayKind::SmsSync,
            "from=1&from=2&message=hello&message_id=1",
            "duplicate_field",
        ),
    ];
    for &(gateway, body, code) in cases {
        let error = parse_webhook(gateway, body.as_bytes()).unwrap_err();
        assert_eq!(error.code, code, "{body}: {error}");
        assert!(!error.message.ends_with('.'), "{error}");
    }
    // A body that is neither shape.
    let error = parse_any_webhook(br#"{"from": "+1212555"}"#).unwrap_err();
    assert_eq!(error.code, "unknown_gateway");
}

#[test]
fn gateway_retries_decode_to_the_same_message() {
    // Duplicate SMS from a retrying gateway: the storage layer drops repeats by message id,
    // which only works if every delivery decodes to the same id and text.
    let first = parse_webhook(GatewayKind::SmsSync, SMSSYNC.as_bytes()).unwrap();
    for _ in 0..2 {
        let again = parse_webhook(GatewayKind::SmsSync, SMSSYNC.as_bytes()).unwrap();
        assert_eq!(again, first);
    }
}

#[test]
fn an_api_submission_round_trip_and_each_error_code() {
    let body = br#"{"text": "Checkpoint set up at the bridge, men separated from women",
        "place": {"name": "Ganyiel", "lat": 7.6, "lon": 30.4},
        "observed_at": "2024-05-01T05:45:00+03:00", "tlp": "amber+strict", "credibility": 2,
        "source": {"contact": "monitor@example.org", "channel": "web_form"}, "external_id": "wf-1"}"#;
    let submission = parse_submission(body).unwrap();
    assert_eq!(submission.tlp, Some(Tlp::AmberStrict));
    assert_eq!(submission.credibility, Some(Credibility::ProbablyTrue));
    assert_eq!(
        submission.observed_at,
        Some(datetime!(2024-05-01 02:45 UTC))
    );
    assert_eq!(submission.source.unwrap().channel, Channel::WebForm);

    for (body, code, path) in [
        ("not json", "invalid_json", None),
        (
            r#"{"place": {"name": "Bor"}}"#,
            "missing_field",
            Some("text"),
        ),
        (
            r#"{"text": "a", "tlp_level": "RED"}"#,
            "unknown_field",
            Some("tlp_level"),
        ),
        (
            r#"{"text": "a", "source": {"phone": "1"}}"#,
            "unknown_field",
            Some("source.phone"),
        ),
        (r#"{"text": ""}"#, "empty_text", Some("text")),
        (
            r#"{"text": "a", "place": {"lon": 30.4}}"#,
            "invalid_coordinates",
            Some("place"),
        ),
        (
            r#"{"text": "a", "place": {"lat": 7, "lon": 200}}"#,
            "invalid_coordinates",
            Some("place.lon"),
        ),
        (
            r#"{"text": "a", "credibility": "high"}"#,
            "invalid_field",
            Some("credibility"),
        ),
        (
            r#"{"text": "a", "observed_at": "01/05/2024"}"#,
            "invalid_field",
            Some("observed_at"),
        ),
    ] {
        let error = parse_submission(body.as_bytes()).unwrap_err();
        assert_eq!(
            (error.code, error.path.as_deref()),
            (code, path),
            "{body}: {error}"
        );
        if let Some(path) = path {
            assert!(error.message.starts_with(path), "{error}");
        }
    }
    let long = format!(r#"{{"text": "{}"}}"#, "x".repeat(10_001));
    assert_eq!(
        parse_submission(long.as_bytes()).unwrap_err().code,
        "text_too_long"
    );
}
