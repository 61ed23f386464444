//! `newcomers`: a burst of never-seen accounts addressing the same target.
//!
//! **What it detects.** Accounts the store had never seen before that all
//! address the same target, far more of them than usual:
//! - a **home account** (`[home]`): replies to, mentions or quotes of it;
//! - a **watched term** (`[[term]]`): posts naming it;
//! - a **watched actor**'s forwards: new channels or groups forwarding its
//!   posts (`forwarded_from`).
//!
//! An account is *new* at its first post addressing the target when its
//! first post in the whole store is at most `fresh_hours` older. Each
//! account counts once per target, at that first post. New accounts are
//! counted in one-hour bins; a sliding window of `window_hours` is a burst
//! by the same robust test as `surge` (at least `min_accounts`, `min_ratio`
//! times a median-of-days baseline never below `min_baseline_per_day`, and a
//! Poisson tail at most `max_p`), judged only after `min_history_days` of
//! store history (before that, every account is new).
//!
//! **Why it matters.** Thousands of first-time accounts writing to a
//! ministry in a week, or fresh channels all relaying one armed group, are
//! how campaigns, brigading and new distribution networks look from the
//! outside.
//!
//! **Evidence it attaches.** The first addressing post of each new account
//! in time order (the first is the `trigger`, the others `newcomer`), up to
//! `max_evidence`. `actors`: the target actor first (for home and forward
//! targets), then the new accounts in order of arrival (up to 20).
//! `detail`: the target, the number of new accounts, the peak window's
//! count, expected count, ratio and p-value, and up to 200 account refs.
//!
//! **Score.** The ratio at the peak window (new accounts / expected).
//!
//! **Parameters** (`[detectors.newcomers]`): `fresh_hours` (48),
//! `window_hours` (6), `min_accounts` (20), `min_ratio` (5.0), `max_p`
//! (1e-9), `baseline_days` (7), `min_baseline_per_day` (2.0),
//! `min_history_days` (3), `max_evidence` (50).

use super::burst::{Burst, end_bin, episodes, start_bin};
use crate::events::{Event, Evidence, rfc3339};
use crate::{ConfigError, Detector, Error, Registration, Scan, Watchlists};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// The registry entry.
pub const REG: Registration = Registration {
    name: "newcomers",
    about: "a burst of never-seen accounts addressing the same home account, watched term or watched actor's posts",
    build,
};

const BIN: i64 = 3600;

/// `[detectors.newcomers]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Params {
    /// An account is new if first seen at most this long before.
    pub fresh_hours: u32,
    /// The sliding window.
    pub window_hours: u32,
    /// Fewest new accounts in the window.
    pub min_accounts: u32,
    /// Fewest times the expected count.
    pub min_ratio: f64,
    /// Largest Poisson tail probability.
    pub max_p: f64,
    /// Days of baseline before the window.
    pub baseline_days: u32,
    /// Floor of the daily baseline (new accounts per day).
    pub min_baseline_per_day: f64,
    /// Store history needed before windows are judged.
    pub min_history_days: u32,
    /// Most evidence posts.
    pub max_evidence: usize,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            fresh_hours: 48,
            window_hours: 6,
            min_accounts: 20,
            min_ratio: 5.0,
            max_p: 1e-9,
            baseline_days: 7,
            min_baseline_per_day: 2.0,
            min_history_days: 3,
            max_evidence: 50,
        }
    }
}

struct Newcomers {
    params: Params,
}

fn build(w: &Watchlists) -> Result<Box<dyn Detector>, ConfigError> {
    let p: Params = super::params(w, REG.name)?;
    if !(p.max_p > 0.0 && p.max_p <= 1.0)
        || p.min_ratio < 1.0
        || p.baseline_days == 0
        || p.window_hours == 0
    {
        return Err(ConfigError::at(
            &w.file,
            &w.source,
            w.detector_spans.get(REG.name).cloned(),
            "[detectors.newcomers]: max_p must be in (0, 1], min_ratio at least 1, baseline_days and window_hours at least 1".into(),
        ));
    }
    Ok(Box::new(Newcomers { params: p }))
}

/// A post addressing a target: time, post ref, author id, author ref.
type Addr = (i64, String, i64, String);

/// A target: its label, its actor ref (none for terms), its addressing posts.
type Target = (String, Option<String>, Vec<Addr>);

