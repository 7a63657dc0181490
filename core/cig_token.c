/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Verification of a compact JWS and of Cognito's claims.
 *
 * Order matters for both safety and cost: the structure, the header and the
 * key are checked first (a malformed token or an unknown kid costs no RSA
 * work), then every part is decoded strictly, then the signature is
 * verified, and only then are the claims parsed and interpreted.
 */

#include <string.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "cig.h"
#include <openssl/err.h>

#include "cig_internal.h"


#define cig_fail(err, ...)                                                    \
    (cig_err_set(err, CIG_ERR_INVALID_TOKEN, __VA_ARGS__),                    \
     CIG_ERR_INVALID_TOKEN)


static int cig_loglen(cig_str_t s);


static int
cig_alg_index(cig_alg_t alg)
{
    switch (alg) {
    case CIG_ALG_RS256: return 0;
    case CIG_ALG_RS384: return 1;
    case CIG_ALG_RS512: return 2;
    default:            return -1;
    }
}


/*
 * Everything about a verification that does not depend on the token is
 * done once per key: in OpenSSL 3 a fresh EVP_DigestVerifyInit fetches the
 * digest and the signature implementation from the provider store (locks,
 * a hash table walk, allocations) on every call, about a tenth of one
 * RS512 verification.
 */

int
cig_key_prepare(cig_key_t *key)
{
    static const char *const  names[3] = { "SHA256", "SHA384", "SHA512" };
    static const cig_alg_t    algs[3] = {
        CIG_ALG_RS256, CIG_ALG_RS384, CIG_ALG_RS512
    };
    int                       i;
    EVP_PKEY_CTX             *ctx;

    for (i = 0; i < 3; i++) {
        if (key->alg != CIG_ALG_NONE && key->alg != algs[i]) {
            continue;
        }

        key->md[i] = EVP_MD_fetch(NULL, names[i], NULL);
        if (key->md[i] == NULL) {
            return 0;
        }

        ctx = EVP_PKEY_CTX_new(key->pkey, NULL);
        key->vctx[i] = ctx;

        if (ctx == NULL
            || EVP_PKEY_verify_init(ctx) != 1
            || EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) != 1
            || EVP_PKEY_CTX_set_signature_md(ctx, key->md[i]) != 1)
        {
            return 0;
        }
    }

    return 1;
}


void
cig_key_release(cig_key_t *key)
{
    int  i;

    for (i = 0; i < 3; i++) {
        EVP_PKEY_CTX_free(key->vctx[i]);
        EVP_MD_free(key->md[i]);
        key->vctx[i] = NULL;
        key->md[i] = NULL;
    }

    EVP_PKEY_free(key->pkey);
    key->pkey = NULL;
}


int
cig_rsa_verify(const cig_key_t *key, cig_alg_t alg, const unsigned char *msg,
    size_t msg_len, const unsigned char *sig, size_t sig_len)
{
    unsigned char   digest[EVP_MAX_MD_SIZE];
    unsigned int    digest_len;
    EVP_PKEY_CTX   *ctx;
    int             i, rc;

    i = cig_alg_index(alg);

    if (i < 0 || key->vctx[i] == NULL || sig_len != key->sig_len) {
        return 0;
    }

    if (EVP_Digest(msg, msg_len, digest, &digest_len, key->md[i], NULL)
        != 1)
    {
        return 0;
    }

    /* a copy, so that threads sharing the key never share a context */

    ctx = EVP_PKEY_CTX_dup(key->vctx[i]);
    if (ctx == NULL) {
        return 0;
    }

    rc = EVP_PKEY_verify(ctx, sig, sig_len, digest, digest_len) == 1;

    EVP_PKEY_CTX_free(ctx);

    /*
     * A signature that does not verify leaves entries on the thread's
     * OpenSSL error queue; the servers' own TLS code (nginx's, mod_ssl)
     * reads that queue, so nothing of ours may stay there.
     */

    if (!rc) {
        ERR_clear_error();
    }

    return rc;
}


