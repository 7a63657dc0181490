/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The verified-token cache: a shared memory zone that remembers tokens whose
 * signature verified, so that a repeated token skips the RSA work and the
 * JSON parsing.  An entry holds the whole token and its identity frozen
 * (cig_identity_freeze: claims already parsed, in one flat block).  Entries
 * are found through a hash table whose index is a hash of the token's last
 * 32 bytes (its signature) keyed with a random seed drawn when the zone is
 * made; a candidate is accepted only if the whole token equals the request's
 * in a constant-time comparison, so the index needs no collision resistance
 * and no SHA-256 is computed per request.  Only verified tokens are
 * inserted, so no client can lengthen a chain at will.  A hit still checks
 * every claim at the current time and requires the very key that signed
 * the token to be loaded.  Entries never outlive the token's exp (plus
 * leeway) nor the configured ttl; a full zone evicts the least recently
 * used entries and never fails a request.  Only successes are cached.
 */

#include <openssl/rand.h>

#include "ngx_http_cognito_identity_module.h"


struct ngx_http_cognito_identity_entry_s {
    ngx_http_cognito_identity_entry_t  *next;     /* in its bucket */
    ngx_queue_t                  queue;
    time_t                       expires;
    uint64_t                     key;         /* the index hash */
    uint32_t                     token_len;
    uint32_t                     frozen_len;  /* a multiple of 8 */
    _Alignas(8) u_char           data[1];     /* frozen identity, token */
};


/* A bucket per this many bytes of zone: about one per entry. */

#define NGX_HTTP_COGNITO_IDENTITY_BUCKET_BYTES  2048


/*
 * The index: the token's length and its last 32 bytes (the end of the
 * signature, random for any real token), mixed with the zone's seed.  Not
 * a MAC: equality is decided by comparing whole tokens.
 */

static uint64_t
ngx_http_cognito_identity_cache_key(ngx_http_cognito_identity_cache_t *c,
    ngx_str_t *token)
{
    size_t    n, i;
    u_char    tail[32];
    uint64_t  h, w;

    n = ngx_min(token->len, sizeof(tail));
    ngx_memzero(tail, sizeof(tail));
    ngx_memcpy(tail + sizeof(tail) - n, token->data + token->len - n, n);

    h = c->sh->seed[0] ^ token->len;

    for (i = 0; i < sizeof(tail); i += 8) {
        ngx_memcpy(&w, tail + i, 8);
        h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
        h ^= (h >> 29) + c->sh->seed[1];
    }

    return h ^ (h >> 32);
}


static ngx_http_cognito_identity_entry_t **
ngx_http_cognito_identity_cache_bucket(ngx_http_cognito_identity_cache_t *c,
    uint64_t key)
{
    return &c->sh->buckets[key & c->sh->mask];
}


static ngx_int_t
ngx_http_cognito_identity_cache_init_zone(ngx_shm_zone_t *shm_zone,
    void *data)
{
    ngx_http_cognito_identity_cache_t  *octx = data;

    size_t                              len;
    ngx_uint_t                          n;
    ngx_http_cognito_identity_cache_t  *ctx;

    ctx = shm_zone->data;

    if (octx) {
        ctx->sh = octx->sh;
        ctx->shpool = octx->shpool;
        return NGX_OK;
    }

    ctx->shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (shm_zone->shm.exists) {
        ctx->sh = ctx->shpool->data;
        return NGX_OK;
    }

    ctx->sh = ngx_slab_calloc(ctx->shpool,
                              sizeof(ngx_http_cognito_identity_cache_sh_t));
    if (ctx->sh == NULL) {
        return NGX_ERROR;
    }

    ctx->shpool->data = ctx->sh;

    /* a power of two, at most one bucket per BUCKET_BYTES of the zone */

    for (n = 64;
         n * 2 <= shm_zone->shm.size / NGX_HTTP_COGNITO_IDENTITY_BUCKET_BYTES;
         n *= 2)
    { /* void */ }

    ctx->sh->buckets = ngx_slab_calloc(ctx->shpool, n * sizeof(void *));
    if (ctx->sh->buckets == NULL) {
        return NGX_ERROR;
    }

    ctx->sh->mask = n - 1;
    ngx_queue_init(&ctx->sh->queue);

    if (RAND_bytes((u_char *) ctx->sh->seed, sizeof(ctx->sh->seed)) != 1) {
        ngx_log_error(NGX_LOG_EMERG, shm_zone->shm.log, 0,
                      "cognito_identity_token_cache: no random seed");
        return NGX_ERROR;
    }

    len = sizeof(" in cognito_identity_token_cache zone \"\"")
          + shm_zone->shm.name.len;

    ctx->shpool->log_ctx = ngx_slab_alloc(ctx->shpool, len);
    if (ctx->shpool->log_ctx == NULL) {
        return NGX_ERROR;
    }

    ngx_sprintf(ctx->shpool->log_ctx,
                " in cognito_identity_token_cache zone \"%V\"%Z",
                &shm_zone->shm.name);

    /* a full zone evicts; it is not worth an [alert] */

    ctx->shpool->log_nomem = 0;

    return NGX_OK;
}


