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
    let shutdown = shutdown_signal()?;
    let listener = tokio::net::TcpListener::bind(settings.listen.value)
        .await
        .with_context(|| format!("cannot listen on {}", settings.listen.value))?;
    let address = listener.local_addr()?;
    // Printed on stdout so scripts (and tests using port 0) learn the address.
    println!("listening on http://{address}");
    tracing::info!(%address, "tocsin serving");
    if !settings.secure_cookies.value && !address.ip().is_loopback() {
        tracing::warn!(%address, "secure_cookies is off on a non-loopback address: session cookies travel in clear text");
    }
    tocsin_http::serve(
        listener,
        AppState {
            store: store.clone(),
            catalogue,
            intake,
            accounts: tocsin_app::Accounts::new(store.clone()),
            web: tocsin_http::web::Web::new(tocsin_http::web::WebSettings {
                secure_cookies: settings.secure_cookies.value,
                ..Default::default()
            }),
        },
        shutdown,
    )
    .await
    .context("the server stopped with an error")?;
    store.close().await;
    tracing::info!("tocsin stopped");
    Ok(Outcome::Success)
}

/// Registers the SIGINT and SIGTERM handlers now (before the server says it is listening, so
/// a signal that arrives right after start still shuts it down gracefully) and returns a
/// future that completes on either.
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()> + Send + 'static> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut interrupt = signal(SignalKind::interrupt()).context("cannot handle SIGINT")?;
    let mut terminate = signal(SignalKind::terminate()).context("cannot handle SIGTERM")?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {},
            _ = terminate.recv() => {},
        }
    })
}
