/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * JSON: the strict parser, with an arena allocator per case.
 */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"


#define S(lit)  lit, sizeof(lit) - 1
#define DEPTH   CIG_MAX_JSON_DEPTH


typedef struct {
    cig_arena_t      *arena;
    cig_allocator_t   a;
    cig_err_t         err;
} json_ctx_t;


static void
json_begin(json_ctx_t *ctx)
{
    ctx->arena = cig_arena_create();
    if (ctx->arena == NULL) {
        printf("Bail out! out of memory\n");
        exit(255);
    }

    cig_arena_allocator(ctx->arena, &ctx->a);
    memset(&ctx->err, 0, sizeof(cig_err_t));
}


static void
json_end(json_ctx_t *ctx)
{
    cig_arena_destroy(ctx->arena);
    ctx->arena = NULL;
}


static cig_json_t *
json_parse(json_ctx_t *ctx, const char *text, size_t len, unsigned depth)
{
    return cig_json_parse(text, len, depth, &ctx->a, &ctx->err);
}


/* valid documents of every type */

static void
json_valid(void)
{
    static const struct {
        const char       *text;
        size_t            len;
        cig_json_type_t   type;
        size_t            count;
    } ok[] = {
        { S("null"),                 CIG_JSON_NULL,   0 },
        { S("true"),                 CIG_JSON_TRUE,   0 },
        { S("false"),                CIG_JSON_FALSE,  0 },
        { S("0"),                    CIG_JSON_NUMBER, 0 },
        { S("-12.5e-1"),             CIG_JSON_NUMBER, 0 },
        { S("\"\""),                 CIG_JSON_STRING, 0 },
        { S("\"text\""),             CIG_JSON_STRING, 0 },
        { S("\"del \x7f ok\""),      CIG_JSON_STRING, 0 },
        { S("[]"),                   CIG_JSON_ARRAY,  0 },
        { S("{}"),                   CIG_JSON_OBJECT, 0 },
        { S("[ ]"),                  CIG_JSON_ARRAY,  0 },
        { S("{ \t\r\n}"),            CIG_JSON_OBJECT, 0 },
        { S(" \t\r\n{\"a\":1} \r\n\t"), CIG_JSON_OBJECT, 1 },
        { S("[1,\"a\",null,true,false,{},[]]"), CIG_JSON_ARRAY, 7 },
        { S("{\"a\":{\"b\":[1,2,{\"c\":null}]},\"d\":\"e\"}"),
                                     CIG_JSON_OBJECT, 2 },
        { S("{\"\":0}"),             CIG_JSON_OBJECT, 1 },
        { S("{\"a\":1,\"A\":2}"),    CIG_JSON_OBJECT, 2 },
        { S("{\"a\":1,\"a\\u0000\":2}"), CIG_JSON_OBJECT, 2 },
    };
    json_ctx_t   ctx;
    cig_json_t  *root;
    size_t       i;

    for (i = 0; i < UNIT_NELTS(ok); i++) {
        json_begin(&ctx);

        root = json_parse(&ctx, ok[i].text, ok[i].len, DEPTH);

        if (tap_ok(root != NULL, "json: parses %s", ok[i].text)) {
            tap_ok(root->type == ok[i].type && root->count == ok[i].count,
                   "json: %s is a %s of %zu children", ok[i].text,
                   cig_json_type_name(ok[i].type), ok[i].count);
        } else {
            tap_diag("error: %s", ctx.err.msg);
        }

        json_end(&ctx);
    }
}


/* an object of n members "k00".."k(n-1)", plus an optional extra one */

static char *
json_big_object(size_t n, const char *extra, size_t *len)
{
    char    *buf, *p;
    size_t   i, size;

    size = n * 16 + 64 + (extra ? strlen(extra) : 0);
    buf = malloc(size);
    if (buf == NULL) {
        printf("Bail out! out of memory\n");
        exit(255);
    }

    p = buf;
    *p++ = '{';

    for (i = 0; i < n; i++) {
        p += sprintf(p, "%s\"k%02zu\":%zu", i ? "," : "", i, i);
    }

    if (extra) {
        p += sprintf(p, ",%s", extra);
    }

    *p++ = '}';
    *p = '\0';
    *len = (size_t) (p - buf);

    return buf;
}


