/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Signing keys fetched from a URL, in the style of auth_request: a
 * subrequest to a location the operator defines (typically proxy_pass to
 * Cognito's jwks_uri).  The key set is validated, stored as text in a
 * shared memory zone, and turned into OpenSSL keys once per worker and
 * rotation.  nginx has no HTTP client outside a request, so refreshes ride
 * on traffic: in the background while good keys exist; the first request
 * without keys waits for the fetch without blocking the worker, and so do
 * requests that find a fetch already under way.
 */

#include "ngx_http_cognito_identity_module.h"


#define NGX_HTTP_COGNITO_IDENTITY_FETCH_TIMEOUT  30    /* s, stale lock */
#define NGX_HTTP_COGNITO_IDENTITY_POLL           20    /* ms */


struct ngx_http_cognito_identity_fetch_s {
    ngx_http_cognito_identity_key_source_t  *source;
    ngx_http_cognito_identity_main_conf_t   *cimcf;
    ngx_http_cognito_identity_ctx_t         *ctx;     /* waited fetch */
    ngx_uint_t                               done;

    ngx_http_cognito_identity_capture_t      cap;
};


static ngx_http_output_header_filter_pt  ngx_http_next_header_filter;
static ngx_http_output_body_filter_pt    ngx_http_next_body_filter;


/* This worker's OpenSSL keys, by slot: process memory, not configuration. */

static struct {
    ngx_uint_t      generation;
    cig_keyset_t   *keyset;
} ngx_http_cognito_identity_worker_keys[NGX_HTTP_COGNITO_IDENTITY_MAX_SOURCES];


static ngx_int_t
ngx_http_cognito_identity_keys_init_zone(ngx_shm_zone_t *shm_zone,
    void *data)
{
    ngx_http_cognito_identity_main_conf_t  *ocimcf = data;

    ngx_uint_t                               i, j, k, used;
    ngx_slab_pool_t                         *shpool;
    ngx_http_cognito_identity_keys_sh_t     *sh;
    ngx_http_cognito_identity_key_slot_t    *slot;
    ngx_http_cognito_identity_key_source_t **src;
    ngx_http_cognito_identity_main_conf_t   *cimcf;

    cimcf = shm_zone->data;

    if (ocimcf) {
        shpool = ocimcf->keys_shpool;
        sh = ocimcf->keys_sh;

    } else {
        shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

        if (shm_zone->shm.exists) {
            sh = shpool->data;

        } else {
            sh = ngx_slab_calloc(shpool,
                                 sizeof(ngx_http_cognito_identity_keys_sh_t));
            if (sh == NULL) {
                return NGX_ERROR;
            }

            shpool->data = sh;
        }
    }

    cimcf->keys_shpool = shpool;
    cimcf->keys_sh = sh;

    /*
     * Slots are found by URI, so keys survive a reload and workers of the
     * old configuration keep writing into the slot they know.
     */

    ngx_shmtx_lock(&shpool->mutex);

    src = cimcf->sources.elts;

    for (i = 0; i < cimcf->sources.nelts; i++) {
        src[i]->slot = NGX_HTTP_COGNITO_IDENTITY_MAX_SOURCES;

        for (j = 0; j < NGX_HTTP_COGNITO_IDENTITY_MAX_SOURCES; j++) {
            slot = &sh->slots[j];

            if (slot->uri_len == src[i]->uri.len
                && ngx_strncmp(slot->uri, src[i]->uri.data, slot->uri_len)
                   == 0)
            {
                src[i]->slot = j;
                break;
            }
        }
    }

    for (i = 0; i < cimcf->sources.nelts; i++) {
        if (src[i]->slot != NGX_HTTP_COGNITO_IDENTITY_MAX_SOURCES) {
            continue;
        }

        /* a free slot, or one no source of this configuration uses */

        for (j = 0; j < NGX_HTTP_COGNITO_IDENTITY_MAX_SOURCES; j++) {
            slot = &sh->slots[j];

            if (slot->uri_len == 0) {
                break;
            }
        }

        if (j == NGX_HTTP_COGNITO_IDENTITY_MAX_SOURCES) {
            for (j = 0; j < NGX_HTTP_COGNITO_IDENTITY_MAX_SOURCES; j++) {
                used = 0;

                for (k = 0; k < cimcf->sources.nelts; k++) {
                    if (src[k]->slot == j) {
                        used = 1;
                    }
                }

                if (!used) {
                    break;
                }
            }

            if (j == NGX_HTTP_COGNITO_IDENTITY_MAX_SOURCES) {
                ngx_shmtx_unlock(&shpool->mutex);
                return NGX_ERROR;
            }
        }

        slot = &sh->slots[j];

        if (slot->jwks) {
            ngx_slab_free_locked(shpool, slot->jwks);
        }

        ngx_memzero(slot, sizeof(ngx_http_cognito_identity_key_slot_t));
        ngx_memcpy(slot->uri, src[i]->uri.data, src[i]->uri.len);
        slot->uri_len = src[i]->uri.len;
        src[i]->slot = j;
    }

    /* fetches of the previous configuration's workers are not waited for */

    for (i = 0; i < cimcf->sources.nelts; i++) {
        sh->slots[src[i]->slot].fetch_started = 0;
    }

    ngx_shmtx_unlock(&shpool->mutex);

    return NGX_OK;
}


/* cognito_identity_key_request <uri>; several allowed */

char *
ngx_http_cognito_identity_key_request(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_cognito_identity_loc_conf_t  *cilcf = conf;

    ngx_str_t                               *value, name;
    ngx_uint_t                               i;
    ngx_http_cognito_identity_key_source_t  *source, **sp;
    ngx_http_cognito_identity_main_conf_t   *cimcf;

    value = cf->args->elts;

    if (value[1].len == 0 || value[1].data[0] != '/'
        || value[1].len >= NGX_HTTP_COGNITO_IDENTITY_MAX_URI)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "key request URI \"%V\" must start with \"/\" and "
                           "be shorter than %d characters", &value[1],
                           NGX_HTTP_COGNITO_IDENTITY_MAX_URI);
        return NGX_CONF_ERROR;
    }

    cimcf = ngx_http_conf_get_module_main_conf(cf,
                                            ngx_http_cognito_identity_module);

    source = NULL;
    sp = cimcf->sources.elts;

    for (i = 0; i < cimcf->sources.nelts; i++) {
        if (sp[i]->uri.len == value[1].len
            && ngx_strncmp(sp[i]->uri.data, value[1].data, value[1].len) == 0)
        {
            source = sp[i];
            break;
        }
    }

    if (source == NULL) {
        if (cimcf->sources.nelts == NGX_HTTP_COGNITO_IDENTITY_MAX_SOURCES) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "more than %d key request URIs",
                               NGX_HTTP_COGNITO_IDENTITY_MAX_SOURCES);
            return NGX_CONF_ERROR;
        }

        source = ngx_pcalloc(cf->pool,
                             sizeof(ngx_http_cognito_identity_key_source_t));
        if (source == NULL) {
            return NGX_CONF_ERROR;
        }

        source->uri = value[1];

        sp = ngx_array_push(&cimcf->sources);
        if (sp == NULL) {
            return NGX_CONF_ERROR;
        }

        *sp = source;
    }

    if (cimcf->keys_zone == NULL) {
        ngx_str_set(&name, "cognito_identity_keys");

        cimcf->keys_zone = ngx_shared_memory_add(cf, &name, 0,
                                           &ngx_http_cognito_identity_module);
        if (cimcf->keys_zone == NULL) {
            return NGX_CONF_ERROR;
        }

        /* a token cache zone of that name shares the module's tag */

        if (cimcf->keys_zone->data != NULL) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "zone \"%V\" is already used by another "
                               "cognito_identity directive", &name);
            return NGX_CONF_ERROR;
        }

        cimcf->keys_zone->init = ngx_http_cognito_identity_keys_init_zone;
        cimcf->keys_zone->data = cimcf;
    }

    if (cilcf->key_requests == NULL) {
        cilcf->key_requests = ngx_array_create(cf->pool, 2,
                            sizeof(ngx_http_cognito_identity_key_source_t *));
        if (cilcf->key_requests == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    sp = cilcf->key_requests->elts;

    for (i = 0; i < cilcf->key_requests->nelts; i++) {
        if (sp[i] == source) {
            return "names the same URI twice";
        }
    }

    sp = ngx_array_push(cilcf->key_requests);
    if (sp == NULL) {
        return NGX_CONF_ERROR;
    }

    *sp = source;

    return NGX_CONF_OK;
}


/* cognito_identity_key_zone <size>; */

char *
ngx_http_cognito_identity_key_zone(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ssize_t                                 size;
    ngx_str_t                              *value;
    ngx_http_cognito_identity_main_conf_t  *cimcf = conf;

    if (cimcf->keys_zone_size) {
        return "is duplicate";
    }

    value = cf->args->elts;
    size = ngx_parse_size(&value[1]);

    if (size == NGX_ERROR || size < (ssize_t) (16 * ngx_pagesize)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid key zone size \"%V\", at least %uz",
                           &value[1], 16 * ngx_pagesize);
        return NGX_CONF_ERROR;
    }

    cimcf->keys_zone_size = size;

    return NGX_CONF_OK;
}


