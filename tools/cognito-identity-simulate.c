/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cognito-identity-simulate: why would the gateway allow or deny this
 * request?  In the spirit of `aws iam simulate-custom-policy`, built from
 * the same core as the servers, so its answers are theirs by construction:
 * the identity (from a token verified against keys, or from claims), the
 * role the pool's attachment chooses and why, every statement considered
 * with its resources as substituted, and the decision.
 *
 * With --nginx-config, the roles, policies, keys, pools and how requests
 * are authorized come from a location of an nginx configuration as
 * `nginx -T` prints it (simulate_nginx.c): the one given, or the one nginx
 * takes for the URI, which the report names; and the steps the module takes
 * before the policies (the guest check, allow_prefix, the path nginx
 * normalises) are simulated too.
 *
 * Exit status: 0 allow, 1 deny, 2 bad input.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cig.h"
#include "simulate_nginx.h"


#define MAX_ITEMS  64


typedef struct {
    const char   *role;
    const char   *file;
} policy_arg_t;


static struct {
    const char    *roles[MAX_ITEMS];
    size_t         nroles;
    const char    *role_auth;
    const char    *role_unauth;
    policy_arg_t   policies[MAX_ITEMS];
    size_t         npolicies;
    const char    *claims;
    const char    *token;
    const char    *keys[MAX_ITEMS];
    size_t         nkeys;
    const char    *issuer;
    const char    *pools[MAX_ITEMS];
    size_t         npools;
    const char    *mode;
    const char    *bucket;
    const char    *arn_prefix;
    const char    *method;
    const char    *uri;
    const char    *body;
    const char    *headers[MAX_ITEMS];
    size_t         nheaders;
    const char    *source_ip;
    const char    *requested_role;
    int            secure;
    const char    *tls_version;
    long long      now;
    int            json;

    /* --nginx-config: from a location of a server's configuration */
    const char    *nginx_config;
    const char    *server;
    char          *locations[MAX_ITEMS];
    size_t         nlocations;
    int            direct;          /* a direct-mode option was given */
    sim_nginx_t    conf;
} opt;

static int  first_trace;


static void
usage(void)
{
    fprintf(stderr,
        "usage: cognito-identity-simulate [options]\n"
        "  identity:  --claims JSON | --claims-file FILE\n"
        "             | --token TOKEN --keys JWKS --pool POOL-ID...\n"
        "               [--issuer URL]\n"
        "  roles:     --roles FILE (get-identity-pool-roles JSON)...\n"
        "             --role authenticated|unauthenticated ARN\n"
        "             --requested-role ARN (like CustomRoleArn)\n"
        "  policies:  --policy ROLE-ARN FILE...\n"
        "  request:   --mode s3 [--bucket NAME] | --mode execute-api\n"
        "               --arn-prefix ARN\n"
        "             --method GET --uri '/path?query' [--header 'N: V']...\n"
        "             [--body TEXT] (POST /bucket?delete: its XML)\n"
        "             [--source-ip IP] [--secure] [--now EPOCH]\n"
        "             [--tls-version TLSv1.3] (as OpenSSL names it; --secure)\n"
        "  or, all of the above but the identity and the request from a\n"
        "  location of a configuration as `nginx -T` prints it:\n"
        "             --nginx-config FILE|- [--server NAME[:PORT]]\n"
        "               [--location LOCATION]... (nested: outermost first;\n"
        "               as written after \"location\": '/files/', '= /x';\n"
        "               default: the one nginx takes for --uri)\n"
        "               [--keys JWKS] (for keys of cognito_identity_key_request)\n"
        "  output:    [--json]\n"
        "exit status: 0 allow, 1 deny, 2 bad input\n");
}


static void
die(const char *fmt, ...)
{
    va_list  args;

    fprintf(stderr, "cognito-identity-simulate: ");
    va_start(args, fmt);
    vfprintf(stderr, fmt, args);
    va_end(args);
    fputc('\n', stderr);

    exit(2);
}


static char *
slurp(const char *path)
{
    cig_err_t   err;
    size_t      len;
    char       *text;

    text = cig_file_read(path, &len, &err);
    if (text == NULL) {
        die("%s", err.msg);
    }

    return text;
}


static void
json_str(const char *s, size_t len)
{
    char   buf[2048];
    size_t n;

    n = cig_json_quote(s, len, buf, sizeof(buf));
    fwrite(n ? buf : "\"\"", 1, n ? n : 2, stdout);
}


/*
 * "{" of the answer, with the location of the configuration it comes from
 * (--nginx-config): the chain as --location takes it, how nginx chose it,
 * and nginx's $uri it chose it by.
 */

