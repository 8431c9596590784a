//! `tocsin toolbox`, `tocsin lessons`, `tocsin recommend` and `tocsin responses`: the
//! prevention toolbox, the lessons library, recommendations for a situation, and the measures
//! taken for it. Checking and deciding happen in `tocsin_app::prevention`; this module prints.

use std::fmt::Write as _;

use serde::Serialize;
use tocsin_app::prevention::{
    self, Basis, BoardView, MeasureChange, MeasureInput, MeasureView, Origin, Overrides,
    Recommendations,
};
use tocsin_domain::audit::AuditEntry;
use tocsin_toolbox::{Lesson, Phase, Tool};

use crate::cli::{BasisArgs, LessonsArgs, RecommendArgs, ResponsesCommand, ToolboxCommand};
use crate::config::Settings;
use crate::output::emit;
use crate::Outcome;

#[derive(Serialize)]
struct ToolList {
    version: &'static str,
    tools: Vec<&'static Tool>,
}

#[derive(Serialize)]
struct ToolShown {
    tool: &'static Tool,
    lessons: Vec<&'static Lesson>,
}

#[derive(Serialize)]
struct LessonList {
    version: &'static str,
    lessons: Vec<&'static Lesson>,
}

pub fn tools(command: ToolboxCommand, json: bool) -> anyhow::Result<Outcome> {
    match command {
        ToolboxCommand::List {
            stage,
            dimension,
            actor,
        } => {
            let tools =
                prevention::list_tools(stage.as_deref(), dimension.as_deref(), actor.as_deref())?;
            let list = ToolList {
                version: prevention::toolbox().tools_version(),
                tools,
            };
            emit(json, &list, |list| {
                let mut text = format!(
                    "{:<40} {:<9} {:<6} {:<24} {:<7} name\n",
                    "id", "kind", "stages", "dimensions", "lead"
                );
                for tool in &list.tools {
                    let _ = writeln!(
                        text,
                        "{:<40} {:<9} {:<6} {:<24} {:<7} {}",
                        tool.id,
                        tool.kind.as_str(),
                        stages(tool),
                        dimensions(tool),
                        tool.lead_time.as_str(),
                        tool.name
                    );
                }
                let _ = write!(
                    text,
                    "{} tool(s), toolbox {}",
                    list.tools.len(),
                    list.version
                );
                text
            })?;
        }
        ToolboxCommand::Show { tool } => {
            let tool = prevention::require_tool(&tool)?;
            let lessons = prevention::find_lessons(Some(&tool.id), None, None, None)?;
            let shown = ToolShown { tool, lessons };
            emit(json, &shown, |shown| show_tool(shown.tool, &shown.lessons))?;
        }
    }
    Ok(Outcome::Success)
}

fn stages(tool: &Tool) -> String {
    tool.stages
        .iter()
        .map(|s| s.number().to_string())
        .collect::<Vec<_>>()
        .join(",")
}

