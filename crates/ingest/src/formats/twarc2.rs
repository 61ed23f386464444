//! X API v2, as twarc2 writes it.
//!
//! Accepted shapes, one JSON value per line (or one pretty-printed document):
//! - a **response page**: `data` (array or object), `includes.users/tweets/media`,
//!   `errors`, `meta`, `__twarc` (twarc2 `search`, `timeline`, `stream`, …, and raw
//!   API responses without `__twarc`);
//! - a **flattened tweet** (`twarc2 flatten`): one tweet per line with `author`,
//!   `in_reply_to_user`, `referenced_tweets[]` and `attachments.media` inlined;
//! - a **compliance record**: `{"id", "action": "delete", "reason", "redacted_at"}`;
//! - **user lookups** (`data` holds users): each user becomes an actor.
//!
//! Referenced tweets in `includes.tweets` (or inlined in flattened form) are
//! posts of their own, marked embedded. A tweet whose author is missing from
//! `includes.users` is kept, with the author known by id only.
//! `errors` of type "Not Found Error" for a tweet become deletion notices.
//! The capture scope comes from `__twarc.url`: endpoint, `query`, and
//! `start_time` / `end_time` (see docs/FORMATS.md).

use super::util::{Counted, Id, decode_json_values, lenient_count};
use crate::{DecodeError, DecodeOptions, Decoder, Sniff, Summary, time};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::collections::HashMap;
use std::io::BufRead;
use tarjuman_model::{
    ActorRecord, Flow, GoneRecord, MediaRef, Metrics, Platform, PostLink, PostRecord, Problem,
    Record, RecordSink, Scope, UrlRef, actor_ref, post_ref,
};

/// The twarc2 / X API v2 decoder.
pub struct Twarc2;

impl Decoder for Twarc2 {
    fn name(&self) -> &'static str {
        "twarc2"
    }
    fn about(&self) -> &'static str {
        "X API v2 JSONL as written by twarc2 (pages, flattened tweets, compliance), and raw v2 responses"
    }
    fn sniff(&self, head: &[u8], _file_name: &str) -> Sniff {
        let h = String::from_utf8_lossy(head);
        let t = h.trim_start_matches('\u{feff}').trim_start();
        if !(t.starts_with('{') || t.starts_with('[')) {
            return Sniff::No;
        }
        if h.contains("\"__twarc\"")
            || h.contains("\"edit_history_tweet_ids\"")
            || h.contains("\"author_id\"")
        {
            return Sniff::Certain;
        }
        if h.contains("\"action\"") && h.contains("\"reason\"") && !h.contains("\"id_str\"") {
            return Sniff::Certain;
        }
        if h.contains("\"data\"")
            && (h.contains("\"includes\"")
                || h.contains("\"meta\"")
                || h.contains("\"username\"")
                || h.contains("\"tweet_count\""))
        {
            return Sniff::Certain;
        }
        if h.contains("\"data\"") && h.contains("\"text\"") {
            return Sniff::Maybe;
        }
        Sniff::No
    }
    fn decode(
        &self,
        input: &mut dyn BufRead,
        opts: &DecodeOptions,
        out: &mut dyn RecordSink,
    ) -> Result<Summary, DecodeError> {
        let mut scope_seen: Option<String> = None;
        let mut rest = String::new();
        decode_json_values(input, opts, out, |line, offset, bytes, c| {
            decode_value(line, offset, bytes, c, &mut scope_seen, &mut rest)
        })
    }
}

#[derive(Deserialize)]
struct Top<'a> {
    #[serde(borrow)]
    data: Option<&'a RawValue>,
    #[serde(borrow)]
    includes: Option<Includes<'a>>,
    #[serde(default)]
    errors: Vec<ApiError>,
    #[serde(rename = "__twarc")]
    twarc: Option<TwarcMeta>,
    id: Option<Id>,
    text: Option<serde::de::IgnoredAny>,
    action: Option<String>,
    reason: Option<String>,
    created_at: Option<String>,
    redacted_at: Option<String>,
    username: Option<serde::de::IgnoredAny>,
}

#[derive(Deserialize, Default)]
struct Includes<'a> {
    #[serde(default)]
    users: Vec<User>,
    #[serde(default, borrow)]
    tweets: Vec<&'a RawValue>,
    #[serde(default)]
    media: Vec<Media>,
}

#[derive(Deserialize)]
struct ApiError {
    resource_type: Option<String>,
    resource_id: Option<String>,
    title: Option<String>,
    detail: Option<String>,
}

#[derive(Deserialize)]
struct TwarcMeta {
    url: Option<String>,
    retrieved_at: Option<String>,
}

#[derive(Deserialize, Clone)]
struct User {
    id: Id,
    username: Option<String>,
    name: Option<String>,
    location: Option<String>,
    description: Option<String>,
    public_metrics: Option<UserMetrics>,
}

#[derive(Deserialize, Clone)]
struct UserMetrics {
    #[serde(default, deserialize_with = "lenient_count")]
    followers_count: Option<i64>,
}

#[derive(Deserialize, Clone)]
struct Media {
    media_key: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    url: Option<String>,
    preview_image_url: Option<String>,
}

