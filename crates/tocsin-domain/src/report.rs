//! Reports from the ground and the workflow that verifies them.
//!
//! A report says what was observed, where and when, by which (pseudonymous) source. Analysts
//! grade its credibility, mark how far it may travel (TLP), code the risk indicators it speaks
//! to and move it through verification. The workflow is a state machine: each transition names
//! the roles allowed to make it, so the rule lives in one place and every adapter obeys it.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::{Credibility, DomainError, Role, SituationId, SourceId, Tlp};

/// Where a report says something happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Place {
    /// The place as the reporter named it ("Kutupalong camp, block C").
    pub name: String,
    /// Latitude and longitude in WGS 84 decimal degrees, once resolved.
    pub point: Option<(f64, f64)>,
    /// The situation the place lies in, once resolved.
    pub situation: Option<SituationId>,
}

/// Verification state of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VerificationState {
    /// Just received; waiting for an analyst.
    Triage,
    /// Confirmed by independent means.
    Verified,
    /// Plausible but not confirmed; kept as evidence with lower weight.
    Unverified,
    /// Shown to be untrue (misinformation, a hoax, a mistake).
    False,
    /// Repeats another report about the same event.
    Duplicate,
    /// Closed: no longer in any working queue, kept for the record.
    Archived,
}

impl VerificationState {
    pub const ALL: [VerificationState; 6] = [
        VerificationState::Triage,
        VerificationState::Verified,
        VerificationState::Unverified,
        VerificationState::False,
        VerificationState::Duplicate,
        VerificationState::Archived,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            VerificationState::Triage => "triage",
            VerificationState::Verified => "verified",
            VerificationState::Unverified => "unverified",
            VerificationState::False => "false",
            VerificationState::Duplicate => "duplicate",
            VerificationState::Archived => "archived",
        }
    }
}

impl fmt::Display for VerificationState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for VerificationState {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let normal = s.trim().to_ascii_lowercase();
        VerificationState::ALL
            .into_iter()
            .find(|state| state.as_str() == normal)
            .ok_or_else(|| {
                DomainError::invalid(
                    "verification state",
                    s,
                    "use triage, verified, unverified, false, duplicate or archived",
                )
            })
    }
}

/// One allowed move in the verification workflow and who may make it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    pub from: VerificationState,
    pub to: VerificationState,
    pub roles: &'static [Role],
}

/// The verification workflow. Only analysts judge truth; admins may archive and reopen because
/// they clean up queues, but never decide whether a report is true.
pub const WORKFLOW: &[Transition] = {
    use Role::{Admin, Analyst};
    use VerificationState::*;
    const JUDGES: &[Role] = &[Analyst];
    const KEEPERS: &[Role] = &[Analyst, Admin];
    &[
        Transition {
            from: Triage,
            to: Verified,
            roles: JUDGES,
        },
        Transition {
            from: Triage,
            to: Unverified,
            roles: JUDGES,
        },
        Transition {
            from: Triage,
            to: False,
            roles: JUDGES,
        },
        Transition {
            from: Triage,
            to: Duplicate,
            roles: JUDGES,
        },
        // New evidence can settle an open question either way.
        Transition {
            from: Unverified,
            to: Verified,
            roles: JUDGES,
        },
        Transition {
            from: Unverified,
            to: False,
            roles: JUDGES,
        },
        Transition {
            from: Unverified,
            to: Duplicate,
            roles: JUDGES,
        },
        // A confirmation can be withdrawn when its basis falls apart.
        Transition {
            from: Verified,
            to: Unverified,
            roles: JUDGES,
        },
        Transition {
            from: Verified,
            to: False,
            roles: JUDGES,
        },
        Transition {
            from: False,
            to: Unverified,
            roles: JUDGES,
        },
        Transition {
            from: Duplicate,
            to: Triage,
            roles: JUDGES,
        },
        Transition {
            from: Verified,
            to: Archived,
            roles: KEEPERS,
        },
        Transition {
            from: Unverified,
            to: Archived,
            roles: KEEPERS,
        },
        Transition {
            from: False,
            to: Archived,
            roles: KEEPERS,
        },
        Transition {
            from: Duplicate,
            to: Archived,
            roles: KEEPERS,
        },
        Transition {
            from: Archived,
            to: Triage,
            roles: KEEPERS,
        },
    ]
};

