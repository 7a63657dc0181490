/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The effective cognito_identity_* configuration of one location, from an
 * nginx configuration as `nginx -T` prints it.  Levels are http, server,
 * the locations from the outermost in (named, or those nginx chooses for
 * the request target: sim_choose_location), and a limit_except that does
 * not list the request's method.  Each directive is inherited as the
 * module merges it:
 *
 *   cognito_identity, _pool, _issuer, _leeway, _unauthenticated,
 *   _cors_preflight, _authorize, _allow_prefix: from the innermost level
 *   that has it;
 *   _key_file and _key_request: together, from the innermost level with
 *   either;
 *   _roles and _role: together, from the innermost level with either;
 *   _login: from the innermost level with any; _policy likewise.
 *
 * "if" blocks are not simulated (their directives apply only when the
 * condition holds); one holding our directives is reported.
 */

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>

#define PCRE2_CODE_UNIT_WIDTH  8
#include <pcre2.h>

#include "nginx_conf.h"
#include "simulate_nginx.h"


typedef struct {
    char          *err;
    size_t         errlen;
    const char    *prefix;
} sim_ctx_t;


static int
sim_fail(sim_ctx_t *c, const char *fmt, ...)
{
    va_list  args;

    va_start(args, fmt);
    vsnprintf(c->err, c->errlen, fmt, args);
    va_end(args);

    return -1;
}


/*
 * The strings of the effective configuration live until the program ends;
 * they are kept here, overridden or not, and freed at exit.
 */

static char   **sim_strings;
static size_t   sim_nstrings;


static void
sim_free_strings(void)
{
    size_t  i;

    for (i = 0; i < sim_nstrings; i++) {
        free(sim_strings[i]);
    }

    free(sim_strings);
    sim_strings = NULL;
    sim_nstrings = 0;
}


static char *
sim_keep(char *p)
{
    char  **a;

    if (p == NULL) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }

    /* full at 0, 1, 3, 7, ...: room for twice as many */

    if ((sim_nstrings & (sim_nstrings + 1)) == 0) {
        if (sim_strings == NULL) {
            atexit(sim_free_strings);
        }

        a = realloc(sim_strings, (sim_nstrings * 2 + 2) * sizeof(char *));
        if (a == NULL) {
            fprintf(stderr, "out of memory\n");
            exit(2);
        }

        sim_strings = a;
    }

    sim_strings[sim_nstrings++] = p;

    return p;
}


static char *
sim_strdup(const char *s)
{
    return sim_keep(strdup(s));
}


/* a path as nginx's ngx_conf_full_name(..., conf_prefix) makes it */

static char *
sim_full_name(sim_ctx_t *c, const char *name)
{
    char    *p;
    size_t   len;

    if (name[0] == '/') {
        return sim_strdup(name);
    }

    len = strlen(c->prefix) + strlen(name) + 1;
    p = malloc(len);
    if (p == NULL) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }

    snprintf(p, len, "%s%s", c->prefix, name);

    return sim_keep(p);
}


/* ngx_parse_time() for seconds: "90", "1m30s", "1h", "2d" */

static int
sim_parse_sec(const char *s, long long *out)
{
    long long  total, n, unit;
    int        digits;

    total = 0;

    if (*s == '\0') {
        return -1;
    }

    while (*s) {
        n = 0;
        digits = 0;

        while (isdigit((unsigned char) *s)) {
            n = n * 10 + (*s++ - '0');
            digits++;
            if (n > 1000000000LL) {
                return -1;
            }
        }

        if (!digits) {
            return -1;
        }

        switch (*s) {
        case 'y': unit = 365 * 24 * 3600; s++; break;
        case 'M': unit = 30 * 24 * 3600; s++; break;
        case 'w': unit = 7 * 24 * 3600; s++; break;
        case 'd': unit = 24 * 3600; s++; break;
        case 'h': unit = 3600; s++; break;
        case 'm': unit = 60; s++; break;
        case 's': unit = 1; s++; break;
        case '\0': unit = 1; break;
        default: return -1;
        }

        total += n * unit;
    }

    *out = total;

    return 0;
}


static int
sim_flag(sim_ctx_t *c, const ncf_node_t *n, int *out)
{
    if (n->nargs == 2 && strcmp(n->args[1], "on") == 0) {
        *out = 1;
        return 0;
    }

    if (n->nargs == 2 && strcmp(n->args[1], "off") == 0) {
        *out = 0;
        return 0;
    }

    return sim_fail(c, "\"%s\" in %s:%u takes \"on\" or \"off\"", n->args[0],
                    n->file, n->line);
}


static int
sim_is(const ncf_node_t *n, const char *name)
{
    return n->nargs > 0 && strcmp(n->args[0], name) == 0;
}


static int
sim_ours(const ncf_node_t *n)
{
    return n->nargs > 0 && strncmp(n->args[0], "cognito_identity", 16) == 0;
}


/* one level's directives over what the outer levels gave */

