//! Browser sessions. The caller makes the session id and its synchronizer (CSRF) token; this
//! module keeps the id's hash only, with the user, the token and the expiry. A session names
//! its user only while it is live: not ended, not expired, and its user not disabled. Role and
//! clearance are read from the user on every look-up, so a change applies to the next request.

use sqlx::Row;
use time::OffsetDateTime;
use tocsin_domain::audit::AuditEvent;
use tocsin_domain::{Principal, Role, Tlp};

use crate::{audit, timestamp_text, Store, StoreError};

/// A live session: who it signs in and the token its forms must carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveSession {
    pub principal: Principal,
    pub csrf_token: String,
    pub expires_at: String,
}

impl Store {
    /// Starts a session for `username` until `expires_at`; the sign-in is audited.
    pub async fn create_session(
        &self,
        username: &str,
        session_hash: &str,
        csrf_token: &str,
        now: OffsetDateTime,
        expires_at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let user = self.user(username).await?;
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO web_sessions (session_hash, user_id, csrf_token, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(session_hash)
        .bind(user.id)
        .bind(csrf_token)
        .bind(timestamp_text(now))
        .bind(timestamp_text(expires_at))
        .execute(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            AuditEvent {
                actor: username.to_string(),
                action: "session.start".to_string(),
                entity: format!("user:{username}"),
                before: None,
                after: None,
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The live session with this hash, if any.
    pub async fn live_session(
        &self,
        session_hash: &str,
        now: OffsetDateTime,
    ) -> Result<Option<LiveSession>, StoreError> {
        let row = sqlx::query(
            "SELECT u.id, u.username, u.role, u.clearance, s.csrf_token, s.expires_at \
             FROM web_sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.session_hash = $1 AND s.ended_at IS NULL AND s.expires_at > $2 \
             AND u.disabled_at IS NULL",
        )
        .bind(session_hash)
        .bind(timestamp_text(now))
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let corrupt = |error: tocsin_domain::DomainError| StoreError::Corrupt(error.to_string());
        Ok(Some(LiveSession {
            principal: Principal {
                user_id: row.try_get("id")?,
                username: row.try_get("username")?,
                role: row
                    .try_get::<String, _>("role")?
                    .parse::<Role>()
                    .map_err(corrupt)?,
                clearance: row
                    .try_get::<String, _>("clearance")?
                    .parse::<Tlp>()
                    .map_err(corrupt)?,
            },
            csrf_token: row.try_get("csrf_token")?,
            expires_at: row.try_get("expires_at")?,
        }))
    }

    /// Ends a session (sign-out); audited. Answers whether a live session was ended.
    pub async fn end_session(
        &self,
        session_hash: &str,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(
            "UPDATE web_sessions SET ended_at = $1 WHERE session_hash = $2 AND ended_at IS NULL \
             RETURNING user_id",
        )
        .bind(timestamp_text(now))
        .bind(session_hash)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else { return Ok(false) };
        let user_id: i64 = row.try_get("user_id")?;
        let username: String = sqlx::query("SELECT username FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_one(&mut *tx)
            .await?
            .try_get("username")?;
        audit::append(
            &mut tx,
            AuditEvent {
                actor: username.clone(),
                action: "session.end".to_string(),
                entity: format!("user:{username}"),
                before: None,
                after: None,
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Deletes sessions that expired or ended before `now`; answers how many.
    pub async fn purge_sessions(&self, now: OffsetDateTime) -> Result<u64, StoreError> {
        Ok(
            sqlx::query("DELETE FROM web_sessions WHERE expires_at <= $1 OR ended_at IS NOT NULL")
                .bind(timestamp_text(now))
                .execute(&self.pool)
                .await?
                .rows_affected(),
        )
    }
}
