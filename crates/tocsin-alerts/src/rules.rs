//! Alert rules: configuration deciding which signals raise an alert, with what severity, by
//! when it must be acknowledged and for how long a repeat joins the alert already raised.
//!
//! The mapping from a signal to CAP's urgency, severity and certainty is fixed here and written
//! down in `docs/alerts.md`; a rule may only override the severity.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use tocsin_domain::{Credibility, Reliability, SituationId, Stage, Tlp};

use crate::{parse_duration, AlertSignal, AlertsError, SignalKind};

const FILE: &str = "alert rules";

/// CAP 1.2 severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Minor,
    Moderate,
    Severe,
    Extreme,
}

/// CAP 1.2 urgency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    Immediate,
    Expected,
    Future,
}

/// CAP 1.2 certainty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Certainty {
    Observed,
    Likely,
    Possible,
    Unlikely,
}

macro_rules! cap_words {
    ($type:ident { $($variant:ident),* }) => {
        impl $type {
            /// The CAP 1.2 word.
            pub fn cap(self) -> &'static str {
                match self { $($type::$variant => stringify!($variant)),* }
            }

            pub fn as_str(self) -> String {
                self.cap().to_ascii_lowercase()
            }

            pub fn parse(text: &str) -> Option<$type> {
                [$($type::$variant),*].into_iter().find(|v| v.cap().eq_ignore_ascii_case(text.trim()))
            }
        }
    };
}
cap_words!(Severity {
    Minor,
    Moderate,
    Severe,
    Extreme
});
cap_words!(Urgency {
    Immediate,
    Expected,
    Future
});
cap_words!(Certainty {
    Observed,
    Likely,
    Possible,
    Unlikely
});

/// One rule, as written in the rules file.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub id: String,
    pub signal: SignalKind,
    /// stage_changed: the stage rose to at least this; flash_report: the indicator's stage.
    pub min_stage: Option<Stage>,
    /// structural_risk: probability / threshold at least this.
    pub min_ratio: Option<f64>,
    /// flash_report: the source graded this letter or better (A is best).
    pub max_reliability: Option<Reliability>,
    /// flash_report: the information graded this number or better (1 is best).
    pub max_credibility: Option<Credibility>,
    /// trigger_near: the trigger's date at most this many days ahead.
    pub within_days: Option<i64>,
    /// Overrides the severity the signal maps to.
    pub severity: Option<Severity>,
    /// How long the unit has to acknowledge before the alert goes one level up.
    pub ack_within: String,
    /// How long a repeat of the same signal joins the alert instead of raising a new one.
    pub repeat_within: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    version: String,
    cap_sender: String,
    #[serde(rename = "rule")]
    rules: Vec<Rule>,
}

/// The rules in force, checked.
#[derive(Debug, Clone)]
pub struct Rules {
    version: String,
    cap_sender: String,
    rules: Vec<(Rule, Duration, Duration)>,
}

/// What a matching rule makes of a signal: everything an alert needs but its id and routing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertDraft {
    pub rule: String,
    pub kind: SignalKind,
    pub situation: SituationId,
    /// Signals with the same key within `repeat_within` are one alert.
    pub dedupe_key: String,
    pub severity: Severity,
    pub urgency: Urgency,
    pub certainty: Certainty,
    pub headline: String,
    pub description: String,
    pub evidence: Vec<String>,
    pub stage: Option<Stage>,
    pub score: Option<f64>,
    pub tlp: Tlp,
    pub ack_within: Duration,
    pub repeat_within: Duration,
}

impl Rules {
    /// The rules shipped with Tocsin (`data/rules.toml`).
    pub fn embedded() -> Rules {
        Rules::from_toml(include_str!("../data/rules.toml"))
            .expect("the embedded alert rules are valid")
    }

