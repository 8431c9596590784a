//! Inbound SMS as SMS gateways deliver them: an HTTP POST whose body is
//! `application/x-www-form-urlencoded` fields, in one of two common shapes.
//!
//! - **Twilio** (and gateways that copy it): `From`, `Body`, `MessageSid` (older: `SmsMessageSid`,
//!   `SmsSid`), plus `To`, `AccountSid`, `NumMedia` and others this parser ignores. Twilio sends
//!   no time and no shared secret in the body (it signs requests in a header instead).
//! - **SMSSync** (the Ushahidi Android gateway): `from`, `message`, `message_id`, `secret`,
//!   `sent_timestamp`, `sent_to`, `device_id`. `sent_timestamp` is the phone's
//!   `System.currentTimeMillis()`, milliseconds since the Unix epoch; seconds are accepted too.
//!
//! This module only reads the body. Checking the secret, answering the gateway and dropping
//! retries (the same `message_id` arriving again) belong to the HTTP and storage layers.
//! The sender's number and the secret never appear in `Debug` output.

use std::fmt;
use std::str::FromStr;

use time::OffsetDateTime;
use tocsin_domain::Contact;

use crate::contact::contact_from_text;

/// The longest message text accepted. Twilio joins long SMS up to 1,600 characters; the limit
/// leaves room for other gateways and matches the API's.
pub const MAX_MESSAGE_CHARS: usize = 10_000;

/// The longest gateway message id accepted (Twilio's are 34 characters, SMSSync's UUIDs 36).
pub const MAX_MESSAGE_ID_CHARS: usize = 128;

/// Which kind of gateway posted a webhook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GatewayKind {
    Twilio,
    SmsSync,
}

impl GatewayKind {
    pub const ALL: [GatewayKind; 2] = [GatewayKind::Twilio, GatewayKind::SmsSync];

    /// The name used in URLs and configuration: `twilio`, `smssync`.
    pub fn as_str(self) -> &'static str {
        match self {
            GatewayKind::Twilio => "twilio",
            GatewayKind::SmsSync => "smssync",
        }
    }
}

impl fmt::Display for GatewayKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for GatewayKind {
    type Err = WebhookError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        GatewayKind::ALL
            .into_iter()
            .find(|kind| kind.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                WebhookError::new(
                    "unknown_gateway",
                    format!("{s:?} is not a gateway kind; use twilio or smssync"),
                )
            })
    }
}

/// One SMS as a gateway delivered it.
#[derive(Clone, PartialEq)]
pub struct InboundSms {
    pub gateway: GatewayKind,
    /// The gateway's id for the message: the same on every retry of one delivery.
    pub message_id: String,
    /// Who sent it: a normalised phone number, or an alphanumeric sender id as written.
    pub sender: Contact,
    /// The message text as sent (not trimmed).
    pub body: String,
    /// When the phone says it sent the message (SMSSync only).
    pub sent_at: Option<OffsetDateTime>,
    /// The shared secret the gateway sent in the body (SMSSync only), for the caller to check.
    pub secret: Option<String>,
    /// Parts that could not be read but did not prevent reading the message.
    pub warnings: Vec<String>,
}

impl fmt::Debug for InboundSms {
    // Hand-written so that a logged message never reveals who sent it or the gateway secret;
    // the text is reduced to its length because reports can name their author.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InboundSms")
            .field("gateway", &self.gateway)
            .field("message_id", &self.message_id)
            .field("sender", &self.sender)
            .field(
                "body",
                &format_args!("<{} chars>", self.body.chars().count()),
            )
            .field("sent_at", &self.sent_at)
            .field("secret", &self.secret.as_ref().map(|_| "***"))
            .field("warnings", &self.warnings)
            .finish()
    }
}

/// Why a webhook body was refused: a stable machine code and a message saying what to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookError {
    /// `missing_field`, `duplicate_field`, `invalid_field`, `invalid_encoding`,
    /// `empty_message`, `message_too_long` or `unknown_gateway`.
    pub code: &'static str,
    pub message: String,
}