static int
sim_level(sim_ctx_t *c, const ncf_node_t *level, sim_nginx_t *o)
{
    size_t             i, j;
    int                keys, roles, logins, policies;
    char               where[512];
    const ncf_node_t  *n;

    keys = roles = logins = policies = 0;

    for (i = 0; i < level->nchildren; i++) {
        n = level->children[i];

        if (sim_is(n, "if") && n->block) {
            for (j = 0; j < n->nchildren; j++) {
                if (sim_ours(n->children[j]) && o->skipped_if == NULL) {
                    snprintf(where, sizeof(where), "%s:%u", n->file, n->line);
                    o->skipped_if = sim_strdup(where);
                }
            }
            continue;
        }

        if (!sim_ours(n) || n->block) {
            continue;
        }

        if (sim_is(n, "cognito_identity")) {
            if (n->nargs < 2) {
                goto args;
            }
            o->enabled = strcmp(n->args[1], "off") != 0;
            snprintf(where, sizeof(where), "%s:%u", n->file, n->line);
            o->enabled_at = sim_strdup(where);

        } else if (sim_is(n, "cognito_identity_pool")) {
            if (n->nargs < 2 || n->nargs - 1 > SIM_MAX_ITEMS) {
                goto args;
            }
            o->npools = 0;
            for (j = 1; j < n->nargs; j++) {
                o->pools[o->npools++] = sim_strdup(n->args[j]);
            }

        } else if (sim_is(n, "cognito_identity_key_file")
                   || sim_is(n, "cognito_identity_key_request"))
        {
            if (n->nargs != 2) {
                goto args;
            }
            if (!keys) {
                keys = 1;
                o->nkeys = 0;
                o->key_request = NULL;
            }
            if (sim_is(n, "cognito_identity_key_request")) {
                o->key_request = sim_strdup(n->args[1]);
            } else if (o->nkeys < SIM_MAX_ITEMS) {
                o->keys[o->nkeys++] = sim_full_name(c, n->args[1]);
            } else {
                goto args;
            }

        } else if (sim_is(n, "cognito_identity_issuer")) {
            if (n->nargs != 2) {
                goto args;
            }
            o->issuer = sim_strdup(n->args[1]);

        } else if (sim_is(n, "cognito_identity_leeway")) {
            if (n->nargs != 2 || sim_parse_sec(n->args[1], &o->leeway) != 0) {
                return sim_fail(c, "invalid \"cognito_identity_leeway\" in "
                                "%s:%u", n->file, n->line);
            }

        } else if (sim_is(n, "cognito_identity_unauthenticated")) {
            if (sim_flag(c, n, &o->unauthenticated) != 0) {
                return -1;
            }

        } else if (sim_is(n, "cognito_identity_cors_preflight")) {
            if (sim_flag(c, n, &o->cors_preflight) != 0) {
                return -1;
            }

        } else if (sim_is(n, "cognito_identity_roles")
                   || sim_is(n, "cognito_identity_role"))
        {
            if (!roles) {
                roles = 1;
                o->roles_set = 1;
                o->nroles = 0;
                o->role_auth = NULL;
                o->role_unauth = NULL;
            }
            if (sim_is(n, "cognito_identity_roles")) {
                if (n->nargs != 2 || o->nroles == SIM_MAX_ITEMS) {
                    goto args;
                }
                o->roles[o->nroles++] = sim_full_name(c, n->args[1]);
            } else if (n->nargs == 3
                       && strcmp(n->args[1], "authenticated") == 0)
            {
                o->role_auth = sim_strdup(n->args[2]);
            } else if (n->nargs == 3
                       && strcmp(n->args[1], "unauthenticated") == 0)
            {
                o->role_unauth = sim_strdup(n->args[2]);
            } else {
                goto args;
            }

        } else if (sim_is(n, "cognito_identity_login")) {
            if (n->nargs < 3) {
                goto args;
            }
            if (!logins) {
                logins = 1;
                o->nlogins = 0;
            }
            if (o->nlogins == SIM_MAX_ITEMS) {
                goto args;
            }
            o->logins[o->nlogins++] = sim_strdup(n->args[1]);

        } else if (sim_is(n, "cognito_identity_policy")) {
            if (n->nargs != 3) {
                goto args;
            }
            if (!policies) {
                policies = 1;
                o->npolicies = 0;
            }
            if (o->npolicies == SIM_MAX_ITEMS) {
                goto args;
            }
            o->policy_roles[o->npolicies] = sim_strdup(n->args[1]);
            o->policy_files[o->npolicies] = sim_full_name(c, n->args[2]);
            o->npolicies++;

        } else if (sim_is(n, "cognito_identity_authorize")) {
            o->mode = NULL;
            o->bucket = NULL;
            o->arn_prefix = NULL;

            if (n->nargs == 2 && strcmp(n->args[1], "off") == 0) {
                /* off */
            } else if (n->nargs >= 2 && n->nargs <= 3
                       && strcmp(n->args[1], "s3") == 0)
            {
                o->mode = sim_strdup("s3");
                if (n->nargs == 3) {
                    if (strncmp(n->args[2], "bucket=", 7) != 0) {
                        goto args;
                    }
                    o->bucket = sim_strdup(n->args[2] + 7);
                }
            } else if (n->nargs == 3
                       && strcmp(n->args[1], "execute-api") == 0)
            {
                o->mode = sim_strdup("execute-api");
                o->arn_prefix = sim_strdup(n->args[2]);
            } else {
                goto args;
            }

        } else if (sim_is(n, "cognito_identity_allow_prefix")) {
            if (n->nargs < 2 || n->nargs - 1 > SIM_MAX_ITEMS) {
                goto args;
            }
            o->nprefixes = 0;
            for (j = 1; j < n->nargs; j++) {
                o->prefixes[o->nprefixes++] = sim_strdup(n->args[j]);
            }
        }

        /* the others do not change a decision */
    }

    return 0;

args:

    return sim_fail(c, "invalid parameters of \"%s\" in %s:%u", n->args[0],
                    n->file, n->line);
}


