//! The coordination features of every post, precomputed and kept in step
//! with the store: `DATA/coord/features.db`.
//!
//! A coordination run compares a few things per message: its time, its
//! author, and one kind of key (the retweeted post, the normalised text, the
//! token set, the URLs…). Working them out means reading the raw record of
//! CNT CSV rows and tweets, parsing JSON, normalising and tokenizing text:
//! most of the cost of a run. So they are worked out once per post, for
//! every network and both modes ([`super::extract`]), and stored here; a run
//! then reads only the columns its network needs.
//!
//! # Derived data, like the search index
//!
//! The file is derived from the store and can be deleted at any time: the
//! next run rebuilds it. `tarjuman ingest` brings it up to date after each
//! ingest (so its cost is part of the ingest time), and every `coord` run
//! first catches up with whatever changed since (so it is never stale).
//! Catching up follows the store's change sequence (`post_versions.seq`:
//! new posts, new versions, enrichment, a post first seen embedded and then
//! as a primary record). The file records the sequence it reflects, the
//! store it was built from (its first capture) and [`FEATURES_VERSION`];
//! when either of the last two differs, it is rebuilt from scratch.
//!
//! # Layout
//!
//! Posts are grouped in *chunks* of 4,096 post ids (`id >> 12`). A chunk is
//! a pure function of the store's rows in its id range, so catching up
//! recomputes every chunk that holds a changed post, whole. Each chunk is
//! stored as one blob per column (`cols(chunk, col, data)`): post ids,
//! times, authors, flags, then per mode the repost, reply and co-tweet keys,
//! token ids, URLs, and the hashtags. Token ids come from a dictionary in
//! the same file (`tokens(id, token)`), so co-similar reads integers, and
//! two messages share a token id exactly when they share the token.
//! Everything is little-endian; a string is its length as a `u32` (or
//! `u32::MAX` for none) and its UTF-8 bytes.

use super::extract::{Extractor, PostFeat, RangeReader};
use super::load::{Corpus, LoadOptions, Msg, User};
use super::{CoordError, Mode, Network};
use rusqlite::{Connection, OptionalExtension};
use rustc_hash::FxHashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Bump when the features of a post change meaning (extraction rules, the
/// normaliser, the toolkit's tokenizer, the layout): files of another
/// version are rebuilt.
pub const FEATURES_VERSION: u32 = 1;

/// Post ids per chunk, as a shift.
const CHUNK_BITS: u32 = 12;

/// Column ids.
mod col {
    pub const POST: u8 = 0;
    pub const CREATED: u8 = 1;
    pub const PLATFORM: u8 = 2;
    pub const ACTOR: u8 = 3;
    pub const NODE: u8 = 4;
    pub const FLAGS: u8 = 5;
    pub const T_CNT: u8 = 6;
    pub const T_DEF: u8 = 7;
    pub const USER_CNT: u8 = 8;
    pub const REPOST_CNT: u8 = 9;
    pub const REPOST_DEF: u8 = 10;
    pub const REPLY_CNT: u8 = 11;
    pub const REPLY_DEF: u8 = 12;
    pub const COTWEET_CNT: u8 = 13;
    pub const COTWEET_DEF: u8 = 14;
    pub const TOKENS_CNT: u8 = 15;
    pub const TOKENS_DEF: u8 = 16;
    pub const URLS_CNT: u8 = 17;
    pub const URLS_DEF: u8 = 18;
    pub const HASHTAGS: u8 = 19;
    pub const COUNT: u8 = 20;
}

/// Flag bits (column `FLAGS`, one `u16` per post).
mod flag {
    pub const T_CNT: u16 = 1;
    pub const T_DEF: u16 = 1 << 1;
    pub const REPOST_CNT: u16 = 1 << 2;
    pub const REPOST_DEF: u16 = 1 << 3;
    pub const FORWARD: u16 = 1 << 4;
    pub const USER_CNT: u16 = 1 << 5;
    pub const REPLY_CNT: u16 = 1 << 6;
    pub const REPLY_DEF: u16 = 1 << 7;
    pub const COTWEET_CNT: u16 = 1 << 8;
    pub const COTWEET_DEF: u16 = 1 << 9;
}

const NONE: u32 = u32::MAX;

/// The token dictionary: token → id, ids dense from 0.
#[derive(Default)]
pub(crate) struct Dict {
    ids: FxHashMap<Box<str>, u32>,
    /// Tokens added since the dictionary was loaded, in id order.
    added: Vec<u32>,
    names: Vec<Box<str>>,
}

impl Dict {
    fn id(&mut self, t: &str) -> u32 {
        if let Some(&i) = self.ids.get(t) {
            return i;
        }
        let i = self.names.len() as u32;
        let b: Box<str> = t.into();
        self.ids.insert(b.clone(), i);
        self.names.push(b);
        self.added.push(i);
        i
    }

    /// How many tokens there are.
    pub(crate) fn len(&self) -> u32 {
        self.names.len() as u32
    }
}

fn put_str(o: &mut Vec<u8>, s: &str) {
    o.extend_from_slice(&(s.len() as u32).to_le_bytes());
    o.extend_from_slice(s.as_bytes());
}

fn put_opt(o: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => put_str(o, s),
        None => o.extend_from_slice(&NONE.to_le_bytes()),
    }
}

fn put_list<'a>(o: &mut Vec<u8>, items: impl ExactSizeIterator<Item = &'a str>) {
    o.extend_from_slice(&(items.len() as u32).to_le_bytes());
    for s in items {
        put_str(o, s);
    }
}

