//! Reading the messages of one coordination run from the store.
//!
//! [`load`] turns the store's primary posts (`posts.embedded = 0`: a tweet
//! only ever seen inside another record is not a message, as in the
//! toolkit) into a [`Corpus`]: compact [`Msg`] records sorted by time, the
//! accounts as dense integer ids, and what the chosen [`Network`] compares,
//! interned as integers: the shared *keys* of each message (the retweeted
//! post, the normalised text, the URL, the replied-to post, the hashtag) or
//! its token set for co-similar. Everything later works on those integers.
//!
//! # What a message is made of, per mode
//!
//! | field | `--compat cnt` | default |
//! |---|---|---|
//! | account (node id) | the CNT CSV's raw `user_id` cell; else `actors.native_id` | the actor; its node id is `actors.native_id` (for CSV actors without the `<file>:` prefix the store adds) |
//! | time `t` (seconds) | CNT CSV: the raw `timestamp` cell as a float; X: `(id >> 22) / 1000` (the toolkit's snowflake seconds, with the record's numeric `id` when it has one); else `created_at` | CNT CSV: the raw `timestamp`; X: the snowflake's Unix milliseconds when they agree with `created_at`; else `created_at` |
//! | repost of | CNT CSV: the raw `repost_id` cell; else `posts.repost_of` without its platform prefix | `posts.repost_of`; a Telegram forward without it is keyed by its source and text |
//! | reply to | CNT CSV: the raw `reply_id` cell; else `posts.reply_to` without its prefix | `posts.reply_to` |
//! | text | CNT CSV: the raw `message`; X: the raw record's `full_text` › `extended_tweet.full_text` › `text`; else `posts.text` | `posts.text` through `tarjuman_text::normalize` |
//! | URLs | CNT CSV: the raw `urls` cell split on single spaces (an empty cell is one URL `""`); X: the raw `entities.urls[].expanded_url` (`extended_tweet`'s when present) | `urls.expanded`, else `urls.url` |
//! | hashtags | `hashtags.tag`, lower-cased | the same |
//!
//! A *repost* (anything with a repost key; in default mode also a Telegram
//! forward) records no URLs and takes no part in co-tweet, co-similar,
//! co-reply and co-hashtag. A message without a finite time is skipped.
//! "CNT CSV" means a post whose first version came from a CSV capture whose
//! raw row has the toolkit's `timestamp` column.

use super::cnt;
use super::{CoordError, Mode, Network};
use rusqlite::Connection;
use rustc_hash::FxHashMap;
use serde::Deserialize;
use tarjuman_model::Platform;

/// What to load.
#[derive(Clone, Debug)]
pub struct LoadOptions {
    /// The network the messages are for: it decides which keys are read.
    pub network: Network,
    /// The toolkit's text, time and URL rules, or tarjuman's.
    pub mode: Mode,
    /// Only posts of this platform.
    pub platform: Option<Platform>,
    /// Only posts created at or after this Unix time.
    pub since: Option<i64>,
    /// Only posts created before this Unix time.
    pub until: Option<i64>,
}

/// One message: a primary post, in compact form.
#[derive(Clone, Copy, Debug)]
pub struct Msg {
    /// `posts.id` in the store.
    pub post_id: i64,
    /// `posts.created_at`, Unix seconds (0 when unknown).
    pub created_at: i64,
    /// The time compared against the window, in seconds (see the module
    /// docs: in compat mode X posts use the toolkit's snowflake seconds).
    pub t: f64,
    /// The author, an index into [`Corpus::users`].
    pub user: u32,
}

/// An account taking part in the run.
#[derive(Clone, Debug)]
pub struct User {
    /// The node id written to exports: the native user id as a string.
    pub id: String,
    /// The actor's ref (`x:<id>`, `csv:<file>:<id>`).
    pub actor_ref: String,
    /// The latest handle, when known.
    pub handle: Option<String>,
}

