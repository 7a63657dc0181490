/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The verified-token cache (CognitoIdentityTokenCache): tokens whose
 * signature verified are remembered, keyed by the SHA-256 of the whole
 * token, so that a repeated token skips the RSA work.  The semantics are
 * those of nginx's cognito_identity_token_cache: a hit re-checks every
 * claim at the current time against this section's issuer, pools and
 * leeway, and needs the very key that signed the token (same kid, same key
 * fingerprint) to be loaded here; an entry never outlives the token's exp
 * (plus leeway) nor the ttl; only successes are cached; a full cache drops
 * old entries and never fails a request.
 *
 * The store is mod_socache's shmcb provider (as mod_ssl's session cache and
 * mod_authn_socache use it): one shared memory segment per configuration
 * generation, created in post_config and inherited by every child, so
 * threads and processes share it, bounded by CognitoIdentityTokenCacheSize.
 * shmcb is not thread- or process-safe by itself, so each lookup and store
 * holds a global mutex (type "cognito-identity-cache", configurable with
 * httpd's Mutex directive) for the copy in or out only: the RSA work and
 * the claim checks run outside it.  Only shmcb is used, never an external
 * provider (memcache, redis): an entry is trusted without its signature, so
 * the store must be memory only this server can write.
 */

#include "mod_cognito_identity.h"

#include "ap_provider.h"
#include "ap_socache.h"
#include "util_mutex.h"

#include "apr_global_mutex.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>


#define MCI_CACHE_MUTEX     "cognito-identity-cache"
#define MCI_CACHE_DEFAULT   (512 * 1024)
#define MCI_CACHE_MIN       (64 * 1024)
#define MCI_CACHE_MAX       (1024 * 1024 * 1024)
#define MCI_CACHE_VALUE     (32 * 1024)     /* the largest frozen identity */


static const ap_socache_provider_t  *mci_cache_provider;
static ap_socache_instance_t        *mci_cache_instance;
static apr_global_mutex_t           *mci_cache_mutex;
static apr_size_t                    mci_cache_size;
static int                           mci_cache_wanted;
static EVP_MD                       *mci_cache_md;


/* Each configuration read starts afresh (pre_config). */

apr_status_t
mci_cache_pre_config(apr_pool_t *pconf)
{
    mci_cache_provider = NULL;
    mci_cache_instance = NULL;
    mci_cache_mutex = NULL;
    mci_cache_size = 0;
    mci_cache_wanted = 0;

    return ap_mutex_register(pconf, MCI_CACHE_MUTEX, NULL, APR_LOCK_DEFAULT,
                             0);
}


static const char *
mci_cache_need_shmcb(cmd_parms *cmd)
{
    if (mci_cache_provider == NULL) {
        mci_cache_provider = ap_lookup_provider(AP_SOCACHE_PROVIDER_GROUP,
                                                "shmcb",
                                                AP_SOCACHE_PROVIDER_VERSION);
    }

    if (mci_cache_provider == NULL) {
        return apr_psprintf(cmd->pool, "%s needs mod_socache_shmcb: load it "
                            "before this line (LoadModule "
                            "socache_shmcb_module ...; a2enmod "
                            "socache_shmcb)", cmd->cmd->name);
    }

    return NULL;
}


/* CognitoIdentityTokenCache On|Off [ttl=<time>] */

const char *
mci_cache_cmd(cmd_parms *cmd, void *mconfig, int argc, char *const argv[])
{
    mci_dir_conf_t  *conf = mconfig;

    int          i;
    const char  *err;

    if (conf->token_cache != MCI_UNSET) {
        return apr_psprintf(cmd->pool, "%s is given twice here",
                            cmd->cmd->name);
    }

    if (argc == 1 && strcasecmp(argv[0], "off") == 0) {
        conf->token_cache = 0;
        return NULL;
    }

    if (argc == 0 || strcasecmp(argv[0], "on") != 0) {
        return apr_psprintf(cmd->pool, "%s: expected \"On [ttl=TIME]\" or "
                            "\"Off\"", cmd->cmd->name);
    }

    for (i = 1; i < argc; i++) {
        if (strncmp(argv[i], "ttl=", 4) != 0
            || conf->token_cache_ttl != MCI_UNSET)
        {
            return apr_psprintf(cmd->pool, "%s: invalid parameter \"%s\"",
                                cmd->cmd->name, argv[i]);
        }

        err = mci_parse_seconds(cmd, argv[i] + 4, 1,
                                &conf->token_cache_ttl);
        if (err != NULL) {
            return apr_psprintf(cmd->pool, "%s: invalid ttl \"%s\": %s",
                                cmd->cmd->name, argv[i] + 4, err);
        }
    }

    err = mci_cache_need_shmcb(cmd);
    if (err != NULL) {
        return err;
    }

    conf->token_cache = 1;
    mci_cache_wanted = 1;

    return NULL;
}


/* CognitoIdentityTokenCacheSize <bytes>[k|m] */

const char *
mci_cache_size_cmd(cmd_parms *cmd, void *mconfig, const char *arg)
{
    char          *end;
    const char    *err;
    apr_int64_t    v;

    err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    if (err != NULL) {
        return err;
    }

    if (mci_cache_size != 0) {
        return apr_psprintf(cmd->pool, "%s is given twice",
                            cmd->cmd->name);
    }

    v = (arg[0] >= '0' && arg[0] <= '9') ? apr_strtoi64(arg, &end, 10) : -1;

    if (v > MCI_CACHE_MAX) {
        v = -1;                 /* also before a unit: no overflow */
    }

    if (v >= 0) {
        if (strcasecmp(end, "k") == 0) {
            v *= 1024;

        } else if (strcasecmp(end, "m") == 0) {
            v *= 1024 * 1024;

        } else if (*end != '\0') {
            v = -1;
        }
    }

    if (v < MCI_CACHE_MIN || v > MCI_CACHE_MAX) {
        return apr_psprintf(cmd->pool, "%s: invalid size \"%s\", expected "
                            "64k to 1024m", cmd->cmd->name, arg);
    }

    mci_cache_size = (apr_size_t) v;

    return NULL;
}


static apr_status_t
mci_cache_cleanup(void *data)
{
    /* only the parent destroys the segment: a child's threads may use it */

    if (!mci_in_child && mci_cache_instance != NULL
        && mci_cache_provider != NULL)
    {
        mci_cache_provider->destroy(mci_cache_instance, data);
    }

    mci_cache_instance = NULL;

    return APR_SUCCESS;
}


static apr_status_t
mci_cache_md_cleanup(void *data)
{
    EVP_MD_free(mci_cache_md);
    mci_cache_md = NULL;

    return APR_SUCCESS;
}


apr_status_t
mci_cache_post_config(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s)
{
    const char               *err, *arg;
    apr_status_t              rv;
    struct ap_socache_hints   hints;

    if (!mci_cache_wanted || mci_cache_provider == NULL) {
        return APR_SUCCESS;
    }

    rv = ap_global_mutex_create(&mci_cache_mutex, NULL, MCI_CACHE_MUTEX,
                                NULL, s, pconf, 0);
    if (rv != APR_SUCCESS) {
        return rv;
    }

    arg = apr_psprintf(ptemp, "%s(%" APR_SIZE_T_FMT ")",
                       ap_runtime_dir_relative(ptemp,
                                               "cognito-identity-tokens"),
                       mci_cache_size ? mci_cache_size : MCI_CACHE_DEFAULT);

    err = mci_cache_provider->create(&mci_cache_instance, arg, ptemp, pconf);
    if (err != NULL) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s, "cognito identity: "
                     "cannot create the token cache: %s", err);
        return APR_EGENERAL;
    }

    memset(&hints, 0, sizeof(hints));
    hints.avg_id_len = 32;
    hints.avg_obj_size = 1024;
    hints.expiry_interval = 60;

    rv = mci_cache_provider->init(mci_cache_instance, "mci-tokens", &hints,
                                  s, pconf);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, rv, s, "cognito identity: "
                     "cannot initialise the token cache");
        mci_cache_instance = NULL;
        return rv;
    }

    apr_pool_cleanup_register(pconf, s, mci_cache_cleanup,
                              apr_pool_cleanup_null);

    /*
     * SHA-256 fetched once: EVP_sha256() makes every EVP_Digest look the
     * algorithm up in the provider store again, under its lock (about
     * 3,000 instructions of a cache hit).  A fetched EVP_MD is immutable
     * and shared by the threads; without it, the key falls back to
     * EVP_sha256().
     */

    mci_cache_md = EVP_MD_fetch(NULL, "SHA256", NULL);
    if (mci_cache_md != NULL) {
        apr_pool_cleanup_register(pconf, NULL, mci_cache_md_cleanup,
                                  apr_pool_cleanup_null);
    }

    return APR_SUCCESS;
}


