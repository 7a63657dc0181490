/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What a request means in IAM terms.
 *
 * The request is read by cig_target.c and cig_s3_headers.c.  S3 REST
 * requests become the action S3 itself would authorize, on the object or
 * bucket ARN, with the condition keys S3 sets; an operation this mapping
 * does not know is refused.
 */

#include <string.h>
#include <strings.h>

#include "cig.h"
#include "cig_internal.h"


/*
 * The operation a request performs.  Each row: method, target (object or
 * bucket), the subresource parameter that selects it ("" for none), the
 * action, and the other parameters it may carry.  Every row is the action
 * the S3 API Reference's page of the operation names (t/decisions/
 * s3-permissions.json cites them); second permissions are in cig_s3_also.
 */

typedef struct {
    const char   *method;
    unsigned      object:1;
    const char   *sub;
    const char   *action;
    const char   *version_action;   /* with versionId, if different */
    const char   *params;           /* space-separated, trailing space */
} cig_s3_op_t;

#define CIG_LIST_PARAMS                                                       \
    "prefix delimiter max-keys marker continuation-token start-after "       \
    "encoding-type fetch-owner list-type "
#define CIG_GET_PARAMS                                                        \
    "versionId partNumber response-content-type response-content-language " \
    "response-expires response-cache-control response-content-disposition " \
    "response-content-encoding "

static const cig_s3_op_t  cig_s3_ops[] = {
    /* objects */
    { "GET",    1, "",            "s3:GetObject", "s3:GetObjectVersion",
      CIG_GET_PARAMS },
    { "HEAD",   1, "",            "s3:GetObject", "s3:GetObjectVersion",
      CIG_GET_PARAMS },
    { "GET",    1, "acl",         "s3:GetObjectAcl", "s3:GetObjectVersionAcl",
      "versionId " },
    { "GET",    1, "tagging",     "s3:GetObjectTagging",
      "s3:GetObjectVersionTagging", "versionId " },
    { "GET",    1, "uploadId",    "s3:ListMultipartUploadParts", NULL,
      "max-parts part-number-marker encoding-type " },
    { "GET",    1, "attributes",  "s3:GetObjectAttributes",
      "s3:GetObjectVersionAttributes", "versionId " },
    { "GET",    1, "retention",   "s3:GetObjectRetention", NULL,
      "versionId " },
    { "GET",    1, "legal-hold",  "s3:GetObjectLegalHold", NULL,
      "versionId " },
    { "PUT",    1, "",            "s3:PutObject", NULL, "" },
    { "PUT",    1, "uploadId",    "s3:PutObject", NULL, "partNumber " },
    { "PUT",    1, "acl",         "s3:PutObjectAcl", "s3:PutObjectVersionAcl",
      "versionId " },
    { "PUT",    1, "tagging",     "s3:PutObjectTagging",
      "s3:PutObjectVersionTagging", "versionId " },
    { "PUT",    1, "retention",   "s3:PutObjectRetention", NULL,
      "versionId " },
    { "PUT",    1, "legal-hold",  "s3:PutObjectLegalHold", NULL,
      "versionId " },
    { "POST",   1, "uploads",     "s3:PutObject", NULL, "" },
    { "POST",   1, "uploadId",    "s3:PutObject", NULL, "" },
    { "POST",   1, "restore",     "s3:RestoreObject", NULL, "versionId " },
    { "POST",   1, "select",      "s3:GetObject", NULL, "select-type " },
    { "DELETE", 1, "",            "s3:DeleteObject", "s3:DeleteObjectVersion",
      "versionId " },
    { "DELETE", 1, "uploadId",    "s3:AbortMultipartUpload", NULL, "" },
    { "DELETE", 1, "tagging",     "s3:DeleteObjectTagging",
      "s3:DeleteObjectVersionTagging", "versionId " },

    /* buckets */
    { "GET",    0, "",            "s3:ListBucket", NULL, CIG_LIST_PARAMS },
    { "HEAD",   0, "",            "s3:ListBucket", NULL, "" },
    { "GET",    0, "versions",    "s3:ListBucketVersions", NULL,
      "prefix delimiter max-keys key-marker version-id-marker "
      "encoding-type " },
    { "GET",    0, "uploads",     "s3:ListBucketMultipartUploads", NULL,
      "prefix delimiter max-uploads key-marker upload-id-marker "
      "encoding-type " },
    { "GET",    0, "location",    "s3:GetBucketLocation", NULL, "" },
    { "GET",    0, "acl",         "s3:GetBucketAcl", NULL, "" },
    { "GET",    0, "policy",      "s3:GetBucketPolicy", NULL, "" },
    { "GET",    0, "versioning",  "s3:GetBucketVersioning", NULL, "" },
    { "GET",    0, "tagging",     "s3:GetBucketTagging", NULL, "" },
    { "GET",    0, "cors",        "s3:GetBucketCORS", NULL, "" },
    { "PUT",    0, "",            "s3:CreateBucket", NULL, "" },
    { "PUT",    0, "acl",         "s3:PutBucketAcl", NULL, "" },
    { "PUT",    0, "policy",      "s3:PutBucketPolicy", NULL, "" },
    { "PUT",    0, "versioning",  "s3:PutBucketVersioning", NULL, "" },
    { "PUT",    0, "tagging",     "s3:PutBucketTagging", NULL, "" },
    { "PUT",    0, "cors",        "s3:PutBucketCORS", NULL, "" },
    { "DELETE", 0, "",            "s3:DeleteBucket", NULL, "" },
    { "DELETE", 0, "policy",      "s3:DeleteBucketPolicy", NULL, "" },
    /* as S3 authorizes them: API_DeleteBucketTagging, API_DeleteBucketCors */
    { "DELETE", 0, "tagging",     "s3:PutBucketTagging", NULL, "" },
    { "DELETE", 0, "cors",        "s3:PutBucketCORS", NULL, "" },
    { NULL,     0, NULL,          NULL, NULL, NULL }
};


