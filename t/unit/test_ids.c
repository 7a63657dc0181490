/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Identifiers (identity pool ids, identity ids), sorted string sets,
 * constant-time comparison and other small helpers.
 */

#include <string.h>

#include "unit.h"
#include "../../fuzz/ref_ids.h"


#define S(lit)  lit, sizeof(lit) - 1
#define UUID    "b45b9729-c269-4ef2-86f1-0df3e40fe92d"


static void
ids_table(void)
{
    static const struct {
        const char  *name;
        const char  *s;
        size_t       len;
        int          valid;
    } ids[] = {
        { "eu-west-1",              S("eu-west-1:" UUID), 1 },
        { "us-gov-west-1",          S("us-gov-west-1:" UUID), 1 },
        { "ap-southeast-2",         S("ap-southeast-2:" UUID), 1 },
        { "all-zero uuid",
          S("us-east-1:00000000-0000-0000-0000-000000000000"), 1 },
        { "all-f uuid",
          S("us-east-1:ffffffff-ffff-ffff-ffff-ffffffffffff"), 1 },
        { "55 characters (the maximum)",
          S("xx-xxxxxxxxxxxxx-1:" UUID), 1 },
        { "multi-digit region number", S("eu-west-12:" UUID), 1 },

        { "56 characters",          S("xx-xxxxxxxxxxxxxx-1:" UUID), 0 },
        { "long garbage",           S("eu-west-1:" UUID UUID), 0 },
        { "empty",                  S(""), 0 },
        { "colon only",             S(":"), 0 },
        { "uuid only",              S(UUID), 0 },
        { "upper-case hex",
          S("eu-west-1:B45B9729-C269-4EF2-86F1-0DF3E40FE92D"), 0 },
        { "one upper-case hex digit",
          S("eu-west-1:b45b9729-c269-4ef2-86f1-0df3e40fe92D"), 0 },
        { "upper-case region",      S("EU-west-1:" UUID), 0 },
        { "region without its number", S("eu-west:" UUID), 0 },
        { "region of two words",    S("euwest-1:" UUID), 0 },
        { "region ending with a dash", S("eu-west-1-:" UUID), 0 },
        { "region starting with a dash", S("-eu-west-1:" UUID), 0 },
        { "region with a double dash", S("eu--west-1:" UUID), 0 },
        { "region with an underscore", S("eu-we_st-1:" UUID), 0 },
        { "region with a dot",      S("eu-we.st-1:" UUID), 0 },
        { "short region",           S("a-1:" UUID), 0 },
        { "no colon",               S("eu-west-1" UUID "0"), 0 },
        { "two colons",             S("eu-west-1::" UUID), 0 },
        { "\"..:\" region",         S("..:" UUID), 0 },
        { "path traversal",         S("eu-west-1:../x"), 0 },
        { "path traversal, uuid length",
          S("eu-west-1:../../../../../../../../etc/passwd/x"), 0 },
        { "uuid groups 7-5-4-4-12",
          S("eu-west-1:b45b972-9c269-4ef2-86f1-0df3e40fe92d"), 0 },
        { "uuid groups 9-3-4-4-12",
          S("eu-west-1:b45b9729c-269-4ef2-86f1-0df3e40fe92d"), 0 },
        { "uuid groups 8-4-4-5-11",
          S("eu-west-1:b45b9729-c269-4ef2-86f10-df3e40fe92d"), 0 },
        { "uuid without dashes",
          S("eu-west-1:b45b9729c2694ef286f10df3e40fe92d"), 0 },
        { "uuid one char short",
          S("eu-west-1:b45b9729-c269-4ef2-86f1-0df3e40fe92"), 0 },
        { "uuid one char long",
          S("eu-west-1:b45b9729-c269-4ef2-86f1-0df3e40fe92dd"), 0 },
        { "uuid in braces",
          S("eu-west-1:{b45b9729-c269-4ef2-86f1-0df3e40fe9}"), 0 },
        { "non-hex 'g'",
          S("eu-west-1:b45b9729-c269-4ef2-86f1-0df3e40fe92g"), 0 },
        { "trailing newline",       S("eu-west-1:" UUID "\n"), 0 },
        { "trailing space",         S("eu-west-1:" UUID " "), 0 },
        { "leading space",          S(" eu-west-1:" UUID), 0 },
        { "NUL in place of the last digit",
          S("eu-west-1:b45b9729-c269-4ef2-86f1-0df3e40fe92\0"), 0 },
        { "trailing NUL",           S("eu-west-1:" UUID "\0"), 0 },
        { "UTF-8 in the region",    S("eu-w\xc3\xa9st-1:" UUID), 0 },
    };
    size_t  i;

    for (i = 0; i < UNIT_NELTS(ids); i++) {
        tap_ok(cig_identity_id_valid(ids[i].s, ids[i].len) == ids[i].valid,
               "identity_id_valid: %s is %s", ids[i].name,
               ids[i].valid ? "valid" : "refused");
        tap_ok(cig_pool_id_valid(ids[i].s, ids[i].len) == ids[i].valid,
               "pool_id_valid: %s is %s", ids[i].name,
               ids[i].valid ? "valid" : "refused");
    }

    /* the length given counts, not the NUL */

    tap_ok(cig_identity_id_valid("eu-west-1:" UUID "junk",
                                 sizeof("eu-west-1:" UUID) - 1),
           "identity_id_valid: reads only len bytes");
    tap_ok(!cig_identity_id_valid("eu-west-1:" UUID,
                                  sizeof("eu-west-1:" UUID) - 2),
           "identity_id_valid: one byte short of the id is refused");
}


