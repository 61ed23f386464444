//! The interaction network (`graph export`, `actors`) and `thread`, on the
//! real samples.
//!
//! Expected edges come from Python over the source files (the scripts below,
//! written from the formats' documentation, never from tarjuman's output) or
//! from SQL written by hand over the documented `interactions` table
//! (docs/SCHEMA.md). The exports are read back with networkx, installed into
//! `target/py-venv` by `scripts/py-venv.sh`: if pip cannot reach the package
//! registry these tests fail, they do not skip.

use crate::{Tj, corpus};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Edges of twarc2 files, from the files' own JSON: every tweet object once
/// (`data` and `includes.tweets`, by id, across files); a reply goes to
/// `in_reply_to_user_id` (the API's "user ID of the parent Tweet's author",
/// set even when `referenced_tweets` is not), else to the replied tweet's
/// author when the page includes it; a quote or
/// retweet to the referenced tweet's author when the page includes it, a
/// mention to each distinct mentioned account (by id, else by username in
/// `includes.users`). Prints `[[source, target, kind, weight], …]`.
const TWARC2_EDGES_PY: &str = r#"
import json, sys
from collections import Counter
w, seen = Counter(), set()
for path in sys.argv[1:]:
    for line in open(path, encoding="utf-8"):
        try:
            page = json.loads(line)
        except Exception:
            continue
        if not isinstance(page, dict) or not isinstance(page.get("data"), list):
            continue
        inc = page.get("includes") or {}
        tweets = page["data"] + (inc.get("tweets") or [])
        by_id = {t["id"]: t for t in tweets}
        users = {u["username"].lower(): u["id"] for u in inc.get("users") or []}
        for t in tweets:
            if t["id"] in seen or not t.get("author_id"):
                continue
            seen.add(t["id"])
            a = "x:" + t["author_id"]
            refs = {r["type"]: r["id"] for r in t.get("referenced_tweets") or []}
            reply_to = t.get("in_reply_to_user_id") or (by_id.get(refs.get("replied_to")) or {}).get("author_id")
            if reply_to:
                w[(a, "x:" + reply_to, "reply")] += 1
            for typ, kind in (("quoted", "quote"), ("retweeted", "repost")):
                dst = (by_id.get(refs.get(typ)) or {}).get("author_id")
                if dst:
                    w[(a, "x:" + dst, kind)] += 1
            mentioned = set()
            for m in (t.get("entities") or {}).get("mentions") or []:
                mid = m.get("id") or users.get((m.get("username") or "").lower())
                if mid:
                    mentioned.add(mid)
            for mid in mentioned:
                w[(a, "x:" + mid, "mention")] += 1
print(json.dumps(sorted([list(k) + [v] for k, v in w.items()])))
"#;

/// Telegram forwards, from Telegram Desktop's `result.json`: each message
/// (by chat id and message id) with `forwarded_from`, from its `from_id` to
/// `forwarded_from_id`, or to the name when the export gives only a name.
const TELEGRAM_FORWARDS_PY: &str = r#"
import json, os, re, sys
from collections import Counter
def chats(doc):
    if isinstance(doc, dict):
        if isinstance(doc.get("messages"), list):
            yield doc
        for k in ("chats", "left_chats"):
            for c in ((doc.get(k) or {}).get("list") or []):
                yield from chats(c)
seen, w = set(), Counter()
for root, dirs, files in os.walk(sys.argv[1]):
    for f in files:
        if not f.endswith(".json"):
            continue
        try:
            doc = json.load(open(os.path.join(root, f), encoding="utf-8"))
        except Exception:
            continue
        for c in chats(doc):
            for m in c["messages"]:
                if m.get("type") != "message" or "forwarded_from" not in m:
                    continue
                if (c.get("id"), m.get("id")) in seen:
                    continue
                seen.add((c.get("id"), m.get("id")))
                src = re.sub(r"^\D+", "", str(m.get("from_id") or ""))
                if not src:
                    continue
                fid = re.sub(r"^\D+", "", str(m.get("forwarded_from_id") or ""))
                dst = fid if fid else "name:" + str(m["forwarded_from"])
                w[("telegram:" + src, "telegram:" + dst, "forward")] += 1
