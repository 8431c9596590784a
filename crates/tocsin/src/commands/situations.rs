//! `tocsin situations list`.

use serde::Serialize;
use tocsin_store::SituationRow;

use crate::cli::SituationsCommand;
use crate::config::Settings;
use crate::output::emit;
use crate::Outcome;

#[derive(Serialize)]
struct List {
    situations: Vec<SituationRow>,
}

pub async fn run(
    settings: &Settings,
    command: SituationsCommand,
    json: bool,
) -> anyhow::Result<Outcome> {
    let SituationsCommand::List = command;
    let store = super::open_store(settings).await?;
    let situations = store.list_situations().await?;
    store.close().await;
    emit(json, &List { situations }, |list| {
        if list.situations.is_empty() {
            return "no situations yet: import data first (tocsin import ewp FILE)".to_string();
        }
        let mut text = format!("{:<8} {:>4} {:>6}  {}\n", "ID", "GW", "DATA", "NAME");
        for row in &list.situations {
            let s = &row.situation;
            text.push_str(&format!(
                "{:<8} {:>4} {:>6}  {}\n",
                s.id,
                s.gw_code.map_or_else(|| "-".to_string(), |c| c.to_string()),
                row.latest_data_year
                    .map_or_else(|| "-".to_string(), |y| y.to_string()),
                s.name
            ));
        }
        text.push_str(&format!("{} situations", list.situations.len()));
        text
    })?;
    Ok(Outcome::Success)
}
