//! Weighted PageRank over an edge list.
//!
//! Power iteration, O(E) per iteration (petgraph's `page_rank` is O(V²) and
//! must not be used). With damping `d`, `n` nodes, out-weight `W(u)` (the sum
//! of the weights of `u`'s out-edges) and dangling nodes `D` (no out-edges):
//!
//! ```text
//! x'(v) = (1 - d) / n  +  d · Σ_{u ∈ D} x(u) / n  +  d · Σ_{u → v} x(u) · w(u, v) / W(u)
//! ```
//!
//! Starting from the uniform vector, it stops when the L1 norm of the change
//! between two iterations is below `tolerance` (1e-9: stricter than
//! networkx, which stops at `n · tol`) or after `max_iterations` (100). The
//! error left is then about `tolerance · d / (1 − d)` in L1 norm. Parallel
//! edges add up. The scores sum to 1.

/// PageRank parameters.
#[derive(Clone, Debug)]
pub struct PageRankConfig {
    /// Probability of following an edge (0.85).
    pub damping: f64,
    /// Stop when the L1 norm of the change between iterations is below this (1e-9).
    pub tolerance: f64,
    /// Stop after this many iterations at most (100).
    pub max_iterations: usize,
}

impl Default for PageRankConfig {
    fn default() -> Self {
        PageRankConfig {
            damping: 0.85,
            tolerance: 1e-9,
            max_iterations: 100,
        }
    }
}

/// PageRank scores and how the iteration went.
#[derive(Clone, Debug)]
pub struct PageRankResult {
    /// One score per node; they sum to 1 (empty for an empty graph).
    pub scores: Vec<f64>,
    /// Iterations run.
    pub iterations: usize,
    /// Whether the tolerance was reached.
    pub converged: bool,
    /// The L1 change in the last iteration.
    pub last_change: f64,
}