ngx_int_t
ngx_http_cognito_identity_keys_postconfiguration(ngx_conf_t *cf)
{
    ngx_http_cognito_identity_main_conf_t  *cimcf;

    cimcf = ngx_http_conf_get_module_main_conf(cf,
                                            ngx_http_cognito_identity_module);

    if (cimcf->keys_zone != NULL) {
        cimcf->keys_zone->shm.size = cimcf->keys_zone_size
                                     ? cimcf->keys_zone_size : 1024 * 1024;
    }

    return NGX_OK;
}


ngx_uint_t
ngx_http_cognito_identity_keys_nsources(
    ngx_http_cognito_identity_loc_conf_t *conf)
{
    return conf->key_requests ? conf->key_requests->nelts : 0;
}


/*
 * A subrequest sends only what the module builds: GET, no body, none of
 * the client's headers (its Authorization and cookies stay here).
 */

ngx_int_t
ngx_http_cognito_identity_subrequest_clean(ngx_http_request_t *sr)
{
    ngx_str_t  server;

    server = sr->headers_in.server;

    ngx_memzero(&sr->headers_in, sizeof(ngx_http_headers_in_t));

    if (ngx_list_init(&sr->headers_in.headers, sr->pool, 1,
                      sizeof(ngx_table_elt_t))
        != NGX_OK)
    {
        return NGX_ERROR;
    }

#if (nginx_version < 1023000)
    if (ngx_array_init(&sr->headers_in.cookies, sr->pool, 1,
                       sizeof(ngx_table_elt_t *))
        != NGX_OK)
    {
        return NGX_ERROR;
    }
#endif

    sr->headers_in.server = server;
    sr->headers_in.content_length_n = -1;
    sr->headers_in.keep_alive_n = -1;

    sr->method = NGX_HTTP_GET;
    ngx_str_set(&sr->method_name, "GET");
    sr->header_only = 0;

    sr->request_body = ngx_pcalloc(sr->pool, sizeof(ngx_http_request_body_t));
    if (sr->request_body == NULL) {
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* Loads the slot's key set into this worker when it changed. */

static void
ngx_http_cognito_identity_keys_sync(ngx_http_request_t *r,
    ngx_http_cognito_identity_main_conf_t *cimcf, ngx_uint_t index)
{
    u_char                                *copy;
    size_t                                 len;
    unsigned                               skipped;
    cig_err_t                              err;
    ngx_uint_t                             gen;
    cig_keyset_t                          *ks;
    ngx_http_cognito_identity_key_slot_t  *slot;

    slot = &cimcf->keys_sh->slots[index];

    ngx_shmtx_lock(&cimcf->keys_shpool->mutex);

    gen = slot->generation;

    if (gen == ngx_http_cognito_identity_worker_keys[index].generation
        || slot->jwks == NULL)
    {
        ngx_shmtx_unlock(&cimcf->keys_shpool->mutex);
        return;
    }

    len = slot->jwks_len;
    copy = ngx_alloc(len, r->connection->log);

    if (copy != NULL) {
        ngx_memcpy(copy, slot->jwks, len);
    }

    ngx_shmtx_unlock(&cimcf->keys_shpool->mutex);

    if (copy == NULL) {
        return;
    }

    ks = cig_keyset_from_jwks((char *) copy, len, &skipped, &err);
    ngx_free(copy);

    if (ks == NULL) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "cognito identity: stored keys of \"%*s\" do not load: "
                      "%s", slot->uri_len, slot->uri, err.msg);
        return;
    }

    cig_keyset_free(ngx_http_cognito_identity_worker_keys[index].keyset);
    ngx_http_cognito_identity_worker_keys[index].keyset = ks;
    ngx_http_cognito_identity_worker_keys[index].generation = gen;
}