static unsigned char *
cig_decode_part(const char *part, size_t len, const cig_allocator_t *a,
    size_t *out_len)
{
    unsigned char  *buf;

    buf = a->alloc(a->ctx, cig_b64_decoded_max(len) + 1);
    if (buf == NULL) {
        return NULL;
    }

    if (!cig_b64url_decode_strict(part, len, buf, out_len)) {
        *out_len = (size_t) -1;
        return buf;
    }

    buf[*out_len] = '\0';

    return buf;
}


static cig_code_t
cig_json_failed(cig_err_t *err, const char *part)
{
    char  reason[CIG_ERR_MSG_LEN];

    if (err->code == CIG_ERR_INTERNAL) {
        return CIG_ERR_INTERNAL;
    }

    memcpy(reason, err->msg, sizeof(reason));

    return cig_fail(err, "%s: %s", part, reason);
}


static cig_code_t
cig_header(const cig_verifier_t *v, const cig_json_t *hdr, cig_identity_t *id,
    cig_err_t *err)
{
    static const char *const  forbidden[] = {
        "crit", "jwk", "jku", "x5u", "x5c", "b64", "zip", "enc"
    };
    const cig_json_t  *alg, *kid, *typ;
    size_t             i;

    if (hdr->type != CIG_JSON_OBJECT) {
        return cig_fail(err, "header is not a JSON object");
    }

    /*
     * Members that would make the token carry or point to its own key, or
     * change how it is processed, are refused outright: Cognito never sends
     * them, and honouring any of them is how JWT libraries got bypassed.
     */

    for (i = 0; i < sizeof(forbidden) / sizeof(forbidden[0]); i++) {
        if (cig_json_get(hdr, forbidden[i]) != NULL) {
            return cig_fail(err, "header member \"%s\" is not accepted",
                            forbidden[i]);
        }
    }

    alg = cig_json_get(hdr, "alg");

    if (alg == NULL || alg->type != CIG_JSON_STRING) {
        return cig_fail(err, "header has no \"alg\" string");
    }

    id->alg = cig_alg_from_name(alg->str.data, alg->str.len);

    if (id->alg == CIG_ALG_NONE || !(v->algs & id->alg)) {
        return cig_fail(err, "algorithm \"%.*s\" is not allowed",
                        cig_loglen(alg->str) > 16 ? 16 : cig_loglen(alg->str),
                        alg->str.data);
    }

    typ = cig_json_get(hdr, "typ");

    if (typ != NULL && typ->type != CIG_JSON_STRING) {
        return cig_fail(err, "header \"typ\" is not a string");
    }

    kid = cig_json_get(hdr, "kid");

    if (kid == NULL || kid->type != CIG_JSON_STRING || kid->str.len == 0) {
        return cig_fail(err, "header has no \"kid\" string");
    }

    if (kid->str.len > CIG_MAX_KID_LEN) {
        return cig_fail(err, "header \"kid\" is too long");
    }

    id->kid = kid->str;

    return CIG_OK;
}


static const cig_key_t *
cig_find_key(const cig_verifier_t *v, cig_str_t kid, size_t *total)
{
    const cig_key_t  *key;
    size_t            i;

    *total = 0;

    for (i = 0; i < v->nkeysets; i++) {
        if (v->keysets[i] == NULL) {
            continue;
        }

        *total += v->keysets[i]->nkeys;

        key = cig_keyset_find(v->keysets[i], kid.data, kid.len);
        if (key != NULL) {
            return key;
        }
    }

    return NULL;
}


/* A printable, bounded rendition of a claim value for the log. */

static int
cig_loglen(cig_str_t s)
{
    size_t  i;

    for (i = 0; i < s.len && i < 64; i++) {
        if ((unsigned char) s.data[i] < 0x20 || s.data[i] == 0x7f
            || s.data[i] == '"' || s.data[i] == '\\')
        {
            break;
        }
    }

    return (int) i;
}


/*
 * A NumericDate (RFC 7519 2): a JSON number of seconds, fractions allowed;
 * bounded to what an int64_t holds, so that no caller converts an
 * unrepresentable value.
 */

