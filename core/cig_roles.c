/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Role attachment, as an identity pool's `set-identity-pool-roles` defines
 * it: default roles for authenticated and guest identities, and per
 * provider role mappings of type Rules or Token with an ambiguity rule.
 *
 * The file format is exactly what `aws cognito-identity
 * get-identity-pool-roles` prints.  Everything is validated when loaded;
 * choosing a role at request time allocates nothing.
 */

#include <stdlib.h>
#include <string.h>

#include "cig.h"
#include "cig_internal.h"


#define CIG_MAX_MAPPINGS      10
#define CIG_MAX_RULES         25
#define CIG_MAX_ROLE_ARN      2048


typedef enum {
    CIG_MATCH_EQUALS = 0,
    CIG_MATCH_CONTAINS,
    CIG_MATCH_STARTS_WITH,
    CIG_MATCH_NOT_EQUAL
} cig_match_t;

typedef struct {
    cig_str_t     claim;
    cig_match_t   match;
    cig_str_t     value;
    cig_str_t     role;
} cig_rule_t;

typedef struct {
    cig_str_t     provider;
    unsigned      token:1;          /* Type Token, else Rules */
    unsigned      deny:1;           /* AmbiguousRoleResolution Deny */
    cig_rule_t    rules[CIG_MAX_RULES];
    size_t        nrules;
} cig_mapping_t;

struct cig_roles_s {
    cig_arena_t      *arena;
    cig_allocator_t   a;
    cig_str_t         pool;         /* empty: inline defaults, any pool */
    cig_str_t         authenticated;
    cig_str_t         unauthenticated;
    cig_mapping_t     mappings[CIG_MAX_MAPPINGS];
    size_t            nmappings;
};


static const char *const  cig_match_names[] = {
    "Equals", "Contains", "StartsWith", "NotEqual"
};


/* arn:PARTITION:iam::ACCOUNT:role/[path/]name */

int
cig_role_arn_valid(const char *s, size_t len)
{
    static const char *const  partitions[] = {
        "arn:aws:iam::", "arn:aws-cn:iam::", "arn:aws-us-gov:iam::",
        "arn:aws-iso:iam::", "arn:aws-iso-b:iam::", "arn:aws-iso-e:iam::",
        "arn:aws-iso-f:iam::", "arn:aws-eusc:iam::"
    };
    size_t  i, n, p;

    if (len > CIG_MAX_ROLE_ARN) {
        return 0;
    }

    for (i = 0; i < sizeof(partitions) / sizeof(partitions[0]); i++) {
        n = strlen(partitions[i]);
        if (len > n && memcmp(s, partitions[i], n) == 0) {
            break;
        }
    }

    if (i == sizeof(partitions) / sizeof(partitions[0])) {
        return 0;
    }

    p = n;

    for (i = 0; i < 12; i++) {
        if (p + i >= len || s[p + i] < '0' || s[p + i] > '9') {
            return 0;
        }
    }

    p += 12;

    if (len - p < sizeof(":role/") || memcmp(s + p, ":role/", 6) != 0) {
        return 0;
    }

    p += 6;

    if (s[len - 1] == '/') {
        return 0;
    }

    for ( /* void */ ; p < len; p++) {
        char  c = s[p];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9') || strchr("+=,.@_/-", c) != NULL)
            || c == '\0')
        {
            return 0;
        }
    }

    return 1;
}


static int
cig_roles_str(cig_roles_t *r, const cig_json_t *j, cig_str_t *out)
{
    char  *p;

    p = r->a.alloc(r->a.ctx, j->str.len + 1);
    if (p == NULL) {
        return 0;
    }

    memcpy(p, j->str.data, j->str.len);
    p[j->str.len] = '\0';
    out->data = p;
    out->len = j->str.len;

    return 1;
}


