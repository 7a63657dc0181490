/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Counters of what the check decided and why, and of key fetches, in an
 * anonymous shared memory segment that every child inherits, reported by
 * "SetHandler cognito-identity-status" in JSON or in Prometheus's text
 * format, like the nginx module's cognito_identity_status, with the keys in
 * use by key URL (from the key segment) and the build.
 *
 * The segment is made once per server run, in the parent, from the process
 * pool, and found again through ap_retained_data on a restart: the counters
 * go on counting through graceful and plain restarts.  A request is counted
 * once, at log_transaction, from the state the check left (mci_req_t).
 * Counting is an atomic add; nothing is locked.
 */

#include "mod_cognito_identity.h"

#include "ap_mpm.h"
#include "apr_shm.h"


#define MCI_STATUS_KEY  "mod_cognito_identity_status"


/* the core's reasons, and one of Apache's own after them */

#define MCI_R_REQUIRE  CIG_REASON_N     /* a Require line refused */
#define MCI_R_N        (CIG_REASON_N + 1)

static const char *
mci_reason_name(int reason)
{
    return reason == MCI_R_REQUIRE ? "require" : cig_reason_names[reason];
}


/* after the reasons: token cache, then the MCI_STAT_* counters */
#define MCI_C_CACHE_HIT   MCI_R_N
#define MCI_C_CACHE_MISS  (MCI_R_N + 1)
#define MCI_C_OTHER       (MCI_R_N + 2)
#define MCI_C_N           (MCI_C_OTHER + 4)




typedef struct {
    apr_uint64_t             start;
    apr_uint64_t             c[MCI_C_N];
} mci_status_sh_t;

static mci_status_sh_t  *mci_status_sh;   /* inherited by the children */


void
mci_status_count(int counter)
{
    if (mci_status_sh != NULL && counter >= 0 && counter < 4) {
        __atomic_fetch_add(&mci_status_sh->c[MCI_C_OTHER + counter], 1,
                           __ATOMIC_RELAXED);
    }
}


static int
mci_status_post_config(apr_pool_t *pconf, apr_pool_t *plog,
    apr_pool_t *ptemp, server_rec *s)
{
    apr_shm_t         **retained;
    apr_status_t        rv;
    mci_status_sh_t    *sh;

    retained = ap_retained_data_get(MCI_STATUS_KEY);

    if (retained == NULL) {
        retained = ap_retained_data_create(MCI_STATUS_KEY,
                                           sizeof(apr_shm_t *));
    }

    if (*retained == NULL) {
        rv = apr_shm_create(retained, sizeof(mci_status_sh_t), NULL,
                            s->process->pool);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_EMERG, rv, s, "cognito identity: "
                         "cannot create the status segment");
            *retained = NULL;
            return HTTP_INTERNAL_SERVER_ERROR;
        }

        sh = apr_shm_baseaddr_get(*retained);
        memset(sh, 0, sizeof(mci_status_sh_t));
        sh->start = (apr_uint64_t) apr_time_sec(apr_time_now());
    }

    mci_status_sh = apr_shm_baseaddr_get(*retained);

    return OK;
}


/* why the check ended as it did; MCI_R_N when it did not run */

static int
mci_status_policy_reason(const mci_req_t *st)
{
    if (st->deny_status == HTTP_BAD_REQUEST) {
        return CIG_REASON_BAD_REQUEST;
    }

    if (!st->decided) {
        return CIG_REASON_PREFIX;
    }

    return st->verdict.decision == CIG_DENY_EXPLICIT
           ? CIG_REASON_EXPLICIT_DENY : CIG_REASON_POLICY;
}