static void
ngx_http_cognito_identity_fetch_cleanup(void *data)
{
    ngx_http_cognito_identity_fetch_t  *f = data;

    ngx_http_cognito_identity_key_slot_t  *slot;

    /* a fetch abandoned with its request still counts, and unlocks */

    if (f->done) {
        return;
    }

    f->done = 1;
    slot = &f->cimcf->keys_sh->slots[f->source->slot];

    ngx_shmtx_lock(&f->cimcf->keys_shpool->mutex);
    slot->fetch_started = 0;
    slot->fails++;
    ngx_shmtx_unlock(&f->cimcf->keys_shpool->mutex);
    ngx_http_cognito_identity_status_count(
                               NGX_HTTP_COGNITO_IDENTITY_STAT_KEY_FETCH_FAIL);

    ngx_log_error(NGX_LOG_ERR, ngx_cycle->log, 0,
                  "cognito identity: key fetch from \"%V\" abandoned",
                  &f->source->uri);
}


static ngx_int_t
ngx_http_cognito_identity_fetch_done(ngx_http_request_t *sr, void *data,
    ngx_int_t rc)
{
    ngx_http_cognito_identity_fetch_t  *f = data;

    u_char                                *p, *body;
    size_t                                 len;
    unsigned                               skipped;
    cig_err_t                              err;
    const char                            *why;
    cig_keyset_t                          *ks;
    ngx_slab_pool_t                       *shpool;
    ngx_http_cognito_identity_key_slot_t  *slot;

    /*
     * A failed fetch must not take the client's request down with it
     * (nginx terminates the main request when a subrequest ends in
     * NGX_ERROR): the failure is recorded here and answered by the check.
     */

    if (rc == NGX_ERROR && !sr->connection->error) {
        rc = NGX_OK;
    }

    if (f->done) {
        return rc;
    }

    f->done = 1;

    if (f->ctx) {
        f->ctx->fetched = 1;
        f->ctx->waiting = 0;
    }

    ks = NULL;
    why = NULL;
    body = f->cap.body;
    len = f->cap.len;

    if (sr->headers_out.status != NGX_HTTP_OK) {
        why = "the response status is not 200";

    } else if (sr->headers_out.content_encoding
               && sr->headers_out.content_encoding->value.len)
    {
        why = "the response has a Content-Encoding (set proxy_set_header "
              "Accept-Encoding \"\")";

    } else if (f->cap.too_big) {
        why = "the key set is larger than 1 MiB";

    } else if (f->cap.in_file) {
        why = "the response could not be read back from its file";

    } else if ((rc != NGX_OK && rc != NGX_DONE) || !f->cap.complete
               || (sr->headers_out.content_length_n >= 0
                   && (off_t) len != sr->headers_out.content_length_n))
    {
        why = "the key set is truncated (the fetch ended early)";

    } else if (body == NULL || len == 0) {
        why = "the response has no body";

    } else {
        ks = cig_keyset_from_jwks((char *) body, len, &skipped, &err);
        if (ks == NULL) {
            why = err.msg;
        }
    }

    shpool = f->cimcf->keys_shpool;
    slot = &f->cimcf->keys_sh->slots[f->source->slot];

    ngx_shmtx_lock(&shpool->mutex);

    slot->fetch_started = 0;

    if (ks != NULL) {
        p = ngx_slab_alloc_locked(shpool, len);

        if (p == NULL) {
            why = "the key zone is full (raise cognito_identity_key_zone)";

        } else {
            if (slot->jwks) {
                ngx_slab_free_locked(shpool, slot->jwks);
            }

            ngx_memcpy(p, body, len);
            slot->jwks = p;
            slot->jwks_len = len;
            slot->generation++;
            slot->fetched = ngx_time();
            slot->fails = 0;
            slot->nkeys = cig_keyset_count(ks);
        }
    }

    if (why != NULL) {
        slot->fails++;
    }

    ngx_shmtx_unlock(&shpool->mutex);

    if (why != NULL) {
        cig_keyset_free(ks);
        ngx_http_cognito_identity_status_count(
                               NGX_HTTP_COGNITO_IDENTITY_STAT_KEY_FETCH_FAIL);

        ngx_log_error(NGX_LOG_ERR, sr->connection->log, 0,
                      "cognito identity: keys from \"%V\" not updated: %s; "
                      "keeping the last good keys, if any",
                      &f->source->uri, why);
        return rc;
    }

    ngx_log_error(NGX_LOG_INFO, sr->connection->log, 0,
                  "cognito identity: %uz keys loaded from \"%V\"",
                  cig_keyset_count(ks), &f->source->uri);

    /* this worker can use them at once; the others load them from the zone */

    ngx_http_cognito_identity_keys_sync(sr, f->cimcf, f->source->slot);
    cig_keyset_free(ks);

    return rc;
}


