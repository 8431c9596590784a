//! A case in the lessons library, as recorded in `data/lessons.toml`.
//!
//! Seed 004 asks institutions to "identify lessons learned from previous applications" of
//! prevention tools. A case records which tools were used (and which were called for but
//! withheld), when, and what followed, so a recommendation can point at precedent.

use std::fmt;

use serde::{Deserialize, Serialize};
use tocsin_domain::{Dimension, Stage};

/// Whether the tools, as applied, prevented or stopped atrocity crimes. Coarse on purpose: the
/// `outcome` and `lesson` texts carry the nuance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Success,
    Mixed,
    Failure,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Success => "success",
            Verdict::Mixed => "mixed",
            Verdict::Failure => "failure",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One case: a situation, the tools tried, and what it teaches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lesson {
    pub id: String,
    pub title: String,
    pub country: String,
    /// Free text such as "2007-2008" or "2000s-2010s".
    pub years: String,
    /// The stage the situation had reached when the tools were applied.
    pub stage: Stage,
    /// Ids of the tools applied.
    pub tools: Vec<String>,
    /// Ids of tools that were considered or called for and not applied. Their absence is often
    /// the lesson (radio jamming in Rwanda, an ICC referral for Syria).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub withheld: Vec<String>,
    pub timing: String,
    pub outcome: String,
    pub verdict: Verdict,
    pub lesson: String,
    pub dimensions: Vec<Dimension>,
    /// Seed locators and public-record citations.
    pub sources: Vec<String>,
}

impl Lesson {
    /// Whether the case speaks to the tool at all, applied or withheld.
    pub fn involves(&self, tool_id: &str) -> bool {
        self.applied(tool_id) || self.withheld.iter().any(|id| id == tool_id)
    }

    pub fn applied(&self, tool_id: &str) -> bool {
        self.tools.iter().any(|id| id == tool_id)
    }
}
