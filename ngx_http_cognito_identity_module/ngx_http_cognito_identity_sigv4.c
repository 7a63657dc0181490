/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cognito_identity_s3_sign: requests this module authorized are forwarded
 * to an S3-compatible store signed with the store's own credentials (AWS
 * Signature Version 4), through variables the operator hands to the
 * upstream with proxy_set_header:
 *
 *   proxy_set_header Authorization        $cognito_identity_s3_authorization;
 *   proxy_set_header X-Amz-Date           $cognito_identity_s3_date;
 *   proxy_set_header X-Amz-Content-SHA256 $cognito_identity_s3_content_sha256;
 *   proxy_set_header X-Amz-Security-Token $cognito_identity_s3_security_token;
 *
 * The values are computed when the proxy module builds the upstream request
 * (it flushes non-cacheable variables first), for the final method and the
 * canonical target the request was authorized with: what
 * "proxy_pass http://store$cognito_identity_s3_uri;" sends.  The secret is read once from a file at configuration time, kept
 * in the core's key object and never logged; the day's signing key is
 * derived once per UTC day in each worker.
 */

#include <openssl/crypto.h>

#include "ngx_http_cognito_identity_module.h"


struct ngx_http_cognito_identity_s3_sign_s {
    cig_sigv4_key_t             *key;          /* NULL: off */
    ngx_str_t                    access_key_id;
    ngx_str_t                    region;
    ngx_str_t                    service;
    ngx_str_t                    token;        /* session token, or empty */
    ngx_http_complex_value_t    *host;         /* host=, or $proxy_host */
};


#define NGX_HTTP_COGNITO_IDENTITY_S3_AUTHORIZATION   0
#define NGX_HTTP_COGNITO_IDENTITY_S3_DATE            1
#define NGX_HTTP_COGNITO_IDENTITY_S3_CONTENT_SHA256  2
#define NGX_HTTP_COGNITO_IDENTITY_S3_SECURITY_TOKEN  3


static ngx_http_cognito_identity_s3_sign_t
    ngx_http_cognito_identity_s3_sign_off;


static void
ngx_http_cognito_identity_s3_key_cleanup(void *data)
{
    cig_sigv4_key_free(data);
}


/* the session token's copy in configuration memory, wiped with it */

static void
ngx_http_cognito_identity_s3_token_cleanup(void *data)
{
    ngx_str_t  *token = data;

    OPENSSL_cleanse(token->data, token->len);
}


static ngx_int_t
ngx_http_cognito_identity_s3_name(ngx_conf_t *cf, ngx_str_t *v,
    const char *what)
{
    if (!cig_sigv4_region_valid((char *) v->data, v->len)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid %s \"%V\": 1 to %d letters, digits, "
                           "'-', '_' or '.'", what, v, CIG_SIGV4_MAX_NAME);
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* A credential file, read at configuration time; buf is wiped by caller. */

static ngx_int_t
ngx_http_cognito_identity_s3_read(ngx_conf_t *cf, ngx_str_t *name,
    const char *what, char *buf, size_t size, size_t *len)
{
    unsigned    mode;
    ngx_str_t   path;
    cig_err_t   err;

    path = *name;

    if (ngx_conf_full_name(cf->cycle, &path, 1) != NGX_OK) {
        return NGX_ERROR;
    }

    if (cig_sigv4_read_secret((char *) path.data, buf, size, len, &mode,
                              &err)
        != CIG_OK)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "cognito_identity_s3_sign: %s: %s", what, err.msg);
        return NGX_ERROR;
    }

    if (mode & 0007) {
        ngx_conf_log_error(NGX_LOG_WARN, cf, 0,
                           "cognito_identity_s3_sign: %s \"%V\" can be read "
                           "by any user (chmod o-rwx)", what, &path);
    }

    return NGX_OK;
}


/*
 * cognito_identity_s3_sign <access-key-id> <secret-file> <region>
 *     [service=s3] [session_token_file=<file>] [host=<value>] | off;
 */

