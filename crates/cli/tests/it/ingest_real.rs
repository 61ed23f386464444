//! Every file family of the real corpus, ingested by the binary, with exact
//! post and actor counts from an independent count.

use crate::{Tj, corpus, n};

/// Ingests the JSON files (`*.json`, `*.jsonl`) under `dir` of the corpus.
fn family(dir: &str) -> Option<(Tj, serde_json::Value, i32)> {
    let c = corpus()?;
    let tj = Tj::new();
    let mut files = Vec::new();
    let mut stack = vec![c.join(dir)];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).ok()? {
            let p = e.ok()?.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "json" || x == "jsonl") {
                files.push(p.to_string_lossy().into_owned());
            }
        }
    }
    files.sort();
    let args: Vec<&str> = files.iter().map(|s| s.as_str()).collect();
    let (sum, code, _) = tj.ingest(&args);
    Some((tj, sum, code))
}

#[test]
fn twarc2_family() {
    let Some((tj, sum, code)) = family("twitter-v2-twarc2") else {
        return;
    };
    // Non-post lines (counts buckets, list objects, user compliance, one truncated line) are quarantined.
    assert_eq!(code, 1, "{sum}");
    assert_eq!(n(&sum, "files_failed"), 0, "{sum}");
    let s = tj.stats();
    // python3 crates/cli/tests/it/independent_counts.py twarc2 ../shared/corpus/real/twitter-v2-twarc2
    //   → {"posts": 2382, "actors": 2670}
    assert_eq!(n(&s, "posts"), 2382);
    assert_eq!(n(&s, "actors"), 2670);
    assert_eq!(s["by_platform"]["x"], 2382);
    // Tweets whose author is missing from includes.users are kept, the author known by id only.
    // python3 -c "import json;[print(t['id'], t['author_id']) for l in open('withheld.jsonl') for d in [json.loads(l)]
    //   for t in d['data']+d['includes']['tweets'] if t['author_id'] not in {u['id'] for u in d['includes']['users']}]"
    //   → 7 tweets, the first 1404393588541202433 by 1228027987439702016
    let kept = tj.sql(
        "SELECT a.ref || ' ' || coalesce(a.handle, '-') FROM posts p JOIN actors a ON a.id = p.author_id WHERE p.ref = 'x:1404393588541202433'",
    );
    assert_eq!(
        kept,
        vec!["x:1228027987439702016 -"],
        "the tweet with a missing author must be kept"
    );
    // tweets_compliance.jsonl: 2 tweet deletions (protected, deactivated).
    let gone = tj.sql("SELECT reason FROM gone WHERE how = 'notice' AND post_ref IN ('x:1170025343920402432', 'x:1170147183095664640') ORDER BY reason");
    assert_eq!(gone, vec!["deactivated", "protected"]);
}

#[test]
fn twitter_v1_family() {
    let Some((tj, sum, code)) = family("twitter-v1") else {
        return;
    };
    assert_eq!(n(&sum, "files_failed"), 0, "{sum}");
    assert!(code == 0 || code == 1, "{sum}");
    let s = tj.stats();
    // python3 crates/cli/tests/it/independent_counts.py v1 ../shared/corpus/real/twitter-v1
    //   → {"posts": 726, "actors": 712}
    assert_eq!(n(&s, "posts"), 726);
    assert_eq!(n(&s, "actors"), 712);
    // public_api_sample.jsonl: the numeric id was rounded through a float; id_str wins.
    // jq -r '.id_str' public_api_sample.jsonl | head -1 → 872836479608733696
    assert_eq!(
        tj.sql("SELECT count(*) FROM posts WHERE ref = 'x:872836479608733696'"),
        vec!["1"]
    );
    assert_eq!(
        tj.sql("SELECT count(*) FROM posts WHERE ref = 'x:872836479608733700'"),
        vec!["0"]
    );
    // streaming_lines.jsonl: the Hebrew tweet (lang iw) keeps its text unchanged.
    let he = tj.sql("SELECT count(*) FROM posts WHERE lang = 'iw'");
    assert_ne!(he, vec!["0"]);
}

#[test]
fn twitter_v2_raw_api_responses() {
    let Some((tj, sum, _)) = family("twitter-v2-api") else {
        return;
    };
    assert_eq!(n(&sum, "files_failed"), 0, "{sum}");
    let s = tj.stats();
    // python3 crates/cli/tests/it/independent_counts.py twarc2 ../shared/corpus/real/twitter-v2-api
    //   → {"posts": 329, "actors": 181}
    assert_eq!(n(&s, "posts"), 329);
    assert_eq!(n(&s, "actors"), 181);
}

#[test]
fn same_post_from_v1_and_v2_is_one_post() {
    let Some(c) = corpus() else { return };
    let tj = Tj::new();
    // The v1.1 status of testgetstatus__00.json (id_str 266367358078169089), written
    // again as a flattened v2 tweet, must not add a post or a version.
    let v1 = c.join("twitter-v1/tweepy/testgetstatus__00.json");
    let st: serde_json::Value = serde_json::from_slice(&std::fs::read(&v1).unwrap()).unwrap();
    let id = st["id_str"].as_str().unwrap();
    let v2 = serde_json::json!({"id": id, "text": st["text"], "author_id": st["user"]["id_str"], "created_at": "2019-01-01T00:00:00.000Z"});
    let f = tj.path("one.jsonl");
    std::fs::write(&f, format!("{v2}\n")).unwrap();
    tj.ingest(&[v1.to_str().unwrap()]);
    let (sum, _, _) = tj.ingest(&[f.to_str().unwrap()]);
    assert_eq!(n(&sum, "new_posts"), 0, "{sum}");
    assert_eq!(n(&sum, "new_versions"), 0, "{sum}");
}

