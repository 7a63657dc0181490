/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target: the strict JSON parser.
 *
 * Parses the input with depth 16 into an arena and, when the parse
 * succeeds, walks the whole tree checking what the parser promises:
 *
 *   - every raw span lies inside the input, children's spans lie inside
 *     their parent's, in order and without overlap;
 *   - raw text starts and ends as its type says ('"', '{', '[', literals);
 *   - string values and member names are valid UTF-8 (checked by an
 *     independent decoder below), and equal the raw text when it has no
 *     escapes;
 *   - member names are unique in every object (checked by sorting), and
 *     cig_json_getn() finds each member by its name;
 *   - child counts match the lists, nesting never exceeds the limit,
 *     numbers are finite.
 *
 * Every string is read byte by byte so that ASan sees any bad pointer.
 * A violation is a __builtin_trap().
 */

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cig.h"


#define FUZZ_DEPTH  16

#define check(cond)  do { if (!(cond)) __builtin_trap(); } while (0)


static volatile unsigned  sink;

static const unsigned char  *in_start;
static const unsigned char  *in_end;


/* Independent UTF-8 validator: decode code points, then judge them. */

static int
utf8_valid(const unsigned char *s, size_t len)
{
    size_t    i, n, k;
    uint32_t  cp, min;

    for (i = 0; i < len; i += n) {
        if (s[i] < 0x80) {
            n = 1;
            continue;
        }

        if ((s[i] & 0xe0) == 0xc0) {
            n = 2; cp = s[i] & 0x1f; min = 0x80;
        } else if ((s[i] & 0xf0) == 0xe0) {
            n = 3; cp = s[i] & 0x0f; min = 0x800;
        } else if ((s[i] & 0xf8) == 0xf0) {
            n = 4; cp = s[i] & 0x07; min = 0x10000;
        } else {
            return 0;               /* continuation byte or 0xf8..0xff */
        }

        if (len - i < n) {
            return 0;
        }

        for (k = 1; k < n; k++) {
            if ((s[i + k] & 0xc0) != 0x80) {
                return 0;
            }
            cp = cp << 6 | (s[i + k] & 0x3f);
        }

        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
            return 0;               /* overlong, too large, surrogate */
        }
    }

    return 1;
}


static void
touch(cig_str_t s)
{
    size_t    i;
    unsigned  sum = 0;

    check(s.len == 0 || s.data != NULL);

    for (i = 0; i < s.len; i++) {
        sum += (unsigned char) s.data[i];
    }

    sink += sum;
}


static int
inside(const char *p, size_t len)
{
    const unsigned char  *u = (const unsigned char *) p;

    return u != NULL && u >= in_start && u <= in_end
           && len <= (size_t) (in_end - u);
}


static int
key_cmp(const void *one, const void *two)
{
    const cig_str_t  *a = *(const cig_str_t *const *) one;
    const cig_str_t  *b = *(const cig_str_t *const *) two;
    size_t            n, i;

    /* byte by byte, deliberately not the parser's memcmp() */

    n = a->len < b->len ? a->len : b->len;

    for (i = 0; i < n; i++) {
        if (a->data[i] != b->data[i]) {
            return (unsigned char) a->data[i] < (unsigned char) b->data[i]
                   ? -1 : 1;
        }
    }

    return (a->len > b->len) - (a->len < b->len);
}


