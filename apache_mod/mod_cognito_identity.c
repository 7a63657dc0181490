/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * mod_cognito_identity: module table, directives and configuration.
 *
 * Whom to trust (pools, keys, issuer, roles, policies, how requests map to
 * IAM) is server configuration only: the server, virtual hosts,
 * <Directory> and <Location> (RSRC_CONF | ACCESS_CONF), never .htaccess,
 * where only "AuthType CognitoIdentity", "AuthName" and "Require" lines
 * may switch the check on.  Key files, roles files and policies are loaded
 * once per configuration read into core objects, shared by every section
 * naming the same file, and freed by cleanups of the configuration pool.
 */

#define MCI_MODULE_FILE
#include "mod_cognito_identity.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <stdlib.h>


static void *mci_create_dir_conf(apr_pool_t *p, char *dir);
static void *mci_merge_dir_conf(apr_pool_t *p, void *basev, void *addv);
static void mci_register_hooks(apr_pool_t *p);

static const char *mci_pool(cmd_parms *cmd, void *mconfig, int argc,
    char *const argv[]);
static const char *mci_key_file(cmd_parms *cmd, void *mconfig,
    const char *arg);
static const char *mci_key_url(cmd_parms *cmd, void *mconfig,
    const char *arg);
static const char *mci_seconds(cmd_parms *cmd, void *mconfig,
    const char *arg);
static const char *mci_issuer(cmd_parms *cmd, void *mconfig,
    const char *arg);
static const char *mci_unauthenticated(cmd_parms *cmd, void *mconfig,
    int flag);
static const char *mci_cors_preflight(cmd_parms *cmd, void *mconfig,
    int flag);
static const char *mci_token(cmd_parms *cmd, void *mconfig,
    const char *arg);
static const char *mci_roles(cmd_parms *cmd, void *mconfig,
    const char *arg);
static const char *mci_role(cmd_parms *cmd, void *mconfig,
    const char *kind, const char *arn);
static const char *mci_policy(cmd_parms *cmd, void *mconfig,
    const char *arn, const char *file);
static const char *mci_authorize(cmd_parms *cmd, void *mconfig,
    const char *mode, const char *arg);
static const char *mci_allow_prefix(cmd_parms *cmd, void *mconfig,
    int argc, char *const argv[]);
static const char *mci_raw_argv(cmd_parms *cmd, void *mconfig,
    const char *args);


/*
 * httpd's TAKE_ARGV hands a directive at most 64 arguments and drops the
 * rest without a word (AP_MAX_ARGC): a list of 100 pools would lose 36 of
 * them.  So the directives that take a list read their line raw and
 * mci_raw_argv() splits it as httpd would (ap_getword_conf), however long,
 * then calls the directive's function, named in the command's data.
 */

typedef struct {
    const char  *(*fn)(cmd_parms *cmd, void *mconfig, int argc,
                       char *const argv[]);
} mci_argv_cmd_t;

static mci_argv_cmd_t  mci_pool_argv = { mci_pool };
static mci_argv_cmd_t  mci_login_argv = { mci_login_cmd };
static mci_argv_cmd_t  mci_cache_argv = { mci_cache_cmd };
static mci_argv_cmd_t  mci_allow_prefix_argv = { mci_allow_prefix };


#define MCI_CONTEXT  (RSRC_CONF | ACCESS_CONF)

static const command_rec  mci_cmds[] = {

    AP_INIT_RAW_ARGS("CognitoIdentityPool", mci_raw_argv, &mci_pool_argv,
        MCI_CONTEXT,
        "identity pool ids accepted as the token's aud (REGION:UUID)"),

    AP_INIT_TAKE1("CognitoIdentityKeyFile", mci_key_file, NULL, MCI_CONTEXT,
        "a JWKS file of the token signing keys; several allowed"),

    AP_INIT_TAKE1("CognitoIdentityKeyURL", mci_key_url, NULL, MCI_CONTEXT,
        "an http(s) URL serving the JWKS; several allowed"),

    AP_INIT_TAKE1("CognitoIdentityKeyCache", mci_seconds,
        (void *) APR_OFFSETOF(mci_dir_conf_t, key_cache), MCI_CONTEXT,
        "how long keys fetched from a URL count as fresh (default 1h)"),

    AP_INIT_TAKE1("CognitoIdentityKeyRefresh", mci_seconds,
        (void *) APR_OFFSETOF(mci_dir_conf_t, key_refresh), MCI_CONTEXT,
        "least time between two fetches of a key URL (default 10s)"),

    AP_INIT_TAKE1("CognitoIdentityIssuer", mci_issuer, NULL, MCI_CONTEXT,
        "the exact iss accepted (default https://cognito-identity.amazonaws.com)"),

    AP_INIT_TAKE1("CognitoIdentityLeeway", mci_seconds,
        (void *) APR_OFFSETOF(mci_dir_conf_t, leeway), MCI_CONTEXT,
        "clock skew allowed for exp, nbf and iat (default 10s)"),

    AP_INIT_FLAG("CognitoIdentityUnauthenticated", mci_unauthenticated, NULL,
        MCI_CONTEXT, "whether guest identities pass (default Off)"),

    AP_INIT_TAKE1("CognitoIdentityToken", mci_token, NULL, MCI_CONTEXT,
        "an expression giving the token instead of Authorization: Bearer"),

    AP_INIT_TAKE1("CognitoIdentityRoles", mci_roles, NULL, MCI_CONTEXT,
        "a pool's role attachment as get-identity-pool-roles prints it"),

    AP_INIT_TAKE2("CognitoIdentityRole", mci_role, NULL, MCI_CONTEXT,
        "authenticated|unauthenticated ROLE_ARN: a default role"),

    AP_INIT_RAW_ARGS("CognitoIdentityLogin", mci_raw_argv, &mci_login_argv,
        MCI_CONTEXT, "PROVIDER JWKS_FILE issuer=URL client=ID[,ID...] "
        "[alg=RS256|RS384|RS512] [token=EXPRESSION] "
        "[bind=subject|provider]: the login token that chooses the role"),

    AP_INIT_RAW_ARGS("CognitoIdentityTokenCache", mci_raw_argv,
        &mci_cache_argv, MCI_CONTEXT, "On [ttl=TIME] | Off: remember tokens whose signature "
        "verified (default Off)"),

    AP_INIT_TAKE1("CognitoIdentityTokenCacheSize", mci_cache_size_cmd, NULL,
        RSRC_CONF, "the size of the shared token cache (default 512k)"),

    AP_INIT_FLAG("CognitoIdentityCORSPreflight", mci_cors_preflight, NULL,
        MCI_CONTEXT, "whether CORS preflights pass without a token "
        "(default Off)"),

    AP_INIT_TAKE2("CognitoIdentityPolicy", mci_policy, NULL, MCI_CONTEXT,
        "ROLE_ARN FILE: an IAM policy of a role"),

    AP_INIT_TAKE12("CognitoIdentityAuthorize", mci_authorize, NULL,
        MCI_CONTEXT, "s3 [bucket=NAME] | execute-api ARN_PREFIX | off"),

    AP_INIT_RAW_ARGS("CognitoIdentityAllowPrefix", mci_raw_argv,
        &mci_allow_prefix_argv, MCI_CONTEXT, "path prefixes with policy variables"),

    /* noted only, for mod_authz_core's merging (mci_merging.c) */

    AP_INIT_TAKE1("AuthMerging", mci_merging_cmd, NULL, OR_AUTHCFG,
        "Off | And | Or: how Require lines combine with the enclosing "
        "section's (mod_authz_core)"),

    AP_INIT_RAW_ARGS("Require", mci_merging_require_cmd, NULL, OR_AUTHCFG,
        "an authorization requirement (mod_authz_core)"),

    { NULL }
};


