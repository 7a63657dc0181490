/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Role attachments: loading get-identity-pool-roles documents (and every way
 * they can be refused), choosing a role for identities built by hand, sets
 * of attachments by pool, and binding a login token to an OpenID identity.
 * Documents are written inline with the macros below; claims are JSON text
 * parsed in a per-case arena.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"


#define POOL     "eu-west-1:b45b9729-c269-4ef2-86f1-0df3e40fe92d"
#define POOL2    "us-east-1:0f2c5e3a-1b4d-4c6e-8f90-1a2b3c4d5e6f"
#define POOL3    "ap-southeast-2:00000000-1111-2222-3333-444444444444"
#define ID       "eu-west-1:6a0e1b6f-1c2d-4e5f-8a9b-0c1d2e3f4a5b"

#define IDP      "cognito-idp.eu-west-1.amazonaws.com/eu-west-1_"
#define P        IDP "abc"
#define Q        IDP "q"
#define S        IDP "s"
#define FB       "graph.facebook.com"

#define ARN(n)   "arn:aws:iam::123456789012:role/" n
#define A_AUTH   ARN("Auth")
#define A_GUEST  ARN("Guest")

/* documents */
#define DOCP(pool, body)  "{\"IdentityPoolId\":\"" pool "\"" body "}"
#define DOC(body)         DOCP(POOL, body)
#define ROLES(body)       ",\"Roles\":{" body "}"
#define R_AUTH            "\"authenticated\":\"" A_AUTH "\""
#define R_GUEST           "\"unauthenticated\":\"" A_GUEST "\""
#define R_BOTH            ROLES(R_AUTH "," R_GUEST)
#define MAPS(body)        ",\"RoleMappings\":{" body "}"
#define MAP(key, body)    "\"" key "\":{" body "}"
#define RULES(key, amb, rules)                                                \
    MAP(key, "\"Type\":\"Rules\",\"AmbiguousRoleResolution\":\"" amb "\","    \
        "\"RulesConfiguration\":{\"Rules\":[" rules "]}")
#define TOKEN(key, amb)                                                       \
    MAP(key, "\"Type\":\"Token\",\"AmbiguousRoleResolution\":\"" amb "\"")
#define RULE(c, m, v, r)                                                      \
    "{\"Claim\":\"" c "\",\"MatchType\":\"" m "\",\"Value\":\"" v "\","       \
    "\"RoleARN\":\"" ARN(r) "\"}"
#define RULE1    RULE("k", "Equals", "v", "R")
/* a Rules mapping whose only rule has the body given */
#define RBODY(body)                                                           \
    DOC(R_BOTH MAPS(RULES(P, "Deny", "{" body "}")))
#define RB_CLAIM  "\"Claim\":\"k\""
#define RB_MATCH  "\"MatchType\":\"Equals\""
#define RB_VALUE  "\"Value\":\"v\""
#define RB_ROLE   "\"RoleARN\":\"" ARN("R") "\""

#define C64   "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
#define V128  C64 C64


typedef struct {
    char    *data;
    size_t   len;
    size_t   size;
} roles_buf_t;


static void
roles_bail(const char *what)
{
    printf("Bail out! %s\n", what);
    exit(255);
}


static void
roles_add(roles_buf_t *b, const char *s)
{
    size_t  n = strlen(s);

    if (b->len + n + 1 > b->size) {
        b->size = (b->len + n + 1) * 2;
        b->data = realloc(b->data, b->size);
        if (b->data == NULL) {
            roles_bail("out of memory");
        }
    }

    memcpy(b->data + b->len, s, n + 1);
    b->len += n;
}


static cig_str_t
roles_str(const char *s)
{
    cig_str_t  str;

    str.data = s ? s : "";
    str.len = s ? strlen(s) : 0;

    return str;
}


static const char *
roles_path(char *buf, size_t size, const char *rel)
{
    int  n;

    n = snprintf(buf, size, "%s/%s", unit_root, rel);

    if (n < 0 || (size_t) n >= size) {
        roles_bail("path too long");
    }

    return buf;
}


static cig_roles_t *
roles_load(const char *json)
{
    cig_roles_t  *r;
    cig_err_t     err;

    memset(&err, 0, sizeof(err));

    r = cig_roles_from_json(json, strlen(json), &err);
    if (r == NULL) {
        tap_diag("cannot load a test document: %s", err.msg);
        tap_diag("%s", json);
        roles_bail("a test document does not load");
    }

    return r;
}


/* "arn:aws:iam::123456789012:role/" and 'x' up to len characters */

static char *
roles_long_arn(size_t len)
{
    static const char  prefix[] = ARN("");
    char              *s;

    s = malloc(len + 1);
    if (s == NULL) {
        roles_bail("out of memory");
    }

    memcpy(s, prefix, sizeof(prefix) - 1);
    memset(s + sizeof(prefix) - 1, 'x', len - (sizeof(prefix) - 1));
    s[len] = '\0';

    return s;
}


/* a document with one Rules mapping of n rules */

static char *
roles_n_rules(size_t n)
{
    roles_buf_t  b = { NULL, 0, 0 };
    size_t       i;

    roles_add(&b, "{\"IdentityPoolId\":\"" POOL "\"" R_BOTH
                  ",\"RoleMappings\":{\"" P "\":{\"Type\":\"Rules\","
                  "\"AmbiguousRoleResolution\":\"Deny\","
                  "\"RulesConfiguration\":{\"Rules\":[");

    for (i = 0; i < n; i++) {
        roles_add(&b, i ? "," RULE1 : RULE1);
    }

    roles_add(&b, "]}}}}");

    return b.data;
}


/* a document with n Token mappings "IDPn" */

static char *
roles_n_mappings(size_t n)
{
    roles_buf_t  b = { NULL, 0, 0 };
    char         key[128];
    size_t       i;

    roles_add(&b, "{\"IdentityPoolId\":\"" POOL "\"" R_BOTH
                  ",\"RoleMappings\":{");

    for (i = 0; i < n; i++) {
        snprintf(key, sizeof(key), "%s\"" IDP "%zu\":{\"Type\":\"Token\","
                 "\"AmbiguousRoleResolution\":\"Deny\"}", i ? "," : "", i);
        roles_add(&b, key);
    }

    roles_add(&b, "}}");

    return b.data;
}


/* cig_role_arn_valid */

static void
roles_arns(void)
{
    static const struct {
        const char  *name;
        const char  *arn;
        int          valid;
    } arns[] = {
        { "plain role",               ARN("Name"), 1 },
        { "one-character name",       ARN("A"), 1 },
        { "role with a path",         ARN("a/b/Name"), 1 },
        { "name with + = , . @ _ -",  ARN("a+b=c,d.e@f_g-h"), 1 },
        { "aws-cn partition",         "arn:aws-cn:iam::123456789012:role/N", 1 },
        { "aws-us-gov partition",
          "arn:aws-us-gov:iam::123456789012:role/N", 1 },
        { "aws-iso partition",   "arn:aws-iso:iam::123456789012:role/N", 1 },
        { "aws-iso-b partition",
          "arn:aws-iso-b:iam::123456789012:role/N", 1 },
        { "aws-iso-e partition",
          "arn:aws-iso-e:iam::123456789012:role/N", 1 },
        { "aws-iso-f partition",
          "arn:aws-iso-f:iam::123456789012:role/N", 1 },
        { "aws-eusc partition",  "arn:aws-eusc:iam::123456789012:role/N", 1 },
        { "unknown partition",   "arn:aws-xx:iam::123456789012:role/N", 0 },

        { "11-digit account",         "arn:aws:iam::12345678901:role/N", 0 },
        { "13-digit account",         "arn:aws:iam::1234567890123:role/N", 0 },
        { "letter in the account",    "arn:aws:iam::12345678901a:role/N", 0 },
        { "user/ instead of role/",   "arn:aws:iam::123456789012:user/N", 0 },
        { "assumed-role",
          "arn:aws:sts::123456789012:assumed-role/N/s", 0 },
        { "trailing slash",           ARN("Name/"), 0 },
        { "path with a trailing slash", ARN("a/b/"), 0 },
        { "empty name",               ARN(""), 0 },
        { "role without a slash",     "arn:aws:iam::123456789012:role", 0 },
        { "space in the name",        ARN("My Role"), 0 },
        { "leading space",            " " ARN("N"), 0 },
        { "trailing space",           ARN("N") " ", 0 },
        { "trailing newline",         ARN("N") "\n", 0 },
        { "wildcard",                 ARN("*"), 0 },
        { "backslash",                ARN("a\\b"), 0 },
        { "UTF-8 in the name",        ARN("R\xc3\xa9le"), 0 },
        { "other partition",          "arn:azure:iam::123456789012:role/N", 0 },
        { "upper-case prefix",        "ARN:AWS:IAM::123456789012:role/N", 0 },
        { "a region",
          "arn:aws:iam:us-east-1:123456789012:role/N", 0 },
        { "sts service",              "arn:aws:sts::123456789012:role/N", 0 },
        { "Role/ capitalised",        "arn:aws:iam::123456789012:Role/N", 0 },
        { "prefix only",              "arn:aws:iam::", 0 },
        { "empty",                    "", 0 },
    };
    char    *s;
    size_t   i;

    for (i = 0; i < UNIT_NELTS(arns); i++) {
        tap_ok(cig_role_arn_valid(arns[i].arn, strlen(arns[i].arn))
               == arns[i].valid, "arn: %s is %s", arns[i].name,
               arns[i].valid ? "valid" : "refused");
    }

    tap_ok(!cig_role_arn_valid(ARN("a\0b"), sizeof(ARN("a\0b")) - 1),
           "arn: a NUL in the name is refused");
    tap_ok(cig_role_arn_valid(ARN("Name") "junk", sizeof(ARN("Name")) - 1),
           "arn: reads only len bytes");
    tap_ok(!cig_role_arn_valid(ARN("Name"), sizeof(ARN("")) - 1),
           "arn: cut before the name is refused");

    s = roles_long_arn(2048);
    tap_ok(cig_role_arn_valid(s, 2048), "arn: 2048 characters is valid");
    free(s);

    s = roles_long_arn(2049);
    tap_ok(!cig_role_arn_valid(s, 2049), "arn: 2049 characters is refused");
    free(s);
}


/* valid documents and files */

