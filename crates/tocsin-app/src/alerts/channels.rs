//! The channels an alert leaves Tocsin by: email over SMTP, SMS through an HTTP gateway, and
//! webhooks signed with HMAC-SHA256. (The in-app inbox needs no sending: a stored delivery is
//! the message.)
//!
//! Every send carries the delivery's id (Message-ID, gateway reference, webhook header), the
//! same on every retry, so a receiver that got a message whose acknowledgement was lost can
//! recognise the retry.

use std::fmt;

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use time::OffsetDateTime;
use tocsin_alerts::message::{render, webhook_payload};
use tocsin_alerts::signature::{sign, DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use tocsin_alerts::AlertView;
use tocsin_store::DeliveryRecord;

use super::{AlertError, AlertErrorKind};

/// Where the channels send, from configuration. A channel left unset fails its deliveries
/// (they are retried, then dead-lettered) rather than dropping them.
#[derive(Clone, Default)]
pub struct ChannelSettings {
    /// `smtp://host:port` (plain, for a local relay), `smtp://host:port?tls=required`
    /// (STARTTLS) or `smtps://user:password@host:port`.
    pub smtp_url: Option<String>,
    /// The From address of alert emails.
    pub email_from: Option<String>,
    /// The SMS gateway: Tocsin POSTs `{"to", "message", "reference"}` as JSON.
    pub sms_gateway_url: Option<String>,
    /// Sent as `Authorization: Bearer …` to the SMS gateway.
    pub sms_gateway_token: Option<String>,
    /// The key webhook bodies are signed with.
    pub webhook_secret: Option<String>,
    /// The address Tocsin is reached at from outside, for links in the CAP feed
    /// [default: http://localhost:8080].
    pub public_url: Option<String>,
}

// Hand-written: URLs may hold passwords, and tokens and secrets never reach a log.
impl fmt::Debug for ChannelSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let set = |value: &Option<String>| if value.is_some() { "set" } else { "unset" };
        f.debug_struct("ChannelSettings")
            .field("smtp_url", &set(&self.smtp_url))
            .field("email_from", &self.email_from)
            .field("sms_gateway_url", &set(&self.sms_gateway_url))
            .field("sms_gateway_token", &set(&self.sms_gateway_token))
            .field("webhook_secret", &set(&self.webhook_secret))
            .field("public_url", &self.public_url)
            .finish()
    }
}

#[derive(Clone)]
pub(super) struct Channels {
    smtp: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: Mailbox,
    http: reqwest::Client,
    settings: ChannelSettings,
}

impl Channels {
    pub(super) fn public_url(&self) -> &str {
        self.settings
            .public_url
            .as_deref()
            .unwrap_or("http://localhost:8080")
    }

