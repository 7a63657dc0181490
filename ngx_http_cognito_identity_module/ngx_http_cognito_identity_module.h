/* SPDX-License-Identifier: BSD-2-Clause */
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


/* Keys fetched through a subrequest, shared by all workers. */

#define NGX_HTTP_COGNITO_IDENTITY_MAX_SOURCES   64
#define NGX_HTTP_COGNITO_IDENTITY_MAX_URI       256

typedef struct {
    u_char                       uri[NGX_HTTP_COGNITO_IDENTITY_MAX_URI];
    size_t                       uri_len;
    ngx_uint_t                   generation;  /* of the stored key set */
    time_t                       fetched;     /* last good fetch */
    time_t                       last_kid_fetch;  /* for an unknown kid */
    time_t                       last_attempt;
    time_t                       fetch_started;   /* 0: none under way */
    ngx_uint_t                   fails;       /* since the last good one */
    ngx_uint_t                   nkeys;       /* in the stored key set */
    u_char                      *jwks;        /* in the slab */
    size_t                       jwks_len;
} ngx_http_cognito_identity_key_slot_t;

typedef struct {
    ngx_http_cognito_identity_key_slot_t
                                 slots[NGX_HTTP_COGNITO_IDENTITY_MAX_SOURCES];
} ngx_http_cognito_identity_keys_sh_t;

typedef struct {
    ngx_str_t                    uri;
    ngx_uint_t                   slot;
    cig_keyset_t                *keyset;      /* this worker's copy */
    ngx_uint_t                   generation;
} ngx_http_cognito_identity_key_source_t;


/* The verified-token cache. */

typedef struct ngx_http_cognito_identity_entry_s
    ngx_http_cognito_identity_entry_t;

typedef struct {
    ngx_http_cognito_identity_entry_t  **buckets;   /* by the token's hash */
    ngx_uint_t                   mask;        /* buckets - 1, a power of 2 */
    uint64_t                     seed[2];     /* of the index hash */
    ngx_queue_t                  queue;       /* least recently used last */
    ngx_uint_t                   hits;
    ngx_uint_t                   misses;
    ngx_uint_t                   entries;
    ngx_uint_t                   evictions;   /* unexpired, for room */
} ngx_http_cognito_identity_cache_sh_t;

typedef struct {
    ngx_http_cognito_identity_cache_sh_t  *sh;
    ngx_slab_pool_t                       *shpool;
    ngx_shm_zone_t                        *shm_zone;
} ngx_http_cognito_identity_cache_t;


/* A name given in the configuration, with where it was given. */

typedef struct {
    ngx_str_t                    name;
    ngx_str_t                    file;
    ngx_uint_t                   line;
} ngx_http_cognito_identity_named_t;


typedef struct {
    ngx_array_t                  key_files;   /* loaded once per path */
    ngx_array_t                  roles_files; /* loaded once per path */
    ngx_array_t                  policy_files;
    ngx_flag_t                   enabled;     /* any location enables it */

    ngx_array_t                  sources;     /* key_source_t */
    ngx_array_t                  local_pools; /* ngx_str_t, for the log */
    ngx_array_t                 *login_names; /* ..._named_t, every login */
    ngx_array_t                 *developers;  /* ..._named_t, developer= */
    ngx_flag_t                   capture;     /* our subrequests exist */
    ngx_shm_zone_t              *keys_zone;
    size_t                       keys_zone_size;
    ngx_http_cognito_identity_keys_sh_t  *keys_sh;
    ngx_slab_pool_t             *keys_shpool;
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
    ngx_array_t                 *key_requests;     /* of key_source_t * */
    time_t                       key_cache;
    time_t                       key_refresh;
    ngx_http_cognito_identity_cache_t  *token_cache;  /* NULL: off */
    time_t                       token_cache_ttl;
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
    struct ngx_http_cognito_identity_local_s  *local;  /* a local pool */
    struct ngx_http_cognito_identity_creds_s  *creds;  /* credential vending */
    cig_issuer_t                *cred_keys;  /* ..._credentials_keys */
    /* cognito_identity_s3_sign (..._sigv4.c); NULL: unset */
    struct ngx_http_cognito_identity_s3_sign_s  *s3_sign;

    cig_verifier_t               verifier;         /* built at merge */
} ngx_http_cognito_identity_loc_conf_t;


typedef struct ngx_http_cognito_identity_fetch_s
    ngx_http_cognito_identity_fetch_t;

/* A subrequest's response body, captured by our filters, bounded. */

typedef struct {
    u_char                      *body;
    size_t                       len;
    size_t                       limit;
    ngx_uint_t                   complete;
    ngx_uint_t                   too_big;
    ngx_uint_t                   in_file;
} ngx_http_cognito_identity_capture_t;
typedef struct ngx_http_cognito_identity_local_s
    ngx_http_cognito_identity_local_t;
