/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target: the multi-object delete body (cig_s3_delete_parse) and
 * the decision key by key (cig_s3_delete_decide).
 *
 *   input = the XML body
 *
 * An accepted body has 1 to 1,000 objects; every key is 1 to 1,024 bytes of
 * valid UTF-8 without control characters, '\' or dot segments, and lies
 * inside the input or in memory of its own; a VersionId is printable ASCII.
 * Written back as XML (escaped), the objects read the same again.  The
 * decision, under a policy allowing s3:DeleteObject under the identity's
 * prefix only, allows exactly when every key lies under that prefix and
 * none has a VersionId.
 */

#include <stdlib.h>

#include "fuzz_common.h"


#define PREFIX  FUZZ_SUB "/"

static const char  policy_text[] =
    "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
    "\"Action\":\"s3:DeleteObject\",\"Resource\":\"arn:aws:s3:::fuzz-bucket/"
    "${cognito-identity.amazonaws.com:sub}/*\"}]}";

static cig_policy_t  *policy;


static int
utf8_ok(const unsigned char *p, size_t n)
{
    size_t         i, len, k;
    unsigned long  c;

    for (i = 0; i < n; i += len) {
        if (p[i] < 0x80) {
            len = 1;
            continue;
        }

        if ((p[i] & 0xe0) == 0xc0) {
            len = 2; c = p[i] & 0x1f;
        } else if ((p[i] & 0xf0) == 0xe0) {
            len = 3; c = p[i] & 0x0f;
        } else if ((p[i] & 0xf8) == 0xf0) {
            len = 4; c = p[i] & 0x07;
        } else {
            return 0;
        }

        if (n - i < len) {
            return 0;
        }

        for (k = 1; k < len; k++) {
            if ((p[i + k] & 0xc0) != 0x80) {
                return 0;
            }

            c = c << 6 | (p[i + k] & 0x3f);
        }

        if ((len == 2 && c < 0x80) || (len == 3 && c < 0x800)
            || (len == 4 && c < 0x10000) || c > 0x10ffff
            || (c >= 0xd800 && c <= 0xdfff))
        {
            return 0;
        }
    }

    return 1;
}


static void
key_ok(cig_str_t k)
{
    size_t  i, seg;

    check(k.len >= 1 && k.len <= CIG_S3_MAX_KEY_LEN);
    check(utf8_ok((const unsigned char *) k.data, k.len));

    for (i = 0; i < k.len; i++) {
        check((unsigned char) k.data[i] >= 0x20 && k.data[i] != 0x7f
              && k.data[i] != '\\');
    }

    seg = 0;

    for (i = 0; i <= k.len; i++) {
        if (i == k.len || k.data[i] == '/') {
            check(!(i - seg == 1 && k.data[seg] == '.'));
            check(!(i - seg == 2 && k.data[seg] == '.'
                    && k.data[seg + 1] == '.'));
            seg = i + 1;
        }
    }
}


/* The objects written back as XML, every markup character escaped. */

static size_t
write_text(cig_str_t t, char *out)
{
    size_t  j, n;

    n = 0;

    for (j = 0; j < t.len; j++) {
        char  c = t.data[j];

        if (c == '<') {
            n += (size_t) sprintf(out + n, "&lt;");
        } else if (c == '&') {
            n += (size_t) sprintf(out + n, "&amp;");
        } else if (c == '>') {
            n += (size_t) sprintf(out + n, "&#62;");
        } else {
            out[n++] = c;
        }
    }

    return n;
}


