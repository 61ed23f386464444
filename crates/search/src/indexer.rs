//! The index on disk, kept up to date with the store by change sequence.

use crate::schema::{self, Fields, SCHEMA_VERSION, Tag};
use crate::{Error, Result, analyzers};
use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tantivy::schema::Schema;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};
use tarjuman_store::SqliteStore;

/// Posts read from the store per round trip.
const BATCH: i64 = 5_000;

/// What tantivy's commit payload holds: the store's change sequence the
/// index reflects, and the schema version it was written with.
#[derive(Serialize, Deserialize, Default, Debug, Clone, Copy, PartialEq, Eq)]
struct Payload {
    seq: i64,
    schema: u32,
}

/// What a catch-up or rebuild did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct CatchUp {
    /// Posts (new, or with a new version) written to the index.
    pub indexed: u64,
    /// The store's change sequence the index now reflects.
    pub seq: i64,
    /// Seconds it took.
    pub seconds: f64,
}

/// The search index of a data folder (`DATA/search/`).
pub struct SearchIndex {
    dir: PathBuf,
    pub(crate) index: Index,
    pub(crate) fields: Fields,
    pub(crate) reader: IndexReader,
}

impl SearchIndex {
    /// Opens the index in `data_dir/search`, creating an empty one if there
    /// is none. An index written with another schema version is discarded
    /// (it is derived data: the next catch-up rebuilds it from the store).
    pub fn open(data_dir: &Path) -> Result<SearchIndex> {
        let dir = data_dir.join("search");
        let (schema, fields) = schema::build();
        let index = open_or_create(&dir, &schema)?;
        Self::wrap(dir, index, fields)
    }

    fn wrap(dir: PathBuf, index: Index, fields: Fields) -> Result<SearchIndex> {
        analyzers::register_all(index.tokenizers());
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(SearchIndex {
            dir,
            index,
            fields,
            reader,
        })
    }

    /// The store change sequence this index reflects (0 for a new index).
    pub fn indexed_seq(&self) -> Result<i64> {
        Ok(payload(&self.index)?.seq)
    }

