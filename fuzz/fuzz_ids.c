/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target: identity pool ids and identity ids.
 *
 * cig_pool_id_valid() and cig_identity_id_valid() are cross-checked against
 * a slow reference written from the rule, not from core/cig_util.c:
 *
 *     id     = region ":" uuid            total length <= 55
 *     region = word "-" word "-" ... "-" word   (>= 3 non-empty words of
 *              lower-case letters and digits; its last character a digit)
 *     uuid   = lower-case hex 8-4-4-4-12
 *
 * The reference tries every colon as the split point rather than the first
 * one.  Besides the raw input, two composed ids are checked so that each half
 * is fuzzed on its own: input ":" UUID and REGION ":" input.
 * Any disagreement is a __builtin_trap().
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cig.h"
#include "ref_ids.h"


#define check(cond)  do { if (!(cond)) __builtin_trap(); } while (0)

#define FIXED_REGION  "eu-west-1"
#define FIXED_UUID    "b45b9729-c269-4ef2-86f1-0df3e40fe92d"


static void
compare(const unsigned char *s, size_t len)
{
    char  *copy;
    int    ref;

    /* an exactly sized block of its own, for ASan */

    copy = malloc(len ? len : 1);
    check(copy != NULL);
    if (len) {
        memcpy(copy, s, len);
    }

    ref = ref_id(s, len);

    check(!!cig_pool_id_valid(copy, len) == ref);
    check(!!cig_identity_id_valid(copy, len) == ref);

    free(copy);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char  *buf;

    compare(data, size);

    if (size > 64) {
        return 0;
    }

    buf = malloc(size + sizeof(FIXED_REGION) + sizeof(FIXED_UUID));
    check(buf != NULL);

    /* input ":" UUID */

    memcpy(buf, data, size);
    buf[size] = ':';
    memcpy(buf + size + 1, FIXED_UUID, sizeof(FIXED_UUID) - 1);
    compare(buf, size + sizeof(FIXED_UUID));

    /* REGION ":" input */

    memcpy(buf, FIXED_REGION ":", sizeof(FIXED_REGION));
    memcpy(buf + sizeof(FIXED_REGION), data, size);
    compare(buf, sizeof(FIXED_REGION) + size);

    free(buf);

    return 0;
}
