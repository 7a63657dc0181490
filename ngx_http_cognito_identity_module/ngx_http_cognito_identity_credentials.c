/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cognito_identity_credentials: credential vending through the gateway.
 *
 * pass: GetId, GetOpenIdToken and GetCredentialsForIdentity, checked here
 *       (operation allowed, body valid JSON within bounds, the pool or the
 *       identity's region allowed, a token's aud allowed), are forwarded to
 *       the configured Cognito endpoint through an internal location; the
 *       answer is rebuilt from the members the operation returns, each
 *       checked, and errors from Cognito's own error names: nothing of an
 *       upstream's bytes is relayed as it came.
 * sts:  GetCredentialsForIdentity with a Cognito OpenID token in Logins is
 *       done by the gateway: the token verified, the role chosen with the
 *       pool's role attachment, STS AssumeRoleWithWebIdentity called
 *       through an internal location (guests scoped down with Cognito's
 *       session policy), the answer given in Cognito's shape.
 * issue: the same proof of the identity and the same role choice, but the
 *       credentials are minted here (cig_issue.c) under the key ring of
 *       cognito_identity_credentials_keys: a session token that any gateway
 *       holding the same keys opens again, with nothing stored.
 *
 * Upstream calls are subrequests that send only what this module builds;
 * their answers are captured, bounded, never streamed to the client.
 */

#include "ngx_http_cognito_identity_module.h"


#define NGX_HTTP_COGNITO_IDENTITY_CRED_BODY    65536
#define NGX_HTTP_COGNITO_IDENTITY_CRED_REPLY   65536

#define NGX_HTTP_COGNITO_IDENTITY_OP_GETID     CIG_CREDS_GETID
#define NGX_HTTP_COGNITO_IDENTITY_OP_TOKEN     CIG_CREDS_TOKEN
#define NGX_HTTP_COGNITO_IDENTITY_OP_CREDS     CIG_CREDS_CREDS


struct ngx_http_cognito_identity_creds_s {
    ngx_uint_t                   sts;
    ngx_uint_t                   issue;
    ngx_str_t                    uri;
    ngx_uint_t                   ops;
    time_t                       duration;
    ngx_uint_t                   guest_role;   /* issue: no scope-down */
    ngx_uint_t                   guest_id;     /* issue: IdentityId alone */
};


typedef struct {
    ngx_http_cognito_identity_capture_t   cap;
    ngx_uint_t                            done;
    ngx_int_t                             rc;
    ngx_uint_t                            status;
    ngx_str_t                             op;
    ngx_str_t                             identity;  /* sts: the id */
    const cig_json_t                     *req;       /* pass: the request */
    ngx_http_request_t                   *sr;
} ngx_http_cognito_identity_call_t;


static ngx_int_t ngx_http_cognito_identity_creds_handler(
    ngx_http_request_t *r);
static void ngx_http_cognito_identity_issuer_cleanup(void *data);
static ngx_int_t ngx_http_cognito_identity_creds_send(ngx_http_request_t *r,
    u_char *body, size_t len);


/*
 * cognito_identity_credentials pass <uri>
 *     [operations=GetId,GetOpenIdToken,GetCredentialsForIdentity]
 *   | sts <uri> [duration=<time>]
 *   | issue [duration=<time>] [guest_policy=scoped|role]
 *           [guest_proof=token|id];
 */

