//! # tarjuman-search: the search index, derived from the store
//!
//! A [tantivy] index in `DATA/search/`, one document per post (its latest
//! version), written from the store by change sequence: [`catch_up`] reads
//! the posts whose `seq` is above the one the index last saw (kept in the
//! index's commit payload), so an interrupted or skipped update is caught up
//! later without a full rebuild; [`rebuild`] writes a new index from
//! scratch and swaps it in. Text is analysed by [`tarjuman_text`]'s one
//! normalizer and tokenizer ([`analyzers`]), so `ابو` finds `أبو`, `غزه`
//! finds `غزة`, `בחירות` finds `בְּחִירוֹת` and `#غزة` finds only the
//! hashtag.
//!
//! Queries use the analyst's language described in [`query`] (words,
//! `"phrases"`, `OR`, `-exclusion`, parentheses, `#tag`, `@user`, `from:`,
//! `to:`, `mentions:`, `lang:`, `platform:`, `since:`, `until:`, `is:`,
//! `has:`, `url:`). Hits are read back from the store ([`fetch_posts`]):
//! the original text is what is shown, never the normalized one.
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use tarjuman_search::{SearchIndex, Query, StoreResolver, Sort, fetch_posts};
//! use tarjuman_store::{Store, SqliteStore, CaptureInfo, CaptureStart, Batch};
//! use tarjuman_model::{Record, PostRecord, ActorRecord, Platform};
//!
//! // A store with one post.
//! let dir = tempfile::tempdir()?;
//! let mut store = SqliteStore::open(dir.path())?;
//! let info = CaptureInfo { file_name: "a.jsonl".into(), bytes: 1, quick_key: "k".into(), format: "twarc2".into() };
//! let CaptureStart::New(cap) = store.begin_capture(&info)? else { unreachable!() };
//! let mut author = ActorRecord::bare("x:2");
//! author.handle = Some("someone".into());
//! let mut p = PostRecord::new(Platform::X, "x:1".into(), "1".into(), author);
//! p.text = "قال أبو عبيدة إنَّ غزّة صامدة".into();
//! p.lang = Some("ar".into());
//! p.created_at = Some(1_696_660_000);
//! store.write_batch(cap, "a.jsonl", &Batch { records: vec![(1, Record::Post(Box::new(p)))], ..Batch::default() })?;
//!
//! // The index catches up with the store, then answers.
//! let mut ix = SearchIndex::open(dir.path())?;
//! assert!(ix.is_stale(&store)?);
//! assert_eq!(ix.catch_up(&store, std::time::Duration::from_secs(5))?.indexed, 1);
//! let q = Query::parse("ابو غزه lang:ar since:2023-10-07 from:someone")?;
//! let res = ix.search(&q, &StoreResolver::new(store.conn()), Sort::Relevance, 10)?;
//! assert_eq!(res.total, 1);
//! let posts = fetch_posts(store.conn(), &[res.hits[0].post_id])?;
//! assert_eq!(posts[0].text, "قال أبو عبيدة إنَّ غزّة صامدة");
//! assert_eq!(posts[0].url.as_deref(), Some("https://x.com/someone/status/1"));
//! # Ok(()) }
//! ```
#![deny(missing_docs)]
#![doc(test(attr(deny(warnings))))]

pub mod analyzers;
mod highlight;
mod indexer;
mod posts;
pub mod query;
pub mod schema;
mod search;

pub use highlight::Highlighter;
pub use indexer::{CatchUp, SearchIndex, catch_up, rebuild};
pub use posts::{MediaView, PostView, fetch_posts, post_url, rfc3339};
pub use query::{NoResolver, Query, QueryError, Resolver, StoreResolver};
pub use search::{Freshness, Hit, Results, Sort};

use std::path::Path;

/// Errors of the search index.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The query could not be parsed.
    #[error("{0}")]
    Query(#[from] QueryError),
    /// tantivy failed.
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    /// Reading the store failed.
    #[error("reading the store: {0}")]
    Store(#[from] rusqlite::Error),
    /// The store failed.
    #[error("store: {0}")]
    StoreBackend(#[from] tarjuman_store::StoreError),
    /// File system trouble in the index folder.
    #[error("{path}: {source}")]
    Io {
        /// The path involved.
        path: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// Another process holds the index's writer lock.
    #[error("another tarjuman process is updating the search index; try again when it is done")]
    Busy,
}

impl Error {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Error {
        Error::Io {
            path: path.display().to_string(),
            source,
        }
    }
}

/// Result alias for this crate.
pub type Result<T> = std::result::Result<T, Error>;
