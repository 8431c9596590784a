//! The analyst's side of reports: listing and queues, grading (report credibility and TLP,
//! source reliability), corroboration links and placing reports the gazetteer could not.
//! Every change is appended to the audit log with its before and after.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};
use time::OffsetDateTime;
use tocsin_domain::audit::AuditEvent;
use tocsin_domain::{Credibility, Reliability, SituationId, SourceId, Tlp, VerificationState};

use crate::{audit, timestamp_text, ExportRow, Store, StoreError};

/// The most reports one page of a listing holds.
pub const MAX_PAGE: i64 = 500;

/// Which reports to list. Reports above the reader's clearance are never listed.
#[derive(Debug, Clone)]
pub struct ReportFilter {
    pub clearance: Tlp,
    pub verification: Option<VerificationState>,
    pub situation: Option<SituationId>,
    /// Only reports whose place could not be resolved (unresolved or ambiguous): the
    /// analysts' place queue.
    pub place_queue: bool,
    /// Only reports with an id below this (for paging back, newest first).
    pub before_id: Option<i64>,
    pub limit: i64,
}

impl ReportFilter {
    pub fn new(clearance: Tlp) -> ReportFilter {
        ReportFilter {
            clearance,
            verification: None,
            situation: None,
            place_queue: false,
            before_id: None,
            limit: 100,
        }
    }
}

/// A report as analysts see it: the exported fields, the source's reliability and the
/// reports it is linked to as corroborating.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportView {
    #[serde(flatten)]
    pub report: ExportRow,
    pub source_reliability: Option<String>,
    pub corroborated_by: Vec<i64>,
}

/// What an analyst sets when grading a report; `None` leaves a field as it is.
#[derive(Debug, Clone, Copy, Default)]
pub struct Grade {
    pub credibility: Option<Credibility>,
    pub tlp: Option<Tlp>,
}

/// Where an analyst places a report by hand.
#[derive(Debug, Clone, PartialEq)]
pub struct ManualPlace {
    pub name: Option<String>,
    pub latitude: f64,
    pub longitude: f64,
    pub situation: SituationId,
}

const COLUMNS: &str = "r.id, r.received_at, r.observed_at, r.situation_id, r.place_name, \
    r.latitude, r.longitude, r.place_state, r.text, r.language, r.credibility, r.tlp, \
    r.verification, r.channel, r.source_id, r.external_ref, r.details_json, s.reliability";

impl Store {
    /// Reports matching `filter`, newest first, with at most [`MAX_PAGE`] in one page.
    pub async fn list_reports(&self, filter: &ReportFilter) -> Result<Vec<ReportView>, StoreError> {
        let (sql, binds) = list_query(filter);
        let mut query = sqlx::query(&sql);
        for value in &binds {
            query = query.bind(value);
        }
        let before = filter.before_id.unwrap_or(i64::MAX);
        let rows = query
            .bind(before)
            .bind(filter.limit.clamp(1, MAX_PAGE))
            .fetch_all(&self.pool)
            .await?;
        let mut views = rows
            .iter()
            .map(|row| view_from_row(row, filter.clearance))
            .collect::<Result<Vec<_>, _>>()?;
        self.fill_corroborations(&mut views).await?;
        Ok(views)
    }

