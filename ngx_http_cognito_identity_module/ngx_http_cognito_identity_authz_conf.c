/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Directives of authorization: roles (cognito_identity_roles, _role,
 * _login), policies (cognito_identity_policy, _authorize, _allow_prefix),
 * and how they are inherited and checked against each other.  Like all
 * configuration, built once and read-only afterwards.
 */

#include "ngx_http_cognito_identity_module.h"


static void
ngx_http_cognito_identity_roles_cleanup(void *data)
{
    cig_roles_free(data);
}


static void
ngx_http_cognito_identity_roleset_cleanup(void *data)
{
    cig_roleset_free(data);
}


static void
ngx_http_cognito_identity_policy_cleanup(void *data)
{
    cig_policy_free(data);
}


static void
ngx_http_cognito_identity_policyset_cleanup(void *data)
{
    cig_policyset_free(data);
}


/*
 * Role configuration is inherited as a whole: a level with any
 * cognito_identity_roles or cognito_identity_role uses only its own.
 */

ngx_int_t
ngx_http_cognito_identity_merge_roles(ngx_conf_t *cf,
    ngx_http_cognito_identity_loc_conf_t *prev,
    ngx_http_cognito_identity_loc_conf_t *conf)
{
    cig_err_t            err;
    cig_roles_t         *defaults, **roles;
    ngx_uint_t           nroles;
    ngx_pool_cleanup_t  *cln;

    if (!conf->roles_set) {
        conf->roles_set = prev->roles_set;
        conf->roles_files = prev->roles_files;
        conf->role_authenticated = prev->role_authenticated;
        conf->role_unauthenticated = prev->role_unauthenticated;
        conf->roleset = prev->roleset;
    }

    if (!conf->roles_set || conf->roleset != NULL) {
        return NGX_OK;
    }

    defaults = NULL;

    if (conf->role_authenticated.len || conf->role_unauthenticated.len) {
        cln = ngx_pool_cleanup_add(cf->pool, 0);
        if (cln == NULL) {
            return NGX_ERROR;
        }

        defaults = cig_roles_defaults(
                  conf->role_authenticated.len
                  ? (char *) conf->role_authenticated.data : NULL,
                  conf->role_unauthenticated.len
                  ? (char *) conf->role_unauthenticated.data : NULL, &err);
        if (defaults == NULL) {
            ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                          "cognito_identity_role: %s", err.msg);
            return NGX_ERROR;
        }

        cln->handler = ngx_http_cognito_identity_roles_cleanup;
        cln->data = defaults;
    }

    roles = conf->roles_files ? conf->roles_files->elts : NULL;
    nroles = conf->roles_files ? conf->roles_files->nelts : 0;

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NGX_ERROR;
    }

    conf->roleset = cig_roleset_create(roles, nroles, defaults, &err);
    if (conf->roleset == NULL) {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "cognito_identity_roles: %s", err.msg);
        return NGX_ERROR;
    }

    cln->handler = ngx_http_cognito_identity_roleset_cleanup;
    cln->data = conf->roleset;

    return NGX_OK;
}


typedef struct {
    ngx_conf_t                            *cf;
    ngx_http_cognito_identity_loc_conf_t  *conf;
} ngx_http_cognito_identity_role_check_t;


static void
ngx_http_cognito_identity_role_without_policy(void *data, cig_str_t role)
{
    ngx_http_cognito_identity_role_check_t  *rc = data;
    size_t                                   n;

    (void) cig_policyset_find(rc->conf->policyset, role, &n);

    if (n == 0) {
        ngx_conf_log_error(NGX_LOG_WARN, rc->cf, 0,
                           "role \"%*s\" has no cognito_identity_policy: "
                           "cognito_identity_authorize denies all its "
                           "requests", role.len, role.data);
    }
}


/* Policies are inherited as a whole, like roles. */

