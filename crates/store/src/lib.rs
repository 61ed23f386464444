//! # tarjuman-store: the one source of truth
//!
//! The [`Store`] trait is the narrow set of domain verbs that ingest and the
//! analyses use: begin a capture, write a batch of decoded records, finish
//! the capture (which infers *missing since* marks), and read statistics.
//! [`SqliteStore`] is the embedded backend (a data folder, WAL mode, an
//! append-only list of migrations under `PRAGMA user_version`).
//!
//! Nothing ingested is erased by ingest: a post seen again with different
//! text or media gets a new version; changed public metrics become a new
//! dated observation; a post an earlier capture of the same scope held and a
//! later capture lacks is marked missing since that later capture.
//!
//! ```
//! use tarjuman_store::{Store, SqliteStore, CaptureInfo, CaptureStart, Batch};
//! use tarjuman_model::{Record, PostRecord, ActorRecord, Platform};
//! let dir = tempfile::tempdir().unwrap();
//! let mut store = SqliteStore::open(dir.path()).unwrap();
//! let info = CaptureInfo { file_name: "a.jsonl".into(), bytes: 1, quick_key: "k".into(), format: "twarc2".into() };
//! let CaptureStart::New(cap) = store.begin_capture(&info).unwrap() else { panic!() };
//! let mut p = PostRecord::new(Platform::X, "x:1".into(), "1".into(), ActorRecord::bare("x:2"));
//! p.text = "hello".into();
//! let batch = Batch { records: vec![(1, Record::Post(Box::new(p)))], ..Batch::default() };
//! let out = store.write_batch(cap, "a.jsonl", &batch).unwrap();
//! assert_eq!(out.new_posts, 1);
//! ```
#![deny(missing_docs)]

mod canonical;
mod raw;
mod sqlite;

pub use canonical::{canonical_url, url_domain};
pub use raw::{RAW_COLUMNS, RawLoc, RawReader};
pub use sqlite::SqliteStore;

use serde::Serialize;
use tarjuman_model::{Problem, Record};

/// The id of a capture (one file or stream ingested).
pub type CaptureId = i64;

/// Store errors. `NotFound` and `Conflict` are the caller's to handle;
/// `Backend` is everything else.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// Something asked for does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// The request conflicts with what is stored.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The database said no.
    #[error("database: {0}")]
    Backend(#[from] rusqlite::Error),
    /// File system trouble around the database.
    #[error("{path}: {source}")]
    Io {
        /// The path involved.
        path: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

/// Result alias for the store.
pub type Result<T> = std::result::Result<T, StoreError>;

/// What is known about a capture when it starts.
#[derive(Clone, Debug)]
pub struct CaptureInfo {
    /// The file name as given (or `-` for stdin).
    pub file_name: String,
    /// Size in bytes of the file as stored (compressed if it is).
    pub bytes: u64,
    /// A cheap identity: size plus a hash of the first and last 64 KiB.
    pub quick_key: String,
    /// The decoder's name.
    pub format: String,
}

/// What [`Store::begin_capture`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CaptureStart {
    /// A new capture was created.
    New(CaptureId),
    /// An interrupted capture of the same file exists; it is resumed.
    Resume(CaptureId),
    /// A finished capture has the same quick key; if its full sha256 equals
    /// the file's, the file was already ingested (see [`Store::capture_sha256`]).
    MaybeDone(CaptureId),
}

/// A batch of decoded records and problems, in input order.
#[derive(Clone, Debug, Default)]
pub struct Batch {
    /// Records with the line each started on.
    pub records: Vec<(u64, Record)>,
    /// Bad records.
    pub problems: Vec<Problem>,
    /// Optionally, the records' raw bytes already compressed in blocks, so
    /// the compression runs off the writer's thread (see [`RawBlock`]). A
    /// post record with a slice here is stored with it, and its own `raw` is
    /// ignored (it may be empty).
    pub raw_blocks: Vec<RawBlock>,
    /// Where each record's raw bytes are in `raw_blocks`: empty, or as long
    /// as `records` (`None` for a record without raw bytes in a block).
    pub raw_at: Vec<Option<RawSlice>>,
    /// Records read but not sent, because an identical record of the same
    /// post came earlier in the same file (they would change nothing).
    pub repeats: u64,
}

/// The raw records of consecutive records of a [`Batch`], concatenated and
/// compressed as one zstd frame. Records of about 1 KB compress 2-3x better,
/// and faster, together than one by one.
#[derive(Clone, Debug, Default)]
pub struct RawBlock {
    /// The zstd frame.
    pub zstd: Vec<u8>,
    /// Its uncompressed length.
    pub len: usize,
    /// The index in `Batch::records` just past the block's last record:
    /// the block covers the records from the previous block's `end` (or 0).
    pub end: usize,
}

/// Where one record's raw bytes are: `block` indexes `Batch::raw_blocks`,
/// and `offset..offset + len` is the range in its uncompressed bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawSlice {
    /// The block's index in the batch.
    pub block: usize,
    /// Byte offset in the uncompressed block.
    pub offset: usize,
    /// Byte length.
    pub len: usize,
}

