//! Reading posts from the store and turning each into its coordination
//! *features*: everything any network compares, for both modes, computed
//! once per post.
//!
//! [`read_range`] reads the primary posts (`posts.embedded = 0`, with an
//! author) of a range of post ids, with their first version's text and raw
//! record where the toolkit's rules need them, their URLs and hashtags.
//! [`Extractor::extract`] turns one such row into a [`PostFeat`]. The rules
//! per mode are in the [`load`](super::load) module docs; this is where
//! they are implemented, and [`super::features`] stores the result.

use super::CoordError;
use super::cnt;
use rusqlite::Connection;
use serde::Deserialize;

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

/// One primary post as read from the store, with what its features need.
pub(crate) struct RowIn {
    post_id: i64,
    platform: String,
    native: String,
    created_at: Option<i64>,
    kind: String,
    repost_of: Option<String>,
    reply_to: Option<String>,
    forwarded_from: Option<i64>,
    post_ref: String,
    /// The latest text.
    text: String,
    /// The first version's text, when the post has several versions.
    text_v1: Option<String>,
    actor_id: i64,
    actor_native: String,
    actor_ref: String,
    /// First seen in a CSV capture: its raw row may hold the toolkit's cells.
    from_csv: bool,
    /// The first version's raw record, for CSV rows and tweets.
    raw: Option<Vec<u8>>,
    /// `(expanded, url)` in order.
    urls: Vec<(Option<String>, String)>,
    /// Hashtags as written.
    hashtags: Vec<String>,
}

/// SQL: the post was first seen in one of these captures.
fn in_captures(ids: &[i64]) -> String {
    if ids.is_empty() {
        return "0".to_string();
    }
    let ids: Vec<String> = ids.iter().map(i64::to_string).collect();
    format!("p.first_capture IN ({})", ids.join(","))
}

/// Reads the primary posts with ids in `lo..=hi`, in id order.
pub(crate) struct RangeReader<'c> {
    conn: &'c Connection,
    raws: tarjuman_store::RawReader,
    posts: rusqlite::Statement<'c>,
    urls: rusqlite::Statement<'c>,
    hashtags: rusqlite::Statement<'c>,
}

impl<'c> RangeReader<'c> {
    /// Prepares the statements (reads which captures are CSV files).
    pub(crate) fn new(conn: &'c Connection) -> Result<RangeReader<'c>, CoordError> {
        let csv_captures: Vec<i64> = conn
            .prepare("SELECT id FROM captures WHERE format = 'csv'")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let is_csv = in_captures(&csv_captures);
        // The toolkit keeps the first record of a message: in compat mode
        // the text and raw record of version 1, not the latest edit.
        let sql = format!(
            "SELECT p.id, p.platform, p.native_id, p.created_at, p.kind, p.repost_of, p.reply_to,
                    p.forwarded_from, p.ref, p.text, a.id, a.native_id, a.ref, {is_csv},
                    CASE WHEN p.versions > 1 THEN v.text END,
                    CASE WHEN {is_csv} OR p.platform = 'x' THEN 1 END,
                    v.raw_zstd, v.raw_block, v.raw_offset, v.raw_len
             FROM posts p
             JOIN actors a ON a.id = p.author_id
             LEFT JOIN post_versions v ON v.post_id = p.id AND v.version = 1
             WHERE p.id BETWEEN ?1 AND ?2 AND p.embedded = 0
             ORDER BY p.id"
        );
        Ok(RangeReader {
            conn,
            raws: tarjuman_store::RawReader::new(),
            posts: conn.prepare(&sql)?,
            urls: conn.prepare(
                "SELECT post_id, expanded, url FROM urls WHERE post_id BETWEEN ?1 AND ?2 ORDER BY post_id, pos",
            )?,
            hashtags: conn
                .prepare("SELECT post_id, tag FROM hashtags WHERE post_id BETWEEN ?1 AND ?2")?,
        })
    }

    /// The rows of posts `lo..=hi`.
    pub(crate) fn read(&mut self, lo: i64, hi: i64) -> Result<Vec<RowIn>, CoordError> {
        let mut out: Vec<RowIn> = Vec::new();
        let mut rows = self.posts.query([lo, hi])?;
        while let Some(r) = rows.next()? {
            out.push(RowIn {
                post_id: r.get(0)?,
                platform: r.get(1)?,
                native: r.get(2)?,
                created_at: r.get(3)?,
                kind: r.get(4)?,
                repost_of: r.get(5)?,
                reply_to: r.get(6)?,
                forwarded_from: r.get(7)?,
                post_ref: r.get(8)?,
                text: r.get(9)?,
                actor_id: r.get(10)?,
                actor_native: r.get(11)?,
                actor_ref: r.get(12)?,
                from_csv: r.get::<_, Option<bool>>(13)?.unwrap_or(false),
                text_v1: r.get(14)?,
                raw: match r.get::<_, Option<i64>>(15)? {
                    Some(_) => {
                        let loc = tarjuman_store::RawLoc::from_row(r, 16)?;
                        self.raws.read(self.conn, &loc)?.map(<[u8]>::to_vec)
                    }
                    None => None,
                },
                urls: Vec::new(),
                hashtags: Vec::new(),
            });
        }
        if out.is_empty() {
            return Ok(out);
        }
        let at = |out: &[RowIn], id: i64| out.binary_search_by_key(&id, |r| r.post_id).ok();
        let mut rows = self.urls.query([lo, hi])?;
        while let Some(r) = rows.next()? {
            if let Some(i) = at(&out, r.get(0)?) {
                out[i].urls.push((r.get(1)?, r.get(2)?));
            }
        }
        let mut rows = self.hashtags.query([lo, hi])?;
        while let Some(r) = rows.next()? {
            if let Some(i) = at(&out, r.get(0)?) {
                out[i].hashtags.push(r.get(1)?);
            }
        }
        Ok(out)
    }
}

/// A post's features in one mode (see the [`load`](super::load) docs).
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct ModeFeat {
    /// The time compared against the window; `None`: the post is skipped.
    pub t: Option<f64>,
    /// The retweeted post (default mode: or the Telegram forward's key).
    pub repost: Option<String>,
    /// The replied-to post.
    pub reply: Option<String>,
    /// The co-tweet key (non-reposts; `None` in default mode for an empty
    /// text, which matches nothing).
    pub cotweet: Option<String>,
    /// Co-similar tokens (non-reposts), distinct.
    pub tokens: Tokens,
    /// URLs (non-reposts).
    pub urls: Vec<String>,
}

/// Distinct tokens, kept in one buffer.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Tokens {
    buf: String,
    spans: Vec<(u32, u32)>,
}

