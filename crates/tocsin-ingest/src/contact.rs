//! Turning the sender field of a webhook or submission into a [`Contact`].
//!
//! Phone numbers are normalised so that one person writing `+256 700-000 000` and
//! `+256700000000` is one source. Alphanumeric sender ids (`MTN`, `Safaricom`) and e-mail
//! addresses are kept as written, trimmed; e-mail is lower-cased because mailboxes are matched
//! case-insensitively in practice.

use tocsin_domain::Contact;

/// The longest contact value accepted: an e-mail address is at most 254 characters.
pub(crate) const MAX_CONTACT_CHARS: usize = 254;

/// A contact from what a gateway or client sent, or `None` when there is nothing usable.
pub(crate) fn contact_from_text(raw: &str) -> Option<Contact> {
    let trimmed = raw.trim();
    if trimmed.is_empty() || trimmed.chars().count() > MAX_CONTACT_CHARS {
        return None;
    }
    if trimmed.contains('@') {
        return Some(Contact::new(trimmed.to_lowercase()));
    }
    // Gateways prefix the channel on some senders: `whatsapp:+14155550100`, `tel:+256…`.
    let number = match trimmed.split_once(':') {
        Some((scheme, rest)) if scheme.chars().all(|c| c.is_ascii_alphabetic()) => rest.trim(),
        _ => trimmed,
    };
    let looks_like_phone = number
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '(' | ')' | '.'))
        && number.chars().filter(char::is_ascii_digit).count() >= 3;
    if looks_like_phone {
        Some(Contact::phone(number))
    } else {
        Some(Contact::new(trimmed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_are_normalised_and_other_senders_kept() {
        let phone = |raw| contact_from_text(raw).map(|c| c.expose().to_string());
        assert_eq!(
            phone(" +256 700-123 456 ").as_deref(),
            Some("+256700123456")
        );
        assert_eq!(
            phone("whatsapp:+256700123456").as_deref(),
            Some("+256700123456")
        );
        assert_eq!(phone("Safaricom").as_deref(), Some("Safaricom"));
        assert_eq!(
            phone("Monitor@Example.org").as_deref(),
            Some("monitor@example.org")
        );
        assert_eq!(phone("   "), None);
        assert_eq!(phone(&"9".repeat(300)), None);
    }
}
