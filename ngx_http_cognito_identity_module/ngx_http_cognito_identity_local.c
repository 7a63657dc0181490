/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cognito_identity_local_pool: a local identity pool for development,
 * speaking the Cognito Identity protocol (awsJson1_1) so that the AWS CLI
 * and SDKs work against it with --endpoint-url: GetId, GetOpenIdToken and
 * GetOpenIdTokenForDeveloperIdentity, plus the discovery document and the
 * JWKS under /.well-known/ for cognito_identity_key_request; and, where
 * cognito_identity_credentials_keys gives it keys, GetCredentialsForIdentity
 * with credentials the gateway issues, for an identity proven as for
 * GetOpenIdToken (a guest by its keyed id, a login by its token again).
 */

#include "ngx_http_cognito_identity_module.h"


#define NGX_HTTP_COGNITO_IDENTITY_LOCAL_BODY  65536
#define NGX_HTTP_COGNITO_IDENTITY_CLAIMS      8192


typedef struct {
    ngx_str_t                    key;       /* principal tag */
    ngx_str_t                    claim;     /* of the login token */
} ngx_http_cognito_identity_tag_t;


struct ngx_http_cognito_identity_local_s {
    ngx_str_t                    pool;
    cig_str_t                    region;
    ngx_str_t                    issuer;
    cig_signer_t                *signer;
    ngx_str_t                    discovery;
    ngx_flag_t                   guests;
    time_t                       ttl;
    time_t                       credentials;  /* issued credentials' life */
    ngx_flag_t                   guest_role;   /* no guest scope-down */
    ngx_str_t                    developer;  /* provider name, or empty */
    ngx_array_t                 *tags;       /* ..._tag_t */
};


static ngx_int_t ngx_http_cognito_identity_local_handler(
    ngx_http_request_t *r);
static ngx_int_t ngx_http_cognito_identity_developer_valid(ngx_conf_t *cf,
    ngx_str_t *name);


static void
ngx_http_cognito_identity_signer_cleanup(void *data)
{
    cig_signer_free(data);
}


/*
 * cognito_identity_local_pool <pool-id> <key.pem> issuer=<url>
 *     [development] [guests=on|off] [ttl=<time>] [developer=<provider>]
 *     [tag=<key>:<claim>]... [credentials=<time>]
 *     [guest_policy=scoped|role];
 */

