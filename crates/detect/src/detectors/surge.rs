//! `surge`: a hashtag, URL, domain or watched term far above its own
//! recent baseline.
//!
//! **What it detects.** For each item (a hashtag, case-folded; a canonical
//! URL; a link domain; a watched term from `[[term]]`, matched in text like
//! aliases), posts are counted in 15-minute bins. A sliding window of one
//! hour is a surge when all three hold:
//! - it holds at least `min_posts` posts;
//! - it is at least `min_ratio` times the item's expected count, where the
//!   expectation is a **robust daily baseline**: the median of the item's
//!   daily counts over the `baseline_days` days before the window (days
//!   without posts count as 0; the median ignores an earlier surge day),
//!   spread evenly over the day, and never below `min_baseline_per_day`;
//! - a **Poisson test** rejects that rate: P(X ≥ count | expected) ≤
//!   `max_p`.
//!
//! Windows are only judged after `min_history_days` of store history, so
//! everything is not "new" on the first day. Surging windows that overlap
//! or touch form one event.
//!
//! **Why it matters.** A campaign, a breaking event or a coordinated push
//! shows first as one tag, link or word taking off. The baseline is the
//! item's own, so a niche militia hashtag tripling counts as much as a
//! national one.
//!
//! **Evidence it attaches.** The first post of the surge (`trigger`), then
//! the first posts in time order (`surge`, up to `max_evidence`). `actors`
//! are the top contributors (up to 5, most posts first). `detail` gives the
//! item, the peak window's start, its count, the expected count, the ratio,
//! the Poisson p-value, the surge's total size and the contributors with
//! their counts.
//!
//! **Time.** The start is the first post of the first 15-minute bin of the
//! first surging window that is itself elevated (at least 2 posts and
//! `min_ratio` times the per-bin expectation), so a stray earlier post does
//! not pull the start back; when no single bin is, the window's first post.
//! The end is the last post of the last such elevated bin of the last
//! surging window.
//!
//! **Score.** The ratio at the peak (observed / expected in one hour).
//!
//! **Incremental runs** look up only the items the new posts carry, through
//! the `hashtags` and `urls` indexes (a first run, or one touching more
//! than 2,000 items, makes one grouped pass over the store instead).
//!
//! **Parameters** (`[detectors.surge]`): `min_posts` (20), `min_ratio`
//! (5.0), `max_p` (1e-9), `baseline_days` (7), `min_baseline_per_day`
//! (4.0), `min_history_days` (3), `max_evidence` (20), `items`
//! (`["hashtag", "url", "domain", "term"]`).

use super::burst::{Burst, end_bin, episodes, start_bin};
use crate::events::{Event, Evidence, rfc3339};
use crate::matcher::Names;
use crate::{ConfigError, Detector, Error, Registration, Scan, Watchlists};
use rusqlite::params;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The registry entry.
pub const REG: Registration = Registration {
    name: "surge",
    about: "a hashtag, URL, domain or watched term far above its own recent baseline",
    build,
};

/// Item kinds a watchlist may name.
pub const ITEMS: &[&str] = &["hashtag", "url", "domain", "term"];

/// Seconds per bin.
const BIN: i64 = 900;
/// Above this many items touched, one grouped pass over the store is
/// cheaper than one index lookup per item.
const MAX_ITEMS_BY_INDEX: usize = 2_000;
/// Bins per window.
const WINDOW: i64 = 4;

/// `[detectors.surge]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Params {
    /// Fewest posts in the one-hour window.
    pub min_posts: u32,
    /// Fewest times the expected count.
    pub min_ratio: f64,
    /// Largest Poisson tail probability.
    pub max_p: f64,
    /// Days of baseline before the window.
    pub baseline_days: u32,
    /// Floor of the daily baseline.
    pub min_baseline_per_day: f64,
    /// Store history needed before windows are judged.
    pub min_history_days: u32,
    /// Most evidence posts.
    pub max_evidence: usize,
    /// Which items to watch.
    pub items: Vec<String>,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            min_posts: 20,
            min_ratio: 5.0,
            max_p: 1e-9,
            baseline_days: 7,
            min_baseline_per_day: 4.0,
            min_history_days: 3,
            max_evidence: 20,
            items: ITEMS.iter().map(|s| s.to_string()).collect(),
        }
    }
}

