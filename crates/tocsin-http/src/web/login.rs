//! Signing in and out. A successful sign-in sets the session cookie (HttpOnly,
//! SameSite=Strict, Secure unless configured off) and sends the user on; failures are counted
//! by [`super::LoginLimiter`] and, past its limits, refused with 429 before any password is
//! checked.
//!
//! The login form itself is protected against being posted from another site (which could
//! sign a victim's browser into an attacker's account): the page sets a random value both in
//! a SameSite=Strict cookie and in a hidden field, and the sign-in must present both, equal.
//! Another site can post the form but cannot read the field nor make the browser send the
//! cookie. (Checking the `Origin` header instead would not do: under the no-referrer policy
//! every page here carries, browsers send `Origin: null`.)

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequest, Query, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Form, Router};
use rand_core::{OsRng, RngCore};
use serde::Deserialize;
use tocsin_domain::{Principal, Role};

use super::{local_path, render, see_other, PageError};
use crate::AppState;

pub fn routes() -> Router<Arc<AppState>> {
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
    /// The form token, also set in the login cookie.
    token: String,
}

#[derive(Debug, Deserialize)]
struct NextQuery {
    next: Option<String>,
}

async fn page(State(state): State<Arc<AppState>>, Query(query): Query<NextQuery>) -> Response {
    login_page(
        &state,
        StatusCode::OK,
        local_path(query.next.as_deref()),
        String::new(),
        None,
    )
}

/// The login page with a fresh form token, in the page and in its cookie.
fn login_page(
    state: &AppState,
    status: StatusCode,
    next: Option<String>,
    username: String,
    error: Option<String>,
) -> Response {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let mut response = render(
        status,
        &LoginPage {
            next: next.unwrap_or_default(),
            username,
            error,
            token: token.clone(),
        },
    );
    response.headers_mut().append(
        header::SET_COOKIE,
        state
            .web
            .set_named_cookie(state.web.login_cookie_name(), &token, 3600),
    );
    response
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
    #[serde(rename = "_login")]
    token: Option<String>,
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

async fn sign_in(
    State(state): State<Arc<AppState>>,
    request: Request,
) -> Result<Response, PageError> {
    let address = client_address(&request);
    let cookie =
        super::cookie(request.headers(), state.web.login_cookie_name()).map(str::to_string);
    let Form(form) = Form::<LoginForm>::from_request(request, &state)
        .await
        .map_err(|rejection| PageError {
            status: StatusCode::BAD_REQUEST,
            code: "invalid_form",
            message: format!("the sign-in form could not be read ({rejection}); reload the page"),
        })?;
    let next = local_path(form.next.as_deref());
    let genuine = matches!(
        (cookie.as_deref(), form.token.as_deref()),
        (Some(a), Some(b)) if a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    );
    if !genuine {
        return Err(PageError {
            status: StatusCode::FORBIDDEN,
            code: "login_form_expired",
            message: "the sign-in form has expired or was sent from another site; open the login page again and sign in"
                .to_string(),
        });
    }
    let limiter = &state.web.limiter;
    let now = std::time::Instant::now();
    if let Err(wait) = limiter.check(&form.username, &address, now) {
        let minutes = wait.as_secs().div_ceil(60);
        let mut response = login_page(
            &state,
            StatusCode::TOO_MANY_REQUESTS,
            next,
            form.username.clone(),
            Some(format!(
                "Too many failed sign-ins for this user name or from this address. \
                 Wait {minutes} minute(s) and try again, or ask an administrator."
            )),
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
        return Ok(login_page(
            &state,
            StatusCode::UNAUTHORIZED,
            next,
            form.username.clone(),
            Some("Wrong user name or password.".to_string()),
        ));
    };
    limiter.succeed(&form.username);
    let mut response = see_other(&next.unwrap_or_else(|| home(&started.principal).to_string()));
    let headers = response.headers_mut();
    headers.append(
        header::SET_COOKIE,
        state.web.set_cookie(
            &started.cookie,
            state.web.settings.session_lifetime.whole_seconds(),
        ),
    );
    // The form token has served its purpose.
    headers.append(
        header::SET_COOKIE,
        state
            .web
            .set_named_cookie(state.web.login_cookie_name(), "", 0),
    );
    Ok(response)
}

async fn sign_out(
    State(state): State<Arc<AppState>>,
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