print(json.dumps(sorted([list(k) + [v] for k, v in w.items()])))
"#;

/// The reply/quote tree around one tweet of a twarc2 file: the parent of a
/// tweet is the tweet it replies to, else the one it quotes; the root is
/// reached by walking up while the parent is in the file (a parent outside
/// the file is the root, missing). Prints `{"root", "missing", "refs"}`.
const TWARC2_THREAD_PY: &str = r#"
import json, sys
focus, paths = sys.argv[1], sys.argv[2:]
parent, known = {}, set()
for path in paths:
    for line in open(path, encoding="utf-8"):
        try:
            page = json.loads(line)
        except Exception:
            continue
        if not isinstance(page, dict) or not isinstance(page.get("data"), list):
            continue
        for t in page["data"] + ((page.get("includes") or {}).get("tweets") or []):
            known.add(t["id"])
            refs = {r["type"]: r["id"] for r in t.get("referenced_tweets") or []}
            p = refs.get("replied_to") or refs.get("quoted")
            if p and p != t["id"]:
                parent[t["id"]] = p
root = focus
while root in known and root in parent:
    root = parent[root]
children = {}
for c, p in parent.items():
    children.setdefault(p, []).append(c)
tree, stack = set(), [root]
while stack:
    n = stack.pop()
    if n in tree:
        continue
    tree.add(n)
    stack.extend(children.get(n, []))
print(json.dumps({"root": "x:" + root, "missing": root not in known, "refs": sorted("x:" + r for r in tree)}))
"#;

/// networkx reads an export and recomputes what it can: counts, edges by
/// kind, PageRank (its own implementation, on the file's edges summed per
/// ordered pair without self-loops), modularity of the file's communities,
/// and returns every node's attributes.
const NETWORKX_CHECK_PY: &str = r#"
import json, sys
import networkx as nx
from networkx.readwrite import gexf as nxgexf

mode, path = sys.argv[1], sys.argv[2]
if mode == "gexf-datetime":
    # networkx's reader has no `dateTime` time format (networkx issue #3246):
    # read those values as strings.
    orig = nxgexf.GEXF.construct_types
    def construct_types(self):
        orig(self)
        self.python_type["dateTime"] = str
    nxgexf.GEXF.construct_types = construct_types
G = nx.read_graphml(path) if mode == "graphml" else nx.read_gexf(path)

def pagerank(D):
    try:
        return nx.pagerank(D, alpha=0.85, weight="weight", tol=1e-13, max_iter=10000)
    except ImportError:  # no scipy: networkx's pure-Python reference implementation
        from networkx.algorithms.link_analysis.pagerank_alg import _pagerank_python
        return _pagerank_python(D, alpha=0.85, weight="weight", tol=1e-13, max_iter=10000)

out = {"nodes": G.number_of_nodes(), "edges": G.number_of_edges(),
       "multigraph": G.is_multigraph(), "directed": G.is_directed(), "mode": G.graph.get("mode")}
kinds, interactions, spells = {}, 0, 0
D, U = nx.DiGraph(), nx.Graph()
D.add_nodes_from(G.nodes)
U.add_nodes_from(G.nodes)
for u, v, d in G.edges(data=True):
    kinds[d["kind"]] = kinds.get(d["kind"], 0) + 1
    interactions += int(d["weight"])
    spells += len(d.get("spells", []))
    if u == v:
        continue
    for H in (D, U):
        if H.has_edge(u, v):
            H[u][v]["weight"] += d["weight"]
        else:
            H.add_edge(u, v, weight=d["weight"])
out.update(edges_by_kind=kinds, interactions=interactions, spells=spells)
pr = pagerank(D)
out["pagerank_max_abs_diff"] = max(abs(pr[n] - float(G.nodes[n]["pagerank"])) for n in G.nodes)
comms = {}
for n, d in G.nodes(data=True):
    comms.setdefault(d["community"], set()).add(n)
