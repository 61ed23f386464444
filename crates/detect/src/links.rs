//! What posts point at beyond the store's interaction rows, kept in table
//! `detect_links` for the detectors: watched names found in post text
//! (`term:<term>` for a `[[term]]` or one of its aliases, `alias:<actor
//! ref>` for a watched actor's alias) and links to X posts
//! (`status:<tweet id>`, from any URL with `/status/<id>`).
//!
//! [`update`] runs before the detectors: the first time, or when the
//! watched names change, it reads the whole store (every URL with
//! `/status/`, and every post's text when names are watched); otherwise
//! only the posts whose seq moved since its last run (state row `_links`
//! in `detector_state`). Detectors then find the posts naming a term, an
//! alias or a post through the table's primary key instead of reading
//! every post.

use crate::matcher::Names;
use crate::{Error, Resolved, Watchlists, events};
use rusqlite::{Connection, OptionalExtension, params};

/// The `detector_state` row of this index.
pub const STATE: &str = "_links";

/// The watched names: (target, what to look for).
fn names(w: &Watchlists, resolved: &Resolved) -> Vec<(String, Names)> {
    let mut out = Vec::new();
    for t in &w.terms {
        let mut all = vec![t.term.clone()];
        all.extend(t.aliases.iter().cloned());
        out.push((format!("term:{}", t.term), Names::new(all)));
    }
    for a in &resolved.actors {
        if !a.aliases.is_empty() {
            out.push((format!("alias:{}", a.reference), Names::new(&a.aliases)));
        }
    }
    out
}

/// The post id an X status URL names (`…/status/<digits>`).
pub fn status_id(url: &str) -> Option<&str> {
    let rest = url.split("/status/").nth(1)?;
    let id = rest.split(['/', '?', '#']).next()?;
    (!id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())).then_some(id)
}

