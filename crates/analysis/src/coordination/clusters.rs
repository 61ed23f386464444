//! Clusters: groups of coordinated accounts, with their evidence.
//!
//! A cluster is a group of at least two accounts of the coordination graph
//! (the edges that passed `min_weight`; self-loops join no one):
//!
//! - by default a **community**: Leiden (modularity, resolution 1, fixed
//!   seed) on the undirected projection, where the weight between two
//!   accounts is the sum of both directions. A connected component can hold
//!   several coordinated groups joined by a few lighter edges (two networks
//!   that both retweeted some popular posts, or an ordinary account that
//!   happened to retweet with both); communities keep them apart, because a
//!   group whose members echo each other many times is much denser inside
//!   than towards the rest.
//! - with [`Grouping::Components`], a **connected component** of the graph
//!   taken as undirected.
//!
//! For each cluster:
//!
//! - **members**: node id, ref, handle, and how many coordinated actions
//!   each took;
//! - **actions**: the distinct messages of members that matched a message
//!   of another member of the same cluster joined to them by a kept edge,
//!   in either direction (a second pass of the matcher collects them);
//! - **time span**: the first and last of those messages (`created_at`);
//! - **shared content**: the keys most often behind those actions (the
//!   retweeted posts, URLs, texts, replied-to posts or hashtags) with counts;
//!   for co-similar and co-post, sample texts instead;
//! - **score**: `weight / members`, where `weight` is the sum of the
//!   directed edge weights inside the cluster: how many coordinated matches
//!   a member has with the others, on average. A large group whose members
//!   echo each other again and again scores high; a pair that met twice, or
//!   a chain of accounts that each met a neighbour a few times, scores low.
//!   (Density, `edges / (n (n − 1))`, is reported too, but it is not part
//!   of the score: it falls with size even in a tightly run network.)
//!   Clusters are listed by score.

use super::load::Corpus;
use super::networks::{Sink, pair};
use super::{CoordError, Coordination, Network};
use rusqlite::Connection;
use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;

/// A member of a cluster.
#[derive(Clone, Debug, Serialize)]
pub struct Member {
    /// The node id (native user id).
    pub id: String,
    /// The actor's ref.
    #[serde(rename = "ref")]
    pub actor_ref: String,
    /// The handle, when known.
    pub handle: Option<String>,
    /// The member's coordinated actions.
    pub actions: usize,
}

/// Content behind a cluster's actions.
#[derive(Clone, Debug, Serialize)]
pub struct Shared {
    /// What it is: `post` (a retweeted or replied-to post), `url`, `text`,
    /// `hashtag`.
    pub kind: &'static str,
    /// The post ref or id, URL, normalised text or hashtag.
    pub content: String,
    /// How many of the cluster's actions share it.
    pub count: usize,
}

/// A post that is one of a cluster's actions.
#[derive(Clone, Debug, Serialize)]
pub struct Sample {
    /// The post's ref.
    #[serde(rename = "ref")]
    pub post_ref: String,
    /// Its author's node id.
    pub author: String,
    /// Its text.
    pub text: String,
}

/// One group of coordinated accounts.
#[derive(Clone, Debug, Serialize)]
pub struct Cluster {
    /// 1 for the highest score, then 2, 3…
    pub cluster: usize,
    /// See the module docs.
    pub score: f64,
    /// Members, most actions first.
    pub members: Vec<Member>,
    /// Distinct coordinated messages.
    pub actions: usize,
    /// The first action (RFC 3339, UTC).
    pub first: Option<String>,
    /// The last action.
    pub last: Option<String>,
    /// Seconds from the first action to the last.
    pub span_seconds: i64,
    /// Directed edges inside the cluster.
    pub edges: usize,
    /// The sum of their weights.
    pub weight: u64,
    /// `edges / (n (n − 1))`.
    pub density: f64,
    /// The keys most shared by the actions (up to 5).
    pub shared: Vec<Shared>,
    /// Up to 3 example posts.
    pub samples: Vec<Sample>,
}

fn find(parent: &mut [u32], mut x: u32) -> u32 {
    while parent[x as usize] != x {
        let p = parent[x as usize];
        parent[x as usize] = parent[p as usize];
        x = p;
    }
    x
}

