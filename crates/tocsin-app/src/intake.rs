//! Receiving field reports: the JSON API and SMS gateway webhooks.
//!
//! Every payload is sealed and committed to the inbox before it is parsed
//! ([`tocsin_store::Store::receive`]); a repeat delivery is answered as the first one was.
//! Only then is it parsed, its sender matched to a pseudonymous source, its place resolved, and
//! the report stored. What cannot be read is kept in the inbox with the reason.
//!
//! Place: a partner system using the API gets `unknown_place` (422) for a name the gazetteer
//! cannot place, because it can send coordinates or a better name. A person sending an SMS,
//! often at risk, never gets a refusal for that: the report is kept and goes to the analysts'
//! place queue.
//!
//! Language: detected among the languages a deployment's reports arrive in (by default those
//! the gazetteer names places in, [`tocsin_geo::REPORT_LANGUAGES`]), unless the sender said.

use std::sync::Arc;

use serde::Serialize;
use time::OffsetDateTime;
use tocsin_domain::{Channel, Credibility, SituationId, Tlp};
use tocsin_geo::{Gazetteer, Resolution};
use tocsin_ingest::{
    parse_form_submission, parse_sms, parse_submission, parse_subscription, parse_webhook,
    GatewayKind, LanguageDetector, Subscription,
};
use tocsin_store::{
    Delivery, InboxEntry, InboxState, NewReport, PlaceInput, Received, Store, StoreError, Vault,
};

/// The shared secret each SMS gateway must present. A gateway without one configured is
/// refused: an open webhook would let anyone inject reports.
#[derive(Clone, Default)]
pub struct GatewaySecrets {
    pub twilio: Option<String>,
    pub smssync: Option<String>,
}

impl std::fmt::Debug for GatewaySecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GatewaySecrets")
            .field("twilio", &self.twilio.as_ref().map(|_| "***"))
            .field("smssync", &self.smssync.as_ref().map(|_| "***"))
            .finish()
    }
}

/// Broad kinds of failure, which the HTTP layer maps to status codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntakeErrorKind {
    /// The payload cannot be read (400).
    BadRequest,
    /// The payload was read but cannot be accepted as it is (422).
    Unprocessable,
    /// The gateway did not prove who it is (401).
    Unauthorized,
    /// Something failed inside; the payload is safe in the inbox (500).
    Internal,
}

#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct IntakeError {
    pub kind: IntakeErrorKind,
    /// Stable machine-readable code, e.g. `invalid_json`, `bad_secret`, `unknown_place`.
    pub code: &'static str,
    pub message: String,
    /// The inbox entry holding the payload, when it was stored.
    pub inbox_id: Option<i64>,
}

impl IntakeError {
    fn internal(error: StoreError) -> IntakeError {
        tracing::error!(%error, "intake storage failed");
        IntakeError {
            kind: IntakeErrorKind::Internal,
            code: "internal",
            message: "the report could not be stored; try again later".to_string(),
            inbox_id: None,
        }
    }
}

/// What a sender is told once its payload is safe.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IntakeOutcome {
    pub report_id: i64,
    pub inbox_id: i64,
    /// The payload (or its content) had arrived before: no new report was made.
    pub repeated: bool,
    /// `resolved`, `unresolved` (queued for an analyst), `ambiguous` or `none`.
    pub place_state: String,
    pub situation: Option<SituationId>,
    pub language: Option<String>,
}

/// What an inbound SMS became.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SmsOutcome {
    Report(IntakeOutcome),
    /// A JOIN or STOP keyword for community alerts. Which number sent it is not said.
    Subscription {
        inbox_id: i64,
        /// `joined`, `stopped`, or `repeated` for a delivery handled before.
        action: &'static str,
        area: Option<String>,
    },
}

/// What to do with a place name the gazetteer cannot place, sent without coordinates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PlaceMiss {
    /// Refuse the report, saying what to send (a partner system can fix it).
    Refuse,
    /// Keep the report for the analysts' place queue (a person sent it).
    Queue,
}

/// The intake service.
#[derive(Debug, Clone)]
pub struct Intake {
    pub store: Store,
    vault: Vault,
    gazetteer: Option<Arc<Gazetteer>>,
    secrets: GatewaySecrets,
    /// Which languages a report's language is detected among.
    languages: Arc<LanguageDetector>,
}

