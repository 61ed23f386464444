//! Watchlists and event detectors over the tarjuman store.
//!
//! An analyst names the sides, actors, home accounts and terms they care
//! about in a [`Watchlists`] file (`tarjuman.toml`, see `docs/WATCHLISTS.md`).
//! [`run`] then feeds every change the store recorded since the last run
//! (new posts, new versions, posts gone missing: everything after a change
//! sequence number) to each registered [`Detector`], and stores the
//! [`Event`]s they find, with evidence, in the `events` tables. Each event's
//! id is derived from its kind and key, so rerunning never duplicates an
//! event: one that grows is updated. `docs/DETECTORS.md` describes every
//! detector; [`DETECTORS`] is the registry.
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = tempfile::tempdir()?;
//! let store = tarjuman_store::SqliteStore::open(dir.path())?;
//! let watch = tarjuman_detect::Watchlists::parse("", "tarjuman.toml")?;
//! let report = tarjuman_detect::run(store.conn(), &watch, &Default::default())?;
//! assert!(report.changed.is_empty()); // an empty store holds no events
//! # Ok(()) }
//! ```
//!
//! Detectors here are change-driven rather than the post stream sketched in
//! STYLE.md: each one asks the store which of its keys (an actor and a day,
//! a pair of actors) the changes after seq N touch, and recomputes those
//! events whole from the store. That keeps an incremental run proportional
//! to what changed, and makes a rerun give the same events as a rebuild.
#![deny(missing_docs)]
#![doc(test(attr(deny(warnings))))]

pub mod detectors;
pub mod diff;
pub mod events;
pub mod links;
pub mod matcher;
pub mod notify;
pub mod timeline;
pub mod watchfile;
pub mod watchlist;

#[cfg(test)]
mod testutil;

pub use events::{Event, Evidence};
pub use watchlist::{ActorId, ConfigError, Watchlists};

use rusqlite::Connection;
use std::collections::HashMap;

/// What can stop detection.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The watchlist or detector parameters are wrong (all problems found).
    #[error("{}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"))]
    Config(Vec<ConfigError>),
    /// The store failed.
    #[error("store: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// An analysis the detectors use (communities) failed.
    #[error("analysis: {0}")]
    Analysis(String),
}

/// A registered detector: its name (also the event kind it writes and its
/// `[detectors.<name>]` table), a one-line description, and how to build it.
pub struct Registration {
    /// Name, event kind and config table.
    pub name: &'static str,
    /// One line for `--help` and docs.
    pub about: &'static str,
    /// Builds the detector from the watchlist, checking its parameters.
    pub build: fn(&Watchlists) -> Result<Box<dyn Detector>, ConfigError>,
}

/// What a detector sees: the store, the watchlist resolved against it, and
/// the change window `(since, upto]` to process.
pub struct Scan<'a> {
    /// The store's connection.
    pub conn: &'a Connection,
    /// The watchlist.
    pub watch: &'a Watchlists,
    /// Watched actors found in the store.
    pub resolved: &'a Resolved,
    /// Changes with seq greater than this are new.
    pub since: i64,
    /// Changes with seq up to this are processed.
    pub upto: i64,
}

/// A detector: finds the events that the changes in a [`Scan`] create or
/// change, and pushes each of them whole.
pub trait Detector {
    /// Pushes every event touched by changes in `(scan.since, scan.upto]`.
    fn detect(&mut self, scan: &Scan<'_>, out: &mut Vec<Event>) -> Result<(), Error>;
    /// The parameters in use, stored with each event.
    fn params(&self) -> serde_json::Value;
    /// Ids of stored events the last [`Detector::detect`] found no longer
    /// hold (the runner deletes them). An event is withdrawn when what it
    /// stood on changed: a backfill of older posts raised a baseline, or
    /// moved the start of a surge so that its key changed.
    fn withdrawn(&mut self) -> Vec<String> {
        Vec::new()
    }
}

/// Every detector, in the order they run.
pub static DETECTORS: &[Registration] = &[
    detectors::edit::REG,
    detectors::deletion::REG,
    detectors::first_contact::REG,
    detectors::first_exchange::REG,
    detectors::surge::REG,
    detectors::newcomers::REG,
    detectors::reaction_wave::REG,
    detectors::targeting::REG,
];

/// A watched actor found in the store.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedActor {
    /// Store actor id.
    pub id: i64,
    /// Its ref.
    pub reference: String,
    /// Its latest handle.
    pub handle: Option<String>,
    /// Its side in the watchlist.
    pub side: Option<String>,
    /// Watchlist aliases.
    pub aliases: Vec<String>,
}