AP_DECLARE_MODULE(cognito_identity) = {
    STANDARD20_MODULE_STUFF,
    mci_create_dir_conf,            /* create per-directory config */
    mci_merge_dir_conf,             /* merge per-directory config */
    NULL,                           /* create per-server config */
    NULL,                           /* merge per-server config */
    mci_cmds,                       /* directives */
    mci_register_hooks,             /* register hooks */
    AP_MODULE_FLAG_NONE             /* flags */
};


const mci_dir_conf_t *
mci_dir_conf(request_rec *r)
{
    return ap_get_module_config(r->per_dir_config, &cognito_identity_module);
}


static void *
mci_create_dir_conf(apr_pool_t *p, char *dir)
{
    mci_dir_conf_t  *conf;

    conf = apr_pcalloc(p, sizeof(mci_dir_conf_t));

    conf->key_cache = MCI_UNSET;
    conf->key_refresh = MCI_UNSET;
    conf->leeway = MCI_UNSET;
    conf->unauthenticated = MCI_UNSET;
    conf->authorize = MCI_UNSET;
    conf->token_cache = MCI_UNSET;
    conf->token_cache_ttl = MCI_UNSET;
    conf->cors_preflight = MCI_UNSET;
    conf->merging = MCI_UNSET;

    return conf;
}


/*
 * Like Apache's own modules: what a section sets replaces what it
 * inherits.  Lists (pools, keys, roles, policies, prefixes) are replaced
 * as a whole, never appended to.  Runs per request for nested sections, so
 * it only copies pointers.
 */

#define mci_merge_int(f)  c->f = (add->f != MCI_UNSET) ? add->f : base->f

static void *
mci_merge_dir_conf(apr_pool_t *p, void *basev, void *addv)
{
    mci_dir_conf_t  *base = basev;
    mci_dir_conf_t  *add = addv;
    mci_dir_conf_t  *c;

    c = apr_pcalloc(p, sizeof(mci_dir_conf_t));

    if (add->pools_set) {
        c->pools_set = 1;
        c->audiences = add->audiences;
        c->naudiences = add->naudiences;

    } else {
        c->pools_set = base->pools_set;
        c->audiences = base->audiences;
        c->naudiences = base->naudiences;
    }

    if (add->keys_set) {
        c->keys_set = 1;
        c->keysets = add->keysets;
        c->sources = add->sources;

    } else {
        c->keys_set = base->keys_set;
        c->keysets = base->keysets;
        c->sources = base->sources;
    }

    mci_merge_int(key_cache);
    mci_merge_int(key_refresh);
    mci_merge_int(leeway);
    mci_merge_int(unauthenticated);

    c->issuer = add->issuer ? add->issuer : base->issuer;

    if (add->token_set) {
        c->token_set = 1;
        c->token = add->token;

    } else {
        c->token_set = base->token_set;
        c->token = base->token;
    }

    if (add->roles_set) {
        c->roles_set = 1;
        c->roles_files = add->roles_files;
        c->role_authenticated = add->role_authenticated;
        c->role_unauthenticated = add->role_unauthenticated;
        c->roleset = add->roleset;

    } else {
        c->roles_set = base->roles_set;
        c->roles_files = base->roles_files;
        c->role_authenticated = base->role_authenticated;
        c->role_unauthenticated = base->role_unauthenticated;
        c->roleset = base->roleset;
    }

    if (add->policies) {
        c->policies = add->policies;
        c->policyset = add->policyset;

    } else {
        c->policies = base->policies;
        c->policyset = base->policyset;
    }

    if (add->authorize != MCI_UNSET) {
        c->authorize = add->authorize;
        c->authorize_arg = add->authorize_arg;

    } else {
        c->authorize = base->authorize;
        c->authorize_arg = base->authorize_arg;
    }

    c->allow_prefix = add->allow_prefix ? add->allow_prefix
                                        : base->allow_prefix;

    c->logins = add->logins ? add->logins : base->logins;

    if (add->token_cache != MCI_UNSET) {
        c->token_cache = add->token_cache;
        c->token_cache_ttl = add->token_cache_ttl;

    } else {
        c->token_cache = base->token_cache;
        c->token_cache_ttl = base->token_cache_ttl;
    }

    mci_merge_int(cors_preflight);

    /* Require cognito-* lines replace the inherited ones as a whole */

    if (add->require_seen) {
        c->require_seen = 1;
        c->require_policy = add->require_policy;

    } else {
        c->require_seen = base->require_seen;
        c->require_policy = base->require_policy;
    }

    mci_merging_merge(c, base, add);

    return c;
}


