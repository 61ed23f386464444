//! An event's evidence as a readable timeline: each post with its time,
//! author, role and text; for edits, every captured version with a word
//! diff from the one before.

use crate::Error;
use crate::diff::{render as render_diff, word_diff};
use crate::events::{Event, rfc3339};
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;
use std::io::{self, Write};

/// One captured text of a post.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Version {
    /// 1, 2, …
    pub version: i64,
    /// The text.
    pub text: String,
    /// The capture that first held it.
    pub capture: i64,
    /// The platform's edit time, when given (RFC 3339).
    pub edited_at: Option<String>,
    /// Word diff from the previous version (`[-old-] {+new+}`).
    pub diff: Option<String>,
}

/// One evidence post, with what the store knows of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    /// Post ref.
    pub post: String,
    /// Role in the event.
    pub role: String,
    /// The evidence note.
    pub note: Option<String>,
    /// The post's time (RFC 3339), when stored.
    pub at: Option<String>,
    /// Author ref, when stored.
    pub author: Option<String>,
    /// Author handle, when known.
    pub handle: Option<String>,
    /// Latest text; `None` when the store does not hold the post.
    pub text: Option<String>,
    /// Every version when there are several, with word diffs.
    pub versions: Vec<Version>,
    /// For an X edit, the diff from the earlier tweet of the chain.
    pub diff_from_earlier: Option<String>,
}

/// The event with its evidence resolved against the store.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Timeline {
    /// The event.
    #[serde(flatten)]
    pub event: Event,
    /// Evidence in time order (posts the store lacks last, in evidence order).
    pub timeline: Vec<Entry>,
}

/// id, created_at, author ref, author handle, text.
type PostRow = (i64, Option<i64>, Option<String>, Option<String>, String);

/// Builds the timeline of `e`.
pub fn timeline(conn: &Connection, e: &Event) -> Result<Timeline, Error> {
    let mut out: Vec<(i64, usize, Entry)> = Vec::new();
    for (i, ev) in e.evidence.iter().enumerate() {
        let row: Option<PostRow> = conn
            .query_row(
                "SELECT p.id, p.created_at, a.ref, a.handle, p.text FROM posts p LEFT JOIN actors a ON a.id = p.author_id WHERE p.ref = ?1",
                [&ev.post],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .optional()?;
        let mut entry = Entry {
            post: ev.post.clone(),
            role: ev.role.clone(),
            note: ev.note.clone(),
            at: None,
            author: None,
            handle: None,
            text: None,
            versions: Vec::new(),
            diff_from_earlier: None,
        };
        let mut sort_at = i64::MAX;
        if let Some((id, created, author, handle, text)) = row {
            sort_at = ev.at.or(created).unwrap_or(i64::MAX);
            entry.at = created.map(rfc3339);
            entry.author = author;
            entry.handle = handle;
            let mut st = conn.prepare_cached(
                "SELECT version, text, capture_id, edited_at FROM post_versions WHERE post_id = ?1 ORDER BY version",
            )?;
            let vs = st
                .query_map([id], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, i64>(2)?,
                        r.get::<_, Option<i64>>(3)?,
                    ))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            if vs.len() > 1 {
                let mut prev: Option<&str> = None;
                for (v, t, c, ed) in &vs {
                    entry.versions.push(Version {
                        version: *v,
                        text: t.clone(),
                        capture: *c,
                        edited_at: ed.map(rfc3339),
                        diff: prev.map(|p| render_diff(&word_diff(p, t))),
                    });
                    prev = Some(t);
                }
            }
            if let Some(earlier) = ev.note.as_deref().and_then(|n| n.strip_prefix("edit of ")) {
                let old: Option<String> = conn
                    .query_row("SELECT text FROM posts WHERE ref = ?1", [earlier], |r| {
                        r.get(0)
                    })
                    .optional()?;
                entry.diff_from_earlier = old.map(|o| render_diff(&word_diff(&o, &text)));
            }
            entry.text = Some(text);
        }
        out.push((sort_at, i, entry));
    }
    out.sort_by_key(|(t, i, _)| (*t, *i));
    Ok(Timeline {
        event: e.clone(),
        timeline: out.into_iter().map(|(_, _, e)| e).collect(),
    })
}

fn indent(w: &mut dyn Write, label: &str, text: &str) -> io::Result<()> {
    let mut first = true;
    for line in text.lines() {
        if first {
            writeln!(w, "    {label:<8}{line}")?;
            first = false;
        } else {
            writeln!(w, "    {:<8}{line}", "")?;
        }
    }
    if first {
        writeln!(w, "    {label:<8}")?;
    }
    Ok(())
}

/// Writes the timeline for people.
pub fn render(t: &Timeline, w: &mut dyn Write) -> io::Result<()> {
    let e = &t.event;
    writeln!(w, "{}  {}  score {}", e.id, e.kind, e.score)?;
    writeln!(w, "{}", e.summary)?;
    writeln!(w, "from {} to {}", rfc3339(e.start), rfc3339(e.end))?;
    if !e.actors.is_empty() {
        writeln!(w, "actors: {}", e.actors.join(", "))?;
    }
    writeln!(w)?;
    for x in &t.timeline {
        let who = match (&x.handle, &x.author) {
            (Some(h), _) => format!("@{h}"),
            (None, Some(a)) => a.clone(),
            _ => String::new(),
        };
        let note = x
            .note
            .as_deref()
            .map(|n| format!("  ({n})"))
            .unwrap_or_default();
        writeln!(
            w,
            "{}  {}  {who}  [{}]{note}",
            x.at.as_deref().unwrap_or("(time unknown)      "),
            x.post,
            x.role
        )?;
        match &x.text {
            None => writeln!(w, "    (not in the store)")?,
            Some(text) if x.versions.is_empty() => {
                indent(w, "", text)?;
                if let Some(d) = &x.diff_from_earlier {
                    indent(w, "diff:", d)?;
                }
            }
            Some(_) => {
                for v in &x.versions {
                    indent(w, &format!("v{}:", v.version), &v.text)?;
                    if let Some(d) = &v.diff {
                        indent(w, "diff:", d)?;
                    }
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::testutil::{Fx, T0};

    #[test]
    fn edit_timeline_shows_versions_and_diff() {
        let mut fx = Fx::new();
        let a = fx.actor("x:1", "amb");
        let p = fx.post("x:101", a, T0, "we will attack tomorrow");
        fx.edit(p, "we will talk tomorrow", None);
        fx.detect("");
        let e = fx.events("edit").remove(0);
        let t = super::timeline(fx.conn(), &e).unwrap();
        assert_eq!(t.timeline.len(), 1);
        assert_eq!(t.timeline[0].versions.len(), 2);
        assert_eq!(
            t.timeline[0].versions[1].diff.as_deref(),
            Some("we will [-attack-] {+talk+} tomorrow")
        );
        let mut out = Vec::new();
        super::render(&t, &mut out).unwrap();
        let s = String::from_utf8(out).unwrap();
        assert!(
            s.contains("diff:   we will [-attack-] {+talk+} tomorrow"),
            "{s}"
        );
        assert!(
            s.contains("2023-10-01T00:00:00Z  x:101  @amb  [edited]  (v1→v2)"),
            "{s}"
        );
    }
}
