//! The dataset manifest: which files Tocsin uses, where they come from, and their pinned bytes.
//!
//! A manifest is parsed once and validated as a whole, so every [`Entry`] handed out has a
//! kebab-case id, a 64-digit sha256 and a relative path that cannot leave the data directory.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::DatasetsError;

/// The manifest compiled into Tocsin.
const EMBEDDED: &str = include_str!("../data/manifest.toml");

/// How a dataset can be obtained from its publisher.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Access {
    /// The url serves exactly the pinned file.
    Download,
    /// The publisher requires an account or key; the file is only taken from a mirror.
    Account,
    /// The file is derived from a publisher download (a sheet, a subset, a conversion), so it
    /// is only taken from a mirror.
    Extract,
}

impl Access {
    pub fn as_str(self) -> &'static str {
        match self {
            Access::Download => "download",
            Access::Account => "account",
            Access::Extract => "extract",
        }
    }
}

impl fmt::Display for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One file of the manifest. Only [`Manifest::from_toml`] makes these, so they are valid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    id: String,
    path: String,
    publisher: String,
    url: String,
    licence: String,
    sha256: String,
    bytes: u64,
    access: Access,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    note: Option<String>,
}

impl Entry {
    /// Stable kebab-case name, used by `--only`.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Destination relative to the data directory, with `/` separators.
    pub fn path(&self) -> &str {
        &self.path
    }

    pub fn publisher(&self) -> &str {
        &self.publisher
    }

    /// The publisher's download location (for `extract` entries, the source it was derived from).
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn licence(&self) -> &str {
        &self.licence
    }

    /// Lowercase hex sha256 of the pinned bytes.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    /// Size of the pinned file in bytes.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    pub fn access(&self) -> Access {
        self.access
    }

    /// What the user must do to obtain an `account` or `extract` file.
    pub fn note(&self) -> Option<&str> {
        self.note.as_deref()
    }

    /// Where this file lives under the data directory `root`.
    pub fn destination(&self, root: &Path) -> PathBuf {
        // Built component by component so the manifest's `/` works on every platform.
        let mut destination = root.to_path_buf();
        destination.extend(self.path.split('/'));
        destination
    }

    fn validate(&mut self) -> Result<(), DatasetsError> {
        if !is_kebab_case(&self.id) {
            return Err(DatasetsError::InvalidId {
                id: self.id.clone(),
            });
        }
        if let Some(problem) = path_problem(&self.path) {
            return Err(DatasetsError::InvalidPath {
                id: self.id.clone(),
                path: self.path.clone(),
                problem,
            });
        }
        if self.sha256.len() != 64 || !self.sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(DatasetsError::InvalidSha256 {
                id: self.id.clone(),
                value: self.sha256.clone(),
            });
        }
        // Hashes are compared as text, so settle on sha256sum's lowercase form.
        self.sha256.make_ascii_lowercase();
        if !is_http_url(&self.url) {
            return Err(DatasetsError::InvalidUrl {
                id: self.id.clone(),
                url: self.url.clone(),
            });
        }
        for (field, value) in [("publisher", &self.publisher), ("licence", &self.licence)] {
            if value.trim().is_empty() {
                return Err(DatasetsError::EmptyField {
                    id: self.id.clone(),
                    field,
                });
            }
        }
        // A file the user cannot download needs instructions; without them a skip is a dead end.
        let has_note = self
            .note
            .as_deref()
            .is_some_and(|note| !note.trim().is_empty());
        if self.access != Access::Download && !has_note {
            return Err(DatasetsError::MissingNote {
                id: self.id.clone(),
                access: self.access,
            });
        }
        Ok(())
    }
}

/// The list of datasets, as read from `data/manifest.toml` or a deployment's own file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Manifest {
    version: String,
    #[serde(rename = "dataset")]
    entries: Vec<Entry>,
}

/// The file's shape; [`Manifest`] is what remains once it has been validated.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ManifestFile {
    version: String,
    #[serde(default, rename = "dataset")]
    entries: Vec<Entry>,
}

impl Manifest {
    /// The manifest compiled into this build of Tocsin.
    pub fn embedded() -> Manifest {
        // The unit test `embedded_manifest_is_valid` keeps this from ever failing.
        Manifest::from_toml(EMBEDDED).expect("the embedded dataset manifest is valid")
    }

    /// Parses and validates manifest text: unknown fields, duplicate ids or paths, malformed
    /// sha256 values and paths that could leave the data directory are all errors.
    pub fn from_toml(text: &str) -> Result<Manifest, DatasetsError> {
        let file: ManifestFile =
            toml::from_str(text).map_err(|error| DatasetsError::ManifestSyntax {
                detail: error.to_string().trim_end().to_owned(),
            })?;
        if file.version.trim().is_empty() {
            return Err(DatasetsError::EmptyVersion);
        }
        let mut entries = file.entries;
        let mut ids: HashSet<String> = HashSet::new();
        let mut paths: HashMap<String, String> = HashMap::new();
        for entry in &mut entries {
            entry.validate()?;
            if !ids.insert(entry.id.clone()) {
                return Err(DatasetsError::DuplicateId {
                    id: entry.id.clone(),
                });
            }
            if let Some(first) = paths.insert(entry.path.clone(), entry.id.clone()) {
                return Err(DatasetsError::DuplicatePath {
                    path: entry.path.clone(),
                    first,
                    second: entry.id.clone(),
                });
            }
        }
        Ok(Manifest {
            version: file.version,
            entries,
        })
    }

