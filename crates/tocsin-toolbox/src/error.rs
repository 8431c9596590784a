//! The toolbox's one error type.
//!
//! Every message names the file and, where there is one, the id of the record at fault, so that
//! whoever edits the data can go straight to the broken entry.

use std::fmt;

use thiserror::Error;

/// Which of the two data files a problem was found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataFile {
    /// `toolbox.toml`: the `[[tool]]` records.
    Toolbox,
    /// `lessons.toml`: the `[[case]]` records.
    Lessons,
}

impl DataFile {
    pub fn as_str(self) -> &'static str {
        match self {
            DataFile::Toolbox => "toolbox",
            DataFile::Lessons => "lessons",
        }
    }

    /// What one record of this file is called, as in the TOML table name.
    pub fn record(self) -> &'static str {
        match self {
            DataFile::Toolbox => "tool",
            DataFile::Lessons => "case",
        }
    }
}

impl fmt::Display for DataFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One thing wrong with one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: DataFile,
    /// The record's id, or `#N` (its position, from 1) when it has no readable id.
    pub id: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {:?}: {}",
            self.file,
            self.file.record(),
            self.id,
            self.message
        )
    }
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum ToolboxError {
    /// The file is not valid TOML, or its top level has the wrong shape.
    #[error("{file} data is not readable: {message}")]
    Syntax { file: DataFile, message: String },
    /// Records that could be read but break the rules. All problems are reported at once, so
    /// one edit-and-check cycle fixes them all.
    #[error("{} problem(s) in the toolbox data: {}", .0.len(), join(.0))]
    Invalid(Vec<Problem>),
    /// A tool id that the toolbox does not contain.
    #[error("no tool with id {0:?}; `tocsin toolbox list` shows the ids")]
    UnknownTool(String),
}

fn join(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(Problem::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

impl ToolboxError {
    /// The individual problems, empty for errors that are not about record contents.
    pub fn problems(&self) -> &[Problem] {
        match self {
            ToolboxError::Invalid(problems) => problems,
            _ => &[],
        }
    }
}
