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
//! them from what the generator knows it made (`tarjuman_gen::x_post_facts`:
//! every post's time, kind, target, campaign, hashtags and URLs), never
//! from detector output. An item (a hashtag, case-folded; a canonical URL;
//! a domain) is carried in bursts by
//!
//! - a **coordinated campaign** (`tarjuman_gen::campaigns`): a seed post
//!   and, within seconds, 6 to 30 posts by one network retweeting it,
//!   copying its text or sharing its link;
//! - the **amplification of one post**: the post and its retweets (a post
//!   drawn as the target of many retweets, as the generator's "viral" posts
//!   are), or, for a status URL, the quotes of the post it names.
//!
//! A cascade that carries an item 5 times or more *amplifies* it. An
//! item's amplified posts, all cascades together, form bursts: from the
//! earliest, where the hour from an amplified post holds 5 or more of them,
//! the burst is the first hour within the next one that holds 20 or more,
//! else the busiest. It starts (t0) at that hour's first cluster of 3 or
//! more posts, each within 15 minutes of the previous (a post and its first
//! retweet 20 minutes before the rush are lead-ins), and k is its posts in
//! the hour from t0. The
//! item's **usual** rate at t0 is the median of its daily posts over up to
//! 7 days before, per hour, times how busy the whole world is in t0's hour
//! against those days (r). A burst is a **required** surge when k ≥ 25 (a
//! margin over the detector's 20 an hour, so that where 15-minute bins
//! fall does not decide) and k ≥ 10 r, from 3 days into the world (before
//! that no baseline exists); an **ignored** one (borderline: a detector
//! that reports it is neither right nor wrong) when k ≥ 5 and k ≥ 2 r;
//! otherwise no surge at all.
//!
//! **News events** (`tarjuman_gen::news_events`) multiply *all* activity
//! for a few hours, every account, tag and link alike: no item rises
//! against the others, so they are not item surges and the truth lists
//! none (the surge detector judges items against the store's overall
//! activity for that reason).
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
        "background surges (campaigns and retweet cascades, from the generator's record): {required} required, {} ignored (borderline); {} news events (all activity at once, not item surges)",
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

/// What made a post carry an item: a campaign, or the amplification of one
/// post (the post and its retweets; for a status URL, the quotes of the
/// post it names and their retweets).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Cascade {
    Campaign(u64),
    Post(u64),
    Status(u64),
}

fn cascade(f: &tarjuman_gen::XPostFacts, item: &str) -> Cascade {
    if let Some(c) = f.campaign {
        return Cascade::Campaign(c.id);
    }
    if let Some(id) = item
        .strip_prefix("url:")
        .and_then(|u| u.split("/status/").nth(1))
        .and_then(|s| s.split(['/', '?']).next())
        .and_then(|s| s.parse().ok())
    {
        return Cascade::Status(id);
    }
    match (f.kind, f.target) {
        ("retweet", Some(j)) => Cascade::Post(j),
        _ => Cascade::Post(f.index),
    }
}