static void
json_open(void)
{
    size_t  i;

    printf("{");

    if (opt.nginx_config == NULL) {
        return;
    }

    printf("\"locations\":[");

    for (i = 0; i < opt.conf.nlocations; i++) {
        printf("%s", i ? "," : "");
        json_str(opt.conf.locations[i], strlen(opt.conf.locations[i]));
    }

    printf("],\"location_how\":\"%s\",", opt.conf.location_how
           ? opt.conf.location_how : "none");

    if (opt.conf.uri != NULL) {
        printf("\"nginx_uri\":");
        json_str(opt.conf.uri, strlen(opt.conf.uri));
        printf(",");
    }

    if (opt.conf.nginx_takes != NULL) {
        printf("\"nginx_takes\":");
        json_str(opt.conf.nginx_takes, strlen(opt.conf.nginx_takes));
        printf(",");
    }
}


static void
trace(void *ctx, const cig_trace_t *t)
{
    (void) ctx;

    if (opt.json) {
        printf("%s{\"policy\":%zu,\"statement\":%zu,\"sid\":", first_trace
               ? "" : ",", t->policy, t->statement);
        json_str(t->sid.data ? t->sid.data : "", t->sid.len);
        printf(",\"effect\":\"%s\",\"applies\":%s,\"why\":",
               t->deny ? "Deny" : "Allow", t->applies ? "true" : "false");
        json_str(t->why ? t->why : "", t->why ? strlen(t->why) : 0);
        printf(",\"resources\":");
        json_str(t->resources, strlen(t->resources));
        printf("}");
        first_trace = 0;
        return;
    }

    printf("    policy %zu statement %zu%s%.*s%s: %s, %s%s%s\n"
           "        resources: %s\n",
           t->policy, t->statement, t->sid.len ? " (" : "",
           (int) t->sid.len, t->sid.data ? t->sid.data : "",
           t->sid.len ? ")" : "", t->deny ? "Deny" : "Allow",
           t->applies ? "applies" : "does not apply",
           t->why ? ": " : "",
           t->why ? (strchr(t->why, ' ') ? t->why : "condition false: ")
                  : "",
           t->resources);

    if (t->why && !strchr(t->why, ' ')) {
        printf("        (%s)\n", t->why);
    }
}


/* The identity from claims, as the servers take it once a token verified. */

static void
identity_from_claims(const cig_json_t *c, cig_identity_t *id)
{
    const cig_json_t  *sub, *aud, *amr, *e;

    memset(id, 0, sizeof(*id));

    sub = cig_json_get(c, "sub");
    aud = cig_json_get(c, "aud");
    amr = cig_json_get(c, "amr");

    if (sub == NULL || sub->type != CIG_JSON_STRING || aud == NULL
        || aud->type != CIG_JSON_STRING || amr == NULL
        || amr->type != CIG_JSON_ARRAY || amr->count == 0
        || amr->count > CIG_MAX_AMR)
    {
        die("claims need sub and aud strings and an amr array");
    }

    id->sub = sub->str;
    id->aud = aud->str;
    id->claims = c;

    for (e = amr->child; e; e = e->next) {
        if (e->type != CIG_JSON_STRING) {
            die("amr entries must be strings");
        }
        id->amr[id->namr++] = e->str;
    }

    id->authenticated = cig_str_is(id->amr[0], "authenticated");

    if (id->authenticated && id->namr > 1) {
        id->provider = id->amr[1];
    }
}