/* "name:port", "name", ":port"; the port only when it is all digits */

static void
sim_split_server(const char *server, char **name, long *port)
{
    const char  *colon, *p;

    *port = -1;
    colon = strrchr(server, ':');

    if (colon != NULL && colon[1] != '\0') {
        for (p = colon + 1; isdigit((unsigned char) *p); p++) { /* void */ }

        if (*p == '\0') {
            *port = strtol(colon + 1, NULL, 10);
            *name = strndup(server, colon - server);

            if (*name == NULL) {
                fprintf(stderr, "out of memory\n");
                exit(2);
            }

            return;
        }
    }

    *name = strdup(server);

    if (*name == NULL) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
}


static long
sim_listen_port(const char *addr)
{
    const char  *colon, *p;

    if (strncmp(addr, "unix:", 5) == 0) {
        return -1;
    }

    colon = strrchr(addr, ':');
    p = colon ? colon + 1 : addr;

    if (colon != NULL && strchr(addr, ']') > colon) {
        return 80;                    /* "[::1]" without a port */
    }

    if (*p == '\0' || strspn(p, "0123456789") != strlen(p)) {
        return colon ? -1 : 80;       /* "localhost": port 80 */
    }

    return strtol(p, NULL, 10);
}


/* 1: the server listens on port (-1: any); *dflt: as default_server */

static int
sim_server_port(const ncf_node_t *srv, long port, int *dflt)
{
    size_t             i, j;
    int                listens, match;
    const ncf_node_t  *n;

    listens = 0;
    match = 0;
    *dflt = 0;

    for (i = 0; i < srv->nchildren; i++) {
        n = srv->children[i];

        if (!sim_is(n, "listen") || n->nargs < 2) {
            continue;
        }

        listens = 1;

        if (port < 0 || sim_listen_port(n->args[1]) == port) {
            match = 1;

            for (j = 2; j < n->nargs; j++) {
                if (strcmp(n->args[j], "default_server") == 0
                    || strcmp(n->args[j], "default") == 0)
                {
                    *dflt = 1;
                }
            }
        }
    }

    if (!listens) {
        return port < 0 || port == 80;
    }

    return match;
}


static int
sim_server_name(const ncf_node_t *srv, const char *name)
{
    size_t             i, j, nl, l;
    const char        *s;
    const ncf_node_t  *n;

    for (i = 0; i < srv->nchildren; i++) {
        n = srv->children[i];

        if (!sim_is(n, "server_name")) {
            continue;
        }

        for (j = 1; j < n->nargs; j++) {
            s = n->args[j];

            if (strcasecmp(s, name) == 0) {
                return 1;
            }

            /* "*.example.com" and ".example.com" */

            nl = strlen(name);

            if (s[0] == '*' && s[1] == '.') {
                l = strlen(s + 1);
                if (nl > l && strcasecmp(name + nl - l, s + 1) == 0) {
                    return 1;
                }
            } else if (s[0] == '.') {
                l = strlen(s);
                if (strcasecmp(name, s + 1) == 0
                    || (nl > l && strcasecmp(name + nl - l, s) == 0))
                {
                    return 1;
                }
            }
        }
    }

    return 0;
}


static const ncf_node_t *
sim_find_server(sim_ctx_t *c, const ncf_node_t *http, const char *server)
{
    char              *name;
    long               port;
    size_t             i, nservers, nmatch, nport;
    int                dflt;
    const ncf_node_t  *n, *found, *first_port, *dflt_port;

    nservers = 0;
    nmatch = 0;
    nport = 0;
    found = NULL;
    first_port = NULL;
    dflt_port = NULL;

    if (server == NULL) {
        for (i = 0; i < http->nchildren; i++) {
            if (sim_is(http->children[i], "server")
                && http->children[i]->block)
            {
                found = http->children[i];
                nservers++;
            }
        }

        if (nservers != 1) {
            sim_fail(c, "%zu servers in the configuration: name one with "
                     "--server NAME[:PORT]", nservers);
            return NULL;
        }

        return found;
    }

    sim_split_server(server, &name, &port);

    for (i = 0; i < http->nchildren; i++) {
        n = http->children[i];

        if (!sim_is(n, "server") || !n->block) {
            continue;
        }

        if (!sim_server_port(n, port, &dflt)) {
            continue;
        }

        nport++;

        if (first_port == NULL) {
            first_port = n;
        }

        if (dflt && dflt_port == NULL) {
            dflt_port = n;
        }

        if (name[0] != '\0' && sim_server_name(n, name)) {
            found = n;
            nmatch++;
        }
    }

    if (nmatch > 1) {
        sim_fail(c, "%zu servers match \"%s\"", nmatch, server);
        free(name);
        return NULL;
    }

    if (nmatch == 0) {
        if (port < 0 || nport == 0) {
            sim_fail(c, "no server matches \"%s\"%s", server,
                     port < 0 ? " (add :PORT to take a port's default server)"
                              : "");
            free(name);
            return NULL;
        }

        /* as nginx: the port's default server */

        found = dflt_port ? dflt_port : first_port;
    }

    free(name);

    return found;
}