    /// Number of posts in the index.
    pub fn num_posts(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Whether the store holds changes the index has not seen.
    pub fn is_stale(&self, store: &SqliteStore) -> Result<bool> {
        use tarjuman_store::Store;
        Ok(self.indexed_seq()? < store.max_seq()?)
    }

    /// Indexes every post of the store with a change sequence above the
    /// index's: new posts, and posts with a new version (the old document
    /// is replaced, by ref). Returns what it did. Waits up to `wait` for
    /// another process that holds the index's writer lock, then fails with
    /// [`Error::Busy`].
    pub fn catch_up(&mut self, store: &SqliteStore, wait: Duration) -> Result<CatchUp> {
        let t0 = Instant::now();
        let since = self.indexed_seq()?;
        let fresh = since == 0 && self.num_posts() == 0;
        let mut writer = writer(&self.index, wait, fresh)?;
        let (indexed, seq) = index_since(store.conn(), &mut writer, &self.fields, since, fresh)?;
        commit(
            &mut writer,
            Payload {
                seq: seq.max(since),
                schema: SCHEMA_VERSION,
            },
        )?;
        writer.wait_merging_threads()?;
        self.reader.reload()?;
        Ok(CatchUp {
            indexed,
            seq: seq.max(since),
            seconds: t0.elapsed().as_secs_f64(),
        })
    }

    /// Rebuilds the index from scratch into `search.new/`, then swaps it in
    /// for the old one, which stays searchable meanwhile.
    pub fn rebuild(&mut self, store: &SqliteStore, wait: Duration) -> Result<CatchUp> {
        let t0 = Instant::now();
        // Hold the old index's writer lock so no catch-up runs meanwhile.
        let old_writer = writer(&self.index, wait, false)?;
        let new_dir = self.dir.with_file_name("search.new");
        if new_dir.exists() {
            std::fs::remove_dir_all(&new_dir).map_err(|e| Error::io(&new_dir, e))?;
        }
        std::fs::create_dir_all(&new_dir).map_err(|e| Error::io(&new_dir, e))?;
        let (schema, fields) = schema::build();
        let index = Index::create_in_dir(&new_dir, schema)?;
        analyzers::register_all(index.tokenizers());
        let mut w = writer(&index, wait, true)?;
        let (indexed, seq) = index_since(store.conn(), &mut w, &fields, 0, true)?;
        let t1 = Instant::now();
        commit(
            &mut w,
            Payload {
                seq,
                schema: SCHEMA_VERSION,
            },
        )?;
        let t2 = Instant::now();
        w.wait_merging_threads()?;
        tracing::debug!(
            read_and_add_ms = (t1 - t0).as_millis() as u64,
            commit_ms = (t2 - t1).as_millis() as u64,
            merge_ms = t2.elapsed().as_millis() as u64,
            "rebuilt"
        );
        drop(index);
        drop(old_writer);
        let old_dir = self.dir.with_file_name("search.old");
        if old_dir.exists() {
            std::fs::remove_dir_all(&old_dir).map_err(|e| Error::io(&old_dir, e))?;
        }
        if self.dir.exists() {
            std::fs::rename(&self.dir, &old_dir).map_err(|e| Error::io(&self.dir, e))?;
        }
        std::fs::rename(&new_dir, &self.dir).map_err(|e| Error::io(&new_dir, e))?;
        let _ = std::fs::remove_dir_all(&old_dir);
        let index = Index::open_in_dir(&self.dir)?;
        *self = Self::wrap(self.dir.clone(), index, fields)?;
        Ok(CatchUp {
            indexed,
            seq,
            seconds: t0.elapsed().as_secs_f64(),
        })
    }
}

/// Opens the index in `data_dir/search` and catches it up with `store`:
/// what `tarjuman ingest` calls after writing.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let dir = tempfile::tempdir()?;
/// let store = tarjuman_store::SqliteStore::open(dir.path())?;
/// let done = tarjuman_search::catch_up(&store, dir.path())?;
/// assert_eq!(done.indexed, 0);
/// # Ok(()) }
/// ```
pub fn catch_up(store: &SqliteStore, data_dir: &Path) -> Result<CatchUp> {
    let mut ix = SearchIndex::open(data_dir)?;
    ix.catch_up(store, Duration::from_secs(60))
}

/// Rebuilds the index of `data_dir` from `store`: `tarjuman reindex`.
pub fn rebuild(store: &SqliteStore, data_dir: &Path) -> Result<CatchUp> {
    let mut ix = SearchIndex::open(data_dir)?;
    ix.rebuild(store, Duration::from_secs(60))
}

fn open_or_create(dir: &Path, schema: &Schema) -> Result<Index> {
    if dir.join("meta.json").exists() {
        let ok = Index::open_in_dir(dir).ok().filter(|ix| {
            ix.schema() == *schema
                && payload(ix).is_ok_and(|p| p.schema == SCHEMA_VERSION || p.seq == 0)
        });
        if let Some(ix) = ok {
            return Ok(ix);
        }
        tracing::warn!(dir = %dir.display(), "search index from another version: rebuilding it");
        std::fs::remove_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    Ok(Index::create_in_dir(dir, schema.clone())?)
}

fn payload(index: &Index) -> Result<Payload> {
    let metas = index.load_metas()?;
    Ok(metas
        .payload
        .as_deref()
        .and_then(|p| serde_json::from_str(p).ok())
        .unwrap_or_default())
}

/// Memory for tantivy's indexing, per indexing thread.
const WRITER_MEMORY: usize = 150_000_000;

/// Segments with more posts than this are never merged again: a bulk build
/// writes large segments without merging them (merging 1M posts costs more
/// than searching a dozen segments), and later catch-ups merge only their
/// own small segments.
const MERGE_MAX_DOCS: usize = 50_000;

/// The index writer: one indexing thread per core (up to 4). `bulk` (a
/// rebuild, or the first catch-up of an empty index) turns merging off.
fn writer(index: &Index, wait: Duration, bulk: bool) -> Result<IndexWriter> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 4);
    let t0 = Instant::now();
    loop {
        match index.writer_with_num_threads(threads, WRITER_MEMORY * threads) {
            Ok(w) => {
                if bulk {
                    w.set_merge_policy(Box::new(tantivy::indexer::NoMergePolicy));
                } else {
                    let mut policy = tantivy::indexer::LogMergePolicy::default();
                    policy.set_max_docs_before_merge(MERGE_MAX_DOCS);
                    w.set_merge_policy(Box::new(policy));
                }
                return Ok(w);
            }
            Err(tantivy::TantivyError::LockFailure(..)) if t0.elapsed() < wait => {
                std::thread::sleep(Duration::from_millis(100));
            }
            Err(tantivy::TantivyError::LockFailure(..)) => return Err(Error::Busy),
            Err(e) => return Err(e.into()),
        }
    }
}

