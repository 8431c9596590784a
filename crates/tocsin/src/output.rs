//! Printing results: one JSON object with `--json`, readable text otherwise.

use serde::Serialize;

/// Prints `value` as JSON when asked, else the text that `text` builds.
pub fn emit<T: Serialize>(
    json: bool,
    value: &T,
    text: impl FnOnce(&T) -> String,
) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string(value)?);
    } else {
        let text = text(value);
        if !text.is_empty() {
            println!("{text}");
        }
    }
    Ok(())
}

/// A spinner on stderr while long work runs; invisible when stderr is not a terminal, so
/// pipes and `--json` stay clean.
pub fn spinner(message: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_message(message.to_string());
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}
