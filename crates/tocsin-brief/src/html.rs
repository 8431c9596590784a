//! Briefs as one self-contained HTML page: styles inline, charts and map as inline SVG, no
//! script and nothing fetched, so the file can be mailed or archived as it is. Every piece of
//! user text goes through [`escape::html`](crate::escape::html).

use std::fmt::Write;

use tocsin_domain::{Stage, Tlp};

use crate::escape::html as esc;
use crate::model::{
    percent, points, stage_meaning, stage_words, ParliamentBrief, SituationBrief, Tool, Versions,
    Withheld,
};
use crate::svg;

const STYLE: &str = "body{font-family:Georgia,'Libertinus Serif',serif;max-width:46rem;margin:0 auto;\
padding:0 1rem;color:#1d1d1d;line-height:1.4}\
.tlp{font-family:monospace;font-weight:bold;padding:.2rem .5rem;display:inline-block;background:#000}\
.tlp-red{color:#ff2b2b}.tlp-amber,.tlp-amber-strict{color:#ffc000}.tlp-green{color:#33ff00}.tlp-clear{color:#fff}\
header,footer{display:flex;justify-content:space-between;align-items:center;border-bottom:1px solid #999;padding:.4rem 0}\
footer{border-top:1px solid #999;border-bottom:none;margin-top:2rem;font-size:.85rem}\
h1{font-size:1.6rem;margin:.6rem 0 .2rem}h2{font-size:1.15rem;border-bottom:1px solid #ccc;margin-top:1.4rem}\
.headline{font-size:1.1rem;background:#f4f1ea;padding:.6rem .8rem;border-left:6px solid var(--stage)}\
table{border-collapse:collapse;width:100%;font-size:.9rem}td,th{text-align:left;padding:.2rem .4rem;\
border-bottom:1px solid #e3e3e3;vertical-align:top}.muted{color:#666;font-size:.85rem}\
.caveat{color:#7a1f1f}@media print{body{max-width:none}}";

fn tlp_class(tlp: Tlp) -> &'static str {
    match tlp {
        Tlp::Red => "tlp-red",
        Tlp::AmberStrict => "tlp-amber-strict",
        Tlp::Amber => "tlp-amber",
        Tlp::Green => "tlp-green",
        Tlp::Clear => "tlp-clear",
    }
}

fn marking(tlp: Tlp) -> String {
    format!(
        "<span class=\"tlp {}\">{}</span>",
        tlp_class(tlp),
        tlp.as_str()
    )
}

fn page_start(out: &mut String, title: &str, tlp: Tlp, date: time::Date) {
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"tlp\" content=\"{0}\">\n<title>{1} ({0})</title>\n<style>{STYLE}</style>\n\
         </head>\n<body>\n<header>{2}<span>Tocsin brief · {3}</span></header>\n",
        tlp.as_str(),
        esc(title),
        marking(tlp),
        date
    );
}

fn page_end(
    out: &mut String,
    tlp: Tlp,
    withheld: &Withheld,
    versions: &Versions,
    sources: &[String],
) {
    if !withheld.is_empty() {
        out.push_str("<h2>Left out of this brief</h2>\n<p>");
        if withheld.items > 0 {
            let _ = write!(
                out,
                "{} item(s) marked above your clearance are left out. ",
                withheld.items
            );
        }
        if !withheld.sections.is_empty() {
            let _ = write!(
                out,
                "Sections your role does not receive: {}.",
                esc(&withheld.sections.join(", "))
            );
        }
        out.push_str("</p>\n");
    }
    out.push_str("<h2>Sources and versions</h2>\n<ul class=\"muted\">\n");
    for source in sources {
        let _ = writeln!(out, "<li>{}</li>", esc(source));
    }
    let _ = write!(
        out,
        "</ul>\n<p class=\"muted\">Tocsin {}",
        esc(&versions.tocsin)
    );
    if let Some(engine) = &versions.engine {
        let _ = write!(out, " · stage engine {}", esc(engine));
    }
    if let Some(model) = &versions.model {
        let _ = write!(out, " · structural model {}", esc(model));
    }
    let _ = write!(
        out,
        " · toolbox {} · lessons {}</p>\n<footer>{}<span>Do not share beyond what the marking allows.</span></footer>\n</body>\n</html>\n",
        esc(&versions.toolbox),
        esc(&versions.lessons),
        marking(tlp)
    );
}

fn tools(out: &mut String, tools: &[Tool]) {
    out.push_str("<ol>\n");
    for tool in tools {
        let _ = write!(
            out,
            "<li><strong>{}</strong> <span class=\"muted\">({} to take effect)</span><br>{}<br>\
             <span class=\"muted\">{}</span>",
            esc(&tool.name),
            esc(&tool.lead_time),
            esc(&tool.summary),
            esc(&tool.reason)
        );
        for caveat in &tool.caveats {
            let _ = write!(
                out,
                "<br><span class=\"caveat\">Caveat: {}</span>",
                esc(caveat)
            );
        }
        if !tool.precedents.is_empty() {
            let _ = write!(
                out,
                "<br><span class=\"muted\">Precedents: {}</span>",
                esc(&tool.precedents.join("; "))
            );
        }
        out.push_str("</li>\n");
    }
    out.push_str("</ol>\n");
}

