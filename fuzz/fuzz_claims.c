/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target: claim checks behind a valid signature.
 *
 * fuzz_token cannot get past the RSA signature, so the claim rules (iss,
 * aud, exp/nbf/iat, sub, amr) are never reached there.  This target holds a
 * private key, generated afresh in LLVMFuzzerInitialize() and published to
 * the verifier as a JWKS through cig_keyset_from_jwks(), and signs whatever
 * the fuzzer produces:
 *
 *   input = PAYLOAD                         (header {"kid":"fuzz-1",...})
 *         | HEADER \0 PAYLOAD
 *
 * Both parts are base64url-encoded and signed with RS512.  The token is
 * verified by a Cognito verifier and by a plain one (cognito=0, a superset
 * of the audiences); everything else equal, whatever the first accepts the
 * second must accept too.  When a verifier accepts, the identity it returns
 * must obey the rules it enforces; a violation is a __builtin_trap().
 * RSA signing makes this target slower than the others.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "cig.h"


#define check(cond)  do { if (!(cond)) __builtin_trap(); } while (0)

#define FUZZ_NOW       1700000000
#define FUZZ_LEEWAY    10
#define FUZZ_KID       "fuzz-1"
#define FUZZ_AUDIENCE  "us-east-1:0d0d0d0d-0000-4000-8000-000000000001"
#define FUZZ_HEADER    "{\"kid\":\"" FUZZ_KID "\",\"typ\":\"JWS\"," \
                       "\"alg\":\"RS512\"}"


static EVP_PKEY        *pkey;
static cig_keyset_t    *keyset;
static cig_str_t        cognito_aud[1];
static cig_str_t        plain_aud[3];
static cig_verifier_t   cognito_v;
static cig_verifier_t   plain_v;


static size_t
b64url_len(size_t n)
{
    return n / 3 * 4 + (n % 3 ? n % 3 + 1 : 0);
}


static char *
bn_b64url(EVP_PKEY *key, const char *name)
{
    BIGNUM         *bn = NULL;
    unsigned char  *bin;
    char           *out;
    int             n;

    if (!EVP_PKEY_get_bn_param(key, name, &bn)) {
        return NULL;
    }

    n = BN_num_bytes(bn);
    bin = malloc((size_t) n);
    out = malloc(b64url_len((size_t) n) + 1);

    if (bin == NULL || out == NULL) {
        abort();
    }

    BN_bn2bin(bn, bin);
    out[cig_b64url_encode(bin, (size_t) n, out)] = '\0';

    free(bin);
    BN_free(bn);

    return out;
}


int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char       *n, *e, jwks[1024];
    cig_err_t   err;
    unsigned    skipped;

    (void) argc;
    (void) argv;

    pkey = EVP_RSA_gen(2048);
    if (pkey == NULL) {
        fprintf(stderr, "fuzz_claims: cannot generate an RSA key\n");
        abort();
    }

    n = bn_b64url(pkey, OSSL_PKEY_PARAM_RSA_N);
    e = bn_b64url(pkey, OSSL_PKEY_PARAM_RSA_E);

    if (n == NULL || e == NULL
        || snprintf(jwks, sizeof(jwks), "{\"keys\":[{\"kty\":\"RSA\","
                    "\"alg\":\"RS512\",\"use\":\"sig\",\"kid\":\"" FUZZ_KID
                    "\",\"n\":\"%s\",\"e\":\"%s\"}]}", n, e)
           >= (int) sizeof(jwks))
    {
        fprintf(stderr, "fuzz_claims: cannot build the JWKS\n");
        abort();
    }

    free(n);
    free(e);

    keyset = cig_keyset_from_jwks(jwks, strlen(jwks), &skipped, &err);
    if (keyset == NULL) {
        fprintf(stderr, "fuzz_claims: cannot load the JWKS: %s\n", err.msg);
        abort();
    }

    cognito_aud[0].data = FUZZ_AUDIENCE;
    cognito_aud[0].len = sizeof(FUZZ_AUDIENCE) - 1;

    plain_aud[0] = cognito_aud[0];
    plain_aud[1].data = "client-app";
    plain_aud[1].len = sizeof("client-app") - 1;
    plain_aud[2].data = "eu-west-1:00000000-0000-4000-8000-000000000002";
    plain_aud[2].len = sizeof("eu-west-1:00000000-0000-4000-8000-000000000002")
                       - 1;
    cig_strs_sort(plain_aud, 3);

    cognito_v.issuer.data = CIG_AWS_ISSUER;
    cognito_v.issuer.len = sizeof(CIG_AWS_ISSUER) - 1;
    cognito_v.audiences = cognito_aud;
    cognito_v.naudiences = 1;
    cognito_v.keysets = &keyset;
    cognito_v.nkeysets = 1;
    cognito_v.algs = CIG_ALG_RS512;
    cognito_v.leeway = FUZZ_LEEWAY;
    cognito_v.cognito = 1;

    plain_v = cognito_v;
    plain_v.audiences = plain_aud;
    plain_v.naudiences = 3;
    plain_v.cognito = 0;

    return 0;
}