static int
cig_roles_arn(cig_roles_t *r, const cig_json_t *j, const char *path,
    cig_str_t *out, cig_err_t *err)
{
    if (j->type != CIG_JSON_STRING) {
        cig_err_set(err, CIG_ERR_CONFIG, "%s: not a string", path);
        return 0;
    }

    if (!cig_role_arn_valid(j->str.data, j->str.len)) {
        cig_err_set(err, CIG_ERR_CONFIG, "%s: \"%.*s\" is not an IAM role ARN",
                    path, (int) (j->str.len > 96 ? 96 : j->str.len),
                    j->str.data);
        return 0;
    }

    if (!cig_roles_str(r, j, out)) {
        cig_err_set(err, CIG_ERR_INTERNAL, "out of memory");
        return 0;
    }

    return 1;
}


static int
cig_roles_rule(cig_roles_t *r, cig_rule_t *rule, const cig_json_t *j,
    const char *path, cig_err_t *err)
{
    static const char *const  allowed[] = {
        "Claim", "MatchType", "Value", "RoleARN", NULL
    };
    const cig_json_t  *claim, *match, *value, *role;
    char               sub[640];
    size_t             i;

    if (!cig_json_members_check(j, allowed, path, err)) {
        return 0;
    }

    claim = cig_json_get(j, "Claim");
    match = cig_json_get(j, "MatchType");
    value = cig_json_get(j, "Value");
    role = cig_json_get(j, "RoleARN");

    if (claim == NULL || claim->type != CIG_JSON_STRING
        || claim->str.len < 1 || claim->str.len > 64)
    {
        cig_err_set(err, CIG_ERR_CONFIG, "%s.Claim: a string of 1 to 64 "
                    "characters is required", path);
        return 0;
    }

    if (value == NULL || value->type != CIG_JSON_STRING
        || value->str.len < 1 || value->str.len > 128)
    {
        cig_err_set(err, CIG_ERR_CONFIG, "%s.Value: a string of 1 to 128 "
                    "characters is required", path);
        return 0;
    }

    if (match == NULL || match->type != CIG_JSON_STRING) {
        cig_err_set(err, CIG_ERR_CONFIG, "%s.MatchType: missing", path);
        return 0;
    }

    for (i = 0; i < 4; i++) {
        if (match->str.len == strlen(cig_match_names[i])
            && memcmp(match->str.data, cig_match_names[i], match->str.len)
               == 0)
        {
            break;
        }
    }

    if (i == 4) {
        cig_err_set(err, CIG_ERR_CONFIG, "%s.MatchType: \"%.*s\" is not one "
                    "of Equals, Contains, StartsWith, NotEqual", path,
                    (int) (match->str.len > 32 ? 32 : match->str.len),
                    match->str.data);
        return 0;
    }

    rule->match = (cig_match_t) i;

    if (role == NULL) {
        cig_err_set(err, CIG_ERR_CONFIG, "%s.RoleARN: missing", path);
        return 0;
    }

    snprintf(sub, sizeof(sub), "%s.RoleARN", path);

    if (!cig_roles_arn(r, role, sub, &rule->role, err)) {
        return 0;
    }

    if (!cig_roles_str(r, claim, &rule->claim)
        || !cig_roles_str(r, value, &rule->value))
    {
        cig_err_set(err, CIG_ERR_INTERNAL, "out of memory");
        return 0;
    }

    return 1;
}