void
mci_cache_child_init(apr_pool_t *pchild, server_rec *s)
{
    apr_status_t  rv;

    if (mci_cache_mutex == NULL) {
        return;
    }

    rv = apr_global_mutex_child_init(&mci_cache_mutex,
                                     apr_global_mutex_lockfile(
                                         mci_cache_mutex),
                                     pchild);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, "cognito identity: "
                     "cannot attach to the token cache mutex; the cache is "
                     "off in this process");
        mci_cache_instance = NULL;
    }
}


int
mci_cache_enabled(const mci_dir_conf_t *conf)
{
    return conf->token_cache == 1 && mci_cache_instance != NULL;
}


static int
mci_cache_key(const char *token, size_t len, unsigned char *hash)
{
    unsigned int  n;

    return EVP_Digest(token, len, hash, &n,
                      mci_cache_md != NULL ? mci_cache_md : EVP_sha256(),
                      NULL) == 1
           && n == MCI_CACHE_KEY_LEN;
}


/*
 * 1: a hit, *id filled and every claim re-checked; 0: a miss (hash is then
 * the token's digest, for mci_cache_put); -1: no digest, no caching.  The
 * value is the identity frozen by cig_identity_freeze: a hit parses nothing.
 */

int
mci_cache_get(request_rec *r, const cig_verifier_t *v, const char *token,
    size_t len, unsigned char *hash, cig_identity_t *id)
{
    unsigned int      n;
    unsigned char    *buf;
    apr_status_t      rv;
    cig_err_t         err;
    cig_allocator_t   a;

    if (!mci_cache_key(token, len, hash)) {
        return -1;
    }

    /* pool memory is aligned as the frozen block needs */

    buf = apr_palloc(r->pool, MCI_CACHE_VALUE);
    n = MCI_CACHE_VALUE;

    if (apr_global_mutex_lock(mci_cache_mutex) != APR_SUCCESS) {
        return 0;
    }

    rv = mci_cache_provider->retrieve(mci_cache_instance, r->server, hash,
                                      MCI_CACHE_KEY_LEN, buf, &n, r->pool);

    apr_global_mutex_unlock(mci_cache_mutex);

    if (rv != APR_SUCCESS) {
        return 0;
    }

    a.alloc = mci_alloc;
    a.ctx = r->pool;

    if (cig_token_thaw(v, buf, n, apr_time_sec(r->request_time), &a, id,
                       &err)
        != CIG_OK)
    {
        /* verified afresh by the caller, which answers with the reason */

        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, "cognito identity: "
                      "cached token no longer passes: %s", err.msg);
        memset(id, 0, sizeof(cig_identity_t));
        return 0;
    }

    return 1;
}