/*
 * Operations that need a second permission, as the S3 API Reference lists
 * them: GetObjectAttributes also needs the object's read permission
 * (API_GetObjectAttributes), CreateBucket with some headers the permission
 * of the setting the header makes (API_CreateBucket).  A flag of 0: always.
 */

static const struct {
    const char  *action;
    unsigned     flag;
    const char  *also;
} cig_s3_also[] = {
    { "s3:GetObjectAttributes",        0, "s3:GetObject" },
    { "s3:GetObjectVersionAttributes", 0, "s3:GetObjectVersion" },
    { "s3:CreateBucket", CIG_HDR_ACL,         "s3:PutBucketAcl" },
    { "s3:CreateBucket", CIG_HDR_BUCKET_LOCK,
      "s3:PutBucketObjectLockConfiguration" },
    { "s3:CreateBucket", CIG_HDR_BUCKET_LOCK, "s3:PutBucketVersioning" },
    { "s3:CreateBucket", CIG_HDR_OWNERSHIP,   "s3:PutBucketOwnershipControls" }
};


static int
cig_word_in(const char *list, cig_str_t word)
{
    const char  *p, *sp;

    for (p = list; *p; p = sp + 1) {
        sp = strchr(p, ' ');
        if (sp == NULL) {
            break;
        }

        if ((size_t) (sp - p) == word.len
            && memcmp(p, word.data, word.len) == 0)
        {
            return 1;
        }
    }

    return 0;
}


/* Subresource parameters: one of them at most selects the operation. */

static int
cig_is_subresource(cig_str_t name)
{
    static const char  subs[] =
        "acl tagging uploadId uploads attributes retention legal-hold "
        "restore select versions location policy versioning cors delete "
        "lifecycle website logging notification replication encryption "
        "object-lock ownershipControls publicAccessBlock accelerate "
        "requestPayment analytics inventory metrics intelligent-tiering "
        "torrent ";
    cig_str_t  n = name;

    return cig_word_in(subs, n);
}