out["communities"] = len(comms)
out["modularity"] = nx.community.modularity(U, comms.values(), weight="weight")
out["in_weight_ok"] = all(
    int(G.nodes[n]["in_weight"]) == sum(int(d["weight"]) for u, _, d in G.in_edges(n, data=True) if u != n)
    for n in G.nodes)
out["node_spans"] = sum(1 for _, d in G.nodes(data=True) if "start" in d)
out["node_attrs"] = {n: dict(d) for n, d in G.nodes(data=True)}
out["first_spell"] = min((s[0] for _, _, d in G.edges(data=True) for s in d.get("spells", [])), default=None)
print(json.dumps(out, default=str))
"#;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The venv python with networkx, made by `scripts/py-venv.sh`. Panics with
/// the script's message when it cannot be made (no network to the registry).
fn networkx_python() -> PathBuf {
    let script = repo_root().join("scripts/py-venv.sh");
    let o = Command::new("bash")
        .arg(&script)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
    assert!(
        o.status.success(),
        "the graph export tests need networkx and could not install it:\n{}\n\
         (scripts/py-venv.sh runs `python3 -m venv target/py-venv` and `pip install networkx`; \
         give pip access to the package registry and rerun)",
        String::from_utf8_lossy(&o.stderr)
    );
    PathBuf::from(String::from_utf8_lossy(&o.stdout).trim())
}

/// Runs a Python script (text) with `python`, returning its JSON output.
fn py(tj: &Tj, python: &Path, script: &str, args: &[&str]) -> Value {
    let path = tj.path("script.py");
    std::fs::write(&path, script).expect("write script");
    let o = Command::new(python)
        .arg(&path)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
    assert!(
        o.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).expect("python printed JSON")
}

fn python3() -> PathBuf {
    PathBuf::from("python3")
}

/// Runs tarjuman, asserting success, returning stdout.
fn ok(tj: &Tj, args: &[&str]) -> String {
    let o = tj.run(args);
    assert!(
        o.status.success(),
        "tarjuman {args:?} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).expect("UTF-8 output")
}

/// Parses `graph export --format csv` into (source, target, kind) → weight.
fn csv_edges(text: &str) -> BTreeMap<(String, String, String), u64> {
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("source,target,kind,weight,first,last,platform,source_label,target_label")
    );
    let mut out = BTreeMap::new();
    // The first four columns never need quoting (refs, kinds, numbers).
    for l in lines {
        let f: Vec<&str> = l.splitn(5, ',').collect();
        let w: u64 = f[3].parse().expect("weight");
        let prev = out.insert((f[0].into(), f[1].into(), f[2].into()), w);
        assert!(prev.is_none(), "duplicate edge row {l}");
    }
    out
}

fn expected_edges(v: &Value) -> BTreeMap<(String, String, String), u64> {
    v.as_array()
        .expect("list")
        .iter()
        .map(|e| {
            (
                (
                    e[0].as_str().unwrap().to_string(),
                    e[1].as_str().unwrap().to_string(),
                    e[2].as_str().unwrap().to_string(),
                ),
                e[3].as_u64().unwrap(),
            )
        })
        .collect()
}

fn count(tj: &Tj, q: &str) -> u64 {
    tj.sql(q)[0].parse().expect("a count")
}

