//! Timestamp parsing for every format, always to Unix seconds UTC.

use chrono::{DateTime, NaiveDate, NaiveDateTime};

/// RFC 3339 / ISO 8601 with an offset or `Z` (`2021-09-22T16:38:58.000Z`).
pub fn rfc3339(s: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(s.trim())
        .ok()
        .map(|d| d.timestamp())
}

/// Twitter v1.1 `created_at`: `Wed Oct 10 20:19:24 +0000 2018`.
pub fn twitter_v1(s: &str) -> Option<i64> {
    DateTime::parse_from_str(s.trim(), "%a %b %d %H:%M:%S %z %Y")
        .ok()
        .map(|d| d.timestamp())
}

/// The Unix time (milliseconds) encoded in an X snowflake id, if it is one.
pub fn snowflake_ms(id: u64) -> Option<i64> {
    if id < (1u64 << 32) {
        return None;
    }
    Some((id >> 22) as i64 + 1_288_834_974_657)
}

/// Offsets (seconds east of UTC) for the zone abbreviations seen in
/// CrowdTangle and other US-made exports.
fn zone_abbrev(z: &str) -> Option<i32> {
    Some(match z {
        "UTC" | "GMT" | "Z" => 0,
        "EST" => -5 * 3600,
        "EDT" => -4 * 3600,
        "CST" => -6 * 3600,
        "CDT" => -5 * 3600,
        "MST" => -7 * 3600,
        "MDT" => -6 * 3600,
        "PST" => -8 * 3600,
        "PDT" => -7 * 3600,
        "CET" => 3600,
        "CEST" => 2 * 3600,
        "IST" => 2 * 3600, // Israel Standard Time, the zone our users most likely mean
        "IDT" => 3 * 3600,
        _ => return None,
    })
}

/// Parses the many shapes a CSV time column takes: RFC 3339, twitter v1.1,
/// `YYYY-MM-DD HH:MM:SS[.fff]` (UTC unless a zone abbreviation follows),
/// `YYYY-MM-DD`, or a Unix timestamp in seconds (integer or float, or
/// milliseconds when it has 13 digits).
pub fn flexible(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if let Some(t) = rfc3339(s) {
        return Some(t);
    }
    if let Ok(f) = s.parse::<f64>() {
        if !f.is_finite() {
            return None;
        }
        let f = if f.abs() >= 1e12 { f / 1000.0 } else { f };
        return Some(f.floor() as i64);
    }
    if let Some(t) = twitter_v1(s) {
        return Some(t);
    }
    let (body, off) = match s.rsplit_once(' ') {
        Some((b, z)) if zone_abbrev(z).is_some() => (b, zone_abbrev(z).unwrap_or(0)),
        _ => (s, 0),
    };
    for fmt in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%d.%m.%Y %H:%M:%S",
        "%m/%d/%Y %H:%M:%S",
        "%m/%d/%Y %H:%M",
    ] {
        if let Ok(n) = NaiveDateTime::parse_from_str(body, fmt) {
            return Some(n.and_utc().timestamp() - off as i64);
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(body, "%Y-%m-%d") {
        return d
            .and_hms_opt(0, 0, 0)
            .map(|n| n.and_utc().timestamp() - off as i64);
    }
    None
}

/// Formats Unix seconds as RFC 3339 UTC (`2023-04-04T10:00:00Z`).
pub fn format_utc(t: i64) -> String {
    DateTime::from_timestamp(t, 0)
        .map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        assert_eq!(rfc3339("2021-09-22T16:38:58.000Z"), Some(1632328738));
        assert_eq!(
            twitter_v1("Wed Oct 10 20:19:24 +0000 2018"),
            Some(1539202764)
        );
        assert_eq!(flexible("2023-11-13 04:30:36 EST"), Some(1699867836));
        assert_eq!(flexible("2023-11-13 04:30:36"), Some(1699849836));
        assert_eq!(flexible("1699849836.5"), Some(1699849836));
        assert_eq!(flexible("1699849836000"), Some(1699849836));
        assert_eq!(flexible("nonsense"), None);
        assert_eq!(flexible("NaN"), None);
        assert_eq!(format_utc(1539202764), "2018-10-10T20:19:24Z");
    }

    #[test]
    fn snowflake() {
        // 1170025343920402432 was created 2019-09-06T17:25:54.667Z.
        assert_eq!(snowflake_ms(1170025343920402432), Some(1567790754667));
        assert_eq!(snowflake_ms(20), None);
    }
}