/// The watchlist resolved against the store's actors.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Resolved {
    /// Watched actors present in the store.
    pub actors: Vec<ResolvedActor>,
    /// Store ids of the home accounts present.
    pub home: Vec<i64>,
    /// Watched or home actors not (yet) in the store, as written.
    pub unresolved: Vec<String>,
    by_id: HashMap<i64, usize>,
}

impl Resolved {
    /// Looks up watched actors in the store.
    pub fn new(conn: &Connection, w: &Watchlists) -> Result<Resolved, Error> {
        let mut r = Resolved::default();
        for a in &w.actors {
            let ids = find_actor(conn, &a.id)?;
            if ids.is_empty() {
                r.unresolved.push(a.id.to_string());
            }
            for (id, reference, handle) in ids {
                if r.by_id.contains_key(&id) {
                    continue;
                }
                r.by_id.insert(id, r.actors.len());
                r.actors.push(ResolvedActor {
                    id,
                    reference,
                    handle,
                    side: a.side.clone(),
                    aliases: a.aliases.clone(),
                });
            }
        }
        for h in &w.home {
            let ids = find_actor(conn, h)?;
            if ids.is_empty() {
                r.unresolved.push(h.to_string());
            }
            r.home.extend(ids.into_iter().map(|(id, _, _)| id));
        }
        Ok(r)
    }

    /// The watched actor with store id `id`.
    pub fn get(&self, id: i64) -> Option<&ResolvedActor> {
        self.by_id.get(&id).map(|&i| &self.actors[i])
    }
}

fn find_actor(
    conn: &Connection,
    id: &ActorId,
) -> Result<Vec<(i64, String, Option<String>)>, Error> {
    let mut out = Vec::new();
    match id {
        ActorId::Ref(r) => {
            let mut st =
                conn.prepare_cached("SELECT id, ref, handle FROM actors WHERE ref = ?1")?;
            for row in st.query_map([r], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))? {
                out.push(row?);
            }
        }
        ActorId::Handle { platform, handle } => {
            let mut st = conn.prepare_cached(
                "SELECT id, ref, handle FROM actors WHERE lower(handle) = lower(?2) AND platform = ?1 ORDER BY id",
            )?;
            for row in st.query_map([platform, handle], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })? {
                out.push(row?);
            }
        }
    }
    Ok(out)
}

/// How [`run`] runs.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Forget all events and detector state, and recompute from the start.
    pub rebuild: bool,
    /// Run only these detectors (all when empty).
    pub only: Vec<String>,
}

/// What one detector did in a run.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DetectorRun {
    /// Its name.
    pub name: &'static str,
    /// Changes after this seq were processed.
    pub from_seq: i64,
    /// Whether it started over (asked to, or its watchlist or parameters changed).
    pub rebuilt: bool,
    /// Events it created.
    pub new_events: usize,
    /// Existing events it updated.
    pub updated_events: usize,
    /// Existing events it withdrew (see [`Detector::withdrawn`]).
    pub withdrawn_events: usize,
    /// Wall-clock seconds it took (detection and writing its events).
    pub seconds: f64,
}

/// What [`run`] did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct RunReport {
    /// Changes up to this seq are processed.
    pub upto: i64,
    /// Per detector.
    pub detectors: Vec<DetectorRun>,
    /// Watched actors not found in the store.
    pub unresolved: Vec<String>,
    /// Events created (`true`) or updated (`false`) by this run, in order.
    #[serde(skip)]
    pub changed: Vec<(Event, bool)>,
}

