//! Parsers for what comes into Tocsin from outside.
//!
//! Invariant: no database, no network, no clock. Parsers take bytes and return what they
//! could read plus, for what they could not, problems that name the file, line and column and
//! say how to fix it. A parser never panics on arbitrary input (property-tested).

pub mod ewp;
mod problem;

pub use problem::{IngestError, Problem};

use sha2::{Digest, Sha256};

/// Hex SHA-256 of a file's bytes: identifies an edition of a dataset.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}
