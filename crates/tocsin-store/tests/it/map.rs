//! The map's grid cells, on both backends.

use time::macros::datetime;
use tocsin_domain::{Role, SituationId, Tlp, VerificationState};
use tocsin_store::{Grade, MapQuery};

use super::{sms_report, vault, Db};

async fn the_map_gathers_visible_reports_into_cells(db: Db) {
    let store = db.open().await;
    let vault = vault();
    let now = datetime!(2026-11-21 12:00 UTC);
    let mut ids = Vec::new();
    // Three near Juba, one at Malakal, one in Khartoum (another situation), one marked RED,
    // one marked false.
    for (n, (lat, lon, situation)) in [
        (4.85, 31.58, "SSD"),
        (4.86, 31.60, "SSD"),
        (4.80, 31.55, "SSD"),
        (9.53, 31.66, "SSD"),
        (15.50, 32.56, "SDN"),
        (4.84, 31.57, "SSD"),
        (4.83, 31.56, "SSD"),
    ]
    .into_iter()
    .enumerate()
    {
        let mut report = sms_report(&format!("+2119000000{n}"), &format!("report {n}"));
        report.place.point = Some((lat, lon));
        report.place.situation = Some(SituationId::parse(situation).unwrap());
        ids.push(
            store
                .accept(&vault, None, report, now)
                .await
                .unwrap()
                .report_id,
        );
    }
    store
        .grade_report(
            ids[5],
            Grade {
                credibility: None,
                tlp: Some(Tlp::Red),
            },
            "amina",
            now,
        )
        .await
        .unwrap();
    store
        .transition_report(
            ids[6],
            VerificationState::False,
            Role::Analyst,
            "amina",
            now,
        )
        .await
        .unwrap();

    let mut query = MapQuery {
        clearance: Tlp::AmberStrict,
        situation: Some(SituationId::parse("SSD").unwrap()),
        bbox: [24.0, 3.0, 36.0, 12.0],
        cell_degrees: 1.0,
    };
    let mut cells = store.map_cells(&query).await.unwrap();
    cells.sort_by_key(|cell| cell.count);
    assert_eq!(cells.len(), 2, "{cells:?}");
    assert_eq!((cells[0].count, cells[0].report), (1, Some(ids[3])));
    assert!((cells[0].latitude - 9.53).abs() < 1e-9);
    assert_eq!((cells[1].count, cells[1].report), (3, None));
    assert!((cells[1].latitude - (4.85 + 4.86 + 4.80) / 3.0).abs() < 1e-9);
    assert!((cells[1].longitude - (31.58 + 31.60 + 31.55) / 3.0).abs() < 1e-9);

    // Smaller cells split Juba's three; a RED reader sees the RED report too.
    query.cell_degrees = 0.01;
    query.clearance = Tlp::Red;
    let cells = store.map_cells(&query).await.unwrap();
    assert_eq!(cells.iter().map(|c| c.count).sum::<i64>(), 5);
    assert!(cells.iter().any(|c| c.report == Some(ids[5])));

    // The world, without a situation, includes Khartoum; a box across the antimeridian
    // around the Pacific holds nothing.
    query.situation = None;
    query.bbox = [-180.0, -90.0, 180.0, 90.0];
    query.cell_degrees = 45.0;
    let cells = store.map_cells(&query).await.unwrap();
    assert_eq!(cells.iter().map(|c| c.count).sum::<i64>(), 6);
    query.bbox = [170.0, -90.0, -170.0, 90.0];
    assert!(store.map_cells(&query).await.unwrap().is_empty());
    query.bbox = [30.0, -90.0, -170.0, 90.0];
    assert_eq!(
        store
            .map_cells(&query)
            .await
            .unwrap()
            .iter()
            .map(|c| c.count)
            .sum::<i64>(),
        6
    );
}

contract!(the_map_gathers_visible_reports_into_cells);