static int
cig_roles_mapping(cig_roles_t *r, cig_mapping_t *m, const cig_json_t *j,
    cig_err_t *err)
{
    static const char *const  allowed[] = {
        "Type", "AmbiguousRoleResolution", "RulesConfiguration", NULL
    };
    static const char *const  rc_allowed[] = { "Rules", NULL };
    const cig_json_t  *type, *amb, *rc, *rules, *rule;
    char               path[256], sub[512];
    size_t             i;

    snprintf(path, sizeof(path), "RoleMappings[\"%.*s\"]",
             (int) (j->key.len > 160 ? 160 : j->key.len), j->key.data);

    if (j->key.len == 0 || j->key.len > 512) {
        cig_err_set(err, CIG_ERR_CONFIG, "%s: bad provider name", path);
        return 0;
    }

    if (!cig_json_members_check(j, allowed, path, err)) {
        return 0;
    }

    type = cig_json_get(j, "Type");
    amb = cig_json_get(j, "AmbiguousRoleResolution");
    rc = cig_json_get(j, "RulesConfiguration");

    if (type == NULL || type->type != CIG_JSON_STRING
        || !(cig_str_is(type->str, "Token") || cig_str_is(type->str, "Rules")))
    {
        cig_err_set(err, CIG_ERR_CONFIG, "%s.Type: \"Token\" or \"Rules\" is "
                    "required", path);
        return 0;
    }

    m->token = cig_str_is(type->str, "Token");

    if (amb == NULL || amb->type != CIG_JSON_STRING
        || !(cig_str_is(amb->str, "AuthenticatedRole")
             || cig_str_is(amb->str, "Deny")))
    {
        cig_err_set(err, CIG_ERR_CONFIG, "%s.AmbiguousRoleResolution: "
                    "\"AuthenticatedRole\" or \"Deny\" is required", path);
        return 0;
    }

    m->deny = cig_str_is(amb->str, "Deny");

    if (m->token) {
        if (rc != NULL) {
            cig_err_set(err, CIG_ERR_CONFIG, "%s.RulesConfiguration: only for "
                        "Type \"Rules\"", path);
            return 0;
        }

    } else {
        snprintf(sub, sizeof(sub), "%s.RulesConfiguration", path);

        if (rc == NULL || !cig_json_members_check(rc, rc_allowed, sub, err)) {
            if (rc == NULL) {
                cig_err_set(err, CIG_ERR_CONFIG, "%s: required for Type "
                            "\"Rules\"", sub);
            }
            return 0;
        }

        rules = cig_json_get(rc, "Rules");

        if (rules == NULL || rules->type != CIG_JSON_ARRAY
            || rules->count == 0 || rules->count > CIG_MAX_RULES)
        {
            cig_err_set(err, CIG_ERR_CONFIG, "%s.Rules: an array of 1 to %d "
                        "rules is required", sub, CIG_MAX_RULES);
            return 0;
        }

        i = 0;

        for (rule = rules->child; rule; rule = rule->next) {
            snprintf(sub, sizeof(sub), "%s.RulesConfiguration.Rules[%zu]",
                     path, i);

            if (!cig_roles_rule(r, &m->rules[i], rule, sub, err)) {
                return 0;
            }

            i++;
        }

        m->nrules = i;
    }

    /* the provider is the member name */

    m->provider.data = r->a.alloc(r->a.ctx, j->key.len);
    if (m->provider.data == NULL) {
        cig_err_set(err, CIG_ERR_INTERNAL, "out of memory");
        return 0;
    }

    memcpy((char *) m->provider.data, j->key.data, j->key.len);
    m->provider.len = j->key.len;

    return 1;
}


static cig_roles_t *
cig_roles_new(cig_err_t *err)
{
    cig_roles_t  *r;

    r = calloc(1, sizeof(cig_roles_t));
    if (r == NULL) {
        cig_err_set(err, CIG_ERR_INTERNAL, "out of memory");
        return NULL;
    }

    r->arena = cig_arena_create();
    if (r->arena == NULL) {
        free(r);
        cig_err_set(err, CIG_ERR_INTERNAL, "out of memory");
        return NULL;
    }

    cig_arena_allocator(r->arena, &r->a);

    return r;
}