static const ncf_node_t *
sim_find_location(sim_ctx_t *c, const ncf_node_t *parent, const char *name,
    char *where, size_t wlen)
{
    char              *joined;
    size_t             i, len;
    const ncf_node_t  *n, *found;

    found = NULL;

    for (i = 0; i < parent->nchildren; i++) {
        n = parent->children[i];

        if (!sim_is(n, "location") || !n->block) {
            continue;
        }

        joined = ncf_args_joined(n);

        if (strcmp(joined, name) == 0) {
            if (found != NULL) {
                free(joined);
                sim_fail(c, "location \"%s\" is defined twice", name);
                return NULL;
            }
            found = n;
        }

        free(joined);
    }

    if (found == NULL) {
        len = 0;
        c->err[0] = '\0';
        len = snprintf(c->err, c->errlen, "no \"location %s\" in %s; there "
                       "are:", name, where);

        for (i = 0; i < parent->nchildren && len < c->errlen; i++) {
            n = parent->children[i];

            if (sim_is(n, "location") && n->block) {
                joined = ncf_args_joined(n);
                len += snprintf(c->err + len, c->errlen - len, " \"%s\"",
                                joined);
                free(joined);
            }
        }

        return NULL;
    }

    len = strlen(where);
    snprintf(where + len, wlen - len, ", location %s (%s:%u)", name,
             found->file, found->line);

    return found;
}


/* limit_except METHOD ... { }: applies to the methods it does not list */

static const ncf_node_t *
sim_limit_except(const ncf_node_t *loc, const char *method)
{
    size_t             i, j;
    const ncf_node_t  *n;

    for (i = 0; i < loc->nchildren; i++) {
        n = loc->children[i];

        if (!sim_is(n, "limit_except") || !n->block) {
            continue;
        }

        for (j = 1; j < n->nargs; j++) {
            if (strcasecmp(n->args[j], method) == 0
                || (strcasecmp(n->args[j], "GET") == 0
                    && strcasecmp(method, "HEAD") == 0))
            {
                return NULL;
            }
        }

        return n;
    }

    return NULL;
}


/*
 * nginx's $uri from the request target, as ngx_http_parse_complex_uri()
 * makes it: percent-decoded (a decoded '/' or '.' counts as one, a decoded
 * '%', '#' or '?' does not), "." and ".." segments resolved, slashes
 * merged (merge_slashes), up to '?' or '#'.  target is a string of len
 * bytes; u has room for len + 1.
 * Returns the length of $uri, or -1 where nginx answers 400.
 */

static const uint32_t  sim_usual[] = {
    0x00000000, 0x7fff37d6, 0xffffffff, 0x7fffffff,
    0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff
};