    /// One report, if the reader's clearance allows it (otherwise: not found, so its
    /// existence is not given away either).
    pub async fn report(&self, id: i64, clearance: Tlp) -> Result<ReportView, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM reports r LEFT JOIN sources s ON s.id = r.source_id \
             WHERE r.id = $1 AND r.tlp IN ({})",
            allowed_markings(clearance)
        );
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                what: format!("report {id}"),
            })?;
        let mut views = vec![view_from_row(&row, clearance)?];
        self.fill_corroborations(&mut views).await?;
        Ok(views.remove(0))
    }

    /// Sets a report's credibility and/or TLP marking.
    pub async fn grade_report(
        &self,
        id: i64,
        grade: Grade,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let row = report_row(&mut tx, "credibility, tlp", id).await?;
        let credibility: i64 = row.try_get("credibility")?;
        let tlp: String = row.try_get("tlp")?;
        let new_credibility = grade
            .credibility
            .map_or(credibility, |c| i64::from(c.number()));
        let new_tlp = grade.tlp.map_or(tlp.clone(), |t| t.as_str().to_string());
        sqlx::query("UPDATE reports SET credibility = $1, tlp = $2 WHERE id = $3")
            .bind(new_credibility)
            .bind(&new_tlp)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        audit::append(
            &mut tx,
            AuditEvent {
                actor: actor.to_string(),
                action: "report.grade".to_string(),
                entity: format!("report:{id}"),
                before: Some(json!({ "credibility": credibility, "tlp": tlp }).to_string()),
                after: Some(json!({ "credibility": new_credibility, "tlp": new_tlp }).to_string()),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets a source's reliability (A–F).
    pub async fn grade_source(
        &self,
        source: &SourceId,
        reliability: Reliability,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query("SELECT reliability FROM sources WHERE id = $1")
            .bind(source.as_str())
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                what: format!("source {source}"),
            })?;
        let before: String = row.try_get("reliability")?;
        sqlx::query("UPDATE sources SET reliability = $1 WHERE id = $2")
            .bind(reliability.letter().to_string())
            .bind(source.as_str())
            .execute(&mut *tx)
            .await?;
        audit::append(
            &mut tx,
            AuditEvent {
                actor: actor.to_string(),
                action: "source.grade".to_string(),
                entity: format!("source:{source}"),
                before: Some(json!({ "reliability": before }).to_string()),
                after: Some(json!({ "reliability": reliability.letter().to_string() }).to_string()),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Links two reports as corroborating each other (the link has no direction). Linking a
    /// report to itself is refused; linking twice is a conflict.
    pub async fn corroborate(
        &self,
        report: i64,
        other: i64,
        note: Option<&str>,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        if report == other {
            return Err(StoreError::Refused(tocsin_domain::DomainError::invalid(
                "corroboration",
                report.to_string(),
                "a report cannot corroborate itself: name two different reports",
            )));
        }
        let (low, high) = (report.min(other), report.max(other));
        let mut tx = self.pool.begin().await?;
        for id in [low, high] {
            report_row(&mut tx, "id", id).await?;
        }
        let inserted = sqlx::query(
            "INSERT INTO corroborations (report_id, other_id, actor, at, note) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (report_id, other_id) DO NOTHING",
        )
        .bind(low)
        .bind(high)
        .bind(actor)
        .bind(timestamp_text(now))
        .bind(note)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 0 {
            return Err(StoreError::Conflict(format!(
                "corroboration between reports {low} and {high}"
            )));
        }
        audit::append(
            &mut tx,
            AuditEvent {
                actor: actor.to_string(),
                action: "report.corroborate".to_string(),
                entity: format!("report:{low}"),
                before: None,
                after: Some(json!({ "corroborated_by": high, "note": note }).to_string()),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Places a report by hand (from the place queue): point, situation, and the name used.
    pub async fn place_report(
        &self,
        id: i64,
        place: &ManualPlace,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let row = report_row(
            &mut tx,
            "place_name, latitude, longitude, situation_id, place_state",
            id,
        )
        .await?;
        let before = json!({
            "place_name": row.try_get::<Option<String>, _>("place_name")?,
            "latitude": row.try_get::<Option<f64>, _>("latitude")?,
            "longitude": row.try_get::<Option<f64>, _>("longitude")?,
            "situation": row.try_get::<Option<String>, _>("situation_id")?,
            "place_state": row.try_get::<String, _>("place_state")?,
        });
        crate::situations::ensure_country(&mut tx, &place.situation).await?;
        sqlx::query(
            "UPDATE reports SET place_name = COALESCE($1, place_name), latitude = $2, longitude = $3, \
             situation_id = $4, place_state = 'resolved' WHERE id = $5",
        )
        .bind(place.name.as_deref())
        .bind(place.latitude)
        .bind(place.longitude)
        .bind(place.situation.as_str())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            AuditEvent {
                actor: actor.to_string(),
                action: "report.place".to_string(),
                entity: format!("report:{id}"),
                before: Some(before.to_string()),
                after: Some(
                    json!({
                        "place_name": place.name,
                        "latitude": place.latitude,
                        "longitude": place.longitude,
                        "situation": place.situation.as_str(),
                        "place_state": "resolved",
                    })
                    .to_string(),
                ),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn fill_corroborations(&self, views: &mut [ReportView]) -> Result<(), StoreError> {
        if views.is_empty() {
            return Ok(());
        }
        // Ids are integers read from the database: safe to inline.
        let ids = views
            .iter()
            .map(|view| view.report.id.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        let rows = sqlx::query(&format!(
            "SELECT report_id, other_id FROM corroborations \
             WHERE report_id IN ({ids}) OR other_id IN ({ids})"
        ))
        .fetch_all(&self.pool)
        .await?;
        let mut links: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
        for row in rows {
            let a: i64 = row.try_get("report_id")?;
            let b: i64 = row.try_get("other_id")?;
            links.entry(a).or_default().push(b);
            links.entry(b).or_default().push(a);
        }
        for view in views {
            let mut linked = links.remove(&view.report.id).unwrap_or_default();
            linked.sort_unstable();
            linked.dedup();
            view.corroborated_by = linked;
        }
        Ok(())
    }
}

/// The `columns` of report `id`, read inside `tx`; `NotFound` if there is no such report.
pub(crate) async fn report_row(
    tx: &mut Transaction<'_, Any>,
    columns: &str,
    id: i64,
) -> Result<AnyRow, StoreError> {
    sqlx::query(&format!("SELECT {columns} FROM reports WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| StoreError::NotFound {
            what: format!("report {id}"),
        })
}

/// The TLP markings an audience cleared for `clearance` may see, as an SQL list. The markings
/// are our own constants, never user text, so inlining them is safe.
pub(crate) fn allowed_markings(clearance: Tlp) -> String {
    Tlp::ALL
        .into_iter()
        .filter(|marking| marking.permits(clearance))
        .map(|marking| format!("'{}'", marking.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The query listing `filter`'s page, with the text values it binds before the id to page
/// back from and the page size. Each page is read off an index in id order: the verification
/// state and situation indexes hold their entries in id order (see the migration
/// `report_list_indexes`), so a page costs its own rows, not a sort of every match.
fn list_query(filter: &ReportFilter) -> (String, Vec<String>) {
    let mut conditions = vec![format!("r.tlp IN ({})", allowed_markings(filter.clearance))];
    let mut binds: Vec<String> = Vec::new();
    if let Some(state) = filter.verification {
        binds.push(state.as_str().to_string());
        conditions.push(format!("r.verification = ${}", binds.len()));
    }
    if let Some(situation) = &filter.situation {
        binds.push(situation.as_str().to_string());
        conditions.push(format!("r.situation_id = ${}", binds.len()));
    }
    if filter.place_queue {
        conditions.push("r.place_state IN ('unresolved', 'ambiguous')".to_string());
    }
    let sql = format!(
        "SELECT {COLUMNS} FROM reports r LEFT JOIN sources s ON s.id = r.source_id \
         WHERE {} AND r.id < ${} ORDER BY r.id DESC LIMIT ${}",
        conditions.join(" AND "),
        binds.len() + 1,
        binds.len() + 2,
    );
    (sql, binds)
}

fn view_from_row(row: &AnyRow, clearance: Tlp) -> Result<ReportView, StoreError> {
    // Linking reports by sender could help identify the sender: wide audiences see no pseudonym.
    let show_source = clearance <= Tlp::Amber;
    Ok(ReportView {
        report: crate::export::export_row(row, show_source)?,
        source_reliability: if show_source {
            row.try_get("reliability")?
        } else {
            None
        },
        corroborated_by: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every kind of listing reads its page off an index in id order: SQLite's plan for it
    /// has no sort ("USE TEMP B-TREE FOR ORDER BY"), which would read every matching report
    /// for each page.
    #[tokio::test]
    async fn a_page_of_reports_is_read_without_sorting_the_matches() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("plan.db").display());
        let store = Store::open(&url).await.unwrap();
        let syria = SituationId::parse("SYR").unwrap();
        let mut filters = Vec::new();
        for verification in [None, Some(VerificationState::Triage)] {
            for situation in [None, Some(syria.clone())] {
                for place_queue in [false, true] {
                    filters.push(ReportFilter {
                        verification,
                        situation: situation.clone(),
                        place_queue,
                        before_id: Some(1_000),
                        ..ReportFilter::new(Tlp::Red)
                    });
                }
            }
        }
        for filter in &filters {
            let (sql, binds) = list_query(filter);
            let explain = format!("EXPLAIN QUERY PLAN {sql}");
            let mut query = sqlx::query(&explain);
            for value in &binds {
                query = query.bind(value);
            }
            let plan: Vec<String> = query
                .bind(1_000i64)
                .bind(100i64)
                .fetch_all(&store.pool)
                .await
                .unwrap()
                .iter()
                .map(|row| row.try_get::<String, _>("detail").unwrap())
                .collect();
            assert!(!plan.is_empty(), "no plan for {sql}");
            assert!(
                plan.iter().all(|step| !step.contains("TEMP B-TREE")),
                "{filter:?} sorts its matches: {plan:?}"
            );
        }
        store.close().await;
    }
}
