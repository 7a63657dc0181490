/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Request bodies the decision needs: S3 multi-object delete (POST
 * /bucket?delete), whose keys are in its XML body.
 *
 * Once the token is verified, the access handler has the body read
 * (ngx_http_read_client_request_body) and waits; when the body is in, the
 * phases run again and the access handler decides with it.  The body is
 * read whole and kept as nginx keeps any request body, in memory or in a
 * temporary file, so proxy_pass forwards it afterwards exactly as read; with
 * "proxy_request_buffering off" too, since nginx then finds the body read
 * already.  At most CIG_S3_DELETE_MAX_BODY bytes (else 413); nginx's own
 * client_max_body_size applies before that.
 */

#include "ngx_http_cognito_identity_module.h"


static void ngx_http_cognito_identity_body_done(ngx_http_request_t *r);
static ngx_uint_t ngx_http_cognito_identity_body_arg(ngx_http_request_t *r,
    ngx_http_cognito_identity_ctx_t *ctx);


/*
 * Whether the request may be a multi-object delete: POST with a "delete"
 * parameter in an S3 location, read from the request target the module
 * authorizes (ngx_http_cognito_identity_target).  The mapping decides what
 * it is; this only says when to read the body first, and a request the
 * mapping finds needs it without it having been read is refused
 * (cig_policy_decide).
 */

static ngx_uint_t
ngx_http_cognito_identity_body_arg(ngx_http_request_t *r,
    ngx_http_cognito_identity_ctx_t *ctx)
{
    const char          *p, *end, *amp;
    cig_err_t            err;
    const cig_target_t  *target;

    if (ngx_http_cognito_identity_target(r, ctx, &target, &err) != CIG_OK) {
        return 0;                       /* refused when authorized */
    }

    /* canonical: "delete" is spelled so, whatever the client sent */

    p = target->query.data;
    end = p + target->query.len;

    while (p < end) {
        amp = memchr(p, '&', (size_t) (end - p));
        if (amp == NULL) {
            amp = end;
        }

        if ((amp - p == 6 || (amp - p > 6 && p[6] == '='))
            && ngx_strncmp(p, "delete", 6) == 0)
        {
            return 1;
        }

        p = amp + 1;
    }

    return 0;
}


/*
 * NGX_DECLINED: go on deciding (no body needed, or it is read); NGX_DONE:
 * the body is being read, the phases resume when it is in; or an HTTP
 * status.
 */

ngx_int_t
ngx_http_cognito_identity_body_read(ngx_http_request_t *r,
    ngx_http_cognito_identity_loc_conf_t *conf,
    ngx_http_cognito_identity_ctx_t *ctx)
{
    ngx_int_t  rc;

    if (ctx->body_state == NGX_HTTP_COGNITO_IDENTITY_BODY_READ
        || conf->authorize != NGX_HTTP_COGNITO_IDENTITY_AUTHZ_S3
        || r->method != NGX_HTTP_POST
        || !ngx_http_cognito_identity_body_arg(r, ctx))
    {
        return NGX_DECLINED;
    }

    if (ctx->body_state == NGX_HTTP_COGNITO_IDENTITY_BODY_READING) {
        return NGX_DONE;
    }

    if (r != r->main) {
        /* a subrequest has no body of its own: the mapping refuses it */
        return NGX_DECLINED;
    }

    if (r->headers_in.content_length_n > CIG_S3_DELETE_MAX_BODY) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "cognito identity: 413, a multi-object delete of "
                      "more than %d bytes", CIG_S3_DELETE_MAX_BODY);
        ctx->done = 1;
        ctx->status = NGX_HTTP_REQUEST_ENTITY_TOO_LARGE;
        ngx_http_cognito_identity_status_decided(r);
        return NGX_HTTP_REQUEST_ENTITY_TOO_LARGE;
    }

    ctx->body_state = NGX_HTTP_COGNITO_IDENTITY_BODY_READING;

    rc = ngx_http_read_client_request_body(r,
                                         ngx_http_cognito_identity_body_done);

    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        ctx->done = 1;
        ctx->status = rc;
        return rc;
    }

    ngx_http_finalize_request(r, NGX_DONE);
    return NGX_DONE;
}