static ssize_t
sim_uri_parse(const char *target, size_t len, int merge_slashes, char *u0)
{
    unsigned char        ch, c, decoded, *u;
    const unsigned char  *p, *end;
    enum {
        sw_usual = 0,
        sw_slash,
        sw_dot,
        sw_dot_dot,
        sw_quoted,
        sw_quoted_second
    } state, quoted_state;

    if (len == 0 || target[0] != '/') {
        return -1;
    }

    end = (const unsigned char *) target + len;

    /* bytes the request line cannot carry */

    for (p = (const unsigned char *) target; p < end; p++) {
        if (*p <= 0x20 || *p == 0x7f) {
            return -1;
        }
    }

    p = (const unsigned char *) target;
    u = (unsigned char *) u0;
    state = sw_usual;
    quoted_state = sw_usual;
    decoded = 0;

    /* target is a string: its NUL is the byte nginx reads after it */

    ch = *p++;

    while (p <= end) {

        switch (state) {

        case sw_usual:
            if (sim_usual[ch >> 5] & (1U << (ch & 0x1f))) {
                *u++ = ch;
                ch = *p++;
                break;
            }

            switch (ch) {
            case '/':
                state = sw_slash;
                *u++ = ch;
                break;
            case '%':
                quoted_state = state;
                state = sw_quoted;
                break;
            case '?':
            case '#':
                goto done;
            default:
                *u++ = ch;
                break;
            }

            ch = *p++;
            break;

        case sw_slash:
            if (sim_usual[ch >> 5] & (1U << (ch & 0x1f))) {
                state = sw_usual;
                *u++ = ch;
                ch = *p++;
                break;
            }

            switch (ch) {
            case '/':
                if (!merge_slashes) {
                    *u++ = ch;
                }
                break;
            case '.':
                state = sw_dot;
                *u++ = ch;
                break;
            case '%':
                quoted_state = state;
                state = sw_quoted;
                break;
            case '?':
            case '#':
                goto done;
            default:
                state = sw_usual;
                *u++ = ch;
                break;
            }

            ch = *p++;
            break;

        case sw_dot:
            if (sim_usual[ch >> 5] & (1U << (ch & 0x1f))) {
                state = sw_usual;
                *u++ = ch;
                ch = *p++;
                break;
            }

            switch (ch) {
            case '/':
                state = sw_slash;
                u--;
                break;
            case '.':
                state = sw_dot_dot;
                *u++ = ch;
                break;
            case '%':
                quoted_state = state;
                state = sw_quoted;
                break;
            case '?':
            case '#':
                u--;
                goto done;
            default:
                state = sw_usual;
                *u++ = ch;
                break;
            }

            ch = *p++;
            break;

        case sw_dot_dot:
            if (sim_usual[ch >> 5] & (1U << (ch & 0x1f))) {
                state = sw_usual;
                *u++ = ch;
                ch = *p++;
                break;
            }

            switch (ch) {
            case '/':
            case '?':
            case '#':
                if (u - (unsigned char *) u0 < 4) {
                    return -1;
                }
                u -= 4;
                for ( ;; ) {
                    if (u < (unsigned char *) u0) {
                        return -1;
                    }
                    if (*u == '/') {
                        u++;
                        break;
                    }
                    u--;
                }
                if (ch != '/') {
                    goto done;
                }
                state = sw_slash;
                break;
            case '%':
                quoted_state = state;
                state = sw_quoted;
                break;
            default:
                state = sw_usual;
                *u++ = ch;
                break;
            }

            ch = *p++;
            break;

        case sw_quoted:
            if (ch >= '0' && ch <= '9') {
                decoded = (unsigned char) (ch - '0');
                state = sw_quoted_second;
                ch = *p++;
                break;
            }

            c = (unsigned char) (ch | 0x20);
            if (c >= 'a' && c <= 'f') {
                decoded = (unsigned char) (c - 'a' + 10);
                state = sw_quoted_second;
                ch = *p++;
                break;
            }

            return -1;

        case sw_quoted_second:
            if (ch >= '0' && ch <= '9') {
                ch = (unsigned char) ((decoded << 4) + (ch - '0'));

                if (ch == '%' || ch == '#') {
                    state = sw_usual;
                    *u++ = ch;
                    ch = *p++;
                    break;

                } else if (ch == '\0') {
                    return -1;
                }

                state = quoted_state;
                break;
            }

            c = (unsigned char) (ch | 0x20);
            if (c >= 'a' && c <= 'f') {
                ch = (unsigned char) ((decoded << 4) + (c - 'a') + 10);

                if (ch == '?') {
                    state = sw_usual;
                    *u++ = ch;
                    ch = *p++;
                    break;
                }

                state = quoted_state;
                break;
            }

            return -1;
        }
    }

    if (state == sw_quoted || state == sw_quoted_second) {
        return -1;
    }

    if (state == sw_dot) {
        u--;

    } else if (state == sw_dot_dot) {
        if (u - (unsigned char *) u0 < 4) {
            return -1;
        }

        u -= 4;

        for ( ;; ) {
            if (u < (unsigned char *) u0) {
                return -1;
            }

            if (*u == '/') {
                u++;
                break;
            }

            u--;
        }
    }

done:

    *u = '\0';

    return u - (unsigned char *) u0;
}


/* a location's kind and name, as ngx_http_core_location() reads them */

typedef enum {
    SIM_LOC_PREFIX = 0,
    SIM_LOC_NOREGEX,                    /* ^~ */
    SIM_LOC_EXACT,                      /* = */
    SIM_LOC_REGEX,                      /* ~ */
    SIM_LOC_REGEX_CASELESS,             /* ~* */
    SIM_LOC_NAMED                       /* @name */
} sim_loc_kind_t;


static int
sim_loc_kind(sim_ctx_t *c, const ncf_node_t *n, const char **name)
{
    const char  *m, *s;

    if (n->nargs == 3) {
        m = n->args[1];
        *name = n->args[2];

        if (strcmp(m, "=") == 0) {
            return SIM_LOC_EXACT;
        }

        if (strcmp(m, "^~") == 0) {
            return SIM_LOC_NOREGEX;
        }

        if (strcmp(m, "~") == 0) {
            return SIM_LOC_REGEX;
        }

        if (strcmp(m, "~*") == 0) {
            return SIM_LOC_REGEX_CASELESS;
        }

    } else if (n->nargs == 2) {
        s = n->args[1];

        switch (s[0]) {
        case '=':
            *name = s + 1;
            return SIM_LOC_EXACT;

        case '^':
            if (s[1] == '~') {
                *name = s + 2;
                return SIM_LOC_NOREGEX;
            }
            break;

        case '~':
            if (s[1] == '*') {
                *name = s + 2;
                return SIM_LOC_REGEX_CASELESS;
            }
            *name = s + 1;
            return SIM_LOC_REGEX;

        case '@':
            *name = s;
            return SIM_LOC_NAMED;
        }

        *name = s;
        return SIM_LOC_PREFIX;
    }

    return sim_fail(c, "invalid \"location\" in %s:%u", n->file, n->line);
}


/*
 * 1: the regular expression of a location matches uri, as nginx matches
 * it (PCRE2, caseless for ~*, no other option); 0: it does not; -1: error.
 */

