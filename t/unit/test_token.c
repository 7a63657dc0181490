/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Token verification: tokens are minted here with OpenSSL from the private
 * keys in t/keys, from header and payload JSON given verbatim, then checked
 * with cig_token_verify() at a fixed time.  Every case works in its own
 * arena, destroyed after the case.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "unit.h"


#define NOW      1700000000
#define LEEWAY   10

#define ISS      "https://cognito-identity.amazonaws.com"
#define POOL     "eu-west-1:b45b9729-c269-4ef2-86f1-0df3e40fe92d"
#define POOL2    "us-east-1:00000000-1111-2222-3333-444444444444"
#define ID       "eu-west-1:6a0e1b6f-1c2d-4e5f-8a9b-0c1d2e3f4a5b"
#define PROV     "cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEfGhI"

/* headers */
#define H(alg)   "{\"kid\":\"test-1\",\"typ\":\"JWS\",\"alg\":\"" alg "\"}"
#define H512     H("RS512")

/* claims */
#define C_ISS    "\"iss\":\"" ISS "\""
#define C_AUD    "\"aud\":\"" POOL "\""
#define C_SUB    "\"sub\":\"" ID "\""
#define C_EXP    "\"exp\":1700000600"
#define C_IAT    "\"iat\":1699999990"
#define C_AMR    "\"amr\":[\"authenticated\",\"" PROV "\",\"" PROV            \
                 ":CognitoSignIn:0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d\"]"
#define C_GUEST  "\"amr\":[\"unauthenticated\"]"

/* all standard claims but one */
#define X_ISS    C_SUB "," C_AUD "," C_EXP "," C_IAT "," C_AMR
#define X_AUD    C_SUB "," C_ISS "," C_EXP "," C_IAT "," C_AMR
#define X_EXP    C_SUB "," C_AUD "," C_ISS "," C_IAT "," C_AMR
#define X_IAT    C_SUB "," C_AUD "," C_ISS "," C_EXP "," C_AMR
#define X_SUB    C_AUD "," C_ISS "," C_EXP "," C_IAT "," C_AMR
#define X_AMR    C_SUB "," C_AUD "," C_ISS "," C_EXP "," C_IAT

#define P_AUTH   "{" X_AMR "," C_AMR "}"
#define P_GUEST  "{" X_AMR "," C_GUEST "}"


typedef enum {
    K1 = 0, K2, K4096, KE3, NKEYS
} tok_key_t;

static const char *const  tok_key_files[NKEYS] = {
    "k1.pem", "k2.pem", "k4096.pem", "e3.pem"
};

static EVP_PKEY  *tok_keys[NKEYS];


typedef enum {
    V_MAIN = 0,     /* jwks-k1.json, RS512, Cognito, leeway 10 */
    V_LOGIN,        /* jwks-k1-login.json, RS256, not Cognito */
    V_RS256KEY,     /* jwks-k1-rs256.json, RS512 allowed */
    V_BOTH,         /* jwks-k1.json, RS256 and RS512 allowed */
    V_NOALG,        /* jwks-k1-noalg.json, RS256 and RS512 allowed */
    V_MULTI,        /* jwks-k2.json then jwks-k1.json */
    V_AWS,          /* jwks-aws-style.json */
    V_E3,           /* jwks-e3.json */
    V_4096,         /* jwks-k4096.json */
    V_NOKEYS,       /* one key set slot, NULL (not loaded yet) */
    V_NOSETS,       /* no key sets at all */
    V_TWOAUD,       /* two audiences */
    V_NOLEEWAY,     /* leeway 0 */
    NVERIFIERS
} tok_verifier_t;

static cig_verifier_t  tok_v[NVERIFIERS];


typedef enum {
    M_NONE = 0,
    M_TRUNC_SIG,        /* the signature one byte short */
    M_LONG_SIG,         /* the signature one zero byte longer */
    M_FLIP_SIG,         /* one bit of the signature flipped */
    M_PAD_SIG,          /* "==" appended to the signature part */
    M_PAD_HDR,          /* "=" appended to the header part */
    M_PLUS_PAY,         /* the payload part's first character is '+' */
    M_SLASH_HDR,        /* the header part's first character is '/' */
    M_BITS_SIG,         /* unused low bits of the signature's last char */
    M_NL_END,           /* a newline appended to the token */
    M_TWO_PARTS,        /* "header.payload" */
    M_FOUR_PARTS,       /* ".e30" appended */
    M_TRAIL_DOT,        /* "." appended */
    M_EMPTY_HDR,
    M_EMPTY_PAY,
    M_EMPTY_SIG,
    M_OTHER_PAY         /* payload part replaced after signing */
} tok_mangle_t;


typedef struct {
    const char      *name;
    tok_verifier_t   ver;
    tok_key_t        key;
    const char      *md;            /* digest name: "SHA512" if NULL */
    const char      *hdr;
    const char      *pay;
    tok_mangle_t     mangle;
    cig_code_t       rc;
    const char      *msg;           /* substring of err.msg on failure */
    int              unknown_kid;
} tok_case_t;


typedef struct {
    cig_arena_t      *arena;
    cig_allocator_t   a;
    cig_err_t         err;
    cig_identity_t    id;
} tok_ctx_t;


static void
tok_bail(const char *what)
{
    printf("Bail out! %s\n", what);
    exit(255);
}


static void
tok_begin(tok_ctx_t *ctx)
{
    memset(ctx, 0, sizeof(tok_ctx_t));

    ctx->arena = cig_arena_create();
    if (ctx->arena == NULL) {
        tok_bail("out of memory");
    }

    cig_arena_allocator(ctx->arena, &ctx->a);
}


static void
tok_end(tok_ctx_t *ctx)
{
    cig_arena_destroy(ctx->arena);
    ctx->arena = NULL;
}


static void *
tok_alloc(tok_ctx_t *ctx, size_t size)
{
    void  *p;

    p = ctx->a.alloc(ctx->a.ctx, size);
    if (p == NULL) {
        tok_bail("out of memory");
    }

    return p;
}


static char *
tok_b64(tok_ctx_t *ctx, const void *data, size_t len)
{
    char    *out;
    size_t   n;

    out = tok_alloc(ctx, len / 3 * 4 + 8);
    n = cig_b64url_encode(data, len, out);
    out[n] = '\0';

    return out;
}


/*
 * Mints header.payload.signature with the key and digest, applying one
 * mangling.  The token lives in the case's arena.
 */

static char *
tok_mint(tok_ctx_t *ctx, tok_key_t key, const char *md_name,
    const char *hdr, const char *pay, tok_mangle_t mangle)
{
    EVP_MD_CTX     *md_ctx;
    const EVP_MD   *md;
    unsigned char  *sig;
    char           *h, *p, *s, *signing, *token, *c;
    size_t          sig_len, size;

    md = EVP_get_digestbyname(md_name ? md_name : "SHA512");
    if (md == NULL) {
        tok_bail("unknown digest");
    }

    h = tok_b64(ctx, hdr, strlen(hdr));
    p = tok_b64(ctx, pay, strlen(pay));

    signing = tok_alloc(ctx, strlen(h) + strlen(p) + 2);
    sprintf(signing, "%s.%s", h, p);

    md_ctx = EVP_MD_CTX_new();
    if (md_ctx == NULL
        || EVP_DigestSignInit(md_ctx, NULL, md, NULL, tok_keys[key]) != 1
        || EVP_DigestSign(md_ctx, NULL, &sig_len,
                          (const unsigned char *) signing,
                          strlen(signing)) != 1)
    {
        tok_bail("EVP_DigestSignInit failed");
    }

    sig = tok_alloc(ctx, sig_len + 1);

    if (EVP_DigestSign(md_ctx, sig, &sig_len, (const unsigned char *) signing,
                       strlen(signing)) != 1)
    {
        tok_bail("EVP_DigestSign failed");
    }

    EVP_MD_CTX_free(md_ctx);

    switch (mangle) {
    case M_TRUNC_SIG:
        sig_len--;
        break;
    case M_LONG_SIG:
        sig[sig_len++] = 0;
        break;
    case M_FLIP_SIG:
        sig[sig_len / 2] ^= 0x10;
        break;
    case M_OTHER_PAY:
        p = tok_b64(ctx, P_GUEST, sizeof(P_GUEST) - 1);
        break;
    default:
        break;
    }

    s = tok_b64(ctx, sig, sig_len);

    switch (mangle) {
    case M_PLUS_PAY:
        p[0] = '+';
        break;
    case M_SLASH_HDR:
        h[0] = '/';
        break;
    case M_BITS_SIG:
        /* 256 bytes: the last character carries 2 bits and 4 unused */
        c = &s[strlen(s) - 1];
        *c = (*c == 'A') ? 'B' : (*c == 'Q') ? 'R' : (*c == 'g') ? 'h' : 'x';
        break;
    case M_EMPTY_HDR:
        h[0] = '\0';
        break;
    case M_EMPTY_PAY:
        p[0] = '\0';
        break;
    case M_EMPTY_SIG:
        s[0] = '\0';
        break;
    default:
        break;
    }

    size = strlen(h) + strlen(p) + strlen(s) + 16;
    token = tok_alloc(ctx, size);

    switch (mangle) {
    case M_TWO_PARTS:
        snprintf(token, size, "%s.%s", h, p);
        break;
    case M_FOUR_PARTS:
        snprintf(token, size, "%s.%s.%s.e30", h, p, s);
        break;
    case M_TRAIL_DOT:
        snprintf(token, size, "%s.%s.%s.", h, p, s);
        break;
    case M_PAD_SIG:
        snprintf(token, size, "%s.%s.%s==", h, p, s);
        break;
    case M_PAD_HDR:
        snprintf(token, size, "%s=.%s.%s", h, p, s);
        break;
    case M_NL_END:
        snprintf(token, size, "%s.%s.%s\n", h, p, s);
        break;
    default:
        snprintf(token, size, "%s.%s.%s", h, p, s);
        break;
    }

    return token;
}