static int
cig_bucket_valid(cig_str_t b)
{
    size_t  i;

    if (b.len < 3 || b.len > 63) {
        return 0;
    }

    for (i = 0; i < b.len; i++) {
        char  c = b.data[i];

        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.'
              || c == '-'))
        {
            return 0;
        }
    }

    return 1;
}


static cig_code_t
cig_arn(const cig_allocator_t *a, cig_str_t bucket, cig_str_t key, int object,
    cig_str_t *out, cig_err_t *err)
{
    char    *p;
    size_t   len;

    len = sizeof("arn:aws:s3:::") - 1 + bucket.len + (object ? 1 + key.len : 0);

    p = a->alloc(a->ctx, len + 1);
    if (p == NULL) {
        cig_err_set(err, CIG_ERR_INTERNAL, "out of memory");
        return CIG_ERR_INTERNAL;
    }

    out->data = p;
    out->len = len;

    memcpy(p, "arn:aws:s3:::", sizeof("arn:aws:s3:::") - 1);
    p += sizeof("arn:aws:s3:::") - 1;
    memcpy(p, bucket.data, bucket.len);
    p += bucket.len;

    if (object) {
        *p++ = '/';
        memcpy(p, key.data, key.len);
        p += key.len;
    }

    *p = '\0';

    return CIG_OK;
}


/* x-amz-copy-source: "bucket/key" or "/bucket/key", ?versionId=... */

static cig_code_t
cig_copy_source(const cig_http_t *h, const cig_allocator_t *a,
    cig_mapped_t *out, cig_err_t *err)
{
    const char  *raw, *q;
    size_t       len;
    cig_str_t    path, bucket, key, rest;
    cig_check_t *c;
    char        *buf;
    cig_code_t   rc;
    int          version;

    raw = h->copy_source.data;
    len = h->copy_source.len;
    q = memchr(raw, '?', len);
    version = 0;

    if (q != NULL) {
        rest.data = q + 1;
        rest.len = len - (size_t) (q - raw) - 1;

        if (rest.len < sizeof("versionId=") - 1
            || memcmp(rest.data, "versionId=", sizeof("versionId=") - 1) != 0
            || memchr(rest.data, '&', rest.len) != NULL)
        {
            return cig_bad(err, "x-amz-copy-source: only ?versionId= may "
                           "follow the key");
        }

        version = 1;
        len = (size_t) (q - raw);
    }

    /* decode as a path, with the leading '/' made explicit */

    buf = a->alloc(a->ctx, len + 2);
    if (buf == NULL) {
        cig_err_set(err, CIG_ERR_INTERNAL, "out of memory");
        return CIG_ERR_INTERNAL;
    }

    buf[0] = '/';
    memcpy(buf + 1, raw[0] == '/' ? raw + 1 : raw, raw[0] == '/' ? len - 1 : len);

    rc = cig_decode(buf, raw[0] == '/' ? len : len + 1, 1, a, &path, err);
    if (rc != CIG_OK) {
        char  reason[CIG_ERR_MSG_LEN];

        memcpy(reason, err->msg, sizeof(reason));
        cig_err_set(err, rc, "x-amz-copy-source: %s", reason);
        return rc;
    }

    bucket.data = path.data + 1;
    q = memchr(bucket.data, '/', path.len - 1);

    if (q == NULL || q[1] == '\0') {
        return cig_bad(err, "x-amz-copy-source is not bucket/key");
    }

    bucket.len = (size_t) (q - bucket.data);
    key.data = q + 1;
    key.len = path.len - 1 - bucket.len - 1;

    if (!cig_bucket_valid(bucket)) {
        return cig_bad(err, "x-amz-copy-source: invalid bucket name");
    }

    if (out->nchecks == CIG_MAX_CHECKS) {
        return cig_bad(err, "too many permissions for one request");
    }

    c = &out->checks[out->nchecks++];
    c->action.data = version ? "s3:GetObjectVersion" : "s3:GetObject";
    c->action.len = strlen(c->action.data);

    cig_set_key(out, "s3:x-amz-copy-source", h->copy_source);

    return cig_arn(a, bucket, key, 1, &c->resource, err);
}