/* Core objects, freed with the configuration pool. */

/*
 * Set in every child.  A child's configuration pool is destroyed from an
 * atexit handler (apr_terminate) as the process exits, possibly while
 * threads still finish requests; the configuration's objects are then
 * left to the kernel rather than freed under them.  Only the parent,
 * which rereads the configuration on a restart, frees them.
 */

int  mci_in_child;


static apr_status_t
mci_keyset_cleanup(void *data)
{
    if (!mci_in_child) {
        cig_keyset_free(data);
    }

    return APR_SUCCESS;
}


static apr_status_t
mci_roles_cleanup(void *data)
{
    if (!mci_in_child) {
        cig_roles_free(data);
    }

    return APR_SUCCESS;
}


static apr_status_t
mci_roleset_cleanup(void *data)
{
    if (!mci_in_child) {
        cig_roleset_free(data);
    }

    return APR_SUCCESS;
}


static apr_status_t
mci_policy_cleanup(void *data)
{
    if (!mci_in_child) {
        cig_policy_free(data);
    }

    return APR_SUCCESS;
}


static apr_status_t
mci_policyset_cleanup(void *data)
{
    if (!mci_in_child) {
        cig_policyset_free(data);
    }

    return APR_SUCCESS;
}


/* Files already loaded in this configuration read, by kind and path. */

static apr_hash_t *
mci_files(cmd_parms *cmd)
{
    void  *h;

    apr_pool_userdata_get(&h, "mci_files", cmd->pool);

    if (h == NULL) {
        h = apr_hash_make(cmd->pool);
        apr_pool_userdata_set(h, "mci_files", apr_pool_cleanup_null,
                              cmd->pool);
    }

    return h;
}


/* CognitoIdentityPool <pool-id> ... */

static const char *
mci_raw_argv(cmd_parms *cmd, void *mconfig, const char *args)
{
    char                  *w;
    apr_array_header_t    *a;
    const mci_argv_cmd_t  *c = cmd->info;

    a = apr_array_make(cmd->pool, 8, sizeof(char *));

    for ( ;; ) {
        w = ap_getword_conf(cmd->pool, &args);

        if (*w == '\0' && *args == '\0') {
            break;
        }

        *(char **) apr_array_push(a) = w;
    }

    return c->fn(cmd, mconfig, a->nelts, (char *const *) a->elts);
}


static const char *
mci_pool(cmd_parms *cmd, void *mconfig, int argc, char *const argv[])
{
    mci_dir_conf_t  *conf = mconfig;

    int         i;
    cig_str_t  *aud;

    if (conf->pools_set) {
        return apr_psprintf(cmd->pool, "%s is given twice here; list all "
                            "pools in one directive", cmd->cmd->name);
    }

    if (argc == 0) {
        return apr_psprintf(cmd->pool, "%s needs at least one identity pool "
                            "id", cmd->cmd->name);
    }

    aud = apr_palloc(cmd->pool, argc * sizeof(cig_str_t));

    for (i = 0; i < argc; i++) {
        if (!cig_pool_id_valid(argv[i], strlen(argv[i]))) {
            return apr_psprintf(cmd->pool, "%s: invalid identity pool id "
                                "\"%s\", expected REGION:UUID such as "
                                "\"eu-west-1:0f2c5e3a-1b4d-4c6e-8f90-"
                                "1a2b3c4d5e6f\"", cmd->cmd->name, argv[i]);
        }

        aud[i].data = argv[i];
        aud[i].len = strlen(argv[i]);
    }

    cig_strs_sort(aud, argc);

    for (i = 1; i < argc; i++) {
        if (aud[i].len == aud[i - 1].len
            && memcmp(aud[i].data, aud[i - 1].data, aud[i].len) == 0)
        {
            return apr_psprintf(cmd->pool, "%s: identity pool \"%s\" is "
                                "listed twice", cmd->cmd->name, aud[i].data);
        }
    }

    conf->pools_set = 1;
    conf->audiences = aud;
    conf->naudiences = argc;

    return NULL;
}


cig_keyset_t *
mci_load_keys(cmd_parms *cmd, const char *file, const char **errmsg)
{
    const char    *path, *key;
    cig_err_t      err;
    unsigned       skipped;
    apr_hash_t    *files;
    cig_keyset_t  *ks;

    path = ap_server_root_relative(cmd->pool, file);
    if (path == NULL) {
        *errmsg = apr_psprintf(cmd->pool, "%s: invalid path \"%s\"",
                               cmd->cmd->name, file);
        return NULL;
    }

    files = mci_files(cmd);
    key = apr_pstrcat(cmd->pool, "k:", path, NULL);

    ks = apr_hash_get(files, key, APR_HASH_KEY_STRING);
    if (ks != NULL) {
        return ks;
    }

    ks = cig_keyset_from_file(path, &skipped, &err);
    if (ks == NULL) {
        *errmsg = apr_psprintf(cmd->pool, "%s \"%s\": %s", cmd->cmd->name,
                               path, err.msg);
        return NULL;
    }

    apr_pool_cleanup_register(cmd->pool, ks, mci_keyset_cleanup,
                              apr_pool_cleanup_null);

    if (skipped) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, cmd->server,
                     "%s \"%s\" in %s:%d: %u keys that are "
                     "not RSA signing keys are ignored", cmd->cmd->name,
                     path, cmd->directive->filename,
                     cmd->directive->line_num, skipped);
    }

    apr_hash_set(files, key, APR_HASH_KEY_STRING, ks);

    return ks;
}


