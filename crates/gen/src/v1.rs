//! X API v1.1 statuses, one per line, as saved from the streaming API
//! (long posts truncated to 140 code points with an `extended_tweet`).
//! Holds every 10th post of the world, with the same ids as the v2 file.

use crate::WorldConfig;
use crate::actors::{Actor, Population, X_ID_BASE};
use crate::pyjson;
use crate::rng::{Rng, key};
use crate::text::{Body, Ent, EntKind, byte_at};
use crate::time::{Fixed, v1_date};
use crate::x::{Kind, Tweet, XWorld};
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use std::io::{self, BufWriter, Write};

/// Every `STRIDE`-th post goes to the v1.1 file.
pub(crate) const STRIDE: u64 = 10;

/// Code points of a long post's text kept before `… https://t.co/…`.
const VISIBLE: u32 = 115;

struct V1User<'a>(&'a Actor);

impl Serialize for V1User<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let a = self.0;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("id", &a.id)?;
        m.serialize_entry("id_str", &crate::time::IdStr(a.id))?;
        m.serialize_entry("name", &a.name)?;
        m.serialize_entry("screen_name", &a.handle)?;
        m.serialize_entry("location", &a.location)?;
        m.serialize_entry("url", &())?;
        m.serialize_entry("description", &a.description)?;
        m.serialize_entry("translator_type", "none")?;
        m.serialize_entry("protected", &false)?;
        m.serialize_entry("verified", &a.verified)?;
        m.serialize_entry("followers_count", &a.followers)?;
        m.serialize_entry("friends_count", &a.following)?;
        m.serialize_entry("listed_count", &a.listed)?;
        m.serialize_entry("favourites_count", &(a.tweets / 2))?;
        m.serialize_entry("statuses_count", &a.tweets)?;
        m.serialize_entry("created_at", &v1_date(a.created))?;
        m.serialize_entry("utc_offset", &())?;
        m.serialize_entry("time_zone", &())?;
        m.serialize_entry("geo_enabled", &false)?;
        m.serialize_entry("lang", &())?;
        m.serialize_entry(
            "profile_image_url_https",
            &format!(
                "https://pbs.twimg.com/profile_images/{}/{:x}_normal.jpg",
                a.image,
                a.image % 0xffff_ffff
            ),
        )?;
        m.serialize_entry("default_profile", &a.idx.is_multiple_of(3))?;
        m.serialize_entry("following", &())?;
        m.serialize_entry("follow_request_sent", &())?;
        m.serialize_entry("notifications", &())?;
        m.end()
    }
}

/// The `entities` of a v1.1 status: entities ending before `limit`, plus
/// an optional extra URL (the `i/web` link of truncated posts).
struct V1Ents<'a> {
    body: &'a Body,
    limit: u32,
    extra: Option<&'a (String, String, String, u32, u32)>,
    pop: &'a Population,
}

impl V1Ents<'_> {
    fn list(&self, class: u8) -> impl Iterator<Item = &Ent> {
        self.body.ents.iter().filter(move |e| {
            e.ce <= self.limit
                && match e.kind {
                    EntKind::Hashtag => class == 0,
                    EntKind::Mention(_) => class == 1,
                    EntKind::Url(_) => class == 2,
                }
        })
    }
}

struct Hashtags<'a>(&'a V1Ents<'a>);
struct Mentions<'a>(&'a V1Ents<'a>);
struct Urls<'a>(&'a V1Ents<'a>);

impl Serialize for Hashtags<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let v = self.0;
        s.collect_seq(v.list(0).map(|e| {
            let mut m = serde_json::Map::new();
            m.insert("text".into(), v.body.slice(e)[1..].into());
            m.insert("indices".into(), serde_json::json!([e.cs, e.ce]));
            m
        }))
    }
}

impl Serialize for Mentions<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let v = self.0;
        s.collect_seq(v.list(1).map(|e| {
            let a = match e.kind {
                EntKind::Mention(a) => a,
                _ => 0,
            };
            let mut m = serde_json::Map::new();
            m.insert("screen_name".into(), v.body.slice(e)[1..].into());
            m.insert("name".into(), v.pop.actor(a).name.into());
            m.insert("id".into(), (X_ID_BASE + a).into());
            m.insert("id_str".into(), (X_ID_BASE + a).to_string().into());
            m.insert("indices".into(), serde_json::json!([e.cs, e.ce]));
            m
        }))
    }
}

#[derive(Serialize)]
struct UrlV1<'a> {
    url: &'a str,
    expanded_url: &'a str,
    display_url: &'a str,
    indices: [u32; 2],
}

impl Serialize for Urls<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let v = self.0;
        s.collect_seq(
            v.list(2)
                .map(|e| {
                    let (exp, disp) = match &e.kind {
                        EntKind::Url(u) => (u.expanded.as_str(), u.display.as_str()),
                        _ => ("", ""),
                    };
                    UrlV1 {
                        url: v.body.slice(e),
                        expanded_url: exp,
                        display_url: disp,
                        indices: [e.cs, e.ce],
                    }
                })
                .chain(v.extra.iter().map(|x| UrlV1 {
                    url: &x.0,
                    expanded_url: &x.1,
                    display_url: &x.2,
                    indices: [x.3, x.4],
                })),
        )
    }
}

impl Serialize for V1Ents<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(4))?;
        m.serialize_entry("hashtags", &Hashtags(self))?;
        m.serialize_entry("urls", &Urls(self))?;
        m.serialize_entry("user_mentions", &Mentions(self))?;
        m.serialize_entry("symbols", &[(); 0])?;
        m.end()
    }
}

/// A v1.1 status; `depth` 0 may embed `retweeted_status` / `quoted_status`.
struct V1Status<'a> {
    t: &'a Tweet,
    world: &'a XWorld,
    depth: u8,
}

