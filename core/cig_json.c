/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A strict JSON parser (RFC 8259) that allocates only from the caller's
 * allocator.  It refuses what lenient parsers accept and attackers exploit:
 * invalid or overlong UTF-8, lone surrogates, duplicate member names (two
 * parsers reading one token two ways), unbounded nesting, trailing bytes.
 */

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cig.h"
#include "cig_internal.h"


#define CIG_JSON_NUM_MAX  64    /* longest number text accepted */


typedef struct {
    const unsigned char    *p;
    const unsigned char    *start;
    const unsigned char    *end;
    unsigned                depth;
    unsigned                depth_max;
    const cig_allocator_t  *a;
    cig_err_t              *err;
} cig_json_parser_t;


static cig_json_t *cig_json_value(cig_json_parser_t *jp);


static int
cig_json_fail(cig_json_parser_t *jp, const char *what)
{
    cig_err_set(jp->err, CIG_ERR_INVALID_TOKEN, "invalid JSON: %s at byte %zu",
                what, (size_t) (jp->p - jp->start));
    return 0;
}


static void
cig_json_ws(cig_json_parser_t *jp)
{
    while (jp->p < jp->end
           && (*jp->p == ' ' || *jp->p == '\t' || *jp->p == '\n'
               || *jp->p == '\r'))
    {
        jp->p++;
    }
}


static cig_json_t *
cig_json_node(cig_json_parser_t *jp, cig_json_type_t type)
{
    cig_json_t  *node;

    node = jp->a->alloc(jp->a->ctx, sizeof(cig_json_t));
    if (node == NULL) {
        cig_err_set(jp->err, CIG_ERR_INTERNAL, "out of memory");
        return NULL;
    }

    memset(node, 0, sizeof(cig_json_t));
    node->type = type;

    return node;
}


static int
cig_json_hex4(const unsigned char *p, unsigned *v)
{
    unsigned  i, c, d;

    d = 0;

    for (i = 0; i < 4; i++) {
        c = p[i];

        if (c >= '0' && c <= '9') {
            c -= '0';
        } else if (c >= 'a' && c <= 'f') {
            c -= 'a' - 10;
        } else if (c >= 'A' && c <= 'F') {
            c -= 'A' - 10;
        } else {
            return 0;
        }

        d = d << 4 | c;
    }

    *v = d;

    return 1;
}


/* Length of a well-formed UTF-8 sequence at p, or 0 (RFC 3629 table 3-7). */

static size_t
cig_utf8_len(const unsigned char *p, const unsigned char *end)
{
    unsigned char  c = p[0];
    size_t         n, i;
    unsigned char  lo = 0x80, hi = 0xbf;

    if (c < 0x80) {
        return 1;
    }

    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
    } else if (c == 0xe0) {
        n = 3; lo = 0xa0;
    } else if ((c >= 0xe1 && c <= 0xec) || c == 0xee || c == 0xef) {
        n = 3;
    } else if (c == 0xed) {
        n = 3; hi = 0x9f;             /* no UTF-16 surrogates */
    } else if (c == 0xf0) {
        n = 4; lo = 0x90;
    } else if (c >= 0xf1 && c <= 0xf3) {
        n = 4;
    } else if (c == 0xf4) {
        n = 4; hi = 0x8f;             /* nothing past U+10FFFF */
    } else {
        return 0;
    }

    if ((size_t) (end - p) < n || p[1] < lo || p[1] > hi) {
        return 0;
    }

    for (i = 2; i < n; i++) {
        if (p[i] < 0x80 || p[i] > 0xbf) {
            return 0;
        }
    }

    return n;
}


