//! X API v2 search pages as `twarc2 search --archive` writes them: one JSON
//! response per line, newest page first, Python `json.dumps` byte style.

use crate::WorldConfig;
use crate::actors::{Actor, X_ID_BASE};
use crate::pyjson;
use crate::rng::{Rng, key};
use crate::text::{Body, EntKind};
use crate::time::{IdStr, iso_utc_offset, rfc3339_z};
use crate::x::{Kind, Tweet, XWorld};
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use std::collections::HashSet;
use std::io::{self, BufWriter, Write};

/// Tweets per page (`max_results=100`).
const PAGE: u64 = 100;

/// The search query the pages answer.
pub(crate) const QUERY: &str = "(غزة OR غزه OR Gaza OR ایران OR עזה OR العراق OR Iraq) lang:ar OR lang:fa OR lang:iw OR lang:en";

const FIELDS: &str = "expansions=author_id%2Cin_reply_to_user_id%2Creferenced_tweets.id%2Creferenced_tweets.id.author_id%2Centities.mentions.username%2Cattachments.poll_ids%2Cattachments.media_keys%2Cgeo.place_id%2Cedit_history_tweet_ids&tweet.fields=attachments%2Cauthor_id%2Ccontext_annotations%2Cconversation_id%2Ccreated_at%2Centities%2Cgeo%2Cid%2Cin_reply_to_user_id%2Clang%2Cpublic_metrics%2Ctext%2Cpossibly_sensitive%2Creferenced_tweets%2Creply_settings%2Csource%2Cwithheld%2Cedit_controls%2Cedit_history_tweet_ids&user.fields=created_at%2Cdescription%2Centities%2Cid%2Clocation%2Cname%2Cpinned_tweet_id%2Cprofile_image_url%2Cprotected%2Cpublic_metrics%2Curl%2Cusername%2Cverified%2Cverified_type%2Cwithheld&media.fields=alt_text%2Cduration_ms%2Cheight%2Cmedia_key%2Cpreview_image_url%2Ctype%2Curl%2Cwidth%2Cpublic_metrics&poll.fields=duration_minutes%2Cend_datetime%2Cid%2Coptions%2Cvoting_status&place.fields=contained_within%2Ccountry%2Ccountry_code%2Cfull_name%2Cgeo%2Cid%2Cname%2Cplace_type";

/// `application/x-www-form-urlencoded` as Python's `urlencode` does it.
fn quote_plus(s: &str, out: &mut String) {
    const HEXU: &[u8; 16] = b"0123456789ABCDEF";
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'.' | b'-' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => {
                out.push('%');
                out.push(HEXU[(b >> 4) as usize] as char);
                out.push(HEXU[(b & 15) as usize] as char);
            }
        }
    }
}

/// The request URL twarc records in `__twarc.url` for the first page.
fn base_url(start: i64, end: i64) -> String {
    let mut u = String::with_capacity(2048);
    u.push_str("https://api.twitter.com/2/tweets/search/all?");
    u.push_str(FIELDS);
    u.push_str("&max_results=100&query=");
    quote_plus(QUERY, &mut u);
    u.push_str("&start_time=");
    quote_plus(iso_utc_offset(start).as_str(), &mut u);
    u.push_str("&end_time=");
    quote_plus(iso_utc_offset(end).as_str(), &mut u);
    u
}

fn next_token(seed: u64, page: u64) -> String {
    const ALNUM: &[u8; 36] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut r = Rng::new(key(seed, 0x4e54, page, 0));
    let mut t = String::with_capacity(45);
    t.push_str("b26v89c19zqg8o3f");
    for _ in 0..29 {
        t.push(ALNUM[r.index(36)] as char);
    }
    t
}

/// One entity list of a v2 `entities` object.
struct EntList<'a> {
    body: &'a Body,
    which: u8,
}

struct HashtagV2<'a> {
    start: u32,
    end: u32,
    tag: &'a str,
}

impl Serialize for HashtagV2<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(3))?;
        m.serialize_entry("start", &self.start)?;
        m.serialize_entry("end", &self.end)?;
        m.serialize_entry("tag", self.tag)?;
        m.end()
    }
}

impl Serialize for EntList<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let b = self.body;
        let which = self.which;
        s.collect_seq(
            b.ents
                .iter()
                .filter(move |e| ent_class(&e.kind) == which)
                .map(move |e| EntV2 { body: b, e }),
        )
    }
}

fn ent_class(k: &EntKind) -> u8 {
    match k {
        EntKind::Hashtag => 0,
        EntKind::Mention(_) => 1,
        EntKind::Url(_) => 2,
    }
}

