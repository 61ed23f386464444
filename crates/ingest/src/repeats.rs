//! Drops records that repeat, within one file, a record of the same post
//! or profile already sent to the store, so they cost neither compression
//! nor SQL.
//!
//! Archives repeat posts a lot: a twarc2 page's `includes.tweets` holds the
//! tweets its `data` replies to, quotes or retweets, and these are often
//! primary tweets of other pages. A 1M-tweet search export has about 2.85M
//! post records for 1M posts. A repeat is dropped only when writing it could
//! change nothing: the whole decoded record (raw bytes aside) is identical to
//! the earlier one, it does not turn an embedded post into a primary one, and
//! no new scope began in between (a primary post's sighting carries the
//! scope). Anything else, such as new metrics, a new author name or another
//! text, goes to the store as before. A profile record (such as twarc2's
//! `includes.users`, repeated on every page) is dropped when everything the
//! store keeps of it is unchanged.
//!
//! Records are compared by a 128-bit XXH3 digest with a per-process random
//! seed, so a file cannot be crafted to collide; memory is bounded by
//! forgetting everything past [`MAX_REMEMBERED`] posts (only speed is lost).

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, Hasher, RandomState};

use tarjuman_model::{ActorRecord, PostRecord, Record};
use xxhash_rust::xxh3::xxh3_128_with_seed;

/// Posts remembered per file before the table is cleared (about 90 MB).
pub const MAX_REMEMBERED: usize = 2_000_000;

/// What was sent for one post.
#[derive(Clone, Copy)]
struct Sent {
    digest: u128,
    scope_gen: u32,
    embedded: bool,
}

/// Passes the (already uniformly random) digest through as the table hash.
#[derive(Clone, Copy, Default)]
struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u128(&mut self, v: u128) {
        self.0 = v as u64;
    }
}

#[derive(Clone, Copy, Default)]
struct PassThroughState;

impl BuildHasher for PassThroughState {
    type Hasher = PassThrough;
    fn build_hasher(&self) -> PassThrough {
        PassThrough::default()
    }
}

/// Gathers the bytes a record's `Hash` impls write, to digest them in one
/// call: cheaper than feeding a streaming hasher many small pieces.
#[derive(Default)]
struct Bytes(Vec<u8>);

impl Hasher for Bytes {
    fn finish(&self) -> u64 {
        // Never used: the digest is taken with `Repeats::digest128`.
        0
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0.extend_from_slice(bytes);
    }
}

/// Hashes what the store keeps of an actor: everything but `seen_at`, which
/// changes from page to page of one file while the actor stays the same.
fn hash_actor(a: &ActorRecord, h: &mut Bytes) {
    let ActorRecord {
        ref_,
        handle,
        display_name,
        location,
        description,
        followers,
        seen_at: _,
    } = a;
    ref_.hash(h);
    handle.hash(h);
    display_name.hash(h);
    location.hash(h);
    description.hash(h);
    followers.hash(h);
}

/// The per-file filter.
pub struct Repeats {
    seed: u64,
    hasher: Bytes,
    sent: HashMap<u128, Sent, PassThroughState>,
    scope_gen: u32,
    scope_key: Option<String>,
}

impl Default for Repeats {
    fn default() -> Self {
        Repeats::new()
    }
}

impl Repeats {
    /// A filter with a fresh random seed.
    pub fn new() -> Repeats {
        let seed = RandomState::new().hash_one(0x7461_726a_756d_616eu64);
        Repeats {
            seed,
            hasher: Bytes::default(),
            sent: HashMap::default(),
            scope_gen: 0,
            scope_key: None,
        }
    }

    /// The digest of the bytes gathered since the last one.
    fn digest128(&mut self) -> u128 {
        let d = xxh3_128_with_seed(&self.hasher.0, self.seed);
        self.hasher.0.clear();
        // A huge record must not keep its buffer for the rest of the file.
        if self.hasher.0.capacity() > 1 << 20 {
            self.hasher.0 = Vec::new();
        }
        d
    }

    fn digest(&mut self, p: &PostRecord) -> (u128, u128) {
        1u8.hash(&mut self.hasher);
        p.ref_.hash(&mut self.hasher);
        let key = self.digest128();
        // Everything the store reads of a post record, except the raw bytes
        // (a repeat never adds a version, so its raw bytes are never stored)
        // and the embedded flag (compared separately).
        let PostRecord {
            platform,
            ref_,
            native_id,
            author,
            created_at,
            text,
            lang,
            reply_to,
            quote_of,
            repost_of,
            forwarded_from,
            mentions,
            hashtags,
            urls,
            media,
            metrics,
            edited_at,
            embedded: _,
            partial,
            raw: _,
        } = p;
        let h = &mut self.hasher;
        platform.hash(h);
        ref_.hash(h);
        native_id.hash(h);
        hash_actor(author, h);
        created_at.hash(h);
        text.hash(h);
        lang.hash(h);
        reply_to.hash(h);
        quote_of.hash(h);
        repost_of.hash(h);
        if let Some(f) = forwarded_from {
            hash_actor(f, h);
        }
        mentions.len().hash(h);
        for m in mentions {
            hash_actor(m, h);
        }
        hashtags.hash(h);
        urls.hash(h);
        media.hash(h);
        metrics.hash(h);
        edited_at.hash(h);
        partial.hash(h);
        (key, self.digest128())
    }

