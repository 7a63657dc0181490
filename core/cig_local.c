/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A local identity pool for development: tokens shaped exactly like
 * Cognito's, signed with a local RSA key, under an issuer of its own.
 *
 * Identity ids need no database.  A guest's id is 8 random bytes and 8
 * bytes of an HMAC over them, so only ids this pool issued are accepted;
 * a login's id is an HMAC of the provider and subject, so the same login
 * always gets the same id and the id reveals nothing about the login.  The
 * HMAC key is derived from the private key.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "cig.h"
#include "cig_internal.h"


/* a PEM private key: 16384-bit RSA takes about 13 KiB */
#define CIG_MAX_PEM_FILE  (64 * 1024)


struct cig_signer_s {
    EVP_PKEY        *pkey;
    char             kid[32];
    unsigned char    secret[SHA256_DIGEST_LENGTH];
    char            *jwks;
    size_t           jwks_len;
    int              bits;
    unsigned         development:1;
};


static char *
cig_b64url_bn(const BIGNUM *bn)
{
    unsigned char  *buf;
    char           *out;
    int             len;

    len = BN_num_bytes(bn);
    buf = malloc((size_t) len + 1);
    out = malloc((size_t) len * 4 / 3 + 8);

    if (buf == NULL || out == NULL) {
        free(buf);
        free(out);
        return NULL;
    }

    BN_bn2bin(bn, buf);
    out[cig_b64url_encode(buf, (size_t) len, out)] = '\0';
    free(buf);

    return out;
}


/*
 * The PEM file, read without stdio so that no copy of the private key is
 * left in a buffer this file does not wipe: the caller frees the result
 * with OPENSSL_clear_free(p, *len).
 */

static char *
cig_pem_read(const char *path, size_t *len, cig_err_t *err)
{
    int           fd;
    char         *buf;
    size_t        n;
    ssize_t       r;
    struct stat   st;

    r = 0;

    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd == -1) {
        cig_err_set(err, CIG_ERR_CONFIG, "cannot open \"%s\": %s", path,
                    strerror(errno));
        return NULL;
    }

    if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)
        || st.st_size > CIG_MAX_PEM_FILE)
    {
        cig_err_set(err, CIG_ERR_CONFIG, "\"%s\" is not a regular file of "
                    "at most %d bytes", path, CIG_MAX_PEM_FILE);
        close(fd);
        return NULL;
    }

    buf = OPENSSL_malloc(CIG_MAX_PEM_FILE + 1);
    if (buf == NULL) {
        cig_err_set(err, CIG_ERR_INTERNAL, "out of memory");
        close(fd);
        return NULL;
    }

    n = 0;

    while (n <= CIG_MAX_PEM_FILE) {
        r = read(fd, buf + n, CIG_MAX_PEM_FILE + 1 - n);

        if (r == -1 && errno == EINTR) {
            continue;
        }

        if (r <= 0) {
            break;
        }

        n += (size_t) r;
    }

    close(fd);

    if (r == -1 || n > CIG_MAX_PEM_FILE) {
        cig_err_set(err, CIG_ERR_CONFIG, "cannot read \"%s\"", path);
        OPENSSL_clear_free(buf, CIG_MAX_PEM_FILE + 1);
        return NULL;
    }

    *len = CIG_MAX_PEM_FILE + 1;

    /* the rest of the buffer is zero, for the wipe of all of it */

    memset(buf + n, 0, CIG_MAX_PEM_FILE + 1 - n);

    return buf;
}


