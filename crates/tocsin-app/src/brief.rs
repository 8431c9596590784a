//! Briefs assembled for one reader: the situation brief for decision-makers and the
//! parliamentary brief, as `tocsin-brief` models ready to render.
//!
//! # What a reader gets
//!
//! A brief is never wider in distribution than its most restricted item. Two cuts are made
//! before anything is rendered:
//!
//! * **By clearance.** A report (an incident on the map, an item of evidence behind a driver,
//!   a report an analyst's judgment cites) goes in only if its TLP marking permits the
//!   reader's clearance. What is left out is counted, never described. A judgment citing a
//!   report left out keeps its status but loses its note, which may retell the report.
//! * **By role.** Report content (incidents and report evidence) goes to the roles that may
//!   take reports out of Tocsin (analyst, source handler, focal point); the measures under
//!   way to those who plan them (analyst, focal point) and administrators; the stages of
//!   assessed countries to those who read assessments (analyst, focal point, administrator).
//!   These mirror the access table of the HTTP API.
//!
//! The marking in header and footer is then the strictest marking of what remains. Public
//! data (the structural forecast, the toolbox, the lessons) and the organisation's own
//! unmarked judgments count as TLP:CLEAR, so a brief without reports is marked TLP:CLEAR.
//!
//! The situation brief runs the same assessment as `tocsin assess` (and so stores a stage
//! change if the evidence moved the stage), with the reader's clearance.

use std::collections::BTreeMap;
use std::sync::Arc;

use time::{Date, Duration, OffsetDateTime};
use tocsin_brief::{
    Case, Citation, Country, Direction, Driver, Factor, Forecast, Headline, Incident, Marking,
    ParliamentBrief, Reader, Response, RiskPoint, SituationBrief, StageChange, Tool, Trigger,
    Versions, Withheld,
};
use tocsin_domain::{Catalogue, Countries, Role, SituationId, Stage, Tlp};
use tocsin_stage::{Origin, Params};
use tocsin_store::{ReportFilter, RiskAssessmentMeta, Store, StoreError};
use tocsin_toolbox::{Actor, Verdict};

use crate::assessment::{AssessmentError, Assessments};
use crate::prevention::{self, Overrides};

/// How many incidents, drivers, tools and triggers a one-to-two-page brief has room for.
const MAX_INCIDENTS: usize = 10;
const MAX_DRIVERS: usize = 6;
const MAX_ITEMS_PER_DRIVER: usize = 4;
const MAX_TOOLS: usize = 5;
const MAX_TRIGGERS: usize = 5;
/// Report text on the incident list is cut to this many characters.
const INCIDENT_TEXT: usize = 180;

/// Whether a role receives report content: the roles that may export reports.
fn receives_reports(role: Role) -> bool {
    matches!(role, Role::Analyst | Role::SourceHandler | Role::FocalPoint)
}

/// Whether a role receives the measures under way.
fn receives_responses(role: Role) -> bool {
    matches!(role, Role::Analyst | Role::FocalPoint | Role::Admin)
}

/// Whether a role receives assessed stages.
fn receives_stages(role: Role) -> bool {
    matches!(role, Role::Analyst | Role::FocalPoint | Role::Admin)
}

/// The brief service.
#[derive(Debug, Clone)]
pub struct Briefs {
    store: Store,
    catalogue: Arc<Catalogue>,
    assessments: Assessments,
}

fn store_error(error: StoreError) -> AssessmentError {
    AssessmentError::from_store(error)
}

fn date_of(text: &str) -> Option<Date> {
    OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .ok()
        .map(|at| at.to_offset(time::UtcOffset::UTC).date())
}

/// A forecast's entries by situation id.
fn entries(json: &str) -> Result<Vec<serde_json::Value>, AssessmentError> {
    let forecast: serde_json::Value = serde_json::from_str(json)
        .map_err(|error| store_error(StoreError::Corrupt(error.to_string())))?;
    Ok(forecast["entries"].as_array().cloned().unwrap_or_default())
}

fn model_words(meta: &RiskAssessmentMeta) -> String {
    format!(
        "{} {} (data {})",
        meta.model, meta.model_version, meta.data_year
    )
}

