#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
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
log: $run/error.log).  Try, with the AWS CLI and curl:

  # an identity and its token from the local identity pool
  # AWS CLI v2 reads AWS_REGION, v1 AWS_DEFAULT_REGION: both are set
  export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
  export AWS_CONFIG_FILE=/dev/null
  POOL=us-east-1:0d0d0d0d-0000-4000-8000-000000000001
  EP=http://127.0.0.1:$port/cognito/
  ID=\$(aws cognito-identity get-id --identity-pool-id \$POOL \\
        --endpoint-url \$EP --no-sign-request --query IdentityId --output text)
  TOKEN=\$(aws cognito-identity get-open-id-token --identity-id \$ID \\
        --endpoint-url \$EP --no-sign-request --query Token --output text)

  # your own files: /files/<your identity id>/
  curl -i -X PUT --data-binary hello -H "Authorization: Bearer \$TOKEN" \\
      http://127.0.0.1:$port/files/\$ID/hello.txt                    # 201
  curl -i -H "Authorization: Bearer \$TOKEN" http://127.0.0.1:$port/files/\$ID/hello.txt

  # another identity is refused your files
  ID2=\$(aws cognito-identity get-id --identity-pool-id \$POOL \\
        --endpoint-url \$EP --no-sign-request --query IdentityId --output text)
  TOKEN2=\$(aws cognito-identity get-open-id-token --identity-id \$ID2 \\
        --endpoint-url \$EP --no-sign-request --query Token --output text)
  curl -i -H "Authorization: Bearer \$TOKEN2" http://127.0.0.1:$port/files/\$ID/hello.txt  # 403

  # a per-user API
  curl -i -H "Authorization: Bearer \$TOKEN" http://127.0.0.1:$port/api/users/\$ID/profile

  # tokens minted with the openssl command line
  DEV=\$(examples/dev/dev-token.sh)
  curl -i -H "Authorization: Bearer \$DEV" http://127.0.0.1:$port/api/hello
  curl -i http://127.0.0.1:$port/api/hello                   # 401, no token

  tail $run/error.log                                        # why a request was refused

Stop it with: make stop
TXT