#[test]
fn twarc2_edges_match_the_source_files() {
    let Some(c) = corpus() else { return };
    let dir = c.join("twitter-v2-twarc2");
    let files: Vec<String> = [
        "brexit.jsonl",
        "kpop.jsonl",
        "mentions_tweet.jsonl",
        "entities_test.jsonl",
    ]
    .iter()
    .map(|f| dir.join(f).to_string_lossy().into_owned())
    .collect();
    let args: Vec<&str> = files.iter().map(String::as_str).collect();
    let tj = Tj::new();
    tj.ingest(&args);
    let expected = expected_edges(&py(&tj, &python3(), TWARC2_EDGES_PY, &args));
    assert!(expected.len() > 500, "{}", expected.len());
    let got = csv_edges(&ok(&tj, &["graph", "export", "--format", "csv"]));
    let missing: Vec<_> = expected
        .iter()
        .filter(|(k, v)| got.get(*k) != Some(v))
        .take(5)
        .collect();
    let extra: Vec<_> = got
        .iter()
        .filter(|(k, _)| !expected.contains_key(*k))
        .take(5)
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "expected edges differ: missing or other weight {missing:?}, extra {extra:?}"
    );
    // Nodes: every endpoint, once.
    let nodes: BTreeSet<&String> = expected.keys().flat_map(|(s, t, _)| [s, t]).collect();
    let json = ok(&tj, &["actors", "--json", "--top", "0"]);
    assert_eq!(json.lines().count(), nodes.len());
}

#[test]
fn telegram_forwards_match_the_source_files() {
    let Some(c) = corpus() else { return };
    let dir = c.join("telegram-desktop");
    let tj = Tj::new();
    tj.ingest(&[dir.to_str().unwrap()]);
    // python3 <TELEGRAM_FORWARDS_PY> ../shared/corpus/real/telegram-desktop
    //   → [["telegram:10001", "telegram:500", "forward", 2],
    //      ["telegram:9999969886", "telegram:name:Farwa Nadeem", "forward", 1],
    //      ["telegram:9999969886", "telegram:name:VU NOTICES", "forward", 1]]
    let expected = expected_edges(&py(
        &tj,
        &python3(),
        TELEGRAM_FORWARDS_PY,
        &[dir.to_str().unwrap()],
    ));
    assert_eq!(expected.len(), 3);
    let got = csv_edges(&ok(
        &tj,
        &[
            "graph",
            "export",
            "--format",
            "csv",
            "--platform",
            "telegram",
        ],
    ));
    assert_eq!(got, expected);
}

/// Ingests the two real families the graph is tested on.
fn both_families() -> Option<Tj> {
    let c = corpus()?;
    let tj = Tj::new();
    tj.ingest(&[
        c.join("twitter-v2-twarc2").to_str()?,
        c.join("telegram-desktop").to_str()?,
    ]);
    Some(tj)
}

