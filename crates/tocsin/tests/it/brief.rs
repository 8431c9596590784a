//! `tocsin brief`: a situation brief and the parliamentary brief written to files, and bad
//! input refused before anything is written.

use crate::{json, run, Sandbox};

#[test]
fn briefs_are_written_as_html_and_pdf() {
    let sandbox = Sandbox::create();
    let (code, _, stderr) = run(sandbox.tocsin().arg("init"));
    assert_eq!(code, 0, "{stderr}");

    let html = sandbox.dir.path().join("sudan.html");
    let (code, stdout, stderr) = run(sandbox
        .tocsin()
        .args(["--json", "brief", "SDN", "--format", "html", "-o"])
        .arg(&html));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(json(&stdout)["media_type"], "text/html; charset=utf-8");
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("Situation brief: Sudan"), "{page}");
    assert!(page.contains("no elevated concern"));
    assert!(page.contains("<meta name=\"tlp\" content=\"TLP:CLEAR\">"));

    let pdf = sandbox.dir.path().join("parliament.pdf");
    let (code, _, stderr) = run(sandbox
        .tocsin()
        .args(["brief", "parliament", "--format", "pdf", "--top", "5", "-o"])
        .arg(&pdf));
    assert_eq!(code, 0, "{stderr}");
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF-"));
}

#[test]
fn bad_brief_input_says_what_to_fix_and_writes_nothing() {
    let sandbox = Sandbox::create();
    let out = sandbox.dir.path().join("brief.out");
    for (args, expected) in [
        (
            vec!["brief", "SDN", "--format", "docx"],
            "unknown brief format",
        ),
        (
            vec!["brief", "SDN", "--clearance", "TLP:ORANGE"],
            "TLP:AMBER+STRICT",
        ),
        (vec!["brief", "SDN", "--role", "king"], "focal_point"),
        (vec!["brief", "XXX"], "XXX"),
    ] {
        let (code, _, stderr) = run(sandbox.tocsin().args(&args).arg("-o").arg(&out));
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(!out.exists());
    }
}
