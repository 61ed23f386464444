//! Co-similar: messages whose token sets have a Jaccard similarity of at
//! least `t`, within the window, found without comparing all pairs.
//!
//! # The similarity, as the toolkit computes it
//!
//! `J(x, y) = |x ∩ y| / |x ∪ y|` as a double, compared `>= t`; a document
//! with fewer than `min_tokens` tokens scores 0 against anything (the
//! toolkit CLI's `--min_document_size_similarity`, default 1). With `t ≤ 0`
//! every pair scores at least `t`, so every two non-reposts in the window
//! match; with `t > 1` none do.
//!
//! # Candidate generation: an exact prefix filter (AllPairs / PPJoin)
//!
//! Tokens are ranked by how many documents hold them (rarest first) and each
//! document's tokens are sorted by that rank. For a document `x`, let
//! `α(x)` be the least overlap `o` with `o / |x| ≥ t` (computed in the same
//! floating point, so no rounding can make it too large). If `J(x, y) ≥ t`
//! then `|x ∩ y| ≥ α(x)` and `≥ α(y)`, because `|x ∪ y| ≥ max(|x|, |y|)`
//! and division rounds monotonically. Two sets sharing `o` tokens share one
//! among their first `|x| − o + 1` and `|y| − o + 1` tokens in any common
//! order, so indexing only each document's *prefix* of `|x| − α(x) + 1`
//! tokens and probing with the same prefix finds every pair with `J ≥ t`.
//! A length filter drops candidates with `min(|x|,|y|) / max(|x|,|y|) < t`
//! (an upper bound of `J`, again in floating point). Every candidate is then
//! verified with the exact `J`. No pair is missed: recall is 1.0, which the
//! property test checks against [`brute_force`].
//!
//! # In time
//!
//! Documents arrive in time order. The index holds only the prefixes of
//! documents still inside the window of the newest one; a document leaves
//! (front of a FIFO, front of each of its posting lists) once neither
//! direction of the window test can hold for it any more. Memory is bounded
//! by the number of documents within one window.

use super::load::Corpus;
use super::networks::{Sink, match_all, pair, unpair, within};
use rustc_hash::FxHashMap;
use std::collections::VecDeque;

/// The co-similar parameters.
#[derive(Clone, Copy, Debug)]
pub struct SimParams {
    /// The Jaccard threshold `t`.
    pub threshold: f64,
    /// Documents with fewer tokens score 0.
    pub min_tokens: usize,
    /// The window, in seconds.
    pub window: f64,
}

/// The toolkit's similarity of two token sets (sorted, distinct).
pub fn similarity(a: &[u32], b: &[u32], min_tokens: usize) -> f64 {
    if a.len() < min_tokens || b.len() < min_tokens {
        return 0.0;
    }
    let o = overlap(a, b);
    let u = a.len() + b.len() - o;
    if u == 0 {
        // Two empty documents: the toolkit would divide by zero.
        return 0.0;
    }
    o as f64 / u as f64
}

