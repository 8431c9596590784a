//! `tocsin serve`: the HTTP server, until Ctrl-C or SIGTERM.

use anyhow::Context;
use tocsin_http::AppState;

use crate::config::Settings;
use crate::Outcome;

pub async fn run(settings: &Settings) -> anyhow::Result<Outcome> {
    let catalogue = super::load_catalogue(settings)?;
    let store = super::open_store(settings).await?;
    let intake = tocsin_app::Intake::new(
        store.clone(),
        super::load_vault(settings)?,
        super::load_gazetteer(settings)?,
        tocsin_app::GatewaySecrets {
            twilio: settings.twilio_secret.clone(),
            smssync: settings.smssync_secret.clone(),
        },
    );
    let listener = tokio::net::TcpListener::bind(settings.listen.value)
        .await
        .with_context(|| format!("cannot listen on {}", settings.listen.value))?;
    let address = listener.local_addr()?;
    // Printed on stdout so scripts (and tests using port 0) learn the address.
    println!("listening on http://{address}");
    tracing::info!(%address, "tocsin serving");
    tocsin_http::serve(
        listener,
        AppState {
            store: store.clone(),
            catalogue,
            intake,
        },
        shutdown_signal(),
    )
    .await
    .context("the server stopped with an error")?;
    store.close().await;
    tracing::info!("tocsin stopped");
    Ok(Outcome::Success)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