char *
ngx_http_cognito_identity_local_pool(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_cognito_identity_loc_conf_t  *cilcf = conf;

    u_char                              *p;
    ngx_str_t                           *value, path, v;
    ngx_uint_t                           i, development;
    cig_err_t                            err;
    ngx_pool_cleanup_t                  *cln;
    ngx_http_core_loc_conf_t            *clcf;
    ngx_http_cognito_identity_tag_t     *tag;
    ngx_http_cognito_identity_local_t   *local;
    ngx_str_t                           *pool;
    ngx_http_cognito_identity_main_conf_t  *cimcf;

    if (cilcf->local != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;

    local = ngx_pcalloc(cf->pool, sizeof(ngx_http_cognito_identity_local_t));
    if (local == NULL) {
        return NGX_CONF_ERROR;
    }

    if (!cig_pool_id_valid((char *) value[1].data, value[1].len)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid identity pool id \"%V\"", &value[1]);
        return NGX_CONF_ERROR;
    }

    local->pool = value[1];
    local->region.data = (char *) value[1].data;
    local->region.len = ngx_strlchr(value[1].data,
                                    value[1].data + value[1].len, ':')
                        - value[1].data;
    local->guests = 1;
    local->ttl = 600;
    local->credentials = 3600;
    development = 0;

    for (i = 3; i < cf->args->nelts; i++) {
        v = value[i];

        if (ngx_strncmp(v.data, "issuer=", 7) == 0 && v.len > 7) {
            local->issuer.data = v.data + 7;
            local->issuer.len = v.len - 7;
            continue;
        }

        if (ngx_strcmp(v.data, "development") == 0) {
            development = 1;
            continue;
        }

        if (ngx_strcmp(v.data, "guests=on") == 0) {
            local->guests = 1;
            continue;
        }

        if (ngx_strcmp(v.data, "guests=off") == 0) {
            local->guests = 0;
            continue;
        }

        if (ngx_strcmp(v.data, "guest_policy=scoped") == 0) {
            local->guest_role = 0;
            continue;
        }

        if (ngx_strcmp(v.data, "guest_policy=role") == 0) {
            local->guest_role = 1;
            continue;
        }

        if (ngx_strncmp(v.data, "credentials=", 12) == 0) {
            v.data += 12;
            v.len -= 12;
            local->credentials = ngx_parse_time(&v, 1);

            if (local->credentials == (time_t) NGX_ERROR
                || local->credentials < 900 || local->credentials > 43200)
            {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid \"%V\": 15m to 12h, as STS "
                                   "allows", &value[i]);
                return NGX_CONF_ERROR;
            }

            continue;
        }

        if (ngx_strncmp(v.data, "ttl=", 4) == 0) {
            v.data += 4;
            v.len -= 4;
            local->ttl = ngx_parse_time(&v, 1);

            if (local->ttl == (time_t) NGX_ERROR || local->ttl < 1
                || local->ttl > 86400)
            {
                goto invalid;
            }

            continue;
        }

        if (ngx_strncmp(v.data, "developer=", 10) == 0 && v.len > 10) {
            if (local->developer.len) {
                goto invalid;
            }

            local->developer.data = v.data + 10;
            local->developer.len = v.len - 10;

            if (ngx_http_cognito_identity_developer_valid(cf,
                                                          &local->developer)
                != NGX_OK
                || ngx_http_cognito_identity_local_name(cf, &local->developer,
                                                        1)
                   != NGX_OK)
            {
                return NGX_CONF_ERROR;
            }

            continue;
        }

        if (ngx_strncmp(v.data, "tag=", 4) == 0) {
            p = ngx_strlchr(v.data + 4, v.data + v.len, ':');

            if (p == NULL || p == v.data + 4 || p + 1 == v.data + v.len) {
                goto invalid;
            }

            if (local->tags == NULL) {
                local->tags = ngx_array_create(cf->pool, 4,
                                     sizeof(ngx_http_cognito_identity_tag_t));
                if (local->tags == NULL) {
                    return NGX_CONF_ERROR;
                }
            }

            tag = ngx_array_push(local->tags);
            if (tag == NULL) {
                return NGX_CONF_ERROR;
            }

            tag->key.data = v.data + 4;
            tag->key.len = p - (v.data + 4);
            tag->claim.data = p + 1;
            tag->claim.len = v.data + v.len - (p + 1);
            continue;
        }

        goto invalid;
    }

    if (local->issuer.len == 0) {
        return "needs issuer=URL, the pool's own URL";
    }

    if (local->issuer.len == sizeof(CIG_AWS_ISSUER) - 1
        && ngx_strncmp(local->issuer.data, CIG_AWS_ISSUER,
                       local->issuer.len) == 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "a local pool must not issue tokens as \"%V\"",
                           &local->issuer);
        return NGX_CONF_ERROR;
    }

    path = value[2];

    if (ngx_conf_full_name(cf->cycle, &path, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NGX_CONF_ERROR;
    }

    local->signer = cig_signer_from_pem((char *) path.data, &err);
    if (local->signer == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "cognito_identity_local_pool: %s", err.msg);
        return NGX_CONF_ERROR;
    }

    cln->handler = ngx_http_cognito_identity_signer_cleanup;
    cln->data = local->signer;

    if (cig_signer_is_development(local->signer) && !development) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" is the public development key of "
                           "examples/dev: add \"development\" to use it",
                           &path);
        return NGX_CONF_ERROR;
    }

    ngx_conf_log_error(NGX_LOG_WARN, cf, 0,
                       "identity pool \"%V\" is a DEVELOPMENT pool served by "
                       "this gateway: its tokens are signed by a local key "
                       "and are for testing only", &local->pool);

    /* the discovery document, as Cognito serves its own */

    local->discovery.len = sizeof("{\"issuer\":\"\",\"jwks_uri\":\""
                                  "/.well-known/jwks_uri\","
                                  "\"id_token_signing_alg_values_supported\":"
                                  "[\"RS512\"],"
                                  "\"subject_types_supported\":[\"public\"],"
                                  "\"response_types_supported\":"
                                  "[\"id_token\"]}") - 1
                           + 2 * local->issuer.len;
    local->discovery.data = ngx_pnalloc(cf->pool, local->discovery.len);
    if (local->discovery.data == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_sprintf(local->discovery.data,
                "{\"issuer\":\"%V\",\"jwks_uri\":\"%V/.well-known/jwks_uri\","
                "\"id_token_signing_alg_values_supported\":[\"RS512\"],"
                "\"subject_types_supported\":[\"public\"],"
                "\"response_types_supported\":[\"id_token\"]}",
                &local->issuer, &local->issuer);

    cilcf->local = local;

    cimcf = ngx_http_conf_get_module_main_conf(cf,
                                            ngx_http_cognito_identity_module);
    pool = ngx_array_push(&cimcf->local_pools);
    if (pool == NULL) {
        return NGX_CONF_ERROR;
    }

    *pool = local->pool;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_cognito_identity_local_handler;

    return NGX_CONF_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid parameter \"%V\"",
                       &value[i]);
    return NGX_CONF_ERROR;
}


/*
 * A developer provider's name: Cognito's own pattern ([\w._-], 1 to 128
 * characters, so no "/" or ":" as in user pool, OIDC and SAML names and
 * ARNs), and nothing of the domains of the providers Cognito knows: its
 * users would otherwise get identities and amr entries that policies and
 * role mappings take for that provider's.
 */

