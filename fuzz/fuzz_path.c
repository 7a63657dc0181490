/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target: path normalisation (cig_path_decode, cig_path_check)
 * and the mapping of a request to IAM terms (cig_map_s3,
 * cig_map_execute_api).
 *
 *   input = OPTS RAW-PATH [\0 QUERY [\0 COPY-SOURCE]]
 *
 * OPTS (one byte): the method (bits 0-2), the S3 headers present (bits 3-7,
 * CIG_HDR_*).  A path that decodes is one cig_path_check accepts, with
 * nothing left to decode a second time (no '%', and it decodes to itself
 * where it is a valid raw path); it is mapped path-style and under a fixed
 * bucket.  Every S3 check names an S3 resource, and the object or bucket
 * the path names is among them; the API Gateway resource is the prefix,
 * method and path.
 */

#include "fuzz_common.h"


static const char  *methods[8] = {
    "GET", "HEAD", "PUT", "POST", "DELETE", "PATCH", "OPTIONS", "get"
};

#define S3      "arn:aws:s3:::"
#define API     "arn:aws:execute-api:us-east-1:123456789012:abc/prod"


static void
map_s3(const cig_http_t *h, cig_str_t bucket, const cig_allocator_t *a)
{
    cig_mapped_t  m;
    cig_err_t     err;
    cig_code_t    rc;
    size_t        i, want_len;
    char          want[4096];
    int           found, n;

    err.msg[0] = '\0';
    rc = cig_map_s3(h, bucket, a, &m, &err);

    if (rc != CIG_OK) {
        check(rc == CIG_ERR_BAD_REQUEST || rc == CIG_ERR_FORBIDDEN
              || rc == CIG_ERR_INTERNAL);
        check(err.msg[0] != '\0');
        return;
    }

    if (m.body) {
        /* a multi-object delete: no check but those of its body */
        check(m.body == CIG_BODY_S3_DELETE && m.nchecks == 0);
        check(cig_str_is(h->method, "POST"));
        if (bucket.len > 0) {
            check(m.bucket.len == bucket.len && h->path.len == 1);
            return;
        }

        /* "/bucket" or "/bucket/" */
        check(m.bucket.len > 0 && m.bucket.len <= h->path.len - 1
              && memcmp(m.bucket.data, h->path.data + 1, m.bucket.len) == 0
              && (h->path.len - 1 == m.bucket.len
                  || (h->path.len - 1 == m.bucket.len + 1
                      && h->path.data[h->path.len - 1] == '/')));
        return;
    }

    check(m.nchecks >= 1 && m.nchecks <= CIG_MAX_CHECKS);
    check(m.nkeys <= CIG_MAX_REQUEST_KEYS);

    for (i = 0; i < m.nchecks; i++) {
        check(m.checks[i].action.len > 3
              && memcmp(m.checks[i].action.data, "s3:", 3) == 0);
        check(m.checks[i].resource.len >= sizeof(S3) - 1
              && memcmp(m.checks[i].resource.data, S3, sizeof(S3) - 1) == 0);
    }

    for (i = 0; i < m.nkeys; i++) {
        check(m.keys[i].name.len > 0);
    }

    if (bucket.len == 0 && h->path.len == 1) {
        return;                                 /* ListAllMyBuckets */
    }

    /* what the path names: bucket/key under a fixed bucket, else itself */

    if (bucket.len > 0) {
        n = snprintf(want, sizeof(want), S3 "%.*s%s%.*s", (int) bucket.len,
                     bucket.data, h->path.len > 1 ? "/" : "",
                     (int) h->path.len - 1, h->path.data + 1);
    } else {
        n = snprintf(want, sizeof(want), S3 "%.*s", (int) h->path.len - 1,
                     h->path.data + 1);
    }

    if (n < 0 || (size_t) n >= sizeof(want)) {
        return;
    }

    want_len = (size_t) n;

    /* "/bucket/" names the bucket */

    if (bucket.len == 0 && want[want_len - 1] == '/'
        && memchr(h->path.data + 1, '/', h->path.len - 1)
           == h->path.data + h->path.len - 1)
    {
        want_len--;
    }

    found = 0;

    for (i = 0; i < m.nchecks; i++) {
        if (m.checks[i].resource.len == want_len
            && memcmp(m.checks[i].resource.data, want, want_len) == 0)
        {
            found = 1;
        }
    }

    check(found);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t    *p, *end = data + size;
    cig_str_t         raw, out, again, bucket;
    cig_arena_t      *arena;
    cig_allocator_t   a;
    cig_http_t        h;
    cig_mapped_t      m;
    cig_err_t         err;
    cig_code_t        rc;

    if (size == 0) {
        return 0;
    }

    p = data + 1;

    memset(&h, 0, sizeof(h));
    h.method = fuzz_str(methods[data[0] & 7], strlen(methods[data[0] & 7]));
    h.headers = data[0] >> 3;

    raw = fuzz_part(&p, end);
    h.query = fuzz_part(&p, end);
    h.copy_source = fuzz_part(&p, end);

    arena = cig_arena_create();
    check(arena != NULL);
    cig_arena_allocator(arena, &a);

    err.code = CIG_OK;
    err.msg[0] = '\0';

    rc = cig_path_decode(raw.data, raw.len, &a, &out, &err);

    if (rc != CIG_OK) {
        check(rc == CIG_ERR_BAD_REQUEST || rc == CIG_ERR_INTERNAL);
        check(err.msg[0] != '\0');
        check(memchr(err.msg, '\0', sizeof(err.msg)) != NULL);
        cig_arena_destroy(arena);
        return 0;
    }

    check(out.len > 0 && out.len <= raw.len && out.data[0] == '/');
    check(memchr(out.data, '\0', out.len) == NULL);
    check(cig_path_check(out.data, out.len, &err) == CIG_OK);

    /*
     * nothing left to decode a second time: no '%' survives, and where the
     * decoded path is still a valid raw path (no space or other byte a raw
     * path must encode), it decodes to itself
     */

    check(memchr(out.data, '%', out.len) == NULL);

    if (cig_path_decode(out.data, out.len, &a, &again, &err) == CIG_OK) {
        check(again.len == out.len
              && memcmp(again.data, out.data, out.len) == 0);
    }

    h.path = out;

    bucket.data = NULL;
    bucket.len = 0;
    map_s3(&h, bucket, &a);

    bucket = fuzz_str("fixed-bucket", 12);
    map_s3(&h, bucket, &a);

    rc = cig_map_execute_api(&h, fuzz_str(API, sizeof(API) - 1), &a, &m,
                             &err);
    check(rc == CIG_OK && m.nchecks == 1);
    check(m.checks[0].resource.len == sizeof(API) - 1 + 1 + h.method.len
                                      + h.path.len);
    check(memcmp(m.checks[0].resource.data + m.checks[0].resource.len
                 - h.path.len, h.path.data, h.path.len) == 0);

    cig_arena_destroy(arena);

    return 0;
}
