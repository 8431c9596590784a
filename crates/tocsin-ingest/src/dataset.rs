//! Conflict events from public datasets (UCDP GED, ACLED) in one shape, and the CSV reading
//! both parsers share.
//!
//! Like the EWP parser, a dataset file is checked whole: a file with any problem is refused with
//! every problem located by line and column, so an import never leaves half a dataset behind.
//! Events can be handed on as their rows are read ([`DatasetStream`]), so that an import stores
//! them while the rest of the file is read; what was handed on counts only if the whole file
//! reads without a problem. The per-dataset mapping lives in `ucdp.rs` and
//! `acled.rs`; this module holds the row accessors that turn a bad field into a located problem.

use rustc_hash::{FxHashMap, FxHashSet};

use serde::Serialize;
use time::{Date, Month};
use tocsin_domain::SituationId;

use crate::problem::Problems;
use crate::{sha256_hex, IngestError};

/// One event from a dataset, in the shape Tocsin imports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DatasetEvent {
    /// Which dataset: `"ucdp-ged"` or `"acled"`.
    pub dataset: &'static str,
    /// The event's id in its dataset (UCDP `id`, ACLED `event_id_cnty`), stable across editions:
    /// with `dataset`, the key that makes a second import of the same file add nothing.
    pub event_id: String,
    /// The country the event happened in.
    pub situation: SituationId,
    /// The most precise place name the dataset gives (a village, a town).
    pub place_name: String,
    /// First-level administrative division (a governorate, a province), if given.
    pub admin1: Option<String>,
    /// Second-level administrative division (a district), if given.
    pub admin2: Option<String>,
    /// Latitude and longitude in WGS 84 decimal degrees.
    pub point: Option<(f64, f64)>,
    pub date_start: Date,
    /// Equal to `date_start` for single-day events.
    pub date_end: Date,
    /// The dataset's own classification ("one-sided violence", "Battles").
    pub event_type: String,
    /// Named actors, most prominent first, without repeats.
    pub actors: Vec<String>,
    /// Best estimate of deaths, when the dataset gives one.
    pub fatalities: Option<u32>,
    /// Whether civilians were the deliberate target.
    pub civilian_targeting: bool,
    /// Civilians among the dead, where the dataset counts them apart (UCDP does, in every kind
    /// of violence; ACLED does not).
    pub civilian_deaths: Option<u32>,
    /// What happened, in words: a headline or narrative notes.
    pub text: String,
    /// Where the dataset says it got the event from (a news outlet, an article).
    pub source_ref: String,
}

/// A parsed dataset file.
#[derive(Debug, Clone)]
pub struct DatasetFile {
    /// `"ucdp-ged"` or `"acled"`.
    pub dataset: &'static str,
    /// Hex SHA-256 of the file's bytes: identifies the edition imported.
    pub sha256: String,
    pub events: Vec<DatasetEvent>,
}

/// What a dataset parser needs to say about its file format.
pub(crate) struct Format {
    pub dataset: &'static str,
    /// How a person would recognise the file, for the message when its header is wrong.
    pub description: &'static str,
    pub required_columns: &'static [&'static str],
    /// The column holding the event id, checked for repeats.
    pub id_column: &'static str,
}

/// What a dataset file held, once all of it was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetSummary {
    /// `"ucdp-ged"` or `"acled"`.
    pub dataset: &'static str,
    /// Hex SHA-256 of the file's bytes: identifies the edition imported.
    pub sha256: String,
    /// How many events were handed on.
    pub events: usize,
}

/// A dataset parser that hands every event to `emit` as soon as its row is read (see
/// [`crate::stream_ucdp_ged`], [`crate::stream_acled`]). An `Err` means the file is refused:
/// the events already handed on must be discarded.
pub type DatasetStream =
    fn(&str, &[u8], &mut dyn FnMut(DatasetEvent)) -> Result<DatasetSummary, IngestError>;