static void
roles_load_good(void)
{
    static const struct {
        const char  *name;
        const char  *json;
    } good[] = {
        { "pool and both roles",      DOC(R_BOTH) },
        { "empty Roles",              DOC(ROLES("")) },
        { "authenticated role only",  DOC(ROLES(R_AUTH)) },
        { "unauthenticated role only", DOC(ROLES(R_GUEST)) },
        { "empty RoleMappings",       DOC(R_BOTH MAPS("")) },
        { "aws-cn and aws-us-gov roles",
          DOC(ROLES("\"authenticated\":\"arn:aws-cn:iam::123456789012:role/"
                    "A\",\"unauthenticated\":\"arn:aws-us-gov:iam::"
                    "123456789012:role/a/b/G\"")) },
        { "Token mapping, Deny",      DOC(R_BOTH MAPS(TOKEN(P, "Deny"))) },
        { "Token mapping, AuthenticatedRole",
          DOC(R_BOTH MAPS(TOKEN(P, "AuthenticatedRole"))) },
        { "Rules mapping, every MatchType",
          DOC(R_BOTH MAPS(RULES(P, "Deny",
              RULE("a", "Equals", "v", "A") ","
              RULE("b", "Contains", "v", "B") ","
              RULE("c", "StartsWith", "v", "C") ","
              RULE("d", "NotEqual", "v", "D")))) },
        { "Claim of 1 and 64 characters",
          DOC(R_BOTH MAPS(RULES(P, "Deny",
              RULE("c", "Equals", "v", "A") ","
              RULE(C64, "Equals", "v", "B")))) },
        { "Value of 1 and 128 characters",
          DOC(R_BOTH MAPS(RULES(P, "Deny",
              RULE("c", "Equals", "v", "A") ","
              RULE("c", "Equals", V128, "B")))) },
        { "rule members in another order",
          RBODY(RB_ROLE "," RB_VALUE "," RB_MATCH "," RB_CLAIM) },
        { "Rules and Token mappings side by side",
          DOC(R_BOTH MAPS(RULES(P ":c1", "AuthenticatedRole", RULE1) ","
                          TOKEN(P ":c2", "Deny") ","
                          RULES(FB, "Deny", RULE1))) },
        { "escaped strings",
          "{\"IdentityPoolId\":\"eu-west-1:b45b9729-c269-4ef2-86f1-"
          "0df3e40fe92d\",\"Roles\":{\"authenticated\":\"arn:aws:iam::"
          "123456789012:role\\/Auth\"}}" },
        { "whitespace and newlines",
          "\n{ \"IdentityPoolId\" : \"" POOL "\" ,\n \"Roles\" : { } }\n" },
    };
    static const struct {
        const char  *file;
        const char  *pool;
        const char  *provider;
        size_t       clients;
    } files[] = {
        { "t/roles/pool-roles.json", POOL, IDP "abc", 1 },
        { "t/roles/pool2-roles.json", POOL2, IDP "abc", 0 },
        { "examples/aws/identity-pool-roles.json", POOL, IDP "Ab1Cd2Ef3", 1 },
    };
    cig_roles_t  *r;
    cig_err_t     err;
    cig_str_t     pool;
    char          path[4096], *s;
    size_t        i;

    for (i = 0; i < UNIT_NELTS(good); i++) {
        memset(&err, 0, sizeof(err));
        r = cig_roles_from_json(good[i].json, strlen(good[i].json), &err);

        if (!tap_ok(r != NULL, "load: %s", good[i].name)) {
            tap_diag("error: %s", err.msg);
            continue;
        }

        pool = cig_roles_pool(r);
        tap_is_mem(pool.data, pool.len, POOL, sizeof(POOL) - 1,
                   "load: %s: pool", good[i].name);
        cig_roles_free(r);
    }

    /* limits, at the limit */

    s = roles_n_rules(25);
    r = cig_roles_from_json(s, strlen(s), &err);
    tap_ok(r != NULL, "load: 25 rules are accepted");
    cig_roles_free(r);
    free(s);

    s = roles_n_mappings(10);
    r = cig_roles_from_json(s, strlen(s), &err);
    tap_ok(r != NULL, "load: 10 mappings are accepted");
    if (r) {
        tap_is_int((long long) cig_roles_clients_of(r, roles_str(IDP "1")),
                   0, "load: 10 mappings: none keyed by a client");
    }
    cig_roles_free(r);
    free(s);

    s = roles_long_arn(2048);
    {
        roles_buf_t  b = { NULL, 0, 0 };

        roles_add(&b, "{\"IdentityPoolId\":\"" POOL "\",\"Roles\":{"
                      "\"authenticated\":\"");
        roles_add(&b, s);
        roles_add(&b, "\"}}");
        r = cig_roles_from_json(b.data, b.len, &err);
        tap_ok(r != NULL, "load: a role ARN of 2048 characters is accepted");
        cig_roles_free(r);
        free(b.data);
    }
    free(s);

    /* only len bytes are read */

    r = cig_roles_from_json(DOC(R_BOTH) "garbage",
                            sizeof(DOC(R_BOTH)) - 1, &err);
    tap_ok(r != NULL, "load: reads only len bytes");
    cig_roles_free(r);

    /* files */

    for (i = 0; i < UNIT_NELTS(files); i++) {
        memset(&err, 0, sizeof(err));
        r = cig_roles_from_file(roles_path(path, sizeof(path), files[i].file),
                                &err);

        if (!tap_ok(r != NULL, "file: %s loads", files[i].file)) {
            tap_diag("error: %s", err.msg);
            continue;
        }

        pool = cig_roles_pool(r);
        tap_is_mem(pool.data, pool.len, files[i].pool, strlen(files[i].pool),
                   "file: %s: pool", files[i].file);
        tap_is_int((long long) cig_roles_clients_of(r,
                                            roles_str(files[i].provider)),
                   (long long) files[i].clients,
                   "file: %s: mappings keyed by app client of %s",
                   files[i].file, files[i].provider);
        cig_roles_free(r);
    }

    memset(&err, 0, sizeof(err));
    r = cig_roles_from_file(roles_path(path, sizeof(path),
                                       "t/roles/no-such-file.json"), &err);
    tap_ok(r == NULL && err.code == CIG_ERR_CONFIG,
           "file: a missing file is a configuration error");
    tap_like(err.msg, "cannot open", "file: a missing file: message");

    /* the defaults */

    memset(&err, 0, sizeof(err));
    r = cig_roles_defaults(A_AUTH, A_GUEST, &err);
    tap_ok(r != NULL && cig_roles_pool(r).len == 0,
           "defaults: both roles, no pool");
    cig_roles_free(r);

    r = cig_roles_defaults(NULL, NULL, &err);
    tap_ok(r != NULL, "defaults: no role at all");
    cig_roles_free(r);

    r = cig_roles_defaults("arn:aws-cn:iam::123456789012:role/a/A", NULL,
                           &err);
    tap_ok(r != NULL, "defaults: authenticated role only");
    cig_roles_free(r);

    memset(&err, 0, sizeof(err));
    r = cig_roles_defaults("arn:aws:iam::123456789012:user/A", A_GUEST, &err);
    tap_ok(r == NULL && err.code == CIG_ERR_CONFIG,
           "defaults: a bad authenticated role is refused");
    tap_like(err.msg, "authenticated: \"arn:aws:iam::123456789012:user/A\" "
             "is not an IAM role ARN", "defaults: ... message");

    memset(&err, 0, sizeof(err));
    r = cig_roles_defaults(A_AUTH, ARN("G/"), &err);
    tap_ok(r == NULL && err.code == CIG_ERR_CONFIG,
           "defaults: a bad unauthenticated role is refused");
    tap_like(err.msg, "unauthenticated: ", "defaults: ... message");

    memset(&err, 0, sizeof(err));
    r = cig_roles_defaults(NULL, "", &err);
    tap_ok(r == NULL && err.code == CIG_ERR_CONFIG,
           "defaults: an empty role is refused");
}


/* documents refused, with a substring of the reason */