/// Checks that `role` may move a report from `from` to `to`.
pub fn check_transition(
    from: VerificationState,
    to: VerificationState,
    role: Role,
) -> Result<(), DomainError> {
    let transition = WORKFLOW
        .iter()
        .find(|t| t.from == from && t.to == to)
        .ok_or_else(|| DomainError::TransitionNotAllowed {
            from: from.to_string(),
            to: to.to_string(),
        })?;
    if transition.roles.contains(&role) {
        Ok(())
    } else {
        Err(DomainError::RoleNotPermitted {
            role: role.to_string(),
            from: from.to_string(),
            to: to.to_string(),
        })
    }
}

/// An indicator of the catalogue coded on a report, e.g. `"7.3"`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct IndicatorCode(pub String);

/// A report from the ground.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub id: String,
    pub source: Option<SourceId>,
    /// What was observed, in the reporter's words.
    pub text: String,
    pub place: Option<Place>,
    /// When the reporter says it happened, if they said.
    #[serde(with = "time::serde::rfc3339::option")]
    pub observed_at: Option<OffsetDateTime>,
    /// When Tocsin received it.
    #[serde(with = "time::serde::rfc3339")]
    pub received_at: OffsetDateTime,
    /// ISO 639 language code, if known.
    pub language: Option<String>,
    pub credibility: Credibility,
    pub tlp: Tlp,
    pub verification: VerificationState,
    pub indicators: Vec<IndicatorCode>,
}

impl Report {
    /// Moves the report to `to` if `role` may; the caller records the change in the audit log.
    pub fn transition(&mut self, to: VerificationState, role: Role) -> Result<(), DomainError> {
        check_transition(self.verification, to, role)?;
        self.verification = to;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use VerificationState::*;

    fn report() -> Report {
        Report {
            id: "r1".into(),
            source: None,
            text: "armed men gathering near the market".into(),
            place: None,
            observed_at: None,
            received_at: time::macros::datetime!(2026-01-01 10:00 UTC),
            language: Some("en".into()),
            credibility: Credibility::CannotBeJudged,
            tlp: Tlp::Amber,
            verification: Triage,
            indicators: vec![],
        }
    }

    #[test]
    fn analysts_move_reports_through_the_workflow() {
        let mut r = report();
        r.transition(Verified, Role::Analyst).unwrap();
        r.transition(Archived, Role::Analyst).unwrap();
        r.transition(Triage, Role::Admin).unwrap();
        assert_eq!(r.verification, Triage);
    }

    #[test]
    fn only_analysts_judge_truth() {
        for role in [
            Role::Monitor,
            Role::SourceHandler,
            Role::FocalPoint,
            Role::Admin,
        ] {
            let error = check_transition(Triage, Verified, role).unwrap_err();
            assert!(
                matches!(error, DomainError::RoleNotPermitted { .. }),
                "{role}"
            );
        }
    }

    #[test]
    fn impossible_moves_are_refused_whoever_asks() {
        for role in Role::ALL {
            assert!(matches!(
                check_transition(Triage, Archived, role),
                Err(DomainError::TransitionNotAllowed { .. })
            ));
            assert!(check_transition(Archived, Verified, role).is_err());
        }
    }

    #[test]
    fn every_state_can_be_reached_and_left() {
        for state in VerificationState::ALL {
            assert!(
                WORKFLOW.iter().any(|t| t.to == state),
                "{state} unreachable"
            );
            assert!(
                WORKFLOW.iter().any(|t| t.from == state),
                "{state} is a dead end"
            );
        }
    }

    #[test]
    fn a_refused_transition_leaves_the_report_unchanged() {
        let mut r = report();
        assert!(r.transition(Verified, Role::Monitor).is_err());
        assert_eq!(r.verification, Triage);
    }
}
