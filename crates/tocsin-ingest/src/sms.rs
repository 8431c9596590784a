//! The structured SMS syntax field monitors use, and the reading of free-text SMS.
//!
//! A monitor on a basic phone types short keyword fields, in English, French, Swahili or
//! Arabic, separated by `;`, `,`, `#` or new lines:
//!
//! ```text
//! TOC P: Kutupalong camp; S: armed men burning houses; N: 30; W: today 06:00
//! ```
//!
//! The full grammar, for monitors and their trainers, is `docs/sms-syntax.md`; a test keeps it
//! and the keyword table below in step. Reading never fails: a message without keywords is free
//! text, kept whole as what was seen (a gazetteer finds its place elsewhere), and a field that
//! cannot be read becomes a warning while the rest of the message is still used. Relative times
//! ("yesterday 21:00") resolve against the time the message was received, which the caller
//! passes in; this module never reads the clock.

use time::{Date, Duration, Month, OffsetDateTime, Time};

/// What a structured field says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmsField {
    /// Where it happened.
    Place,
    /// What was seen.
    Saw,
    /// When it was seen.
    When,
    /// How many people (attackers, victims, displaced): the reporter's number.
    Count,
}

impl SmsField {
    /// The one-letter keyword, used in warnings.
    pub fn letter(self) -> char {
        match self {
            SmsField::Place => 'P',
            SmsField::Saw => 'S',
            SmsField::When => 'W',
            SmsField::Count => 'N',
        }
    }
}

/// Keywords for each field, lower case. One-letter keywords come first; English, French,
/// Swahili and Arabic words follow. `docs/sms-syntax.md` lists the same words.
pub const KEYWORDS: &[(SmsField, &[&str])] = &[
    (
        SmsField::Place,
        &[
            "p", "place", "where", "loc", "location", "lieu", "endroit", "mahali", "مكان",
        ],
    ),
    (
        SmsField::Saw,
        &[
            "s",
            "saw",
            "seen",
            "what",
            "vu",
            "vue",
            "quoi",
            "nimeona",
            "nini",
            "شاهدت",
            "رأيت",
        ],
    ),
    (
        SmsField::When,
        &["w", "when", "time", "date", "quand", "lini", "متى"],
    ),
    (
        SmsField::Count,
        &[
            "n", "count", "number", "num", "nombre", "nb", "idadi", "عدد",
        ],
    ),
];

/// Optional words that open a structured message; they mark it as meant for Tocsin.
pub const PREFIXES: &[&str] = &["toc", "tocsin", "alert", "alerte", "tahadhari", "تنبيه"];

/// How far past the receiving time a stated time may lie and still be believed: phone clocks
/// drift, and "W: 10:05" sent at 10:00 by the network's clock is not a report from the future.
const CLOCK_SLACK: Duration = Duration::minutes(15);

/// The latest time a report received at `received_at` can be about.
fn latest_believable(received_at: OffsetDateTime) -> OffsetDateTime {
    received_at.checked_add(CLOCK_SLACK).unwrap_or(received_at)
}

/// What an SMS says, as far as it could be read.
#[derive(Debug, Clone, PartialEq)]
pub struct SmsReport {
    /// The place as the monitor wrote it (`P:`), not yet resolved to a point.
    pub place: Option<String>,
    /// What was seen: the `S:` fields and any text outside fields; for free text, the whole
    /// message.
    pub observed: String,
    /// When it was seen (`W:`), in the offset of the receiving time.
    pub observed_at: Option<OffsetDateTime>,
    /// True when `W:` named only a day: `observed_at` is then that day's 00:00.
    pub observed_day_only: bool,
    /// The number given with `N:`.
    pub count: Option<u32>,
    /// Whether the message used the keyword syntax.
    pub structured: bool,
    /// What could not be read, in words a monitor's handler can act on.
    pub warnings: Vec<String>,
}