static ngx_int_t
ngx_http_cognito_identity_fetch(ngx_http_request_t *r,
    ngx_http_cognito_identity_main_conf_t *cimcf,
    ngx_http_cognito_identity_key_source_t *source,
    ngx_http_cognito_identity_ctx_t *ctx)
{
    ngx_uint_t                          flags;
    ngx_pool_cleanup_t                 *cln;
    ngx_http_request_t                 *sr;
    ngx_http_cognito_identity_ctx_t    *sctx;
    ngx_http_post_subrequest_t         *ps;
    ngx_http_cognito_identity_fetch_t  *f;

    f = ngx_pcalloc(r->pool, sizeof(ngx_http_cognito_identity_fetch_t));
    ps = ngx_palloc(r->pool, sizeof(ngx_http_post_subrequest_t));
    cln = ngx_pool_cleanup_add(r->pool, 0);

    if (f == NULL || ps == NULL || cln == NULL) {
        return NGX_ERROR;
    }

    f->source = source;
    f->cimcf = cimcf;
    f->ctx = ctx;

    cln->handler = ngx_http_cognito_identity_fetch_cleanup;
    cln->data = f;

    ps->handler = ngx_http_cognito_identity_fetch_done;
    ps->data = f;

    flags = ctx ? NGX_HTTP_SUBREQUEST_WAITED : NGX_HTTP_SUBREQUEST_BACKGROUND;

    if (ngx_http_subrequest(r, &source->uri, NULL, &sr, ps, flags) != NGX_OK) {
        f->done = 1;
        return NGX_ERROR;
    }

    ngx_http_cognito_identity_status_count(
                                    NGX_HTTP_COGNITO_IDENTITY_STAT_KEY_FETCH);

    if (ngx_http_cognito_identity_subrequest_clean(sr) != NGX_OK) {
        return NGX_ERROR;
    }

    /* the response goes to our filters, not to the client */

    sctx = ngx_pcalloc(r->pool, sizeof(ngx_http_cognito_identity_ctx_t));
    if (sctx == NULL) {
        return NGX_ERROR;
    }

    f->cap.limit = CIG_MAX_JSON_FILE;
    sctx->capture = &f->cap;
    ngx_http_set_ctx(sr, sctx, ngx_http_cognito_identity_module);

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "cognito identity: fetching keys from \"%V\"%s",
                   &source->uri, ctx ? "" : " in the background");

    return NGX_OK;
}


