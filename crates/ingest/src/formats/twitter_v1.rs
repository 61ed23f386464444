//! X (Twitter) API v1.1 statuses.
//!
//! Accepted shapes: one status per line (streaming, Gnip "original format"),
//! a JSON array of statuses (REST timelines), a search response
//! `{"statuses": [...], "search_metadata": …}`, a single pretty-printed
//! status, and stream `delete` notices (`{"delete": {"status": {…}}}`).
//!
//! Mapping: the id comes from `id_str`, else from the integer `id`, which is
//! read exactly (never through a float: some producers rounded `id` through
//! a double, so `id_str` wins when both exist). Text is
//! `extended_tweet.full_text`, else `full_text`, else `text`; entities come
//! from `extended_tweet` when present. `retweeted_status` and
//! `quoted_status` are posts of their own, marked embedded.

use super::util::{Counted, Id, decode_json_values, lenient_count};
use crate::{DecodeError, DecodeOptions, Decoder, Sniff, Summary, time};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::collections::HashMap;
use std::io::BufRead;
use tarjuman_model::{
    ActorRecord, Flow, GoneRecord, MediaRef, Metrics, Platform, PostLink, PostRecord, Problem,
    Record, RecordSink, UrlRef, actor_ref, post_ref,
};

/// The X API v1.1 decoder.
pub struct TwitterV1;

impl Decoder for TwitterV1 {
    fn name(&self) -> &'static str {
        "twitter-v1"
    }
    fn about(&self) -> &'static str {
        "X API v1.1 statuses: JSONL, arrays, search responses, Gnip original format, delete notices"
    }
    fn sniff(&self, head: &[u8], _file_name: &str) -> Sniff {
        let h = String::from_utf8_lossy(head);
        let t = h.trim_start_matches('\u{feff}').trim_start();
        if !(t.starts_with('{') || t.starts_with('[')) {
            return Sniff::No;
        }
        // Gnip Activity Streams (`verb`, `postedTime`, `actor`) is another schema.
        if h.contains("\"postedTime\"") && h.contains("\"verb\"") {
            return Sniff::No;
        }
        if h.contains("\"id_str\"") || h.contains("\"screen_name\"") || h.contains("\"statuses\"") {
            return Sniff::Certain;
        }
        if (h.contains("\"delete\"") && h.contains("\"status\""))
            || h.contains("\"status_withheld\"")
        {
            return Sniff::Certain;
        }
        if h.contains("\"created_at\"") && h.contains("\"user\"") && h.contains("\"text\"") {
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
        decode_json_values(input, opts, out, decode_value)
    }
}

#[derive(Deserialize)]
struct Top<'a> {
    #[serde(default, borrow)]
    statuses: Option<Vec<&'a RawValue>>,
    delete: Option<Delete>,
    status_withheld: Option<Withheld>,
    id: Option<serde::de::IgnoredAny>,
    id_str: Option<serde::de::IgnoredAny>,
    screen_name: Option<serde::de::IgnoredAny>,
    text: Option<serde::de::IgnoredAny>,
    user: Option<serde::de::IgnoredAny>,
}

#[derive(Deserialize)]
struct Delete {
    status: DeleteStatus,
    timestamp_ms: Option<Id>,
}

/// A stream notice that a status is withheld in some countries.
#[derive(Deserialize)]
struct Withheld {
    id_str: Option<String>,
    id: Option<Id>,
    user_id_str: Option<String>,
    user_id: Option<Id>,
    #[serde(default)]
    withheld_in_countries: Vec<String>,
    timestamp_ms: Option<Id>,
}

/// What a stream notice about one status says: which, whose, when.
struct Notice {
    id: Option<String>,
    user: Option<String>,
    /// `timestamp_ms`.
    at: Option<Id>,
}

