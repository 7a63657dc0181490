#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# make-keys.sh - regenerate every test key and JWKS file in t/keys.
#
# Usage: t/keys/make-keys.sh
#
# Keys are random on each run, but the set of files and their structure are
# always the same. Needs: openssl, coreutils, and xxd (or perl).
set -euo pipefail

cd -- "$(dirname -- "${BASH_SOURCE[0]}")"

die() { printf '%s: %s\n' "${0##*/}" "$*" >&2; exit 2; }
command -v openssl >/dev/null 2>&1 || die "openssl not found"

hex2bin() {
    if command -v xxd >/dev/null 2>&1; then xxd -r -p
    else perl -0777 -ne 's/\s+//g; print pack("H*", $_)'
    fi
}
b64()    { base64 -w0; }
b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }
evenhex() { local h=$1; [ $(( ${#h} % 2 )) -eq 0 ] || h="0$h"; printf '%s' "$h"; }

genrsa() { # genrsa FILE BITS [PUBEXP]
    local opts=(-pkeyopt "rsa_keygen_bits:$2")
    [ -z "${3:-}" ] || opts+=(-pkeyopt "rsa_keygen_pubexp:$3")
    openssl genpkey -algorithm RSA "${opts[@]}" -out "$1" 2>/dev/null
    chmod 644 "$1"
}

# Modulus as even-length hex, leading zero bytes stripped.
mod_hex() {
    local h
    h=$(openssl rsa -in "$1" -noout -modulus 2>/dev/null | sed -n 's/^Modulus=//p')
    [ -n "$h" ] || die "cannot read modulus of $1"
    h=$(evenhex "$h")
    while [ "${h:0:2}" = 00 ]; do h=${h:2}; done
    printf '%s' "$h"
}
exp_hex() {
    local d
    d=$(openssl rsa -in "$1" -noout -text 2>/dev/null | sed -n 's/^publicExponent: \([0-9][0-9]*\).*/\1/p')
    [ -n "$d" ] || die "cannot read public exponent of $1"
    evenhex "$(printf '%x' "$d")"
}

# jwk_rsa KEY KID ALG USE [aws]  -- empty KID/ALG/USE omit the member.
# With "aws", n is padded standard base64 with a leading 0x00 byte.
jwk_rsa() {
    local key=$1 kid=$2 alg=$3 use=$4 mode=${5:-} n e out
    if [ "$mode" = aws ]; then
        n=$(printf '00%s' "$(mod_hex "$key")" | hex2bin | b64)
    else
        n=$(mod_hex "$key" | hex2bin | b64url)
    fi
    e=$(exp_hex "$key" | hex2bin | b64url)
    out='{"kty":"RSA"'
    [ -z "$alg" ] || out+=',"alg":"'"$alg"'"'
    [ -z "$use" ] || out+=',"use":"'"$use"'"'
    [ -z "$kid" ] || out+=',"kid":"'"$kid"'"'
    out+=',"n":"'"$n"'","e":"'"$e"'"}'
    printf '%s' "$out"
}

jwk_ec() { # jwk_ec KEY KID  (P-256)
    local der x y
    der=$(openssl pkey -in "$1" -pubout -outform DER 2>/dev/null | xxd_hex)
    # SubjectPublicKeyInfo ends with the uncompressed point 04 || X || Y.
    der=${der: -130}
    [ "${der:0:2}" = 04 ] || die "unexpected EC public key encoding in $1"
    x=$(printf '%s' "${der:2:64}" | hex2bin | b64url)
    y=$(printf '%s' "${der:66:64}" | hex2bin | b64url)
    printf '{"kty":"EC","crv":"P-256","x":"%s","y":"%s","kid":"%s","use":"sig","alg":"ES256"}' "$x" "$y" "$2"
}
xxd_hex() { od -An -v -tx1 | tr -d ' \n'; }

jwks() { # jwks FILE JWK...
    local f=$1; shift
    local IFS=,
    printf '{"keys":[%s]}\n' "$*" >"$f"
}

# --- keys -------------------------------------------------------------------
genrsa k1.pem 2048
genrsa k2.pem 2048
genrsa k4096.pem 4096
genrsa small1024.pem 1024
genrsa e3.pem 2048 3
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ec.pem 2>/dev/null
chmod 644 ec.pem

# --- JWKS -------------------------------------------------------------------
k1=$(jwk_rsa k1.pem test-1 RS512 sig)
k2=$(jwk_rsa k2.pem test-2 RS512 sig)

jwks jwks-k1.json        "$k1"
jwks jwks-k2.json        "$k2"
jwks jwks-k1k2.json      "$k1" "$k2"
jwks jwks-k4096.json     "$(jwk_rsa k4096.pem test-4096 RS512 sig)"
jwks jwks-small.json     "$(jwk_rsa small1024.pem small RS512 sig)"
jwks jwks-e3.json        "$(jwk_rsa e3.pem test-e3 RS512 sig)"
jwks jwks-k1-noalg.json  "$(jwk_rsa k1.pem test-1 '' '')"
jwks jwks-k1-rs256.json  "$(jwk_rsa k1.pem test-1 RS256 sig)"
jwks jwks-k1-enc.json    "$(jwk_rsa k1.pem test-1 RS512 enc)"
jwks jwks-aws-style.json "$(jwk_rsa k1.pem test-1 RS512 sig aws)"
jwks jwks-dupkid.json    "$k1" "$(jwk_rsa k2.pem test-1 RS512 sig)"
jwks jwks-nokid.json     "$(jwk_rsa k1.pem '' RS512 sig)"
jwks jwks-ec.json        "$(jwk_ec ec.pem ec-1)" "$k1"
jwks jwks-k1-login.json  "$(jwk_rsa k1.pem login-1 RS256 sig)"
printf '{"keys":[]}\n' >jwks-empty.json
printf 'not json\n' >jwks-notjson.json

# The AWS-style modulus is padded standard base64 of 257 bytes, so it always
# ends in '='; warn if it happens to contain neither '+' nor '/'.
case $(sed -n 's/.*"n":"\([^"]*\)".*/\1/p' jwks-aws-style.json) in
    *[+/]*) ;;
    *) printf '%s: note: jwks-aws-style.json n has no + or / (only =)\n' "${0##*/}" >&2 ;;
esac

echo "t/keys regenerated" >&2
