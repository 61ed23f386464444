//! The X world: post `i` (0 = oldest) is a pure function of the seed and
//! `i`, so posts can be written newest-first, or sampled, in O(1) memory.
//!
//! Reply, quote and retweet targets are earlier posts chosen by a
//! recency-biased draw with a pull towards "viral" posts. A few percent of
//! posts belong to coordinated campaigns: a seed post followed, within
//! seconds, by retweets, copy-pasted copies or shared links from a network
//! of bot-like accounts.

use crate::WorldConfig;
use crate::actors::{NETWORKS, Population, X_ID_BASE};
use crate::rng::{Rng, key};
use crate::text::{Body, Compose, NewsUrl, Sink, compose, compose_und, news_url};
use crate::time::Timeline;
use crate::words::Lang;

/// Twitter's snowflake epoch (ms).
const TW_EPOCH: i64 = 1_288_834_974_657;
/// Posts per campaign block.
const SPAN: u64 = 250;
/// Retweets and replies pile onto multiples of this index.
const VIRAL: u64 = 64;
/// Farthest look-back for targets.
const MAX_BACK: u64 = 20_000;

const S_CORE: u64 = 0x434f;
const S_BODY: u64 = 0x424f;
const S_TIME: u64 = 0x5449;
const S_CAMP: u64 = 0x4341;
const S_METR: u64 = 0x4d45;

/// What kind of post.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Original,
    Retweet,
    Reply,
    Quote,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CampKind {
    /// Members retweet the seed post.
    Retweets,
    /// Members post the seed's exact text.
    CopyPaste,
    /// Members post their own text with the seed's link.
    SameLink,
}

#[derive(Clone, Copy, Debug)]
struct Campaign {
    id: u64,
    start: u64,
    kind: CampKind,
    net: u64,
    official_seed: bool,
}

/// The decisions about post `i` that do not need its text.
#[derive(Clone, Copy, Debug)]
struct Raw {
    author: u64,
    kind: Kind,
    /// Candidate target (meaningful unless `kind == Original`).
    cand: u64,
    lang: Lang,
    und: bool,
    camp: Option<Campaign>,
}

/// A fully built post.
pub(crate) struct Tweet {
    pub idx: u64,
    pub id: u64,
    pub t_ms: i64,
    pub author: u64,
    pub kind: Kind,
    /// Index of the referenced post (retweeted, replied-to or quoted).
    pub target: Option<u64>,
    pub target_id: u64,
    pub lang: &'static str,
    pub body: Body,
    pub conversation_id: u64,
    pub in_reply_to_user: Option<u64>,
    /// retweet, reply, like, quote counts.
    pub metrics: [u64; 4],
    /// Id of the previous version, for edited posts.
    pub edited_from: Option<u64>,
}

/// The X side of the world.
pub(crate) struct XWorld {
    pub seed: u64,
    pub n: u64,
    pub pop: Population,
    tl: Timeline,
}

impl XWorld {
    pub(crate) fn new(cfg: &WorldConfig) -> Self {
        XWorld {
            seed: cfg.seed,
            n: cfg.posts,
            pop: Population::new(cfg.seed, cfg.actors.max(1), cfg.start),
            tl: Timeline::new(cfg.seed, cfg.start, cfg.days),
        }
    }

    /// End of the collection window (Unix seconds).
    pub(crate) fn end(&self) -> i64 {
        self.tl.end_ms() / 1000
    }

    fn campaign(&self, i: u64) -> Option<Campaign> {
        let c = i / SPAN;
        let h = key(self.seed, S_CAMP, c, 0);
        if h % 100 >= 55 {
            return None;
        }
        let len = 6 + (h >> 8) % 25;
        let start = c * SPAN + (h >> 16) % (SPAN - len);
        if i < start || i >= start + len || start + len > self.n {
            return None;
        }
        let kind = match (h >> 24) % 4 {
            0 | 1 => CampKind::Retweets,
            2 => CampKind::CopyPaste,
            _ => CampKind::SameLink,
        };
        Some(Campaign {
            id: c,
            start,
            kind,
            net: (h >> 32) % NETWORKS,
            official_seed: (h >> 40).is_multiple_of(2) && !self.pop.slots.is_empty(),
        })
    }