static char *
sign(const uint8_t *hdr, size_t hlen, const uint8_t *pay, size_t plen,
    size_t *len)
{
    EVP_MD_CTX     *ctx;
    unsigned char   sig[512];
    size_t          sig_len, signed_len;
    char           *token, *p;

    signed_len = b64url_len(hlen) + 1 + b64url_len(plen);
    token = malloc(signed_len + 1 + b64url_len(sizeof(sig)));
    check(token != NULL);

    p = token;
    p += cig_b64url_encode(hdr, hlen, p);
    *p++ = '.';
    p += cig_b64url_encode(pay, plen, p);

    ctx = EVP_MD_CTX_new();
    sig_len = sizeof(sig);

    check(ctx != NULL);
    check(EVP_DigestSignInit(ctx, NULL, EVP_sha512(), NULL, pkey) == 1);
    check(EVP_DigestSign(ctx, sig, &sig_len, (unsigned char *) token,
                         signed_len) == 1);

    EVP_MD_CTX_free(ctx);

    *p++ = '.';
    p += cig_b64url_encode(sig, sig_len, p);
    *len = (size_t) (p - token);

    return token;
}


static int
str_eq(cig_str_t s, const char *lit)
{
    return s.len == strlen(lit) && memcmp(s.data, lit, s.len) == 0;
}


