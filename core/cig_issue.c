/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Credentials the gateway issues: a key ring read from a small JSON file,
 * and session tokens that seal a session so that any gateway holding the
 * same keys can open it again, with nothing stored.
 *
 * A token is the base64url of
 *
 *     version (1) | kid length (1) | kid | pool length (1) | pool
 *     | salt (16) | AES-256-GCM ciphertext of the session | tag (16)
 *
 * HKDF-SHA256 of the gateway key, with the token's random salt, expands to
 * the token's own AES key and IV, its secret access key and the ten bytes
 * its access key id is made of: each token has a key of its own, and the
 * secret is never stored anywhere.  The additional data of the GCM tag
 * binds the format version, the key id, the deployment id given to the key
 * ring (not in the token) and the pool, so a token minted by another
 * deployment, or moved to another pool, does not open.
 *
 * The session inside is a flags byte, the issue and expiry times (8 bytes
 * each, big-endian), then the identity id, provider, role, amr and
 * principal tags, each with a 2-byte length; it must be consumed exactly.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#include "cig.h"
#include "cig_internal.h"


#define CIG_ISSUE_VERSION    1
#define CIG_ISSUE_SALT_LEN   16
#define CIG_ISSUE_TAG_LEN    16
#define CIG_ISSUE_IV_LEN     12
#define CIG_ISSUE_AES_LEN    32
#define CIG_ISSUE_SECRET_RAW 30     /* 40 base64url characters */
#define CIG_ISSUE_AKID_RAW   10     /* 16 base32 characters */
#define CIG_ISSUE_OKM_LEN    (CIG_ISSUE_AES_LEN + CIG_ISSUE_IV_LEN           \
                              + CIG_ISSUE_SECRET_RAW + CIG_ISSUE_AKID_RAW)
#define CIG_ISSUE_INFO       "cognito-identity-gateway session v1"
#define CIG_ISSUE_AAD_LABEL  "cig-session"
/* the binary token that base64url-encodes to CIG_ISSUED_TOKEN_MAX */
#define CIG_ISSUE_BIN_MAX    (CIG_ISSUED_TOKEN_MAX / 4 * 3)
#define CIG_ISSUE_FILE_MAX   16384

#define CIG_ISSUE_AUTHENTICATED  0x01
#define CIG_ISSUE_SCOPED_DOWN    0x02


typedef struct {
    char             id[CIG_ISSUER_MAX_KID + 1];
    size_t           id_len;
    unsigned char    secret[CIG_ISSUER_KEY_MAX];
    size_t           secret_len;
    unsigned         active:1;
} cig_issuer_key_t;

struct cig_issuer_s {
    size_t             nkeys;
    cig_issuer_key_t  *active;
    char               deployment[CIG_ISSUER_MAX_DEPLOYMENT + 1];
    size_t             deployment_len;
    cig_issuer_key_t   keys[CIG_ISSUER_MAX_KEYS];
};


/* JSON parsing of the key file: every block wiped when freed */

typedef struct cig_wipe_block_s  cig_wipe_block_t;

struct cig_wipe_block_s {
    cig_wipe_block_t  *next;
    size_t             size;
    max_align_t        data[];
};


static void *
cig_wipe_alloc(void *ctx, size_t size)
{
    cig_wipe_block_t  **head = ctx;
    cig_wipe_block_t   *b;

    b = malloc(sizeof(cig_wipe_block_t) + size);
    if (b == NULL) {
        return NULL;
    }

    b->next = *head;
    b->size = size;
    *head = b;

    return b->data;
}


static void
cig_wipe_free(cig_wipe_block_t *b)
{
    cig_wipe_block_t  *next;

    while (b != NULL) {
        next = b->next;
        OPENSSL_cleanse(b->data, b->size);
        free(b);
        b = next;
    }
}


static int
cig_issuer_kid_valid(const char *s, size_t len)
{
    size_t  i;

    if (len == 0 || len > CIG_ISSUER_MAX_KID) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')
              || (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_'
              || s[i] == '.'))
        {
            return 0;
        }
    }

    return 1;
}


static int
cig_issuer_deployment_valid(cig_str_t d)
{
    size_t  i;

    if (d.len > CIG_ISSUER_MAX_DEPLOYMENT) {
        return 0;
    }

    for (i = 0; i < d.len; i++) {
        if ((unsigned char) d.data[i] <= 0x20
            || (unsigned char) d.data[i] >= 0x7f)
        {
            return 0;
        }
    }

    return 1;
}