static void
roles_load_bad(void)
{
    static const struct {
        const char  *name;
        const char  *json;
        const char  *msg;
    } bad[] = {
        /* not a document */
        { "empty input",            "", "invalid JSON" },
        { "not JSON",               "IdentityPoolId=" POOL, "invalid JSON" },
        { "truncated",              "{\"IdentityPoolId\":\"" POOL "\"",
          "invalid JSON" },
        { "trailing garbage",       DOC(R_BOTH) " x", "invalid JSON" },
        { "two documents",          DOC(R_BOTH) DOC(R_BOTH), "invalid JSON" },
        { "an array",               "[" DOC(R_BOTH) "]", "not a JSON object" },
        { "a string",               "\"" POOL "\"", "not a JSON object" },
        { "null",                   "null", "not a JSON object" },

        /* duplicate keys */
        { "duplicate IdentityPoolId",
          "{\"IdentityPoolId\":\"" POOL "\",\"IdentityPoolId\":\"" POOL2 "\"}",
          "duplicate member name" },
        { "duplicate Roles.authenticated",
          DOC(ROLES(R_AUTH "," R_AUTH)), "duplicate member name" },
        { "duplicate mapping",
          DOC(R_BOTH MAPS(TOKEN(P, "Deny") "," TOKEN(P, "Deny"))),
          "duplicate member name" },
        { "duplicate rule member",
          RBODY(RB_CLAIM "," RB_MATCH "," RB_VALUE "," RB_ROLE "," RB_VALUE),
          "duplicate member name" },

        /* unknown fields at each level */
        { "unknown top-level field",
          DOC(R_BOTH ",\"AllowUnauthenticatedIdentities\":true"),
          "roles: unknown field \"AllowUnauthenticatedIdentities\"" },
        { "top-level field in the wrong case",
          DOC(R_BOTH ",\"roleMappings\":{}"),
          "roles: unknown field \"roleMappings\"" },
        { "unknown field in Roles",
          DOC(ROLES(R_AUTH ",\"guest\":\"" A_GUEST "\"")),
          "Roles: unknown field \"guest\"" },
        { "Roles key in the wrong case",
          DOC(ROLES("\"Authenticated\":\"" A_AUTH "\"")),
          "Roles: unknown field \"Authenticated\"" },
        { "unknown field in a mapping",
          DOC(R_BOTH MAPS(MAP(P, "\"Type\":\"Token\",\"AmbiguousRole"
                                 "Resolution\":\"Deny\",\"Priority\":1"))),
          "RoleMappings[\"" P "\"]: unknown field \"Priority\"" },
        { "unknown field in RulesConfiguration",
          DOC(R_BOTH MAPS(MAP(P, "\"Type\":\"Rules\",\"AmbiguousRole"
                                 "Resolution\":\"Deny\",\"RulesConfiguration"
                                 "\":{\"Rules\":[" RULE1 "],\"Rule\":[]}"))),
          "RoleMappings[\"" P "\"].RulesConfiguration: unknown field "
          "\"Rule\"" },
        { "unknown field in a rule",
          RBODY(RB_CLAIM "," RB_MATCH "," RB_VALUE "," RB_ROLE
                ",\"Negate\":false"),
          "RoleMappings[\"" P "\"].RulesConfiguration.Rules[0]: unknown "
          "field \"Negate\"" },
        { "unknown field in the second rule",
          DOC(R_BOTH MAPS(RULES(P, "Deny", RULE1 ",{" RB_CLAIM "," RB_MATCH
                                "," RB_VALUE "," RB_ROLE ",\"x\":1}"))),
          "Rules[1]: unknown field \"x\"" },

        /* IdentityPoolId */
        { "IdentityPoolId missing",  "{" "\"Roles\":{" R_AUTH "}}",
          "IdentityPoolId: a pool id (REGION:UUID) is required" },
        { "IdentityPoolId missing, empty object", "{}",
          "IdentityPoolId: a pool id" },
        { "IdentityPoolId empty",    DOCP("", R_BOTH), "IdentityPoolId:" },
        { "IdentityPoolId without region",
          DOCP("b45b9729-c269-4ef2-86f1-0df3e40fe92d", R_BOTH),
          "IdentityPoolId:" },
        { "IdentityPoolId upper-case",
          DOCP("eu-west-1:B45B9729-C269-4EF2-86F1-0DF3E40FE92D", R_BOTH),
          "IdentityPoolId:" },
        { "IdentityPoolId with a trailing space", DOCP(POOL " ", R_BOTH),
          "IdentityPoolId:" },
        { "IdentityPoolId a number",
          "{\"IdentityPoolId\":1,\"Roles\":{}}", "IdentityPoolId:" },
        { "IdentityPoolId null",
          "{\"IdentityPoolId\":null}", "IdentityPoolId:" },

        /* Roles */
        { "Roles not an object",     DOC(",\"Roles\":[]"),
          "Roles: not an object" },
        { "Roles.authenticated not a string",
          DOC(ROLES("\"authenticated\":null")),
          "Roles.authenticated: not a string" },
        { "Roles.authenticated empty",
          DOC(ROLES("\"authenticated\":\"\"")),
          "Roles.authenticated: \"\" is not an IAM role ARN" },
        { "Roles.authenticated 11-digit account",
          DOC(ROLES("\"authenticated\":\"arn:aws:iam::12345678901:role/A\"")),
          "Roles.authenticated: \"arn:aws:iam::12345678901:role/A\" is not "
          "an IAM role ARN" },
        { "Roles.authenticated a user",
          DOC(ROLES("\"authenticated\":\"arn:aws:iam::123456789012:user/A\"")),
          "Roles.authenticated: \"arn:aws:iam::123456789012:user/A\"" },
        { "Roles.authenticated trailing slash",
          DOC(ROLES("\"authenticated\":\"" ARN("a/") "\"")),
          "Roles.authenticated: " },
        { "Roles.authenticated empty name",
          DOC(ROLES("\"authenticated\":\"" ARN("") "\"")),
          "Roles.authenticated: " },
        { "Roles.authenticated with a space",
          DOC(ROLES("\"authenticated\":\"" ARN("A B") "\"")),
          "Roles.authenticated: " },
        { "Roles.authenticated in an unknown partition",
          DOC(ROLES("\"authenticated\":\"arn:aws-xx:iam::123456789012:"
                    "role/A\"")),
          "Roles.authenticated: " },
        { "Roles.authenticated with \\u0000",
          DOC(ROLES("\"authenticated\":\"" ARN("A\\u0000") "\"")),
          "Roles.authenticated: " },
        { "Roles.unauthenticated bad",
          DOC(ROLES(R_AUTH ",\"unauthenticated\":\"Guest\"")),
          "Roles.unauthenticated: \"Guest\" is not an IAM role ARN" },
        { "Roles.unauthenticated a number",
          DOC(ROLES(R_AUTH ",\"unauthenticated\":1")),
          "Roles.unauthenticated: not a string" },

        /* RoleMappings */
        { "RoleMappings not an object", DOC(R_BOTH ",\"RoleMappings\":[]"),
          "RoleMappings: not an object" },
        { "RoleMappings null",       DOC(R_BOTH ",\"RoleMappings\":null"),
          "RoleMappings: not an object" },
        { "a mapping not an object",
          DOC(R_BOTH MAPS("\"" P "\":\"Token\"")),
          "RoleMappings[\"" P "\"]: not an object" },
        { "a mapping with an empty provider",
          DOC(R_BOTH MAPS(TOKEN("", "Deny"))),
          "RoleMappings[\"\"]: bad provider name" },

        /* Type */
        { "Type missing",
          DOC(R_BOTH MAPS(MAP(P, "\"AmbiguousRoleResolution\":\"Deny\""))),
          "RoleMappings[\"" P "\"].Type: \"Token\" or \"Rules\" is required" },
        { "Type lower-case",
          DOC(R_BOTH MAPS(MAP(P, "\"Type\":\"token\",\"AmbiguousRole"
                                 "Resolution\":\"Deny\""))),
          ".Type: \"Token\" or \"Rules\" is required" },
        { "Type Rule",
          DOC(R_BOTH MAPS(MAP(P, "\"Type\":\"Rule\",\"AmbiguousRole"
                                 "Resolution\":\"Deny\""))),
          ".Type: " },
        { "Type an array",
          DOC(R_BOTH MAPS(MAP(P, "\"Type\":[\"Token\"],\"AmbiguousRole"
                                 "Resolution\":\"Deny\""))),
          ".Type: " },

        /* AmbiguousRoleResolution */
        { "AmbiguousRoleResolution missing, Token",
          DOC(R_BOTH MAPS(MAP(P, "\"Type\":\"Token\""))),
          "RoleMappings[\"" P "\"].AmbiguousRoleResolution: "
          "\"AuthenticatedRole\" or \"Deny\" is required" },
        { "AmbiguousRoleResolution missing, Rules",
          DOC(R_BOTH MAPS(MAP(P, "\"Type\":\"Rules\",\"RulesConfiguration\":"
                                 "{\"Rules\":[" RULE1 "]}"))),
          ".AmbiguousRoleResolution: \"AuthenticatedRole\" or \"Deny\"" },
        { "AmbiguousRoleResolution deny",
          DOC(R_BOTH MAPS(TOKEN(P, "deny"))), ".AmbiguousRoleResolution: " },
        { "AmbiguousRoleResolution UnauthenticatedRole",
          DOC(R_BOTH MAPS(TOKEN(P, "UnauthenticatedRole"))),
          ".AmbiguousRoleResolution: " },
        { "AmbiguousRoleResolution null",
          DOC(R_BOTH MAPS(MAP(P, "\"Type\":\"Token\",\"AmbiguousRole"
                                 "Resolution\":null"))),
          ".AmbiguousRoleResolution: " },

        /* RulesConfiguration */
        { "RulesConfiguration with Type Token",
          DOC(R_BOTH MAPS(MAP(P, "\"Type\":\"Token\",\"AmbiguousRole"
                                 "Resolution\":\"Deny\",\"RulesConfiguration"
                                 "\":{\"Rules\":[" RULE1 "]}"))),
          "RoleMappings[\"" P "\"].RulesConfiguration: only for Type "
          "\"Rules\"" },
        { "empty RulesConfiguration with Type Token",
          DOC(R_BOTH MAPS(MAP(P, "\"Type\":\"Token\",\"AmbiguousRole"
                                 "Resolution\":\"Deny\",\"RulesConfiguration"
                                 "\":{}"))),
          ".RulesConfiguration: only for Type \"Rules\"" },
        { "RulesConfiguration missing with Type Rules",
          DOC(R_BOTH MAPS(MAP(P, "\"Type\":\"Rules\",\"AmbiguousRole"
                                 "Resolution\":\"Deny\""))),
          "RoleMappings[\"" P "\"].RulesConfiguration: required for Type "
          "\"Rules\"" },
        { "RulesConfiguration not an object",
          DOC(R_BOTH MAPS(MAP(P, "\"Type\":\"Rules\",\"AmbiguousRole"
                                 "Resolution\":\"Deny\",\"RulesConfiguration"
                                 "\":[" RULE1 "]"))),
          ".RulesConfiguration: not an object" },
        { "Rules missing",
          DOC(R_BOTH MAPS(MAP(P, "\"Type\":\"Rules\",\"AmbiguousRole"
                                 "Resolution\":\"Deny\",\"RulesConfiguration"
                                 "\":{}"))),
          ".RulesConfiguration.Rules: an array of 1 to 25 rules is "
          "required" },
        { "Rules empty",             DOC(R_BOTH MAPS(RULES(P, "Deny", ""))),
          ".RulesConfiguration.Rules: an array of 1 to 25 rules" },
        { "Rules an object",
          DOC(R_BOTH MAPS(MAP(P, "\"Type\":\"Rules\",\"AmbiguousRole"
                                 "Resolution\":\"Deny\",\"RulesConfiguration"
                                 "\":{\"Rules\":" RULE1 "}"))),
          ".Rules: an array of 1 to 25 rules" },
        { "a rule not an object",
          DOC(R_BOTH MAPS(RULES(P, "Deny", RULE1 ",\"rule\""))),
          ".RulesConfiguration.Rules[1]: not an object" },

        /* Claim */
        { "Claim missing",           RBODY(RB_MATCH "," RB_VALUE "," RB_ROLE),
          "RoleMappings[\"" P "\"].RulesConfiguration.Rules[0].Claim: a "
          "string of 1 to 64 characters is required" },
        { "Claim empty",
          DOC(R_BOTH MAPS(RULES(P, "Deny", RULE("", "Equals", "v", "R")))),
          "Rules[0].Claim: a string of 1 to 64" },
        { "Claim of 65 characters",
          DOC(R_BOTH MAPS(RULES(P, "Deny", RULE(C64 "c", "Equals", "v",
                                                "R")))),
          "Rules[0].Claim: a string of 1 to 64" },
        { "Claim a number",
          RBODY("\"Claim\":1," RB_MATCH "," RB_VALUE "," RB_ROLE),
          "Rules[0].Claim: " },

        /* Value */
        { "Value missing",           RBODY(RB_CLAIM "," RB_MATCH "," RB_ROLE),
          "Rules[0].Value: a string of 1 to 128 characters is required" },
        { "Value empty",
          DOC(R_BOTH MAPS(RULES(P, "Deny", RULE("k", "Equals", "", "R")))),
          "Rules[0].Value: a string of 1 to 128" },
        { "Value of 129 characters",
          DOC(R_BOTH MAPS(RULES(P, "Deny", RULE("k", "Equals", V128 "c",
                                                "R")))),
          "Rules[0].Value: a string of 1 to 128" },
        { "Value a number",
          RBODY(RB_CLAIM "," RB_MATCH ",\"Value\":5," RB_ROLE),
          "Rules[0].Value: " },
        { "Value true",
          RBODY(RB_CLAIM "," RB_MATCH ",\"Value\":true," RB_ROLE),
          "Rules[0].Value: " },

        /* MatchType, exact case only */
        { "MatchType missing",       RBODY(RB_CLAIM "," RB_VALUE "," RB_ROLE),
          "Rules[0].MatchType: missing" },
        { "MatchType a number",
          RBODY(RB_CLAIM ",\"MatchType\":0," RB_VALUE "," RB_ROLE),
          "Rules[0].MatchType: missing" },
        { "MatchType equals",
          DOC(R_BOTH MAPS(RULES(P, "Deny", RULE("k", "equals", "v", "R")))),
          "Rules[0].MatchType: \"equals\" is not one of Equals, Contains, "
          "StartsWith, NotEqual" },
        { "MatchType EQUALS",
          DOC(R_BOTH MAPS(RULES(P, "Deny", RULE("k", "EQUALS", "v", "R")))),
          "MatchType: \"EQUALS\" is not one of" },
        { "MatchType contains",
          DOC(R_BOTH MAPS(RULES(P, "Deny", RULE("k", "contains", "v",
                                                "R")))),
          "MatchType: \"contains\" is not one of" },
        { "MatchType startsWith",
          DOC(R_BOTH MAPS(RULES(P, "Deny", RULE("k", "startsWith", "v",
                                                "R")))),
          "MatchType: \"startsWith\" is not one of" },
        { "MatchType Notequal",
          DOC(R_BOTH MAPS(RULES(P, "Deny", RULE("k", "Notequal", "v",
                                                "R")))),
          "MatchType: \"Notequal\" is not one of" },
        { "MatchType NotEquals",
          DOC(R_BOTH MAPS(RULES(P, "Deny", RULE("k", "NotEquals", "v",
                                                "R")))),
          "MatchType: \"NotEquals\" is not one of" },
        { "MatchType Equal",
          DOC(R_BOTH MAPS(RULES(P, "Deny", RULE("k", "Equal", "v", "R")))),
          "MatchType: \"Equal\" is not one of" },
        { "MatchType with a trailing space",
          DOC(R_BOTH MAPS(RULES(P, "Deny", RULE("k", "Equals ", "v",
                                                "R")))),
          "MatchType: \"Equals \" is not one of" },
        { "MatchType empty",
          DOC(R_BOTH MAPS(RULES(P, "Deny", RULE("k", "", "v", "R")))),
          "MatchType: \"\" is not one of" },

        /* RoleARN */
        { "RoleARN missing",         RBODY(RB_CLAIM "," RB_MATCH "," RB_VALUE),
          "Rules[0].RoleARN: missing" },
        { "RoleARN not a string",
          RBODY(RB_CLAIM "," RB_MATCH "," RB_VALUE ",\"RoleARN\":[]"),
          "Rules[0].RoleARN: not a string" },
        { "RoleARN a user",
          RBODY(RB_CLAIM "," RB_MATCH "," RB_VALUE ",\"RoleARN\":"
                "\"arn:aws:iam::123456789012:user/R\""),
          "RoleMappings[\"" P "\"].RulesConfiguration.Rules[0].RoleARN: "
          "\"arn:aws:iam::123456789012:user/R\" is not an IAM role ARN" },
        { "RoleARN with a space",
          DOC(R_BOTH MAPS(RULES(P, "Deny", RULE("k", "Equals", "v",
                                                "Role R")))),
          "Rules[0].RoleARN: " },
        { "RoleARN of the third rule bad",
          DOC(R_BOTH MAPS(RULES(P, "Deny", RULE1 "," RULE1 ","
                                RULE("k", "Equals", "v", "")))),
          "Rules[2].RoleARN: " },
        { "bad rule in the second mapping",
          DOC(R_BOTH MAPS(TOKEN(P, "Deny") ","
                          RULES(FB, "Deny", RULE("k", "Equals", "", "R")))),
          "RoleMappings[\"" FB "\"].RulesConfiguration.Rules[0].Value: " },
    };
    cig_roles_t  *r;
    cig_err_t     err;
    char         *s;
    size_t        i;

    for (i = 0; i < UNIT_NELTS(bad); i++) {
        memset(&err, 0, sizeof(err));
        r = cig_roles_from_json(bad[i].json, strlen(bad[i].json), &err);

        if (!tap_ok(r == NULL && err.code == CIG_ERR_CONFIG,
                    "refused: %s", bad[i].name))
        {
            tap_diag("code %s, message \"%s\"", cig_code_name(err.code),
                     err.msg);
        }

        tap_like(err.msg, bad[i].msg, "refused: %s: message", bad[i].name);
        cig_roles_free(r);
    }

    /* limits, one past */

    memset(&err, 0, sizeof(err));
    s = roles_n_rules(26);
    r = cig_roles_from_json(s, strlen(s), &err);
    tap_ok(r == NULL && err.code == CIG_ERR_CONFIG, "refused: 26 rules");
    tap_like(err.msg, "RulesConfiguration.Rules: an array of 1 to 25 rules",
             "refused: 26 rules: message");
    cig_roles_free(r);
    free(s);

    memset(&err, 0, sizeof(err));
    s = roles_n_mappings(11);
    r = cig_roles_from_json(s, strlen(s), &err);
    tap_ok(r == NULL && err.code == CIG_ERR_CONFIG, "refused: 11 mappings");
    tap_like(err.msg, "RoleMappings: 11 mappings, at most 10 allowed",
             "refused: 11 mappings: message");
    cig_roles_free(r);
    free(s);

    memset(&err, 0, sizeof(err));
    s = roles_long_arn(2049);
    {
        roles_buf_t  b = { NULL, 0, 0 };

        roles_add(&b, "{\"IdentityPoolId\":\"" POOL "\",\"Roles\":{"
                      "\"authenticated\":\"");
        roles_add(&b, s);
        roles_add(&b, "\"}}");
        r = cig_roles_from_json(b.data, b.len, &err);
        tap_ok(r == NULL && err.code == CIG_ERR_CONFIG,
               "refused: a role ARN of 2049 characters");
        tap_like(err.msg, "Roles.authenticated: \"" ARN("x"),
                 "refused: a role ARN of 2049 characters: message");
        tap_ok(strlen(err.msg) < 200,
               "refused: a role ARN of 2049 characters: message is short");
        cig_roles_free(r);
        free(b.data);
    }
    free(s);
}


