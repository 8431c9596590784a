//! Durations as people write them in configuration: `90m`, `2h`, `7d`, `30s`.

use time::Duration;

/// Parses `<number><unit>` with unit `s`, `m`, `h` or `d`; the number is a positive integer.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let unit = text.chars().last()?;
    let number: i64 = text[..text.len() - unit.len_utf8()].parse().ok()?;
    if number <= 0 {
        return None;
    }
    match unit {
        's' => Some(Duration::seconds(number)),
        'm' => Some(Duration::minutes(number)),
        'h' => Some(Duration::hours(number)),
        'd' => Some(Duration::days(number)),
        _ => None,
    }
}

/// The shortest exact form: `2h`, `90m`, `7d`, `45s`.
pub fn format_duration(duration: Duration) -> String {
    let seconds = duration.whole_seconds();
    if seconds != 0 && seconds % 86_400 == 0 {
        format!("{}d", seconds / 86_400)
    } else if seconds != 0 && seconds % 3_600 == 0 {
        format!("{}h", seconds / 3_600)
    } else if seconds != 0 && seconds % 60 == 0 {
        format!("{}m", seconds / 60)
    } else {
        format!("{seconds}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_round_trip_in_their_shortest_form() {
        for text in ["30s", "90m", "2h", "7d"] {
            assert_eq!(format_duration(parse_duration(text).unwrap()), text);
        }
        assert_eq!(parse_duration("120m"), Some(Duration::hours(2)));
        for bad in ["", "h", "0h", "-1h", "2w", "1.5h"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }
}