typedef struct ngx_http_cognito_identity_creds_s
    ngx_http_cognito_identity_creds_t;


/* Per-request state; never kept in configuration. */

typedef struct {
    ngx_uint_t                   done;
    ngx_int_t                    status;      /* NGX_OK or an HTTP status */
    ngx_uint_t                   waiting;     /* for keys */
    ngx_uint_t                   fetched;     /* waited for a fetch once */
    ngx_uint_t                   kid_refreshed;
    time_t                       wait_started;
    ngx_uint_t                   poll_slot;   /* slot + 1 being waited */
    ngx_uint_t                   cache;       /* 0, 1: miss, 2: hit */
    ngx_http_cognito_identity_capture_t  *capture;  /* our subrequest */
    void                        *call;        /* a credential call */
    ngx_uint_t                   verified;
    cig_identity_t               identity;
    cig_identity_t               login;
    cig_role_choice_t            role;
    cig_verdict_t                verdict;
    ngx_uint_t                   decided;     /* a policy was evaluated */
    ngx_uint_t                   dialect;     /* ..._AUTHZ_* of a denial */
    ngx_str_t                    error;
    ngx_uint_t                   target_state;  /* ..._TARGET_* */
    cig_target_t                 target;      /* read once */
    ngx_uint_t                   body_state;  /* ..._BODY_* */
    ngx_uint_t                   body_error;  /* its 400 or 413 */
} ngx_http_cognito_identity_ctx_t;

#define NGX_HTTP_COGNITO_IDENTITY_TARGET_OK   1
#define NGX_HTTP_COGNITO_IDENTITY_TARGET_BAD  2

#define NGX_HTTP_COGNITO_IDENTITY_BODY_READING  1
#define NGX_HTTP_COGNITO_IDENTITY_BODY_READ     2


extern ngx_module_t  ngx_http_cognito_identity_module;


ngx_int_t ngx_http_cognito_identity_access_handler(ngx_http_request_t *r);
ngx_int_t ngx_http_cognito_identity_precontent_handler(ngx_http_request_t *r);
ngx_http_cognito_identity_login_t *ngx_http_cognito_identity_login_for(
    ngx_http_cognito_identity_loc_conf_t *conf, cig_str_t provider);
cig_code_t ngx_http_cognito_identity_login_check(
    ngx_http_cognito_identity_login_t *login,
    ngx_http_cognito_identity_ctx_t *ctx, ngx_str_t *token,
    cig_role_input_t *in, cig_allocator_t *alloc, cig_err_t *err);
ngx_int_t ngx_http_cognito_identity_add_variables(ngx_conf_t *cf);

