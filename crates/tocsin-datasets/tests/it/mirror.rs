//! Fetching from a mirror directory: the shared test data stands in for an organisation's copy.

use tocsin_datasets::{fetch, verify, Event, Manifest, Origin, Outcome, VerifyStatus};

use crate::test_data_dir;

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client")
}

#[tokio::test]
async fn fetches_every_file_from_a_mirror_then_finds_them_present() {
    let mirror = test_data_dir();
    let dest = tempfile::tempdir().expect("tempdir");
    let manifest = Manifest::embedded();
    let entries = manifest.select(&[]).expect("all entries");
    let origin = Origin::Mirror(mirror.clone());

    let mut events = Vec::new();
    let report = fetch(&entries, dest.path(), &origin, &client(), &mut |event| {
        // Keep the shape of the stream, not every progress tick.
        if !matches!(event, Event::Progress { .. }) {
            events.push(event);
        }
    })
    .await;

    assert!(report.ok(), "{report:?}");
    assert_eq!(report.counts().fetched, entries.len());
    for entry in &entries {
        // Account-only and derived files come from a mirror like any other.
        assert_eq!(
            report.outcome(entry.id()),
            Some(&Outcome::Fetched),
            "{}",
            entry.id()
        );
        let copied = std::fs::read(entry.destination(dest.path())).expect("copied file");
        let original = std::fs::read(entry.destination(&mirror)).expect("mirror file");
        assert!(copied == original, "{} differs from the mirror", entry.id());
    }
    let started = events
        .iter()
        .filter(|event| matches!(event, Event::Started { .. }))
        .count();
    let finished = events
        .iter()
        .filter(|event| matches!(event, Event::Finished { .. }))
        .count();
    assert_eq!((started, finished), (entries.len(), entries.len()));
    assert!(events.contains(&Event::Started {
        id: "world-atlas-countries-110m".into(),
        bytes: Some(107_761),
    }));

    let statuses = verify(&entries, dest.path()).await;
    assert!(statuses
        .iter()
        .all(|(_, status)| *status == VerifyStatus::Ok));

    // A second run transfers nothing.
    let mut transferred = 0;
    let again = fetch(&entries, dest.path(), &origin, &client(), &mut |event| {
        if matches!(event, Event::Started { .. } | Event::Progress { .. }) {
            transferred += 1;
        }
    })
    .await;
    assert!(again.ok());
    assert_eq!(again.counts().already_present, entries.len());
    assert_eq!(transferred, 0);
}

#[tokio::test]
async fn progress_reaches_the_file_size() {
    let dest = tempfile::tempdir().expect("tempdir");
    let manifest = Manifest::embedded();
    // Larger than one read chunk, so progress comes in several steps.
    let entries = manifest
        .select(&["world-atlas-countries-50m".to_string()])
        .expect("known id");
    let mut progress = Vec::new();
    let report = fetch(
        &entries,
        dest.path(),
        &Origin::Mirror(test_data_dir()),
        &client(),
        &mut |event| {
            if let Event::Progress { bytes_done, .. } = event {
                progress.push(bytes_done);
            }
        },
    )
    .await;
    assert!(report.ok(), "{report:?}");
    assert!(progress.len() > 1);
    assert!(progress.windows(2).all(|pair| pair[0] < pair[1]));
    assert_eq!(progress.last().copied(), Some(756_420));
}

#[tokio::test]
async fn a_file_missing_from_the_mirror_fails_and_the_rest_still_arrive() {
    let mirror = tempfile::tempdir().expect("mirror");
    let dest = tempfile::tempdir().expect("dest");
    let manifest = Manifest::embedded();
    let entries = manifest
        .select(&["cap-sample-valid".into(), "cap-sample-invalid".into()])
        .expect("known ids");
    // Only the valid sample is in this mirror.
    let valid = entries[0];
    std::fs::create_dir_all(mirror.path().join("standards")).expect("mkdir");
    std::fs::copy(
        valid.destination(&test_data_dir()),
        valid.destination(mirror.path()),
    )
    .expect("copy");

    let report = fetch(
        &entries,
        dest.path(),
        &Origin::Mirror(mirror.path().to_path_buf()),
        &reqwest::Client::new(),
        &mut |_| {},
    )
    .await;

    assert_eq!(report.outcome("cap-sample-valid"), Some(&Outcome::Fetched));
    let reason = report
        .outcome("cap-sample-invalid")
        .and_then(Outcome::reason)
        .expect("a failure reason");
    assert!(reason.contains("the mirror has no file"), "{reason}");
    assert!(reason.contains("cap_sample_invalid.xml"), "{reason}");
    assert!(!report.ok());
}