fn dimensions(tool: &Tool) -> String {
    tool.dimensions
        .iter()
        .map(|d| d.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

fn bullets(text: &mut String, heading: &str, items: &[String]) {
    if items.is_empty() {
        return;
    }
    let _ = writeln!(text, "{heading}:");
    for item in items {
        let _ = writeln!(text, "  - {item}");
    }
}

fn show_tool(tool: &Tool, lessons: &[&Lesson]) -> String {
    let mut text = String::new();
    let _ = writeln!(text, "{} ({})", tool.name, tool.id);
    let _ = writeln!(text, "{}", tool.summary);
    let _ = writeln!(
        text,
        "kind: {}; stages: {}; dimensions: {}; lead time: {}",
        tool.kind,
        stages(tool),
        dimensions(tool),
        tool.lead_time
    );
    let actors: Vec<&str> = tool.actors.iter().map(|a| a.as_str()).collect();
    let _ = writeln!(text, "actors: {}", actors.join(", "));
    let _ = writeln!(text, "source: {}", tool.seed);
    bullets(&mut text, "works when", &tool.conditions);
    bullets(&mut text, "risks", &tool.risks);
    if !tool.conflicts_with.is_empty() {
        let _ = writeln!(text, "works against: {}", tool.conflicts_with.join(", "));
    }
    let cases: Vec<String> = lessons
        .iter()
        .map(|lesson| {
            let how = if lesson.applied(&tool.id) {
                "applied"
            } else {
                "withheld"
            };
            format!(
                "{} ({how}, {}): {}",
                lesson.id, lesson.verdict, lesson.title
            )
        })
        .collect();
    bullets(&mut text, "cases", &cases);
    text.trim_end().to_string()
}

pub fn lessons(args: LessonsArgs, json: bool) -> anyhow::Result<Outcome> {
    let lessons = prevention::find_lessons(
        args.tool.as_deref(),
        args.stage.as_deref(),
        args.dimension.as_deref(),
        args.text.as_deref(),
    )?;
    let list = LessonList {
        version: prevention::toolbox().lessons_version(),
        lessons,
    };
    emit(json, &list, |list| {
        let mut text = String::new();
        for lesson in &list.lessons {
            let _ = writeln!(
                text,
                "{} — {} ({}, {}; stage {}, {})",
                lesson.id,
                lesson.title,
                lesson.country,
                lesson.years,
                lesson.stage.number(),
                lesson.verdict
            );
            let _ = writeln!(text, "  tools: {}", lesson.tools.join(", "));
            if !lesson.withheld.is_empty() {
                let _ = writeln!(text, "  withheld: {}", lesson.withheld.join(", "));
            }
            let _ = writeln!(text, "  lesson: {}\n", lesson.lesson);
        }
        let _ = write!(
            text,
            "{} case(s), lessons library {}",
            list.lessons.len(),
            list.version
        );
        text
    })?;
    Ok(Outcome::Success)
}

fn overrides(args: &BasisArgs) -> anyhow::Result<Overrides> {
    Ok(Overrides {
        stage: args
            .stage
            .as_deref()
            .map(prevention::parse_stage)
            .transpose()?,
        dimensions: args
            .dimensions
            .iter()
            .map(|d| prevention::parse_dimension(d))
            .collect::<Result<_, _>>()?,
    })
}

fn origin(origin: Origin) -> &'static str {
    match origin {
        Origin::Override => "given",
        Origin::Assessment => "as last assessed",
        Origin::Indicators => "from coded indicators",
        Origin::None => "none singled out",
    }
}

fn basis_text(basis: &Basis) -> String {
    let mut text = format!(
        "{}: {} — {}\n",
        basis.situation,
        basis.stage,
        origin(basis.stage_origin)
    );
    let stressed: Vec<String> = basis
        .stress
        .stressed()
        .into_iter()
        .map(|d| format!("{d} {:.2}", basis.stress.weight(d)))
        .collect();
    let _ = writeln!(
        text,
        "stressed: {} — {}",
        if stressed.is_empty() {
            "none".to_string()
        } else {
            stressed.join(", ")
        },
        origin(basis.stress_origin)
    );
    let _ = writeln!(text, "{}", basis.explanation);
    if !basis.evidence.unknown_codes.is_empty() {
        let _ = writeln!(
            text,
            "note: coded indicators not in the catalogue were left out: {}",
            basis.evidence.unknown_codes.join(", ")
        );
    }
    text
}

pub async fn recommend(
    settings: &Settings,
    args: RecommendArgs,
    json: bool,
) -> anyhow::Result<Outcome> {
    let overrides = overrides(&args.basis)?;
    let catalogue = super::load_catalogue(settings)?;
    let store = super::open_store(settings).await?;
    let result = prevention::recommend(
        &store,
        &catalogue,
        &args.situation,
        &overrides,
        super::now(),
    )
    .await;
    store.close().await;
    let mut result: Recommendations = result?;
    if let Some(limit) = args.limit {
        result.recommendations.truncate(limit);
    }
    emit(json, &result, |result| {
        let mut text = basis_text(&result.basis);
        let limit = args.limit.unwrap_or(10);
        for (rank, r) in result.recommendations.iter().take(limit).enumerate() {
            let _ = writeln!(
                text,
                "\n{}. {} ({}) — score {:.2}",
                rank + 1,
                r.tool.name,
                r.tool.id,
                r.score
            );
            let _ = writeln!(text, "   why: {}", r.reason);
            for caveat in &r.caveats {
                let _ = writeln!(text, "   caveat: {caveat}");
            }
            for lesson in &r.lessons {
                let how = if lesson.applied {
                    "applied"
                } else {
                    "withheld"
                };
                let _ = writeln!(
                    text,
                    "   case: {} — {} (stage {}, {how}, {})",
                    lesson.id,
                    lesson.title,
                    lesson.stage.number(),
                    lesson.verdict
                );
            }
        }
        let shown = limit.min(result.recommendations.len());
        let _ = write!(
            text,
            "\n{shown} of {} tool(s) shown (--limit N for more, --json for all)",
            result.recommendations.len()
        );
        text
    })?;
    Ok(Outcome::Success)
}

#[derive(Serialize)]
struct MeasureList {
    situation: String,
    responses: Vec<MeasureView>,
}

#[derive(Serialize)]
struct History {
    response: i64,
    entries: Vec<AuditEntry>,
}

fn measure_line(m: &MeasureView) -> String {
    let f = &m.record.fields;
    let end = f
        .end_on
        .map_or_else(|| "open".to_string(), |d| d.to_string());
    format!(
        "{:<5} {:<10} {:<10} {:<10} {:<28} {:<24} {}",
        m.record.id,
        f.status,
        f.start_on,
        end,
        truncate(&format!("{} ({})", f.actor, f.organisation), 28),
        truncate(&f.tool_id, 24),
        f.outcome.as_deref().unwrap_or("")
    )
}

fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_string()
    } else {
        let cut: String = text.chars().take(width - 1).collect();
        format!("{cut}…")
    }
}