/// The size of the intersection of two sorted, distinct slices.
fn overlap(a: &[u32], b: &[u32]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

/// The least overlap `o` in `1..=len` with `o / len ≥ t` (`0 < t ≤ 1`).
fn min_overlap(len: usize, t: f64) -> usize {
    let lf = len as f64;
    let mut o = ((t * lf).ceil() as usize).clamp(1, len);
    while o > 1 && (o - 1) as f64 / lf >= t {
        o -= 1;
    }
    while o < len && (o as f64 / lf) < t {
        o += 1;
    }
    o
}

/// Collects `(message, other account)` matches, then reports each distinct
/// one once, account by account (as [`super::networks::EdgeBuilder`]
/// needs).
#[derive(Default)]
struct Emit {
    pairs: Vec<u64>,
}

impl Emit {
    fn emit(&mut self, msg: u32, _user: u32, other: u32) {
        self.pairs.push(pair(msg, other));
    }

    fn replay(mut self, c: &Corpus, sink: &mut dyn Sink) {
        self.pairs.sort_unstable();
        self.pairs.dedup();
        let user = |p: u64| c.msgs[unpair(p).0 as usize].user;
        self.pairs.sort_by_key(|&p| user(p));
        for p in self.pairs {
            let (m, other) = unpair(p);
            sink.matched(m, user(p), other);
        }
    }
}

/// All co-similar matches among the corpus's messages (all non-reposts,
/// with their tokens).
pub fn match_similar(c: &Corpus, p: &SimParams, sink: &mut dyn Sink) {
    let t = p.threshold;
    if t.is_nan() || t > 1.0 {
        return;
    }
    if t <= 0.0 {
        match_all(c, p.window, sink);
        return;
    }
    let w = p.window;
    let min_len = p.min_tokens.max(1);
    // Documents that can reach t, in time order.
    let docs: Vec<u32> = (0..c.msgs.len() as u32)
        .filter(|&i| c.tokens(i as usize).len() >= min_len)
        .collect();
    if docs.len() < 2 {
        return;
    }
    // Rank tokens rarest first.
    let mut freq = vec![0u32; c.n_tokens as usize];
    for &d in &docs {
        for &tok in c.tokens(d as usize) {
            if let Some(f) = freq.get_mut(tok as usize) {
                *f += 1;
            }
        }
    }
    let mut by_rank: Vec<u32> = (0..c.n_tokens).collect();
    by_rank.sort_unstable_by_key(|&tok| (freq[tok as usize], tok));
    let mut rank = vec![0u32; c.n_tokens as usize];
    for (r, &tok) in by_rank.iter().enumerate() {
        rank[tok as usize] = r as u32;
    }
    drop(by_rank);
    drop(freq);
    // Each document's ranks, sorted; and its prefix length.
    let mut offs: Vec<usize> = Vec::with_capacity(docs.len() + 1);
    let mut data: Vec<u32> = Vec::new();
    let mut prefix: Vec<usize> = Vec::with_capacity(docs.len());
    offs.push(0);
    for &d in &docs {
        let start = data.len();
        data.extend(c.tokens(d as usize).iter().map(|&tok| rank[tok as usize]));
        data[start..].sort_unstable();
        let len = data.len() - start;
        prefix.push(len - min_overlap(len, t) + 1);
        offs.push(data.len());
    }
    let toks = |i: usize| &data[offs[i]..offs[i + 1]];

    let mut emit = Emit::default();
    let mut index: FxHashMap<u32, VecDeque<u32>> = FxHashMap::default();
    let mut queue: VecDeque<u32> = VecDeque::new();
    let mut stamp = vec![u32::MAX; docs.len()];
    for b in 0..docs.len() {
        let mb = docs[b];
        let msg_b = c.msgs[mb as usize];
        let tb = msg_b.t;
        // Evict what can no longer match, in either direction.
        while let Some(&a) = queue.front() {
            let ta = c.msgs[docs[a as usize] as usize].t;
            if !(ta < tb - w && tb > ta + w) {
                break;
            }
            for tok in &toks(a as usize)[..prefix[a as usize]] {
                if let Some(list) = index.get_mut(tok) {
                    list.pop_front();
                    if list.is_empty() {
                        index.remove(tok);
                    }
                }
            }
            queue.pop_front();
        }
        // Probe with b's prefix.
        let xb = toks(b);
        for tok in &xb[..prefix[b]] {
            let Some(list) = index.get(tok) else {
                continue;
            };
            for &a in list {
                let a = a as usize;
                if stamp[a] == b as u32 {
                    continue;
                }
                stamp[a] = b as u32;
                let xa = toks(a);
                let (lo, hi) = if xa.len() < xb.len() {
                    (xa.len(), xb.len())
                } else {
                    (xb.len(), xa.len())
                };
                if (lo as f64 / hi as f64) < t {
                    continue;
                }
                if similarity(xa, xb, 0) < t {
                    continue;
                }
                let msg_a = c.msgs[docs[a] as usize];
                if within(msg_a.t, tb, w) {
                    emit.emit(docs[a], msg_a.user, msg_b.user);
                }
                if within(tb, msg_a.t, w) {
                    emit.emit(mb, msg_b.user, msg_a.user);
                }
            }
        }
        for tok in &xb[..prefix[b]] {
            index.entry(*tok).or_default().push_back(b as u32);
        }
        queue.push_back(b as u32);
    }
    emit.replay(c, sink);
}

/// Every co-similar match by comparing all pairs in the window: the
/// definition, used to check [`match_similar`].
pub fn brute_force(c: &Corpus, p: &SimParams, sink: &mut dyn Sink) {
    let mut emit = Emit::default();
    let n = c.msgs.len();
    for i in 0..n {
        let mi = c.msgs[i];
        for j in i + 1..n {
            let mj = c.msgs[j];
            let ij = within(mi.t, mj.t, p.window);
            let ji = within(mj.t, mi.t, p.window);
            if !ij && !ji {
                if mj.t > mi.t + p.window && mi.t < mj.t - p.window {
                    break;
                }
                continue;
            }
            let s = similarity(c.tokens(i), c.tokens(j), p.min_tokens);
            if s < p.threshold {
                continue;
            }
            if ij {
                emit.emit(i as u32, mi.user, mj.user);
            }
            if ji {
                emit.emit(j as u32, mj.user, mi.user);
            }
        }
    }
    emit.replay(c, sink);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coordination::load::{Msg, User};
    use crate::coordination::networks::Counter;
    use proptest::prelude::*;

    fn corpus(docs: &[(f64, u32, Vec<u32>)]) -> Corpus {
        let mut order: Vec<usize> = (0..docs.len()).collect();
        order.sort_by(|&a, &b| docs[a].0.total_cmp(&docs[b].0));
        let mut c = Corpus::default();
        let n_users = docs.iter().map(|d| d.1 + 1).max().unwrap_or(0);
        c.users = (0..n_users)
            .map(|u| User::new(u.to_string(), i64::from(u)))
            .collect();
        c.token_offsets.push(0);
        for &old in &order {
            let (t, u, toks) = &docs[old];
            c.msgs.push(Msg {
                post_id: old as i64,
                created_at: 0,
                t: *t,
                user: *u,
            });
            let mut ts = toks.clone();
            ts.sort_unstable();
            ts.dedup();
            c.n_tokens = c.n_tokens.max(ts.last().map_or(0, |&x| x + 1));
            c.token_data.extend(ts);
            c.token_offsets.push(c.token_data.len() as u32);
        }
        c
    }

    fn fast(c: &Corpus, p: &SimParams) -> FxHashMap<u64, u32> {
        let mut k = Counter::default();
        match_similar(c, p, &mut k);
        k.weights
    }

    fn slow(c: &Corpus, p: &SimParams) -> FxHashMap<u64, u32> {
        let mut k = Counter::default();
        brute_force(c, p, &mut k);
        k.weights
    }

    /// `tests/test_similarity.py` of the toolkit.
    #[test]
    fn toolkit_similarity_tests() {
        // "hello world" vs "hello world" and vs "world hello".
        assert_eq!(similarity(&[1, 2], &[1, 2], 1), 1.0);
        assert_eq!(similarity(&[1, 2], &[1, 2], 0), 1.0);
        assert_eq!(similarity(&[1, 2], &[1, 3], 1), 1.0 / 3.0);
        assert_eq!(similarity(&[], &[1], 1), 0.0);
        assert_eq!(similarity(&[1], &[1], 2), 0.0);
    }

    #[test]
    fn min_overlap_is_least() {
        for len in 1..200 {
            for t in [0.01, 0.1, 0.3, 1.0 / 3.0, 0.5, 0.7, 0.8, 0.9, 0.95, 1.0] {
                let o = min_overlap(len, t);
                assert!(o as f64 / len as f64 >= t, "len {len} t {t}");
                assert!(
                    o == 1 || ((o - 1) as f64 / len as f64) < t,
                    "len {len} t {t}"
                );
            }
        }
    }

    #[test]
    fn finds_a_near_duplicate() {
        let c = corpus(&[
            (0.0, 0, (0..10).collect()),
            (5.0, 1, (0..9).chain([99]).collect()),
            (7.0, 2, (50..60).collect()),
        ]);
        let p = SimParams {
            threshold: 0.8,
            min_tokens: 1,
            window: 60.0,
        };
        let w = fast(&c, &p);
        // 9 shared of 11: 0.818.
        assert_eq!(w.get(&pair(0, 1)), Some(&1));
        assert_eq!(w.get(&pair(1, 0)), Some(&1));
        assert_eq!(w.len(), 2);
        assert_eq!(w, slow(&c, &p));
    }

    /// Recall against brute force on a larger random corpus with planted
    /// near-duplicates: the prefix filter is exact, so recall is 1.0.
    #[test]
    fn recall_is_one_on_a_planted_corpus() {
        let mut state = 0x9e3779b97f4a7c15u64;
        let mut rnd = move |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        };
        let mut docs = Vec::new();
        for i in 0..3000u32 {
            let t = rnd(20_000) as f64 / 10.0;
            let user = rnd(300) as u32;
            let toks: Vec<u32> = if i % 5 == 0 {
                // A variant of one of 20 templates: drop or swap a token.
                let base = rnd(20) as u32 * 1000;
                let mut v: Vec<u32> = (base..base + 12).collect();
                v.retain(|_| rnd(12) != 0);
                v.push(50_000 + rnd(3) as u32);
                v
            } else {
                (0..1 + rnd(25)).map(|_| rnd(5000) as u32).collect()
            };
            docs.push((t, user, toks));
        }
        let c = corpus(&docs);
        for threshold in [0.5, 0.7, 0.8, 0.9, 1.0] {
            let p = SimParams {
                threshold,
                min_tokens: 1,
                window: 60.0,
            };
            let (f, s) = (fast(&c, &p), slow(&c, &p));
            assert!(!s.is_empty(), "no planted pairs at t = {threshold}");
            assert_eq!(f, s, "threshold {threshold}");
        }
    }

    proptest! {
        #[test]
        fn prefix_filter_equals_brute_force(
            docs in proptest::collection::vec(
                ((0u32..400).prop_map(|t| f64::from(t) / 4.0), 0u32..8,
                 proptest::collection::vec(0u32..12, 0..8)),
                0..50),
            threshold in prop_oneof![
                Just(0.8), Just(0.5), Just(1.0), Just(0.0), Just(1.0 / 3.0),
                (1u32..100).prop_map(|x| f64::from(x) / 100.0),
            ],
            min_tokens in 0usize..4,
            window in (0u32..80).prop_map(|w| f64::from(w) / 2.0),
        ) {
            let c = corpus(&docs);
            let p = SimParams { threshold, min_tokens, window };
            prop_assert_eq!(fast(&c, &p), slow(&c, &p));
        }
    }
}
