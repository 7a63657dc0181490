/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The S3 request headers that are condition keys (s3:x-amz-acl, the
 * grants, SSE, storage class, tags, object lock, ...) or that need
 * permissions of their own, each read once (cig_s3_header), and the keys
 * set for the actions S3 sets them for (cig_s3_keys).
 */

#include <string.h>
#include <strings.h>

#include "cig.h"
#include "cig_internal.h"


/*
 * CIG_MAX_REQUEST_KEYS holds every key one request can set (the header
 * values and the tags are bounded by cig_s3_header and cig_s3_tags).
 */

void
cig_set_key_len(cig_mapped_t *out, const char *name, size_t len,
    cig_str_t value)
{
    if (out->nkeys < CIG_MAX_REQUEST_KEYS) {
        out->keys[out->nkeys].name.data = name;
        out->keys[out->nkeys].name.len = len;
        out->keys[out->nkeys].value = value;
        out->nkeys++;
    }
}


void
cig_set_key(cig_mapped_t *out, const char *name, cig_str_t value)
{
    cig_set_key_len(out, name, strlen(name), value);
}


/*
 * The request headers that are S3 condition keys, and the operations S3
 * sets each for (the Service Authorization Reference's condition keys of
 * the actions): s3:PutObject (uploads, copies, multipart uploads), the ACL
 * writes (PutObjectAcl, PutObjectVersionAcl, PutBucketAcl, CreateBucket),
 * or every action.
 */

#define CIG_S3K_ALL   0x01
#define CIG_S3K_PUT   0x02
#define CIG_S3K_ACL   0x04

static const struct {
    const char  *header;        /* lower case */
    const char  *key;           /* NULL: x-amz-tagging, read as tags */
    unsigned     where;
    unsigned     list:1;        /* a ',' is part of one value */
} cig_s3_headers[CIG_S3H_N] = {
    { "x-amz-acl", "s3:x-amz-acl", CIG_S3K_PUT|CIG_S3K_ACL, 0 },
    { "x-amz-grant-read", "s3:x-amz-grant-read",
      CIG_S3K_PUT|CIG_S3K_ACL, 1 },
    { "x-amz-grant-write", "s3:x-amz-grant-write",
      CIG_S3K_PUT|CIG_S3K_ACL, 1 },
    { "x-amz-grant-read-acp", "s3:x-amz-grant-read-acp",
      CIG_S3K_PUT|CIG_S3K_ACL, 1 },
    { "x-amz-grant-write-acp", "s3:x-amz-grant-write-acp",
      CIG_S3K_PUT|CIG_S3K_ACL, 1 },
    { "x-amz-grant-full-control", "s3:x-amz-grant-full-control",
      CIG_S3K_PUT|CIG_S3K_ACL, 1 },
    { "x-amz-server-side-encryption", "s3:x-amz-server-side-encryption",
      CIG_S3K_PUT, 0 },
    { "x-amz-server-side-encryption-aws-kms-key-id",
      "s3:x-amz-server-side-encryption-aws-kms-key-id", CIG_S3K_PUT, 0 },
    { "x-amz-storage-class", "s3:x-amz-storage-class", CIG_S3K_PUT, 0 },
    { "x-amz-metadata-directive", "s3:x-amz-metadata-directive",
      CIG_S3K_PUT, 0 },
    { "x-amz-tagging", NULL, CIG_S3K_PUT, 1 },
    { "x-amz-object-lock-mode", "s3:object-lock-mode", CIG_S3K_PUT, 0 },
    { "x-amz-object-lock-retain-until-date",
      "s3:object-lock-retain-until-date", CIG_S3K_PUT, 0 },
    { "x-amz-object-lock-legal-hold", "s3:object-lock-legal-hold",
      CIG_S3K_PUT, 0 },
    { "x-amz-content-sha256", "s3:x-amz-content-sha256", CIG_S3K_ALL, 0 }
};