/* cognito_identity_token_cache zone=<name>:<size> [ttl=<time>] | off; */

char *
ngx_http_cognito_identity_token_cache(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_cognito_identity_loc_conf_t  *cilcf = conf;

    u_char                             *p;
    ssize_t                             size;
    time_t                              ttl;
    ngx_str_t                          *value, name, s;
    ngx_uint_t                          i;
    ngx_shm_zone_t                     *shm_zone;
    ngx_http_cognito_identity_cache_t  *ctx;

    if (cilcf->token_cache != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0 && cf->args->nelts == 2) {
        cilcf->token_cache = NULL;
        return NGX_CONF_OK;
    }

    name.len = 0;
    size = 0;
    ttl = NGX_CONF_UNSET;

    for (i = 1; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "zone=", 5) == 0) {
            name.data = value[i].data + 5;
            p = (u_char *) ngx_strchr(name.data, ':');

            if (p == NULL) {
                name.len = value[i].len - 5;
                continue;
            }

            name.len = p - name.data;
            s.data = p + 1;
            s.len = value[i].data + value[i].len - s.data;
            size = ngx_parse_size(&s);

            if (size == NGX_ERROR || size < (ssize_t) (8 * ngx_pagesize)) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid zone size \"%V\", at least %uz",
                                   &value[i], 8 * ngx_pagesize);
                return NGX_CONF_ERROR;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "ttl=", 4) == 0) {
            s.data = value[i].data + 4;
            s.len = value[i].len - 4;
            ttl = ngx_parse_time(&s, 1);

            if (ttl == (time_t) NGX_ERROR || ttl == 0) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid ttl \"%V\"", &value[i]);
                return NGX_CONF_ERROR;
            }

            continue;
        }

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid parameter \"%V\"",
                           &value[i]);
        return NGX_CONF_ERROR;
    }

    if (name.len == 0) {
        return "needs zone=NAME:SIZE";
    }

    shm_zone = ngx_shared_memory_add(cf, &name, size,
                                     &ngx_http_cognito_identity_module);
    if (shm_zone == NULL) {
        return NGX_CONF_ERROR;
    }

    /* the module's other zones (keys, status) share its tag */

    if (shm_zone->data != NULL
        && shm_zone->init != ngx_http_cognito_identity_cache_init_zone)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "zone \"%V\" is already used by another "
                           "cognito_identity directive", &name);
        return NGX_CONF_ERROR;
    }

    if (shm_zone->data == NULL) {
        ctx = ngx_pcalloc(cf->pool, sizeof(ngx_http_cognito_identity_cache_t));
        if (ctx == NULL) {
            return NGX_CONF_ERROR;
        }

        ctx->shm_zone = shm_zone;
        shm_zone->init = ngx_http_cognito_identity_cache_init_zone;
        shm_zone->data = ctx;
    }

    cilcf->token_cache = shm_zone->data;
    cilcf->token_cache_ttl = ttl;

    return NGX_CONF_OK;
}