static int
sim_loc_regex(sim_ctx_t *c, const ncf_node_t *n, const char *re,
    int caseless, const char *uri, size_t len)
{
    int                  rc, code;
    PCRE2_SIZE           off;
    pcre2_code          *compiled;
    pcre2_match_data    *md;
    PCRE2_UCHAR          msg[256];

    compiled = pcre2_compile((PCRE2_SPTR) re, PCRE2_ZERO_TERMINATED,
                             caseless ? PCRE2_CASELESS : 0, &code, &off,
                             NULL);
    if (compiled == NULL) {
        pcre2_get_error_message(code, msg, sizeof(msg));
        return sim_fail(c, "the regular expression of \"location\" in %s:%u: "
                        "%s at offset %zu", n->file, n->line, (char *) msg,
                        (size_t) off);
    }

    md = pcre2_match_data_create_from_pattern(compiled, NULL);
    if (md == NULL) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }

    rc = pcre2_match(compiled, (PCRE2_SPTR) uri, len, 0, 0, md, NULL);

    pcre2_match_data_free(md);
    pcre2_code_free(compiled);

    if (rc >= 0) {
        return 1;
    }

    if (rc == PCRE2_ERROR_NOMATCH) {
        return 0;
    }

    pcre2_get_error_message(rc, msg, sizeof(msg));

    return sim_fail(c, "the regular expression of \"location\" in %s:%u "
                    "failed on \"%s\": %s", n->file, n->line, uri,
                    (char *) msg);
}


/* a location whose handler makes nginx redirect "/x" to "/x/" */

static int
sim_loc_auto_redirect(const ncf_node_t *n, const char *name)
{
    size_t  i, j, len;

    static const char  *pass[] = {
        "proxy_pass", "fastcgi_pass", "uwsgi_pass", "scgi_pass",
        "grpc_pass", "memcached_pass", NULL
    };

    len = strlen(name);

    if (len == 0 || name[len - 1] != '/') {
        return 0;
    }

    for (i = 0; i < n->nchildren; i++) {
        for (j = 0; pass[j] != NULL; j++) {
            if (sim_is(n->children[i], pass[j])) {
                return 1;
            }
        }
    }

    return 0;
}


/*
 * The location nginx chooses for uri among the locations in parent and
 * theirs (ngx_http_core_find_location, ngx_http_core_find_static_location):
 * an exact match; else a "/x/" location that redirects "/x"; else the
 * longest prefix, then the regular expressions nested in it, and unless it
 * has ^~, those of parent in configuration order; else the longest prefix.
 * chain[0 .. *n - 1] is the location chosen (r->loc_conf).
 */

enum {
    SIM_FIND_DECLINED = 0,              /* nothing here */
    SIM_FIND_AGAIN,                     /* a prefix */
    SIM_FIND_OK,                        /* exact, or a regular expression */
    SIM_FIND_DONE                       /* the redirect */
};


static int
sim_find_uri_location(sim_ctx_t *c, const ncf_node_t *parent,
    const char *uri, size_t len, const ncf_node_t **chain, size_t depth,
    size_t *n)
{
    int                rc, kind, noregex, match;
    size_t             i, nlen, best_len;
    const char        *name;
    const ncf_node_t  *l, *exact, *redirect, *best;

    if (depth == SIM_MAX_LEVELS) {
        return sim_fail(c, "locations nested too deeply");
    }

    exact = NULL;
    redirect = NULL;
    best = NULL;
    best_len = 0;
    noregex = 0;

    for (i = 0; i < parent->nchildren; i++) {
        l = parent->children[i];

        if (!sim_is(l, "location") || !l->block) {
            continue;
        }

        kind = sim_loc_kind(c, l, &name);

        if (kind < 0) {
            return -1;
        }

        if (kind != SIM_LOC_PREFIX && kind != SIM_LOC_NOREGEX
            && kind != SIM_LOC_EXACT)
        {
            continue;
        }

        nlen = strlen(name);

        /* bytes compared as they are (no caseless file system here) */

        if (nlen == len + 1 && memcmp(name, uri, len) == 0
            && sim_loc_auto_redirect(l, name))
        {
            redirect = l;
        }

        if (nlen > len || memcmp(name, uri, nlen) != 0) {
            continue;
        }

        if (kind == SIM_LOC_EXACT) {
            if (nlen == len) {
                exact = l;
            }
            continue;
        }

        if (best == NULL || nlen > best_len) {
            best = l;
            best_len = nlen;
            noregex = (kind == SIM_LOC_NOREGEX);
        }
    }

    if (exact != NULL) {
        chain[depth] = exact;
        *n = depth + 1;
        return SIM_FIND_OK;
    }

    if (redirect != NULL) {
        chain[depth] = redirect;
        *n = depth + 1;
        return SIM_FIND_DONE;
    }

    rc = SIM_FIND_DECLINED;

    if (best != NULL) {
        chain[depth] = best;
        *n = depth + 1;

        rc = sim_find_uri_location(c, best, uri, len, chain, depth + 1, n);

        if (rc < 0 || rc == SIM_FIND_OK || rc == SIM_FIND_DONE) {
            return rc;
        }

        rc = SIM_FIND_AGAIN;
    }

    if (noregex) {
        return rc;
    }

    for (i = 0; i < parent->nchildren; i++) {
        l = parent->children[i];

        if (!sim_is(l, "location") || !l->block) {
            continue;
        }

        kind = sim_loc_kind(c, l, &name);

        if (kind != SIM_LOC_REGEX && kind != SIM_LOC_REGEX_CASELESS) {
            continue;
        }

        match = sim_loc_regex(c, l, name, kind == SIM_LOC_REGEX_CASELESS,
                              uri, len);
        if (match < 0) {
            return -1;
        }

        if (match) {
            chain[depth] = l;
            *n = depth + 1;

            rc = sim_find_uri_location(c, l, uri, len, chain, depth + 1, n);

            return rc < 0 ? rc : SIM_FIND_OK;
        }
    }

    return rc;
}