/// The columns of one chunk's posts (in post id order); tokens get ids
/// from `dict`.
pub(crate) fn encode(feats: &[PostFeat], dict: &mut Dict) -> Vec<(u8, Vec<u8>)> {
    let mut c: Vec<Vec<u8>> = vec![Vec::new(); col::COUNT as usize];
    let mut platforms: Vec<&str> = Vec::new();
    let mut plat_idx: Vec<u16> = Vec::with_capacity(feats.len());
    let mut ids: Vec<u32> = Vec::new();
    for f in feats {
        c[col::POST as usize].extend_from_slice(&f.post_id.to_le_bytes());
        c[col::CREATED as usize].extend_from_slice(&f.created_at.unwrap_or(i64::MIN).to_le_bytes());
        let p = match platforms.iter().position(|&p| p == f.platform) {
            Some(p) => p,
            None => {
                platforms.push(&f.platform);
                platforms.len() - 1
            }
        };
        plat_idx.push(p as u16);
        c[col::ACTOR as usize].extend_from_slice(&f.actor_id.to_le_bytes());
        put_str(&mut c[col::NODE as usize], &f.node);
        let mut fl = 0u16;
        let mut set = |b: bool, bit: u16| {
            if b {
                fl |= bit;
            }
        };
        set(f.cnt.t.is_some(), flag::T_CNT);
        set(f.def.t.is_some(), flag::T_DEF);
        set(f.cnt.repost.is_some(), flag::REPOST_CNT);
        set(f.def.repost.is_some(), flag::REPOST_DEF);
        set(f.forward, flag::FORWARD);
        set(f.cnt_user.is_some(), flag::USER_CNT);
        set(f.cnt.reply.is_some(), flag::REPLY_CNT);
        set(f.def.reply.is_some(), flag::REPLY_DEF);
        set(f.cnt.cotweet.is_some(), flag::COTWEET_CNT);
        set(f.def.cotweet.is_some(), flag::COTWEET_DEF);
        c[col::FLAGS as usize].extend_from_slice(&fl.to_le_bytes());
        c[col::T_CNT as usize].extend_from_slice(&f.cnt.t.unwrap_or(f64::NAN).to_le_bytes());
        c[col::T_DEF as usize].extend_from_slice(&f.def.t.unwrap_or(f64::NAN).to_le_bytes());
        put_opt(&mut c[col::USER_CNT as usize], f.cnt_user.as_deref());
        put_opt(&mut c[col::REPOST_CNT as usize], f.cnt.repost.as_deref());
        put_opt(&mut c[col::REPOST_DEF as usize], f.def.repost.as_deref());
        put_opt(&mut c[col::REPLY_CNT as usize], f.cnt.reply.as_deref());
        put_opt(&mut c[col::REPLY_DEF as usize], f.def.reply.as_deref());
        put_opt(&mut c[col::COTWEET_CNT as usize], f.cnt.cotweet.as_deref());
        put_opt(&mut c[col::COTWEET_DEF as usize], f.def.cotweet.as_deref());
        for (k, toks) in [
            (col::TOKENS_CNT, &f.cnt.tokens),
            (col::TOKENS_DEF, &f.def.tokens),
        ] {
            ids.clear();
            ids.extend(toks.iter().map(|t| dict.id(t)));
            ids.sort_unstable();
            ids.dedup();
            let o = &mut c[k as usize];
            o.extend_from_slice(&(ids.len() as u32).to_le_bytes());
            for &i in &ids {
                o.extend_from_slice(&i.to_le_bytes());
            }
        }
        put_list(
            &mut c[col::URLS_CNT as usize],
            f.cnt.urls.iter().map(String::as_str),
        );
        put_list(
            &mut c[col::URLS_DEF as usize],
            f.def.urls.iter().map(String::as_str),
        );
        put_list(
            &mut c[col::HASHTAGS as usize],
            f.hashtags.iter().map(String::as_str),
        );
    }
    let pc = &mut c[col::PLATFORM as usize];
    put_list(pc, platforms.iter().copied());
    for p in plat_idx {
        pc.extend_from_slice(&p.to_le_bytes());
    }
    c.into_iter()
        .enumerate()
        .map(|(i, v)| (i as u8, v))
        .collect()
}

/// Reads a column blob front to back. Every read checks bounds: a damaged
/// blob gives `None`, never a panic.
struct Cur<'a> {
    b: &'a [u8],
    p: usize,
}

impl<'a> Cur<'a> {
    fn new(b: &'a [u8]) -> Cur<'a> {
        Cur { b, p: 0 }
    }

    fn bytes(&mut self, n: usize) -> Option<&'a [u8]> {
        let s = self.b.get(self.p..self.p.checked_add(n)?)?;
        self.p += n;
        Some(s)
    }

    fn u16(&mut self) -> Option<u16> {
        Some(u16::from_le_bytes(self.bytes(2)?.try_into().ok()?))
    }

    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.bytes(4)?.try_into().ok()?))
    }

    fn i64(&mut self) -> Option<i64> {
        Some(i64::from_le_bytes(self.bytes(8)?.try_into().ok()?))
    }

    fn f64(&mut self) -> Option<f64> {
        Some(f64::from_le_bytes(self.bytes(8)?.try_into().ok()?))
    }

    /// A string's bytes (`Some(None)` for none).
    fn opt(&mut self) -> Option<Option<&'a [u8]>> {
        match self.u32()? {
            NONE => Some(None),
            n => Some(Some(self.bytes(n as usize)?)),
        }
    }

    fn str(&mut self) -> Option<&'a [u8]> {
        self.opt()?
    }
}

