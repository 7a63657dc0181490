/*
 * ngx_http_cognito_identity_module: shared declarations of the nginx
 * connector.  The connector translates only: request in, core decision out.
 */

#ifndef NGX_HTTP_COGNITO_IDENTITY_MODULE_H
#define NGX_HTTP_COGNITO_IDENTITY_MODULE_H

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "cig.h"


#define NGX_HTTP_COGNITO_IDENTITY_LEEWAY  10


typedef struct {
    ngx_str_t                    path;
    cig_keyset_t                *keyset;
} ngx_http_cognito_identity_key_file_t;


typedef struct {
    ngx_str_t                    path;
    cig_roles_t                 *roles;
} ngx_http_cognito_identity_roles_file_t;


typedef struct {
    ngx_str_t                    path;
    cig_policy_t                *policy;
} ngx_http_cognito_identity_policy_file_t;


#define NGX_HTTP_COGNITO_IDENTITY_AUTHZ_OFF          0
#define NGX_HTTP_COGNITO_IDENTITY_AUTHZ_S3           1
#define NGX_HTTP_COGNITO_IDENTITY_AUTHZ_EXECUTE_API  2


typedef struct {
    ngx_array_t                  key_files;   /* loaded once per path */
    ngx_array_t                  roles_files; /* loaded once per path */
    ngx_array_t                  policy_files;
    ngx_flag_t                   enabled;     /* any location enables it */
} ngx_http_cognito_identity_main_conf_t;


/* An identity provider's own login token (cognito_identity_login). */

typedef struct {
    ngx_str_t                    provider;    /* as amr names it */
    ngx_http_complex_value_t    *token;
    cig_bind_t                   bind;
    cig_keyset_t                *keyset;
    cig_str_t                   *clients;     /* sorted app client ids */
    ngx_uint_t                   nclients;
    ngx_str_t                    issuer;
    unsigned                     algs;
    cig_verifier_t               verifier;    /* built at merge */
} ngx_http_cognito_identity_login_t;


typedef struct {
    ngx_flag_t                   enable;
    ngx_str_t                    challenge;        /* Bearer realm="..." */
    ngx_str_t                    challenge_invalid;
    ngx_http_complex_value_t    *token;
    ngx_str_t                    enable_file;       /* where it was enabled */
    ngx_uint_t                   enable_line;

    cig_str_t                   *audiences;        /* sorted pool ids */
    ngx_uint_t                   naudiences;
    ngx_array_t                 *keysets;          /* of cig_keyset_t * */
    ngx_str_t                    issuer;
    time_t                       leeway;
    ngx_flag_t                   unauthenticated;
    ngx_flag_t                   cors_preflight;

    ngx_array_t                 *roles_files;      /* of cig_roles_t * */
    ngx_str_t                    role_authenticated;
    ngx_str_t                    role_unauthenticated;
    ngx_uint_t                   roles_set;        /* any role directive */
    cig_roleset_t               *roleset;          /* built at merge */
    ngx_array_t                 *logins;  /* of ..._login_t */

    ngx_array_t                 *policies;         /* cig_role_policy_t */
    cig_policyset_t             *policyset;        /* built at merge */
    ngx_uint_t                   authorize;        /* ..._AUTHZ_* */
    cig_str_t                    authorize_arg;    /* bucket, ARN prefix */
    ngx_array_t                 *allow_prefix;     /* cig_template_t * */

    cig_verifier_t               verifier;         /* built at merge */
} ngx_http_cognito_identity_loc_conf_t;


/* Per-request state; never kept in configuration. */

typedef struct {
    ngx_uint_t                   done;
    ngx_int_t                    status;      /* NGX_OK or an HTTP status */
    ngx_uint_t                   verified;
    cig_identity_t               identity;
    cig_identity_t               login;
    cig_role_choice_t            role;
    cig_verdict_t                verdict;
    ngx_uint_t                   decided;     /* a policy was evaluated */
    ngx_uint_t                   dialect;     /* ..._AUTHZ_* of a denial */
    ngx_str_t                    error;
} ngx_http_cognito_identity_ctx_t;


extern ngx_module_t  ngx_http_cognito_identity_module;


ngx_int_t ngx_http_cognito_identity_access_handler(ngx_http_request_t *r);
ngx_int_t ngx_http_cognito_identity_precontent_handler(ngx_http_request_t *r);
ngx_int_t ngx_http_cognito_identity_add_variables(ngx_conf_t *cf);
void *ngx_http_cognito_identity_alloc(void *pool, size_t size);


#endif /* NGX_HTTP_COGNITO_IDENTITY_MODULE_H */