/// Reads an SMS body. `received_at` is when the gateway received it; relative times resolve
/// against it, in its offset.
pub fn parse_sms(body: &str, received_at: OffsetDateTime) -> SmsReport {
    let trimmed = body.trim();
    let mut report = SmsReport {
        place: None,
        observed: trimmed.to_string(),
        observed_at: None,
        observed_day_only: false,
        count: None,
        structured: false,
        warnings: Vec::new(),
    };
    if trimmed.is_empty() {
        report.warnings.push("the message is empty".to_string());
        return report;
    }
    let (has_prefix, rest) = strip_prefix(trimmed);
    let segments = split_segments(rest);
    let matches: Vec<Option<FieldStart>> = segments
        .iter()
        .map(|&(start, end)| field_start(&rest[start..end]))
        .collect();
    let strict = matches.iter().flatten().filter(|m| m.strict).count();
    let loose = matches.iter().flatten().filter(|m| !m.strict).count();
    // Keywords followed by `:` or `=` are unmistakable. Keywords followed by a space are
    // believed only when the message is plainly meant to be structured, so free text that
    // happens to start a clause with "S" or "N" is not cut into fields.
    let structured = strict > 0
        || (has_prefix && loose > 0)
        || (loose >= 2 && matches.first().is_some_and(Option::is_some));
    if !structured {
        return report;
    }
    report.structured = true;

    // Each field runs from its keyword to the next keyword: segments without one continue the
    // field before them ("S: armed men, burning houses"; "N: 1,000").
    let mut fields: Vec<(SmsField, usize, usize)> = Vec::new();
    let mut unattached: Vec<&str> = Vec::new();
    for (&(start, end), found) in segments.iter().zip(&matches) {
        match found {
            Some(field) => fields.push((field.field, start + field.value_offset, end)),
            None => match fields.last_mut() {
                Some((_, _, field_end)) => *field_end = end,
                None => unattached.push(&rest[start..end]),
            },
        }
    }

    let mut observed: Vec<String> = unattached
        .iter()
        .map(|text| clean(text))
        .filter(|text| !text.is_empty())
        .collect();
    let mut when: Option<String> = None;
    let mut count: Option<String> = None;
    for &(field, start, end) in &fields {
        let value = clean(&rest[start..end]);
        if value.is_empty() {
            report.warnings.push(format!(
                "{}: is empty; write something after it",
                field.letter()
            ));
            continue;
        }
        let slot = match field {
            SmsField::Saw => {
                observed.push(value);
                continue;
            }
            SmsField::Place => &mut report.place,
            SmsField::When => &mut when,
            SmsField::Count => &mut count,
        };
        if slot.is_some() {
            report.warnings.push(format!(
                "{}: appears twice; only the first is used, {value:?} is not",
                field.letter()
            ));
        } else {
            *slot = Some(value);
        }
    }

    if observed.is_empty() {
        report.warnings.push(
            "no S: field says what was seen; the whole message is kept as the observation"
                .to_string(),
        );
    } else {
        report.observed = observed.join("; ");
    }
    if let Some(text) = when {
        match parse_when(&text, received_at) {
            Ok(When {
                at,
                day_only,
                ignored,
            }) => {
                if at > latest_believable(received_at) {
                    report.warnings.push(format!(
                        "W: {text:?} is after the message was received; the time is left out"
                    ));
                } else {
                    report.observed_at = Some(at);
                    report.observed_day_only = day_only;
                    if !ignored.is_empty() {
                        report.warnings.push(format!(
                            "W: the words {:?} were not understood and are ignored",
                            ignored.join(" ")
                        ));
                    }
                }
            }
            Err(()) => report.warnings.push(format!(
                "W: {text:?} is not a time that can be read; write e.g. W: today 06:00, \
                 W: yesterday or W: 2024-05-01 06:00"
            )),
        }
    }
    if let Some(text) = count {
        match parse_count(&text) {
            Ok(number) => report.count = Some(number),
            Err(reason) => report.warnings.push(format!("N: {text:?} {reason}")),
        }
    }
    report
}

/// Removes an opening `TOC`/`ALERT`… word, and any `:` or separators after it.
fn strip_prefix(text: &str) -> (bool, &str) {
    let start = text.trim_start_matches(|c: char| is_separator(c) || c.is_whitespace());
    let word_end = start
        .find(|c: char| !c.is_alphanumeric())
        .unwrap_or(start.len());
    let word = &start[..word_end];
    if !word.is_empty() && PREFIXES.contains(&word.to_lowercase().as_str()) {
        let rest = start[word_end..]
            .trim_start_matches(|c: char| c == ':' || is_separator(c) || c.is_whitespace());
        (true, rest)
    } else {
        (false, text)
    }
}