ngx_int_t
ngx_http_cognito_identity_merge_authz(ngx_conf_t *cf,
    ngx_http_cognito_identity_loc_conf_t *prev,
    ngx_http_cognito_identity_loc_conf_t *conf)
{
    cig_err_t                                err;
    ngx_pool_cleanup_t                      *cln;
    ngx_http_cognito_identity_role_check_t   check;

    if (conf->authorize == NGX_CONF_UNSET_UINT) {
        conf->authorize = prev->authorize;
        conf->authorize_arg = prev->authorize_arg;
    }

    ngx_conf_merge_uint_value(conf->authorize, prev->authorize,
                              NGX_HTTP_COGNITO_IDENTITY_AUTHZ_OFF);

    if (conf->allow_prefix == NULL) {
        conf->allow_prefix = prev->allow_prefix;
    }

    if (conf->policies == NULL) {
        conf->policies = prev->policies;
        conf->policyset = prev->policyset;
    }

    if (conf->policies != NULL && conf->policyset == NULL) {
        cln = ngx_pool_cleanup_add(cf->pool, 0);
        if (cln == NULL) {
            return NGX_ERROR;
        }

        conf->policyset = cig_policyset_create(conf->policies->elts,
                                               conf->policies->nelts, &err);
        if (conf->policyset == NULL) {
            ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                          "cognito_identity_policy: %s", err.msg);
            return NGX_ERROR;
        }

        cln->handler = ngx_http_cognito_identity_policyset_cleanup;
        cln->data = conf->policyset;
    }

    if (conf->authorize == NGX_HTTP_COGNITO_IDENTITY_AUTHZ_OFF
        || !conf->enable)
    {
        return NGX_OK;
    }

    if (conf->roleset == NULL) {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "\"cognito_identity_authorize\" where \"cognito_identity\""
                      " is enabled in %V:%ui needs roles: "
                      "\"cognito_identity_roles\" or \"cognito_identity_role\"",
                      &conf->enable_file, conf->enable_line);
        return NGX_ERROR;
    }

    if (conf->policyset == NULL) {
        ngx_log_error(NGX_LOG_WARN, cf->log, 0,
                      "\"cognito_identity_authorize\" where \"cognito_identity\""
                      " is enabled in %V:%ui has no \"cognito_identity_policy\":"
                      " every request is denied",
                      &conf->enable_file, conf->enable_line);
        return NGX_OK;
    }

    check.cf = cf;
    check.conf = conf;
    cig_roleset_each(conf->roleset,
                     ngx_http_cognito_identity_role_without_policy, &check);

    return NGX_OK;
}


/* cognito_identity_roles <file>; as get-identity-pool-roles prints it */

char *
ngx_http_cognito_identity_roles(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_cognito_identity_loc_conf_t  *cilcf = conf;

    ngx_str_t                                *value, path;
    ngx_uint_t                                i;
    cig_err_t                                 err;
    cig_roles_t                              *roles, **rp;
    ngx_pool_cleanup_t                       *cln;
    ngx_http_cognito_identity_roles_file_t   *rf;
    ngx_http_cognito_identity_main_conf_t    *cimcf;

    value = cf->args->elts;
    path = value[1];

    if (ngx_conf_full_name(cf->cycle, &path, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    cimcf = ngx_http_conf_get_module_main_conf(cf,
                                            ngx_http_cognito_identity_module);

    roles = NULL;
    rf = cimcf->roles_files.elts;

    for (i = 0; i < cimcf->roles_files.nelts; i++) {
        if (rf[i].path.len == path.len
            && ngx_strncmp(rf[i].path.data, path.data, path.len) == 0)
        {
            roles = rf[i].roles;
            break;
        }
    }

    if (roles == NULL) {
        cln = ngx_pool_cleanup_add(cf->pool, 0);
        if (cln == NULL) {
            return NGX_CONF_ERROR;
        }

        roles = cig_roles_from_file((char *) path.data, &err);
        if (roles == NULL) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "cognito_identity_roles \"%V\": %s",
                               &path, err.msg);
            return NGX_CONF_ERROR;
        }

        cln->handler = ngx_http_cognito_identity_roles_cleanup;
        cln->data = roles;

        rf = ngx_array_push(&cimcf->roles_files);
        if (rf == NULL) {
            return NGX_CONF_ERROR;
        }

        rf->path = path;
        rf->roles = roles;
    }

    if (cilcf->roles_files == NULL) {
        cilcf->roles_files = ngx_array_create(cf->pool, 2,
                                              sizeof(cig_roles_t *));
        if (cilcf->roles_files == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    rp = cilcf->roles_files->elts;

    for (i = 0; i < cilcf->roles_files->nelts; i++) {
        if (rp[i] == roles) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "roles file \"%V\" is named twice", &path);
            return NGX_CONF_ERROR;
        }
    }

    rp = ngx_array_push(cilcf->roles_files);
    if (rp == NULL) {
        return NGX_CONF_ERROR;
    }

    *rp = roles;
    cilcf->roles_set = 1;

    return NGX_CONF_OK;
}


/* cognito_identity_role authenticated | unauthenticated <role-arn>; */