#[test]
fn telegram_desktop_family() {
    let Some((tj, sum, code)) = family("telegram-desktop") else {
        return;
    };
    // chat-miner messages without an id, chats without an id, and `unsupported` messages are quarantined.
    assert_eq!(code, 1, "{sum}");
    assert_eq!(n(&sum, "files_failed"), 0, "{sum}");
    let s = tj.stats();
    // Messages of type "message" with an integer id, distinct by (chat id, message id):
    // python3 -c "import json,glob
    //   ps=set()
    //   for f in glob.glob('telegram-desktop/**/*.json', recursive=True):
    //     d=json.load(open(f)); chats=[d] if 'messages' in d else [c for k in ('chats','left_chats') for c in (d.get(k) or {}).get('list',[])]
    //     ps |= {(c.get('id','unknown'), m['id']) for c in chats for m in c.get('messages',[]) if m.get('type','message')=='message' and isinstance(m.get('id'),int)}
    //   print(len(ps))"  → 278
    assert_eq!(n(&s, "posts"), 278);
    assert_eq!(s["by_platform"]["telegram"], 278);
    // vu-pakistan-channel: 25 messages carry `edited`; jq '[.messages[] | select(.edited)] | length' → 25
    let edited = tj.sql("SELECT count(*) FROM post_versions v JOIN posts p ON p.id = v.post_id WHERE p.ref LIKE 'telegram:%' AND v.edited_at IS NOT NULL");
    assert!(edited[0].parse::<u64>().unwrap() >= 25, "{edited:?}");
    // Times come from date_unixtime, never the local-time `date`:
    // jq '.messages[0] | .id, .date_unixtime' langchain/result.json → 1, "1692821483"
    let t = tj.sql(
        "SELECT created_at FROM posts WHERE ref LIKE 'telegram:%/1' AND created_at = 1692821483",
    );
    assert_eq!(t.len(), 1, "{t:?}");
    // Forwards: messages with `forwarded_from` or `forwarded_from_id`, over all files
    // (same python walk as above, counting those keys) → 4 (vu-pakistan 76 and 148, tkonverter 2 and 25)
    assert_eq!(
        tj.sql("SELECT count(*) FROM posts WHERE kind = 'forward'"),
        vec!["4"]
    );
}

#[test]
fn coordination_toolkit_csv() {
    let Some(c) = corpus() else { return };
    let tj = Tj::new();
    let f = c.join("coordination-network-toolkit/input/sample_data.csv");
    let (sum, code, err) = tj.ingest(&[f.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    // python3 -c "import csv; r=list(csv.DictReader(open('sample_data.csv'))); print(len(r), len({x['user_id'] for x in r}))" → 100 10
    assert_eq!(n(&sum, "new_posts"), 100);
    let s = tj.stats();
    assert_eq!(n(&s, "posts"), 100);
    assert_eq!(n(&s, "actors"), 10);
    // Refs of a CSV without a platform column: csv:<source>:<id>.
    assert_eq!(
        tj.sql("SELECT count(*) FROM posts WHERE ref LIKE 'csv:sample_data:%'"),
        vec!["100"]
    );
    // The BOM-prefixed toolkit test file: 15 rows, all reposts.
    let f = c.join("coordination-network-toolkit/input/coretweet_test_input.csv");
    let (sum, _, _) = tj.ingest(&[f.to_str().unwrap()]);
    assert_eq!(n(&sum, "new_posts"), 15, "{sum}");
    assert_eq!(tj.sql("SELECT count(*) FROM posts WHERE ref LIKE 'csv:coretweet_test_input:%' AND kind = 'repost'"), vec!["15"]);
}

#[test]
fn twarc_csv_and_twarc2_jsonl_are_the_same_posts() {
    let Some(c) = corpus() else { return };
    let tj = Tj::new();
    let j = c.join("twitter-v2-twarc2/brexit.jsonl");
    let v = c.join("twitter-v2-twarc-csv/brexit.csv");
    tj.ingest(&[j.to_str().unwrap()]);
    let (sum, code, err) = tj.ingest(&[v.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    // brexit.csv's 100 rows are the 100 `data` tweets of brexit.jsonl:
    // python3 -c "import csv,json; a={r['id'] for r in csv.DictReader(open('brexit.csv'))}; b={t['id'] for t in json.loads(open('brexit.jsonl').readline())['data']}; print(len(a), a==b)" → 100 True
    assert_eq!(n(&sum, "new_posts"), 0, "{sum}");
    assert_eq!(n(&sum, "new_versions"), 0, "{sum}");
}

#[test]
fn crowdtangle_csv() {
    let Some(c) = corpus() else { return };
    let tj = Tj::new();
    let f = c.join("crowdtangle/pycoornet/ct_output.csv");
    let (sum, code, err) = tj.ingest(&[f.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    // python3 -c "import csv; r=list(csv.DictReader(open('ct_output.csv'))); print(len(r), len({x['platformId'] for x in r}))" → 160 160
    assert_eq!(n(&sum, "new_posts"), 160);
    assert_eq!(tj.stats()["by_platform"]["facebook"], 160);
}