    fn campaign_seed_author(&self, c: &Campaign) -> u64 {
        let mut r = Rng::new(key(self.seed, S_CAMP, c.id, 1));
        if c.official_seed {
            self.pop.slots[r.index(self.pop.slots.len())]
        } else {
            self.pop.member(c.net, &mut r)
        }
    }

    fn campaign_url(&self, c: &Campaign, lang: Lang, t_ms: i64) -> NewsUrl {
        let mut r = Rng::new(key(self.seed, S_CAMP, c.id, 2));
        news_url(lang, &mut r, t_ms)
    }

    fn raw(&self, i: u64) -> Raw {
        let mut r = Rng::new(key(self.seed, S_CORE, i, 0));
        if let Some(c) = self.campaign(i) {
            if i == c.start {
                let author = self.campaign_seed_author(&c);
                let lang = self.pop.post_lang(author, &mut r);
                return Raw {
                    author,
                    kind: Kind::Original,
                    cand: 0,
                    lang,
                    und: false,
                    camp: Some(c),
                };
            }
            let author = self.pop.member(c.net, &mut r);
            let (kind, lang) = match c.kind {
                CampKind::Retweets => (Kind::Retweet, self.raw(c.start).lang),
                CampKind::CopyPaste => (Kind::Original, self.raw(c.start).lang),
                CampKind::SameLink => (Kind::Original, self.pop.post_lang(author, &mut r)),
            };
            return Raw {
                author,
                kind,
                cand: c.start,
                lang,
                und: false,
                camp: Some(c),
            };
        }
        let author = r.zipf(self.pop.n);
        let x = r.f64();
        let mut kind = if x < 0.50 {
            Kind::Original
        } else if x < 0.77 {
            Kind::Retweet
        } else if x < 0.93 {
            Kind::Reply
        } else {
            Kind::Quote
        };
        let back = i.min(MAX_BACK);
        let mut cand = 0;
        if back == 0 {
            kind = Kind::Original;
        } else if kind != Kind::Original {
            let d = ((back as f64).powf(r.f64()) as u64).clamp(1, back);
            cand = i - d;
            if r.chance(0.35) {
                cand = cand / VIRAL * VIRAL;
            }
        }
        let lang = self.pop.post_lang(author, &mut r);
        let und = kind == Kind::Original && r.chance(0.015);
        Raw {
            author,
            kind,
            cand,
            lang,
            und,
            camp: None,
        }
    }

    /// Follows retweets down to the post they retweet (X never points at a
    /// retweet: retweeting, quoting or replying to one targets the original).
    fn resolve(&self, mut j: u64) -> (u64, Raw) {
        loop {
            let r = self.raw(j);
            if r.kind == Kind::Retweet {
                j = r.cand;
            } else {
                return (j, r);
            }
        }
    }

    /// Millisecond timestamp of post `i` (non-decreasing in `i`).
    pub(crate) fn t_ms(&self, i: u64) -> i64 {
        let jitter = Rng::new(key(self.seed, S_TIME, i, 0)).f64();
        let raw = self.tl.at((i as f64 + jitter) / self.n.max(1) as f64);
        if let Some(c) = self.campaign(i)
            && i > c.start
        {
            // Coordinated posts land within seconds of the seed.
            let t0 = self.t_ms(c.start);
            return t0 + (raw - t0) / 12;
        }
        raw
    }

    /// The snowflake id of post `i`.
    #[inline]
    pub(crate) fn id_at(&self, i: u64, t_ms: i64) -> u64 {
        (((t_ms - TW_EPOCH).max(0) as u64) << 22) | (i & 0x1f_ffff)
    }

    /// The id of post `i`.
    pub(crate) fn id(&self, i: u64) -> u64 {
        self.id_at(i, self.t_ms(i))
    }

