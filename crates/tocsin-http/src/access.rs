//! Who may call what: one table, [`RULES`], of every route with the roles allowed on it, and
//! the middleware that enforces it before any handler runs.
//!
//! Callers sign in with an API token (`Authorization: Bearer tcn_…`) or, in a browser, with
//! the session cookie the login page sets; both get the same checks. A state-changing request
//! made with the cookie must also carry the session's CSRF token. A route missing from
//! the table is refused to everyone (fail closed), so a new route cannot be reached until
//! someone decides who may reach it. SMS gateways do not sign in: their routes check the
//! per-gateway secret themselves.
//!
//! Pages (every path outside `/api/`) answer as pages: an anonymous visitor is sent to the
//! login page (303), a refusal is an HTML page with the same code.

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use std::sync::Arc;
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
/// Those who read alerts beyond their own inbox, each up to their own TLP clearance.
const ALERT_READERS: &[Role] = &[Analyst, FocalPoint];
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
    // Alerts: everyone reads their own inbox and the CAP feed up to their clearance, and may
    // acknowledge or decide on an alert they were warned of (checked by the service);
    // analysts and focal points read all alerts; administrators route them.
    rule(Method::GET, "/api/v1/alerts/inbox", Access::Roles(EVERYONE)),
    rule(Method::GET, "/api/v1/alerts", Access::Roles(ALERT_READERS)),
    rule(
        Method::GET,
        "/api/v1/alerts/stats",
        Access::Roles(ALERT_READERS),
    ),
    rule(
        Method::GET,
        "/api/v1/alerts/dead-letters",
        Access::Roles(&[Analyst, Admin]),
    ),
    rule(
        Method::GET,
        "/api/v1/alerts/{id}",
        Access::Roles(ALERT_READERS),
    ),
    rule(
        Method::GET,
        "/api/v1/alerts/{id}/cap",
        Access::Roles(ALERT_READERS),
    ),
    rule(
        Method::POST,
        "/api/v1/alerts/{id}/ack",
        Access::Roles(EVERYONE),
    ),
    rule(
        Method::POST,
        "/api/v1/alerts/{id}/decisions",
        Access::Roles(EVERYONE),
    ),
    rule(Method::GET, "/api/v1/cap/feed", Access::Roles(EVERYONE)),
    rule(
        Method::GET,
        "/api/v1/units",
        Access::Roles(&[Admin, Analyst]),
    ),
    rule(Method::POST, "/api/v1/units", Access::Roles(&[Admin])),
    rule(
        Method::PATCH,
        "/api/v1/units/{name}",
        Access::Roles(&[Admin]),
    ),
    rule(
        Method::DELETE,
        "/api/v1/units/{name}",
        Access::Roles(&[Admin]),
    ),
    rule(
        Method::PUT,
        "/api/v1/units/{name}/parent",
        Access::Roles(&[Admin]),
    ),
    rule(
        Method::POST,
        "/api/v1/units/{name}/areas",
        Access::Roles(&[Admin]),
    ),
    rule(
        Method::DELETE,
        "/api/v1/units/{name}/areas/{area}",
        Access::Roles(&[Admin]),
    ),
    rule(
        Method::POST,
        "/api/v1/units/{name}/members",
        Access::Roles(&[Admin]),
    ),
    rule(
        Method::DELETE,
        "/api/v1/units/{name}/members/{username}",
        Access::Roles(&[Admin]),
    ),
    rule(
        Method::POST,
        "/api/v1/units/{name}/addresses",
        Access::Roles(&[Admin]),
    ),
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
    // The map's clustered reports, for the situation map and the world.
    rule(
        Method::GET,
        "/api/v1/map/reports",
        Access::Roles(REPORT_READERS),
    ),
    // Web pages. The login page and the embedded assets are open; everything else needs
    // the same roles as the API routes the page stands for.
    rule(Method::GET, "/login", Access::Public),
    rule(Method::POST, "/login", Access::Public),
    rule(Method::GET, "/assets/{*file}", Access::Public),
    rule(Method::POST, "/logout", Access::Roles(EVERYONE)),
    rule(Method::GET, "/", Access::Roles(EVERYONE)),
    rule(Method::GET, "/situations/{id}", Access::Roles(EVERYONE)),
    rule(Method::GET, "/reports", Access::Roles(REPORT_READERS)),
    rule(
        Method::POST,
        "/reports/{id}/transition",
        Access::Roles(&[Analyst]),
    ),
    rule(
        Method::POST,
        "/reports/{id}/grade",
        Access::Roles(&[Analyst]),
    ),
    rule(
        Method::POST,
        "/reports/{id}/place",
        Access::Roles(&[Analyst]),
    ),
    rule(Method::POST, "/reports/bulk", Access::Roles(&[Analyst])),
    rule(
        Method::GET,
        "/reports/{id}/indicators",
        Access::Roles(&[Analyst]),
    ),
    rule(
        Method::POST,
        "/reports/{id}/indicators",
        Access::Roles(&[Analyst]),
    ),
    rule(Method::GET, "/report", Access::Roles(REPORTERS)),
    rule(Method::POST, "/report", Access::Roles(REPORTERS)),
    rule(Method::GET, "/alerts", Access::Roles(EVERYONE)),
    rule(Method::GET, "/alerts/{id}", Access::Roles(EVERYONE)),
    rule(Method::POST, "/alerts/{id}/ack", Access::Roles(EVERYONE)),
    rule(
        Method::POST,
        "/alerts/{id}/decisions",
        Access::Roles(EVERYONE),
    ),
    rule(Method::GET, "/admin/users", Access::Roles(&[Admin])),
    rule(Method::POST, "/admin/users", Access::Roles(&[Admin])),
    rule(
        Method::POST,
        "/admin/users/{name}/role",
        Access::Roles(&[Admin]),
    ),
    rule(
        Method::POST,
        "/admin/users/{name}/disabled",
        Access::Roles(&[Admin]),
    ),
    rule(Method::GET, "/admin/units", Access::Roles(&[Admin])),
    rule(Method::POST, "/admin/units", Access::Roles(&[Admin])),
    rule(
        Method::POST,
        "/admin/units/{name}/rename",
        Access::Roles(&[Admin]),
    ),
    rule(
        Method::POST,
        "/admin/units/{name}/delete",
        Access::Roles(&[Admin]),
    ),
    rule(
        Method::POST,
        "/admin/units/{name}/parent",
        Access::Roles(&[Admin]),
    ),
    rule(
        Method::POST,
        "/admin/units/{name}/members",
        Access::Roles(&[Admin]),
    ),
    rule(
        Method::POST,
        "/admin/units/{name}/members/remove",
        Access::Roles(&[Admin]),
    ),
    rule(
        Method::POST,
        "/admin/units/{name}/addresses",
        Access::Roles(&[Admin]),
    ),
    rule(Method::GET, "/admin/routing", Access::Roles(&[Admin])),
    rule(Method::POST, "/admin/routing", Access::Roles(&[Admin])),
    rule(
        Method::POST,
        "/admin/routing/remove",
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

/// Whether `role` may call `method path` (a route as declared), by [`RULES`].
pub fn allows(role: Role, method: &Method, path: &str) -> bool {
    match rule_for(method, path).map(|rule| rule.access) {
        Some(Access::Public) => true,
        Some(Access::Roles(roles)) => roles.contains(&role),
        Some(Access::Gateway) | None => false,
    }
}

/// Whether a route is a page (answered in HTML) rather than part of the JSON API.
pub fn is_page(path: &str) -> bool {
    !path.starts_with("/api/") && path != "/health"
}

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
    State(state): State<Arc<AppState>>,
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
    let page = is_page(&path);
    let (principal, session_csrf) = if let Some(token) = bearer(&request) {
        match state.accounts.authenticate_token(token).await {
            Ok(Some(principal)) => (principal, None),
            Ok(None) => {
                return refuse(
                    StatusCode::UNAUTHORIZED,
                    "bad_token",
                    "the API token is unknown, revoked or its user disabled; ask an administrator for a new one"
                        .to_string(),
                )
            }
            Err(error) => return crate::ApiError::from(error).into_response(),
        }
    } else if let Some(cookie) = state.web.session_cookie(&request) {
        match state
            .accounts
            .session(cookie, time::OffsetDateTime::now_utc())
            .await
        {
            Ok(Some(live)) => (live.principal, Some(live.csrf_token)),
            Ok(None) if page => return to_login(&request),
            Ok(None) => {
                return refuse(
                    StatusCode::UNAUTHORIZED,
                    "session_ended",
                    "the session has ended (signed out, expired or the account disabled); sign in again at /login"
                        .to_string(),
                )
            }
            Err(error) => return crate::ApiError::from(error).into_response(),
        }
    } else if page {
        return to_login(&request);
    } else {
        return refuse(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "sign in: send an API token as 'Authorization: Bearer tcn_…' (an administrator \
             issues one with tocsin users token NAME), or sign in at /login in a browser"
                .to_string(),
        );
    };
    if !allowed.contains(&principal.role) {
        let names = allowed
            .iter()
            .map(|role| role.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        let message = format!(
            "this needs one of the roles {names}; you are signed in as {} ({})",
            principal.username, principal.role
        );
        if page {
            return crate::web::PageError {
                status: StatusCode::FORBIDDEN,
                code: "forbidden",
                message,
            }
            .into_response();
        }
        return refuse(StatusCode::FORBIDDEN, "forbidden", message);
    }
    if let Some(expected) = &session_csrf {
        if !request.method().is_safe() {
            request = match check_csrf(request, expected).await {
                Ok(request) => request,
                Err(message) if page => {
                    return crate::web::PageError {
                        status: StatusCode::FORBIDDEN,
                        code: "csrf_failed",
                        message,
                    }
                    .into_response()
                }
                Err(message) => return refuse(StatusCode::FORBIDDEN, "csrf_failed", message),
            };
        }
    }
    if let Some(token) = session_csrf {
        request
            .extensions_mut()
            .insert(crate::web::SessionCsrf(token));
    }
    request.extensions_mut().insert(principal);
    next.run(request).await
}

/// Sends an anonymous visitor of a page to the login page, to come back here after.
fn to_login(request: &Request) -> Response {
    let back = request
        .uri()
        .path_and_query()
        .map_or("/", |path| path.as_str());
    let next: String = back
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'/' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect();
    crate::web::see_other(&format!("/login?next={next}"))
}

/// The most bytes of a form read to find its CSRF token (a report's text fits well within).
const MAX_FORM_BYTES: usize = 256 * 1024;

/// Checks the synchronizer token of a state-changing request made with the session cookie:
/// the `X-CSRF-Token` header, or the `_csrf` field of a form body (which is read here and
/// handed on unchanged). Another site can make a browser send the cookie, but it cannot read
/// the token, which appears only in Tocsin's own pages.
async fn check_csrf(request: Request, expected: &str) -> Result<Request, String> {
    let stale =
        "the form is stale or did not come from a Tocsin page: reload the page and send it again"
            .to_string();
    if let Some(value) = request.headers().get("x-csrf-token") {
        return match value.to_str() {
            Ok(token) if same(token, expected) => Ok(request),
            _ => Err(stale),
        };
    }
    let is_form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(
            "send the session's CSRF token in the X-CSRF-Token header, or post the page's form"
                .to_string(),
        );
    }
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_FORM_BYTES)
        .await
        .map_err(|_| format!("the form is larger than {MAX_FORM_BYTES} bytes; send less text"))?;
    let presented = form_urlencoded::parse(&bytes)
        .find(|(name, _)| name == "_csrf")
        .map(|(_, value)| value.into_owned());
    match presented {
        Some(token) if same(&token, expected) => {
            Ok(Request::from_parts(parts, axum::body::Body::from(bytes)))
        }
        _ => Err(stale),
    }
}

/// Constant-time comparison, so timing says nothing about the expected token.
fn same(presented: &str, expected: &str) -> bool {
    let (a, b) = (presented.as_bytes(), expected.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