impl Tokens {
    /// The tokens, distinct.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.spans
            .iter()
            .map(|&(a, b)| self.buf.get(a as usize..b as usize).unwrap_or(""))
    }

    fn push(&mut self, t: &str) {
        let a = self.buf.len() as u32;
        self.buf.push_str(t);
        self.spans.push((a, self.buf.len() as u32));
    }

    /// Removes repeats. Most texts are short, and a scan beats sorting
    /// strings; long ones are sorted.
    fn finish(&mut self) {
        let buf = &self.buf;
        let s = |&(a, b): &(u32, u32)| buf.get(a as usize..b as usize).unwrap_or("");
        if self.spans.len() > 64 {
            self.spans.sort_unstable_by(|x, y| s(x).cmp(s(y)));
            self.spans.dedup_by(|x, y| s(x) == s(y));
            return;
        }
        let mut kept: Vec<(u32, u32)> = Vec::with_capacity(self.spans.len());
        for sp in &self.spans {
            let t = s(sp);
            if !kept.iter().any(|k| s(k) == t) {
                kept.push(*sp);
            }
        }
        self.spans = kept;
    }
}

/// Everything coordination reads of one primary post.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct PostFeat {
    /// `posts.id`.
    pub post_id: i64,
    /// `posts.created_at`.
    pub created_at: Option<i64>,
    /// `posts.platform`.
    pub platform: String,
    /// The author, `actors.id`.
    pub actor_id: i64,
    /// The author's node id: `actors.native_id`, for CSV actors without the
    /// `<file>:` prefix the store adds.
    pub node: String,
    /// A Telegram forward (`posts.kind = 'forward'`): a repost in default
    /// mode.
    pub forward: bool,
    /// Compat mode, a CNT CSV row: the raw `user_id` cell.
    pub cnt_user: Option<String>,
    /// The toolkit's rules.
    pub cnt: ModeFeat,
    /// tarjuman's rules.
    pub def: ModeFeat,
    /// Hashtags, lower-cased (both modes; non-reposts).
    pub hashtags: Vec<String>,
}