char *
ngx_http_cognito_identity_s3_sign(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_cognito_identity_loc_conf_t  *cilcf = conf;

    char                                  secret[CIG_SIGV4_MAX_SECRET + 1];
    char                                 *tbuf;
    size_t                                len;
    ngx_str_t                            *value, v, def, token_file;
    cig_str_t                             region, service;
    cig_err_t                             err;
    ngx_uint_t                            i, service_set;
    ngx_int_t                             rc;
    ngx_pool_cleanup_t                   *cln;
    ngx_http_compile_complex_value_t      ccv;
    ngx_http_cognito_identity_s3_sign_t  *s;

    if (cilcf->s3_sign != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        if (cf->args->nelts != 2) {
            return "takes no other parameters with \"off\"";
        }

        cilcf->s3_sign = &ngx_http_cognito_identity_s3_sign_off;
        return NGX_CONF_OK;
    }

    if (cf->args->nelts < 4) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "needs an access key id, a secret file and a "
                           "region, or \"off\"");
        return NGX_CONF_ERROR;
    }

    s = ngx_pcalloc(cf->pool, sizeof(ngx_http_cognito_identity_s3_sign_t));
    if (s == NULL) {
        return NGX_CONF_ERROR;
    }

    if (!cig_sigv4_access_key_valid((char *) value[1].data, value[1].len)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid access key id \"%V\": 1 to %d printable "
                           "characters without spaces, '/', ',', ';', '=', "
                           "'\"' and '\\'", &value[1], CIG_SIGV4_MAX_NAME);
        return NGX_CONF_ERROR;
    }

    s->access_key_id = value[1];
    s->region = value[3];
    ngx_str_set(&s->service, "s3");
    ngx_str_null(&token_file);
    service_set = 0;

    if (ngx_http_cognito_identity_s3_name(cf, &s->region, "region")
        != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    for (i = 4; i < cf->args->nelts; i++) {
        v = value[i];

        if (ngx_strncmp(v.data, "service=", 8) == 0 && !service_set) {
            service_set = 1;
            s->service.data = v.data + 8;
            s->service.len = v.len - 8;

            if (ngx_http_cognito_identity_s3_name(cf, &s->service, "service")
                != NGX_OK)
            {
                return NGX_CONF_ERROR;
            }

            continue;
        }

        if (ngx_strncmp(v.data, "session_token_file=", 19) == 0
            && v.len > 19 && token_file.len == 0)
        {
            token_file.data = v.data + 19;
            token_file.len = v.len - 19;
            continue;
        }

        if (ngx_strncmp(v.data, "host=", 5) == 0 && v.len > 5
            && s->host == NULL)
        {
            v.data += 5;
            v.len -= 5;

            s->host = ngx_palloc(cf->pool, sizeof(ngx_http_complex_value_t));
            if (s->host == NULL) {
                return NGX_CONF_ERROR;
            }

            ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));
            ccv.cf = cf;
            ccv.value = &v;
            ccv.complex_value = s->host;

            if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
                return NGX_CONF_ERROR;
            }

            continue;
        }

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid parameter \"%V\", expected "
                           "\"service=NAME\", \"session_token_file=FILE\" or "
                           "\"host=VALUE\"", &value[i]);
        return NGX_CONF_ERROR;
    }

    if (s->host == NULL) {

        /* what nginx sends as Host unless proxy_set_header says otherwise */

        ngx_str_set(&def, "$proxy_host");

        s->host = ngx_palloc(cf->pool, sizeof(ngx_http_complex_value_t));
        if (s->host == NULL) {
            return NGX_CONF_ERROR;
        }

        ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));
        ccv.cf = cf;
        ccv.value = &def;
        ccv.complex_value = s->host;

        if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
            return NGX_CONF_ERROR;
        }
    }

    if (token_file.len) {
        tbuf = ngx_alloc(CIG_SIGV4_MAX_TOKEN + 1, cf->log);
        if (tbuf == NULL) {
            return NGX_CONF_ERROR;
        }

        rc = ngx_http_cognito_identity_s3_read(cf, &token_file,
                                               "session token file", tbuf,
                                               CIG_SIGV4_MAX_TOKEN + 1, &len);
        if (rc == NGX_OK) {
            cln = ngx_pool_cleanup_add(cf->pool, len);
            if (cln == NULL) {
                rc = NGX_ERROR;

            } else {
                s->token.data = cln->data;
                ngx_memcpy(s->token.data, tbuf, len);
                s->token.len = len;

                cln->handler = ngx_http_cognito_identity_s3_token_cleanup;
                cln->data = &s->token;
            }
        }

        OPENSSL_cleanse(tbuf, CIG_SIGV4_MAX_TOKEN + 1);
        ngx_free(tbuf);

        if (rc != NGX_OK
            || ngx_http_cognito_identity_status_store_file(cf, &token_file)
               != NGX_OK)
        {
            return NGX_CONF_ERROR;
        }
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NGX_CONF_ERROR;
    }

    if (ngx_http_cognito_identity_s3_read(cf, &value[2], "secret file",
                                          secret, sizeof(secret), &len)
        != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    region.data = (char *) s->region.data;
    region.len = s->region.len;
    service.data = (char *) s->service.data;
    service.len = s->service.len;

    s->key = cig_sigv4_key_create(secret, len, region, service, &err);

    OPENSSL_cleanse(secret, sizeof(secret));

    if (s->key == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "cognito_identity_s3_sign: %s", err.msg);
        return NGX_CONF_ERROR;
    }

    cln->handler = ngx_http_cognito_identity_s3_key_cleanup;
    cln->data = s->key;

    cilcf->s3_sign = s;

    return NGX_CONF_OK;
}


