/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Core microbenchmark: nanoseconds per operation of the core's per-request
 * work, next to the cost of one bare OpenSSL RS512 verification with a key
 * loaded once (V), so that figures from other machines stay comparable.
 *
 *   cc -O2 -Icore/include -Icore -o build/bench/micro bench/micro.c \
 *       core/cig_*.c -lcrypto -lm
 *   build/bench/micro [--root DIR] [--policy100 FILE] [--seconds S]
 *                     [--md FILE] [--tsv FILE] [--only SUBSTRING|=NAME]
 *                     [--count N]
 *
 * The token is minted here with OpenSSL from t/keys/k1.pem and verified
 * against t/keys/jwks-k1.json.  Each case is warmed up and calibrated
 * (20 ms batches), then timed in 5 runs of about S seconds each (S = 0.5
 * by default) with clock_gettime(CLOCK_MONOTONIC); the median run is
 * reported, with the fastest and slowest, as a multiple of V, and scaled
 * to V = 20 us (the issue's reference machine).  Per-request
 * allocations come from a bump allocator reset before every operation, as
 * nginx's request pool would serve them.  --policy100 names the policy of
 * 100 statements that bench/gen.py writes (bench/work/policy-100.json).
 */

#define _GNU_SOURCE

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>

#include "cig.h"
#include "cig_internal.h"


#define RUNS        5
#define NOW         1750000000
#define ISS         CIG_AWS_ISSUER
#define POOL        "eu-west-1:b45b9729-c269-4ef2-86f1-0df3e40fe92d"
#define ID          "eu-west-1:6a0e1b6f-1c2d-4e5f-8a9b-0c1d2e3f4a5b"
#define PROV        "cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEfGhI"
#define ROLE        "arn:aws:iam::123456789012:role/BenchUser"
#define NPOOLS      1000
#define NIDS        100000

/* the verify cost the issue quotes ("about 20 us"): the "ns at V = 20 us"
 * column scales every figure to it, which cancels a slower or busier CPU */
#define V_REF       20000.0

#define HDR(kid)    "{\"kid\":\"" kid "\",\"typ\":\"JWS\",\"alg\":\"RS512\"}"

/* Cognito's OpenID token claims, in Cognito's order */
#define PAYLOAD_FMT                                                           \
    "{\"sub\":\"%s\",\"aud\":\"" POOL "\",\"amr\":[\"authenticated\",\""      \
    PROV "\",\"" PROV ":CognitoSignIn:0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"   \
    "\"],\"iss\":\"" ISS "\",\"exp\":%d,\"iat\":%d}"


static void
die(const char *fmt, const char *arg)
{
    fprintf(stderr, "micro: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n");
    exit(1);
}


/* A bump allocator, reset before every operation (nginx's request pool). */

typedef struct {
    unsigned char  *base;
    size_t          size;
    size_t          used;
} bump_t;

static bump_t           bump;
static cig_allocator_t  alloc;


static void *
bump_alloc(void *ctx, size_t size)
{
    bump_t  *b = ctx;
    void    *p;

    size = (size + 15) & ~(size_t) 15;

    if (b->size - b->used < size) {
        return NULL;
    }

    p = b->base + b->used;
    b->used += size;

    return p;
}


static inline void
bump_reset(void)
{
    bump.used = 0;
}


static double
now_ns(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return (double) ts.tv_sec * 1e9 + (double) ts.tv_nsec;
}


/* ---------------------------------------------------------------------- */
/* Fixtures */

static void prepared_setup(void);

static EVP_PKEY        *priv;          /* k1.pem, to mint */
static EVP_PKEY        *pub;           /* its public half, loaded once */
static cig_keyset_t    *keyset;
static cig_verifier_t   ver1, ver1000;
static cig_str_t        aud1[1], aud1000[NPOOLS];
static char             pool_ids[NPOOLS][CIG_MAX_ID_LEN + 1];

static char            *tok_good, *tok_badsig, *tok_malformed, *tok_parts;
static char            *tok_alg_none, *tok_unknown_kid;
static size_t           signing_len;   /* of tok_good */
static unsigned char    sig_good[512];
static size_t           sig_good_len;

static cig_identity_t   id_good;       /* tok_good verified */
static void           *frozen_good;      /* as the token caches keep it */
static size_t           frozen_good_len;
static unsigned char    fp_good[CIG_KEY_FP_LEN];

static cig_roles_t     *pool_roles;    /* t/roles/pool-roles.json */
static cig_identity_t   roles_id;
static cig_role_input_t roles_in;

static cig_policy_t    *pol_s3;        /* t/policies/s3-per-user.json */
static cig_policy_t    *pol_100;
static cig_policyset_t *polset;
static cig_roleset_t   *roleset1, *roleset1000;

static char             res_get[256], res_bucket[] = "arn:aws:s3:::mybucket";
static char             prefix_val[128];
static char             raw_path[256];

/* 100,000 distinct identities */
static void          **ids_frozen;
static size_t          *ids_frozen_len;
static char           **ids_path;
static cig_identity_t  *ids;
static void             setup_identities(void);
static cig_allocator_t  setup_arena;     /* lives as long as the program */
static char           **ids_res;
static size_t           ids_next;


static char *
b64(const void *data, size_t len)
{
    char    *out;
    size_t   n;

    out = malloc(len / 3 * 4 + 8);
    if (out == NULL) {
        die("%s", "out of memory");
    }

    n = cig_b64url_encode(data, len, out);
    out[n] = '\0';

    return out;
}


static char *
mint(const char *hdr, const char *pay)
{
    EVP_MD_CTX     *ctx;
    unsigned char   sig[1024];
    size_t          sig_len;
    char           *h, *p, *s, *tok;

    h = b64(hdr, strlen(hdr));
    p = b64(pay, strlen(pay));

    tok = malloc(strlen(h) + strlen(p) + 2048);
    if (tok == NULL) {
        die("%s", "out of memory");
    }

    sprintf(tok, "%s.%s", h, p);

    ctx = EVP_MD_CTX_new();
    sig_len = sizeof(sig);

    if (ctx == NULL
        || EVP_DigestSignInit(ctx, NULL, EVP_sha512(), NULL, priv) != 1
        || EVP_DigestSign(ctx, sig, &sig_len, (unsigned char *) tok,
                          strlen(tok)) != 1)
    {
        die("%s", "signing failed");
    }

    EVP_MD_CTX_free(ctx);

    s = b64(sig, sig_len);
    strcat(tok, ".");
    strcat(tok, s);

    free(h);
    free(p);
    free(s);

    return tok;
}


static void
make_verifier(cig_verifier_t *v, cig_str_t *auds, size_t n)
{
    static cig_keyset_t  *sets[1];

    sets[0] = keyset;

    memset(v, 0, sizeof(cig_verifier_t));
    v->issuer.data = ISS;
    v->issuer.len = sizeof(ISS) - 1;
    cig_strs_sort(auds, n);
    v->audiences = auds;
    v->naudiences = n;
    v->keysets = sets;
    v->nkeysets = 1;
    v->algs = CIG_ALG_RS512;
    v->leeway = 10;
    v->cognito = 1;
}


static cig_roles_t *
roles_for(const char *pool)
{
    char          json[CIG_MAX_ID_LEN + 256];
    cig_err_t     err;
    cig_roles_t  *r;

    snprintf(json, sizeof(json), "{\"IdentityPoolId\":\"%.*s\",\"Roles\":"
             "{\"authenticated\":\"" ROLE "\"}}", CIG_MAX_ID_LEN, pool);

    r = cig_roles_from_json(json, strlen(json), &err);
    if (r == NULL) {
        die("roles: %s", err.msg);
    }

    return r;
}


static void
distinct_id(char *buf, size_t size, unsigned i)
{
    /* the same shape as bench/gen.py's identities */
    snprintf(buf, size, "eu-west-1:%08x-%04x-4%03x-8%03x-%012llx",
             0x5e000000u + i, i & 0xffffu, (i >> 4) & 0xfffu,
             (i >> 8) & 0xfffu, 0xb0b000000000ULL + i);
}


/*
 * A payload signed by the test key, frozen as the token caches keep it
 * (the kid and key of id_good); malloc'd, never freed.
 */

static void *
freeze_payload(const char *payload, size_t len, size_t *frozen_len)
{
    void            *blk;
    size_t           n;
    cig_err_t        err;
    cig_arena_t     *arena;
    cig_identity_t   id;
    cig_allocator_t  a;

    arena = cig_arena_create();
    cig_arena_allocator(arena, &a);

    memset(&id, 0, sizeof(id));
    id.kid = id_good.kid;
    id.alg = id_good.alg;
    memcpy(id.key_fp, fp_good, CIG_KEY_FP_LEN);
    id.payload.data = payload;
    id.payload.len = len;
    id.claims = cig_json_parse(payload, len, CIG_MAX_JSON_DEPTH, &a, &err);

    if (id.claims == NULL) {
        die("payload: %s", err.msg);
    }

    n = cig_identity_frozen_size(&id);
    blk = aligned_alloc(8, (n + 7) & ~(size_t) 7);

    if (n == 0 || blk == NULL || cig_identity_freeze(&id, blk, n) != n) {
        die("%s", "cannot freeze an identity");
    }

    cig_arena_destroy(arena);
    *frozen_len = n;

    return blk;
}


static void
setup(const char *root, const char *policy100)
{
    char                path[4096], pay[1024];
    FILE               *f;
    cig_err_t           err;
    unsigned            skipped;
    size_t              i, n;
    cig_roles_t       **all;
    cig_role_policy_t   rp;
    cig_arena_t        *arena;
    cig_allocator_t     aa;
    const char         *dot2;

    bump.size = 1 << 20;
    bump.base = malloc(bump.size);
    if (bump.base == NULL) {
        die("%s", "out of memory");
    }
    alloc.alloc = bump_alloc;
    alloc.ctx = &bump;

    /* keys: the private key to mint, the public half loaded once */

    snprintf(path, sizeof(path), "%s/t/keys/k1.pem", root);
    f = fopen(path, "r");
    if (f == NULL) {
        die("cannot open %s (use --root)", path);
    }
    priv = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    if (priv == NULL) {
        die("cannot read %s", path);
    }

    {
        unsigned char  *der = NULL;
        const unsigned char  *p;
        int             len;

        len = i2d_PUBKEY(priv, &der);
        p = der;
        pub = d2i_PUBKEY(NULL, &p, len);
        OPENSSL_free(der);
        if (pub == NULL) {
            die("%s", "cannot extract the public key");
        }
    }

    snprintf(path, sizeof(path), "%s/t/keys/jwks-k1.json", root);
    keyset = cig_keyset_from_file(path, &skipped, &err);
    if (keyset == NULL) {
        die("jwks: %s", err.msg);
    }

    /* verifiers: 1 pool, and 1,000 pools with ours among them */

    aud1[0].data = POOL;
    aud1[0].len = sizeof(POOL) - 1;
    make_verifier(&ver1, aud1, 1);

    for (i = 0; i < NPOOLS; i++) {
        if (i == NPOOLS - 1) {
            snprintf(pool_ids[i], sizeof(pool_ids[i]), "%s", POOL);
        } else {
            snprintf(pool_ids[i], sizeof(pool_ids[i]),
                     "eu-west-1:%08zx-0000-4000-8000-%012zx",
                     (size_t) 0x0d000000 + i, i);
        }
        aud1000[i].data = pool_ids[i];
        aud1000[i].len = strlen(pool_ids[i]);
    }
    make_verifier(&ver1000, aud1000, NPOOLS);

    /* tokens */

    snprintf(pay, sizeof(pay), PAYLOAD_FMT, ID, NOW + 600, NOW - 10);

    tok_good = mint(HDR("test-1"), pay);
    tok_unknown_kid = mint(HDR("test-9"), pay);

    dot2 = strrchr(tok_good, '.');
    signing_len = (size_t) (dot2 - tok_good);
    if (!cig_b64url_decode_strict(dot2 + 1, strlen(dot2 + 1), sig_good,
                                  &sig_good_len))
    {
        die("%s", "own signature does not decode");
    }

    /* one signature character changed: still canonical, same length */
    tok_badsig = strdup(tok_good);
    n = strlen(tok_badsig) - 100;
    tok_badsig[n] = tok_badsig[n] == 'B' ? 'C' : 'B';

    /* a '+' in the payload part: refused when the payload is decoded,
     * the last check before RSA (header decoded, parsed, key found) */
    tok_malformed = strdup(tok_good);
    tok_malformed[signing_len - 8] = '+';

    /* two parts only */
    tok_parts = strndup(tok_good, signing_len);

    /* "alg":"none": refused when the header is read */
    {
        char  *h = b64("{\"kid\":\"test-1\",\"typ\":\"JWS\",\"alg\":\"none\"}",
                       sizeof("{\"kid\":\"test-1\",\"typ\":\"JWS\","
                              "\"alg\":\"none\"}") - 1);

        tok_alg_none = malloc(strlen(tok_good) + 64);
        sprintf(tok_alg_none, "%s%s", h, strchr(tok_good, '.'));
        free(h);
    }

    prepared_setup();

    /* the verified identity, kept outside the bump allocator */

    arena = cig_arena_create();
    cig_arena_allocator(arena, &aa);

    if (cig_token_verify(&ver1, tok_good, strlen(tok_good), NOW, &aa,
                         &id_good, &err) != CIG_OK)
    {
        die("own token does not verify: %s", err.msg);
    }

    memcpy(fp_good, id_good.key_fp, CIG_KEY_FP_LEN);
    frozen_good = freeze_payload(id_good.payload.data, id_good.payload.len,
                                 &frozen_good_len);

    /* roles: the pool's own attachment, rules evaluated on claims */

    snprintf(path, sizeof(path), "%s/t/roles/pool-roles.json", root);
    pool_roles = cig_roles_from_file(path, &err);
    if (pool_roles == NULL) {
        die("roles: %s", err.msg);
    }

    {
        static const char  claims[] =
            "{\"sub\":\"" ID "\",\"cognito:groups\":[\"users\",\"staff\"],"
            "\"email\":\"alice@example.com\",\"custom:dept\":\"sales\"}";

        memset(&roles_id, 0, sizeof(roles_id));
        roles_id.authenticated = 1;
        roles_id.aud.data = "eu-west-1:b45b9729-c269-4ef2-86f1-0df3e40fe92d";
        roles_id.aud.len = strlen(roles_id.aud.data);
        roles_id.provider.data = "cognito-idp.eu-west-1.amazonaws.com/"
                                 "eu-west-1_abc";
        roles_id.provider.len = strlen(roles_id.provider.data);
        memset(&roles_in, 0, sizeof(roles_in));
        roles_in.claims = cig_json_parse(claims, sizeof(claims) - 1,
                                         CIG_MAX_JSON_DEPTH, &aa, &err);
        if (roles_in.claims == NULL) {
            die("claims: %s", err.msg);
        }
    }

    /* policies */

    snprintf(path, sizeof(path), "%s/t/policies/s3-per-user.json", root);
    pol_s3 = cig_policy_from_file(path, NULL, NULL, &err);
    if (pol_s3 == NULL) {
        die("policy: %s", err.msg);
    }

    pol_100 = cig_policy_from_file(policy100, NULL, NULL, &err);
    if (pol_100 == NULL) {
        die("policy of 100 statements (run bench/gen.py first): %s",
            err.msg);
    }
    if (cig_policy_statements(pol_100) != 100) {
        die("%s does not have 100 statements", policy100);
    }

    rp.role.data = ROLE;
    rp.role.len = sizeof(ROLE) - 1;
    rp.policy = pol_s3;
    polset = cig_policyset_create(&rp, 1, &err);
    if (polset == NULL) {
        die("policy set: %s", err.msg);
    }

    all = calloc(NPOOLS, sizeof(cig_roles_t *));
    for (i = 0; i < NPOOLS; i++) {
        all[i] = roles_for(pool_ids[i]);
    }
    roleset1000 = cig_roleset_create(all, NPOOLS, NULL, &err);
    roleset1 = cig_roleset_create(&all[NPOOLS - 1], 1, NULL, &err);
    if (roleset1 == NULL || roleset1000 == NULL) {
        die("role set: %s", err.msg);
    }

    snprintf(res_get, sizeof(res_get), "arn:aws:s3:::mybucket/%s/photo.jpg",
             ID);
    snprintf(prefix_val, sizeof(prefix_val), "%s/photos/", ID);
    snprintf(raw_path, sizeof(raw_path), "/mybucket/%s/photo.jpg", ID);

    /* arena kept: identities point into it */
    setup_arena = aa;
}


/* 100,000 distinct identities: frozen (as the token cache keeps them),
 * verified identities, request paths and resources; built on first use. */

static void
setup_identities(void)
{
    char             pay[1024];
    cig_err_t        err;
    size_t           i;
    cig_allocator_t  aa = setup_arena;

    if (ids != NULL) {
        return;
    }

    ids_frozen = calloc(NIDS, sizeof(void *));
    ids_frozen_len = calloc(NIDS, sizeof(size_t));
    ids_path = calloc(NIDS, sizeof(char *));
    ids_res = calloc(NIDS, sizeof(char *));
    ids = calloc(NIDS, sizeof(cig_identity_t));

    for (i = 0; i < NIDS; i++) {
        char  sub[64], buf[256];

        distinct_id(sub, sizeof(sub), (unsigned) i);
        snprintf(pay, sizeof(pay), PAYLOAD_FMT, sub, NOW + 600, NOW - 10);
        ids_frozen[i] = freeze_payload(strdup(pay), strlen(pay),
                                       &ids_frozen_len[i]);
        snprintf(buf, sizeof(buf), "/mybucket/%s/photo.jpg", sub);
        ids_path[i] = strdup(buf);
        snprintf(buf, sizeof(buf), "arn:aws:s3:::mybucket/%s/photo.jpg", sub);
        ids_res[i] = strdup(buf);

        if (cig_token_thaw(&ver1, ids_frozen[i], ids_frozen_len[i], NOW,
                           &aa, &ids[i], &err)
            != CIG_OK)
        {
            die("identity: %s", err.msg);
        }
    }

}


/* ---------------------------------------------------------------------- */
/* Operations */

static volatile int  sink;


static void
op_openssl_verify(void)
{
    EVP_MD_CTX  *ctx;

    ctx = EVP_MD_CTX_new();

    if (ctx == NULL
        || EVP_DigestVerifyInit(ctx, NULL, EVP_sha512(), NULL, pub) != 1
        || EVP_DigestVerify(ctx, sig_good, sig_good_len,
                            (unsigned char *) tok_good, signing_len) != 1)
    {
        die("%s", "bare verify failed");
    }

    EVP_MD_CTX_free(ctx);
}


/*
 * The same verification with everything that does not depend on the token
 * done once: the digest fetched, the key's EVP_PKEY_CTX initialised for
 * RS512; per token only SHA-512 and EVP_PKEY_verify.  The core does this
 * with the context copied per call (the _dup case below), so that threads
 * may share a key: core/cig_token.c:cig_rsa_verify.
 */

static EVP_MD        *md_sha512, *md_sha256;
static EVP_PKEY_CTX  *pkey_ctx;


static void
prepared_setup(void)
{
    md_sha512 = EVP_MD_fetch(NULL, "SHA512", NULL);
    md_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    pkey_ctx = EVP_PKEY_CTX_new(pub, NULL);

    if (md_sha512 == NULL || md_sha256 == NULL || pkey_ctx == NULL
        || EVP_PKEY_verify_init(pkey_ctx) != 1
        || EVP_PKEY_CTX_set_rsa_padding(pkey_ctx, RSA_PKCS1_PADDING) != 1
        || EVP_PKEY_CTX_set_signature_md(pkey_ctx, md_sha512) != 1)
    {
        die("%s", "cannot prepare the verification context");
    }
}


static void
op_openssl_verify_prepared(void)
{
    unsigned char  md[EVP_MAX_MD_SIZE];
    unsigned int   md_len;

    if (EVP_Digest(tok_good, signing_len, md, &md_len, md_sha512, NULL) != 1
        || EVP_PKEY_verify(pkey_ctx, sig_good, sig_good_len, md, md_len) != 1)
    {
        die("%s", "prepared verify failed");
    }
}


/* The same, thread-safe: the prepared context copied for each call. */

static void
op_openssl_verify_prepared_dup(void)
{
    unsigned char   md[EVP_MAX_MD_SIZE];
    unsigned int    md_len;
    EVP_PKEY_CTX   *ctx;

    ctx = EVP_PKEY_CTX_dup(pkey_ctx);

    if (ctx == NULL
        || EVP_Digest(tok_good, signing_len, md, &md_len, md_sha512, NULL)
           != 1
        || EVP_PKEY_verify(ctx, sig_good, sig_good_len, md, md_len) != 1)
    {
        die("%s", "prepared verify failed");
    }

    EVP_PKEY_CTX_free(ctx);
}


static void
op_sha256_prefetched(void)
{
    unsigned char  md[EVP_MAX_MD_SIZE];
    unsigned int   md_len;

    EVP_Digest(tok_good, strlen(tok_good), md, &md_len, md_sha256, NULL);
    sink += md[0];
}


static void
op_sha256(void)
{
    unsigned char  md[SHA256_DIGEST_LENGTH];

    SHA256((unsigned char *) tok_good, strlen(tok_good), md);
    sink += md[0];
}


static void
verify_expect(const char *tok, cig_code_t want)
{
    cig_identity_t  id;
    cig_err_t       err;

    bump_reset();

    if (cig_token_verify(&ver1, tok, strlen(tok), NOW, &alloc, &id, &err)
        != want)
    {
        die("unexpected result: %s", err.msg);
    }
}


static void op_verify_good(void)      { verify_expect(tok_good, CIG_OK); }
static void op_verify_badsig(void)
    { verify_expect(tok_badsig, CIG_ERR_INVALID_TOKEN); }
static void op_verify_malformed(void)
    { verify_expect(tok_malformed, CIG_ERR_INVALID_TOKEN); }
static void op_verify_parts(void)
    { verify_expect(tok_parts, CIG_ERR_INVALID_TOKEN); }
static void op_verify_alg_none(void)
    { verify_expect(tok_alg_none, CIG_ERR_INVALID_TOKEN); }
static void op_verify_unknown_kid(void)
    { verify_expect(tok_unknown_kid, CIG_ERR_INVALID_TOKEN); }


static void
op_thaw(void)
{
    cig_identity_t  id;
    cig_err_t       err;

    bump_reset();

    if (cig_token_thaw(&ver1, frozen_good, frozen_good_len, NOW, &alloc, &id,
                       &err)
        != CIG_OK)
    {
        die("thaw: %s", err.msg);
    }
}


static void
op_roles_choose(void)
{
    cig_role_choice_t  out;
    cig_err_t          err;

    if (cig_roles_choose(pool_roles, &roles_id, &roles_in, &out, &err)
        != CIG_OK)
    {
        die("roles: %s", err.msg);
    }

    sink += (int) out.role.len;
}


static void
evaluate(cig_policy_t *p, const cig_identity_t *id, const char *action,
    const char *resource, const cig_kv_t *keys, size_t nkeys,
    cig_decision_t want)
{
    cig_request_t  req;
    cig_verdict_t  v;

    memset(&req, 0, sizeof(req));
    req.id = id;
    req.action.data = action;
    req.action.len = strlen(action);
    req.resource.data = resource;
    req.resource.len = strlen(resource);
    req.source_ip.data = "127.0.0.1";
    req.source_ip.len = sizeof("127.0.0.1") - 1;
    req.now = NOW;
    req.keys = keys;
    req.nkeys = nkeys;

    if (cig_policy_evaluate(&p, 1, &req, &v) != want) {
        die("%s", "unexpected decision");
    }
}


static void
op_policy_s3_get(void)
{
    evaluate(pol_s3, &id_good, "s3:GetObject", res_get, NULL, 0, CIG_ALLOW);
}


static void
op_policy_s3_list(void)
{
    cig_kv_t  kv;

    kv.name.data = "s3:prefix";
    kv.name.len = sizeof("s3:prefix") - 1;
    kv.value.data = prefix_val;
    kv.value.len = strlen(prefix_val);

    evaluate(pol_s3, &id_good, "s3:ListBucket", res_bucket, &kv, 1,
             CIG_ALLOW);
}


static void
op_policy_100(void)
{
    evaluate(pol_100, &id_good, "s3:GetObject", res_get, NULL, 0, CIG_ALLOW);
}


static void
op_policy_s3_100k_ids(void)
{
    size_t  i = ids_next++;

    if (ids_next == NIDS) {
        ids_next = 0;
    }

    evaluate(pol_s3, &ids[i], "s3:GetObject", ids_res[i], NULL, 0,
             CIG_ALLOW);
}


static void
map_path(const char *raw, cig_mapped_t *m)
{
    cig_http_t  h;
    cig_err_t   err;
    cig_str_t   bucket = { NULL, 0 };

    memset(&h, 0, sizeof(h));
    h.method.data = "GET";
    h.method.len = 3;
    h.query.data = "";

    if (cig_path_decode(raw, strlen(raw), &alloc, &h.path, &err) != CIG_OK
        || cig_map_s3(&h, bucket, &alloc, m, &err) != CIG_OK)
    {
        die("mapping: %s", err.msg);
    }
}


static void
op_path_map(void)
{
    cig_mapped_t  m;

    bump_reset();
    map_path(raw_path, &m);
    sink += (int) m.nchecks;
}


/*
 * What the core does for one request on a token-cache hit in front of an
 * S3 store: claims re-checked, role attachment found and role chosen, the
 * role's policies found, the path decoded and mapped, every check
 * evaluated.
 */

static void
decision(const cig_verifier_t *v, const cig_roleset_t *rs,
    const void *frozen, size_t frozen_len, const char *raw)
{
    size_t                 i, n;
    cig_err_t              err;
    cig_identity_t         id;
    cig_mapped_t           m;
    cig_request_t          req;
    cig_verdict_t          verdict;
    cig_role_input_t       in;
    cig_role_choice_t      choice;
    const cig_roles_t     *roles;
    cig_policy_t *const   *pols;

    bump_reset();

    if (cig_token_thaw(v, frozen, frozen_len, NOW, &alloc, &id, &err)
        != CIG_OK)
    {
        die("thaw: %s", err.msg);
    }

    roles = cig_roleset_find(rs, id.aud);
    memset(&in, 0, sizeof(in));
    in.claims = id.claims;

    if (roles == NULL
        || cig_roles_choose(roles, &id, &in, &choice, &err) != CIG_OK)
    {
        die("%s", "no role");
    }

    pols = cig_policyset_find(polset, choice.role, &n);

    map_path(raw, &m);

    memset(&req, 0, sizeof(req));
    req.id = &id;
    req.source_ip.data = "127.0.0.1";
    req.source_ip.len = sizeof("127.0.0.1") - 1;
    req.now = NOW;
    req.keys = m.keys;
    req.nkeys = m.nkeys;

    for (i = 0; i < m.nchecks; i++) {
        req.action = m.checks[i].action;
        req.resource = m.checks[i].resource;

        if (cig_policy_evaluate(pols, n, &req, &verdict) != CIG_ALLOW) {
            die("%s", "decision: denied");
        }
    }
}


static void
op_decision_1_pool(void)
{
    decision(&ver1, roleset1, frozen_good, frozen_good_len, raw_path);
}


static void
op_decision_1000_pools(void)
{
    decision(&ver1000, roleset1000, frozen_good, frozen_good_len,
             raw_path);
}


static void
op_decision_100k_ids(void)
{
    size_t  i = ids_next++;

    if (ids_next == NIDS) {
        ids_next = 0;
    }

    decision(&ver1, roleset1, ids_frozen[i], ids_frozen_len[i],
             ids_path[i]);
}


/* ---------------------------------------------------------------------- */
/* Cases and targets */

typedef enum {
    T_NONE = 0,
    T_NS,           /* at most `limit` ns */
    T_V_PLUS,       /* at most V + `limit` ns */
    T_RATIO         /* at most `limit` x case `ref` */
} target_kind_t;

typedef struct {
    const char     *name;
    const char     *what;
    void          (*op)(void);
    target_kind_t   kind;
    double          limit;
    const char     *ref;
    const char     *target;     /* as the issue states it */
    double          ns[RUNS];
    double          median;
    unsigned long   iters;
    int             done;
} bench_case_t;

static bench_case_t  cases[] = {
    { "openssl_rs512_verify", "bare OpenSSL RS512 verify, key loaded once "
      "(EVP_DigestVerifyInit+EVP_DigestVerify): V", op_openssl_verify,
      T_NONE, 0, NULL, "reference V" },
    { "openssl_rs512_verify_prepared", "the same verify with the digest "
      "fetched and the key's EVP_PKEY_CTX set up once (SHA-512 + "
      "EVP_PKEY_verify)", op_openssl_verify_prepared, T_NONE, 0, NULL,
      "- (what V could be)" },
    { "openssl_rs512_verify_prepared_dup", "the same with the prepared "
      "context copied per call (EVP_PKEY_CTX_dup, thread-safe)",
      op_openssl_verify_prepared_dup, T_NONE, 0, NULL, "-" },
    { "sha256_token", "SHA-256 of the token, one-shot SHA256() (the "
      "token-cache key, as the module computes it)", op_sha256, T_NONE, 0,
      NULL, "-" },
    { "sha256_token_prefetched", "SHA-256 of the token, EVP_Digest with the "
      "digest fetched once", op_sha256_prefetched, T_NONE, 0, NULL, "-" },
    { "token_verify_valid", "cig_token_verify, Cognito-shaped RS512 token",
      op_verify_good, T_V_PLUS, 3000, NULL, "<= V + 3 us" },
    { "token_verify_bad_signature", "cig_token_verify, one signature "
      "character changed", op_verify_badsig, T_V_PLUS, 3000, NULL,
      "one verify (<= V + 3 us)" },
    { "token_verify_malformed", "cig_token_verify, '+' in the payload part "
      "(last check before RSA)", op_verify_malformed, T_NS, 2000, NULL,
      "<= 2 us, no RSA" },
    { "token_verify_two_parts", "cig_token_verify, header.payload only",
      op_verify_parts, T_NS, 2000, NULL, "<= 2 us, no RSA" },
    { "token_verify_alg_none", "cig_token_verify, \"alg\":\"none\"",
      op_verify_alg_none, T_NS, 2000, NULL, "<= 2 us, no RSA" },
    { "token_verify_unknown_kid", "cig_token_verify, kid not loaded",
      op_verify_unknown_kid, T_NS, 2000, NULL, "<= 2 us, no RSA" },
    { "token_thaw", "cig_token_thaw (token-cache hit: the frozen identity "
      "back, claims re-checked)", op_thaw, T_NONE, 0, NULL, "-" },
    { "roles_choose_rules", "cig_roles_choose, t/roles/pool-roles.json, "
      "3 rules evaluated", op_roles_choose, T_NONE, 0, NULL, "-" },
    { "policy_s3_per_user_get", "cig_policy_evaluate, s3-per-user.json, "
      "GetObject", op_policy_s3_get, T_NS, 2000, NULL, "<= 2 us" },
    { "policy_s3_per_user_list", "cig_policy_evaluate, s3-per-user.json, "
      "ListBucket with s3:prefix", op_policy_s3_list, T_NS, 2000, NULL,
      "<= 2 us" },
    { "policy_100_statements", "cig_policy_evaluate, 100 statements "
      "(bench/gen.py), the last allows", op_policy_100, T_NS, 10000, NULL,
      "<= 10 us" },
    { "path_decode_map_s3", "cig_path_decode + cig_map_s3, GET "
      "/mybucket/ID/photo.jpg", op_path_map, T_NONE, 0, NULL, "-" },
    { "policy_s3_100k_identities", "cig_policy_evaluate, s3-per-user.json, "
      "100,000 distinct pre-built identities cycled (their claims cold in "
      "the CPU cache)", op_policy_s3_100k_ids, T_NONE, 0, NULL,
      "- (see decision_100k_identities)" },
    { "decision_1_pool", "cache-hit request path: thaw + role + policy "
      "+ path/map, 1 pool", op_decision_1_pool, T_NONE, 0, NULL, "-" },
    { "decision_1000_pools", "the same with 1,000 pools (audiences and "
      "role attachments)", op_decision_1000_pools, T_RATIO, 1.25,
      "decision_1_pool", "no growth vs 1 pool" },
    { "decision_100k_identities", "the same, 100,000 distinct identities "
      "cycled", op_decision_100k_ids, T_RATIO, 1.25, "decision_1_pool",
      "no growth vs 1 identity" },
};

#define NCASES  (sizeof(cases) / sizeof(cases[0]))


static int
cmp_double(const void *a, const void *b)
{
    double  x = *(const double *) a, y = *(const double *) b;

    return (x > y) - (x < y);
}


static void
run_case(bench_case_t *c, double seconds)
{
    unsigned long  n, i;
    double         t0, t1, per_run, s[RUNS];
    int            r;

    ids_next = 0;

    if (strstr(c->name, "100k") != NULL) {
        setup_identities();
    }

    /* warm-up and calibration: double n until a batch takes 20 ms */

    n = 1;
    for ( ;; ) {
        t0 = now_ns();
        for (i = 0; i < n; i++) {
            c->op();
        }
        t1 = now_ns();

        if (t1 - t0 >= 20e6) {
            break;
        }

        n *= 2;
    }

    per_run = seconds * 1e9;
    n = (unsigned long) ceil(per_run / ((t1 - t0) / (double) n));
    if (n == 0) {
        n = 1;
    }

    for (r = 0; r < RUNS; r++) {
        t0 = now_ns();
        for (i = 0; i < n; i++) {
            c->op();
        }
        t1 = now_ns();
        c->ns[r] = (t1 - t0) / (double) n;
    }

    memcpy(s, c->ns, sizeof(s));
    qsort(s, RUNS, sizeof(double), cmp_double);
    c->median = s[RUNS / 2];
    c->iters = n;
    c->done = 1;
}


static bench_case_t *
find_case(const char *name)
{
    size_t  i;

    for (i = 0; i < NCASES; i++) {
        if (strcmp(cases[i].name, name) == 0) {
            return &cases[i];
        }
    }

    return NULL;
}


/* --only SUBSTRING matches names containing it, --only =NAME one name */

static int
name_matches(const char *name, const char *only)
{
    return only[0] == '=' ? strcmp(name, only + 1) == 0
                          : strstr(name, only) != NULL;
}


/* With --only: the matching cases, V, and the cases they are compared to. */

static int
selected(const bench_case_t *c, const char *only)
{
    size_t  i;

    if (name_matches(c->name, only)
        || strcmp(c->name, "openssl_rs512_verify") == 0)
    {
        return 1;
    }

    for (i = 0; i < NCASES; i++) {
        if (cases[i].ref != NULL && strcmp(cases[i].ref, c->name) == 0
            && name_matches(cases[i].name, only))
        {
            return 1;
        }
    }

    return 0;
}


/* "pass" / "miss" and by how much, in buf; "" when there is no target. */

static const char *
verdict(const bench_case_t *c, double v_ns, char *buf, size_t size,
    double *limit_ns)
{
    bench_case_t  *ref;
    double         limit;

    *limit_ns = NAN;

    switch (c->kind) {
    case T_NS:
        limit = c->limit;
        break;
    case T_V_PLUS:
        if (isnan(v_ns)) {
            snprintf(buf, size, "n/a");
            return buf;
        }
        limit = v_ns + c->limit;
        break;
    case T_RATIO:
        ref = find_case(c->ref);
        if (ref == NULL || !ref->done) {
            snprintf(buf, size, "n/a");
            return buf;
        }
        limit = ref->median * c->limit;
        break;
    default:
        snprintf(buf, size, "-");
        return buf;
    }

    *limit_ns = limit;

    if (c->median <= limit) {
        snprintf(buf, size, "pass (%.0f%% of the limit)",
                 100.0 * c->median / limit);
    } else {
        snprintf(buf, size, "MISS by %.0f ns (%.2fx the limit)",
                 c->median - limit, c->median / limit);
    }

    return buf;
}


int
main(int argc, char **argv)
{
    const char    *root, *policy100, *md_path, *tsv_path, *only;
    char           buf[4096], vbuf[128], lbuf[64];
    double         seconds, v_ns, limit, lo, hi;
    size_t         i;
    unsigned long  count, n;
    int            r;
    FILE          *md, *tsv;
    bench_case_t  *c, *v;

    root = ".";
    policy100 = NULL;
    md_path = NULL;
    tsv_path = NULL;
    only = NULL;
    seconds = 0.5;
    count = 0;

    for (r = 1; r < argc; r++) {
        if (strcmp(argv[r], "--root") == 0 && r + 1 < argc) {
            root = argv[++r];
        } else if (strcmp(argv[r], "--policy100") == 0 && r + 1 < argc) {
            policy100 = argv[++r];
        } else if (strcmp(argv[r], "--seconds") == 0 && r + 1 < argc) {
            seconds = atof(argv[++r]);
        } else if (strcmp(argv[r], "--md") == 0 && r + 1 < argc) {
            md_path = argv[++r];
        } else if (strcmp(argv[r], "--tsv") == 0 && r + 1 < argc) {
            tsv_path = argv[++r];
        } else if (strcmp(argv[r], "--only") == 0 && r + 1 < argc) {
            only = argv[++r];
        } else if (strcmp(argv[r], "--count") == 0 && r + 1 < argc) {
            count = strtoul(argv[++r], NULL, 10);
        } else {
            fprintf(stderr, "usage: micro [--root DIR] [--policy100 FILE] "
                    "[--seconds S] [--md FILE] [--tsv FILE] "
                    "[--only SUBSTRING|=NAME] [--count N]\n");
            return 2;
        }
    }

    if (policy100 == NULL) {
        snprintf(buf, sizeof(buf), "%s/bench/work/policy-100.json", root);
        policy100 = strdup(buf);
    }

    if (seconds <= 0) {
        seconds = 0.5;
    }

    setup(root, policy100);

    /* --count N: each case whose name contains --only, exactly N times and
     * untimed, for valgrind --tool=callgrind or perf (bench/profile.sh) */

    if (count > 0) {
        for (i = 0; i < NCASES; i++) {
            if (only != NULL && !name_matches(cases[i].name, only)) {
                continue;
            }

            if (strstr(cases[i].name, "100k") != NULL) {
                setup_identities();
            }

            for (n = 0; n < count; n++) {
                cases[i].op();
            }
        }

        return 0;
    }

    for (i = 0; i < NCASES; i++) {
        c = &cases[i];

        if (only != NULL && !selected(c, only)) {
            continue;
        }

        run_case(c, seconds);
        fprintf(stderr, "  %-28s %10.0f ns/op\n", c->name, c->median);
    }

    v = find_case("openssl_rs512_verify");
    v_ns = v->done ? v->median : NAN;

    md = md_path ? fopen(md_path, "w") : NULL;
    tsv = tsv_path ? fopen(tsv_path, "w") : NULL;

    if ((md_path && md == NULL) || (tsv_path && tsv == NULL)) {
        die("cannot write results: %s", strerror(errno));
    }

    snprintf(buf, sizeof(buf),
             "| case | what | ns/op (median of %d) | min..max | x V "
             "| ns at V = 20 us | target | result |\n"
             "|---|---|---:|---:|---:|---:|---|---|\n", RUNS);
    fputs(buf, stdout);
    if (md) {
        fputs(buf, md);
    }

    if (tsv) {
        fprintf(tsv, "case\tns_median\tns_min\tns_max\titerations\tx_V\t"
                "ns_at_V_20us\tlimit_ns\tresult\n");
    }

    for (i = 0; i < NCASES; i++) {
        c = &cases[i];

        if (!c->done) {
            continue;
        }

        lo = hi = c->ns[0];
        for (r = 1; r < RUNS; r++) {
            lo = c->ns[r] < lo ? c->ns[r] : lo;
            hi = c->ns[r] > hi ? c->ns[r] : hi;
        }

        verdict(c, v_ns, vbuf, sizeof(vbuf), &limit);

        snprintf(buf, sizeof(buf), "| %s | %s | %.0f | %.0f..%.0f | %.3f | "
                 "%.0f | %s | %s |\n", c->name, c->what, c->median, lo, hi,
                 c->median / v_ns, c->median / v_ns * V_REF, c->target,
                 vbuf);
        fputs(buf, stdout);
        if (md) {
            fputs(buf, md);
        }

        if (tsv) {
            fprintf(tsv, "%s\t%.1f\t%.1f\t%.1f\t%lu\t%.4f\t%.0f\t%s\t%s\n",
                    c->name, c->median, lo, hi, c->iters, c->median / v_ns,
                    c->median / v_ns * V_REF,
                    isnan(limit) ? "-" : (snprintf(lbuf, sizeof(lbuf), "%.0f",
                                                   limit), lbuf),
                    vbuf);
        }
    }

    if (md) {
        fclose(md);
    }
    if (tsv) {
        fclose(tsv);
    }

    return 0;
}
