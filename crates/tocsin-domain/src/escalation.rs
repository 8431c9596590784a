//! The path of escalation and the crime triangle.
//!
//! Atrocity crimes escalate through three recognisable stages: structural risk factors, a crisis
//! that mobilises, and an imminent emergency. Every atrocity needs a perpetrator, victims and a
//! permissive situation; prevention tools act on one of those three dimensions.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::DomainError;

/// A stage on the path of escalation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub enum Stage {
    /// Stage 1: structural conditions (cleavages, prior violations, no rule of law). Met by
    /// systemic prevention.
    RiskFactors = 1,
    /// Stage 2: a shock turns risk into likelihood and groups mobilise (hate propaganda,
    /// militias organised, moderates pushed aside). Calls for targeted prevention.
    CrisisAndMobilisation = 2,
    /// Stage 3: violent clashes multiply and a group is systematically targeted.
    ImminentEmergency = 3,
}

impl Stage {
    pub const ALL: [Stage; 3] = [
        Stage::RiskFactors,
        Stage::CrisisAndMobilisation,
        Stage::ImminentEmergency,
    ];

    pub fn number(self) -> u8 {
        self as u8
    }

    pub fn label(self) -> &'static str {
        match self {
            Stage::RiskFactors => "risk factors",
            Stage::CrisisAndMobilisation => "crisis and mobilisation",
            Stage::ImminentEmergency => "imminent emergency",
        }
    }
}

impl TryFrom<u8> for Stage {
    type Error = DomainError;

    fn try_from(value: u8) -> Result<Self, Self::Error> {
        match value {
            1 => Ok(Stage::RiskFactors),
            2 => Ok(Stage::CrisisAndMobilisation),
            3 => Ok(Stage::ImminentEmergency),
            other => Err(DomainError::invalid(
                "stage",
                other.to_string(),
                "a stage is 1 (risk factors), 2 (crisis and mobilisation) or 3 (imminent emergency)",
            )),
        }
    }
}

impl From<Stage> for u8 {
    fn from(stage: Stage) -> u8 {
        stage.number()
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "stage {} ({})", self.number(), self.label())
    }
}

/// One side of the crime triangle: what a risk indicator speaks to and what a prevention tool
/// acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    /// Those who would commit the crimes: their motives, incentives and capacity.
    Perpetrator,
    /// The targeted population: its vulnerability and means of protection.
    Victim,
    /// The surrounding circumstances: how permissive the environment is.
    Situation,
}

impl Dimension {
    pub const ALL: [Dimension; 3] = [
        Dimension::Perpetrator,
        Dimension::Victim,
        Dimension::Situation,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Dimension::Perpetrator => "perpetrator",
            Dimension::Victim => "victim",
            Dimension::Situation => "situation",
        }
    }
}

impl fmt::Display for Dimension {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Dimension {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "perpetrator" | "perpetrators" => Ok(Dimension::Perpetrator),
            "victim" | "victims" => Ok(Dimension::Victim),
            "situation" => Ok(Dimension::Situation),
            _ => Err(DomainError::invalid(
                "dimension",
                s,
                "use perpetrator, victim or situation",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_round_trip_through_their_numbers() {
        for stage in Stage::ALL {
            assert_eq!(Stage::try_from(stage.number()).unwrap(), stage);
        }
        assert!(Stage::try_from(0).is_err());
        assert!(Stage::try_from(4).is_err());
    }

    #[test]
    fn dimensions_parse_in_singular_and_plural() {
        assert_eq!("Victims".parse::<Dimension>().unwrap(), Dimension::Victim);
        assert_eq!(
            "perpetrator".parse::<Dimension>().unwrap(),
            Dimension::Perpetrator
        );
        assert!("bystander".parse::<Dimension>().is_err());
    }
}
