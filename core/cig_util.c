/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Errors, identifiers, string sets, constant-time comparison, a malloc arena
 * for tools and tests, and bounded file reading.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

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


/* character classes of identifiers, one table look-up per character */

#define CIG_C_WORD   1        /* a-z 0-9: a region's words */
#define CIG_C_HEX    2        /* 0-9 a-f: a UUID's digits */
#define CIG_C_DIGIT  4        /* 0-9: a region's last character */

static const unsigned char  cig_id_class[256] = {
    ['0'] = 7, ['1'] = 7, ['2'] = 7, ['3'] = 7, ['4'] = 7,
    ['5'] = 7, ['6'] = 7, ['7'] = 7, ['8'] = 7, ['9'] = 7,
    ['a'] = 3, ['b'] = 3, ['c'] = 3, ['d'] = 3, ['e'] = 3, ['f'] = 3,
    ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1,
    ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1,
    ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
    ['y'] = 1, ['z'] = 1
};


/*
 * REGION:UUID as Cognito issues them, e.g. "eu-west-1:" followed by a
 * lower-case 8-4-4-4-12 UUID.  The region is letters and digits in
 * dash-separated words ending with a number ("us-gov-west-1").
 */

static int
cig_region_uuid_valid(const char *s, size_t len)
{
    const unsigned char  *u = (const unsigned char *) s;
    size_t                i, colon, words;
    unsigned              all;

    if (len < 4 + 1 + 36 || len > CIG_MAX_ID_LEN) {
        return 0;
    }

    colon = len - 37;

    if (u[colon] != ':') {
        return 0;
    }

    /* region: words of a-z 0-9, single dashes between, a digit last */

    words = 1;
    all = CIG_C_WORD;

    for (i = 0; i < colon; i++) {
        if (u[i] == '-') {
            if (i == 0 || u[i - 1] == '-') {
                return 0;
            }
            words++;
            continue;
        }

        all &= cig_id_class[u[i]];
    }

    if (all == 0 || words < 3 || !(cig_id_class[u[colon - 1]] & CIG_C_DIGIT)) {
        return 0;
    }

    /* uuid: 8-4-4-4-12 lower-case hex digits */

    u += colon + 1;

    if (u[8] != '-' || u[13] != '-' || u[18] != '-' || u[23] != '-') {
        return 0;
    }

    all = CIG_C_HEX;

    for (i = 0; i < 8; i++) {
        all &= cig_id_class[u[i]] & cig_id_class[u[28 + i]];
    }

    for (i = 0; i < 4; i++) {
        all &= cig_id_class[u[9 + i]] & cig_id_class[u[14 + i]]
               & cig_id_class[u[19 + i]] & cig_id_class[u[24 + i]];
    }

    return all != 0;
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
     * 32 bytes at a time, then eight (a cached token is compared whole on
     * every hit); the empty asm keeps the compiler from ending a loop
     * early.
     */

    for (i = 0; i + 32 <= alen; i += 32) {
        uint64_t  x1, y1, x2, y2, x3, y3;

        memcpy(&x, p + i, 8);
        memcpy(&y, q + i, 8);
        memcpy(&x1, p + i + 8, 8);
        memcpy(&y1, q + i + 8, 8);
        memcpy(&x2, p + i + 16, 8);
        memcpy(&y2, q + i + 16, 8);
        memcpy(&x3, p + i + 24, 8);
        memcpy(&y3, q + i + 24, 8);
        diff |= (x ^ y) | (x1 ^ y1) | (x2 ^ y2) | (x3 ^ y3);
        __asm__ __volatile__ ("" : "+r" (diff));
    }

    for ( /* void */ ; i + 8 <= alen; i += 8) {
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


const char *
cig_openssl_version(void)
{
    return OpenSSL_version(OPENSSL_VERSION);
}
