/*
 * The verified-token cache: a shared memory zone, keyed by the SHA-256 of
 * the whole token, that remembers tokens whose signature verified, so a
 * repeated token skips the RSA work.  A hit still re-checks every claim
 * at the current time and requires the very key that signed the token to
 * be loaded.  Entries never outlive the token's exp (plus leeway) nor the
 * configured ttl; a full zone evicts the least recently used entries and
 * never fails a request.  Only successes are cached.
 */

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "ngx_http_cognito_identity_module.h"


typedef struct {
    u_char                       color;
    u_char                       dummy;
    u_short                      kid_len;
    u_short                      payload_len;
    ngx_queue_t                  queue;
    time_t                       expires;
    u_char                       hash[SHA256_DIGEST_LENGTH];
    u_char                       key_fp[CIG_KEY_FP_LEN];
    u_char                       data[1];     /* kid, then payload */
} ngx_http_cognito_identity_entry_t;


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


static void
ngx_http_cognito_identity_cache_insert_value(ngx_rbtree_node_t *temp,
    ngx_rbtree_node_t *node, ngx_rbtree_node_t *sentinel)
{
    ngx_rbtree_node_t                  **p;
    ngx_http_cognito_identity_entry_t   *e, *et;

    for ( ;; ) {

        if (node->key < temp->key) {
            p = &temp->left;

        } else if (node->key > temp->key) {
            p = &temp->right;

        } else {
            e = (ngx_http_cognito_identity_entry_t *) &node->color;
            et = (ngx_http_cognito_identity_entry_t *) &temp->color;

            p = (ngx_memcmp(e->hash, et->hash, SHA256_DIGEST_LENGTH) < 0)
                ? &temp->left : &temp->right;
        }

        if (*p == sentinel) {
            break;
        }

        temp = *p;
    }

    *p = node;
    node->parent = temp;
    node->left = sentinel;
    node->right = sentinel;
    ngx_rbt_red(node);
}


static ngx_int_t
ngx_http_cognito_identity_cache_init_zone(ngx_shm_zone_t *shm_zone,
    void *data)
{
    ngx_http_cognito_identity_cache_t  *octx = data;

    size_t                              len;
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

    ngx_rbtree_init(&ctx->sh->rbtree, &ctx->sh->sentinel,
                    ngx_http_cognito_identity_cache_insert_value);
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
    ngx_rbtree_key_t                    key;
    ngx_rbtree_node_t                  *node, *sentinel;
    ngx_http_cognito_identity_entry_t  *e;

    ngx_memcpy(&key, hash, sizeof(ngx_rbtree_key_t));

    node = c->sh->rbtree.root;
    sentinel = c->sh->rbtree.sentinel;

    while (node != sentinel) {

        if (key < node->key) {
            node = node->left;
            continue;
        }

        if (key > node->key) {
            node = node->right;
            continue;
        }

        e = (ngx_http_cognito_identity_entry_t *) &node->color;

        /* the whole digest, compared in constant time */

        if (CRYPTO_memcmp(hash, e->hash, SHA256_DIGEST_LENGTH) == 0) {
            return e;
        }

        node = (ngx_memcmp(hash, e->hash, SHA256_DIGEST_LENGTH) < 0)
               ? node->left : node->right;
    }

    return NULL;
}


static void
ngx_http_cognito_identity_cache_remove(ngx_http_cognito_identity_cache_t *c,
    ngx_http_cognito_identity_entry_t *e)
{
    ngx_rbtree_node_t  *node;

    ngx_queue_remove(&e->queue);

    node = (ngx_rbtree_node_t *) ((u_char *) e
                                  - offsetof(ngx_rbtree_node_t, color));

    ngx_rbtree_delete(&c->sh->rbtree, node);
    ngx_slab_free_locked(c->shpool, node);
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
    size_t                              size;
    time_t                              now, expires;
    ngx_rbtree_node_t                  *node;
    ngx_http_cognito_identity_cache_t  *c;
    ngx_http_cognito_identity_entry_t  *e;

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

    size = offsetof(ngx_rbtree_node_t, color)
           + offsetof(ngx_http_cognito_identity_entry_t, data)
           + id->kid.len + id->payload.len;

    ngx_shmtx_lock(&c->shpool->mutex);

    if (ngx_http_cognito_identity_cache_lookup(c, hash) != NULL) {
        ngx_shmtx_unlock(&c->shpool->mutex);
        return;
    }

    ngx_http_cognito_identity_cache_expire(c, now, 0);

    node = ngx_slab_alloc_locked(c->shpool, size);

    if (node == NULL) {
        ngx_http_cognito_identity_cache_expire(c, now, 1);

        node = ngx_slab_alloc_locked(c->shpool, size);
        if (node == NULL) {
            ngx_shmtx_unlock(&c->shpool->mutex);
            return;
        }
    }

    e = (ngx_http_cognito_identity_entry_t *) &node->color;

    ngx_memcpy(&node->key, hash, sizeof(ngx_rbtree_key_t));
    ngx_memcpy(e->hash, hash, SHA256_DIGEST_LENGTH);
    ngx_memcpy(e->key_fp, id->key_fp, CIG_KEY_FP_LEN);
    e->expires = expires;
    e->kid_len = (u_short) id->kid.len;
    e->payload_len = (u_short) id->payload.len;
    ngx_memcpy(e->data, id->kid.data, id->kid.len);
    ngx_memcpy(e->data + id->kid.len, id->payload.data, id->payload.len);

    ngx_rbtree_insert(&c->sh->rbtree, node);
    ngx_queue_insert_head(&c->sh->queue, &e->queue);

    ngx_shmtx_unlock(&c->shpool->mutex);
}
