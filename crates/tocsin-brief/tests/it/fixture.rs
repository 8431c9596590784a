//! A realistic brief with fixed data and a fixed date, shared by the golden tests, the PDF
//! tests and the rendering benchmark. Its texts carry characters that mean something in HTML
//! and typst, as field reports do.

use time::macros::date;
use time::Date;
use tocsin_brief::{
    Case, Citation, Country, Direction, Driver, Factor, Forecast, Headline, Incident,
    ParliamentBrief, Reader, Response, RiskPoint, SituationBrief, StageChange, Tool, Trigger,
    Versions, Withheld,
};
use tocsin_domain::{Role, Stage, Tlp};

pub const DATE: Date = date!(2026 - 11 - 21);

fn versions() -> Versions {
    Versions {
        tocsin: "0.1.0".to_string(),
        engine: Some("2026.1".to_string()),
        model: Some("ensemble (data 2025)".to_string()),
        toolbox: "2025.1".to_string(),
        lessons: "2025.1".to_string(),
    }
}

fn tool(n: usize) -> Tool {
    Tool {
        name: format!("Targeted measure number {n}"),
        summary:
            "Travel bans and asset freezes on those who organise militias & pay for hate radio."
                .to_string(),
        reason: "stage 2 tool acting on the perpetrator side, the most stressed".to_string(),
        lead_time: "weeks".to_string(),
        caveats: vec![
            "Backfires when seen as one-sided: leaders rally support against \"outside meddling\""
                .to_string(),
        ],
        precedents: vec!["Kenya post-election violence (success)".to_string()],
    }
}

pub fn situation(reader: Reader, marking: Tlp) -> SituationBrief {
    let places = [
        ("Goma", -1.68, 29.22),
        ("Bukavu", -2.51, 28.86),
        ("Butembo", 0.14, 29.29),
        ("Beni", 0.49, 29.47),
        ("Uvira", -3.40, 29.14),
        ("Rutshuru", -1.18, 29.45),
        ("Masisi", -1.40, 28.82),
        ("Walikale", -1.42, 28.05),
    ];
    let incidents = places
        .iter()
        .enumerate()
        .map(|(i, (place, lat, lon))| Incident {
            report: 100 + i as i64,
            on: date!(2026 - 11 - 01) + time::Duration::days(i as i64 * 2),
            place: Some(place.to_string()),
            latitude: *lat,
            longitude: *lon,
            text: match i {
                0 => "Militia <b>leaders</b> at the market said \"#set page(width: 1pt)\" & $100 for each *name*".to_string(),
                1 => "Radio call: 1. gather at dawn // = burn the houses @ward7 [list] _attached_".to_string(),
                _ => format!("Armed men seen moving towards {place} at night; residents leaving."),
            },
            verification: if i % 2 == 0 { "verified" } else { "triage" }.to_string(),
            tlp: if i == 0 { Tlp::Amber } else { Tlp::Green },
        })
        .collect();
    let factors = (1..=14)
        .map(|number| Factor {
            number,
            name: format!("Risk factor {number}"),
            status: (number % 3 == 1).then(|| "present".to_string()),
            trend: (number % 3 == 1).then(|| "worsening".to_string()),
            confidence: (number % 3 == 1).then(|| "high".to_string()),
            note: (number == 7)
                .then(|| "Commanders <i>named</i> in two reports; see #104".to_string()),
            judged_on: (number % 3 == 1).then_some(date!(2026 - 10 - 30)),
            evidence: if number == 7 {
                vec![
                    Citation {
                        report: 100,
                        tlp: Tlp::Amber,
                    },
                    Citation {
                        report: 101,
                        tlp: Tlp::Green,
                    },
                ]
            } else {
                Vec::new()
            },
            observations: usize::from(number % 4),
        })
        .collect();
    SituationBrief {
        situation: "COD".to_string(),
        name: "Democratic Republic of the Congo".to_string(),
        date: DATE,
        reader,
        marking,
        headline: Headline {
            stage: Some(Stage::CrisisAndMobilisation),
            score: 2.34,
            held: false,
            forecast: Some(Forecast {
                probability: 0.1234,
                rank: Some(4),
                ranked: 162,
                change: Some(0.021),
                data_year: 2025,
                model: "ensemble".to_string(),
            }),
            direction: Direction::Rising,
            explanation: vec![
                "Stage 2 entered: weight 3.1 over threshold 2.0 on 4 lines of evidence".to_string(),
                "Stage 3 not entered: weight 1.2 under threshold 3.0".to_string(),
            ],
        },
        changes: vec![
            StageChange {
                on: date!(2025 - 12 - 02),
                from: 0,
                to: 1,
                score: 1.1,
            },
            StageChange {
                on: date!(2026 - 06 - 15),
                from: 1,
                to: 2,
                score: 2.05,
            },
        ],
        risk_history: (2020..=2025)
            .map(|year| RiskPoint {
                year,
                probability: 0.06 + f64::from(year - 2020) * 0.012,
            })
            .collect(),
        factors,
        drivers: (0..5)
            .map(|i| Driver {
                label: format!("Indicator 7.{i}: hate speech in local media"),
                stage: Stage::CrisisAndMobilisation,
                weight: 1.5 - f64::from(i) * 0.2,
                detail: "3 items, graded B2".to_string(),
                items: vec!["report 100".to_string(), "report 101".to_string()],
            })
            .collect(),
        incidents,
        triggers: vec![
            Trigger {
                on: date!(2026 - 12 - 20),
                name: "Presidential election, first round".to_string(),
                kind: "election".to_string(),
                days_ahead: 29,
            },
            Trigger {
                on: date!(2027 - 01 - 17),
                name: "Anniversary of the 2001 assassination".to_string(),
                kind: "anniversary".to_string(),
                days_ahead: 57,
            },
        ],
        tools_for: Stage::CrisisAndMobilisation,
        tools: (1..=5).map(tool).collect(),
        responses: vec![
            Response {
                actor: "Special Adviser".to_string(),
                organisation: "UN".to_string(),
                tool: "Preventive diplomacy".to_string(),
                status: "under_way".to_string(),
                start: date!(2026 - 09 - 01),
                end: None,
            },
            Response {
                actor: "EU delegation".to_string(),
                organisation: "European Union".to_string(),
                tool: "Targeted sanctions".to_string(),
                status: "planned".to_string(),
                start: date!(2026 - 12 - 01),
                end: Some(date!(2027 - 06 - 01)),
            },
        ],
        withheld: Withheld {
            items: 2,
            sections: Vec::new(),
        },
        versions: versions(),
        sources: vec![
            "Tocsin field reports (12 you may see), graded A–F / 1–6".to_string(),
            "Early Warning Project structural forecast, data 2025".to_string(),
            "Tocsin prevention toolbox and lessons library".to_string(),
        ],
    }
}

