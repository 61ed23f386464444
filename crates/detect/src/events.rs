//! Events and the tables that hold them (`events`, `event_actors`,
//! `event_evidence`, `detector_state`; see `docs/SCHEMA.md`).
//!
//! An event's id is derived from its kind and its key (what it is about,
//! such as `x:42/2023-04-04` for the edits of actor `x:42` that day), so a
//! rerun that finds the same thing again updates the event in place.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::Error;

/// One post cited by an event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    /// The post ref (`x:<id>`, `telegram:<chat>/<message>`).
    pub post: String,
    /// What the post is to the event: `trigger`, `edited`, `deleted`,
    /// `earlier`, `reply-to`, …
    pub role: String,
    /// The post's time (or the change's, for edits), Unix seconds.
    pub at: Option<i64>,
    /// A short note (`v1→v2`, `missing since capture 3`).
    pub note: Option<String>,
}

/// Something a detector found, with its evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    /// Stable id: `<kind>-<16 hex digits>` from kind and key.
    pub id: String,
    /// The detector kind (`edit`, `deletion`, `first-contact`, …).
    pub kind: String,
    /// What the event is about; the id is derived from it.
    pub key: String,
    /// Start of the time span, Unix seconds.
    pub start: i64,
    /// End of the time span, Unix seconds.
    pub end: i64,
    /// How strong the event is; the scale is per kind (docs/DETECTORS.md).
    pub score: f64,
    /// The parameters the detector ran with.
    pub params: serde_json::Value,
    /// One human sentence.
    pub summary: String,
    /// Actor refs, the main actor first.
    pub actors: Vec<String>,
    /// Evidence, the trigger or first post first.
    pub evidence: Vec<Evidence>,
    /// Detector-specific facts (counts, first dates, versions).
    pub detail: serde_json::Value,
}

impl Event {
    /// A new event of `kind` about `key`, its id derived from both.
    pub fn new(kind: &str, key: String) -> Event {
        Event {
            id: event_id(kind, &key),
            kind: kind.to_string(),
            key,
            start: 0,
            end: 0,
            score: 0.0,
            params: serde_json::Value::Null,
            summary: String::new(),
            actors: Vec::new(),
            evidence: Vec::new(),
            detail: serde_json::Value::Null,
        }
    }
}

/// 64-bit FNV-1a: small, stable across versions and platforms.
pub fn fnv64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The id of the event of `kind` about `key`.
///
/// ```
/// let a = tarjuman_detect::events::event_id("edit", "x:1/2023-04-04");
/// assert!(a.starts_with("edit-"));
/// assert_eq!(a, tarjuman_detect::events::event_id("edit", "x:1/2023-04-04"));
/// assert_ne!(a, tarjuman_detect::events::event_id("deletion", "x:1/2023-04-04"));
/// ```
pub fn event_id(kind: &str, key: &str) -> String {
    let mut b = Vec::with_capacity(kind.len() + key.len() + 1);
    b.extend_from_slice(kind.as_bytes());
    b.push(0);
    b.extend_from_slice(key.as_bytes());
    // FNV alone leaves similar keys with similar ids; the MurmurHash3
    // finalizer spreads them.
    let mut h = fnv64(&b);
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^= h >> 33;
    format!("{kind}-{h:016x}")
}

/// Unix seconds as RFC 3339 UTC (`2023-10-01T00:00:00Z`).
pub fn rfc3339(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_else(|| t.to_string())
}

/// The UTC day of Unix seconds `t`, as `YYYY-MM-DD`.
pub fn day(t: i64) -> String {
    chrono::DateTime::from_timestamp(t.div_euclid(86_400) * 86_400, 0)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| t.to_string())
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Writes `e`, replacing an earlier version of the same event.
pub fn save(conn: &Connection, e: &Event, seq: i64) -> Result<(), Error> {
    let now = now();
    let first_seq: Option<i64> = conn
        .query_row("SELECT first_seq FROM events WHERE id = ?1", [&e.id], |r| {
            r.get(0)
        })
        .optional()?;
    let detected: Option<String> = conn
        .query_row(
            "SELECT detected_at FROM events WHERE id = ?1",
            [&e.id],
            |r| r.get(0),
        )
        .optional()?;
    conn.execute("DELETE FROM event_actors WHERE event_id = ?1", [&e.id])?;
    conn.execute("DELETE FROM event_evidence WHERE event_id = ?1", [&e.id])?;
    conn.execute(
        "INSERT OR REPLACE INTO events (id, kind, key, start, end, score, params, summary, detail, first_seq, last_seq, detected_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        params![
            e.id,
            e.kind,
            e.key,
            e.start,
            e.end,
            e.score,
            e.params.to_string(),
            e.summary,
            e.detail.to_string(),
            first_seq.unwrap_or(seq),
            seq,
            detected.unwrap_or_else(|| now.clone()),
            now
        ],
    )?;
    let mut ins = conn.prepare_cached(
        "INSERT INTO event_actors (event_id, pos, actor_ref) VALUES (?1, ?2, ?3)",
    )?;
    for (i, a) in e.actors.iter().enumerate() {
        ins.execute(params![e.id, i as i64, a])?;
    }
    let mut ins = conn.prepare_cached(
        "INSERT INTO event_evidence (event_id, pos, post_ref, role, at, note) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for (i, v) in e.evidence.iter().enumerate() {
        ins.execute(params![e.id, i as i64, v.post, v.role, v.at, v.note])?;
    }
    Ok(())
}

