//! Land borders from CShapes 2.0 (ETH Zürich), the historical country shapes keyed by
//! Gleditsch-Ward code, as the TopoJSON Tocsin's `data fetch` stores (`geo/cshapes_2_gw.topojson`,
//! compressed with xz or not).
//!
//! In a topology, shapes that touch are drawn with the same arcs, so two countries share a land
//! border exactly when their shapes reference a common arc. Each shape is valid from its `start`
//! to its `end` date; a border holds in the years where two shapes that share an arc are both
//! valid. Shapes of the same country at different times share arcs too and are not borders.

use std::collections::{BTreeMap, HashMap};
use std::io::BufReader;

use serde::Deserialize;
use tocsin_domain::Border;

use crate::problem::{IngestError, Problem};

/// The xz stream header.
const XZ_MAGIC: [u8; 6] = [0xFD, b'7', b'z', b'X', b'Z', 0x00];

#[derive(Deserialize)]
struct Topology {
    objects: BTreeMap<String, Collection>,
}

#[derive(Deserialize)]
struct Collection {
    #[serde(default)]
    geometries: Vec<Geometry>,
}

#[derive(Deserialize)]
struct Geometry {
    /// Nested lists of arc indices (`~i`, i.e. `-i - 1`, for arc i reversed).
    #[serde(default)]
    arcs: serde_json::Value,
    #[serde(default)]
    properties: Properties,
}

#[derive(Deserialize, Default)]
struct Properties {
    gwcode: Option<f64>,
    start: Option<String>,
    end: Option<String>,
}

/// One shape's country and validity, dates as `YYYY-MM-DD` (which sort as text).
struct Shape {
    gw: u16,
    start: String,
    end: String,
}

/// Reads the borders of a CShapes TopoJSON file (xz-compressed or plain). `file` names it in
/// messages. Spans of the same pair that touch or overlap are merged; the result is sorted.
pub fn parse_borders(file: &str, bytes: &[u8]) -> Result<Vec<Border>, IngestError> {
    let fail = |message: String| IngestError::Malformed {
        file: file.to_string(),
        problems: vec![Problem {
            line: 1,
            column: None,
            message,
        }],
        total: 1,
    };
    let decompressed;
    let json = if bytes.starts_with(&XZ_MAGIC) {
        let mut out = Vec::new();
        lzma_rs::xz_decompress(&mut BufReader::new(bytes), &mut out).map_err(|error| {
            fail(format!(
                "the xz stream is damaged ({error}); fetch the file again with `tocsin data fetch cshapes-2-gw`"
            ))
        })?;
        decompressed = out;
        &decompressed[..]
    } else {
        bytes
    };
    let topology: Topology = serde_json::from_slice(json).map_err(|error| {
        fail(format!(
            "not a TopoJSON topology ({error}); expected CShapes 2.0 as `data fetch` stores it"
        ))
    })?;
    let mut shapes = Vec::new();
    let mut by_arc: HashMap<i64, Vec<usize>> = HashMap::new();
    for geometry in topology.objects.values().flat_map(|c| &c.geometries) {
        let p = &geometry.properties;
        let (Some(gw), Some(start), Some(end)) = (p.gwcode, &p.start, &p.end) else {
            continue;
        };
        if gw.fract() != 0.0 || !(0.0..=f64::from(u16::MAX)).contains(&gw) {
            return Err(fail(format!("{gw} is not a Gleditsch-Ward country code")));
        }
        if !is_date(start) || !is_date(end) {
            return Err(fail(format!(
                "shape of country {gw}: {start:?} to {end:?} are not dates (YYYY-MM-DD)"
            )));
        }
        let index = shapes.len();
        shapes.push(Shape {
            gw: gw as u16,
            start: start.clone(),
            end: end.clone(),
        });
        let mut arcs = Vec::new();
        collect_arcs(&geometry.arcs, &mut arcs);
        arcs.sort_unstable();
        arcs.dedup();
        for arc in arcs {
            by_arc.entry(arc).or_default().push(index);
        }
    }
    if shapes.is_empty() {
        return Err(fail(
            "no country shapes with gwcode, start and end; expected CShapes 2.0".to_string(),
        ));
    }
    // Per pair of countries, the year spans in which two of their shapes sharing an arc are
    // both valid.
    let mut spans: BTreeMap<(u16, u16), Vec<(i32, i32)>> = BTreeMap::new();
    for sharing in by_arc.values() {
        for (k, &i) in sharing.iter().enumerate() {
            for &j in &sharing[k + 1..] {
                let (s, t) = (&shapes[i], &shapes[j]);
                if s.gw == t.gw {
                    continue;
                }
                let from = s.start.as_str().max(t.start.as_str());
                let to = s.end.as_str().min(t.end.as_str());
                if from > to {
                    continue;
                }
                spans
                    .entry((s.gw.min(t.gw), s.gw.max(t.gw)))
                    .or_default()
                    .push((year(from), year(to)));
            }
        }
    }
    let mut borders = Vec::new();
    for ((a, b), mut years) in spans {
        years.sort_unstable();
        let mut current = years[0];
        for &(from, to) in &years[1..] {
            if from <= current.1 + 1 {
                current.1 = current.1.max(to);
            } else {
                borders.push(border(a, b, current));
                current = (from, to);
            }
        }
        borders.push(border(a, b, current));
    }
    Ok(borders)
}

