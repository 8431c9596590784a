//! What every signed-in page shares: who is signed in, the sign-out form's token, and the
//! links to the pages this user's role may open (read off the access rules, so a link is
//! shown only where it leads somewhere).

use axum::http::Method;
use tocsin_domain::Principal;

use crate::access;

use super::SessionCsrf;

/// A link in the page header.
#[derive(Debug, Clone)]
pub(crate) struct NavLink {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// The frame around a page's content (`templates/base.html`).
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    pub title: String,
    pub username: String,
    pub role: &'static str,
    /// Empty when the caller used an API token (no session to protect).
    pub csrf: String,
    pub nav: Vec<NavLink>,
}

const PAGES: &[(&str, &str)] = &[
    ("/", "Dashboard"),
    ("/reports", "Reports inbox"),
    ("/report", "Send a report"),
    ("/alerts", "Alerts"),
    ("/admin/users", "Users"),
    ("/admin/units", "Units"),
    ("/admin/routing", "Routing"),
];

impl Layout {
    pub fn new(
        title: impl Into<String>,
        current: &str,
        who: &Principal,
        csrf: Option<&SessionCsrf>,
    ) -> Layout {
        Layout {
            title: title.into(),
            username: who.username.clone(),
            role: who.role.as_str(),
            csrf: csrf.map(|c| c.0.clone()).unwrap_or_default(),
            nav: PAGES
                .iter()
                .filter(|(href, _)| access::allows(who.role, &Method::GET, href))
                .map(|&(href, label)| NavLink {
                    href,
                    label,
                    current: href == current,
                })
                .collect(),
        }
    }
}