/*
 * The server whose configuration reads the request line: the default server
 * of the port srv listens on first (nginx has not seen Host yet); addresses
 * are not told apart.
 */

static const ncf_node_t *
sim_default_server(const ncf_node_t *http, const ncf_node_t *srv)
{
    long               port;
    size_t             i;
    int                dflt;
    const ncf_node_t  *n, *first;

    port = 80;

    for (i = 0; i < srv->nchildren; i++) {
        n = srv->children[i];

        if (sim_is(n, "listen") && n->nargs >= 2) {
            port = sim_listen_port(n->args[1]);
            break;
        }
    }

    if (port < 0) {
        return srv;
    }

    first = NULL;

    for (i = 0; i < http->nchildren; i++) {
        n = http->children[i];

        if (!sim_is(n, "server") || !n->block
            || !sim_server_port(n, port, &dflt))
        {
            continue;
        }

        if (dflt) {
            return n;
        }

        if (first == NULL) {
            first = n;
        }
    }

    return first ? first : srv;
}


/* merge_slashes of the server that reads the request line for srv's */

static int
sim_merge_slashes(sim_ctx_t *c, const ncf_node_t *http,
    const ncf_node_t *srv, int *merge)
{
    size_t             i;
    const ncf_node_t  *level, *line, *d;

    *merge = 1;
    line = sim_default_server(http, srv);

    for (level = http; level != NULL; level = (level == http) ? line : NULL) {
        for (i = 0; i < level->nchildren; i++) {
            d = level->children[i];

            if (sim_is(d, "merge_slashes") && sim_flag(c, d, merge) != 0) {
                return -1;
            }
        }
    }

    return 0;
}


/* the location for the request target, chosen as nginx chooses it */

static int
sim_choose_location(sim_ctx_t *c, const ncf_node_t *http,
    const ncf_node_t *srv, const char *target, const ncf_node_t **chain,
    size_t *n, sim_nginx_t *out)
{
    int                rc, merge, kind;
    char              *u, *q;
    size_t             len, args;
    ssize_t            ulen;
    const char        *name;

    if (sim_merge_slashes(c, http, srv, &merge) != 0) {
        return -1;
    }

    *n = 0;
    len = strlen(target);
    u = sim_keep(malloc(len + 1));

    ulen = sim_uri_parse(target, len, merge, u);

    if (ulen < 0) {
        out->location_how = "none";
        out->refused = sim_strdup("nginx refuses the request target as "
                                  "malformed");
        return 0;
    }

    out->uri = u;

    rc = sim_find_uri_location(c, srv, u, (size_t) ulen, chain, 0, n);
    if (rc < 0) {
        return -1;
    }

    if (*n == 0) {
        out->location_how = "none";
        return 0;
    }

    kind = sim_loc_kind(c, chain[*n - 1], &name);

    if (rc == SIM_FIND_DONE) {
        out->location_how = "redirect";

        /* the location's name, and the arguments, if any (to a '#') */

        q = strchr(target, '?');
        args = q ? strcspn(q + 1, "#") : 0;
        len = strlen(name) + args + 2;
        out->redirect = sim_keep(malloc(len));
        snprintf(out->redirect, len, "%s%s%.*s", name, args ? "?" : "",
                 (int) args, q ? q + 1 : "");

        return 0;
    }

    out->location_how = (kind == SIM_LOC_EXACT) ? "exact"
                        : (kind == SIM_LOC_NOREGEX) ? "prefix ^~"
                        : (kind == SIM_LOC_PREFIX) ? "prefix" : "regex";

    return 0;
}


/* out->nginx_takes: where nginx takes the URI, if not to the given one */