cig_roles_t *
cig_roles_from_json(const char *text, size_t len, cig_err_t *err)
{
    static const char *const  allowed[] = {
        "IdentityPoolId", "Roles", "RoleMappings", NULL
    };
    static const char *const  roles_allowed[] = {
        "authenticated", "unauthenticated", NULL
    };
    const cig_json_t  *root, *pool, *roles, *maps, *m, *arn;
    cig_roles_t       *r;

    r = cig_roles_new(err);
    if (r == NULL) {
        return NULL;
    }

    root = cig_json_parse(text, len, 8, &r->a, err);
    if (root == NULL) {
        err->code = CIG_ERR_CONFIG;
        goto failed;
    }

    if (root->type != CIG_JSON_OBJECT) {
        cig_err_set(err, CIG_ERR_CONFIG, "not a JSON object");
        goto failed;
    }

    if (!cig_json_members_check(root, allowed, "roles", err)) {
        goto failed;
    }

    pool = cig_json_get(root, "IdentityPoolId");

    if (pool == NULL || pool->type != CIG_JSON_STRING
        || !cig_pool_id_valid(pool->str.data, pool->str.len))
    {
        cig_err_set(err, CIG_ERR_CONFIG, "IdentityPoolId: a pool id "
                    "(REGION:UUID) is required");
        goto failed;
    }

    if (!cig_roles_str(r, pool, &r->pool)) {
        goto nomem;
    }

    roles = cig_json_get(root, "Roles");

    if (roles != NULL) {
        if (!cig_json_members_check(roles, roles_allowed, "Roles", err)) {
            goto failed;
        }

        arn = cig_json_get(roles, "authenticated");
        if (arn != NULL && !cig_roles_arn(r, arn, "Roles.authenticated",
                                          &r->authenticated, err))
        {
            goto failed;
        }

        arn = cig_json_get(roles, "unauthenticated");
        if (arn != NULL && !cig_roles_arn(r, arn, "Roles.unauthenticated",
                                          &r->unauthenticated, err))
        {
            goto failed;
        }
    }

    maps = cig_json_get(root, "RoleMappings");

    if (maps != NULL) {
        if (maps->type != CIG_JSON_OBJECT) {
            cig_err_set(err, CIG_ERR_CONFIG, "RoleMappings: not an object");
            goto failed;
        }

        if (maps->count > CIG_MAX_MAPPINGS) {
            cig_err_set(err, CIG_ERR_CONFIG, "RoleMappings: %zu mappings, at "
                        "most %d allowed", maps->count, CIG_MAX_MAPPINGS);
            goto failed;
        }

        for (m = maps->child; m; m = m->next) {
            if (!cig_roles_mapping(r, &r->mappings[r->nmappings], m, err)) {
                goto failed;
            }

            r->nmappings++;
        }
    }

    return r;

nomem:

    cig_err_set(err, CIG_ERR_INTERNAL, "out of memory");

failed:

    cig_roles_free(r);

    return NULL;
}


cig_roles_t *
cig_roles_from_file(const char *path, cig_err_t *err)
{
    cig_roles_t  *r;
    char         *text;
    size_t        len;

    text = cig_file_read(path, &len, err);
    if (text == NULL) {
        return NULL;
    }

    r = cig_roles_from_json(text, len, err);
    free(text);

    return r;
}


cig_roles_t *
cig_roles_defaults(const char *authenticated, const char *unauthenticated,
    cig_err_t *err)
{
    cig_roles_t  *r;
    cig_json_t    j;

    r = cig_roles_new(err);
    if (r == NULL) {
        return NULL;
    }

    memset(&j, 0, sizeof(cig_json_t));
    j.type = CIG_JSON_STRING;

    if (authenticated != NULL) {
        j.str.data = authenticated;
        j.str.len = strlen(authenticated);

        if (!cig_roles_arn(r, &j, "authenticated", &r->authenticated, err)) {
            goto failed;
        }
    }

    if (unauthenticated != NULL) {
        j.str.data = unauthenticated;
        j.str.len = strlen(unauthenticated);

        if (!cig_roles_arn(r, &j, "unauthenticated", &r->unauthenticated,
                           err))
        {
            goto failed;
        }
    }

    return r;

failed:

    cig_roles_free(r);

    return NULL;
}


void
cig_roles_free(cig_roles_t *r)
{
    if (r == NULL) {
        return;
    }

    cig_arena_destroy(r->arena);
    free(r);
}


cig_str_t
cig_roles_pool(const cig_roles_t *r)
{
    return r->pool;
}