/// A built detector beside its registration.
pub type Built = (&'static Registration, Box<dyn Detector>);

/// Builds every detector, reporting all parameter errors together.
pub fn build_all(w: &Watchlists) -> Result<Vec<Built>, Error> {
    let mut out = Vec::new();
    let mut errs = Vec::new();
    for r in DETECTORS {
        match (r.build)(w) {
            Ok(d) => out.push((r, d)),
            Err(e) => errs.push(e),
        }
    }
    if errs.is_empty() {
        Ok(out)
    } else {
        Err(Error::Config(errs))
    }
}

/// The highest change sequence number the store has written.
pub fn store_seq(conn: &Connection) -> Result<i64, Error> {
    let v: Option<String> = rusqlite::OptionalExtension::optional(conn.query_row(
        "SELECT value FROM meta WHERE key = 'seq'",
        [],
        |r| {
            r.get::<_, rusqlite::types::Value>(0).map(|v| match v {
                rusqlite::types::Value::Integer(i) => i.to_string(),
                rusqlite::types::Value::Text(t) => t,
                _ => String::new(),
            })
        },
    ))?;
    Ok(v.and_then(|s| s.trim().parse().ok()).unwrap_or(0))
}

/// Runs every detector over the changes since its last run and stores the
/// events. Each detector commits its events and its new state together, so
/// an interrupted run loses nothing and repeats nothing.
pub fn run(conn: &Connection, w: &Watchlists, opts: &RunOptions) -> Result<RunReport, Error> {
    let built = build_all(w)?;
    let resolved = Resolved::new(conn, w)?;
    let upto = store_seq(conn)?;
    links::update(conn, w, &resolved, upto, opts.rebuild)?;
    let mut report = RunReport {
        upto,
        unresolved: resolved.unresolved.clone(),
        ..Default::default()
    };
    for (reg, mut det) in built {
        if !opts.only.is_empty() && !opts.only.iter().any(|o| o == reg.name) {
            continue;
        }
        let fp = w.fingerprint(reg.name);
        let st = events::state(conn, reg.name)?;
        let rebuilt = opts.rebuild || st.as_ref().is_none_or(|(_, f)| *f != fp);
        let since = if rebuilt { 0 } else { st.map_or(0, |(s, _)| s) };
        let clock = std::time::Instant::now();
        conn.execute_batch("BEGIN IMMEDIATE")?;
        let res = (|| -> Result<DetectorRun, Error> {
            if rebuilt {
                events::delete_kind(conn, reg.name)?;
            }
            let mut out = Vec::new();
            if since < upto {
                det.detect(
                    &Scan {
                        conn,
                        watch: w,
                        resolved: &resolved,
                        since,
                        upto,
                    },
                    &mut out,
                )?;
            }
            let params = det.params();
            let mut dr = DetectorRun {
                name: reg.name,
                from_seq: since,
                rebuilt,
                new_events: 0,
                updated_events: 0,
                withdrawn_events: 0,
                seconds: 0.0,
            };
            // A key may be pushed twice in one run: the last one wins.
            let mut last: HashMap<String, usize> = HashMap::new();
            for (i, e) in out.iter().enumerate() {
                last.insert(e.id.clone(), i);
            }
            for (i, mut e) in out.into_iter().enumerate() {
                if last.get(&e.id) != Some(&i) {
                    continue;
                }
                e.params = params.clone();
                let before = events::get(conn, &e.id)?;
                if before.as_ref() == Some(&e) {
                    continue;
                }
                events::save(conn, &e, upto)?;
                if before.is_some() {
                    dr.updated_events += 1;
                } else {
                    dr.new_events += 1;
                }
                report.changed.push((e, before.is_none()));
            }
            for id in det.withdrawn() {
                if last.contains_key(&id) {
                    continue;
                }
                if events::delete(conn, &id)? {
                    dr.withdrawn_events += 1;
                }
            }
            events::set_state(conn, reg.name, upto, &fp)?;
            Ok(dr)
        })();
        match res {
            Ok(mut dr) => {
                conn.execute_batch("COMMIT")?;
                dr.seconds = clock.elapsed().as_secs_f64();
                report.detectors.push(dr);
            }
            Err(e) => {
                let _ = conn.execute_batch("ROLLBACK");
                return Err(e);
            }
        }
    }
    Ok(report)
}

/// `@handle` or the ref of store actor `id`, for summaries.
pub fn actor_label(conn: &Connection, id: Option<i64>) -> Result<(String, String), Error> {
    let Some(id) = id else {
        return Ok(("an unknown account".into(), "unknown".into()));
    };
    let row: Option<(String, Option<String>)> = rusqlite::OptionalExtension::optional(
        conn.query_row("SELECT ref, handle FROM actors WHERE id = ?1", [id], |r| {
            Ok((r.get(0)?, r.get(1)?))
        }),
    )?;
    Ok(match row {
        Some((r, Some(h))) if !h.is_empty() => (format!("@{h}"), r),
        Some((r, _)) => (r.clone(), r),
        None => ("an unknown account".into(), "unknown".into()),
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_detector_is_documented() {
        let doc = include_str!("../../../docs/DETECTORS.md");
        for r in super::DETECTORS {
            assert!(
                doc.lines().any(|l| l == format!("## {}", r.name)),
                "docs/DETECTORS.md lacks a `## {}` section",
                r.name
            );
        }
    }

    #[test]
    fn detector_names_are_unique() {
        let mut names: Vec<&str> = super::DETECTORS.iter().map(|r| r.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), super::DETECTORS.len());
    }
}