ngx_int_t
ngx_http_cognito_identity_s3_sign_merge(ngx_conf_t *cf,
    ngx_http_cognito_identity_loc_conf_t *prev,
    ngx_http_cognito_identity_loc_conf_t *conf)
{
    if (conf->s3_sign == NULL) {
        conf->s3_sign = prev->s3_sign;
        return NGX_OK;
    }

    if (conf->s3_sign->key != NULL && !conf->enable) {
        ngx_log_error(NGX_LOG_WARN, cf->log, 0,
                      "\"cognito_identity_s3_sign\" signs only requests that "
                      "\"cognito_identity\" verified and authorized, and it "
                      "is off here: nothing is signed");
    }

    return NGX_OK;
}


/* Signing applies: configured here, and this request passed every check. */

static ngx_http_cognito_identity_s3_sign_t *
ngx_http_cognito_identity_s3_signing(ngx_http_request_t *r)
{
    ngx_http_cognito_identity_ctx_t       *ctx;
    ngx_http_cognito_identity_loc_conf_t  *conf;

    conf = ngx_http_get_module_loc_conf(r, ngx_http_cognito_identity_module);

    if (conf->s3_sign == NULL || conf->s3_sign->key == NULL) {
        return NULL;
    }

    ctx = ngx_http_get_module_ctx(r, ngx_http_cognito_identity_module);

    if (ctx == NULL || !ctx->done || ctx->status != NGX_OK
        || !ctx->verified)
    {
        return NULL;
    }

    return conf->s3_sign;
}


/* The client's x-amz-* headers, which nginx forwards and S3 wants signed. */

static ngx_int_t
ngx_http_cognito_identity_s3_headers(ngx_http_request_t *r,
    cig_kv_t **headers, size_t *n)
{
    size_t            pass;
    ngx_uint_t        i;
    cig_kv_t         *kv;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    kv = NULL;
    *n = 0;

    for (pass = 0; pass < 2; pass++) {
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

            if (h[i].key.len < 6
                || ngx_strncasecmp(h[i].key.data, (u_char *) "x-amz-", 6)
                   != 0)
            {
                continue;
            }

            /* set by the operator from our variables */

            if ((h[i].key.len == sizeof("x-amz-date") - 1
                 && ngx_strncasecmp(h[i].key.data, (u_char *) "x-amz-date",
                                    h[i].key.len) == 0)
                || (h[i].key.len == sizeof("x-amz-content-sha256") - 1
                    && ngx_strncasecmp(h[i].key.data,
                                       (u_char *) "x-amz-content-sha256",
                                       h[i].key.len) == 0)
                || (h[i].key.len == sizeof("x-amz-security-token") - 1
                    && ngx_strncasecmp(h[i].key.data,
                                       (u_char *) "x-amz-security-token",
                                       h[i].key.len) == 0))
            {
                continue;
            }

            if (pass == 1) {
                kv[*n].name.data = (char *) h[i].key.data;
                kv[*n].name.len = h[i].key.len;
                kv[*n].value.data = (char *) h[i].value.data;
                kv[*n].value.len = h[i].value.len;
            }

            (*n)++;
        }

        if (pass == 0) {
            if (*n == 0) {
                break;
            }

            kv = ngx_palloc(r->pool, *n * sizeof(cig_kv_t));
            if (kv == NULL) {
                return NGX_ERROR;
            }

            *n = 0;
        }
    }

    *headers = kv;

    return NGX_OK;
}