/// Marks the messages behind kept, non-loop edges.
struct Evidence<'a> {
    edges: &'a FxHashSet<u64>,
    action: Vec<bool>,
}

impl Sink for Evidence<'_> {
    fn matched(&mut self, msg: u32, user: u32, other: u32) {
        if user != other
            && (self.edges.contains(&pair(user, other)) || self.edges.contains(&pair(other, user)))
        {
            self.action[msg as usize] = true;
        }
    }
}

fn rfc3339(t: i64) -> Option<String> {
    chrono::DateTime::from_timestamp(t, 0).map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
}

fn shared_kind(n: Network) -> &'static str {
    match n {
        Network::CoRetweet | Network::CoReply => "post",
        Network::CoLink => "url",
        Network::CoHashtag => "hashtag",
        _ => "text",
    }
}

/// How accounts are grouped into clusters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Grouping {
    /// Communities of the coordination graph (Leiden, modularity, on the
    /// undirected projection weighted by the sum of both directions): dense
    /// groups stay apart even when a few lighter edges join them.
    #[default]
    Communities,
    /// Connected components: everything joined by any kept edge.
    Components,
}

impl Grouping {
    /// Parses `communities` or `components`.
    pub fn parse(s: &str) -> Option<Grouping> {
        match s.trim().to_ascii_lowercase().as_str() {
            "communities" | "community" | "leiden" => Some(Grouping::Communities),
            "components" | "component" => Some(Grouping::Components),
            _ => None,
        }
    }
}

/// The group of each account (`None` for accounts in no group), and the
/// members of each group.
type Groups = (Vec<Option<usize>>, Vec<Vec<u32>>);

/// The groups of two or more accounts.
fn groups(co: &Coordination, how: Grouping) -> Result<Groups, CoordError> {
    let n_users = co.corpus.users.len();
    let mut in_edge = vec![false; n_users];
    for e in co.edges.iter().filter(|e| e.source != e.target) {
        in_edge[e.source as usize] = true;
        in_edge[e.target as usize] = true;
    }
    // A label per account: its community, or its component's root.
    let label: Vec<u32> = match how {
        Grouping::Communities => {
            let edges: Vec<(usize, usize, f64)> = co
                .edges
                .iter()
                .map(|e| (e.source as usize, e.target as usize, f64::from(e.weight)))
                .collect();
            crate::graph::community::detect(n_users, &edges, 42, 1.0)
                .map_err(|e| CoordError::Invalid(format!("communities: {e}")))?
                .membership
        }
        Grouping::Components => {
            let mut parent: Vec<u32> = (0..n_users as u32).collect();
            for e in co.edges.iter().filter(|e| e.source != e.target) {
                let (a, b) = (find(&mut parent, e.source), find(&mut parent, e.target));
                if a != b {
                    parent[a as usize] = b;
                }
            }
            (0..n_users as u32).map(|u| find(&mut parent, u)).collect()
        }
    };
    let mut index: FxHashMap<u32, usize> = FxHashMap::default();
    let mut members: Vec<Vec<u32>> = Vec::new();
    for u in 0..n_users as u32 {
        if in_edge[u as usize] {
            let k = *index.entry(label[u as usize]).or_insert_with(|| {
                members.push(Vec::new());
                members.len() - 1
            });
            members[k].push(u);
        }
    }
    // Keep groups of two or more, renumbered.
    let mut group_of: Vec<Option<usize>> = vec![None; n_users];
    let kept: Vec<Vec<u32>> = members.into_iter().filter(|m| m.len() >= 2).collect();
    for (k, m) in kept.iter().enumerate() {
        for &u in m {
            group_of[u as usize] = Some(k);
        }
    }
    Ok((group_of, kept))
}

