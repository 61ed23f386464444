#!/usr/bin/env bash
# Search benchmark (issue 3: multilingual search), side by side with SQLite FTS5.
#
#   bench/search.sh              # 1,000,000 generated posts
#   POSTS=200000 bench/search.sh
#   REPS=50 bench/search.sh      # runs of each query (default 30)
#
# 1. Generates POSTS tweets (tarjuman gen, mixed Arabic/Persian/Hebrew/English,
#    with spelling variants, tashkeel, tatweel, ZWNJ) and ingests them (the
#    file and store are shared with bench/ingest.sh when it ran first).
# 2. crates/search/examples/search_bench.rs: the index build (what `tarjuman
#    reindex` does, in-process) in posts/s (target >= 50,000/s) with its CPU time;
#    the same posts in SQLite FTS5
#    (unicode61 remove_diacritics 2, as sqlite-utils/Datasette users set it up),
#    20 fixed queries on both in-process, p50/p99 (targets <= 5 ms / <= 50 ms),
#    hit counts, and the recall of each on the Arabic-variant queries.
# Every step checks its counts: a run that indexed or found less fails.
set -euo pipefail
cd "$(dirname "$0")/.."
POSTS=${POSTS:-1000000}
REPS=${REPS:-30}
OUT=bench/out
mkdir -p "$OUT"
echo "== building (release)"
cargo build --release -q -p tarjuman -p tarjuman-search --example search_bench
BIN=target/release/tarjuman
BENCH=target/release/examples/search_bench

FILE=$OUT/twarc2-$POSTS.jsonl
if [ ! -s "$FILE" ]; then
  echo "== generating $FILE"
  "$BIN" gen --twarc2-only "$FILE" --posts "$POSTS" --seed 7 >/dev/null
fi

DATA=$OUT/search-data-$POSTS
if [ ! -s "$DATA/tarjuman.db" ]; then
  echo "== ingesting $FILE (ingest also brings the search index up to date)"
  rm -rf "$DATA"
  "$BIN" --data "$DATA" ingest --json "$FILE" > "$OUT/search-ingest.json" 2> "$OUT/search-ingest.err" || {
    tail -5 "$OUT/search-ingest.err"; exit 1; }
  grep -h "search index" "$OUT/search-ingest.err" || true
fi
STORED=$(python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(c.execute('select count(*) from posts').fetchone()[0])" "$DATA/tarjuman.db")
PRIMARY=$(python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(c.execute('select count(*) from posts where embedded=0').fetchone()[0])" "$DATA/tarjuman.db")
[ "$PRIMARY" = "$POSTS" ] || { echo "FAIL: the store holds $PRIMARY primary posts, expected $POSTS"; exit 1; }

echo "== index build (tarjuman reindex, in-process) and queries: tarjuman (tantivy) and SQLite FTS5"
echo "   ($STORED posts in the store: $POSTS tweets and the tweets they reference)"
"$BENCH" "$DATA" "$OUT/search-fts5-$POSTS.db" "$REPS"
echo "index size: $(du -sm "$DATA/search" | cut -f1) MiB"
