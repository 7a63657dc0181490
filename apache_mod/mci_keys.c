/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Keys from a URL (CognitoIdentityKeyURL), fetched with libcurl in the
 * request that needs them (httpd's model: a worker may block briefly).
 *
 * Sharing:
 * - across threads: each process holds the parsed key set of each URL as
 *   an immutable snapshot behind one pointer, read without a lock; a new
 *   snapshot replaces it under the source's mutex, and replaced ones are
 *   freed only after a grace period (a verification takes microseconds);
 * - across processes: an anonymous shared memory segment, created by the
 *   parent at start and inherited by the children, holds per URL the last
 *   good JWKS text under a sequence lock, and the times of the last good
 *   fetch, the last attempt and the last fetch for an unknown kid.  The
 *   times are claimed with compare-and-swap, so that all processes
 *   together fetch at most once per CognitoIdentityKeyRefresh after a
 *   failure or for unknown kids, and a process that finds newer text in the
 *   segment parses it instead of fetching.
 */

#include "mod_cognito_identity.h"

#include "apr_atomic.h"
#include "apr_shm.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <unistd.h>


#define MCI_GRACE      600     /* seconds before a replaced key set is freed */
#define MCI_WAIT       10      /* seconds a request waits for a first fetch */
#define MCI_STALE_LOCK 60      /* seconds after which a writer lock is stale */


typedef struct {
    volatile apr_uint32_t    seq;          /* even: stable, odd: writing */
    volatile apr_uint32_t    lock;         /* writer: 0 free, else since */
    volatile apr_uint32_t    fetched;      /* last good fetch */
    volatile apr_uint32_t    last_attempt; /* last fetch started */
    volatile apr_uint32_t    last_kid;     /* last fetch for unknown kid */
    volatile apr_uint32_t    len;
    volatile apr_uint32_t    nkeys;        /* in the last good fetch */
    volatile apr_uint32_t    fails;        /* since the last good fetch */
    char                     data[MCI_MAX_JWKS];
} mci_slot_t;


static mci_slot_t   *mci_shm_slots;      /* this generation's segment */
static unsigned      mci_shm_nslots;
static int           mci_curl_ready;


static apr_uint32_t
mci_now(void)
{
    return (apr_uint32_t) apr_time_sec(apr_time_now());
}


/* One source per distinct URL per configuration read. */

mci_source_t *
mci_source_get(cmd_parms *cmd, const char *url, const char **err)
{
    void          *h;
    apr_hash_t    *sources;
    mci_source_t  *src;

    apr_pool_userdata_get(&h, "mci_sources", cmd->pool);

    if (h == NULL) {
        h = apr_hash_make(cmd->pool);
        apr_pool_userdata_set(h, "mci_sources", apr_pool_cleanup_null,
                              cmd->pool);
    }

    sources = h;

    src = apr_hash_get(sources, url, APR_HASH_KEY_STRING);
    if (src != NULL) {
        return src;
    }

    if (apr_hash_count(sources) >= MCI_MAX_SOURCES) {
        *err = apr_psprintf(cmd->pool, "%s: more than %d key URLs",
                            cmd->cmd->name, MCI_MAX_SOURCES);
        return NULL;
    }

    src = apr_pcalloc(cmd->pool, sizeof(mci_source_t));
    src->url = apr_pstrdup(cmd->pool, url);
    src->slot = apr_hash_count(sources);

    if (apr_thread_mutex_create(&src->mutex, APR_THREAD_MUTEX_DEFAULT,
                                cmd->pool)
        != APR_SUCCESS)
    {
        *err = "cannot create a mutex";
        return NULL;
    }

    apr_hash_set(sources, src->url, APR_HASH_KEY_STRING, src);

    return src;
}


static mci_slot_t *
mci_slot(mci_source_t *src)
{
    static mci_slot_t  *local;

    if (mci_shm_slots != NULL && src->slot < mci_shm_nslots) {
        return &mci_shm_slots[src->slot];
    }

    /* no segment (a configuration test): a process-local one */

    if (local == NULL) {
        local = calloc(MCI_MAX_SOURCES, sizeof(mci_slot_t));
        if (local == NULL) {
            return NULL;
        }
    }

    return &local[src->slot];
}


apr_status_t
mci_keys_post_config(apr_pool_t *pconf, server_rec *s)
{
    void          *h;
    unsigned       n;
    apr_shm_t     *shm;
    apr_status_t   rv;

    mci_shm_slots = NULL;
    mci_shm_nslots = 0;

    apr_pool_userdata_get(&h, "mci_sources", pconf);
    if (h == NULL) {
        return APR_SUCCESS;
    }

    n = apr_hash_count(h);
    if (n == 0) {
        return APR_SUCCESS;
    }

    if (!mci_curl_ready) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
            ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s, "cognito identity: "
                         "curl_global_init() failed");
            return APR_EGENERAL;
        }

        mci_curl_ready = 1;
    }

    rv = apr_shm_create(&shm, n * sizeof(mci_slot_t), NULL, pconf);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, rv, s, "cognito identity: "
                     "cannot create the shared key segment");
        return rv;
    }

    mci_shm_slots = apr_shm_baseaddr_get(shm);
    mci_shm_nslots = n;
    memset(mci_shm_slots, 0, n * sizeof(mci_slot_t));

    return APR_SUCCESS;
}


