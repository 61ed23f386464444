//! `--window auto`: the coordination interval estimated from the data, as
//! CooRnet's `estimate_coord_interval` (Giglietto et al.) does, with its
//! defaults `q = 0.1` and `p = 0.5`.
//!
//! The *objects* are the network's keys: the retweeted post (co-retweet),
//! the URL (co-link), the normalised text (co-tweet), the replied-to post
//! (co-reply), the hashtag (co-hashtag); for co-similar, identical token
//! sets. Each object's shares are its messages, in time order.
//!
//! 1. Objects shared once are dropped.
//! 2. For each object, the time from its first share to its second: the
//!    distribution of *time to second share*.
//! 3. Only the quickest objects are kept: those whose time to second share
//!    is at most the `q` quantile of that distribution.
//! 4. For each kept object with `n` shares, the time from its first share to
//!    the first share whose rank `r` (1-based) has `r / n > p`, that is the
//!    share at rank `⌊p·n⌋ + 1`: how long the object took to pass half of
//!    its shares.
//! 5. The interval is the `p` quantile (the median) of those times. Zero
//!    becomes one second, as in CooRnet.
//!
//! Quantiles are R's default (type 7): for sorted values `v` and level `q`,
//! `h = (n − 1)·q`, the value `v[⌊h⌋] + (h − ⌊h⌋)·(v[⌊h⌋ + 1] − v[⌊h⌋])`.

use super::load::Corpus;
use serde::Serialize;

/// An estimated window and what it was estimated from.
#[derive(Clone, Debug, Serialize)]
pub struct AutoWindow {
    /// The window, in seconds.
    pub seconds: f64,
    /// Objects shared at least twice.
    pub objects: usize,
    /// Objects among the quickest `q` that the median is taken over.
    pub quick_objects: usize,
}

/// The `q` quantile of sorted values, R type 7.
pub fn quantile(sorted: &[f64], q: f64) -> Option<f64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let h = (n - 1) as f64 * q.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(n - 1);
    Some(sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo]))
}

/// Estimates the window from groups of share times, each sorted.
pub fn estimate_from_groups<'a>(
    groups: impl Iterator<Item = &'a [f64]>,
    q: f64,
    p: f64,
) -> Option<AutoWindow> {
    let mut second: Vec<f64> = Vec::new();
    let mut half: Vec<f64> = Vec::new();
    for g in groups.filter(|g| g.len() > 1) {
        second.push(g[1] - g[0]);
        let r = ((p * g.len() as f64).floor() as usize).min(g.len() - 1);
        half.push(g[r] - g[0]);
    }
    let objects = second.len();
    let mut sorted = second.clone();
    sorted.sort_by(f64::total_cmp);
    let cut = quantile(&sorted, q)?;
    let mut kept: Vec<f64> = second
        .iter()
        .zip(&half)
        .filter(|(s, _)| **s <= cut)
        .map(|(_, h)| *h)
        .collect();
    kept.sort_by(f64::total_cmp);
    let median = quantile(&kept, p)?;
    Some(AutoWindow {
        seconds: if median == 0.0 { 1.0 } else { median },
        objects,
        quick_objects: kept.len(),
    })
}

/// Estimates the window for a key network (the corpus's `events`).
pub fn estimate_keys(c: &Corpus) -> Option<AutoWindow> {
    let mut groups: Vec<Vec<f64>> = Vec::new();
    let mut i = 0;
    while i < c.events.len() {
        let key = c.events[i].0;
        let mut g = Vec::new();
        while i < c.events.len() && c.events[i].0 == key {
            g.push(c.msgs[c.events[i].1 as usize].t);
            i += 1;
        }
        groups.push(g);
    }
    estimate_from_groups(groups.iter().map(Vec::as_slice), 0.1, 0.5)
}

/// Estimates the window for co-similar: objects are identical token sets.
pub fn estimate_tokens(c: &Corpus) -> Option<AutoWindow> {
    let mut by_set: rustc_hash::FxHashMap<&[u32], Vec<f64>> = Default::default();
    for (i, m) in c.msgs.iter().enumerate() {
        let toks = c.tokens(i);
        if !toks.is_empty() {
            by_set.entry(toks).or_default().push(m.t);
        }
    }
    estimate_from_groups(by_set.values().map(Vec::as_slice), 0.1, 0.5)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r_type7_quantiles() {
        // R: quantile(c(1, 2, 3, 4), 0.1) = 1.3; median 2.5.
        let v = [1.0, 2.0, 3.0, 4.0];
        assert!((quantile(&v, 0.1).unwrap() - 1.3).abs() < 1e-12);
        assert_eq!(quantile(&v, 0.5), Some(2.5));
        assert_eq!(quantile(&[7.0], 0.5), Some(7.0));
        assert_eq!(quantile(&[], 0.5), None);
    }

    #[test]
    fn estimate_by_hand() {
        // Ten objects; the quickest (second share after 2 s) has shares at
        // 0, 2, 5, 9: rank 3 of 4 is the first past half, 5 s.
        let mut groups: Vec<Vec<f64>> = vec![vec![0.0, 2.0, 5.0, 9.0]];
        for k in 1..10 {
            let s = 100.0 * f64::from(k);
            groups.push(vec![0.0, s, 2.0 * s]);
        }
        // Times to second share: 2, 100, …, 900; the 0.1 quantile is
        // 2 + 0.9·98 = 90.2, so only the first object is kept.
        let w = estimate_from_groups(groups.iter().map(Vec::as_slice), 0.1, 0.5).unwrap();
        assert_eq!(w.objects, 10);
        assert_eq!(w.quick_objects, 1);
        assert_eq!(w.seconds, 5.0);
    }

    #[test]
    fn zero_becomes_one_second() {
        let groups = [vec![3.0, 3.0, 3.0], vec![1.0, 1.0]];
        let w = estimate_from_groups(groups.iter().map(Vec::as_slice), 0.1, 0.5).unwrap();
        assert_eq!(w.seconds, 1.0);
    }
}