static ngx_int_t
ngx_http_cognito_identity_developer_valid(ngx_conf_t *cf, ngx_str_t *name)
{
    u_char      *p, c;
    ngx_uint_t   i;

    static const char *const  domains[] = {
        "amazonaws.com", "amazon.com", "facebook.com", "google.com",
        "apple.com", "twitter.com", "digits.com"
    };

    for (p = name->data; p < name->data + name->len; p++) {
        c = *p;

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
        {
            goto provider;
        }
    }

    for (i = 0; i < sizeof(domains) / sizeof(domains[0]); i++) {
        if (ngx_strlcasestrn(name->data, name->data + name->len,
                             (u_char *) domains[i], ngx_strlen(domains[i]) - 1)
            != NULL)
        {
            goto provider;
        }
    }

    if (name->len > 128) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "developer provider \"%V\" is longer than 128 "
                           "characters", name);
        return NGX_ERROR;
    }

    return NGX_OK;

provider:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "developer provider \"%V\" looks like an identity "
                       "provider's name: a developer provider is a name of "
                       "its own of letters, digits, \"_\", \".\" and \"-\", "
                       "outside the domains of the providers Cognito knows "
                       "(e.g. \"login.example.app\")", name);
    return NGX_ERROR;
}


/* Records a login provider's (0) or a developer provider's (1) name. */

ngx_int_t
ngx_http_cognito_identity_local_name(ngx_conf_t *cf, ngx_str_t *name,
    ngx_uint_t developer)
{
    ngx_array_t                            **names;
    ngx_http_cognito_identity_named_t       *n;
    ngx_http_cognito_identity_main_conf_t   *cimcf;

    cimcf = ngx_http_conf_get_module_main_conf(cf,
                                            ngx_http_cognito_identity_module);
    names = developer ? &cimcf->developers : &cimcf->login_names;

    if (*names == NULL) {
        *names = ngx_array_create(cf->pool, 4,
                                  sizeof(ngx_http_cognito_identity_named_t));
        if (*names == NULL) {
            return NGX_ERROR;
        }
    }

    n = ngx_array_push(*names);
    if (n == NULL) {
        return NGX_ERROR;
    }

    n->name = *name;
    n->file = cf->conf_file->file.name;
    n->line = cf->conf_file->line;

    return NGX_OK;
}


/*
 * No developer provider takes the name of a login provider, whatever the
 * level or order of the two: a developer's users would get the identities
 * (the same ids, under the same key) of that provider's users without
 * their login token.  Called once the whole configuration is read.
 */

ngx_int_t
ngx_http_cognito_identity_local_check(ngx_conf_t *cf)
{
    ngx_uint_t                              i, k;
    ngx_http_cognito_identity_named_t      *dev, *login;
    ngx_http_cognito_identity_main_conf_t  *cimcf;

    cimcf = ngx_http_conf_get_module_main_conf(cf,
                                            ngx_http_cognito_identity_module);

    if (cimcf->developers == NULL || cimcf->login_names == NULL) {
        return NGX_OK;
    }

    dev = cimcf->developers->elts;
    login = cimcf->login_names->elts;

    for (i = 0; i < cimcf->developers->nelts; i++) {
        for (k = 0; k < cimcf->login_names->nelts; k++) {
            if (dev[i].name.len == login[k].name.len
                && ngx_strncasecmp(dev[i].name.data, login[k].name.data,
                                   dev[i].name.len) == 0)
            {
                ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                              "developer provider \"%V\" is also the login "
                              "provider of cognito_identity_login in %V:%ui: "
                              "its developer users would get that "
                              "provider's identities without their login "
                              "token; give the developer provider a name of "
                              "its own in %V:%ui",
                              &dev[i].name, &login[k].file, login[k].line,
                              &dev[i].file, dev[i].line);
                return NGX_ERROR;
            }
        }
    }

    return NGX_OK;
}


/* Every answer of the pool and of credential vending: no-store. */

ngx_int_t
ngx_http_cognito_identity_aws_send(ngx_http_request_t *r, ngx_uint_t status,
    const char *type, const char *content_type, u_char *body, size_t len)
{
    ngx_str_t  v;

    ngx_str_set(&v, "no-store");

    if (ngx_http_cognito_identity_add_header(r, "Cache-Control", &v) == NULL)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (type != NULL) {
        v.data = (u_char *) type;
        v.len = ngx_strlen(type);

        if (ngx_http_cognito_identity_add_header(r, "X-Amzn-ErrorType", &v)
            == NULL)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    return ngx_http_cognito_identity_send(r, status, content_type, body,
                                          len);
}


/* Cognito's error shape: {"__type": ..., "message": ...} */

ngx_int_t
ngx_http_cognito_identity_aws_error(ngx_http_request_t *r, ngx_uint_t status,
    const char *type, const char *message)
{
    u_char     *p;
    size_t      len, n;

    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "cognito identity: %ui %s: %s", status, type, message);

    len = sizeof("{\"__type\":,\"message\":}") + 2 * ngx_strlen(type)
          + 6 * ngx_strlen(message) + 8;

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    n = ngx_sprintf(p, "{\"__type\":") - p;
    n += cig_json_quote(type, ngx_strlen(type), (char *) p + n, len - n);
    n += ngx_sprintf(p + n, ",\"message\":") - (p + n);
    n += cig_json_quote(message, ngx_strlen(message), (char *) p + n,
                        len - n);
    p[n++] = '}';

    ngx_http_discard_request_body(r);

    return ngx_http_cognito_identity_aws_send(r, status, type,
                                              "application/x-amz-json-1.1",
                                              p, n);
}


