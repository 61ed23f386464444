//! Scores detected events against a labelled world's truth file.
//!
//! ```text
//! tarjuman events --json > events.jsonl
//! cargo run -p tarjuman-detect --example score -- truth.jsonl events.jsonl [--posts N] [--source S]
//! ```
//!
//! A truth entry matches a detected event of the same kind when the event
//! names the entry's `actor`, its first evidence is the entry's `trigger`
//! (when given), its `detail.item` is the entry's `item` (when given; the
//! actor is then not required), and its start is within 15 minutes of the
//! entry's (edits, deletions, first contacts and exchanges: the same UTC
//! day, as they are grouped by day or timed by the platform). Each event
//! matches at most one entry.
//!
//! Entries of `class` `required` (the default) are what a detector must
//! find: recall is matched required entries / required entries. Entries of
//! class `ignored` are borderline background surges (see
//! `labelled_world.rs`): an event about the same item whose span meets the
//! entry's hour (from 15 minutes before its start) is *excused*, neither
//! right nor wrong, and left out of precision, which is matched events /
//! (events − excused ones). Every other event is a false one. With
//! `--posts N`, false events per 100,000 posts are printed; with `--source
//! background` (or `injected`), only truth entries of that source are used
//! (for a run over the background alone). The exit code is 1 when a kind
//! misses the issue's targets.

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

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

/// Whether event `e` matches truth entry `x`.
fn matches(x: &Value, e: &Value, timed: bool) -> bool {
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
    let (got, want) = (ts(&e["start"]), ts(&x["start"]));
    let time_ok = if timed {
        (got - want).abs() <= 15 * 60
    } else {
        got.div_euclid(86_400) == want.div_euclid(86_400)
    };
    (actor_ok || x["item"].is_string()) && trigger_ok && item_ok && time_ok
}

/// Whether event `e` is about ignored entry `x`'s item and its span meets
/// the entry's hour (from 15 minutes before its start).
fn overlaps(x: &Value, e: &Value) -> bool {
    let t0 = ts(&x["start"]);
    x["item"]
        .as_str()
        .is_some_and(|it| e["detail"]["item"] == it)
        && ts(&e["start"]) <= t0 + 3600
        && ts(&e["end"]) >= t0 - 15 * 60
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(truth), Some(events)) = (args.first(), args.get(1)) else {
        return Err(
            "usage: score TRUTH.jsonl EVENTS.jsonl [--posts N] [--source injected|background]"
                .into(),
        );
    };
    let posts: Option<f64> = arg(&args, "--posts").and_then(|n| n.parse().ok());
    let source = arg(&args, "--source");
    let mut truth = lines(truth)?;
    if let Some(s) = &source {
        truth.retain(|x| x["source"].as_str().unwrap_or("injected") == s);
    }
    let events = lines(events)?;
    println!(
        "{:<15} {:>6} {:>8} {:>8} {:>8} {:>7} {:>9} {:>13}  target",
        "kind", "truth", "detected", "matched", "excused", "recall", "precision", "max |Δstart|"
    );
    let mut failed = false;
    let mut false_events = 0usize;
    let mut extra: BTreeMap<String, usize> = BTreeMap::new();
    for e in &events {
        let k = e["kind"].as_str().unwrap_or_default();
        if !KINDS.iter().any(|(n, ..)| *n == k) {
            *extra.entry(k.to_string()).or_default() += 1;
            false_events += 1;
        }
    }
    let mut by_source: Vec<String> = Vec::new();
    for &(kind, want_recall, want_precision, timed) in KINDS {
        let required: Vec<&Value> = truth
            .iter()
            .filter(|x| x["kind"] == kind && x["class"] != "ignored")
            .collect();
        let ignored: Vec<&Value> = truth
            .iter()
            .filter(|x| x["kind"] == kind && x["class"] == "ignored")
            .collect();
        let d: Vec<&Value> = events.iter().filter(|x| x["kind"] == kind).collect();
        let mut used = vec![false; d.len()];
        let mut matched = 0usize;
        let mut max_err = 0i64;
        let mut found: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
        for x in &required {
            let src = x["source"].as_str().unwrap_or("injected");
            found.entry(src).or_default().0 += 1;
            let hit = (0..d.len()).find(|&i| !used[i] && matches(x, d[i], timed));
            if let Some(i) = hit {
                used[i] = true;
                matched += 1;
                found.entry(src).or_default().1 += 1;
                max_err = max_err.max((ts(&d[i]["start"]) - ts(&x["start"])).abs());
            }
        }
        let mut excused = 0usize;
        for x in &ignored {
            if let Some(i) = (0..d.len()).find(|&i| !used[i] && overlaps(x, d[i])) {
                used[i] = true;
                excused += 1;
            }
        }
        let judged = d.len() - excused;
        false_events += judged - matched;
        let recall = if required.is_empty() {
            1.0
        } else {
            matched as f64 / required.len() as f64
        };
        let precision = if judged == 0 {
            1.0
        } else {
            matched as f64 / judged as f64
        };
        let ok = recall >= want_recall && precision >= want_precision;
        failed |= !ok;
        println!(
            "{kind:<15} {:>6} {:>8} {:>8} {:>8} {:>7.3} {:>9.3} {:>11} s  recall ≥ {want_recall}, precision ≥ {want_precision}{}",
            required.len(),
            d.len(),
            matched,
            excused,
            recall,
            precision,
            max_err,
            if ok { "  ok" } else { "  MISSED" }
        );
        if found.len() > 1 {
            for (src, (n, m)) in &found {
                by_source.push(format!(
                    "  {kind} ({src}): {m} of {n} found, recall {:.3}",
                    *m as f64 / (*n).max(1) as f64
                ));
            }
        }
    }
    for l in by_source {
        println!("{l}");
    }
    for (k, n) in extra {
        println!("{k:<15} {n} events of a kind without truth (all counted false)");
    }
    if let Some(p) = posts {
        println!(
            "{false_events} false events over {p} posts: {:.2} per 100,000 (target ≤ 1)",
            false_events as f64 * 100_000.0 / p
        );
    }
    std::process::exit(i32::from(failed));
}
