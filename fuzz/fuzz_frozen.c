/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target: frozen identities (cig_frozen.c), what the token caches
 * keep and read back on every hit.
 *
 * The input is a JSON payload.  When it parses, the identity is frozen and
 * opened again, and the tree must be the very one the parser made (types,
 * counts, numbers, every string's bytes, NULL where NULL).  Then the block
 * is damaged as the input's last bytes say (one byte changed, or cut
 * short): opening must refuse it or give a tree that is whole (every link
 * inside the node array, counts matching, strings inside the block), which
 * the walk below reads byte by byte so that ASan sees any bad pointer.
 * A violation is a __builtin_trap().
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cig_internal.h"


#define check(cond)  do { if (!(cond)) __builtin_trap(); } while (0)


static volatile unsigned  sink;


static void
touch(cig_str_t s)
{
    size_t  i;

    for (i = 0; i < s.len; i++) {
        sink += (unsigned char) s.data[i];
    }
}


static int
same(cig_str_t a, cig_str_t b)
{
    return a.len == b.len && (a.data == NULL) == (b.data == NULL)
           && (a.len == 0 || memcmp(a.data, b.data, a.len) == 0);
}


static void
equal(const cig_json_t *a, const cig_json_t *b, unsigned depth)
{
    const cig_json_t  *x, *y;

    check(depth <= CIG_MAX_JSON_DEPTH + 1);
    check(a->type == b->type && a->count == b->count);
    check(memcmp(&a->num, &b->num, sizeof(double)) == 0);
    check(same(a->key, b->key) && same(a->str, b->str) && same(a->raw, b->raw));

    for (x = a->child, y = b->child; x && y; x = x->next, y = y->next) {
        equal(x, y, depth + 1);
    }

    check(x == NULL && y == NULL);
}


static size_t
walk(const cig_json_t *j, unsigned depth)
{
    size_t             n, total;
    const cig_json_t  *c;

    /* links only point forward, so the depth is bounded by the nodes */

    check(depth <= CIG_FROZEN_MAX_NODES);
    touch(j->key);
    touch(j->str);
    touch(j->raw);

    n = 0;
    total = 1;

    for (c = j->child; c; c = c->next) {
        n++;
        total += walk(c, depth + 1);
    }

    check(n == j->count);

    return total;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    void             *blk;
    size_t            len, at;
    char             *text;
    cig_err_t         err;
    cig_arena_t      *arena;
    cig_frozen_t      f;
    cig_identity_t    id;
    cig_allocator_t   a;

    if (size > CIG_MAX_TOKEN_LEN) {
        return 0;
    }

    /* the payload as cig_token_verify leaves it: its own copy */

    text = malloc(size + 1);
    check(text != NULL);
    memcpy(text, data, size);
    text[size] = '\0';

    arena = cig_arena_create();
    check(arena != NULL);
    cig_arena_allocator(arena, &a);

    memset(&id, 0, sizeof(id));
    id.kid.data = "kid-1";
    id.kid.len = 5;
    id.alg = CIG_ALG_RS512;
    memset(id.key_fp, 0xa5, CIG_KEY_FP_LEN);
    id.payload.data = text;
    id.payload.len = size;
    id.claims = cig_json_parse(text, size, CIG_MAX_JSON_DEPTH, &a, &err);

    if (id.claims == NULL) {
        goto done;
    }

    len = cig_identity_frozen_size(&id);
    check(len > 0 && len % 8 == 0);

    blk = aligned_alloc(8, len);
    check(blk != NULL);
    check(cig_identity_freeze(&id, blk, len) == len);

    check(cig_frozen_open(blk, len, &a, &f, &err) == CIG_OK);
    equal(id.claims, f.claims, 0);
    check(same(f.payload, id.payload) && f.payload.data[size] == '\0');
    check(same(f.kid, id.kid) && f.alg == id.alg);
    check(memcmp(f.key_fp, id.key_fp, CIG_KEY_FP_LEN) == 0);

    /* damaged: a byte changed where the input's end says, or cut short */

    if (size >= 2) {
        at = ((size_t) data[size - 2] << 8 | data[size - 1]) % (len + 1);

        if (at == len) {
            at = (size_t) data[0] % len;
            check(cig_frozen_open(blk, at, &a, &f, &err) == CIG_ERR_INTERNAL);
        } else {
            ((unsigned char *) blk)[at] ^= (unsigned char) (data[0] | 1);

            if (cig_frozen_open(blk, len, &a, &f, &err) == CIG_OK) {
                check(walk(f.claims, 0) <= CIG_FROZEN_MAX_NODES);
                check(f.payload.data >= (char *) blk
                      && f.payload.data + f.payload.len < (char *) blk + len);
                touch(f.kid);
            }
        }
    }

    free(blk);

done:

    cig_arena_destroy(arena);
    free(text);

    return 0;
}