pub fn parliament() -> ParliamentBrief {
    let names = [
        ("COD", "Democratic Republic of the Congo"),
        ("SDN", "Sudan"),
        ("MMR", "Myanmar"),
        ("ETH", "Ethiopia"),
        ("SSD", "South Sudan"),
        ("AFG", "Afghanistan"),
        ("SOM", "Somalia"),
        ("NGA", "Nigeria"),
        ("MLI", "Mali"),
        ("YEM", "Yemen"),
    ];
    ParliamentBrief {
        date: DATE,
        reader: Reader {
            role: Role::FocalPoint,
            clearance: Tlp::Amber,
        },
        marking: Tlp::Clear,
        forecast: Some("ensemble, data 2025".to_string()),
        countries: names
            .iter()
            .enumerate()
            .map(|(i, (id, name))| Country {
                rank: i as u32 + 1,
                situation: id.to_string(),
                name: name.to_string(),
                probability: 0.2 - i as f64 * 0.012,
                change: Some(0.01 - i as f64 * 0.003),
                assessed: i < 3,
                stage: match i {
                    0 => Some(Stage::CrisisAndMobilisation),
                    1 => Some(Stage::ImminentEmergency),
                    _ => None,
                },
            })
            .collect(),
        tool_rule: "Tools of the toolbox whose actors include parliaments.".to_string(),
        tools: (1..=3).map(tool).collect(),
        cases: vec![Case {
            title: "Kenya post-election violence and the Annan mediation".to_string(),
            country: "Kenya".to_string(),
            years: "2007-2008".to_string(),
            stage: Stage::ImminentEmergency,
            tools: vec!["Mediation".to_string(), "Targeted sanctions".to_string()],
            outcome: "The accord ended the large-scale violence.".to_string(),
            lesson: "United outside powers & informal coercion <made> it work.".to_string(),
        }],
        withheld: Withheld::default(),
        versions: versions(),
        sources: vec!["Early Warning Project structural forecast, data 2025".to_string()],
    }
}

pub fn amber_reader() -> Reader {
    Reader {
        role: Role::FocalPoint,
        clearance: Tlp::Amber,
    }
}
