//! The charts and the map of a brief as SVG, shared by the HTML (inline) and the PDF (as
//! images). Numbers are written with fixed decimals so the same brief gives the same bytes.

use std::fmt::Write;

use time::Date;

use crate::escape::html as esc;
use crate::model::{Incident, RiskPoint, StageChange};

const FONT: &str = "Libertinus Serif, Georgia, serif";

/// The colour of a stage (0: no elevated concern).
pub fn stage_colour(level: u8) -> &'static str {
    match level {
        1 => "#e8c547",
        2 => "#e8822a",
        3 => "#b71c1c",
        _ => "#c9ccd1",
    }
}

fn open(out: &mut String, width: u32, height: u32, title: &str) {
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" font-family=\"{FONT}\" font-size=\"11\" role=\"img\">\
         <title>{}</title>",
        esc(title)
    );
}

/// A country's structural risk over the years, when there are at least two forecasts.
pub fn risk_trend(points: &[RiskPoint]) -> Option<String> {
    if points.len() < 2 {
        return None;
    }
    let (width, height) = (480.0_f64, 170.0_f64);
    let (left, right, top, bottom) = (44.0, 16.0, 14.0, 28.0);
    let first = points.first()?.year;
    let last = points.last()?.year;
    let highest = points.iter().map(|p| p.probability).fold(0.0, f64::max);
    // The axis ends at the next multiple of 5 percentage points above the highest value.
    let ceiling = ((highest * 20.0).floor() + 1.0) / 20.0;
    let x = |year: i32| {
        left + (f64::from(year - first) / f64::from((last - first).max(1))) * (width - left - right)
    };
    let y = |p: f64| top + (1.0 - p / ceiling) * (height - top - bottom);
    let mut out = String::new();
    open(
        &mut out,
        width as u32,
        height as u32,
        "Structural risk of a mass-killing onset within two years, by forecast year",
    );
    let ticks = (ceiling * 20.0).round() as u32;
    for tick in 0..=ticks {
        let p = f64::from(tick) / 20.0;
        let _ = write!(
            out,
            "<line x1=\"{left:.1}\" y1=\"{0:.1}\" x2=\"{1:.1}\" y2=\"{0:.1}\" stroke=\"#e3e5e8\"/>\
             <text x=\"{2:.1}\" y=\"{3:.1}\" text-anchor=\"end\" fill=\"#555\">{4}%</text>",
            y(p),
            width - right,
            left - 6.0,
            y(p) + 4.0,
            tick * 5
        );
    }
    let path: Vec<String> = points
        .iter()
        .map(|p| format!("{:.1},{:.1}", x(p.year), y(p.probability)))
        .collect();
    let _ = write!(
        out,
        "<polyline points=\"{}\" fill=\"none\" stroke=\"#7a1f1f\" stroke-width=\"2\"/>",
        path.join(" ")
    );
    for point in points {
        let _ = write!(
            out,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"#7a1f1f\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#333\">{}</text>",
            x(point.year),
            y(point.probability),
            x(point.year),
            height - 10.0,
            point.year
        );
    }
    out.push_str("</svg>");
    Some(out)
}