/* cig_roles_choose */

typedef struct {
    const char   *name;
    const char   *doc;
    int           authenticated;
    const char   *provider;
    const char   *client;       /* in->client_id, NULL: none */
    const char   *requested;    /* in->requested, NULL: none */
    const char   *claims;       /* JSON, NULL: in->claims NULL */
    cig_code_t    rc;
    const char   *role;         /* expected on success */
    int           rule;         /* expected on success */
    const char   *mapping;      /* expected on success, "" none */
    const char   *how;          /* substring of out->how, or of err.msg */
} roles_choose_case_t;


#define D_PLAIN        DOC(R_BOTH)
#define D_EMPTY        DOC(ROLES(""))
#define D_AUTH_ONLY    DOC(ROLES(R_AUTH))
#define D_GUEST_ONLY   DOC(ROLES(R_GUEST))

#define D_RULES                                                               \
    DOC(R_BOTH MAPS(RULES(P, "AuthenticatedRole",                             \
        RULE("cognito:groups", "Equals", "admins", "Admin") ","               \
        RULE("email", "StartsWith", "ops.", "Ops") ","                        \
        RULE("email", "Contains", "@corp.", "Corp") ","                       \
        RULE("custom:dept", "NotEqual", "sales", "NotSales") ","              \
        RULE("custom:level", "Equals", "5", "Five") ","                       \
        RULE("custom:flag", "Equals", "true", "Flag") ","                     \
        RULE("custom:ratio", "StartsWith", "2.5", "Ratio") ","                \
        RULE("custom:off", "Contains", "als", "Off"))))
#define D_RULES_DENY                                                          \
    DOC(R_BOTH MAPS(RULES(P, "Deny",                                          \
        RULE("cognito:groups", "Equals", "admins", "Admin"))))
#define D_RULES_NOAUTH                                                        \
    DOC(ROLES(R_GUEST) MAPS(RULES(P, "AuthenticatedRole",                     \
        RULE("cognito:groups", "Equals", "admins", "Admin"))))

#define D_TOKEN        DOC(R_BOTH MAPS(TOKEN(P, "AuthenticatedRole")))
#define D_TOKEN_DENY   DOC(R_BOTH MAPS(TOKEN(P, "Deny")))
#define D_TOKEN_NOAUTH DOC(ROLES(R_GUEST) MAPS(TOKEN(P, "AuthenticatedRole")))

#define D_LOOKUP                                                              \
    DOC(R_BOTH MAPS(                                                          \
        RULES(P ":c1", "Deny", RULE("k", "Equals", "v", "C1")) ","            \
        RULES(P ":c2", "Deny", RULE("k", "Equals", "v", "C2")) ","            \
        RULES(P, "Deny", RULE("k", "Equals", "v", "Exact")) ","               \
        RULES(Q ":only", "Deny", RULE("k", "Equals", "v", "Only")) ","        \
        RULES(Q "x:c9", "Deny", RULE("k", "Equals", "v", "Qx")) ","           \
        TOKEN(S ":a", "Deny") ","                                             \
        RULES(S ":b", "Deny", RULE("k", "Equals", "v", "Sb")) ","             \
        RULES(FB, "Deny", RULE("k", "Equals", "v", "Fb"))))
#define D_LOOKUP_NOAUTH                                                       \
    DOC(ROLES(R_GUEST) MAPS(                                                  \
        RULES(P ":c1", "Deny", RULE("k", "Equals", "v", "C1"))))

/* cognito:roles */
#define A_R1     ARN("R1")
#define A_R2     ARN("R2")
#define CR(v)    "{\"cognito:roles\":" v "}"
#define CR2      "[\"" A_R1 "\",\"" A_R2 "\"]"
#define KV       "{\"k\":\"v\"}"

#define OK(role, rule, mapping, how)  CIG_OK, role, rule, mapping, how
#define NO(msg)                       CIG_ERR_FORBIDDEN, NULL, -1, "", msg


