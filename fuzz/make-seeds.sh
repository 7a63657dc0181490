#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# fuzz/make-seeds.sh - regenerate the seed corpora in fuzz/corpus/.
#
# The seeds are committed; run this only to change them.  Tokens are signed
# with the test keys in t/keys (RSASSA-PKCS1-v1_5 is deterministic, so the
# output is stable).  No token seed may verify at fuzz_token's fixed clock
# (1700000000) with its verifier: that target traps on any CIG_OK.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

mint=examples/dev/mint-token.sh
c=fuzz/corpus

# only the corpora made here; fuzz_roles, fuzz_policy, fuzz_vars, fuzz_path
# and fuzz_creds have hand-written seeds (see fuzz/README.md)
rm -rf "$c"/fuzz_json "$c"/fuzz_b64 "$c"/fuzz_token "$c"/fuzz_jwks \
       "$c"/fuzz_ids "$c"/fuzz_claims
mkdir -p "$c"/fuzz_json "$c"/fuzz_b64 "$c"/fuzz_token "$c"/fuzz_jwks \
         "$c"/fuzz_ids "$c"/fuzz_claims

put() { printf '%s' "$2" >"$1"; }

b64url_decode() {
    local s
    s=$(printf '%s' "$1" | tr '_-' '/+')
    while [ $(( ${#s} % 4 )) -ne 0 ]; do s="$s="; done
    printf '%s' "$s" | openssl base64 -d -A
}

ISS='https://cognito-identity.amazonaws.com'
AUD='us-east-1:0d0d0d0d-0000-4000-8000-000000000001'
SUB='us-east-1:11111111-2222-4333-8444-555555555555'
AMR='["authenticated","cognito-idp.us-east-1.amazonaws.com/us-east-1_Abc123","cognito-idp.us-east-1.amazonaws.com/us-east-1_Abc123:CognitoSignIn:0a1b2c3d"]'
H1='{"kid":"test-1","typ":"JWS","alg":"RS512"}'
H2='{"kid":"test-2","typ":"JWS","alg":"RS512"}'

claims() {  # claims EXP [extra members...]
    local exp=$1; shift
    local extra=''
    for m in "$@"; do extra="$extra,$m"; done
    printf '{"aud":"%s","sub":"%s","amr":%s,"iss":"%s","exp":%s,"iat":1699999700%s}' \
        "$AUD" "$SUB" "$AMR" "$ISS" "$exp" "$extra"
}

GOOD=$(claims 1700000600)
GUEST=$(printf '{"aud":"%s","sub":"%s","amr":["unauthenticated"],"iss":"%s","exp":1700000600,"iat":1699999700}' "$AUD" "$SUB" "$ISS")


# ---- fuzz_json: documents as they occur, and edge cases

put $c/fuzz_json/header.json "$H1"
put $c/fuzz_json/claims.json "$GOOD"
put $c/fuzz_json/guest.json "$GUEST"
cp t/keys/jwks-k1.json $c/fuzz_json/jwks.json
put $c/fuzz_json/escapes.json '{"s":"a\"b\\c\/d\b\f\n\r\t","u":"\u00e9\u20ac\ud83d\ude00\u0000","raw":"é€😀"}'
put $c/fuzz_json/numbers.json '[0,-0,1,-1,12345678901234567890,1.5,-2.25e-3,1E+308,6.02e23,0.0]'
put $c/fuzz_json/literals.json ' [ true , false , null , "" , [ ] , { } ] '
put $c/fuzz_json/nested.json '{"a":{"b":{"c":[[[{"d":[1,[2,[3]]]}]]]}}}'
put $c/fuzz_json/many-members.json '{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10,"k":11}'
put $c/fuzz_json/duplicate.json '{"a":1,"b":2,"a":3}'
put $c/fuzz_json/duplicate-escaped.json '{"a":1,"\u0061":2}'
put $c/fuzz_json/lone-surrogate.json '["\ud800"]'
put $c/fuzz_json/overlong.json "$(printf '["\xc0\xaf"]')"
put $c/fuzz_json/scalar.json '"just a string"'


# ---- fuzz_b64: canonical, padded standard, non-canonical

put $c/fuzz_b64/header.txt "$(printf '%s' "$H1" | openssl base64 -A | tr '+/' '-_' | tr -d '=')"
put $c/fuzz_b64/e.txt 'AQAB'
put $c/fuzz_b64/one.txt 'YQ'
put $c/fuzz_b64/two.txt 'YWI'
put $c/fuzz_b64/three.txt 'YWJj'
put $c/fuzz_b64/padded.txt 'YQ=='
put $c/fuzz_b64/std-alphabet.txt '+/+/ab=='
put $c/fuzz_b64/url-alphabet.txt '-_-_ab'
put $c/fuzz_b64/noncanonical.txt 'YR'
sed -n 's/.*"n":"\([^"]*\)".*/\1/p' t/keys/jwks-aws-style.json | tr -d '\n' >$c/fuzz_b64/aws-n.txt


# ---- fuzz_token: real signatures, none of them acceptable at 1700000000

tok() {  # tok NAME KEY HEADER PAYLOAD [ALG]
    local name=$1 key=$2 hdr=$3 pay=$4
    shift 4
    "$mint" -k "$key" -H "$hdr" -P "$pay" "$@" | tr -d '\n' >$c/fuzz_token/$name
}

k1=t/keys/k1.pem
k2=t/keys/k2.pem

tok expired        $k1 "$H1" "$(claims 1699990000)"
tok wrong-aud      $k1 "$H1" "${GOOD/$AUD/us-east-1:0d0d0d0d-0000-4000-8000-000000000002}"
tok wrong-iss      $k1 "$H1" "${GOOD/$ISS/https://cognito-identity.dev.invalid}"
tok bad-sub        $k1 "$H1" "${GOOD/$SUB/us-east-1:not-an-identity}"
tok bad-amr        $k1 "$H1" "$(printf '{"aud":"%s","sub":"%s","amr":["password"],"iss":"%s","exp":1700000600}' "$AUD" "$SUB" "$ISS")"
tok guest-extra    $k1 "$H1" "$(printf '{"aud":"%s","sub":"%s","amr":["unauthenticated","x"],"iss":"%s","exp":1700000600}' "$AUD" "$SUB" "$ISS")"
tok not-yet-valid  $k1 "$H1" "$(claims 1700000600 '"nbf":1700001000')"
tok iat-future     $k1 "$H1" "$(printf '{"aud":"%s","sub":"%s","amr":["unauthenticated"],"iss":"%s","exp":1700009000,"iat":1700005000}' "$AUD" "$SUB" "$ISS")"
tok k2-expired     $k2 "$H2" "$(claims 1600000000)"
tok wrong-key      $k2 "$H1" "$GOOD"
tok rs256          $k1 '{"kid":"test-1","typ":"JWS","alg":"RS256"}' "$GOOD"
tok unknown-kid    $k1 '{"kid":"test-9","typ":"JWS","alg":"RS512"}' "$GOOD"
tok header-jwk     $k1 '{"kid":"test-1","alg":"RS512","jwk":{}}' "$GOOD"
tok alg-none       $k1 '{"kid":"test-1","alg":"none"}' "$GOOD" -a none
tok payload-array  $k1 "$H1" '[1,2,3]'

# a one-character change to a signature, and a padded (non-canonical) one
t=$(cat $c/fuzz_token/expired)
put $c/fuzz_token/tampered "${t%?}$( [ "${t: -1}" = A ] && echo B || echo A)"
put $c/fuzz_token/padded "$t="
put $c/fuzz_token/two-parts "${t%.*}"

# split form (header \0 payload \0 signature bytes) of two signed tokens
for name in expired bad-amr; do
    t=$(cat $c/fuzz_token/$name)
    h=${t%%.*}; rest=${t#*.}; p=${rest%%.*}; s=${rest#*.}
    { b64url_decode "$h"; printf '\0'; b64url_decode "$p"; printf '\0'
      b64url_decode "$s"; } >$c/fuzz_token/split-$name
done


# ---- fuzz_jwks: the test key sets

for f in t/keys/jwks-*.json; do
    cp "$f" $c/fuzz_jwks/
done


# ---- fuzz_ids

put $c/fuzz_ids/eu-west-1 'eu-west-1:b45b9729-c269-4ef2-86f1-0df3e40fe92d'
put $c/fuzz_ids/us-gov-west-1 'us-gov-west-1:00000000-0000-0000-0000-000000000000'
put $c/fuzz_ids/max-length 'xx-xxxxxxxxxxxxx-1:ffffffff-ffff-ffff-ffff-ffffffffffff'
put $c/fuzz_ids/region 'ap-southeast-2'
put $c/fuzz_ids/uuid 'b45b9729-c269-4ef2-86f1-0df3e40fe92d'
put $c/fuzz_ids/upper 'eu-west-1:B45B9729-C269-4EF2-86F1-0DF3E40FE92D'
put $c/fuzz_ids/two-colons 'eu-west-1::b45b9729-c269-4ef2-86f1-0df3e40fe92d'


# ---- fuzz_claims: payloads (signed by the target), some with a header

put $c/fuzz_claims/authenticated "$GOOD"
put $c/fuzz_claims/guest "$GUEST"
put $c/fuzz_claims/expired "$(claims 1699990000)"
put $c/fuzz_claims/nbf "$(claims 1700000600 '"nbf":1699999000' '"jti":"x"')"
put $c/fuzz_claims/client-aud "${GOOD/$AUD/client-app}"
printf '%s\0%s' '{"kid":"fuzz-1","typ":"JWS","alg":"RS512"}' "$GOOD" >$c/fuzz_claims/with-header
printf '%s\0%s' '{"kid":"fuzz-1","alg":"RS512"}' "$GUEST" >$c/fuzz_claims/with-short-header

echo "seeds written to $c/"
