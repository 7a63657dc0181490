/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Frozen identities (cig_frozen.c, cig_token_thaw): what the token caches
 * keep.  Tokens are minted with the core's signer from t/keys/k1.pem and
 * verified for real; the frozen block must give back the same identity and
 * the same claims tree, every claim checked again, and any damage to the
 * block must be refused (never a crash: the sanitizer build runs this too).
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"


#define FZ_POOL  "eu-west-1:b45b9729-c269-4ef2-86f1-0df3e40fe92d"
#define FZ_ID    "eu-west-1:6a0e1b6f-1c2d-4e5f-8a9b-0c1d2e3f4a5b"
#define FZ_IDP   "cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Abc"
#define FZ_NOW   1700000000

/* escapes, so that some strings are unescaped copies outside the payload */
#define FZ_CLAIMS                                                            \
    "{\"iss\":\"https://cognito-identity.amazonaws.com\","                   \
    "\"sub\":\"" FZ_ID "\",\"aud\":\"" FZ_POOL "\","                         \
    "\"exp\":1700000600,\"iat\":1699999990,"                                 \
    "\"amr\":[\"authenticated\",\"" FZ_IDP "\",\"" FZ_IDP                    \
    ":CognitoSignIn:0a1b\"],"                                                \
    "\"https://aws.amazon.com/tags\":{\"principal_tags\":"                   \
    "{\"team\":[\"bl\\u0075e\"],\"dept\":[\"a\\/b\"]}},"                     \
    "\"n\":[1.5,-2e3,true,false,null,{},[]],\"e\":\"\"}"


static cig_signer_t    *fz_signer;
static cig_keyset_t    *fz_keys;       /* the signer's key */
static cig_keyset_t    *fz_other;      /* another key, the same kid */


static cig_verifier_t
fz_verifier(cig_keyset_t **ks, const cig_str_t *aud)
{
    cig_verifier_t  v;

    memset(&v, 0, sizeof(v));
    v.issuer.data = CIG_AWS_ISSUER;
    v.issuer.len = sizeof(CIG_AWS_ISSUER) - 1;
    v.audiences = aud;
    v.naudiences = 1;
    v.keysets = (cig_keyset_t *const *) ks;
    v.nkeysets = 1;
    v.algs = CIG_ALG_RS512;
    v.leeway = 0;
    v.cognito = 1;

    return v;
}


static int
fz_tree_equal(const cig_json_t *a, const cig_json_t *b)
{
    const cig_json_t  *x, *y;

#define FZ_SAME(s, t)                                                        \
    ((s).len == (t).len && ((s).data == NULL) == ((t).data == NULL)          \
     && ((s).len == 0 || memcmp((s).data, (t).data, (s).len) == 0))

    if (a->type != b->type || a->count != b->count || a->num != b->num
        || !FZ_SAME(a->key, b->key) || !FZ_SAME(a->str, b->str)
        || !FZ_SAME(a->raw, b->raw))
    {
        return 0;
    }

    for (x = a->child, y = b->child; x && y; x = x->next, y = y->next) {
        if (!fz_tree_equal(x, y)) {
            return 0;
        }
    }

    return x == NULL && y == NULL;
}


static void
fz_setup(void)
{
    char             path[4096];
    cig_err_t        err;
    cig_str_t        jwks;

    fz_signer = cig_signer_from_pem(unit_key_path(path, sizeof(path),
                                                  "k1.pem"), &err);
    if (fz_signer == NULL) {
        printf("Bail out! k1.pem: %s\n", err.msg);
        exit(255);
    }

    jwks = cig_signer_jwks(fz_signer);
    fz_keys = cig_keyset_from_jwks(jwks.data, jwks.len, NULL, &err);
    fz_other = cig_keyset_from_file(unit_key_path(path, sizeof(path),
                                                  "jwks-k2.json"), NULL, &err);

    if (fz_keys == NULL || fz_other == NULL) {
        printf("Bail out! keys: %s\n", err.msg);
        exit(255);
    }
}


/* Verifies a freshly minted token into *id, or bails out. */
static void
fz_verified(const cig_allocator_t *a, const char *claims, cig_identity_t *id)
{
    cig_err_t        err;
    cig_str_t        token, aud = { FZ_POOL, sizeof(FZ_POOL) - 1 };
    cig_verifier_t   v = fz_verifier(&fz_keys, &aud);

    if (cig_token_mint(fz_signer, claims, strlen(claims), a, &token, &err)
        != CIG_OK
        || cig_token_verify(&v, token.data, token.len, FZ_NOW, a, id, &err)
           != CIG_OK)
    {
        printf("Bail out! mint/verify: %s\n", err.msg);
        exit(255);
    }
}


static void *
fz_frozen(const cig_identity_t *id, size_t *len)
{
    void  *blk;

    *len = cig_identity_frozen_size(id);
    blk = aligned_alloc(8, (*len + 7) & ~(size_t) 7);

    if (*len == 0 || blk == NULL) {
        printf("Bail out! cannot freeze\n");
        exit(255);
    }

    return blk;
}


