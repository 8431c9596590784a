//! Alerts: organisation units and their chain of command, the alerts raised and where they
//! climbed, each delivery on each channel, and the decisions taken.
//!
//! Delivery is idempotent by construction: a delivery row is unique per alert, recipient and
//! channel, so a repeated signal, a retried raise or a user who sits in two units on the same
//! chain never produces a second message. A channel delivery is claimed (its attempt counter
//! moved from the value read) before it is sent, so two workers never send the same row.
//!
//! Raising, escalating, acknowledging and deciding each commit with their audit entry. Inbox
//! deliveries are made by storing them; email, SMS and webhook rows wait for the sender in
//! `tocsin-app`.
//!
//! Alerts and deliveries point at units by id, so renaming a unit keeps every alert sent to
//! it attached to it. A unit that alerts were routed to cannot be deleted without breaking
//! that record, so deleting it retires it instead (`retired_at`): it stays, with its name
//! and addresses, in the history of every alert it was sent, but gets no new alert, area,
//! member, address or sub-unit. A unit nothing ever pointed at is deleted outright.

use serde::Serialize;
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};
use time::{Duration, OffsetDateTime};
use tocsin_alerts::stats::AlertTimes;
use tocsin_alerts::{AlertDraft, AlertView, Certainty, Severity, SignalKind, Urgency};
use tocsin_domain::audit::AuditEvent;
use tocsin_domain::{SituationId, Stage, Tlp};

use crate::{audit, timestamp_text, ResponseRecord, Store, StoreError};

/// The kinds of unit.
pub const UNIT_KINDS: [&str; 3] = ["department", "mission", "partner"];
/// The channels a unit address can use.
pub const ADDRESS_CHANNELS: [&str; 3] = ["email", "sms", "webhook"];

/// A unit with everything routing needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnitRow {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub parent: Option<String>,
    pub areas: Vec<String>,
    pub members: Vec<String>,
    pub addresses: Vec<UnitAddress>,
    pub created_at: String,
    /// When the unit was retired (deleted after alerts had been routed to it); `None` while
    /// it is in service.
    pub retired_at: Option<String>,
}

/// What deleting a unit did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum UnitRemoval {
    /// Nothing pointed at the unit: it is gone, with its areas, members and addresses.
    Deleted { unit: String },
    /// Alerts were routed to it (or a retired sub-unit still reports to it): it stays on the
    /// record, retired, and gets no new alerts.
    Retired { unit: UnitRow },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnitAddress {
    pub id: i64,
    pub channel: String,
    pub address: String,
    pub clearance: Tlp,
}

/// A stored alert: the view the renderers read, and where it stands.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertRecord {
    #[serde(flatten)]
    pub view: AlertView,
    /// The unit first warned, and the one the alert has climbed to.
    pub unit: Option<String>,
    pub current_unit: Option<String>,
    pub level: u32,
    pub deadline_at: String,
    pub repeats: i64,
    pub acknowledged_at: Option<String>,
    pub acknowledged_by: Option<String>,
}

/// What raising a signal did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", content = "alert", rename_all = "snake_case")]
pub enum Raised {
    /// A new alert, routed to its unit.
    New(i64),
    /// The same signal inside the rule's repeat window: it joined this alert, nobody is
    /// warned again.
    Repeat(i64),
}

/// One delivery of an alert to one recipient on one channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeliveryRecord {
    pub id: i64,
    pub alert_id: i64,
    pub level: u32,
    pub unit: Option<String>,
    pub recipient: String,
    pub channel: String,
    /// The username, or the address.
    pub to: String,
    pub clearance: Tlp,
    /// `pending`, `sent` or `dead`.
    pub state: String,
    pub attempts: i64,
    pub next_attempt_at: String,
    pub created_at: String,
    pub sent_at: Option<String>,
    pub last_error: Option<String>,
}

/// A decision taken on an alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DecisionRecord {
    pub id: i64,
    pub alert_id: i64,
    pub decided_by: String,
    pub decided_at: String,
    pub decision: String,
    /// The measure (`tocsin responses`) the decision set going, if any.
    pub response_id: Option<i64>,
}

/// One indicator coded on one verified report, with the grades a flash report rule reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlashCandidate {
    pub report_id: i64,
    pub situation: SituationId,
    /// The catalogue code.
    pub code: String,
    pub credibility: tocsin_domain::Credibility,
    /// The source's reliability; `None` for a report without a source (API, datasets).
    pub reliability: Option<tocsin_domain::Reliability>,
    pub tlp: Tlp,
}

/// Which alerts to list.
#[derive(Debug, Clone, Default)]
pub struct AlertFilter {
    pub situation: Option<SituationId>,
    /// `open` or `acknowledged`.
    pub state: Option<String>,
    pub limit: Option<i64>,
}

const ALERT_COLUMNS: &str = "a.id, a.rule_id, a.kind, a.situation_id, a.severity, a.urgency, \
     a.certainty, a.headline, a.description, a.evidence, a.stage, a.score, a.tlp, a.raised_at, \
     a.updated_at, a.state, a.level, a.deadline_at, a.repeats, a.acknowledged_at, \
     a.acknowledged_by, u.name AS unit_name, cu.name AS current_unit_name";
const ALERT_FROM: &str = "alerts a LEFT JOIN units u ON u.id = a.unit_id \
     LEFT JOIN units cu ON cu.id = a.current_unit_id";
const DELIVERY_COLUMNS: &str = "d.id, d.alert_id, d.level, d.recipient, d.channel, d.clearance, \
     d.state, d.attempts, d.next_attempt_at, d.created_at, d.sent_at, d.last_error, \
     un.name AS unit_name, us.username, ad.address";
const DELIVERY_FROM: &str = "alert_deliveries d LEFT JOIN units un ON un.id = d.unit_id \
     LEFT JOIN users us ON us.id = d.user_id LEFT JOIN unit_addresses ad ON ad.id = d.address_id";

/// Takes the database's write lock (the audit head row) at the start of a transaction, so
/// that two raises of the same signal at once queue up and the second sees the first's alert.
async fn lock(tx: &mut Transaction<'_, Any>) -> Result<(), StoreError> {
    sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1")
        .execute(&mut **tx)
        .await?;
    Ok(())
}

impl Store {
    // ----- units -------------------------------------------------------------------------

