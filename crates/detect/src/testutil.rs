//! A tiny hand-written store for detector unit tests: rows are inserted
//! with plain SQL so each test states exactly what the store holds.

use rusqlite::{Connection, params};

pub struct Fx {
    _dir: tempfile::TempDir,
    pub store: tarjuman_store::SqliteStore,
    seq: i64,
}

/// 2023-10-01T00:00:00Z.
pub const T0: i64 = 1_696_118_400;

impl Fx {
    pub fn new() -> Fx {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = tarjuman_store::SqliteStore::open(dir.path()).expect("open store");
        store
            .conn()
            .execute(
                "INSERT INTO captures (id, file_name, bytes, quick_key, format, ingested_at, status) VALUES (1, 'a', 0, 'k', 'twarc2', '2024-01-01T00:00:00Z', 'complete'), (2, 'b', 0, 'k2', 'twarc2', '2024-01-02T00:00:00Z', 'complete')",
                [],
            )
            .expect("captures");
        Fx {
            _dir: dir,
            store,
            seq: 0,
        }
    }
    pub fn conn(&self) -> &Connection {
        self.store.conn()
    }
    fn next(&mut self) -> i64 {
        self.seq += 1;
        self.conn()
            .execute(
                "INSERT INTO meta (key, value) VALUES ('seq', ?1) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [self.seq.to_string()],
            )
            .expect("seq");
        self.seq
    }
    pub fn actor(&mut self, r: &str, handle: &str) -> i64 {
        let (platform, native) = r.split_once(':').expect("ref");
        self.conn()
            .execute(
                "INSERT INTO actors (ref, platform, native_id, handle) VALUES (?1, ?2, ?3, ?4)",
                params![r, platform, native, handle],
            )
            .expect("actor");
        self.conn().last_insert_rowid()
    }
    /// A post (version 1) by `author` at `at`; returns its id.
    pub fn post(&mut self, r: &str, author: i64, at: i64, text: &str) -> i64 {
        self.post_full(r, author, at, text, None, None)
    }
    pub fn post_full(
        &mut self,
        r: &str,
        author: i64,
        at: i64,
        text: &str,
        reply_to: Option<&str>,
        edited_at: Option<i64>,
    ) -> i64 {
        let seq = self.next();
        let (platform, native) = r.split_once(':').expect("ref");
        let kind = if reply_to.is_some() { "reply" } else { "post" };
        self.conn()
            .execute(
                "INSERT INTO posts (ref, platform, native_id, author_id, created_at, kind, reply_to, text, versions, text_hash, media_hash, first_capture, metrics_hash, embedded, richness, seq)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 1, 0, 0, 1, 0, 0, 0, ?9)",
                params![r, platform, native, author, at, kind, reply_to, text, seq],
            )
            .expect("post");
        let id = self.conn().last_insert_rowid();
        self.conn()
            .execute(
                "INSERT INTO post_versions (seq, post_id, version, text, text_hash, media_hash, capture_id, edited_at) VALUES (?1, ?2, 1, ?3, 0, 0, 1, ?4)",
                params![seq, id, text, edited_at],
            )
            .expect("version");
        id
    }
    /// A new version of post `id`.
    pub fn edit(&mut self, id: i64, text: &str, edited_at: Option<i64>) {
        let seq = self.next();
        let v: i64 = self
            .conn()
            .query_row("SELECT versions + 1 FROM posts WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .expect("versions");
        self.conn()
            .execute(
                "INSERT INTO post_versions (seq, post_id, version, text, text_hash, media_hash, capture_id, edited_at) VALUES (?1, ?2, ?3, ?4, 0, 0, 2, ?5)",
                params![seq, id, v, text, edited_at],
            )
            .expect("version");
        self.conn()
            .execute(
                "UPDATE posts SET versions = ?2, text = ?3 WHERE id = ?1",
                params![id, v, text],
            )
            .expect("update");
    }
    pub fn interaction(&mut self, post: i64, kind: &str, src: i64, dst: i64, at: i64) {
        let pos: i64 = self
            .conn()
            .query_row(
                "SELECT count(*) FROM interactions WHERE post_id = ?1",
                [post],
                |r| r.get(0),
            )
            .expect("pos");
        self.conn()
            .execute(
                "INSERT INTO interactions (post_id, pos, kind, src_actor, dst_actor, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![post, pos, kind, src, dst, at],
            )
            .expect("interaction");
    }
    /// Marks `post_ref` gone in capture 2.
    pub fn gone(&mut self, post_ref: &str, how: &str, at: Option<i64>) {
        let seq = self.next();
        let id: Option<i64> = self
            .conn()
            .query_row("SELECT id FROM posts WHERE ref = ?1", [post_ref], |r| {
                r.get(0)
            })
            .ok();
        self.conn()
            .execute(
                "INSERT INTO gone (post_ref, post_id, capture_id, how, reason, at, seq) VALUES (?1, ?2, 2, ?3, 'test', ?4, ?5)",
                params![post_ref, id, how, at, seq],
            )
            .expect("gone");
    }
    /// Runs detection with `toml` as the watchlist.
    pub fn detect(&self, toml: &str) -> crate::RunReport {
        let w = crate::Watchlists::parse(toml, "t.toml").expect("watchlist");
        crate::run(self.conn(), &w, &crate::RunOptions::default()).expect("run")
    }
    pub fn events(&self, kind: &str) -> Vec<crate::Event> {
        crate::events::list(
            self.conn(),
            &crate::events::Filter {
                kind: Some(kind.into()),
                ..Default::default()
            },
        )
        .expect("list")
    }
}