char *
ngx_http_cognito_identity_role(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_cognito_identity_loc_conf_t  *cilcf = conf;

    ngx_str_t  *value, *slot;

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "authenticated") == 0) {
        slot = &cilcf->role_authenticated;

    } else if (ngx_strcmp(value[1].data, "unauthenticated") == 0) {
        slot = &cilcf->role_unauthenticated;

    } else {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid role kind \"%V\", expected "
                           "\"authenticated\" or \"unauthenticated\"",
                           &value[1]);
        return NGX_CONF_ERROR;
    }

    if (slot->len) {
        return "is duplicate";
    }

    if (!cig_role_arn_valid((char *) value[2].data, value[2].len)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" is not an IAM role ARN "
                           "(arn:aws:iam::ACCOUNT:role/NAME)", &value[2]);
        return NGX_CONF_ERROR;
    }

    *slot = value[2];
    cilcf->roles_set = 1;

    return NGX_CONF_OK;
}


/*
 * cognito_identity_login <provider> <jwks-file> issuer=<url>
 *     client=<id>[,<id>...] [alg=RS256|RS384|RS512] [token=$variable]
 *     [bind=subject|provider];
 */

char *
ngx_http_cognito_identity_login(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_cognito_identity_loc_conf_t  *cilcf = conf;

    u_char                              *p, *last, *comma;
    ngx_str_t                           *value, v, def;
    ngx_uint_t                           i, n;
    cig_alg_t                            alg;
    ngx_http_compile_complex_value_t     ccv;
    ngx_http_cognito_identity_login_t   *login;

    value = cf->args->elts;

    if (cilcf->logins == NULL) {
        cilcf->logins = ngx_array_create(cf->pool, 2,
                                   sizeof(ngx_http_cognito_identity_login_t));
        if (cilcf->logins == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    login = cilcf->logins->elts;

    for (i = 0; i < cilcf->logins->nelts; i++) {
        if (login[i].provider.len == value[1].len
            && ngx_strncmp(login[i].provider.data, value[1].data,
                           value[1].len) == 0)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "login provider \"%V\" is configured twice",
                               &value[1]);
            return NGX_CONF_ERROR;
        }
    }

    /* a local pool's developer provider must never take this name */

    if (ngx_http_cognito_identity_local_name(cf, &value[1], 0) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    login = ngx_array_push(cilcf->logins);
    if (login == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memzero(login, sizeof(ngx_http_cognito_identity_login_t));

    login->provider = value[1];
    login->bind = CIG_BIND_SUBJECT;
    login->algs = CIG_ALG_RS256;

    login->keyset = ngx_http_cognito_identity_load_keys(cf, &value[2],
                                                "cognito_identity_login");
    if (login->keyset == NULL) {
        return NGX_CONF_ERROR;
    }

    for (i = 3; i < cf->args->nelts; i++) {
        v = value[i];

        if (ngx_strncmp(v.data, "issuer=", 7) == 0 && v.len > 7) {
            if (login->issuer.len) {
                goto invalid;
            }

            login->issuer.data = v.data + 7;
            login->issuer.len = v.len - 7;
            continue;
        }

        if (ngx_strncmp(v.data, "client=", 7) == 0 && v.len > 7) {
            if (login->clients != NULL) {
                goto invalid;
            }

            p = v.data + 7;
            last = v.data + v.len;

            for (n = 1, comma = p; comma < last; comma++) {
                n += (*comma == ',');
            }

            login->clients = ngx_palloc(cf->pool, n * sizeof(cig_str_t));
            if (login->clients == NULL) {
                return NGX_CONF_ERROR;
            }

            while (p < last) {
                comma = ngx_strlchr(p, last, ',');
                if (comma == NULL) {
                    comma = last;
                }

                if (comma == p) {
                    goto invalid;
                }

                login->clients[login->nclients].data = (char *) p;
                login->clients[login->nclients].len = comma - p;
                login->nclients++;
                p = comma + 1;
            }

            cig_strs_sort(login->clients, login->nclients);
            continue;
        }

        if (ngx_strncmp(v.data, "alg=", 4) == 0) {
            alg = cig_alg_from_name((char *) v.data + 4, v.len - 4);
            if (alg == CIG_ALG_NONE) {
                goto invalid;
            }

            login->algs = alg;
            continue;
        }

        if (ngx_strcmp(v.data, "bind=subject") == 0) {
            login->bind = CIG_BIND_SUBJECT;
            continue;
        }

        if (ngx_strcmp(v.data, "bind=provider") == 0) {
            login->bind = CIG_BIND_PROVIDER;
            continue;
        }

        if (ngx_strncmp(v.data, "token=", 6) == 0 && v.len > 6) {
            v.data += 6;
            v.len -= 6;
            goto token;
        }

        goto invalid;

    token:

        login->token = ngx_palloc(cf->pool, sizeof(ngx_http_complex_value_t));
        if (login->token == NULL) {
            return NGX_CONF_ERROR;
        }

        ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));
        ccv.cf = cf;
        ccv.value = &v;
        ccv.complex_value = login->token;

        if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
            return NGX_CONF_ERROR;
        }
    }

    if (login->issuer.len == 0 || login->nclients == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "login provider \"%V\" needs issuer= and client=",
                           &value[1]);
        return NGX_CONF_ERROR;
    }

    if (login->token == NULL) {
        ngx_str_set(&def, "$http_x_cognito_login_token");

        login->token = ngx_palloc(cf->pool, sizeof(ngx_http_complex_value_t));
        if (login->token == NULL) {
            return NGX_CONF_ERROR;
        }

        ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));
        ccv.cf = cf;
        ccv.value = &def;
        ccv.complex_value = login->token;

        if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
            return NGX_CONF_ERROR;
        }
    }

    return NGX_CONF_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid parameter \"%V\"",
                       &value[i]);
    return NGX_CONF_ERROR;
}