impl WebhookError {
    fn new(code: &'static str, message: impl Into<String>) -> Self {
        WebhookError {
            code,
            message: message.into(),
        }
    }
}

impl fmt::Display for WebhookError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for WebhookError {}

/// Parses the body of a webhook from a gateway of a known kind (the usual case: each gateway
/// posts to its own URL with its own secret).
pub fn parse_webhook(gateway: GatewayKind, body: &[u8]) -> Result<InboundSms, WebhookError> {
    let fields = Fields::decode(body)?;
    match gateway {
        GatewayKind::Twilio => twilio(&fields),
        GatewayKind::SmsSync => smssync(&fields),
    }
}

/// Parses a webhook body from either kind of gateway, telling them apart by their field names.
pub fn parse_any_webhook(body: &[u8]) -> Result<InboundSms, WebhookError> {
    let fields = Fields::decode(body)?;
    match fields.gateway() {
        Some(GatewayKind::Twilio) => twilio(&fields),
        Some(GatewayKind::SmsSync) => smssync(&fields),
        None => Err(WebhookError::new(
            "unknown_gateway",
            "cannot tell which gateway sent this; post Twilio fields (From, Body, MessageSid) \
             or SMSSync fields (from, message, message_id)",
        )),
    }
}

/// Which gateway shape a body has, if either, without parsing it fully.
pub fn detect_gateway(body: &[u8]) -> Option<GatewayKind> {
    Fields::decode(body).ok()?.gateway()
}

fn twilio(fields: &Fields) -> Result<InboundSms, WebhookError> {
    let sender = sender(fields, "From")?;
    // `MessageSid` is the current name; `SmsMessageSid` and `SmsSid` are older duplicates.
    let message_id = match fields.get("MessageSid")? {
        Some(id) => id,
        None => match fields.get("SmsMessageSid")? {
            Some(id) => id,
            None => fields.require("SmsSid").map_err(|_| {
                WebhookError::new(
                    "missing_field",
                    "the webhook has no MessageSid field; configure the gateway to post \
                     Twilio's standard fields (From, Body, MessageSid)",
                )
            })?,
        },
    };
    let body = fields.require("Body")?;
    check_text(body, "Body")?;
    Ok(InboundSms {
        gateway: GatewayKind::Twilio,
        message_id: message_id_from(message_id, "MessageSid")?,
        sender,
        body: body.to_string(),
        sent_at: None,
        secret: None,
        warnings: Vec::new(),
    })
}

fn smssync(fields: &Fields) -> Result<InboundSms, WebhookError> {
    let sender = sender(fields, "from")?;
    let message_id = message_id_from(fields.require("message_id")?, "message_id")?;
    let body = fields.require("message")?;
    check_text(body, "message")?;
    let mut warnings = Vec::new();
    let sent_at = match fields.get("sent_timestamp")?.map(str::trim) {
        None | Some("") => None,
        Some(text) => {
            let time = parse_timestamp(text);
            if time.is_none() {
                warnings.push(format!(
                    "sent_timestamp {text:?} is not a Unix time in milliseconds or seconds; \
                     the message is kept without a send time"
                ));
            }
            time
        }
    };
    let secret = fields
        .get("secret")?
        .filter(|secret| !secret.is_empty())
        .map(str::to_string);
    Ok(InboundSms {
        gateway: GatewayKind::SmsSync,
        message_id,
        sender,
        body: body.to_string(),
        sent_at,
        secret,
        warnings,
    })
}

fn sender(fields: &Fields, name: &str) -> Result<Contact, WebhookError> {
    let raw = fields.require(name)?;
    contact_from_text(raw).ok_or_else(|| {
        WebhookError::new(
            "invalid_field",
            format!(
                "field {name} must hold the sender's phone number or sender id \
                 (1 to 254 characters)"
            ),
        )
    })
}