static char *
json_nested(unsigned depth, int objects, size_t *len)
{
    char      *buf, *p;
    unsigned   i;

    buf = malloc(depth * 8 + 8);
    if (buf == NULL) {
        printf("Bail out! out of memory\n");
        exit(255);
    }

    p = buf;

    for (i = 0; i < depth; i++) {
        p += sprintf(p, "%s", objects ? "{\"a\":" : "[");
    }

    *p++ = '1';

    for (i = 0; i < depth; i++) {
        *p++ = objects ? '}' : ']';
    }

    *p = '\0';
    *len = (size_t) (p - buf);

    return buf;
}


static void
json_dups_and_depth(void)
{
    json_ctx_t    ctx;
    cig_json_t   *root;
    char         *text;
    size_t        len;
    unsigned      d;
    int           objects;

    /* more than 8 members: the sorted check, duplicate far apart */

    text = json_big_object(20, NULL, &len);
    json_begin(&ctx);
    root = json_parse(&ctx, text, len, DEPTH);
    tap_ok(root != NULL && root->count == 20,
           "json: object of 20 distinct members parses");
    tap_ok(root && cig_json_get(root, "k19") != NULL
           && cig_json_get(root, "k19")->num == 19,
           "json: cig_json_get finds the last of 20 members");
    json_end(&ctx);
    free(text);

    text = json_big_object(20, "\"k00\":\"again\"", &len);
    json_begin(&ctx);
    root = json_parse(&ctx, text, len, DEPTH);
    tap_ok(root == NULL, "json: 21 members, first and last named \"k00\": "
           "refused");
    tap_like(ctx.err.msg, "duplicate member name", "json: ... as a duplicate "
             "member name");
    json_end(&ctx);
    free(text);

    text = json_big_object(20, "\"k\\u0030\\u0037\":0", &len);
    json_begin(&ctx);
    root = json_parse(&ctx, text, len, DEPTH);
    tap_ok(root == NULL, "json: 21 members, \"k07\" again spelled with "
           "\\u escapes: refused");
    tap_like(ctx.err.msg, "duplicate member name", "json: ... as a duplicate "
             "member name");
    json_end(&ctx);
    free(text);

    text = json_big_object(8, "\"k00\":0", &len);
    json_begin(&ctx);
    root = json_parse(&ctx, text, len, DEPTH);
    tap_ok(root == NULL && strstr(ctx.err.msg, "duplicate member name"),
           "json: 9 members, duplicate first and last: refused");
    json_end(&ctx);
    free(text);

    text = json_big_object(7, "\"k06\":0", &len);
    json_begin(&ctx);
    root = json_parse(&ctx, text, len, DEPTH);
    tap_ok(root == NULL && strstr(ctx.err.msg, "duplicate member name"),
           "json: 8 members, duplicate last two: refused");
    json_end(&ctx);
    free(text);

    /* depth: exactly the limit passes, one more fails */

    for (objects = 0; objects <= 1; objects++) {
        for (d = DEPTH - 1; d <= DEPTH + 1; d++) {
            text = json_nested(d, objects, &len);
            json_begin(&ctx);
            root = json_parse(&ctx, text, len, DEPTH);

            if (d <= DEPTH) {
                if (!tap_ok(root != NULL, "json: %u nested %s with limit %u "
                            "parse", d, objects ? "objects" : "arrays",
                            DEPTH))
                {
                    tap_diag("error: %s", ctx.err.msg);
                }

            } else {
                tap_ok(root == NULL, "json: %u nested %s with limit %u are "
                       "refused", d, objects ? "objects" : "arrays", DEPTH);
                tap_like(ctx.err.msg, "nesting too deep", "json: ... as "
                         "nesting too deep");
            }

            json_end(&ctx);
            free(text);
        }
    }

    /* a different limit (the header uses 2) */

    json_begin(&ctx);
    tap_ok(json_parse(&ctx, S("{\"a\":{}}"), 2) != NULL,
           "json: depth 2 with limit 2 parses");
    tap_ok(json_parse(&ctx, S("{\"a\":{\"b\":[]}}"), 2) == NULL,
           "json: depth 3 with limit 2 is refused");
    tap_ok(json_parse(&ctx, S("\"scalar\""), 0) != NULL,
           "json: a scalar with limit 0 parses");
    tap_ok(json_parse(&ctx, S("[]"), 0) == NULL,
           "json: an array with limit 0 is refused");
    json_end(&ctx);
}


