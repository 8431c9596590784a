//! Integration tests for tocsin-ingest: the real UCDP and ACLED files, realistic gateway
//! webhooks, SMS in the documented syntax and free text, API submissions, and property tests
//! that no parser panics on arbitrary input.
//!
//! The shared data directory is `TOCSIN_TEST_DATA`, or `../../../shared/data` relative to this
//! crate.

mod datasets;
mod never_panics;
mod reports;

use std::path::{Path, PathBuf};

/// The directory holding the copies of the public datasets that Tocsin is tested with.
pub fn test_data_dir() -> PathBuf {
    match std::env::var_os("TOCSIN_TEST_DATA") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
    }
}

/// The bytes of a file under the data directory.
pub fn read_data(relative: &str) -> Vec<u8> {
    let path = test_data_dir().join(relative);
    std::fs::read(&path).unwrap_or_else(|error| {
        panic!(
            "cannot read {} (set TOCSIN_TEST_DATA to the shared data directory): {error}",
            path.display()
        )
    })
}
