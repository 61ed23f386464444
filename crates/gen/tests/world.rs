//! End-to-end checks of the generated world: every file parses, the counts
//! in the summary match what is on disk, the cross-file invariants hold.

use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};
use tarjuman_gen::{WorldConfig, WorldSummary, write_twarc2, write_world};

/// A world written to a temporary directory, removed on drop.
struct TempWorld {
    dir: PathBuf,
    summary: WorldSummary,
}

impl Drop for TempWorld {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

fn small() -> WorldConfig {
    WorldConfig {
        seed: 7,
        posts: 3_000,
        actors: 400,
        channels: 8,
        telegram_posts: 1_200,
        ..WorldConfig::default()
    }
}

fn world(name: &str, cfg: &WorldConfig) -> TempWorld {
    let dir = std::env::temp_dir().join(format!("tarjuman-gen-test-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    let summary = write_world(cfg, &dir).expect("write_world");
    TempWorld { dir, summary }
}

fn lines(p: &Path) -> Vec<Value> {
    fs::read_to_string(p)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("line parses as JSON"))
        .collect()
}

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v[k].as_str()
        .unwrap_or_else(|| panic!("{k} is not a string in {v}"))
}

fn arr<'a>(v: &'a Value, k: &str) -> &'a [Value] {
    v[k].as_array().map(|a| a.as_slice()).unwrap_or(&[])
}

/// All tweets in `data` arrays, in file order.
fn data_tweets(pages: &[Value]) -> Vec<&Value> {
    pages.iter().flat_map(|p| arr(p, "data")).collect()
}

/// Minimal RFC 4180 reader.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    field.push('"');
                    chars.next();
                } else {
                    quoted = false;
                }
            } else {
                field.push(c);
            }
        } else {
            match c {
                '"' => quoted = true,
                ',' => row.push(std::mem::take(&mut field)),
                '\n' => {
                    row.push(std::mem::take(&mut field));
                    rows.push(std::mem::take(&mut row));
                }
                _ => field.push(c),
            }
        }
    }
    assert!(!quoted, "unterminated quoted field");
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let cfg = WorldConfig {
        posts: 800,
        actors: 150,
        channels: 5,
        telegram_posts: 300,
        ..WorldConfig::default()
    };
    let a = world("det-a", &cfg);
    let b = world("det-b", &cfg);
    assert_eq!(a.summary.files.len(), b.summary.files.len());
    for (fa, fb) in a.summary.files.iter().zip(&b.summary.files) {
        assert_eq!(
            fa.strip_prefix(&a.dir).unwrap(),
            fb.strip_prefix(&b.dir).unwrap()
        );
        assert_eq!(
            fs::read(fa).unwrap(),
            fs::read(fb).unwrap(),
            "{}",
            fa.display()
        );
    }
    // The streaming writer produces the file's exact bytes.
    let mut streamed = Vec::new();
    assert_eq!(write_twarc2(&cfg, &mut streamed).unwrap(), 800);
    assert_eq!(streamed, fs::read(a.dir.join("x/twarc2.jsonl")).unwrap());

    let other = WorldConfig { seed: 43, ..cfg };
    let c = world("det-c", &other);
    for rel in ["x/twarc2.jsonl", "x/v1.jsonl", "csv/cnt.csv"] {
        assert_ne!(
            fs::read(a.dir.join(rel)).unwrap(),
            fs::read(c.dir.join(rel)).unwrap(),
            "{rel}"
        );
    }
}

