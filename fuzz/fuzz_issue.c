/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target: session tokens of the credentials the gateway issues
 * (cig_issue.c).  The first byte of the input chooses:
 *
 *   'm'  mint: ID \0 POOL \0 ROLE \0 AMR \0 TAGS \0 PROVIDER \0 FLAGS, the
 *        session minted under a fixed key ring, then opened;
 *   'k'  a key file: the rest given to cig_issuer_from_json;
 *   else open: the rest is a token, opened under the fixed ring at
 *        FUZZ_NOW (seeds hold tokens minted under it that still open).
 *
 * Invariants (a violation is a __builtin_trap()):
 *   - an opened token gives a valid session (identity and pool ids, role
 *     ARN, lifetime of 1 s to 12 h, issued no later than FUZZ_NOW plus the
 *     skew, not expired), an "ASIA" + base32 access key id and a 40-character
 *     secret, and opens again to the same; it never opens under another
 *     deployment id, nor under a ring where its key id has another secret;
 *   - refusals are CIG_ERR_INVALID_TOKEN, or CIG_ERR_FORBIDDEN with expired
 *     set, and say "session token";
 *   - a minted session fits CIG_ISSUED_TOKEN_MAX, opens to exactly what was
 *     minted with the same keys, and with any one byte changed (position
 *     and value from the input) does not open; a session mint refuses is
 *     CIG_ERR_BAD_REQUEST;
 *   - the identity of an opened session (cig_session_identity) is its sub
 *     and pool, or the sealed amr or tags are refused (a fuzzed mint seals
 *     anything);
 *   - a key ring that loads has 1 to CIG_ISSUER_MAX_KEYS keys and an active
 *     key id; one that does not says why (CIG_ERR_CONFIG).
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cig.h"
#include "fuzz_common.h"


/* base64url of 32 bytes of 0x01 and of 0x02 */
#define FUZZ_K1  "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE"
#define FUZZ_K2  "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI"
#define FUZZ_K3  "AwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwM"

#define FUZZ_RING(k2, k1)                                                     \
    "{\"keys\":[{\"id\":\"k2\",\"status\":\"active\",\"secret\":\"" k2        \
    "\"},{\"id\":\"k1\",\"status\":\"verify\",\"secret\":\"" k1 "\"}]}"


static cig_issuer_t  *ring, *other_deployment, *other_secret;


static cig_issuer_t *
load(const char *json, const char *deployment)
{
    cig_err_t      err;
    cig_issuer_t  *k;

    k = cig_issuer_from_json(json, strlen(json),
                             fuzz_str(deployment, strlen(deployment)), &err);
    check(k != NULL);

    return k;
}


static void
init(void)
{
    if (ring != NULL) {
        return;
    }

    ring = load(FUZZ_RING(FUZZ_K2, FUZZ_K1), "fuzz");
    other_deployment = load(FUZZ_RING(FUZZ_K2, FUZZ_K1), "fuzz2");
    other_secret = load(FUZZ_RING(FUZZ_K3, FUZZ_K3), "fuzz");
}


static int
same(cig_str_t a, cig_str_t b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.data, b.data, a.len) == 0);
}


static void
check_ids(const char *akid, const char *secret)
{
    size_t  i;

    check(strlen(akid) == CIG_ISSUED_AKID_LEN);
    check(memcmp(akid, "ASIA", 4) == 0);

    for (i = 4; i < CIG_ISSUED_AKID_LEN; i++) {
        check((akid[i] >= 'A' && akid[i] <= 'Z')
              || (akid[i] >= '2' && akid[i] <= '7'));
    }

    check(strlen(secret) == CIG_ISSUED_SECRET_LEN);
}


static cig_code_t
open_checked(const char *token, size_t len, const cig_allocator_t *a,
    cig_session_t *s, char *akid, char *secret)
{
    char           akid2[CIG_ISSUED_AKID_LEN + 1];
    char           secret2[CIG_ISSUED_SECRET_LEN + 1];
    cig_err_t      err;
    cig_code_t     rc;
    cig_session_t  s2;
    cig_identity_t id;

    rc = cig_issuer_open(ring, token, len, FUZZ_NOW, a, s, akid, secret,
                         &err);

    if (rc != CIG_OK) {
        check(rc == CIG_ERR_INVALID_TOKEN
              || (rc == CIG_ERR_FORBIDDEN && s->expired));
        check(strstr(err.msg, "session token") != NULL);

        return rc;
    }

    check(!s->expired);
    check(cig_identity_id_valid(s->identity_id.data, s->identity_id.len));
    check(cig_pool_id_valid(s->pool.data, s->pool.len));
    check(cig_role_arn_valid(s->role.data, s->role.len));
    check(s->expires > s->issued);
    check(s->expires - s->issued <= CIG_ISSUED_MAX_LIFETIME);
    check(s->issued <= FUZZ_NOW + CIG_ISSUED_SKEW);
    check(s->expires > FUZZ_NOW);
    check_ids(akid, secret);

    check(cig_issuer_open(ring, token, len, FUZZ_NOW, a, &s2, akid2, secret2,
                          &err) == CIG_OK);
    check(strcmp(akid, akid2) == 0 && strcmp(secret, secret2) == 0);
    check(same(s->identity_id, s2.identity_id) && same(s->role, s2.role)
          && same(s->amr, s2.amr) && s->expires == s2.expires);

    rc = cig_session_identity(s, a, &id, &err);
    check(rc == CIG_OK || rc == CIG_ERR_INVALID_TOKEN);

    if (rc == CIG_OK) {
        check(same(id.sub, s->identity_id) && same(id.aud, s->pool));
        check(id.namr >= 1 && id.namr <= CIG_MAX_AMR);
        check(id.authenticated == s->authenticated);
        check(id.claims != NULL && id.claims->type == CIG_JSON_OBJECT);
    }

    rc = CIG_OK;

    check(cig_issuer_open(other_deployment, token, len, FUZZ_NOW, a, &s2,
                          akid2, secret2, &err) == CIG_ERR_INVALID_TOKEN);
    check(cig_issuer_open(other_secret, token, len, FUZZ_NOW, a, &s2, akid2,
                          secret2, &err) != CIG_OK);

    return rc;
}