/* ---- roles and policies directives (..._authz_conf.c) ---- */
char *ngx_http_cognito_identity_roles(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_cognito_identity_role(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_cognito_identity_login(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_cognito_identity_policy(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_cognito_identity_set_authorize(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
char *ngx_http_cognito_identity_allow_prefix(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
ngx_int_t ngx_http_cognito_identity_merge_roles(ngx_conf_t *cf,
    ngx_http_cognito_identity_loc_conf_t *prev,
    ngx_http_cognito_identity_loc_conf_t *conf);
ngx_int_t ngx_http_cognito_identity_merge_authz(ngx_conf_t *cf,
    ngx_http_cognito_identity_loc_conf_t *prev,
    ngx_http_cognito_identity_loc_conf_t *conf);
cig_keyset_t *ngx_http_cognito_identity_load_keys(ngx_conf_t *cf,
    ngx_str_t *name, const char *directive);

char *ngx_http_cognito_identity_key_request(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
char *ngx_http_cognito_identity_key_zone(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
ngx_int_t ngx_http_cognito_identity_keys_postconfiguration(ngx_conf_t *cf);
ngx_int_t ngx_http_cognito_identity_keys_filters(ngx_conf_t *cf);
void ngx_http_cognito_identity_keys_exit(void);
ngx_int_t ngx_http_cognito_identity_keys_ready(ngx_http_request_t *r,
    ngx_http_cognito_identity_loc_conf_t *conf,
    ngx_http_cognito_identity_ctx_t *ctx, cig_keyset_t **keysets,
    size_t *n);
ngx_int_t ngx_http_cognito_identity_keys_unknown_kid(ngx_http_request_t *r,
    ngx_http_cognito_identity_loc_conf_t *conf,
    ngx_http_cognito_identity_ctx_t *ctx);
ngx_str_t *ngx_http_cognito_identity_keys_missing(
    ngx_http_cognito_identity_loc_conf_t *conf);
ngx_uint_t ngx_http_cognito_identity_keys_nsources(
    ngx_http_cognito_identity_loc_conf_t *conf);
ngx_int_t ngx_http_cognito_identity_subrequest_clean(ngx_http_request_t *sr);

char *ngx_http_cognito_identity_token_cache(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
char *ngx_http_cognito_identity_local_pool(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
ngx_int_t ngx_http_cognito_identity_local_name(ngx_conf_t *cf,
    ngx_str_t *name, ngx_uint_t developer);
ngx_int_t ngx_http_cognito_identity_local_check(ngx_conf_t *cf);
char *ngx_http_cognito_identity_credentials(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
char *ngx_http_cognito_identity_credentials_check(ngx_conf_t *cf,
    ngx_http_cognito_identity_loc_conf_t *conf);
char *ngx_http_cognito_identity_credentials_keys(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
ngx_int_t ngx_http_cognito_identity_issue_send(ngx_http_request_t *r,
    ngx_http_cognito_identity_loc_conf_t *conf, const cig_identity_t *id,
    cig_str_t role, ngx_uint_t scoped_down, time_t duration);
ngx_int_t ngx_http_cognito_identity_aws_send(ngx_http_request_t *r,
    ngx_uint_t status, const char *type, const char *content_type,
    u_char *body, size_t len);
ngx_int_t ngx_http_cognito_identity_aws_error(ngx_http_request_t *r,
    ngx_uint_t status, const char *type, const char *message);
ngx_int_t ngx_http_cognito_identity_aws_target(ngx_http_request_t *r,
    ngx_str_t *op);
ngx_int_t ngx_http_cognito_identity_aws_request(ngx_http_request_t *r,
    ngx_str_t *op, u_char **body, size_t *len, cig_json_t **req,
    cig_allocator_t *a, ngx_int_t *answer);
ngx_int_t ngx_http_cognito_identity_read_body(ngx_http_request_t *r,
    u_char **body, size_t *len, size_t limit);
ngx_int_t ngx_http_cognito_identity_cache_get(ngx_http_request_t *r,
    ngx_http_cognito_identity_loc_conf_t *conf, const cig_verifier_t *v,
    ngx_str_t *token, uint64_t *key, cig_identity_t *id, cig_err_t *err);
void ngx_http_cognito_identity_cache_put(ngx_http_request_t *r,
    ngx_http_cognito_identity_loc_conf_t *conf, uint64_t key,
    ngx_str_t *token, cig_identity_t *id);
ngx_int_t ngx_http_cognito_identity_cache_stats(ngx_shm_zone_t *shm_zone,
    ngx_uint_t *entries, ngx_uint_t *evictions);
void *ngx_http_cognito_identity_alloc(void *pool, size_t size);
cig_code_t ngx_http_cognito_identity_target(ngx_http_request_t *r,
    ngx_http_cognito_identity_ctx_t *ctx, const cig_target_t **target,
    cig_err_t *err);
ngx_int_t ngx_http_cognito_identity_uri_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
ngx_table_elt_t *ngx_http_cognito_identity_add_header(ngx_http_request_t *r,
    const char *key, ngx_str_t *value);
ngx_uint_t ngx_http_cognito_identity_header_in(ngx_http_request_t *r,
    const char *name, ngx_table_elt_t **first);
ngx_int_t ngx_http_cognito_identity_send(ngx_http_request_t *r,
    ngx_uint_t status, const char *content_type, u_char *body, size_t len);

/* ---- bodies the decision needs (..._body.c) ---- */
ngx_int_t ngx_http_cognito_identity_body_read(ngx_http_request_t *r,
    ngx_http_cognito_identity_loc_conf_t *conf,
    ngx_http_cognito_identity_ctx_t *ctx);
cig_code_t ngx_http_cognito_identity_body_decide(ngx_http_request_t *r,
    ngx_http_cognito_identity_ctx_t *ctx, cig_policy_t *const *policies,
    size_t n, const cig_mapped_t *mapped, cig_request_t *req,
    cig_allocator_t *a, cig_err_t *err);
ngx_int_t ngx_http_cognito_identity_body_refuse(ngx_http_request_t *r,
    ngx_http_cognito_identity_ctx_t *ctx, const char *reason);

/* ---- SigV4 signing toward S3-compatible stores (..._sigv4.c) ---- */
typedef struct ngx_http_cognito_identity_s3_sign_s
    ngx_http_cognito_identity_s3_sign_t;

char *ngx_http_cognito_identity_s3_sign(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
ngx_int_t ngx_http_cognito_identity_s3_sign_merge(ngx_conf_t *cf,
    ngx_http_cognito_identity_loc_conf_t *prev,
    ngx_http_cognito_identity_loc_conf_t *conf);
ngx_int_t ngx_http_cognito_identity_s3_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
/* ---- end of SigV4 ---- */


#include "ngx_http_cognito_identity_status.h"


#endif /* NGX_HTTP_COGNITO_IDENTITY_MODULE_H */