/// Groups the accounts of `co` into clusters (communities by default),
/// reading sample texts from the store.
pub fn clusters(
    conn: &Connection,
    co: &Coordination,
    how: Grouping,
) -> Result<Vec<Cluster>, CoordError> {
    let c: &Corpus = &co.corpus;
    let n_users = c.users.len();
    let (comp_of, members) = groups(co, how)?;
    // Kept edges inside a cluster.
    let mut kept: FxHashSet<u64> = FxHashSet::default();
    for e in co.edges.iter().filter(|e| e.source != e.target) {
        if comp_of[e.source as usize].is_some()
            && comp_of[e.source as usize] == comp_of[e.target as usize]
        {
            kept.insert(pair(e.source, e.target));
        }
    }
    let n_clusters = members.len();
    if n_clusters == 0 {
        return Ok(Vec::new());
    }

    // Evidence: which messages are coordinated actions.
    let mut ev = Evidence {
        edges: &kept,
        action: vec![false; c.msgs.len()],
    };
    super::run_matches(
        c,
        co.params.network,
        co.window,
        co.params.similarity,
        co.params.min_tokens,
        &mut ev,
    );
    let action = ev.action;

    let mut actions = vec![0usize; n_clusters];
    let mut user_actions = vec![0usize; n_users];
    let mut span: Vec<Option<(i64, i64)>> = vec![None; n_clusters];
    let mut first_msgs: Vec<Vec<u32>> = vec![Vec::new(); n_clusters];
    for (i, m) in c.msgs.iter().enumerate() {
        if !action[i] {
            continue;
        }
        let Some(k) = comp_of[m.user as usize] else {
            continue;
        };
        actions[k] += 1;
        user_actions[m.user as usize] += 1;
        span[k] = Some(match span[k] {
            None => (m.created_at, m.created_at),
            Some((a, b)) => (a.min(m.created_at), b.max(m.created_at)),
        });
        if first_msgs[k].len() < 3 {
            first_msgs[k].push(i as u32);
        }
    }
    // Shared keys.
    let mut key_counts: FxHashMap<(usize, u32), usize> = FxHashMap::default();
    let mut key_first: FxHashMap<(usize, u32), u32> = FxHashMap::default();
    for &(key, m) in &c.events {
        if !action[m as usize] {
            continue;
        }
        if let Some(k) = comp_of[c.msgs[m as usize].user as usize] {
            *key_counts.entry((k, key)).or_insert(0) += 1;
            key_first.entry((k, key)).or_insert(m);
        }
    }
    let mut shared: Vec<Vec<(usize, u32)>> = vec![Vec::new(); n_clusters];
    for (&(k, key), &n) in &key_counts {
        shared[k].push((n, key));
    }
    // Edge totals, inside each cluster.
    let mut edges = vec![0usize; n_clusters];
    let mut weight = vec![0u64; n_clusters];
    for e in co.edges.iter().filter(|e| e.source != e.target) {
        if let Some(k) = comp_of[e.source as usize]
            && comp_of[e.target as usize] == Some(k)
        {
            edges[k] += 1;
            weight[k] += u64::from(e.weight);
        }
    }

    let mut post_stmt = conn.prepare("SELECT ref, text FROM posts WHERE id = ?1")?;
    let mut out = Vec::with_capacity(n_clusters);
    for k in 0..n_clusters {
        let n = members[k].len();
        let density = edges[k] as f64 / (n as f64 * (n as f64 - 1.0));
        let score = weight[k] as f64 / n as f64;
        let mut ms: Vec<Member> = members[k]
            .iter()
            .map(|&u| Member {
                id: co.node_id(u).to_string(),
                actor_ref: c.users[u as usize].actor_ref.clone(),
                handle: c.users[u as usize].handle.clone(),
                actions: user_actions[u as usize],
            })
            .collect();
        ms.sort_by(|a, b| b.actions.cmp(&a.actions).then_with(|| a.id.cmp(&b.id)));
        let mut sh = std::mem::take(&mut shared[k]);
        sh.sort_by(|a, b| {
            b.0.cmp(&a.0)
                .then_with(|| c.key_names[a.1 as usize].cmp(&c.key_names[b.1 as usize]))
        });
        sh.truncate(5);
        // Samples: the first action behind each top key, else the earliest.
        let mut sample_msgs: Vec<u32> = Vec::new();
        for &(_, key) in &sh {
            if let Some(&m) = key_first.get(&(k, key))
                && !sample_msgs.contains(&m)
                && sample_msgs.len() < 3
            {
                sample_msgs.push(m);
            }
        }
        if sample_msgs.is_empty() {
            sample_msgs = first_msgs[k].clone();
        }
        let mut samples = Vec::new();
        for m in sample_msgs {
            let msg = c.msgs[m as usize];
            let row: Option<(String, String)> = post_stmt
                .query_row([msg.post_id], |r| Ok((r.get(0)?, r.get(1)?)))
                .ok();
            if let Some((post_ref, text)) = row {
                samples.push(Sample {
                    post_ref,
                    author: co.node_id(msg.user).to_string(),
                    text,
                });
            }
        }
        let (first, last) = span[k].unwrap_or((0, 0));
        out.push(Cluster {
            cluster: 0,
            score,
            members: ms,
            actions: actions[k],
            first: span[k].and_then(|_| rfc3339(first)),
            last: span[k].and_then(|_| rfc3339(last)),
            span_seconds: last - first,
            edges: edges[k],
            weight: weight[k],
            density,
            shared: sh
                .into_iter()
                .map(|(count, key)| Shared {
                    kind: shared_kind(co.params.network),
                    content: c.key_names[key as usize].clone(),
                    count,
                })
                .collect(),
            samples,
        });
    }
    out.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| b.members.len().cmp(&a.members.len()))
            .then_with(|| a.members[0].id.cmp(&b.members[0].id))
    });
    for (i, cl) in out.iter_mut().enumerate() {
        cl.cluster = i + 1;
    }
    Ok(out)
}