static ngx_http_cognito_identity_entry_t *
ngx_http_cognito_identity_cache_lookup(ngx_http_cognito_identity_cache_t *c,
    uint64_t key, ngx_str_t *token)
{
    ngx_http_cognito_identity_entry_t  *e;

    for (e = *ngx_http_cognito_identity_cache_bucket(c, key); e; e = e->next)
    {
        /* the whole token, compared in constant time */

        if (e->key == key
            && cig_ct_equal(e->data + e->frozen_len, e->token_len,
                            token->data, token->len))
        {
            return e;
        }
    }

    return NULL;
}


static void
ngx_http_cognito_identity_cache_remove(ngx_http_cognito_identity_cache_t *c,
    ngx_http_cognito_identity_entry_t *e)
{
    ngx_http_cognito_identity_entry_t  **p;

    ngx_queue_remove(&e->queue);

    for (p = ngx_http_cognito_identity_cache_bucket(c, e->key); *p;
         p = &(*p)->next)
    {
        if (*p == e) {
            *p = e->next;
            break;
        }
    }

    /* a bearer token: not left behind in the zone's free pages */

    ngx_explicit_memzero(e->data, e->frozen_len + e->token_len);

    ngx_slab_free_locked(c->shpool, e);
    c->sh->entries--;
}


/* Expired entries from the LRU end; with force, the oldest in any case. */

static void
ngx_http_cognito_identity_cache_expire(ngx_http_cognito_identity_cache_t *c,
    time_t now, ngx_uint_t force)
{
    ngx_uint_t                          n;
    ngx_queue_t                        *q;
    ngx_http_cognito_identity_entry_t  *e;

    for (n = 0; n < 8; n++) {

        if (ngx_queue_empty(&c->sh->queue)) {
            return;
        }

        q = ngx_queue_last(&c->sh->queue);
        e = ngx_queue_data(q, ngx_http_cognito_identity_entry_t, queue);

        if (e->expires > now) {
            if (!force) {
                return;
            }

            c->sh->evictions++;
        }

        ngx_http_cognito_identity_cache_remove(c, e);
    }
}


/*
 * NGX_OK: a hit, *id filled and every claim re-checked; NGX_DECLINED: a
 * miss (*key is then the token's index, for cache_put); NGX_ERROR: the
 * cached token no longer passes, with the reason in err.
 */

ngx_int_t
ngx_http_cognito_identity_cache_get(ngx_http_request_t *r,
    ngx_http_cognito_identity_loc_conf_t *conf, const cig_verifier_t *v,
    ngx_str_t *token, uint64_t *key, cig_identity_t *id, cig_err_t *err)
{
    u_char                             *copy;
    size_t                              len;
    time_t                              now;
    cig_code_t                          rc;
    cig_allocator_t                     a;
    ngx_http_cognito_identity_cache_t  *c;
    ngx_http_cognito_identity_entry_t  *e;

    c = conf->token_cache;
    *key = ngx_http_cognito_identity_cache_key(c, token);
    now = ngx_time();

    ngx_shmtx_lock(&c->shpool->mutex);

    e = ngx_http_cognito_identity_cache_lookup(c, *key, token);

    if (e == NULL || e->expires <= now) {
        if (e != NULL) {
            ngx_http_cognito_identity_cache_remove(c, e);
        }

        c->sh->misses++;
        ngx_shmtx_unlock(&c->shpool->mutex);
        return NGX_DECLINED;
    }

    ngx_queue_remove(&e->queue);
    ngx_queue_insert_head(&c->sh->queue, &e->queue);
    c->sh->hits++;

    len = e->frozen_len;

    /* eight-byte aligned, as the frozen block needs (NGX_ALIGNMENT may not) */

    copy = ngx_pnalloc(r->pool, len + 7);
    if (copy == NULL) {
        ngx_shmtx_unlock(&c->shpool->mutex);
        return NGX_DECLINED;
    }

    copy = ngx_align_ptr(copy, 8);

    ngx_memcpy(copy, e->data, len);

    ngx_shmtx_unlock(&c->shpool->mutex);

    a.alloc = ngx_http_cognito_identity_alloc;
    a.ctx = r->pool;

    rc = cig_token_thaw(v, copy, len, now, &a, id, err);

    if (rc == CIG_OK) {
        return NGX_OK;
    }

    /* a damaged entry (or no memory) is a miss: the token is verified */

    return rc == CIG_ERR_INTERNAL ? NGX_DECLINED : NGX_ERROR;
}


