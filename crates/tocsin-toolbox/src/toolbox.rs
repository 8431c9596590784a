//! Loading and validating the toolbox and the lessons library.
//!
//! The data is parsed in two steps, as ripgrep does with its flags: first each `[[tool]]` or
//! `[[case]]` table is read on its own, so that a malformed record is reported with its id
//! instead of as a bare line number; then the records are checked together (unique ids,
//! references between files). Every problem found is reported at once.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use tocsin_domain::Stage;

use crate::error::{DataFile, Problem, ToolboxError};
use crate::lesson::Lesson;
use crate::tool::{Kind, Tool};

const EMBEDDED_TOOLS: &str = include_str!("../data/toolbox.toml");
const EMBEDDED_LESSONS: &str = include_str!("../data/lessons.toml");

/// The prevention toolbox and the lessons library, validated together.
///
/// Invariants, checked by [`Toolbox::from_toml`]: tool and case ids are unique and kebab-case;
/// every tool has a stage, a dimension, an actor, conditions, risks and a seed locator; every id
/// a case or a `conflicts_with` list mentions exists.
#[derive(Debug, Clone)]
pub struct Toolbox {
    tools_version: String,
    lessons_version: String,
    tools: Vec<Tool>,
    lessons: Vec<Lesson>,
    tool_index: BTreeMap<String, usize>,
}

/// The top level of both files: a version and a list of records kept as raw TOML until each
/// record can be read on its own.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ToolsDocument {
    version: String,
    #[serde(default)]
    tool: Vec<toml::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LessonsDocument {
    version: String,
    #[serde(default)]
    case: Vec<toml::Value>,
}

impl Toolbox {
    /// The toolbox and lessons shipped with Tocsin (`data/toolbox.toml`, `data/lessons.toml`).
    pub fn embedded() -> Result<Toolbox, ToolboxError> {
        Toolbox::from_toml(EMBEDDED_TOOLS, EMBEDDED_LESSONS)
    }

    /// Reads and validates a toolbox from the text of its two files.
    pub fn from_toml(tools_toml: &str, lessons_toml: &str) -> Result<Toolbox, ToolboxError> {
        let tools_document: ToolsDocument = toml::from_str(tools_toml)
            .map_err(|error| syntax(DataFile::Toolbox, tools_toml, &error))?;
        let lessons_document: LessonsDocument = toml::from_str(lessons_toml)
            .map_err(|error| syntax(DataFile::Lessons, lessons_toml, &error))?;

        let mut problems = Vec::new();
        let tools: Vec<Tool> = read_records(DataFile::Toolbox, tools_document.tool, &mut problems);
        let lessons: Vec<Lesson> =
            read_records(DataFile::Lessons, lessons_document.case, &mut problems);
        check_version(DataFile::Toolbox, &tools_document.version, &mut problems);
        check_version(DataFile::Lessons, &lessons_document.version, &mut problems);

        let tool_index = check_tools(&tools, &mut problems);
        check_lessons(&lessons, &tool_index, &mut problems);

        if !problems.is_empty() {
            return Err(ToolboxError::Invalid(problems));
        }
        Ok(Toolbox {
            tools_version: tools_document.version,
            lessons_version: lessons_document.version,
            tools,
            lessons,
            tool_index,
        })
    }

    /// The `version` of the toolbox data.
    pub fn tools_version(&self) -> &str {
        &self.tools_version
    }

    /// The `version` of the lessons data.
    pub fn lessons_version(&self) -> &str {
        &self.lessons_version
    }

    /// All tools, in file order.
    pub fn tools(&self) -> &[Tool] {
        &self.tools
    }

    /// All cases, in file order.
    pub fn lessons(&self) -> &[Lesson] {
        &self.lessons
    }

    pub fn tool(&self, id: &str) -> Option<&Tool> {
        self.tool_index.get(id).map(|&index| &self.tools[index])
    }

    /// Like [`Toolbox::tool`], for callers that treat an unknown id as an error.
    pub fn require_tool(&self, id: &str) -> Result<&Tool, ToolboxError> {
        self.tool(id)
            .ok_or_else(|| ToolboxError::UnknownTool(id.to_owned()))
    }

    pub fn lesson(&self, id: &str) -> Option<&Lesson> {
        self.lessons.iter().find(|lesson| lesson.id == id)
    }

    /// Whether two tools work against each other. Symmetric: the data need only list the pair
    /// on one side.
    pub fn conflict(&self, a: &str, b: &str) -> bool {
        let listed = |from: &str, to: &str| {
            self.tool(from)
                .is_some_and(|tool| tool.lists_conflict_with(to))
        };
        listed(a, b) || listed(b, a)
    }
}