/*
 * Keys are replaced as a whole: the first key directive of a section
 * starts the section's own list, of files and URLs together.
 */

static void
mci_keys_start(cmd_parms *cmd, mci_dir_conf_t *conf)
{
    if (!conf->keys_set) {
        conf->keys_set = 1;
        conf->keysets = apr_array_make(cmd->pool, 2, sizeof(cig_keyset_t *));
        conf->sources = apr_array_make(cmd->pool, 1, sizeof(mci_source_t *));
    }
}


/* CognitoIdentityKeyFile <file> */

static const char *
mci_key_file(cmd_parms *cmd, void *mconfig, const char *arg)
{
    mci_dir_conf_t  *conf = mconfig;

    int             i;
    const char     *err;
    cig_keyset_t   *ks, **ksp;

    err = NULL;
    ks = mci_load_keys(cmd, arg, &err);
    if (ks == NULL) {
        return err;
    }

    mci_keys_start(cmd, conf);

    ksp = (cig_keyset_t **) conf->keysets->elts;

    for (i = 0; i < conf->keysets->nelts; i++) {
        if (ksp[i] == ks) {
            return apr_psprintf(cmd->pool, "%s: key file \"%s\" is named "
                                "twice", cmd->cmd->name, arg);
        }
    }

    *(cig_keyset_t **) apr_array_push(conf->keysets) = ks;

    return NULL;
}


/* CognitoIdentityKeyURL <url> */

static const char *
mci_key_url(cmd_parms *cmd, void *mconfig, const char *arg)
{
    mci_dir_conf_t  *conf = mconfig;

    int             i;
    const char     *err;
    mci_source_t   *src, **sp;

    if ((strncasecmp(arg, "http://", 7) != 0
         && strncasecmp(arg, "https://", 8) != 0)
        || strlen(arg) >= MCI_MAX_URL)
    {
        return apr_psprintf(cmd->pool, "%s: \"%s\" is not an http:// or "
                            "https:// URL of less than %d characters",
                            cmd->cmd->name, arg, MCI_MAX_URL);
    }

    err = NULL;
    src = mci_source_get(cmd, arg, &err);
    if (src == NULL) {
        return err;
    }

    mci_keys_start(cmd, conf);

    sp = (mci_source_t **) conf->sources->elts;

    for (i = 0; i < conf->sources->nelts; i++) {
        if (sp[i] == src) {
            return apr_psprintf(cmd->pool, "%s: \"%s\" is named twice",
                                cmd->cmd->name, arg);
        }
    }

    *(mci_source_t **) apr_array_push(conf->sources) = src;

    return NULL;
}


/* A time in seconds ("30", "30s", "5m", "1h", "1d"), min to 1 day. */

const char *
mci_parse_seconds(cmd_parms *cmd, const char *arg, int min, int *out)
{
    long    v, unit;
    char   *end;

    errno = 0;
    v = (arg[0] >= '0' && arg[0] <= '9') ? strtol(arg, &end, 10) : -1;

    unit = 0;

    if (v >= 0 && errno == 0) {
        if (*end == '\0' || strcmp(end, "s") == 0) {
            unit = 1;

        } else if (strcmp(end, "m") == 0) {
            unit = 60;

        } else if (strcmp(end, "h") == 0) {
            unit = 3600;

        } else if (strcmp(end, "d") == 0) {
            unit = 86400;
        }
    }

    if (unit == 0 || v > 86400 / unit) {
        return "expected seconds (\"10\", \"10s\", \"5m\", \"1h\") up "
               "to a day";
    }

    v *= unit;

    if (v < min) {
        return apr_psprintf(cmd->pool, "must be at least %ds", min);
    }

    *out = (int) v;

    return NULL;
}


static const char *
mci_seconds(cmd_parms *cmd, void *mconfig, const char *arg)
{
    int         *field;
    const char  *err;

    field = (int *) ((char *) mconfig + (size_t) cmd->info);

    if (*field != MCI_UNSET) {
        return apr_psprintf(cmd->pool, "%s is given twice here",
                            cmd->cmd->name);
    }

    err = mci_parse_seconds(cmd, arg,
                            field == &((mci_dir_conf_t *) mconfig)->leeway
                            ? 0 : 1, field);
    if (err != NULL) {
        return apr_psprintf(cmd->pool, "%s: invalid time \"%s\", %s",
                            cmd->cmd->name, arg, err);
    }

    return NULL;
}


/* CognitoIdentityIssuer <url> */

static const char *
mci_issuer(cmd_parms *cmd, void *mconfig, const char *arg)
{
    mci_dir_conf_t  *conf = mconfig;

    if (conf->issuer) {
        return apr_psprintf(cmd->pool, "%s is given twice here",
                            cmd->cmd->name);
    }

    if (arg[0] == '\0' || strlen(arg) > 512) {
        return apr_psprintf(cmd->pool, "%s needs an issuer of 1 to 512 "
                            "characters", cmd->cmd->name);
    }

    conf->issuer = arg;

    return NULL;
}


static const char *
mci_cors_preflight(cmd_parms *cmd, void *mconfig, int flag)
{
    mci_dir_conf_t  *conf = mconfig;

    conf->cors_preflight = flag;

    return NULL;
}


static const char *
mci_unauthenticated(cmd_parms *cmd, void *mconfig, int flag)
{
    mci_dir_conf_t  *conf = mconfig;

    conf->unauthenticated = flag;

    return NULL;
}


/* CognitoIdentityToken <expression>, e.g. "%{HTTP:X-Token}" */