#[derive(Deserialize)]
struct Tweet<'a> {
    id: Id,
    text: Option<String>,
    author_id: Option<Id>,
    created_at: Option<String>,
    lang: Option<String>,
    in_reply_to_user_id: Option<Id>,
    #[serde(default, borrow)]
    referenced_tweets: Vec<&'a RawValue>,
    entities: Option<Entities>,
    attachments: Option<Attachments>,
    public_metrics: Option<TweetMetrics>,
    note_tweet: Option<NoteTweet>,
    author: Option<User>,
    in_reply_to_user: Option<User>,
    edit_history_tweet_ids: Option<Vec<Id>>,
}

#[derive(Deserialize)]
struct RefTweet {
    #[serde(rename = "type")]
    kind: String,
    id: Id,
    text: Option<serde::de::IgnoredAny>,
}

#[derive(Deserialize, Default)]
struct Entities {
    #[serde(default)]
    hashtags: Vec<Tag>,
    #[serde(default)]
    mentions: Vec<Mention>,
    #[serde(default)]
    urls: Vec<Url>,
}

#[derive(Deserialize)]
struct Tag {
    tag: String,
}

#[derive(Deserialize)]
struct Mention {
    username: Option<String>,
    id: Option<Id>,
}

#[derive(Deserialize)]
struct Url {
    url: Option<String>,
    expanded_url: Option<String>,
    unwound_url: Option<String>,
}

#[derive(Deserialize)]
struct Attachments {
    #[serde(default)]
    media_keys: Vec<String>,
    #[serde(default)]
    media: Vec<Media>,
}

#[derive(Deserialize)]
struct TweetMetrics {
    #[serde(default, deserialize_with = "lenient_count")]
    retweet_count: Option<i64>,
    #[serde(default, deserialize_with = "lenient_count")]
    reply_count: Option<i64>,
    #[serde(default, deserialize_with = "lenient_count")]
    like_count: Option<i64>,
    #[serde(default, deserialize_with = "lenient_count")]
    quote_count: Option<i64>,
    #[serde(default, deserialize_with = "lenient_count")]
    impression_count: Option<i64>,
}

#[derive(Deserialize)]
struct NoteTweet {
    text: Option<String>,
}

/// Lookup tables of one page's `includes`.
struct Ctx<'a> {
    users: HashMap<&'a str, &'a User>,
    /// Users by lower-cased handle, built on first use (mentions without an
    /// id are rare).
    by_name: std::cell::OnceCell<HashMap<String, &'a User>>,
    all_users: &'a [User],
    media: HashMap<&'a str, &'a Media>,
    tweet_authors: HashMap<String, String>,
    retrieved_at: Option<i64>,
}

/// A response page as twarc2 writes it (`{"data": [`…): parsed in one pass,
/// its `data` split into items at once.
#[derive(Deserialize)]
struct Page<'a> {
    #[serde(borrow)]
    data: Vec<&'a RawValue>,
    #[serde(borrow)]
    includes: Option<Includes<'a>>,
    #[serde(default)]
    errors: Vec<ApiError>,
    #[serde(rename = "__twarc")]
    twarc: Option<TwarcMeta>,
}

/// Where the `data` array's items begin, when the line opens with
/// `{"data": [`, as twarc2's pages do.
fn opens_page(bytes: &[u8]) -> Option<usize> {
    let mut rest = bytes;
    for want in [&b"{"[..], b"\"data\"", b":", b"["] {
        rest = rest.trim_ascii_start().strip_prefix(want)?;
    }
    Some(bytes.len() - rest.len())
}

/// A page's members other than `data`, parsed after [`split_tweets`].
#[derive(Deserialize)]
struct Rest<'a> {
    /// A second `data`: the page is malformed, and takes the general path.
    #[serde(default)]
    data: Present,
    #[serde(borrow)]
    includes: Option<Includes<'a>>,
    #[serde(default)]
    errors: Vec<ApiError>,
    #[serde(rename = "__twarc")]
    twarc: Option<TwarcMeta>,
}

/// Whether a member is there at all (`null` included).
#[derive(Default)]
struct Present(bool);

impl<'de> Deserialize<'de> for Present {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        serde::de::IgnoredAny::deserialize(d).map(|_| Present(true))
    }
}

/// The tweets of a page's `data` array, whose items begin at `start`, each
/// parsed in the same pass that finds its end, with its own JSON text. The
/// rest of the page is written into `rest` as an object of its own (`{` and
/// the members after `data`). `None` when an item is not a tweet with a
/// `text` or the array is not well formed: the page then takes the general
/// path, which splits `data` first and reports what is wrong. That split is
/// a second pass over every tweet (`RawValue`), which callgrind put at about
/// 5% of a store-only twarc2 ingest's instructions.
fn split_tweets<'a>(
    s: &'a str,
    start: usize,
    rest: &mut String,
) -> Option<Vec<(&'a str, Tweet<'a>)>> {
    let b = s.as_bytes();
    let skip_ws = |mut i: usize| {
        while b.get(i).is_some_and(|c| c.is_ascii_whitespace()) {
            i += 1;
        }
        i
    };
    // Most pages hold up to 100 tweets (500 from search/all).
    let mut tweets = Vec::with_capacity(100);
    let mut i = skip_ws(start);
    if b.get(i) == Some(&b']') {
        i += 1;
    } else {
        loop {
            let mut items = serde_json::Deserializer::from_str(s.get(i..)?).into_iter::<Tweet>();
            let t = items.next()?.ok()?;
            t.text.as_ref()?;
            let end = i + items.byte_offset();
            tweets.push((s.get(i..end)?, t));
            i = skip_ws(end);
            match b.get(i)? {
                b',' => i = skip_ws(i + 1),
                b']' => {
                    i += 1;
                    break;
                }
                _ => return None,
            }
        }
    }
    i = skip_ws(i);
    let members = match b.get(i)? {
        b',' => s.get(i + 1..)?,
        b'}' => s.get(i..)?,
        _ => return None,
    };
    rest.clear();
    rest.push('{');
    rest.push_str(members);
    Some(tweets)
}

