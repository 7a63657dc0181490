/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Shared by the fuzz targets of decision functions: an identity as the
 * token verifier would return it, built from a claims object (fixed, or the
 * fuzzer's), and input splitting on NUL bytes.
 */

#ifndef CIG_FUZZ_COMMON_H
#define CIG_FUZZ_COMMON_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>

#include "cig.h"


#define check(cond)  do { if (!(cond)) __builtin_trap(); } while (0)

#define FUZZ_NOW    1700000000
#define FUZZ_POOL   "us-east-1:0d0d0d0d-0000-4000-8000-000000000001"
#define FUZZ_SUB    "us-east-1:11111111-2222-4333-8444-555555555555"
#define FUZZ_IDP    "cognito-idp.us-east-1.amazonaws.com/us-east-1_Abc123"

/* a verified authenticated identity's claims, with tags and a login */
#define FUZZ_CLAIMS                                                           \
    "{\"sub\":\"" FUZZ_SUB "\",\"aud\":\"" FUZZ_POOL "\","                    \
    "\"iss\":\"https://cognito-identity.amazonaws.com\",\"exp\":1700000600,"  \
    "\"amr\":[\"authenticated\",\"" FUZZ_IDP "\",\"" FUZZ_IDP                 \
    ":CognitoSignIn:0a1b2c3d\"],\"https://aws.amazon.com/tags\":"             \
    "{\"principal_tags\":{\"team\":[\"blue\"],\"dept\":[\"a/b\"]}},"          \
    "\"cognito:groups\":[\"admin\"],\"email\":\"a@example.com\"}"

#define FUZZ_GUEST                                                            \
    "{\"sub\":\"" FUZZ_SUB "\",\"aud\":\"" FUZZ_POOL "\","                    \
    "\"iss\":\"https://cognito-identity.amazonaws.com\",\"exp\":1700000600,"  \
    "\"amr\":[\"unauthenticated\"]}"


static inline cig_str_t
fuzz_str(const char *s, size_t len)
{
    cig_str_t  r;

    r.data = s;
    r.len = len;

    return r;
}


/*
 * The next NUL-separated part of [*p, end): every part of the input is
 * fuzzed, the NULs choose where they end.
 */
static inline cig_str_t
fuzz_part(const uint8_t **p, const uint8_t *end)
{
    const uint8_t  *nul;
    cig_str_t       r;

    nul = memchr(*p, '\0', (size_t) (end - *p));

    r.data = (const char *) *p;
    r.len = (size_t) ((nul ? nul : end) - *p);
    *p = nul ? nul + 1 : end;

    return r;
}


/* What cig_token_verify guarantees of a Cognito identity, or 0. */
static inline int
fuzz_identity(const cig_json_t *claims, cig_identity_t *id)
{
    const cig_json_t  *m, *e;

    memset(id, 0, sizeof(cig_identity_t));

    if (claims == NULL || claims->type != CIG_JSON_OBJECT) {
        return 0;
    }

    m = cig_json_get(claims, "sub");
    if (m == NULL || m->type != CIG_JSON_STRING
        || !cig_identity_id_valid(m->str.data, m->str.len))
    {
        return 0;
    }
    id->sub = m->str;

    m = cig_json_get(claims, "aud");
    if (m == NULL || m->type != CIG_JSON_STRING || m->str.len == 0) {
        return 0;
    }
    id->aud = m->str;

    m = cig_json_get(claims, "amr");
    if (m == NULL || m->type != CIG_JSON_ARRAY || m->count == 0
        || m->count > CIG_MAX_AMR)
    {
        return 0;
    }

    for (e = m->child; e; e = e->next) {
        if (e->type != CIG_JSON_STRING || e->str.len == 0
            || memchr(e->str.data, '\0', e->str.len) != NULL)
        {
            return 0;
        }

        if (id->namr > 0 && (cig_str_is(e->str, "authenticated")
                             || cig_str_is(e->str, "unauthenticated")))
        {
            return 0;
        }

        id->amr[id->namr++] = e->str;
    }

    if (cig_str_is(id->amr[0], "authenticated")) {
        id->authenticated = 1;
        if (id->namr > 1) {
            id->provider = id->amr[1];
        }

    } else if (!cig_str_is(id->amr[0], "unauthenticated") || id->namr != 1) {
        return 0;
    }

    id->iss = fuzz_str(CIG_AWS_ISSUER, sizeof(CIG_AWS_ISSUER) - 1);
    id->exp = FUZZ_NOW + 600;
    id->alg = CIG_ALG_RS512;
    id->claims = claims;

    return 1;
}


static inline const cig_json_t *
fuzz_parse(const char *s, size_t len, const cig_allocator_t *a)
{
    cig_err_t  err;

    return cig_json_parse(s, len, CIG_MAX_JSON_DEPTH, a, &err);
}

#endif /* CIG_FUZZ_COMMON_H */