fn is_separator(c: char) -> bool {
    // Arabic keyboards have their own comma and semicolon.
    matches!(c, ';' | ',' | '\n' | '\r' | '#' | '،' | '؛')
}

/// Byte ranges of the text between separators, non-blank ones only.
fn split_segments(text: &str) -> Vec<(usize, usize)> {
    let mut segments = Vec::new();
    let mut start = 0;
    for (index, c) in text.char_indices() {
        if is_separator(c) {
            segments.push((start, index));
            start = index + c.len_utf8();
        }
    }
    segments.push((start, text.len()));
    segments.retain(|&(start, end)| !text[start..end].trim().is_empty());
    segments
}

/// A keyword at the start of a segment.
struct FieldStart {
    field: SmsField,
    /// Where the value starts, in bytes from the segment's start.
    value_offset: usize,
    /// Followed by `:` or `=` rather than only a space.
    strict: bool,
}

fn field_start(segment: &str) -> Option<FieldStart> {
    let leading = segment.len() - segment.trim_start().len();
    let text = &segment[leading..];
    let word_end = text
        .find(|c: char| !c.is_alphabetic())
        .unwrap_or(text.len());
    let word = text[..word_end].to_lowercase();
    let field = KEYWORDS
        .iter()
        .find(|(_, words)| words.contains(&word.as_str()))
        .map(|&(field, _)| field)?;
    let after = &text[word_end..];
    let spaces = after.len() - after.trim_start().len();
    let marker = after[spaces..].chars().next();
    if let Some(marker @ (':' | '=' | '：')) = marker {
        return Some(FieldStart {
            field,
            value_offset: leading + word_end + spaces + marker.len_utf8(),
            strict: true,
        });
    }
    // Without `:`, only one-letter keywords followed by a space and a value count: words like
    // "when" or "what" open ordinary sentences too often.
    if word.chars().count() == 1 && spaces > 0 && marker.is_some() {
        return Some(FieldStart {
            field,
            value_offset: leading + word_end,
            strict: false,
        });
    }
    None
}

