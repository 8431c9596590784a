//! Administration: users (list, add with a password, change role, disable and enable). An
//! administrator cannot disable their own account or change their own role here, so the last
//! administrator cannot lock everyone out by a slip; `tocsin users` on the server can.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Extension, Form, Router};
use serde::Deserialize;
use std::sync::Arc;
use tocsin_app::AccountError;
use tocsin_domain::{Principal, Role};

use super::layout::Layout;
use super::{render, see_other, PageError, SessionCsrf};
use crate::AppState;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/admin/users", get(users).post(add))
        .route("/admin/users/{name}/role", post(change_role))
        .route("/admin/users/{name}/disabled", post(disable))
}

fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

fn invalid(code: &'static str, message: impl Into<String>) -> PageError {
    PageError {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        code,
        message: message.into(),
    }
}

struct UserLine {
    username: String,
    role: &'static str,
    clearance: &'static str,
    has_password: bool,
    created_at: String,
    disabled: bool,
    is_self: bool,
}

#[derive(askama::Template)]
#[template(path = "admin_users.html")]
struct UsersPage {
    layout: Layout,
    users: Vec<UserLine>,
    roles: Vec<&'static str>,
}

async fn users(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Principal>,
    csrf: Option<Extension<SessionCsrf>>,
) -> Result<Response, PageError> {
    let users = state
        .store
        .users()
        .await?
        .into_iter()
        .map(|user| UserLine {
            is_self: user.username == who.username,
            role: user.role.as_str(),
            clearance: user.clearance.as_str(),
            has_password: user.has_password,
            created_at: user.created_at,
            disabled: user.disabled_at.is_some(),
            username: user.username,
        })
        .collect();
    Ok(render(
        StatusCode::OK,
        &UsersPage {
            layout: Layout::new("Users", "/admin/users", &who, csrf.as_ref().map(|c| &c.0)),
            users,
            roles: Role::ALL.iter().map(|r| r.as_str()).collect(),
        },
    ))
}

fn parse_role(raw: &str) -> Result<Role, PageError> {
    raw.parse()
        .map_err(|error: tocsin_domain::DomainError| invalid("invalid_role", error.to_string()))
}

#[derive(Deserialize)]
struct AddForm {
    username: String,
    role: String,
    password: String,
}

async fn add(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Principal>,
    Form(form): Form<AddForm>,
) -> Result<Response, PageError> {
    let role = parse_role(&form.role)?;
    state
        .accounts
        .add_user(
            form.username.trim(),
            role,
            None,
            Some(&form.password),
            &who.username,
            now(),
        )
        .await
        .map_err(|error| match error {
            AccountError::Store(store) => PageError::from(store),
            AccountError::BadUsername(_) => invalid("invalid_username", error.to_string()),
            AccountError::WeakPassword => invalid("weak_password", error.to_string()),
            AccountError::Hash(_) => PageError::from(crate::ApiError::Internal(Box::new(error))),
        })?;
    Ok(see_other("/admin/users"))
}

fn not_self(who: &Principal, name: &str) -> Result<(), PageError> {
    if who.username == name {
        return Err(invalid(
            "own_account",
            "you cannot change your own role or disable yourself here; another administrator can, or use tocsin users on the server",
        ));
    }
    Ok(())
}

#[derive(Deserialize)]
struct RoleForm {
    role: String,
}

async fn change_role(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Principal>,
    Path(name): Path<String>,
    Form(form): Form<RoleForm>,
) -> Result<Response, PageError> {
    not_self(&who, &name)?;
    let role = parse_role(&form.role)?;
    state.store.user(&name).await?;
    state
        .store
        .set_user_role(&name, role, role.default_clearance(), &who.username, now())
        .await?;
    Ok(see_other("/admin/users"))
}

#[derive(Deserialize)]
struct DisableForm {
    disabled: bool,
}

async fn disable(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Principal>,
    Path(name): Path<String>,
    Form(form): Form<DisableForm>,
) -> Result<Response, PageError> {
    not_self(&who, &name)?;
    state
        .store
        .set_user_disabled(&name, form.disabled, &who.username, now())
        .await?;
    Ok(see_other("/admin/users"))
}