static void
parse_args(int argc, char **argv)
{
    int  i;

    opt.method = "GET";
    opt.source_ip = "127.0.0.1";
    opt.now = (long long) time(NULL);

#define need(n)  if (i + (n) >= argc) { usage(); exit(2); }

    for (i = 1; i < argc; i++) {
        const char  *a = argv[i];

        if (strcmp(a, "--nginx-config") == 0) {
            need(1); opt.nginx_config = argv[++i];
        } else if (strcmp(a, "--server") == 0) {
            need(1); opt.server = argv[++i];
        } else if (strcmp(a, "--location") == 0
                   && opt.nlocations < MAX_ITEMS)
        {
            need(1); opt.locations[opt.nlocations++] = argv[++i];
        } else if (strcmp(a, "--roles") == 0 && opt.nroles < MAX_ITEMS) {
            opt.direct = 1;
            need(1); opt.roles[opt.nroles++] = argv[++i];
        } else if (strcmp(a, "--role") == 0) {
            opt.direct = 1;
            need(2);
            if (strcmp(argv[i + 1], "authenticated") == 0) {
                opt.role_auth = argv[i + 2];
            } else if (strcmp(argv[i + 1], "unauthenticated") == 0) {
                opt.role_unauth = argv[i + 2];
            } else {
                die("--role takes authenticated or unauthenticated");
            }
            i += 2;
        } else if (strcmp(a, "--policy") == 0 && opt.npolicies < MAX_ITEMS) {
            opt.direct = 1;
            need(2);
            opt.policies[opt.npolicies].role = argv[i + 1];
            opt.policies[opt.npolicies].file = argv[i + 2];
            opt.npolicies++;
            i += 2;
        } else if (strcmp(a, "--claims") == 0) {
            need(1); opt.claims = argv[++i];
        } else if (strcmp(a, "--claims-file") == 0) {
            need(1); opt.claims = slurp(argv[++i]);
        } else if (strcmp(a, "--token") == 0) {
            need(1); opt.token = argv[++i];
        } else if (strcmp(a, "--keys") == 0 && opt.nkeys < MAX_ITEMS) {
            need(1); opt.keys[opt.nkeys++] = argv[++i];
        } else if (strcmp(a, "--issuer") == 0) {
            opt.direct = 1;
            need(1); opt.issuer = argv[++i];
        } else if (strcmp(a, "--pool") == 0 && opt.npools < MAX_ITEMS) {
            opt.direct = 1;
            need(1); opt.pools[opt.npools++] = argv[++i];
        } else if (strcmp(a, "--mode") == 0) {
            opt.direct = 1;
            need(1); opt.mode = argv[++i];
        } else if (strcmp(a, "--bucket") == 0) {
            opt.direct = 1;
            need(1); opt.bucket = argv[++i];
        } else if (strcmp(a, "--arn-prefix") == 0) {
            opt.direct = 1;
            need(1); opt.arn_prefix = argv[++i];
        } else if (strcmp(a, "--method") == 0) {
            need(1); opt.method = argv[++i];
        } else if (strcmp(a, "--uri") == 0) {
            need(1); opt.uri = argv[++i];
        } else if (strcmp(a, "--body") == 0) {
            need(1); opt.body = argv[++i];
        } else if (strcmp(a, "--header") == 0 && opt.nheaders < MAX_ITEMS) {
            need(1); opt.headers[opt.nheaders++] = argv[++i];
        } else if (strcmp(a, "--source-ip") == 0) {
            need(1); opt.source_ip = argv[++i];
        } else if (strcmp(a, "--requested-role") == 0) {
            need(1); opt.requested_role = argv[++i];
        } else if (strcmp(a, "--secure") == 0) {
            opt.secure = 1;
        } else if (strcmp(a, "--tls-version") == 0) {
            need(1); opt.tls_version = argv[++i]; opt.secure = 1;
        } else if (strcmp(a, "--now") == 0) {
            need(1); opt.now = atoll(argv[++i]);
        } else if (strcmp(a, "--json") == 0) {
            opt.json = 1;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage();
            exit(0);
        } else {
            usage();
            exit(2);
        }
    }

#undef need

    if (opt.uri == NULL || (opt.mode == NULL && opt.nginx_config == NULL)
        || (opt.claims == NULL && opt.token == NULL))
    {
        usage();
        exit(2);
    }

    if (opt.nginx_config == NULL && (opt.server || opt.nlocations)) {
        die("--server and --location need --nginx-config");
    }

    if (opt.nginx_config != NULL && opt.direct) {
        die("with --nginx-config, pools, issuer, roles, policies and the "
            "mode come from the configuration");
    }
}


/* the location's configuration as the direct options */

