/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target: compact JWS verification.
 *
 * A verifier as a connector would build it: the test key set t/keys/
 * jwks-k1k2.json (embedded below, so the binary needs no files), AWS's
 * issuer, one audience, RS512 only, leeway 10 s, Cognito rules, a fixed
 * clock.  Each input is tried twice:
 *
 *   1. as the token itself;
 *   2. split at its first two NUL bytes into header JSON, payload JSON and
 *      signature bytes, each base64url-encoded and joined with dots, so that
 *      the fuzzer works on the JSON and the signature length directly rather
 *      than through base64 (NUL never occurs in valid JSON text).
 *
 * The fuzzer cannot forge an RSA signature, so cig_token_verify() must never
 * return CIG_OK: if it does, that is a verification bypass and we trap.
 * Seeds may hold genuinely signed tokens, but none that passes at FUZZ_NOW.
 * Failures must be well-formed: the returned code equals err.code, is one a
 * request can produce, and comes with a reason.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cig.h"


#define check(cond)  do { if (!(cond)) __builtin_trap(); } while (0)

#define FUZZ_NOW       1700000000   /* 2023-11-14T22:13:20Z */
#define FUZZ_AUDIENCE  "us-east-1:0d0d0d0d-0000-4000-8000-000000000001"


/* t/keys/jwks-k1k2.json: kids "test-1" and "test-2", RSA-2048, RS512 */

static const char  fuzz_jwks[] =
    "{\"keys\":[{\"kty\":\"RSA\",\"alg\":\"RS512\",\"use\":\"sig\","
    "\"kid\":\"test-1\",\"n\":\"nhyaYBfyNSPNkflQcjJEaOqqI0XMa6QFhpMiyzQ5p9-iH"
    "i_SYRmv7mFk4yYLUAB8aWQRgDJEQpTgVWKT39_FCo5eIbNPyz7nOXot_WZ11ri9aHWTt3oKw"
    "uLJ58fuw-R5Ox9G5VhdPICEUffKqds2-wt4DHShNQYj1X4ixbXXeFlGIzR1SohTTNyVgbtKR"
    "b0Lt-ZllvRVGp2aNG7UtdZon3kuQLbbNyVRA8bTzOL6xSsfn8zhbWT-rIgXU7QPzAnxEZ_FC"
    "U6XQfVFIehFt-d9mie9nb0TnWSClK1UhH1qeJSHq_7YMA0pbyIy7B8tw2JRTELebWQPEzOL4"
    "HZsYvd3qw\",\"e\":\"AQAB\"},{\"kty\":\"RSA\",\"alg\":\"RS512\","
    "\"use\":\"sig\",\"kid\":\"test-2\",\"n\":\"rSz--CesroYTsXekNpUXJXa_PgAue"
    "7VDFV-dOXwehs4hLi9RmH9gzITVvbXmMDWHU1BtA-JpvCfMtceh-4UpkKz8jwzin4kmcXeht"
    "e--7ddALV0y3got2d_UvUbZi8uulosmPM9xRBvNc3yS8RNrkQrqe5qHrciolKwhSKxgT_BNd"
    "JcFPSHrA0ie9FbUgm82G8Iinc-13c1HGLEc24dIjdxOFMO-Fj2IU48el1-i9RcrjKnd3aSSr"
    "8e9bYpibSXRiQEcOry_xCNDhRMFDK1W0aAgpYMPpp9HiFLtK1wFQkYmE6-Ghkuw6b_K8MIh7"
    "kX2HkH6VmGQgbFc1pQLmx3_Hw\",\"e\":\"AQAB\"}]}";


static cig_keyset_t    *keyset;
static cig_str_t        audiences[1];
static cig_verifier_t   verifier;


int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    cig_err_t  err;
    unsigned   skipped;

    (void) argc;
    (void) argv;

    keyset = cig_keyset_from_jwks(fuzz_jwks, sizeof(fuzz_jwks) - 1, &skipped,
                                  &err);
    if (keyset == NULL || cig_keyset_count(keyset) != 2) {
        fprintf(stderr, "fuzz_token: cannot load the embedded JWKS: %s\n",
                keyset ? "wrong key count" : err.msg);
        abort();
    }

    audiences[0].data = FUZZ_AUDIENCE;
    audiences[0].len = sizeof(FUZZ_AUDIENCE) - 1;
    cig_strs_sort(audiences, 1);

    verifier.issuer.data = CIG_AWS_ISSUER;
    verifier.issuer.len = sizeof(CIG_AWS_ISSUER) - 1;
    verifier.audiences = audiences;
    verifier.naudiences = 1;
    verifier.keysets = &keyset;
    verifier.nkeysets = 1;
    verifier.algs = CIG_ALG_RS512;
    verifier.leeway = 10;
    verifier.cognito = 1;

    return 0;
}


static void
verify(const char *token, size_t len)
{
    cig_arena_t      *arena;
    cig_allocator_t   a;
    cig_identity_t    id;
    cig_err_t         err;
    cig_code_t        rc;

    arena = cig_arena_create();
    check(arena != NULL);
    cig_arena_allocator(arena, &a);

    err.code = CIG_OK;
    err.msg[0] = '\0';

    rc = cig_token_verify(&verifier, token, len, FUZZ_NOW, &a, &id, &err);

    /* no forged token passes */
    check(rc != CIG_OK);

    check(rc == err.code);
    check(rc == CIG_ERR_INVALID_TOKEN
          || (rc == CIG_ERR_NO_TOKEN && len == 0)
          || rc == CIG_ERR_INTERNAL);
    check(memchr(err.msg, '\0', sizeof(err.msg)) != NULL);
    check(err.msg[0] != '\0');

    if (id.unknown_kid) {
        check(rc == CIG_ERR_INVALID_TOKEN);
        check(id.kid.len > 0 && id.kid.len <= CIG_MAX_KID_LEN);
    }

    cig_arena_destroy(arena);
}


static size_t
b64url_len(size_t n)
{
    return n / 3 * 4 + (n % 3 ? n % 3 + 1 : 0);
}


static void
verify_split(const uint8_t *data, size_t size)
{
    const uint8_t  *part[3], *nul;
    size_t          plen[3], total, i, rest;
    char           *token, *p;

    /* header \0 payload \0 signature; missing parts are empty */

    rest = size;
    part[0] = data;

    for (i = 0; i < 2; i++) {
        nul = rest ? memchr(part[i], '\0', rest) : NULL;

        if (nul == NULL) {
            plen[i] = rest;
            part[i + 1] = part[i] + rest;
            rest = 0;
            continue;
        }

        plen[i] = (size_t) (nul - part[i]);
        part[i + 1] = nul + 1;
        rest -= plen[i] + 1;
    }

    plen[2] = rest;

    total = b64url_len(plen[0]) + b64url_len(plen[1]) + b64url_len(plen[2])
            + 2;

    token = malloc(total);
    check(token != NULL);

    p = token;
    p += cig_b64url_encode(part[0], plen[0], p);
    *p++ = '.';
    p += cig_b64url_encode(part[1], plen[1], p);
    *p++ = '.';
    p += cig_b64url_encode(part[2], plen[2], p);

    check((size_t) (p - token) == total);

    verify(token, total);

    free(token);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    verify((const char *) data, size);
    verify_split(data, size);

    return 0;
}
