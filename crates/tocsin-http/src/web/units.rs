//! Administration of the organisation alerts are routed through: units (add, rename, delete
//! or retire, put under another in the chain of command, members, addresses) and routing (which unit answers for
//! which situation, country or `*`, and where an alert about a given situation would go
//! now). Every change goes through the alert service, which checks it and puts it on the
//! record; the routing answer comes from the same rule that routes alerts.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Extension, Form, Router};
use serde::Deserialize;
use std::sync::Arc;
use tocsin_app::alerts::Route;
use tocsin_domain::{Principal, Tlp};
use tocsin_store::{UnitRemoval, UnitRow, ADDRESS_CHANNELS, UNIT_KINDS};

use super::layout::Layout;
use super::{render, see_other, PageError, SessionCsrf};
use crate::{ApiError, AppState};

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/admin/units", get(units).post(add_unit))
        .route("/admin/units/{name}/rename", post(rename_unit))
        .route("/admin/units/{name}/delete", post(delete_unit))
        .route("/admin/units/{name}/parent", post(set_parent))
        .route("/admin/units/{name}/members", post(add_member))
        .route("/admin/units/{name}/members/remove", post(remove_member))
        .route("/admin/units/{name}/addresses", post(add_address))
        .route("/admin/routing", get(routing).post(add_area))
        .route("/admin/routing/remove", post(remove_area))
}

fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

fn failed(error: tocsin_app::AlertError) -> PageError {
    PageError::from(ApiError::from(error))
}

/// A unit's name in a path: the page links them percent-encoded, so decode the same way.
fn unit_path(name: &str) -> String {
    form_urlencoded::byte_serialize(name.as_bytes()).collect()
}

/// A unit as the units page shows it.
struct UnitCard {
    unit: UnitRow,
    /// The unit's name as it goes in a form's address.
    path: String,
    /// Units it may be put under: every other one in service (the service refuses a loop).
    parents: Vec<String>,
    /// Users not in it yet.
    candidates: Vec<String>,
}

#[derive(askama::Template)]
#[template(path = "admin_units.html")]
struct UnitsPage {
    layout: Layout,
    units: Vec<UnitCard>,
    names: Vec<String>,
    kinds: Vec<&'static str>,
    channels: Vec<&'static str>,
    tlps: Vec<&'static str>,
}

async fn units(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Principal>,
    csrf: Option<Extension<SessionCsrf>>,
) -> Result<Response, PageError> {
    let units = state.alerts.units().await.map_err(failed)?;
    let users: Vec<String> = state
        .store
        .users()
        .await?
        .into_iter()
        .filter(|user| user.disabled_at.is_none())
        .map(|user| user.username)
        .collect();
    // Units in service: the only ones that may take sub-units.
    let names: Vec<String> = units
        .iter()
        .filter(|unit| unit.retired_at.is_none())
        .map(|unit| unit.name.clone())
        .collect();
    let cards = units
        .into_iter()
        .map(|unit| UnitCard {
            path: unit_path(&unit.name),
            parents: names
                .iter()
                .filter(|name| **name != unit.name)
                .cloned()
                .collect(),
            candidates: users
                .iter()
                .filter(|user| !unit.members.contains(user))
                .cloned()
                .collect(),
            unit,
        })
        .collect();
    Ok(render(
        StatusCode::OK,
        &UnitsPage {
            layout: Layout::new("Units", "/admin/units", &who, csrf.as_ref().map(|c| &c.0)),
            units: cards,
            names,
            kinds: UNIT_KINDS.to_vec(),
            channels: ADDRESS_CHANNELS.to_vec(),
            tlps: Tlp::ALL.into_iter().map(Tlp::as_str).collect(),
        },
    ))
}

/// An optional unit name from a form: empty means none.
fn optional(raw: Option<&str>) -> Option<&str> {
    raw.map(str::trim).filter(|value| !value.is_empty())
}

#[derive(Deserialize)]
struct AddUnitForm {
    name: String,
    kind: String,
    parent: Option<String>,
}

async fn add_unit(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Principal>,
    Form(form): Form<AddUnitForm>,
) -> Result<Response, PageError> {
    state
        .alerts
        .create_unit(
            &form.name,
            &form.kind,
            optional(form.parent.as_deref()),
            &who.username,
            now(),
        )
        .await
        .map_err(failed)?;
    Ok(see_other("/admin/units"))
}

#[derive(Deserialize)]
struct ParentForm {
    /// Empty: the unit reports to no one.
    parent: Option<String>,
}

async fn set_parent(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Principal>,
    Path(name): Path<String>,
    Form(form): Form<ParentForm>,
) -> Result<Response, PageError> {
    state
        .alerts
        .set_parent(
            &name,
            optional(form.parent.as_deref()),
            &who.username,
            now(),
        )
        .await
        .map_err(failed)?;
    Ok(see_other("/admin/units"))
}

#[derive(Deserialize)]
struct RenameForm {
    name: String,
}

async fn rename_unit(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Principal>,
    Path(name): Path<String>,
    Form(form): Form<RenameForm>,
) -> Result<Response, PageError> {
    let unit = state
        .alerts
        .rename_unit(&name, &form.name, &who.username, now())
        .await
        .map_err(failed)?;
    Ok(see_other(&format!(
        "/admin/units#unit-{}",
        unit_path(&unit.name)
    )))
}

