//! Communities: Leiden (modularity) on the undirected weighted projection.
//!
//! The directed multigraph is projected to an undirected simple graph: the
//! weight between `u` and `v` is the sum of the weights of every edge
//! `u → v` and `v → u`, over all kinds; self-loops are dropped. The
//! [`leiden-rs`](https://docs.rs/leiden-rs) crate then optimises modularity
//! with a fixed seed, so the same graph always gives the same partition.
//!
//! Communities are numbered by size, largest first (0, 1, …); ties go to the
//! community whose first node (by node index) comes first. A node with no
//! edge to another node is a community of its own.

use super::{GraphError, Result};
use leiden_rs::{GraphDataBuilder, Leiden, LeidenConfig, QualityType};
use std::collections::HashMap;

/// A partition of the nodes.
#[derive(Clone, Debug)]
pub struct Communities {
    /// Community number of each node.
    pub membership: Vec<u32>,
    /// Number of communities.
    pub count: usize,
    /// Newman–Girvan modularity of the partition on the projection.
    pub modularity: f64,
}

/// The undirected projection: `(u, v, weight)` with `u < v`, sorted.
pub fn project(n: usize, edges: &[(usize, usize, f64)]) -> Vec<(usize, usize, f64)> {
    let mut m: HashMap<(usize, usize), f64> = HashMap::new();
    for &(s, t, w) in edges {
        if s == t || s >= n || t >= n || !w.is_finite() || w <= 0.0 {
            continue;
        }
        *m.entry((s.min(t), s.max(t))).or_insert(0.0) += w;
    }
    let mut v: Vec<(usize, usize, f64)> = m.into_iter().map(|((a, b), w)| (a, b, w)).collect();
    v.sort_unstable_by_key(|e| (e.0, e.1));
    v
}

/// Detects communities of `n` nodes from directed weighted edges.
pub fn detect(
    n: usize,
    edges: &[(usize, usize, f64)],
    seed: u64,
    resolution: f64,
) -> Result<Communities> {
    if n == 0 {
        return Ok(Communities {
            membership: Vec::new(),
            count: 0,
            modularity: 0.0,
        });
    }
    let und = project(n, edges);
    let raw: Vec<usize> = if und.is_empty() {
        (0..n).collect()
    } else {
        let mut b = GraphDataBuilder::new(n);
        for &(u, v, w) in &und {
            b.add_edge(u, v, w)
                .map_err(|e| GraphError::Community(e.to_string()))?;
        }
        let data = b
            .build()
            .map_err(|e| GraphError::Community(e.to_string()))?;
        let cfg = LeidenConfig {
            seed: Some(seed),
            resolution: if resolution.is_finite() && resolution > 0.0 {
                resolution
            } else {
                1.0
            },
            quality: QualityType::Modularity,
            ..LeidenConfig::default()
        };
        let out = Leiden::new(cfg)
            .run(&data)
            .map_err(|e| GraphError::Community(e.to_string()))?;
        (0..n).map(|i| out.partition.community_of(i)).collect()
    };
    let membership = renumber(&raw);
    let count = membership
        .iter()
        .map(|&c| c as usize + 1)
        .max()
        .unwrap_or(0);
    let modularity = modularity(n, &und, &membership);
    Ok(Communities {
        membership,
        count,
        modularity,
    })
}

/// Renumbers labels: largest community 0, ties by first member.
fn renumber(raw: &[usize]) -> Vec<u32> {
    // label -> (size, first index)
    let mut info: HashMap<usize, (usize, usize)> = HashMap::new();
    for (i, &l) in raw.iter().enumerate() {
        let e = info.entry(l).or_insert((0, i));
        e.0 += 1;
    }
    let mut labels: Vec<(usize, usize, usize)> = info
        .into_iter()
        .map(|(l, (size, first))| (l, size, first))
        .collect();
    labels.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.2.cmp(&b.2)));
    let new: HashMap<usize, u32> = labels
        .iter()
        .enumerate()
        .map(|(i, (l, _, _))| (*l, i as u32))
        .collect();
    raw.iter().map(|l| new[l]).collect()
}

