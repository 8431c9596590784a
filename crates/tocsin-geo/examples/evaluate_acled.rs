//! Measures the gazetteer against ACLED's own geocoding: each event has a location name, its
//! country and coordinates, and a narrative note. Prints how often the typed place resolves to
//! the right country, how far the point lands from ACLED's, and which words the text scanner
//! takes for places in the wrong country (candidates for the stoplist).
//!
//! `cargo run --release -p tocsin-geo --example evaluate_acled -- ../shared/data`

use std::collections::HashMap;
use std::fs::File;
use std::path::PathBuf;

use anyhow::Context;
use tocsin_geo::{Gazetteer, PlaceKind, Resolution};

fn main() -> anyhow::Result<()> {
    let data = PathBuf::from(
        std::env::args()
            .nth(1)
            .context("usage: evaluate_acled DATA_DIR")?,
    );
    let cities = std::fs::read(data.join("geo/geonames_cities15000.json"))?;
    let gazetteer = Gazetteer::from_geonames_slice(&cities)?
        .with_country_names(File::open(data.join("geo/countrycode_codelist.csv"))?)?;
    let mut events = csv::Reader::from_path(data.join("events/acled_2022h1_sample9000.csv"))?;
    let headers = events.headers()?.clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .context(name.to_string())
    };
    let (country_col, location_col, notes_col) =
        (column("country")?, column("location")?, column("notes")?);
    let (lat_col, lon_col) = (column("latitude")?, column("longitude")?);

    let mut counts: HashMap<&str, usize> = HashMap::new();
    let mut distances = Vec::new();
    let mut wrong_in_text: HashMap<String, usize> = HashMap::new();
    let mut wrong_typed: HashMap<String, usize> = HashMap::new();
    let (mut mentions, mut right_mentions, mut rows_with_right_mention, mut rows) = (0, 0, 0, 0);
    for record in events.records() {
        let record = record?;
        let Some(truth) = gazetteer
            .resolve(&record[country_col], None)
            .place()
            .filter(|p| p.kind == PlaceKind::Country)
            .map(|p| p.situation.clone())
        else {
            *counts.entry("country name unknown").or_default() += 1;
            continue;
        };
        rows += 1;
        let location = &record[location_col];
        let query = format!("{location}, {}", &record[country_col]);
        let outcome = match gazetteer.resolve(&query, None) {
            Resolution::Resolved(p) if p.situation == truth && p.kind == PlaceKind::City => {
                let (lat, lon): (f64, f64) = (record[lat_col].parse()?, record[lon_col].parse()?);
                distances.push(km(p.point, (lat, lon)));
                "with country: city"
            }
            Resolution::Resolved(p) if p.situation == truth => "with country: country only",
            Resolution::Resolved(_) => "with country: WRONG",
            Resolution::Ambiguous { .. } => "with country: ambiguous",
            Resolution::Unresolved { .. } => "with country: unresolved",
        };
        *counts.entry(outcome).or_default() += 1;
        let outcome = match gazetteer.resolve(location, None) {
            Resolution::Resolved(p) if p.situation == truth => "name only: right",
            Resolution::Resolved(p) => {
                *wrong_typed
                    .entry(format!("{location} -> {} ({})", p.name, p.situation))
                    .or_default() += 1;
                "name only: WRONG"
            }
            Resolution::Ambiguous { candidates }
                if candidates.iter().any(|c| c.situation == truth) =>
            {
                "name only: ambiguous, right among candidates"
            }
            Resolution::Ambiguous { .. } => "name only: ambiguous, right not among them",
            Resolution::Unresolved { .. } => "name only: unresolved",
        };
        *counts.entry(outcome).or_default() += 1;

        let notes = &record[notes_col];
        let mut found_right = false;
        for mention in gazetteer.find_in_text(notes) {
            let Some(place) = mention.resolution.place() else {
                continue;
            };
            mentions += 1;
            if place.situation == truth {
                right_mentions += 1;
                found_right = true;
            } else {
                let surface = &notes[mention.span.clone()];
                *wrong_in_text
                    .entry(format!("{surface} -> {} ({})", place.name, place.situation))
                    .or_default() += 1;
            }
        }
        rows_with_right_mention += usize::from(found_right);
    }
    let mut counts: Vec<_> = counts.into_iter().collect();
    counts.sort();
    println!("{rows} events");
    for (what, count) in counts {
        println!(
            "  {what}: {count} ({:.1}%)",
            100.0 * count as f64 / rows as f64
        );
    }
    distances.sort_by(f64::total_cmp);
    if !distances.is_empty() {
        let at = |q: f64| distances[((distances.len() - 1) as f64 * q) as usize];
        println!(
            "distance to ACLED's point for cities: median {:.1} km, 90th percentile {:.1} km",
            at(0.5),
            at(0.9)
        );
    }
    println!(
        "text: {mentions} resolved mentions, {:.1}% in the event's country; {:.1}% of events have one",
        100.0 * right_mentions as f64 / mentions as f64,
        100.0 * rows_with_right_mention as f64 / rows as f64
    );
    for (title, table) in [
        ("text mentions in another country", wrong_in_text),
        ("typed names resolved to another country", wrong_typed),
    ] {
        let mut table: Vec<_> = table.into_iter().collect();
        table.sort_by_key(|entry| std::cmp::Reverse(entry.1));
        println!("most frequent {title}:");
        for (what, count) in table.iter().take(40) {
            println!("  {count:4} {what}");
        }
    }
    // Messages with (almost) no places in them: what is found there is mostly noise.
    let mut noise: HashMap<String, usize> = HashMap::new();
    let mut tweets = csv::Reader::from_path(data.join("text/english/davidson_labeled_data.csv"))?;
    let tweet_col = tweets
        .headers()?
        .iter()
        .position(|h| h == "tweet")
        .context("tweet")?;
    let mut texts: Vec<String> = Vec::new();
    for record in tweets.records() {
        texts.push(record?[tweet_col].to_string());
    }
    let arabic = std::fs::read_to_string(data.join("text/arabic/L-HSAB.tsv"))?;
    texts.extend(arabic.lines().map(str::to_string));
    let mut total = 0;
    for text in &texts {
        for mention in gazetteer.find_in_text(text) {
            total += 1;
            let name = match &mention.resolution {
                Resolution::Resolved(p) => format!("{} ({})", p.name, p.situation),
                _ => "ambiguous".to_string(),
            };
            *noise
                .entry(format!("{} -> {name}", &text[mention.span.clone()]))
                .or_default() += 1;
        }
    }
    let mut noise: Vec<_> = noise.into_iter().collect();
    noise.sort_by_key(|entry| std::cmp::Reverse(entry.1));
    println!(
        "{} tweets and Arabic posts: {total} mentions; most frequent:",
        texts.len()
    );
    for (what, count) in noise.iter().take(40) {
        println!("  {count:4} {what}");
    }
    Ok(())
}

fn km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (la1, lo1, la2, lo2) = (
        a.0.to_radians(),
        a.1.to_radians(),
        b.0.to_radians(),
        b.1.to_radians(),
    );
    let h = ((la2 - la1) / 2.0).sin().powi(2)
        + la1.cos() * la2.cos() * ((lo2 - lo1) / 2.0).sin().powi(2);
    2.0 * 6371.0 * h.sqrt().asin()
}