    /// Reads and checks a rules file.
    pub fn from_toml(text: &str) -> Result<Rules, AlertsError> {
        let file: RulesFile = toml::from_str(text).map_err(|error| AlertsError::Syntax {
            file: FILE,
            message: error.message().to_string(),
        })?;
        let invalid = |what: String, hint: &str| AlertsError::Invalid {
            file: FILE,
            what,
            hint: hint.to_string(),
        };
        if file.cap_sender.trim().is_empty()
            || file
                .cap_sender
                .contains(|c: char| c.is_whitespace() || c == ',' || c == '<' || c == '&')
        {
            return Err(invalid(
                format!("cap_sender {:?}", file.cap_sender),
                "CAP needs a sender without spaces, commas, < or &, e.g. tocsin@example.org",
            ));
        }
        let mut rules = Vec::new();
        for rule in file.rules {
            if rules.iter().any(|(r, _, _): &(Rule, _, _)| r.id == rule.id) {
                return Err(invalid(
                    format!("rule {:?}", rule.id),
                    "rule ids must be unique",
                ));
            }
            let ack = parse_duration(&rule.ack_within).ok_or_else(|| {
                invalid(
                    format!("rule {:?} ack_within {:?}", rule.id, rule.ack_within),
                    "write a positive duration such as 90m, 2h or 7d",
                )
            })?;
            let repeat = parse_duration(&rule.repeat_within).ok_or_else(|| {
                invalid(
                    format!("rule {:?} repeat_within {:?}", rule.id, rule.repeat_within),
                    "write a positive duration such as 72h or 30d",
                )
            })?;
            let allowed: &[&str] = match rule.signal {
                SignalKind::StageChanged => &["min_stage"],
                SignalKind::StructuralRisk => &["min_ratio"],
                SignalKind::FlashReport => &["min_stage", "max_reliability", "max_credibility"],
                SignalKind::TriggerNear => &["within_days"],
            };
            let set = [
                ("min_stage", rule.min_stage.is_some()),
                ("min_ratio", rule.min_ratio.is_some()),
                ("max_reliability", rule.max_reliability.is_some()),
                ("max_credibility", rule.max_credibility.is_some()),
                ("within_days", rule.within_days.is_some()),
            ];
            if let Some((field, _)) = set.iter().find(|(f, on)| *on && !allowed.contains(f)) {
                return Err(invalid(
                    format!("rule {:?} {field}", rule.id),
                    &format!(
                        "a {} rule takes only {}",
                        rule.signal.as_str(),
                        allowed.join(", ")
                    ),
                ));
            }
            if rule.min_ratio.is_some_and(|r| !(r.is_finite() && r > 0.0))
                || rule.within_days.is_some_and(|d| d < 0)
            {
                return Err(invalid(
                    format!("rule {:?}", rule.id),
                    "min_ratio must be positive and within_days not negative",
                ));
            }
            rules.push((rule, ack, repeat));
        }
        Ok(Rules {
            version: file.version,
            cap_sender: file.cap_sender,
            rules,
        })
    }

    pub fn version(&self) -> &str {
        &self.version
    }

    pub fn cap_sender(&self) -> &str {
        &self.cap_sender
    }

    pub fn rules(&self) -> impl Iterator<Item = &Rule> {
        self.rules.iter().map(|(rule, _, _)| rule)
    }

    /// The draft alert of the first rule `signal` matches, or `None` if it raises nothing.
    /// `now` is only used for a trigger's distance in days.
    pub fn evaluate(&self, signal: &AlertSignal, now: OffsetDateTime) -> Option<AlertDraft> {
        self.rules
            .iter()
            .filter(|(rule, _, _)| rule.signal == signal.kind())
            .find(|(rule, _, _)| matches(rule, signal, now))
            .map(|(rule, ack, repeat)| draft(rule, *ack, *repeat, signal))
    }
}

fn matches(rule: &Rule, signal: &AlertSignal, now: OffsetDateTime) -> bool {
    match signal {
        AlertSignal::StageChanged { from, to, .. } => {
            // Only a rise raises: a stage falling back, and a repeat of the same stage, do not.
            let rose = match (from, to) {
                (_, None) => false,
                (None, Some(_)) => true,
                (Some(from), Some(to)) => to > from,
            };
            rose && rule
                .min_stage
                .is_none_or(|min| to.is_some_and(|to| to >= min))
        }
        AlertSignal::StructuralRisk {
            probability,
            threshold,
            ..
        } => {
            let ratio = if *threshold > 0.0 {
                probability / threshold
            } else {
                f64::INFINITY
            };
            ratio >= rule.min_ratio.unwrap_or(1.0)
        }
        AlertSignal::FlashReport {
            stage,
            reliability,
            credibility,
            ..
        } => {
            rule.min_stage.is_none_or(|min| *stage >= min)
                && rule
                    .max_reliability
                    .is_none_or(|max| reliability.is_some_and(|r| r <= max))
                && rule.max_credibility.is_none_or(|max| *credibility <= max)
        }
        AlertSignal::TriggerNear { date, .. } => {
            let days = (*date - now.date()).whole_days();
            days >= 0 && rule.within_days.is_none_or(|within| days <= within)
        }
    }
}