static cig_code_t
tok_verify(tok_ctx_t *ctx, tok_verifier_t ver, const char *token, size_t len)
{
    return cig_token_verify(&tok_v[ver], token, len, NOW, &ctx->a, &ctx->id,
                            &ctx->err);
}


/* the checks of one expectation: code, reason, flags */

static void
tok_expect(tok_ctx_t *ctx, const char *name, cig_code_t got, cig_code_t rc,
    const char *msg, int unknown_kid)
{
    if (rc == CIG_OK) {
        if (!tap_is_int(got, rc, "token: %s: passes", name)) {
            tap_diag("error: %s", ctx->err.msg);
        }
        return;
    }

    if (!tap_is_int(got, rc, "token: %s: fails with \"%s\"", name,
                    cig_code_name(rc)))
    {
        tap_diag("error: %s", ctx->err.msg);
    }

    tap_ok(ctx->err.code == rc && strstr(ctx->err.msg, msg) != NULL
           && strstr(ctx->err.msg, "eyJ") == NULL,
           "token: %s: reason says \"%s\"", name, msg);
    if (strstr(ctx->err.msg, msg) == NULL) {
        tap_diag("reason: %s", ctx->err.msg);
    }

    /* the reason goes to a log: one line of printable text */

    for (const char *p = ctx->err.msg; *p; p++) {
        if ((unsigned char) *p < 0x20 || *p == 0x7f) {
            tap_ok(0, "token: %s: reason has no control characters", name);
            tap_diag("reason: %s", ctx->err.msg);
            break;
        }
    }

    if (unknown_kid) {
        tap_ok(ctx->id.unknown_kid, "token: %s: identity.unknown_kid is set",
               name);
    } else if (ctx->id.unknown_kid) {
        tap_ok(0, "token: %s: identity.unknown_kid is not set", name);
    }
}


static void
tok_run(const tok_case_t *cases, size_t n)
{
    tok_ctx_t   ctx;
    char       *token;
    size_t      i;

    for (i = 0; i < n; i++) {
        tok_begin(&ctx);

        token = tok_mint(&ctx, cases[i].key, cases[i].md, cases[i].hdr,
                         cases[i].pay, cases[i].mangle);

        tok_expect(&ctx, cases[i].name,
                   tok_verify(&ctx, cases[i].ver, token, strlen(token)),
                   cases[i].rc, cases[i].msg, cases[i].unknown_kid);

        tok_end(&ctx);
    }
}


/* the headers */

static void
tok_headers(void)
{
    static const tok_case_t  cases[] = {
        { "Cognito's header", V_MAIN, K1, NULL, H512, P_AUTH, M_NONE,
          CIG_OK, NULL, 0 },
        { "typ absent", V_MAIN, K1, NULL,
          "{\"kid\":\"test-1\",\"alg\":\"RS512\"}", P_AUTH, M_NONE,
          CIG_OK, NULL, 0 },
        { "typ \"JWT\"", V_MAIN, K1, NULL,
          "{\"alg\":\"RS512\",\"typ\":\"JWT\",\"kid\":\"test-1\"}", P_AUTH,
          M_NONE, CIG_OK, NULL, 0 },
        { "header with whitespace and an unknown member", V_MAIN, K1, NULL,
          " { \"kid\" : \"test-1\" ,\n\"alg\":\"RS512\", \"x\":{} } ", P_AUTH,
          M_NONE, CIG_OK, NULL, 0 },
        { "typ a number", V_MAIN, K1, NULL,
          "{\"kid\":\"test-1\",\"typ\":1,\"alg\":\"RS512\"}", P_AUTH, M_NONE,
          CIG_ERR_INVALID_TOKEN, "header \"typ\" is not a string", 0 },
        { "typ null", V_MAIN, K1, NULL,
          "{\"kid\":\"test-1\",\"typ\":null,\"alg\":\"RS512\"}", P_AUTH,
          M_NONE, CIG_ERR_INVALID_TOKEN, "\"typ\" is not a string", 0 },

        { "alg none", V_MAIN, K1, NULL, H("none"), P_AUTH, M_NONE,
          CIG_ERR_INVALID_TOKEN, "algorithm \"none\" is not allowed", 0 },
        { "alg None", V_MAIN, K1, NULL, H("None"), P_AUTH, M_NONE,
          CIG_ERR_INVALID_TOKEN, "algorithm \"None\" is not allowed", 0 },
        { "alg NONE", V_MAIN, K1, NULL, H("NONE"), P_AUTH, M_NONE,
          CIG_ERR_INVALID_TOKEN, "algorithm \"NONE\" is not allowed", 0 },
        { "alg HS512", V_MAIN, K1, NULL, H("HS512"), P_AUTH, M_NONE,
          CIG_ERR_INVALID_TOKEN, "algorithm \"HS512\" is not allowed", 0 },
        { "alg RS256 (only RS512 allowed)", V_MAIN, K1, "SHA256", H("RS256"),
          P_AUTH, M_NONE, CIG_ERR_INVALID_TOKEN,
          "algorithm \"RS256\" is not allowed", 0 },
        { "alg ES512", V_MAIN, K1, NULL, H("ES512"), P_AUTH, M_NONE,
          CIG_ERR_INVALID_TOKEN, "algorithm \"ES512\" is not allowed", 0 },
        { "alg PS512", V_MAIN, K1, NULL, H("PS512"), P_AUTH, M_NONE,
          CIG_ERR_INVALID_TOKEN, "algorithm \"PS512\" is not allowed", 0 },
        { "alg rs512", V_MAIN, K1, NULL, H("rs512"), P_AUTH, M_NONE,
          CIG_ERR_INVALID_TOKEN, "algorithm \"rs512\" is not allowed", 0 },
        { "alg empty", V_MAIN, K1, NULL, H(""), P_AUTH, M_NONE,
          CIG_ERR_INVALID_TOKEN, "algorithm \"\" is not allowed", 0 },
        { "alg with a newline", V_MAIN, K1, NULL,
          "{\"kid\":\"test-1\",\"alg\":\"RS512\\n\"}", P_AUTH, M_NONE,
          CIG_ERR_INVALID_TOKEN, "algorithm \"RS512\" is not allowed", 0 },
        { "alg with a quote and a NUL", V_MAIN, K1, NULL,
          "{\"kid\":\"test-1\",\"alg\":\"RS\\\"\\u0000\\r\"}", P_AUTH,
          M_NONE, CIG_ERR_INVALID_TOKEN, "algorithm \"RS\" is not allowed",
          0 },
        { "alg long", V_MAIN, K1, NULL,
          "{\"kid\":\"test-1\",\"alg\":\"RS512RS512RS512RS512RS512\"}",
          P_AUTH, M_NONE, CIG_ERR_INVALID_TOKEN,
          "algorithm \"RS512RS512RS512R\" is not allowed", 0 },
        { "kid unknown, with a newline", V_MAIN, K1, NULL,
          "{\"alg\":\"RS512\",\"kid\":\"test-1\\nx\"}", P_AUTH, M_NONE,
          CIG_ERR_INVALID_TOKEN, "unknown kid \"test-1\"", 1 },
        { "alg missing", V_MAIN, K1, NULL, "{\"kid\":\"test-1\"}", P_AUTH,
          M_NONE, CIG_ERR_INVALID_TOKEN, "header has no \"alg\" string", 0 },
        { "alg an array", V_MAIN, K1, NULL,
          "{\"kid\":\"test-1\",\"alg\":[\"RS512\"]}", P_AUTH, M_NONE,
          CIG_ERR_INVALID_TOKEN, "header has no \"alg\" string", 0 },

        { "kid missing", V_MAIN, K1, NULL, "{\"alg\":\"RS512\"}", P_AUTH,
          M_NONE, CIG_ERR_INVALID_TOKEN, "header has no \"kid\" string", 0 },
        { "kid empty", V_MAIN, K1, NULL, "{\"alg\":\"RS512\",\"kid\":\"\"}",
          P_AUTH, M_NONE, CIG_ERR_INVALID_TOKEN,
          "header has no \"kid\" string", 0 },
        { "kid a number", V_MAIN, K1, NULL, "{\"alg\":\"RS512\",\"kid\":1}",
          P_AUTH, M_NONE, CIG_ERR_INVALID_TOKEN,
          "header has no \"kid\" string", 0 },
        { "kid an object", V_MAIN, K1, NULL,
          "{\"alg\":\"RS512\",\"kid\":{\"id\":\"test-1\"}}", P_AUTH, M_NONE,
          CIG_ERR_INVALID_TOKEN, "header has no \"kid\" string", 0 },
        { "kid unknown", V_MAIN, K1, NULL,
          "{\"alg\":\"RS512\",\"kid\":\"test-9\"}", P_AUTH, M_NONE,
          CIG_ERR_INVALID_TOKEN, "unknown kid \"test-9\"", 1 },
        { "kid of another case", V_MAIN, K1, NULL,
          "{\"alg\":\"RS512\",\"kid\":\"TEST-1\"}", P_AUTH, M_NONE,
          CIG_ERR_INVALID_TOKEN, "unknown kid", 1 },
        { "kid with a trailing NUL", V_MAIN, K1, NULL,
          "{\"alg\":\"RS512\",\"kid\":\"test-1\\u0000\"}", P_AUTH, M_NONE,
          CIG_ERR_INVALID_TOKEN, "unknown kid", 1 },
        { "kid of 129 characters", V_MAIN, K1, NULL,
          "{\"alg\":\"RS512\",\"kid\":\""
          "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
          "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
          "x\"}", P_AUTH, M_NONE, CIG_ERR_INVALID_TOKEN,
          "header \"kid\" is too long", 0 },

        { "header member crit", V_MAIN, K1, NULL,
          "{\"kid\":\"test-1\",\"alg\":\"RS512\",\"crit\":[\"exp\"]}", P_AUTH,
          M_NONE, CIG_ERR_INVALID_TOKEN,
          "header member \"crit\" is not accepted", 0 },
        { "header member jwk", V_MAIN, K1, NULL,
          "{\"kid\":\"test-1\",\"alg\":\"RS512\",\"jwk\":{\"kty\":\"RSA\"}}",
          P_AUTH, M_NONE, CIG_ERR_INVALID_TOKEN,
          "header member \"jwk\" is not accepted", 0 },
        { "header member jku", V_MAIN, K1, NULL,
          "{\"kid\":\"test-1\",\"alg\":\"RS512\","
          "\"jku\":\"https://evil.example/jwks\"}", P_AUTH, M_NONE,
          CIG_ERR_INVALID_TOKEN, "header member \"jku\" is not accepted", 0 },
        { "header member x5u", V_MAIN, K1, NULL,
          "{\"kid\":\"test-1\",\"alg\":\"RS512\","
          "\"x5u\":\"https://evil.example/cert\"}", P_AUTH, M_NONE,
          CIG_ERR_INVALID_TOKEN, "header member \"x5u\" is not accepted", 0 },
        { "header member x5c", V_MAIN, K1, NULL,
          "{\"kid\":\"test-1\",\"alg\":\"RS512\",\"x5c\":[\"MIIB\"]}", P_AUTH,
          M_NONE, CIG_ERR_INVALID_TOKEN,
          "header member \"x5c\" is not accepted", 0 },
        { "header member b64", V_MAIN, K1, NULL,
          "{\"kid\":\"test-1\",\"alg\":\"RS512\",\"b64\":false}", P_AUTH,
          M_NONE, CIG_ERR_INVALID_TOKEN,
          "header member \"b64\" is not accepted", 0 },
        { "header member zip", V_MAIN, K1, NULL,
          "{\"kid\":\"test-1\",\"alg\":\"RS512\",\"zip\":\"DEF\"}", P_AUTH,
          M_NONE, CIG_ERR_INVALID_TOKEN,
          "header member \"zip\" is not accepted", 0 },
        { "header member enc", V_MAIN, K1, NULL,
          "{\"kid\":\"test-1\",\"alg\":\"RS512\",\"enc\":\"A256GCM\"}",
          P_AUTH, M_NONE, CIG_ERR_INVALID_TOKEN,
          "header member \"enc\" is not accepted", 0 },
        { "crit even when null", V_MAIN, K1, NULL,
          "{\"kid\":\"test-1\",\"alg\":\"RS512\",\"crit\":null}", P_AUTH,
          M_NONE, CIG_ERR_INVALID_TOKEN, "\"crit\" is not accepted", 0 },

        { "header not an object ([])", V_MAIN, K1, NULL, "[]", P_AUTH,
          M_NONE, CIG_ERR_INVALID_TOKEN, "header is not a JSON object", 0 },
        { "header a string", V_MAIN, K1, NULL, "\"RS512\"", P_AUTH, M_NONE,
          CIG_ERR_INVALID_TOKEN, "header is not a JSON object", 0 },
        { "header not JSON", V_MAIN, K1, NULL, "{kid:test-1}", P_AUTH, M_NONE,
          CIG_ERR_INVALID_TOKEN, "header: invalid JSON", 0 },
        { "header with a duplicate alg", V_MAIN, K1, NULL,
          "{\"kid\":\"test-1\",\"alg\":\"none\",\"alg\":\"RS512\"}", P_AUTH,
          M_NONE, CIG_ERR_INVALID_TOKEN,
          "header: invalid JSON: duplicate member name", 0 },
        { "header nested 3 deep", V_MAIN, K1, NULL,
          "{\"kid\":\"test-1\",\"alg\":\"RS512\",\"x\":{\"y\":[]}}", P_AUTH,
          M_NONE, CIG_ERR_INVALID_TOKEN, "header: invalid JSON: nesting too "
          "deep", 0 },
        { "header with a BOM", V_MAIN, K1, NULL, "\xef\xbb\xbf" H512, P_AUTH,
          M_NONE, CIG_ERR_INVALID_TOKEN, "header: invalid JSON", 0 },
    };

    tok_run(cases, UNIT_NELTS(cases));
}


