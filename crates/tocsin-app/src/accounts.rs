//! Accounts: creating users, hashing their passwords with argon2id, issuing API tokens and
//! telling who holds one.
//!
//! A token is 32 random bytes shown once, as `tcn_` and 64 hex digits; the store keeps only its
//! SHA-256. With that much entropy a fast hash is enough (no one can guess their way to a
//! preimage), which keeps checking a token on every API call cheap. Passwords, chosen by
//! people, get argon2id with its recommended parameters instead.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use tocsin_domain::{Principal, Role, Tlp};
use tocsin_store::{NewUser, Store, StoreError, UserRow};

/// The shortest password accepted.
pub const MIN_PASSWORD_LEN: usize = 12;

/// What went wrong with an account request, said so the person can fix it.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("invalid user name {0:?}: use 1 to 64 lower-case letters, digits, '.', '_' or '-'")]
    BadUsername(String),
    #[error("the password is too short: use at least {MIN_PASSWORD_LEN} characters")]
    WeakPassword,
    #[error("could not hash the password: {0}")]
    Hash(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A freshly issued token: the only time its value exists outside the holder's hands.
#[derive(Debug, Clone, serde::Serialize)]
pub struct IssuedToken {
    pub id: i64,
    pub username: String,
    pub token: String,
}

#[derive(Debug, Clone)]
pub struct Accounts {
    store: Store,
}

impl Accounts {
    pub fn new(store: Store) -> Accounts {
        Accounts { store }
    }

    /// Creates a user. The clearance defaults to the role's; a password is optional (an
    /// account for a partner system may use tokens only).
    pub async fn add_user(
        &self,
        username: &str,
        role: Role,
        clearance: Option<Tlp>,
        password: Option<&str>,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<UserRow, AccountError> {
        check_username(username)?;
        let password_hash = password.map(hash_password).transpose()?;
        Ok(self
            .store
            .create_user(
                NewUser {
                    username,
                    role,
                    clearance: clearance.unwrap_or_else(|| role.default_clearance()),
                    password_hash: password_hash.as_deref(),
                },
                actor,
                now,
            )
            .await?)
    }

    /// Issues a new API token for `username`.
    pub async fn issue_token(
        &self,
        username: &str,
        label: &str,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<IssuedToken, AccountError> {
        let mut secret = [0u8; 32];
        OsRng.fill_bytes(&mut secret);
        let token = format!("tcn_{}", hex::encode(secret));
        let id = self
            .store
            .add_token(username, label, &token_hash(&token), actor, now)
            .await?;
        Ok(IssuedToken {
            id,
            username: username.to_string(),
            token,
        })
    }

    /// Who holds `token`, if it is a live token of an enabled user.
    pub async fn authenticate_token(&self, token: &str) -> Result<Option<Principal>, StoreError> {
        if !token.starts_with("tcn_") {
            return Ok(None);
        }
        self.store.principal_for_token(&token_hash(token)).await
    }

    /// Checks a user name and password. Unknown users, wrong passwords, disabled accounts and
    /// token-only accounts all answer `None`, alike.
    pub async fn verify_password(
        &self,
        username: &str,
        password: &str,
    ) -> Result<Option<Principal>, StoreError> {
        let (user, hash) = match self.store.user_with_password(username).await {
            Ok(found) => found,
            Err(StoreError::NotFound { .. }) => return Ok(None),
            Err(error) => return Err(error),
        };
        let Some(hash) = hash else { return Ok(None) };
        if user.disabled_at.is_some() {
            return Ok(None);
        }
        let Ok(parsed) = PasswordHash::new(&hash) else {
            return Err(StoreError::Corrupt(format!(
                "the password hash of user {username} is not a PHC string"
            )));
        };
        Ok(Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
            .then(|| user.principal()))
    }
}

/// The SHA-256 of a token, as stored.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn check_username(username: &str) -> Result<(), AccountError> {
    let valid = !username.is_empty()
        && username.len() <= 64
        && username
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    if valid {
        Ok(())
    } else {
        Err(AccountError::BadUsername(username.to_string()))
    }
}

fn hash_password(password: &str) -> Result<String, AccountError> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(AccountError::WeakPassword);
    }
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|error| AccountError::Hash(error.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn accounts(dir: &tempfile::TempDir) -> Accounts {
        let url = format!("sqlite://{}", dir.path().join("a.db").display());
        Accounts::new(Store::open(&url).await.unwrap())
    }

    const NOW: OffsetDateTime = time::macros::datetime!(2026-03-01 9:00 UTC);

    #[tokio::test]
    async fn a_password_signs_in_only_its_user_and_is_stored_as_argon2id() {
        let dir = tempfile::tempdir().unwrap();
        let accounts = accounts(&dir).await;
        let user = accounts
            .add_user(
                "amina",
                Role::Analyst,
                None,
                Some("correct horse battery"),
                "admin",
                NOW,
            )
            .await
            .unwrap();
        assert_eq!(user.clearance, Tlp::AmberStrict);
        let (_, hash) = accounts.store.user_with_password("amina").await.unwrap();
        assert!(hash.unwrap().starts_with("$argon2id$"));
        let who = accounts
            .verify_password("amina", "correct horse battery")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(who.role, Role::Analyst);
        assert_eq!(
            accounts.verify_password("amina", "wrong").await.unwrap(),
            None
        );
        assert_eq!(
            accounts
                .verify_password("nobody", "correct horse battery")
                .await
                .unwrap(),
            None
        );
    }

    #[tokio::test]
    async fn tokens_work_until_revoked_and_are_not_stored() {
        let dir = tempfile::tempdir().unwrap();
        let accounts = accounts(&dir).await;
        accounts
            .add_user("relay", Role::Monitor, None, None, "admin", NOW)
            .await
            .unwrap();
        let issued = accounts
            .issue_token("relay", "partner app", "admin", NOW)
            .await
            .unwrap();
        assert!(issued.token.starts_with("tcn_") && issued.token.len() == 68);
        let who = accounts
            .authenticate_token(&issued.token)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((who.username.as_str(), who.role), ("relay", Role::Monitor));
        assert_eq!(
            accounts.authenticate_token("tcn_00").await.unwrap(),
            None,
            "an unknown token names no one"
        );
        // Neither the database nor its write-ahead log holds the token.
        for file in std::fs::read_dir(dir.path()).unwrap() {
            let bytes = std::fs::read(file.unwrap().path()).unwrap();
            assert!(!bytes
                .windows(issued.token.len())
                .any(|w| w == issued.token.as_bytes()));
        }
        accounts
            .store
            .revoke_token(issued.id, "admin", NOW)
            .await
            .unwrap();
        assert_eq!(
            accounts.authenticate_token(&issued.token).await.unwrap(),
            None
        );
    }

    #[tokio::test]
    async fn bad_names_and_short_passwords_are_refused_with_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let accounts = accounts(&dir).await;
        let error = accounts
            .add_user("Amina Ali", Role::Analyst, None, None, "admin", NOW)
            .await
            .unwrap_err();
        assert!(error.to_string().contains("lower-case letters"), "{error}");
        let error = accounts
            .add_user("amina", Role::Analyst, None, Some("short"), "admin", NOW)
            .await
            .unwrap_err();
        assert!(error.to_string().contains("at least 12"), "{error}");
    }
}
