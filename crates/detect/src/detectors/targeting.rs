//! `targeting`: after contact with a watched actor, a third party is named
//! by accounts of an opposing side.
//!
//! **What it detects.** A *contact*: a watched actor A (with a side) names
//! someone X in a post (an @mention, a reply or a quote of X), or X replies
//! to, quotes or mentions A. X is anyone who is not a watched actor with a
//! side: a meeting host, a tribe's account, a journalist. Then, within
//! `window_hours` after the contact, watched actors on a side opposed to
//! A's name X (mention, reply or quote). Each such post is given to the
//! latest contact between A and X before it; a contact with at least
//! `min_posts` such posts is an event. Posts whose text holds a hostile
//! word (`hostile_terms`: "traitor", "خائن", "عميل", a demand for a
//! statement, …) are flagged, and one of them is enough when
//! `min_posts_if_hostile` is 1.
//!
//! **Why it matters.** People seen with an official of one side are named,
//! shamed and threatened by the other. Spotting it early protects them.
//!
//! **Evidence it attaches.** The contact post (`contact`), then the posts
//! naming X in time order (`naming`, noted with the hostile words found).
//! Reposts are not counted: they copy the mentions of what they repost.
//! `actors`: X (the named party) first, then A, then the accounts naming X.
//! `detail`: the contact kind and time, the named party, the count and how
//! many hold hostile words.
//!
//! **Time.** From the first post naming X after the contact to the last one
//! in the window.
//!
//! **Score.** The number of posts naming X, plus 2 for each with a hostile
//! word.
//!
//! **Parameters** (`[detectors.targeting]`): `window_hours` (72),
//! `min_posts` (3), `min_posts_if_hostile` (1), `hostile_terms` (a short
//! list in English, Arabic, Persian and Hebrew; replace it to tune),
//! `max_evidence` (30).

use crate::events::{Event, Evidence, rfc3339};
use crate::matcher::Names;
use crate::{ConfigError, Detector, Error, Registration, ResolvedActor, Scan, Watchlists};
use rusqlite::params;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The registry entry.
pub const REG: Registration = Registration {
    name: "targeting",
    about: "after contact with a watched actor, a third party is named by accounts of an opposing side",
    build,
};

/// `[detectors.targeting]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Params {
    /// How long after a contact posts naming the party count.
    pub window_hours: u32,
    /// Fewest posts naming the party.
    pub min_posts: usize,
    /// Fewest posts when at least one holds a hostile word.
    pub min_posts_if_hostile: usize,
    /// Hostile words and phrases (matched like aliases).
    pub hostile_terms: Vec<String>,
    /// Most evidence posts.
    pub max_evidence: usize,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            window_hours: 72,
            min_posts: 3,
            min_posts_if_hostile: 1,
            hostile_terms: [
                "traitor",
                "traitors",
                "collaborator",
                "collaborators",
                "shame on",
                "agent of",
                "we demand",
                "must explain",
                "must apologize",
                "statement now",
                "خائن",
                "خونة",
                "الخائن",
                "عميل",
                "عملاء",
                "العميل",
                "عار",
                "نطالب",
                "بيان توضيحي",
                "خیانت",
                "مزدور",
                "بوگد",
                "משת\"פ",
                "בוגד",
            ]
            .map(String::from)
            .to_vec(),
            max_evidence: 30,
        }
    }
}

struct Targeting {
    params: Params,
    hostile: Vec<(String, Names)>,
}

fn build(w: &Watchlists) -> Result<Box<dyn Detector>, ConfigError> {
    let p: Params = super::params(w, REG.name)?;
    if p.window_hours == 0 || p.min_posts == 0 || p.min_posts_if_hostile == 0 {
        return Err(ConfigError::at(
            &w.file,
            &w.source,
            w.detector_spans.get(REG.name).cloned(),
            "[detectors.targeting]: window_hours, min_posts and min_posts_if_hostile must be at least 1".into(),
        ));
    }
    let hostile = p
        .hostile_terms
        .iter()
        .map(|t| (t.clone(), Names::new([t])))
        .collect();
    Ok(Box::new(Targeting { params: p, hostile }))
}

/// A contact between watched actor A and party X.
#[derive(Debug, Clone)]
struct Contact {
    at: i64,
    post_ref: String,
    kind: String,
    outbound: bool,
}

/// A post naming the party: time, ref, author id, text.
type Naming = (i64, String, i64, String);