/// Receives one chunk's column blobs.
pub(crate) type ChunkFn<'a> = dyn FnMut(&[&[u8]]) -> Result<(), CoordError> + 'a;

/// Where the chunks come from: the file, or memory (a direct run).
pub(crate) trait ChunkSource {
    /// Calls `f` with each chunk's blobs of columns `cols` (in that order),
    /// chunk by chunk in id order, skipping chunks without posts.
    fn each_chunk(&mut self, cols: &[u8], f: &mut ChunkFn<'_>) -> Result<(), CoordError>;

    /// The number of token ids.
    fn n_tokens(&mut self) -> Result<u32, CoordError>;

    /// The number of posts (to size buffers).
    fn n_posts(&mut self) -> Result<usize, CoordError>;
}

/// Chunks built in memory.
#[derive(Default)]
pub(crate) struct MemChunks {
    /// Per chunk, its columns by id.
    pub chunks: Vec<Vec<Vec<u8>>>,
    /// The dictionary.
    pub dict: Dict,
}

impl ChunkSource for MemChunks {
    fn each_chunk(&mut self, cols: &[u8], f: &mut ChunkFn<'_>) -> Result<(), CoordError> {
        for ch in &self.chunks {
            let blobs: Vec<&[u8]> = cols
                .iter()
                .map(|&c| ch.get(c as usize).map_or(&[][..], Vec::as_slice))
                .collect();
            f(&blobs)?;
        }
        Ok(())
    }

    fn n_tokens(&mut self) -> Result<u32, CoordError> {
        Ok(self.dict.len())
    }

    fn n_posts(&mut self) -> Result<usize, CoordError> {
        Ok(self
            .chunks
            .iter()
            .map(|c| c[col::POST as usize].len() / 8)
            .sum())
    }
}

fn damaged() -> CoordError {
    CoordError::Invalid(
        "the coordination features file is damaged: delete DATA/coord/ and run again".into(),
    )
}

/// Interns byte strings as dense ids.
#[derive(Default)]
struct Interner {
    ids: FxHashMap<Box<[u8]>, u32>,
}

impl Interner {
    fn id(&mut self, s: &[u8]) -> u32 {
        if let Some(&i) = self.ids.get(s) {
            return i;
        }
        let i = self.ids.len() as u32;
        self.ids.insert(s.into(), i);
        i
    }