cig_signer_t *
cig_signer_from_pem(const char *path, cig_err_t *err)
{
    BIO            *bio;
    BIGNUM         *n, *e;
    cig_signer_t   *s;
    unsigned char   md[SHA256_DIGEST_LENGTH], *der;
    char           *nb, *eb, *pem;
    int             len;
    size_t          i, pem_len;

    n = NULL;
    e = NULL;
    nb = NULL;
    eb = NULL;

    s = calloc(1, sizeof(cig_signer_t));
    if (s == NULL) {
        cig_err_set(err, CIG_ERR_INTERNAL, "out of memory");
        return NULL;
    }

    pem = cig_pem_read(path, &pem_len, err);
    if (pem == NULL) {
        goto failed;
    }

    bio = BIO_new_mem_buf(pem, (int) strlen(pem));
    if (bio == NULL) {
        OPENSSL_clear_free(pem, pem_len);
        cig_err_set(err, CIG_ERR_INTERNAL, "out of memory");
        goto failed;
    }

    s->pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
    BIO_free(bio);
    OPENSSL_clear_free(pem, pem_len);

    if (s->pkey == NULL || EVP_PKEY_get_base_id(s->pkey) != EVP_PKEY_RSA) {
        cig_err_set(err, CIG_ERR_CONFIG, "\"%s\" is not an RSA private key "
                    "in PEM", path);
        goto failed;
    }

    s->bits = EVP_PKEY_get_bits(s->pkey);

    if (s->bits < CIG_MIN_RSA_BITS || s->bits > CIG_MAX_RSA_BITS) {
        cig_err_set(err, CIG_ERR_CONFIG, "\"%s\": RSA key of %d bits, %d to "
                    "%d required", path, s->bits, CIG_MIN_RSA_BITS,
                    CIG_MAX_RSA_BITS);
        goto failed;
    }

    if (!EVP_PKEY_get_bn_param(s->pkey, OSSL_PKEY_PARAM_RSA_N, &n)
        || !EVP_PKEY_get_bn_param(s->pkey, OSSL_PKEY_PARAM_RSA_E, &e))
    {
        cig_err_set(err, CIG_ERR_INTERNAL, "cannot read the RSA key");
        goto failed;
    }

    /* kid from the modulus; development keys are recognised by it too */

    s->development = cig_rsa_modulus_fingerprint(n, md)
                     && cig_rsa_digest_is_development(md);

    memcpy(s->kid, "local-", 6);
    for (i = 0; i < 6; i++) {
        snprintf(s->kid + 6 + i * 2, 3, "%02x", md[i]);
    }

    /* the HMAC key for identity ids: a digest of the private key */

    der = NULL;
    len = i2d_PrivateKey(s->pkey, &der);
    if (len <= 0) {
        cig_err_set(err, CIG_ERR_INTERNAL, "cannot encode the key");
        goto failed;
    }

    SHA256((const unsigned char *) "cognito-identity-gateway local pool",
           sizeof("cognito-identity-gateway local pool") - 1, md);
    HMAC(EVP_sha256(), md, sizeof(md), der, (size_t) len, s->secret, NULL);
    OPENSSL_clear_free(der, (size_t) len);

    nb = cig_b64url_bn(n);
    eb = cig_b64url_bn(e);

    if (nb == NULL || eb == NULL) {
        cig_err_set(err, CIG_ERR_INTERNAL, "out of memory");
        goto failed;
    }

    len = snprintf(NULL, 0, "{\"keys\":[{\"kty\":\"RSA\",\"alg\":\"RS512\","
                   "\"use\":\"sig\",\"kid\":\"%s\",\"n\":\"%s\",\"e\":\"%s\"}]}",
                   s->kid, nb, eb);
    s->jwks = malloc((size_t) len + 1);
    if (s->jwks == NULL) {
        cig_err_set(err, CIG_ERR_INTERNAL, "out of memory");
        goto failed;
    }

    snprintf(s->jwks, (size_t) len + 1, "{\"keys\":[{\"kty\":\"RSA\","
             "\"alg\":\"RS512\",\"use\":\"sig\",\"kid\":\"%s\",\"n\":\"%s\","
             "\"e\":\"%s\"}]}", s->kid, nb, eb);
    s->jwks_len = (size_t) len;

    BN_free(n);
    BN_free(e);
    free(nb);
    free(eb);

    return s;

failed:

    BN_free(n);
    BN_free(e);
    free(nb);
    free(eb);
    cig_signer_free(s);

    return NULL;
}


