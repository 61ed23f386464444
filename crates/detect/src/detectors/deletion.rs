//! `deletion`: posts that disappeared.
//!
//! **What it detects.** A post that a later capture of the same scope no
//! longer holds (`gone.how = missing`), or that the platform reported
//! deleted (`gone.how = notice`: twarc2 compliance output, a v1.1 stream
//! `delete`, an X "Not Found" error for a referenced tweet). Deletions are
//! grouped per author and per UTC day, so "the ambassador deleted 3 posts
//! on 2023-04-04" is one event.
//!
//! **Why it matters.** A deleted post is a retraction the author hopes
//! nobody kept. The store kept it: the event points to the text as last
//! captured.
//!
//! **Evidence it attaches.** Each post gone, in time order (role
//! `deleted`), with a note saying how it was found and since which
//! capture. `detail.posts` lists each with `how` and `capture`.
//!
//! **Time.** The day is the deletion time when the notice gives one;
//! otherwise the post's own time (a post missing from a capture was
//! deleted at some point before it). When the store never held the post
//! (a bare deletion notice), the author is unknown and the capture's time
//! is used. `detail.time_basis` says which.
//!
//! **Parameters** (`[detectors.deletion]`):
//! - `watched_only` (bool, default `false`): only posts of watched actors.

use super::plural;
use crate::events::{Event, Evidence, day};
use crate::{Detector, Error, Registration, Scan, Watchlists, actor_label};
use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The registry entry.
pub const REG: Registration = Registration {
    name: "deletion",
    about: "posts missing from a later capture of the same scope, or reported deleted",
    build,
};

/// `[detectors.deletion]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Params {
    /// Only posts of watched actors.
    pub watched_only: bool,
}

struct Deletion {
    params: Params,
}

fn build(w: &Watchlists) -> Result<Box<dyn Detector>, crate::ConfigError> {
    Ok(Box::new(Deletion {
        params: super::params(w, REG.name)?,
    }))
}

struct Gone {
    post_ref: String,
    at: i64,
    basis_deletion_time: bool,
    how: String,
    capture: i64,
}

fn capture_time(conn: &Connection, capture: i64) -> Result<i64, Error> {
    let t: Option<String> = rusqlite::OptionalExtension::optional(conn.query_row(
        "SELECT ingested_at FROM captures WHERE id = ?1",
        [capture],
        |r| r.get(0),
    ))?;
    Ok(
        t.and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok())
            .map_or(0, |d| d.timestamp()),
    )
}

