#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# dev-token.sh - mint a Cognito-Identity-shaped development token signed with
# the PUBLIC development key examples/dev/dev-key.pem (kid "dev-1").
#
# Usage: dev-token.sh [guest|authenticated] [SUB]
#
# Tokens carry iss "https://cognito-identity.dev.invalid", so a configuration
# trusting AWS's issuer never accepts them. Valid for 600 seconds.
set -euo pipefail

prog=${0##*/}
die() { printf '%s: %s\n' "$prog" "$*" >&2; exit 2; }

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)

kind=${1:-authenticated}
sub=${2:-us-east-1:11111111-2222-4333-8444-555555555555}
[ $# -le 2 ] || die "usage: $prog [guest|authenticated] [SUB]"
case $sub in *'"'*|*\\*) die "SUB must not contain quotes or backslashes" ;; esac

aud='us-east-1:0d0d0d0d-0000-4000-8000-000000000001'
iss='https://cognito-identity.dev.invalid'

case $kind in
    guest|unauthenticated)
        amr='["unauthenticated"]' ;;
    authenticated|auth)
        amr='["authenticated","accounts.example.dev","accounts.example.dev:'"$aud"':alice"]' ;;
    -h|--help)
        printf 'usage: %s [guest|authenticated] [SUB]\n' "$prog"; exit 0 ;;
    *) die "usage: $prog [guest|authenticated] [SUB]" ;;
esac

now=$(date +%s)
exp=$((now + 600))

header='{"kid":"dev-1","typ":"JWS","alg":"RS512"}'
payload='{"sub":"'"$sub"'","aud":"'"$aud"'","amr":'"$amr"',"iss":"'"$iss"'","exp":'"$exp"',"iat":'"$now"'}'

exec "$here/mint-token.sh" -k "$here/dev-key.pem" -H "$header" -P "$payload"
