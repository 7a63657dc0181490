#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# bench/run.sh: the whole benchmark in one command (see bench/README.md).
#
# Builds the module (make) and the core microbenchmark, mints the tokens
# once into bench/work/ (kept for later runs), runs the microbenchmark,
# starts Debian's nginx with worker_processes 1 pinned to CPU 0, runs wrk
# pinned to CPU 1 against each scenario, then the same for Debian's apache2
# (mpm_event, one child on CPU 0, `make apache`), and writes bench/results/
# (results.md, results.tsv, micro.md, micro.tsv, throughput.png).
#
# Environment (all optional):
#   BENCH_ROUNDS=3           rounds of the repeated-token scenarios (each
#                            judged by the median of its rounds)
#   BENCH_DURATION=4         seconds per wrk run (per round)
#   BENCH_BASELINE_DURATION=3  seconds per module-off baseline (one between
#                            every two scenarios)
#   BENCH_CONNECTIONS=32     wrk connections
#   BENCH_LONG=1000000       requests of the long run (worker RssAnon), at
#                            the measured cache rate, at most 120 s
#   BENCH_TOKENS=100000      distinct tokens (identities) to mint
#   BENCH_POOLS=1000         pools of the many-pools scenario
#   BENCH_MICRO_SECONDS=0.3  seconds per timed run of a micro case (5 runs)
#   BENCH_PORT=18480         first of seven loopback ports (the last three:
#                            Apache)
#   BENCH_APACHE=1           0 skips the Apache scenarios
#   BENCH_APACHE_BIN=/usr/sbin/apache2
#   BENCH_WORK, BENCH_RESULTS  directories (bench/work, bench/results)
#   BENCH_NGINX=/usr/sbin/nginx
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH="$ROOT/bench"
WORK="${BENCH_WORK:-$BENCH/work}"
RESULTS="${BENCH_RESULTS:-$BENCH/results}"
RUN="$WORK/run"
LOGS="$WORK/logs"
NGINX="${BENCH_NGINX:-/usr/sbin/nginx}"
MODULE="$ROOT/build/ngx_http_cognito_identity_module.so"
MICRO="$ROOT/build/bench/micro"
PY=/usr/bin/python3
DURATION="${BENCH_DURATION:-4}"
ROUNDS="${BENCH_ROUNDS:-3}"
BASE_DURATION="${BENCH_BASELINE_DURATION:-3}"
CONNS="${BENCH_CONNECTIONS:-32}"
LONG="${BENCH_LONG:-1000000}"
NTOKENS="${BENCH_TOKENS:-100000}"
NPOOLS="${BENCH_POOLS:-1000}"
MICRO_SECONDS="${BENCH_MICRO_SECONDS:-0.3}"
PORT="${BENCH_PORT:-18480}"
SERVER_CPU=0
CLIENT_CPU=1

ROLE="arn:aws:iam::123456789012:role/BenchUser"
ID="eu-west-1:6a0e1b6f-1c2d-4e5f-8a9b-0c1d2e3f4a5b"   # bench/gen.py's ID

START=$(date +%s)