static void
ngx_http_cognito_identity_poll_handler(ngx_http_request_t *r)
{
    ngx_event_t  *wev;

    wev = r->connection->write;

    if (!wev->timedout) {

        if (ngx_handle_write_event(wev, 0) != NGX_OK) {
            ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        }

        return;
    }

    wev->timedout = 0;

    if (ngx_handle_read_event(r->connection->read, 0) != NGX_OK) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    r->read_event_handler = ngx_http_block_reading;
    r->write_event_handler = ngx_http_core_run_phases;

    ngx_http_core_run_phases(r);
}


/* Another request's fetch is under way: look again shortly. */

static ngx_int_t
ngx_http_cognito_identity_poll(ngx_http_request_t *r,
    ngx_http_cognito_identity_ctx_t *ctx, ngx_uint_t slot)
{
    if (ctx->wait_started == 0) {
        ctx->wait_started = ngx_time();
    }

    if (ngx_time() - ctx->wait_started
        > NGX_HTTP_COGNITO_IDENTITY_FETCH_TIMEOUT)
    {
        ctx->fetched = 1;
        ctx->poll_slot = 0;
        return NGX_DECLINED;
    }

    ctx->poll_slot = slot + 1;

    if (ngx_handle_read_event(r->connection->read, 0) != NGX_OK) {
        return NGX_ERROR;
    }

    ctx->waiting = 1;
    r->read_event_handler = ngx_http_test_reading;
    r->write_event_handler = ngx_http_cognito_identity_poll_handler;
    ngx_add_timer(r->connection->write, NGX_HTTP_COGNITO_IDENTITY_POLL);

    return NGX_AGAIN;
}


