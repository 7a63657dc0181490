/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * AWS Signature Version 4 for requests the gateway forwards to an
 * S3-compatible store, signed with the store's own credentials.
 *
 * The canonical request is built the way S3 (and MinIO, Ceph RGW, ...)
 * rebuild it on their side:
 *
 * - the path is the path as sent, already percent-encoded: S3 neither
 *   normalizes it (dot segments, "//") nor encodes it a second time, as
 *   other services do.  Clients that encode paths the way AWS's SDKs do
 *   (every byte but A-Za-z0-9 - . _ ~ and '/' as %XX in upper case) are
 *   signed the same by every store; a store that decodes and re-encodes
 *   the path (MinIO, Ceph RGW) refuses other encodings, such as "%3a" or a
 *   literal '!';
 * - the query is split on '&' (empty pieces dropped), each piece on its
 *   first '=', names and values decoded ('+' is a space, as S3 and this
 *   project's request mapping read it) and encoded with the same rules ('/'
 *   included), then sorted by name and, for a repeated name, by value; a
 *   piece without '=' is "name=";
 * - headers: names lower-cased, values trimmed with inner runs of spaces
 *   and tabs collapsed to one space, a repeated header's values joined
 *   with ',' in their order, sorted by name.  host, x-amz-content-sha256,
 *   x-amz-date and, with a session token, x-amz-security-token are always
 *   signed, with the caller's extra headers.
 *
 * Nothing here allocates except through the caller's allocator, apart from
 * the key object made once at configuration time.  Secrets are wiped with
 * OPENSSL_cleanse wherever they or keys derived from them are dropped.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "cig.h"
#include "cig_sigv4_int.h"


#define CIG_SIGV4_ALGORITHM  "AWS4-HMAC-SHA256"
#define CIG_SIGV4_TERMINATOR "aws4_request"


static const char  cig_sigv4_hex_lower[] = "0123456789abcdef";


struct cig_sigv4_key_s {
    char           *secret;         /* "AWS4" + the secret access key */
    size_t          secret_len;
    char            region[CIG_SIGV4_MAX_NAME + 1];
    size_t          region_len;
    char            service[CIG_SIGV4_MAX_NAME + 1];
    size_t          service_len;
    int64_t         day;            /* of key[], days since 1970; -1: none */
    unsigned char   key[CIG_SIGV4_KEY_LEN];
    unsigned long   derivations;
};


static int
cig_sigv4_name_valid(cig_str_t s)
{
    size_t  i;
    char    c;

    if (s.len == 0 || s.len > CIG_SIGV4_MAX_NAME) {
        return 0;
    }

    for (i = 0; i < s.len; i++) {
        c = s.data[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'))
        {
            return 0;
        }
    }

    return 1;
}


int
cig_sigv4_region_valid(const char *s, size_t len)
{
    cig_str_t  v;

    v.data = s;
    v.len = len;

    return cig_sigv4_name_valid(v);
}


int
cig_sigv4_access_key_valid(const char *s, size_t len)
{
    size_t          i;
    unsigned char   c;

    if (len == 0 || len > CIG_SIGV4_MAX_NAME) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        c = (unsigned char) s[i];

        /* the Credential= field is split on '/' and ended by ',' */

        if (c <= 0x20 || c >= 0x7f || c == '/' || c == ',' || c == ';'
            || c == '=' || c == '"' || c == '\\')
        {
            return 0;
        }
    }

    return 1;
}


static int
cig_sigv4_payload_valid(cig_str_t s)
{
    size_t  i;

    if (cig_str_is(s, CIG_SIGV4_UNSIGNED_PAYLOAD)) {
        return 1;
    }

    if (s.len != 64) {
        return 0;
    }

    for (i = 0; i < s.len; i++) {
        if (!((s.data[i] >= '0' && s.data[i] <= '9')
              || (s.data[i] >= 'a' && s.data[i] <= 'f')))
        {
            return 0;
        }
    }

    return 1;
}


int
cig_sigv4_date(int64_t now, char *date)
{
    time_t     t;
    struct tm  tm;

    t = (time_t) now;

    if (now < 0 || (int64_t) t != now || gmtime_r(&t, &tm) == NULL
        || tm.tm_year + 1900 > 9999)
    {
        return 0;
    }

    return strftime(date, CIG_SIGV4_DATE_LEN + 1, "%Y%m%dT%H%M%SZ", &tm)
           == CIG_SIGV4_DATE_LEN;
}


static void
cig_sigv4_hex(const unsigned char *md, size_t len, char *out)
{
    size_t  i;

    for (i = 0; i < len; i++) {
        out[2 * i] = cig_sigv4_hex_lower[md[i] >> 4];
        out[2 * i + 1] = cig_sigv4_hex_lower[md[i] & 0xf];
    }
}