static void
ngx_http_cognito_identity_policy_warn(void *data, const char *msg)
{
    ngx_conf_t  *cf = data;
    ngx_str_t   *value;

    value = cf->args->elts;

    ngx_conf_log_error(NGX_LOG_WARN, cf, 0, "cognito_identity_policy \"%V\": "
                       "%s", &value[2], msg);
}


/* cognito_identity_policy <role-arn> <policy.json>; several per role */

char *
ngx_http_cognito_identity_policy(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_cognito_identity_loc_conf_t  *cilcf = conf;

    ngx_str_t                                 *value, path;
    ngx_uint_t                                 i;
    cig_err_t                                  err;
    cig_policy_t                              *policy;
    cig_role_policy_t                         *rp;
    ngx_pool_cleanup_t                        *cln;
    ngx_http_cognito_identity_policy_file_t   *pf;
    ngx_http_cognito_identity_main_conf_t     *cimcf;

    value = cf->args->elts;

    if (!cig_role_arn_valid((char *) value[1].data, value[1].len)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" is not an IAM role ARN "
                           "(arn:aws:iam::ACCOUNT:role/NAME)", &value[1]);
        return NGX_CONF_ERROR;
    }

    path = value[2];

    if (ngx_conf_full_name(cf->cycle, &path, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    cimcf = ngx_http_conf_get_module_main_conf(cf,
                                            ngx_http_cognito_identity_module);

    policy = NULL;
    pf = cimcf->policy_files.elts;

    for (i = 0; i < cimcf->policy_files.nelts; i++) {
        if (pf[i].path.len == path.len
            && ngx_strncmp(pf[i].path.data, path.data, path.len) == 0)
        {
            policy = pf[i].policy;
            break;
        }
    }

    if (policy == NULL) {
        cln = ngx_pool_cleanup_add(cf->pool, 0);
        if (cln == NULL) {
            return NGX_CONF_ERROR;
        }

        policy = cig_policy_from_file((char *) path.data,
                                      ngx_http_cognito_identity_policy_warn,
                                      cf, &err);
        if (policy == NULL) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "cognito_identity_policy \"%V\": %s",
                               &path, err.msg);
            return NGX_CONF_ERROR;
        }

        cln->handler = ngx_http_cognito_identity_policy_cleanup;
        cln->data = policy;

        pf = ngx_array_push(&cimcf->policy_files);
        if (pf == NULL) {
            return NGX_CONF_ERROR;
        }

        pf->path = path;
        pf->policy = policy;
    }

    if (cilcf->policies == NULL) {
        cilcf->policies = ngx_array_create(cf->pool, 4,
                                           sizeof(cig_role_policy_t));
        if (cilcf->policies == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    rp = cilcf->policies->elts;

    for (i = 0; i < cilcf->policies->nelts; i++) {
        if (rp[i].policy == policy && rp[i].role.len == value[1].len
            && ngx_strncmp(rp[i].role.data, value[1].data, value[1].len) == 0)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "policy \"%V\" is attached to \"%V\" twice",
                               &path, &value[1]);
            return NGX_CONF_ERROR;
        }
    }

    rp = ngx_array_push(cilcf->policies);
    if (rp == NULL) {
        return NGX_CONF_ERROR;
    }

    rp->role.data = (char *) value[1].data;
    rp->role.len = value[1].len;
    rp->policy = policy;

    return NGX_CONF_OK;
}


