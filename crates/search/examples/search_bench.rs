//! The search benchmark (issue 3), run by `bench/search.sh`.
//!
//! ```text
//! search_bench DATA_DIR FTS_DB [REPS]
//! ```
//!
//! `DATA_DIR` is a tarjuman data folder whose index is up to date (the
//! script ingests generated posts and runs `tarjuman reindex` first).
//! `FTS_DB` is where the peer is built: the same posts in SQLite FTS5, as a
//! sqlite-utils / Datasette user would set it up (a `posts` table with the
//! columns they filter on, an external-content FTS5 index on `text` with
//! `tokenize="unicode61 remove_diacritics 2"`, and plain indexes on the
//! filter columns).
//!
//! It runs 20 fixed queries (words, phrases, OR, exclusion, filters, date
//! ranges, entities, Arabic spelling variants) on both, in-process, REPS
//! times each after a warm-up, and prints per-query medians, overall p50
//! and p99, hit counts, and the recall of each engine on the Arabic-variant
//! queries against a ground truth found by scanning every text for every
//! spelling of the word (with marks and tatweel stripped: a plain scan, not
//! tarjuman's normalizer). Counts are asserted, so a broken run fails
//! instead of looking fast.

use rusqlite::Connection;
use std::collections::HashSet;
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};
use tarjuman_search::{Query, SearchIndex, Sort, StoreResolver};
use tarjuman_store::SqliteStore;

/// One benchmark query: tarjuman's syntax, the FTS5 MATCH expression (empty
/// for none) and extra SQL conditions on `p` (the posts table), and for
/// Arabic-variant queries, the spellings the word has in the generated data.
struct Q {
    tj: &'static str,
    fts: &'static str,
    sql: &'static str,
    variants: &'static [&'static str],
}

const GAZA: &[&str] = &["غزة", "غزه"];
const ABU: &[&str] = &["أبو", "ابو"];
const ALA: &[&str] = &["على", "علي"];
const ASRA: &[&str] = &["الأسرى", "الاسرى", "الاسري"];

const QUERIES: [Q; 20] = [
    Q {
        tj: "غزة",
        fts: "غزة",
        sql: "",
        variants: GAZA,
    },
    Q {
        tj: "غزه",
        fts: "غزه",
        sql: "",
        variants: GAZA,
    },
    Q {
        tj: "ابو",
        fts: "ابو",
        sql: "",
        variants: ABU,
    },
    Q {
        tj: "أبو",
        fts: "أبو",
        sql: "",
        variants: ABU,
    },
    Q {
        tj: "علي",
        fts: "علي",
        sql: "",
        variants: ALA,
    },
    Q {
        tj: "الاسري",
        fts: "الاسري",
        sql: "",
        variants: ASRA,
    },
    Q {
        tj: "\"وقف إطلاق النار\"",
        fts: "\"وقف إطلاق النار\"",
        sql: "",
        variants: &[],
    },
    Q {
        tj: "ایران",
        fts: "ایران",
        sql: "",
        variants: &[],
    },
    Q {
        tj: "הממשלה",
        fts: "הממשלה",
        sql: "",
        variants: &[],
    },
    Q {
        tj: "ceasefire",
        fts: "ceasefire",
        sql: "",
        variants: &[],
    },
    Q {
        tj: "\"breaking news\"",
        fts: "\"breaking news\"",
        sql: "",
        variants: &[],
    },
    Q {
        tj: "غزة OR رفح",
        fts: "غزة OR رفح",
        sql: "",
        variants: &[],
    },
    Q {
        tj: "غزة -is:repost",
        fts: "غزة",
        sql: "p.kind != 'repost'",
        variants: &[],
    },
    Q {
        tj: "القدس lang:ar",
        fts: "القدس",
        sql: "p.lang = 'ar'",
        variants: &[],
    },
    Q {
        tj: "القدس since:2023-10-05 until:2023-10-08",
        fts: "القدس",
        sql: "p.created_at >= 1696464000 AND p.created_at < 1696723200",
        variants: &[],
    },
    Q {
        tj: "from:ArmySpokesman",
        fts: "",
        sql: "p.author = 'ArmySpokesman'",
        variants: &[],
    },
    Q {
        tj: "#غزة",
        fts: "",
        sql: "p.id IN (SELECT post_id FROM hashtags WHERE tag = 'غزة')",
        variants: &[],
    },
    Q {
        tj: "url:aljazeera.net",
        fts: "",
        sql: "p.id IN (SELECT post_id FROM urls WHERE domain = 'aljazeera.net')",
        variants: &[],
    },
    Q {
        tj: "(غزة OR القدس) lang:ar -is:repost",
        fts: "غزة OR القدس",
        sql: "p.lang = 'ar' AND p.kind != 'repost'",
        variants: &[],
    },
    Q {
        tj: "🔥",
        fts: "🔥",
        sql: "",
        variants: &[],
    },
];

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("search_bench: {e}");
            ExitCode::from(2)
        }
    }
}

