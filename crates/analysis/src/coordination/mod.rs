//! # Coordinated behaviour: who acts in concert
//!
//! A *coordination network* links two accounts when they repeatedly do the
//! same thing within a short time of each other: retweet the same post
//! (co-retweet), post the same text (co-tweet) or nearly the same text
//! (co-similar), share the same URL (co-link), reply to the same post
//! (co-reply), use the same hashtag (co-hashtag), or simply post at the same
//! time (co-post). The rules are those of the Coordination Network Toolkit
//! (QUT Digital Observatory, HEAD `daa0e11`), and `--compat cnt`
//! ([`Mode::Cnt`]) reproduces its edge tables exactly:
//!
//! - two *different* messages match when they share the network's key and
//!   `|Δt| ≤ window` (inclusive; computed as the toolkit's SQL does);
//! - the directed weight `A → B` is the number of distinct messages of `A`
//!   with at least one matching message of `B`; weights can be asymmetric;
//! - `min_weight` is applied to each direction on its own;
//! - `A → A` (two matching messages of one account) is a self-loop, kept
//!   only when asked for.
//!
//! Reposts (retweets, and in default mode Telegram forwards) take part in
//! co-retweet and co-post only; their URLs are not recorded.
//!
//! The pieces, in the order data flows:
//! `extract` works out each post's features (keys, tokens, times) for every
//! network and both modes; [`features`] keeps them on disk in step with the
//! store, so a run reads only what its network needs;
//! [`load`] turns them into time-sorted compact records;
//! [`networks`] sweeps each key's messages with a bounded window;
//! [`similar`] finds co-similar pairs with an exact prefix filter;
//! [`cnt`] is the toolkit's tokenizer and normaliser;
//! [`window`] estimates `--window auto`;
//! [`clusters`] groups coordinated accounts and gathers evidence;
//! [`export`] writes CSV, GraphML, GEXF and JSON.
//! `docs/COORDINATION.md` is the user's guide.
//!
//! ```
//! use tarjuman_analysis::coordination::{compute, Network, Params, Window};
//! // The store's tables, reduced to the columns coordination reads.
//! let conn = rusqlite::Connection::open_in_memory().unwrap();
//! # conn.execute_batch("
//! #   CREATE TABLE actors (id INTEGER PRIMARY KEY, ref TEXT, platform TEXT, native_id TEXT, handle TEXT);
//! #   CREATE TABLE posts (id INTEGER PRIMARY KEY, ref TEXT, platform TEXT, native_id TEXT, author_id INTEGER,
//! #       created_at INTEGER, kind TEXT, repost_of TEXT, reply_to TEXT, forwarded_from INTEGER, text TEXT,
//! #       versions INTEGER, embedded INTEGER, first_capture INTEGER);
//! #   CREATE TABLE post_versions (post_id INTEGER, version INTEGER, text TEXT, capture_id INTEGER, raw_zstd BLOB,
//! #       raw_block INTEGER, raw_offset INTEGER, raw_len INTEGER);
//! #   CREATE TABLE captures (id INTEGER PRIMARY KEY, format TEXT);
//! #   CREATE TABLE urls (post_id INTEGER, pos INTEGER, url TEXT, expanded TEXT);
//! #   CREATE TABLE hashtags (post_id INTEGER, tag TEXT);
//! #   INSERT INTO actors VALUES (1, 'x:11', 'x', '11', 'a'), (2, 'x:22', 'x', '22', 'b'), (3, 'x:33', 'x', '33', 'c');
//! #   INSERT INTO posts VALUES
//! #     (1, 'x:1', 'csv', '1', 1, 1000, 'repost', 'x:9', NULL, NULL, '', 1, 0, 1),
//! #     (2, 'x:2', 'csv', '2', 2, 1030, 'repost', 'x:9', NULL, NULL, '', 1, 0, 1),
//! #     (3, 'x:3', 'csv', '3', 3, 5000, 'repost', 'x:9', NULL, NULL, '', 1, 0, 1);
//! # ").unwrap();
//! // Three accounts retweet post x:9; two of them within a minute.
//! let params = Params {
//!     network: Network::CoRetweet,
//!     window: Window::Seconds(60.0),
//!     min_weight: 1,
//!     ..Params::default()
//! };
//! let co = compute(&conn, &params).unwrap();
//! let edges: Vec<(&str, &str, u32)> = co
//!     .edges
//!     .iter()
//!     .map(|e| (co.node_id(e.source), co.node_id(e.target), e.weight))
//!     .collect();
//! assert_eq!(edges, [("11", "22", 1), ("22", "11", 1)]);
//! ```

