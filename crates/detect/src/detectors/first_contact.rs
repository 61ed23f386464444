//! `first-contact`: a watched actor addresses an opposing side for the
//! first time.
//!
//! **What it detects.** A watched actor on one side replies to, quotes,
//! mentions (by @handle, or by one of the target's aliases in the text) or
//! forwards a watched actor of a side it opposes, for the first time in the
//! store's whole history. Each ordered pair (who, whom) gives at most one
//! event; if an older post turns up in a later ingest, the event moves to
//! it.
//!
//! **Why it matters.** Officials of opposed sides rarely address each
//! other. The first time they do (a spokesman answering an armed group,
//! an embassy naming a militia) is a signal worth a desk's attention.
//!
//! **Evidence it attaches.** The first contact post (`trigger`); the post
//! it replies to or quotes when the store holds it (`reply-to`, `quote-of`);
//! and the first post of the other direction, if there was one before
//! (`earlier`). `detail` gives the contact kinds, how many contacts
//! followed in the same direction, and the earlier one-way history of the
//! other direction (count and first date).
//!
//! **Score.** 1 + the number of later contacts in the same direction (a
//! first contact that became a habit scores higher).
//!
//! **Parameters** (`[detectors.first-contact]`):
//! - `kinds` (list, default `["reply", "quote", "mention", "forward",
//!   "alias"]`): which contacts count; `repost` may be added, `alias` is a
//!   name from the target's `aliases` in the text.

use crate::events::{Event, Evidence, rfc3339};
use crate::matcher::Names;
use crate::{ConfigError, Detector, Error, Registration, ResolvedActor, Scan, Watchlists};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The registry entry.
pub const REG: Registration = Registration {
    name: "first-contact",
    about: "a watched actor replies to, quotes, mentions or forwards an opposing side for the first time",
    build,
};

/// Contact kinds a watchlist may name.
pub const KINDS: &[&str] = &["reply", "quote", "mention", "forward", "repost", "alias"];

/// `[detectors.first-contact]` (and `[detectors.first-exchange]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Params {
    /// Which contacts count.
    pub kinds: Vec<String>,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            kinds: ["reply", "quote", "mention", "forward", "alias"]
                .map(String::from)
                .to_vec(),
        }
    }
}

/// Reads and checks the parameters of `name`.
pub(crate) fn read_params(w: &Watchlists, name: &str) -> Result<Params, ConfigError> {
    let p: Params = super::params(w, name)?;
    if let Some(bad) = p.kinds.iter().find(|k| !KINDS.contains(&k.as_str())) {
        return Err(ConfigError::at(
            &w.file,
            &w.source,
            w.detector_spans.get(name).cloned(),
            format!(
                "[detectors.{name}]: unknown contact kind {bad:?}; known: {}",
                KINDS.join(", ")
            ),
        ));
    }
    Ok(p)
}

struct FirstContact {
    params: Params,
}

fn build(w: &Watchlists) -> Result<Box<dyn Detector>, ConfigError> {
    Ok(Box::new(FirstContact {
        params: read_params(w, REG.name)?,
    }))
}

/// One post by which `src` addressed `dst`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Contact {
    pub post_ref: String,
    pub at: i64,
    /// Kinds, most direct first (reply before mention).
    pub kinds: Vec<String>,
    pub reply_to: Option<String>,
    pub quote_of: Option<String>,
}

fn rank(kind: &str) -> usize {
    KINDS.iter().position(|k| *k == kind).unwrap_or(KINDS.len())
}

