//! # tarjuman-ingest: sources and decoders
//!
//! Every archive format tarjuman reads is one [`Decoder`] in the
//! [`DECODERS`] registry. A decoder is pure: bytes in, [`Record`]s and
//! [`Problem`]s out, through a [`RecordSink`]. It uses no database and no
//! globals, which makes it easy to test and to fuzz.
//!
//! [`open_input`] undoes gzip and zstd compression by magic bytes, and
//! [`sniff`] picks the decoder for a file from its first bytes. The pipeline
//! that writes decoded records into the store lives in [`pipeline`].
//!
//! ```
//! use tarjuman_ingest::{decoder_by_name, DecodeOptions};
//! use tarjuman_model::VecSink;
//! let line = br#"{"id_str":"20","text":"just setting up my twttr","user":{"id_str":"12","screen_name":"jack"},"created_at":"Tue Mar 21 20:50:14 +0000 2006"}"#;
//! let mut sink = VecSink::default();
//! let dec = decoder_by_name("twitter-v1").unwrap();
//! dec.decode(&mut &line[..], &DecodeOptions::default(), &mut sink).unwrap();
//! let post = sink.posts().next().unwrap();
//! assert_eq!(post.ref_, "x:20");
//! assert_eq!(post.author.handle.as_deref(), Some("jack"));
//! ```
#![deny(missing_docs)]

pub mod compress;
pub mod formats;
pub mod framing;
pub mod harness;
pub mod pipeline;
pub mod repeats;
pub mod time;

use std::io::BufRead;
pub use tarjuman_model::{Problem, Record, RecordSink};

/// How sure a decoder is that a file is its format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Sniff {
    /// Not this format.
    No,
    /// Could be this format.
    Maybe,
    /// Almost surely this format.
    Certain,
}

/// Per-run choices for decoders.
#[derive(Clone, Debug)]
pub struct DecodeOptions {
    /// A short name of the source (file name), used in CSV refs `csv:<source>:<id>`.
    pub source_name: String,
    /// A CSV column mapping: model field → column name (`--map id=post_id`).
    pub csv_map: Vec<(String, String)>,
    /// The longest line (or single JSON document) accepted, in bytes.
    pub max_record_bytes: usize,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        DecodeOptions {
            source_name: "stdin".to_string(),
            csv_map: Vec::new(),
            max_record_bytes: DEFAULT_MAX_RECORD_BYTES,
        }
    }
}

/// Lines or documents longer than this (32 MiB) are reported and skipped.
pub const DEFAULT_MAX_RECORD_BYTES: usize = 32 * 1024 * 1024;

/// What one decode run saw.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Records pushed to the sink.
    pub records: u64,
    /// Problems pushed to the sink.
    pub problems: u64,
    /// Lines read (1-based count of newline-terminated lines, plus a last unterminated one).
    pub lines: u64,
}

/// What stops a whole file (as opposed to a [`Problem`], which skips one record).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// Reading the input failed.
    #[error("read error at line {line}: {source}")]
    Io {
        /// Line being read.
        line: u64,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The input is not this format at all.
    #[error("line {line}: not {format}: {reason}")]
    NotFormat {
        /// Decoder name.
        format: &'static str,
        /// Line where that became clear.
        line: u64,
        /// Why.
        reason: String,
    },
    /// The sink asked to stop (for example `--strict` after a problem).
    #[error("stopped at line {line}")]
    Stopped {
        /// Line where decoding stopped.
        line: u64,
    },
}

/// One archive format.
pub trait Decoder: Sync {
    /// The name used by `--format` and stored in the capture row.
    fn name(&self) -> &'static str;
    /// One line for `--help` and `tarjuman formats`.
    fn about(&self) -> &'static str;
    /// How sure this decoder is, given the first bytes of a file (which may
    /// end mid-line) and its file name (may be empty).
    fn sniff(&self, head: &[u8], file_name: &str) -> Sniff;
    /// Decode everything in `input`, pushing records and problems into `out`.
    fn decode(
        &self,
        input: &mut dyn BufRead,
        opts: &DecodeOptions,
        out: &mut dyn RecordSink,
    ) -> Result<Summary, DecodeError>;
}

/// Every decoder, one line each. Sniffing tries them in this order and
/// keeps the most certain.
pub static DECODERS: &[&dyn Decoder] = &[
    &formats::twarc2::Twarc2,
    &formats::twitter_v1::TwitterV1,
    &formats::telegram_export::TelegramExport,
    &formats::csv::Csv,
];

/// The decoder named `name` (`twarc2`, `twitter-v1`, `telegram-export`, `csv`).
pub fn decoder_by_name(name: &str) -> Option<&'static dyn Decoder> {
    DECODERS.iter().copied().find(|d| d.name() == name)
}

/// How many leading bytes [`sniff`] looks at.
pub const SNIFF_BYTES: usize = 64 * 1024;

/// Picks the decoder for a file from its first bytes, or `None` when no
/// decoder recognises it.
pub fn sniff(head: &[u8], file_name: &str) -> Option<&'static dyn Decoder> {
    let mut best: Option<(&'static dyn Decoder, Sniff)> = None;
    for d in DECODERS {
        let s = d.sniff(head, file_name);
        if s == Sniff::No {
            continue;
        }
        if best.is_none_or(|(_, b)| s > b) {
            best = Some((*d, s));
        }
    }
    best.map(|(d, _)| d)
}
