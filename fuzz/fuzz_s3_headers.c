/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target: the S3 request headers that are condition keys
 * (cig_s3_header, then cig_map_s3 setting the keys, x-amz-tagging read as
 * tags).
 *
 *   input = OPTS PATH \0 QUERY \0 HEADERS \0 TLS-VERSION
 *
 * OPTS (one byte): the method (bits 0-2).  HEADERS: "Name: value" lines,
 * each given to cig_s3_header as a server's single pass would.  A header
 * taken keeps the very bytes given; a refusal has a reason.  A mapped
 * request never fills the key table (so no key is dropped), every key is
 * one the policy engine knows, and the tags come in pairs
 * (s3:RequestObjectTag/KEY and a value of s3:RequestObjectTagKeys), at most
 * CIG_S3_MAX_TAGS, with keys that differ without regard to case.
 */

#include <strings.h>

#include "fuzz_common.h"
#include "cig_internal.h"


static const char  *methods[8] = {
    "GET", "HEAD", "PUT", "POST", "DELETE", "PUT", "PUT", "POST"
};

#define TAG    "s3:requestobjecttag/"
#define KEYS   "s3:requestobjecttagkeys"


static void
check_keys(const cig_mapped_t *m)
{
    cig_ckey_t   key;
    cig_str_t    tags[CIG_MAX_REQUEST_KEYS];
    size_t       i, j, ntags, nkeys;

    check(m->nkeys < CIG_MAX_REQUEST_KEYS);

    ntags = 0;
    nkeys = 0;

    for (i = 0; i < m->nkeys; i++) {
        check(cig_key_resolve(m->keys[i].name.data, m->keys[i].name.len,
                              &key));
        check(key.id == CIG_KEY_REQUEST);

        if (m->keys[i].name.len > sizeof(TAG) - 1
            && memcmp(m->keys[i].name.data, TAG, sizeof(TAG) - 1) == 0)
        {
            tags[ntags].data = m->keys[i].name.data + sizeof(TAG) - 1;
            tags[ntags].len = m->keys[i].name.len - (sizeof(TAG) - 1);

            /* the next key is the same tag key, as a value of the list */

            check(i + 1 < m->nkeys);
            check(m->keys[i + 1].name.len == sizeof(KEYS) - 1
                  && memcmp(m->keys[i + 1].name.data, KEYS,
                            sizeof(KEYS) - 1) == 0);
            check(m->keys[i + 1].value.len == tags[ntags].len
                  && memcmp(m->keys[i + 1].value.data, tags[ntags].data,
                            tags[ntags].len) == 0);
            check(tags[ntags].len > 0);

            for (j = 0; j < ntags; j++) {
                check(tags[j].len != tags[ntags].len
                      || strncasecmp(tags[j].data, tags[ntags].data,
                                     tags[j].len) != 0);
            }

            ntags++;

        } else if (m->keys[i].name.len == sizeof(KEYS) - 1
                   && memcmp(m->keys[i].name.data, KEYS, sizeof(KEYS) - 1)
                      == 0)
        {
            nkeys++;
        }
    }

    check(ntags == nkeys && ntags <= CIG_S3_MAX_TAGS);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t    *p, *end = data + size;
    const char       *line, *lend, *nl, *colon, *value;
    cig_str_t         path, headers, out;
    cig_arena_t      *arena;
    cig_allocator_t   a;
    cig_http_t        h;
    cig_mapped_t      m;
    cig_err_t         err;
    cig_code_t        rc;
    size_t            i;

    if (size == 0) {
        return 0;
    }

    p = data + 1;

    memset(&h, 0, sizeof(h));
    h.method = fuzz_str(methods[data[0] & 7], strlen(methods[data[0] & 7]));

    path = fuzz_part(&p, end);
    h.query = fuzz_part(&p, end);
    headers = fuzz_part(&p, end);
    h.tls_version = fuzz_part(&p, end);

    err.code = CIG_OK;
    err.msg[0] = '\0';
    rc = CIG_OK;

    line = headers.data;
    lend = headers.data + headers.len;

    while (rc == CIG_OK && line < lend) {
        nl = memchr(line, '\n', (size_t) (lend - line));
        if (nl == NULL) {
            nl = lend;
        }

        colon = memchr(line, ':', (size_t) (nl - line));

        if (colon != NULL) {
            value = colon + 1;
            value += (value < nl && *value == ' ');

            rc = cig_s3_header(&h, line, (size_t) (colon - line), value,
                               (size_t) (nl - value), &err);

            if (rc != CIG_OK) {
                check(rc == CIG_ERR_BAD_REQUEST && err.msg[0] != '\0');
                return 0;
            }

            /* a value taken is the very bytes given */

            for (i = 0; i < CIG_S3H_N; i++) {
                check(h.s3h[i].data == NULL
                      || ((const char *) h.s3h[i].data >= headers.data
                          && h.s3h[i].data + h.s3h[i].len <= lend
                          && h.s3h[i].len <= CIG_S3_HEADER_MAX));
            }
        }

        line = nl + 1;
    }

    arena = cig_arena_create();
    check(arena != NULL);
    cig_arena_allocator(arena, &a);

    if (cig_path_decode(path.data, path.len, &a, &out, &err) == CIG_OK) {
        h.path = out;

        rc = cig_map_s3(&h, fuzz_str("", 0), &a, &m, &err);

        if (rc == CIG_OK) {
            check_keys(&m);

        } else {
            check(err.msg[0] != '\0');
        }

        rc = cig_map_s3(&h, fuzz_str("fixed-bucket", 12), &a, &m, &err);

        if (rc == CIG_OK) {
            check_keys(&m);
        }
    }

    cig_arena_destroy(arena);

    return 0;
}