static void
from_nginx(void)
{
    size_t  i;
    char    err[2048];

    if (sim_nginx_load(opt.nginx_config, opt.server, opt.locations,
                       opt.nlocations, opt.method, opt.uri, &opt.conf, err,
                       sizeof(err))
        != 0)
    {
        die("%s", err);
    }

    if (!opt.json) {
        printf("location:");

        for (i = 0; i < opt.conf.nlocations; i++) {
            printf("%s\"%s\"", i ? " > " : " ", opt.conf.locations[i]);
        }

        if (opt.conf.nlocations == 0) {
            printf(" none%s", opt.conf.uri ? ", the server's own "
                                              "configuration" : "");
        }

        if (opt.conf.location_how != NULL
            && strcmp(opt.conf.location_how, "given") == 0)
        {
            printf(" (given)\n");
        } else if (opt.conf.uri == NULL) {
            printf(" (nginx could not read the target)\n");
        } else {
            printf(" (%s%sfor $uri \"%s\")\n",
                   opt.conf.nlocations ? opt.conf.location_how : "",
                   opt.conf.nlocations ? ", " : "", opt.conf.uri);
        }
    }

    if (opt.conf.nginx_takes) {
        fprintf(stderr, "cognito-identity-simulate: warning: for this URI "
                "nginx takes %s, not the location given\n",
                opt.conf.nginx_takes);
    }

    if (opt.conf.skipped_if) {
        fprintf(stderr, "cognito-identity-simulate: warning: the "
                "cognito_identity directives in \"if\" at %s are not "
                "simulated\n", opt.conf.skipped_if);
    }

    if (!opt.conf.enabled) {
        return;
    }

    for (i = 0; i < opt.conf.npools; i++) {
        opt.pools[opt.npools++] = opt.conf.pools[i];
    }

    for (i = 0; i < opt.conf.nkeys && opt.nkeys < MAX_ITEMS; i++) {
        opt.keys[opt.nkeys++] = opt.conf.keys[i];
    }

    if (opt.token && opt.nkeys == 0) {
        die("the keys of %s come from \"cognito_identity_key_request %s\": "
            "give them with --keys FILE", opt.conf.where,
            opt.conf.key_request ? opt.conf.key_request : "?");
    }

    opt.issuer = opt.conf.issuer;

    for (i = 0; i < opt.conf.nroles; i++) {
        opt.roles[opt.nroles++] = opt.conf.roles[i];
    }

    opt.role_auth = opt.conf.role_auth;
    opt.role_unauth = opt.conf.role_unauth;

    for (i = 0; i < opt.conf.npolicies; i++) {
        opt.policies[opt.npolicies].role = opt.conf.policy_roles[i];
        opt.policies[opt.npolicies].file = opt.conf.policy_files[i];
        opt.npolicies++;
    }

    opt.mode = opt.conf.mode;
    opt.bucket = opt.conf.bucket;
    opt.arn_prefix = opt.conf.arn_prefix;

    /* the header the module reads a requested role from */

    for (i = 0; i < opt.nheaders && opt.requested_role == NULL; i++) {
        if (strncasecmp(opt.headers[i], "X-Cognito-Custom-Role-Arn:", 26)
            == 0)
        {
            opt.requested_role = opt.headers[i] + 26
                                 + strspn(opt.headers[i] + 26, " ");
        }
    }
}


/* OPTIONS with Origin and Access-Control-Request-Method, as the module */

static int
preflight(void)
{
    size_t       i, len;
    int          origin, method;
    const char  *h, *colon, *v;

    if (strcmp(opt.method, "OPTIONS") != 0) {
        return 0;
    }

    origin = method = 0;

    for (i = 0; i < opt.nheaders; i++) {
        h = opt.headers[i];
        colon = strchr(h, ':');
        if (colon == NULL) {
            continue;
        }
        len = colon - h;
        v = colon + 1 + strspn(colon + 1, " ");

        if (*v == '\0') {
            continue;
        }

        if (len == 6 && strncasecmp(h, "Origin", 6) == 0) {
            origin = 1;
        } else if (len == 29
                   && strncasecmp(h, "Access-Control-Request-Method", 29)
                      == 0)
        {
            method = 1;
        }
    }

    return origin && method;
}


/* the end of a simulation that stopped before the policies */

static int
verdict_early(int allow, const char *status, const char *what,
    const char *why, int open_object)
{
    if (opt.json) {
        if (open_object) {
            json_open();
        } else {
            printf(",");
        }
        printf("\"decision\":\"%s\"", allow ? "allow" : "deny");
        if (!allow) {
            printf(",\"status\":%s", status);
        }
        printf(",\"%s\":", allow ? "why" : "error");
        json_str(why, strlen(why));
        printf("}\n");
    } else {
        printf("%s: %s\ndecision: %s%s%s%s\n", what, why,
               allow ? "allow" : "deny", allow ? "" : " (",
               allow ? "" : status, allow ? "" : ")");
    }

    return allow ? 0 : 1;
}


/*
 * POST /bucket?delete: each key of the body decided as the servers decide
 * it (cig_s3_delete_decide); the exit status, or -1 for a body they answer
 * with 400 (err says why).
 */

