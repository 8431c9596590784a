//! Alerts: from a signal to the right people, and the record of what they did.
//!
//! [`Alerts::raise`] runs a signal through the rules; a matching rule's alert is stored, routed
//! to the unit answering for the situation and sent at once. [`Alerts::tick`], run by the
//! server every minute (and by `tocsin alerts tick`), climbs overdue unacknowledged alerts one
//! level up the chain of command and retries deliveries that failed, with backoff, until they
//! are sent or dead-lettered. Time is always a parameter: tests move it instead of sleeping.
//!
//! Every message is cut to its recipient's clearance (`tocsin_alerts::message`); so is every
//! alert a signed-in user reads here.

mod channels;

use std::sync::Arc;

use serde::Serialize;
use time::{Duration, OffsetDateTime};
use tocsin_alerts::community::Templates;
use tocsin_alerts::stats::{summarise, Stats};
use tocsin_alerts::{cap, message, AlertSignal, Rules};
use tocsin_domain::{Principal, Role, SituationId, Tlp};
use tocsin_store::{
    AlertFilter, AlertRecord, BroadcastRecord, DecisionRecord, DeliveryRecord, Raised, Store,
    StoreError, UnitRemoval, UnitRow, Vault, ADDRESS_CHANNELS, UNIT_KINDS,
};

pub use channels::ChannelSettings;
use channels::Channels;

/// Broad kinds of failure, which the HTTP layer maps to status codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertErrorKind {
    BadRequest,
    NotFound,
    Forbidden,
    Conflict,
    /// Well formed, but against a rule: a measure of another situation, a retired unit.
    Unprocessable,
    Internal,
}

#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct AlertError {
    pub kind: AlertErrorKind,
    /// Stable code: `unknown_alert`, `not_a_recipient`, `bad_address`, …
    pub code: &'static str,
    pub message: String,
}

impl AlertError {
    fn new(kind: AlertErrorKind, code: &'static str, message: impl Into<String>) -> AlertError {
        AlertError {
            kind,
            code,
            message: message.into(),
        }
    }

    fn bad(code: &'static str, message: impl Into<String>) -> AlertError {
        AlertError::new(AlertErrorKind::BadRequest, code, message)
    }
}

impl From<StoreError> for AlertError {
    fn from(error: StoreError) -> AlertError {
        match error {
            StoreError::NotFound { what } => AlertError::new(
                AlertErrorKind::NotFound,
                "not_found",
                format!("{what} not found"),
            ),
            StoreError::Conflict(what) => AlertError::new(
                AlertErrorKind::Conflict,
                "conflict",
                format!("{what} already exists"),
            ),
            StoreError::Refused(why) => {
                AlertError::new(AlertErrorKind::BadRequest, "refused", why.to_string())
            }
            StoreError::Rejected { code, message } => {
                AlertError::new(AlertErrorKind::Unprocessable, code, message)
            }
            other => {
                tracing::error!(error = %other, "alert storage failed");
                AlertError::new(
                    AlertErrorKind::Internal,
                    "internal",
                    "the alert store failed; try again later",
                )
            }
        }
    }
}

/// How failed deliveries are retried: after `first`, then twice as long each time, until
/// `max_attempts` attempts have failed; then the delivery is dead-lettered. A claimed delivery
/// whose sender never reports back is due again after `lease`.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub first: Duration,
    pub max_attempts: i64,
    pub lease: Duration,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            first: Duration::minutes(1),
            max_attempts: 5,
            lease: Duration::minutes(5),
        }
    }
}

impl RetryPolicy {
    /// When to try again after the `attempts`-th failed attempt, or `None` to give up.
    pub fn retry_at(&self, attempts: i64, now: OffsetDateTime) -> Option<OffsetDateTime> {
        if attempts >= self.max_attempts {
            return None;
        }
        let factor = 1i32 << attempts.clamp(1, 16).saturating_sub(1);
        Some(now + self.first * factor)
    }
}

/// What one tick did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TickReport {
    /// Alerts moved up, with their new level.
    pub escalated: Vec<(i64, u32)>,
    pub deliveries: DeliveryReport,
    /// Community broadcast SMS.
    pub community: DeliveryReport,
}

/// What one round of sending did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DeliveryReport {
    pub sent: usize,
    /// Failed, to be tried again.
    pub failed: usize,
    /// Failed for the last time: now in the dead-letter list.
    pub dead: usize,
}