static size_t
write_xml(const cig_s3_delete_t *d, char *out)
{
    size_t  i, n;

    n = (size_t) sprintf(out, "<Delete>");

    for (i = 0; i < d->nobjects; i++) {
        n += (size_t) sprintf(out + n, "<Object><Key>");
        n += write_text(d->objects[i].key, out + n);
        n += (size_t) sprintf(out + n, "</Key>");

        if (d->objects[i].version.data != NULL) {
            n += (size_t) sprintf(out + n, "<VersionId>");
            n += write_text(d->objects[i].version, out + n);
            n += (size_t) sprintf(out + n, "</VersionId>");
        }

        n += (size_t) sprintf(out + n, "</Object>");
    }

    n += (size_t) sprintf(out + n, "<Quiet>%s</Quiet></Delete>",
                          d->quiet ? "true" : "false");

    return n;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t            i, len;
    char             *xml;
    int               all_own;
    cig_err_t         err;
    cig_code_t        rc;
    cig_arena_t      *arena;
    cig_allocator_t   a;
    cig_s3_delete_t   d, again;
    cig_http_t        h;
    cig_mapped_t      m;
    cig_request_t     req;
    cig_verdict_t     v;
    cig_identity_t    id;

    if (policy == NULL) {
        policy = cig_policy_from_json(policy_text, sizeof(policy_text) - 1,
                                      NULL, NULL, &err);
        check(policy != NULL);
    }

    arena = cig_arena_create();
    check(arena != NULL);
    cig_arena_allocator(arena, &a);

    err.msg[0] = '\0';
    rc = cig_s3_delete_parse((const char *) data, size, &a, &d, &err);

    if (rc != CIG_OK) {
        check(rc == CIG_ERR_BAD_REQUEST || rc == CIG_ERR_INTERNAL);
        check(err.msg[0] != '\0');
        cig_arena_destroy(arena);
        return 0;
    }

    check(d.nobjects >= 1 && d.nobjects <= CIG_S3_DELETE_MAX_OBJECTS);

    all_own = 1;

    for (i = 0; i < d.nobjects; i++) {
        key_ok(d.objects[i].key);

        if (d.objects[i].version.data != NULL) {
            size_t  j;

            check(d.objects[i].version.len >= 1
                  && d.objects[i].version.len <= CIG_S3_MAX_KEY_LEN);

            for (j = 0; j < d.objects[i].version.len; j++) {
                check(d.objects[i].version.data[j] > 0x20
                      && d.objects[i].version.data[j] < 0x7f);
            }

            all_own = 0;
        }

        if (d.objects[i].key.len < sizeof(PREFIX) - 1
            || memcmp(d.objects[i].key.data, PREFIX, sizeof(PREFIX) - 1)
               != 0)
        {
            all_own = 0;
        }
    }

    /* written back, the same objects */

    len = 64 + d.nobjects * (64 + 10 * CIG_S3_MAX_KEY_LEN);
    xml = malloc(len);
    check(xml != NULL);
    len = write_xml(&d, xml);

    rc = cig_s3_delete_parse(xml, len, &a, &again, &err);
    check(rc == CIG_OK && again.nobjects == d.nobjects
          && again.quiet == d.quiet);

    for (i = 0; i < d.nobjects; i++) {
        check(again.objects[i].key.len == d.objects[i].key.len
              && memcmp(again.objects[i].key.data, d.objects[i].key.data,
                        d.objects[i].key.len) == 0);
        check((again.objects[i].version.data == NULL)
              == (d.objects[i].version.data == NULL));
    }

    /* the decision */

    memset(&h, 0, sizeof(h));
    h.method = fuzz_str("POST", 4);
    h.path = fuzz_str("/fuzz-bucket", 12);
    h.query = fuzz_str("delete", 6);

    check(cig_map_s3(&h, fuzz_str("", 0), &a, &m, &err) == CIG_OK
          && m.body == CIG_BODY_S3_DELETE);

    memset(&id, 0, sizeof(id));
    id.sub = fuzz_str(FUZZ_SUB, sizeof(FUZZ_SUB) - 1);
    id.aud = fuzz_str(FUZZ_POOL, sizeof(FUZZ_POOL) - 1);
    id.authenticated = 1;

    memset(&req, 0, sizeof(req));
    req.id = &id;
    req.now = FUZZ_NOW;

    rc = cig_s3_delete_decide(&policy, 1, fuzz_str("role", 4), &m,
                              (const char *) data, size, &a, &req, &v, &err);
    check(rc == (all_own ? CIG_OK : CIG_ERR_FORBIDDEN));

    free(xml);
    cig_arena_destroy(arena);

    return 0;
}