static const roles_choose_case_t  roles_choose_cases[] = {

    /* guests */
    { "guest: unauthenticated role", D_PLAIN, 0, NULL, NULL, NULL, "{}",
      OK(A_GUEST, -1, "", "unauthenticated role") },
    { "guest: mappings are not consulted", D_TOKEN_DENY, 0, NULL, NULL, NULL,
      CR2, OK(A_GUEST, -1, "", "unauthenticated role") },
    { "guest: no claims at all", D_PLAIN, 0, NULL, NULL, NULL, NULL,
      OK(A_GUEST, -1, "", "unauthenticated") },
    { "guest: without an unauthenticated role", D_AUTH_ONLY, 0, NULL, NULL,
      NULL, "{}", NO("the pool has no role for unauthenticated identities") },
    { "guest: no roles at all", D_EMPTY, 0, NULL, NULL, NULL, "{}",
      NO("no role for unauthenticated") },
    { "guest: asks for the unauthenticated role", D_PLAIN, 0, NULL, NULL,
      A_GUEST, "{}", OK(A_GUEST, -1, "", "unauthenticated role") },
    { "guest: asks for the authenticated role", D_PLAIN, 0, NULL, NULL,
      A_AUTH, "{}", NO("the requested role is not the role the pool chose") },

    /* authenticated, no mapping */
    { "authenticated, no mapping", D_PLAIN, 1, P, NULL, NULL, "{}",
      OK(A_AUTH, -1, "", "authenticated role") },
    { "authenticated, no mapping, no claims", D_PLAIN, 1, P, NULL, NULL,
      NULL, OK(A_AUTH, -1, "", "authenticated role") },
    { "authenticated, no mapping, with a client id", D_PLAIN, 1, P, "c1",
      NULL, "{}", OK(A_AUTH, -1, "", "authenticated role") },
    { "authenticated, no mapping, no authenticated role", D_GUEST_ONLY, 1, P,
      NULL, NULL, "{}", NO("the pool has no authenticated role") },
    { "authenticated, another provider's mapping", D_RULES, 1, FB, NULL,
      NULL, "{\"cognito:groups\":\"admins\"}",
      OK(A_AUTH, -1, "", "authenticated role") },
    { "authenticated, no provider", D_RULES, 1, NULL, NULL, NULL,
      "{\"cognito:groups\":\"admins\"}",
      OK(A_AUTH, -1, "", "authenticated role") },
    { "authenticated, asks for the authenticated role", D_PLAIN, 1, P, NULL,
      A_AUTH, "{}", OK(A_AUTH, -1, "", "authenticated role") },
    { "authenticated, asks for another role", D_PLAIN, 1, P, NULL,
      ARN("Admin"), "{}", NO("the requested role is not the role the pool") },
    { "authenticated, asks for the guest role", D_PLAIN, 1, P, NULL,
      A_GUEST, "{}", NO("the requested role is not the role the pool") },

    /* which mapping */
    { "lookup: PROVIDER:CLIENTID", D_LOOKUP, 1, P, "c1", NULL, KV,
      OK(ARN("C1"), 0, P ":c1", "rule") },
    { "lookup: PROVIDER:CLIENTID, the other client", D_LOOKUP, 1, P, "c2",
      NULL, KV, OK(ARN("C2"), 0, P ":c2", "rule") },
    { "lookup: unknown client: the provider's own key", D_LOOKUP, 1, P, "c3",
      NULL, KV, OK(ARN("Exact"), 0, P, "rule") },
    { "lookup: client id a prefix of a key's", D_LOOKUP, 1, P, "c", NULL,
      KV, OK(ARN("Exact"), 0, P, "rule") },
    { "lookup: client id longer than a key's", D_LOOKUP, 1, P, "c1x", NULL,
      KV, OK(ARN("Exact"), 0, P, "rule") },
    { "lookup: no client id: the provider's own key first", D_LOOKUP, 1, P,
      NULL, NULL, KV, OK(ARN("Exact"), 0, P, "rule") },
    { "lookup: exact provider key, not a user pool", D_LOOKUP, 1, FB, NULL,
      NULL, KV, OK(ARN("Fb"), 0, FB, "rule") },
    { "lookup: exact provider key, client id ignored", D_LOOKUP, 1, FB, "c1",
      NULL, KV, OK(ARN("Fb"), 0, FB, "rule") },
    { "lookup: no client id: the single PROVIDER:x key", D_LOOKUP, 1, Q,
      NULL, NULL, KV, OK(ARN("Only"), 0, Q ":only", "rule") },
    { "lookup: PROVIDER:x needs the ':' boundary", D_LOOKUP, 1, Q "x", NULL,
      NULL, KV, OK(ARN("Qx"), 0, Q "x:c9", "rule") },
    { "lookup: single key of another client, client id given", D_LOOKUP, 1,
      Q, "other", NULL, KV, OK(A_AUTH, -1, "", "authenticated role") },
    { "lookup: two app clients, no client id", D_LOOKUP, 1, S, NULL, NULL,
      KV, NO("several app clients") },
    { "lookup: two app clients, no client id, a role requested", D_LOOKUP,
      1, S, NULL, A_AUTH, KV, NO("several app clients") },
    { "lookup: two app clients, client a (Token)", D_LOOKUP, 1, S, "a",
      NULL, CR("[\"" A_R1 "\"]"),
      OK(A_R1, -1, S ":a", "the only role in cognito:roles") },
    { "lookup: two app clients, client b (Rules)", D_LOOKUP, 1, S, "b",
      NULL, KV, OK(ARN("Sb"), 0, S ":b", "rule") },
    { "lookup: provider a prefix of a key", D_LOOKUP, 1, IDP "ab", NULL,
      NULL, KV, OK(A_AUTH, -1, "", "authenticated role") },
    { "lookup: provider longer than a key", D_LOOKUP, 1, P "c", NULL, NULL,
      KV, OK(A_AUTH, -1, "", "authenticated role") },
    { "lookup: mapped, Deny, no match", D_LOOKUP, 1, P, "c1", NULL, "{}",
      NO("no rule matched and the mapping denies") },
    { "lookup: unmapped, no authenticated role", D_LOOKUP_NOAUTH, 1, P, "c9",
      NULL, KV, NO("the pool has no authenticated role") },
    { "lookup: mapped, no authenticated role", D_LOOKUP_NOAUTH, 1, P, "c1",
      NULL, KV, OK(ARN("C1"), 0, P ":c1", "rule") },

    /* Rules: MatchType on strings */
    { "rules: Equals", D_RULES, 1, P, NULL, NULL,
      "{\"cognito:groups\":\"admins\"}", OK(ARN("Admin"), 0, P, "rule") },
    { "rules: Equals is case-sensitive", D_RULES, 1, P, NULL, NULL,
      "{\"cognito:groups\":\"Admins\"}",
      OK(A_AUTH, -1, P, "no rule matched") },
    { "rules: Equals is not StartsWith", D_RULES, 1, P, NULL, NULL,
      "{\"cognito:groups\":\"admins2\"}",
      OK(A_AUTH, -1, P, "no rule matched") },
    { "rules: Equals is not Contains", D_RULES, 1, P, NULL, NULL,
      "{\"cognito:groups\":\"dmin\"}", OK(A_AUTH, -1, P, "no rule matched") },
    { "rules: StartsWith", D_RULES, 1, P, NULL, NULL,
      "{\"email\":\"ops.team@example.com\"}", OK(ARN("Ops"), 1, P, "rule") },
    { "rules: StartsWith the whole value", D_RULES, 1, P, NULL, NULL,
      "{\"email\":\"ops.\"}", OK(ARN("Ops"), 1, P, "rule") },
    { "rules: StartsWith, shorter than the value", D_RULES, 1, P, NULL, NULL,
      "{\"email\":\"ops\"}", OK(A_AUTH, -1, P, "no rule matched") },
    { "rules: StartsWith, not at the start", D_RULES, 1, P, NULL, NULL,
      "{\"email\":\"xops.y\"}", OK(A_AUTH, -1, P, "no rule matched") },
    { "rules: Contains", D_RULES, 1, P, NULL, NULL,
      "{\"email\":\"dev@corp.example\"}", OK(ARN("Corp"), 2, P, "rule") },
    { "rules: Contains at the end", D_RULES, 1, P, NULL, NULL,
      "{\"email\":\"dev@corp.\"}", OK(ARN("Corp"), 2, P, "rule") },
    { "rules: Contains the whole value", D_RULES, 1, P, NULL, NULL,
      "{\"email\":\"@corp.\"}", OK(ARN("Corp"), 2, P, "rule") },
    { "rules: Contains, partial", D_RULES, 1, P, NULL, NULL,
      "{\"email\":\"dev@corp\"}", OK(A_AUTH, -1, P, "no rule matched") },
    { "rules: NotEqual", D_RULES, 1, P, NULL, NULL,
      "{\"custom:dept\":\"hr\"}", OK(ARN("NotSales"), 3, P, "rule") },
    { "rules: NotEqual, longer", D_RULES, 1, P, NULL, NULL,
      "{\"custom:dept\":\"salesx\"}", OK(ARN("NotSales"), 3, P, "rule") },
    { "rules: NotEqual, empty string", D_RULES, 1, P, NULL, NULL,
      "{\"custom:dept\":\"\"}", OK(ARN("NotSales"), 3, P, "rule") },
    { "rules: NotEqual, equal", D_RULES, 1, P, NULL, NULL,
      "{\"custom:dept\":\"sales\"}", OK(A_AUTH, -1, P, "no rule matched") },
    { "rules: NotEqual, absent claim", D_RULES, 1, P, NULL, NULL,
      "{\"custom:other\":\"hr\"}", OK(A_AUTH, -1, P, "no rule matched") },
    { "rules: no claims object", D_RULES, 1, P, NULL, NULL, NULL,
      OK(A_AUTH, -1, P, "no rule matched") },
    { "rules: empty claims", D_RULES, 1, P, NULL, NULL, "{}",
      OK(A_AUTH, -1, P, "no rule matched") },
    { "rules: NotEqual, null claim", D_RULES, 1, P, NULL, NULL,
      "{\"custom:dept\":null}", OK(A_AUTH, -1, P, "no rule matched") },
    { "rules: NotEqual, object claim", D_RULES, 1, P, NULL, NULL,
      "{\"custom:dept\":{\"name\":\"hr\"}}",
      OK(A_AUTH, -1, P, "no rule matched") },
    { "rules: claim names are case-sensitive", D_RULES, 1, P, NULL, NULL,
      "{\"Cognito:Groups\":\"admins\"}",
      OK(A_AUTH, -1, P, "no rule matched") },

    /* Rules: arrays */
    { "rules: array, Equals any element", D_RULES, 1, P, NULL, NULL,
      "{\"cognito:groups\":[\"users\",\"admins\"]}",
      OK(ARN("Admin"), 0, P, "rule") },
    { "rules: array, no element Equals", D_RULES, 1, P, NULL, NULL,
      "{\"cognito:groups\":[\"users\",\"admin\",\"admins2\"]}",
      OK(A_AUTH, -1, P, "no rule matched") },
    { "rules: array, empty", D_RULES, 1, P, NULL, NULL,
      "{\"cognito:groups\":[],\"custom:dept\":[]}",
      OK(A_AUTH, -1, P, "no rule matched") },
    { "rules: array, StartsWith any element", D_RULES, 1, P, NULL, NULL,
      "{\"email\":[\"a@b\",\"ops.x\"]}", OK(ARN("Ops"), 1, P, "rule") },
    { "rules: array, Contains any element", D_RULES, 1, P, NULL, NULL,
      "{\"email\":[\"a@b\",\"x@corp.y\"]}", OK(ARN("Corp"), 2, P, "rule") },
    { "rules: array, NotEqual: some element differs", D_RULES, 1, P, NULL,
      NULL, "{\"custom:dept\":[\"sales\",\"hr\"]}",
      OK(ARN("NotSales"), 3, P, "rule") },
    { "rules: array, NotEqual: every element equal", D_RULES, 1, P, NULL,
      NULL, "{\"custom:dept\":[\"sales\",\"sales\"]}",
      OK(A_AUTH, -1, P, "no rule matched") },
    { "rules: array, number element by its JSON text", D_RULES, 1, P, NULL,
      NULL, "{\"custom:level\":[4,5]}", OK(ARN("Five"), 4, P, "rule") },
    { "rules: array, boolean element by its JSON text", D_RULES, 1, P, NULL,
      NULL, "{\"custom:flag\":[false,true]}", OK(ARN("Flag"), 5, P, "rule") },
    { "rules: array, nested arrays and objects match nothing", D_RULES, 1, P,
      NULL, NULL, "{\"cognito:groups\":[[\"admins\"],{\"a\":\"admins\"}]}",
      OK(A_AUTH, -1, P, "no rule matched") },
    { "rules: array, null element matches nothing", D_RULES, 1, P, NULL,
      NULL, "{\"custom:dept\":[null]}", OK(A_AUTH, -1, P, "no rule matched") },

    /* Rules: numbers and booleans by their JSON text */
    { "rules: number Equals \"5\"", D_RULES, 1, P, NULL, NULL,
      "{\"custom:level\":5}", OK(ARN("Five"), 4, P, "rule") },
    { "rules: string \"5\" Equals \"5\"", D_RULES, 1, P, NULL, NULL,
      "{\"custom:level\":\"5\"}", OK(ARN("Five"), 4, P, "rule") },
    { "rules: 5.0 is not \"5\"", D_RULES, 1, P, NULL, NULL,
      "{\"custom:level\":5.0}", OK(A_AUTH, -1, P, "no rule matched") },
    { "rules: 5e0 is not \"5\"", D_RULES, 1, P, NULL, NULL,
      "{\"custom:level\":5e0}", OK(A_AUTH, -1, P, "no rule matched") },
    { "rules: -5 is not \"5\"", D_RULES, 1, P, NULL, NULL,
      "{\"custom:level\":-5}", OK(A_AUTH, -1, P, "no rule matched") },
    { "rules: 55 is not \"5\"", D_RULES, 1, P, NULL, NULL,
      "{\"custom:level\":55}", OK(A_AUTH, -1, P, "no rule matched") },
    { "rules: number with whitespace around", D_RULES, 1, P, NULL, NULL,
      "{\"custom:level\" :  5  }", OK(ARN("Five"), 4, P, "rule") },
    { "rules: number StartsWith by its text", D_RULES, 1, P, NULL, NULL,
      "{\"custom:ratio\":2.50}", OK(ARN("Ratio"), 6, P, "rule") },
    { "rules: true Equals \"true\"", D_RULES, 1, P, NULL, NULL,
      "{\"custom:flag\":true}", OK(ARN("Flag"), 5, P, "rule") },
    { "rules: string \"true\" Equals \"true\"", D_RULES, 1, P, NULL, NULL,
      "{\"custom:flag\":\"true\"}", OK(ARN("Flag"), 5, P, "rule") },
    { "rules: false is not \"true\"", D_RULES, 1, P, NULL, NULL,
      "{\"custom:flag\":false}", OK(A_AUTH, -1, P, "no rule matched") },
    { "rules: false Contains \"als\"", D_RULES, 1, P, NULL, NULL,
      "{\"custom:off\":false}", OK(ARN("Off"), 7, P, "rule") },
    { "rules: null is not \"null\"", D_RULES, 1, P, NULL, NULL,
      "{\"custom:flag\":null}", OK(A_AUTH, -1, P, "no rule matched") },

    /* Rules: order */
    { "rules: first match wins (0 before 3)", D_RULES, 1, P, NULL, NULL,
      "{\"custom:dept\":\"hr\",\"cognito:groups\":\"admins\"}",
      OK(ARN("Admin"), 0, P, "rule") },
    { "rules: first match wins (1 before 2)", D_RULES, 1, P, NULL, NULL,
      "{\"email\":\"ops.x@corp.example\"}", OK(ARN("Ops"), 1, P, "rule") },
    { "rules: first match wins (2 before 3)", D_RULES, 1, P, NULL, NULL,
      "{\"custom:dept\":\"hr\",\"email\":\"x@corp.y\"}",
      OK(ARN("Corp"), 2, P, "rule") },
    { "rules: a later rule when earlier ones miss", D_RULES, 1, P, NULL,
      NULL, "{\"cognito:groups\":\"users\",\"custom:dept\":\"sales\","
      "\"custom:level\":5}", OK(ARN("Five"), 4, P, "rule") },

    /* Rules: no match */
    { "rules: no match, AuthenticatedRole: fallback", D_RULES, 1, P, NULL,
      NULL, "{\"cognito:groups\":\"users\"}",
      OK(A_AUTH, -1, P, "no rule matched: authenticated role") },
    { "rules: no match, Deny", D_RULES_DENY, 1, P, NULL, NULL,
      "{\"cognito:groups\":\"users\"}",
      NO("no rule matched and the mapping denies ambiguous identities") },
    { "rules: match, Deny mapping", D_RULES_DENY, 1, P, NULL, NULL,
      "{\"cognito:groups\":\"admins\"}", OK(ARN("Admin"), 0, P, "rule") },
    { "rules: no match, no authenticated role", D_RULES_NOAUTH, 1, P, NULL,
      NULL, "{\"cognito:groups\":\"users\"}",
      NO("no authenticated role to fall back to") },
    { "rules: match, no authenticated role", D_RULES_NOAUTH, 1, P, NULL,
      NULL, "{\"cognito:groups\":\"admins\"}",
      OK(ARN("Admin"), 0, P, "rule") },

    /* Rules: a requested role */
    { "rules: asks for the matching rule's role", D_RULES, 1, P, NULL,
      ARN("Admin"), "{\"cognito:groups\":\"admins\"}",
      OK(ARN("Admin"), 0, P, "rule") },
    { "rules: asks for the authenticated role, a rule matched", D_RULES, 1,
      P, NULL, A_AUTH, "{\"cognito:groups\":\"admins\"}",
      NO("the requested role is not the role the pool chose") },
    { "rules: asks for another rule's role", D_RULES, 1, P, NULL, ARN("Ops"),
      "{\"cognito:groups\":\"admins\"}", NO("the requested role is not") },
    { "rules: asks for a prefix of the role", D_RULES, 1, P, NULL,
      ARN("Adm"), "{\"cognito:groups\":\"admins\"}",
      NO("the requested role is not") },
    { "rules: asks for the role and more", D_RULES, 1, P, NULL,
      ARN("Admin2"), "{\"cognito:groups\":\"admins\"}",
      NO("the requested role is not") },
    { "rules: asks for the fallback role", D_RULES, 1, P, NULL, A_AUTH,
      "{}", OK(A_AUTH, -1, P, "no rule matched: authenticated role") },
    { "rules: asks for a role, no match", D_RULES, 1, P, NULL, ARN("Admin"),
      "{}", NO("the requested role is not") },

    /* Token */
    { "token: requested, in cognito:roles (array)", D_TOKEN, 1, P, NULL,
      A_R2, CR(CR2), OK(A_R2, -1, P, "requested role from cognito:roles") },
    { "token: requested, in cognito:roles (string)", D_TOKEN, 1, P, NULL,
      A_R2, CR("\"" A_R1 "," A_R2 "\""), OK(A_R2, -1, P, "requested") },
    { "token: requested, in cognito:roles (string with spaces)", D_TOKEN, 1,
      P, NULL, A_R1, CR("\"  " A_R2 " ,  " A_R1 "  \""),
      OK(A_R1, -1, P, "requested") },
    { "token: requested, cognito:roles one string", D_TOKEN_DENY, 1, P,
      NULL, A_R1, CR("\"" A_R1 "\""), OK(A_R1, -1, P, "requested") },
    { "token: requested, not in cognito:roles", D_TOKEN, 1, P, NULL,
      ARN("R3"), CR(CR2), NO("the requested role is not in cognito:roles") },
    { "token: requested, not in cognito:roles (string)", D_TOKEN, 1, P, NULL,
      ARN("R3"), CR("\"" A_R1 ", " A_R2 "\""),
      NO("the requested role is not in cognito:roles") },
    { "token: requested, a prefix of a listed role", D_TOKEN, 1, P, NULL,
      ARN("R"), CR(CR2), NO("not in cognito:roles") },
    { "token: requested, a listed role plus more", D_TOKEN, 1, P, NULL,
      ARN("R12"), CR("\"" A_R1 "\""), NO("not in cognito:roles") },
    { "token: requested, no cognito:roles", D_TOKEN, 1, P, NULL, A_R1,
      "{}", NO("not in cognito:roles") },
    { "token: requested, the authenticated role, not listed", D_TOKEN, 1, P,
      NULL, A_AUTH, CR(CR2), NO("not in cognito:roles") },
    { "token: requested wins over preferred_role", D_TOKEN, 1, P, NULL,
      A_R1, "{\"cognito:roles\":" CR2 ",\"cognito:preferred_role\":\""
      A_R2 "\"}", OK(A_R1, -1, P, "requested") },
    { "token: requested, only preferred_role has it", D_TOKEN, 1, P, NULL,
      A_R1, "{\"cognito:roles\":[\"" A_R2 "\"],\"cognito:preferred_role\":\""
      A_R1 "\"}", NO("not in cognito:roles") },
    { "token: preferred_role", D_TOKEN_DENY, 1, P, NULL, NULL,
      "{\"cognito:roles\":" CR2 ",\"cognito:preferred_role\":\"" A_R2 "\"}",
      OK(A_R2, -1, P, "cognito:preferred_role") },
    { "token: preferred_role not a role ARN (fuzz_roles)", D_TOKEN_DENY, 1,
      P, NULL, NULL, "{\"cognito:preferred_role\":\"arn:aws:iam::1:user/x\"}",
      NO("not an IAM role ARN") },
    { "token: requested and listed, not a role ARN", D_TOKEN, 1, P, NULL,
      "Admin", "{\"cognito:roles\":[\"Admin\"]}", NO("not an IAM role ARN") },
    { "token: the only role, not a role ARN", D_TOKEN_DENY, 1, P, NULL, NULL,
      CR("[\"Admin\"]"), NO("not an IAM role ARN") },
    { "token: preferred_role, no cognito:roles", D_TOKEN_DENY, 1, P, NULL,
      NULL, "{\"cognito:preferred_role\":\"" A_R2 "\"}",
      OK(A_R2, -1, P, "cognito:preferred_role") },
    { "token: empty preferred_role is ignored", D_TOKEN, 1, P, NULL, NULL,
      "{\"cognito:roles\":" CR2 ",\"cognito:preferred_role\":\"\"}",
      OK(A_AUTH, -1, P, "ambiguous token roles") },
    { "token: preferred_role not a string is ignored", D_TOKEN_DENY, 1, P,
      NULL, NULL, "{\"cognito:roles\":[\"" A_R1 "\"],"
      "\"cognito:preferred_role\":[\"" A_R2 "\"]}",
      OK(A_R1, -1, P, "the only role in cognito:roles") },
    { "token: the only role (array)", D_TOKEN_DENY, 1, P, NULL, NULL,
      CR("[\"" A_R1 "\"]"), OK(A_R1, -1, P, "the only role in cognito:roles") },
    { "token: the only role (string)", D_TOKEN_DENY, 1, P, NULL, NULL,
      CR("\" " A_R1 " \""), OK(A_R1, -1, P, "the only role") },
    { "token: the only role (string, empty entries)", D_TOKEN_DENY, 1, P,
      NULL, NULL, CR("\", " A_R1 " , ,\""), OK(A_R1, -1, P, "the only role") },
    { "token: the only role (array, empty entries)", D_TOKEN_DENY, 1, P,
      NULL, NULL, CR("[\"\",\"" A_R1 "\",\"\"]"),
      OK(A_R1, -1, P, "the only role") },
    { "token: several roles, AuthenticatedRole", D_TOKEN, 1, P, NULL, NULL,
      CR(CR2), OK(A_AUTH, -1, P, "ambiguous token roles: authenticated") },
    { "token: several roles (string), AuthenticatedRole", D_TOKEN, 1, P,
      NULL, NULL, CR("\"" A_R1 ", " A_R2 "\""),
      OK(A_AUTH, -1, P, "ambiguous token roles") },
    { "token: several roles, Deny", D_TOKEN_DENY, 1, P, NULL, NULL, CR(CR2),
      NO("several roles in cognito:roles and the mapping denies") },
    { "token: several roles (string), Deny", D_TOKEN_DENY, 1, P, NULL, NULL,
      CR("\"" A_R1 "," A_R2 "\""), NO("several roles in cognito:roles") },
    { "token: several roles, no authenticated role", D_TOKEN_NOAUTH, 1, P,
      NULL, NULL, CR(CR2), NO("no authenticated role to fall back to") },
    { "token: no cognito:roles, AuthenticatedRole", D_TOKEN, 1, P, NULL,
      NULL, "{}", OK(A_AUTH, -1, P, "ambiguous token roles") },
    { "token: no claims object, AuthenticatedRole", D_TOKEN, 1, P, NULL,
      NULL, NULL, OK(A_AUTH, -1, P, "ambiguous token roles") },
    { "token: no cognito:roles, Deny", D_TOKEN_DENY, 1, P, NULL, NULL, "{}",
      NO("no cognito:roles and the mapping denies") },
    { "token: empty cognito:roles array, Deny", D_TOKEN_DENY, 1, P, NULL,
      NULL, CR("[]"), NO("no cognito:roles and the mapping denies") },
    { "token: empty cognito:roles string, Deny", D_TOKEN_DENY, 1, P, NULL,
      NULL, CR("\" , \""), NO("no cognito:roles") },
    { "token: cognito:roles a number, Deny", D_TOKEN_DENY, 1, P, NULL, NULL,
      CR("1"), NO("no cognito:roles") },
    { "token: no cognito:roles, no authenticated role", D_TOKEN_NOAUTH, 1,
      P, NULL, NULL, "{}", NO("no authenticated role to fall back to") },
};