    /// The manifest's edition, e.g. "2026-11".
    pub fn version(&self) -> &str {
        &self.version
    }

    /// Every dataset, in manifest order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub fn get(&self, id: &str) -> Option<&Entry> {
        self.entries.iter().find(|entry| entry.id == id)
    }

    /// The entries named by `ids` (as given to `--only`), in that order and without repeats;
    /// no ids means every entry. An unknown id is an error that lists the known ones.
    pub fn select(&self, ids: &[String]) -> Result<Vec<&Entry>, DatasetsError> {
        if ids.is_empty() {
            return Ok(self.entries.iter().collect());
        }
        let mut selected: Vec<&Entry> = Vec::with_capacity(ids.len());
        for id in ids {
            let entry = self.get(id).ok_or_else(|| DatasetsError::UnknownDataset {
                id: id.clone(),
                known: self
                    .entries
                    .iter()
                    .map(|entry| entry.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })?;
            if !selected.iter().any(|chosen| chosen.id == entry.id) {
                selected.push(entry);
            }
        }
        Ok(selected)
    }
}

fn is_kebab_case(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('-')
        && !id.ends_with('-')
        && !id.contains("--")
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Why `path` may not be used as a destination, if it may not.
fn path_problem(path: &str) -> Option<&'static str> {
    if path.is_empty() {
        return Some("is empty");
    }
    // Backslashes and drive letters would mean different things on different platforms.
    if path.contains('\\') || path.contains(':') {
        return Some("contains a backslash or colon");
    }
    if path.chars().any(char::is_control) {
        return Some("contains a control character");
    }
    if path.split('/').any(|segment| segment == "..") {
        return Some("contains \"..\"");
    }
    if path.starts_with('/') {
        return Some("is absolute");
    }
    if path.ends_with('/') {
        return Some("names a directory, not a file");
    }
    for component in Path::new(path).components() {
        match component {
            Component::Normal(_) => {}
            Component::CurDir => return Some("contains \".\""),
            Component::ParentDir => return Some("contains \"..\""),
            Component::RootDir | Component::Prefix(_) => return Some("is absolute"),
        }
    }
    if path.split('/').any(str::is_empty) {
        return Some("contains an empty segment");
    }
    None
}

