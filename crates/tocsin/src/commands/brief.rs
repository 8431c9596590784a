//! `tocsin brief SITUATION|parliament --format html|pdf -o FILE`: briefs cut to the
//! recipients' role and clearance.

use anyhow::Context;
use serde::Serialize;
use tocsin_app::brief;
use tocsin_app::Briefs;

use crate::cli::BriefArgs;
use crate::config::Settings;
use crate::output::emit;
use crate::Outcome;

#[derive(Serialize)]
struct Written {
    file: String,
    bytes: usize,
    media_type: &'static str,
}

pub async fn run(settings: &Settings, args: BriefArgs, json: bool) -> anyhow::Result<Outcome> {
    // Check what was typed before opening anything.
    let format = brief::format(&args.format)?;
    let reader = brief::reader(&args.role, &args.clearance)?;
    let now = super::now();
    let store = super::open_store(settings).await?;
    let catalogue = super::load_catalogue(settings)?;
    let params = super::assess::load_params(settings.stage_params.value.as_deref())?;
    let briefs = Briefs::new(store, catalogue, params);
    let document = if args.target.eq_ignore_ascii_case("parliament") {
        briefs
            .parliament_document(args.top, format, reader, now)
            .await?
    } else {
        briefs
            .situation_document(&args.target, format, reader, &super::cli_actor(), now)
            .await?
    };
    std::fs::write(&args.output, &document.bytes)
        .with_context(|| format!("cannot write the brief to {}", args.output.display()))?;
    let written = Written {
        file: args.output.display().to_string(),
        bytes: document.bytes.len(),
        media_type: document.media_type,
    };
    emit(json, &written, |w| {
        format!("wrote {} ({} bytes, {})", w.file, w.bytes, w.media_type)
    })?;
    Ok(Outcome::Success)
}
