/*
 * The access check: find the token, let the core verify it, answer.
 *
 * Main requests are checked in the access phase (so "satisfy" works);
 * subrequests, for which nginx skips that phase, are checked in the
 * precontent phase and refused on failure.  All per-request state lives in
 * the request context.
 */

#include "ngx_http_cognito_identity_module.h"


static void *
ngx_http_cognito_identity_alloc(void *ctx, size_t size)
{
    return ngx_palloc(ctx, size);
}


/*
 * Authorization: Bearer <token> (RFC 6750 2.1): the scheme is matched
 * case-insensitively, then one or more spaces, then the token.
 * Returns NGX_DECLINED when there is no bearer credential at all.
 */

static ngx_int_t
ngx_http_cognito_identity_bearer(ngx_http_request_t *r, ngx_str_t *token)
{
    u_char      *p, *end;
    ngx_str_t   *value;

    if (r->headers_in.authorization == NULL) {
        return NGX_DECLINED;
    }

    value = &r->headers_in.authorization->value;

    if (value->len < sizeof("Bearer") - 1
        || ngx_strncasecmp(value->data, (u_char *) "Bearer",
                           sizeof("Bearer") - 1) != 0
        || (value->len > sizeof("Bearer") - 1
            && value->data[sizeof("Bearer") - 1] != ' '))
    {
        return NGX_DECLINED;
    }

    p = value->data + sizeof("Bearer") - 1;
    end = value->data + value->len;

    while (p < end && *p == ' ') {
        p++;
    }

    token->data = p;
    token->len = end - p;

    return NGX_OK;
}


/* OPTIONS with both Origin and Access-Control-Request-Method (Fetch spec) */

static ngx_uint_t
ngx_http_cognito_identity_preflight(ngx_http_request_t *r)
{
    ngx_uint_t        i, origin, method;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    origin = 0;
    method = 0;
    part = &r->headers_in.headers.part;
    h = part->elts;

    for (i = 0; /* void */ ; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].key.len == sizeof("Origin") - 1
            && ngx_strncasecmp(h[i].key.data, (u_char *) "Origin",
                               sizeof("Origin") - 1) == 0
            && h[i].value.len > 0)
        {
            origin = 1;

        } else if (h[i].key.len == sizeof("Access-Control-Request-Method") - 1
                   && ngx_strncasecmp(h[i].key.data,
                                      (u_char *) "Access-Control-Request-Method",
                                      sizeof("Access-Control-Request-Method")
                                      - 1) == 0
                   && h[i].value.len > 0)
        {
            method = 1;
        }
    }

    return origin && method;
}


static ngx_int_t
ngx_http_cognito_identity_challenge(ngx_http_request_t *r, ngx_str_t *value)
{
    ngx_table_elt_t  *h;

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    h->hash = 1;
#if (nginx_version >= 1023000)
    h->next = NULL;
#endif
    ngx_str_set(&h->key, "WWW-Authenticate");
    h->value = *value;

    r->headers_out.www_authenticate = h;

    return NGX_HTTP_UNAUTHORIZED;
}


static ngx_int_t
ngx_http_cognito_identity_fail(ngx_http_request_t *r,
    ngx_http_cognito_identity_ctx_t *ctx,
    ngx_http_cognito_identity_loc_conf_t *conf, cig_code_t code,
    const char *reason)
{
    ngx_int_t   status;
    ngx_uint_t  level;
    size_t      len;

    len = ngx_strlen(reason);

    ctx->error.data = ngx_pnalloc(r->pool, len);
    if (ctx->error.data != NULL) {
        ngx_memcpy(ctx->error.data, reason, len);
        ctx->error.len = len;
    }

    switch (code) {

    case CIG_ERR_NO_TOKEN:
        status = ngx_http_cognito_identity_challenge(r, &conf->challenge);
        break;

    case CIG_ERR_INVALID_TOKEN:
        status = ngx_http_cognito_identity_challenge(r,
                                                     &conf->challenge_invalid);
        break;

    case CIG_ERR_GUEST:
    case CIG_ERR_FORBIDDEN:
        status = NGX_HTTP_FORBIDDEN;
        break;

    case CIG_ERR_NO_KEYS:
        status = NGX_HTTP_SERVICE_UNAVAILABLE;
        break;

    default:
        status = NGX_HTTP_INTERNAL_SERVER_ERROR;
        break;
    }

    level = (status == NGX_HTTP_INTERNAL_SERVER_ERROR) ? NGX_LOG_ERR
                                                       : NGX_LOG_INFO;

    ngx_log_error(level, r->connection->log, 0,
                  "cognito identity: %ui, %s", status, reason);

    ctx->status = status;

    return status;
}


