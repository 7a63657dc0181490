/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The access check: find the token, let the core verify it, answer.
 *
 * Main requests are checked in the access phase (so "satisfy" works);
 * subrequests, for which nginx skips that phase, are checked in the
 * precontent phase and refused on failure.  All per-request state lives in
 * the request context.
 */

#include "ngx_http_cognito_identity_module.h"


void *
ngx_http_cognito_identity_alloc(void *pool, size_t size)
{
    return ngx_palloc(pool, size);
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


/* A response header; its key and value must outlive the request. */

ngx_table_elt_t *
ngx_http_cognito_identity_add_header(ngx_http_request_t *r, const char *key,
    ngx_str_t *value)
{
    ngx_table_elt_t  *h;

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NULL;
    }

    h->hash = 1;
#if (nginx_version >= 1023000)
    h->next = NULL;
#endif
    h->key.data = (u_char *) key;
    h->key.len = ngx_strlen(key);
    h->value = *value;

    return h;
}


/* A whole response from memory: status, type, body. */

ngx_int_t
ngx_http_cognito_identity_send(ngx_http_request_t *r, ngx_uint_t status,
    const char *content_type, u_char *body, size_t len)
{
    ngx_int_t     rc;
    ngx_buf_t    *b;
    ngx_chain_t   out;

    r->headers_out.status = status;
    r->headers_out.content_type.data = (u_char *) content_type;
    r->headers_out.content_type.len = ngx_strlen(content_type);
    r->headers_out.content_type_len = r->headers_out.content_type.len;
    r->headers_out.content_length_n = len;

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b->pos = body;
    b->last = body + len;
    b->memory = 1;
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


static ngx_int_t
ngx_http_cognito_identity_challenge(ngx_http_request_t *r, ngx_str_t *value)
{
    ngx_table_elt_t  *h;

    h = ngx_http_cognito_identity_add_header(r, "WWW-Authenticate", value);
    if (h == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    r->headers_out.www_authenticate = h;

    return NGX_HTTP_UNAUTHORIZED;
}


/*
 * A denial is answered in the caller's dialect only where nothing else
 * wants to: no error_page for 403, "satisfy all", and a main request.
 */

static ngx_uint_t
ngx_http_cognito_identity_own_body(ngx_http_request_t *r)
{
    ngx_uint_t                 i;
    ngx_http_err_page_t       *err_page;
    ngx_http_core_loc_conf_t  *clcf;

    if (r != r->main) {
        return 0;
    }

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);

    if (clcf->satisfy != NGX_HTTP_SATISFY_ALL) {
        return 0;
    }

    if (clcf->error_pages) {
        err_page = clcf->error_pages->elts;

        for (i = 0; i < clcf->error_pages->nelts; i++) {
            if (err_page[i].status == NGX_HTTP_FORBIDDEN) {
                return 0;
            }
        }
    }

    return 1;
}


static ngx_int_t
ngx_http_cognito_identity_send_denial(ngx_http_request_t *r,
    ngx_http_cognito_identity_ctx_t *ctx)
{
    ngx_str_t  body;

    static ngx_str_t  s3 = ngx_string(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<Error><Code>AccessDenied</Code><Message>Access Denied</Message>"
        "</Error>\n");
    static ngx_str_t  api = ngx_string(
        "{\"Message\":\"User is not authorized to access this resource\"}\n");
    static ngx_str_t  api_explicit = ngx_string(
        "{\"Message\":\"User is not authorized to access this resource "
        "with an explicit deny\"}\n");
    static ngx_str_t  api_type = ngx_string("AccessDeniedException");

    if (ngx_http_discard_request_body(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ctx->dialect == NGX_HTTP_COGNITO_IDENTITY_AUTHZ_S3) {
        return ngx_http_cognito_identity_send(r, NGX_HTTP_FORBIDDEN,
                                              "application/xml", s3.data,
                                              s3.len);
    }

    body = (ctx->decided && ctx->verdict.decision == CIG_DENY_EXPLICIT)
           ? api_explicit : api;

    if (ngx_http_cognito_identity_add_header(r, "x-amzn-ErrorType",
                                             &api_type)
        == NULL)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_cognito_identity_send(r, NGX_HTTP_FORBIDDEN,
                                          "application/json", body.data,
                                          body.len);
}


static ngx_int_t
ngx_http_cognito_identity_fail(ngx_http_request_t *r,
    ngx_http_cognito_identity_ctx_t *ctx,
    ngx_http_cognito_identity_loc_conf_t *conf, cig_code_t code,
    const char *reason)
{
    ngx_int_t         status, rc;
    ngx_uint_t        level;
    size_t            len;
    ngx_str_t         retry;

    ctx->done = 1;

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

        /* a key outage is not the client's fault: try again, same token */

        retry.data = ngx_pnalloc(r->pool, NGX_TIME_T_LEN);
        if (retry.data != NULL) {
            retry.len = ngx_sprintf(retry.data, "%T", conf->key_refresh)
                        - retry.data;
            (void) ngx_http_cognito_identity_add_header(r, "Retry-After",
                                                        &retry);
        }

        break;

    case CIG_ERR_BAD_REQUEST:
        status = ctx->body_error ? (ngx_int_t) ctx->body_error
                                 : NGX_HTTP_BAD_REQUEST;
        break;

    default:
        status = NGX_HTTP_INTERNAL_SERVER_ERROR;
        break;
    }

    /*
     * a server fault or a key outage is the operator's to see at the
     * default error_log level; a client's refusal is not ("info" shows it)
     */

    level = (status == NGX_HTTP_INTERNAL_SERVER_ERROR
             || status == NGX_HTTP_SERVICE_UNAVAILABLE) ? NGX_LOG_ERR
                                                        : NGX_LOG_INFO;

    ngx_log_error(level, r->connection->log, 0,
                  "cognito identity: %i, %s", status, reason);

    ctx->status = status;
    ngx_http_cognito_identity_status_decided(r);

    if (status == NGX_HTTP_BAD_REQUEST && ctx->body_error) {
        rc = ngx_http_cognito_identity_body_refuse(r, ctx, reason);
        if (rc != NGX_DECLINED) {
            ngx_http_finalize_request(r, rc);
            return NGX_DONE;
        }
    }

    if (status == NGX_HTTP_FORBIDDEN && ctx->dialect
        && ngx_http_cognito_identity_own_body(r))
    {
        rc = ngx_http_cognito_identity_send_denial(r, ctx);
        ngx_http_finalize_request(r, rc);
        return NGX_DONE;
    }

    return status;
}


ngx_http_cognito_identity_login_t *
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


/*
 * The login token of the identity's provider (cognito_identity_login):
 * required, verified with that provider's keys and bound to the identity;
 * its claims and app client id then feed the role choice.  The bearer path
 * and credential vending (sts) both verify login tokens here.
 */

cig_code_t
ngx_http_cognito_identity_login_check(ngx_http_cognito_identity_login_t *login,
    ngx_http_cognito_identity_ctx_t *ctx, ngx_str_t *token,
    cig_role_input_t *in, cig_allocator_t *alloc, cig_err_t *err)
{
    cig_code_t  rc;

    if (token->len == 0) {
        cig_err_set(err, CIG_ERR_FORBIDDEN, "a login token of \"%.*s\" "
                    "is required to choose the role",
                    (int) login->provider.len, login->provider.data);
        return CIG_ERR_FORBIDDEN;
    }

    rc = cig_token_verify(&login->verifier, (char *) token->data,
                          token->len, ngx_time(), alloc, &ctx->login, err);

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

    in->claims = ctx->login.claims;
    in->client_id = ctx->login.aud;

    return CIG_OK;
}


/*
 * A request header by name: how many times it was sent, and the first.
 * Headers that must appear once are refused when repeated.
 */

ngx_uint_t
ngx_http_cognito_identity_header_in(ngx_http_request_t *r, const char *name,
    ngx_table_elt_t **first)
{
    size_t            len;
    ngx_uint_t        i, n;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    len = ngx_strlen(name);
    n = 0;
    *first = NULL;

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

        if (h[i].key.len == len
            && ngx_strncasecmp(h[i].key.data, (u_char *) name, len) == 0)
        {
            if (n++ == 0) {
                *first = &h[i];
            }
        }
    }

    return n;
}