/// Whether a tweet's raw record can say something its stored columns do
/// not, for the toolkit's rules. Parsing JSON costs more than searching
/// it, so it is parsed only when it holds a field those rules read
/// differently from the decoder: `full_text`, `extended_tweet` or
/// `note_tweet` for the text, `unwound_url` or `extended_tweet` for URLs,
/// or when its id lies where a rounded numeric `id` could move the
/// toolkit's time. Otherwise `posts.text` is the toolkit's text and the
/// `urls` table's `expanded` its URLs. Returns (text, urls) needs.
fn raw_needs(raw: &[u8], near_step: bool) -> (bool, bool) {
    use memchr::memmem::find;
    let has = |p: &[u8]| find(raw, p).is_some();
    let ext = has(b"\"extended_tweet\"");
    let text = ext || has(b"\"full_text\"") || has(b"\"note_tweet\"");
    let urls = ext || has(b"\"unwound_url\"");
    (text || near_step, urls || near_step)
}

/// Turns rows into features; one per thread (it reuses its buffers).
#[derive(Default)]
pub(crate) struct Extractor {
    norm: String,
    out: String,
    tok: cnt::Tokenizer,
}

impl Extractor {
    /// tarjuman's co-tweet key of `text`: `None` when nothing is left.
    fn cotweet_default(&mut self, text: &str) -> Option<String> {
        tarjuman_text::normalize(text, &mut self.norm);
        cnt::cotweet_text_of_lowercase(&self.norm, &mut self.out);
        (!self.out.is_empty()).then(|| self.out.clone())
    }

    /// The co-tweet key (`None` when empty, in default mode) and the
    /// distinct tokens of `text`: by the toolkit's rules (`compat`: lower
    /// case, mentions removed) or over tarjuman's normalised text, which is
    /// lower-cased already. The text is prepared once for both.
    fn text_keys(&mut self, text: &str, compat: bool) -> (Option<String>, Tokens) {
        self.norm.clear();
        if compat {
            cnt::lower_without_mentions(text, &mut self.norm);
        } else {
            tarjuman_text::normalize(text, &mut self.out);
            cnt::strip_mentions(&self.out, &mut self.norm);
        }
        // Mentions are gone: these strip none again.
        cnt::cotweet_text_of_lowercase(&self.norm, &mut self.out);
        let key = (compat || !self.out.is_empty()).then(|| self.out.clone());
        let mut toks = Tokens::default();
        self.tok.tokens_of_lowercase(&self.norm, |t| toks.push(t));
        toks.finish();
        (key, toks)
    }

