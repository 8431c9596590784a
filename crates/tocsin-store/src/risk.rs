//! Stored structural risk assessments (forecasts of the statistical model), newest last.

use serde_json::json;
use sqlx::Row;
use time::OffsetDateTime;
use tocsin_domain::audit::AuditEvent;

use crate::{audit, timestamp_text, Store, StoreError};

/// What identifies a forecast: model, version, data, time.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RiskAssessmentMeta {
    pub id: i64,
    pub model: String,
    pub model_version: String,
    pub data_file: String,
    pub data_sha256: String,
    pub data_year: i64,
    pub created_at: String,
    pub created_by: String,
}

impl Store {
    /// Stores a forecast (as JSON) and records it in the audit log.
    pub async fn store_risk_assessment(
        &self,
        meta: &RiskAssessmentMeta,
        forecast_json: &str,
        now: OffsetDateTime,
    ) -> Result<i64, StoreError> {
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(
            "INSERT INTO risk_assessments (model, model_version, data_file, data_sha256, data_year, created_at, \
             created_by, forecast_json) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(&meta.model)
        .bind(&meta.model_version)
        .bind(&meta.data_file)
        .bind(&meta.data_sha256)
        .bind(meta.data_year)
        .bind(timestamp_text(now))
        .bind(&meta.created_by)
        .bind(forecast_json)
        .fetch_one(&mut *tx)
        .await?;
        let id: i64 = row.try_get("id")?;
        audit::append(
            &mut tx,
            AuditEvent {
                actor: meta.created_by.clone(),
                action: "risk.assess".to_string(),
                entity: format!("risk_assessment:{id}"),
                before: None,
                after: Some(
                    json!({ "model": meta.model, "model_version": meta.model_version,
                            "data_sha256": meta.data_sha256, "data_year": meta.data_year })
                    .to_string(),
                ),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The newest stored forecast, if any: its identity and its JSON.
    pub async fn latest_risk_assessment(
        &self,
    ) -> Result<Option<(RiskAssessmentMeta, String)>, StoreError> {
        let row = sqlx::query(
            "SELECT id, model, model_version, data_file, data_sha256, data_year, created_at, created_by, forecast_json \
             FROM risk_assessments ORDER BY id DESC LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok((
                RiskAssessmentMeta {
                    id: row.try_get("id")?,
                    model: row.try_get("model")?,
                    model_version: row.try_get("model_version")?,
                    data_file: row.try_get("data_file")?,
                    data_sha256: row.try_get("data_sha256")?,
                    data_year: row.try_get("data_year")?,
                    created_at: row.try_get("created_at")?,
                    created_by: row.try_get("created_by")?,
                },
                row.try_get("forecast_json")?,
            ))
        })
        .transpose()
    }
}

impl Store {
    /// Every stored forecast, oldest first: its identity and its JSON. Briefs draw a country's
    /// risk over the years from them.
    pub async fn risk_assessments(&self) -> Result<Vec<(RiskAssessmentMeta, String)>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, model, model_version, data_file, data_sha256, data_year, created_at, created_by, forecast_json \
             FROM risk_assessments ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok((
                    RiskAssessmentMeta {
                        id: row.try_get("id")?,
                        model: row.try_get("model")?,
                        model_version: row.try_get("model_version")?,
                        data_file: row.try_get("data_file")?,
                        data_sha256: row.try_get("data_sha256")?,
                        data_year: row.try_get("data_year")?,
                        created_at: row.try_get("created_at")?,
                        created_by: row.try_get("created_by")?,
                    },
                    row.try_get("forecast_json")?,
                ))
            })
            .collect()
    }
}