static cig_code_t
cig_numeric_date(const cig_json_t *claims, const char *name, int required,
    const cig_json_t **out, cig_err_t *err)
{
    const cig_json_t  *c;

    c = cig_json_get(claims, name);
    *out = c;

    if (c == NULL) {
        if (required) {
            return cig_fail(err, "claim \"%s\" is missing", name);
        }

        return CIG_OK;
    }

    if (c->type != CIG_JSON_NUMBER) {
        return cig_fail(err, "claim \"%s\" is not a number", name);
    }

    /* -2^63 <= num < 2^63; the JSON reader refuses what is not finite */

    if (!(c->num >= -9223372036854775808.0 && c->num < 9223372036854775808.0))
    {
        return cig_fail(err, "claim \"%s\" is out of range", name);
    }

    return CIG_OK;
}


static cig_code_t
cig_time_claims(const cig_verifier_t *v, const cig_json_t *claims,
    int64_t now, cig_identity_t *id, cig_err_t *err)
{
    const cig_json_t  *exp, *nbf, *iat;
    double             t, leeway;
    cig_code_t         rc;

    t = (double) now;
    leeway = (double) v->leeway;

    rc = cig_numeric_date(claims, "exp", 1, &exp, err);
    if (rc != CIG_OK) {
        return rc;
    }

    /* RFC 7519 4.1.4: the current time must be before exp */

    if (t >= exp->num + leeway) {
        return cig_fail(err, "token expired %.0f s ago", t - exp->num);
    }

    id->exp = exp->num;

    rc = cig_numeric_date(claims, "nbf", 0, &nbf, err);
    if (rc != CIG_OK) {
        return rc;
    }

    if (nbf != NULL && t + leeway < nbf->num) {
        return cig_fail(err, "token not valid for another %.0f s",
                        nbf->num - t);
    }

    /* Cognito's tokens and OpenID Connect's ID tokens always carry iat */

    rc = cig_numeric_date(claims, "iat", 1, &iat, err);
    if (rc != CIG_OK) {
        return rc;
    }

    if (iat->num > t + leeway) {
        return cig_fail(err, "token issued %.0f s in the future",
                        iat->num - t);
    }

    /*
     * Cognito issues OpenID tokens for at most 24 hours (the longest
     * TokenDuration of GetOpenIdTokenForDeveloperIdentity)
     */

    if (v->cognito && exp->num - iat->num > CIG_TOKEN_MAX_LIFETIME + leeway) {
        return cig_fail(err, "claim \"exp\" is more than 24 h after \"iat\"");
    }

    id->iat = iat->num;
    id->has_iat = 1;

    return CIG_OK;
}


static cig_code_t
cig_cognito_amr(const cig_json_t *claims, cig_identity_t *id, cig_err_t *err)
{
    const cig_json_t  *amr, *m;
    size_t             i;

    amr = cig_json_get(claims, "amr");

    if (amr == NULL) {
        return cig_fail(err, "claim \"amr\" is missing");
    }

    if (amr->type != CIG_JSON_ARRAY) {
        return cig_fail(err, "claim \"amr\" is not an array");
    }

    if (amr->count == 0 || amr->count > CIG_MAX_AMR) {
        return cig_fail(err, "claim \"amr\" has %zu entries", amr->count);
    }

    i = 0;

    for (m = amr->child; m; m = m->next) {
        if (m->type != CIG_JSON_STRING || m->str.len == 0
            || memchr(m->str.data, '\0', m->str.len) != NULL)
        {
            return cig_fail(err, "claim \"amr\" has an entry that is not a "
                            "non-empty string");
        }

        /* only the first entry may say how the identity authenticated */

        if (i > 0 && (cig_str_is(m->str, "authenticated")
                      || cig_str_is(m->str, "unauthenticated")))
        {
            return cig_fail(err, "claim \"amr\" is contradictory");
        }

        id->amr[i++] = m->str;
    }

    id->namr = i;

    if (cig_str_is(id->amr[0], "unauthenticated")) {
        if (id->namr != 1) {
            return cig_fail(err, "claim \"amr\" of a guest has extra entries");
        }

        id->authenticated = 0;

    } else if (cig_str_is(id->amr[0], "authenticated")) {
        id->authenticated = 1;

        if (id->namr > 1) {
            id->provider = id->amr[1];
        }

    } else {
        return cig_fail(err, "claim \"amr\" starts with neither "
                        "\"authenticated\" nor \"unauthenticated\"");
    }

    return CIG_OK;
}


