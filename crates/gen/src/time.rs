//! Calendar arithmetic, the date formats of each platform, and the activity
//! timeline (diurnal rhythm plus a few news events) that maps a post's rank
//! to its timestamp.

use crate::rng::{Rng, key};
use serde::{Serialize, Serializer};
use std::fmt;

/// Offset of the region's local time (UTC+3) in seconds.
pub(crate) const LOCAL_OFFSET: i64 = 3 * 3600;

/// A short string kept on the stack (dates, numbers).
#[derive(Clone, Copy)]
pub(crate) struct Fixed {
    buf: [u8; 40],
    len: u8,
}

impl Fixed {
    pub(crate) fn new() -> Self {
        Fixed {
            buf: [0; 40],
            len: 0,
        }
    }

    pub(crate) fn push_bytes(&mut self, b: &[u8]) {
        let l = self.len as usize;
        self.buf[l..l + b.len()].copy_from_slice(b);
        self.len += b.len() as u8;
    }

    /// Appends `v` zero-padded to `width` digits.
    pub(crate) fn push_num(&mut self, v: u64, width: usize) {
        let mut tmp = [0u8; 20];
        let mut i = tmp.len();
        let mut v = v;
        loop {
            i -= 1;
            tmp[i] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        let digits = tmp.len() - i;
        for _ in digits..width {
            self.push_bytes(b"0");
        }
        self.push_bytes(&tmp[i..]);
    }

    pub(crate) fn as_str(&self) -> &str {
        // Only ASCII is ever pushed.
        std::str::from_utf8(&self.buf[..self.len as usize]).unwrap_or("")
    }
}

impl fmt::Display for Fixed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Fixed {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// A `u64` that serializes as a JSON string of decimal digits.
#[derive(Clone, Copy)]
pub(crate) struct IdStr(pub u64);

impl Serialize for IdStr {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut f = Fixed::new();
        f.push_num(self.0, 1);
        s.serialize_str(f.as_str())
    }
}

/// Broken-down UTC (or shifted) time.
pub(crate) struct Civil {
    pub y: i64,
    pub mo: u32,
    pub d: u32,
    pub h: u32,
    pub mi: u32,
    pub s: u32,
    /// 0 = Sunday.
    pub wd: u32,
}

/// Splits Unix seconds into calendar fields (proleptic Gregorian).
pub(crate) fn civil(t: i64) -> Civil {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400) as u32;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let mo = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(mo <= 2);
    Civil {
        y,
        mo,
        d,
        h: secs / 3600,
        mi: secs / 60 % 60,
        s: secs % 60,
        wd: (days + 4).rem_euclid(7) as u32,
    }
}

fn push_ymd_hms(f: &mut Fixed, c: &Civil, sep: &[u8]) {
    f.push_num(c.y as u64, 4);
    f.push_bytes(b"-");
    f.push_num(c.mo as u64, 2);
    f.push_bytes(b"-");
    f.push_num(c.d as u64, 2);
    f.push_bytes(sep);
    f.push_num(c.h as u64, 2);
    f.push_bytes(b":");
    f.push_num(c.mi as u64, 2);
    f.push_bytes(b":");
    f.push_num(c.s as u64, 2);
}

/// `2023-10-01T12:34:56.000Z` (X API v2; milliseconds are always zero there).
pub(crate) fn rfc3339_z(t_ms: i64) -> Fixed {
    let mut f = Fixed::new();
    push_ymd_hms(&mut f, &civil(t_ms.div_euclid(1000)), b"T");
    f.push_bytes(b".000Z");
    f
}

/// `2023-10-01T12:34:56+00:00` (Python's `isoformat()`, used by twarc).
pub(crate) fn iso_utc_offset(t: i64) -> Fixed {
    let mut f = Fixed::new();
    push_ymd_hms(&mut f, &civil(t), b"T");
    f.push_bytes(b"+00:00");
    f
}