static int
mci_status_reason(request_rec *r, const mci_req_t *st, int final)
{
    const char  *e;

    if (st == NULL) {
        return apr_table_get(r->notes, MCI_NOTE_PREFLIGHT) != NULL
               ? CIG_REASON_PREFLIGHT : MCI_R_N;
    }

    e = st->error ? st->error : "";

    switch (st->status) {

    case 0:
        break;

    case HTTP_UNAUTHORIZED:
        return cig_reason_unauthorized(e, strlen(e));

    case HTTP_FORBIDDEN:
        if (strncmp(e, "unauthenticated identities",
                    sizeof("unauthenticated identities") - 1) == 0)
        {
            return CIG_REASON_GUEST;
        }

        /* the policy, decided in the authentication step */

        return st->deny_status ? mci_status_policy_reason(st) : CIG_REASON_ROLE;

    case HTTP_BAD_REQUEST:
        return CIG_REASON_BAD_REQUEST;

    case HTTP_SERVICE_UNAVAILABLE:
        return CIG_REASON_NO_KEYS;

    default:
        return CIG_REASON_INTERNAL;
    }

    /* the authn hook let it through; Require cognito-policy may not have */

    if (st->deny_status) {
        return mci_status_policy_reason(st);
    }

    if (!st->verified) {
        return MCI_R_N;
    }

    /* the token verified, and a Require line (cognito-role, ip, ...) refused */

    return (final == HTTP_UNAUTHORIZED || final == HTTP_FORBIDDEN)
           ? MCI_R_REQUIRE : CIG_REASON_OK;
}


/*
 * Counted, and COGNITO_IDENTITY_RESULT ("allow" or "deny") and
 * COGNITO_IDENTITY_REASON set for LogFormat's %{...}e, before mod_log_config
 * writes the line.
 */

static int
mci_status_log(request_rec *r)
{
    int           reason;
    mci_req_t    *st;
    const char   *cache;
    request_rec  *last;

    if (r->main != NULL) {
        return DECLINED;
    }

    st = mci_req_find(r);

    /* after an internal redirect, the state may be the last request's */

    for (last = r; last->next != NULL; last = last->next) {
        if (st == NULL) {
            st = ap_get_module_config(last->next->request_config,
                                      &cognito_identity_module);
        }
    }

    reason = mci_status_reason(last, st, last->status);
    if (reason == MCI_R_N && last != r) {
        reason = mci_status_reason(r, st, last->status);
    }

    if (reason == MCI_R_N) {
        return DECLINED;
    }

    if (mci_status_sh != NULL) {
        __atomic_fetch_add(&mci_status_sh->c[reason], 1, __ATOMIC_RELAXED);

        /* the token cache's answer, as CognitoIdentityTokenCache set it */

        cache = apr_table_get(r->subprocess_env,
                              "COGNITO_IDENTITY_TOKEN_CACHE");
        if (cache == NULL && last != r) {
            cache = apr_table_get(last->subprocess_env,
                                  "COGNITO_IDENTITY_TOKEN_CACHE");
        }

        if (cache != NULL) {
            __atomic_fetch_add(&mci_status_sh->c[strcmp(cache, "hit") == 0
                                                 ? MCI_C_CACHE_HIT
                                                 : MCI_C_CACHE_MISS],
                               1, __ATOMIC_RELAXED);
        }
    }

    apr_table_setn(r->subprocess_env, "COGNITO_IDENTITY_RESULT",
                   reason < CIG_REASON_ALLOWED ? "allow" : "deny");
    apr_table_setn(r->subprocess_env, "COGNITO_IDENTITY_REASON",
                   mci_reason_name(reason));

    if (last != r) {
        apr_table_setn(last->subprocess_env, "COGNITO_IDENTITY_RESULT",
                       reason < CIG_REASON_ALLOWED ? "allow" : "deny");
        apr_table_setn(last->subprocess_env, "COGNITO_IDENTITY_REASON",
                       mci_reason_name(reason));
    }

    return DECLINED;
}


static apr_uint64_t
mci_get(int i)
{
    return __atomic_load_n(&mci_status_sh->c[i], __ATOMIC_RELAXED);
}


/*
 * A label value or JSON string from the configuration (a key URL) or the
 * library: backslash and quote escaped, which both formats read the same
 * way, and a control character replaced.
 */

static void
mci_status_quoted(request_rec *r, const char *s)
{
    for ( /* void */ ; *s; s++) {
        if (*s == '"' || *s == '\\') {
            ap_rputc('\\', r);
            ap_rputc(*s, r);

        } else if ((unsigned char) *s < 0x20 || *s == 0x7f) {
            ap_rputc('?', r);

        } else {
            ap_rputc(*s, r);
        }
    }
}


