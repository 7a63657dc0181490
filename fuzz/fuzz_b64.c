/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target: base64 decoders and the base64url encoder.
 *
 * Output buffers are exactly cig_b64_decoded_max() / the encoded size, in
 * their own heap blocks, so that ASan catches any write past them.
 *
 * Invariants (a violation is a __builtin_trap()):
 *   - strict base64url is canonical: when it decodes, re-encoding gives
 *     exactly the input, and the output has the length the input implies;
 *   - what strict accepts, lenient accepts with the same bytes;
 *   - lenient output re-encodes to the input with padding dropped and the
 *     standard alphabet mapped to the url one, except for the unused low
 *     bits of the last character (which lenient ignores);
 *   - every output fits cig_b64_decoded_max();
 *   - encoding the raw input and decoding it strictly gives the input back.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cig.h"


#define check(cond)  do { if (!(cond)) __builtin_trap(); } while (0)


static const char  url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";


static int
url_value(char c)
{
    const char  *p;

    if (c == '\0') {
        return -1;
    }

    p = strchr(url_alphabet, c);

    return p ? (int) (p - url_alphabet) : -1;
}


static size_t
encoded_len(size_t n)
{
    return n / 3 * 4 + (n % 3 ? n % 3 + 1 : 0);
}


static void
check_strict(const char *in, size_t len)
{
    unsigned char  *out, *re_out;
    char           *re;
    size_t          max, out_len, re_len, re_out_len, expect;

    max = cig_b64_decoded_max(len);
    out = malloc(max);
    check(out != NULL);

    out_len = (size_t) -1;

    if (cig_b64url_decode_strict(in, len, out, &out_len)) {
        check(out_len <= max);

        expect = len / 4 * 3 + (len % 4 == 2 ? 1 : len % 4 == 3 ? 2 : 0);
        check(len % 4 != 1);
        check(out_len == expect);

        /* canonical: one spelling per byte string */

        re = malloc(encoded_len(out_len) + 1);
        check(re != NULL);
        re_len = cig_b64url_encode(out, out_len, re);
        check(re_len == encoded_len(out_len));
        check(re_len == len && memcmp(re, in, len) == 0);
        free(re);

        /* lenient agrees on the strict language */

        re_out = malloc(max);
        check(re_out != NULL);
        re_out_len = (size_t) -1;
        check(cig_b64_decode_lenient(in, len, re_out, &re_out_len));
        check(re_out_len == out_len && memcmp(re_out, out, out_len) == 0);
        free(re_out);
    }

    free(out);
}


static void
check_lenient(const char *in, size_t len)
{
    unsigned char  *out;
    char           *norm, *re;
    size_t          max, out_len, n, i, re_len;
    int             last, mask;

    max = cig_b64_decoded_max(len);
    out = malloc(max);
    check(out != NULL);

    out_len = (size_t) -1;

    if (!cig_b64_decode_lenient(in, len, out, &out_len)) {
        free(out);
        return;
    }

    check(out_len <= max);

    /* normalise: at most two '=' at the end, '+' '/' to '-' '_' */

    n = len;
    for (i = 0; i < 2 && n > 0 && in[n - 1] == '='; i++) {
        n--;
    }

    if (n < len) {
        check(len % 4 == 0);
    }

    norm = malloc(n + 1);
    check(norm != NULL);

    for (i = 0; i < n; i++) {
        norm[i] = in[i] == '+' ? '-' : in[i] == '/' ? '_' : in[i];
        check(url_value(norm[i]) >= 0);
    }

    check(n % 4 != 1);
    check(out_len == n / 4 * 3 + (n % 4 == 2 ? 1 : n % 4 == 3 ? 2 : 0));

    re = malloc(encoded_len(out_len) + 1);
    check(re != NULL);
    re_len = cig_b64url_encode(out, out_len, re);
    check(re_len == n);

    if (n > 0) {
        check(memcmp(re, norm, n - 1) == 0);

        /* the last character carries 2, 4 or 6 significant bits */
        mask = n % 4 == 2 ? 0x30 : n % 4 == 3 ? 0x3c : 0x3f;
        last = url_value(norm[n - 1]);
        check(url_value(re[n - 1]) == (last & mask));
    }

    free(re);
    free(norm);
    free(out);
}


static void
check_roundtrip(const unsigned char *data, size_t size)
{
    char           *enc;
    unsigned char  *dec;
    size_t          enc_len, dec_len;

    enc = malloc(encoded_len(size) + 1);
    check(enc != NULL);
    enc_len = cig_b64url_encode(data, size, enc);
    check(enc_len == encoded_len(size));

    dec = malloc(cig_b64_decoded_max(enc_len));
    check(dec != NULL);
    dec_len = (size_t) -1;
    check(cig_b64url_decode_strict(enc, enc_len, dec, &dec_len));
    check(dec_len == size && memcmp(dec, data, size) == 0);

    free(dec);
    free(enc);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_strict((const char *) data, size);
    check_lenient((const char *) data, size);
    check_roundtrip(data, size);

    return 0;
}