static void
roles_choose_one(const roles_choose_case_t *c)
{
    cig_arena_t        *arena;
    cig_allocator_t     a;
    cig_roles_t        *r;
    cig_identity_t      id;
    cig_role_input_t    in;
    cig_role_choice_t   out;
    cig_err_t           err;
    cig_code_t          rc;

    arena = cig_arena_create();
    if (arena == NULL) {
        roles_bail("out of memory");
    }

    cig_arena_allocator(arena, &a);

    r = roles_load(c->doc);

    memset(&id, 0, sizeof(id));
    memset(&in, 0, sizeof(in));
    memset(&err, 0, sizeof(err));

    id.sub = roles_str(ID);
    id.aud = roles_str(POOL);
    id.authenticated = c->authenticated ? 1 : 0;

    if (c->authenticated) {
        id.amr[id.namr++] = roles_str("authenticated");
        if (c->provider) {
            id.provider = roles_str(c->provider);
            id.amr[id.namr++] = id.provider;
        }
    } else {
        id.amr[id.namr++] = roles_str("unauthenticated");
    }

    if (c->claims) {
        in.claims = cig_json_parse(c->claims, strlen(c->claims),
                                   CIG_MAX_JSON_DEPTH, &a, &err);
        if (in.claims == NULL) {
            tap_diag("%s: claims: %s", c->name, err.msg);
            roles_bail("test claims do not parse");
        }
    }

    in.client_id = roles_str(c->client);
    in.requested = roles_str(c->requested);

    /* out is overwritten: start from garbage */
    memset(&out, 0x5a, sizeof(out));

    rc = cig_roles_choose(r, &id, &in, &out, &err);

    if (!tap_is_int(rc, c->rc, "choose: %s: %s", c->name,
                    cig_code_name(c->rc)))
    {
        tap_diag("error: %s; how: %s", err.msg,
                 (rc == CIG_OK || rc == CIG_ERR_FORBIDDEN) && out.how
                 ? out.how : "-");
    }

    tap_ok(out.how != NULL && out.how[0] != '\0', "choose: %s: how is set",
           c->name);

    if (c->rc == CIG_OK) {
        if (rc == CIG_OK) {
            tap_is_mem(out.role.data, out.role.len, c->role, strlen(c->role),
                       "choose: %s: role", c->name);
            tap_is_int(out.rule, c->rule, "choose: %s: rule", c->name);
            tap_is_mem(out.mapping.len ? out.mapping.data : "",
                       out.mapping.len, c->mapping, strlen(c->mapping),
                       "choose: %s: mapping", c->name);
            tap_like(out.how, c->how, "choose: %s: how", c->name);
        } else {
            tap_ok(0, "choose: %s: role", c->name);
            tap_ok(0, "choose: %s: rule", c->name);
            tap_ok(0, "choose: %s: mapping", c->name);
            tap_ok(0, "choose: %s: how", c->name);
        }

    } else {
        tap_ok(err.code == c->rc, "choose: %s: err.code", c->name);
        tap_like(err.msg, c->how, "choose: %s: message", c->name);
        tap_ok(out.role.len == 0, "choose: %s: no role", c->name);
        tap_ok(out.how != NULL && strstr(err.msg, out.how) != NULL,
               "choose: %s: the message gives how", c->name);
    }

    cig_roles_free(r);
    cig_arena_destroy(arena);
}