static void
mci_status_json(request_rec *r)
{
    int                i, n;
    mci_key_status_t  *k;

    ap_rprintf(r, "{\"since\":%" APR_UINT64_T_FMT ",\"requests\":"
               "{\"allow\":{", mci_status_sh->start);

    for (i = 0; i < MCI_R_N; i++) {
        ap_rprintf(r, "%s\"%s\":%" APR_UINT64_T_FMT,
                   i == CIG_REASON_ALLOWED ? "},\"deny\":{" : i ? "," : "",
                   mci_reason_name(i), mci_get(i));
    }

    ap_rprintf(r, "}},\"token_cache\":{\"hits\":%" APR_UINT64_T_FMT
               ",\"misses\":%" APR_UINT64_T_FMT "},"
               "\"key_fetches\":{\"total\":%" APR_UINT64_T_FMT
               ",\"failures\":%" APR_UINT64_T_FMT "},"
               "\"credential_calls\":{\"total\":%" APR_UINT64_T_FMT
               ",\"failures\":%" APR_UINT64_T_FMT "},",
               mci_get(MCI_C_CACHE_HIT), mci_get(MCI_C_CACHE_MISS),
               mci_get(MCI_C_OTHER + MCI_STAT_KEY_FETCH),
               mci_get(MCI_C_OTHER + MCI_STAT_KEY_FETCH_FAIL),
               mci_get(MCI_C_OTHER + MCI_STAT_CRED_CALL),
               mci_get(MCI_C_OTHER + MCI_STAT_CRED_FAIL));

    ap_rputs("\"key_sources\":[", r);

    k = NULL;
    n = mci_keys_status(r, &k);

    for (i = 0; i < n; i++) {
        if (k[i].url == NULL) {
            continue;
        }

        ap_rputs(i ? ",{\"source\":\"" : "{\"source\":\"", r);
        mci_status_quoted(r, k[i].url);
        ap_rprintf(r, "\",\"keys\":%u,\"fetched\":%u,"
                   "\"consecutive_failures\":%u}", k[i].nkeys, k[i].fetched,
                   k[i].fails);
    }

    ap_rprintf(r, "],\"build\":{\"version\":\"%s\",\"openssl\":\"",
               CIG_VERSION);
    mci_status_quoted(r, cig_openssl_version());
    ap_rputs("\",\"server\":\"apache\"}}\n", r);
}


/* one gauge by key URL */

static void
mci_status_keys_gauge(request_rec *r, mci_key_status_t *k, int n,
    const char *name, const char *help, int which)
{
    int           i;
    apr_uint32_t  v, now;

    ap_rprintf(r, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);

    now = (apr_uint32_t) apr_time_sec(apr_time_now());

    for (i = 0; i < n; i++) {
        if (k[i].url == NULL || (which == 2 && k[i].fetched == 0)) {
            continue;
        }

        switch (which) {
        case 0:
            v = k[i].nkeys;
            break;
        case 1:
            v = k[i].fetched;
            break;
        case 2:
            v = now > k[i].fetched ? now - k[i].fetched : 0;
            break;
        default:
            v = k[i].fails;
            break;
        }

        ap_rprintf(r, "%s{source=\"", name);
        mci_status_quoted(r, k[i].url);
        ap_rprintf(r, "\"} %u\n", v);
    }
}