fn versions(params: &Params, forecast: Option<&RiskAssessmentMeta>) -> Versions {
    let toolbox = prevention::toolbox();
    Versions {
        tocsin: env!("CARGO_PKG_VERSION").to_string(),
        engine: Some(params.version.clone()),
        model: forecast.map(model_words),
        toolbox: toolbox.tools_version().to_string(),
        lessons: toolbox.lessons_version().to_string(),
    }
}

fn tool_line(recommendation: &tocsin_toolbox::Recommendation<'_>) -> Tool {
    Tool {
        name: recommendation.tool.name.clone(),
        summary: recommendation.tool.summary.clone(),
        reason: recommendation.reason.clone(),
        lead_time: recommendation.tool.lead_time.to_string(),
        caveats: recommendation.caveats.iter().take(2).cloned().collect(),
        precedents: recommendation
            .lessons
            .iter()
            .take(2)
            .map(|lesson| {
                format!(
                    "{} ({}{})",
                    lesson.title,
                    lesson.verdict,
                    if lesson.applied { "" } else { ", withheld" }
                )
            })
            .collect(),
    }
}

/// The first `limit` characters of a text, on one line.
fn excerpt(text: &str, limit: usize) -> String {
    let line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= limit {
        line
    } else {
        let cut: String = line.chars().take(limit).collect();
        format!("{}…", cut.trim_end())
    }
}

impl Briefs {
    pub fn new(store: Store, catalogue: Arc<Catalogue>, params: Params) -> Briefs {
        Briefs {
            assessments: Assessments::new(store.clone(), catalogue.clone(), params),
            store,
            catalogue,
        }
    }

    async fn situation_name(&self, situation: &SituationId) -> Result<String, AssessmentError> {
        let stored = self.store.list_situations().await.map_err(store_error)?;
        if let Some(row) = stored.iter().find(|row| &row.situation.id == situation) {
            return Ok(row.situation.name.clone());
        }
        Ok(Countries::embedded()
            .by_iso3(situation.country().as_str())
            .map_or_else(|| situation.to_string(), |country| country.name.clone()))
    }

