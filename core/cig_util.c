/*
 * Errors, identifiers, string sets, constant-time comparison, a malloc arena
 * for tools and tests, and bounded file reading.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cig.h"
#include "cig_internal.h"


void
cig_err_set(cig_err_t *err, cig_code_t code, const char *fmt, ...)
{
    va_list  args;

    if (err == NULL) {
        return;
    }

    err->code = code;

    va_start(args, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, args);
    va_end(args);
}


const char *
cig_code_name(cig_code_t code)
{
    switch (code) {
    case CIG_OK:                return "ok";
    case CIG_ERR_NO_TOKEN:      return "no token";
    case CIG_ERR_INVALID_TOKEN: return "invalid token";
    case CIG_ERR_GUEST:         return "guest identity";
    case CIG_ERR_FORBIDDEN:     return "forbidden";
    case CIG_ERR_NO_KEYS:       return "no keys";
    case CIG_ERR_BAD_REQUEST:   return "bad request";
    case CIG_ERR_CONFIG:        return "configuration error";
    case CIG_ERR_INTERNAL:      return "internal error";
    }

    return "unknown";
}


static int
cig_is_lower_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}


/*
 * REGION:UUID as Cognito issues them, e.g. "eu-west-1:" followed by a
 * lower-case 8-4-4-4-12 UUID.  The region is letters and digits in
 * dash-separated words ending with a number ("us-gov-west-1").
 */

static int
cig_region_uuid_valid(const char *s, size_t len)
{
    size_t       i, colon, words;
    static const size_t  dash[] = { 8, 13, 18, 23 };

    if (len == 0 || len > CIG_MAX_ID_LEN) {
        return 0;
    }

    for (colon = 0; colon < len && s[colon] != ':'; colon++) {
        /* void */
    }

    if (colon == len || len - colon - 1 != 36 || colon < 4) {
        return 0;
    }

    /* region */

    words = 1;

    for (i = 0; i < colon; i++) {
        if (s[i] == '-') {
            if (i == 0 || s[i - 1] == '-') {
                return 0;
            }
            words++;
            continue;
        }

        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9'))) {
            return 0;
        }
    }

    if (words < 3 || s[colon - 1] < '0' || s[colon - 1] > '9') {
        return 0;
    }

    /* uuid */

    s += colon + 1;

    for (i = 0; i < 36; i++) {
        if (i == dash[0] || i == dash[1] || i == dash[2] || i == dash[3]) {
            if (s[i] != '-') {
                return 0;
            }
            continue;
        }

        if (!cig_is_lower_hex(s[i])) {
            return 0;
        }
    }

    return 1;
}


int
cig_pool_id_valid(const char *s, size_t len)
{
    return cig_region_uuid_valid(s, len);
}


int
cig_identity_id_valid(const char *s, size_t len)
{
    return cig_region_uuid_valid(s, len);
}


static int
cig_str_cmp(const void *one, const void *two)
{
    const cig_str_t  *a = one, *b = two;
    size_t            n;
    int               rc;

    n = a->len < b->len ? a->len : b->len;
    rc = n ? memcmp(a->data, b->data, n) : 0;

    if (rc != 0) {
        return rc;
    }

    return (a->len > b->len) - (a->len < b->len);
}


void
cig_strs_sort(cig_str_t *strs, size_t n)
{
    if (n > 1) {
        qsort(strs, n, sizeof(cig_str_t), cig_str_cmp);
    }
}


size_t
cig_strs_index(const cig_str_t *sorted, size_t n, cig_str_t key)
{
    const cig_str_t  *found;

    if (n == 0) {
        return (size_t) -1;
    }

    found = bsearch(&key, sorted, n, sizeof(cig_str_t), cig_str_cmp);

    return found ? (size_t) (found - sorted) : (size_t) -1;
}