struct EntV2<'a> {
    body: &'a Body,
    e: &'a crate::text::Ent,
}

impl Serialize for EntV2<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let e = self.e;
        let text = self.body.slice(e);
        match &e.kind {
            EntKind::Hashtag => HashtagV2 {
                start: e.cs,
                end: e.ce,
                tag: &text[1..],
            }
            .serialize(s),
            EntKind::Mention(a) => {
                let mut m = s.serialize_map(Some(4))?;
                m.serialize_entry("start", &e.cs)?;
                m.serialize_entry("end", &e.ce)?;
                m.serialize_entry("username", &text[1..])?;
                m.serialize_entry("id", &IdStr(X_ID_BASE + a))?;
                m.end()
            }
            EntKind::Url(u) => {
                let mut m = s.serialize_map(Some(5))?;
                m.serialize_entry("start", &e.cs)?;
                m.serialize_entry("end", &e.ce)?;
                m.serialize_entry("url", text)?;
                m.serialize_entry("expanded_url", &u.expanded)?;
                m.serialize_entry("display_url", &u.display)?;
                m.end()
            }
        }
    }
}

struct EntitiesV2<'a>(&'a Body);

impl Serialize for EntitiesV2<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut has = [false; 3];
        for e in &self.0.ents {
            has[ent_class(&e.kind) as usize] = true;
        }
        let mut m = s.serialize_map(None)?;
        for (which, key) in [(2u8, "urls"), (0, "hashtags"), (1, "mentions")] {
            if has[which as usize] {
                m.serialize_entry(
                    key,
                    &EntList {
                        body: self.0,
                        which,
                    },
                )?;
            }
        }
        m.end()
    }
}

#[derive(Serialize)]
struct Ref {
    #[serde(rename = "type")]
    kind: &'static str,
    id: IdStr,
}

#[derive(Serialize)]
struct TweetMetrics {
    retweet_count: u64,
    reply_count: u64,
    like_count: u64,
    quote_count: u64,
}

/// A tweet object as X API v2 returns it.
struct V2Tweet<'a>(&'a Tweet);

impl Serialize for V2Tweet<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let t = self.0;
        let mut m = s.serialize_map(None)?;
        match t.edited_from {
            Some(prev) => {
                m.serialize_entry("edit_history_tweet_ids", &[IdStr(prev), IdStr(t.id)])?
            }
            None => m.serialize_entry("edit_history_tweet_ids", &[IdStr(t.id)])?,
        }
        m.serialize_entry("conversation_id", &IdStr(t.conversation_id))?;
        m.serialize_entry("author_id", &IdStr(X_ID_BASE + t.author))?;
        m.serialize_entry("text", &t.body.text)?;
        let kind = match t.kind {
            Kind::Original => None,
            Kind::Retweet => Some("retweeted"),
            Kind::Reply => Some("replied_to"),
            Kind::Quote => Some("quoted"),
        };
        if let Some(kind) = kind {
            m.serialize_entry(
                "referenced_tweets",
                &[Ref {
                    kind,
                    id: IdStr(t.target_id),
                }],
            )?;
        }
        if let Some(u) = t.in_reply_to_user {
            m.serialize_entry("in_reply_to_user_id", &IdStr(u))?;
        }
        if !t.body.ents.is_empty() {
            m.serialize_entry("entities", &EntitiesV2(&t.body))?;
        }
        m.serialize_entry("lang", t.lang)?;
        m.serialize_entry(
            "public_metrics",
            &TweetMetrics {
                retweet_count: t.metrics[0],
                reply_count: t.metrics[1],
                like_count: t.metrics[2],
                quote_count: t.metrics[3],
            },
        )?;
        m.serialize_entry("reply_settings", "everyone")?;
        m.serialize_entry("possibly_sensitive", &false)?;
        m.serialize_entry("created_at", &rfc3339_z(t.t_ms))?;
        m.serialize_entry("id", &IdStr(t.id))?;
        m.end()
    }
}

#[derive(Serialize)]
struct UserMetrics {
    followers_count: u64,
    following_count: u64,
    tweet_count: u64,
    listed_count: u64,
}

/// A user object as X API v2 returns it.
struct V2User<'a>(&'a Actor);