impl Targeting {
    fn contacts(
        &self,
        scan: &Scan<'_>,
        a: &ResolvedActor,
    ) -> Result<BTreeMap<i64, Vec<Contact>>, Error> {
        let conn = scan.conn;
        let mut out: BTreeMap<i64, Vec<Contact>> = BTreeMap::new();
        let mut st = conn.prepare_cached(
            "SELECT i.dst_actor, COALESCE(i.at, p.created_at), p.ref, i.kind FROM interactions i JOIN posts p ON p.id = i.post_id
             WHERE p.author_id = ?1 AND i.src_actor = ?1 AND i.kind IN ('mention', 'reply', 'quote') AND i.dst_actor != ?1",
        )?;
        for r in st.query_map([a.id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, Option<i64>>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })? {
            let (x, at, post_ref, kind) = r?;
            if let Some(at) = at {
                out.entry(x).or_default().push(Contact {
                    at,
                    post_ref,
                    kind,
                    outbound: true,
                });
            }
        }
        let mut st = conn.prepare_cached(
            "SELECT i.src_actor, COALESCE(i.at, p.created_at), p.ref, i.kind FROM interactions i JOIN posts p ON p.id = i.post_id
             WHERE i.dst_actor = ?1 AND i.kind IN ('mention', 'reply', 'quote') AND i.src_actor != ?1",
        )?;
        for r in st.query_map([a.id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, Option<i64>>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })? {
            let (x, at, post_ref, kind) = r?;
            if let Some(at) = at {
                out.entry(x).or_default().push(Contact {
                    at,
                    post_ref,
                    kind,
                    outbound: false,
                });
            }
        }
        // Sided watched actors are parties, not third parties.
        out.retain(|x, _| scan.resolved.get(*x).is_none_or(|w| w.side.is_none()));
        for v in out.values_mut() {
            v.sort_by(|p, q| (p.at, &p.post_ref).cmp(&(q.at, &q.post_ref)));
            v.dedup_by(|p, q| p.post_ref == q.post_ref);
        }
        Ok(out)
    }
}

impl Detector for Targeting {
    fn params(&self) -> serde_json::Value {
        serde_json::to_value(&self.params).unwrap_or_default()
    }

