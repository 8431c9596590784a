//! Briefs for decision-makers and parliamentarians, from a model the application layer fills
//! and cuts to its reader (`model`), rendered to one self-contained HTML page (`html`) or to
//! PDF in-process with typst and its embedded fonts (`pdf`). Charts and the incident map are
//! SVG (`svg`), inline in HTML and as images in PDF.
//!
//! Invariant: pure. No I/O, no async, no clock: the brief's date is in the model, and typst
//! reads only the markup, images and fonts handed to it.

pub mod escape;
pub mod html;
pub mod model;
pub mod pdf;
pub mod svg;

pub use model::{
    Case, Citation, Country, Direction, Driver, Factor, Forecast, Headline, Incident, Marking,
    ParliamentBrief, Reader, Response, RiskPoint, SituationBrief, StageChange, Tool, Trigger,
    Versions, Withheld,
};
pub use pdf::Pdf;

/// The formats a brief comes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Html,
    Pdf,
}

impl Format {
    pub fn media_type(self) -> &'static str {
        match self {
            Format::Html => "text/html; charset=utf-8",
            Format::Pdf => "application/pdf",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Html => "html",
            Format::Pdf => "pdf",
        }
    }
}

impl std::str::FromStr for Format {
    type Err = BriefError;

    fn from_str(raw: &str) -> Result<Format, BriefError> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "html" => Ok(Format::Html),
            "pdf" => Ok(Format::Pdf),
            _ => Err(BriefError::UnknownFormat(raw.to_string())),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BriefError {
    #[error("unknown brief format {0:?}; use html or pdf")]
    UnknownFormat(String),
    /// The generated markup did not typeset: a defect in Tocsin, not in the data.
    #[error("the brief could not be typeset: {0}")]
    Typeset(String),
}

/// A situation brief in `format`, as bytes.
pub fn render_situation(brief: &SituationBrief, format: Format) -> Result<Vec<u8>, BriefError> {
    match format {
        Format::Html => Ok(html::situation(brief).into_bytes()),
        Format::Pdf => Ok(pdf::situation(brief)?.bytes),
    }
}

/// A parliamentary brief in `format`, as bytes.
pub fn render_parliament(brief: &ParliamentBrief, format: Format) -> Result<Vec<u8>, BriefError> {
    match format {
        Format::Html => Ok(html::parliament(brief).into_bytes()),
        Format::Pdf => Ok(pdf::parliament(brief)?.bytes),
    }
}
