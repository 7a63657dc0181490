/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target: JWKS loading (JSON, base64, RSA key construction).
 *
 * Invariants (a violation is a __builtin_trap()):
 *   - a returned key set holds 1 to CIG_MAX_KEYS keys;
 *   - no key set comes with a configuration or internal error code that
 *     says otherwise, and a failure always gives a reason;
 *   - the skipped count never exceeds what the input could hold.
 * LeakSanitizer checks that every failure path frees what it built.
 */

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cig.h"


#define check(cond)  do { if (!(cond)) __builtin_trap(); } while (0)


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cig_keyset_t  *ks;
    cig_err_t      err;
    unsigned       skipped;
    size_t         n;
    int            dev;

    err.code = CIG_OK;
    err.msg[0] = '\0';
    skipped = 12345;

    ks = cig_keyset_from_jwks((const char *) data, size, &skipped, &err);

    /* every skipped key is an object of at least "{}" plus a separator */
    check(skipped <= size / 3 + 1);

    if (ks == NULL) {
        check(err.code == CIG_ERR_CONFIG || err.code == CIG_ERR_INTERNAL);
        check(memchr(err.msg, '\0', sizeof(err.msg)) != NULL);
        check(err.msg[0] != '\0');
        return 0;
    }

    n = cig_keyset_count(ks);
    check(n >= 1 && n <= CIG_MAX_KEYS);

    dev = cig_keyset_is_development(ks);
    check(dev == 0 || dev == 1);

    cig_keyset_free(ks);

    return 0;
}
