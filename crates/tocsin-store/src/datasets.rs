//! Structural datasets (country-year tables such as the Early Warning Project's predictors).
//!
//! An import replaces the dataset as a whole inside one transaction: importing the same file
//! twice leaves the same rows, and a failed import leaves the previous edition untouched.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::json;
use sqlx::Row;
use time::OffsetDateTime;
use tocsin_domain::audit::AuditEvent;
use tocsin_domain::{CountryYear, Situation};

use crate::{audit, situations, timestamp_text, values_placeholders, Store, StoreError};

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ImportOutcome {
    pub dataset: String,
    pub rows: u64,
    pub countries: u64,
    /// Rows of the previous edition that this import replaced.
    pub replaced_rows: u64,
    /// Whether the file was byte-identical to the edition already held.
    pub same_as_before: bool,
    pub audit_seq: i64,
}

/// Counts that describe a stored dataset.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StructuralSummary {
    pub rows: u64,
    pub countries: u64,
    pub first_year: Option<i64>,
    pub last_year: Option<i64>,
}

/// One edition of a country-year dataset, ready to replace the stored one.
#[derive(Debug, Clone, Copy)]
pub struct CountryYearImport<'a> {
    /// Dataset name, e.g. `ewp`.
    pub dataset: &'a str,
    /// File it was read from, as the user named it.
    pub file_name: &'a str,
    /// SHA-256 of the file's bytes.
    pub sha256: &'a str,
    /// Situations the rows refer to (created if not yet known).
    pub situations: &'a [Situation],
    pub rows: &'a [CountryYear],
}

/// Rows per multi-row INSERT: 5 values each stays far below both engines' parameter limits.
const INSERT_CHUNK: usize = 1_000;

impl Store {
    /// Replaces `dataset` with `rows` (situations are created as needed), recording the import
    /// in the audit log in the same transaction.
    pub async fn replace_country_years(
        &self,
        import: CountryYearImport<'_>,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<ImportOutcome, StoreError> {
        let CountryYearImport {
            dataset,
            file_name,
            sha256,
            situations,
            rows,
        } = import;
        let mut tx = self.pool.begin().await?;
        let previous = sqlx::query("SELECT sha256, row_count FROM datasets WHERE name = $1")
            .bind(dataset)
            .fetch_optional(&mut *tx)
            .await?;
        let previous: Option<(String, i64)> = previous
            .map(|row| Ok::<_, sqlx::Error>((row.try_get("sha256")?, row.try_get("row_count")?)))
            .transpose()?;

        situations::ensure(&mut tx, &situations.iter().collect::<Vec<_>>()).await?;
        let replaced = sqlx::query("DELETE FROM country_years WHERE dataset = $1")
            .bind(dataset)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        sqlx::query(
            "INSERT INTO datasets (name, file_name, sha256, row_count, imported_at, imported_by) \
             VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (name) DO UPDATE SET file_name = excluded.file_name, sha256 = excluded.sha256, \
             row_count = excluded.row_count, imported_at = excluded.imported_at, imported_by = excluded.imported_by",
        )
        .bind(dataset)
        .bind(file_name)
        .bind(sha256)
        .bind(rows.len() as i64)
        .bind(timestamp_text(now))
        .bind(actor)
        .execute(&mut *tx)
        .await?;

        for chunk in rows.chunks(INSERT_CHUNK) {
            let sql = format!(
                "INSERT INTO country_years (dataset, situation_id, year, name_in_source, value_json) VALUES {}",
                values_placeholders(self.backend, chunk.len(), 5)
            );
            let mut query = sqlx::query(&sql);
            for row in chunk {
                let values = serde_json::to_string(&row.values).map_err(|e| {
                    StoreError::Corrupt(format!("values of {} {}: {e}", row.situation, row.year))
                })?;
                query = query
                    .bind(dataset)
                    .bind(row.situation.as_str())
                    .bind(i64::from(row.year))
                    .bind(&row.name_in_source)
                    .bind(values);
            }
            query.execute(&mut *tx).await?;
        }

        let countries: BTreeSet<&str> = rows.iter().map(|r| r.situation.as_str()).collect();
        let entry = audit::append(
            &mut tx,
            AuditEvent {
                actor: actor.to_string(),
                action: "dataset.import".to_string(),
                entity: format!("dataset:{dataset}"),
                before: previous
                    .as_ref()
                    .map(|(sha, count)| json!({ "sha256": sha, "rows": count }).to_string()),
                after: Some(
                    json!({ "file": file_name, "sha256": sha256, "rows": rows.len() }).to_string(),
                ),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(ImportOutcome {
            dataset: dataset.to_string(),
            rows: rows.len() as u64,
            countries: countries.len() as u64,
            replaced_rows: replaced,
            same_as_before: previous.is_some_and(|(sha, _)| sha == sha256),
            audit_seq: entry.seq,
        })
    }

    /// Row, country and year counts of a stored dataset.
    pub async fn country_year_summary(
        &self,
        dataset: &str,
    ) -> Result<StructuralSummary, StoreError> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n, COUNT(DISTINCT situation_id) AS countries, MIN(year) AS first, MAX(year) AS last \
             FROM country_years WHERE dataset = $1",
        )
        .bind(dataset)
        .fetch_one(&self.pool)
        .await?;
        Ok(StructuralSummary {
            rows: row.try_get::<i64, _>("n")? as u64,
            countries: row.try_get::<i64, _>("countries")? as u64,
            first_year: row.try_get("first")?,
            last_year: row.try_get("last")?,
        })
    }

    /// Every stored row of a dataset, ordered by situation and year.
    pub async fn country_years(&self, dataset: &str) -> Result<Vec<CountryYear>, StoreError> {
        let rows = sqlx::query(
            "SELECT situation_id, year, name_in_source, value_json FROM country_years \
             WHERE dataset = $1 ORDER BY situation_id, year",
        )
        .bind(dataset)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let id: String = row.try_get("situation_id")?;
                let year: i64 = row.try_get("year")?;
                let text: String = row.try_get("value_json")?;
                let values: BTreeMap<String, Option<f64>> = serde_json::from_str(&text)
                    .map_err(|e| StoreError::Corrupt(format!("values of {id} {year}: {e}")))?;
                Ok(CountryYear {
                    situation: tocsin_domain::SituationId::parse(&id)
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    year: i32::try_from(year).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    name_in_source: row.try_get("name_in_source")?,
                    values,
                })
            })
            .collect()
    }
}