fn syntax(file: DataFile, text: &str, error: &toml::de::Error) -> ToolboxError {
    // toml's own Display spans several lines with a source excerpt; "line N: message" reads
    // better inside a CLI error chain.
    let message = match error.span() {
        Some(span) => {
            let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
            format!("line {line}: {}", error.message())
        }
        None => error.message().to_owned(),
    };
    ToolboxError::Syntax { file, message }
}

/// Reads each raw record on its own, so a failure can name the record it belongs to.
fn read_records<T: for<'de> Deserialize<'de>>(
    file: DataFile,
    raw: Vec<toml::Value>,
    problems: &mut Vec<Problem>,
) -> Vec<T> {
    let mut records = Vec::with_capacity(raw.len());
    for (position, value) in raw.into_iter().enumerate() {
        let id = record_label(&value, position);
        match value.try_into::<T>() {
            Ok(record) => records.push(record),
            Err(error) => problems.push(problem(file, &id, error.message().trim())),
        }
    }
    records
}

/// The record's id if it has a readable one, else its position from 1 (`#3`).
fn record_label(value: &toml::Value, position: usize) -> String {
    value
        .get("id")
        .and_then(toml::Value::as_str)
        .filter(|id| !id.trim().is_empty())
        .map_or_else(|| format!("#{}", position + 1), str::to_owned)
}

fn problem(file: DataFile, id: &str, message: impl Into<String>) -> Problem {
    Problem {
        file,
        id: id.to_owned(),
        message: message.into(),
    }
}

fn check_version(file: DataFile, version: &str, problems: &mut Vec<Problem>) {
    if version.trim().is_empty() {
        problems.push(problem(file, "version", "the file's `version` is empty"));
    }
}