impl Notice {
    /// The notice as deletion-like evidence (`what` names it in a problem).
    fn gone(
        self,
        line: u64,
        offset: u64,
        bytes: &[u8],
        what: &str,
        reason: String,
        c: &mut Counted<'_>,
    ) -> Flow {
        let Some(id) = self.id else {
            return c.problem(Problem::new(
                line,
                offset,
                format!("{what} notice without a status id"),
                bytes,
            ));
        };
        let g = GoneRecord {
            post: post_ref(Platform::X, None, &id),
            author: self.user.map(|u| actor_ref(Platform::X, &u)),
            reason,
            at: self
                .at
                .and_then(|t| t.0.parse::<i64>().ok())
                .map(|ms| ms / 1000),
            raw: bytes.to_vec(),
        };
        c.record(line, Record::Gone(g))
    }
}

/// Stream messages that are not statuses (see the streaming API's message
/// types), reported as such rather than as a wrong shape.
const STREAM_NOTICES: &[(&str, &str)] = &[
    (
        "limit",
        "a stream `limit` notice: matching tweets were not delivered",
    ),
    (
        "warning",
        "a stream `warning` (the client is falling behind)",
    ),
    ("disconnect", "a stream `disconnect` message"),
    (
        "scrub_geo",
        "a stream `scrub_geo` notice (location data to remove)",
    ),
    (
        "user_withheld",
        "a stream `user_withheld` notice (an account withheld in some countries)",
    ),
    ("user_delete", "a stream `user_delete` notice"),
    ("user_update", "a stream `user_update` notice"),
    ("friends", "a user stream `friends` list"),
    ("event", "a user stream event"),
    ("control", "a site stream `control` message"),
];

#[derive(Deserialize)]
struct DeleteStatus {
    id_str: Option<String>,
    id: Option<Id>,
    user_id_str: Option<String>,
    user_id: Option<Id>,
}

#[derive(Deserialize)]
struct Status<'a> {
    id_str: Option<String>,
    id: Option<Id>,
    created_at: Option<String>,
    text: Option<String>,
    full_text: Option<String>,
    extended_tweet: Option<Extended>,
    user: Option<User>,
    lang: Option<String>,
    in_reply_to_status_id_str: Option<String>,
    in_reply_to_status_id: Option<Id>,
    in_reply_to_user_id_str: Option<String>,
    in_reply_to_user_id: Option<Id>,
    in_reply_to_screen_name: Option<String>,
    #[serde(borrow)]
    retweeted_status: Option<&'a RawValue>,
    #[serde(borrow)]
    quoted_status: Option<&'a RawValue>,
    quoted_status_id_str: Option<String>,
    entities: Option<Entities>,
    extended_entities: Option<Entities>,
    #[serde(default, deserialize_with = "lenient_count")]
    favorite_count: Option<i64>,
    #[serde(default, deserialize_with = "lenient_count")]
    retweet_count: Option<i64>,
    #[serde(default, deserialize_with = "lenient_count")]
    reply_count: Option<i64>,
    #[serde(default, deserialize_with = "lenient_count")]
    quote_count: Option<i64>,
}

#[derive(Deserialize)]
struct Extended {
    full_text: Option<String>,
    entities: Option<Entities>,
    extended_entities: Option<Entities>,
}

#[derive(Deserialize)]
struct User {
    id_str: Option<String>,
    id: Option<Id>,
    screen_name: Option<String>,
    name: Option<String>,
    location: Option<String>,
    description: Option<String>,
    #[serde(default, deserialize_with = "lenient_count")]
    followers_count: Option<i64>,
}

#[derive(Deserialize, Default)]
struct Entities {
    #[serde(default)]
    hashtags: Vec<Hashtag>,
    #[serde(default)]
    user_mentions: Vec<UserMention>,
    #[serde(default)]
    urls: Vec<Url>,
    #[serde(default)]
    media: Vec<Media>,
}

#[derive(Deserialize)]
struct Hashtag {
    text: String,
}

