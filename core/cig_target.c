/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Reading a request: strict percent-decoding of paths and query parameters,
 * and the request target read once (cig_target_read), whose decoded path
 * and canonical query are what is authorized and whose canonical form is
 * what is forwarded and signed.  Anything another component could read
 * differently (an encoded '/', a dot segment, a double encoding, a '#') is
 * a bad request rather than a guess.
 */

#include <string.h>
#include <strings.h>

#include "cig.h"
#include "cig_internal.h"


static int
cig_hex(unsigned char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }

    c |= 0x20;

    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }

    return -1;
}


int
cig_utf8_valid(const unsigned char *p, size_t n)
{
    size_t         i, len, k;
    unsigned char  c, lo, hi;

    for (i = 0; i < n; i += len) {
        c = p[i];
        lo = 0x80;
        hi = 0xbf;

        if (c < 0x80) {
            len = 1;
            continue;
        }

        if (c >= 0xc2 && c <= 0xdf) {
            len = 2;
        } else if (c == 0xe0) {
            len = 3; lo = 0xa0;
        } else if ((c >= 0xe1 && c <= 0xec) || c == 0xee || c == 0xef) {
            len = 3;
        } else if (c == 0xed) {
            len = 3; hi = 0x9f;
        } else if (c == 0xf0) {
            len = 4; lo = 0x90;
        } else if (c >= 0xf1 && c <= 0xf3) {
            len = 4;
        } else if (c == 0xf4) {
            len = 4; hi = 0x8f;
        } else {
            return 0;
        }

        if (n - i < len || p[i + 1] < lo || p[i + 1] > hi) {
            return 0;
        }

        for (k = 2; k < len; k++) {
            if (p[i + k] < 0x80 || p[i + k] > 0xbf) {
                return 0;
            }
        }
    }

    return 1;
}


/*
 * Strict percent-decoding shared by paths, query parameters and
 * x-amz-copy-source.  path: '/' must be literal and dot segments are
 * refused; query: '+' is a space.
 */

/*
 * Bytes that percent-decoding copies as they are in a path and in a query
 * alike: printable ASCII other than '%', '+', '\\', '#' and '?'.  Every
 * other byte takes the checks below.
 */

#define CIG_P8(x)  x, x, x, x, x, x, x, x

static const unsigned char  cig_plain[256] = {
    /* 0x00 - 0x1f: controls; 0x20: space */
    CIG_P8(0), CIG_P8(0), CIG_P8(0), CIG_P8(0),
    /* 0x20 - 0x2f:  sp ! " # $ % & ' ( ) * + , - . / */
    0, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1,
    /* 0x30 - 0x3f:  0-9 : ; < = > ? */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0,
    /* 0x40 - 0x5f:  @ A-Z [ \ ] ^ _ */
    CIG_P8(1), CIG_P8(1), CIG_P8(1),
    1, 1, 1, 1, 0, 1, 1, 1,
    /* 0x60 - 0x7f:  ` a-z { | } ~ DEL */
    CIG_P8(1), CIG_P8(1), CIG_P8(1),
    1, 1, 1, 1, 1, 1, 1, 0,
    /* 0x80 - 0xff: UTF-8, checked after decoding */
    CIG_P8(1), CIG_P8(1), CIG_P8(1), CIG_P8(1),
    CIG_P8(1), CIG_P8(1), CIG_P8(1), CIG_P8(1),
    CIG_P8(1), CIG_P8(1), CIG_P8(1), CIG_P8(1),
    CIG_P8(1), CIG_P8(1), CIG_P8(1), CIG_P8(1)
};


cig_code_t
cig_decode(const char *raw, size_t len, int path, const cig_allocator_t *a,
    cig_str_t *out, cig_err_t *err)
{
    const unsigned char  *s = (const unsigned char *) raw;
    unsigned char        *buf, *d, c, high;
    size_t                i, seg;
    int                   hi, lo;

    buf = a->alloc(a->ctx, len + 1);
    if (buf == NULL) {
        cig_err_set(err, CIG_ERR_INTERNAL, "out of memory");
        return CIG_ERR_INTERNAL;
    }

    d = buf;
    high = 0;

    for (i = 0; i < len; i++) {
        c = s[i];

        /* most bytes of most paths: copied, nothing else to check */

        if (cig_plain[c]) {
            *d++ = c;
            high |= c;
            continue;
        }

        if (c == '%') {
            if (len - i < 3 || (hi = cig_hex(s[i + 1])) < 0
                || (lo = cig_hex(s[i + 2])) < 0)
            {
                return cig_bad(err, "malformed percent-encoding");
            }

            c = (unsigned char) (hi << 4 | lo);
            i += 2;

            switch (c) {
            case '/':
                if (path) {
                    return cig_bad(err, "encoded '/' in the path");
                }
                break;
            case '\\':
                return cig_bad(err, "encoded '\\' in the path");
            case '%':
                return cig_bad(err, "double percent-encoding (%%25)");
            case '?':
            case '#':
                if (path) {
                    return cig_bad(err, "encoded '%c' in the path", c);
                }
                break;
            case '\0':
                return cig_bad(err, "encoded NUL");
            }

            if (c < 0x20 || c == 0x7f) {
                return cig_bad(err, "encoded control character");
            }

            *d++ = c;
            high |= c;
            continue;
        }

        if (c <= 0x20 || c == 0x7f || c == '\\' || c == '#'
            || (path && c == '?'))
        {
            return cig_bad(err, "character 0x%02x in the path", c);
        }

        *d++ = (!path && c == '+') ? ' ' : c;
        high |= c;
    }

    *d = '\0';
    out->data = (const char *) buf;
    out->len = (size_t) (d - buf);

    /* only bytes of 0x80 and more can make UTF-8 invalid */

    if ((high & 0x80) && !cig_utf8_valid(buf, out->len)) {
        return cig_bad(err, "invalid or overlong UTF-8");
    }

    if (!path) {
        return CIG_OK;
    }

    if (out->len == 0 || buf[0] != '/') {
        return cig_bad(err, "the path does not start with '/'");
    }

    /* dot segments, literal or decoded */

    seg = 1;

    for (i = 1; i <= out->len; i++) {
        if (i == out->len || buf[i] == '/') {
            if ((i - seg == 1 && buf[seg] == '.')
                || (i - seg == 2 && buf[seg] == '.' && buf[seg + 1] == '.'))
            {
                return cig_bad(err, "dot segment in the path");
            }

            seg = i + 1;
        }
    }

    return CIG_OK;
}