static ngx_int_t
ngx_http_cognito_identity_s3_authorization(ngx_http_request_t *r,
    ngx_http_cognito_identity_s3_sign_t *s, ngx_str_t *out)
{
    ngx_str_t                    host;
    cig_err_t                    err;
    cig_code_t                   rc;
    cig_allocator_t              alloc;
    cig_kv_t                    *headers;
    size_t                       nheaders;
    cig_sigv4_result_t           res;
    cig_sigv4_request_t          req;
    const unsigned char         *key;
    const cig_target_t          *target;
    ngx_http_cognito_identity_ctx_t  *ctx;

    /* the target authorized, which the store is sent ($..._s3_uri) */

    ctx = ngx_http_get_module_ctx(r, ngx_http_cognito_identity_module);

    if (ngx_http_cognito_identity_target(r, ctx, &target, &err) != CIG_OK) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "cognito identity: the request to the store is not "
                      "signed: %s", err.msg);
        return NGX_DECLINED;
    }

    if (ngx_http_complex_value(r, s->host, &host) != NGX_OK) {
        return NGX_ERROR;
    }

    if (ngx_http_cognito_identity_s3_headers(r, &headers, &nheaders)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    ngx_memzero(&req, sizeof(cig_sigv4_request_t));

    /* HEAD becomes GET where proxy_cache caches it */

    if (r->upstream != NULL && r->upstream->method.len) {
        req.method.data = (char *) r->upstream->method.data;
        req.method.len = r->upstream->method.len;

    } else {
        req.method.data = (char *) r->method_name.data;
        req.method.len = r->method_name.len;
    }

    req.path = target->canonical_path;
    req.query = target->query;
    req.host.data = (char *) host.data;
    req.host.len = host.len;
    req.headers = headers;
    req.nheaders = nheaders;
    req.payload_hash.data = CIG_SIGV4_UNSIGNED_PAYLOAD;
    req.payload_hash.len = sizeof(CIG_SIGV4_UNSIGNED_PAYLOAD) - 1;
    req.security_token.data = (char *) s->token.data;
    req.security_token.len = s->token.len;
    req.access_key_id.data = (char *) s->access_key_id.data;
    req.access_key_id.len = s->access_key_id.len;
    req.region.data = (char *) s->region.data;
    req.region.len = s->region.len;
    req.service.data = (char *) s->service.data;
    req.service.len = s->service.len;
    req.now = ngx_time();

    key = cig_sigv4_key_get(s->key, req.now, &err);
    if (key == NULL) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "cognito identity: %s", err.msg);
        return NGX_DECLINED;
    }

    alloc.alloc = ngx_http_cognito_identity_alloc;
    alloc.ctx = r->pool;

    rc = cig_sigv4_sign(&req, key, &alloc, &res, &err);

    if (rc != CIG_OK) {
        ngx_log_error((rc == CIG_ERR_INTERNAL ? NGX_LOG_ERR : NGX_LOG_INFO),
                      r->connection->log, 0,
                      "cognito identity: the request to the store is not "
                      "signed: %s", err.msg);
        return NGX_DECLINED;
    }

    /* the canonical request holds a session token, if any: not logged */

    if (s->token.len == 0) {
        ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "cognito identity: s3 canonical request:\n%*s",
                       res.canonical_request.len,
                       res.canonical_request.data);
    }

    out->data = (u_char *) res.authorization.data;
    out->len = res.authorization.len;

    return NGX_OK;
}


ngx_int_t
ngx_http_cognito_identity_s3_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    u_char                               *p;
    ngx_int_t                             rc;
    ngx_str_t                             value;
    ngx_http_cognito_identity_s3_sign_t  *s;

    s = ngx_http_cognito_identity_s3_signing(r);

    if (s == NULL) {
        v->not_found = 1;
        return NGX_OK;
    }

    switch (data) {

    case NGX_HTTP_COGNITO_IDENTITY_S3_AUTHORIZATION:
        rc = ngx_http_cognito_identity_s3_authorization(r, s, &value);

        if (rc == NGX_ERROR) {
            return NGX_ERROR;
        }

        if (rc == NGX_DECLINED) {
            v->not_found = 1;
            return NGX_OK;
        }

        break;

    case NGX_HTTP_COGNITO_IDENTITY_S3_DATE:
        p = ngx_pnalloc(r->pool, CIG_SIGV4_DATE_LEN + 1);
        if (p == NULL) {
            return NGX_ERROR;
        }

        if (!cig_sigv4_date(ngx_time(), (char *) p)) {
            v->not_found = 1;
            return NGX_OK;
        }

        value.data = p;
        value.len = CIG_SIGV4_DATE_LEN;
        break;

    case NGX_HTTP_COGNITO_IDENTITY_S3_CONTENT_SHA256:
        ngx_str_set(&value, CIG_SIGV4_UNSIGNED_PAYLOAD);
        break;

    default: /* NGX_HTTP_COGNITO_IDENTITY_S3_SECURITY_TOKEN */
        if (s->token.len == 0) {
            v->not_found = 1;
            return NGX_OK;
        }

        value = s->token;
        break;
    }

    v->data = value.data;
    v->len = value.len;
    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    return NGX_OK;
}
