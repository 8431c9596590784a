//! The figures of the response record: how long warnings took to be acknowledged and acted
//! on, per situation and per unit.

use std::collections::BTreeMap;

use serde::Serialize;
use time::OffsetDateTime;

/// One alert's times, as the store keeps them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertTimes {
    pub situation: String,
    /// The unit first warned; `None` when no unit was responsible.
    pub unit: Option<String>,
    /// When the first warning went out.
    pub warned_at: OffsetDateTime,
    pub acknowledged_at: Option<OffsetDateTime>,
    /// The first decision recorded on the alert.
    pub acted_at: Option<OffsetDateTime>,
    /// How many levels the alert climbed before it was acknowledged (or so far).
    pub escalations: u32,
}

/// Latency figures for one group of alerts. Times are in seconds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Latency {
    pub count: usize,
    pub median_seconds: Option<i64>,
    pub mean_seconds: Option<i64>,
    pub max_seconds: Option<i64>,
}

impl Latency {
    fn of(mut seconds: Vec<i64>) -> Latency {
        seconds.sort_unstable();
        let count = seconds.len();
        let median = match count {
            0 => None,
            n if n % 2 == 1 => Some(seconds[n / 2]),
            n => Some((seconds[n / 2 - 1] + seconds[n / 2]) / 2),
        };
        let total: i64 = seconds.iter().sum();
        Latency {
            count,
            median_seconds: median,
            mean_seconds: (count > 0).then(|| total / count as i64),
            max_seconds: seconds.last().copied(),
        }
    }
}

/// The figures for one situation or one unit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupStats {
    /// The situation id or the unit name.
    pub key: String,
    pub alerts: usize,
    pub escalated: usize,
    /// Warning to acknowledgement, over acknowledged alerts.
    pub to_acknowledgement: Latency,
    /// Warning to the first decision, over alerts with one.
    pub to_action: Latency,
    /// Alerts still unacknowledged.
    pub unacknowledged: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stats {
    pub by_situation: Vec<GroupStats>,
    pub by_unit: Vec<GroupStats>,
}

/// Groups `alerts` by situation and by unit (alerts no unit was responsible for count under
/// `(no unit)`).
pub fn summarise(alerts: &[AlertTimes]) -> Stats {
    let group = |key: &dyn Fn(&AlertTimes) -> String| {
        let mut groups: BTreeMap<String, Vec<&AlertTimes>> = BTreeMap::new();
        for alert in alerts {
            groups.entry(key(alert)).or_default().push(alert);
        }
        groups
            .into_iter()
            .map(|(key, members)| {
                let seconds = |at: Option<OffsetDateTime>, warned: OffsetDateTime| {
                    at.map(|at| (at - warned).whole_seconds().max(0))
                };
                GroupStats {
                    key,
                    alerts: members.len(),
                    escalated: members.iter().filter(|a| a.escalations > 0).count(),
                    to_acknowledgement: Latency::of(
                        members
                            .iter()
                            .filter_map(|a| seconds(a.acknowledged_at, a.warned_at))
                            .collect(),
                    ),
                    to_action: Latency::of(
                        members
                            .iter()
                            .filter_map(|a| seconds(a.acted_at, a.warned_at))
                            .collect(),
                    ),
                    unacknowledged: members
                        .iter()
                        .filter(|a| a.acknowledged_at.is_none())
                        .count(),
                }
            })
            .collect()
    };
    Stats {
        by_situation: group(&|a| a.situation.clone()),
        by_unit: group(&|a| a.unit.clone().unwrap_or_else(|| "(no unit)".to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;
    use time::Duration;

    #[test]
    fn latencies_are_grouped_and_ignore_what_has_not_happened() {
        let at = datetime!(2026-11-21 12:00 UTC);
        let times = |situation: &str, unit: &str, ack: Option<i64>, act: Option<i64>| AlertTimes {
            situation: situation.into(),
            unit: Some(unit.into()),
            warned_at: at,
            acknowledged_at: ack.map(|m| at + Duration::minutes(m)),
            acted_at: act.map(|m| at + Duration::minutes(m)),
            escalations: u32::from(ack.is_some_and(|m| m > 60)),
        };
        let stats = summarise(&[
            times("SSD", "desk", Some(30), Some(90)),
            times("SSD", "desk", Some(150), None),
            times("MLI", "desk", None, None),
        ]);
        let ssd = &stats.by_situation[1];
        assert_eq!((ssd.key.as_str(), ssd.alerts, ssd.escalated), ("SSD", 2, 1));
        assert_eq!(ssd.to_acknowledgement.median_seconds, Some(90 * 60));
        assert_eq!(ssd.to_acknowledgement.max_seconds, Some(150 * 60));
        assert_eq!(ssd.to_action.count, 1);
        assert_eq!(ssd.to_action.mean_seconds, Some(90 * 60));
        let desk = &stats.by_unit[0];
        assert_eq!((desk.alerts, desk.unacknowledged), (3, 1));
        assert_eq!(
            stats.by_situation[0].to_acknowledgement.median_seconds,
            None
        );
    }
}