#[derive(Deserialize)]
struct UserMention {
    id_str: Option<String>,
    id: Option<Id>,
    screen_name: Option<String>,
    name: Option<String>,
}

#[derive(Deserialize)]
struct Url {
    url: Option<String>,
    expanded_url: Option<String>,
}

#[derive(Deserialize)]
struct Media {
    id_str: Option<String>,
    id: Option<Id>,
    #[serde(rename = "type")]
    kind: Option<String>,
    media_url_https: Option<String>,
    media_url: Option<String>,
}

fn pick_id(s: &Option<String>, n: &Option<Id>) -> Option<String> {
    s.clone()
        .filter(|s| !s.is_empty())
        .or_else(|| n.as_ref().map(|i| i.0.clone()))
        .filter(|s| s.bytes().all(|b| b.is_ascii_digit()) && !s.is_empty())
}

fn decode_value(line: u64, offset: u64, bytes: &[u8], c: &mut Counted<'_>) -> Flow {
    if bytes.first() == Some(&b'[') {
        // An array inside a JSONL line: each element is a status.
        let items: Vec<&RawValue> = match serde_json::from_slice(bytes) {
            Ok(v) => v,
            Err(e) => {
                return c.problem(Problem::new(
                    line,
                    offset,
                    format!("not an array of statuses: {e}"),
                    bytes,
                ));
            }
        };
        for i in items {
            if decode_value(line, offset, i.get().as_bytes(), c) == Flow::Stop {
                return Flow::Stop;
            }
        }
        return Flow::Continue;
    }
    let top: Top = match serde_json::from_slice(bytes) {
        Ok(t) => t,
        Err(e) => {
            return c.problem(Problem::new(
                line,
                offset,
                format!("not a v1.1 status: {e}"),
                bytes,
            ));
        }
    };
    if let Some(sts) = top.statuses {
        for s in sts {
            if status(line, offset, s.get().as_bytes(), false, c) == Flow::Stop {
                return Flow::Stop;
            }
        }
        return Flow::Continue;
    }
    if let Some(d) = top.delete {
        let s = &d.status;
        let ids = Notice {
            id: pick_id(&s.id_str, &s.id),
            user: pick_id(&s.user_id_str, &s.user_id),
            at: d.timestamp_ms,
        };
        return ids.gone(line, offset, bytes, "delete", "delete".into(), c);
    }
    if let Some(w) = top.status_withheld {
        let ids = Notice {
            id: pick_id(&w.id_str, &w.id),
            user: pick_id(&w.user_id_str, &w.user_id),
            at: w.timestamp_ms,
        };
        let reason = if w.withheld_in_countries.is_empty() {
            "withheld".into()
        } else {
            format!("withheld in {}", w.withheld_in_countries.join(", "))
        };
        return ids.gone(line, offset, bytes, "status_withheld", reason, c);
    }
    if top.id.is_none() && top.id_str.is_none() {
        let keys = serde_json::from_slice::<HashMap<String, serde::de::IgnoredAny>>(bytes)
            .unwrap_or_default();
        let reason = match STREAM_NOTICES.iter().find(|(k, _)| keys.contains_key(*k)) {
            Some((_, what)) => format!("{what}; not a post"),
            None => "JSON of the wrong shape: no status id".into(),
        };
        return c.problem(Problem::new(line, offset, reason, bytes));
    }
    if top.screen_name.is_some() && top.text.is_none() && top.user.is_none() {
        return user_object(line, offset, bytes, c);
    }
    status(line, offset, bytes, false, c)
}

