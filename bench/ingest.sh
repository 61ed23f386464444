#!/usr/bin/env bash
# Ingest benchmark (issue "Ingest the archives…"), side by side with twarc-csv.
#
#   bench/ingest.sh            # 1,000,000 generated tweets
#   POSTS=200000 bench/ingest.sh
#   RUNS=5 bench/ingest.sh     # the store written 5 times (default 3), median reported
#
# Prints: tarjuman ingest posts/s and peak RSS (from /usr/bin/time -v), the
# same file through twarc-csv (PyPI, in its own virtualenv) and the ratio,
# and re-ingest times (skipped by sha256, and forced through every record).
# The store is written with `ingest --no-index`, and the search index (issue
# 3, derived data) is then built by `tarjuman reindex`, and the coordination
# features (issue 4) by a first `coord` run; all are timed, and the
# end-to-end figures include both.
# Every run checks its result: the store must hold exactly POSTS primary
# tweets, and twarc-csv's CSV must have POSTS rows.
set -euo pipefail
cd "$(dirname "$0")/.."
POSTS=${POSTS:-1000000}
OUT=$PWD/bench/out
mkdir -p "$OUT"
echo "== building (release)"
cargo build --release -q -p tarjuman
# The target directory may be moved (CARGO_TARGET_DIR, .cargo/config.toml).
TARGET_DIR=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
BIN=$TARGET_DIR/release/tarjuman

VENV=$OUT/venv
if [ ! -x "$VENV/bin/twarc2" ] || ! "$VENV/bin/python" -c 'import twarc_csv, pandas; assert pandas.__version__ == "2.2.3"' 2>/dev/null; then
  echo "== installing twarc-csv 0.7.2 (twarc 2.14.0) into $VENV"
  python3 -m venv "$VENV"
  # pandas 3 removed DataFrame.applymap, which twarc-csv 0.7.2 uses.
  "$VENV/bin/pip" install -q --disable-pip-version-check twarc==2.14.0 twarc-csv==0.7.2 pandas==2.2.3
fi

FILE=$OUT/twarc2-$POSTS.jsonl
if [ ! -s "$FILE" ]; then
  echo "== generating $FILE"
  "$BIN" gen --twarc2-only "$FILE" --posts "$POSTS" --seed 7 >/dev/null
fi
SIZE=$(stat -c %s "$FILE")

timed() { # timed NAME CMD... : runs CMD under /usr/bin/time -v, prints "seconds rss_kb"
  local name=$1; shift
  /usr/bin/time -v -o "$OUT/$name.time" "$@" > "$OUT/$name.out" 2> "$OUT/$name.err" || {
    echo "$name failed:"; tail -5 "$OUT/$name.err"; exit 1; }
  python3 - "$OUT/$name.time" <<'PY'
import sys
t = open(sys.argv[1]).read().splitlines()
def get(key):
    return next(l.split(': ', 1)[1] for l in t if l.strip().startswith(key))
wall = get('Elapsed (wall clock) time')
parts = [float(x) for x in wall.split(':')]
secs = parts[-1] + 60 * parts[-2] + (3600 * parts[-3] if len(parts) > 2 else 0)
print(f"{secs:.2f} {get('Maximum resident set size (kbytes)')}")
PY
}

DATA=$OUT/data-$POSTS
# The store is written RUNS times (each into a new folder; this machine is
# noisy) and the median run is reported, with the spread.
RUNS=${RUNS:-3}
ING_TIMES=()
ING_RSS=0
for i in $(seq "$RUNS"); do
  rm -rf "$DATA"
  sync
  echo "== tarjuman ingest ($((SIZE / 1048576)) MiB, $POSTS tweets + includes), run $i of $RUNS"
  read -r t rss < <(timed ingest "$BIN" --data "$DATA" ingest --no-index --json "$FILE")
  echo "   $t s, peak RSS $((rss / 1024)) MB"
  ING_TIMES+=("$t")
  [ "$rss" -gt "$ING_RSS" ] && ING_RSS=$rss
done
read -r T_ING T_ING_MIN T_ING_MAX < <(printf '%s\n' "${ING_TIMES[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)], a[1], a[NR]}')
RSS_ING=$ING_RSS
echo "== search index of the new store (tarjuman reindex)"
read -r T_IDX RSS_IDX < <(timed reindex "$BIN" --data "$DATA" reindex)
echo "== coordination features of the new store (caught up by a co-reply run)"
read -r T_FEAT RSS_FEAT < <(timed features "$BIN" --data "$DATA" coord --type co-reply --window 60 --min-weight 2 --format csv)
PRIMARY=$(python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(c.execute('select count(*) from posts where embedded=0').fetchone()[0])" "$DATA/tarjuman.db")
STORED=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['new_posts'])" "$OUT/ingest.out")
[ "$PRIMARY" = "$POSTS" ] || { echo "FAIL: store holds $PRIMARY primary tweets, expected $POSTS"; exit 1; }

echo "== re-ingest, same file (recognised by sha256, skipped)"
read -r T_SKIP _ < <(timed reingest "$BIN" --data "$DATA" ingest --json "$FILE")
echo "== re-ingest --force (every record decoded and deduplicated)"
read -r T_FORCE RSS_FORCE < <(timed force "$BIN" --data "$DATA" ingest --no-index --json --force "$FILE")
NEW_AGAIN=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['new_posts'])" "$OUT/force.out")
[ "$NEW_AGAIN" = "0" ] || { echo "FAIL: forced re-ingest added $NEW_AGAIN posts"; exit 1; }

