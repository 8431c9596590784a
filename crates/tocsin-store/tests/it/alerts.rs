//! Units, alerts, deliveries and decisions, on both backends.

use time::macros::datetime;
use time::{Duration, OffsetDateTime};
use tocsin_alerts::{AlertDraft, AlertSignal, Rules};
use tocsin_domain::{Role, SituationId, Stage, Tlp};
use tocsin_store::{AlertFilter, NewUser, Raised, Store, StoreError};

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

contract!(
    community_subscribers_are_sealed_and_broadcasts_rate_limited,
    units_move_in_the_chain_of_command_without_loops_and_routing_follows,
    alerts_go_to_the_responsible_unit_and_climb_when_unacknowledged,
    repeats_inside_the_window_join_the_open_alert,
    a_delivery_is_claimed_once_retried_and_dead_lettered,
);