/* A header the client may send to ask for a role, like CustomRoleArn. */

static void
ngx_http_cognito_identity_requested_role(ngx_http_request_t *r,
    cig_str_t *role)
{
    ngx_table_elt_t  *h;

    role->data = NULL;
    role->len = 0;

    if (ngx_http_cognito_identity_header_in(r, "X-Cognito-Custom-Role-Arn",
                                            &h))
    {
        role->data = (char *) h->value.data;
        role->len = h->value.len;
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

        rc = ngx_http_cognito_identity_login_check(login, ctx, &token, &in,
                                                   alloc, err);
        if (rc != CIG_OK) {
            return rc;
        }
    }

    return cig_roles_choose(roles, &ctx->identity, &in, &ctx->role, err);
}


/*
 * The S3 headers that change what a request needs or are condition keys
 * (x-amz-copy-source, x-amz-acl, x-amz-tagging, ...), read in one pass,
 * each once (a repeated one is a bad request), and the TLS version.
 */

static cig_code_t
ngx_http_cognito_identity_s3_headers(ngx_http_request_t *r, cig_http_t *h,
    cig_err_t *err)
{
    ngx_uint_t        i;
    cig_code_t        rc;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *e;

    h->copy_source.data = NULL;
    h->copy_source.len = 0;
    h->headers = 0;
    ngx_memzero(h->s3h, sizeof(h->s3h));
    h->tls_version.len = 0;
    h->auth_type.len = 0;
    h->signature_version.len = 0;

#if (NGX_HTTP_SSL)
    if (r->connection->ssl) {
        h->tls_version.data = (char *) SSL_get_version(
                                          r->connection->ssl->connection);
        h->tls_version.len = ngx_strlen(h->tls_version.data);
    }
#endif

    part = &r->headers_in.headers.part;
    e = part->elts;

    for (i = 0; /* void */ ; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }

            part = part->next;
            e = part->elts;
            i = 0;
        }

        rc = cig_s3_header(h, (char *) e[i].key.data, e[i].key.len,
                           (char *) e[i].value.data, e[i].value.len, err);
        if (rc != CIG_OK) {
            return rc;
        }
    }

    return CIG_OK;
}


