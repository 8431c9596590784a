//! Integration tests of the toolbox crate, through its public API only.

use time::macros::date;
use tocsin_toolbox::{
    ClashKind, DataFile, Dimension, Kind, LessonQuery, Measure, MeasureStatus, Stage, ToolFilter,
    Toolbox, ToolboxError,
};

fn toolbox() -> Toolbox {
    Toolbox::embedded().unwrap_or_else(|error| panic!("embedded data is invalid: {error}"))
}

// ---------------------------------------------------------------------------------------------
// (a) Seed 004, Figure 3: every tool present, at its stage and dimension
// ---------------------------------------------------------------------------------------------

/// Figure 3 of seed 004, cell by cell: (id, a word from the figure's wording, stage, dimension).
const FIGURE_3: [(&str, &str, Stage, Dimension); 28] = {
    use Dimension::{Perpetrator as P, Situation as S, Victim as V};
    use Stage::{CrisisAndMobilisation as CRISIS, ImminentEmergency as IMMINENT};
    [
        // Imminent emergency, perpetrators (incentives)
        ("targeted-sanctions", "sanctions", IMMINENT, P),
        (
            "threat-of-international-prosecution",
            "prosecution",
            IMMINENT,
            P,
        ),
        (
            "security-council-resolutions-naming-individuals",
            "naming",
            IMMINENT,
            P,
        ),
        (
            "breaking-diplomatic-or-economic-ties",
            "breaking",
            IMMINENT,
            P,
        ),
        // Imminent emergency, victims (vulnerability)
        ("opening-borders-to-refugees", "refugees", IMMINENT, V),
        ("no-fly-zones-or-safe-havens", "no-fly", IMMINENT, V),
        ("physical-protection-of-camps", "camps", IMMINENT, V),
        ("strengthening-victims-self-defence", "defend", IMMINENT, V),
        ("recognising-opposition-groups", "opposition", IMMINENT, V),
        ("supporting-exiles", "exiles", IMMINENT, V),
        // Imminent emergency, situation (permissiveness)
        ("mediation-and-negotiation", "mediation", IMMINENT, S),
        (
            "satellite-surveillance-and-intelligence-sharing",
            "satellite",
            IMMINENT,
            S,
        ),
        ("mobile-communications-technology", "mobile", IMMINENT, S),
        ("radio-jamming", "jamming", IMMINENT, S),
        ("un-broadcasts-alternative-views", "broadcasts", IMMINENT, S),
        ("emergency-summits", "summits", IMMINENT, S),
        ("peace-operations", "peace operations", IMMINENT, S),
        // Crisis and mobilisation, perpetrators
        ("statements-of-concern", "statements of concern", CRISIS, P),
        ("travel-advisories", "travel advisories", CRISIS, P),
        ("economic-incentives", "economic incentives", CRISIS, P),
        // Crisis and mobilisation, victims
        ("preventive-deployment", "preventive deployment", CRISIS, V),
        (
            "human-rights-monitoring-missions",
            "human rights monitoring",
            CRISIS,
            V,
        ),
        (
            "challenging-dangerous-speech",
            "dangerous speech",
            CRISIS,
            V,
        ),
        // Crisis and mobilisation, situation
        ("reducing-weapons-availability", "weapons", CRISIS, S),
        ("ambassador-recall", "ambassador recall", CRISIS, S),
        ("increased-ngo-scrutiny", "ngo scrutiny", CRISIS, S),
        (
            "visible-international-engagement",
            "visible international engagement",
            CRISIS,
            S,
        ),
        (
            "disseminating-norms-and-legal-obligations",
            "norms and legal obligations",
            CRISIS,
            S,
        ),
    ]
};