cig_code_t
cig_s3_header(cig_http_t *h, const char *name, size_t name_len,
    const char *value, size_t value_len, cig_err_t *err)
{
    size_t      i;
    cig_str_t  *slot;
    const char *what;

    static const char  copy[] = "x-amz-copy-source";

    if (name_len < sizeof("x-amz-") - 1
        || strncasecmp(name, "x-amz-", sizeof("x-amz-") - 1) != 0)
    {
        return CIG_OK;
    }

    h->headers |= cig_s3_header_flag(name, name_len);

    if (name_len == sizeof(copy) - 1
        && strncasecmp(name, copy, sizeof(copy) - 1) == 0)
    {
        i = CIG_S3H_N;
        slot = &h->copy_source;
        what = copy;

    } else {
        for (i = 0; i < CIG_S3H_N; i++) {
            if (strlen(cig_s3_headers[i].header) == name_len
                && strncasecmp(name, cig_s3_headers[i].header, name_len) == 0)
            {
                break;
            }
        }

        if (i == CIG_S3H_N) {
            return CIG_OK;
        }

        slot = &h->s3h[i];
        what = cig_s3_headers[i].header;
    }

    if (value == NULL) {
        value = "";
    }

    /* httpd joins a repeated header with ", " */

    if (slot->data != NULL
        || (i < CIG_S3H_N && !cig_s3_headers[i].list
            && memchr(value, ',', value_len) != NULL))
    {
        return cig_bad(err, "%s is repeated", what);
    }

    if (value_len > CIG_S3_HEADER_MAX) {
        return cig_bad(err, "%s is longer than %d bytes", what,
                       CIG_S3_HEADER_MAX);
    }

    slot->data = value;
    slot->len = value_len;

    return CIG_OK;
}


/*
 * x-amz-tagging, "key=value&key2=value2" as a query is encoded: each tag is
 * s3:RequestObjectTag/KEY, and every key a value of s3:RequestObjectTagKeys.
 * A key given twice (in any case: the policy matches keys without regard
 * to case) or more tags than S3 takes are a bad request.
 */

#define CIG_TAG_KEY  "s3:requestobjecttag/"

static cig_code_t
cig_s3_tags(cig_str_t raw, const cig_allocator_t *a, cig_mapped_t *out,
    cig_err_t *err)
{
    const char  *p, *end, *amp, *eq;
    cig_str_t    keys[CIG_S3_MAX_TAGS], k, v;
    cig_code_t   rc;
    size_t       n, i;
    char        *name;

    if (raw.len == 0) {
        return CIG_OK;
    }

    n = 0;
    p = raw.data;
    end = raw.data + raw.len;

    for ( ;; ) {
        amp = memchr(p, '&', (size_t) (end - p));
        if (amp == NULL) {
            amp = end;
        }

        if (n == CIG_S3_MAX_TAGS) {
            return cig_bad(err, "x-amz-tagging: more than %d tags",
                           CIG_S3_MAX_TAGS);
        }

        eq = memchr(p, '=', (size_t) (amp - p));

        rc = cig_decode(p, (size_t) ((eq ? eq : amp) - p), 0, a, &k, err);
        if (rc != CIG_OK) {
            goto failed;
        }

        if (k.len == 0) {
            return cig_bad(err, "x-amz-tagging: a tag without a key");
        }

        v.data = "";
        v.len = 0;

        if (eq != NULL) {
            rc = cig_decode(eq + 1, (size_t) (amp - eq - 1), 0, a, &v, err);
            if (rc != CIG_OK) {
                goto failed;
            }
        }

        for (i = 0; i < n; i++) {
            if (keys[i].len == k.len
                && strncasecmp(keys[i].data, k.data, k.len) == 0)
            {
                return cig_bad(err, "x-amz-tagging: a tag key given twice");
            }
        }

        keys[n++] = k;

        name = a->alloc(a->ctx, sizeof(CIG_TAG_KEY) - 1 + k.len);
        if (name == NULL) {
            cig_err_set(err, CIG_ERR_INTERNAL, "out of memory");
            return CIG_ERR_INTERNAL;
        }

        memcpy(name, CIG_TAG_KEY, sizeof(CIG_TAG_KEY) - 1);
        memcpy(name + sizeof(CIG_TAG_KEY) - 1, k.data, k.len);

        cig_set_key_len(out, name, sizeof(CIG_TAG_KEY) - 1 + k.len, v);
        cig_set_key(out, "s3:requestobjecttagkeys", k);

        if (amp == end) {
            return CIG_OK;
        }

        p = amp + 1;
    }

failed:

    {
        char  reason[CIG_ERR_MSG_LEN];

        memcpy(reason, err->msg, sizeof(reason));
        cig_err_set(err, rc, "x-amz-tagging: %s", reason);
    }

    return rc;
}