#[test]
fn twarc2_pages_are_self_contained() {
    let w = world("twarc2", &small());
    let pages = lines(&w.dir.join("x/twarc2.jsonl"));
    assert_eq!(pages.len(), 30);
    let mut all_ids = HashSet::new();
    let mut last_oldest: Option<u64> = None;
    for (i, p) in pages.iter().enumerate() {
        let data = arr(p, "data");
        assert!(!data.is_empty() && data.len() <= 100);
        let users = arr(&p["includes"], "users");
        let user_ids: Vec<&str> = users.iter().map(|u| s(u, "id")).collect();
        let user_set: HashSet<&str> = user_ids.iter().copied().collect();
        assert_eq!(user_set.len(), user_ids.len(), "each user once per page");
        for u in users {
            for k in ["username", "name", "created_at", "description"] {
                assert!(u[k].is_string(), "user {k}");
            }
            assert!(u["public_metrics"]["followers_count"].is_u64());
            assert!(u["verified"].is_boolean());
        }
        let page_ids: HashSet<&str> = data.iter().map(|t| s(t, "id")).collect();
        let inc = arr(&p["includes"], "tweets");
        let inc_ids: HashSet<&str> = inc.iter().map(|t| s(t, "id")).collect();
        assert!(
            page_ids.is_disjoint(&inc_ids),
            "included tweets are not in data"
        );
        for t in data.iter().chain(inc) {
            assert!(
                user_set.contains(s(t, "author_id")),
                "author in includes.users"
            );
            let created = s(t, "created_at");
            assert!(
                created.ends_with(".000Z") && created.len() == 24,
                "{created}"
            );
            assert_eq!(arr(t, "edit_history_tweet_ids").last().unwrap(), &t["id"]);
            check_entities(t);
        }
        let mut prev: Option<u64> = None;
        for t in data {
            let id: u64 = s(t, "id").parse().unwrap();
            assert!(all_ids.insert(id), "tweet ids are unique");
            if let Some(p) = prev {
                assert!(id < p, "newest first");
            }
            prev = Some(id);
            for r in arr(t, "referenced_tweets") {
                let rid = s(r, "id");
                assert!(
                    page_ids.contains(rid) || inc_ids.contains(rid),
                    "referenced tweet present"
                );
                assert!(["retweeted", "replied_to", "quoted"].contains(&s(r, "type")));
            }
            if let Some(u) = t["in_reply_to_user_id"].as_str() {
                assert!(user_set.contains(u));
            }
            for m in arr(&t["entities"], "mentions") {
                assert!(user_set.contains(s(m, "id")), "mentioned user in includes");
            }
        }
        let meta = &p["meta"];
        assert_eq!(meta["result_count"].as_u64().unwrap(), data.len() as u64);
        assert_eq!(s(meta, "newest_id"), s(&data[0], "id"));
        assert_eq!(s(meta, "oldest_id"), s(data.last().unwrap(), "id"));
        let newest: u64 = s(meta, "newest_id").parse().unwrap();
        if let Some(o) = last_oldest {
            assert!(newest < o, "pages newest first");
        }
        last_oldest = Some(s(meta, "oldest_id").parse().unwrap());
        assert_eq!(meta["next_token"].is_string(), i + 1 < pages.len());
        let tw = &p["__twarc"];
        assert_eq!(s(tw, "version"), "2.14.0");
        assert!(s(tw, "url").starts_with("https://api.twitter.com/2/tweets/search/all?"));
        assert!(s(tw, "url").contains("&query="));
        assert!(s(tw, "retrieved_at").ends_with("+00:00"));
    }
    assert_eq!(all_ids.len(), 3_000);
}

/// Entity offsets are code points into `text`, end exclusive.
fn check_entities(t: &Value) {
    let text: Vec<char> = s(t, "text").chars().collect();
    let at = |e: &Value| -> String {
        let (a, b) = (
            e["start"].as_u64().unwrap() as usize,
            e["end"].as_u64().unwrap() as usize,
        );
        text[a..b].iter().collect()
    };
    let ents = &t["entities"];
    for h in arr(ents, "hashtags") {
        assert_eq!(at(h), format!("#{}", s(h, "tag")));
    }
    for m in arr(ents, "mentions") {
        assert_eq!(at(m), format!("@{}", s(m, "username")));
    }
    for u in arr(ents, "urls") {
        assert_eq!(at(u), s(u, "url"));
        assert!(s(u, "url").starts_with("https://t.co/"));
        assert!(s(u, "expanded_url").starts_with("https://"));
    }
}

