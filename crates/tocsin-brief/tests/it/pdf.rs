//! PDF briefs read back as a reader's tools see them: text with `pdftotext`, pages as images
//! with `pdftoppm` (Debian's poppler-utils, installed by scripts/test).

use std::path::Path;
use std::process::Command;

use tocsin_brief::pdf;
use tocsin_domain::Tlp;

use crate::fixture;

fn text_of(pdf: &Path) -> String {
    let output = Command::new("pdftotext")
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext runs (apt-get install poppler-utils)");
    assert!(
        output.status.success(),
        "pdftotext: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// The text in a horizontal band of one page (A4: 595 × 842 points, measured from the top).
fn band_text(pdf: &Path, page: usize, top: u32, height: u32) -> String {
    let page = page.to_string();
    let (top, height) = (top.to_string(), height.to_string());
    let output = Command::new("pdftotext")
        .args([
            "-f", &page, "-l", &page, "-x", "0", "-y", &top, "-W", "595", "-H", &height,
        ])
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext runs (apt-get install poppler-utils)");
    assert!(output.status.success());
    String::from_utf8(output.stdout).unwrap()
}

/// Renders every page to PNG and returns how many pages there were.
fn pages_as_images(pdf: &Path, dir: &Path) -> usize {
    let status = Command::new("pdftoppm")
        .args(["-png", "-r", "40"])
        .arg(pdf)
        .arg(dir.join("page"))
        .status()
        .expect("pdftoppm runs (apt-get install poppler-utils)");
    assert!(status.success());
    let images: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|entry| entry.path().extension().is_some_and(|e| e == "png"))
        .collect();
    for image in &images {
        // A blank page compresses to almost nothing; a page with text and charts does not.
        assert!(
            image.metadata().unwrap().len() > 2_000,
            "{:?} looks blank",
            image.path()
        );
    }
    images.len()
}

#[test]
fn situation_brief_pdf_is_one_or_two_pages_with_marking_on_each() {
    let dir = tempfile::tempdir().unwrap();
    let brief = fixture::situation(fixture::amber_reader(), Tlp::Amber);
    let rendered = pdf::situation(&brief).unwrap();
    let path = dir.path().join("brief.pdf");
    std::fs::write(&path, &rendered.bytes).unwrap();
    assert!(rendered.bytes.starts_with(b"%PDF-"));

    let pages = pages_as_images(&path, dir.path());
    assert_eq!(pages, rendered.pages);
    assert!((1..=2).contains(&pages), "{pages} pages");

    let text = text_of(&path);
    assert!(text.contains("Democratic Republic of the Congo"), "{text}");
    assert!(text.contains("stage 2, crisis and mobilisation"), "{text}");
    assert!(text.contains("Key risk factors"));
    assert!(text.contains("Presidential election, first round"));
    // The header (top 60 points) and the footer (bottom 60) of every page carry the marking,
    // and nothing else there is a marking.
    for page in 1..=pages {
        for (top, height) in [(0, 60), (782, 60)] {
            let band = band_text(&path, page, top, height);
            assert_eq!(band.matches("TLP:").count(), 1, "page {page}: {band:?}");
            assert!(band.contains("TLP:AMBER"), "page {page}: {band:?}");
        }
    }
}

// Field text full of typst syntax is printed as written, not run.
#[test]
fn situation_brief_pdf_prints_report_text_literally() {
    let dir = tempfile::tempdir().unwrap();
    let brief = fixture::situation(fixture::amber_reader(), Tlp::Amber);
    let path = dir.path().join("brief.pdf");
    std::fs::write(&path, pdf::situation(&brief).unwrap().bytes).unwrap();
    let text = text_of(&path)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(text.contains("#set page(width: 1pt)"), "{text}");
    assert!(text.contains("$100 for each *name*"), "{text}");
    assert!(text.contains("@ward7 [list] _attached_"), "{text}");
}

#[test]
fn parliament_brief_pdf_lists_countries_stages_tools_and_cases() {
    let dir = tempfile::tempdir().unwrap();
    let rendered = pdf::parliament(&fixture::parliament()).unwrap();
    let path = dir.path().join("parliament.pdf");
    std::fs::write(&path, &rendered.bytes).unwrap();
    assert_eq!(pages_as_images(&path, dir.path()), rendered.pages);
    let text = text_of(&path);
    for expected in [
        "Sudan",
        "Yemen",
        "Stage 3, imminent emergency",
        "What a parliament can push for",
        "Kenya post-election violence",
        "TLP:CLEAR",
    ] {
        assert!(text.contains(expected), "{expected} missing from:\n{text}");
    }
}