/// Every contact from `src` to `dst`, in time order (then by post ref).
pub(crate) fn contacts(
    conn: &Connection,
    src: &ResolvedActor,
    dst: &ResolvedActor,
    kinds: &[String],
) -> Result<Vec<Contact>, Error> {
    let mut by_post: BTreeMap<String, Contact> = BTreeMap::new();
    let mut st = conn.prepare_cached(
        "SELECT p.ref, COALESCE(i.at, p.created_at, 0), i.kind, p.reply_to, p.quote_of
         FROM interactions i JOIN posts p ON p.id = i.post_id
         WHERE p.author_id = ?1 AND i.src_actor = ?1 AND i.dst_actor = ?2",
    )?;
    let rows = st.query_map(params![src.id, dst.id], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, Option<String>>(3)?,
            r.get::<_, Option<String>>(4)?,
        ))
    })?;
    for row in rows {
        let (post_ref, at, kind, reply_to, quote_of) = row?;
        if !kinds.contains(&kind) {
            continue;
        }
        let c = by_post.entry(post_ref.clone()).or_insert(Contact {
            post_ref,
            at,
            kinds: Vec::new(),
            reply_to,
            quote_of,
        });
        c.at = c.at.min(at);
        if !c.kinds.contains(&kind) {
            c.kinds.push(kind);
        }
    }
    if kinds.iter().any(|k| k == "alias") && !dst.aliases.is_empty() {
        let names = Names::new(&dst.aliases);
        let mut st = conn.prepare_cached(
            "SELECT ref, COALESCE(created_at, 0), text, reply_to, quote_of FROM posts WHERE author_id = ?1",
        )?;
        let rows = st.query_map([src.id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, Option<String>>(4)?,
            ))
        })?;
        for row in rows {
            let (post_ref, at, text, reply_to, quote_of) = row?;
            if !names.found_in(&text) {
                continue;
            }
            let c = by_post.entry(post_ref.clone()).or_insert(Contact {
                post_ref,
                at,
                kinds: Vec::new(),
                reply_to,
                quote_of,
            });
            c.kinds.push("alias".into());
        }
    }
    let mut out: Vec<Contact> = by_post.into_values().collect();
    for c in &mut out {
        c.kinds.sort_by_key(|k| rank(k));
    }
    out.sort_by(|a, b| (a.at, &a.post_ref).cmp(&(b.at, &b.post_ref)));
    Ok(out)
}

/// Ordered pairs (src, dst) of watched actors on opposed sides.
pub(crate) fn opposing_pairs<'a>(scan: &Scan<'a>) -> Vec<(&'a ResolvedActor, &'a ResolvedActor)> {
    let mut out = Vec::new();
    for a in &scan.resolved.actors {
        for b in &scan.resolved.actors {
            if let (Some(sa), Some(sb)) = (&a.side, &b.side)
                && a.id != b.id
                && scan.watch.opposed(sa, sb)
            {
                out.push((a, b));
            }
        }
    }
    out
}

/// Whether `actor` wrote anything in the scan's change window.
pub(crate) fn wrote_since(scan: &Scan<'_>, actor: i64) -> Result<bool, Error> {
    let mut st = scan.conn.prepare_cached(
        "SELECT 1 FROM post_versions v JOIN posts p ON p.id = v.post_id
         WHERE p.author_id = ?1 AND v.seq > ?2 AND v.seq <= ?3 LIMIT 1",
    )?;
    Ok(st
        .query_row(params![actor, scan.since, scan.upto], |_| Ok(()))
        .optional()?
        .is_some())
}

/// Whether the store holds post `r`.
pub(crate) fn stored(conn: &Connection, r: &str) -> Result<bool, Error> {
    let mut st = conn.prepare_cached("SELECT 1 FROM posts WHERE ref = ?1")?;
    Ok(st.query_row([r], |_| Ok(())).optional()?.is_some())
}

/// `@handle (side)`.
pub(crate) fn who(a: &ResolvedActor) -> String {
    let name = a
        .handle
        .as_ref()
        .map_or_else(|| a.reference.clone(), |h| format!("@{h}"));
    match &a.side {
        Some(s) => format!("{name} ({s})"),
        None => name,
    }
}

/// "replied to", "named", … for a contact's most direct kind.
pub(crate) fn verb(c: &Contact) -> &'static str {
    match c.kinds.first().map(String::as_str) {
        Some("reply") => "replied to",
        Some("quote") => "quoted",
        Some("mention") => "mentioned",
        Some("forward") => "forwarded",
        Some("repost") => "reposted",
        _ => "named",
    }
}