cig_code_t
cig_path_decode(const char *raw, size_t len, const cig_allocator_t *a,
    cig_str_t *out, cig_err_t *err)
{
    return cig_decode(raw, len, 1, a, out, err);
}


cig_code_t
cig_query_parse(cig_str_t q, const cig_allocator_t *a, cig_params_t *out,
    cig_err_t *err)
{
    const char   *p, *end, *amp, *eq;
    cig_param_t  *param;
    cig_code_t    rc;
    size_t        i;

    out->n = 0;
    p = q.data;
    end = q.data + q.len;

    while (p < end) {
        amp = memchr(p, '&', (size_t) (end - p));
        if (amp == NULL) {
            amp = end;
        }

        if (amp == p) {
            p++;
            continue;
        }

        if (out->n == CIG_MAX_PARAMS) {
            return cig_bad(err, "more than %d query parameters",
                           CIG_MAX_PARAMS);
        }

        param = &out->p[out->n];
        memset(param, 0, sizeof(cig_param_t));

        eq = memchr(p, '=', (size_t) (amp - p));

        rc = cig_decode(p, (size_t) ((eq ? eq : amp) - p), 0, a,
                        &param->name, err);
        if (rc != CIG_OK) {
            return rc;
        }

        if (eq != NULL) {
            param->has_value = 1;
            rc = cig_decode(eq + 1, (size_t) (amp - eq - 1), 0, a,
                            &param->value, err);
            if (rc != CIG_OK) {
                return rc;
            }
        }

        for (i = 0; i < out->n; i++) {
            if (out->p[i].name.len == param->name.len
                && memcmp(out->p[i].name.data, param->name.data,
                          param->name.len) == 0)
            {
                return cig_bad(err, "query parameter \"%.*s\" given twice",
                               (int) (param->name.len > 32 ? 32
                                      : param->name.len),
                               param->name.data);
            }
        }

        out->n++;
        p = amp;
    }

    return CIG_OK;
}


const cig_param_t *
cig_param(const cig_params_t *ps, const char *name)
{
    size_t  i, len = strlen(name);

    for (i = 0; i < ps->n; i++) {
        if (ps->p[i].name.len == len
            && memcmp(ps->p[i].name.data, name, len) == 0)
        {
            return &ps->p[i];
        }
    }

    return NULL;
}


/*
 * The request target, read once.  Authorization maps the decoded path and
 * the canonical query; the store is sent, and signed for, the canonical
 * target: every path segment decoded once and URI-encoded once the way
 * AWS's SDKs encode object keys (RFC 3986 unreserved bytes kept), every
 * query name and value likewise, in the client's order.  Stores that take
 * the target as sent and stores that rebuild it from the decoded path then
 * read the same object and the same signature.
 */

static const char  cig_hex_upper[] = "0123456789ABCDEF";

#define cig_unreserved(c)                                                     \
    (((c) >= 'A' && (c) <= 'Z') || ((c) >= 'a' && (c) <= 'z')               \
     || ((c) >= '0' && (c) <= '9') || (c) == '-' || (c) == '.'              \
     || (c) == '_' || (c) == '~')


/* AWS's UriEncode of s into out (3 * len bytes); '/' kept if asked. */

static char *
cig_uri_encode(char *out, const char *s, size_t len, int slash)
{
    size_t          i;
    unsigned char   c;

    for (i = 0; i < len; i++) {
        c = (unsigned char) s[i];

        if (cig_unreserved(c) || (slash && c == '/')) {
            *out++ = (char) c;
            continue;
        }

        *out++ = '%';
        *out++ = cig_hex_upper[c >> 4];
        *out++ = cig_hex_upper[c & 0xf];
    }

    return out;
}