static void
json_refusals(void)
{
    static const struct {
        const char  *name;
        const char  *text;
        size_t       len;
        const char  *msg;       /* substring of the error */
    } bad[] = {
        { "duplicate key", S("{\"a\":1,\"a\":2}"), "duplicate member name" },
        { "duplicate key, nested", S("[{\"x\":{\"b\":1,\"c\":2,\"b\":3}}]"),
          "duplicate member name" },
        { "duplicate key via escape", S("{\"ab\":1,\"a\\u0062\":2}"),
          "duplicate member name" },
        { "duplicate empty key", S("{\"\":1,\"\":2}"),
          "duplicate member name" },

        { "trailing data", S("{} x"), "trailing data" },
        { "two values", S("1 2"), "trailing data" },
        { "two objects", S("{}{}"), "trailing data" },
        { "trailing NUL", S("{}\0"), "trailing data" },
        { "trailing comma in array", S("[1,]"), "bad number" },
        { "trailing comma in object", S("{\"a\":1,}"),
          "expected member name" },
        { "leading comma", S("[,1]"), "bad number" },
        { "missing comma", S("[1 2]"), "expected ',' or ']'" },
        { "missing colon", S("{\"a\" 1}"), "expected ':'" },
        { "non-string key", S("{1:2}"), "expected member name" },
        { "unquoted key", S("{a:1}"), "expected member name" },

        { "leading zero", S("01"), "trailing data" },
        { "leading zero in array", S("[01]"), "expected ',' or ']'" },
        { "negative leading zero", S("-01"), "trailing data" },
        { "double zero", S("00"), "trailing data" },
        { "plus sign", S("+1"), "bad number" },
        { "lone minus", S("-"), "bad number" },
        { "bare fraction", S(".5"), "bad number" },
        { "dot without digits", S("1."), "bad number" },
        { "exponent without digits", S("1e"), "bad number" },
        { "exponent sign without digits", S("1e+"), "bad number" },
        { "hex number", S("0x10"), "trailing data" },
        { "number too long", S("1234567890123456789012345678901234567890"
                               "1234567890123456789012345"),
          "number too long" },
        { "number out of range", S("1e400"), "number out of range" },
        { "negative number out of range", S("-1e400"),
          "number out of range" },

        { "NaN", S("NaN"), "bad number" },
        { "Infinity", S("Infinity"), "bad number" },
        { "-Infinity", S("-Infinity"), "bad number" },
        { "nan", S("nan"), "unexpected character" },
        { "True", S("True"), "bad number" },
        { "truncated literal", S("tru"), "unexpected character" },
        { "literal with suffix", S("nulls"), "trailing data" },

        { "single-quoted string", S("'a'"), "bad number" },
        { "single-quoted key", S("{'a':1}"), "expected member name" },
        { "block comment", S("[1 /* c */]"), "expected ',' or ']'" },
        { "line comment", S("// c\n1"), "bad number" },
        { "hash comment", S("# c\n1"), "bad number" },

        { "raw tab in string", S("\"a\tb\""), "control character" },
        { "raw newline in string", S("\"a\nb\""), "control character" },
        { "raw 0x01 in string", S("\"\x01\""), "control character" },
        { "raw 0x1f in string", S("\"\x1f\""), "control character" },
        { "raw NUL in string", S("\"a\0b\""), "control character" },
        { "raw control char in key", S("{\"a\x02\":1}"),
          "control character" },

        { "overlong C0 80", S("\"\xc0\x80\""), "invalid UTF-8" },
        { "overlong C1 BF", S("\"\xc1\xbf\""), "invalid UTF-8" },
        { "overlong E0 80 80", S("\"\xe0\x80\x80\""), "invalid UTF-8" },
        { "overlong E0 9F BF", S("\"\xe0\x9f\xbf\""), "invalid UTF-8" },
        { "overlong F0 8F BF BF", S("\"\xf0\x8f\xbf\xbf\""),
          "invalid UTF-8" },
        { "surrogate ED A0 80", S("\"\xed\xa0\x80\""), "invalid UTF-8" },
        { "surrogate ED BF BF", S("\"\xed\xbf\xbf\""), "invalid UTF-8" },
        { "above U+10FFFF: F4 90 80 80", S("\"\xf4\x90\x80\x80\""),
          "invalid UTF-8" },
        { "F5 lead byte", S("\"\xf5\x80\x80\x80\""), "invalid UTF-8" },
        { "F8 lead byte", S("\"\xf8\x88\x80\x80\x80\""), "invalid UTF-8" },
        { "FF byte", S("\"\xff\""), "invalid UTF-8" },
        { "FE byte", S("\"\xfe\""), "invalid UTF-8" },
        { "truncated 2-byte sequence", S("\"\xc3\""), "invalid UTF-8" },
        { "truncated 3-byte sequence", S("\"\xe2\x82\""), "invalid UTF-8" },
        { "truncated 4-byte sequence", S("\"\xf0\x9f\x98\""),
          "invalid UTF-8" },
        { "truncated sequence at end of input", S("\"\xe2\x82"),
          "invalid UTF-8" },
        { "lead byte followed by ASCII", S("\"\xc3" "A\""), "invalid UTF-8" },
        { "3-byte lead, bad third byte", S("\"\xe2\x82" "A\""),
          "invalid UTF-8" },
        { "stray continuation 80", S("\"\x80\""), "invalid UTF-8" },
        { "stray continuation BF after ASCII", S("\"a\xbf\""),
          "invalid UTF-8" },
        { "extra continuation byte", S("\"\xc3\xa9\xa9\""),
          "invalid UTF-8" },
        { "invalid UTF-8 in a key", S("{\"\xc0\x80\":1}"), "invalid UTF-8" },
        { "UTF-8 outside a string", S("\xc3\xa9"), "bad number" },

        { "lone high surrogate \\uD800", S("\"\\uD800\""),
          "lone high surrogate" },
        { "lone low surrogate \\uDC00", S("\"\\uDC00\""),
          "lone low surrogate" },
        { "high surrogate then text", S("\"\\uD83Dx\""),
          "lone high surrogate" },
        { "high surrogate then non-surrogate", S("\"\\uD83D\\u0041\""),
          "lone high surrogate" },
        { "two high surrogates", S("\"\\uDBFF\\uDBFF\""),
          "lone high surrogate" },
        { "reversed pair", S("\"\\uDE00\\uD83D\""), "lone low surrogate" },
        { "high surrogate then other escape", S("\"\\uD83D\\n\""),
          "lone high surrogate" },
        { "lone surrogate in a key", S("{\"\\uDFFF\":1}"),
          "lone low surrogate" },

        { "escape \\x", S("\"\\x41\""), "bad escape" },
        { "escape \\U", S("\"\\U0041\""), "bad escape" },
        { "escape \\'", S("\"\\'\""), "bad escape" },
        { "escape \\0", S("\"\\0\""), "bad escape" },
        { "escape of a space", S("\"\\ \""), "bad escape" },
        { "escape of a UTF-8 byte", S("\"\\\xc3\xa9\""), "invalid UTF-8" },
        { "short \\u escape", S("\"\\u12\""), "bad \\u escape" },
        { "non-hex \\u escape", S("\"\\u12G4\""), "bad \\u escape" },
        { "\\u with sign", S("\"\\u+123\""), "bad \\u escape" },
        { "backslash at the end", S("\"\\"), "unterminated string" },
        { "escaped closing quote", S("\"\\\""), "unterminated string" },

        { "BOM", S("\xef\xbb\xbf{}"), "bad number" },
        { "empty input", S(""), "unexpected end" },
        { "whitespace only", S(" \r\n\t"), "unexpected end" },
        { "form feed as whitespace", S("\f1"), "bad number" },
        { "unterminated string", S("\"abc"), "unterminated string" },
        { "unterminated array", S("[1"), "expected ',' or ']'" },
        { "unterminated object", S("{\"a\":1"), "expected ',' or '}'" },
        { "member without value", S("{\"a\":"), "unexpected end" },
        { "lone close bracket", S("]"), "bad number" },
        { "mismatched brackets", S("[}"), "bad number" },
    };
    json_ctx_t   ctx;
    cig_json_t  *root;
    size_t       i;

    for (i = 0; i < UNIT_NELTS(bad); i++) {
        json_begin(&ctx);

        root = json_parse(&ctx, bad[i].text, bad[i].len, DEPTH);

        if (tap_ok(root == NULL, "json: refuses %s", bad[i].name)) {
            tap_ok(ctx.err.code == CIG_ERR_INVALID_TOKEN
                   && strstr(ctx.err.msg, "invalid JSON: ") == ctx.err.msg
                   && strstr(ctx.err.msg, bad[i].msg) != NULL,
                   "json: ... saying \"%s\"", bad[i].msg);
            if (strstr(ctx.err.msg, bad[i].msg) == NULL) {
                tap_diag("error: %s", ctx.err.msg);
            }
        } else {
            tap_ok(0, "json: ... saying \"%s\"", bad[i].msg);
        }

        json_end(&ctx);
    }
}


