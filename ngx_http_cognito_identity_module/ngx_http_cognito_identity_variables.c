/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Variables that hand the verified identity to the rest of the
 * configuration (proxy_set_header, log_format, map).  They are empty unless
 * this request's token verified; values that could carry control characters
 * into a header are given in JSON-escaped form.
 */

#include "ngx_http_cognito_identity_module.h"


typedef enum {
    NGX_HTTP_COGNITO_IDENTITY_VAR_ID = 0,
    NGX_HTTP_COGNITO_IDENTITY_VAR_POOL,
    NGX_HTTP_COGNITO_IDENTITY_VAR_AMR,
    NGX_HTTP_COGNITO_IDENTITY_VAR_AUTHENTICATED,
    NGX_HTTP_COGNITO_IDENTITY_VAR_PROVIDER,
    NGX_HTTP_COGNITO_IDENTITY_VAR_ROLE
} ngx_http_cognito_identity_var_e;


static ngx_int_t ngx_http_cognito_identity_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_cognito_identity_error_variable(
    ngx_http_request_t *r, ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_cognito_identity_decision_variable(
    ngx_http_request_t *r, ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_cognito_identity_claim_variable(
    ngx_http_request_t *r, ngx_http_variable_value_t *v, uintptr_t data);


static ngx_http_variable_t  ngx_http_cognito_identity_vars[] = {

    { ngx_string("cognito_identity_id"), NULL,
      ngx_http_cognito_identity_variable,
      NGX_HTTP_COGNITO_IDENTITY_VAR_ID, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("cognito_identity_pool"), NULL,
      ngx_http_cognito_identity_variable,
      NGX_HTTP_COGNITO_IDENTITY_VAR_POOL, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("cognito_identity_amr"), NULL,
      ngx_http_cognito_identity_variable,
      NGX_HTTP_COGNITO_IDENTITY_VAR_AMR, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("cognito_identity_authenticated"), NULL,
      ngx_http_cognito_identity_variable,
      NGX_HTTP_COGNITO_IDENTITY_VAR_AUTHENTICATED,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("cognito_identity_provider"), NULL,
      ngx_http_cognito_identity_variable,
      NGX_HTTP_COGNITO_IDENTITY_VAR_PROVIDER, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("cognito_identity_role"), NULL,
      ngx_http_cognito_identity_variable,
      NGX_HTTP_COGNITO_IDENTITY_VAR_ROLE, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("cognito_identity_decision"), NULL,
      ngx_http_cognito_identity_decision_variable, 0,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("cognito_identity_statement"), NULL,
      ngx_http_cognito_identity_decision_variable, 1,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("cognito_identity_token_cache"), NULL,
      ngx_http_cognito_identity_decision_variable, 2,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("cognito_identity_error"), NULL,
      ngx_http_cognito_identity_error_variable, 0,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("cognito_identity_claim_"), NULL,
      ngx_http_cognito_identity_claim_variable, 0,
      NGX_HTTP_VAR_NOCACHEABLE|NGX_HTTP_VAR_PREFIX, 0 },

    /* the canonical target (ngx_http_cognito_identity_target.c) */

    { ngx_string("cognito_identity_s3_uri"), NULL,
      ngx_http_cognito_identity_uri_variable, 0,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    /* cognito_identity_s3_sign (ngx_http_cognito_identity_sigv4.c) */

    { ngx_string("cognito_identity_s3_authorization"), NULL,
      ngx_http_cognito_identity_s3_variable, 0,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("cognito_identity_s3_date"), NULL,
      ngx_http_cognito_identity_s3_variable, 1,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("cognito_identity_s3_content_sha256"), NULL,
      ngx_http_cognito_identity_s3_variable, 2,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("cognito_identity_s3_security_token"), NULL,
      ngx_http_cognito_identity_s3_variable, 3,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

      ngx_http_null_variable
};


ngx_int_t
ngx_http_cognito_identity_add_variables(ngx_conf_t *cf)
{
    ngx_http_variable_t  *var, *v;

    for (v = ngx_http_cognito_identity_vars; v->name.len; v++) {
        var = ngx_http_add_variable(cf, &v->name, v->flags);
        if (var == NULL) {
            return NGX_ERROR;
        }

        var->get_handler = v->get_handler;
        var->data = v->data;
    }

    return NGX_OK;
}


static cig_identity_t *
ngx_http_cognito_identity_verified(ngx_http_request_t *r)
{
    ngx_http_cognito_identity_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_cognito_identity_module);

    if (ctx == NULL || !ctx->verified) {
        return NULL;
    }

    return &ctx->identity;
}


static void
ngx_http_cognito_identity_set(ngx_http_variable_value_t *v, u_char *data,
    size_t len)
{
    v->data = data;
    v->len = len;
    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;
}


static ngx_uint_t
ngx_http_cognito_identity_has_ctl(const char *s, size_t len)
{
    size_t  i;

    for (i = 0; i < len; i++) {
        if ((u_char) s[i] < 0x20 || s[i] == 0x7f) {
            return 1;
        }
    }

    return 0;
}


/*
 * A JSON value as variable text: strings as they are unless they hold
 * control characters (then their JSON escaping, without the quotes); other
 * values as JSON text with line breaks turned into spaces.
 */

static ngx_int_t
ngx_http_cognito_identity_json_value(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, const cig_json_t *j)
{
    u_char  *p;
    size_t   i;

    if (j->type == CIG_JSON_STRING) {
        if (!ngx_http_cognito_identity_has_ctl(j->str.data, j->str.len)) {
            ngx_http_cognito_identity_set(v, (u_char *) j->str.data,
                                          j->str.len);
            return NGX_OK;
        }

        ngx_http_cognito_identity_set(v, (u_char *) j->raw.data + 1,
                                      j->raw.len - 2);
        return NGX_OK;
    }

    p = ngx_pnalloc(r->pool, j->raw.len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    for (i = 0; i < j->raw.len; i++) {
        p[i] = ((u_char) j->raw.data[i] < 0x20) ? ' ' : j->raw.data[i];
    }

    ngx_http_cognito_identity_set(v, p, j->raw.len);

    return NGX_OK;
}


static ngx_int_t
ngx_http_cognito_identity_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    u_char                           *p;
    size_t                            len, i;
    cig_identity_t                   *id;
    ngx_http_cognito_identity_ctx_t  *ctx;

    id = ngx_http_cognito_identity_verified(r);

    if (id == NULL) {
        v->not_found = 1;
        return NGX_OK;
    }

    switch (data) {

    case NGX_HTTP_COGNITO_IDENTITY_VAR_ID:
        ngx_http_cognito_identity_set(v, (u_char *) id->sub.data,
                                      id->sub.len);
        return NGX_OK;

    case NGX_HTTP_COGNITO_IDENTITY_VAR_POOL:
        ngx_http_cognito_identity_set(v, (u_char *) id->aud.data,
                                      id->aud.len);
        return NGX_OK;

    case NGX_HTTP_COGNITO_IDENTITY_VAR_AUTHENTICATED:
        ngx_http_cognito_identity_set(v, (u_char *)
                                      (id->authenticated ? "1" : "0"), 1);
        return NGX_OK;

    case NGX_HTTP_COGNITO_IDENTITY_VAR_ROLE:
        ctx = ngx_http_get_module_ctx(r, ngx_http_cognito_identity_module);

        if (ctx->role.role.len == 0
            || ngx_http_cognito_identity_has_ctl(ctx->role.role.data,
                                                 ctx->role.role.len))
        {
            v->not_found = 1;
            return NGX_OK;
        }

        ngx_http_cognito_identity_set(v, (u_char *) ctx->role.role.data,
                                      ctx->role.role.len);
        return NGX_OK;

    case NGX_HTTP_COGNITO_IDENTITY_VAR_PROVIDER:
        if (ngx_http_cognito_identity_has_ctl(id->provider.data,
                                              id->provider.len))
        {
            v->not_found = 1;
            return NGX_OK;
        }

        ngx_http_cognito_identity_set(v, (u_char *) id->provider.data,
                                      id->provider.len);
        return NGX_OK;

    case NGX_HTTP_COGNITO_IDENTITY_VAR_AMR:
        len = 0;
        for (i = 0; i < id->namr; i++) {
            len += id->amr[i].len + 1;
        }

        p = ngx_pnalloc(r->pool, len);
        if (p == NULL) {
            return NGX_ERROR;
        }

        v->data = p;

        for (i = 0; i < id->namr; i++) {
            if (i > 0) {
                *p++ = ',';
            }
            p = ngx_cpymem(p, id->amr[i].data, id->amr[i].len);
        }

        for (i = 0; i < (size_t) (p - v->data); i++) {
            if (v->data[i] < 0x20 || v->data[i] == 0x7f) {
                v->data[i] = '?';
            }
        }

        ngx_http_cognito_identity_set(v, v->data, p - v->data);
        return NGX_OK;
    }

    v->not_found = 1;

    return NGX_OK;
}


static ngx_int_t
ngx_http_cognito_identity_error_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_http_cognito_identity_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_cognito_identity_module);

    if (ctx == NULL || ctx->error.len == 0) {
        v->not_found = 1;
        return NGX_OK;
    }

    ngx_http_cognito_identity_set(v, ctx->error.data, ctx->error.len);

    return NGX_OK;
}


/* $cognito_identity_claim_<name>: a top-level claim of the verified token */

static ngx_int_t
ngx_http_cognito_identity_claim_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_str_t         *name = (ngx_str_t *) data;
    cig_identity_t    *id;
    const cig_json_t  *claim;
    size_t             prefix;

    prefix = sizeof("cognito_identity_claim_") - 1;
    id = ngx_http_cognito_identity_verified(r);

    if (id == NULL || name->len <= prefix) {
        v->not_found = 1;
        return NGX_OK;
    }

    claim = cig_json_getn(id->claims, (char *) name->data + prefix,
                          name->len - prefix);

    if (claim == NULL) {
        /* nginx lower-cases variable names; claims may not be */
        for (claim = id->claims->child; claim; claim = claim->next) {
            if (claim->key.len == name->len - prefix
                && ngx_strncasecmp((u_char *) claim->key.data,
                                   name->data + prefix, claim->key.len) == 0)
            {
                break;
            }
        }
    }

    if (claim == NULL) {
        v->not_found = 1;
        return NGX_OK;
    }

    return ngx_http_cognito_identity_json_value(r, v, claim);
}