/// A page's `data` items: split but not parsed yet, or tweets parsed by
/// [`split_tweets`] with their JSON text.
enum Items<'a> {
    Split(Vec<&'a RawValue>),
    Tweets(Vec<(&'a str, Tweet<'a>)>),
}

/// Decodes one JSON value of a twarc2 file. `scope_seen` is the last
/// capture scope sent; `rest` is [`split_tweets`]'s buffer, reused from page
/// to page (it keeps the size of the largest page's `includes`).
fn decode_value(
    line: u64,
    offset: u64,
    bytes: &[u8],
    c: &mut Counted<'_>,
    scope_seen: &mut Option<String>,
    rest: &mut String,
) -> Flow {
    let start = opens_page(bytes);
    if let Some(start) = start
        && let Ok(text) = std::str::from_utf8(bytes)
        && let Some(tweets) = split_tweets(text, start, rest)
        && let Ok(r) = serde_json::from_str::<Rest>(rest)
        && !r.data.0
    {
        let meta = (r.includes, &r.errors[..], r.twarc.as_ref());
        return whole_page(
            line,
            offset,
            bytes,
            Items::Tweets(tweets),
            meta,
            scope_seen,
            c,
        );
    }
    if start.is_some()
        && let Ok(p) = serde_json::from_slice::<Page>(bytes)
    {
        let meta = (p.includes, &p.errors[..], p.twarc.as_ref());
        return whole_page(
            line,
            offset,
            bytes,
            Items::Split(p.data),
            meta,
            scope_seen,
            c,
        );
    }
    let top: Top = match serde_json::from_slice(bytes) {
        Ok(t) => t,
        Err(e) => {
            return c.problem(Problem::new(
                line,
                offset,
                format!("not a twarc2 record: {e}"),
                bytes,
            ));
        }
    };
    let retrieved_at = retrieved(top.twarc.as_ref());
    if see_scope(line, top.twarc.as_ref(), scope_seen, c) == Flow::Stop {
        return Flow::Stop;
    }
    // Compliance records.
    if let (Some(id), Some(action)) = (&top.id, &top.action) {
        return compliance(line, offset, bytes, &id.0, action, &top, c);
    }
    // A flattened tweet: a tweet object at top level.
    if top.data.is_none() && top.id.is_some() && top.text.is_some() {
        let empty = Includes::default();
        let ctx = Ctx::new(&empty, &[], retrieved_at);
        return tweet(line, offset, Json::Bytes(bytes), false, &ctx, c);
    }
    // A flattened user.
    if top.data.is_none() && top.id.is_some() && top.username.is_some() {
        return match serde_json::from_slice::<User>(bytes) {
            Ok(u) => c.record(line, Record::Actor(actor(&u, retrieved_at))),
            Err(e) => c.problem(Problem::new(
                line,
                offset,
                format!("bad user object: {e}"),
                bytes,
            )),
        };
    }
    let Some(data) = top.data else {
        if !top.errors.is_empty() {
            return errors(line, &top.errors, retrieved_at, c);
        }
        return c.problem(Problem::new(
            line,
            offset,
            "JSON of the wrong shape: no `data`, no tweet, no compliance record",
            bytes,
        ));
    };
    let items: Vec<&RawValue> = match data.get().trim_start().as_bytes().first() {
        Some(b'[') => match serde_json::from_str(data.get()) {
            Ok(v) => v,
            Err(e) => {
                return c.problem(Problem::new(
                    line,
                    offset,
                    format!("`data` is not an array of objects: {e}"),
                    bytes,
                ));
            }
        },
        Some(b'{') => vec![data],
        _ => {
            return c.problem(Problem::new(
                line,
                offset,
                "`data` is neither an object nor an array",
                bytes,
            ));
        }
    };
    let includes = top.includes.unwrap_or_default();
    page(
        line,
        offset,
        bytes,
        Items::Split(items),
        &includes,
        &top.errors,
        retrieved_at,
        c,
    )
}

