//! `surge`: a hashtag, URL, domain or watched term far above its own
//! recent baseline, relative to the store's overall activity.
//!
//! **What it detects.** For each item (a hashtag, case-folded; a canonical
//! URL; a link domain; a watched term from `[[term]]`, matched in text like
//! aliases), posts are counted in 15-minute bins. A sliding window of one
//! hour is a surge when all three hold:
//! - it holds at least `min_posts` posts;
//! - it is at least `min_ratio` times the item's expected count E = B × A:
//!   B is a **robust daily baseline**, the median of the item's daily
//!   counts over the `baseline_days` days before the window (days without
//!   its posts count as 0, so the median ignores an earlier surge day; days
//!   the store holds no post at all were not collected and are left out),
//!   never below `min_baseline_per_day`, spread evenly over the day; A is
//!   the window's **activity factor**, how busy the rest of the store is
//!   then against those days (the seasonal part: nights, evenings and news
//!   days when everything rises; see `burst.rs`);
//! - a **Poisson test** rejects that expectation: P(X ≥ count | E) ≤
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
//! item, the peak window's start, its count, the expected count, the
//! activity factor, the ratio, the Poisson p-value, the surge's total size
//! and the contributors with their counts.
//!
//! **Time.** The start is the first post of the first 15-minute bin of the
//! first surging window that is itself elevated (at least 2 posts,
//! `min_ratio` times the per-bin expectation, Poisson tail at most 0.001),
//! so a stray earlier post does not pull the start back; when no single bin
//! is, the window's first post. The end is the last post of the last such
//! elevated bin of the last surging window.
//!
//! **Score.** The ratio at the peak (observed / expected in one hour).
//!
//! **Incremental runs** keep per-item counts up to date from the posts
//! whose seq moved (`counts.rs`), then judge the items those posts carry
//! and, where the store's volume changed, every busy item whose windows or
//! baselines reach the changed bins. An event of a judged item that is not
//! found again is withdrawn.
//!
//! **Parameters** (`[detectors.surge]`): `min_posts` (20), `min_ratio`
//! (5.0), `max_p` (1e-9), `baseline_days` (7), `min_baseline_per_day`
//! (4.0), `min_history_days` (3), `max_evidence` (20), `items`
//! (`["hashtag", "url", "domain", "term"]`).

use super::burst::{Activity, Burst, end_bin, episodes, start_bin};
use super::counts::{self, BIN, Kinds};
use crate::events::{Event, Evidence, rfc3339};
use crate::matcher::Names;
use crate::{ConfigError, Detector, Error, Registration, Scan, Watchlists};
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
    withdrawn: Vec<String>,
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
    Ok(Box::new(Surge {
        params: p,
        terms,
        withdrawn: Vec::new(),
    }))
}

impl Surge {
    fn kinds(&self) -> Kinds<'_> {
        let on = |k: &str| self.params.items.iter().any(|i| i == k);
        Kinds {
            hashtag: on("hashtag"),
            url: on("url"),
            domain: on("domain"),
            terms: if on("term") { &self.terms } else { &[] },
        }
    }

    /// The events of one item (none when it does not surge).
    fn item_events(
        &self,
        scan: &Scan<'_>,
        (id, item): (i64, &str),
        bins: &BTreeMap<i64, u32>,
        history_start: i64,
        activity: &Activity,
        out: &mut Vec<Event>,
    ) -> Result<(), Error> {
        let p = &self.params;
        for run in episodes(&p.burst(), bins, history_start, BIN, WINDOW, Some(activity)) {
            let (Some(first), Some(last)) = (run.first(), run.last()) else {
                continue;
            };
            let Some(peak) = run.iter().max_by(|a, b| {
                (f64::from(a.count) / a.expected).total_cmp(&(f64::from(b.count) / b.expected))
            }) else {
                continue;
            };
            let start_bin = start_bin(bins, first, WINDOW, p.min_ratio);
            let eb = end_bin(bins, last, WINDOW, p.min_ratio);
            let total = bins.values().sum();
            let posts = counts::posts(
                scan.conn,
                (id, item, total),
                start_bin * BIN,
                (eb + 1) * BIN - 1,
            )?;
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
            for (i, (at, r, _)) in posts.iter().take(p.max_evidence.max(1)).enumerate() {
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
            let round = |x: f64| (x * 1000.0).round() / 1000.0;
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
                "expected": round(peak.expected),
                "activity": round(peak.activity),
                "ratio": round(ratio),
                "p": peak.p,
                "size": posts.len(),
                "contributors": top.iter().take(20).map(|(a, n)| serde_json::json!({"actor": a, "posts": n})).collect::<Vec<_>>(),
            });
            out.push(e);
        }
        Ok(())
    }
}

impl Detector for Surge {
    fn params(&self) -> serde_json::Value {
        serde_json::to_value(&self.params).unwrap_or_default()
    }