static void
json_strings(void)
{
    static const struct {
        const char  *name;
        const char  *text;
        size_t       len;
        const char  *str;
        size_t       str_len;
    } ok[] = {
        { "\\u00e9 -> C3 A9", S("\"\\u00e9\""), S("\xc3\xa9") },
        { "\\u00E9 (upper-case hex)", S("\"\\u00E9\""), S("\xc3\xa9") },
        { "\\u0041 -> A", S("\"\\u0041\""), S("A") },
        { "\\u07ff -> DF BF", S("\"\\u07ff\""), S("\xdf\xbf") },
        { "\\u0800 -> E0 A0 80", S("\"\\u0800\""), S("\xe0\xa0\x80") },
        { "\\u20AC -> E2 82 AC", S("\"\\u20AC\""), S("\xe2\x82\xac") },
        { "\\uFFFF -> EF BF BF", S("\"\\uFFFF\""), S("\xef\xbf\xbf") },
        { "pair \\uD83D\\uDE00 -> F0 9F 98 80",
          S("\"\\uD83D\\uDE00\""), S("\xf0\x9f\x98\x80") },
        { "pair \\ud83d\\ude00 (lower-case)",
          S("\"\\ud83d\\ude00\""), S("\xf0\x9f\x98\x80") },
        { "pair \\uDBFF\\uDFFF -> U+10FFFF",
          S("\"\\uDBFF\\uDFFF\""), S("\xf4\x8f\xbf\xbf") },
        { "pair \\uD800\\uDC00 -> U+10000",
          S("\"\\uD800\\uDC00\""), S("\xf0\x90\x80\x80") },
        { "\\u0000 -> embedded NUL", S("\"a\\u0000b\""), S("a\0b") },
        { "only \\u0000", S("\"\\u0000\""), S("\0") },
        { "simple escapes", S("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\""),
          S("\"\\/\b\f\n\r\t") },
        { "escapes between text", S("\"x\\ny\\tz\""), S("x\ny\tz") },
        { "no escapes", S("\"plain\""), S("plain") },
        { "empty", S("\"\""), S("") },
        { "raw UTF-8 C3 A9", S("\"\xc3\xa9\""), S("\xc3\xa9") },
        { "raw UTF-8 E2 82 AC", S("\"\xe2\x82\xac\""), S("\xe2\x82\xac") },
        { "raw UTF-8 ED 9F BF (U+D7FF)", S("\"\xed\x9f\xbf\""),
          S("\xed\x9f\xbf") },
        { "raw UTF-8 EE 80 80 (U+E000)", S("\"\xee\x80\x80\""),
          S("\xee\x80\x80") },
        { "raw UTF-8 F0 90 80 80 (U+10000)", S("\"\xf0\x90\x80\x80\""),
          S("\xf0\x90\x80\x80") },
        { "raw UTF-8 F4 8F BF BF (U+10FFFF)", S("\"\xf4\x8f\xbf\xbf\""),
          S("\xf4\x8f\xbf\xbf") },
        { "raw UTF-8 next to escapes", S("\"\xc3\xa9\\n\xe2\x82\xac\""),
          S("\xc3\xa9\n\xe2\x82\xac") },
    };
    json_ctx_t   ctx;
    cig_json_t  *root;
    size_t       i;

    for (i = 0; i < UNIT_NELTS(ok); i++) {
        json_begin(&ctx);

        root = json_parse(&ctx, ok[i].text, ok[i].len, DEPTH);

        if (tap_ok(root != NULL && root->type == CIG_JSON_STRING,
                   "json string: %s parses", ok[i].name))
        {
            tap_is_mem(root->str.data, root->str.len, ok[i].str,
                       ok[i].str_len, "json string: %s unescapes",
                       ok[i].name);
            tap_is_mem(root->raw.data, root->raw.len, ok[i].text, ok[i].len,
                       "json string: %s raw span is the source", ok[i].name);

        } else {
            tap_diag("error: %s", ctx.err.msg);
            tap_ok(0, "json string: %s unescapes", ok[i].name);
            tap_ok(0, "json string: %s raw span is the source", ok[i].name);
        }

        json_end(&ctx);
    }
}


