//! Units, alerts, deliveries and decisions, on both backends.

use time::macros::datetime;
use time::{Duration, OffsetDateTime};
use tocsin_alerts::{AlertDraft, AlertSignal, Rules};
use tocsin_domain::{Role, SituationId, Stage, Tlp};
use tocsin_store::{AlertFilter, NewUser, Raised, ResponseFields, Store, StoreError, UnitRemoval};

use super::Db;

const NOW: OffsetDateTime = datetime!(2026-11-21 12:00 UTC);

fn stage_draft(situation: &str, from: Option<u8>, to: u8) -> (AlertDraft, String) {
    let signal = AlertSignal::StageChanged {
        situation: SituationId::parse(situation).unwrap(),
        from: from.map(|s| Stage::try_from(s).unwrap()),
        to: Some(Stage::try_from(to).unwrap()),
        score: 0.8,
        drivers: vec!["7.5 hate propaganda".into()],
        tlp: Tlp::Amber,
    };
    let draft = Rules::embedded().evaluate(&signal, NOW).unwrap();
    (draft, serde_json::to_string(&signal).unwrap())
}

async fn user(store: &Store, name: &str, role: Role, clearance: Tlp) {
    store
        .create_user(
            NewUser {
                username: name,
                role,
                clearance,
                password_hash: None,
            },
            "admin",
            NOW,
        )
        .await
        .unwrap();
}

/// Headquarters answers for everything; the South Sudan mission reports to it.
async fn chain(store: &Store) {
    user(store, "amina", Role::FocalPoint, Tlp::Amber).await;
    user(store, "director", Role::FocalPoint, Tlp::AmberStrict).await;
    store
        .create_unit("headquarters", "department", None, "admin", NOW)
        .await
        .unwrap();
    store
        .create_unit("ssd-mission", "mission", Some("headquarters"), "admin", NOW)
        .await
        .unwrap();
    store
        .add_unit_area("headquarters", "*", "admin", NOW)
        .await
        .unwrap();
    store
        .add_unit_area("ssd-mission", "SSD", "admin", NOW)
        .await
        .unwrap();
    store
        .add_unit_member("ssd-mission", "amina", "admin", NOW)
        .await
        .unwrap();
    store
        .add_unit_member("headquarters", "director", "admin", NOW)
        .await
        .unwrap();
    // The director also sits in the mission: escalation must not warn her twice.
    store
        .add_unit_member("ssd-mission", "director", "admin", NOW)
        .await
        .unwrap();
    store
        .add_unit_address(
            "ssd-mission",
            "email",
            "desk@mission.example",
            Tlp::Green,
            "admin",
            NOW,
        )
        .await
        .unwrap();
}

