//! `reaction-wave`: a watched actor's post draws far more reactions than
//! that actor's posts usually draw at the same age.
//!
//! **What it detects.** For each post by a watched actor, its reactions in
//! the `horizon_hours` after it: replies, quotes and reposts of it; posts
//! linking to it (an X `/status/<id>` URL); and posts mentioning its author
//! by @handle or by alias, attributed to the author's latest post before
//! them. Each reacting post counts once, and the author's own posts not at
//! all. The reactions are counted in 15-minute bins of *post age*. The
//! baseline is the actor's own: at each age, the median cumulative count of
//! its previous `baseline_posts` posts (at least `min_history_posts` of
//! them, else the post is not judged), never below `min_baseline`. At ages
//! 30 min, 1, 2, 4, 8, 16 and 24 hours (up to the horizon), the post is a
//! wave when its cumulative count is at least `min_reactions`, at least
//! `min_ratio` times the baseline, and the Poisson tail P(X ≥ count |
//! baseline) is at most `max_p`. This is CrowdTangle's "overperforming"
//! idea, with a robust baseline and a test.
//!
//! **Why it matters.** A statement that sets off a storm (a threat, a
//! provocation, a leaked document) shows as a wave before anyone writes
//! about it. Who reacts, and from which side, says what kind of storm.
//!
//! **Evidence it attaches.** The post (`trigger`), then its first reactions
//! in time order (`reaction`, noted with the kind), up to `max_evidence`.
//! `actors`: the author, then the most active reacting accounts (up to 10).
//! `detail`: `size` (reactions within the horizon), `peak` (the busiest
//! 15-minute bin and its count), the checkpoint that fired with its
//! baseline, `ratio` and `p`, reactions by `kinds`, reacting accounts
//! `by_side` (watchlist sides, `none` for the rest), `opposing_share`
//! (the share of reacting accounts on a side opposed to the author's), and
//! `by_community` / `communities`: the reacting accounts grouped by their
//! Leiden community in the interaction network (their own interactions,
//! without the author's), each group with its sides and opposing share.
//!
//! **Time.** The start is the first reaction of the first age bin that is
//! itself elevated (2 reactions or more, and `min_ratio` times the
//! baseline's increase over that bin, at least `min_baseline` / 96); when no
//! single bin is, the first reaction. The end is the last reaction of the
//! last such bin.
//!
//! **Score.** The ratio at the checkpoint that fired first.
//!
//! **Parameters** (`[detectors.reaction-wave]`): `horizon_hours` (24),
//! `baseline_posts` (30), `min_history_posts` (5), `min_reactions` (20),
//! `min_ratio` (5.0), `max_p` (1e-9), `min_baseline` (2.0), `max_evidence`
//! (30).

use super::burst::{median, poisson_tail};
use crate::events::{Event, Evidence, rfc3339};
use crate::links;
use crate::{ConfigError, Detector, Error, Registration, ResolvedActor, Scan, Watchlists};
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The registry entry.
pub const REG: Registration = Registration {
    name: "reaction-wave",
    about: "a watched actor's post draws far more reactions than its posts usually do at the same age",
    build,
};

const BIN: i64 = 900;
/// Checkpoints, in 15-minute bins after the post (the cumulative count at
/// the end of bin j covers ages up to (j + 1) × 15 min).
const CHECKPOINTS: &[usize] = &[1, 3, 7, 15, 31, 63, 95];

/// `[detectors.reaction-wave]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Params {
    /// How long after a post reactions count (1 to 24 hours... or more).
    pub horizon_hours: u32,
    /// Previous posts of the actor used as the baseline.
    pub baseline_posts: usize,
    /// Fewest previous posts for a post to be judged.
    pub min_history_posts: usize,
    /// Fewest reactions.
    pub min_reactions: u32,
    /// Fewest times the baseline.
    pub min_ratio: f64,
    /// Largest Poisson tail probability.
    pub max_p: f64,
    /// Floor of the cumulative baseline.
    pub min_baseline: f64,
    /// Most evidence posts.
    pub max_evidence: usize,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            horizon_hours: 24,
            baseline_posts: 30,
            min_history_posts: 5,
            min_reactions: 20,
            min_ratio: 5.0,
            max_p: 1e-9,
            min_baseline: 2.0,
            max_evidence: 30,
        }
    }
}

