//! Loading the interaction network from the store.
//!
//! One pass over `interactions` (filtered in SQL by kind, time and platform)
//! aggregates the rows per (source actor, target actor, kind) in memory: the
//! memory used grows with the number of distinct edges, not interactions
//! (unless the interaction times are kept, for a dynamic export).

use super::{GraphError, Result};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension};
use rustc_hash::FxHashMap as HashMap;
use tarjuman_model::InteractionKind;

/// Every interaction kind, in the order used for sorting edges.
pub const KINDS: [InteractionKind; 5] = [
    InteractionKind::Reply,
    InteractionKind::Quote,
    InteractionKind::Repost,
    InteractionKind::Mention,
    InteractionKind::Forward,
];

/// Parses an interaction kind name (`reply`, `quote`, `repost`, `mention`,
/// `forward`; also `retweet` for `repost`), case-insensitively.
pub fn parse_kind(s: &str) -> Option<InteractionKind> {
    match s.trim().to_ascii_lowercase().as_str() {
        "reply" | "replies" => Some(InteractionKind::Reply),
        "quote" | "quotes" => Some(InteractionKind::Quote),
        "repost" | "reposts" | "retweet" | "retweets" => Some(InteractionKind::Repost),
        "mention" | "mentions" => Some(InteractionKind::Mention),
        "forward" | "forwards" => Some(InteractionKind::Forward),
        _ => None,
    }
}

/// Parses a list of kind names, failing on the first unknown one.
pub fn parse_kinds<S: AsRef<str>>(names: &[S]) -> Result<Vec<InteractionKind>> {
    let mut out = Vec::new();
    for n in names {
        let n = n.as_ref();
        if n.trim().is_empty() {
            continue;
        }
        match parse_kind(n) {
            Some(k) => {
                if !out.contains(&k) {
                    out.push(k);
                }
            }
            None => {
                return Err(GraphError::Invalid(format!(
                    "unknown interaction kind {n:?}: use reply, quote, repost, mention or forward"
                )));
            }
        }
    }
    Ok(out)
}

/// Which interactions make the graph.
#[derive(Clone, Debug)]
pub struct Filter {
    /// Kinds to keep; empty keeps all.
    pub kinds: Vec<InteractionKind>,
    /// Keep interactions at or after this time (Unix seconds).
    pub since: Option<i64>,
    /// Keep interactions strictly before this time (Unix seconds).
    pub until: Option<i64>,
    /// Platforms of the source actor to keep (`x`, `telegram`, …); empty
    /// keeps all.
    pub platforms: Vec<String>,
    /// Drop aggregated edges with fewer interactions than this.
    pub min_weight: u64,
    /// Only interactions made by these posts (`posts.id`, sorted ascending),
    /// for example the hits of a search; `None` keeps all.
    pub posts: Option<Vec<i64>>,
}

impl Default for Filter {
    fn default() -> Self {
        Filter {
            kinds: Vec::new(),
            since: None,
            until: None,
            platforms: Vec::new(),
            min_weight: 1,
            posts: None,
        }
    }
}

/// An actor in the graph.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Node {
    /// The row id in `actors`.
    #[serde(skip)]
    pub actor_id: i64,
    /// The actor's ref (`x:12`, `telegram:1234`): the node id in exports.
    #[serde(rename = "ref")]
    pub ref_: String,
    /// Platform name.
    pub platform: String,
    /// Latest handle, without `@`.
    pub handle: Option<String>,
    /// Latest display name.
    pub display_name: Option<String>,
    /// The side from the watchlist, if the actor is on it.
    pub side: Option<String>,
    /// Posts by the actor in the store (within the filter's time window).
    pub posts: u64,
    /// Community number (0 is the largest), once computed.
    pub community: Option<u32>,
    /// PageRank (the scores of all nodes sum to 1), once computed.
    pub pagerank: f64,
    /// Interactions received from other actors.
    pub in_weight: u64,
    /// Interactions made towards other actors.
    pub out_weight: u64,
    /// Distinct actors it received interactions from.
    pub in_neighbors: u64,
    /// Distinct actors it made interactions towards.
    pub out_neighbors: u64,
}

