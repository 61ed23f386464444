//! The write path of the SQLite store: one [`Writer`] per batch.
//!
//! The statements run for every record are prepared once per batch and
//! held in [`Hot`]: `Connection::prepare_cached` looks a statement up by
//! its SQL text and copies that text into a new key every time: 3% of all
//! instructions of a store-only ingest (callgrind, 20k tweets). Rarer
//! statements still go through the connection's cache.

use super::{
    ACTOR_CACHE_MAX, BlockIds, CachedActor, ExistingPost, fnv, media_hash, metrics_hash, native_of,
    platform_of, richness,
};
use crate::{
    BatchOutcome, CaptureId, RawBlock, RawSlice, Result, StoreError, canonical_url, url_domain,
};
use rusqlite::{CachedStatement, Connection, OptionalExtension, params};
use std::collections::HashMap;
use tarjuman_model::{ActorRecord, GoneRecord, InteractionKind, Metrics, PostRecord, Scope};

/// What the write path keeps between batches.
#[derive(Default)]
pub(super) struct WriteState {
    /// Whether the last post written already existed (see `write_post`).
    pub(super) expect_existing: bool,
    /// Compresses raw records that are not part of a raw block.
    pub(super) zstd: Option<zstd::bulk::Compressor<'static>>,
    /// The last change sequence number given.
    pub(super) seq: i64,
    /// Actors by ref, looked up a few times per post. Refs come from the
    /// input, so the hasher is seeded per process; foldhash rather than
    /// the default SipHash, which is slower on these short keys.
    pub(super) actors: HashMap<String, CachedActor, foldhash::fast::RandomState>,
    /// The scope each open capture is currently writing under.
    pub(super) current_scope: HashMap<CaptureId, Option<i64>>,
    /// The raw blocks of the batch being written.
    pub(super) blocks: BlockIds,
}

/// The statements run for (nearly) every record, prepared for one batch.
struct Hot<'c> {
    /// Inserts a new post (`OR IGNORE`: a known ref changes nothing).
    post_insert: CachedStatement<'c>,
    /// What the write path needs to know of a stored post, by ref.
    post_find: CachedStatement<'c>,
    /// Inserts a version of a post.
    version_insert: CachedStatement<'c>,
    /// Records a primary record's sighting, with its scope.
    sighting_scoped: CachedStatement<'c>,
    /// Records a sighting without a scope.
    sighting_plain: CachedStatement<'c>,
    /// Records a metrics observation.
    metrics: CachedStatement<'c>,
    /// Inserts a hashtag of a post.
    hashtag: CachedStatement<'c>,
    /// Inserts a mention of a post.
    mention: CachedStatement<'c>,
    /// Inserts a URL of a post.
    url: CachedStatement<'c>,
    /// Inserts a media reference of a post.
    media: CachedStatement<'c>,
    /// Inserts an interaction a post makes.
    interaction: CachedStatement<'c>,
    /// Finds an actor by ref.
    actor_find: CachedStatement<'c>,
    /// Inserts a new actor.
    actor_insert: CachedStatement<'c>,
    /// Records a handle and display name an actor used.
    actor_name: CachedStatement<'c>,
}