struct Wave {
    params: Params,
}

fn build(w: &Watchlists) -> Result<Box<dyn Detector>, ConfigError> {
    let p: Params = super::params(w, REG.name)?;
    if !(p.max_p > 0.0 && p.max_p <= 1.0)
        || p.min_ratio < 1.0
        || p.horizon_hours == 0
        || p.baseline_posts == 0
    {
        return Err(ConfigError::at(
            &w.file,
            &w.source,
            w.detector_spans.get(REG.name).cloned(),
            "[detectors.reaction-wave]: max_p must be in (0, 1], min_ratio at least 1, horizon_hours and baseline_posts at least 1".into(),
        ));
    }
    Ok(Box::new(Wave { params: p }))
}

/// A watched post.
struct Trigger {
    post_ref: String,
    native_id: String,
    author: i64,
    at: i64,
}

/// A reaction: time, reacting post ref, its author id, kind.
type Reaction = (i64, String, i64, &'static str);

impl Detector for Wave {
    fn params(&self) -> serde_json::Value {
        serde_json::to_value(&self.params).unwrap_or_default()
    }

    // Per watched actor: an actor whose posts, reactions, mentions or
    // alias mentions the changes touch has all its posts judged again, from
    // indexed lookups (its posts; replies and quotes of each; reposts and
    // mentions of it; links and alias mentions through `detect_links`), so
    // a run costs what the touched actors' audiences hold, not the store.
    fn detect(&mut self, scan: &Scan<'_>, out: &mut Vec<Event>) -> Result<(), Error> {
        if scan.resolved.actors.is_empty() {
            return Ok(());
        }
        let touched = if scan.since == 0 {
            scan.resolved.actors.iter().map(|a| a.id).collect()
        } else {
            touched_actors(scan)?
        };
        for a in &scan.resolved.actors {
            if touched.contains(&a.id) {
                self.actor_events(scan, a, out)?;
            }
        }
        Ok(())
    }
}

/// Most reacting accounts placed in communities (the most active first).
const MAX_COMMUNITY_ACCOUNTS: usize = 1_000;
/// Most communities listed in `by_community`.
const MAX_COMMUNITIES: usize = 10;

/// The reacting accounts (`top`: account, reactions; most first) grouped
/// by community: Leiden (`tarjuman_analysis::graph::community`, seed 42,
/// resolution 1) on every stored interaction of theirs, in either
/// direction, except those with the post's author (which would make the
/// wave itself one star-shaped community). Returns the largest communities
/// (by reacting accounts; each with its accounts, reactions, sides,
/// opposing accounts and top members) and a summary.
fn communities(
    scan: &Scan<'_>,
    author: i64,
    top: &[(i64, usize)],
) -> Result<(serde_json::Value, serde_json::Value), Error> {
    let conn = scan.conn;
    let accounts = &top[..top.len().min(MAX_COMMUNITY_ACCOUNTS)];
    let set: HashMap<i64, usize> = accounts.iter().map(|(a, n)| (*a, *n)).collect();
    let mut node: HashMap<i64, usize> = HashMap::new();
    let mut ids: Vec<i64> = Vec::new();
    let mut index = |a: i64, ids: &mut Vec<i64>| -> usize {
        *node.entry(a).or_insert_with(|| {
            ids.push(a);
            ids.len() - 1
        })
    };
    for (a, _) in accounts {
        index(*a, &mut ids);
    }
    let mut weights: HashMap<(usize, usize), f64> = HashMap::new();
    let mut out_st =
        // An interaction's source is its post's author (see SCHEMA.md).
        conn.prepare_cached(
            "SELECT i.dst_actor FROM posts p JOIN interactions i ON i.post_id = p.id
             WHERE p.author_id = ?1 AND i.src_actor = ?1",
        )?;
    let mut in_st =
        conn.prepare_cached("SELECT src_actor FROM interactions WHERE dst_actor = ?1")?;
    for (a, _) in accounts {
        for d in out_st.query_map([a], |r| r.get::<_, i64>(0))? {
            let d = d?;
            if d != author && d != *a {
                let (u, v) = (index(*a, &mut ids), index(d, &mut ids));
                *weights.entry((u, v)).or_default() += 1.0;
            }
        }
        for s in in_st.query_map([a], |r| r.get::<_, i64>(0))? {
            let s = s?;
            // Edges between two reacting accounts came with the source's.
            if s != author && s != *a && !set.contains_key(&s) {
                let (u, v) = (index(s, &mut ids), index(*a, &mut ids));
                *weights.entry((u, v)).or_default() += 1.0;
            }
        }
    }
    let mut edges: Vec<(usize, usize, f64)> =
        weights.into_iter().map(|((u, v), w)| (u, v, w)).collect();
    edges.sort_unstable_by_key(|x| (x.0, x.1));
    let c = tarjuman_analysis::graph::community::detect(ids.len(), &edges, 42, 1.0)
        .map_err(|e| Error::Analysis(e.to_string()))?;
    let author_side = scan.resolved.get(author).and_then(|x| x.side.clone());
    // community → (accounts, reactions, sides, opposing, members)
    type Group = (usize, usize, BTreeMap<String, usize>, usize, Vec<i64>);
    let mut groups: BTreeMap<u32, Group> = BTreeMap::new();
    for (a, n) in accounts {
        let g = groups.entry(c.membership[node[a]]).or_default();
        g.0 += 1;
        g.1 += n;
        let side = scan.resolved.get(*a).and_then(|x| x.side.clone());
        if let (Some(s), Some(mine)) = (&side, &author_side)
            && scan.watch.opposed(s, mine)
        {
            g.3 += 1;
        }
        *g.2.entry(side.unwrap_or_else(|| "none".into()))
            .or_default() += 1;
        g.4.push(*a);
    }
    let mut list: Vec<(u32, Group)> = groups.into_iter().collect();
    list.sort_by(|x, y| {
        y.1.0
            .cmp(&x.1.0)
            .then(y.1.1.cmp(&x.1.1))
            .then(x.0.cmp(&y.0))
    });
    let mut by_community = Vec::new();
    for (k, (_, g)) in list.iter().take(MAX_COMMUNITIES).enumerate() {
        let mut members = Vec::new();
        for a in g.4.iter().take(5) {
            members.push(crate::actor_label(conn, Some(*a))?.1);
        }
        by_community.push(serde_json::json!({
            "community": k,
            "accounts": g.0,
            "reactions": g.1,
            "by_side": g.2,
            "opposing": g.3,
            "opposing_share": g.3 as f64 / g.0.max(1) as f64,
            "top": members,
        }));
    }
    let summary = serde_json::json!({
        "method": "leiden (seed 42, resolution 1) on the reacting accounts' stored interactions, without the author",
        "count": list.len(),
        "accounts_placed": accounts.len(),
        "accounts_alone": list.iter().filter(|(_, g)| g.0 == 1).count(),
        "graph_nodes": ids.len(),
        "graph_edges": edges.len(),
        "modularity": (c.modularity * 1000.0).round() / 1000.0,
    });
    Ok((serde_json::Value::Array(by_community), summary))
}

/// Watched actors the changes in the scan's window touch: they wrote a
/// changed post, or a changed post replies to, quotes, reposts, links to,
/// mentions or names (by alias) one of them or their posts.
fn touched_actors(scan: &Scan<'_>) -> Result<BTreeSet<i64>, Error> {
    let conn = scan.conn;
    let mut out = BTreeSet::new();
    let watched = |id: i64| scan.resolved.get(id).is_some();
    let changed: Vec<i64> = conn
        .prepare_cached("SELECT DISTINCT post_id FROM post_versions WHERE seq > ?1 AND seq <= ?2")?
        .query_map(params![scan.since, scan.upto], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut post_st = conn.prepare_cached(
        "SELECT author_id, reply_to, quote_of, repost_of FROM posts WHERE id = ?1",
    )?;
    let mut author_st = conn.prepare_cached("SELECT author_id FROM posts WHERE ref = ?1")?;
    let mut inter_st =
        conn.prepare_cached("SELECT dst_actor FROM interactions WHERE post_id = ?1")?;
    let mut link_st = conn.prepare_cached("SELECT target FROM detect_links WHERE post_id = ?1")?;
    let by_ref: HashMap<&str, i64> = scan
        .resolved
        .actors
        .iter()
        .map(|a| (a.reference.as_str(), a.id))
        .collect();
    for id in changed {
        let Some((author, targets)) = post_st
            .query_row([id], |r| {
                Ok((
                    r.get::<_, Option<i64>>(0)?,
                    [
                        r.get::<_, Option<String>>(1)?,
                        r.get::<_, Option<String>>(2)?,
                        r.get::<_, Option<String>>(3)?,
                    ],
                ))
            })
            .optional()?
        else {
            continue;
        };
        if let Some(a) = author.filter(|a| watched(*a)) {
            out.insert(a);
        }
        let mut refs: Vec<String> = targets.into_iter().flatten().collect();
        for t in link_st.query_map([id], |r| r.get::<_, String>(0))? {
            let t = t?;
            if let Some(s) = t.strip_prefix("status:") {
                refs.push(format!("x:{s}"));
            } else if let Some(&a) = t.strip_prefix("alias:").and_then(|r| by_ref.get(r)) {
                out.insert(a);
            }
        }
        for r in refs {
            if let Some(Some(a)) = author_st.query_row([&r], |r| r.get(0)).optional()?
                && watched(a)
            {
                out.insert(a);
            }
        }
        for d in inter_st.query_map([id], |r| r.get::<_, i64>(0))? {
            let d = d?;
            if watched(d) {
                out.insert(d);
            }
        }
    }
    Ok(out)
}

impl Wave {
    /// Judges every post of watched actor `a`.
    fn actor_events(
        &self,
        scan: &Scan<'_>,
        a: &ResolvedActor,
        out: &mut Vec<Event>,
    ) -> Result<(), Error> {
        let conn = scan.conn;
        let horizon = i64::from(self.params.horizon_hours) * 3600;
        let nbins = (horizon / BIN).max(1) as usize;
        let mut triggers: Vec<Trigger> = Vec::new();
        let mut st = conn.prepare_cached(
            "SELECT ref, native_id, created_at FROM posts WHERE author_id = ?1 AND created_at IS NOT NULL AND kind != 'repost' ORDER BY created_at, ref",
        )?;
        for r in st.query_map([a.id], |r| {
            Ok(Trigger {
                post_ref: r.get(0)?,
                native_id: r.get(1)?,
                author: a.id,
                at: r.get(2)?,
            })
        })? {
            triggers.push(r?);
        }
        if triggers.is_empty() {
            return Ok(());
        }
        let by_ref: HashMap<&str, usize> = triggers
            .iter()
            .enumerate()
            .map(|(i, t)| (t.post_ref.as_str(), i))
            .collect();
        let mut reactions: Vec<BTreeMap<String, Reaction>> = vec![BTreeMap::new(); triggers.len()];
        let mut add = |i: usize, r: Reaction| {
            let t = &triggers[i];
            if r.2 == t.author || r.0 < t.at || r.0 - t.at >= horizon {
                return;
            }
            reactions[i].entry(r.1.clone()).or_insert(r);
        };
        // Replies and quotes of each post, through their indexes.
        for (col, kind) in [("reply_to", "reply"), ("quote_of", "quote")] {
            let mut st = conn.prepare_cached(&format!(
                "SELECT created_at, ref, author_id FROM posts WHERE {col} = ?1 AND created_at IS NOT NULL AND author_id IS NOT NULL"
            ))?;
            for (i, t) in triggers.iter().enumerate() {
                for r in st.query_map([&t.post_ref], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))? {
                    let (at, pr, au): (i64, String, i64) = r?;
                    add(i, (at, pr, au, kind));
                }
            }
        }
        // Reposts of the actor's posts, through the repost interactions.
        let mut st = conn.prepare_cached(
            "SELECT p.created_at, p.ref, p.author_id, p.repost_of FROM interactions i JOIN posts p ON p.id = i.post_id
             WHERE i.dst_actor = ?1 AND i.kind = 'repost' AND p.repost_of IS NOT NULL
               AND p.created_at IS NOT NULL AND p.author_id IS NOT NULL",
        )?;
        for r in st.query_map([a.id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get::<_, String>(3)?))
        })? {
            let (at, pr, au, target): (i64, String, i64, String) = r?;
            if let Some(&i) = by_ref.get(target.as_str()) {
                add(i, (at, pr, au, "repost"));
            }
        }
        // Links to each X post.
        for (i, t) in triggers.iter().enumerate() {
            if t.post_ref.starts_with("x:") {
                for (at, pr, au) in links::posts_to(conn, &format!("status:{}", t.native_id))? {
                    add(i, (at, pr, au, "link"));
                }
            }
        }
        // Mentions of the actor (by handle, or by alias in text), given to
        // its latest post before them.
        let latest = |at: i64| -> Option<usize> {
            let k = triggers.partition_point(|t| t.at <= at);
            (k > 0).then(|| k - 1)
        };
        let mut st = conn.prepare_cached(
            "SELECT p.created_at, p.ref, p.author_id FROM interactions i JOIN posts p ON p.id = i.post_id
             WHERE i.dst_actor = ?1 AND i.kind = 'mention' AND p.created_at IS NOT NULL AND p.author_id IS NOT NULL",
        )?;
        let mut mentions: Vec<(usize, Reaction)> = Vec::new();
        for r in st.query_map([a.id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))? {
            let (at, pr, au): (i64, String, i64) = r?;
            if let Some(i) = latest(at) {
                mentions.push((i, (at, pr, au, "mention")));
            }
        }
        if !a.aliases.is_empty() {
            for (at, pr, au) in links::posts_to(conn, &format!("alias:{}", a.reference))? {
                if let Some(i) = latest(at) {
                    mentions.push((i, (at, pr, au, "alias")));
                }
            }
        }
        for (i, r) in mentions {
            add(i, r);
        }
        let list: Vec<usize> = (0..triggers.len()).collect();

        // Cumulative curves per post.
        let curve = |rs: &BTreeMap<String, Reaction>, at: i64| -> Vec<u32> {
            let mut bins = vec![0u32; nbins];
            for r in rs.values() {
                let j = ((r.0 - at) / BIN) as usize;
                if j < nbins {
                    bins[j] += 1;
                }
            }
            bins
        };
        let p = &self.params;
        {
            for (k, &i) in list.iter().enumerate() {
                if k < p.min_history_posts {
                    continue;
                }
                let t = &triggers[i];
                let prev = &list[k.saturating_sub(p.baseline_posts)..k];
                let prev_bins: Vec<Vec<u32>> = prev
                    .iter()
                    .map(|&q| curve(&reactions[q], triggers[q].at))
                    .collect();
                let cum = |b: &[u32], j: usize| -> u32 { b[..=j].iter().sum() };
                let base = |j: usize| -> f64 {
                    median(prev_bins.iter().map(|b| cum(b, j)).collect()).max(p.min_baseline)
                };
                let bins = curve(&reactions[i], t.at);
                let fired = CHECKPOINTS.iter().filter(|&&j| j < nbins).find_map(|&j| {
                    let c = cum(&bins, j);
                    let b = base(j);
                    if c < p.min_reactions || f64::from(c) < p.min_ratio * b {
                        return None;
                    }
                    let pv = poisson_tail(u64::from(c), b);
                    (pv <= p.max_p).then_some((j, c, b, pv))
                });
                let Some((j, c, b, pv)) = fired else { continue };
                // Elevated bins: at least 2 reactions and min_ratio times
                // the baseline's increase over that bin.
                let floor = p.min_baseline / 96.0;
                let elevated: Vec<usize> = (0..nbins)
                    .filter(|&x| {
                        let inc = (base(x) - if x == 0 { 0.0 } else { base(x - 1) }).max(floor);
                        bins[x] >= 2 && f64::from(bins[x]) >= p.min_ratio * inc
                    })
                    .collect();
                let mut rs: Vec<&Reaction> = reactions[i].values().collect();
                rs.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
                let (from, to) = match (elevated.first(), elevated.last()) {
                    (Some(&a), Some(&z)) => {
                        (t.at + a as i64 * BIN, t.at + (z as i64 + 1) * BIN - 1)
                    }
                    _ => (t.at, t.at + horizon - 1),
                };
                let wave: Vec<&&Reaction> =
                    rs.iter().filter(|r| r.0 >= from && r.0 <= to).collect();
                let (Some(w0), Some(wn)) = (wave.first(), wave.last()) else {
                    continue;
                };
                let author = scan.resolved.get(t.author);
                let mut by_actor: BTreeMap<i64, usize> = BTreeMap::new();
                let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
                for r in &rs {
                    *by_actor.entry(r.2).or_default() += 1;
                    *kinds.entry(r.3).or_default() += 1;
                }
                let mut by_side: BTreeMap<String, usize> = BTreeMap::new();
                let mut opposing = 0usize;
                for a in by_actor.keys() {
                    let side = scan.resolved.get(*a).and_then(|x| x.side.clone());
                    if let (Some(s), Some(mine)) = (&side, author.and_then(|x| x.side.as_ref()))
                        && scan.watch.opposed(s, mine)
                    {
                        opposing += 1;
                    }
                    *by_side
                        .entry(side.unwrap_or_else(|| "none".into()))
                        .or_default() += 1;
                }
                let mut top: Vec<(i64, usize)> = by_actor.iter().map(|(a, n)| (*a, *n)).collect();
                top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                let groups = communities(scan, t.author, &top)?;
                let mut e = Event::new(REG.name, t.post_ref.clone());
                e.start = w0.0;
                e.end = wn.0;
                let (label, aref) = crate::actor_label(conn, Some(t.author))?;
                e.actors.push(aref);
                for (a, _) in top.iter().take(10) {
                    e.actors.push(crate::actor_label(conn, Some(*a))?.1);
                }
                e.evidence.push(Evidence {
                    post: t.post_ref.clone(),
                    role: "trigger".into(),
                    at: Some(t.at),
                    note: None,
                });
                for r in rs.iter().take(p.max_evidence) {
                    e.evidence.push(Evidence {
                        post: r.1.clone(),
                        role: "reaction".into(),
                        at: Some(r.0),
                        note: Some(r.3.into()),
                    });
                }
                let (peak_bin, peak) = bins
                    .iter()
                    .enumerate()
                    .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(&a.0)))
                    .map_or((0, 0), |(x, c)| (x, *c));
                let ratio = f64::from(c) / b;
                let share = if by_actor.is_empty() {
                    0.0
                } else {
                    opposing as f64 / by_actor.len() as f64
                };
                e.score = (ratio * 100.0).round() / 100.0;
                let age = (j as i64 + 1) * BIN;
                e.summary = format!(
                    "{label}'s post drew {c} reactions within {} of posting, {:.1}× its usual {:.1} at that age; {} reactions from {} accounts in all, {:.0}% of them on an opposing side",
                    if age % 3600 == 0 {
                        format!("{} h", age / 3600)
                    } else {
                        format!("{} min", age / 60)
                    },
                    ratio,
                    b,
                    rs.len(),
                    by_actor.len(),
                    share * 100.0
                );
                e.detail = serde_json::json!({
                    "size": rs.len(),
                    "checkpoint_minutes": age / 60,
                    "count_at_checkpoint": c,
                    "baseline": b,
                    "ratio": ratio,
                    "p": pv,
                    "peak": rfc3339(t.at + peak_bin as i64 * BIN),
                    "peak_count": peak,
                    "kinds": kinds,
                    "accounts": by_actor.len(),
                    "by_side": by_side,
                    "opposing_share": share,
                    "by_community": groups.0,
                    "communities": groups.1,
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

    const WATCH: &str = "[[side]]\nname = \"state\"\nopposes = [\"armed-group\"]\n[[actor]]\nref = \"x:1\"\nside = \"state\"\n[[actor]]\nref = \"x:2\"\nside = \"armed-group\"\n";

    #[test]
    fn a_post_far_above_the_actors_usual() {
        let mut fx = Fx::new();
        let spox = fx.actor("x:1", "spox");
        let group = fx.actor("x:2", "group");
        let fans: Vec<i64> = (0..60)
            .map(|i| fx.actor(&format!("x:{}", 100 + i), "fan"))
            .collect();
        let mut n = 1000;
        // Ten ordinary posts a day apart, each drawing 3 replies in its first hour.
        for d in 0..10 {
            let at = T0 + d * 86_400;
            let r = format!("x:{d}");
            fx.post(&r, spox, at, "statement");
            for (k, &fan) in fans.iter().take(3).enumerate() {
                n += 1;
                fx.post_full(
                    &format!("x:{n}"),
                    fan,
                    at + 600 + k as i64 * 60,
                    "ok",
                    Some(&r),
                    None,
                );
            }
        }
        // The fans are two circles: each mentions half of its own half
        // (fans 0-24, 25-49).
        for (k, &fan) in fans.iter().take(50).enumerate() {
            let half = if k < 25 { 0 } else { 25 };
            for step in 1..=12 {
                let other = fans[half + (k - half + step) % 25];
                n += 1;
                let at = T0 + 5 * 86_400 + (k * 60) as i64;
                let p = fx.post(&format!("x:{n}"), fan, at, "@friend");
                fx.interaction(p, "mention", fan, other, at);
            }
        }
        // Post 11 draws 50 replies from 20 to 70 minutes after it, 10 of them
        // from the opposing group's account.
        let at = T0 + 10 * 86_400;
        fx.post("x:10", spox, at, "we will strike");
        for (k, &fan) in fans.iter().take(50).enumerate() {
            n += 1;
            let who = if k % 5 == 0 { group } else { fan };
            fx.post_full(
                &format!("x:{n}"),
                who,
                at + 1200 + k as i64 * 60,
                "!!",
                Some("x:10"),
                None,
            );
        }
        fx.detect(WATCH);
        let ev = fx.events("reaction-wave");
        assert_eq!(ev.len(), 1, "{ev:#?}");
        let e = &ev[0];
        assert_eq!(e.key, "x:10");
        assert_eq!(e.evidence[0].post, "x:10");
        assert_eq!(e.start, at + 1200, "the first reply");
        assert_eq!(e.end, at + 1200 + 49 * 60);
        assert_eq!(e.detail["size"], 50);
        assert_eq!(e.actors[0], "x:1");
        assert_eq!(e.actors[1], "x:2", "the group replied 10 times");
        // 41 reacting accounts: the group and 40 fans; 1 of them opposing.
        assert_eq!(e.detail["accounts"], 41);
        assert_eq!(e.detail["by_side"]["armed-group"], 1);
        // Baseline at every age: median of 3 → 3 reactions.
        assert_eq!(e.detail["baseline"], 3.0);
        // By community: the two circles of fans (the group's account, which
        // only ever talks to the author, stands alone).
        let groups = e.detail["by_community"].as_array().unwrap();
        let half = |v: &serde_json::Value| -> Vec<bool> {
            v["top"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r.as_str().unwrap()[2..].parse::<usize>().unwrap() - 100 < 25)
                .collect()
        };
        assert_eq!(groups[0]["accounts"], 20, "{groups:#?}");
        assert_eq!(groups[1]["accounts"], 20, "{groups:#?}");
        for g in &groups[..2] {
            let h = half(g);
            assert!(h.iter().all(|&x| x == h[0]), "{g}");
            assert_eq!(g["by_side"]["none"], 20);
            assert_eq!(g["opposing"], 0);
        }
        assert_ne!(half(&groups[0])[0], half(&groups[1])[0]);
        assert_eq!(e.detail["communities"]["count"], 3);
        assert_eq!(e.detail["communities"]["accounts_alone"], 1);
        // The ordinary posts are not waves; a rerun adds nothing.
        assert!(fx.detect(WATCH).changed.is_empty());
    }
}