void
mci_cache_put(request_rec *r, const mci_dir_conf_t *conf,
    const unsigned char *hash, const cig_identity_t *id)
{
    int             leeway;
    size_t          n;
    double          exp;
    apr_time_t      now, expires;
    unsigned char  *buf;

    n = cig_identity_frozen_size(id);

    if (n == 0 || n > MCI_CACHE_VALUE) {
        return;
    }

    /* never past exp (with leeway), nor past the ttl */

    now = apr_time_now();
    leeway = conf->leeway == MCI_UNSET ? MCI_LEEWAY : conf->leeway;
    exp = id->exp + leeway;

    if (exp < 1 || exp > 4e9) {
        return;
    }

    expires = apr_time_from_sec((apr_time_t) exp);

    if (conf->token_cache_ttl != MCI_UNSET
        && now + apr_time_from_sec(conf->token_cache_ttl) < expires)
    {
        expires = now + apr_time_from_sec(conf->token_cache_ttl);
    }

    if (expires <= now) {
        return;
    }

    buf = apr_palloc(r->pool, n);

    if (cig_identity_freeze(id, buf, n) != n) {
        return;
    }

    if (apr_global_mutex_lock(mci_cache_mutex) != APR_SUCCESS) {
        return;
    }

    /* a full cache drops its oldest entries; a failure only means a miss */

    (void) mci_cache_provider->store(mci_cache_instance, r->server, hash,
                                     MCI_CACHE_KEY_LEN, expires, buf,
                                     (unsigned int) n, r->pool);

    apr_global_mutex_unlock(mci_cache_mutex);
}