impl Newcomers {
    /// Targets (label, actor ref if any) with their addressing posts, by time.
    fn targets(&self, scan: &Scan<'_>) -> Result<Vec<Target>, Error> {
        let conn = scan.conn;
        let mut out = Vec::new();
        let map = |r: &rusqlite::Row<'_>| -> rusqlite::Result<Addr> {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        };
        for &home in &scan.resolved.home {
            let (label, aref) = crate::actor_label(conn, Some(home))?;
            let mut st = conn.prepare_cached(
                "SELECT DISTINCT p.created_at, p.ref, p.author_id, a.ref FROM interactions i
                 JOIN posts p ON p.id = i.post_id JOIN actors a ON a.id = p.author_id
                 WHERE i.dst_actor = ?1 AND i.kind IN ('reply', 'mention', 'quote')
                   AND p.created_at IS NOT NULL AND p.author_id != ?1
                 ORDER BY p.created_at, p.ref",
            )?;
            let posts = st.query_map([home], map)?.collect::<Result<Vec<_>, _>>()?;
            out.push((format!("{label} (home)"), Some(aref), posts));
        }
        // Forwards of each watched actor (partial index on forwarded_from).
        let mut st = conn.prepare_cached(
            "SELECT p.created_at, p.ref, p.author_id, a.ref FROM posts p JOIN actors a ON a.id = p.author_id
             WHERE p.forwarded_from = ?1 AND p.forwarded_from IS NOT NULL AND p.created_at IS NOT NULL
               AND p.author_id != p.forwarded_from
             ORDER BY p.created_at, p.ref",
        )?;
        for a in &scan.resolved.actors {
            let posts = st.query_map([a.id], map)?.collect::<Result<Vec<_>, _>>()?;
            if !posts.is_empty() {
                let label = a
                    .handle
                    .as_ref()
                    .map_or_else(|| a.reference.clone(), |h| format!("@{h}"));
                out.push((
                    format!("forwards of {label}"),
                    Some(a.reference.clone()),
                    posts,
                ));
            }
        }
        // Posts naming each watched term (`detect_links`).
        let mut st = conn.prepare_cached(
            "SELECT p.created_at, p.ref, p.author_id, a.ref FROM detect_links l JOIN posts p ON p.id = l.post_id
             JOIN actors a ON a.id = p.author_id
             WHERE l.target = ?1 AND p.created_at IS NOT NULL
             ORDER BY p.created_at, p.ref",
        )?;
        for t in &scan.watch.terms {
            let posts = st
                .query_map([format!("term:{}", t.term)], map)?
                .collect::<Result<Vec<_>, _>>()?;
            out.push((format!("term {:?}", t.term), None, posts));
        }
        Ok(out)
    }
}

impl Detector for Newcomers {
    fn params(&self) -> serde_json::Value {
        serde_json::to_value(&self.params).unwrap_or_default()
    }