/// Every post of `author` (None: posts of no known author) marked gone, one
/// row per post: the earliest sign of its disappearance.
fn gone_of(conn: &Connection, author: Option<i64>) -> Result<Vec<Gone>, Error> {
    // `IS ?1` matches NULL authors too (posts never stored have none).
    let mut st = conn.prepare_cached(
        "SELECT g.post_ref, g.at, p.created_at, g.how, g.capture_id FROM gone g LEFT JOIN posts p ON p.id = g.post_id
         WHERE p.author_id IS ?1 ORDER BY g.post_ref, g.capture_id, g.how",
    )?;
    let rows = st
        .query_map(params![author], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<i64>>(1)?,
                r.get::<_, Option<i64>>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, i64>(4)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut out: Vec<Gone> = Vec::new();
    for (post_ref, at, created, how, capture) in rows {
        if out.last().is_some_and(|g| g.post_ref == post_ref) {
            continue;
        }
        let (at, basis) = match (at, created) {
            (Some(t), _) => (t, true),
            (None, Some(c)) => (c, false),
            (None, None) => (capture_time(conn, capture)?, false),
        };
        out.push(Gone {
            post_ref,
            at,
            basis_deletion_time: basis,
            how,
            capture,
        });
    }
    Ok(out)
}

impl Detector for Deletion {
    fn params(&self) -> serde_json::Value {
        serde_json::to_value(&self.params).unwrap_or_default()
    }

    fn detect(&mut self, scan: &Scan<'_>, out: &mut Vec<Event>) -> Result<(), Error> {
        let conn = scan.conn;
        let mut st = conn.prepare(
            "SELECT DISTINCT g.post_ref, p.author_id FROM gone g LEFT JOIN posts p ON p.id = g.post_id
             WHERE g.seq > ?1 AND g.seq <= ?2",
        )?;
        let rows = st
            .query_map(params![scan.since, scan.upto], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, Option<i64>>(1)?))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let mut new_refs: BTreeMap<Option<i64>, BTreeSet<String>> = BTreeMap::new();
        for (r, a) in rows {
            if self.params.watched_only && a.is_none_or(|id| scan.resolved.get(id).is_none()) {
                continue;
            }
            new_refs.entry(a).or_default().insert(r);
        }
        for (author, refs) in new_refs {
            let all = gone_of(conn, author)?;
            let days: BTreeSet<String> = all
                .iter()
                .filter(|g| refs.contains(&g.post_ref))
                .map(|g| day(g.at))
                .collect();
            let (label, aref) = actor_label(conn, author)?;
            for d in days {
                let mut group: Vec<&Gone> = all.iter().filter(|g| day(g.at) == d).collect();
                group.sort_by(|x, y| (x.at, &x.post_ref).cmp(&(y.at, &y.post_ref)));
                let mut e = Event::new(REG.name, format!("{aref}/{d}"));
                e.start = group.first().map_or(0, |g| g.at);
                e.end = group.last().map_or(0, |g| g.at);
                e.actors = if author.is_some() {
                    vec![aref.clone()]
                } else {
                    vec![]
                };
                let mut posts = Vec::new();
                for g in &group {
                    let note = if g.how == "missing" {
                        format!("missing since capture {}", g.capture)
                    } else {
                        format!("deletion notice in capture {}", g.capture)
                    };
                    e.evidence.push(Evidence {
                        post: g.post_ref.clone(),
                        role: "deleted".into(),
                        at: Some(g.at),
                        note: Some(note),
                    });
                    posts.push(
                        serde_json::json!({"post": g.post_ref, "how": g.how, "capture": g.capture}),
                    );
                }
                let n = group.len();
                let basis = group.iter().all(|g| g.basis_deletion_time);
                e.score = n as f64;
                e.summary = if basis {
                    format!("{label} deleted {} on {d}", plural(n, "post", "posts"))
                } else {
                    format!(
                        "{} by {label} from {d} {} gone",
                        plural(n, "post", "posts"),
                        if n == 1 { "is" } else { "are" }
                    )
                };
                e.detail = serde_json::json!({
                    "posts": posts,
                    "time_basis": if basis { "deletion time" } else { "post time" },
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
    fn missing_and_notices() {
        let mut fx = Fx::new();
        let amb = fx.actor("x:1", "amb");
        fx.post("x:101", amb, T0 + 3600, "one");
        fx.post("x:102", amb, T0 + 60, "two");
        fx.post("x:103", amb, T0 + 120, "stays");
        fx.gone("x:101", "missing", None);
        fx.gone("x:102", "missing", None);
        fx.gone("x:102", "notice", None); // the same post twice: counted once
        fx.gone("x:999", "notice", Some(T0 + 2 * 86_400 + 5));
        fx.detect("");
        let ev = fx.events("deletion");
        assert_eq!(ev.len(), 2);
        let e = &ev[0];
        assert_eq!(e.summary, "2 posts by @amb from 2023-10-01 are gone");
        let refs: Vec<&str> = e.evidence.iter().map(|v| v.post.as_str()).collect();
        assert_eq!(refs, ["x:102", "x:101"]);
        assert_eq!((e.start, e.end, e.score), (T0 + 60, T0 + 3600, 2.0));
        assert_eq!(
            e.evidence[1].note.as_deref(),
            Some("missing since capture 2")
        );
        let u = &ev[1];
        assert_eq!(u.summary, "an unknown account deleted 1 post on 2023-10-03");
        assert!(u.actors.is_empty());
        // Rerun: no duplicates.
        assert!(fx.detect("").changed.is_empty());
        assert_eq!(fx.events("deletion").len(), 2);
    }
}