static void
fz_round_trip(void)
{
    void             *blk, *copy;
    size_t            len, n;
    cig_err_t         err;
    cig_str_t         aud = { FZ_POOL, sizeof(FZ_POOL) - 1 };
    cig_arena_t      *a1, *a2;
    cig_identity_t    id, back;
    cig_verifier_t    v = fz_verifier(&fz_keys, &aud);
    cig_allocator_t   al1, al2;
    const cig_json_t *c;

    a1 = cig_arena_create();
    cig_arena_allocator(a1, &al1);
    fz_verified(&al1, FZ_CLAIMS, &id);

    blk = fz_frozen(&id, &len);
    n = cig_identity_freeze(&id, blk, len);
    tap_is_int((long long) n, (long long) len,
               "frozen: freeze writes exactly frozen_size bytes");
    tap_ok(len % 8 == 0, "frozen: the block's size is a multiple of 8");
    tap_is_int((long long) cig_identity_freeze(&id, blk, len - 1), 0,
               "frozen: a buffer one byte short is refused");

    /* thawed from a copy, after the original arena is gone */

    copy = aligned_alloc(8, len);
    memcpy(copy, blk, len);
    a2 = cig_arena_create();
    cig_arena_allocator(a2, &al2);

    tap_is_int(cig_token_thaw(&v, copy, len, FZ_NOW + 1, &al2, &back, &err),
               CIG_OK, "frozen: the identity thaws");
    tap_ok(fz_tree_equal(id.claims, back.claims),
           "frozen: the claims tree is the one the parser made");
    tap_is_mem(back.sub.data, back.sub.len, FZ_ID, sizeof(FZ_ID) - 1,
               "frozen: sub");
    tap_is_mem(back.aud.data, back.aud.len, FZ_POOL, sizeof(FZ_POOL) - 1,
               "frozen: aud");
    tap_is_mem(back.kid.data, back.kid.len, id.kid.data, id.kid.len,
               "frozen: kid");
    tap_ok(back.alg == CIG_ALG_RS512, "frozen: alg");
    tap_ok(memcmp(back.key_fp, id.key_fp, CIG_KEY_FP_LEN) == 0,
           "frozen: key fingerprint");
    tap_ok(back.authenticated && back.namr == 3
           && back.provider.len == sizeof(FZ_IDP) - 1
           && memcmp(back.provider.data, FZ_IDP, back.provider.len) == 0,
           "frozen: amr and provider");
    tap_ok(back.exp == 1700000600.0 && back.has_iat
           && back.iat == 1699999990.0, "frozen: exp and iat");
    tap_is_mem(back.payload.data, back.payload.len, id.payload.data,
               id.payload.len, "frozen: the payload text");
    tap_ok(back.payload.data[back.payload.len] == '\0',
           "frozen: the payload text is NUL-terminated");
    tap_ok((const char *) back.payload.data >= (const char *) copy
           && back.payload.data + back.payload.len
              < (const char *) copy + len,
           "frozen: strings point into the caller's block");

    c = cig_json_get(cig_json_get(cig_json_get(back.claims,
                                               "https://aws.amazon.com/tags"),
                                  "principal_tags"), "team");
    tap_ok(c != NULL && c->count == 1 && c->child->str.len == 4
           && memcmp(c->child->str.data, "blue", 4) == 0,
           "frozen: an unescaped string comes back unescaped");

    /* every claim is checked again */

    tap_is_int(cig_token_thaw(&v, copy, len, 1700000600, &al2, &back, &err),
               CIG_ERR_INVALID_TOKEN, "frozen: past exp, refused");
    tap_ok(strstr(err.msg, "expired") != NULL, "frozen: ... as expired");

    {
        cig_str_t       other = { "eu-west-1:00000000-0000-4000-8000-"
                                  "000000000000", 46 };
        cig_verifier_t  w = fz_verifier(&fz_keys, &other);

        tap_is_int(cig_token_thaw(&w, copy, len, FZ_NOW, &al2, &back, &err),
                   CIG_ERR_INVALID_TOKEN,
                   "frozen: another location's pools, refused");
        tap_ok(strstr(err.msg, "audience") != NULL, "frozen: ... audience");
    }

    {
        cig_verifier_t  w = fz_verifier(&fz_other, &aud);

        tap_is_int(cig_token_thaw(&w, copy, len, FZ_NOW, &al2, &back, &err),
                   CIG_ERR_INVALID_TOKEN,
                   "frozen: the signing key no longer loaded, refused");
        tap_ok(strstr(err.msg, "no longer loaded") != NULL,
               "frozen: ... no longer loaded");
    }

    {
        cig_verifier_t  w = fz_verifier(&fz_keys, &aud);

        w.algs = CIG_ALG_RS256;
        tap_is_int(cig_token_thaw(&w, copy, len, FZ_NOW, &al2, &back, &err),
                   CIG_ERR_INVALID_TOKEN,
                   "frozen: a location that does not allow RS512, refused");
    }

    tap_is_int(cig_token_thaw(&v, (char *) copy + 1, len - 1, FZ_NOW, &al2,
                              &back, &err),
               CIG_ERR_INTERNAL, "frozen: a misaligned block is refused");
    tap_ok(back.claims == NULL && back.sub.len == 0,
           "frozen: a refusal leaves no identity");

    free(copy);
    free(blk);
    cig_arena_destroy(a2);
    cig_arena_destroy(a1);
}