/*
 * $cognito_identity_decision: "allow", "deny" (no statement allowed) or
 * "explicit-deny"; $cognito_identity_statement: the deciding statement's
 * index, counted across the role's policies in configuration order.
 */

static ngx_int_t
ngx_http_cognito_identity_decision_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    u_char                                *p;
    size_t                                 i, n, index;
    cig_policy_t *const                   *policies;
    ngx_http_cognito_identity_ctx_t       *ctx;
    ngx_http_cognito_identity_loc_conf_t  *conf;

    ctx = ngx_http_get_module_ctx(r, ngx_http_cognito_identity_module);

    if (data == 2) {
        /* $cognito_identity_token_cache: "hit" or "miss" */

        if (ctx == NULL || ctx->cache == 0) {
            v->not_found = 1;
            return NGX_OK;
        }

        ngx_http_cognito_identity_set(v, (u_char *) (ctx->cache == 2
                                                     ? "hit" : "miss"),
                                      ctx->cache == 2 ? 3 : 4);
        return NGX_OK;
    }

    if (ctx == NULL || !ctx->decided) {
        v->not_found = 1;
        return NGX_OK;
    }

    if (data == 0) {
        switch (ctx->verdict.decision) {
        case CIG_ALLOW:
            ngx_http_cognito_identity_set(v, (u_char *) "allow", 5);
            break;
        case CIG_DENY_EXPLICIT:
            ngx_http_cognito_identity_set(v, (u_char *) "explicit-deny", 13);
            break;
        default:
            ngx_http_cognito_identity_set(v, (u_char *) "deny", 4);
        }

        return NGX_OK;
    }

    if (ctx->verdict.decision == CIG_DENY_DEFAULT) {
        v->not_found = 1;
        return NGX_OK;
    }

    conf = ngx_http_get_module_loc_conf(r, ngx_http_cognito_identity_module);

    index = ctx->verdict.statement;

    if (conf->policyset != NULL) {
        policies = cig_policyset_find(conf->policyset, ctx->role.role, &n);

        for (i = 0; i < ctx->verdict.policy && i < n; i++) {
            index += cig_policy_statements(policies[i]);
        }
    }

    p = ngx_pnalloc(r->pool, NGX_SIZE_T_LEN);
    if (p == NULL) {
        return NGX_ERROR;
    }

    ngx_http_cognito_identity_set(v, p, ngx_sprintf(p, "%uz", index) - p);

    return NGX_OK;
}