static cig_code_t
ngx_http_cognito_identity_prefixes(ngx_http_request_t *r,
    ngx_http_cognito_identity_loc_conf_t *conf,
    ngx_http_cognito_identity_ctx_t *ctx, cig_str_t path, cig_err_t *err)
{
    cig_request_t  req;

    ngx_memzero(&req, sizeof(cig_request_t));
    req.id = &ctx->identity;
    req.now = ngx_time();

    return cig_prefixes_allow(conf->allow_prefix->elts,
                              conf->allow_prefix->nelts, &req, path, err);
}


static cig_code_t
ngx_http_cognito_identity_authorize(ngx_http_request_t *r,
    ngx_http_cognito_identity_loc_conf_t *conf,
    ngx_http_cognito_identity_ctx_t *ctx, cig_allocator_t *a, cig_err_t *err)
{
    size_t                 n;
    cig_code_t             rc;
    cig_http_t             h;
    cig_mapped_t           mapped;
    cig_request_t          req;
    cig_policy_t *const   *policies;
    const cig_target_t    *target;

    /* the path and query forwarded and signed (..._target.c) */

    rc = ngx_http_cognito_identity_target(r, ctx, &target, err);
    if (rc != CIG_OK) {
        return rc;
    }

    h.path = target->path;

    if (conf->allow_prefix != NULL) {
        rc = ngx_http_cognito_identity_prefixes(r, conf, ctx, h.path, err);
        if (rc != CIG_OK) {
            return rc;
        }
    }

    if (conf->authorize == NGX_HTTP_COGNITO_IDENTITY_AUTHZ_OFF) {
        return CIG_OK;
    }

    h.method.data = (char *) r->method_name.data;
    h.method.len = r->method_name.len;
    h.query = target->query;

    rc = ngx_http_cognito_identity_s3_headers(r, &h, err);
    if (rc != CIG_OK) {
        return rc;
    }

    if (conf->authorize == NGX_HTTP_COGNITO_IDENTITY_AUTHZ_S3) {
        rc = cig_map_s3(&h, conf->authorize_arg, a, &mapped, err);

    } else {
        rc = cig_map_execute_api(&h, conf->authorize_arg, a, &mapped, err);
    }

    if (rc != CIG_OK) {
        return rc;
    }

    policies = conf->policyset
               ? cig_policyset_find(conf->policyset, ctx->role.role, &n)
               : NULL;

    if (policies == NULL) {
        n = 0;
    }

    ngx_memzero(&req, sizeof(cig_request_t));
    req.id = &ctx->identity;
    req.source_ip.data = (char *) r->connection->addr_text.data;
    req.source_ip.len = r->connection->addr_text.len;
#if (NGX_HTTP_SSL)
    req.secure = r->connection->ssl != NULL;
#endif
    req.now = ngx_time();

    ctx->decided = 1;

    if (mapped.body) {
        return ngx_http_cognito_identity_body_decide(r, ctx, policies, n,
                                                     &mapped, &req, a, err);
    }

    if (cig_policy_decide(policies, n, ctx->role.role, &mapped, &req,
                          &ctx->verdict, err)
        != CIG_ALLOW)
    {
        return CIG_ERR_FORBIDDEN;
    }

    return CIG_OK;
}


