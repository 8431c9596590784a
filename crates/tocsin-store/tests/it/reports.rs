//! The analyst's side of reports, on both backends: queues, grading, corroboration, placing.

use time::macros::datetime;
use tocsin_domain::{Credibility, Reliability, SituationId, SourceId, Tlp, VerificationState};
use tocsin_store::{Grade, ManualPlace, ReportFilter, StoreError};

use super::{sms_report, vault, Db};

async fn analysts_grade_link_and_place_reports_on_the_record(db: Db) {
    let store = db.open().await;
    let vault = vault();
    let now = datetime!(2026-11-21 12:00 UTC);
    let placed = store
        .accept(
            &vault,
            None,
            sms_report("+211912345678", "armed men at the market"),
            now,
        )
        .await
        .unwrap();
    let mut lost = sms_report("+211900000000", "houses burning near the river crossing");
    lost.place.point = None;
    lost.place.situation = None;
    lost.place.state = "unresolved";
    let lost = store.accept(&vault, None, lost, now).await.unwrap();

    // The place queue holds only what the gazetteer could not place.
    let mut queue = ReportFilter::new(Tlp::AmberStrict);
    queue.place_queue = true;
    let listed = store.list_reports(&queue).await.unwrap();
    assert_eq!(
        listed.iter().map(|r| r.report.id).collect::<Vec<_>>(),
        vec![lost.report_id]
    );
    store
        .place_report(
            lost.report_id,
            &ManualPlace {
                name: Some("Malakal".into()),
                latitude: 9.53,
                longitude: 31.66,
                situation: SituationId::parse("SSD").unwrap(),
            },
            "amina",
            now,
        )
        .await
        .unwrap();
    assert!(store.list_reports(&queue).await.unwrap().is_empty());
    let report = store
        .report(lost.report_id, Tlp::AmberStrict)
        .await
        .unwrap();
    assert_eq!(report.report.place_state, "resolved");
    assert_eq!(report.report.situation.as_deref(), Some("SSD"));

    // Grading: credibility and TLP on the report, reliability on its source.
    store
        .grade_report(
            placed.report_id,
            Grade {
                credibility: Some(Credibility::ProbablyTrue),
                tlp: Some(Tlp::Red),
            },
            "amina",
            now,
        )
        .await
        .unwrap();
    let source: SourceId = placed.source_id.clone().unwrap();
    store
        .grade_source(&source, Reliability::B, "amina", now)
        .await
        .unwrap();
    // A TLP:RED report is invisible below RED clearance, in lists and by id.
    assert!(matches!(
        store.report(placed.report_id, Tlp::AmberStrict).await,
        Err(StoreError::NotFound { .. })
    ));
    let seen = store.report(placed.report_id, Tlp::Red).await.unwrap();
    assert_eq!(seen.report.credibility, 2);
    assert_eq!(seen.source_reliability.as_deref(), Some("B"));
    let all_amber = store
        .list_reports(&ReportFilter::new(Tlp::AmberStrict))
        .await
        .unwrap();
    assert_eq!(all_amber.len(), 1);

    // Corroboration links both ways, once.
    store
        .corroborate(
            lost.report_id,
            placed.report_id,
            Some("same market"),
            "amina",
            now,
        )
        .await
        .unwrap();
    assert!(matches!(
        store
            .corroborate(placed.report_id, lost.report_id, None, "amina", now)
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        store
            .corroborate(placed.report_id, placed.report_id, None, "amina", now)
            .await,
        Err(StoreError::Refused(_))
    ));
    assert!(matches!(
        store
            .corroborate(placed.report_id, 999_999, None, "amina", now)
            .await,
        Err(StoreError::NotFound { .. })
    ));
    let both = store
        .list_reports(&ReportFilter::new(Tlp::Red))
        .await
        .unwrap();
    for view in &both {
        let other = if view.report.id == lost.report_id {
            placed.report_id
        } else {
            lost.report_id
        };
        assert_eq!(view.corroborated_by, vec![other]);
    }

    // Filters combine: verification state and situation.
    let mut triage = ReportFilter::new(Tlp::Red);
    triage.verification = Some(VerificationState::Triage);
    triage.situation = Some(SituationId::parse("SSD").unwrap());
    assert_eq!(store.list_reports(&triage).await.unwrap().len(), 2);
    triage.verification = Some(VerificationState::Verified);
    assert!(store.list_reports(&triage).await.unwrap().is_empty());

    // Each change is on the record with before and after.
    let entries = store.audit_entries(0, 100).await.unwrap();
    let grade = entries
        .iter()
        .find(|e| e.event.action == "report.grade")
        .unwrap();
    assert!(grade
        .event
        .before
        .as_deref()
        .unwrap()
        .contains("\"credibility\":6"));
    assert!(grade.event.after.as_deref().unwrap().contains("TLP:RED"));
    for action in ["source.grade", "report.corroborate", "report.place"] {
        assert!(entries.iter().any(|e| e.event.action == action), "{action}");
    }
}

/// A partner system's id for its report is shown only to audiences that see the source; a
/// published dataset's record is shown to everyone who sees the event, with its facts.
async fn references_and_event_facts_follow_the_audience(db: Db) {
    let store = db.open().await;
    let vault = vault();
    let now = datetime!(2026-11-21 12:00 UTC);
    let mut partner = sms_report("+211955500011", "roadblock on the Bor road");
    partner.channel = tocsin_domain::Channel::Api;
    partner.sender = None;
    partner.tlp = Tlp::Clear;
    partner.external_ref = Some("api:partner-7".into());
    let partner = store.accept(&vault, None, partner, now).await.unwrap();
    let mut event = sms_report("+211955500012", "clashes at Kreinik");
    event.channel = tocsin_domain::Channel::DatasetImport;
    event.sender = None;
    event.tlp = Tlp::Clear;
    event.external_ref = Some("acled:SDN9001".into());
    event.details_json = Some(
        r#"{"actors":["Militia (Sudan)","Civilians (Sudan)"],"event_type":"Battles","fatalities":12}"#
            .into(),
    );
    let event = store.accept(&vault, None, event, now).await.unwrap();

    for (clearance, partner_reference) in [(Tlp::Clear, None), (Tlp::Amber, Some("api:partner-7"))]
    {
        let partner_view = store.report(partner.report_id, clearance).await.unwrap();
        assert_eq!(partner_view.report.reference.as_deref(), partner_reference);
        assert_eq!(partner_view.report.fatalities, None);
        let event_view = store.report(event.report_id, clearance).await.unwrap();
        assert_eq!(
            event_view.report.reference.as_deref(),
            Some("acled:SDN9001")
        );
        assert_eq!(event_view.report.event_type.as_deref(), Some("Battles"));
        assert_eq!(event_view.report.fatalities, Some(12));
        assert_eq!(
            event_view.report.actors.as_deref(),
            Some("Militia (Sudan); Civilians (Sudan)")
        );
    }
}

contract!(
    analysts_grade_link_and_place_reports_on_the_record,
    references_and_event_facts_follow_the_audience
);