    fn detect(&mut self, scan: &Scan<'_>, out: &mut Vec<Event>) -> Result<(), Error> {
        let p = &self.params;
        let kinds = self.kinds();
        let update = counts::update(scan.conn, scan.since, scan.upto, &kinds, p.min_posts)?;
        let history_start: Option<i64> =
            scan.conn
                .query_row("SELECT min(created_at) FROM posts", [], |r| r.get(0))?;
        let Some(history_start) = history_start else {
            return Ok(());
        };
        let activity = Activity::new(counts::volume(scan.conn)?, BIN);
        let before = out.len();
        let mut judged: BTreeSet<String> = BTreeSet::new();
        if let Some(all) = update.full {
            for (id, item, bins) in &all {
                self.item_events(scan, (*id, item), bins, history_start, &activity, out)?;
            }
        } else {
            // The items whose own counts changed, and, where the store's
            // volume changed, every busy item whose windows or baselines
            // span those bins: their expectations moved.
            let mut items: BTreeMap<i64, String> = counts::names(scan.conn, &update.touched)?
                .into_iter()
                .collect();
            if let Some((lo, hi)) = update.volume {
                let reach = i64::from(p.baseline_days.max(p.min_history_days) + 1) * 86_400 / BIN;
                for (id, item) in
                    counts::busy_items(scan.conn, p.min_posts, lo - WINDOW, hi + reach + WINDOW)?
                {
                    items.insert(id, item);
                }
            }
            for (id, item) in &items {
                let bins = counts::series(scan.conn, *id)?;
                self.item_events(scan, (*id, item), &bins, history_start, &activity, out)?;
                judged.insert(item.clone());
            }
        }
        // Events of judged items that this run did not find again (a
        // backfill raised their baseline, or moved their first window):
        // withdrawn.
        let found: BTreeSet<&str> = out[before..].iter().map(|e| e.id.as_str()).collect();
        let mut st = scan
            .conn
            .prepare_cached("SELECT id, key FROM events WHERE kind = ?1")?;
        let rows = st.query_map([REG.name], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?;
        for r in rows {
            let (id, key) = r?;
            let item = key.rsplit_once('/').map_or(key.as_str(), |(i, _)| i);
            if judged.contains(item) && !found.contains(id.as_str()) {
                self.withdrawn.push(id);
            }
        }
        Ok(())
    }

    fn withdrawn(&mut self) -> Vec<String> {
        std::mem::take(&mut self.withdrawn)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{Fx, T0};
    use rusqlite::params;

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
    fn a_store_wide_rise_is_not_an_item_surge() {
        let mut fx = Fx::new();
        let a = fx.actor("x:1", "a");
        let mut n = 0;
        // Ten days: every hour 20 untagged posts and 6 of #news.
        let hour = |fx: &mut Fx, n: &mut u32, at: i64, others: i64, news: i64| {
            for k in 0..others {
                *n += 1;
                fx.post(&format!("x:{n}"), a, at + k * 3600 / others, "words");
            }
            for k in 0..news {
                tag(fx, a, n, at + 30 + k * 3600 / news, "news");
            }
        };
        for h in 0..10 * 24 {
            let at = T0 + h * 3600;
            let (others, news) = match h {
                // Day 8, 14:00: everything 8 times busier (a news day).
                h if h == 8 * 24 + 14 => (160, 48),
                // Day 9, 14:00: #news alone 8 times busier.
                h if h == 9 * 24 + 14 => (20, 48),
                _ => (20, 6),
            };
            hour(&mut fx, &mut n, at, others, news);
        }
        fx.detect("");
        let ev = fx.events("surge");
        assert_eq!(ev.len(), 1, "{ev:#?}");
        assert_eq!(ev[0].start, T0 + (9 * 24 + 14) * 3600 + 30);
        assert!(ev[0].detail["activity"].as_f64().unwrap() < 1.1);
    }

    #[test]
    fn a_backfill_that_raises_the_baseline_withdraws_the_surge() {
        let mut fx = Fx::new();
        let a = fx.actor("x:1", "a");
        let mut n = 0;
        for d in 0..10 {
            for h in 0..4 {
                tag(&mut fx, a, &mut n, T0 + d * 86_400 + h * 6 * 3600, "news");
            }
        }
        let burst = T0 + 8 * 86_400 + 14 * 3600 + 7 * 60;
        for i in 0..30 {
            tag(&mut fx, a, &mut n, burst + i * 60, "news");
        }
        fx.detect("");
        assert_eq!(fx.events("surge").len(), 1);
        // Older posts turn up: #news was busy all along (200 a day).
        for d in 1..8 {
            for k in 0..200 {
                tag(&mut fx, a, &mut n, T0 + d * 86_400 + k * 400, "news");
            }
        }
        let r = fx.detect("");
        let d = r.detectors.iter().find(|d| d.name == "surge").unwrap();
        assert_eq!(d.withdrawn_events, 1, "{d:?}");
        assert!(fx.events("surge").is_empty());
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