impl Node {
    /// A short label: `@handle`, else the display name, else the ref.
    pub fn label(&self) -> String {
        if let Some(h) = self.handle.as_deref().filter(|h| !h.is_empty()) {
            return format!("@{h}");
        }
        if let Some(n) = self.display_name.as_deref().filter(|n| !n.is_empty()) {
            return n.to_string();
        }
        self.ref_.clone()
    }
}

/// Interactions of one kind from one actor to another, aggregated.
#[derive(Clone, Debug)]
pub struct Edge {
    /// Index of the source in [`Graph::nodes`].
    pub src: usize,
    /// Index of the target in [`Graph::nodes`].
    pub dst: usize,
    /// The kind of interaction.
    pub kind: InteractionKind,
    /// Number of interactions.
    pub weight: u64,
    /// Time of the first interaction (Unix seconds), if any had a time.
    pub first: Option<i64>,
    /// Time of the last interaction.
    pub last: Option<i64>,
    /// Distinct interaction times, ascending (only when loaded with times).
    pub times: Vec<i64>,
}

/// The interaction network: nodes sorted by actor row id, edges sorted by
/// (source, target, kind).
#[derive(Clone, Debug, Default)]
pub struct Graph {
    /// Actors that take part in at least one kept edge.
    pub nodes: Vec<Node>,
    /// Aggregated edges.
    pub edges: Vec<Edge>,
}

#[derive(Default)]
struct Agg {
    weight: u64,
    first: Option<i64>,
    last: Option<i64>,
    times: Vec<i64>,
}

fn kind_index(k: InteractionKind) -> u8 {
    KINDS.iter().position(|x| *x == k).unwrap_or(0) as u8
}

/// Loads the graph. With `keep_times`, each edge also gets the list of its
/// distinct interaction times (for a dynamic GEXF).
pub fn load(conn: &Connection, f: &Filter, keep_times: bool) -> Result<Graph> {
    let mut sql = String::from(
        "SELECT i.src_actor, i.dst_actor, i.kind, i.at, i.post_id FROM interactions i",
    );
    let mut params: Vec<Value> = Vec::new();
    let mut wh: Vec<String> = Vec::new();
    if !f.platforms.is_empty() {
        sql.push_str(" JOIN actors s ON s.id = i.src_actor");
        let marks = vec!["?"; f.platforms.len()].join(",");
        wh.push(format!("s.platform IN ({marks})"));
        params.extend(f.platforms.iter().map(|p| Value::Text(p.to_lowercase())));
    }
    if !f.kinds.is_empty() {
        let marks = vec!["?"; f.kinds.len()].join(",");
        wh.push(format!("i.kind IN ({marks})"));
        params.extend(f.kinds.iter().map(|k| Value::Text(k.as_str().to_string())));
    }
    if let Some(s) = f.since {
        wh.push("i.at >= ?".into());
        params.push(Value::Integer(s));
    }
    if let Some(u) = f.until {
        wh.push("i.at < ?".into());
        params.push(Value::Integer(u));
    }
    if !wh.is_empty() {
        sql.push_str(" WHERE ");
        sql.push_str(&wh.join(" AND "));
    }

    // One read transaction: the graph comes from one snapshot of the store,
    // and the many small queries below skip per-statement locking.
    let _snapshot = if conn.is_autocommit() {
        Some(conn.unchecked_transaction()?)
    } else {
        None
    };
    let mut aggs: HashMap<(i64, i64, u8), Agg> = HashMap::default();
    let mut st = conn.prepare(&sql)?;
    let mut rows = st.query(rusqlite::params_from_iter(params.iter()))?;
    while let Some(r) = rows.next()? {
        let src: i64 = r.get(0)?;
        let dst: i64 = r.get(1)?;
        let kind = r.get_ref(2)?.as_str().ok().and_then(parse_kind);
        let at: Option<i64> = r.get(3)?;
        let Some(kind) = kind else {
            continue; // a kind this version does not know: skip it
        };
        if let Some(posts) = &f.posts
            && posts.binary_search(&r.get::<_, i64>(4)?).is_err()
        {
            continue;
        }
        let a = aggs.entry((src, dst, kind_index(kind))).or_default();
        a.weight += 1;
        if let Some(t) = at {
            a.first = Some(a.first.map_or(t, |x| x.min(t)));
            a.last = Some(a.last.map_or(t, |x| x.max(t)));
            if keep_times {
                a.times.push(t);
            }
        }
    }
    drop(rows);
    drop(st);

    let mut kept: Vec<((i64, i64, u8), Agg)> = aggs
        .into_iter()
        .filter(|(_, a)| a.weight >= f.min_weight.max(1))
        .collect();
    let mut ids: Vec<i64> = kept.iter().flat_map(|((s, d, _), _)| [*s, *d]).collect();
    ids.sort_unstable();
    ids.dedup();
    let index: HashMap<i64, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();

    let mut nodes = Vec::with_capacity(ids.len());
    {
        let mut actor = conn.prepare_cached(
            "SELECT ref, platform, handle, display_name FROM actors WHERE id = ?1",
        )?;
        let counts = PostCounts::new(conn, f, ids.len())?;
        for &id in &ids {
            let row = actor
                .query_row([id], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, Option<String>>(2)?,
                        r.get::<_, Option<String>>(3)?,
                    ))
                })
                .optional()?;
            let (ref_, platform, handle, display_name) =
                row.unwrap_or_else(|| (format!("actor:{id}"), String::new(), None, None));
            let count = counts.get(conn, id)?;
            nodes.push(Node {
                actor_id: id,
                ref_,
                platform,
                handle,
                display_name,
                posts: count,
                ..Node::default()
            });
        }
    }

    let mut edges: Vec<Edge> = kept
        .drain(..)
        .map(|((s, d, k), mut a)| {
            if keep_times {
                a.times.sort_unstable();
                a.times.dedup();
            }
            Edge {
                src: index[&s],
                dst: index[&d],
                kind: KINDS[usize::from(k)],
                weight: a.weight,
                first: a.first,
                last: a.last,
                times: a.times,
            }
        })
        .collect();
    edges.sort_unstable_by_key(|e| (e.src, e.dst, kind_index(e.kind)));
    Ok(Graph { nodes, edges })
}

