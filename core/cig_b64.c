/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Base64.  Token parts must be canonical base64url (RFC 7515 section 2): no
 * padding, no characters outside the url alphabet, and the unused low bits
 * of the last character zero, so that one token has exactly one spelling.
 * JWKS members are read as they are served: Cognito's jwks_uri has been seen
 * serving `n` as padded standard base64.
 */

#include <string.h>

#include "cig.h"


#define CIG_B64_BAD  0xff

/* url alphabet only */
static const unsigned char  cig_b64url_map[256] = {
#define X CIG_B64_BAD
    X,X,X,X,X,X,X,X,X,X,X,X,X,X,X,X, X,X,X,X,X,X,X,X,X,X,X,X,X,X,X,X,
    X,X,X,X,X,X,X,X,X,X,X,X,X,62,X,X, 52,53,54,55,56,57,58,59,60,61,X,X,X,X,X,X,
    X,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14, 15,16,17,18,19,20,21,22,23,24,25,X,X,X,X,63,
    X,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40, 41,42,43,44,45,46,47,48,49,50,51,X,X,X,X,X,
    X,X,X,X,X,X,X,X,X,X,X,X,X,X,X,X, X,X,X,X,X,X,X,X,X,X,X,X,X,X,X,X,
    X,X,X,X,X,X,X,X,X,X,X,X,X,X,X,X, X,X,X,X,X,X,X,X,X,X,X,X,X,X,X,X,
    X,X,X,X,X,X,X,X,X,X,X,X,X,X,X,X, X,X,X,X,X,X,X,X,X,X,X,X,X,X,X,X,
    X,X,X,X,X,X,X,X,X,X,X,X,X,X,X,X, X,X,X,X,X,X,X,X,X,X,X,X,X,X,X,X
#undef X
};


size_t
cig_b64_decoded_max(size_t len)
{
    return len / 4 * 3 + 3;
}


int
cig_b64url_decode_strict(const char *in, size_t len, unsigned char *out,
    size_t *out_len)
{
    const unsigned char  *s = (const unsigned char *) in;
    unsigned char        *d = out;
    unsigned              a, b, c, e;
    size_t                i, full;

    /* a remainder of one character cannot encode a byte */

    if (len % 4 == 1) {
        return 0;
    }

    full = len - len % 4;

    for (i = 0; i < full; i += 4) {
        a = cig_b64url_map[s[i]];
        b = cig_b64url_map[s[i + 1]];
        c = cig_b64url_map[s[i + 2]];
        e = cig_b64url_map[s[i + 3]];

        /* valid values are below 64: any CIG_B64_BAD makes the OR 0xff */

        if ((a | b | c | e) == CIG_B64_BAD) {
            return 0;
        }

        *d++ = (unsigned char) (a << 2 | b >> 4);
        *d++ = (unsigned char) (b << 4 | c >> 2);
        *d++ = (unsigned char) (c << 6 | e);
    }

    switch (len % 4) {

    case 2:
        a = cig_b64url_map[s[i]];
        b = cig_b64url_map[s[i + 1]];

        if (a == CIG_B64_BAD || b == CIG_B64_BAD || (b & 0x0f) != 0) {
            return 0;
        }

        *d++ = (unsigned char) (a << 2 | b >> 4);
        break;

    case 3:
        a = cig_b64url_map[s[i]];
        b = cig_b64url_map[s[i + 1]];
        c = cig_b64url_map[s[i + 2]];

        if (a == CIG_B64_BAD || b == CIG_B64_BAD || c == CIG_B64_BAD
            || (c & 0x03) != 0)
        {
            return 0;
        }

        *d++ = (unsigned char) (a << 2 | b >> 4);
        *d++ = (unsigned char) (b << 4 | c >> 2);
        break;
    }

    *out_len = (size_t) (d - out);

    return 1;
}


int
cig_b64_decode_lenient(const char *in, size_t len, unsigned char *out,
    size_t *out_len)
{
    unsigned char  c, v;
    unsigned       acc, bits;
    size_t         i, n, pad;

    /* trailing '=' padding, at most two */

    pad = 0;
    while (len > 0 && in[len - 1] == '=' && pad < 2) {
        len--;
        pad++;
    }

    if (pad && (len + pad) % 4 != 0) {
        return 0;
    }

    if (len % 4 == 1) {
        return 0;
    }

    acc = 0;
    bits = 0;
    n = 0;

    for (i = 0; i < len; i++) {
        c = (unsigned char) in[i];

        switch (c) {
        case '+':
            v = 62;
            break;
        case '/':
            v = 63;
            break;
        default:
            v = cig_b64url_map[c];
            if (v == CIG_B64_BAD) {
                return 0;
            }
        }

        acc = (acc << 6 | v) & 0xffffff;
        bits += 6;

        if (bits >= 8) {
            bits -= 8;
            out[n++] = (unsigned char) (acc >> bits);
        }
    }

    *out_len = n;

    return 1;
}


size_t
cig_b64url_encode(const unsigned char *in, size_t len, char *out)
{
    static const char  alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    char              *d = out;
    size_t             i;

    for (i = 0; i + 2 < len; i += 3) {
        *d++ = alphabet[in[i] >> 2];
        *d++ = alphabet[(in[i] & 0x03) << 4 | in[i + 1] >> 4];
        *d++ = alphabet[(in[i + 1] & 0x0f) << 2 | in[i + 2] >> 6];
        *d++ = alphabet[in[i + 2] & 0x3f];
    }

    if (len - i == 1) {
        *d++ = alphabet[in[i] >> 2];
        *d++ = alphabet[(in[i] & 0x03) << 4];

    } else if (len - i == 2) {
        *d++ = alphabet[in[i] >> 2];
        *d++ = alphabet[(in[i] & 0x03) << 4 | in[i + 1] >> 4];
        *d++ = alphabet[(in[i + 1] & 0x0f) << 2];
    }

    return (size_t) (d - out);
}
