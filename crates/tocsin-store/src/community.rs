//! Community members subscribed to SMS alerts for their area, and the broadcasts sent to them.
//!
//! A subscriber's phone number is protected exactly like a source's contact: sealed with the
//! vault, found again by keyed fingerprint, never stored or logged in clear text. The audit
//! log names subscribers by number only (`subscriber:ID`).

use serde::Serialize;
use serde_json::json;
use sqlx::Row;
use time::{Duration, OffsetDateTime};
use tocsin_domain::audit::AuditEvent;
use tocsin_domain::Contact;

use crate::alerts::parse_time;
use crate::{audit, timestamp_text, Store, StoreError, Vault};

const PHONE: &str = "subscriber phone";

/// What a keyword did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SubscriberRow {
    pub id: i64,
    pub area: String,
    pub language: String,
    /// `active` or `stopped`.
    pub state: String,
}

/// A broadcast as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BroadcastRecord {
    pub id: i64,
    pub area: String,
    pub template: String,
    pub sent_by: String,
    pub created_at: String,
    /// Subscribers it was queued for.
    pub recipients: i64,
    /// Subscribers left out because they had reached the day's limit.
    pub rate_limited: i64,
}

/// A queued broadcast SMS, with the number opened for the sender only.
pub struct CommunityDelivery {
    pub id: i64,
    pub attempts: i64,
    pub phone: Contact,
    pub message: String,
}