cig_code_t
cig_map_s3(const cig_http_t *h, cig_str_t fixed_bucket,
    const cig_allocator_t *a, cig_mapped_t *out, cig_err_t *err)
{
    cig_params_t        ps;
    const cig_param_t  *sub, *p;
    const cig_s3_op_t  *op;
    cig_str_t           bucket, key, none;
    const char         *slash;
    size_t              i;
    int                 object, version;
    cig_code_t          rc;

    /* only what nchecks and nkeys count is read: no need to clear all */

    out->nchecks = 0;
    out->nkeys = 0;
    out->body = 0;
    none.data = "";
    none.len = 0;

    /* what cig_path_decode() gives; the lengths below rely on it */

    if (h->path.len == 0 || h->path.data[0] != '/') {
        return cig_bad(err, "the path does not start with '/'");
    }

    rc = cig_query_parse(h->query, a, &ps, err);
    if (rc != CIG_OK) {
        return rc;
    }

    if (fixed_bucket.len > 0) {
        bucket = fixed_bucket;
        key.data = h->path.data + 1;
        key.len = h->path.len - 1;

    } else if (h->path.len == 1) {
        /* GET / lists the caller's buckets */

        if (!cig_str_is(h->method, "GET") || ps.n > 0) {
            cig_err_set(err, CIG_ERR_FORBIDDEN, "unknown S3 operation on /");
            return CIG_ERR_FORBIDDEN;
        }

        out->checks[0].action.data = "s3:ListAllMyBuckets";
        out->checks[0].action.len = sizeof("s3:ListAllMyBuckets") - 1;
        out->checks[0].resource.data = "arn:aws:s3:::*";
        out->checks[0].resource.len = sizeof("arn:aws:s3:::*") - 1;
        out->nchecks = 1;

        return cig_s3_keys(h, out->checks[0].action, a, out, err);

    } else {
        bucket.data = h->path.data + 1;
        slash = memchr(bucket.data, '/', h->path.len - 1);

        if (slash == NULL) {
            bucket.len = h->path.len - 1;
            key = none;

        } else {
            bucket.len = (size_t) (slash - bucket.data);
            key.data = slash + 1;
            key.len = h->path.len - 1 - bucket.len - 1;
        }
    }

    if (!cig_bucket_valid(bucket)) {
        return cig_bad(err, "invalid bucket name");
    }

    object = key.len > 0;

    /* the one subresource, if any */

    sub = NULL;

    for (i = 0; i < ps.n; i++) {
        if (cig_is_subresource(ps.p[i].name)) {
            if (sub != NULL) {
                cig_err_set(err, CIG_ERR_FORBIDDEN, "unknown S3 operation "
                            "(two subresources)");
                return CIG_ERR_FORBIDDEN;
            }

            sub = &ps.p[i];
        }
    }

    /*
     * Multi-object delete: the keys are in the body, so the decision is
     * cig_s3_delete_decide()'s, key by key; until then nothing is allowed.
     */

    if (sub != NULL && cig_str_is(sub->name, "delete")
        && cig_str_is(h->method, "POST") && !object)
    {
        for (i = 0; i < ps.n; i++) {
            if (&ps.p[i] != sub && !cig_str_is(ps.p[i].name, "x-id")) {
                cig_err_set(err, CIG_ERR_FORBIDDEN, "unknown S3 operation: "
                            "parameter \"%.*s\" with DeleteObjects",
                            (int) (ps.p[i].name.len > 32 ? 32
                                   : ps.p[i].name.len),
                            ps.p[i].name.data);
                return CIG_ERR_FORBIDDEN;
            }
        }

        if (h->copy_source.len > 0) {
            return cig_bad(err, "x-amz-copy-source on an operation that "
                           "does not copy");
        }

        out->body = CIG_BODY_S3_DELETE;
        out->bucket = bucket;
        return CIG_OK;
    }

    for (op = cig_s3_ops; op->method; op++) {
        if ((int) op->object != object
            || strlen(op->method) != h->method.len
            || memcmp(op->method, h->method.data, h->method.len) != 0)
        {
            continue;
        }

        if (sub == NULL ? op->sub[0] == '\0'
            : (strlen(op->sub) == sub->name.len
               && memcmp(op->sub, sub->name.data, sub->name.len) == 0))
        {
            break;
        }
    }

    if (op->method == NULL) {
        cig_err_set(err, CIG_ERR_FORBIDDEN, "unknown S3 operation: %.*s on "
                    "%s with \"%.*s\"", (int) h->method.len, h->method.data,
                    object ? "an object" : "a bucket",
                    sub ? (int) (sub->name.len > 32 ? 32 : sub->name.len) : 0,
                    sub ? sub->name.data : "");
        return CIG_ERR_FORBIDDEN;
    }

    /*
     * Every other parameter must be one this operation takes.  "x-id" is
     * the operation name the AWS SDKs add as a hint; S3 ignores it, and so
     * does the mapping, which reads the operation from the request.
     */

    for (i = 0; i < ps.n; i++) {
        if (&ps.p[i] == sub || cig_str_is(ps.p[i].name, "x-id")) {
            continue;
        }

        if (!cig_word_in(op->params, ps.p[i].name)) {
            cig_err_set(err, CIG_ERR_FORBIDDEN, "unknown S3 operation: "
                        "parameter \"%.*s\" with %s",
                        (int) (ps.p[i].name.len > 32 ? 32
                               : ps.p[i].name.len),
                        ps.p[i].name.data, op->action);
            return CIG_ERR_FORBIDDEN;
        }
    }

    version = cig_param(&ps, "versionId") != NULL;

    out->checks[0].action.data = (version && op->version_action)
                                 ? op->version_action : op->action;
    out->checks[0].action.len = strlen(out->checks[0].action.data);
    out->nchecks = 1;

    rc = cig_arn(a, bucket, key, object, &out->checks[0].resource, err);
    if (rc != CIG_OK) {
        return rc;
    }

    if (!object && (cig_str_is(out->checks[0].action, "s3:ListBucket")
                    || cig_str_is(out->checks[0].action,
                                  "s3:ListBucketVersions")
                    || cig_str_is(out->checks[0].action,
                                  "s3:ListBucketMultipartUploads")))
    {
        if ((p = cig_param(&ps, "prefix")) != NULL) {
            cig_set_key(out, "s3:prefix", p->value);
        }

        if ((p = cig_param(&ps, "delimiter")) != NULL) {
            cig_set_key(out, "s3:delimiter", p->value);
        }

        if ((p = cig_param(&ps, "max-keys")) != NULL) {
            cig_set_key(out, "s3:max-keys", p->value);
        }
    }

    if (version) {
        cig_set_key(out, "s3:versionid", cig_param(&ps, "versionId")->value);
    }

    rc = cig_s3_keys(h, out->checks[0].action, a, out, err);
    if (rc != CIG_OK) {
        return rc;
    }

    for (i = 0; i < sizeof(cig_s3_also) / sizeof(cig_s3_also[0]); i++) {
        if (strlen(cig_s3_also[i].action) != out->checks[0].action.len
            || memcmp(cig_s3_also[i].action, out->checks[0].action.data,
                      out->checks[0].action.len) != 0
            || (cig_s3_also[i].flag && !(h->headers & cig_s3_also[i].flag)))
        {
            continue;
        }

        if (out->nchecks == CIG_MAX_CHECKS) {
            return cig_bad(err, "too many permissions for one request");
        }

        out->checks[out->nchecks].action.data = cig_s3_also[i].also;
        out->checks[out->nchecks].action.len = strlen(cig_s3_also[i].also);
        out->checks[out->nchecks].resource = out->checks[0].resource;
        out->nchecks++;
    }

    /*
     * Headers that also set an ACL, tags or object lock need the
     * permission S3 itself checks for them: PutObject alone may not make
     * an object public.
     */

    if (object && (cig_str_is(out->checks[0].action, "s3:PutObject")
                   && (cig_str_is(h->method, "PUT")
                       || (sub && cig_str_is(sub->name, "uploads")))))
    {
        static const struct {
            unsigned     flag;
            const char  *action;
        } extra[] = {
            { CIG_HDR_ACL,        "s3:PutObjectAcl" },
            { CIG_HDR_TAGGING,    "s3:PutObjectTagging" },
            { CIG_HDR_RETENTION,  "s3:PutObjectRetention" },
            { CIG_HDR_LEGAL_HOLD, "s3:PutObjectLegalHold" }
        };

        for (i = 0; i < sizeof(extra) / sizeof(extra[0]); i++) {
            if (!(h->headers & extra[i].flag)) {
                continue;
            }

            if (out->nchecks == CIG_MAX_CHECKS) {
                return cig_bad(err, "too many permissions for one request");
            }

            out->checks[out->nchecks].action.data = extra[i].action;
            out->checks[out->nchecks].action.len = strlen(extra[i].action);
            out->checks[out->nchecks].resource = out->checks[0].resource;
            out->nchecks++;
        }
    }

    /* overriding governance-mode object lock is a permission of its own */

    if (object && (h->headers & CIG_HDR_BYPASS)) {
        if (out->nchecks == CIG_MAX_CHECKS) {
            return cig_bad(err, "too many permissions for one request");
        }

        out->checks[out->nchecks].action.data = "s3:BypassGovernanceRetention";
        out->checks[out->nchecks].action.len =
                                   sizeof("s3:BypassGovernanceRetention") - 1;
        out->checks[out->nchecks].resource = out->checks[0].resource;
        out->nchecks++;
    }

    if (h->copy_source.len > 0) {
        if (!(object && cig_str_is(h->method, "PUT")
              && (sub == NULL || cig_str_is(sub->name, "uploadId"))))
        {
            return cig_bad(err, "x-amz-copy-source on an operation that does "
                           "not copy");
        }

        return cig_copy_source(h, a, out, err);
    }

    return CIG_OK;
}