/// Lower-case letters and digits in words joined by single hyphens: ids end up in URLs and
/// command lines, so they must need no quoting.
fn is_kebab_case(id: &str) -> bool {
    !id.is_empty()
        && id.split('-').all(|word| {
            !word.is_empty()
                && word
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

fn check_id(
    file: DataFile,
    id: &str,
    seen: &mut BTreeSet<String>,
    problems: &mut Vec<Problem>,
) -> bool {
    if !is_kebab_case(id) {
        problems.push(problem(
            file,
            id,
            "the id must be kebab-case: lower-case letters and digits joined by single hyphens",
        ));
    }
    let fresh = seen.insert(id.to_owned());
    if !fresh {
        problems.push(problem(file, id, "the id is used by more than one record"));
    }
    fresh
}

fn check_text(file: DataFile, id: &str, field: &str, value: &str, problems: &mut Vec<Problem>) {
    if value.trim().is_empty() {
        problems.push(problem(file, id, format!("`{field}` is empty")));
    }
}

fn check_list<T: Ord>(
    file: DataFile,
    id: &str,
    field: &str,
    values: &[T],
    problems: &mut Vec<Problem>,
) {
    if values.is_empty() {
        problems.push(problem(
            file,
            id,
            format!("`{field}` needs at least one entry"),
        ));
    }
    let distinct: BTreeSet<&T> = values.iter().collect();
    if distinct.len() != values.len() {
        problems.push(problem(file, id, format!("`{field}` lists an entry twice")));
    }
}

fn check_tools(tools: &[Tool], problems: &mut Vec<Problem>) -> BTreeMap<String, usize> {
    let file = DataFile::Toolbox;
    let mut seen = BTreeSet::new();
    let mut index = BTreeMap::new();
    for (position, tool) in tools.iter().enumerate() {
        let id = tool.id.as_str();
        if check_id(file, id, &mut seen, problems) {
            index.insert(tool.id.clone(), position);
        }
        check_text(file, id, "name", &tool.name, problems);
        check_text(file, id, "summary", &tool.summary, problems);
        check_text(file, id, "seed", &tool.seed, problems);
        check_list(file, id, "stages", &tool.stages, problems);
        check_list(file, id, "dimensions", &tool.dimensions, problems);
        check_list(file, id, "actors", &tool.actors, problems);
        check_list(file, id, "conditions", &tool.conditions, problems);
        check_list(file, id, "risks", &tool.risks, problems);
        check_kind_and_stages(tool, problems);
    }
    // Conflict targets are checked once every id is known, so forward references are fine.
    for tool in tools {
        for other in &tool.conflicts_with {
            if other == &tool.id {
                problems.push(problem(
                    file,
                    &tool.id,
                    "`conflicts_with` lists the tool itself",
                ));
            } else if !index.contains_key(other) {
                problems.push(problem(
                    file,
                    &tool.id,
                    format!("`conflicts_with` names unknown tool {other:?}"),
                ));
            }
        }
    }
    index
}

/// A tool's kind must fit at least one of its stages, and a Figure 3 tool must sit in exactly
/// one cell of the figure, so the figure can be rebuilt from the data.
fn check_kind_and_stages(tool: &Tool, problems: &mut Vec<Problem>) {
    let file = DataFile::Toolbox;
    if !tool.stages.is_empty() && !tool.stages.iter().any(|&stage| tool.kind.suits(stage)) {
        let wanted = match tool.kind {
            Kind::Systemic => "a systemic tool must include stage 1",
            Kind::Targeted => "a targeted tool must include stage 2 or 3",
        };
        problems.push(problem(file, &tool.id, wanted));
    }
    if tool.figure3 {
        let one_cell = tool.kind == Kind::Targeted
            && tool.dimensions.len() == 1
            && matches!(
                tool.stages.as_slice(),
                [Stage::CrisisAndMobilisation] | [Stage::ImminentEmergency]
            );
        if !one_cell {
            problems.push(problem(
                file,
                &tool.id,
                "a figure3 tool must be targeted, with exactly one stage (2 or 3) and one dimension",
            ));
        }
    }
}

fn check_lessons(
    lessons: &[Lesson],
    tool_index: &BTreeMap<String, usize>,
    problems: &mut Vec<Problem>,
) {
    let file = DataFile::Lessons;
    let mut seen = BTreeSet::new();
    for lesson in lessons {
        let id = lesson.id.as_str();
        check_id(file, id, &mut seen, problems);
        for (field, value) in [
            ("title", &lesson.title),
            ("country", &lesson.country),
            ("years", &lesson.years),
            ("timing", &lesson.timing),
            ("outcome", &lesson.outcome),
            ("lesson", &lesson.lesson),
        ] {
            check_text(file, id, field, value, problems);
        }
        check_list(file, id, "tools", &lesson.tools, problems);
        check_list(file, id, "dimensions", &lesson.dimensions, problems);
        check_list(file, id, "sources", &lesson.sources, problems);
        for (field, ids) in [("tools", &lesson.tools), ("withheld", &lesson.withheld)] {
            for tool_id in ids {
                if !tool_index.contains_key(tool_id) {
                    problems.push(problem(
                        file,
                        id,
                        format!("`{field}` names unknown tool {tool_id:?}"),
                    ));
                }
            }
        }
        for tool_id in &lesson.withheld {
            if lesson.applied(tool_id) {
                problems.push(problem(
                    file,
                    id,
                    format!("tool {tool_id:?} is listed as both applied and withheld"),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_data_is_valid() {
        let toolbox = Toolbox::embedded().unwrap_or_else(|error| panic!("{error}"));
        assert!(
            toolbox.tools().len() >= 28,
            "at least the 28 tools of Figure 3"
        );
        assert!(
            toolbox.lessons().len() >= 11,
            "at least the cases issue 7 names"
        );
        assert!(!toolbox.tools_version().is_empty());
    }

    #[test]
    fn kebab_case_ids_are_told_apart_from_others() {
        assert!(is_kebab_case("icc-referral"));
        assert!(is_kebab_case("kenya-2013"));
        assert!(!is_kebab_case("ICC-referral"));
        assert!(!is_kebab_case("icc--referral"));
        assert!(!is_kebab_case("-icc"));
        assert!(!is_kebab_case("icc_referral"));
        assert!(!is_kebab_case(""));
    }

    #[test]
    fn conflicts_are_symmetric_even_when_listed_on_one_side() {
        let toolbox = Toolbox::embedded().unwrap();
        // Only icc-referral's record lists mediation; the relation still holds both ways.
        assert!(toolbox.conflict("icc-referral", "mediation-and-negotiation"));
        assert!(toolbox.conflict("mediation-and-negotiation", "icc-referral"));
        assert!(!toolbox.conflict("radio-jamming", "peace-operations"));
        assert!(!toolbox.conflict("no-such-tool", "icc-referral"));
    }

    #[test]
    fn a_record_without_an_id_is_named_by_its_position() {
        let tools = "version = \"1\"\n[[tool]]\nname = \"nameless\"\n";
        let error = Toolbox::from_toml(tools, "version = \"1\"\n").unwrap_err();
        assert_eq!(error.problems()[0].id, "#1");
        assert!(error.to_string().contains("missing field `id`"), "{error}");
    }

    #[test]
    fn a_syntax_error_names_the_file() {
        let error = Toolbox::from_toml("version = \"1\"\n", "version = [").unwrap_err();
        assert!(matches!(
            error,
            ToolboxError::Syntax {
                file: DataFile::Lessons,
                ..
            }
        ));
        assert!(error.to_string().starts_with("lessons data"), "{error}");
        let error = Toolbox::from_toml("version = \"1\"\n\n[[tool]\n", "").unwrap_err();
        assert!(error.to_string().contains("line 3"), "{error}");
    }
}