/// The messages of one run, sorted by time, with their keys or tokens.
#[derive(Debug, Default)]
pub struct Corpus {
    /// Messages sorted by (`t`, `post_id`); a message's index is its id below.
    pub msgs: Vec<Msg>,
    /// The accounts; [`Msg::user`] indexes this.
    pub users: Vec<User>,
    /// `(key, message)` pairs sorted by key then message (so by time within
    /// a key), one per distinct key of a message.
    pub events: Vec<(u32, u32)>,
    /// The text of each key: a post ref or id, a URL, a normalised text, a
    /// hashtag.
    pub key_names: Vec<String>,
    /// Co-similar: token ids of message `i` are
    /// `token_data[token_offsets[i]..token_offsets[i + 1]]`, distinct.
    pub token_offsets: Vec<u32>,
    /// See [`Corpus::token_offsets`].
    pub token_data: Vec<u32>,
    /// How many distinct tokens there are.
    pub n_tokens: u32,
}

impl Corpus {
    /// The tokens of message `i` (co-similar only; empty otherwise).
    pub fn tokens(&self, i: usize) -> &[u32] {
        match (self.token_offsets.get(i), self.token_offsets.get(i + 1)) {
            (Some(&a), Some(&b)) => self.token_data.get(a as usize..b as usize).unwrap_or(&[]),
            _ => &[],
        }
    }
}

/// A string interner: dense `u32` ids for distinct strings.
#[derive(Default)]
struct Interner {
    ids: FxHashMap<Box<str>, u32>,
}

impl Interner {
    fn id(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.ids.get(s) {
            return i;
        }
        let i = self.ids.len() as u32;
        self.ids.insert(s.into(), i);
        i
    }

    fn len(&self) -> usize {
        self.ids.len()
    }

    /// The strings, indexed by id.
    fn into_names(self) -> Vec<String> {
        let mut names = vec![String::new(); self.ids.len()];
        for (s, i) in self.ids {
            names[i as usize] = s.into_string();
        }
        names
    }
}

/// The fields of a CNT CSV row the toolkit reads.
#[derive(Default)]
struct CntRow {
    user_id: Option<String>,
    repost_id: Option<String>,
    reply_id: Option<String>,
    message: Option<String>,
    timestamp: Option<String>,
    urls: Option<String>,
}

/// A tweet's raw record, as far as the toolkit reads it (v1.1 and v2).
#[derive(Deserialize, Default)]
struct TweetRaw {
    #[serde(default)]
    id: Option<serde_json::Value>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    full_text: Option<String>,
    #[serde(default)]
    extended_tweet: Option<ExtendedRaw>,
    #[serde(default)]
    entities: Option<EntitiesRaw>,
}

#[derive(Deserialize, Default)]
struct ExtendedRaw {
    #[serde(default)]
    full_text: Option<String>,
    #[serde(default)]
    entities: Option<EntitiesRaw>,
}

#[derive(Deserialize, Default)]
struct EntitiesRaw {
    #[serde(default)]
    urls: Vec<UrlRaw>,
}

#[derive(Deserialize, Default)]
struct UrlRaw {
    #[serde(default)]
    expanded_url: Option<String>,
}

/// Milliseconds between the Unix epoch and the Twitter snowflake epoch.
const SNOWFLAKE_EPOCH_MS: u64 = 1_288_834_974_657;

/// Decompresses raw records, reusing one zstd context and one buffer.
struct Unzstd {
    ctx: Option<zstd::bulk::Decompressor<'static>>,
    buf: Vec<u8>,
}

impl Unzstd {
    fn new() -> Unzstd {
        Unzstd {
            ctx: zstd::bulk::Decompressor::new().ok(),
            buf: Vec::new(),
        }
    }

    fn run(&mut self, blob: &[u8]) -> Option<&[u8]> {
        // The store's bulk compressor records the content size.
        let size = zstd::zstd_safe::get_frame_content_size(blob).ok().flatten();
        match (&mut self.ctx, size) {
            (Some(d), Some(n)) if n <= 64 << 20 => {
                self.buf.clear();
                self.buf.reserve(n as usize);
                d.decompress_to_buffer(blob, &mut self.buf).ok()?;
            }
            _ => self.buf = zstd::stream::decode_all(blob).ok()?,
        }
        Some(&self.buf)
    }
}

fn parse_cnt_row(raw: &[u8]) -> Option<CntRow> {
    let v: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(raw).ok()?;
    let get = |name: &str| {
        v.iter()
            .find(|(k, _)| {
                k.trim()
                    .trim_start_matches('\u{feff}')
                    .eq_ignore_ascii_case(name)
            })
            .and_then(|(_, v)| v.as_str().map(str::to_string))
    };
    let row = CntRow {
        timestamp: get("timestamp"),
        user_id: get("user_id"),
        repost_id: get("repost_id"),
        reply_id: get("reply_id"),
        message: get("message"),
        urls: get("urls"),
    };
    // Only the toolkit's own CSV layout has these.
    (row.timestamp.is_some() && get("message_id").is_some()).then_some(row)
}

