//! The key-based networks: co-retweet, co-tweet, co-link, co-reply,
//! co-hashtag, and co-post (one key shared by every message).
//!
//! Two messages *match* when they share a key and the second's time lies in
//! `[t₁ − w, t₁ + w]`, computed in floating point as the toolkit's SQL does
//! (`e_2.timestamp BETWEEN e_1.timestamp - w AND e_1.timestamp + w`), and
//! they are different messages. The directed weight of `A → B` counts the
//! distinct messages of A with at least one match by B.
//!
//! The events (`(key, message)`, sorted by key, then time) are swept one key
//! at a time with two pointers bounding the window, so each message meets
//! only the messages of its key inside its window. For each message the
//! distinct other accounts in that window are found with a stamp array, and
//! each `(message, account)` pair is reported once to a [`Sink`]. A message
//! with several keys (several URLs or hashtags) could meet an account
//! through more than one key; for those messages a set removes repeats.

use super::load::{Corpus, Msg};
use rustc_hash::{FxHashMap, FxHashSet};

/// Receives each distinct match: message `msg` of account `user` has a
/// match by account `other` (equal to `user` for a self-loop).
pub trait Sink {
    /// One distinct `(msg, other)` pair.
    fn matched(&mut self, msg: u32, user: u32, other: u32);
}

/// The toolkit's directed window test: `t2 BETWEEN t1 - w AND t1 + w`.
#[inline]
pub fn within(t1: f64, t2: f64, w: f64) -> bool {
    t2 >= t1 - w && t2 <= t1 + w
}

/// Packs an ordered pair of `u32` into a `u64` map key.
#[inline]
pub fn pair(a: u32, b: u32) -> u64 {
    (u64::from(a) << 32) | u64::from(b)
}

/// The two halves of a [`pair`].
#[inline]
pub fn unpair(p: u64) -> (u32, u32) {
    ((p >> 32) as u32, p as u32)
}

/// Counts the weight of every directed account pair.
#[derive(Default)]
pub struct Counter {
    /// `pair(user, other)` → number of distinct messages of `user` matched
    /// by `other`.
    pub weights: FxHashMap<u64, u32>,
}

impl Sink for Counter {
    fn matched(&mut self, _msg: u32, user: u32, other: u32) {
        *self.weights.entry(pair(user, other)).or_insert(0) += 1;
    }
}

/// Marks, per account, the last message that saw it.
struct Stamps {
    seen: Vec<u32>,
    cur: u32,
}

impl Stamps {
    fn new(n: usize) -> Stamps {
        Stamps {
            seen: vec![0; n],
            cur: 0,
        }
    }
    fn next(&mut self) {
        self.cur = self.cur.wrapping_add(1);
        if self.cur == 0 {
            self.seen.fill(0);
            self.cur = 1;
        }
    }
    /// True the first time `u` is seen since [`Stamps::next`].
    fn first(&mut self, u: u32) -> bool {
        match self.seen.get_mut(u as usize) {
            Some(s) if *s != self.cur => {
                *s = self.cur;
                true
            }
            _ => false,
        }
    }
}

/// Sweeps one group: message indices in ascending order (so by time).
fn sweep(msgs: &[Msg], g: &[u32], w: f64, stamps: &mut Stamps, sink: &mut dyn Sink) {
    let t = |i: usize| msgs[g[i] as usize].t;
    let (mut lo, mut hi) = (0usize, 0usize);
    for a in 0..g.len() {
        let ta = t(a);
        let (low, high) = (ta - w, ta + w);
        while lo < a && t(lo) < low {
            lo += 1;
        }
        hi = hi.max(a);
        while hi + 1 < g.len() && t(hi + 1) <= high {
            hi += 1;
        }
        let ma = g[a];
        let ua = msgs[ma as usize].user;
        stamps.next();
        for &mb in &g[lo..=hi] {
            if mb == ma {
                continue;
            }
            let ub = msgs[mb as usize].user;
            if stamps.first(ub) {
                sink.matched(ma, ua, ub);
            }
        }
    }
}

/// Forwards only the first report of each `(msg, other)` for messages with
/// several keys.
struct Dedup<'a> {
    multi: &'a [bool],
    seen: FxHashSet<u64>,
    inner: &'a mut dyn Sink,
}

impl Sink for Dedup<'_> {
    fn matched(&mut self, msg: u32, user: u32, other: u32) {
        if self.multi.get(msg as usize).copied().unwrap_or(false)
            && !self.seen.insert(pair(msg, other))
        {
            return;
        }
        self.inner.matched(msg, user, other);
    }
}

/// All matches of a key network (the corpus's `events`).
pub fn match_keys(c: &Corpus, w: f64, sink: &mut dyn Sink) {
    let mut multi = vec![false; c.msgs.len()];
    let mut count = vec![0u8; c.msgs.len()];
    let mut any_multi = false;
    for &(_, m) in &c.events {
        let k = &mut count[m as usize];
        *k = k.saturating_add(1);
        if *k > 1 {
            multi[m as usize] = true;
            any_multi = true;
        }
    }
    drop(count);
    let mut dedup;
    let sink: &mut dyn Sink = if any_multi {
        dedup = Dedup {
            multi: &multi,
            seen: FxHashSet::default(),
            inner: sink,
        };
        &mut dedup
    } else {
        sink
    };
    let mut stamps = Stamps::new(c.users.len());
    let mut group: Vec<u32> = Vec::new();
    let mut i = 0;
    while i < c.events.len() {
        let key = c.events[i].0;
        group.clear();
        while i < c.events.len() && c.events[i].0 == key {
            group.push(c.events[i].1);
            i += 1;
        }
        if group.len() > 1 {
            sweep(&c.msgs, &group, w, &mut stamps, sink);
        }
    }
}

