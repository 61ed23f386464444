//! `tarjuman detect`, `events`, `event` and `watch` on the real samples and
//! on a generated world. Expected values come from the input files (the
//! Python one-liner or the Rust reading of the file is next to each
//! assertion), never from tarjuman's output.

use crate::{Tj, corpus};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

fn ok(o: &std::process::Output) -> String {
    assert!(
        o.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// `events --json ARGS`, parsed, checking the contract of every line.
fn events(tj: &Tj, args: &[&str]) -> Vec<Value> {
    let mut a = vec!["events", "--json"];
    a.extend_from_slice(args);
    let out = ok(&tj.run(&a));
    out.lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("one JSON object per line");
            for k in ["id", "kind", "start", "end", "summary"] {
                assert!(v[k].is_string(), "{k} in {v}");
            }
            for k in ["start", "end"] {
                let t = v[k].as_str().unwrap_or_default();
                assert!(
                    t.ends_with('Z') && chrono::DateTime::parse_from_rfc3339(t).is_ok(),
                    "{k} is not RFC 3339 UTC: {t}"
                );
            }
            assert!(v["score"].is_number(), "{v}");
            assert!(v["actors"].is_array() && v["evidence"].is_array(), "{v}");
            v
        })
        .collect()
}

fn strs(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// Tweets (data and includes) of a twarc2 JSONL file by id.
fn tweets(path: &std::path::Path) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for line in std::fs::read_to_string(path).expect("read").lines() {
        let Ok(d) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        let data = d["data"].as_array().cloned().unwrap_or_default();
        let inc = d["includes"]["tweets"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        for t in data.into_iter().chain(inc) {
            if let Some(id) = t["id"].as_str() {
                out.entry(id.to_string()).or_insert(t);
            }
        }
    }
    out
}

#[test]
fn media_policy_off_then_on_gives_edit_events() {
    let Some(c) = corpus() else { return };
    let dir = c.join("twitter-v2-twarc2");
    let tj = Tj::new();
    let off = dir.join("media_policy_violation_off.jsonl");
    let on = dir.join("media_policy_violation_on.jsonl");
    tj.ingest(&[off.to_str().unwrap()]);
    tj.ingest(&[on.to_str().unwrap()]);
    ok(&tj.run(&["detect"]));

    // Independently: tweets (data + includes) in both files whose text differs,
    // grouped by author and UTC day of created_at.
    // python3 -c "…tweets(f) = {t['id']: t for d in lines for t in d['data'] + d['includes']['tweets']}…"
    //   → 102 changed tweets in 7 (author, day) groups
    let (a, b) = (tweets(&off), tweets(&on));
    let mut groups: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (id, t) in &a {
        if let Some(u) = b.get(id)
            && u["text"] != t["text"]
        {
            let key = format!(
                "x:{}/{}",
                t["author_id"].as_str().unwrap_or_default(),
                &t["created_at"].as_str().unwrap_or_default()[..10]
            );
            groups.entry(key).or_default().insert(format!("x:{id}"));
        }
    }
    assert_eq!(groups.values().map(BTreeSet::len).sum::<usize>(), 102);
    assert_eq!(groups.len(), 7);

    let ev = events(&tj, &["--kind", "edit"]);
    let mut got: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for e in &ev {
        let day = &e["start"].as_str().unwrap()[..10];
        let key = format!("{}/{day}", strs(&e["actors"])[0]);
        let refs: BTreeSet<String> = strs(&e["evidence"]).into_iter().collect();
        assert_eq!(e["score"].as_f64(), Some(refs.len() as f64));
        got.insert(key, refs);
    }
    assert_eq!(got, groups);

    // A rerun adds nothing and duplicates nothing.
    let out = ok(&tj.run(&["detect", "--json"]));
    let r: Value = serde_json::from_str(out.trim()).unwrap();
    for d in r["detectors"].as_array().unwrap() {
        assert_eq!(d["new_events"], 0, "{d}");
        assert_eq!(d["updated_events"], 0, "{d}");
    }
    assert_eq!(events(&tj, &[]).len(), 7);
    // --rebuild recomputes the same events, with the same ids.
    ok(&tj.run(&["detect", "--rebuild"]));
    let ids: Vec<Value> = events(&tj, &[]).iter().map(|e| e["id"].clone()).collect();
    assert_eq!(ids, ev.iter().map(|e| e["id"].clone()).collect::<Vec<_>>());

    // The event view shows both texts and the word diff.
    let first = ev[0]["id"].as_str().unwrap();
    let view = ok(&tj.run(&["event", first]));
    assert!(
        view.contains("v1:") && view.contains("v2:") && view.contains("diff:"),
        "{view}"
    );
    assert!(view.contains("{+") && view.contains("[-"), "{view}");
    let j: Value = serde_json::from_str(ok(&tj.run(&["event", first, "--json"])).trim()).unwrap();
    assert_eq!(j["id"], ev[0]["id"]);
    assert_eq!(
        j["timeline"][0]["versions"].as_array().map(Vec::len),
        Some(2)
    );

    // Filters.
    assert_eq!(events(&tj, &["--actor", "x:220364850"]).len(), 1);
    assert_eq!(events(&tj, &["--since", "2021-05-11"]).len(), 1);
    assert!(events(&tj, &["--kind", "deletion"]).is_empty());
    assert!(!tj.run(&["events", "--kind", "nope"]).status.success());
    assert!(!tj.run(&["event", "edit-0000000000000000"]).status.success());
}

#[test]
fn twarc2_edit_history_is_an_edit_event() {
    let Some(c) = corpus() else { return };
    let dir = c.join("twitter-v2-twarc2");
    let tj = Tj::new();
    tj.ingest(&[dir.join("edited_before.jsonl").to_str().unwrap()]);
    tj.ingest(&[dir.join("edited_after.jsonl").to_str().unwrap()]);
    ok(&tj.run(&["detect"]));
    // edited_after.jsonl: tweet 1576994789110992896 by 337119125 at 2022-10-03T17:57:11Z,
    // edit_history_tweet_ids ["1576994746135764992", "1576994789110992896"].
    let ev = events(&tj, &["--kind", "edit"]);
    assert_eq!(ev.len(), 1, "{ev:?}");
    assert_eq!(strs(&ev[0]["actors"]), ["x:337119125"]);
    assert_eq!(
        strs(&ev[0]["evidence"]),
        ["x:1576994789110992896", "x:1576994746135764992"]
    );
    assert_eq!(ev[0]["start"], "2022-10-03T17:57:11Z");
    let view = ok(&tj.run(&["event", ev[0]["id"].as_str().unwrap()]));
    assert!(view.contains("[-i miss y’all so much haha,,,"), "{view}");
    assert!(
        view.contains("{+hey :) https://t.co/rnwEIoNuqd+}"),
        "{view}"
    );
}

#[test]
fn telegram_two_captures_give_deletion_and_edit_events() {
    let Some(c) = corpus() else { return };
    let src = c.join("telegram-desktop/vu-pakistan-channel/result.json");
    let tj = Tj::new();
    let text = std::fs::read_to_string(&src).unwrap();
    let mut doc: Value = serde_json::from_str(&text).unwrap();
    let chat = doc["id"].as_i64().unwrap();
    // Remove the 11th message of type "message" from the second capture.
    let msgs = doc["messages"].as_array_mut().unwrap();
    let idx = msgs
        .iter()
        .enumerate()
        .filter(|(_, m)| m["type"] == "message")
        .nth(10)
        .map(|(i, _)| i)
        .unwrap();
    let removed = msgs.remove(idx);
    let removed_ref = format!("telegram:{chat}/{}", removed["id"]);
    let later = tj.path("later/result.json");
    std::fs::create_dir_all(later.parent().unwrap()).unwrap();
    std::fs::write(&later, serde_json::to_vec(&doc).unwrap()).unwrap();
    tj.ingest(&[src.to_str().unwrap()]);
    tj.ingest(&[later.to_str().unwrap()]);
    ok(&tj.run(&["detect"]));

    let del = events(&tj, &["--kind", "deletion"]);
    assert_eq!(del.len(), 1, "{del:?}");
    assert_eq!(strs(&del[0]["evidence"]), [removed_ref]);
    assert_eq!(strs(&del[0]["actors"]), [format!("telegram:{chat}")]);

    // Edits: the export marks 25 messages `edited`, on 20 distinct days (it
    // has no `edited_unixtime`, so the local `edited` time is taken as UTC).
    // python3 -c "import json;m=[x for x in json.load(open('result.json'))['messages'] if 'edited' in x];
    //   print(len(m), len({x['edited'][:10] for x in m}))"  → 25 20
    let orig: Value = serde_json::from_str(&text).unwrap();
    let edited: Vec<&Value> = orig["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m.get("edited").is_some())
        .collect();
    let days: BTreeSet<&str> = edited
        .iter()
        .filter_map(|m| m["edited"].as_str().map(|s| &s[..10]))
        .collect();
    let ed = events(&tj, &["--kind", "edit"]);
    assert_eq!(ed.len(), days.len());
    let posts: usize = ed.iter().map(|e| strs(&e["evidence"]).len()).sum();
    assert_eq!(posts, edited.len());
    assert_eq!((edited.len(), days.len()), (25, 20));
}

#[test]
fn watch_commands_and_config_errors() {
    let tj = Tj::new();
    std::fs::create_dir_all(tj.data()).unwrap();
    let cfg = tj.data().join("tarjuman.toml");
    std::fs::write(
        &cfg,
        "# desk\n[[side]]\nname = \"state\"\nopposes = [\"armed-group\"]\n",
    )
    .unwrap();
    ok(&tj.run(&[
        "watch",
        "add",
        "x:1",
        "--side",
        "state",
        "--alias",
        "المتحدث العسكري",
    ]));
    ok(&tj.run(&[
        "watch",
        "add",
        "x:@group",
        "--side",
        "armed-group",
        "--role",
        "media",
    ]));
    ok(&tj.run(&["watch", "add", "x:9", "--home"]));
    let l: Value = serde_json::from_str(ok(&tj.run(&["watch", "list", "--json"])).trim()).unwrap();
    assert_eq!(l["actors"].as_array().map(Vec::len), Some(2), "{l}");
    assert_eq!(l["actors"][0]["aliases"][0], "المتحدث العسكري");
    assert_eq!(l["home"][0], "x:9");
    ok(&tj.run(&["watch", "rm", "x:@group"]));
    assert!(!tj.run(&["watch", "rm", "x:@group"]).status.success());
    let text = std::fs::read_to_string(&cfg).unwrap();
    assert!(text.starts_with("# desk\n"), "comments kept: {text}");

    // A bad watchlist stops detect with the file and line.
    std::fs::write(
        &cfg,
        "[[side]]\nname = \"state\"\n\n[[actor]]\nref = \"x:1\"\nside = \"stat\"\n",
    )
    .unwrap();
    let o = tj.run(&["detect"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("tarjuman.toml:6:"), "{err}");
    let o = tj.run(&[
        "detect",
        "--config",
        tj.path("missing.toml").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn generated_world_first_contacts_match_the_file() {
    let tj = Tj::new();
    let cfg = tarjuman_gen::WorldConfig {
        posts: 6_000,
        actors: 600,
        channels: 1,
        telegram_posts: 10,
        ..Default::default()
    };
    let world = tj.path("world");
    tarjuman_gen::write_world(&cfg, &world).unwrap();
    let officials: Vec<_> = tarjuman_gen::officials(&cfg)
        .into_iter()
        .filter(|o| o.platform == "x")
        .collect();
    let side: BTreeMap<String, &str> = officials.iter().map(|o| (o.id.clone(), o.side)).collect();
    let mut toml = String::from("[[side]]\nname = \"state\"\nopposes = [\"armed-group\"]\n");
    for o in &officials {
        toml.push_str(&format!(
            "[[actor]]\nref = \"x:{}\"\nside = \"{}\"\n",
            o.id, o.side
        ));
    }
    std::fs::create_dir_all(tj.data()).unwrap();
    std::fs::write(tj.data().join("tarjuman.toml"), toml).unwrap();
    let file = world.join("x/twarc2.jsonl");
    tj.ingest(&[file.to_str().unwrap()]);
    ok(&tj.run(&["detect"]));

    // Independently, from the file: for each tweet by an official, the
    // officials it replies to, quotes or mentions; the first such tweet per
    // ordered pair of opposed officials (by time, then by ref).
    let all = tweets(&file);
    let mut first: BTreeMap<(String, String), (String, String)> = BTreeMap::new();
    for (id, t) in &all {
        let src = t["author_id"].as_str().unwrap_or_default().to_string();
        let Some(ss) = side.get(&src) else { continue };
        let mut dsts = BTreeSet::new();
        if let Some(u) = t["in_reply_to_user_id"].as_str() {
            dsts.insert(u.to_string());
        }
        for m in t["entities"]["mentions"].as_array().into_iter().flatten() {
            if let Some(u) = m["id"].as_str() {
                dsts.insert(u.to_string());
            }
        }
        for r in t["referenced_tweets"].as_array().into_iter().flatten() {
            if r["type"] == "quoted"
                && let Some(q) = r["id"].as_str().and_then(|q| all.get(q))
                && let Some(u) = q["author_id"].as_str()
            {
                dsts.insert(u.to_string());
            }
        }
        let at = t["created_at"].as_str().unwrap_or_default().to_string();
        for d in dsts {
            let Some(ds) = side.get(&d) else { continue };
            if ss == ds || d == src {
                continue;
            }
            let cand = (at.clone(), format!("x:{id}"));
            let e = first
                .entry((format!("x:{src}"), format!("x:{d}")))
                .or_insert(cand.clone());
            if cand < *e {
                *e = cand;
            }
        }
    }
    assert!(
        !first.is_empty(),
        "the generated world has contacts between officials"
    );
    let ev = events(&tj, &["--kind", "first-contact"]);
    let got: BTreeMap<(String, String), String> = ev
        .iter()
        .map(|e| {
            let a = strs(&e["actors"]);
            (
                (a[0].clone(), a[1].clone()),
                strs(&e["evidence"])[0].clone(),
            )
        })
        .collect();
    let want: BTreeMap<(String, String), String> =
        first.into_iter().map(|(k, (_, r))| (k, r)).collect();
    assert_eq!(got, want);

    // first-exchange: one event per unordered pair contacted both ways.
    let pairs: BTreeSet<(String, String)> = want
        .keys()
        .filter(|(a, b)| a < b && want.contains_key(&(b.clone(), a.clone())))
        .cloned()
        .collect();
    assert!(
        !pairs.is_empty(),
        "the generated world has two-way contacts"
    );
    let ex = events(&tj, &["--kind", "first-exchange"]);
    let got: BTreeSet<(String, String)> = ex
        .iter()
        .map(|e| {
            let mut a = strs(&e["actors"]);
            a.sort();
            (a[0].clone(), a[1].clone())
        })
        .collect();
    assert_eq!(got, pairs);
}

/// A twarc2 page of `n` tweets tagged `#tag`, one every `gap` seconds from
/// `t0`, by two accounts that never appear in the generated world.
fn burst(path: &std::path::Path, tag: &str, t0: i64, n: i64, gap: i64) -> Vec<String> {
    let users = serde_json::json!([
        {"id": "777000001", "username": "inj_a", "name": "A"},
        {"id": "777000002", "username": "inj_b", "name": "B"}
    ]);
    let mut ids = Vec::new();
    let data: Vec<Value> = (0..n)
        .map(|i| {
            let id = (9_100_000_000_000_000_000u64 + i as u64).to_string();
            ids.push(format!("x:{id}"));
            let at = chrono::DateTime::from_timestamp(t0 + i * gap, 0)
                .unwrap()
                .format("%Y-%m-%dT%H:%M:%S.000Z")
                .to_string();
            serde_json::json!({
                "id": id, "text": format!("now #{tag} {i}"), "created_at": at,
                "author_id": if i % 2 == 0 { "777000001" } else { "777000002" },
                "entities": {"hashtags": [{"start": 4, "end": 4 + tag.len(), "tag": tag}]},
                "edit_history_tweet_ids": [id],
            })
        })
        .collect();
    let page = serde_json::json!({"data": data, "includes": {"users": users}});
    std::fs::write(path, format!("{page}\n")).unwrap();
    ids
}

#[test]
fn generated_world_with_an_injected_surge() {
    let tj = Tj::new();
    let cfg = tarjuman_gen::WorldConfig {
        posts: 4_000,
        actors: 400,
        channels: 1,
        telegram_posts: 10,
        ..Default::default()
    };
    let world = tj.path("world");
    tarjuman_gen::write_world(&cfg, &world).unwrap();
    tj.ingest(&[world.join("x/twarc2.jsonl").to_str().unwrap()]);
    ok(&tj.run(&["detect"]));
    let background: BTreeSet<String> = events(&tj, &["--kind", "surge"])
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_string())
        .collect();

    // Day 8 of the world, 14:37:00Z: 40 posts of a new tag, one every 45 s.
    let t0 = cfg.start + 8 * 86_400 + 14 * 3600 + 37 * 60;
    let file = tj.path("burst.jsonl");
    let ids = burst(&file, "InjectedSurge", t0, 40, 45);
    tj.ingest(&[file.to_str().unwrap()]);
    let out = ok(&tj.run(&["detect", "--json"]));
    let r: Value = serde_json::from_str(out.trim()).unwrap();
    let surge = r["detectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "surge")
        .unwrap();
    assert_eq!(surge["rebuilt"], false, "an incremental run");
    let new: Vec<Value> = events(&tj, &["--kind", "surge"])
        .into_iter()
        .filter(|e| !background.contains(e["id"].as_str().unwrap()))
        .collect();
    assert_eq!(new.len(), 1, "{new:#?}");
    let e = &new[0];
    assert_eq!(e["detail"]["item"], "#injectedsurge");
    assert_eq!(e["detail"]["size"], 40);
    let start = chrono::DateTime::parse_from_rfc3339(e["start"].as_str().unwrap())
        .unwrap()
        .timestamp();
    assert!(
        (start - t0).abs() <= 15 * 60,
        "start {start} vs injected {t0}"
    );
    assert_eq!(strs(&e["evidence"])[0], ids[0]);
    assert_eq!(strs(&e["actors"]), ["x:777000001", "x:777000002"]);
}

#[test]
fn generated_world_with_injected_newcomers() {
    let tj = Tj::new();
    let cfg = tarjuman_gen::WorldConfig {
        posts: 4_000,
        actors: 400,
        channels: 1,
        telegram_posts: 10,
        ..Default::default()
    };
    let world = tj.path("world");
    tarjuman_gen::write_world(&cfg, &world).unwrap();
    let home = tarjuman_gen::officials(&cfg)
        .into_iter()
        .find(|o| o.platform == "x" && o.side == "state")
        .unwrap();
    std::fs::create_dir_all(tj.data()).unwrap();
    std::fs::write(
        tj.data().join("tarjuman.toml"),
        format!("[home]\nactors = [\"x:{}\"]\n", home.id),
    )
    .unwrap();
    tj.ingest(&[world.join("x/twarc2.jsonl").to_str().unwrap()]);
    ok(&tj.run(&["detect"]));
    assert!(
        events(&tj, &["--kind", "newcomers"]).is_empty(),
        "the background has no newcomer burst"
    );

    // Day 9, 06:10:00Z: 50 accounts never seen before mention the home
    // account, one every 3 minutes.
    let t0 = cfg.start + 9 * 86_400 + 6 * 3600 + 10 * 60;
    let mut users = Vec::new();
    let mut data = Vec::new();
    for i in 0..50i64 {
        let uid = (880_000_000 + i).to_string();
        users.push(serde_json::json!({"id": uid, "username": format!("fresh_{i}"), "name": "F"}));
        let at = chrono::DateTime::from_timestamp(t0 + i * 180, 0)
            .unwrap()
            .format("%Y-%m-%dT%H:%M:%S.000Z")
            .to_string();
        let id = (9_200_000_000_000_000_000u64 + i as u64).to_string();
        data.push(serde_json::json!({
            "id": id, "author_id": uid, "created_at": at,
            "text": format!("@{} answer us", home.handle),
            "entities": {"mentions": [{"start": 0, "end": 1 + home.handle.len(), "username": home.handle, "id": home.id}]},
            "edit_history_tweet_ids": [id],
        }));
    }
    let file = tj.path("fresh.jsonl");
    let page = serde_json::json!({"data": data, "includes": {"users": users}});
    std::fs::write(&file, format!("{page}\n")).unwrap();
    tj.ingest(&[file.to_str().unwrap()]);
    ok(&tj.run(&["detect"]));
    let ev = events(&tj, &["--kind", "newcomers"]);
    assert_eq!(ev.len(), 1, "{ev:#?}");
    let e = &ev[0];
    assert_eq!(e["detail"]["newcomers"], 50);
    assert_eq!(strs(&e["actors"])[0], format!("x:{}", home.id));
    assert_eq!(strs(&e["actors"])[1], "x:880000000");
    assert_eq!(strs(&e["evidence"])[0], "x:9200000000000000000");
    let start = chrono::DateTime::parse_from_rfc3339(e["start"].as_str().unwrap())
        .unwrap()
        .timestamp();
    assert_eq!(start, t0);
}

/// A local HTTP server answering `first` with 503 once, then 200 to
/// everything, until `n` bodies have been received; returns its URL and the
/// bodies.
fn hook_server(n: usize) -> (String, std::thread::JoinHandle<Vec<String>>) {
    use std::io::{Read, Write};
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", l.local_addr().unwrap());
    let h = std::thread::spawn(move || {
        let mut bodies = Vec::new();
        let mut failed_once = false;
        while bodies.len() < n {
            let (mut s, _) = l.accept().unwrap();
            let mut data = Vec::new();
            let mut buf = [0u8; 8192];
            let body = loop {
                let k = s.read(&mut buf).unwrap_or(0);
                data.extend_from_slice(&buf[..k]);
                let text = String::from_utf8_lossy(&data).to_string();
                if let Some(i) = text.find("\r\n\r\n") {
                    let len: usize = text
                        .lines()
                        .find_map(|l| l.strip_prefix("Content-Length: "))
                        .and_then(|v| v.trim().parse().ok())
                        .unwrap_or(0);
                    if data.len() >= i + 4 + len {
                        break text[i + 4..].to_string();
                    }
                }
                if k == 0 {
                    break String::new();
                }
            };
            if !failed_once {
                failed_once = true;
                let _ = write!(s, "HTTP/1.1 503 Busy\r\nContent-Length: 0\r\n\r\n");
                continue;
            }
            let _ = write!(s, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
            bodies.push(body);
        }
        bodies
    });
    (url, h)
}

#[test]
fn notify_posts_new_events_to_a_webhook_and_a_command() {
    let Some(c) = corpus() else { return };
    let dir = c.join("twitter-v2-twarc2");
    let tj = Tj::new();
    tj.ingest(&[dir
        .join("media_policy_violation_off.jsonl")
        .to_str()
        .unwrap()]);
    tj.ingest(&[dir
        .join("media_policy_violation_on.jsonl")
        .to_str()
        .unwrap()]);
    // The 7 (author, day) groups of changed tweets: see media_policy_off_then_on_gives_edit_events.
    let (url, server) = hook_server(7);
    let log = tj.path("alerts.log");
    let cmd = format!("cat >> '{}'", log.display());
    let o = tj.run(&[
        "detect",
        "--notify",
        &url,
        "--notify-command",
        &cmd,
        "--notify-timeout",
        "5",
    ]);
    ok(&o);
    let bodies = server.join().unwrap();
    let ids: BTreeSet<String> = bodies
        .iter()
        .map(|b| {
            let v: Value = serde_json::from_str(b).expect("JSON body");
            assert_eq!(v["change"], "new");
            assert_eq!(v["kind"], "edit");
            v["id"].as_str().unwrap().to_string()
        })
        .collect();
    let stored: BTreeSet<String> = events(&tj, &[])
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, stored, "one POST per event, the 503 retried");
    let lines = std::fs::read_to_string(&log).unwrap();
    assert_eq!(lines.lines().count(), 7);

    // A rerun changes nothing, so nothing is sent; an unreachable hook is a
    // reported failure only when there is something to send.
    let o = tj.run(&["detect", "--notify", "http://127.0.0.1:9/none"]);
    assert_eq!(o.status.code(), Some(0));
    let o = tj.run(&[
        "detect",
        "--rebuild",
        "--only",
        "edit",
        "--notify",
        "http://127.0.0.1:9/none",
        "--notify-attempts",
        "1",
        "--notify-timeout",
        "1",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("alert for edit-"));
}