static const char *
mci_token(cmd_parms *cmd, void *mconfig, const char *arg)
{
    mci_dir_conf_t  *conf = mconfig;

    const char  *err;

    if (conf->token_set) {
        return apr_psprintf(cmd->pool, "%s is given twice here",
                            cmd->cmd->name);
    }

    conf->token_set = 1;

    if (strcasecmp(arg, "Authorization") == 0) {
        conf->token = NULL;
        return NULL;
    }

    err = NULL;
    conf->token = ap_expr_parse_cmd(cmd, arg, AP_EXPR_FLAG_STRING_RESULT,
                                    &err, NULL);
    if (err != NULL) {
        return apr_psprintf(cmd->pool, "%s: cannot parse expression "
                            "\"%s\": %s", cmd->cmd->name, arg, err);
    }

    return NULL;
}


/*
 * Roles are built per section, at each role directive, so that an error
 * (two attachments for one pool) names the line that caused it.
 */

static const char *
mci_build_roleset(cmd_parms *cmd, mci_dir_conf_t *conf)
{
    cig_err_t     err;
    cig_roles_t  *defaults;

    defaults = NULL;

    if (conf->role_authenticated || conf->role_unauthenticated) {
        defaults = cig_roles_defaults(conf->role_authenticated,
                                      conf->role_unauthenticated, &err);
        if (defaults == NULL) {
            return apr_psprintf(cmd->pool, "%s: %s", cmd->cmd->name,
                                err.msg);
        }

        apr_pool_cleanup_register(cmd->pool, defaults, mci_roles_cleanup,
                                  apr_pool_cleanup_null);
    }

    conf->roleset = cig_roleset_create(
                        conf->roles_files
                        ? (cig_roles_t *const *) conf->roles_files->elts
                        : NULL,
                        conf->roles_files ? conf->roles_files->nelts : 0,
                        defaults, &err);
    if (conf->roleset == NULL) {
        return apr_psprintf(cmd->pool, "%s: %s", cmd->cmd->name, err.msg);
    }

    apr_pool_cleanup_register(cmd->pool, conf->roleset, mci_roleset_cleanup,
                              apr_pool_cleanup_null);

    conf->roles_set = 1;

    return NULL;
}


/* CognitoIdentityRoles <file> */

static const char *
mci_roles(cmd_parms *cmd, void *mconfig, const char *arg)
{
    mci_dir_conf_t  *conf = mconfig;

    int            i;
    const char    *path, *key;
    cig_err_t      err;
    apr_hash_t    *files;
    cig_roles_t   *roles, **rp;

    path = ap_server_root_relative(cmd->pool, arg);
    if (path == NULL) {
        return apr_psprintf(cmd->pool, "%s: invalid path \"%s\"",
                            cmd->cmd->name, arg);
    }

    files = mci_files(cmd);
    key = apr_pstrcat(cmd->pool, "r:", path, NULL);
    roles = apr_hash_get(files, key, APR_HASH_KEY_STRING);

    if (roles == NULL) {
        roles = cig_roles_from_file(path, &err);
        if (roles == NULL) {
            return apr_psprintf(cmd->pool, "%s \"%s\": %s", cmd->cmd->name,
                                path, err.msg);
        }

        apr_pool_cleanup_register(cmd->pool, roles, mci_roles_cleanup,
                                  apr_pool_cleanup_null);
        apr_hash_set(files, key, APR_HASH_KEY_STRING, roles);
    }

    if (conf->roles_files == NULL) {
        conf->roles_files = apr_array_make(cmd->pool, 2,
                                           sizeof(cig_roles_t *));
    }

    rp = (cig_roles_t **) conf->roles_files->elts;

    for (i = 0; i < conf->roles_files->nelts; i++) {
        if (rp[i] == roles) {
            return apr_psprintf(cmd->pool, "%s: roles file \"%s\" is named "
                                "twice", cmd->cmd->name, path);
        }
    }

    *(cig_roles_t **) apr_array_push(conf->roles_files) = roles;

    return mci_build_roleset(cmd, conf);
}


/* CognitoIdentityRole authenticated|unauthenticated <role-arn> */

static const char *
mci_role(cmd_parms *cmd, void *mconfig, const char *kind, const char *arn)
{
    mci_dir_conf_t  *conf = mconfig;

    const char  **slot;

    if (strcmp(kind, "authenticated") == 0) {
        slot = &conf->role_authenticated;

    } else if (strcmp(kind, "unauthenticated") == 0) {
        slot = &conf->role_unauthenticated;

    } else {
        return apr_psprintf(cmd->pool, "%s: invalid role kind \"%s\", "
                            "expected \"authenticated\" or "
                            "\"unauthenticated\"", cmd->cmd->name, kind);
    }

    if (*slot != NULL) {
        return apr_psprintf(cmd->pool, "%s %s is given twice here",
                            cmd->cmd->name, kind);
    }

    if (!cig_role_arn_valid(arn, strlen(arn))) {
        return apr_psprintf(cmd->pool, "%s: \"%s\" is not an IAM role ARN "
                            "(arn:aws:iam::ACCOUNT:role/NAME)",
                            cmd->cmd->name, arn);
    }

    *slot = arn;

    return mci_build_roleset(cmd, conf);
}


typedef struct {
    cmd_parms   *cmd;
    const char  *path;
} mci_warn_ctx_t;


static void
mci_policy_warn(void *data, const char *msg)
{
    mci_warn_ctx_t  *w = data;

    ap_log_error(APLOG_MARK, APLOG_WARNING, 0, w->cmd->server,
                 "%s \"%s\" in %s:%d: %s", w->cmd->cmd->name,
                 w->path, w->cmd->directive->filename,
                 w->cmd->directive->line_num, msg);
}


/* CognitoIdentityPolicy <role-arn> <policy.json>; several per role */

