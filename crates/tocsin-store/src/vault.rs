//! Sealing what identifies a source: contact details and raw payloads that contain them.
//!
//! XChaCha20-Poly1305 (an AEAD cipher with 24-byte random nonces, safe to draw at random for
//! any number of messages) encrypts; HMAC-SHA256 gives keyed fingerprints so the same phone
//! number can be matched to its pseudonymous source without storing or hashing it in the clear
//! (a plain hash of a phone number is reversed by trying every number). Both keys are derived
//! from one master key that lives in configuration, never in the database.

use std::fmt;

use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;

const NONCE_LEN: usize = 24;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VaultError {
    #[error("the source key must be 64 hexadecimal characters (32 bytes); generate one with `tocsin init`")]
    BadKey,
    #[error("sealed data could not be opened: wrong source key, or the data was altered")]
    CannotOpen,
}

/// The keys that protect sources. `Debug` shows nothing of them.
#[derive(Clone)]
pub struct Vault {
    cipher: XChaCha20Poly1305,
    mac_key: [u8; 32],
}

impl fmt::Debug for Vault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Vault(***)")
    }
}

fn derive(master: &[u8], label: &str) -> [u8; 32] {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(master).expect("HMAC takes keys of any length");
    mac.update(label.as_bytes());
    mac.finalize().into_bytes().into()
}

impl Vault {
    /// A vault from the configured master key (64 hex characters).
    pub fn from_hex(key: &str) -> Result<Vault, VaultError> {
        let bytes = hex::decode(key.trim()).map_err(|_| VaultError::BadKey)?;
        if bytes.len() != 32 {
            return Err(VaultError::BadKey);
        }
        let encryption = derive(&bytes, "tocsin source encryption v1");
        Ok(Vault {
            cipher: XChaCha20Poly1305::new(&encryption.into()),
            mac_key: derive(&bytes, "tocsin source fingerprint v1"),
        })
    }

    /// A fresh random master key, hex-encoded, for `tocsin init`.
    pub fn generate_key_hex() -> String {
        hex::encode(XChaCha20Poly1305::generate_key(&mut OsRng))
    }

    /// Encrypts `plaintext`; `context` (e.g. `"contact"`, `"payload"`) is authenticated but not
    /// stored, so a sealed contact cannot be passed off as a sealed payload.
    pub fn seal(&self, context: &str, plaintext: &[u8]) -> Vec<u8> {
        // 192 random bits: no nonce repeats under one key in practice. They come from the
        // thread's generator (ChaCha, seeded and reseeded from the operating system), which
        // spares a system call for every payload sealed.
        let nonce = XChaCha20Poly1305::generate_nonce(&mut rand::thread_rng());
        let payload = Payload {
            msg: plaintext,
            aad: context.as_bytes(),
        };
        let ciphertext = self
            .cipher
            .encrypt(&nonce, payload)
            .expect("encryption in memory cannot fail for inputs under 256 GiB");
        let mut sealed = Vec::with_capacity(NONCE_LEN + ciphertext.len());
        sealed.extend_from_slice(&nonce);
        sealed.extend_from_slice(&ciphertext);
        sealed
    }

    pub fn open(&self, context: &str, sealed: &[u8]) -> Result<Vec<u8>, VaultError> {
        if sealed.len() < NONCE_LEN {
            return Err(VaultError::CannotOpen);
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        self.cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| VaultError::CannotOpen)
    }

    /// Keyed fingerprint (hex HMAC-SHA256) of `data`, separated by `purpose` so fingerprints
    /// made for one use never match those made for another.
    pub fn fingerprint(&self, purpose: &str, data: &[u8]) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.mac_key)
            .expect("HMAC takes keys of any length");
        mac.update(purpose.as_bytes());
        mac.update(&[0]);
        mac.update(data);
        hex::encode(mac.finalize().into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vault() -> Vault {
        Vault::from_hex(&"11".repeat(32)).unwrap()
    }

    #[test]
    fn sealed_data_opens_only_with_its_key_and_context() {
        let sealed = vault().seal("contact", b"+256700123456");
        assert!(!sealed.windows(13).any(|w| w == b"+256700123456"));
        assert_eq!(vault().open("contact", &sealed).unwrap(), b"+256700123456");
        assert_eq!(
            vault().open("payload", &sealed),
            Err(VaultError::CannotOpen)
        );
        let other = Vault::from_hex(&"22".repeat(32)).unwrap();
        assert_eq!(other.open("contact", &sealed), Err(VaultError::CannotOpen));
        let mut altered = sealed.clone();
        *altered.last_mut().unwrap() ^= 1;
        assert_eq!(
            vault().open("contact", &altered),
            Err(VaultError::CannotOpen)
        );
    }

    #[test]
    fn the_same_plaintext_seals_differently_each_time() {
        assert_ne!(vault().seal("contact", b"x"), vault().seal("contact", b"x"));
    }

    #[test]
    fn fingerprints_are_stable_keyed_and_purpose_bound() {
        let v = vault();
        assert_eq!(
            v.fingerprint("contact", b"+1"),
            v.fingerprint("contact", b"+1")
        );
        assert_ne!(
            v.fingerprint("contact", b"+1"),
            v.fingerprint("body", b"+1")
        );
        let other = Vault::from_hex(&"22".repeat(32)).unwrap();
        assert_ne!(
            v.fingerprint("contact", b"+1"),
            other.fingerprint("contact", b"+1")
        );
    }

    #[test]
    fn bad_keys_are_refused_and_keys_never_print() {
        assert_eq!(Vault::from_hex("abc").unwrap_err(), VaultError::BadKey);
        assert_eq!(
            Vault::from_hex(&"zz".repeat(32)).unwrap_err(),
            VaultError::BadKey
        );
        assert_eq!(Vault::generate_key_hex().len(), 64);
        assert_eq!(format!("{:?}", vault()), "Vault(***)");
    }
}
