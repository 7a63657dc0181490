/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The request target read once (cig_target_read, cig_target_decoded): the
 * decoded path authorization sees, and the canonical target the store is
 * sent and signed for.
 */

#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#define S(s)  s, sizeof(s) - 1


static void
target_cases(void)
{
    static const struct {
        const char  *raw;
        size_t       len;
        const char  *path;      /* decoded; NULL: refused */
        const char  *uri;       /* canonical, or the reason of a refusal */
        const char  *query;
    } cases[] = {
        { S("/"),                     "/", "/", "" },
        { S("/b/k"),                  "/b/k", "/b/k", "" },
        { S("/b/us-east-1:0d0d/x"),   "/b/us-east-1:0d0d/x",
                                      "/b/us-east-1%3A0d0d/x", "" },
        { S("/b/us-east-1%3A0d0d/x"), "/b/us-east-1:0d0d/x",
                                      "/b/us-east-1%3A0d0d/x", "" },
        { S("/b/us-east-1%3a0d0d/x"), "/b/us-east-1:0d0d/x",
                                      "/b/us-east-1%3A0d0d/x", "" },
        { S("/b/a+b%20c~d%7e"),       "/b/a+b c~d~", "/b/a%2Bb%20c~d~", "" },
        { S("/b/~!$&'()*,;=:@"),      "/b/~!$&'()*,;=:@",
                          "/b/~%21%24%26%27%28%29%2A%2C%3B%3D%3A%40", "" },
        { S("/b/\xe2\x9c\x93"),       "/b/\xe2\x9c\x93", "/b/%E2%9C%93", "" },
        { S("/b//k/"),                "/b//k/", "/b//k/", "" },
        { S("/b/k?acl"),              "/b/k", "/b/k?acl", "acl" },
        { S("/b/k?acl="),             "/b/k", "/b/k?acl=", "acl=" },
        { S("/b?prefix=a%2Fb&list-type=2"), "/b",
                  "/b?prefix=a%2Fb&list-type=2", "prefix=a%2Fb&list-type=2" },
        { S("/b?prefix=a/b+c"),       "/b", "/b?prefix=a%2Fb%20c",
                                      "prefix=a%2Fb%20c" },
        { S("/b?&&x-id=GetObject&"),  "/b", "/b?x-id=GetObject",
                                      "x-id=GetObject" },
        { S("/b?"),                   "/b", "/b", "" },
        { S("/b?%61cl"),              "/b", "/b?acl", "acl" },
        { S("/b?ACL&acl"),            "/b", "/b?ACL&acl", "ACL&acl" },
        { S("/b?p=%3B"),              "/b", "/b?p=%3B", "p=%3B" },
        { S("/b?p=%23"),              "/b", "/b?p=%23", "p=%23" },
        { S("/b?p=%3d%26"),           "/b", "/b?p=%3D%26", "p=%3D%26" },
        { S("/b?p=a=b"),              "/b", "/b?p=a%3Db", "p=a%3Db" },

        { S(""),                      NULL, "does not start with '/'", NULL },
        { S("http://h/b"),            NULL, "absolute-form", NULL },
        { S("*"),                     NULL, "does not start with '/'", NULL },
        { S("/b/k#x"),                NULL, "character 0x23", NULL },
        { S("/b/k?#&acl"),            NULL, "'#' in the query", NULL },
        { S("/b/k?x-id=a#acl"),       NULL, "'#' in the query", NULL },
        { S("/b/k?a;acl"),            NULL, "';' in the query", NULL },
        { S("/b/k?acl&acl"),          NULL, "given twice", NULL },
        { S("/b/k?acl&acl="),         NULL, "given twice", NULL },
        { S("/b/k?acl&%61cl"),        NULL, "given twice", NULL },
        { S("/b/k?=x"),               NULL, "without a name", NULL },
        { S("/b/k?x=%"),              NULL, "malformed percent", NULL },
        { S("/b/k?x=%00"),            NULL, "encoded NUL", NULL },
        { S("/b/k?x=a b"),            NULL, "character 0x20", NULL },
        { S("/b/k?x=\x01"),           NULL, "character 0x01", NULL },
        { S("/b/k?x=%C0%AF"),         NULL, "overlong", NULL },
        { S("/b/%2e%2E/k"),           NULL, "dot segment", NULL },
        { S("/b/a%2Fk"),              NULL, "encoded '/'", NULL },
        { S("/b/k%3Facl"),            NULL, "encoded '?'", NULL },
    };

    char              q[200];
    size_t            i;
    cig_err_t         err;
    cig_code_t        rc;
    cig_arena_t      *arena;
    cig_target_t      t, again;
    cig_allocator_t   a;

    tap_note("request targets");

    for (i = 0; i < UNIT_NELTS(cases); i++) {
        arena = cig_arena_create();
        if (arena == NULL) {
            printf("Bail out! out of memory\n");
            exit(255);
        }

        cig_arena_allocator(arena, &a);
        memset(&err, 0, sizeof(cig_err_t));

        rc = cig_target_read(cases[i].raw, cases[i].len, &a, &t, &err);

        if (cases[i].path == NULL) {
            tap_is_int(rc, CIG_ERR_BAD_REQUEST, "target %zu refused", i);
            tap_like(err.msg, cases[i].uri, "target %zu: reason", i);
            cig_arena_destroy(arena);
            continue;
        }

        if (!tap_is_int(rc, CIG_OK, "target %zu read", i)) {
            tap_diag("%s", err.msg);
            cig_arena_destroy(arena);
            continue;
        }

        tap_is_mem(t.path.data, t.path.len, cases[i].path,
                   strlen(cases[i].path), "target %zu: path", i);
        tap_is_mem(t.uri.data, t.uri.len, cases[i].uri,
                   strlen(cases[i].uri), "target %zu: canonical", i);
        tap_is_mem(t.query.data, t.query.len, cases[i].query,
                   strlen(cases[i].query), "target %zu: query", i);
        tap_ok(t.uri.data[t.uri.len] == '\0', "target %zu terminated", i);
        tap_ok(t.canonical_path.data == t.uri.data
               && t.canonical_path.len
                  + (t.query.len ? t.query.len + 1 : 0) == t.uri.len,
               "target %zu: path and query within the target", i);

        /* the canonical target reads as itself */

        rc = cig_target_read(t.uri.data, t.uri.len, &a, &again, &err);
        tap_ok(rc == CIG_OK && again.uri.len == t.uri.len
               && memcmp(again.uri.data, t.uri.data, t.uri.len) == 0
               && again.path.len == t.path.len
               && memcmp(again.path.data, t.path.data, t.path.len) == 0,
               "target %zu: canonical is a fixed point", i);

        /* a server's decoded path and raw query: the same target */

        snprintf(q, sizeof(q), "%.*s", (int) t.query.len, t.query.data);
        rc = cig_target_decoded(t.path, (cig_str_t) { q, strlen(q) }, &a,
                                &again, &err);
        tap_ok(rc == CIG_OK && again.uri.len == t.uri.len
               && memcmp(again.uri.data, t.uri.data, t.uri.len) == 0,
               "target %zu: from the decoded path", i);

        cig_arena_destroy(arena);
    }
}


