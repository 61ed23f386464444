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
//! only the messages of its key inside its window. Then messages are taken
//! account by account: for each, the distinct other accounts in the windows
//! of its keys are found with a stamp array, and each `(message, account)`
//! pair is reported once to a [`Sink`]. [`EdgeBuilder`] turns that stream
//! into the edges of one source account at a time, in order, with one
//! counter per account: no map of all edges is ever held, which is what
//! keeps co-post on a million posts within memory.

use super::load::Corpus;
use rustc_hash::FxHashMap;

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

/// Compressed rows: the items of row `r` are `items[off[r]..off[r + 1]]`.
struct Csr {
    off: Vec<u32>,
    items: Vec<u32>,
}

impl Csr {
    /// Groups `0..n_items` by `row_of(item)`, items ascending within a row.
    fn build(n_rows: usize, n_items: usize, row_of: impl Fn(usize) -> u32) -> Csr {
        let mut off = vec![0u32; n_rows + 1];
        for i in 0..n_items {
            off[row_of(i) as usize + 1] += 1;
        }
        for r in 0..n_rows {
            off[r + 1] += off[r];
        }
        let mut fill = off.clone();
        let mut items = vec![0u32; n_items];
        for i in 0..n_items {
            let r = row_of(i) as usize;
            items[fill[r] as usize] = i as u32;
            fill[r] += 1;
        }
        Csr { off, items }
    }

    fn row(&self, r: usize) -> &[u32] {
        match (self.off.get(r), self.off.get(r + 1)) {
            (Some(&a), Some(&b)) => &self.items[a as usize..b as usize],
            _ => &[],
        }
    }
}

/// A key network's events, indexed for matching account by account: built
/// once, then shared by the threads that each take a range of accounts.
///
/// The events (`(key, message)`, sorted by key, then time) are swept one key
/// at a time with two pointers, which gives each event the range of events
/// of its key inside its window. Each event's message and account are copied
/// into flat arrays, so a window is read front to back.
pub struct KeyIndex {
    lo: Vec<u32>,
    hi: Vec<u32>,
    ev_msg: Vec<u32>,
    ev_user: Vec<u32>,
    /// Message → its events (`None` for co-post: event `i` is message `i`).
    by_msg: Option<Csr>,
    /// Account → its messages, in time order.
    by_user: Csr,
    n_users: usize,
}

impl KeyIndex {
    /// Indexes the corpus's events with window `w` (`all`: co-post, one
    /// key shared by every message).
    pub fn new(c: &Corpus, w: f64, all: bool) -> KeyIndex {
        let n = c.msgs.len();
        let ne = if all { n } else { c.events.len() };
        let ev_msg: Vec<u32> = if all {
            (0..n as u32).collect()
        } else {
            c.events.iter().map(|e| e.1).collect()
        };
        let ev_user: Vec<u32> = ev_msg.iter().map(|&m| c.msgs[m as usize].user).collect();
        let key_of = |e: usize| if all { 0 } else { c.events[e].0 };
        let t = |e: usize| c.msgs[ev_msg[e] as usize].t;
        let mut lo = vec![0u32; ne];
        let mut hi = vec![0u32; ne];
        let mut s = 0;
        while s < ne {
            let key = key_of(s);
            let mut end = s + 1;
            while end < ne && key_of(end) == key {
                end += 1;
            }
            let (mut l, mut h) = (s, s);
            for a in s..end {
                let ta = t(a);
                let (low, high) = (ta - w, ta + w);
                while l < a && t(l) < low {
                    l += 1;
                }
                h = h.max(a);
                while h + 1 < end && t(h + 1) <= high {
                    h += 1;
                }
                lo[a] = l as u32;
                hi[a] = h as u32;
            }
            s = end;
        }
        let by_msg = (!all).then(|| Csr::build(n, ne, |e| c.events[e].1));
        let by_user = Csr::build(c.users.len(), n, |m| c.msgs[m].user);
        KeyIndex {
            lo,
            hi,
            ev_msg,
            ev_user,
            by_msg,
            by_user,
            n_users: c.users.len(),
        }
    }

    /// How many messages the accounts `users` wrote (a measure of the work
    /// of matching them).
    pub fn messages_of(&self, users: std::ops::Range<usize>) -> usize {
        let off = &self.by_user.off;
        match (off.get(users.start), off.get(users.end)) {
            (Some(&a), Some(&b)) => (b - a) as usize,
            _ => 0,
        }
    }