/* keys and signatures */

static void
tok_keys_and_sigs(void)
{
    static const tok_case_t  cases[] = {
        { "signed with k2 under kid test-1", V_MAIN, K2, NULL, H512, P_AUTH,
          M_NONE, CIG_ERR_INVALID_TOKEN,
          "signature does not verify with key \"test-1\"", 0 },
        { "a signature bit flipped", V_MAIN, K1, NULL, H512, P_AUTH,
          M_FLIP_SIG, CIG_ERR_INVALID_TOKEN, "signature does not verify", 0 },
        { "payload swapped after signing", V_MAIN, K1, NULL, H512, P_AUTH,
          M_OTHER_PAY, CIG_ERR_INVALID_TOKEN, "signature does not verify",
          0 },
        { "RS512 header, SHA-256 signature", V_MAIN, K1, "SHA256", H512,
          P_AUTH, M_NONE, CIG_ERR_INVALID_TOKEN, "signature does not verify",
          0 },
        { "signature one byte short", V_MAIN, K1, NULL, H512, P_AUTH,
          M_TRUNC_SIG, CIG_ERR_INVALID_TOKEN,
          "signature of 255 bytes, key \"test-1\" needs 256", 0 },
        { "signature one byte long", V_MAIN, K1, NULL, H512, P_AUTH,
          M_LONG_SIG, CIG_ERR_INVALID_TOKEN, "signature of 257 bytes", 0 },

        { "RS512 token, key for RS256", V_RS256KEY, K1, NULL, H512, P_AUTH,
          M_NONE, CIG_ERR_INVALID_TOKEN,
          "key \"test-1\" is for RS256, token says RS512", 0 },
        { "RS256 token, key for RS512, both allowed", V_BOTH, K1, "SHA256",
          H("RS256"), P_AUTH, M_NONE, CIG_ERR_INVALID_TOKEN,
          "is for RS512, token says RS256", 0 },
        { "RS512 token, key for RS512, both allowed", V_BOTH, K1, NULL, H512,
          P_AUTH, M_NONE, CIG_OK, NULL, 0 },
        { "RS256 token, key without alg", V_NOALG, K1, "SHA256", H("RS256"),
          P_AUTH, M_NONE, CIG_OK, NULL, 0 },
        { "RS512 token, key without alg", V_NOALG, K1, NULL, H512, P_AUTH,
          M_NONE, CIG_OK, NULL, 0 },
        { "RS384 token, key without alg, not allowed", V_NOALG, K1, "SHA384",
          H("RS384"), P_AUTH, M_NONE, CIG_ERR_INVALID_TOKEN,
          "algorithm \"RS384\" is not allowed", 0 },

        { "second key set: kid test-1", V_MULTI, K1, NULL, H512, P_AUTH,
          M_NONE, CIG_OK, NULL, 0 },
        { "first key set: kid test-2", V_MULTI, K2, NULL,
          "{\"alg\":\"RS512\",\"kid\":\"test-2\"}", P_AUTH, M_NONE, CIG_OK,
          NULL, 0 },
        { "kid test-2 signed with k1", V_MULTI, K1, NULL,
          "{\"alg\":\"RS512\",\"kid\":\"test-2\"}", P_AUTH, M_NONE,
          CIG_ERR_INVALID_TOKEN,
          "signature does not verify with key \"test-2\"", 0 },
        { "unknown kid in two key sets", V_MULTI, K1, NULL,
          "{\"alg\":\"RS512\",\"kid\":\"test-3\"}", P_AUTH, M_NONE,
          CIG_ERR_INVALID_TOKEN, "unknown kid \"test-3\"", 1 },

        { "AWS-style JWKS (padded standard base64 n)", V_AWS, K1, NULL, H512,
          P_AUTH, M_NONE, CIG_OK, NULL, 0 },
        { "key with e = 3", V_E3, KE3, NULL,
          "{\"kid\":\"test-e3\",\"alg\":\"RS512\"}", P_AUTH, M_NONE, CIG_OK,
          NULL, 0 },
        { "4096-bit key", V_4096, K4096, NULL,
          "{\"kid\":\"test-4096\",\"alg\":\"RS512\"}", P_AUTH, M_NONE, CIG_OK,
          NULL, 0 },
        { "2048-bit signature for a 4096-bit key", V_4096, K1, NULL,
          "{\"kid\":\"test-4096\",\"alg\":\"RS512\"}", P_AUTH, M_NONE,
          CIG_ERR_INVALID_TOKEN,
          "signature of 256 bytes, key \"test-4096\" needs 512", 0 },

        { "no key set loaded", V_NOKEYS, K1, NULL, H512, P_AUTH, M_NONE,
          CIG_ERR_NO_KEYS, "no verification keys", 0 },
        { "no key sets configured", V_NOSETS, K1, NULL, H512, P_AUTH, M_NONE,
          CIG_ERR_NO_KEYS, "no verification keys", 0 },
    };

    tok_run(cases, UNIT_NELTS(cases));
}


