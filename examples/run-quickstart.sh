#!/usr/bin/env bash
# Starts (or stops) nginx on examples/quickstart/nginx.conf with the module
# built in build/.  Usage: run-quickstart.sh start|stop [PORT] [APP_PORT]
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
run="${CIG_RUN:-$root/build/run}"
module="${CIG_MODULE:-$root/build/ngx_http_cognito_identity_module.so}"
port="${2:-8080}"
app_port="${3:-8081}"
nginx="${CIG_NGINX:-/usr/sbin/nginx}"

# running, and not a zombie waiting to be reaped
alive() {
    [ -n "$1" ] && [ -e "/proc/$1/stat" ] && ! grep -q ') Z ' "/proc/$1/stat"
}

stop() {
    local pid
    pid=$(cat "$run/nginx.pid" 2>/dev/null || true)
    if alive "$pid"; then
        kill -QUIT "$pid"
        for _ in $(seq 50); do
            alive "$pid" || break
            sleep 0.1
        done
        echo "stopped nginx"
    fi
}

case "${1:-start}" in
stop)
    stop
    exit 0
    ;;
start)
    ;;
*)
    echo "usage: $0 start|stop [PORT] [APP_PORT]" >&2
    exit 2
    ;;
esac

[ -f "$module" ] || { echo "module not built: $module (run make)" >&2; exit 1; }
module=$(realpath "$module")

stop
mkdir -p "$run/storage/files"
sed -e "s|@ROOT@|$root|g" -e "s|@RUN@|$run|g" -e "s|@MODULE@|$module|g" \
    -e "s|@APP_PORT@|$app_port|g" -e "s|@PORT@|$port|g" \
    "$root/examples/quickstart/nginx.conf" > "$run/nginx.conf"

user=""
[ "$(id -u)" = 0 ] && user="user root;"

# test runs of a sanitizer build (make test): the runtime must load first
if [ -n "${CIG_PRELOAD:-}" ]; then
    export LD_PRELOAD="$CIG_PRELOAD"
    export ASAN_OPTIONS="detect_leaks=0:log_path=$run/asan"
    export UBSAN_OPTIONS="print_stacktrace=1:log_path=$run/ubsan"
fi
"$nginx" -p "$run/" -c "$run/nginx.conf" -g "$user" -t -q
"$nginx" -p "$run/" -c "$run/nginx.conf" -g "$user"

cat <<TXT
nginx is running on http://127.0.0.1:$port/ (config: $run/nginx.conf,
log: $run/error.log).  Try:

  TOKEN=\$(examples/dev/dev-token.sh)
  curl -i -H "Authorization: Bearer \$TOKEN" http://127.0.0.1:$port/api/hello
  curl -i http://127.0.0.1:$port/api/hello                          # 401, no token
  curl -i -H "Authorization: Bearer x\$TOKEN" http://127.0.0.1:$port/api/hello   # 401 invalid_token
  GUEST=\$(examples/dev/dev-token.sh guest)
  curl -i -H "Authorization: Bearer \$GUEST" http://127.0.0.1:$port/api/hello    # 403, guests off
  curl -i -H "Authorization: Bearer \$GUEST" http://127.0.0.1:$port/guest/hello  # 200, guests on

  # storage: your own directory only (the path holds your identity id)
  ID=us-east-1:11111111-2222-4333-8444-555555555555
  curl -i -X PUT --data-binary 'hello' -H "Authorization: Bearer \$TOKEN" \\
      http://127.0.0.1:$port/files/\$ID/hello.txt                     # 201
  curl -i -H "Authorization: Bearer \$TOKEN" http://127.0.0.1:$port/files/\$ID/hello.txt
  OTHER=\$(examples/dev/dev-token.sh authenticated us-east-1:99999999-2222-4333-8444-555555555555)
  curl -i -H "Authorization: Bearer \$OTHER" http://127.0.0.1:$port/files/\$ID/hello.txt  # 403

  tail $run/error.log                                   # why a request was refused

Stop it with: make stop
TXT