#[test]
fn v1_is_a_subset_of_v2() {
    let w = world("v1", &small());
    let pages = lines(&w.dir.join("x/twarc2.jsonl"));
    let v2: HashMap<&str, &Value> = data_tweets(&pages)
        .into_iter()
        .map(|t| (s(t, "id"), t))
        .collect();
    let v1 = lines(&w.dir.join("x/v1.jsonl"));
    assert_eq!(v1.len(), 300);
    let mut retweets = 0;
    let mut truncated = 0;
    for st in &v1 {
        let id = s(st, "id_str");
        assert_eq!(st["id"].as_u64().unwrap().to_string(), id);
        let t2 = v2.get(id).expect("v1 id present in v2");
        assert_eq!(s(&st["user"], "id_str"), s(t2, "author_id"));
        assert_eq!(s(st, "lang"), s(t2, "lang"));
        let created = s(st, "created_at");
        assert!(
            created.ends_with(&format!("+0000 {}", &s(t2, "created_at")[..4])),
            "{created}"
        );
        assert!(st["entities"]["hashtags"].is_array());
        let full = if st["truncated"].as_bool().unwrap() {
            truncated += 1;
            assert!(s(st, "text").chars().count() <= 140);
            s(&st["extended_tweet"], "full_text")
        } else {
            s(st, "text")
        };
        assert_eq!(full, s(t2, "text"), "same text as v2");
        if let Some(rs) = st.get("retweeted_status") {
            retweets += 1;
            assert!(s(st, "text").starts_with("RT @"));
            assert!(
                v2.contains_key(s(rs, "id_str")),
                "retweeted status is in the world"
            );
        }
        if let Some(r) = st["in_reply_to_status_id_str"].as_str() {
            assert!(v2.contains_key(r));
        }
    }
    assert!(retweets > 30 && truncated > 10, "{retweets} {truncated}");
}

#[test]
fn telegram_exports_parse() {
    let cfg = small();
    let w = world("telegram", &cfg);
    let files: Vec<&PathBuf> = w
        .summary
        .files
        .iter()
        .filter(|f| f.ends_with("result.json"))
        .collect();
    assert_eq!(files.len(), 8);
    let mut messages = 0;
    let mut forwards = 0;
    let mut edited = 0;
    let mut chat_ids = HashSet::new();
    for f in files {
        let raw = fs::read_to_string(f).unwrap();
        assert!(raw.starts_with("{\n \"name\": "), "one-space indent");
        let v: Value = serde_json::from_str(&raw).expect("result.json parses");
        assert_eq!(s(&v, "type"), "public_channel");
        let chat = v["id"].as_u64().unwrap();
        assert!(chat_ids.insert(chat));
        let mut last = 0;
        for m in arr(&v, "messages") {
            let id = m["id"].as_u64().unwrap();
            assert!(id > last, "message ids increase");
            last = id;
            let unix = s(m, "date_unixtime");
            assert!(!unix.is_empty() && unix.bytes().all(|b| b.is_ascii_digit()));
            assert_eq!(s(m, "date").len(), 19);
            assert!(m["text"].is_string() || m["text"].is_array());
            assert!(m["text_entities"].is_array());
            match s(m, "type") {
                "message" => {
                    messages += 1;
                    assert_eq!(s(m, "from_id"), format!("channel{chat}"));
                    assert_eq!(s(m, "from"), s(&v, "name"));
                    forwards += usize::from(m.get("forwarded_from").is_some());
                    if let Some(e) = m.get("edited_unixtime") {
                        edited += 1;
                        let e: i64 = e.as_str().unwrap().parse().unwrap();
                        assert!(e > unix.parse::<i64>().unwrap());
                    }
                    // text and text_entities spell the same string.
                    let flat: String = match &m["text"] {
                        Value::String(t) => t.clone(),
                        Value::Array(parts) => parts
                            .iter()
                            .map(|p| {
                                p.as_str()
                                    .map(str::to_string)
                                    .unwrap_or_else(|| s(p, "text").to_string())
                            })
                            .collect(),
                        _ => unreachable!(),
                    };
                    let ents: String = arr(m, "text_entities")
                        .iter()
                        .map(|e| s(e, "text"))
                        .collect();
                    assert_eq!(flat, ents);
                }
                "service" => assert!(m["action"].is_string()),
                other => panic!("type {other}"),
            }
        }
    }
    assert_eq!(messages, 1_200);
    assert_eq!(messages as u64, w.summary.telegram_posts);
    assert!(
        forwards > 100 && edited > 20,
        "{forwards} forwards, {edited} edits"
    );
}

