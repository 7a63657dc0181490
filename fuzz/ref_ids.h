/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The identifier rules written plainly, as a reference for the fast checks
 * of core/cig_util.c (fuzz/fuzz_ids.c and t/unit/test_ids.c compare them):
 *
 *     id     = region ":" uuid            total length <= 55
 *     region = word "-" word "-" ... "-" word   (>= 3 non-empty words of
 *              lower-case letters and digits; its last character a digit)
 *     uuid   = lower-case hex 8-4-4-4-12
 *
 * ref_id() tries every colon as the split point rather than the first one.
 */

#ifndef CIG_REF_IDS_H
#define CIG_REF_IDS_H

#include <stddef.h>


#define REF_MAX_LEN  55


static int
ref_lower_alnum(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}


static int
ref_region(const unsigned char *r, size_t n)
{
    size_t  i, words, word_len;

    if (n == 0 || !(r[n - 1] >= '0' && r[n - 1] <= '9')) {
        return 0;
    }

    words = 0;
    word_len = 0;

    for (i = 0; i <= n; i++) {
        if (i == n || r[i] == '-') {
            if (word_len == 0) {
                return 0;           /* empty word */
            }
            words++;
            word_len = 0;
            continue;
        }

        if (!ref_lower_alnum(r[i])) {
            return 0;
        }

        word_len++;
    }

    return words >= 3;
}


static int
ref_uuid(const unsigned char *u, size_t n)
{
    static const char  shape[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
    size_t             i;

    if (n != sizeof(shape) - 1) {
        return 0;
    }

    for (i = 0; i < n; i++) {
        if (shape[i] == '-') {
            if (u[i] != '-') {
                return 0;
            }

        } else if (!((u[i] >= '0' && u[i] <= '9')
                     || (u[i] >= 'a' && u[i] <= 'f')))
        {
            return 0;
        }
    }

    return 1;
}


static int
ref_id(const unsigned char *s, size_t len)
{
    size_t  k;

    if (len > REF_MAX_LEN) {
        return 0;
    }

    for (k = 0; k < len; k++) {
        if (s[k] == ':' && ref_region(s, k)
            && ref_uuid(s + k + 1, len - k - 1))
        {
            return 1;
        }
    }

    return 0;
}


#endif /* CIG_REF_IDS_H */