fn message_id_from(raw: &str, name: &str) -> Result<String, WebhookError> {
    let id = raw.trim();
    if id.is_empty() {
        return Err(WebhookError::new(
            "missing_field",
            format!("field {name} is empty; the gateway must send its id for the message"),
        ));
    }
    if id.chars().count() > MAX_MESSAGE_ID_CHARS || id.chars().any(char::is_control) {
        return Err(WebhookError::new(
            "invalid_field",
            format!("field {name} must be at most {MAX_MESSAGE_ID_CHARS} printable characters"),
        ));
    }
    Ok(id.to_string())
}

fn check_text(body: &str, name: &str) -> Result<(), WebhookError> {
    if body.trim().is_empty() {
        return Err(WebhookError::new(
            "empty_message",
            format!("field {name} is empty; a report needs text saying what was seen"),
        ));
    }
    let length = body.chars().count();
    if length > MAX_MESSAGE_CHARS {
        return Err(WebhookError::new(
            "message_too_long",
            format!(
                "field {name} has {length} characters; at most {MAX_MESSAGE_CHARS} are accepted"
            ),
        ));
    }
    Ok(())
}

/// A send time in Unix milliseconds (what SMSSync sends) or seconds, or RFC 3339.
///
/// A number of 10^11 or more is taken as milliseconds: as seconds it would be after the year
/// 5000, and as milliseconds anything smaller would be before March 1973.
fn parse_timestamp(text: &str) -> Option<OffsetDateTime> {
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        let number: i64 = text.parse().ok()?;
        return if number >= 100_000_000_000 {
            OffsetDateTime::from_unix_timestamp_nanos(i128::from(number) * 1_000_000).ok()
        } else {
            OffsetDateTime::from_unix_timestamp(number).ok()
        };
    }
    OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()
}

/// The decoded fields of a form body, in order.
struct Fields(Vec<(String, String)>);

impl Fields {
    /// Splits and percent-decodes an `application/x-www-form-urlencoded` body, refusing bytes
    /// that are not UTF-8 once decoded (rather than replacing them, which would alter a report).
    fn decode(body: &[u8]) -> Result<Fields, WebhookError> {
        let mut fields = Vec::new();
        for piece in body.split(|&b| b == b'&').filter(|piece| !piece.is_empty()) {
            let (name, value) = match piece.iter().position(|&b| b == b'=') {
                Some(at) => (&piece[..at], &piece[at + 1..]),
                None => (piece, &[][..]),
            };
            let name = decode_component(name).ok_or_else(|| {
                WebhookError::new(
                    "invalid_encoding",
                    "a field name is not UTF-8 after percent-decoding; send the body as \
                     application/x-www-form-urlencoded UTF-8",
                )
            })?;
            let value = decode_component(value).ok_or_else(|| {
                WebhookError::new(
                    "invalid_encoding",
                    format!(
                        "field {} is not UTF-8 after percent-decoding; send the body as \
                         application/x-www-form-urlencoded UTF-8",
                        printable(&name)
                    ),
                )
            })?;
            fields.push((name, value));
        }
        Ok(Fields(fields))
    }

    /// Tells the shapes apart by names only one of them uses (Twilio capitalises its names).
    fn gateway(&self) -> Option<GatewayKind> {
        let has = |name: &str| self.0.iter().any(|(key, _)| key == name);
        if has("MessageSid") || has("SmsMessageSid") || has("SmsSid") || has("AccountSid") {
            Some(GatewayKind::Twilio)
        } else if has("message_id") || has("sent_timestamp") || (has("from") && has("message")) {
            Some(GatewayKind::SmsSync)
        } else if has("From") && has("Body") {
            Some(GatewayKind::Twilio)
        } else {
            None
        }
    }