/*
 * The key sets a request may use now.  Returns NGX_AGAIN while this
 * request waits for keys, NGX_ERROR on a system failure.
 */

ngx_int_t
ngx_http_cognito_identity_keys_ready(ngx_http_request_t *r,
    ngx_http_cognito_identity_loc_conf_t *conf,
    ngx_http_cognito_identity_ctx_t *ctx, cig_keyset_t **keysets, size_t *n)
{
    time_t                                   now;
    ngx_uint_t                               i, have, fetching, due;
    cig_keyset_t                           **static_ks;
    ngx_http_cognito_identity_key_slot_t    *slot;
    ngx_http_cognito_identity_key_source_t **src;
    ngx_http_cognito_identity_main_conf_t   *cimcf;

    *n = 0;

    if (conf->keysets) {
        static_ks = conf->keysets->elts;

        for (i = 0; i < conf->keysets->nelts; i++) {
            keysets[(*n)++] = static_ks[i];
        }
    }

    if (conf->key_requests == NULL) {
        return NGX_OK;
    }

    cimcf = ngx_http_get_module_main_conf(r, ngx_http_cognito_identity_module);
    src = conf->key_requests->elts;
    now = ngx_time();

    /* still waiting for another request's fetch? */

    if (ctx->poll_slot) {
        slot = &cimcf->keys_sh->slots[ctx->poll_slot - 1];

        ngx_shmtx_lock(&cimcf->keys_shpool->mutex);
        fetching = slot->fetch_started != 0
                   && now - slot->fetch_started
                      < NGX_HTTP_COGNITO_IDENTITY_FETCH_TIMEOUT;
        ngx_shmtx_unlock(&cimcf->keys_shpool->mutex);

        if (fetching) {
            if (ngx_http_cognito_identity_poll(r, ctx, ctx->poll_slot - 1)
                == NGX_AGAIN)
            {
                return NGX_AGAIN;
            }
        }

        ctx->poll_slot = 0;
        ctx->fetched = 1;
    }

    for (i = 0; i < conf->key_requests->nelts; i++) {
        ngx_http_cognito_identity_keys_sync(r, cimcf, src[i]->slot);

        slot = &cimcf->keys_sh->slots[src[i]->slot];

        ngx_shmtx_lock(&cimcf->keys_shpool->mutex);

        have = slot->generation != 0;
        fetching = slot->fetch_started != 0
                   && now - slot->fetch_started
                      < NGX_HTTP_COGNITO_IDENTITY_FETCH_TIMEOUT;

        /*
         * Fetch when there are no keys, or to refresh them before they
         * expire; after a failure, at most once per key_refresh.
         */

        due = !fetching
              && (!have || now >= slot->fetched + conf->key_cache
                                   - conf->key_cache / 10)
              && (slot->fails == 0
                  || now - slot->last_attempt >= conf->key_refresh)
              && (have || (!ctx->fetched && r == r->main));

        if (due) {
            slot->fetch_started = now;
            slot->last_attempt = now;
        }

        ngx_shmtx_unlock(&cimcf->keys_shpool->mutex);

        if (due) {
            if (ngx_http_cognito_identity_fetch(r, cimcf, src[i],
                                                have ? NULL : ctx)
                != NGX_OK)
            {
                return NGX_ERROR;
            }

            if (!have) {
                ctx->waiting = 1;
                return NGX_AGAIN;
            }

        } else if (!have && fetching && !ctx->fetched && r == r->main) {
            if (ngx_http_cognito_identity_poll(r, ctx, src[i]->slot)
                == NGX_AGAIN)
            {
                return NGX_AGAIN;
            }
        }

        if (ngx_http_cognito_identity_worker_keys[src[i]->slot].keyset) {
            keysets[(*n)++] =
                ngx_http_cognito_identity_worker_keys[src[i]->slot].keyset;
        }
    }

    return NGX_OK;
}