static const char *const  cig_issuer_file_members[] = { "keys", NULL };
static const char *const  cig_issuer_key_members[] = {
    "id", "status", "secret", NULL
};


static cig_issuer_t *
cig_issuer_parse(const char *name, const char *text, size_t len,
    cig_str_t deployment, cig_err_t *err)
{
    size_t              i, n, raw_len;
    cig_err_t           jerr;
    cig_json_t         *doc;
    cig_issuer_t       *k;
    cig_allocator_t     a;
    cig_issuer_key_t   *key;
    cig_wipe_block_t   *blocks;
    const cig_json_t   *keys, *e, *id, *status, *secret;
    unsigned char       raw[CIG_ISSUER_KEY_MAX * 2];

    if (!cig_issuer_deployment_valid(deployment)) {
        cig_err_set(err, CIG_ERR_CONFIG, "the deployment id must be at most "
                    "%d printable ASCII characters without spaces",
                    CIG_ISSUER_MAX_DEPLOYMENT);
        return NULL;
    }

    k = calloc(1, sizeof(cig_issuer_t));
    if (k == NULL) {
        cig_err_set(err, CIG_ERR_INTERNAL, "out of memory");
        return NULL;
    }

    memcpy(k->deployment, deployment.data, deployment.len);
    k->deployment_len = deployment.len;

    blocks = NULL;
    a.alloc = cig_wipe_alloc;
    a.ctx = &blocks;

    doc = cig_json_parse(text, len, 4, &a, &jerr);
    if (doc == NULL) {
        cig_err_set(err, CIG_ERR_CONFIG, "\"%s\": %s", name, jerr.msg);
        goto failed;
    }

    if (doc->type != CIG_JSON_OBJECT
        || !cig_json_members_check(doc, cig_issuer_file_members, "", &jerr))
    {
        cig_err_set(err, CIG_ERR_CONFIG, "\"%s\": must be an object with "
                    "only \"keys\"", name);
        goto failed;
    }

    keys = cig_json_get(doc, "keys");
    if (keys == NULL || keys->type != CIG_JSON_ARRAY || keys->count == 0) {
        cig_err_set(err, CIG_ERR_CONFIG, "\"%s\": \"keys\" must be a "
                    "non-empty array", name);
        goto failed;
    }

    if (keys->count > CIG_ISSUER_MAX_KEYS) {
        cig_err_set(err, CIG_ERR_CONFIG, "\"%s\": more than %d keys", name,
                    CIG_ISSUER_MAX_KEYS);
        goto failed;
    }

    n = 0;

    for (e = keys->child; e != NULL; e = e->next, n++) {
        if (e->type != CIG_JSON_OBJECT
            || !cig_json_members_check(e, cig_issuer_key_members, "keys[]",
                                       &jerr))
        {
            cig_err_set(err, CIG_ERR_CONFIG, "\"%s\": key %zu must be an "
                        "object of \"id\", \"status\" and \"secret\"", name,
                        n + 1);
            goto failed;
        }

        id = cig_json_get(e, "id");
        status = cig_json_get(e, "status");
        secret = cig_json_get(e, "secret");

        if (id == NULL || id->type != CIG_JSON_STRING
            || !cig_issuer_kid_valid(id->str.data, id->str.len))
        {
            cig_err_set(err, CIG_ERR_CONFIG, "\"%s\": key %zu needs an \"id\" "
                        "of 1 to %d characters [A-Za-z0-9._-]", name, n + 1,
                        CIG_ISSUER_MAX_KID);
            goto failed;
        }

        for (i = 0; i < n; i++) {
            if (k->keys[i].id_len == id->str.len
                && memcmp(k->keys[i].id, id->str.data, id->str.len) == 0)
            {
                cig_err_set(err, CIG_ERR_CONFIG, "\"%s\": key id \"%.*s\" is "
                            "given twice", name, (int) id->str.len,
                            id->str.data);
                goto failed;
            }
        }

        key = &k->keys[n];
        memcpy(key->id, id->str.data, id->str.len);
        key->id_len = id->str.len;

        if (status == NULL || status->type != CIG_JSON_STRING
            || !(cig_str_is(status->str, "active")
                 || cig_str_is(status->str, "verify")))
        {
            cig_err_set(err, CIG_ERR_CONFIG, "\"%s\": key \"%s\" needs a "
                        "\"status\" of \"active\" or \"verify\"", name,
                        key->id);
            goto failed;
        }

        if (cig_str_is(status->str, "active")) {
            if (k->active != NULL) {
                cig_err_set(err, CIG_ERR_CONFIG, "\"%s\": keys \"%s\" and "
                            "\"%s\" are both active: exactly one may be",
                            name, k->active->id, key->id);
                goto failed;
            }

            key->active = 1;
            k->active = key;
        }

        if (secret == NULL || secret->type != CIG_JSON_STRING
            || secret->str.len > sizeof(raw) * 4 / 3
            || !cig_b64url_decode_strict(secret->str.data, secret->str.len,
                                         raw, &raw_len))
        {
            OPENSSL_cleanse(raw, sizeof(raw));
            cig_err_set(err, CIG_ERR_CONFIG, "\"%s\": key \"%s\" needs a "
                        "\"secret\" in base64url without padding", name,
                        key->id);
            goto failed;
        }

        if (raw_len < CIG_ISSUER_KEY_MIN || raw_len > CIG_ISSUER_KEY_MAX) {
            OPENSSL_cleanse(raw, sizeof(raw));
            cig_err_set(err, CIG_ERR_CONFIG, "\"%s\": key \"%s\" is weak or "
                        "too long: its secret must decode to %d to %d random "
                        "bytes (openssl rand 32 | basenc --base64url)", name,
                        key->id, CIG_ISSUER_KEY_MIN, CIG_ISSUER_KEY_MAX);
            goto failed;
        }

        memcpy(key->secret, raw, raw_len);
        key->secret_len = raw_len;
        OPENSSL_cleanse(raw, sizeof(raw));
        k->nkeys = n + 1;
    }

    if (k->active == NULL) {
        cig_err_set(err, CIG_ERR_CONFIG, "\"%s\": no key is \"active\": "
                    "exactly one must be", name);
        goto failed;
    }

    cig_wipe_free(blocks);

    return k;

failed:

    cig_wipe_free(blocks);
    k->nkeys = CIG_ISSUER_MAX_KEYS;
    cig_issuer_free(k);

    return NULL;
}