static const char *
mci_policy(cmd_parms *cmd, void *mconfig, const char *arn, const char *file)
{
    mci_dir_conf_t  *conf = mconfig;

    int                 i;
    const char         *path, *key;
    cig_err_t           err;
    apr_hash_t         *files;
    cig_policy_t       *policy;
    mci_warn_ctx_t      warn;
    cig_role_policy_t  *rp;

    if (!cig_role_arn_valid(arn, strlen(arn))) {
        return apr_psprintf(cmd->pool, "%s: \"%s\" is not an IAM role ARN "
                            "(arn:aws:iam::ACCOUNT:role/NAME)",
                            cmd->cmd->name, arn);
    }

    path = ap_server_root_relative(cmd->pool, file);
    if (path == NULL) {
        return apr_psprintf(cmd->pool, "%s: invalid path \"%s\"",
                            cmd->cmd->name, file);
    }

    files = mci_files(cmd);
    key = apr_pstrcat(cmd->pool, "p:", path, NULL);
    policy = apr_hash_get(files, key, APR_HASH_KEY_STRING);

    if (policy == NULL) {
        warn.cmd = cmd;
        warn.path = path;

        policy = cig_policy_from_file(path, mci_policy_warn, &warn, &err);
        if (policy == NULL) {
            return apr_psprintf(cmd->pool, "%s \"%s\": %s", cmd->cmd->name,
                                path, err.msg);
        }

        apr_pool_cleanup_register(cmd->pool, policy, mci_policy_cleanup,
                                  apr_pool_cleanup_null);
        apr_hash_set(files, key, APR_HASH_KEY_STRING, policy);
    }

    if (conf->policies == NULL) {
        conf->policies = apr_array_make(cmd->pool, 4,
                                        sizeof(cig_role_policy_t));
    }

    rp = (cig_role_policy_t *) conf->policies->elts;

    for (i = 0; i < conf->policies->nelts; i++) {
        if (rp[i].policy == policy && rp[i].role.len == strlen(arn)
            && memcmp(rp[i].role.data, arn, rp[i].role.len) == 0)
        {
            return apr_psprintf(cmd->pool, "%s: policy \"%s\" is attached "
                                "to \"%s\" twice", cmd->cmd->name, path, arn);
        }
    }

    rp = apr_array_push(conf->policies);
    rp->role.data = arn;
    rp->role.len = strlen(arn);
    rp->policy = policy;

    conf->policyset = cig_policyset_create(
                          (cig_role_policy_t *) conf->policies->elts,
                          conf->policies->nelts, &err);
    if (conf->policyset == NULL) {
        return apr_psprintf(cmd->pool, "%s: %s", cmd->cmd->name, err.msg);
    }

    apr_pool_cleanup_register(cmd->pool, conf->policyset,
                              mci_policyset_cleanup, apr_pool_cleanup_null);

    return NULL;
}


/* CognitoIdentityAuthorize s3 [bucket=<name>] | execute-api <arn> | off */

static const char *
mci_authorize(cmd_parms *cmd, void *mconfig, const char *mode,
    const char *arg)
{
    mci_dir_conf_t  *conf = mconfig;

    size_t       i, len;
    cig_err_t    err;
    cig_str_t    arn;
    const char  *b;

    if (conf->authorize != MCI_UNSET) {
        return apr_psprintf(cmd->pool, "%s is given twice here",
                            cmd->cmd->name);
    }

    if (strcmp(mode, "off") == 0 && arg == NULL) {
        conf->authorize = MCI_AUTHZ_OFF;
        return NULL;
    }

    if (strcmp(mode, "s3") == 0) {
        if (arg != NULL) {
            len = strlen(arg);

            if (strncmp(arg, "bucket=", 7) != 0 || len < 7 + 3
                || len > 7 + 63)
            {
                goto invalid;
            }

            b = arg + 7;

            for (i = 0; i < len - 7; i++) {
                if (!((b[i] >= 'a' && b[i] <= 'z')
                      || (b[i] >= '0' && b[i] <= '9')
                      || b[i] == '.' || b[i] == '-'))
                {
                    return apr_psprintf(cmd->pool, "%s: invalid bucket name "
                                        "in \"%s\": lower-case letters, "
                                        "digits, '.' and '-' only",
                                        cmd->cmd->name, arg);
                }
            }

            conf->authorize_arg.data = b;
            conf->authorize_arg.len = len - 7;
        }

        conf->authorize = MCI_AUTHZ_S3;
        return NULL;
    }

    if (strcmp(mode, "execute-api") == 0 && arg != NULL) {
        len = strlen(arg);
        arn.data = arg;
        arn.len = len;

        if (cig_execute_api_prefix_check(arn, &err) != CIG_OK) {
            return apr_psprintf(cmd->pool, "%s: \"%s\" is not an API Gateway "
                                "ARN prefix such as "
                                "arn:aws:execute-api:REGION:ACCOUNT:API/STAGE: "
                                "%s", cmd->cmd->name, arg, err.msg);
        }

        conf->authorize = MCI_AUTHZ_EXECUTE_API;
        conf->authorize_arg.data = arg;
        conf->authorize_arg.len = len;
        return NULL;
    }

invalid:

    return apr_psprintf(cmd->pool, "%s: invalid value, expected \"s3 "
                        "[bucket=NAME]\", \"execute-api ARN_PREFIX\" or "
                        "\"off\"", cmd->cmd->name);
}


/* CognitoIdentityAllowPrefix <pattern> ... */

