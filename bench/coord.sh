#!/usr/bin/env bash
# Coordination benchmark (issue "The interaction network and coordinated-behaviour
# detection"), side by side with the Coordination Network Toolkit (PyPI 1.5.2,
# installed into its own virtualenv) on the same generated corpus.
#
#   bench/coord.sh                        # 200,000 posts
#   SIZES="200000 1000000" bench/coord.sh # also 1M
#   CNT_TIMEOUT=1800 …                    # seconds before a toolkit run is abandoned
#
# For each size and network type (window 60 s, min weight 1, co-similar at
# threshold 0.8) it prints:
#   toolkit_s    the toolkit's `preprocess` plus that network's `compute`;
#   tarjuman_s   `tarjuman coord --compat cnt` on the already-ingested store
#                (ingest keeps the per-post coordination features up to date,
#                so this run reads them: see docs/COORDINATION.md);
#   ratio        toolkit_s / tarjuman_s;
#   cold_s       the same run after deleting DATA/coord/, so it first works
#                out every post's features again (the worst case of a run);
#   +ingest_s    tarjuman_s plus our whole ingest (which includes building
#                the features), the end-to-end comparison;
#   cnt_MB       the toolkit's peak RSS (the larger of preprocess and compute);
#   our_MB       our peak RSS for the run (cold run in brackets);
#   edges        edges without self-loops, and whether both edge sets
#                (source, target, weight) are identical.
# If a toolkit run does not finish in CNT_TIMEOUT seconds, its time is
# extrapolated from the previous size as t × (N / N_prev)² (pairs within a
# window grow with the square of the density) and marked "~".
# Then the coordinated networks the generator planted (truth.json) found or
# missed by `coord --type co-retweet --min-weight 2 --clusters`.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=${SIZES:-200000}
CNT_TIMEOUT=${CNT_TIMEOUT:-1800}
OUT=$PWD/bench/out
mkdir -p "$OUT"
cargo build --release -q -p tarjuman
# A private copy: a rebuild during the run cannot change what is measured.
cp "${CARGO_TARGET_DIR:-$PWD/target}/release/tarjuman" "$OUT/tarjuman-coord"
BIN=$OUT/tarjuman-coord
VENV=$OUT/cnt-venv
if [ ! -x "$VENV/bin/compute_networks" ]; then
  echo "== installing coordination_network_toolkit 1.5.2 into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check coordination_network_toolkit==1.5.2
fi