    fn into_names(self) -> Vec<String> {
        let mut names = vec![String::new(); self.ids.len()];
        for (s, i) in self.ids {
            names[i as usize] = String::from_utf8(s.into_vec())
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        }
        names
    }
}

/// Builds the corpus of one run from feature chunks.
pub(crate) fn select(src: &mut dyn ChunkSource, o: &LoadOptions) -> Result<Corpus, CoordError> {
    let compat = o.mode == Mode::Cnt;
    let net = o.network;
    let (t_col, repost_col, reply_col, cotweet_col, tokens_col, urls_col) = if compat {
        (
            col::T_CNT,
            col::REPOST_CNT,
            col::REPLY_CNT,
            col::COTWEET_CNT,
            col::TOKENS_CNT,
            col::URLS_CNT,
        )
    } else {
        (
            col::T_DEF,
            col::REPOST_DEF,
            col::REPLY_DEF,
            col::COTWEET_DEF,
            col::TOKENS_DEF,
            col::URLS_DEF,
        )
    };
    let (f_t, f_repost, f_reply, f_cotweet) = if compat {
        (
            flag::T_CNT,
            flag::REPOST_CNT,
            flag::REPLY_CNT,
            flag::COTWEET_CNT,
        )
    } else {
        (
            flag::T_DEF,
            flag::REPOST_DEF,
            flag::REPLY_DEF,
            flag::COTWEET_DEF,
        )
    };
    // The network's own column, if any.
    let key_col = match net {
        Network::CoRetweet => Some(repost_col),
        Network::CoReply => Some(reply_col),
        Network::CoTweet => Some(cotweet_col),
        Network::CoSimilar => Some(tokens_col),
        Network::CoLink => Some(urls_col),
        Network::CoHashtag => Some(col::HASHTAGS),
        Network::CoPost => None,
    };
    let mut cols = vec![
        col::POST,
        col::CREATED,
        col::ACTOR,
        col::NODE,
        col::FLAGS,
        t_col,
    ];
    if compat {
        cols.push(col::USER_CNT);
    }
    if o.platform.is_some() {
        cols.push(col::PLATFORM);
    }
    if let Some(k) = key_col {
        cols.push(k);
    }
    let want_platform = o.platform.map(|p| p.as_str().as_bytes());

    // Sized for the likely number of messages: a quarter of the posts for
    // the narrow networks, all of them for the others.
    let posts = src.n_posts()?;
    let likely = match net {
        Network::CoRetweet | Network::CoReply => posts / 4,
        _ => posts,
    };
    let mut msgs: Vec<Msg> = Vec::with_capacity(likely);
    let mut users: Vec<User> = Vec::new();
    let mut user_by_name: FxHashMap<Box<[u8]>, u32> = FxHashMap::default();
    let mut user_by_actor: FxHashMap<i64, u32> = FxHashMap::default();
    let mut keys = Interner::default();
    keys.ids.reserve(likely);
    let mut events: Vec<(u32, u32)> = Vec::with_capacity(likely);
    let mut token_offsets: Vec<u32> = Vec::new();
    let mut token_data: Vec<u32> = Vec::new();
    if net == Network::CoSimilar {
        token_offsets.reserve(likely + 1);
        token_data.reserve(likely * 16);
    }
    token_offsets.push(0);
    src.each_chunk(&cols, &mut |blobs| {
        let mut cur: Vec<Cur<'_>> = blobs.iter().map(|b| Cur::new(b)).collect();
        let n = blobs[0].len() / 8;
        let [post, created, actor, node, flags, tc, rest @ ..] = cur.as_mut_slice() else {
            return Err(damaged());
        };
        let mut rest = rest.iter_mut();
        let mut user_cnt = if compat { rest.next() } else { None };
        let mut platform = if o.platform.is_some() {
            rest.next()
        } else {
            None
        };
        let mut key = key_col.and_then(|_| rest.next());
        // This chunk's platform names, and whether each is the one asked for.
        let mut plat_ok: Vec<bool> = Vec::new();
        if let (Some(p), Some(want)) = (platform.as_deref_mut(), want_platform) {
            let k = p.u32().ok_or_else(damaged)?;
            let mut plats: Vec<&[u8]> = Vec::new();
            for _ in 0..k {
                plats.push(p.str().ok_or_else(damaged)?);
            }
            plat_ok = plats.iter().map(|&s| s == want).collect();
        }
        for _ in 0..n {
            let post_id = post.i64().ok_or_else(damaged)?;
            let created_at = created.i64().ok_or_else(damaged)?;
            let actor_id = actor.i64().ok_or_else(damaged)?;
            let node_id = node.str().ok_or_else(damaged)?;
            let fl = flags.u16().ok_or_else(damaged)?;
            let t = tc.f64().ok_or_else(damaged)?;
            let cell_user = match user_cnt.as_deref_mut() {
                Some(u) => u.opt().ok_or_else(damaged)?,
                None => None,
            };
            let plat_pass = match platform.as_deref_mut() {
                Some(p) => {
                    let i = p.u16().ok_or_else(damaged)?;
                    plat_ok.get(i as usize).copied().unwrap_or(false)
                }
                None => true,
            };
            // Read this post's key data (the cursor must move on either way).
            let mut one: Option<&[u8]> = None;
            let mut many: Vec<&[u8]> = Vec::new();
            let mut toks: Option<&[u8]> = None;
            if let Some(k) = key.as_deref_mut() {
                match net {
                    Network::CoRetweet | Network::CoReply | Network::CoTweet => {
                        one = k.opt().ok_or_else(damaged)?;
                    }
                    Network::CoSimilar => {
                        let m = k.u32().ok_or_else(damaged)? as usize;
                        toks = Some(
                            k.bytes(m.checked_mul(4).ok_or_else(damaged)?)
                                .ok_or_else(damaged)?,
                        );
                    }
                    Network::CoLink | Network::CoHashtag => {
                        let m = k.u32().ok_or_else(damaged)?;
                        for _ in 0..m {
                            many.push(k.str().ok_or_else(damaged)?);
                        }
                    }
                    Network::CoPost => {}
                }
            }
            let created_opt = (created_at != i64::MIN).then_some(created_at);
            if fl & f_t == 0 || !plat_pass {
                continue;
            }
            if let Some(s) = o.since
                && created_opt.is_none_or(|c| c < s)
            {
                continue;
            }
            if let Some(u) = o.until
                && created_opt.is_none_or(|c| c >= u)
            {
                continue;
            }
            let is_repost = fl & f_repost != 0 || (!compat && fl & flag::FORWARD != 0);
            let keep = match net {
                Network::CoRetweet => fl & f_repost != 0,
                Network::CoReply => !is_repost && fl & f_reply != 0,
                Network::CoTweet => !is_repost && fl & f_cotweet != 0,
                Network::CoLink | Network::CoHashtag => !is_repost && !many.is_empty(),
                Network::CoSimilar => !is_repost,
                Network::CoPost => true,
            };
            if !keep {
                continue;
            }
            let user = if compat {
                let name = if fl & flag::USER_CNT != 0 {
                    cell_user.unwrap_or(b"")
                } else {
                    node_id
                };
                // Accounts are their names here; an actor whose post is
                // named by its node id is looked up by actor id first.
                let plain = name == node_id;
                match plain.then(|| user_by_actor.get(&actor_id)).flatten() {
                    Some(&u) => u,
                    None => {
                        let u = match user_by_name.get(name) {
                            Some(&u) => u,
                            None => {
                                let u = users.len() as u32;
                                users.push(User::new(
                                    String::from_utf8_lossy(name).into_owned(),
                                    actor_id,
                                ));
                                user_by_name.insert(name.into(), u);
                                u
                            }
                        };
                        if plain {
                            user_by_actor.insert(actor_id, u);
                        }
                        u
                    }
                }
            } else {
                match user_by_actor.get(&actor_id) {
                    Some(&u) => u,
                    None => {
                        let u = users.len() as u32;
                        users.push(User::new(
                            String::from_utf8_lossy(node_id).into_owned(),
                            actor_id,
                        ));
                        user_by_actor.insert(actor_id, u);
                        u
                    }
                }
            };
            let m = msgs.len() as u32;
            if let Some(k) = one {
                events.push((keys.id(k), m));
            }
            for k in &many {
                events.push((keys.id(k), m));
            }
            if let Some(b) = toks {
                token_data.extend(
                    b.chunks_exact(4)
                        .map(|x| u32::from_le_bytes([x[0], x[1], x[2], x[3]])),
                );
                token_offsets.push(token_data.len() as u32);
            } else if net == Network::CoSimilar {
                token_offsets.push(token_data.len() as u32);
            }
            msgs.push(Msg {
                post_id,
                created_at: created_opt.unwrap_or(0),
                t,
                user,
            });
        }
        Ok(())
    })?;
    let n_tokens = if net == Network::CoSimilar {
        src.n_tokens()?
    } else {
        0
    };
    if token_data.iter().any(|&t| t >= n_tokens) {
        return Err(damaged());
    }
    Ok(super::load::finish_corpus(
        msgs,
        users,
        events,
        keys.into_names(),
        token_offsets,
        token_data,
        n_tokens,
        net == Network::CoSimilar,
    ))
}

/// Reads the store's rows in chunks `chunks` (ascending), extracts their
/// features on all cores, and hands each chunk's posts to `put`, in order.
/// While the pool extracts one chunk, this thread hands over the previous
/// one and reads the next. Returns the number of posts.
pub(crate) fn extract_chunks(
    store: &Connection,
    chunks: &[i64],
    put: &mut dyn FnMut(i64, Vec<PostFeat>) -> Result<(), CoordError>,
) -> Result<u64, CoordError> {
    let mut reader = RangeReader::new(store)?;
    let range = |k: i64| (k << CHUNK_BITS, ((k + 1) << CHUNK_BITS) - 1);
    let mut posts = 0u64;
    let Some(&first) = chunks.first() else {
        return Ok(0);
    };
    let (lo, hi) = range(first);
    let mut rows = reader.read(lo, hi)?;
    let mut done: Option<(i64, Vec<PostFeat>)> = None;
    for (i, &k) in chunks.iter().enumerate() {
        let mut next = Ok(Vec::new());
        let mut handed = Ok(());
        let mut feats: Vec<PostFeat> = Vec::new();
        rayon::in_place_scope(|s| {
            s.spawn(|_| {
                use rayon::prelude::*;
                feats = rows
                    .par_iter()
                    .map_init(Extractor::default, |x, r| x.extract(r))
                    .collect();
            });
            if let Some((pk, pf)) = done.take() {
                handed = put(pk, pf);
            }
            if let Some(&nk) = chunks.get(i + 1) {
                let (lo, hi) = range(nk);
                next = reader.read(lo, hi);
            }
        });
        handed?;
        posts += feats.len() as u64;
        done = Some((k, feats));
        rows = next?;
    }
    if let Some((pk, pf)) = done {
        put(pk, pf)?;
    }
    Ok(posts)
}

/// What a catch-up did.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct CatchUp {
    /// Posts whose features were (re)computed.
    pub posts: u64,
    /// Chunks rewritten.
    pub chunks: u64,
    /// Whether everything was rebuilt (a new file, another store or version).
    pub rebuilt: bool,
    /// The store's change sequence the file now reflects.
    pub seq: i64,
    /// Seconds taken.
    pub seconds: f64,
}