static ngx_http_cognito_identity_login_t *
ngx_http_cognito_identity_login_for(ngx_http_cognito_identity_loc_conf_t *conf,
    cig_str_t provider)
{
    ngx_uint_t                          i;
    ngx_http_cognito_identity_login_t  *login;

    if (conf->logins == NULL || provider.len == 0) {
        return NULL;
    }

    login = conf->logins->elts;

    for (i = 0; i < conf->logins->nelts; i++) {
        if (login[i].provider.len == provider.len
            && ngx_strncmp(login[i].provider.data, provider.data,
                           provider.len) == 0)
        {
            return &login[i];
        }
    }

    return NULL;
}


/* A header the client may send to ask for a role, like CustomRoleArn. */

static void
ngx_http_cognito_identity_requested_role(ngx_http_request_t *r,
    cig_str_t *role)
{
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    static const char  name[] = "X-Cognito-Custom-Role-Arn";

    role->data = NULL;
    role->len = 0;

    part = &r->headers_in.headers.part;
    h = part->elts;

    for (i = 0; /* void */ ; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].key.len == sizeof(name) - 1
            && ngx_strncasecmp(h[i].key.data, (u_char *) name,
                               sizeof(name) - 1) == 0)
        {
            role->data = (char *) h[i].value.data;
            role->len = h[i].value.len;
            return;
        }
    }
}


static cig_code_t
ngx_http_cognito_identity_choose_role(ngx_http_request_t *r,
    ngx_http_cognito_identity_loc_conf_t *conf,
    ngx_http_cognito_identity_ctx_t *ctx, cig_allocator_t *alloc,
    cig_err_t *err)
{
    ngx_str_t                           token;
    cig_code_t                          rc;
    cig_role_input_t                    in;
    const cig_roles_t                  *roles;
    ngx_http_cognito_identity_login_t  *login;

    roles = cig_roleset_find(conf->roleset, ctx->identity.aud);

    if (roles == NULL) {
        cig_err_set(err, CIG_ERR_FORBIDDEN, "no role attachment for pool "
                    "\"%.*s\"", (int) ctx->identity.aud.len,
                    ctx->identity.aud.data);
        return CIG_ERR_FORBIDDEN;
    }

    in.claims = ctx->identity.claims;
    in.client_id.data = NULL;
    in.client_id.len = 0;
    ngx_http_cognito_identity_requested_role(r, &in.requested);

    login = ctx->identity.authenticated
            ? ngx_http_cognito_identity_login_for(conf,
                                                  ctx->identity.provider)
            : NULL;

    if (login != NULL) {

        /* configured for this provider, the login token is required */

        if (ngx_http_complex_value(r, login->token, &token) != NGX_OK) {
            cig_err_set(err, CIG_ERR_INTERNAL, "token variable failed");
            return CIG_ERR_INTERNAL;
        }

        if (token.len == 0) {
            cig_err_set(err, CIG_ERR_FORBIDDEN, "a login token of \"%.*s\" "
                        "is required to choose the role",
                        (int) login->provider.len, login->provider.data);
            return CIG_ERR_FORBIDDEN;
        }

        rc = cig_token_verify(&login->verifier, (char *) token.data,
                              token.len, ngx_time(), alloc, &ctx->login, err);

        if (rc != CIG_OK) {
            char  reason[CIG_ERR_MSG_LEN];

            ngx_memcpy(reason, err->msg, sizeof(reason));
            cig_err_set(err, rc == CIG_ERR_NO_KEYS ? CIG_ERR_NO_KEYS
                                                   : CIG_ERR_INVALID_TOKEN,
                        "login token: %s", reason);
            return err->code;
        }

        rc = cig_login_bind(&ctx->identity, &ctx->login,
                            (cig_str_t) { (char *) login->provider.data,
                                          login->provider.len },
                            login->bind, err);
        if (rc != CIG_OK) {
            return rc;
        }

        in.claims = ctx->login.claims;
        in.client_id = ctx->login.aud;
    }

    return cig_roles_choose(roles, &ctx->identity, &in, &ctx->role, err);
}


