#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# bench/callgrind-apache.sh: instructions per request on Apache, without noise.
#
#   bench/callgrind-apache.sh [N] [SCENARIO...]
#       after bench/run.sh minted bench/work/, or BENCH_WORK=DIR after bench/gen.py DIR
#
# The Apache twin of bench/callgrind.sh.  With scenario names (from the list
# at the end), only those run, after the baseline.  CALLGRIND_KEEP=DIR keeps
# each scenario's callgrind output there (DIR/NAME.out, and DIR/NAME.20.out
# the 20-request run to subtract), for callgrind_annotate --inclusive=yes.
#
# Runs Debian's apache2 with the module (`make apache`) as one process
# (apache2 -X, mpm_event) under valgrind --tool=callgrind, sends N (200)
# keep-alive requests of each scenario, and again 20, and prints
# (runs(N+20) - runs(20)) / N: the user-space instructions of one request,
# start-up excluded, summed over the process's threads.  Exact and repeatable
# on a busy machine, unlike wrk; the kernel's share is not counted.  The
# configuration is bench/run.sh's (apache_conf): /off/ without the module,
# /cache/ with CognitoIdentityTokenCache On (mod_socache_shmcb), /nocache/
# verifying the token's signature on every request.  The same caveat as
# bench/callgrind.sh: valgrind's CPU has no SHA extensions, so the token
# cache's SHA-256 runs OpenSSL's generic code here.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK="${BENCH_WORK:-$ROOT/bench/work}"
N="${1:-200}"
shift || true
ONLY=" $* "
KEEP="${CALLGRIND_KEEP:-}"
MODULE="${BENCH_APACHE_MODULE:-$ROOT/build/mod_cognito_identity.so}"
APACHE="${BENCH_APACHE_BIN:-/usr/sbin/apache2}"
AMODS=/usr/lib/apache2/modules
PORT="${BENCH_PORT:-18690}"
ID="eu-west-1:6a0e1b6f-1c2d-4e5f-8a9b-0c1d2e3f4a5b"
ROLE="arn:aws:iam::123456789012:role/BenchUser"
RUN=$(mktemp -d)
[ -n "${CALLGRIND_DEBUG:-}" ] || trap 'rm -rf "$RUN"' EXIT

[ -f "$WORK/token.txt" ] || {
    echo "bench/callgrind-apache.sh: run bench/run.sh first (bench/work/), or set BENCH_WORK" >&2; exit 1; }
command -v valgrind > /dev/null || { echo "valgrind is not installed" >&2; exit 1; }
[ -f "$MODULE" ] || { echo "$MODULE: run make apache first" >&2; exit 1; }

mkdir -p "$RUN/run" "$RUN/html/mybucket/$ID"
for d in off cache nocache; do mkdir -p "$RUN/html/$d"; printf ok > "$RUN/html/$d/f"; done
printf ok > "$RUN/html/mybucket/$ID/f"
chmod -R a+rX "$RUN"
# as root, the whole of valgrind runs as nobody: apache2 -X would switch to
# its User itself, and callgrind could no longer write its output
AS=()
[ "$(id -u)" = 0 ] && AS=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
chmod 1777 "$RUN" "$RUN/run"
mkdir -m 1777 "$RUN/cg"

cat > "$RUN/apache2.conf" <<CONF
ServerRoot "$RUN"
DefaultRuntimeDir "$RUN/run"
PidFile "$RUN/apache2.pid"
ErrorLog "$RUN/error.log"
LogLevel error
ServerName localhost
Listen 127.0.0.1:$PORT
LoadModule mpm_event_module $AMODS/mod_mpm_event.so
LoadModule authn_core_module $AMODS/mod_authn_core.so
LoadModule authz_core_module $AMODS/mod_authz_core.so
LoadModule socache_shmcb_module $AMODS/mod_socache_shmcb.so
LoadModule cognito_identity_module $MODULE
ServerLimit 1
ThreadLimit 4
ThreadsPerChild 4
MaxRequestWorkers 4
KeepAlive On
MaxKeepAliveRequests 0
KeepAliveTimeout 60
DocumentRoot "$RUN/html"
MergeSlashes Off
AllowEncodedSlashes NoDecode
<Directory />
    Require all denied
