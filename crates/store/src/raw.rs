//! Reading a version's raw record back.
//!
//! A version's raw bytes are stored one of two ways (see
//! `migrations/0004_raw_blocks.sql`): as its own zstd frame in
//! `post_versions.raw_zstd` (stores written before schema version 4, and
//! records written without a block), or as a byte range of a shared block in
//! `raw_blocks`. Select [`RAW_COLUMNS`] (qualified as needed), build a
//! [`RawLoc`] from the row, and read it through a [`RawReader`], which keeps
//! the last block it decompressed: reading the posts of one file in order
//! decompresses each block once.
//!
//! ```
//! use tarjuman_store::{RawLoc, RawReader, RAW_COLUMNS};
//! # use tarjuman_store::{Store, SqliteStore, CaptureInfo, CaptureStart, Batch};
//! # use tarjuman_model::{Record, PostRecord, ActorRecord, Platform};
//! # let dir = tempfile::tempdir().unwrap();
//! # let mut store = SqliteStore::open(dir.path()).unwrap();
//! # let info = CaptureInfo { file_name: "a".into(), bytes: 1, quick_key: "k".into(), format: "twarc2".into() };
//! # let CaptureStart::New(cap) = store.begin_capture(&info).unwrap() else { panic!() };
//! # let mut p = PostRecord::new(Platform::X, "x:1".into(), "1".into(), ActorRecord::bare("x:2"));
//! # p.raw = br#"{"id":"1"}"#.to_vec();
//! # let batch = Batch { records: vec![(1, Record::Post(Box::new(p)))], ..Batch::default() };
//! # store.write_batch(cap, "a", &batch).unwrap();
//! let conn = store.conn();
//! let loc = conn.query_row(
//!     &format!("SELECT {RAW_COLUMNS} FROM post_versions WHERE version = 1"),
//!     [],
//!     |r| RawLoc::from_row(r, 0),
//! ).unwrap();
//! let mut reader = RawReader::new();
//! assert_eq!(reader.read(conn, &loc).unwrap(), Some(&br#"{"id":"1"}"#[..]));
//! ```

use rusqlite::{Connection, OptionalExtension, Row};

/// The `post_versions` columns a [`RawLoc`] is built from, in order.
pub const RAW_COLUMNS: &str = "raw_zstd, raw_block, raw_offset, raw_len";

/// Largest uncompressed frame read back (raw records are capped far below).
const MAX_FRAME: u64 = 1 << 30;

/// Where one version's raw record is stored.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum RawLoc {
    /// No raw record was kept.
    #[default]
    None,
    /// Its own zstd frame.
    Own(Vec<u8>),
    /// A byte range of a block of `raw_blocks`.
    Block {
        /// `raw_blocks.id`.
        id: i64,
        /// Offset in the uncompressed block.
        offset: i64,
        /// Length.
        len: i64,
    },
}

impl RawLoc {
    /// Reads the four [`RAW_COLUMNS`] starting at column `first` of `row`.
    pub fn from_row(row: &Row<'_>, first: usize) -> rusqlite::Result<RawLoc> {
        let own: Option<Vec<u8>> = row.get(first)?;
        let block: Option<i64> = row.get(first + 1)?;
        let offset: Option<i64> = row.get(first + 2)?;
        let len: Option<i64> = row.get(first + 3)?;
        Ok(match (own, block, offset, len) {
            (Some(z), _, _, _) => RawLoc::Own(z),
            (None, Some(id), Some(offset), Some(len)) => RawLoc::Block { id, offset, len },
            _ => RawLoc::None,
        })
    }
}

/// Decompresses raw records, keeping the last block read.
pub struct RawReader {
    ctx: Option<zstd::bulk::Decompressor<'static>>,
    /// The id of the block in `block`, if any.
    block_id: Option<i64>,
    block: Vec<u8>,
    own: Vec<u8>,
}

impl Default for RawReader {
    fn default() -> Self {
        RawReader::new()
    }
}

impl RawReader {
    /// A reader with an empty cache.
    pub fn new() -> RawReader {
        RawReader {
            ctx: zstd::bulk::Decompressor::new().ok(),
            block_id: None,
            block: Vec::new(),
            own: Vec::new(),
        }
    }

    /// The raw bytes at `loc`: `None` when none were kept, or when the
    /// stored bytes cannot be decompressed (a damaged store is not a reason
    /// to stop a whole analysis).
    pub fn read<'a>(
        &'a mut self,
        conn: &Connection,
        loc: &RawLoc,
    ) -> rusqlite::Result<Option<&'a [u8]>> {
        match loc {
            RawLoc::None => Ok(None),
            RawLoc::Own(z) => {
                let ok = unzstd(&mut self.ctx, z, &mut self.own);
                Ok(ok.then_some(&self.own[..]))
            }
            RawLoc::Block { id, offset, len } => {
                if self.block_id != Some(*id) {
                    self.block_id = None;
                    let z: Option<Vec<u8>> = conn
                        .query_row("SELECT zstd FROM raw_blocks WHERE id = ?1", [id], |r| {
                            r.get(0)
                        })
                        .optional()?;
                    let Some(z) = z else { return Ok(None) };
                    if !unzstd(&mut self.ctx, &z, &mut self.block) {
                        return Ok(None);
                    }
                    self.block_id = Some(*id);
                }
                let (Ok(start), Ok(n)) = (usize::try_from(*offset), usize::try_from(*len)) else {
                    return Ok(None);
                };
                Ok(start
                    .checked_add(n)
                    .and_then(|end| self.block.get(start..end)))
            }
        }
    }
}

/// Decompresses one frame into `out`; false if it is not a valid frame.
pub(crate) fn unzstd(
    ctx: &mut Option<zstd::bulk::Decompressor<'static>>,
    z: &[u8],
    out: &mut Vec<u8>,
) -> bool {
    out.clear();
    // The store's compressors record the content size.
    let size = zstd::zstd_safe::get_frame_content_size(z).ok().flatten();
    match (ctx, size) {
        (Some(d), Some(n)) if n <= MAX_FRAME => {
            out.reserve(n as usize);
            d.decompress_to_buffer(z, out).is_ok()
        }
        _ => {
            use std::io::Read;
            let Ok(dec) = zstd::stream::read::Decoder::new(z) else {
                return false;
            };
            dec.take(MAX_FRAME).read_to_end(out).is_ok()
        }
    }
}