/// A page that opens with `{"data": [` (by [`split_tweets`], or as a
/// [`Page`]): its scope, then its records. `meta` holds the page's
/// `includes`, `errors` and `__twarc`.
fn whole_page(
    line: u64,
    offset: u64,
    bytes: &[u8],
    items: Items<'_>,
    meta: (Option<Includes<'_>>, &[ApiError], Option<&TwarcMeta>),
    scope_seen: &mut Option<String>,
    c: &mut Counted<'_>,
) -> Flow {
    let (includes, errs, twarc) = meta;
    if see_scope(line, twarc, scope_seen, c) == Flow::Stop {
        return Flow::Stop;
    }
    let includes = includes.unwrap_or_default();
    page(
        line,
        offset,
        bytes,
        items,
        &includes,
        errs,
        retrieved(twarc),
        c,
    )
}

/// When twarc2 retrieved the page (Unix seconds).
fn retrieved(twarc: Option<&TwarcMeta>) -> Option<i64> {
    twarc
        .and_then(|t| t.retrieved_at.as_deref())
        .and_then(time::rfc3339)
}

/// Sends the scope of a page's query, when it is a new one.
fn see_scope(
    line: u64,
    twarc: Option<&TwarcMeta>,
    scope_seen: &mut Option<String>,
    c: &mut Counted<'_>,
) -> Flow {
    if let Some(scope) = twarc
        .and_then(|t| t.url.as_deref())
        .and_then(scope_from_url)
        && scope_seen.as_deref() != Some(scope.key.as_str())
    {
        *scope_seen = Some(scope.key.clone());
        return c.record(line, Record::Scope(scope));
    }
    Flow::Continue
}

/// The records of one page: its `includes.users`, its `data` items, its
/// `includes.tweets` (embedded), and its `errors`.
#[allow(clippy::too_many_arguments)]
fn page(
    line: u64,
    offset: u64,
    bytes: &[u8],
    items: Items<'_>,
    includes: &Includes<'_>,
    errs: &[ApiError],
    retrieved_at: Option<i64>,
    c: &mut Counted<'_>,
) -> Flow {
    // The referenced tweets are parsed once, up front: the page's tweets
    // need their authors (a reply's target account), and they are records
    // of their own after the page's `data`.
    let referenced: Vec<serde_json::Result<Tweet>> = includes
        .tweets
        .iter()
        .map(|t| serde_json::from_str(t.get()))
        .collect();
    let ctx = Ctx::new(includes, &referenced, retrieved_at);
    for u in &includes.users {
        if c.record(line, Record::Actor(actor(u, retrieved_at))) == Flow::Stop {
            return Flow::Stop;
        }
    }
    let items = match items {
        Items::Tweets(tweets) => {
            for (text, t) in tweets {
                if tweet_parsed(line, offset, text.as_bytes(), Ok(t), false, &ctx, c) == Flow::Stop
                {
                    return Flow::Stop;
                }
            }
            Vec::new()
        }
        Items::Split(items) => items,
    };
    // Items that are not posts at all (a counts or lists page): one problem
    // per page, not one per item.
    let (mut counts, mut lists) = (0usize, 0usize);
    for item in items {
        let b = item.get().as_bytes();
        let f = if looks_like(b, "\"text\"") {
            tweet(line, offset, Json::Str(item.get()), false, &ctx, c)
        } else if looks_like(b, "\"username\"") {
            match serde_json::from_str::<User>(item.get()) {
                Ok(u) => c.record(line, Record::Actor(actor(&u, retrieved_at))),
                Err(e) => c.problem(Problem::new(
                    line,
                    offset,
                    format!("bad user object: {e}"),
                    b,
                )),
            }
        } else if looks_like(b, "\"tweet_count\"") {
            counts += 1;
            Flow::Continue
        } else if looks_like(b, "\"member_count\"") || looks_like(b, "\"owner_id\"") {
            lists += 1;
            Flow::Continue
        } else {
            c.problem(Problem::new(
                line,
                offset,
                "`data` item is not a tweet (no `text`)",
                b,
            ))
        };
        if f == Flow::Stop {
            return Flow::Stop;
        }
    }
    for (n, what) in [
        (counts, "tweet-counts buckets (twarc2 counts)"),
        (lists, "list objects (twarc2 lists)"),
    ] {
        if n > 0
            && c.problem(Problem::new(
                line,
                offset,
                format!("{n} {what}, not posts: nothing to ingest"),
                bytes,
            )) == Flow::Stop
        {
            return Flow::Stop;
        }
    }
    for (raw, parsed) in includes.tweets.iter().zip(referenced) {
        let bytes = raw.get().as_bytes();
        if tweet_parsed(line, offset, bytes, parsed, true, &ctx, c) == Flow::Stop {
            return Flow::Stop;
        }
    }
    errors(line, errs, retrieved_at, c)
}

fn looks_like(b: &[u8], key: &str) -> bool {
    memchr::memmem::find(b, key.as_bytes()).is_some()
}

impl<'a> Ctx<'a> {
    /// `referenced`: `inc.tweets` parsed, in order.
    fn new(
        inc: &'a Includes<'a>,
        referenced: &[serde_json::Result<Tweet<'_>>],
        retrieved_at: Option<i64>,
    ) -> Self {
        let mut tweet_authors = HashMap::new();
        for (raw, parsed) in inc.tweets.iter().zip(referenced) {
            match parsed {
                Ok(t) => {
                    if let Some(a) = &t.author_id {
                        tweet_authors.insert(t.id.0.clone(), a.0.clone());
                    }
                }
                // A tweet too malformed to be a record may still name its
                // author.
                Err(_) => {
                    #[derive(Deserialize)]
                    struct Min {
                        id: Id,
                        author_id: Option<Id>,
                    }
                    if let Ok(m) = serde_json::from_str::<Min>(raw.get())
                        && let Some(a) = m.author_id
                    {
                        tweet_authors.insert(m.id.0, a.0);
                    }
                }
            }
        }
        Ctx {
            users: inc.users.iter().map(|u| (u.id.0.as_str(), u)).collect(),
            by_name: std::cell::OnceCell::new(),
            all_users: &inc.users,
            media: inc
                .media
                .iter()
                .filter_map(|m| Some((m.media_key.as_deref()?, m)))
                .collect(),
            tweet_authors,
            retrieved_at,
        }
    }
}

impl<'a> Ctx<'a> {
    fn by_name(&self) -> &HashMap<String, &'a User> {
        self.by_name.get_or_init(|| {
            self.all_users
                .iter()
                .filter_map(|u| Some((u.username.as_ref()?.to_lowercase(), u)))
                .collect()
        })
    }
}

fn actor(u: &User, seen_at: Option<i64>) -> ActorRecord {
    ActorRecord {
        ref_: actor_ref(Platform::X, &u.id.0),
        handle: u.username.clone(),
        display_name: u.name.clone(),
        location: u.location.clone().filter(|s| !s.is_empty()),
        description: u.description.clone().filter(|s| !s.is_empty()),
        followers: u.public_metrics.as_ref().and_then(|m| m.followers_count),
        seen_at,
    }
}

/// The author of a tweet from the page's `includes.users`, which were sent
/// as profile records before the page's tweets: who it is and the names it
/// posted under, without copying the rest of the profile into every post.
fn named(u: &User, seen_at: Option<i64>) -> ActorRecord {
    ActorRecord {
        ref_: actor_ref(Platform::X, &u.id.0),
        handle: u.username.clone(),
        display_name: u.name.clone(),
        location: None,
        description: None,
        followers: None,
        seen_at,
    }
}

/// A JSON text to parse: bytes as read, or an item of a page already parsed,
/// whose UTF-8 serde_json has checked (parsing it as a `str` does not check
/// it again: 1.8% fewer instructions for a whole store-only ingest of
/// bench/ingest.sh's 20k-tweet file, under callgrind).
#[derive(Clone, Copy)]
enum Json<'a> {
    Bytes(&'a [u8]),
    Str(&'a str),
}

impl<'a> Json<'a> {
    fn bytes(self) -> &'a [u8] {
        match self {
            Json::Bytes(b) => b,
            Json::Str(s) => s.as_bytes(),
        }
    }

    fn parse<T: Deserialize<'a>>(self) -> serde_json::Result<T> {
        match self {
            Json::Bytes(b) => serde_json::from_slice(b),
            Json::Str(s) => serde_json::from_str(s),
        }
    }
}

