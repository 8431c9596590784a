//! Stored forecasts of the structural model, on both backends.

use tocsin_store::RiskAssessmentMeta;

use super::{Db, NOW};

fn meta(year: i64) -> RiskAssessmentMeta {
    RiskAssessmentMeta {
        id: 0,
        model: "ensemble".into(),
        model_version: "1".into(),
        data_file: "ewp.csv".into(),
        data_sha256: "ab".repeat(32),
        data_year: year,
        created_at: String::new(),
        created_by: "analyst".into(),
    }
}

async fn every_forecast_is_listed_oldest_first(db: Db) {
    let store = db.open().await;
    assert!(store.risk_assessments().await.unwrap().is_empty());
    for year in [2023, 2024, 2025] {
        let json = format!(r#"{{"entries":[{{"situation":"SDN","probability":0.{year}}}]}}"#);
        store
            .store_risk_assessment(&meta(year), &json, NOW)
            .await
            .unwrap();
    }
    let all = store.risk_assessments().await.unwrap();
    let years: Vec<i64> = all.iter().map(|(meta, _)| meta.data_year).collect();
    assert_eq!(years, [2023, 2024, 2025]);
    assert!(all[0].1.contains("0.2023"));
    let (latest, _) = store.latest_risk_assessment().await.unwrap().unwrap();
    assert_eq!(latest, all[2].0);
}

contract!(every_forecast_is_listed_oldest_first);