/// All matches when every message shares one key (co-post).
pub fn match_all(c: &Corpus, w: f64, sink: &mut dyn Sink) {
    let all: Vec<u32> = (0..c.msgs.len() as u32).collect();
    let mut stamps = Stamps::new(c.users.len());
    sweep(&c.msgs, &all, w, &mut stamps, sink);
}

/// Every match found by comparing all pairs of a group: the definition,
/// for tests.
#[cfg(test)]
pub fn brute_force(c: &Corpus, w: f64, all: bool) -> FxHashMap<u64, u32> {
    let mut seen: FxHashSet<(u32, u32)> = FxHashSet::default();
    let mut keys_of: Vec<Vec<u32>> = vec![Vec::new(); c.msgs.len()];
    for &(k, m) in &c.events {
        keys_of[m as usize].push(k);
    }
    for (a, ma) in c.msgs.iter().enumerate() {
        for (b, mb) in c.msgs.iter().enumerate() {
            let share = all || keys_of[a].iter().any(|k| keys_of[b].contains(k));
            if a != b && share && within(ma.t, mb.t, w) {
                seen.insert((a as u32, mb.user));
            }
        }
    }
    let mut out = FxHashMap::default();
    for (m, other) in seen {
        *out.entry(pair(c.msgs[m as usize].user, other)).or_insert(0) += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coordination::load::User;
    use proptest::prelude::*;

    fn corpus(msgs: &[(f64, u32, Vec<u32>)]) -> Corpus {
        let mut order: Vec<usize> = (0..msgs.len()).collect();
        order.sort_by(|&a, &b| msgs[a].0.total_cmp(&msgs[b].0));
        let mut c = Corpus::default();
        let n_users = msgs.iter().map(|m| m.1 + 1).max().unwrap_or(0);
        c.users = (0..n_users)
            .map(|u| User {
                id: u.to_string(),
                actor_ref: format!("x:{u}"),
                handle: None,
            })
            .collect();
        for (new, &old) in order.iter().enumerate() {
            let (t, u, keys) = &msgs[old];
            c.msgs.push(Msg {
                post_id: old as i64,
                created_at: *t as i64,
                t: *t,
                user: *u,
            });
            let mut ks = keys.clone();
            ks.sort_unstable();
            ks.dedup();
            for k in ks {
                c.events.push((k, new as u32));
            }
        }
        c.events.sort_unstable();
        c
    }

    fn run(c: &Corpus, w: f64, all: bool) -> FxHashMap<u64, u32> {
        let mut counter = Counter::default();
        if all {
            match_all(c, w, &mut counter);
        } else {
            match_keys(c, w, &mut counter);
        }
        counter.weights
    }

    /// The toolkit's own test input (`tests/data/coretweet_test_input.csv`
    /// at HEAD): retweet id and time per user, with its documented results.
    #[test]
    fn toolkit_coretweet_example() {
        let rows: &[(u32, u32, f64)] = &[
            (0, 0, 0.0),
            (1, 0, 59.0),
            (2, 1, 60.0),
            (3, 1, 70.0),
            (2, 2, 70.0),
            (3, 2, 131.0),
            (4, 3, 30.0),
            (5, 3, 89.0),
            (4, 4, 40.0),
            (5, 4, 41.0),
            (10, 5, 42.0),
            (10, 5, 52.0),
            (11, 6, 42.0),
            (12, 6, 300.0),
            (0, 0, 1.0),
        ];
        let c = corpus(
            &rows
                .iter()
                .map(|&(u, k, t)| (t, u, vec![k]))
                .collect::<Vec<_>>(),
        );
        let w = run(&c, 60.0, false);
        let get = |a: u32, b: u32| w.get(&pair(a, b)).copied().unwrap_or(0);
        // The MANIFEST's example: uid0 → uid1 = 2, uid1 → uid0 = 1.
        assert_eq!(get(0, 1), 2);
        assert_eq!(get(1, 0), 1);
        assert_eq!(get(0, 0), 2);
        assert_eq!(get(10, 10), 2);
        assert_eq!(get(11, 12), 0);
        // Window 1: uid4 and uid5 (40 and 41), and uid0 with itself.
        let w1 = run(&c, 1.0, false);
        let mut rows1: Vec<(u32, u32, u32)> = w1
            .iter()
            .map(|(&p, &n)| (unpair(p).0, unpair(p).1, n))
            .collect();
        rows1.sort_unstable();
        assert_eq!(rows1, vec![(0, 0, 2), (4, 5, 1), (5, 4, 1)]);
    }

    #[test]
    fn window_is_inclusive_and_float() {
        let c = corpus(&[(0.1, 0, vec![1]), (60.1, 1, vec![1])]);
        // 0.1 + 60 = 60.1 exactly in f64? The SQL test decides, not algebra.
        let w = run(&c, 60.0, false);
        assert_eq!(
            w.contains_key(&pair(0, 1)),
            within(0.1, 60.1, 60.0),
            "{w:?}"
        );
    }

    proptest! {
        #[test]
        fn sweep_equals_brute_force(
            msgs in proptest::collection::vec(
                ((0u32..200).prop_map(|t| f64::from(t) / 4.0), 0u32..6,
                 proptest::collection::vec(0u32..4, 0..3)),
                0..40),
            w in (0u32..40).prop_map(|w| f64::from(w) / 2.0),
            all in any::<bool>(),
        ) {
            let c = corpus(&msgs);
            prop_assert_eq!(run(&c, w, all), brute_force(&c, w, all));
        }
    }
}