/// Sends the post record of one tweet object, and of the tweets nested in
/// it (a v2 `referenced_tweets` entry with its own text), or a problem.
fn tweet(
    line: u64,
    offset: u64,
    json: Json<'_>,
    embedded: bool,
    ctx: &Ctx<'_>,
    c: &mut Counted<'_>,
) -> Flow {
    tweet_parsed(line, offset, json.bytes(), json.parse(), embedded, ctx, c)
}

/// [`tweet`], for a tweet object already parsed (`bytes` is its JSON).
fn tweet_parsed(
    line: u64,
    offset: u64,
    bytes: &[u8],
    parsed: serde_json::Result<Tweet<'_>>,
    embedded: bool,
    ctx: &Ctx<'_>,
    c: &mut Counted<'_>,
) -> Flow {
    let t = match parsed {
        Ok(t) => t,
        Err(e) => {
            return c.problem(Problem::new(
                line,
                offset,
                format!("bad tweet object: {e}"),
                bytes,
            ));
        }
    };
    if t.id.0.is_empty() || !t.id.0.bytes().all(|b| b.is_ascii_digit()) {
        return c.problem(Problem::new(
            line,
            offset,
            format!("tweet id {:?} is not numeric", t.id.0),
            bytes,
        ));
    }
    let author = match (&t.author, &t.author_id) {
        (Some(u), _) => actor(u, ctx.retrieved_at),
        (None, Some(id)) => match ctx.users.get(id.0.as_str()) {
            Some(u) => named(u, ctx.retrieved_at),
            None => ActorRecord::bare(actor_ref(Platform::X, &id.0)),
        },
        (None, None) => ActorRecord::bare(""),
    };
    let mut p = PostRecord::new(
        Platform::X,
        post_ref(Platform::X, None, &t.id.0),
        t.id.0.clone(),
        author,
    );
    p.embedded = embedded;
    p.text = t
        .note_tweet
        .and_then(|n| n.text)
        .or(t.text)
        .unwrap_or_default();
    p.created_at = t.created_at.as_deref().and_then(time::rfc3339);
    if p.created_at.is_none() {
        p.created_at =
            t.id.0
                .parse()
                .ok()
                .and_then(time::snowflake_ms)
                .map(|ms| ms / 1000);
    }
    p.lang = t.lang;
    let reply_user = t
        .in_reply_to_user
        .as_ref()
        .map(|u| u.id.0.clone())
        .or(t.in_reply_to_user_id.map(|i| i.0));
    if let Some(u) = &t.in_reply_to_user {
        p.mentions.push(actor(u, ctx.retrieved_at));
    }
    let mut nested = Vec::new();
    for r in &t.referenced_tweets {
        let Ok(rt) = serde_json::from_str::<RefTweet>(r.get()) else {
            continue;
        };
        let target = post_ref(Platform::X, None, &rt.id.0);
        let inline_author = if rt.text.is_some() {
            nested.push(*r);
            #[derive(Deserialize)]
            struct A {
                author_id: Option<Id>,
                author: Option<User>,
            }
            serde_json::from_str::<A>(r.get())
                .ok()
                .and_then(|a| a.author.map(|u| u.id.0).or(a.author_id.map(|i| i.0)))
        } else {
            None
        };
        let author_of = inline_author.or_else(|| ctx.tweet_authors.get(&rt.id.0).cloned());
        let link = |a: Option<String>| PostLink {
            post: target.clone(),
            actor: a.map(|a| actor_ref(Platform::X, &a)),
        };
        match rt.kind.as_str() {
            "replied_to" => p.reply_to = Some(link(author_of.or(reply_user.clone()))),
            "quoted" => p.quote_of = Some(link(author_of)),
            "retweeted" => p.repost_of = Some(link(author_of)),
            _ => {}
        }
    }
    if p.reply_to.is_none()
        && let Some(u) = reply_user
    {
        // A reply whose parent tweet is not referenced (withheld, deleted):
        // the target account is still known.
        p.reply_to = Some(PostLink {
            post: String::new(),
            actor: Some(actor_ref(Platform::X, &u)),
        });
    }
    if let Some(e) = t.entities {
        p.hashtags = e.hashtags.into_iter().map(|h| h.tag).collect();
        for m in e.mentions {
            let by_id = m.id.as_ref().map(|i| i.0.clone());
            let user = by_id
                .as_deref()
                .and_then(|i| ctx.users.get(i).copied())
                .or_else(|| {
                    m.username
                        .as_ref()
                        .and_then(|n| ctx.by_name().get(&n.to_lowercase()).copied())
                });
            let a = match user {
                Some(u) => named(u, ctx.retrieved_at),
                None => ActorRecord {
                    ref_: by_id
                        .map(|i| actor_ref(Platform::X, &i))
                        .unwrap_or_default(),
                    handle: m.username.clone(),
                    ..Default::default()
                },
            };
            if !p
                .mentions
                .iter()
                .any(|x| x.ref_ == a.ref_ && !a.ref_.is_empty())
            {
                p.mentions.push(a);
            }
        }
        p.urls = e
            .urls
            .into_iter()
            .filter_map(|u| {
                Some(UrlRef {
                    given: u.url?,
                    expanded: u.unwound_url.or(u.expanded_url),
                })
            })
            .collect();
    }
    if let Some(a) = t.attachments {
        for m in a.media {
            if let Some(k) = m.media_key.clone() {
                p.media.push(media(&k, Some(&m)));
            }
        }
        for k in a.media_keys {
            if !p.media.iter().any(|m| m.key == k) {
                p.media.push(media(&k, ctx.media.get(k.as_str()).copied()));
            }
        }
    }
    if let Some(m) = t.public_metrics {
        p.metrics = Metrics {
            likes: m.like_count,
            reposts: m.retweet_count,
            replies: m.reply_count,
            quotes: m.quote_count,
            views: m.impression_count,
        };
    }
    if let Some(h) = &t.edit_history_tweet_ids
        && h.len() > 1
        && h.last().is_some_and(|l| l.0 == t.id.0)
    {
        // The newest id of an edit chain; the platform's edit time is its creation time.
        p.edited_at = p.created_at;
    }
    p.raw = bytes.to_vec();
    if c.record(line, Record::Post(Box::new(p))) == Flow::Stop {
        return Flow::Stop;
    }
    for n in nested {
        if tweet(line, offset, Json::Str(n.get()), true, ctx, c) == Flow::Stop {
            return Flow::Stop;
        }
    }
    Flow::Continue
}