#[test]
fn counts_and_filters_on_the_real_corpus() {
    let Some(tj) = both_families() else { return };
    let edges = |args: &[&str]| {
        let mut a = vec!["graph", "export", "--format", "csv"];
        a.extend_from_slice(args);
        csv_edges(&ok(&tj, &a))
    };
    // The documented invariant the detectors rely on to find an actor's
    // outgoing edges without an index on src_actor.
    assert!(count(&tj, "SELECT count(*) FROM interactions") > 0);
    assert_eq!(
        count(
            &tj,
            "SELECT count(*) FROM interactions i LEFT JOIN posts p ON p.id = i.post_id
             WHERE p.author_id IS NOT i.src_actor"
        ),
        0
    );
    // Hand-written SQL over the documented interactions table.
    let all = edges(&[]);
    assert_eq!(
        all.len() as u64,
        count(
            &tj,
            "SELECT count(*) FROM (SELECT DISTINCT src_actor, dst_actor, kind FROM interactions)"
        )
    );
    assert_eq!(
        all.values().sum::<u64>(),
        count(&tj, "SELECT count(*) FROM interactions")
    );
    let nodes: BTreeSet<&String> = all.keys().flat_map(|(s, t, _)| [s, t]).collect();
    assert_eq!(
        nodes.len() as u64,
        count(
            &tj,
            "SELECT count(*) FROM (SELECT src_actor FROM interactions UNION SELECT dst_actor FROM interactions)"
        )
    );

    let rq = edges(&["--kinds", "reply,quote"]);
    assert!(rq.keys().all(|k| k.2 == "reply" || k.2 == "quote"));
    assert_eq!(
        rq.len() as u64,
        count(
            &tj,
            "SELECT count(*) FROM (SELECT DISTINCT src_actor, dst_actor, kind FROM interactions WHERE kind IN ('reply', 'quote'))"
        )
    );

    let heavy = edges(&["--min-weight", "2"]);
    assert!(heavy.values().all(|w| *w >= 2));
    assert_eq!(
        heavy.len() as u64,
        count(
            &tj,
            "SELECT count(*) FROM (SELECT 1 FROM interactions GROUP BY src_actor, dst_actor, kind HAVING count(*) >= 2)"
        )
    );
    assert!(!heavy.is_empty());

    // 2022-09-25 00:00:00Z .. 2022-09-26 00:00:00Z: --until takes the whole day.
    let day = edges(&["--since", "2022-09-25", "--until", "2022-09-25"]);
    let expected = count(
        &tj,
        "SELECT count(*) FROM (SELECT DISTINCT src_actor, dst_actor, kind FROM interactions WHERE at >= 1664064000 AND at < 1664150400)",
    );
    assert_eq!(day.len() as u64, expected);
    assert!(expected > 0 && expected < all.len() as u64);

    let tg = edges(&["--platform", "telegram"]);
    assert_eq!(
        tg.len() as u64,
        count(
            &tj,
            "SELECT count(*) FROM (SELECT DISTINCT src_actor, dst_actor, kind FROM interactions i JOIN actors a ON a.id = i.src_actor WHERE a.platform = 'telegram')"
        )
    );

    // actors: one line per node; the top by in-degree is SQL's top receiver.
    let lines: Vec<Value> = ok(
        &tj,
        &["actors", "--json", "--top", "0", "--by", "in-degree"],
    )
    .lines()
    .map(|l| serde_json::from_str(l).expect("JSON line"))
    .collect();
    assert_eq!(lines.len(), nodes.len());
    let top = tj.sql(
        "SELECT a.ref || ' ' || count(*) FROM interactions i JOIN actors a ON a.id = i.dst_actor
         WHERE i.src_actor != i.dst_actor GROUP BY i.dst_actor ORDER BY count(*) DESC LIMIT 1",
    );
    assert_eq!(
        top[0],
        format!(
            "{} {}",
            lines[0]["ref"].as_str().unwrap(),
            lines[0]["in_degree"]
        )
    );
    assert!(lines.iter().all(|l| l["community"].is_u64()));
    let pr_sum: f64 = lines.iter().map(|l| l["pagerank"].as_f64().unwrap()).sum();
    assert!((pr_sum - 1.0).abs() < 1e-9, "{pr_sum}");
    // Same data, same seed: the same communities.
    let again = ok(
        &tj,
        &["actors", "--json", "--top", "0", "--by", "in-degree"],
    );
    assert_eq!(
        again
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap()["community"].clone())
            .collect::<Vec<_>>(),
        lines
            .iter()
            .map(|l| l["community"].clone())
            .collect::<Vec<_>>()
    );
    let table = ok(&tj, &["actors", "--top", "5"]);
    assert!(table.contains("pagerank"), "{table}");
    assert_eq!(
        table
            .lines()
            .skip_while(|l| !l.trim_start().starts_with("rank"))
            .skip(1)
            .count(),
        5,
        "{table}"
    );
}