static void
target_limits(void)
{
    char             *big;
    cig_err_t         err;
    cig_code_t        rc;
    cig_arena_t      *arena;
    cig_target_t      t;
    cig_allocator_t   a;

    arena = cig_arena_create();
    big = malloc(CIG_MAX_TARGET + 2);

    if (arena == NULL || big == NULL) {
        printf("Bail out! out of memory\n");
        exit(255);
    }

    cig_arena_allocator(arena, &a);

    memset(big, 'a', CIG_MAX_TARGET + 1);
    big[0] = '/';

    rc = cig_target_read(big, CIG_MAX_TARGET, &a, &t, &err);
    tap_is_int(rc, CIG_OK, "a target of CIG_MAX_TARGET bytes is read");
    tap_is_int(t.uri.len, CIG_MAX_TARGET, "and kept as it is");

    rc = cig_target_read(big, CIG_MAX_TARGET + 1, &a, &t, &err);
    tap_is_int(rc, CIG_ERR_BAD_REQUEST, "one byte more is refused");

    rc = cig_target_decoded((cig_str_t) { "/a b/%", 6 },
                            (cig_str_t) { "x#", 2 }, &a, &t, &err);
    tap_is_int(rc, CIG_ERR_BAD_REQUEST, "decoded path: '%%' refused");

    rc = cig_target_decoded((cig_str_t) { "/a b/c", 6 },
                            (cig_str_t) { "x#", 2 }, &a, &t, &err);
    tap_is_int(rc, CIG_ERR_BAD_REQUEST, "decoded path: '#' in the query");

    rc = cig_target_decoded((cig_str_t) { "/a b/c", 6 },
                            (cig_str_t) { "x=1", 3 }, &a, &t, &err);
    tap_ok(rc == CIG_OK && t.uri.len == sizeof("/a%20b/c?x=1") - 1
           && memcmp(t.uri.data, "/a%20b/c?x=1", t.uri.len) == 0,
           "decoded path: encoded once");

    free(big);
    cig_arena_destroy(arena);
}


void
test_target(void)
{
    target_cases();
    target_limits();
}