fn border(a: u16, b: u16, (from_year, to_year): (i32, i32)) -> Border {
    Border {
        a,
        b,
        from_year,
        to_year,
    }
}

/// Every arc index in a geometry's nested `arcs`, reversed ones (`~i`) as `i`.
fn collect_arcs(value: &serde_json::Value, out: &mut Vec<i64>) {
    match value {
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_arcs(v, out)),
        serde_json::Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                out.push(if i < 0 { !i } else { i });
            }
        }
        _ => {}
    }
}

fn is_date(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(k, c)| k == 4 || k == 7 || c.is_ascii_digit())
}

/// The year of a date already checked by [`is_date`].
fn year(date: &str) -> i32 {
    date[..4].parse().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(gw: u16, start: &str, end: &str, arcs: &str) -> String {
        format!(
            r#"{{"type":"Polygon","arcs":{arcs},"properties":{{"gwcode":{gw},"start":"{start}","end":"{end}"}}}}"#
        )
    }

    fn topology(shapes: &[String]) -> Vec<u8> {
        format!(
            r#"{{"type":"Topology","arcs":[],"objects":{{"cshapes":{{"type":"GeometryCollection","geometries":[{}]}}}}}}"#,
            shapes.join(",")
        )
        .into_bytes()
    }

    #[test]
    fn shapes_sharing_an_arc_while_both_valid_are_neighbours() {
        let file = topology(&[
            // A country redrawn in 1990: both its shapes touch country 2 through arc 0 (one of
            // them reversed), so the border runs on through the redrawing.
            shape(1, "1946-01-01", "1989-12-31", "[[0,1]]"),
            shape(1, "1990-01-01", "2019-12-31", "[[-1,5]]"),
            shape(2, "1946-01-01", "2019-12-31", "[[0,2]]"),
            // Country 3 shares arc 1 with country 1's first shape only, and arc 2 with country
            // 2 but only after country 2's shape has ended.
            shape(3, "1960-06-01", "2019-12-31", "[[1,3]]"),
            shape(4, "2020-01-01", "2021-12-31", "[[2]]"),
        ]);
        let borders = parse_borders("t.json", &file).unwrap();
        assert_eq!(
            borders,
            vec![border(1, 2, (1946, 2019)), border(1, 3, (1960, 1989)),]
        );
    }

    #[test]
    fn damaged_or_foreign_files_are_refused_with_a_reason() {
        let error = parse_borders("x.json", b"{\"type\":\"FeatureCollection\"}").unwrap_err();
        assert!(error.to_string().contains("TopoJSON"), "{error}");
        let error = parse_borders("x.json", &topology(&[])).unwrap_err();
        assert!(error.to_string().contains("no country shapes"), "{error}");
        let mut xz = XZ_MAGIC.to_vec();
        xz.extend_from_slice(b"not really xz");
        let error = parse_borders("x.json.xz", &xz).unwrap_err();
        assert!(error.to_string().contains("xz stream"), "{error}");
        let bad_date = topology(&[shape(1, "1946", "2019-12-31", "[[0]]")]);
        let error = parse_borders("x.json", &bad_date).unwrap_err();
        assert!(error.to_string().contains("not dates"), "{error}");
    }

    #[test]
    fn compressed_files_read_like_plain_ones() {
        let plain = topology(&[
            shape(1, "1946-01-01", "2019-12-31", "[[0]]"),
            shape(2, "1946-01-01", "2019-12-31", "[[-1]]"),
        ]);
        let mut xz = Vec::new();
        lzma_rs::xz_compress(&mut BufReader::new(&plain[..]), &mut xz).unwrap();
        assert_eq!(
            parse_borders("x.xz", &xz).unwrap(),
            parse_borders("x.json", &plain).unwrap()
        );
    }
}
