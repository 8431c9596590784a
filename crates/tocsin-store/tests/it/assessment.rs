//! Indicator codings, risk-factor judgments, stage changes and triggers, on both backends.

use time::macros::{date, datetime};
use tocsin_domain::{
    CodingState, Confidence, FactorStatus, Role, SituationId, Trend, TriggerKind, VerificationState,
};
use tocsin_store::{JudgmentFields, NewTransition, StoreError, TriggerFields};

use super::{sms_report, vault, Db, NOW};

fn ssd() -> SituationId {
    SituationId::parse("SSD").unwrap()
}

async fn codings_judgments_stage_changes_and_triggers_are_kept_on_the_record(db: Db) {
    let store = db.open().await;
    let vault = vault();
    let report = store
        .accept(
            &vault,
            None,
            sms_report("+211900000001", "militia armed near Juba"),
            NOW,
        )
        .await
        .unwrap()
        .report_id;
    store
        .transition_report(
            report,
            VerificationState::Verified,
            Role::Analyst,
            "ana",
            NOW,
        )
        .await
        .unwrap();

    // Only accepted or coded indicators are evidence.
    store
        .code_indicator(report, "7.4", CodingState::Rejected, "ana", NOW)
        .await
        .unwrap();
    let codings = store.report_codings(report).await.unwrap();
    let states: Vec<(&str, CodingState)> =
        codings.iter().map(|c| (c.code.as_str(), c.state)).collect();
    assert_eq!(states, [("7.4", CodingState::Rejected)]);
    let since = datetime!(2026-01-01 0:00 UTC);
    let until = datetime!(2026-12-31 0:00 UTC);
    assert!(store
        .assessment_evidence(&ssd(), since, until)
        .await
        .unwrap()
        .is_empty());
    store
        .code_indicator(report, "7.5", CodingState::Accepted, "ana", NOW)
        .await
        .unwrap();
    let evidence = store
        .assessment_evidence(&ssd(), since, until)
        .await
        .unwrap();
    assert_eq!(evidence.len(), 1);
    assert_eq!(evidence[0].code, "7.5");
    assert_eq!(evidence[0].verification, "verified");
    assert_eq!(evidence[0].reliability.as_deref(), Some("F"));
    assert!(!evidence[0].from_dataset);
    let missing = store
        .code_indicator(999_999, "7.5", CodingState::Coded, "ana", NOW)
        .await
        .unwrap_err();
    assert!(matches!(missing, StoreError::NotFound { .. }), "{missing}");

    // Judgments are appended; the newest comes first; a cited report must exist.
    let judgment = |status, confidence| JudgmentFields {
        factor: 7,
        status,
        trend: Trend::Rising,
        confidence,
        reports: vec![report],
        note: Some("militias armed in Juba".into()),
    };
    store
        .record_judgment(
            &ssd(),
            &judgment(FactorStatus::Unknown, Confidence::Low),
            "ana",
            NOW,
        )
        .await
        .unwrap();
    let later = NOW + time::Duration::hours(1);
    store
        .record_judgment(
            &ssd(),
            &judgment(FactorStatus::Present, Confidence::High),
            "ben",
            later,
        )
        .await
        .unwrap();
    let history = store.judgments(&ssd(), Some(7)).await.unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].fields.status, FactorStatus::Present);
    assert_eq!(history[0].actor, "ben");
    assert_eq!(history[0].fields.reports, vec![report]);
    assert!(store.judgments(&ssd(), Some(8)).await.unwrap().is_empty());
    let mut citing_nothing = judgment(FactorStatus::Present, Confidence::High);
    citing_nothing.reports = vec![424_242];
    assert!(store
        .record_judgment(&ssd(), &citing_nothing, "ana", NOW)
        .await
        .is_err());

    // A stage change is stored once, with its snapshot; repeating it stores nothing.
    let ssd = ssd();
    let change = |to_stage, at| NewTransition {
        situation: &ssd,
        from_stage: 0,
        to_stage,
        score: 2.2,
        assessed_at: at,
        engine_version: "2026.1",
        snapshot_json: r#"{"stage":2,"drivers":[{"line":"7.5"}]}"#,
    };
    let stored = store
        .record_transition(&change(2, NOW), "ana", NOW)
        .await
        .unwrap()
        .expect("a first change is stored");
    assert_eq!((stored.from_stage, stored.to_stage), (0, 2));
    assert_eq!(stored.snapshot["drivers"][0]["line"], "7.5");
    let again = store
        .record_transition(&change(2, later), "ana", later)
        .await
        .unwrap();
    assert!(again.is_none());
    let down = store
        .record_transition(&change(1, later), "ana", later)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((down.from_stage, down.to_stage), (2, 1));
    let before_later = store.last_transition(&ssd, NOW).await.unwrap().unwrap();
    assert_eq!(before_later.to_stage, 2);
    assert_eq!(store.transitions(&ssd).await.unwrap().len(), 2);

    // Triggers: importing the same record twice adds it once; an area's triggers show on its
    // country's calendar.
    let election = TriggerFields {
        situation: SituationId::parse("SSD/jonglei").unwrap(),
        kind: TriggerKind::Election,
        name: "general election".into(),
        date: date!(2026 - 12 - 22),
        yearly: false,
        source: "analyst".into(),
        external_ref: Some("test:1".into()),
        note: None,
    };
    assert_eq!(
        store
            .add_triggers(std::slice::from_ref(&election), "ana", NOW)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        store
            .add_triggers(&[election], "ana", NOW)
            .await
            .unwrap()
            .len(),
        0
    );
    let calendar = store.triggers(&ssd).await.unwrap();
    assert_eq!(calendar.len(), 1);
    assert_eq!(calendar[0].fields.date, date!(2026 - 12 - 22));
    assert_eq!(calendar[0].fields.kind, TriggerKind::Election);

    // Everything an analyst did is in the audit log.
    let actions: Vec<String> = store
        .audit_entries(0, 1000)
        .await
        .unwrap()
        .into_iter()
        .map(|entry| entry.event.action)
        .collect();
    for action in [
        "report.code",
        "risk_factor.judge",
        "stage.change",
        "trigger.add",
    ] {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} in {actions:?}"
        );
    }
}

contract!(codings_judgments_stage_changes_and_triggers_are_kept_on_the_record);