static void
walk(const cig_json_t *node, unsigned depth, int in_object)
{
    const cig_json_t   *c, *found;
    const cig_str_t   **keys;
    const char         *prev_end;
    size_t              n, i;
    unsigned            d;

    check(node != NULL);
    check((unsigned) node->type <= CIG_JSON_OBJECT);
    check(inside(node->raw.data, node->raw.len));
    check(node->raw.len > 0);

    touch(node->raw);

    if (in_object) {
        touch(node->key);
        check(node->key.data != NULL);
        check(utf8_valid((const unsigned char *) node->key.data,
                         node->key.len));
    } else {
        check(node->key.data == NULL && node->key.len == 0);
    }

    switch (node->type) {

    case CIG_JSON_NULL:
        check(node->raw.len == 4 && memcmp(node->raw.data, "null", 4) == 0);
        break;

    case CIG_JSON_FALSE:
        check(node->raw.len == 5 && memcmp(node->raw.data, "false", 5) == 0);
        break;

    case CIG_JSON_TRUE:
        check(node->raw.len == 4 && memcmp(node->raw.data, "true", 4) == 0);
        break;

    case CIG_JSON_NUMBER:
        check(isfinite(node->num));
        check(node->raw.data[0] == '-'
              || (node->raw.data[0] >= '0' && node->raw.data[0] <= '9'));
        break;

    case CIG_JSON_STRING:
        touch(node->str);
        check(node->str.data != NULL);
        check(node->raw.len >= 2 && node->raw.data[0] == '"'
              && node->raw.data[node->raw.len - 1] == '"');
        check(node->str.len <= node->raw.len - 2);
        check(utf8_valid((const unsigned char *) node->str.data,
                         node->str.len));

        if (memchr(node->raw.data, '\\', node->raw.len) == NULL) {
            check(node->str.len == node->raw.len - 2
                  && memcmp(node->str.data, node->raw.data + 1,
                            node->str.len) == 0);
        }
        break;

    case CIG_JSON_ARRAY:
    case CIG_JSON_OBJECT:
        d = depth + 1;
        check(d <= FUZZ_DEPTH);
        check(node->raw.len >= 2);
        check(node->raw.data[0] == (node->type == CIG_JSON_OBJECT ? '{' : '['));
        check(node->raw.data[node->raw.len - 1]
              == (node->type == CIG_JSON_OBJECT ? '}' : ']'));

        n = 0;
        prev_end = node->raw.data + 1;

        for (c = node->child; c; c = c->next) {
            walk(c, d, node->type == CIG_JSON_OBJECT);

            /* inside the parent, after the previous sibling */
            check(c->raw.data >= prev_end);
            check(c->raw.data + c->raw.len
                  <= node->raw.data + node->raw.len - 1);
            prev_end = c->raw.data + c->raw.len;
            n++;
        }

        check(n == node->count);

        if (node->type != CIG_JSON_OBJECT || n < 2) {
            break;
        }

        keys = malloc(n * sizeof(cig_str_t *));
        check(keys != NULL);

        i = 0;
        for (c = node->child; c; c = c->next) {
            keys[i++] = &c->key;
        }

        qsort(keys, n, sizeof(cig_str_t *), key_cmp);

        for (i = 1; i < n; i++) {
            check(key_cmp(&keys[i - 1], &keys[i]) != 0);
        }

        free(keys);

        /* lookup by name finds the member itself (bounded: quadratic) */

        i = 0;
        for (c = node->child; c && i < 64; c = c->next, i++) {
            found = cig_json_getn(node, c->key.data, c->key.len);
            check(found == c);
        }

        break;
    }
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cig_arena_t      *arena;
    cig_allocator_t   a;
    cig_json_t       *root;
    cig_err_t         err;

    arena = cig_arena_create();
    if (arena == NULL) {
        return 0;
    }

    cig_arena_allocator(arena, &a);

    err.code = CIG_OK;
    err.msg[0] = '\0';

    in_start = data;
    in_end = data + size;

    root = cig_json_parse((const char *) data, size, FUZZ_DEPTH, &a, &err);

    if (root == NULL) {
        /* a failure always says why, within the buffer */
        check(err.code == CIG_ERR_INVALID_TOKEN
              || err.code == CIG_ERR_INTERNAL);
        check(memchr(err.msg, '\0', sizeof(err.msg)) != NULL);
        check(err.msg[0] != '\0');

    } else {
        walk(root, 0, 0);

        /* the root is the whole input, less surrounding whitespace */
        check(root->raw.len <= size);

        /* cig_json_get() on a non-object is NULL, never a crash */
        if (root->type != CIG_JSON_OBJECT) {
            check(cig_json_get(root, "") == NULL);
        }
    }

    cig_arena_destroy(arena);

    return 0;
}
