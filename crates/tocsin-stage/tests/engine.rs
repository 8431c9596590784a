//! The engine on constructed situations.

use proptest::prelude::*;
use time::macros::date;
use time::{Date, Duration};
use tocsin_domain::{
    Catalogue, Confidence, Credibility, FactorStatus, Reliability, Stage, Trend, TriggerKind,
    VerificationState,
};
use tocsin_stage::{
    DriverKind, Engine, Input, Judgment, Observation, Origin, Params, Structural, Trigger,
};

const TODAY: Date = date!(2026 - 11 - 21);

fn engine() -> Engine<'static> {
    Engine::new(Params::embedded(), Catalogue::embedded())
}

fn report(
    id: i64,
    indicator: &str,
    days_ago: i64,
    reliability: Reliability,
    credibility: Credibility,
    verification: VerificationState,
) -> Observation {
    Observation {
        origin: Origin::Report { id },
        indicator: indicator.to_string(),
        at: TODAY - Duration::days(days_ago),
        reliability,
        credibility,
        verification,
        corroborations: 0,
        magnitude: 1.0,
    }
}

fn verified(id: i64, indicator: &str, days_ago: i64) -> Observation {
    report(
        id,
        indicator,
        days_ago,
        Reliability::B,
        Credibility::ProbablyTrue,
        VerificationState::Verified,
    )
}

fn assess(
    observations: &[Observation],
    previous: Option<Stage>,
    at: Date,
) -> tocsin_stage::Assessment {
    engine().assess(
        &Input {
            observations,
            previous,
            ..Input::default()
        },
        at,
    )
}

#[test]
fn a_rise_in_graded_stage_2_indicators_moves_the_stage_up() {
    // Militias set up (7.5), reported once by a usually reliable source: noted, not enough.
    let mut seen = vec![verified(1, "7.5", 10)];
    let before = assess(&seen, None, TODAY);
    assert!(
        before.stage < Some(Stage::CrisisAndMobilisation),
        "{:?}",
        before.explanation
    );

    // Then hate propaganda (7.14) and weapons handed out (7.4), each reported and verified.
    seen.push(verified(2, "7.14", 5));
    seen.push(verified(3, "7.4", 3));
    seen.push(verified(4, "7.5", 2));
    let after = assess(&seen, before.stage, TODAY);
    assert_eq!(
        after.stage,
        Some(Stage::CrisisAndMobilisation),
        "{:?}",
        after.explanation
    );
    assert!(after.score > before.score);
    // The explanation names the evidence behind it.
    let lines: Vec<&str> = after
        .drivers
        .iter()
        .map(|driver| driver.line.as_str())
        .collect();
    for code in ["7.5", "7.14", "7.4"] {
        assert!(lines.contains(&code), "{lines:?}");
    }
    let militias = after
        .drivers
        .iter()
        .find(|driver| driver.line == "7.5")
        .unwrap();
    assert_eq!(militias.items.len(), 2);
    assert!(
        after.explanation[0].contains("moved from"),
        "{:?}",
        after.explanation
    );
}

#[test]
fn one_unverified_report_from_an_unreliable_source_does_not_move_the_stage() {
    let lone = report(
        9,
        "10.2",
        1,
        Reliability::E,
        Credibility::Improbable,
        VerificationState::Unverified,
    );
    let assessment = assess(std::slice::from_ref(&lone), None, TODAY);
    assert_eq!(assessment.stage, None, "{:?}", assessment.explanation);
    // It is still listed, with the little it weighs.
    assert_eq!(assessment.drivers.len(), 1);
    assert!(!assessment.drivers[0].counts_as_line);

    // Nor does it lift a situation already at stage 2 into stage 3.
    let mut seen = vec![
        verified(1, "7.5", 5),
        verified(2, "7.14", 5),
        verified(3, "7.4", 5),
        verified(4, "7.14", 1),
    ];
    let at_2 = assess(&seen, None, TODAY);
    assert_eq!(at_2.stage, Some(Stage::CrisisAndMobilisation));
    seen.push(lone);
    let still = assess(&seen, at_2.stage, TODAY);
    assert_eq!(still.stage, Some(Stage::CrisisAndMobilisation));

    // Five such reports of the same kind do not either: breadth needs separate lines.
    let many: Vec<Observation> = (0..5)
        .map(|id| {
            report(
                id,
                "10.2",
                1,
                Reliability::A,
                Credibility::Confirmed,
                VerificationState::Verified,
            )
        })
        .collect();
    assert!(assess(&many, None, TODAY).stage < Some(Stage::ImminentEmergency));
}

#[test]
fn evidence_ageing_out_brings_the_stage_down_only_after_the_hysteresis_margin() {
    let seen = vec![
        verified(1, "7.5", 0),
        verified(2, "7.14", 0),
        verified(3, "7.4", 0),
        verified(4, "7.5", 0),
    ];
    let entered = assess(&seen, None, TODAY);
    assert_eq!(entered.stage, Some(Stage::CrisisAndMobilisation));

    // Walk forward a week at a time with no new evidence, carrying the stage.
    let mut previous = entered.stage;
    let mut left_on = None;
    let mut fresh_below_on = None;
    for week in 1..60 {
        let at = TODAY + Duration::weeks(week);
        let carried = assess(&seen, previous, at);
        let fresh = assess(&seen, None, at);
        if fresh_below_on.is_none() && fresh.stage < Some(Stage::CrisisAndMobilisation) {
            fresh_below_on = Some(at);
        }
        if carried.stage < Some(Stage::CrisisAndMobilisation) {
            left_on = Some(at);
            let reading = &carried.stages[1];
            assert!(reading.weight < 0.6 * reading.threshold, "{reading:?}");
            break;
        }
        if fresh.stage < Some(Stage::CrisisAndMobilisation) {
            assert!(
                carried.held,
                "kept at stage 2 by hysteresis: {:?}",
                carried.explanation
            );
        }
        previous = carried.stage;
    }
    let (left_on, fresh_below_on) = (
        left_on.expect("stage 2 is left in the end"),
        fresh_below_on.unwrap(),
    );
    // The stage is kept for a while after the evidence dips below the entry threshold.
    assert!(
        left_on > fresh_below_on + Duration::weeks(2),
        "left {left_on}, below entry {fresh_below_on}"
    );
}

