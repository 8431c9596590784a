//! User accounts and API tokens. Passwords arrive already hashed (argon2id, by the caller) and
//! tokens as their SHA-256: nothing here can sign anyone in by itself, and nothing secret is
//! stored in a form that could be replayed.

use serde::Serialize;
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::Row;
use time::OffsetDateTime;
use tocsin_domain::audit::AuditEvent;
use tocsin_domain::{Principal, Role, Tlp};

use crate::{audit, timestamp_text, Store, StoreError};

/// A user as administrators see them: never the password hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub role: Role,
    pub clearance: Tlp,
    pub has_password: bool,
    pub created_at: String,
    pub disabled_at: Option<String>,
}

impl UserRow {
    pub fn principal(&self) -> Principal {
        Principal {
            user_id: self.id,
            username: self.username.clone(),
            role: self.role,
            clearance: self.clearance,
        }
    }
}

/// What creating a user needs.
#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    pub username: &'a str,
    pub role: Role,
    pub clearance: Tlp,
    /// An argon2id PHC string, or `None` for an account that signs in only with API tokens.
    pub password_hash: Option<&'a str>,
}

/// An API token as listed: its label and dates, never the token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenRow {
    pub id: i64,
    pub username: String,
    pub label: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

const USER_COLUMNS: &str = "id, username, role, clearance, password_hash, created_at, disabled_at";