static int
simulate_delete(cig_policy_t *const *policies, size_t n, cig_str_t role,
    const cig_mapped_t *mapped, const cig_identity_t *id,
    const cig_allocator_t *a, cig_err_t *err)
{
    size_t          k, index;
    cig_code_t      rc;
    cig_request_t   req;
    cig_verdict_t   v;

    memset(&req, 0, sizeof(req));
    req.id = id;
    req.source_ip.data = opt.source_ip;
    req.source_ip.len = strlen(opt.source_ip);
    req.secure = opt.secure;
    req.now = opt.now;

    rc = cig_s3_delete_decide(policies, n, role, mapped,
                              opt.body ? opt.body : "",
                              opt.body ? strlen(opt.body) : 0, a, &req, &v,
                              err);

    if (rc != CIG_OK && rc != CIG_ERR_FORBIDDEN) {
        return -1;
    }

    index = v.statement;

    for (k = 0; k < v.policy && k < n; k++) {
        index += cig_policy_statements(policies[k]);
    }

    if (opt.json) {
        printf(",\"checks\":[],\"decision\":\"%s\"",
               rc == CIG_OK ? "allow"
               : v.decision == CIG_DENY_EXPLICIT ? "explicit-deny" : "deny");
        if (v.decision != CIG_DENY_DEFAULT) {
            printf(",\"statement\":%zu", index);
        }
        if (rc != CIG_OK) {
            printf(",\"error\":");
            json_str(err->msg, strlen(err->msg));
        }
        printf("}\n");

    } else if (rc == CIG_OK) {
        printf("multi-object delete: every key allowed as "
               "s3:DeleteObject%s\ndecision: allow\n",
               " (s3:DeleteObjectVersion with a VersionId)");

    } else {
        printf("multi-object delete: %s\ndecision: %s (403)\n", err->msg,
               v.decision == CIG_DENY_EXPLICIT ? "explicit deny" : "deny");
    }

    return rc == CIG_OK ? 0 : 1;
}


/*
 * What the module checks of the path once decoded: that nginx's $uri is
 * the same (merge_slashes), then cognito_identity_allow_prefix.
 */

static cig_code_t
nginx_path(const cig_identity_t *id, cig_str_t path, cig_err_t *err)
{
    size_t            i;
    cig_arena_t      *arena;
    cig_code_t        rc;
    cig_request_t     req;
    cig_template_t   *t[SIM_MAX_ITEMS];
    cig_allocator_t   a;

    if (opt.conf.merge_slashes && path.len > 1
        && memmem(path.data, path.len, "//", 2) != NULL)
    {
        cig_err_set(err, CIG_ERR_BAD_REQUEST, "nginx normalised the path "
                    "(merge_slashes?), so it could be read two ways");
        return CIG_ERR_BAD_REQUEST;
    }

    if (opt.conf.nprefixes == 0) {
        return CIG_OK;
    }

    arena = cig_arena_create();
    cig_arena_allocator(arena, &a);

    for (i = 0; i < opt.conf.nprefixes; i++) {
        t[i] = cig_template_compile(opt.conf.prefixes[i],
                                    strlen(opt.conf.prefixes[i]), 0, &a, err);
        if (t[i] == NULL) {
            die("cognito_identity_allow_prefix \"%s\": %s",
                opt.conf.prefixes[i], err->msg);
        }
    }

    memset(&req, 0, sizeof(req));
    req.id = id;
    req.now = opt.now;

    rc = cig_prefixes_allow(t, opt.conf.nprefixes, &req, path, err);

    cig_arena_destroy(arena);

    return rc;
}


