//! # tarjuman-gen: a synthetic world in the real file formats
//!
//! A deterministic, streaming generator of a realistic social-media world,
//! for tests and benchmarks of tarjuman's ingest and analyses. For a given
//! [`WorldConfig`] (seed included) every byte written is the same on every
//! run (across machines too, unless their floating-point math libraries
//! round `powf`/`exp` differently). No clock, no environment, no hash-map
//! order is consulted.
//!
//! ## The world
//!
//! * **X accounts** (`actors`): ids `1000000000000 + i`, handles like
//!   `user_1234` / `abu_ali_77`, display names in Arabic, Persian, Hebrew or
//!   English. Activity is Zipf-like (a few accounts post a lot). Among them
//!   sit named **official accounts** with a side (`state`: `ArmySpokesman`,
//!   `EmbassyBaghdad`, `MFASpokesman`, `GovMediaOffice`; `armed-group`:
//!   `AlqassamMedia`, `SarayaMedia`) and three small networks of bot-like
//!   accounts (recent creation dates, few followers) that run coordinated
//!   campaigns: bursts of retweets of one post, copy-pasted texts, or the
//!   same link, all within seconds.
//! * **X posts** (`posts`): ~50% originals, ~27% retweets (`RT @handle: …`,
//!   cut at 140 code points), ~16% replies, ~7% quotes, plus the campaign
//!   bursts; ~30% of non-retweets mention someone in their own text; spread over `days` days from
//!   `start` with a diurnal rhythm (busy 08:00–23:00 UTC+3) and a few news
//!   surges. Languages ~40% Arabic (tashkeel, tatweel, spelling variants such
//!   as `غزة`/`غزه`, `أبو`/`ابو`, `على`/`علي`, Arabic-Indic digits, RLM marks),
//!   ~20% Persian (ZWNJ, ی/ک, sometimes typed as ي/ك, Persian digits), ~10%
//!   Hebrew (`lang: "iw"` as X writes it; some niqqud, `צה"ל` with an ASCII
//!   quote or with gershayim), ~30% English (`&amp;` as X escapes it, quotes,
//!   a backslash in `¯\_(ツ)_/¯`); emoji (flags, skin tones, ZWJ sequences),
//!   popular and rare hashtags in all scripts, t.co links expanding to a few
//!   dozen news sites. About 1% of originals are edited
//!   (`edit_history_tweet_ids` of length 2) and ~1% are hashtag-and-emoji
//!   only (`lang: "und"`).
//! * **Telegram channels** (`channels`, chat ids `1500000000 + i`) sharing
//!   `telegram_posts` messages heavy-tailedly; the first are official
//!   channels (`KataibMedia`, `AlqassamMedia`: `armed-group`;
//!   `ArmySpokesman`, `StateNewsAgency`: `state`). ~20% of messages are
//!   forwards of other channels' posts (same text, `forwarded_from`), some
//!   are edited (`edited_unixtime`), some reply to earlier messages, some
//!   carry photos or videos; service messages (`create_channel`,
//!   `pin_message`, `edit_group_photo`) appear now and then; message ids
//!   increase with gaps.
//!
//! ## Files ([`write_world`])
//!
//! | path under `dir` | format |
//! |---|---|
//! | `x/twarc2.jsonl` | X API v2 search pages as written by twarc2 2.14 (`data`, `includes.users`, `includes.tweets`, `meta`, `__twarc`), newest page first, Python `json.dumps` byte style (`", "`, `\uXXXX` escapes) |
//! | `x/v1.jsonl` | X API v1.1 statuses (streaming style: `text` cut to 140 code points with an `extended_tweet.full_text` for long posts, `retweeted_status`, `quoted_status`), every 10th post of the world, same ids as in the v2 file |
//! | `telegram/<slug>/result.json` | Telegram Desktop JSON export per channel (`<slug>` = the channel's username in lower case), one-space indent; `date` is the exporting machine's local time (UTC+3), `date_unixtime` the authoritative Unix time |
//! | `csv/cnt.csv` | coordination-network-toolkit input: `message_id,user_id,username,repost_id,reply_id,message,timestamp,urls` (RFC 4180 quoting, Unix seconds, space-separated expanded URLs) |
//!
//! Every X post is a pure function of the seed and its index, so
//! [`write_twarc2`] streams millions of posts newest-first in bounded memory
//! (one page at a time): referenced posts and actors are regenerated on
//! demand rather than remembered.
//!
//! ## Example
//!
//! ```
//! use tarjuman_gen::{WorldConfig, write_twarc2, write_world};
//!
//! let cfg = WorldConfig {
//!     posts: 500,
//!     actors: 120,
//!     channels: 5,
//!     telegram_posts: 200,
//!     ..WorldConfig::default()
//! };
//! let dir = std::env::temp_dir().join(format!("tarjuman-gen-doc-{}", std::process::id()));
//! let summary = write_world(&cfg, &dir)?;
//! assert_eq!(summary.x_posts, 500);
//! assert_eq!(summary.x_v1_posts, 50);
//! assert_eq!(summary.csv_rows, 500);
//! assert_eq!(summary.telegram_posts, 200);
//! assert!(summary.officials.iter().any(|o| o.handle == "KataibMedia" && o.side == "armed-group"));
//! assert!(dir.join("x/twarc2.jsonl").exists());
//!
//! // The same stream, without touching the disk: 5 pages of 100 tweets.
//! let mut bytes = Vec::new();
//! assert_eq!(write_twarc2(&cfg, &mut bytes)?, 500);
//! assert_eq!(bytes, std::fs::read(dir.join("x/twarc2.jsonl"))?);
//! assert_eq!(bytes.iter().filter(|&&b| b == b'\n').count(), 5);
//! std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), std::io::Error>(())
//! ```
#![deny(missing_docs)]