    /// Creates a unit under `parent` (a unit name), on the record.
    pub async fn create_unit(
        &self,
        name: &str,
        kind: &str,
        parent: Option<&str>,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<UnitRow, StoreError> {
        let mut tx = self.pool.begin().await?;
        lock(&mut tx).await?;
        let parent_id = match parent {
            Some(parent) => Some(live_unit_id(&mut tx, parent).await?),
            None => None,
        };
        let taken = sqlx::query("SELECT id FROM units WHERE name = $1")
            .bind(name)
            .fetch_optional(&mut *tx)
            .await?;
        if taken.is_some() {
            return Err(StoreError::Conflict(format!("unit {name}")));
        }
        sqlx::query(
            "INSERT INTO units (name, kind, parent_id, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(name)
        .bind(kind)
        .bind(parent_id)
        .bind(timestamp_text(now))
        .execute(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            AuditEvent {
                actor: actor.to_string(),
                action: "unit.create".to_string(),
                entity: format!("unit:{name}"),
                before: None,
                after: Some(json!({ "kind": kind, "parent": parent }).to_string()),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        self.unit(name).await
    }

    /// Adds an area of responsibility (a situation id, or `*`), a member (a username) or an
    /// address to a unit, on the record. Adding what is already there changes nothing.
    pub async fn add_unit_area(
        &self,
        unit: &str,
        area: &str,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<UnitRow, StoreError> {
        let mut tx = self.pool.begin().await?;
        lock(&mut tx).await?;
        let id = live_unit_id(&mut tx, unit).await?;
        sqlx::query(
            "INSERT INTO unit_areas (unit_id, area) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(area)
        .execute(&mut *tx)
        .await?;
        unit_audit(
            &mut tx,
            actor,
            "unit.area",
            unit,
            json!({ "area": area }),
            now,
        )
        .await?;
        tx.commit().await?;
        self.unit(unit).await
    }

    pub async fn add_unit_member(
        &self,
        unit: &str,
        username: &str,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<UnitRow, StoreError> {
        let mut tx = self.pool.begin().await?;
        lock(&mut tx).await?;
        let id = live_unit_id(&mut tx, unit).await?;
        let user: i64 = sqlx::query("SELECT id FROM users WHERE username = $1")
            .bind(username)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                what: format!("user {username}"),
            })?
            .try_get("id")?;
        sqlx::query(
            "INSERT INTO unit_members (unit_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(user)
        .execute(&mut *tx)
        .await?;
        unit_audit(
            &mut tx,
            actor,
            "unit.member",
            unit,
            json!({ "member": username }),
            now,
        )
        .await?;
        tx.commit().await?;
        self.unit(unit).await
    }

    pub async fn add_unit_address(
        &self,
        unit: &str,
        channel: &str,
        address: &str,
        clearance: Tlp,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<UnitRow, StoreError> {
        let mut tx = self.pool.begin().await?;
        lock(&mut tx).await?;
        let id = live_unit_id(&mut tx, unit).await?;
        sqlx::query(
            "INSERT INTO unit_addresses (unit_id, channel, address, clearance) \
             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(channel)
        .bind(address)
        .bind(clearance.as_str())
        .execute(&mut *tx)
        .await?;
        unit_audit(
            &mut tx,
            actor,
            "unit.address",
            unit,
            json!({ "channel": channel, "address": address, "clearance": clearance.as_str() }),
            now,
        )
        .await?;
        tx.commit().await?;
        self.unit(unit).await
    }

    /// Puts `unit` under `parent` in the chain of command (or at its top, with `None`), on
    /// the record. Refused when `parent` is the unit itself or already below it: the chain
    /// an unacknowledged alert climbs must end. Checked under the write lock, so two changes
    /// made at once cannot close a loop between them.
    pub async fn set_unit_parent(
        &self,
        unit: &str,
        parent: Option<&str>,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<UnitRow, StoreError> {
        let mut tx = self.pool.begin().await?;
        lock(&mut tx).await?;
        let id = live_unit_id(&mut tx, unit).await?;
        let parent_id = match parent {
            Some(parent) => Some(live_unit_id(&mut tx, parent).await?),
            None => None,
        };
        let parents = parent_ids(&mut tx).await?;
        let before = parents.get(&id).copied().flatten();
        // Walk up from the new parent: meeting the unit means it would report to itself.
        let mut above = parent_id;
        let mut steps = 0;
        while let Some(current) = above {
            if current == id {
                return Err(StoreError::Refused(tocsin_domain::DomainError::invalid(
                    "parent",
                    parent.unwrap_or_default(),
                    "a unit cannot report to itself or to a unit below it in the chain of command",
                )));
            }
            steps += 1;
            if steps > parents.len() {
                return Err(StoreError::Corrupt(
                    "the chain of command has a loop".to_string(),
                ));
            }
            above = parents.get(&current).copied().flatten();
        }
        let before_name: Option<String> = match before {
            Some(before) => Some(
                sqlx::query("SELECT name FROM units WHERE id = $1")
                    .bind(before)
                    .fetch_one(&mut *tx)
                    .await?
                    .try_get("name")?,
            ),
            None => None,
        };
        sqlx::query("UPDATE units SET parent_id = $1 WHERE id = $2")
            .bind(parent_id)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        unit_change(
            &mut tx,
            actor,
            "unit.parent",
            unit,
            Some(json!({ "parent": before_name }).to_string()),
            Some(json!({ "parent": parent }).to_string()),
            now,
        )
        .await?;
        tx.commit().await?;
        self.unit(unit).await
    }

    /// Takes an area of responsibility from a unit, on the record. Not found when the unit
    /// does not answer for it.
    pub async fn remove_unit_area(
        &self,
        unit: &str,
        area: &str,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<UnitRow, StoreError> {
        self.remove_from_unit(
            unit,
            "DELETE FROM unit_areas WHERE unit_id = $1 AND area = $2",
            area,
            ("unit.area.remove", "area"),
            actor,
            now,
        )
        .await
    }

    /// Takes a user out of a unit, on the record: they get no more of its alerts (those
    /// already sent stay in their inbox). Not found when they are not a member.
    pub async fn remove_unit_member(
        &self,
        unit: &str,
        username: &str,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<UnitRow, StoreError> {
        self.remove_from_unit(
            unit,
            "DELETE FROM unit_members WHERE unit_id = $1 \
             AND user_id = (SELECT id FROM users WHERE username = $2)",
            username,
            ("unit.member.remove", "member"),
            actor,
            now,
        )
        .await
    }

    /// Deletes what `delete` (with the unit's id as `$1` and `value` as `$2`) finds of a unit,
    /// audited as `action` with `{detail: value}`; not found when it deletes nothing.
    async fn remove_from_unit(
        &self,
        unit: &str,
        delete: &str,
        value: &str,
        (action, detail): (&str, &str),
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<UnitRow, StoreError> {
        let mut tx = self.pool.begin().await?;
        // The write lock first: reading before writing would make SQLite refuse the upgrade
        // at once, rather than wait, when another write is under way.
        lock(&mut tx).await?;
        let id = unit_id(&mut tx, unit).await?;
        let removed = sqlx::query(delete)
            .bind(id)
            .bind(value)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if removed == 0 {
            return Err(StoreError::NotFound {
                what: format!("{detail} {value} of unit {unit}"),
            });
        }
        unit_audit(&mut tx, actor, action, unit, json!({ detail: value }), now).await?;
        tx.commit().await?;
        self.unit(unit).await
    }

    /// Renames a unit, on the record (`unit.rename`, from the old name to the new). Alerts,
    /// deliveries, areas, members, addresses and sub-units point at the unit, not its name,
    /// so they all follow; the audit log keeps the names as they were when each entry was
    /// written. Conflict when another unit (in service or retired) has the name.
    pub async fn rename_unit(
        &self,
        unit: &str,
        new_name: &str,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<UnitRow, StoreError> {
        let mut tx = self.pool.begin().await?;
        lock(&mut tx).await?;
        let id = unit_id(&mut tx, unit).await?;
        if unit == new_name {
            tx.rollback().await?;
            return self.unit(unit).await;
        }
        let taken = sqlx::query("SELECT id FROM units WHERE name = $1")
            .bind(new_name)
            .fetch_optional(&mut *tx)
            .await?;
        if taken.is_some() {
            return Err(StoreError::Conflict(format!("unit {new_name}")));
        }
        sqlx::query("UPDATE units SET name = $1 WHERE id = $2")
            .bind(new_name)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        unit_change(
            &mut tx,
            actor,
            "unit.rename",
            unit,
            Some(json!({ "name": unit }).to_string()),
            Some(json!({ "name": new_name }).to_string()),
            now,
        )
        .await?;
        tx.commit().await?;
        self.unit(new_name).await
    }

    /// Deletes a unit, on the record. Refused (`unit_has_subunits`) while units in service
    /// report to it: their unacknowledged alerts climb to it. A unit no alert, delivery or
    /// retired sub-unit points at is deleted with its areas, members and addresses
    /// (`unit.delete`); any other is retired (`unit.retire`): its areas and members are taken
    /// away, so it gets no new alerts, and it stays in the history of those it was sent.
    /// Deleting a retired unit again changes nothing.
    pub async fn delete_unit(
        &self,
        unit: &str,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<UnitRemoval, StoreError> {
        let mut tx = self.pool.begin().await?;
        lock(&mut tx).await?;
        let row = sqlx::query("SELECT id, retired_at FROM units WHERE name = $1")
            .bind(unit)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                what: format!("unit {unit}"),
            })?;
        let id: i64 = row.try_get("id")?;
        if row.try_get::<Option<String>, _>("retired_at")?.is_some() {
            tx.rollback().await?;
            return Ok(UnitRemoval::Retired {
                unit: self.unit(unit).await?,
            });
        }
        let below: Vec<String> = sqlx::query(
            "SELECT name FROM units WHERE parent_id = $1 AND retired_at IS NULL ORDER BY name",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| r.try_get("name"))
        .collect::<Result<_, _>>()?;
        if !below.is_empty() {
            return Err(StoreError::Rejected {
                code: "unit_has_subunits",
                message: format!(
                    "unit {unit} cannot be deleted while {} report to it (their unacknowledged \
                     alerts climb to it): put them under another unit or at the top of the \
                     chain (tocsin units parent, PUT /api/v1/units/{{name}}/parent), or delete \
                     them, first",
                    below.join(", ")
                ),
            });
        }
        let before = unit_snapshot(&mut tx, id).await?;
        let pointed_at: i64 = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM alerts WHERE unit_id = $1 OR current_unit_id = $1) \
                  + (SELECT COUNT(*) FROM alert_deliveries WHERE unit_id = $1) \
                  + (SELECT COUNT(*) FROM units WHERE parent_id = $1) AS n",
        )
        .bind(id)
        .fetch_one(&mut *tx)
        .await?
        .try_get("n")?;
        for table in ["unit_areas", "unit_members"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE unit_id = $1"))
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        let (action, after) = if pointed_at == 0 {
            sqlx::query("DELETE FROM unit_addresses WHERE unit_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM units WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            ("unit.delete", None)
        } else {
            let at = timestamp_text(now);
            sqlx::query("UPDATE units SET retired_at = $1 WHERE id = $2")
                .bind(&at)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            ("unit.retire", Some(json!({ "retired_at": at }).to_string()))
        };
        unit_change(
            &mut tx,
            actor,
            action,
            unit,
            Some(before.to_string()),
            after,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(if pointed_at == 0 {
            UnitRemoval::Deleted {
                unit: unit.to_string(),
            }
        } else {
            UnitRemoval::Retired {
                unit: self.unit(unit).await?,
            }
        })
    }

    /// The unit an alert about `situation` would go to now, by the rule alerts are routed
    /// with (see `responsible_unit`); `None` when no unit answers for it.
    pub async fn routed_unit(&self, situation: &SituationId) -> Result<Option<String>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let unit = match responsible_unit(&mut tx, situation).await? {
            Some(id) => Some(
                sqlx::query("SELECT name FROM units WHERE id = $1")
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?
                    .try_get("name")?,
            ),
            None => None,
        };
        tx.rollback().await?;
        Ok(unit)
    }

    /// One unit by name.
    pub async fn unit(&self, name: &str) -> Result<UnitRow, StoreError> {
        self.units()
            .await?
            .into_iter()
            .find(|unit| unit.name == name)
            .ok_or_else(|| StoreError::NotFound {
                what: format!("unit {name}"),
            })
    }

    /// Every unit, by name, with its areas, members and addresses.
    pub async fn units(&self) -> Result<Vec<UnitRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT u.id, u.name, u.kind, u.created_at, u.retired_at, p.name AS parent \
             FROM units u LEFT JOIN units p ON p.id = u.parent_id ORDER BY u.name",
        )
        .fetch_all(&self.pool)
        .await?;
        let areas = sqlx::query("SELECT unit_id, area FROM unit_areas ORDER BY area")
            .fetch_all(&self.pool)
            .await?;
        let members = sqlx::query(
            "SELECT m.unit_id, us.username FROM unit_members m JOIN users us ON us.id = m.user_id \
             ORDER BY us.username",
        )
        .fetch_all(&self.pool)
        .await?;
        let addresses = sqlx::query(
            "SELECT id, unit_id, channel, address, clearance FROM unit_addresses ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut units = Vec::with_capacity(rows.len());
        for row in rows {
            let id: i64 = row.try_get("id")?;
            let of_unit = |r: &&AnyRow| r.try_get::<i64, _>("unit_id").ok() == Some(id);
            units.push(UnitRow {
                id,
                name: row.try_get("name")?,
                kind: row.try_get("kind")?,
                parent: row.try_get("parent")?,
                areas: areas
                    .iter()
                    .filter(of_unit)
                    .map(|r| r.try_get("area"))
                    .collect::<Result<_, _>>()?,
                members: members
                    .iter()
                    .filter(of_unit)
                    .map(|r| r.try_get("username"))
                    .collect::<Result<_, _>>()?,
                addresses: addresses
                    .iter()
                    .filter(of_unit)
                    .map(|r| {
                        Ok(UnitAddress {
                            id: r.try_get("id")?,
                            channel: r.try_get("channel")?,
                            address: r.try_get("address")?,
                            clearance: parse_tlp(&r.try_get::<String, _>("clearance")?)?,
                        })
                    })
                    .collect::<Result<_, StoreError>>()?,
                created_at: row.try_get("created_at")?,
                retired_at: row.try_get("retired_at")?,
            });
        }
        Ok(units)
    }

    // ----- raising and escalating ---------------------------------------------------------

    /// Stores the alert `draft` describes and warns its unit, unless an alert with the same
    /// key is still inside its repeat window: then the signal joins that alert and nobody is
    /// warned again.
    pub async fn raise_alert(
        &self,
        draft: &AlertDraft,
        signal_json: &str,
        now: OffsetDateTime,
    ) -> Result<Raised, StoreError> {
        let at = timestamp_text(now);
        let mut tx = self.pool.begin().await?;
        lock(&mut tx).await?;
        let existing = sqlx::query(
            "SELECT id FROM alerts WHERE dedupe_key = $1 AND repeat_until > $2 \
             ORDER BY id DESC LIMIT 1",
        )
        .bind(&draft.dedupe_key)
        .bind(&at)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(row) = existing {
            let id: i64 = row.try_get("id")?;
            sqlx::query("UPDATE alerts SET repeats = repeats + 1, updated_at = $1 WHERE id = $2")
                .bind(&at)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            audit::append(
                &mut tx,
                AuditEvent {
                    actor: "tocsin".to_string(),
                    action: "alert.repeat".to_string(),
                    entity: format!("alert:{id}"),
                    before: None,
                    after: Some(signal_json.to_string()),
                },
                now,
            )
            .await?;
            tx.commit().await?;
            return Ok(Raised::Repeat(id));
        }
        let unit = responsible_unit(&mut tx, &draft.situation).await?;
        let row = sqlx::query(
            "INSERT INTO alerts (rule_id, kind, situation_id, dedupe_key, severity, urgency, \
             certainty, headline, description, evidence, stage, score, tlp, signal, unit_id, \
             current_unit_id, level, ack_within_seconds, repeat_until, deadline_at, raised_at, \
             updated_at, repeats, state) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, 0, \
             $17, $18, $19, $20, $21, 0, 'open') RETURNING id",
        )
        .bind(&draft.rule)
        .bind(draft.kind.as_str())
        .bind(draft.situation.as_str())
        .bind(&draft.dedupe_key)
        .bind(draft.severity.as_str())
        .bind(draft.urgency.as_str())
        .bind(draft.certainty.as_str())
        .bind(&draft.headline)
        .bind(&draft.description)
        .bind(serde_json::to_string(&draft.evidence).expect("strings serialise"))
        .bind(draft.stage.map(|s| i64::from(s.number())))
        .bind(draft.score)
        .bind(draft.tlp.as_str())
        .bind(signal_json)
        .bind(unit)
        .bind(unit)
        .bind(draft.ack_within.whole_seconds())
        .bind(timestamp_text(now + draft.repeat_within))
        .bind(timestamp_text(now + draft.ack_within))
        .bind(&at)
        .bind(&at)
        .fetch_one(&mut *tx)
        .await?;
        let id: i64 = row.try_get("id")?;
        if let Some(unit) = unit {
            warn_unit(&mut tx, id, 0, unit, now).await?;
        }
        audit::append(
            &mut tx,
            AuditEvent {
                actor: "tocsin".to_string(),
                action: "alert.raise".to_string(),
                entity: format!("alert:{id}"),
                before: None,
                after: Some(
                    json!({
                        "rule": draft.rule,
                        "situation": draft.situation.as_str(),
                        "severity": draft.severity.as_str(),
                        "tlp": draft.tlp.as_str(),
                        "unit": unit,
                    })
                    .to_string(),
                ),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(Raised::New(id))
    }

    /// Open alerts past their deadline whose current unit has a unit in service above it.
    pub async fn alerts_due_for_escalation(
        &self,
        now: OffsetDateTime,
    ) -> Result<Vec<i64>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let rows = sqlx::query(
            "SELECT a.id, a.current_unit_id FROM alerts a JOIN units u ON u.id = a.current_unit_id \
             WHERE a.state = 'open' AND a.deadline_at <= $1 AND u.parent_id IS NOT NULL \
             ORDER BY a.deadline_at, a.id",
        )
        .bind(timestamp_text(now))
        .fetch_all(&mut *tx)
        .await?;
        let chain = chain_of_command(&mut tx).await?;
        tx.rollback().await?;
        let mut due = Vec::with_capacity(rows.len());
        for row in rows {
            if next_in_service_above(&chain, row.try_get("current_unit_id")?).is_some() {
                due.push(row.try_get("id")?);
            }
        }
        Ok(due)
    }

    /// Moves an overdue, unacknowledged alert one level up the chain of command and warns
    /// that unit; returns the new level, or `None` if it was acknowledged, is not yet due or
    /// is at the top already (another worker may have got there first).
    pub async fn escalate_alert(
        &self,
        id: i64,
        now: OffsetDateTime,
    ) -> Result<Option<u32>, StoreError> {
        let at = timestamp_text(now);
        let mut tx = self.pool.begin().await?;
        lock(&mut tx).await?;
        let row = sqlx::query(
            "SELECT level, ack_within_seconds, current_unit_id FROM alerts \
             WHERE id = $1 AND state = 'open' AND deadline_at <= $2 \
               AND current_unit_id IS NOT NULL",
        )
        .bind(id)
        .bind(&at)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        // The next unit up still in service: a retired unit above is passed over.
        let chain = chain_of_command(&mut tx).await?;
        let Some(parent) = next_in_service_above(&chain, row.try_get("current_unit_id")?) else {
            return Ok(None);
        };
        let level = u32::try_from(row.try_get::<i64, _>("level")? + 1)
            .map_err(|_| StoreError::Corrupt(format!("alert {id}: level out of range")))?;
        let parent_name: String = sqlx::query("SELECT name FROM units WHERE id = $1")
            .bind(parent)
            .fetch_one(&mut *tx)
            .await?
            .try_get("name")?;
        let ack_within = Duration::seconds(row.try_get("ack_within_seconds")?);
        sqlx::query(
            "UPDATE alerts SET level = $1, current_unit_id = $2, deadline_at = $3, updated_at = $4 \
             WHERE id = $5",
        )
        .bind(i64::from(level))
        .bind(parent)
        .bind(timestamp_text(now + ack_within))
        .bind(&at)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        warn_unit(&mut tx, id, level, parent, now).await?;
        audit::append(
            &mut tx,
            AuditEvent {
                actor: "tocsin".to_string(),
                action: "alert.escalate".to_string(),
                entity: format!("alert:{id}"),
                before: Some(json!({ "level": level - 1 }).to_string()),
                after: Some(json!({ "level": level, "unit": parent_name }).to_string()),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(Some(level))
    }

    // ----- reading alerts ---------------------------------------------------------------

    pub async fn alert(&self, id: i64) -> Result<AlertRecord, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {ALERT_COLUMNS} FROM {ALERT_FROM} WHERE a.id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| StoreError::NotFound {
            what: format!("alert {id}"),
        })?;
        alert_from_row(&row)
    }

    /// Alerts, newest first.
    pub async fn alerts(&self, filter: &AlertFilter) -> Result<Vec<AlertRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {ALERT_COLUMNS} FROM {ALERT_FROM} \
             WHERE ($1 = '' OR a.situation_id = $1 OR a.situation_id LIKE $2) \
               AND ($3 = '' OR a.state = $3) \
             ORDER BY a.raised_at DESC, a.id DESC LIMIT $4"
        ))
        .bind(filter.situation.as_ref().map_or("", SituationId::as_str))
        .bind(
            filter
                .situation
                .as_ref()
                .map_or(String::new(), |s| format!("{s}/%")),
        )
        .bind(filter.state.as_deref().unwrap_or(""))
        .bind(filter.limit.unwrap_or(200).clamp(1, 1000))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(alert_from_row).collect()
    }

    /// The alerts delivered to a user's inbox, newest first.
    pub async fn inbox(&self, user_id: i64) -> Result<Vec<AlertRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {ALERT_COLUMNS} FROM {ALERT_FROM} \
             WHERE a.id IN (SELECT alert_id FROM alert_deliveries WHERE user_id = $1 AND channel = 'inbox') \
             ORDER BY a.raised_at DESC, a.id DESC LIMIT 500"
        ))
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(alert_from_row).collect()
    }

    /// Whether `user_id` was warned of alert `id` (in any unit, at any level).
    pub async fn was_warned(&self, id: i64, user_id: i64) -> Result<bool, StoreError> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM alert_deliveries WHERE alert_id = $1 AND user_id = $2",
        )
        .bind(id)
        .bind(user_id)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get::<i64, _>("n")? > 0)
    }

    /// Every delivery of an alert, in the order they were made.
    pub async fn alert_deliveries(&self, id: i64) -> Result<Vec<DeliveryRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {DELIVERY_COLUMNS} FROM {DELIVERY_FROM} WHERE d.alert_id = $1 ORDER BY d.id"
        ))
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(delivery_from_row).collect()
    }