/// A v1.1 user object (users/lookup): an actor, plus its embedded latest
/// `status`, which is a post by that user.
fn user_object(line: u64, offset: u64, bytes: &[u8], c: &mut Counted<'_>) -> Flow {
    #[derive(Deserialize)]
    struct WithStatus<'a> {
        #[serde(borrow)]
        status: Option<&'a RawValue>,
    }
    let (u, st) = match (
        serde_json::from_slice::<User>(bytes),
        serde_json::from_slice::<WithStatus>(bytes),
    ) {
        (Ok(u), Ok(w)) => (u, w.status),
        (Err(e), _) | (_, Err(e)) => {
            return c.problem(Problem::new(
                line,
                offset,
                format!("bad v1.1 user object: {e}"),
                bytes,
            ));
        }
    };
    let Some(a) = user_actor(&u) else {
        return c.problem(Problem::new(
            line,
            offset,
            "user object without an id",
            bytes,
        ));
    };
    if c.record(line, Record::Actor(a.clone())) == Flow::Stop {
        return Flow::Stop;
    }
    match st {
        Some(raw) => status_by(line, offset, raw.get().as_bytes(), false, Some(a), c),
        None => Flow::Continue,
    }
}

fn user_actor(u: &User) -> Option<ActorRecord> {
    let id = pick_id(&u.id_str, &u.id)?;
    Some(ActorRecord {
        ref_: actor_ref(Platform::X, &id),
        handle: u.screen_name.clone(),
        display_name: u.name.clone(),
        location: u.location.clone().filter(|s| !s.is_empty()),
        description: u.description.clone().filter(|s| !s.is_empty()),
        followers: u.followers_count,
        seen_at: None,
    })
}

fn status(line: u64, offset: u64, bytes: &[u8], embedded: bool, c: &mut Counted<'_>) -> Flow {
    status_by(line, offset, bytes, embedded, None, c)
}