static unsigned char *
cig_utf8_put(unsigned char *d, unsigned cp)
{
    if (cp < 0x80) {
        *d++ = (unsigned char) cp;

    } else if (cp < 0x800) {
        *d++ = (unsigned char) (0xc0 | cp >> 6);
        *d++ = (unsigned char) (0x80 | (cp & 0x3f));

    } else if (cp < 0x10000) {
        *d++ = (unsigned char) (0xe0 | cp >> 12);
        *d++ = (unsigned char) (0x80 | (cp >> 6 & 0x3f));
        *d++ = (unsigned char) (0x80 | (cp & 0x3f));

    } else {
        *d++ = (unsigned char) (0xf0 | cp >> 18);
        *d++ = (unsigned char) (0x80 | (cp >> 12 & 0x3f));
        *d++ = (unsigned char) (0x80 | (cp >> 6 & 0x3f));
        *d++ = (unsigned char) (0x80 | (cp & 0x3f));
    }

    return d;
}


/*
 * Nonzero when any of the eight bytes of w needs a closer look: a control
 * character, '"', '\\' or a byte of 0x80 or more.  The classic bit tricks:
 * (x - 0x01..) & ~x & 0x80.. is nonzero exactly when some byte of x is
 * zero, and (x - n * 0x01..) & ~x & 0x80.. when some byte is below n.
 */

#define CIG_ONES   0x0101010101010101ULL
#define CIG_HIGHS  0x8080808080808080ULL

static inline uint64_t
cig_json_plain8(uint64_t w)
{
    uint64_t  q = w ^ (CIG_ONES * '"'), b = w ^ (CIG_ONES * '\\');

    return (w | ((w - CIG_ONES * 0x20) & ~w)
            | ((q - CIG_ONES) & ~q) | ((b - CIG_ONES) & ~b)) & CIG_HIGHS;
}


static int
cig_json_string(cig_json_parser_t *jp, cig_str_t *out)
{
    const unsigned char  *p, *q;
    unsigned char        *buf, *d;
    unsigned              cp, lo;
    size_t                n, escapes;

    /* jp->p is at the opening quote; first pass: validate and size */

    p = jp->p + 1;
    escapes = 0;

    for ( ;; ) {

        /*
         * The common case first: printable ASCII other than '"' and '\\',
         * eight bytes at a time, then a byte at a time.
         */

        while (jp->end - p >= 8) {
            uint64_t  w;

            memcpy(&w, p, 8);

            if (cig_json_plain8(w) == 0) {
                p += 8;
                continue;
            }

            break;
        }

        while (p < jp->end && *p >= 0x20 && *p < 0x80 && *p != '"'
               && *p != '\\')
        {
            p++;
        }

        if (p >= jp->end) {
            jp->p = p;
            return cig_json_fail(jp, "unterminated string");
        }

        if (*p == '"') {
            break;
        }

        if (*p < 0x20) {
            jp->p = p;
            return cig_json_fail(jp, "control character in string");
        }

        if (*p == '\\') {
            escapes = 1;
            if (p + 1 >= jp->end) {
                jp->p = p;
                return cig_json_fail(jp, "unterminated string");
            }
            p += 2;
            continue;
        }

        n = cig_utf8_len(p, jp->end);
        if (n == 0) {
            jp->p = p;
            return cig_json_fail(jp, "invalid UTF-8");
        }

        p += n;
    }

    q = p;      /* closing quote */

    buf = jp->a->alloc(jp->a->ctx, (size_t) (q - jp->p));
    if (buf == NULL) {
        cig_err_set(jp->err, CIG_ERR_INTERNAL, "out of memory");
        return 0;
    }

    if (!escapes) {
        n = (size_t) (q - jp->p - 1);
        memcpy(buf, jp->p + 1, n);
        out->data = (const char *) buf;
        out->len = n;
        jp->p = q + 1;
        return 1;
    }

    /* second pass: unescape (escapes never grow the text) */

    d = buf;

    for (p = jp->p + 1; p < q; ) {
        if (*p != '\\') {
            *d++ = *p++;
            continue;
        }

        jp->p = p;
        p++;

        switch (*p++) {
        case '"':  *d++ = '"';  break;
        case '\\': *d++ = '\\'; break;
        case '/':  *d++ = '/';  break;
        case 'b':  *d++ = '\b'; break;
        case 'f':  *d++ = '\f'; break;
        case 'n':  *d++ = '\n'; break;
        case 'r':  *d++ = '\r'; break;
        case 't':  *d++ = '\t'; break;

        case 'u':
            if (q - p < 4 || !cig_json_hex4(p, &cp)) {
                return cig_json_fail(jp, "bad \\u escape");
            }
            p += 4;

            if (cp >= 0xdc00 && cp <= 0xdfff) {
                return cig_json_fail(jp, "lone low surrogate");
            }

            if (cp >= 0xd800 && cp <= 0xdbff) {
                if (q - p < 6 || p[0] != '\\' || p[1] != 'u'
                    || !cig_json_hex4(p + 2, &lo)
                    || lo < 0xdc00 || lo > 0xdfff)
                {
                    return cig_json_fail(jp, "lone high surrogate");
                }
                p += 6;
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            }

            d = cig_utf8_put(d, cp);
            break;

        default:
            return cig_json_fail(jp, "bad escape");
        }
    }

    out->data = (const char *) buf;
    out->len = (size_t) (d - buf);
    jp->p = q + 1;

    return 1;
}