fn media(key: &str, m: Option<&Media>) -> MediaRef {
    // `3_123` (v2 media key) and `123` (v1.1 id) name the same item.
    let k = key.split_once('_').map_or(key, |(_, id)| id);
    MediaRef {
        kind: m
            .and_then(|m| m.kind.clone())
            .unwrap_or_else(|| "media".into()),
        key: k.to_string(),
        url: m.and_then(|m| m.url.clone().or(m.preview_image_url.clone())),
    }
}

fn compliance(
    line: u64,
    offset: u64,
    bytes: &[u8],
    id: &str,
    action: &str,
    top: &Top,
    c: &mut Counted<'_>,
) -> Flow {
    if action != "delete" {
        return c.problem(Problem::new(
            line,
            offset,
            format!("compliance action {action:?} is not understood"),
            bytes,
        ));
    }
    // Tweet compliance and user compliance have the same shape. A tweet id is
    // a snowflake whose embedded time is the tweet's `created_at`.
    let created = top.created_at.as_deref().and_then(time::rfc3339);
    let snow = id
        .parse::<u64>()
        .ok()
        .and_then(time::snowflake_ms)
        .map(|ms| ms / 1000);
    let is_tweet = matches!((created, snow), (Some(a), Some(b)) if (a - b).abs() <= 86_400);
    if !is_tweet {
        return c.problem(Problem::new(
            line,
            offset,
            "user compliance record (an account, not a post): nothing to ingest",
            bytes,
        ));
    }
    let g = GoneRecord {
        post: post_ref(Platform::X, None, id),
        author: None,
        reason: top.reason.clone().unwrap_or_else(|| "delete".into()),
        at: top.redacted_at.as_deref().and_then(time::rfc3339),
        raw: bytes.to_vec(),
    };
    c.record(line, Record::Gone(g))
}