cig_issuer_t *
cig_issuer_from_json(const char *text, size_t len, cig_str_t deployment_id,
    cig_err_t *err)
{
    return cig_issuer_parse("keys", text, len, deployment_id, err);
}


cig_issuer_t *
cig_issuer_load(const char *path, cig_str_t deployment_id, cig_err_t *err)
{
    int            fd;
    char          *buf;
    size_t         n;
    ssize_t        r;
    struct stat    st;
    cig_issuer_t  *k;

    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd == -1) {
        cig_err_set(err, CIG_ERR_CONFIG, "cannot open \"%s\": %s", path,
                    strerror(errno));
        return NULL;
    }

    if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
        cig_err_set(err, CIG_ERR_CONFIG, "\"%s\" is not a regular file", path);
        close(fd);
        return NULL;
    }

    if (st.st_mode & 077) {
        cig_err_set(err, CIG_ERR_CONFIG, "\"%s\" is accessible by group or "
                    "others (mode %04o): a key file must be mode 0600 or "
                    "0400", path, (unsigned) (st.st_mode & 07777));
        close(fd);
        return NULL;
    }

    buf = malloc(CIG_ISSUE_FILE_MAX + 1);
    if (buf == NULL) {
        close(fd);
        cig_err_set(err, CIG_ERR_INTERNAL, "out of memory");
        return NULL;
    }

    n = 0;
    k = NULL;

    for ( ;; ) {
        if (n > CIG_ISSUE_FILE_MAX) {
            cig_err_set(err, CIG_ERR_CONFIG, "\"%s\" is larger than %d bytes",
                        path, CIG_ISSUE_FILE_MAX);
            goto done;
        }

        r = read(fd, buf + n, CIG_ISSUE_FILE_MAX + 1 - n);

        if (r == -1 && errno == EINTR) {
            continue;
        }

        if (r == -1) {
            cig_err_set(err, CIG_ERR_CONFIG, "cannot read \"%s\": %s", path,
                        strerror(errno));
            goto done;
        }

        if (r == 0) {
            break;
        }

        n += (size_t) r;
    }

    k = cig_issuer_parse(path, buf, n, deployment_id, err);

done:

    close(fd);
    OPENSSL_cleanse(buf, CIG_ISSUE_FILE_MAX + 1);
    free(buf);

    return k;
}


void
cig_issuer_free(cig_issuer_t *k)
{
    if (k == NULL) {
        return;
    }

    OPENSSL_cleanse(k, sizeof(cig_issuer_t));
    free(k);
}


size_t
cig_issuer_count(const cig_issuer_t *k)
{
    return k->nkeys;
}