    /// Every distinct `(message, other account)` match of the accounts in
    /// `users`, account by account in index order, each account's messages
    /// in time order. For each message, the accounts in the windows of all
    /// its keys are collected once each with a stamp array, so a message
    /// with several keys (URLs, hashtags) counts an account once.
    pub fn matches(&self, users: std::ops::Range<usize>, sink: &mut dyn Sink) {
        let mut stamps = Stamps::new(self.n_users);
        for u in users {
            for &m in self.by_user.row(u) {
                stamps.next();
                let own = [m];
                let evs: &[u32] = match &self.by_msg {
                    Some(b) => b.row(m as usize),
                    None => &own,
                };
                for &e in evs {
                    let (a, b) = (self.lo[e as usize] as usize, self.hi[e as usize] as usize);
                    for (&mb, &ub) in self.ev_msg[a..=b].iter().zip(&self.ev_user[a..=b]) {
                        if mb != m && stamps.first(ub) {
                            sink.matched(m, u as u32, ub);
                        }
                    }
                }
            }
        }
    }
}

/// All matches of a key network (the corpus's `events`), account by
/// account.
pub fn match_keys(c: &Corpus, w: f64, sink: &mut dyn Sink) {
    KeyIndex::new(c, w, false).matches(0..c.users.len(), sink);
}

/// All matches when every message shares one key (co-post), account by
/// account.
pub fn match_all(c: &Corpus, w: f64, sink: &mut dyn Sink) {
    KeyIndex::new(c, w, true).matches(0..c.users.len(), sink);
}

/// Turns matches reported account by account (each account's matches in
/// one run, accounts in any order) into directed edges: for each source
/// account, its targets in index order with their weights. Needs memory for
/// one count per account, not per edge.
pub struct EdgeBuilder<'a> {
    cur: Option<u32>,
    counts: Vec<u32>,
    touched: Vec<u32>,
    min_weight: u32,
    self_loops: bool,
    out: &'a mut dyn FnMut(u32, u32, u32),
}

impl<'a> EdgeBuilder<'a> {
    /// A builder for `n_users` accounts that passes `(source, target,
    /// weight)` of every edge with `weight ≥ min_weight` (and, unless
    /// `self_loops`, `source ≠ target`) to `out`.
    pub fn new(
        n_users: usize,
        min_weight: u32,
        self_loops: bool,
        out: &'a mut dyn FnMut(u32, u32, u32),
    ) -> EdgeBuilder<'a> {
        EdgeBuilder {
            cur: None,
            counts: vec![0; n_users],
            touched: Vec::new(),
            min_weight,
            self_loops,
            out,
        }
    }

    fn flush(&mut self) {
        let Some(a) = self.cur else { return };
        self.touched.sort_unstable();
        for &b in &self.touched {
            let w = std::mem::take(&mut self.counts[b as usize]);
            if w >= self.min_weight && (self.self_loops || a != b) {
                (self.out)(a, b, w);
            }
        }
        self.touched.clear();
    }

    /// Emits the last account's edges.
    pub fn finish(mut self) {
        self.flush();
        self.cur = None;
    }
}

impl Sink for EdgeBuilder<'_> {
    fn matched(&mut self, _msg: u32, user: u32, other: u32) {
        if self.cur != Some(user) {
            self.flush();
            self.cur = Some(user);
        }
        let Some(k) = self.counts.get_mut(other as usize) else {
            return;
        };
        if *k == 0 {
            self.touched.push(other);
        }
        *k += 1;
    }
}

/// Every match found by comparing all pairs of a group: the definition,
/// for tests.
#[cfg(test)]
pub fn brute_force(c: &Corpus, w: f64, all: bool) -> FxHashMap<u64, u32> {
    let mut seen: rustc_hash::FxHashSet<(u32, u32)> = Default::default();
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
    use crate::coordination::load::{Msg, User};
    use proptest::prelude::*;

    fn corpus(msgs: &[(f64, u32, Vec<u32>)]) -> Corpus {
        let mut order: Vec<usize> = (0..msgs.len()).collect();
        order.sort_by(|&a, &b| msgs[a].0.total_cmp(&msgs[b].0));
        let mut c = Corpus::default();
        let n_users = msgs.iter().map(|m| m.1 + 1).max().unwrap_or(0);
        c.users = (0..n_users)
            .map(|u| User::new(u.to_string(), i64::from(u)))
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