/// Posts per author within the filter's time window: one grouped scan of
/// the `posts_author` index for large graphs, one indexed count per actor
/// for small ones (on a large store).
struct PostCounts {
    all: Option<HashMap<i64, u64>>,
    window: (i64, i64),
    windowed: bool,
}

impl PostCounts {
    /// Above this many nodes a grouped scan beats one query per node.
    const SCAN_ABOVE: usize = 2_000;

    fn new(conn: &Connection, f: &Filter, nodes: usize) -> Result<PostCounts> {
        let windowed = f.since.is_some() || f.until.is_some();
        let window = (f.since.unwrap_or(i64::MIN), f.until.unwrap_or(i64::MAX));
        let all = if nodes > Self::SCAN_ABOVE {
            let mut m = HashMap::default();
            let sql = if windowed {
                "SELECT author_id, count(*) FROM posts WHERE author_id IS NOT NULL AND created_at >= ?1 AND created_at < ?2 GROUP BY author_id"
            } else {
                "SELECT author_id, count(*) FROM posts WHERE author_id IS NOT NULL GROUP BY author_id"
            };
            let mut st = conn.prepare(sql)?;
            let mut rows = if windowed {
                st.query(rusqlite::params![window.0, window.1])?
            } else {
                st.query([])?
            };
            while let Some(r) = rows.next()? {
                m.insert(r.get::<_, i64>(0)?, r.get::<_, i64>(1)?.max(0) as u64);
            }
            Some(m)
        } else {
            None
        };
        Ok(PostCounts {
            all,
            window,
            windowed,
        })
    }