    /// Deliveries that failed too often to try again, newest first.
    pub async fn dead_letters(&self, limit: i64) -> Result<Vec<DeliveryRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {DELIVERY_COLUMNS} FROM {DELIVERY_FROM} WHERE d.state = 'dead' \
             ORDER BY d.id DESC LIMIT $1"
        ))
        .bind(limit.clamp(1, 1000))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(delivery_from_row).collect()
    }

    pub async fn alert_decisions(&self, id: i64) -> Result<Vec<DecisionRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, alert_id, decided_by, decided_at, decision, response_id \
             FROM alert_decisions WHERE alert_id = $1 ORDER BY decided_at, id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(decision_from_row).collect()
    }

    // ----- delivering -------------------------------------------------------------------

    /// Channel deliveries due at `now`, oldest first.
    pub async fn due_deliveries(
        &self,
        now: OffsetDateTime,
        limit: i64,
    ) -> Result<Vec<DeliveryRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {DELIVERY_COLUMNS} FROM {DELIVERY_FROM} \
             WHERE d.state = 'pending' AND d.next_attempt_at <= $1 ORDER BY d.next_attempt_at, d.id LIMIT $2"
        ))
        .bind(timestamp_text(now))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(delivery_from_row).collect()
    }

    /// Claims a due delivery for one attempt: true if this caller won it. The claim counts
    /// the attempt and hides the row until `lease_until`, when it is due again should the
    /// sender never report back.
    pub async fn claim_delivery(
        &self,
        delivery: &DeliveryRecord,
        lease_until: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let result = sqlx::query(
            "UPDATE alert_deliveries SET attempts = attempts + 1, next_attempt_at = $1 \
             WHERE id = $2 AND attempts = $3 AND state = 'pending'",
        )
        .bind(timestamp_text(lease_until))
        .bind(delivery.id)
        .bind(delivery.attempts)
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected() == 1)
    }

    pub async fn delivery_sent(&self, id: i64, now: OffsetDateTime) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE alert_deliveries SET state = 'sent', sent_at = $1, last_error = NULL WHERE id = $2",
        )
        .bind(timestamp_text(now))
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records a failed attempt: tried again at `retry_at`, or dead-lettered when `None`.
    pub async fn delivery_failed(
        &self,
        id: i64,
        error: &str,
        retry_at: Option<OffsetDateTime>,
    ) -> Result<(), StoreError> {
        let (state, next) = match retry_at {
            Some(at) => ("pending", Some(timestamp_text(at))),
            None => ("dead", None),
        };
        sqlx::query(
            "UPDATE alert_deliveries SET state = $1, last_error = $2, \
             next_attempt_at = COALESCE($3, next_attempt_at) WHERE id = $4",
        )
        .bind(state)
        .bind(error)
        .bind(next)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    // ----- the response record ----------------------------------------------------------

    /// Acknowledges an alert: escalation stops. Acknowledging twice keeps the first time.
    pub async fn acknowledge_alert(
        &self,
        id: i64,
        by: &str,
        now: OffsetDateTime,
    ) -> Result<AlertRecord, StoreError> {
        let at = timestamp_text(now);
        let mut tx = self.pool.begin().await?;
        let updated = sqlx::query(
            "UPDATE alerts SET state = 'acknowledged', acknowledged_at = $1, acknowledged_by = $2, \
             updated_at = $1 WHERE id = $3 AND state = 'open'",
        )
        .bind(&at)
        .bind(by)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() == 1 {
            audit::append(
                &mut tx,
                AuditEvent {
                    actor: by.to_string(),
                    action: "alert.acknowledge".to_string(),
                    entity: format!("alert:{id}"),
                    before: Some(json!({ "state": "open" }).to_string()),
                    after: Some(json!({ "state": "acknowledged" }).to_string()),
                },
                now,
            )
            .await?;
        }
        tx.commit().await?;
        self.alert(id).await
    }

    /// The measures a decision on alert `id` may name (see [`measure_situations`]), in the
    /// order they start.
    pub async fn alert_measures(&self, id: i64) -> Result<Vec<ResponseRecord>, StoreError> {
        let alert = self.alert(id).await?;
        let mut measures = Vec::new();
        for situation in measure_situations(&alert.view.situation) {
            measures.extend(self.responses_for(&situation).await?);
        }
        measures.sort_by_key(|measure| (measure.fields.start_on, measure.id));
        Ok(measures)
    }

    /// Records a decision on an alert, optionally naming the measure it set going: one
    /// recorded for the alert's situation (see [`measure_situations`]), else rejected with
    /// `measure_not_for_situation`.
    pub async fn decide_alert(
        &self,
        id: i64,
        by: &str,
        decision: &str,
        response_id: Option<i64>,
        now: OffsetDateTime,
    ) -> Result<DecisionRecord, StoreError> {
        let mut tx = self.pool.begin().await?;
        lock(&mut tx).await?;
        let situation: String = sqlx::query("SELECT situation_id FROM alerts WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                what: format!("alert {id}"),
            })?
            .try_get("situation_id")?;
        if let Some(response) = response_id {
            let situation = SituationId::parse(&situation)
                .map_err(|_| StoreError::Corrupt(format!("alert {id}: situation {situation:?}")))?;
            check_measure(&mut tx, id, &situation, response).await?;
        }
        let row = sqlx::query(
            "INSERT INTO alert_decisions (alert_id, decided_by, decided_at, decision, response_id) \
             VALUES ($1, $2, $3, $4, $5) \
             RETURNING id, alert_id, decided_by, decided_at, decision, response_id",
        )
        .bind(id)
        .bind(by)
        .bind(timestamp_text(now))
        .bind(decision)
        .bind(response_id)
        .fetch_one(&mut *tx)
        .await?;
        let record = decision_from_row(&row)?;
        audit::append(
            &mut tx,
            AuditEvent {
                actor: by.to_string(),
                action: "alert.decide".to_string(),
                entity: format!("alert:{id}"),
                before: None,
                after: Some(json!({ "decision": decision, "response": response_id }).to_string()),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(record)
    }

    /// The indicators coded (and not merely suggested or rejected) on verified, placed reports
    /// observed (or received) at or after `since`, with the grades of report and source.
    pub async fn flash_candidates(
        &self,
        since: OffsetDateTime,
    ) -> Result<Vec<FlashCandidate>, StoreError> {
        let rows = sqlx::query(
            "SELECT r.id, r.situation_id, r.credibility, r.tlp, s.reliability, ri.code \
             FROM report_indicators ri JOIN reports r ON r.id = ri.report_id \
             LEFT JOIN sources s ON s.id = r.source_id \
             WHERE r.verification = 'verified' AND r.situation_id IS NOT NULL \
               AND ri.state NOT IN ('suggested', 'rejected') \
               AND COALESCE(r.observed_at, r.received_at) >= $1 \
             ORDER BY r.id, ri.code",
        )
        .bind(timestamp_text(since))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let id: i64 = row.try_get("id")?;
                let corrupt = |what: &str| StoreError::Corrupt(format!("report {id}: {what}"));
                let situation: String = row.try_get("situation_id")?;
                let credibility: i64 = row.try_get("credibility")?;
                Ok(FlashCandidate {
                    report_id: id,
                    situation: SituationId::parse(&situation).map_err(|_| corrupt("situation"))?,
                    code: row.try_get("code")?,
                    credibility: u8::try_from(credibility)
                        .ok()
                        .and_then(|c| tocsin_domain::Credibility::try_from(c).ok())
                        .ok_or_else(|| corrupt("credibility"))?,
                    reliability: row
                        .try_get::<Option<String>, _>("reliability")?
                        .map(|r| r.parse().map_err(|_| corrupt("reliability")))
                        .transpose()?,
                    tlp: parse_tlp(&row.try_get::<String, _>("tlp")?)?,
                })
            })
            .collect()
    }

    /// Each alert's warning, acknowledgement and first decision times, for the figures.
    pub async fn alert_times(&self) -> Result<Vec<AlertTimes>, StoreError> {
        let rows = sqlx::query(
            "SELECT a.situation_id, u.name AS unit_name, a.raised_at, a.acknowledged_at, a.level, \
             (SELECT MIN(d.decided_at) FROM alert_decisions d WHERE d.alert_id = a.id) AS acted_at \
             FROM alerts a LEFT JOIN units u ON u.id = a.unit_id ORDER BY a.id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let optional = |column: &str| -> Result<Option<OffsetDateTime>, StoreError> {
                    row.try_get::<Option<String>, _>(column)?
                        .map(|t| parse_time(&t))
                        .transpose()
                };
                Ok(AlertTimes {
                    situation: row.try_get("situation_id")?,
                    unit: row.try_get("unit_name")?,
                    warned_at: parse_time(&row.try_get::<String, _>("raised_at")?)?,
                    acknowledged_at: optional("acknowledged_at")?,
                    acted_at: optional("acted_at")?,
                    escalations: u32::try_from(row.try_get::<i64, _>("level")?).unwrap_or(0),
                })
            })
            .collect()
    }
}