    /// The situation brief on `situation` for `reader`, as of `now`. `recorder` is named on a
    /// stage change the assessment stores.
    pub async fn situation(
        &self,
        situation: &SituationId,
        reader: Reader,
        recorder: &str,
        now: OffsetDateTime,
    ) -> Result<SituationBrief, AssessmentError> {
        let params = self.assessments.params().clone();
        let today = now.date();
        let mut marking = Marking::default();
        let mut withheld = Withheld::default();
        let reports_allowed = receives_reports(reader.role);

        let view = self
            .assessments
            .assess(situation, None, reader.clearance, recorder, now)
            .await?;
        withheld.items += view.withheld_items;

        // Every report of the evidence window, with its marking, to decide item by item.
        let since = now - Duration::days(params.evidence.window_days);
        let evidence = self
            .store
            .assessment_evidence(situation, since, now)
            .await
            .map_err(store_error)?;
        let mut markings: BTreeMap<i64, Tlp> = evidence
            .iter()
            .map(|row| (row.report_id, row.tlp.parse().unwrap_or(Tlp::Red)))
            .collect();

        // Forecasts: the newest for the headline, one per data year for the trend.
        let forecasts = self.store.risk_assessments().await.map_err(store_error)?;
        let country = situation.country();
        let mut by_year: BTreeMap<i64, f64> = BTreeMap::new();
        for (meta, json) in &forecasts {
            if let Some(entry) = entries(json)?
                .iter()
                .find(|entry| entry["situation"].as_str() == Some(country.as_str()))
            {
                if let Some(probability) = entry["probability"].as_f64() {
                    by_year.insert(meta.data_year, probability);
                }
            }
        }
        let latest = forecasts.last();
        let forecast = match (&view.structural, latest) {
            (Some(structural), Some((meta, json))) => {
                let entries = entries(json)?;
                let change = entries
                    .iter()
                    .find(|entry| entry["situation"].as_str() == Some(country.as_str()))
                    .and_then(|entry| entry["change"].as_f64());
                Some(Forecast {
                    probability: structural.probability,
                    rank: structural.rank,
                    ranked: entries.len(),
                    change,
                    data_year: structural.year,
                    model: format!("{} {}", meta.model, meta.model_version),
                })
            }
            _ => None,
        };

        let history = self
            .assessments
            .history(situation, reader.clearance)
            .await?;
        let changes: Vec<StageChange> = history
            .iter()
            .filter_map(|record| {
                Some(StageChange {
                    on: date_of(&record.assessed_at)?,
                    from: record.from_stage,
                    to: record.to_stage,
                    score: record.score,
                })
            })
            .collect();
        let direction = match forecast.as_ref().and_then(|f| f.change) {
            Some(change) => Direction::from_change(Some(change)),
            None => match changes.first() {
                Some(change) if change.to > change.from => Direction::Rising,
                Some(change) if change.to < change.from => Direction::Falling,
                _ => Direction::Unknown,
            },
        };

        // Drivers, with the report items the reader may see.
        let mut drivers = Vec::new();
        for driver in view.assessment.drivers.iter().take(MAX_DRIVERS) {
            let mut items = Vec::new();
            for item in &driver.items {
                match &item.origin {
                    Origin::Report { id } if reports_allowed => {
                        if items.len() < MAX_ITEMS_PER_DRIVER {
                            let tlp = match markings.get(id) {
                                Some(tlp) => *tlp,
                                None => self.marking_of(*id).await?,
                            };
                            markings.insert(*id, tlp);
                            marking.include(tlp);
                            items.push(format!("report {id} [{}]", tlp.as_str()));
                        }
                    }
                    Origin::Report { .. } => withheld.items += 1,
                    Origin::Dataset { dataset, reference } => {
                        if items.len() < MAX_ITEMS_PER_DRIVER {
                            items.push(format!("{dataset} {reference}"));
                        }
                    }
                }
            }
            drivers.push(Driver {
                label: driver.label.clone(),
                stage: driver.stage,
                weight: driver.weight,
                detail: driver.detail.clone(),
                items,
            });
        }

        // The 14 risk factors: latest judgment and the evidence the reader may see.
        let board = self.assessments.board(situation, now).await?;
        let mut factors = Vec::new();
        for row in &board.factors {
            let mut citations = Vec::new();
            let mut cut = false;
            if let Some(judgment) = &row.judgment {
                for id in &judgment.fields.reports {
                    let tlp = match markings.get(id) {
                        Some(tlp) => Some(*tlp),
                        None => match self.store.report(*id, Tlp::Red).await {
                            Ok(cited) => cited.report.tlp.parse().ok(),
                            Err(StoreError::NotFound { .. }) => None,
                            Err(other) => return Err(store_error(other)),
                        },
                    };
                    match tlp {
                        Some(tlp) if reports_allowed && reader.may_see(tlp) => {
                            marking.include(tlp);
                            citations.push(Citation { report: *id, tlp });
                        }
                        _ => {
                            cut = true;
                            withheld.items += 1;
                        }
                    }
                }
            }
            let observations = row
                .observations
                .iter()
                .filter(|(_, id)| {
                    reports_allowed && markings.get(id).is_some_and(|tlp| reader.may_see(*tlp))
                })
                .count();
            let judgment = row.judgment.as_ref();
            factors.push(Factor {
                number: row.factor,
                name: row.name.clone(),
                status: judgment.map(|j| j.fields.status.as_str().to_string()),
                trend: judgment.map(|j| j.fields.trend.as_str().to_string()),
                confidence: judgment.map(|j| j.fields.confidence.as_str().to_string()),
                note: judgment
                    .and_then(|j| j.fields.note.clone())
                    .filter(|_| !cut),
                judged_on: judgment.and_then(|j| date_of(&j.at)),
                evidence: citations,
                observations,
            });
        }

        // Recent placed incidents the reader may see.
        let mut incidents = Vec::new();
        if reports_allowed {
            let mut filter = ReportFilter::new(Tlp::Red);
            filter.situation = Some(situation.clone());
            filter.limit = tocsin_store::MAX_PAGE;
            for listed in self
                .store
                .list_reports(&filter)
                .await
                .map_err(store_error)?
            {
                let report = listed.report;
                let (Some(latitude), Some(longitude)) = (report.latitude, report.longitude) else {
                    continue;
                };
                if matches!(report.verification.as_str(), "false" | "duplicate") {
                    continue;
                }
                let Some(on) =
                    date_of(report.observed_at.as_deref().unwrap_or(&report.received_at))
                else {
                    continue;
                };
                if on < since.date() || on > today {
                    continue;
                }
                let tlp: Tlp = report.tlp.parse().unwrap_or(Tlp::Red);
                if !reader.may_see(tlp) {
                    withheld.items += 1;
                    continue;
                }
                if incidents.len() == MAX_INCIDENTS {
                    continue;
                }
                marking.include(tlp);
                incidents.push(Incident {
                    report: report.id,
                    on,
                    place: report.place_name.clone(),
                    latitude,
                    longitude,
                    text: excerpt(&report.text, INCIDENT_TEXT),
                    verification: report.verification.clone(),
                    tlp,
                });
            }
        } else {
            withheld
                .sections
                .push("incidents and report evidence".to_string());
        }

        let triggers = view
            .assessment
            .upcoming
            .iter()
            .take(MAX_TRIGGERS)
            .map(|upcoming| Trigger {
                on: upcoming.trigger.date,
                name: upcoming.trigger.name.clone(),
                kind: upcoming.trigger.kind.as_str().to_string(),
                days_ahead: upcoming.days_ahead,
            })
            .collect();

        // Tools for the stage assessed (stage 1's systemic tools when there is no elevated
        // concern), weighted towards the sides the indicators stress.
        let tools_for = view.assessment.stage.unwrap_or(Stage::RiskFactors);
        let basis = prevention::basis(
            &self.store,
            &self.catalogue,
            situation,
            &Overrides {
                stage: Some(tools_for),
                dimensions: Vec::new(),
            },
            now,
        )
        .await?;
        let tools = prevention::toolbox()
            .recommend(tools_for, &basis.weights)
            .iter()
            .take(MAX_TOOLS)
            .map(tool_line)
            .collect();

        let responses = if receives_responses(reader.role) {
            prevention::list_responses(&self.store, situation.as_str())
                .await?
                .into_iter()
                .filter(|m| matches!(m.record.fields.status.as_str(), "planned" | "under_way"))
                .map(|m| Response {
                    actor: m.record.fields.actor.clone(),
                    organisation: m.record.fields.organisation.clone(),
                    tool: m.tool_name.clone(),
                    status: m.record.fields.status.clone(),
                    start: m.record.fields.start_on,
                    end: m.record.fields.end_on,
                })
                .collect()
        } else {
            withheld.sections.push("responses under way".to_string());
            Vec::new()
        };

        let mut sources = vec![format!(
            "Tocsin field reports and dataset events on {situation} from the last {} days, graded by source reliability (A–F), credibility (1–6), verification and corroboration",
            params.evidence.window_days
        )];
        if let Some((meta, _)) = latest {
            sources.push(format!(
                "Structural forecast {} from {} (sha256 {}…), data year {}",
                model_words(meta),
                meta.data_file,
                meta.data_sha256.chars().take(12).collect::<String>(),
                meta.data_year
            ));
        }
        sources.push(format!(
            "Framework of Analysis for Atrocity Crimes (UN, 2014): risk factors and indicators; stage engine parameters {}",
            params.version
        ));
        sources.push("Tocsin prevention toolbox and lessons library".to_string());

        Ok(SituationBrief {
            situation: situation.to_string(),
            name: self.situation_name(situation).await?,
            date: today,
            reader,
            marking: marking.tlp(),
            headline: Headline {
                stage: view.assessment.stage,
                score: view.assessment.score,
                held: view.assessment.held,
                forecast,
                direction,
                explanation: view.assessment.explanation.clone(),
            },
            changes,
            risk_history: by_year
                .into_iter()
                .filter_map(|(year, probability)| {
                    Some(RiskPoint {
                        year: i32::try_from(year).ok()?,
                        probability,
                    })
                })
                .collect(),
            factors,
            drivers,
            incidents,
            triggers,
            tools_for,
            tools,
            responses,
            withheld,
            versions: versions(&params, latest.map(|(meta, _)| meta)),
            sources,
        })
    }