impl Params {
    fn burst(&self) -> Burst {
        Burst {
            min_count: self.min_posts,
            min_ratio: self.min_ratio,
            max_p: self.max_p,
            baseline_days: self.baseline_days,
            min_baseline_per_day: self.min_baseline_per_day,
            min_history_days: self.min_history_days,
        }
    }
}

struct Surge {
    params: Params,
    terms: Vec<(String, Names)>,
}

fn build(w: &Watchlists) -> Result<Box<dyn Detector>, ConfigError> {
    let p: Params = super::params(w, REG.name)?;
    let bad = |m: String| {
        ConfigError::at(
            &w.file,
            &w.source,
            w.detector_spans.get(REG.name).cloned(),
            format!("[detectors.surge]: {m}"),
        )
    };
    if let Some(i) = p.items.iter().find(|i| !ITEMS.contains(&i.as_str())) {
        return Err(bad(format!(
            "unknown item {i:?}; known: {}",
            ITEMS.join(", ")
        )));
    }
    if !(p.max_p > 0.0 && p.max_p <= 1.0) || p.min_ratio < 1.0 || p.baseline_days == 0 {
        return Err(bad(
            "max_p must be in (0, 1], min_ratio at least 1, baseline_days at least 1".into(),
        ));
    }
    let terms = w
        .terms
        .iter()
        .map(|t| {
            let mut all = vec![t.term.clone()];
            all.extend(t.aliases.iter().cloned());
            (t.term.clone(), Names::new(all))
        })
        .collect();
    Ok(Box::new(Surge { params: p, terms }))
}

/// Item → bin → posts.
type Series = BTreeMap<String, BTreeMap<i64, u32>>;

/// One post of an item: time, ref, author ref.
type ItemPost = (i64, String, Option<String>);

impl Surge {
    /// (item → bin → posts) for every item of the kinds watched, from the
    /// whole store; and the posts with seq in the window, per item.
    fn series(&self, scan: &Scan<'_>) -> Result<(Series, BTreeSet<String>), Error> {
        if scan.since > 0 {
            let touched = self.touched_items(scan)?;
            if touched.len() <= MAX_ITEMS_BY_INDEX {
                let series = self.series_of(scan, &touched)?;
                return Ok((series, touched));
            }
        }
        self.all_series(scan)
    }

    /// The items the posts new in the scan's window carry (new posts have
    /// their version 1 in the window; `post_versions.seq` is its key).
    fn touched_items(&self, scan: &Scan<'_>) -> Result<BTreeSet<String>, Error> {
        let conn = scan.conn;
        let on = |k: &str| self.params.items.iter().any(|i| i == k);
        let mut out = BTreeSet::new();
        let mut st = conn.prepare(
            "SELECT v.post_id, v.text FROM post_versions v WHERE v.seq > ?1 AND v.seq <= ?2 AND v.version = 1",
        )?;
        let new: Vec<(i64, String)> = st
            .query_map(params![scan.since, scan.upto], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?
            .collect::<Result<_, _>>()?;
        let mut tags = conn.prepare_cached("SELECT lower(tag) FROM hashtags WHERE post_id = ?1")?;
        let mut urls =
            conn.prepare_cached("SELECT canonical, domain FROM urls WHERE post_id = ?1")?;
        for (id, text) in &new {
            if on("hashtag") {
                for t in tags.query_map([id], |r| r.get::<_, String>(0))? {
                    out.insert(format!("#{}", t?));
                }
            }
            if on("url") || on("domain") {
                for u in urls.query_map([id], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
                })? {
                    let (canonical, domain) = u?;
                    if on("url") {
                        out.insert(format!("url:{canonical}"));
                    }
                    if let (true, Some(d)) = (on("domain"), domain) {
                        out.insert(format!("domain:{d}"));
                    }
                }
            }
            if on("term") {
                for (term, names) in &self.terms {
                    if names.found_in(text) {
                        out.insert(format!("term:{term}"));
                    }
                }
            }
        }
        Ok(out)
    }

