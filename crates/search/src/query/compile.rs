//! From the syntax tree to a tantivy query.

use super::{Filter, Has, Kind, Node, Query, QueryError, UrlMatch};
use crate::analyzers;
use crate::indexer::SearchIndex;
use crate::schema::Tag;
use rusqlite::Connection;
use std::ops::Bound;
use tantivy::Term;
use tantivy::query::{
    AllQuery, BooleanQuery, ConstScoreQuery, Occur, PhraseQuery, Query as TQuery, RangeQuery,
    TermQuery,
};
use tantivy::schema::IndexRecordOption;

/// Finds the actors a handle names. The index knows actors by ref, so
/// `from:`, `to:`, `mentions:` and `@user` with a handle need a resolver
/// (a handle matches directly only for actors known by handle alone); the
/// store's resolver also finds accounts by an earlier handle.
pub trait Resolver {
    /// Refs of the actors that have (or had) `handle`, case-insensitively.
    fn actor_refs(&self, handle: &str) -> Vec<String>;
}

/// A resolver that knows no actors: handles match only actors known by
/// handle alone (refs always match).
pub struct NoResolver;

impl Resolver for NoResolver {
    fn actor_refs(&self, _: &str) -> Vec<String> {
        Vec::new()
    }
}

/// Resolves handles through the store's `actors` and `actor_names` tables.
pub struct StoreResolver<'a> {
    conn: &'a Connection,
}

impl<'a> StoreResolver<'a> {
    /// A resolver reading `conn` (the store's connection).
    pub fn new(conn: &'a Connection) -> StoreResolver<'a> {
        StoreResolver { conn }
    }
}

impl Resolver for StoreResolver<'_> {
    fn actor_refs(&self, handle: &str) -> Vec<String> {
        let run = |sql: &str| -> Vec<String> {
            let Ok(mut st) = self.conn.prepare_cached(sql) else {
                return Vec::new();
            };
            st.query_map([handle], |r| r.get::<_, String>(0))
                .map(|rows| rows.filter_map(|r| r.ok()).collect())
                .unwrap_or_default()
        };
        // The current handle (indexed); earlier handles only when no actor
        // has it now (actor_names has no index on handle: a scan).
        let now = run("SELECT ref FROM actors WHERE lower(handle) = lower(?1)");
        if !now.is_empty() {
            return now;
        }
        run(
            "SELECT DISTINCT a.ref FROM actor_names n JOIN actors a ON a.id = n.actor_id WHERE n.handle = ?1 COLLATE NOCASE",
        )
    }
}

/// A compiled query, and whether any clause scores by text relevance.
pub(crate) struct Compiled {
    pub query: Box<dyn TQuery>,
    pub scored: bool,
}

pub(crate) fn compile(
    q: &Query,
    ix: &SearchIndex,
    r: &dyn Resolver,
) -> Result<Compiled, QueryError> {
    let c = Compiler { ix, r };
    let (query, scored) = c.node(&q.root)?;
    Ok(Compiled { query, scored })
}

struct Compiler<'a> {
    ix: &'a SearchIndex,
    r: &'a dyn Resolver,
}

type Q = Box<dyn TQuery>;

fn unscored(q: Q) -> Q {
    Box::new(ConstScoreQuery::new(q, 0.0))
}

