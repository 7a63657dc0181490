/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ngx_http_cognito_identity_status_module: counters of what the access
 * check decided and why, of the token cache, key fetches and credential
 * calls, summed over all workers in a small shared memory zone, and a
 * handler that reports them in JSON or in Prometheus's text format, with
 * what alerting needs beside them: the keys in use by key source (read
 * from the key zone), the token cache zones' entries and evictions, when
 * the store's session token files were written, and the build.  Also
 * the log variables $cognito_identity_result and $cognito_identity_reason.
 *
 * The zone exists only where some location has cognito_identity_status;
 * without it every hook returns at once.  Counters are plain atomic adds,
 * without a lock.  The zone keeps its name and size, so nginx reuses it on
 * reload and the counters go on counting; they start at zero with a new
 * master (a restart or a binary upgrade).
 */

#include "ngx_http_cognito_identity_module.h"


#define NGX_HTTP_COGNITO_IDENTITY_STATUS_JSON        1
#define NGX_HTTP_COGNITO_IDENTITY_STATUS_PROMETHEUS  2


/* metric names too long to be written in one line */

#define NGX_HTTP_COGNITO_IDENTITY_M_KEYS_SUCCESS                              \
    "cognito_identity_keys_last_success_timestamp_seconds"
#define NGX_HTTP_COGNITO_IDENTITY_M_STORE_WRITTEN                             \
    "cognito_identity_store_credentials_written_timestamp_seconds"


/* the zone: request counters by reason, then the others */

#define NGX_HTTP_COGNITO_IDENTITY_C_CACHE_HIT   CIG_REASON_N
#define NGX_HTTP_COGNITO_IDENTITY_C_CACHE_MISS  (CIG_REASON_N+1)
#define NGX_HTTP_COGNITO_IDENTITY_C_OTHER       (CIG_REASON_N+2)
#define NGX_HTTP_COGNITO_IDENTITY_C_N           (NGX_HTTP_COGNITO_IDENTITY_C_OTHER\
                                                 + 4)

typedef struct {
    ngx_atomic_t                  start;
    ngx_atomic_t                  c[NGX_HTTP_COGNITO_IDENTITY_C_N];
} ngx_http_cognito_identity_status_sh_t;


typedef struct {
    ngx_str_t                     file;
    time_t                        mtime;
} ngx_http_cognito_identity_status_store_t;


typedef struct {
    ngx_shm_zone_t               *zone;
    ngx_array_t                  *store_files;   /* ..._status_store_t */
} ngx_http_cognito_identity_status_main_conf_t;


typedef struct {
    ngx_uint_t                    format;     /* 0: not a status location */
} ngx_http_cognito_identity_status_loc_conf_t;


static ngx_int_t ngx_http_cognito_identity_status_preconfiguration(
    ngx_conf_t *cf);
static void *ngx_http_cognito_identity_status_create_main_conf(
    ngx_conf_t *cf);
static void *ngx_http_cognito_identity_status_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_cognito_identity_status_merge_loc_conf(ngx_conf_t *cf,
    void *parent, void *child);
static ngx_int_t ngx_http_cognito_identity_status_init_process(
    ngx_cycle_t *cycle);