    /// The series of a few items, through the indexes (domains and terms by
    /// one filtered pass).
    fn series_of(&self, scan: &Scan<'_>, items: &BTreeSet<String>) -> Result<Series, Error> {
        let conn = scan.conn;
        let mut series: Series = BTreeMap::new();
        let add = |series: &mut Series, key: &str, at: i64| {
            *series
                .entry(key.to_string())
                .or_default()
                .entry(at.div_euclid(BIN))
                .or_default() += 1;
        };
        let mut tag_st = conn.prepare_cached(
            "SELECT p.created_at FROM hashtags h JOIN posts p ON p.id = h.post_id WHERE lower(h.tag) = ?1 AND p.created_at IS NOT NULL GROUP BY p.id",
        )?;
        let mut url_st = conn.prepare_cached(
            "SELECT p.created_at FROM urls u JOIN posts p ON p.id = u.post_id WHERE u.canonical = ?1 AND p.created_at IS NOT NULL GROUP BY p.id",
        )?;
        let mut domains = std::collections::HashSet::new();
        let mut terms = Vec::new();
        for item in items {
            if let Some(tag) = item.strip_prefix('#') {
                for at in tag_st.query_map([tag], |r| r.get::<_, i64>(0))? {
                    add(&mut series, item, at?);
                }
            } else if let Some(u) = item.strip_prefix("url:") {
                for at in url_st.query_map([u], |r| r.get::<_, i64>(0))? {
                    add(&mut series, item, at?);
                }
            } else if let Some(d) = item.strip_prefix("domain:") {
                domains.insert(d.to_string());
            } else if let Some(t) = item.strip_prefix("term:") {
                terms.extend(self.terms.iter().filter(|(n, _)| n == t));
            }
        }
        if !domains.is_empty() {
            let mut st = conn.prepare(
                "SELECT u.domain, p.created_at FROM urls u JOIN posts p ON p.id = u.post_id WHERE u.domain IS NOT NULL AND p.created_at IS NOT NULL GROUP BY u.domain, p.id",
            )?;
            let mut rows = st.query([])?;
            while let Some(r) = rows.next()? {
                let d: String = r.get(0)?;
                if domains.contains(&d) {
                    add(&mut series, &format!("domain:{d}"), r.get(1)?);
                }
            }
        }
        if !terms.is_empty() {
            let mut st =
                conn.prepare("SELECT created_at, text FROM posts WHERE created_at IS NOT NULL")?;
            let mut rows = st.query([])?;
            while let Some(r) = rows.next()? {
                let text: String = r.get(1)?;
                for (term, names) in &terms {
                    if names.found_in(&text) {
                        add(&mut series, &format!("term:{term}"), r.get(0)?);
                    }
                }
            }
        }
        Ok(series)
    }

