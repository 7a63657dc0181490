/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Counters of the module's decisions, shared by all workers
 * (ngx_http_cognito_identity_status.c).  Each hook is a single atomic add,
 * and nothing at all where no location has cognito_identity_status.
 */

#ifndef NGX_HTTP_COGNITO_IDENTITY_STATUS_H
#define NGX_HTTP_COGNITO_IDENTITY_STATUS_H


/* counters other than the per-reason request counters */

#define NGX_HTTP_COGNITO_IDENTITY_STAT_KEY_FETCH        0
#define NGX_HTTP_COGNITO_IDENTITY_STAT_KEY_FETCH_FAIL   1
#define NGX_HTTP_COGNITO_IDENTITY_STAT_CRED_CALL        2
#define NGX_HTTP_COGNITO_IDENTITY_STAT_CRED_FAIL        3


/* after the check set ctx->done and ctx->status: allowed or refused */
void ngx_http_cognito_identity_status_decided(ngx_http_request_t *r);

/* one of the NGX_HTTP_COGNITO_IDENTITY_STAT_* counters */
void ngx_http_cognito_identity_status_count(ngx_uint_t counter);

/* cognito_identity_s3_sign read a session token from this file */
ngx_int_t ngx_http_cognito_identity_status_store_file(ngx_conf_t *cf,
    ngx_str_t *name);


#endif /* NGX_HTTP_COGNITO_IDENTITY_STATUS_H */