/// Who is asking: a signed-in user, or the operator at the command line (who holds the
/// database and sees everything).
#[derive(Debug, Clone, Copy)]
pub enum Viewer<'a> {
    User(&'a Principal),
    Operator,
}

impl Viewer<'_> {
    fn clearance(&self) -> Tlp {
        match self {
            Viewer::User(principal) => principal.clearance,
            Viewer::Operator => Tlp::Red,
        }
    }
}

/// An alert as one viewer may read it: whole, or cut to their clearance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertShown {
    pub id: i64,
    pub situation: SituationId,
    pub severity: String,
    pub tlp: Tlp,
    pub state: String,
    pub raised_at: String,
    pub deadline_at: String,
    pub level: u32,
    pub unit: Option<String>,
    pub current_unit: Option<String>,
    pub acknowledged_at: Option<String>,
    pub acknowledged_by: Option<String>,
    /// The subject line the viewer's clearance allows.
    pub subject: String,
    /// True when the content is above the viewer's clearance and was left out.
    pub cut: bool,
    /// The whole alert, when the viewer is cleared for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<AlertRecord>,
}

/// The alert service.
#[derive(Clone)]
pub struct Alerts {
    store: Store,
    rules: Arc<Rules>,
    /// Shared: every request clones the service, and the settings are many strings.
    channels: Arc<Channels>,
    retry: RetryPolicy,
    /// The vault that seals subscribers' numbers and the broadcast templates, when community
    /// alerts are in use.
    community: Option<(Vault, Arc<Templates>)>,
}

impl std::fmt::Debug for Alerts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Alerts")
            .field("rules", &self.rules.version())
            .finish()
    }
}

impl Alerts {
    /// The service over `store` with `rules`; fails if a channel's settings cannot be used.
    pub fn new(
        store: Store,
        rules: Arc<Rules>,
        settings: ChannelSettings,
        retry: RetryPolicy,
    ) -> Result<Alerts, AlertError> {
        Ok(Alerts {
            store,
            rules,
            channels: Arc::new(Channels::new(settings)?),
            retry,
            community: None,
        })
    }

    /// Turns on community broadcasts: subscribers' numbers are opened with `vault` only to
    /// send, and messages come from `templates`.
    pub fn with_community(mut self, vault: Vault, templates: Arc<Templates>) -> Alerts {
        self.community = Some((vault, templates));
        self
    }

