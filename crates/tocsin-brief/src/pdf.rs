//! Briefs as PDF, made in-process: the brief model is written out as typst markup
//! ([`situation_markup`], [`parliament_markup`]) and compiled with the typst crates against a
//! minimal [`World`] that holds only that markup, the SVG charts as images and the fonts
//! embedded in `typst-assets`. No file, font directory, package or clock is read, and no
//! external program runs.

use std::fmt::Write;
use std::sync::OnceLock;

use time::Date;
use tocsin_domain::{Stage, Tlp};
use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, Source};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;

use crate::escape::typst as t;
use crate::model::{
    percent, points, stage_meaning, stage_words, ParliamentBrief, SituationBrief, Tool, Versions,
    Withheld,
};
use crate::svg;
use crate::BriefError;

/// A rendered PDF and how many pages it has.
#[derive(Debug, Clone)]
pub struct Pdf {
    pub bytes: Vec<u8>,
    pub pages: usize,
}

/// The situation brief as PDF.
pub fn situation(brief: &SituationBrief) -> Result<Pdf, BriefError> {
    let (markup, images) = situation_markup(brief);
    compile(markup, images, brief.date)
}

/// The parliamentary brief as PDF.
pub fn parliament(brief: &ParliamentBrief) -> Result<Pdf, BriefError> {
    compile(parliament_markup(brief), Vec::new(), brief.date)
}

/// An image the markup refers to by file name.
type Image = (&'static str, String);

fn colour(tlp: Tlp) -> &'static str {
    match tlp {
        Tlp::Red => "#ff2b2b",
        Tlp::AmberStrict | Tlp::Amber => "#ffc000",
        Tlp::Green => "#33ff00",
        Tlp::Clear => "#ffffff",
    }
}

/// Page setup: A4, the TLP marking in header and footer of every page, page numbers.
fn preamble(out: &mut String, title: &str, tlp: Tlp, date: Date) {
    let mark = format!(
        "box(fill: black, inset: 3pt, text(font: \"DejaVu Sans Mono\", weight: \"bold\", fill: rgb(\"{}\"))[{}])",
        colour(tlp),
        t(tlp.as_str())
    );
    let _ = write!(
        out,
        "#set document(title: [{title}])\n\
         #set page(paper: \"a4\", margin: (x: 1.7cm, top: 2.1cm, bottom: 1.9cm),\n\
         header: [#{mark} #h(1fr) #text(size: 8pt)[Tocsin brief · {date}]],\n\
         footer: [#{mark} #h(1fr) #text(size: 8pt)[Do not share beyond what the marking allows · page #context counter(page).display(\"1 of 1\", both: true)]])\n\
         #set text(font: \"Libertinus Serif\", size: 9.5pt, lang: \"en\")\n\
         #set par(justify: false, leading: 0.55em)\n\
         #set table(stroke: 0.4pt + luma(200), inset: 3pt)\n\
         #show heading.where(level: 2): it => block(above: 0.9em, below: 0.4em, text(size: 11pt, it.body))\n",
        title = t(title),
        date = t(&date.to_string()),
    );
}

fn footer_sections(out: &mut String, withheld: &Withheld, versions: &Versions, sources: &[String]) {
    if !withheld.is_empty() {
        out.push_str("== Left out of this brief\n");
        if withheld.items > 0 {
            let _ = write!(
                out,
                "{} item\\(s\\) marked above your clearance are left out\\. ",
                withheld.items
            );
        }
        if !withheld.sections.is_empty() {
            let _ = write!(
                out,
                "Sections your role does not receive: {}\\.",
                t(&withheld.sections.join(", "))
            );
        }
        out.push_str("\n\n");
    }
    out.push_str("== Sources and versions\n#text(size: 8pt)[");
    for source in sources {
        let _ = writeln!(out, "- {}", t(source));
    }
    let mut line = format!("Tocsin {}", versions.tocsin);
    if let Some(engine) = &versions.engine {
        let _ = write!(line, " · stage engine {engine}");
    }
    if let Some(model) = &versions.model {
        let _ = write!(line, " · structural model {model}");
    }
    let _ = write!(
        line,
        " · toolbox {} · lessons {}",
        versions.toolbox, versions.lessons
    );
    let _ = writeln!(out, "\n{}]", t(&line));
}