/// Reads every event of a dataset file with `convert`, refusing the file if any row has a
/// problem or two rows share an event id.
pub(crate) fn read_events(
    file: &str,
    bytes: &[u8],
    format: &Format,
    convert: impl FnMut(&mut Row<'_>) -> Option<DatasetEvent>,
) -> Result<DatasetFile, IngestError> {
    // One event per line at most (notes may span lines): reserving avoids copying a growing
    // vector of large events several times over.
    let mut events = Vec::with_capacity(line_count(bytes));
    let summary = stream_events(file, bytes, format, convert, &mut |event| {
        events.push(event)
    })?;
    Ok(DatasetFile {
        dataset: summary.dataset,
        sha256: summary.sha256,
        events,
    })
}

/// Reads every event of a dataset file with `convert`, handing each to `emit` as it is read,
/// and refusing the file if any row has a problem or two rows share an event id.
pub(crate) fn stream_events(
    file: &str,
    bytes: &[u8],
    format: &Format,
    mut convert: impl FnMut(&mut Row<'_>) -> Option<DatasetEvent>,
    emit: &mut dyn FnMut(DatasetEvent),
) -> Result<DatasetSummary, IngestError> {
    // Not sized from the file's line count: counting them first would hold back the first
    // event by milliseconds, and the set is cheap to grow.
    let mut seen_ids = FxHashSet::default();
    // The file's digest is worked out on another core while its rows are read.
    let (sha256, events) = std::thread::scope(|scope| {
        let digest = scope.spawn(|| sha256_hex(bytes));
        let events = stream_rows(
            file,
            bytes,
            format.description,
            format.required_columns,
            |row| {
                let event = convert(row).filter(|_| !row.failed)?;
                // Repeated ids would make the second row silently replace the first on import.
                if !seen_ids.insert(event.event_id.clone()) {
                    let message = format!(
                        "event id {} appears a second time; each event must have its own id",
                        event.event_id
                    );
                    row.problem(format.id_column, message);
                    return None;
                }
                Some(event)
            },
            emit,
        );
        let sha256 = digest.join().unwrap_or_else(|_| sha256_hex(bytes));
        (sha256, events)
    });
    Ok(DatasetSummary {
        dataset: format.dataset,
        sha256,
        events: events?,
    })
}

/// At most how many rows a CSV file holds: one per line (notes may span lines).
fn line_count(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b == b'\n').count()
}

/// Reads every row of a CSV file with `convert`, refusing the file if any row has a problem.
/// `description` says how a person would recognise the file, for the message when its header
/// lacks one of `required_columns`.
pub(crate) fn read_rows<T>(
    file: &str,
    bytes: &[u8],
    description: &str,
    required_columns: &[&str],
    convert: impl FnMut(&mut Row<'_>) -> Option<T>,
) -> Result<Vec<T>, IngestError> {
    // Reserving avoids copying a growing vector of large rows several times over.
    let mut rows = Vec::with_capacity(line_count(bytes));
    stream_rows(
        file,
        bytes,
        description,
        required_columns,
        convert,
        &mut |row| rows.push(row),
    )?;
    Ok(rows)
}

/// Reads every row of a CSV file with `convert`, handing each converted row to `emit` as it is
/// read, and refusing the file if any row has a problem; returns how many rows were handed on.
fn stream_rows<T>(
    file: &str,
    bytes: &[u8],
    description: &str,
    required_columns: &[&str],
    mut convert: impl FnMut(&mut Row<'_>) -> Option<T>,
    emit: &mut dyn FnMut(T),
) -> Result<usize, IngestError> {
    let mut problems = Problems::default();
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true) // field counts are checked here, with a message that names the line
        .from_reader(bytes);
    let headers = match reader.headers() {
        Ok(headers) => headers.clone(),
        Err(error) => {
            problems.push(1, None, format!("cannot read the header line: {error}"));
            return Err(problems.into_error(file));
        }
    };
    let columns = Columns::new(&headers);
    let missing: Vec<&str> = required_columns
        .iter()
        .copied()
        .filter(|name| columns.index(name).is_none())
        .collect();
    if !missing.is_empty() {
        problems.push(
            1,
            None,
            format!(
                "the header lacks required column{} {}; is this {}?",
                if missing.len() == 1 { "" } else { "s" },
                missing.join(", "),
                description
            ),
        );
        return Err(problems.into_error(file));
    }

    let mut rows = 0;
    let mut lines = LineCounter::new(bytes);
    let mut record = csv::StringRecord::new();
    loop {
        let before = reader.position().byte();
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(error) => {
                let at = error.position().map_or(before, csv::Position::byte);
                problems.push(lines.line_at(at), None, format!("unreadable CSV: {error}"));
                break;
            }
        }
        let line = lines.line_at(record.position().map_or(before, csv::Position::byte));
        if record.len() != headers.len() {
            problems.push(
                line,
                None,
                format!(
                    "expected {} fields but found {} (a truncated or damaged line)",
                    headers.len(),
                    record.len()
                ),
            );
            continue;
        }
        let mut row = Row {
            record: &record,
            columns: &columns,
            line,
            problems: &mut problems,
            failed: false,
        };
        let converted = convert(&mut row);
        if row.failed {
            continue;
        }
        if let Some(converted) = converted {
            // Once a row had a problem the file is refused: the rest are only checked.
            if problems.is_empty() {
                emit(converted);
            }
            rows += 1;
        }
    }
    if rows == 0 && problems.is_empty() {
        problems.push(2, None, "the file has a header but no rows");
    }
    if !problems.is_empty() {
        return Err(problems.into_error(file));
    }
    Ok(rows)
}

/// Line numbers from byte offsets, counted once through the file as records advance.
///
/// The csv crate's own line numbers are one short after a CRLF line end (it places a record's
/// start on the `\n` before it), and UCDP and ACLED both ship CRLF files; counting here keeps
/// problem locations right for either line ending.
struct LineCounter<'b> {
    bytes: &'b [u8],
    counted_to: usize,
    newlines: u64,
}