/*
 * The keys every S3 action has: s3:TlsVersion as S3 writes it ("1.2",
 * "1.3"; an older or unknown protocol is "0", below any), s3:authType and
 * s3:signatureversion (not set for bearer tokens), and the header keys of
 * this action.
 */

cig_code_t
cig_s3_keys(const cig_http_t *h, cig_str_t action, const cig_allocator_t *a,
    cig_mapped_t *out, cig_err_t *err)
{
    size_t      i;
    unsigned    where;
    cig_str_t   v;
    cig_code_t  rc;

    static const struct {
        const char  *openssl;
        const char  *s3;
    } tls[] = {
        { "TLSv1", "1.0" }, { "TLSv1.1", "1.1" }, { "TLSv1.2", "1.2" },
        { "TLSv1.3", "1.3" }
    };

    where = CIG_S3K_ALL;

    if (cig_str_is(action, "s3:PutObject")) {
        where |= CIG_S3K_PUT;

    } else if (cig_str_is(action, "s3:PutObjectAcl")
               || cig_str_is(action, "s3:PutObjectVersionAcl")
               || cig_str_is(action, "s3:PutBucketAcl")
               || cig_str_is(action, "s3:CreateBucket"))
    {
        where |= CIG_S3K_ACL;
    }

    for (i = 0; i < CIG_S3H_N; i++) {
        if (h->s3h[i].data == NULL || !(cig_s3_headers[i].where & where)) {
            continue;
        }

        if (cig_s3_headers[i].key == NULL) {
            rc = cig_s3_tags(h->s3h[i], a, out, err);
            if (rc != CIG_OK) {
                return rc;
            }

            continue;
        }

        cig_set_key(out, cig_s3_headers[i].key, h->s3h[i]);
    }

    if (h->tls_version.len > 0) {
        v.data = "0";

        for (i = 0; i < sizeof(tls) / sizeof(tls[0]); i++) {
            if (h->tls_version.len == strlen(tls[i].openssl)
                && memcmp(h->tls_version.data, tls[i].openssl,
                          h->tls_version.len) == 0)
            {
                v.data = tls[i].s3;
                break;
            }
        }

        v.len = strlen(v.data);
        cig_set_key(out, "s3:tlsversion", v);
    }

    if (h->auth_type.len > 0) {
        cig_set_key(out, "s3:authtype", h->auth_type);
    }

    if (h->signature_version.len > 0) {
        cig_set_key(out, "s3:signatureversion", h->signature_version);
    }

    return CIG_OK;
}


unsigned
cig_s3_header_flag(const char *name, size_t len)
{
    static const struct {
        const char  *name;
        size_t       prefix;    /* 1: a prefix of the header name */
        unsigned     flag;
    } hdrs[] = {
        { "x-amz-acl",                          0, CIG_HDR_ACL },
        { "x-amz-grant-",                       1, CIG_HDR_ACL },
        { "x-amz-tagging",                      0, CIG_HDR_TAGGING },
        { "x-amz-object-lock-mode",             0, CIG_HDR_RETENTION },
        { "x-amz-object-lock-retain-until-date", 0, CIG_HDR_RETENTION },
        { "x-amz-object-lock-legal-hold",       0, CIG_HDR_LEGAL_HOLD },
        { "x-amz-bypass-governance-retention",  0, CIG_HDR_BYPASS },
        { "x-amz-bucket-object-lock-enabled",   0, CIG_HDR_BUCKET_LOCK },
        { "x-amz-object-ownership",             0, CIG_HDR_OWNERSHIP }
    };
    size_t  i, n;

    for (i = 0; i < sizeof(hdrs) / sizeof(hdrs[0]); i++) {
        n = strlen(hdrs[i].name);

        if ((hdrs[i].prefix ? len > n : len == n)
            && strncasecmp(name, hdrs[i].name, n) == 0)
        {
            return hdrs[i].flag;
        }
    }

    return 0;
}