impl Serialize for V2User<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let a = self.0;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("name", &a.name)?;
        m.serialize_entry("verified", &a.verified)?;
        m.serialize_entry("description", &a.description)?;
        m.serialize_entry("protected", &false)?;
        m.serialize_entry("id", &IdStr(a.id))?;
        m.serialize_entry("username", &a.handle)?;
        m.serialize_entry(
            "profile_image_url",
            &format!(
                "https://pbs.twimg.com/profile_images/{}/{:x}_normal.jpg",
                a.image,
                a.image % 0xffff_ffff
            ),
        )?;
        m.serialize_entry("url", "")?;
        if !a.location.is_empty() {
            m.serialize_entry("location", &a.location)?;
        }
        m.serialize_entry("created_at", &rfc3339_z(a.created * 1000))?;
        m.serialize_entry(
            "public_metrics",
            &UserMetrics {
                followers_count: a.followers,
                following_count: a.following,
                tweet_count: a.tweets,
                listed_count: a.listed,
            },
        )?;
        m.end()
    }
}

struct Seq<'a, T>(&'a [T]);

impl Serialize for Seq<'_, Tweet> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(V2Tweet))
    }
}

impl Serialize for Seq<'_, Actor> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(V2User))
    }
}

struct Includes<'a> {
    users: &'a [Actor],
    tweets: &'a [Tweet],
}

impl Serialize for Includes<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("users", &Seq(self.users))?;
        if !self.tweets.is_empty() {
            m.serialize_entry("tweets", &Seq(self.tweets))?;
        }
        m.end()
    }
}

#[derive(Serialize)]
struct Meta {
    newest_id: IdStr,
    oldest_id: IdStr,
    result_count: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_token: Option<String>,
}

#[derive(Serialize)]
struct Twarc<'a> {
    url: &'a str,
    version: &'static str,
    retrieved_at: crate::time::Fixed,
}

struct Page<'a> {
    data: &'a [Tweet],
    includes: Includes<'a>,
    meta: Meta,
    twarc: Twarc<'a>,
}

impl Serialize for Page<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(4))?;
        m.serialize_entry("data", &Seq(self.data))?;
        m.serialize_entry("includes", &self.includes)?;
        m.serialize_entry("meta", &self.meta)?;
        m.serialize_entry("__twarc", &self.twarc)?;
        m.end()
    }
}

/// Collects each user once, in order of first appearance.
struct UserSet {
    seen: HashSet<u64>,
    order: Vec<u64>,
}

impl UserSet {
    fn add(&mut self, a: u64) {
        if self.seen.insert(a) {
            self.order.push(a);
        }
    }
}

/// Writes all `cfg.posts` tweets as twarc2 pages; returns tweets in `data`.
pub(crate) fn write<W: Write>(cfg: &WorldConfig, w: W) -> io::Result<u64> {
    let world = XWorld::new(cfg);
    let mut out = BufWriter::with_capacity(1 << 20, w);
    let n = world.n;
    let base = base_url(cfg.start, world.end());
    let pages = n.div_ceil(PAGE);
    let mut url = base.clone();
    let mut users = UserSet {
        seen: HashSet::new(),
        order: Vec::new(),
    };
    let mut inc_seen = HashSet::new();
    let mut written = 0;
    for p in 0..pages {
        let hi = n - 1 - p * PAGE;
        let lo = hi.saturating_sub(PAGE - 1);
        let data: Vec<Tweet> = (lo..=hi).rev().map(|i| world.tweet(i)).collect();
        users.seen.clear();
        users.order.clear();
        inc_seen.clear();
        let mut inc_tweets = Vec::new();
        for t in &data {
            users.add(t.author);
            if let Some(j) = t.target
                && j < lo
                && inc_seen.insert(j)
            {
                inc_tweets.push(world.tweet(j));
            }
            for e in &t.body.ents {
                if let EntKind::Mention(a) = e.kind {
                    users.add(a);
                }
            }
            if let Some(u) = t.in_reply_to_user {
                users.add(u - X_ID_BASE);
            }
        }
        for t in &inc_tweets {
            users.add(t.author);
        }
        let actors: Vec<Actor> = users.order.iter().map(|&a| world.pop.actor(a)).collect();
        let token = (p + 1 < pages).then(|| next_token(cfg.seed, p));
        let page = Page {
            data: &data,
            includes: Includes {
                users: &actors,
                tweets: &inc_tweets,
            },
            meta: Meta {
                newest_id: IdStr(data[0].id),
                oldest_id: IdStr(data[data.len() - 1].id),
                result_count: data.len() as u64,
                next_token: token.clone(),
            },
            twarc: Twarc {
                url: &url,
                version: "2.14.0",
                retrieved_at: iso_utc_offset(world.end() + 5 * 3600 + 2 * p as i64),
            },
        };
        pyjson::write_line(&mut out, &page)?;
        written += data.len() as u64;
        if let Some(t) = token {
            url.clear();
            url.push_str(&base);
            url.push_str("&next_token=");
            url.push_str(&t);
        }
    }
    out.flush()?;
    Ok(written)
}
