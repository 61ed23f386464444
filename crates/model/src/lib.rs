//! # tarjuman-model: the vocabulary
//!
//! Plain data types shared by every part of tarjuman: what a decoder emits
//! ([`Record`]), and the names of platforms, interaction kinds and refs.
//! There is no I/O here.
//!
//! A decoder turns the bytes of one archive into a stream of [`Record`]s:
//! [`PostRecord`] for every post object the file holds (embedded referenced
//! posts included), [`ActorRecord`] for every profile it shows, and
//! [`GoneRecord`] for explicit deletion notices. The store turns them into
//! rows; every analysis reads those rows.
//!
//! ```
//! use tarjuman_model::{Platform, post_ref, actor_ref};
//! assert_eq!(post_ref(Platform::X, None, "20"), "x:20");
//! assert_eq!(post_ref(Platform::Telegram, Some("1234"), "7"), "telegram:1234/7");
//! assert_eq!(actor_ref(Platform::Telegram, "99"), "telegram:99");
//! ```
#![deny(missing_docs)]

use serde::{Deserialize, Serialize};
use std::fmt;

/// The platform a post or actor lives on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    /// X, formerly Twitter.
    X,
    /// Telegram channels, groups and chats.
    Telegram,
    /// Facebook pages and groups (CrowdTangle exports).
    Facebook,
    /// Instagram (CrowdTangle exports).
    Instagram,
    /// Mastodon and other fediverse servers.
    Mastodon,
    /// Bluesky.
    Bluesky,
    /// Anything else, usually a CSV of unknown origin.
    Other,
}

impl Platform {
    /// The lower-case name used in refs and in the store.
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::X => "x",
            Platform::Telegram => "telegram",
            Platform::Facebook => "facebook",
            Platform::Instagram => "instagram",
            Platform::Mastodon => "mastodon",
            Platform::Bluesky => "bluesky",
            Platform::Other => "csv",
        }
    }

    /// Parses a platform name as users write it (`twitter`, `X`, `tg`, …).
    pub fn parse(s: &str) -> Option<Platform> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "x" | "twitter" | "tweet" | "tweets" => Platform::X,
            "telegram" | "tg" => Platform::Telegram,
            "facebook" | "fb" => Platform::Facebook,
            "instagram" | "ig" => Platform::Instagram,
            "mastodon" | "fediverse" => Platform::Mastodon,
            "bluesky" | "bsky" => Platform::Bluesky,
            "csv" | "other" => Platform::Other,
            _ => return None,
        })
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The ref of a post: `x:<id>`, `telegram:<chat>/<msg>`, `facebook:<id>`.
///
/// `chat` is used only for platforms whose message ids are per chat (Telegram).
pub fn post_ref(platform: Platform, chat: Option<&str>, id: &str) -> String {
    match chat {
        Some(c) => format!("{}:{}/{}", platform.as_str(), c, id),
        None => format!("{}:{}", platform.as_str(), id),
    }
}

/// The ref of an actor: `x:<user id>`, `telegram:<peer id>`.
pub fn actor_ref(platform: Platform, id: &str) -> String {
    format!("{}:{}", platform.as_str(), id)
}

/// The kind of a typed, directed interaction between two actors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InteractionKind {
    /// A reply to a post of the target.
    Reply,
    /// A quote of a post of the target.
    Quote,
    /// A repost (retweet) of a post of the target.
    Repost,
    /// A mention of the target.
    Mention,
    /// A Telegram forward of the target's message.
    Forward,
}

impl InteractionKind {
    /// The lower-case name used in the store and in exports.
    pub fn as_str(self) -> &'static str {
        match self {
            InteractionKind::Reply => "reply",
            InteractionKind::Quote => "quote",
            InteractionKind::Repost => "repost",
            InteractionKind::Mention => "mention",
            InteractionKind::Forward => "forward",
        }
    }
}

/// An actor as one record shows it. Only `ref_` is required; the rest is what
/// the record happened to carry and is merged into the actor's history.
#[derive(Clone, Debug, Default, PartialEq, Hash, Serialize, Deserialize)]
pub struct ActorRecord {
    /// The stable ref, such as `x:12` or `telegram:1234`.
    pub ref_: String,
    /// The platform's handle (`username`, `screen_name`), without `@`.
    pub handle: Option<String>,
    /// The display name as seen.
    pub display_name: Option<String>,
    /// Free-text location from the profile, as seen.
    pub location: Option<String>,
    /// Profile description, as seen.
    pub description: Option<String>,
    /// Follower count as seen, when the record has it.
    pub followers: Option<i64>,
    /// Time (Unix seconds) the record was observed or produced, when known.
    pub seen_at: Option<i64>,
}

impl ActorRecord {
    /// An actor known by ref only.
    pub fn bare(ref_: impl Into<String>) -> ActorRecord {
        ActorRecord {
            ref_: ref_.into(),
            ..ActorRecord::default()
        }
    }
}