static ngx_int_t
ngx_http_cognito_identity_check(ngx_http_request_t *r,
    ngx_http_cognito_identity_loc_conf_t *conf)
{
    uint64_t                          key;
    size_t                            n;
    ngx_str_t                        *missing;
    ngx_int_t                         rc_keys, rc_body;
    ngx_str_t                         token;
    cig_err_t                         err;
    ngx_uint_t                        hit;
    cig_code_t                        rc;
    cig_keyset_t                    **keysets;
    cig_verifier_t                    verifier;
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

    ctx->status = NGX_OK;

    /* a CORS preflight carries no credentials; let it pass only if asked */

    if (conf->cors_preflight
        && r->method == NGX_HTTP_OPTIONS
        && ngx_http_cognito_identity_preflight(r))
    {
        ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "cognito identity: CORS preflight passed");
        ctx->done = 1;
        ngx_http_cognito_identity_status_decided(r);
        return NGX_OK;
    }

    alloc.alloc = ngx_http_cognito_identity_alloc;
    alloc.ctx = r->pool;

    /*
     * A multi-object delete's body is in: the token was verified and the
     * role chosen before it was read, so only the decision is left.
     */

    if (ctx->body_state == NGX_HTTP_COGNITO_IDENTITY_BODY_READ
        && ctx->verified)
    {
        goto authorize;
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

    /* the keys this request may use: files, and those fetched from URLs */

    verifier = conf->verifier;

    keysets = ngx_palloc(r->pool, (verifier.nkeysets
                             + ngx_http_cognito_identity_keys_nsources(conf)
                             + 1) * sizeof(cig_keyset_t *));
    if (keysets == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    n = 0;
    rc_keys = ngx_http_cognito_identity_keys_ready(r, conf, ctx, keysets, &n);

    if (rc_keys == NGX_AGAIN) {
        return NGX_AGAIN;
    }

    if (rc_keys == NGX_ERROR) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    verifier.keysets = keysets;
    verifier.nkeysets = n;

    hit = 0;

    if (conf->token_cache != NULL) {
        hit = ngx_http_cognito_identity_cache_get(r, conf, &verifier, &token,
                                                  &key, &ctx->identity, &err)
              == NGX_OK;
        ctx->cache = hit ? 2 : 1;
    }

    if (!hit) {
        rc = cig_token_verify(&verifier, (char *) token.data, token.len,
                              ngx_time(), &alloc, &ctx->identity, &err);

        if (rc == CIG_ERR_INVALID_TOKEN && ctx->identity.unknown_kid) {
            rc_keys = ngx_http_cognito_identity_keys_unknown_kid(r, conf, ctx);

            if (rc_keys == NGX_AGAIN) {
                return NGX_AGAIN;
            }

            if (rc_keys == NGX_ERROR) {
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }

            /* the key may be among those that cannot be had right now */

            missing = ngx_http_cognito_identity_keys_missing(conf);

            if (missing != NULL) {
                char  reason[CIG_ERR_MSG_LEN];

                ngx_memcpy(reason, err.msg, sizeof(reason));
                cig_err_set(&err, CIG_ERR_NO_KEYS, "%s while keys from "
                            "\"%.*s\" are unavailable", reason,
                            (int) missing->len, missing->data);
                rc = CIG_ERR_NO_KEYS;
            }
        }

        if (rc != CIG_OK) {
            return ngx_http_cognito_identity_fail(r, ctx, conf, rc, err.msg);
        }

        if (conf->token_cache != NULL) {
            ngx_http_cognito_identity_cache_put(r, conf, key, &token,
                                                &ctx->identity);
        }
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

authorize:

    if (conf->allow_prefix != NULL
        || conf->authorize != NGX_HTTP_COGNITO_IDENTITY_AUTHZ_OFF
        || conf->s3_sign != NULL)
    {
        /* a multi-object delete is decided with its body: read it first */

        rc_body = ngx_http_cognito_identity_body_read(r, conf, ctx);
        if (rc_body != NGX_DECLINED) {
            return rc_body;
        }

        rc = ngx_http_cognito_identity_authorize(r, conf, ctx, &alloc, &err);
        if (rc != CIG_OK) {
            ctx->dialect = conf->authorize;
            return ngx_http_cognito_identity_fail(r, ctx, conf, rc, err.msg);
        }
    }

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "cognito identity: \"%*s\" allowed",
                   ctx->identity.sub.len, ctx->identity.sub.data);

    ctx->done = 1;
    ngx_http_cognito_identity_status_decided(r);

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