/// The stages a situation went through, from the first stored change (or a year before
/// `until` if there is none) to `until`, as coloured bands.
pub fn stage_timeline(changes: &[StageChange], current: u8, until: Date) -> String {
    let (width, height) = (480.0_f64, 64.0_f64);
    let (left, right) = (10.0, 10.0);
    let mut ordered: Vec<&StageChange> = changes.iter().filter(|c| c.on <= until).collect();
    ordered.sort_by_key(|change| change.on);
    let start = ordered
        .first()
        .map_or(until - time::Duration::days(365), |c| c.on);
    let span = ((until - start).whole_days().max(1)) as f64;
    let x =
        |date: Date| left + ((date - start).whole_days() as f64 / span) * (width - left - right);
    let mut out = String::new();
    open(
        &mut out,
        width as u32,
        height as u32,
        "Stage of the situation over time",
    );
    // Bands: from each change to the next; before the first, the stage it left.
    let mut bands: Vec<(Date, Date, u8)> = Vec::new();
    match ordered.first() {
        Some(first) => {
            let mut from = first.on;
            let mut level = first.to;
            for change in ordered.iter().skip(1) {
                bands.push((from, change.on, level));
                from = change.on;
                level = change.to;
            }
            bands.push((from, until, level));
        }
        None => bands.push((start, until, current)),
    }
    for (from, to, level) in &bands {
        let _ = write!(
            out,
            "<rect x=\"{:.1}\" y=\"12\" width=\"{:.1}\" height=\"22\" fill=\"{}\"/>",
            x(*from),
            (x(*to) - x(*from)).max(1.0),
            stage_colour(*level)
        );
    }
    for change in &ordered {
        // Labels are kept clear of the edges so the first and last are not cut off.
        let _ = write!(
            out,
            "<line x1=\"{0:.1}\" y1=\"8\" x2=\"{0:.1}\" y2=\"38\" stroke=\"#222\"/>\
             <text x=\"{1:.1}\" y=\"50\" text-anchor=\"middle\" fill=\"#333\">{2} → {3}</text>",
            x(change.on),
            x(change.on).clamp(30.0, width - 30.0),
            change.from,
            change.to
        );
    }
    let _ = write!(
        out,
        "<text x=\"{left:.1}\" y=\"62\" fill=\"#555\">{start}</text>\
         <text x=\"{:.1}\" y=\"62\" text-anchor=\"end\" fill=\"#555\">{until}</text></svg>",
        width - right
    );
    out
}

/// The frame of the incident map in degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bounds {
    pub west: f64,
    pub east: f64,
    pub south: f64,
    pub north: f64,
}

impl Bounds {
    /// The points' extent padded by a tenth on each side, and at least one degree across, so
    /// one incident or a cluster still sits in a readable frame.
    pub fn around(incidents: &[Incident]) -> Option<Bounds> {
        let first = incidents.first()?;
        let mut bounds = Bounds {
            west: first.longitude,
            east: first.longitude,
            south: first.latitude,
            north: first.latitude,
        };
        for incident in incidents {
            bounds.west = bounds.west.min(incident.longitude);
            bounds.east = bounds.east.max(incident.longitude);
            bounds.south = bounds.south.min(incident.latitude);
            bounds.north = bounds.north.max(incident.latitude);
        }
        let pad = |low: f64, high: f64| {
            let span = (high - low).max(1.0);
            let middle = (low + high) / 2.0;
            (middle - span * 0.6, middle + span * 0.6)
        };
        (bounds.west, bounds.east) = pad(bounds.west, bounds.east);
        (bounds.south, bounds.north) = pad(bounds.south, bounds.north);
        bounds.south = bounds.south.max(-90.0);
        bounds.north = bounds.north.min(90.0);
        Some(bounds)
    }
}