    // Targets are few (home accounts, terms, watched actors), so each run
    // recomputes them whole; the runner skips events that did not change.
    fn detect(&mut self, scan: &Scan<'_>, out: &mut Vec<Event>) -> Result<(), Error> {
        let conn = scan.conn;
        let history_start: Option<i64> =
            conn.query_row("SELECT min(created_at) FROM posts", [], |r| r.get(0))?;
        let Some(history_start) = history_start else {
            return Ok(());
        };
        let targets = self.targets(scan)?;
        if targets.iter().all(|(_, _, p)| p.is_empty()) {
            return Ok(());
        }
        // When each addressing account first posted anything (posts_author
        // index), for those accounts only.
        let mut first_seen: HashMap<i64, i64> = HashMap::new();
        let mut st = conn.prepare_cached(
            "SELECT min(created_at) FROM posts WHERE author_id = ?1 AND created_at IS NOT NULL",
        )?;
        for (_, _, posts) in &targets {
            for p in posts {
                if let std::collections::hash_map::Entry::Vacant(v) = first_seen.entry(p.2)
                    && let Some(t) = st.query_row([p.2], |r| r.get::<_, Option<i64>>(0))?
                {
                    v.insert(t);
                }
            }
        }
        let fresh = i64::from(self.params.fresh_hours) * 3600;
        let window = i64::from(self.params.window_hours);
        let burst = Burst {
            min_count: self.params.min_accounts,
            min_ratio: self.params.min_ratio,
            max_p: self.params.max_p,
            baseline_days: self.params.baseline_days,
            min_baseline_per_day: self.params.min_baseline_per_day,
            min_history_days: self.params.min_history_days,
        };
        for (label, target_ref, posts) in targets {
            // Each new account once, at its first post addressing the target.
            let mut seen: HashMap<i64, ()> = HashMap::new();
            let mut arrivals: Vec<&Addr> = Vec::new();
            for p in &posts {
                if seen.insert(p.2, ()).is_some() {
                    continue;
                }
                let first = first_seen.get(&p.2).copied().unwrap_or(p.0);
                if p.0 - first <= fresh {
                    arrivals.push(p);
                }
            }
            let mut bins: BTreeMap<i64, u32> = BTreeMap::new();
            for a in &arrivals {
                *bins.entry(a.0.div_euclid(BIN)).or_default() += 1;
            }
            for run in episodes(&burst, &bins, history_start, BIN, window, None) {
                let (Some(first), Some(last)) = (run.first(), run.last()) else {
                    continue;
                };
                let Some(peak) = run.iter().max_by(|a, b| {
                    (f64::from(a.count) / a.expected).total_cmp(&(f64::from(b.count) / b.expected))
                }) else {
                    continue;
                };
                let sb = start_bin(&bins, first, window, self.params.min_ratio);
                let eb = end_bin(&bins, last, window, self.params.min_ratio);
                let (from, to) = (sb * BIN, (eb + 1) * BIN - 1);
                let group: Vec<&&Addr> = arrivals
                    .iter()
                    .filter(|a| a.0 >= from && a.0 <= to)
                    .collect();
                let (Some(g0), Some(gn)) = (group.first(), group.last()) else {
                    continue;
                };
                let mut e = Event::new(REG.name, format!("{label}/{}", first.end_bin));
                e.start = g0.0;
                e.end = gn.0;
                e.actors = target_ref.iter().cloned().collect();
                e.actors.extend(group.iter().take(20).map(|a| a.3.clone()));
                for (i, a) in group
                    .iter()
                    .take(self.params.max_evidence.max(1))
                    .enumerate()
                {
                    e.evidence.push(Evidence {
                        post: a.1.clone(),
                        role: if i == 0 { "trigger" } else { "newcomer" }.into(),
                        at: Some(a.0),
                        note: Some(a.3.clone()),
                    });
                }
                let ratio = f64::from(peak.count) / peak.expected;
                e.score = (ratio * 100.0).round() / 100.0;
                e.summary = format!(
                    "{} new accounts addressed {label} from {} to {} ({} in the peak {}-hour window, {:.1}× the expected {:.1})",
                    group.len(),
                    rfc3339(e.start),
                    rfc3339(e.end),
                    peak.count,
                    window,
                    ratio,
                    peak.expected
                );
                e.detail = serde_json::json!({
                    "target": label,
                    "target_actor": target_ref,
                    "newcomers": group.len(),
                    "peak_window_end": rfc3339((peak.end_bin + 1) * BIN),
                    "peak_count": peak.count,
                    "expected": peak.expected,
                    "ratio": ratio,
                    "p": peak.p,
                    "accounts": group.iter().take(200).map(|a| a.3.as_str()).collect::<Vec<_>>(),
                });
                out.push(e);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::testutil::{Fx, T0};

    #[test]
    fn new_accounts_flooding_a_home_account() {
        let mut fx = Fx::new();
        let home = fx.actor("x:1", "ministry");
        let mut n = 0;
        // Ten days: 3 regular accounts write to the ministry every day, and
        // 1 new account a day (the usual trickle).
        let regulars: Vec<i64> = (0..3)
            .map(|i| fx.actor(&format!("x:{}", 100 + i), "reg"))
            .collect();
        for d in 0..10 {
            for &r in &regulars {
                n += 1;
                let p = fx.post(&format!("x:{n}"), r, T0 + d * 86_400 + 3600, "@ministry hi");
                fx.interaction(p, "mention", r, home, T0 + d * 86_400 + 3600);
            }
            let a = fx.actor(&format!("x:{}", 200 + d), "trickle");
            n += 1;
            let p = fx.post(
                &format!("x:{n}"),
                a,
                T0 + d * 86_400 + 7200,
                "@ministry first",
            );
            fx.interaction(p, "reply", a, home, T0 + d * 86_400 + 7200);
        }
        // Day 8 from 10:20: 60 brand-new accounts, one every 2 minutes.
        let t0 = T0 + 8 * 86_400 + 10 * 3600 + 20 * 60;
        for i in 0..60 {
            let a = fx.actor(&format!("x:{}", 1000 + i), "new");
            n += 1;
            let p = fx.post(&format!("x:{n}"), a, t0 + i * 120, "@ministry resign");
            fx.interaction(p, "mention", a, home, t0 + i * 120);
        }
        fx.detect("[home]\nactors = [\"x:1\"]\n");
        let ev = fx.events("newcomers");
        assert_eq!(ev.len(), 1, "{ev:#?}");
        let e = &ev[0];
        assert_eq!(e.start, t0);
        assert_eq!(e.end, t0 + 59 * 120);
        assert_eq!(e.detail["newcomers"], 60);
        assert_eq!(e.actors[0], "x:1");
        assert_eq!(e.actors[1], "x:1000");
        assert!(
            e.summary
                .starts_with("60 new accounts addressed @ministry (home)"),
            "{}",
            e.summary
        );
        // Without a home account, nothing.
        fx.detect("");
        assert!(fx.events("newcomers").is_empty());
    }
}
