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
use tocsin_store::{LiveSession, NewUser, Store, StoreError, UserRow};

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
        let token = format!("tcn_{}", random_hex());
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

/// A browser session just started: the cookie value, which exists only in the browser from
/// now on, and the token its forms must carry.
#[derive(Clone)]
pub struct StartedSession {
    pub cookie: String,
    pub csrf_token: String,
    pub principal: Principal,
    pub expires_at: OffsetDateTime,
}

impl std::fmt::Debug for StartedSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StartedSession")
            .field("principal", &self.principal)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// What a session cookie's value starts with.
const SESSION_PREFIX: &str = "tcs_";

impl Accounts {
    /// Checks a user name and password and, if they are right, starts a session lasting
    /// `lifetime`. `None` for a wrong name or password, as [`Accounts::verify_password`].
    pub async fn sign_in(
        &self,
        username: &str,
        password: &str,
        now: OffsetDateTime,
        lifetime: time::Duration,
    ) -> Result<Option<StartedSession>, StoreError> {
        let Some(principal) = self.verify_password(username, password).await? else {
            return Ok(None);
        };
        let cookie = format!("{SESSION_PREFIX}{}", random_hex());
        let csrf_token = random_hex();
        let expires_at = now + lifetime;
        self.store
            .create_session(username, &token_hash(&cookie), &csrf_token, now, expires_at)
            .await?;
        // Sessions that are over are of no further use; sign-ins are rare enough to sweep then.
        self.store.purge_sessions(now).await?;
        Ok(Some(StartedSession {
            cookie,
            csrf_token,
            principal,
            expires_at,
        }))
    }

    /// The live session a cookie value belongs to, if any.
    pub async fn session(
        &self,
        cookie: &str,
        now: OffsetDateTime,
    ) -> Result<Option<LiveSession>, StoreError> {
        if !cookie.starts_with(SESSION_PREFIX) {
            return Ok(None);
        }
        self.store.live_session(&token_hash(cookie), now).await
    }

    /// Ends the session a cookie value belongs to; answers whether one was live.
    pub async fn sign_out(&self, cookie: &str, now: OffsetDateTime) -> Result<bool, StoreError> {
        self.store.end_session(&token_hash(cookie), now).await
    }
}

/// 32 random bytes from the operating system, as 64 hex digits.
fn random_hex() -> String {
    let mut secret = [0u8; 32];
    OsRng.fill_bytes(&mut secret);
    hex::encode(secret)
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
    async fn a_session_starts_only_with_the_right_password_and_its_cookie_is_not_stored() {
        let dir = tempfile::tempdir().unwrap();
        let accounts = accounts(&dir).await;
        accounts
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
        let hours = time::Duration::hours(8);
        assert!(accounts
            .sign_in("amina", "wrong horse battery", NOW, hours)
            .await
            .unwrap()
            .is_none());
        let started = accounts
            .sign_in("amina", "correct horse battery", NOW, hours)
            .await
            .unwrap()
            .unwrap();
        assert!(started.cookie.starts_with("tcs_") && started.cookie.len() == 68);
        assert_ne!(started.csrf_token, started.cookie[4..]);
        let live = accounts
            .session(&started.cookie, NOW)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(live.principal.username, "amina");
        assert_eq!(live.csrf_token, started.csrf_token);
        assert!(accounts
            .session(&started.cookie, NOW + hours)
            .await
            .unwrap()
            .is_none());
        for file in std::fs::read_dir(dir.path()).unwrap() {
            let bytes = std::fs::read(file.unwrap().path()).unwrap();
            assert!(!bytes
                .windows(started.cookie.len())
                .any(|w| w == started.cookie.as_bytes()));
        }
        assert!(accounts.sign_out(&started.cookie, NOW).await.unwrap());
        assert!(accounts
            .session(&started.cookie, NOW)
            .await
            .unwrap()
            .is_none());
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