static int
cig_sigv4_hmac(const void *key, size_t key_len, const void *msg,
    size_t msg_len, unsigned char *out)
{
    unsigned int  len;

    if (key_len > 0x7fffffff) {
        return 0;
    }

    len = CIG_SIGV4_KEY_LEN;

    return HMAC(EVP_sha256(), key, (int) key_len, msg, msg_len, out, &len)
           != NULL && len == CIG_SIGV4_KEY_LEN;
}


int
cig_sigv4_derive_key(const char *secret, size_t len, const char *date8,
    cig_str_t region, cig_str_t service, unsigned char *out)
{
    int             ok;
    char           *k;
    unsigned char   k1[CIG_SIGV4_KEY_LEN], k2[CIG_SIGV4_KEY_LEN];

    k = malloc(len + 4);
    if (k == NULL) {
        return 0;
    }

    memcpy(k, "AWS4", 4);
    memcpy(k + 4, secret, len);

    ok = cig_sigv4_hmac(k, len + 4, date8, 8, k1)
         && cig_sigv4_hmac(k1, sizeof(k1), region.data, region.len, k2)
         && cig_sigv4_hmac(k2, sizeof(k2), service.data, service.len, k1)
         && cig_sigv4_hmac(k1, sizeof(k1), CIG_SIGV4_TERMINATOR,
                           sizeof(CIG_SIGV4_TERMINATOR) - 1, out);

    OPENSSL_cleanse(k, len + 4);
    OPENSSL_cleanse(k1, sizeof(k1));
    OPENSSL_cleanse(k2, sizeof(k2));
    free(k);

    if (!ok) {
        OPENSSL_cleanse(out, CIG_SIGV4_KEY_LEN);
    }

    return ok;
}


/*
 * AWS4-HMAC-SHA256 \n DATE \n yyyymmdd/region/service/aws4_request \n
 * hex(sha256(canonical request)), and its HMAC with the signing key in
 * lower-case hex (2 * CIG_SIGV4_KEY_LEN bytes, not terminated) into sig.
 */

cig_code_t
cig_sigv4_signature(cig_str_t canonical_request, const char *date,
    cig_str_t region, cig_str_t service, const unsigned char *key,
    const cig_allocator_t *a, cig_str_t *string_to_sign, char *sig,
    cig_err_t *err)
{
    char            *sts;
    char             hash[2 * CIG_SIGV4_KEY_LEN];
    size_t           len, scope_len;
    unsigned int     mdlen;
    unsigned char    md[EVP_MAX_MD_SIZE];

    if (!EVP_Digest(canonical_request.data, canonical_request.len, md,
                    &mdlen, EVP_sha256(), NULL)
        || mdlen != CIG_SIGV4_KEY_LEN)
    {
        cig_err_set(err, CIG_ERR_INTERNAL, "cannot sign: SHA-256 failed");
        return CIG_ERR_INTERNAL;
    }

    cig_sigv4_hex(md, CIG_SIGV4_KEY_LEN, hash);

    scope_len = 8 + 1 + region.len + 1 + service.len + 1
                + sizeof(CIG_SIGV4_TERMINATOR) - 1;

    len = sizeof(CIG_SIGV4_ALGORITHM) - 1 + 1 + CIG_SIGV4_DATE_LEN + 1
          + scope_len + 1 + sizeof(hash);

    sts = cig_sigv4_alloc(a, len + 1);
    if (sts == NULL) {
        return cig_sigv4_nomem(err);
    }

    snprintf(sts, len + 1, CIG_SIGV4_ALGORITHM "\n%.16s\n%.8s/%.*s/%.*s/"
             CIG_SIGV4_TERMINATOR "\n%.*s", date, date,
             (int) region.len, region.data, (int) service.len, service.data,
             (int) sizeof(hash), hash);

    string_to_sign->data = sts;
    string_to_sign->len = len;

    if (!cig_sigv4_hmac(key, CIG_SIGV4_KEY_LEN, sts, len, md)) {
        cig_err_set(err, CIG_ERR_INTERNAL, "cannot sign: HMAC failed");
        return CIG_ERR_INTERNAL;
    }

    cig_sigv4_hex(md, CIG_SIGV4_KEY_LEN, sig);
    OPENSSL_cleanse(md, sizeof(md));

    return CIG_OK;
}