/* every byte value at every position of three ids: the same verdict */

static void
ids_exhaustive(void)
{
    static const char  *base[] = {
        "eu-west-1:" UUID, "us-gov-west-1:" UUID, "xx-xxxxxxxxxxxxx-1:" UUID,
    };
    char    buf[64];
    size_t  b, i, len, differ = 0, valid = 0;
    int     c;

    for (b = 0; b < UNIT_NELTS(base); b++) {
        len = strlen(base[b]);

        for (i = 0; i < len; i++) {
            for (c = 0; c < 256; c++) {
                memcpy(buf, base[b], len);
                buf[i] = (char) c;
                valid += ref_id((const unsigned char *) buf, len);
                differ += cig_identity_id_valid(buf, len)
                          != ref_id((const unsigned char *) buf, len);
            }
        }
    }

    tap_is_int((long long) differ, 0, "identity_id_valid: every byte value "
               "at every position of three ids, as the plain rules say "
               "(%zu of them valid)", valid);
}


static void
ids_strs(void)
{
    cig_str_t  strs[] = {
        { S("b") }, { S("a") }, { S("ab") }, { S("") }, { S("abc") },
        { S("B") }, { S("a\0") },
    };
    static const cig_str_t  sorted[] = {
        { S("") }, { S("B") }, { S("a") }, { S("a\0") }, { S("ab") },
        { S("abc") }, { S("b") },
    };
    cig_str_t  one[] = { { S("eu-west-1:" UUID) } };
    size_t     i;
    int        good;

    cig_strs_sort(strs, UNIT_NELTS(strs));

    good = 1;
    for (i = 0; i < UNIT_NELTS(strs); i++) {
        if (strs[i].len != sorted[i].len
            || memcmp(strs[i].data, sorted[i].data, sorted[i].len) != 0)
        {
            good = 0;
            tap_diag("position %zu: \"%.*s\" (%zu bytes)", i,
                     (int) strs[i].len, strs[i].data, strs[i].len);
        }
    }
    tap_ok(good, "strs_sort: bytewise, shorter prefix first");

    good = 1;
    for (i = 0; i < UNIT_NELTS(sorted); i++) {
        if (!cig_strs_find(strs, UNIT_NELTS(strs), sorted[i].data,
                           sorted[i].len))
        {
            good = 0;
            tap_diag("\"%.*s\" not found", (int) sorted[i].len,
                     sorted[i].data);
        }
    }
    tap_ok(good, "strs_find: finds every member");

    tap_ok(!cig_strs_find(strs, UNIT_NELTS(strs), S("abd")),
           "strs_find: \"abd\" is absent");
    tap_ok(!cig_strs_find(strs, UNIT_NELTS(strs), S("A")),
           "strs_find: \"A\" is absent (case-sensitive)");
    tap_ok(!cig_strs_find(strs, UNIT_NELTS(strs), S("abcd")),
           "strs_find: \"abcd\" is absent (longer than a member)");
    tap_ok(!cig_strs_find(strs, UNIT_NELTS(strs), S("c")),
           "strs_find: \"c\" is absent (after the last)");
    tap_ok(cig_strs_find(strs, UNIT_NELTS(strs), "abc", 2),
           "strs_find: compares len bytes (\"abc\", 2 finds \"ab\")");
    tap_ok(!cig_strs_find(strs, 0, S("a")),
           "strs_find: nothing is found in an empty set");
    tap_ok(!cig_strs_find(NULL, 0, S("a")),
           "strs_find: nothing is found in a NULL set");

    cig_strs_sort(one, 1);
    tap_ok(cig_strs_find(one, 1, S("eu-west-1:" UUID))
           && !cig_strs_find(one, 1, S("eu-west-1:" UUID "\n"))
           && !cig_strs_find(one, 1, S("eu-west-2:" UUID)),
           "strs_find: one pool id, exact match only");
    cig_strs_sort(NULL, 0);
    tap_ok(1, "strs_sort: an empty set is fine");
}