static void
check_identity(const cig_verifier_t *v, const cig_identity_t *id)
{
    const cig_json_t  *m;
    size_t             i;

    check(id->alg == CIG_ALG_RS512);
    check(str_eq(id->kid, FUZZ_KID));
    check(!id->unknown_kid);

    check(id->claims != NULL && id->claims->type == CIG_JSON_OBJECT);

    check(id->iss.len == v->issuer.len
          && memcmp(id->iss.data, v->issuer.data, id->iss.len) == 0);
    check(cig_strs_find(v->audiences, v->naudiences, id->aud.data,
                        id->aud.len));
    check(id->sub.len > 0);

    /* the identity repeats the claims */

    m = cig_json_get(id->claims, "iss");
    check(m && m->type == CIG_JSON_STRING && m->str.data == id->iss.data);
    m = cig_json_get(id->claims, "aud");
    check(m && m->type == CIG_JSON_STRING && m->str.data == id->aud.data);
    m = cig_json_get(id->claims, "sub");
    check(m && m->type == CIG_JSON_STRING && m->str.data == id->sub.data);

    m = cig_json_get(id->claims, "exp");
    check(m && m->type == CIG_JSON_NUMBER && m->num == id->exp);
    check((double) FUZZ_NOW < id->exp + FUZZ_LEEWAY);

    m = cig_json_get(id->claims, "nbf");
    if (m) {
        check(m->type == CIG_JSON_NUMBER);
        check(m->num <= (double) FUZZ_NOW + FUZZ_LEEWAY);
    }

    check(id->exp >= -9223372036854775808.0
          && id->exp < 9223372036854775808.0);

    /* iat is required, and bounded like exp */

    m = cig_json_get(id->claims, "iat");
    check(m && id->has_iat);
    check(m->type == CIG_JSON_NUMBER && m->num == id->iat);
    check(id->iat <= (double) FUZZ_NOW + FUZZ_LEEWAY);
    check(id->iat >= -9223372036854775808.0);

    /* an OpenID token lives at most 24 h from iat to exp */

    if (v->cognito) {
        check(id->exp - id->iat <= CIG_TOKEN_MAX_LIFETIME + FUZZ_LEEWAY);
    }

    if (!v->cognito) {
        return;
    }

    check(cig_identity_id_valid(id->sub.data, id->sub.len));

    check(id->namr >= 1 && id->namr <= CIG_MAX_AMR);

    for (i = 0; i < id->namr; i++) {
        check(id->amr[i].len > 0);
        check(memchr(id->amr[i].data, '\0', id->amr[i].len) == NULL);

        if (i > 0) {
            check(!str_eq(id->amr[i], "authenticated")
                  && !str_eq(id->amr[i], "unauthenticated"));
        }
    }

    if (id->authenticated) {
        check(str_eq(id->amr[0], "authenticated"));
        if (id->namr > 1) {
            check(id->provider.data == id->amr[1].data
                  && id->provider.len == id->amr[1].len);
        } else {
            check(id->provider.len == 0);
        }

    } else {
        check(str_eq(id->amr[0], "unauthenticated"));
        check(id->namr == 1);
        check(id->provider.len == 0);
    }
}


static cig_code_t
verify(const cig_verifier_t *v, const char *token, size_t len)
{
    cig_arena_t      *arena;
    cig_allocator_t   a;
    cig_identity_t    id;
    cig_err_t         err;
    cig_code_t        rc;

    arena = cig_arena_create();
    check(arena != NULL);
    cig_arena_allocator(arena, &a);

    err.code = CIG_ERR_INTERNAL;
    err.msg[0] = 'x';

    rc = cig_token_verify(v, token, len, FUZZ_NOW, &a, &id, &err);

    check(rc == err.code);
    check(memchr(err.msg, '\0', sizeof(err.msg)) != NULL);

    if (rc == CIG_OK) {
        check(err.msg[0] == '\0');
        check_identity(v, &id);

    } else {
        check(rc == CIG_ERR_INVALID_TOKEN || rc == CIG_ERR_INTERNAL);
        check(err.msg[0] != '\0');
    }

    cig_arena_destroy(arena);

    return rc;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t  *hdr, *pay, *nul;
    size_t          hlen, plen, len;
    char           *token;
    cig_code_t      rc_cognito, rc_plain;

    nul = memchr(data, '\0', size);

    if (nul == NULL) {
        hdr = (const uint8_t *) FUZZ_HEADER;
        hlen = sizeof(FUZZ_HEADER) - 1;
        pay = data;
        plen = size;

    } else {
        hdr = data;
        hlen = (size_t) (nul - data);
        pay = nul + 1;
        plen = size - hlen - 1;
    }

    if (hlen == 0 || plen == 0
        || b64url_len(hlen) + b64url_len(plen) + 400 > CIG_MAX_TOKEN_LEN)
    {
        return 0;       /* refused before any signature work; fuzz_token */
    }

    token = sign(hdr, hlen, pay, plen, &len);

    rc_cognito = verify(&cognito_v, token, len);
    rc_plain = verify(&plain_v, token, len);

    if (rc_cognito == CIG_OK) {
        check(rc_plain == CIG_OK);
    }

    free(token);

    return 0;
}