/// A URL as a post gives it.
#[derive(Clone, Debug, PartialEq, Hash, Eq, Serialize, Deserialize)]
pub struct UrlRef {
    /// The URL as written in the post (often a t.co short link).
    pub given: String,
    /// The expanded URL, when the record carries one.
    pub expanded: Option<String>,
}

/// A media item attached to a post.
#[derive(Clone, Debug, PartialEq, Hash, Eq, Serialize, Deserialize)]
pub struct MediaRef {
    /// `photo`, `video`, `animated_gif`, `voice`, `file`, …
    pub kind: String,
    /// The platform's key for it (media key, file name), stable across captures.
    pub key: String,
    /// A URL for it, when given.
    pub url: Option<String>,
}

/// Public metrics of a post, as captured at one time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Hash, Eq, Serialize, Deserialize)]
pub struct Metrics {
    /// Likes / favourites / reactions.
    pub likes: Option<i64>,
    /// Reposts / retweets / shares.
    pub reposts: Option<i64>,
    /// Replies / comments.
    pub replies: Option<i64>,
    /// Quotes.
    pub quotes: Option<i64>,
    /// Views / impressions.
    pub views: Option<i64>,
}

impl Metrics {
    /// True when no field is known.
    pub fn is_empty(&self) -> bool {
        self.likes.is_none()
            && self.reposts.is_none()
            && self.replies.is_none()
            && self.quotes.is_none()
            && self.views.is_none()
    }
}

/// A pointer from one post to another post (reply, quote, repost, forward).
#[derive(Clone, Debug, PartialEq, Hash, Eq, Serialize, Deserialize)]
pub struct PostLink {
    /// The ref of the post pointed to; empty when only its author is known
    /// (an X reply whose parent tweet was not delivered).
    pub post: String,
    /// The ref of its author, when known.
    pub actor: Option<String>,
}

/// One post object as a file holds it.
#[derive(Clone, Debug, PartialEq, Hash, Serialize, Deserialize)]
pub struct PostRecord {
    /// The platform.
    pub platform: Platform,
    /// The stable ref (see [`post_ref`]).
    pub ref_: String,
    /// The native id as a string (never through a float).
    pub native_id: String,
    /// The author. May be known by ref only.
    pub author: ActorRecord,
    /// Creation time, Unix seconds UTC.
    pub created_at: Option<i64>,
    /// Original text, unchanged.
    pub text: String,
    /// Language as the platform labelled it.
    pub lang: Option<String>,
    /// The post this one replies to.
    pub reply_to: Option<PostLink>,
    /// The post this one quotes.
    pub quote_of: Option<PostLink>,
    /// The post this one reposts.
    pub repost_of: Option<PostLink>,
    /// Where a forwarded (Telegram) message came from.
    pub forwarded_from: Option<ActorRecord>,
    /// Accounts mentioned, as actors (ref, handle).
    pub mentions: Vec<ActorRecord>,
    /// Hashtags without `#`, as written.
    pub hashtags: Vec<String>,
    /// URLs as given and expanded.
    pub urls: Vec<UrlRef>,
    /// Media references.
    pub media: Vec<MediaRef>,
    /// Public metrics as captured.
    pub metrics: Metrics,
    /// When the platform says the post was last edited (Unix seconds).
    pub edited_at: Option<i64>,
    /// True when this object came embedded in another (twarc2 `includes`,
    /// v1.1 `retweeted_status`): it is kept, but it does not define the
    /// capture's scope.
    pub embedded: bool,
    /// True when the record's content is known to be incomplete or borrowed
    /// (a twarc-csv row of a merged retweet carries the original's text):
    /// it can add a new post, but never a new version of a stored one.
    pub partial: bool,
    /// The raw record (JSON, or a CSV row as JSON) it was decoded from.
    pub raw: Vec<u8>,
}

impl PostRecord {
    /// An empty post of `platform` with the given ref and native id.
    pub fn new(platform: Platform, ref_: String, native_id: String, author: ActorRecord) -> Self {
        PostRecord {
            platform,
            ref_,
            native_id,
            author,
            created_at: None,
            text: String::new(),
            lang: None,
            reply_to: None,
            quote_of: None,
            repost_of: None,
            forwarded_from: None,
            mentions: Vec::new(),
            hashtags: Vec::new(),
            urls: Vec::new(),
            media: Vec::new(),
            metrics: Metrics::default(),
            edited_at: None,
            embedded: false,
            partial: false,
            raw: Vec::new(),
        }
    }

    /// The kind of the post: `repost`, `quote`, `reply`, `forward` or `post`.
    pub fn kind(&self) -> &'static str {
        if self.repost_of.is_some() {
            "repost"
        } else if self.forwarded_from.is_some() {
            "forward"
        } else if self.quote_of.is_some() {
            "quote"
        } else if self.reply_to.is_some() {
            "reply"
        } else {
            "post"
        }
    }
}