static cig_code_t
cig_target_build(cig_str_t path, cig_str_t rawq, const cig_allocator_t *a,
    cig_target_t *out, cig_err_t *err)
{
    char          *buf, *p;
    size_t         i, len;
    cig_code_t     rc;
    cig_params_t   ps;

    /* '#' ends a target for most readers, ';' splits a query for some */

    for (i = 0; i < rawq.len; i++) {
        if (rawq.data[i] == '#' || rawq.data[i] == ';') {
            return cig_bad(err, "'%c' in the query (send it percent-encoded)",
                           rawq.data[i]);
        }
    }

    rc = cig_query_parse(rawq, a, &ps, err);
    if (rc != CIG_OK) {
        return rc;
    }

    len = 3 * path.len + 1;

    for (i = 0; i < ps.n; i++) {
        if (ps.p[i].name.len == 0) {
            return cig_bad(err, "a query parameter without a name");
        }

        len += 3 * (ps.p[i].name.len + ps.p[i].value.len) + 2;
    }

    buf = a->alloc(a->ctx, len + 1);
    if (buf == NULL) {
        cig_err_set(err, CIG_ERR_INTERNAL, "out of memory");
        return CIG_ERR_INTERNAL;
    }

    out->path = path;

    p = cig_uri_encode(buf, path.data, path.len, 1);
    out->uri.data = buf;
    out->canonical_path.data = buf;
    out->canonical_path.len = (size_t) (p - buf);

    out->query.data = p;
    out->query.len = 0;

    for (i = 0; i < ps.n; i++) {
        *p++ = (i == 0) ? '?' : '&';

        if (i == 0) {
            out->query.data = p;
        }

        p = cig_uri_encode(p, ps.p[i].name.data, ps.p[i].name.len, 0);

        if (ps.p[i].has_value) {
            *p++ = '=';
            p = cig_uri_encode(p, ps.p[i].value.data, ps.p[i].value.len, 0);
        }
    }

    if (ps.n > 0) {
        out->query.len = (size_t) (p - out->query.data);
    }

    *p = '\0';
    out->uri.len = (size_t) (p - buf);

    return CIG_OK;
}


cig_code_t
cig_target_read(const char *raw, size_t len, const cig_allocator_t *a,
    cig_target_t *out, cig_err_t *err)
{
    const char  *q;
    cig_str_t    path, rawq;
    cig_code_t   rc;

    memset(out, 0, sizeof(cig_target_t));

    if (len > CIG_MAX_TARGET) {
        return cig_bad(err, "a request target of more than %d bytes",
                       CIG_MAX_TARGET);
    }

    if (len == 0 || raw[0] != '/') {
        return cig_bad(err, "%s", (len > 3 && memchr(raw, ':', len) != NULL)
                                  ? "an absolute-form request target"
                                  : "the request target does not start with "
                                    "'/'");
    }

    q = memchr(raw, '?', len);

    rc = cig_decode(raw, q ? (size_t) (q - raw) : len, 1, a, &path, err);
    if (rc != CIG_OK) {
        return rc;
    }

    rawq.data = q ? q + 1 : "";
    rawq.len = q ? len - (size_t) (q + 1 - raw) : 0;

    return cig_target_build(path, rawq, a, out, err);
}


cig_code_t
cig_target_decoded(cig_str_t path, cig_str_t query,
    const cig_allocator_t *a, cig_target_t *out, cig_err_t *err)
{
    cig_code_t  rc;

    memset(out, 0, sizeof(cig_target_t));

    if (path.len + query.len > CIG_MAX_TARGET) {
        return cig_bad(err, "a request target of more than %d bytes",
                       CIG_MAX_TARGET);
    }

    rc = cig_path_check(path.data, path.len, err);
    if (rc != CIG_OK) {
        return rc;
    }

    return cig_target_build(path, query, a, out, err);
}


/* The same rules for a path that is already decoded (nginx's $uri). */

cig_code_t
cig_path_check(const char *path, size_t len, cig_err_t *err)
{
    size_t  i, seg;

    if (len == 0 || path[0] != '/') {
        return cig_bad(err, "the path does not start with '/'");
    }

    for (i = 0; i < len; i++) {
        unsigned char  c = (unsigned char) path[i];

        if (c < 0x20 || c == 0x7f || c == '\\' || c == '%' || c == '?'
            || c == '#')
        {
            return cig_bad(err, "character 0x%02x in the decoded path", c);
        }
    }

    if (!cig_utf8_valid((const unsigned char *) path, len)) {
        return cig_bad(err, "invalid or overlong UTF-8");
    }

    seg = 1;

    for (i = 1; i <= len; i++) {
        if (i == len || path[i] == '/') {
            if ((i - seg == 1 && path[seg] == '.')
                || (i - seg == 2 && path[seg] == '.' && path[seg + 1] == '.'))
            {
                return cig_bad(err, "dot segment in the path");
            }

            seg = i + 1;
        }
    }

    return CIG_OK;
}