#[test]
fn every_figure_3_tool_is_present_at_its_stage_and_dimension() {
    let toolbox = toolbox();
    for (id, wording, stage, dimension) in FIGURE_3 {
        let tool = toolbox
            .tool(id)
            .unwrap_or_else(|| panic!("Figure 3 tool {id} is missing"));
        assert!(
            tool.name.to_lowercase().contains(wording),
            "{id}: name {:?} does not carry the figure's wording {wording:?}",
            tool.name
        );
        assert_eq!(tool.stages, [stage], "{id}: stage");
        assert_eq!(tool.dimensions, [dimension], "{id}: dimension");
        assert_eq!(tool.kind, Kind::Targeted, "{id}: kind");
        assert!(tool.figure3, "{id}: not marked figure3");
        assert!(
            tool.seed.contains("004, Figure 3"),
            "{id}: seed {:?}",
            tool.seed
        );
    }
    // And nothing else claims to be from the figure.
    let marked = toolbox.tools().iter().filter(|tool| tool.figure3).count();
    assert_eq!(marked, FIGURE_3.len());
}

#[test]
fn listing_by_stage_and_dimension_rebuilds_each_figure_3_cell() {
    let toolbox = toolbox();
    for (_, _, stage, dimension) in FIGURE_3 {
        let expected: Vec<&str> = FIGURE_3
            .iter()
            .filter(|(_, _, s, d)| *s == stage && *d == dimension)
            .map(|(id, ..)| *id)
            .collect();
        let listed: Vec<&str> = toolbox
            .list(ToolFilter {
                stage: Some(stage),
                dimension: Some(dimension),
            })
            .into_iter()
            .filter(|tool| tool.figure3)
            .map(|tool| tool.id.as_str())
            .collect();
        assert_eq!(listed, expected, "{stage}, {dimension}");
    }
}

#[test]
fn the_tools_and_cases_issue_7_names_are_present() {
    let toolbox = toolbox();
    for id in [
        "unarmed-civilian-protection",
        "inter-group-dialogue",
        "education-for-tolerance",
        "mobile-alerts-and-crisis-mapping",
        "national-focal-points",
        "prevention-networks-of-states",
    ] {
        assert!(toolbox.tool(id).is_some(), "tool {id} is missing");
    }
    for id in [
        "kenya-2007-2008",
        "kenya-2013",
        "macedonia-1995-unpredep",
        "rwanda-1994",
        "srebrenica-1995",
        "libya-2011",
        "cote-divoire-2010-2011",
        "burundi-2015",
        "south-sudan-2013",
        "drc-intervention-brigade-2013",
        "syria-2011",
    ] {
        assert!(toolbox.lesson(id).is_some(), "case {id} is missing");
    }
    // Every systemic strategy sits at stage 1, where seed 004 puts systemic prevention.
    for tool in toolbox
        .tools()
        .iter()
        .filter(|tool| tool.kind == Kind::Systemic)
    {
        assert!(tool.applies_at(Stage::RiskFactors), "{}", tool.id);
    }
}

// ---------------------------------------------------------------------------------------------
// (b) Recommendations at stage 3 with victims stressed
// ---------------------------------------------------------------------------------------------