    /// The value of a field, matched without regard to ASCII case (gateways that imitate
    /// Twilio do not all keep its capitals). A field given twice is refused: two senders or
    /// two texts in one delivery cannot be told apart safely.
    fn get(&self, name: &str) -> Result<Option<&str>, WebhookError> {
        let mut found = self
            .0
            .iter()
            .filter(|(key, _)| key.eq_ignore_ascii_case(name));
        let first = found.next();
        if found.next().is_some() {
            return Err(WebhookError::new(
                "duplicate_field",
                format!("field {name} appears more than once; send each field once"),
            ));
        }
        Ok(first.map(|(_, value)| value.as_str()))
    }

    fn require(&self, name: &str) -> Result<&str, WebhookError> {
        self.get(name)?.ok_or_else(|| {
            WebhookError::new(
                "missing_field",
                format!("the webhook has no {name} field; check the gateway's webhook settings"),
            )
        })
    }
}

/// `+` is a space in form encoding; then `%XX` escapes are decoded to bytes.
pub(crate) fn decode_component(raw: &[u8]) -> Option<String> {
    let spaced: Vec<u8> = raw
        .iter()
        .map(|&b| if b == b'+' { b' ' } else { b })
        .collect();
    let bytes: Vec<u8> = percent_encoding::percent_decode(&spaced).collect();
    String::from_utf8(bytes).ok()
}