/* cognito_identity_authorize s3 [bucket=<name>] | execute-api <arn> | off; */

char *
ngx_http_cognito_identity_set_authorize(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf)
{
    ngx_http_cognito_identity_loc_conf_t  *cilcf = conf;

    u_char       c;
    cig_err_t    err;
    cig_str_t    arn;
    ngx_str_t   *value;
    ngx_uint_t   i;

    if (cilcf->authorize != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0 && cf->args->nelts == 2) {
        cilcf->authorize = NGX_HTTP_COGNITO_IDENTITY_AUTHZ_OFF;
        return NGX_CONF_OK;
    }

    if (ngx_strcmp(value[1].data, "s3") == 0) {
        cilcf->authorize = NGX_HTTP_COGNITO_IDENTITY_AUTHZ_S3;

        if (cf->args->nelts == 3) {
            if (ngx_strncmp(value[2].data, "bucket=", 7) != 0
                || value[2].len < 7 + 3 || value[2].len > 7 + 63)
            {
                goto invalid;
            }

            for (i = 7; i < value[2].len; i++) {
                c = value[2].data[i];

                if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                      || c == '.' || c == '-'))
                {
                    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                       "invalid bucket name in \"%V\": "
                                       "lower-case letters, digits, '.' "
                                       "and '-' only", &value[2]);
                    return NGX_CONF_ERROR;
                }
            }

            cilcf->authorize_arg.data = (char *) value[2].data + 7;
            cilcf->authorize_arg.len = value[2].len - 7;
        }

        return NGX_CONF_OK;
    }

    if (ngx_strcmp(value[1].data, "execute-api") == 0 && cf->args->nelts == 3)
    {
        arn.data = (char *) value[2].data;
        arn.len = value[2].len;

        if (cig_execute_api_prefix_check(arn, &err) != CIG_OK) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"%V\" is not an API Gateway ARN prefix such "
                               "as arn:aws:execute-api:REGION:ACCOUNT:API/STAGE"
                               ": %s", &value[2], err.msg);
            return NGX_CONF_ERROR;
        }

        cilcf->authorize = NGX_HTTP_COGNITO_IDENTITY_AUTHZ_EXECUTE_API;
        cilcf->authorize_arg.data = (char *) value[2].data;
        cilcf->authorize_arg.len = value[2].len;

        return NGX_CONF_OK;
    }

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid value, expected \"s3 [bucket=NAME]\", "
                       "\"execute-api ARN_PREFIX\" or \"off\"");
    return NGX_CONF_ERROR;
}


/* cognito_identity_allow_prefix <pattern> ...; */

char *
ngx_http_cognito_identity_allow_prefix(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_cognito_identity_loc_conf_t  *cilcf = conf;

    ngx_str_t         *value;
    ngx_uint_t         i;
    cig_err_t          err;
    cig_str_t          unknown;
    cig_template_t   **tp;
    cig_allocator_t    a;

    if (cilcf->allow_prefix != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;

    cilcf->allow_prefix = ngx_array_create(cf->pool, cf->args->nelts - 1,
                                           sizeof(cig_template_t *));
    if (cilcf->allow_prefix == NULL) {
        return NGX_CONF_ERROR;
    }

    a.alloc = ngx_http_cognito_identity_alloc;
    a.ctx = cf->pool;

    for (i = 1; i < cf->args->nelts; i++) {
        if (value[i].len == 0 || value[i].data[0] != '/') {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "prefix \"%V\" does not start with \"/\"",
                               &value[i]);
            return NGX_CONF_ERROR;
        }

        tp = ngx_array_push(cilcf->allow_prefix);
        if (tp == NULL) {
            return NGX_CONF_ERROR;
        }

        *tp = cig_template_compile((char *) value[i].data, value[i].len, 0,
                                   &a, &err);
        if (*tp == NULL) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "prefix %s", err.msg);
            return NGX_CONF_ERROR;
        }

        if (cig_template_unknown_var(*tp, &unknown)) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "prefix \"%V\": variable \"${%*s}\" has no "
                               "value for a prefix; use the identity's "
                               "variables such as "
                               "${cognito-identity.amazonaws.com:sub}",
                               &value[i], unknown.len, unknown.data);
            return NGX_CONF_ERROR;
        }
    }

    return NGX_CONF_OK;
}
