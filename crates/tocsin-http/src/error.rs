//! The API's one error type and its JSON body: `{"error": {"code": "...", "message": "..."}}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use tocsin_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    /// A client error with its own stable code (`invalid_json`, `bad_secret`, …).
    #[error("{message}")]
    Coded {
        status: StatusCode,
        code: &'static str,
        message: String,
    },
    /// Something failed inside; the details go to the log, not to the client.
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl ApiError {
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            ApiError::Coded { status, code, .. } => (*status, code),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

impl From<tocsin_app::IntakeError> for ApiError {
    fn from(error: tocsin_app::IntakeError) -> ApiError {
        use tocsin_app::IntakeErrorKind as Kind;
        let status = match error.kind {
            Kind::BadRequest => StatusCode::BAD_REQUEST,
            Kind::Unprocessable => StatusCode::UNPROCESSABLE_ENTITY,
            Kind::Unauthorized => StatusCode::UNAUTHORIZED,
            // The intake layer already logged the cause and wrote a message that reveals nothing.
            Kind::Internal => StatusCode::SERVICE_UNAVAILABLE,
        };
        ApiError::Coded {
            status,
            code: error.code,
            message: error.message,
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> ApiError {
        match error {
            StoreError::NotFound { what } => ApiError::NotFound(format!("{what} not found")),
            StoreError::Conflict(what) => ApiError::Conflict(what),
            StoreError::Refused(why) => ApiError::Coded {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                code: "refused",
                message: why.to_string(),
            },
            StoreError::Rejected { code, message } => ApiError::Coded {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                code,
                message,
            },
            other => ApiError::Internal(Box::new(other)),
        }
    }
}

impl ApiError {
    /// Status, code and the message fit for the client; an internal error is logged here and
    /// its message reveals nothing.
    pub(crate) fn parts(&self) -> (StatusCode, &'static str, String) {
        let (status, code) = self.status_and_code();
        let message = match self {
            ApiError::Internal(source) => {
                tracing::error!(error = %source, "request failed");
                "something went wrong on the server; it has been logged, try again later"
                    .to_string()
            }
            other => other.to_string(),
        };
        (status, code, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message) = self.parts();
        (
            status,
            Json(json!({ "error": { "code": code, "message": message } })),
        )
            .into_response()
    }
}