/// The situations whose measures a decision on an alert about `situation` may name: the
/// situation itself and, for an area (`SSD/yei`), its country (`SSD`), as a unit answering for
/// a country answers for its areas.
pub fn measure_situations(situation: &SituationId) -> Vec<SituationId> {
    let country = situation.country();
    if country == *situation {
        vec![country]
    } else {
        vec![situation.clone(), country]
    }
}

/// Checks that measure `response` exists (not found otherwise) and was recorded for one of
/// [`measure_situations`] of alert `alert`'s `situation`; otherwise rejected, naming those
/// that may be named.
async fn check_measure(
    tx: &mut Transaction<'_, Any>,
    alert: i64,
    situation: &SituationId,
    response: i64,
) -> Result<(), StoreError> {
    let recorded_for: String = sqlx::query("SELECT situation_id FROM responses WHERE id = $1")
        .bind(response)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| StoreError::NotFound {
            what: format!("response {response}"),
        })?
        .try_get("situation_id")?;
    let allowed = measure_situations(situation);
    if allowed.iter().any(|s| s.as_str() == recorded_for) {
        return Ok(());
    }
    let valid: Vec<String> = sqlx::query(
        "SELECT id FROM responses WHERE situation_id = $1 OR situation_id = $2 ORDER BY id",
    )
    .bind(situation.as_str())
    .bind(situation.country().as_str())
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|row| Ok(format!("#{}", row.try_get::<i64, _>("id")?)))
    .collect::<Result<_, StoreError>>()?;
    let places = allowed
        .iter()
        .map(SituationId::as_str)
        .collect::<Vec<_>>()
        .join(" or ");
    let country = situation.country();
    let choice = if valid.is_empty() {
        format!(
            "none is recorded yet: record one (tocsin responses add {country}, or POST \
             /api/v1/situations/{country}/responses), or record the decision without a measure"
        )
    } else {
        format!(
            "those are {} (tocsin responses list SITUATION, or GET \
             /api/v1/situations/{{id}}/responses, shows a situation's measures)",
            valid.join(", ")
        )
    };
    Err(StoreError::Rejected {
        code: "measure_not_for_situation",
        message: format!(
            "measure {response} was recorded for {recorded_for}; a decision on alert {alert} \
             may name only a measure recorded for {places}: {choice}"
        ),
    })
}