static const cig_json_t *
ngx_http_cognito_identity_string_member(const cig_json_t *obj,
    const char *name)
{
    const cig_json_t  *m;

    m = cig_json_get(obj, name);

    if (m == NULL || m->type != CIG_JSON_STRING || m->str.len == 0) {
        return NULL;
    }

    return m;
}


/*
 * The one Logins entry: a configured provider whose token verifies.
 * Returns the provider's login definition and the verified login.
 */

static ngx_int_t
ngx_http_cognito_identity_local_login(ngx_http_request_t *r,
    ngx_http_cognito_identity_loc_conf_t *conf, const cig_json_t *logins,
    cig_allocator_t *a, ngx_http_cognito_identity_login_t **def,
    cig_identity_t *login, const char **why)
{
    ngx_uint_t                          i;
    cig_err_t                           err;
    const cig_json_t                   *entry;
    ngx_http_cognito_identity_login_t  *l;

    if (logins->type != CIG_JSON_OBJECT || logins->count != 1) {
        *why = "Logins must name exactly one provider";
        return NGX_DECLINED;
    }

    entry = logins->child;

    if (entry->type != CIG_JSON_STRING || conf->logins == NULL) {
        *why = "the login provider is not configured for this pool";
        return NGX_DECLINED;
    }

    l = conf->logins->elts;

    for (i = 0; i < conf->logins->nelts; i++) {
        if (l[i].provider.len == entry->key.len
            && ngx_strncmp(l[i].provider.data, entry->key.data,
                           entry->key.len) == 0)
        {
            break;
        }
    }

    if (i == conf->logins->nelts) {
        *why = "the login provider is not configured for this pool";
        return NGX_DECLINED;
    }

    if (cig_token_verify(&l[i].verifier, entry->str.data, entry->str.len,
                         ngx_time(), a, login, &err)
        != CIG_OK)
    {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "cognito identity: local pool login refused: %s",
                      err.msg);
        *why = "Invalid login token.";
        return NGX_DECLINED;
    }

    *def = &l[i];

    return NGX_OK;
}


/* Claims shaped like Cognito's, then the token. */

static ngx_int_t
ngx_http_cognito_identity_local_token(ngx_http_request_t *r,
    ngx_http_cognito_identity_local_t *local, const char *id,
    cig_str_t provider, cig_str_t subject, const cig_identity_t *login,
    time_t ttl, cig_allocator_t *a, cig_str_t *token, cig_str_t *claims)
{
    char                              *c, *end;
    size_t                             n;
    time_t                             now;
    ngx_uint_t                         i, first;
    cig_err_t                          err;
    const cig_json_t                  *v;
    ngx_http_cognito_identity_tag_t   *tag;

    c = ngx_pnalloc(r->pool, NGX_HTTP_COGNITO_IDENTITY_CLAIMS);
    if (c == NULL) {
        return NGX_ERROR;
    }

    end = c + NGX_HTTP_COGNITO_IDENTITY_CLAIMS;
    now = ngx_time();

#define cig_put(s, len)                                                       \
    do {                                                                      \
        if ((size_t) (end - (c + n)) < (size_t) (len)) { return NGX_ERROR; }  \
        ngx_memcpy(c + n, s, len);                                            \
        n += len;                                                             \
    } while (0)

#define cig_put_lit(s)  cig_put(s, sizeof(s) - 1)

#define cig_put_quoted(s, len)                                                \
    do {                                                                      \
        size_t  q = cig_json_quote(s, len, c + n, end - (c + n));             \
        if (q == 0) { return NGX_ERROR; }                                     \
        n += q;                                                               \
    } while (0)

    n = 0;
    cig_put_lit("{\"sub\":");
    cig_put_quoted(id, ngx_strlen(id));
    cig_put_lit(",\"aud\":");
    cig_put_quoted((char *) local->pool.data, local->pool.len);

    if (provider.len == 0) {
        cig_put_lit(",\"amr\":[\"unauthenticated\"]");

    } else {
        cig_put_lit(",\"amr\":[\"authenticated\",");
        cig_put_quoted(provider.data, provider.len);
        cig_put_lit(",");

        /* "PROVIDER:POOL:SUBJECT", as Cognito writes its third entry */
        {
            char  *e;
            size_t len = provider.len + 1 + local->pool.len + 1 + subject.len;

            e = ngx_pnalloc(r->pool, len);
            if (e == NULL) {
                return NGX_ERROR;
            }

            ngx_sprintf((u_char *) e, "%*s:%V:%*s", provider.len,
                        provider.data, &local->pool, subject.len,
                        subject.data);
            cig_put_quoted(e, len);
        }

        cig_put_lit("]");
    }

    cig_put_lit(",\"iss\":");
    cig_put_quoted((char *) local->issuer.data, local->issuer.len);

    n += ngx_snprintf((u_char *) c + n, end - (c + n),
                      ",\"exp\":%T,\"iat\":%T", now + ttl, now)
         - ((u_char *) c + n);

    /* principal tags from the login token's claims, where configured */

    if (local->tags != NULL && login != NULL) {
        tag = local->tags->elts;
        first = 1;

        for (i = 0; i < local->tags->nelts; i++) {
            v = cig_json_getn(login->claims, (char *) tag[i].claim.data,
                              tag[i].claim.len);

            if (v == NULL || v->type != CIG_JSON_STRING) {
                continue;
            }

            if (first) {
                cig_put_lit(",\"https://aws.amazon.com/tags\":"
                            "{\"principal_tags\":{");
                first = 0;
            } else {
                cig_put_lit(",");
            }

            cig_put_quoted((char *) tag[i].key.data, tag[i].key.len);
            cig_put_lit(":[");
            cig_put_quoted(v->str.data, v->str.len);
            cig_put_lit("]");
        }

        if (!first) {
            cig_put_lit("}}");
        }
    }

    cig_put_lit("}");

#undef cig_put
#undef cig_put_lit
#undef cig_put_quoted

    if (token == NULL) {
        claims->data = c;
        claims->len = n;
        return NGX_OK;
    }

    if (cig_token_mint(local->signer, c, n, a, token, &err) != CIG_OK) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "cognito identity: local pool: %s", err.msg);
        return NGX_ERROR;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_cognito_identity_local_reply(ngx_http_request_t *r, const char *id,
    cig_str_t *token)
{
    u_char  *p;
    size_t   len;

    len = sizeof("{\"IdentityId\":\"\",\"Token\":\"\"}") + ngx_strlen(id)
          + (token ? token->len : 0);

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (token) {
        len = ngx_sprintf(p, "{\"IdentityId\":\"%s\",\"Token\":\"%*s\"}",
                          id, token->len, token->data) - p;
    } else {
        len = ngx_sprintf(p, "{\"IdentityId\":\"%s\"}", id) - p;
    }

    return ngx_http_cognito_identity_aws_send(r, NGX_HTTP_OK, NULL,
                                              "application/x-amz-json-1.1",
                                              p, len);
}