/*
 * Principal tags, where present, must be what STS could hold: an object of
 * tag keys, unique without regard to case as IAM compares them, each with
 * a string or an array of strings.  Anything else is ambiguous.
 */

static cig_code_t
cig_cognito_tags(const cig_json_t *claims, cig_err_t *err)
{
    const cig_json_t  *tags, *pt, *m, *o, *v;
    size_t             i;

    tags = cig_json_get(claims, "https://aws.amazon.com/tags");

    if (tags == NULL) {
        return CIG_OK;
    }

    pt = cig_json_get(tags, "principal_tags");

    if (tags->type != CIG_JSON_OBJECT
        || (pt != NULL && pt->type != CIG_JSON_OBJECT))
    {
        return cig_fail(err, "principal tags are not an object of tags");
    }

    for (m = pt ? pt->child : NULL; m; m = m->next) {
        if (m->type == CIG_JSON_ARRAY) {
            for (v = m->child; v; v = v->next) {
                if (v->type != CIG_JSON_STRING) {
                    return cig_fail(err, "principal tag values must be "
                                    "strings");
                }
            }

        } else if (m->type != CIG_JSON_STRING) {
            return cig_fail(err, "principal tag values must be strings");
        }

        for (o = m->next; o; o = o->next) {
            if (o->key.len != m->key.len) {
                continue;
            }

            for (i = 0; i < m->key.len; i++) {
                char  a = m->key.data[i], b = o->key.data[i];

                a = (a >= 'A' && a <= 'Z') ? a + 32 : a;
                b = (b >= 'A' && b <= 'Z') ? b + 32 : b;

                if (a != b) {
                    break;
                }
            }

            if (i == m->key.len) {
                return cig_fail(err, "principal tag keys that differ only in "
                                "case are ambiguous");
            }
        }
    }

    return CIG_OK;
}


static cig_code_t
cig_claims(const cig_verifier_t *v, const cig_json_t *claims, int64_t now,
    cig_identity_t *id, cig_err_t *err)
{
    const cig_json_t  *iss, *aud, *sub;
    cig_code_t         rc;

    if (claims->type != CIG_JSON_OBJECT) {
        return cig_fail(err, "payload is not a JSON object");
    }

    iss = cig_json_get(claims, "iss");

    if (iss == NULL || iss->type != CIG_JSON_STRING) {
        return cig_fail(err, "claim \"iss\" is missing or not a string");
    }

    if (iss->str.len != v->issuer.len
        || memcmp(iss->str.data, v->issuer.data, iss->str.len) != 0)
    {
        return cig_fail(err, "issuer \"%.*s\" is not trusted",
                        cig_loglen(iss->str), iss->str.data);
    }

    aud = cig_json_get(claims, "aud");

    if (aud == NULL) {
        return cig_fail(err, "claim \"aud\" is missing");
    }

    /* Cognito sends one pool id as a string; an array is refused */

    if (aud->type != CIG_JSON_STRING) {
        return cig_fail(err, "claim \"aud\" is not a string");
    }

    if (!cig_strs_find(v->audiences, v->naudiences, aud->str.data,
                       aud->str.len))
    {
        return cig_fail(err, "audience \"%.*s\" is not an allowed pool",
                        cig_loglen(aud->str), aud->str.data);
    }

    rc = cig_time_claims(v, claims, now, id, err);
    if (rc != CIG_OK) {
        return rc;
    }

    sub = cig_json_get(claims, "sub");

    if (sub == NULL || sub->type != CIG_JSON_STRING || sub->str.len == 0) {
        return cig_fail(err, "claim \"sub\" is missing or not a string");
    }

    if (v->cognito && !cig_identity_id_valid(sub->str.data, sub->str.len)) {
        return cig_fail(err, "claim \"sub\" is not an identity id");
    }

    id->iss = iss->str;
    id->aud = aud->str;
    id->sub = sub->str;
    id->claims = claims;

    if (v->cognito) {
        rc = cig_cognito_tags(claims, err);
        if (rc != CIG_OK) {
            return rc;
        }

        return cig_cognito_amr(claims, id, err);
    }

    return CIG_OK;
}