</Directory>
<Directory "$RUN/html">
    Require all granted
</Directory>
CognitoIdentityPool eu-west-1:b45b9729-c269-4ef2-86f1-0df3e40fe92d
CognitoIdentityKeyFile $ROOT/t/keys/jwks-k1.json
CognitoIdentityRole authenticated $ROLE
CognitoIdentityPolicy $ROLE $ROOT/t/policies/s3-per-user.json
CognitoIdentityTokenCacheSize 16m
<Location /nocache/>
    AuthType CognitoIdentity
    AuthName "bench"
    CognitoIdentityTokenCache Off
    Require cognito-authenticated
</Location>
<Location /cache/>
    AuthType CognitoIdentity
    AuthName "bench"
    CognitoIdentityTokenCache On
    Require cognito-authenticated
</Location>
<Location /mybucket/>
    AuthType CognitoIdentity
    AuthName "s3"
    CognitoIdentityTokenCache On
    CognitoIdentityAuthorize s3
    Require cognito-policy
</Location>
CONF
"${AS[@]}" "$APACHE" -t -f "$RUN/apache2.conf" > "$RUN/t.log" 2>&1 || {
    echo "apache2 -t failed:" >&2; cat "$RUN/t.log" >&2; exit 1; }

# one keep-alive connection, COUNT requests, each response read whole
client() {   # PORT PATH TOKENFILE COUNT
    python3 "$ROOT/bench/keepalive.py" "$@"
}

instructions() {   # PATH TOKENFILE COUNT -> Ir of the whole process
    local out="$RUN/cg/cg.out" vp
    rm -f "$RUN"/cg/cg.out* "$RUN/apache2.pid"
    "${AS[@]}" valgrind --tool=callgrind --callgrind-out-file="$out" \
        "$APACHE" -X -f "$RUN/apache2.conf" > "$RUN/valgrind.log" 2>&1 &
    vp=$!
    for _ in $(seq 150); do
        (echo > "/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
        sleep 0.2
    done
    client "$PORT" "$@"
    kill -TERM "$vp"
    wait "$vp" || true
    [ -n "$KEEP" ] && mkdir -p "$KEEP" && cp "$out" "$KEEP/$CURRENT$SUFFIX.out"
    callgrind_annotate "$out" 2>/dev/null \
        | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}'
}

S3="/mybucket/$ID/f"
echo "bench/callgrind-apache.sh, $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo -)"
echo "user-space instructions per request (apache2 -X, valgrind --tool=callgrind, N=$N)"
base=""
while read -r name path tokens; do
    [ "$ONLY" = "  " ] || [ -z "$base" ] || [[ "$ONLY" == *" $name "* ]] || continue
    CURRENT=$name
    SUFFIX=.20 a=$(instructions "$path" "$WORK/$tokens" 20)
    SUFFIX= b=$(instructions "$path" "$WORK/$tokens" $((N + 20)))
    [ -n "$a" ] && [ -n "$b" ] || {
        echo "$name: no callgrind totals; see $RUN/valgrind.log (CALLGRIND_DEBUG=1 keeps it)" >&2
        exit 1; }
    per=$(( (b - a) / N ))
    [ -z "$base" ] && base=$per
    printf '%-34s %8d  %+8d over the baseline\n' "$name" "$per" $((per - base))
done <<LIST
apache_module_off_baseline /off/f token.txt
apache_repeated_token_cache_on /cache/f token.txt
apache_repeated_token_cache_off /nocache/f token.txt
apache_bad_signature_cache_on /cache/f bad-sig.txt
apache_s3_per_user_cache_on $S3 token.txt
LIST