/// Brings `detect_links` up to the store's change `upto`, in its own
/// transaction; from scratch when `rebuild` or when the names changed.
pub fn update(
    conn: &Connection,
    w: &Watchlists,
    resolved: &Resolved,
    upto: i64,
    rebuild: bool,
) -> Result<(), Error> {
    let names = names(w, resolved);
    let mut key = String::new();
    for (t, n) in &names {
        key.push_str(&format!("{t}={n:?};"));
    }
    let fp = format!("{:016x}", events::fnv64(key.as_bytes()));
    let state = events::state(conn, STATE)?;
    let full = rebuild || state.as_ref().is_none_or(|(_, f)| *f != fp);
    let since = if full { 0 } else { state.map_or(0, |(s, _)| s) };
    if !full && since >= upto {
        return Ok(());
    }
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let res = (|| -> Result<(), Error> {
        let mut ins = conn.prepare_cached(
            "INSERT OR IGNORE INTO detect_links (target, post_id) VALUES (?1, ?2)",
        )?;
        if full {
            conn.execute("DELETE FROM detect_links", [])?;
            let mut st = conn
                .prepare("SELECT post_id, canonical FROM urls WHERE canonical LIKE '%/status/%'")?;
            let mut rows = st.query([])?;
            while let Some(r) = rows.next()? {
                let url: String = r.get(1)?;
                if let Some(id) = status_id(&url) {
                    ins.execute(params![format!("status:{id}"), r.get::<_, i64>(0)?])?;
                }
            }
            if !names.is_empty() {
                let mut st = conn.prepare("SELECT id, text FROM posts")?;
                let mut rows = st.query([])?;
                while let Some(r) = rows.next()? {
                    let text: String = r.get(1)?;
                    for (target, n) in &names {
                        if n.found_in(&text) {
                            ins.execute(params![target, r.get::<_, i64>(0)?])?;
                        }
                    }
                }
            }
        } else {
            let changed: Vec<i64> = conn
                .prepare_cached(
                    "SELECT DISTINCT post_id FROM post_versions WHERE seq > ?1 AND seq <= ?2",
                )?
                .query_map(params![since, upto], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            let mut del = conn.prepare_cached("DELETE FROM detect_links WHERE post_id = ?1")?;
            let mut urls = conn.prepare_cached("SELECT canonical FROM urls WHERE post_id = ?1")?;
            let mut text = conn.prepare_cached("SELECT text FROM posts WHERE id = ?1")?;
            for id in changed {
                del.execute([id])?;
                let found: Vec<String> = urls
                    .query_map([id], |r| r.get::<_, String>(0))?
                    .collect::<Result<_, _>>()?;
                for u in found {
                    if let Some(s) = status_id(&u) {
                        ins.execute(params![format!("status:{s}"), id])?;
                    }
                }
                if !names.is_empty()
                    && let Some(t) = text.query_row([id], |r| r.get::<_, String>(0)).optional()?
                {
                    for (target, n) in &names {
                        if n.found_in(&t) {
                            ins.execute(params![target, id])?;
                        }
                    }
                }
            }
        }
        events::set_state(conn, STATE, upto, &fp)?;
        Ok(())
    })();
    match res {
        Ok(()) => {
            conn.execute_batch("COMMIT")?;
            Ok(())
        }
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}

/// Posts pointing at `target` (`term:…`, `alias:…`, `status:…`) with a
/// time and an author: time, post ref, author id.
pub fn posts_to(conn: &Connection, target: &str) -> Result<Vec<(i64, String, i64)>, Error> {
    let mut st = conn.prepare_cached(
        "SELECT p.created_at, p.ref, p.author_id FROM detect_links l JOIN posts p ON p.id = l.post_id
         WHERE l.target = ?1 AND p.created_at IS NOT NULL AND p.author_id IS NOT NULL",
    )?;
    let rows = st.query_map([target], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    #[test]
    fn status_ids() {
        assert_eq!(
            super::status_id("https://twitter.com/a/status/123?s=20"),
            Some("123")
        );
        assert_eq!(super::status_id("https://x.com/i/web/status/9"), Some("9"));
        assert_eq!(super::status_id("https://x.com/a/status/abc"), None);
        assert_eq!(super::status_id("https://example.com/a"), None);
    }
}

#[cfg(test)]
mod index_tests {
    use crate::testutil::{Fx, T0};

    fn targets(fx: &Fx) -> Vec<(String, String)> {
        let mut st = fx
            .conn()
            .prepare("SELECT l.target, p.ref FROM detect_links l JOIN posts p ON p.id = l.post_id ORDER BY 1, 2")
            .unwrap();
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    #[test]
    fn names_and_status_links_follow_the_changes() {
        let mut fx = Fx::new();
        let a = fx.actor("x:1", "a");
        fx.actor("x:2", "amb");
        let p = fx.post("x:10", a, T0, "met Romanowski today");
        fx.conn()
            .execute(
                "INSERT INTO urls (post_id, pos, url, canonical) VALUES (?1, 0, 'https://t.co/q', 'https://twitter.com/amb/status/77')",
                [p],
            )
            .unwrap();
        let watch = "[[actor]]\nref = \"x:2\"\naliases = [\"Romanowski\", \"رومانوسكي\"]\n[[term]]\nterm = \"ceasefire\"\n";
        fx.detect(watch);
        assert_eq!(
            targets(&fx),
            [
                ("alias:x:2".into(), "x:10".into()),
                ("status:77".into(), "x:10".into())
            ]
        );
        // A new post and a new version: only they are read again.
        fx.post("x:11", a, T0 + 60, "a CEASEFIRE now");
        fx.edit(p, "met nobody", None);
        fx.detect(watch);
        assert_eq!(
            targets(&fx),
            [
                ("status:77".into(), "x:10".into()),
                ("term:ceasefire".into(), "x:11".into())
            ]
        );
        // Other names: everything again.
        fx.detect("[[term]]\nterm = \"nobody\"\n");
        assert_eq!(
            targets(&fx),
            [
                ("status:77".into(), "x:10".into()),
                ("term:nobody".into(), "x:10".into())
            ]
        );
    }
}