/// What one batch changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct BatchOutcome {
    /// Posts not seen before.
    pub new_posts: u64,
    /// New versions of posts seen before.
    pub new_versions: u64,
    /// Actors not seen before.
    pub new_actors: u64,
    /// Explicit deletion notices recorded.
    pub deletion_notices: u64,
    /// Problems quarantined (new ones; a resumed capture does not count twice).
    pub quarantined: u64,
}

impl std::ops::AddAssign for BatchOutcome {
    fn add_assign(&mut self, o: Self) {
        self.new_posts += o.new_posts;
        self.new_versions += o.new_versions;
        self.new_actors += o.new_actors;
        self.deletion_notices += o.deletion_notices;
        self.quarantined += o.quarantined;
    }
}

/// What finishing a capture did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct FinishOutcome {
    /// Posts marked *missing since* this capture.
    pub missing_marked: u64,
}

/// Counts for `tarjuman stats`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Stats {
    /// Distinct posts.
    pub posts: u64,
    /// Distinct actors.
    pub actors: u64,
    /// Post versions (at least one per post).
    pub versions: u64,
    /// Captures (files ingested).
    pub captures: u64,
    /// Quarantined bad records.
    pub quarantined: u64,
    /// Posts marked missing or deleted.
    pub gone: u64,
    /// Typed interactions.
    pub interactions: u64,
    /// Posts per platform.
    pub by_platform: std::collections::BTreeMap<String, u64>,
    /// Posts per kind (post, reply, quote, repost, forward).
    pub by_kind: std::collections::BTreeMap<String, u64>,
    /// Earliest post time, RFC 3339 UTC.
    pub first_post_at: Option<String>,
    /// Latest post time, RFC 3339 UTC.
    pub last_post_at: Option<String>,
    /// Most active authors.
    pub top_actors: Vec<TopActor>,
    /// Most used hashtags.
    pub top_hashtags: Vec<TopTag>,
}

/// One row of [`Stats::top_actors`].
#[derive(Clone, Debug, Serialize)]
pub struct TopActor {
    /// Actor ref.
    #[serde(rename = "ref")]
    pub ref_: String,
    /// Handle, when known.
    pub handle: Option<String>,
    /// Display name, when known.
    pub display_name: Option<String>,
    /// Posts authored.
    pub posts: u64,
}

/// One row of [`Stats::top_hashtags`].
#[derive(Clone, Debug, Serialize)]
pub struct TopTag {
    /// The hashtag as first written.
    pub tag: String,
    /// Posts using it.
    pub posts: u64,
}

/// The storage behind tarjuman. SQLite now; PostgreSQL can follow without
/// touching decoders or analyses.
pub trait Store {
    /// Starts (or resumes) the capture of a file.
    fn begin_capture(&mut self, info: &CaptureInfo) -> Result<CaptureStart>;
    /// Creates a new capture unconditionally (after [`CaptureStart::MaybeDone`]
    /// turned out to be a different file).
    fn create_capture(&mut self, info: &CaptureInfo) -> Result<CaptureId>;
    /// The full sha256 recorded for a finished capture.
    fn capture_sha256(&self, id: CaptureId) -> Result<Option<String>>;
    /// Reopens a finished capture to process its file again (`--force`).
    fn reopen_capture(&mut self, id: CaptureId) -> Result<()>;
    /// Writes a batch, all or nothing. Idempotent: writing the same batch
    /// twice changes nothing the second time. Between [`Store::begin_bulk`]
    /// and [`Store::end_bulk`] a store may commit a few batches together;
    /// an error then undoes every batch since the last commit, and the
    /// caller must stop writing the file (a rerun writes them again).
    fn write_batch(
        &mut self,
        cap: CaptureId,
        file_name: &str,
        batch: &Batch,
    ) -> Result<BatchOutcome>;
    /// Prepares for writing about `input_bytes` of new input. When that is
    /// large next to what the store already holds, the store may suspend
    /// the maintenance of secondary indexes that the write path does not
    /// read, to rebuild them by sorting in [`Store::end_bulk`]; returns
    /// whether it did. The store stays correct meanwhile (queries are only
    /// slower), and a store opened after a crash rebuilds what is missing.
    fn begin_bulk(&mut self, input_bytes: u64) -> Result<bool> {
        let _ = input_bytes;
        Ok(false)
    }
    /// Ends what [`Store::begin_bulk`] began (a no-op when it did nothing).
    fn end_bulk(&mut self) -> Result<()> {
        Ok(())
    }
    /// Finishes a capture: records its sha256 and record count, and marks
    /// posts missing since this capture within each scope it covers.
    fn finish_capture(
        &mut self,
        cap: CaptureId,
        sha256: &str,
        records: u64,
    ) -> Result<FinishOutcome>;
    /// Counts for `tarjuman stats`.
    fn stats(&self, top: usize) -> Result<Stats>;
    /// The highest change sequence number written so far.
    fn max_seq(&self) -> Result<i64>;
}
