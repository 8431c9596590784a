//! Who may call what: one table, [`RULES`], of every route with the roles allowed on it, and
//! the middleware that enforces it before any handler runs.
//!
//! Callers sign in with an API token (`Authorization: Bearer tcn_…`). A route missing from
//! the table is refused to everyone (fail closed), so a new route cannot be reached until
//! someone decides who may reach it. SMS gateways do not sign in: their routes check the
//! per-gateway secret themselves.

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use tocsin_domain::Role;

use crate::AppState;

/// How a route is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not (the health check).
    Public,
    /// An SMS gateway, authenticated by its shared secret inside the handler.
    Gateway,
    /// A signed-in user holding one of these roles.
    Roles(&'static [Role]),
}

/// One route and who may call it.
#[derive(Debug, Clone)]
pub struct Rule {
    pub method: Method,
    /// The route as declared in the router, e.g. `/api/v1/reports/{id}`.
    pub path: &'static str,
    pub access: Access,
}

use Role::{Admin, Analyst, FocalPoint, Monitor, SourceHandler};

const EVERYONE: &[Role] = &Role::ALL;
/// Those who read and work on field reports.
const REPORT_READERS: &[Role] = &[Analyst, SourceHandler];
/// Those who send reports in.
const REPORTERS: &[Role] = &[Monitor, Analyst, SourceHandler];
/// Those who grade sources.
const SOURCE_GRADERS: &[Role] = &[Analyst, SourceHandler];
/// Those who plan and track prevention measures.
const RESPONDERS: &[Role] = &[Analyst, FocalPoint];
/// Those who read assessments: stage, score, drivers, risk factors, triggers.
const ASSESSMENT_READERS: &[Role] = &[Analyst, FocalPoint, Admin];
/// Those who may take reports out of Tocsin, each up to their own TLP clearance.
const EXPORTERS: &[Role] = &[Analyst, SourceHandler, FocalPoint];

const fn rule(method: Method, path: &'static str, access: Access) -> Rule {
    Rule {
        method,
        path,
        access,
    }
}

/// Every route of the API and who may call it.
pub const RULES: &[Rule] = &[
    rule(Method::GET, "/health", Access::Public),
    rule(Method::GET, "/api/v1/situations", Access::Roles(EVERYONE)),
    rule(Method::GET, "/api/v1/catalogue", Access::Roles(EVERYONE)),
    rule(Method::GET, "/api/v1/risk/latest", Access::Roles(EVERYONE)),
    rule(Method::GET, "/api/v1/me", Access::Roles(EVERYONE)),
    // Intake.
    rule(Method::POST, "/api/v1/reports", Access::Roles(REPORTERS)),
    rule(Method::POST, "/api/v1/gateways/twilio", Access::Gateway),
    rule(Method::POST, "/api/v1/gateways/smssync", Access::Gateway),
    rule(
        Method::GET,
        "/api/v1/inbox/rejected",
        Access::Roles(REPORT_READERS),
    ),
    // Analysts' work on reports.
    rule(
        Method::GET,
        "/api/v1/reports",
        Access::Roles(REPORT_READERS),
    ),
    rule(
        Method::GET,
        "/api/v1/reports/export",
        Access::Roles(EXPORTERS),
    ),
    rule(
        Method::GET,
        "/api/v1/reports/{id}",
        Access::Roles(REPORT_READERS),
    ),
    rule(
        Method::POST,
        "/api/v1/reports/{id}/transition",
        Access::Roles(&[Analyst]),
    ),
    rule(
        Method::POST,
        "/api/v1/reports/{id}/grade",
        Access::Roles(&[Analyst]),
    ),
    rule(
        Method::POST,
        "/api/v1/reports/{id}/corroborations",
        Access::Roles(&[Analyst]),
    ),
    rule(
        Method::POST,
        "/api/v1/reports/{id}/place",
        Access::Roles(&[Analyst]),
    ),
    // Sources: only the source handler sees who they are.
    rule(
        Method::PUT,
        "/api/v1/sources/{id}/reliability",
        Access::Roles(SOURCE_GRADERS),
    ),
    rule(
        Method::GET,
        "/api/v1/sources/{id}/contact",
        Access::Roles(&[SourceHandler]),
    ),
    // Prevention: the toolbox and lessons are for everyone; a situation's recommendations,
    // measures and board for those who decide and coordinate.
    rule(
        Method::GET,
        "/api/v1/toolbox/tools",
        Access::Roles(EVERYONE),
    ),
    rule(
        Method::GET,
        "/api/v1/toolbox/tools/{id}",
        Access::Roles(EVERYONE),
    ),
    rule(Method::GET, "/api/v1/lessons", Access::Roles(EVERYONE)),
    rule(
        Method::GET,
        "/api/v1/situations/{id}/recommendations",
        Access::Roles(RESPONDERS),
    ),
    rule(
        Method::GET,
        "/api/v1/situations/{id}/responses",
        Access::Roles(RESPONDERS),
    ),
    rule(
        Method::POST,
        "/api/v1/situations/{id}/responses",
        Access::Roles(RESPONDERS),
    ),
    rule(
        Method::PATCH,
        "/api/v1/responses/{id}",
        Access::Roles(RESPONDERS),
    ),
    rule(
        Method::GET,
        "/api/v1/situations/{id}/board",
        Access::Roles(RESPONDERS),
    ),
    // Assessment: analysts judge, code and add triggers; those who decide read.
    rule(
        Method::GET,
        "/api/v1/situations/{id}/assessment",
        Access::Roles(ASSESSMENT_READERS),
    ),
    rule(
        Method::GET,
        "/api/v1/situations/{id}/stages",
        Access::Roles(ASSESSMENT_READERS),
    ),
    rule(
        Method::GET,
        "/api/v1/situations/{id}/risk-factors",
        Access::Roles(ASSESSMENT_READERS),
    ),
    rule(
        Method::POST,
        "/api/v1/situations/{id}/risk-factors/{factor}",
        Access::Roles(&[Analyst]),
    ),
    rule(
        Method::GET,
        "/api/v1/situations/{id}/judgments",
        Access::Roles(ASSESSMENT_READERS),
    ),
    rule(
        Method::GET,
        "/api/v1/situations/{id}/triggers",
        Access::Roles(ASSESSMENT_READERS),
    ),
    rule(
        Method::POST,
        "/api/v1/situations/{id}/triggers",
        Access::Roles(&[Analyst]),
    ),
    rule(
        Method::GET,
        "/api/v1/reports/{id}/indicators",
        Access::Roles(&[Analyst]),
    ),
    rule(
        Method::POST,
        "/api/v1/reports/{id}/indicators",
        Access::Roles(&[Analyst]),
    ),
    // Administration.
    rule(Method::GET, "/api/v1/users", Access::Roles(&[Admin])),
    rule(Method::POST, "/api/v1/users", Access::Roles(&[Admin])),
    rule(
        Method::POST,
        "/api/v1/users/{name}/tokens",
        Access::Roles(&[Admin]),
    ),
    // Briefs, cut to the reader's role and clearance.
    rule(
        Method::GET,
        "/api/v1/situations/{id}/brief",
        Access::Roles(ASSESSMENT_READERS),
    ),
    rule(
        Method::GET,
        "/api/v1/briefs/parliament",
        Access::Roles(EVERYONE),
    ),
];