static ngx_int_t
ngx_http_cognito_identity_check(ngx_http_request_t *r,
    ngx_http_cognito_identity_loc_conf_t *conf)
{
    ngx_str_t                         token;
    cig_err_t                         err;
    cig_code_t                        rc;
    cig_allocator_t                   alloc;
    ngx_http_cognito_identity_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_cognito_identity_module);

    if (ctx != NULL && ctx->done) {
        return ctx->status;
    }

    if (ctx == NULL) {
        ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_cognito_identity_ctx_t));
        if (ctx == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        ngx_http_set_ctx(r, ctx, ngx_http_cognito_identity_module);
    }

    ctx->done = 1;
    ctx->status = NGX_OK;

    /* a CORS preflight carries no credentials; let it pass only if asked */

    if (conf->cors_preflight
        && r->method == NGX_HTTP_OPTIONS
        && ngx_http_cognito_identity_preflight(r))
    {
        ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "cognito identity: CORS preflight passed");
        return NGX_OK;
    }

    if (conf->token) {
        if (ngx_http_complex_value(r, conf->token, &token) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        if (token.len == 0) {
            return ngx_http_cognito_identity_fail(r, ctx, conf,
                                                  CIG_ERR_NO_TOKEN,
                                                  "no token");
        }

    } else if (ngx_http_cognito_identity_bearer(r, &token) != NGX_OK) {
        return ngx_http_cognito_identity_fail(r, ctx, conf, CIG_ERR_NO_TOKEN,
                                              "no bearer token");

    } else if (token.len == 0) {
        return ngx_http_cognito_identity_fail(r, ctx, conf,
                                              CIG_ERR_INVALID_TOKEN,
                                              "empty bearer token");
    }

    alloc.alloc = ngx_http_cognito_identity_alloc;
    alloc.ctx = r->pool;

    rc = cig_token_verify(&conf->verifier, (char *) token.data, token.len,
                          ngx_time(), &alloc, &ctx->identity, &err);

    if (rc != CIG_OK) {
        return ngx_http_cognito_identity_fail(r, ctx, conf, rc, err.msg);
    }

    ctx->verified = 1;

    if (!ctx->identity.authenticated && !conf->unauthenticated) {
        return ngx_http_cognito_identity_fail(r, ctx, conf, CIG_ERR_GUEST,
                                              "unauthenticated identities "
                                              "are not allowed here");
    }

    if (conf->roleset != NULL) {
        rc = ngx_http_cognito_identity_choose_role(r, conf, ctx, &alloc,
                                                   &err);
        if (rc != CIG_OK) {
            return ngx_http_cognito_identity_fail(r, ctx, conf, rc, err.msg);
        }
    }

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "cognito identity: \"%*s\" allowed",
                   ctx->identity.sub.len, ctx->identity.sub.data);

    return NGX_OK;
}


ngx_int_t
ngx_http_cognito_identity_access_handler(ngx_http_request_t *r)
{
    ngx_http_cognito_identity_loc_conf_t  *conf;

    conf = ngx_http_get_module_loc_conf(r, ngx_http_cognito_identity_module);

    if (!conf->enable) {
        return NGX_DECLINED;
    }

    return ngx_http_cognito_identity_check(r, conf);
}


ngx_int_t
ngx_http_cognito_identity_precontent_handler(ngx_http_request_t *r)
{
    ngx_int_t                              rc;
    ngx_http_cognito_identity_loc_conf_t  *conf;

    if (r == r->main) {
        return NGX_DECLINED;
    }

    conf = ngx_http_get_module_loc_conf(r, ngx_http_cognito_identity_module);

    if (!conf->enable) {
        return NGX_DECLINED;
    }

    rc = ngx_http_cognito_identity_check(r, conf);

    return rc == NGX_OK ? NGX_DECLINED : rc;
}
