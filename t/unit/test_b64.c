/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Base64: strict base64url for token parts, lenient base64 for JWKS members.
 */

#include <stdint.h>
#include <string.h>

#include "unit.h"


#define S(lit)  lit, sizeof(lit) - 1        /* literal with its length */


typedef struct {
    const char  *name;
    const char  *in;
    size_t       len;
    const char  *out;       /* expected bytes when accepted, NULL: refused */
    size_t       out_len;
} b64_case_t;


/* a fixed-seed generator: the same "random" bytes on every run */

static uint64_t  b64_state = 0x9e3779b97f4a7c15ULL;

static unsigned char
b64_rand(void)
{
    b64_state ^= b64_state << 13;
    b64_state ^= b64_state >> 7;
    b64_state ^= b64_state << 17;

    return (unsigned char) (b64_state >> 24);
}


static void
b64_roundtrip(void)
{
    unsigned char  in[6], out[16];
    char           enc[16];
    size_t         len, elen, dlen, want, round;
    int            good;

    for (len = 0; len <= 6; len++) {
        good = 1;
        want = (len * 4 + 2) / 3;           /* unpadded length */

        for (round = 0; round < 200 && good; round++) {
            for (size_t i = 0; i < len; i++) {
                in[i] = b64_rand();
            }

            /* make sure the extremes occur */
            if (round == 0) {
                memset(in, 0x00, len);
            } else if (round == 1) {
                memset(in, 0xff, len);
            }

            elen = cig_b64url_encode(in, len, enc);
            dlen = (size_t) -1;

            if (elen != want
                || !cig_b64url_decode_strict(enc, elen, out, &dlen)
                || dlen != len || memcmp(in, out, len) != 0
                || dlen > cig_b64_decoded_max(elen))
            {
                good = 0;
                tap_diag("round %zu: encoded %zu chars (want %zu), decoded "
                         "%zu bytes", round, elen, want, dlen);
            }

            /* the lenient decoder agrees on canonical input */

            if (good
                && (!cig_b64_decode_lenient(enc, elen, out, &dlen)
                    || dlen != len || memcmp(in, out, len) != 0))
            {
                good = 0;
                tap_diag("round %zu: lenient decoder disagrees", round);
            }
        }

        tap_ok(good, "b64url: %zu random bytes round-trip (encode, strict "
               "and lenient decode)", len);
    }
}


static void
b64_vectors(void)
{
    static const struct {
        const char  *raw;
        size_t       raw_len;
        const char   enc[12];
    } vec[] = {
        { S(""),       "" },
        { S("f"),      "Zg" },
        { S("fo"),     "Zm8" },
        { S("foo"),    "Zm9v" },
        { S("foob"),   "Zm9vYg" },
        { S("fooba"),  "Zm9vYmE" },
        { S("foobar"), "Zm9vYmFy" },
        { S("\xfb\xff\xfe"), "-__-" },
        { S("\x00"),   "AA" },
        { S("A"),      "QQ" },
        { S("AB"),     "QUI" },
    };
    char           enc[32];
    unsigned char  dec[32];
    size_t         i, n, dlen;

    for (i = 0; i < UNIT_NELTS(vec); i++) {
        n = cig_b64url_encode((const unsigned char *) vec[i].raw,
                              vec[i].raw_len, enc);
        tap_is_mem(enc, n, vec[i].enc, strlen(vec[i].enc),
                   "b64url_encode(\"%s\") (RFC 4648 vector)", vec[i].enc);

        dlen = (size_t) -1;
        tap_ok(cig_b64url_decode_strict(vec[i].enc, strlen(vec[i].enc), dec,
                                        &dlen)
               && dlen == vec[i].raw_len
               && memcmp(dec, vec[i].raw, dlen) == 0,
               "b64url_decode_strict(\"%s\") accepts canonical input",
               vec[i].enc);
    }
}