cig_code_t
cig_token_verify(const cig_verifier_t *v, const char *token, size_t len,
    int64_t now, const cig_allocator_t *a, cig_identity_t *id,
    cig_err_t *err)
{
    const char        *dot1, *dot2, *hpart, *ppart, *spart;
    size_t             hlen, plen, slen, hdr_len, pay_len, sig_len, nkeys;
    unsigned char     *hdr_buf, *pay_buf, *sig_buf;
    cig_json_t        *hdr, *claims;
    const cig_key_t   *key;
    cig_code_t         rc;

    memset(id, 0, sizeof(cig_identity_t));

    if (len == 0) {
        cig_err_set(err, CIG_ERR_NO_TOKEN, "no token");
        return CIG_ERR_NO_TOKEN;
    }

    if (len > CIG_MAX_TOKEN_LEN) {
        return cig_fail(err, "token of %zu bytes, at most %d accepted", len,
                        CIG_MAX_TOKEN_LEN);
    }

    /* exactly three non-empty parts */

    dot1 = memchr(token, '.', len);
    dot2 = dot1 ? memchr(dot1 + 1, '.', len - (size_t) (dot1 + 1 - token))
                : NULL;

    if (dot2 == NULL
        || memchr(dot2 + 1, '.', len - (size_t) (dot2 + 1 - token)) != NULL)
    {
        return cig_fail(err, "not a compact JWS of three parts");
    }

    hpart = token;
    hlen = (size_t) (dot1 - token);
    ppart = dot1 + 1;
    plen = (size_t) (dot2 - ppart);
    spart = dot2 + 1;
    slen = len - (size_t) (spart - token);

    if (hlen == 0 || plen == 0 || slen == 0) {
        return cig_fail(err, "a token part is empty");
    }

    /* header */

    hdr_buf = cig_decode_part(hpart, hlen, a, &hdr_len);
    if (hdr_buf == NULL) {
        goto nomem;
    }

    if (hdr_len == (size_t) -1) {
        return cig_fail(err, "header is not canonical base64url");
    }

    hdr = cig_json_parse((char *) hdr_buf, hdr_len, 2, a, err);
    if (hdr == NULL) {
        return cig_json_failed(err, "header");
    }

    rc = cig_header(v, hdr, id, err);
    if (rc != CIG_OK) {
        return rc;
    }

    key = cig_find_key(v, id->kid, &nkeys);

    if (key == NULL) {
        if (nkeys == 0) {
            cig_err_set(err, CIG_ERR_NO_KEYS, "no verification keys");
            return CIG_ERR_NO_KEYS;
        }

        id->unknown_kid = 1;
        return cig_fail(err, "unknown kid \"%.*s\"", cig_loglen(id->kid),
                        id->kid.data);
    }

    if (key->alg != CIG_ALG_NONE && key->alg != id->alg) {
        return cig_fail(err, "key \"%.*s\" is for %s, token says %s",
                        cig_loglen(id->kid), id->kid.data,
                        cig_alg_name(key->alg), cig_alg_name(id->alg));
    }

    /* payload and signature are decoded strictly before any RSA work */

    pay_buf = cig_decode_part(ppart, plen, a, &pay_len);
    if (pay_buf == NULL) {
        goto nomem;
    }

    if (pay_len == (size_t) -1) {
        return cig_fail(err, "payload is not canonical base64url");
    }

    sig_buf = cig_decode_part(spart, slen, a, &sig_len);
    if (sig_buf == NULL) {
        goto nomem;
    }

    if (sig_len == (size_t) -1) {
        return cig_fail(err, "signature is not canonical base64url");
    }

    if (sig_len != key->sig_len) {
        return cig_fail(err, "signature of %zu bytes, key \"%.*s\" needs %zu",
                        sig_len, cig_loglen(id->kid), id->kid.data,
                        key->sig_len);
    }

    if (!cig_rsa_verify(key, id->alg, (const unsigned char *) token,
                        (size_t) (dot2 - token), sig_buf, sig_len))
    {
        return cig_fail(err, "signature does not verify with key \"%.*s\"",
                        cig_loglen(id->kid), id->kid.data);
    }

    memcpy(id->key_fp, key->fp, CIG_KEY_FP_LEN);

    /* claims, now that they are authentic */

    claims = cig_json_parse((char *) pay_buf, pay_len, CIG_MAX_JSON_DEPTH, a,
                            err);
    if (claims == NULL) {
        return cig_json_failed(err, "payload");
    }

    rc = cig_claims(v, claims, now, id, err);
    if (rc != CIG_OK) {
        return rc;
    }

    id->payload.data = (const char *) pay_buf;
    id->payload.len = pay_len;

    err->code = CIG_OK;
    err->msg[0] = '\0';

    return CIG_OK;

nomem:

    cig_err_set(err, CIG_ERR_INTERNAL, "out of memory");

    return CIG_ERR_INTERNAL;
}


