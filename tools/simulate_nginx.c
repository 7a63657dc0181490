/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The effective cognito_identity_* configuration of one location, from an
 * nginx configuration as `nginx -T` prints it.  Levels are http, server,
 * the named locations from the outermost in, and a limit_except that does
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

#include "nginx_conf.h"
#include "simulate_nginx.h"


#define SIM_MAX_LEVELS  16


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

        if (sim_is(n, "merge_slashes")) {
            if (sim_flag(c, n, &o->merge_slashes) != 0) {
                return -1;
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


int
sim_nginx_load(const char *path, const char *server,
    char *const *locations, size_t nlocations, const char *method,
    sim_nginx_t *out, char *err, size_t errlen)
{
    int                rc;
    char              *text, *prefix, where[2048];
    size_t             i, len, cap, n;
    FILE              *f;
    sim_ctx_t          c;
    ncf_node_t        *root;
    const ncf_node_t  *http, *srv, *level, *levels[SIM_MAX_LEVELS + 3];

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
    }

    if (nlocations > 0) {
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

    out->where = sim_strdup(where);
    rc = 0;

done:

    ncf_free(root);
    free(prefix);
    free(text);

    return rc;
}