/// Recent incidents as numbered points on a longitude/latitude frame with a graticule
/// (equirectangular, longitudes shrunk by the cosine of the middle latitude so distances
/// look right). The numbers match the incident list.
pub fn incident_map(incidents: &[Incident]) -> Option<String> {
    let bounds = Bounds::around(incidents)?;
    let middle = ((bounds.south + bounds.north) / 2.0)
        .to_radians()
        .cos()
        .max(0.2);
    let degrees_wide = (bounds.east - bounds.west) * middle;
    let degrees_high = bounds.north - bounds.south;
    let width = 480.0_f64;
    let inner = width - 20.0;
    let height = (inner * degrees_high / degrees_wide).clamp(160.0, 360.0) + 20.0;
    let scale_x = inner / (bounds.east - bounds.west);
    let scale_y = (height - 20.0) / degrees_high;
    let x = |lon: f64| 10.0 + (lon - bounds.west) * scale_x;
    let y = |lat: f64| 10.0 + (bounds.north - lat) * scale_y;
    let mut out = String::new();
    open(
        &mut out,
        width as u32,
        height as u32,
        "Map of recent incidents",
    );
    let _ = write!(
        out,
        "<rect x=\"10\" y=\"10\" width=\"{inner:.1}\" height=\"{:.1}\" fill=\"#f4f1ea\" stroke=\"#999\"/>",
        height - 20.0
    );
    let step = graticule_step(bounds.east - bounds.west);
    let mut lon = (bounds.west / step).ceil() * step;
    while lon < bounds.east {
        let _ = write!(
            out,
            "<line x1=\"{0:.1}\" y1=\"10\" x2=\"{0:.1}\" y2=\"{1:.1}\" stroke=\"#d8d2c4\"/>\
             <text x=\"{2:.1}\" y=\"{3:.1}\" fill=\"#777\" font-size=\"9\">{4}</text>",
            x(lon),
            height - 10.0,
            x(lon) + 2.0,
            height - 13.0,
            degrees(lon, 'E', 'W')
        );
        lon += step;
    }
    let mut lat = (bounds.south / step).ceil() * step;
    while lat < bounds.north {
        let _ = write!(
            out,
            "<line x1=\"10\" y1=\"{0:.1}\" x2=\"{1:.1}\" y2=\"{0:.1}\" stroke=\"#d8d2c4\"/>\
             <text x=\"13\" y=\"{2:.1}\" fill=\"#777\" font-size=\"9\">{3}</text>",
            y(lat),
            width - 10.0,
            y(lat) - 2.0,
            degrees(lat, 'N', 'S')
        );
        lat += step;
    }
    for (number, incident) in incidents.iter().enumerate() {
        let _ = write!(
            out,
            "<circle cx=\"{0:.1}\" cy=\"{1:.1}\" r=\"6\" fill=\"#b71c1c\" fill-opacity=\"0.85\" stroke=\"#fff\"/>\
             <text x=\"{0:.1}\" y=\"{2:.1}\" text-anchor=\"middle\" fill=\"#fff\" font-size=\"8\">{3}</text>",
            x(incident.longitude),
            y(incident.latitude),
            y(incident.latitude) + 3.0,
            number + 1
        );
    }
    out.push_str("</svg>");
    Some(out)
}

/// A round graticule spacing giving a handful of lines across `span` degrees.
fn graticule_step(span: f64) -> f64 {
    [0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0]
        .into_iter()
        .find(|step| span / step <= 6.0)
        .unwrap_or(45.0)
}

fn degrees(value: f64, positive: char, negative: char) -> String {
    let hemisphere = if value < 0.0 { negative } else { positive };
    let magnitude = value.abs();
    if magnitude.fract() == 0.0 {
        format!("{magnitude:.0}°{hemisphere}")
    } else {
        format!("{magnitude:.2}°{hemisphere}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tocsin_domain::Tlp;

    fn incident(latitude: f64, longitude: f64) -> Incident {
        Incident {
            report: 1,
            on: time::macros::date!(2026 - 11 - 01),
            place: None,
            latitude,
            longitude,
            text: String::new(),
            verification: "verified".to_string(),
            tlp: Tlp::Green,
        }
    }

    #[test]
    fn points_fall_inside_the_frame() {
        let incidents = [
            incident(-1.68, 29.22),
            incident(-2.5, 28.86),
            incident(0.5, 29.5),
        ];
        let bounds = Bounds::around(&incidents).unwrap();
        for i in &incidents {
            assert!(bounds.west < i.longitude && i.longitude < bounds.east);
            assert!(bounds.south < i.latitude && i.latitude < bounds.north);
        }
        let svg = incident_map(&incidents).unwrap();
        assert_eq!(svg.matches("<circle").count(), 3);
    }

    #[test]
    fn a_single_forecast_draws_no_trend() {
        assert!(risk_trend(&[RiskPoint {
            year: 2024,
            probability: 0.1
        }])
        .is_none());
        let two = [
            RiskPoint {
                year: 2023,
                probability: 0.1,
            },
            RiskPoint {
                year: 2024,
                probability: 0.12,
            },
        ];
        assert!(risk_trend(&two).unwrap().contains("<polyline"));
    }
}