    /// Every item's series, by one grouped pass per item kind.
    fn all_series(&self, scan: &Scan<'_>) -> Result<(Series, BTreeSet<String>), Error> {
        let conn = scan.conn;
        let mut series: Series = BTreeMap::new();
        let mut touched = BTreeSet::new();
        let on = |k: &str| self.params.items.iter().any(|i| i == k);
        let mut queries: Vec<(&str, &str)> = Vec::new();
        if on("hashtag") {
            queries.push((
                "#",
                "SELECT lower(h.tag), p.created_at, p.seq FROM hashtags h JOIN posts p ON p.id = h.post_id WHERE p.created_at IS NOT NULL GROUP BY lower(h.tag), p.id",
            ));
        }
        if on("url") {
            queries.push((
                "url:",
                "SELECT u.canonical, p.created_at, p.seq FROM urls u JOIN posts p ON p.id = u.post_id WHERE p.created_at IS NOT NULL GROUP BY u.canonical, p.id",
            ));
        }
        if on("domain") {
            queries.push((
                "domain:",
                "SELECT u.domain, p.created_at, p.seq FROM urls u JOIN posts p ON p.id = u.post_id WHERE p.created_at IS NOT NULL AND u.domain IS NOT NULL GROUP BY u.domain, p.id",
            ));
        }
        for (prefix, sql) in queries {
            let mut st = conn.prepare(sql)?;
            let mut rows = st.query([])?;
            while let Some(r) = rows.next()? {
                let item: String = r.get(0)?;
                let at: i64 = r.get(1)?;
                let seq: i64 = r.get(2)?;
                let key = format!("{prefix}{item}");
                if seq > scan.since && seq <= scan.upto {
                    touched.insert(key.clone());
                }
                *series
                    .entry(key)
                    .or_default()
                    .entry(at.div_euclid(BIN))
                    .or_default() += 1;
            }
        }
        if on("term") && !self.terms.is_empty() {
            let mut st = conn
                .prepare("SELECT created_at, seq, text FROM posts WHERE created_at IS NOT NULL")?;
            let mut rows = st.query([])?;
            while let Some(r) = rows.next()? {
                let at: i64 = r.get(0)?;
                let seq: i64 = r.get(1)?;
                let text: String = r.get(2)?;
                for (term, names) in &self.terms {
                    if names.found_in(&text) {
                        let key = format!("term:{term}");
                        if seq > scan.since && seq <= scan.upto {
                            touched.insert(key.clone());
                        }
                        *series
                            .entry(key)
                            .or_default()
                            .entry(at.div_euclid(BIN))
                            .or_default() += 1;
                    }
                }
            }
        }
        Ok((series, touched))
    }

    /// The posts of `item` in `[from, to]`, by time then ref.
    fn posts(
        &self,
        scan: &Scan<'_>,
        item: &str,
        from: i64,
        to: i64,
    ) -> Result<Vec<ItemPost>, Error> {
        let conn = scan.conn;
        let map = |r: &rusqlite::Row<'_>| -> rusqlite::Result<ItemPost> {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        };
        let mut out: Vec<ItemPost> = Vec::new();
        const COLS: &str = "SELECT DISTINCT p.created_at, p.ref, a.ref FROM posts p LEFT JOIN actors a ON a.id = p.author_id";
        if let Some(tag) = item.strip_prefix('#') {
            let mut st = conn.prepare_cached(&format!(
                "{COLS} JOIN hashtags h ON h.post_id = p.id WHERE lower(h.tag) = ?1 AND p.created_at BETWEEN ?2 AND ?3"
            ))?;
            for r in st.query_map(params![tag, from, to], map)? {
                out.push(r?);
            }
        } else if let Some(u) = item.strip_prefix("url:") {
            let mut st = conn.prepare_cached(&format!(
                "{COLS} JOIN urls u ON u.post_id = p.id WHERE u.canonical = ?1 AND p.created_at BETWEEN ?2 AND ?3"
            ))?;
            for r in st.query_map(params![u, from, to], map)? {
                out.push(r?);
            }
        } else if let Some(d) = item.strip_prefix("domain:") {
            let mut st = conn.prepare_cached(&format!(
                "{COLS} JOIN urls u ON u.post_id = p.id WHERE u.domain = ?1 AND p.created_at BETWEEN ?2 AND ?3"
            ))?;
            for r in st.query_map(params![d, from, to], map)? {
                out.push(r?);
            }
        } else if let Some(t) = item.strip_prefix("term:") {
            let Some((_, names)) = self.terms.iter().find(|(n, _)| n == t) else {
                return Ok(out);
            };
            let mut st = conn.prepare_cached(
                "SELECT p.created_at, p.ref, a.ref, p.text FROM posts p LEFT JOIN actors a ON a.id = p.author_id WHERE p.created_at BETWEEN ?1 AND ?2",
            )?;
            let rows = st.query_map(params![from, to], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get::<_, String>(3)?))
            })?;
            for r in rows {
                let (at, pr, ar, text) = r?;
                if names.found_in(&text) {
                    out.push((at, pr, ar));
                }
            }
        }
        out.sort();
        Ok(out)
    }
}