static void
roles_choose(void)
{
    size_t  i;

    for (i = 0; i < UNIT_NELTS(roles_choose_cases); i++) {
        roles_choose_one(&roles_choose_cases[i]);
    }
}


/* the repository's own files, end to end */

static void
roles_choose_files(void)
{
    cig_arena_t        *arena;
    cig_allocator_t     a;
    cig_roles_t        *r, *r2;
    cig_identity_t      id;
    cig_role_input_t    in;
    cig_role_choice_t   out;
    cig_err_t           err;
    cig_code_t          rc;
    char                path[4096];
    static const char   claims[] =
        "{\"cognito:groups\":[\"staff\",\"admins\"],\"email\":\"a@b\"}";

    arena = cig_arena_create();
    if (arena == NULL) {
        roles_bail("out of memory");
    }

    cig_arena_allocator(arena, &a);
    memset(&err, 0, sizeof(err));

    r = cig_roles_from_file(roles_path(path, sizeof(path),
                                       "t/roles/pool-roles.json"), &err);
    r2 = cig_roles_from_file(roles_path(path, sizeof(path),
                                        "t/roles/pool2-roles.json"), &err);
    if (r == NULL || r2 == NULL) {
        tap_diag("error: %s", err.msg);
        roles_bail("cannot load t/roles/*.json");
    }

    memset(&id, 0, sizeof(id));
    memset(&in, 0, sizeof(in));
    id.authenticated = 1;
    id.provider = roles_str(IDP "abc");
    in.claims = cig_json_parse(claims, sizeof(claims) - 1, CIG_MAX_JSON_DEPTH,
                               &a, &err);

    rc = cig_roles_choose(r, &id, &in, &out, &err);
    tap_ok(rc == CIG_OK && out.rule == 0
           && cig_str_is(out.role, ARN("Admin"))
           && cig_str_is(out.mapping, IDP "abc:client1abc"),
           "file: pool-roles.json: the single app client's rules, no login "
           "client id");

    in.client_id = roles_str("client1abc");
    rc = cig_roles_choose(r, &id, &in, &out, &err);
    tap_ok(rc == CIG_OK && cig_str_is(out.role, ARN("Admin")),
           "file: pool-roles.json: ... and with its client id");

    in.client_id = roles_str("otherclient");
    rc = cig_roles_choose(r, &id, &in, &out, &err);
    tap_ok(rc == CIG_OK && cig_str_is(out.role, ARN("Auth"))
           && out.mapping.len == 0,
           "file: pool-roles.json: another client: authenticated role");

    in.client_id = roles_str(NULL);
    id.provider = roles_str(IDP "def");
    rc = cig_roles_choose(r, &id, &in, &out, &err);
    tap_ok(rc == CIG_ERR_FORBIDDEN, "file: pool-roles.json: Token, Deny, "
           "no cognito:roles: forbidden");

    id.provider = roles_str(FB);
    rc = cig_roles_choose(r, &id, &in, &out, &err);
    tap_ok(rc == CIG_ERR_FORBIDDEN, "file: pool-roles.json: Facebook, no "
           "rule matched, Deny: forbidden");

    id.authenticated = 0;
    id.provider = roles_str(NULL);
    rc = cig_roles_choose(r, &id, &in, &out, &err);
    tap_ok(rc == CIG_OK && cig_str_is(out.role, ARN("Guest")),
           "file: pool-roles.json: guest role");

    rc = cig_roles_choose(r2, &id, &in, &out, &err);
    tap_ok(rc == CIG_ERR_FORBIDDEN, "file: pool2-roles.json: no guest role");

    id.authenticated = 1;
    id.provider = roles_str(IDP "abc");
    rc = cig_roles_choose(r2, &id, &in, &out, &err);
    tap_ok(rc == CIG_OK
           && cig_str_is(out.role, "arn:aws:iam::210987654321:role/Pool2Auth"),
           "file: pool2-roles.json: authenticated role");

    cig_roles_free(r);
    cig_roles_free(r2);
    cig_arena_destroy(arena);
}


/* cig_roleset_create / cig_roleset_find */

static void
roles_sets(void)
{
    static const char *const  docs[] = {
        DOCP(POOL3, ROLES(R_AUTH)),         /* "ap-southeast-2:..." */
        DOCP(POOL2, ROLES(R_GUEST)),        /* "us-east-1:..." */
        DOCP("eu-west-12:b45b9729-c269-4ef2-86f1-0df3e40fe92d", R_BOTH),
        DOCP(POOL, R_BOTH),                 /* "eu-west-1:..." */
        DOCP("eu-west-1:00000000-0000-0000-0000-000000000000", R_BOTH),
    };
    /* input orders */
    static const size_t  orders[][5] = {
        { 0, 1, 2, 3, 4 }, { 4, 3, 2, 1, 0 }, { 2, 4, 0, 3, 1 },
        { 1, 0, 3, 4, 2 },
    };
    cig_roles_t     *r[UNIT_NELTS(docs)], *in[UNIT_NELTS(docs)], *defaults;
    cig_roles_t     *dup[3];
    cig_roleset_t   *set;
    cig_err_t        err;
    cig_str_t        pool;
    size_t           i, j;
    int              good;

    for (i = 0; i < UNIT_NELTS(docs); i++) {
        r[i] = roles_load(docs[i]);
    }

    defaults = cig_roles_defaults(A_AUTH, NULL, &err);
    if (defaults == NULL) {
        roles_bail("cannot make defaults");
    }

    for (j = 0; j < UNIT_NELTS(orders); j++) {
        for (i = 0; i < UNIT_NELTS(docs); i++) {
            in[i] = r[orders[j][i]];
        }

        memset(&err, 0, sizeof(err));
        set = cig_roleset_create(in, UNIT_NELTS(docs), defaults, &err);

        if (!tap_ok(set != NULL, "roleset: order %zu: created", j)) {
            tap_diag("error: %s", err.msg);
            continue;
        }

        good = 1;
        for (i = 0; i < UNIT_NELTS(docs); i++) {
            pool = cig_roles_pool(r[i]);
            if (cig_roleset_find(set, pool) != r[i]) {
                tap_diag("pool %.*s not found", (int) pool.len, pool.data);
                good = 0;
            }
        }
        tap_ok(good, "roleset: order %zu: every pool found", j);

        tap_ok(cig_roleset_find(set, roles_str("eu-west-1:ffffffff-0000-"
                                               "0000-0000-000000000000"))
               == defaults, "roleset: order %zu: an unknown pool gets the "
               "defaults", j);
        tap_ok(cig_roleset_find(set, roles_str("eu-west-1:")) == defaults,
               "roleset: order %zu: a prefix of a pool gets the defaults", j);
        tap_ok(cig_roleset_find(set, roles_str(POOL "0")) == defaults,
               "roleset: order %zu: a pool plus a character gets the "
               "defaults", j);
        tap_ok(cig_roleset_find(set, roles_str("")) == defaults,
               "roleset: order %zu: an empty pool gets the defaults", j);
        tap_ok(cig_roleset_find(set, roles_str("zz-last-1:" "00000000-0000-"
                                               "0000-0000-000000000000"))
               == defaults && cig_roleset_find(set, roles_str("aa-first-1:"
                                  "00000000-0000-0000-0000-000000000000"))
               == defaults,
               "roleset: order %zu: pools past either end get the defaults",
               j);

        cig_roleset_free(set);
    }

    /* without defaults */

    set = cig_roleset_create(r, UNIT_NELTS(docs), NULL, &err);
    tap_ok(set != NULL, "roleset: without defaults: created");
    if (set) {
        tap_ok(cig_roleset_find(set, roles_str(POOL)) == r[3],
               "roleset: without defaults: a pool is found");
        tap_ok(cig_roleset_find(set, roles_str(IDP)) == NULL,
               "roleset: without defaults: an unknown pool gets NULL");
        cig_roleset_free(set);
    }

    /* one attachment */

    set = cig_roleset_create(&r[1], 1, NULL, &err);
    tap_ok(set != NULL && cig_roleset_find(set, roles_str(POOL2)) == r[1]
           && cig_roleset_find(set, roles_str(POOL)) == NULL,
           "roleset: one attachment");
    cig_roleset_free(set);

    /* none */

    set = cig_roleset_create(NULL, 0, defaults, &err);
    tap_ok(set != NULL && cig_roleset_find(set, roles_str(POOL)) == defaults
           && cig_roleset_find(set, roles_str(POOL2)) == defaults,
           "roleset: no attachment, defaults for every pool");
    cig_roleset_free(set);

    set = cig_roleset_create(NULL, 0, NULL, &err);
    tap_ok(set != NULL && cig_roleset_find(set, roles_str(POOL)) == NULL,
           "roleset: no attachment, no defaults: NULL");
    cig_roleset_free(set);

    /* duplicates */

    dup[0] = r[3];
    dup[1] = r[1];
    dup[2] = roles_load(DOCP(POOL, ROLES(R_AUTH)));

    memset(&err, 0, sizeof(err));
    set = cig_roleset_create(dup, 3, defaults, &err);
    tap_ok(set == NULL && err.code == CIG_ERR_CONFIG,
           "roleset: two attachments for one pool are refused");
    tap_like(err.msg, "two role attachments for pool \"" POOL "\"",
             "roleset: ... message");
    cig_roleset_free(set);

    dup[1] = r[3];
    memset(&err, 0, sizeof(err));
    set = cig_roleset_create(dup, 2, NULL, &err);
    tap_ok(set == NULL && err.code == CIG_ERR_CONFIG,
           "roleset: the same attachment twice is refused");
    tap_like(err.msg, "two role attachments", "roleset: ... message");
    cig_roleset_free(set);

    cig_roles_free(dup[2]);

    for (i = 0; i < UNIT_NELTS(docs); i++) {
        cig_roles_free(r[i]);
    }

    cig_roles_free(defaults);
}