void
mci_keys_child_init(apr_pool_t *pchild, server_rec *s)
{
    (void) pchild;
    (void) s;
}


/* Claims a time field: true if it was at least `interval` ago. */

static int
mci_claim(volatile apr_uint32_t *field, apr_uint32_t now,
    apr_uint32_t interval)
{
    apr_uint32_t  old;

    old = apr_atomic_read32(field);

    if (old != 0 && now - old < interval) {
        return 0;
    }

    return apr_atomic_cas32(field, now, old) == old;
}


/* Installs a key set as the source's current snapshot (mutex held). */

static void
mci_install(mci_source_t *src, cig_keyset_t *ks, apr_uint32_t seq)
{
    apr_time_t       now;
    mci_snapshot_t  *snap, *old, **pp;

    snap = calloc(1, sizeof(mci_snapshot_t));
    if (snap == NULL) {
        cig_keyset_free(ks);
        return;
    }

    snap->keyset = ks;

    old = src->current;
    __atomic_store_n(&src->current, snap, __ATOMIC_RELEASE);
    src->seen_seq = seq;

    now = apr_time_now();

    if (old != NULL) {
        old->retired = now;
        old->next = src->retired;
        src->retired = old;
    }

    /* free what was replaced long enough ago that no thread still reads */

    pp = &src->retired;

    while (*pp != NULL) {
        if (now - (*pp)->retired > apr_time_from_sec(MCI_GRACE)) {
            old = *pp;
            *pp = old->next;
            cig_keyset_free(old->keyset);
            free(old);
            continue;
        }

        pp = &(*pp)->next;
    }
}


/* Newer JWKS text in the segment (another process fetched): parse it. */

static int
mci_sync(request_rec *r, mci_source_t *src, mci_slot_t *slot)
{
    int            tries;
    char          *text;
    unsigned       skipped;
    cig_err_t      err;
    apr_uint32_t   s1, s2, len;
    cig_keyset_t  *ks;

    s1 = apr_atomic_read32(&slot->seq);

    if (s1 == 0 || (s1 & 1) || s1 == src->seen_seq) {
        return 0;
    }

    text = malloc(MCI_MAX_JWKS);
    if (text == NULL) {
        return 0;
    }

    for (tries = 0; tries < 3; tries++) {
        s1 = apr_atomic_read32(&slot->seq);
        if (s1 & 1) {
            usleep(1000);
            continue;
        }

        len = apr_atomic_read32(&slot->len);
        if (len > MCI_MAX_JWKS) {
            len = 0;
        }

        memcpy(text, slot->data, len);
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        s2 = apr_atomic_read32(&slot->seq);

        if (s1 == s2) {
            break;
        }
    }

    if (tries == 3 || s1 == src->seen_seq) {
        free(text);
        return 0;
    }

    ks = cig_keyset_from_jwks(text, len, &skipped, &err);
    free(text);

    if (ks == NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "cognito identity: keys "
                      "of \"%s\" in shared memory: %s", src->url, err.msg);
        src->seen_seq = s1;
        return 0;
    }

    mci_install(src, ks, s1);
    src->fetched = apr_atomic_read32(&slot->fetched);

    return 1;
}


typedef struct {
    char    *data;
    size_t   len;
    int      too_big;
} mci_body_t;


static size_t
mci_curl_write(char *ptr, size_t size, size_t nmemb, void *data)
{
    size_t       n;
    mci_body_t  *b = data;

    n = size * nmemb;

    if (b->len + n > MCI_MAX_JWKS) {
        b->too_big = 1;
        return 0;
    }

    memcpy(b->data + b->len, ptr, n);
    b->len += n;

    return n;
}


/* Fetches, parses and publishes the keys of a source (mutex held). */