log() { printf '== %s  %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'bench/run.sh: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------------------
# tools, build, inputs

need=""
for t in wrk gnuplot taskset curl; do
    command -v "$t" >/dev/null || need="$need $t"
done
$PY -c 'import cryptography' 2>/dev/null || need="$need python3-cryptography"
if [ -n "$need" ]; then
    if [ "$(id -u)" = 0 ]; then
        log "installing:$need"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
            --no-install-recommends wrk gnuplot-nox util-linux curl \
            python3-cryptography >/dev/null
    else
        die "missing:$need (as root: apt-get install wrk gnuplot-nox)"
    fi
fi

[ "$(nproc)" -ge 2 ] || die "needs 2 CPUs (server on CPU $SERVER_CPU, wrk on CPU $CLIENT_CPU)"

log "building the module (make)"
make -s -C "$ROOT" module >&2

log "building the microbenchmark"
mkdir -p "$(dirname "$MICRO")"
cc -O2 -g -std=gnu11 -Wall -Wextra -Wno-missing-field-initializers \
    -I"$ROOT/core/include" -I"$ROOT/core" -o "$MICRO" "$BENCH/micro.c" \
    "$ROOT"/core/cig_*.c -lcrypto -lm

mkdir -p "$WORK" "$RESULTS" "$LOGS"
log "inputs in $WORK (minted once, then kept)"
$PY "$BENCH/gen.py" "$WORK" --tokens "$NTOKENS" --pools "$NPOOLS" >&2

# ---------------------------------------------------------------------------
# machine

{
    echo "date	$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "nproc	$(nproc)"
    echo "cpu	$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')"
    echo "cpu_mhz	$(grep -m1 'cpu MHz' /proc/cpuinfo | sed 's/.*: //')"
    echo "kernel	$(uname -sr)"
    echo "os	$(. /etc/os-release && echo "$PRETTY_NAME")"
    echo "nginx	$("$NGINX" -v 2>&1 | sed 's/.*: //')"
    echo "openssl	$(openssl version)"
    echo "wrk	$(wrk -v 2>&1 | head -1 | awk '{print $1, $2}')"
    echo "commit	$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo -)$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null | grep -q . && echo ' (with uncommitted changes)')"
    echo "connections	$CONNS"
    echo "duration	$DURATION"
    echo "rounds	$ROUNDS"
    echo "baseline_duration	$BASE_DURATION"
    echo "load_start	$(cut -d' ' -f1-3 /proc/loadavg)"
} > "$WORK/machine.tsv"

# ---------------------------------------------------------------------------
# microbenchmark, on the server's CPU

log "core microbenchmark (taskset -c $SERVER_CPU)"
taskset -c "$SERVER_CPU" "$MICRO" --root "$ROOT" \
    --policy100 "$WORK/policy-100.json" --seconds "$MICRO_SECONDS" \
    --md "$RESULTS/micro.md" --tsv "$RESULTS/micro.tsv" > "$LOGS/micro.txt"

# ---------------------------------------------------------------------------
# nginx

alive() { [ -n "$1" ] && [ -e "/proc/$1/stat" ] && ! grep -q ') Z ' "/proc/$1/stat"; }

MASTER=""
stop_nginx() {
    if alive "$MASTER"; then
        kill -QUIT "$MASTER" 2>/dev/null || true
        for _ in $(seq 50); do alive "$MASTER" || break; sleep 0.1; done
    fi
}
trap stop_nginx EXIT

rm -rf "$RUN"
mkdir -p "$RUN/tmp" "$RUN/html/mybucket/$ID"
for d in off cache nocache new full probe; do
    mkdir -p "$RUN/html/$d"
    printf 'ok' > "$RUN/html/$d/f"
done
printf 'ok' > "$RUN/html/mybucket/$ID/f"

P0=$PORT; P1=$((PORT + 1)); P2=$((PORT + 2)); P3=$((PORT + 3))

cat > "$RUN/nginx.conf" <<CONF
# written by bench/run.sh
worker_processes 1;
daemon on;
master_process on;
pid $RUN/nginx.pid;
error_log $RUN/error.log error;
load_module $MODULE;

events {
    worker_connections 1024;
}

http {
    access_log off;
    default_type application/octet-stream;
    keepalive_requests 1000000;
    client_body_temp_path $RUN/tmp/body;
    proxy_temp_path $RUN/tmp/proxy;
    fastcgi_temp_path $RUN/tmp/fastcgi;
    uwsgi_temp_path $RUN/tmp/uwsgi;
    scgi_temp_path $RUN/tmp/scgi;

    cognito_identity_key_file $ROOT/t/keys/jwks-k1.json;

    # module off, repeated token with and without the cache, new tokens
    server {
        listen 127.0.0.1:$P0;
        root $RUN/html;
        cognito_identity_pool eu-west-1:b45b9729-c269-4ef2-86f1-0df3e40fe92d;

        location /off/ { }

        location /cache/ {
            cognito_identity "bench";
            cognito_identity_token_cache zone=hot:16m;
        }

        location /nocache/ {
            cognito_identity "bench";
        }

        location /new/ {
            cognito_identity "bench";
            cognito_identity_token_cache zone=ids:256m;
        }

        location /full/ {
            cognito_identity "bench";
            cognito_identity_token_cache zone=full:16m;
        }

        location /probe/ {
            cognito_identity "bench";
            cognito_identity_token_cache zone=ids;
            add_header X-Token-Cache \$cognito_identity_token_cache always;
        }
    }

    # AWS's per-user S3 policy
    server {
        listen 127.0.0.1:$P1;
        root $RUN/html;
        merge_slashes off;
        cognito_identity_pool eu-west-1:b45b9729-c269-4ef2-86f1-0df3e40fe92d;

        location /mybucket/ {
            cognito_identity "s3";
            cognito_identity_token_cache zone=hot;
            cognito_identity_role authenticated $ROLE;
            cognito_identity_policy $ROLE $ROOT/t/policies/s3-per-user.json;
            cognito_identity_authorize s3;
        }
    }

    # a policy of 100 statements
    server {
        listen 127.0.0.1:$P2;
        root $RUN/html;
        merge_slashes off;
        cognito_identity_pool eu-west-1:b45b9729-c269-4ef2-86f1-0df3e40fe92d;

        location /mybucket/ {
            cognito_identity "s3";
            cognito_identity_token_cache zone=hot;
            cognito_identity_role authenticated $ROLE;
            cognito_identity_policy $ROLE $WORK/policy-100.json;
            cognito_identity_authorize s3;
        }
    }

    # $NPOOLS pools, each with its role attachment, and the per-user policy
    server {
        listen 127.0.0.1:$P3;
        root $RUN/html;
        merge_slashes off;
        include $WORK/pools.conf;

        location /mybucket/ {
            cognito_identity "s3";
            cognito_identity_token_cache zone=hot;
            cognito_identity_policy $ROLE $ROOT/t/policies/s3-per-user.json;
            cognito_identity_authorize s3;
        }
    }
}
CONF

user=""
[ "$(id -u)" = 0 ] && user="user root;"

log "starting nginx (worker_processes 1, taskset -c $SERVER_CPU)"
"$NGINX" -p "$RUN/" -c "$RUN/nginx.conf" -g "$user" -t -q \
    || die "nginx -t failed (see above)"
taskset -c "$SERVER_CPU" "$NGINX" -p "$RUN/" -c "$RUN/nginx.conf" -g "$user"

for _ in $(seq 50); do
    MASTER=$(cat "$RUN/nginx.pid" 2>/dev/null || true)
    [ -n "$MASTER" ] && break
    sleep 0.1
done
alive "$MASTER" || die "nginx did not start: $(tail -5 "$RUN/error.log")"

worker_pid() {
    local w
    for _ in $(seq 50); do
        w=$(ps --ppid "$MASTER" -o pid= | head -1 | tr -d ' ')
        [ -n "$w" ] && { echo "$w"; return; }
        sleep 0.1
    done
    die "no nginx worker"
}
WORKER=$(worker_pid)

worker_ticks() { awk '{print $14 + $15}' "/proc/$WORKER/stat"; }
rss_kb() { awk -v k="$1:" '$1 == k {print $2}' "/proc/$WORKER/status"; }
cpu_sample() {   # busy and total jiffies of the server's and the client's CPU
    awk -v a="cpu$SERVER_CPU" -v b="cpu$CLIENT_CPU" '
        $1 == a || $1 == b { busy = $2 + $3 + $4 + $7 + $8 + $9;
                             v[$1] = busy " " (busy + $5 + $6) }
        END { print v[a], v[b] }' /proc/stat
}
HZ=$(getconf CLK_TCK)

status_of() {   # URL TOKENFILE [HEADER]
    local auth=()
    [ -n "$2" ] && auth=(-H "Authorization: Bearer $(head -1 "$2")")
    curl -s -o /dev/null -w '%{http_code}' "${auth[@]}" "$1"
}

RAW="$WORK/raw.tsv"
printf 'scenario\trequests\tduration_us\trps\tp50_us\tp90_us\tp99_us\tmax_us\tnon2xx\tsocket_errors\tworker_cpu_us_per_req\tworker_cpu_pct\tserver_cpu_busy_pct\twrk_cpu_pct\tclient_cpu_busy_pct\texpect\n' > "$RAW"

# scenario NAME URL TOKENFILE MODE EXPECTED_STATUS [DURATION]
scenario() {
    local name=$1 url=$2 tokens=$3 mode=$4 expect=$5 dur=${6:-$DURATION}
    local got out t0 t1 c0 c1 line wrk_cpu

    got=$(status_of "$url" "$tokens")
    [ "$got" = "$expect" ] \
        || die "$name: $url answers $got, expected $expect ($(tail -3 "$RUN/error.log"))"

    out="$LOGS/$name.tsv"
    rm -f "$out"
    log "$name: wrk -t1 -c$CONNS -d${dur}s $url ($mode)"
    t0=$(worker_ticks)
    c0=$(cpu_sample)
    BENCH_TOKENS="$tokens" BENCH_MODE="$mode" BENCH_OUT="$out" \
        bash -c 'taskset -c "$1" wrk -t1 -c"$2" -d"$3" --latency -s "$4" "$5" \
                     > "$6" 2>&1; rc=$?; times > "$6.times"; exit $rc' _ \
            "$CLIENT_CPU" "$CONNS" "${dur}s" "$BENCH/wrk/bench.lua" "$url" \
            "$LOGS/$name.txt" \
        || die "$name: wrk failed: $(tail -5 "$LOGS/$name.txt")"
    t1=$(worker_ticks)
    c1=$(cpu_sample)
    [ -s "$out" ] || die "$name: no wrk summary ($LOGS/$name.txt)"
    line=$(tail -1 "$out")
    # wrk's own CPU: the children line of times, "0m1.234s 0m0.567s"
    wrk_cpu=$(tail -1 "$LOGS/$name.txt.times" | awk '{
        split($1, u, /[ms]/); split($2, s, /[ms]/);
        printf "%.3f", u[1] * 60 + u[2] + s[1] * 60 + s[2] }')
    awk -F'\t' -v OFS='\t' -v n="$name" -v tk=$((t1 - t0)) -v hz="$HZ" \
        -v c0="$c0" -v c1="$c1" -v w="$wrk_cpu" -v e="$expect" '{
            dur = $2 / 1e6; wcpu = tk / hz;
            split(c0, a, " "); split(c1, b, " ");
            print n, $1, $2, $3, $4, $5, $6, $7, $8, $9,
                sprintf("%.2f", $1 ? wcpu * 1e6 / $1 : 0),
                sprintf("%.0f", 100 * wcpu / dur),
                sprintf("%.0f", 100 * (b[1] - a[1]) / (b[2] - a[2])),
                sprintf("%.0f", 100 * w / dur),
                sprintf("%.0f", 100 * (b[3] - a[3]) / (b[4] - a[4])), e
        }' <<< "$line" >> "$RAW"
    tail -1 "$RAW" | awk -F'\t' '{printf "   %s req/s, p50 %s us, p99 %s us, non-2xx %s, worker %s us CPU/req\n", $4, $5, $7, $9, $11}' >&2
}

