//! The domain's one error type.

use thiserror::Error;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum DomainError {
    /// A value outside its domain, e.g. reliability "G" or credibility 7.
    #[error("invalid {field} {value:?}: {hint}")]
    Invalid {
        field: &'static str,
        value: String,
        hint: &'static str,
    },
    /// A verification transition the workflow does not allow at all.
    #[error("a report cannot go from {from} to {to}")]
    TransitionNotAllowed { from: String, to: String },
    /// A transition that exists, but not for this role.
    #[error("the {role} role may not move a report from {from} to {to}")]
    RoleNotPermitted {
        role: String,
        from: String,
        to: String,
    },
    /// The indicator catalogue could not be read or is inconsistent.
    #[error("indicator catalogue: {0}")]
    Catalogue(String),
}

impl DomainError {
    pub fn invalid(field: &'static str, value: impl Into<String>, hint: &'static str) -> Self {
        DomainError::Invalid {
            field,
            value: value.into(),
            hint,
        }
    }
}
