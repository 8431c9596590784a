//! The allowed dependency directions of ARCHITECTURE.md and the root Cargo.toml, checked
//! against the real dependency graph (`cargo metadata`).

use std::collections::{BTreeMap, BTreeSet};

/// Each workspace crate and the workspace crates it may depend on (normal dependencies).
const ALLOWED: &[(&str, &[&str])] = &[
    ("tocsin-domain", &[]),
    ("tocsin-toolbox", &["tocsin-domain"]),
    ("tocsin-risk", &["tocsin-domain"]),
    ("tocsin-stage", &["tocsin-domain"]),
    ("tocsin-brief", &["tocsin-domain"]),
    ("tocsin-ingest", &["tocsin-domain"]),
    ("tocsin-geo", &["tocsin-domain"]),
    ("tocsin-store", &["tocsin-domain", "tocsin-alerts"]),
    ("tocsin-alerts", &["tocsin-domain"]),
    ("tocsin-datasets", &[]),
    (
        "tocsin-app",
        &[
            "tocsin-domain",
            "tocsin-ingest",
            "tocsin-geo",
            "tocsin-store",
            "tocsin-risk",
            "tocsin-stage",
            "tocsin-toolbox",
            "tocsin-alerts",
            "tocsin-brief",
        ],
    ),
    (
        "tocsin-http",
        &[
            "tocsin-app",
            "tocsin-domain",
            "tocsin-store",
            "tocsin-toolbox",
            "tocsin-risk",
            "tocsin-stage",
            "tocsin-ingest",
            "tocsin-geo",
            "tocsin-alerts",
            "tocsin-brief",
        ],
    ),
    (
        "tocsin",
        &[
            "tocsin-app",
            "tocsin-domain",
            "tocsin-toolbox",
            "tocsin-risk",
            "tocsin-stage",
            "tocsin-ingest",
            "tocsin-geo",
            "tocsin-store",
            "tocsin-datasets",
            "tocsin-http",
            "tocsin-alerts",
            "tocsin-brief",
        ],
    ),
];

/// Crates that do I/O or run async: the pure crates must not reach them, even indirectly.
const IMPURE: &[&str] = &["tokio", "sqlx", "axum", "reqwest", "hyper", "mio"];
const PURE: &[&str] = &[
    "tocsin-domain",
    "tocsin-brief",
    "tocsin-toolbox",
    "tocsin-risk",
    "tocsin-stage",
    "tocsin-ingest",
    "tocsin-geo",
    "tocsin-alerts",
];

struct Graph {
    workspace: BTreeSet<String>,
    /// Package name -> names of its normal (non-dev, non-build) dependencies.
    normal: BTreeMap<String, BTreeSet<String>>,
}

fn graph() -> Graph {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let output = std::process::Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--locked"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let name_of: BTreeMap<String, String> = metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["id"].as_str().unwrap().to_string(),
                p["name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let workspace = metadata["workspace_members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|id| name_of[id.as_str().unwrap()].clone())
        .collect();
    let mut normal = BTreeMap::new();
    for node in metadata["resolve"]["nodes"].as_array().unwrap() {
        let deps = node["deps"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|dep| {
                dep["dep_kinds"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|kind| kind["kind"].is_null())
            })
            .map(|dep| name_of[dep["pkg"].as_str().unwrap()].clone())
            .collect();
        normal.insert(name_of[node["id"].as_str().unwrap()].clone(), deps);
    }
    Graph { workspace, normal }
}

#[test]
fn workspace_crates_depend_only_in_the_allowed_directions() {
    let graph = graph();
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    for krate in &graph.workspace {
        let permitted = allowed
            .get(krate.as_str())
            .unwrap_or_else(|| panic!("{krate} is not in ARCHITECTURE.md's dependency rules"));
        for dep in &graph.normal[krate] {
            if graph.workspace.contains(dep) {
                assert!(
                    permitted.contains(&dep.as_str()),
                    "{krate} must not depend on {dep}"
                );
            }
        }
    }
}

#[test]
fn pure_crates_reach_no_io_or_async_crate() {
    let graph = graph();
    for pure in PURE.iter().filter(|p| graph.workspace.contains(**p)) {
        let mut seen = BTreeSet::new();
        let mut stack = vec![pure.to_string()];
        while let Some(krate) = stack.pop() {
            if !seen.insert(krate.clone()) {
                continue;
            }
            assert!(!IMPURE.contains(&krate.as_str()), "{pure} reaches {krate}");
            stack.extend(graph.normal.get(&krate).into_iter().flatten().cloned());
        }
    }
}
