/*
 * The verified-token cache: a shared memory zone, keyed by the SHA-256 of
 * the whole token, that remembers tokens whose signature verified, so a
 * repeated token skips the RSA work.  Entries are found through a hash
 * table (buckets by the digest's first bytes, sized from the zone when it
 * is created): one or two cache misses per lookup however many tokens are
 * held, where a tree of 100,000 took seventeen.  Only verified tokens are
 * inserted, so no client can lengthen a chain at will.  A hit still
 * re-checks every claim at the current time and requires the very key that
 * signed the token to be loaded.  Entries never outlive the token's exp
 * (plus leeway) nor the configured ttl; a full zone evicts the least
 * recently used entries and never fails a request.  Only successes are
 * cached.
 */

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "ngx_http_cognito_identity_module.h"


struct ngx_http_cognito_identity_entry_s {
    ngx_http_cognito_identity_entry_t  *next;     /* in its bucket */
    ngx_queue_t                  queue;
    time_t                       expires;
    u_short                      kid_len;
    u_short                      payload_len;
    u_char                       hash[SHA256_DIGEST_LENGTH];
    u_char                       key_fp[CIG_KEY_FP_LEN];
    u_char                       data[1];     /* kid, then payload */
};


/* A bucket per this many bytes of zone: about one per entry. */

#define NGX_HTTP_COGNITO_IDENTITY_BUCKET_BYTES  512


/*
 * SHA-256 with the digest fetched and a context allocated once per worker
 * (a worker is single-threaded): the one-shot SHA256() fetches, allocates
 * and locks on every call in OpenSSL 3.
 */

static EVP_MD      *ngx_http_cognito_identity_md;
static EVP_MD_CTX  *ngx_http_cognito_identity_md_ctx;


void
ngx_http_cognito_identity_cache_exit(void)
{
    EVP_MD_CTX_free(ngx_http_cognito_identity_md_ctx);
    EVP_MD_free(ngx_http_cognito_identity_md);
    ngx_http_cognito_identity_md_ctx = NULL;
    ngx_http_cognito_identity_md = NULL;
}


static ngx_int_t
ngx_http_cognito_identity_sha256(u_char *data, size_t len, u_char *hash)
{
    EVP_MD      *md = ngx_http_cognito_identity_md;
    EVP_MD_CTX  *ctx = ngx_http_cognito_identity_md_ctx;

    if (md == NULL) {
        md = EVP_MD_fetch(NULL, "SHA256", NULL);
        ctx = EVP_MD_CTX_new();

        if (md == NULL || ctx == NULL) {
            EVP_MD_free(md);
            EVP_MD_CTX_free(ctx);
            return NGX_ERROR;
        }

        ngx_http_cognito_identity_md = md;
        ngx_http_cognito_identity_md_ctx = ctx;
    }

    if (EVP_DigestInit_ex(ctx, md, NULL) != 1
        || EVP_DigestUpdate(ctx, data, len) != 1
        || EVP_DigestFinal_ex(ctx, hash, NULL) != 1)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


static ngx_http_cognito_identity_entry_t **
ngx_http_cognito_identity_cache_bucket(ngx_http_cognito_identity_cache_t *c,
    u_char *hash)
{
    uint64_t  h;

    ngx_memcpy(&h, hash, sizeof(uint64_t));

    return &c->sh->buckets[h & c->sh->mask];
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

    ctx->sh = ngx_slab_alloc(ctx->shpool,
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
    u_char *hash)
{
    ngx_http_cognito_identity_entry_t  *e;

    for (e = *ngx_http_cognito_identity_cache_bucket(c, hash); e; e = e->next)
    {
        /* the whole digest, compared in constant time */

        if (CRYPTO_memcmp(hash, e->hash, SHA256_DIGEST_LENGTH) == 0) {
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

    for (p = ngx_http_cognito_identity_cache_bucket(c, e->hash); *p;
         p = &(*p)->next)
    {
        if (*p == e) {
            *p = e->next;
            break;
        }
    }

    ngx_slab_free_locked(c->shpool, e);
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

        if (!force && e->expires > now) {
            return;
        }

        ngx_http_cognito_identity_cache_remove(c, e);
    }
}


/*
 * NGX_OK: a hit, *id filled and every claim re-checked; NGX_DECLINED: a
 * miss (hash is then the token's digest, for cache_put); NGX_ERROR: the
 * cached token no longer passes, with the reason in err.
 */

ngx_int_t
ngx_http_cognito_identity_cache_get(ngx_http_request_t *r,
    ngx_http_cognito_identity_loc_conf_t *conf, const cig_verifier_t *v,
    ngx_str_t *token, u_char *hash, cig_identity_t *id, cig_err_t *err)
{
    u_char                             *copy, fp[CIG_KEY_FP_LEN];
    size_t                              len;
    time_t                              now;
    cig_str_t                           kid;
    cig_allocator_t                     a;
    ngx_http_cognito_identity_cache_t  *c;
    ngx_http_cognito_identity_entry_t  *e;

    c = conf->token_cache;

    if (ngx_http_cognito_identity_sha256(token->data, token->len, hash)
        != NGX_OK)
    {
        return NGX_DECLINED;
    }

    now = ngx_time();

    ngx_shmtx_lock(&c->shpool->mutex);

    e = ngx_http_cognito_identity_cache_lookup(c, hash);

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

    len = e->kid_len + e->payload_len;

    copy = ngx_pnalloc(r->pool, len + 1);
    if (copy == NULL) {
        ngx_shmtx_unlock(&c->shpool->mutex);
        return NGX_DECLINED;
    }

    ngx_memcpy(copy, e->data, len);
    copy[len] = '\0';
    ngx_memcpy(fp, e->key_fp, CIG_KEY_FP_LEN);
    kid.len = e->kid_len;

    ngx_shmtx_unlock(&c->shpool->mutex);

    kid.data = (char *) copy;
    a.alloc = ngx_http_cognito_identity_alloc;
    a.ctx = r->pool;

    if (cig_token_reverify(v, kid, fp, (char *) copy + kid.len,
                           len - kid.len, now, &a, id, err)
        != CIG_OK)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


void
ngx_http_cognito_identity_cache_put(ngx_http_request_t *r,
    ngx_http_cognito_identity_loc_conf_t *conf, u_char *hash,
    cig_identity_t *id)
{
    size_t                               size;
    time_t                               now, expires;
    ngx_http_cognito_identity_cache_t   *c;
    ngx_http_cognito_identity_entry_t   *e, **bucket;

    c = conf->token_cache;
    now = ngx_time();

    if (id->kid.len > 0xffff || id->payload.len > 0xffff) {
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

    size = offsetof(ngx_http_cognito_identity_entry_t, data)
           + id->kid.len + id->payload.len;

    ngx_shmtx_lock(&c->shpool->mutex);

    if (ngx_http_cognito_identity_cache_lookup(c, hash) != NULL) {
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

    ngx_memcpy(e->hash, hash, SHA256_DIGEST_LENGTH);
    ngx_memcpy(e->key_fp, id->key_fp, CIG_KEY_FP_LEN);
    e->expires = expires;
    e->kid_len = (u_short) id->kid.len;
    e->payload_len = (u_short) id->payload.len;
    ngx_memcpy(e->data, id->kid.data, id->kid.len);
    ngx_memcpy(e->data + id->kid.len, id->payload.data, id->payload.len);

    bucket = ngx_http_cognito_identity_cache_bucket(c, hash);
    e->next = *bucket;
    *bucket = e;
    ngx_queue_insert_head(&c->sh->queue, &e->queue);

    ngx_shmtx_unlock(&c->shpool->mutex);
}
