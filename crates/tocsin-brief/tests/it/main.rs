//! The briefs rendered from a fixed model: HTML against committed golden files, PDF read back
//! with poppler's `pdftotext` and `pdftoppm`.

mod fixture;
mod golden;
mod pdf;