pub mod clusters;
pub mod cnt;
mod cnt_tables;
pub mod export;
mod extract;
pub mod features;
pub mod load;
pub mod networks;
pub mod similar;
pub mod window;

use load::Corpus;
use networks::{EdgeBuilder, Sink};
use rusqlite::Connection;
use serde::Serialize;
use tarjuman_model::Platform;

/// Errors of the coordination analyses.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CoordError {
    /// The database said no.
    #[error("database: {0}")]
    Db(#[from] rusqlite::Error),
    /// Writing the output failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// A parameter is not usable, or the data cannot answer (no window can
    /// be estimated).
    #[error("{0}")]
    Invalid(String),
}

/// The kinds of coordination network.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Network {
    /// Same normalised text (non-reposts).
    CoTweet,
    /// Token sets with Jaccard similarity ≥ the threshold (non-reposts).
    CoSimilar,
    /// Reposts of the same post.
    CoRetweet,
    /// The same URL (non-reposts).
    CoLink,
    /// Replies to the same post (non-reposts).
    CoReply,
    /// Any two messages in the window.
    CoPost,
    /// The same hashtag, lower-cased (non-reposts); tarjuman's own.
    CoHashtag,
}

impl Network {
    /// Every network, in the order the CLI lists them.
    pub const ALL: [Network; 7] = [
        Network::CoTweet,
        Network::CoSimilar,
        Network::CoRetweet,
        Network::CoLink,
        Network::CoReply,
        Network::CoPost,
        Network::CoHashtag,
    ];

    /// The name used on the command line (`co-retweet`).
    pub fn name(self) -> &'static str {
        match self {
            Network::CoTweet => "co-tweet",
            Network::CoSimilar => "co-similar",
            Network::CoRetweet => "co-retweet",
            Network::CoLink => "co-link",
            Network::CoReply => "co-reply",
            Network::CoPost => "co-post",
            Network::CoHashtag => "co-hashtag",
        }
    }

    /// Parses a name: ours (`co-retweet`) or the toolkit's (`co_retweet`,
    /// `co_similar_tweet`).
    pub fn parse(s: &str) -> Option<Network> {
        let s = s.trim().to_ascii_lowercase().replace('_', "-");
        if s == "co-similar-tweet" {
            return Some(Network::CoSimilar);
        }
        Network::ALL.into_iter().find(|n| n.name() == s)
    }
}

/// Whose text, time and URL rules apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// tarjuman's: text through the shared multilingual normaliser, so
    /// Arabic, Persian and Hebrew spelling variants match; URLs as stored.
    #[default]
    Default,
    /// The Coordination Network Toolkit's, exactly (see [`load`] and [`cnt`]).
    Cnt,
}

/// The time window.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Window {
    /// A fixed window in seconds.
    Seconds(f64),
    /// Estimated from the data ([`window`]).
    Auto,
}

/// The parameters of one run.
#[derive(Clone, Debug)]
pub struct Params {
    /// Which network.
    pub network: Network,
    /// The window; default 60 s.
    pub window: Window,
    /// Edges lighter than this are dropped, per direction; default 2.
    pub min_weight: u32,
    /// Co-similar: the Jaccard threshold; default 0.8.
    pub similarity: f64,
    /// Co-similar: documents with fewer tokens score 0; default 1.
    pub min_tokens: usize,
    /// Keep `A → A` edges.
    pub self_loops: bool,
    /// Default or toolkit rules.
    pub mode: Mode,
    /// Only posts of this platform.
    pub platform: Option<Platform>,
    /// Only posts created at or after this Unix time.
    pub since: Option<i64>,
    /// Only posts created before this Unix time.
    pub until: Option<i64>,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            network: Network::CoRetweet,
            window: Window::Seconds(60.0),
            min_weight: 2,
            similarity: 0.8,
            min_tokens: 1,
            self_loops: false,
            mode: Mode::Default,
            platform: None,
            since: None,
            until: None,
        }
    }
}

