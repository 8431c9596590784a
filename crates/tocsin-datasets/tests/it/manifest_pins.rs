//! The embedded manifest pins exactly the bytes of the shared test data, so it cannot rot.

use std::collections::BTreeSet;

use sha2::{Digest, Sha256};
use tocsin_datasets::{verify, Manifest, VerifyStatus};

use crate::{files_under, test_data_dir};

#[test]
fn every_entry_matches_its_test_copy_byte_for_byte() {
    let data = test_data_dir();
    let manifest = Manifest::embedded();
    for entry in manifest.entries() {
        let path = entry.destination(&data);
        let bytes = std::fs::read(&path).unwrap_or_else(|error| {
            panic!("{}: cannot read {}: {error}", entry.id(), path.display())
        });
        assert_eq!(bytes.len() as u64, entry.bytes(), "{}: size", entry.id());
        assert_eq!(
            hex::encode(Sha256::digest(&bytes)),
            entry.sha256(),
            "{}: sha256",
            entry.id()
        );
    }
}

#[test]
fn every_test_data_file_has_an_entry() {
    let data = test_data_dir();
    let on_disk: BTreeSet<String> = files_under(&data).into_iter().collect();
    let listed: BTreeSet<String> = Manifest::embedded()
        .entries()
        .iter()
        .map(|entry| entry.path().to_owned())
        .collect();
    let unlisted: Vec<_> = on_disk.difference(&listed).collect();
    let missing: Vec<_> = listed.difference(&on_disk).collect();
    assert!(
        unlisted.is_empty(),
        "files without a manifest entry: {unlisted:?}"
    );
    assert!(
        missing.is_empty(),
        "manifest entries without a file: {missing:?}"
    );
}

#[tokio::test]
async fn verify_accepts_the_test_data_directory() {
    let manifest = Manifest::embedded();
    let entries = manifest.select(&[]).expect("all entries");
    let statuses = verify(&entries, &test_data_dir()).await;
    assert_eq!(statuses.len(), manifest.entries().len());
    for (id, status) in statuses {
        assert_eq!(status, VerifyStatus::Ok, "{id}");
    }
}