void
cig_signer_free(cig_signer_t *s)
{
    if (s == NULL) {
        return;
    }

    EVP_PKEY_free(s->pkey);
    OPENSSL_cleanse(s->secret, sizeof(s->secret));
    free(s->jwks);
    free(s);
}


int
cig_signer_is_development(const cig_signer_t *s)
{
    return s->development;
}


cig_str_t
cig_signer_jwks(const cig_signer_t *s)
{
    cig_str_t  r;

    r.data = s->jwks;
    r.len = s->jwks_len;

    return r;
}


/* header.claims.signature, RS512 with the local key */

cig_code_t
cig_token_mint(const cig_signer_t *s, const char *claims, size_t len,
    const cig_allocator_t *a, cig_str_t *token, cig_err_t *err)
{
    char           header[96];
    size_t         hlen, n, siglen;
    char          *out, *p;
    unsigned char  sig[CIG_MAX_RSA_BITS / 8];
    EVP_MD_CTX    *ctx;

    hlen = (size_t) snprintf(header, sizeof(header),
                             "{\"kid\":\"%s\",\"typ\":\"JWS\","
                             "\"alg\":\"RS512\"}", s->kid);

    n = (hlen + len) * 4 / 3 + 8 + sizeof(sig) * 4 / 3 + 8;

    out = a->alloc(a->ctx, n);
    if (out == NULL) {
        cig_err_set(err, CIG_ERR_INTERNAL, "out of memory");
        return CIG_ERR_INTERNAL;
    }

    p = out;
    p += cig_b64url_encode((const unsigned char *) header, hlen, p);
    *p++ = '.';
    p += cig_b64url_encode((const unsigned char *) claims, len, p);

    ctx = EVP_MD_CTX_new();
    siglen = sizeof(sig);

    if (ctx == NULL
        || EVP_DigestSignInit(ctx, NULL, EVP_sha512(), NULL, s->pkey) != 1
        || EVP_DigestSign(ctx, sig, &siglen, (unsigned char *) out,
                          (size_t) (p - out)) != 1)
    {
        EVP_MD_CTX_free(ctx);
        cig_err_set(err, CIG_ERR_INTERNAL, "RSA signing failed");
        return CIG_ERR_INTERNAL;
    }

    EVP_MD_CTX_free(ctx);

    *p++ = '.';
    p += cig_b64url_encode(sig, siglen, p);
    *p = '\0';

    token->data = out;
    token->len = (size_t) (p - out);

    return CIG_OK;
}


static void
cig_uuid_format(const unsigned char *b, char *out)
{
    static const char  hex[] = "0123456789abcdef";
    size_t             i;
    char              *p = out;

    for (i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            *p++ = '-';
        }

        *p++ = hex[b[i] >> 4];
        *p++ = hex[b[i] & 0x0f];
    }

    *p = '\0';
}


static int
cig_uuid_parse(const char *s, size_t len, unsigned char *b)
{
    size_t  i, j;
    int     hi, lo;

    if (len != 36) {
        return 0;
    }

    for (i = 0, j = 0; i < 36; ) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-') {
                return 0;
            }
            i++;
            continue;
        }

        hi = (s[i] >= '0' && s[i] <= '9') ? s[i] - '0'
             : (s[i] >= 'a' && s[i] <= 'f') ? s[i] - 'a' + 10 : -1;
        lo = (s[i + 1] >= '0' && s[i + 1] <= '9') ? s[i + 1] - '0'
             : (s[i + 1] >= 'a' && s[i + 1] <= 'f') ? s[i + 1] - 'a' + 10 : -1;

        if (hi < 0 || lo < 0) {
            return 0;
        }

        b[j++] = (unsigned char) (hi << 4 | lo);
        i += 2;
    }

    return 1;
}


/* The tag half of a guest id: HMAC(secret, "guest" || random half). */

static void
cig_guest_tag(const cig_signer_t *s, const unsigned char *r,
    unsigned char *tag)
{
    unsigned char  in[5 + 8], md[SHA256_DIGEST_LENGTH];

    memcpy(in, "guest", 5);
    memcpy(in + 5, r, 8);
    HMAC(EVP_sha256(), s->secret, sizeof(s->secret), in, sizeof(in), md,
         NULL);
    memcpy(tag, md, 8);

    /* RFC 4122 variant bits live here */
    tag[0] = (unsigned char) ((tag[0] & 0x3f) | 0x80);
}


