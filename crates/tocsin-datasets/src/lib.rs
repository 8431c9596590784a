//! The public datasets Tocsin uses, and how to fetch and check them.
//!
//! Tocsin never ships third-party data: several licences forbid redistribution. Instead a
//! [`Manifest`] (embedded from `data/manifest.toml`, or a deployment's own file) names every
//! file, where its publisher serves it, and the sha256 and size of the exact bytes Tocsin was
//! tested with. [`fetch`] brings files into a data directory, from the publishers or from a
//! mirror directory, and accepts a file only when it matches the manifest; [`verify`] checks a
//! data directory without fetching anything.
//!
//! Invariants: a file lands at its destination only after its sha256 and size have been
//! checked, and it lands by an atomic rename, so a data directory never holds a partial or
//! unverified file under a manifest path. This crate depends on no other workspace crate.
//!
//! ```no_run
//! # async fn run() -> Result<(), tocsin_datasets::DatasetsError> {
//! use tocsin_datasets::{fetch, http_client, Manifest, Origin};
//!
//! let manifest = Manifest::embedded();
//! let entries = manifest.select(&["ewp-prepared-predictors-2024".to_string()])?;
//! let client = http_client()?;
//! let report = fetch(&entries, "data".as_ref(), &Origin::Publisher, &client, &mut |_event| {}).await;
//! assert!(report.ok());
//! # Ok(())
//! # }
//! ```

mod digest;
mod error;
mod fetch;
mod manifest;
mod verify;

pub use error::DatasetsError;
pub use fetch::{fetch, http_client, Counts, EntryOutcome, Event, FetchReport, Origin, Outcome};
pub use manifest::{Access, Entry, Manifest};
pub use verify::{verify, VerifyStatus};
