//! Writes a labelled test world for the detectors: a generated background
//! (`tarjuman_gen`, twarc2) plus injected events of every kind at known
//! times and actors, with the truth file the scorer (`score.rs`) reads.
//!
//! ```text
//! cargo run -p tarjuman-detect --example labelled_world -- OUT [--posts N] [--per-kind K] [--seed S] [--background-only] [--keep-background]
//! ```
//!
//! `--keep-background` does not write `OUT/background.jsonl` again (it is
//! the same bytes for the same options): only the injected files, the
//! watchlist and the truth.
//!
//! Writes `OUT/background.jsonl` (N generated posts over 14 days from
//! 2023-10-01), `OUT/injected.jsonl` (the injected tweets),
//! `OUT/compliance.jsonl` (deletion notices for the injected deletions),
//! `OUT/tarjuman.toml` (a watchlist of the injected actors only) and
//! `OUT/truth.jsonl` (one object per labelled event: `kind`, `start`,
//! `actor` (a ref the event must name), and `trigger` (a post ref that must
//! be the event's first evidence) or `item` (a surge's item); `source`
//! (`injected` or `background`) and `class` (`required`, or `ignored`
//! for a borderline background surge that a detector may report or not).
//! With `--background-only`, no injected files; the truth holds the
//! background's own surges only.
//!
//! ## The background's own surges
//!
//! The generator's background has surges of its own, and the truth lists
//! them from what the generator knows it made, never from detector output:
//!
//! - **Coordinated campaigns** (`tarjuman_gen::campaigns`): a seed post and,
//!   within seconds, 6 to 30 posts by one network retweeting it, copying
//!   its text or sharing its link. Every hashtag (case-folded), canonical
//!   URL and domain that the campaign's posts carry (`x_post_facts`) is a
//!   candidate: with k the campaign posts carrying it in the hour from the
//!   first, and r its *organic* rate (posts per hour outside campaigns, the
//!   larger of its mean over the 7 days before and its rate in the two
//!   hours around the campaign, counted over every generated post), it is
//!   a **required** surge when k ≥ 20 and k ≥ 10 r, from 3 days into the
//!   world (before that no baseline exists); an **ignored** one (a
//!   borderline surge: a detector that reports it is neither right nor
//!   wrong) when k ≥ 5 and k ≥ r; otherwise no surge at all.
//! - **News events** (`tarjuman_gen::news_events`) multiply *all* activity
//!   for a few hours, every account, tag and link alike: no item rises
//!   against the others, so they are not item surges, and the truth lists
//!   none (the surge detector judges items against the store's overall
//!   activity for that reason).
//!
//! Injected accounts use ids the generator never does (from
//! 5 500 000 000 000); injected tweet ids are snowflakes of their own time
//! with the top sequence bits, as X deletion notices are checked that way.

use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

const USER_BASE: u64 = 5_500_000_000_000;
/// X's snowflake epoch, in milliseconds.
const TWITTER_EPOCH_MS: i64 = 1_288_834_974_657;
const DAY: i64 = 86_400;

struct World {
    users: Vec<Value>,
    tweets: Vec<Value>,
    compliance: Vec<Value>,
    truth: Vec<Value>,
    watch: String,
    next_user: u64,
    next_tweet: u64,
}

fn time(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .map(|d| d.format("%Y-%m-%dT%H:%M:%S.000Z").to_string())
        .unwrap_or_default()
}