static void
ids_ct_equal(void)
{
    static const struct {
        const char  *name;
        const char  *a;
        size_t       alen;
        const char  *b;
        size_t       blen;
        int          equal;
    } ct[] = {
        { "equal strings",             S("secret"),   S("secret"),   1 },
        { "both empty",                S(""),         S(""),         1 },
        { "equal with NUL",            S("a\0b"),     S("a\0b"),     1 },
        { "last byte differs",         S("secret"),   S("secreT"),   0 },
        { "first byte differs",        S("secret"),   S("Secret"),   0 },
        { "one bit differs",           S("\x01"),     S("\x03"),     0 },
        { "prefix (shorter second)",   S("secret"),   S("secre"),    0 },
        { "prefix (shorter first)",    S("secre"),    S("secret"),   0 },
        { "empty and non-empty",       S(""),         S("x"),        0 },
        { "differ after a NUL",        S("a\0b"),     S("a\0c"),     0 },
        { "high bytes",                S("\xff\x80"), S("\xff\x80"), 1 },
    };
    size_t  i;

    for (i = 0; i < UNIT_NELTS(ct); i++) {
        tap_ok(cig_ct_equal(ct[i].a, ct[i].alen, ct[i].b, ct[i].blen)
               == ct[i].equal, "ct_equal: %s -> %d", ct[i].name,
               ct[i].equal);
    }

    /* 32, then 8 bytes at a time, then the tail: any difference counts */
    {
        unsigned char  x[100], y[100];
        size_t         len, at, wrong = 0;

        for (len = 0; len <= sizeof(x); len++) {
            for (at = 0; at < sizeof(x); at++) {
                x[at] = y[at] = (unsigned char) (at * 37 + 11);
            }

            wrong += !cig_ct_equal(x, len, y, len);

            for (at = 0; at < len; at++) {
                y[at] ^= 0x80;
                wrong += cig_ct_equal(x, len, y, len);
                wrong += cig_ct_equal(y, len, x, len);
                y[at] ^= 0x80;
            }
        }

        tap_is_int((long long) wrong, 0, "ct_equal: lengths 0..100, a changed "
                   "byte at every position is seen (32-byte blocks, words "
                   "and tail)");
    }
}


static void
ids_misc(void)
{
    cig_err_t  err;
    char       longarg[400];

    tap_ok(cig_alg_from_name(S("RS256")) == CIG_ALG_RS256
           && cig_alg_from_name(S("RS384")) == CIG_ALG_RS384
           && cig_alg_from_name(S("RS512")) == CIG_ALG_RS512,
           "alg_from_name: RS256, RS384, RS512");
    tap_ok(cig_alg_from_name(S("rs512")) == CIG_ALG_NONE
           && cig_alg_from_name(S("RS5121")) == CIG_ALG_NONE
           && cig_alg_from_name("RS512", 4) == CIG_ALG_NONE
           && cig_alg_from_name(S("none")) == CIG_ALG_NONE
           && cig_alg_from_name(S("HS512")) == CIG_ALG_NONE
           && cig_alg_from_name(S("PS512")) == CIG_ALG_NONE
           && cig_alg_from_name(S("")) == CIG_ALG_NONE,
           "alg_from_name: everything else is NONE");
    tap_is_str(cig_alg_name(CIG_ALG_RS512), "RS512", "alg_name(RS512)");
    tap_is_str(cig_alg_name(CIG_ALG_NONE), "none", "alg_name(NONE)");

    tap_is_str(cig_code_name(CIG_OK), "ok", "code_name(OK)");
    tap_is_str(cig_code_name(CIG_ERR_INVALID_TOKEN), "invalid token",
               "code_name(INVALID_TOKEN)");

    memset(longarg, 'x', sizeof(longarg) - 1);
    longarg[sizeof(longarg) - 1] = '\0';
    memset(&err, 0x55, sizeof(err));
    cig_err_set(&err, CIG_ERR_CONFIG, "long: %s", longarg);
    tap_ok(err.code == CIG_ERR_CONFIG
           && strlen(err.msg) == CIG_ERR_MSG_LEN - 1
           && strncmp(err.msg, "long: xxx", 9) == 0,
           "err_set: a long message is truncated and NUL-terminated");
    cig_err_set(NULL, CIG_ERR_CONFIG, "ignored");
    tap_ok(1, "err_set: a NULL err is ignored");
}


void
test_ids(void)
{
    tap_note("identifiers and helpers");

    ids_table();
    ids_strs();
    ids_ct_equal();
    ids_exhaustive();
    ids_misc();
}