type R<T> = Result<T, Box<dyn std::error::Error>>;

fn run() -> R<bool> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        return Err("usage: search_bench DATA_DIR FTS_DB [REPS]".into());
    }
    let data = Path::new(&args[1]);
    let fts_path = Path::new(&args[2]);
    let reps: usize = args.get(3).and_then(|r| r.parse().ok()).unwrap_or(30);
    let mut ok = true;

    let store = SqliteStore::open(data)?;
    let posts: u64 = store
        .conn()
        .query_row("SELECT count(*) FROM posts", [], |r| r.get::<_, i64>(0))?
        as u64;

    // Index build: what `tarjuman reindex` does, from the store, in-process.
    let cpu0 = cpu_seconds();
    let built = tarjuman_search::rebuild(&store, data)?;
    let cpu = cpu_seconds() - cpu0;
    let rate = built.indexed as f64 / built.seconds.max(1e-9);
    println!(
        "index build (tarjuman reindex): {} posts in {:.1} s = {:.0} posts/s (target >= 50,000), {:.1} s of CPU on {} cores{}",
        built.indexed,
        built.seconds,
        rate,
        cpu,
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        load_note()
    );
    if built.indexed != posts {
        println!(
            "FAIL: indexed {} posts, the store holds {posts}",
            built.indexed
        );
        ok = false;
    }
    if rate < 50_000.0 {
        println!("TARGET MISSED: index build {rate:.0} posts/s < 50,000");
        ok = false;
    }
    let mut index = SearchIndex::open(data)?;
    if index.is_stale(&store)? {
        return Err("the index is behind the store after a rebuild".into());
    }
    let _ = index.ensure_fresh(&store)?;
    if index.num_posts() != posts {
        println!(
            "FAIL: the index holds {} posts, the store {posts}",
            index.num_posts()
        );
        ok = false;
    }

    // The peer: FTS5 over the same posts.
    let (fts, fts_secs) = build_fts(data, fts_path, posts)?;
    println!(
        "FTS5 build (external content, unicode61 remove_diacritics 2): {posts} posts in {fts_secs:.1} s = {:.0} posts/s",
        posts as f64 / fts_secs.max(1e-9)
    );

    let resolver = StoreResolver::new(store.conn());
    let parsed: Vec<Query> = QUERIES
        .iter()
        .map(|q| Query::parse(q.tj))
        .collect::<Result<_, _>>()?;

    // Warm-up: every query once on each side (page cache, term dictionaries).
    for (q, p) in QUERIES.iter().zip(&parsed) {
        index.search(p, &resolver, Sort::Relevance, 10)?;
        fts_top10(&fts, q)?;
    }
    let mut tj_all = Vec::new();
    let mut fts_all = Vec::new();
    let mut rows = Vec::new();
    for q in QUERIES.iter() {
        let mut tj_t = Vec::with_capacity(reps);
        let mut fts_t = Vec::with_capacity(reps);
        let mut tj_total = 0;
        let mut fts_total = 0;
        for _ in 0..reps {
            let t0 = Instant::now();
            let q2 = Query::parse(q.tj)?;
            let r = index.search(&q2, &resolver, Sort::Relevance, 10)?;
            tj_t.push(t0.elapsed());
            tj_total = r.total;
            let t0 = Instant::now();
            fts_total = fts_top10(&fts, q)?;
            fts_t.push(t0.elapsed());
        }
        tj_all.extend(&tj_t);
        fts_all.extend(&fts_t);
        rows.push((
            q,
            tj_total,
            fts_total,
            pct(&mut tj_t, 50.0),
            pct(&mut fts_t, 50.0),
        ));
    }

    // Recall on the Arabic-variant queries.
    let texts = all_texts(&fts)?;
    println!();
    println!(
        "{:<42} {:>9} {:>9} {:>9} {:>9} {:>8} {:>8}",
        "query", "tarjuman", "FTS5", "tj p50", "FTS p50", "tj rec", "FTS rec"
    );
    for (q, tj_n, fts_n, tj_p, fts_p) in &rows {
        let (mut tj_rec, mut fts_rec) = (String::new(), String::new());
        if !q.variants.is_empty() {
            let truth = truth(&texts, q.variants);
            let tj_ids: HashSet<i64> = index
                .search(&Query::parse(q.tj)?, &resolver, Sort::Relevance, 0)?
                .hits
                .iter()
                .map(|h| h.post_id)
                .collect();
            let fts_ids = fts_ids(&fts, q)?;
            let rec = |ids: &HashSet<i64>| {
                truth.iter().filter(|i| ids.contains(i)).count() as f64 / truth.len().max(1) as f64
            };
            let (a, b) = (rec(&tj_ids), rec(&fts_ids));
            tj_rec = format!("{a:.3}");
            fts_rec = format!("{b:.3}");
            if truth.is_empty() {
                println!("FAIL: no post holds any spelling of {:?}", q.variants);
                ok = false;
            }
            if a < 1.0 {
                println!(
                    "FAIL: tarjuman recall {a:.3} on {} ({} of {} posts)",
                    q.tj,
                    (a * truth.len() as f64).round(),
                    truth.len()
                );
                ok = false;
            }
            if b >= 1.0 {
                println!(
                    "FAIL: FTS5 found every spelling of {}: the data lacks the variants this bench is about",
                    q.tj
                );
                ok = false;
            }
        }
        println!(
            "{:<42} {:>9} {:>9} {:>7.2}ms {:>7.2}ms {:>8} {:>8}",
            shorten(q.tj, 42),
            tj_n,
            fts_n,
            ms(*tj_p),
            ms(*fts_p),
            tj_rec,
            fts_rec
        );
        if *tj_n == 0 {
            println!("FAIL: tarjuman found nothing for {}", q.tj);
            ok = false;
        }
    }
    let (tp50, tp99) = (pct(&mut tj_all, 50.0), pct(&mut tj_all, 99.0));
    let (fp50, fp99) = (pct(&mut fts_all, 50.0), pct(&mut fts_all, 99.0));
    println!();
    println!("latency over 20 queries x {reps} runs, count + top 10, in-process:");
    println!(
        "  tarjuman (tantivy): p50 {:.2} ms, p99 {:.2} ms   (targets: p50 <= 5 ms, p99 <= 50 ms)",
        ms(tp50),
        ms(tp99)
    );
    println!(
        "  SQLite FTS5:        p50 {:.2} ms, p99 {:.2} ms",
        ms(fp50),
        ms(fp99)
    );
    if ms(tp50) > 5.0 || ms(tp99) > 50.0 {
        println!("TARGET MISSED: query latency");
        ok = false;
    }
    Ok(ok)
}