/* the compact serialization */

static void
tok_structure(void)
{
    static const tok_case_t  cases[] = {
        { "two parts", V_MAIN, K1, NULL, H512, P_AUTH, M_TWO_PARTS,
          CIG_ERR_INVALID_TOKEN, "not a compact JWS of three parts", 0 },
        { "four parts", V_MAIN, K1, NULL, H512, P_AUTH, M_FOUR_PARTS,
          CIG_ERR_INVALID_TOKEN, "not a compact JWS of three parts", 0 },
        { "a trailing dot", V_MAIN, K1, NULL, H512, P_AUTH, M_TRAIL_DOT,
          CIG_ERR_INVALID_TOKEN, "not a compact JWS of three parts", 0 },
        { "empty header part", V_MAIN, K1, NULL, H512, P_AUTH, M_EMPTY_HDR,
          CIG_ERR_INVALID_TOKEN, "a token part is empty", 0 },
        { "empty payload part", V_MAIN, K1, NULL, H512, P_AUTH, M_EMPTY_PAY,
          CIG_ERR_INVALID_TOKEN, "a token part is empty", 0 },
        { "empty signature part", V_MAIN, K1, NULL, H512, P_AUTH,
          M_EMPTY_SIG, CIG_ERR_INVALID_TOKEN, "a token part is empty", 0 },
        { "signature padded with \"==\"", V_MAIN, K1, NULL, H512, P_AUTH,
          M_PAD_SIG, CIG_ERR_INVALID_TOKEN,
          "signature is not canonical base64url", 0 },
        { "header followed by '='", V_MAIN, K1, NULL, H512, P_AUTH,
          M_PAD_HDR, CIG_ERR_INVALID_TOKEN,
          "header is not canonical base64url", 0 },
        { "'+' in the payload part", V_MAIN, K1, NULL, H512, P_AUTH,
          M_PLUS_PAY, CIG_ERR_INVALID_TOKEN,
          "payload is not canonical base64url", 0 },
        { "'/' in the header part", V_MAIN, K1, NULL, H512, P_AUTH,
          M_SLASH_HDR, CIG_ERR_INVALID_TOKEN,
          "header is not canonical base64url", 0 },
        { "signature with unused bits set", V_MAIN, K1, NULL, H512, P_AUTH,
          M_BITS_SIG, CIG_ERR_INVALID_TOKEN,
          "signature is not canonical base64url", 0 },
        { "a trailing newline", V_MAIN, K1, NULL, H512, P_AUTH, M_NL_END,
          CIG_ERR_INVALID_TOKEN, "signature is not canonical base64url", 0 },
    };
    static const struct {
        const char  *name;
        const char  *token;
        size_t       len;
        cig_code_t   rc;
        const char  *msg;
    } raw[] = {
        { "empty token", "", 0, CIG_ERR_NO_TOKEN, "no token" },
        { "no dots", "abcd", 4, CIG_ERR_INVALID_TOKEN, "three parts" },
        { "one dot", "ab.cd", 5, CIG_ERR_INVALID_TOKEN, "three parts" },
        { "three dots", "ab.cd.ef.gh", 11, CIG_ERR_INVALID_TOKEN,
          "three parts" },
        { "dots only", "..", 2, CIG_ERR_INVALID_TOKEN,
          "a token part is empty" },
        { "leading dot", ".cd.ef", 6, CIG_ERR_INVALID_TOKEN,
          "a token part is empty" },
        { "NUL in the header part", "e3\0w.e30.e30", 12,
          CIG_ERR_INVALID_TOKEN, "header is not canonical base64url" },
        { "header of one char", "a.e30.e30", 9, CIG_ERR_INVALID_TOKEN,
          "header is not canonical base64url" },
        { "header {}", "e30.e30.e30", 11, CIG_ERR_INVALID_TOKEN,
          "header has no \"alg\" string" },
    };
    tok_ctx_t   ctx;
    char       *big;
    size_t      i;

    tok_run(cases, UNIT_NELTS(cases));

    for (i = 0; i < UNIT_NELTS(raw); i++) {
        tok_begin(&ctx);
        tok_expect(&ctx, raw[i].name,
                   tok_verify(&ctx, V_MAIN, raw[i].token, raw[i].len),
                   raw[i].rc, raw[i].msg, 0);
        tok_end(&ctx);
    }

    /* longer than CIG_MAX_TOKEN_LEN: refused before anything else */

    big = malloc(CIG_MAX_TOKEN_LEN + 2);
    if (big == NULL) {
        tok_bail("out of memory");
    }
    memset(big, 'a', CIG_MAX_TOKEN_LEN + 1);
    big[10] = '.';
    big[20] = '.';
    big[CIG_MAX_TOKEN_LEN + 1] = '\0';

    tok_begin(&ctx);
    tok_expect(&ctx, "token of CIG_MAX_TOKEN_LEN + 1 bytes",
               tok_verify(&ctx, V_MAIN, big, CIG_MAX_TOKEN_LEN + 1),
               CIG_ERR_INVALID_TOKEN, "token of 16385 bytes, at most 16384", 0);
    tok_end(&ctx);

    tok_begin(&ctx);
    tok_expect(&ctx, "token of CIG_MAX_TOKEN_LEN bytes, garbage",
               tok_verify(&ctx, V_MAIN, big, CIG_MAX_TOKEN_LEN),
               CIG_ERR_INVALID_TOKEN, "header is not canonical base64url", 0);
    tok_end(&ctx);

    free(big);
}


/* a valid token of exactly CIG_MAX_TOKEN_LEN bytes, and one byte more */

static void
tok_max_length(void)
{
    static const char  *hdrs[] = {
        H512, " " H512, "  " H512, "   " H512
    };
    tok_ctx_t   ctx;
    char       *pay, *token;
    size_t      fill, h, len;
    int         done;

    pay = malloc(CIG_MAX_TOKEN_LEN);
    if (pay == NULL) {
        tok_bail("out of memory");
    }

    done = 0;

    /* payload bytes grow the token by 4/3: find a filler that lands on the
     * limit, with up to 3 spaces before the header to shift the remainder */

    for (fill = 0; fill < CIG_MAX_TOKEN_LEN && !done; fill++) {
        for (h = 0; h < UNIT_NELTS(hdrs) && !done; h++) {
            len = (strlen(hdrs[h]) * 4 + 2) / 3 + 1 + 342 + 1
                  + ((sizeof(P_AUTH) - 1 + fill + 12) * 4 + 2) / 3;

            if (len != CIG_MAX_TOKEN_LEN) {
                continue;
            }

            snprintf(pay, CIG_MAX_TOKEN_LEN, "{\"filler\":\"%*s\",%s",
                     (int) fill, "", P_AUTH + 1);

            tok_begin(&ctx);
            token = tok_mint(&ctx, K1, NULL, hdrs[h], pay, M_NONE);

            tap_is_int((long long) strlen(token), CIG_MAX_TOKEN_LEN,
                       "token: a token of exactly %d bytes is minted",
                       CIG_MAX_TOKEN_LEN);
            tok_expect(&ctx, "token of exactly CIG_MAX_TOKEN_LEN bytes",
                       tok_verify(&ctx, V_MAIN, token, strlen(token)),
                       CIG_OK, NULL, 0);
            tap_ok(ctx.id.claims != NULL
                   && cig_json_get(ctx.id.claims, "filler") != NULL
                   && cig_json_get(ctx.id.claims, "filler")->str.len == fill,
                   "token: ... its filler claim is intact");
            tok_end(&ctx);

            /* three more payload bytes, four more characters */

            snprintf(pay, CIG_MAX_TOKEN_LEN, "{\"filler\":\"%*s\",%s",
                     (int) fill + 3, "", P_AUTH + 1);

            tok_begin(&ctx);
            token = tok_mint(&ctx, K1, NULL, hdrs[h], pay, M_NONE);
            tok_expect(&ctx, "valid token of CIG_MAX_TOKEN_LEN + 4 bytes",
                       tok_verify(&ctx, V_MAIN, token, strlen(token)),
                       CIG_ERR_INVALID_TOKEN, "token of 16388 bytes", 0);
            tok_end(&ctx);

            done = 1;
        }
    }

    if (!done) {
        tap_ok(0, "token: found a payload size for a token of exactly %d "
               "bytes", CIG_MAX_TOKEN_LEN);
    }

    free(pay);
}


/* the claims */