fn commit(writer: &mut IndexWriter, p: Payload) -> Result<()> {
    let mut prepared = writer.prepare_commit()?;
    prepared.set_payload(&serde_json::to_string(&p).unwrap_or_default());
    prepared.commit()?;
    Ok(())
}

/// One post as read from the store, with its entities.
#[derive(Default)]
struct Row {
    id: i64,
    platform: String,
    created_at: Option<i64>,
    kind: String,
    lang: Option<String>,
    reply_to: bool,
    quote_of: bool,
    repost_of: bool,
    forwarded: bool,
    text: String,
    versions: i64,
    author_ref: Option<String>,
    author_handle: Option<String>,
    hashtags: Vec<String>,
    mentions: Vec<String>,
    domains: Vec<String>,
    urls: Vec<String>,
    media: bool,
    to: Vec<String>,
}

/// Which posts to load.
enum Select<'a> {
    /// `lo < id <= hi` (a rebuild walks the posts table in id order).
    IdRange(i64, i64),
    /// These ids (a catch-up follows the change feed).
    Ids(&'a [i64]),
}

impl Select<'_> {
    /// The SQL condition on `col`.
    fn condition(&self, col: &str) -> String {
        match self {
            Select::IdRange(lo, hi) => format!("{col} > {lo} AND {col} <= {hi}"),
            Select::Ids(ids) => {
                let list: Vec<String> = ids.iter().map(i64::to_string).collect();
                format!("{col} IN ({})", list.join(","))
            }
        }
    }
}

/// Indexes the posts whose latest change is above `since`: new posts and
/// new versions, by the store's change feed (`post_versions.seq`). With
/// `fresh` (an empty index), every post, walking the posts table. Returns
/// (posts indexed, the store's seq in the snapshot read).
fn index_since(
    conn: &Connection,
    writer: &mut IndexWriter,
    f: &Fields,
    since: i64,
    fresh: bool,
) -> Result<(u64, i64)> {
    // One read transaction: a consistent snapshot, even while ingest writes.
    let tx = conn.unchecked_transaction()?;
    let snapshot_seq = store_seq(&tx);
    let mut indexed = 0u64;
    if fresh {
        tx.finish()?;
        if let Some(db) = conn.path().filter(|p| !p.is_empty()) {
            return index_all(Path::new(db), writer, f);
        }
        // An in-memory store: read on this thread.
        let tx = conn.unchecked_transaction()?;
        let mut lo = 0i64;
        while let Some(hi) = next_range(&tx, lo)? {
            for row in load_rows(&tx, &Select::IdRange(lo, hi))? {
                writer.add_document(document(f, &row))?;
                indexed += 1;
            }
            lo = hi;
        }
        tx.finish()?;
        return Ok((indexed, snapshot_seq));
    }
    let mut last = since;
    loop {
        let mut ids: Vec<i64> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        {
            let mut st = tx.prepare_cached(
                "SELECT post_id, seq FROM post_versions WHERE seq > ?1 ORDER BY seq LIMIT ?2",
            )?;
            let mut q = st.query(params![last, BATCH])?;
            while let Some(r) = q.next()? {
                let id: i64 = r.get(0)?;
                last = r.get(1)?;
                if seen.insert(id) {
                    ids.push(id);
                }
            }
        }
        if ids.is_empty() {
            break;
        }
        for row in load_rows(&tx, &Select::Ids(&ids))? {
            // A post with one version is new since the index's seq: it was
            // never indexed. A later version replaces the indexed one.
            if row.versions > 1 {
                writer.delete_term(Term::from_field_u64(f.id, row.id as u64));
            }
            writer.add_document(document(f, &row))?;
            indexed += 1;
        }
    }
    tx.finish()?;
    Ok((indexed, snapshot_seq.max(last)))
}

/// The end of the next batch of post ids after `lo`.
fn next_range(tx: &Connection, lo: i64) -> Result<Option<i64>> {
    Ok(tx.query_row(
        "SELECT max(id) FROM (SELECT id FROM posts WHERE id > ?1 ORDER BY id LIMIT ?2)",
        params![lo, BATCH],
        |r| r.get(0),
    )?)
}

