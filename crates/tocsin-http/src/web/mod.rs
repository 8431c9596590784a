//! The web application: server-rendered pages (askama templates under `templates/`) for
//! people in a browser, signed in with a session cookie.
//!
//! Pages go through the same access rules as the API ([`crate::access::RULES`] lists them
//! too): the access layer finds the caller from the session cookie (or an API token), checks
//! the role, and for every state-changing request made with the cookie checks the session's
//! synchronizer token (`_csrf` form field or `X-CSRF-Token` header). Anonymous visitors of a
//! page are sent to the login page; a signed-in user without the role gets 403.
//!
//! Pages work without JavaScript, except the maps, which need it (and WebGL); the data shown
//! on a map is also listed on the page. Scripts, styles and the base map are served from the
//! binary (`assets.rs`), so the server works with no internet.

mod admin;
mod alerts;
pub mod assets;
mod form;
mod inbox;
mod layout;
pub mod limit;
mod login;
mod pages;
mod units;

use std::sync::Arc;

use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;

use crate::{ApiError, AppState};

pub use limit::{Limits, LoginLimiter};

/// How browser sessions behave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WebSettings {
    /// Mark the session cookie `Secure` (sent over HTTPS only). Turn off only to use the
    /// server over plain HTTP on loopback.
    pub secure_cookies: bool,
    /// How long a session lasts from sign-in.
    pub session_lifetime: time::Duration,
    pub login_limits: Limits,
}

impl Default for WebSettings {
    fn default() -> WebSettings {
        WebSettings {
            secure_cookies: true,
            session_lifetime: time::Duration::hours(8),
            login_limits: Limits::default(),
        }
    }
}

/// The web application's share of the server's state.
#[derive(Debug, Clone)]
pub struct Web {
    pub settings: WebSettings,
    limiter: Arc<LoginLimiter>,
}

impl Web {
    pub fn new(settings: WebSettings) -> Web {
        Web {
            limiter: Arc::new(LoginLimiter::new(settings.login_limits)),
            settings,
        }
    }

    /// The session cookie's name: with `Secure`, the `__Host-` prefix also binds it to this
    /// host and path `/` (browsers refuse it otherwise).
    pub fn cookie_name(&self) -> &'static str {
        if self.settings.secure_cookies {
            "__Host-tocsin_session"
        } else {
            "tocsin_session"
        }
    }

    /// The login form's cookie (see `login.rs`).
    pub fn login_cookie_name(&self) -> &'static str {
        if self.settings.secure_cookies {
            "__Host-tocsin_login"
        } else {
            "tocsin_login"
        }
    }

    /// The session cookie's value in a request, if it carries one.
    pub(crate) fn session_cookie<'r>(&self, request: &'r Request) -> Option<&'r str> {
        cookie(request.headers(), self.cookie_name())
    }

    fn set_cookie(&self, value: &str, max_age: i64) -> HeaderValue {
        self.set_named_cookie(self.cookie_name(), value, max_age)
    }

    fn set_named_cookie(&self, name: &str, value: &str, max_age: i64) -> HeaderValue {
        let secure = if self.settings.secure_cookies {
            "; Secure"
        } else {
            ""
        };
        HeaderValue::from_str(&format!(
            "{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
        ))
        .expect("a cookie is visible ASCII")
    }
}

/// The value of the cookie `name` in request headers, if present and not empty.
pub(crate) fn cookie<'r>(headers: &'r axum::http::HeaderMap, name: &str) -> Option<&'r str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
        .filter(|value| !value.is_empty())
}

/// The synchronizer token of the session a request was made with, for the forms a page
/// renders. Absent when the caller signed in with an API token (which needs none).
#[derive(Debug, Clone)]
pub(crate) struct SessionCsrf(pub String);

/// The content policy of pages: scripts, styles, images and data from this server only; the
/// map library's worker is a file here too (its CSP build), and forms post only here.
pub const PAGE_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    img-src 'self' data: blob:; connect-src 'self'; worker-src 'self' blob:; \
    font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// A rendered page with its content policy; never cached (it shows one user's data).
pub(crate) fn html(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(PAGE_POLICY),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Renders a template into a page.
pub(crate) fn render(status: StatusCode, template: &impl askama::Template) -> Response {
    match template.render() {
        Ok(body) => html(status, body),
        Err(error) => PageError::from(ApiError::Internal(Box::new(error))).into_response(),
    }
}

/// A 303 to `location` (after a form, so reloading does not send it again).
pub(crate) fn see_other(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// A local path to go back to, from a form field: only paths on this server (`/…`, not
/// `//host`), so a crafted link cannot send someone elsewhere after signing in.
pub(crate) fn local_path(raw: Option<&str>) -> Option<String> {
    raw.filter(|path| {
        path.starts_with('/')
            && !path.starts_with("//")
            && !path.starts_with("/\\")
            && path.len() <= 512
            && path.bytes().all(|b| b.is_ascii_graphic())
    })
    .map(str::to_string)
}

/// An error shown as a page: the same status, code and message as the API's JSON.
#[derive(Debug)]
pub(crate) struct PageError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl From<ApiError> for PageError {
    fn from(error: ApiError) -> PageError {
        let (status, code, message) = error.parts();
        PageError {
            status,
            code,
            message,
        }
    }
}

impl From<tocsin_store::StoreError> for PageError {
    fn from(error: tocsin_store::StoreError) -> PageError {
        PageError::from(ApiError::from(error))
    }
}

#[derive(askama::Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    status: u16,
    code: &'a str,
    message: &'a str,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let page = ErrorPage {
            status: self.status.as_u16(),
            code: self.code,
            message: &self.message,
        };
        match askama::Template::render(&page) {
            Ok(body) => html(self.status, body),
            Err(error) => {
                tracing::error!(%error, "the error page did not render");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
            }
        }
    }
}

/// Every page route.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .merge(login::routes())
        .merge(pages::routes())
        .merge(inbox::routes())
        .merge(form::routes())
        .merge(admin::routes())
        .merge(units::routes())
        .merge(alerts::routes())
        .merge(assets::routes())
}