impl Serialize for V1Status<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let t = self.t;
        let w = self.world;
        let body = &t.body;
        let long = t.kind != Kind::Retweet && body.chars > 140;
        let (text, extra) = if long {
            let mut r = Rng::new(key(w.seed, 0x5631, t.idx, 0));
            let mut tco = String::from("https://t.co/");
            for _ in 0..10 {
                tco.push(
                    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"[r.index(62)]
                        as char,
                );
            }
            let cut = byte_at(&body.text, VISIBLE as usize);
            let text = format!("{}… {}", &body.text[..cut], tco);
            let expanded = format!("https://twitter.com/i/web/status/{}", t.id);
            let display = crate::text::display_url(&expanded);
            (
                text,
                Some((tco, expanded, display, VISIBLE + 2, VISIBLE + 25)),
            )
        } else {
            (String::new(), None)
        };
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("created_at", &v1_date(t.t_ms.div_euclid(1000)))?;
        m.serialize_entry("id", &t.id)?;
        m.serialize_entry("id_str", &crate::time::IdStr(t.id))?;
        m.serialize_entry("text", if long { &text } else { &body.text })?;
        m.serialize_entry(
            "source",
            [
                "<a href=\"http://twitter.com/download/android\" rel=\"nofollow\">Twitter for Android</a>",
                "<a href=\"http://twitter.com/download/iphone\" rel=\"nofollow\">Twitter for iPhone</a>",
                "<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>",
            ][(t.idx % 3) as usize],
        )?;
        m.serialize_entry("truncated", &long)?;
        let reply = t.kind == Kind::Reply;
        let target = t.target.filter(|_| reply);
        m.serialize_entry("in_reply_to_status_id", &target.map(|_| t.target_id))?;
        m.serialize_entry(
            "in_reply_to_status_id_str",
            &target.map(|_| crate::time::IdStr(t.target_id)),
        )?;
        m.serialize_entry("in_reply_to_user_id", &t.in_reply_to_user)?;
        m.serialize_entry(
            "in_reply_to_user_id_str",
            &t.in_reply_to_user.map(crate::time::IdStr),
        )?;
        m.serialize_entry(
            "in_reply_to_screen_name",
            &t.in_reply_to_user.map(|u| w.pop.handle(u - X_ID_BASE)),
        )?;
        m.serialize_entry("user", &V1User(&w.pop.actor(t.author)))?;
        m.serialize_entry("geo", &())?;
        m.serialize_entry("coordinates", &())?;
        m.serialize_entry("place", &())?;
        m.serialize_entry("contributors", &())?;
        if self.depth == 0
            && t.kind == Kind::Retweet
            && let Some(j) = t.target
        {
            let orig = w.tweet(j);
            m.serialize_entry(
                "retweeted_status",
                &V1Status {
                    t: &orig,
                    world: w,
                    depth: 1,
                },
            )?;
        }
        let quote = t.kind == Kind::Quote;
        if quote {
            m.serialize_entry("quoted_status_id", &t.target_id)?;
            m.serialize_entry("quoted_status_id_str", &crate::time::IdStr(t.target_id))?;
            if self.depth == 0
                && let Some(j) = t.target
            {
                let q = w.tweet(j);
                m.serialize_entry(
                    "quoted_status",
                    &V1Status {
                        t: &q,
                        world: w,
                        depth: 1,
                    },
                )?;
            }
        }
        m.serialize_entry("is_quote_status", &quote)?;
        if long {
            m.serialize_entry("extended_tweet", &Extended { body, pop: &w.pop })?;
        }
        let (rts, replies, likes, quotes) = if t.kind == Kind::Retweet {
            (0, 0, 0, 0)
        } else {
            (t.metrics[0], t.metrics[1], t.metrics[2], t.metrics[3])
        };
        m.serialize_entry("quote_count", &quotes)?;
        m.serialize_entry("reply_count", &replies)?;
        m.serialize_entry("retweet_count", &rts)?;
        m.serialize_entry("favorite_count", &likes)?;
        m.serialize_entry(
            "entities",
            &V1Ents {
                body,
                limit: if long { VISIBLE } else { u32::MAX },
                extra: extra.as_ref(),
                pop: &w.pop,
            },
        )?;
        m.serialize_entry("favorited", &false)?;
        m.serialize_entry("retweeted", &false)?;
        m.serialize_entry("filter_level", "low")?;
        m.serialize_entry("lang", t.lang)?;
        let mut ts = Fixed::new();
        ts.push_num(t.t_ms as u64, 1);
        m.serialize_entry("timestamp_ms", &ts)?;
        m.end()
    }
}

struct Extended<'a> {
    body: &'a Body,
    pop: &'a Population,
}

impl Serialize for Extended<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(3))?;
        m.serialize_entry("full_text", &self.body.text)?;
        m.serialize_entry("display_text_range", &[0, self.body.chars])?;
        m.serialize_entry(
            "entities",
            &V1Ents {
                body: self.body,
                limit: u32::MAX,
                extra: None,
                pop: self.pop,
            },
        )?;
        m.end()
    }
}

/// Writes every [`STRIDE`]-th post (oldest first); returns how many.
pub(crate) fn write<W: Write>(cfg: &WorldConfig, w: W) -> io::Result<u64> {
    let world = XWorld::new(cfg);
    let mut out = BufWriter::with_capacity(1 << 20, w);
    let mut n = 0;
    let mut i = 0;
    while i < world.n {
        let t = world.tweet(i);
        pyjson::write_line(
            &mut out,
            &V1Status {
                t: &t,
                world: &world,
                depth: 0,
            },
        )?;
        n += 1;
        i += STRIDE;
    }
    out.flush()?;
    Ok(n)
}