cig_str_t
cig_issuer_active_kid(const cig_issuer_t *k)
{
    cig_str_t  s;

    s.data = k->active->id;
    s.len = k->active->id_len;

    return s;
}


/* Key material of one token. */

typedef struct {
    unsigned char    okm[CIG_ISSUE_OKM_LEN];
} cig_issue_okm_t;

#define cig_okm_aes(m)     ((m)->okm)
#define cig_okm_iv(m)      ((m)->okm + CIG_ISSUE_AES_LEN)
#define cig_okm_secret(m)  ((m)->okm + CIG_ISSUE_AES_LEN + CIG_ISSUE_IV_LEN)
#define cig_okm_akid(m)    ((m)->okm + CIG_ISSUE_AES_LEN + CIG_ISSUE_IV_LEN  \
                            + CIG_ISSUE_SECRET_RAW)


static int
cig_issue_hkdf(const cig_issuer_key_t *key, const unsigned char *salt,
    cig_issue_okm_t *m)
{
    int            ok;
    size_t         len;
    EVP_PKEY_CTX  *pctx;

    pctx = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, NULL);
    if (pctx == NULL) {
        return 0;
    }

    len = sizeof(m->okm);

    ok = EVP_PKEY_derive_init(pctx) > 0
         && EVP_PKEY_CTX_set_hkdf_md(pctx, EVP_sha256()) > 0
         && EVP_PKEY_CTX_set1_hkdf_salt(pctx, salt, CIG_ISSUE_SALT_LEN) > 0
         && EVP_PKEY_CTX_set1_hkdf_key(pctx, key->secret,
                                       (int) key->secret_len) > 0
         && EVP_PKEY_CTX_add1_hkdf_info(pctx,
                                        (const unsigned char *) CIG_ISSUE_INFO,
                                        sizeof(CIG_ISSUE_INFO) - 1) > 0
         && EVP_PKEY_derive(pctx, m->okm, &len) > 0
         && len == sizeof(m->okm);

    EVP_PKEY_CTX_free(pctx);

    if (!ok) {
        OPENSSL_cleanse(m, sizeof(cig_issue_okm_t));
    }

    return ok;
}


static void
cig_issue_ids(cig_issue_okm_t *m, char *akid, char *secret)
{
    size_t          i;
    unsigned        bits, nbits;
    const uint8_t  *p;

    static const char  b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    memcpy(akid, "ASIA", 4);

    p = cig_okm_akid(m);
    bits = 0;
    nbits = 0;

    for (i = 0; i < 16; i++) {
        if (nbits < 5) {
            bits = (bits << 8) | *p++;
            nbits += 8;
        }

        akid[4 + i] = b32[(bits >> (nbits - 5)) & 0x1f];
        nbits -= 5;
    }

    akid[CIG_ISSUED_AKID_LEN] = '\0';

    cig_b64url_encode(cig_okm_secret(m), CIG_ISSUE_SECRET_RAW, secret);
    secret[CIG_ISSUED_SECRET_LEN] = '\0';
}


/* version, kid and pool as the token holds them, and the deployment id */

static size_t
cig_issue_aad(const cig_issuer_t *k, const unsigned char *hdr, size_t len,
    unsigned char *out)
{
    size_t  n;

    n = sizeof(CIG_ISSUE_AAD_LABEL);      /* with its NUL */
    memcpy(out, CIG_ISSUE_AAD_LABEL, n);
    out[n++] = (unsigned char) k->deployment_len;
    memcpy(out + n, k->deployment, k->deployment_len);
    n += k->deployment_len;
    memcpy(out + n, hdr, len);

    return n + len;
}


static int
cig_issue_gcm(int enc, const cig_issue_okm_t *m, const unsigned char *aad,
    size_t aad_len, const unsigned char *in, size_t len, unsigned char *out,
    unsigned char *tag)
{
    int              ok, n, fin;
    EVP_CIPHER_CTX  *ctx;

    ctx = EVP_CIPHER_CTX_new();
    if (ctx == NULL) {
        return 0;
    }

    n = 0;
    fin = 0;

    ok = EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL, enc) == 1
         && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, CIG_ISSUE_IV_LEN,
                                NULL) == 1
         && EVP_CipherInit_ex(ctx, NULL, NULL, cig_okm_aes(m), cig_okm_iv(m),
                              enc) == 1
         && EVP_CipherUpdate(ctx, NULL, &n, aad, (int) aad_len) == 1
         && (len == 0
             || EVP_CipherUpdate(ctx, out, &n, in, (int) len) == 1);

    if (ok && !enc) {
        /* OpenSSL compares the tag in constant time (CRYPTO_memcmp) */
        ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, CIG_ISSUE_TAG_LEN,
                                 tag) == 1
             && EVP_CipherFinal_ex(ctx, out + n, &fin) == 1;

    } else if (ok) {
        ok = EVP_CipherFinal_ex(ctx, out + n, &fin) == 1
             && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG,
                                    CIG_ISSUE_TAG_LEN, tag) == 1;
    }

    EVP_CIPHER_CTX_free(ctx);

    return ok && (size_t) (n + fin) == len;
}