static char *ngx_http_cognito_identity_status(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static ngx_int_t ngx_http_cognito_identity_outcome_variable(
    ngx_http_request_t *r, ngx_http_variable_value_t *v, uintptr_t data);


static ngx_command_t  ngx_http_cognito_identity_status_commands[] = {

    { ngx_string("cognito_identity_status"),
      NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS|NGX_CONF_TAKE1,
      ngx_http_cognito_identity_status,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_cognito_identity_status_module_ctx = {
    ngx_http_cognito_identity_status_preconfiguration, /* preconfiguration */
    NULL,                                          /* postconfiguration */

    ngx_http_cognito_identity_status_create_main_conf,
                                                   /* create main configuration */
    NULL,                                          /* init main configuration */

    NULL,                                          /* create server configuration */
    NULL,                                          /* merge server configuration */

    ngx_http_cognito_identity_status_create_loc_conf,
                                                   /* create location configuration */
    ngx_http_cognito_identity_status_merge_loc_conf
                                                   /* merge location configuration */
};


ngx_module_t  ngx_http_cognito_identity_status_module = {
    NGX_MODULE_V1,
    &ngx_http_cognito_identity_status_module_ctx,  /* module context */
    ngx_http_cognito_identity_status_commands,     /* module directives */
    NGX_HTTP_MODULE,                               /* module type */
    NULL,                                          /* init master */
    NULL,                                          /* init module */
    ngx_http_cognito_identity_status_init_process, /* init process */
    NULL,                                          /* init thread */
    NULL,                                          /* exit thread */
    NULL,                                          /* exit process */
    NULL,                                          /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_http_variable_t  ngx_http_cognito_identity_status_vars[] = {

    { ngx_string("cognito_identity_result"), NULL,
      ngx_http_cognito_identity_outcome_variable, 0,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("cognito_identity_reason"), NULL,
      ngx_http_cognito_identity_outcome_variable, 1,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

      ngx_http_null_variable
};


static ngx_str_t  ngx_http_cognito_identity_status_zone_name =
    ngx_string("cognito_identity_status");

/* this worker's view of the zone; NULL: nothing is counted */
static ngx_http_cognito_identity_status_sh_t
    *ngx_http_cognito_identity_status_sh;


/* ---- counting ---- */

/*
 * Why the check ended as it did, from what it left in the request context;
 * CIG_REASON_N when it has not decided.
 */

static ngx_uint_t
ngx_http_cognito_identity_status_reason(ngx_http_request_t *r,
    ngx_http_cognito_identity_ctx_t *ctx)
{
    ngx_str_t                                 *e;
    ngx_http_cognito_identity_loc_conf_t      *conf;

    if (ctx == NULL || !ctx->done) {
        return CIG_REASON_N;
    }

    e = &ctx->error;

    switch (ctx->status) {

    case NGX_OK:
        return ctx->verified ? CIG_REASON_OK
                             : CIG_REASON_PREFLIGHT;

    case NGX_HTTP_UNAUTHORIZED:
        return cig_reason_unauthorized((char *) e->data, e->len);

    case NGX_HTTP_FORBIDDEN:
        if (ctx->decided) {
            return ctx->verdict.decision == CIG_DENY_EXPLICIT
                   ? CIG_REASON_EXPLICIT_DENY
                   : CIG_REASON_POLICY;
        }

        if (!ctx->identity.authenticated && ctx->role.role.len == 0) {
            conf = ngx_http_get_module_loc_conf(r,
                                            ngx_http_cognito_identity_module);
            if (!conf->unauthenticated) {
                return CIG_REASON_GUEST;
            }
        }

        /* refused before a role was chosen, or after: by allow_prefix */

        conf = ngx_http_get_module_loc_conf(r,
                                            ngx_http_cognito_identity_module);

        return (conf->roleset == NULL || ctx->role.role.len)
               ? CIG_REASON_PREFIX
               : CIG_REASON_ROLE;

    case NGX_HTTP_BAD_REQUEST:
        return CIG_REASON_BAD_REQUEST;

    case NGX_HTTP_SERVICE_UNAVAILABLE:
        return CIG_REASON_NO_KEYS;

    default:
        return CIG_REASON_INTERNAL;
    }
}


void
ngx_http_cognito_identity_status_decided(ngx_http_request_t *r)
{
    ngx_uint_t                              reason;
    ngx_http_cognito_identity_ctx_t        *ctx;
    ngx_http_cognito_identity_status_sh_t  *sh;

    sh = ngx_http_cognito_identity_status_sh;

    if (sh == NULL) {
        return;
    }

    ctx = ngx_http_get_module_ctx(r, ngx_http_cognito_identity_module);

    reason = ngx_http_cognito_identity_status_reason(r, ctx);

    if (reason == CIG_REASON_N) {
        return;
    }

    (void) ngx_atomic_fetch_add(&sh->c[reason], 1);

    if (ctx->cache) {
        (void) ngx_atomic_fetch_add(&sh->c[ctx->cache == 2
                                        ? NGX_HTTP_COGNITO_IDENTITY_C_CACHE_HIT
                                        : NGX_HTTP_COGNITO_IDENTITY_C_CACHE_MISS],
                                    1);
    }
}


void
ngx_http_cognito_identity_status_count(ngx_uint_t counter)
{
    ngx_http_cognito_identity_status_sh_t  *sh;

    sh = ngx_http_cognito_identity_status_sh;

    if (sh != NULL && counter < 4) {
        (void) ngx_atomic_fetch_add(
                     &sh->c[NGX_HTTP_COGNITO_IDENTITY_C_OTHER + counter], 1);
    }
}


/* ---- the log variables ---- */

/*
 * $cognito_identity_result: "allow" or "deny" once the check decided;
 * $cognito_identity_reason: why, in the names of the metrics.
 */

static ngx_int_t
ngx_http_cognito_identity_outcome_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    const char                       *s;
    ngx_uint_t                        reason;
    ngx_http_cognito_identity_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_cognito_identity_module);

    reason = ngx_http_cognito_identity_status_reason(r, ctx);

    if (reason == CIG_REASON_N) {
        v->not_found = 1;
        return NGX_OK;
    }

    if (data == 0) {
        s = (reason < CIG_REASON_ALLOWED) ? "allow" : "deny";

    } else {
        s = cig_reason_names[reason];
    }

    v->data = (u_char *) s;
    v->len = ngx_strlen(s);
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;

    return NGX_OK;
}


static ngx_int_t
ngx_http_cognito_identity_status_preconfiguration(ngx_conf_t *cf)
{
    ngx_http_variable_t  *var, *v;

    for (v = ngx_http_cognito_identity_status_vars; v->name.len; v++) {
        var = ngx_http_add_variable(cf, &v->name, v->flags);
        if (var == NULL) {
            return NGX_ERROR;
        }

        var->get_handler = v->get_handler;
        var->data = v->data;
    }

    return NGX_OK;
}


/* ---- the report ---- */

/*
 * A label value or JSON string from the configuration (a key source's URI,
 * a zone's name): backslash and quote escaped, which both formats read the
 * same way, and a control character replaced.  At most 2 * len bytes.
 */

static u_char *
ngx_http_cognito_identity_status_quote(u_char *p, u_char *s, size_t len)
{
    while (len--) {
        if (*s == '"' || *s == '\\') {
            *p++ = '\\';
            *p++ = *s;

        } else if (*s < 0x20 || *s == 0x7f) {
            *p++ = '?';

        } else {
            *p++ = *s;
        }

        s++;
    }

    return p;
}


/* the key sources' slots, copied under the zone's lock */

typedef struct {
    ngx_str_t                     uri;
    time_t                        fetched;
    ngx_uint_t                    fails;
    ngx_uint_t                    nkeys;
} ngx_http_cognito_identity_status_keys_t;


static ngx_uint_t
ngx_http_cognito_identity_status_sources(ngx_http_request_t *r,
    ngx_http_cognito_identity_status_keys_t **out)
{
    ngx_uint_t                                i, n;
    ngx_http_cognito_identity_key_slot_t     *slot;
    ngx_http_cognito_identity_key_source_t  **src;
    ngx_http_cognito_identity_main_conf_t    *cimcf;
    ngx_http_cognito_identity_status_keys_t  *k;

    cimcf = ngx_http_get_module_main_conf(r, ngx_http_cognito_identity_module);

    n = (cimcf != NULL && cimcf->keys_sh != NULL) ? cimcf->sources.nelts : 0;

    if (n == 0) {
        return 0;
    }

    k = ngx_pcalloc(r->pool,
                    n * sizeof(ngx_http_cognito_identity_status_keys_t));
    if (k == NULL) {
        return 0;
    }

    src = cimcf->sources.elts;

    ngx_shmtx_lock(&cimcf->keys_shpool->mutex);

    for (i = 0; i < n; i++) {
        k[i].uri = src[i]->uri;

        if (src[i]->slot < NGX_HTTP_COGNITO_IDENTITY_MAX_SOURCES) {
            slot = &cimcf->keys_sh->slots[src[i]->slot];
            k[i].fetched = slot->fetched;
            k[i].fails = slot->fails;
            k[i].nkeys = slot->jwks ? slot->nkeys : 0;
        }
    }

    ngx_shmtx_unlock(&cimcf->keys_shpool->mutex);

    *out = k;

    return n;
}


/* the token cache zones, found among the cycle's shared memory zones */

typedef struct {
    ngx_str_t                     name;
    ngx_uint_t                    entries;
    ngx_uint_t                    evictions;
} ngx_http_cognito_identity_status_cache_t;


static ngx_uint_t
ngx_http_cognito_identity_status_caches(ngx_http_request_t *r,
    ngx_http_cognito_identity_status_cache_t **out)
{
    ngx_uint_t                                 i, n;
    ngx_cycle_t                               *cycle;
    ngx_list_part_t                           *part;
    ngx_shm_zone_t                            *zone;
    ngx_http_cognito_identity_status_cache_t  *c;

    cycle = (ngx_cycle_t *) ngx_cycle;
    n = 0;

    for (part = &cycle->shared_memory.part; part; part = part->next) {
        n += part->nelts;
    }

    if (n == 0) {
        return 0;
    }

    c = ngx_pcalloc(r->pool,
                    n * sizeof(ngx_http_cognito_identity_status_cache_t));
    if (c == NULL) {
        return 0;
    }

    n = 0;

    for (part = &cycle->shared_memory.part; part; part = part->next) {
        zone = part->elts;

        for (i = 0; i < part->nelts; i++) {
            if (ngx_http_cognito_identity_cache_stats(&zone[i],
                                                      &c[n].entries,
                                                      &c[n].evictions)
                == NGX_OK)
            {
                c[n++].name = zone[i].shm.name;
            }
        }
    }

    *out = c;

    return n;
}


static size_t
ngx_http_cognito_identity_status_extra_len(
    ngx_http_cognito_identity_status_keys_t *k, ngx_uint_t nk,
    ngx_http_cognito_identity_status_cache_t *c, ngx_uint_t nc)
{
    size_t      len;
    ngx_uint_t  i;

    len = 2 * ngx_strlen(cig_openssl_version()) + 1024;

    for (i = 0; i < nk; i++) {
        len += 4 * (2 * k[i].uri.len + 128 + NGX_ATOMIC_T_LEN);
    }

    for (i = 0; i < nc; i++) {
        len += 2 * (2 * c[i].name.len + 128 + NGX_ATOMIC_T_LEN);
    }

    return len;
}


static u_char *
ngx_http_cognito_identity_status_json(u_char *p,
    ngx_http_cognito_identity_status_sh_t *sh,
    ngx_http_cognito_identity_status_keys_t *k, ngx_uint_t nk,
    ngx_http_cognito_identity_status_cache_t *c, ngx_uint_t nc,
    ngx_http_cognito_identity_status_store_t *f, ngx_uint_t ns)
{
    ngx_uint_t   i;
    const char  *ssl;

    p = ngx_sprintf(p, "{\"since\":%uA,\"requests\":{\"allow\":{",
                    sh->start);

    for (i = 0; i < CIG_REASON_N; i++) {
        if (i == CIG_REASON_ALLOWED) {
            p = ngx_sprintf(p, "},\"deny\":{");

        } else if (i > 0) {
            *p++ = ',';
        }

        p = ngx_sprintf(p, "\"%s\":%uA", cig_reason_names[i], sh->c[i]);
    }

    p = ngx_sprintf(p, "}},\"token_cache\":{\"hits\":%uA,\"misses\":%uA},"
                    "\"key_fetches\":{\"total\":%uA,\"failures\":%uA},"
                    "\"credential_calls\":{\"total\":%uA,\"failures\":%uA},",
                    sh->c[NGX_HTTP_COGNITO_IDENTITY_C_CACHE_HIT],
                    sh->c[NGX_HTTP_COGNITO_IDENTITY_C_CACHE_MISS],
                    sh->c[NGX_HTTP_COGNITO_IDENTITY_C_OTHER
                          + NGX_HTTP_COGNITO_IDENTITY_STAT_KEY_FETCH],
                    sh->c[NGX_HTTP_COGNITO_IDENTITY_C_OTHER
                          + NGX_HTTP_COGNITO_IDENTITY_STAT_KEY_FETCH_FAIL],
                    sh->c[NGX_HTTP_COGNITO_IDENTITY_C_OTHER
                          + NGX_HTTP_COGNITO_IDENTITY_STAT_CRED_CALL],
                    sh->c[NGX_HTTP_COGNITO_IDENTITY_C_OTHER
                          + NGX_HTTP_COGNITO_IDENTITY_STAT_CRED_FAIL]);

    p = ngx_sprintf(p, "\"key_sources\":[");

    for (i = 0; i < nk; i++) {
        p = ngx_sprintf(p, "%s{\"source\":\"", i ? "," : "");
        p = ngx_http_cognito_identity_status_quote(p, k[i].uri.data,
                                                   k[i].uri.len);
        p = ngx_sprintf(p, "\",\"keys\":%ui,\"fetched\":%T,"
                        "\"consecutive_failures\":%ui}",
                        k[i].nkeys, k[i].fetched, k[i].fails);
    }

    p = ngx_sprintf(p, "],\"token_caches\":[");

    for (i = 0; i < nc; i++) {
        p = ngx_sprintf(p, "%s{\"zone\":\"", i ? "," : "");
        p = ngx_http_cognito_identity_status_quote(p, c[i].name.data,
                                                   c[i].name.len);
        p = ngx_sprintf(p, "\",\"entries\":%ui,\"evictions\":%ui}",
                        c[i].entries, c[i].evictions);
    }

    p = ngx_sprintf(p, "],\"store_credentials\":[");

    for (i = 0; i < ns; i++) {
        p = ngx_sprintf(p, "%s{\"file\":\"", i ? "," : "");
        p = ngx_http_cognito_identity_status_quote(p, f[i].file.data,
                                                   f[i].file.len);
        p = ngx_sprintf(p, "\",\"written\":%T}", f[i].mtime);
    }

    ssl = cig_openssl_version();

    p = ngx_sprintf(p, "],\"build\":{\"version\":\"%s\",\"openssl\":\"",
                    CIG_VERSION);
    p = ngx_http_cognito_identity_status_quote(p, (u_char *) ssl,
                                               ngx_strlen(ssl));
    p = ngx_sprintf(p, "\",\"server\":\"nginx\"}}\n");

    return p;
}


typedef struct {
    const char                   *name;
    const char                   *help;
    ngx_uint_t                    counter;
} ngx_http_cognito_identity_metric_t;

static ngx_http_cognito_identity_metric_t
    ngx_http_cognito_identity_metrics[] = {
    { "cognito_identity_token_cache_hits_total",
      "Tokens found in the verified-token cache.",
      NGX_HTTP_COGNITO_IDENTITY_C_CACHE_HIT },
    { "cognito_identity_token_cache_misses_total",
      "Tokens looked up in the verified-token cache and not found.",
      NGX_HTTP_COGNITO_IDENTITY_C_CACHE_MISS },
    { "cognito_identity_key_fetches_total",
      "Key set fetches started (cognito_identity_key_request).",
      NGX_HTTP_COGNITO_IDENTITY_C_OTHER
      + NGX_HTTP_COGNITO_IDENTITY_STAT_KEY_FETCH },
    { "cognito_identity_key_fetch_failures_total",
      "Key set fetches that failed or were abandoned.",
      NGX_HTTP_COGNITO_IDENTITY_C_OTHER
      + NGX_HTTP_COGNITO_IDENTITY_STAT_KEY_FETCH_FAIL },
    { "cognito_identity_credential_calls_total",
      "Calls of the credential proxy to its upstream.",
      NGX_HTTP_COGNITO_IDENTITY_C_OTHER
      + NGX_HTTP_COGNITO_IDENTITY_STAT_CRED_CALL },
    { "cognito_identity_credential_failures_total",
      "Credential proxy calls whose upstream failed (502, 504).",
      NGX_HTTP_COGNITO_IDENTITY_C_OTHER
      + NGX_HTTP_COGNITO_IDENTITY_STAT_CRED_FAIL },
    { NULL, NULL, 0 }
};


static u_char *
ngx_http_cognito_identity_status_prometheus(u_char *p,
    ngx_http_cognito_identity_status_sh_t *sh,
    ngx_http_cognito_identity_status_keys_t *k, ngx_uint_t nk,
    ngx_http_cognito_identity_status_cache_t *c, ngx_uint_t nc,
    ngx_http_cognito_identity_status_store_t *f, ngx_uint_t ns)
{
    time_t                               now;
    ngx_uint_t                           i;
    const char                          *ssl;
    ngx_http_cognito_identity_metric_t  *m;

    p = ngx_sprintf(p, "# HELP cognito_identity_requests_total Requests "
                    "checked by cognito_identity, by decision and reason.\n"
                    "# TYPE cognito_identity_requests_total counter\n");

    for (i = 0; i < CIG_REASON_N; i++) {
        p = ngx_sprintf(p, "cognito_identity_requests_total{decision=\"%s\","
                        "reason=\"%s\"} %uA\n",
                        i < CIG_REASON_ALLOWED
                        ? "allow" : "deny",
                        cig_reason_names[i], sh->c[i]);
    }

    for (m = ngx_http_cognito_identity_metrics; m->name; m++) {
        p = ngx_sprintf(p, "# HELP %s %s\n# TYPE %s counter\n%s %uA\n",
                        m->name, m->help, m->name, m->name,
                        sh->c[m->counter]);
    }

    p = ngx_sprintf(p, "# HELP cognito_identity_start_time_seconds When "
                    "these counters started, in seconds since the epoch.\n"
                    "# TYPE cognito_identity_start_time_seconds gauge\n"
                    "cognito_identity_start_time_seconds %uA\n", sh->start);

    /* by key source: what alerting on stale or missing keys needs */

    now = ngx_time();

    p = ngx_sprintf(p, "# HELP cognito_identity_keys Keys in the key set in "
                    "use, by key source (0: none yet).\n"
                    "# TYPE cognito_identity_keys gauge\n");

    for (i = 0; i < nk; i++) {
        p = ngx_sprintf(p, "cognito_identity_keys{source=\"");
        p = ngx_http_cognito_identity_status_quote(p, k[i].uri.data,
                                                   k[i].uri.len);
        p = ngx_sprintf(p, "\"} %ui\n", k[i].nkeys);
    }

    p = ngx_sprintf(p, "# HELP %s When the key set in use was fetched, in "
                    "seconds since the epoch (0: never).\n# TYPE %s gauge\n",
                    NGX_HTTP_COGNITO_IDENTITY_M_KEYS_SUCCESS,
                    NGX_HTTP_COGNITO_IDENTITY_M_KEYS_SUCCESS);

    for (i = 0; i < nk; i++) {
        p = ngx_sprintf(p, "%s{source=\"",
                        NGX_HTTP_COGNITO_IDENTITY_M_KEYS_SUCCESS);
        p = ngx_http_cognito_identity_status_quote(p, k[i].uri.data,
                                                   k[i].uri.len);
        p = ngx_sprintf(p, "\"} %T\n", k[i].fetched);
    }

    p = ngx_sprintf(p, "# HELP cognito_identity_keys_age_seconds Seconds "
                    "since the key set in use was fetched (none: never "
                    "fetched).\n"
                    "# TYPE cognito_identity_keys_age_seconds gauge\n");

    for (i = 0; i < nk; i++) {
        if (k[i].fetched == 0) {
            continue;
        }

        p = ngx_sprintf(p, "cognito_identity_keys_age_seconds{source=\"");
        p = ngx_http_cognito_identity_status_quote(p, k[i].uri.data,
                                                   k[i].uri.len);
        p = ngx_sprintf(p, "\"} %T\n",
                        now > k[i].fetched ? now - k[i].fetched : 0);
    }

    p = ngx_sprintf(p, "# HELP cognito_identity_key_fetch_consecutive_"
                    "failures Key set fetches failed since the last good "
                    "one, by key source.\n"
                    "# TYPE cognito_identity_key_fetch_consecutive_failures "
                    "gauge\n");

    for (i = 0; i < nk; i++) {
        p = ngx_sprintf(p, "cognito_identity_key_fetch_consecutive_failures"
                        "{source=\"");
        p = ngx_http_cognito_identity_status_quote(p, k[i].uri.data,
                                                   k[i].uri.len);
        p = ngx_sprintf(p, "\"} %ui\n", k[i].fails);
    }

    /* by token cache zone */

    p = ngx_sprintf(p, "# HELP cognito_identity_token_cache_entries Tokens "
                    "held in the verified-token cache, by zone.\n"
                    "# TYPE cognito_identity_token_cache_entries gauge\n");

    for (i = 0; i < nc; i++) {
        p = ngx_sprintf(p, "cognito_identity_token_cache_entries{zone=\"");
        p = ngx_http_cognito_identity_status_quote(p, c[i].name.data,
                                                   c[i].name.len);
        p = ngx_sprintf(p, "\"} %ui\n", c[i].entries);
    }

    p = ngx_sprintf(p, "# HELP cognito_identity_token_cache_evictions_total "
                    "Unexpired tokens dropped from a full verified-token "
                    "cache, by zone.\n"
                    "# TYPE cognito_identity_token_cache_evictions_total "
                    "counter\n");

    for (i = 0; i < nc; i++) {
        p = ngx_sprintf(p, "cognito_identity_token_cache_evictions_total"
                        "{zone=\"");
        p = ngx_http_cognito_identity_status_quote(p, c[i].name.data,
                                                   c[i].name.len);
        p = ngx_sprintf(p, "\"} %ui\n", c[i].evictions);
    }

    /* what is known of the store credentials' expiry */

    p = ngx_sprintf(p, "# HELP %s When the session token file of "
                    "cognito_identity_s3_sign in use was written, in seconds "
                    "since the epoch.\n# TYPE %s gauge\n",
                    NGX_HTTP_COGNITO_IDENTITY_M_STORE_WRITTEN,
                    NGX_HTTP_COGNITO_IDENTITY_M_STORE_WRITTEN);

    for (i = 0; i < ns; i++) {
        p = ngx_sprintf(p, "%s{file=\"",
                        NGX_HTTP_COGNITO_IDENTITY_M_STORE_WRITTEN);
        p = ngx_http_cognito_identity_status_quote(p, f[i].file.data,
                                                   f[i].file.len);
        p = ngx_sprintf(p, "\"} %T\n", f[i].mtime);
    }

    ssl = cig_openssl_version();

    p = ngx_sprintf(p, "# HELP cognito_identity_build_info The module's "
                    "release and the OpenSSL library it runs with.\n"
                    "# TYPE cognito_identity_build_info gauge\n"
                    "cognito_identity_build_info{version=\"%s\","
                    "openssl=\"", CIG_VERSION);
    p = ngx_http_cognito_identity_status_quote(p, (u_char *) ssl,
                                               ngx_strlen(ssl));
    p = ngx_sprintf(p, "\",server=\"nginx\"} 1\n");

    return p;
}


static ngx_int_t
ngx_http_cognito_identity_status_handler(ngx_http_request_t *r)
{
    u_char                                       *body, *p;
    size_t                                        len;
    ngx_int_t                                     rc;
    ngx_str_t                                     arg;
    ngx_uint_t                                    format, nk, nc, ns, i;
    const char                                   *type;
    ngx_http_cognito_identity_status_sh_t        *sh;
    ngx_http_cognito_identity_status_keys_t      *k;
    ngx_http_cognito_identity_status_cache_t     *c;
    ngx_http_cognito_identity_status_store_t     *f;
    ngx_http_cognito_identity_status_loc_conf_t  *slcf;
    ngx_http_cognito_identity_status_main_conf_t *smcf;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    slcf = ngx_http_get_module_loc_conf(r,
                                     ngx_http_cognito_identity_status_module);
    format = slcf->format;

    /* ?format= overrides the directive; headers are not looked at */

    if (ngx_http_arg(r, (u_char *) "format", sizeof("format") - 1, &arg)
        == NGX_OK)
    {
        if (arg.len == sizeof("json") - 1
            && ngx_strncmp(arg.data, "json", arg.len) == 0)
        {
            format = NGX_HTTP_COGNITO_IDENTITY_STATUS_JSON;

        } else if (arg.len == sizeof("prometheus") - 1
                   && ngx_strncmp(arg.data, "prometheus", arg.len) == 0)
        {
            format = NGX_HTTP_COGNITO_IDENTITY_STATUS_PROMETHEUS;

        } else {
            return NGX_HTTP_BAD_REQUEST;
        }
    }

    sh = ngx_http_cognito_identity_status_sh;

    if (sh == NULL) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "cognito identity: the status zone is not available");
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* generous: names and help texts plus 20 digits per counter */

    k = NULL;
    c = NULL;
    nk = ngx_http_cognito_identity_status_sources(r, &k);
    nc = ngx_http_cognito_identity_status_caches(r, &c);

    len = 4096 + (NGX_HTTP_COGNITO_IDENTITY_C_N + 1)
                 * (128 + NGX_ATOMIC_T_LEN)
          + ngx_http_cognito_identity_status_extra_len(k, nk, c, nc);

    smcf = ngx_http_get_module_main_conf(r,
                                     ngx_http_cognito_identity_status_module);

    f = NULL;
    ns = 0;

    if (smcf->store_files != NULL) {
        f = smcf->store_files->elts;
        ns = smcf->store_files->nelts;
    }

    for (i = 0; i < ns; i++) {
        len += 2 * (2 * f[i].file.len + 128 + NGX_TIME_T_LEN);
    }

    body = ngx_pnalloc(r->pool, len);
    if (body == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (format == NGX_HTTP_COGNITO_IDENTITY_STATUS_PROMETHEUS) {
        p = ngx_http_cognito_identity_status_prometheus(body, sh, k, nk,
                                                        c, nc, f, ns);
        type = "text/plain; version=0.0.4; charset=utf-8";

    } else {
        p = ngx_http_cognito_identity_status_json(body, sh, k, nk, c, nc,
                                                  f, ns);
        type = "application/json";
    }

    return ngx_http_cognito_identity_send(r, NGX_HTTP_OK, type, body,
                                          p - body);
}


/* ---- configuration ---- */

/*
 * What is known of the store credentials' age: when the session token file
 * that cognito_identity_s3_sign read was last written.  Once per file.
 */

ngx_int_t
ngx_http_cognito_identity_status_store_file(ngx_conf_t *cf, ngx_str_t *name)
{
    size_t                                         n;
    ngx_str_t                                      path;
    ngx_uint_t                                     i;
    ngx_file_info_t                                fi;
    ngx_http_cognito_identity_status_store_t      *f;
    ngx_http_cognito_identity_status_main_conf_t  *smcf;

    path = *name;

    if (ngx_conf_full_name(cf->cycle, &path, 1) != NGX_OK) {
        return NGX_ERROR;
    }

    smcf = ngx_http_conf_get_module_main_conf(cf,
                                     ngx_http_cognito_identity_status_module);

    if (smcf->store_files == NULL) {
        n = sizeof(ngx_http_cognito_identity_status_store_t);

        smcf->store_files = ngx_array_create(cf->pool, 2, n);
        if (smcf->store_files == NULL) {
            return NGX_ERROR;
        }
    }

    f = smcf->store_files->elts;

    for (i = 0; i < smcf->store_files->nelts; i++) {
        if (f[i].file.len == path.len
            && ngx_strncmp(f[i].file.data, path.data, path.len) == 0)
        {
            return NGX_OK;
        }
    }

    f = ngx_array_push(smcf->store_files);
    if (f == NULL) {
        return NGX_ERROR;
    }

    f->file = path;
    f->mtime = 0;

    if (ngx_file_info(path.data, &fi) != NGX_FILE_ERROR) {
        f->mtime = ngx_file_mtime(&fi);
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_cognito_identity_status_init_zone(ngx_shm_zone_t *shm_zone,
    void *data)
{
    ngx_slab_pool_t                        *shpool;
    ngx_http_cognito_identity_status_sh_t  *sh;

    if (data) {
        /* a reload: the same zone, counting on */
        shm_zone->data = data;
        return NGX_OK;
    }

    shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (shm_zone->shm.exists) {
        shm_zone->data = shpool->data;
        return NGX_OK;
    }

    sh = ngx_slab_calloc(shpool, sizeof(ngx_http_cognito_identity_status_sh_t));
    if (sh == NULL) {
        return NGX_ERROR;
    }

    sh->start = ngx_time();
    shpool->data = sh;
    shm_zone->data = sh;

    return NGX_OK;
}


static ngx_int_t
ngx_http_cognito_identity_status_init_process(ngx_cycle_t *cycle)
{
    ngx_http_cognito_identity_status_main_conf_t  *smcf;

    ngx_http_cognito_identity_status_sh = NULL;

    smcf = ngx_http_cycle_get_module_main_conf(cycle,
                                     ngx_http_cognito_identity_status_module);

    if (smcf != NULL && smcf->zone != NULL) {
        ngx_http_cognito_identity_status_sh = smcf->zone->data;
    }

    return NGX_OK;
}


static void *
ngx_http_cognito_identity_status_create_main_conf(ngx_conf_t *cf)
{
    return ngx_pcalloc(cf->pool,
                       sizeof(ngx_http_cognito_identity_status_main_conf_t));
}


static void *
ngx_http_cognito_identity_status_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_cognito_identity_status_loc_conf_t  *slcf;

    slcf = ngx_pcalloc(cf->pool,
                       sizeof(ngx_http_cognito_identity_status_loc_conf_t));
    if (slcf == NULL) {
        return NULL;
    }

    slcf->format = NGX_CONF_UNSET_UINT;

    return slcf;
}


static char *
ngx_http_cognito_identity_status_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child)
{
    ngx_http_cognito_identity_status_loc_conf_t  *prev = parent;
    ngx_http_cognito_identity_status_loc_conf_t  *conf = child;

    ngx_conf_merge_uint_value(conf->format, prev->format, 0);

    return NGX_CONF_OK;
}


/* cognito_identity_status [json|prometheus]; */

static char *
ngx_http_cognito_identity_status(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_cognito_identity_status_loc_conf_t  *slcf = conf;

    ngx_str_t                                     *value;
    ngx_http_core_loc_conf_t                      *clcf;
    ngx_http_cognito_identity_status_main_conf_t  *smcf;

    if (slcf->format != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;
    slcf->format = NGX_HTTP_COGNITO_IDENTITY_STATUS_JSON;

    if (cf->args->nelts == 2) {
        if (ngx_strcmp(value[1].data, "json") == 0) {
            slcf->format = NGX_HTTP_COGNITO_IDENTITY_STATUS_JSON;

        } else if (ngx_strcmp(value[1].data, "prometheus") == 0) {
            slcf->format = NGX_HTTP_COGNITO_IDENTITY_STATUS_PROMETHEUS;

        } else {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid format \"%V\", expected \"json\" or "
                               "\"prometheus\"", &value[1]);
            return NGX_CONF_ERROR;
        }
    }

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_cognito_identity_status_handler;

    /* the zone, once, where the first status location asks for it */

    smcf = ngx_http_conf_get_module_main_conf(cf,
                                     ngx_http_cognito_identity_status_module);

    if (smcf->zone == NULL) {
        smcf->zone = ngx_shared_memory_add(cf,
                               &ngx_http_cognito_identity_status_zone_name,
                               8 * ngx_pagesize,
                               &ngx_http_cognito_identity_status_module);
        if (smcf->zone == NULL) {
            return NGX_CONF_ERROR;
        }

        if (smcf->zone->data) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "shared memory zone \"%V\" is already used",
                               &ngx_http_cognito_identity_status_zone_name);
            return NGX_CONF_ERROR;
        }

        smcf->zone->init = ngx_http_cognito_identity_status_init_zone;
        smcf->zone->data = smcf;   /* taken */
    }

    return NGX_CONF_OK;
}