async fn unit_id(tx: &mut Transaction<'_, Any>, name: &str) -> Result<i64, StoreError> {
    sqlx::query("SELECT id FROM units WHERE name = $1")
        .bind(name)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| StoreError::NotFound {
            what: format!("unit {name}"),
        })?
        .try_get("id")
        .map_err(StoreError::from)
}

/// The id of a unit in service: not found when there is none by that name, rejected
/// (`unit_retired`) when it was retired.
async fn live_unit_id(tx: &mut Transaction<'_, Any>, name: &str) -> Result<i64, StoreError> {
    let row = sqlx::query("SELECT id, retired_at FROM units WHERE name = $1")
        .bind(name)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| StoreError::NotFound {
            what: format!("unit {name}"),
        })?;
    if let Some(retired_at) = row.try_get::<Option<String>, _>("retired_at")? {
        return Err(StoreError::Rejected {
            code: "unit_retired",
            message: format!(
                "unit {name} was retired at {retired_at}: it stays in the record of the alerts \
                 sent to it but takes no new areas, members, addresses or sub-units; use a unit \
                 in service"
            ),
        });
    }
    Ok(row.try_get("id")?)
}

/// A unit as it stands, for the audit entry of its deletion or retirement.
async fn unit_snapshot(
    tx: &mut Transaction<'_, Any>,
    id: i64,
) -> Result<serde_json::Value, StoreError> {
    let unit = sqlx::query(
        "SELECT u.kind, p.name AS parent FROM units u LEFT JOIN units p ON p.id = u.parent_id \
         WHERE u.id = $1",
    )
    .bind(id)
    .fetch_one(&mut **tx)
    .await?;
    let areas: Vec<String> =
        sqlx::query("SELECT area FROM unit_areas WHERE unit_id = $1 ORDER BY area")
            .bind(id)
            .fetch_all(&mut **tx)
            .await?
            .iter()
            .map(|r| r.try_get("area"))
            .collect::<Result<_, _>>()?;
    let members: Vec<String> = sqlx::query(
        "SELECT us.username FROM unit_members m JOIN users us ON us.id = m.user_id \
         WHERE m.unit_id = $1 ORDER BY us.username",
    )
    .bind(id)
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|r| r.try_get("username"))
    .collect::<Result<_, _>>()?;
    let addresses: Vec<serde_json::Value> = sqlx::query(
        "SELECT channel, address, clearance FROM unit_addresses WHERE unit_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|r| {
        Ok(json!({
            "channel": r.try_get::<String, _>("channel")?,
            "address": r.try_get::<String, _>("address")?,
            "clearance": r.try_get::<String, _>("clearance")?,
        }))
    })
    .collect::<Result<_, StoreError>>()?;
    Ok(json!({
        "kind": unit.try_get::<String, _>("kind")?,
        "parent": unit.try_get::<Option<String>, _>("parent")?,
        "areas": areas,
        "members": members,
        "addresses": addresses,
    }))
}

