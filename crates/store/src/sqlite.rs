//! The embedded SQLite backend.
//!
//! One file, `tarjuman.db`, in the data folder, in WAL mode with
//! `synchronous=NORMAL`: a killed process loses at most the batches it had
//! not committed (one, or up to [`BULK_COMMIT_BATCHES`] in a bulk load),
//! never a committed one. Migrations are an append-only list applied
//! in order under `PRAGMA user_version` in one exclusive transaction.

use crate::{
    Batch, BatchOutcome, CaptureId, CaptureInfo, CaptureStart, FinishOutcome, RawSlice, Result,
    Stats, Store, StoreError, TopActor, TopTag,
};
use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;
use tarjuman_model::{Metrics, PostRecord, Record};
use write::{WriteState, Writer};

mod write;

/// Migrations, in order. Never remove or edit an entry that has shipped.
const MIGRATIONS: &[&str] = &[
    include_str!("sqlite/migrations/0001_init.sql"),
    include_str!("sqlite/migrations/0002_events.sql"),
    include_str!("sqlite/migrations/0003_detect_counts.sql"),
    include_str!("sqlite/migrations/0004_raw_blocks.sql"),
    include_str!("sqlite/migrations/0005_drop_mentions_actor.sql"),
    include_str!("sqlite/migrations/0006_drop_interactions_src.sql"),
];

/// Most actors kept in the in-memory actor cache before it is cleared.
const ACTOR_CACHE_MAX: usize = 500_000;

/// The embedded store.
pub struct SqliteStore {
    conn: Connection,
    /// What the write path keeps between batches.
    w: WriteState,
    /// The store's folder.
    dir: std::path::PathBuf,
    /// While secondary indexes are suspended (see [`Store::begin_bulk`]):
    /// the locked `bulk.lock`.
    bulk: Option<std::fs::File>,
    /// The write transaction a bulk load keeps open across batches, if any.
    open: Option<OpenWrite>,
    /// Whether a batch of the current bulk load was committed.
    bulk_committed: bool,
}

impl Drop for SqliteStore {
    fn drop(&mut self) {
        // Commit the batches written whole; a batch cut short (a panic
        // while writing it) is rolled back with all of them, as closing
        // the connection does with an open transaction.
        if self.open.as_ref().is_some_and(|o| o.whole) {
            let _ = self.commit_open();
        }
    }
}

/// A write transaction holding batches not committed yet.
struct OpenWrite {
    /// Batches written in it.
    batches: usize,
    /// When it began.
    since: std::time::Instant,
    /// False while a batch is being written.
    whole: bool,
}

/// During a bulk load, batches are committed together, at most this many
/// (about 2 s of writing) or [`BULK_COMMIT_SECONDS`] apart: every commit
/// writes each page it changed to the WAL, and the pages at the growing end
/// of every table and index change in every batch. On bench/ingest.sh's
/// 1M-tweet file this writes about 2.65 GB instead of 3.6 GB. A kill loses at
/// most those batches, which a rerun writes again.
const BULK_COMMIT_BATCHES: usize = 16;

/// See [`BULK_COMMIT_BATCHES`].
const BULK_COMMIT_SECONDS: u64 = 3;

/// A byte range of a block: offset and length.
type Range = (usize, usize);

/// The `raw_blocks` ids given to the blocks of the batch being written.
/// A block is stored only if a version it holds is stored, and gets its id
/// when the first one is.
#[derive(Default)]
struct BlockIds {
    /// The next free `raw_blocks.id`.
    next: i64,
    /// Per block of the batch: its id once given, and the byte ranges of the
    /// versions stored from it.
    used: Vec<(Option<i64>, Vec<Range>)>,
    /// Blocks of the batch before this one are written.
    flushed: usize,
}

impl BlockIds {
    /// A batch of `blocks` blocks begins (inside its transaction).
    fn start(&mut self, conn: &Connection, blocks: usize) -> Result<()> {
        self.next = conn.query_row("SELECT coalesce(max(id), 0) + 1 FROM raw_blocks", [], |r| {
            r.get(0)
        })?;
        self.used.clear();
        self.used.resize_with(blocks, Default::default);
        self.flushed = 0;
        Ok(())
    }

    /// The id of the block holding `s`, which is stored (`None` if the
    /// batch has no such block).
    fn take(&mut self, s: RawSlice) -> Option<i64> {
        let (id, used) = self.used.get_mut(s.block)?;
        used.push((s.offset, s.len));
        Some(*id.get_or_insert_with(|| {
            self.next += 1;
            self.next - 1
        }))
    }
}

/// Secondary indexes a bulk load suspends: none is read by the write path
/// (which finds posts and actors by their unique refs) or by
/// `finish_capture` (which reads `sightings_scope` and `gone_post`).
const BULK_INDEXES: &[&str] = &[
    "posts_author",
    "posts_created",
    "posts_reply_to",
    "posts_quote_of",
    "hashtags_tag",
    "urls_canonical",
    "interactions_dst",
];

/// Input smaller than this is always written with every index maintained.
const BULK_MIN_BYTES: u64 = 32 << 20;

/// The file a bulk load holds locked while its indexes are suspended, so
/// that another process opening the store can tell a live load from one a
/// crash left behind.
fn bulk_lock_path(dir: &Path) -> std::path::PathBuf {
    dir.join("bulk.lock")
}

/// Takes the bulk-load lock without waiting; `None` when another process
/// holds it.
fn try_bulk_lock(dir: &Path) -> Result<Option<std::fs::File>> {
    let path = bulk_lock_path(dir);
    let f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| StoreError::Io {
            path: path.display().to_string(),
            source: e,
        })?;
    match f.try_lock() {
        Ok(()) => Ok(Some(f)),
        Err(std::fs::TryLockError::WouldBlock) => Ok(None),
        Err(std::fs::TryLockError::Error(e)) => Err(StoreError::Io {
            path: path.display().to_string(),
            source: e,
        }),
    }
}

/// Whether a bulk load has indexes suspended (read without a write lock).
fn has_suspended_indexes(conn: &Connection) -> Result<bool> {
    let has_meta: bool = conn.query_row(
        "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'meta'",
        [],
        |r| r.get(0),
    )?;
    if !has_meta {
        return Ok(false);
    }
    Ok(conn.query_row(
        "SELECT count(*) > 0 FROM meta WHERE key = 'suspended_indexes'",
        [],
        |r| r.get(0),
    )?)
}

/// Recreates the indexes a bulk load suspended, if any (at the end of the
/// load, or after a crash). Idempotent.
fn restore_indexes(conn: &mut Connection) -> Result<()> {
    if !has_suspended_indexes(conn)? {
        return Ok(());
    }
    // SQLite's sorter (which CREATE INDEX uses) runs on one thread and sorts
    // everything in one list when temporary storage is in memory. With it in
    // a file and a small cache, it sorts runs of a few MiB in helper threads
    // and merges them: after a store-only load of bench/ingest.sh's
    // 1M-tweet file, the seven CREATE INDEX took 2.2-2.5 s instead of
    // 5.2 s. The runs go to SQLite's temporary directory (SQLITE_TMPDIR,
    // else /var/tmp, /tmp or the working directory); when none is usable or
    // the disk is full, the indexes are built in memory as before.
    set_sort_pragmas(conn, "FILE", SORT_CACHE_KIB)?;
    let built = create_suspended_indexes(conn);
    set_sort_pragmas(conn, "MEMORY", CACHE_KIB)?;
    match built {
        Err(StoreError::Backend(e)) if temp_file_failed(&e) => create_suspended_indexes(conn),
        other => other,
    }
}

