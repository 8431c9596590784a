//! Checks that the front-end packages the binary embeds are installed (`npm ci --prefix web`
//! at the repository root), and says so plainly if not, instead of a bare "file not found"
//! from `include_bytes!`.

use std::path::Path;

/// Every file `src/web/assets.rs` embeds, relative to the repository root.
const EMBEDDED: &[&str] = &[
    "web/node_modules/maplibre-gl/dist/maplibre-gl-csp.js",
    "web/node_modules/maplibre-gl/dist/maplibre-gl-csp-worker.js",
    "web/node_modules/maplibre-gl/dist/maplibre-gl.css",
    "web/node_modules/maplibre-gl/LICENSE.txt",
    "web/node_modules/topojson-client/dist/topojson-client.min.js",
    "web/node_modules/topojson-client/LICENSE",
    "web/node_modules/world-atlas/countries-110m.json",
    "web/node_modules/world-atlas/LICENSE",
    "web/src/tocsin.js",
    "web/src/tocsin.css",
    "web/src/iso-numeric.json",
];

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let missing: Vec<&str> = EMBEDDED
        .iter()
        .copied()
        .filter(|file| !root.join(file).is_file())
        .collect();
    if !missing.is_empty() {
        panic!(
            "\n\nThe web assets are not installed: missing {}.\n\
             Run `npm ci --prefix web` at the repository root (it installs the front-end \
             packages pinned in web/package-lock.json), then build again.\n\n",
            missing.join(", ")
        );
    }
    for file in EMBEDDED {
        println!("cargo:rerun-if-changed={}", root.join(file).display());
    }
    println!("cargo:rerun-if-changed=templates");
}
