//! Running a query against the index.

use crate::indexer::{CatchUp, SearchIndex};
use crate::query::{Query, Resolver, compile};
use crate::{Error, Result};
use std::collections::HashMap;
use std::time::Duration;
use tantivy::collector::{Count, TopDocs};
use tantivy::{DocAddress, Order, Searcher};
use tarjuman_store::SqliteStore;

/// How hits are ordered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Sort {
    /// Best text match first (BM25). A query without words or phrases
    /// (only `#tags`, `@users` and filters) has no relevance: it is sorted
    /// by time.
    #[default]
    Relevance,
    /// Newest first.
    Time,
}

/// One matching post.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Hit {
    /// The post's row id in the store.
    pub post_id: i64,
    /// Relevance score, when sorted by relevance.
    pub score: Option<f32>,
}

/// The result of a search.
#[derive(Clone, Debug, PartialEq)]
pub struct Results {
    /// Number of matching posts.
    pub total: usize,
    /// The hits, in order, at most the limit asked for.
    pub hits: Vec<Hit>,
    /// The order actually used.
    pub sort: Sort,
}

/// What [`SearchIndex::ensure_fresh`] found.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Freshness {
    /// The index already reflected the store.
    Fresh,
    /// The index was behind and caught up.
    CaughtUp(CatchUp),
    /// The index is behind, but another process holds its writer lock
    /// (an ingest or a reindex in progress); results may miss the newest
    /// posts.
    Busy,
}

impl SearchIndex {
    /// Catches up with the store if the index is behind it (a store
    /// ingested by an older tarjuman, an ingest interrupted before it
    /// indexed, or a deleted index): by change sequence, never a full
    /// rebuild.
    pub fn ensure_fresh(&mut self, store: &SqliteStore) -> Result<Freshness> {
        if !self.is_stale(store)? {
            return Ok(Freshness::Fresh);
        }
        match self.catch_up(store, Duration::from_secs(2)) {
            Ok(c) => Ok(Freshness::CaughtUp(c)),
            Err(Error::Busy) => Ok(Freshness::Busy),
            Err(e) => Err(e),
        }
    }

    /// Runs `q`: the `limit` best hits (all of them for 0) and the total.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use tarjuman_search::{SearchIndex, Query, NoResolver, Sort};
    /// let dir = tempfile::tempdir()?;
    /// let ix = SearchIndex::open(dir.path())?;
    /// let r = ix.search(&Query::parse("#غزة -is:repost")?, &NoResolver, Sort::Time, 10)?;
    /// assert_eq!(r.total, 0);
    /// # Ok(()) }
    /// ```
    pub fn search(
        &self,
        q: &Query,
        resolver: &dyn Resolver,
        sort: Sort,
        limit: usize,
    ) -> Result<Results> {
        let c = compile(q, self, resolver)?;
        let searcher = self.reader.searcher();
        let sort = if c.scored { sort } else { Sort::Time };
        let limit = if limit == 0 {
            searcher.search(&c.query, &Count)?.max(1)
        } else {
            limit
        };
        let (hits, total) = match sort {
            Sort::Relevance => {
                let (top, total) = searcher.search(
                    &c.query,
                    &(TopDocs::with_limit(limit).order_by_score(), Count),
                )?;
                let ids = self.post_ids(&searcher, top.iter().map(|(_, a)| *a))?;
                let hits = top
                    .iter()
                    .zip(ids)
                    .filter_map(|((s, _), id)| {
                        Some(Hit {
                            post_id: id?,
                            score: Some(*s),
                        })
                    })
                    .collect();
                (hits, total)
            }
            Sort::Time => {
                let (top, total) = searcher.search(
                    &c.query,
                    &(
                        TopDocs::with_limit(limit)
                            .order_by_fast_field::<i64>("created_at", Order::Desc),
                        Count,
                    ),
                )?;
                let ids = self.post_ids(&searcher, top.iter().map(|(_, a)| *a))?;
                (
                    ids.into_iter()
                        .flatten()
                        .map(|id| Hit {
                            post_id: id,
                            score: None,
                        })
                        .collect(),
                    total,
                )
            }
        };
        Ok(Results { total, hits, sort })
    }

    /// The number of posts matching `q`.
    pub fn count(&self, q: &Query, resolver: &dyn Resolver) -> Result<usize> {
        let c = compile(q, self, resolver)?;
        Ok(self.reader.searcher().search(&c.query, &Count)?)
    }

    fn post_ids(
        &self,
        searcher: &Searcher,
        addrs: impl Iterator<Item = DocAddress>,
    ) -> Result<Vec<Option<i64>>> {
        let mut columns = HashMap::new();
        let mut out = Vec::new();
        for a in addrs {
            let col = match columns.entry(a.segment_ord) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(v) => v.insert(
                    searcher
                        .segment_reader(a.segment_ord)
                        .fast_fields()
                        .u64("id")?,
                ),
            };
            out.push(col.first(a.doc_id).map(|id| id as i64));
        }
        Ok(out)
    }
}