static void
b64_strict_refusals(void)
{
    static const b64_case_t  bad[] = {
        { "padding \"==\"",                 S("Zg=="), NULL, 0 },
        { "padding \"=\"",                  S("Zm8="), NULL, 0 },
        { "padding alone",                  S("===="), NULL, 0 },
        { "partial padding \"Zg=\"",         S("Zg="),  NULL, 0 },
        { "'+' (standard alphabet)",        S("+__-"), NULL, 0 },
        { "'/' (standard alphabet)",        S("-/_-"), NULL, 0 },
        { "space",                          S("Zm9 "), NULL, 0 },
        { "newline",                        S("Zm\n8"), NULL, 0 },
        { "tab",                            S("\tZm8"), NULL, 0 },
        { "CR LF",                          S("Zm9v\r\nYg"), NULL, 0 },
        { "remainder of 1 char",            S("Z"),     NULL, 0 },
        { "remainder of 1 char after 4",    S("Zm9vY"), NULL, 0 },
        { "unused bits set: \"QR\" for 'A'", S("QR"),   NULL, 0 },
        { "unused bits set: \"Zh\" for 'f'", S("Zh"),   NULL, 0 },
        { "unused bits set: \"QUJ\" for \"AB\"", S("QUJ"), NULL, 0 },
        { "unused bits set: \"Zm9\" for \"fo\"", S("Zm9"), NULL, 0 },
        { "NUL byte inside",                S("Zm\0" "8"), NULL, 0 },
        { "NUL bytes only",                 S("\0\0\0\0"), NULL, 0 },
        { "NUL byte in the tail",           S("Zm9vY\0"), NULL, 0 },
        { "byte 0xff",                      S("Zm9\xff"), NULL, 0 },
        { "dot",                            S("Zm.v"),  NULL, 0 },
    };
    unsigned char  out[32];
    size_t         i, dlen;

    for (i = 0; i < UNIT_NELTS(bad); i++) {
        tap_ok(!cig_b64url_decode_strict(bad[i].in, bad[i].len, out, &dlen),
               "b64url_decode_strict refuses %s", bad[i].name);
    }

    /* the canonical spellings next to the refused ones do decode */

    tap_ok(cig_b64url_decode_strict(S("QQ"), out, &dlen) && dlen == 1
           && out[0] == 'A', "b64url_decode_strict accepts \"QQ\" as 'A'");
    tap_ok(cig_b64url_decode_strict(S("Zg"), out, &dlen) && dlen == 1
           && out[0] == 'f', "b64url_decode_strict accepts \"Zg\" as 'f'");
}


static void
b64_lenient(void)
{
    static const b64_case_t  cases[] = {
        { "padded standard",        S("Zm9vYg=="), S("foob") },
        { "unpadded standard",      S("Zm9vYg"),   S("foob") },
        { "one pad char",           S("Zm9vYmE="), S("fooba") },
        { "no pad needed",          S("Zm9vYmFy"), S("foobar") },
        { "standard alphabet +/",   S("+/+/"),     S("\xfb\xff\xbf") },
        { "url alphabet -_",        S("-_-_"),     S("\xfb\xff\xbf") },
        { "padded with + and /",    S("+/8="),     S("\xfb\xff") },
        { "AQAB (e = 65537)",       S("AQAB"),     S("\x01\x00\x01") },
        { "leading zero byte",      S("AJ4="),     S("\x00\x9e") },
        { "empty",                  S(""),         S("") },

        { "'=' alone",              S("="),        NULL, 0 },
        { "\"==\" alone",           S("=="),       NULL, 0 },
        { "bad padding count",      S("Zm9vYg="),  NULL, 0 },
        { "three pad chars",        S("Zm9vYg==="), NULL, 0 },
        { "padding after full quantum", S("Zm9v="), NULL, 0 },
        { "padding on 1-char remainder", S("Z==="), NULL, 0 },
        { "'=' in the middle",      S("Zg==Zg=="), NULL, 0 },
        { "remainder of 1 char",    S("Zm9vY"),    NULL, 0 },
        { "'*'",                    S("Zm9*"),     NULL, 0 },
        { "'.'",                    S("Zm.v"),     NULL, 0 },
        { "space",                  S("Zm 9v"),    NULL, 0 },
        { "newline",                S("Zm9v\nYg=="), NULL, 0 },
        { "NUL byte",               S("Zm\0" "9v"), NULL, 0 },
        { "byte 0x80",              S("Zm9\x80"),  NULL, 0 },
    };
    unsigned char  out[32];
    size_t         i, dlen;
    int            rc;

    for (i = 0; i < UNIT_NELTS(cases); i++) {
        dlen = (size_t) -1;
        rc = cig_b64_decode_lenient(cases[i].in, cases[i].len, out, &dlen);

        if (cases[i].out == NULL) {
            tap_ok(!rc, "b64_decode_lenient refuses %s", cases[i].name);
            continue;
        }

        if (!tap_ok(rc, "b64_decode_lenient accepts %s", cases[i].name)) {
            continue;
        }

        tap_is_mem(out, dlen, cases[i].out, cases[i].out_len,
                   "b64_decode_lenient decodes %s", cases[i].name);
    }
}


void
test_b64(void)
{
    tap_note("base64");

    b64_roundtrip();
    b64_vectors();
    b64_strict_refusals();
    b64_lenient();
}