#[test]
fn judgments_structural_risk_and_triggers_each_play_their_part() {
    let engine = engine();
    let judged = |factor, status, confidence| Judgment {
        factor,
        status,
        trend: Trend::Rising,
        confidence,
        reports: vec![3],
        actor: "ana".into(),
        at: TODAY - Duration::days(3),
    };
    // Factor 7 (preparatory action) and 8 (triggers) judged present with high confidence speak
    // to stage 2; factor 1 judged absent speaks to nothing.
    let judgments = [
        judged(7, FactorStatus::Present, Confidence::High),
        judged(8, FactorStatus::Present, Confidence::High),
        judged(1, FactorStatus::Absent, Confidence::High),
    ];
    let assessment = engine.assess(
        &Input {
            judgments: &judgments,
            ..Input::default()
        },
        TODAY,
    );
    assert_eq!(
        assessment.stage,
        Some(Stage::CrisisAndMobilisation),
        "{:?}",
        assessment.explanation
    );
    assert_eq!(
        assessment
            .drivers
            .iter()
            .filter(|driver| driver.kind == DriverKind::Judgment)
            .count(),
        2
    );
    // A judgment made after the date of assessment is not known then.
    let before = engine.assess(
        &Input {
            judgments: &judgments,
            ..Input::default()
        },
        TODAY - Duration::days(10),
    );
    assert_eq!(before.stage, None);

    // Elevated structural risk alone places stage 1.
    let structural = Structural {
        probability: 0.08,
        rank: Some(5),
        year: 2024,
        model: "ewp-enet".into(),
    };
    let assessment = engine.assess(
        &Input {
            structural: Some(&structural),
            ..Input::default()
        },
        TODAY,
    );
    assert_eq!(assessment.stage, Some(Stage::RiskFactors));
    let low = Structural {
        probability: 0.005,
        ..structural.clone()
    };
    assert_eq!(
        engine
            .assess(
                &Input {
                    structural: Some(&low),
                    ..Input::default()
                },
                TODAY
            )
            .stage,
        None
    );

    // An election drawing near raises the score, more as it comes closer, but is no stage on
    // its own; past triggers are not upcoming.
    let election = |days: i64| Trigger {
        name: "presidential election".into(),
        kind: TriggerKind::Election,
        date: TODAY + Duration::days(days),
    };
    let far = [election(80)];
    let near = [election(5)];
    let past = [election(-5)];
    let with = |triggers: &[Trigger]| {
        engine.assess(
            &Input {
                structural: Some(&structural),
                triggers,
                ..Input::default()
            },
            TODAY,
        )
    };
    let (far, near, past) = (with(&far), with(&near), with(&past));
    assert!(
        near.score > far.score && far.score > past.score,
        "{} {} {}",
        near.score,
        far.score,
        past.score
    );
    assert_eq!(near.stage, Some(Stage::RiskFactors));
    assert_eq!(near.upcoming.len(), 1);
    assert!(past.upcoming.is_empty());
}

#[test]
fn unknown_codes_and_future_items_are_set_aside() {
    let seen = [verified(1, "99.9", 1), verified(2, "7.5", -3)];
    let assessment = assess(&seen, None, TODAY);
    assert_eq!(assessment.unknown_indicators, vec!["99.9".to_string()]);
    assert!(assessment.drivers.is_empty());
    assert_eq!(assessment.score, 0.0);
}

fn observation_strategy() -> impl Strategy<Value = Observation> {
    let codes = [
        "1.1", "1.10", "7.5", "7.14", "8.1", "10.2", "11.1", "13.4", "99.1",
    ];
    (
        0..codes.len(),
        0i64..400,
        0usize..6,
        0usize..6,
        0usize..6,
        0u32..6,
        0.0f64..5.0,
    )
        .prop_map(
            move |(code, days, r, c, v, corroborations, magnitude)| Observation {
                origin: Origin::Report { id: days },
                indicator: codes[code].to_string(),
                at: TODAY - Duration::days(days),
                reliability: Reliability::ALL[r],
                credibility: Credibility::ALL[c],
                verification: VerificationState::ALL[v],
                corroborations,
                magnitude,
            },
        )
}

proptest! {
    #[test]
    fn the_score_is_bounded_and_more_evidence_never_lowers_it(
        seen in proptest::collection::vec(observation_strategy(), 0..30),
        extra in observation_strategy(),
        previous in proptest::option::of(0usize..3),
    ) {
        let previous = previous.map(|index| Stage::ALL[index]);
        let base = assess(&seen, previous, TODAY);
        prop_assert!((0.0..=3.0).contains(&base.score));
        let mut more = seen.clone();
        more.push(extra);
        let with_more = assess(&more, previous, TODAY);
        prop_assert!(with_more.score >= base.score - 1e-9);
        prop_assert!(with_more.stage >= base.stage);
        // Same input, same answer.
        prop_assert_eq!(assess(&seen, previous, TODAY), base);
    }
}