    /// The features of one row.
    pub(crate) fn extract(&mut self, r: &RowIn) -> PostFeat {
        let raw = r.raw.as_deref();
        let cnt_row = if r.from_csv {
            raw.and_then(parse_cnt_row)
        } else {
            None
        };
        let x_id: Option<u64> = (r.platform == "x").then(|| r.native.parse().ok()).flatten();
        let near_step = x_id.is_some_and(near_snowflake_step);
        // A tweet's raw record, parsed when the toolkit reads it differently
        // from the stored columns: (record, for the text, for the URLs).
        let (tweet, raw_text, raw_urls) = match raw {
            Some(b) if r.platform == "x" && !r.from_csv => {
                let (text, urls) = raw_needs(b, near_step);
                let tw = if text || urls {
                    serde_json::from_slice::<TweetRaw>(b).ok()
                } else {
                    None
                };
                (tw, text, urls)
            }
            _ => (None, false, false),
        };

        let node = if r.actor_ref.starts_with("csv:") {
            csv_native(&r.actor_native, &r.post_ref, &r.native)
                .unwrap_or_else(|| r.actor_native.clone())
        } else {
            r.actor_native.clone()
        };
        let mut f = PostFeat {
            post_id: r.post_id,
            created_at: r.created_at,
            platform: r.platform.clone(),
            actor_id: r.actor_id,
            node,
            forward: r.kind == "forward",
            cnt_user: cnt_row
                .as_ref()
                .map(|row| row.user_id.clone().unwrap_or_default()),
            ..PostFeat::default()
        };

        // Time.
        let created = r.created_at.map(|c| c as f64);
        let cell_t = cnt_row
            .as_ref()
            .map(|row| row.timestamp.as_deref().and_then(py_float));
        let finite = |t: Option<f64>| t.or(created).filter(|t| t.is_finite());
        f.cnt.t = finite(match (cell_t, x_id) {
            (Some(t), _) => t,
            (None, Some(id)) => {
                let numeric = tweet
                    .as_ref()
                    .and_then(|tw| tw.id.as_ref())
                    .and_then(value_u64);
                Some(snowflake_secs(numeric.unwrap_or(id)))
            }
            (None, None) => created,
        });
        f.def.t = finite(match (cell_t, x_id) {
            (Some(t), _) => t,
            (None, Some(id)) => {
                let secs = ((id >> 22) + SNOWFLAKE_EPOCH_MS) as f64 / 1000.0;
                match created {
                    Some(c) if (secs - c).abs() >= 2.0 => Some(c),
                    _ => Some(secs),
                }
            }
            (None, None) => created,
        });

        // Repost and reply keys.
        let nonempty =
            |s: &Option<String>| s.as_deref().filter(|s| !s.is_empty()).map(str::to_string);
        (f.cnt.repost, f.cnt.reply) = match &cnt_row {
            Some(row) => (nonempty(&row.repost_id), nonempty(&row.reply_id)),
            None => (
                r.repost_of
                    .as_deref()
                    .map(|x| strip_platform(x).to_string()),
                r.reply_to.as_deref().map(|x| strip_platform(x).to_string()),
            ),
        };
        let fwd = if f.forward && r.repost_of.is_none() {
            r.forwarded_from.map(|from| {
                let norm = self.cotweet_default(&r.text).unwrap_or_default();
                format!("forward:{from}:{norm}")
            })
        } else {
            None
        };
        f.def.repost = r.repost_of.clone().or(fwd);
        f.def.reply = r.reply_to.clone();

        // Compat mode: the toolkit's text and URLs, for non-reposts.
        if f.cnt.repost.is_none() {
            let body: String = if let Some(row) = &cnt_row {
                row.message.clone().unwrap_or_default()
            } else if let Some(tw) = tweet.as_ref().filter(|_| raw_text) {
                tw.full_text
                    .clone()
                    .or_else(|| tw.extended_tweet.as_ref().and_then(|e| e.full_text.clone()))
                    .or_else(|| tw.text.clone())
                    .unwrap_or_default()
            } else {
                r.text_v1.clone().unwrap_or_else(|| r.text.clone())
            };
            (f.cnt.cotweet, f.cnt.tokens) = self.text_keys(&body, true);
            f.cnt.urls = if let Some(row) = &cnt_row {
                // `urls.split(" ")`: an empty cell is one URL "".
                row.urls
                    .as_deref()
                    .unwrap_or("")
                    .split(' ')
                    .map(str::to_string)
                    .collect()
            } else if let Some(tw) = tweet.as_ref().filter(|_| raw_urls) {
                let ents = match &tw.extended_tweet {
                    Some(e) => e.entities.as_ref(),
                    None => tw.entities.as_ref(),
                };
                ents.map(|e| e.urls.as_slice())
                    .unwrap_or(&[])
                    .iter()
                    .filter_map(|u| u.expanded_url.clone())
                    .collect()
            } else {
                // The toolkit reads a tweet's `expanded_url` and nothing else.
                let expanded_only = r.platform == "x";
                r.urls
                    .iter()
                    .filter_map(|(e, u)| match e {
                        Some(e) => Some(e.clone()),
                        None if expanded_only => None,
                        None => Some(u.clone()),
                    })
                    .collect()
            };
        }
        // Default mode: the stored text through tarjuman's normaliser.
        if f.def.repost.is_none() && !f.forward {
            (f.def.cotweet, f.def.tokens) = self.text_keys(&r.text, false);
            f.def.urls = r
                .urls
                .iter()
                .map(|(e, u)| e.clone().unwrap_or_else(|| u.clone()))
                .collect();
        }
        f.hashtags = r.hashtags.iter().map(|t| t.to_lowercase()).collect();
        f
    }
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

    #[test]
    fn tokens_are_distinct_and_sorted() {
        let mut x = Extractor::default();
        let (key, t) = x.text_keys("b a  @x b. A", true);
        assert_eq!(t.iter().collect::<Vec<_>>(), ["b", "a", "."]);
        let long: String = (0..100)
            .map(|i| format!("w{} w{} ", i % 70, i % 70))
            .collect();
        let (_, t) = x.text_keys(&long, true);
        assert_eq!(t.iter().count(), 70);
        assert_eq!(key.as_deref(), Some("b a b. a"));
        let (key, t) = x.text_keys(" @só ", false);
        assert_eq!(key, None);
        assert_eq!(t.iter().count(), 0);
        let (key, _) = x.text_keys(" @só ", true);
        assert_eq!(key.as_deref(), Some(""));
    }
}