    fn conversation(&self, i: u64, raw: &Raw) -> u64 {
        let mut c = i;
        let mut r = *raw;
        while r.kind == Kind::Reply {
            let (j, rj) = self.resolve(r.cand);
            c = j;
            r = rj;
        }
        self.id(c)
    }

    /// The text of an original, reply or quote (never a retweet).
    fn own_body(&self, i: u64, raw: &Raw, target: Option<u64>, t_ms: i64) -> Body {
        if let Some(c) = raw.camp
            && c.kind == CampKind::CopyPaste
            && i != c.start
        {
            let sr = self.raw(c.start);
            return self.own_body(c.start, &sr, None, self.t_ms(c.start));
        }
        let mut r = Rng::new(key(self.seed, S_BODY, i, 0));
        let mut b = Body::with_capacity(400);
        if raw.und {
            compose_und(&mut b, &mut r, raw.lang);
            return b;
        }
        let target_author = target.map(|j| self.raw(j).author);
        if raw.kind == Kind::Reply
            && let Some(ta) = target_author
        {
            let h = self.pop.handle(ta);
            b.mention(&h, ta);
            b.plain(" ");
        }
        let link = raw.camp.and_then(|c| {
            (c.kind == CampKind::SameLink).then(|| self.campaign_url(&c, raw.lang, t_ms))
        });
        let official = self.pop.official(raw.author).is_some();
        let o = Compose {
            lang: raw.lang,
            breaking: if official { 0.25 } else { 0.06 },
            link: if official { 0.35 } else { 0.22 },
            force_link: link.as_ref(),
            mention: 0.35,
            max_chars: if raw.kind == Kind::Quote { 170 } else { 220 },
            t_ms,
        };
        let pop = &self.pop;
        compose(&mut b, &mut r, &o, &mut |rr: &mut Rng| {
            // Mentions lean to the most visible accounts.
            let a = if rr.chance(0.3) && !pop.slots.is_empty() {
                pop.slots[rr.index(pop.slots.len())]
            } else {
                rr.zipf(pop.n)
            };
            Some((a, pop.handle(a)))
        });
        if raw.kind == Kind::Quote
            && let (Some(j), Some(ta)) = (target, target_author)
        {
            let h = self.pop.handle(ta);
            let expanded = format!("https://twitter.com/{h}/status/{}", self.id(j));
            let display = crate::text::display_url(&expanded);
            b.plain(" ");
            b.tco(NewsUrl { expanded, display }, &mut r);
        }
        b
    }

    fn metrics(&self, i: u64, author: u64) -> [u64; 4] {
        let mut r = Rng::new(key(self.seed, S_METR, i, 0));
        let f = self.pop.followers(author) as f64;
        let likes = (f.sqrt() * 0.4 * r.pareto(1.0, 1.3)).min(2.0e6) as u64;
        let rts = (likes as f64 * (0.05 + 0.4 * r.f64())) as u64;
        let replies = (likes as f64 * (0.01 + 0.15 * r.f64())) as u64;
        let quotes = (rts as f64 * 0.2 * r.f64()) as u64;
        [rts, replies, likes, quotes]
    }

