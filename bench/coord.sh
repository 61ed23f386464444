#!/usr/bin/env bash
# Coordination benchmark (issue "The interaction network and coordinated-behaviour
# detection"), side by side with the Coordination Network Toolkit (PyPI 1.5.2,
# installed into its own virtualenv) on the same generated corpus.
#
#   bench/coord.sh                        # 200,000 posts
#   SIZES="200000 1000000" bench/coord.sh # also 1M (the toolkit's co-similar may not finish)
#   CNT_TIMEOUT=1800 …                    # seconds before a toolkit run is abandoned
#
# For each size and network type (window 60 s, min weight 1): the toolkit's
# preprocess + compute time against `tarjuman coord` on an already-ingested
# store (and our time including ingest), the ratio, peak memory of both, and
# whether the edge sets (self-loops aside) are identical. Then the coordinated
# networks the generator planted (truth.json) found or missed by
# `coord --type co-retweet --clusters`.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=${SIZES:-200000}
CNT_TIMEOUT=${CNT_TIMEOUT:-1800}
OUT=$PWD/bench/out
mkdir -p "$OUT"
cargo build --release -q -p tarjuman
BIN=$PWD/target/release/tarjuman
VENV=$OUT/cnt-venv
if [ ! -x "$VENV/bin/compute_networks" ]; then
  echo "== installing coordination_network_toolkit 1.5.2 into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check coordination_network_toolkit==1.5.2
fi

timed() { # timed NAME TIMEOUT CMD… → "seconds rss_kb" or "timeout rss"
  local name=$1 limit=$2; shift 2
  if ! timeout "$limit" /usr/bin/time -v -o "$OUT/$name.time" "$@" > "$OUT/$name.out" 2> "$OUT/$name.err"; then
    if [ ! -s "$OUT/$name.time" ] || grep -q "Command terminated by signal" "$OUT/$name.time"; then echo "timeout 0"; return; fi
    echo "$name failed:" >&2; tail -5 "$OUT/$name.err" >&2; exit 1
  fi
  python3 - "$OUT/$name.time" <<'PY'
import sys
t = open(sys.argv[1]).read().splitlines()
get = lambda k: next(l.split(': ', 1)[1] for l in t if l.strip().startswith(k))
p = [float(x) for x in get('Elapsed (wall clock) time').split(':')]
print(f"{p[-1] + 60 * p[-2] + (3600 * p[-3] if len(p) > 2 else 0):.2f} {get('Maximum resident set size (kbytes)')}")
PY
}

for N in $SIZES; do
  W=$OUT/coord-world-$N
  if [ ! -s "$W/csv/cnt.csv" ]; then
    echo "== generating $N posts"
    "$BIN" gen --out "$W" --posts "$N" --telegram-posts 100 --seed 11 >/dev/null 2>&1
  fi
  CSV=$W/csv/cnt.csv
  D=$OUT/coord-data-$N
  rm -rf "$D"
  read -r T_ING _ < <(timed "ing-$N" 3600 "$BIN" --data "$D" ingest --json "$CSV")
  DB=$OUT/cnt-$N.db
  rm -f "$DB"
  read -r T_PRE R_PRE < <(timed "cntpre-$N" "$CNT_TIMEOUT" "$VENV/bin/compute_networks" "$DB" preprocess --format csv "$CSV")
  echo
  echo "== $N posts: tarjuman ingest ${T_ING}s; toolkit preprocess ${T_PRE}s (peak $((R_PRE / 1024)) MB)"
  printf '%-12s %12s %12s %10s %12s %12s %8s %s\n' type toolkit_s tarjuman_s ratio ours+ingest cnt_MB our_MB edges "same edge set"
  for T in co-retweet co-tweet co-link co-reply co-similar; do
    CT=${T/-/_}; [ "$T" = co-similar ] && CT=co_similar_tweet
    extra=(); [ "$T" = co-similar ] && extra=(--similarity_threshold 0.8)
    read -r T_C R_C < <(timed "cnt-$T-$N" "$CNT_TIMEOUT" "$VENV/bin/compute_networks" "$DB" compute "$CT" --time_window 60 --min_edge_weight 1 --n_cpus 2 "${extra[@]}")
    read -r T_O R_O < <(timed "ours-$T-$N" 3600 "$BIN" --data "$D" coord --type "$T" --window 60 --min-weight 1 --similarity 0.8 --compat cnt --format csv)
    python3 - "$T_PRE" "$T_C" "$T_O" "$T_ING" "$R_C" "$R_O" "$OUT/ours-$T-$N.out" "$DB" "${CT}_network" "$T" <<'PY'
import csv, sqlite3, sys
pre, tc, to, ting, rc, ro, ours, db, table, t = sys.argv[1:]
ours_edges = {(r['source'], r['target'], int(r['weight'])) for r in csv.DictReader(open(ours)) if r['source'] != r['target']}
if tc == 'timeout':
    print(f"{t:<12} {'>' + pre:>12} {float(to):>12.2f} {'n/a':>10} {float(to) + float(ting):>12.2f} {'-':>12} {int(ro) // 1024:>8} {len(ours_edges):>8} toolkit timed out")
    sys.exit(0)
cnt = {(str(a), str(b), int(w)) for a, b, w in sqlite3.connect(db).execute(f'select user_1, user_2, weight from {table}') if a != b}
total = float(pre) + float(tc)
same = 'yes' if cnt == ours_edges else f'NO ({len(cnt ^ ours_edges)} differ)'
print(f"{t:<12} {total:>12.2f} {float(to):>12.2f} {total / float(to):>9.1f}x {float(to) + float(ting):>12.2f} {int(rc) // 1024:>12} {int(ro) // 1024:>8} {len(ours_edges):>8} {same}")
PY
  done
  echo "(toolkit = its preprocess + that network; ratio = toolkit / tarjuman coord on the ingested store)"
  # Planted networks found and missed.
  "$BIN" --data "$D" coord --type co-retweet --window 60 --min-weight 2 --clusters --json > "$OUT/clusters-$N.jsonl"
  python3 - "$W/truth.json" "$OUT/clusters-$N.jsonl" <<'PY'
import json, sys
truth = json.load(open(sys.argv[1]))['coordinated_networks']
clusters = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
found = 0
for k, members in enumerate(truth):
    m = set(members)
    best = max(clusters, key=lambda c: len(m & {x['id'] for x in c['members']}), default=None)
    hit = best and len(m & {x['id'] for x in best['members']})
    inside = best and hit / len(best['members'])
    ok = bool(best) and hit >= 2 and inside >= 0.5
    found += ok
    print(f"planted network {k + 1}: {len(m)} accounts; best cluster holds {hit or 0} of them ({(inside or 0):.0%} of that cluster): {'FOUND' if ok else 'MISSED'}")
print(f"planted networks found: {found} of {len(truth)}")
PY
done
