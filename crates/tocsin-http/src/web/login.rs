//! Signing in and out. A successful sign-in sets the session cookie (HttpOnly,
//! SameSite=Strict, Secure unless configured off) and sends the user on; failures are counted
//! by [`super::LoginLimiter`] and, past its limits, refused with 429 before any password is
//! checked.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequest, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Form, Router};
use serde::Deserialize;
use tocsin_domain::{Principal, Role};

use super::{local_path, render, see_other, PageError};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(page).post(sign_in))
        .route("/logout", post(sign_out))
}

#[derive(askama::Template)]
#[template(path = "login.html")]
struct LoginPage {
    next: String,
    username: String,
    error: Option<String>,
}

#[derive(Debug, Deserialize)]
struct NextQuery {
    next: Option<String>,
}

async fn page(Query(query): Query<NextQuery>) -> Response {
    render(
        StatusCode::OK,
        &LoginPage {
            next: local_path(query.next.as_deref()).unwrap_or_default(),
            username: String::new(),
            error: None,
        },
    )
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
}

/// Where a user lands after signing in when no page was asked for: monitors at the report
/// form, everyone else at the dashboard.
fn home(who: &Principal) -> &'static str {
    if who.role == Role::Monitor {
        "/report"
    } else {
        "/"
    }
}

/// The client's address as the socket saw it ("unknown" when served without one, as in
/// tests that call the router directly).
fn client_address(request: &Request) -> String {
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "unknown".to_string(), |info| info.0.ip().to_string())
}

/// A form posted from another site is refused even before the password is checked: the
/// browser names the page's origin, and it must be this server.
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let origin_host = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"));
    matches!((origin_host, host), (Some(a), Some(b)) if a == b)
}

async fn sign_in(State(state): State<AppState>, request: Request) -> Result<Response, PageError> {
    let address = client_address(&request);
    if !same_origin(request.headers()) {
        return Err(PageError {
            status: StatusCode::FORBIDDEN,
            code: "cross_origin",
            message: "this sign-in form was sent from another site; open Tocsin's own login page"
                .to_string(),
        });
    }
    let Form(form) = Form::<LoginForm>::from_request(request, &state)
        .await
        .map_err(|rejection| PageError {
            status: StatusCode::BAD_REQUEST,
            code: "invalid_form",
            message: format!("the sign-in form could not be read ({rejection}); reload the page"),
        })?;
    let next = local_path(form.next.as_deref());
    let limiter = &state.web.limiter;
    let now = std::time::Instant::now();
    if let Err(wait) = limiter.check(&form.username, &address, now) {
        let minutes = wait.as_secs().div_ceil(60);
        let mut response = render(
            StatusCode::TOO_MANY_REQUESTS,
            &LoginPage {
                next: next.unwrap_or_default(),
                username: form.username.clone(),
                error: Some(format!(
                    "Too many failed sign-ins for this user name or from this address. \
                     Wait {minutes} minute(s) and try again, or ask an administrator."
                )),
            },
        );
        if let Ok(value) = HeaderValue::from_str(&wait.as_secs().max(1).to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        return Ok(response);
    }
    let started = state
        .accounts
        .sign_in(
            form.username.trim(),
            &form.password,
            time::OffsetDateTime::now_utc(),
            state.web.settings.session_lifetime,
        )
        .await?;
    let Some(started) = started else {
        limiter.fail(&form.username, &address, now);
        tracing::info!(%address, "failed sign-in");
        return Ok(render(
            StatusCode::UNAUTHORIZED,
            &LoginPage {
                next: next.unwrap_or_default(),
                username: form.username.clone(),
                error: Some("Wrong user name or password.".to_string()),
            },
        ));
    };
    limiter.succeed(&form.username);
    let mut response = see_other(&next.unwrap_or_else(|| home(&started.principal).to_string()));
    response.headers_mut().insert(
        header::SET_COOKIE,
        state.web.set_cookie(
            &started.cookie,
            state.web.settings.session_lifetime.whole_seconds(),
        ),
    );
    Ok(response)
}

async fn sign_out(
    State(state): State<AppState>,
    Extension(_who): Extension<Principal>,
    request: Request,
) -> Result<Response, PageError> {
    if let Some(cookie) = state.web.session_cookie(&request) {
        state
            .accounts
            .sign_out(cookie, time::OffsetDateTime::now_utc())
            .await?;
    }
    let mut response = see_other("/login");
    response
        .headers_mut()
        .insert(header::SET_COOKIE, state.web.set_cookie("", 0));
    Ok(response.into_response())
}