/// A directed, weighted edge between two accounts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Edge {
    /// The account whose messages are counted: an index into
    /// [`Corpus::users`].
    pub source: u32,
    /// The account that matched them.
    pub target: u32,
    /// How many distinct messages of `source` had a match by `target`.
    pub weight: u32,
}

/// The result of one run: the coordination graph and what it was made of.
#[derive(Debug)]
pub struct Coordination {
    /// The parameters asked for.
    pub params: Params,
    /// The window used, in seconds (estimated with `Window::Auto`).
    pub window: f64,
    /// How the window was estimated, with `Window::Auto`.
    pub auto: Option<window::AutoWindow>,
    /// The messages, accounts and keys compared.
    pub corpus: Corpus,
    /// Each account's node id in exports: its native id, or its ref when two
    /// accounts of the run share a native id (default mode, several
    /// platforms or CSV files).
    pub node_ids: Vec<String>,
    /// The edges that passed `min_weight` (and the self-loop choice), sorted
    /// by source node id, then target node id (empty after
    /// [`prepare_with`]).
    pub edges: Vec<Edge>,
    /// Seconds spent reading the store.
    pub load_seconds: f64,
    /// Seconds spent matching and weighing.
    pub match_seconds: f64,
    /// What catching up the features file did, when one was used.
    pub catch_up: Option<features::CatchUp>,
}

impl Coordination {
    /// The node id of account `u`.
    pub fn node_id(&self, u: u32) -> &str {
        self.node_ids.get(u as usize).map_or("", String::as_str)
    }
}

/// Runs the matcher of `network` over `corpus`.
pub(crate) fn run_matches(
    c: &Corpus,
    network: Network,
    window: f64,
    similarity: f64,
    min_tokens: usize,
    sink: &mut dyn Sink,
) {
    match network {
        Network::CoPost => networks::match_all(c, window, sink),
        Network::CoSimilar => similar::match_similar(
            c,
            &similar::SimParams {
                threshold: similarity,
                min_tokens,
                window,
            },
            sink,
        ),
        _ => networks::match_keys(c, window, sink),
    }
}

fn check(p: &Params) -> Result<(), CoordError> {
    if let Window::Seconds(w) = p.window
        && !(w.is_finite() && w >= 0.0)
    {
        return Err(CoordError::Invalid(format!(
            "the window must be a number of seconds ≥ 0, not {w}"
        )));
    }
    if !p.similarity.is_finite() {
        return Err(CoordError::Invalid(
            "the similarity must be a number".into(),
        ));
    }
    if p.window == Window::Auto && p.network == Network::CoPost {
        return Err(CoordError::Invalid(
            "--window auto needs shared objects (posts, URLs, texts, hashtags); co-post has none: give the window in seconds".into(),
        ));
    }
    Ok(())
}

fn load_options(p: &Params) -> load::LoadOptions {
    load::LoadOptions {
        network: p.network,
        mode: p.mode,
        platform: p.platform,
        since: p.since,
        until: p.until,
    }
}

/// Computes one coordination network straight from the store: every
/// post's features are worked out in memory. For repeated runs on a data
/// folder, [`compute_with`] and its features file are much faster.
pub fn compute(conn: &Connection, p: &Params) -> Result<Coordination, CoordError> {
    check(p)?;
    let started = std::time::Instant::now();
    let corpus = load::load(conn, &load_options(p))?;
    finish(conn, corpus, p, started.elapsed().as_secs_f64(), None)
}

/// Computes one coordination network from the features file `features`,
/// first catching it up with the store `conn` ([`features::FeatureStore`]).
/// The result is the same as [`compute`]'s.
pub fn compute_with(
    conn: &Connection,
    features: &mut features::FeatureStore,
    p: &Params,
) -> Result<Coordination, CoordError> {
    let mut co = prepare_with(conn, features, p)?;
    co.collect_edges();
    Ok(co)
}