int
main(int argc, char **argv)
{
    cig_err_t           err;
    cig_arena_t        *arena;
    cig_allocator_t     a;
    cig_identity_t      id;
    cig_roles_t        *roles[MAX_ITEMS], *defaults;
    cig_roleset_t      *set = NULL;
    const cig_roles_t  *attachment;
    cig_role_input_t    in;
    cig_role_choice_t   choice;
    cig_role_policy_t   rp[MAX_ITEMS];
    cig_policyset_t    *pset;
    cig_policy_t *const *policies;
    cig_http_t          h;
    cig_target_t        target;
    cig_mapped_t        mapped;
    cig_request_t       req;
    cig_verdict_t       verdict;
    cig_code_t          rc;
    size_t              i, n;
    const char         *colon, *value;
    int                 allowed, explicit, status;
    long                deciding;
    cig_str_t           none = { "", 0 };

    parse_args(argc, argv);

    if (opt.nginx_config != NULL) {
        from_nginx();

        if (opt.conf.refused != NULL) {
            return verdict_early(0, "400", "request target",
                                 opt.conf.refused, 1);
        }

        if (opt.conf.redirect != NULL) {
            char  why[1024];

            snprintf(why, sizeof(why), "nginx redirects to %s (301) before "
                     "any access check", opt.conf.redirect);
            return verdict_early(1, "", "location", why, 1);
        }

        if (!opt.conf.enabled) {
            char  why[1024];

            snprintf(why, sizeof(why), "not enabled for %s: the module does "
                     "not check this request", opt.conf.where);
            return verdict_early(1, "", "cognito_identity", why, 1);
        }

        if (opt.conf.cors_preflight && preflight()) {
            return verdict_early(1, "", "CORS preflight", "passed without a "
                                 "token (cognito_identity_cors_preflight)",
                                 1);
        }
    }

    arena = cig_arena_create();
    cig_arena_allocator(arena, &a);

    /* every input is read first: bad input is exit status 2 */

    /* the policies */

    for (i = 0; i < opt.npolicies; i++) {
        rp[i].role.data = opt.policies[i].role;
        rp[i].role.len = strlen(opt.policies[i].role);
        rp[i].policy = cig_policy_from_file(opt.policies[i].file, NULL, NULL,
                                            &err);
        if (rp[i].policy == NULL) {
            die("%s: %s", opt.policies[i].file, err.msg);
        }
    }

    pset = cig_policyset_create(rp, opt.npolicies, &err);
    if (pset == NULL) {
        die("%s", err.msg);
    }


    for (i = 0; i < opt.nroles; i++) {
        roles[i] = cig_roles_from_file(opt.roles[i], &err);
        if (roles[i] == NULL) {
            die("%s: %s", opt.roles[i], err.msg);
        }
    }

    defaults = NULL;

    if (opt.role_auth || opt.role_unauth) {
        defaults = cig_roles_defaults(opt.role_auth, opt.role_unauth, &err);
        if (defaults == NULL) {
            die("--role: %s", err.msg);
        }
    }

    /* the identity */

    if (opt.token) {
        cig_keyset_t   *ks[MAX_ITEMS];
        cig_verifier_t  v;
        cig_str_t       aud[MAX_ITEMS];

        if (opt.nkeys == 0 || opt.npools == 0) {
            die("--token needs --keys and --pool");
        }

        for (i = 0; i < opt.nkeys; i++) {
            ks[i] = cig_keyset_from_file(opt.keys[i], NULL, &err);
            if (ks[i] == NULL) {
                die("%s: %s", opt.keys[i], err.msg);
            }
        }

        for (i = 0; i < opt.npools; i++) {
            aud[i].data = opt.pools[i];
            aud[i].len = strlen(opt.pools[i]);
        }

        cig_strs_sort(aud, opt.npools);

        memset(&v, 0, sizeof(v));
        v.issuer.data = opt.issuer ? opt.issuer : CIG_AWS_ISSUER;
        v.issuer.len = strlen(v.issuer.data);
        v.audiences = aud;
        v.naudiences = opt.npools;
        v.keysets = ks;
        v.nkeysets = opt.nkeys;
        v.algs = CIG_ALG_RS512;
        v.leeway = opt.nginx_config ? opt.conf.leeway : 10;
        v.cognito = 1;

        if (cig_token_verify(&v, opt.token, strlen(opt.token), opt.now, &a,
                             &id, &err)
            != CIG_OK)
        {
            for (i = 0; i < opt.nkeys; i++) {
                cig_keyset_free(ks[i]);
            }
            if (opt.json) {
                json_open();
                printf("\"decision\":\"deny\",\"error\":");
                json_str(err.msg, strlen(err.msg));
                printf("}\n");
            } else {
                printf("token refused: %s\ndecision: deny (401)\n", err.msg);
            }
            status = 1;
            goto done;
        }

        for (i = 0; i < opt.nkeys; i++) {
            cig_keyset_free(ks[i]);
        }

    } else {
        cig_json_t  *c;

        c = cig_json_parse(opt.claims, strlen(opt.claims), CIG_MAX_JSON_DEPTH,
                           &a, &err);
        if (c == NULL || c->type != CIG_JSON_OBJECT) {
            die("claims: %s", c ? "not an object" : err.msg);
        }

        identity_from_claims(c, &id);
    }

    if (opt.json) {
        json_open();
        printf("\"identity\":");
        json_str(id.sub.data, id.sub.len);
        printf(",\"pool\":");
        json_str(id.aud.data, id.aud.len);
        printf(",\"authenticated\":%s", id.authenticated ? "true" : "false");
    } else {
        printf("identity: %.*s (%s%s%.*s) in pool %.*s\n",
               (int) id.sub.len, id.sub.data,
               id.authenticated ? "authenticated" : "guest",
               id.provider.len ? " with " : "",
               (int) id.provider.len, id.provider.data,
               (int) id.aud.len, id.aud.data);
    }

    /* as the module: guests, and the login tokens the simulator lacks */

    if (opt.nginx_config != NULL) {
        if (!id.authenticated && !opt.conf.unauthenticated) {
            status = verdict_early(0, "403", "guest", "unauthenticated "
                                 "identities are not allowed here "
                                 "(cognito_identity_unauthenticated off)",
                                 0);
            goto done;
        }

        for (i = 0; i < opt.conf.nlogins && id.authenticated; i++) {
            if (cig_str_is(id.provider, opt.conf.logins[i])) {
                die("the role of a %s identity needs its login token "
                    "(cognito_identity_login), which the simulator does not "
                    "take", opt.conf.logins[i]);
            }
        }
    }

    /* the role */

    if (opt.nginx_config != NULL && !opt.conf.roles_set) {
        choice.role = none;
        choice.how = "no role configuration";
        choice.rule = -1;
        set = NULL;

        if (opt.json) {
            printf(",\"role\":null");
        } else {
            printf("role: none (no role configuration)\n");
        }

        goto request;
    }

    set = cig_roleset_create(roles, opt.nroles, defaults, &err);
    if (set == NULL) {
        die("%s", err.msg);
    }

    attachment = cig_roleset_find(set, id.aud);

    in.claims = id.claims;
    in.client_id = none;
    in.requested.data = opt.requested_role;
    in.requested.len = opt.requested_role ? strlen(opt.requested_role) : 0;

    if (attachment == NULL) {
        rc = CIG_ERR_FORBIDDEN;
        cig_err_set(&err, rc, "no role attachment for the pool");
    } else {
        rc = cig_roles_choose(attachment, &id, &in, &choice, &err);
    }

    if (rc != CIG_OK) {
        if (opt.json) {
            printf(",\"decision\":\"deny\",\"error\":");
            json_str(err.msg, strlen(err.msg));
            printf("}\n");
        } else {
            printf("role: none: %s\ndecision: deny (403)\n", err.msg);
        }
        status = 1;
        goto done;
    }

    if (opt.json) {
        printf(",\"role\":");
        json_str(choice.role.data, choice.role.len);
        printf(",\"role_how\":");
        json_str(choice.how, strlen(choice.how));
    } else {
        printf("role: %.*s (%s", (int) choice.role.len, choice.role.data,
               choice.how);
        if (choice.rule >= 0) {
            printf(", rule %d of mapping %.*s", choice.rule,
                   (int) choice.mapping.len, choice.mapping.data);
        }
        printf(")\n");
    }

request:

    policies = cig_policyset_find(pset, choice.role, &n);

    if (opt.nginx_config != NULL && opt.conf.nprefixes == 0
        && opt.mode == NULL)
    {
        status = verdict_early(1, "", "authorization", "neither "
                             "cognito_identity_authorize nor "
                             "cognito_identity_allow_prefix: a verified "
                             "identity is enough", 0);
        goto done;
    }

    /* the request, read as the servers read it */

    memset(&h, 0, sizeof(h));
    h.method.data = opt.method;
    h.method.len = strlen(opt.method);

    /* the target read once, as both servers read it (cig_target_read) */

    rc = cig_target_read(opt.uri, strlen(opt.uri), &a, &target, &err);
    h.path = target.path;

    if (rc == CIG_OK && opt.nginx_config != NULL) {
        rc = nginx_path(&id, h.path, &err);

        if (rc == CIG_ERR_FORBIDDEN) {
            status = verdict_early(0, "403", "path", err.msg, 0);
            goto done;
        }

        if (rc == CIG_OK && opt.mode == NULL) {
            status = verdict_early(1, "", "path", "under an allowed prefix; "
                                 "cognito_identity_authorize is off", 0);
            goto done;
        }
    }

    if (rc == CIG_OK) {
        h.query = target.query;

        for (i = 0; rc == CIG_OK && i < opt.nheaders; i++) {
            colon = strchr(opt.headers[i], ':');
            if (colon == NULL) {
                die("--header takes 'Name: value'");
            }

            value = colon + 1 + strspn(colon + 1, " ");
            rc = cig_s3_header(&h, opt.headers[i],
                               (size_t) (colon - opt.headers[i]), value,
                               strlen(value), &err);
        }

        if (opt.tls_version != NULL) {
            h.tls_version.data = opt.tls_version;
            h.tls_version.len = strlen(opt.tls_version);
        }

        if (rc != CIG_OK) {
            /* a repeated or overlong header: answered below */

        } else if (strcmp(opt.mode, "s3") == 0) {
            cig_str_t  bucket = { opt.bucket ? opt.bucket : "",
                                  opt.bucket ? strlen(opt.bucket) : 0 };

            rc = cig_map_s3(&h, bucket, &a, &mapped, &err);

        } else if (strcmp(opt.mode, "execute-api") == 0 && opt.arn_prefix) {
            cig_str_t  prefix = { opt.arn_prefix, strlen(opt.arn_prefix) };

            if (cig_execute_api_prefix_check(prefix, &err) != CIG_OK) {
                die("--arn-prefix \"%s\" is not an API Gateway ARN prefix: %s",
                    opt.arn_prefix, err.msg);
            }

            rc = cig_map_execute_api(&h, prefix, &a, &mapped, &err);

        } else {
            die("--mode s3 or --mode execute-api with --arn-prefix");
        }
    }

    if (rc == CIG_OK && mapped.body) {
        /* multi-object delete: every key of --body as one DELETE */
        status = simulate_delete(policies, n, choice.role, &mapped, &id,
                                 &a, &err);
        if (status >= 0) {
            goto done;
        }

        rc = CIG_ERR_BAD_REQUEST;
    }

    if (rc != CIG_OK) {
        if (opt.json) {
            printf(",\"decision\":\"%s\",\"error\":",
                   rc == CIG_ERR_BAD_REQUEST ? "bad-request" : "refused");
            json_str(err.msg, strlen(err.msg));
            printf("}\n");
        } else {
            printf("request %s: %s\ndecision: deny (%s)\n",
                   rc == CIG_ERR_BAD_REQUEST ? "ambiguous" : "refused",
                   err.msg, rc == CIG_ERR_BAD_REQUEST ? "400" : "403");
        }
        status = 1;
        goto done;
    }

    memset(&req, 0, sizeof(req));
    req.id = &id;
    req.source_ip.data = opt.source_ip;
    req.source_ip.len = strlen(opt.source_ip);
    req.secure = opt.secure;
    req.now = opt.now;
    req.keys = mapped.keys;
    req.nkeys = mapped.nkeys;
    req.trace = trace;

    allowed = 1;
    explicit = 0;
    deciding = -1;

    if (opt.json) {
        printf(",\"checks\":[");
    }

    for (i = 0; i < mapped.nchecks; i++) {
        req.action = mapped.checks[i].action;
        req.resource = mapped.checks[i].resource;

        if (opt.json) {
            printf("%s{\"action\":", i ? "," : "");
            json_str(req.action.data, req.action.len);
            printf(",\"resource\":");
            json_str(req.resource.data, req.resource.len);
            printf(",\"statements\":[");
            first_trace = 1;
        } else {
            printf("check: %.*s on %.*s\n", (int) req.action.len,
                   req.action.data, (int) req.resource.len,
                   req.resource.data);
        }

        cig_policy_evaluate(policies, n, &req, &verdict);

        /*
         * the answer's statement: the main action's, or the first explicit
         * deny's, or the first refusal's
         */

        if (verdict.decision != CIG_DENY_DEFAULT
            && (i == 0 || (allowed && verdict.decision != CIG_ALLOW)
                || (!explicit && verdict.decision == CIG_DENY_EXPLICIT)))
        {
            size_t  k;

            deciding = (long) verdict.statement;

            for (k = 0; k < verdict.policy; k++) {
                deciding += (long) cig_policy_statements(policies[k]);
            }
        }

        if (verdict.decision != CIG_ALLOW) {
            if (allowed && verdict.decision == CIG_DENY_DEFAULT) {
                deciding = -1;
            }

            allowed = 0;
        }

        if (verdict.decision == CIG_DENY_EXPLICIT) {
            explicit = 1;
        }

        if (opt.json) {
            printf("],\"decision\":\"%s\"",
                   verdict.decision == CIG_ALLOW ? "allow"
                   : verdict.decision == CIG_DENY_EXPLICIT ? "explicit-deny"
                   : "deny");
            if (verdict.decision != CIG_DENY_DEFAULT) {
                size_t  k, index = verdict.statement;

                for (k = 0; k < verdict.policy; k++) {
                    index += cig_policy_statements(policies[k]);
                }
                printf(",\"statement\":%zu", index);
            }
            printf("}");
        } else {
            printf("  => %s\n", verdict.decision == CIG_ALLOW ? "allow"
                   : verdict.decision == CIG_DENY_EXPLICIT
                     ? "explicit deny" : "no statement allows: deny");
        }
    }

    if (opt.json) {
        printf("],\"decision\":\"%s\"",
               allowed ? "allow" : explicit ? "explicit-deny" : "deny");
        if (deciding >= 0) {
            printf(",\"statement\":%ld", deciding);
        }
        printf("}\n");
    } else {
        printf("decision: %s\n", allowed ? "allow"
               : explicit ? "explicit deny (403)" : "deny (403)");
    }

    status = allowed ? 0 : 1;

done:

    for (i = 0; i < opt.npolicies; i++) {
        cig_policy_free(rp[i].policy);
    }

    cig_policyset_free(pset);
    if (set != NULL) {
        cig_roleset_free(set);
    }

    for (i = 0; i < opt.nroles; i++) {
        cig_roles_free(roles[i]);
    }

    cig_roles_free(defaults);
    cig_arena_destroy(arena);

    return status;
}
