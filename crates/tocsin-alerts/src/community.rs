//! Community broadcasts: message templates in the languages subscribers read, and the rate
//! limit that keeps alerts from becoming noise people stop reading.

use std::collections::BTreeMap;

use serde::Deserialize;
use time::{Duration, OffsetDateTime};

use crate::AlertsError;

const FILE: &str = "community templates";
/// Two concatenated SMS segments of GSM-7 text.
pub const MAX_MESSAGE_CHARS: usize = 306;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TemplatesFile {
    version: String,
    max_per_day: u32,
    #[serde(rename = "template")]
    templates: Vec<TemplateEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TemplateEntry {
    id: String,
    text: BTreeMap<String, String>,
}

/// The templates in force and the broadcast rate limit.
#[derive(Debug, Clone)]
pub struct Templates {
    version: String,
    max_per_day: u32,
    templates: BTreeMap<String, BTreeMap<String, String>>,
}

impl Templates {
    /// The templates shipped with Tocsin (`data/community.toml`).
    pub fn embedded() -> Templates {
        Templates::from_toml(include_str!("../data/community.toml"))
            .expect("the embedded community templates are valid")
    }

    pub fn from_toml(text: &str) -> Result<Templates, AlertsError> {
        let file: TemplatesFile = toml::from_str(text).map_err(|error| AlertsError::Syntax {
            file: FILE,
            message: error.message().to_string(),
        })?;
        let mut templates = BTreeMap::new();
        for entry in file.templates {
            if !entry.text.contains_key("en") {
                return Err(AlertsError::Invalid {
                    file: FILE,
                    what: format!("template {:?}", entry.id),
                    hint: "every template needs an English text (en), the fallback".to_string(),
                });
            }
            if let Some((language, _)) = entry
                .text
                .iter()
                .find(|(_, text)| text.chars().count() > MAX_MESSAGE_CHARS)
            {
                return Err(AlertsError::Invalid {
                    file: FILE,
                    what: format!("template {:?} ({language})", entry.id),
                    hint: format!("keep messages under {MAX_MESSAGE_CHARS} characters"),
                });
            }
            templates.insert(entry.id, entry.text);
        }
        Ok(Templates {
            version: file.version,
            max_per_day: file.max_per_day,
            templates,
        })
    }

    pub fn version(&self) -> &str {
        &self.version
    }

    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.templates.keys().map(String::as_str)
    }

    /// The languages a template is written in.
    pub fn languages(&self, id: &str) -> Vec<&str> {
        self.templates
            .get(id)
            .map(|texts| texts.keys().map(String::as_str).collect())
            .unwrap_or_default()
    }

    /// The message of template `id` in `language` (English if it has no such translation),
    /// for `area`; `None` for an unknown template.
    pub fn render(&self, id: &str, language: &str, area: &str) -> Option<String> {
        let texts = self.templates.get(id)?;
        let text = texts.get(language).or_else(|| texts.get("en"))?;
        Some(text.replace("{area}", area))
    }

    /// Whether one more broadcast may reach a subscriber who received broadcasts at `recent`.
    pub fn may_send(&self, recent: &[OffsetDateTime], now: OffsetDateTime) -> bool {
        let day_ago = now - Duration::days(1);
        let in_window = recent.iter().filter(|at| **at > day_ago).count();
        in_window < self.max_per_day as usize
    }

    pub fn max_per_day(&self) -> u32 {
        self.max_per_day
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn templates_speak_the_subscribers_language_or_english() {
        let templates = Templates::embedded();
        let sw = templates
            .render("militia_approaching", "sw", "Yei")
            .unwrap();
        assert!(sw.starts_with("Tahadhari ya jamii kwa Yei"), "{sw}");
        let fallback = templates
            .render("militia_approaching", "am", "Yei")
            .unwrap();
        assert!(
            fallback.starts_with("Community alert for Yei"),
            "{fallback}"
        );
        assert_eq!(templates.render("no_such", "en", "Yei"), None);
        assert!(templates.languages("hate_speech_illegal").contains(&"fr"));
    }

    #[test]
    fn the_rate_limit_counts_the_last_24_hours() {
        let templates = Templates::embedded();
        let now = datetime!(2026-11-21 12:00 UTC);
        let hours_ago = |h: i64| now - Duration::hours(h);
        assert!(templates.may_send(&[hours_ago(1), hours_ago(2)], now));
        assert!(!templates.may_send(&[hours_ago(1), hours_ago(2), hours_ago(23)], now));
        assert!(templates.may_send(&[hours_ago(1), hours_ago(2), hours_ago(25)], now));
    }
}