/// The cluster number of each account (`0` when in none), for exports.
pub fn membership(co: &Coordination, clusters: &[Cluster]) -> Vec<usize> {
    let mut by_id: FxHashMap<&str, usize> = FxHashMap::default();
    for cl in clusters {
        for m in &cl.members {
            by_id.insert(m.id.as_str(), cl.cluster);
        }
    }
    co.node_ids
        .iter()
        .map(|id| by_id.get(id.as_str()).copied().unwrap_or(0))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coordination::load::User;
    use crate::coordination::{Edge, Params};

    /// Two groups of five that echo each other (weight 5 both ways), one
    /// light edge between them, and a lone pair.
    fn two_groups() -> Coordination {
        let mut edges = Vec::new();
        for group in [0u32..5, 5..10] {
            for a in group.clone() {
                for b in group.clone() {
                    if a != b {
                        edges.push(Edge {
                            source: a,
                            target: b,
                            weight: 5,
                        });
                    }
                }
            }
        }
        edges.push(Edge {
            source: 4,
            target: 5,
            weight: 2,
        });
        edges.push(Edge {
            source: 5,
            target: 4,
            weight: 2,
        });
        edges.push(Edge {
            source: 10,
            target: 11,
            weight: 2,
        });
        edges.sort_by_key(|e| (e.source, e.target));
        let corpus = Corpus {
            users: (0..13).map(|u| User::new(u.to_string(), u)).collect(),
            ..Corpus::default()
        };
        Coordination {
            params: Params::default(),
            window: 60.0,
            auto: None,
            node_ids: corpus.users.iter().map(|u| u.id.clone()).collect(),
            corpus,
            edges,
            load_seconds: 0.0,
            match_seconds: 0.0,
            catch_up: None,
        }
    }

    fn sorted(g: Groups) -> Vec<Vec<u32>> {
        let mut v = g.1;
        v.sort();
        v
    }

    #[test]
    fn communities_keep_dense_groups_apart() {
        let co = two_groups();
        assert_eq!(
            sorted(groups(&co, Grouping::Communities).unwrap()),
            vec![vec![0, 1, 2, 3, 4], vec![5, 6, 7, 8, 9], vec![10, 11]]
        );
        // Components join the two groups through the light edge; account
        // 12 is in no edge and in no group.
        let (of, members) = groups(&co, Grouping::Components).unwrap();
        assert_eq!(
            sorted((of.clone(), members)),
            vec![(0..10).collect::<Vec<u32>>(), vec![10, 11]]
        );
        assert_eq!(of[12], None);
    }

    #[test]
    fn groupings_parse() {
        assert_eq!(Grouping::parse("Leiden"), Some(Grouping::Communities));
        assert_eq!(Grouping::parse("components"), Some(Grouping::Components));
        assert_eq!(Grouping::parse("cliques"), None);
        assert_eq!(Grouping::default(), Grouping::Communities);
    }
}
