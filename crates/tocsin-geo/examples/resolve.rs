//! Loads the real gazetteer, says how long that took and how much memory it holds, then
//! resolves each argument (or, with `--text`, finds places in each argument).
//!
//! `cargo run --release -p tocsin-geo --example resolve -- ../shared/data "Goma (DRC)" حلب`

use std::fs::File;
use std::io::BufReader;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use tocsin_geo::Gazetteer;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let data = PathBuf::from(
        args.next()
            .context("usage: resolve DATA_DIR [--text] QUERY…")?,
    );
    let geo = data.join("geo");
    let before = resident_kib();
    let started = Instant::now();
    let cities = std::fs::read(geo.join("geonames_cities15000.json"))?;
    let read = started.elapsed();
    let gazetteer = Gazetteer::from_geonames_slice(&cities)?;
    drop(cities);
    let cities_loaded = started.elapsed();
    let countries = BufReader::new(File::open(geo.join("countrycode_codelist.csv"))?);
    let gazetteer = gazetteer.with_country_names(countries)?;
    let loaded = started.elapsed();
    eprintln!(
        "read {read:?}, cities indexed {cities_loaded:?}, with country names {loaded:?}; \
         resident memory +{} MiB (peak {} MiB); {:?}",
        resident_kib().saturating_sub(before) / 1024,
        peak_kib() / 1024,
        gazetteer.stats()
    );
    let mut text_mode = false;
    for query in args {
        if query == "--text" {
            text_mode = true;
            continue;
        }
        let started = Instant::now();
        if text_mode {
            let mentions = gazetteer.find_in_text(&query);
            println!("{query} ({:?})", started.elapsed());
            for mention in mentions {
                println!(
                    "  {:?} {}",
                    &query[mention.span.clone()],
                    serde_json::to_string(&mention.resolution)?
                );
            }
        } else {
            println!(
                "{query:?} => {}",
                serde_json::to_string(&gazetteer.resolve(&query, None))?
            );
        }
    }
    Ok(())
}

fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with(field))
                .and_then(|line| line.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn resident_kib() -> u64 {
    status_kib("VmRSS:")
}

fn peak_kib() -> u64 {
    status_kib("VmHWM:")
}
