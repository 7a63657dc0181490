/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The request target, read once per request: the path and query that are
 * authorized are those of the canonical target that the store is sent
 * ($cognito_identity_s3_uri in proxy_pass) and that is signed for it
 * (cognito_identity_s3_sign).  See cig_target_read() for the rules.
 */

#include "ngx_http_cognito_identity_module.h"


/*
 * The client's own bytes while nginx has them (the raw request target,
 * which must decode to nginx's $uri: else nginx normalised the path, e.g.
 * merge_slashes, and the two readings differ); once a rewrite, an internal
 * redirect or a subrequest changed the URI, $uri and $args, which nginx
 * then forwards.
 */

cig_code_t
ngx_http_cognito_identity_target(ngx_http_request_t *r,
    ngx_http_cognito_identity_ctx_t *ctx, const cig_target_t **target,
    cig_err_t *err)
{
    cig_str_t        path, query;
    cig_code_t       rc;
    cig_allocator_t  alloc;

    if (ctx->target_state == NGX_HTTP_COGNITO_IDENTITY_TARGET_OK) {
        *target = &ctx->target;
        return CIG_OK;
    }

    if (ctx->target_state == NGX_HTTP_COGNITO_IDENTITY_TARGET_BAD) {
        cig_err_set(err, CIG_ERR_BAD_REQUEST, "the request target was "
                    "refused");
        return CIG_ERR_BAD_REQUEST;
    }

    alloc.alloc = ngx_http_cognito_identity_alloc;
    alloc.ctx = r->pool;

    if (r->valid_unparsed_uri) {
        if (r->schema_start != NULL || r->host_start != NULL) {
            cig_err_set(err, CIG_ERR_BAD_REQUEST, "an absolute-form request "
                        "target");
            rc = CIG_ERR_BAD_REQUEST;
            goto done;
        }

        rc = cig_target_read((char *) r->unparsed_uri.data,
                             r->unparsed_uri.len, &alloc, &ctx->target, err);

        if (rc == CIG_OK
            && (ctx->target.path.len != r->uri.len
                || ngx_memcmp(ctx->target.path.data, r->uri.data, r->uri.len)
                   != 0))
        {
            cig_err_set(err, CIG_ERR_BAD_REQUEST, "nginx normalised the path "
                        "(merge_slashes?), so it could be read two ways");
            rc = CIG_ERR_BAD_REQUEST;
        }

    } else {
        path.data = (char *) r->uri.data;
        path.len = r->uri.len;
        query.data = (char *) r->args.data;
        query.len = r->args.len;

        rc = cig_target_decoded(path, query, &alloc, &ctx->target, err);
    }

done:

    if (rc != CIG_OK) {
        ctx->target_state = NGX_HTTP_COGNITO_IDENTITY_TARGET_BAD;
        return rc;
    }

    ctx->target_state = NGX_HTTP_COGNITO_IDENTITY_TARGET_OK;
    *target = &ctx->target;

    return CIG_OK;
}


/*
 * $cognito_identity_s3_uri: the canonical target, for
 * "proxy_pass http://store$cognito_identity_s3_uri;", which nginx forwards
 * as it is.  A target that cannot be read one way is an error, never an
 * empty value: with an empty URI proxy_pass would forward the client's.
 */

ngx_int_t
ngx_http_cognito_identity_uri_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    cig_err_t                         err;
    const cig_target_t               *target;
    ngx_http_cognito_identity_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_cognito_identity_module);

    if (ctx == NULL) {
        ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_cognito_identity_ctx_t));
        if (ctx == NULL) {
            return NGX_ERROR;
        }

        ngx_http_set_ctx(r, ctx, ngx_http_cognito_identity_module);
    }

    if (ngx_http_cognito_identity_target(r, ctx, &target, &err) != CIG_OK) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "cognito identity: $cognito_identity_s3_uri: %s",
                      err.msg);
        return NGX_ERROR;
    }

    v->data = (u_char *) target->uri.data;
    v->len = target->uri.len;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;

    return NGX_OK;
}
