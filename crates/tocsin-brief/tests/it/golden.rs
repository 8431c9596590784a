//! Golden files of the HTML briefs. A change in rendering shows up as a diff here; when it is
//! meant, `UPDATE_GOLDEN=1 cargo test -p tocsin-brief --test it golden` rewrites the files.

use std::path::PathBuf;

use tocsin_brief::html;
use tocsin_domain::Tlp;

use crate::fixture;

fn check(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("{}: {error}; run with UPDATE_GOLDEN=1", path.display()));
    if expected != actual {
        let line = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(expected.lines().count().min(actual.lines().count()));
        panic!(
            "{name} differs from its golden file at line {}:\nexpected: {:?}\nactual:   {:?}\n(UPDATE_GOLDEN=1 rewrites it if the change is meant)",
            line + 1,
            expected.lines().nth(line),
            actual.lines().nth(line)
        );
    }
}

#[test]
fn situation_brief_html_matches_its_golden_file() {
    let brief = fixture::situation(fixture::amber_reader(), Tlp::Amber);
    check("situation.html", &html::situation(&brief));
}

#[test]
fn parliament_brief_html_matches_its_golden_file() {
    check("parliament.html", &html::parliament(&fixture::parliament()));
}

// Report texts are the field's own words: they must show as text, never as markup.
#[test]
fn html_shows_hostile_report_text_as_text() {
    let brief = fixture::situation(fixture::amber_reader(), Tlp::Amber);
    let page = html::situation(&brief);
    assert!(!page.contains("<b>leaders</b>"));
    assert!(page.contains("Militia &lt;b&gt;leaders&lt;/b&gt;"));
    assert!(!page.contains("<i>named</i>"));
    assert_eq!(page.matches("<script").count(), 0);
    // The marking sits in the header and the footer, and in the page's metadata.
    assert_eq!(page.matches(">TLP:AMBER</span>").count(), 2);
    assert!(page.contains("<meta name=\"tlp\" content=\"TLP:AMBER\">"));
    // Eight incidents on the map, numbered as in the list.
    assert_eq!(page.matches("<circle").count(), 8 + 6);
}