static int
cig_json_number(cig_json_parser_t *jp, cig_json_t *node)
{
    const unsigned char  *p = jp->p, *s = jp->p;
    char                  buf[CIG_JSON_NUM_MAX + 1];
    char                 *endp;
    int                   simple = 1;
    double                v;

    if (p < jp->end && *p == '-') {
        p++;
    }

    if (p >= jp->end || !(*p >= '0' && *p <= '9')) {
        return cig_json_fail(jp, "bad number");
    }

    if (*p == '0') {
        p++;
    } else {
        while (p < jp->end && *p >= '0' && *p <= '9') {
            p++;
        }
    }

    if (p < jp->end && *p == '.') {
        simple = 0;
        p++;
        if (p >= jp->end || !(*p >= '0' && *p <= '9')) {
            jp->p = p;
            return cig_json_fail(jp, "bad number");
        }
        while (p < jp->end && *p >= '0' && *p <= '9') {
            p++;
        }
    }

    if (p < jp->end && (*p == 'e' || *p == 'E')) {
        simple = 0;
        p++;
        if (p < jp->end && (*p == '+' || *p == '-')) {
            p++;
        }
        if (p >= jp->end || !(*p >= '0' && *p <= '9')) {
            jp->p = p;
            return cig_json_fail(jp, "bad number");
        }
        while (p < jp->end && *p >= '0' && *p <= '9') {
            p++;
        }
    }

    if (p - s > CIG_JSON_NUM_MAX) {
        return cig_json_fail(jp, "number too long");
    }

    if (simple) {
        /* integers without strtod(), which depends on the locale */
        v = 0;
        for (s = (*jp->p == '-') ? jp->p + 1 : jp->p; s < p; s++) {
            v = v * 10 + (*s - '0');
        }
        if (*jp->p == '-') {
            v = -v;
        }

    } else {
        memcpy(buf, s, (size_t) (p - s));
        buf[p - s] = '\0';
        v = strtod(buf, &endp);

        if (*endp != '\0') {
            return cig_json_fail(jp, "bad number");
        }
    }

    if (!isfinite(v)) {
        return cig_json_fail(jp, "number out of range");
    }

    node->num = v;
    jp->p = p;

    return 1;
}


static int
cig_json_key_cmp(const void *one, const void *two)
{
    const cig_str_t  *a = *(cig_str_t *const *) one;
    const cig_str_t  *b = *(cig_str_t *const *) two;
    size_t            n;
    int               rc;

    n = a->len < b->len ? a->len : b->len;
    rc = n ? memcmp(a->data, b->data, n) : 0;

    return rc ? rc : (a->len > b->len) - (a->len < b->len);
}