impl Store {
    /// Subscribes a phone to an area's alerts (moving it if it was subscribed elsewhere), or
    /// with `area = None` stops its alerts; and marks the inbox entry the keyword came in as
    /// handled. Returns the subscriber, or `None` for a stop from a number never subscribed.
    pub async fn community_keyword(
        &self,
        vault: &Vault,
        phone: &Contact,
        join: Option<(&str, &str)>,
        inbox_id: Option<i64>,
        now: OffsetDateTime,
    ) -> Result<Option<SubscriberRow>, StoreError> {
        let fingerprint = vault.fingerprint(PHONE, phone.expose().as_bytes());
        let at = timestamp_text(now);
        let mut tx = self.pool.begin().await?;
        let row = match join {
            Some((area, language)) => Some(
                sqlx::query(
                    "INSERT INTO community_subscribers (phone_sealed, phone_fingerprint, area, \
                     language, state, joined_at) VALUES ($1, $2, $3, $4, 'active', $5) \
                     ON CONFLICT (phone_fingerprint) DO UPDATE SET area = $3, language = $4, \
                     state = 'active', joined_at = $5, stopped_at = NULL \
                     RETURNING id, area, language, state",
                )
                .bind(vault.seal(PHONE, phone.expose().as_bytes()))
                .bind(&fingerprint)
                .bind(area)
                .bind(language)
                .bind(&at)
                .fetch_one(&mut *tx)
                .await?,
            ),
            None => {
                sqlx::query(
                    "UPDATE community_subscribers SET state = 'stopped', stopped_at = $1 \
                     WHERE phone_fingerprint = $2 RETURNING id, area, language, state",
                )
                .bind(&at)
                .bind(&fingerprint)
                .fetch_optional(&mut *tx)
                .await?
            }
        };
        let subscriber = row
            .map(|row| -> Result<SubscriberRow, StoreError> {
                Ok(SubscriberRow {
                    id: row.try_get("id")?,
                    area: row.try_get("area")?,
                    language: row.try_get("language")?,
                    state: row.try_get("state")?,
                })
            })
            .transpose()?;
        if let Some(inbox_id) = inbox_id {
            sqlx::query("UPDATE inbox SET state = 'keyword' WHERE id = $1")
                .bind(inbox_id)
                .execute(&mut *tx)
                .await?;
        }
        if let Some(subscriber) = &subscriber {
            audit::append(
                &mut tx,
                AuditEvent {
                    actor: format!("subscriber:{}", subscriber.id),
                    action: if join.is_some() {
                        "community.join"
                    } else {
                        "community.stop"
                    }
                    .to_string(),
                    entity: format!("subscriber:{}", subscriber.id),
                    before: None,
                    after: Some(
                        json!({ "area": subscriber.area, "language": subscriber.language, "state": subscriber.state })
                            .to_string(),
                    ),
                },
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(subscriber)
    }

    /// Active subscribers per area, as (area, language, count).
    pub async fn community_subscribers(&self) -> Result<Vec<(String, String, i64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT area, language, COUNT(*) AS n FROM community_subscribers \
             WHERE state = 'active' GROUP BY area, language ORDER BY area, language",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("area")?, r.try_get("language")?, r.try_get("n")?)))
            .collect()
    }

    /// Queues a broadcast to the active subscribers of `area`: `message(language)` is the
    /// text each gets; `may_send(recent)` says whether a subscriber who received broadcasts at
    /// `recent` (the last day's) may get one more.
    pub async fn community_broadcast(
        &self,
        area: &str,
        template: &str,
        message: impl Fn(&str) -> String,
        may_send: impl Fn(&[OffsetDateTime]) -> bool,
        sent_by: &str,
        now: OffsetDateTime,
    ) -> Result<BroadcastRecord, StoreError> {
        let at = timestamp_text(now);
        let mut tx = self.pool.begin().await?;
        let subscribers = sqlx::query(
            "SELECT id, language FROM community_subscribers WHERE state = 'active' AND area = $1 \
             ORDER BY id",
        )
        .bind(area)
        .fetch_all(&mut *tx)
        .await?;
        let broadcast: i64 = sqlx::query(
            "INSERT INTO community_broadcasts (area, template, sent_by, created_at, recipients, \
             rate_limited) VALUES ($1, $2, $3, $4, 0, 0) RETURNING id",
        )
        .bind(area)
        .bind(template)
        .bind(sent_by)
        .bind(&at)
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;
        let (mut recipients, mut limited) = (0i64, 0i64);
        let day_ago = timestamp_text(now - Duration::days(1));
        for subscriber in subscribers {
            let id: i64 = subscriber.try_get("id")?;
            let language: String = subscriber.try_get("language")?;
            let recent = sqlx::query(
                "SELECT created_at FROM community_deliveries WHERE subscriber_id = $1 AND created_at > $2",
            )
            .bind(id)
            .bind(&day_ago)
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| parse_time(&r.try_get::<String, _>("created_at")?))
            .collect::<Result<Vec<_>, StoreError>>()?;
            if !may_send(&recent) {
                limited += 1;
                continue;
            }
            sqlx::query(
                "INSERT INTO community_deliveries (broadcast_id, subscriber_id, message, state, \
                 attempts, next_attempt_at, created_at) VALUES ($1, $2, $3, 'pending', 0, $4, $4)",
            )
            .bind(broadcast)
            .bind(id)
            .bind(message(&language))
            .bind(&at)
            .execute(&mut *tx)
            .await?;
            recipients += 1;
        }
        sqlx::query(
            "UPDATE community_broadcasts SET recipients = $1, rate_limited = $2 WHERE id = $3",
        )
        .bind(recipients)
        .bind(limited)
        .bind(broadcast)
        .execute(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            AuditEvent {
                actor: sent_by.to_string(),
                action: "community.broadcast".to_string(),
                entity: format!("broadcast:{broadcast}"),
                before: None,
                after: Some(
                    json!({ "area": area, "template": template, "recipients": recipients, "rate_limited": limited })
                        .to_string(),
                ),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(BroadcastRecord {
            id: broadcast,
            area: area.to_string(),
            template: template.to_string(),
            sent_by: sent_by.to_string(),
            created_at: at,
            recipients,
            rate_limited: limited,
        })
    }

    /// Claims the broadcast SMS due at `now` (each for one attempt, hidden until
    /// `lease_until`) and opens their numbers for the sender.
    pub async fn claim_community_deliveries(
        &self,
        vault: &Vault,
        now: OffsetDateTime,
        lease_until: OffsetDateTime,
        limit: i64,
    ) -> Result<Vec<CommunityDelivery>, StoreError> {
        let rows = sqlx::query(
            "SELECT d.id, d.attempts, d.message, s.phone_sealed FROM community_deliveries d \
             JOIN community_subscribers s ON s.id = d.subscriber_id \
             WHERE d.state = 'pending' AND d.next_attempt_at <= $1 AND s.state = 'active' \
             ORDER BY d.id LIMIT $2",
        )
        .bind(timestamp_text(now))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let mut claimed = Vec::new();
        for row in rows {
            let id: i64 = row.try_get("id")?;
            let attempts: i64 = row.try_get("attempts")?;
            let won = sqlx::query(
                "UPDATE community_deliveries SET attempts = attempts + 1, next_attempt_at = $1 \
                 WHERE id = $2 AND attempts = $3 AND state = 'pending'",
            )
            .bind(timestamp_text(lease_until))
            .bind(id)
            .bind(attempts)
            .execute(&self.pool)
            .await?
            .rows_affected()
                == 1;
            if !won {
                continue;
            }
            let sealed: Vec<u8> = row.try_get("phone_sealed")?;
            let phone = vault
                .open(PHONE, &sealed)
                .map_err(|error| StoreError::Corrupt(format!("subscriber phone: {error}")))?;
            claimed.push(CommunityDelivery {
                id,
                attempts: attempts + 1,
                phone: Contact::phone(&String::from_utf8_lossy(&phone)),
                message: row.try_get("message")?,
            });
        }
        Ok(claimed)
    }

    /// Records the outcome of a broadcast SMS: sent, retried at `retry_at`, or dead.
    pub async fn community_delivery_done(
        &self,
        id: i64,
        outcome: Result<OffsetDateTime, (String, Option<OffsetDateTime>)>,
    ) -> Result<(), StoreError> {
        match outcome {
            Ok(sent_at) => {
                sqlx::query(
                    "UPDATE community_deliveries SET state = 'sent', sent_at = $1 WHERE id = $2",
                )
                .bind(timestamp_text(sent_at))
                .bind(id)
                .execute(&self.pool)
                .await?;
            }
            Err((error, retry_at)) => {
                sqlx::query(
                    "UPDATE community_deliveries SET state = $1, last_error = $2, \
                     next_attempt_at = COALESCE($3, next_attempt_at) WHERE id = $4",
                )
                .bind(if retry_at.is_some() {
                    "pending"
                } else {
                    "dead"
                })
                .bind(error)
                .bind(retry_at.map(timestamp_text))
                .bind(id)
                .execute(&self.pool)
                .await?;
            }
        }
        Ok(())
    }
}