U0="http://127.0.0.1:$P0"
S3PATH="/mybucket/$ID/f"

log "warm-up"
BENCH_MODE=fixed BENCH_TOKENS="$WORK/token.txt" BENCH_OUT=/dev/null \
    taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNS" -d2s \
    -s "$BENCH/wrk/bench.lua" "$U0/off/f" > /dev/null

RSS_START=$(rss_kb RssAnon)

# The module-off baseline is measured between every two scenarios (5 s
# each): each scenario is compared with the baselines just before and just
# after it, so that drift from other work on the machine mostly cancels.
NB=0
baseline() {
    NB=$((NB + 1))
    scenario "baseline_$NB" "$U0/off/f" "$WORK/token.txt" fixed 200 \
        "$BASE_DURATION"
}

# V (the bare verify of bench/micro) again on CPU 0 while the server is idle,
# just before and after each scenario judged against V + 3 us: the machine's
# speed drifts (report.py judges such a scenario by its two neighbours)
VS="$WORK/vsamples.tsv"
printf 'before_row\tns\n' > "$VS"
vsample() {
    taskset -c "$SERVER_CPU" "$MICRO" --root "$ROOT" --seconds 0.1 \
        --only =openssl_rs512_verify --tsv "$WORK/v-one.tsv" > /dev/null 2>&1 \
        || die "bench/micro failed (V sample)"
    printf '%s\t%s\n' "$(( $(wc -l < "$RAW") - 1 ))" \
        "$(awk -F'\t' '$1 == "openssl_rs512_verify" {print $2}' "$WORK/v-one.tsv")" \
        >> "$VS"
}

