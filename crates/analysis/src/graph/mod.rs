//! # The interaction network
//!
//! Who talks to whom: the store's typed interactions (reply, quote, repost,
//! mention, Telegram forward) as a directed, weighted multigraph of actors.
//!
//! - [`build::load`] reads the interactions through a [`Filter`] (kinds, time
//!   window, platforms, minimum weight) and aggregates them per
//!   (source, target, kind): the weight is the number of interactions, with
//!   the first and last time.
//! - [`analyze`] adds the measures: weighted PageRank ([`pagerank`]),
//!   communities (Leiden on the undirected weighted projection,
//!   [`community`]), weighted and distinct in- and out-degrees.
//! - Writers: [`gexf`] (Gephi; static or dynamic), [`graphml`], [`csv`].
//! - [`thread`] rebuilds a conversation tree around one post.
//! - [`watchlist`] reads the actors' sides from `tarjuman.toml`.
//!
//! Self-loops (an actor replying to, quoting or mentioning themselves, as in
//! a thread of their own posts) are kept in the exports but ignored by
//! PageRank, communities and the degrees.
//!
//! ```
//! use tarjuman_analysis::graph::{Filter, analyze, AnalyzeOptions, build::Graph};
//! let conn = rusqlite::Connection::open_in_memory().unwrap();
//! # conn.execute_batch("CREATE TABLE actors (id INTEGER PRIMARY KEY, ref TEXT, platform TEXT, native_id TEXT, handle TEXT, display_name TEXT);
//! #   CREATE TABLE posts (id INTEGER PRIMARY KEY, author_id INTEGER, created_at INTEGER);
//! #   CREATE TABLE interactions (post_id INTEGER, kind TEXT, src_actor INTEGER, dst_actor INTEGER, at INTEGER);
//! #   INSERT INTO actors VALUES (1, 'x:1', 'x', '1', 'a', 'A'), (2, 'x:2', 'x', '2', 'b', 'B');
//! #   INSERT INTO interactions VALUES (1, 'reply', 1, 2, 100), (2, 'reply', 1, 2, 200);").unwrap();
//! let mut g = tarjuman_analysis::graph::build::load(&conn, &Filter::default(), false).unwrap();
//! analyze(&mut g, &AnalyzeOptions::default()).unwrap();
//! assert_eq!(g.edges.len(), 1);
//! assert_eq!(g.edges[0].weight, 2);
//! assert!(g.nodes[1].pagerank > g.nodes[0].pagerank);
//! ```

pub mod build;
pub mod community;
pub mod csv;
pub mod gexf;
pub mod graphml;
pub mod pagerank;
pub mod thread;
pub mod time;
pub mod watchlist;
mod xml;

pub use build::{Edge, Filter, Graph, Node};

/// Errors of the graph analyses.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GraphError {
    /// The database said no.
    #[error("database: {0}")]
    Db(#[from] rusqlite::Error),
    /// Writing the output failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// An argument is not valid (an unknown kind, an unreadable date).
    #[error("{0}")]
    Invalid(String),
    /// Something asked for is not in the store.
    #[error("not found: {0}")]
    NotFound(String),
    /// The community detection failed.
    #[error("community detection: {0}")]
    Community(String),
}

/// Result alias for the graph analyses.
pub type Result<T> = std::result::Result<T, GraphError>;

/// What [`analyze`] computes and how.
#[derive(Clone, Debug)]
pub struct AnalyzeOptions {
    /// PageRank parameters.
    pub pagerank: pagerank::PageRankConfig,
    /// Whether to detect communities (the slowest step on large graphs).
    pub communities: bool,
    /// The seed of the community detection: the same graph and seed give the
    /// same communities.
    pub seed: u64,
    /// The resolution of the modularity (1.0 is the classic modularity;
    /// higher gives more, smaller communities).
    pub resolution: f64,
}

impl Default for AnalyzeOptions {
    fn default() -> Self {
        AnalyzeOptions {
            pagerank: pagerank::PageRankConfig::default(),
            communities: true,
            seed: 42,
            resolution: 1.0,
        }
    }
}

/// What [`analyze`] found about the graph as a whole.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Summary {
    /// Nodes (actors).
    pub nodes: usize,
    /// Aggregated edges (source, target, kind).
    pub edges: usize,
    /// Interactions behind the edges (the sum of the weights).
    pub interactions: u64,
    /// PageRank iterations run.
    pub pagerank_iterations: usize,
    /// Whether PageRank reached the tolerance within the iteration limit.
    pub pagerank_converged: bool,
    /// Communities found (0 when not computed).
    pub communities: usize,
    /// Modularity of the partition on the undirected projection.
    pub modularity: f64,
}

/// Computes PageRank, degrees and (optionally) communities, storing them on
/// the nodes.
pub fn analyze(g: &mut Graph, opts: &AnalyzeOptions) -> Result<Summary> {
    let n = g.nodes.len();
    let mut directed: Vec<(usize, usize, f64)> = Vec::with_capacity(g.edges.len());
    for node in &mut g.nodes {
        node.in_weight = 0;
        node.out_weight = 0;
        node.in_neighbors = 0;
        node.out_neighbors = 0;
    }
    let mut interactions = 0u64;
    // Edges are sorted by (src, dst, kind): one pass counts distinct neighbours.
    let mut last_pair: Option<(usize, usize)> = None;
    for e in &g.edges {
        interactions += e.weight;
        let (s, d) = (e.src, e.dst);
        if s == d {
            continue;
        }
        directed.push((s, d, e.weight as f64));
        g.nodes[s].out_weight += e.weight;
        g.nodes[d].in_weight += e.weight;
        if last_pair != Some((s, d)) {
            g.nodes[s].out_neighbors += 1;
            g.nodes[d].in_neighbors += 1;
            last_pair = Some((s, d));
        }
    }
    let pr = pagerank::pagerank(n, &directed, &opts.pagerank);
    for (node, score) in g.nodes.iter_mut().zip(&pr.scores) {
        node.pagerank = *score;
    }
    let mut summary = Summary {
        nodes: n,
        edges: g.edges.len(),
        interactions,
        pagerank_iterations: pr.iterations,
        pagerank_converged: pr.converged,
        ..Summary::default()
    };
    if opts.communities {
        let c = community::detect(n, &directed, opts.seed, opts.resolution)?;
        for (node, m) in g.nodes.iter_mut().zip(&c.membership) {
            node.community = Some(*m);
        }
        summary.communities = c.count;
        summary.modularity = c.modularity;
    }
    Ok(summary)
}