cig_code_t
cig_sigv4_sign(const cig_sigv4_request_t *req, const unsigned char *key,
    const cig_allocator_t *a, cig_sigv4_result_t *out, cig_err_t *err)
{
    char            *auth;
    char             sig[2 * CIG_SIGV4_KEY_LEN];
    size_t           len, scope_len;
    cig_str_t        path, query, headers, signed_headers;
    cig_code_t       rc;

    memset(out, 0, sizeof(cig_sigv4_result_t));
    memset(&path, 0, sizeof(cig_str_t));
    query = path;
    headers = path;
    signed_headers = path;

    if (!cig_sigv4_date(req->now, out->date)) {
        return cig_sigv4_bad(err, "the time is out of range");
    }

    if (!cig_sigv4_is_token(req->method)) {
        return cig_sigv4_bad(err, "an invalid method");
    }

    if (!cig_sigv4_payload_valid(req->payload_hash)) {
        return cig_sigv4_bad(err, "the payload hash is neither "
                             "UNSIGNED-PAYLOAD nor a hex SHA-256");
    }

    if (!cig_sigv4_access_key_valid(req->access_key_id.data,
                                    req->access_key_id.len)
        || !cig_sigv4_name_valid(req->region)
        || !cig_sigv4_name_valid(req->service))
    {
        return cig_sigv4_bad(err, "an invalid access key id, region or "
                             "service");
    }

    rc = cig_sigv4_canonical_path(req, &path, err);
    if (rc != CIG_OK) {
        return rc;
    }

    rc = cig_sigv4_canonical_query(req, a, &query, err);
    if (rc != CIG_OK) {
        return rc;
    }

    rc = cig_sigv4_canonical_headers(req, out->date, a, &headers,
                                     &signed_headers, err);
    if (rc != CIG_OK) {
        return rc;
    }

    if (!cig_sigv4_canonical_request(a, req->method, path, query, headers,
                                     signed_headers, req->payload_hash,
                                     &out->canonical_request))
    {
        return cig_sigv4_nomem(err);
    }

    rc = cig_sigv4_signature(out->canonical_request, out->date, req->region,
                             req->service, key, a, &out->string_to_sign, sig,
                             err);
    if (rc != CIG_OK) {
        return rc;
    }

    scope_len = 8 + 1 + req->region.len + 1 + req->service.len + 1
                + sizeof(CIG_SIGV4_TERMINATOR) - 1;

    len = sizeof(CIG_SIGV4_ALGORITHM " Credential=") - 1
          + req->access_key_id.len + 1 + scope_len
          + sizeof(", SignedHeaders=") - 1 + signed_headers.len
          + sizeof(", Signature=") - 1 + sizeof(sig);

    auth = cig_sigv4_alloc(a, len + 1);
    if (auth == NULL) {
        return cig_sigv4_nomem(err);
    }

    snprintf(auth, len + 1, CIG_SIGV4_ALGORITHM " Credential=%.*s/%.8s/%.*s/"
             "%.*s/" CIG_SIGV4_TERMINATOR ", SignedHeaders=%.*s, "
             "Signature=%.*s",
             (int) req->access_key_id.len, req->access_key_id.data,
             out->date, (int) req->region.len, req->region.data,
             (int) req->service.len, req->service.data,
             (int) signed_headers.len, signed_headers.data,
             (int) sizeof(sig), sig);

    out->authorization.data = auth;
    out->authorization.len = len;

    return CIG_OK;
}


/* The key object: the secret, and the signing key of one day. */

cig_sigv4_key_t *
cig_sigv4_key_create(const char *secret, size_t len, cig_str_t region,
    cig_str_t service, cig_err_t *err)
{
    cig_sigv4_key_t  *k;

    if (len == 0 || len > CIG_SIGV4_MAX_SECRET) {
        cig_err_set(err, CIG_ERR_CONFIG, "the secret access key must have "
                    "1 to %d characters", CIG_SIGV4_MAX_SECRET);
        return NULL;
    }

    if (!cig_sigv4_name_valid(region)) {
        cig_err_set(err, CIG_ERR_CONFIG, "invalid region \"%.*s\": 1 to %d "
                    "letters, digits, '-', '_' or '.'",
                    (int) (region.len > 64 ? 64 : region.len), region.data,
                    CIG_SIGV4_MAX_NAME);
        return NULL;
    }

    if (!cig_sigv4_name_valid(service)) {
        cig_err_set(err, CIG_ERR_CONFIG, "invalid service \"%.*s\": 1 to %d "
                    "letters, digits, '-', '_' or '.'",
                    (int) (service.len > 64 ? 64 : service.len), service.data,
                    CIG_SIGV4_MAX_NAME);
        return NULL;
    }

    k = calloc(1, sizeof(cig_sigv4_key_t));
    if (k == NULL) {
        cig_err_set(err, CIG_ERR_INTERNAL, "out of memory");
        return NULL;
    }

    k->secret = malloc(len);
    if (k->secret == NULL) {
        free(k);
        cig_err_set(err, CIG_ERR_INTERNAL, "out of memory");
        return NULL;
    }

    memcpy(k->secret, secret, len);
    k->secret_len = len;
    memcpy(k->region, region.data, region.len);
    k->region_len = region.len;
    memcpy(k->service, service.data, service.len);
    k->service_len = service.len;
    k->day = -1;

    return k;
}