    // Watched actors are few, so each run recomputes every contact; the
    // runner skips events that did not change.
    fn detect(&mut self, scan: &Scan<'_>, out: &mut Vec<Event>) -> Result<(), Error> {
        let conn = scan.conn;
        let window = i64::from(self.params.window_hours) * 3600;
        let sided: Vec<&ResolvedActor> = scan
            .resolved
            .actors
            .iter()
            .filter(|a| a.side.is_some())
            .collect();
        let mut naming_st = conn.prepare_cached(
            "SELECT DISTINCT COALESCE(i.at, p.created_at), p.ref, i.src_actor, p.text FROM interactions i JOIN posts p ON p.id = i.post_id
             WHERE i.dst_actor = ?1 AND i.src_actor = ?2 AND i.kind IN ('mention', 'reply', 'quote') AND p.kind != 'repost'",
        )?;
        for a in &sided {
            let side = a.side.as_deref().unwrap_or_default();
            let foes: Vec<&&ResolvedActor> = sided
                .iter()
                .filter(|b| {
                    b.side
                        .as_deref()
                        .is_some_and(|s| scan.watch.opposed(s, side))
                })
                .collect();
            if foes.is_empty() {
                continue;
            }
            for (x, contacts) in self.contacts(scan, a)? {
                // Posts by foes naming X.
                let mut naming: Vec<Naming> = Vec::new();
                for f in &foes {
                    for r in naming_st.query_map(params![x, f.id], |r| {
                        Ok((
                            r.get::<_, Option<i64>>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, i64>(2)?,
                            r.get::<_, String>(3)?,
                        ))
                    })? {
                        let (at, pr, au, text) = r?;
                        if let Some(at) = at {
                            naming.push((at, pr, au, text));
                        }
                    }
                }
                if naming.is_empty() {
                    continue;
                }
                naming.sort_by(|p, q| (p.0, &p.1).cmp(&(q.0, &q.1)));
                // Give each naming post to the latest contact before it, within the window.
                let mut per_contact: BTreeMap<usize, Vec<&Naming>> = BTreeMap::new();
                for n in &naming {
                    let k = contacts.partition_point(|c| c.at <= n.0);
                    if k == 0 {
                        continue;
                    }
                    let c = &contacts[k - 1];
                    if n.0 - c.at <= window && n.1 != c.post_ref {
                        per_contact.entry(k - 1).or_default().push(n);
                    }
                }
                for (ci, posts) in per_contact {
                    let c = &contacts[ci];
                    let flagged: Vec<Vec<&str>> = posts
                        .iter()
                        .map(|n| {
                            self.hostile
                                .iter()
                                .filter(|(_, names)| names.found_in(&n.3))
                                .map(|(t, _)| t.as_str())
                                .collect()
                        })
                        .collect();
                    let hostile = flagged.iter().filter(|f| !f.is_empty()).count();
                    let enough = posts.len() >= self.params.min_posts
                        || (hostile > 0 && posts.len() >= self.params.min_posts_if_hostile);
                    if !enough {
                        continue;
                    }
                    let (Some(first), Some(last)) = (posts.first(), posts.last()) else {
                        continue;
                    };
                    let (xlabel, xref) = crate::actor_label(conn, Some(x))?;
                    let (alabel, aref) = crate::actor_label(conn, Some(a.id))?;
                    let mut e = Event::new(REG.name, format!("{}/{xref}", c.post_ref));
                    e.start = first.0;
                    e.end = last.0;
                    e.actors = vec![xref.clone(), aref.clone()];
                    let mut authors = BTreeSet::new();
                    for n in &posts {
                        if authors.insert(n.2) {
                            let r = crate::actor_label(conn, Some(n.2))?.1;
                            if !e.actors.contains(&r) {
                                e.actors.push(r);
                            }
                        }
                    }
                    e.evidence.push(Evidence {
                        post: c.post_ref.clone(),
                        role: "contact".into(),
                        at: Some(c.at),
                        note: Some(if c.outbound {
                            format!("{alabel} {}s {xlabel}", c.kind)
                        } else {
                            format!("{xlabel} {}s {alabel}", c.kind)
                        }),
                    });
                    for (n, f) in posts.iter().zip(&flagged).take(self.params.max_evidence) {
                        e.evidence.push(Evidence {
                            post: n.1.clone(),
                            role: "naming".into(),
                            at: Some(n.0),
                            note: (!f.is_empty()).then(|| f.join(", ")),
                        });
                    }
                    e.score = (posts.len() + 2 * hostile) as f64;
                    e.summary = format!(
                        "{xlabel}, after contact with {alabel} ({side}) on {}, was named {} time{} by the opposing side from {} accounts{}",
                        rfc3339(c.at),
                        posts.len(),
                        if posts.len() == 1 { "" } else { "s" },
                        authors.len(),
                        if hostile > 0 {
                            format!(", {hostile} with hostile words")
                        } else {
                            String::new()
                        }
                    );
                    e.detail = serde_json::json!({
                        "party": xref,
                        "watched": aref,
                        "contact": {"post": c.post_ref, "kind": c.kind, "at": rfc3339(c.at), "by_watched_actor": c.outbound},
                        "posts": posts.len(),
                        "hostile_posts": hostile,
                    });
                    out.push(e);
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::testutil::{Fx, T0};

    const WATCH: &str = "[[side]]\nname = \"us-embassy\"\nopposes = [\"militias\"]\n[[actor]]\nref = \"x:1\"\nside = \"us-embassy\"\n[[actor]]\nref = \"x:2\"\nside = \"militias\"\n[[actor]]\nref = \"x:3\"\nside = \"militias\"\n";

    #[test]
    fn a_host_named_by_the_other_side_after_a_meeting() {
        let mut fx = Fx::new();
        let amb = fx.actor("x:1", "amb");
        let m1 = fx.actor("x:2", "militia1");
        let m2 = fx.actor("x:3", "militia2");
        let sheikh = fx.actor("x:50", "sheikh");
        let other = fx.actor("x:60", "someone");
        // Before any contact: a militia names the sheikh (not counted).
        let p0 = fx.post("x:100", m1, T0, "@sheikh hello");
        fx.interaction(p0, "mention", m1, sheikh, T0);
        // The ambassador thanks the sheikh for hosting.
        let c = fx.post("x:101", amb, T0 + 3600, "thanks @sheikh for hosting");
        fx.interaction(c, "mention", amb, sheikh, T0 + 3600);
        // Within 72 h: two militia posts name him, one calls him a traitor.
        let h1 = fx.post("x:102", m1, T0 + 7200, "@sheikh you are a traitor");
        fx.interaction(h1, "mention", m1, sheikh, T0 + 7200);
        let h2 = fx.post("x:103", m2, T0 + 10_800, "@sheikh explain yourself");
        fx.interaction(h2, "mention", m2, sheikh, T0 + 10_800);
        // After the window: not counted.
        let h3 = fx.post("x:104", m2, T0 + 3600 + 73 * 3600, "@sheikh again");
        fx.interaction(h3, "mention", m2, sheikh, T0 + 3600 + 73 * 3600);
        // Someone else, named by a militia but never in contact: nothing.
        let o = fx.post("x:105", m1, T0 + 7200, "@someone traitor");
        fx.interaction(o, "mention", m1, other, T0 + 7200);
        fx.detect(WATCH);
        let ev = fx.events("targeting");
        assert_eq!(ev.len(), 1, "{ev:#?}");
        let e = &ev[0];
        assert_eq!(e.actors, ["x:50", "x:1", "x:2", "x:3"]);
        let refs: Vec<(&str, &str)> = e
            .evidence
            .iter()
            .map(|v| (v.post.as_str(), v.role.as_str()))
            .collect();
        assert_eq!(
            refs,
            [
                ("x:101", "contact"),
                ("x:102", "naming"),
                ("x:103", "naming")
            ]
        );
        assert_eq!(e.evidence[1].note.as_deref(), Some("traitor"));
        assert_eq!((e.start, e.end), (T0 + 7200, T0 + 10_800));
        assert_eq!(e.score, 4.0, "2 posts + 2 for the hostile one");
        assert!(fx.detect(WATCH).changed.is_empty());
    }
}
