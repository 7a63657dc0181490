#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# bench/profile.sh: where the time goes, for the lead who fixes it.
#
#   bench/profile.sh [micro|nginx|all]      (default all; after bench/run.sh)
#
# micro: the core's cases under valgrind --tool=callgrind (instructions per
#        operation, exact and noise-free), top functions by self cost.
# nginx: the nginx worker under `perf record` (cpu-clock sampling) while wrk
#        runs a scenario of bench/run.sh for BENCH_PROFILE_SECONDS (4) s;
#        each library's and function's share turned into microseconds of
#        worker CPU per request.  Uses bench/work/run/nginx.conf and the
#        tokens of the last bench/run.sh.
#
# Writes bench/results/profile.txt (and prints it).  The sampling profile is
# as noisy as the machine; the callgrind one is not.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH="$ROOT/bench"
WORK="${BENCH_WORK:-$BENCH/work}"
RESULTS="${BENCH_RESULTS:-$BENCH/results}"
RUN="$WORK/run"
MICRO="$ROOT/build/bench/micro"
NGINX="${BENCH_NGINX:-/usr/sbin/nginx}"
SECONDS_EACH="${BENCH_PROFILE_SECONDS:-4}"
OUT="$RESULTS/profile.txt"
TMP=$(mktemp -d)
ID="eu-west-1:6a0e1b6f-1c2d-4e5f-8a9b-0c1d2e3f4a5b"
what="${1:-all}"

[ -x "$MICRO" ] && [ -f "$RUN/nginx.conf" ] || {
    echo "bench/profile.sh: run bench/run.sh first" >&2; exit 1; }

MASTER=""
alive() { [ -n "$1" ] && [ -e "/proc/$1/stat" ] && ! grep -q ') Z ' "/proc/$1/stat"; }
cleanup() {
    if alive "$MASTER"; then
        kill -QUIT "$MASTER" 2>/dev/null || true
        for _ in $(seq 50); do alive "$MASTER" || break; sleep 0.1; done
    fi
    rm -rf "$TMP"
}

profile() {
trap cleanup EXIT
echo "bench/profile.sh, $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo -)"
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), load $(cut -d' ' -f1-3 /proc/loadavg)"

# ---------------------------------------------------------------------------

micro_case() {   # CASE OPFUNCTION
    local n=400 f="$TMP/cg.$1" total
    valgrind --tool=callgrind --callgrind-out-file="$f" --toggle-collect="$2" \
        "$MICRO" --root "$ROOT" --policy100 "$WORK/policy-100.json" \
        --only "$1" --count "$n" > /dev/null 2>&1
    total=$(callgrind_annotate "$f" 2>/dev/null \
            | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')
    printf '\n%s: %d instructions per operation; top functions (self):\n' \
        "$1" "$((total / n))"
    callgrind_annotate "$f" 2>/dev/null | sed -n '/file:function/,$p' \
        | sed 's/( */(/' \
        | awk -v n="$n" -v top="${TOP:-10}" '
            NR > 2 && NF >= 3 && $1 ~ /^[0-9,]+$/ && shown < top {
            ir = $1; gsub(",", "", ir); fn = $3;
            sub(/^.*\//, "", fn);
            printf "  %8d Ir/op %8s  %s\n", ir / n, $2, fn; shown++ }' 
}

if [ "$what" = micro ] || [ "$what" = all ]; then
    echo
    echo "== core (build/bench/micro under callgrind)"
    micro_case token_thaw                op_thaw
    micro_case token_verify_malformed    op_verify_malformed
    micro_case token_verify_unknown_kid  op_verify_unknown_kid
    micro_case policy_s3_per_user_get    op_policy_s3_get
    micro_case policy_100_statements     op_policy_100
    micro_case decision_1_pool           op_decision_1_pool
    TOP=14 micro_case token_verify_valid op_verify_good
fi

# ---------------------------------------------------------------------------

nginx_case() {   # NAME URL TOKENS MODE
    local name=$1 url=$2 tokens=$3 mode=$4 w t0 t1 req cpu data="$TMP/$1.perf"
    w=$(ps --ppid "$MASTER" -o pid= | head -1 | tr -d ' ')
    perf record -F 2999 -p "$w" -o "$data" -- sleep "$SECONDS_EACH" \
        > /dev/null 2>&1 &
    local perf_pid=$!
    sleep 0.3
    t0=$(awk '{print $14 + $15}' "/proc/$w/stat")
    BENCH_MODE="$mode" BENCH_TOKENS="$tokens" BENCH_OUT="$TMP/$name.tsv" \
        taskset -c 1 wrk -t1 -c32 -d"$((SECONDS_EACH - 1))s" \
        -s "$BENCH/wrk/bench.lua" "$url" > /dev/null
    t1=$(awk '{print $14 + $15}' "/proc/$w/stat")
    wait "$perf_pid" || true
    req=$(cut -f1 "$TMP/$name.tsv")
    cpu=$(awk -v a="$t0" -v b="$t1" -v r="$req" -v hz="$(getconf CLK_TCK)" \
          'BEGIN { printf "%.2f", (b - a) / hz * 1e6 / r }')
    printf '\n%s: %s requests, worker %s us CPU per request\n' "$name" "$req" "$cpu"
    perf report -i "$data" --stdio --no-children --sort dso 2>/dev/null \
        | awk -v c="$cpu" '$1 ~ /%$/ { p = $1; sub("%", "", p);
              printf "  %6.2f us  %6s  %s\n", c * p / 100, $1, $2 }'
    echo "  top functions outside the kernel and nginx's own code:"
    perf report -i "$data" --stdio --no-children --sort dso,symbol 2>/dev/null \
        | awk -v c="$cpu" -v top="${TOP:-12}" '$1 ~ /%$/ && $2 != "[kernel.kallsyms]" && $2 != "nginx" {
              p = $1; sub("%", "", p);
              if (shown++ < top)
                  printf "  %6.2f us  %6s  %-36s %s\n", c * p / 100, $1, $2, $4 }' 
}