/// Deletes every event of `kind`.
pub fn delete_kind(conn: &Connection, kind: &str) -> Result<(), Error> {
    conn.execute(
        "DELETE FROM event_actors WHERE event_id IN (SELECT id FROM events WHERE kind = ?1)",
        [kind],
    )?;
    conn.execute(
        "DELETE FROM event_evidence WHERE event_id IN (SELECT id FROM events WHERE kind = ?1)",
        [kind],
    )?;
    conn.execute("DELETE FROM events WHERE kind = ?1", [kind])?;
    Ok(())
}

/// Deletes event `id` with its actors and evidence (a recomputation found
/// it no longer holds); whether it existed.
pub fn delete(conn: &Connection, id: &str) -> Result<bool, Error> {
    conn.execute("DELETE FROM event_actors WHERE event_id = ?1", [id])?;
    conn.execute("DELETE FROM event_evidence WHERE event_id = ?1", [id])?;
    Ok(conn.execute("DELETE FROM events WHERE id = ?1", [id])? > 0)
}

/// Which events [`list`] returns.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only this kind.
    pub kind: Option<String>,
    /// Only events ending at or after this time (Unix seconds).
    pub since: Option<i64>,
    /// Only events naming this actor ref.
    pub actor: Option<String>,
}

/// Events matching `f`, by start time, then id.
pub fn list(conn: &Connection, f: &Filter) -> Result<Vec<Event>, Error> {
    let mut st = conn.prepare(
        "SELECT id FROM events e
         WHERE (?1 IS NULL OR kind = ?1) AND (?2 IS NULL OR e.end >= ?2)
           AND (?3 IS NULL OR EXISTS (SELECT 1 FROM event_actors a WHERE a.event_id = e.id AND a.actor_ref = ?3))
         ORDER BY start, id",
    )?;
    let ids = st
        .query_map(params![f.kind, f.since, f.actor], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(e) = get(conn, &id)? {
            out.push(e);
        }
    }
    Ok(out)
}

/// The event with this id, if stored.
pub fn get(conn: &Connection, id: &str) -> Result<Option<Event>, Error> {
    let row = conn
        .query_row(
            "SELECT kind, key, start, end, score, params, summary, detail FROM events WHERE id = ?1",
            [id],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, f64>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?,
                    r.get::<_, String>(7)?,
                ))
            },
        )
        .optional()?;
    let Some((kind, key, start, end, score, params, summary, detail)) = row else {
        return Ok(None);
    };
    let mut st =
        conn.prepare_cached("SELECT actor_ref FROM event_actors WHERE event_id = ?1 ORDER BY pos")?;
    let actors = st
        .query_map([id], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    let mut st = conn.prepare_cached(
        "SELECT post_ref, role, at, note FROM event_evidence WHERE event_id = ?1 ORDER BY pos",
    )?;
    let evidence = st
        .query_map([id], |r| {
            Ok(Evidence {
                post: r.get(0)?,
                role: r.get(1)?,
                at: r.get(2)?,
                note: r.get(3)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(Event {
        id: id.to_string(),
        kind,
        key,
        start,
        end,
        score,
        params: serde_json::from_str(&params).unwrap_or(serde_json::Value::Null),
        summary,
        actors,
        evidence,
        detail: serde_json::from_str(&detail).unwrap_or(serde_json::Value::Null),
    }))
}

/// The last seq `detector` processed and the fingerprint it ran with.
pub fn state(conn: &Connection, detector: &str) -> Result<Option<(i64, String)>, Error> {
    Ok(conn
        .query_row(
            "SELECT last_seq, fingerprint FROM detector_state WHERE detector = ?1",
            [detector],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

/// Records that `detector` processed changes up to `seq` with `fingerprint`.
pub fn set_state(
    conn: &Connection,
    detector: &str,
    seq: i64,
    fingerprint: &str,
) -> Result<(), Error> {
    conn.execute(
        "INSERT OR REPLACE INTO detector_state (detector, last_seq, fingerprint, updated_at) VALUES (?1, ?2, ?3, ?4)",
        params![detector, seq, fingerprint, now()],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        assert_eq!(rfc3339(1_696_118_400), "2023-10-01T00:00:00Z");
        assert_eq!(day(1_696_118_400 + 86_399), "2023-10-01");
        assert_eq!(day(-1), "1969-12-31");
    }

    #[test]
    fn fnv_known_value() {
        // FNV-1a 64 of "a", from the reference table (isthe.com/chongo/tech/comp/fnv).
        assert_eq!(fnv64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv64(b""), 0xcbf2_9ce4_8422_2325);
    }
}
