/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The cognito_identity_* configuration in effect for one location of an
 * nginx configuration (as `nginx -T` prints it), with the module's own
 * inheritance rules (see the merge functions of
 * ngx_http_cognito_identity_module.c).
 */

#ifndef SIMULATE_NGINX_H
#define SIMULATE_NGINX_H

#include <stddef.h>

#define SIM_MAX_ITEMS   64
#define SIM_MAX_LEVELS  16              /* nested locations */


typedef struct {
    char         *where;            /* "server ... location ..." */

    /*
     * The location, as nginx chooses it for the URI when none was given
     * (sim_nginx_load): the chain from the outermost in, each as written
     * after "location" (what --location takes); how it was chosen: "given",
     * "exact", "prefix", "prefix ^~", "regex", "none" (the server's own
     * configuration); nginx's $uri it was chosen by.  Or nginx answers the
     * request itself: a 301 to redirect (a *_pass location "URI/"), or a
     * 400 (refused says why).  With --location, nginx_takes says where
     * nginx takes the URI instead, if elsewhere.
     */
    char         *locations[SIM_MAX_LEVELS];
    size_t        nlocations;
    const char   *location_how;
    char         *uri;
    char         *redirect;
    char         *refused;
    char         *nginx_takes;      /* given, but nginx takes this one */

    int           enabled;          /* cognito_identity on here */
    char         *enabled_at;       /* file:line */

    char         *pools[SIM_MAX_ITEMS];
    size_t        npools;
    char         *keys[SIM_MAX_ITEMS];      /* key files, full paths */
    size_t        nkeys;
    char         *key_request;      /* keys come from this URI */
    char         *issuer;
    long long     leeway;
    int           unauthenticated;
    int           cors_preflight;

    int           roles_set;
    char         *roles[SIM_MAX_ITEMS];
    size_t        nroles;
    char         *role_auth;
    char         *role_unauth;
    char         *logins[SIM_MAX_ITEMS];    /* providers */
    size_t        nlogins;

    char         *policy_roles[SIM_MAX_ITEMS];
    char         *policy_files[SIM_MAX_ITEMS];
    size_t        npolicies;
    char         *mode;             /* "s3", "execute-api", NULL: off */
    char         *bucket;
    char         *arn_prefix;
    char         *prefixes[SIM_MAX_ITEMS];
    size_t        nprefixes;

    int           merge_slashes;    /* the default server's (request line) */
    char         *skipped_if;       /* an "if" with our directives, ignored */
} sim_nginx_t;


/*
 * Reads the configuration at path ("-": standard input), finds the server
 * (name[:port], NULL: the only one) and the location (nested ones in
 * order, outermost first; none: the one nginx chooses for the request
 * target uri), and fills out.  Returns 0, or -1 with the reason in err.
 */
int sim_nginx_load(const char *path, const char *server,
    char *const *locations, size_t nlocations, const char *method,
    const char *uri, sim_nginx_t *out, char *err, size_t errlen);


#endif /* SIMULATE_NGINX_H */