#[derive(Deserialize)]
struct DeleteForm {
    /// The box the administrator ticks to say they mean it.
    confirm: Option<String>,
}

async fn delete_unit(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Principal>,
    Path(name): Path<String>,
    Form(form): Form<DeleteForm>,
) -> Result<Response, PageError> {
    if form.confirm.as_deref() != Some("yes") {
        return Err(PageError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "confirm_delete",
            message: format!("tick the box to confirm that unit {name} is to be deleted"),
        });
    }
    let removal = state
        .alerts
        .delete_unit(&name, &who.username, now())
        .await
        .map_err(failed)?;
    Ok(match removal {
        UnitRemoval::Deleted { .. } => see_other("/admin/units"),
        UnitRemoval::Retired { unit } => {
            see_other(&format!("/admin/units#unit-{}", unit_path(&unit.name)))
        }
    })
}

#[derive(Deserialize)]
struct MemberForm {
    username: String,
}

async fn add_member(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Principal>,
    Path(name): Path<String>,
    Form(form): Form<MemberForm>,
) -> Result<Response, PageError> {
    state
        .alerts
        .add_member(&name, form.username.trim(), &who.username, now())
        .await
        .map_err(failed)?;
    Ok(see_other("/admin/units"))
}

async fn remove_member(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Principal>,
    Path(name): Path<String>,
    Form(form): Form<MemberForm>,
) -> Result<Response, PageError> {
    state
        .alerts
        .remove_member(&name, form.username.trim(), &who.username, now())
        .await
        .map_err(failed)?;
    Ok(see_other("/admin/units"))
}

#[derive(Deserialize)]
struct AddressForm {
    channel: String,
    address: String,
    clearance: Option<String>,
}

async fn add_address(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Principal>,
    Path(name): Path<String>,
    Form(form): Form<AddressForm>,
) -> Result<Response, PageError> {
    let clearance = optional(form.clearance.as_deref())
        .map(str::parse::<Tlp>)
        .transpose()
        .map_err(|error| PageError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "bad_clearance",
            message: error.to_string(),
        })?;
    state
        .alerts
        .add_address(
            &name,
            &form.channel,
            form.address.trim(),
            clearance,
            &who.username,
            now(),
        )
        .await
        .map_err(failed)?;
    Ok(see_other("/admin/units"))
}

/// One area of responsibility and the units answering for it.
struct AreaLine {
    area: String,
    /// Whether the area is one situation (so the page can offer to check its route).
    checkable: bool,
    /// The routing page asking about it.
    href: String,
    units: Vec<String>,
}

#[derive(askama::Template)]
#[template(path = "admin_routing.html")]
struct RoutingPage {
    layout: Layout,
    areas: Vec<AreaLine>,
    names: Vec<String>,
    /// The situation asked about, and where its alerts would go.
    route: Option<Route>,
    asked: String,
}

#[derive(Deserialize)]
struct RoutingQuery {
    situation: Option<String>,
}

async fn routing(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Principal>,
    csrf: Option<Extension<SessionCsrf>>,
    Query(query): Query<RoutingQuery>,
) -> Result<Response, PageError> {
    let units = state.alerts.units().await.map_err(failed)?;
    let mut areas: Vec<AreaLine> = Vec::new();
    for unit in &units {
        for area in &unit.areas {
            match areas.iter_mut().find(|line| line.area == *area) {
                Some(line) => line.units.push(unit.name.clone()),
                None => areas.push(AreaLine {
                    area: area.clone(),
                    checkable: area != "*",
                    href: format!(
                        "/admin/routing?situation={}",
                        form_urlencoded::byte_serialize(area.as_bytes()).collect::<String>()
                    ),
                    units: vec![unit.name.clone()],
                }),
            }
        }
    }
    // Situations by id, then every other situation (`*`) last, as the rule reads.
    areas.sort_by(|a, b| (a.area == "*", &a.area).cmp(&(b.area == "*", &b.area)));
    let asked = optional(query.situation.as_deref()).map(str::to_string);
    let route = match &asked {
        Some(situation) => Some(state.alerts.route(situation).await.map_err(failed)?),
        None => None,
    };
    Ok(render(
        StatusCode::OK,
        &RoutingPage {
            layout: Layout::new(
                "Routing",
                "/admin/routing",
                &who,
                csrf.as_ref().map(|c| &c.0),
            ),
            areas,
            names: units
                .into_iter()
                .filter(|unit| unit.retired_at.is_none())
                .map(|unit| unit.name)
                .collect(),
            route,
            asked: asked.unwrap_or_default(),
        },
    ))
}

#[derive(Deserialize)]
struct AreaForm {
    unit: String,
    area: String,
}

async fn add_area(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Principal>,
    Form(form): Form<AreaForm>,
) -> Result<Response, PageError> {
    state
        .alerts
        .add_area(form.unit.trim(), &form.area, &who.username, now())
        .await
        .map_err(failed)?;
    Ok(see_other("/admin/routing"))
}

async fn remove_area(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Principal>,
    Form(form): Form<AreaForm>,
) -> Result<Response, PageError> {
    state
        .alerts
        .remove_area(form.unit.trim(), &form.area, &who.username, now())
        .await
        .map_err(failed)?;
    Ok(see_other("/admin/routing"))
}