/// A status; `implied` is the author when the status sits inside its user object.
fn status_by(
    line: u64,
    offset: u64,
    bytes: &[u8],
    embedded: bool,
    implied: Option<ActorRecord>,
    c: &mut Counted<'_>,
) -> Flow {
    let s: Status = match serde_json::from_slice(bytes) {
        Ok(s) => s,
        Err(e) => {
            return c.problem(Problem::new(
                line,
                offset,
                format!("bad v1.1 status: {e}"),
                bytes,
            ));
        }
    };
    let Some(id) = pick_id(&s.id_str, &s.id) else {
        return c.problem(Problem::new(
            line,
            offset,
            "status has no numeric id_str or id",
            bytes,
        ));
    };
    // A status without a user (test fixtures, trimmed exports) is kept with
    // an unknown author rather than lost.
    let author = s
        .user
        .as_ref()
        .and_then(user_actor)
        .or(implied)
        .unwrap_or_else(|| ActorRecord::bare(""));
    let mut p = PostRecord::new(
        Platform::X,
        post_ref(Platform::X, None, &id),
        id.clone(),
        author,
    );
    p.embedded = embedded;
    let (ext_text, ext_ent, ext_media) = match s.extended_tweet {
        Some(e) => (e.full_text, e.entities, e.extended_entities),
        None => (None, None, None),
    };
    p.text = ext_text.or(s.full_text).or(s.text).unwrap_or_default();
    p.created_at = s.created_at.as_deref().and_then(time::twitter_v1);
    if p.created_at.is_none() {
        p.created_at = id
            .parse()
            .ok()
            .and_then(time::snowflake_ms)
            .map(|ms| ms / 1000);
    }
    p.lang = s.lang;
    if let Some(r) = pick_id(&s.in_reply_to_status_id_str, &s.in_reply_to_status_id) {
        p.reply_to = Some(PostLink {
            post: post_ref(Platform::X, None, &r),
            actor: pick_id(&s.in_reply_to_user_id_str, &s.in_reply_to_user_id)
                .map(|u| actor_ref(Platform::X, &u)),
        });
    }
    let embedded_of = |raw: &Option<&RawValue>| -> Option<(String, Option<String>)> {
        #[derive(Deserialize)]
        struct Min {
            id_str: Option<String>,
            id: Option<Id>,
            user: Option<User>,
        }
        let m: Min = serde_json::from_str(raw.as_ref()?.get()).ok()?;
        let id = pick_id(&m.id_str, &m.id)?;
        let user = m.user.as_ref().and_then(user_actor).map(|a| a.ref_);
        Some((id, user))
    };
    if let Some((rid, ruser)) = embedded_of(&s.retweeted_status) {
        p.repost_of = Some(PostLink {
            post: post_ref(Platform::X, None, &rid),
            actor: ruser,
        });
    }
    if let Some((qid, quser)) = embedded_of(&s.quoted_status) {
        p.quote_of = Some(PostLink {
            post: post_ref(Platform::X, None, &qid),
            actor: quser,
        });
    } else if let Some(q) = s
        .quoted_status_id_str
        .filter(|q| !q.is_empty() && q.bytes().all(|b| b.is_ascii_digit()))
    {
        p.quote_of = Some(PostLink {
            post: post_ref(Platform::X, None, &q),
            actor: None,
        });
    }
    let ent = ext_ent.or(s.entities).unwrap_or_default();
    p.hashtags = ent.hashtags.into_iter().map(|h| h.text).collect();
    for m in ent.user_mentions {
        let Some(mid) = pick_id(&m.id_str, &m.id) else {
            continue;
        };
        let r = actor_ref(Platform::X, &mid);
        if !p.mentions.iter().any(|a| a.ref_ == r) {
            p.mentions.push(ActorRecord {
                ref_: r,
                handle: m.screen_name,
                display_name: m.name,
                ..Default::default()
            });
        }
    }
    if let (Some(ruser), Some(name)) = (
        p.reply_to.as_ref().and_then(|l| l.actor.clone()),
        s.in_reply_to_screen_name,
    ) && !p.mentions.iter().any(|a| a.ref_ == ruser)
    {
        p.mentions.push(ActorRecord {
            ref_: ruser,
            handle: Some(name),
            ..Default::default()
        });
    }
    p.urls = ent
        .urls
        .into_iter()
        .filter_map(|u| {
            Some(UrlRef {
                given: u.url?,
                expanded: u.expanded_url,
            })
        })
        .collect();
    let media = ext_media
        .or(s.extended_entities)
        .map(|e| e.media)
        .filter(|m| !m.is_empty())
        .unwrap_or(ent.media);
    for m in media {
        if let Some(mid) = pick_id(&m.id_str, &m.id)
            && !p.media.iter().any(|x| x.key == mid)
        {
            p.media.push(MediaRef {
                kind: m.kind.unwrap_or_else(|| "media".into()),
                key: mid,
                url: m.media_url_https.or(m.media_url),
            });
        }
    }
    p.metrics = Metrics {
        likes: s.favorite_count,
        reposts: s.retweet_count,
        replies: s.reply_count,
        quotes: s.quote_count,
        views: None,
    };
    p.raw = bytes.to_vec();
    if c.record(line, Record::Post(Box::new(p))) == Flow::Stop {
        return Flow::Stop;
    }
    for inner in [s.retweeted_status, s.quoted_status].into_iter().flatten() {
        if status(line, offset, inner.get().as_bytes(), true, c) == Flow::Stop {
            return Flow::Stop;
        }
    }
    Flow::Continue
}

#[cfg(test)]
mod tests {
    use super::*;
    use tarjuman_model::VecSink;

    fn run(input: &str) -> VecSink {
        let mut s = VecSink::default();
        TwitterV1
            .decode(&mut input.as_bytes(), &DecodeOptions::default(), &mut s)
            .unwrap();
        s
    }

    #[test]
    fn id_str_wins_over_rounded_id() {
        let s = run(
            r#"{"id":872836479608733700,"id_str":"872836479608733696","text":"x","user":{"id":1,"id_str":"1"}}"#,
        );
        assert_eq!(s.posts().next().unwrap().ref_, "x:872836479608733696");
    }

