//! `kill -9` in the middle of an ingest loses nothing already stored, and a
//! rerun completes the file with exact counts.

use crate::{Tj, corpus, n};
use std::time::{Duration, Instant};

/// A twarc2 file of `copies` × the pages of brexit.jsonl, each copy with its
/// tweet ids shifted so that every copy holds new posts.
fn big_twarc2(tj: &Tj, copies: u64) -> Option<std::path::PathBuf> {
    let c = corpus()?;
    let src = std::fs::read_to_string(c.join("twitter-v2-twarc2/brexit.jsonl")).ok()?;
    let page: serde_json::Value = serde_json::from_str(src.lines().next()?).ok()?;
    let mut ids: Vec<String> = page["data"]
        .as_array()?
        .iter()
        .map(|t| t["id"].as_str().unwrap_or("").to_string())
        .collect();
    ids.extend(
        page["includes"]["tweets"]
            .as_array()?
            .iter()
            .map(|t| t["id"].as_str().unwrap_or("").to_string()),
    );
    let ids: std::collections::HashSet<String> = ids.into_iter().collect();
    let path = tj.path("big.jsonl");
    let mut out = String::new();
    for k in 0..copies {
        let mut v = page.clone();
        shift(&mut v, &ids, k * 1_000_003);
        out.push_str(&v.to_string());
        out.push('\n');
    }
    std::fs::write(&path, out).ok()?;
    Some(path)
}

/// Adds `by` to every string in `v` that is one of the tweet `ids`.
fn shift(v: &mut serde_json::Value, ids: &std::collections::HashSet<String>, by: u64) {
    match v {
        serde_json::Value::String(s) if ids.contains(s.as_str()) => {
            *s = (s.parse::<u64>().unwrap_or(0) + by).to_string();
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(|x| shift(x, ids, by)),
        serde_json::Value::Object(o) => o.values_mut().for_each(|x| shift(x, ids, by)),
        _ => {}
    }
}

#[test]
fn kill_9_midway_then_rerun_gives_exact_counts() {
    let tj = Tj::new();
    let Some(big) = big_twarc2(&tj, 150) else {
        return;
    };
    let big = big.to_str().unwrap().to_string();
    // The reference: the same file ingested in one go, elsewhere.
    let clean = Tj::new();
    let (want, code, err) = clean.ingest(&[&big]);
    assert_eq!(code, 0, "{err}");
    let want_stats = clean.stats();

    let mut child = tj
        .cmd()
        .args(["ingest", "--json", &big])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let db = tj.data().join("tarjuman.db");
    let t0 = Instant::now();
    let mut seen = 0u64;
    while t0.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(10));
        if let Ok(c) =
            rusqlite::Connection::open_with_flags(&db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            && let Ok(k) = c.query_row("SELECT count(*) FROM posts", [], |r| r.get::<_, i64>(0))
            && k > 0
        {
            seen = k as u64;
            break;
        }
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert!(seen > 0, "no batch was committed before the kill");
    let status = tj.sql("SELECT status FROM captures");
    assert_eq!(
        status,
        vec!["running"],
        "the kill must land mid-file for this test to mean anything"
    );
    let partial = tj.stats();
    assert!(n(&partial, "posts") < n(&want_stats, "posts"));

    // Rerun: the interrupted capture is resumed and completed.
    let (again, code, err) = tj.ingest(&[&big]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        n(&again, "new_posts") + n(&partial, "posts"),
        n(&want, "new_posts")
    );
    let got = tj.stats();
    for k in ["posts", "actors", "versions", "interactions", "captures"] {
        assert_eq!(got[k], want_stats[k], "{k}");
    }
    assert_eq!(tj.sql("SELECT status FROM captures"), vec!["complete"]);
    assert_eq!(
        tj.sql("SELECT new_posts FROM captures"),
        vec![n(&want, "new_posts").to_string()]
    );
}