/// The fixed mapping from a signal to CAP terms, text and evidence (docs/alerts.md).
fn draft(rule: &Rule, ack: Duration, repeat: Duration, signal: &AlertSignal) -> AlertDraft {
    let situation = signal.situation().clone();
    let (dedupe_key, urgency, severity, certainty, headline, description, evidence, stage, score) =
        match signal {
            AlertSignal::StageChanged {
                from,
                to,
                score,
                drivers,
                ..
            } => {
                let to = to.expect("a matching stage change has a stage");
                let (urgency, severity) = match to {
                    Stage::ImminentEmergency => (Urgency::Immediate, Severity::Extreme),
                    Stage::CrisisAndMobilisation => (Urgency::Expected, Severity::Severe),
                    Stage::RiskFactors => (Urgency::Future, Severity::Moderate),
                };
                let certainty = if *score >= 0.75 {
                    Certainty::Likely
                } else if *score >= 0.5 {
                    Certainty::Possible
                } else {
                    Certainty::Unlikely
                };
                let from_text = from.map_or("no elevated concern".to_string(), |s| s.to_string());
                (
                    format!("stage:{situation}:{}", to.number()),
                    urgency,
                    severity,
                    certainty,
                    format!("{situation}: {to}"),
                    format!(
                        "The assessment of {situation} rose from {from_text} to {to} (score {score:.2})."
                    ),
                    drivers.clone(),
                    Some(to),
                    Some(*score),
                )
            }
            AlertSignal::StructuralRisk {
                probability,
                threshold,
                rank,
                year,
                ..
            } => {
                let severity = if *probability >= 2.0 * threshold {
                    Severity::Severe
                } else {
                    Severity::Moderate
                };
                let certainty = if *probability >= 0.5 {
                    Certainty::Likely
                } else {
                    Certainty::Possible
                };
                (
                    format!("risk:{situation}:{year}"),
                    Urgency::Future,
                    severity,
                    certainty,
                    format!("{situation}: structural risk above threshold"),
                    format!(
                        "The structural model forecasts a {:.1}% risk of a new mass killing onset \
                         for {situation} from {year} (rank {rank}; threshold {:.1}%).",
                        probability * 100.0,
                        threshold * 100.0
                    ),
                    vec![format!("forecast rank {rank}")],
                    None,
                    Some(*probability),
                )
            }
            AlertSignal::FlashReport {
                report_id,
                indicator,
                indicator_label,
                stage,
                reliability,
                credibility,
                ..
            } => {
                let (urgency, severity) = if *stage == Stage::ImminentEmergency {
                    (Urgency::Immediate, Severity::Extreme)
                } else {
                    (Urgency::Expected, Severity::Severe)
                };
                let letter = reliability.map_or('F', Reliability::letter);
                let certainty = match (reliability, credibility.number()) {
                    (Some(r), 1 | 2) if *r <= Reliability::B => Certainty::Observed,
                    (Some(r), 1..=3) if *r <= Reliability::C => Certainty::Likely,
                    _ => Certainty::Possible,
                };
                (
                    format!("flash:{report_id}:{indicator}"),
                    urgency,
                    severity,
                    certainty,
                    format!("{situation}: flash report, {indicator_label}"),
                    format!(
                        "Report {report_id}, graded {letter}{}, is coded with indicator \
                         {indicator} ({indicator_label}), a sign of {stage}.",
                        credibility.number()
                    ),
                    vec![
                        format!("report {report_id}"),
                        format!("indicator {indicator}"),
                    ],
                    Some(*stage),
                    None,
                )
            }
            AlertSignal::TriggerNear { trigger, date, .. } => (
                format!("trigger:{situation}:{trigger}:{date}"),
                Urgency::Expected,
                Severity::Moderate,
                Certainty::Possible,
                format!("{situation}: {trigger} on {date}"),
                format!("A known trigger for {situation} draws near: {trigger}, on {date}."),
                vec![format!("trigger {trigger}")],
                None,
                None,
            ),
        };
    AlertDraft {
        rule: rule.id.clone(),
        kind: signal.kind(),
        situation,
        dedupe_key,
        severity: rule.severity.unwrap_or(severity),
        urgency,
        certainty,
        headline,
        description,
        evidence,
        stage,
        score,
        tlp: signal.tlp(),
        ack_within: ack,
        repeat_within: repeat,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    const NOW: OffsetDateTime = datetime!(2026-11-21 12:00 UTC);

    fn stage(from: Option<u8>, to: Option<u8>, score: f64) -> AlertSignal {
        AlertSignal::StageChanged {
            situation: SituationId::parse("SSD").unwrap(),
            from: from.map(|s| Stage::try_from(s).unwrap()),
            to: to.map(|s| Stage::try_from(s).unwrap()),
            score,
            drivers: vec!["7.5 hate propaganda".into()],
            tlp: Tlp::Amber,
        }
    }

    #[test]
    fn only_a_rising_stage_raises_and_the_highest_rule_decides() {
        let rules = Rules::embedded();
        let three = rules.evaluate(&stage(Some(2), Some(3), 0.8), NOW).unwrap();
        assert_eq!(three.rule, "stage-3");
        assert_eq!(
            (three.urgency, three.severity, three.certainty),
            (Urgency::Immediate, Severity::Extreme, Certainty::Likely)
        );
        assert_eq!(three.ack_within, Duration::hours(2));
        assert_eq!(three.dedupe_key, "stage:SSD:3");
        assert_eq!(three.tlp, Tlp::Amber);
        let two = rules.evaluate(&stage(None, Some(2), 0.6), NOW).unwrap();
        assert_eq!(
            (two.rule.as_str(), two.certainty),
            ("stage-2", Certainty::Possible)
        );
        assert_eq!(rules.evaluate(&stage(Some(3), Some(2), 0.9), NOW), None);
        assert_eq!(rules.evaluate(&stage(Some(2), None, 0.9), NOW), None);
        assert_eq!(rules.evaluate(&stage(Some(3), Some(3), 0.9), NOW), None);
        assert_eq!(rules.evaluate(&stage(None, Some(1), 0.9), NOW), None);
    }

    #[test]
    fn flash_reports_need_a_good_grade_and_an_imminent_indicator() {
        let rules = Rules::embedded();
        let flash = |reliability: Option<Reliability>, credibility: u8, stage: u8| {
            rules.evaluate(
                &AlertSignal::FlashReport {
                    situation: SituationId::parse("MLI").unwrap(),
                    report_id: 7,
                    indicator: "12.3".into(),
                    indicator_label: "attacks on civilians".into(),
                    stage: Stage::try_from(stage).unwrap(),
                    reliability,
                    credibility: Credibility::try_from(credibility).unwrap(),
                    tlp: Tlp::AmberStrict,
                },
                NOW,
            )
        };
        let observed = flash(Some(Reliability::B), 2, 3).unwrap();
        assert_eq!(observed.certainty, Certainty::Observed);
        assert_eq!(
            flash(Some(Reliability::C), 3, 3).unwrap().certainty,
            Certainty::Likely
        );
        assert_eq!(flash(Some(Reliability::D), 1, 3), None);
        assert_eq!(flash(None, 1, 3), None, "an ungraded source is not enough");
        assert_eq!(flash(Some(Reliability::A), 4, 3), None);
        assert_eq!(flash(Some(Reliability::A), 1, 2), None);
    }

    #[test]
    fn structural_risk_and_triggers_follow_their_thresholds() {
        let rules = Rules::embedded();
        let risk = |probability| {
            rules.evaluate(
                &AlertSignal::StructuralRisk {
                    situation: SituationId::parse("ETH").unwrap(),
                    probability,
                    threshold: 0.04,
                    rank: 3,
                    year: 2026,
                },
                NOW,
            )
        };
        assert_eq!(risk(0.03), None);
        assert_eq!(risk(0.05).unwrap().severity, Severity::Moderate);
        assert_eq!(risk(0.09).unwrap().severity, Severity::Severe);
        assert_eq!(risk(0.09).unwrap().tlp, Tlp::Clear);
        let trigger = |date| {
            rules.evaluate(
                &AlertSignal::TriggerNear {
                    situation: SituationId::parse("KEN").unwrap(),
                    trigger: "general election".into(),
                    date,
                    tlp: Tlp::Green,
                },
                NOW,
            )
        };
        assert!(trigger(date!(2026 - 12 - 05)).is_some());
        assert_eq!(trigger(date!(2026 - 12 - 06)), None, "15 days ahead");
        assert_eq!(trigger(date!(2026 - 11 - 20)), None, "already past");
    }

    #[test]
    fn bad_rules_files_say_what_to_fix() {
        let base = "version = \"1\"\ncap_sender = \"t@x\"\n[[rule]]\nid = \"a\"\nsignal = \"stage_changed\"\nrepeat_within = \"1d\"\n";
        let error = Rules::from_toml(&format!("{base}ack_within = \"soon\"\n")).unwrap_err();
        assert!(error.to_string().contains("90m, 2h or 7d"), "{error}");
        let error =
            Rules::from_toml(&format!("{base}ack_within = \"1h\"\nmin_ratio = 2.0\n")).unwrap_err();
        assert!(
            error.to_string().contains("takes only min_stage"),
            "{error}"
        );
        let error =
            Rules::from_toml(&format!("{base}ack_within = \"1h\"\ncolour = 1\n")).unwrap_err();
        assert!(error.to_string().contains("colour"), "{error}");
        let error = Rules::from_toml(&format!("{base}ack_within = \"1h\"\n").replace("t@x", "t x"))
            .unwrap_err();
        assert!(error.to_string().contains("cap_sender"), "{error}");
    }
}
