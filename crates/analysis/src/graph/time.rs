//! Times on the command line and in exports: Unix seconds, UTC.

use super::{GraphError, Result};
use chrono::{DateTime, NaiveDate, NaiveDateTime};

/// Unix seconds as RFC 3339 UTC (`2023-04-04T12:00:00Z`); the number itself
/// when it is out of chrono's range.
pub fn rfc3339(t: i64) -> String {
    match DateTime::from_timestamp(t, 0) {
        Some(d) => d.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        None => t.to_string(),
    }
}

/// Unix seconds as `2023-04-04 12:00:00` (UTC), for people.
pub fn human(t: i64) -> String {
    match DateTime::from_timestamp(t, 0) {
        Some(d) => d.format("%Y-%m-%d %H:%M:%S").to_string(),
        None => t.to_string(),
    }
}

/// Parses a `--since` / `--until` bound into Unix seconds.
///
/// Accepted: `2023-04-04` (a day, UTC), `2023-04-04T12:00:00Z` or with an
/// offset (RFC 3339), `2023-04-04T12:00:00` or `2023-04-04 12:00` (UTC), and
/// plain Unix seconds. A bare day given as an upper bound (`end_of_day`)
/// means the end of that day, so `--until 2023-04-30` includes April 30.
pub fn parse_bound(s: &str, end_of_day: bool) -> Result<i64> {
    let s = s.trim();
    if let Ok(n) = s.parse::<i64>() {
        return Ok(n);
    }
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Ok(d.timestamp());
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(d) = NaiveDateTime::parse_from_str(s, fmt) {
            return Ok(d.and_utc().timestamp());
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        let start = d.and_hms_opt(0, 0, 0).map(|x| x.and_utc().timestamp());
        if let Some(start) = start {
            return Ok(if end_of_day { start + 86_400 } else { start });
        }
    }
    Err(GraphError::Invalid(format!(
        "cannot read the time {s:?}: use 2023-04-04, 2023-04-04T12:00:00Z or Unix seconds"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_680_609_600), "2023-04-04T12:00:00Z");
        assert_eq!(human(1_680_609_600), "2023-04-04 12:00:00");
        assert_eq!(rfc3339(i64::MAX), i64::MAX.to_string());
    }

    #[test]
    fn parses() {
        assert_eq!(parse_bound("2023-04-04", false).unwrap(), 1_680_566_400);
        assert_eq!(
            parse_bound("2023-04-04", true).unwrap(),
            1_680_566_400 + 86_400
        );
        assert_eq!(
            parse_bound("2023-04-04T12:00:00Z", true).unwrap(),
            1_680_609_600
        );
        assert_eq!(
            parse_bound("2023-04-04T15:00:00+03:00", false).unwrap(),
            1_680_609_600
        );
        assert_eq!(
            parse_bound("2023-04-04 12:00", false).unwrap(),
            1_680_609_600
        );
        assert_eq!(parse_bound("1680609600", false).unwrap(), 1_680_609_600);
        assert!(parse_bound("yesterday", false).is_err());
        assert!(parse_bound("2023-13-45", false).is_err());
    }
}