/// `Wed Oct 10 20:19:24 +0000 2018` (X API v1.1).
pub(crate) fn v1_date(t: i64) -> Fixed {
    const WD: [&[u8]; 7] = [b"Sun", b"Mon", b"Tue", b"Wed", b"Thu", b"Fri", b"Sat"];
    const MO: [&[u8]; 12] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
        b"Dec",
    ];
    let c = civil(t);
    let mut f = Fixed::new();
    f.push_bytes(WD[c.wd as usize]);
    f.push_bytes(b" ");
    f.push_bytes(MO[c.mo as usize - 1]);
    f.push_bytes(b" ");
    f.push_num(c.d as u64, 2);
    f.push_bytes(b" ");
    f.push_num(c.h as u64, 2);
    f.push_bytes(b":");
    f.push_num(c.mi as u64, 2);
    f.push_bytes(b":");
    f.push_num(c.s as u64, 2);
    f.push_bytes(b" +0000 ");
    f.push_num(c.y as u64, 4);
    f
}

/// `2023-10-01T15:34:56`: Telegram Desktop writes the exporting machine's
/// local time; we export from a machine on UTC+3.
pub(crate) fn telegram_local(t: i64) -> Fixed {
    let mut f = Fixed::new();
    push_ymd_hms(&mut f, &civil(t + LOCAL_OFFSET), b"T");
    f
}

/// `01-10-2023_15-34-56` (local time), as in Telegram's media file names.
pub(crate) fn telegram_file_stamp(t: i64) -> Fixed {
    let c = civil(t + LOCAL_OFFSET);
    let mut f = Fixed::new();
    f.push_num(c.d as u64, 2);
    f.push_bytes(b"-");
    f.push_num(c.mo as u64, 2);
    f.push_bytes(b"-");
    f.push_num(c.y as u64, 4);
    f.push_bytes(b"_");
    f.push_num(c.h as u64, 2);
    f.push_bytes(b"-");
    f.push_num(c.mi as u64, 2);
    f.push_bytes(b"-");
    f.push_num(c.s as u64, 2);
    f
}

/// Relative posting intensity by local hour (UTC+3): quiet at night, busy
/// from 08:00 to 23:00 with an evening peak.
const DIURNAL: [f64; 24] = [
    0.30, 0.20, 0.14, 0.10, 0.10, 0.14, 0.28, 0.55, 0.90, 1.00, 1.05, 1.10, 1.10, 1.05, 1.00, 1.00,
    1.05, 1.12, 1.22, 1.32, 1.42, 1.45, 1.30, 0.95,
];

/// The intensity of activity over the window, hour by hour, and its inverse
/// CDF: rank `u` in `[0, 1)` maps to a millisecond timestamp, monotonically.
pub(crate) struct Timeline {
    start_ms: i64,
    /// Cumulative weight at the start of each hour; `cum[hours]` is the total.
    cum: Vec<f64>,
    /// The news events: (hour from the start, magnitude, decay in hours).
    news: Vec<(usize, f64, f64)>,
}

impl Timeline {
    /// Builds the timeline of `days` days from `start` (Unix seconds), with
    /// news events placed deterministically from `seed`.
    pub(crate) fn new(seed: u64, start: i64, days: u32) -> Self {
        let hours = (days.max(1) as usize) * 24;
        let mut w = vec![0.0f64; hours];
        let start_hour = start.div_euclid(3600);
        for (h, wh) in w.iter_mut().enumerate() {
            let local = (start_hour + h as i64 + LOCAL_OFFSET / 3600).rem_euclid(24) as usize;
            *wh = DIURNAL[local];
        }
        // News events: a sudden surge that decays over a few hours.
        let mut rng = Rng::new(key(seed, 0x7157, 0, 0));
        let events = 1 + days.max(1) as usize / 4;
        let mut news = Vec::with_capacity(events);
        for _ in 0..events {
            let at = rng.index(hours);
            let magnitude = 1.5 + 3.0 * rng.f64();
            let decay = 2.0 + 6.0 * rng.f64();
            for (k, wh) in w.iter_mut().skip(at).take(48).enumerate() {
                *wh *= 1.0 + magnitude * (-(k as f64) / decay).exp();
            }
            news.push((at, magnitude, decay));
        }
        let mut cum = Vec::with_capacity(hours + 1);
        let mut acc = 0.0;
        cum.push(0.0);
        for x in &w {
            acc += x;
            cum.push(acc);
        }
        Timeline {
            start_ms: start * 1000,
            cum,
            news,
        }
    }

