/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Credentials the gateway issues (cig_issue.c): the key file's rules,
 * session tokens minted and opened, tampering, expiry, deployments,
 * rotation, and the 2 KiB bound.
 */

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"


#define POOL    "us-east-1:0d0d0d0d-0000-4000-8000-000000000001"
#define ID      "us-east-1:11111111-2222-4333-8444-555555555555"
#define ROLE    "arn:aws:iam::123456789012:role/Cognito_Auth"
#define IDP     "cognito-idp.us-east-1.amazonaws.com/us-east-1_Abc123"
#define NOW     1700000000


static cig_str_t
is_str(const char *s)
{
    cig_str_t  v;

    v.data = s;
    v.len = strlen(s);

    return v;
}


/* base64url of 32 (or n) bytes, all `fill` */

static void
is_secret(char *out, unsigned char fill, size_t n)
{
    unsigned char  raw[64];

    memset(raw, fill, sizeof(raw));
    out[cig_b64url_encode(raw, n, out)] = '\0';
}


static cig_issuer_t *
is_ring(const char *keys, const char *deployment, cig_err_t *err)
{
    char  doc[2048];

    snprintf(doc, sizeof(doc), "{\"keys\":[%s]}", keys);

    return cig_issuer_from_json(doc, strlen(doc), is_str(deployment), err);
}


/* {"id":ID,"status":STATUS,"secret":base64url(32 x fill)} */

static const char *
is_key(char *buf, size_t size, const char *id, const char *status,
    unsigned char fill)
{
    char  secret[96];

    is_secret(secret, fill, 32);
    snprintf(buf, size, "{\"id\":\"%s\",\"status\":\"%s\",\"secret\":\"%s\"}",
             id, status, secret);

    return buf;
}


static void
is_session(cig_session_t *s)
{
    memset(s, 0, sizeof(cig_session_t));
    s->identity_id = is_str(ID);
    s->pool = is_str(POOL);
    s->provider = is_str(IDP);
    s->role = is_str(ROLE);
    s->amr = is_str("[\"authenticated\",\"" IDP "\",\"" IDP
                    ":CognitoSignIn:0a1b2c3d\"]");
    s->principal_tags = is_str("{\"principal_tags\":{\"team\":[\"blue\"]}}");
    s->issued = NOW;
    s->expires = NOW + 3600;
    s->authenticated = 1;
}


static int
is_same(cig_str_t a, cig_str_t b)
{
    return a.len == b.len && memcmp(a.data, b.data, a.len) == 0;
}


/* The identity of an opened session reads as a bearer token's would. */

static void
issue_identity(cig_allocator_t *a, const cig_session_t *o)
{
    char             buf[256];
    size_t           len;
    cig_err_t        err;
    cig_code_t       rc;
    cig_identity_t   id;
    cig_request_t    req;
    cig_template_t  *t;

    static const char  tmpl[] =
        "${cognito-identity.amazonaws.com:sub}/${aws:PrincipalTag/team}/"
        "${cognito-identity.amazonaws.com:aud}";

    rc = cig_session_identity(o, a, &id, &err);
    if (!tap_is_int(rc, CIG_OK, "issue: the session's identity")) {
        tap_diag("%s", err.msg);
        return;
    }

    tap_ok(is_same(id.sub, o->identity_id) && is_same(id.aud, o->pool)
           && id.authenticated && id.namr == 3
           && cig_str_is(id.amr[0], "authenticated")
           && is_same(id.amr[1], is_str(IDP)) && is_same(id.provider,
                                                          is_str(IDP))
           && id.exp == (double) o->expires && id.iat == (double) o->issued,
           "issue: sub, aud, amr, provider and times as sealed");

    memset(&req, 0, sizeof(cig_request_t));
    req.id = &id;
    req.now = NOW;

    t = cig_template_compile(tmpl, sizeof(tmpl) - 1, 0, a, &err);
    len = 0;
    tap_ok(t != NULL && cig_template_expand(t, &req, buf, sizeof(buf), &len)
           && len == strlen(ID "/blue/" POOL)
           && memcmp(buf, ID "/blue/" POOL, len) == 0,
           "issue: policy variables and principal tags read the session");
}