impl Store {
    /// Creates a user; `StoreError::Conflict` if the name is taken.
    pub async fn create_user(
        &self,
        user: NewUser<'_>,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<UserRow, StoreError> {
        let mut tx = self.pool.begin().await?;
        let taken = sqlx::query("SELECT id FROM users WHERE username = $1")
            .bind(user.username)
            .fetch_optional(&mut *tx)
            .await?;
        if taken.is_some() {
            return Err(StoreError::Conflict(format!("user {}", user.username)));
        }
        let row = sqlx::query(&format!(
            "INSERT INTO users (username, role, clearance, password_hash, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING {USER_COLUMNS}"
        ))
        .bind(user.username)
        .bind(user.role.as_str())
        .bind(user.clearance.as_str())
        .bind(user.password_hash)
        .bind(timestamp_text(now))
        .fetch_one(&mut *tx)
        .await?;
        let created = user_from_row(&row)?;
        audit::append(
            &mut tx,
            AuditEvent {
                actor: actor.to_string(),
                action: "user.create".to_string(),
                entity: format!("user:{}", created.username),
                before: None,
                after: Some(
                    json!({ "role": created.role.as_str(), "clearance": created.clearance.as_str() })
                        .to_string(),
                ),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(created)
    }

    /// All users, by name.
    pub async fn users(&self) -> Result<Vec<UserRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users ORDER BY username"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(user_from_row).collect()
    }

    /// One user by name.
    pub async fn user(&self, username: &str) -> Result<UserRow, StoreError> {
        Ok(self.user_with_password(username).await?.0)
    }

    /// A user and their password hash, for signing in.
    pub async fn user_with_password(
        &self,
        username: &str,
    ) -> Result<(UserRow, Option<String>), StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE username = $1"
        ))
        .bind(username)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| StoreError::NotFound {
            what: format!("user {username}"),
        })?;
        Ok((user_from_row(&row)?, row.try_get("password_hash")?))
    }

    /// Changes a user's role and clearance, on the record.
    pub async fn set_user_role(
        &self,
        username: &str,
        role: Role,
        clearance: Tlp,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<UserRow, StoreError> {
        let before = self.user(username).await?;
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(&format!(
            "UPDATE users SET role = $1, clearance = $2 WHERE username = $3 RETURNING {USER_COLUMNS}"
        ))
        .bind(role.as_str())
        .bind(clearance.as_str())
        .bind(username)
        .fetch_one(&mut *tx)
        .await?;
        let after = user_from_row(&row)?;
        audit::append(
            &mut tx,
            AuditEvent {
                actor: actor.to_string(),
                action: "user.role".to_string(),
                entity: format!("user:{username}"),
                before: Some(
                    json!({ "role": before.role.as_str(), "clearance": before.clearance.as_str() })
                        .to_string(),
                ),
                after: Some(
                    json!({ "role": after.role.as_str(), "clearance": after.clearance.as_str() })
                        .to_string(),
                ),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        // Requests checked from now on see the change.
        self.tokens.forget();
        Ok(after)
    }

    /// Disables a user (their tokens stop working at once on this store, and within 10 ms on
    /// another process's; see `token_lookup`) or enables them again.
    pub async fn set_user_disabled(
        &self,
        username: &str,
        disabled: bool,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<UserRow, StoreError> {
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(&format!(
            "UPDATE users SET disabled_at = $1 WHERE username = $2 RETURNING {USER_COLUMNS}"
        ))
        .bind(disabled.then(|| timestamp_text(now)))
        .bind(username)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::NotFound {
            what: format!("user {username}"),
        })?;
        let user = user_from_row(&row)?;
        audit::append(
            &mut tx,
            AuditEvent {
                actor: actor.to_string(),
                action: if disabled {
                    "user.disable"
                } else {
                    "user.enable"
                }
                .to_string(),
                entity: format!("user:{username}"),
                before: None,
                after: None,
            },
            now,
        )
        .await?;
        tx.commit().await?;
        // Requests checked from now on see the change.
        self.tokens.forget();
        Ok(user)
    }

    /// Stores a new API token's hash for `username`; returns the token's id.
    pub async fn add_token(
        &self,
        username: &str,
        label: &str,
        token_hash: &str,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<i64, StoreError> {
        let user = self.user(username).await?;
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(
            "INSERT INTO api_tokens (user_id, label, token_hash, created_at) \
             VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(user.id)
        .bind(label)
        .bind(token_hash)
        .bind(timestamp_text(now))
        .fetch_one(&mut *tx)
        .await?;
        let id: i64 = row.try_get("id")?;
        audit::append(
            &mut tx,
            AuditEvent {
                actor: actor.to_string(),
                action: "token.issue".to_string(),
                entity: format!("user:{username}"),
                before: None,
                after: Some(json!({ "token": id, "label": label }).to_string()),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Revokes a token; it stops working at once on this store, and within 10 ms on another
    /// process's (see `token_lookup`).
    pub async fn revoke_token(
        &self,
        token_id: i64,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let revoked = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
        )
        .bind(timestamp_text(now))
        .bind(token_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if revoked == 0 {
            return Err(StoreError::NotFound {
                what: format!("active token {token_id}"),
            });
        }
        audit::append(
            &mut tx,
            AuditEvent {
                actor: actor.to_string(),
                action: "token.revoke".to_string(),
                entity: format!("token:{token_id}"),
                before: None,
                after: None,
            },
            now,
        )
        .await?;
        tx.commit().await?;
        // Requests checked from now on see the change.
        self.tokens.forget();
        Ok(())
    }

    /// Tokens, all or one user's, newest first.
    pub async fn tokens(&self, username: Option<&str>) -> Result<Vec<TokenRow>, StoreError> {
        let select = "SELECT t.id, u.username, t.label, t.created_at, t.revoked_at \
                      FROM api_tokens t JOIN users u ON u.id = t.user_id";
        let rows = match username {
            Some(username) => {
                sqlx::query(&format!(
                    "{select} WHERE u.username = $1 ORDER BY t.id DESC"
                ))
                .bind(username)
                .fetch_all(&self.pool)
                .await?
            }
            None => {
                sqlx::query(&format!("{select} ORDER BY t.id DESC"))
                    .fetch_all(&self.pool)
                    .await?
            }
        };
        rows.iter()
            .map(|row| {
                Ok(TokenRow {
                    id: row.try_get("id")?,
                    username: row.try_get("username")?,
                    label: row.try_get("label")?,
                    created_at: row.try_get("created_at")?,
                    revoked_at: row.try_get("revoked_at")?,
                })
            })
            .collect()
    }

    /// Who holds the token with this hash, if it is live and its user enabled.
    pub async fn principal_for_token(
        &self,
        token_hash: &str,
    ) -> Result<Option<Principal>, StoreError> {
        // Checked on every API request: concurrent checks share one query, and a holder found
        // is remembered for 10 ms.
        self.tokens.principal(token_hash).await
    }
}

/// The query finding the users behind `count` token hashes (live tokens, enabled users).
pub(crate) fn principal_query(backend: crate::Backend, count: usize) -> String {
    let columns = USER_COLUMNS
        .split(", ")
        .map(|column| format!("u.{column}"))
        .collect::<Vec<_>>()
        .join(", ");
    // One row of one value per hash: `($1), ($2)` or `(?), (?)`, used as an IN list.
    let hashes = crate::values_placeholders(backend, count, 1);
    format!(
        "SELECT t.token_hash, {columns} FROM api_tokens t JOIN users u ON u.id = t.user_id \
         WHERE t.token_hash IN ({hashes}) AND t.revoked_at IS NULL AND u.disabled_at IS NULL"
    )
}

/// The principals of the rows of [`principal_query`], by token hash.
pub(crate) fn principals_from_rows(
    rows: &[AnyRow],
) -> Result<std::collections::HashMap<String, Principal>, StoreError> {
    rows.iter()
        .map(|row| Ok((row.try_get("token_hash")?, user_from_row(row)?.principal())))
        .collect()
}

fn user_from_row(row: &AnyRow) -> Result<UserRow, StoreError> {
    let corrupt = |error: tocsin_domain::DomainError| StoreError::Corrupt(error.to_string());
    Ok(UserRow {
        id: row.try_get("id")?,
        username: row.try_get("username")?,
        role: row.try_get::<String, _>("role")?.parse().map_err(corrupt)?,
        clearance: row
            .try_get::<String, _>("clearance")?
            .parse()
            .map_err(corrupt)?,
        has_password: row.try_get::<Option<String>, _>("password_hash")?.is_some(),
        created_at: row.try_get("created_at")?,
        disabled_at: row.try_get("disabled_at")?,
    })
}