void
cig_sigv4_key_free(cig_sigv4_key_t *k)
{
    if (k == NULL) {
        return;
    }

    OPENSSL_cleanse(k->secret, k->secret_len);
    free(k->secret);
    OPENSSL_cleanse(k, sizeof(cig_sigv4_key_t));
    free(k);
}


const unsigned char *
cig_sigv4_key_get(cig_sigv4_key_t *k, int64_t now, cig_err_t *err)
{
    char            date[CIG_SIGV4_DATE_LEN + 1];
    int64_t         day;
    cig_str_t       region, service;
    unsigned char   key[CIG_SIGV4_KEY_LEN];

    if (!cig_sigv4_date(now, date)) {
        cig_err_set(err, CIG_ERR_INTERNAL, "cannot sign: the time is out "
                    "of range");
        return NULL;
    }

    day = now / 86400;

    if (day == k->day) {
        return k->key;
    }

    region.data = k->region;
    region.len = k->region_len;
    service.data = k->service;
    service.len = k->service_len;

    if (!cig_sigv4_derive_key(k->secret, k->secret_len, date, region,
                              service, key))
    {
        cig_err_set(err, CIG_ERR_INTERNAL, "cannot sign: HMAC failed");
        return NULL;
    }

    /* the previous day's key is overwritten in place */

    memcpy(k->key, key, sizeof(key));
    OPENSSL_cleanse(key, sizeof(key));
    k->day = day;
    k->derivations++;

    return k->key;
}


unsigned long
cig_sigv4_key_derivations(const cig_sigv4_key_t *k)
{
    return k->derivations;
}


cig_str_t
cig_sigv4_key_region(const cig_sigv4_key_t *k)
{
    cig_str_t  s;

    s.data = k->region;
    s.len = k->region_len;

    return s;
}


cig_str_t
cig_sigv4_key_service(const cig_sigv4_key_t *k)
{
    cig_str_t  s;

    s.data = k->service;
    s.len = k->service_len;

    return s;
}


/*
 * A credential file: the value on its own, surrounding white space (a final
 * newline) ignored, printable ASCII without spaces.  Read into the caller's
 * buffer; whatever is refused is wiped before returning.
 */

cig_code_t
cig_sigv4_read_secret(const char *path, char *buf, size_t size, size_t *len,
    unsigned *mode, cig_err_t *err)
{
    int           fd;
    char         *p, *end;
    size_t        n;
    ssize_t       r;
    struct stat   st;

    *len = 0;

    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd == -1) {
        cig_err_set(err, CIG_ERR_CONFIG, "cannot open \"%s\": %s", path,
                    strerror(errno));
        return CIG_ERR_CONFIG;
    }

    if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
        cig_err_set(err, CIG_ERR_CONFIG, "\"%s\" is not a regular file", path);
        close(fd);
        return CIG_ERR_CONFIG;
    }

    if (mode != NULL) {
        *mode = (unsigned) (st.st_mode & 07777);
    }

    n = 0;

    for ( ;; ) {
        if (n == size) {
            OPENSSL_cleanse(buf, size);
            close(fd);
            cig_err_set(err, CIG_ERR_CONFIG, "\"%s\" is longer than %zu "
                        "bytes", path, size - 1);
            return CIG_ERR_CONFIG;
        }

        r = read(fd, buf + n, size - n);

        if (r == -1 && errno == EINTR) {
            continue;
        }

        if (r == -1) {
            OPENSSL_cleanse(buf, size);
            cig_err_set(err, CIG_ERR_CONFIG, "cannot read \"%s\": %s", path,
                        strerror(errno));
            close(fd);
            return CIG_ERR_CONFIG;
        }

        if (r == 0) {
            break;
        }

        n += (size_t) r;
    }

    close(fd);

    p = buf;
    end = buf + n;

    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) {
        p++;
    }

    while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'
                       || end[-1] == '\n'))
    {
        end--;
    }

    if (p == end) {
        OPENSSL_cleanse(buf, size);
        cig_err_set(err, CIG_ERR_CONFIG, "\"%s\" is empty", path);
        return CIG_ERR_CONFIG;
    }

    for (n = 0; p + n < end; n++) {
        if ((unsigned char) p[n] <= 0x20 || (unsigned char) p[n] >= 0x7f) {
            OPENSSL_cleanse(buf, size);
            cig_err_set(err, CIG_ERR_CONFIG, "\"%s\" must hold one value of "
                        "printable ASCII without spaces", path);
            return CIG_ERR_CONFIG;
        }
    }

    memmove(buf, p, n);
    OPENSSL_cleanse(buf + n, size - n);
    *len = n;

    return CIG_OK;
}
