//! Tocsin's gazetteer: from a place name as a reporter typed it to a point on the map and the
//! situation (country) it concerns.
//!
//! Invariant: this crate does no I/O of its own. It reads GeoNames and the countrycode
//! crosswalk from readers or bytes its caller hands it, never opens a path, never touches the
//! network or the clock. It is not an API boundary: callers (ingest, the HTTP server, the CLI)
//! turn its [`Resolution`] into what they expose, and send `Unresolved` and `Ambiguous` names to
//! the analysts' queue.
//!
//! ```text
//! Gazetteer::from_geonames_json(reader)?      cities and their names in many scripts
//!     .with_country_names(reader)?            country names in ~240 languages, DRC-style patterns
//! gazetteer.resolve("Goma (DRC)", hint)       -> Resolved(Place { situation: COD, .. })
//! gazetteer.find_in_text(sms)                 -> [Mention { span, resolution }]
//! ```

mod error;
mod gazetteer;
mod normalise;
mod resolve;
mod text;

pub use error::GeoError;
pub use gazetteer::{Gazetteer, GazetteerStats, REPORT_LANGUAGES};
pub use normalise::normalise;
pub use resolve::{Place, PlaceKind, Resolution, UnresolvedReason};
pub use text::Mention;