/// Indexes every post, walking the posts table in id order on a reader
/// thread (its own connection, one read transaction) that builds the
/// documents while this thread hands them to tantivy's indexing threads.
fn index_all(db: &Path, writer: &mut IndexWriter, f: &Fields) -> Result<(u64, i64)> {
    let (send, recv) = std::sync::mpsc::sync_channel::<Vec<TantivyDocument>>(4);
    let fields = *f;
    std::thread::scope(|scope| {
        let reader = scope.spawn(move || -> Result<i64> {
            let conn = Connection::open_with_flags(
                db,
                rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY
                    | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )?;
            conn.busy_timeout(Duration::from_secs(30))?;
            // No memory map: mapped pages of a multi-GB store would count as
            // this process's resident memory, which ingest keeps under 1 GB.
            let tx = conn.unchecked_transaction()?;
            let seq = store_seq(&tx);
            let mut lo = 0i64;
            while let Some(hi) = next_range(&tx, lo)? {
                let t0 = Instant::now();
                let rows = load_rows(&tx, &Select::IdRange(lo, hi))?;
                let docs: Vec<TantivyDocument> =
                    rows.iter().map(|r| document(&fields, r)).collect();
                tracing::debug!(
                    rows = rows.len(),
                    load_ms = t0.elapsed().as_millis() as u64,
                    "read a batch"
                );
                if send.send(docs).is_err() {
                    break;
                }
                lo = hi;
            }
            tx.finish()?;
            Ok(seq)
        });
        let mut indexed = 0u64;
        for docs in recv {
            for d in docs {
                writer.add_document(d)?;
                indexed += 1;
            }
        }
        let seq = reader.join().map_err(|_| {
            Error::io(
                db,
                std::io::Error::other("the index reader thread panicked"),
            )
        })??;
        Ok((indexed, seq))
    })
}

/// The store's change sequence (`meta.seq`) as this transaction sees it.
fn store_seq(tx: &Connection) -> i64 {
    tx.query_row("SELECT value FROM meta WHERE key = 'seq'", [], |r| {
        r.get::<_, String>(0)
    })
    .ok()
    .and_then(|s| s.parse().ok())
    .unwrap_or(0)
}