static void
json_numbers(void)
{
    static const struct {
        const char  *text;
        size_t       len;
        double       num;
    } ok[] = {
        { S("0"),                  0 },
        { S("7"),                  7 },
        { S("-42"),                -42 },
        { S("1700000000"),         1700000000.0 },
        { S("9007199254740992"),   9007199254740992.0 },
        { S("123456789012345"),    123456789012345.0 },
        { S("1e3"),                1000 },
        { S("1E3"),                1000 },
        { S("1e+3"),               1000 },
        { S("1.5"),                1.5 },
        { S("-1.5"),               -1.5 },
        { S("0.25"),               0.25 },
        { S("1E-2"),               0.01 },
        { S("2.5e+1"),             25 },
        { S("0e0"),                0 },
        { S("1e308"),              1e308 },
    };
    json_ctx_t   ctx;
    cig_json_t  *root;
    size_t       i;

    for (i = 0; i < UNIT_NELTS(ok); i++) {
        json_begin(&ctx);

        root = json_parse(&ctx, ok[i].text, ok[i].len, DEPTH);

        if (tap_ok(root != NULL && root->type == CIG_JSON_NUMBER,
                   "json number: %s parses", ok[i].text))
        {
            if (!tap_ok(root->num == ok[i].num, "json number: %s == %.17g",
                        ok[i].text, ok[i].num))
            {
                tap_diag("got %.17g", root->num);
            }

            tap_is_mem(root->raw.data, root->raw.len, ok[i].text, ok[i].len,
                       "json number: %s raw span", ok[i].text);

        } else {
            tap_diag("error: %s", ctx.err.msg);
        }

        json_end(&ctx);
    }

    /* the longest number accepted (64 characters), roughly */

    json_begin(&ctx);
    root = json_parse(&ctx, S("1234567890123456789012345678901234567890"
                              "123456789012345678901234"), DEPTH);
    tap_ok(root != NULL && root->type == CIG_JSON_NUMBER
           && fabs(root->num / 1.2345678901234567890e63 - 1) < 1e-12,
           "json number: a 64-digit integer parses (approximately)");
    json_end(&ctx);

    json_begin(&ctx);
    root = json_parse(&ctx, S("-0"), DEPTH);
    tap_ok(root != NULL && root->type == CIG_JSON_NUMBER && root->num == 0
           && signbit(root->num), "json number: -0 is negative zero");
    root = json_parse(&ctx, S("-0.0"), DEPTH);
    tap_ok(root != NULL && root->num == 0 && signbit(root->num),
           "json number: -0.0 is negative zero");
    root = json_parse(&ctx, S(" [ -1 , 2e1 ] "), DEPTH);
    tap_ok(root != NULL && root->count == 2 && root->child->num == -1
           && root->child->next->num == 20 && root->child->next->next == NULL,
           "json number: numbers inside an array");
    json_end(&ctx);
}


