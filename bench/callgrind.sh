#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# bench/callgrind.sh: instructions per request, end to end, without noise.
#
#   bench/callgrind.sh [N] [SCENARIO...]   (after bench/run.sh minted bench/work/)
#
# A scenario whose token file has several lines sends them in turn: in
# new_token_cache_on every counted request is a miss and an insertion; in
# new_token_full_zone (a 64k zone, full after a few) also an eviction.
# With scenario names (from the list at the end), only those run, after the
# baseline.  CALLGRIND_KEEP=DIR keeps each scenario's callgrind output there
# (DIR/NAME.out), for callgrind_annotate --inclusive=yes.
#
# Runs Debian's nginx with the module as one process (master_process off)
# under valgrind --tool=callgrind, sends N (200) keep-alive requests of each
# scenario, and again 20, and prints (runs(N+20) - runs(20)) / N: the
# user-space instructions of one request, start-up excluded.  Exact and
# repeatable on a busy machine, unlike wrk; the kernel's share (the
# syscalls, about two thirds of a bare request) is not counted.  One caveat:
# valgrind's CPU has no SHA extensions, so OpenSSL's SHA-256 (the token
# cache's key) runs its generic code here, about 25,000 instructions for a
# 900-byte token where SHA-NI hardware spends about 0.5 us.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK="${BENCH_WORK:-$ROOT/bench/work}"
N="${1:-200}"
shift || true
ONLY=" $* "
KEEP="${CALLGRIND_KEEP:-}"
MODULE="${BENCH_MODULE:-$ROOT/build/ngx_http_cognito_identity_module.so}"
NGINX="${BENCH_NGINX:-/usr/sbin/nginx}"
PORT="${BENCH_PORT:-18590}"
ID="eu-west-1:6a0e1b6f-1c2d-4e5f-8a9b-0c1d2e3f4a5b"
ROLE="arn:aws:iam::123456789012:role/BenchUser"
RUN=$(mktemp -d)
trap 'rm -rf "$RUN"' EXIT

[ -f "$WORK/token.txt" ] && [ -f "$WORK/policy-100.json" ] \
    && [ -f "$WORK/pools.conf" ] || {
    echo "bench/callgrind.sh: run bench/run.sh first (bench/work/)" >&2; exit 1; }
command -v valgrind > /dev/null || { echo "valgrind is not installed" >&2; exit 1; }

mkdir -p "$RUN/tmp" "$RUN/html/mybucket/$ID"
for d in off cache nocache new full; do mkdir -p "$RUN/html/$d"; printf ok > "$RUN/html/$d/f"; done
printf ok > "$RUN/html/mybucket/$ID/f"
user=""
[ "$(id -u)" = 0 ] && user="user root;"

cat > "$RUN/nginx.conf" <<CONF
$user
worker_processes 1;
daemon off;
master_process off;
pid $RUN/nginx.pid;
error_log $RUN/error.log error;
load_module $MODULE;
events { worker_connections 64; }
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
    cognito_identity_pool eu-west-1:b45b9729-c269-4ef2-86f1-0df3e40fe92d;
    server {
        listen 127.0.0.1:$PORT;
        root $RUN/html;
        location /off/ { }
        location /cache/ {
            cognito_identity "bench";
            cognito_identity_token_cache zone=hot:16m;
        }
        location /nocache/ { cognito_identity "bench"; }
        location /new/ {
            cognito_identity "bench";
            cognito_identity_token_cache zone=ids:64m;
        }
        location /full/ {
            cognito_identity "bench";
            cognito_identity_token_cache zone=full:64k;
        }
    }
    server {
        listen 127.0.0.1:$((PORT + 1));
        root $RUN/html;
        merge_slashes off;
        location /mybucket/ {
            cognito_identity "s3";
            cognito_identity_token_cache zone=hot;
            cognito_identity_role authenticated $ROLE;
            cognito_identity_policy $ROLE $ROOT/t/policies/s3-per-user.json;
            cognito_identity_authorize s3;
        }
    }
    server {
        listen 127.0.0.1:$((PORT + 2));
        root $RUN/html;
        merge_slashes off;
        location /mybucket/ {
            cognito_identity "s3";
            cognito_identity_token_cache zone=hot;
            cognito_identity_role authenticated $ROLE;
            cognito_identity_policy $ROLE $WORK/policy-100.json;
            cognito_identity_authorize s3;
        }
    }
    server {
        listen 127.0.0.1:$((PORT + 3));
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

# one keep-alive connection, COUNT requests, each response read whole
client() {   # PORT PATH TOKENFILE COUNT
    python3 "$ROOT/bench/keepalive.py" "$@"
}

instructions() {   # PORT PATH TOKENFILE COUNT -> Ir of the whole process
    local out="$RUN/cg.out" vp
    rm -f "$out"
    valgrind --tool=callgrind --callgrind-out-file="$out" \
        "$NGINX" -p "$RUN/" -c "$RUN/nginx.conf" > "$RUN/valgrind.log" 2>&1 &
    vp=$!
    for _ in $(seq 150); do
        (echo > "/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
        sleep 0.2
    done
    client "$@"
    kill -QUIT "$vp"
    wait "$vp" || true
    [ -n "$KEEP" ] && mkdir -p "$KEEP" && cp "$out" "$KEEP/$CURRENT.out"
    callgrind_annotate "$out" 2>/dev/null \
        | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}'
}

S3="/mybucket/$ID/f"
echo "bench/callgrind.sh, $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo -)"
echo "user-space instructions per request (valgrind --tool=callgrind, N=$N)"
base=""
while read -r name off path tokens; do
    [ "$ONLY" = "  " ] || [ -z "$base" ] || [[ "$ONLY" == *" $name "* ]] || continue
    CURRENT=$name
    a=$(instructions $((PORT + off)) "$path" "$WORK/$tokens" 20)
    b=$(instructions $((PORT + off)) "$path" "$WORK/$tokens" $((N + 20)))
    per=$(( (b - a) / N ))
    [ -z "$base" ] && base=$per
    printf '%-34s %8d  %+8d over the baseline\n' "$name" "$per" $((per - base))
done <<LIST
module_off_baseline 0 /off/f token.txt
repeated_token_cache_on 0 /cache/f token.txt
repeated_token_cache_off 0 /nocache/f token.txt
bad_signature_cache_on 0 /cache/f bad-sig.txt
malformed_cache_on 0 /cache/f malformed.txt
unknown_kid_cache_on 0 /cache/f unknown-kid.txt
s3_per_user_cache_on 1 $S3 token.txt
policy_100_cache_on 2 $S3 token.txt
pools_1000_cache_on 3 $S3 token.txt
new_token_cache_on 0 /new/f tokens.txt
new_token_full_zone 0 /full/f tokens.txt
LIST