rps_of() { awk -F'\t' -v n="$1" '$1 == n {print $4}' "$RAW"; }
cpu_of() { awk -F'\t' -v n="$1" '$1 == n {print $11}' "$RAW"; }
# the lowest CPU per request over a scenario's rounds: the fastest the
# machine has been, so that a -d sized from it ends before tokens run out
cpu_min_of() {
    awk -F'\t' -v n="$1" '$1 == n || index($1, n "@") == 1 {print $11}' "$RAW" \
        | sort -g | head -1
}
requests_of() { awk -F'\t' -v n="$1" '$1 == n {print $2}' "$RAW"; }

# The repeated-token scenarios in ROUNDS rounds (the first round's names
# plain, later ones NAME@2, NAME@3, ...): this machine's speed moves within
# seconds, and report.py judges each scenario by the median of its rounds.
round_suffix() { [ "$1" = 1 ] || echo "@$1"; }

for round in $(seq "$ROUNDS"); do
    R=$(round_suffix "$round")
    baseline
    scenario "cache$R"         "$U0/cache/f"    "$WORK/token.txt"       fixed 200
    vsample
    scenario "nocache$R"       "$U0/nocache/f"  "$WORK/token.txt"       fixed 200
    vsample
    baseline
    vsample
    scenario "bad_signature$R" "$U0/cache/f"    "$WORK/bad-sig.txt"     fixed 401
    vsample
    scenario "malformed$R"     "$U0/cache/f"    "$WORK/malformed.txt"   fixed 401
    baseline
    scenario "unknown_kid$R"   "$U0/cache/f"    "$WORK/unknown-kid.txt" fixed 401
    scenario "s3_per_user$R"   "http://127.0.0.1:$P1$S3PATH" "$WORK/token.txt" fixed 200
    baseline
    scenario "policy_100$R"    "http://127.0.0.1:$P2$S3PATH" "$WORK/token.txt" fixed 200
    scenario "pools_1000$R"    "http://127.0.0.1:$P3$S3PATH" "$WORK/token.txt" fixed 200