mod actors;
mod csv;
mod pyjson;
mod rng;
mod telegram;
mod text;
mod time;
mod twarc2;
mod v1;
mod words;
mod x;

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// The shape of the world to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WorldConfig {
    /// Seed of every random choice: same seed, same bytes.
    pub seed: u64,
    /// Number of X posts (all kinds) in the world.
    pub posts: u64,
    /// Number of X accounts (0 is taken as 1).
    pub actors: u64,
    /// Number of Telegram channels.
    pub channels: u64,
    /// Number of Telegram channel messages (service messages come on top).
    pub telegram_posts: u64,
    /// Start of the window, Unix seconds.
    pub start: i64,
    /// Length of the window in days (0 is taken as 1).
    pub days: u32,
}

impl Default for WorldConfig {
    /// Seed 42, 20 000 X posts by 2 000 accounts, 20 channels with 5 000
    /// messages, 14 days from 2023-10-01T00:00:00Z.
    fn default() -> Self {
        WorldConfig {
            seed: 42,
            posts: 20_000,
            actors: 2_000,
            channels: 20,
            telegram_posts: 5_000,
            start: 1_696_118_400,
            days: 14,
        }
    }
}

/// A named official account or channel of the world (watchlist material).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Official {
    /// `"x"` or `"telegram"`.
    pub platform: &'static str,
    /// Platform id as a decimal string: the X user id, or the Telegram chat
    /// id as exported in `id` (the export's `from_id` is `"channel" + id`).
    pub id: String,
    /// The X username or Telegram channel username (no `@`).
    pub handle: String,
    /// `"state"` or `"armed-group"`.
    pub side: &'static str,
}