    /// A report's marking, for one the evidence window did not hold (looked up whatever its
    /// marking, to decide on it here).
    async fn marking_of(&self, id: i64) -> Result<Tlp, AssessmentError> {
        match self.store.report(id, Tlp::Red).await {
            Ok(found) => Ok(found.report.tlp.parse().unwrap_or(Tlp::Red)),
            Err(StoreError::NotFound { .. }) => Ok(Tlp::Red),
            Err(other) => Err(store_error(other)),
        }
    }

    /// The parliamentary brief: the `top` countries of the newest forecast with their stage
    /// where assessed, what the stages mean, the tools a parliament can push for, and the
    /// cases where prevention worked.
    ///
    /// The tools: every tool of the toolbox whose actors include parliaments; then, since a
    /// parliament also presses its own government, the three best-ranked tools national
    /// governments can use at the highest stage among the listed countries (stage 1 if none
    /// was assessed).
    pub async fn parliament(
        &self,
        top: usize,
        reader: Reader,
        now: OffsetDateTime,
    ) -> Result<ParliamentBrief, AssessmentError> {
        let params = self.assessments.params().clone();
        let mut withheld = Withheld::default();
        let forecasts = self.store.risk_assessments().await.map_err(store_error)?;
        let latest = forecasts.last();
        let mut countries = Vec::new();
        if let Some((_, json)) = latest {
            let mut entries = entries(json)?;
            entries.sort_by_key(|entry| entry["rank"].as_u64().unwrap_or(u64::MAX));
            let stages_allowed = receives_stages(reader.role);
            for entry in entries.iter().take(top) {
                let Some(id) = entry["situation"]
                    .as_str()
                    .and_then(|raw| SituationId::parse(raw).ok())
                else {
                    continue;
                };
                let stored = if stages_allowed {
                    self.store
                        .last_transition(&id, now)
                        .await
                        .map_err(store_error)?
                } else {
                    None
                };
                countries.push(Country {
                    rank: entry["rank"]
                        .as_u64()
                        .and_then(|rank| u32::try_from(rank).ok())
                        .unwrap_or(0),
                    name: entry["name"]
                        .as_str()
                        .map_or_else(|| id.to_string(), str::to_string),
                    situation: id.to_string(),
                    probability: entry["probability"].as_f64().unwrap_or(0.0),
                    change: entry["change"].as_f64(),
                    assessed: stored.is_some(),
                    stage: stored.and_then(|record| Stage::try_from(record.to_stage).ok()),
                });
            }
            if !stages_allowed {
                withheld.sections.push("assessed stages".to_string());
            }
        }

        let toolbox = prevention::toolbox();
        let mut tools: Vec<Tool> = toolbox
            .tools()
            .iter()
            .filter(|tool| tool.actors.contains(&Actor::Parliaments))
            .map(|tool| Tool {
                name: tool.name.clone(),
                summary: tool.summary.clone(),
                reason: "a parliament can act on it directly".to_string(),
                lead_time: tool.lead_time.to_string(),
                caveats: tool.risks.iter().take(2).cloned().collect(),
                precedents: toolbox
                    .lessons()
                    .iter()
                    .filter(|lesson| lesson.applied(&tool.id))
                    .take(2)
                    .map(|lesson| format!("{} ({})", lesson.title, lesson.verdict))
                    .collect(),
            })
            .collect();
        let highest = countries
            .iter()
            .filter_map(|country| country.stage)
            .max()
            .unwrap_or(Stage::RiskFactors);
        tools.extend(
            toolbox
                .recommend(highest, &[])
                .iter()
                .filter(|r| {
                    r.tool.actors.contains(&Actor::NationalGovernments)
                        && !r.tool.actors.contains(&Actor::Parliaments)
                })
                .take(3)
                .map(|r| {
                    let mut line = tool_line(r);
                    line.reason = format!(
                        "a parliament can press its government to use it at stage {}, {}",
                        highest.number(),
                        highest.label()
                    );
                    line
                }),
        );

        let cases = toolbox
            .lessons()
            .iter()
            .filter(|lesson| lesson.verdict == Verdict::Success)
            .map(|lesson| Case {
                title: lesson.title.clone(),
                country: lesson.country.clone(),
                years: lesson.years.clone(),
                stage: lesson.stage,
                tools: lesson
                    .tools
                    .iter()
                    .map(|id| {
                        toolbox
                            .tool(id)
                            .map_or_else(|| id.clone(), |t| t.name.clone())
                    })
                    .collect(),
                outcome: lesson.outcome.clone(),
                lesson: lesson.lesson.clone(),
            })
            .collect();

        let mut sources = Vec::new();
        if let Some((meta, _)) = latest {
            sources.push(format!(
                "Structural forecast {} from {}, data year {}: probability of a mass-killing onset within two years",
                model_words(meta),
                meta.data_file,
                meta.data_year
            ));
        }
        sources.push(
            "Tocsin prevention toolbox and lessons library, written from public record".to_string(),
        );
        Ok(ParliamentBrief {
            date: now.date(),
            reader,
            // Public forecast, public toolbox and lessons, unmarked stages.
            marking: Marking::default().tlp(),
            forecast: latest.map(|(meta, _)| model_words(meta)),
            countries,
            tool_rule: format!(
                "Tools whose actors include parliaments, then the three best-ranked tools national governments can use at stage {}, {} (the highest stage among the countries listed).",
                highest.number(),
                highest.label()
            ),
            tools,
            cases,
            withheld,
            versions: versions(&params, latest.map(|(meta, _)| meta)),
            sources,
        })
    }
}