done
baseline

# A different token on every request: the distinct tokens in order, none
# twice (the zone is fresh; only the first, which the status check sends,
# is a hit).  wrk runs for its whole -d, so -d is sized to end before the
# tokens do even if the worker were busy with nothing else: from the worker
# CPU time per request of the cache-off case (its fastest round).
dur=$(awk -v n="$NTOKENS" -v c="$(cpu_min_of nocache)" -v d="$DURATION" \
      'BEGIN { t = int(0.6 * n * c / 1e6); print (t < d ? (t < 1 ? 1 : t) : d) }')
vsample
scenario new_token       "$U0/new/f"      "$WORK/tokens.txt"      cycle 200 "$dur"
vsample
used=$(requests_of new_token)

# The same in a zone that is already full (16m, about 8,000 entries), as a
# busy gateway's is: every token a miss, an insertion and an eviction, and
# no page of the zone touched for the first time (a fresh zone's first fill
# pays the kernel's page faults, about one per two insertions).  Filled
# first with the last tokens, then measured with the first ones.
log "filling the 16m zone with other tokens (not measured)"
BENCH_MODE=cycle BENCH_TOKENS="$WORK/tokens.txt" \
BENCH_START=$((NTOKENS * 6 / 10)) BENCH_OUT=/dev/null \
    taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNS" -d3s \
    -s "$BENCH/wrk/bench.lua" "$U0/full/f" > /dev/null
dur=$(awk -v n="$NTOKENS" -v c="$(cpu_min_of nocache)" -v d="$DURATION" \
      'BEGIN { t = int(0.5 * n * c / 1e6); print (t < d ? (t < 1 ? 1 : t) : d) }')
vsample
scenario new_token_full  "$U0/full/f"     "$WORK/tokens.txt"      cycle 200 "$dur"
vsample

[ "$used" -le "$NTOKENS" ] \
    || log "warning: new_token sent $used requests for $NTOKENS tokens: some were cache hits"

# The rest of the tokens into the cache (not measured), then all of them
# round and round: 100,000 identities in the cache, every request a hit.
# fill_cache URL SCENARIO: the tokens SCENARIO did not send, at its rate
fill_cache() {
    local used fill
    used=$(requests_of "$2")
    [ "$used" -lt "$NTOKENS" ] || return 0
    fill=$(awk -v n="$((NTOKENS - used))" -v r="$(rps_of "$2")" \
           'BEGIN { print int(1.5 * n / r) + 2 }')
    log "filling the cache of $1 with the other $((NTOKENS - used)) tokens (${fill}s)"
    BENCH_MODE=cycle BENCH_TOKENS="$WORK/tokens.txt" BENCH_START=$((used + 1)) \
    BENCH_OUT=/dev/null taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNS" \
        -d"${fill}s" -s "$BENCH/wrk/bench.lua" "$1" > /dev/null
}
fill_cache "$U0/new/f" new_token
hits=0
for n in 1 $((NTOKENS / 2)) "$NTOKENS"; do
    h=$(curl -s -o /dev/null -D - \
        -H "Authorization: Bearer $(sed -n "${n}p" "$WORK/tokens.txt")" \
        "$U0/probe/f" | tr -d '\r' \
        | awk -F': ' 'tolower($1) == "x-token-cache" {print $2}')
    [ "$h" = hit ] && hits=$((hits + 1))