#[test]
fn victims_stressed_at_stage_3_put_victim_protection_above_every_systemic_tool() {
    let toolbox = toolbox();
    let ranked = toolbox.recommend(
        Stage::ImminentEmergency,
        &[(Dimension::Victim, 5.0), (Dimension::Situation, 1.0)],
    );
    let position = |id: &str| {
        ranked
            .iter()
            .position(|r| r.tool.id == id)
            .unwrap_or_else(|| panic!("{id} not recommended"))
    };
    let systemic: Vec<usize> = ranked
        .iter()
        .enumerate()
        .filter(|(_, r)| r.tool.kind == Kind::Systemic)
        .map(|(i, _)| i)
        .collect();
    assert!(
        !systemic.is_empty(),
        "some systemic tools apply at stage 3, or the test is vacuous"
    );
    let first_systemic = systemic[0];

    let victim_protection: Vec<usize> = ranked
        .iter()
        .enumerate()
        .filter(|(_, r)| r.tool.kind == Kind::Targeted && r.tool.acts_on(Dimension::Victim))
        .map(|(i, _)| i)
        .collect();
    assert!(
        victim_protection.len() >= 6,
        "the six victim tools of Figure 3 at least"
    );
    for &i in &victim_protection {
        assert!(
            i < first_systemic,
            "{} ranks below a systemic tool",
            ranked[i].tool.id
        );
    }

    // The top of the list protects victims, and says why in terms of stage and dimension.
    let top = &ranked[0];
    assert!(
        top.tool.acts_on(Dimension::Victim),
        "top is {}",
        top.tool.id
    );
    assert_eq!(top.matched_dimension, Some(Dimension::Victim));
    assert!(
        top.reason.contains("stage 3 (imminent emergency)"),
        "{}",
        top.reason
    );
    assert!(top.reason.contains("victim side"), "{}", top.reason);

    // Core protection tools come with caveats and precedent.
    for id in [
        "no-fly-zones-or-safe-havens",
        "physical-protection-of-camps",
        "opening-borders-to-refugees",
    ] {
        let recommendation = &ranked[position(id)];
        assert!(!recommendation.caveats.is_empty(), "{id}: no caveats");
        assert!(!recommendation.lessons.is_empty(), "{id}: no lesson cited");
    }
    let havens = &ranked[position("no-fly-zones-or-safe-havens")];
    assert!(havens
        .lessons
        .iter()
        .any(|lesson| lesson.id == "srebrenica-1995"));
    assert!(
        havens
            .caveats
            .iter()
            .any(|caveat| caveat.contains("srebrenica-1995")),
        "the failed safe area should be a caveat: {:?}",
        havens.caveats
    );

    // Scores are ordered and within (0, 1].
    for pair in ranked.windows(2) {
        assert!(pair[0].score >= pair[1].score);
    }
    assert!(ranked.iter().all(|r| r.score > 0.0 && r.score <= 1.0));
}