/* Every truncation and every byte changed: refused or thawed, never worse. */
static void
fz_damage(void)
{
    void             *blk, *copy;
    size_t            len, i, refused, ok, bad;
    cig_err_t         err;
    cig_str_t         aud = { FZ_POOL, sizeof(FZ_POOL) - 1 };
    cig_code_t        rc;
    cig_arena_t      *a1, *a2;
    cig_identity_t    id, back;
    cig_verifier_t    v = fz_verifier(&fz_keys, &aud);
    cig_allocator_t   al1, al2;

    a1 = cig_arena_create();
    cig_arena_allocator(a1, &al1);
    fz_verified(&al1, FZ_CLAIMS, &id);
    blk = fz_frozen(&id, &len);
    (void) cig_identity_freeze(&id, blk, len);
    copy = aligned_alloc(8, len);

    bad = 0;

    for (i = 0; i < len; i++) {
        a2 = cig_arena_create();
        cig_arena_allocator(a2, &al2);
        memcpy(copy, blk, len);
        rc = cig_token_thaw(&v, copy, i, FZ_NOW, &al2, &back, &err);
        bad += rc != CIG_ERR_INTERNAL;
        cig_arena_destroy(a2);
    }

    tap_is_int((long long) bad, 0,
               "frozen: every truncated block is refused as damaged");

    refused = ok = bad = 0;

    for (i = 0; i < len; i++) {
        a2 = cig_arena_create();
        cig_arena_allocator(a2, &al2);
        memcpy(copy, blk, len);
        ((unsigned char *) copy)[i] ^= 0x41;
        rc = cig_token_thaw(&v, copy, len, FZ_NOW, &al2, &back, &err);

        if (rc == CIG_OK) {
            ok++;
            bad += back.claims == NULL || back.claims->type != CIG_JSON_OBJECT;
        } else {
            refused++;
        }

        cig_arena_destroy(a2);
    }

    tap_ok(refused > 0 && ok + refused == len && bad == 0,
           "frozen: a changed byte is refused, or thaws to a whole tree "
           "(a claim's text or number changed)");
    tap_diag("%zu of %zu single-byte changes refused", refused, len);

    free(copy);
    free(blk);
    cig_arena_destroy(a1);
}


/*
 * A block whose links share a node is refused, even where every other
 * check would pass: here the first element of the claim "n" (7 elements)
 * becomes an empty array whose first child is also its next sibling.  The
 * layout is cig_frozen.c's: a 40-byte header, then 32-byte nodes with the
 * type at 0, the first child's index at 2, the next's at 4, the count at 6.
 */
static void
fz_shared_node(void)
{
    void             *blk;
    size_t            len, k;
    uint16_t          e0, next;
    uint32_t          nnodes;
    cig_err_t         err;
    cig_str_t         aud = { FZ_POOL, sizeof(FZ_POOL) - 1 };
    cig_arena_t      *arena;
    cig_identity_t    id, back;
    cig_verifier_t    v = fz_verifier(&fz_keys, &aud);
    cig_allocator_t   al;
    unsigned char    *node, *el;
    int               found = 0;

    arena = cig_arena_create();
    cig_arena_allocator(arena, &al);
    fz_verified(&al, FZ_CLAIMS, &id);
    blk = fz_frozen(&id, &len);
    (void) cig_identity_freeze(&id, blk, len);

    memcpy(&nnodes, (unsigned char *) blk + 4, 4);

    for (k = 0; k < nnodes && !found; k++) {
        node = (unsigned char *) blk + 40 + 32 * k;

        if (node[0] == CIG_JSON_ARRAY && node[6] == 7 && node[7] == 0) {
            memcpy(&e0, node + 2, 2);
            el = (unsigned char *) blk + 40 + 32 * (size_t) e0;
            memcpy(&next, el + 4, 2);
            el[0] = CIG_JSON_ARRAY;
            memcpy(el + 2, &next, 2);
            found = 1;
        }
    }

    tap_ok(found, "frozen: the claim \"n\" is in the block");
    tap_is_int(cig_token_thaw(&v, blk, len, FZ_NOW, &al, &back, &err),
               CIG_ERR_INTERNAL,
               "frozen: a node that is both child and next is refused");

    free(blk);
    cig_arena_destroy(arena);
}


static void
fz_not_freezable(void)
{
    cig_identity_t  id;

    memset(&id, 0, sizeof(id));
    tap_is_int((long long) cig_identity_frozen_size(&id), 0,
               "frozen: an identity without claims cannot be frozen");
}


void
test_frozen(void)
{
    fz_setup();
    fz_round_trip();
    fz_damage();
    fz_shared_node();
    fz_not_freezable();

    cig_keyset_free(fz_keys);
    cig_keyset_free(fz_other);
    cig_signer_free(fz_signer);
}
