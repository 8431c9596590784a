//! The crate's one error type: what can go wrong while loading gazetteer data.
//!
//! Resolving a place never fails with an error: a name that cannot be placed is a normal
//! outcome (`Resolution::Unresolved`) that goes to an analyst, not an error.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum GeoError {
    /// The data could not be read from the reader handed in.
    #[error("could not read gazetteer data: {0}")]
    Io(#[from] std::io::Error),

    /// The GeoNames file is not the JSON object it should be.
    #[error(
        "GeoNames JSON is malformed at line {line}, column {column}: {message}; \
         pass the geonames_cities15000.json file (an object keyed by geonameid)"
    )]
    Json {
        line: usize,
        column: usize,
        message: String,
    },

    /// A GeoNames entry lacks a field the gazetteer needs.
    #[error("GeoNames entry {key} has no `{field}`; the file is not a GeoNames cities export")]
    MissingField { key: String, field: &'static str },

    /// A GeoNames entry has a value that cannot be used (a latitude of 200, a bad country code).
    #[error("GeoNames entry {key} has an invalid `{field}`: {value}")]
    InvalidField {
        key: String,
        field: &'static str,
        value: String,
    },

    /// The country crosswalk CSV cannot be read or lacks its code columns.
    #[error("country code list is unusable: {0}; pass countrycode_codelist.csv")]
    CountryList(String),
}

impl From<serde_json::Error> for GeoError {
    fn from(error: serde_json::Error) -> Self {
        if error.is_io() {
            return GeoError::Io(error.into());
        }
        // serde_json's message ends with the position, which the variant carries itself.
        let mut message = error.to_string();
        if let Some(position) = message.rfind(" at line ") {
            message.truncate(position);
        }
        GeoError::Json {
            line: error.line(),
            column: error.column(),
            message,
        }
    }
}