void
ngx_http_cognito_identity_cache_put(ngx_http_request_t *r,
    ngx_http_cognito_identity_loc_conf_t *conf, uint64_t key,
    ngx_str_t *token, cig_identity_t *id)
{
    size_t                               size, frozen;
    time_t                               now, expires;
    ngx_http_cognito_identity_cache_t   *c;
    ngx_http_cognito_identity_entry_t   *e, **bucket;

    c = conf->token_cache;
    now = ngx_time();

    frozen = cig_identity_frozen_size(id);

    if (frozen == 0 || frozen > UINT32_MAX || token->len > UINT32_MAX) {
        return;
    }

    /* never past exp (with leeway), nor past the configured ttl */

    expires = (id->exp + conf->leeway > (double) NGX_MAX_TIME_T_VALUE)
              ? NGX_MAX_TIME_T_VALUE : (time_t) (id->exp + conf->leeway);

    if (conf->token_cache_ttl != NGX_CONF_UNSET
        && now + conf->token_cache_ttl < expires)
    {
        expires = now + conf->token_cache_ttl;
    }

    if (expires <= now) {
        return;
    }

    size = offsetof(ngx_http_cognito_identity_entry_t, data) + frozen
           + token->len;

    ngx_shmtx_lock(&c->shpool->mutex);

    if (ngx_http_cognito_identity_cache_lookup(c, key, token) != NULL) {
        ngx_shmtx_unlock(&c->shpool->mutex);
        return;
    }

    ngx_http_cognito_identity_cache_expire(c, now, 0);

    e = ngx_slab_alloc_locked(c->shpool, size);

    if (e == NULL) {
        ngx_http_cognito_identity_cache_expire(c, now, 1);

        e = ngx_slab_alloc_locked(c->shpool, size);
        if (e == NULL) {
            ngx_shmtx_unlock(&c->shpool->mutex);
            return;
        }
    }

    if (cig_identity_freeze(id, e->data, frozen) != frozen) {
        ngx_slab_free_locked(c->shpool, e);
        ngx_shmtx_unlock(&c->shpool->mutex);
        return;
    }

    e->key = key;
    e->expires = expires;
    e->token_len = (uint32_t) token->len;
    e->frozen_len = (uint32_t) frozen;
    ngx_memcpy(e->data + frozen, token->data, token->len);

    bucket = ngx_http_cognito_identity_cache_bucket(c, key);
    e->next = *bucket;
    *bucket = e;
    ngx_queue_insert_head(&c->sh->queue, &e->queue);
    c->sh->entries++;

    ngx_shmtx_unlock(&c->shpool->mutex);
}


/*
 * For the status page: NGX_DECLINED where the zone is not a token cache's
 * (or not yet initialized), else its entries and evictions.
 */

ngx_int_t
ngx_http_cognito_identity_cache_stats(ngx_shm_zone_t *shm_zone,
    ngx_uint_t *entries, ngx_uint_t *evictions)
{
    ngx_http_cognito_identity_cache_t  *c;

    if (shm_zone->init != ngx_http_cognito_identity_cache_init_zone
        || shm_zone->data == NULL)
    {
        return NGX_DECLINED;
    }

    c = shm_zone->data;

    if (c->sh == NULL) {
        return NGX_DECLINED;
    }

    ngx_shmtx_lock(&c->shpool->mutex);
    *entries = c->sh->entries;
    *evictions = c->sh->evictions;
    ngx_shmtx_unlock(&c->shpool->mutex);

    return NGX_OK;
}