static void
issue_roundtrip(cig_allocator_t *a)
{
    int            ok;
    char           akid[CIG_ISSUED_AKID_LEN + 1];
    char           secret[CIG_ISSUED_SECRET_LEN + 1], k1[256];
    size_t         i;
    cig_err_t      err;
    cig_str_t      ak, sk, tok, ak2, sk2, tok2;
    cig_code_t     rc;
    cig_issuer_t  *k;
    cig_session_t  s, o;

    k = is_ring(is_key(k1, sizeof(k1), "k1", "active", 1), "prod", &err);
    if (!tap_ok(k != NULL, "issue: a key ring of one active key loads")) {
        tap_diag("%s", err.msg);
        return;
    }

    tap_is_int((long long) cig_issuer_count(k), 1, "issue: one key");
    tap_ok(is_same(cig_issuer_active_kid(k), is_str("k1")),
           "issue: k1 is the active key");

    is_session(&s);
    rc = cig_issuer_mint(k, &s, a, &ak, &sk, &tok, &err);
    tap_is_int(rc, CIG_OK, "issue: a session is minted");

    ok = ak.len == CIG_ISSUED_AKID_LEN && memcmp(ak.data, "ASIA", 4) == 0;
    for (i = 4; ok && i < ak.len; i++) {
        ok = (ak.data[i] >= 'A' && ak.data[i] <= 'Z')
             || (ak.data[i] >= '2' && ak.data[i] <= '7');
    }
    tap_ok(ok, "issue: the access key id is ASIA and 16 base32 characters");
    tap_is_int((long long) sk.len, CIG_ISSUED_SECRET_LEN,
               "issue: the secret key has 40 characters");
    tap_ok(tok.len > 0 && tok.len <= CIG_ISSUED_TOKEN_MAX
           && strlen(tok.data) == tok.len,
           "issue: the token is at most 2 KiB (%zu)", tok.len);

    rc = cig_issuer_open(k, tok.data, tok.len, NOW + 10, a, &o, akid, secret,
                         &err);
    if (!tap_is_int(rc, CIG_OK, "issue: the token opens")) {
        tap_diag("%s", err.msg);
    }

    tap_ok(is_same(o.identity_id, s.identity_id) && is_same(o.pool, s.pool)
           && is_same(o.provider, s.provider) && is_same(o.role, s.role)
           && is_same(o.amr, s.amr)
           && is_same(o.principal_tags, s.principal_tags)
           && o.issued == s.issued && o.expires == s.expires
           && o.authenticated && !o.scoped_down && !o.expired,
           "issue: the session comes back whole");
    tap_is_str(akid, ak.data, "issue: the same access key id is derived");
    tap_is_str(secret, sk.data, "issue: the same secret key is derived");

    issue_identity(a, &o);

    rc = cig_issuer_mint(k, &s, a, &ak2, &sk2, &tok2, &err);
    tap_ok(rc == CIG_OK && !is_same(tok, tok2) && !is_same(ak, ak2)
           && !is_same(sk, sk2),
           "issue: each token has its own salt, key id and secret");

    /* a guest, scoped down, without provider or tags */
    s.provider = is_str("");
    s.principal_tags = is_str("");
    s.amr = is_str("[\"unauthenticated\"]");
    s.authenticated = 0;
    s.scoped_down = 1;

    rc = cig_issuer_mint(k, &s, a, &ak, &sk, &tok, &err);
    rc = rc == CIG_OK ? cig_issuer_open(k, tok.data, tok.len, NOW, a, &o,
                                        akid, secret, &err)
                      : rc;
    tap_ok(rc == CIG_OK && !o.authenticated && o.scoped_down
           && o.provider.len == 0 && o.principal_tags.len == 0
           && is_same(o.amr, s.amr),
           "issue: a scoped-down guest session comes back whole");

    {
        cig_identity_t  gid;

        rc = cig_session_identity(&o, a, &gid, &err);
        tap_ok(rc == CIG_OK && !gid.authenticated && gid.namr == 1
               && gid.provider.len == 0 && is_same(gid.sub, s.identity_id)
               && cig_json_get(gid.claims, "https://aws.amazon.com/tags")
                  == NULL,
               "issue: a guest session's identity");

        o.amr = is_str("[\"authenticated\"]");
        tap_is_int(cig_session_identity(&o, a, &gid, &err),
                   CIG_ERR_INVALID_TOKEN,
                   "issue: an amr that contradicts the session is refused");
        o.amr = is_str("\"unauthenticated\"");
        tap_is_int(cig_session_identity(&o, a, &gid, &err),
                   CIG_ERR_INVALID_TOKEN,
                   "issue: an amr that is no array is refused");
        o.amr = s.amr;
        o.principal_tags = is_str("[1]");
        tap_is_int(cig_session_identity(&o, a, &gid, &err),
                   CIG_ERR_INVALID_TOKEN,
                   "issue: tags that are no object are refused");
    }

    /* expiry: open until the second before expires, then ExpiredToken */
    rc = cig_issuer_open(k, tok.data, tok.len, NOW + 3599, a, &o, akid,
                         secret, &err);
    tap_is_int(rc, CIG_OK, "issue: open a second before expiry");

    rc = cig_issuer_open(k, tok.data, tok.len, NOW + 3600, a, &o, akid,
                         secret, &err);
    tap_ok(rc == CIG_ERR_FORBIDDEN && o.expired && akid[0] == '\0'
           && secret[0] == '\0',
           "issue: expired at its Expiration, with no key handed back");
    tap_like(err.msg, "expired", "issue: the reason says expired");

    rc = cig_issuer_open(k, tok.data, tok.len, NOW - CIG_ISSUED_SKEW - 1, a,
                         &o, akid, secret, &err);
    tap_is_int(rc, CIG_ERR_INVALID_TOKEN,
               "issue: a token issued in the future is refused");
    tap_like(err.msg, "future", "issue: the reason says future");

    rc = cig_issuer_open(k, tok.data, tok.len, NOW - CIG_ISSUED_SKEW, a, &o,
                         akid, secret, &err);
    tap_is_int(rc, CIG_OK, "issue: clock skew within the leeway is accepted");

    cig_issuer_free(k);
}