/// Reads the selected posts and their entities.
fn load_rows(tx: &Connection, sel: &Select<'_>) -> Result<Vec<Row>> {
    let mut rows: Vec<Row> = Vec::new();
    let mut by_id: HashMap<i64, usize> = HashMap::new();
    {
        let mut st = tx.prepare(&format!(
            "SELECT p.id, NULL, p.platform, p.created_at, p.kind, p.lang, p.reply_to IS NOT NULL, p.quote_of IS NOT NULL,
                    p.repost_of IS NOT NULL, p.forwarded_from IS NOT NULL, p.text, p.versions, a.ref, a.handle
             FROM posts p LEFT JOIN actors a ON a.id = p.author_id WHERE {}",
            sel.condition("p.id")
        ))?;
        let mut q = st.query([])?;
        while let Some(r) = q.next()? {
            let row = Row {
                id: r.get(0)?,
                platform: r.get(2)?,
                created_at: r.get(3)?,
                kind: r.get(4)?,
                lang: r.get(5)?,
                reply_to: r.get(6)?,
                quote_of: r.get(7)?,
                repost_of: r.get(8)?,
                forwarded: r.get(9)?,
                text: r.get(10)?,
                versions: r.get(11)?,
                author_ref: r.get(12)?,
                author_handle: r.get(13)?,
                ..Row::default()
            };
            by_id.insert(row.id, rows.len());
            rows.push(row);
        }
    }
    let cond = sel.condition("post_id");
    let mut each = |sql: &str,
                    f: &mut dyn FnMut(&mut Row, &rusqlite::Row<'_>) -> rusqlite::Result<()>|
     -> Result<()> {
        let mut st = tx.prepare(&sql.replace("{cond}", &cond))?;
        let mut q = st.query([])?;
        while let Some(r) = q.next()? {
            let id: i64 = r.get(0)?;
            if let Some(&i) = by_id.get(&id) {
                f(&mut rows[i], r)?;
            }
        }
        Ok(())
    };
    each(
        "SELECT post_id, tag FROM hashtags WHERE {cond}",
        &mut |row, r| {
            row.hashtags.push(r.get(1)?);
            Ok(())
        },
    )?;
    each(
        "SELECT m.post_id, coalesce(a.ref, m.handle) FROM mentions m LEFT JOIN actors a ON a.id = m.actor_id WHERE m.{cond}",
        &mut |row, r| {
            if let Some(v) = r.get::<_, Option<String>>(1)? {
                row.mentions.push(v);
            }
            Ok(())
        },
    )?;
    each(
        "SELECT post_id, canonical, domain FROM urls WHERE {cond}",
        &mut |row, r| {
            row.urls.push(r.get(1)?);
            if let Some(d) = r.get::<_, Option<String>>(2)? {
                row.domains.push(d);
            }
            Ok(())
        },
    )?;
    each(
        "SELECT post_id, count(*) FROM media WHERE {cond} GROUP BY post_id",
        &mut |row, _| {
            row.media = true;
            Ok(())
        },
    )?;
    each(
        "SELECT i.post_id, a.ref FROM interactions i JOIN actors a ON a.id = i.dst_actor
         WHERE i.kind = 'reply' AND i.{cond}",
        &mut |row, r| {
            row.to.push(r.get(1)?);
            Ok(())
        },
    )?;
    Ok(rows)
}

fn document(f: &Fields, row: &Row) -> TantivyDocument {
    let mut d = TantivyDocument::new();
    d.add_u64(f.id, row.id as u64);
    let mode = tarjuman_text::stem_mode_for(row.lang.as_deref(), &row.text);
    let text_field = if mode == tarjuman_text::StemMode::Arabic {
        f.text_ar
    } else {
        f.text
    };
    d.add_text(text_field, &row.text);
    if let Some(t) = row.created_at {
        d.add_i64(f.created_at, t);
    }
    let (mut tags, mut buf) = (String::with_capacity(256), String::new());
    let mut tag = |t: Tag, v: &str| t.push(v, &mut tags, &mut buf);
    match (&row.author_ref, &row.author_handle) {
        (Some(a), _) => tag(Tag::From, a),
        (None, Some(h)) => tag(Tag::From, h),
        _ => {}
    }
    for t in &row.to {
        tag(Tag::To, t);
    }
    for m in &row.mentions {
        tag(Tag::Mentions, m.trim_start_matches('@'));
    }
    for h in &row.hashtags {
        tag(Tag::Hashtag, h.trim_start_matches(['#', '＃']));
    }
    tag(Tag::Platform, &row.platform);
    let lang = row
        .lang
        .as_deref()
        .and_then(tarjuman_text::canonical_lang)
        .or_else(|| tarjuman_text::guess_lang(&row.text).map(str::to_string));
    if let Some(l) = lang {
        tag(Tag::Lang, &l);
    }
    tag(Tag::Is, &row.kind);
    for (flag, name) in [
        (row.reply_to, "reply"),
        (row.quote_of, "quote"),
        (row.repost_of, "repost"),
        (row.forwarded, "forward"),
    ] {
        if flag && row.kind != name {
            tag(Tag::Is, name);
        }
    }
    for (flag, name) in [
        (!row.urls.is_empty(), "link"),
        (row.media, "media"),
        (!row.hashtags.is_empty(), "hashtag"),
        (!row.mentions.is_empty(), "mention"),
    ] {
        if flag {
            tag(Tag::Has, name);
        }
    }
    for dom in &row.domains {
        for s in domain_suffixes(dom) {
            tag(Tag::Domain, s);
        }
    }
    for u in &row.urls {
        tag(Tag::Url, u);
    }
    d.add_text(f.tags, &tags);
    d
}

/// A domain and its parent domains, down to two labels:
/// `news.bbc.co.uk` → `news.bbc.co.uk`, `bbc.co.uk`, `co.uk`.
pub(crate) fn domain_suffixes(domain: &str) -> impl Iterator<Item = &str> {
    let d = domain.trim().trim_end_matches('.');
    let d = d.strip_prefix("www.").unwrap_or(d);
    let mut at = Some(0usize);
    std::iter::from_fn(move || {
        let i = at?;
        let s = &d[i..];
        at = s
            .find('.')
            .map(|k| i + k + 1)
            .filter(|&j| d[j..].contains('.'));
        (!s.is_empty()).then_some(s)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffixes() {
        let v: Vec<&str> = domain_suffixes("news.bbc.co.uk").collect();
        assert_eq!(v, ["news.bbc.co.uk", "bbc.co.uk", "co.uk"]);
        let v: Vec<&str> = domain_suffixes("www.example.com").collect();
        assert_eq!(v, ["example.com"]);
        let v: Vec<&str> = domain_suffixes("localhost").collect();
        assert_eq!(v, ["localhost"]);
        assert_eq!(domain_suffixes("").count(), 0);
    }
}