    /// Builds post `i` (`i < n`).
    pub(crate) fn tweet(&self, i: u64) -> Tweet {
        let raw = self.raw(i);
        let t_ms = self.t_ms(i);
        let id = self.id_at(i, t_ms);
        let target = (raw.kind != Kind::Original).then(|| self.resolve(raw.cand).0);
        let target_id = target.map(|j| self.id(j)).unwrap_or(0);
        match raw.kind {
            Kind::Retweet => {
                let j = target.unwrap_or(0);
                let rj = self.raw(j);
                let tj = self.t_ms(j);
                let orig = self.own_body(j, &rj, self.reply_or_quote_target(&rj), tj);
                let ta = rj.author;
                let body = Body::retweet_of(&orig, &self.pop.handle(ta), ta);
                let om = self.metrics(j, ta);
                Tweet {
                    idx: i,
                    id,
                    t_ms,
                    author: raw.author,
                    kind: raw.kind,
                    target,
                    target_id,
                    lang: if rj.und { "und" } else { rj.lang.x_code() },
                    body,
                    conversation_id: id,
                    in_reply_to_user: None,
                    metrics: [om[0], 0, 0, 0],
                    edited_from: None,
                }
            }
            _ => {
                let body = self.own_body(i, &raw, target, t_ms);
                let conversation_id = if raw.kind == Kind::Reply {
                    self.conversation(i, &raw)
                } else {
                    id
                };
                let in_reply_to_user = if raw.kind == Kind::Reply {
                    target.map(|j| X_ID_BASE + self.raw(j).author)
                } else {
                    None
                };
                let mut er = Rng::new(key(self.seed, S_METR, i, 1));
                let edited_from = (raw.kind == Kind::Original
                    && raw.camp.is_none()
                    && er.chance(0.01))
                .then(|| {
                    let prev = t_ms - 1000 * er.range(20, 1800) as i64;
                    (((prev - TW_EPOCH).max(0) as u64) << 22) | (1 << 21) | (i & 0x1f_ffff)
                });
                Tweet {
                    idx: i,
                    id,
                    t_ms,
                    author: raw.author,
                    kind: raw.kind,
                    target,
                    target_id,
                    lang: if raw.und { "und" } else { raw.lang.x_code() },
                    body,
                    conversation_id,
                    in_reply_to_user,
                    metrics: self.metrics(i, raw.author),
                    edited_from,
                }
            }
        }
    }

    /// The campaign post `i` belongs to (its seed included), as public facts.
    pub(crate) fn campaign_facts(&self, i: u64) -> Option<crate::CampaignFacts> {
        let c = self.campaign(i)?;
        let h = key(self.seed, S_CAMP, c.id, 0);
        Some(crate::CampaignFacts {
            id: c.id,
            seed_index: c.start,
            posts: 6 + (h >> 8) % 25,
            kind: match c.kind {
                CampKind::Retweets => "retweets",
                CampKind::CopyPaste => "copy-paste",
                CampKind::SameLink => "same-link",
            },
            network: c.net,
        })
    }

    /// Every campaign of the world, oldest first.
    pub(crate) fn campaigns(&self) -> Vec<crate::CampaignFacts> {
        (0..self.n.div_ceil(SPAN))
            .filter_map(|c| {
                let h = key(self.seed, S_CAMP, c, 0);
                if h % 100 >= 55 {
                    return None;
                }
                let len = 6 + (h >> 8) % 25;
                self.campaign_facts(c * SPAN + (h >> 16) % (SPAN - len))
            })
            .collect()
    }

    /// The news events of the timeline.
    pub(crate) fn news_events(&self) -> Vec<crate::NewsEvent> {
        self.tl.news_events()
    }

    fn reply_or_quote_target(&self, r: &Raw) -> Option<u64> {
        matches!(r.kind, Kind::Reply | Kind::Quote).then(|| self.resolve(r.cand).0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn world(n: u64) -> XWorld {
        XWorld::new(&WorldConfig {
            posts: n,
            actors: 300,
            ..WorldConfig::default()
        })
    }

    #[test]
    fn ids_and_times_increase() {
        let w = world(3000);
        let mut last = (0, i64::MIN);
        for i in 0..3000 {
            let t = w.t_ms(i);
            let id = w.id_at(i, t);
            assert!(t >= last.1, "time at {i}");
            assert!(id > last.0, "id at {i}");
            last = (id, t);
        }
    }

    #[test]
    fn targets_are_earlier_non_retweets() {
        let w = world(3000);
        let mut kinds = [0u32; 4];
        for i in 0..3000 {
            let t = w.tweet(i);
            kinds[t.kind as usize] += 1;
            if let Some(j) = t.target {
                assert!(j < i);
                assert_ne!(w.raw(j).kind, Kind::Retweet);
                assert_eq!(t.target_id, w.id(j));
            }
            if t.kind == Kind::Retweet {
                assert!(t.body.text.starts_with("RT @"));
            }
        }
        assert!(kinds.iter().all(|&k| k > 0), "{kinds:?}");
    }
}