/// The situation brief as an HTML page.
pub fn situation(brief: &SituationBrief) -> String {
    let mut out = String::with_capacity(32 * 1024);
    let title = format!("Situation brief: {}", brief.name);
    page_start(&mut out, &title, brief.marking, brief.date);
    let headline = &brief.headline;
    let level = headline.stage.map_or(0, Stage::number);
    let _ = write!(
        out,
        "<h1>{}</h1>\n<p class=\"muted\">{} · as of {} · for a reader cleared to {}</p>\n\
         <p class=\"headline\" style=\"--stage:{}\"><strong>{}</strong>: {} (escalation score {:.2} of 3{}).",
        esc(&title),
        esc(&brief.situation),
        brief.date,
        brief.reader.clearance.as_str(),
        svg::stage_colour(level),
        esc(&brief.name),
        esc(&stage_words(headline.stage)),
        headline.score,
        if headline.held {
            ", held by hysteresis"
        } else {
            ""
        }
    );
    match &headline.forecast {
        Some(forecast) => {
            let _ = write!(
                out,
                " Structural risk of a mass-killing onset within two years: {}",
                percent(forecast.probability)
            );
            if let Some(rank) = forecast.rank {
                let _ = write!(out, ", rank {rank} of {}", forecast.ranked);
            }
            let _ = write!(
                out,
                " ({}, data {})",
                esc(&forecast.model),
                forecast.data_year
            );
            if let Some(change) = forecast.change {
                let _ = write!(out, "; {} since the previous forecast", points(change));
            }
            out.push('.');
        }
        None => out.push_str(" No structural forecast is stored for this country."),
    }
    let _ = writeln!(out, " Trend: {}.</p>", headline.direction.as_str());

    out.push_str("<h2>What changed and why</h2>\n");
    if brief.changes.is_empty() {
        out.push_str("<p>No stage change is stored for this situation.</p>\n");
    } else {
        out.push_str("<ul>\n");
        for change in &brief.changes {
            let _ = writeln!(
                out,
                "<li>{}: stage {} → {} (score {:.2})</li>",
                change.on, change.from, change.to, change.score
            );
        }
        out.push_str("</ul>\n");
    }
    out.push_str(&svg::stage_timeline(&brief.changes, level, brief.date));
    out.push('\n');
    if !headline.explanation.is_empty() {
        out.push_str("<ul>\n");
        for line in &headline.explanation {
            let _ = writeln!(out, "<li>{}</li>", esc(line));
        }
        out.push_str("</ul>\n");
    }
    if let Some(chart) = svg::risk_trend(&brief.risk_history) {
        out.push_str("<h2>Structural risk over the years</h2>\n");
        out.push_str(&chart);
        out.push('\n');
    }

    out.push_str("<h2>Key risk factors</h2>\n");
    let judged: Vec<_> = brief
        .factors
        .iter()
        .filter(|f| f.status.is_some() || f.observations > 0)
        .collect();
    if judged.is_empty() {
        out.push_str("<p>No risk factor is judged or observed yet.</p>\n");
    } else {
        out.push_str("<table>\n<tr><th>Factor</th><th>Judgment</th><th>Evidence</th></tr>\n");
        for factor in judged {
            let judgment = match (&factor.status, &factor.trend, &factor.confidence) {
                (Some(status), trend, confidence) => format!(
                    "{status}, {}, {} confidence{}",
                    trend.as_deref().unwrap_or("steady"),
                    confidence.as_deref().unwrap_or("medium"),
                    factor
                        .judged_on
                        .map(|d| format!(" ({d})"))
                        .unwrap_or_default()
                ),
                _ => "not judged".to_string(),
            };
            let evidence: Vec<String> = factor
                .evidence
                .iter()
                .map(|c| format!("report {} [{}]", c.report, c.tlp.as_str()))
                .collect();
            let _ = write!(
                out,
                "<tr><td>RF{} {}</td><td>{}",
                factor.number,
                esc(&factor.name),
                esc(&judgment)
            );
            if let Some(note) = &factor.note {
                let _ = write!(out, "<br><span class=\"muted\">{}</span>", esc(note));
            }
            let _ = writeln!(
                out,
                "</td><td>{} indicator observation(s){}{}</td></tr>",
                factor.observations,
                if evidence.is_empty() { "" } else { "; " },
                esc(&evidence.join(", "))
            );
        }
        out.push_str("</table>\n");
    }
    if !brief.drivers.is_empty() {
        out.push_str("<h3>What the stage rests on</h3>\n<table>\n<tr><th>Line of evidence</th><th>Stage</th><th>Weight</th><th>Graded items</th></tr>\n");
        for driver in &brief.drivers {
            let _ = writeln!(
                out,
                "<tr><td>{}<br><span class=\"muted\">{}</span></td><td>{}</td><td>{:.2}</td><td>{}</td></tr>",
                esc(&driver.label),
                esc(&driver.detail),
                driver.stage.number(),
                driver.weight,
                esc(&driver.items.join(", "))
            );
        }
        out.push_str("</table>\n");
    }

    out.push_str("<h2>Recent incidents</h2>\n");
    match svg::incident_map(&brief.incidents) {
        Some(map) => {
            out.push_str(&map);
            out.push_str("\n<ol class=\"incidents\">\n");
            for incident in &brief.incidents {
                let _ = writeln!(
                    out,
                    "<li>{} · {} · {} · {}<br>{}</li>",
                    incident.on,
                    esc(incident.place.as_deref().unwrap_or("unnamed place")),
                    esc(&incident.verification),
                    incident.tlp.as_str(),
                    esc(&incident.text)
                );
            }
            out.push_str("</ol>\n");
        }
        None => out.push_str("<p>No placed report you may see in the evidence window.</p>\n"),
    }

    out.push_str("<h2>Triggers ahead</h2>\n");
    if brief.triggers.is_empty() {
        out.push_str("<p>No trigger is on the calendar.</p>\n");
    } else {
        out.push_str("<ul>\n");
        for trigger in &brief.triggers {
            let _ = writeln!(
                out,
                "<li>{} (in {} days): {} <span class=\"muted\">({})</span></li>",
                trigger.on,
                trigger.days_ahead,
                esc(&trigger.name),
                esc(&trigger.kind)
            );
        }
        out.push_str("</ul>\n");
    }

    let _ = writeln!(
        out,
        "<h2>Recommended tools</h2>\n<p class=\"muted\">For stage {}, {}; ranked by the toolbox's fixed rule.</p>",
        brief.tools_for.number(),
        brief.tools_for.label()
    );
    tools(&mut out, &brief.tools);

    out.push_str("<h2>Responses under way</h2>\n");
    if brief.responses.is_empty() {
        out.push_str("<p>No measure is recorded.</p>\n");
    } else {
        out.push_str(
            "<table>\n<tr><th>Measure</th><th>Who</th><th>Status</th><th>When</th></tr>\n",
        );
        for response in &brief.responses {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{} ({})</td><td>{}</td><td>{}{}</td></tr>",
                esc(&response.tool),
                esc(&response.actor),
                esc(&response.organisation),
                esc(&response.status.replace('_', " ")),
                response.start,
                response
                    .end
                    .map(|end| format!(" to {end}"))
                    .unwrap_or_default()
            );
        }
        out.push_str("</table>\n");
    }
    page_end(
        &mut out,
        brief.marking,
        &brief.withheld,
        &brief.versions,
        &brief.sources,
    );
    out
}