    #[test]
    fn big_integer_id_is_exact() {
        let s = run(r#"{"id":872836479608733697,"text":"x","user":{"id":1}}"#);
        assert_eq!(s.posts().next().unwrap().ref_, "x:872836479608733697");
    }

    #[test]
    fn retweet_and_quote_are_posts() {
        let s = run(
            r#"{"id_str":"3","text":"RT @a: hi","user":{"id_str":"2","screen_name":"b"},"retweeted_status":{"id_str":"1","extended_tweet":{"full_text":"hi there #x"},"text":"hi…","user":{"id_str":"9","screen_name":"a"},"quoted_status":{"id_str":"0","text":"q","user":{"id_str":"8"}}}}"#,
        );
        let posts: Vec<_> = s.posts().collect();
        assert_eq!(posts.len(), 3);
        assert_eq!(
            posts[0].repost_of.as_ref().unwrap().actor.as_deref(),
            Some("x:9")
        );
        assert_eq!(posts[1].text, "hi there #x");
        assert!(posts[1].embedded && posts[2].embedded);
    }

    #[test]
    fn stream_notices() {
        let s = run(concat!(
            r#"{"limit":{"track":12,"timestamp_ms":"1436275165393"}}"#,
            "\n",
            r#"{"status_withheld":{"id":1234,"user_id":3,"withheld_in_countries":["DE","FR"],"timestamp_ms":"1500000000000"}}"#,
            "\n",
            r#"{"warning":{"code":"FALLING_BEHIND","message":"x","percent_full":60}}"#,
            "\n",
            r#"{"hello":1}"#,
            "\n"
        ));
        assert_eq!(s.records.len(), 1);
        assert!(matches!(&s.records[0].1, Record::Gone(g)
            if g.post == "x:1234" && g.reason == "withheld in DE, FR" && g.author.as_deref() == Some("x:3") && g.at == Some(1500000000)));
        let reasons: Vec<&str> = s.problems.iter().map(|p| p.reason.as_str()).collect();
        assert!(
            reasons[0].starts_with("a stream `limit` notice"),
            "{reasons:?}"
        );
        assert!(reasons[1].starts_with("a stream `warning`"), "{reasons:?}");
        assert_eq!(reasons[2], "JSON of the wrong shape: no status id");
    }

    #[test]
    fn search_response_array_and_delete() {
        let s = run(
            r#"{"statuses":[{"id_str":"1","text":"a","user":{"id_str":"2"}}],"search_metadata":{}}"#,
        );
        assert_eq!(s.posts().count(), 1);
        let s = run(
            "[{\"id_str\":\"1\",\"text\":\"a\",\"user\":{\"id_str\":\"2\"}},\n{\"id_str\":\"5\",\"text\":\"b\",\"user\":{\"id_str\":\"2\"}}]",
        );
        assert_eq!(s.posts().count(), 2);
        let s = run(
            r#"{"delete":{"status":{"id":1,"id_str":"1","user_id":2,"user_id_str":"2"},"timestamp_ms":"1500000000000"}}"#,
        );
        assert!(
            matches!(&s.records[0].1, Record::Gone(g) if g.post == "x:1" && g.at == Some(1500000000))
        );
    }

    #[test]
    fn missing_user_keeps_the_post() {
        let s = run(r#"{"id_str":"1","text":"a"}"#);
        assert!(s.problems.is_empty());
        assert_eq!(s.posts().next().unwrap().author.ref_, "");
    }

    #[test]
    fn user_lookup_gives_actor_and_status() {
        let s = run(
            r#"[{"id_str":"7","screen_name":"u","name":"U","status":{"id_str":"9","text":"hi","created_at":"Wed Oct 10 20:19:24 +0000 2018"}}]"#,
        );
        assert!(matches!(&s.records[0].1, Record::Actor(a) if a.ref_ == "x:7"));
        assert_eq!(s.posts().next().unwrap().author.ref_, "x:7");
    }
}