/// CPU seconds (user + system) this process used so far (Linux).
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the command name, which is in parentheses.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 of the line, 12 and 13 here; 100 ticks/s.
    (ticks(11) + ticks(12)) / 100.0
}

/// ", machine load average X" when other work shares the cores.
fn load_note() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| {
            l.split_whitespace()
                .next()
                .map(|x| format!(" (1-min load average before the run: {x})"))
        })
        .unwrap_or_default()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn pct(v: &mut [Duration], p: f64) -> Duration {
    if v.is_empty() {
        return Duration::ZERO;
    }
    v.sort();
    let i = ((p / 100.0) * (v.len() - 1) as f64).round() as usize;
    v[i.min(v.len() - 1)]
}

fn shorten(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        s.chars().take(n - 1).chain(['…']).collect()
    }
}

/// Builds (or reuses) the FTS5 database; returns it and the build time.
fn build_fts(data: &Path, path: &Path, posts: u64) -> R<(Connection, f64)> {
    if path.exists() {
        let c = Connection::open(path)?;
        let n: i64 = c
            .query_row("SELECT count(*) FROM posts", [], |r| r.get(0))
            .unwrap_or(-1);
        let secs: f64 = c
            .query_row(
                "SELECT value FROM bench_meta WHERE key = 'fts_secs'",
                [],
                |r| r.get(0),
            )
            .unwrap_or(-1.0);
        if n == posts as i64 && secs > 0.0 {
            return Ok((c, secs));
        }
        drop(c);
        std::fs::remove_file(path)?;
    }
    let c = Connection::open(path)?;
    c.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")?;
    c.execute(
        "ATTACH DATABASE ?1 AS store",
        [data.join("tarjuman.db").to_string_lossy()],
    )?;
    // The table a sqlite-utils user would have: the post and the columns they filter on.
    c.execute_batch(
        "CREATE TABLE posts AS SELECT p.id AS id, p.text AS text, a.handle AS author, p.lang AS lang, p.kind AS kind,
                p.created_at AS created_at, p.platform AS platform
         FROM store.posts p LEFT JOIN store.actors a ON a.id = p.author_id ORDER BY p.id;
         CREATE UNIQUE INDEX posts_id ON posts(id);
         CREATE INDEX posts_author ON posts(author);
         CREATE INDEX posts_created ON posts(created_at);
         CREATE TABLE hashtags AS SELECT post_id, tag FROM store.hashtags;
         CREATE INDEX hashtags_tag ON hashtags(tag);
         CREATE TABLE urls AS SELECT post_id, domain FROM store.urls;
         CREATE INDEX urls_domain ON urls(domain);
         DETACH DATABASE store;",
    )?;
    let t0 = Instant::now();
    c.execute_batch(
        "CREATE VIRTUAL TABLE posts_fts USING fts5(text, content='posts', content_rowid='id',
             tokenize = 'unicode61 remove_diacritics 2');
         INSERT INTO posts_fts(posts_fts) VALUES ('rebuild');",
    )?;
    let secs = t0.elapsed().as_secs_f64();
    c.execute_batch("CREATE TABLE bench_meta (key TEXT PRIMARY KEY, value)")?;
    c.execute("INSERT INTO bench_meta VALUES ('fts_secs', ?1)", [secs])?;
    Ok((c, secs))
}