fn tools(out: &mut String, tools: &[Tool]) {
    for tool in tools {
        let _ = write!(
            out,
            "+ *{}* #text(fill: luma(90))[\\({} to take effect\\)] {}",
            t(&tool.name),
            t(&tool.lead_time),
            t(&tool.summary)
        );
        for caveat in &tool.caveats {
            let _ = write!(out, " #text(fill: rgb(\"#7a1f1f\"))[Caveat: {}]", t(caveat));
        }
        if !tool.precedents.is_empty() {
            let _ = write!(
                out,
                " #text(fill: luma(90))[Precedents: {}]",
                t(&tool.precedents.join("; "))
            );
        }
        out.push('\n');
    }
    out.push('\n');
}

/// The situation brief as typst markup, and the SVG images it refers to.
pub fn situation_markup(brief: &SituationBrief) -> (String, Vec<Image>) {
    let mut out = String::with_capacity(16 * 1024);
    let mut images: Vec<Image> = Vec::new();
    let title = format!("Situation brief: {}", brief.name);
    preamble(&mut out, &title, brief.marking, brief.date);
    let headline = &brief.headline;
    let level = headline.stage.map_or(0, Stage::number);
    let _ = writeln!(
        out,
        "#text(size: 16pt, weight: \"bold\")[{}]\\\n#text(fill: luma(90))[{} · as of {} · for a reader cleared to {}]\n",
        t(&title),
        t(&brief.situation),
        t(&brief.date.to_string()),
        t(brief.reader.clearance.as_str())
    );
    let mut judgment = format!(
        "{}: {} (escalation score {:.2} of 3{}).",
        brief.name,
        stage_words(headline.stage),
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
                judgment,
                " Structural risk of a mass-killing onset within two years: {}",
                percent(forecast.probability)
            );
            if let Some(rank) = forecast.rank {
                let _ = write!(judgment, ", rank {rank} of {}", forecast.ranked);
            }
            let _ = write!(
                judgment,
                " ({}, data {})",
                forecast.model, forecast.data_year
            );
            if let Some(change) = forecast.change {
                let _ = write!(judgment, "; {} since the previous forecast", points(change));
            }
            judgment.push('.');
        }
        None => judgment.push_str(" No structural forecast is stored for this country."),
    }
    let _ = write!(judgment, " Trend: {}.", headline.direction.as_str());
    let _ = writeln!(
        out,
        "#block(fill: luma(245), stroke: (left: 4pt + rgb(\"{}\")), inset: 6pt, width: 100%)[#text(size: 10.5pt)[{}]]\n",
        svg::stage_colour(level),
        t(&judgment)
    );

    out.push_str("== What changed and why\n");
    if brief.changes.is_empty() {
        out.push_str("No stage change is stored for this situation\\.\n");
    } else {
        for change in &brief.changes {
            let _ = writeln!(
                out,
                "- {}: stage {} → {} \\(score {:.2}\\)",
                t(&change.on.to_string()),
                change.from,
                change.to,
                change.score
            );
        }
    }
    images.push((
        "timeline.svg",
        svg::stage_timeline(&brief.changes, level, brief.date),
    ));
    out.push_str("\n#image(\"timeline.svg\", width: 80%)\n");
    for line in headline.explanation.iter().take(4) {
        let _ = writeln!(out, "- {}", t(line));
    }
    if let Some(chart) = svg::risk_trend(&brief.risk_history) {
        images.push(("trend.svg", chart));
        out.push_str("\n*Structural risk over the years*\\\n#image(\"trend.svg\", width: 70%)\n");
    }

    out.push_str("\n== Key risk factors\n");
    let judged: Vec<_> = brief
        .factors
        .iter()
        .filter(|f| f.status.is_some() || f.observations > 0)
        .collect();
    if judged.is_empty() {
        out.push_str("No risk factor is judged or observed yet\\.\n");
    } else {
        out.push_str(
            "#table(columns: (auto, 1fr, auto), [*Factor*], [*Judgment*], [*Evidence*],\n",
        );
        for factor in judged {
            let mut judgment = match &factor.status {
                Some(status) => format!(
                    "{status}, {}, {} confidence",
                    factor.trend.as_deref().unwrap_or("steady"),
                    factor.confidence.as_deref().unwrap_or("medium")
                ),
                None => "not judged".to_string(),
            };
            if let Some(note) = &factor.note {
                let _ = write!(judgment, ". {note}");
            }
            let evidence: Vec<String> = factor
                .evidence
                .iter()
                .map(|c| format!("report {} [{}]", c.report, c.tlp.as_str()))
                .collect();
            let _ = writeln!(
                out,
                "[RF{} {}], [{}], [{} observation(s){}{}],",
                factor.number,
                t(&factor.name),
                t(&judgment),
                factor.observations,
                if evidence.is_empty() { "" } else { "; " },
                t(&evidence.join(", "))
            );
        }
        out.push_str(")\n");
    }

    out.push_str("\n== Recent incidents\n");
    match svg::incident_map(&brief.incidents) {
        Some(map) => {
            images.push(("map.svg", map));
            out.push_str(
                "#grid(columns: (48%, 1fr), gutter: 8pt, image(\"map.svg\", width: 100%), [\n",
            );
            for incident in &brief.incidents {
                let _ = writeln!(
                    out,
                    "+ #text(size: 8.5pt)[{}]",
                    t(&format!(
                        "{} · {} · {} · {}: {}",
                        incident.on,
                        incident.place.as_deref().unwrap_or("unnamed place"),
                        incident.verification,
                        incident.tlp.as_str(),
                        incident.text
                    ))
                );
            }
            out.push_str("])\n");
        }
        None => out.push_str("No placed report you may see in the evidence window\\.\n"),
    }

    out.push_str("\n== Triggers ahead\n");
    if brief.triggers.is_empty() {
        out.push_str("No trigger is on the calendar\\.\n");
    } else {
        for trigger in &brief.triggers {
            let _ = writeln!(
                out,
                "- {}",
                t(&format!(
                    "{} (in {} days): {} ({})",
                    trigger.on, trigger.days_ahead, trigger.name, trigger.kind
                ))
            );
        }
    }

    let _ = writeln!(
        out,
        "\n== Recommended tools\n#text(fill: luma(90))[For stage {}, {}; ranked by the toolbox's fixed rule\\.]\n",
        brief.tools_for.number(),
        t(brief.tools_for.label())
    );
    tools(&mut out, &brief.tools);

    out.push_str("== Responses under way\n");
    if brief.responses.is_empty() {
        out.push_str("No measure is recorded\\.\n");
    } else {
        for response in &brief.responses {
            let _ = writeln!(
                out,
                "- {}",
                t(&format!(
                    "{}: {} ({}), {}, from {}{}",
                    response.tool,
                    response.actor,
                    response.organisation,
                    response.status.replace('_', " "),
                    response.start,
                    response
                        .end
                        .map(|end| format!(" to {end}"))
                        .unwrap_or_default()
                ))
            );
        }
    }
    out.push('\n');
    footer_sections(&mut out, &brief.withheld, &brief.versions, &brief.sources);
    (out, images)
}