static const char *
mci_allow_prefix(cmd_parms *cmd, void *mconfig, int argc,
    char *const argv[])
{
    mci_dir_conf_t  *conf = mconfig;

    int               i;
    cig_err_t         err;
    cig_str_t         unknown;
    cig_template_t  **tp;
    cig_allocator_t   a;

    if (conf->allow_prefix != NULL) {
        return apr_psprintf(cmd->pool, "%s is given twice here; list all "
                            "prefixes in one directive", cmd->cmd->name);
    }

    if (argc == 0) {
        return apr_psprintf(cmd->pool, "%s needs at least one prefix",
                            cmd->cmd->name);
    }

    conf->allow_prefix = apr_array_make(cmd->pool, argc,
                                        sizeof(cig_template_t *));

    a.alloc = mci_alloc;
    a.ctx = cmd->pool;

    for (i = 0; i < argc; i++) {
        if (argv[i][0] != '/') {
            return apr_psprintf(cmd->pool, "%s: prefix \"%s\" does not start "
                                "with \"/\"", cmd->cmd->name, argv[i]);
        }

        tp = apr_array_push(conf->allow_prefix);

        *tp = cig_template_compile(argv[i], strlen(argv[i]), 0, &a, &err);
        if (*tp == NULL) {
            return apr_psprintf(cmd->pool, "%s: prefix %s", cmd->cmd->name,
                                err.msg);
        }

        if (cig_template_unknown_var(*tp, &unknown)) {
            return apr_psprintf(cmd->pool, "%s: prefix \"%s\": variable "
                                "\"${%.*s}\" has no value for a prefix; use "
                                "the identity's variables such as "
                                "${cognito-identity.amazonaws.com:sub}",
                                cmd->cmd->name, argv[i], (int) unknown.len,
                                unknown.data);
        }
    }

    return NULL;
}


/*
 * After the whole configuration is read: the public development key must
 * never verify tokens of AWS's issuer, wherever a section ends up with
 * both (the server's own settings, then each <Directory> and <Location>
 * merged onto them).
 */

static int
mci_dev_key_check(apr_pool_t *p, server_rec *s, const mci_dir_conf_t *c,
    const char *where)
{
    int                   i;
    const char           *issuer;
    cig_keyset_t *const  *ks;

    if (c->keysets == NULL) {
        return OK;
    }

    issuer = c->issuer ? c->issuer : CIG_AWS_ISSUER;

    if (strcmp(issuer, CIG_AWS_ISSUER) != 0) {
        return OK;
    }

    ks = (cig_keyset_t *const *) c->keysets->elts;

    for (i = 0; i < c->keysets->nelts; i++) {
        if (cig_keyset_is_development(ks[i])) {
            ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s,
                         "CognitoIdentityKeyFile in %s holds the public "
                         "development key of examples/dev, which must never "
                         "verify tokens of issuer \"" CIG_AWS_ISSUER "\"; "
                         "set CognitoIdentityIssuer to the development "
                         "issuer", where);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    return OK;
}


/*
 * "AuthType CognitoIdentity" where no pool or no key can ever apply would
 * answer every request with 500: refused at "apachectl -t", naming the
 * line.  A pool (or key) set in the server, the virtual host or any of its
 * sections might apply (sections merge by path at request time), so only
 * a server without any is refused: no false alarms.  .htaccess files are
 * read per request; there the check stays a 500 with the reason logged.
 */

#define MCI_HAS_POOL  0
#define MCI_HAS_KEYS  1

static int mci_vector_sets(ap_conf_vector_t *v, int what);


/* whether a section of these lists (core's sec_* arrays) sets it */

static int
mci_sections_set(apr_array_header_t *const *secs, int n, int what)
{
    int                 i, j;
    ap_conf_vector_t  **v;

    for (j = 0; j < n; j++) {
        if (secs[j] == NULL) {
            continue;
        }

        v = (ap_conf_vector_t **) secs[j]->elts;

        for (i = 0; i < secs[j]->nelts; i++) {
            if (mci_vector_sets(v[i], what)) {
                return 1;
            }
        }
    }

    return 0;
}


static int
mci_vector_sets(ap_conf_vector_t *v, int what)
{
    mci_dir_conf_t       *c;
    core_dir_config      *d;
    apr_array_header_t   *nested[2];

    c = ap_get_module_config(v, &cognito_identity_module);

    if (c != NULL && (what == MCI_HAS_POOL ? c->pools_set : c->keys_set)) {
        return 1;
    }

    d = ap_get_core_module_config(v);
    if (d == NULL) {
        return 0;
    }

    nested[0] = d->sec_file;
    nested[1] = d->sec_if;

    return mci_sections_set(nested, 2, what);
}


static int
mci_server_sets(server_rec *vs, int what)
{
    core_server_config   *sconf;
    apr_array_header_t   *secs[2];

    if (mci_vector_sets(vs->lookup_defaults, what)) {
        return 1;
    }

    sconf = ap_get_core_module_config(vs->module_config);
    secs[0] = sconf->sec_dir;
    secs[1] = sconf->sec_url;

    return mci_sections_set(secs, 2, what);
}


/*
 * Whether what AuthType on a line of vs needs can be set: in vs, in the
 * main server (whose settings and sections reach every virtual host), or,
 * for a line of the main server, in any virtual host (its sections apply
 * to all of them).
 */

static int
mci_may_apply(server_rec *s, server_rec *vs, int what)
{
    server_rec  *v;

    if (mci_server_sets(vs, what) || mci_server_sets(s, what)) {
        return 1;
    }

    if (vs == s) {
        for (v = s->next; v != NULL; v = v->next) {
            if (mci_server_sets(v, what)) {
                return 1;
            }
        }
    }

    return 0;
}


static int
mci_check_auth_types(apr_pool_t *ptemp, server_rec *s, ap_directive_t *d,
    server_rec *vs)
{
    const char  *args, *w;
    server_rec  *v;

    for ( /* void */ ; d != NULL; d = d->next) {

        if (strcasecmp(d->directive, "<VirtualHost") == 0) {
            for (v = s->next; v != NULL; v = v->next) {
                if (v->defn_name != NULL && d->filename != NULL
                    && strcmp(v->defn_name, d->filename) == 0
                    && v->defn_line_number == (unsigned) d->line_num)
                {
                    break;
                }
            }

            if (d->first_child != NULL
                && mci_check_auth_types(ptemp, s, d->first_child,
                                        v ? v : vs)
                   != OK)
            {
                return HTTP_INTERNAL_SERVER_ERROR;
            }

            continue;
        }

        if (strcasecmp(d->directive, "AuthType") == 0 && d->args != NULL) {
            args = d->args;
            w = ap_getword_conf(ptemp, &args);

            if (strcasecmp(w, MCI_AUTH_TYPE) == 0) {
                if (!mci_may_apply(s, vs, MCI_HAS_POOL)) {
                    ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s,
                                 "AuthType CognitoIdentity on line %d of "
                                 "%s: no CognitoIdentityPool is set in this "
                                 "server, virtual host or any of their "
                                 "sections, so every request would get 500",
                                 d->line_num, d->filename);
                    return HTTP_INTERNAL_SERVER_ERROR;
                }

                if (!mci_may_apply(s, vs, MCI_HAS_KEYS)) {
                    ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s,
                                 "AuthType CognitoIdentity on line %d of "
                                 "%s: no CognitoIdentityKeyFile or "
                                 "CognitoIdentityKeyURL is set in this "
                                 "server, virtual host or any of their "
                                 "sections, so every request would get 500",
                                 d->line_num, d->filename);
                    return HTTP_INTERNAL_SERVER_ERROR;
                }
            }
        }

        if (d->first_child != NULL
            && mci_check_auth_types(ptemp, s, d->first_child, vs) != OK)
        {
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    return OK;
}


static int
mci_check_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
    server_rec *s)
{
    int                  i, j;
    server_rec          *vs;
    core_server_config  *sconf;
    apr_array_header_t  *secs[2];
    ap_conf_vector_t   **v;
    mci_dir_conf_t      *base, *sec, *merged;

    if (mci_check_auth_types(ptemp, s, ap_conftree, s) != OK) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    for (vs = s; vs != NULL; vs = vs->next) {
        base = ap_get_module_config(vs->lookup_defaults,
                                    &cognito_identity_module);

        if (mci_dev_key_check(ptemp, vs, base,
                              apr_psprintf(ptemp, "the server %s",
                                           vs->server_hostname
                                           ? vs->server_hostname : ""))
            != OK)
        {
            return HTTP_INTERNAL_SERVER_ERROR;
        }

        sconf = ap_get_core_module_config(vs->module_config);
        secs[0] = sconf->sec_dir;
        secs[1] = sconf->sec_url;

        for (j = 0; j < 2; j++) {
            if (secs[j] == NULL) {
                continue;
            }

            v = (ap_conf_vector_t **) secs[j]->elts;

            for (i = 0; i < secs[j]->nelts; i++) {
                sec = ap_get_module_config(v[i], &cognito_identity_module);
                if (sec == NULL) {
                    continue;
                }

                merged = mci_merge_dir_conf(ptemp, base, sec);

                if (mci_dev_key_check(ptemp, vs, merged,
                                      j ? "a <Location> section"
                                        : "a <Directory> section")
                    != OK)
                {
                    return HTTP_INTERNAL_SERVER_ERROR;
                }
            }
        }
    }

    return OK;
}