    /// Whether `r` can be dropped; remembers it otherwise.
    pub fn is_repeat(&mut self, r: &Record) -> bool {
        let p = match r {
            Record::Post(p) => p,
            Record::Actor(a) => {
                // A profile seen again unchanged (twarc2 pages repeat their
                // `includes.users`): the store would find nothing to update.
                0u8.hash(&mut self.hasher);
                a.ref_.hash(&mut self.hasher);
                let key = self.digest128();
                hash_actor(a, &mut self.hasher);
                let digest = self.digest128();
                let now = Sent {
                    digest,
                    scope_gen: 0,
                    embedded: false,
                };
                if self.sent.get(&key).is_some_and(|was| was.digest == digest) {
                    return true;
                }
                self.remember(key, now);
                return false;
            }
            Record::Scope(s) => {
                if self.scope_key.as_deref() != Some(s.key.as_str()) {
                    self.scope_gen = self.scope_gen.wrapping_add(1);
                    self.scope_key = Some(s.key.clone());
                }
                return false;
            }
            _ => return false,
        };
        let (key, digest) = self.digest(p);
        let now = Sent {
            digest,
            scope_gen: self.scope_gen,
            embedded: p.embedded,
        };
        if let Some(was) = self.sent.get(&key)
            && was.digest == digest
            && (p.embedded || (!was.embedded && was.scope_gen == self.scope_gen))
        {
            return true;
        }
        self.remember(key, now);
        false
    }

    fn remember(&mut self, key: u128, sent: Sent) {
        if self.sent.len() >= MAX_REMEMBERED {
            self.sent.clear();
        }
        self.sent.insert(key, sent);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tarjuman_model::{ActorRecord, Platform, Scope};

    fn post(id: &str, text: &str, embedded: bool) -> Record {
        let mut p = PostRecord::new(
            Platform::X,
            format!("x:{id}"),
            id.into(),
            ActorRecord::bare("x:1"),
        );
        p.text = text.into();
        p.embedded = embedded;
        p.raw = format!("{{\"id\":\"{id}\",\"embedded\":{embedded}}}").into_bytes();
        Record::Post(Box::new(p))
    }

    #[test]
    fn only_changeless_repeats_are_dropped() {
        let mut r = Repeats::new();
        assert!(!r.is_repeat(&post("1", "a", true)));
        // Embedded again: nothing new.
        assert!(r.is_repeat(&post("1", "a", true)));
        // The primary record upgrades it: kept, then its repeats drop.
        assert!(!r.is_repeat(&post("1", "a", false)));
        assert!(r.is_repeat(&post("1", "a", false)));
        assert!(r.is_repeat(&post("1", "a", true)));
        // Another text is a new version: kept.
        assert!(!r.is_repeat(&post("1", "b", false)));
        // Another post is never a repeat.
        assert!(!r.is_repeat(&post("2", "b", false)));
        // A new scope: the primary record's sighting may change, so kept.
        let scope = |k: &str| {
            Record::Scope(Scope {
                key: k.into(),
                label: k.into(),
                start: None,
                end: None,
            })
        };
        assert!(!r.is_repeat(&scope("s1")));
        assert!(!r.is_repeat(&post("2", "b", false)));
        assert!(r.is_repeat(&post("2", "b", true)));
        // The same scope again (a next page of one search) changes nothing.
        assert!(!r.is_repeat(&scope("s1")));
        assert!(r.is_repeat(&post("2", "b", false)));
    }

    #[test]
    fn new_metrics_or_names_are_kept() {
        let mut r = Repeats::new();
        let Record::Post(mut p) = post("1", "a", false) else {
            unreachable!()
        };
        assert!(!r.is_repeat(&Record::Post(p.clone())));
        p.metrics.likes = Some(3);
        assert!(!r.is_repeat(&Record::Post(p.clone())));
        p.author.display_name = Some("new name".into());
        assert!(!r.is_repeat(&Record::Post(p.clone())));
        assert!(r.is_repeat(&Record::Post(p)));
    }

    #[test]
    fn unchanged_profiles_are_dropped() {
        let mut r = Repeats::new();
        let mut a = ActorRecord::bare("x:7");
        a.handle = Some("h".into());
        a.seen_at = Some(1);
        assert!(!r.is_repeat(&Record::Actor(a.clone())));
        a.seen_at = Some(2);
        assert!(r.is_repeat(&Record::Actor(a.clone())));
        a.followers = Some(10);
        assert!(!r.is_repeat(&Record::Actor(a.clone())));
        assert!(r.is_repeat(&Record::Actor(a)));
        // A post with the same ref text is another key.
        assert!(!r.is_repeat(&post("7", "x", false)));
    }
}