/// Python's `float()` on a CSV cell: surrounding whitespace allowed, and
/// underscores between digits.
pub(crate) fn py_float(s: &str) -> Option<f64> {
    let s = s.trim_matches(cnt::is_py_space);
    if let Ok(f) = s.parse::<f64>() {
        return Some(f);
    }
    if s.contains('_') {
        let b = s.as_bytes();
        let ok = b.iter().enumerate().all(|(i, &c)| {
            c != b'_'
                || (i > 0
                    && b[i - 1].is_ascii_digit()
                    && b.get(i + 1).is_some_and(u8::is_ascii_digit))
        });
        if ok {
            return s.replace('_', "").parse().ok();
        }
    }
    None
}

/// The toolkit's tweet time: `(int(id) >> 22) / 1000`.
fn snowflake_secs(id: u64) -> f64 {
    ((id >> 22) as f64) / 1000.0
}

/// Whether a tweet id is close enough to a multiple of 2^22 that a numeric
/// `id` rounded through a double (v1.1 JSON above 2^53) could shift its
/// snowflake milliseconds.
fn near_snowflake_step(id: u64) -> bool {
    let r = id & ((1 << 22) - 1);
    id > (1 << 53) && !(4096..(1 << 22) - 4096).contains(&r)
}

fn value_u64(v: &serde_json::Value) -> Option<u64> {
    match v {
        serde_json::Value::Number(n) => n.as_u64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The part of a ref after its platform prefix (`x:123` → `123`).
fn strip_platform(r: &str) -> &str {
    r.split_once(':').map_or(r, |(_, n)| n)
}

/// The node id of a CSV actor: its native id without the `<file>:` prefix
/// the store adds, found from the post's ref (`csv:<file>:<post id>`).
fn csv_native(actor_native: &str, post_ref: &str, post_native: &str) -> Option<String> {
    let source = post_ref
        .strip_prefix("csv:")?
        .strip_suffix(post_native)?
        .strip_suffix(':')?;
    actor_native
        .strip_prefix(source)?
        .strip_prefix(':')
        .map(str::to_string)
}

/// One row as read from the store (the serial part of loading).
struct RowIn {
    post_id: i64,
    platform: String,
    native: String,
    created_at: Option<i64>,
    kind: String,
    repost_of: Option<String>,
    reply_to: Option<String>,
    forwarded_from: Option<i64>,
    actor_id: i64,
    post_ref: String,
    text: Option<String>,
    from_csv: bool,
    raw: Option<Vec<u8>>,
}

/// A row made ready for interning (the parallel part of loading).
#[derive(Default)]
struct Prepared {
    /// The row is a message of this network.
    keep: bool,
    t: f64,
    /// Compat mode, CNT CSV: the raw `user_id` cell.
    user_name: Option<String>,
    /// The message's keys, as strings.
    keys: Vec<String>,
    /// Co-similar: the tokens, concatenated; `token_ends` splits them.
    tokens: String,
    token_ends: Vec<u32>,
    /// URLs or hashtags come from their tables.
    table_keys: bool,
    /// Compat mode, a tweet's URLs: `urls.expanded` only, no fallback.
    expanded_only: bool,
}

/// Per-thread state for preparing rows.
struct Worker {
    mode: Mode,
    network: Network,
    unzstd: Unzstd,
    norm: String,
    out: String,
    tok: cnt::Tokenizer,
}

impl Worker {
    fn new(mode: Mode, network: Network) -> Worker {
        Worker {
            mode,
            network,
            unzstd: Unzstd::new(),
            norm: String::new(),
            out: String::new(),
            tok: cnt::Tokenizer::default(),
        }
    }

    /// The co-tweet key of `text`, or `None` when it has no text to compare
    /// (default mode only: an empty text matches nothing).
    fn cotweet(&mut self, text: &str) -> Option<String> {
        match self.mode {
            Mode::Cnt => cnt::cotweet_text(text, &mut self.out),
            Mode::Default => {
                tarjuman_text::normalize(text, &mut self.norm);
                cnt::cotweet_text_of_lowercase(&self.norm, &mut self.out);
                if self.out.is_empty() {
                    return None;
                }
            }
        }
        Some(self.out.clone())
    }

    fn tokens(&mut self, text: &str, out: &mut Prepared) {
        let mut push = |t: &str| {
            out.tokens.push_str(t);
            out.token_ends.push(out.tokens.len() as u32);
        };
        match self.mode {
            Mode::Cnt => self.tok.tokens(text, push),
            Mode::Default => {
                // The normaliser lower-cases already.
                tarjuman_text::normalize(text, &mut self.norm);
                self.tok.tokens_of_lowercase(&self.norm, &mut push);
            }
        }
    }

    fn prepare(&mut self, r: &RowIn) -> Prepared {
        let compat = self.mode == Mode::Cnt;
        let net = self.network;
        let mut out = Prepared::default();
        let network = self.network;
        let raw = r.raw.as_deref().and_then(|b| self.unzstd.run(b));
        let cnt_row = if r.from_csv {
            raw.and_then(parse_cnt_row)
        } else {
            None
        };
        let tweet = if r.platform == "x" && !r.from_csv {
            raw.filter(|b| must_parse(network, b, &r.native))
                .and_then(|b| serde_json::from_slice::<TweetRaw>(b).ok())
        } else {
            None
        };

        // Time.
        let x_id: Option<u64> = (r.platform == "x").then(|| r.native.parse().ok()).flatten();
        let created = r.created_at.map(|c| c as f64);
        let t = match (&cnt_row, x_id) {
            (Some(row), _) => row.timestamp.as_deref().and_then(py_float),
            (None, Some(id)) if compat => {
                let numeric = tweet
                    .as_ref()
                    .and_then(|tw| tw.id.as_ref())
                    .and_then(value_u64);
                Some(snowflake_secs(numeric.unwrap_or(id)))
            }
            (None, Some(id)) => {
                let secs = ((id >> 22) + SNOWFLAKE_EPOCH_MS) as f64 / 1000.0;
                match created {
                    Some(c) if (secs - c).abs() >= 2.0 => Some(c),
                    _ => Some(secs),
                }
            }
            (None, None) => created,
        }
        .or(created);
        let Some(t) = t.filter(|t| t.is_finite()) else {
            return out;
        };
        out.t = t;

        // Repost and reply keys.
        let nonempty =
            |s: &Option<String>| s.as_deref().filter(|s| !s.is_empty()).map(str::to_string);
        let (repost_key, reply_key) = match (&cnt_row, compat) {
            (Some(row), true) => (nonempty(&row.repost_id), nonempty(&row.reply_id)),
            (_, true) => (
                r.repost_of
                    .as_deref()
                    .map(|x| strip_platform(x).to_string()),
                r.reply_to.as_deref().map(|x| strip_platform(x).to_string()),
            ),
            (_, false) => {
                let fwd = if r.kind == "forward" && r.repost_of.is_none() {
                    r.forwarded_from.map(|f| {
                        let norm = self
                            .cotweet(r.text.as_deref().unwrap_or(""))
                            .unwrap_or_default();
                        format!("forward:{f}:{norm}")
                    })
                } else {
                    None
                };
                (r.repost_of.clone().or(fwd), r.reply_to.clone())
            }
        };
        let is_repost = repost_key.is_some() || (!compat && r.kind == "forward");
        out.keep = match net {
            Network::CoRetweet => repost_key.is_some(),
            Network::CoReply => !is_repost && reply_key.is_some(),
            Network::CoTweet | Network::CoSimilar | Network::CoLink | Network::CoHashtag => {
                !is_repost
            }
            Network::CoPost => true,
        };
        if !out.keep {
            return out;
        }
        if compat && let Some(row) = &cnt_row {
            out.user_name = Some(row.user_id.clone().unwrap_or_default());
        }

        // The text the toolkit (compat) or tarjuman (default) compares.
        let body = || -> String {
            if compat && let Some(row) = &cnt_row {
                return row.message.clone().unwrap_or_default();
            }
            if compat && let Some(tw) = &tweet {
                return tw
                    .full_text
                    .clone()
                    .or_else(|| tw.extended_tweet.as_ref().and_then(|e| e.full_text.clone()))
                    .or_else(|| tw.text.clone())
                    .unwrap_or_default();
            }
            r.text.clone().unwrap_or_default()
        };
        match net {
            Network::CoRetweet => out.keys.extend(repost_key),
            Network::CoReply => out.keys.extend(reply_key),
            Network::CoTweet => match self.cotweet(&body()) {
                Some(k) => out.keys.push(k),
                None => out.keep = false,
            },
            Network::CoSimilar => {
                let text = body();
                self.tokens(&text, &mut out);
            }
            Network::CoLink => {
                if compat && let Some(row) = &cnt_row {
                    // `urls.split(" ")`: an empty cell is one URL "".
                    out.keys.extend(
                        row.urls
                            .as_deref()
                            .unwrap_or("")
                            .split(' ')
                            .map(str::to_string),
                    );
                } else if compat && let Some(tw) = &tweet {
                    let ents = match &tw.extended_tweet {
                        Some(e) => e.entities.as_ref(),
                        None => tw.entities.as_ref(),
                    };
                    for u in ents.map(|e| e.urls.as_slice()).unwrap_or(&[]) {
                        out.keys.extend(u.expanded_url.clone());
                    }
                } else {
                    out.table_keys = true;
                    // The toolkit reads `expanded_url` and nothing else.
                    out.expanded_only = compat && r.platform == "x";
                }
            }
            Network::CoHashtag => out.table_keys = true,
            Network::CoPost => {}
        }
        out
    }
}

/// Whether a tweet's raw record can say something its stored columns do
/// not, for the toolkit's rules. Parsing JSON costs more than searching
/// it, so it is parsed only when it holds a field those rules read
/// differently from the decoder: `full_text`, `extended_tweet` or
/// `note_tweet` for the text, `unwound_url` or `extended_tweet` for URLs,
/// or when its id lies where a rounded numeric `id` could move the
/// toolkit's time. Otherwise `posts.text` is the toolkit's text and the
/// `urls` table's `expanded` its URLs.
fn must_parse(network: Network, raw: &[u8], native: &str) -> bool {
    use memchr::memmem::find;
    let text = matches!(network, Network::CoTweet | Network::CoSimilar)
        && [
            &b"\"full_text\""[..],
            b"\"extended_tweet\"",
            b"\"note_tweet\"",
        ]
        .iter()
        .any(|p| find(raw, p).is_some());
    let urls = network == Network::CoLink
        && [&b"\"unwound_url\""[..], b"\"extended_tweet\""]
            .iter()
            .any(|p| find(raw, p).is_some());
    text || urls || native.parse().is_ok_and(near_snowflake_step)
}

/// Rows read and prepared per batch.
const BATCH: usize = 16_384;

/// Reads the messages for one run.
pub fn load(conn: &Connection, o: &LoadOptions) -> Result<Corpus, CoordError> {
    let compat = o.mode == Mode::Cnt;
    let net = o.network;
    let wants_text = matches!(net, Network::CoTweet | Network::CoSimilar)
        || (!compat && net == Network::CoRetweet);
    // Posts first seen in a CSV capture: their raw row can hold the
    // toolkit's cells.
    let csv_captures: Vec<i64> = conn
        .prepare("SELECT id FROM captures WHERE format = 'csv'")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let is_csv = in_captures(&csv_captures);
    let twarc2_captures: Vec<i64> = conn
        .prepare("SELECT id FROM captures WHERE format = 'twarc2'")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let is_twarc2 = in_captures(&twarc2_captures);
    let x_raw = if compat && net == Network::CoLink {
        "OR p.platform = 'x'"
    } else {
        ""
    };
    // The toolkit keeps the first record of a message: in compat mode the
    // text of version 1, not the latest edit.
    let text = match (wants_text, compat) {
        (false, _) => "NULL",
        (true, false) => "p.text",
        (true, true) => {
            "(SELECT v.text FROM post_versions v WHERE v.post_id = p.id AND v.version = 1)"
        }
    };
    let need = RawNeed {
        compat,
        x_text: compat && matches!(net, Network::CoTweet | Network::CoSimilar),
    };
    let is_repost_sql = if compat {
        "p.repost_of IS NOT NULL"
    } else {
        "(p.repost_of IS NOT NULL OR p.kind = 'forward')"
    };
    // Narrow the rows for the network; CSV rows are kept since their raw
    // cells decide in compat mode.
    let narrow = match net {
        Network::CoRetweet => is_repost_sql.to_string(),
        Network::CoReply => format!("p.reply_to IS NOT NULL AND NOT {is_repost_sql}"),
        Network::CoTweet | Network::CoSimilar => format!("NOT {is_repost_sql}"),
        Network::CoLink => {
            format!("NOT {is_repost_sql} AND EXISTS (SELECT 1 FROM urls u WHERE u.post_id = p.id)")
        }
        Network::CoHashtag => format!(
            "NOT {is_repost_sql} AND EXISTS (SELECT 1 FROM hashtags h WHERE h.post_id = p.id)"
        ),
        Network::CoPost => "1".to_string(),
    };
    let mut filters = String::new();
    let mut params: Vec<rusqlite::types::Value> = Vec::new();
    if let Some(p) = o.platform {
        filters.push_str(" AND p.platform = ?");
        params.push(p.as_str().to_string().into());
    }
    if let Some(s) = o.since {
        filters.push_str(" AND p.created_at >= ?");
        params.push(s.into());
    }
    if let Some(u) = o.until {
        filters.push_str(" AND p.created_at < ?");
        params.push(u.into());
    }
    let sql = format!(
        "SELECT p.id, p.platform, p.native_id, p.created_at, p.kind, p.repost_of, p.reply_to,
                p.forwarded_from, p.author_id, p.ref, {text}, {is_csv},
                CASE WHEN {is_csv} {x_raw} THEN
                    (SELECT v.raw_zstd FROM post_versions v WHERE v.post_id = p.id AND v.version = 1)
                END,
                {is_twarc2}
         FROM posts p
         WHERE p.embedded = 0 AND p.author_id IS NOT NULL AND ({is_csv} OR ({narrow})){filters}"
    );
    let mut raw_stmt =
        conn.prepare("SELECT raw_zstd FROM post_versions WHERE post_id = ?1 AND version = 1")?;
    let mut actor_stmt = conn.prepare("SELECT native_id, ref, handle FROM actors WHERE id = ?1")?;
    let mut stmt = conn.prepare(&sql)?;
    let mut rows = stmt.query(rusqlite::params_from_iter(params.iter()))?;

    let mut msgs: Vec<Msg> = Vec::new();
    let mut users: Vec<User> = Vec::new();
    let mut user_by_name: FxHashMap<String, u32> = FxHashMap::default();
    let mut user_by_actor: FxHashMap<i64, u32> = FxHashMap::default();
    let mut keys = Interner::default();
    let mut events: Vec<(u32, u32)> = Vec::new();
    let mut tokens = Interner::default();
    let mut token_offsets: Vec<u32> = vec![0];
    let mut token_data: Vec<u32> = Vec::new();
    let mut by_post: FxHashMap<i64, (u32, bool)> = FxHashMap::default();
    // Read the next batch on this thread while the pool prepares the last.
    let mut batch: Vec<RowIn> = Vec::with_capacity(BATCH);
    let mut done = read_batch(&mut rows, &mut raw_stmt, need, &mut batch)?;
    while !batch.is_empty() {
        let mut next: Vec<RowIn> = Vec::with_capacity(BATCH);
        let mut next_done = Ok(true);
        let mut prepared: Vec<Prepared> = Vec::new();
        rayon::in_place_scope(|s| {
            s.spawn(|_| {
                use rayon::prelude::*;
                prepared = batch
                    .par_iter()
                    .map_init(|| Worker::new(o.mode, net), |w, r| w.prepare(r))
                    .collect();
            });
            if !done {
                next_done = read_batch(&mut rows, &mut raw_stmt, need, &mut next);
            }
        });
        done = next_done?;
        // Intern (one thread).
        for (r, p) in batch.iter().zip(prepared) {
            if !p.keep {
                continue;
            }
            let user = match p.user_name {
                Some(name) => match user_by_name.get(&name) {
                    Some(&u) => u,
                    None => {
                        let Some((_, actor_ref, handle)) = actor(&mut actor_stmt, r.actor_id)?
                        else {
                            continue;
                        };
                        let u = users.len() as u32;
                        users.push(User {
                            id: name.clone(),
                            actor_ref,
                            handle,
                        });
                        user_by_name.insert(name, u);
                        u
                    }
                },
                None => match user_by_actor.get(&r.actor_id) {
                    Some(&u) => u,
                    None => {
                        let Some((native, actor_ref, handle)) = actor(&mut actor_stmt, r.actor_id)?
                        else {
                            continue;
                        };
                        let id = if actor_ref.starts_with("csv:") {
                            csv_native(&native, &r.post_ref, &r.native).unwrap_or(native)
                        } else {
                            native
                        };
                        // In compat mode accounts are their id strings.
                        let u = match (compat, user_by_name.get(&id)) {
                            (true, Some(&u)) => u,
                            _ => {
                                let u = users.len() as u32;
                                if compat {
                                    user_by_name.insert(id.clone(), u);
                                }
                                users.push(User {
                                    id,
                                    actor_ref,
                                    handle,
                                });
                                u
                            }
                        };
                        user_by_actor.insert(r.actor_id, u);
                        u
                    }
                },
            };
            let m = msgs.len() as u32;
            for k in &p.keys {
                events.push((keys.id(k), m));
            }
            if p.table_keys {
                by_post.insert(r.post_id, (m, p.expanded_only));
            }
            if net == Network::CoSimilar {
                let start = token_data.len();
                let mut from = 0usize;
                for &end in &p.token_ends {
                    token_data.push(tokens.id(&p.tokens[from..end as usize]));
                    from = end as usize;
                }
                let mine = &mut token_data[start..];
                mine.sort_unstable();
                let mut n = 0;
                for i in 0..mine.len() {
                    if i == 0 || mine[i] != mine[n - 1] {
                        mine[n] = mine[i];
                        n += 1;
                    }
                }
                token_data.truncate(start + n);
                token_offsets.push(token_data.len() as u32);
            }
            msgs.push(Msg {
                post_id: r.post_id,
                created_at: r.created_at.unwrap_or(0),
                t: p.t,
                user,
            });
        }
        batch = next;
    }
    drop(rows);

    // URLs and hashtags from their tables.
    if net == Network::CoLink && !by_post.is_empty() {
        let mut st = conn.prepare("SELECT post_id, expanded, url FROM urls")?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            let pid: i64 = r.get(0)?;
            if let Some(&(m, expanded_only)) = by_post.get(&pid) {
                let expanded: Option<String> = r.get(1)?;
                let url = match expanded {
                    Some(e) => e,
                    None if expanded_only => continue,
                    None => r.get(2)?,
                };
                events.push((keys.id(&url), m));
            }
        }
    }
    if net == Network::CoHashtag && !by_post.is_empty() {
        let mut st = conn.prepare("SELECT post_id, tag FROM hashtags")?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            let pid: i64 = r.get(0)?;
            if let Some(&(m, _)) = by_post.get(&pid) {
                let tag: String = r.get(1)?;
                events.push((keys.id(&tag.to_lowercase()), m));
            }
        }
    }

    // Sort the messages by time and renumber everything.
    let mut order: Vec<u32> = (0..msgs.len() as u32).collect();
    order.sort_unstable_by(|&a, &b| {
        let (a, b) = (&msgs[a as usize], &msgs[b as usize]);
        a.t.total_cmp(&b.t).then(a.post_id.cmp(&b.post_id))
    });
    let mut new_of = vec![0u32; msgs.len()];
    for (new, &old) in order.iter().enumerate() {
        new_of[old as usize] = new as u32;
    }
    let sorted: Vec<Msg> = order.iter().map(|&o| msgs[o as usize]).collect();
    for e in &mut events {
        e.1 = new_of[e.1 as usize];
    }
    events.sort_unstable();
    events.dedup();
    let (token_offsets, token_data) = if net == Network::CoSimilar {
        let mut offs = Vec::with_capacity(order.len() + 1);
        let mut data = Vec::with_capacity(token_data.len());
        offs.push(0u32);
        for &old in &order {
            let (a, b) = (
                token_offsets[old as usize] as usize,
                token_offsets[old as usize + 1] as usize,
            );
            data.extend_from_slice(&token_data[a..b]);
            offs.push(data.len() as u32);
        }
        (offs, data)
    } else {
        (Vec::new(), Vec::new())
    };
    Ok(Corpus {
        msgs: sorted,
        users,
        events,
        key_names: keys.into_names(),
        token_offsets,
        token_data,
        n_tokens: tokens.len() as u32,
    })
}