size_t
cig_roles_clients_of(const cig_roles_t *r, cig_str_t provider)
{
    size_t  i, n;

    n = 0;

    for (i = 0; i < r->nmappings; i++) {
        if (r->mappings[i].provider.len > provider.len
            && r->mappings[i].provider.data[provider.len] == ':'
            && memcmp(r->mappings[i].provider.data, provider.data,
                      provider.len) == 0)
        {
            n++;
        }
    }

    return n;
}


/* The mapping for the identity's provider, as described in cig.h. */

static const cig_mapping_t *
cig_roles_mapping_for(const cig_roles_t *r, cig_str_t provider,
    cig_str_t client, int *several)
{
    const cig_mapping_t  *m, *found;
    size_t                i;

    *several = 0;

    if (provider.len == 0) {
        return NULL;
    }

    for (i = 0; i < r->nmappings; i++) {
        m = &r->mappings[i];

        if (client.len > 0
            && m->provider.len == provider.len + 1 + client.len
            && memcmp(m->provider.data, provider.data, provider.len) == 0
            && m->provider.data[provider.len] == ':'
            && memcmp(m->provider.data + provider.len + 1, client.data,
                      client.len) == 0)
        {
            return m;
        }
    }

    for (i = 0; i < r->nmappings; i++) {
        m = &r->mappings[i];

        if (m->provider.len == provider.len
            && memcmp(m->provider.data, provider.data, provider.len) == 0)
        {
            return m;
        }
    }

    if (client.len > 0) {
        return NULL;
    }

    /* no login token: a user pool key "PROVIDER:CLIENT" of this provider */

    found = NULL;

    for (i = 0; i < r->nmappings; i++) {
        m = &r->mappings[i];

        if (m->provider.len > provider.len
            && m->provider.data[provider.len] == ':'
            && memcmp(m->provider.data, provider.data, provider.len) == 0)
        {
            if (found != NULL) {
                *several = 1;
                return NULL;
            }

            found = m;
        }
    }

    return found;
}


static int
cig_rule_value_matches(cig_match_t match, const char *s, size_t len,
    cig_str_t value)
{
    size_t  i;

    switch (match) {

    case CIG_MATCH_EQUALS:
        return len == value.len && memcmp(s, value.data, len) == 0;

    case CIG_MATCH_NOT_EQUAL:
        return !(len == value.len && memcmp(s, value.data, len) == 0);

    case CIG_MATCH_STARTS_WITH:
        return len >= value.len && memcmp(s, value.data, value.len) == 0;

    case CIG_MATCH_CONTAINS:
        if (value.len > len) {
            return 0;
        }

        for (i = 0; i + value.len <= len; i++) {
            if (memcmp(s + i, value.data, value.len) == 0) {
                return 1;
            }
        }

        return 0;
    }

    return 0;
}


/*
 * A claim matches a rule when its value (a string, or the JSON text of a
 * number or boolean) matches; an array matches when any element does; an
 * absent claim matches nothing, not even NotEqual.
 */

static int
cig_rule_scalar_matches(const cig_rule_t *rule, const cig_json_t *v)
{
    switch (v->type) {

    case CIG_JSON_STRING:
        return cig_rule_value_matches(rule->match, v->str.data, v->str.len,
                                      rule->value);

    case CIG_JSON_NUMBER:
    case CIG_JSON_TRUE:
    case CIG_JSON_FALSE:
        return cig_rule_value_matches(rule->match, v->raw.data, v->raw.len,
                                      rule->value);

    default:
        return 0;
    }
}


static int
cig_rule_matches(const cig_rule_t *rule, const cig_json_t *claims)
{
    const cig_json_t  *c, *e;

    c = cig_json_getn(claims, rule->claim.data, rule->claim.len);

    if (c == NULL) {
        return 0;
    }

    if (c->type != CIG_JSON_ARRAY) {
        return cig_rule_scalar_matches(rule, c);
    }

    /* elements as claims of their own; nested arrays match nothing */

    for (e = c->child; e; e = e->next) {
        if (cig_rule_scalar_matches(rule, e)) {
            return 1;
        }
    }

    return 0;
}


