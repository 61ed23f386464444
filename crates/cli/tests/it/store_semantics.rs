//! Idempotency, versions, missing-since marks, stdin and compression.

use crate::{Tj, corpus, n};
use std::io::Write;
use std::process::Stdio;

#[test]
fn same_file_twice_adds_nothing() {
    let Some(c) = corpus() else { return };
    let tj = Tj::new();
    let f = c.join("twitter-v2-twarc2/brexit.jsonl");
    let f = f.to_str().unwrap();
    let (first, code, _) = tj.ingest(&[f]);
    assert_eq!(code, 0, "{first}");
    // python3 independent_counts.py twarc2 brexit.jsonl → {"posts": 155, "actors": 185}
    assert_eq!(n(&first, "new_posts"), 155);
    let before = tj.stats();
    let (second, code, _) = tj.ingest(&[f]);
    assert_eq!(code, 0);
    assert_eq!(n(&second, "new_posts"), 0);
    assert_eq!(n(&second, "files_already_ingested"), 1);
    let (forced, _, _) = tj.ingest(&["--force", f]);
    assert_eq!(
        (
            n(&forced, "new_posts"),
            n(&forced, "new_versions"),
            n(&forced, "missing_marked")
        ),
        (0, 0, 0),
        "{forced}"
    );
    let after = tj.stats();
    for k in ["posts", "actors", "versions", "interactions"] {
        assert_eq!(before[k], after[k], "{k}");
    }
}

#[test]
fn later_capture_with_new_text_adds_versions() {
    let Some(c) = corpus() else { return };
    let tj = Tj::new();
    let off = c.join("twitter-v2-twarc2/media_policy_violation_off.jsonl");
    let on = c.join("twitter-v2-twarc2/media_policy_violation_on.jsonl");
    tj.ingest(&[off.to_str().unwrap()]);
    let (sum, _, _) = tj.ingest(&[on.to_str().unwrap()]);
    // Tweets (data + includes.tweets) present in both files with a different text:
    // python3 -c "import json
    //   def load(f): return {t['id']: t['text'] for l in open(f) for d in [json.loads(l)] for t in d['data']+d['includes'].get('tweets',[])}
    //   a=load('media_policy_violation_off.jsonl'); b=load('media_policy_violation_on.jsonl')
    //   print(sum(a[k]!=b[k] for k in a.keys()&b.keys()), len(b.keys()-a.keys()))"  → 102 0
    assert_eq!(n(&sum, "new_versions"), 102, "{sum}");
    assert_eq!(n(&sum, "new_posts"), 0, "{sum}");
    // Nothing is overwritten: the first text is still version 1.
    let v = tj.sql(
        "SELECT count(*) FROM post_versions v1 JOIN post_versions v2 ON v1.post_id = v2.post_id AND v1.version = 1 AND v2.version = 2 WHERE v1.text != v2.text",
    );
    assert_eq!(v, vec!["102"]);
    // The raw record of each version is kept, compressed: every one reads
    // back as the tweet it was decoded from.
    let c = rusqlite::Connection::open(tj.data().join("tarjuman.db")).unwrap();
    let mut st = c
        .prepare(&format!(
            "SELECT p.native_id, v.version, {} FROM post_versions v JOIN posts p ON p.id = v.post_id",
            tarjuman_store::RAW_COLUMNS
        ))
        .unwrap();
    let rows: Vec<(String, i64, tarjuman_store::RawLoc)> = st
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                tarjuman_store::RawLoc::from_row(r, 2)?,
            ))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut reader = tarjuman_store::RawReader::new();
    let mut second = 0;
    for (id, version, loc) in &rows {
        assert!(
            matches!(loc, tarjuman_store::RawLoc::Block { .. }),
            "{id} v{version}: {loc:?}"
        );
        let raw = reader.read(&c, loc).unwrap().expect("raw record");
        let v: serde_json::Value = serde_json::from_slice(raw).unwrap();
        assert_eq!(v["id"].as_str(), Some(id.as_str()), "{id} v{version}");
        second += usize::from(*version == 2);
    }
    assert_eq!(second, 102);
}