/// SQL: the post was first seen in one of these captures.
fn in_captures(ids: &[i64]) -> String {
    if ids.is_empty() {
        return "0".to_string();
    }
    let ids: Vec<String> = ids.iter().map(i64::to_string).collect();
    format!("p.first_capture IN ({})", ids.join(","))
}

/// Which tweets need their raw record read apart from the main query.
#[derive(Clone, Copy)]
struct RawNeed {
    /// Compat mode.
    compat: bool,
    /// Compat mode, a text network.
    x_text: bool,
}

/// Reads up to [`BATCH`] rows into `out`; true when the rows are exhausted.
fn read_batch(
    rows: &mut rusqlite::Rows<'_>,
    raw_stmt: &mut rusqlite::Statement<'_>,
    need: RawNeed,
    out: &mut Vec<RowIn>,
) -> Result<bool, CoordError> {
    while out.len() < BATCH {
        let Some(r) = rows.next()? else {
            return Ok(true);
        };
        let mut row = RowIn {
            post_id: r.get(0)?,
            platform: r.get(1)?,
            native: r.get(2)?,
            created_at: r.get(3)?,
            kind: r.get(4)?,
            repost_of: r.get(5)?,
            reply_to: r.get(6)?,
            forwarded_from: r.get(7)?,
            actor_id: r.get(8)?,
            post_ref: r.get(9)?,
            text: r.get(10)?,
            from_csv: r.get::<_, Option<bool>>(11)?.unwrap_or(false),
            raw: r.get(12)?,
        };
        let twarc2 = r.get::<_, Option<bool>>(13)?.unwrap_or(false);
        // A v1.1 numeric `id` rounded through a double can move the
        // toolkit's time; read the record when that is possible. For the
        // text: a twarc2 tweet's stored text differs from its `text` only
        // when it came from `note_tweet`, which X adds only to posts longer
        // than 280 weighted characters, so more than 140 characters (no
        // character weighs more than 2); other tweets are read.
        let x = need.compat && row.raw.is_none() && row.platform == "x";
        let for_text = need.x_text
            && (!twarc2 || row.text.as_deref().is_some_and(|t| t.chars().count() > 140));
        if x && (for_text || row.native.parse().is_ok_and(near_snowflake_step)) {
            row.raw = raw_stmt
                .query_row([row.post_id], |r| r.get::<_, Option<Vec<u8>>>(0))
                .ok()
                .flatten();
        }
        out.push(row);
    }
    Ok(false)
}