/* cig_login_bind */

typedef struct {
    const char   *name;
    int           authenticated;
    const char   *amr[5];           /* NULL-terminated; amr[1]: provider */
    const char   *sub;              /* the login token's */
    const char   *claims;           /* the login token's */
    const char   *provider;         /* configured */
    cig_bind_t    bind;
    cig_code_t    rc;
    const char   *msg;
} roles_bind_case_t;


#define FBAMR(sub)   FB ":" POOL ":" sub
#define LOGIN_ID     "{\"sub\":\"alice\",\"token_use\":\"id\"}"
#define LOGIN        "{\"sub\":\"alice\"}"
#define E_PROV       "the identity did not log in with this provider"
#define E_USE        "not an ID token (token_use)"
#define E_SUB        "its subject is not the identity's login"

static const roles_bind_case_t  roles_bind_cases[] = {
    { "subject at the end of amr[2]", 1,
      { "authenticated", FB, FBAMR("alice") }, "alice", LOGIN_ID, FB,
      CIG_BIND_SUBJECT, CIG_OK, NULL },
    { "subject at the end of amr[2], token_use absent", 1,
      { "authenticated", FB, FBAMR("alice") }, "alice", LOGIN, FB,
      CIG_BIND_SUBJECT, CIG_OK, NULL },
    { "numeric subject", 1,
      { "authenticated", FB, FBAMR("10001") }, "10001", LOGIN, FB,
      CIG_BIND_SUBJECT, CIG_OK, NULL },
    { "subject after a bare ':'", 1,
      { "authenticated", FB, ":alice" }, "alice", LOGIN, FB,
      CIG_BIND_SUBJECT, CIG_OK, NULL },
    { "subject in amr[3]", 1,
      { "authenticated", FB, FBAMR("bob"), FBAMR("alice") }, "alice", LOGIN,
      FB, CIG_BIND_SUBJECT, CIG_OK, NULL },
    { "subject containing ':'", 1,
      { "authenticated", P, P ":CognitoSignIn:us:alice" }, "us:alice",
      LOGIN, P, CIG_BIND_SUBJECT, CIG_OK, NULL },

    { "subject a mere suffix", 1,
      { "authenticated", FB, FBAMR("xalice") }, "alice", LOGIN, FB,
      CIG_BIND_SUBJECT, CIG_ERR_INVALID_TOKEN, E_SUB },
    { "subject not at the end", 1,
      { "authenticated", FB, FBAMR("alice") ":x" }, "alice", LOGIN, FB,
      CIG_BIND_SUBJECT, CIG_ERR_INVALID_TOKEN, E_SUB },
    { "subject a prefix of amr's", 1,
      { "authenticated", FB, FBAMR("alice2") }, "alice", LOGIN, FB,
      CIG_BIND_SUBJECT, CIG_ERR_INVALID_TOKEN, E_SUB },
    { "amr's a suffix of the subject", 1,
      { "authenticated", FB, FBAMR("lice") }, "alice", LOGIN, FB,
      CIG_BIND_SUBJECT, CIG_ERR_INVALID_TOKEN, E_SUB },
    { "amr[2] is the subject, no ':'", 1,
      { "authenticated", FB, "alice" }, "alice", LOGIN, FB,
      CIG_BIND_SUBJECT, CIG_ERR_INVALID_TOKEN, E_SUB },
    { "subject only in amr[1]", 1,
      { "authenticated", FB ":alice" }, "alice", LOGIN, FB ":alice",
      CIG_BIND_SUBJECT, CIG_ERR_INVALID_TOKEN, E_SUB },
    { "subject only in amr[0]", 1,
      { "x:alice", FB, FBAMR("bob") }, "alice", LOGIN, FB,
      CIG_BIND_SUBJECT, CIG_ERR_INVALID_TOKEN, E_SUB },
    { "no amr[2]", 1,
      { "authenticated", FB }, "alice", LOGIN, FB,
      CIG_BIND_SUBJECT, CIG_ERR_INVALID_TOKEN, E_SUB },
    { "subject differs in case", 1,
      { "authenticated", FB, FBAMR("Alice") }, "alice", LOGIN, FB,
      CIG_BIND_SUBJECT, CIG_ERR_INVALID_TOKEN, E_SUB },

    { "provider mismatch", 1,
      { "authenticated", FB, FBAMR("alice") }, "alice", LOGIN, P,
      CIG_BIND_SUBJECT, CIG_ERR_INVALID_TOKEN, E_PROV },
    { "provider a prefix of the identity's", 1,
      { "authenticated", P, P ":alice" }, "alice", LOGIN, IDP "ab",
      CIG_BIND_SUBJECT, CIG_ERR_INVALID_TOKEN, E_PROV },
    { "provider longer than the identity's", 1,
      { "authenticated", P, P ":alice" }, "alice", LOGIN, P "c",
      CIG_BIND_PROVIDER, CIG_ERR_INVALID_TOKEN, E_PROV },
    { "guest identity", 0,
      { "unauthenticated" }, "alice", LOGIN, FB,
      CIG_BIND_SUBJECT, CIG_ERR_INVALID_TOKEN, E_PROV },
    { "guest identity, bound by provider", 0,
      { "unauthenticated" }, "alice", LOGIN, FB,
      CIG_BIND_PROVIDER, CIG_ERR_INVALID_TOKEN, E_PROV },

    { "token_use access", 1,
      { "authenticated", FB, FBAMR("alice") }, "alice",
      "{\"sub\":\"alice\",\"token_use\":\"access\"}", FB,
      CIG_BIND_SUBJECT, CIG_ERR_INVALID_TOKEN, E_USE },
    { "token_use access, bound by provider", 1,
      { "authenticated", FB, FBAMR("alice") }, "alice",
      "{\"sub\":\"alice\",\"token_use\":\"access\"}", FB,
      CIG_BIND_PROVIDER, CIG_ERR_INVALID_TOKEN, E_USE },
    { "token_use ID", 1,
      { "authenticated", FB, FBAMR("alice") }, "alice",
      "{\"sub\":\"alice\",\"token_use\":\"ID\"}", FB,
      CIG_BIND_SUBJECT, CIG_ERR_INVALID_TOKEN, E_USE },
    { "token_use empty", 1,
      { "authenticated", FB, FBAMR("alice") }, "alice",
      "{\"sub\":\"alice\",\"token_use\":\"\"}", FB,
      CIG_BIND_SUBJECT, CIG_ERR_INVALID_TOKEN, E_USE },
    { "token_use an array", 1,
      { "authenticated", FB, FBAMR("alice") }, "alice",
      "{\"sub\":\"alice\",\"token_use\":[\"id\"]}", FB,
      CIG_BIND_SUBJECT, CIG_ERR_INVALID_TOKEN, E_USE },
    { "token_use null", 1,
      { "authenticated", FB, FBAMR("alice") }, "alice",
      "{\"sub\":\"alice\",\"token_use\":null}", FB,
      CIG_BIND_SUBJECT, CIG_ERR_INVALID_TOKEN, E_USE },

    { "bound by provider: the subject is ignored", 1,
      { "authenticated", P, P ":CognitoSignIn:bob" }, "alice", LOGIN_ID, P,
      CIG_BIND_PROVIDER, CIG_OK, NULL },
    { "bound by provider: no amr[2]", 1,
      { "authenticated", P }, "alice", LOGIN, P,
      CIG_BIND_PROVIDER, CIG_OK, NULL },
};


static void
roles_bind(void)
{
    const roles_bind_case_t  *c;
    cig_arena_t              *arena;
    cig_allocator_t           a;
    cig_identity_t            id, login;
    cig_err_t                 err;
    cig_code_t                rc;
    size_t                    i, k;

    for (i = 0; i < UNIT_NELTS(roles_bind_cases); i++) {
        c = &roles_bind_cases[i];

        arena = cig_arena_create();
        if (arena == NULL) {
            roles_bail("out of memory");
        }

        cig_arena_allocator(arena, &a);

        memset(&id, 0, sizeof(id));
        memset(&login, 0, sizeof(login));
        memset(&err, 0, sizeof(err));

        id.sub = roles_str(ID);
        id.aud = roles_str(POOL);
        id.authenticated = c->authenticated ? 1 : 0;

        for (k = 0; k < UNIT_NELTS(c->amr) && c->amr[k]; k++) {
            id.amr[k] = roles_str(c->amr[k]);
        }

        id.namr = k;

        if (c->authenticated && k > 1) {
            id.provider = id.amr[1];
        }

        login.sub = roles_str(c->sub);
        login.aud = roles_str("client1abc");
        login.authenticated = 1;
        login.claims = cig_json_parse(c->claims, strlen(c->claims),
                                      CIG_MAX_JSON_DEPTH, &a, &err);
        if (login.claims == NULL) {
            tap_diag("%s: claims: %s", c->name, err.msg);
            roles_bail("test claims do not parse");
        }

        rc = cig_login_bind(&id, &login, roles_str(c->provider), c->bind,
                            &err);

        if (!tap_is_int(rc, c->rc, "bind: %s: %s", c->name,
                        cig_code_name(c->rc)))
        {
            tap_diag("error: %s", err.msg);
        }

        if (c->rc != CIG_OK) {
            tap_ok(err.code == c->rc, "bind: %s: err.code", c->name);
            tap_like(err.msg, c->msg, "bind: %s: message", c->name);
        }

        cig_arena_destroy(arena);
    }
}


void
test_roles(void)
{
    tap_note("role attachments");

    roles_arns();
    roles_load_good();
    roles_load_bad();
    roles_choose();
    roles_choose_files();
    roles_sets();
    roles_bind();
}