impl<'b> LineCounter<'b> {
    fn new(bytes: &'b [u8]) -> Self {
        LineCounter {
            bytes,
            counted_to: 0,
            newlines: 0,
        }
    }

    /// The 1-based line of the first character at or after `offset` that ends no line.
    fn line_at(&mut self, offset: u64) -> u64 {
        let mut target = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(self.bytes.len());
        while target < self.bytes.len() && matches!(self.bytes[target], b'\r' | b'\n') {
            target += 1;
        }
        // Offsets only move forward in a well-formed read; a step back is counted afresh.
        if target < self.counted_to {
            self.counted_to = 0;
            self.newlines = 0;
        }
        let newlines = self.bytes[self.counted_to..target]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        self.newlines += newlines as u64;
        self.counted_to = target;
        self.newlines + 1
    }
}

/// Column positions by header name. Looked up ~20 times per row, so with a fast hash: SipHash
/// or a binary search of the names cost more than reading the row.
pub(crate) struct Columns<'h> {
    position: FxHashMap<&'h str, usize>,
}

impl<'h> Columns<'h> {
    fn new(headers: &'h csv::StringRecord) -> Self {
        let mut position = FxHashMap::default();
        for (index, name) in headers.iter().enumerate() {
            // The first of two same-named columns wins, as in most CSV tools.
            position.entry(name.trim()).or_insert(index);
        }
        Columns { position }
    }

    fn index(&self, name: &str) -> Option<usize> {
        self.position.get(name).copied()
    }

    /// 1-based column number and name, for a problem.
    fn at<'n>(&self, name: &'n str) -> Option<(usize, &'n str)> {
        self.index(name).map(|index| (index + 1, name))
    }
}

