//! Response tracking and the indicator evidence behind recommendations, on both backends.

use sqlx::Executor;
use time::macros::{date, datetime};
use tocsin_domain::{Role, SituationId, VerificationState};
use tocsin_store::{ResponseFields, StoreError};

use super::{sms_report, vault, Db, NOW};

fn fields(tool_id: &str, status: &str) -> ResponseFields {
    ResponseFields {
        actor: "Special Adviser on the Prevention of Genocide".into(),
        organisation: "UN".into(),
        tool_id: tool_id.into(),
        planned_on: Some(date!(2026 - 10 - 01)),
        start_on: date!(2026 - 11 - 01),
        end_on: None,
        status: status.into(),
        outcome: None,
        notes: Some("visit to Juba".into()),
    }
}

fn ssd() -> SituationId {
    SituationId::parse("SSD").unwrap()
}

async fn measures_are_stored_updated_and_their_history_audited(db: Db) {
    let store = db.open().await;
    // The situation need not have been imported: recording a measure creates its country.
    let added = store
        .add_response(
            &ssd(),
            &fields("preventive-diplomacy", "planned"),
            "alice",
            NOW,
        )
        .await
        .unwrap();
    assert_eq!(added.revision, 1);
    assert_eq!(added.recorded_by, "alice");
    assert_eq!(added.fields.planned_on, Some(date!(2026 - 10 - 01)));
    assert_eq!(store.response(added.id).await.unwrap(), added);

    let mut changed = added.fields.clone();
    changed.status = "under_way".into();
    changed.end_on = Some(date!(2026 - 12 - 31));
    let later = datetime!(2026-11-22 09:00 UTC);
    let updated = store
        .update_response(added.id, 1, &changed, "bob", later)
        .await
        .unwrap();
    assert_eq!(updated.revision, 2);
    assert_eq!(updated.fields, changed);
    assert_eq!(
        (updated.recorded_by.as_str(), updated.updated_by.as_str()),
        ("alice", "bob")
    );
    assert_eq!(updated.updated_at, "2026-11-22T09:00:00.000000Z");

    // An edit made from the old revision is refused rather than overwriting bob's.
    let stale = store
        .update_response(added.id, 1, &added.fields, "carol", later)
        .await
        .unwrap_err();
    assert!(matches!(stale, StoreError::Conflict(_)), "{stale}");

    let history = store.response_history(added.id).await.unwrap();
    let actions: Vec<_> = history
        .iter()
        .map(|e| (e.event.action.as_str(), e.event.actor.as_str()))
        .collect();
    assert_eq!(
        actions,
        [("response.add", "alice"), ("response.update", "bob")]
    );
    let before: serde_json::Value =
        serde_json::from_str(history[1].event.before.as_deref().unwrap()).unwrap();
    let after: serde_json::Value =
        serde_json::from_str(history[1].event.after.as_deref().unwrap()).unwrap();
    assert_eq!(before["status"], "planned");
    assert_eq!(after["status"], "under_way");
    assert_eq!(after["end_on"], "2026-12-31");
    assert_eq!(after["situation"], "SSD");
    assert!(store.verify_audit().await.unwrap().first_break.is_none());

    let listed = store.responses_for(&ssd()).await.unwrap();
    assert_eq!(listed, [updated]);
    assert!(store
        .responses_for(&SituationId::parse("SYR").unwrap())
        .await
        .unwrap()
        .is_empty());
}

async fn bad_measures_are_refused_by_the_database(db: Db) {
    let store = db.open().await;
    let mut backwards = fields("preventive-diplomacy", "planned");
    backwards.end_on = Some(date!(2026 - 01 - 01));
    assert!(store
        .add_response(&ssd(), &backwards, "alice", NOW)
        .await
        .is_err());
    assert!(store
        .add_response(
            &ssd(),
            &fields("preventive-diplomacy", "dormant"),
            "alice",
            NOW
        )
        .await
        .is_err());
    let missing = store.response(99).await.unwrap_err();
    assert!(matches!(missing, StoreError::NotFound { .. }), "{missing}");
    let missing = store
        .update_response(99, 1, &fields("x", "planned"), "alice", NOW)
        .await
        .unwrap_err();
    assert!(matches!(missing, StoreError::NotFound { .. }), "{missing}");
    // Nothing refused reached the audit log.
    assert_eq!(store.verify_audit().await.unwrap().entries, 0);
}

async fn only_verified_recent_codings_count_as_evidence(db: Db) {
    let store = db.open().await;
    let vault = vault();
    let mut ids = Vec::new();
    for (n, place) in ["SSD", "SSD/jonglei", "SYR"].into_iter().enumerate() {
        let mut report = sms_report(&format!("+21191234567{n}"), &format!("report {n}"));
        report.place.situation = Some(SituationId::parse(place).unwrap());
        let accepted = store.accept(&vault, None, report, NOW).await.unwrap();
        ids.push(accepted.report_id);
    }
    let unverified = store
        .accept(&vault, None, sms_report("+211900000009", "rumour"), NOW)
        .await
        .unwrap()
        .report_id;
    for &id in &ids {
        store
            .transition_report(id, VerificationState::Verified, Role::Analyst, "a", NOW)
            .await
            .unwrap();
    }
    let raw = db.raw().await;
    let code = |report: i64, code: &str, state: &str| {
        format!(
            "INSERT INTO report_indicators (report_id, code, state, actor, at) \
             VALUES ({report}, '{code}', '{state}', 'a', '2026-11-21T12:00:00.000000Z')"
        )
    };
    for sql in [
        code(ids[0], "7.5", "accepted"),
        code(ids[0], "9.1", "suggested"),
        code(ids[1], "10.2", "accepted"),
        code(ids[1], "8.1", "rejected"),
        code(ids[2], "7.5", "accepted"),
        code(unverified, "14.1", "accepted"),
    ] {
        raw.execute(sql.as_str()).await.unwrap();
    }
    let found = store
        .indicator_observations(&ssd(), datetime!(2026-08-01 0:00 UTC))
        .await
        .unwrap();
    let found: Vec<_> = found
        .iter()
        .map(|o| (o.report_id, o.code.as_str()))
        .collect();
    // The country's own report and its area's; not Syria's, not the unverified one, not the
    // suggestion nor the rejection.
    assert_eq!(found, [(ids[0], "7.5"), (ids[1], "10.2")]);
    let later = store
        .indicator_observations(&ssd(), datetime!(2026-11-22 0:00 UTC))
        .await
        .unwrap();
    assert!(
        later.is_empty(),
        "evidence older than the window is left out"
    );
}

contract!(
    measures_are_stored_updated_and_their_history_audited,
    bad_measures_are_refused_by_the_database,
    only_verified_recent_codings_count_as_evidence,
);