impl<'c> Hot<'c> {
    /// Prepares (or takes from the connection's cache) every statement.
    fn new(conn: &'c Connection) -> Result<Hot<'c>> {
        Ok(Hot {
            post_insert: conn.prepare_cached(
                "INSERT OR IGNORE INTO posts (ref, platform, native_id, author_id, created_at, kind, lang, reply_to,
                 quote_of, repost_of, forwarded_from, text, versions, text_hash, media_hash, first_capture,
                 metrics_hash, seq, embedded, richness)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 1, ?13, ?14, ?15, ?19, ?16, ?17, ?18)",
            )?,
            post_find: conn.prepare_cached(
                "SELECT id, text_hash, media_hash, versions,
                        (author_id IS NULL OR created_at IS NULL OR lang IS NULL), richness, metrics_hash, embedded
                 FROM posts WHERE ref = ?1",
            )?,
            version_insert: conn.prepare_cached(
                "INSERT OR IGNORE INTO post_versions (post_id, version, seq, text, text_hash, media_hash, media, capture_id, edited_at,
                 raw_zstd, raw_block, raw_offset, raw_len)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            )?,
            sighting_scoped: conn.prepare_cached(
                "INSERT INTO sightings (capture_id, post_id, scope_id) VALUES (?1, ?2, ?3)
                     ON CONFLICT (capture_id, post_id) DO UPDATE SET scope_id = coalesce(scope_id, excluded.scope_id)",
            )?,
            sighting_plain: conn.prepare_cached(
                "INSERT OR IGNORE INTO sightings (capture_id, post_id, scope_id) VALUES (?1, ?2, NULL)",
            )?,
            metrics: conn.prepare_cached(
                "INSERT OR REPLACE INTO metrics (post_id, capture_id, observed_at, likes, reposts, replies, quotes, views)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?,
            hashtag: conn.prepare_cached(
                "INSERT OR IGNORE INTO hashtags (post_id, tag) VALUES (?1, ?2)",
            )?,
            mention: conn.prepare_cached(
                "INSERT OR IGNORE INTO mentions (post_id, pos, actor_id, handle) VALUES (?1, ?2, ?3, ?4)",
            )?,
            url: conn.prepare_cached(
                "INSERT OR IGNORE INTO urls (post_id, pos, url, expanded, canonical, domain)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?,
            media: conn.prepare_cached(
                "INSERT OR IGNORE INTO media (post_id, pos, kind, key, url) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?,
            interaction: conn.prepare_cached(
                "INSERT OR IGNORE INTO interactions (post_id, pos, kind, src_actor, dst_actor, at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?,
            actor_find: conn.prepare_cached(
                "SELECT id, handle, display_name FROM actors WHERE ref = ?1",
            )?,
            actor_insert: conn.prepare_cached(
                "INSERT INTO actors (ref, platform, native_id, handle, display_name, location,
                         description, followers, first_capture)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?,
            actor_name: conn.prepare_cached(
                "INSERT OR IGNORE INTO actor_names (actor_id, handle, display_name, capture_id, seen_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?,
        })
    }
}

/// Writes the records of one batch, inside the caller's transaction.
pub(super) struct Writer<'a> {
    /// The store's connection, for the rarer statements.
    conn: &'a Connection,
    /// The statements run for every record.
    st: Hot<'a>,
    /// What the write path keeps between batches.
    s: &'a mut WriteState,
}

impl<'a> Writer<'a> {
    /// A writer for one batch, its statements prepared.
    pub(super) fn new(conn: &'a Connection, s: &'a mut WriteState) -> Result<Writer<'a>> {
        Ok(Writer {
            conn,
            st: Hot::new(conn)?,
            s,
        })
    }

    /// One zstd frame of `bytes` (level 1), with the store's compressor.
    fn compress(&mut self, bytes: &[u8]) -> std::io::Result<Vec<u8>> {
        match &mut self.s.zstd {
            Some(z) => z.compress(bytes),
            None => zstd::bulk::compress(bytes, 1),
        }
    }

    fn next_seq(&mut self) -> i64 {
        self.s.seq += 1;
        self.s.seq
    }

    /// The id of actor `a`, inserted if new; a changed handle or display
    /// name updates it and is kept in `actor_names`. `None` for an actor
    /// without a ref.
    pub(super) fn actor_id(
        &mut self,
        a: &ActorRecord,
        cap: CaptureId,
        out: &mut BatchOutcome,
    ) -> Result<Option<i64>> {
        if a.ref_.is_empty() {
            return Ok(None);
        }
        // Fast path: a known actor whose names did not change.
        if let Some(c) = self.s.actors.get(&a.ref_)
            && (a.handle.is_none() || a.handle == c.handle)
            && (a.display_name.is_none() || a.display_name == c.name)
        {
            return Ok(Some(c.id));
        }
        let cached = match self.s.actors.get(&a.ref_) {
            Some(c) => Some(c.clone()),
            None => self
                .st
                .actor_find
                .query_row([&a.ref_], |r| {
                    Ok(CachedActor {
                        id: r.get(0)?,
                        handle: r.get(1)?,
                        name: r.get(2)?,
                    })
                })
                .optional()?,
        };
        let mut c = match cached {
            Some(c) => c,
            None => {
                // Without RETURNING, which makes SQLite set up a table for
                // the rows it returns on every execution.
                self.st.actor_insert.execute(params![
                    a.ref_,
                    platform_of(&a.ref_),
                    native_of(&a.ref_),
                    a.handle,
                    a.display_name,
                    a.location,
                    a.description,
                    a.followers,
                    cap
                ])?;
                let id = self.conn.last_insert_rowid();
                out.new_actors += 1;
                if a.handle.is_some() || a.display_name.is_some() {
                    self.name_history(id, a, cap)?;
                }
                CachedActor {
                    id,
                    handle: a.handle.clone(),
                    name: a.display_name.clone(),
                }
            }
        };
        let handle_changed = a.handle.is_some() && a.handle != c.handle;
        let name_changed = a.display_name.is_some() && a.display_name != c.name;
        if handle_changed || name_changed {
            self.conn
                .prepare_cached(
                    "UPDATE actors SET handle = coalesce(?2, handle), display_name = coalesce(?3, display_name),
                     location = coalesce(?4, location), description = coalesce(?5, description),
                     followers = coalesce(?6, followers) WHERE id = ?1",
                )?
                .execute(params![c.id, a.handle, a.display_name, a.location, a.description, a.followers])?;
            self.name_history(c.id, a, cap)?;
            if a.handle.is_some() {
                c.handle = a.handle.clone();
            }
            if a.display_name.is_some() {
                c.name = a.display_name.clone();
            }
        }
        if self.s.actors.len() >= ACTOR_CACHE_MAX {
            self.s.actors.clear();
        }
        let id = c.id;
        self.s.actors.insert(a.ref_.clone(), c);
        Ok(Some(id))
    }

    fn name_history(&mut self, id: i64, a: &ActorRecord, cap: CaptureId) -> Result<()> {
        self.st.actor_name.execute(params![
            id,
            a.handle.as_deref().unwrap_or(""),
            a.display_name.as_deref().unwrap_or(""),
            cap,
            a.seen_at
        ])?;
        Ok(())
    }

    /// Writes one post record: a new post, a new version of a known one, or
    /// a sighting of it (with its entities, interactions and metrics as
    /// they are new or changed). `pre` locates its raw record in a block.
    pub(super) fn write_post(
        &mut self,
        cap: CaptureId,
        p: &PostRecord,
        pre: Option<RawSlice>,
        out: &mut BatchOutcome,
    ) -> Result<()> {
        let author = self.actor_id(&p.author, cap, out)?;
        let mentions: Vec<Option<i64>> = p
            .mentions
            .iter()
            .map(|m| self.actor_id(m, cap, out))
            .collect::<Result<_>>()?;
        let fwd = match &p.forwarded_from {
            Some(f) => self.actor_id(f, cap, out)?,
            None => None,
        };
        let text_hash = fnv(&[p.text.as_bytes()]);
        let mhash = media_hash(p);
        let scope = if p.embedded {
            None
        } else {
            self.s.current_scope.get(&cap).copied().flatten()
        };
        // Most records of a first ingest are new posts, most of a re-ingest
        // are known: try the likelier operation first.
        let mut inserted = None;
        if !self.s.expect_existing {
            inserted = self.insert_post(cap, p, author, fwd, text_hash, mhash)?;
        }
        let existing = match inserted {
            Some(_) => None,
            None => self.existing_post(&p.ref_)?,
        };
        if inserted.is_none() && existing.is_none() {
            inserted = self.insert_post(cap, p, author, fwd, text_hash, mhash)?;
        }
        self.s.expect_existing = existing.is_some();
        let is_new = existing.is_none();
        let post_id = match existing {
            None => {
                let Some((id, seq)) = inserted else {
                    return Err(StoreError::Conflict(format!(
                        "post {} could not be inserted",
                        p.ref_
                    )));
                };
                self.insert_version(id, 1, seq, p, pre, text_hash, mhash, cap)?;
                self.insert_entities(id, p, author, &mentions, fwd, cap, out)?;
                out.new_posts += 1;
                id
            }
            Some(e) => {
                let same_media = |stored: i64| stored == mhash || stored == 0 || mhash == 0;
                let same = p.partial
                    || (e.text_hash == text_hash && same_media(e.media_hash))
                    || self
                        .conn
                        .prepare_cached("SELECT media_hash FROM post_versions WHERE post_id = ?1 AND text_hash = ?2")?
                        .query_map(params![e.id, text_hash], |r| r.get::<_, i64>(0))?
                        .filter_map(|r| r.ok())
                        .any(same_media);
                let same_version_added = !same;
                if !same {
                    let seq = self.next_seq();
                    let v = e.versions + 1;
                    self.insert_version(e.id, v, seq, p, pre, text_hash, mhash, cap)?;
                    self.conn
                        .prepare_cached(
                            "UPDATE posts SET text = ?2, versions = ?3, text_hash = ?4, media_hash = ?5, seq = ?6 WHERE id = ?1",
                        )?
                        .execute(params![e.id, p.text, v, text_hash, mhash, seq])?;
                    out.new_versions += 1;
                }
                let rich = richness(p);
                let mut enriched = false;
                if !p.partial && rich > e.richness {
                    enriched = true;
                    for t in ["hashtags", "mentions", "urls", "media", "interactions"] {
                        self.conn
                            .prepare_cached(&format!("DELETE FROM {t} WHERE post_id = ?1"))?
                            .execute([e.id])?;
                    }
                    self.insert_entities(e.id, p, author, &mentions, fwd, cap, out)?;
                    self.conn
                        .prepare_cached(
                            "UPDATE posts SET richness = ?2, reply_to = coalesce(?3, reply_to), quote_of = coalesce(?4, quote_of),
                             repost_of = coalesce(?5, repost_of), forwarded_from = coalesce(?6, forwarded_from) WHERE id = ?1",
                        )?
                        .execute(params![
                            e.id,
                            rich,
                            p.reply_to.as_ref().map(|l| &l.post).filter(|s| !s.is_empty()),
                            p.quote_of.as_ref().map(|l| &l.post).filter(|s| !s.is_empty()),
                            p.repost_of.as_ref().map(|l| &l.post).filter(|s| !s.is_empty()),
                            fwd
                        ])?;
                }
                if e.incomplete {
                    let n = self
                        .conn
                        .prepare_cached(
                            "UPDATE posts SET author_id = coalesce(author_id, ?2), created_at = coalesce(created_at, ?3),
                             lang = coalesce(lang, ?4) WHERE id = ?1
                             AND ((author_id IS NULL AND ?2 IS NOT NULL) OR (created_at IS NULL AND ?3 IS NOT NULL)
                                  OR (lang IS NULL AND ?4 IS NOT NULL))",
                        )?
                        .execute(params![e.id, author, p.created_at, p.lang])?;
                    enriched |= n > 0;
                }
                // A post first seen embedded and now as a primary record
                // becomes a message of its own for analyses (coordination):
                // that is a change derived data must see, like enrichment.
                let promoted = e.embedded && !p.embedded;
                if (enriched || promoted) && !same_version_added {
                    // Derived data (the search index, detectors) follow the
                    // change sequence: give the post's latest version a new one.
                    let seq = self.next_seq();
                    self.conn
                        .prepare_cached(
                            "UPDATE post_versions SET seq = ?2 WHERE post_id = ?1
                             AND version = (SELECT versions FROM posts WHERE id = ?1)",
                        )?
                        .execute(params![e.id, seq])?;
                    self.conn
                        .prepare_cached("UPDATE posts SET seq = ?2 WHERE id = ?1")?
                        .execute(params![e.id, seq])?;
                }
                if promoted {
                    self.conn
                        .prepare_cached("UPDATE posts SET embedded = 0 WHERE id = ?1")?
                        .execute(params![e.id])?;
                }
                let mh = metrics_hash(&p.metrics);
                if mh != 0 && mh != e.metrics_hash {
                    self.observe_metrics(e.id, cap, p.author.seen_at, &p.metrics, true)?;
                }
                e.id
            }
        };
        // A post seen in this capture: as part of its scope when it is a primary record.
        if scope.is_some() {
            self.st
                .sighting_scoped
                .execute(params![cap, post_id, scope])?;
        } else {
            self.st.sighting_plain.execute(params![cap, post_id])?;
        }
        if is_new && !p.metrics.is_empty() {
            self.observe_metrics(post_id, cap, p.author.seen_at, &p.metrics, false)?;
        }
        Ok(())
    }

    /// Writes the blocks of the batch that end at or before record `done`
    /// and hold a stored version: as compressed on the decoder's thread when
    /// at least half of their bytes are records stored (the rest are then
    /// kept too: other sightings of known posts), else recompressed with the
    /// bytes of the records not stored zeroed, so that a re-ingest with a
    /// few changes does not keep a second copy of what the store has (zeros
    /// cost almost nothing compressed).
    pub(super) fn flush_blocks(&mut self, blocks: &[RawBlock], done: usize) -> Result<()> {
        while let Some(b) = blocks.get(self.s.blocks.flushed) {
            if b.end > done {
                break;
            }
            let i = self.s.blocks.flushed;
            self.s.blocks.flushed += 1;
            let Some((Some(id), used)) = self.s.blocks.used.get_mut(i).map(std::mem::take) else {
                continue;
            };
            let kept: usize = used.iter().map(|r| r.1).sum();
            let partial;
            let zstd = if kept.saturating_mul(2) >= b.len {
                &b.zstd
            } else {
                let mut all = Vec::new();
                if !crate::raw::unzstd(&mut None, &b.zstd, &mut all) || all.len() != b.len {
                    return Err(StoreError::Conflict(format!(
                        "raw block {i} of the batch does not decompress to its {} bytes",
                        b.len
                    )));
                }
                let mut part = vec![0u8; all.len()];
                for (off, len) in used {
                    let end = off.saturating_add(len);
                    if let (Some(dst), Some(src)) = (part.get_mut(off..end), all.get(off..end)) {
                        dst.copy_from_slice(src);
                    }
                }
                partial = self.compress(&part).map_err(|e| {
                    StoreError::Conflict(format!("cannot compress a raw block: {e}"))
                })?;
                &partial
            };
            self.conn
                .prepare_cached("INSERT INTO raw_blocks (id, zstd) VALUES (?1, ?2)")?
                .execute(params![id, zstd])?;
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn insert_version(
        &mut self,
        id: i64,
        v: i64,
        seq: i64,
        p: &PostRecord,
        pre: Option<RawSlice>,
        th: i64,
        mh: i64,
        cap: CaptureId,
    ) -> Result<()> {
        let block = pre.and_then(|s| self.s.blocks.take(s));
        let raw = if block.is_some() || p.raw.is_empty() {
            None
        } else {
            self.compress(&p.raw).ok()
        };
        let (raw_block, raw_offset, raw_len) = match (block, pre) {
            (Some(id), Some(s)) => (Some(id), Some(s.offset as i64), Some(s.len as i64)),
            _ => (None, None, None),
        };
        let media = if p.media.is_empty() {
            None
        } else {
            serde_json::to_string(&p.media).ok()
        };
        self.st.version_insert.execute(params![
            id,
            v,
            seq,
            p.text,
            th,
            mh,
            media,
            cap,
            p.edited_at,
            raw,
            raw_block,
            raw_offset,
            raw_len
        ])?;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn insert_entities(
        &mut self,
        id: i64,
        p: &PostRecord,
        author: Option<i64>,
        mentions: &[Option<i64>],
        fwd: Option<i64>,
        cap: CaptureId,
        out: &mut BatchOutcome,
    ) -> Result<()> {
        for t in &p.hashtags {
            self.st.hashtag.execute(params![id, t])?;
        }
        for (i, (m, aid)) in p.mentions.iter().zip(mentions).enumerate() {
            self.st
                .mention
                .execute(params![id, i as i64, aid, m.handle])?;
        }
        for (i, u) in p.urls.iter().enumerate() {
            let target = u.expanded.as_deref().unwrap_or(&u.given);
            self.st.url.execute(params![
                id,
                i as i64,
                u.given,
                u.expanded,
                canonical_url(target),
                url_domain(target)
            ])?;
        }
        for (i, m) in p.media.iter().enumerate() {
            self.st
                .media
                .execute(params![id, i as i64, m.kind, m.key, m.url])?;
        }
        let Some(src) = author else { return Ok(()) };
        let mut edges: Vec<(InteractionKind, i64)> = Vec::new();
        let links = [
            (InteractionKind::Reply, &p.reply_to),
            (InteractionKind::Quote, &p.quote_of),
            (InteractionKind::Repost, &p.repost_of),
        ];
        for (kind, link) in links {
            if let Some(a) = link.as_ref().and_then(|l| l.actor.as_ref())
                && let Some(dst) = self.actor_id(&ActorRecord::bare(a.clone()), cap, out)?
            {
                edges.push((kind, dst));
            }
        }
        if let Some(f) = fwd {
            edges.push((InteractionKind::Forward, f));
        }
        for dst in mentions.iter().flatten() {
            edges.push((InteractionKind::Mention, *dst));
        }
        for (i, (kind, dst)) in edges.into_iter().enumerate() {
            self.st.interaction.execute(params![
                id,
                i as i64,
                kind.as_str(),
                src,
                dst,
                p.created_at
            ])?;
        }
        Ok(())
    }

    /// Records a metrics observation (the caller knows it differs from the
    /// last one) and remembers its hash on the post.
    fn observe_metrics(
        &mut self,
        post: i64,
        cap: CaptureId,
        at: Option<i64>,
        m: &Metrics,
        known_post: bool,
    ) -> Result<()> {
        self.st.metrics.execute(params![
            post, cap, at, m.likes, m.reposts, m.replies, m.quotes, m.views
        ])?;
        if known_post {
            self.conn
                .prepare_cached("UPDATE posts SET metrics_hash = ?2 WHERE id = ?1")?
                .execute(params![post, metrics_hash(m)])?;
        }
        Ok(())
    }

    /// Inserts a new post; `None` when a post with that ref exists.
    fn insert_post(
        &mut self,
        cap: CaptureId,
        p: &PostRecord,
        author: Option<i64>,
        fwd: Option<i64>,
        text_hash: i64,
        mhash: i64,
    ) -> Result<Option<(i64, i64)>> {
        let seq = self.s.seq + 1;
        let inserted = self.st.post_insert.execute(params![
            p.ref_,
            p.platform.as_str(),
            p.native_id,
            author,
            p.created_at,
            p.kind(),
            p.lang,
            p.reply_to
                .as_ref()
                .map(|l| &l.post)
                .filter(|s| !s.is_empty()),
            p.quote_of
                .as_ref()
                .map(|l| &l.post)
                .filter(|s| !s.is_empty()),
            p.repost_of
                .as_ref()
                .map(|l| &l.post)
                .filter(|s| !s.is_empty()),
            fwd,
            p.text,
            text_hash,
            mhash,
            cap,
            seq,
            p.embedded,
            richness(p),
            metrics_hash(&p.metrics)
        ])?;
        // Without RETURNING, which makes SQLite buffer the rows it returns.
        let id = (inserted == 1).then(|| self.conn.last_insert_rowid());
        Ok(id.map(|id| {
            self.s.seq = seq;
            (id, seq)
        }))
    }

    /// What the write path needs to know of a stored post.
    fn existing_post(&mut self, r: &str) -> Result<Option<ExistingPost>> {
        Ok(self
            .st
            .post_find
            .query_row([r], |r| {
                Ok(ExistingPost {
                    id: r.get(0)?,
                    text_hash: r.get(1)?,
                    media_hash: r.get(2)?,
                    versions: r.get(3)?,
                    incomplete: r.get(4)?,
                    richness: r.get(5)?,
                    metrics_hash: r.get(6)?,
                    embedded: r.get(7)?,
                })
            })
            .optional()?)
    }

    /// Records a deletion notice (idempotent per post, capture and kind).
    pub(super) fn write_gone(
        &mut self,
        cap: CaptureId,
        g: &GoneRecord,
        out: &mut BatchOutcome,
    ) -> Result<()> {
        let post_id: Option<i64> = self
            .conn
            .prepare_cached("SELECT id FROM posts WHERE ref = ?1")?
            .query_row([&g.post], |r| r.get(0))
            .optional()?;
        let seq = self.s.seq + 1;
        let n = self
            .conn
            .prepare_cached(
                "INSERT OR IGNORE INTO gone (post_ref, post_id, capture_id, how, reason, at, seq, raw) VALUES (?1, ?2, ?3, 'notice', ?4, ?5, ?6, ?7)",
            )?
            .execute(params![g.post, post_id, cap, g.reason, g.at, seq, g.raw])?;
        if n > 0 {
            self.s.seq = seq;
            out.deletion_notices += 1;
        }
        Ok(())
    }

    /// Makes `s` the scope the capture's next primary records belong to.
    pub(super) fn set_scope(&mut self, cap: CaptureId, s: &Scope) -> Result<()> {
        let id: i64 = self
            .conn
            .prepare_cached(
                "INSERT INTO scopes (key, label) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET label = excluded.label RETURNING id",
            )?
            .query_row(params![s.key, s.label], |r| r.get(0))?;
        self.conn
            .prepare_cached(
                "INSERT INTO capture_scopes (capture_id, scope_id, explicit_start, explicit_end) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (capture_id, scope_id) DO UPDATE SET
                   explicit_start = min(coalesce(explicit_start, excluded.explicit_start), coalesce(excluded.explicit_start, explicit_start)),
                   explicit_end = max(coalesce(explicit_end, excluded.explicit_end), coalesce(excluded.explicit_end, explicit_end))",
            )?
            .execute(params![cap, id, s.start, s.end])?;
        self.s.current_scope.insert(cap, Some(id));
        Ok(())
    }
}