/// [`compute_with`] without the edges: the messages and accounts are read
/// and numbered, and [`Coordination::for_each_edge`] then finds the edges
/// and hands them over one by one, in order, without keeping them. That is
/// how a network with a hundred million edges (co-post on a million posts)
/// is written in little memory.
pub fn prepare_with(
    conn: &Connection,
    features: &mut features::FeatureStore,
    p: &Params,
) -> Result<Coordination, CoordError> {
    check(p)?;
    let started = std::time::Instant::now();
    let caught = features.catch_up(conn)?;
    let corpus = features.load(&load_options(p))?;
    prepare(
        conn,
        corpus,
        p,
        started.elapsed().as_secs_f64(),
        Some(caught),
    )
}

fn finish(
    conn: &Connection,
    corpus: Corpus,
    p: &Params,
    load_seconds: f64,
    catch_up: Option<features::CatchUp>,
) -> Result<Coordination, CoordError> {
    let mut co = prepare(conn, corpus, p, load_seconds, catch_up)?;
    co.collect_edges();
    Ok(co)
}

fn prepare(
    conn: &Connection,
    mut corpus: Corpus,
    p: &Params,
    load_seconds: f64,
    catch_up: Option<features::CatchUp>,
) -> Result<Coordination, CoordError> {
    let started = std::time::Instant::now();
    let (window, auto) = match p.window {
        Window::Seconds(w) => (w, None),
        Window::Auto => {
            let est = match p.network {
                Network::CoSimilar => window::estimate_tokens(&corpus),
                _ => window::estimate_keys(&corpus),
            };
            let est = est.ok_or_else(|| {
                CoordError::Invalid(format!(
                    "cannot estimate a window: no object is shared twice in the {} messages",
                    corpus.msgs.len()
                ))
            })?;
            (est.seconds, Some(est))
        }
    };
    // Accounts sharing a native id are told apart by their refs.
    let mut count: rustc_hash::FxHashMap<&str, u32> = Default::default();
    for u in &corpus.users {
        *count.entry(u.id.as_str()).or_insert(0) += 1;
    }
    let shared: Vec<u32> = (0..corpus.users.len() as u32)
        .filter(|&u| count.get(corpus.users[u as usize].id.as_str()) > Some(&1))
        .collect();
    drop(count);
    load::resolve_actors(conn, &mut corpus.users, shared)?;
    let ids = node_ids(&corpus);
    // Number the accounts in node id order, so that edges come out sorted.
    let mut order: Vec<u32> = (0..corpus.users.len() as u32).collect();
    order.sort_unstable_by(|&a, &b| ids[a as usize].cmp(&ids[b as usize]).then(a.cmp(&b)));
    let mut new_of = vec![0u32; order.len()];
    for (new, &old) in order.iter().enumerate() {
        new_of[old as usize] = new as u32;
    }
    let mut users: Vec<Option<load::User>> = std::mem::take(&mut corpus.users)
        .into_iter()
        .map(Some)
        .collect();
    corpus.users = order
        .iter()
        .filter_map(|&o| users[o as usize].take())
        .collect();
    let node_ids: Vec<String> = order.iter().map(|&o| ids[o as usize].clone()).collect();
    drop(ids);
    for m in &mut corpus.msgs {
        m.user = new_of[m.user as usize];
    }
    Ok(Coordination {
        params: p.clone(),
        window,
        auto,
        corpus,
        node_ids,
        edges: Vec::new(),
        load_seconds,
        match_seconds: started.elapsed().as_secs_f64(),
        catch_up,
    })
}