static void
fuzz_mint(const uint8_t *p, const uint8_t *end, const cig_allocator_t *a)
{
    char           akid[CIG_ISSUED_AKID_LEN + 1];
    char           secret[CIG_ISSUED_SECRET_LEN + 1], *t;
    size_t         pos;
    uint8_t        flags, val;
    cig_err_t      err;
    cig_str_t      ak, sk, tok, f;
    cig_code_t     rc;
    cig_session_t  s, o;

    memset(&s, 0, sizeof(cig_session_t));
    s.identity_id = fuzz_part(&p, end);
    s.pool = fuzz_part(&p, end);
    s.role = fuzz_part(&p, end);
    s.amr = fuzz_part(&p, end);
    s.principal_tags = fuzz_part(&p, end);
    s.provider = fuzz_part(&p, end);
    f = fuzz_part(&p, end);

    flags = f.len > 0 ? (uint8_t) f.data[0] : 0;
    pos = f.len > 2 ? ((size_t) (uint8_t) f.data[1] << 8)
                      | (uint8_t) f.data[2] : 0;
    val = f.len > 3 ? (uint8_t) f.data[3] : 1;

    s.authenticated = flags & 1;
    s.scoped_down = (flags >> 1) & 1;
    s.issued = FUZZ_NOW - (flags >> 2);
    s.expires = s.issued + (f.len > 4 ? (int64_t) (uint8_t) f.data[4] * 200
                                      : 3600);

    rc = cig_issuer_mint(ring, &s, a, &ak, &sk, &tok, &err);

    if (rc != CIG_OK) {
        check(rc == CIG_ERR_BAD_REQUEST);
        return;
    }

    check(tok.len <= CIG_ISSUED_TOKEN_MAX && strlen(tok.data) == tok.len);
    check(ak.len == CIG_ISSUED_AKID_LEN && sk.len == CIG_ISSUED_SECRET_LEN);

    rc = open_checked(tok.data, tok.len, a, &o, akid, secret);

    if (s.expires <= FUZZ_NOW) {
        check(rc == CIG_ERR_FORBIDDEN && o.expired);
        return;
    }

    check(rc == CIG_OK);
    check(strcmp(akid, ak.data) == 0 && strcmp(secret, sk.data) == 0);
    check(same(o.identity_id, s.identity_id) && same(o.pool, s.pool)
          && same(o.role, s.role) && same(o.amr, s.amr)
          && same(o.principal_tags, s.principal_tags)
          && same(o.provider, s.provider) && o.issued == s.issued
          && o.expires == s.expires
          && o.authenticated == s.authenticated
          && o.scoped_down == s.scoped_down);

    /* one character changed */
    t = a->alloc(a->ctx, tok.len + 1);
    check(t != NULL);
    memcpy(t, tok.data, tok.len + 1);
    pos %= tok.len;
    t[pos] = (char) (t[pos] ^ (val ? val : 1));

    check(cig_issuer_open(ring, t, tok.len, FUZZ_NOW, a, &o, akid, secret,
                          &err) == CIG_ERR_INVALID_TOKEN);
}


static void
fuzz_keys(const uint8_t *p, size_t len)
{
    cig_err_t      err;
    cig_str_t      kid;
    cig_issuer_t  *k;

    memset(&err, 0, sizeof(err));

    k = cig_issuer_from_json((const char *) p, len, fuzz_str("d", 1), &err);

    if (k == NULL) {
        check(err.code == CIG_ERR_CONFIG || err.code == CIG_ERR_INTERNAL);
        check(err.msg[0] != '\0');
        return;
    }

    check(cig_issuer_count(k) >= 1
          && cig_issuer_count(k) <= CIG_ISSUER_MAX_KEYS);
    kid = cig_issuer_active_kid(k);
    check(kid.len >= 1 && kid.len <= CIG_ISSUER_MAX_KID);

    cig_issuer_free(k);
}


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char              akid[CIG_ISSUED_AKID_LEN + 1];
    char              secret[CIG_ISSUED_SECRET_LEN + 1];
    cig_arena_t      *arena;
    cig_session_t     s;
    cig_allocator_t   a;

    if (size == 0) {
        return 0;
    }

    init();

    arena = cig_arena_create();
    check(arena != NULL);
    cig_arena_allocator(arena, &a);

    switch (data[0]) {

    case 'm':
        fuzz_mint(data + 1, data + size, &a);
        break;

    case 'k':
        fuzz_keys(data + 1, size - 1);
        break;

    default:
        (void) open_checked((const char *) data + 1, size - 1, &a, &s, akid,
                            secret);
    }

    cig_arena_destroy(arena);

    return 0;
}