static int
cig_json_unique(cig_json_parser_t *jp, cig_json_t *obj)
{
    cig_json_t   *m, *o;
    cig_str_t   **keys;
    size_t        i;

    if (obj->count <= 8) {
        for (m = obj->child; m; m = m->next) {
            for (o = m->next; o; o = o->next) {
                if (m->key.len == o->key.len
                    && memcmp(m->key.data, o->key.data, m->key.len) == 0)
                {
                    goto duplicate;
                }
            }
        }

        return 1;
    }

    keys = jp->a->alloc(jp->a->ctx, obj->count * sizeof(cig_str_t *));
    if (keys == NULL) {
        cig_err_set(jp->err, CIG_ERR_INTERNAL, "out of memory");
        return 0;
    }

    i = 0;
    for (m = obj->child; m; m = m->next) {
        keys[i++] = &m->key;
    }

    qsort(keys, obj->count, sizeof(cig_str_t *), cig_json_key_cmp);

    for (i = 1; i < obj->count; i++) {
        if (cig_json_key_cmp(&keys[i - 1], &keys[i]) == 0) {
            goto duplicate;
        }
    }

    return 1;

duplicate:

    cig_err_set(jp->err, CIG_ERR_INVALID_TOKEN,
                "invalid JSON: duplicate member name in object at byte %zu",
                (size_t) ((const unsigned char *) obj->raw.data - jp->start));
    return 0;
}


static cig_json_t *
cig_json_container(cig_json_parser_t *jp, cig_json_type_t type)
{
    cig_json_t     *node, *item, **tail;
    unsigned char   close;
    cig_str_t       key;

    if (++jp->depth > jp->depth_max) {
        cig_json_fail(jp, "nesting too deep");
        return NULL;
    }

    node = cig_json_node(jp, type);
    if (node == NULL) {
        return NULL;
    }

    node->raw.data = (const char *) jp->p;
    close = (type == CIG_JSON_OBJECT) ? '}' : ']';
    tail = &node->child;
    jp->p++;

    cig_json_ws(jp);

    if (jp->p < jp->end && *jp->p == close) {
        jp->p++;
        goto done;
    }

    for ( ;; ) {
        key.data = NULL;
        key.len = 0;

        if (type == CIG_JSON_OBJECT) {
            if (jp->p >= jp->end || *jp->p != '"') {
                cig_json_fail(jp, "expected member name");
                return NULL;
            }

            if (!cig_json_string(jp, &key)) {
                return NULL;
            }

            cig_json_ws(jp);

            if (jp->p >= jp->end || *jp->p != ':') {
                cig_json_fail(jp, "expected ':'");
                return NULL;
            }

            jp->p++;
        }

        item = cig_json_value(jp);
        if (item == NULL) {
            return NULL;
        }

        item->key = key;
        *tail = item;
        tail = &item->next;
        node->count++;

        cig_json_ws(jp);

        if (jp->p < jp->end && *jp->p == ',') {
            jp->p++;
            cig_json_ws(jp);
            continue;
        }

        if (jp->p < jp->end && *jp->p == close) {
            jp->p++;
            break;
        }

        cig_json_fail(jp, type == CIG_JSON_OBJECT ? "expected ',' or '}'"
                                                  : "expected ',' or ']'");
        return NULL;
    }

done:

    node->raw.len = (size_t) ((const char *) jp->p - node->raw.data);
    jp->depth--;

    if (type == CIG_JSON_OBJECT && !cig_json_unique(jp, node)) {
        return NULL;
    }

    return node;
}


static cig_json_t *
cig_json_literal(cig_json_parser_t *jp, const char *word, size_t len,
    cig_json_type_t type)
{
    cig_json_t  *node;

    if ((size_t) (jp->end - jp->p) < len || memcmp(jp->p, word, len) != 0) {
        cig_json_fail(jp, "unexpected character");
        return NULL;
    }

    node = cig_json_node(jp, type);
    if (node == NULL) {
        return NULL;
    }

    node->raw.data = (const char *) jp->p;
    node->raw.len = len;
    jp->p += len;

    return node;
}