static void
tok_claims(void)
{
    static const tok_case_t  cases[] = {
        { "payload not an object ([])", V_MAIN, K1, NULL, H512, "[]", M_NONE,
          CIG_ERR_INVALID_TOKEN, "payload is not a JSON object", 0 },
        { "payload null", V_MAIN, K1, NULL, H512, "null", M_NONE,
          CIG_ERR_INVALID_TOKEN, "payload is not a JSON object", 0 },
        { "payload not JSON", V_MAIN, K1, NULL, H512, "{" X_AMR ",}", M_NONE,
          CIG_ERR_INVALID_TOKEN, "payload: invalid JSON", 0 },
        { "payload with trailing data", V_MAIN, K1, NULL, H512, P_AUTH " {}",
          M_NONE, CIG_ERR_INVALID_TOKEN, "payload: invalid JSON: trailing "
          "data", 0 },
        { "duplicate sub", V_MAIN, K1, NULL, H512,
          "{" X_AMR "," C_AMR ",\"sub\":\"eu-west-1:"
          "00000000-0000-0000-0000-000000000000\"}", M_NONE,
          CIG_ERR_INVALID_TOKEN, "payload: invalid JSON: duplicate member "
          "name", 0 },
        { "duplicate aud far apart", V_MAIN, K1, NULL, H512,
          "{" C_AUD ",\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5,\"f\":6,"
          C_SUB "," C_ISS "," C_EXP "," C_IAT "," C_AMR ","
          "\"aud\":\"" POOL2 "\"}", M_NONE, CIG_ERR_INVALID_TOKEN,
          "duplicate member name", 0 },
        { "payload nested 16 deep", V_MAIN, K1, NULL, H512,
          "{" X_AMR "," C_AMR ",\"x\":[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]}",
          M_NONE, CIG_OK, NULL, 0 },
        { "payload nested 17 deep", V_MAIN, K1, NULL, H512,
          "{" X_AMR "," C_AMR ",\"x\":[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]}",
          M_NONE, CIG_ERR_INVALID_TOKEN, "nesting too deep", 0 },
        { "payload with invalid UTF-8", V_MAIN, K1, NULL, H512,
          "{" X_AMR "," C_AMR ",\"name\":\"\xc0\xae\"}", M_NONE,
          CIG_ERR_INVALID_TOKEN, "invalid UTF-8", 0 },

        { "iss wrong", V_MAIN, K1, NULL, H512,
          "{" X_ISS ",\"iss\":\"https://evil.example\"}", M_NONE,
          CIG_ERR_INVALID_TOKEN,
          "issuer \"https://evil.example\" is not trusted", 0 },
        { "iss with a trailing slash", V_MAIN, K1, NULL, H512,
          "{" X_ISS ",\"iss\":\"" ISS "/\"}", M_NONE, CIG_ERR_INVALID_TOKEN,
          "is not trusted", 0 },
        { "iss in upper case", V_MAIN, K1, NULL, H512,
          "{" X_ISS ",\"iss\":\"HTTPS://COGNITO-IDENTITY.AMAZONAWS.COM\"}",
          M_NONE, CIG_ERR_INVALID_TOKEN, "is not trusted", 0 },
        { "iss with a NUL after it", V_MAIN, K1, NULL, H512,
          "{" X_ISS ",\"iss\":\"" ISS "\\u0000\"}", M_NONE,
          CIG_ERR_INVALID_TOKEN, "is not trusted", 0 },
        { "iss a prefix", V_MAIN, K1, NULL, H512,
          "{" X_ISS ",\"iss\":\"https://cognito-identity.amazonaws.co\"}",
          M_NONE, CIG_ERR_INVALID_TOKEN, "is not trusted", 0 },
        { "iss missing", V_MAIN, K1, NULL, H512, "{" X_ISS "}", M_NONE,
          CIG_ERR_INVALID_TOKEN, "claim \"iss\" is missing or not a string",
          0 },
        { "iss with a newline", V_MAIN, K1, NULL, H512,
          "{" X_ISS ",\"iss\":\"https://evil.example\\n\"}", M_NONE,
          CIG_ERR_INVALID_TOKEN,
          "issuer \"https://evil.example\" is not trusted", 0 },
        { "iss an array", V_MAIN, K1, NULL, H512,
          "{" X_ISS ",\"iss\":[\"" ISS "\"]}", M_NONE, CIG_ERR_INVALID_TOKEN,
          "claim \"iss\" is missing or not a string", 0 },

        { "aud missing", V_MAIN, K1, NULL, H512, "{" X_AUD "}", M_NONE,
          CIG_ERR_INVALID_TOKEN, "claim \"aud\" is missing", 0 },
        { "aud an array", V_MAIN, K1, NULL, H512,
          "{" X_AUD ",\"aud\":[\"" POOL "\"]}", M_NONE, CIG_ERR_INVALID_TOKEN,
          "claim \"aud\" is not a string", 0 },
        { "aud another pool", V_MAIN, K1, NULL, H512,
          "{" X_AUD ",\"aud\":\"" POOL2 "\"}", M_NONE, CIG_ERR_INVALID_TOKEN,
          "audience \"" POOL2 "\" is not an allowed pool", 0 },
        { "aud in upper case", V_MAIN, K1, NULL, H512,
          "{" X_AUD ",\"aud\":\"EU-WEST-1:B45B9729-C269-4EF2-86F1-"
          "0DF3E40FE92D\"}", M_NONE, CIG_ERR_INVALID_TOKEN,
          "is not an allowed pool", 0 },
        { "aud empty", V_MAIN, K1, NULL, H512, "{" X_AUD ",\"aud\":\"\"}",
          M_NONE, CIG_ERR_INVALID_TOKEN, "is not an allowed pool", 0 },
        { "aud the second of two allowed pools", V_TWOAUD, K1, NULL, H512,
          "{" X_AUD ",\"aud\":\"" POOL2 "\"}", M_NONE, CIG_OK, NULL, 0 },
        { "aud the first of two allowed pools", V_TWOAUD, K1, NULL, H512,
          P_AUTH, M_NONE, CIG_OK, NULL, 0 },

        { "exp missing", V_MAIN, K1, NULL, H512, "{" X_EXP "}", M_NONE,
          CIG_ERR_INVALID_TOKEN, "claim \"exp\" is missing", 0 },
        { "exp a string", V_MAIN, K1, NULL, H512,
          "{" X_EXP ",\"exp\":\"1700000600\"}", M_NONE, CIG_ERR_INVALID_TOKEN,
          "claim \"exp\" is not a number", 0 },
        { "exp null", V_MAIN, K1, NULL, H512, "{" X_EXP ",\"exp\":null}",
          M_NONE, CIG_ERR_INVALID_TOKEN, "claim \"exp\" is not a number", 0 },
        { "exp = now - leeway (expired)", V_MAIN, K1, NULL, H512,
          "{" X_EXP ",\"exp\":1699999990}", M_NONE, CIG_ERR_INVALID_TOKEN,
          "token expired 10 s ago", 0 },
        { "exp = now - leeway + 1", V_MAIN, K1, NULL, H512,
          "{" X_EXP ",\"exp\":1699999991}", M_NONE, CIG_OK, NULL, 0 },
        { "exp = now - leeway + 0.5", V_MAIN, K1, NULL, H512,
          "{" X_EXP ",\"exp\":1699999990.5}", M_NONE, CIG_OK, NULL, 0 },
        { "exp long ago", V_MAIN, K1, NULL, H512, "{" X_EXP ",\"exp\":0}",
          M_NONE, CIG_ERR_INVALID_TOKEN, "token expired", 0 },
        { "exp negative", V_MAIN, K1, NULL, H512,
          "{" X_EXP ",\"exp\":-1}", M_NONE, CIG_ERR_INVALID_TOKEN,
          "token expired", 0 },
        { "exp -1e300", V_MAIN, K1, NULL, H512,
          "{" X_EXP ",\"exp\":-1e300}", M_NONE, CIG_ERR_INVALID_TOKEN,
          "claim \"exp\" is out of range", 0 },
        { "exp = now, no leeway", V_NOLEEWAY, K1, NULL, H512,
          "{" X_EXP ",\"exp\":1700000000}", M_NONE, CIG_ERR_INVALID_TOKEN,
          "token expired 0 s ago", 0 },
        { "exp = now + 1, no leeway", V_NOLEEWAY, K1, NULL, H512,
          "{" X_EXP ",\"exp\":1700000001}", M_NONE, CIG_OK, NULL, 0 },
        { "exp 1e300", V_MAIN, K1, NULL, H512,
          "{" X_EXP ",\"exp\":1e300}", M_NONE, CIG_ERR_INVALID_TOKEN,
          "claim \"exp\" is out of range", 0 },
        { "exp 1e308", V_MAIN, K1, NULL, H512,
          "{" X_EXP ",\"exp\":1e308}", M_NONE, CIG_ERR_INVALID_TOKEN,
          "claim \"exp\" is out of range", 0 },
        { "exp 2^63", V_MAIN, K1, NULL, H512,
          "{" X_EXP ",\"exp\":9223372036854775808}", M_NONE,
          CIG_ERR_INVALID_TOKEN, "claim \"exp\" is out of range", 0 },
        { "exp -2^63 - 2^11", V_MAIN, K1, NULL, H512,
          "{" X_EXP ",\"exp\":-9223372036854777856}", M_NONE,
          CIG_ERR_INVALID_TOKEN, "claim \"exp\" is out of range", 0 },

        /* Cognito's OpenID tokens live at most 24 h (TokenDuration) */

        { "exp 24 h after iat", V_MAIN, K1, NULL, H512,
          "{" X_EXP ",\"exp\":1700086390}", M_NONE, CIG_OK, NULL, 0 },
        { "exp 24 h + leeway after iat", V_MAIN, K1, NULL, H512,
          "{" X_EXP ",\"exp\":1700086400}", M_NONE, CIG_OK, NULL, 0 },
        { "exp 24 h + leeway + 0.5 s after iat", V_MAIN, K1, NULL, H512,
          "{" X_EXP ",\"exp\":1700086400.5}", M_NONE, CIG_ERR_INVALID_TOKEN,
          "claim \"exp\" is more than 24 h after \"iat\"", 0 },
        { "exp 24 h + 1 s after iat, no leeway", V_NOLEEWAY, K1, NULL, H512,
          "{" X_EXP ",\"exp\":1700086391}", M_NONE, CIG_ERR_INVALID_TOKEN,
          "more than 24 h after", 0 },
        { "exp a year after iat", V_MAIN, K1, NULL, H512,
          "{" X_EXP ",\"exp\":1731535990}", M_NONE, CIG_ERR_INVALID_TOKEN,
          "more than 24 h after", 0 },
        { "iat long ago, exp ahead", V_MAIN, K1, NULL, H512,
          "{" X_IAT ",\"iat\":-1}", M_NONE, CIG_ERR_INVALID_TOKEN,
          "more than 24 h after", 0 },

        { "nbf beyond the leeway", V_MAIN, K1, NULL, H512,
          "{" X_AMR "," C_AMR ",\"nbf\":1700000011}", M_NONE,
          CIG_ERR_INVALID_TOKEN, "token not valid for another 11 s", 0 },
        { "nbf within the leeway", V_MAIN, K1, NULL, H512,
          "{" X_AMR "," C_AMR ",\"nbf\":1700000010}", M_NONE, CIG_OK, NULL,
          0 },
        { "nbf in the past", V_MAIN, K1, NULL, H512,
          "{" X_AMR "," C_AMR ",\"nbf\":1699990000}", M_NONE, CIG_OK, NULL,
          0 },
        { "nbf a string", V_MAIN, K1, NULL, H512,
          "{" X_AMR "," C_AMR ",\"nbf\":\"0\"}", M_NONE,
          CIG_ERR_INVALID_TOKEN, "claim \"nbf\" is not a number", 0 },
        { "nbf = now + 1, no leeway", V_NOLEEWAY, K1, NULL, H512,
          "{" X_AMR "," C_AMR ",\"nbf\":1700000001}", M_NONE,
          CIG_ERR_INVALID_TOKEN, "not valid for another 1 s", 0 },
        { "nbf = now, no leeway", V_NOLEEWAY, K1, NULL, H512,
          "{" X_AMR "," C_AMR ",\"nbf\":1700000000}", M_NONE, CIG_OK, NULL,
          0 },
        { "nbf -1e300", V_MAIN, K1, NULL, H512,
          "{" X_AMR "," C_AMR ",\"nbf\":-1e300}", M_NONE,
          CIG_ERR_INVALID_TOKEN, "claim \"nbf\" is out of range", 0 },
        { "nbf 1e300", V_MAIN, K1, NULL, H512,
          "{" X_AMR "," C_AMR ",\"nbf\":1e300}", M_NONE,
          CIG_ERR_INVALID_TOKEN, "claim \"nbf\" is out of range", 0 },

        { "iat beyond the leeway", V_MAIN, K1, NULL, H512,
          "{" X_IAT ",\"iat\":1700000011}", M_NONE, CIG_ERR_INVALID_TOKEN,
          "token issued 11 s in the future", 0 },
        { "iat within the leeway", V_MAIN, K1, NULL, H512,
          "{" X_IAT ",\"iat\":1700000010}", M_NONE, CIG_OK, NULL, 0 },
        { "iat absent", V_MAIN, K1, NULL, H512, "{" X_IAT "}", M_NONE,
          CIG_ERR_INVALID_TOKEN, "claim \"iat\" is missing", 0 },
        { "iat null", V_MAIN, K1, NULL, H512, "{" X_IAT ",\"iat\":null}",
          M_NONE, CIG_ERR_INVALID_TOKEN, "claim \"iat\" is not a number",
          0 },
        { "iat 1e300", V_MAIN, K1, NULL, H512,
          "{" X_IAT ",\"iat\":1e300}", M_NONE, CIG_ERR_INVALID_TOKEN,
          "claim \"iat\" is out of range", 0 },
        { "iat -1e300", V_MAIN, K1, NULL, H512,
          "{" X_IAT ",\"iat\":-1e300}", M_NONE, CIG_ERR_INVALID_TOKEN,
          "claim \"iat\" is out of range", 0 },
        { "iat with a fraction", V_MAIN, K1, NULL, H512,
          "{" X_IAT ",\"iat\":1699999990.25}", M_NONE, CIG_OK, NULL, 0 },
        { "iat a string", V_MAIN, K1, NULL, H512,
          "{" X_IAT ",\"iat\":\"1699999990\"}", M_NONE, CIG_ERR_INVALID_TOKEN,
          "claim \"iat\" is not a number", 0 },

        { "sub missing", V_MAIN, K1, NULL, H512, "{" X_SUB "}", M_NONE,
          CIG_ERR_INVALID_TOKEN, "claim \"sub\" is missing or not a string",
          0 },
        { "sub a number", V_MAIN, K1, NULL, H512, "{" X_SUB ",\"sub\":1}",
          M_NONE, CIG_ERR_INVALID_TOKEN, "claim \"sub\" is missing", 0 },
        { "sub empty", V_MAIN, K1, NULL, H512, "{" X_SUB ",\"sub\":\"\"}",
          M_NONE, CIG_ERR_INVALID_TOKEN, "claim \"sub\" is missing", 0 },
        { "sub \"abc\"", V_MAIN, K1, NULL, H512,
          "{" X_SUB ",\"sub\":\"abc\"}", M_NONE, CIG_ERR_INVALID_TOKEN,
          "claim \"sub\" is not an identity id", 0 },
        { "sub \"eu-west-1:../x\"", V_MAIN, K1, NULL, H512,
          "{" X_SUB ",\"sub\":\"eu-west-1:../x\"}", M_NONE,
          CIG_ERR_INVALID_TOKEN, "claim \"sub\" is not an identity id", 0 },
        { "sub in upper case", V_MAIN, K1, NULL, H512,
          "{" X_SUB ",\"sub\":\"eu-west-1:6A0E1B6F-1C2D-4E5F-8A9B-"
          "0C1D2E3F4A5B\"}", M_NONE, CIG_ERR_INVALID_TOKEN,
          "claim \"sub\" is not an identity id", 0 },
        { "sub with a trailing newline", V_MAIN, K1, NULL, H512,
          "{" X_SUB ",\"sub\":\"" ID "\\n\"}", M_NONE, CIG_ERR_INVALID_TOKEN,
          "not an identity id", 0 },
        { "sub with a NUL", V_MAIN, K1, NULL, H512,
          "{" X_SUB ",\"sub\":\"" ID "\\u0000\"}", M_NONE,
          CIG_ERR_INVALID_TOKEN, "not an identity id", 0 },
        { "sub of another region", V_MAIN, K1, NULL, H512,
          "{" X_SUB ",\"sub\":\"us-gov-west-1:6a0e1b6f-1c2d-4e5f-8a9b-"
          "0c1d2e3f4a5b\"}", M_NONE, CIG_OK, NULL, 0 },

        { "amr missing", V_MAIN, K1, NULL, H512, "{" X_AMR "}", M_NONE,
          CIG_ERR_INVALID_TOKEN, "claim \"amr\" is missing", 0 },
        { "amr a string", V_MAIN, K1, NULL, H512,
          "{" X_AMR ",\"amr\":\"authenticated\"}", M_NONE,
          CIG_ERR_INVALID_TOKEN, "claim \"amr\" is not an array", 0 },
        { "amr empty", V_MAIN, K1, NULL, H512, "{" X_AMR ",\"amr\":[]}",
          M_NONE, CIG_ERR_INVALID_TOKEN, "claim \"amr\" has 0 entries", 0 },
        { "amr [\"authenticated\"] alone", V_MAIN, K1, NULL, H512,
          "{" X_AMR ",\"amr\":[\"authenticated\"]}", M_NONE, CIG_OK, NULL,
          0 },
        { "amr [\"unauthenticated\",\"x\"]", V_MAIN, K1, NULL, H512,
          "{" X_AMR ",\"amr\":[\"unauthenticated\",\"x\"]}", M_NONE,
          CIG_ERR_INVALID_TOKEN, "claim \"amr\" of a guest has extra entries",
          0 },
        { "amr [\"authenticated\",\"unauthenticated\"]", V_MAIN, K1, NULL,
          H512, "{" X_AMR ",\"amr\":[\"authenticated\",\"unauthenticated\"]}",
          M_NONE, CIG_ERR_INVALID_TOKEN, "claim \"amr\" is contradictory", 0 },
        { "amr [\"unauthenticated\",\"authenticated\"]", V_MAIN, K1, NULL,
          H512, "{" X_AMR ",\"amr\":[\"unauthenticated\",\"authenticated\"]}",
          M_NONE, CIG_ERR_INVALID_TOKEN, "claim \"amr\" is contradictory", 0 },
        { "amr [\"authenticated\",\"p\",\"authenticated\"]", V_MAIN, K1, NULL,
          H512, "{" X_AMR ",\"amr\":[\"authenticated\",\"p\","
          "\"authenticated\"]}", M_NONE, CIG_ERR_INVALID_TOKEN,
          "contradictory", 0 },
        { "amr [\"foo\"]", V_MAIN, K1, NULL, H512,
          "{" X_AMR ",\"amr\":[\"foo\"]}", M_NONE, CIG_ERR_INVALID_TOKEN,
          "starts with neither \"authenticated\" nor \"unauthenticated\"", 0 },
        { "amr [\"Authenticated\"]", V_MAIN, K1, NULL, H512,
          "{" X_AMR ",\"amr\":[\"Authenticated\"]}", M_NONE,
          CIG_ERR_INVALID_TOKEN, "starts with neither", 0 },
        { "amr [\"authenticated\\u0000\"]", V_MAIN, K1, NULL, H512,
          "{" X_AMR ",\"amr\":[\"authenticated\\u0000\"]}", M_NONE,
          CIG_ERR_INVALID_TOKEN, "not a non-empty string", 0 },
        { "amr with a number", V_MAIN, K1, NULL, H512,
          "{" X_AMR ",\"amr\":[\"authenticated\",1]}", M_NONE,
          CIG_ERR_INVALID_TOKEN,
          "claim \"amr\" has an entry that is not a non-empty string", 0 },
        { "amr with null first", V_MAIN, K1, NULL, H512,
          "{" X_AMR ",\"amr\":[null]}", M_NONE, CIG_ERR_INVALID_TOKEN,
          "not a non-empty string", 0 },
        { "amr with an empty string", V_MAIN, K1, NULL, H512,
          "{" X_AMR ",\"amr\":[\"authenticated\",\"\"]}", M_NONE,
          CIG_ERR_INVALID_TOKEN, "not a non-empty string", 0 },
        { "amr with 16 entries", V_MAIN, K1, NULL, H512,
          "{" X_AMR ",\"amr\":[\"authenticated\",\"p\",\"2\",\"3\",\"4\","
          "\"5\",\"6\",\"7\",\"8\",\"9\",\"10\",\"11\",\"12\",\"13\",\"14\","
          "\"15\"]}", M_NONE, CIG_OK, NULL, 0 },
        { "amr with 17 entries", V_MAIN, K1, NULL, H512,
          "{" X_AMR ",\"amr\":[\"authenticated\",\"p\",\"2\",\"3\",\"4\","
          "\"5\",\"6\",\"7\",\"8\",\"9\",\"10\",\"11\",\"12\",\"13\",\"14\","
          "\"15\",\"16\"]}", M_NONE, CIG_ERR_INVALID_TOKEN,
          "claim \"amr\" has 17 entries", 0 },

        /* the order of checks: iss before aud before exp before sub */

        { "iss and aud wrong: iss reported", V_MAIN, K1, NULL, H512,
          "{" C_SUB "," C_EXP "," C_AMR ",\"iss\":\"x\",\"aud\":\"y\"}",
          M_NONE, CIG_ERR_INVALID_TOKEN, "issuer \"x\"", 0 },
        { "expired and bad sub: expiry reported", V_MAIN, K1, NULL, H512,
          "{" C_AUD "," C_ISS "," C_AMR ",\"exp\":1,\"sub\":\"x\"}", M_NONE,
          CIG_ERR_INVALID_TOKEN, "token expired", 0 },
    };

    tok_run(cases, UNIT_NELTS(cases));
}


