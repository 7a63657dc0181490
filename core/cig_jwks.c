/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * JWKS: RSA signing keys become OpenSSL keys once, when the set is loaded;
 * verification never parses a key.  Strict about what makes a key usable
 * (size, exponent, kid, use, alg), tolerant about how `n` and `e` are
 * encoded, because Cognito's jwks_uri serves padded standard base64.
 */

#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/sha.h>

#include "cig.h"
#include "cig_internal.h"


cig_alg_t
cig_alg_from_name(const char *name, size_t len)
{
    if (len == 5 && memcmp(name, "RS256", 5) == 0) {
        return CIG_ALG_RS256;
    }

    if (len == 5 && memcmp(name, "RS384", 5) == 0) {
        return CIG_ALG_RS384;
    }

    if (len == 5 && memcmp(name, "RS512", 5) == 0) {
        return CIG_ALG_RS512;
    }

    return CIG_ALG_NONE;
}


const char *
cig_alg_name(cig_alg_t alg)
{
    switch (alg) {
    case CIG_ALG_RS256: return "RS256";
    case CIG_ALG_RS384: return "RS384";
    case CIG_ALG_RS512: return "RS512";
    default:            return "none";
    }
}


/*
 * SHA-256 of the moduli of keys whose private half is published with this
 * project (examples/dev/dev-key.pem).  A key set holding one of them is
 * marked, so that connectors refuse to trust it for AWS's issuer.
 */

static const unsigned char  cig_development_keys[][SHA256_DIGEST_LENGTH] = {
    { 0xd1, 0x81, 0x9f, 0x48, 0xb5, 0xf1, 0xc5, 0x83, 0xc4, 0x2b, 0x99, 0x29,
      0x84, 0xb0, 0xf3, 0xd6, 0x4f, 0x38, 0x32, 0xfc, 0x70, 0x7b, 0xff, 0xf9,
      0x0f, 0x7f, 0xa0, 0xd5, 0x37, 0x6b, 0x49, 0x8f }
};


/* SHA-256 of the modulus: tells keys apart, and finds development keys */

int
cig_rsa_modulus_fingerprint(const BIGNUM *n, unsigned char *md)
{
    unsigned char   buf[CIG_MAX_RSA_BITS / 8];
    int             len;

    if (BN_num_bytes(n) > (int) sizeof(buf)) {
        return 0;
    }

    len = BN_bn2bin(n, buf);
    if (len <= 0) {
        return 0;
    }

    SHA256(buf, (size_t) len, md);

    return 1;
}


int
cig_rsa_digest_is_development(const unsigned char *md)
{
    size_t  i;

    for (i = 0; i < sizeof(cig_development_keys) / SHA256_DIGEST_LENGTH; i++)
    {
        if (memcmp(md, cig_development_keys[i], SHA256_DIGEST_LENGTH) == 0) {
            return 1;
        }
    }

    return 0;
}


static BIGNUM *
cig_jwk_bignum(const cig_json_t *jwk, const char *name, cig_str_t kid,
    cig_err_t *err)
{
    const cig_json_t  *m;
    unsigned char     *buf;
    size_t             n;
    BIGNUM            *bn;

    m = cig_json_get(jwk, name);

    if (m == NULL || m->type != CIG_JSON_STRING || m->str.len == 0) {
        cig_err_set(err, CIG_ERR_CONFIG, "key \"%.*s\": \"%s\" is missing or "
                    "not a string", (int) kid.len, kid.data, name);
        return NULL;
    }

    buf = malloc(cig_b64_decoded_max(m->str.len));
    if (buf == NULL) {
        cig_err_set(err, CIG_ERR_INTERNAL, "out of memory");
        return NULL;
    }

    if (!cig_b64_decode_lenient(m->str.data, m->str.len, buf, &n) || n == 0) {
        free(buf);
        cig_err_set(err, CIG_ERR_CONFIG, "key \"%.*s\": \"%s\" is not base64",
                    (int) kid.len, kid.data, name);
        return NULL;
    }

    /* big-endian, leading zero bytes (as AWS serves n) are harmless here */

    bn = BN_bin2bn(buf, (int) n, NULL);
    free(buf);

    if (bn == NULL) {
        cig_err_set(err, CIG_ERR_INTERNAL, "out of memory");
    }

    return bn;
}