/// The page cache of a connection, in KiB.
const CACHE_KIB: i64 = 200_000;

/// The page cache while indexes are rebuilt, in KiB: it also bounds the
/// sorter's runs, which SQLite keeps at least 250 pages (4 MiB) long.
const SORT_CACHE_KIB: i64 = 4_096;

/// Sets where SQLite keeps temporary data and how large its cache is.
fn set_sort_pragmas(conn: &Connection, temp_store: &str, cache_kib: i64) -> Result<()> {
    conn.pragma_update(None, "temp_store", temp_store)?;
    conn.pragma_update(None, "cache_size", -cache_kib)?;
    Ok(())
}

/// Whether an error came from SQLite's temporary files (no writable
/// temporary directory, or it is full).
fn temp_file_failed(e: &rusqlite::Error) -> bool {
    use rusqlite::ErrorCode::{CannotOpen, DiskFull, SystemIoFailure};
    matches!(
        e.sqlite_error_code(),
        Some(CannotOpen | DiskFull | SystemIoFailure)
    )
}

/// Creates the indexes listed in `meta.suspended_indexes` and clears the
/// list, in one transaction.
fn create_suspended_indexes(conn: &mut Connection) -> Result<()> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let saved: Option<String> = tx
        .query_row(
            "SELECT value FROM meta WHERE key = 'suspended_indexes'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    let Some(saved) = saved else { return Ok(()) };
    let sqls: Vec<String> = serde_json::from_str(&saved).map_err(|e| {
        StoreError::Conflict(format!("meta.suspended_indexes is not a JSON list: {e}"))
    })?;
    for sql in &sqls {
        let sql = sql
            .strip_prefix("CREATE INDEX ")
            .map(|rest| format!("CREATE INDEX IF NOT EXISTS {rest}"))
            .ok_or_else(|| StoreError::Conflict(format!("meta.suspended_indexes holds {sql:?}")))?;
        tx.execute_batch(&sql)?;
    }
    tx.execute("DELETE FROM meta WHERE key = 'suspended_indexes'", [])?;
    tx.commit()?;
    Ok(())
}

#[derive(Clone)]
struct CachedActor {
    id: i64,
    handle: Option<String>,
    name: Option<String>,
}

struct ExistingPost {
    id: i64,
    text_hash: i64,
    media_hash: i64,
    versions: i64,
    incomplete: bool,
    richness: i64,
    metrics_hash: i64,
    embedded: bool,
}

/// A stable hash of a metrics observation (0 when nothing is known).
fn metrics_hash(m: &Metrics) -> i64 {
    if m.is_empty() {
        return 0;
    }
    let v = [m.likes, m.reposts, m.replies, m.quotes, m.views]
        .map(|x| x.map_or(-1, |x| x).to_le_bytes());
    fnv(&[&v[0], &v[1], &v[2], &v[3], &v[4]])
}

/// How much linked detail a record carries. A later record of the same post
/// that carries more (a twarc2 tweet after a CSV row of it) replaces the
/// post's entity and interaction rows, so the richest view wins.
fn richness(p: &PostRecord) -> i64 {
    let links = [&p.reply_to, &p.quote_of, &p.repost_of]
        .iter()
        .filter(|l| l.as_ref().is_some_and(|l| l.actor.is_some()))
        .count();
    let mentions = p.mentions.iter().filter(|m| !m.ref_.is_empty()).count();
    let urls = p.urls.iter().filter(|u| u.expanded.is_some()).count();
    (4 * links + 2 * mentions + urls + p.hashtags.len() + p.media.len()) as i64
        + i64::from(p.forwarded_from.is_some()) * 4
        + i64::from(p.author.handle.is_some())
}

fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    rfc3339(secs)
}

/// Unix seconds as RFC 3339 UTC.
pub(crate) fn rfc3339(t: i64) -> String {
    // Civil-from-days (Howard Hinnant), to keep this crate free of a date library.
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// FNV-1a, 64 bits: a stable content hash (it must never change between
/// versions of tarjuman, since it is stored).
fn fnv(parts: &[&[u8]]) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for &b in *p {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        h ^= 0xff;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h as i64
}

fn media_hash(p: &PostRecord) -> i64 {
    if p.media.is_empty() {
        return 0;
    }
    let mut keys: Vec<&str> = p.media.iter().map(|m| m.key.as_str()).collect();
    keys.sort_unstable();
    keys.dedup();
    let parts: Vec<&[u8]> = keys.iter().map(|k| k.as_bytes()).collect();
    fnv(&parts)
}

fn platform_of(r: &str) -> &str {
    r.split(':').next().unwrap_or("")
}

fn native_of(r: &str) -> &str {
    r.split_once(':').map_or(r, |(_, n)| n)
}

impl SqliteStore {
    /// Opens (creating if needed) the store in `dir`, migrating it to the
    /// current schema.
    pub fn open(dir: &Path) -> Result<SqliteStore> {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::Io {
            path: dir.display().to_string(),
            source: e,
        })?;
        let path = dir.join("tarjuman.db");
        let mut conn = Connection::open(&path)?;
        // 16 KiB pages: fewer pages, WAL frames and b-tree splits (a
        // store-only load of bench/ingest.sh's 1M-tweet file took 34.1 s
        // instead of 35.6 s, with a fifth less system time, in one run each).
        // Takes effect only on a new database.
        conn.pragma_update(None, "page_size", 16_384i64)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "OFF")?;
        set_sort_pragmas(&conn, "MEMORY", CACHE_KIB)?;
        // Checkpoint the WAL less often during bulk writes: each page is then
        // copied into the database once per 256 MiB of changes, not per 4 MiB.
        let page: i64 = conn.query_row("PRAGMA page_size", [], |r| r.get(0))?;
        conn.pragma_update(None, "wal_autocheckpoint", (256 << 20) / page.max(512))?;
        conn.busy_timeout(std::time::Duration::from_secs(30))?;
        // Large sorts (CREATE INDEX after a bulk load, ORDER BY) may use
        // helper threads.
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        conn.pragma_update(None, "threads", cores.min(4) as i64)?;
        // Every statement of the write path stays prepared (the default cache holds 16).
        conn.set_prepared_statement_cache_capacity(128);
        // Indexes a crashed bulk load left suspended (a live load holds the
        // lock), restored before migrating: a migration may change them.
        if has_suspended_indexes(&conn)?
            && let Some(_lock) = try_bulk_lock(dir)?
        {
            restore_indexes(&mut conn)?;
        }
        migrate(&mut conn)?;
        let seq: i64 = conn
            .query_row("SELECT value FROM meta WHERE key = 'seq'", [], |r| {
                r.get::<_, String>(0)
            })
            .optional()?
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        Ok(SqliteStore {
            conn,
            w: WriteState {
                zstd: zstd::bulk::Compressor::new(1).ok(),
                seq,
                ..WriteState::default()
            },
            dir: dir.to_path_buf(),
            bulk: None,
            open: None,
            bulk_committed: false,
        })
    }

    /// The underlying connection, for read-only queries by views and analyses.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Commits the batches a bulk load left in an open transaction.
    fn commit_open(&mut self) -> Result<()> {
        if self.open.take().is_some() {
            self.conn.execute_batch("COMMIT")?;
        }
        Ok(())
    }

    /// Marks posts missing since `cap` in one scope. See docs/FORMATS.md,
    /// "Missing since", for the rules.
    fn mark_missing(
        &mut self,
        cap: CaptureId,
        scope: i64,
        start: Option<i64>,
        end: Option<i64>,
    ) -> Result<u64> {
        // Only posts an earlier capture of this scope saw can go missing.
        // The first capture of a scope (every first load) stops here, before
        // the span query below reads all of its sightings (0.3 s for 1M).
        let earlier: bool = self
            .conn
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM sightings WHERE scope_id = ?1 AND capture_id < ?2)",
            )?
            .query_row(params![scope, cap], |r| r.get(0))?;
        if !earlier {
            return Ok(0);
        }
        // The range this capture covers: explicit bounds, else the span of its own posts.
        let (tmin, tmax, n, idmin, idmax, telegram): (Option<i64>, Option<i64>, i64, Option<i64>, Option<i64>, bool) =
            self.conn.query_row(
                "SELECT min(p.created_at), max(p.created_at), count(*),
                        min(CAST(p.native_id AS INTEGER)), max(CAST(p.native_id AS INTEGER)), max(p.platform = 'telegram')
                 FROM sightings s JOIN posts p ON p.id = s.post_id WHERE s.capture_id = ?1 AND s.scope_id = ?2",
                params![cap, scope],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get::<_, Option<bool>>(5)?.unwrap_or(false))),
            )?;
        if n == 0 {
            return Ok(0);
        }
        let lo = start.or(tmin).unwrap_or(i64::MIN);
        let hi = end.or(tmax).unwrap_or(i64::MAX);
        let (idlo, idhi) = if telegram {
            (idmin.unwrap_or(i64::MIN), idmax.unwrap_or(i64::MAX))
        } else {
            (i64::MIN, i64::MAX)
        };
        let candidates: Vec<(i64, String)> = self
            .conn
            .prepare(
                "SELECT DISTINCT p.id, p.ref FROM sightings s JOIN posts p ON p.id = s.post_id
                 WHERE s.scope_id = ?1 AND s.capture_id < ?2
                   AND p.created_at >= ?3 AND p.created_at <= ?4
                   AND (p.platform != 'telegram' OR CAST(p.native_id AS INTEGER) BETWEEN ?5 AND ?6)
                   AND NOT EXISTS (SELECT 1 FROM sightings s2 WHERE s2.capture_id = ?2 AND s2.post_id = p.id)
                   AND NOT EXISTS (SELECT 1 FROM gone g WHERE g.post_id = p.id AND g.how = 'missing'
                                   AND g.capture_id > (SELECT max(s3.capture_id) FROM sightings s3 WHERE s3.post_id = p.id))",
            )?
            .query_map(params![scope, cap, lo, hi, idlo, idhi], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<std::result::Result<_, _>>()?;
        let mut marked = 0;
        for (id, r) in candidates {
            let seq = self.w.seq + 1;
            let n = self
                .conn
                .prepare_cached(
                    "INSERT OR IGNORE INTO gone (post_ref, post_id, capture_id, how, reason, at, seq) VALUES (?1, ?2, ?3, 'missing', 'absent from a later capture of the same scope', NULL, ?4)",
                )?
                .execute(params![r, id, cap, seq])?;
            if n > 0 {
                self.w.seq = seq;
                marked += 1;
            }
        }
        Ok(marked)
    }

    fn save_seq(&self) -> Result<()> {
        self.conn
            .prepare_cached("INSERT INTO meta (key, value) VALUES ('seq', ?1) ON CONFLICT (key) DO UPDATE SET value = excluded.value")?
            .execute([self.w.seq.to_string()])?;
        Ok(())
    }
}

