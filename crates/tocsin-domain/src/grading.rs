//! How incoming information is graded and how far it may travel.
//!
//! Source reliability (A–F) and information credibility (1–6) follow the Admiralty / NATO
//! system: the two axes are independent, so a usually reliable source can pass on something
//! improbable. The Traffic Light Protocol 2.0 marks who may receive an item.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::DomainError;

/// How far a source has proved trustworthy in the past (Admiralty code letter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Reliability {
    /// A: completely reliable.
    A,
    /// B: usually reliable.
    B,
    /// C: fairly reliable.
    C,
    /// D: not usually reliable.
    D,
    /// E: unreliable.
    E,
    /// F: reliability cannot be judged (the default for a new source).
    F,
}

impl Reliability {
    pub const ALL: [Reliability; 6] = [
        Reliability::A,
        Reliability::B,
        Reliability::C,
        Reliability::D,
        Reliability::E,
        Reliability::F,
    ];

    pub fn letter(self) -> char {
        match self {
            Reliability::A => 'A',
            Reliability::B => 'B',
            Reliability::C => 'C',
            Reliability::D => 'D',
            Reliability::E => 'E',
            Reliability::F => 'F',
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Reliability::A => "completely reliable",
            Reliability::B => "usually reliable",
            Reliability::C => "fairly reliable",
            Reliability::D => "not usually reliable",
            Reliability::E => "unreliable",
            Reliability::F => "reliability cannot be judged",
        }
    }
}

impl fmt::Display for Reliability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.letter())
    }
}

impl FromStr for Reliability {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_uppercase().as_str() {
            "A" => Ok(Reliability::A),
            "B" => Ok(Reliability::B),
            "C" => Ok(Reliability::C),
            "D" => Ok(Reliability::D),
            "E" => Ok(Reliability::E),
            "F" => Ok(Reliability::F),
            _ => Err(DomainError::invalid(
                "source reliability",
                s,
                "use a letter from A (completely reliable) to F (cannot be judged)",
            )),
        }
    }
}

/// How far a piece of information is borne out (Admiralty code number).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub enum Credibility {
    /// 1: confirmed by other sources.
    Confirmed = 1,
    /// 2: probably true.
    ProbablyTrue = 2,
    /// 3: possibly true.
    PossiblyTrue = 3,
    /// 4: doubtful.
    Doubtful = 4,
    /// 5: improbable.
    Improbable = 5,
    /// 6: truth cannot be judged (the default for a new report).
    CannotBeJudged = 6,
}

impl Credibility {
    pub const ALL: [Credibility; 6] = [
        Credibility::Confirmed,
        Credibility::ProbablyTrue,
        Credibility::PossiblyTrue,
        Credibility::Doubtful,
        Credibility::Improbable,
        Credibility::CannotBeJudged,
    ];

    pub fn number(self) -> u8 {
        self as u8
    }

    pub fn label(self) -> &'static str {
        match self {
            Credibility::Confirmed => "confirmed by other sources",
            Credibility::ProbablyTrue => "probably true",
            Credibility::PossiblyTrue => "possibly true",
            Credibility::Doubtful => "doubtful",
            Credibility::Improbable => "improbable",
            Credibility::CannotBeJudged => "truth cannot be judged",
        }
    }
}

impl TryFrom<u8> for Credibility {
    type Error = DomainError;

    fn try_from(value: u8) -> Result<Self, Self::Error> {
        Credibility::ALL
            .into_iter()
            .find(|c| c.number() == value)
            .ok_or_else(|| {
                DomainError::invalid(
                    "information credibility",
                    value.to_string(),
                    "use a number from 1 (confirmed) to 6 (cannot be judged)",
                )
            })
    }
}

impl From<Credibility> for u8 {
    fn from(c: Credibility) -> u8 {
        c.number()
    }
}

impl fmt::Display for Credibility {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.number())
    }
}

