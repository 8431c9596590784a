//! A prevention tool, as recorded in `data/toolbox.toml`.
//!
//! The record is deliberately plain data with public fields: its invariants (unique kebab-case
//! id, at least one stage and dimension, a seed locator, known conflict ids) are checked once,
//! when a [`Toolbox`](crate::Toolbox) is built, rather than on every construction.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use tocsin_domain::{Dimension, Stage};

/// Seed 004 sorts prevention into two families: systemic strategies that lower risk factors
/// over years, and targeted measures that change a particular crisis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Aimed at a given crisis: changes perpetrators' incentives, victims' vulnerability or how
    /// permissive the situation is. Suits stages 2 and 3.
    Targeted,
    /// Aimed at root causes and resilience across a society. Suits stage 1.
    Systemic,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Targeted => "targeted",
            Kind::Systemic => "systemic",
        }
    }

    /// Whether seed 004 assigns this kind of prevention to the given stage: systemic to risk
    /// factors, targeted to crisis and imminent emergency.
    pub fn suits(self, stage: Stage) -> bool {
        match self {
            Kind::Systemic => stage == Stage::RiskFactors,
            Kind::Targeted => stage != Stage::RiskFactors,
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who can put a tool to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    UnSecurityCouncil,
    SecretaryGeneral,
    HumanRightsCouncil,
    /// Emergency sessions, suspension from UN bodies, norm-setting debates.
    GeneralAssembly,
    /// UN programmes, funds and offices in the field (OHCHR, UNDP, UN Women, UN radio...).
    UnAgencies,
    RegionalOrganisations,
    NationalGovernments,
    Parliaments,
    Ngos,
    Icc,
    /// Religious, ethnic and community leaders, such as members of local peace councils.
    LocalLeaders,
}

impl Actor {
    pub const ALL: [Actor; 11] = [
        Actor::UnSecurityCouncil,
        Actor::SecretaryGeneral,
        Actor::HumanRightsCouncil,
        Actor::GeneralAssembly,
        Actor::UnAgencies,
        Actor::RegionalOrganisations,
        Actor::NationalGovernments,
        Actor::Parliaments,
        Actor::Ngos,
        Actor::Icc,
        Actor::LocalLeaders,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Actor::UnSecurityCouncil => "un_security_council",
            Actor::SecretaryGeneral => "secretary_general",
            Actor::HumanRightsCouncil => "human_rights_council",
            Actor::GeneralAssembly => "general_assembly",
            Actor::UnAgencies => "un_agencies",
            Actor::RegionalOrganisations => "regional_organisations",
            Actor::NationalGovernments => "national_governments",
            Actor::Parliaments => "parliaments",
            Actor::Ngos => "ngos",
            Actor::Icc => "icc",
            Actor::LocalLeaders => "local_leaders",
        }
    }
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Actor {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        Actor::ALL
            .into_iter()
            .find(|actor| actor.as_str() == wanted)
            .ok_or_else(|| format!("unknown actor {s:?}"))
    }
}

/// How long a tool typically takes, from decision to effect. Ordered from fastest to slowest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeadTime {
    Days,
    Weeks,
    Months,
    Years,
}

impl LeadTime {
    pub fn as_str(self) -> &'static str {
        match self {
            LeadTime::Days => "days",
            LeadTime::Weeks => "weeks",
            LeadTime::Months => "months",
            LeadTime::Years => "years",
        }
    }
}

impl fmt::Display for LeadTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One prevention tool.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tool {
    /// Stable kebab-case id, referred to by lessons, measures and the API.
    pub id: String,
    pub name: String,
    /// One sentence on what the tool is.
    pub summary: String,
    pub kind: Kind,
    /// The stages at which the tool applies.
    pub stages: Vec<Stage>,
    /// The sides of the crime triangle it acts on.
    pub dimensions: Vec<Dimension>,
    pub actors: Vec<Actor>,
    pub lead_time: LeadTime,
    /// When it tends to work.
    pub conditions: Vec<String>,
    /// When it tends to fail or backfire.
    pub risks: Vec<String>,
    /// Tools that work against this one when pursued at the same time. Read symmetrically:
    /// listing the pair on one side is enough.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conflicts_with: Vec<String>,
    /// True for the tools of seed 004 Figure 3, placed at exactly one stage and dimension.
    #[serde(default)]
    pub figure3: bool,
    /// Where in the seeds the tool comes from, e.g. "004, Figure 3 (imminent emergency, victims)".
    pub seed: String,
}

impl Tool {
    pub fn applies_at(&self, stage: Stage) -> bool {
        self.stages.contains(&stage)
    }

    pub fn acts_on(&self, dimension: Dimension) -> bool {
        self.dimensions.contains(&dimension)
    }

    /// Whether this record says it works against `other`. Use
    /// [`Toolbox::conflict`](crate::Toolbox::conflict) for the symmetric question.
    pub fn lists_conflict_with(&self, other: &str) -> bool {
        self.conflicts_with.iter().any(|id| id == other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_suit_the_stages_seed_004_gives_them() {
        assert!(Kind::Systemic.suits(Stage::RiskFactors));
        assert!(!Kind::Systemic.suits(Stage::ImminentEmergency));
        assert!(Kind::Targeted.suits(Stage::CrisisAndMobilisation));
        assert!(Kind::Targeted.suits(Stage::ImminentEmergency));
        assert!(!Kind::Targeted.suits(Stage::RiskFactors));
    }

    #[test]
    fn actors_parse_from_their_names_and_loose_spellings() {
        for actor in Actor::ALL {
            assert_eq!(actor.as_str().parse::<Actor>().unwrap(), actor);
        }
        assert_eq!(
            "UN Security Council".parse::<Actor>().unwrap(),
            Actor::UnSecurityCouncil
        );
        assert!("army".parse::<Actor>().is_err());
    }
}