cig_code_t
cig_map_execute_api(const cig_http_t *h, cig_str_t prefix,
    const cig_allocator_t *a, cig_mapped_t *out, cig_err_t *err)
{
    char    *p;
    size_t   len;

    out->nchecks = 0;
    out->nkeys = 0;
    out->body = 0;

    /* API Gateway: arn:aws:execute-api:REGION:ACCOUNT:API/STAGE/METHOD/path */

    len = prefix.len + 1 + h->method.len + h->path.len;

    p = a->alloc(a->ctx, len + 1);
    if (p == NULL) {
        cig_err_set(err, CIG_ERR_INTERNAL, "out of memory");
        return CIG_ERR_INTERNAL;
    }

    out->checks[0].resource.data = p;
    out->checks[0].resource.len = len;

    memcpy(p, prefix.data, prefix.len);
    p += prefix.len;
    *p++ = '/';
    memcpy(p, h->method.data, h->method.len);
    p += h->method.len;
    memcpy(p, h->path.data, h->path.len);
    p += h->path.len;
    *p = '\0';

    out->checks[0].action.data = "execute-api:Invoke";
    out->checks[0].action.len = sizeof("execute-api:Invoke") - 1;
    out->nchecks = 1;

    return CIG_OK;
}


/*
 * AWS partitions by their regions' names, as the SDKs' partitions.json
 * tells them apart (regionRegex); every other region is in "aws".
 */