/// The parliamentary brief as typst markup.
pub fn parliament_markup(brief: &ParliamentBrief) -> String {
    let mut out = String::with_capacity(16 * 1024);
    let title = "Countries at risk of mass atrocities: a brief for parliamentarians";
    preamble(&mut out, title, brief.marking, brief.date);
    let _ = writeln!(
        out,
        "#text(size: 15pt, weight: \"bold\")[{}]\\\n#text(fill: luma(90))[As of {}{}]\n",
        t(title),
        t(&brief.date.to_string()),
        brief
            .forecast
            .as_ref()
            .map(|f| t(&format!(" · forecast: {f}")))
            .unwrap_or_default()
    );
    out.push_str("== The countries most at risk\n");
    if brief.countries.is_empty() {
        out.push_str("No structural forecast is stored yet\\.\n");
    } else {
        out.push_str("#table(columns: (auto, 1fr, auto, auto, auto), [*Rank*], [*Country*], [*Risk of onset within two years*], [*Change*], [*Stage*],\n");
        for country in &brief.countries {
            let _ = writeln!(
                out,
                "[{}], [{}], [{}], [{}], [{}],",
                country.rank,
                t(&country.name),
                t(&percent(country.probability)),
                t(&country.change.map(points).unwrap_or_default()),
                t(&if country.assessed {
                    stage_words(country.stage)
                } else {
                    "not assessed".to_string()
                })
            );
        }
        out.push_str(")\n");
    }
    out.push_str("\n== What each stage means\n");
    for stage in Stage::ALL {
        let _ = writeln!(
            out,
            "/ Stage {}, {}: {}",
            stage.number(),
            t(stage.label()),
            t(stage_meaning(stage))
        );
    }
    let _ = writeln!(
        out,
        "\n== What a parliament can push for\n#text(fill: luma(90))[{}]\n",
        t(&brief.tool_rule)
    );
    tools(&mut out, &brief.tools);
    out.push_str("== Prevention that worked\n");
    for case in &brief.cases {
        let _ = writeln!(
            out,
            "*{}* #text(fill: luma(90))[{}]\\\n{} _Lesson:_ {} #text(fill: luma(90))[Tools: {}]\n",
            t(&case.title),
            t(&format!(
                "({}, {}; stage {})",
                case.country,
                case.years,
                case.stage.number()
            )),
            t(&case.outcome),
            t(&case.lesson),
            t(&case.tools.join(", "))
        );
    }
    footer_sections(&mut out, &brief.withheld, &brief.versions, &brief.sources);
    out
}