/*
 * GetCredentialsForIdentity of a proven identity: the claims its OpenID
 * token would have, the role from the role attachment (CustomRoleArn
 * included), credentials the gateway issues.
 */

static ngx_int_t
ngx_http_cognito_identity_local_creds(ngx_http_request_t *r,
    ngx_http_cognito_identity_loc_conf_t *conf, const cig_json_t *req,
    const char *id, cig_str_t provider, cig_str_t subject,
    const cig_identity_t *login, cig_allocator_t *a)
{
    cig_err_t                           err;
    cig_str_t                           text;
    cig_identity_t                      oid;
    cig_role_input_t                    in;
    cig_role_choice_t                   role;
    const cig_roles_t                  *roles;
    const cig_json_t                   *claims, *amr, *e, *rj;
    ngx_http_cognito_identity_local_t  *local = conf->local;

    if (ngx_http_cognito_identity_local_token(r, local, id, provider,
                                              subject, login,
                                              local->credentials, a, NULL,
                                              &text)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    claims = cig_json_parse(text.data, text.len, CIG_MAX_JSON_DEPTH, a, &err);
    amr = claims ? cig_json_get(claims, "amr") : NULL;

    if (amr == NULL || amr->count == 0 || amr->count > CIG_MAX_AMR) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_memzero(&oid, sizeof(cig_identity_t));
    oid.sub = cig_json_get(claims, "sub")->str;
    oid.aud = cig_json_get(claims, "aud")->str;
    oid.claims = claims;

    for (e = amr->child; e != NULL; e = e->next) {
        oid.amr[oid.namr++] = e->str;
    }

    if (provider.len) {
        oid.authenticated = 1;
        oid.provider = provider;
    }

    in.claims = login ? login->claims : claims;
    in.client_id.data = NULL;
    in.client_id.len = 0;

    if (login != NULL && login->aud.len) {
        in.client_id = login->aud;
    }

    in.requested.data = NULL;
    in.requested.len = 0;
    rj = cig_json_get(req, "CustomRoleArn");

    if (rj != NULL && rj->type == CIG_JSON_STRING) {
        in.requested = rj->str;
    }

    roles = conf->roleset ? cig_roleset_find(conf->roleset, oid.aud) : NULL;

    if (roles == NULL
        || cig_roles_choose(roles, &oid, &in, &role, &err) != CIG_OK)
    {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "cognito identity: local pool credentials refused: %s",
                      roles ? err.msg : "no role attachment for the pool");

        return ngx_http_cognito_identity_aws_error(r, 400,
                   "InvalidIdentityPoolConfigurationException",
                   "No role for this identity.");
    }

    return ngx_http_cognito_identity_issue_send(r, conf, &oid, role.role,
                                                !oid.authenticated
                                                && !local->guest_role,
                                                local->credentials);
}