static const struct {
    const char  *region_prefix;
    const char  *partition;
} cig_partitions[] = {
    { "cn-",       "aws-cn" },
    { "us-gov-",   "aws-us-gov" },
    { "us-iso-",   "aws-iso" },
    { "us-isob-",  "aws-iso-b" },
    { "eu-isoe-",  "aws-iso-e" },
    { "us-isof-",  "aws-iso-f" },
    { "eusc-",     "aws-eusc" },
    { "",          "aws" }
};


const char *
cig_region_partition(const char *region, size_t len)
{
    size_t  i, n, parts, digits;

    /* letters-letters[-letters...]-digits, e.g. us-gov-west-1 */

    if (len == 0 || len > 32) {
        return NULL;
    }

    parts = 1;
    digits = 0;

    for (i = 0; i < len; i++) {
        if (region[i] == '-') {
            if (i == 0 || region[i - 1] == '-' || digits) {
                return NULL;
            }

            parts++;

        } else if (region[i] >= '0' && region[i] <= '9') {
            if (parts < 3 || (i > 0 && region[i - 1] != '-' && !digits)) {
                return NULL;
            }

            digits++;

        } else if (region[i] < 'a' || region[i] > 'z' || digits) {
            return NULL;
        }
    }

    if (digits == 0) {
        return NULL;
    }

    for (i = 0; i < sizeof(cig_partitions) / sizeof(cig_partitions[0]); i++) {
        n = strlen(cig_partitions[i].region_prefix);

        if (len > n && memcmp(region, cig_partitions[i].region_prefix, n) == 0)
        {
            return cig_partitions[i].partition;
        }
    }

    return NULL;
}