#[test]
fn exports_open_in_networkx() {
    let Some(tj) = both_families() else { return };
    let python = networkx_python();
    // A hostile display name on an actor of the graph, and a watchlist side.
    let hostile = "</node><x a=\"1\"> & 'q' \u{1b}[2J \u{202E}المتحدث العسكري\nline2\t\u{0}";
    let victim = tj.sql("SELECT a.ref FROM actors a JOIN interactions i ON i.dst_actor = a.id ORDER BY a.id LIMIT 1")[0].clone();
    {
        let c = rusqlite::Connection::open(tj.data().join("tarjuman.db")).expect("open db");
        c.execute(
            "UPDATE actors SET display_name = ?1 WHERE ref = ?2",
            [hostile, &victim],
        )
        .expect("update");
    }
    std::fs::write(
        tj.data().join("tarjuman.toml"),
        format!("[[side]]\nname = \"state\"\n\n[[actor]]\nref = \"{victim}\"  # watched\nside = \"state\"\n"),
    )
    .unwrap();
    let nodes = count(
        &tj,
        "SELECT count(*) FROM (SELECT src_actor FROM interactions UNION SELECT dst_actor FROM interactions)",
    );
    let edges = count(
        &tj,
        "SELECT count(*) FROM (SELECT DISTINCT src_actor, dst_actor, kind FROM interactions)",
    );
    let interactions = count(&tj, "SELECT count(*) FROM interactions");
    let timed = count(
        &tj,
        "SELECT count(*) FROM (SELECT DISTINCT src_actor, dst_actor, kind, at FROM interactions WHERE at IS NOT NULL)",
    );
    let first_at = count(&tj, "SELECT min(at) FROM interactions");

    for (mode, args) in [
        ("gexf", vec!["--format", "gexf"]),
        ("gexf-datetime", vec!["--format", "gexf", "--dynamic"]),
        (
            "gexf-unix",
            vec!["--format", "gexf", "--dynamic", "--time-format", "unix"],
        ),
        ("graphml", vec!["--format", "graphml"]),
    ] {
        let file = tj.path(&format!("net-{mode}.xml"));
        let mut a = vec!["graph", "export", "--out", file.to_str().unwrap()];
        a.extend(args);
        ok(&tj, &a);
        let v = py(
            &tj,
            &python,
            NETWORKX_CHECK_PY,
            &[mode, file.to_str().unwrap()],
        );
        assert_eq!(v["nodes"].as_u64(), Some(nodes), "{mode}");
        assert_eq!(v["edges"].as_u64(), Some(edges), "{mode}");
        assert_eq!(v["interactions"].as_u64(), Some(interactions), "{mode}");
        assert_eq!(
            v["multigraph"], true,
            "{mode}: a reply and a mention between two actors are two edges"
        );
        assert_eq!(v["directed"], true);
        let diff = v["pagerank_max_abs_diff"].as_f64().unwrap();
        assert!(
            diff < 1e-8,
            "{mode}: PageRank differs from networkx by {diff}"
        );
        assert_eq!(v["in_weight_ok"], true, "{mode}");
        assert!(
            v["modularity"].as_f64().unwrap() > 0.5,
            "{mode}: {}",
            v["modularity"]
        );
        let attrs = &v["node_attrs"][victim.as_str()];
        assert_eq!(
            attrs["display_name"].as_str(),
            Some("</node><x a=\"1\"> & 'q' \u{FFFD}[2J \u{202E}المتحدث العسكري\nline2\t\u{FFFD}"),
            "{mode}: {attrs}"
        );
        assert_eq!(attrs["side"], "state", "{mode}");
        assert!(
            attrs["posts"].is_u64() && attrs["platform"].is_string(),
            "{mode}: {attrs}"
        );
        if mode.starts_with("gexf-") {
            assert_eq!(v["mode"], "dynamic");
            assert_eq!(
                v["spells"].as_u64(),
                Some(timed),
                "{mode}: one spell per distinct time"
            );
            assert_eq!(v["node_spans"].as_u64(), Some(nodes), "{mode}");
        }
        match mode {
            "gexf-datetime" => assert_eq!(v["first_spell"], "2014-09-02T06:50:56Z"),
            "gexf-unix" => assert_eq!(v["first_spell"].as_f64(), Some(first_at as f64)),
            _ => {}
        }
    }
    // SELECT min(at) FROM interactions → 1409640656 = 2014-09-02T06:50:56Z
    assert_eq!(first_at, 1_409_640_656);

    // The CSV node table carries the same hostile name, quoted.
    let nodes_csv = tj.path("nodes.csv");
    ok(
        &tj,
        &[
            "graph",
            "export",
            "--format",
            "csv",
            "--out",
            tj.path("edges.csv").to_str().unwrap(),
            "--nodes-out",
            nodes_csv.to_str().unwrap(),
        ],
    );
    let text = std::fs::read_to_string(&nodes_csv).unwrap();
    assert_eq!(
        text.lines().next(),
        Some(
            "id,label,handle,display_name,platform,side,posts,community,pagerank,in_weight,out_weight"
        )
    );
    assert!(
        text.contains("\"</node><x a=\"\"1\"\"> & 'q' \u{1b}[2J"),
        "CSV keeps the raw value, quoted"
    );
}