/// The features file of a data folder.
pub struct FeatureStore {
    conn: Connection,
    path: PathBuf,
}

/// The store's change sequence (`meta.seq`) as this transaction sees it.
fn store_seq(conn: &Connection) -> Result<i64, CoordError> {
    Ok(conn
        .query_row("SELECT value FROM meta WHERE key = 'seq'", [], |r| {
            r.get::<_, String>(0)
        })
        .optional()?
        .and_then(|s| s.parse().ok())
        .unwrap_or(0))
}

/// Which store this is: its first capture.
fn store_identity(conn: &Connection) -> Result<String, CoordError> {
    Ok(conn
        .query_row(
            "SELECT id || '|' || quick_key || '|' || ingested_at FROM captures ORDER BY id LIMIT 1",
            [],
            |r| r.get::<_, String>(0),
        )
        .optional()?
        .unwrap_or_default())
}

impl FeatureStore {
    /// The file's path in a data folder.
    pub fn path_in(data: &Path) -> PathBuf {
        data.join("coord").join("features.db")
    }

    /// Opens (or creates) the features file of the data folder `data`.
    pub fn open(data: &Path) -> Result<FeatureStore, CoordError> {
        let path = Self::path_in(data);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let conn = Connection::open(&path)?;
        // Big pages: a chunk's column is one or a few pages.
        conn.pragma_update(None, "page_size", 65_536i64)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.busy_timeout(std::time::Duration::from_secs(600))?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
             CREATE TABLE IF NOT EXISTS tokens (id INTEGER PRIMARY KEY, token TEXT NOT NULL);
             CREATE TABLE IF NOT EXISTS cols (
                 id INTEGER PRIMARY KEY, chunk INTEGER NOT NULL, col INTEGER NOT NULL, data BLOB NOT NULL);
             CREATE UNIQUE INDEX IF NOT EXISTS cols_chunk ON cols(chunk, col);",
        )?;
        Ok(FeatureStore { conn, path })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn meta(&self, key: &str) -> Result<Option<String>, CoordError> {
        Ok(self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    /// The store's change sequence the file reflects (0 when empty).
    pub fn seq(&self) -> Result<i64, CoordError> {
        Ok(self.meta("seq")?.and_then(|s| s.parse().ok()).unwrap_or(0))
    }

    /// Brings the file up to date with `store`: recomputes every chunk that
    /// holds a post changed since the sequence the file reflects, or all of
    /// them when the file is new, of another version or of another store.
    pub fn catch_up(&mut self, store: &Connection) -> Result<CatchUp, CoordError> {
        self.update(store, false)
    }

    /// Recomputes everything.
    pub fn rebuild(&mut self, store: &Connection) -> Result<CatchUp, CoordError> {
        self.update(store, true)
    }

    fn update(&mut self, store: &Connection, force: bool) -> Result<CatchUp, CoordError> {
        let started = Instant::now();
        // One read transaction on the store: a consistent snapshot, even
        // while an ingest writes.
        let snap = store.unchecked_transaction()?;
        let seq = store_seq(&snap)?;
        let identity = store_identity(&snap)?;
        // One write transaction here: a concurrent run waits, then finds
        // the file up to date.
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let get = |k: &str| -> Result<Option<String>, CoordError> {
            Ok(tx
                .query_row("SELECT value FROM meta WHERE key = ?1", [k], |r| r.get(0))
                .optional()?)
        };
        let same = get("version")?.as_deref() == Some(&FEATURES_VERSION.to_string())
            && get("store")?.as_deref() == Some(identity.as_str());
        let have: i64 = get("seq")?.and_then(|s| s.parse().ok()).unwrap_or(0);
        let fresh = force || !same || have > seq;
        if !fresh && have == seq {
            return Ok(CatchUp {
                seq,
                seconds: started.elapsed().as_secs_f64(),
                ..CatchUp::default()
            });
        }
        let chunks: Vec<i64> = if fresh {
            tx.execute_batch("DELETE FROM cols; DELETE FROM tokens; DELETE FROM meta;")?;
            let max: Option<i64> = snap.query_row("SELECT max(id) FROM posts", [], |r| r.get(0))?;
            (0..=max.unwrap_or(-1).max(-1) >> CHUNK_BITS).collect()
        } else {
            let mut st = snap.prepare(&format!(
                "SELECT DISTINCT post_id >> {CHUNK_BITS} FROM post_versions WHERE seq > ?1"
            ))?;
            let mut v: Vec<i64> = st
                .query_map([have], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            v.sort_unstable();
            v
        };
        // The dictionary, when anything is to be computed.
        let mut dict = Dict::default();
        if !chunks.is_empty() {
            let mut st = tx.prepare("SELECT id, token FROM tokens ORDER BY id")?;
            let mut rows = st.query([])?;
            while let Some(r) = rows.next()? {
                let id: i64 = r.get(0)?;
                let t: String = r.get(1)?;
                if id != i64::from(dict.len()) {
                    return Err(damaged());
                }
                let b: Box<str> = t.into();
                dict.ids.insert(b.clone(), dict.len());
                dict.names.push(b);
            }
        }
        let mut n_chunks = 0u64;
        let posts = {
            let mut del = tx.prepare("DELETE FROM cols WHERE chunk = ?1")?;
            let mut ins = tx.prepare("INSERT INTO cols (chunk, col, data) VALUES (?1, ?2, ?3)")?;
            extract_chunks(&snap, &chunks, &mut |k, feats| {
                del.execute([k])?;
                n_chunks += 1;
                if feats.is_empty() {
                    return Ok(());
                }
                for (c, data) in encode(&feats, &mut dict) {
                    ins.execute(rusqlite::params![k, c, data])?;
                }
                Ok(())
            })?
        };
        {
            let mut ins = tx.prepare("INSERT INTO tokens (id, token) VALUES (?1, ?2)")?;
            for &i in &dict.added {
                ins.execute(rusqlite::params![i, &*dict.names[i as usize]])?;
            }
        }
        let mut put = tx.prepare(
            "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )?;
        put.execute(["version", &FEATURES_VERSION.to_string()])?;
        put.execute(["store", &identity])?;
        put.execute(["seq", &seq.to_string()])?;
        drop(put);
        tx.commit()?;
        snap.finish()?;
        Ok(CatchUp {
            posts,
            chunks: n_chunks,
            rebuilt: fresh,
            seq,
            seconds: started.elapsed().as_secs_f64(),
        })
    }

    /// The corpus of one run.
    pub(crate) fn load(&mut self, o: &LoadOptions) -> Result<Corpus, CoordError> {
        let tx = self.conn.unchecked_transaction()?;
        let mut src = FileChunks { conn: &tx };
        let c = select(&mut src, o)?;
        tx.finish()?;
        Ok(c)
    }
}

/// Chunks read from the file.
struct FileChunks<'c> {
    conn: &'c Connection,
}

impl ChunkSource for FileChunks<'_> {
    fn each_chunk(&mut self, cols: &[u8], f: &mut ChunkFn<'_>) -> Result<(), CoordError> {
        let list: Vec<String> = cols.iter().map(u8::to_string).collect();
        let mut st = self.conn.prepare(&format!(
            "SELECT chunk, col, data FROM cols WHERE col IN ({}) ORDER BY chunk",
            list.join(",")
        ))?;
        let mut rows = st.query([])?;
        let mut bufs: Vec<Vec<u8>> = vec![Vec::new(); cols.len()];
        let mut have = vec![false; cols.len()];
        let mut cur: Option<i64> = None;
        let mut flush = |bufs: &Vec<Vec<u8>>, have: &mut Vec<bool>| -> Result<(), CoordError> {
            if have.iter().any(|h| !h) {
                return Err(damaged());
            }
            let blobs: Vec<&[u8]> = bufs.iter().map(Vec::as_slice).collect();
            f(&blobs)?;
            have.fill(false);
            Ok(())
        };
        while let Some(r) = rows.next()? {
            let chunk: i64 = r.get(0)?;
            let c: u8 = r.get(1)?;
            if cur.is_some_and(|k| k != chunk) {
                flush(&bufs, &mut have)?;
            }
            cur = Some(chunk);
            let Some(i) = cols.iter().position(|&x| x == c) else {
                continue;
            };
            let data = r.get_ref(2)?.as_blob().map_err(|_| damaged())?;
            bufs[i].clear();
            bufs[i].extend_from_slice(data);
            have[i] = true;
        }
        if cur.is_some() {
            flush(&bufs, &mut have)?;
        }
        Ok(())
    }

    fn n_tokens(&mut self) -> Result<u32, CoordError> {
        let n: Option<i64> = self
            .conn
            .query_row("SELECT max(id) FROM tokens", [], |r| r.get(0))?;
        Ok(n.map_or(0, |n| (n + 1) as u32))
    }

    fn n_posts(&mut self) -> Result<usize, CoordError> {
        let n: i64 = self.conn.query_row(
            "SELECT coalesce(sum(length(data)), 0) / 8 FROM cols WHERE col = ?1",
            [col::POST],
            |r| r.get(0),
        )?;
        Ok(usize::try_from(n).unwrap_or(0))
    }
}

/// Every chunk of the store, built in memory (a run without a data folder).
pub(crate) fn in_memory(store: &Connection) -> Result<MemChunks, CoordError> {
    let max: Option<i64> = store.query_row("SELECT max(id) FROM posts", [], |r| r.get(0))?;
    let chunks: Vec<i64> = (0..=max.unwrap_or(-1).max(-1) >> CHUNK_BITS).collect();
    let mut mem = MemChunks::default();
    extract_chunks(store, &chunks, &mut |_, feats| {
        if feats.is_empty() {
            return Ok(());
        }
        let mut cols = vec![Vec::new(); col::COUNT as usize];
        for (c, data) in encode(&feats, &mut mem.dict) {
            cols[c as usize] = data;
        }
        mem.chunks.push(cols);
        Ok(())
    })?;
    Ok(mem)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coordination::{Params, Window, compute, compute_with, export};
    use tarjuman_model::{ActorRecord, Platform, PostLink, PostRecord, Record, UrlRef};
    use tarjuman_store::{Batch, CaptureInfo, CaptureStart, SqliteStore, Store};

    fn post(id: u64, user: u64, t: i64, text: &str) -> PostRecord {
        let mut p = PostRecord::new(
            Platform::X,
            format!("x:{id}"),
            id.to_string(),
            ActorRecord::bare(format!("x:{user}")),
        );
        p.created_at = Some(t);
        p.text = text.to_string();
        p
    }

    fn repost(id: u64, user: u64, t: i64, of: u64) -> PostRecord {
        let mut p = post(id, user, t, &format!("RT @x: post {of}"));
        p.repost_of = Some(PostLink {
            post: format!("x:{of}"),
            actor: None,
        });
        p
    }

    fn write(s: &mut SqliteStore, name: &str, posts: Vec<PostRecord>) {
        let info = CaptureInfo {
            file_name: name.into(),
            bytes: 1,
            quick_key: name.into(),
            format: "twarc2".into(),
        };
        let CaptureStart::New(c) = s.begin_capture(&info).unwrap() else {
            panic!("capture {name} exists")
        };
        let batch = Batch {
            records: posts
                .into_iter()
                .enumerate()
                .map(|(i, p)| (i as u64 + 1, Record::Post(Box::new(p))))
                .collect(),
            ..Batch::default()
        };
        s.write_batch(c, name, &batch).unwrap();
        s.finish_capture(c, name, 1).unwrap();
    }

    /// A small world: three accounts retweeting, replying, posting the same
    /// or nearly the same text with links and hashtags.
    fn first_capture() -> Vec<PostRecord> {
        let mut v = Vec::new();
        let texts = [
            "the quick brown fox jumps over the lazy dog #a",
            "The quick brown fox jumps over the lazy dog! #a",
            "quick brown fox jumps over the lazy dog again #b",
            "nothing alike at all",
        ];
        for (i, text) in texts.iter().enumerate() {
            for u in 0..3u64 {
                let id = 100 + i as u64 * 10 + u;
                let mut p = post(id, u, 1_000 + i as i64 * 100 + u as i64 * 5, text);
                p.hashtags = vec![if i < 2 { "A".into() } else { "b".into() }];
                p.urls = vec![UrlRef {
                    given: format!("https://t.co/{i}"),
                    expanded: (i != 3).then(|| format!("https://example.com/{}", i % 2)),
                }];
                if i == 2 {
                    p.reply_to = Some(PostLink {
                        post: "x:1".into(),
                        actor: None,
                    });
                }
                v.push(p);
            }
        }
        for u in 0..3u64 {
            v.push(repost(200 + u, u, 2_000 + u as i64 * 7, 1));
            v.push(repost(210 + u, u, 2_500 + u as i64 * 70, 2));
        }
        // Seen only inside another record, for now.
        let mut e = repost(300, 3, 2_010, 1);
        e.embedded = true;
        v.push(e);
        v
    }

    fn edges(co: &crate::coordination::Coordination) -> Vec<(String, String, u32)> {
        co.edges
            .iter()
            .map(|e| {
                (
                    co.node_id(e.source).to_string(),
                    co.node_id(e.target).to_string(),
                    e.weight,
                )
            })
            .collect()
    }

    /// Every network and mode: the features file gives what the store gives
    /// directly. Returns how many runs had edges.
    fn same_as_direct(s: &SqliteStore, f: &mut FeatureStore) -> usize {
        let mut nonempty = 0;
        for network in Network::ALL {
            for mode in [Mode::Default, Mode::Cnt] {
                let p = Params {
                    network,
                    mode,
                    window: Window::Seconds(60.0),
                    min_weight: 1,
                    self_loops: true,
                    similarity: 0.7,
                    ..Params::default()
                };
                let direct = compute(s.conn(), &p).unwrap();
                let cached = compute_with(s.conn(), f, &p).unwrap();
                assert_eq!(edges(&direct), edges(&cached), "{network:?} {mode:?}");
                assert_eq!(
                    direct.corpus.msgs.len(),
                    cached.corpus.msgs.len(),
                    "{network:?} {mode:?}"
                );
                nonempty += usize::from(!direct.edges.is_empty());
            }
        }
        nonempty
    }

    #[test]
    fn the_file_follows_the_store() {
        let d = tempfile::tempdir().unwrap();
        let mut s = SqliteStore::open(d.path()).unwrap();
        write(&mut s, "one", first_capture());
        let mut f = FeatureStore::open(d.path()).unwrap();
        let first = f.catch_up(s.conn()).unwrap();
        assert!(first.rebuilt);
        assert_eq!(first.posts, 18, "embedded posts are not messages");
        assert!(
            same_as_direct(&s, &mut f) >= 10,
            "the world has coordination"
        );
        // Nothing new: nothing to do.
        let again = f.catch_up(s.conn()).unwrap();
        assert_eq!((again.posts, again.chunks, again.rebuilt), (0, 0, false));

        // A second capture: an edit, the embedded repost seen as a post of
        // its own, and new posts.
        let mut edit = post(
            130,
            0,
            1_300,
            "quick brown fox jumps over the lazy dog again #b",
        );
        edit.hashtags = vec!["b".into()];
        let mut promoted = repost(300, 3, 2_010, 1);
        promoted.embedded = false;
        let more = vec![
            edit,
            promoted,
            repost(400, 4, 2_020, 1),
            post(401, 4, 1_004, "nothing alike at all"),
        ];
        write(&mut s, "two", more);
        let before = compute_with(
            s.conn(),
            &mut f,
            &Params {
                network: Network::CoRetweet,
                min_weight: 1,
                ..Params::default()
            },
        )
        .unwrap();
        let caught = before.catch_up.clone().unwrap();
        assert!(
            !caught.rebuilt && caught.chunks == 1 && caught.posts == 21,
            "{caught:?}"
        );
        assert!(
            edges(&before).iter().any(|e| e.0 == "3" && e.1 == "4"),
            "the promoted repost takes part: {:?}",
            edges(&before)
        );
        same_as_direct(&s, &mut f);

        // Another store in the same folder is not mistaken for this one.
        drop(s);
        std::fs::remove_file(d.path().join("tarjuman.db")).unwrap();
        let mut s = SqliteStore::open(d.path()).unwrap();
        write(&mut s, "other", first_capture()[..6].to_vec());
        let other = f.catch_up(s.conn()).unwrap();
        assert!(other.rebuilt && other.posts == 6, "{other:?}");
        same_as_direct(&s, &mut f);
    }

    #[test]
    fn streamed_csv_is_the_kept_csv() {
        let d = tempfile::tempdir().unwrap();
        let mut s = SqliteStore::open(d.path()).unwrap();
        write(&mut s, "one", first_capture());
        let mut f = FeatureStore::open(d.path()).unwrap();
        for network in [Network::CoPost, Network::CoRetweet, Network::CoSimilar] {
            let p = Params {
                network,
                min_weight: 1,
                ..Params::default()
            };
            let kept = compute_with(s.conn(), &mut f, &p).unwrap();
            let mut a = Vec::new();
            export::csv(&kept, &mut a).unwrap();
            let lean = crate::coordination::prepare_with(s.conn(), &mut f, &p).unwrap();
            assert!(lean.edges.is_empty());
            let mut b = Vec::new();
            let n = export::csv_streaming(&lean, &mut b).unwrap();
            assert_eq!(n as usize, kept.edges.len());
            assert!(n > 0, "{network:?}");
            assert_eq!(String::from_utf8(a).unwrap(), String::from_utf8(b).unwrap());
        }
    }

    #[test]
    fn a_damaged_column_is_an_error_not_a_panic() {
        let mut dict = Dict::default();
        let feats = vec![PostFeat {
            post_id: 1,
            platform: "x".into(),
            node: "1".into(),
            ..PostFeat::default()
        }];
        let mut mem = MemChunks::default();
        let mut cols = vec![Vec::new(); col::COUNT as usize];
        for (c, data) in encode(&feats, &mut dict) {
            cols[c as usize] = data;
        }
        // Cut the node column short.
        cols[col::NODE as usize].truncate(2);
        mem.chunks.push(cols);
        let o = LoadOptions {
            network: Network::CoPost,
            mode: Mode::Default,
            platform: None,
            since: None,
            until: None,
        };
        assert!(matches!(select(&mut mem, &o), Err(CoordError::Invalid(_))));
    }
}
