#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# mint-token.sh - mint a compact JWS (RSASSA-PKCS1-v1_5) using only the openssl CLI.
#
# Usage: mint-token.sh -k KEY.pem -H 'HEADER_JSON' -P 'PAYLOAD_JSON' [-a ALG]
#
# The header and payload strings are encoded byte-for-byte as given (no JSON
# reformatting), so tests can craft unusual JSON. The signing hash follows the
# header's "alg" (RS256/RS384/RS512). -a ALG overrides that detection (the
# header is still emitted unchanged), e.g. to sign a header claiming "HS256"
# with RS512. -a none produces an unsigned token ("header.payload.").
# Prints the token followed by a newline. Errors: message on stderr, exit 2.
set -euo pipefail

prog=${0##*/}
die() { printf '%s: %s\n' "$prog" "$*" >&2; exit 2; }
usage() { printf 'usage: %s -k KEY.pem -H HEADER_JSON -P PAYLOAD_JSON [-a ALG]\n' "$prog" >&2; exit 2; }

key='' header='' payload='' alg=''
have_h=0 have_p=0
while getopts ':k:H:P:a:h' opt; do
    case $opt in
        k) key=$OPTARG ;;
        H) header=$OPTARG; have_h=1 ;;
        P) payload=$OPTARG; have_p=1 ;;
        a) alg=$OPTARG ;;
        h) usage ;;
        :) die "option -$OPTARG requires an argument" ;;
        *) die "unknown option -$OPTARG" ;;
    esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || die "unexpected argument: $1"
[ "$have_h" = 1 ] || usage
[ "$have_p" = 1 ] || usage

command -v openssl >/dev/null 2>&1 || die "openssl not found"

if [ -z "$alg" ]; then
    # First "alg":"..." member of the header; crude but dependency-free.
    alg=$(printf '%s' "$header" | tr -d '\n' \
          | sed -n 's/.*"alg"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' | head -n1)
    [ -n "$alg" ] || die "cannot find a string \"alg\" in the header; use -a ALG"
fi

case $alg in
    RS256) dgst=-sha256 ;;
    RS384) dgst=-sha384 ;;
    RS512) dgst=-sha512 ;;
    none)  dgst= ;;
    *) die "unsupported alg '$alg' (supported: RS256 RS384 RS512, or -a none)" ;;
esac

if [ -n "$dgst" ]; then
    [ -n "$key" ] || die "-k KEY.pem is required"
    [ -r "$key" ] || die "cannot read key file: $key"
    openssl rsa -in "$key" -noout 2>/dev/null || die "not an RSA private key: $key"
fi

b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '=\n'; }

h64=$(printf '%s' "$header" | b64url)
p64=$(printf '%s' "$payload" | b64url)
input="$h64.$p64"

if [ -z "$dgst" ]; then
    printf '%s.\n' "$input"
    exit 0
fi

tmp=$(mktemp) || die "mktemp failed"
trap 'rm -f "$tmp"' EXIT
if ! printf '%s' "$input" | openssl dgst "$dgst" -sign "$key" -binary >"$tmp" 2>/dev/null; then
    die "openssl signing failed (is $key an RSA private key?)"
fi
[ -s "$tmp" ] || die "empty signature"
s64=$(b64url <"$tmp")
printf '%s.%s\n' "$input" "$s64"