static void
ngx_http_cognito_identity_body_done(ngx_http_request_t *r)
{
    ngx_http_cognito_identity_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_cognito_identity_module);

    ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "cognito identity: request body read");

    ctx->body_state = NGX_HTTP_COGNITO_IDENTITY_BODY_READ;

    /* kept for the upstream, also across error_page redirects */

    r->preserve_body = 1;

    r->write_event_handler = ngx_http_core_run_phases;
    ngx_http_core_run_phases(r);
}


/* The decision of a mapping that needs the body (cig_s3_delete_decide). */

cig_code_t
ngx_http_cognito_identity_body_decide(ngx_http_request_t *r,
    ngx_http_cognito_identity_ctx_t *ctx, cig_policy_t *const *policies,
    size_t n, const cig_mapped_t *mapped, cig_request_t *req,
    cig_allocator_t *a, cig_err_t *err)
{
    u_char     *body;
    size_t      len;
    ngx_int_t   rc;

    if (ctx->body_state != NGX_HTTP_COGNITO_IDENTITY_BODY_READ) {
        cig_err_set(err, CIG_ERR_FORBIDDEN, "the decision needs the "
                    "request body, which was not read");
        return CIG_ERR_FORBIDDEN;
    }

    rc = ngx_http_cognito_identity_read_body(r, &body, &len,
                                             CIG_S3_DELETE_MAX_BODY);

    if (rc == NGX_DECLINED) {
        ctx->body_error = NGX_HTTP_REQUEST_ENTITY_TOO_LARGE;
        cig_err_set(err, CIG_ERR_BAD_REQUEST, "a multi-object delete of "
                    "more than %d bytes", CIG_S3_DELETE_MAX_BODY);
        return CIG_ERR_BAD_REQUEST;
    }

    if (rc != NGX_OK) {
        cig_err_set(err, CIG_ERR_INTERNAL, "the request body cannot be read");
        return CIG_ERR_INTERNAL;
    }

    ctx->body_error = NGX_HTTP_BAD_REQUEST;

    return cig_s3_delete_decide(policies, n, ctx->role.role, mapped,
                                (char *) body, len, a, req, &ctx->verdict,
                                err);
}


/*
 * A body the decision refused, answered as S3 answers it (a main request
 * without an error_page for the status), or NGX_DECLINED for nginx's own
 * page.
 */

ngx_int_t
ngx_http_cognito_identity_body_refuse(ngx_http_request_t *r,
    ngx_http_cognito_identity_ctx_t *ctx, const char *reason)
{
    ngx_uint_t                 i;
    ngx_str_t                 *body;
    ngx_http_err_page_t       *err_page;
    ngx_http_core_loc_conf_t  *clcf;

    static ngx_str_t  malformed = ngx_string(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<Error><Code>MalformedXML</Code><Message>The XML you provided was "
        "not well-formed or did not validate against our published schema"
        "</Message></Error>\n");
    static ngx_str_t  too_long = ngx_string(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<Error><Code>KeyTooLongError</Code><Message>Your key is too long"
        "</Message></Error>\n");
    static ngx_str_t  invalid = ngx_string(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<Error><Code>InvalidArgument</Code><Message>A key this gateway "
        "does not pass on</Message></Error>\n");

    if (r != r->main || ctx->body_error != NGX_HTTP_BAD_REQUEST) {
        return NGX_DECLINED;
    }

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);

    if (clcf->error_pages) {
        err_page = clcf->error_pages->elts;

        for (i = 0; i < clcf->error_pages->nelts; i++) {
            if (err_page[i].status == NGX_HTTP_BAD_REQUEST) {
                return NGX_DECLINED;
            }
        }
    }

    if (ngx_strncmp(reason, "MalformedXML", 12) == 0) {
        body = &malformed;

    } else if (ngx_strncmp(reason, "key longer", 10) == 0) {
        body = &too_long;

    } else {
        body = &invalid;
    }

    return ngx_http_cognito_identity_send(r, NGX_HTTP_BAD_REQUEST,
                                          "application/xml", body->data,
                                          body->len);
}