/// An actor's native id, ref and handle (`None` for a dangling author id).
fn actor(
    stmt: &mut rusqlite::Statement<'_>,
    id: i64,
) -> Result<Option<(String, String, Option<String>)>, CoordError> {
    use rusqlite::OptionalExtension;
    Ok(stmt
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_floats() {
        assert_eq!(py_float(" 1.5 "), Some(1.5));
        assert_eq!(py_float("1_000.5"), Some(1000.5));
        assert_eq!(py_float("1__0"), None);
        assert_eq!(py_float("_1"), None);
        assert_eq!(py_float("1e3"), Some(1000.0));
        assert_eq!(py_float(""), None);
        assert!(py_float("nan").is_some_and(f64::is_nan));
    }

    #[test]
    fn snowflake_seconds_as_the_toolkit() {
        // (1440713966649417731 >> 22) / 1000 in Python.
        assert_eq!(snowflake_secs(1440713966649417731), 343492976.82);
    }

    #[test]
    fn csv_node_ids() {
        assert_eq!(
            csv_native("sample_data:4", "csv:sample_data:12", "12").as_deref(),
            Some("4")
        );
        assert_eq!(csv_native("a:b:x", "csv:a:b:7", "7").as_deref(), Some("x"));
        assert_eq!(csv_native("other:4", "csv:sample_data:12", "12"), None);
    }

    #[test]
    fn near_steps() {
        assert!(!near_snowflake_step(
            1440713966649417731 & !((1 << 22) - 1) | 100_000
        ));
        assert!(near_snowflake_step((1u64 << 60) | 5));
        assert!(!near_snowflake_step(5));
    }
}