char *
ngx_http_cognito_identity_credentials(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_cognito_identity_loc_conf_t  *cilcf = conf;

    u_char                                 *p, *last, *comma;
    ngx_str_t                              *value, v, name;
    ngx_uint_t                              i;
    ngx_http_core_loc_conf_t               *clcf;
    ngx_http_cognito_identity_creds_t      *creds;
    ngx_http_cognito_identity_main_conf_t  *cimcf;

    if (cilcf->creds != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;

    creds = ngx_pcalloc(cf->pool, sizeof(ngx_http_cognito_identity_creds_t));
    if (creds == NULL) {
        return NGX_CONF_ERROR;
    }

    if (ngx_strcmp(value[1].data, "pass") == 0) {
        creds->ops = NGX_HTTP_COGNITO_IDENTITY_OP_GETID
                     | NGX_HTTP_COGNITO_IDENTITY_OP_TOKEN
                     | NGX_HTTP_COGNITO_IDENTITY_OP_CREDS;

    } else if (ngx_strcmp(value[1].data, "sts") == 0) {
        creds->sts = 1;
        creds->ops = NGX_HTTP_COGNITO_IDENTITY_OP_CREDS;
        creds->duration = 3600;

    } else if (ngx_strcmp(value[1].data, "issue") == 0) {
        creds->issue = 1;
        creds->ops = NGX_HTTP_COGNITO_IDENTITY_OP_CREDS;
        creds->duration = 3600;

    } else {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid mode \"%V\", expected \"pass\", \"sts\" "
                           "or \"issue\"", &value[1]);
        return NGX_CONF_ERROR;
    }

    i = 2;

    if (!creds->issue) {
        if (cf->args->nelts < 3 || value[2].len == 0
            || value[2].data[0] != '/')
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "upstream URI \"%V\" must be a location of "
                               "this server, starting with \"/\"",
                               cf->args->nelts < 3 ? &value[1] : &value[2]);
            return NGX_CONF_ERROR;
        }

        creds->uri = value[2];
        i = 3;
    }

    for ( /* void */ ; i < cf->args->nelts; i++) {
        v = value[i];

        if (!creds->sts && ngx_strncmp(v.data, "operations=", 11) == 0
            && v.len > 11)
        {
            creds->ops = 0;
            p = v.data + 11;
            last = v.data + v.len;

            while (p < last) {
                comma = ngx_strlchr(p, last, ',');
                if (comma == NULL) {
                    comma = last;
                }

                name.data = p;
                name.len = comma - p;

                if (name.len == 5 && ngx_strncmp(p, "GetId", 5) == 0) {
                    creds->ops |= NGX_HTTP_COGNITO_IDENTITY_OP_GETID;

                } else if (name.len == 14
                           && ngx_strncmp(p, "GetOpenIdToken", 14) == 0)
                {
                    creds->ops |= NGX_HTTP_COGNITO_IDENTITY_OP_TOKEN;

                } else if (name.len == 25
                           && ngx_strncmp(p, "GetCredentialsForIdentity", 25)
                              == 0)
                {
                    creds->ops |= NGX_HTTP_COGNITO_IDENTITY_OP_CREDS;

                } else {
                    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                       "unknown operation \"%V\"", &name);
                    return NGX_CONF_ERROR;
                }

                p = comma + 1;
            }

            continue;
        }

        if (creds->issue && ngx_strcmp(v.data, "guest_policy=scoped") == 0) {
            creds->guest_role = 0;
            continue;
        }

        if (creds->issue && ngx_strcmp(v.data, "guest_policy=role") == 0) {
            creds->guest_role = 1;
            continue;
        }

        if (creds->issue && ngx_strcmp(v.data, "guest_proof=token") == 0) {
            creds->guest_id = 0;
            continue;
        }

        if (creds->issue && ngx_strcmp(v.data, "guest_proof=id") == 0) {
            creds->guest_id = 1;
            continue;
        }

        if ((creds->sts || creds->issue)
            && ngx_strncmp(v.data, "duration=", 9) == 0)
        {
            v.data += 9;
            v.len -= 9;
            creds->duration = ngx_parse_time(&v, 1);

            if (creds->duration == (time_t) NGX_ERROR
                || creds->duration < 900 || creds->duration > 43200)
            {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid duration \"%V\": 15m to 12h, as "
                                   "STS allows", &value[i]);
                return NGX_CONF_ERROR;
            }

            continue;
        }

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid parameter \"%V\"",
                           &value[i]);
        return NGX_CONF_ERROR;
    }

    cilcf->creds = creds;

    if (!creds->issue) {
        /* pass and sts call upstreams: their answers are captured */
        cimcf = ngx_http_conf_get_module_main_conf(cf,
                                            ngx_http_cognito_identity_module);
        cimcf->capture = 1;
    }

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_cognito_identity_creds_handler;

    return NGX_CONF_OK;
}


/* Checks of the merged configuration, called from the merge. */

char *
ngx_http_cognito_identity_credentials_check(ngx_conf_t *cf,
    ngx_http_cognito_identity_loc_conf_t *conf)
{
    if (conf->creds == NULL) {
        return NGX_CONF_OK;
    }

    if (conf->naudiences == 0) {
        return "cognito_identity_credentials needs cognito_identity_pool: "
               "the pools it may serve";
    }

    if (conf->creds->sts || conf->creds->issue) {
        if (conf->roleset == NULL) {
            return conf->creds->sts
                   ? "cognito_identity_credentials sts needs roles "
                     "(cognito_identity_roles or cognito_identity_role)"
                   : "cognito_identity_credentials issue needs roles "
                     "(cognito_identity_roles or cognito_identity_role)";
        }

        if ((conf->keysets == NULL || conf->keysets->nelts == 0)
            && conf->key_requests == NULL)
        {
            return conf->creds->sts
                   ? "cognito_identity_credentials sts needs keys to verify "
                     "tokens (cognito_identity_key_file or "
                     "cognito_identity_key_request)"
                   : "cognito_identity_credentials issue needs keys to "
                     "verify tokens (cognito_identity_key_file or "
                     "cognito_identity_key_request)";
        }
    }

    if (conf->creds->issue && conf->cred_keys == NULL) {
        return "cognito_identity_credentials issue needs the keys it mints "
               "with (cognito_identity_credentials_keys)";
    }

    return NGX_CONF_OK;
}


/* cognito_identity_credentials_keys <file> [deployment=<id>]; */

