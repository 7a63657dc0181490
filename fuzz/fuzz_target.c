/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target: the request target read once (cig_target_read,
 * cig_target_decoded).
 *
 *   input = RAW-TARGET
 *
 * A target that is read has: a decoded path that cig_path_check accepts; a
 * canonical form of only RFC 3986 unreserved bytes, '/', '%XX' (upper-case
 * hex), and '?', '&', '=' as separators; which reads as itself (a fixed
 * point, with the same decoded path); and which the decoded path and the
 * canonical query give again.  Nothing is read from a target holding '#'.
 */

#include "fuzz_common.h"


static int
canonical_byte(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
           || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'
           || c == '~' || c == '/' || c == '%' || c == '?' || c == '&'
           || c == '=';
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t            i, nq;
    cig_err_t         err;
    cig_code_t        rc;
    cig_arena_t      *arena;
    cig_target_t      t, again;
    cig_allocator_t   a;

    arena = cig_arena_create();
    check(arena != NULL);
    cig_arena_allocator(arena, &a);

    err.msg[0] = '\0';
    rc = cig_target_read((const char *) data, size, &a, &t, &err);

    if (rc != CIG_OK) {
        check(rc == CIG_ERR_BAD_REQUEST || rc == CIG_ERR_INTERNAL);
        check(err.msg[0] != '\0');
        cig_arena_destroy(arena);
        return 0;
    }

    check(memchr(data, '#', size) == NULL);
    check(cig_path_check(t.path.data, t.path.len, &err) == CIG_OK);
    check(t.uri.data[t.uri.len] == '\0');
    check(t.canonical_path.data == t.uri.data);
    check(t.canonical_path.len + (t.query.len ? t.query.len + 1 : 0)
          == t.uri.len);

    for (i = 0, nq = 0; i < t.uri.len; i++) {
        unsigned char  c = (unsigned char) t.uri.data[i];

        check(canonical_byte(c));
        nq += (c == '?');

        if (c == '%') {
            check(i + 2 < t.uri.len);
            check(strchr("0123456789ABCDEF", t.uri.data[i + 1]) != NULL);
            check(strchr("0123456789ABCDEF", t.uri.data[i + 2]) != NULL);
        }
    }

    check(nq <= 1);

    rc = cig_target_read(t.uri.data, t.uri.len, &a, &again, &err);
    check(rc == CIG_OK);
    check(again.uri.len == t.uri.len
          && memcmp(again.uri.data, t.uri.data, t.uri.len) == 0);
    check(again.path.len == t.path.len
          && memcmp(again.path.data, t.path.data, t.path.len) == 0);

    rc = cig_target_decoded(t.path, t.query, &a, &again, &err);
    check(rc == CIG_OK);
    check(again.uri.len == t.uri.len
          && memcmp(again.uri.data, t.uri.data, t.uri.len) == 0);

    cig_arena_destroy(arena);

    return 0;
}