static void
issue_tamper(cig_allocator_t *a)
{
    char           akid[CIG_ISSUED_AKID_LEN + 1];
    char           secret[CIG_ISSUED_SECRET_LEN + 1], k1[256], *t;
    size_t         i, bit, blen, bad, badbits, n;
    cig_err_t      err;
    cig_str_t      ak, sk, tok;
    cig_code_t     rc;
    cig_issuer_t  *k;
    cig_session_t  s, o;
    unsigned char  bin[2048], flipped[2048];

    static const char  alt[] = "AB";

    k = is_ring(is_key(k1, sizeof(k1), "k1", "active", 1), "prod", &err);
    is_session(&s);

    if (k == NULL || cig_issuer_mint(k, &s, a, &ak, &sk, &tok, &err) != CIG_OK)
    {
        tap_ok(0, "issue: tamper setup");
        cig_issuer_free(k);
        return;
    }

    /* every character replaced by another one */
    t = a->alloc(a->ctx, tok.len + 1);
    bad = 0;

    for (i = 0; i < tok.len; i++) {
        memcpy(t, tok.data, tok.len + 1);
        t[i] = (t[i] == alt[0]) ? alt[1] : alt[0];

        rc = cig_issuer_open(k, t, tok.len, NOW, a, &o, akid, secret, &err);
        if (rc != CIG_ERR_INVALID_TOKEN) {
            tap_diag("character %zu changed: %d", i, (int) rc);
            bad++;
        }
    }

    tap_is_int((long long) bad, 0, "issue: each of the %zu characters "
               "changed is refused", tok.len);

    /* every bit of the binary token flipped */
    if (!cig_b64url_decode_strict(tok.data, tok.len, bin, &blen)) {
        tap_ok(0, "issue: the token is strict base64url");
        cig_issuer_free(k);
        return;
    }

    t = a->alloc(a->ctx, CIG_ISSUED_TOKEN_MAX + 8);
    badbits = 0;

    for (i = 0; i < blen; i++) {
        for (bit = 0; bit < 8; bit++) {
            memcpy(flipped, bin, blen);
            flipped[i] ^= (unsigned char) (1u << bit);
            n = cig_b64url_encode(flipped, blen, t);

            rc = cig_issuer_open(k, t, n, NOW, a, &o, akid, secret, &err);
            if (rc != CIG_ERR_INVALID_TOKEN) {
                badbits++;
            }
        }
    }

    tap_is_int((long long) badbits, 0, "issue: each of the %zu bits flipped "
               "is refused", blen * 8);

    /* truncated or extended */
    bad = 0;

    for (i = 0; i < tok.len; i++) {
        rc = cig_issuer_open(k, tok.data, i, NOW, a, &o, akid, secret, &err);
        bad += rc != CIG_ERR_INVALID_TOKEN;
    }

    tap_is_int((long long) bad, 0, "issue: every prefix of the token is "
               "refused");

    memcpy(t, tok.data, tok.len);
    memcpy(t + tok.len, "AAAA", 4);
    rc = cig_issuer_open(k, t, tok.len + 4, NOW, a, &o, akid, secret, &err);
    tap_is_int(rc, CIG_ERR_INVALID_TOKEN, "issue: a token with bytes added "
               "is refused");

    rc = cig_issuer_open(k, "", 0, NOW, a, &o, akid, secret, &err);
    tap_is_int(rc, CIG_ERR_INVALID_TOKEN, "issue: an empty token is refused");

    rc = cig_issuer_open(k, "AQ==", 4, NOW, a, &o, akid, secret, &err);
    tap_is_int(rc, CIG_ERR_INVALID_TOKEN, "issue: padding is refused");

    t = a->alloc(a->ctx, CIG_ISSUED_TOKEN_MAX + 2);
    memset(t, 'A', CIG_ISSUED_TOKEN_MAX + 1);
    rc = cig_issuer_open(k, t, CIG_ISSUED_TOKEN_MAX + 1, NOW, a, &o, akid,
                         secret, &err);
    tap_is_int(rc, CIG_ERR_INVALID_TOKEN, "issue: a token over 2 KiB is "
               "refused");

    cig_issuer_free(k);
}


