//! `tocsin data list|fetch`: the public datasets of the manifest.

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use tocsin_datasets::{fetch, http_client, Event, Manifest, Origin};

use crate::cli::DataCommand;
use crate::config::Settings;
use crate::output::emit;
use crate::Outcome;

fn load_manifest(path: Option<&std::path::Path>) -> anyhow::Result<Manifest> {
    match path {
        None => Ok(Manifest::embedded()),
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the manifest {}", path.display()))?;
            Manifest::from_toml(&text).with_context(|| format!("manifest {}", path.display()))
        }
    }
}

#[derive(Serialize)]
struct ListedDataset<'a> {
    id: &'a str,
    path: &'a str,
    publisher: &'a str,
    url: &'a str,
    licence: &'a str,
    access: &'static str,
    bytes: u64,
    sha256: &'a str,
    note: Option<&'a str>,
}

pub async fn run(settings: &Settings, command: DataCommand, json: bool) -> anyhow::Result<Outcome> {
    match command {
        DataCommand::List { manifest } => {
            let manifest = load_manifest(manifest.as_deref())?;
            let listed: Vec<ListedDataset> = manifest
                .entries()
                .iter()
                .map(|e| ListedDataset {
                    id: e.id(),
                    path: e.path(),
                    publisher: e.publisher(),
                    url: e.url(),
                    licence: e.licence(),
                    access: e.access().as_str(),
                    bytes: e.bytes(),
                    sha256: e.sha256(),
                    note: e.note(),
                })
                .collect();
            emit(json, &listed, |rows| {
                rows.iter()
                    .map(|r| format!("{:<40} {:<9} {:<28} {}", r.id, r.access, r.licence, r.url))
                    .collect::<Vec<_>>()
                    .join("\n")
            })?;
            Ok(Outcome::Success)
        }
        DataCommand::Fetch {
            from,
            manifest,
            only,
            dest,
        } => {
            let manifest = load_manifest(manifest.as_deref())?;
            let entries = manifest.select(&only)?;
            let dest = dest.unwrap_or_else(|| settings.data_dir.value.join("datasets"));
            std::fs::create_dir_all(&dest)
                .with_context(|| format!("cannot create {}", dest.display()))?;
            let origin = match from {
                Some(dir) => Origin::Mirror(dir),
                None => Origin::Publisher,
            };
            let client = http_client()?;
            // One bar per file; indicatif hides it when stderr is not a terminal.
            let bar = ProgressBar::new(0);
            bar.set_style(
                ProgressStyle::with_template("{msg:40} [{bar:30}] {bytes}/{total_bytes}")
                    .expect("the progress template is valid")
                    .progress_chars("=> "),
            );
            let mut on_event = |event: Event| match event {
                Event::Started { id, bytes } => {
                    bar.reset();
                    bar.set_length(bytes.unwrap_or(0));
                    bar.set_message(id);
                }
                Event::Progress { bytes_done, .. } => bar.set_position(bytes_done),
                Event::Finished { id, outcome } => {
                    bar.println(format!("{id}: {}", outcome.status()));
                }
            };
            let report = fetch(&entries, &dest, &origin, &client, &mut on_event).await;
            bar.finish_and_clear();
            emit(json, &report, |report| {
                let mut text = String::new();
                for entry in report.outcomes() {
                    if let Some(reason) = entry.outcome.reason() {
                        text.push_str(&format!(
                            "{}: {} — {reason}\n",
                            entry.id,
                            entry.outcome.status()
                        ));
                    }
                }
                let counts = report.counts();
                text.push_str(&format!(
                    "{} fetched, {} already present, {} skipped, {} failed, in {}",
                    counts.fetched,
                    counts.already_present,
                    counts.skipped,
                    counts.failed,
                    dest.display()
                ));
                text
            })?;
            Ok(if report.ok() {
                Outcome::Success
            } else {
                Outcome::ProblemsFound
            })
        }
    }
}