cig_code_t
cig_execute_api_prefix_check(cig_str_t prefix, cig_err_t *err)
{
    const char  *p, *end, *q, *partition, *in;
    size_t       i, n;

    p = prefix.data;
    end = prefix.data + prefix.len;

    if (prefix.len < sizeof("arn:") - 1 || memcmp(p, "arn:", 4) != 0) {
        cig_err_set(err, CIG_ERR_CONFIG, "it does not start with \"arn:\"");
        return CIG_ERR_CONFIG;
    }

    p += 4;
    q = memchr(p, ':', (size_t) (end - p));
    n = q ? (size_t) (q - p) : 0;
    partition = NULL;

    for (i = 0; q && i < sizeof(cig_partitions) / sizeof(cig_partitions[0]);
         i++)
    {
        if (strlen(cig_partitions[i].partition) == n
            && memcmp(p, cig_partitions[i].partition, n) == 0)
        {
            partition = cig_partitions[i].partition;
        }
    }

    if (partition == NULL) {
        cig_err_set(err, CIG_ERR_CONFIG, "\"%.*s\" is not an AWS partition",
                    (int) (q && n < 32 ? n : 0), p);
        return CIG_ERR_CONFIG;
    }

    p = q + 1;

    if ((size_t) (end - p) < sizeof("execute-api:") - 1
        || memcmp(p, "execute-api:", sizeof("execute-api:") - 1) != 0)
    {
        cig_err_set(err, CIG_ERR_CONFIG, "the service is not execute-api");
        return CIG_ERR_CONFIG;
    }

    p += sizeof("execute-api:") - 1;
    q = memchr(p, ':', (size_t) (end - p));
    n = q ? (size_t) (q - p) : 0;
    in = q ? cig_region_partition(p, n) : NULL;

    if (in == NULL) {
        cig_err_set(err, CIG_ERR_CONFIG, "no region after execute-api:");
        return CIG_ERR_CONFIG;
    }

    if (strcmp(in, partition) != 0) {
        cig_err_set(err, CIG_ERR_CONFIG, "region \"%.*s\" is in partition "
                    "\"%s\", not \"%s\"", (int) n, p, in, partition);
        return CIG_ERR_CONFIG;
    }

    p = q + 1;

    for (i = 0; i < 12; i++) {
        if (p + i == end || p[i] < '0' || p[i] > '9') {
            break;
        }
    }

    if (i != 12 || p + 12 == end || p[12] != ':') {
        cig_err_set(err, CIG_ERR_CONFIG, "the account is not 12 digits");
        return CIG_ERR_CONFIG;
    }

    p += 13;
    q = memchr(p, '/', (size_t) (end - p));

    if (q == NULL || q == p || q + 1 == end || end[-1] == '/') {
        cig_err_set(err, CIG_ERR_CONFIG, "API/STAGE must follow the account, "
                    "without a trailing '/'");
        return CIG_ERR_CONFIG;
    }

    for (; p < end; p++) {
        if ((unsigned char) *p <= 0x20 || *p == 0x7f) {
            cig_err_set(err, CIG_ERR_CONFIG, "character 0x%02x",
                        (unsigned char) *p);
            return CIG_ERR_CONFIG;
        }
    }

    return CIG_OK;
}
