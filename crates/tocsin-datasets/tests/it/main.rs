//! Integration tests for tocsin-datasets: the embedded manifest against the shared test data,
//! fetching from a mirror directory, and fetching from a real HTTP server on loopback.
//!
//! The shared data directory is `TOCSIN_TEST_DATA`, or `../../../shared/data` relative to this
//! crate. No test reaches beyond 127.0.0.1.

mod manifest_pins;
mod mirror;
mod publisher;

use std::path::{Path, PathBuf};

/// The directory holding the copies of the public datasets that Tocsin is tested with.
pub fn test_data_dir() -> PathBuf {
    match std::env::var_os("TOCSIN_TEST_DATA") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
    }
}

/// Every regular file under `root`, as `/`-separated paths relative to it, sorted.
pub fn files_under(root: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, found: &mut Vec<String>) {
        let entries = std::fs::read_dir(dir)
            .unwrap_or_else(|error| panic!("cannot list {}: {error}", dir.display()));
        for entry in entries {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                walk(root, &path, found);
            } else {
                let relative = path.strip_prefix(root).expect("under root");
                let parts: Vec<String> = relative
                    .components()
                    .map(|part| part.as_os_str().to_string_lossy().into_owned())
                    .collect();
                found.push(parts.join("/"));
            }
        }
    }
    let mut found = Vec::new();
    walk(root, root, &mut found);
    found.sort();
    found
}
