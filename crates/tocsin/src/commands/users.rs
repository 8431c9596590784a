//! `tocsin users …`: accounts, roles, clearances and API tokens. Whoever runs these holds the
//! database, so they act as an administrator; the audit log names them as `cli:$USER`.

use std::io::Read;

use anyhow::Context;
use serde_json::json;
use tocsin_app::Accounts;
use tocsin_domain::{Role, Tlp};

use crate::cli::UsersCommand;
use crate::config::Settings;
use crate::output::emit;
use crate::Outcome;

pub async fn run(
    settings: &Settings,
    command: UsersCommand,
    json: bool,
) -> anyhow::Result<Outcome> {
    let store = super::open_store(settings).await?;
    let accounts = Accounts::new(store.clone());
    let actor = super::cli_actor();
    let now = super::now();
    match command {
        UsersCommand::Add {
            name,
            role,
            clearance,
            password_stdin,
        } => {
            let role: Role = role.parse()?;
            let clearance: Option<Tlp> = clearance.as_deref().map(str::parse).transpose()?;
            let password = if password_stdin {
                let mut text = String::new();
                std::io::stdin()
                    .read_to_string(&mut text)
                    .context("cannot read the password from standard input")?;
                Some(text.trim_end_matches(['\r', '\n']).to_string())
            } else {
                None
            };
            let user = accounts
                .add_user(&name, role, clearance, password.as_deref(), &actor, now)
                .await?;
            emit(json, &user, |u| {
                format!(
                    "created {} ({}, cleared for {}){}",
                    u.username,
                    u.role,
                    u.clearance,
                    if u.has_password {
                        ""
                    } else {
                        "; no password: issue a token with tocsin users token"
                    }
                )
            })?;
        }
        UsersCommand::List => {
            let users = store.users().await?;
            emit(json, &json!({ "users": users }), |_| {
                users
                    .iter()
                    .map(|u| {
                        format!(
                            "{:<20} {:<15} {:<17} {}",
                            u.username,
                            u.role.as_str(),
                            u.clearance.as_str(),
                            if u.disabled_at.is_some() {
                                "disabled"
                            } else {
                                ""
                            }
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })?;
        }
        UsersCommand::Token { name, label } => {
            let issued = accounts.issue_token(&name, &label, &actor, now).await?;
            emit(json, &issued, |t| {
                format!(
                    "{}\n(token {} for {}: shown only now; send it as 'Authorization: Bearer …')",
                    t.token, t.id, t.username
                )
            })?;
        }
        UsersCommand::Tokens { name } => {
            let tokens = store.tokens(name.as_deref()).await?;
            emit(json, &json!({ "tokens": tokens }), |_| {
                tokens
                    .iter()
                    .map(|t| {
                        format!(
                            "{:>5} {:<20} {:<30} {} {}",
                            t.id,
                            t.username,
                            t.label,
                            t.created_at,
                            t.revoked_at
                                .as_deref()
                                .map_or(String::new(), |at| format!("revoked {at}"))
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })?;
        }
        UsersCommand::Revoke { id } => {
            store.revoke_token(id, &actor, now).await?;
            emit(json, &json!({ "revoked": id }), |_| {
                format!("token {id} revoked")
            })?;
        }
        UsersCommand::SetRole {
            name,
            role,
            clearance,
        } => {
            let role: Role = role.parse()?;
            let clearance = match clearance {
                Some(text) => text.parse()?,
                None => role.default_clearance(),
            };
            let user = store
                .set_user_role(&name, role, clearance, &actor, now)
                .await?;
            emit(json, &user, |u| {
                format!(
                    "{} is now {}, cleared for {}",
                    u.username, u.role, u.clearance
                )
            })?;
        }
        UsersCommand::Disable { name } => {
            let user = store.set_user_disabled(&name, true, &actor, now).await?;
            emit(json, &user, |u| format!("{} disabled", u.username))?;
        }
        UsersCommand::Enable { name } => {
            let user = store.set_user_disabled(&name, false, &actor, now).await?;
            emit(json, &user, |u| format!("{} enabled", u.username))?;
        }
    }
    store.close().await;
    Ok(Outcome::Success)
}