/// Two captures of the same twarc2 query: the later one lacks three tweets
/// that fall inside its time range, and one that falls outside it.
#[test]
fn missing_since_a_later_capture_of_the_same_query() {
    let Some(c) = corpus() else { return };
    let tj = Tj::new();
    let src = std::fs::read_to_string(c.join("twitter-v2-twarc2/brexit.jsonl")).unwrap();
    let mut page: serde_json::Value = serde_json::from_str(src.lines().next().unwrap()).unwrap();
    let first = tj.path("first.jsonl");
    std::fs::write(&first, format!("{page}\n")).unwrap();
    // data is newest first; drop the newest tweet (outside the later range once removed)
    // and three from the middle.
    let data = page["data"].as_array_mut().unwrap();
    let removed: Vec<String> = [0usize, 10, 20, 30]
        .iter()
        .map(|&i| data[i]["id"].as_str().unwrap().to_string())
        .collect();
    for i in [30usize, 20, 10, 0] {
        data.remove(i);
    }
    let second = tj.path("second.jsonl");
    std::fs::write(&second, format!("{page}\n")).unwrap();
    tj.ingest(&[first.to_str().unwrap()]);
    let (sum, _, _) = tj.ingest(&[second.to_str().unwrap()]);
    assert_eq!(n(&sum, "missing_marked"), 3, "{sum}");
    let mut marked = tj.sql("SELECT post_ref FROM gone WHERE how = 'missing' ORDER BY post_ref");
    marked.sort();
    let mut want: Vec<String> = removed[1..].iter().map(|i| format!("x:{i}")).collect();
    want.sort();
    assert_eq!(marked, want);
    // The posts themselves are still there.
    assert_eq!(n(&tj.stats(), "posts"), 155);
}

#[test]
fn stdin_gzip_and_zstd() {
    let Some(c) = corpus() else { return };
    let tj = Tj::new();
    let raw = std::fs::read(c.join("twitter-v2-twarc2/kpop.jsonl")).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&raw).unwrap();
    let gzf = tj.path("kpop.jsonl.gz");
    std::fs::write(&gzf, gz.finish().unwrap()).unwrap();
    let (sum, code, err) = tj.ingest(&[gzf.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let posts = n(&sum, "new_posts");
    // python3 independent_counts.py twarc2 kpop.jsonl → {"posts": 121, "actors": 114}
    assert_eq!(posts, 121);
    // The same content, zstd-compressed, through stdin: nothing new, but it is a new capture.
    let zs = zstd::encode_all(&raw[..], 3).unwrap();
    let mut child = tj
        .cmd()
        .args(["ingest", "--json", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&zs).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(n(&v, "new_posts"), 0);
    assert_eq!(n(&v, "records_read"), n(&sum, "records_read"));
    // No spool file is left behind.
    let left: Vec<_> = std::fs::read_dir(tj.data())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains("spool"))
        .collect();
    assert!(left.is_empty());
}

#[test]
fn directories_mix_formats_and_skip_unknown_files() {
    let Some(c) = corpus() else { return };
    let tj = Tj::new();
    let dir = tj.path("mixed");
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::copy(
        c.join("twitter-v2-twarc2/two_tweets.jsonl"),
        dir.join("a.jsonl"),
    )
    .unwrap();
    std::fs::copy(
        c.join("twitter-v1/tweepy/testgetstatus__00.json"),
        dir.join("sub/b.json"),
    )
    .unwrap();
    std::fs::write(dir.join("README.md"), "# notes\n").unwrap();
    let (sum, code, _) = tj.ingest(&[dir.to_str().unwrap()]);
    assert_eq!(code, 0, "{sum}");
    assert_eq!(
        (n(&sum, "files_ingested"), n(&sum, "files_skipped")),
        (2, 1),
        "{sum}"
    );
    assert_eq!(sum["formats"]["twarc2"], 1);
    assert_eq!(sum["formats"]["twitter-v1"], 1);
}
