//! Sources: the people and channels reports come from, known to analysts only by a pseudonym.
//!
//! Who a source is (a phone number, a name) never lives in this type: the storage layer keeps
//! it encrypted and only the source-handler role can read it. Analysts grade a source by its
//! pseudonymous id and its track record.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{DomainError, Reliability};

/// Pseudonymous source id such as `SRC-7K3QX9`: stable, meaningless, safe to show and log.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SourceId(String);

/// Alphabet for pseudonyms: no 0/O or 1/I/L, so ids survive being read aloud on a bad line.
const PSEUDONYM_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

impl SourceId {
    /// Builds a pseudonym from random bytes supplied by the caller (the domain has no RNG).
    pub fn from_random(bytes: [u8; 6]) -> SourceId {
        let text: String = bytes
            .iter()
            .map(|b| PSEUDONYM_ALPHABET[*b as usize % PSEUDONYM_ALPHABET.len()] as char)
            .collect();
        SourceId(format!("SRC-{text}"))
    }

    pub fn parse(raw: &str) -> Result<SourceId, DomainError> {
        let raw = raw.trim().to_ascii_uppercase();
        let valid = raw.strip_prefix("SRC-").is_some_and(|rest| {
            rest.len() == 6 && rest.bytes().all(|b| PSEUDONYM_ALPHABET.contains(&b))
        });
        if valid {
            Ok(SourceId(raw))
        } else {
            Err(DomainError::invalid(
                "source id",
                raw,
                "a source id looks like SRC-7K3QX9",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for SourceId {
    type Error = DomainError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        SourceId::parse(&value)
    }
}

impl From<SourceId> for String {
    fn from(id: SourceId) -> String {
        id.0
    }
}

impl fmt::Display for SourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Who a source is: a phone number, an e-mail address, a name. Never logged, never printed:
/// `Debug` shows a mask and there is no `Display`. The storage layer keeps it only encrypted;
/// code that really needs the clear text calls [`Contact::expose`], which is easy to audit.
#[derive(Clone, PartialEq, Eq)]
pub struct Contact(String);

impl Contact {
    pub fn new(value: impl Into<String>) -> Contact {
        Contact(value.into())
    }

    /// A phone number reduced to `+` and digits, so that "+256 700-000 000" and
    /// "+256700000000" are the same sender.
    pub fn phone(raw: &str) -> Contact {
        let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
        let plus = if raw.trim_start().starts_with('+') || raw.trim_start().starts_with("00") {
            "+"
        } else {
            ""
        };
        let digits = if raw.trim_start().starts_with("00") {
            &digits[2..]
        } else {
            &digits[..]
        };
        Contact(format!("{plus}{digits}"))
    }

    /// The clear text, for encryption and keyed hashing only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Contact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Contact(***)")
    }
}

/// How a source reaches Tocsin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Sms,
    WebForm,
    Api,
    DatasetImport,
}

/// A source as analysts see it: pseudonym, channel and graded reliability.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Source {
    pub id: SourceId,
    pub channel: Channel,
    pub reliability: Reliability,
}

impl Source {
    /// A new source starts as "F: cannot be judged" until an analyst has a track record.
    pub fn new(id: SourceId, channel: Channel) -> Source {
        Source {
            id,
            channel,
            reliability: Reliability::F,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pseudonyms_round_trip_and_avoid_ambiguous_letters() {
        let id = SourceId::from_random([0, 1, 2, 200, 255, 31]);
        assert!(!id.as_str()[4..].contains(['0', '1', 'O', 'I', 'L']));
        assert_eq!(SourceId::parse(&id.as_str().to_lowercase()).unwrap(), id);
        assert!(SourceId::parse("SRC-00000O").is_err());
        assert!(SourceId::parse("+256700000000").is_err());
    }

    #[test]
    fn contacts_never_show_in_debug_output() {
        let contact = Contact::phone("+256 700-123 456");
        assert_eq!(contact.expose(), "+256700123456");
        assert_eq!(format!("{contact:?}"), "Contact(***)");
        assert_eq!(Contact::phone("00256700123456"), contact);
    }

    #[test]
    fn new_sources_cannot_yet_be_judged() {
        let source = Source::new(SourceId::from_random([9; 6]), Channel::Sms);
        assert_eq!(source.reliability, Reliability::F);
    }
}
