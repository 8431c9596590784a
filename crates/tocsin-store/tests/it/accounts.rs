//! Users and API tokens, on both backends.

use time::macros::datetime;
use tocsin_domain::{Role, Tlp};
use tocsin_store::{NewUser, StoreError};

use super::Db;

async fn tokens_name_their_holder_until_revoked_or_disabled(db: Db) {
    let store = db.open().await;
    let now = datetime!(2026-03-01 9:00 UTC);
    let user = store
        .create_user(
            NewUser {
                username: "amina",
                role: Role::Analyst,
                clearance: Tlp::AmberStrict,
                password_hash: Some("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA"),
            },
            "admin",
            now,
        )
        .await
        .unwrap();
    assert!(user.has_password);
    assert!(matches!(
        store
            .create_user(
                NewUser {
                    username: "amina",
                    role: Role::Monitor,
                    clearance: Tlp::Green,
                    password_hash: None,
                },
                "admin",
                now,
            )
            .await,
        Err(StoreError::Conflict(_))
    ));

    let id = store
        .add_token("amina", "laptop", "hash-1", "admin", now)
        .await
        .unwrap();
    let who = store.principal_for_token("hash-1").await.unwrap().unwrap();
    assert_eq!(who.username, "amina");
    assert_eq!(who.role, Role::Analyst);
    assert_eq!(who.clearance, Tlp::AmberStrict);
    assert_eq!(store.principal_for_token("hash-2").await.unwrap(), None);

    // A role change applies to the next request made with the same token.
    store
        .set_user_role("amina", Role::FocalPoint, Tlp::Amber, "admin", now)
        .await
        .unwrap();
    let who = store.principal_for_token("hash-1").await.unwrap().unwrap();
    assert_eq!(who.role, Role::FocalPoint);

    store
        .set_user_disabled("amina", true, "admin", now)
        .await
        .unwrap();
    assert_eq!(store.principal_for_token("hash-1").await.unwrap(), None);
    store
        .set_user_disabled("amina", false, "admin", now)
        .await
        .unwrap();
    assert!(store.principal_for_token("hash-1").await.unwrap().is_some());

    store.revoke_token(id, "admin", now).await.unwrap();
    assert_eq!(store.principal_for_token("hash-1").await.unwrap(), None);
    assert!(matches!(
        store.revoke_token(id, "admin", now).await,
        Err(StoreError::NotFound { .. })
    ));
    let listed = store.tokens(Some("amina")).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert!(listed[0].revoked_at.is_some());

    // Every change to who may do what is on the record.
    let actions: Vec<String> = store
        .audit_entries(0, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|entry| entry.event.action)
        .collect();
    for action in [
        "user.create",
        "token.issue",
        "user.role",
        "user.disable",
        "user.enable",
        "token.revoke",
    ] {
        assert!(actions.iter().any(|a| a == action), "{action} not audited");
    }
    assert!(store.verify_audit().await.unwrap().first_break.is_none());
}

contract!(tokens_name_their_holder_until_revoked_or_disabled);
