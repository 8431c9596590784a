//! The JSON body of `POST /api/v1/reports`, for apps, web forms and partner systems.
//!
//! ```json
//! {
//!   "text": "Armed men burned houses in block C",
//!   "place": { "name": "Kutupalong camp", "lat": 21.2096, "lon": 92.1633 },
//!   "observed_at": "2024-05-01T06:00:00+06:00",
//!   "language": "en",
//!   "tlp": "TLP:AMBER",
//!   "credibility": 3,
//!   "source": { "contact": "+880 1712 345678", "channel": "web_form" },
//!   "external_id": "partner-42"
//! }
//! ```
//!
//! Only `text` is required. Unknown fields are refused rather than ignored, so a client that
//! misspells `observed_at` learns it at once instead of losing the time. Every refusal has a
//! stable code and a message naming the JSON path and what to change. Whether `observed_at`
//! lies in the future is for the caller to judge: this module has no clock.

use std::fmt;

use serde::Deserialize;
use time::OffsetDateTime;
use tocsin_domain::{Channel, Contact, Credibility, Tlp};

use crate::contact::{contact_from_text, MAX_CONTACT_CHARS};

/// The largest body read. The text's 10,000 characters take at most 60,000 bytes even when
/// every one is a JSON `\uXXXX` escape; the rest is room for the other fields.
pub const MAX_SUBMISSION_BYTES: usize = 256 * 1024;

/// The most characters a report's text may have.
pub const MAX_TEXT_CHARS: usize = 10_000;

/// The most characters of a place name or an external id.
pub const MAX_NAME_CHARS: usize = 200;

/// A report as a client submitted it, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportSubmission {
    /// What was seen, trimmed; 1 to 10,000 characters.
    pub text: String,
    pub place: Option<SubmittedPlace>,
    pub observed_at: Option<OffsetDateTime>,
    /// The language the client says the text is in (lower-case BCP 47 tag, e.g. `fr`, `sw`).
    pub language: Option<String>,
    pub tlp: Option<Tlp>,
    pub credibility: Option<Credibility>,
    pub source: Option<SubmittedSource>,
    /// The client's own id for the report, trimmed.
    pub external_id: Option<String>,
}

/// Where the client says it happened: a name, a point or both.
#[derive(Debug, Clone, PartialEq)]
pub struct SubmittedPlace {
    pub name: Option<String>,
    /// Latitude and longitude in WGS 84 decimal degrees.
    pub point: Option<(f64, f64)>,
}

/// Who sent the report and through what. `Contact`'s `Debug` is masked.
#[derive(Debug, Clone, PartialEq)]
pub struct SubmittedSource {
    pub contact: Option<Contact>,
    /// [`Channel::Api`] or [`Channel::WebForm`]; `Api` when not given.
    pub channel: Channel,
}

/// Why a submission was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmissionError {
    /// `invalid_json`, `body_too_large`, `missing_field`, `unknown_field`, `duplicate_field`,
    /// `invalid_field`, `empty_text`, `text_too_long` or `invalid_coordinates`.
    pub code: &'static str,
    /// The JSON path of the field at fault (`place.lat`), when there is one.
    pub path: Option<String>,
    /// What is wrong and what to send instead.
    pub message: String,
}

impl SubmissionError {
    fn at(code: &'static str, path: &str, problem: impl fmt::Display) -> Self {
        SubmissionError {
            code,
            path: Some(path.to_string()),
            message: format!("{path}: {problem}"),
        }
    }