static unsigned char *
cig_issue_put(unsigned char *p, cig_str_t s)
{
    *p++ = (unsigned char) (s.len >> 8);
    *p++ = (unsigned char) s.len;

    if (s.len) {
        memcpy(p, s.data, s.len);
    }

    return p + s.len;
}


static unsigned char *
cig_issue_put64(unsigned char *p, int64_t v)
{
    int       i;
    uint64_t  u;

    u = (uint64_t) v;

    for (i = 7; i >= 0; i--) {
        p[i] = (unsigned char) u;
        u >>= 8;
    }

    return p + 8;
}


static int
cig_issue_region_of(cig_str_t id, cig_str_t pool)
{
    const char  *c1, *c2;

    c1 = memchr(id.data, ':', id.len);
    c2 = memchr(pool.data, ':', pool.len);

    return c1 != NULL && c2 != NULL && c1 - id.data == c2 - pool.data
           && memcmp(id.data, pool.data, (size_t) (c1 - id.data)) == 0;
}


cig_code_t
cig_issuer_mint(const cig_issuer_t *k, const cig_session_t *s,
    const cig_allocator_t *a, cig_str_t *akid, cig_str_t *secret,
    cig_str_t *token, cig_err_t *err)
{
    size_t                   plen, hlen, blen, aad_len;
    char                    *ak, *sk, *tk;
    unsigned char           *bin, *p, *plain;
    cig_issue_okm_t          m;
    const cig_issuer_key_t  *key;
    unsigned char            aad[sizeof(CIG_ISSUE_AAD_LABEL) + 1
                                 + CIG_ISSUER_MAX_DEPLOYMENT + 3
                                 + CIG_ISSUER_MAX_KID + CIG_MAX_ID_LEN
                                 + CIG_ISSUE_SALT_LEN];

    key = k->active;

    if (!cig_identity_id_valid(s->identity_id.data, s->identity_id.len)
        || !cig_pool_id_valid(s->pool.data, s->pool.len)
        || !cig_issue_region_of(s->identity_id, s->pool))
    {
        cig_err_set(err, CIG_ERR_BAD_REQUEST, "cannot issue credentials: an "
                    "invalid identity id or pool");
        return CIG_ERR_BAD_REQUEST;
    }

    if (!cig_role_arn_valid(s->role.data, s->role.len)) {
        cig_err_set(err, CIG_ERR_BAD_REQUEST, "cannot issue credentials: "
                    "an invalid role ARN");
        return CIG_ERR_BAD_REQUEST;
    }

    if (s->expires <= s->issued
        || s->expires - s->issued > CIG_ISSUED_MAX_LIFETIME
        || s->issued <= 0)
    {
        cig_err_set(err, CIG_ERR_BAD_REQUEST, "cannot issue credentials: a "
                    "lifetime must be 1 to %d seconds",
                    CIG_ISSUED_MAX_LIFETIME);
        return CIG_ERR_BAD_REQUEST;
    }

    if (s->amr.len == 0 || s->amr.len > 0xffff || s->provider.len > 0xffff
        || s->principal_tags.len > 0xffff || s->role.len > 0xffff)
    {
        cig_err_set(err, CIG_ERR_BAD_REQUEST, "cannot issue credentials: an "
                    "empty amr or a member too long");
        return CIG_ERR_BAD_REQUEST;
    }

    plen = 1 + 8 + 8 + 5 * 2 + s->identity_id.len + s->provider.len
           + s->role.len + s->amr.len + s->principal_tags.len;
    hlen = 1 + 1 + key->id_len + 1 + s->pool.len + CIG_ISSUE_SALT_LEN;
    blen = hlen + plen + CIG_ISSUE_TAG_LEN;

    if (blen > CIG_ISSUE_BIN_MAX) {
        cig_err_set(err, CIG_ERR_BAD_REQUEST, "cannot issue credentials: "
                    "the session (identity, role, amr and principal tags) "
                    "needs a token of more than %d bytes",
                    CIG_ISSUED_TOKEN_MAX);
        return CIG_ERR_BAD_REQUEST;
    }

    bin = a->alloc(a->ctx, blen);
    plain = a->alloc(a->ctx, plen);
    ak = a->alloc(a->ctx, CIG_ISSUED_AKID_LEN + 1);
    sk = a->alloc(a->ctx, CIG_ISSUED_SECRET_LEN + 1);
    tk = a->alloc(a->ctx, CIG_ISSUED_TOKEN_MAX + 1);

    if (bin == NULL || plain == NULL || ak == NULL || sk == NULL
        || tk == NULL)
    {
        cig_err_set(err, CIG_ERR_INTERNAL, "out of memory");
        return CIG_ERR_INTERNAL;
    }

    p = bin;
    *p++ = CIG_ISSUE_VERSION;
    *p++ = (unsigned char) key->id_len;
    memcpy(p, key->id, key->id_len);
    p += key->id_len;
    *p++ = (unsigned char) s->pool.len;
    memcpy(p, s->pool.data, s->pool.len);
    p += s->pool.len;

    if (RAND_bytes(p, CIG_ISSUE_SALT_LEN) != 1) {
        cig_err_set(err, CIG_ERR_INTERNAL, "RAND_bytes failed");
        return CIG_ERR_INTERNAL;
    }

    if (!cig_issue_hkdf(key, p, &m)) {
        cig_err_set(err, CIG_ERR_INTERNAL, "HKDF failed");
        return CIG_ERR_INTERNAL;
    }

    p = plain;
    *p++ = (unsigned char) ((s->authenticated ? CIG_ISSUE_AUTHENTICATED : 0)
                            | (s->scoped_down ? CIG_ISSUE_SCOPED_DOWN : 0));
    p = cig_issue_put64(p, s->issued);
    p = cig_issue_put64(p, s->expires);
    p = cig_issue_put(p, s->identity_id);
    p = cig_issue_put(p, s->provider);
    p = cig_issue_put(p, s->role);
    p = cig_issue_put(p, s->amr);
    (void) cig_issue_put(p, s->principal_tags);

    aad_len = cig_issue_aad(k, bin, hlen, aad);

    if (!cig_issue_gcm(1, &m, aad, aad_len, plain, plen, bin + hlen,
                       bin + hlen + plen))
    {
        OPENSSL_cleanse(&m, sizeof(m));
        OPENSSL_cleanse(plain, plen);
        cig_err_set(err, CIG_ERR_INTERNAL, "AES-GCM failed");
        return CIG_ERR_INTERNAL;
    }

    OPENSSL_cleanse(plain, plen);

    cig_issue_ids(&m, ak, sk);
    OPENSSL_cleanse(&m, sizeof(m));

    token->data = tk;
    token->len = cig_b64url_encode(bin, blen, tk);
    tk[token->len] = '\0';

    akid->data = ak;
    akid->len = CIG_ISSUED_AKID_LEN;
    secret->data = sk;
    secret->len = CIG_ISSUED_SECRET_LEN;

    return CIG_OK;
}