/* the identity of verified tokens */

static void
tok_identities(void)
{
    tok_ctx_t           ctx;
    char               *token;
    cig_code_t          rc;
    const cig_json_t   *c;

    /* authenticated */

    tok_begin(&ctx);
    token = tok_mint(&ctx, K1, NULL, H512,
                     "{" X_AMR "," C_AMR ",\"https://aws.amazon.com/tags\":"
                     "{\"principal_tags\":{\"team\":[\"blue\"]}}}", M_NONE);
    rc = tok_verify(&ctx, V_MAIN, token, strlen(token));

    if (!tap_is_int(rc, CIG_OK, "identity: authenticated token verifies")) {
        tap_diag("error: %s", ctx.err.msg);
    }
    tap_ok(ctx.err.code == CIG_OK && ctx.err.msg[0] == '\0',
           "identity: err is cleared on success");
    tap_is_mem(ctx.id.sub.data, ctx.id.sub.len, ID, sizeof(ID) - 1,
               "identity: sub");
    tap_is_mem(ctx.id.aud.data, ctx.id.aud.len, POOL, sizeof(POOL) - 1,
               "identity: aud");
    tap_is_mem(ctx.id.iss.data, ctx.id.iss.len, ISS, sizeof(ISS) - 1,
               "identity: iss");
    tap_is_mem(ctx.id.kid.data, ctx.id.kid.len, "test-1", 6,
               "identity: kid");
    tap_ok(ctx.id.alg == CIG_ALG_RS512, "identity: alg RS512");
    tap_ok(ctx.id.authenticated, "identity: authenticated");
    tap_is_int((long long) ctx.id.namr, 3, "identity: 3 amr entries");
    tap_is_mem(ctx.id.amr[0].data, ctx.id.amr[0].len, "authenticated", 13,
               "identity: amr[0]");
    tap_is_mem(ctx.id.provider.data, ctx.id.provider.len, PROV,
               sizeof(PROV) - 1, "identity: provider is amr[1]");
    tap_ok(ctx.id.amr[2].len > sizeof(PROV)
           && memcmp(ctx.id.amr[2].data, PROV ":CognitoSignIn:",
                     sizeof(PROV ":CognitoSignIn:") - 1) == 0,
           "identity: amr[2]");
    tap_ok(ctx.id.exp == 1700000600.0, "identity: exp");
    tap_ok(ctx.id.has_iat && ctx.id.iat == 1699999990.0, "identity: iat");
    tap_ok(!ctx.id.unknown_kid, "identity: unknown_kid is clear");
    tap_ok(ctx.id.claims != NULL && ctx.id.claims->type == CIG_JSON_OBJECT
           && ctx.id.claims->count == 7, "identity: claims is the payload");
    c = cig_json_get(ctx.id.claims, "https://aws.amazon.com/tags");
    c = cig_json_get(cig_json_get(c, "principal_tags"), "team");
    tap_ok(c && c->type == CIG_JSON_ARRAY && c->count == 1
           && c->child->str.len == 4
           && memcmp(c->child->str.data, "blue", 4) == 0,
           "identity: cig_json_get reaches a custom claim");
    c = cig_json_get(ctx.id.claims, "sub");
    tap_ok(c && c->str.data == ctx.id.sub.data,
           "identity: sub points into the claims");

    tok_end(&ctx);

    /* guest */

    tok_begin(&ctx);
    token = tok_mint(&ctx, K1, NULL, H512, P_GUEST, M_NONE);
    rc = tok_verify(&ctx, V_MAIN, token, strlen(token));

    if (!tap_is_int(rc, CIG_OK, "identity: guest token verifies")) {
        tap_diag("error: %s", ctx.err.msg);
    }
    tap_ok(!ctx.id.authenticated, "identity: guest is not authenticated");
    tap_is_int((long long) ctx.id.namr, 1, "identity: guest has 1 amr entry");
    tap_ok(ctx.id.provider.len == 0, "identity: guest has no provider");
    tap_is_mem(ctx.id.sub.data, ctx.id.sub.len, ID, sizeof(ID) - 1,
               "identity: guest sub");
    tok_end(&ctx);

    /* authenticated without a provider */

    tok_begin(&ctx);
    token = tok_mint(&ctx, K1, NULL, H512,
                     "{" X_AMR ",\"amr\":[\"authenticated\"]}", M_NONE);
    rc = tok_verify(&ctx, V_MAIN, token, strlen(token));
    tap_ok(rc == CIG_OK && ctx.id.authenticated && ctx.id.namr == 1
           && ctx.id.provider.len == 0,
           "identity: [\"authenticated\"] alone: authenticated, no provider");
    tok_end(&ctx);

    /* the same token verifies again in a fresh arena, same result */

    tok_begin(&ctx);
    token = tok_mint(&ctx, K1, NULL, H512, P_AUTH, M_NONE);
    rc = tok_verify(&ctx, V_MAIN, token, strlen(token));
    tap_ok(rc == CIG_OK, "identity: a token verifies");
    rc = tok_verify(&ctx, V_MAIN, token, strlen(token));
    tap_ok(rc == CIG_OK && ctx.id.authenticated,
           "identity: ... and again (verification has no state)");
    tok_end(&ctx);

    /* a failed verification leaves the identity zeroed where not reached */

    tok_begin(&ctx);
    token = tok_mint(&ctx, K2, NULL, H512, P_AUTH, M_NONE);
    rc = tok_verify(&ctx, V_MAIN, token, strlen(token));
    tap_ok(rc == CIG_ERR_INVALID_TOKEN && ctx.id.sub.len == 0
           && ctx.id.claims == NULL && !ctx.id.authenticated,
           "identity: a bad signature yields no claims");
    tap_ok(ERR_peek_error() == 0,
           "identity: a failed signature check leaves no OpenSSL error "
           "on the thread's queue");
    tok_end(&ctx);
}