done
[ "$hits" = 3 ] \
    || log "warning: not all distinct tokens are in the cache ($hits of 3 probes hit)"
echo "identity_probes_hit	$hits of 3" >> "$WORK/machine.tsv"
for round in $(seq "$ROUNDS"); do
    scenario "identities_100k$(round_suffix "$round")" "$U0/new/f" \
        "$WORK/tokens.txt" cycle 200
    baseline
done

# Worker private memory across a long run of the repeated token: -d sized
# for BENCH_LONG requests at the cache rate measured above (at most 120 s).
dur=$(awk -v n="$LONG" -v r="$(rps_of cache)" \
      'BEGIN { t = int(1.1 * n / r) + 1; print (t > 120 ? 120 : t) }')
RSS_BEFORE=$(rss_kb RssAnon)
SHM_BEFORE=$(rss_kb RssShmem)
scenario long_run        "$U0/cache/f"    "$WORK/token.txt"       fixed 200 "$dur"
RSS_AFTER=$(rss_kb RssAnon)
SHM_AFTER=$(rss_kb RssShmem)

baseline

RSS_END=$(rss_kb RssAnon)
{
    echo "rss_anon_start_kb	$RSS_START"
    echo "rss_anon_before_kb	$RSS_BEFORE"
    echo "rss_anon_after_kb	$RSS_AFTER"
    echo "rss_anon_end_kb	$RSS_END"
    echo "rss_shmem_before_kb	$SHM_BEFORE"
    echo "rss_shmem_after_kb	$SHM_AFTER"
    echo "long_requests	$(awk -F'\t' '$1 == "long_run" {print $2}' "$RAW")"
    echo "load_end	$(cut -d' ' -f1-3 /proc/loadavg)"
    echo "alerts	$(grep -c -E '\[(alert|emerg|crit)\]' "$RUN/error.log" || true)"
} >> "$WORK/machine.tsv"

stop_nginx
trap - EXIT

# ---------------------------------------------------------------------------
# Apache httpd: the same file, Debian's apache2 with mpm_event (one child
# process, its threads on CPU 0), the module built by `make apache`; the
# baseline is the same Apache with the module off for that location.  The
# token cache is used when the module knows CognitoIdentityTokenCache
# (probed with apache2 -t), else the cached cases are skipped.

APACHE="${BENCH_APACHE_BIN:-/usr/sbin/apache2}"
AMODULE="$ROOT/build/mod_cognito_identity.so"
AMODS=/usr/lib/apache2/modules
ARUN="$WORK/run-apache"
PA=$((PORT + 4)); PA2=$((PORT + 5)); PA3=$((PORT + 6))
APACHE_NOTE=""

apache_conf() {   # CACHE_LINE [SERVER_LINE]
    cat <<CONF
# written by bench/run.sh
ServerRoot "$ARUN"
DefaultRuntimeDir "$ARUN/run"
PidFile "$ARUN/apache2.pid"
ErrorLog "$ARUN/error.log"
LogLevel error
ServerName localhost
Listen 127.0.0.1:$PA
Listen 127.0.0.1:$PA2
Listen 127.0.0.1:$PA3
LoadModule mpm_event_module $AMODS/mod_mpm_event.so
LoadModule authn_core_module $AMODS/mod_authn_core.so
LoadModule authz_core_module $AMODS/mod_authz_core.so
LoadModule socache_shmcb_module $AMODS/mod_socache_shmcb.so
LoadModule cognito_identity_module $AMODULE
ServerLimit 1
StartServers 1
ThreadLimit 64
ThreadsPerChild 64
MinSpareThreads 1
MaxSpareThreads 64
MaxRequestWorkers 64
MaxConnectionsPerChild 0
KeepAlive On
MaxKeepAliveRequests 0
KeepAliveTimeout 60
$( [ "$(id -u)" = 0 ] && printf 'User nobody\nGroup nogroup\n' )
DocumentRoot "$ARUN/html"
MergeSlashes Off
AllowEncodedSlashes NoDecode
<Directory />
    Require all denied
</Directory>
<Directory "$ARUN/html">
    Require all granted
</Directory>
CognitoIdentityPool eu-west-1:b45b9729-c269-4ef2-86f1-0df3e40fe92d
CognitoIdentityKeyFile $ROOT/t/keys/jwks-k1.json
CognitoIdentityRole authenticated $ROLE
CognitoIdentityPolicy $ROLE $ROOT/t/policies/s3-per-user.json
${2:-}
<Location /nocache/>
    AuthType CognitoIdentity
    AuthName "bench"
    Require cognito-authenticated
</Location>
<Location /cache/>
    AuthType CognitoIdentity
    AuthName "bench"
    ${1:-}
    Require cognito-authenticated
</Location>
<Location /mybucket/>
    AuthType CognitoIdentity
    AuthName "s3"
    ${1:-}
    CognitoIdentityAuthorize s3
    Require cognito-policy
</Location>
# a policy of 100 statements
<VirtualHost 127.0.0.1:$PA2>
    CognitoIdentityPolicy $ROLE $WORK/policy-100.json
</VirtualHost>
# $NPOOLS pools, each with its role attachment, and the per-user policy
<VirtualHost 127.0.0.1:$PA3>
    Include $WORK/apache-pools.conf
</VirtualHost>
CONF
}