if [ "$what" = nginx ] || [ "$what" = all ]; then
    command -v perf > /dev/null || { echo "perf is not installed" >&2; exit 1; }
    user=""
    [ "$(id -u)" = 0 ] && user="user root;"
    taskset -c 0 "$NGINX" -p "$RUN/" -c "$RUN/nginx.conf" -g "$user"
    for _ in $(seq 50); do
        MASTER=$(cat "$RUN/nginx.pid" 2>/dev/null || true)
        [ -n "$MASTER" ] && alive "$MASTER" && break
        sleep 0.1
    done
    sleep 0.5
    P=$(awk '/listen 127.0.0.1:/ {sub(";", "", $2); sub("127.0.0.1:", "", $2); print $2; exit}' "$RUN/nginx.conf")
    echo
    echo "== nginx worker (perf record -F 2999, ${SECONDS_EACH}s per scenario)"
    nginx_case baseline      "http://127.0.0.1:$P/off/f"      "$WORK/token.txt"       fixed
    nginx_case cache         "http://127.0.0.1:$P/cache/f"    "$WORK/token.txt"       fixed
    nginx_case nocache       "http://127.0.0.1:$P/nocache/f"  "$WORK/token.txt"       fixed
    nginx_case new_token     "http://127.0.0.1:$P/new/f"      "$WORK/tokens.txt"      cycle
    # the other distinct tokens into the cache, then all of them as hits
    ntok=$(wc -l < "$WORK/tokens.txt")
    used=$(cut -f1 "$TMP/new_token.tsv")
    if [ "$used" -lt "$ntok" ]; then
        BENCH_MODE=cycle BENCH_TOKENS="$WORK/tokens.txt" BENCH_START=$((used + 1)) \
        BENCH_OUT=/dev/null taskset -c 1 wrk -t1 -c32 \
            -d"$(( (ntok - used) * (SECONDS_EACH - 1) * 3 / (2 * used) + 2 ))s" \
            -s "$BENCH/wrk/bench.lua" "http://127.0.0.1:$P/new/f" > /dev/null
    fi
    nginx_case identities_100k "http://127.0.0.1:$P/new/f"    "$WORK/tokens.txt"      cycle
    nginx_case malformed     "http://127.0.0.1:$P/cache/f"    "$WORK/malformed.txt"   fixed
    nginx_case unknown_kid   "http://127.0.0.1:$P/cache/f"    "$WORK/unknown-kid.txt" fixed
    nginx_case s3_per_user   "http://127.0.0.1:$((P + 1))/mybucket/$ID/f" "$WORK/token.txt" fixed
    nginx_case policy_100    "http://127.0.0.1:$((P + 2))/mybucket/$ID/f" "$WORK/token.txt" fixed
fi

}

mkdir -p "$RESULTS"
profile 2>&1 | tee "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