const MEASURE_HEADER: &str = "id    status     start      end        who                          tool                     outcome";

pub async fn responses(
    settings: &Settings,
    command: ResponsesCommand,
    json: bool,
) -> anyhow::Result<Outcome> {
    let store = super::open_store(settings).await?;
    let result = run_responses(settings, &store, command, json).await;
    store.close().await;
    result
}

async fn run_responses(
    settings: &Settings,
    store: &tocsin_store::Store,
    command: ResponsesCommand,
    json: bool,
) -> anyhow::Result<Outcome> {
    match command {
        ResponsesCommand::Add {
            situation,
            actor,
            organisation,
            tool,
            start,
            planned,
            end,
            status,
            outcome,
            notes,
        } => {
            let input = MeasureInput {
                actor,
                organisation,
                tool,
                planned,
                start,
                end,
                status,
                outcome,
                notes,
            };
            let added = prevention::add_response(
                store,
                &situation,
                &input,
                &super::cli_actor(),
                super::now(),
            )
            .await?;
            emit(json, &added, |m| {
                format!(
                    "recorded measure {} for {}: {} by {} ({}), {}",
                    m.record.id,
                    m.record.situation,
                    m.tool_name,
                    m.record.fields.actor,
                    m.record.fields.organisation,
                    m.record.fields.status
                )
            })?;
        }
        ResponsesCommand::List { situation } => {
            let responses = prevention::list_responses(store, &situation).await?;
            let list = MeasureList {
                situation: prevention::parse_situation(&situation)?.to_string(),
                responses,
            };
            emit(json, &list, |list| {
                if list.responses.is_empty() {
                    return format!("no measure recorded for {}", list.situation);
                }
                let mut text = format!("{MEASURE_HEADER}\n");
                for m in &list.responses {
                    let _ = writeln!(text, "{}", measure_line(m));
                }
                text.trim_end().to_string()
            })?;
        }
        ResponsesCommand::Update {
            id,
            revision,
            actor,
            organisation,
            tool,
            planned,
            start,
            end,
            status,
            outcome,
            notes,
        } => {
            let change = MeasureChange {
                revision,
                actor,
                organisation,
                tool,
                planned,
                start,
                end,
                status,
                outcome,
                notes,
            };
            let updated =
                prevention::update_response(store, id, &change, &super::cli_actor(), super::now())
                    .await?;
            emit(json, &updated, |m| {
                format!(
                    "updated measure {} (revision {}):\n{MEASURE_HEADER}\n{}",
                    m.record.id,
                    m.record.revision,
                    measure_line(m)
                )
            })?;
        }
        ResponsesCommand::History { id } => {
            let entries = store
                .response_history(id)
                .await
                .map_err(|error| match error {
                    tocsin_store::StoreError::NotFound { .. } => anyhow::anyhow!(
                        "no measure with id {id}; `tocsin responses list SITUATION` shows the ids"
                    ),
                    other => other.into(),
                })?;
            let history = History {
                response: id,
                entries,
            };
            emit(json, &history, |h| {
                let mut text = String::new();
                for entry in &h.entries {
                    let _ = writeln!(
                        text,
                        "#{} {} {} {}\n  after: {}",
                        entry.seq,
                        entry.at,
                        entry.event.actor,
                        entry.event.action,
                        entry.event.after.as_deref().unwrap_or("")
                    );
                }
                text.trim_end().to_string()
            })?;
        }
        ResponsesCommand::Board { situation, basis } => {
            let overrides = overrides(&basis)?;
            let catalogue = super::load_catalogue(settings)?;
            let view =
                prevention::board(store, &catalogue, &situation, &overrides, super::now()).await?;
            emit(json, &view, board_text)?;
        }
    }
    Ok(Outcome::Success)
}