static void
json_spans_and_get(void)
{
    static const char   doc[] =
        " {\"a\" : [1, 2 ,true] , \"s\":\"x\\ny\", \"o\":{ \"n\":null },"
        "\"e\":\"\",\"f\":false,\"a\\u0000b\":3} ";
    json_ctx_t          ctx;
    cig_json_t         *root;
    const cig_json_t   *m, *c;

    json_begin(&ctx);

    root = json_parse(&ctx, doc, sizeof(doc) - 1, DEPTH);

    if (!tap_ok(root != NULL && root->type == CIG_JSON_OBJECT,
                "json: sample document parses"))
    {
        tap_diag("error: %s", ctx.err.msg);
        json_end(&ctx);
        return;
    }

    tap_is_int((long long) root->count, 6, "json: root has 6 members");
    tap_is_mem(root->raw.data, root->raw.len, doc + 1, sizeof(doc) - 3,
               "json: root raw span is the object without surrounding "
               "whitespace");

    m = cig_json_get(root, "a");
    tap_ok(m && m->type == CIG_JSON_ARRAY && m->count == 3,
           "json_get: \"a\" is an array of 3");
    if (m) {
        tap_is_mem(m->raw.data, m->raw.len, S("[1, 2 ,true]"),
                   "json: array raw span");
        tap_is_mem(m->key.data, m->key.len, S("a"), "json: member key");
        c = m->child;
        tap_ok(c && c->type == CIG_JSON_NUMBER && c->num == 1
               && c->raw.len == 1 && c->raw.data[0] == '1'
               && c->key.data == NULL && c->key.len == 0,
               "json: first element is 1, without a key");
        c = c ? c->next : NULL;
        tap_ok(c && c->num == 2, "json: second element is 2");
        c = c ? c->next : NULL;
        tap_ok(c && c->type == CIG_JSON_TRUE && c->next == NULL
               && c->raw.len == 4 && memcmp(c->raw.data, "true", 4) == 0,
               "json: third element is true (raw \"true\"), the last");
    }

    m = cig_json_get(root, "s");
    tap_ok(m && m->type == CIG_JSON_STRING, "json_get: \"s\" is a string");
    if (m) {
        tap_is_mem(m->str.data, m->str.len, S("x\ny"),
                   "json: string value unescaped");
        tap_is_mem(m->raw.data, m->raw.len, S("\"x\\ny\""),
                   "json: string raw span keeps quotes and escapes");
    }

    m = cig_json_get(root, "o");
    tap_ok(m && m->type == CIG_JSON_OBJECT
           && cig_json_get(m, "n") && cig_json_get(m, "n")->type
              == CIG_JSON_NULL,
           "json_get: nested object member \"n\" is null");
    if (m) {
        tap_is_mem(m->raw.data, m->raw.len, S("{ \"n\":null }"),
                   "json: object raw span");
    }

    m = cig_json_get(root, "e");
    tap_ok(m && m->type == CIG_JSON_STRING && m->str.len == 0
           && m->str.data != NULL, "json_get: empty string value");

    m = cig_json_get(root, "f");
    tap_ok(m && m->type == CIG_JSON_FALSE, "json_get: \"f\" is false");

    tap_ok(cig_json_get(root, "missing") == NULL,
           "json_get: a missing member is NULL");
    tap_ok(cig_json_get(root, "A") == NULL,
           "json_get: names are case-sensitive");
    tap_ok(cig_json_get(root, "n") == NULL,
           "json_get: does not look into nested objects");
    tap_ok(cig_json_get(root, "a\0b") != NULL
           && cig_json_get(root, "a\0b") == cig_json_get(root, "a"),
           "json_get: NUL-terminated name stops at the NUL");
    m = cig_json_getn(root, "a\0b", 3);
    tap_ok(m && m->type == CIG_JSON_NUMBER && m->num == 3,
           "json_getn: finds a name with an embedded NUL by length");
    tap_ok(cig_json_getn(root, "a\0", 2) == NULL,
           "json_getn: a prefix of a name does not match");
    tap_ok(cig_json_get(cig_json_get(root, "a"), "a") == NULL,
           "json_get: on an array is NULL");
    tap_ok(cig_json_get(NULL, "a") == NULL, "json_get: on NULL is NULL");

    tap_is_str(cig_json_type_name(CIG_JSON_OBJECT), "object",
               "json_type_name(object)");
    tap_is_str(cig_json_type_name(CIG_JSON_NULL), "null",
               "json_type_name(null)");
    tap_is_str(cig_json_type_name((cig_json_type_t) 99), "unknown",
               "json_type_name(99)");

    json_end(&ctx);

    /* an input that is not NUL-terminated is read only up to len */

    json_begin(&ctx);
    root = json_parse(&ctx, "[1]]", 3, DEPTH);
    tap_ok(root != NULL && root->count == 1,
           "json: parsing stops at len, not at a NUL");
    root = json_parse(&ctx, "\"abc\"", 4, DEPTH);
    tap_ok(root == NULL && strstr(ctx.err.msg, "unterminated string"),
           "json: a string cut by len is unterminated");
    root = json_parse(&ctx, "truex", 3, DEPTH);
    tap_ok(root == NULL, "json: a literal cut by len is refused");
    json_end(&ctx);
}