static void
issue_rotation(cig_allocator_t *a)
{
    char           akid[CIG_ISSUED_AKID_LEN + 1];
    char           secret[CIG_ISSUED_SECRET_LEN + 1];
    char           k1a[256], k1v[256], k2a[256], k2v[256], k1o[256];
    char           keys[600];
    cig_err_t      err;
    cig_str_t      ak, sk, tok1, tok2;
    cig_code_t     rc;
    cig_issuer_t  *r1, *r2, *r3, *r4, *other, *odd;
    cig_session_t  s, o;

    is_key(k1a, sizeof(k1a), "k1", "active", 1);
    is_key(k1v, sizeof(k1v), "k1", "verify", 1);
    is_key(k2a, sizeof(k2a), "k2", "active", 2);
    is_key(k2v, sizeof(k2v), "k2", "verify", 2);
    is_key(k1o, sizeof(k1o), "k1", "active", 3);    /* k1, another secret */

    r1 = is_ring(k1a, "prod", &err);                         /* before */
    snprintf(keys, sizeof(keys), "%s,%s", k1a, k2v);
    r2 = is_ring(keys, "prod", &err);                        /* step 1 */
    snprintf(keys, sizeof(keys), "%s,%s", k2a, k1v);
    r3 = is_ring(keys, "prod", &err);                        /* step 2 */
    r4 = is_ring(k2a, "prod", &err);                         /* step 3 */
    other = is_ring(k1a, "staging", &err);
    odd = is_ring(k1o, "prod", &err);

    if (!tap_ok(r1 && r2 && r3 && r4 && other && odd,
                "issue: the rotation's key rings load"))
    {
        tap_diag("%s", err.msg);
        goto done;
    }

    is_session(&s);

    rc = cig_issuer_mint(r1, &s, a, &ak, &sk, &tok1, &err);
    rc = rc == CIG_OK ? cig_issuer_mint(r3, &s, a, &ak, &sk, &tok2, &err) : rc;
    tap_is_int(rc, CIG_OK, "issue: k1 and k2 tokens minted");

    tap_is_int(cig_issuer_open(r2, tok1.data, tok1.len, NOW, a, &o, akid,
                               secret, &err),
               CIG_OK, "issue: k1's token opens where k2 is verify-only");
    tap_is_int(cig_issuer_open(r3, tok1.data, tok1.len, NOW, a, &o, akid,
                               secret, &err),
               CIG_OK, "issue: k1's token opens where k1 is verify-only");
    tap_is_int(cig_issuer_open(r4, tok1.data, tok1.len, NOW, a, &o, akid,
                               secret, &err),
               CIG_ERR_INVALID_TOKEN,
               "issue: k1's token is refused once k1 is removed");
    tap_like(err.msg, "unknown key", "issue: the reason is the key id");
    tap_is_int(cig_issuer_open(r2, tok2.data, tok2.len, NOW, a, &o, akid,
                               secret, &err),
               CIG_OK, "issue: k2's token opens where k2 is verify-only");
    tap_is_int(cig_issuer_open(r1, tok2.data, tok2.len, NOW, a, &o, akid,
                               secret, &err),
               CIG_ERR_INVALID_TOKEN,
               "issue: k2's token is refused by a ring without k2");
    tap_is_int(cig_issuer_open(other, tok1.data, tok1.len, NOW, a, &o, akid,
                               secret, &err),
               CIG_ERR_INVALID_TOKEN,
               "issue: the same key under another deployment id refuses");
    tap_is_int(cig_issuer_open(odd, tok1.data, tok1.len, NOW, a, &o, akid,
                               secret, &err),
               CIG_ERR_INVALID_TOKEN,
               "issue: another secret under the same key id refuses");

done:

    cig_issuer_free(r1);
    cig_issuer_free(r2);
    cig_issuer_free(r3);
    cig_issuer_free(r4);
    cig_issuer_free(other);
    cig_issuer_free(odd);
}


