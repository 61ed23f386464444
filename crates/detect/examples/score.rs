//! Scores detected events against a labelled world's truth file.
//!
//! ```text
//! tarjuman events --json > events.jsonl
//! cargo run -p tarjuman-detect --example score -- truth.jsonl events.jsonl [--posts N] [--networks networks.json]
//! ```
//!
//! A truth entry matches a detected event of the same kind when the event
//! names the entry's `actor`, its first evidence is the entry's `trigger`
//! (when given), its `detail.item` is the entry's `item` (when given), and
//! its start is within 15 minutes of the entry's (edits, deletions, first
//! contacts and exchanges: the same UTC day, as they are grouped by day or
//! timed by the platform). Each event matches at most one entry. Recall is
//! matched entries / entries; precision is matched events / events of that
//! kind. With `--posts N`, false events per 100,000 posts are printed too.
//! With `--networks FILE` (the labelled world's `networks.json`: actor refs
//! of the generator's coordinated networks), surges whose contributors'
//! posts are mostly by those accounts are counted apart, as the
//! background's own campaigns: real surges, but not labelled ones.
//! The exit code is 1 when a kind misses the issue's targets.

use serde_json::Value;
use std::collections::BTreeMap;

const KINDS: &[(&str, f64, f64, bool)] = &[
    // kind, recall target, precision target, timed to 15 minutes
    ("first-contact", 1.0, 1.0, false),
    ("first-exchange", 1.0, 1.0, false),
    ("edit", 1.0, 1.0, false),
    ("deletion", 1.0, 1.0, false),
    ("reaction-wave", 0.95, 0.9, true),
    ("targeting", 0.95, 0.9, true),
    ("surge", 0.95, 0.9, true),
    ("newcomers", 0.95, 0.9, true),
];

fn lines(path: &str) -> Result<Vec<Value>, Box<dyn std::error::Error>> {
    let text = std::fs::read_to_string(path)?;
    Ok(text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(serde_json::from_str)
        .collect::<Result<_, _>>()?)
}

fn ts(v: &Value) -> i64 {
    v.as_str()
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
        .map_or(i64::MIN / 2, |d| d.timestamp())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(truth), Some(events)) = (args.first(), args.get(1)) else {
        return Err("usage: score TRUTH.jsonl EVENTS.jsonl [--posts N] [--networks FILE]".into());
    };
    let posts: Option<f64> = args
        .iter()
        .position(|a| a == "--posts")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok());
    let truth = lines(truth)?;
    let mut events = lines(events)?;
    if let Some(path) = args
        .iter()
        .position(|a| a == "--networks")
        .and_then(|i| args.get(i + 1))
    {
        let nets: Vec<String> = serde_json::from_str(&std::fs::read_to_string(path)?)?;
        let nets: std::collections::HashSet<String> = nets.into_iter().collect();
        let before = events.len();
        events.retain(|e| {
            if e["kind"] != "surge" {
                return true;
            }
            let (mut all, mut net) = (0u64, 0u64);
            for c in e["detail"]["contributors"].as_array().into_iter().flatten() {
                let n = c["posts"].as_u64().unwrap_or(0);
                all += n;
                if c["actor"].as_str().is_some_and(|a| nets.contains(a)) {
                    net += n;
                }
            }
            !(all > 0 && net * 2 >= all)
        });
        println!(
            "({} surges driven by the background's coordinated networks set apart)",
            before - events.len()
        );
    }
    println!(
        "{:<15} {:>6} {:>8} {:>8} {:>7} {:>9} {:>13}  target",
        "kind", "truth", "detected", "matched", "recall", "precision", "max |Δstart|"
    );
    let mut failed = false;
    let mut extra: BTreeMap<String, usize> = BTreeMap::new();
    for e in &events {
        let k = e["kind"].as_str().unwrap_or_default();
        if !KINDS.iter().any(|(n, ..)| *n == k) {
            *extra.entry(k.to_string()).or_default() += 1;
        }
    }
    for &(kind, want_recall, want_precision, timed) in KINDS {
        let t: Vec<&Value> = truth.iter().filter(|x| x["kind"] == kind).collect();
        let d: Vec<&Value> = events.iter().filter(|x| x["kind"] == kind).collect();
        let mut used = vec![false; d.len()];
        let mut matched = 0usize;
        let mut max_err = 0i64;
        for x in &t {
            let want = ts(&x["start"]);
            let hit = d.iter().enumerate().find(|(i, e)| {
                if used[*i] {
                    return false;
                }
                let actors: Vec<&str> = e["actors"]
                    .as_array()
                    .map(|a| a.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                let actor_ok = x["actor"].as_str().is_none_or(|a| actors.contains(&a));
                let trigger_ok = x["trigger"]
                    .as_str()
                    .is_none_or(|tr| e["evidence"][0] == tr);
                let item_ok = x["item"]
                    .as_str()
                    .is_none_or(|it| e["detail"]["item"] == it);
                let got = ts(&e["start"]);
                let time_ok = if timed {
                    (got - want).abs() <= 15 * 60
                } else {
                    got.div_euclid(86_400) == want.div_euclid(86_400)
                };
                (actor_ok || x["item"].is_string()) && trigger_ok && item_ok && time_ok
            });
            if let Some((i, e)) = hit {
                used[i] = true;
                matched += 1;
                max_err = max_err.max((ts(&e["start"]) - want).abs());
            }
        }
        let recall = if t.is_empty() {
            1.0
        } else {
            matched as f64 / t.len() as f64
        };
        let precision = if d.is_empty() {
            1.0
        } else {
            matched as f64 / d.len() as f64
        };
        let ok = recall >= want_recall && precision >= want_precision;
        failed |= !ok;
        println!(
            "{kind:<15} {:>6} {:>8} {:>8} {:>7.3} {:>9.3} {:>11} s  recall ≥ {want_recall}, precision ≥ {want_precision}{}",
            t.len(),
            d.len(),
            matched,
            recall,
            precision,
            max_err,
            if ok { "  ok" } else { "  MISSED" }
        );
        if let Some(p) = posts
            && t.is_empty()
        {
            println!(
                "{:<15} {:.2} false events per 100,000 posts",
                "",
                d.len() as f64 * 100_000.0 / p
            );
        }
    }
    for (k, n) in extra {
        println!("{k:<15} {n} events of a kind without truth");
    }
    if let Some(p) = posts {
        let false_events: usize = {
            let mut n = 0;
            for &(kind, ..) in KINDS {
                let t = truth.iter().filter(|x| x["kind"] == kind).count();
                let d = events.iter().filter(|x| x["kind"] == kind).count();
                n += d.saturating_sub(t);
            }
            n
        };
        println!(
            "at least {false_events} false events over {p} posts: {:.2} per 100,000 (target ≤ 1)",
            false_events as f64 * 100_000.0 / p
        );
    }
    std::process::exit(i32::from(failed));
}