/* cognito:roles as a JSON array or a comma-separated string */

static int
cig_token_roles_has(const cig_json_t *roles, cig_str_t arn, size_t *count,
    cig_str_t *only)
{
    const cig_json_t  *e;
    const char        *p, *end, *comma;
    int                found;
    size_t             len;

    found = 0;
    *count = 0;

    if (roles == NULL) {
        return 0;
    }

    if (roles->type == CIG_JSON_ARRAY) {
        for (e = roles->child; e; e = e->next) {
            if (e->type != CIG_JSON_STRING || e->str.len == 0) {
                continue;
            }

            (*count)++;
            *only = e->str;

            if (e->str.len == arn.len
                && memcmp(e->str.data, arn.data, arn.len) == 0)
            {
                found = 1;
            }
        }

        return found;
    }

    if (roles->type != CIG_JSON_STRING) {
        return 0;
    }

    p = roles->str.data;
    end = p + roles->str.len;

    while (p < end) {
        comma = memchr(p, ',', (size_t) (end - p));
        if (comma == NULL) {
            comma = end;
        }

        while (p < comma && *p == ' ') {
            p++;
        }

        len = (size_t) (comma - p);

        while (len > 0 && p[len - 1] == ' ') {
            len--;
        }

        if (len > 0) {
            (*count)++;
            only->data = p;
            only->len = len;

            if (len == arn.len && memcmp(p, arn.data, len) == 0) {
                found = 1;
            }
        }

        p = comma + 1;
    }

    return found;
}


static cig_code_t
cig_roles_deny(cig_role_choice_t *out, cig_err_t *err, const char *how)
{
    out->role.data = NULL;
    out->role.len = 0;
    out->how = how;
    cig_err_set(err, CIG_ERR_FORBIDDEN, "no role: %s", how);

    return CIG_ERR_FORBIDDEN;
}


static cig_code_t
cig_roles_fallback(const cig_roles_t *r, cig_role_choice_t *out,
    cig_err_t *err, const char *how)
{
    if (r->authenticated.len == 0) {
        return cig_roles_deny(out, err, "ambiguous, and the pool has no "
                              "authenticated role to fall back to");
    }

    out->role = r->authenticated;
    out->how = how;

    return CIG_OK;
}