/// One data row being converted: typed accessors that record a located problem on failure.
pub(crate) struct Row<'a> {
    record: &'a csv::StringRecord,
    columns: &'a Columns<'a>,
    line: u64,
    problems: &'a mut Problems,
    failed: bool,
}

impl<'a> Row<'a> {
    /// Records a problem in `column` and marks the row as failed.
    pub(crate) fn problem(&mut self, column: &str, message: impl Into<String>) {
        self.failed = true;
        let at = self.columns.at(column);
        self.problems.push(self.line, at, message);
    }

    /// The trimmed field, or "" when the column is absent (optional columns).
    pub(crate) fn text(&self, column: &str) -> &'a str {
        self.columns
            .index(column)
            .and_then(|index| self.record.get(index))
            .map_or("", str::trim)
    }

    /// The trimmed field, or `None` when empty or absent.
    pub(crate) fn optional_text(&self, column: &str) -> Option<String> {
        Some(self.text(column))
            .filter(|text| !text.is_empty())
            .map(str::to_string)
    }

    /// A field that must not be empty.
    pub(crate) fn required_text(&mut self, column: &str) -> Option<String> {
        let text = self.optional_text(column);
        if text.is_none() {
            self.problem(column, "empty; every row needs a value here");
        }
        text
    }

    /// A whole number, tolerating a `.0` that spreadsheets add. Empty is `None`.
    pub(crate) fn optional_count(&mut self, column: &str) -> Result<Option<u32>, ()> {
        let text = self.text(column);
        if text.is_empty() || text == "NA" {
            return Ok(None);
        }
        match parse_whole_number(text) {
            Some(number) => Ok(Some(number)),
            None => {
                let message = format!("{text:?} is not a whole number of zero or more");
                self.problem(column, message);
                Err(())
            }
        }
    }

    /// A calendar date: `2016-01-01`, `2016-01-01 00:00:00.000` or `23 February 2022`.
    pub(crate) fn date(&mut self, column: &str) -> Option<Date> {
        let text = self.text(column);
        match parse_date(text) {
            Some(date) => Some(date),
            None => {
                let message = format!("{text:?} is not a date; write it as YYYY-MM-DD");
                self.problem(column, message);
                None
            }
        }
    }

    /// A point from two coordinate columns: both empty is no point, both valid is a point,
    /// anything else is a problem.
    pub(crate) fn point(
        &mut self,
        latitude_column: &str,
        longitude_column: &str,
    ) -> Result<Option<(f64, f64)>, ()> {
        let latitude = self.text(latitude_column);
        let longitude = self.text(longitude_column);
        if latitude.is_empty() && longitude.is_empty() {
            return Ok(None);
        }
        let coordinate = |row: &mut Self, column: &str, text: &str, limit: f64| match text
            .parse::<f64>()
        {
            Ok(value) if value.is_finite() && value.abs() <= limit => Some(value),
            _ => {
                let message = format!(
                        "{text:?} is not a coordinate; give decimal degrees between -{limit} and {limit}"
                    );
                row.problem(column, message);
                None
            }
        };
        let latitude = coordinate(self, latitude_column, latitude, 90.0);
        let longitude = coordinate(self, longitude_column, longitude, 180.0);
        match (latitude, longitude) {
            (Some(latitude), Some(longitude)) => Ok(Some((latitude, longitude))),
            _ => Err(()),
        }
    }
}

