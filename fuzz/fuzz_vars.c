/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target: policy-variable templates (cig_vars.c), the substitution
 * behind policy resources and conditions and the connectors' path-prefix
 * shorthand (cognito_identity_allow_prefix, CognitoAllowPrefix).
 *
 *   input = FLAGS TEMPLATE [\0 PATH [\0 CLAIMS]]
 *
 * FLAGS (one byte) selects glob compilation (bit 0).  A template that
 * compiles is expanded for a fixed identity and for the fuzzed one: the
 * expansion fits exactly in its own length and not in one byte less, and
 * is the same twice.  PATH is then checked against the template as a
 * prefix: an admitted path begins with the expansion on a whole segment.
 */

#include "fuzz_common.h"


static void
expand(const cig_template_t *t, const cig_request_t *req, cig_str_t path,
    int glob)
{
    char             buf[2048], again[2048];
    size_t           len, len2;
    cig_err_t        err;
    cig_code_t       rc;
    cig_template_t  *const prefixes[1] = { (cig_template_t *) t };

    len = 12345;

    if (cig_template_expand(t, req, buf, sizeof(buf), &len)) {
        check(len <= sizeof(buf));

        len2 = 0;
        check(cig_template_expand(t, req, again, len, &len2));
        check(len2 == len && memcmp(buf, again, len) == 0);

        if (len > 0) {
            check(!cig_template_expand(t, req, again, len - 1, &len2));
        }
    }

    if (glob) {
        return;
    }

    err.msg[0] = '\0';
    rc = cig_prefixes_allow(prefixes, 1, req, path, &err);

    if (rc == CIG_OK) {
        check(cig_template_expand(t, req, buf, sizeof(buf), &len));
        check(len > 0);

        if (buf[len - 1] == '/') {
            len--;
        }

        check(path.len >= len && memcmp(path.data, buf, len) == 0);
        check(path.len == len || path.data[len] == '/');

    } else {
        check(rc == CIG_ERR_FORBIDDEN && err.msg[0] != '\0');
    }
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t    *p, *end = data + size;
    cig_str_t         text, path, claims, name;
    cig_template_t   *t;
    cig_arena_t      *arena;
    cig_allocator_t   a;
    cig_identity_t    fixed, fuzzed;
    cig_request_t     req;
    cig_kv_t          kv;
    cig_err_t         err;
    int               glob;

    if (size == 0) {
        return 0;
    }

    glob = data[0] & 1;
    p = data + 1;

    text = fuzz_part(&p, end);
    path = fuzz_part(&p, end);
    claims = fuzz_part(&p, end);

    arena = cig_arena_create();
    check(arena != NULL);
    cig_arena_allocator(arena, &a);

    err.code = CIG_OK;
    err.msg[0] = '\0';

    t = cig_template_compile(text.data, text.len, glob, &a, &err);

    if (t == NULL) {
        check(err.code == CIG_ERR_CONFIG || err.code == CIG_ERR_INTERNAL);
        check(err.msg[0] != '\0');
        check(memchr(err.msg, '\0', sizeof(err.msg)) != NULL);
        cig_arena_destroy(arena);
        return 0;
    }

    if (cig_template_unknown_var(t, &name)) {
        check(name.len > 0 && name.data != NULL);
    }

    check(fuzz_identity(fuzz_parse(FUZZ_CLAIMS, sizeof(FUZZ_CLAIMS) - 1, &a),
                        &fixed));

    kv.name = fuzz_str("s3:prefix", 9);
    kv.value = fuzz_str("home/", 5);

    memset(&req, 0, sizeof(req));
    req.id = &fixed;
    req.source_ip = fuzz_str("192.0.2.1", 9);
    req.now = FUZZ_NOW;
    req.keys = &kv;
    req.nkeys = 1;

    expand(t, &req, path, glob);

    if (claims.len > 0
        && fuzz_identity(fuzz_parse(claims.data, claims.len, &a), &fuzzed))
    {
        req.id = &fuzzed;
        expand(t, &req, path, glob);
    }

    cig_arena_destroy(arena);

    return 0;
}
