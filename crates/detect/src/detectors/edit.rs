//! `edit`: posts whose text changed.
//!
//! **What it detects.** A post with a new version: either two captures of
//! the same post differ (the store keeps both texts as versions 1, 2, …),
//! or the platform says the post was edited (an X tweet that ends an
//! `edit_history_tweet_ids` chain, a Telegram message with
//! `edited_unixtime`). Edits are grouped per author and per UTC day, so
//! "the ministry edited 3 posts on 2023-04-04" is one event.
//!
//! **Why it matters.** Officials quietly soften, harden or retract
//! statements. An edit is often the only trace of what was said first.
//!
//! **Evidence it attaches.** Each edited post (role `edited`), in time
//! order, with a note saying which versions changed; for an X edit chain,
//! the earlier tweet of the chain right after it (role `earlier-version`)
//! when the store holds it. The event's `detail.edits` lists, per post,
//! the version numbers, so `tarjuman event ID` can show old and new text
//! with a word diff.
//!
//! **Time.** The day is the platform's edit time when it gives one
//! (`edited_at`); otherwise the post's own time (captures only tell that
//! the text changed between them; X allows edits only in the hour after
//! posting). `detail.time_basis` says which.
//!
//! **Parameters** (`[detectors.edit]`):
//! - `watched_only` (bool, default `false`): only edits by watched actors.
//! - `include_platform_edits` (bool, default `true`): also count posts the
//!   platform marks as edited when tarjuman holds only one text.

use super::plural;
use crate::events::{Event, Evidence, day};
use crate::{Detector, Error, Registration, Scan, Watchlists, actor_label};
use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The registry entry.
pub const REG: Registration = Registration {
    name: "edit",
    about: "posts whose text changed between captures or that the platform marks as edited",
    build,
};

/// `[detectors.edit]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Params {
    /// Only edits by watched actors.
    pub watched_only: bool,
    /// Also count platform-declared edits with only one captured text.
    pub include_platform_edits: bool,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            watched_only: false,
            include_platform_edits: true,
        }
    }
}

struct Edit {
    params: Params,
}

fn build(w: &Watchlists) -> Result<Box<dyn Detector>, crate::ConfigError> {
    Ok(Box::new(Edit {
        params: super::params(w, REG.name)?,
    }))
}

/// One changed version of a post.
struct Change {
    post_id: i64,
    post_ref: String,
    version: i64,
    at: i64,
    basis_edit_time: bool,
    platform_only: bool,
    platform: String,
    native_id: String,
}