fn rfc(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

impl World {
    fn user(&mut self, handle: &str) -> String {
        self.next_user += 1;
        let id = (USER_BASE + self.next_user).to_string();
        self.users.push(
            json!({"id": id, "username": format!("{handle}{}", self.next_user), "name": handle}),
        );
        id
    }
    fn handle(&self, id: &str) -> String {
        self.users
            .iter()
            .find(|u| u["id"] == id)
            .and_then(|u| u["username"].as_str())
            .unwrap_or_default()
            .to_string()
    }
    fn watch_actor(&mut self, id: &str, side: &str) {
        self.watch.push_str(&format!(
            "[[actor]]\nref = \"x:{id}\"\nside = \"{side}\"\n\n"
        ));
    }
    /// A tweet; `mentions` are user ids; returns its id.
    fn tweet(
        &mut self,
        author: &str,
        at: i64,
        text: &str,
        mentions: &[&str],
        reply_to: Option<(&str, &str)>,
    ) -> String {
        // A snowflake of its own time (deletion notices are checked against
        // it), with the top of the sequence bits so it never meets a
        // generated id.
        self.next_tweet += 1;
        let id = ((((at * 1000 - TWITTER_EPOCH_MS) as u64) << 22) | (0x3f_ffff - self.next_tweet))
            .to_string();
        let mut body = String::new();
        let mut ents = Vec::new();
        for m in mentions {
            let h = self.handle(m);
            let start = body.chars().count();
            body.push_str(&format!("@{h} "));
            ents.push(json!({"start": start, "end": start + 1 + h.chars().count(), "username": h, "id": m}));
        }
        body.push_str(text);
        let mut t = json!({
            "id": id, "author_id": author, "created_at": time(at), "text": body,
            "edit_history_tweet_ids": [id],
        });
        if !ents.is_empty() {
            t["entities"] = json!({"mentions": ents});
        }
        if let Some((tweet, user)) = reply_to {
            t["in_reply_to_user_id"] = json!(user);
            t["referenced_tweets"] = json!([{"type": "replied_to", "id": tweet}]);
            t["conversation_id"] = json!(tweet);
        }
        self.tweets.push(t);
        id
    }
    fn hashtag_tweet(&mut self, author: &str, at: i64, tag: &str) -> String {
        let id = self.tweet(author, at, &format!("#{tag} now"), &[], None);
        if let Some(t) = self.tweets.last_mut() {
            t["entities"] = json!({"hashtags": [{"start": 0, "end": 1 + tag.len(), "tag": tag}]});
        }
        id
    }
    fn truth(&mut self, kind: &str, start: i64, actor: &str, extra: Value) {
        let mut v = json!({"kind": kind, "start": rfc(start), "actor": format!("x:{actor}"), "source": "injected", "class": "required"});
        if let (Some(o), Some(e)) = (v.as_object_mut(), extra.as_object()) {
            for (k, x) in e {
                o.insert(k.clone(), x.clone());
            }
        }
        self.truth.push(v);
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let mut out: Option<PathBuf> = None;
    let mut posts = 100_000u64;
    let mut per_kind = 5i64;
    let mut seed = 42u64;
    let mut background_only = false;
    let mut keep_background = false;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--posts" => posts = args.next().ok_or("--posts N")?.parse()?,
            "--per-kind" => per_kind = args.next().ok_or("--per-kind K")?.parse()?,
            "--seed" => seed = args.next().ok_or("--seed S")?.parse()?,
            "--background-only" => background_only = true,
            "--keep-background" => keep_background = true,
            _ => out = Some(PathBuf::from(a)),
        }
    }
    let out = out.ok_or(
        "usage: labelled_world OUT [--posts N] [--per-kind K] [--seed S] [--background-only] [--keep-background]",
    )?;
    std::fs::create_dir_all(&out)?;
    let cfg = tarjuman_gen::WorldConfig {
        seed,
        posts,
        actors: (posts / 10).max(100),
        ..Default::default()
    };
    let n = if keep_background {
        cfg.posts
    } else {
        tarjuman_gen::write_twarc2(
            &cfg,
            BufWriter::new(File::create(out.join("background.jsonl"))?),
        )?
    };
    let t0 = cfg.start;
    let days = i64::from(cfg.days);
    let mut w = World {
        users: Vec::new(),
        tweets: Vec::new(),
        compliance: Vec::new(),
        truth: Vec::new(),
        watch: String::from(
            "# The labelled world's watchlist: injected actors only.\n[[side]]\nname = \"state\"\nopposes = [\"armed-group\"]\n\n[[side]]\nname = \"us-embassy\"\nopposes = [\"militias\"]\n\n[detectors.edit]\nwatched_only = true\n\n[detectors.deletion]\nwatched_only = true\n\n",
        ),
        next_user: 0,
        next_tweet: 0,
    };
    if !background_only {
        // Injection days: from day 4 (after 3 days of history) to the last.
        let slot = |i: i64, hour: i64| -> i64 {
            let span = days - 5;
            t0 + (4 + (i * span) / per_kind.max(1)) * DAY + hour * 3600 + 7 * 60
        };
        // Home accounts (one per newcomers injection, as repeated floods on
        // one account would become its baseline), each with a little
        // ordinary traffic from three regular accounts.
        let homes: Vec<String> = (0..per_kind).map(|_| w.user("ministry")).collect();
        let list: Vec<String> = homes.iter().map(|h| format!("\"x:{h}\"")).collect();
        w.watch
            .push_str(&format!("[home]\nactors = [{}]\n\n", list.join(", ")));
        let regulars: Vec<String> = (0..3).map(|_| w.user("citizen")).collect();
        for d in 0..days {
            for h in homes.clone() {
                for r in regulars.clone() {
                    w.tweet(&r, t0 + d * DAY + 8 * 3600, "question", &[&h], None);
                }
            }
        }
        let fans: Vec<String> = (0..80).map(|_| w.user("fan")).collect();
        let m1 = w.user("militia");
        let m2 = w.user("militia");
        w.watch_actor(&m1.clone(), "militias");
        w.watch_actor(&m2.clone(), "militias");
        for i in 0..per_kind {
            // edit: an X edit chain, the new tweet 10 minutes after the first.
            let e = w.user("editor");
            w.watch_actor(&e.clone(), "state");
            let t = slot(i, 9);
            let orig = w.tweet(&e, t, "first wording", &[], None);
            let new = w.tweet(&e, t + 600, "second wording", &[], None);
            for tw in w.tweets.iter_mut().rev().take(2) {
                tw["edit_history_tweet_ids"] = json!([orig, new]);
            }
            w.truth("edit", t + 600, &e, json!({"trigger": format!("x:{new}")}));

            // deletion: 3 tweets, reported deleted an hour later.
            let d = w.user("deleter");
            w.watch_actor(&d.clone(), "state");
            let t = slot(i, 11);
            for k in 0..3 {
                let id = w.tweet(&d, t + k * 60, "soon gone", &[], None);
                w.compliance.push(json!({"id": id, "action": "delete", "created_at": time(t + k * 60), "redacted_at": time(t + 3600), "reason": "deleted"}));
            }
            w.truth("deletion", t + 3600, &d, json!({}));

            // first-contact both ways and first-exchange.
            let p = w.user("spokesman");
            let q = w.user("group");
            w.watch_actor(&p.clone(), "state");
            w.watch_actor(&q.clone(), "armed-group");
            let t = slot(i, 13);
            let a = w.tweet(&p, t, "we see you", &[&q], None);
            let b = w.tweet(&q, t + 7200, "we answer", &[&p], Some((&a, &p)));
            w.truth("first-contact", t, &p, json!({"trigger": format!("x:{a}")}));
            w.truth(
                "first-contact",
                t + 7200,
                &q,
                json!({"trigger": format!("x:{b}")}),
            );
            w.truth(
                "first-exchange",
                t + 7200,
                &q,
                json!({"trigger": format!("x:{b}")}),
            );

            // surge: a new hashtag, 40 tweets by 4 accounts in 30 minutes.
            let tag = format!("LabelSurge{i}");
            let t = slot(i, 15);
            let auth: Vec<String> = (0..4).map(|_| w.user("tagger")).collect();
            for k in 0..40 {
                w.hashtag_tweet(&auth[(k % 4) as usize], t + k * 45, &tag);
            }
            w.truth(
                "surge",
                t,
                &auth[0],
                json!({"item": format!("#{}", tag.to_lowercase())}),
            );

            // newcomers: 50 fresh accounts write to a home account in 150 minutes.
            let t = slot(i, 17);
            let home = homes[i as usize].clone();
            for k in 0..50 {
                let u = w.user("fresh");
                w.tweet(&u, t + k * 180, "answer us", &[&home], None);
            }
            w.truth("newcomers", t, &home, json!({}));

            // reaction-wave: 7 ordinary posts 12 hours apart with 2 replies
            // each, then one that draws 60 replies in 40 minutes from 5
            // minutes after it.
            let r = w.user("speaker");
            w.watch_actor(&r.clone(), "state");
            let t = slot(i, 19);
            for k in (1..=7).rev() {
                let at = t - k * DAY / 2;
                let post = w.tweet(&r, at, "ordinary", &[], None);
                for f in 0..2 {
                    w.tweet(
                        &fans[f as usize],
                        at + 1200 + f * 60,
                        "ok",
                        &[&r],
                        Some((&post, &r)),
                    );
                }
            }
            let post = w.tweet(&r, t, "provocation", &[], None);
            for k in 0..60i64 {
                w.tweet(
                    &fans[(k % 80) as usize],
                    t + 300 + k * 40,
                    "outrage",
                    &[&r],
                    Some((&post, &r)),
                );
            }
            w.truth(
                "reaction-wave",
                t + 300,
                &r,
                json!({"trigger": format!("x:{post}")}),
            );

            // targeting: an envoy thanks a host; the militias name him 3 times.
            let envoy = w.user("envoy");
            w.watch_actor(&envoy.clone(), "us-embassy");
            let host = w.user("sheikh");
            let t = slot(i, 21);
            w.tweet(&envoy, t, "thanks for hosting us", &[&host], None);
            for k in 0..3 {
                let m = if k % 2 == 0 { m1.clone() } else { m2.clone() };
                w.tweet(
                    &m,
                    t + 3600 + k * 1800,
                    "traitor, explain yourself",
                    &[&host],
                    None,
                );
            }
            w.truth("targeting", t + 3600, &host, json!({}));
        }
    }
    let background = background_surges(&cfg);
    let required = background
        .iter()
        .filter(|v| v["class"] == "required")
        .count();
    eprintln!(
        "background surges (from the generator's campaigns): {required} required, {} ignored (borderline); {} news events (all activity at once)",
        background.len() - required,
        tarjuman_gen::news_events(&cfg).len()
    );
    w.truth.extend(background);
    let mut f = BufWriter::new(File::create(out.join("injected.jsonl"))?);
    w.tweets
        .sort_by(|a, b| a["created_at"].as_str().cmp(&b["created_at"].as_str()));
    for chunk in w.tweets.chunks(100) {
        writeln!(
            f,
            "{}",
            json!({"data": chunk, "includes": {"users": w.users}})
        )?;
    }
    f.flush()?;
    let mut f = BufWriter::new(File::create(out.join("compliance.jsonl"))?);
    for c in &w.compliance {
        writeln!(f, "{c}")?;
    }
    f.flush()?;
    std::fs::write(out.join("tarjuman.toml"), &w.watch)?;
    let mut f = BufWriter::new(File::create(out.join("truth.jsonl"))?);
    for t in &w.truth {
        writeln!(f, "{t}")?;
    }
    f.flush()?;
    eprintln!(
        "background: {n} posts; injected: {} tweets, {} deletion notices; {} labelled events in all",
        w.tweets.len(),
        w.compliance.len(),
        w.truth.len()
    );
    Ok(())
}