fn is_http_url(url: &str) -> bool {
    match reqwest::Url::parse(url) {
        Ok(parsed) => matches!(parsed.scheme(), "http" | "https") && parsed.host().is_some(),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD_SHA: &str = "2516c915867c7baf18ddec727aec46c315541a07cfb3d79a6559b05d5e94eee8";

    fn entry_toml(id: &str, path: &str, sha: &str) -> String {
        format!(
            r#"
[[dataset]]
id = "{id}"
path = "{path}"
publisher = "Someone"
url = "https://example.org/{id}"
licence = "CC BY 4.0"
sha256 = "{sha}"
bytes = 10
access = "download"
"#
        )
    }

    fn manifest_with(entries: &[String]) -> String {
        format!("version = \"test\"\n{}", entries.concat())
    }

    #[test]
    fn embedded_manifest_is_valid() {
        let manifest = Manifest::embedded();
        assert_eq!(manifest.version(), "2026-11");
        assert_eq!(manifest.entries().len(), 35);
        // Every file that cannot be downloaded as-is says what to do instead.
        for entry in manifest.entries() {
            if entry.access() != Access::Download {
                assert!(entry.note().is_some(), "{} has no note", entry.id());
            }
        }
    }

    #[test]
    fn embedded_manifest_marks_acled_as_account_only() {
        let manifest = Manifest::embedded();
        let acled = manifest
            .get("acled-2022h1-sample")
            .expect("ACLED sample listed");
        assert_eq!(acled.access(), Access::Account);
        assert!(acled.note().unwrap_or_default().contains("account"));
    }

    #[test]
    fn parses_a_minimal_manifest() {
        let manifest = Manifest::from_toml(&manifest_with(&[entry_toml(
            "world-atlas",
            "geo/atlas.json",
            &GOOD_SHA.to_uppercase(),
        )]))
        .expect("valid manifest");
        let entry = &manifest.entries()[0];
        assert_eq!(entry.id(), "world-atlas");
        assert_eq!(entry.bytes(), 10);
        assert_eq!(entry.access(), Access::Download);
        // Upper-case hex is accepted and normalised.
        assert_eq!(entry.sha256(), GOOD_SHA);
        assert_eq!(
            entry.destination(Path::new("/data")),
            Path::new("/data/geo/atlas.json")
        );
    }

    #[test]
    fn rejects_a_bad_sha256() {
        for bad in ["abc", &"g".repeat(64), &format!("{GOOD_SHA}00")] {
            let error =
                Manifest::from_toml(&manifest_with(&[entry_toml("a", "a.csv", bad)])).unwrap_err();
            assert!(
                matches!(error, DatasetsError::InvalidSha256 { ref id, .. } if id == "a"),
                "{error}"
            );
        }
    }

    #[test]
    fn rejects_paths_that_leave_the_data_directory() {
        for bad in [
            "../escape.csv",
            "ewp/../../escape.csv",
            "/etc/passwd",
            "./a.csv",
            // TOML unescapes this to a\b.csv.
            "a\\\\b.csv",
            // ...and this to a backspace.
            "a\\b.csv",
            "C:/a.csv",
            "",
            "dir/",
        ] {
            let error =
                Manifest::from_toml(&manifest_with(&[entry_toml("a", bad, GOOD_SHA)])).unwrap_err();
            assert!(
                matches!(error, DatasetsError::InvalidPath { .. }),
                "{bad:?}: {error}"
            );
        }
        let error = Manifest::from_toml(&manifest_with(&[entry_toml("a", "x/../y.csv", GOOD_SHA)]))
            .unwrap_err();
        assert!(error.to_string().contains("\"..\""), "{error}");
    }

    #[test]
    fn rejects_duplicate_ids_and_paths() {
        let error = Manifest::from_toml(&manifest_with(&[
            entry_toml("same", "a.csv", GOOD_SHA),
            entry_toml("same", "b.csv", GOOD_SHA),
        ]))
        .unwrap_err();
        assert!(matches!(error, DatasetsError::DuplicateId { ref id } if id == "same"));

        let error = Manifest::from_toml(&manifest_with(&[
            entry_toml("one", "a.csv", GOOD_SHA),
            entry_toml("two", "a.csv", GOOD_SHA),
        ]))
        .unwrap_err();
        assert!(
            matches!(error, DatasetsError::DuplicatePath { .. }),
            "{error}"
        );
    }

    #[test]
    fn rejects_unknown_fields() {
        let text = manifest_with(&[entry_toml("a", "a.csv", GOOD_SHA)])
            .replace("bytes = 10", "bytes = 10\nchecksum = \"md5\"");
        let error = Manifest::from_toml(&text).unwrap_err();
        assert!(matches!(error, DatasetsError::ManifestSyntax { .. }));
        assert!(error.to_string().contains("checksum"), "{error}");

        let error = Manifest::from_toml("version = \"x\"\nmirror = \"y\"\n").unwrap_err();
        assert!(error.to_string().contains("mirror"), "{error}");
    }

    #[test]
    fn rejects_ids_that_are_not_kebab_case() {
        for bad in ["Upper", "snake_case", "-lead", "trail-", "two--hyphens", ""] {
            let error = Manifest::from_toml(&manifest_with(&[entry_toml(bad, "a.csv", GOOD_SHA)]))
                .unwrap_err();
            assert!(
                matches!(error, DatasetsError::InvalidId { .. }),
                "{bad:?}: {error}"
            );
        }
    }

    #[test]
    fn rejects_non_http_urls_and_notes_missing_for_mirror_only_files() {
        let text = manifest_with(&[entry_toml("a", "a.csv", GOOD_SHA)])
            .replace("https://example.org/a", "file:///etc/passwd");
        assert!(matches!(
            Manifest::from_toml(&text).unwrap_err(),
            DatasetsError::InvalidUrl { .. }
        ));

        let text = manifest_with(&[entry_toml("a", "a.csv", GOOD_SHA)])
            .replace("access = \"download\"", "access = \"account\"");
        let error = Manifest::from_toml(&text).unwrap_err();
        assert!(
            matches!(error, DatasetsError::MissingNote { .. }),
            "{error}"
        );
        assert!(error.to_string().contains("\"account\""), "{error}");

        let text = manifest_with(&[entry_toml("a", "a.csv", GOOD_SHA)])
            .replace("access = \"download\"", "access = \"torrent\"");
        assert!(matches!(
            Manifest::from_toml(&text).unwrap_err(),
            DatasetsError::ManifestSyntax { .. }
        ));
    }

    #[test]
    fn select_keeps_request_order_drops_repeats_and_names_known_ids() {
        let manifest = Manifest::from_toml(&manifest_with(&[
            entry_toml("first", "a.csv", GOOD_SHA),
            entry_toml("second", "b.csv", GOOD_SHA),
        ]))
        .expect("valid manifest");

        let all = manifest.select(&[]).expect("all entries");
        assert_eq!(all.len(), 2);

        let ids = ["second", "first", "second"].map(String::from);
        let chosen: Vec<&str> = manifest
            .select(&ids)
            .expect("known ids")
            .iter()
            .map(|entry| entry.id())
            .collect();
        assert_eq!(chosen, ["second", "first"]);

        let error = manifest.select(&["third".to_string()]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "no dataset has id \"third\"; known ids: first, second"
        );
    }

    #[test]
    fn an_empty_version_is_an_error() {
        let error = Manifest::from_toml("version = \" \"\n").unwrap_err();
        assert!(matches!(error, DatasetsError::EmptyVersion));
    }
}