/// A rendered brief, ready to write or send.
#[derive(Debug, Clone)]
pub struct Document {
    pub bytes: Vec<u8>,
    pub media_type: &'static str,
    /// A file name to save it under, e.g. `brief-SDN-2026-11-21.pdf`.
    pub file_name: String,
}

fn bad(code: &'static str, message: String) -> AssessmentError {
    AssessmentError {
        kind: crate::PreventionErrorKind::BadRequest,
        code,
        message,
    }
}

/// A format as typed: `html` or `pdf`.
pub fn format(raw: &str) -> Result<tocsin_brief::Format, AssessmentError> {
    raw.parse()
        .map_err(|error: tocsin_brief::BriefError| bad("bad_format", error.to_string()))
}

/// A reader as typed on the command line: a role and a TLP clearance.
pub fn reader(role: &str, clearance: &str) -> Result<Reader, AssessmentError> {
    let role: Role = role.parse().map_err(|error: tocsin_domain::DomainError| {
        bad(
            "bad_role",
            format!("{error}; roles: monitor, analyst, source_handler, focal_point, admin"),
        )
    })?;
    let clearance: Tlp = clearance
        .parse()
        .map_err(|error: tocsin_domain::DomainError| {
            bad(
                "bad_clearance",
                format!(
                    "{error}; write TLP:RED, TLP:AMBER+STRICT, TLP:AMBER, TLP:GREEN or TLP:CLEAR"
                ),
            )
        })?;
    Ok(Reader { role, clearance })
}