/*
 * Strings are scanned eight bytes at a time while they hold only plain
 * ASCII: every byte that needs a closer look must be found at every
 * position of such a block, and nothing else.
 */

static void
json_string_positions(void)
{
    static const struct {
        const char  *name;
        const char  *bytes;
        size_t       len;
        const char  *msg;           /* NULL: accepted */
        const char  *str;           /* the value's bytes there, if accepted */
        size_t       str_len;
    } special[] = {
        { "0x01", S("\x01"), "control character", NULL, 0 },
        { "0x1f", S("\x1f"), "control character", NULL, 0 },
        { "NUL", S("\0"), "control character", NULL, 0 },
        { "a tab", S("\t"), "control character", NULL, 0 },
        { "a stray 0x80", S("\x80"), "invalid UTF-8", NULL, 0 },
        { "0xff", S("\xff"), "invalid UTF-8", NULL, 0 },
        { "an overlong C0 80", S("\xc0\x80"), "invalid UTF-8", NULL, 0 },
        { "a space", S(" "), NULL, S(" ") },
        { "DEL", S("\x7f"), NULL, S("\x7f") },
        { "'!' (0x21)", S("!"), NULL, S("!") },
        { "'#' (0x23)", S("#"), NULL, S("#") },
        { "'[' (0x5b)", S("["), NULL, S("[") },
        { "']' (0x5d)", S("]"), NULL, S("]") },
        { "e-acute", S("\xc3\xa9"), NULL, S("\xc3\xa9") },
        { "an escaped quote", S("\\\""), NULL, S("\"") },
        { "an escaped backslash", S("\\\\"), NULL, S("\\") },
        { "\\n", S("\\n"), NULL, S("\n") },
    };
    char         text[64], want[64];
    size_t       i, pos, tail, n, w;
    json_ctx_t   ctx;
    cig_json_t  *root;
    int          good;

    for (i = 0; i < UNIT_NELTS(special); i++) {
        good = 1;

        for (pos = 0; pos < 17 && good; pos++) {
            for (tail = 0; tail < 10 && good; tail += 3) {
                n = 0;
                text[n++] = '"';
                memset(text + n, 'a', pos);
                n += pos;
                memcpy(text + n, special[i].bytes, special[i].len);
                n += special[i].len;
                memset(text + n, 'b', tail);
                n += tail;
                text[n++] = '"';

                json_begin(&ctx);
                root = json_parse(&ctx, text, n, DEPTH);

                if (special[i].msg != NULL) {
                    good = root == NULL
                           && strstr(ctx.err.msg, special[i].msg) != NULL;
                } else {
                    w = 0;
                    memset(want + w, 'a', pos);
                    w += pos;
                    memcpy(want + w, special[i].str, special[i].str_len);
                    w += special[i].str_len;
                    memset(want + w, 'b', tail);
                    w += tail;
                    good = root != NULL && root->type == CIG_JSON_STRING
                           && root->str.len == w
                           && memcmp(root->str.data, want, w) == 0;
                }

                if (!good) {
                    tap_diag("at byte %zu, %zu after: %s", pos, tail,
                             root ? "accepted" : ctx.err.msg);
                }

                json_end(&ctx);
            }
        }

        tap_ok(good, "json: %s is %s at every position of a long string",
               special[i].name, special[i].msg ? "found" : "kept");
    }

    /* a string that ends without its quote, cut at every length */

    memset(text, 'a', sizeof(text));
    text[0] = '"';
    good = 1;

    for (n = 1; n < 40 && good; n++) {
        json_begin(&ctx);
        root = json_parse(&ctx, text, n, DEPTH);
        good = root == NULL && strstr(ctx.err.msg, "unterminated string");
        json_end(&ctx);
    }

    tap_ok(good, "json: a long string without its closing quote is "
           "unterminated at every length");
}


void
test_json(void)
{
    tap_note("JSON");

    json_valid();
    json_dups_and_depth();
    json_refusals();
    json_strings();
    json_string_positions();
    json_numbers();
    json_spans_and_get();
}