/// `42`, `42.0` (as written by spreadsheets and R), never negative or fractional.
fn parse_whole_number(text: &str) -> Option<u32> {
    let digits = text
        .strip_suffix(".0")
        .or_else(|| text.strip_suffix(".00"))
        .unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Dates as the datasets write them. ACLED's older exports spell the month out.
pub(crate) fn parse_date(text: &str) -> Option<Date> {
    let text = text.trim();
    // `2016-01-01`, possibly followed by a time of day that the datasets always leave at zero.
    if let Some(day) = text.get(..10) {
        let rest = &text[10..];
        if rest.is_empty() || rest.starts_with(' ') || rest.starts_with('T') {
            if let Some(date) = parse_iso_date(day) {
                return Some(date);
            }
        }
    }
    // `23 February 2022`
    let mut parts = text.split_whitespace();
    let (day, month, year) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let month = month_by_name(month)?;
    Date::from_calendar_date(year.parse().ok()?, month, day.parse().ok()?).ok()
}

/// `YYYY-MM-DD` exactly.
pub(crate) fn parse_iso_date(text: &str) -> Option<Date> {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<u16> {
        let part = text.get(range)?;
        if part.bytes().all(|b| b.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    let month = Month::try_from(u8::try_from(number(5..7)?).ok()?).ok()?;
    let day = u8::try_from(number(8..10)?).ok()?;
    Date::from_calendar_date(i32::from(number(0..4)?), month, day).ok()
}

/// English month names and their three-letter abbreviations, any case.
fn month_by_name(name: &str) -> Option<Month> {
    const MONTHS: [Month; 12] = [
        Month::January,
        Month::February,
        Month::March,
        Month::April,
        Month::May,
        Month::June,
        Month::July,
        Month::August,
        Month::September,
        Month::October,
        Month::November,
        Month::December,
    ];
    let lower = name.to_ascii_lowercase();
    MONTHS.into_iter().find(|month| {
        let full = month.to_string().to_ascii_lowercase();
        lower == full || (lower.len() == 3 && full.starts_with(&lower))
    })
}

/// Adds `name` to `actors` unless it is empty or already there.
pub(crate) fn add_actor(actors: &mut Vec<String>, name: &str) {
    let name = name.trim();
    if !name.is_empty() && !actors.iter().any(|known| known == name) {
        actors.push(name.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn dates_in_the_shapes_datasets_use() {
        assert_eq!(parse_date("2016-01-01"), Some(date!(2016 - 01 - 01)));
        assert_eq!(
            parse_date("2016-01-31 00:00:00.000"),
            Some(date!(2016 - 01 - 31))
        );
        assert_eq!(parse_date("23 February 2022"), Some(date!(2022 - 02 - 23)));
        assert_eq!(parse_date("3 feb 2022"), Some(date!(2022 - 02 - 03)));
        for bad in [
            "",
            "2016-02-30",
            "2016-1-1",
            "20160101",
            "23 Febr 2022",
            "+016-01-01",
        ] {
            assert_eq!(parse_date(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn lines_are_counted_right_after_either_line_end() {
        for text in [
            "a,b\r\n1,2\r\n3,x\r\n",
            "a,b\n1,2\n3,x\n",
            "a,b\n\n1,2\r\n\n3,x",
        ] {
            let mut reader = csv::Reader::from_reader(text.as_bytes());
            let mut lines = LineCounter::new(text.as_bytes());
            let found: Vec<u64> = reader
                .records()
                .map(|record| lines.line_at(record.unwrap().position().unwrap().byte()))
                .collect();
            let expected: Vec<u64> = text
                .split('\n')
                .enumerate()
                .filter(|(_, line)| line.starts_with(['1', '3']))
                .map(|(index, _)| index as u64 + 1)
                .collect();
            assert_eq!(found, expected, "{text:?}");
        }
    }

    #[test]
    fn whole_numbers_tolerate_a_spreadsheet_decimal() {
        assert_eq!(parse_whole_number("42"), Some(42));
        assert_eq!(parse_whole_number("42.0"), Some(42));
        for bad in ["-1", "4.5", "", ".0", "1e3", "99999999999"] {
            assert_eq!(parse_whole_number(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn actors_are_kept_once_in_order() {
        let mut actors = Vec::new();
        for name in ["A", " B ", "", "A", "C"] {
            add_actor(&mut actors, name);
        }
        assert_eq!(actors, ["A", "B", "C"]);
    }
}