/// The items a post carries, as the surge detector names them.
fn items(f: &tarjuman_gen::XPostFacts) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for t in &f.hashtags {
        out.insert(format!("#{}", t.to_lowercase()));
    }
    for u in &f.urls {
        out.insert(format!("url:{}", tarjuman_store::canonical_url(u)));
        if let Some(d) = tarjuman_store::url_domain(u) {
            out.insert(format!("domain:{d}"));
        }
    }
    out
}

/// Surges the generator's coordinated campaigns make (see the module
/// docs): truth entries, `required` or `ignored`.
fn background_surges(cfg: &tarjuman_gen::WorldConfig) -> Vec<Value> {
    const HOUR: i64 = 3600;
    // Campaign posts per item: (time, campaign, seed author).
    let mut camp: BTreeMap<String, Vec<(i64, u64, u64)>> = BTreeMap::new();
    for c in tarjuman_gen::campaigns(cfg) {
        let mut author = 0;
        for f in tarjuman_gen::x_post_facts(cfg, c.seed_index..c.seed_index + c.posts) {
            if f.index == c.seed_index {
                author = f.author;
            }
            for it in items(&f) {
                camp.entry(it)
                    .or_default()
                    .push((f.created_at, c.id, author));
            }
        }
    }
    // Organic (non-campaign) posts per item and hour, for those items:
    // every generated post is built again (the generator's own record).
    let mut organic: HashMap<String, BTreeMap<i64, u32>> = HashMap::new();
    for f in tarjuman_gen::x_post_facts(cfg, 0..cfg.posts) {
        if f.campaign.is_some() {
            continue;
        }
        for it in items(&f) {
            if camp.contains_key(&it) {
                *organic
                    .entry(it)
                    .or_default()
                    .entry(f.created_at.div_euclid(HOUR))
                    .or_default() += 1;
            }
        }
    }
    let empty = BTreeMap::new();
    let mut out = Vec::new();
    for (item, mut posts) in camp {
        let item = item.as_str();
        posts.sort_unstable();
        let hours = organic.get(item).unwrap_or(&empty);
        let mut i = 0;
        while i < posts.len() {
            // One burst: the campaign posts from this one on, while each
            // follows the previous within an hour.
            let t0 = posts[i].0;
            let mut j = i + 1;
            while j < posts.len() && posts[j].0 - posts[j - 1].0 <= HOUR {
                j += 1;
            }
            let k = posts[i..j].iter().filter(|p| p.0 < t0 + HOUR).count() as f64;
            let h0 = t0.div_euclid(HOUR);
            let span = ((t0 - cfg.start) / HOUR).clamp(24, 7 * 24);
            let before: u32 = hours.range(h0 - span..h0).map(|(_, n)| n).sum();
            let around: u32 = hours.range(h0 - 1..=h0).map(|(_, n)| n).sum();
            let rate = (f64::from(before) / span as f64).max(f64::from(around) / 2.0);
            let warm = t0 >= cfg.start + 3 * 86_400;
            let class = if k >= 20.0 && k >= 10.0 * rate && warm {
                Some("required")
            } else if k >= 5.0 && k >= rate {
                Some("ignored")
            } else {
                None
            };
            if let Some(class) = class {
                out.push(json!({
                    "kind": "surge", "start": rfc(t0), "item": item,
                    "actor": format!("x:{}", posts[i].2),
                    "source": "background", "class": class,
                    "campaign": posts[i].1, "campaign_posts": k, "organic_per_hour": (rate * 100.0).round() / 100.0,
                }));
            }
            i = j;
        }
    }
    out
}