static void
issue_bound(cig_allocator_t *a)
{
    char           akid[CIG_ISSUED_AKID_LEN + 1];
    char           secret[CIG_ISSUED_SECRET_LEN + 1], key[256];
    char           tags[4096], role[300], amr[600], *p;
    size_t         i, last;
    cig_err_t      err;
    cig_str_t      ak, sk, tok;
    cig_code_t     rc;
    cig_issuer_t  *k;
    cig_session_t  s, o;

    /* the longest key id, the longest deployment id */
    char  kid[CIG_ISSUER_MAX_KID + 1], dep[CIG_ISSUER_MAX_DEPLOYMENT + 1];

    memset(kid, 'k', CIG_ISSUER_MAX_KID);
    kid[CIG_ISSUER_MAX_KID] = '\0';
    memset(dep, 'd', CIG_ISSUER_MAX_DEPLOYMENT);
    dep[CIG_ISSUER_MAX_DEPLOYMENT] = '\0';

    k = is_ring(is_key(key, sizeof(key), kid, "active", 7), dep, &err);
    if (!tap_ok(k != NULL, "issue: the longest key id and deployment load")) {
        tap_diag("%s", err.msg);
        return;
    }

    is_session(&s);

    /* the longest region's ids, a role ARN with a 64-character name and a
     * long path, the longest user pool provider with its sign-in amr */
    s.identity_id = is_str("ap-southeast-2:11111111-2222-4333-8444-"
                           "555555555555");
    s.pool = is_str("ap-southeast-2:0d0d0d0d-0000-4000-8000-000000000001");
    p = role;
    p += sprintf(p, "arn:aws-us-gov:iam::123456789012:role/");
    for (i = 0; i < 8; i++) {
        p += sprintf(p, "service-path-%zu/", i);
    }
    memset(p, 'R', 64);
    p[64] = '\0';
    s.role = is_str(role);
    s.provider = is_str("cognito-idp.ap-southeast-2.amazonaws.com/"
                        "ap-southeast-2_AbCdEfGhI");
    snprintf(amr, sizeof(amr), "[\"authenticated\",\"%s\",\"%s:CognitoSignIn:"
             "0a1b2c3d-1111-2222-3333-444455556666\"]", s.provider.data,
             s.provider.data);
    s.amr = is_str(amr);
    s.expires = NOW + CIG_ISSUED_MAX_LIFETIME;

    /* tags added until the token would not fit: refused, never truncated */
    last = 0;

    for (i = 1; i <= 50; i++) {
        size_t  j, n;

        n = (size_t) sprintf(tags, "{\"principal_tags\":{");
        for (j = 0; j < i; j++) {
            n += (size_t) sprintf(tags + n, "%s\"tag-key-%02zu\":[\"a-value-"
                                  "of-some-length-%02zu\"]", j ? "," : "", j,
                                  j);
        }
        sprintf(tags + n, "}}");
        s.principal_tags = is_str(tags);

        rc = cig_issuer_mint(k, &s, a, &ak, &sk, &tok, &err);

        if (rc != CIG_OK) {
            break;
        }

        last = tok.len;

        if (tok.len > CIG_ISSUED_TOKEN_MAX
            || cig_issuer_open(k, tok.data, tok.len, NOW, a, &o, akid, secret,
                               &err) != CIG_OK
            || !is_same(o.principal_tags, s.principal_tags))
        {
            break;
        }
    }

    tap_ok(i > 10 && i <= 50, "issue: %zu tags fit, more do not", i - 1);
    tap_ok(last > CIG_ISSUED_TOKEN_MAX - 60 && last <= CIG_ISSUED_TOKEN_MAX,
           "issue: the largest token minted is %zu characters, within "
           "%d", last, CIG_ISSUED_TOKEN_MAX);
    tap_is_int(rc, CIG_ERR_BAD_REQUEST, "issue: a session that does not fit "
               "is refused");
    tap_like(err.msg, "2048", "issue: the reason names the bound");

    cig_issuer_free(k);
}