/*
 * A token named a kid no loaded key has: keys may have rotated.  At most
 * one such refresh per key_refresh interval and source, one fetch at a
 * time; the request waits for it.  NGX_DECLINED: no refresh now.
 */

ngx_int_t
ngx_http_cognito_identity_keys_unknown_kid(ngx_http_request_t *r,
    ngx_http_cognito_identity_loc_conf_t *conf,
    ngx_http_cognito_identity_ctx_t *ctx)
{
    time_t                                   now;
    ngx_uint_t                               i, start, fetching;
    ngx_http_cognito_identity_key_slot_t    *slot;
    ngx_http_cognito_identity_key_source_t **src;
    ngx_http_cognito_identity_main_conf_t   *cimcf;

    if (conf->key_requests == NULL || ctx->kid_refreshed || r != r->main) {
        return NGX_DECLINED;
    }

    ctx->kid_refreshed = 1;

    cimcf = ngx_http_get_module_main_conf(r, ngx_http_cognito_identity_module);
    src = conf->key_requests->elts;
    now = ngx_time();
    fetching = 0;

    for (i = 0; i < conf->key_requests->nelts; i++) {
        slot = &cimcf->keys_sh->slots[src[i]->slot];

        ngx_shmtx_lock(&cimcf->keys_shpool->mutex);

        start = 0;

        if (slot->fetch_started != 0
            && now - slot->fetch_started
               < NGX_HTTP_COGNITO_IDENTITY_FETCH_TIMEOUT)
        {
            fetching = i + 1;

        } else if (now - slot->last_kid_fetch >= conf->key_refresh) {
            slot->last_kid_fetch = now;
            slot->last_attempt = now;
            slot->fetch_started = now;
            start = 1;
        }

        ngx_shmtx_unlock(&cimcf->keys_shpool->mutex);

        if (start) {
            ctx->fetched = 0;

            if (ngx_http_cognito_identity_fetch(r, cimcf, src[i], ctx)
                != NGX_OK)
            {
                return NGX_ERROR;
            }

            ctx->waiting = 1;
            return NGX_AGAIN;
        }
    }

    if (fetching) {
        ctx->wait_started = 0;
        return ngx_http_cognito_identity_poll(r, ctx,
                                              src[fetching - 1]->slot);
    }

    return NGX_DECLINED;
}


/* The first source whose keys this worker does not have, or NULL. */