/// The thread context of a contact: the post it replies to or quotes.
pub(crate) fn context(
    conn: &Connection,
    c: &Contact,
    out: &mut Vec<Evidence>,
) -> Result<(), Error> {
    for (role, r) in [("reply-to", &c.reply_to), ("quote-of", &c.quote_of)] {
        if let Some(r) = r
            && stored(conn, r)?
            && !out.iter().any(|e| e.post == *r)
        {
            out.push(Evidence {
                post: r.clone(),
                role: role.into(),
                at: None,
                note: None,
            });
        }
    }
    Ok(())
}

impl Detector for FirstContact {
    fn params(&self) -> serde_json::Value {
        serde_json::to_value(&self.params).unwrap_or_default()
    }

    fn detect(&mut self, scan: &Scan<'_>, out: &mut Vec<Event>) -> Result<(), Error> {
        let conn = scan.conn;
        let mut wrote: BTreeMap<i64, bool> = BTreeMap::new();
        for (src, dst) in opposing_pairs(scan) {
            let w = match wrote.get(&src.id) {
                Some(w) => *w,
                None => {
                    let w = wrote_since(scan, src.id)?;
                    wrote.insert(src.id, w);
                    w
                }
            };
            if !w {
                continue;
            }
            let fwd = contacts(conn, src, dst, &self.params.kinds)?;
            let Some(first) = fwd.first() else { continue };
            let back = contacts(conn, dst, src, &self.params.kinds)?;
            let earlier: Vec<&Contact> = back
                .iter()
                .filter(|b| (b.at, &b.post_ref) < (first.at, &first.post_ref))
                .collect();
            let mut e = Event::new(REG.name, format!("{}>{}", src.reference, dst.reference));
            e.start = first.at;
            e.end = first.at;
            e.actors = vec![src.reference.clone(), dst.reference.clone()];
            e.evidence.push(Evidence {
                post: first.post_ref.clone(),
                role: "trigger".into(),
                at: Some(first.at),
                note: Some(first.kinds.join("+")),
            });
            context(conn, first, &mut e.evidence)?;
            if let Some(b) = earlier.first() {
                e.evidence.push(Evidence {
                    post: b.post_ref.clone(),
                    role: "earlier".into(),
                    at: Some(b.at),
                    note: Some(format!("first of {} contacts the other way", earlier.len())),
                });
            }
            e.score = fwd.len() as f64;
            let history = if let Some(b) = earlier.first() {
                format!(
                    "; {} had addressed them {} time{} since {}",
                    who(dst),
                    earlier.len(),
                    if earlier.len() == 1 { "" } else { "s" },
                    crate::events::day(b.at)
                )
            } else {
                String::new()
            };
            e.summary = format!(
                "{} {} {} for the first time{history}",
                who(src),
                verb(first),
                who(dst)
            );
            e.detail = serde_json::json!({
                "kinds": first.kinds,
                "contacts_since": fwd.len() - 1,
                "other_way_before": {
                    "count": earlier.len(),
                    "first": earlier.first().map(|b| rfc3339(b.at)),
                },
            });
            out.push(e);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::testutil::{Fx, T0};

    pub const WATCH: &str = r#"
[[side]]
name = "state"
opposes = ["armed-group"]

[[actor]]
ref = "x:10"
side = "state"

[[actor]]
platform = "x"
handle = "GROUP"
side = "armed-group"
aliases = ["Al-Ezerj", "العزيرج"]
"#;

    pub const DAY: i64 = 86_400;

    #[test]
    fn first_contact_each_way_and_incremental() {
        let mut fx = Fx::new();
        let s = fx.actor("x:10", "spox");
        let g = fx.actor("x:20", "group");
        let n = fx.actor("x:30", "bystander");
        let g1 = fx.post("x:1", g, T0, "@spox liar");
        fx.interaction(g1, "mention", g, s, T0);
        let g2 = fx.post("x:2", g, T0 + DAY, "@spox again");
        fx.interaction(g2, "mention", g, s, T0 + DAY);
        let n1 = fx.post("x:3", n, T0, "@spox hi");
        fx.interaction(n1, "mention", n, s, T0);
        let r = fx.detect(WATCH);
        assert!(r.unresolved.is_empty());
        let ev = fx.events("first-contact");
        assert_eq!(ev.len(), 1, "{ev:#?}");
        assert_eq!(ev[0].key, "x:20>x:10");
        assert_eq!(ev[0].evidence[0].post, "x:1");
        assert_eq!(ev[0].score, 2.0);
        assert_eq!(
            ev[0].summary,
            "@group (armed-group) mentioned @spox (state) for the first time"
        );
        assert!(fx.events("first-exchange").is_empty());

        // The spokesman replies; the group answers.
        let s1 = fx.post_full("x:4", s, T0 + 2 * DAY, "we will answer", Some("x:2"), None);
        fx.interaction(s1, "reply", s, g, T0 + 2 * DAY);
        let g3 = fx.post_full(
            "x:5",
            g,
            T0 + 2 * DAY + 600,
            "you answer?",
            Some("x:4"),
            None,
        );
        fx.interaction(g3, "reply", g, s, T0 + 2 * DAY + 600);
        fx.detect(WATCH);
        let ev = fx.events("first-contact");
        assert_eq!(ev.len(), 2);
        let sg = ev.iter().find(|e| e.key == "x:10>x:20").expect("s>g");
        assert_eq!(
            sg.summary,
            "@spox (state) replied to @group (armed-group) for the first time; @group (armed-group) had addressed them 2 times since 2023-10-01"
        );
        let roles: Vec<(&str, &str)> = sg
            .evidence
            .iter()
            .map(|e| (e.post.as_str(), e.role.as_str()))
            .collect();
        assert_eq!(
            roles,
            [("x:4", "trigger"), ("x:2", "reply-to"), ("x:1", "earlier")]
        );
        let gs = ev.iter().find(|e| e.key == "x:20>x:10").expect("g>s");
        assert_eq!(gs.score, 3.0, "updated: three contacts now");

        let ex = fx.events("first-exchange");
        assert_eq!(ex.len(), 1);
        let x = &ex[0];
        assert_eq!(x.key, "x:10<>x:20");
        assert_eq!(x.actors, ["x:10", "x:20"]);
        let roles: Vec<(&str, &str)> = x
            .evidence
            .iter()
            .map(|e| (e.post.as_str(), e.role.as_str()))
            .collect();
        assert_eq!(
            roles,
            [
                ("x:4", "trigger"),
                ("x:2", "reply-to"),
                ("x:1", "earlier"),
                ("x:5", "answer")
            ]
        );
        assert_eq!(
            (x.start, x.end, x.score),
            (T0 + 2 * DAY, T0 + 2 * DAY + 600, 2.0)
        );
        assert_eq!(x.detail["one_way_before"]["count"], 2);

        // A rerun changes nothing.
        assert!(fx.detect(WATCH).changed.is_empty());
    }

    #[test]
    fn aliases_count_as_contact() {
        let mut fx = Fx::new();
        let s = fx.actor("x:10", "spox");
        fx.actor("x:20", "group");
        fx.post("x:1", s, T0, "nothing about them");
        fx.post("x:2", s, T0 + 50, "بيان حول والعزيرج اليوم");
        fx.detect(WATCH);
        let ev = fx.events("first-contact");
        assert_eq!(ev.len(), 1);
        assert_eq!(ev[0].evidence[0].post, "x:2");
        assert_eq!(ev[0].evidence[0].note.as_deref(), Some("alias"));
        assert!(
            ev[0].summary.starts_with("@spox (state) named @group"),
            "{}",
            ev[0].summary
        );
        // Without aliases in `kinds`, nothing.
        fx.detect(&format!(
            "{WATCH}\n[detectors.first-contact]\nkinds = [\"reply\"]\n"
        ));
        assert!(fx.events("first-contact").is_empty());
    }

    #[test]
    fn unknown_kind_is_an_error() {
        let w = crate::Watchlists::parse("[detectors.first-contact]\nkinds = [\"hug\"]\n", "t")
            .unwrap();
        assert!(matches!(crate::build_all(&w), Err(crate::Error::Config(_))));
    }
}