# pools.conf (nginx) as Apache directives: one CognitoIdentityPool with
# continuation lines, a CognitoIdentityRoles per pool
awk '
    /^#/ { print; next }
    /^cognito_identity_pool/ { inpool = 1; printf "CognitoIdentityPool"; next }
    inpool { id = $1; sub(/;$/, "", id); printf " \\\n    %s", id;
             if ($1 ~ /;$/) { inpool = 0; printf "\n" }; next }
    /^cognito_identity_roles/ { f = $2; sub(/;$/, "", f);
                                print "CognitoIdentityRoles " f }
' "$WORK/pools.conf" > "$WORK/apache-pools.conf"

stop_apache() {
    if alive "$AMASTER"; then
        kill -TERM "$AMASTER" 2>/dev/null || true
        for _ in $(seq 100); do alive "$AMASTER" || break; sleep 0.1; done
    fi
}

AMASTER=""
if [ "${BENCH_APACHE:-1}" = 0 ]; then
    APACHE_NOTE="skipped (BENCH_APACHE=0)"
elif [ ! -x "$APACHE" ] || [ ! -f "$AMODS/mod_mpm_event.so" ]; then
    APACHE_NOTE="skipped: $APACHE or mpm_event is not installed (make deps)"
elif ! make -s -C "$ROOT" apache >&2; then
    APACHE_NOTE="skipped: make apache failed"