char *
ngx_http_cognito_identity_credentials_keys(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_cognito_identity_loc_conf_t  *cilcf = conf;

    ngx_str_t           *value, path;
    cig_err_t            err;
    cig_str_t            deployment;
    cig_issuer_t        *k;
    ngx_pool_cleanup_t  *cln;

    if (cilcf->cred_keys != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    deployment.data = "";
    deployment.len = 0;

    if (cf->args->nelts == 3) {
        if (ngx_strncmp(value[2].data, "deployment=", 11) != 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid parameter \"%V\"", &value[2]);
            return NGX_CONF_ERROR;
        }

        deployment.data = (char *) value[2].data + 11;
        deployment.len = value[2].len - 11;
    }

    if (ngx_strcmp(value[1].data, "off") == 0) {
        cilcf->cred_keys = NULL;
        return NGX_CONF_OK;
    }

    path = value[1];

    if (ngx_conf_full_name(cf->cycle, &path, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NGX_CONF_ERROR;
    }

    k = cig_issuer_load((char *) path.data, deployment, &err);

    if (k == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "%s", err.msg);
        return NGX_CONF_ERROR;
    }

    cln->handler = ngx_http_cognito_identity_issuer_cleanup;
    cln->data = k;

    cilcf->cred_keys = k;

    return NGX_CONF_OK;
}


static void
ngx_http_cognito_identity_issuer_cleanup(void *data)
{
    cig_issuer_free(data);
}


/*
 * Credentials minted for a proven identity and its chosen role, answered
 * in GetCredentialsForIdentity's shape.  Shared with the local pool.
 */

ngx_int_t
ngx_http_cognito_identity_issue_send(ngx_http_request_t *r,
    ngx_http_cognito_identity_loc_conf_t *conf, const cig_identity_t *id,
    cig_str_t role, ngx_uint_t scoped_down, time_t duration)
{
    cig_err_t          err;
    cig_str_t          out;
    cig_code_t         rc;
    cig_session_t      s;
    cig_allocator_t    a;
    cig_sts_creds_t    creds;
    const cig_json_t  *amr, *tags;

    a.alloc = ngx_http_cognito_identity_alloc;
    a.ctx = r->pool;

    amr = cig_json_get(id->claims, "amr");
    tags = cig_json_get(id->claims, "https://aws.amazon.com/tags");

    ngx_memzero(&s, sizeof(cig_session_t));

    s.identity_id = id->sub;
    s.pool = id->aud;
    s.role = role;
    s.amr.data = amr ? amr->raw.data : "[\"unauthenticated\"]";
    s.amr.len = amr ? amr->raw.len : sizeof("[\"unauthenticated\"]") - 1;

    if (tags != NULL) {
        s.principal_tags = tags->raw;
    }

    if (id->authenticated) {
        s.provider = id->provider;
        s.authenticated = 1;
    }

    s.scoped_down = scoped_down ? 1 : 0;
    s.issued = ngx_time();
    s.expires = s.issued + duration;

    rc = cig_issuer_mint(conf->cred_keys, &s, &a, &creds.key, &creds.secret,
                         &creds.session, &err);

    if (rc != CIG_OK) {
        if (rc == CIG_ERR_INTERNAL) {
            ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                          "cognito identity: cannot issue credentials: %s",
                          err.msg);
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "cognito identity: credentials refused: %s", err.msg);

        return ngx_http_cognito_identity_aws_error(r, 400,
                   "InvalidParameterException",
                   "The identity's session does not fit a session token.");
    }

    creds.expiration = (double) s.expires;

    if (cig_creds_answer_json(id->sub, &creds, &a, &out) != CIG_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_cognito_identity_creds_send(r, (u_char *) out.data,
                                                out.len);
}


static ngx_int_t
ngx_http_cognito_identity_call_done(ngx_http_request_t *sr, void *data,
    ngx_int_t rc)
{
    ngx_http_cognito_identity_call_t  *call = data;

    /* an upstream failure is answered by us, not by dropping the client */

    if (rc == NGX_ERROR && !sr->connection->error) {
        rc = NGX_OK;
    }

    if (!call->done) {
        call->done = 1;
        call->rc = rc;
        call->status = (rc >= NGX_HTTP_SPECIAL_RESPONSE) ? (ngx_uint_t) rc
                                                          : sr->headers_out.status;
    }

    return rc;
}