/// The surges the generator's background makes by itself (see the module
/// docs), as truth entries, `required` or `ignored`.
fn background_surges(cfg: &tarjuman_gen::WorldConfig) -> Vec<Value> {
    const HOUR: i64 = 3600;
    const DAY: i64 = 86_400;
    // Every generated post, twice: posts per hour and the items' posts per
    // day first; then the posts of every item that some cascade carries 5
    // times or more, with the cascade.
    let mut hourly: BTreeMap<i64, u32> = BTreeMap::new();
    let mut per_cascade: HashMap<(String, Cascade), u32> = HashMap::new();
    for f in tarjuman_gen::x_post_facts(cfg, 0..cfg.posts) {
        *hourly.entry(f.created_at.div_euclid(HOUR)).or_default() += 1;
        for it in items(&f) {
            let c = cascade(&f, &it);
            *per_cascade.entry((it, c)).or_default() += 1;
        }
    }
    let amplified: BTreeSet<(String, Cascade)> = per_cascade
        .into_iter()
        .filter(|(_, n)| *n >= 5)
        .map(|(k, _)| k)
        .collect();
    let watched: BTreeSet<&str> = amplified.iter().map(|(i, _)| i.as_str()).collect();
    // Per item: every post's time, and the amplified ones with cascade and author.
    type Burst = Vec<(i64, Cascade, u64)>;
    let mut posts: BTreeMap<&str, (BTreeMap<i64, u32>, Burst)> = BTreeMap::new();
    for f in tarjuman_gen::x_post_facts(cfg, 0..cfg.posts) {
        for it in items(&f) {
            let Some(&key) = watched.get(it.as_str()) else {
                continue;
            };
            let e = posts.entry(key).or_default();
            *e.0.entry(f.created_at.div_euclid(DAY)).or_default() += 1;
            let c = cascade(&f, &it);
            if amplified.contains(&(it, c)) {
                e.1.push((f.created_at, c, f.author));
            }
        }
    }
    let count = |m: &BTreeMap<i64, u32>, from: i64, to: i64| -> u32 {
        m.range(from..to).map(|(_, n)| n).sum()
    };
    let mut out = Vec::new();
    for (item, (daily, mut burst)) in posts {
        burst.sort();
        // Amplified posts in the hour from each of them.
        let mut end = 0;
        let mut window = vec![0usize; burst.len()];
        for (a, w) in window.iter_mut().enumerate() {
            while end < burst.len() && burst[end].0 < burst[a].0 + HOUR {
                end += 1;
            }
            *w = end - a;
        }
        // Bursts, from the earliest: where an hour from an amplified post
        // holds 5 or more, the burst is the first hour within the next one
        // that holds 20 or more, else the busiest; then on past its hour.
        let mut starts: Vec<usize> = Vec::new();
        let mut a = 0;
        while a < burst.len() {
            if window[a] < 5 {
                a += 1;
                continue;
            }
            let reach = burst.partition_point(|p| p.0 < burst[a].0 + HOUR);
            let b = (a..reach)
                .find(|&x| window[x] >= 20)
                .or_else(|| (a..reach).max_by_key(|&x| (window[x], std::cmp::Reverse(x))))
                .unwrap_or(a);
            starts.push(b);
            let until = burst[b].0 + HOUR;
            a = burst.partition_point(|p| p.0 < until).max(a + 1);
        }
        for b in starts {
            // The burst starts at its first cluster of 3 or more posts, each
            // within 15 minutes of the previous: a post and its first
            // retweet 20 minutes before the rush are lead-ins.
            let end = b + window[b];
            let mut i = b;
            let b = loop {
                if i >= end {
                    break b;
                }
                let mut j = i + 1;
                while j < end && burst[j].0 - burst[j - 1].0 <= 900 {
                    j += 1;
                }
                if j - i >= 3 {
                    break i;
                }
                i = j;
            };
            let (t0, _, author) = burst[b];
            let k = burst[b..].partition_point(|p| p.0 < t0 + HOUR) as f64;
            // The item's usual rate at t0: the median of its daily posts
            // over up to 7 days before, per hour, times how busy the world
            // is in t0's hour against those days.
            let day = t0.div_euclid(DAY);
            let first = cfg.start.div_euclid(DAY);
            let days: Vec<i64> = (1..=7).map(|d| day - d).filter(|d| *d >= first).collect();
            let mut n: Vec<u32> = days
                .iter()
                .map(|d| daily.get(d).copied().unwrap_or(0))
                .collect();
            n.sort_unstable();
            let median = if n.is_empty() {
                0.0
            } else if n.len() % 2 == 1 {
                f64::from(n[n.len() / 2])
            } else {
                f64::from(n[n.len() / 2 - 1] + n[n.len() / 2]) / 2.0
            };
            let h = t0.div_euclid(HOUR);
            let busy = match (days.last(), days.first()) {
                (Some(&lo), Some(&hi)) => {
                    let all = count(&hourly, lo * 24, (hi + 1) * 24);
                    f64::from(count(&hourly, h, h + 1)) * (days.len() * 24) as f64
                        / f64::from(all.max(1))
                }
                _ => 1.0,
            };
            let rate = median / 24.0 * busy;
            let warm = t0 >= cfg.start + 3 * DAY;
            let class = if k >= 25.0 && k >= 10.0 * rate && warm {
                "required"
            } else if k >= 5.0 && k >= 2.0 * rate {
                "ignored"
            } else {
                continue;
            };
            let mut causes: BTreeMap<Cascade, usize> = BTreeMap::new();
            for p in burst.iter().filter(|p| p.0 >= t0 && p.0 < t0 + HOUR) {
                *causes.entry(p.1).or_default() += 1;
            }
            let cause: Vec<String> = causes
                .iter()
                .map(|(c, n)| match c {
                    Cascade::Campaign(id) => format!("campaign {id} ({n})"),
                    Cascade::Post(i) => format!("post {i} and its retweets ({n})"),
                    Cascade::Status(id) => format!("quotes of x:{id} ({n})"),
                })
                .collect();
            out.push(json!({
                "kind": "surge", "start": rfc(t0), "item": item,
                "actor": format!("x:{author}"),
                "source": "background", "class": class, "cause": cause.join(", "),
                "burst_posts": k, "usual_per_hour": (rate * 100.0).round() / 100.0,
            }));
        }
    }
    out.sort_by(|a, b| {
        (a["start"].as_str(), a["item"].as_str()).cmp(&(b["start"].as_str(), b["item"].as_str()))
    });
    out
}