/// The parliamentary brief as an HTML page.
pub fn parliament(brief: &ParliamentBrief) -> String {
    let mut out = String::with_capacity(32 * 1024);
    let title = "Countries at risk of mass atrocities: a brief for parliamentarians";
    page_start(&mut out, title, brief.marking, brief.date);
    let _ = write!(
        out,
        "<h1>{}</h1>\n<p class=\"muted\">As of {}{}</p>\n<h2>The countries most at risk</h2>\n",
        esc(title),
        brief.date,
        brief
            .forecast
            .as_ref()
            .map(|f| format!(" · forecast: {}", esc(f)))
            .unwrap_or_default()
    );
    if brief.countries.is_empty() {
        out.push_str("<p>No structural forecast is stored yet.</p>\n");
    } else {
        out.push_str("<table>\n<tr><th>Rank</th><th>Country</th><th>Risk of onset within two years</th><th>Change</th><th>Stage</th></tr>\n");
        for country in &brief.countries {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                country.rank,
                esc(&country.name),
                percent(country.probability),
                country.change.map(points).unwrap_or_default(),
                if country.assessed {
                    esc(&stage_words(country.stage))
                } else {
                    "not assessed".to_string()
                }
            );
        }
        out.push_str("</table>\n");
    }
    out.push_str("<h2>What each stage means</h2>\n<dl>\n");
    for stage in Stage::ALL {
        let _ = writeln!(
            out,
            "<dt><strong>Stage {}: {}</strong></dt><dd>{}</dd>",
            stage.number(),
            stage.label(),
            esc(stage_meaning(stage))
        );
    }
    out.push_str("</dl>\n<h2>What a parliament can push for</h2>\n");
    let _ = writeln!(out, "<p class=\"muted\">{}</p>", esc(&brief.tool_rule));
    tools(&mut out, &brief.tools);
    out.push_str("<h2>Prevention that worked</h2>\n");
    for case in &brief.cases {
        let _ = writeln!(
            out,
            "<h3>{} <span class=\"muted\">({}, {}; stage {})</span></h3>\n<p>{}</p>\n<p><em>Lesson:</em> {}</p>\n<p class=\"muted\">Tools: {}</p>",
            esc(&case.title),
            esc(&case.country),
            esc(&case.years),
            case.stage.number(),
            esc(&case.outcome),
            esc(&case.lesson),
            esc(&case.tools.join(", "))
        );
    }
    page_end(
        &mut out,
        brief.marking,
        &brief.withheld,
        &brief.versions,
        &brief.sources,
    );
    out
}