/// The rule for a request, if any. HEAD is answered like GET.
pub fn rule_for(method: &Method, path: &str) -> Option<&'static Rule> {
    let method = if method == Method::HEAD {
        &Method::GET
    } else {
        method
    };
    RULES
        .iter()
        .find(|rule| rule.method == *method && rule.path == path)
}

fn refuse(status: StatusCode, code: &str, message: String) -> Response {
    let mut response = (
        status,
        Json(json!({ "error": { "code": code, "message": message } })),
    )
        .into_response();
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Bearer realm=\"tocsin\""),
        );
    }
    response
}

/// The bearer token of a request, if it carries one.
fn bearer(request: &Request) -> Option<&str> {
    let value = request
        .headers()
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|token| !token.is_empty())
}

/// Enforces [`RULES`]; on success the caller's `Principal` is in the request's extensions.
pub(crate) async fn authorize(
    State(state): State<AppState>,
    matched: Option<MatchedPath>,
    mut request: Request,
    next: Next,
) -> Response {
    let Some(path) = matched.map(|m| m.as_str().to_string()) else {
        return next.run(request).await;
    };
    let access = match rule_for(request.method(), &path) {
        Some(rule) => rule.access,
        // The path exists with other methods: let the router answer 405.
        None if RULES.iter().any(|rule| rule.path == path) => return next.run(request).await,
        None => {
            tracing::error!(%path, "route has no access rule; refusing it to everyone");
            return refuse(
                StatusCode::FORBIDDEN,
                "forbidden",
                "no one may call this route yet".to_string(),
            );
        }
    };
    let allowed = match access {
        Access::Public | Access::Gateway => return next.run(request).await,
        Access::Roles(roles) => roles,
    };
    let Some(token) = bearer(&request) else {
        return refuse(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "sign in: send an API token as 'Authorization: Bearer tcn_…' (an administrator \
             issues one with tocsin users token NAME)"
                .to_string(),
        );
    };
    let principal = match state.accounts.authenticate_token(token).await {
        Ok(Some(principal)) => principal,
        Ok(None) => {
            return refuse(
                StatusCode::UNAUTHORIZED,
                "bad_token",
                "the API token is unknown, revoked or its user disabled; ask an administrator for a new one"
                    .to_string(),
            )
        }
        Err(error) => return crate::ApiError::from(error).into_response(),
    };
    if !allowed.contains(&principal.role) {
        let names = allowed
            .iter()
            .map(|role| role.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        return refuse(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!(
                "this needs one of the roles {names}; you are signed in as {} ({})",
                principal.username, principal.role
            ),
        );
    }
    request.extensions_mut().insert(principal);
    next.run(request).await
}