impl Compiler<'_> {
    fn node(&self, n: &Node) -> Result<(Q, bool), QueryError> {
        Ok(match n {
            Node::Word { text, pos } | Node::Phrase { text, pos } => (self.text(text, *pos)?, true),
            Node::Hashtag { tag, .. } => (unscored(self.term(Tag::Hashtag, tag)), false),
            Node::Mention { handle, .. } => (unscored(self.actor(Tag::Mentions, handle)), false),
            Node::Filter { filter, .. } => (unscored(self.filter(filter)), false),
            Node::Not(x) => {
                let (inner, _) = self.node(x)?;
                (
                    Box::new(BooleanQuery::new(vec![
                        (Occur::Must, unscored(Box::new(AllQuery))),
                        (Occur::MustNot, inner),
                    ])),
                    false,
                )
            }
            Node::And(items) => {
                let mut clauses: Vec<(Occur, Q)> = Vec::new();
                let mut scored = false;
                for it in items {
                    match it {
                        Node::Not(x) => clauses.push((Occur::MustNot, self.node(x)?.0)),
                        _ => {
                            let (q, s) = self.node(it)?;
                            scored |= s;
                            clauses.push((Occur::Must, q));
                        }
                    }
                }
                if !clauses.iter().any(|(o, _)| *o == Occur::Must) {
                    clauses.push((Occur::Must, unscored(Box::new(AllQuery))));
                }
                (Box::new(BooleanQuery::new(clauses)), scored)
            }
            Node::Or(items) => {
                let mut qs = Vec::new();
                let mut scored = false;
                for it in items {
                    let (q, s) = self.node(it)?;
                    scored |= s;
                    qs.push(q);
                }
                (Box::new(BooleanQuery::union(qs)), scored)
            }
        })
    }

    /// A word or phrase: analysed as each text field analyses posts, so the
    /// query `أبو` is the term `ابو` in `text` and its stem in `text_ar`.
    fn text(&self, text: &str, pos: usize) -> Result<Q, QueryError> {
        let f = self.ix.fields;
        let mut per_field: Vec<Q> = Vec::new();
        for (field, name) in [(f.text, analyzers::TEXT), (f.text_ar, analyzers::TEXT_AR)] {
            let Some(mut a) = self.ix.index.tokenizers().get(name) else {
                return Err(QueryError {
                    position: pos,
                    message: format!("analyzer {name} is not registered"),
                });
            };
            let mut ts = a.token_stream(text);
            let mut terms: Vec<(usize, Term)> = Vec::new();
            while let Some(t) = ts.next() {
                terms.push((t.position, Term::from_field_text(field, &t.text)));
            }
            match terms.len() {
                0 => {
                    return Err(QueryError {
                        position: pos,
                        message: format!(
                            "{text:?} has nothing to search for (no letters, digits or emoji)"
                        ),
                    });
                }
                1 => per_field.push(Box::new(TermQuery::new(
                    terms.remove(0).1,
                    IndexRecordOption::WithFreqs,
                ))),
                _ => per_field.push(Box::new(PhraseQuery::new_with_offset(terms))),
            }
        }
        Ok(Box::new(BooleanQuery::union(per_field)))
    }

    /// The `tags` term `tag` + `value`.
    fn term(&self, tag: Tag, value: &str) -> Q {
        Box::new(TermQuery::new(
            tag.term(self.ix.fields.tags, value),
            IndexRecordOption::Basic,
        ))
    }

    /// A handle or actor ref; a handle also matches the refs of every actor
    /// that has or had it.
    fn actor(&self, tag: Tag, value: &str) -> Q {
        let mut qs = vec![self.term(tag, value)];
        let is_ref = value
            .split_once(':')
            .is_some_and(|(p, id)| tarjuman_model::Platform::parse(p).is_some() && !id.is_empty());
        if !is_ref {
            for r in self.r.actor_refs(value) {
                qs.push(self.term(tag, &r));
            }
        }
        if qs.len() == 1 {
            qs.remove(0)
        } else {
            Box::new(BooleanQuery::union(qs))
        }
    }

    fn filter(&self, filter: &Filter) -> Q {
        let f = self.ix.fields;
        match filter {
            Filter::From(v) => self.actor(Tag::From, v),
            Filter::To(v) => self.actor(Tag::To, v),
            Filter::Mentions(v) => self.actor(Tag::Mentions, v),
            Filter::Lang(l) => self.term(Tag::Lang, l),
            Filter::Platform(p) => self.term(Tag::Platform, p),
            Filter::Since(t) => Box::new(RangeQuery::new(
                Bound::Included(Term::from_field_i64(f.created_at, *t)),
                Bound::Unbounded,
            )),
            Filter::Until(t) => Box::new(RangeQuery::new(
                Bound::Unbounded,
                Bound::Excluded(Term::from_field_i64(f.created_at, *t)),
            )),
            Filter::Is(k) => self.term(
                Tag::Is,
                match k {
                    Kind::Post => "post",
                    Kind::Reply => "reply",
                    Kind::Quote => "quote",
                    Kind::Repost => "repost",
                    Kind::Forward => "forward",
                },
            ),
            Filter::Has(h) => self.term(
                Tag::Has,
                match h {
                    Has::Link => "link",
                    Has::Media => "media",
                    Has::Hashtag => "hashtag",
                    Has::Mention => "mention",
                },
            ),
            Filter::Url(UrlMatch::Domain(d)) => self.term(Tag::Domain, d),
            Filter::Url(UrlMatch::Url(us)) => Box::new(BooleanQuery::union(
                us.iter().map(|u| self.term(Tag::Url, u)).collect(),
            )),
        }
    }
}