int
cig_strs_find(const cig_str_t *sorted, size_t n, const char *s, size_t len)
{
    cig_str_t  key;

    key.data = s;
    key.len = len;

    return cig_strs_index(sorted, n, key) != (size_t) -1;
}


int
cig_ct_equal(const void *a, size_t alen, const void *b, size_t blen)
{
    const unsigned char  *p = a, *q = b;
    uint64_t              x, y, diff;
    size_t                i;

    /* the length is not secret; the content is */

    if (alen != blen) {
        return 0;
    }

    diff = 0;

    /*
     * Eight bytes at a time (a cached token is compared whole on every
     * hit); the empty asm keeps the compiler from ending the loop early.
     */

    for (i = 0; i + 8 <= alen; i += 8) {
        memcpy(&x, p + i, 8);
        memcpy(&y, q + i, 8);
        diff |= x ^ y;
        __asm__ __volatile__ ("" : "+r" (diff));
    }

    for ( /* void */ ; i < alen; i++) {
        diff |= (uint64_t) (p[i] ^ q[i]);
        __asm__ __volatile__ ("" : "+r" (diff));
    }

    return diff == 0;
}


/* A simple chained arena over malloc. */

typedef struct cig_arena_block_s  cig_arena_block_t;

struct cig_arena_block_s {
    cig_arena_block_t  *next;
    size_t              used;
    size_t              size;
    _Alignas(16) unsigned char  data[];
};

struct cig_arena_s {
    cig_arena_block_t  *blocks;
};


cig_arena_t *
cig_arena_create(void)
{
    return calloc(1, sizeof(cig_arena_t));
}


void
cig_arena_destroy(cig_arena_t *arena)
{
    cig_arena_block_t  *b, *next;

    if (arena == NULL) {
        return;
    }

    for (b = arena->blocks; b; b = next) {
        next = b->next;
        free(b);
    }

    free(arena);
}


static void *
cig_arena_alloc(void *ctx, size_t size)
{
    cig_arena_t        *arena = ctx;
    cig_arena_block_t  *b;
    size_t              bsize;
    void               *p;

    size = (size + 15) & ~(size_t) 15;
    b = arena->blocks;

    if (b == NULL || b->size - b->used < size) {
        bsize = size > 16384 ? size : 16384;
        b = malloc(sizeof(cig_arena_block_t) + bsize);
        if (b == NULL) {
            return NULL;
        }

        b->used = 0;
        b->size = bsize;
        b->next = arena->blocks;
        arena->blocks = b;
    }

    p = b->data + b->used;
    b->used += size;

    return p;
}


void
cig_arena_allocator(cig_arena_t *arena, cig_allocator_t *a)
{
    a->alloc = cig_arena_alloc;
    a->ctx = arena;
}


char *
cig_file_read(const char *path, size_t *len, cig_err_t *err)
{
    FILE    *f;
    char    *buf;
    size_t   n;

    f = fopen(path, "rb");
    if (f == NULL) {
        cig_err_set(err, CIG_ERR_CONFIG, "cannot open \"%s\": %s", path,
                    strerror(errno));
        return NULL;
    }

    buf = malloc(CIG_MAX_JSON_FILE + 1);
    if (buf == NULL) {
        fclose(f);
        cig_err_set(err, CIG_ERR_INTERNAL, "out of memory");
        return NULL;
    }

    n = fread(buf, 1, CIG_MAX_JSON_FILE + 1, f);

    if (ferror(f)) {
        cig_err_set(err, CIG_ERR_CONFIG, "cannot read \"%s\": %s", path,
                    strerror(errno));
        goto failed;
    }

    if (n > CIG_MAX_JSON_FILE) {
        cig_err_set(err, CIG_ERR_CONFIG, "\"%s\" is larger than %d bytes",
                    path, CIG_MAX_JSON_FILE);
        goto failed;
    }

    fclose(f);
    buf[n] = '\0';
    *len = n;

    return buf;

failed:

    fclose(f);
    free(buf);

    return NULL;
}