fn rendering_failed(error: tocsin_brief::BriefError) -> AssessmentError {
    tracing::error!(error = %error, "brief rendering failed");
    AssessmentError {
        kind: crate::PreventionErrorKind::Internal,
        code: "internal",
        message: "the brief could not be rendered; try again later".to_string(),
    }
}

impl Briefs {
    /// The situation brief on `situation` (as typed) for `reader`, rendered in `format`.
    pub async fn situation_document(
        &self,
        situation: &str,
        format: tocsin_brief::Format,
        reader: Reader,
        recorder: &str,
        now: OffsetDateTime,
    ) -> Result<Document, AssessmentError> {
        let situation = crate::assessment::situation(situation)?;
        let brief = self.situation(&situation, reader, recorder, now).await?;
        Ok(Document {
            bytes: tocsin_brief::render_situation(&brief, format).map_err(rendering_failed)?,
            media_type: format.media_type(),
            file_name: format!(
                "brief-{}-{}.{}",
                situation.as_str().replace('/', "-"),
                brief.date,
                format.extension()
            ),
        })
    }

    /// The parliamentary brief with the `top` countries (1 to 50), rendered in `format`.
    pub async fn parliament_document(
        &self,
        top: usize,
        format: tocsin_brief::Format,
        reader: Reader,
        now: OffsetDateTime,
    ) -> Result<Document, AssessmentError> {
        if !(1..=50).contains(&top) {
            return Err(bad(
                "bad_top",
                format!("top must be between 1 and 50 countries, not {top}"),
            ));
        }
        let brief = self.parliament(top, reader, now).await?;
        Ok(Document {
            bytes: tocsin_brief::render_parliament(&brief, format).map_err(rendering_failed)?,
            media_type: format.media_type(),
            file_name: format!("brief-parliament-{}.{}", brief.date, format.extension()),
        })
    }
}
