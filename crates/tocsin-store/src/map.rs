//! The map's data: reports with a point, gathered into grid cells on the server.
//!
//! A map of 100,000 incidents cannot send 100,000 points to a browser on a slow link, so the
//! database groups them: each visible report falls in a square cell of `cell_degrees`, and one
//! row per occupied cell comes back with its count and mean position. The grid is written by
//! hand rather than taken from a clustering crate (such as supercluster's ports) because those
//! build an index in memory over every point: it would have to be rebuilt on every new report,
//! held once per TLP clearance, and kept in step with the database. A `GROUP BY` over a
//! covering index (`reports_map`) keeps the database the only copy, applies the reader's
//! clearance in the same query, and answers 100,000 reports in tens of milliseconds.

use serde::Serialize;
use sqlx::Row;
use tocsin_domain::{SituationId, Tlp};

use crate::reports::allowed_markings;
use crate::{Backend, Store, StoreError};

/// What part of the map to gather, for whom.
#[derive(Debug, Clone, PartialEq)]
pub struct MapQuery {
    pub clearance: Tlp,
    pub situation: Option<SituationId>,
    /// West, south, east, north in degrees; west > east crosses the antimeridian.
    pub bbox: [f64; 4],
    /// Side of a grid cell in degrees (at least 1e-6).
    pub cell_degrees: f64,
}

/// One occupied grid cell.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MapCell {
    pub count: i64,
    /// Mean position of the cell's reports.
    pub latitude: f64,
    pub longitude: f64,
    /// The report, when the cell holds exactly one.
    pub report: Option<i64>,
}

impl Store {
    /// Reports with a point inside `query.bbox`, gathered into grid cells. Reports marked
    /// false or duplicate are left out, and so is anything above the reader's clearance.
    pub async fn map_cells(&self, query: &MapQuery) -> Result<Vec<MapCell>, StoreError> {
        // SQLite's CAST truncates, PostgreSQL's rounds: each engine gets the floor its own way
        // (the shifted coordinates are never negative, so truncating is flooring).
        let cell = |column: &str, shift: f64| match self.backend {
            Backend::Sqlite => format!("CAST(({column} + {shift:.1}) / $1 AS INTEGER)"),
            Backend::Postgres => format!("CAST(FLOOR(({column} + {shift:.1}) / $1) AS BIGINT)"),
        };
        let [west, south, east, north] = query.bbox;
        let cell_degrees = query.cell_degrees.max(1e-6);
        let longitudes = if west <= east {
            "r.longitude >= $2 AND r.longitude <= $3"
        } else {
            "(r.longitude >= $2 OR r.longitude <= $3)"
        };
        let situation = if query.situation.is_some() {
            "AND r.situation_id = $6"
        } else {
            ""
        };
        // One integer key per cell (column times 2^28 plus row: a cell is at least 1e-6
        // degrees, so rows stay below 2^28) groups faster than two keys.
        let sql = format!(
            "SELECT {gx} * 268435456 + {gy} AS cell, COUNT(*) AS n, AVG(r.latitude) AS lat, \
             AVG(r.longitude) AS lon, MIN(r.id) AS first_id \
             FROM reports r \
             WHERE {longitudes} AND r.latitude >= $4 AND r.latitude <= $5 {situation} \
             AND r.tlp IN ({markings}) AND r.verification NOT IN ('false', 'duplicate') \
             GROUP BY cell",
            gx = cell("r.longitude", 180.0),
            gy = cell("r.latitude", 90.0),
            markings = allowed_markings(query.clearance),
        );
        let mut statement = sqlx::query(&sql)
            .bind(cell_degrees)
            .bind(west)
            .bind(east)
            .bind(south)
            .bind(north);
        if let Some(situation) = &query.situation {
            statement = statement.bind(situation.as_str());
        }
        let rows = statement.fetch_all(&self.pool).await?;
        rows.iter()
            .map(|row| {
                let count: i64 = row.try_get("n")?;
                Ok(MapCell {
                    count,
                    latitude: row.try_get("lat")?,
                    longitude: row.try_get("lon")?,
                    report: if count == 1 {
                        Some(row.try_get("first_id")?)
                    } else {
                        None
                    },
                })
            })
            .collect()
    }
}
