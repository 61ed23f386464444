//! The statistics shared by the volume detectors (`surge`, `newcomers`):
//! counts in time bins, a robust daily baseline, the store's overall
//! activity, and a Poisson test.
//!
//! A window of `window` bins ending at bin t is a hit when it holds at least
//! `min_count`, at least `min_ratio` times its expected count, and the
//! Poisson tail P(X ≥ count | expected) is at most `max_p`. The expected
//! count is the median of the daily counts over the `baseline_days` days
//! before the window (days without any count as 0; days before the store's
//! first post are left out), never below `min_baseline_per_day`, spread
//! evenly over the day, then, when an [`Activity`] is given, multiplied by
//! the activity factor of the window: how busy the store as a whole (every
//! post but the item's own) is in that window against its own baseline,
//! (others in the window + K) / (others expected + K), with the others'
//! expectation the median of their daily counts over the same days, spread
//! evenly, and K = [`ACTIVITY_PSEUDO_COUNT`]. That factor carries the
//! time-of-day rhythm (quiet nights, busy evenings) and store-wide swings
//! (a news day when everyone posts more): an item surges when it rises far
//! above its own baseline *relative to everything else*. Windows are judged
//! only from `min_history_days` after the store's first post. Hits that
//! overlap or touch form one episode.

use std::collections::{BTreeMap, HashMap};

/// Thresholds of a burst test.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Burst {
    pub min_count: u32,
    pub min_ratio: f64,
    pub max_p: f64,
    pub baseline_days: u32,
    pub min_baseline_per_day: f64,
    pub min_history_days: u32,
}

/// ln(n!), exact for small n, Stirling's series above.
pub(crate) fn ln_factorial(n: u64) -> f64 {
    if n < 64 {
        (2..=n).map(|k| (k as f64).ln()).sum()
    } else {
        let x = n as f64 + 1.0;
        (x - 0.5) * x.ln() - x + 0.5 * (2.0 * std::f64::consts::PI).ln() + 1.0 / (12.0 * x)
            - 1.0 / (360.0 * x * x * x)
    }
}

/// P(X ≥ c) for X ~ Poisson(lambda).
pub(crate) fn poisson_tail(c: u64, lambda: f64) -> f64 {
    if c == 0 {
        return 1.0;
    }
    if lambda <= 0.0 {
        return 0.0;
    }
    if (c as f64) <= lambda {
        // At or below expectation: 1 - P(X < c). Such windows never surge
        // (min_ratio ≥ 1); past e^-745 underflow, 1 is close enough.
        if lambda > 700.0 {
            return 1.0;
        }
        let mut term = (-lambda).exp();
        let mut below = 0.0;
        for k in 0..c {
            below += term;
            term *= lambda / (k + 1) as f64;
        }
        return (1.0 - below).clamp(0.0, 1.0);
    }
    let mut term = (-lambda + c as f64 * lambda.ln() - ln_factorial(c)).exp();
    let mut sum = 0.0;
    let mut k = c;
    while term > sum * 1e-15 && k < c + 10_000 {
        sum += term;
        k += 1;
        term *= lambda / k as f64;
    }
    sum.min(1.0)
}

pub(crate) fn median(mut v: Vec<u32>) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_unstable();
    let n = v.len();
    if n % 2 == 1 {
        f64::from(v[n / 2])
    } else {
        (f64::from(v[n / 2 - 1]) + f64::from(v[n / 2])) / 2.0
    }
}

/// A surging window.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Hit {
    pub end_bin: i64,
    pub count: u32,
    pub expected: f64,
    /// The activity factor the expectation was multiplied by (1 without an
    /// [`Activity`]).
    pub activity: f64,
    pub p: f64,
}

/// Added to both sides of the activity factor, so that a store with little
/// else in it (or a quiet hour) judges an item by its own baseline alone.
pub(crate) const ACTIVITY_PSEUDO_COUNT: f64 = 20.0;

/// The store's overall activity: all posts per bin, and per UTC day.
#[derive(Debug, Clone, Default)]
pub(crate) struct Activity {
    pub bins: BTreeMap<i64, u32>,
    pub daily: HashMap<i64, u32>,
}

impl Activity {
    /// From posts per bin of `bin` seconds.
    pub(crate) fn new(bins: BTreeMap<i64, u32>, bin: i64) -> Activity {
        let mut daily: HashMap<i64, u32> = HashMap::new();
        for (b, c) in &bins {
            *daily.entry((b * bin).div_euclid(86_400)).or_default() += c;
        }
        Activity { bins, daily }
    }
}