fn edits_of(
    conn: &Connection,
    author: Option<i64>,
    include_platform: bool,
) -> Result<Vec<Change>, Error> {
    let mut st = conn.prepare_cached(
        "SELECT p.id, p.ref, v.version, v.edited_at, p.created_at, p.platform, p.native_id
         FROM posts p JOIN post_versions v ON v.post_id = p.id
         WHERE p.author_id IS ?1 AND (v.version > 1 OR (?2 AND v.edited_at IS NOT NULL))
         ORDER BY p.id, v.version",
    )?;
    let rows = st.query_map(params![author, include_platform], |r| {
        let version: i64 = r.get(2)?;
        let edited: Option<i64> = r.get(3)?;
        let created: Option<i64> = r.get(4)?;
        Ok(Change {
            post_id: r.get(0)?,
            post_ref: r.get(1)?,
            version,
            at: edited.or(created).unwrap_or(0),
            basis_edit_time: edited.is_some(),
            platform_only: version == 1,
            platform: r.get(5)?,
            native_id: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// The tweet before this one in its X edit chain, from the raw JSON.
fn previous_in_chain(conn: &Connection, c: &Change) -> Result<Option<String>, Error> {
    if c.platform != "x" {
        return Ok(None);
    }
    let loc = rusqlite::OptionalExtension::optional(conn.query_row(
        &format!(
            "SELECT {} FROM post_versions WHERE post_id = ?1 AND version = ?2",
            tarjuman_store::RAW_COLUMNS
        ),
        params![c.post_id, c.version],
        |r| tarjuman_store::RawLoc::from_row(r, 0),
    ))?
    .unwrap_or_default();
    let mut reader = tarjuman_store::RawReader::new();
    let Some(bytes) = reader.read(conn, &loc)? else {
        return Ok(None);
    };
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(bytes) else {
        return Ok(None);
    };
    let ids: Vec<String> = v["edit_history_tweet_ids"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let pos = ids.iter().position(|i| *i == c.native_id);
    Ok(match pos {
        Some(p) if p > 0 => Some(format!("x:{}", ids[p - 1])),
        _ => None,
    })
}

impl Detector for Edit {
    fn params(&self) -> serde_json::Value {
        serde_json::to_value(&self.params).unwrap_or_default()
    }

    fn detect(&mut self, scan: &Scan<'_>, out: &mut Vec<Event>) -> Result<(), Error> {
        let conn = scan.conn;
        // Which (author, day) groups the new changes touch.
        let mut st = conn.prepare(
            "SELECT DISTINCT p.author_id FROM post_versions v JOIN posts p ON p.id = v.post_id
             WHERE v.seq > ?1 AND v.seq <= ?2 AND (v.version > 1 OR (?3 AND v.edited_at IS NOT NULL))",
        )?;
        let authors = st
            .query_map(
                params![scan.since, scan.upto, self.params.include_platform_edits],
                |r| r.get::<_, Option<i64>>(0),
            )?
            .collect::<Result<Vec<_>, _>>()?;
        let mut touched: BTreeSet<(Option<i64>, String)> = BTreeSet::new();
        let mut st = conn.prepare_cached(
            "SELECT p.id FROM post_versions v JOIN posts p ON p.id = v.post_id
             WHERE p.author_id IS ?1 AND v.seq > ?2 AND v.seq <= ?3",
        )?;
        for a in authors {
            if self.params.watched_only && a.is_none_or(|id| scan.resolved.get(id).is_none()) {
                continue;
            }
            let new_posts: BTreeSet<i64> = st
                .query_map(params![a, scan.since, scan.upto], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            for c in edits_of(conn, a, self.params.include_platform_edits)? {
                if new_posts.contains(&c.post_id) {
                    touched.insert((a, day(c.at)));
                }
            }
        }
        // Recompute each touched group whole.
        let mut by_author: BTreeMap<Option<i64>, Vec<String>> = BTreeMap::new();
        for (a, d) in touched {
            by_author.entry(a).or_default().push(d);
        }
        for (author, days) in by_author {
            let all = edits_of(conn, author, self.params.include_platform_edits)?;
            let (label, aref) = actor_label(conn, author)?;
            for d in days {
                let mut group: Vec<&Change> = all.iter().filter(|c| day(c.at) == d).collect();
                group.sort_by(|x, y| {
                    (x.at, &x.post_ref, x.version).cmp(&(y.at, &y.post_ref, y.version))
                });
                if group.is_empty() {
                    continue;
                }
                let mut e = Event::new(REG.name, format!("{aref}/{d}"));
                e.start = group.first().map_or(0, |c| c.at);
                e.end = group.last().map_or(0, |c| c.at);
                e.actors = if author.is_some() {
                    vec![aref.clone()]
                } else {
                    vec![]
                };
                let posts: BTreeSet<&str> = group.iter().map(|c| c.post_ref.as_str()).collect();
                let mut edits = Vec::new();
                for c in &group {
                    let prev = if c.platform_only {
                        previous_in_chain(conn, c)?
                    } else {
                        None
                    };
                    let note = match (&prev, c.platform_only) {
                        (Some(p), _) => format!("edit of {p}"),
                        (None, true) => {
                            "edited on the platform; the earlier text was not captured".to_string()
                        }
                        (None, false) => format!("v{}→v{}", c.version - 1, c.version),
                    };
                    e.evidence.push(Evidence {
                        post: c.post_ref.clone(),
                        role: "edited".into(),
                        at: Some(c.at),
                        note: Some(note),
                    });
                    if let Some(p) = &prev {
                        e.evidence.push(Evidence {
                            post: p.clone(),
                            role: "earlier-version".into(),
                            at: None,
                            note: None,
                        });
                    }
                    edits.push(serde_json::json!({
                        "post": c.post_ref,
                        "from_version": if c.platform_only { serde_json::Value::Null } else { (c.version - 1).into() },
                        "to_version": c.version,
                        "earlier_post": prev,
                    }));
                }
                let basis_edit = group.iter().all(|c| c.basis_edit_time);
                let n = posts.len();
                e.score = n as f64;
                e.summary = if basis_edit {
                    format!("{label} edited {} on {d}", plural(n, "post", "posts"))
                } else {
                    format!(
                        "{} by {label} from {d} {} edited",
                        plural(n, "post", "posts"),
                        if n == 1 { "was" } else { "were" }
                    )
                };
                e.detail = serde_json::json!({
                    "posts": n,
                    "time_basis": if basis_edit { "edit time" } else { "post time" },
                    "edits": edits,
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
    fn edits_grouped_per_author_and_day_and_updated_in_place() {
        let mut fx = Fx::new();
        let amb = fx.actor("x:1", "amb");
        let p1 = fx.post("x:101", amb, T0 + 3600, "we will attack tomorrow");
        let p2 = fx.post("x:102", amb, T0 + 7200, "statement one");
        let p3 = fx.post("x:103", amb, T0 + 86_400 + 10, "next day");
        fx.post("x:104", amb, T0 + 60, "never edited");
        fx.edit(p1, "we will talk tomorrow", None);
        fx.edit(p2, "statement two", None);
        let r = fx.detect("");
        let ev = fx.events("edit");
        assert_eq!(ev.len(), 1);
        assert_eq!(r.changed.len(), 1);
        let e = &ev[0];
        assert_eq!(e.key, "x:1/2023-10-01");
        assert_eq!(e.summary, "2 posts by @amb from 2023-10-01 were edited");
        assert_eq!((e.start, e.end, e.score), (T0 + 3600, T0 + 7200, 2.0));
        assert_eq!(e.actors, ["x:1"]);
        let refs: Vec<&str> = e.evidence.iter().map(|v| v.post.as_str()).collect();
        assert_eq!(refs, ["x:101", "x:102"]);
        assert_eq!(e.evidence[0].note.as_deref(), Some("v1→v2"));

        // Nothing new: nothing changes.
        assert!(fx.detect("").changed.is_empty());

        // A new edit the next day is a new event; a second edit of p1 updates the first.
        fx.edit(p3, "next day, edited", None);
        fx.edit(p1, "we will talk today", None);
        let r = fx.detect("");
        assert_eq!(r.detectors[0].new_events, 1);
        assert_eq!(r.detectors[0].updated_events, 1);
        let ev = fx.events("edit");
        assert_eq!(ev.len(), 2);
        assert_eq!(ev[0].id, e.id, "same key, same id");
        assert_eq!(ev[0].evidence.len(), 3);
        assert_eq!(ev[0].score, 2.0, "still two posts");
        assert_eq!(ev[1].summary, "1 post by @amb from 2023-10-02 was edited");
    }

    #[test]
    fn platform_edits_use_the_edit_time() {
        let mut fx = Fx::new();
        let ch = fx.actor("telegram:5", "chan");
        fx.post_full("telegram:5/1", ch, T0 - 100, "text", None, Some(T0 + 100));
        fx.detect("");
        let ev = fx.events("edit");
        assert_eq!(ev.len(), 1);
        assert_eq!(ev[0].summary, "@chan edited 1 post on 2023-10-01");
        assert_eq!(
            ev[0].evidence[0].note.as_deref(),
            Some("edited on the platform; the earlier text was not captured")
        );
        // Without platform edits, and with watched_only: no events (a
        // parameter change rebuilds the detector's events).
        fx.detect("[detectors.edit]\ninclude_platform_edits = false\n");
        assert!(fx.events("edit").is_empty());
    }

    #[test]
    fn watched_only() {
        let mut fx = Fx::new();
        let a = fx.actor("x:1", "a");
        let b = fx.actor("x:2", "b");
        let pa = fx.post("x:11", a, T0, "a");
        let pb = fx.post("x:12", b, T0, "b");
        fx.edit(pa, "a2", None);
        fx.edit(pb, "b2", None);
        fx.detect("[[actor]]\nref = \"x:2\"\n[detectors.edit]\nwatched_only = true\n");
        let ev = fx.events("edit");
        assert_eq!(ev.len(), 1);
        assert_eq!(ev[0].actors, ["x:2"]);
    }

    #[test]
    fn bad_parameters_are_errors_with_a_line() {
        let w = crate::Watchlists::parse(
            "[[side]]\nname = \"s\"\n\n[detectors.edit]\nwatched = true\n",
            "t.toml",
        )
        .unwrap();
        match crate::build_all(&w) {
            Err(crate::Error::Config(errs)) => {
                assert_eq!(errs.len(), 1);
                assert_eq!(errs[0].line, Some(4), "{}", errs[0]);
                assert!(errs[0].message.contains("watched"), "{}", errs[0]);
            }
            _ => panic!("expected a config error"),
        }
    }
}