    fn body(code: &'static str, message: impl Into<String>) -> Self {
        SubmissionError {
            code,
            path: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for SubmissionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for SubmissionError {}

/// The wire shape. Kept private: callers get the checked [`ReportSubmission`].
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    text: String,
    place: Option<WirePlace>,
    observed_at: Option<String>,
    language: Option<String>,
    tlp: Option<String>,
    credibility: Option<u8>,
    source: Option<WireSource>,
    external_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WirePlace {
    name: Option<String>,
    lat: Option<f64>,
    lon: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireSource {
    contact: Option<String>,
    channel: Option<String>,
}

const EXAMPLE: &str = r#"send a JSON object such as {"text": "what was seen"}"#;

/// Parses and checks a submission body.
pub fn parse_submission(bytes: &[u8]) -> Result<ReportSubmission, SubmissionError> {
    if bytes.len() > MAX_SUBMISSION_BYTES {
        return Err(SubmissionError::body(
            "body_too_large",
            format!(
                "the body is {} bytes; at most {MAX_SUBMISSION_BYTES} are accepted",
                bytes.len()
            ),
        ));
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(SubmissionError::body(
            "invalid_json",
            format!("the body is empty; {EXAMPLE}"),
        ));
    }
    // serde would also build a struct from a JSON array; the API takes objects only.
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if first.is_some_and(|&b| b != b'{')
        && serde_json::from_slice::<serde_json::Value>(bytes).is_ok()
    {
        return Err(SubmissionError::body(
            "invalid_json",
            format!("the body must be a JSON object; {EXAMPLE}"),
        ));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let wire: Wire =
        serde_path_to_error::deserialize(&mut deserializer).map_err(|error| from_serde(&error))?;
    // Trailing content after the object ("{...} {...}") is not one submission.
    deserializer.end().map_err(|error| syntax_error(&error))?;
    check(wire)
}

/// Fields of the web report form that carry no report content: the form's CSRF token and the
/// submission id that makes a resubmitted form one report.
const FORM_HOUSEKEEPING: &[&str] = &["_csrf", "submission"];

/// Parses and checks the monitors' web form (`application/x-www-form-urlencoded`): `text`,
/// `place` (a name), `lat` and `lon` (decimal degrees), `observed_at` (an RFC 3339 time, or a
/// browser's `YYYY-MM-DDTHH:MM` or `YYYY-MM-DD`, taken as UTC). Empty fields count as absent;
/// the checks are those of [`parse_submission`], with paths naming the form's fields.
pub fn parse_form_submission(bytes: &[u8]) -> Result<ReportSubmission, SubmissionError> {
    if bytes.len() > MAX_SUBMISSION_BYTES {
        return Err(SubmissionError::body(
            "body_too_large",
            format!(
                "the form is {} bytes; at most {MAX_SUBMISSION_BYTES} are accepted",
                bytes.len()
            ),
        ));
    }
    let mut text = None;
    let (mut place, mut lat, mut lon, mut observed_at) = (None, None, None, None);
    for piece in bytes
        .split(|&b| b == b'&')
        .filter(|piece| !piece.is_empty())
    {
        let (name, value) = match piece.iter().position(|&b| b == b'=') {
            Some(at) => (&piece[..at], &piece[at + 1..]),
            None => (piece, &[][..]),
        };
        let name = crate::webhook::decode_component(name).ok_or_else(|| {
            SubmissionError::body(
                "invalid_encoding",
                "a field name is not UTF-8; send the form again",
            )
        })?;
        let value = crate::webhook::decode_component(value).ok_or_else(|| {
            SubmissionError::at(
                "invalid_encoding",
                &name,
                "is not UTF-8; send the form again",
            )
        })?;
        let slot =
            match name.as_str() {
                "text" => &mut text,
                "place" => &mut place,
                "lat" => &mut lat,
                "lon" => &mut lon,
                "observed_at" => &mut observed_at,
                other if FORM_HOUSEKEEPING.contains(&other) => continue,
                other => return Err(SubmissionError::at(
                    "unknown_field",
                    other,
                    "is not a field of the report form; send text, place, lat, lon, observed_at",
                )),
            };
        if slot.is_some() {
            return Err(SubmissionError::at(
                "duplicate_field",
                &name,
                "appears more than once; send each field once",
            ));
        }
        *slot = Some(value);
    }
    let present = |value: Option<String>| value.filter(|v| !v.trim().is_empty());
    let degrees = |field: &str, value: Option<String>| {
        present(value)
            .map(|raw| {
                raw.trim().parse::<f64>().map_err(|_| {
                    SubmissionError::at(
                        "invalid_field",
                        field,
                        format!("{raw:?} is not a number of decimal degrees, e.g. 4.85"),
                    )
                })
            })
            .transpose()
    };
    let (lat, lon) = (degrees("lat", lat)?, degrees("lon", lon)?);
    let place = present(place);
    let wire = Wire {
        text: text.ok_or_else(|| {
            SubmissionError::at("missing_field", "text", "is missing; write what was seen")
        })?,
        place: (place.is_some() || lat.is_some() || lon.is_some()).then_some(WirePlace {
            name: place,
            lat,
            lon,
        }),
        observed_at: present(observed_at).map(|raw| browser_time(raw.trim())),
        language: None,
        tlp: None,
        credibility: None,
        source: Some(WireSource {
            contact: None,
            channel: Some("web_form".to_string()),
        }),
        external_id: None,
    };
    check(wire)
}

/// A browser's `datetime-local` (`2024-05-01T06:30`) or `date` value as RFC 3339 in UTC;
/// anything else is passed on as it is, for the RFC 3339 check to judge.
fn browser_time(raw: &str) -> String {
    let digits_at = |positions: &[usize]| {
        positions
            .iter()
            .all(|&i| raw.as_bytes().get(i).is_some_and(u8::is_ascii_digit))
    };
    match raw.len() {
        10 if digits_at(&[0, 1, 2, 3, 5, 6, 8, 9]) => format!("{raw}T00:00:00Z"),
        16 if digits_at(&[0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15]) => format!("{raw}:00Z"),
        _ => raw.to_string(),
    }
}

fn check(wire: Wire) -> Result<ReportSubmission, SubmissionError> {
    let text = wire.text.trim();
    if text.is_empty() {
        return Err(SubmissionError::at(
            "empty_text",
            "text",
            "is empty; write what was seen",
        ));
    }
    let length = text.chars().count();
    if length > MAX_TEXT_CHARS {
        return Err(SubmissionError::at(
            "text_too_long",
            "text",
            format!(
                "has {length} characters; at most {MAX_TEXT_CHARS} are accepted, split longer \
                 accounts into several reports"
            ),
        ));
    }
    let place = wire.place.map(check_place).transpose()?;
    let observed_at = wire
        .observed_at
        .map(|raw| {
            OffsetDateTime::parse(raw.trim(), &time::format_description::well_known::Rfc3339)
                .map_err(|_| {
                    SubmissionError::at(
                        "invalid_field",
                        "observed_at",
                        format!(
                            "{raw:?} is not an RFC 3339 time; write e.g. 2024-05-01T06:00:00Z \
                             or 2024-05-01T09:00:00+03:00"
                        ),
                    )
                })
        })
        .transpose()?;
    let language = wire.language.map(|raw| check_language(&raw)).transpose()?;
    let tlp = wire
        .tlp
        .map(|raw| {
            raw.parse::<Tlp>().map_err(|_| {
                SubmissionError::at(
                    "invalid_field",
                    "tlp",
                    format!(
                        "{raw:?} is not a TLP marking; use TLP:RED, TLP:AMBER+STRICT, \
                         TLP:AMBER, TLP:GREEN or TLP:CLEAR"
                    ),
                )
            })
        })
        .transpose()?;
    let credibility = wire
        .credibility
        .map(|number| {
            Credibility::try_from(number)
                .map_err(|_| SubmissionError::at("invalid_field", "credibility", CREDIBILITY_HINT))
        })
        .transpose()?;
    let source = wire.source.map(check_source).transpose()?;
    let external_id = wire
        .external_id
        .map(|raw| {
            let id = raw.trim();
            if id.is_empty()
                || id.chars().count() > MAX_NAME_CHARS
                || id.chars().any(char::is_control)
            {
                Err(SubmissionError::at(
                    "invalid_field",
                    "external_id",
                    format!("must be 1 to {MAX_NAME_CHARS} printable characters, or left out"),
                ))
            } else {
                Ok(id.to_string())
            }
        })
        .transpose()?;
    Ok(ReportSubmission {
        text: text.to_string(),
        place,
        observed_at,
        language,
        tlp,
        credibility,
        source,
        external_id,
    })
}

const CREDIBILITY_HINT: &str =
    "give a number from 1 (confirmed by other sources) to 6 (truth cannot be judged)";

fn check_place(place: WirePlace) -> Result<SubmittedPlace, SubmissionError> {
    let name = place
        .name
        .map(|name| name.trim().to_string())
        .filter(|name| !name.is_empty());
    if name
        .as_ref()
        .is_some_and(|name| name.chars().count() > MAX_NAME_CHARS)
    {
        return Err(SubmissionError::at(
            "invalid_field",
            "place.name",
            format!("is longer than {MAX_NAME_CHARS} characters; give the place's name only"),
        ));
    }
    let point = match (place.lat, place.lon) {
        (None, None) => None,
        (Some(_), None) | (None, Some(_)) => {
            return Err(SubmissionError::at(
                "invalid_coordinates",
                "place",
                "give both lat and lon, or neither",
            ))
        }
        (Some(lat), Some(lon)) => {
            if !(-90.0..=90.0).contains(&lat) {
                return Err(SubmissionError::at(
                    "invalid_coordinates",
                    "place.lat",
                    format!("{lat} is outside -90..90; give latitude in decimal degrees (WGS 84)"),
                ));
            }
            if !(-180.0..=180.0).contains(&lon) {
                return Err(SubmissionError::at(
                    "invalid_coordinates",
                    "place.lon",
                    format!(
                        "{lon} is outside -180..180; give longitude in decimal degrees (WGS 84)"
                    ),
                ));
            }
            Some((lat, lon))
        }
    };
    if name.is_none() && point.is_none() {
        return Err(SubmissionError::at(
            "invalid_field",
            "place",
            "has neither a name nor lat and lon; give one or leave place out",
        ));
    }
    Ok(SubmittedPlace { name, point })
}

/// A language tag such as `fr`, `swh` or `ar-SY`, returned lower-case.
fn check_language(raw: &str) -> Result<String, SubmissionError> {
    let tag = raw.trim();
    let mut parts = tag.split('-');
    let primary_ok = parts
        .next()
        .is_some_and(|p| (2..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphabetic()));
    let rest_ok =
        parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()));
    if primary_ok && rest_ok {
        Ok(tag.to_ascii_lowercase())
    } else {
        Err(SubmissionError::at(
            "invalid_field",
            "language",
            format!("{raw:?} is not a language code; use ISO 639 such as en, fr, sw or ar"),
        ))
    }
}

fn check_source(source: WireSource) -> Result<SubmittedSource, SubmissionError> {
    let contact = source
        .contact
        .map(|raw| {
            contact_from_text(&raw).ok_or_else(|| {
                SubmissionError::at(
                    "invalid_field",
                    "source.contact",
                    format!(
                        "must be a phone number or e-mail address of 1 to {MAX_CONTACT_CHARS} \
                         characters, or left out"
                    ),
                )
            })
        })
        .transpose()?;
    let channel = match source.channel.as_deref().map(str::trim) {
        None => Channel::Api,
        Some(name) if name.eq_ignore_ascii_case("api") => Channel::Api,
        Some(name) if name.eq_ignore_ascii_case("web_form") => Channel::WebForm,
        Some(name) => {
            return Err(SubmissionError::at(
                "invalid_field",
                "source.channel",
                format!("{name:?} is not a channel for this endpoint; use api or web_form"),
            ))
        }
    };
    Ok(SubmittedSource { contact, channel })
}

/// Maps serde's error to a code, a path and a message that says what to send instead.
fn from_serde(error: &serde_path_to_error::Error<serde_json::Error>) -> SubmissionError {
    let inner = error.inner();
    if !inner.is_data() {
        return syntax_error(inner);
    }
    let path = error.path().to_string();
    let path = if path == "." { String::new() } else { path };
    let detail = without_location(inner);
    let quoted = |text: &str| -> Option<String> {
        let rest = detail.strip_prefix(text)?;
        let name = rest.strip_prefix('`')?.split('`').next()?;
        Some(name.to_string())
    };
    let join = |parent: &str, name: &str| {
        if parent.is_empty() {
            name.to_string()
        } else {
            format!("{parent}.{name}")
        }
    };
    if let Some(name) = quoted("missing field ") {
        let full = join(&path, &name);
        let hint = if full == "text" {
            "is required; write what was seen".to_string()
        } else {
            "is required".to_string()
        };
        return SubmissionError::at("missing_field", &full, hint);
    }
    if let Some(name) = quoted("unknown field ") {
        // serde_path_to_error's path already ends in the unknown key.
        let full = if path.ends_with(&name) {
            path.clone()
        } else {
            join(&path, &name)
        };
        let expected = detail
            .split_once(", expected ")
            .map(|(_, expected)| format!("; the fields allowed here are {expected}"))
            .unwrap_or_default();
        return SubmissionError::at(
            "unknown_field",
            &full,
            format!("is not a field of a report{expected}"),
        );
    }
    if let Some(name) = quoted("duplicate field ") {
        return SubmissionError::at(
            "duplicate_field",
            &join(&path, &name),
            "appears twice; send each field once",
        );
    }
    if path.is_empty() {
        return SubmissionError::body(
            "invalid_json",
            format!("the body must be a JSON object ({detail}); {EXAMPLE}"),
        );
    }
    let hint = match path.as_str() {
        "text" => "give the report as a string",
        "credibility" => CREDIBILITY_HINT,
        "place.lat" | "place.lon" => "give decimal degrees as a number",
        "place" => r#"give an object such as {"name": "Kutupalong camp"}"#,
        "source" => r#"give an object such as {"channel": "web_form"}"#,
        _ => "give a string",
    };
    SubmissionError::at("invalid_field", &path, format!("{detail}; {hint}"))
}

fn syntax_error(error: &serde_json::Error) -> SubmissionError {
    SubmissionError::body(
        "invalid_json",
        format!(
            "the body is not valid JSON at line {}, column {}: {}; {EXAMPLE}",
            error.line(),
            error.column(),
            without_location(error)
        ),
    )
}

/// serde_json's message without its " at line L column C" suffix (reported separately).
fn without_location(error: &serde_json::Error) -> String {
    let text = error.to_string();
    match text.rfind(" at line ") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_web_form_reads_like_the_json_api() {
        let form = b"_csrf=abc&submission=s1&text=Armed+men+at+the+%C3%A9cole&place=Bor&lat=6.2&lon=31.56&observed_at=2024-05-01T06%3A30";
        let submission = parse_form_submission(form).unwrap();
        assert_eq!(submission.text, "Armed men at the \u{e9}cole");
        let place = submission.place.unwrap();
        assert_eq!(place.name.as_deref(), Some("Bor"));
        assert_eq!(place.point, Some((6.2, 31.56)));
        assert_eq!(
            submission.observed_at,
            Some(time::macros::datetime!(2024-05-01 6:30 UTC))
        );
        assert_eq!(submission.source.unwrap().channel, Channel::WebForm);
        // Empty optional fields are absent, not errors.
        let bare = parse_form_submission(b"text=Shots&place=&lat=&lon=&observed_at=").unwrap();
        assert_eq!(bare.place, None);
        assert_eq!(bare.observed_at, None);
        assert_eq!(
            parse_form_submission(b"text=x&observed_at=2024-05-01")
                .unwrap()
                .observed_at,
            Some(time::macros::datetime!(2024-05-01 0:00 UTC))
        );
    }

    #[test]
    fn the_web_form_names_the_field_at_fault() {
        for (form, code, field) in [
            (&b"place=Bor"[..], "missing_field", "text"),
            (b"text=%20%20", "empty_text", "text"),
            (b"text=x&lat=north&lon=3", "invalid_field", "lat"),
            (b"text=x&lat=4", "invalid_coordinates", "place"),
            (b"text=x&lat=95&lon=3", "invalid_coordinates", "place.lat"),
            (b"text=x&text=y", "duplicate_field", "text"),
            (b"text=x&phone=123", "unknown_field", "phone"),
            (b"text=%FF", "invalid_encoding", "text"),
            (
                b"text=x&observed_at=yesterday",
                "invalid_field",
                "observed_at",
            ),
        ] {
            let error = parse_form_submission(form).unwrap_err();
            assert_eq!(error.code, code, "{error}");
            assert_eq!(error.path.as_deref(), Some(field), "{error}");
        }
    }
    use time::macros::datetime;

    fn code(body: &str) -> &'static str {
        parse_submission(body.as_bytes()).unwrap_err().code
    }

    fn message(body: &str) -> String {
        parse_submission(body.as_bytes()).unwrap_err().message
    }

    #[test]
    fn reads_a_full_submission() {
        let body = r#"{
            "text": "  Armed men burned houses in block C ",
            "place": {"name": "Kutupalong camp", "lat": 21.2096, "lon": 92.1633},
            "observed_at": "2024-05-01T06:00:00+06:00",
            "language": "EN",
            "tlp": "TLP:AMBER",
            "credibility": 3,
            "source": {"contact": "+880 1712 345678", "channel": "web_form"},
            "external_id": "partner-42"
        }"#;
        let submission = parse_submission(body.as_bytes()).unwrap();
        assert_eq!(submission.text, "Armed men burned houses in block C");
        let place = submission.place.unwrap();
        assert_eq!(place.name.as_deref(), Some("Kutupalong camp"));
        assert_eq!(place.point, Some((21.2096, 92.1633)));
        assert_eq!(
            submission.observed_at,
            Some(datetime!(2024-05-01 00:00 UTC))
        );
        assert_eq!(submission.language.as_deref(), Some("en"));
        assert_eq!(submission.tlp, Some(Tlp::Amber));
        assert_eq!(submission.credibility, Some(Credibility::PossiblyTrue));
        let source = submission.source.unwrap();
        assert_eq!(source.contact.unwrap().expose(), "+8801712345678");
        assert_eq!(source.channel, Channel::WebForm);
        assert_eq!(submission.external_id.as_deref(), Some("partner-42"));
    }

    #[test]
    fn only_text_is_required_and_null_is_absent() {
        let submission = parse_submission(br#"{"text": "shots", "place": null}"#).unwrap();
        assert_eq!(submission.place, None);
        assert_eq!(submission.source, None);
        let submission = parse_submission(br#"{"text":"x","source":{}}"#).unwrap();
        assert_eq!(submission.source.unwrap().channel, Channel::Api);
    }

    #[test]
    fn every_error_has_its_code() {
        assert_eq!(code(""), "invalid_json");
        assert_eq!(code("{\"text\": "), "invalid_json");
        assert_eq!(code("[1, 2]"), "invalid_json");
        assert_eq!(code(r#"{"text": "a"} {"text": "b"}"#), "invalid_json");
        assert_eq!(code("{}"), "missing_field");
        assert_eq!(
            code(r#"{"text": "a", "observed": "today"}"#),
            "unknown_field"
        );
        assert_eq!(
            code(r#"{"text": "a", "place": {"nom": "x"}}"#),
            "unknown_field"
        );
        assert_eq!(code(r#"{"text": "a", "text": "b"}"#), "duplicate_field");
        assert_eq!(code(r#"{"text": 5}"#), "invalid_field");
        assert_eq!(code(r#"{"text": "  "}"#), "empty_text");
        let long = format!(r#"{{"text": "{}"}}"#, "é".repeat(MAX_TEXT_CHARS + 1));
        assert_eq!(code(&long), "text_too_long");
        assert_eq!(
            code(r#"{"text": "a", "place": {"lat": 1}}"#),
            "invalid_coordinates"
        );
        assert_eq!(
            code(r#"{"text": "a", "place": {"lat": 91, "lon": 0}}"#),
            "invalid_coordinates"
        );
        assert_eq!(
            code(r#"{"text": "a", "place": {"lat": 0, "lon": -180.5}}"#),
            "invalid_coordinates"
        );
        assert_eq!(
            code(r#"{"text": "a", "place": {"lat": "north", "lon": 0}}"#),
            "invalid_field"
        );
        assert_eq!(code(r#"{"text": "a", "place": {}}"#), "invalid_field");
        assert_eq!(
            code(r#"{"text": "a", "observed_at": "yesterday"}"#),
            "invalid_field"
        );
        assert_eq!(
            code(r#"{"text": "a", "language": "french!"}"#),
            "invalid_field"
        );
        assert_eq!(code(r#"{"text": "a", "tlp": "ORANGE"}"#), "invalid_field");
        assert_eq!(code(r#"{"text": "a", "credibility": 7}"#), "invalid_field");
        assert_eq!(
            code(r#"{"text": "a", "credibility": 300}"#),
            "invalid_field"
        );
        assert_eq!(
            code(r#"{"text": "a", "source": {"channel": "sms"}}"#),
            "invalid_field"
        );
        assert_eq!(
            code(r#"{"text": "a", "source": {"contact": " "}}"#),
            "invalid_field"
        );
        assert_eq!(code(r#"{"text": "a", "external_id": ""}"#), "invalid_field");
        let huge = vec![b' '; MAX_SUBMISSION_BYTES + 1];
        assert_eq!(parse_submission(&huge).unwrap_err().code, "body_too_large");
    }

    #[test]
    fn messages_name_the_path_and_what_to_do() {
        assert_eq!(message("{}"), "text: is required; write what was seen");
        assert_eq!(
            message(r#"{"text": "a", "place": {"nom": "x"}}"#),
            "place.nom: is not a field of a report; the fields allowed here are one of `name`, `lat`, `lon`"
        );
        let error = parse_submission(br#"{"text": "a", "credibility": 300}"#).unwrap_err();
        assert_eq!(error.path.as_deref(), Some("credibility"));
        assert!(
            error
                .message
                .starts_with("credibility: invalid value: integer `300`"),
            "{}",
            error.message
        );
        assert!(
            error.message.ends_with("to 6 (truth cannot be judged)"),
            "{}",
            error.message
        );
        let syntax = message("{\n  \"text\": \"a\",\n}");
        assert!(
            syntax.starts_with("the body is not valid JSON at line 3, column 1: trailing comma"),
            "{syntax}"
        );
        assert_eq!(
            message(r#"{"text": "a", "place": {"lat": 91, "lon": 0}}"#),
            "place.lat: 91 is outside -90..90; give latitude in decimal degrees (WGS 84)"
        );
        for body in ["", "{}", "[1]", r#"{"text": 5}"#, r#"{"text":"a","x":1}"#] {
            assert!(!message(body).ends_with('.'), "{body}");
        }
    }

    #[test]
    fn debug_output_masks_the_contact() {
        let submission =
            parse_submission(br#"{"text":"a","source":{"contact":"+256700123456"}}"#).unwrap();
        assert!(!format!("{submission:?}").contains("700123456"));
    }

    proptest::proptest! {
        // Whatever a client posts, the parser answers with a submission or a coded error.
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512)) {
            if let Err(error) = parse_submission(&bytes) {
                proptest::prop_assert!(!error.code.is_empty());
            }
        }

        #[test]
        fn json_like_text_never_panics(text in r#"[{}\[\]":,. a-z0-9\\-]{0,120}"#) {
            let _ = parse_submission(text.as_bytes());
        }
    }
}