/// What [`write_world`] wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorldSummary {
    /// Every file written, in the order written.
    pub files: Vec<PathBuf>,
    /// Tweets in the `data` arrays of `x/twarc2.jsonl` (= `posts`).
    pub x_posts: u64,
    /// Top-level statuses in `x/v1.jsonl`.
    pub x_v1_posts: u64,
    /// `"type": "message"` entries over all `result.json` files.
    pub telegram_posts: u64,
    /// Data rows of `csv/cnt.csv` (header excluded).
    pub csv_rows: u64,
    /// Number of X accounts in the world (`cfg.actors`, at least 1).
    pub actors: u64,
    /// The official accounts and channels present in this world.
    pub officials: Vec<Official>,
}

/// The coordinated networks of bot-like X accounts that `cfg` produces:
/// for each network, the user ids (as strings) of its members. This is the
/// ground truth for coordination benchmarks.
pub fn coordinated_networks(cfg: &WorldConfig) -> Vec<Vec<String>> {
    let pop = actors::Population::new(cfg.seed, cfg.actors.max(1), cfg.start);
    let mut nets = vec![Vec::new(); actors::NETWORKS as usize];
    for a in 0..pop.n {
        if let Some(k) = pop.network(a) {
            nets[k as usize].push((actors::X_ID_BASE + a).to_string());
        }
    }
    nets
}

/// A coordinated campaign of the X world: a seed post and, within seconds,
/// posts by one network's accounts that retweet it, copy its text or share
/// its link. Ground truth for benchmarks of coordination and surge
/// detection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CampaignFacts {
    /// The campaign's number (the block of posts it sits in).
    pub id: u64,
    /// Index of its seed post (0 = the world's oldest post).
    pub seed_index: u64,
    /// Its posts, the seed included (fewer when the world ends first).
    pub posts: u64,
    /// `"retweets"`, `"copy-paste"` or `"same-link"`.
    pub kind: &'static str,
    /// The network whose members post it (an index into
    /// [`coordinated_networks`]).
    pub network: u64,
}

/// A news event of the timeline: from `start`, *all* activity is
/// multiplied by up to `peak_factor`, decaying by e every `decay_hours`
/// (over 48 hours at most). It raises every account, hashtag and link
/// alike: no single item stands out against the others.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NewsEvent {
    /// Start, Unix seconds (on the hour).
    pub start: i64,
    /// Activity at the start, relative to the same hour without the event.
    pub peak_factor: f64,
    /// Hours for the excess to fall by a factor e.
    pub decay_hours: f64,
}

/// What the generator knows about one X post, for ground truth: when, by
/// whom, whether a coordinated campaign made it, and the hashtags and links
/// it carries (as the twarc2 file writes them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct XPostFacts {
    /// Index of the post (0 = oldest).
    pub index: u64,
    /// Tweet id.
    pub id: u64,
    /// Unix seconds.
    pub created_at: i64,
    /// Author's X user id.
    pub author: u64,
    /// `"original"`, `"retweet"`, `"reply"` or `"quote"`.
    pub kind: &'static str,
    /// Index of the post it retweets, replies to or quotes.
    pub target: Option<u64>,
    /// The campaign it belongs to (its seed included), if any.
    pub campaign: Option<CampaignFacts>,
    /// Hashtags as written, without `#`, in text order.
    pub hashtags: Vec<String>,
    /// Expanded URLs of its links, in text order.
    pub urls: Vec<String>,
}

/// The facts of X posts `range` (indexes, oldest first), built one at a
/// time in bounded memory; indexes past the world's end are skipped.
pub fn x_post_facts(
    cfg: &WorldConfig,
    range: std::ops::Range<u64>,
) -> impl Iterator<Item = XPostFacts> {
    let world = x::XWorld::new(cfg);
    let end = range.end.min(world.n);
    (range.start..end).map(move |i| {
        let t = world.tweet(i);
        let mut hashtags = Vec::new();
        let mut urls = Vec::new();
        for e in &t.body.ents {
            match &e.kind {
                text::EntKind::Hashtag => {
                    hashtags.push(t.body.slice(e).trim_start_matches('#').to_string())
                }
                text::EntKind::Url(u) => urls.push(u.expanded.clone()),
                text::EntKind::Mention(_) => {}
            }
        }
        XPostFacts {
            index: i,
            id: t.id,
            created_at: t.t_ms.div_euclid(1000),
            author: actors::X_ID_BASE + t.author,
            kind: match t.kind {
                x::Kind::Original => "original",
                x::Kind::Retweet => "retweet",
                x::Kind::Reply => "reply",
                x::Kind::Quote => "quote",
            },
            target: t.target,
            campaign: world.campaign_facts(i),
            hashtags,
            urls,
        }
    })
}