    pub(super) fn new(settings: ChannelSettings) -> Result<Channels, AlertError> {
        let smtp = settings
            .smtp_url
            .as_deref()
            .map(|url| {
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map(|builder| builder.build())
                    .map_err(|error| {
                        AlertError::bad(
                            "bad_smtp_url",
                            format!(
                                "smtp_url cannot be used ({error}); write smtp://HOST:PORT or smtps://USER:PASSWORD@HOST"
                            ),
                        )
                    })
            })
            .transpose()?;
        let from_text = settings
            .email_from
            .clone()
            .unwrap_or_else(|| "Tocsin <tocsin@localhost>".to_string());
        let from = from_text.parse::<Mailbox>().map_err(|error| {
            AlertError::bad(
                "bad_email_from",
                format!("alert_email_from {from_text:?} is not an address ({error})"),
            )
        })?;
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(15))
            .build()
            .map_err(|error| {
                AlertError::new(
                    AlertErrorKind::Internal,
                    "internal",
                    format!("cannot set up HTTP delivery: {error}"),
                )
            })?;
        Ok(Channels {
            smtp,
            from,
            http,
            settings,
        })
    }

    /// One attempt at one delivery; the error is what the dead-letter list will show.
    pub(super) async fn send(
        &self,
        alert: &AlertView,
        delivery: &DeliveryRecord,
        now: OffsetDateTime,
    ) -> Result<(), String> {
        match delivery.channel.as_str() {
            "email" => self.email(alert, delivery).await,
            "sms" => self.sms(alert, delivery).await,
            "webhook" => self.webhook(alert, delivery, now).await,
            other => Err(format!("no sender for channel {other}")),
        }
    }

    async fn email(&self, alert: &AlertView, delivery: &DeliveryRecord) -> Result<(), String> {
        let smtp = self
            .smtp
            .as_ref()
            .ok_or("email is not configured: set smtp_url in tocsin.toml")?;
        let to: Mailbox = delivery
            .to
            .parse()
            .map_err(|error| format!("bad address: {error}"))?;
        let text = render(alert, delivery.clearance, delivery.level);
        let email = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(text.subject)
            .message_id(Some(format!(
                "<alert-{}.delivery-{}@tocsin>",
                alert.id, delivery.id
            )))
            .header(ContentType::TEXT_PLAIN)
            .body(text.body)
            .map_err(|error| format!("cannot build the email: {error}"))?;
        smtp.send(email)
            .await
            .map(|_| ())
            .map_err(|error| format!("SMTP: {error}"))
    }

    async fn sms(&self, alert: &AlertView, delivery: &DeliveryRecord) -> Result<(), String> {
        let url = self
            .settings
            .sms_gateway_url
            .as_deref()
            .ok_or("SMS is not configured: set sms_gateway_url in tocsin.toml")?;
        let text = render(alert, delivery.clearance, delivery.level);
        let body = serde_json::json!({
            "to": delivery.to,
            "message": text.short,
            "reference": format!("tocsin-delivery-{}", delivery.id),
        });
        post_sms(
            &self.http,
            url,
            self.settings.sms_gateway_token.as_deref(),
            &body,
        )
        .await
    }

    /// One community broadcast SMS.
    pub(super) async fn send_community(
        &self,
        phone: &str,
        message: &str,
        delivery_id: i64,
    ) -> Result<(), String> {
        let url = self
            .settings
            .sms_gateway_url
            .as_deref()
            .ok_or("SMS is not configured: set sms_gateway_url in tocsin.toml")?;
        let body = serde_json::json!({
            "to": phone,
            "message": message,
            "reference": format!("tocsin-broadcast-{delivery_id}"),
        });
        post_sms(
            &self.http,
            url,
            self.settings.sms_gateway_token.as_deref(),
            &body,
        )
        .await
    }

    async fn webhook(
        &self,
        alert: &AlertView,
        delivery: &DeliveryRecord,
        now: OffsetDateTime,
    ) -> Result<(), String> {
        let secret = self
            .settings
            .webhook_secret
            .as_deref()
            .ok_or("webhooks are not configured: set webhook_secret in tocsin.toml")?;
        let payload = webhook_payload(alert, delivery.clearance, delivery.level, delivery.id);
        let body = serde_json::to_vec(&payload).expect("JSON values serialise");
        let timestamp = now.unix_timestamp();
        let response = self
            .http
            .post(&delivery.to)
            .header("Content-Type", "application/json")
            .header(DELIVERY_HEADER, delivery.id.to_string())
            .header(TIMESTAMP_HEADER, timestamp.to_string())
            .header(SIGNATURE_HEADER, sign(secret.as_bytes(), timestamp, &body))
            .body(body)
            .send()
            .await
            .map_err(|error| format!("webhook: {error}"))?;
        check_status("webhook", response.status())
    }
}

/// Sends one text through the SMS gateway (alerts and community broadcasts alike).
pub(crate) async fn post_sms(
    http: &reqwest::Client,
    url: &str,
    token: Option<&str>,
    body: &serde_json::Value,
) -> Result<(), String> {
    let mut request = http.post(url).json(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request
        .send()
        .await
        .map_err(|error| format!("SMS gateway: {error}"))?;
    check_status("SMS gateway", response.status())
}

fn check_status(what: &str, status: reqwest::StatusCode) -> Result<(), String> {
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("{what} answered {status}"))
    }
}

/// Checks and normalises a unit address for its channel.
pub(super) fn check_address(channel: &str, address: &str) -> Result<String, AlertError> {
    let address = address.trim();
    match channel {
        "email" => address
            .parse::<lettre::Address>()
            .map(|a| a.to_string())
            .map_err(|_| {
                AlertError::bad(
                    "bad_address",
                    format!("{address:?} is not an email address like desk@example.org"),
                )
            }),
        "sms" => {
            let digits: String = address
                .chars()
                .filter(|c| !matches!(c, ' ' | '-' | '(' | ')'))
                .collect();
            let valid = digits.starts_with('+')
                && (8..=16).contains(&digits.len())
                && digits[1..].chars().all(|c| c.is_ascii_digit());
            if valid {
                Ok(digits)
            } else {
                Err(AlertError::bad(
                    "bad_address",
                    format!("{address:?} is not a phone number in international form like +256700123456"),
                ))
            }
        }
        "webhook" => match reqwest::Url::parse(address) {
            Ok(url) if matches!(url.scheme(), "https" | "http") && url.host().is_some() => {
                Ok(url.to_string())
            }
            _ => Err(AlertError::bad(
                "bad_address",
                format!(
                    "{address:?} is not a web address like https://partner.example/hooks/tocsin"
                ),
            )),
        },
        other => Err(AlertError::bad(
            "bad_channel",
            format!("channel {other:?}: use email, sms or webhook"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_checked_for_their_channel() {
        assert_eq!(
            check_address("sms", "+256 700-123 456").unwrap(),
            "+256700123456"
        );
        assert!(check_address("sms", "0700123456").is_err());
        assert!(check_address("email", "desk@example.org").is_ok());
        assert!(check_address("email", "desk").is_err());
        assert!(check_address("webhook", "https://partner.example/hook").is_ok());
        assert!(check_address("webhook", "ftp://partner.example").is_err());
    }
}
