# SPDX-License-Identifier: BSD-2-Clause
# Shared by the debian/tests scripts: a scratch directory, a free loopback
# port, a development token, and a check of one request's status.
set -eu

src=$(pwd)
dev=$src/examples/dev
work=${AUTOPKGTEST_TMP:-$(mktemp -d)}
pool=us-east-1:0d0d0d0d-0000-4000-8000-000000000001
issuer=https://cognito-identity.dev.invalid
identity=us-east-1:11111111-2222-4333-8444-555555555555
mkdir -p "$work/html"
printf 'ok\n' > "$work/html/index.html"
chmod -R a+rX "$work"

port=$(perl -MIO::Socket::INET -e \
    'print IO::Socket::INET->new(Listen => 1, LocalAddr => "127.0.0.1:0")->sockport')
token=$("$dev/dev-token.sh" authenticated "$identity")

fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }

wait_port() {
    i=0
    while ! curl -s -o /dev/null "http://127.0.0.1:$port/"; do
        i=$((i + 1))
        [ $i -lt 100 ] || fail "nothing listens on 127.0.0.1:$port"
        sleep 0.1
    done
}

# expect STATUS DESCRIPTION [curl arguments...]
expect() {
    want=$1 what=$2
    shift 2
    got=$(curl -s -o "$work/response" -D "$work/response-headers" -w '%{http_code}' \
          "$@" "http://127.0.0.1:$port/index.html")
    [ "$got" = "$want" ] || fail "$what: status $got, expected $want"
    printf 'ok: %s (%s)\n' "$what" "$got"
}