#[test]
fn csv_matches_x_posts() {
    let w = world("csv", &small());
    let text = fs::read_to_string(w.dir.join("csv/cnt.csv")).unwrap();
    let rows = parse_csv(&text);
    assert_eq!(
        rows[0],
        [
            "message_id",
            "user_id",
            "username",
            "repost_id",
            "reply_id",
            "message",
            "timestamp",
            "urls"
        ]
    );
    assert_eq!(rows.len() - 1, 3_000);
    assert_eq!((rows.len() - 1) as u64, w.summary.csv_rows);
    let pages = lines(&w.dir.join("x/twarc2.jsonl"));
    let v2: HashMap<&str, &Value> = data_tweets(&pages)
        .into_iter()
        .map(|t| (s(t, "id"), t))
        .collect();
    let mut multiline = 0;
    for r in &rows[1..] {
        assert_eq!(r.len(), 8);
        let t = v2.get(r[0].as_str()).expect("csv row is a v2 tweet");
        assert_eq!(r[1], s(t, "author_id"));
        assert_eq!(r[5], s(t, "text"));
        assert!(r[6].parse::<i64>().is_ok());
        let refs = arr(t, "referenced_tweets");
        let of = |k: &str| {
            refs.iter()
                .find(|x| s(x, "type") == k)
                .map(|x| s(x, "id").to_string())
        };
        assert_eq!(r[3], of("retweeted").unwrap_or_default());
        assert_eq!(r[4], of("replied_to").unwrap_or_default());
        let urls: Vec<&str> = arr(&t["entities"], "urls")
            .iter()
            .map(|u| s(u, "expanded_url"))
            .collect();
        assert_eq!(r[7], urls.join(" "));
        multiline += usize::from(r[5].contains('\n'));
    }
    assert!(multiline > 0, "some messages span lines");
}

#[test]
fn summary_counts_match_files() {
    let cfg = small();
    let w = world("counts", &cfg);
    let sm = &w.summary;
    let pages = lines(&w.dir.join("x/twarc2.jsonl"));
    assert_eq!(sm.x_posts, data_tweets(&pages).len() as u64);
    let v1_lines = fs::read_to_string(w.dir.join("x/v1.jsonl"))
        .unwrap()
        .lines()
        .count();
    assert_eq!(sm.x_v1_posts, v1_lines as u64);
    let csv_rows = parse_csv(&fs::read_to_string(w.dir.join("csv/cnt.csv")).unwrap()).len() - 1;
    assert_eq!(sm.csv_rows, csv_rows as u64);
    let mut tg = 0;
    for f in sm.files.iter().filter(|f| f.ends_with("result.json")) {
        let v: Value = serde_json::from_str(&fs::read_to_string(f).unwrap()).unwrap();
        tg += arr(&v, "messages")
            .iter()
            .filter(|m| m["type"] == "message")
            .count();
    }
    assert_eq!(sm.telegram_posts, tg as u64);
    assert_eq!(sm.actors, cfg.actors);
    for f in &sm.files {
        assert!(f.starts_with(&w.dir) && f.is_file(), "{}", f.display());
    }
    assert_eq!(sm.files.len(), 2 + 8 + 1);

    // Officials: present, sided, and active in the data.
    let x_off: Vec<_> = sm.officials.iter().filter(|o| o.platform == "x").collect();
    let tg_off: Vec<_> = sm
        .officials
        .iter()
        .filter(|o| o.platform == "telegram")
        .collect();
    assert!(
        x_off
            .iter()
            .any(|o| o.handle == "ArmySpokesman" && o.side == "state")
    );
    assert!(
        x_off
            .iter()
            .any(|o| o.handle == "AlqassamMedia" && o.side == "armed-group")
    );
    assert!(
        tg_off
            .iter()
            .any(|o| o.handle == "KataibMedia" && o.side == "armed-group")
    );
    let authors: HashSet<&str> = data_tweets(&pages)
        .iter()
        .map(|t| s(t, "author_id"))
        .collect();
    for o in &x_off {
        assert!(authors.contains(o.id.as_str()), "{} posts", o.handle);
    }
    let users: HashMap<&str, &str> = pages
        .iter()
        .flat_map(|p| arr(&p["includes"], "users"))
        .map(|u| (s(u, "id"), s(u, "username")))
        .collect();
    for o in &x_off {
        assert_eq!(users[o.id.as_str()], o.handle);
    }
    let tg_dir = w.dir.join("telegram");
    for o in &tg_off {
        let v: Value = serde_json::from_str(
            &fs::read_to_string(tg_dir.join(o.handle.to_lowercase()).join("result.json")).unwrap(),
        )
        .unwrap();
        assert_eq!(v["id"].as_u64().unwrap().to_string(), o.id);
    }
}