async fn alerts_go_to_the_responsible_unit_and_climb_when_unacknowledged(db: Db) {
    let store = db.open().await;
    chain(&store).await;
    let unit = store.unit("ssd-mission").await.unwrap();
    assert_eq!(unit.parent.as_deref(), Some("headquarters"));
    assert_eq!(unit.members, ["amina", "director"]);
    assert!(matches!(
        store
            .create_unit("ssd-mission", "mission", None, "admin", NOW)
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        store
            .create_unit("x", "mission", Some("nowhere"), "admin", NOW)
            .await,
        Err(StoreError::NotFound { .. })
    ));

    let (draft, signal) = stage_draft("SSD/yei", Some(2), 3);
    let Raised::New(id) = store.raise_alert(&draft, &signal, NOW).await.unwrap() else {
        panic!("the first signal raises an alert");
    };
    let alert = store.alert(id).await.unwrap();
    // An area of South Sudan goes to the unit answering for the country, not headquarters.
    assert_eq!(alert.unit.as_deref(), Some("ssd-mission"));
    assert_eq!(alert.view.stage, Some(Stage::ImminentEmergency));
    assert_eq!(alert.view.tlp, Tlp::Amber);
    assert_eq!(alert.deadline_at, "2026-11-21T14:00:00.000000Z");
    let deliveries = store.alert_deliveries(id).await.unwrap();
    let summary: Vec<_> = deliveries
        .iter()
        .map(|d| {
            (
                d.channel.as_str(),
                d.to.as_str(),
                d.state.as_str(),
                d.clearance,
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("inbox", "amina", "sent", Tlp::Amber),
            ("inbox", "director", "sent", Tlp::AmberStrict),
            ("email", "desk@mission.example", "pending", Tlp::Green),
        ]
    );

    // Not yet due one minute before the deadline; due at it.
    let before = NOW + Duration::hours(2) - Duration::minutes(1);
    assert!(store
        .alerts_due_for_escalation(before)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(store.escalate_alert(id, before).await.unwrap(), None);
    let due = NOW + Duration::hours(2);
    assert_eq!(store.alerts_due_for_escalation(due).await.unwrap(), [id]);
    assert_eq!(store.escalate_alert(id, due).await.unwrap(), Some(1));
    // A second worker at the same moment finds nothing left to do.
    assert_eq!(store.escalate_alert(id, due).await.unwrap(), None);
    let alert = store.alert(id).await.unwrap();
    assert_eq!(
        (alert.level, alert.current_unit.as_deref()),
        (1, Some("headquarters"))
    );
    // The director was warned at level 0 already: no second delivery.
    assert_eq!(store.alert_deliveries(id).await.unwrap().len(), 3);
    // Headquarters is the top: overdue again, but there is nowhere higher to go.
    let later = due + Duration::hours(5);
    assert!(store
        .alerts_due_for_escalation(later)
        .await
        .unwrap()
        .is_empty());

    let amina = store.user("amina").await.unwrap();
    assert!(store.was_warned(id, amina.id).await.unwrap());
    assert_eq!(store.inbox(amina.id).await.unwrap().len(), 1);

    let acked = store
        .acknowledge_alert(id, "amina", due + Duration::minutes(30))
        .await
        .unwrap();
    assert_eq!(acked.view.state, "acknowledged");
    assert_eq!(
        acked.acknowledged_at.as_deref(),
        Some("2026-11-21T14:30:00.000000Z")
    );
    // Acknowledging again keeps the first time and adds no audit entry.
    let again = store
        .acknowledge_alert(id, "director", due + Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(again.acknowledged_by.as_deref(), Some("amina"));

    assert!(matches!(
        store
            .decide_alert(id, "amina", "deploy patrols", Some(999), due)
            .await,
        Err(StoreError::NotFound { .. })
    ));
    let decision = store
        .decide_alert(
            id,
            "amina",
            "deploy patrols to Yei",
            None,
            due + Duration::hours(3),
        )
        .await
        .unwrap();
    assert_eq!(store.alert_decisions(id).await.unwrap(), [decision]);

    let times = store.alert_times().await.unwrap();
    assert_eq!(times.len(), 1);
    assert_eq!(times[0].unit.as_deref(), Some("ssd-mission"));
    assert_eq!(times[0].escalations, 1);
    assert_eq!(
        times[0].acknowledged_at.unwrap() - times[0].warned_at,
        Duration::minutes(150)
    );
    assert_eq!(
        times[0].acted_at.unwrap() - times[0].warned_at,
        Duration::hours(5)
    );

    let actions: Vec<String> = store
        .audit_entries(0, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.event.action)
        .collect();
    for action in [
        "unit.create",
        "unit.area",
        "unit.member",
        "unit.address",
        "alert.raise",
        "alert.escalate",
        "alert.acknowledge",
        "alert.decide",
    ] {
        assert!(actions.iter().any(|a| a == action), "{action} not audited");
    }
    assert_eq!(
        actions.iter().filter(|a| *a == "alert.acknowledge").count(),
        1
    );
    assert!(store.verify_audit().await.unwrap().first_break.is_none());
}

// A stage that flaps (3, 2, 3) or a signal sent twice at once must not warn anyone twice.
async fn repeats_inside_the_window_join_the_open_alert(db: Db) {
    let store = db.open().await;
    chain(&store).await;
    let (draft, signal) = stage_draft("SSD", Some(2), 3);
    let raises: Vec<_> = (0..6)
        .map(|_| {
            let (store, draft, signal) = (store.clone(), draft.clone(), signal.clone());
            tokio::spawn(async move { store.raise_alert(&draft, &signal, NOW).await.unwrap() })
        })
        .collect();
    let mut new = Vec::new();
    for raise in raises {
        if let Raised::New(id) = raise.await.unwrap() {
            new.push(id);
        }
    }
    assert_eq!(new.len(), 1, "one alert for six simultaneous raises");
    let id = new[0];
    let later = NOW + Duration::hours(30);
    assert_eq!(
        store.raise_alert(&draft, &signal, later).await.unwrap(),
        Raised::Repeat(id)
    );
    assert_eq!(store.alert(id).await.unwrap().repeats, 6);
    assert_eq!(store.alert_deliveries(id).await.unwrap().len(), 3);
    // After the 72-hour window the same stage is news again.
    let after = NOW + Duration::hours(73);
    assert!(matches!(
        store.raise_alert(&draft, &signal, after).await.unwrap(),
        Raised::New(other) if other != id
    ));
    let listed = store
        .alerts(&AlertFilter {
            situation: Some(SituationId::parse("SSD").unwrap()),
            ..AlertFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(listed.len(), 2);
}

async fn a_delivery_is_claimed_once_retried_and_dead_lettered(db: Db) {
    let store = db.open().await;
    chain(&store).await;
    let (draft, signal) = stage_draft("SSD", None, 3);
    store.raise_alert(&draft, &signal, NOW).await.unwrap();
    let due = store.due_deliveries(NOW, 10).await.unwrap();
    assert_eq!(due.len(), 1, "only the email waits for a sender");
    let email = &due[0];
    assert!(store
        .claim_delivery(email, NOW + Duration::minutes(5))
        .await
        .unwrap());
    assert!(
        !store
            .claim_delivery(email, NOW + Duration::minutes(5))
            .await
            .unwrap(),
        "a second worker must not win the same attempt"
    );
    assert!(store.due_deliveries(NOW, 10).await.unwrap().is_empty());
    store
        .delivery_failed(
            email.id,
            "connection refused",
            Some(NOW + Duration::minutes(1)),
        )
        .await
        .unwrap();
    let retry = store
        .due_deliveries(NOW + Duration::minutes(1), 10)
        .await
        .unwrap();
    assert_eq!((retry.len(), retry[0].attempts), (1, 1));
    assert!(store
        .claim_delivery(&retry[0], NOW + Duration::minutes(6))
        .await
        .unwrap());
    store
        .delivery_failed(email.id, "connection refused", None)
        .await
        .unwrap();
    let dead = store.dead_letters(10).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(
        (dead[0].attempts, dead[0].last_error.as_deref()),
        (2, Some("connection refused"))
    );
    assert!(store
        .due_deliveries(NOW + Duration::days(1), 10)
        .await
        .unwrap()
        .is_empty());
}

// Community subscribers: sealed numbers, one subscription per number, broadcasts within the
// daily limit, claims won once.
async fn community_subscribers_are_sealed_and_broadcasts_rate_limited(db: Db) {
    use tocsin_domain::Contact;
    let store = db.open().await;
    let vault = super::vault();
    let amani = Contact::phone("+211912345678");
    let joined = store
        .community_keyword(&vault, &amani, Some(("yei", "sw")), None, NOW)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (joined.area.as_str(), joined.state.as_str()),
        ("yei", "active")
    );
    // Joining again moves the one subscription.
    let moved = store
        .community_keyword(&vault, &amani, Some(("morobo", "en")), None, NOW)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((moved.id, moved.area.as_str()), (joined.id, "morobo"));
    store
        .community_keyword(
            &vault,
            &Contact::phone("+211955500011"),
            Some(("morobo", "en")),
            None,
            NOW,
        )
        .await
        .unwrap();
    assert_eq!(
        store.community_subscribers().await.unwrap(),
        [("morobo".to_string(), "en".to_string(), 2)]
    );

    let broadcast = |at: OffsetDateTime| {
        let store = store.clone();
        async move {
            store
                .community_broadcast(
                    "morobo",
                    "militia_approaching",
                    |language| format!("alert ({language})"),
                    |recent| recent.len() < 2,
                    "analyst",
                    at,
                )
                .await
                .unwrap()
        }
    };
    assert_eq!(broadcast(NOW).await.recipients, 2);
    assert_eq!(broadcast(NOW + Duration::hours(1)).await.recipients, 2);
    let limited = broadcast(NOW + Duration::hours(2)).await;
    assert_eq!((limited.recipients, limited.rate_limited), (0, 2));
    let next_day = broadcast(NOW + Duration::hours(25)).await;
    assert_eq!(next_day.recipients, 2);

    let lease = NOW + Duration::days(3);
    let due = store
        .claim_community_deliveries(&vault, NOW + Duration::days(2), lease, 100)
        .await
        .unwrap();
    assert_eq!(due.len(), 6);
    assert!(due.iter().any(|d| d.phone.expose() == "+211912345678"));
    // Claimed: a second worker gets nothing until the lease ends.
    assert!(store
        .claim_community_deliveries(&vault, NOW + Duration::days(2), lease, 100)
        .await
        .unwrap()
        .is_empty());
    store
        .community_delivery_done(due[0].id, Ok(NOW))
        .await
        .unwrap();

    // STOP ends the subscription; a STOP from an unknown number changes nothing.
    let stopped = store
        .community_keyword(&vault, &amani, None, None, NOW)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stopped.state, "stopped");
    assert_eq!(
        store
            .community_keyword(&vault, &Contact::phone("+211900000000"), None, None, NOW)
            .await
            .unwrap(),
        None
    );

    use sqlx::Row;
    let raw = db.raw().await;
    for row in sqlx::query("SELECT phone_sealed, phone_fingerprint FROM community_subscribers")
        .fetch_all(&raw)
        .await
        .unwrap()
    {
        let sealed: Vec<u8> = row.try_get("phone_sealed").unwrap();
        let fingerprint: String = row.try_get("phone_fingerprint").unwrap();
        assert!(!String::from_utf8_lossy(&sealed).contains("912345678"));
        assert!(!String::from_utf8_lossy(&sealed).contains("955500011"));
        assert!(!fingerprint.contains("912345678"));
    }
    let audit = store.audit_entries(0, 100).await.unwrap();
    assert!(audit
        .iter()
        .all(|e| !format!("{e:?}").contains("912345678")));
    assert!(audit
        .iter()
        .any(|e| e.event.action == "community.broadcast"));
}

/// The chain of command changes after units are made; it can never loop, and routing
/// follows each change.
async fn units_move_in_the_chain_of_command_without_loops_and_routing_follows(db: Db) {
    let store = db.open().await;
    chain(&store).await;
    store
        .create_unit("yei-office", "mission", Some("ssd-mission"), "admin", NOW)
        .await
        .unwrap();
    let yei = SituationId::parse("SSD/yei").unwrap();
    assert_eq!(
        store.routed_unit(&yei).await.unwrap().as_deref(),
        Some("ssd-mission")
    );
    // Headquarters under the Yei office would close a loop through the mission: refused,
    // as is a unit under itself; nothing changes.
    for (unit, parent) in [
        ("headquarters", "yei-office"),
        ("ssd-mission", "ssd-mission"),
    ] {
        assert!(
            matches!(
                store
                    .set_unit_parent(unit, Some(parent), "admin", NOW)
                    .await,
                Err(StoreError::Refused(_))
            ),
            "{unit} under {parent}"
        );
    }
    assert_eq!(store.unit("headquarters").await.unwrap().parent, None);
    assert!(matches!(
        store
            .set_unit_parent("yei-office", Some("nowhere"), "admin", NOW)
            .await,
        Err(StoreError::NotFound { .. })
    ));
    // The Yei office moves to headquarters; a Yei area makes it the one warned.
    let moved = store
        .set_unit_parent("yei-office", Some("headquarters"), "admin", NOW)
        .await
        .unwrap();
    assert_eq!(moved.parent.as_deref(), Some("headquarters"));
    store
        .add_unit_area("yei-office", "SSD/yei", "admin", NOW)
        .await
        .unwrap();
    assert_eq!(
        store.routed_unit(&yei).await.unwrap().as_deref(),
        Some("yei-office")
    );
    let top = store
        .set_unit_parent("yei-office", None, "admin", NOW)
        .await
        .unwrap();
    assert_eq!(top.parent, None);

    // Taking areas and members away: routing falls back to the next rule; a second removal
    // finds nothing.
    let unit = store
        .remove_unit_area("yei-office", "SSD/yei", "admin", NOW)
        .await
        .unwrap();
    assert!(unit.areas.is_empty());
    assert_eq!(
        store.routed_unit(&yei).await.unwrap().as_deref(),
        Some("ssd-mission")
    );
    store
        .remove_unit_area("ssd-mission", "SSD", "admin", NOW)
        .await
        .unwrap();
    assert_eq!(
        store.routed_unit(&yei).await.unwrap().as_deref(),
        Some("headquarters")
    );
    assert!(matches!(
        store
            .remove_unit_area("ssd-mission", "SSD", "admin", NOW)
            .await,
        Err(StoreError::NotFound { .. })
    ));
    let unit = store
        .remove_unit_member("ssd-mission", "director", "admin", NOW)
        .await
        .unwrap();
    assert_eq!(unit.members, ["amina"]);
    assert!(matches!(
        store
            .remove_unit_member("ssd-mission", "director", "admin", NOW)
            .await,
        Err(StoreError::NotFound { .. })
    ));
    store
        .remove_unit_area("headquarters", "*", "admin", NOW)
        .await
        .unwrap();
    assert_eq!(store.routed_unit(&yei).await.unwrap(), None);

    let entries = store.audit_entries(0, 1000).await.unwrap();
    let parent_changes: Vec<_> = entries
        .iter()
        .filter(|e| e.event.action == "unit.parent")
        .map(|e| {
            (
                e.event.before.clone().unwrap(),
                e.event.after.clone().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        parent_changes,
        [
            (
                r#"{"parent":"ssd-mission"}"#.to_string(),
                r#"{"parent":"headquarters"}"#.to_string()
            ),
            (
                r#"{"parent":"headquarters"}"#.to_string(),
                r#"{"parent":null}"#.to_string()
            ),
        ]
    );
    assert_eq!(
        entries
            .iter()
            .filter(|e| matches!(
                e.event.action.as_str(),
                "unit.area.remove" | "unit.member.remove"
            ))
            .count(),
        4
    );
    assert!(store.verify_audit().await.unwrap().first_break.is_none());
}

async fn raise(store: &Store, situation: &str, at: OffsetDateTime) -> i64 {
    let (draft, signal) = stage_draft(situation, Some(2), 3);
    match store.raise_alert(&draft, &signal, at).await.unwrap() {
        Raised::New(id) => id,
        Raised::Repeat(id) => panic!("alert {id} repeated"),
    }
}

async fn measure(store: &Store, situation: &str) -> i64 {
    store
        .add_response(
            &SituationId::parse(situation).unwrap(),
            &ResponseFields {
                actor: "Special Adviser".into(),
                organisation: "UN".into(),
                tool_id: "preventive-diplomacy".into(),
                planned_on: None,
                start_on: time::macros::date!(2026 - 11 - 01),
                end_on: None,
                status: "planned".into(),
                outcome: None,
                notes: None,
            },
            "amina",
            NOW,
        )
        .await
        .unwrap()
        .id
}

/// The code and message of a rule the store refused to break.
fn rejected<T: std::fmt::Debug>(result: Result<T, StoreError>) -> (&'static str, String) {
    match result {
        Err(StoreError::Rejected { code, message }) => (code, message),
        other => panic!("expected a rejection, got {other:?}"),
    }
}

// A decision linked to the measure of another situation would make the record say that a
// measure answered an alert it had nothing to do with.
async fn a_decision_names_only_a_measure_recorded_for_the_alerts_situation(db: Db) {
    let store = db.open().await;
    chain(&store).await;
    let yei = raise(&store, "SSD/yei", NOW).await;
    let country = measure(&store, "SSD").await;
    let area = measure(&store, "SSD/yei").await;
    let elsewhere = measure(&store, "COD").await;
    let other_area = measure(&store, "SSD/juba").await;

    // An alert about an area may name its own measures and its country's.
    assert_eq!(
        store
            .alert_measures(yei)
            .await
            .unwrap()
            .iter()
            .map(|m| m.id)
            .collect::<Vec<_>>(),
        [country, area]
    );
    for wrong in [elsewhere, other_area] {
        let (code, message) = rejected(
            store
                .decide_alert(yei, "amina", "send the envoy", Some(wrong), NOW)
                .await,
        );
        assert_eq!(code, "measure_not_for_situation");
        assert!(
            message.contains(&format!("measure {wrong} was recorded for")),
            "{message}"
        );
        assert!(message.contains("SSD/yei or SSD"), "{message}");
        assert!(
            message.contains(&format!("#{country}, #{area}")),
            "{message}"
        );
    }
    assert!(matches!(
        store
            .decide_alert(yei, "amina", "send the envoy", Some(9999), NOW)
            .await,
        Err(StoreError::NotFound { .. })
    ));
    for linked in [country, area] {
        let decision = store
            .decide_alert(yei, "amina", "send the envoy", Some(linked), NOW)
            .await
            .unwrap();
        assert_eq!(decision.response_id, Some(linked));
    }
    // Refusals stored nothing.
    assert_eq!(store.alert_decisions(yei).await.unwrap().len(), 2);

    // An alert about the whole country may not name one area's measure, and one about a
    // situation with no measure says how to record one.
    let whole = raise(&store, "SSD", NOW).await;
    let (code, _) = rejected(
        store
            .decide_alert(whole, "amina", "x", Some(area), NOW)
            .await,
    );
    assert_eq!(code, "measure_not_for_situation");
    store
        .decide_alert(whole, "amina", "x", Some(country), NOW)
        .await
        .unwrap();
    let sudan = raise(&store, "SDN", NOW).await;
    let (_, message) = rejected(
        store
            .decide_alert(sudan, "amina", "x", Some(country), NOW)
            .await,
    );
    assert!(message.contains("none is recorded yet"), "{message}");
    assert!(message.contains("tocsin responses add SDN"), "{message}");
    assert_eq!(
        store
            .audit_entries(0, 1000)
            .await
            .unwrap()
            .iter()
            .filter(|e| e.event.action == "alert.decide")
            .count(),
        3
    );
}

/// Renaming keeps everything attached to a unit; deleting one that alerts were sent to
/// retires it, so the record of who was warned stays whole.
async fn units_are_renamed_and_deleted_or_retired_and_the_alert_record_stays_true(db: Db) {
    let store = db.open().await;
    chain(&store).await;
    // A unit nothing points at is deleted outright, with its area.
    store
        .create_unit("spare", "partner", Some("headquarters"), "admin", NOW)
        .await
        .unwrap();
    store
        .add_unit_area("spare", "COD", "admin", NOW)
        .await
        .unwrap();
    assert_eq!(
        store.delete_unit("spare", "admin", NOW).await.unwrap(),
        UnitRemoval::Deleted {
            unit: "spare".into()
        }
    );
    assert!(matches!(
        store.unit("spare").await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        store.delete_unit("spare", "admin", NOW).await,
        Err(StoreError::NotFound { .. })
    ));

    // Renaming: a taken name is refused; otherwise members, areas, addresses and the chain
    // of command follow, and so do alerts sent before.
    let first = raise(&store, "SSD/yei", NOW).await;
    assert!(matches!(
        store
            .rename_unit("ssd-mission", "headquarters", "admin", NOW)
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        store.rename_unit("nowhere", "x", "admin", NOW).await,
        Err(StoreError::NotFound { .. })
    ));
    let before = store.unit("ssd-mission").await.unwrap();
    let renamed = store
        .rename_unit("ssd-mission", "unmiss", "admin", NOW)
        .await
        .unwrap();
    assert_eq!(renamed.name, "unmiss");
    assert_eq!(
        (
            renamed.id,
            &renamed.parent,
            &renamed.areas,
            &renamed.members,
            &renamed.addresses
        ),
        (
            before.id,
            &before.parent,
            &before.areas,
            &before.members,
            &before.addresses
        )
    );
    assert!(matches!(
        store.unit("ssd-mission").await,
        Err(StoreError::NotFound { .. })
    ));
    let alert = store.alert(first).await.unwrap();
    assert_eq!(alert.unit.as_deref(), Some("unmiss"));
    assert!(store
        .alert_deliveries(first)
        .await
        .unwrap()
        .iter()
        .all(|d| d.unit.as_deref() == Some("unmiss")));
    assert_eq!(
        store
            .routed_unit(&SituationId::parse("SSD/yei").unwrap())
            .await
            .unwrap()
            .as_deref(),
        Some("unmiss")
    );

    // A unit with a sub-unit in service cannot go: the sub-unit's alerts climb to it.
    let (code, message) = rejected(store.delete_unit("headquarters", "admin", NOW).await);
    assert_eq!(code, "unit_has_subunits");
    assert!(message.contains("unmiss"), "{message}");
    assert!(store
        .unit("headquarters")
        .await
        .unwrap()
        .retired_at
        .is_none());

    // Alerts were sent to the mission: deleting it retires it.
    let later = NOW + Duration::minutes(30);
    let UnitRemoval::Retired { unit } = store.delete_unit("unmiss", "admin", later).await.unwrap()
    else {
        panic!("a unit alerts were sent to is retired, not deleted");
    };
    assert_eq!(
        unit.retired_at.as_deref(),
        Some("2026-11-21T12:30:00.000000Z")
    );
    assert!(unit.areas.is_empty() && unit.members.is_empty());
    assert_eq!(unit.addresses, before.addresses);
    assert_eq!(unit.parent.as_deref(), Some("headquarters"));
    let alert = store.alert(first).await.unwrap();
    assert_eq!(alert.unit.as_deref(), Some("unmiss"));
    assert_eq!(store.alert_deliveries(first).await.unwrap().len(), 3);
    let amina = store.user("amina").await.unwrap();
    assert_eq!(store.inbox(amina.id).await.unwrap().len(), 1);
    // It gets no new alert: South Sudan now goes to headquarters.
    let second = raise(&store, "SSD/juba", later).await;
    assert_eq!(
        store.alert(second).await.unwrap().unit.as_deref(),
        Some("headquarters")
    );
    // Deleting it again changes nothing.
    let audit_before = store.audit_entries(0, 1000).await.unwrap().len();
    assert!(matches!(
        store.delete_unit("unmiss", "admin", later).await.unwrap(),
        UnitRemoval::Retired { .. }
    ));
    assert_eq!(
        store.audit_entries(0, 1000).await.unwrap().len(),
        audit_before
    );

    // A retired unit takes no new work and no sub-units.
    for result in [
        store.add_unit_area("unmiss", "SSD", "admin", NOW).await,
        store.add_unit_member("unmiss", "amina", "admin", NOW).await,
        store
            .add_unit_address("unmiss", "email", "x@example.org", Tlp::Green, "admin", NOW)
            .await,
        store.set_unit_parent("unmiss", None, "admin", NOW).await,
        store
            .set_unit_parent("headquarters", Some("unmiss"), "admin", NOW)
            .await,
        store
            .create_unit("yei-office", "mission", Some("unmiss"), "admin", NOW)
            .await,
    ] {
        let (code, message) = rejected(result);
        assert_eq!(code, "unit_retired");
        assert!(message.contains("unit unmiss was retired"), "{message}");
    }
    // Its name stays taken until it is renamed.
    assert!(matches!(
        store
            .create_unit("unmiss", "mission", None, "admin", NOW)
            .await,
        Err(StoreError::Conflict(_))
    ));

    // The alert still open at the retired mission climbs past retired units to the next one
    // in service: headquarters is put under a secretariat, then retired itself.
    store
        .create_unit("secretariat", "department", None, "admin", NOW)
        .await
        .unwrap();
    store
        .set_unit_parent("headquarters", Some("secretariat"), "admin", NOW)
        .await
        .unwrap();
    assert!(matches!(
        store
            .delete_unit("headquarters", "admin", later)
            .await
            .unwrap(),
        UnitRemoval::Retired { .. }
    ));
    let due = NOW + Duration::hours(2);
    assert!(store
        .alerts_due_for_escalation(due)
        .await
        .unwrap()
        .contains(&first));
    assert_eq!(store.escalate_alert(first, due).await.unwrap(), Some(1));
    assert_eq!(
        store.alert(first).await.unwrap().current_unit.as_deref(),
        Some("secretariat")
    );
    // The secretariat reports to no one: nowhere left to climb.
    let much_later = due + Duration::hours(5);
    assert!(!store
        .alerts_due_for_escalation(much_later)
        .await
        .unwrap()
        .contains(&first));

    // A retired unit may be renamed, which frees its name.
    store
        .rename_unit("unmiss", "unmiss-2026", "admin", NOW)
        .await
        .unwrap();
    store
        .create_unit("unmiss", "mission", None, "admin", NOW)
        .await
        .unwrap();
    assert_eq!(
        store.alert(first).await.unwrap().unit.as_deref(),
        Some("unmiss-2026")
    );

    let entries = store.audit_entries(0, 1000).await.unwrap();
    let of = |action: &str| {
        entries
            .iter()
            .filter(|e| e.event.action == action)
            .map(|e| {
                (
                    e.event.entity.clone(),
                    e.event.before.clone(),
                    e.event.after.clone(),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(
        of("unit.rename"),
        [
            (
                "unit:ssd-mission".to_string(),
                Some(r#"{"name":"ssd-mission"}"#.to_string()),
                Some(r#"{"name":"unmiss"}"#.to_string())
            ),
            (
                "unit:unmiss".to_string(),
                Some(r#"{"name":"unmiss"}"#.to_string()),
                Some(r#"{"name":"unmiss-2026"}"#.to_string())
            ),
        ]
    );
    let deleted = of("unit.delete");
    assert_eq!(deleted.len(), 1);
    assert_eq!(deleted[0].0, "unit:spare");
    assert!(deleted[0]
        .1
        .as_ref()
        .unwrap()
        .contains(r#""areas":["COD"]"#));
    let retired = of("unit.retire");
    assert_eq!(retired.len(), 2);
    assert!(retired[0]
        .1
        .as_ref()
        .unwrap()
        .contains(r#""members":["amina","director"]"#));
    assert_eq!(
        retired[0].2.as_deref(),
        Some(r#"{"retired_at":"2026-11-21T12:30:00.000000Z"}"#)
    );
    assert!(store.verify_audit().await.unwrap().first_break.is_none());
}

contract!(
    a_decision_names_only_a_measure_recorded_for_the_alerts_situation,
    units_are_renamed_and_deleted_or_retired_and_the_alert_record_stays_true,
    community_subscribers_are_sealed_and_broadcasts_rate_limited,
    units_move_in_the_chain_of_command_without_loops_and_routing_follows,
    alerts_go_to_the_responsible_unit_and_climb_when_unacknowledged,
    repeats_inside_the_window_join_the_open_alert,
    a_delivery_is_claimed_once_retried_and_dead_lettered,
);