static int
mci_fetch(request_rec *r, mci_source_t *src, mci_slot_t *slot,
    const char *why)
{
    long           code;
    CURL          *curl;
    unsigned       skipped;
    CURLcode       cc;
    cig_err_t      err;
    mci_body_t     body;
    apr_uint32_t   now, seq;
    cig_keyset_t  *ks;
    char           errbuf[CURL_ERROR_SIZE];

    body.data = malloc(MCI_MAX_JWKS);
    body.len = 0;
    body.too_big = 0;

    curl = curl_easy_init();

    if (curl == NULL || body.data == NULL) {
        free(body.data);
        if (curl) {
            curl_easy_cleanup(curl);
        }

        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "cognito identity: keys "
                      "from \"%s\" not updated: out of memory", src->url);
        return 0;
    }

    errbuf[0] = '\0';

    curl_easy_setopt(curl, CURLOPT_URL, src->url);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 5L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS,
                     (long) (CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "mod_cognito_identity");
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, mci_curl_write);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);

    mci_status_count(MCI_STAT_KEY_FETCH);
    cc = curl_easy_perform(curl);

    code = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_cleanup(curl);

    if (body.too_big) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "cognito identity: keys "
                      "from \"%s\" not updated: more than %d bytes; keeping "
                      "the last good keys, if any", src->url, MCI_MAX_JWKS);
        free(body.data);
        mci_status_count(MCI_STAT_KEY_FETCH_FAIL);
        apr_atomic_inc32(&slot->fails);
        return 0;
    }

    if (cc != CURLE_OK || code != 200) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "cognito identity: keys "
                      "from \"%s\" not updated: %s; keeping the last good "
                      "keys, if any", src->url,
                      cc != CURLE_OK
                      ? (errbuf[0] ? errbuf : curl_easy_strerror(cc))
                      : apr_psprintf(r->pool, "status %ld", code));
        free(body.data);
        mci_status_count(MCI_STAT_KEY_FETCH_FAIL);
        apr_atomic_inc32(&slot->fails);
        return 0;
    }

    ks = cig_keyset_from_jwks(body.data, body.len, &skipped, &err);
    if (ks == NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "cognito identity: keys "
                      "from \"%s\" not updated: %s; keeping the last good "
                      "keys, if any", src->url, err.msg);
        free(body.data);
        mci_status_count(MCI_STAT_KEY_FETCH_FAIL);
        apr_atomic_inc32(&slot->fails);
        return 0;
    }

    now = mci_now();

    /* publish to the other processes under the sequence lock */

    seq = 0;

    if (mci_claim(&slot->lock, now, MCI_STALE_LOCK)) {
        seq = apr_atomic_read32(&slot->seq);
        if (seq & 1) {
            seq++;      /* a writer died mid-way */
        }

        apr_atomic_set32(&slot->seq, seq + 1);
        __atomic_thread_fence(__ATOMIC_RELEASE);
        memcpy(slot->data, body.data, body.len);
        apr_atomic_set32(&slot->len, (apr_uint32_t) body.len);
        apr_atomic_set32(&slot->fetched, now);
        __atomic_thread_fence(__ATOMIC_RELEASE);
        seq += 2;
        apr_atomic_set32(&slot->seq, seq);
        apr_atomic_set32(&slot->lock, 0);
    }

    free(body.data);

    apr_atomic_set32(&slot->nkeys, (apr_uint32_t) cig_keyset_count(ks));
    apr_atomic_set32(&slot->fails, 0);

    mci_install(src, ks, seq);
    src->fetched = now;

    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "cognito identity: %u keys "
                  "loaded from \"%s\" (%s)", (unsigned) cig_keyset_count(ks),
                  src->url, why);

    return 1;
}