cig_code_t
cig_local_guest_id(const cig_signer_t *s, cig_str_t region, char *out,
    size_t size, cig_err_t *err)
{
    unsigned char  b[16];

    if (region.len + 1 + 36 + 1 > size) {
        cig_err_set(err, CIG_ERR_INTERNAL, "identity id buffer too small");
        return CIG_ERR_INTERNAL;
    }

    if (RAND_bytes(b, 8) != 1) {
        cig_err_set(err, CIG_ERR_INTERNAL, "no randomness");
        return CIG_ERR_INTERNAL;
    }

    b[6] = (unsigned char) ((b[6] & 0x0f) | 0x40);     /* version 4 */
    cig_guest_tag(s, b, b + 8);

    memcpy(out, region.data, region.len);
    out[region.len] = ':';
    cig_uuid_format(b, out + region.len + 1);

    return CIG_OK;
}


int
cig_local_is_guest_id(const cig_signer_t *s, cig_str_t region, cig_str_t id)
{
    unsigned char  b[16], tag[8];

    if (id.len != region.len + 1 + 36
        || memcmp(id.data, region.data, region.len) != 0
        || id.data[region.len] != ':'
        || !cig_uuid_parse(id.data + region.len + 1, 36, b))
    {
        return 0;
    }

    cig_guest_tag(s, b, tag);

    return CRYPTO_memcmp(tag, b + 8, 8) == 0;
}


int
cig_local_login_id(const cig_signer_t *s, cig_str_t region,
    cig_str_t provider, cig_str_t subject, char *out)
{
    unsigned char  md[SHA256_DIGEST_LENGTH], tag[8];
    unsigned char  in[6 + 512 + 1 + 512];

    if (provider.len > 512 || subject.len > 512) {
        return 0;
    }

    /* HMAC(secret, "login" 0 provider 0 subject): stable, and opaque */

    memcpy(in, "login", 6);
    memcpy(in + 6, provider.data, provider.len);
    in[6 + provider.len] = '\0';
    memcpy(in + 6 + provider.len + 1, subject.data, subject.len);

    HMAC(EVP_sha256(), s->secret, sizeof(s->secret), in,
         6 + provider.len + 1 + subject.len, md, NULL);

    md[6] = (unsigned char) ((md[6] & 0x0f) | 0x40);
    md[8] = (unsigned char) ((md[8] & 0x3f) | 0x80);

    /* a login id must never pass as a guest id */

    cig_guest_tag(s, md, tag);

    if (CRYPTO_memcmp(tag, md + 8, 8) == 0) {
        md[15] ^= 1;
    }

    memcpy(out, region.data, region.len);
    out[region.len] = ':';
    cig_uuid_format(md, out + region.len + 1);

    return 1;
}


/* Appends a JSON string literal; returns the bytes written, 0 if short. */

size_t
cig_json_quote(const char *s, size_t len, char *out, size_t size)
{
    static const char  hex[] = "0123456789abcdef";
    size_t             i, o;
    unsigned char      c;

    o = 0;

    if (size < 2) {
        return 0;
    }

    out[o++] = '"';

    for (i = 0; i < len; i++) {
        c = (unsigned char) s[i];

        if (c == '"' || c == '\\') {
            if (size - o < 3) {
                return 0;
            }
            out[o++] = '\\';
            out[o++] = (char) c;

        } else if (c < 0x20 || c == 0x7f) {
            if (size - o < 7) {
                return 0;
            }
            memcpy(out + o, "\\u00", 4);
            out[o + 4] = hex[c >> 4];
            out[o + 5] = hex[c & 0x0f];
            o += 6;

        } else {
            if (size - o < 2) {
                return 0;
            }
            out[o++] = (char) c;
        }
    }

    if (size - o < 1) {
        return 0;
    }

    out[o++] = '"';

    return o;
}