static ngx_int_t
ngx_http_cognito_identity_call(ngx_http_request_t *r,
    ngx_http_cognito_identity_call_t *call, ngx_str_t *uri,
    const char *content_type, ngx_str_t *target, u_char *body, size_t len)
{
    ngx_buf_t                        *b;
    ngx_chain_t                      *cl;
    ngx_table_elt_t                  *h;
    ngx_http_request_t               *sr;
    ngx_http_post_subrequest_t       *ps;
    ngx_http_cognito_identity_ctx_t  *sctx;

    ps = ngx_palloc(r->pool, sizeof(ngx_http_post_subrequest_t));
    if (ps == NULL) {
        return NGX_ERROR;
    }

    ps->handler = ngx_http_cognito_identity_call_done;
    ps->data = call;

    if (ngx_http_subrequest(r, uri, NULL, &sr, ps,
                            NGX_HTTP_SUBREQUEST_WAITED)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    ngx_http_cognito_identity_status_count(
                                    NGX_HTTP_COGNITO_IDENTITY_STAT_CRED_CALL);

    if (ngx_http_cognito_identity_subrequest_clean(sr) != NGX_OK) {
        return NGX_ERROR;
    }

    sr->method = NGX_HTTP_POST;
    ngx_str_set(&sr->method_name, "POST");

    /* the body and the headers this module builds, nothing else */

    b = ngx_calloc_buf(r->pool);
    cl = ngx_alloc_chain_link(r->pool);
    if (b == NULL || cl == NULL) {
        return NGX_ERROR;
    }

    b->pos = body;
    b->last = body + len;
    b->memory = 1;
    b->last_buf = 1;
    cl->buf = b;
    cl->next = NULL;

    sr->request_body->bufs = cl;
    sr->request_body->buf = b;
    sr->headers_in.content_length_n = len;

    h = ngx_list_push(&sr->headers_in.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    ngx_str_set(&h->key, "Content-Type");
    h->value.data = (u_char *) content_type;
    h->value.len = ngx_strlen(content_type);
    h->lowcase_key = (u_char *) "content-type";
    h->hash = ngx_hash_key(h->lowcase_key, h->key.len);
    sr->headers_in.content_type = h;

    if (target != NULL) {
        h = ngx_list_push(&sr->headers_in.headers);
        if (h == NULL) {
            return NGX_ERROR;
        }

        ngx_str_set(&h->key, "X-Amz-Target");
        h->value = *target;
        h->lowcase_key = (u_char *) "x-amz-target";
        h->hash = ngx_hash_key(h->lowcase_key, h->key.len);
    }

    sctx = ngx_pcalloc(r->pool, sizeof(ngx_http_cognito_identity_ctx_t));
    if (sctx == NULL) {
        return NGX_ERROR;
    }

    call->cap.limit = NGX_HTTP_COGNITO_IDENTITY_CRED_REPLY;
    sctx->capture = &call->cap;
    ngx_http_set_ctx(sr, sctx, ngx_http_cognito_identity_module);

    call->sr = sr;

    return NGX_OK;
}


static ngx_int_t
ngx_http_cognito_identity_creds_send(ngx_http_request_t *r, u_char *body,
    size_t len)
{
    return ngx_http_cognito_identity_aws_send(r, NGX_HTTP_OK, NULL,
                                              "application/x-amz-json-1.1",
                                              body, len);
}


static ngx_int_t
ngx_http_cognito_identity_upstream_error(ngx_http_request_t *r,
    ngx_http_cognito_identity_call_t *call, const char *why)
{
    ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                  "cognito identity: credential upstream \"%V\": %s",
                  &call->sr->uri, why);
    ngx_http_cognito_identity_status_count(
                                    NGX_HTTP_COGNITO_IDENTITY_STAT_CRED_FAIL);

    return ngx_http_cognito_identity_aws_error(r,
               call->status == NGX_HTTP_GATEWAY_TIME_OUT ? 504 : 502,
               "InternalErrorException",
               "The identity service upstream failed.");
}


/* pass: Cognito's answer rebuilt from what the operation returns. */

static ngx_int_t
ngx_http_cognito_identity_pass_reply(ngx_http_request_t *r,
    ngx_http_cognito_identity_call_t *call)
{
    char              msg[256];
    cig_err_t         err;
    cig_str_t         out;
    cig_json_t       *j;
    const char       *why;
    cig_refusal_t     no;
    cig_allocator_t   a;

    if (call->cap.too_big || call->cap.in_file || !call->cap.complete
        || call->cap.len == 0)
    {
        return ngx_http_cognito_identity_upstream_error(r, call,
                   "no complete answer within bounds");
    }

    a.alloc = ngx_http_cognito_identity_alloc;
    a.ctx = r->pool;

    j = cig_json_parse((char *) call->cap.body, call->cap.len, 8, &a, &err);

    if (j == NULL) {
        return ngx_http_cognito_identity_upstream_error(r, call,
                   "the answer is not valid JSON");
    }

    if (call->status == NGX_HTTP_OK) {
        why = cig_creds_pass_answer(cig_creds_op((char *) call->op.data,
                                                 call->op.len),
                                    call->req, j, ngx_time(), &a, &out);
        if (why != NULL) {
            return ngx_http_cognito_identity_upstream_error(r, call, why);
        }

        return ngx_http_cognito_identity_creds_send(r, (u_char *) out.data,
                                                    out.len);
    }

    /* Cognito's own errors, by name and with the model's status */

    if (call->status >= 400 && call->status < 500) {
        if (cig_creds_error(j, &no, msg, sizeof(msg))) {
            return ngx_http_cognito_identity_aws_error(r, no.status, no.type,
                                                       no.message);
        }

        return ngx_http_cognito_identity_upstream_error(r, call,
                   "an error whose __type is none of Cognito's");
    }

    return ngx_http_cognito_identity_upstream_error(r, call,
               "unexpected answer status");
}


/* sts: AssumeRoleWithWebIdentity's XML to GetCredentialsForIdentity's JSON */

static ngx_int_t
ngx_http_cognito_identity_sts_reply(ngx_http_request_t *r,
    ngx_http_cognito_identity_call_t *call)
{
    cig_str_t         code, id, out;
    const char       *why;
    cig_refusal_t     no;
    cig_allocator_t   a;
    cig_sts_creds_t   creds;

    if (call->cap.too_big || call->cap.in_file || !call->cap.complete
        || call->cap.len == 0)
    {
        return ngx_http_cognito_identity_upstream_error(r, call,
                   "no complete STS answer within bounds");
    }

    if (call->status != NGX_HTTP_OK) {
        if (call->status >= 400 && call->status < 500
            && cig_xml_text((char *) call->cap.body, call->cap.len, "Code",
                            &code))
        {
            if (!cig_creds_sts_error(code, &no)) {
                return ngx_http_cognito_identity_upstream_error(r, call,
                           "an STS error of a code not known");
            }

            /* cig_xml_text() reads no controls, quotes or markup */

            ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                          "cognito identity: STS refused: %*s",
                          code.len, code.data);

            return ngx_http_cognito_identity_aws_error(r, no.status, no.type,
                                                       no.message);
        }

        return ngx_http_cognito_identity_upstream_error(r, call,
                   "unexpected STS answer");
    }

    if (!cig_creds_sts_answer((char *) call->cap.body, call->cap.len,
                              ngx_time(), &creds, &why))
    {
        return ngx_http_cognito_identity_upstream_error(r, call, why);
    }

    a.alloc = ngx_http_cognito_identity_alloc;
    a.ctx = r->pool;
    id.data = (char *) call->identity.data;
    id.len = call->identity.len;

    if (cig_creds_answer_json(id, &creds, &a, &out) != CIG_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_cognito_identity_creds_send(r, (u_char *) out.data,
                                                out.len);
}


static void
ngx_http_cognito_identity_creds_resume(ngx_http_request_t *r)
{
    ngx_http_cognito_identity_call_t      *call;
    ngx_http_cognito_identity_ctx_t       *ctx;
    ngx_http_cognito_identity_loc_conf_t  *conf;

    ctx = ngx_http_get_module_ctx(r, ngx_http_cognito_identity_module);
    call = ctx ? ctx->call : NULL;

    if (call == NULL || !call->done) {
        return;
    }

    ctx->call = NULL;
    conf = ngx_http_get_module_loc_conf(r, ngx_http_cognito_identity_module);

    ngx_http_finalize_request(r, conf->creds->sts
                              ? ngx_http_cognito_identity_sts_reply(r, call)
                              : ngx_http_cognito_identity_pass_reply(r, call));
}


/* Answers the client with a Cognito error; NGX_DONE tells the caller so. */

static ngx_int_t
ngx_http_cognito_identity_refuse(ngx_http_request_t *r, ngx_int_t *answer,
    ngx_uint_t status, const char *type, const char *message)
{
    *answer = ngx_http_cognito_identity_aws_error(r, status, type, message);

    return NGX_DONE;
}


static ngx_int_t
ngx_http_cognito_identity_pass_request(ngx_http_request_t *r,
    ngx_http_cognito_identity_loc_conf_t *conf, ngx_str_t *op,
    const cig_json_t *req, cig_allocator_t *a, ngx_int_t *answer)
{
    cig_refusal_t  no;

    if (cig_creds_pass_check(cig_creds_op((char *) op->data, op->len), req,
                             conf->audiences, conf->naudiences, a, &no)
        != CIG_OK)
    {
        return ngx_http_cognito_identity_refuse(r, answer, no.status,
                                                no.type, no.message);
    }

    return NGX_OK;
}


static u_char *
ngx_http_cognito_identity_form(u_char *p, const char *name, cig_str_t v)
{
    p = ngx_cpymem(p, name, ngx_strlen(name));
    *p++ = '=';

    return (u_char *) ngx_escape_uri(p, (u_char *) v.data, v.len,
                                     NGX_ESCAPE_URI_COMPONENT);
}


/*
 * issue, guest_proof=id: Cognito's own rule for guests, credentials for an
 * IdentityId alone, as a guest of the served pool of its region.
 */

static ngx_int_t
ngx_http_cognito_identity_guest_by_id(ngx_http_request_t *r,
    ngx_http_cognito_identity_loc_conf_t *conf,
    ngx_http_cognito_identity_ctx_t *ctx, const cig_json_t *req,
    cig_allocator_t *a, ngx_int_t *answer)
{
    char              *c;
    size_t             n;
    cig_err_t          err;
    cig_str_t          id, pool;
    ngx_uint_t         i, found;
    cig_json_t        *claims;
    const cig_json_t  *idj;
    const char        *colon;

    idj = cig_json_get(req, "IdentityId");

    if (idj == NULL || idj->type != CIG_JSON_STRING
        || !cig_identity_id_valid(idj->str.data, idj->str.len))
    {
        return ngx_http_cognito_identity_refuse(r, answer, 400,
                   "InvalidParameterException", "IdentityId is required.");
    }

    id = idj->str;
    colon = memchr(id.data, ':', id.len);
    found = 0;
    pool.data = NULL;
    pool.len = 0;

    for (i = 0; i < conf->naudiences; i++) {
        if (conf->audiences[i].len > (size_t) (colon - id.data)
            && ngx_strncmp(conf->audiences[i].data, id.data,
                           colon - id.data + 1) == 0)
        {
            pool = conf->audiences[i];
            found++;
        }
    }

    if (found != 1) {
        return ngx_http_cognito_identity_refuse(r, answer, 400,
                   "InvalidParameterException",
                   "Logins are required: no single pool of this identity's "
                   "region is served here.");
    }

    n = sizeof("{\"sub\":\"\",\"aud\":\"\",\"amr\":[\"unauthenticated\"]}")
        + id.len + pool.len;

    c = ngx_pnalloc(r->pool, n);
    if (c == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    n = ngx_sprintf((u_char *) c, "{\"sub\":\"%*s\",\"aud\":\"%*s\","
                    "\"amr\":[\"unauthenticated\"]}", id.len, id.data,
                    pool.len, pool.data) - (u_char *) c;

    claims = cig_json_parse(c, n, 4, a, &err);
    if (claims == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_memzero(&ctx->identity, sizeof(cig_identity_t));
    ctx->identity.sub = cig_json_get(claims, "sub")->str;
    ctx->identity.aud = cig_json_get(claims, "aud")->str;
    ctx->identity.amr[0] = cig_json_get(claims, "amr")->child->str;
    ctx->identity.namr = 1;
    ctx->identity.claims = claims;

    return NGX_OK;
}


/*
 * sts and issue: the IdentityId proven by its own OpenID token in Logins
 * (and the provider's token where cognito_identity_login asks for it),
 * then the role chosen from the pool's role attachment.
 */

static ngx_int_t
ngx_http_cognito_identity_creds_prove(ngx_http_request_t *r,
    ngx_http_cognito_identity_loc_conf_t *conf,
    ngx_http_cognito_identity_ctx_t *ctx, const cig_json_t *req,
    cig_allocator_t *a, cig_str_t *token, ngx_int_t *answer)
{
    cig_err_t          err;
    ngx_int_t          grc;
    cig_code_t         rc;
    ngx_str_t          login_token;
    cig_str_t          id, role;
    cig_refusal_t      no;
    cig_role_input_t   in;
    const cig_json_t  *lt, *logins;
    const cig_roles_t *roles;
    ngx_http_cognito_identity_login_t  *login;

    logins = cig_json_get(req, "Logins");

    if (conf->creds->issue && conf->creds->guest_id
        && (logins == NULL
            || (logins->type == CIG_JSON_OBJECT && logins->count == 0)))
    {
        grc = ngx_http_cognito_identity_guest_by_id(r, conf, ctx, req, a,
                                                    answer);
        if (grc != NGX_OK) {
            return grc;
        }

        role.data = NULL;
        role.len = 0;
        lt = cig_json_get(req, "CustomRoleArn");

        if (lt != NULL && lt->type == CIG_JSON_STRING) {
            role = lt->str;
        }

        token->data = NULL;
        token->len = 0;

        goto guest;
    }

    if (cig_creds_sts_fields(req, &id, token, &role, &no) != CIG_OK) {
        return ngx_http_cognito_identity_refuse(r, answer, no.status,
                                                no.type, no.message);
    }

    rc = cig_token_verify(&conf->verifier, token->data, token->len,
                          ngx_time(), a, &ctx->identity, &err);

    if (rc != CIG_OK || ctx->identity.sub.len != id.len
        || ngx_strncmp(ctx->identity.sub.data, id.data, id.len))
    {
        ngx_log_error((rc == CIG_ERR_NO_KEYS ? NGX_LOG_ERR : NGX_LOG_INFO),
                      r->connection->log, 0,
                      "cognito identity: credentials refused: %s",
                      rc != CIG_OK ? err.msg : "the token is for another "
                      "identity");

        return ngx_http_cognito_identity_refuse(r, answer,
                   rc == CIG_ERR_NO_KEYS ? 503 : 403,
                   rc == CIG_ERR_NO_KEYS ? "InternalErrorException"
                                         : "NotAuthorizedException",
                   "Invalid login token.");
    }

guest:

    ctx->verified = 1;

    if (!ctx->identity.authenticated && !conf->unauthenticated) {
        return ngx_http_cognito_identity_refuse(r, answer, 403,
                   "NotAuthorizedException",
                   "Unauthenticated access is not supported for this "
                   "identity pool.");
    }

    roles = cig_roleset_find(conf->roleset, ctx->identity.aud);
    in.claims = ctx->identity.claims;
    in.client_id.data = NULL;
    in.client_id.len = 0;
    in.requested = role;

    /*
     * The enhanced flow's Logins: where cognito_identity_login configures
     * the identity's provider, its own token (a user pool's ID token) must
     * be beside the OpenID token, verified as the bearer path verifies it,
     * and Rules and Token mappings read its claims.
     */

    login = ctx->identity.authenticated
            ? ngx_http_cognito_identity_login_for(conf,
                                                  ctx->identity.provider)
            : NULL;

    if (login != NULL) {
        lt = cig_json_getn(cig_json_get(req, "Logins"),
                           (char *) login->provider.data,
                           login->provider.len);

        login_token.len = 0;
        login_token.data = NULL;

        if (lt != NULL && lt->type == CIG_JSON_STRING) {
            login_token.data = (u_char *) lt->str.data;
            login_token.len = lt->str.len;
        }

        rc = ngx_http_cognito_identity_login_check(login, ctx, &login_token,
                                                   &in, a, &err);
        if (rc != CIG_OK) {
            ngx_log_error((rc == CIG_ERR_NO_KEYS ? NGX_LOG_ERR
                                                 : NGX_LOG_INFO),
                          r->connection->log, 0,
                          "cognito identity: credentials refused: %s",
                          err.msg);

            return ngx_http_cognito_identity_refuse(r, answer,
                       rc == CIG_ERR_NO_KEYS ? 503 : 403,
                       rc == CIG_ERR_NO_KEYS ? "InternalErrorException"
                                             : "NotAuthorizedException",
                       login_token.len == 0
                       ? "Logins needs the identity provider's own token "
                         "beside the OpenID token to choose the role."
                       : "Invalid login token.");
        }
    }

    if (roles == NULL
        || cig_roles_choose(roles, &ctx->identity, &in, &ctx->role, &err)
           != CIG_OK)
    {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "cognito identity: credentials refused: %s",
                      roles ? err.msg : "no role attachment for the pool");

        return ngx_http_cognito_identity_refuse(r, answer, 400,
                   "InvalidIdentityPoolConfigurationException",
                   "No role for this identity.");
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_cognito_identity_sts_request(ngx_http_request_t *r,
    ngx_http_cognito_identity_loc_conf_t *conf,
    ngx_http_cognito_identity_ctx_t *ctx,
    ngx_http_cognito_identity_call_t *call, const cig_json_t *req,
    cig_allocator_t *a, u_char **form, size_t *form_len, ngx_int_t *answer)
{
    u_char            *p;
    size_t             n;
    ngx_int_t          rc;
    cig_str_t          duration, session, token, policy;
    u_char             dbuf[NGX_TIME_T_LEN];
    char               pbuf[128];

    rc = ngx_http_cognito_identity_creds_prove(r, conf, ctx, req, a, &token,
                                               answer);
    if (rc != NGX_OK) {
        return rc;
    }

    /* guests: Cognito's scope-down, in the role's partition */

    policy.data = pbuf;
    policy.len = 0;

    if (!ctx->identity.authenticated) {
        policy.len = cig_creds_guest_policy(ctx->role.role, pbuf,
                                            sizeof(pbuf));
        if (policy.len == 0) {
            return ngx_http_cognito_identity_refuse(r, answer, 400,
                       "InvalidIdentityPoolConfigurationException",
                       "The guest role has no partition.");
        }
    }

    call->identity.data = (u_char *) ctx->identity.sub.data;
    call->identity.len = ctx->identity.sub.len;

    duration.len = ngx_sprintf(dbuf, "%T", conf->creds->duration) - dbuf;
    duration.data = (char *) dbuf;
    session.data = "CognitoIdentityCredentials";
    session.len = sizeof("CognitoIdentityCredentials") - 1;

    n = sizeof("Action=AssumeRoleWithWebIdentity&Version=2011-06-15")
        + 3 * (ctx->role.role.len + token.len + session.len
               + duration.len + policy.len)
        + sizeof("&RoleArn=&RoleSessionName=&WebIdentityToken="
                 "&DurationSeconds=&PolicyArns.member.1.arn=");

    p = ngx_pnalloc(r->pool, n);
    if (p == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    *form = p;
    p = ngx_cpymem(p, "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&",
                   sizeof("Action=AssumeRoleWithWebIdentity"
                          "&Version=2011-06-15&") - 1);
    p = ngx_http_cognito_identity_form(p, "RoleArn", ctx->role.role);
    *p++ = '&';
    p = ngx_http_cognito_identity_form(p, "RoleSessionName", session);
    *p++ = '&';
    p = ngx_http_cognito_identity_form(p, "WebIdentityToken", token);
    *p++ = '&';
    p = ngx_http_cognito_identity_form(p, "DurationSeconds", duration);

    if (policy.len) {
        *p++ = '&';
        p = ngx_http_cognito_identity_form(p, "PolicyArns.member.1.arn",
                                           policy);
    }

    *form_len = p - *form;

    return NGX_OK;
}


static void
ngx_http_cognito_identity_creds_body(ngx_http_request_t *r)
{
    u_char                                *body, *form = NULL;
    size_t                                 len, form_len = 0;
    ngx_int_t                              rc, answer;
    ngx_str_t                              op, target;
    ngx_uint_t                             bit;
    cig_json_t                            *req;
    cig_allocator_t                        a;
    ngx_http_cognito_identity_ctx_t       *ctx;
    ngx_http_cognito_identity_call_t      *call;
    ngx_http_cognito_identity_loc_conf_t  *conf;

    conf = ngx_http_get_module_loc_conf(r, ngx_http_cognito_identity_module);

    if (ngx_http_cognito_identity_aws_request(r, &op, &body, &len, &req, &a,
                                              &answer)
        != NGX_OK)
    {
        ngx_http_finalize_request(r, answer);
        return;
    }

    bit = cig_creds_op((char *) op.data, op.len);

    if (!(bit & conf->creds->ops)) {
        ngx_http_finalize_request(r,
            ngx_http_cognito_identity_aws_error(r, 400,
                "UnknownOperationException",
                "This operation is not served here."));
        return;
    }

    ctx = ngx_http_get_module_ctx(r, ngx_http_cognito_identity_module);
    if (ctx == NULL) {
        ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_cognito_identity_ctx_t));
        if (ctx == NULL) {
            ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
            return;
        }

        ngx_http_set_ctx(r, ctx, ngx_http_cognito_identity_module);
    }

    call = ngx_pcalloc(r->pool, sizeof(ngx_http_cognito_identity_call_t));
    if (call == NULL) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    call->op = op;

    if (conf->creds->issue) {
        cig_str_t  token;

        rc = ngx_http_cognito_identity_creds_prove(r, conf, ctx, req, &a,
                                                   &token, &answer);
        if (rc != NGX_OK) {
            ngx_http_finalize_request(r, rc == NGX_DONE ? answer : rc);
            return;
        }

        ngx_http_finalize_request(r,
            ngx_http_cognito_identity_issue_send(r, conf, &ctx->identity,
                ctx->role.role,
                !ctx->identity.authenticated && !conf->creds->guest_role,
                conf->creds->duration));
        return;
    }

    if (conf->creds->sts) {
        rc = ngx_http_cognito_identity_sts_request(r, conf, ctx, call, req,
                                                   &a, &form, &form_len,
                                                   &answer);
        if (rc != NGX_OK) {
            ngx_http_finalize_request(r, rc == NGX_DONE ? answer : rc);
            return;
        }

        rc = ngx_http_cognito_identity_call(r, call, &conf->creds->uri,
                                       "application/x-www-form-urlencoded",
                                       NULL, form, form_len);

    } else {
        rc = ngx_http_cognito_identity_pass_request(r, conf, &op, req, &a,
                                                    &answer);
        if (rc != NGX_OK) {
            ngx_http_finalize_request(r, rc == NGX_DONE ? answer : rc);
            return;
        }

        call->req = req;

        target.len = sizeof("AWSCognitoIdentityService.") - 1 + op.len;
        target.data = ngx_pnalloc(r->pool, target.len);
        if (target.data == NULL) {
            ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
            return;
        }

        ngx_sprintf(target.data, "AWSCognitoIdentityService.%V", &op);

        /* the client's validated body, as it was sent */

        rc = ngx_http_cognito_identity_call(r, call, &conf->creds->uri,
                                            "application/x-amz-json-1.1",
                                            &target, body, len);
    }

    if (rc != NGX_OK) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    ctx->call = call;
    r->write_event_handler = ngx_http_cognito_identity_creds_resume;
}


static ngx_int_t
ngx_http_cognito_identity_creds_handler(ngx_http_request_t *r)
{
    ngx_int_t                              rc;

    if (r->method != NGX_HTTP_POST) {
        return ngx_http_cognito_identity_aws_error(r, 400,
                   "InvalidParameterException", "Only POST is served.");
    }

    if (r->headers_in.content_length_n > NGX_HTTP_COGNITO_IDENTITY_CRED_BODY)
    {
        return ngx_http_cognito_identity_aws_error(r, 400,
                   "InvalidParameterException", "The request is too large.");
    }

    rc = ngx_http_read_client_request_body(r,
                                        ngx_http_cognito_identity_creds_body);

    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        return rc;
    }

    return NGX_DONE;
}