cig_code_t
cig_roles_choose(const cig_roles_t *r, const cig_identity_t *id,
    const cig_role_input_t *in, cig_role_choice_t *out, cig_err_t *err)
{
    const cig_mapping_t  *m;
    const cig_json_t     *roles, *preferred;
    cig_str_t             only;
    size_t                i, count;
    int                   several;
    cig_code_t            rc;

    memset(out, 0, sizeof(cig_role_choice_t));
    out->rule = -1;

    if (!id->authenticated) {
        if (r->unauthenticated.len == 0) {
            return cig_roles_deny(out, err, "the pool has no role for "
                                  "unauthenticated identities");
        }

        out->role = r->unauthenticated;
        out->how = "unauthenticated role";
        goto requested;
    }

    m = cig_roles_mapping_for(r, id->provider, in->client_id, &several);

    if (several) {
        return cig_roles_deny(out, err, "several app clients of the "
                              "provider are mapped and no login token tells "
                              "them apart");
    }

    if (m == NULL) {
        if (r->authenticated.len == 0) {
            return cig_roles_deny(out, err, "the pool has no authenticated "
                                  "role");
        }

        out->role = r->authenticated;
        out->how = "authenticated role";
        goto requested;
    }

    out->mapping = m->provider;

    if (!m->token) {
        for (i = 0; i < m->nrules; i++) {
            if (cig_rule_matches(&m->rules[i], in->claims)) {
                out->role = m->rules[i].role;
                out->rule = (int) i;
                out->how = "rule";
                goto requested;
            }
        }

        if (m->deny) {
            return cig_roles_deny(out, err, "no rule matched and the mapping "
                                  "denies ambiguous identities");
        }

        rc = cig_roles_fallback(r, out, err, "no rule matched: "
                                "authenticated role");
        if (rc != CIG_OK) {
            return rc;
        }

        goto requested;
    }

    /* Type Token */

    roles = cig_json_get(in->claims, "cognito:roles");
    preferred = cig_json_get(in->claims, "cognito:preferred_role");
    only.data = NULL;
    only.len = 0;

    if (in->requested.len > 0) {
        if (!cig_token_roles_has(roles, in->requested, &count, &only)) {
            return cig_roles_deny(out, err, "the requested role is not in "
                                  "cognito:roles");
        }

        out->role = in->requested;
        out->how = "requested role from cognito:roles";
        goto token_role;
    }

    if (preferred != NULL && preferred->type == CIG_JSON_STRING
        && preferred->str.len > 0)
    {
        out->role = preferred->str;
        out->how = "cognito:preferred_role";
        goto token_role;
    }

    (void) cig_token_roles_has(roles, in->requested, &count, &only);

    if (count == 1) {
        out->role = only;
        out->how = "the only role in cognito:roles";
        goto token_role;
    }

    if (m->deny) {
        return cig_roles_deny(out, err, count ? "several roles in "
                              "cognito:roles and the mapping denies "
                              "ambiguous identities"
                              : "no cognito:roles and the mapping denies "
                              "ambiguous identities");
    }

    return cig_roles_fallback(r, out, err, "ambiguous token roles: "
                              "authenticated role");

token_role:

    /* a role taken from the token must be an IAM role ARN, as IAM would */

    if (!cig_role_arn_valid(out->role.data, out->role.len)) {
        return cig_roles_deny(out, err, "the token's role is not an IAM "
                              "role ARN");
    }

    return CIG_OK;

requested:

    /* outside Token mappings a requested role must be the one chosen */

    if (in->requested.len > 0
        && !(in->requested.len == out->role.len
             && memcmp(in->requested.data, out->role.data, out->role.len)
                == 0))
    {
        return cig_roles_deny(out, err, "the requested role is not the "
                              "role the pool chose");
    }

    return CIG_OK;
}


/* A set of role attachments, one per pool, plus optional defaults. */

struct cig_roleset_s {
    cig_roles_t     **roles;       /* sorted by pool */
    cig_str_t        *pools;       /* their pools, in the same order */
    size_t            nroles;
    cig_roles_t      *defaults;
};


cig_roleset_t *
cig_roleset_create(cig_roles_t *const *roles, size_t n, cig_roles_t *defaults,
    cig_err_t *err)
{
    cig_roleset_t  *set;
    size_t          i, j;
    cig_roles_t    *t;

    set = calloc(1, sizeof(cig_roleset_t));
    if (set == NULL) {
        cig_err_set(err, CIG_ERR_INTERNAL, "out of memory");
        return NULL;
    }

    set->roles = calloc(n ? n : 1, sizeof(cig_roles_t *));
    if (set->roles == NULL) {
        free(set);
        cig_err_set(err, CIG_ERR_INTERNAL, "out of memory");
        return NULL;
    }

    if (n > 0) {
        memcpy(set->roles, roles, n * sizeof(cig_roles_t *));
    }
    set->nroles = n;
    set->defaults = defaults;

    /* insertion sort by pool id; few files per location */

    for (i = 1; i < n; i++) {
        t = set->roles[i];

        for (j = i; j > 0; j--) {
            cig_str_t  a = set->roles[j - 1]->pool, b = t->pool;
            size_t     len = a.len < b.len ? a.len : b.len;
            int        c = memcmp(a.data, b.data, len);

            if (c < 0 || (c == 0 && a.len <= b.len)) {
                break;
            }

            set->roles[j] = set->roles[j - 1];
        }

        set->roles[j] = t;
    }

    set->pools = calloc(n ? n : 1, sizeof(cig_str_t));
    if (set->pools == NULL) {
        cig_roleset_free(set);
        cig_err_set(err, CIG_ERR_INTERNAL, "out of memory");
        return NULL;
    }

    for (i = 0; i < n; i++) {
        set->pools[i] = set->roles[i]->pool;
    }

    for (i = 1; i < n; i++) {
        if (set->roles[i]->pool.len == set->roles[i - 1]->pool.len
            && memcmp(set->roles[i]->pool.data, set->roles[i - 1]->pool.data,
                      set->roles[i]->pool.len) == 0)
        {
            cig_err_set(err, CIG_ERR_CONFIG, "two role attachments for pool "
                        "\"%.*s\"", (int) set->roles[i]->pool.len,
                        set->roles[i]->pool.data);
            cig_roleset_free(set);
            return NULL;
        }
    }

    return set;
}