/// A value with surrounding blanks and stray separators removed and runs of blanks collapsed.
fn clean(text: &str) -> String {
    text.trim_matches(|c: char| c.is_whitespace() || is_separator(c))
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A time read from a `W:` field.
struct When {
    at: OffsetDateTime,
    day_only: bool,
    /// Words that were neither a day nor a time.
    ignored: Vec<String>,
}

/// Days back from the receiving day, by word.
const RELATIVE_DAYS: &[(&str, i64)] = &[
    ("today", 0),
    ("tonight", 0),
    ("aujourd'hui", 0),
    ("aujourdhui", 0),
    ("auj", 0),
    ("leo", 0),
    ("اليوم", 0),
    ("yesterday", 1),
    ("hier", 1),
    ("jana", 1),
    ("أمس", 1),
    ("امس", 1),
    ("البارحة", 1),
    ("avant-hier", 2),
    ("juzi", 2),
];

/// Words that mean the moment of sending.
const NOW: &[&str] = &["now", "maintenant", "sasa", "الآن", "الان"];

/// Words that may stand around a time without changing it ("at 06:00", "vers 6h").
const FILLER: &[&str] = &[
    "at", "about", "around", "approx", "à", "a", "vers", "environ", "saa", "kama", "karibu", "on",
    "le", "the",
];

fn parse_when(text: &str, received_at: OffsetDateTime) -> Result<When, ()> {
    let offset = received_at.offset();
    if let Ok(at) =
        OffsetDateTime::parse(text.trim(), &time::format_description::well_known::Rfc3339)
    {
        return Ok(When {
            // A time at the very end of the calendar may not exist in another offset.
            at: at.checked_to_offset(offset).ok_or(())?,
            day_only: false,
            ignored: Vec::new(),
        });
    }
    let lower = text.to_lowercase().replace('’', "'");
    // `2024-05-01T06:00` is a date and a time joined by `T`.
    let words: Vec<String> = lower
        .split_whitespace()
        .flat_map(|word| match word.split_once('t') {
            Some((day, time)) if parse_day(day, received_at.date()).is_some() => {
                vec![day.to_string(), time.to_string()]
            }
            _ => vec![word.to_string()],
        })
        .collect();

    let mut day: Option<Date> = None;
    let mut clock: Option<Time> = None;
    let mut ignored = Vec::new();
    let mut index = 0;
    while index < words.len() {
        let word = words[index].trim_matches(|c: char| c == '.' || c == '!');
        // "6 pm" is one time written as two words.
        let next_is_meridiem = words
            .get(index + 1)
            .is_some_and(|next| matches!(next.as_str(), "am" | "pm"));
        if NOW.contains(&word) && day.is_none() && clock.is_none() {
            return Ok(When {
                at: received_at,
                day_only: false,
                ignored: Vec::new(),
            });
        } else if let Some(&(_, back)) = RELATIVE_DAYS.iter().find(|(name, _)| *name == word) {
            day = day.or(received_at.date().checked_sub(Duration::days(back)));
        } else if day.is_none() && parse_day(word, received_at.date()).is_some() {
            day = parse_day(word, received_at.date());
        } else if clock.is_none() && next_is_meridiem {
            let joined = format!("{word}{}", words[index + 1]);
            match parse_clock(&joined) {
                Some(time) => {
                    clock = Some(time);
                    index += 1;
                }
                None => ignored.push(word.to_string()),
            }
        } else if clock.is_none() && parse_clock(word).is_some() {
            clock = parse_clock(word);
        } else if !FILLER.contains(&word) && !word.is_empty() {
            ignored.push(word.to_string());
        }
        index += 1;
    }

    let at = match (day, clock) {
        (None, None) => return Err(()),
        (Some(day), None) => day.with_time(Time::MIDNIGHT).assume_offset(offset),
        (Some(day), Some(clock)) => day.with_time(clock).assume_offset(offset),
        (None, Some(clock)) => {
            // A bare time is the most recent such time: "23:30" sent at 01:00 is last night.
            let today = received_at.date().with_time(clock).assume_offset(offset);
            if today > latest_believable(received_at) {
                today.checked_sub(Duration::days(1)).ok_or(())?
            } else {
                today
            }
        }
    };
    Ok(When {
        at,
        day_only: clock.is_none(),
        ignored,
    })
}

/// A calendar day: `2024-05-01`, or day first as written across Africa, Europe and the Middle
/// East: `1/5/2024`, `01-05-24`, `1.5.2024`, `1/5` (the most recent 1 May).
fn parse_day(word: &str, received_on: Date) -> Option<Date> {
    if let Some(date) = crate::dataset::parse_iso_date(word) {
        return Some(date);
    }
    let parts: Vec<&str> = word.split(['/', '-', '.']).collect();
    if !(2..=3).contains(&parts.len())
        || parts.iter().any(|part| {
            part.is_empty() || part.len() > 4 || !part.bytes().all(|b| b.is_ascii_digit())
        })
    {
        return None;
    }
    // A four-digit first part is a year written first: `2024/5/1`.
    let (year, month, day) = match parts.as_slice() {
        [year, month, day] if year.len() == 4 => (Some(*year), *month, *day),
        [day, month, year] => (Some(*year), *month, *day),
        [day, month] => (None, *month, *day),
        _ => return None,
    };
    let day: u8 = day.parse().ok()?;
    let month = Month::try_from(month.parse::<u8>().ok()?).ok()?;
    match year {
        Some(year) => {
            let number: i32 = year.parse().ok()?;
            // Two-digit years are this century's: a report is about the recent past.
            let number = if year.len() <= 2 {
                number + 2000
            } else {
                number
            };
            Date::from_calendar_date(number, month, day).ok()
        }
        None => {
            let this_year = Date::from_calendar_date(received_on.year(), month, day).ok();
            match this_year {
                Some(date) if date <= received_on => Some(date),
                _ => Date::from_calendar_date(received_on.year() - 1, month, day).ok(),
            }
        }
    }
}

/// A time of day: `06:00`, `6:30`, `06:00:00`, `6h30`, `6h`, `6pm`, `6:30am`.
fn parse_clock(word: &str) -> Option<Time> {
    let (word, meridiem) = if let Some(rest) = word.strip_suffix("am") {
        (rest, Some(false))
    } else if let Some(rest) = word.strip_suffix("pm") {
        (rest, Some(true))
    } else {
        (word, None)
    };
    let parts: Vec<&str> = word.split([':', 'h']).collect();
    let number = |part: &str| -> Option<u8> {
        if part.is_empty() || part.len() > 2 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        part.parse().ok()
    };
    let (hour, minute, second) = match parts.as_slice() {
        // A bare number is an hour only with am/pm: "6" alone could be a count or a day.
        [hour] if meridiem.is_some() => (number(hour)?, 0, 0),
        [hour, ""] if word.ends_with('h') => (number(hour)?, 0, 0),
        [hour, minute] => (number(hour)?, number(minute)?, 0),
        [hour, minute, second] if word.contains(':') => {
            (number(hour)?, number(minute)?, number(second)?)
        }
        _ => return None,
    };
    let hour = match meridiem {
        None => hour,
        Some(_) if !(1..=12).contains(&hour) => return None,
        Some(false) => hour % 12,
        Some(true) => hour % 12 + 12,
    };
    Time::from_hms(hour, minute, second).ok()
}

/// Small numbers written as words, in the syntax's languages.
const NUMBER_WORDS: &[(&str, u32)] = &[
    ("one", 1),
    ("two", 2),
    ("three", 3),
    ("four", 4),
    ("five", 5),
    ("six", 6),
    ("seven", 7),
    ("eight", 8),
    ("nine", 9),
    ("ten", 10),
    ("dozen", 12),
    ("un", 1),
    ("une", 1),
    ("deux", 2),
    ("trois", 3),
    ("quatre", 4),
    ("cinq", 5),
    ("sept", 7),
    ("huit", 8),
    ("neuf", 9),
    ("dix", 10),
    ("douzaine", 12),
    ("moja", 1),
    ("mbili", 2),
    ("tatu", 3),
    ("nne", 4),
    ("tano", 5),
    ("sita", 6),
    ("saba", 7),
    ("nane", 8),
    ("tisa", 9),
    ("kumi", 10),
];

/// The first number in a `N:` value: `30`, `about 30`, `30+`, `1,000`, `٣٠`, `20-30` (the lower
/// end of a range), `five`. Returns why not, for the warning.
fn parse_count(text: &str) -> Result<u32, &'static str> {
    // Arabic-Indic and Persian digits become ASCII digits.
    let text: String = text
        .chars()
        .map(|c| match c {
            '\u{0660}'..='\u{0669}' => char::from(b'0' + (c as u32 - 0x0660) as u8),
            '\u{06F0}'..='\u{06F9}' => char::from(b'0' + (c as u32 - 0x06F0) as u8),
            _ => c,
        })
        .collect();
    let bytes = text.as_bytes();
    let Some(start) = bytes.iter().position(u8::is_ascii_digit) else {
        let lower = text.to_lowercase();
        return lower
            .split(|c: char| !c.is_alphabetic())
            .find_map(|word| {
                NUMBER_WORDS
                    .iter()
                    .find(|(name, _)| *name == word)
                    .map(|&(_, n)| n)
            })
            .ok_or("has no number; write digits, e.g. N: 30");
    };
    let mut digits = String::new();
    let mut index = start;
    loop {
        while index < bytes.len() && bytes[index].is_ascii_digit() {
            digits.push(char::from(bytes[index]));
            index += 1;
        }
        // A thousands separator is followed by exactly three digits: "1,000", "1.000", "1 000".
        let grouped = index + 4 <= bytes.len()
            && matches!(bytes[index], b',' | b'.' | b' ')
            && bytes[index + 1..index + 4].iter().all(u8::is_ascii_digit)
            && bytes.get(index + 4).is_none_or(|b| !b.is_ascii_digit());
        if !grouped {
            break;
        }
        index += 1;
    }
    digits
        .parse::<u32>()
        .map_err(|_| "is too large a number to be a count")
}