/// Traffic Light Protocol 2.0 marking: how far an item may be shared.
///
/// Ordered from most to least restrictive, so `max` of two markings is the *less* restrictive
/// one; use [`Tlp::strictest`] to combine the markings of several items.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Tlp {
    /// TLP:RED — named recipients only.
    #[serde(rename = "TLP:RED")]
    Red,
    /// TLP:AMBER+STRICT — the recipient's organisation only.
    #[serde(rename = "TLP:AMBER+STRICT")]
    AmberStrict,
    /// TLP:AMBER — the organisation and the clients it serves.
    #[serde(rename = "TLP:AMBER")]
    Amber,
    /// TLP:GREEN — the wider community.
    #[serde(rename = "TLP:GREEN")]
    Green,
    /// TLP:CLEAR — anyone.
    #[serde(rename = "TLP:CLEAR")]
    Clear,
}

impl Tlp {
    pub const ALL: [Tlp; 5] = [
        Tlp::Red,
        Tlp::AmberStrict,
        Tlp::Amber,
        Tlp::Green,
        Tlp::Clear,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Tlp::Red => "TLP:RED",
            Tlp::AmberStrict => "TLP:AMBER+STRICT",
            Tlp::Amber => "TLP:AMBER",
            Tlp::Green => "TLP:GREEN",
            Tlp::Clear => "TLP:CLEAR",
        }
    }

    /// The strictest marking among `markings`: what a package of these items must carry.
    /// An empty package is TLP:CLEAR.
    pub fn strictest(markings: impl IntoIterator<Item = Tlp>) -> Tlp {
        markings.into_iter().min().unwrap_or(Tlp::Clear)
    }

    /// Whether an item marked `self` may go to an audience cleared for `clearance`.
    pub fn permits(self, clearance: Tlp) -> bool {
        clearance <= self
    }
}

impl fmt::Display for Tlp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Tlp {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let upper = s.trim().to_ascii_uppercase();
        let bare = upper.strip_prefix("TLP:").unwrap_or(&upper);
        match bare {
            "RED" => Ok(Tlp::Red),
            "AMBER+STRICT" => Ok(Tlp::AmberStrict),
            "AMBER" => Ok(Tlp::Amber),
            "GREEN" => Ok(Tlp::Green),
            // TLP 1.0's WHITE became CLEAR in 2.0; accept it so older partners interoperate.
            "CLEAR" | "WHITE" => Ok(Tlp::Clear),
            _ => Err(DomainError::invalid(
                "TLP marking",
                s,
                "use TLP:RED, TLP:AMBER+STRICT, TLP:AMBER, TLP:GREEN or TLP:CLEAR",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reliability_and_credibility_parse_their_codes() {
        assert_eq!("b".parse::<Reliability>().unwrap(), Reliability::B);
        assert!("G".parse::<Reliability>().is_err());
        assert_eq!(Credibility::try_from(2).unwrap(), Credibility::ProbablyTrue);
        assert!(Credibility::try_from(0).is_err());
        assert!(Credibility::try_from(7).is_err());
    }

    #[test]
    fn strictest_marking_wins() {
        assert_eq!(
            Tlp::strictest([Tlp::Clear, Tlp::Amber, Tlp::Green]),
            Tlp::Amber
        );
        assert_eq!(Tlp::strictest([]), Tlp::Clear);
        assert_eq!(Tlp::strictest([Tlp::Red, Tlp::AmberStrict]), Tlp::Red);
    }

    #[test]
    fn tlp_permits_only_audiences_cleared_for_it() {
        assert!(Tlp::Green.permits(Tlp::Red));
        assert!(Tlp::Green.permits(Tlp::Green));
        assert!(!Tlp::Red.permits(Tlp::Green));
        assert!(!Tlp::AmberStrict.permits(Tlp::Amber));
    }

    #[test]
    fn tlp_parses_with_and_without_prefix_and_serialises_with_it() {
        assert_eq!("amber+strict".parse::<Tlp>().unwrap(), Tlp::AmberStrict);
        assert_eq!("TLP:WHITE".parse::<Tlp>().unwrap(), Tlp::Clear);
        assert_eq!(
            serde_json::to_string(&Tlp::AmberStrict).unwrap(),
            "\"TLP:AMBER+STRICT\""
        );
        assert!("ORANGE".parse::<Tlp>().is_err());
    }
}