/// An explicit notice that a post is gone (twarc2 compliance output, v1.1
/// stream `delete` notices).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoneRecord {
    /// The ref of the post.
    pub post: String,
    /// The author, when the notice names one.
    pub author: Option<String>,
    /// `delete`, `protected`, `deactivated`, `suspended`, `withheld`, …
    pub reason: String,
    /// When the platform says it happened (Unix seconds).
    pub at: Option<i64>,
    /// The raw notice.
    pub raw: Vec<u8>,
}

/// Describes what part of a platform a capture covers, so that a later
/// capture of the same scope can tell what went missing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scope {
    /// A stable key: `telegram-chat:<id>`, `x-search:recent?query=…`.
    pub key: String,
    /// Human-readable description.
    pub label: String,
    /// Explicit time bounds (Unix seconds), when the capture states them
    /// (twarc2 `start_time` / `end_time`). Otherwise the pipeline infers them
    /// from the posts it saw.
    pub start: Option<i64>,
    /// See `start`.
    pub end: Option<i64>,
}

/// What a decoder emits.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Record {
    /// A post object.
    Post(Box<PostRecord>),
    /// A profile seen outside a post (twarc2 `includes.users`, user lookup).
    Actor(ActorRecord),
    /// An explicit deletion notice.
    Gone(GoneRecord),
    /// The decoder learnt the scope of the capture.
    Scope(Scope),
}

/// A bad record: it is reported and quarantined, and decoding goes on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// 1-based line number in the (decompressed) input, when known.
    pub line: u64,
    /// Byte offset of the record's start in the decompressed input.
    pub byte_offset: u64,
    /// What was wrong.
    pub reason: String,
    /// The bytes of the record, capped (see `MAX_PROBLEM_RAW`).
    pub raw: Vec<u8>,
}

/// The most raw bytes a [`Problem`] keeps of a bad record.
pub const MAX_PROBLEM_RAW: usize = 64 * 1024;

impl Problem {
    /// A problem at `line`/`byte_offset`; `raw` is truncated to [`MAX_PROBLEM_RAW`].
    pub fn new(line: u64, byte_offset: u64, reason: impl Into<String>, raw: &[u8]) -> Problem {
        let n = raw.len().min(MAX_PROBLEM_RAW);
        Problem {
            line,
            byte_offset,
            reason: reason.into(),
            raw: raw[..n].to_vec(),
        }
    }
}

/// Flow control returned by a [`RecordSink`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    /// Go on decoding.
    Continue,
    /// Stop decoding now (the sink keeps its own reason).
    Stop,
}

/// Where a decoder pushes what it finds.
pub trait RecordSink {
    /// A decoded record. `line` is the 1-based line it started on.
    fn record(&mut self, line: u64, r: Record) -> Flow;
    /// A bad record.
    fn problem(&mut self, p: Problem) -> Flow;
}

/// A sink that collects everything into vectors; handy in tests.
#[derive(Debug, Default)]
pub struct VecSink {
    /// Records in order, with their line.
    pub records: Vec<(u64, Record)>,
    /// Problems in order.
    pub problems: Vec<Problem>,
}

impl VecSink {
    /// The post records only.
    pub fn posts(&self) -> impl Iterator<Item = &PostRecord> {
        self.records.iter().filter_map(|(_, r)| match r {
            Record::Post(p) => Some(p.as_ref()),
            _ => None,
        })
    }
}

impl RecordSink for VecSink {
    fn record(&mut self, line: u64, r: Record) -> Flow {
        self.records.push((line, r));
        Flow::Continue
    }
    fn problem(&mut self, p: Problem) -> Flow {
        self.problems.push(p);
        Flow::Continue
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refs() {
        assert_eq!(post_ref(Platform::Facebook, None, "1_2"), "facebook:1_2");
        assert_eq!(Platform::parse("Twitter"), Some(Platform::X));
        assert_eq!(Platform::parse("nope"), None);
    }

    #[test]
    fn kind_precedence() {
        let mut p = PostRecord::new(
            Platform::X,
            "x:1".into(),
            "1".into(),
            ActorRecord::bare("x:2"),
        );
        assert_eq!(p.kind(), "post");
        p.reply_to = Some(PostLink {
            post: "x:3".into(),
            actor: None,
        });
        assert_eq!(p.kind(), "reply");
        p.quote_of = Some(PostLink {
            post: "x:4".into(),
            actor: None,
        });
        assert_eq!(p.kind(), "quote");
        p.repost_of = Some(PostLink {
            post: "x:5".into(),
            actor: None,
        });
        assert_eq!(p.kind(), "repost");
    }

    #[test]
    fn problem_raw_is_capped() {
        let big = vec![b'x'; MAX_PROBLEM_RAW + 10];
        assert_eq!(Problem::new(1, 0, "r", &big).raw.len(), MAX_PROBLEM_RAW);
    }
}
