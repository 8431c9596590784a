//! Browser sessions, on both backends.

use time::macros::datetime;
use time::Duration;
use tocsin_domain::{Role, Tlp};
use tocsin_store::NewUser;

use super::Db;

async fn a_session_signs_in_its_user_until_it_ends_expires_or_the_user_is_disabled(db: Db) {
    let store = db.open().await;
    let now = datetime!(2026-03-01 9:00 UTC);
    store
        .create_user(
            NewUser {
                username: "amina",
                role: Role::Analyst,
                clearance: Tlp::AmberStrict,
                password_hash: None,
            },
            "admin",
            now,
        )
        .await
        .unwrap();
    let expires = now + Duration::hours(8);
    store
        .create_session("amina", "hash-a", "csrf-a", now, expires)
        .await
        .unwrap();
    store
        .create_session("amina", "hash-b", "csrf-b", now, expires)
        .await
        .unwrap();
    let live = store.live_session("hash-a", now).await.unwrap().unwrap();
    assert_eq!(live.principal.username, "amina");
    assert_eq!(live.principal.role, Role::Analyst);
    assert_eq!(live.csrf_token, "csrf-a");
    assert_eq!(store.live_session("hash-x", now).await.unwrap(), None);

    // A role change applies to the session's next request.
    store
        .set_user_role("amina", Role::FocalPoint, Tlp::Amber, "admin", now)
        .await
        .unwrap();
    let live = store.live_session("hash-a", now).await.unwrap().unwrap();
    assert_eq!(live.principal.role, Role::FocalPoint);
    assert_eq!(live.principal.clearance, Tlp::Amber);

    // Expiry is exclusive: at the expiry instant the session is over.
    assert!(store
        .live_session("hash-a", expires - Duration::seconds(1))
        .await
        .unwrap()
        .is_some());
    assert_eq!(store.live_session("hash-a", expires).await.unwrap(), None);

    // Signing out ends that session only, once.
    assert!(store.end_session("hash-a", now).await.unwrap());
    assert!(!store.end_session("hash-a", now).await.unwrap());
    assert_eq!(store.live_session("hash-a", now).await.unwrap(), None);
    assert!(store.live_session("hash-b", now).await.unwrap().is_some());

    // Disabling the user ends every session of theirs at once.
    store
        .set_user_disabled("amina", true, "admin", now)
        .await
        .unwrap();
    assert_eq!(store.live_session("hash-b", now).await.unwrap(), None);
    store
        .set_user_disabled("amina", false, "admin", now)
        .await
        .unwrap();
    assert!(store.live_session("hash-b", now).await.unwrap().is_some());

    // Purging removes the ended session and, once past expiry, the other one.
    assert_eq!(store.purge_sessions(now).await.unwrap(), 1);
    assert_eq!(store.purge_sessions(expires).await.unwrap(), 1);
    assert_eq!(store.live_session("hash-b", now).await.unwrap(), None);

    // Signing in and out is on the record.
    let actions: Vec<String> = store
        .audit_entries(0, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|entry| entry.event.action)
        .collect();
    assert_eq!(actions.iter().filter(|a| *a == "session.start").count(), 2);
    assert_eq!(actions.iter().filter(|a| *a == "session.end").count(), 1);
}

async fn a_session_for_an_unknown_user_is_refused(db: Db) {
    let store = db.open().await;
    let now = datetime!(2026-03-01 9:00 UTC);
    let error = store
        .create_session("nobody", "hash", "csrf", now, now + Duration::hours(1))
        .await
        .unwrap_err();
    assert!(
        matches!(error, tocsin_store::StoreError::NotFound { .. }),
        "{error}"
    );
}

contract!(
    a_session_signs_in_its_user_until_it_ends_expires_or_the_user_is_disabled,
    a_session_for_an_unknown_user_is_refused,
);