/// Modularity `Q = Σ_c [ L_c / m − (D_c / 2m)² ]` of a partition of an
/// undirected graph given as `(u, v, w)` pairs without self-loops, where `m`
/// is the total weight, `L_c` the weight inside community `c` and `D_c` the
/// total degree of its nodes. 0 for a graph without edges.
pub fn modularity(n: usize, und: &[(usize, usize, f64)], membership: &[u32]) -> f64 {
    let m: f64 = und.iter().map(|e| e.2).sum();
    if m <= 0.0 || membership.len() < n {
        return 0.0;
    }
    let k = membership
        .iter()
        .map(|&c| c as usize + 1)
        .max()
        .unwrap_or(0);
    let mut inside = vec![0.0f64; k];
    let mut degree = vec![0.0f64; k];
    for &(u, v, w) in und {
        let (cu, cv) = (membership[u] as usize, membership[v] as usize);
        degree[cu] += w;
        degree[cv] += w;
        if cu == cv {
            inside[cu] += w;
        }
    }
    (0..k)
        .map(|c| inside[c] / m - (degree[c] / (2.0 * m)).powi(2))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two 5-cliques joined by one edge.
    fn two_cliques() -> Vec<(usize, usize, f64)> {
        let mut e = Vec::new();
        for base in [0, 5] {
            for i in 0..5 {
                for j in 0..5 {
                    if i != j {
                        e.push((base + i, base + j, 1.0));
                    }
                }
            }
        }
        e.push((4, 5, 1.0));
        e
    }

    #[test]
    fn finds_two_cliques() {
        let c = detect(10, &two_cliques(), 42, 1.0).unwrap();
        assert_eq!(c.count, 2);
        assert_eq!(&c.membership[..5], &[0; 5]);
        assert_eq!(&c.membership[5..], &[1; 5]);
        // Hand computation: the projection has 2·10 pair weights of 2 (both
        // directions) plus the bridge of 1: m = 41; inside each community 20;
        // degrees 40 + 1 = 41 each. Q = 2·(20/41 − (41/82)²) = 40/41 − 0.5.
        assert!((c.modularity - (40.0 / 41.0 - 0.5)).abs() < 1e-12);
    }

    #[test]
    fn deterministic() {
        let e = crate::graph::pagerank::tests::random_graph(2000, 8000, 3);
        let a = detect(2000, &e, 42, 1.0).unwrap();
        let b = detect(2000, &e, 42, 1.0).unwrap();
        assert_eq!(a.membership, b.membership);
        assert!(a.modularity > 0.2, "{}", a.modularity);
    }

    #[test]
    fn isolated_and_loops() {
        // Node 2 has only a self-loop; node 3 nothing.
        let c = detect(4, &[(0, 1, 1.0), (2, 2, 5.0)], 1, 1.0).unwrap();
        assert_eq!(c.membership[0], c.membership[1]);
        assert_ne!(c.membership[2], c.membership[0]);
        assert_ne!(c.membership[3], c.membership[2]);
        assert_eq!(c.count, 3);
        let c = detect(3, &[], 1, 1.0).unwrap();
        assert_eq!(c.membership, [0, 1, 2]);
        assert_eq!(c.modularity, 0.0);
    }

    #[test]
    fn projection_merges_directions_and_kinds() {
        let p = project(3, &[(1, 0, 1.0), (0, 1, 2.0), (0, 1, 1.0), (2, 2, 1.0)]);
        assert_eq!(p, [(0, 1, 4.0)]);
    }

    /// `cargo test --release -p tarjuman-analysis communities_100k -- --ignored --nocapture`
    #[test]
    #[ignore]
    fn communities_100k() {
        let e = crate::graph::pagerank::tests::random_graph(100_000, 1_000_000, 11);
        let t = std::time::Instant::now();
        let c = detect(100_000, &e, 42, 1.0).unwrap();
        eprintln!(
            "Leiden 100k nodes / 1M edges (random): {:.2} s, {} communities, modularity {:.3}",
            t.elapsed().as_secs_f64(),
            c.count,
            c.modularity
        );
    }

    /// A heavy-tailed graph like a mention network: targets drawn with
    /// probability ∝ 1/rank (Zipf), sources uniform, plus 1000 planted groups.
    pub(crate) fn social_graph(n: usize, m: usize, seed: u64) -> Vec<(usize, usize, f64)> {
        let mut s = seed;
        let mut next = move || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s
        };
        let h: f64 = (1..=n).map(|k| 1.0 / k as f64).sum();
        (0..m)
            .map(|i| {
                let a = (next() % n as u64) as usize;
                let b = if i % 2 == 0 {
                    // Zipf target by inverse transform on the harmonic sum.
                    let u = (next() % 1_000_000) as f64 / 1_000_000.0 * h;
                    ((u.exp() * 0.5615) as usize).min(n - 1)
                } else {
                    // Same group of 100 as the source.
                    a / 100 * 100 + (next() % 100) as usize
                };
                (a, b.min(n - 1), 1.0)
            })
            .collect()
    }

    /// `cargo test --release -p tarjuman-analysis communities_social_100k -- --ignored --nocapture`
    #[test]
    #[ignore]
    fn communities_social_100k() {
        let e = social_graph(100_000, 1_000_000, 5);
        let t = std::time::Instant::now();
        let c = detect(100_000, &e, 42, 1.0).unwrap();
        eprintln!(
            "Leiden 100k nodes / 1M edges (heavy-tailed, planted groups): {:.2} s, {} communities, modularity {:.3}",
            t.elapsed().as_secs_f64(),
            c.count,
            c.modularity
        );
        let t = std::time::Instant::now();
        let r = crate::graph::pagerank::pagerank(100_000, &e, &Default::default());
        eprintln!(
            "PageRank same graph: {:.3} s, {} iterations",
            t.elapsed().as_secs_f64(),
            r.iterations
        );
    }
}