static EVP_PKEY *
cig_jwk_rsa(const cig_json_t *jwk, cig_str_t kid, int *development,
    unsigned char *fp, cig_err_t *err)
{
    unsigned char    md[SHA256_DIGEST_LENGTH];

    BIGNUM          *n, *e;
    EVP_PKEY        *pkey;
    EVP_PKEY_CTX    *ctx;
    OSSL_PARAM      *params;
    OSSL_PARAM_BLD  *bld;
    int              bits;

    pkey = NULL;
    ctx = NULL;
    params = NULL;
    bld = NULL;
    e = NULL;

    n = cig_jwk_bignum(jwk, "n", kid, err);
    if (n == NULL) {
        return NULL;
    }

    e = cig_jwk_bignum(jwk, "e", kid, err);
    if (e == NULL) {
        goto done;
    }

    bits = BN_num_bits(n);

    if (bits < CIG_MIN_RSA_BITS || bits > CIG_MAX_RSA_BITS) {
        cig_err_set(err, CIG_ERR_CONFIG, "key \"%.*s\": RSA modulus of %d "
                    "bits, %d to %d required", (int) kid.len, kid.data, bits,
                    CIG_MIN_RSA_BITS, CIG_MAX_RSA_BITS);
        goto done;
    }

    if (!BN_is_odd(n) || !BN_is_odd(e) || BN_num_bits(e) < 2
        || BN_num_bits(e) > 33)
    {
        cig_err_set(err, CIG_ERR_CONFIG, "key \"%.*s\": implausible RSA "
                    "modulus or exponent", (int) kid.len, kid.data);
        goto done;
    }

    if (!cig_rsa_modulus_fingerprint(n, md)) {
        cig_err_set(err, CIG_ERR_INTERNAL, "cannot digest the modulus");
        goto done;
    }

    *development = cig_rsa_digest_is_development(md);
    memcpy(fp, md, CIG_KEY_FP_LEN);

    bld = OSSL_PARAM_BLD_new();
    if (bld == NULL
        || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n)
        || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e)
        || (params = OSSL_PARAM_BLD_to_param(bld)) == NULL)
    {
        cig_err_set(err, CIG_ERR_INTERNAL, "OpenSSL parameter build failed");
        goto done;
    }

    ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    if (ctx == NULL
        || EVP_PKEY_fromdata_init(ctx) <= 0
        || EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0)
    {
        cig_err_set(err, CIG_ERR_CONFIG, "key \"%.*s\": OpenSSL refused the "
                    "RSA key", (int) kid.len, kid.data);
        pkey = NULL;
        goto done;
    }

done:

    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(n);
    BN_free(e);

    return pkey;
}


static int
cig_jwks_key(cig_keyset_t *ks, const cig_json_t *jwk, unsigned *skipped,
    cig_err_t *err)
{
    static const char *const  private_members[] = {
        "d", "p", "q", "dp", "dq", "qi", "k"
    };
    const cig_json_t  *kty, *use, *alg, *kid, *ops, *op;
    cig_key_t         *key;
    cig_str_t          name;
    size_t             i;
    int                verify, development = 0;

    if (jwk->type != CIG_JSON_OBJECT) {
        cig_err_set(err, CIG_ERR_CONFIG, "a member of \"keys\" is not an "
                    "object");
        return 0;
    }

    kid = cig_json_get(jwk, "kid");

    if (kid == NULL || kid->type != CIG_JSON_STRING || kid->str.len == 0
        || kid->str.len > CIG_MAX_KID_LEN
        || memchr(kid->str.data, '\0', kid->str.len) != NULL)
    {
        cig_err_set(err, CIG_ERR_CONFIG, "a key has no usable \"kid\" "
                    "(a string of 1 to %d characters is required)",
                    CIG_MAX_KID_LEN);
        return 0;
    }

    name = kid->str;

    for (i = 0; i < sizeof(private_members) / sizeof(private_members[0]); i++)
    {
        if (cig_json_get(jwk, private_members[i]) != NULL) {
            cig_err_set(err, CIG_ERR_CONFIG, "key \"%.*s\" contains private "
                        "key material (\"%s\"); publish only public keys",
                        (int) name.len, name.data, private_members[i]);
            return 0;
        }
    }

    kty = cig_json_get(jwk, "kty");
    use = cig_json_get(jwk, "use");
    alg = cig_json_get(jwk, "alg");
    ops = cig_json_get(jwk, "key_ops");

    if (kty == NULL || kty->type != CIG_JSON_STRING) {
        cig_err_set(err, CIG_ERR_CONFIG, "key \"%.*s\": \"kty\" is missing",
                    (int) name.len, name.data);
        return 0;
    }

    if (use != NULL && use->type != CIG_JSON_STRING) {
        cig_err_set(err, CIG_ERR_CONFIG, "key \"%.*s\": \"use\" is not a "
                    "string", (int) name.len, name.data);
        return 0;
    }

    if (alg != NULL && alg->type != CIG_JSON_STRING) {
        cig_err_set(err, CIG_ERR_CONFIG, "key \"%.*s\": \"alg\" is not a "
                    "string", (int) name.len, name.data);
        return 0;
    }

    if (ops != NULL) {
        if (ops->type != CIG_JSON_ARRAY) {
            cig_err_set(err, CIG_ERR_CONFIG, "key \"%.*s\": \"key_ops\" is "
                        "not an array", (int) name.len, name.data);
            return 0;
        }

        verify = 0;
        for (op = ops->child; op; op = op->next) {
            if (op->type == CIG_JSON_STRING && cig_str_is(op->str, "verify")) {
                verify = 1;
            }
        }

    } else {
        verify = 1;
    }

    /* keys we cannot or must not use for signatures are passed over */

    if (!cig_str_is(kty->str, "RSA")
        || (use != NULL && !cig_str_is(use->str, "sig"))
        || !verify)
    {
        if (skipped) {
            (*skipped)++;
        }
        return 1;
    }

    if (ks->nkeys == CIG_MAX_KEYS) {
        cig_err_set(err, CIG_ERR_CONFIG, "more than %d keys", CIG_MAX_KEYS);
        return 0;
    }

    for (i = 0; i < ks->nkeys; i++) {
        if (ks->keys[i].kid_len == name.len
            && memcmp(ks->keys[i].kid, name.data, name.len) == 0)
        {
            cig_err_set(err, CIG_ERR_CONFIG, "duplicate kid \"%.*s\"",
                        (int) name.len, name.data);
            return 0;
        }
    }

    key = &ks->keys[ks->nkeys];
    memset(key, 0, sizeof(cig_key_t));

    if (alg != NULL) {
        key->alg = cig_alg_from_name(alg->str.data, alg->str.len);

        if (key->alg == CIG_ALG_NONE) {
            cig_err_set(err, CIG_ERR_CONFIG, "key \"%.*s\": algorithm "
                        "\"%.*s\" is not supported (RS256, RS384, RS512)",
                        (int) name.len, name.data,
                        (int) alg->str.len, alg->str.data);
            return 0;
        }
    }

    key->pkey = cig_jwk_rsa(jwk, name, &development, key->fp, err);
    if (key->pkey == NULL) {
        return 0;
    }

    if (!cig_key_prepare(key)) {
        cig_key_release(key);
        cig_err_set(err, CIG_ERR_INTERNAL, "key \"%.*s\": cannot set up its "
                    "verification context", (int) name.len, name.data);
        return 0;
    }

    if (development) {
        ks->development = 1;
    }

    memcpy(key->kid, name.data, name.len);
    key->kid_len = name.len;
    key->sig_len = (size_t) EVP_PKEY_get_size(key->pkey);
    ks->nkeys++;

    return 1;
}