fn phase(phase: Phase) -> &'static str {
    match phase {
        Phase::Upcoming => "upcoming",
        Phase::Running => "running",
        Phase::Lapsed => "LAPSED",
        Phase::Closed => "closed",
    }
}

fn board_text(view: &BoardView) -> String {
    let board = &view.board;
    let mut text = basis_text(&view.basis);
    let _ = writeln!(text, "as of {}", board.as_of);
    for lane in &board.lanes {
        let state = if lane.covered {
            "covered"
        } else if lane.stress > 0.0 {
            "GAP"
        } else {
            "not stressed"
        };
        let _ = writeln!(
            text,
            "\n{} (stress {:.2}) — {state}",
            lane.dimension, lane.stress
        );
        if lane.entries.is_empty() {
            let _ = writeln!(text, "  no measure");
        }
        for entry in &lane.entries {
            let m = &entry.measure;
            let end = m.end.map_or_else(|| "open".to_string(), |d| d.to_string());
            let _ = writeln!(
                text,
                "  [{}] {} ({}): {} — {} to {}, {} ({})",
                m.id,
                m.actor,
                m.organisation,
                entry.tool_name,
                m.start,
                end,
                m.status,
                phase(entry.phase)
            );
        }
    }
    if board.gaps.is_empty() {
        let _ = writeln!(text, "\ngaps: none");
    } else {
        let _ = writeln!(text, "\ngaps:");
        for gap in &board.gaps {
            let _ = writeln!(
                text,
                "  - {}; consider {}",
                gap.message,
                gap.suggestions.join(", ")
            );
        }
    }
    if board.clashes.is_empty() {
        let _ = writeln!(text, "clashes: none");
    } else {
        let _ = writeln!(text, "clashes:");
        for clash in &board.clashes {
            let _ = writeln!(text, "  - {}", clash.message);
        }
    }
    if !board.unknown_tools.is_empty() {
        let _ = writeln!(
            text,
            "measures naming a tool the toolbox does not hold: {}",
            board.unknown_tools.join(", ")
        );
    }
    text.trim_end().to_string()
}