/// The fonts shipped in `typst-assets`, parsed once per process.
fn fonts() -> &'static (LazyHash<FontBook>, Vec<Font>) {
    static FONTS: OnceLock<(LazyHash<FontBook>, Vec<Font>)> = OnceLock::new();
    FONTS.get_or_init(|| {
        let fonts: Vec<Font> = typst_assets::fonts()
            .flat_map(|data| Font::iter(Bytes::new(data)))
            .collect();
        (LazyHash::new(FontBook::from_fonts(&fonts)), fonts)
    })
}

fn library() -> &'static LazyHash<Library> {
    static LIBRARY: OnceLock<LazyHash<Library>> = OnceLock::new();
    LIBRARY.get_or_init(|| LazyHash::new(Library::default()))
}

/// Everything typst may read while compiling one brief.
struct BriefWorld {
    main: Source,
    images: Vec<(&'static str, Bytes)>,
    date: Date,
}

impl World for BriefWorld {
    fn library(&self) -> &LazyHash<Library> {
        library()
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &fonts().0
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(FileError::AccessDenied)
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        let name = id.vpath().file_name().unwrap_or_default();
        self.images
            .iter()
            .find(|(image, _)| *image == name)
            .map(|(_, bytes)| bytes.clone())
            .ok_or(FileError::AccessDenied)
    }

    fn font(&self, index: usize) -> Option<Font> {
        fonts().1.get(index).cloned()
    }

    /// The brief's own date: typst never reads the clock.
    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        Datetime::from_ymd(
            self.date.year(),
            u8::from(self.date.month()),
            self.date.day(),
        )
    }
}

/// Compiles markup to PDF.
fn compile(markup: String, images: Vec<Image>, date: Date) -> Result<Pdf, BriefError> {
    let world = BriefWorld {
        main: Source::detached(markup),
        images: images
            .into_iter()
            .map(|(name, svg)| (name, Bytes::from_string(svg)))
            .collect(),
        date,
    };
    let document: PagedDocument = typst::compile(&world).output.map_err(|errors| {
        BriefError::Typeset(
            errors
                .iter()
                .map(|error| error.message.to_string())
                .collect::<Vec<_>>()
                .join("; "),
        )
    })?;
    let bytes = typst_pdf::pdf(&document, &typst_pdf::PdfOptions::default()).map_err(|errors| {
        BriefError::Typeset(
            errors
                .iter()
                .map(|error| error.message.to_string())
                .collect::<Vec<_>>()
                .join("; "),
        )
    })?;
    Ok(Pdf {
        bytes,
        pages: document.pages().len(),
    })
}
