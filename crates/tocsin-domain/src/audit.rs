//! The tamper-evident audit log: who did what, when, with the state before and after.
//!
//! Each entry carries the SHA-256 of its own content and of the entry before it, so editing,
//! deleting or reordering any stored entry breaks the chain from that point on. The hash covers
//! the fields exactly as stored (text), so it survives a round trip through either database.
//! The storage layer appends; this module only computes and checks.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The hash that the first entry links back to.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// An entry about to be appended: everything but its place in the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    /// Who acted: a user name, or `system:<job>` for automatic work.
    pub actor: String,
    /// What they did, as a dotted verb: `report.transition`, `dataset.import`.
    pub action: String,
    /// What it was done to: `report:123`, `dataset:ewp`.
    pub entity: String,
    /// JSON text of the state before, if there was one.
    pub before: Option<String>,
    /// JSON text of the state after, if there is one.
    pub after: Option<String>,
}

/// A stored entry of the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Position in the chain, from 1 without gaps.
    pub seq: i64,
    /// When it happened, RFC 3339 in UTC, as stored.
    pub at: String,
    pub event: AuditEvent,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditEntry {
    /// Seals `event` as entry number `seq` following an entry whose hash is `prev_hash`.
    pub fn seal(seq: i64, at: String, event: AuditEvent, prev_hash: String) -> AuditEntry {
        let hash = entry_hash(seq, &at, &event, &prev_hash);
        AuditEntry {
            seq,
            at,
            event,
            prev_hash,
            hash,
        }
    }
}

/// SHA-256 over the entry's fields, each length-prefixed so that no two different entries
/// can serialise to the same bytes (a field cannot "borrow" characters from its neighbour).
pub fn entry_hash(seq: i64, at: &str, event: &AuditEvent, prev_hash: &str) -> String {
    let mut hasher = Sha256::new();
    let mut field = |bytes: Option<&[u8]>| match bytes {
        Some(bytes) => {
            hasher.update((bytes.len() as u64).to_be_bytes());
            hasher.update(bytes);
        }
        // A missing value hashes differently from an empty one.
        None => hasher.update(u64::MAX.to_be_bytes()),
    };
    field(Some(&seq.to_be_bytes()));
    field(Some(at.as_bytes()));
    field(Some(event.actor.as_bytes()));
    field(Some(event.action.as_bytes()));
    field(Some(event.entity.as_bytes()));
    field(event.before.as_deref().map(str::as_bytes));
    field(event.after.as_deref().map(str::as_bytes));
    field(Some(prev_hash.as_bytes()));
    hex::encode(hasher.finalize())
}

/// Where and why a chain stops being trustworthy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainBreak {
    /// The first entry that does not check out.
    pub seq: i64,
    pub reason: String,
}

/// The outcome of checking a whole chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainReport {
    pub entries: u64,
    pub last_hash: String,
    pub first_break: Option<ChainBreak>,
}

/// Checks entries one at a time, in sequence order, keeping only the previous hash, so a log
/// of any length can be verified page by page.
#[derive(Debug)]
pub struct ChainVerifier {
    prev_hash: String,
    entries: u64,
    first_break: Option<ChainBreak>,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        ChainVerifier {
            prev_hash: GENESIS_HASH.to_string(),
            entries: 0,
            first_break: None,
        }
    }
}

impl ChainVerifier {
    /// Takes the next entry; returns false once the chain is broken (later entries can no
    /// longer be trusted, so there is no point reading on).
    pub fn push(&mut self, entry: &AuditEntry) -> bool {
        if self.first_break.is_some() {
            return false;
        }
        let expected_seq = self.entries as i64 + 1;
        self.entries += 1;
        let reason = if entry.seq != expected_seq {
            Some(format!(
                "expected entry {expected_seq} but found {} (an entry was removed or moved)",
                entry.seq
            ))
        } else if entry.prev_hash != self.prev_hash {
            Some("does not link to the entry before it".to_string())
        } else if entry_hash(entry.seq, &entry.at, &entry.event, &entry.prev_hash) != entry.hash {
            Some("its content does not match its hash (the entry was edited)".to_string())
        } else {
            None
        };
        match reason {
            Some(reason) => {
                self.first_break = Some(ChainBreak {
                    seq: entry.seq,
                    reason,
                });
                false
            }
            None => {
                self.prev_hash.clone_from(&entry.hash);
                true
            }
        }
    }

    pub fn finish(self) -> ChainReport {
        ChainReport {
            entries: self.entries,
            last_hash: self.prev_hash,
            first_break: self.first_break,
        }
    }
}

/// Checks a whole chain and reports the first entry that was altered, removed or moved.
pub fn verify_chain<I: IntoIterator<Item = AuditEntry>>(entries: I) -> ChainReport {
    let mut verifier = ChainVerifier::default();
    for entry in entries {
        if !verifier.push(&entry) {
            break;
        }
    }
    verifier.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<AuditEntry> {
        let mut prev = GENESIS_HASH.to_string();
        (1..=n)
            .map(|seq| {
                let event = AuditEvent {
                    actor: "amina".into(),
                    action: "report.transition".into(),
                    entity: format!("report:{seq}"),
                    before: Some(r#"{"verification":"triage"}"#.into()),
                    after: Some(r#"{"verification":"verified"}"#.into()),
                };
                let entry = AuditEntry::seal(
                    seq,
                    format!("2026-01-0{seq}T00:00:00Z"),
                    event,
                    prev.clone(),
                );
                prev = entry.hash.clone();
                entry
            })
            .collect()
    }

    #[test]
    fn an_untouched_chain_verifies() {
        let report = verify_chain(chain(5));
        assert_eq!(report.entries, 5);
        assert_eq!(report.first_break, None);
    }

    #[test]
    fn an_edited_entry_is_named() {
        let mut entries = chain(5);
        entries[2].event.after = Some(r#"{"verification":"false"}"#.into());
        let broken = verify_chain(entries).first_break.unwrap();
        assert_eq!(broken.seq, 3);
        assert!(broken.reason.contains("edited"));
    }

    #[test]
    fn a_removed_entry_is_named() {
        let mut entries = chain(5);
        entries.remove(1);
        assert_eq!(verify_chain(entries).first_break.unwrap().seq, 3);
    }

    #[test]
    fn a_rehashed_entry_no_longer_links() {
        // Someone edits entry 2 and recomputes its hash: entry 3 no longer links to it.
        let mut entries = chain(4);
        entries[1].event.actor = "mallory".into();
        entries[1].hash = entry_hash(2, &entries[1].at, &entries[1].event, &entries[1].prev_hash);
        assert_eq!(verify_chain(entries).first_break.unwrap().seq, 3);
    }

    #[test]
    fn missing_and_empty_values_hash_differently() {
        let mut event = chain(1).remove(0).event;
        event.before = None;
        let missing = entry_hash(1, "t", &event, GENESIS_HASH);
        event.before = Some(String::new());
        assert_ne!(missing, entry_hash(1, "t", &event, GENESIS_HASH));
    }
}