else
    rm -rf "$ARUN"
    mkdir -p "$ARUN/run" "$ARUN/html/mybucket/$ID"
    for d in off cache nocache; do
        mkdir -p "$ARUN/html/$d"
        printf 'ok' > "$ARUN/html/$d/f"
    done
    printf 'ok' > "$ARUN/html/mybucket/$ID/f"
    chmod -R a+rX "$ARUN"

    # the module's cache is held by mod_socache_shmcb (loaded above)
    CACHE_LINE="CognitoIdentityTokenCache On"
    apache_conf "$CACHE_LINE" "CognitoIdentityTokenCacheSize 256m" \
        > "$ARUN/apache2.conf"
    "$APACHE" -t -f "$ARUN/apache2.conf" > "$LOGS/apache-t.txt" 2>&1 \
        || apache_conf "$CACHE_LINE" "" > "$ARUN/apache2.conf"
    if "$APACHE" -t -f "$ARUN/apache2.conf" > "$LOGS/apache-t.txt" 2>&1; then
        APACHE_CACHE=1
    else
        APACHE_CACHE=0
        apache_conf "" > "$ARUN/apache2.conf"
        "$APACHE" -t -f "$ARUN/apache2.conf" > "$LOGS/apache-t.txt" 2>&1 \
            || die "apache2 -t failed: $(tail -5 "$LOGS/apache-t.txt")"
    fi
    echo "apache	$("$APACHE" -v | awk -F': ' '/version/ {print $2}') (mpm_event)" >> "$WORK/machine.tsv"
    echo "apache_cache	$APACHE_CACHE" >> "$WORK/machine.tsv"

    log "starting apache2 (mpm_event, one child, taskset -c $SERVER_CPU; token cache: $APACHE_CACHE)"
    taskset -c "$SERVER_CPU" "$APACHE" -f "$ARUN/apache2.conf" -k start
    for _ in $(seq 100); do
        AMASTER=$(cat "$ARUN/apache2.pid" 2>/dev/null || true)
        [ -n "$AMASTER" ] && alive "$AMASTER" \
            && [ -n "$(ps --ppid "$AMASTER" -o pid= | head -1)" ] && break
        sleep 0.1
    done
    alive "$AMASTER" || die "apache2 did not start: $(tail -5 "$ARUN/error.log")"
    trap stop_apache EXIT
    MASTER=$AMASTER
    WORKER=$(worker_pid)
    RUN=$ARUN

    UA="http://127.0.0.1:$PA"; UA2="http://127.0.0.1:$PA2"; UA3="http://127.0.0.1:$PA3"
    BENCH_MODE=fixed BENCH_TOKENS="$WORK/token.txt" BENCH_OUT=/dev/null \
        taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNS" -d5s \
        -s "$BENCH/wrk/bench.lua" "$UA/off/f" > /dev/null
    NB=0
    abaseline() {
        NB=$((NB + 1))
        scenario "apache_baseline_$NB" "$UA/off/f" "$WORK/token.txt" fixed 200 \
            "$BASE_DURATION"
    }
    for round in $(seq "$ROUNDS"); do
        R=$(round_suffix "$round")
        abaseline
        vsample
        scenario "apache_nocache$R" "$UA/nocache/f" "$WORK/token.txt" fixed 200
        vsample
        if [ "$APACHE_CACHE" = 1 ]; then
            scenario "apache_cache$R" "$UA/cache/f" "$WORK/token.txt" fixed 200
        fi
        abaseline
        scenario "apache_bad_signature$R" "$UA/nocache/f" "$WORK/bad-sig.txt" fixed 401
        scenario "apache_malformed$R" "$UA/nocache/f" "$WORK/malformed.txt" fixed 401
        abaseline
        scenario "apache_unknown_kid$R" "$UA/nocache/f" "$WORK/unknown-kid.txt" fixed 401
        scenario "apache_s3_per_user$R" "$UA$S3PATH" "$WORK/token.txt" fixed 200
        abaseline
        scenario "apache_policy_100$R" "$UA2$S3PATH" "$WORK/token.txt" fixed 200
        scenario "apache_pools_1000$R" "$UA3$S3PATH" "$WORK/token.txt" fixed 200
    done
    abaseline

    if [ "$APACHE_CACHE" = 1 ]; then
        # new tokens, then all of them in the cache, as for nginx (the
        # module's cache is one for the server: the same tokens are new here)
        dur=$(awk -v n="$NTOKENS" -v c="$(cpu_min_of apache_nocache)" -v d="$DURATION" \
              'BEGIN { t = int(0.6 * n * c / 1e6); print (t < d ? (t < 1 ? 1 : t) : d) }')
        vsample
        scenario apache_new_token "$UA/cache/f" "$WORK/tokens.txt" cycle 200 "$dur"
        vsample
        fill_cache "$UA/cache/f" apache_new_token
        for round in $(seq "$ROUNDS"); do
            scenario "apache_identities_100k$(round_suffix "$round")" \
                "$UA/cache/f" "$WORK/tokens.txt" cycle 200
            abaseline
        done
    fi
    echo "apache_alerts	$(grep -c -E '\[[a-z_]*:(alert|emerg|crit)\]' "$ARUN/error.log" || true)" >> "$WORK/machine.tsv"
    stop_apache
    trap - EXIT
fi
[ -n "$APACHE_NOTE" ] && { log "Apache $APACHE_NOTE"; echo "apache_note	$APACHE_NOTE" >> "$WORK/machine.tsv"; }

# V once more, now that CPU 0 is free of nginx again
taskset -c "$SERVER_CPU" "$MICRO" --root "$ROOT" \
    --policy100 "$WORK/policy-100.json" --seconds "$MICRO_SECONDS" \
    --only openssl_rs512_verify --tsv "$WORK/v-after.tsv" > /dev/null 2>&1
echo "v_after_ns	$(awk -F'\t' '$1 == "openssl_rs512_verify" {print $2}' "$WORK/v-after.tsv")" \
    >> "$WORK/machine.tsv"

echo "elapsed_s	$(( $(date +%s) - START ))" >> "$WORK/machine.tsv"

log "report"
$PY "$BENCH/report.py" --raw "$RAW" --machine "$WORK/machine.tsv" \
    --micro "$RESULTS/micro.tsv" --micro-md "$RESULTS/micro.md" \
    --vsamples "$VS" --out "$RESULTS"

log "done in $(( $(date +%s) - START )) s: $RESULTS/results.md"
