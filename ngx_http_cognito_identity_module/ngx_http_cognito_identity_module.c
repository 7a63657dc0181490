/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ngx_http_cognito_identity_module: module tables, configuration and
 * directive handlers.  Everything a request needs (keys, sorted pool ids,
 * the verifier, the challenge headers) is built here once and is read-only
 * afterwards.
 */

#include "ngx_http_cognito_identity_module.h"


static ngx_int_t ngx_http_cognito_identity_preconfiguration(ngx_conf_t *cf);
static ngx_int_t ngx_http_cognito_identity_postconfiguration(ngx_conf_t *cf);
static void *ngx_http_cognito_identity_create_main_conf(ngx_conf_t *cf);
static void *ngx_http_cognito_identity_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_cognito_identity_merge_loc_conf(ngx_conf_t *cf,
    void *parent, void *child);
static ngx_int_t ngx_http_cognito_identity_init_process(ngx_cycle_t *cycle);
static void ngx_http_cognito_identity_exit_process(ngx_cycle_t *cycle);

static char *ngx_http_cognito_identity(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_cognito_identity_pool(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_cognito_identity_key_file(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_cognito_identity_issuer(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);


static ngx_command_t  ngx_http_cognito_identity_commands[] = {

    { ngx_string("cognito_identity"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_HTTP_LMT_CONF
                        |NGX_CONF_TAKE12,
      ngx_http_cognito_identity,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("cognito_identity_pool"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_cognito_identity_pool,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("cognito_identity_key_file"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_cognito_identity_key_file,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("cognito_identity_issuer"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_cognito_identity_issuer,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_cognito_identity_loc_conf_t, issuer),
      NULL },

    { ngx_string("cognito_identity_leeway"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_cognito_identity_loc_conf_t, leeway),
      NULL },

    { ngx_string("cognito_identity_unauthenticated"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_cognito_identity_loc_conf_t, unauthenticated),
      NULL },

    { ngx_string("cognito_identity_cors_preflight"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_cognito_identity_loc_conf_t, cors_preflight),
      NULL },

    { ngx_string("cognito_identity_roles"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_cognito_identity_roles,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("cognito_identity_role"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE2,
      ngx_http_cognito_identity_role,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("cognito_identity_login"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_2MORE,
      ngx_http_cognito_identity_login,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("cognito_identity_policy"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE2,
      ngx_http_cognito_identity_policy,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("cognito_identity_authorize"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE12,
      ngx_http_cognito_identity_set_authorize,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("cognito_identity_allow_prefix"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_cognito_identity_allow_prefix,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("cognito_identity_key_request"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_cognito_identity_key_request,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("cognito_identity_key_cache"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_cognito_identity_loc_conf_t, key_cache),
      NULL },

    { ngx_string("cognito_identity_key_refresh"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_cognito_identity_loc_conf_t, key_refresh),
      NULL },

    { ngx_string("cognito_identity_key_zone"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_cognito_identity_key_zone,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("cognito_identity_token_cache"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE12,
      ngx_http_cognito_identity_token_cache,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("cognito_identity_local_pool"),
      NGX_HTTP_LOC_CONF|NGX_CONF_2MORE,
      ngx_http_cognito_identity_local_pool,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("cognito_identity_s3_sign"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1
                        |NGX_CONF_TAKE3|NGX_CONF_TAKE4|NGX_CONF_TAKE5
                        |NGX_CONF_TAKE6,
      ngx_http_cognito_identity_s3_sign,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("cognito_identity_credentials"),
      NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_cognito_identity_credentials,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("cognito_identity_credentials_keys"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE12,
      ngx_http_cognito_identity_credentials_keys,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_cognito_identity_module_ctx = {
    ngx_http_cognito_identity_preconfiguration,  /* preconfiguration */
    ngx_http_cognito_identity_postconfiguration, /* postconfiguration */

    ngx_http_cognito_identity_create_main_conf,  /* create main configuration */
    NULL,                                        /* init main configuration */

    NULL,                                        /* create server configuration */
    NULL,                                        /* merge server configuration */

    ngx_http_cognito_identity_create_loc_conf,   /* create location configuration */
    ngx_http_cognito_identity_merge_loc_conf     /* merge location configuration */
};


ngx_module_t  ngx_http_cognito_identity_module = {
    NGX_MODULE_V1,
    &ngx_http_cognito_identity_module_ctx,       /* module context */
    ngx_http_cognito_identity_commands,          /* module directives */
    NGX_HTTP_MODULE,                             /* module type */
    NULL,                                        /* init master */
    NULL,                                        /* init module */
    ngx_http_cognito_identity_init_process,      /* init process */
    NULL,                                        /* init thread */
    NULL,                                        /* exit thread */
    ngx_http_cognito_identity_exit_process,      /* exit process */
    NULL,                                        /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_int_t
ngx_http_cognito_identity_preconfiguration(ngx_conf_t *cf)
{
    return ngx_http_cognito_identity_add_variables(cf);
}


static ngx_int_t
ngx_http_cognito_identity_postconfiguration(ngx_conf_t *cf)
{
    ngx_http_handler_pt                    *h;
    ngx_http_core_main_conf_t              *cmcf;
    ngx_http_cognito_identity_main_conf_t  *cimcf;

    cimcf = ngx_http_conf_get_module_main_conf(cf,
                                            ngx_http_cognito_identity_module);

    if (ngx_http_cognito_identity_local_check(cf) != NGX_OK) {
        return NGX_ERROR;
    }

    if (ngx_http_cognito_identity_keys_postconfiguration(cf) != NGX_OK) {
        return NGX_ERROR;
    }

    if ((cimcf->sources.nelts > 0 || cimcf->capture)
        && ngx_http_cognito_identity_keys_filters(cf) != NGX_OK)
    {
        return NGX_ERROR;
    }

    /* no handler, and no cost, unless some location asks for the check */

    if (!cimcf->enabled) {
        return NGX_OK;
    }

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_ACCESS_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_cognito_identity_access_handler;

    /*
     * nginx skips the access phase in subrequests; a protected location
     * reached by one (auth_request, SSI, mirror) is checked here instead.
     */

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_PRECONTENT_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_cognito_identity_precontent_handler;

    return NGX_OK;
}


/* A development pool says so in the error log of every worker. */

static ngx_int_t
ngx_http_cognito_identity_init_process(ngx_cycle_t *cycle)
{
    ngx_str_t                              *pool;
    ngx_uint_t                              i;
    ngx_http_cognito_identity_main_conf_t  *cimcf;

    cimcf = ngx_http_cycle_get_module_main_conf(cycle,
                                            ngx_http_cognito_identity_module);
    if (cimcf == NULL) {
        return NGX_OK;
    }

    pool = cimcf->local_pools.elts;

    for (i = 0; i < cimcf->local_pools.nelts; i++) {
        ngx_log_error(NGX_LOG_WARN, cycle->log, 0,
                      "identity pool \"%V\" is a DEVELOPMENT pool served by "
                      "this gateway: its tokens are signed by a local key and "
                      "are for testing only", &pool[i]);
    }

    return NGX_OK;
}


static void
ngx_http_cognito_identity_exit_process(ngx_cycle_t *cycle)
{
    ngx_http_cognito_identity_keys_exit();
}


static void
ngx_http_cognito_identity_keyset_cleanup(void *data)
{
    cig_keyset_free(data);
}


static void *
ngx_http_cognito_identity_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_cognito_identity_main_conf_t  *cimcf;

    cimcf = ngx_pcalloc(cf->pool,
                        sizeof(ngx_http_cognito_identity_main_conf_t));
    if (cimcf == NULL) {
        return NULL;
    }

    if (ngx_array_init(&cimcf->key_files, cf->pool, 4,
                       sizeof(ngx_http_cognito_identity_key_file_t))
        != NGX_OK)
    {
        return NULL;
    }

    if (ngx_array_init(&cimcf->roles_files, cf->pool, 4,
                       sizeof(ngx_http_cognito_identity_roles_file_t))
        != NGX_OK)
    {
        return NULL;
    }

    if (ngx_array_init(&cimcf->policy_files, cf->pool, 4,
                       sizeof(ngx_http_cognito_identity_policy_file_t))
        != NGX_OK)
    {
        return NULL;
    }

    if (ngx_array_init(&cimcf->sources, cf->pool, 4,
                       sizeof(ngx_http_cognito_identity_key_source_t *))
        != NGX_OK)
    {
        return NULL;
    }

    if (ngx_array_init(&cimcf->local_pools, cf->pool, 1, sizeof(ngx_str_t))
        != NGX_OK)
    {
        return NULL;
    }

    return cimcf;
}


static void *
ngx_http_cognito_identity_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_cognito_identity_loc_conf_t  *conf;

    conf = ngx_pcalloc(cf->pool, sizeof(ngx_http_cognito_identity_loc_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     conf->challenge = { 0, NULL };
     *     conf->token = NULL;
     *     conf->audiences = NULL;
     *     conf->keysets = NULL;
     *     conf->issuer = { 0, NULL };
     */

    conf->enable = NGX_CONF_UNSET;
    conf->naudiences = NGX_CONF_UNSET_UINT;
    conf->leeway = NGX_CONF_UNSET;
    conf->unauthenticated = NGX_CONF_UNSET;
    conf->cors_preflight = NGX_CONF_UNSET;
    conf->authorize = NGX_CONF_UNSET_UINT;
    conf->key_cache = NGX_CONF_UNSET;
    conf->key_refresh = NGX_CONF_UNSET;
    conf->token_cache = NGX_CONF_UNSET_PTR;
    conf->token_cache_ttl = NGX_CONF_UNSET;
    conf->cred_keys = NGX_CONF_UNSET_PTR;

    return conf;
}


static ngx_str_t *
ngx_http_cognito_identity_key_path(ngx_conf_t *cf, cig_keyset_t *ks)
{
    ngx_uint_t                              i;
    ngx_http_cognito_identity_key_file_t   *kf;
    ngx_http_cognito_identity_main_conf_t  *cimcf;
    static ngx_str_t                        unknown = ngx_string("?");

    cimcf = ngx_http_conf_get_module_main_conf(cf,
                                            ngx_http_cognito_identity_module);
    kf = cimcf->key_files.elts;

    for (i = 0; i < cimcf->key_files.nelts; i++) {
        if (kf[i].keyset == ks) {
            return &kf[i].path;
        }
    }

    return &unknown;
}


static char *
ngx_http_cognito_identity_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child)
{
    ngx_http_cognito_identity_loc_conf_t  *prev = parent;
    ngx_http_cognito_identity_loc_conf_t  *conf = child;

    ngx_uint_t                          i;
    cig_keyset_t                      **ksp;
    ngx_http_cognito_identity_login_t  *login;

    if (conf->enable == NGX_CONF_UNSET) {
        conf->enable = prev->enable;
        conf->challenge = prev->challenge;
        conf->challenge_invalid = prev->challenge_invalid;
        conf->token = prev->token;
        conf->enable_file = prev->enable_file;
        conf->enable_line = prev->enable_line;
    }

    ngx_conf_merge_value(conf->enable, prev->enable, 0);

    if (conf->naudiences == NGX_CONF_UNSET_UINT) {
        conf->audiences = prev->audiences;
        conf->naudiences = prev->naudiences;
    }

    ngx_conf_merge_uint_value(conf->naudiences, prev->naudiences, 0);
    if (conf->keysets == NULL && conf->key_requests == NULL) {
        conf->keysets = prev->keysets;
        conf->key_requests = prev->key_requests;
    }

    ngx_conf_merge_sec_value(conf->key_cache, prev->key_cache, 3600);
    ngx_conf_merge_sec_value(conf->key_refresh, prev->key_refresh, 10);

    if (conf->token_cache == NGX_CONF_UNSET_PTR) {
        conf->token_cache = prev->token_cache;
        conf->token_cache_ttl = prev->token_cache_ttl;
    }

    ngx_conf_merge_ptr_value(conf->token_cache, prev->token_cache, NULL);

    ngx_conf_merge_str_value(conf->issuer, prev->issuer,
                             CIG_AWS_ISSUER);
    ngx_conf_merge_sec_value(conf->leeway, prev->leeway,
                             NGX_HTTP_COGNITO_IDENTITY_LEEWAY);
    ngx_conf_merge_value(conf->unauthenticated, prev->unauthenticated, 0);
    ngx_conf_merge_value(conf->cors_preflight, prev->cors_preflight, 0);

    if (conf->enable) {
        if (conf->naudiences == 0) {
            ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                          "\"cognito_identity\" in %V:%ui has no "
                          "\"cognito_identity_pool\" to accept",
                          &conf->enable_file, conf->enable_line);
            return NGX_CONF_ERROR;
        }

        if ((conf->keysets == NULL || conf->keysets->nelts == 0)
            && conf->key_requests == NULL)
        {
            ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                          "\"cognito_identity\" in %V:%ui has no keys: "
                          "use \"cognito_identity_key_file\" or "
                          "\"cognito_identity_key_request\"",
                          &conf->enable_file, conf->enable_line);
            return NGX_CONF_ERROR;
        }
    }

    if (conf->keysets != NULL && conf->issuer.len == sizeof(CIG_AWS_ISSUER) - 1
        && ngx_strncmp(conf->issuer.data, CIG_AWS_ISSUER,
                       sizeof(CIG_AWS_ISSUER) - 1) == 0)
    {
        ksp = conf->keysets->elts;

        for (i = 0; i < conf->keysets->nelts; i++) {
            if (cig_keyset_is_development(ksp[i])) {
                ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                              "key file \"%V\" holds the public development "
                              "key of examples/dev, which must never verify "
                              "tokens of issuer \"" CIG_AWS_ISSUER "\"; "
                              "set \"cognito_identity_issuer\" to the "
                              "development issuer",
                              ngx_http_cognito_identity_key_path(cf, ksp[i]));
                return NGX_CONF_ERROR;
            }
        }
    }

    if (ngx_http_cognito_identity_merge_roles(cf, prev, conf) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    if (conf->logins == NULL && prev->logins != NULL) {

        /* a copy: each location verifies login tokens with its own leeway */

        conf->logins = ngx_array_create(cf->pool, prev->logins->nelts,
                                   sizeof(ngx_http_cognito_identity_login_t));
        if (conf->logins == NULL) {
            return NGX_CONF_ERROR;
        }

        login = ngx_array_push_n(conf->logins, prev->logins->nelts);
        if (login == NULL) {
            return NGX_CONF_ERROR;
        }

        ngx_memcpy(login, prev->logins->elts,
                   prev->logins->nelts
                   * sizeof(ngx_http_cognito_identity_login_t));
    }

    if (ngx_http_cognito_identity_merge_authz(cf, prev, conf) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    if (conf->logins != NULL) {
        login = conf->logins->elts;

        for (i = 0; i < conf->logins->nelts; i++) {
            login[i].verifier.issuer.data = (const char *) login[i].issuer.data;
            login[i].verifier.issuer.len = login[i].issuer.len;
            login[i].verifier.audiences = login[i].clients;
            login[i].verifier.naudiences = login[i].nclients;
            login[i].verifier.keysets = &login[i].keyset;
            login[i].verifier.nkeysets = 1;
            login[i].verifier.algs = login[i].algs;
            login[i].verifier.leeway = conf->leeway;
            login[i].verifier.cognito = 0;
        }
    }

    conf->verifier.issuer.data = (const char *) conf->issuer.data;
    conf->verifier.issuer.len = conf->issuer.len;
    conf->verifier.audiences = conf->audiences;
    conf->verifier.naudiences = conf->naudiences;
    conf->verifier.keysets = conf->keysets ? conf->keysets->elts : NULL;
    conf->verifier.nkeysets = conf->keysets ? conf->keysets->nelts : 0;
    conf->verifier.algs = CIG_ALG_RS512;
    conf->verifier.leeway = conf->leeway;
    conf->verifier.cognito = 1;

    if (ngx_http_cognito_identity_s3_sign_merge(cf, prev, conf) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    ngx_conf_merge_ptr_value(conf->cred_keys, prev->cred_keys, NULL);

    return ngx_http_cognito_identity_credentials_check(cf, conf);
}


/* cognito_identity <realm> [token=$variable] | off; */

static char *
ngx_http_cognito_identity(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_cognito_identity_loc_conf_t  *cilcf = conf;

    u_char                                 *p;
    ngx_str_t                              *value, realm, token;
    ngx_uint_t                              i;
    ngx_http_compile_complex_value_t        ccv;
    ngx_http_cognito_identity_main_conf_t  *cimcf;

    if (cilcf->enable != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        if (cf->args->nelts != 2) {
            return "takes no other parameters with \"off\"";
        }

        cilcf->enable = 0;
        return NGX_CONF_OK;
    }

    realm = value[1];

    if (realm.len == 0) {
        return "needs a non-empty realm";
    }

    /* the realm goes into a quoted-string of WWW-Authenticate verbatim */

    for (i = 0; i < realm.len; i++) {
        if (realm.data[i] < 0x20 || realm.data[i] >= 0x7f
            || realm.data[i] == '"' || realm.data[i] == '\\')
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "realm \"%V\" may contain only printable "
                               "ASCII without '\"' and '\\'", &realm);
            return NGX_CONF_ERROR;
        }
    }

    if (cf->args->nelts == 3) {
        if (ngx_strncmp(value[2].data, "token=", 6) != 0
            || value[2].len == 6)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid parameter \"%V\", expected "
                               "\"token=$variable\"", &value[2]);
            return NGX_CONF_ERROR;
        }

        token.data = value[2].data + 6;
        token.len = value[2].len - 6;

        cilcf->token = ngx_palloc(cf->pool, sizeof(ngx_http_complex_value_t));
        if (cilcf->token == NULL) {
            return NGX_CONF_ERROR;
        }

        ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

        ccv.cf = cf;
        ccv.value = &token;
        ccv.complex_value = cilcf->token;

        if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
            return NGX_CONF_ERROR;
        }
    }

    cilcf->challenge.len = sizeof("Bearer realm=\"\"") - 1 + realm.len;
    cilcf->challenge.data = ngx_pnalloc(cf->pool, cilcf->challenge.len);
    if (cilcf->challenge.data == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_sprintf(cilcf->challenge.data, "Bearer realm=\"%V\"", &realm);

    cilcf->challenge_invalid.len = cilcf->challenge.len
                                   + sizeof(", error=\"invalid_token\"") - 1;
    p = ngx_pnalloc(cf->pool, cilcf->challenge_invalid.len);
    if (p == NULL) {
        return NGX_CONF_ERROR;
    }

    cilcf->challenge_invalid.data = p;
    p = ngx_cpymem(p, cilcf->challenge.data, cilcf->challenge.len);
    ngx_memcpy(p, ", error=\"invalid_token\"",
               sizeof(", error=\"invalid_token\"") - 1);

    cilcf->enable = 1;
    cilcf->enable_file = cf->conf_file->file.name;
    cilcf->enable_line = cf->conf_file->line;

    cimcf = ngx_http_conf_get_module_main_conf(cf,
                                            ngx_http_cognito_identity_module);
    cimcf->enabled = 1;

    return NGX_CONF_OK;
}


/* cognito_identity_pool <pool-id> ...; */

static char *
ngx_http_cognito_identity_pool(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_cognito_identity_loc_conf_t  *cilcf = conf;

    ngx_str_t   *value;
    ngx_uint_t   i, n;
    cig_str_t   *aud;

    if (cilcf->naudiences != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;
    n = cf->args->nelts - 1;

    aud = ngx_palloc(cf->pool, n * sizeof(cig_str_t));
    if (aud == NULL) {
        return NGX_CONF_ERROR;
    }

    for (i = 0; i < n; i++) {
        if (!cig_pool_id_valid((char *) value[i + 1].data, value[i + 1].len)) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid identity pool id \"%V\", expected "
                               "REGION:UUID such as "
                               "\"eu-west-1:0f2c5e3a-1b4d-4c6e-8f90-"
                               "1a2b3c4d5e6f\"", &value[i + 1]);
            return NGX_CONF_ERROR;
        }

        aud[i].data = (const char *) value[i + 1].data;
        aud[i].len = value[i + 1].len;
    }

    /* sorted once, so a request's look-up does not grow with the pools */

    cig_strs_sort(aud, n);

    for (i = 1; i < n; i++) {
        if (aud[i].len == aud[i - 1].len
            && ngx_memcmp(aud[i].data, aud[i - 1].data, aud[i].len) == 0)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "identity pool \"%*s\" is listed twice",
                               aud[i].len, aud[i].data);
            return NGX_CONF_ERROR;
        }
    }

    cilcf->audiences = aud;
    cilcf->naudiences = n;

    return NGX_CONF_OK;
}


/* A JWKS file, loaded once however many places name it. */

cig_keyset_t *
ngx_http_cognito_identity_load_keys(ngx_conf_t *cf, ngx_str_t *name,
    const char *directive)
{
    ngx_str_t                               path;
    ngx_uint_t                              i;
    cig_err_t                               err;
    cig_keyset_t                           *ks;
    unsigned                                skipped;
    ngx_pool_cleanup_t                     *cln;
    ngx_http_cognito_identity_key_file_t   *kf;
    ngx_http_cognito_identity_main_conf_t  *cimcf;

    path = *name;

    if (ngx_conf_full_name(cf->cycle, &path, 1) != NGX_OK) {
        return NULL;
    }

    cimcf = ngx_http_conf_get_module_main_conf(cf,
                                            ngx_http_cognito_identity_module);
    kf = cimcf->key_files.elts;

    for (i = 0; i < cimcf->key_files.nelts; i++) {
        if (kf[i].path.len == path.len
            && ngx_strncmp(kf[i].path.data, path.data, path.len) == 0)
        {
            return kf[i].keyset;
        }
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NULL;
    }

    ks = cig_keyset_from_file((char *) path.data, &skipped, &err);
    if (ks == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "%s \"%V\": %s",
                           directive, &path, err.msg);
        return NULL;
    }

    cln->handler = ngx_http_cognito_identity_keyset_cleanup;
    cln->data = ks;

    if (skipped) {
        ngx_conf_log_error(NGX_LOG_WARN, cf, 0,
                           "%s \"%V\": %ui keys that are not RSA signing "
                           "keys are ignored", directive, &path,
                           (ngx_uint_t) skipped);
    }

    kf = ngx_array_push(&cimcf->key_files);
    if (kf == NULL) {
        return NULL;
    }

    kf->path = path;
    kf->keyset = ks;

    return ks;
}


/* cognito_identity_key_file <file>; several allowed */

static char *
ngx_http_cognito_identity_key_file(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_cognito_identity_loc_conf_t  *cilcf = conf;

    ngx_str_t      *value;
    ngx_uint_t      i;
    cig_keyset_t  **ksp, *ks;

    value = cf->args->elts;

    ks = ngx_http_cognito_identity_load_keys(cf, &value[1],
                                             "cognito_identity_key_file");
    if (ks == NULL) {
        return NGX_CONF_ERROR;
    }

    if (cilcf->keysets == NULL) {
        cilcf->keysets = ngx_array_create(cf->pool, 2, sizeof(cig_keyset_t *));
        if (cilcf->keysets == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    ksp = cilcf->keysets->elts;

    for (i = 0; i < cilcf->keysets->nelts; i++) {
        if (ksp[i] == ks) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "key file \"%V\" is named twice", &value[1]);
            return NGX_CONF_ERROR;
        }
    }

    ksp = ngx_array_push(cilcf->keysets);
    if (ksp == NULL) {
        return NGX_CONF_ERROR;
    }

    *ksp = ks;

    return NGX_CONF_OK;
}


/* cognito_identity_issuer <url>; */

static char *
ngx_http_cognito_identity_issuer(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_str_t  *value;
    char       *rv;

    rv = ngx_conf_set_str_slot(cf, cmd, conf);
    if (rv != NGX_CONF_OK) {
        return rv;
    }

    value = cf->args->elts;

    if (value[1].len == 0 || value[1].len > 512) {
        return "needs an issuer of 1 to 512 characters";
    }

    return NGX_CONF_OK;
}