async fn unit_audit(
    tx: &mut Transaction<'_, Any>,
    actor: &str,
    action: &str,
    unit: &str,
    after: serde_json::Value,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    unit_change(tx, actor, action, unit, None, Some(after.to_string()), now).await
}

/// Writes the audit entry of a change to `unit`, with what it was and what it became.
async fn unit_change(
    tx: &mut Transaction<'_, Any>,
    actor: &str,
    action: &str,
    unit: &str,
    before: Option<String>,
    after: Option<String>,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    audit::append(
        tx,
        AuditEvent {
            actor: actor.to_string(),
            action: action.to_string(),
            entity: format!("unit:{unit}"),
            before,
            after,
        },
        now,
    )
    .await?;
    Ok(())
}

/// Every unit's parent, by id.
async fn parent_ids(
    tx: &mut Transaction<'_, Any>,
) -> Result<std::collections::HashMap<i64, Option<i64>>, StoreError> {
    sqlx::query("SELECT id, parent_id FROM units")
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(|r| {
            Ok((
                r.try_get::<i64, _>("id")?,
                r.try_get::<Option<i64>, _>("parent_id")?,
            ))
        })
        .collect()
}

/// Every unit's parent and whether it is retired, by id.
async fn chain_of_command(
    tx: &mut Transaction<'_, Any>,
) -> Result<std::collections::HashMap<i64, (Option<i64>, bool)>, StoreError> {
    sqlx::query("SELECT id, parent_id, retired_at FROM units")
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(|r| {
            Ok((
                r.try_get::<i64, _>("id")?,
                (
                    r.try_get::<Option<i64>, _>("parent_id")?,
                    r.try_get::<Option<String>, _>("retired_at")?.is_some(),
                ),
            ))
        })
        .collect()
}