/// Computes PageRank of `n` nodes over directed weighted `edges`
/// `(source, target, weight)`. Edges with an endpoint `>= n` or a weight that
/// is not a positive finite number are ignored.
pub fn pagerank(n: usize, edges: &[(usize, usize, f64)], cfg: &PageRankConfig) -> PageRankResult {
    if n == 0 {
        return PageRankResult {
            scores: Vec::new(),
            iterations: 0,
            converged: true,
            last_change: 0.0,
        };
    }
    let d = if cfg.damping.is_finite() {
        cfg.damping.clamp(0.0, 1.0)
    } else {
        0.85
    };
    let valid = |&&(s, t, w): &&(usize, usize, f64)| s < n && t < n && w.is_finite() && w > 0.0;
    let mut out_w = vec![0.0f64; n];
    for &(s, _, w) in edges.iter().filter(valid) {
        out_w[s] += w;
    }
    // Edge list with the transition probability precomputed: (src, dst, p).
    let trans: Vec<(usize, usize, f64)> = edges
        .iter()
        .filter(valid)
        .map(|&(s, t, w)| (s, t, w / out_w[s]))
        .collect();
    let dangling: Vec<usize> = (0..n).filter(|&i| out_w[i] == 0.0).collect();
    let nf = n as f64;
    let mut x = vec![1.0 / nf; n];
    let mut next = vec![0.0f64; n];
    let mut iterations = 0;
    let mut converged = false;
    let mut change = f64::INFINITY;
    while iterations < cfg.max_iterations {
        iterations += 1;
        let dangling_mass: f64 = dangling.iter().map(|&i| x[i]).sum();
        let base = (1.0 - d) / nf + d * dangling_mass / nf;
        next.iter_mut().for_each(|v| *v = base);
        for &(s, t, p) in &trans {
            next[t] += d * x[s] * p;
        }
        change = next.iter().zip(&x).map(|(a, b)| (a - b).abs()).sum();
        std::mem::swap(&mut x, &mut next);
        if change < cfg.tolerance {
            converged = true;
            break;
        }
    }
    // Guard against drift: renormalise so the scores sum to exactly 1.
    let sum: f64 = x.iter().sum();
    if sum > 0.0 && sum.is_finite() {
        x.iter_mut().for_each(|v| *v /= sum);
    }
    PageRankResult {
        scores: x,
        iterations,
        converged,
        last_change: change,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn close(a: &[f64], b: &[f64]) {
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(b) {
            assert!((x - y).abs() < 1e-6, "{a:?} != {b:?}");
        }
    }

    /// A→B, A→C, B→C, C→A, all weight 1, d = 0.85, n = 3, no dangling node:
    ///   xB = 0.05 + 0.425·xA
    ///   xC = 0.05 + 0.425·xA + 0.85·xB = 0.0925 + 0.78625·xA
    ///   xA = 0.05 + 0.85·xC          = 0.128625 + 0.6683125·xA
    ///   ⇒ xA = 0.128625 / 0.3316875 = 0.3877897…, xB = 0.2148106…, xC = 0.3973997…
    #[test]
    fn hand_computed_cycle() {
        let xa = 0.128625 / 0.3316875;
        let xb = 0.05 + 0.425 * xa;
        let xc = 0.0925 + 0.78625 * xa;
        let r = pagerank(
            3,
            &[(0, 1, 1.0), (0, 2, 1.0), (1, 2, 1.0), (2, 0, 1.0)],
            &PageRankConfig::default(),
        );
        assert!(r.converged);
        close(&r.scores, &[xa, xb, xc]);
        close(&[xa, xb, xc], &[0.3877897, 0.2148106, 0.3973997]);
    }

    /// A→B (weight 3), A→C (weight 1), B→A, C→A:
    ///   xB = 0.05 + 0.85·¾·xA, xC = 0.05 + 0.85·¼·xA, xA = 0.05 + 0.85·(xB + xC) = 0.05 + 0.85·(1 − xA)
    ///   ⇒ xA = 0.9 / 1.85 = 0.4864865, xB = 0.3601351, xC = 0.1533784
    #[test]
    fn hand_computed_weighted() {
        let xa = 0.9 / 1.85;
        let r = pagerank(
            3,
            &[(0, 1, 3.0), (0, 2, 1.0), (1, 0, 1.0), (2, 0, 1.0)],
            &PageRankConfig::default(),
        );
        close(&r.scores, &[xa, 0.05 + 0.6375 * xa, 0.05 + 0.2125 * xa]);
        // Parallel edges add up: 2 + 1 is the same as 3.
        let r2 = pagerank(
            3,
            &[
                (0, 1, 2.0),
                (0, 1, 1.0),
                (0, 2, 1.0),
                (1, 0, 1.0),
                (2, 0, 1.0),
            ],
            &PageRankConfig::default(),
        );
        close(&r.scores, &r2.scores);
    }

    /// A→B only; B is dangling, its mass is spread over both nodes:
    ///   xA = 0.075 + 0.85·xB/2, xB = 1 − xA ⇒ xA = 0.5 / 1.425 = 0.3508772
    #[test]
    fn dangling_mass_redistributed() {
        let r = pagerank(2, &[(0, 1, 1.0)], &PageRankConfig::default());
        close(&r.scores, &[0.5 / 1.425, 1.0 - 0.5 / 1.425]);
        let sum: f64 = r.scores.iter().sum();
        assert!((sum - 1.0).abs() < 1e-12);
    }

    #[test]
    fn degenerate_inputs() {
        assert!(
            pagerank(0, &[], &PageRankConfig::default())
                .scores
                .is_empty()
        );
        // No edges: uniform.
        close(
            &pagerank(4, &[], &PageRankConfig::default()).scores,
            &[0.25; 4],
        );
        // Out-of-range nodes and bad weights are ignored.
        let r = pagerank(
            2,
            &[(0, 5, 1.0), (0, 1, f64::NAN), (1, 0, -1.0)],
            &PageRankConfig::default(),
        );
        close(&r.scores, &[0.5, 0.5]);
    }

    /// A deterministic pseudo-random graph: n nodes, m edges.
    pub(crate) fn random_graph(n: usize, m: usize, seed: u64) -> Vec<(usize, usize, f64)> {
        let mut s = seed;
        let mut next = || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s
        };
        (0..m)
            .map(|_| {
                let a = (next() % n as u64) as usize;
                let b = (next() % n as u64) as usize;
                (a, b, 1.0 + (next() % 3) as f64)
            })
            .collect()
    }

    #[test]
    fn sums_to_one_on_a_random_graph() {
        let e = random_graph(500, 3000, 7);
        let r = pagerank(500, &e, &PageRankConfig::default());
        assert!(r.converged, "{} iterations", r.iterations);
        let sum: f64 = r.scores.iter().sum();
        assert!((sum - 1.0).abs() < 1e-9);
    }

    /// `cargo test --release -p tarjuman-analysis pagerank_100k -- --ignored --nocapture`
    #[test]
    #[ignore]
    fn pagerank_100k() {
        let e = random_graph(100_000, 1_000_000, 11);
        let t = std::time::Instant::now();
        let r = pagerank(100_000, &e, &PageRankConfig::default());
        eprintln!(
            "PageRank 100k nodes / 1M edges: {:.3} s, {} iterations, converged {}",
            t.elapsed().as_secs_f64(),
            r.iterations,
            r.converged
        );
    }
}