void
cig_roleset_free(cig_roleset_t *set)
{
    if (set == NULL) {
        return;
    }

    free(set->roles);
    free(set->pools);
    free(set);
}


const cig_roles_t *
cig_roleset_find(const cig_roleset_t *set, cig_str_t pool)
{
    size_t  i;

    i = cig_strs_index(set->pools, set->nroles, pool);

    return i == (size_t) -1 ? set->defaults : set->roles[i];
}


/*
 * A login token belongs to an OpenID token when the OpenID token's amr names
 * its provider and, for CIG_BIND_SUBJECT, a provider-specific amr entry ends
 * with ":" and the login token's sub (Cognito writes for instance
 * "graph.facebook.com:us-east-1:POOL:FBUSERID"; the shape for user pools
 * is not documented, hence the weaker CIG_BIND_PROVIDER).
 */

cig_code_t
cig_login_bind(const cig_identity_t *id, const cig_identity_t *login,
    cig_str_t provider, cig_bind_t bind, cig_err_t *err)
{
    const cig_json_t  *use;
    size_t             i;
    cig_str_t          e;

    if (!id->authenticated || id->provider.len != provider.len
        || memcmp(id->provider.data, provider.data, provider.len) != 0)
    {
        cig_err_set(err, CIG_ERR_INVALID_TOKEN, "login token: the identity "
                    "did not log in with this provider");
        return CIG_ERR_INVALID_TOKEN;
    }

    use = cig_json_get(login->claims, "token_use");

    if (use != NULL && !(use->type == CIG_JSON_STRING
                         && cig_str_is(use->str, "id")))
    {
        cig_err_set(err, CIG_ERR_INVALID_TOKEN, "login token: not an ID "
                    "token (token_use)");
        return CIG_ERR_INVALID_TOKEN;
    }

    if (bind == CIG_BIND_PROVIDER) {
        return CIG_OK;
    }

    for (i = 2; i < id->namr; i++) {
        e = id->amr[i];

        if (e.len > login->sub.len
            && e.data[e.len - login->sub.len - 1] == ':'
            && memcmp(e.data + e.len - login->sub.len, login->sub.data,
                      login->sub.len) == 0)
        {
            return CIG_OK;
        }
    }

    cig_err_set(err, CIG_ERR_INVALID_TOKEN, "login token: its subject is not "
                "the identity's login");

    return CIG_ERR_INVALID_TOKEN;
}


static void
cig_roles_each(const cig_roles_t *r, cig_role_fn_pt fn, void *ctx)
{
    size_t  i, j;

    if (r->authenticated.len) {
        fn(ctx, r->authenticated);
    }

    if (r->unauthenticated.len) {
        fn(ctx, r->unauthenticated);
    }

    for (i = 0; i < r->nmappings; i++) {
        for (j = 0; j < r->mappings[i].nrules; j++) {
            fn(ctx, r->mappings[i].rules[j].role);
        }
    }
}


void
cig_roleset_each(const cig_roleset_t *set, cig_role_fn_pt fn, void *ctx)
{
    size_t  i;

    for (i = 0; i < set->nroles; i++) {
        cig_roles_each(set->roles[i], fn, ctx);
    }

    if (set->defaults) {
        cig_roles_each(set->defaults, fn, ctx);
    }
}
