/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Signs the requests of t/sigv4/corpus.json with the core's
 * cig_sigv4_sign(), for t/sigv4/botocore.t, which compares the result with
 * botocore's.  Output, one line per case, tab-separated: name, x-amz-date,
 * Authorization, canonical request (\\, newline and tab escaped).  The
 * signing key comes from a cig_sigv4_key_t, as in the nginx module.
 *
 *   cc -std=gnu11 -Wall -Wextra -Werror -Icore/include -Icore \
 *       -o sigv4-driver t/sigv4/sigv4_driver.c core/cig_sigv4.c \
 *       core/cig_json.c core/cig_util.c -lcrypto -lm
 *   ./sigv4-driver t/sigv4/corpus.json
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "cig.h"


static const cig_json_t *
field(const cig_json_t *c, const cig_json_t *defaults, const char *name)
{
    const cig_json_t  *v;

    v = cig_json_get(c, name);

    return v ? v : cig_json_get(defaults, name);
}


static cig_str_t
string(const cig_json_t *c, const cig_json_t *defaults, const char *name)
{
    const cig_json_t  *v;
    cig_str_t          s = { "", 0 };

    v = field(c, defaults, name);

    if (v != NULL && v->type == CIG_JSON_STRING) {
        s = v->str;
    }

    return s;
}


static void
escaped(cig_str_t s)
{
    size_t  i;

    for (i = 0; i < s.len; i++) {
        switch (s.data[i]) {
        case '\\': fputs("\\\\", stdout); break;
        case '\n': fputs("\\n", stdout); break;
        case '\t': fputs("\\t", stdout); break;
        default:   putchar(s.data[i]);
        }
    }
}


static int
sign(const cig_json_t *c, const cig_json_t *defaults)
{
    char                 hex[65];
    size_t               i, n;
    cig_err_t            err;
    cig_kv_t             headers[32];
    cig_str_t            secret, body;
    cig_code_t           rc;
    cig_arena_t         *arena;
    cig_allocator_t      a;
    cig_sigv4_key_t     *key;
    const cig_json_t    *h, *t;
    cig_sigv4_result_t   out;
    cig_sigv4_request_t  req;
    const unsigned char *signing_key;
    unsigned char        md[EVP_MAX_MD_SIZE];
    unsigned int         mdlen;

    memset(&req, 0, sizeof(req));

    req.method = string(c, defaults, "method");
    req.path = string(c, defaults, "path");
    req.query = string(c, defaults, "query");
    req.host = string(c, defaults, "host");
    req.security_token = string(c, defaults, "token");
    req.access_key_id = string(c, defaults, "access_key_id");
    req.region = string(c, defaults, "region");
    req.service = string(c, defaults, "service");
    secret = string(c, defaults, "secret");

    t = field(c, defaults, "time");
    req.now = t ? (int64_t) t->num : 0;

    n = 0;
    h = cig_json_get(c, "headers");

    for (h = h ? h->child : NULL; h && n < 32; h = h->next, n++) {
        headers[n].name = h->child->str;
        headers[n].value = h->child->next->str;
    }

    req.headers = headers;
    req.nheaders = n;

    if (cig_json_get(c, "body") != NULL) {
        body = string(c, defaults, "body");

        if (!EVP_Digest(body.data, body.len, md, &mdlen, EVP_sha256(), NULL))
        {
            return 0;
        }

        for (i = 0; i < mdlen; i++) {
            sprintf(hex + 2 * i, "%02x", md[i]);
        }

        req.payload_hash.data = hex;
        req.payload_hash.len = 64;

    } else {
        req.payload_hash.data = CIG_SIGV4_UNSIGNED_PAYLOAD;
        req.payload_hash.len = sizeof(CIG_SIGV4_UNSIGNED_PAYLOAD) - 1;
    }

    key = cig_sigv4_key_create(secret.data, secret.len, req.region,
                               req.service, &err);
    if (key == NULL) {
        fprintf(stderr, "key: %s\n", err.msg);
        return 0;
    }

    signing_key = cig_sigv4_key_get(key, req.now, &err);
    if (signing_key == NULL) {
        fprintf(stderr, "key: %s\n", err.msg);
        cig_sigv4_key_free(key);
        return 0;
    }

    arena = cig_arena_create();
    if (arena == NULL) {
        cig_sigv4_key_free(key);
        return 0;
    }

    cig_arena_allocator(arena, &a);

    rc = cig_sigv4_sign(&req, signing_key, &a, &out, &err);
    cig_sigv4_key_free(key);

    if (rc != CIG_OK) {
        fprintf(stderr, "sign: %s\n", err.msg);
        cig_arena_destroy(arena);
        return 0;
    }

    escaped(string(c, defaults, "name"));
    printf("\t%s\t%.*s\t", out.date, (int) out.authorization.len,
           out.authorization.data);
    escaped(out.canonical_request);
    putchar('\n');

    cig_arena_destroy(arena);

    return 1;
}


int
main(int argc, char **argv)
{
    int                 ok;
    char               *text;
    size_t              len;
    cig_err_t           err;
    cig_arena_t        *arena;
    cig_allocator_t     a;
    const cig_json_t   *doc, *defaults, *cases, *c;

    if (argc != 2) {
        fprintf(stderr, "usage: %s corpus.json\n", argv[0]);
        return 2;
    }

    text = cig_file_read(argv[1], &len, &err);
    if (text == NULL) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }

    arena = cig_arena_create();
    if (arena == NULL) {
        free(text);
        return 1;
    }

    cig_arena_allocator(arena, &a);

    doc = cig_json_parse(text, len, CIG_MAX_JSON_DEPTH, &a, &err);
    if (doc == NULL) {
        fprintf(stderr, "%s: %s\n", argv[1], err.msg);
        cig_arena_destroy(arena);
        free(text);
        return 1;
    }

    defaults = cig_json_get(doc, "defaults");
    cases = cig_json_get(doc, "cases");
    ok = 1;

    for (c = cases ? cases->child : NULL; c; c = c->next) {
        if (!sign(c, defaults)) {
            ok = 0;
        }
    }

    cig_arena_destroy(arena);
    free(text);

    return ok ? 0 : 1;
}