fn errors(line: u64, errs: &[ApiError], at: Option<i64>, c: &mut Counted<'_>) -> Flow {
    for e in errs {
        if e.resource_type.as_deref() == Some("tweet")
            && e.title.as_deref() == Some("Not Found Error")
            && let Some(id) = e
                .resource_id
                .as_deref()
                .filter(|i| !i.is_empty() && i.bytes().all(|b| b.is_ascii_digit()))
        {
            let g = GoneRecord {
                post: post_ref(Platform::X, None, id),
                author: None,
                reason: "not-found".into(),
                at,
                raw: e.detail.clone().unwrap_or_default().into_bytes(),
            };
            if c.record(line, Record::Gone(g)) == Flow::Stop {
                return Flow::Stop;
            }
        }
    }
    Flow::Continue
}

/// The scope of a twarc2 page, from its `__twarc.url`: the endpoint plus the
/// `query` parameter; `start_time` / `end_time` bound it in time. Streams and
/// id lookups have no scope (they make no claim of completeness).
pub fn scope_from_url(u: &str) -> Option<Scope> {
    let url = url::Url::parse(u).ok()?;
    let path = url.path().trim_start_matches("/2/").trim_end_matches('/');
    if path == "tweets"
        || path.contains("stream")
        || path.contains("compliance")
        || path.starts_with("users/by")
    {
        return None;
    }
    let mut query = None;
    let (mut start, mut end) = (None, None);
    for (k, v) in url.query_pairs() {
        match k.as_ref() {
            "query" => query = Some(v.into_owned()),
            "start_time" => start = time::rfc3339(&v),
            "end_time" => end = time::rfc3339(&v),
            _ => {}
        }
    }
    let key = match &query {
        Some(q) => format!("x:{path}?query={q}"),
        None => format!("x:{path}"),
    };
    let label = match &query {
        Some(q) => format!("X {path} query {q:?}"),
        None => format!("X {path}"),
    };
    Some(Scope {
        key,
        label,
        start,
        end,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Decoder;
    use tarjuman_model::VecSink;

    fn run(input: &str) -> VecSink {
        let mut s = VecSink::default();
        Twarc2
            .decode(&mut input.as_bytes(), &DecodeOptions::default(), &mut s)
            .unwrap();
        s
    }

    #[test]
    fn page_with_includes_and_missing_author() {
        let page = r#"{"data":[{"id":"2","text":"RT @a: hi","author_id":"10","created_at":"2021-01-01T00:00:00.000Z","referenced_tweets":[{"type":"retweeted","id":"1"}],"entities":{"mentions":[{"username":"a","id":"11"}],"hashtags":[{"tag":"غزة"}]}},{"id":"3","text":"orphan","author_id":"99"}],"includes":{"users":[{"id":"10","username":"b","name":"B"},{"id":"11","username":"a","name":"A"}],"tweets":[{"id":"1","text":"hi","author_id":"11"}]},"__twarc":{"url":"https://api.twitter.com/2/tweets/search/all?query=%23x&start_time=2021-01-01T00%3A00%3A00Z&end_time=2021-01-02T00%3A00%3A00Z&next_token=abc","retrieved_at":"2021-01-03T00:00:00+00:00"}}"#;
        let s = run(page);
        let posts: Vec<_> = s.posts().collect();
        assert_eq!(posts.len(), 3);
        assert_eq!(
            posts[0].repost_of.as_ref().unwrap().actor.as_deref(),
            Some("x:11")
        );
        assert_eq!(posts[0].hashtags, vec!["غزة"]);
        assert_eq!(posts[1].author.ref_, "x:99");
        assert!(posts[1].author.handle.is_none());
        assert!(posts[2].embedded);
        let scope = s.records.iter().find_map(|(_, r)| match r {
            Record::Scope(s) => Some(s.clone()),
            _ => None,
        });
        let scope = scope.unwrap();
        assert_eq!(scope.key, "x:tweets/search/all?query=#x");
        assert_eq!(scope.start, Some(1609459200));
    }

    #[test]
    fn a_malformed_referenced_tweet_still_names_its_author() {
        // includes.tweets[0] has a `lang` of the wrong type: it is a problem,
        // not a record, but the reply to it still links to its author.
        let page = r#"{"data":[{"id":"2","text":"@a no","author_id":"10","referenced_tweets":[{"type":"replied_to","id":"1"}]}],"includes":{"users":[{"id":"10","username":"b","name":"B"}],"tweets":[{"id":"1","text":"hi","author_id":"11","lang":5},{"id":"4","text":"ok","author_id":"12"}]}}"#;
        let s = run(page);
        let posts: Vec<_> = s.posts().collect();
        assert_eq!(posts.len(), 2);
        assert_eq!(posts[0].reply_to.as_ref().unwrap().post, "x:1");
        assert_eq!(
            posts[0].reply_to.as_ref().unwrap().actor.as_deref(),
            Some("x:11")
        );
        assert_eq!(posts[1].ref_, "x:4");
        assert!(posts[1].embedded);
        assert_eq!(s.problems.len(), 1);
        assert!(s.problems[0].reason.contains("bad tweet object"));
    }

    #[test]
    fn compliance_tweets_and_users() {
        let s = run(concat!(
            r#"{"id":"1170025343920402432","action":"delete","created_at":"2019-09-06T17:25:54.667Z","reason":"protected"}"#,
            "\n",
            r#"{"id":"1482680858","action":"delete","created_at":"2013-06-04T16:25:04+00:00","reason":"protected"}"#
        ));
        assert_eq!(s.records.len(), 1);
        assert_eq!(s.problems.len(), 1);
    }

    #[test]
    fn wrong_shapes_are_problems() {
        let s = run("{\"hello\":1}\n[1,2]\nnot json\n{\"data\":5}\n");
        assert_eq!(s.records.len(), 0);
        assert_eq!(s.problems.len(), 4);
        assert_eq!(s.problems[2].line, 3);
    }

    #[test]
    fn a_counts_page_is_one_problem() {
        let buckets: Vec<String> = (0..50)
            .map(|i| {
                format!(r#"{{"end":"2021-10-16T{i:02}:00:00.000Z","start":"x","tweet_count":{i}}}"#)
            })
            .collect();
        let s = run(&format!("{{\"data\":[{}]}}\n", buckets.join(",")));
        assert_eq!(s.records.len(), 0);
        assert_eq!(s.problems.len(), 1);
        assert!(s.problems[0].reason.starts_with("50 tweet-counts buckets"));
    }

    /// A page's members as twarc2 writes them (`data` first: the one-pass
    /// split), and the same members with `data` last (the general path).
    fn both_orders(items: &[String], sep: &str, rest: &str) -> (String, String) {
        let data = format!("\"data\":[{}]", items.join(sep));
        if rest.is_empty() {
            // Some member must come first: `meta` is ignored.
            return (format!("{{{data}}}"), format!("{{\"meta\":{{}},{data}}}"));
        }
        (format!("{{{data},{rest}}}"), format!("{{{rest},{data}}}"))
    }

    /// Records and problem count, decoded from `page`, with the check that
    /// the page took the path it was meant to.
    fn decoded(page: &str, one_pass: bool) -> (Vec<(u64, Record)>, usize) {
        let split =
            opens_page(page.as_bytes()).and_then(|at| split_tweets(page, at, &mut String::new()));
        assert_eq!(split.is_some(), one_pass, "{page}");
        let s = run(&format!("{page}\n"));
        (s.records, s.problems.len())
    }

    const REST: &str = r#""includes":{"users":[{"id":"10","username":"b","name":"B"}],"tweets":[{"id":"1","text":"hi","author_id":"11"}]},"meta":{"result_count":2},"errors":[{"resource_id":"5","resource_type":"tweet","title":"Not Found Error","type":"https://api.twitter.com/2/problems/resource-not-found"}],"__twarc":{"url":"https://api.twitter.com/2/tweets/search/all?query=a","retrieved_at":"2021-01-03T00:00:00+00:00"}"#;

    #[test]
    fn the_one_pass_split_decodes_pages_as_the_general_path_does() {
        let t = |id: &str, extra: &str| {
            format!(
                r#"{{"id":"{id}","text":"t {id} #غزة @a","author_id":"10","created_at":"2021-01-01T00:00:00.000Z","referenced_tweets":[{{"type":"replied_to","id":"1"}}]{extra}}}"#
            )
        };
        let tweets = [
            t("2", ""),
            t(
                "3",
                r#","lang":"ar","entities":{"hashtags":[{"tag":"غزة"}]}"#,
            ),
        ];
        // Taken by the one-pass split.
        for (items, sep, rest) in [
            (&tweets[..], ",", REST),
            (&tweets[..], " ,\t ", REST),
            (&tweets[..1], ",", ""),
            (&[][..], ",", REST),
        ] {
            let (fast, general) = both_orders(items, sep, rest);
            let a = decoded(&fast, true);
            assert_eq!(a, decoded(&general, false), "{fast}");
            let posts = a.0.iter().filter(|(_, r)| matches!(r, Record::Post(_)));
            assert_eq!(posts.count(), items.len() + usize::from(!rest.is_empty()));
        }
        // Left to the general path: a user among the tweets, a tweet
        // without text, a tweet whose id is not a string of digits.
        let user = r#"{"id":"77","username":"lookup"}"#.to_string();
        let no_text = r#"{"id":"4","author_id":"10"}"#.to_string();
        let bad_id = r#"{"id":["4"],"text":"x"}"#.to_string();
        for odd in [user, no_text, bad_id] {
            let items = [tweets[0].clone(), odd];
            let (fast, general) = both_orders(&items, ",", REST);
            let (recs, problems) = decoded(&fast, false);
            assert_eq!((recs, problems), decoded(&general, false), "{fast}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        #[test]
        fn any_tweet_text_splits_as_the_general_path_does(
            texts in proptest::collection::vec(".{0,40}", 1..4),
            sep in "[ \t\r]{0,2},[ \t\r]{0,2}",
        ) {
            let items: Vec<String> = texts
                .iter()
                .enumerate()
                .map(|(i, text)| {
                    let text = serde_json::to_string(text).unwrap();
                    format!(r#"{{"id":"{}","text":{text},"author_id":"10"}}"#, i + 2)
                })
                .collect();
            let (fast, general) = both_orders(&items, &sep, REST);
            let a = decoded(&fast, true);
            proptest::prop_assert_eq!(a, decoded(&general, false));
        }
    }
}