static int
cig_issue_get(const unsigned char **p, const unsigned char *end,
    cig_str_t *s)
{
    size_t  len;

    if (end - *p < 2) {
        return 0;
    }

    len = ((size_t) (*p)[0] << 8) | (*p)[1];
    *p += 2;

    if ((size_t) (end - *p) < len) {
        return 0;
    }

    s->data = (const char *) *p;
    s->len = len;
    *p += len;

    return 1;
}


static int64_t
cig_issue_get64(const unsigned char *p)
{
    int       i;
    uint64_t  u;

    u = 0;

    for (i = 0; i < 8; i++) {
        u = (u << 8) | p[i];
    }

    return (int64_t) u;
}


static cig_code_t
cig_issue_invalid(cig_err_t *err, const char *why)
{
    cig_err_set(err, CIG_ERR_INVALID_TOKEN, "session token: %s", why);
    return CIG_ERR_INVALID_TOKEN;
}


cig_code_t
cig_issuer_open(const cig_issuer_t *k, const char *token, size_t len,
    int64_t now, const cig_allocator_t *a, cig_session_t *s,
    char akid[CIG_ISSUED_AKID_LEN + 1],
    char secret[CIG_ISSUED_SECRET_LEN + 1], cig_err_t *err)
{
    size_t                   i, blen, hlen, kid_len, pool_len, plen, aad_len;
    unsigned char           *bin, *plain;
    cig_issue_okm_t          m;
    const unsigned char     *p, *end, *kid, *salt;
    const cig_issuer_key_t  *key;
    unsigned char            aad[sizeof(CIG_ISSUE_AAD_LABEL) + 1
                                 + CIG_ISSUER_MAX_DEPLOYMENT + 3
                                 + CIG_ISSUER_MAX_KID + CIG_MAX_ID_LEN
                                 + CIG_ISSUE_SALT_LEN];

    memset(s, 0, sizeof(cig_session_t));

    if (len == 0 || len > CIG_ISSUED_TOKEN_MAX) {
        return cig_issue_invalid(err, "empty or too long");
    }

    bin = a->alloc(a->ctx, cig_b64_decoded_max(len) + 1);
    if (bin == NULL) {
        cig_err_set(err, CIG_ERR_INTERNAL, "out of memory");
        return CIG_ERR_INTERNAL;
    }

    if (!cig_b64url_decode_strict(token, len, bin, &blen)) {
        return cig_issue_invalid(err, "not base64url");
    }

    p = bin;
    end = bin + blen;

    if (blen < 3 || p[0] != CIG_ISSUE_VERSION) {
        return cig_issue_invalid(err, "unknown format");
    }

    kid_len = p[1];
    kid = p + 2;
    p += 2 + kid_len;

    if (kid_len == 0 || kid_len > CIG_ISSUER_MAX_KID || end - p < 1) {
        return cig_issue_invalid(err, "malformed");
    }

    pool_len = *p++;
    s->pool.data = (const char *) p;
    s->pool.len = pool_len;
    p += pool_len;

    if (pool_len > CIG_MAX_ID_LEN
        || end - p < CIG_ISSUE_SALT_LEN + CIG_ISSUE_TAG_LEN + 17
        || !cig_pool_id_valid(s->pool.data, s->pool.len))
    {
        memset(&s->pool, 0, sizeof(cig_str_t));
        return cig_issue_invalid(err, "malformed");
    }

    salt = p;
    p += CIG_ISSUE_SALT_LEN;
    hlen = (size_t) (p - bin);

    key = NULL;

    for (i = 0; i < k->nkeys; i++) {
        if (k->keys[i].id_len == kid_len
            && memcmp(k->keys[i].id, kid, kid_len) == 0)
        {
            key = &k->keys[i];
            break;
        }
    }

    if (key == NULL) {
        memset(&s->pool, 0, sizeof(cig_str_t));
        return cig_issue_invalid(err, "unknown key id");
    }

    plen = blen - hlen - CIG_ISSUE_TAG_LEN;

    plain = a->alloc(a->ctx, plen);
    if (plain == NULL) {
        cig_err_set(err, CIG_ERR_INTERNAL, "out of memory");
        return CIG_ERR_INTERNAL;
    }

    if (!cig_issue_hkdf(key, salt, &m)) {
        cig_err_set(err, CIG_ERR_INTERNAL, "HKDF failed");
        return CIG_ERR_INTERNAL;
    }

    aad_len = cig_issue_aad(k, bin, hlen, aad);

    if (!cig_issue_gcm(0, &m, aad, aad_len, bin + hlen, plen, plain,
                       bin + hlen + plen))
    {
        OPENSSL_cleanse(&m, sizeof(m));
        OPENSSL_cleanse(plain, plen);
        memset(&s->pool, 0, sizeof(cig_str_t));
        return cig_issue_invalid(err, "does not authenticate (tampered, "
                                 "another deployment or key)");
    }

    /* authentic: the rest only guards against our own mistakes */

    p = plain;
    end = plain + plen;

    s->authenticated = (p[0] & CIG_ISSUE_AUTHENTICATED) ? 1 : 0;
    s->scoped_down = (p[0] & CIG_ISSUE_SCOPED_DOWN) ? 1 : 0;
    s->issued = cig_issue_get64(p + 1);
    s->expires = cig_issue_get64(p + 9);
    p += 17;

    if ((plain[0] & ~(CIG_ISSUE_AUTHENTICATED | CIG_ISSUE_SCOPED_DOWN))
        || !cig_issue_get(&p, end, &s->identity_id)
        || !cig_issue_get(&p, end, &s->provider)
        || !cig_issue_get(&p, end, &s->role)
        || !cig_issue_get(&p, end, &s->amr)
        || !cig_issue_get(&p, end, &s->principal_tags)
        || p != end
        || !cig_identity_id_valid(s->identity_id.data, s->identity_id.len)
        || !cig_role_arn_valid(s->role.data, s->role.len)
        || s->expires <= s->issued
        || s->expires - s->issued > CIG_ISSUED_MAX_LIFETIME)
    {
        OPENSSL_cleanse(&m, sizeof(m));
        memset(s, 0, sizeof(cig_session_t));
        return cig_issue_invalid(err, "malformed session");
    }

    if (s->issued > now + CIG_ISSUED_SKEW) {
        OPENSSL_cleanse(&m, sizeof(m));
        memset(s, 0, sizeof(cig_session_t));
        return cig_issue_invalid(err, "issued in the future");
    }

    if (now >= s->expires) {
        OPENSSL_cleanse(&m, sizeof(m));
        akid[0] = '\0';
        secret[0] = '\0';
        s->expired = 1;
        cig_err_set(err, CIG_ERR_FORBIDDEN, "session token: expired");
        return CIG_ERR_FORBIDDEN;
    }

    cig_issue_ids(&m, akid, secret);
    OPENSSL_cleanse(&m, sizeof(m));

    return CIG_OK;
}


