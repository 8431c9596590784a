//! `tocsin serve`: the HTTP server, until Ctrl-C or SIGTERM.

use anyhow::Context;
use tocsin_http::AppState;

use crate::config::Settings;
use crate::Outcome;

pub async fn run(settings: &Settings) -> anyhow::Result<Outcome> {
    let catalogue = super::load_catalogue(settings)?;
    let params = super::assess::load_params(settings.stage_params.value.as_deref())?;
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
    let intake = match &settings.report_languages {
        Some(codes) => intake.with_languages(
            tocsin_ingest::LanguageDetector::among(codes)
                .map_err(anyhow::Error::msg)
                .context("report_languages")?,
        ),
        None => intake,
    };
    let alerts = super::alerts::service_over(store.clone(), settings)?;
    // Escalation and delivery retries run every minute; a failed round is logged and the
    // next one tries again.
    let ticker = alerts.clone();
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(std::time::Duration::from_secs(60));
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            if let Err(error) = ticker.tick(super::now()).await {
                tracing::error!(%error, "alert tick failed");
            }
        }
    });
    let shutdown = shutdown_signal()?;
    let listener = tokio::net::TcpListener::bind(settings.listen.value)
        .await
        .with_context(|| format!("cannot listen on {}", settings.listen.value))?;
    let address = listener.local_addr()?;
    // Printed on stdout so scripts (and tests using port 0) learn the address.
    println!("listening on http://{address}");
    tracing::info!(%address, "tocsin serving");
    let assessments = tocsin_app::Assessments::new(store.clone(), catalogue.clone(), params)
        .with_alerts(alerts.clone());
    let sweeper = tokio::spawn(sweep(assessments.clone()));
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
            assessments,
            alerts,
            web: tocsin_http::web::Web::new(tocsin_http::web::WebSettings {
                secure_cookies: settings.secure_cookies.value,
                ..Default::default()
            }),
        },
        shutdown,
    )
    .await
    .context("the server stopped with an error")?;
    sweeper.abort();
    store.close().await;
    tracing::info!("tocsin stopped");
    Ok(Outcome::Success)
}

/// How often the server assesses every situation, so that a stage change is found (and
/// stored) even when nobody asks.
const SWEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

/// Assesses every situation now and then every [`SWEEP_EVERY`], logging each stage change.
async fn sweep(assessments: tocsin_app::Assessments) {
    let mut ticks = tokio::time::interval(SWEEP_EVERY);
    loop {
        ticks.tick().await;
        match assessments
            .assess_all("tocsin:assessor", super::now())
            .await
        {
            Ok(changes) => {
                for change in changes {
                    tracing::info!(
                        situation = %change.situation,
                        from = change.from_stage,
                        to = change.to_stage,
                        score = change.score,
                        "stage changed"
                    );
                }
            }
            Err(error) => tracing::warn!(%error, "assessing every situation failed"),
        }
    }
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