static cig_json_t *
cig_json_value(cig_json_parser_t *jp)
{
    cig_json_t  *node;

    cig_json_ws(jp);

    if (jp->p >= jp->end) {
        cig_json_fail(jp, "unexpected end");
        return NULL;
    }

    switch (*jp->p) {

    case '{':
        return cig_json_container(jp, CIG_JSON_OBJECT);

    case '[':
        return cig_json_container(jp, CIG_JSON_ARRAY);

    case '"':
        node = cig_json_node(jp, CIG_JSON_STRING);
        if (node == NULL) {
            return NULL;
        }
        node->raw.data = (const char *) jp->p;
        if (!cig_json_string(jp, &node->str)) {
            return NULL;
        }
        node->raw.len = (size_t) ((const char *) jp->p - node->raw.data);
        return node;

    case 't':
        return cig_json_literal(jp, "true", 4, CIG_JSON_TRUE);

    case 'f':
        return cig_json_literal(jp, "false", 5, CIG_JSON_FALSE);

    case 'n':
        return cig_json_literal(jp, "null", 4, CIG_JSON_NULL);

    default:
        node = cig_json_node(jp, CIG_JSON_NUMBER);
        if (node == NULL) {
            return NULL;
        }
        node->raw.data = (const char *) jp->p;
        if (!cig_json_number(jp, node)) {
            return NULL;
        }
        node->raw.len = (size_t) ((const char *) jp->p - node->raw.data);
        return node;
    }
}


cig_json_t *
cig_json_parse(const char *text, size_t len, unsigned depth_max,
    const cig_allocator_t *a, cig_err_t *err)
{
    cig_json_parser_t   jp;
    cig_json_t         *root;

    jp.start = (const unsigned char *) text;
    jp.p = jp.start;
    jp.end = jp.start + len;
    jp.depth = 0;
    jp.depth_max = depth_max;
    jp.a = a;
    jp.err = err;

    /* a UTF-8 byte order mark is not JSON (RFC 8259 section 8.1) */

    root = cig_json_value(&jp);
    if (root == NULL) {
        return NULL;
    }

    cig_json_ws(&jp);

    if (jp.p != jp.end) {
        cig_json_fail(&jp, "trailing data");
        return NULL;
    }

    return root;
}


const cig_json_t *
cig_json_getn(const cig_json_t *obj, const char *name, size_t len)
{
    const cig_json_t  *m;

    if (obj == NULL || obj->type != CIG_JSON_OBJECT) {
        return NULL;
    }

    if (len == 0) {
        for (m = obj->child; m; m = m->next) {
            if (m->key.len == 0) {
                return m;
            }
        }

        return NULL;
    }

    /* the first byte before a memcmp: claim names often share a length */

    for (m = obj->child; m; m = m->next) {
        if (m->key.len == len && m->key.data[0] == name[0]
            && memcmp(m->key.data, name, len) == 0)
        {
            return m;
        }
    }

    return NULL;
}


const cig_json_t *
cig_json_get(const cig_json_t *obj, const char *name)
{
    return cig_json_getn(obj, name, strlen(name));
}


const char *
cig_json_type_name(cig_json_type_t type)
{
    static const char  *names[] = {
        "null", "false", "true", "number", "string", "array", "object"
    };

    return (unsigned) type < sizeof(names) / sizeof(names[0])
           ? names[type] : "unknown";
}


int
cig_json_members_check(const cig_json_t *obj, const char *const *allowed,
    const char *path, cig_err_t *err)
{
    const cig_json_t   *m;
    const char *const  *a;

    if (obj->type != CIG_JSON_OBJECT) {
        cig_err_set(err, CIG_ERR_CONFIG, "%s: not an object", path);
        return 0;
    }

    for (m = obj->child; m; m = m->next) {
        for (a = allowed; *a; a++) {
            if (m->key.len == strlen(*a)
                && memcmp(m->key.data, *a, m->key.len) == 0)
            {
                break;
            }
        }

        if (*a == NULL) {
            cig_err_set(err, CIG_ERR_CONFIG, "%s: unknown field \"%.*s\"",
                        path, (int) (m->key.len > 64 ? 64 : m->key.len),
                        m->key.data);
            return 0;
        }
    }

    return 1;
}