static int
sim_given_location(sim_ctx_t *c, const ncf_node_t *http,
    const ncf_node_t *srv, const char *uri, const ncf_node_t **given,
    size_t ngiven, sim_nginx_t *out)
{
    char              *joined, buf[1024];
    size_t             i, n, len;
    sim_nginx_t        took;
    const ncf_node_t  *chain[SIM_MAX_LEVELS];

    memset(&took, 0, sizeof(took));

    if (sim_choose_location(c, http, srv, uri, chain, &n, &took) != 0) {
        return -1;
    }

    if (took.refused != NULL) {
        out->nginx_takes = sim_strdup("a 400 (it refuses the target)");
        return 0;
    }

    out->uri = took.uri;

    if (took.redirect == NULL && n == ngiven) {
        for (i = 0; i < n && chain[i] == given[i]; i++) { /* void */ }

        if (i == n) {
            return 0;
        }
    }

    if (took.redirect != NULL) {
        snprintf(buf, sizeof(buf), "a redirect to %s", took.redirect);
        out->nginx_takes = sim_strdup(buf);
        return 0;
    }

    len = snprintf(buf, sizeof(buf), "%s", n ? "location " : "no location "
                   "(the server's own configuration)");

    for (i = 0; i < n && len < sizeof(buf); i++) {
        joined = ncf_args_joined(chain[i]);
        len += snprintf(buf + len, sizeof(buf) - len, "%s\"%s\"",
                        i ? " > " : "", joined);
        free(joined);
    }

    out->nginx_takes = sim_strdup(buf);

    return 0;
}


int
sim_nginx_load(const char *path, const char *server,
    char *const *locations, size_t nlocations, const char *method,
    const char *uri, sim_nginx_t *out, char *err, size_t errlen)
{
    int                rc;
    char              *text, *prefix, *joined, where[2048];
    size_t             i, len, cap, n, nchain;
    FILE              *f;
    sim_ctx_t          c;
    ncf_node_t        *root;
    const ncf_node_t  *http, *srv, *level, *levels[SIM_MAX_LEVELS + 3];
    const ncf_node_t  *chain[SIM_MAX_LEVELS];

    memset(out, 0, sizeof(*out));
    out->leeway = 10;
    out->merge_slashes = 1;

    c.err = err;
    c.errlen = errlen;

    if (nlocations > SIM_MAX_LEVELS) {
        return sim_fail(&c, "locations nested too deeply");
    }

    /* the text, bounded */

    f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (f == NULL) {
        return sim_fail(&c, "%s: %s", path, strerror(errno));
    }

    cap = 65536;
    len = 0;
    text = malloc(cap);

    while (text != NULL) {
        n = fread(text + len, 1, cap - len, f);
        len += n;

        if (len < cap) {
            break;
        }

        if (cap >= 64 * 1024 * 1024) {
            free(text);
            if (f != stdin) {
                fclose(f);
            }
            return sim_fail(&c, "%s: larger than 64 MiB", path);
        }

        cap *= 2;
        text = realloc(text, cap);
    }

    if (text == NULL) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }

    rc = ferror(f);

    if (f != stdin) {
        fclose(f);
    }

    if (rc) {
        free(text);
        return sim_fail(&c, "%s: read error", path);
    }

    root = ncf_parse(text, len, strcmp(path, "-") == 0 ? "(stdin)" : path,
                     &prefix, err, errlen);
    if (root == NULL) {
        free(text);
        return -1;
    }

    c.prefix = prefix;
    rc = -1;

    http = NULL;

    for (i = 0; i < root->nchildren; i++) {
        if (sim_is(root->children[i], "http") && root->children[i]->block) {
            if (http != NULL) {
                sim_fail(&c, "two \"http\" blocks");
                goto done;
            }
            http = root->children[i];
        }
    }

    if (http == NULL) {
        sim_fail(&c, "no \"http\" block: not an nginx configuration");
        goto done;
    }

    srv = sim_find_server(&c, http, server);
    if (srv == NULL) {
        goto done;
    }

    snprintf(where, sizeof(where), "server (%s:%u)", srv->file, srv->line);

    n = 0;
    levels[n++] = http;
    levels[n++] = srv;
    level = srv;

    for (i = 0; i < nlocations; i++) {
        level = sim_find_location(&c, level, locations[i], where,
                                  sizeof(where));
        if (level == NULL) {
            goto done;
        }
        levels[n++] = level;
        out->locations[out->nlocations++] = sim_strdup(locations[i]);
        out->location_how = "given";
    }

    if (nlocations == 0 && uri != NULL) {
        if (sim_choose_location(&c, http, srv, uri, chain, &nchain, out)
            != 0)
        {
            goto done;
        }

        for (i = 0; i < nchain; i++) {
            level = chain[i];
            levels[n++] = level;

            joined = ncf_args_joined(level);
            out->locations[out->nlocations++] = sim_strdup(joined);
            free(joined);

            len = strlen(where);
            snprintf(where + len, sizeof(where) - len, ", location %s "
                     "(%s:%u)", out->locations[i], level->file, level->line);
        }
    }

    if (nlocations > 0 && uri != NULL
        && sim_given_location(&c, http, srv, uri, levels + 2, nlocations, out)
           != 0)
    {
        goto done;
    }

    if (level != srv) {
        level = sim_limit_except(level, method);
        if (level != NULL) {
            levels[n++] = level;
            len = strlen(where);
            snprintf(where + len, sizeof(where) - len, ", limit_except (%s:%u)",
                     level->file, level->line);
        }
    }

    for (i = 0; i < n; i++) {
        if (sim_level(&c, levels[i], out) != 0) {
            goto done;
        }
    }

    /* $uri was made before nginx knew the server: by the default one */

    if (sim_merge_slashes(&c, http, srv, &out->merge_slashes) != 0) {
        goto done;
    }

    out->where = sim_strdup(where);
    rc = 0;

done:

    ncf_free(root);
    free(prefix);
    free(text);

    return rc;
}