/* the local pool's signer: its key file, read and wiped by the core */

static void
tok_signer(void)
{
    static const struct {
        const char  *file;          /* under t/keys, or "/..." */
        const char  *why;           /* NULL: loads */
    } cases[] = {
        { "k1.pem", NULL },
        { "k4096.pem", NULL },
        { "nope.pem", "cannot open" },
        { "jwks-k1.json", "is not an RSA private key in PEM" },
        { "/", "is not a regular file of at most 65536 bytes" },
    };

    char           path[4096];
    cig_err_t      err;
    cig_signer_t  *s;
    cig_str_t      jwks;
    size_t         i;

    for (i = 0; i < UNIT_NELTS(cases); i++) {
        if (cases[i].file[0] == '/') {
            snprintf(path, sizeof(path), "%s", cases[i].file);

        } else {
            unit_key_path(path, sizeof(path), cases[i].file);
        }

        memset(&err, 0, sizeof(cig_err_t));
        s = cig_signer_from_pem(path, &err);

        if (cases[i].why == NULL) {
            if (!tap_ok(s != NULL, "signer: %s loads", cases[i].file)) {
                tap_diag("%s", err.msg);
                continue;
            }

            jwks = cig_signer_jwks(s);
            tap_ok(jwks.len > 0 && strstr(jwks.data, "\"kty\":\"RSA\"")
                   != NULL && strstr(jwks.data, "\"d\"") == NULL,
                   "signer: %s: its JWKS holds the public key only",
                   cases[i].file);
            cig_signer_free(s);

        } else {
            tap_ok(s == NULL, "signer: %s refused", cases[i].file);
            tap_like(err.msg, cases[i].why, "signer: %s: why",
                     cases[i].file);
            cig_signer_free(s);
        }
    }
}