#[test]
fn thread_matches_the_source_file() {
    let Some(c) = corpus() else { return };
    let file = c.join("twitter-v2-twarc2/entities_test.jsonl");
    let file = file.to_str().unwrap();
    let tj = Tj::new();
    tj.ingest(&[file]);
    // python3 <TWARC2_THREAD_PY> 1574183916289794055 entities_test.jsonl
    //   → root x:1574180218616651776, present, 33 tweets
    let exp = py(
        &tj,
        &python3(),
        TWARC2_THREAD_PY,
        &["1574183916289794055", file],
    );
    let t: Value =
        serde_json::from_str(&ok(&tj, &["thread", "x:1574183916289794055", "--json"])).unwrap();
    assert_eq!(t["root"], exp["root"]);
    assert_eq!(t["root"], "x:1574180218616651776");
    assert_eq!(t["posts"][0]["missing"], exp["missing"]);
    let got: BTreeSet<&str> = t["posts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["ref"].as_str().unwrap())
        .collect();
    let want: BTreeSet<&str> = exp["refs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert_eq!(got, want);
    assert!(got.len() > 20, "{}", got.len());
    // Each post's parent comes before it; depths step by one.
    let posts = t["posts"].as_array().unwrap();
    for (i, p) in posts.iter().enumerate().skip(1) {
        let parent = p["parent"].as_str().unwrap();
        let pi = posts[..i]
            .iter()
            .position(|q| q["ref"] == parent)
            .expect("parent first");
        assert_eq!(
            p["depth"].as_u64(),
            posts[pi]["depth"].as_u64().map(|d| d + 1)
        );
    }
    let focus: Vec<&Value> = posts.iter().filter(|p| p["focus"] == true).collect();
    assert_eq!(focus.len(), 1);
    assert_eq!(focus[0]["ref"], "x:1574183916289794055");

    // The tree for people.
    let text = ok(
        &tj,
        &[
            "thread",
            "https://twitter.com/VaiMimmo/status/1574183916289794055",
        ],
    );
    assert!(
        text.starts_with("x:1574180218616651776 · 2022-09-25 23:33:05 · @borghi_claudio"),
        "{text}"
    );
    assert!(
        text.contains("├─ ▶ reply x:1574183916289794055 · 2022-09-25 23:47:47 · @VaiMimmo"),
        "{text}"
    );
}

#[test]
fn telegram_thread_isolates_rtl_text() {
    let Some(c) = corpus() else { return };
    let tj = Tj::new();
    tj.ingest(&[c.join("telegram-desktop").to_str().unwrap()]);
    // handwritten-persian/result.json: message 2 answers message 1 (reply_to_message_id 1).
    let refs = tj.sql("SELECT ref FROM posts WHERE text LIKE 'سلام! چطور%'");
    assert_eq!(refs.len(), 1);
    let text = ok(&tj, &["thread", &refs[0]]);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert!(
        lines[1].ends_with("\u{2068}سلام دنیا! این یک پیام تست است.\u{2069}"),
        "{text}"
    );
    assert!(lines[2].starts_with("└─ ▶ reply telegram:"), "{text}");
    assert!(lines[3].contains("\u{2068}سلام! چطور"), "{text}");
}

#[test]
fn errors_are_clear() {
    let tj = Tj::new();
    let o = tj.run(&["graph", "export"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no store in"));
    let Some(c) = corpus() else { return };
    tj.ingest(&[c
        .join("twitter-v2-twarc2/mentions_tweet.jsonl")
        .to_str()
        .unwrap()]);
    for (args, msg) in [
        (
            vec!["graph", "export", "--kinds", "like"],
            "unknown interaction kind \"like\"",
        ),
        (vec!["graph", "export", "--since", "last week"], "--since"),
        (
            vec!["graph", "export", "--format", "csv", "--dynamic"],
            "--dynamic is only for --format gexf",
        ),
        (vec!["thread", "x:1"], "not found: post x:1"),
    ] {
        let o = tj.run(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(msg), "{args:?}: {err}");
    }
    // A filter that matches nothing gives an empty, valid graph.
    let out = ok(&tj, &["graph", "export", "--kinds", "forward"]);
    assert!(out.contains("<nodes>\n    </nodes>"), "{out}");
    assert_eq!(
        ok(&tj, &["actors", "--kinds", "forward"]).trim(),
        "no interactions match"
    );
}

/// `graph export --query`: only interactions made by posts that match the
/// search. The matching posts come from `tarjuman search` (the query
/// language is the search crate's); the interactions they made, from SQL
/// over the documented tables.
#[test]
fn query_restricts_the_network_to_matching_posts() {
    let Some(tj) = both_families() else { return };
    let edges = |args: &[&str]| {
        let mut a = vec!["graph", "export", "--format", "csv"];
        a.extend_from_slice(args);
        csv_edges(&ok(&tj, &a))
    };
    let all = edges(&[]);
    // The hashtag used by most posts that made an interaction.
    let tag = tj.sql(
        "SELECT lower(h.tag) FROM hashtags h WHERE h.post_id IN (SELECT post_id FROM interactions)
         GROUP BY lower(h.tag) ORDER BY count(DISTINCT h.post_id) DESC, 1 LIMIT 1",
    );
    let q = format!("#{}", tag[0]);
    let hits: Vec<String> = ok(&tj, &["search", &q, "--json", "--limit", "0"])
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).expect("JSON line")["ref"]
                .as_str()
                .expect("ref")
                .to_string()
        })
        .collect();
    assert!(hits.len() > 1, "{q}: {hits:?}");
    let list = hits
        .iter()
        .map(|r| format!("'{}'", r.replace('\'', "''")))
        .collect::<Vec<_>>()
        .join(",");
    let expected: BTreeMap<(String, String, String), u64> = tj
        .sql(&format!(
            "SELECT s.ref || ' ' || d.ref || ' ' || i.kind || ' ' || count(*)
             FROM interactions i JOIN posts p ON p.id = i.post_id
             JOIN actors s ON s.id = i.src_actor JOIN actors d ON d.id = i.dst_actor
             WHERE p.ref IN ({list}) GROUP BY i.src_actor, i.dst_actor, i.kind"
        ))
        .iter()
        .map(|l| {
            let f: Vec<&str> = l.split(' ').collect();
            (
                (f[0].into(), f[1].into(), f[2].into()),
                f[3].parse().unwrap(),
            )
        })
        .collect();
    let got = edges(&["--query", &q]);
    assert!(!got.is_empty());
    assert!(got.len() < all.len(), "the query must narrow the network");
    assert_eq!(got, expected);
    // With the other filters.
    let replies = edges(&["--query", &q, "--kinds", "reply"]);
    assert!(replies.keys().all(|k| k.2 == "reply"));
    assert_eq!(
        replies,
        expected
            .iter()
            .filter(|(k, _)| k.2 == "reply")
            .map(|(k, v)| (k.clone(), *v))
            .collect()
    );
    // No match: an empty network; a bad query: a clear error.
    assert!(edges(&["--query", "zzzqqqxxnothing"]).is_empty());
    let o = tj.run(&["graph", "export", "--query", "\"unclosed"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--query"));
}