cig_code_t
cig_session_identity(const cig_session_t *s, const cig_allocator_t *a,
    cig_identity_t *id, cig_err_t *err)
{
    char              *text;
    size_t             n, size;
    cig_err_t          jerr;
    const cig_json_t  *claims, *amr, *e, *tags;

    memset(id, 0, sizeof(cig_identity_t));

    size = sizeof("{\"sub\":,\"aud\":,\"amr\":,\"exp\":,\"iat\":,"
                  "\"https://aws.amazon.com/tags\":}")
           + 2 * 24 + 2 + s->identity_id.len + 2 + s->pool.len + s->amr.len
           + s->principal_tags.len;

    text = a->alloc(a->ctx, size);
    if (text == NULL) {
        cig_err_set(err, CIG_ERR_INTERNAL, "out of memory");
        return CIG_ERR_INTERNAL;
    }

    /* ids are REGION:UUID and the role an ARN: nothing to escape */

    n = (size_t) snprintf(text, size, "{\"sub\":\"%.*s\",\"aud\":\"%.*s\","
                          "\"amr\":%.*s,\"exp\":%lld,\"iat\":%lld",
                          (int) s->identity_id.len, s->identity_id.data,
                          (int) s->pool.len, s->pool.data,
                          (int) s->amr.len, s->amr.data,
                          (long long) s->expires, (long long) s->issued);

    if (s->principal_tags.len) {
        n += (size_t) snprintf(text + n, size - n,
                               ",\"https://aws.amazon.com/tags\":%.*s",
                               (int) s->principal_tags.len,
                               s->principal_tags.data);
    }

    n += (size_t) snprintf(text + n, size - n, "}");

    if (n >= size) {
        cig_err_set(err, CIG_ERR_INTERNAL, "session claims do not fit");
        return CIG_ERR_INTERNAL;
    }

    claims = cig_json_parse(text, n, CIG_MAX_JSON_DEPTH, a, &jerr);
    amr = claims ? cig_json_get(claims, "amr") : NULL;
    tags = claims ? cig_json_get(claims, "https://aws.amazon.com/tags")
                  : NULL;

    if (amr == NULL || amr->type != CIG_JSON_ARRAY || amr->count == 0
        || amr->count > CIG_MAX_AMR
        || (tags != NULL && tags->type != CIG_JSON_OBJECT))
    {
        return cig_issue_invalid(err, "the sealed amr or tags are malformed");
    }

    for (e = amr->child; e != NULL; e = e->next) {
        if (e->type != CIG_JSON_STRING || e->str.len == 0) {
            return cig_issue_invalid(err, "the sealed amr is malformed");
        }

        id->amr[id->namr++] = e->str;
    }

    if (!(s->authenticated ? cig_str_is(id->amr[0], "authenticated")
                           : (cig_str_is(id->amr[0], "unauthenticated")
                              && id->namr == 1)))
    {
        return cig_issue_invalid(err, "the sealed amr does not match");
    }

    id->sub = cig_json_get(claims, "sub")->str;
    id->aud = cig_json_get(claims, "aud")->str;
    id->authenticated = s->authenticated;
    id->provider = s->authenticated ? s->provider : id->provider;
    id->exp = (double) s->expires;
    id->iat = (double) s->issued;
    id->has_iat = 1;
    id->alg = CIG_ALG_NONE;
    id->claims = claims;
    id->payload.data = text;
    id->payload.len = n;

    return CIG_OK;
}
