//! `tocsin audit verify`: walk the hash chain and name the first entry that does not check out.

use serde::Serialize;

use crate::cli::AuditCommand;
use crate::config::Settings;
use crate::output::emit;
use crate::Outcome;

#[derive(Serialize)]
struct Verified {
    ok: bool,
    entries: u64,
    first_bad_entry: Option<i64>,
    reason: Option<String>,
}

pub async fn run(
    settings: &Settings,
    command: AuditCommand,
    json: bool,
) -> anyhow::Result<Outcome> {
    let AuditCommand::Verify = command;
    let store = super::open_store(settings).await?;
    let report = store.verify_audit().await?;
    store.close().await;
    let result = Verified {
        ok: report.first_break.is_none(),
        entries: report.entries,
        first_bad_entry: report.first_break.as_ref().map(|b| b.seq),
        reason: report.first_break.map(|b| b.reason),
    };
    emit(json, &result, |r| match (r.first_bad_entry, &r.reason) {
        (Some(seq), Some(reason)) => format!(
            "audit log BROKEN at entry {seq}: {reason}\nentries from {seq} on cannot be trusted; \
             restore the database from a backup and compare"
        ),
        _ => format!(
            "audit log intact: {} entries, hash chain verified",
            r.entries
        ),
    })?;
    Ok(if result.ok {
        Outcome::Success
    } else {
        Outcome::ProblemsFound
    })
}
