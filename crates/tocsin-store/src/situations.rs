//! Situations: the countries and areas Tocsin watches.

use sqlx::{Any, Row, Transaction};
use tocsin_domain::{Situation, SituationId};

use crate::param::{self, Param};
use crate::{Store, StoreError};

/// A situation with what is known of it so far.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SituationRow {
    #[serde(flatten)]
    pub situation: Situation,
    /// Latest year of structural data held for it, if any.
    pub latest_data_year: Option<i64>,
}

/// Inserts a situation that is not yet known (`$1` to `$5`: [`situation_params`]); one
/// already held keeps its stored name.
pub(crate) const ENSURE_SITUATION: &str =
    "INSERT INTO situations (id, name, iso3, gw_code, parent_id) VALUES ($1, $2, $3, $4, $5) \
     ON CONFLICT (id) DO NOTHING";

/// The values of [`ENSURE_SITUATION`] for `situation`.
pub(crate) fn situation_params(situation: &Situation) -> [Param<'_>; 5] {
    [
        Param::Text(Some(situation.id.as_str())),
        Param::Text(Some(&situation.name)),
        Param::Text(situation.iso3.as_deref()),
        Param::Int(situation.gw_code.map(i64::from)),
        Param::Text(situation.parent.as_ref().map(SituationId::as_str)),
    ]
}

/// Inserts situations that are not yet known; existing ones keep their stored name.
pub(crate) async fn ensure(
    tx: &mut Transaction<'_, Any>,
    situations: &[&Situation],
) -> Result<(), StoreError> {
    for situation in situations {
        param::bind(sqlx::query(ENSURE_SITUATION), situation_params(situation))
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// The country of `situation`, and the area itself (named after its slug) when it is one:
/// what must exist before a report can refer to it.
pub(crate) fn country_situations(situation: &SituationId) -> Result<Vec<Situation>, StoreError> {
    let country_id = situation.country();
    let country = tocsin_domain::Countries::embedded()
        .all()
        .iter()
        .find(|c| c.situation_id() == country_id)
        .map(Situation::from_country)
        .ok_or_else(|| StoreError::NotFound {
            what: format!("country {country_id}"),
        })?;
    let mut wanted = vec![country.clone()];
    if situation != &country_id {
        let slug = situation
            .as_str()
            .split_once('/')
            .map_or("", |(_, slug)| slug);
        wanted.push(
            Situation::area(&country, slug, slug)
                .map_err(|error| StoreError::Corrupt(error.to_string()))?,
        );
    }
    Ok(wanted)
}

/// Makes sure the country of `situation` (and the area itself, named after its slug) exists,
/// so that reports can refer to it.
pub(crate) async fn ensure_country(
    tx: &mut Transaction<'_, Any>,
    situation: &SituationId,
) -> Result<(), StoreError> {
    let wanted = country_situations(situation)?;
    ensure(tx, &wanted.iter().collect::<Vec<_>>()).await
}

impl Store {
    /// All situations, by name.
    pub async fn list_situations(&self) -> Result<Vec<SituationRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT s.id, s.name, s.iso3, s.gw_code, s.parent_id, \
                    (SELECT MAX(c.year) FROM country_years c WHERE c.situation_id = s.id) AS latest \
             FROM situations s ORDER BY s.name, s.id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let id: String = row.try_get("id")?;
                let parent: Option<String> = row.try_get("parent_id")?;
                let gw_code: Option<i64> = row.try_get("gw_code")?;
                let corrupt = |what: String| StoreError::Corrupt(what);
                Ok(SituationRow {
                    situation: Situation {
                        id: SituationId::parse(&id)
                            .map_err(|e| corrupt(format!("situation {id}: {e}")))?,
                        name: row.try_get("name")?,
                        iso3: row.try_get("iso3")?,
                        gw_code: gw_code
                            .map(u16::try_from)
                            .transpose()
                            .map_err(|e| corrupt(format!("situation {id}: GW code {e}")))?,
                        parent: parent
                            .map(|p| SituationId::parse(&p))
                            .transpose()
                            .map_err(|e| corrupt(format!("situation {id}: parent {e}")))?,
                    },
                    latest_data_year: row.try_get("latest")?,
                })
            })
            .collect()
    }
}