static void
mci_status_prometheus(request_rec *r)
{
    int                i, n;
    mci_key_status_t  *k;

    static const struct {
        const char  *name;
        const char  *help;
        int          counter;
    } metrics[] = {
        { "cognito_identity_token_cache_hits_total",
          "Tokens found in the verified-token cache.", MCI_C_CACHE_HIT },
        { "cognito_identity_token_cache_misses_total",
          "Tokens looked up in the verified-token cache and not found.",
          MCI_C_CACHE_MISS },
        { "cognito_identity_key_fetches_total",
          "Key set fetches started (CognitoIdentityKeyURL).",
          MCI_C_OTHER + MCI_STAT_KEY_FETCH },
        { "cognito_identity_key_fetch_failures_total",
          "Key set fetches that failed.",
          MCI_C_OTHER + MCI_STAT_KEY_FETCH_FAIL },
        { "cognito_identity_credential_calls_total",
          "Calls of the credential proxy to its upstream.",
          MCI_C_OTHER + MCI_STAT_CRED_CALL },
        { "cognito_identity_credential_failures_total",
          "Credential proxy calls whose upstream failed.",
          MCI_C_OTHER + MCI_STAT_CRED_FAIL },
        { NULL, NULL, 0 }
    };

    ap_rputs("# HELP cognito_identity_requests_total Requests checked by "
             "cognito_identity, by decision and reason.\n"
             "# TYPE cognito_identity_requests_total counter\n", r);

    for (i = 0; i < MCI_R_N; i++) {
        ap_rprintf(r, "cognito_identity_requests_total{decision=\"%s\","
                   "reason=\"%s\"} %" APR_UINT64_T_FMT "\n",
                   i < CIG_REASON_ALLOWED ? "allow" : "deny", mci_reason_name(i),
                   mci_get(i));
    }

    for (i = 0; metrics[i].name; i++) {
        ap_rprintf(r, "# HELP %s %s\n# TYPE %s counter\n%s %"
                   APR_UINT64_T_FMT "\n", metrics[i].name, metrics[i].help,
                   metrics[i].name, metrics[i].name,
                   mci_get(metrics[i].counter));
    }

    ap_rprintf(r, "# HELP cognito_identity_start_time_seconds When these "
               "counters started, in seconds since the epoch.\n"
               "# TYPE cognito_identity_start_time_seconds gauge\n"
               "cognito_identity_start_time_seconds %" APR_UINT64_T_FMT
               "\n", mci_status_sh->start);

    /* by key URL: what alerting on stale or missing keys needs */

    k = NULL;
    n = mci_keys_status(r, &k);

    mci_status_keys_gauge(r, k, n, "cognito_identity_keys",
                          "Keys in the key set in use, by key source "
                          "(0: none yet).", 0);
    mci_status_keys_gauge(r, k, n,
                          "cognito_identity_keys_last_success_"
                          "timestamp_seconds",
                          "When the key set in use was fetched, in seconds "
                          "since the epoch (0: never).", 1);
    mci_status_keys_gauge(r, k, n, "cognito_identity_keys_age_seconds",
                          "Seconds since the key set in use was fetched "
                          "(none: never fetched).", 2);
    mci_status_keys_gauge(r, k, n,
                          "cognito_identity_key_fetch_consecutive_failures",
                          "Key set fetches failed since the last good one, "
                          "by key source.", 3);

    ap_rprintf(r, "# HELP cognito_identity_build_info The module's release "
               "and the OpenSSL library it runs with.\n"
               "# TYPE cognito_identity_build_info gauge\n"
               "cognito_identity_build_info{version=\"%s\",openssl=\"",
               CIG_VERSION);
    mci_status_quoted(r, cig_openssl_version());
    ap_rputs("\",server=\"apache\"} 1\n", r);
}


/* ?format=json (the default) or ?format=prometheus; headers are ignored */

static int
mci_status_handler(request_rec *r)
{
    int          prometheus;
    const char  *p, *v;
    size_t       len;

    if (r->handler == NULL
        || strcmp(r->handler, "cognito-identity-status") != 0)
    {
        return DECLINED;
    }

    r->allowed |= (AP_METHOD_BIT << M_GET);

    if (r->method_number != M_GET) {
        return HTTP_METHOD_NOT_ALLOWED;
    }

    if (mci_status_sh == NULL) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    prometheus = 0;

    for (p = r->args; p != NULL && *p; p = strchr(p, '&') ? strchr(p, '&') + 1
                                                          : NULL)
    {
        if (strncmp(p, "format=", 7) != 0) {
            continue;
        }

        v = p + 7;
        len = strcspn(v, "&");

        if (len == 4 && strncmp(v, "json", 4) == 0) {
            prometheus = 0;
        } else if (len == 10 && strncmp(v, "prometheus", 10) == 0) {
            prometheus = 1;
        } else {
            return HTTP_BAD_REQUEST;
        }
    }

    ap_set_content_type(r, prometheus
                           ? "text/plain; version=0.0.4; charset=utf-8"
                           : "application/json");

    if (r->header_only) {
        return OK;
    }

    if (prometheus) {
        mci_status_prometheus(r);
    } else {
        mci_status_json(r);
    }

    return OK;
}


void
mci_status_register_hooks(apr_pool_t *p)
{
    ap_hook_post_config(mci_status_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_log_transaction(mci_status_log, NULL, NULL,
                            APR_HOOK_REALLY_FIRST);
    ap_hook_handler(mci_status_handler, NULL, NULL, APR_HOOK_MIDDLE);
}