    pub fn rules(&self) -> &Rules {
        &self.rules
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Runs `signal` through the rules; returns the new alerts it raised (none when no rule
    /// matches or the signal repeats one still open) after sending what is due.
    pub async fn raise(
        &self,
        signal: &AlertSignal,
        now: OffsetDateTime,
    ) -> Result<Vec<i64>, AlertError> {
        let Some(draft) = self.rules.evaluate(signal, now) else {
            return Ok(Vec::new());
        };
        let signal_json = serde_json::to_string(signal).expect("signals serialise");
        let raised = self.store.raise_alert(&draft, &signal_json, now).await?;
        match raised {
            Raised::New(id) => {
                tracing::info!(alert = id, rule = %draft.rule, situation = %draft.situation, "alert raised");
                self.deliver_due(now).await?;
                Ok(vec![id])
            }
            Raised::Repeat(id) => {
                tracing::debug!(alert = id, "signal repeats an open alert");
                Ok(Vec::new())
            }
        }
    }

    /// Raises a structural-risk signal for every country of the newest stored forecast whose
    /// probability is at least `threshold`; returns the new alerts (repeats inside the rule's
    /// window raise none).
    pub async fn raise_from_forecast(
        &self,
        threshold: f64,
        now: OffsetDateTime,
    ) -> Result<Vec<i64>, AlertError> {
        #[derive(serde::Deserialize)]
        struct Entry {
            rank: u32,
            situation: SituationId,
            probability: f64,
        }
        #[derive(serde::Deserialize)]
        struct Forecast {
            entries: Vec<Entry>,
        }
        if !(threshold > 0.0 && threshold < 1.0) {
            return Err(AlertError::bad(
                "bad_threshold",
                format!("threshold {threshold}: give a probability between 0 and 1, e.g. 0.04"),
            ));
        }
        let (meta, json) = self.store.latest_risk_assessment().await?.ok_or_else(|| {
            AlertError::new(
                AlertErrorKind::NotFound,
                "no_forecast",
                "no stored forecast: run tocsin risk forecast --data FILE --year YEAR first",
            )
        })?;
        let forecast: Forecast = serde_json::from_str(&json).map_err(|error| {
            tracing::error!(%error, assessment = meta.id, "stored forecast unreadable");
            AlertError::new(
                AlertErrorKind::Internal,
                "internal",
                "the stored forecast cannot be read",
            )
        })?;
        let year = i32::try_from(meta.data_year).unwrap_or_default();
        let mut raised = Vec::new();
        for entry in forecast
            .entries
            .iter()
            .filter(|e| e.probability >= threshold)
        {
            let signal = AlertSignal::StructuralRisk {
                situation: entry.situation.clone(),
                probability: entry.probability,
                threshold,
                rank: entry.rank,
                year,
            };
            raised.extend(self.raise(&signal, now).await?);
        }
        Ok(raised)
    }

    /// Raises a flash-report signal for every indicator coded on a verified report observed
    /// since `since`; the rules decide which (a stage-3 indicator, well-graded source and
    /// information) become alerts. Running it again raises nothing new.
    pub async fn raise_flash_reports(
        &self,
        catalogue: &tocsin_domain::Catalogue,
        since: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<Vec<i64>, AlertError> {
        let mut raised = Vec::new();
        for candidate in self.store.flash_candidates(since).await? {
            // A code the catalogue no longer has cannot say what stage it speaks to.
            let Some((_, indicator)) = catalogue.indicator(&candidate.code) else {
                continue;
            };
            let Some(stage) = indicator.stages.iter().max().copied() else {
                continue;
            };
            let signal = AlertSignal::FlashReport {
                situation: candidate.situation,
                report_id: candidate.report_id,
                indicator: candidate.code.clone(),
                indicator_label: indicator.text.clone(),
                stage,
                reliability: candidate.reliability,
                credibility: candidate.credibility,
                tlp: candidate.tlp,
            };
            raised.extend(self.raise(&signal, now).await?);
        }
        Ok(raised)
    }

    /// Escalates overdue unacknowledged alerts, then sends every delivery that is due.
    pub async fn tick(&self, now: OffsetDateTime) -> Result<TickReport, AlertError> {
        let mut report = TickReport::default();
        for id in self.store.alerts_due_for_escalation(now).await? {
            if let Some(level) = self.store.escalate_alert(id, now).await? {
                tracing::warn!(
                    alert = id,
                    level,
                    "alert escalated: not acknowledged in time"
                );
                report.escalated.push((id, level));
            }
        }
        report.deliveries = self.deliver_due(now).await?;
        report.community = self.deliver_community(now).await?;
        Ok(report)
    }

    /// Queues a broadcast of `template` to the subscribers of `area`, each in their language
    /// and within the rate limit, and sends it.
    pub async fn broadcast(
        &self,
        area: &str,
        template: &str,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<BroadcastRecord, AlertError> {
        let (_, templates) = self.community.as_ref().ok_or_else(|| {
            AlertError::bad(
                "community_off",
                "community broadcasts need the source key; this server was started without it",
            )
        })?;
        let area = area.trim().to_lowercase().replace(' ', "-");
        if templates.render(template, "en", "").is_none() {
            return Err(AlertError::bad(
                "unknown_template",
                format!(
                    "no template {template:?}: use one of {}",
                    templates.ids().collect::<Vec<_>>().join(", ")
                ),
            ));
        }
        // The area as people wrote it when they joined, in words: "kakuma-camp" → "Kakuma Camp".
        let area_name = area
            .split('-')
            .map(|word| {
                let mut chars = word.chars();
                chars.next().map_or(String::new(), |first| {
                    first.to_uppercase().chain(chars).collect()
                })
            })
            .collect::<Vec<_>>()
            .join(" ");
        let record = self
            .store
            .community_broadcast(
                &area,
                template,
                |language| {
                    templates
                        .render(template, language, &area_name)
                        .unwrap_or_default()
                },
                |recent| templates.may_send(recent, now),
                actor,
                now,
            )
            .await?;
        tracing::info!(
            broadcast = record.id,
            area = %area,
            recipients = record.recipients,
            rate_limited = record.rate_limited,
            "community broadcast queued"
        );
        self.deliver_community(now).await?;
        Ok(record)
    }

    /// Active subscribers per area and language (counts only: never who).
    pub async fn subscribers(&self) -> Result<Vec<(String, String, i64)>, AlertError> {
        Ok(self.store.community_subscribers().await?)
    }

    /// Sends the broadcast SMS due at `now` through the SMS gateway.
    async fn deliver_community(&self, now: OffsetDateTime) -> Result<DeliveryReport, AlertError> {
        let mut report = DeliveryReport::default();
        let Some((vault, _)) = &self.community else {
            return Ok(report);
        };
        loop {
            let due = self
                .store
                .claim_community_deliveries(vault, now, now + self.retry.lease, 100)
                .await?;
            if due.is_empty() {
                break;
            }
            for delivery in due {
                let outcome = self
                    .channels
                    .send_community(delivery.phone.expose(), &delivery.message, delivery.id)
                    .await;
                let done = match outcome {
                    Ok(()) => {
                        report.sent += 1;
                        Ok(now)
                    }
                    Err(error) => {
                        let retry_at = self.retry.retry_at(delivery.attempts, now);
                        if retry_at.is_some() {
                            report.failed += 1;
                        } else {
                            report.dead += 1;
                        }
                        tracing::warn!(delivery = delivery.id, %error, "community SMS failed");
                        Err((error, retry_at))
                    }
                };
                self.store
                    .community_delivery_done(delivery.id, done)
                    .await?;
            }
        }
        Ok(report)
    }

    /// Sends the email, SMS and webhook deliveries due at `now`.
    pub async fn deliver_due(&self, now: OffsetDateTime) -> Result<DeliveryReport, AlertError> {
        let mut report = DeliveryReport::default();
        loop {
            let due = self.store.due_deliveries(now, 100).await?;
            if due.is_empty() {
                break;
            }
            for delivery in due {
                if !self
                    .store
                    .claim_delivery(&delivery, now + self.retry.lease)
                    .await?
                {
                    continue;
                }
                let attempts = delivery.attempts + 1;
                let alert = self.store.alert(delivery.alert_id).await?;
                match self.channels.send(&alert.view, &delivery, now).await {
                    Ok(()) => {
                        self.store.delivery_sent(delivery.id, now).await?;
                        report.sent += 1;
                    }
                    Err(error) => {
                        let retry_at = self.retry.retry_at(attempts, now);
                        tracing::warn!(
                            delivery = delivery.id,
                            channel = %delivery.channel,
                            attempts,
                            error = %error,
                            "delivery failed"
                        );
                        self.store
                            .delivery_failed(delivery.id, &error, retry_at)
                            .await?;
                        if retry_at.is_some() {
                            report.failed += 1;
                        } else {
                            report.dead += 1;
                        }
                    }
                }
            }
        }
        Ok(report)
    }

    // ----- reading ---------------------------------------------------------------------

    /// Alerts, newest first, as `viewer` may read them.
    pub async fn list(
        &self,
        viewer: Viewer<'_>,
        filter: &AlertFilter,
    ) -> Result<Vec<AlertShown>, AlertError> {
        let records = self.store.alerts(filter).await?;
        Ok(records.into_iter().map(|r| shown(r, viewer)).collect())
    }

    /// The alerts a signed-in user was warned of.
    pub async fn inbox(&self, principal: &Principal) -> Result<Vec<AlertShown>, AlertError> {
        let records = self.store.inbox(principal.user_id).await?;
        Ok(records
            .into_iter()
            .map(|r| shown(r, Viewer::User(principal)))
            .collect())
    }

    /// One alert with its deliveries and decisions; the deliveries and decisions only for a
    /// viewer cleared for the alert.
    pub async fn show(&self, viewer: Viewer<'_>, id: i64) -> Result<AlertDetail, AlertError> {
        let record = self.alert(id).await?;
        let cleared = record.view.tlp.permits(viewer.clearance());
        let (deliveries, decisions) = if cleared {
            (
                self.store.alert_deliveries(id).await?,
                self.store.alert_decisions(id).await?,
            )
        } else {
            (Vec::new(), Vec::new())
        };
        Ok(AlertDetail {
            alert: shown(record, viewer),
            deliveries,
            decisions,
        })
    }

    /// The alert as a CAP 1.2 document; not found for a viewer not cleared for it.
    pub async fn cap(&self, viewer: Viewer<'_>, id: i64) -> Result<String, AlertError> {
        let record = self.readable(viewer, id).await?;
        Ok(cap::cap_document(&record.view, self.rules.cap_sender()))
    }

    /// The Atom feed of the newest alerts `viewer` is cleared for, linking to their CAP
    /// documents under the configured public address.
    pub async fn feed(
        &self,
        viewer: Viewer<'_>,
        now: OffsetDateTime,
    ) -> Result<String, AlertError> {
        let records = self
            .store
            .alerts(&AlertFilter {
                limit: Some(100),
                ..AlertFilter::default()
            })
            .await?;
        let views: Vec<_> = records
            .into_iter()
            .filter(|r| r.view.tlp.permits(viewer.clearance()))
            .map(|r| r.view)
            .collect();
        Ok(cap::atom_feed(
            &views,
            self.rules.cap_sender(),
            self.channels.public_url(),
            now,
        ))
    }

    pub async fn dead_letters(&self, limit: i64) -> Result<Vec<DeliveryRecord>, AlertError> {
        Ok(self.store.dead_letters(limit).await?)
    }

    /// Warning-to-acknowledgement and warning-to-action figures per situation and unit.
    pub async fn stats(&self) -> Result<Stats, AlertError> {
        Ok(summarise(&self.store.alert_times().await?))
    }

    // ----- the response record ---------------------------------------------------------

    /// Acknowledges an alert. A signed-in user must have been warned of it; the operator
    /// names who acknowledged (e.g. by telephone) in `by`.
    pub async fn acknowledge(
        &self,
        viewer: Viewer<'_>,
        id: i64,
        by: &str,
        now: OffsetDateTime,
    ) -> Result<AlertShown, AlertError> {
        self.check_recipient(viewer, id).await?;
        let record = self.store.acknowledge_alert(id, by, now).await?;
        tracing::info!(alert = id, by, "alert acknowledged");
        Ok(shown(record, viewer))
    }

    /// One alert with its record, for someone who may act on it: a signed-in user must have
    /// been warned of it (or be an analyst), as to acknowledge it or decide on it. The
    /// deliveries and decisions are left out for a user not cleared for the alert.
    pub async fn show_to_recipient(
        &self,
        viewer: Viewer<'_>,
        id: i64,
    ) -> Result<AlertDetail, AlertError> {
        self.check_recipient(viewer, id).await?;
        self.show(viewer, id).await
    }

    /// Records what was decided on an alert, optionally the measure it set going.
    pub async fn decide(
        &self,
        viewer: Viewer<'_>,
        id: i64,
        by: &str,
        decision: &str,
        response_id: Option<i64>,
        now: OffsetDateTime,
    ) -> Result<DecisionRecord, AlertError> {
        let decision = decision.trim();
        if decision.is_empty() || decision.chars().count() > 4000 {
            return Err(AlertError::bad(
                "bad_decision",
                "write the decision as text of 1 to 4000 characters",
            ));
        }
        self.check_recipient(viewer, id).await?;
        Ok(self
            .store
            .decide_alert(id, by, decision, response_id, now)
            .await?)
    }

    async fn alert(&self, id: i64) -> Result<AlertRecord, AlertError> {
        self.store.alert(id).await.map_err(|error| match error {
            StoreError::NotFound { .. } => AlertError::new(
                AlertErrorKind::NotFound,
                "unknown_alert",
                format!("alert {id} not found; tocsin alerts list shows the alerts"),
            ),
            other => other.into(),
        })
    }

    /// The alert, if `viewer` is cleared for it; otherwise as if it did not exist.
    async fn readable(&self, viewer: Viewer<'_>, id: i64) -> Result<AlertRecord, AlertError> {
        let record = self.alert(id).await?;
        if !record.view.tlp.permits(viewer.clearance()) {
            return Err(AlertError::new(
                AlertErrorKind::NotFound,
                "unknown_alert",
                format!("alert {id} not found"),
            ));
        }
        Ok(record)
    }

    async fn check_recipient(&self, viewer: Viewer<'_>, id: i64) -> Result<(), AlertError> {
        self.alert(id).await?;
        if let Viewer::User(principal) = viewer {
            let warned = self.store.was_warned(id, principal.user_id).await?;
            if !warned && principal.role != Role::Analyst {
                return Err(AlertError::new(
                    AlertErrorKind::Forbidden,
                    "not_a_recipient",
                    format!(
                        "alert {id} was not sent to {}: only those warned of it, and analysts, \
                         may acknowledge it or record a decision",
                        principal.username
                    ),
                ));
            }
        }
        Ok(())
    }

    // ----- units -----------------------------------------------------------------------

    pub async fn units(&self) -> Result<Vec<UnitRow>, AlertError> {
        Ok(self.store.units().await?)
    }

    pub async fn create_unit(
        &self,
        name: &str,
        kind: &str,
        parent: Option<&str>,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<UnitRow, AlertError> {
        let name = unit_name(name)?;
        if !UNIT_KINDS.contains(&kind) {
            return Err(AlertError::bad(
                "bad_unit_kind",
                format!("unit kind {kind:?}: use {}", UNIT_KINDS.join(", ")),
            ));
        }
        self.store
            .create_unit(name, kind, parent, actor, now)
            .await
            .map_err(unit_error)
    }

    /// Renames a unit; everything that points at it (alerts sent to it included) follows.
    pub async fn rename_unit(
        &self,
        unit: &str,
        new_name: &str,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<UnitRow, AlertError> {
        let new_name = unit_name(new_name)?;
        self.store
            .rename_unit(unit, new_name, actor, now)
            .await
            .map_err(unit_error)
    }

    /// Deletes a unit, or retires it when alerts were routed to it (`Store::delete_unit`).
    pub async fn delete_unit(
        &self,
        unit: &str,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<UnitRemoval, AlertError> {
        self.store
            .delete_unit(unit, actor, now)
            .await
            .map_err(unit_error)
    }

    /// Adds a situation (or `*`) the unit answers for.
    pub async fn add_area(
        &self,
        unit: &str,
        area: &str,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<UnitRow, AlertError> {
        let area = parse_area(area)?;
        self.store
            .add_unit_area(unit, &area, actor, now)
            .await
            .map_err(unit_error)
    }

    /// Takes a situation (or `*`) from the units it answers for.
    pub async fn remove_area(
        &self,
        unit: &str,
        area: &str,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<UnitRow, AlertError> {
        let area = parse_area(area)?;
        self.store
            .remove_unit_area(unit, &area, actor, now)
            .await
            .map_err(unit_error)
    }

    /// Puts `unit` under `parent` in the chain of command, or at its top with `None`.
    pub async fn set_parent(
        &self,
        unit: &str,
        parent: Option<&str>,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<UnitRow, AlertError> {
        self.store
            .set_unit_parent(unit, parent, actor, now)
            .await
            .map_err(|error| match error {
                StoreError::Refused(_) => AlertError::bad(
                    "unit_loop",
                    format!(
                        "{unit} cannot report to {}: that is {unit} itself or a unit below it, \
                         and alerts would climb in a circle; choose a unit above or beside it",
                        parent.unwrap_or_default()
                    ),
                ),
                other => unit_error(other),
            })
    }

    /// Where an alert about `situation` would go now: the unit answering for it, then each
    /// unit above it, in the order an unacknowledged alert climbs. Empty when no unit
    /// answers for it (the alert would be stored, but nobody warned).
    pub async fn route(&self, situation: &str) -> Result<Route, AlertError> {
        let situation = SituationId::parse(situation.trim())
            .map_err(|error| AlertError::bad("bad_situation", error.to_string()))?;
        let mut chain = Vec::new();
        if let Some(first) = self.store.routed_unit(&situation).await? {
            let units = self.store.units().await?;
            let mut next = Some(first);
            while let Some(name) = next {
                if chain.contains(&name) {
                    break;
                }
                next = units
                    .iter()
                    .find(|unit| unit.name == name)
                    .and_then(|unit| unit.parent.clone());
                chain.push(name);
            }
        }
        Ok(Route { situation, chain })
    }

    pub async fn add_member(
        &self,
        unit: &str,
        username: &str,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<UnitRow, AlertError> {
        self.store
            .add_unit_member(unit, username, actor, now)
            .await
            .map_err(unit_error)
    }

    /// Adds an email address, SMS number or webhook URL, read by someone cleared for
    /// `clearance` (TLP:GREEN unless said otherwise: an outside channel sees little).
    pub async fn add_address(
        &self,
        unit: &str,
        channel: &str,
        address: &str,
        clearance: Option<Tlp>,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<UnitRow, AlertError> {
        if !ADDRESS_CHANNELS.contains(&channel) {
            return Err(AlertError::bad(
                "bad_channel",
                format!("channel {channel:?}: use {}", ADDRESS_CHANNELS.join(", ")),
            ));
        }
        let address = channels::check_address(channel, address)?;
        self.store
            .add_unit_address(
                unit,
                channel,
                &address,
                clearance.unwrap_or(Tlp::Green),
                actor,
                now,
            )
            .await
            .map_err(unit_error)
    }

    /// Takes a user out of a unit: no more of its alerts reach them.
    pub async fn remove_member(
        &self,
        unit: &str,
        username: &str,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<UnitRow, AlertError> {
        self.store
            .remove_unit_member(unit, username, actor, now)
            .await
            .map_err(unit_error)
    }
}

/// A unit's name, trimmed: 1 to 100 letters, digits, `-`, `_` or `.`.
fn unit_name(name: &str) -> Result<&str, AlertError> {
    let name = name.trim();
    if name.is_empty()
        || name.len() > 100
        || !name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(AlertError::bad(
            "bad_unit_name",
            format!("unit name {name:?}: use 1 to 100 letters, digits, '-', '_' or '.'"),
        ));
    }
    Ok(name)
}

/// A storage error of a unit change, with codes that say which thing was missing or taken.
fn unit_error(error: StoreError) -> AlertError {
    match error {
        StoreError::NotFound { what } if what.starts_with("unit ") => AlertError::new(
            AlertErrorKind::NotFound,
            "unknown_unit",
            format!("{what} not found; tocsin units list (GET /api/v1/units) lists the units"),
        ),
        StoreError::NotFound { what } if what.starts_with("user ") => AlertError::new(
            AlertErrorKind::NotFound,
            "unknown_user",
            format!("{what} not found; tocsin users list (GET /api/v1/users) lists the users"),
        ),
        StoreError::Conflict(what) => AlertError::new(
            AlertErrorKind::Conflict,
            "unit_name_taken",
            format!(
                "{what} already exists (retired units keep their names): choose another name, \
                 or rename the other unit first"
            ),
        ),
        other => other.into(),
    }
}

/// An area of responsibility: a situation id, or `*` for every situation.
fn parse_area(area: &str) -> Result<String, AlertError> {
    if area.trim() == "*" {
        return Ok("*".to_string());
    }
    Ok(SituationId::parse(area.trim())
        .map_err(|error| AlertError::bad("bad_area", error.to_string()))?
        .to_string())
}

/// Where alerts about one situation go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Route {
    pub situation: SituationId,
    /// The unit warned first, then each one above it.
    pub chain: Vec<String>,
}

/// One alert with its record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertDetail {
    pub alert: AlertShown,
    pub deliveries: Vec<DeliveryRecord>,
    pub decisions: Vec<DecisionRecord>,
}

fn shown(record: AlertRecord, viewer: Viewer<'_>) -> AlertShown {
    let clearance = viewer.clearance();
    let message = message::render(&record.view, clearance, record.level);
    AlertShown {
        id: record.view.id,
        situation: record.view.situation.clone(),
        severity: record.view.severity.as_str(),
        tlp: record.view.tlp,
        state: record.view.state.clone(),
        raised_at: cap::cap_time(record.view.raised_at),
        deadline_at: record.deadline_at.clone(),
        level: record.level,
        unit: record.unit.clone(),
        current_unit: record.current_unit.clone(),
        acknowledged_at: record.acknowledged_at.clone(),
        acknowledged_by: record.acknowledged_by.clone(),
        subject: message.subject,
        cut: message.cut,
        content: (!message.cut).then_some(record),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn retries_back_off_then_give_up() {
        let policy = RetryPolicy::default();
        let now = datetime!(2026-11-21 12:00 UTC);
        assert_eq!(policy.retry_at(1, now), Some(now + Duration::minutes(1)));
        assert_eq!(policy.retry_at(2, now), Some(now + Duration::minutes(2)));
        assert_eq!(policy.retry_at(4, now), Some(now + Duration::minutes(8)));
        assert_eq!(policy.retry_at(5, now), None);
    }
}
