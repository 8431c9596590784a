//! Webhook signatures: HMAC-SHA256 over the timestamp and the body, so a receiver can check
//! that a delivery comes from this deployment and was not replayed from long ago.
//!
//! The signed text is `"{timestamp}.{body}"`; the header carries `sha256=<hex>`.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Name of the header carrying the signature.
pub const SIGNATURE_HEADER: &str = "X-Tocsin-Signature";
/// Name of the header carrying the Unix time the signature was made at.
pub const TIMESTAMP_HEADER: &str = "X-Tocsin-Timestamp";
/// Name of the header carrying the delivery id: the same on every retry, for deduplication.
pub const DELIVERY_HEADER: &str = "X-Tocsin-Delivery";

/// The header value signing `body` sent at `timestamp` (Unix seconds) with `secret`.
pub fn sign(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("HMAC takes any key");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Whether `header` is a valid signature of `body` at `timestamp`, compared in constant time.
pub fn verify(secret: &[u8], timestamp: i64, body: &[u8], header: &str) -> bool {
    let Some(hex_part) = header.strip_prefix("sha256=") else {
        return false;
    };
    let Ok(expected) = hex::decode(hex_part) else {
        return false;
    };
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("HMAC takes any key");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.verify_slice(&expected).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_verify_only_for_the_same_key_time_and_body() {
        let header = sign(b"secret", 1_700_000_000, b"{\"alert\":1}");
        assert!(verify(b"secret", 1_700_000_000, b"{\"alert\":1}", &header));
        assert!(!verify(b"other", 1_700_000_000, b"{\"alert\":1}", &header));
        assert!(!verify(b"secret", 1_700_000_001, b"{\"alert\":1}", &header));
        assert!(!verify(b"secret", 1_700_000_000, b"{\"alert\":2}", &header));
        assert!(!verify(
            b"secret",
            1_700_000_000,
            b"{\"alert\":1}",
            "sha256=zz"
        ));
    }
}