static ngx_int_t
ngx_http_cognito_identity_local_op(ngx_http_request_t *r,
    ngx_http_cognito_identity_loc_conf_t *conf, ngx_str_t *op,
    const cig_json_t *req, cig_allocator_t *a)
{
    char                                id[CIG_ID_BUF];
    time_t                              ttl;
    cig_err_t                           err;
    cig_str_t                           token, provider, subject, given;
    const char                         *why;
    cig_identity_t                      login;
    const cig_json_t                   *pool, *logins, *idj, *dur, *user;
    ngx_http_cognito_identity_login_t  *def;
    ngx_http_cognito_identity_local_t  *local = conf->local;

    logins = cig_json_get(req, "Logins");
    provider.len = 0;
    provider.data = NULL;
    subject = provider;

    if (op->len == 5 && ngx_strncmp(op->data, "GetId", 5) == 0) {
        pool = ngx_http_cognito_identity_string_member(req, "IdentityPoolId");

        if (pool == NULL) {
            return ngx_http_cognito_identity_aws_error(r, 400,
                       "InvalidParameterException",
                       "IdentityPoolId is required");
        }

        if (pool->str.len != local->pool.len
            || ngx_strncmp(pool->str.data, local->pool.data, pool->str.len))
        {
            return ngx_http_cognito_identity_aws_error(r, 404,
                       "ResourceNotFoundException",
                       "IdentityPool not found.");
        }

        if (logins == NULL) {
            if (!local->guests) {
                return ngx_http_cognito_identity_aws_error(r, 403,
                           "NotAuthorizedException",
                           "Unauthenticated access is not supported for "
                           "this identity pool.");
            }

            if (cig_local_guest_id(local->signer, local->region, id,
                                   sizeof(id), &err)
                != CIG_OK)
            {
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }

            return ngx_http_cognito_identity_local_reply(r, id, NULL);
        }

        if (ngx_http_cognito_identity_local_login(r, conf, logins, a, &def,
                                                  &login, &why)
            != NGX_OK)
        {
            return ngx_http_cognito_identity_aws_error(r, 403,
                                                "NotAuthorizedException", why);
        }

        provider.data = (char *) def->provider.data;
        provider.len = def->provider.len;

        if (!cig_local_login_id(local->signer, local->region, provider,
                                login.sub, id))
        {
            return ngx_http_cognito_identity_aws_error(r, 400,
                       "InvalidParameterException", "login too long");
        }

        return ngx_http_cognito_identity_local_reply(r, id, NULL);
    }

    if ((op->len == 14 && ngx_strncmp(op->data, "GetOpenIdToken", 14) == 0)
        || (op->len == 25
            && ngx_strncmp(op->data, "GetCredentialsForIdentity", 25) == 0
            && conf->cred_keys != NULL))
    {
        idj = ngx_http_cognito_identity_string_member(req, "IdentityId");

        if (idj == NULL) {
            return ngx_http_cognito_identity_aws_error(r, 400,
                       "InvalidParameterException",
                       "IdentityId is required");
        }

        if (logins == NULL) {

            /* a guest id must be one this pool issued */

            if (!cig_local_is_guest_id(local->signer, local->region,
                                       idj->str))
            {
                return ngx_http_cognito_identity_aws_error(r, 403,
                           "NotAuthorizedException",
                           "Invalid identity, or Logins are required for "
                           "an identity that has a login.");
            }

            if (!local->guests) {
                return ngx_http_cognito_identity_aws_error(r, 403,
                           "NotAuthorizedException",
                           "Unauthenticated access is not supported for "
                           "this identity pool.");
            }

            ngx_memcpy(id, idj->str.data, idj->str.len);
            id[idj->str.len] = '\0';

        } else {

            /* an identity from a login needs that login's token again */

            if (ngx_http_cognito_identity_local_login(r, conf, logins, a,
                                                      &def, &login, &why)
                != NGX_OK)
            {
                return ngx_http_cognito_identity_aws_error(r, 403,
                                                "NotAuthorizedException", why);
            }

            provider.data = (char *) def->provider.data;
            provider.len = def->provider.len;
            subject = login.sub;

            if (!cig_local_login_id(local->signer, local->region, provider,
                                    subject, id)
                || ngx_strlen(id) != idj->str.len
                || ngx_strncmp(id, idj->str.data, idj->str.len) != 0)
            {
                return ngx_http_cognito_identity_aws_error(r, 403,
                           "NotAuthorizedException",
                           "The login does not belong to this identity.");
            }
        }

        if (op->len == 25) {
            return ngx_http_cognito_identity_local_creds(r, conf, req, id,
                                                         provider, subject,
                                                         provider.len
                                                         ? &login : NULL, a);
        }

        if (ngx_http_cognito_identity_local_token(r, local, id, provider,
                                                  subject,
                                                  provider.len ? &login
                                                               : NULL,
                                                  local->ttl, a, &token,
                                                  NULL)
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return ngx_http_cognito_identity_local_reply(r, id, &token);
    }

    if (op->len == 34
        && ngx_strncmp(op->data, "GetOpenIdTokenForDeveloperIdentity", 34)
           == 0)
    {
        if (local->developer.len == 0) {
            return ngx_http_cognito_identity_aws_error(r, 400,
                       "InvalidParameterException",
                       "This pool has no developer provider.");
        }

        pool = ngx_http_cognito_identity_string_member(req, "IdentityPoolId");

        if (pool == NULL || pool->str.len != local->pool.len
            || ngx_strncmp(pool->str.data, local->pool.data, pool->str.len))
        {
            return ngx_http_cognito_identity_aws_error(r, 404,
                       "ResourceNotFoundException",
                       "IdentityPool not found.");
        }

        user = logins ? cig_json_getn(logins, (char *) local->developer.data,
                                      local->developer.len)
                      : NULL;

        if (user == NULL || logins->count != 1 || user->type != CIG_JSON_STRING
            || user->str.len == 0 || user->str.len > 128)
        {
            return ngx_http_cognito_identity_aws_error(r, 400,
                       "InvalidParameterException",
                       "Logins must map the developer provider to a user "
                       "identifier of 1 to 128 characters.");
        }

        ttl = 900;
        dur = cig_json_get(req, "TokenDuration");

        if (dur != NULL) {
            if (dur->type != CIG_JSON_NUMBER || dur->num < 1
                || dur->num > 86400 || dur->num != (double) (time_t) dur->num)
            {
                return ngx_http_cognito_identity_aws_error(r, 400,
                           "InvalidParameterException",
                           "TokenDuration must be 1 to 86400 seconds.");
            }

            ttl = (time_t) dur->num;
        }

        provider.data = (char *) local->developer.data;
        provider.len = local->developer.len;
        subject = user->str;

        if (!cig_local_login_id(local->signer, local->region, provider,
                                subject, id))
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        idj = cig_json_get(req, "IdentityId");

        if (idj != NULL) {
            given = idj->str;

            if (idj->type != CIG_JSON_STRING || given.len != ngx_strlen(id)
                || ngx_strncmp(given.data, id, given.len) != 0)
            {
                return ngx_http_cognito_identity_aws_error(r, 400,
                           "InvalidParameterException",
                           "The IdentityId does not belong to this "
                           "developer user.");
            }
        }

        if (ngx_http_cognito_identity_local_token(r, local, id, provider,
                                                  subject, NULL, ttl, a,
                                                  &token, NULL)
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return ngx_http_cognito_identity_local_reply(r, id, &token);
    }

    return ngx_http_cognito_identity_aws_error(r, 400,
               "UnknownOperationException",
               conf->cred_keys != NULL
               ? "This local pool serves GetId, GetOpenIdToken, "
                 "GetOpenIdTokenForDeveloperIdentity and "
                 "GetCredentialsForIdentity."
               : "This local pool serves GetId, GetOpenIdToken and "
                 "GetOpenIdTokenForDeveloperIdentity; "
                 "GetCredentialsForIdentity needs "
                 "cognito_identity_credentials_keys.");
}


/* The request body, whole, in memory or read back from its temp file. */

ngx_int_t
ngx_http_cognito_identity_read_body(ngx_http_request_t *r, u_char **body,
    size_t *len, size_t limit)
{
    u_char       *p;
    size_t        n, size;
    ssize_t       got;
    ngx_chain_t  *cl;

    *body = NULL;
    *len = 0;

    if (r->request_body == NULL) {
        return NGX_OK;
    }

    size = 0;

    for (cl = r->request_body->bufs; cl; cl = cl->next) {
        size += ngx_buf_size(cl->buf);
    }

    if (size > limit) {
        return NGX_DECLINED;
    }

    p = ngx_pnalloc(r->pool, size + 1);
    if (p == NULL) {
        return NGX_ERROR;
    }

    n = 0;

    for (cl = r->request_body->bufs; cl; cl = cl->next) {
        if (ngx_buf_in_memory(cl->buf)) {
            n = ngx_cpymem(p + n, cl->buf->pos, cl->buf->last - cl->buf->pos)
                - p;

        } else if (cl->buf->in_file) {
            got = ngx_read_file(cl->buf->file, p + n,
                                cl->buf->file_last - cl->buf->file_pos,
                                cl->buf->file_pos);
            if (got == NGX_ERROR) {
                return NGX_ERROR;
            }

            n += got;
        }
    }

    p[n] = '\0';
    *body = p;
    *len = n;

    return NGX_OK;
}


/*
 * Checks an awsJson1_1 request: POST, the content type, the target's
 * service; gives the operation.  NGX_OK or an error already answered.
 */

ngx_int_t
ngx_http_cognito_identity_aws_target(ngx_http_request_t *r, ngx_str_t *op)
{
    u_char            *p;
    ngx_table_elt_t   *target;

    static const char  service[] = "AWSCognitoIdentityService.";

    if (r->headers_in.content_type == NULL
        || r->headers_in.content_type->value.len
           < sizeof("application/x-amz-json-1.1") - 1
        || ngx_strncasecmp(r->headers_in.content_type->value.data,
                           (u_char *) "application/x-amz-json-1.1",
                           sizeof("application/x-amz-json-1.1") - 1) != 0)
    {
        return NGX_DECLINED;
    }

    if (ngx_http_cognito_identity_header_in(r, "X-Amz-Target", &target)
        != 1)
    {
        return NGX_DECLINED;
    }

    if (target == NULL
        || target->value.len <= sizeof(service) - 1
        || ngx_strncmp(target->value.data, service, sizeof(service) - 1) != 0)
    {
        return NGX_DECLINED;
    }

    op->data = target->value.data + sizeof(service) - 1;
    op->len = target->value.len - (sizeof(service) - 1);

    for (p = op->data; p < op->data + op->len; p++) {
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'))) {
            return NGX_DECLINED;
        }
    }

    return NGX_OK;
}


/*
 * The awsJson1_1 request both Cognito handlers take: the target, then the
 * body, whole, as a JSON object.  NGX_OK, or NGX_DONE with *answer the
 * error already sent.
 */

ngx_int_t
ngx_http_cognito_identity_aws_request(ngx_http_request_t *r, ngx_str_t *op,
    u_char **body, size_t *len, cig_json_t **req, cig_allocator_t *a,
    ngx_int_t *answer)
{
    ngx_int_t  rc;
    cig_err_t  err;

    if (ngx_http_cognito_identity_aws_target(r, op) != NGX_OK) {
        *answer = ngx_http_cognito_identity_aws_error(r, 400,
                      "InvalidParameterException",
                      "Expected POST with Content-Type "
                      "application/x-amz-json-1.1 and X-Amz-Target "
                      "AWSCognitoIdentityService.<Operation>");
        return NGX_DONE;
    }

    rc = ngx_http_cognito_identity_read_body(r, body, len,
                                         NGX_HTTP_COGNITO_IDENTITY_LOCAL_BODY);

    if (rc == NGX_ERROR) {
        *answer = NGX_HTTP_INTERNAL_SERVER_ERROR;
        return NGX_DONE;
    }

    a->alloc = ngx_http_cognito_identity_alloc;
    a->ctx = r->pool;

    *req = (rc == NGX_OK && *body)
           ? cig_json_parse((char *) *body, *len, 8, a, &err) : NULL;

    if (*req == NULL || (*req)->type != CIG_JSON_OBJECT) {
        *answer = ngx_http_cognito_identity_aws_error(r, 400,
                      "InvalidParameterException",
                      "The request body must be a JSON object of at most "
                      "64 KiB.");
        return NGX_DONE;
    }

    return NGX_OK;
}


static void
ngx_http_cognito_identity_local_body(ngx_http_request_t *r)
{
    u_char                                *body;
    size_t                                 len;
    ngx_int_t                              answer;
    ngx_str_t                              op;
    cig_json_t                            *req;
    cig_allocator_t                        a;
    ngx_http_cognito_identity_loc_conf_t  *conf;

    conf = ngx_http_get_module_loc_conf(r, ngx_http_cognito_identity_module);

    if (ngx_http_cognito_identity_aws_request(r, &op, &body, &len, &req, &a,
                                              &answer)
        != NGX_OK)
    {
        ngx_http_finalize_request(r, answer);
        return;
    }

    ngx_http_finalize_request(r,
        ngx_http_cognito_identity_local_op(r, conf, &op, req, &a));
}


static ngx_int_t
ngx_http_cognito_identity_local_handler(ngx_http_request_t *r)
{
    ngx_int_t                              rc;
    cig_str_t                              jwks;
    ngx_http_cognito_identity_loc_conf_t  *conf;

    static const ngx_str_t  discovery = ngx_string(
                                        "/.well-known/openid-configuration");
    static const ngx_str_t  jwks_uri = ngx_string("/.well-known/jwks_uri");

    conf = ngx_http_get_module_loc_conf(r, ngx_http_cognito_identity_module);

    if (r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD)) {
        rc = ngx_http_discard_request_body(r);
        if (rc != NGX_OK) {
            return rc;
        }

        if (r->uri.len >= discovery.len
            && ngx_strncmp(r->uri.data + r->uri.len - discovery.len,
                           discovery.data, discovery.len) == 0)
        {
            return ngx_http_cognito_identity_aws_send(r, NGX_HTTP_OK, NULL,
                                               "application/json",
                                               conf->local->discovery.data,
                                               conf->local->discovery.len);
        }

        if (r->uri.len >= jwks_uri.len
            && ngx_strncmp(r->uri.data + r->uri.len - jwks_uri.len,
                           jwks_uri.data, jwks_uri.len) == 0)
        {
            jwks = cig_signer_jwks(conf->local->signer);

            return ngx_http_cognito_identity_aws_send(r, NGX_HTTP_OK, NULL,
                                                      "application/json",
                                                      (u_char *) jwks.data,
                                                      jwks.len);
        }

        return NGX_HTTP_NOT_FOUND;
    }

    if (r->method != NGX_HTTP_POST) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    if (r->headers_in.content_length_n > NGX_HTTP_COGNITO_IDENTITY_LOCAL_BODY)
    {
        return ngx_http_cognito_identity_aws_error(r, 400,
                   "InvalidParameterException", "The request is too large.");
    }

    rc = ngx_http_read_client_request_body(r,
                                        ngx_http_cognito_identity_local_body);

    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        return rc;
    }

    return NGX_DONE;
}
