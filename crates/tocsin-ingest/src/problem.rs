//! Problems found in input, located precisely enough for a person to fix them.

use std::fmt;

use thiserror::Error;

/// One thing wrong with an input file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    /// 1-based line in the file.
    pub line: u64,
    /// 1-based column number and its header name, when the problem is in one field.
    pub column: Option<(usize, String)>,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.column {
            Some((number, name)) => write!(
                f,
                "line {}, column {number} ({name}): {}",
                self.line, self.message
            ),
            None => write!(f, "line {}: {}", self.line, self.message),
        }
    }
}

#[derive(Debug, Error)]
pub enum IngestError {
    /// The file was read but its content is not what it should be. Nothing from it is used.
    #[error("{file}: {}", summarise(.problems, *.total))]
    Malformed {
        file: String,
        /// The first problems found (capped, so a wholly wrong file gives a readable message).
        problems: Vec<Problem>,
        /// How many problems there were in all.
        total: usize,
    },
}

/// How many problems an error keeps to show.
pub(crate) const PROBLEMS_SHOWN: usize = 20;

/// One problem fits on the line; several are listed one per line, indented.
fn summarise(problems: &[Problem], total: usize) -> String {
    if let [only] = problems {
        if total == 1 {
            return only.to_string();
        }
    }
    let mut text = format!("{total} problems");
    for problem in problems {
        text.push_str("\n  ");
        text.push_str(&problem.to_string());
    }
    if total > problems.len() {
        text.push_str(&format!("\n  and {} more", total - problems.len()));
    }
    text
}

/// Collects problems, keeping the first few and counting the rest.
#[derive(Debug, Default)]
pub(crate) struct Problems {
    kept: Vec<Problem>,
    total: usize,
}

impl Problems {
    pub(crate) fn push(
        &mut self,
        line: u64,
        column: Option<(usize, &str)>,
        message: impl Into<String>,
    ) {
        self.total += 1;
        if self.kept.len() < PROBLEMS_SHOWN {
            self.kept.push(Problem {
                line,
                column: column.map(|(number, name)| (number, name.to_string())),
                message: message.into(),
            });
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.total == 0
    }

    pub(crate) fn into_error(self, file: &str) -> IngestError {
        IngestError::Malformed {
            file: file.to_string(),
            problems: self.kept,
            total: self.total,
        }
    }
}