/// FTS5's answer to `q`: the top 10 (by rank, or newest for filters
/// only) and the count, as the two statements a Datasette page runs.
fn fts_top10(c: &Connection, q: &Q) -> R<usize> {
    let (from, cond, order) = fts_sql(q);
    let mut st = c.prepare_cached(&format!(
        "SELECT p.id FROM {from} WHERE {cond} ORDER BY {order} LIMIT 10"
    ))?;
    let ids: Vec<i64> = if q.fts.is_empty() {
        st.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?
    } else {
        st.query_map([q.fts], |r| r.get(0))?
            .collect::<Result<_, _>>()?
    };
    let _ = ids;
    let mut st = c.prepare_cached(&format!("SELECT count(*) FROM {from} WHERE {cond}"))?;
    let n: i64 = if q.fts.is_empty() {
        st.query_row([], |r| r.get(0))?
    } else {
        st.query_row([q.fts], |r| r.get(0))?
    };
    Ok(n as usize)
}

fn fts_ids(c: &Connection, q: &Q) -> R<HashSet<i64>> {
    let (from, cond, _) = fts_sql(q);
    let mut st = c.prepare(&format!("SELECT p.id FROM {from} WHERE {cond}"))?;
    let ids: HashSet<i64> = if q.fts.is_empty() {
        st.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?
    } else {
        st.query_map([q.fts], |r| r.get(0))?
            .collect::<Result<_, _>>()?
    };
    Ok(ids)
}

fn fts_sql(q: &Q) -> (&'static str, String, &'static str) {
    let mut conds = Vec::new();
    if !q.fts.is_empty() {
        conds.push("posts_fts MATCH ?1".to_string());
    }
    if !q.sql.is_empty() {
        conds.push(q.sql.to_string());
    }
    if q.fts.is_empty() {
        ("posts p", conds.join(" AND "), "p.created_at DESC")
    } else {
        (
            "posts_fts JOIN posts p ON p.id = posts_fts.rowid",
            conds.join(" AND "),
            "posts_fts.rank",
        )
    }
}

fn all_texts(c: &Connection) -> R<Vec<(i64, String)>> {
    let mut st = c.prepare("SELECT id, text FROM posts")?;
    let v = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    Ok(v)
}

/// Posts holding any of `spellings` as a whole word, marks and tatweel
/// stripped: a plain scan, independent of tarjuman's normalizer.
fn truth(texts: &[(i64, String)], spellings: &[&str]) -> HashSet<i64> {
    let strip = |w: &str| -> String {
        w.chars()
            .filter(|&c| !matches!(c, '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{0640}'))
            .collect()
    };
    let want: HashSet<String> = spellings.iter().map(|s| strip(s)).collect();
    let mut out = HashSet::new();
    for (id, text) in texts {
        let found = text
            .split(|c: char| {
                !(c.is_alphanumeric()
                    || matches!(c, '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{0640}'))
            })
            .any(|w| !w.is_empty() && want.contains(&strip(w)));
        if found {
            out.insert(*id);
        }
    }
    out
}
