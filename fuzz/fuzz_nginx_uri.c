/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target: the simulator's model of nginx (tools/simulate_nginx.c)
 * reading a request target into $uri (sim_uri_parse, after
 * ngx_http_parse_complex_uri) and choosing a location for it
 * (sim_find_uri_location) in a fixed configuration with every kind.
 *
 *   input = RAW-TARGET
 *
 * A $uri read starts with '/', is no longer than the target, has no "." or
 * ".." segment, and no "//" when slashes are merged; where the core reads
 * the target (cig_target_read) to a path without "//", nginx's $uri is that
 * very path (else the module answers 400, so the two must agree).  The
 * location chosen is one the URI can choose: an exact one equal to it, a
 * prefix of it, a regular expression matching it, or the redirecting
 * "$uri/"; its nested locations are inside it.
 */

#define _GNU_SOURCE

#include "fuzz_common.h"

#include "../tools/nginx_conf.c"
#include "../tools/simulate_nginx.c"


static const char  conf[] =
    "http { server {\n"
    "  location = / { }\n"
    "  location / { }\n"
    "  location = /exact { }\n"
    "  location /exact { }\n"
    "  location /docs/ {\n"
    "    location /docs/deep/ { }\n"
    "    location ~ \\.txt$ { }\n"
    "    location ^~ /docs/raw/ { location ~ x { } }\n"
    "    location /docs/api/ { proxy_pass http://127.0.0.1:1; }\n"
    "  }\n"
    "  location ^~ /static/ { location ~ \\.png$ { } }\n"
    "  location ~ \\.txt$ { }\n"
    "  location ~* \\.JPG$ { }\n"
    "  location ~ \"^/re(g)ex/(?<w>\\w+)$\" { location ~ x$ { } }\n"
    "  location @named { }\n"
    "  location /files/ { proxy_pass http://127.0.0.1:1; }\n"
    "} }\n";

static ncf_node_t  *root;
static char        *prefix;


static void
check_chain(const ncf_node_t **chain, size_t n, int rc, const char *u,
    size_t len)
{
    size_t       i, nlen;
    int          kind;
    const char  *name;
    char         err[512];
    sim_ctx_t    c;

    c.err = err;
    c.errlen = sizeof(err);
    c.prefix = prefix;

    for (i = 0; i < n; i++) {
        kind = sim_loc_kind(&c, chain[i], &name);
        check(kind >= 0 && kind != SIM_LOC_NAMED);
        nlen = strlen(name);

        if (rc == SIM_FIND_DONE && i == n - 1) {
            check(nlen == len + 1 && name[len] == '/'
                  && memcmp(name, u, len) == 0);
            continue;
        }

        switch (kind) {
        case SIM_LOC_EXACT:
            check(i == n - 1 && nlen == len && memcmp(name, u, len) == 0);
            break;
        case SIM_LOC_PREFIX:
        case SIM_LOC_NOREGEX:
            check(nlen <= len && memcmp(name, u, nlen) == 0);
            break;
        default:
            check(sim_loc_regex(&c, chain[i], name,
                                kind == SIM_LOC_REGEX_CASELESS, u, len)
                  == 1);
        }
    }
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int                merge, rc;
    char              *in, *u, err[512];
    size_t             i, n;
    ssize_t            len;
    sim_ctx_t          c;
    cig_err_t          cerr;
    cig_code_t         crc;
    cig_arena_t       *arena;
    cig_target_t       t;
    cig_allocator_t    a;
    const ncf_node_t  *srv, *chain[SIM_MAX_LEVELS];

    if (root == NULL) {
        root = ncf_parse(conf, sizeof(conf) - 1, "/fuzz/nginx.conf",
                         &prefix, err, sizeof(err));
        check(root != NULL);
    }

    srv = root->children[0]->children[0];

    in = malloc(size + 1);
    u = malloc(size + 1);
    check(in != NULL && u != NULL);
    memcpy(in, data, size);
    in[size] = '\0';

    c.err = err;
    c.errlen = sizeof(err);
    c.prefix = prefix;

    for (merge = 0; merge <= 1; merge++) {
        len = sim_uri_parse(in, size, merge, u);

        if (len < 0) {
            continue;
        }

        check((size_t) len <= size && u[0] == '/' && u[len] == '\0');

        for (i = 0; i < (size_t) len; i++) {
            if (u[i] != '/') {
                continue;
            }

            check(!(u[i + 1] == '.' && (u[i + 2] == '/' || u[i + 2] == '\0'
                                        || (u[i + 2] == '.'
                                            && (u[i + 3] == '/'
                                                || u[i + 3] == '\0')))));
            check(!merge || u[i + 1] != '/');
        }

        n = 0;
        rc = sim_find_uri_location(&c, srv, u, (size_t) len, chain, 0, &n);
        check(rc >= 0);
        check_chain(chain, n, rc, u, (size_t) len);
    }

    /* where the core reads a path without "//", it is nginx's $uri */

    arena = cig_arena_create();
    check(arena != NULL);
    cig_arena_allocator(arena, &a);

    crc = cig_target_read(in, size, &a, &t, &cerr);

    if (crc == CIG_OK && memmem(t.path.data, t.path.len, "//", 2) == NULL) {
        len = sim_uri_parse(in, size, 1, u);
        check(len >= 0 && (size_t) len == t.path.len
              && memcmp(u, t.path.data, t.path.len) == 0);
    }

    cig_arena_destroy(arena);
    free(in);
    free(u);

    return 0;
}