/// A field name safe to put in a message: short, without control characters.
fn printable(name: &str) -> String {
    let clean: String = name.chars().filter(|c| !c.is_control()).take(40).collect();
    if clean.is_empty() {
        "(unnamed)".to_string()
    } else {
        clean
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const TWILIO: &[u8] =
        b"ToCountry=US&ToState=CA&SmsMessageSid=SM0123456789abcdef0123456789abcdef\
&NumMedia=0&ToCity=&FromZip=&SmsSid=SM0123456789abcdef0123456789abcdef&FromState=\
&SmsStatus=received&FromCity=&Body=TOC+P%3A+Kutupalong%3B+S%3A+armed+men&FromCountry=BD\
&To=%2B15005550006&ToZip=&NumSegments=1&MessageSid=SM0123456789abcdef0123456789abcdef\
&AccountSid=AC0123456789abcdef0123456789abcdef&From=%2B880+1712-345678&ApiVersion=2010-04-01";

    const SMSSYNC: &[u8] = b"from=%2B256700123456&message=Watu+wameuawa+jana&message_id=\
7a9e4c3e-9a2b-4d4f-8c1e-0b7f2d1c9e01&sent_to=%2B256780000000&secret=s3cret\
&device_id=1&sent_timestamp=1714543200000";

    #[test]
    fn reads_a_twilio_webhook() {
        let sms = parse_webhook(GatewayKind::Twilio, TWILIO).unwrap();
        assert_eq!(sms.message_id, "SM0123456789abcdef0123456789abcdef");
        assert_eq!(sms.sender.expose(), "+8801712345678");
        assert_eq!(sms.body, "TOC P: Kutupalong; S: armed men");
        assert_eq!(sms.sent_at, None);
        assert_eq!(sms.secret, None);
        assert_eq!(parse_any_webhook(TWILIO).unwrap(), sms);
    }

    #[test]
    fn reads_an_smssync_webhook_with_millisecond_time() {
        let sms = parse_webhook(GatewayKind::SmsSync, SMSSYNC).unwrap();
        assert_eq!(sms.gateway, GatewayKind::SmsSync);
        assert_eq!(sms.message_id, "7a9e4c3e-9a2b-4d4f-8c1e-0b7f2d1c9e01");
        assert_eq!(sms.sender.expose(), "+256700123456");
        assert_eq!(sms.body, "Watu wameuawa jana");
        assert_eq!(sms.sent_at, Some(datetime!(2024-05-01 06:00 UTC)));
        assert_eq!(sms.secret.as_deref(), Some("s3cret"));
        assert_eq!(detect_gateway(SMSSYNC), Some(GatewayKind::SmsSync));
    }

    #[test]
    fn timestamps_in_seconds_or_milliseconds() {
        let at = Some(datetime!(2024-05-01 06:00 UTC));
        assert_eq!(parse_timestamp("1714543200"), at);
        assert_eq!(parse_timestamp("1714543200000"), at);
        assert_eq!(parse_timestamp("2024-05-01T09:00:00+03:00"), at);
        assert_eq!(parse_timestamp("99999999999999999999"), None);
        assert_eq!(parse_timestamp("yesterday"), None);
    }

    #[test]
    fn an_unreadable_time_is_a_warning_not_a_refusal() {
        let body = b"from=123456&message=hi&message_id=1&sent_timestamp=01-05-24+06%3A00";
        let sms = parse_webhook(GatewayKind::SmsSync, body).unwrap();
        assert_eq!(sms.sent_at, None);
        assert!(sms.warnings[0].starts_with("sent_timestamp \"01-05-24 06:00\""));
    }

    #[test]
    fn debug_output_hides_sender_secret_and_text() {
        let shown = format!(
            "{:?}",
            parse_webhook(GatewayKind::SmsSync, SMSSYNC).unwrap()
        );
        for hidden in ["256700123456", "s3cret", "Watu"] {
            assert!(!shown.contains(hidden), "{shown}");
        }
        assert!(shown.contains("<18 chars>"), "{shown}");
    }

    #[test]
    fn errors_carry_stable_codes() {
        let code = |gateway, body: &[u8]| parse_webhook(gateway, body).unwrap_err().code;
        use GatewayKind::{SmsSync, Twilio};
        assert_eq!(code(Twilio, b"Body=hi&MessageSid=SM1"), "missing_field");
        assert_eq!(
            code(Twilio, b"From=%2B1555&MessageSid=SM1"),
            "missing_field"
        );
        assert_eq!(code(Twilio, b"From=%2B1555&Body=hi"), "missing_field");
        assert_eq!(
            code(Twilio, b"From=1&Body=+&MessageSid=SM1"),
            "empty_message"
        );
        assert_eq!(
            code(Twilio, b"From=1&Body=%FF&MessageSid=SM1"),
            "invalid_encoding"
        );
        assert_eq!(
            code(Twilio, b"From=1&Body=a&Body=b&MessageSid=SM1"),
            "duplicate_field"
        );
        assert_eq!(
            code(SmsSync, b"from=1&message=hi&message_id="),
            "missing_field"
        );
        assert_eq!(
            code(SmsSync, b"from=+&message=hi&message_id=1"),
            "invalid_field"
        );
        let long = format!(
            "from=1&message_id=1&message={}",
            "a".repeat(MAX_MESSAGE_CHARS + 1)
        );
        assert_eq!(code(SmsSync, long.as_bytes()), "message_too_long");
        assert_eq!(
            parse_any_webhook(b"x=1").unwrap_err().code,
            "unknown_gateway"
        );
        assert_eq!("Twilio".parse::<GatewayKind>(), Ok(GatewayKind::Twilio));
        assert_eq!(
            "sms".parse::<GatewayKind>().unwrap_err().code,
            "unknown_gateway"
        );
    }

    #[test]
    fn error_messages_name_the_field_and_have_no_trailing_period() {
        let error = parse_webhook(GatewayKind::Twilio, b"Body=hi&MessageSid=SM1").unwrap_err();
        assert_eq!(
            error.message,
            "the webhook has no From field; check the gateway's webhook settings"
        );
        assert!(!error.to_string().ends_with('.'));
    }

    proptest::proptest! {
        // Whatever a client posts, the parser answers with a message or an error, never a panic.
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512)) {
            let _ = parse_any_webhook(&bytes);
            let _ = parse_webhook(GatewayKind::Twilio, &bytes);
            let _ = parse_webhook(GatewayKind::SmsSync, &bytes);
        }
    }
}