echo "== twarc-csv on the same file"
rm -f "$OUT/twarc.csv"
# twarc2 asks for API keys on first run even for offline commands; a dummy token stops that.
# It also writes twarc.log into the working directory: run it from bench/out.
read -r T_CSV RSS_CSV < <(cd "$OUT" && BEARER_TOKEN=offline timed twarc_csv "$VENV/bin/twarc2" csv --hide-progress "$(realpath "$FILE")" "$(realpath -m "$OUT/twarc.csv")")
ROWS=$(python3 -c "import csv,sys; csv.field_size_limit(1<<30); print(sum(1 for _ in csv.reader(open(sys.argv[1], newline='', encoding='utf-8'))) - 1)" "$OUT/twarc.csv")
[ "$ROWS" = "$POSTS" ] || { echo "FAIL: twarc-csv wrote $ROWS rows, expected $POSTS"; exit 1; }

python3 - "$POSTS" "$STORED" "$T_ING" "$RSS_ING" "$T_IDX" "$RSS_IDX" "$T_SKIP" "$T_FORCE" "$RSS_FORCE" "$T_CSV" "$RSS_CSV" "$T_FEAT" "$RSS_FEAT" "$T_ING_MIN" "$T_ING_MAX" "$OUT/ingest.out" <<'PY'
import json, sys
posts, stored = int(sys.argv[1]), int(sys.argv[2])
t_ing, rss_ing, t_idx, rss_idx, t_skip, t_force, rss_force, t_csv, rss_csv, t_feat, rss_feat, t_min, t_max = map(float, sys.argv[3:16])
d = json.load(open(sys.argv[16]))["details"][0]
t_all = t_ing + t_idx + t_feat
print()
print(f"{'run':<36}{'seconds':>10}{'posts/s':>12}{'peak RSS':>12}")
print(f"{'tarjuman ingest (store), median':<36}{t_ing:>10.2f}{stored / t_ing:>12,.0f}{rss_ing / 1024:>9,.0f} MB")
print(f"{'  runs (fastest, slowest)':<36}{t_min:>10.2f}{t_max:>10.2f}")
print(f"{'  last run: writer busy':<36}{d['write_seconds']:>10.2f}")
rb = d.get('index_rebuild_seconds')
print(f"{'  last run: index rebuild (bulk load)':<36}{(rb if rb is not None else 0):>10.2f}")
print(f"{'tarjuman reindex (search index)':<36}{t_idx:>10.2f}{stored / t_idx:>12,.0f}{rss_idx / 1024:>9,.0f} MB")
print(f"{'coordination features (+ co-reply)':<36}{t_feat:>10.2f}{stored / t_feat:>12,.0f}{rss_feat / 1024:>9,.0f} MB")
print(f"{'store + derived (plain ingest)':<36}{t_all:>10.2f}{stored / t_all:>12,.0f}")
print(f"{'tarjuman re-ingest (sha256 skip)':<36}{t_skip:>10.2f}{'':>12}")
print(f"{'tarjuman re-ingest --force':<36}{t_force:>10.2f}{stored / t_force:>12,.0f}{rss_force / 1024:>9,.0f} MB")
print(f"{'twarc-csv (flatten only)':<36}{t_csv:>10.2f}{posts / t_csv:>12,.0f}{rss_csv / 1024:>9,.0f} MB")
print()
print(f"posts stored (tweets + referenced tweets): {stored:,}; primary tweets: {posts:,}; records read: {d['records_read']:,}, of which unchanged repeats skipped: {d['repeats']:,}")
print(f"ingest speed into the store: {stored / t_ing:,.0f} posts/s   (target >= 50,000); with the search index and coordination features: {stored / t_all:,.0f} posts/s")
print(f"ratio twarc-csv / tarjuman ingest: {t_csv / t_ing:.1f}x   (target >= 10x); with the search index and coordination features: {t_csv / t_all:.1f}x")
print(f"peak memory: {max(rss_ing, rss_idx, rss_feat) / 1024:,.0f} MB   (target <= 1,024)")
print(f"re-ingest of the same file (recognised by sha256): {t_ing / t_skip:.0f}x faster than the first ingest (target >= 2x); forced through every record (--force): {t_ing / t_force:.2f}x")
PY
