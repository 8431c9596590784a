//! Looking things up: tools by stage and dimension, lessons by tool, stage, dimension and text.
//!
//! Results keep file order, which groups tools as the toolbox file does (Figure 3 first, then
//! other targeted tools, then systemic strategies), so listings read like the seed's figure.

use tocsin_domain::{Dimension, Stage};

use crate::error::ToolboxError;
use crate::lesson::Lesson;
use crate::tool::Tool;
use crate::toolbox::Toolbox;

/// Which tools to list. An empty filter lists them all.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ToolFilter {
    pub stage: Option<Stage>,
    pub dimension: Option<Dimension>,
}

impl ToolFilter {
    pub fn matches(&self, tool: &Tool) -> bool {
        self.stage.is_none_or(|stage| tool.applies_at(stage))
            && self
                .dimension
                .is_none_or(|dimension| tool.acts_on(dimension))
    }
}

/// Which lessons to find. Every field that is set must match; an empty query finds them all.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LessonQuery<'a> {
    /// The case applied or withheld this tool.
    pub tool: Option<&'a str>,
    /// The case was at this stage when the tools were applied.
    pub stage: Option<Stage>,
    /// The case speaks to this side of the crime triangle.
    pub dimension: Option<Dimension>,
    /// Every word appears in the title, country or lesson text, ignoring case and accents.
    pub text: Option<&'a str>,
}

impl LessonQuery<'_> {
    pub fn matches(&self, lesson: &Lesson) -> bool {
        self.tool.is_none_or(|tool_id| lesson.involves(tool_id))
            && self.stage.is_none_or(|stage| lesson.stage == stage)
            && self
                .dimension
                .is_none_or(|dimension| lesson.dimensions.contains(&dimension))
            && self.text.is_none_or(|text| text_matches(lesson, text))
    }
}

impl Toolbox {
    /// The tools that pass the filter, in file order.
    pub fn list(&self, filter: ToolFilter) -> Vec<&Tool> {
        self.tools()
            .iter()
            .filter(|tool| filter.matches(tool))
            .collect()
    }

    /// The cases in which the tool was applied or withheld. An unknown id is an error rather
    /// than an empty list, so a typo is not mistaken for "no precedent".
    pub fn lessons_for(&self, tool_id: &str) -> Result<Vec<&Lesson>, ToolboxError> {
        self.require_tool(tool_id)?;
        Ok(self.search_lessons(&LessonQuery {
            tool: Some(tool_id),
            ..LessonQuery::default()
        }))
    }

    /// The cases matching the query, in file order.
    pub fn search_lessons(&self, query: &LessonQuery<'_>) -> Vec<&Lesson> {
        self.lessons()
            .iter()
            .filter(|lesson| query.matches(lesson))
            .collect()
    }
}

fn text_matches(lesson: &Lesson, text: &str) -> bool {
    let haystack = fold(&format!(
        "{} {} {}",
        lesson.title, lesson.country, lesson.lesson
    ));
    fold(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .all(|word| haystack.contains(word))
}

/// Lower-cases and strips the accents common in the place names of the library, so that
/// "cote d'ivoire" finds "Côte d'Ivoire" and "seleka" finds "Séléka". A full Unicode
/// normalisation crate would be overkill for a few dozen case records.
fn fold(text: &str) -> String {
    text.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
            'ç' => 'c',
            'è' | 'é' | 'ê' | 'ë' => 'e',
            'ì' | 'í' | 'î' | 'ï' => 'i',
            'ñ' => 'n',
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' => 'o',
            'ù' | 'ú' | 'û' | 'ü' => 'u',
            'ý' | 'ÿ' => 'y',
            '’' | '‘' => '\'',
            other => other,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_ignores_case_and_accents() {
        assert_eq!(fold("Côte d’Ivoire"), "cote d'ivoire");
        assert_eq!(fold("SÉLÉKA"), "seleka");
    }

    #[test]
    fn text_search_needs_every_word() {
        let toolbox = Toolbox::embedded().unwrap();
        let found = |text| {
            toolbox
                .search_lessons(&LessonQuery {
                    text: Some(text),
                    ..LessonQuery::default()
                })
                .into_iter()
                .map(|lesson| lesson.id.as_str())
                .collect::<Vec<_>>()
        };
        assert!(found("cote d'ivoire").contains(&"cote-divoire-2010-2011"));
        assert_eq!(found("Kenya Annan"), ["kenya-2007-2008"]);
        // Words need not be adjacent: Burundi and Syria are compared with Kenya in their lessons.
        assert!(found("mediation kenya").len() > 1);
        assert!(found("kenya zanzibar").is_empty());
    }

    #[test]
    fn filters_combine_stage_and_dimension() {
        let toolbox = Toolbox::embedded().unwrap();
        let filter = ToolFilter {
            stage: Some(Stage::CrisisAndMobilisation),
            dimension: Some(Dimension::Victim),
        };
        let listed = toolbox.list(filter);
        assert!(listed.iter().any(|tool| tool.id == "preventive-deployment"));
        assert!(listed
            .iter()
            .all(|tool| tool.applies_at(Stage::CrisisAndMobilisation)
                && tool.acts_on(Dimension::Victim)));
        assert_eq!(
            toolbox.list(ToolFilter::default()).len(),
            toolbox.tools().len()
        );
    }

    #[test]
    fn lessons_for_an_unknown_tool_is_an_error() {
        let toolbox = Toolbox::embedded().unwrap();
        assert_eq!(
            toolbox.lessons_for("radio-jam").unwrap_err(),
            ToolboxError::UnknownTool("radio-jam".into())
        );
        // Withheld tools count: radio jamming was never used in Rwanda, and that is the lesson.
        let jamming = toolbox.lessons_for("radio-jamming").unwrap();
        assert!(jamming.iter().any(|lesson| lesson.id == "rwanda-1994"));
    }
}