/// A community member's request about broadcast alerts, sent as an SMS keyword.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subscription {
    /// `JOIN YEI` or `JOIN KAKUMA CAMP SW`: alerts for an area, in a language (a two-letter
    /// code at the end; English when none is given).
    Join {
        area: String,
        language: Option<String>,
    },
    /// `STOP`: no more alerts.
    Stop,
}

/// Words that ask to join, in English, French, Swahili and Arabic (lower case).
pub const JOIN_WORDS: &[&str] = &["join", "start", "subscribe", "inscrire", "jiunge", "اشتراك"];
/// Words that ask to stop.
pub const STOP_WORDS: &[&str] = &[
    "stop",
    "unsubscribe",
    "quit",
    "arret",
    "arrêt",
    "acha",
    "توقف",
];
/// At most this many words name the area: more is a sentence, and stays a report.
const MAX_AREA_WORDS: usize = 3;

/// Reads a subscription keyword. Only a message that is nothing but the keyword (and, to
/// join, an area of one to three words and an optional language code) is one; anything else,
/// such as "stop the burning of houses in Yei", is left to be read as a report.
pub fn parse_subscription(body: &str) -> Option<Subscription> {
    let words: Vec<String> = body
        .split_whitespace()
        .map(|w| {
            w.trim_matches(|c: char| c.is_ascii_punctuation())
                .to_lowercase()
        })
        .filter(|w| !w.is_empty())
        .collect();
    let (first, rest) = words.split_first()?;
    if STOP_WORDS.contains(&first.as_str()) {
        return rest.is_empty().then_some(Subscription::Stop);
    }
    if !JOIN_WORDS.contains(&first.as_str()) {
        return None;
    }
    let (area_words, language) = match rest.split_last() {
        Some((last, before))
            if !before.is_empty()
                && last.len() == 2
                && last.chars().all(|c| c.is_ascii_lowercase()) =>
        {
            (before, Some(last.clone()))
        }
        _ => (rest, None),
    };
    if area_words.is_empty() || area_words.len() > MAX_AREA_WORDS {
        return None;
    }
    let area = area_words.join("-");
    if area.chars().count() > 40 || !area.chars().all(|c| c.is_alphanumeric() || c == '-') {
        return None;
    }
    Some(Subscription::Join { area, language })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscription_keywords_are_whole_messages_and_reports_stay_reports() {
        assert_eq!(
            parse_subscription("JOIN Yei"),
            Some(Subscription::Join {
                area: "yei".into(),
                language: None
            })
        );
        assert_eq!(
            parse_subscription("jiunge kakuma camp sw"),
            Some(Subscription::Join {
                area: "kakuma-camp".into(),
                language: Some("sw".into())
            })
        );
        assert_eq!(parse_subscription(" Stop. "), Some(Subscription::Stop));
        assert_eq!(parse_subscription("ARRÊT"), Some(Subscription::Stop));
        assert_eq!(
            parse_subscription("stop the burning of houses in Yei"),
            None
        );
        assert_eq!(parse_subscription("join"), None);
        assert_eq!(
            parse_subscription("join us at the market, armed men are coming"),
            None
        );
        assert_eq!(parse_subscription("TOC P: Yei; S: armed men"), None);
        assert_eq!(parse_subscription("armed men at the market"), None);
    }
    use time::macros::datetime;

    const RECEIVED: OffsetDateTime = datetime!(2024-05-01 09:30 UTC);

    fn parse(body: &str) -> SmsReport {
        parse_sms(body, RECEIVED)
    }

    #[test]
    fn reads_the_example_message() {
        let report =
            parse("TOC P: Kutupalong camp; S: armed men burning houses; N: 30; W: today 06:00");
        assert!(report.structured);
        assert_eq!(report.place.as_deref(), Some("Kutupalong camp"));
        assert_eq!(report.observed, "armed men burning houses");
        assert_eq!(report.count, Some(30));
        assert_eq!(report.observed_at, Some(datetime!(2024-05-01 06:00 UTC)));
        assert!(!report.observed_day_only);
        assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    }

    #[test]
    fn free_text_is_kept_whole() {
        let text = "  Soldiers came to the market in Bor this morning, many people ran  ";
        let report = parse(text);
        assert!(!report.structured);
        assert_eq!(report.observed, text.trim());
        assert_eq!(report.place, None);
        assert!(report.warnings.is_empty());
        // A prefix alone does not make a message structured, and the text stays unaltered.
        let report = parse("Alert: shooting near the school");
        assert!(!report.structured);
        assert_eq!(report.observed, "Alert: shooting near the school");
    }

    #[test]
    fn commas_inside_values_continue_the_field() {
        let report = parse("p: Block C, Kutupalong\nS: men, women and children fled\nN: 1,200");
        assert_eq!(report.place.as_deref(), Some("Block C, Kutupalong"));
        assert_eq!(report.observed, "men, women and children fled");
        assert_eq!(report.count, Some(1200));
    }

    #[test]
    fn french_and_swahili_and_arabic_keywords() {
        let french = parse("ALERTE lieu: Bangui, PK5 # vu: maisons brûlées # nombre: environ 40 # quand: hier 21h30");
        assert_eq!(french.place.as_deref(), Some("Bangui, PK5"));
        assert_eq!(french.observed, "maisons brûlées");
        assert_eq!(french.count, Some(40));
        assert_eq!(french.observed_at, Some(datetime!(2024-04-30 21:30 UTC)));

        let swahili =
            parse("TAHADHARI MAHALI: Beni; NIMEONA: watu wenye silaha; IDADI: kumi; LINI: jana");
        assert_eq!(swahili.place.as_deref(), Some("Beni"));
        assert_eq!(swahili.observed, "watu wenye silaha");
        assert_eq!(swahili.count, Some(10));
        assert_eq!(swahili.observed_at, Some(datetime!(2024-04-30 00:00 UTC)));
        assert!(swahili.observed_day_only);

        let arabic = parse("مكان: حلب، شاهدت: قصف على السوق، عدد: ١٢");
        assert_eq!(arabic.place.as_deref(), Some("حلب"));
        assert_eq!(arabic.observed, "قصف على السوق");
        assert_eq!(arabic.count, Some(12));
    }

    #[test]
    fn one_letter_keywords_without_colons() {
        let report = parse("toc p kutupalong # s armed men # n 30");
        assert!(report.structured);
        assert_eq!(report.place.as_deref(), Some("kutupalong"));
        assert_eq!(report.count, Some(30));
        let report = parse("P Kutupalong; S armed men");
        assert!(report.structured);
        // One space-separated letter in an ordinary sentence is not a field.
        let report = parse("N and S parts of the town were shelled");
        assert!(!report.structured);
        // Neither is an English word at the start of a clause.
        let report = parse("S: they left, when the soldiers came, at night");
        assert_eq!(
            report.observed,
            "they left, when the soldiers came, at night"
        );
    }

    #[test]
    fn text_outside_fields_is_part_of_what_was_seen() {
        let report = parse("TOC shooting at the market; P: Bor");
        assert_eq!(report.observed, "shooting at the market");
        assert_eq!(report.place.as_deref(), Some("Bor"));
        let report = parse("P: Bor; N: 3");
        assert_eq!(report.observed, "P: Bor; N: 3");
        assert!(report.warnings[0].starts_with("no S: field"));
    }

    #[test]
    fn times_resolve_against_the_receiving_time() {
        let at = |text: &str| parse_when(text, RECEIVED).ok().map(|w| (w.at, w.day_only));
        assert_eq!(at("06:00"), Some((datetime!(2024-05-01 06:00 UTC), false)));
        // A time later than the message is the day before.
        assert_eq!(at("23:15"), Some((datetime!(2024-04-30 23:15 UTC), false)));
        assert_eq!(
            at("yesterday 6pm"),
            Some((datetime!(2024-04-30 18:00 UTC), false))
        );
        assert_eq!(
            at("hier à 6 pm"),
            Some((datetime!(2024-04-30 18:00 UTC), false))
        );
        assert_eq!(
            at("avant-hier"),
            Some((datetime!(2024-04-29 00:00 UTC), true))
        );
        assert_eq!(
            at("2024-04-20 14:05"),
            Some((datetime!(2024-04-20 14:05 UTC), false))
        );
        assert_eq!(
            at("2024-04-20T14:05"),
            Some((datetime!(2024-04-20 14:05 UTC), false))
        );
        assert_eq!(
            at("2024-04-20T14:05:00+02:00"),
            Some((datetime!(2024-04-20 12:05 UTC), false))
        );
        assert_eq!(
            at("20/4/2024"),
            Some((datetime!(2024-04-20 00:00 UTC), true))
        );
        assert_eq!(
            at("2024/4/20"),
            Some((datetime!(2024-04-20 00:00 UTC), true))
        );
        assert_eq!(
            at("20.04.24 6h"),
            Some((datetime!(2024-04-20 06:00 UTC), false))
        );
        // Day and month without a year: the most recent such day.
        assert_eq!(at("20/12"), Some((datetime!(2023-12-20 00:00 UTC), true)));
        assert_eq!(at("now"), Some((RECEIVED, false)));
        assert_eq!(at("sasa"), Some((RECEIVED, false)));
        for bad in ["", "soon", "25:00", "31/02/2024", "6", "13pm"] {
            assert_eq!(at(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn times_at_the_ends_of_the_calendar_do_not_panic() {
        // Found by review: converting this to UTC would leave the supported range.
        let report = parse("S: x; W: 9999-12-31T23:59:59-12:00");
        assert_eq!(report.observed_at, None);
        let earliest = datetime!(-9999-01-01 00:30 UTC);
        let report = parse_sms("S: x; W: 23:00", earliest);
        assert_eq!(report.observed_at, None);
        let latest = datetime!(+9999-12-31 23:59 UTC);
        let report = parse_sms("S: x; W: yesterday 23:59", latest);
        assert!(report.observed_at.is_some());
    }

    #[test]
    fn times_keep_the_receiving_offset() {
        let received = datetime!(2024-05-01 09:30 +03:00);
        let report = parse_sms("S: shots; W: 08:00", received);
        assert_eq!(report.observed_at, Some(datetime!(2024-05-01 08:00 +03:00)));
    }

    #[test]
    fn unreadable_fields_become_warnings() {
        let report = parse("S: shots; W: last week; N: many; P: ");
        assert_eq!(report.observed, "shots");
        assert_eq!(report.observed_at, None);
        assert_eq!(report.count, None);
        assert_eq!(report.warnings.len(), 3, "{:?}", report.warnings);
        assert!(report.warnings[0].starts_with("P: is empty"));
        assert!(report.warnings[1].starts_with("W: \"last week\" is not a time"));
        assert!(report.warnings[2].starts_with("N: \"many\" has no number"));
        let future = parse("S: shots; W: 2024-06-01");
        assert_eq!(future.observed_at, None);
        assert!(future.warnings[0].contains("after the message was received"));
        let twice = parse("S: shots; P: Bor; P: Juba; N: 99999999999");
        assert_eq!(twice.place.as_deref(), Some("Bor"));
        assert!(
            twice.warnings[0].contains("\"Juba\" is not"),
            "{:?}",
            twice.warnings
        );
        assert!(
            twice.warnings[1].contains("too large"),
            "{:?}",
            twice.warnings
        );
        let partly = parse("S: shots; W: yesterday evening");
        assert_eq!(partly.observed_at, Some(datetime!(2024-04-30 00:00 UTC)));
        assert!(
            partly.warnings[0].contains("\"evening\""),
            "{:?}",
            partly.warnings
        );
    }

    #[test]
    fn counts_take_the_first_number() {
        for (text, expected) in [
            ("30", 30),
            ("about 30 men", 30),
            ("30+", 30),
            ("20-30", 20),
            ("1.000", 1000),
            ("1 500 displaced", 1500),
            ("12,5", 12),
            ("۳۰", 30),
            ("Deux", 2),
            ("tano", 5),
        ] {
            assert_eq!(parse_count(text), Ok(expected), "{text:?}");
        }
        assert!(parse_count("many").is_err());
    }

    #[test]
    fn an_empty_message_is_a_warning() {
        let report = parse(" \n ");
        assert!(!report.structured);
        assert_eq!(report.observed, "");
        assert_eq!(report.warnings, ["the message is empty"]);
    }

    #[test]
    fn the_syntax_document_lists_every_keyword() {
        let document = include_str!("../../../docs/sms-syntax.md").to_lowercase();
        let words = KEYWORDS
            .iter()
            .flat_map(|(_, words)| words.iter())
            .chain(PREFIXES)
            .chain(RELATIVE_DAYS.iter().map(|(word, _)| word))
            .chain(NOW);
        for word in words {
            assert!(
                document.contains(&format!("`{word}`")),
                "docs/sms-syntax.md does not list `{word}`"
            );
        }
    }

    proptest::proptest! {
        // Whatever a phone sends, reading it never panics.
        #[test]
        fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
            let _ = parse(&text);
        }

        #[test]
        fn keyword_soup_never_panics(parts in proptest::collection::vec(
            "(TOC|P|S|W|N|LIEU|IDADI|:|=|;|,|#|\n| |today|06:00|1/2|1,000|٣|h|pm|[a-z0-9]{1,4})", 0..30))
        {
            let report = parse(&parts.concat());
            proptest::prop_assert!(report.structured || report.place.is_none());
        }
    }
}