impl Detector for Surge {
    fn params(&self) -> serde_json::Value {
        serde_json::to_value(&self.params).unwrap_or_default()
    }

    fn detect(&mut self, scan: &Scan<'_>, out: &mut Vec<Event>) -> Result<(), Error> {
        let history_start: Option<i64> =
            scan.conn
                .query_row("SELECT min(created_at) FROM posts", [], |r| r.get(0))?;
        let Some(history_start) = history_start else {
            return Ok(());
        };
        let (series, touched) = self.series(scan)?;
        for item in touched {
            let Some(bins) = series.get(&item) else {
                continue;
            };
            for run in episodes(&self.params.burst(), bins, history_start, BIN, WINDOW) {
                let (Some(first), Some(last)) = (run.first(), run.last()) else {
                    continue;
                };
                let Some(peak) = run.iter().max_by(|a, b| {
                    (a.count as f64 / a.expected).total_cmp(&(b.count as f64 / b.expected))
                }) else {
                    continue;
                };
                let start_bin = start_bin(bins, first, WINDOW, self.params.min_ratio);
                let eb = end_bin(bins, last, WINDOW, self.params.min_ratio);
                let posts = self.posts(scan, &item, start_bin * BIN, (eb + 1) * BIN - 1)?;
                let (Some(p0), Some(pn)) = (posts.first(), posts.last()) else {
                    continue;
                };
                let mut by_actor: BTreeMap<&str, usize> = BTreeMap::new();
                for (_, _, a) in &posts {
                    if let Some(a) = a {
                        *by_actor.entry(a.as_str()).or_default() += 1;
                    }
                }
                let mut top: Vec<(&str, usize)> = by_actor.into_iter().collect();
                top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
                let mut e = Event::new(REG.name, format!("{item}/{}", first.end_bin));
                e.start = p0.0;
                e.end = pn.0;
                e.actors = top.iter().take(5).map(|(a, _)| a.to_string()).collect();
                for (i, (at, r, _)) in posts
                    .iter()
                    .take(self.params.max_evidence.max(1))
                    .enumerate()
                {
                    e.evidence.push(Evidence {
                        post: r.clone(),
                        role: if i == 0 { "trigger" } else { "surge" }.into(),
                        at: Some(*at),
                        note: None,
                    });
                }
                let ratio = f64::from(peak.count) / peak.expected;
                e.score = (ratio * 100.0).round() / 100.0;
                let peak_start = (peak.end_bin - WINDOW + 1) * BIN;
                e.summary = format!(
                    "{item} surged: {} posts in the hour from {}, {:.1}× its expected {:.1}; {} posts from {} to {}",
                    peak.count,
                    rfc3339(peak_start),
                    ratio,
                    peak.expected,
                    posts.len(),
                    rfc3339(e.start),
                    rfc3339(e.end),
                );
                e.detail = serde_json::json!({
                    "item": item,
                    "peak": rfc3339(peak_start),
                    "peak_posts": peak.count,
                    "expected": peak.expected,
                    "ratio": ratio,
                    "p": peak.p,
                    "size": posts.len(),
                    "contributors": top.iter().take(20).map(|(a, n)| serde_json::json!({"actor": a, "posts": n})).collect::<Vec<_>>(),
                });
                out.push(e);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{Fx, T0};

    fn tag(fx: &mut Fx, actor: i64, n: &mut u32, at: i64, t: &str) {
        *n += 1;
        let id = fx.post(&format!("x:{n}"), actor, at, &format!("#{t}"));
        fx.conn()
            .execute(
                "INSERT INTO hashtags (post_id, tag) VALUES (?1, ?2)",
                params![id, t],
            )
            .unwrap();
    }

    #[test]
    fn a_burst_over_a_steady_background() {
        let mut fx = Fx::new();
        let a = fx.actor("x:1", "a");
        let b = fx.actor("x:2", "b");
        let mut n = 0;
        // Ten days of #news: 12 posts a day, every 2 hours.
        for d in 0..10 {
            for h in 0..12 {
                tag(&mut fx, a, &mut n, T0 + d * 86_400 + h * 7200, "News");
            }
        }
        // Day 8, 14:37: 40 posts of #news in 30 minutes (expected 0.5 an hour).
        let burst = T0 + 8 * 86_400 + 14 * 3600 + 37 * 60;
        for i in 0..40 {
            tag(
                &mut fx,
                if i % 4 == 0 { a } else { b },
                &mut n,
                burst + i * 45,
                "news",
            );
        }
        fx.detect("");
        let ev = fx.events("surge");
        assert_eq!(ev.len(), 1, "{ev:#?}");
        let e = &ev[0];
        assert_eq!(e.detail["item"], "#news");
        assert_eq!(e.start, burst, "starts at the first burst post");
        assert_eq!(e.end, burst + 39 * 45);
        assert_eq!(e.detail["size"], 40);
        assert_eq!(e.actors, ["x:2", "x:1"], "b wrote 30, a 10");
        // Expected per hour: median daily count 12 → 0.5 an hour.
        assert_eq!(e.detail["expected"], 0.5);
        assert_eq!(e.evidence.len(), 20);
        // The steady background alone never surges, and a rerun adds nothing.
        assert!(fx.detect("").changed.is_empty());
    }

    #[test]
    fn incremental_runs_find_what_a_full_run_finds() {
        let mut fx = Fx::new();
        let a = fx.actor("x:1", "a");
        let mut n = 0;
        for d in 0..10 {
            for h in 0..12 {
                tag(&mut fx, a, &mut n, T0 + d * 86_400 + h * 7200, "news");
            }
        }
        fx.detect("");
        assert!(fx.events("surge").is_empty());
        let burst = T0 + 9 * 86_400 + 14 * 3600 + 37 * 60;
        for i in 0..30 {
            tag(&mut fx, a, &mut n, burst + i * 30, "News");
        }
        let r = fx.detect("");
        assert!(r.detectors.iter().any(|d| d.name == "surge" && !d.rebuilt));
        let inc = fx.events("surge");
        assert_eq!(inc.len(), 1);
        assert_eq!(inc[0].start, burst);
        crate::run(
            fx.conn(),
            &Watchlists::parse("", "t").unwrap(),
            &crate::RunOptions {
                rebuild: true,
                only: vec!["surge".into()],
            },
        )
        .unwrap();
        assert_eq!(fx.events("surge"), inc, "a rebuild finds the same event");
    }

    #[test]
    fn nothing_in_the_first_days_and_bad_params() {
        let mut fx = Fx::new();
        let a = fx.actor("x:1", "a");
        let mut n = 0;
        for i in 0..50 {
            tag(&mut fx, a, &mut n, T0 + i * 30, "launch");
        }
        fx.detect("");
        assert!(fx.events("surge").is_empty(), "no history yet");
        let w = Watchlists::parse("[detectors.surge]\nitems = [\"emoji\"]\n", "t").unwrap();
        assert!(matches!(crate::build_all(&w), Err(crate::Error::Config(_))));
    }
}