cig_keyset_t *
cig_keyset_from_jwks(const char *text, size_t len, unsigned *skipped,
    cig_err_t *err)
{
    cig_arena_t        *arena;
    cig_allocator_t     a;
    cig_json_t         *root;
    const cig_json_t   *keys, *jwk;
    cig_keyset_t       *ks;

    if (skipped) {
        *skipped = 0;
    }

    arena = cig_arena_create();
    if (arena == NULL) {
        cig_err_set(err, CIG_ERR_INTERNAL, "out of memory");
        return NULL;
    }

    cig_arena_allocator(arena, &a);
    ks = NULL;

    root = cig_json_parse(text, len, 8, &a, err);
    if (root == NULL) {
        err->code = CIG_ERR_CONFIG;
        goto done;
    }

    keys = cig_json_get(root, "keys");

    if (keys == NULL || keys->type != CIG_JSON_ARRAY) {
        cig_err_set(err, CIG_ERR_CONFIG, "not a JWKS: no \"keys\" array");
        goto done;
    }

    ks = calloc(1, sizeof(cig_keyset_t));
    if (ks == NULL) {
        cig_err_set(err, CIG_ERR_INTERNAL, "out of memory");
        goto done;
    }

    for (jwk = keys->child; jwk; jwk = jwk->next) {
        if (!cig_jwks_key(ks, jwk, skipped, err)) {
            cig_keyset_free(ks);
            ks = NULL;
            goto done;
        }
    }

    if (ks->nkeys == 0) {
        cig_err_set(err, CIG_ERR_CONFIG, "no RSA signing key in the JWKS");
        cig_keyset_free(ks);
        ks = NULL;
    }

done:

    cig_arena_destroy(arena);

    return ks;
}


cig_keyset_t *
cig_keyset_from_file(const char *path, unsigned *skipped, cig_err_t *err)
{
    cig_keyset_t  *ks;
    char          *text;
    size_t         len;

    text = cig_file_read(path, &len, err);
    if (text == NULL) {
        return NULL;
    }

    ks = cig_keyset_from_jwks(text, len, skipped, err);
    free(text);

    return ks;
}


void
cig_keyset_free(cig_keyset_t *ks)
{
    size_t  i;

    if (ks == NULL) {
        return;
    }

    for (i = 0; i < ks->nkeys; i++) {
        cig_key_release(&ks->keys[i]);
    }

    free(ks);
}


size_t
cig_keyset_count(const cig_keyset_t *ks)
{
    return ks ? ks->nkeys : 0;
}


int
cig_keyset_is_development(const cig_keyset_t *ks)
{
    return ks ? ks->development : 0;
}


const cig_key_t *
cig_keyset_find(const cig_keyset_t *ks, const char *kid, size_t len)
{
    size_t  i;

    for (i = 0; i < ks->nkeys; i++) {
        if (ks->keys[i].kid_len == len
            && memcmp(ks->keys[i].kid, kid, len) == 0)
        {
            return &ks->keys[i];
        }
    }

    return NULL;
}