#[test]
fn targeted_tools_outrank_systemic_ones_at_stages_2_and_3_whatever_is_stressed() {
    let toolbox = toolbox();
    for stage in [Stage::CrisisAndMobilisation, Stage::ImminentEmergency] {
        for dimension in Dimension::ALL {
            let ranked = toolbox.recommend(stage, &[(dimension, 1.0)]);
            let last_targeted = ranked.iter().rposition(|r| r.tool.kind == Kind::Targeted);
            let first_systemic = ranked.iter().position(|r| r.tool.kind == Kind::Systemic);
            if let (Some(t), Some(s)) = (last_targeted, first_systemic) {
                assert!(t < s, "{stage}, {dimension}");
            }
            assert!(ranked.iter().all(|r| r.tool.applies_at(stage)));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// (c) The coordination board
// ---------------------------------------------------------------------------------------------

fn measure(id: &str, organisation: &str, tool_id: &str, status: MeasureStatus) -> Measure {
    Measure {
        id: id.into(),
        situation: "Northland".into(),
        actor: format!("{organisation} desk"),
        organisation: organisation.into(),
        tool_id: tool_id.into(),
        start: date!(2025 - 03 - 01),
        end: None,
        status,
        outcome: None,
    }
}

#[test]
fn the_board_flags_a_stressed_dimension_no_one_is_acting_on() {
    let toolbox = toolbox();
    let today = date!(2025 - 04 - 15);
    let mut finished = measure(
        "m3",
        "UN",
        "physical-protection-of-camps",
        MeasureStatus::Completed,
    );
    finished.end = Some(date!(2025 - 03 - 31));
    let measures = [
        measure(
            "m1",
            "African Union",
            "mediation-and-negotiation",
            MeasureStatus::UnderWay,
        ),
        measure(
            "m2",
            "Amnesty",
            "increased-ngo-scrutiny",
            MeasureStatus::UnderWay,
        ),
        finished,
        // Another situation's measure must not cover this one's victims.
        Measure {
            situation: "Southland".into(),
            ..measure("m4", "UN", "preventive-deployment", MeasureStatus::UnderWay)
        },
    ];
    let board = toolbox.coordination_board(
        "northland",
        Stage::ImminentEmergency,
        &[(Dimension::Victim, 2.0), (Dimension::Situation, 1.0)],
        &measures,
        today,
    );

    // Victims are stressed and only a completed measure touched them: a gap.
    assert_eq!(board.gaps.len(), 1, "{:?}", board.gaps);
    let gap = &board.gaps[0];
    assert_eq!(gap.dimension, Dimension::Victim);
    assert!(gap.message.contains("victim"), "{}", gap.message);
    assert!(!gap.suggestions.is_empty());
    for id in &gap.suggestions {
        assert!(toolbox.tool(id).unwrap().acts_on(Dimension::Victim), "{id}");
    }

    // The situation side is stressed but has a measure under way: no gap, and its lane shows
    // who is doing what.
    assert!(board
        .gaps
        .iter()
        .all(|gap| gap.dimension != Dimension::Situation));
    let situation = board
        .lanes
        .iter()
        .find(|lane| lane.dimension == Dimension::Situation)
        .unwrap();
    assert!(situation.covered);
    let who: Vec<&str> = situation
        .entries
        .iter()
        .map(|entry| entry.measure.organisation.as_str())
        .collect();
    assert_eq!(who, ["African Union", "Amnesty"]);

    // The perpetrator side is not stressed, so its emptiness is not a gap.
    assert!(board
        .gaps
        .iter()
        .all(|gap| gap.dimension != Dimension::Perpetrator));
    assert!(board.unknown_tools.is_empty());
    assert!(board.clashes.is_empty(), "{:?}", board.clashes);
}

#[test]
fn a_planned_measure_closes_the_gap_but_a_lapsed_one_does_not() {
    let toolbox = toolbox();
    let today = date!(2025 - 04 - 15);
    let stressed = [(Dimension::Victim, 1.0)];

    let mut planned = measure(
        "p",
        "UN",
        "human-rights-monitoring-missions",
        MeasureStatus::Planned,
    );
    planned.start = date!(2025 - 05 - 01);
    let board = toolbox.coordination_board(
        "Northland",
        Stage::CrisisAndMobilisation,
        &stressed,
        &[planned],
        today,
    );
    assert!(board.gaps.is_empty());

    let mut lapsed = measure(
        "l",
        "UN",
        "human-rights-monitoring-missions",
        MeasureStatus::UnderWay,
    );
    lapsed.end = Some(date!(2025 - 04 - 01));
    let board = toolbox.coordination_board(
        "Northland",
        Stage::CrisisAndMobilisation,
        &stressed,
        &[lapsed],
        today,
    );
    assert_eq!(board.gaps.len(), 1);
    assert!(
        board.gaps[0].message.contains("ended or lapsed"),
        "{}",
        board.gaps[0].message
    );
}

#[test]
fn the_board_flags_an_icc_referral_clashing_with_an_exile_offer() {
    let toolbox = toolbox();
    let measures = [
        measure(
            "referral",
            "UN Security Council",
            "icc-referral",
            MeasureStatus::UnderWay,
        ),
        measure(
            "exile",
            "ECOWAS",
            "negotiated-departure",
            MeasureStatus::Planned,
        ),
        measure("unknown", "ECOWAS", "no-such-tool", MeasureStatus::Planned),
    ];
    let board = toolbox.coordination_board(
        "Northland",
        Stage::ImminentEmergency,
        &[(Dimension::Perpetrator, 1.0)],
        &measures,
        date!(2025 - 04 - 15),
    );
    assert_eq!(board.clashes.len(), 1, "{:?}", board.clashes);
    assert_eq!(board.clashes[0].kind, ClashKind::ConflictingTools);
    assert_eq!(
        board.clashes[0].measures,
        ["referral".to_owned(), "exile".to_owned()]
    );
    // A measure naming a tool the toolbox lacks is reported, not dropped.
    assert_eq!(board.unknown_tools, ["unknown"]);
}

// ---------------------------------------------------------------------------------------------
// (d) Validation errors name the offending record
// ---------------------------------------------------------------------------------------------

const GOOD_TOOL: &str = r#"
[[tool]]
id = "good-tool"
name = "Good tool"
summary = "Does good."
kind = "targeted"
stages = [2]
dimensions = ["victim"]
actors = ["ngos"]
lead_time = "days"
conditions = ["When it works"]
risks = ["When it backfires"]
seed = "004, Figure 3"
"#;

const GOOD_CASE: &str = r#"
[[case]]
id = "good-case"
title = "A case"
country = "Somewhere"
years = "2000"
stage = 2
tools = ["good-tool"]
timing = "Early"
outcome = "Calm"
verdict = "success"
lesson = "Act early"
dimensions = ["victim"]
sources = ["004, Mediation"]
"#;

fn tools_with(extra: &str) -> String {
    format!("version = \"t\"\n{GOOD_TOOL}\n{extra}")
}

fn lessons_with(extra: &str) -> String {
    format!("version = \"t\"\n{GOOD_CASE}\n{extra}")
}

/// Loads the given data, expects it to be rejected, and returns the error message.
fn rejected(tools: &str, lessons: &str) -> String {
    match Toolbox::from_toml(tools, lessons) {
        Ok(_) => panic!("broken data was accepted"),
        Err(error) => error.to_string(),
    }
}

#[test]
fn the_minimal_fixture_is_itself_valid() {
    let toolbox = Toolbox::from_toml(&tools_with(""), &lessons_with("")).unwrap();
    assert_eq!(toolbox.tools().len(), 1);
    assert_eq!(toolbox.lessons_for("good-tool").unwrap().len(), 1);
}

#[test]
fn a_duplicate_tool_id_is_named() {
    let message = rejected(&tools_with(GOOD_TOOL), &lessons_with(""));
    assert!(message.contains("\"good-tool\""), "{message}");
    assert!(message.contains("more than one record"), "{message}");
}

#[test]
fn an_unknown_field_is_named_with_its_record() {
    let broken = GOOD_TOOL
        .replace("good-tool", "typo-tool")
        .replace("lead_time", "leadtime");
    let message = rejected(&tools_with(&broken), &lessons_with(""));
    assert!(message.contains("tool \"typo-tool\""), "{message}");
    assert!(message.contains("leadtime"), "{message}");
}

#[test]
fn a_tool_without_stage_dimension_or_seed_is_named() {
    let broken = GOOD_TOOL
        .replace("good-tool", "vague-tool")
        .replace("stages = [2]", "stages = []")
        .replace("dimensions = [\"victim\"]", "dimensions = []")
        .replace("seed = \"004, Figure 3\"", "seed = \" \"");
    let error = Toolbox::from_toml(&tools_with(&broken), &lessons_with("")).unwrap_err();
    let problems = error.problems();
    assert_eq!(problems.len(), 3, "{error}");
    assert!(problems
        .iter()
        .all(|p| p.id == "vague-tool" && p.file == DataFile::Toolbox));
    let message = error.to_string();
    for field in ["`stages`", "`dimensions`", "`seed`"] {
        assert!(message.contains(field), "{field} missing from {message}");
    }
}

#[test]
fn a_stage_outside_1_to_3_is_named() {
    let broken = GOOD_TOOL
        .replace("good-tool", "stage-four")
        .replace("stages = [2]", "stages = [4]");
    let message = rejected(&tools_with(&broken), &lessons_with(""));
    assert!(message.contains("\"stage-four\""), "{message}");
    assert!(message.contains("stage"), "{message}");
}

#[test]
fn a_lesson_naming_an_unknown_tool_is_named() {
    let broken = GOOD_CASE
        .replace("good-case", "orphan-case")
        .replace("tools = [\"good-tool\"]", "tools = [\"ghost-tool\"]");
    let message = rejected(&tools_with(""), &lessons_with(&broken));
    assert!(
        message.contains("lessons case \"orphan-case\""),
        "{message}"
    );
    assert!(message.contains("ghost-tool"), "{message}");
}

#[test]
fn an_unknown_conflict_and_a_misplaced_figure_3_tool_are_named() {
    let broken = GOOD_TOOL.replace("good-tool", "odd-tool").replace(
        "seed = ",
        "conflicts_with = [\"nowhere\"]\nfigure3 = true\nstages_note = 1\nseed = ",
    );
    // The unknown key is caught first, per record; fix it and the cross-record checks run.
    let message = rejected(&tools_with(&broken), &lessons_with(""));
    assert!(
        message.contains("\"odd-tool\"") && message.contains("stages_note"),
        "{message}"
    );

    let broken = broken
        .replace("stages_note = 1\n", "")
        .replace("stages = [2]", "stages = [1, 2]");
    let message = rejected(&tools_with(&broken), &lessons_with(""));
    assert!(message.contains("\"odd-tool\""), "{message}");
    assert!(message.contains("unknown tool \"nowhere\""), "{message}");
    assert!(message.contains("figure3"), "{message}");
}

#[test]
fn a_toml_syntax_error_says_which_file() {
    let error = Toolbox::from_toml("version = ", &lessons_with("")).unwrap_err();
    assert!(
        matches!(
            error,
            ToolboxError::Syntax {
                file: DataFile::Toolbox,
                ..
            }
        ),
        "{error}"
    );
}

// ---------------------------------------------------------------------------------------------
// (e) Determinism and search
// ---------------------------------------------------------------------------------------------

#[test]
fn recommendations_do_not_depend_on_input_order_or_repetition() {
    let a = toolbox();
    let b = toolbox();
    let one = a.recommend(
        Stage::CrisisAndMobilisation,
        &[(Dimension::Perpetrator, 0.5), (Dimension::Victim, 1.0)],
    );
    let two = b.recommend(
        Stage::CrisisAndMobilisation,
        &[(Dimension::Victim, 1.0), (Dimension::Perpetrator, 0.5)],
    );
    let ids = |ranked: &[tocsin_toolbox::Recommendation<'_>]| {
        ranked
            .iter()
            .map(|r| (r.tool.id.clone(), r.score.to_bits(), r.reason.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&one), ids(&two));
    // Scaling every weight changes nothing: only proportions matter.
    let scaled = a.recommend(
        Stage::CrisisAndMobilisation,
        &[(Dimension::Perpetrator, 50.0), (Dimension::Victim, 100.0)],
    );
    assert_eq!(ids(&one), ids(&scaled));
}

#[test]
fn lessons_are_searchable_by_tool_stage_dimension_and_text() {
    let toolbox = toolbox();
    let mediation = toolbox.lessons_for("mediation-and-negotiation").unwrap();
    assert!(mediation
        .iter()
        .any(|lesson| lesson.id == "kenya-2007-2008"));
    assert!(mediation.iter().any(|lesson| lesson.id == "syria-2011"));

    let found = toolbox.search_lessons(&LessonQuery {
        tool: Some("preventive-deployment"),
        stage: Some(Stage::CrisisAndMobilisation),
        dimension: Some(Dimension::Victim),
        text: Some("macedonia"),
    });
    let ids: Vec<&str> = found.iter().map(|lesson| lesson.id.as_str()).collect();
    assert_eq!(ids, ["macedonia-1995-unpredep"]);

    let none = toolbox.search_lessons(&LessonQuery {
        tool: Some("preventive-deployment"),
        stage: Some(Stage::RiskFactors),
        ..LessonQuery::default()
    });
    assert!(none.is_empty());
}