    fn get(&self, conn: &Connection, id: i64) -> Result<u64> {
        if let Some(m) = &self.all {
            return Ok(m.get(&id).copied().unwrap_or(0));
        }
        let n: i64 = if self.windowed {
            conn.prepare_cached(
                "SELECT count(*) FROM posts WHERE author_id = ?1 AND created_at >= ?2 AND created_at < ?3",
            )?
            .query_row(rusqlite::params![id, self.window.0, self.window.1], |r| {
                r.get(0)
            })?
        } else {
            conn.prepare_cached("SELECT count(*) FROM posts WHERE author_id = ?1")?
                .query_row([id], |r| r.get(0))?
        };
        Ok(n.max(0) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn db() -> Connection {
        let c = Connection::open_in_memory().unwrap();
        c.execute_batch(
            "CREATE TABLE actors (id INTEGER PRIMARY KEY, ref TEXT, platform TEXT, native_id TEXT, handle TEXT, display_name TEXT);
             CREATE TABLE posts (id INTEGER PRIMARY KEY, author_id INTEGER, created_at INTEGER);
             CREATE TABLE interactions (post_id INTEGER, kind TEXT, src_actor INTEGER, dst_actor INTEGER, at INTEGER);
             INSERT INTO actors VALUES (1, 'x:1', 'x', '1', 'a', 'A'), (2, 'x:2', 'x', '2', 'b', NULL),
                                       (3, 'telegram:3', 'telegram', '3', NULL, 'C'), (4, 'x:4', 'x', '4', 'd', 'D');
             INSERT INTO posts VALUES (1, 1, 100), (2, 1, 300), (3, 2, 200), (4, 3, 50);
             INSERT INTO interactions VALUES
               (1, 'reply', 1, 2, 100), (2, 'reply', 1, 2, 300), (2, 'mention', 1, 2, 300),
               (3, 'quote', 2, 1, 200), (4, 'forward', 3, 3, 50), (5, 'repost', 4, 1, NULL),
               (6, 'something-new', 1, 4, 10);",
        )
        .unwrap();
        c
    }

    #[test]
    fn aggregates_per_pair_and_kind() {
        let c = db();
        let g = load(&c, &Filter::default(), true).unwrap();
        let refs: Vec<&str> = g.nodes.iter().map(|n| n.ref_.as_str()).collect();
        assert_eq!(refs, ["x:1", "x:2", "telegram:3", "x:4"]);
        let e: Vec<(usize, usize, &str, u64)> = g
            .edges
            .iter()
            .map(|e| (e.src, e.dst, e.kind.as_str(), e.weight))
            .collect();
        assert_eq!(
            e,
            [
                (0, 1, "reply", 2),
                (0, 1, "mention", 1),
                (1, 0, "quote", 1),
                (2, 2, "forward", 1),
                (3, 0, "repost", 1)
            ]
        );
        assert_eq!(g.edges[0].first, Some(100));
        assert_eq!(g.edges[0].last, Some(300));
        assert_eq!(g.edges[0].times, [100, 300]);
        assert_eq!(g.edges[4].first, None);
        assert_eq!(g.nodes[0].posts, 2);
        assert_eq!(g.nodes[1].label(), "@b");
        assert_eq!(g.nodes[2].label(), "C");
    }

    #[test]
    fn filters() {
        let c = db();
        let f = Filter {
            kinds: parse_kinds(&["reply", "Quote"]).unwrap(),
            ..Filter::default()
        };
        let g = load(&c, &f, false).unwrap();
        assert_eq!(g.edges.len(), 2);
        assert!(g.edges.iter().all(|e| e.times.is_empty()));

        let f = Filter {
            since: Some(150),
            until: Some(300),
            ..Filter::default()
        };
        let g = load(&c, &f, false).unwrap();
        assert_eq!(g.edges.len(), 1, "only the quote at 200");
        assert_eq!(g.nodes[0].posts, 0, "x:1 posted at 100 and 300, outside");
        assert_eq!(g.nodes[1].posts, 1);

        let f = Filter {
            min_weight: 2,
            ..Filter::default()
        };
        let g = load(&c, &f, false).unwrap();
        assert_eq!(g.edges.len(), 1);
        assert_eq!(g.nodes.len(), 2);

        let f = Filter {
            platforms: vec!["Telegram".into()],
            ..Filter::default()
        };
        let g = load(&c, &f, false).unwrap();
        assert_eq!(g.nodes.len(), 1);
        assert_eq!(g.edges[0].kind, InteractionKind::Forward);

        assert!(parse_kinds(&["like"]).is_err());
        // Both ways of counting posts agree.
        for f in [
            Filter::default(),
            Filter {
                since: Some(150),
                until: Some(300),
                ..Filter::default()
            },
        ] {
            let few = PostCounts::new(&c, &f, 1).unwrap();
            let many = PostCounts::new(&c, &f, PostCounts::SCAN_ABOVE + 1).unwrap();
            assert!(few.all.is_none() && many.all.is_some());
            for id in 1..=5 {
                assert_eq!(few.get(&c, id).unwrap(), many.get(&c, id).unwrap(), "{id}");
            }
        }
        assert_eq!(parse_kinds(&["retweet", "repost", ""]).unwrap().len(), 1);
    }
}