timed() { # timed NAME TIMEOUT CMD… → "seconds rss_kb", or "timeout 0"
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

PREV_N=""
for N in $SIZES; do
  W=$OUT/coord-world-$N
  if [ ! -s "$W/csv/cnt.csv" ]; then
    echo "== generating $N posts"
    "$BIN" gen --out "$W" --posts "$N" --telegram-posts 100 --seed 11 >/dev/null 2>&1
  fi
  CSV=$W/csv/cnt.csv
  D=$OUT/coord-data-$N
  rm -rf "$D"
  read -r T_ING R_ING < <(timed "ing-$N" 3600 "$BIN" --data "$D" ingest --json "$CSV")
  T_FEAT=$(sed -n 's/^coordination features: .* in \([0-9.]*\) s$/\1/p' "$OUT/ing-$N.err")
  DB=$OUT/cnt-$N.db
  rm -f "$DB"
  read -r T_PRE R_PRE < <(timed "cntpre-$N" "$CNT_TIMEOUT" "$VENV/bin/compute_networks" "$DB" preprocess --format csv "$CSV")
  echo
  echo "== $N posts: tarjuman ingest ${T_ING}s (peak $((R_ING / 1024)) MB; of which coordination features ${T_FEAT:-?}s); toolkit preprocess ${T_PRE}s (peak $((R_PRE / 1024)) MB)"
  printf '%-11s %11s %11s %9s %8s %10s %7s %13s %9s %s\n' type toolkit_s tarjuman_s ratio cold_s +ingest_s cnt_MB our_MB edges "same edge set"
  for T in co-retweet co-tweet co-link co-reply co-similar; do
    CT=${T/-/_}; [ "$T" = co-similar ] && CT=co_similar_tweet
    extra=(); [ "$T" = co-similar ] && extra=(--similarity_threshold 0.8)
    read -r T_C R_C < <(timed "cnt-$T-$N" "$CNT_TIMEOUT" "$VENV/bin/compute_networks" "$DB" compute "$CT" --time_window 60 --min_edge_weight 1 --n_cpus 2 "${extra[@]}")
    ours=(coord --type "$T" --window 60 --min-weight 1 --similarity 0.8 --compat cnt --format csv)
    # Warm (the features ingest left), three times: the median.
    runs=()
    for k in 1 2 3; do
      read -r t r < <(timed "ours-$T-$N" 3600 "$BIN" --data "$D" "${ours[@]}")
      runs+=("$t $r")
    done
    read -r T_O R_O < <(printf '%s\n' "${runs[@]}" | sort -n | sed -n 2p)
    # Cold: the features worked out again first.
    rm -rf "$D/coord"
    read -r T_COLD R_COLD < <(timed "cold-$T-$N" 3600 "$BIN" --data "$D" "${ours[@]}" -o "$OUT/cold-$T-$N.csv")
    cmp -s "$OUT/cold-$T-$N.csv" "$OUT/ours-$T-$N.out" || { echo "cold and warm runs differ for $T" >&2; exit 1; }
    PREV_T=""; [ -n "$PREV_N" ] && PREV_T=$(cat "$OUT/cnt-total-$T-$PREV_N" 2>/dev/null || true)
    python3 - "$T_PRE" "$T_C" "$T_O" "$T_ING" "$R_PRE" "$R_C" "$R_O" "$T_COLD" "$R_COLD" "$OUT/ours-$T-$N.out" "$DB" "${CT}_network" "$T" "$N" "$PREV_N" "$PREV_T" "$OUT/cnt-total-$T-$N" <<'PY'
import csv, sqlite3, sys
pre, tc, to, ting, rpre, rc, ro, tcold, rcold, ours, db, table, t, n, prev_n, prev_t, keep = sys.argv[1:]
to, ting, tcold = float(to), float(ting), float(tcold)
def ours_rows():
    with open(ours, newline='') as f:
        for r in csv.DictReader(f):
            if r['source'] != r['target']:
                yield (r['source'], r['target'], int(r['weight']))
if tc == 'timeout' or pre == 'timeout':
    n_ours = sum(1 for _ in ours_rows())
    if prev_t:
        total = float(prev_t) * (int(n) / int(prev_n)) ** 2
        shown, ratio = f"~{total:.0f}", f"~{total / to:.0f}x"
    else:
        shown, ratio = "timeout", "n/a"
    print(f"{t:<11} {shown:>11} {to:>11.2f} {ratio:>9} {tcold:>8.2f} {to + ting:>10.2f} {'-':>7} {int(ro) // 1024:>6} ({int(rcold) // 1024:>4}) {n_ours:>9} toolkit did not finish in time ({'extrapolated from ' + prev_n + ' posts' if prev_t else 'no smaller run to extrapolate from'})")
    sys.exit(0)
total = float(pre) + float(tc)
open(keep, 'w').write(f"{total}")
# Both edge lists in (source, target) order, compared as they stream.
con = sqlite3.connect(db)
theirs = ((str(a), str(b), int(w)) for a, b, w in con.execute(
    f'select cast(user_1 as text) a, cast(user_2 as text) b, weight from {table} where a != b order by a, b'))
mine = ours_rows()
same, diff, count = True, 0, 0
x, y = next(theirs, None), next(mine, None)
while x is not None or y is not None:
    if x == y:
        count += 1
        x, y = next(theirs, None), next(mine, None)
        continue
    same = False
    diff += 1
    if y is None or (x is not None and x[:2] < y[:2]):
        x = next(theirs, None)  # only theirs
    elif x is None or y[:2] < x[:2]:
        count += 1
        y = next(mine, None)  # only ours
    else:
        count += 1
        x, y = next(theirs, None), next(mine, None)  # another weight
ratio = total / to
peak = max(int(rpre), int(rc)) // 1024
print(f"{t:<11} {total:>11.2f} {to:>11.2f} {ratio:>8.1f}x {tcold:>8.2f} {to + ting:>10.2f} {peak:>7} {int(ro) // 1024:>6} ({int(rcold) // 1024:>4}) {count:>9} {'yes' if same else f'NO ({diff} differ)'}")
PY
  done
  echo "(ratio = toolkit_s / tarjuman_s; tarjuman_s is the median of three runs)"
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
    print(f"planted network {k + 1}: {len(m)} accounts; best cluster (#{best['cluster'] if best else '-'}, {len(best['members']) if best else 0} accounts) holds {hit or 0} of them ({(inside or 0):.0%} of that cluster): {'FOUND' if ok else 'MISSED'}")
print(f"planted networks found: {found} of {len(truth)} ({len(clusters)} clusters in all)")
PY
  PREV_N=$N
done