/* a non-Cognito verifier: RS256, sub arbitrary, no amr */

static void
tok_login(void)
{
    static const tok_case_t  cases[] = {
        { "login verifier: RS512 token", V_LOGIN, K1, NULL,
          "{\"alg\":\"RS512\",\"kid\":\"login-1\"}",
          "{" C_ISS "," C_AUD "," C_EXP "," C_IAT ",\"sub\":\"alice\"}",
          M_NONE, CIG_ERR_INVALID_TOKEN, "algorithm \"RS512\" is not allowed", 0 },
        { "login verifier: kid of the Cognito key", V_LOGIN, K1, "SHA256",
          "{\"alg\":\"RS256\",\"kid\":\"test-1\"}",
          "{" C_ISS "," C_AUD "," C_EXP "," C_IAT ",\"sub\":\"alice\"}",
          M_NONE, CIG_ERR_INVALID_TOKEN, "unknown kid \"test-1\"", 1 },
        { "login verifier: still needs exp", V_LOGIN, K1, "SHA256",
          "{\"alg\":\"RS256\",\"kid\":\"login-1\"}",
          "{" C_ISS "," C_AUD ",\"sub\":\"alice\"}", M_NONE,
          CIG_ERR_INVALID_TOKEN, "claim \"exp\" is missing", 0 },
        { "login verifier: still needs sub", V_LOGIN, K1, "SHA256",
          "{\"alg\":\"RS256\",\"kid\":\"login-1\"}",
          "{" C_ISS "," C_AUD "," C_EXP "," C_IAT "}", M_NONE,
          CIG_ERR_INVALID_TOKEN, "claim \"sub\" is missing", 0 },
        { "login verifier: still needs iat", V_LOGIN, K1, "SHA256",
          "{\"alg\":\"RS256\",\"kid\":\"login-1\"}",
          "{" C_ISS "," C_AUD "," C_EXP ",\"sub\":\"alice\"}", M_NONE,
          CIG_ERR_INVALID_TOKEN, "claim \"iat\" is missing", 0 },
        { "login verifier: no 24 h limit", V_LOGIN, K1, "SHA256",
          "{\"alg\":\"RS256\",\"kid\":\"login-1\"}",
          "{" C_ISS "," C_AUD "," C_IAT ",\"exp\":1731535990,"
          "\"sub\":\"alice\"}", M_NONE, CIG_OK, NULL, 0 },
        { "login verifier: bad amr is not looked at", V_LOGIN, K1, "SHA256",
          "{\"alg\":\"RS256\",\"kid\":\"login-1\"}",
          "{" C_ISS "," C_AUD "," C_EXP "," C_IAT ",\"sub\":\"bob\","
          "\"amr\":42}",
          M_NONE, CIG_OK, NULL, 0 },
    };
    tok_ctx_t    ctx;
    char        *token;
    cig_code_t   rc;

    tok_begin(&ctx);
    token = tok_mint(&ctx, K1, "SHA256",
                     "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"login-1\"}",
                     "{" C_ISS "," C_AUD "," C_EXP "," C_IAT
                     ",\"sub\":\"alice\"}", M_NONE);
    rc = tok_verify(&ctx, V_LOGIN, token, strlen(token));

    if (!tap_is_int(rc, CIG_OK, "login verifier: RS256 token with sub "
                    "\"alice\" and no amr verifies"))
    {
        tap_diag("error: %s", ctx.err.msg);
    }
    tap_is_mem(ctx.id.sub.data, ctx.id.sub.len, "alice", 5,
               "login verifier: sub is \"alice\"");
    tap_ok(ctx.id.alg == CIG_ALG_RS256 && ctx.id.namr == 0
           && !ctx.id.authenticated && ctx.id.claims != NULL,
           "login verifier: RS256, no amr, claims set");
    tok_end(&ctx);

    tok_run(cases, UNIT_NELTS(cases));
}


static cig_keyset_t *
tok_keyset(const char *file)
{
    char           path[4096];
    cig_keyset_t  *ks;
    cig_err_t      err;

    ks = cig_keyset_from_file(unit_key_path(path, sizeof(path), file), NULL,
                              &err);
    if (ks == NULL) {
        printf("Bail out! %s: %s\n", file, err.msg);
        exit(255);
    }

    return ks;
}


void
test_token(void)
{
    static cig_str_t      aud1[] = { { POOL, sizeof(POOL) - 1 } };
    static cig_str_t      aud2[] = {
        { POOL2, sizeof(POOL2) - 1 }, { POOL, sizeof(POOL) - 1 }
    };
    enum { S_K1, S_K2, S_LOGIN, S_RS256, S_NOALG, S_AWS, S_E3, S_4096,
           NSETS };
    static const char    *set_files[NSETS] = {
        "jwks-k1.json", "jwks-k2.json", "jwks-k1-login.json",
        "jwks-k1-rs256.json", "jwks-k1-noalg.json", "jwks-aws-style.json",
        "jwks-e3.json", "jwks-k4096.json"
    };
    cig_keyset_t         *sets[NSETS], *multi[2], *none[1];
    cig_verifier_t        base;
    char                  path[4096];
    FILE                 *f;
    size_t                i;

    tap_note("token verification");

    for (i = 0; i < NKEYS; i++) {
        f = fopen(unit_key_path(path, sizeof(path), tok_key_files[i]), "r");
        tok_keys[i] = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
        if (f) {
            fclose(f);
        }
        if (tok_keys[i] == NULL) {
            printf("Bail out! cannot read the private key %s\n", path);
            exit(255);
        }
    }

    for (i = 0; i < NSETS; i++) {
        sets[i] = tok_keyset(set_files[i]);
    }

    cig_strs_sort(aud1, UNIT_NELTS(aud1));
    cig_strs_sort(aud2, UNIT_NELTS(aud2));

    multi[0] = sets[S_K2];
    multi[1] = sets[S_K1];
    none[0] = NULL;

    memset(&base, 0, sizeof(base));
    base.issuer.data = ISS;
    base.issuer.len = sizeof(ISS) - 1;
    base.audiences = aud1;
    base.naudiences = UNIT_NELTS(aud1);
    base.keysets = &sets[S_K1];
    base.nkeysets = 1;
    base.algs = CIG_ALG_RS512;
    base.leeway = LEEWAY;
    base.cognito = 1;

    for (i = 0; i < NVERIFIERS; i++) {
        tok_v[i] = base;
    }

    tok_v[V_LOGIN].keysets = &sets[S_LOGIN];
    tok_v[V_LOGIN].algs = CIG_ALG_RS256;
    tok_v[V_LOGIN].cognito = 0;

    tok_v[V_RS256KEY].keysets = &sets[S_RS256];

    tok_v[V_BOTH].algs = CIG_ALG_RS256 | CIG_ALG_RS512;

    tok_v[V_NOALG].keysets = &sets[S_NOALG];
    tok_v[V_NOALG].algs = CIG_ALG_RS256 | CIG_ALG_RS512;

    tok_v[V_MULTI].keysets = multi;
    tok_v[V_MULTI].nkeysets = 2;

    tok_v[V_AWS].keysets = &sets[S_AWS];
    tok_v[V_E3].keysets = &sets[S_E3];
    tok_v[V_4096].keysets = &sets[S_4096];

    tok_v[V_NOKEYS].keysets = none;
    tok_v[V_NOSETS].keysets = NULL;
    tok_v[V_NOSETS].nkeysets = 0;

    tok_v[V_TWOAUD].audiences = aud2;
    tok_v[V_TWOAUD].naudiences = UNIT_NELTS(aud2);

    tok_v[V_NOLEEWAY].leeway = 0;

    tok_identities();
    tok_headers();
    tok_keys_and_sigs();
    tok_structure();
    tok_max_length();
    tok_claims();
    tok_login();
    tok_signer();

    for (i = 0; i < NSETS; i++) {
        cig_keyset_free(sets[i]);
    }

    for (i = 0; i < NKEYS; i++) {
        EVP_PKEY_free(tok_keys[i]);
        tok_keys[i] = NULL;
    }
}