/// The first unit in service above `unit` in the chain of command. Units in service never
/// report to retired ones, but a retired unit may (it keeps its parent, so alerts still open
/// at it climb on), and that parent may have been retired since.
fn next_in_service_above(
    chain: &std::collections::HashMap<i64, (Option<i64>, bool)>,
    unit: i64,
) -> Option<i64> {
    let mut above = chain.get(&unit)?.0;
    // Bounded by the number of units, in case the stored chain were ever to loop.
    for _ in 0..chain.len() {
        let current = above?;
        let (parent, retired) = *chain.get(&current)?;
        if !retired {
            return Some(current);
        }
        above = parent;
    }
    None
}

/// The unit answering for `situation`: one naming the situation itself beats one naming its
/// country, which beats one answering for everything (`*`); among equals, the one deepest in
/// the chain of command (closest to the ground), then the oldest.
async fn responsible_unit(
    tx: &mut Transaction<'_, Any>,
    situation: &SituationId,
) -> Result<Option<i64>, StoreError> {
    let rows = sqlx::query(
        "SELECT ua.unit_id, ua.area, u.parent_id FROM unit_areas ua JOIN units u ON u.id = ua.unit_id \
         WHERE ua.area IN ($1, $2, '*') AND u.retired_at IS NULL",
    )
    .bind(situation.as_str())
    .bind(situation.country().as_str())
    .fetch_all(&mut **tx)
    .await?;
    let parents = parent_ids(tx).await?;
    let depth = |mut unit: i64| {
        let mut depth = 0;
        while let Some(Some(parent)) = parents.get(&unit) {
            depth += 1;
            unit = *parent;
            if depth > parents.len() {
                break;
            }
        }
        depth
    };
    let mut best: Option<((u8, usize, i64), i64)> = None;
    for row in rows {
        let unit: i64 = row.try_get("unit_id")?;
        let area: String = row.try_get("area")?;
        let specificity = if area == situation.as_str() {
            2
        } else if area == "*" {
            0
        } else {
            1
        };
        let key = (specificity, depth(unit), -unit);
        if best.is_none_or(|(best_key, _)| key > best_key) {
            best = Some((key, unit));
        }
    }
    Ok(best.map(|(_, unit)| unit))
}