/// The edges an [`EdgeBuilder`] keeps (by `p`'s minimum weight and
/// self-loop rule) from the matches `find` reports to it.
fn collect_edges(n_users: usize, p: &Params, find: impl FnOnce(&mut EdgeBuilder<'_>)) -> Vec<Edge> {
    let mut edges = Vec::new();
    let mut push = |source: u32, target: u32, weight: u32| {
        edges.push(Edge {
            source,
            target,
            weight,
        })
    };
    let mut b = EdgeBuilder::new(n_users, p.min_weight, p.self_loops, &mut push);
    find(&mut b);
    b.finish();
    edges
}

impl Coordination {
    /// Finds the edges and hands each to `out`, in order (source node id,
    /// then target node id), keeping none of them.
    pub fn for_each_edge(&self, out: &mut dyn FnMut(Edge)) {
        let _ = self.edge_blocks::<Vec<Edge>, ()>(&|e| e.to_vec(), &mut |v| {
            v.into_iter().for_each(&mut *out);
            Ok(())
        });
    }

    /// Finds the edges block by block of source accounts, on all cores, and
    /// hands `make` of each block's edges to `consume`, in order, on this
    /// thread, while the pool computes the next blocks. The first error of
    /// `consume` stops the run and is returned.
    pub fn edge_blocks<T: Send, E>(
        &self,
        make: &(dyn Fn(&[Edge]) -> T + Sync),
        consume: &mut dyn FnMut(T) -> Result<(), E>,
    ) -> Result<(), E> {
        let p = &self.params;
        let c = &self.corpus;
        let n_users = c.users.len();
        // Which key index, if any: co-similar at a threshold above 0 finds
        // few pairs its own way, in one block.
        let all = match p.network {
            Network::CoPost => true,
            Network::CoSimilar if p.similarity <= 0.0 => true,
            Network::CoSimilar => {
                let edges = collect_edges(n_users, p, |b| {
                    run_matches(c, p.network, self.window, p.similarity, p.min_tokens, b)
                });
                return consume(make(&edges));
            }
            _ => false,
        };
        let idx = networks::KeyIndex::new(c, self.window, all);
        // Blocks of accounts with about the same number of messages.
        let threads = rayon::current_num_threads().max(1);
        let target = (c.msgs.len() / (threads * 128)).max(1);
        let mut blocks: Vec<std::ops::Range<usize>> = Vec::new();
        let mut start = 0;
        while start < n_users {
            let mut end = start + 1;
            let mut work = idx.messages_of(start..end);
            while end < n_users && work < target {
                work += idx.messages_of(end..end + 1);
                end += 1;
            }
            blocks.push(start..end);
            start = end;
        }
        let compute = |b: &std::ops::Range<usize>| -> T {
            make(&collect_edges(n_users, p, |eb| idx.matches(b.clone(), eb)))
        };
        let mut ready: Vec<T> = Vec::new();
        for batch in blocks.chunks(threads * 2) {
            let mut next: Vec<T> = Vec::new();
            let mut result = Ok(());
            rayon::in_place_scope(|s| {
                s.spawn(|_| {
                    use rayon::prelude::*;
                    next = batch.par_iter().map(compute).collect();
                });
                for t in ready.drain(..) {
                    if result.is_ok() {
                        result = consume(t);
                    }
                }
            });
            result?;
            ready = next;
        }
        for t in ready {
            consume(t)?;
        }
        Ok(())
    }

    /// Finds the edges and keeps them in [`Coordination::edges`].
    fn collect_edges(&mut self) {
        let started = std::time::Instant::now();
        let mut edges = Vec::new();
        self.for_each_edge(&mut |e| edges.push(e));
        self.edges = edges;
        self.match_seconds += started.elapsed().as_secs_f64();
    }
}

impl Coordination {
    /// Reads the ref and handle of every account in an edge from the store
    /// (exports and clusters show them; a bare run does not need them).
    pub fn resolve_actors(&mut self, conn: &Connection) -> Result<(), CoordError> {
        let mut used = vec![false; self.corpus.users.len()];
        for e in &self.edges {
            used[e.source as usize] = true;
            used[e.target as usize] = true;
        }
        load::resolve_actors(
            conn,
            &mut self.corpus.users,
            (0..used.len() as u32).filter(|&u| used[u as usize]),
        )
    }
}

/// Native ids, or refs where two accounts share a native id.
fn node_ids(c: &Corpus) -> Vec<String> {
    let mut count: rustc_hash::FxHashMap<&str, u32> = Default::default();
    for u in &c.users {
        *count.entry(u.id.as_str()).or_insert(0) += 1;
    }
    c.users
        .iter()
        .map(|u| {
            if count.get(u.id.as_str()).copied().unwrap_or(0) > 1 && !u.actor_ref.is_empty() {
                u.actor_ref.clone()
            } else {
                u.id.clone()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_names() {
        for n in Network::ALL {
            assert_eq!(Network::parse(n.name()), Some(n));
        }
        assert_eq!(Network::parse("co_similar_tweet"), Some(Network::CoSimilar));
        assert_eq!(Network::parse("co_retweet"), Some(Network::CoRetweet));
        assert_eq!(Network::parse("co-nothing"), None);
    }
}