cig_code_t
cig_token_thaw(const cig_verifier_t *v, const void *frozen, size_t len,
    int64_t now, const cig_allocator_t *a, cig_identity_t *id,
    cig_err_t *err)
{
    const cig_key_t  *key;
    size_t            nkeys;
    cig_code_t        rc;
    cig_frozen_t      f;

    memset(id, 0, sizeof(cig_identity_t));

    rc = cig_frozen_open(frozen, len, a, &f, err);
    if (rc != CIG_OK) {
        return rc;
    }

    key = cig_find_key(v, f.kid, &nkeys);

    if (key == NULL || memcmp(key->fp, f.key_fp, CIG_KEY_FP_LEN) != 0) {
        return cig_fail(err, "key \"%.*s\" that signed the cached token is "
                        "no longer loaded here", cig_loglen(f.kid),
                        f.kid.data);
    }

    /* the algorithm checks of a verification: allowed here, and the key's */

    if (!(v->algs & f.alg)
        || (key->alg != CIG_ALG_NONE && key->alg != f.alg))
    {
        return cig_fail(err, "algorithm of the cached token is not allowed "
                        "here");
    }

    id->kid = f.kid;
    id->alg = f.alg;
    memcpy(id->key_fp, f.key_fp, CIG_KEY_FP_LEN);

    rc = cig_claims(v, f.claims, now, id, err);
    if (rc != CIG_OK) {
        return rc;
    }

    id->payload = f.payload;

    err->code = CIG_OK;
    err->msg[0] = '\0';

    return CIG_OK;
}


/* Reasons, for counters and logs (cig.h). */

const char *const  cig_reason_names[CIG_REASON_N] = {
    "ok", "preflight",
    "no_token", "malformed", "algorithm", "signature", "expired",
    "not_yet_valid", "issuer", "audience", "unknown_kid", "login_token",
    "guest", "role", "prefix", "policy", "explicit_deny", "bad_request",
    "no_keys", "internal"
};


/* the beginnings of this file's (and the connectors') 401 messages */

static const struct {
    const char    *prefix;
    cig_reason_t   reason;
} cig_reason_prefixes[] = {
    { "token expired", CIG_REASON_EXPIRED },
    { "token not valid for another", CIG_REASON_NOT_YET_VALID },
    { "token issued", CIG_REASON_NOT_YET_VALID },
    { "issuer \"", CIG_REASON_ISSUER },
    { "audience \"", CIG_REASON_AUDIENCE },
    { "unknown kid", CIG_REASON_UNKNOWN_KID },
    { "signature does not verify", CIG_REASON_SIGNATURE },
    { "signature of ", CIG_REASON_SIGNATURE },
    { "algorithm \"", CIG_REASON_ALGORITHM },
    { "key \"", CIG_REASON_ALGORITHM },
    { "login token: ", CIG_REASON_LOGIN_TOKEN },
    { NULL, CIG_REASON_MALFORMED }
};


cig_reason_t
cig_reason_unauthorized(const char *msg, size_t len)
{
    size_t  i, n;

    if ((len == sizeof("no token") - 1
         && memcmp(msg, "no token", len) == 0)
        || (len == sizeof("no bearer token") - 1
            && memcmp(msg, "no bearer token", len) == 0))
    {
        return CIG_REASON_NO_TOKEN;
    }

    for (i = 0; cig_reason_prefixes[i].prefix != NULL; i++) {
        n = strlen(cig_reason_prefixes[i].prefix);

        if (len >= n && memcmp(msg, cig_reason_prefixes[i].prefix, n) == 0) {
            return cig_reason_prefixes[i].reason;
        }
    }

    return CIG_REASON_MALFORMED;
}