/// Finds episodes in a series of (bin → count), bins of `bin` seconds,
/// windows of `window` bins, judged against the store's `activity` when
/// given.
pub(crate) fn episodes(
    p: &Burst,
    bins: &BTreeMap<i64, u32>,
    history_start: i64,
    bin: i64,
    window: i64,
    activity: Option<&Activity>,
) -> Vec<Vec<Hit>> {
    let mut daily: HashMap<i64, u32> = HashMap::new();
    for (b, c) in bins {
        *daily.entry((b * bin).div_euclid(86_400)).or_default() += c;
    }
    let min_start = history_start + i64::from(p.min_history_days) * 86_400;
    // Only days the store has history for: days before its first post are
    // unknown, not quiet.
    let first_day = history_start.div_euclid(86_400);
    let per_window = (window * bin) as f64 / 86_400.0;
    let mut hits: Vec<Hit> = Vec::new();
    for &t in bins.keys() {
        let first = t - window + 1;
        if first * bin < min_start {
            continue;
        }
        let count: u32 = bins.range(first..=t).map(|(_, c)| *c).sum();
        if count < p.min_count {
            continue;
        }
        let day = (first * bin).div_euclid(86_400);
        // With the store's activity known, days it holds no post at all
        // were not collected (a gap between captures), not quiet: left out.
        let days: Vec<i64> = (1..=i64::from(p.baseline_days))
            .map(|d| day - d)
            .filter(|d| *d >= first_day)
            .filter(|d| activity.is_none_or(|a| a.daily.get(d).is_some_and(|&n| n > 0)))
            .collect();
        let own = |d: &i64| daily.get(d).copied().unwrap_or(0);
        let base = median(days.iter().map(own).collect()).max(p.min_baseline_per_day);
        let factor = activity.filter(|_| !days.is_empty()).map_or(1.0, |a| {
            let all: u32 = a.bins.range(first..=t).map(|(_, c)| *c).sum();
            let others = f64::from(all.saturating_sub(count));
            let usual = median(
                days.iter()
                    .map(|d| a.daily.get(d).copied().unwrap_or(0).saturating_sub(own(d)))
                    .collect(),
            ) * per_window;
            (others + ACTIVITY_PSEUDO_COUNT) / (usual + ACTIVITY_PSEUDO_COUNT)
        });
        let expected = base * per_window * factor;
        if f64::from(count) < p.min_ratio * expected {
            continue;
        }
        let pv = poisson_tail(u64::from(count), expected);
        if pv > p.max_p {
            continue;
        }
        hits.push(Hit {
            end_bin: t,
            count,
            expected,
            activity: factor,
            p: pv,
        });
    }
    let mut out: Vec<Vec<Hit>> = Vec::new();
    for h in hits {
        match out.last_mut() {
            Some(run) if run.last().is_some_and(|l| h.end_bin - l.end_bin <= window) => run.push(h),
            _ => out.push(vec![h]),
        }
    }
    out
}

/// Largest Poisson tail of a single bin for it to count as elevated when
/// placing an episode's start and end.
pub(crate) const BIN_MAX_P: f64 = 1e-3;

/// Whether `c` in one bin stands out against `per_bin` expected: 2 or
/// more, `min_ratio` times the expectation, and a Poisson tail of at most
/// [`BIN_MAX_P`] (so that two stray posts where 0.4 were expected do not
/// count).
fn elevated(c: u32, per_bin: f64, min_ratio: f64) -> bool {
    c >= 2
        && f64::from(c) >= min_ratio * per_bin
        && poisson_tail(u64::from(c), per_bin) <= BIN_MAX_P
}

/// The bin an episode starts at: the first bin of its first window that is
/// itself elevated (see [`elevated`]), so a stray earlier count does not
/// pull the start back; failing that, the window's first bin with a count.
pub(crate) fn start_bin(
    bins: &BTreeMap<i64, u32>,
    first: &Hit,
    window: i64,
    min_ratio: f64,
) -> i64 {
    let per_bin = first.expected / window as f64;
    let range = first.end_bin - window + 1..=first.end_bin;
    range
        .clone()
        .find(|b| {
            bins.get(b)
                .is_some_and(|&c| elevated(c, per_bin, min_ratio))
        })
        .or_else(|| range.clone().find(|b| bins.contains_key(b)))
        .unwrap_or(first.end_bin)
}

/// The bin an episode ends at: the mirror of [`start_bin`] on its last
/// window, so trailing stray counts still inside the sliding window do not
/// stretch the end.
pub(crate) fn end_bin(bins: &BTreeMap<i64, u32>, last: &Hit, window: i64, min_ratio: f64) -> i64 {
    let per_bin = last.expected / window as f64;
    let range = last.end_bin - window + 1..=last.end_bin;
    range
        .clone()
        .rev()
        .find(|b| {
            bins.get(b)
                .is_some_and(|&c| elevated(c, per_bin, min_ratio))
        })
        .or_else(|| range.clone().rev().find(|b| bins.contains_key(b)))
        .unwrap_or(last.end_bin)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poisson_tail_known_values() {
        // P(X >= 1 | 1) = 1 - e^-1.
        assert!((poisson_tail(1, 1.0) - (1.0 - (-1.0f64).exp())).abs() < 1e-12);
        // P(X >= 3 | 0.5) = 1 - e^-0.5 (1 + 0.5 + 0.125) = 0.0143877…
        assert!((poisson_tail(3, 0.5) - 0.014_387_677_966_970_687).abs() < 1e-12);
        assert_eq!(poisson_tail(0, 3.0), 1.0);
        assert!(poisson_tail(200, 1.0) < 1e-300 || poisson_tail(200, 1.0) == 0.0);
        // Stirling branch agrees with the exact sum at the seam.
        let exact: f64 = (2..=70u64).map(|k| (k as f64).ln()).sum();
        assert!((ln_factorial(70) - exact).abs() < 1e-9);
    }
}
