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

// Token checks that arrive together are answered by one query: each must still get its own
// holder, and a revoked token or a disabled user nobody.
async fn tokens_checked_together_each_name_their_own_holder(db: Db) {
    let store = db.open().await;
    let now = datetime!(2026-03-01 9:00 UTC);
    let mut ids = Vec::new();
    for (name, role) in [
        ("amina", Role::Analyst),
        ("badr", Role::Monitor),
        ("chol", Role::FocalPoint),
    ] {
        let user = NewUser {
            username: name,
            role,
            clearance: Tlp::Amber,
            password_hash: None,
        };
        store.create_user(user, "admin", now).await.unwrap();
        let hash = format!("hash-{name}");
        ids.push(
            store
                .add_token(name, "relay", &hash, "admin", now)
                .await
                .unwrap(),
        );
    }
    store.revoke_token(ids[1], "admin", now).await.unwrap();
    store
        .set_user_disabled("chol", true, "admin", now)
        .await
        .unwrap();
    let checks: Vec<_> = (0..60)
        .map(|n| {
            let store = store.clone();
            let hash = ["hash-amina", "hash-badr", "hash-chol", "hash-nobody"][n % 4];
            tokio::spawn(async move { (hash, store.principal_for_token(hash).await.unwrap()) })
        })
        .collect();
    for check in checks {
        let (hash, who) = check.await.unwrap();
        let name = who.map(|principal| (principal.username, principal.role));
        match hash {
            "hash-amina" => assert_eq!(name, Some(("amina".to_string(), Role::Analyst))),
            other => assert_eq!(name, None, "{other} names no one"),
        }
    }
}

// The server and the command line are two stores on one database. A token revoked or a user
// disabled from the command line is refused by the server from 10 ms after the change at the
// latest, however recently the server last let the token in.
async fn a_change_made_by_another_process_reaches_the_server(db: Db) {
    let server = db.open().await;
    let command_line = db.open().await;
    let now = datetime!(2026-03-01 9:00 UTC);
    for name in ["amina", "badr"] {
        let user = NewUser {
            username: name,
            role: Role::Monitor,
            clearance: Tlp::Amber,
            password_hash: None,
        };
        command_line.create_user(user, "admin", now).await.unwrap();
    }
    let amina = command_line
        .add_token("amina", "relay", "hash-amina", "admin", now)
        .await
        .unwrap();
    command_line
        .add_token("badr", "relay", "hash-badr", "admin", now)
        .await
        .unwrap();
    for hash in ["hash-amina", "hash-badr"] {
        assert!(server.principal_for_token(hash).await.unwrap().is_some());
    }
    command_line
        .revoke_token(amina, "admin", now)
        .await
        .unwrap();
    command_line
        .set_user_disabled("badr", true, "admin", now)
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    for hash in ["hash-amina", "hash-badr"] {
        assert_eq!(
            server.principal_for_token(hash).await.unwrap(),
            None,
            "{hash}"
        );
    }
}

contract!(
    tokens_name_their_holder_until_revoked_or_disabled,
    tokens_checked_together_each_name_their_own_holder,
    a_change_made_by_another_process_reaches_the_server,
);