/// The languages detected when a deployment names none: those the gazetteer names places in
/// (less the few the detector does not know: Hausa, Pashto, Somali, Tigrinya).
pub fn default_languages() -> LanguageDetector {
    let known: Vec<&str> = tocsin_geo::REPORT_LANGUAGES
        .iter()
        .copied()
        .filter(|code| LanguageDetector::knows(code))
        .collect();
    LanguageDetector::among(&known).expect("the gazetteer's languages include detectable ones")
}

/// Constant-time comparison, so a wrong secret's timing says nothing about the right one.
fn same_secret(presented: &str, expected: &str) -> bool {
    let (a, b) = (presented.as_bytes(), expected.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl Intake {
    pub fn new(
        store: Store,
        vault: Vault,
        gazetteer: Option<Arc<Gazetteer>>,
        secrets: GatewaySecrets,
    ) -> Intake {
        Intake {
            store,
            vault,
            gazetteer,
            secrets,
            languages: Arc::new(default_languages()),
        }
    }

    /// Detects reports' languages with `languages` (see [`LanguageDetector::among`]).
    pub fn with_languages(mut self, languages: LanguageDetector) -> Intake {
        self.languages = Arc::new(languages);
        self
    }

    /// `POST /api/v1/reports`.
    pub async fn submit_json(
        &self,
        idempotency_key: Option<&str>,
        body: &[u8],
        now: OffsetDateTime,
    ) -> Result<IntakeOutcome, IntakeError> {
        let key = idempotency_key.map(|key| format!("api:{key}"));
        let inbox_id = match self
            .receive("api", key.as_deref(), "application/json", body, now)
            .await?
        {
            Ok(inbox_id) => inbox_id,
            Err(repeat) => return repeat,
        };
        let submission = match parse_submission(body) {
            Ok(submission) => submission,
            Err(error) => {
                let message = match &error.path {
                    Some(path) => format!("{path}: {}", error.message),
                    None => error.message.clone(),
                };
                return Err(self
                    .refuse(inbox_id, IntakeErrorKind::BadRequest, error.code, message)
                    .await);
            }
        };
        self.accept_submission(inbox_id, submission, PlaceMiss::Refuse, now)
            .await
    }

    /// The monitors' web form (`application/x-www-form-urlencoded`, see
    /// [`tocsin_ingest::parse_form_submission`]). `submission_id` is the id the form was
    /// rendered with, so a form sent twice (a double tap, a retry on a slow link) is one
    /// report. A place the gazetteer cannot find does not refuse the report, as for an SMS: a
    /// person filed it, and it goes to the analysts' place queue.
    pub async fn submit_form(
        &self,
        submission_id: Option<&str>,
        body: &[u8],
        now: OffsetDateTime,
    ) -> Result<IntakeOutcome, IntakeError> {
        let key = submission_id.map(|id| format!("form:{id}"));
        let inbox_id = match self
            .receive(
                "web_form",
                key.as_deref(),
                "application/x-www-form-urlencoded",
                body,
                now,
            )
            .await?
        {
            Ok(inbox_id) => inbox_id,
            Err(repeat) => return repeat,
        };
        let submission = match parse_form_submission(body) {
            Ok(submission) => submission,
            Err(error) => {
                return Err(self
                    .refuse(
                        inbox_id,
                        IntakeErrorKind::BadRequest,
                        error.code,
                        error.message,
                    )
                    .await)
            }
        };
        self.accept_submission(inbox_id, submission, PlaceMiss::Queue, now)
            .await
    }

    /// Places, reads and stores a checked submission already in the inbox.
    async fn accept_submission(
        &self,
        inbox_id: i64,
        submission: tocsin_ingest::ReportSubmission,
        miss: PlaceMiss,
        now: OffsetDateTime,
    ) -> Result<IntakeOutcome, IntakeError> {
        let (place, situation) = match &submission.place {
            None => (
                PlaceInput {
                    name: None,
                    point: None,
                    situation: None,
                    state: "none",
                },
                None,
            ),
            Some(submitted) => {
                let resolution = submitted.name.as_deref().map(|name| self.resolve(name));
                match (submitted.point, resolution) {
                    (_, Some(Resolution::Resolved(found))) => (
                        PlaceInput {
                            name: submitted.name.clone(),
                            // Coordinates the sender measured beat the gazetteer's town centre.
                            point: submitted.point.or(Some(found.point)),
                            situation: Some(found.situation.clone()),
                            state: "resolved",
                        },
                        Some(found.situation),
                    ),
                    (Some(point), _) => (
                        PlaceInput {
                            name: submitted.name.clone(),
                            point: Some(point),
                            situation: None,
                            state: "unresolved",
                        },
                        None,
                    ),
                    (None, Some(Resolution::Ambiguous { .. })) if miss == PlaceMiss::Queue => (
                        PlaceInput {
                            name: submitted.name.clone(),
                            point: None,
                            situation: None,
                            state: "ambiguous",
                        },
                        None,
                    ),
                    (None, Some(Resolution::Unresolved { .. })) if miss == PlaceMiss::Queue => (
                        PlaceInput {
                            name: submitted.name.clone(),
                            point: None,
                            situation: None,
                            state: "unresolved",
                        },
                        None,
                    ),
                    (None, Some(Resolution::Ambiguous { candidates })) => {
                        let names: Vec<String> = candidates
                            .iter()
                            .take(4)
                            .map(|c| format!("{}, {}", c.name, c.situation))
                            .collect();
                        let message = format!(
                            "place.name {:?} fits several places ({}); add the country or send lat and lon",
                            submitted.name.as_deref().unwrap_or_default(),
                            names.join("; ")
                        );
                        return Err(self
                            .refuse(
                                inbox_id,
                                IntakeErrorKind::Unprocessable,
                                "ambiguous_place",
                                message,
                            )
                            .await);
                    }
                    (None, Some(Resolution::Unresolved { reason })) => {
                        let message = format!("place.name: {reason}; or send lat and lon");
                        return Err(self
                            .refuse(
                                inbox_id,
                                IntakeErrorKind::Unprocessable,
                                "unknown_place",
                                message,
                            )
                            .await);
                    }
                    (None, None) => (
                        PlaceInput {
                            name: None,
                            point: None,
                            situation: None,
                            state: "none",
                        },
                        None,
                    ),
                }
            }
        };
        let language = submission
            .language
            .clone()
            .or_else(|| self.languages.detect(&submission.text).map(|d| d.code));
        let source = submission.source.as_ref();
        let report = NewReport {
            channel: source.map_or(Channel::Api, |s| s.channel),
            sender: source.and_then(|s| s.contact.clone()),
            text: submission.text.clone(),
            place,
            observed_at: submission.observed_at,
            language: language.clone(),
            credibility: submission
                .credibility
                .unwrap_or(Credibility::CannotBeJudged),
            tlp: submission.tlp.unwrap_or(Tlp::Amber),
            external_ref: submission
                .external_id
                .as_ref()
                .map(|id| format!("api:{id}")),
            details_json: None,
        };
        self.accept(inbox_id, report, situation, language, now)
            .await
    }

    /// `POST /api/v1/gateways/{twilio|smssync}`: an inbound SMS. `presented_secret` is what the
    /// gateway sent outside the form (header or query); SMSSync may send it inside the form.
    pub async fn receive_sms(
        &self,
        gateway: GatewayKind,
        presented_secret: Option<&str>,
        body: &[u8],
        now: OffsetDateTime,
    ) -> Result<SmsOutcome, IntakeError> {
        let (channel, expected) = match gateway {
            GatewayKind::Twilio => ("twilio", self.secrets.twilio.as_deref()),
            GatewayKind::SmsSync => ("smssync", self.secrets.smssync.as_deref()),
        };
        // The gateway's own message id makes retries idempotent; it is read before the payload
        // is stored only to name the delivery, and the payload is stored whatever it holds.
        let parsed = parse_webhook(gateway, body);
        let key = parsed
            .as_ref()
            .ok()
            .map(|sms| format!("{channel}:{}", sms.message_id));
        let delivery = Delivery {
            channel,
            delivery_key: key.as_deref(),
            content_type: "application/x-www-form-urlencoded",
            payload: body,
        };
        let inbox_id = match self
            .store
            .receive(&self.vault, delivery, now)
            .await
            .map_err(IntakeError::internal)?
        {
            Received::New(inbox_id) => inbox_id,
            Received::Repeat(entry) if entry.state == InboxState::Keyword => {
                return Ok(SmsOutcome::Subscription {
                    inbox_id: entry.id,
                    action: "repeated",
                    area: None,
                })
            }
            Received::Repeat(entry) => {
                return self.answer_repeat(entry).await.map(SmsOutcome::Report)
            }
        };
        let sms = match parsed {
            Ok(sms) => sms,
            Err(error) => {
                return Err(self
                    .refuse(
                        inbox_id,
                        IntakeErrorKind::BadRequest,
                        error.code,
                        error.message,
                    )
                    .await)
            }
        };
        let presented = presented_secret.or(sms.secret.as_deref());
        let authentic = matches!((presented, expected), (Some(p), Some(e)) if same_secret(p, e));
        if !authentic {
            let message = if expected.is_none() {
                format!("the {channel} gateway is not configured on this server; set its secret in tocsin.toml")
            } else {
                format!("the {channel} gateway secret is missing or wrong; check the secret configured on the gateway")
            };
            return Err(self
                .refuse(
                    inbox_id,
                    IntakeErrorKind::Unauthorized,
                    "bad_secret",
                    message,
                )
                .await);
        }
        if let Some(subscription) = parse_subscription(&sms.body) {
            return self
                .subscribe(inbox_id, &sms.sender, subscription, now)
                .await;
        }
        let parsed_sms = parse_sms(&sms.body, now);
        let (place, situation) = self.place_from_sms(parsed_sms.place.as_deref(), &sms.body);
        let language = self.languages.detect(&sms.body).map(|d| d.code);
        let report = NewReport {
            channel: Channel::Sms,
            sender: Some(sms.sender.clone()),
            text: sms.body.clone(),
            place,
            observed_at: parsed_sms.observed_at,
            language: language.clone(),
            credibility: Credibility::CannotBeJudged,
            // Field reports start restricted: an analyst widens distribution after review.
            tlp: Tlp::AmberStrict,
            external_ref: None,
            details_json: None,
        };
        self.accept(inbox_id, report, situation, language, now)
            .await
            .map(SmsOutcome::Report)
    }

    /// A community member joins or leaves the broadcast alerts of an area. Their number is
    /// sealed like a source's contact; nothing here logs it.
    async fn subscribe(
        &self,
        inbox_id: i64,
        sender: &tocsin_domain::Contact,
        subscription: Subscription,
        now: OffsetDateTime,
    ) -> Result<SmsOutcome, IntakeError> {
        let join = match &subscription {
            Subscription::Join { area, language } => Some((
                area.clone(),
                language.clone().unwrap_or_else(|| "en".into()),
            )),
            Subscription::Stop => None,
        };
        let subscriber = self
            .store
            .community_keyword(
                &self.vault,
                sender,
                join.as_ref().map(|(a, l)| (a.as_str(), l.as_str())),
                Some(inbox_id),
                now,
            )
            .await
            .map_err(IntakeError::internal)?;
        Ok(SmsOutcome::Subscription {
            inbox_id,
            action: if join.is_some() { "joined" } else { "stopped" },
            area: subscriber.map(|s| s.area),
        })
    }

    /// Payloads that could not be read, for analysts.
    pub async fn rejected_payloads(&self, limit: i64) -> Result<Vec<InboxEntry>, StoreError> {
        self.store.rejected_payloads(limit).await
    }

    fn resolve(&self, name: &str) -> Resolution {
        match &self.gazetteer {
            Some(gazetteer) => gazetteer.resolve(name, None),
            None => Resolution::Unresolved {
                reason: tocsin_geo::UnresolvedReason::UnknownName {
                    name: name.to_string(),
                },
            },
        }
    }

    /// The place of an SMS: its structured place if it has one, else the best place name found
    /// in its text; unresolved names go to the analysts' queue.
    fn place_from_sms(
        &self,
        structured: Option<&str>,
        text: &str,
    ) -> (PlaceInput, Option<SituationId>) {
        let resolution = match (structured, &self.gazetteer) {
            (Some(name), _) => Some((name.to_string(), self.resolve(name))),
            (None, Some(gazetteer)) => gazetteer
                .find_in_text(text)
                .into_iter()
                .next()
                .map(|mention| (text[mention.span.clone()].to_string(), mention.resolution)),
            (None, None) => None,
        };
        match resolution {
            Some((name, Resolution::Resolved(place))) => (
                PlaceInput {
                    name: Some(name),
                    point: Some(place.point),
                    situation: Some(place.situation.clone()),
                    state: "resolved",
                },
                Some(place.situation),
            ),
            Some((name, Resolution::Ambiguous { .. })) => (
                PlaceInput {
                    name: Some(name),
                    point: None,
                    situation: None,
                    state: "ambiguous",
                },
                None,
            ),
            Some((name, Resolution::Unresolved { .. })) => (
                PlaceInput {
                    name: Some(name),
                    point: None,
                    situation: None,
                    state: "unresolved",
                },
                None,
            ),
            None => (
                PlaceInput {
                    name: None,
                    point: None,
                    situation: None,
                    state: "none",
                },
                None,
            ),
        }
    }

    /// Stores the payload; `Err(answer)` when it is a repeat, with the answer the first got.
    async fn receive(
        &self,
        channel: &str,
        key: Option<&str>,
        content_type: &str,
        body: &[u8],
        now: OffsetDateTime,
    ) -> Result<Result<i64, Result<IntakeOutcome, IntakeError>>, IntakeError> {
        let delivery = Delivery {
            channel,
            delivery_key: key,
            content_type,
            payload: body,
        };
        match self
            .store
            .receive(&self.vault, delivery, now)
            .await
            .map_err(IntakeError::internal)?
        {
            Received::New(inbox_id) => Ok(Ok(inbox_id)),
            Received::Repeat(entry) => Ok(Err(self.answer_repeat(entry).await)),
        }
    }

    async fn answer_repeat(&self, entry: InboxEntry) -> Result<IntakeOutcome, IntakeError> {
        match (&entry.state, entry.report_id) {
            (InboxState::Accepted, Some(report_id)) => {
                let report = self
                    .store
                    .report_place(report_id)
                    .await
                    .map_err(IntakeError::internal)?;
                Ok(IntakeOutcome {
                    report_id,
                    inbox_id: entry.id,
                    repeated: true,
                    place_state: report.0,
                    situation: report.1,
                    language: report.2,
                })
            }
            (InboxState::Rejected, _) => Err(IntakeError {
                kind: IntakeErrorKind::BadRequest,
                code: "already_rejected",
                message: format!(
                    "this delivery was refused before: {}",
                    entry
                        .error_message
                        .as_deref()
                        .unwrap_or("no reason recorded")
                ),
                inbox_id: Some(entry.id),
            }),
            // Received but not processed (a crash between storing and parsing): say so; the
            // sender may retry later and an analyst sees it in the inbox.
            _ => Err(IntakeError {
                kind: IntakeErrorKind::Internal,
                code: "in_progress",
                message: "this delivery is stored and still being processed; retry later"
                    .to_string(),
                inbox_id: Some(entry.id),
            }),
        }
    }

    async fn refuse(
        &self,
        inbox_id: i64,
        kind: IntakeErrorKind,
        code: &'static str,
        message: String,
    ) -> IntakeError {
        if let Err(error) = self.store.reject(inbox_id, code, &message).await {
            return IntakeError::internal(error);
        }
        IntakeError {
            kind,
            code,
            message,
            inbox_id: Some(inbox_id),
        }
    }

    async fn accept(
        &self,
        inbox_id: i64,
        report: NewReport,
        situation: Option<SituationId>,
        language: Option<String>,
        now: OffsetDateTime,
    ) -> Result<IntakeOutcome, IntakeError> {
        let place_state = report.place.state.to_string();
        let accepted = self
            .store
            .accept(&self.vault, Some(inbox_id), report, now)
            .await
            .map_err(IntakeError::internal)?;
        Ok(IntakeOutcome {
            report_id: accepted.report_id,
            inbox_id,
            repeated: accepted.duplicate,
            place_state,
            situation,
            language,
        })
    }
}

impl Intake {
    /// Reveals who a source is to `who`, if their role may see it; every look is audited.
    pub async fn reveal_contact(
        &self,
        who: &tocsin_domain::Principal,
        source: &tocsin_domain::SourceId,
        now: OffsetDateTime,
    ) -> Result<Option<tocsin_domain::Contact>, StoreError> {
        if !who.role.may_read_source_identity() {
            return Err(StoreError::Refused(tocsin_domain::DomainError::invalid(
                "role",
                who.role.as_str(),
                "only the source_handler role may see who a source is",
            )));
        }
        self.store
            .reveal_contact(&self.vault, source, &who.username, now)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tocsin_ingest::detect_language;

    /// Reports as they might arrive, one per language the gazetteer carries and the detector
    /// knows, with the code each must be detected as.
    const REPORTS: &[(&str, &str)] = &[
        ("en", "Armed men came to the village at night and burned the houses near the school"),
        ("fr", "Des hommes armés sont entrés dans le village cette nuit et ont brûlé les maisons"),
        ("es", "Hombres armados entraron en el pueblo por la noche y quemaron las casas cerca de la escuela"),
        ("pt", "Homens armados entraram na aldeia durante a noite e queimaram as casas perto da escola"),
        ("de", "Bewaffnete Männer kamen in der Nacht in das Dorf und brannten die Häuser bei der Schule nieder"),
        ("it", "Uomini armati sono entrati nel villaggio di notte e hanno bruciato le case vicino alla scuola"),
        ("tr", "Silahlı adamlar gece köye geldi ve okulun yakınındaki evleri yaktılar"),
        ("sw", "Watu wenye silaha walikuja kijijini usiku na wamechoma nyumba za watu wengi"),
        ("ar", "دخل مسلحون إلى القرية ليلا وأحرقوا المنازل القريبة من المدرسة"),
        ("fa", "مردان مسلح شب به روستا آمدند و خانه‌های نزدیک مدرسه را آتش زدند"),
        ("ur", "مسلح افراد رات کو گاؤں میں آئے اور اسکول کے قریب گھروں کو جلا دیا"),
        ("ru", "Вооружённые люди пришли в деревню ночью и сожгли дома возле школы"),
        ("uk", "Озброєні люди прийшли в село вночі і спалили будинки біля школи"),
        ("hi", "हथियारबंद लोग रात में गांव आए और स्कूल के पास के घरों को जला दिया"),
        ("bn", "সশস্ত্র লোকেরা রাতে গ্রামে এসে স্কুলের কাছের বাড়িগুলো পুড়িয়ে দিয়েছে"),
        ("am", "የታጠቁ ሰዎች ማታ ወደ መንደሩ መጥተው ቤቶችን አቃጠሉ"),
        ("my", "လက်နက်ကိုင်အဖွဲ့ဝင်များ ညဘက် ရွာထဲသို့ ဝင်ရောက်ပြီး အိမ်များကို မီးရှို့ခဲ့သည်"),
        ("zh", "武装人员夜间进入村庄并烧毁了学校附近的房屋"),
    ];

    // Detecting among the gazetteer's languages names every report in one of them as
    // detecting among all languages does.
    #[test]
    fn the_default_languages_detect_reports_in_them_as_all_languages_do() {
        let languages = default_languages();
        for (expected, text) in REPORTS {
            let all = detect_language(text).map(|detected| detected.code);
            let among = languages.detect(text).map(|detected| detected.code);
            assert_eq!(all.as_deref(), Some(*expected), "all languages: {text}");
            assert_eq!(
                among.as_deref(),
                Some(*expected),
                "default languages: {text}"
            );
        }
    }

    // The list chooses among the languages that share a script; a language with a script of
    // its own is named whatever the list holds.
    #[test]
    fn a_language_with_a_script_of_its_own_is_named_whatever_the_list() {
        let languages = default_languages();
        let greek =
            "Ένοπλοι άνδρες ήρθαν στο χωριό τη νύχτα και έκαψαν τα σπίτια κοντά στο σχολείο";
        assert_eq!(
            detect_language(greek).map(|d| d.code).as_deref(),
            Some("el")
        );
        assert_eq!(
            languages.detect(greek).map(|d| d.code).as_deref(),
            Some("el")
        );
        let french_only = LanguageDetector::among(&["fr"]).unwrap();
        assert_eq!(
            french_only.detect(REPORTS[15].1).map(|d| d.code).as_deref(),
            Some("am")
        );
    }
}