static void
issue_mint_refusals(cig_allocator_t *a)
{
    char           k1[256];
    size_t         i;
    cig_err_t      err;
    cig_str_t      ak, sk, tok;
    cig_issuer_t  *k;
    cig_session_t  s;

    static const struct {
        const char  *name;
        int          field;
        const char  *value;
        int64_t      lifetime;
    } cases[] = {
        { "an invalid identity id", 0, "us-east-1:not-a-uuid", 3600 },
        { "an identity of another region", 0,
          "eu-west-1:11111111-2222-4333-8444-555555555555", 3600 },
        { "an invalid pool", 1, "us-east-1_Abc", 3600 },
        { "an invalid role", 2, "arn:aws:iam::123:user/x", 3600 },
        { "an empty amr", 3, "", 3600 },
        { "a lifetime of 0", 4, NULL, 0 },
        { "a lifetime over 12 h", 4, NULL, CIG_ISSUED_MAX_LIFETIME + 1 },
    };

    k = is_ring(is_key(k1, sizeof(k1), "k1", "active", 1), "", &err);
    if (!tap_ok(k != NULL, "issue: an empty deployment id is allowed")) {
        return;
    }

    for (i = 0; i < UNIT_NELTS(cases); i++) {
        is_session(&s);

        switch (cases[i].field) {
        case 0: s.identity_id = is_str(cases[i].value); break;
        case 1: s.pool = is_str(cases[i].value); break;
        case 2: s.role = is_str(cases[i].value); break;
        case 3: s.amr = is_str(cases[i].value); break;
        default: s.expires = s.issued + cases[i].lifetime; break;
        }

        tap_is_int(cig_issuer_mint(k, &s, a, &ak, &sk, &tok, &err),
                   CIG_ERR_BAD_REQUEST, "issue: mint refuses %s",
                   cases[i].name);
    }

    cig_issuer_free(k);
}