fn migrate(conn: &mut Connection) -> Result<()> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Exclusive)?;
    let v: usize = tx.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))? as usize;
    if v > MIGRATIONS.len() {
        return Err(StoreError::Conflict(format!(
            "the store has schema version {v}, newer than this tarjuman knows ({}); upgrade tarjuman",
            MIGRATIONS.len()
        )));
    }
    for (i, m) in MIGRATIONS.iter().enumerate().skip(v) {
        tx.execute_batch(m)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
    }
    tx.commit()?;
    Ok(())
}

impl Store for SqliteStore {
    fn begin_capture(&mut self, info: &CaptureInfo) -> Result<CaptureStart> {
        self.commit_open()?;
        let found: Option<(i64, String)> = self
            .conn
            .query_row(
                "SELECT id, status FROM captures WHERE quick_key = ?1 AND format = ?2 ORDER BY id DESC LIMIT 1",
                params![info.quick_key, info.format],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        match found {
            Some((id, s)) if s == "running" => {
                self.w.current_scope.insert(id, None);
                Ok(CaptureStart::Resume(id))
            }
            Some((id, _)) => Ok(CaptureStart::MaybeDone(id)),
            None => Ok(CaptureStart::New(self.create_capture(info)?)),
        }
    }

    fn create_capture(&mut self, info: &CaptureInfo) -> Result<CaptureId> {
        self.commit_open()?;
        self.conn.execute(
            "INSERT INTO captures (file_name, bytes, quick_key, format, ingested_at, status) VALUES (?1, ?2, ?3, ?4, ?5, 'running')",
            params![info.file_name, info.bytes as i64, info.quick_key, info.format, now_rfc3339()],
        )?;
        let id = self.conn.last_insert_rowid();
        self.w.current_scope.insert(id, None);
        Ok(id)
    }

    fn capture_sha256(&self, id: CaptureId) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT sha256 FROM captures WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()?
            .flatten())
    }

    fn reopen_capture(&mut self, id: CaptureId) -> Result<()> {
        self.commit_open()?;
        let n = self
            .conn
            .execute("UPDATE captures SET status = 'running' WHERE id = ?1", [id])?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("capture {id}")));
        }
        self.w.current_scope.insert(id, None);
        Ok(())
    }

    fn write_batch(
        &mut self,
        cap: CaptureId,
        file_name: &str,
        batch: &Batch,
    ) -> Result<BatchOutcome> {
        let mut out = BatchOutcome::default();
        // A bulk load keeps its transaction open for a few batches. (Not
        // a savepoint per batch: SQLite would then journal every page the
        // batch changes, which made the bulk load twice as slow.)
        if self.open.is_none() {
            self.conn.execute_batch("BEGIN IMMEDIATE")?;
            self.open = Some(OpenWrite {
                batches: 0,
                since: std::time::Instant::now(),
                whole: true,
            });
        }
        if let Some(o) = &mut self.open {
            o.whole = false;
        }
        let res = (|| -> Result<()> {
            self.w.blocks.start(&self.conn, batch.raw_blocks.len())?;
            let mut w = Writer::new(&self.conn, &mut self.w)?;
            for (i, (_, r)) in batch.records.iter().enumerate() {
                match r {
                    Record::Post(p) => {
                        let pre = batch.raw_at.get(i).copied().flatten();
                        w.write_post(cap, p, pre, &mut out)?
                    }
                    Record::Actor(a) => {
                        w.actor_id(a, cap, &mut out)?;
                    }
                    Record::Gone(g) => w.write_gone(cap, g, &mut out)?,
                    Record::Scope(s) => w.set_scope(cap, s)?,
                }
                w.flush_blocks(&batch.raw_blocks, i + 1)?;
            }
            w.flush_blocks(&batch.raw_blocks, usize::MAX)?;
            drop(w);
            for p in &batch.problems {
                let n = self
                    .conn
                    .prepare_cached(
                        "INSERT OR IGNORE INTO quarantine (capture_id, file_name, line, byte_offset, reason, raw) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    )?
                    .execute(params![cap, file_name, p.line as i64, p.byte_offset as i64, p.reason, p.raw])?;
                out.quarantined += n as u64;
            }
            self.conn
                .prepare_cached(
                    "UPDATE captures SET new_posts = new_posts + ?2, new_versions = new_versions + ?3,
                     missing_marked = missing_marked + ?4, quarantined = quarantined + ?5 WHERE id = ?1",
                )?
                .execute(params![
                    cap,
                    out.new_posts as i64,
                    out.new_versions as i64,
                    out.deletion_notices as i64,
                    out.quarantined as i64
                ])?;
            self.save_seq()
        })();
        match res {
            Ok(()) => {
                let commit = match &mut self.open {
                    Some(o) => {
                        o.batches += 1;
                        o.whole = true;
                        // The first batch of a bulk load is committed at
                        // once, so that its capture is soon visible.
                        self.bulk.is_none()
                            || o.batches >= BULK_COMMIT_BATCHES
                            || o.since.elapsed().as_secs() >= BULK_COMMIT_SECONDS
                            || !self.bulk_committed
                    }
                    None => true,
                };
                if commit {
                    self.commit_open()?;
                    self.bulk_committed = true;
                }
                Ok(out)
            }
            Err(e) => {
                // This batch and those since the last commit are undone;
                // the caller stops writing the file, and a rerun resumes it.
                self.open = None;
                let _ = self.conn.execute_batch("ROLLBACK");
                // The cache may hold actors whose insert was rolled back.
                self.w.actors.clear();
                Err(e)
            }
        }
    }

    fn begin_bulk(&mut self, input_bytes: u64) -> Result<bool> {
        self.commit_open()?;
        if self.bulk.is_some() {
            return Ok(true);
        }
        let db_bytes: i64 = self.conn.query_row(
            "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()",
            [],
            |r| r.get(0),
        )?;
        if input_bytes < BULK_MIN_BYTES || input_bytes < db_bytes.max(0) as u64 {
            return Ok(false);
        }
        // Another process is bulk loading into this store: keep every index.
        let Some(lock) = try_bulk_lock(&self.dir)? else {
            return Ok(false);
        };
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        // Left by a crashed load that nothing restored yet: leave its list.
        let busy: bool = tx.query_row(
            "SELECT count(*) > 0 FROM meta WHERE key = 'suspended_indexes'",
            [],
            |r| r.get(0),
        )?;
        if busy {
            return Ok(false);
        }
        let mut sqls = Vec::new();
        for name in BULK_INDEXES {
            let sql: Option<String> = tx
                .query_row(
                    "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?1",
                    [name],
                    |r| r.get(0),
                )
                .optional()?;
            if let Some(sql) = sql {
                sqls.push(sql);
                tx.execute_batch(&format!("DROP INDEX {name}"))?;
            }
        }
        let json = serde_json::to_string(&sqls)
            .map_err(|e| StoreError::Conflict(format!("cannot record suspended indexes: {e}")))?;
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('suspended_indexes', ?1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [json],
        )?;
        tx.commit()?;
        self.bulk = Some(lock);
        self.bulk_committed = false;
        Ok(true)
    }

    fn end_bulk(&mut self) -> Result<()> {
        self.commit_open()?;
        if self.bulk.is_some() {
            restore_indexes(&mut self.conn)?;
            // Dropping the file releases the lock.
            self.bulk = None;
        }
        Ok(())
    }

    fn finish_capture(
        &mut self,
        cap: CaptureId,
        sha256: &str,
        records: u64,
    ) -> Result<FinishOutcome> {
        self.commit_open()?;
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        let res = (|| -> Result<u64> {
            let scopes: Vec<(i64, Option<i64>, Option<i64>)> = self
                .conn
                .prepare("SELECT scope_id, explicit_start, explicit_end FROM capture_scopes WHERE capture_id = ?1")?
                .query_map([cap], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<std::result::Result<_, _>>()?;
            let mut marked = 0;
            for (s, a, b) in scopes {
                marked += self.mark_missing(cap, s, a, b)?;
            }
            // A capture without posts in any scope claims nothing.
            self.conn.execute(
                "UPDATE captures SET status = 'complete', sha256 = ?2, records = ?3, finished_at = ?4,
                 missing_marked = missing_marked + ?5 WHERE id = ?1",
                params![cap, sha256, records as i64, now_rfc3339(), marked as i64],
            )?;
            self.save_seq()?;
            Ok(marked)
        })();
        match res {
            Ok(m) => {
                self.conn.execute_batch("COMMIT")?;
                self.w.current_scope.remove(&cap);
                Ok(FinishOutcome { missing_marked: m })
            }
            Err(e) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                Err(e)
            }
        }
    }

    fn stats(&self, top: usize) -> Result<Stats> {
        let c = &self.conn;
        let one =
            |sql: &str| -> Result<u64> { Ok(c.query_row(sql, [], |r| r.get::<_, i64>(0))? as u64) };
        let mut s = Stats {
            posts: one("SELECT count(*) FROM posts")?,
            actors: one("SELECT count(*) FROM actors")?,
            versions: one("SELECT count(*) FROM post_versions")?,
            captures: one("SELECT count(*) FROM captures")?,
            quarantined: one("SELECT count(*) FROM quarantine")?,
            gone: one("SELECT count(DISTINCT post_ref) FROM gone")?,
            interactions: one("SELECT count(*) FROM interactions")?,
            ..Stats::default()
        };
        for row in c
            .prepare("SELECT platform, count(*) FROM posts GROUP BY platform")?
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?
        {
            let (k, v) = row?;
            s.by_platform.insert(k, v as u64);
        }
        for row in c
            .prepare("SELECT kind, count(*) FROM posts GROUP BY kind")?
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?
        {
            let (k, v) = row?;
            s.by_kind.insert(k, v as u64);
        }
        let (lo, hi): (Option<i64>, Option<i64>) = c.query_row(
            "SELECT min(created_at), max(created_at) FROM posts",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        s.first_post_at = lo.map(rfc3339);
        s.last_post_at = hi.map(rfc3339);
        s.top_actors = c
            .prepare(
                "SELECT a.ref, a.handle, a.display_name, t.n FROM
                   (SELECT author_id, count(*) AS n FROM posts WHERE author_id IS NOT NULL GROUP BY author_id ORDER BY n DESC, author_id LIMIT ?1) t
                 JOIN actors a ON a.id = t.author_id ORDER BY t.n DESC, a.ref",
            )?
            .query_map([top as i64], |r| {
                Ok(TopActor { ref_: r.get(0)?, handle: r.get(1)?, display_name: r.get(2)?, posts: r.get::<_, i64>(3)? as u64 })
            })?
            .collect::<std::result::Result<_, _>>()?;
        s.top_hashtags = c
            .prepare(
                "SELECT min(tag), count(DISTINCT post_id) AS n FROM hashtags GROUP BY lower(tag) ORDER BY n DESC, lower(tag) LIMIT ?1",
            )?
            .query_map([top as i64], |r| Ok(TopTag { tag: r.get(0)?, posts: r.get::<_, i64>(1)? as u64 }))?
            .collect::<std::result::Result<_, _>>()?;
        Ok(s)
    }

    fn max_seq(&self) -> Result<i64> {
        Ok(self.w.seq)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RawBlock;
    use std::collections::HashMap;
    use tarjuman_model::{ActorRecord, Platform, PostLink, Problem, Scope};

    fn post(id: &str, text: &str) -> Record {
        let mut p = PostRecord::new(
            Platform::X,
            format!("x:{id}"),
            id.into(),
            ActorRecord::bare("x:100"),
        );
        p.text = text.into();
        p.created_at = Some(1_700_000_000 + id.parse::<i64>().unwrap_or(0));
        Record::Post(Box::new(p))
    }

    fn info(k: &str) -> CaptureInfo {
        CaptureInfo {
            file_name: format!("{k}.jsonl"),
            bytes: 10,
            quick_key: k.into(),
            format: "twarc2".into(),
        }
    }

    fn cap(s: &mut SqliteStore, k: &str) -> CaptureId {
        match s.begin_capture(&info(k)).unwrap() {
            CaptureStart::New(c) | CaptureStart::Resume(c) => c,
            CaptureStart::MaybeDone(c) => {
                s.reopen_capture(c).unwrap();
                c
            }
        }
    }

    fn scope() -> Record {
        Record::Scope(Scope {
            key: "x:search?query=a".into(),
            label: "q".into(),
            start: None,
            end: None,
        })
    }

    #[test]
    fn migrate_twice() {
        let d = tempfile::tempdir().unwrap();
        drop(SqliteStore::open(d.path()).unwrap());
        let s = SqliteStore::open(d.path()).unwrap();
        let v: i64 = s
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v as usize, MIGRATIONS.len());
    }

    /// A batch whose posts' raw records are in one block, as ingest sends them.
    fn blocked(posts: &[(&str, &str)]) -> Batch {
        let mut b = Batch::default();
        let mut plain = Vec::new();
        for (id, text) in posts {
            let raw = format!(r#"{{"id":"{id}","text":"{text}"}}"#);
            b.raw_at.push(Some(RawSlice {
                block: 0,
                offset: plain.len(),
                len: raw.len(),
            }));
            plain.extend_from_slice(raw.as_bytes());
            b.records.push((1, post(id, text)));
        }
        b.raw_blocks.push(RawBlock {
            zstd: zstd::bulk::compress(&plain, 1).unwrap(),
            len: plain.len(),
            end: posts.len(),
        });
        b
    }

    fn raw_of(s: &SqliteStore, id: &str, version: i64) -> (Option<String>, crate::RawLoc) {
        let loc = s
            .conn
            .query_row(
                &format!(
                    "SELECT {} FROM post_versions v JOIN posts p ON p.id = v.post_id WHERE p.ref = ?1 AND v.version = ?2",
                    crate::RAW_COLUMNS
                ),
                params![format!("x:{id}"), version],
                |r| crate::RawLoc::from_row(r, 0),
            )
            .unwrap();
        let mut reader = crate::RawReader::new();
        let raw = reader.read(&s.conn, &loc).unwrap();
        (raw.map(|b| String::from_utf8(b.to_vec()).unwrap()), loc)
    }

    #[test]
    fn raw_blocks_keep_only_what_is_stored() {
        let d = tempfile::tempdir().unwrap();
        let mut s = SqliteStore::open(d.path()).unwrap();
        let c1 = cap(&mut s, "a");
        s.write_batch(c1, "a", &blocked(&[("1", "one"), ("2", "two")]))
            .unwrap();
        assert_eq!(raw_of(&s, "1", 1).0.unwrap(), r#"{"id":"1","text":"one"}"#);
        assert_eq!(raw_of(&s, "2", 1).0.unwrap(), r#"{"id":"2","text":"two"}"#);
        // Nothing new: no block is stored.
        let c2 = cap(&mut s, "b");
        s.write_batch(c2, "b", &blocked(&[("1", "one"), ("2", "two")]))
            .unwrap();
        let blocks = |s: &SqliteStore| -> i64 {
            s.conn
                .query_row("SELECT count(*) FROM raw_blocks", [], |r| r.get(0))
                .unwrap()
        };
        assert_eq!(blocks(&s), 1);
        // One new post among two known ones: the block is stored with the
        // known posts' bytes zeroed.
        let c3 = cap(&mut s, "c");
        let out = s
            .write_batch(
                c3,
                "c",
                &blocked(&[("1", "one"), ("2", "two"), ("3", "three")]),
            )
            .unwrap();
        assert_eq!((out.new_posts, out.new_versions), (1, 0));
        assert_eq!(blocks(&s), 2);
        assert_eq!(
            raw_of(&s, "3", 1).0.unwrap(),
            r#"{"id":"3","text":"three"}"#
        );
        assert_eq!(raw_of(&s, "1", 1).0.unwrap(), r#"{"id":"1","text":"one"}"#);
        let block_of = |s: &SqliteStore, id: &str, v: i64| -> Vec<u8> {
            let crate::RawLoc::Block { id, .. } = raw_of(s, id, v).1 else {
                panic!("not in a block")
            };
            let z: Vec<u8> = s
                .conn
                .query_row("SELECT zstd FROM raw_blocks WHERE id = ?1", [id], |r| {
                    r.get(0)
                })
                .unwrap();
            zstd::decode_all(&z[..]).unwrap()
        };
        let plain = block_of(&s, "3", 1);
        let known = r#"{"id":"1","text":"one"}{"id":"2","text":"two"}"#.len();
        assert!(plain[..known].iter().all(|&b| b == 0));
        assert!(!plain[known..].contains(&0));
        // Two edits and a known post: most of the block is stored, so it is
        // stored whole, as compressed by the decoder.
        let c4 = cap(&mut s, "d");
        let out = s
            .write_batch(
                c4,
                "d",
                &blocked(&[("1", "ONE"), ("2", "TWO"), ("3", "three")]),
            )
            .unwrap();
        assert_eq!((out.new_posts, out.new_versions), (0, 2));
        assert_eq!(raw_of(&s, "1", 2).0.unwrap(), r#"{"id":"1","text":"ONE"}"#);
        assert_eq!(raw_of(&s, "2", 2).0.unwrap(), r#"{"id":"2","text":"TWO"}"#);
        assert!(!block_of(&s, "2", 2).contains(&0));
        // A record without a block slice keeps its own frame.
        let mut p = PostRecord::new(
            Platform::X,
            "x:4".into(),
            "4".into(),
            ActorRecord::bare("x:100"),
        );
        p.raw = br#"{"id":"4"}"#.to_vec();
        let b = Batch {
            records: vec![(1, Record::Post(Box::new(p)))],
            ..Batch::default()
        };
        s.write_batch(c3, "c", &b).unwrap();
        let (raw, loc) = raw_of(&s, "4", 1);
        assert!(matches!(loc, crate::RawLoc::Own(_)));
        assert_eq!(raw.unwrap(), r#"{"id":"4"}"#);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]
        /// Whatever mix of known and new posts a batch holds, in blocks of
        /// any size, every stored version reads back the raw bytes it came
        /// with, and nothing else.
        #[test]
        fn raw_blocks_read_back(
            first in proptest::collection::vec((0u8..40, ".{0,300}"), 1..40),
            edits in proptest::collection::vec(proptest::option::weighted(0.2, ".{0,300}"), 40),
            new in proptest::collection::vec((40u8..50, ".{0,300}"), 0..4),
            per_block in 1usize..12,
        ) {
            let d = tempfile::tempdir().unwrap();
            let mut s = SqliteStore::open(d.path()).unwrap();
            let mut want: HashMap<(String, i64), Vec<u8>> = HashMap::new();
            // A later capture: the same posts, a few edited, a few new ones
            // (most of its blocks' bytes are then known posts).
            let mut second: Vec<(u8, String)> = first
                .iter()
                .zip(&edits)
                .map(|((id, text), e)| (*id, e.clone().unwrap_or_else(|| text.clone())))
                .collect();
            second.extend(new);
            for (k, posts) in [first, second].into_iter().enumerate() {
                let c = cap(&mut s, &format!("c{k}"));
                let mut b = Batch::default();
                let mut plain = Vec::new();
                for (id, text) in &posts {
                    if b.records.len() % per_block == 0 && !plain.is_empty() {
                        let plain = std::mem::take(&mut plain);
                        b.raw_blocks.push(RawBlock {
                            zstd: zstd::bulk::compress(&plain, 1).unwrap(),
                            len: plain.len(),
                            end: b.records.len(),
                        });
                    }
                    let id = id.to_string();
                    let raw = serde_json::json!({"id": id, "text": text, "capture": k}).to_string();
                    b.raw_at.push(Some(RawSlice { block: b.raw_blocks.len(), offset: plain.len(), len: raw.len() }));
                    plain.extend_from_slice(raw.as_bytes());
                    b.records.push((1, post(&id, text)));
                }
                b.raw_blocks.push(RawBlock {
                    zstd: zstd::bulk::compress(&plain, 1).unwrap(),
                    len: plain.len(),
                    end: b.records.len(),
                });
                // What the store should keep: the first raw of each new
                // (post, text), in batch order.
                let raws: Vec<Vec<u8>> = b.raw_at.iter().zip(&b.records).map(|(at, _)| {
                    let at = at.unwrap();
                    let z = &b.raw_blocks[at.block].zstd;
                    zstd::decode_all(&z[..]).unwrap()[at.offset..at.offset + at.len].to_vec()
                }).collect();
                s.write_batch(c, "f", &b).unwrap();
                for ((id, _), raw) in posts.iter().zip(raws) {
                    let text: String = serde_json::from_slice::<serde_json::Value>(&raw).unwrap()["text"]
                        .as_str().unwrap().to_string();
                    let v: i64 = s.conn.query_row(
                        "SELECT v.version FROM post_versions v JOIN posts p ON p.id = v.post_id WHERE p.ref = ?1 AND v.text = ?2",
                        params![format!("x:{id}"), text], |r| r.get(0)).unwrap();
                    want.entry((id.to_string(), v)).or_insert(raw);
                }
            }
            let n: i64 = s.conn.query_row("SELECT count(*) FROM post_versions", [], |r| r.get(0)).unwrap();
            proptest::prop_assert_eq!(n as usize, want.len());
            for ((id, v), raw) in &want {
                let (got, _) = raw_of(&s, id, *v);
                proptest::prop_assert_eq!(got.as_deref().map(str::as_bytes), Some(&raw[..]));
            }
        }
    }

    #[test]
    fn idempotent_versions_and_missing() {
        let d = tempfile::tempdir().unwrap();
        let mut s = SqliteStore::open(d.path()).unwrap();
        let c1 = cap(&mut s, "a");
        let b = Batch {
            records: vec![
                (1, scope()),
                (1, post("1", "hello")),
                (2, post("2", "world")),
                (3, post("3", "x")),
            ],
            ..Batch::default()
        };
        let o = s.write_batch(c1, "a", &b).unwrap();
        assert_eq!(o.new_posts, 3);
        assert_eq!(o.new_actors, 1);
        let o = s.write_batch(c1, "a", &b).unwrap();
        assert_eq!(o, BatchOutcome::default());
        s.finish_capture(c1, "sha-a", 3).unwrap();
        // A later capture of the same scope: post 1 edited, post 2 gone, post 3 the same.
        let c2 = cap(&mut s, "b");
        let b2 = Batch {
            records: vec![
                (1, scope()),
                (1, post("1", "hello, edited")),
                (2, post("3", "x")),
            ],
            ..Batch::default()
        };
        let o = s.write_batch(c2, "b", &b2).unwrap();
        assert_eq!((o.new_posts, o.new_versions), (0, 1));
        let f = s.finish_capture(c2, "sha-b", 2).unwrap();
        assert_eq!(f.missing_marked, 1);
        let gone: String = s
            .conn
            .query_row("SELECT post_ref FROM gone", [], |r| r.get(0))
            .unwrap();
        assert_eq!(gone, "x:2");
        // Nothing was erased: version 1 is still there.
        let v1: String = s
            .conn
            .query_row(
                "SELECT text FROM post_versions WHERE post_id = 1 AND version = 1",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(v1, "hello");
        // Seeing the old text again (an older file) does not add a version.
        let c3 = cap(&mut s, "c");
        let o = s
            .write_batch(
                c3,
                "c",
                &Batch {
                    records: vec![(1, post("1", "hello"))],
                    ..Batch::default()
                },
            )
            .unwrap();
        assert_eq!(o.new_versions, 0);
        // A third capture also lacking post 2 does not mark it again.
        let c4 = cap(&mut s, "d");
        s.write_batch(c4, "d", &b2).unwrap();
        assert_eq!(s.finish_capture(c4, "sha-d", 2).unwrap().missing_marked, 0);
        let st = s.stats(5).unwrap();
        assert_eq!((st.posts, st.versions, st.gone), (3, 4, 1));
    }

    #[test]
    fn quarantine_is_idempotent_and_interactions_written() {
        let d = tempfile::tempdir().unwrap();
        let mut s = SqliteStore::open(d.path()).unwrap();
        let c = cap(&mut s, "q");
        let mut p = PostRecord::new(
            Platform::X,
            "x:5".into(),
            "5".into(),
            ActorRecord::bare("x:1"),
        );
        p.reply_to = Some(PostLink {
            post: "x:4".into(),
            actor: Some("x:2".into()),
        });
        p.mentions.push(ActorRecord {
            ref_: "x:3".into(),
            handle: Some("c".into()),
            ..Default::default()
        });
        p.hashtags.push("غزة".into());
        let b = Batch {
            records: vec![(1, Record::Post(Box::new(p)))],
            problems: vec![Problem::new(7, 100, "bad", b"{")],
            ..Batch::default()
        };
        assert_eq!(s.write_batch(c, "q", &b).unwrap().quarantined, 1);
        assert_eq!(s.write_batch(c, "q", &b).unwrap().quarantined, 0);
        let n: i64 = s
            .conn
            .query_row("SELECT count(*) FROM interactions", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 2);
        assert_eq!(s.stats(3).unwrap().top_hashtags[0].tag, "غزة");
    }

    #[test]
    fn rfc3339_matches_known_dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1539202764), "2018-10-10T20:19:24Z");
        assert_eq!(rfc3339(951782400), "2000-02-29T00:00:00Z");
    }

    fn index_names(s: &SqliteStore) -> Vec<String> {
        let mut st = s
            .conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name")
            .unwrap();
        st.query_map([], |r| r.get(0))
            .unwrap()
            .map(|r| r.unwrap())
            .collect()
    }

    #[test]
    fn bulk_load_suspends_and_restores_indexes() {
        let d = tempfile::tempdir().unwrap();
        let mut s = SqliteStore::open(d.path()).unwrap();
        let all = index_names(&s);
        for name in BULK_INDEXES {
            assert!(
                all.iter().any(|n| n == name),
                "{name} is not an index of the schema"
            );
        }
        // Small input: nothing changes.
        assert!(!s.begin_bulk(1 << 20).unwrap());
        assert_eq!(index_names(&s), all);
        // Large input into a small store: the indexes go, and come back.
        assert!(s.begin_bulk(1 << 30).unwrap());
        assert_eq!(index_names(&s).len(), all.len() - BULK_INDEXES.len());
        let c = cap(&mut s, "a");
        let b = Batch {
            records: vec![(1, post("1", "hello #tag"))],
            ..Batch::default()
        };
        s.write_batch(c, "a", &b).unwrap();
        s.end_bulk().unwrap();
        assert_eq!(index_names(&s), all);
        // Two loads at once: the second keeps every index, and the first
        // restores its own.
        let mut other = SqliteStore::open(d.path()).unwrap();
        assert!(s.begin_bulk(1 << 30).unwrap());
        assert!(!other.begin_bulk(1 << 30).unwrap());
        // Opening the store meanwhile leaves the live load alone.
        let reader = SqliteStore::open(d.path()).unwrap();
        assert_eq!(index_names(&reader).len(), all.len() - BULK_INDEXES.len());
        drop(reader);
        other.end_bulk().unwrap();
        s.end_bulk().unwrap();
        assert_eq!(index_names(&s), all);
        drop(other);
        // A crash in the middle of a bulk load: the next open restores them.
        assert!(s.begin_bulk(1 << 30).unwrap());
        drop(s);
        let s = SqliteStore::open(d.path()).unwrap();
        assert_eq!(index_names(&s), all);
        let left: i64 = s
            .conn
            .query_row(
                "SELECT count(*) FROM meta WHERE key = 'suspended_indexes'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(left, 0);
        let posts: i64 = s
            .conn
            .query_row("SELECT count(*) FROM posts", [], |r| r.get(0))
            .unwrap();
        assert_eq!(posts, 1);
    }

    /// Fills `hashtags` with more index keys than one sorter run holds
    /// (SORT_CACHE_KIB), so that CREATE INDEX has to sort in temporary
    /// files, and suspends its index the way a bulk load does.
    fn suspend_a_large_hashtag_index(s: &mut SqliteStore) {
        assert!(s.begin_bulk(1 << 30).unwrap());
        s.conn
            .execute_batch(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 250000)
                 INSERT INTO hashtags (post_id, tag)
                 SELECT i, printf('Tag%d_%s', (i * 7919) % 250000, hex(zeroblob(12))) FROM n",
            )
            .unwrap();
        let keys: i64 = s
            .conn
            .query_row("SELECT sum(length(tag) + 8) FROM hashtags", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert!(keys > 2 * SORT_CACHE_KIB * 1024, "{keys} bytes of keys");
    }

    /// How many hashtags the index finds for one tag, and whether the query
    /// used the index.
    fn tag_lookup(s: &SqliteStore) -> (i64, bool) {
        let q = "SELECT count(*) FROM hashtags WHERE lower(tag) = lower('TAG7919_' || hex(zeroblob(12)))";
        let plan: String = s
            .conn
            .query_row(&format!("EXPLAIN QUERY PLAN {q}"), [], |r| r.get(3))
            .unwrap();
        let n = s.conn.query_row(q, [], |r| r.get(0)).unwrap();
        (n, plan.contains("hashtags_tag"))
    }

    #[test]
    fn indexes_are_rebuilt_by_a_sort_in_temporary_files() {
        let d = tempfile::tempdir().unwrap();
        let mut s = SqliteStore::open(d.path()).unwrap();
        let all = index_names(&s);
        suspend_a_large_hashtag_index(&mut s);
        s.end_bulk().unwrap();
        assert_eq!(index_names(&s), all);
        assert_eq!(tag_lookup(&s), (1, true));
        let pragma = |s: &SqliteStore, p: &str| -> i64 {
            s.conn
                .query_row(&format!("PRAGMA {p}"), [], |r| r.get(0))
                .unwrap()
        };
        // The connection is back to its own settings.
        assert_eq!(pragma(&s, "temp_store"), 2);
        assert_eq!(pragma(&s, "cache_size"), -CACHE_KIB);

        // A second load rebuilds them again.
        s.conn.execute_batch("DELETE FROM hashtags").unwrap();
        suspend_a_large_hashtag_index(&mut s);
        s.end_bulk().unwrap();
        assert_eq!(tag_lookup(&s), (1, true));
    }

    #[test]
    fn only_temporary_file_errors_send_the_sort_to_memory() {
        use rusqlite::ffi;
        let err = |code| rusqlite::Error::SqliteFailure(ffi::Error::new(code), None);
        // What SQLite returns when no temporary directory is usable, when
        // it cannot open the file, and when the disk is full.
        for code in [
            ffi::SQLITE_IOERR_GETTEMPPATH,
            ffi::SQLITE_CANTOPEN,
            ffi::SQLITE_FULL,
            ffi::SQLITE_IOERR_WRITE,
        ] {
            assert!(temp_file_failed(&err(code)), "{code}");
        }
        for code in [
            ffi::SQLITE_CONSTRAINT_UNIQUE,
            ffi::SQLITE_CORRUPT,
            ffi::SQLITE_BUSY,
        ] {
            assert!(!temp_file_failed(&err(code)), "{code}");
        }
    }

    #[test]
    fn a_bulk_load_commits_batches_together() {
        let d = tempfile::tempdir().unwrap();
        let mut s = SqliteStore::open(d.path()).unwrap();
        let c = cap(&mut s, "a");
        let reader = Connection::open(d.path().join("tarjuman.db")).unwrap();
        let committed = || -> i64 {
            reader
                .query_row("SELECT count(*) FROM posts", [], |r| r.get(0))
                .unwrap()
        };
        let one = |k: usize, text: &str| {
            let mut r = post(&k.to_string(), text);
            if let Record::Post(p) = &mut r
                && let Some((_, tag)) = text.split_once('#')
            {
                p.hashtags.push(tag.split(' ').next().unwrap_or("").into());
            }
            Batch {
                records: vec![(k as u64, r)],
                ..Batch::default()
            }
        };
        assert!(s.begin_bulk(1 << 30).unwrap());
        // The first batch at once, then BULK_COMMIT_BATCHES at a time.
        s.write_batch(c, "a", &one(1, "first")).unwrap();
        assert_eq!(committed(), 1);
        for k in 2..=BULK_COMMIT_BATCHES {
            s.write_batch(c, "a", &one(k, "more")).unwrap();
        }
        assert_eq!(committed(), 1, "batches 2..=16 wait for the 17th");
        s.write_batch(c, "a", &one(BULK_COMMIT_BATCHES + 1, "more"))
            .unwrap();
        assert_eq!(committed(), 1 + BULK_COMMIT_BATCHES as i64);
        // A failing batch undoes the batches since the last commit, and the
        // store goes on.
        s.write_batch(c, "a", &one(100, "kept?")).unwrap();
        s.conn.execute_batch("DROP TABLE hashtags").unwrap();
        assert!(s.write_batch(c, "a", &one(101, "a #tag")).is_err());
        let posts = 1 + BULK_COMMIT_BATCHES as i64;
        assert_eq!(committed(), posts);
        // What is open is committed by end_bulk, or when the store closes.
        s.write_batch(c, "a", &one(102, "the #table is back"))
            .unwrap();
        s.write_batch(c, "a", &one(103, "more")).unwrap();
        assert_eq!(committed(), posts);
        s.end_bulk().unwrap();
        let posts = posts + 2;
        assert_eq!(committed(), posts);
        assert!(s.begin_bulk(1 << 30).unwrap());
        s.write_batch(c, "a", &one(104, "more")).unwrap();
        s.write_batch(c, "a", &one(105, "more")).unwrap();
        drop(s);
        let posts = posts + 2;
        assert_eq!(committed(), posts);
        // A batch cut short (a panic while writing it) is not committed
        // when the store closes, nor are the batches open with it.
        let mut s = SqliteStore::open(d.path()).unwrap();
        assert!(s.begin_bulk(1 << 30).unwrap());
        s.write_batch(c, "a", &one(106, "more")).unwrap();
        s.write_batch(c, "a", &one(107, "more")).unwrap();
        if let Some(o) = &mut s.open {
            o.whole = false;
        }
        drop(s);
        assert_eq!(committed(), posts + 1);
    }
}

#[cfg(test)]
mod richness_tests {
    use super::*;
    use tarjuman_model::{ActorRecord, Platform, PostLink};

    #[test]
    fn a_richer_record_replaces_entity_rows() {
        let d = tempfile::tempdir().unwrap();
        let mut s = SqliteStore::open(d.path()).unwrap();
        let CaptureStart::New(c) = s
            .begin_capture(&CaptureInfo {
                file_name: "a".into(),
                bytes: 1,
                quick_key: "a".into(),
                format: "csv".into(),
            })
            .unwrap()
        else {
            panic!()
        };
        // A CSV row: a repost whose original author is unknown.
        let mut lite = PostRecord::new(
            Platform::X,
            "x:2".into(),
            "2".into(),
            ActorRecord::bare("x:1"),
        );
        lite.text = "RT @b: hi".into();
        lite.repost_of = Some(PostLink {
            post: "x:1".into(),
            actor: None,
        });
        s.write_batch(
            c,
            "a",
            &Batch {
                records: vec![(1, Record::Post(Box::new(lite.clone())))],
                ..Batch::default()
            },
        )
        .unwrap();
        assert_eq!(
            s.conn
                .query_row("SELECT count(*) FROM interactions", [], |r| r
                    .get::<_, i64>(0))
                .unwrap(),
            0
        );
        // The same post from the API, with the original's author.
        let mut full = lite.clone();
        full.repost_of = Some(PostLink {
            post: "x:1".into(),
            actor: Some("x:9".into()),
        });
        full.hashtags.push("x".into());
        let o = s
            .write_batch(
                c,
                "a",
                &Batch {
                    records: vec![(1, Record::Post(Box::new(full.clone())))],
                    ..Batch::default()
                },
            )
            .unwrap();
        assert_eq!((o.new_posts, o.new_versions), (0, 0));
        assert_eq!(
            s.conn
                .query_row(
                    "SELECT count(*) FROM interactions WHERE kind = 'repost'",
                    [],
                    |r| r.get::<_, i64>(0)
                )
                .unwrap(),
            1
        );
        // Seeing either again changes nothing.
        for p in [lite, full] {
            s.write_batch(
                c,
                "a",
                &Batch {
                    records: vec![(1, Record::Post(Box::new(p)))],
                    ..Batch::default()
                },
            )
            .unwrap();
        }
        assert_eq!(
            s.conn
                .query_row("SELECT count(*) FROM interactions", [], |r| r
                    .get::<_, i64>(0))
                .unwrap(),
            1
        );
        assert_eq!(
            s.conn
                .query_row("SELECT count(*) FROM hashtags", [], |r| r.get::<_, i64>(0))
                .unwrap(),
            1
        );
    }
}

#[cfg(test)]
mod metrics_tests {
    use super::*;
    use tarjuman_model::{ActorRecord, Platform};

    #[test]
    fn changed_metrics_become_dated_observations() {
        let d = tempfile::tempdir().unwrap();
        let mut s = SqliteStore::open(d.path()).unwrap();
        let mut caps = Vec::new();
        for k in ["a", "b", "c"] {
            let info = CaptureInfo {
                file_name: k.into(),
                bytes: 1,
                quick_key: k.into(),
                format: "twarc2".into(),
            };
            let CaptureStart::New(c) = s.begin_capture(&info).unwrap() else {
                panic!()
            };
            caps.push(c);
        }
        let mut p = PostRecord::new(
            Platform::X,
            "x:1".into(),
            "1".into(),
            ActorRecord::bare("x:2"),
        );
        p.metrics = Metrics {
            likes: Some(1),
            reposts: Some(0),
            ..Metrics::default()
        };
        let write = |s: &mut SqliteStore, c, p: &PostRecord| {
            s.write_batch(
                c,
                "f",
                &Batch {
                    records: vec![(1, Record::Post(Box::new(p.clone())))],
                    ..Batch::default()
                },
            )
            .unwrap()
        };
        write(&mut s, caps[0], &p);
        write(&mut s, caps[1], &p); // unchanged: no new observation
        p.metrics.likes = Some(5);
        let o = write(&mut s, caps[2], &p);
        assert_eq!(
            (o.new_posts, o.new_versions),
            (0, 0),
            "metrics are not a new version"
        );
        let rows: Vec<(i64, i64)> = s
            .conn
            .prepare("SELECT capture_id, likes FROM metrics ORDER BY capture_id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        assert_eq!(rows, vec![(caps[0], 1), (caps[2], 5)]);
    }
}

#[cfg(test)]
mod seq_tests {
    use super::*;
    use tarjuman_model::{ActorRecord, Platform, PostLink};

    /// A new store with one capture of `format`, and post `x:2` by `x:1`.
    fn setup(format: &str) -> (tempfile::TempDir, SqliteStore, CaptureId, PostRecord) {
        let d = tempfile::tempdir().unwrap();
        let mut s = SqliteStore::open(d.path()).unwrap();
        let info = CaptureInfo {
            file_name: "a".into(),
            bytes: 1,
            quick_key: "a".into(),
            format: format.into(),
        };
        let CaptureStart::New(c) = s.begin_capture(&info).unwrap() else {
            panic!()
        };
        let p = PostRecord::new(
            Platform::X,
            "x:2".into(),
            "2".into(),
            ActorRecord::bare("x:1"),
        );
        (d, s, c, p)
    }

    /// A batch of one post.
    fn one(p: &PostRecord) -> Batch {
        Batch {
            records: vec![(1, Record::Post(Box::new(p.clone())))],
            ..Batch::default()
        }
    }

    #[test]
    fn enrichment_moves_the_post_to_a_new_seq() {
        let (_d, mut s, c, mut lite) = setup("csv");
        lite.text = "RT @b: hi".into();
        s.write_batch(c, "a", &one(&lite)).unwrap();
        let seq0 = s.max_seq().unwrap();
        // Seeing it again unchanged does not move it.
        s.write_batch(c, "a", &one(&lite)).unwrap();
        assert_eq!(s.max_seq().unwrap(), seq0);
        // A richer copy (the repost's original author, a language) does.
        let mut full = lite.clone();
        full.repost_of = Some(PostLink {
            post: "x:1".into(),
            actor: Some("x:9".into()),
        });
        full.lang = Some("en".into());
        s.write_batch(c, "a", &one(&full)).unwrap();
        let seq1 = s.max_seq().unwrap();
        assert!(seq1 > seq0);
        let v: i64 = s
            .conn
            .query_row(
                "SELECT seq FROM post_versions WHERE post_id = 1 AND version = 1",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(v, seq1);
        s.write_batch(c, "a", &one(&full)).unwrap();
        assert_eq!(s.max_seq().unwrap(), seq1, "nothing new the second time");
    }

    #[test]
    fn a_post_first_seen_embedded_moves_to_a_new_seq_when_seen_as_primary() {
        let (_d, mut s, c, mut p) = setup("twarc2");
        p.text = "hello".into();
        p.embedded = true;
        s.write_batch(c, "a", &one(&p)).unwrap();
        let seq0 = s.max_seq().unwrap();
        s.write_batch(c, "a", &one(&p)).unwrap();
        assert_eq!(s.max_seq().unwrap(), seq0, "still embedded: no change");
        p.embedded = false;
        s.write_batch(c, "a", &one(&p)).unwrap();
        let seq1 = s.max_seq().unwrap();
        assert!(seq1 > seq0);
        let (embedded, seq): (i64, i64) = s
            .conn
            .query_row("SELECT embedded, seq FROM posts WHERE id = 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!((embedded, seq), (0, seq1));
        let v: i64 = s
            .conn
            .query_row(
                "SELECT max(seq) FROM post_versions WHERE post_id = 1",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(v, seq1, "the change feed (post_versions.seq) shows it");
    }
}
