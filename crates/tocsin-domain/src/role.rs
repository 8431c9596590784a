//! The people who use Tocsin, as roles that gate what they may see and do.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::{DomainError, Tlp};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Field monitor or community reporter: submits reports, sees little else.
    Monitor,
    /// Situation-room analyst: triages, verifies, grades and codes reports; judges risk.
    Analyst,
    /// The only role that may see who a source is (phone numbers, names, contacts).
    SourceHandler,
    /// R2P focal point or other decision-maker: receives alerts and briefs, records decisions.
    FocalPoint,
    /// Coordinator / administrator: users, roles, routing, partner organisations.
    Admin,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Monitor,
        Role::Analyst,
        Role::SourceHandler,
        Role::FocalPoint,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Monitor => "monitor",
            Role::Analyst => "analyst",
            Role::SourceHandler => "source_handler",
            Role::FocalPoint => "focal_point",
            Role::Admin => "admin",
        }
    }

    /// Whether this role may read a source's identity (contact details, name).
    pub fn may_read_source_identity(self) -> bool {
        self == Role::SourceHandler
    }

    /// The TLP clearance a new user in this role gets unless told otherwise. Staff of the
    /// organisation see up to TLP:AMBER+STRICT; focal points, often in partner bodies, up to
    /// TLP:AMBER; monitors in the field only what may go to their community (TLP:GREEN).
    /// TLP:RED is for named recipients and is never a default.
    pub fn default_clearance(self) -> Tlp {
        match self {
            Role::Monitor => Tlp::Green,
            Role::FocalPoint => Tlp::Amber,
            Role::Analyst | Role::SourceHandler | Role::Admin => Tlp::AmberStrict,
        }
    }
}

/// Who is acting: a signed-in user with the one role and the TLP clearance they hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Principal {
    pub user_id: i64,
    pub username: String,
    pub role: Role,
    pub clearance: Tlp,
}

impl Principal {
    /// Whether an item marked `tlp` may be shown to this user.
    pub fn may_see(&self, tlp: Tlp) -> bool {
        tlp.permits(self.clearance)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let normal = s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == normal)
            .ok_or_else(|| {
                DomainError::invalid(
                    "role",
                    s,
                    "use monitor, analyst, source_handler, focal_point or admin",
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_source_handler_sees_who_a_source_is() {
        for role in Role::ALL {
            assert_eq!(role.may_read_source_identity(), role == Role::SourceHandler);
        }
    }

    #[test]
    fn defaults_never_clear_anyone_for_red_and_monitors_see_least() {
        for role in Role::ALL {
            assert_ne!(role.default_clearance(), Tlp::Red);
            // A larger marking is a less trusted audience: no one's default is narrower than a monitor's.
            assert!(Role::Monitor.default_clearance() >= role.default_clearance());
        }
        let monitor = Principal {
            user_id: 1,
            username: "m".into(),
            role: Role::Monitor,
            clearance: Role::Monitor.default_clearance(),
        };
        assert!(monitor.may_see(Tlp::Green));
        assert!(!monitor.may_see(Tlp::Amber));
    }

    #[test]
    fn roles_parse_in_common_spellings() {
        assert_eq!(
            "Source handler".parse::<Role>().unwrap(),
            Role::SourceHandler
        );
        assert_eq!("focal-point".parse::<Role>().unwrap(), Role::FocalPoint);
        assert!("superuser".parse::<Role>().is_err());
    }
}