    /// The news events, in the order they were drawn.
    pub(crate) fn news_events(&self) -> Vec<crate::NewsEvent> {
        self.news
            .iter()
            .map(|&(at, magnitude, decay)| crate::NewsEvent {
                start: self.start_ms / 1000 + at as i64 * 3600,
                peak_factor: 1.0 + magnitude,
                decay_hours: decay,
            })
            .collect()
    }

    fn hours(&self) -> usize {
        self.cum.len() - 1
    }

    /// The timestamp (ms) at rank `u` in `[0, 1)`; non-decreasing in `u`.
    pub(crate) fn at(&self, u: f64) -> i64 {
        let total = self.cum[self.hours()];
        let target = u.clamp(0.0, 1.0) * total;
        // Largest h with cum[h] <= target.
        let h = match self
            .cum
            .binary_search_by(|c| c.partial_cmp(&target).unwrap_or(std::cmp::Ordering::Less))
        {
            Ok(i) => i,
            Err(i) => i - 1,
        }
        .min(self.hours() - 1);
        let span = self.cum[h + 1] - self.cum[h];
        let frac = if span > 0.0 {
            ((target - self.cum[h]) / span).clamp(0.0, 1.0)
        } else {
            0.0
        };
        self.start_ms + h as i64 * 3_600_000 + (frac * 3_599_999.0) as i64
    }

    /// The fraction of activity that happened before `t_ms` (inverse of [`Self::at`]).
    pub(crate) fn cdf(&self, t_ms: i64) -> f64 {
        let rel = t_ms - self.start_ms;
        if rel <= 0 {
            return 0.0;
        }
        let h = (rel / 3_600_000) as usize;
        if h >= self.hours() {
            return 1.0;
        }
        let frac = (rel % 3_600_000) as f64 / 3_600_000.0;
        let total = self.cum[self.hours()];
        (self.cum[h] + frac * (self.cum[h + 1] - self.cum[h])) / total
    }

    /// End of the window in ms.
    pub(crate) fn end_ms(&self) -> i64 {
        self.start_ms + self.hours() as i64 * 3_600_000
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        // 2023-10-01T00:00:00Z was a Sunday.
        assert_eq!(
            rfc3339_z(1_696_118_400_123).as_str(),
            "2023-10-01T00:00:00.000Z"
        );
        assert_eq!(
            v1_date(1_539_202_764).as_str(),
            "Wed Oct 10 20:19:24 +0000 2018"
        );
        assert_eq!(
            v1_date(1_696_118_400).as_str(),
            "Sun Oct 01 00:00:00 +0000 2023"
        );
        assert_eq!(
            telegram_local(1_692_821_483).as_str(),
            "2023-08-23T23:11:23"
        );
        assert_eq!(iso_utc_offset(0).as_str(), "1970-01-01T00:00:00+00:00");
        assert_eq!(telegram_file_stamp(0).as_str(), "01-01-1970_03-00-00");
    }

    #[test]
    fn timeline_is_monotone_and_inverts() {
        let tl = Timeline::new(3, 1_696_118_400, 14);
        let mut last = i64::MIN;
        for k in 0..10_000 {
            let u = k as f64 / 10_000.0;
            let t = tl.at(u);
            assert!(t >= last);
            last = t;
            assert!((tl.cdf(t) - u).abs() < 1e-3);
        }
        assert!(last < tl.end_ms());
    }
}