ngx_str_t *
ngx_http_cognito_identity_keys_missing(
    ngx_http_cognito_identity_loc_conf_t *conf)
{
    ngx_uint_t                               i;
    ngx_http_cognito_identity_key_source_t **src;

    if (conf->key_requests == NULL) {
        return NULL;
    }

    src = conf->key_requests->elts;

    for (i = 0; i < conf->key_requests->nelts; i++) {
        if (ngx_http_cognito_identity_worker_keys[src[i]->slot].keyset
            == NULL)
        {
            return &src[i]->uri;
        }
    }

    return NULL;
}


/*
 * Our subrequests' responses (key fetches, credential calls) are captured
 * here, before they could reach the client, into a buffer of at most
 * cap->limit bytes; anything larger is flagged rather than cut.
 */

static ngx_int_t
ngx_http_cognito_identity_capture_header_filter(ngx_http_request_t *r)
{
    ngx_http_cognito_identity_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_cognito_identity_module);

    if (ctx == NULL || ctx->capture == NULL) {
        return ngx_http_next_header_filter(r);
    }

    r->header_sent = 1;

    return NGX_OK;
}


static ngx_int_t
ngx_http_cognito_identity_capture_body_filter(ngx_http_request_t *r,
    ngx_chain_t *in)
{
    size_t                                n;
    ngx_chain_t                          *cl;
    ngx_http_cognito_identity_ctx_t      *ctx;
    ngx_http_cognito_identity_capture_t  *cap;

    ctx = ngx_http_get_module_ctx(r, ngx_http_cognito_identity_module);

    if (ctx == NULL || ctx->capture == NULL) {
        return ngx_http_next_body_filter(r, in);
    }

    cap = ctx->capture;

    for (cl = in; cl; cl = cl->next) {

        if (cl->buf->in_file && !ngx_buf_in_memory(cl->buf)) {

            /* a static file, or a response buffered to a temporary file */

            n = cl->buf->file_last - cl->buf->file_pos;

            if (cap->len + n > cap->limit) {
                cap->too_big = 1;

            } else if (n > 0) {
                if (cap->body == NULL) {
                    cap->body = ngx_palloc(r->pool, cap->limit);
                    if (cap->body == NULL) {
                        return NGX_ERROR;
                    }
                }

                if (ngx_read_file(cl->buf->file, cap->body + cap->len, n,
                                  cl->buf->file_pos)
                    != (ssize_t) n)
                {
                    cap->in_file = 1;

                } else {
                    cap->len += n;
                }
            }

            cl->buf->file_pos = cl->buf->file_last;

        } else if (ngx_buf_in_memory(cl->buf)) {
            n = cl->buf->last - cl->buf->pos;

            if (cap->len + n > cap->limit) {
                cap->too_big = 1;

            } else if (n > 0) {
                if (cap->body == NULL) {
                    cap->body = ngx_palloc(r->pool, cap->limit);
                    if (cap->body == NULL) {
                        return NGX_ERROR;
                    }
                }

                ngx_memcpy(cap->body + cap->len, cl->buf->pos, n);
                cap->len += n;
            }

            cl->buf->pos = cl->buf->last;
        }

        if (cl->buf->last_buf || cl->buf->last_in_chain) {
            cap->complete = 1;
        }
    }

    return NGX_OK;
}


ngx_int_t
ngx_http_cognito_identity_keys_filters(ngx_conf_t *cf)
{
    ngx_http_next_header_filter = ngx_http_top_header_filter;
    ngx_http_top_header_filter =
        ngx_http_cognito_identity_capture_header_filter;

    ngx_http_next_body_filter = ngx_http_top_body_filter;
    ngx_http_top_body_filter = ngx_http_cognito_identity_capture_body_filter;

    return NGX_OK;
}


/* A worker's key sets live as long as the worker. */

void
ngx_http_cognito_identity_keys_exit(void)
{
    ngx_uint_t  i;

    for (i = 0; i < NGX_HTTP_COGNITO_IDENTITY_MAX_SOURCES; i++) {
        cig_keyset_free(ngx_http_cognito_identity_worker_keys[i].keyset);
        ngx_http_cognito_identity_worker_keys[i].keyset = NULL;
        ngx_http_cognito_identity_worker_keys[i].generation = 0;
    }
}
