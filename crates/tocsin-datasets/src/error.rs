//! The crate's one error type.
//!
//! Manifest errors reach the user when `--manifest FILE` is wrong, and fetch errors become the
//! `reason` of a failed entry, so every message says what is wrong and what to do about it.

use std::io;
use std::path::PathBuf;

use thiserror::Error;

use crate::manifest::Access;

#[derive(Debug, Error)]
pub enum DatasetsError {
    /// The manifest text is not TOML of the expected shape (including unknown fields).
    #[error("the dataset manifest could not be read: {detail}; fix the manifest file, or leave out --manifest to use the built-in one")]
    ManifestSyntax { detail: String },

    #[error("the dataset manifest has an empty version; set version = \"YYYY-MM\"")]
    EmptyVersion,

    #[error("dataset id {id:?} is not kebab-case; use lowercase letters, digits and single hyphens, e.g. \"ucdp-ged-19-1-syria\"")]
    InvalidId { id: String },

    #[error(
        "dataset id {id:?} appears more than once in the manifest; give each dataset its own id"
    )]
    DuplicateId { id: String },

    #[error(
        "datasets {first:?} and {second:?} both have path {path:?}; give each dataset its own path"
    )]
    DuplicatePath {
        path: String,
        first: String,
        second: String,
    },

    #[error("dataset {id:?} has sha256 {value:?}; it must be 64 hexadecimal digits, as printed by sha256sum")]
    InvalidSha256 { id: String, value: String },

    #[error("dataset {id:?} has path {path:?}, which {problem}; give a path relative to the data directory, e.g. \"ewp/file.csv\"")]
    InvalidPath {
        id: String,
        path: String,
        problem: &'static str,
    },

    #[error("dataset {id:?} has url {url:?}; give an absolute http or https URL")]
    InvalidUrl { id: String, url: String },

    #[error("dataset {id:?} has an empty {field}; fill it in")]
    EmptyField { id: String, field: &'static str },

    #[error("dataset {id:?} has access \"{access}\" but no note; add a note saying how the user obtains the file")]
    MissingNote { id: String, access: Access },

    #[error("no dataset has id {id:?}; known ids: {known}")]
    UnknownDataset { id: String, known: String },

    #[error("could not set up the HTTP client: {detail}")]
    HttpClient { detail: String },

    #[error("could not download {url}: {detail}; check the network connection, or take the file from a mirror with --from DIR")]
    Download { url: String, detail: String },

    #[error("{url} answered HTTP {status}; the publisher may have moved or withdrawn the file: take it from a mirror with --from DIR, or pass --manifest FILE with the new url")]
    HttpStatus { url: String, status: String },

    #[error("the mirror has no file {path}; check that --from DIR names a directory laid out like the data directory")]
    NotInMirror { path: PathBuf },

    #[error("{from} sent more than {limit} bytes where the manifest expects {expected}; the download was stopped and nothing was saved: take the file from a mirror with --from DIR")]
    TooLarge {
        from: String,
        limit: u64,
        expected: u64,
    },

    #[error("{from} does not match the manifest: expected sha256 {expected_sha256} ({expected_bytes} bytes), got sha256 {actual_sha256} ({actual_bytes} bytes); nothing was saved: if the publisher changed the file, take the tested copy from a mirror with --from DIR")]
    Mismatch {
        from: String,
        expected_sha256: String,
        expected_bytes: u64,
        actual_sha256: String,
        actual_bytes: u64,
    },

    // The io::Error is shown in the message rather than chained as a source: these errors end
    // up as plain-text reasons in a fetch report, where a chain would be lost.
    #[error("could not {action} {path}: {error}")]
    Io {
        action: &'static str,
        path: PathBuf,
        error: io::Error,
    },
}

impl DatasetsError {
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(io::Error) -> Self {
        let path = path.into();
        move |error| DatasetsError::Io {
            action,
            path,
            error,
        }
    }
}

/// An error and its sources on one line, `outer: inner: innermost`.
///
/// reqwest's own message ("error sending request for url …") hides the useful part
/// ("connection refused", "dns error") in its source chain.
pub(crate) fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        let inner_text = inner.to_string();
        // Some layers repeat their source's message; print each piece once.
        if !text.contains(&inner_text) {
            text.push_str(": ");
            text.push_str(&inner_text);
        }
        source = inner.source();
    }
    text
}