static void
issue_key_files(void)
{
    int            fd;
    char           doc[1024], k1[256], k1v[256], k2[256], weak[96];
    char           tmpl[] = "/tmp/cig-unit-keys-XXXXXX";
    char           secret[96];
    size_t         i;
    cig_err_t      err;
    cig_issuer_t  *k;

    is_key(k1, sizeof(k1), "k1", "active", 1);
    is_key(k1v, sizeof(k1v), "k1", "verify", 1);
    is_key(k2, sizeof(k2), "k2", "verify", 2);
    is_secret(weak, 9, 31);
    is_secret(secret, 1, 32);

    struct {
        const char  *name;
        const char  *keys;
        const char  *want;
    } cases[] = {
        { "no active key", k2, "no key is \"active\"" },
        { "two active keys", NULL, "both active" },
        { "a duplicate id", NULL, "given twice" },
        { "a weak secret", NULL, "weak" },
        { "an unknown status", "{\"id\":\"k\",\"status\":\"on\","
          "\"secret\":\"x\"}", "\"status\"" },
        { "an unknown member", "{\"id\":\"k\",\"status\":\"active\","
          "\"secret\":\"x\",\"alg\":\"A\"}", "key 1" },
        { "an id with a space", "{\"id\":\"k 1\",\"status\":\"active\","
          "\"secret\":\"x\"}", "\"id\"" },
        { "padded base64", NULL, "base64url" },
        { "no keys", "", "non-empty" },
    };

    char  two[600], dup[600], wk[300], pad[300];

    snprintf(two, sizeof(two), "%s,%s", k1, is_key(doc, sizeof(doc), "k2",
             "active", 2));
    snprintf(dup, sizeof(dup), "%s,%s", k1, k1v);
    snprintf(wk, sizeof(wk), "{\"id\":\"w\",\"status\":\"active\",\"secret\":"
             "\"%s\"}", weak);
    snprintf(pad, sizeof(pad), "{\"id\":\"p\",\"status\":\"active\",\"secret\":"
             "\"%s=\"}", secret);
    cases[1].keys = two;
    cases[2].keys = dup;
    cases[3].keys = wk;
    cases[7].keys = pad;

    for (i = 0; i < UNIT_NELTS(cases); i++) {
        memset(&err, 0, sizeof(err));
        k = is_ring(cases[i].keys, "prod", &err);
        tap_ok(k == NULL && err.code == CIG_ERR_CONFIG,
               "issue: a key file with %s is refused", cases[i].name);
        if (!tap_like(err.msg, cases[i].want, "issue: ... saying so")) {
            tap_diag("got: %s", err.msg);
        }
        tap_ok(strstr(err.msg, secret) == NULL
               && strstr(err.msg, weak) == NULL,
               "issue: ... without quoting a secret");
        cig_issuer_free(k);
    }

    k = is_ring(k1, "with space", &err);
    tap_ok(k == NULL && strstr(err.msg, "deployment") != NULL,
           "issue: a deployment id with a space is refused");

    /* files */
    fd = mkstemp(tmpl);
    if (fd == -1) {
        tap_skip("mkstemp failed", "issue: key files");
        return;
    }

    snprintf(doc, sizeof(doc), "{\"keys\":[%s,%s]}\n", k1, k2);
    if (write(fd, doc, strlen(doc)) != (ssize_t) strlen(doc)) {
        tap_ok(0, "issue: write the key file");
    }
    close(fd);

    chmod(tmpl, 0600);
    k = cig_issuer_load(tmpl, is_str("prod"), &err);
    tap_ok(k != NULL && cig_issuer_count(k) == 2,
           "issue: a mode 0600 key file with two keys loads");
    cig_issuer_free(k);

    chmod(tmpl, 0400);
    k = cig_issuer_load(tmpl, is_str("prod"), &err);
    tap_ok(k != NULL, "issue: a mode 0400 key file loads");
    cig_issuer_free(k);

    chmod(tmpl, 0640);
    k = cig_issuer_load(tmpl, is_str("prod"), &err);
    tap_ok(k == NULL && strstr(err.msg, tmpl) != NULL
           && strstr(err.msg, "group or others") != NULL
           && strstr(err.msg, secret) == NULL,
           "issue: a group-readable key file is refused, naming the file");

    chmod(tmpl, 0604);
    k = cig_issuer_load(tmpl, is_str("prod"), &err);
    tap_ok(k == NULL && strstr(err.msg, "0604") != NULL,
           "issue: a world-readable key file is refused");

    chmod(tmpl, 0600);
    fd = open(tmpl, O_WRONLY | O_TRUNC);
    snprintf(doc, sizeof(doc), "{\"keys\":[%s]}", wk);
    if (fd == -1 || write(fd, doc, strlen(doc)) != (ssize_t) strlen(doc)) {
        tap_ok(0, "issue: rewrite the key file");
    }
    if (fd != -1) {
        close(fd);
    }

    k = cig_issuer_load(tmpl, is_str("prod"), &err);
    tap_ok(k == NULL && strstr(err.msg, tmpl) != NULL
           && strstr(err.msg, "weak") != NULL
           && strstr(err.msg, weak) == NULL,
           "issue: a weak key in a file is refused, naming the file");

    unlink(tmpl);

    k = cig_issuer_load(tmpl, is_str("prod"), &err);
    tap_ok(k == NULL && strstr(err.msg, tmpl) != NULL
           && strstr(err.msg, "cannot open") != NULL,
           "issue: a missing key file is refused, naming the file");

    k = cig_issuer_load("/tmp", is_str("prod"), &err);
    tap_ok(k == NULL && strstr(err.msg, "not a regular file") != NULL,
           "issue: a directory is refused");
}


void
test_issue(void)
{
    cig_arena_t      *arena;
    cig_allocator_t   a;

    tap_note("issued credentials");

    arena = cig_arena_create();
    cig_arena_allocator(arena, &a);

    issue_roundtrip(&a);
    issue_tamper(&a);
    issue_rotation(&a);
    issue_bound(&a);
    issue_mint_refusals(&a);
    issue_key_files();

    cig_arena_destroy(arena);
}