static int
mci_pre_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp)
{
    if (mci_cache_pre_config(pconf) != APR_SUCCESS) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    return OK;
}


static int
mci_post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
    server_rec *s)
{
    if (mci_keys_post_config(pconf, s) != APR_SUCCESS
        || mci_cache_post_config(pconf, ptemp, s) != APR_SUCCESS)
    {
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    return OK;
}


static void
mci_child_init(apr_pool_t *pchild, server_rec *s)
{
    mci_in_child = 1;
    mci_keys_child_init(pchild, s);
    mci_cache_child_init(pchild, s);
}


static void
mci_register_hooks(apr_pool_t *p)
{
    /*
     * Keys are OpenSSL objects freed by pool cleanups, and httpd destroys
     * its pools from an atexit handler (apr_terminate).  OpenSSL's own
     * atexit cleanup, registered later, would run first and leave those
     * frees to a torn-down library: a child could crash on its way out.
     * As mod_ssl does, OpenSSL is told not to clean up at exit.  This must
     * come before our first use of OpenSSL (reading key files).
     */

    OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, NULL);

    ap_hook_pre_config(mci_pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_check_config(mci_check_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(mci_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(mci_child_init, NULL, NULL, APR_HOOK_MIDDLE);

    ap_hook_header_parser(mci_header_parser, NULL, NULL, APR_HOOK_FIRST);
    ap_hook_header_parser(mci_env_header_parser, NULL, NULL,
                          APR_HOOK_REALLY_LAST);
    ap_hook_post_perdir_config(mci_subreq_post_perdir_config, NULL, NULL,
                               APR_HOOK_MIDDLE);
    ap_hook_force_authn(mci_merging_force_authn, NULL, NULL,
                        APR_HOOK_MIDDLE);

    ap_hook_check_authn(mci_check_user_id, NULL, NULL, APR_HOOK_MIDDLE,
                        AP_AUTH_INTERNAL_PER_CONF);
    ap_hook_note_auth_failure(mci_note_auth_failure, NULL, NULL,
                              APR_HOOK_MIDDLE);
    ap_hook_fixups(mci_fixups, NULL, NULL, APR_HOOK_REALLY_FIRST);
    /* after mod_proxy (and mod_rewrite) made r->filename "proxy:URL" */
    ap_hook_fixups(mci_forward_fixup, NULL, NULL, APR_HOOK_REALLY_LAST);
    ap_hook_insert_error_filter(mci_insert_error_filter, NULL, NULL,
                                APR_HOOK_MIDDLE);

    ap_register_output_filter("COGNITO_IDENTITY_DENY", mci_deny_filter,
                              NULL, AP_FTYPE_CONTENT_SET);

    mci_register_authz(p);
    mci_body_register(p);
    mci_status_register_hooks(p);
}