/// Creates the deliveries that warn `unit` of alert `alert_id` at `level`: each member's
/// inbox (delivered by being stored) and each address (left for the sender). A recipient
/// already warned of this alert on this channel is not warned again.
async fn warn_unit(
    tx: &mut Transaction<'_, Any>,
    alert_id: i64,
    level: u32,
    unit: i64,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    let at = timestamp_text(now);
    sqlx::query(
        "INSERT INTO alert_deliveries (alert_id, level, unit_id, recipient, channel, user_id, \
         clearance, state, attempts, next_attempt_at, created_at, sent_at) \
         SELECT $1, $2, $3, 'user:' || CAST(us.id AS TEXT), 'inbox', us.id, us.clearance, 'sent', \
                0, $4, $4, $4 \
         FROM unit_members m JOIN users us ON us.id = m.user_id \
         WHERE m.unit_id = $3 AND us.disabled_at IS NULL \
         ON CONFLICT (alert_id, recipient, channel) DO NOTHING",
    )
    .bind(alert_id)
    .bind(i64::from(level))
    .bind(unit)
    .bind(&at)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO alert_deliveries (alert_id, level, unit_id, recipient, channel, address_id, \
         clearance, state, attempts, next_attempt_at, created_at) \
         SELECT $1, $2, $3, 'address:' || CAST(ad.id AS TEXT), ad.channel, ad.id, ad.clearance, \
                'pending', 0, $4, $4 \
         FROM unit_addresses ad WHERE ad.unit_id = $3 \
         ON CONFLICT (alert_id, recipient, channel) DO NOTHING",
    )
    .bind(alert_id)
    .bind(i64::from(level))
    .bind(unit)
    .bind(&at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Reads a stored timestamp (`timestamp_text`'s RFC 3339 form).
pub(crate) fn parse_time(text: &str) -> Result<OffsetDateTime, StoreError> {
    OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map_err(|error| StoreError::Corrupt(format!("timestamp {text:?}: {error}")))
}

fn parse_tlp(text: &str) -> Result<Tlp, StoreError> {
    text.parse()
        .map_err(|error: tocsin_domain::DomainError| StoreError::Corrupt(error.to_string()))
}

fn alert_from_row(row: &AnyRow) -> Result<AlertRecord, StoreError> {
    let id: i64 = row.try_get("id")?;
    let corrupt =
        |what: &str, value: &str| StoreError::Corrupt(format!("alert {id}: {what} {value:?}"));
    let kind: String = row.try_get("kind")?;
    let severity: String = row.try_get("severity")?;
    let urgency: String = row.try_get("urgency")?;
    let certainty: String = row.try_get("certainty")?;
    let situation: String = row.try_get("situation_id")?;
    let evidence: String = row.try_get("evidence")?;
    let stage = row
        .try_get::<Option<i64>, _>("stage")?
        .map(|s| {
            u8::try_from(s)
                .ok()
                .and_then(|s| Stage::try_from(s).ok())
                .ok_or_else(|| corrupt("stage", &s.to_string()))
        })
        .transpose()?;
    Ok(AlertRecord {
        view: AlertView {
            id,
            rule: row.try_get("rule_id")?,
            kind: SignalKind::parse(&kind).ok_or_else(|| corrupt("kind", &kind))?,
            situation: SituationId::parse(&situation)
                .map_err(|_| corrupt("situation", &situation))?,
            severity: Severity::parse(&severity).ok_or_else(|| corrupt("severity", &severity))?,
            urgency: Urgency::parse(&urgency).ok_or_else(|| corrupt("urgency", &urgency))?,
            certainty: Certainty::parse(&certainty)
                .ok_or_else(|| corrupt("certainty", &certainty))?,
            headline: row.try_get("headline")?,
            description: row.try_get("description")?,
            evidence: serde_json::from_str(&evidence)
                .map_err(|_| corrupt("evidence", &evidence))?,
            stage,
            score: row.try_get("score")?,
            tlp: parse_tlp(&row.try_get::<String, _>("tlp")?)?,
            raised_at: parse_time(&row.try_get::<String, _>("raised_at")?)?,
            updated_at: parse_time(&row.try_get::<String, _>("updated_at")?)?,
            state: row.try_get("state")?,
        },
        unit: row.try_get("unit_name")?,
        current_unit: row.try_get("current_unit_name")?,
        level: u32::try_from(row.try_get::<i64, _>("level")?)
            .map_err(|_| corrupt("level", "negative"))?,
        deadline_at: row.try_get("deadline_at")?,
        repeats: row.try_get("repeats")?,
        acknowledged_at: row.try_get("acknowledged_at")?,
        acknowledged_by: row.try_get("acknowledged_by")?,
    })
}

fn delivery_from_row(row: &AnyRow) -> Result<DeliveryRecord, StoreError> {
    let username: Option<String> = row.try_get("username")?;
    let address: Option<String> = row.try_get("address")?;
    Ok(DeliveryRecord {
        id: row.try_get("id")?,
        alert_id: row.try_get("alert_id")?,
        level: u32::try_from(row.try_get::<i64, _>("level")?).unwrap_or(0),
        unit: row.try_get("unit_name")?,
        recipient: row.try_get("recipient")?,
        channel: row.try_get("channel")?,
        to: username.or(address).unwrap_or_default(),
        clearance: parse_tlp(&row.try_get::<String, _>("clearance")?)?,
        state: row.try_get("state")?,
        attempts: row.try_get("attempts")?,
        next_attempt_at: row.try_get("next_attempt_at")?,
        created_at: row.try_get("created_at")?,
        sent_at: row.try_get("sent_at")?,
        last_error: row.try_get("last_error")?,
    })
}

fn decision_from_row(row: &AnyRow) -> Result<DecisionRecord, StoreError> {
    Ok(DecisionRecord {
        id: row.try_get("id")?,
        alert_id: row.try_get("alert_id")?,
        decided_by: row.try_get("decided_by")?,
        decided_at: row.try_get("decided_at")?,
        decision: row.try_get("decision")?,
        response_id: row.try_get("response_id")?,
    })
}