cig_code_t
mci_keys_ready(request_rec *r, const mci_dir_conf_t *conf,
    cig_keyset_t **keysets, size_t *n, cig_err_t *err)
{
    int               i;
    apr_uint32_t      now, cache, refresh;
    apr_time_t        deadline;
    mci_slot_t       *slot;
    mci_source_t    **sp, *src;
    mci_snapshot_t   *snap;

    cache = conf->key_cache == MCI_UNSET ? MCI_KEY_CACHE : conf->key_cache;
    refresh = conf->key_refresh == MCI_UNSET ? MCI_KEY_REFRESH
                                             : conf->key_refresh;

    sp = (mci_source_t **) conf->sources->elts;

    for (i = 0; i < conf->sources->nelts; i++) {
        src = sp[i];
        slot = mci_slot(src);
        if (slot == NULL) {
            continue;
        }

        now = mci_now();
        snap = __atomic_load_n(&src->current, __ATOMIC_ACQUIRE);

        if (apr_atomic_read32(&slot->seq) != src->seen_seq
            && apr_thread_mutex_trylock(src->mutex) == APR_SUCCESS)
        {
            mci_sync(r, src, slot);
            apr_thread_mutex_unlock(src->mutex);
            snap = __atomic_load_n(&src->current, __ATOMIC_ACQUIRE);
        }

        if (snap == NULL) {

            /* no keys in this process: wait for a fetch, ours or another's */

            deadline = apr_time_now() + apr_time_from_sec(MCI_WAIT);

            apr_thread_mutex_lock(src->mutex);

            while (src->current == NULL && apr_time_now() < deadline) {
                if (mci_sync(r, src, slot)) {
                    break;
                }

                now = mci_now();

                if (mci_claim(&slot->last_attempt, now, refresh)) {
                    mci_fetch(r, src, slot, "first use");
                    break;
                }

                if (apr_atomic_read32(&slot->lock) == 0
                    && apr_atomic_read32(&slot->seq) == src->seen_seq)
                {
                    break;      /* nobody is fetching: a recent failure */
                }

                apr_thread_mutex_unlock(src->mutex);
                apr_sleep(apr_time_from_msec(50));
                apr_thread_mutex_lock(src->mutex);
            }

            apr_thread_mutex_unlock(src->mutex);
            snap = __atomic_load_n(&src->current, __ATOMIC_ACQUIRE);

        } else if (now - apr_atomic_read32(&slot->fetched) >= cache
                   && mci_claim(&slot->last_attempt, now, refresh)
                   && apr_thread_mutex_trylock(src->mutex) == APR_SUCCESS)
        {
            /* stale: one request of all processes refreshes, the others
             * go on with the keys they have */

            mci_fetch(r, src, slot, "cache expired");
            apr_thread_mutex_unlock(src->mutex);
            snap = __atomic_load_n(&src->current, __ATOMIC_ACQUIRE);
        }

        if (snap != NULL) {
            keysets[(*n)++] = snap->keyset;
        }
    }

    if (*n == 0) {
        cig_err_set(err, CIG_ERR_NO_KEYS, "no keys could be had from \"%s\"",
                    sp[0]->url);
        return CIG_ERR_NO_KEYS;
    }

    return CIG_OK;
}


int
mci_keys_unknown_kid(request_rec *r, const mci_dir_conf_t *conf)
{
    int             i, got;
    apr_uint32_t    now, refresh;
    mci_slot_t     *slot;
    mci_source_t  **sp, *src;

    refresh = conf->key_refresh == MCI_UNSET ? MCI_KEY_REFRESH
                                             : conf->key_refresh;

    sp = (mci_source_t **) conf->sources->elts;
    got = 0;

    for (i = 0; i < conf->sources->nelts; i++) {
        src = sp[i];
        slot = mci_slot(src);
        if (slot == NULL) {
            continue;
        }

        apr_thread_mutex_lock(src->mutex);

        if (mci_sync(r, src, slot)) {
            got = 1;

        } else {
            now = mci_now();

            if (mci_claim(&slot->last_kid, now, refresh)) {
                apr_atomic_set32(&slot->last_attempt, now);
                got |= mci_fetch(r, src, slot, "unknown kid");

            } else {
                ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, "cognito "
                              "identity: unknown kid, keys of \"%s\" were "
                              "fetched less than %us ago", src->url,
                              (unsigned) refresh);
            }
        }

        apr_thread_mutex_unlock(src->mutex);
    }

    return got;
}


const char *
mci_keys_missing(const mci_dir_conf_t *conf)
{
    int             i;
    mci_source_t  **sp;

    if (conf->sources == NULL) {
        return NULL;
    }

    sp = (mci_source_t **) conf->sources->elts;

    for (i = 0; i < conf->sources->nelts; i++) {
        if (__atomic_load_n(&sp[i]->current, __ATOMIC_ACQUIRE) == NULL) {
            return sp[i]->url;
        }
    }

    return NULL;
}


/* For the status page: each key URL of this configuration, by slot. */

int
mci_keys_status(request_rec *r, mci_key_status_t **out)
{
    int                 n;
    void               *h;
    mci_slot_t         *slot;
    mci_source_t       *src;
    apr_hash_index_t   *hi;
    mci_key_status_t   *k;

    apr_pool_userdata_get(&h, "mci_sources", r->server->process->pconf);

    n = h ? (int) apr_hash_count(h) : 0;

    if (n == 0 || mci_shm_slots == NULL) {
        return 0;
    }

    k = apr_pcalloc(r->pool, n * sizeof(mci_key_status_t));

    for (hi = apr_hash_first(r->pool, h); hi; hi = apr_hash_next(hi)) {
        src = apr_hash_this_val(hi);

        if (src->slot >= (unsigned) n || src->slot >= mci_shm_nslots) {
            continue;
        }

        slot = &mci_shm_slots[src->slot];
        k[src->slot].url = src->url;
        k[src->slot].fetched = apr_atomic_read32(&slot->fetched);
        k[src->slot].fails = apr_atomic_read32(&slot->fails);
        k[src->slot].nkeys = k[src->slot].fetched
                             ? apr_atomic_read32(&slot->nkeys) : 0;
    }

    *out = k;

    return n;
}
