//! Checking a data directory against the manifest without fetching anything.

use std::io;
use std::path::Path;

use serde::Serialize;

use crate::digest;
use crate::manifest::Entry;

/// The state of one manifest file in a data directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum VerifyStatus {
    /// Present with the pinned sha256 and size.
    Ok,
    /// No file at the entry's path.
    Missing,
    /// Present, but not the pinned bytes.
    Mismatch {
        expected_sha256: String,
        expected_bytes: u64,
        actual_sha256: String,
        actual_bytes: u64,
    },
    /// Present but could not be read (permissions, a directory in the way, …).
    Unreadable { reason: String },
}

/// Checks each entry's file under the data directory `dest`, in the order given.
pub async fn verify(entries: &[&Entry], dest: &Path) -> Vec<(String, VerifyStatus)> {
    let mut statuses = Vec::with_capacity(entries.len());
    for entry in entries {
        let path = entry.destination(dest);
        let status = match digest::digest_file(&path).await {
            Ok(digest) if digest.matches(entry.sha256(), entry.bytes()) => VerifyStatus::Ok,
            Ok(digest) => VerifyStatus::Mismatch {
                expected_sha256: entry.sha256().to_owned(),
                expected_bytes: entry.bytes(),
                actual_sha256: digest.sha256,
                actual_bytes: digest.bytes,
            },
            Err(error) if error.kind() == io::ErrorKind::NotFound => VerifyStatus::Missing,
            Err(error) => VerifyStatus::Unreadable {
                reason: format!("could not read {}: {error}", path.display()),
            },
        };
        statuses.push((entry.id().to_owned(), status));
    }
    statuses
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Manifest;

    #[tokio::test]
    async fn tells_ok_missing_mismatched_and_unreadable_apart() {
        let dir = tempfile::tempdir().expect("tempdir");
        // sha256 of "abc" and of "abd".
        let manifest = Manifest::from_toml(
            r#"
version = "test"

[[dataset]]
id = "good"
path = "a/good.txt"
publisher = "p"
url = "https://example.org/good"
licence = "l"
sha256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
bytes = 3
access = "download"

[[dataset]]
id = "changed"
path = "a/changed.txt"
publisher = "p"
url = "https://example.org/changed"
licence = "l"
sha256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
bytes = 3
access = "download"

[[dataset]]
id = "absent"
path = "a/absent.txt"
publisher = "p"
url = "https://example.org/absent"
licence = "l"
sha256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
bytes = 3
access = "download"

[[dataset]]
id = "directory"
path = "a/directory"
publisher = "p"
url = "https://example.org/directory"
licence = "l"
sha256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
bytes = 3
access = "download"
"#,
        )
        .expect("valid manifest");
        std::fs::create_dir_all(dir.path().join("a/directory")).expect("mkdir");
        std::fs::write(dir.path().join("a/good.txt"), "abc").expect("write");
        std::fs::write(dir.path().join("a/changed.txt"), "abd").expect("write");

        let entries = manifest.select(&[]).expect("all");
        let statuses = verify(&entries, dir.path()).await;

        assert_eq!(statuses[0], ("good".to_string(), VerifyStatus::Ok));
        match &statuses[1].1 {
            VerifyStatus::Mismatch {
                actual_sha256,
                actual_bytes,
                ..
            } => {
                assert_eq!(
                    actual_sha256,
                    "a52d159f262b2c6ddb724a61840befc36eb30c88877a4030b65cbe86298449c9"
                );
                assert_eq!(*actual_bytes, 3);
            }
            other => panic!("expected a mismatch, got {other:?}"),
        }
        assert_eq!(statuses[2].1, VerifyStatus::Missing);
        assert!(matches!(statuses[3].1, VerifyStatus::Unreadable { .. }));

        let json = serde_json::to_value(&statuses[2].1).expect("json");
        assert_eq!(json, serde_json::json!({"status": "missing"}));
    }
}
