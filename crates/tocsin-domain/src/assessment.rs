//! The vocabulary of assessment: analysts' judgments on the 14 risk factors, the state of an
//! indicator coded on a report, and the known shocks ahead (triggers).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::DomainError;

/// Declares a closed set of lowercase words with `as_str`, `ALL`, `Display`, `FromStr` and
/// serde as those words.
macro_rules! word_enum {
    ($(#[$meta:meta])* $name:ident, $field:literal, $hint:literal, { $($(#[$vmeta:meta])* $variant:ident => $word:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $word),+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = DomainError;

            fn from_str(raw: &str) -> Result<Self, Self::Err> {
                let word = raw.trim().to_ascii_lowercase();
                $name::ALL
                    .iter()
                    .copied()
                    .find(|value| value.as_str() == word)
                    .ok_or_else(|| DomainError::invalid($field, raw, $hint))
            }
        }
    };
}

word_enum!(
    /// Whether a risk factor is present in a situation, in an analyst's judgment.
    FactorStatus, "status", "a risk factor is present, absent or unknown", {
        Present => "present",
        Absent => "absent",
        Unknown => "unknown",
    }
);

word_enum!(
    /// Which way a risk factor is moving.
    Trend, "trend", "a trend is rising, steady or falling", {
        Rising => "rising",
        Steady => "steady",
        Falling => "falling",
    }
);

word_enum!(
    /// How sure the analyst is of a judgment.
    Confidence, "confidence", "confidence is low, medium or high", {
        Low => "low",
        Medium => "medium",
        High => "high",
    }
);

word_enum!(
    /// The state of an indicator coded on a report. A keyword rule's suggestion is not evidence
    /// until an analyst accepts it; an analyst's own coding is.
    CodingState, "indicator state", "an indicator coding is suggested, accepted, rejected or coded", {
        /// Proposed by the catalogue's keyword rules; waits for an analyst.
        Suggested => "suggested",
        /// A suggestion an analyst stands by.
        Accepted => "accepted",
        /// A suggestion an analyst turned down; kept so it is not proposed again.
        Rejected => "rejected",
        /// Coded by an analyst directly.
        Coded => "coded",
    }
);

impl CodingState {
    /// Whether a coding in this state counts as evidence.
    pub fn is_evidence(self) -> bool {
        matches!(self, CodingState::Accepted | CodingState::Coded)
    }
}

word_enum!(
    /// What kind of shock a trigger is (the Framework's risk factor 8).
    TriggerKind, "trigger kind",
    "a trigger is an election, anniversary, verdict, decision, coup or other", {
        /// An election, referendum or census, or a key step of one.
        Election => "election",
        /// The anniversary of a traumatic or contested event.
        Anniversary => "anniversary",
        /// A court verdict or step in an accountability process.
        Verdict => "verdict",
        /// A contested political decision (a law, a boundary, a deadline).
        Decision => "decision",
        /// A coup or attempted coup.
        Coup => "coup",
        Other => "other",
    }
);

/// The number of a risk factor of the 2014 framework, 1 to 14.
pub fn risk_factor_number(raw: &str) -> Result<u8, DomainError> {
    let trimmed = raw
        .trim()
        .trim_start_matches(['R', 'r'])
        .trim_start_matches(['F', 'f']);
    trimmed
        .parse::<u8>()
        .ok()
        .filter(|number| (1..=crate::catalogue::RISK_FACTOR_COUNT).contains(number))
        .ok_or_else(|| {
            DomainError::invalid(
                "risk factor",
                raw,
                "a risk factor is a number from 1 to 14 (or RF1 to RF14)",
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_round_trip_and_bad_words_say_what_is_allowed() {
        for status in FactorStatus::ALL {
            assert_eq!(status.as_str().parse::<FactorStatus>().unwrap(), *status);
        }
        assert_eq!(" Rising ".parse::<Trend>().unwrap(), Trend::Rising);
        let error = "sure".parse::<Confidence>().unwrap_err();
        assert!(error.to_string().contains("low, medium or high"), "{error}");
        assert!(CodingState::Accepted.is_evidence());
        assert!(!CodingState::Suggested.is_evidence());
        assert!(!CodingState::Rejected.is_evidence());
    }

    #[test]
    fn risk_factor_numbers_are_one_to_fourteen() {
        assert_eq!(risk_factor_number("7").unwrap(), 7);
        assert_eq!(risk_factor_number("RF14").unwrap(), 14);
        assert!(risk_factor_number("0").is_err());
        assert!(risk_factor_number("15").is_err());
        assert!(risk_factor_number("seven").is_err());
    }
}