#[test]
fn language_mix_and_script_features() {
    let w = world(
        "lang",
        &WorldConfig {
            posts: 6_000,
            ..small()
        },
    );
    let pages = lines(&w.dir.join("x/twarc2.jsonl"));
    let tweets = data_tweets(&pages);
    let mut by_lang: HashMap<&str, usize> = HashMap::new();
    for t in &tweets {
        *by_lang.entry(s(t, "lang")).or_default() += 1;
    }
    let share = |l: &str| *by_lang.get(l).unwrap_or(&0) as f64 / tweets.len() as f64;
    assert!((0.30..0.50).contains(&share("ar")), "ar {}", share("ar"));
    assert!((0.12..0.28).contains(&share("fa")), "fa {}", share("fa"));
    assert!((0.05..0.16).contains(&share("iw")), "iw {}", share("iw"));
    assert!((0.20..0.40).contains(&share("en")), "en {}", share("en"));

    let texts = |l: &str| -> String {
        tweets
            .iter()
            .filter(|t| s(t, "lang") == l)
            .map(|t| s(t, "text"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let ar = texts("ar");
    assert!(
        ar.chars().any(|c| ('\u{064b}'..='\u{0652}').contains(&c)),
        "tashkeel"
    );
    assert!(ar.contains('\u{0640}'), "tatweel");
    for (a, b) in [("غزة", "غزه"), ("أبو", "ابو"), ("الأسرى", "الاسرى")] {
        assert!(ar.contains(a) && ar.contains(b), "{a} / {b}");
    }
    assert!(ar.contains("مستشفى") && ar.contains("مستشفي"), "ى/ي");
    let fa = texts("fa");
    assert!(fa.contains('\u{200c}'), "ZWNJ");
    assert!(
        fa.contains('\u{06cc}') && fa.contains('\u{06a9}'),
        "Persian ی and ک"
    );
    let he = texts("iw");
    assert!(
        he.chars().any(|c| ('\u{05d0}'..='\u{05ea}').contains(&c)),
        "Hebrew letters"
    );
    assert!(
        he.chars().any(|c| ('\u{05b0}'..='\u{05bc}').contains(&c)),
        "niqqud"
    );
    let en = texts("en");
    assert!(
        en.contains("&amp;") && en.contains('"'),
        "escaped ampersand and quotes"
    );
    let all: String = tweets.iter().map(|t| s(t, "text")).collect();
    assert!(all.contains('\n'), "newlines");
    assert!(
        all.chars()
            .any(|c| ('\u{1f300}'..='\u{1faff}').contains(&c)),
        "emoji"
    );

    // The raw file is ASCII with \u escapes, as Python's json.dumps writes it.
    let raw = fs::read(w.dir.join("x/twarc2.jsonl")).unwrap();
    assert!(raw.is_ascii());
    let raw = String::from_utf8(raw).unwrap();
    assert!(raw.contains("\\u063a\\u0632\\u0629"), "غزة escaped");
    assert!(raw.contains("\\ud83d"), "surrogate pairs");
    assert!(raw.starts_with("{\"data\": [{"));
}

#[test]
fn tiny_and_empty_worlds() {
    for (k, cfg) in [
        WorldConfig {
            posts: 0,
            actors: 0,
            channels: 0,
            telegram_posts: 0,
            days: 0,
            ..WorldConfig::default()
        },
        WorldConfig {
            posts: 1,
            actors: 1,
            channels: 1,
            telegram_posts: 0,
            days: 1,
            ..WorldConfig::default()
        },
        WorldConfig {
            posts: 101,
            actors: 3,
            channels: 2,
            telegram_posts: 5,
            days: 0,
            ..WorldConfig::default()
        },
    ]
    .iter()
    .enumerate()
    {
        let w = world(&format!("tiny-{k}"), cfg);
        let sm = &w.summary;
        assert_eq!(sm.x_posts, cfg.posts);
        assert_eq!(sm.x_v1_posts, cfg.posts.div_ceil(10));
        assert_eq!(sm.csv_rows, cfg.posts);
        assert_eq!(
            sm.telegram_posts,
            if cfg.channels == 0 {
                0
            } else {
                cfg.telegram_posts
            }
        );
        let pages = lines(&w.dir.join("x/twarc2.jsonl"));
        assert_eq!(pages.len() as u64, cfg.posts.div_ceil(100));
        assert_eq!(data_tweets(&pages).len() as u64, cfg.posts);
        for f in sm.files.iter().filter(|f| f.ends_with("result.json")) {
            let v: Value = serde_json::from_str(&fs::read_to_string(f).unwrap()).unwrap();
            assert!(v["messages"].is_array());
        }
        // Every official X account named in the summary exists in the world.
        let authors: HashSet<&str> = pages
            .iter()
            .flat_map(|p| arr(&p["includes"], "users"))
            .map(|u| s(u, "username"))
            .collect();
        if cfg.posts > 50 {
            for o in sm.officials.iter().filter(|o| o.platform == "x") {
                assert!(authors.contains(o.handle.as_str()), "{}", o.handle);
            }
        }
    }
}

#[test]
fn coordinated_networks_are_disjoint_and_not_officials() {
    let cfg = tarjuman_gen::WorldConfig {
        posts: 5_000,
        actors: 800,
        ..Default::default()
    };
    let nets = tarjuman_gen::coordinated_networks(&cfg);
    assert_eq!(nets.len(), 3);
    let all: std::collections::HashSet<&String> = nets.iter().flatten().collect();
    assert_eq!(
        all.len(),
        nets.iter().map(Vec::len).sum::<usize>(),
        "networks overlap"
    );
    assert!(
        nets.iter().all(|n| n.len() >= 5),
        "{:?}",
        nets.iter().map(Vec::len).collect::<Vec<_>>()
    );
    let officials: std::collections::HashSet<String> = tarjuman_gen::officials(&cfg)
        .into_iter()
        .map(|o| o.id)
        .collect();
    assert!(all.iter().all(|m| !officials.contains(*m)));
}

/// The facts the generator reports (for ground truth) agree with the
/// twarc2 file it writes: times, authors, hashtags, URLs and campaigns.
#[test]
fn post_facts_match_the_twarc2_file() {
    let cfg = small();
    let mut bytes = Vec::new();
    write_twarc2(&cfg, &mut bytes).unwrap();
    let pages: Vec<Value> = String::from_utf8(bytes)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let by_id: HashMap<String, &Value> = data_tweets(&pages)
        .into_iter()
        .map(|t| (s(t, "id").to_string(), t))
        .collect();
    let facts: Vec<tarjuman_gen::XPostFacts> =
        tarjuman_gen::x_post_facts(&cfg, 0..cfg.posts + 10).collect();
    assert_eq!(facts.len() as u64, cfg.posts);
    for f in &facts {
        let t = by_id[&f.id.to_string()];
        assert_eq!(s(t, "author_id"), f.author.to_string());
        assert_eq!(unix(s(t, "created_at")), f.created_at);
        let ents = &t["entities"];
        let tags: Vec<&str> = arr(ents, "hashtags").iter().map(|h| s(h, "tag")).collect();
        assert_eq!(
            tags,
            f.hashtags.iter().map(String::as_str).collect::<Vec<_>>()
        );
        let urls: Vec<&str> = arr(ents, "urls")
            .iter()
            .map(|u| s(u, "expanded_url"))
            .collect();
        assert_eq!(urls, f.urls.iter().map(String::as_str).collect::<Vec<_>>());
    }
    // Campaigns: listed once each, and their posts say so.
    let camps = tarjuman_gen::campaigns(&cfg);
    assert!(!camps.is_empty());
    let in_camps: usize = camps.iter().map(|c| c.posts as usize).sum();
    assert_eq!(
        facts.iter().filter(|f| f.campaign.is_some()).count(),
        in_camps
    );
    let nets = tarjuman_gen::coordinated_networks(&cfg);
    for c in &camps {
        for f in &facts[c.seed_index as usize..(c.seed_index + c.posts) as usize] {
            assert_eq!(f.campaign, Some(*c));
            if f.index > c.seed_index {
                assert!(nets[c.network as usize].contains(&f.author.to_string()));
            }
        }
    }
    let news = tarjuman_gen::news_events(&cfg);
    assert_eq!(news.len(), 1 + 14 / 4);
    assert!(
        news.iter()
            .all(|n| n.peak_factor >= 2.5 && n.peak_factor <= 5.5)
    );
}

/// Unix seconds of `2023-10-01T12:34:56.000Z` (days from civil, H. Hinnant).
fn unix(t: &str) -> i64 {
    let n = |a: usize, b: usize| t[a..b].parse::<i64>().unwrap();
    let (y, m, d) = (n(0, 4), n(5, 7), n(8, 10));
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    days * 86_400 + n(11, 13) * 3600 + n(14, 16) * 60 + n(17, 19)
}