/// Every coordinated campaign of the X world, oldest first; the facts of
/// its posts are [`x_post_facts`] of `seed_index..seed_index + posts`.
pub fn campaigns(cfg: &WorldConfig) -> Vec<CampaignFacts> {
    x::XWorld::new(cfg).campaigns()
}

/// The news events of the X world's timeline (see [`NewsEvent`]).
pub fn news_events(cfg: &WorldConfig) -> Vec<NewsEvent> {
    x::XWorld::new(cfg).news_events()
}

/// The official X accounts and Telegram channels that `cfg` produces
/// (fewer when there are very few actors or channels).
pub fn officials(cfg: &WorldConfig) -> Vec<Official> {
    let pop = actors::Population::new(cfg.seed, cfg.actors.max(1), cfg.start);
    let mut out: Vec<Official> = pop
        .slots
        .iter()
        .enumerate()
        .map(|(k, &a)| Official {
            platform: "x",
            id: (actors::X_ID_BASE + a).to_string(),
            handle: actors::X_OFFICIALS[k].handle.to_string(),
            side: actors::X_OFFICIALS[k].side,
        })
        .collect();
    for (c, o) in telegram::TG_OFFICIALS
        .iter()
        .enumerate()
        .take(cfg.channels as usize)
    {
        out.push(Official {
            platform: "telegram",
            id: (telegram::TG_ID_BASE + c as u64).to_string(),
            handle: o.handle.to_string(),
            side: o.side,
        });
    }
    out
}

/// Writes `x/twarc2.jsonl`, `x/v1.jsonl`, `telegram/<slug>/result.json`
/// (one per channel) and `csv/cnt.csv` under `dir` (created if missing;
/// existing files are overwritten).
pub fn write_world(cfg: &WorldConfig, dir: &Path) -> io::Result<WorldSummary> {
    let xdir = dir.join("x");
    let tdir = dir.join("telegram");
    let cdir = dir.join("csv");
    for d in [&xdir, &tdir, &cdir] {
        fs::create_dir_all(d)?;
    }
    let mut files = Vec::new();

    let p = xdir.join("twarc2.jsonl");
    let x_posts = write_twarc2(cfg, fs::File::create(&p)?)?;
    files.push(p);

    let p = xdir.join("v1.jsonl");
    let x_v1_posts = v1::write(cfg, fs::File::create(&p)?)?;
    files.push(p);

    let (tfiles, telegram_posts) = telegram::write(cfg, &tdir)?;
    files.extend(tfiles);

    let p = cdir.join("cnt.csv");
    let csv_rows = csv::write(cfg, fs::File::create(&p)?)?;
    files.push(p);

    Ok(WorldSummary {
        files,
        x_posts,
        x_v1_posts,
        telegram_posts,
        csv_rows,
        actors: cfg.actors.max(1),
        officials: officials(cfg),
    })
}

/// Streams the twarc2 JSONL of all `cfg.posts` X posts (pages of 100,
/// newest first, with `includes`) to `w`, in bounded memory; returns the
/// number of tweets written in `data` arrays (included tweets not counted).
/// The output is buffered internally; `w` need not be.
pub fn write_twarc2<W: io::Write>(cfg: &WorldConfig, w: W) -> io::Result<u64> {
    twarc2::write(cfg, w)
}
