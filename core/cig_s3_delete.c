/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * S3 multi-object delete (POST /bucket?delete): the XML body read by a
 * small strict reader, and the decision taken key by key.
 *
 * The reader knows one shape and nothing else:
 *
 *   [<?xml version="1.0" encoding="UTF-8"?>]
 *   <Delete [xmlns="http://s3.amazonaws.com/doc/2006-03-01/"]>
 *     <Object><Key>k</Key>[<VersionId>v</VersionId>]</Object>  (1 to 1,000)
 *     [<Quiet>true|false</Quiet>]
 *   </Delete>
 *
 * Anything else is malformed: a DOCTYPE (so no entity can be declared),
 * processing instructions other than the declaration, comments, CDATA,
 * unknown elements or attributes, namespace prefixes, text where an element
 * is expected, references other than the five predefined entities and
 * character references.  A raw CR in a key is refused too, since an XML
 * reader turns it into LF and the store would read another key.
 *
 * Keys are then held to the rules a path is held to where a store could
 * read them two ways: no control characters, valid UTF-8, no '\', no "."
 * or ".." segments; at most CIG_S3_MAX_KEY_LEN bytes, as in S3.
 */

#include <string.h>
#include <strings.h>

#include "cig.h"
#include "cig_internal.h"


/* for the tag readers, which answer -1 when the markup is broken */
#define cig_s3x_bad(x, ...)                                                   \
    (cig_err_set((x)->err, CIG_ERR_BAD_REQUEST, __VA_ARGS__), -1)

#define CIG_S3_NS  "http://s3.amazonaws.com/doc/2006-03-01/"


typedef struct {
    const char               *p;
    const char               *end;
    const cig_allocator_t    *a;
    cig_err_t                *err;
} cig_s3x_t;


static int
cig_s3x_space(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}


static void
cig_s3x_skip_space(cig_s3x_t *x)
{
    while (x->p < x->end && cig_s3x_space((unsigned char) *x->p)) {
        x->p++;
    }
}


static int
cig_s3x_lit(cig_s3x_t *x, const char *lit)
{
    size_t  n = strlen(lit);

    if ((size_t) (x->end - x->p) < n || memcmp(x->p, lit, n) != 0) {
        return 0;
    }

    x->p += n;
    return 1;
}


/* The XML declaration's pseudo-attributes: version, encoding UTF-8. */

static cig_code_t
cig_s3x_decl(cig_s3x_t *x)
{
    const char  *name, *val;
    size_t       nlen, vlen;
    char         q;

    for ( ;; ) {
        cig_s3x_skip_space(x);

        if (cig_s3x_lit(x, "?>")) {
            return CIG_OK;
        }

        name = x->p;

        while (x->p < x->end && *x->p >= 'a' && *x->p <= 'z') {
            x->p++;
        }

        nlen = (size_t) (x->p - name);

        cig_s3x_skip_space(x);

        if (nlen == 0 || !cig_s3x_lit(x, "=")) {
            return cig_bad(x->err, "MalformedXML: XML declaration");
        }

        cig_s3x_skip_space(x);

        if (x->p == x->end || (*x->p != '"' && *x->p != '\'')) {
            return cig_bad(x->err, "MalformedXML: XML declaration");
        }

        q = *x->p++;
        val = x->p;

        while (x->p < x->end && *x->p != q) {
            if ((unsigned char) *x->p < 0x20 || (unsigned char) *x->p > 0x7e) {
                return cig_bad(x->err, "MalformedXML: XML declaration");
            }

            x->p++;
        }

        if (x->p == x->end) {
            return cig_bad(x->err, "MalformedXML: XML declaration");
        }

        vlen = (size_t) (x->p - val);
        x->p++;

        if (nlen == 8 && memcmp(name, "encoding", 8) == 0) {
            if (vlen != 5 || strncasecmp(val, "utf-8", 5) != 0) {
                return cig_bad(x->err, "MalformedXML: only UTF-8 is read");
            }

        } else if (nlen == 7 && memcmp(name, "version", 7) == 0) {
            if (vlen != 3 || memcmp(val, "1.0", 3) != 0) {
                return cig_bad(x->err, "MalformedXML: XML version");
            }

        } else if (!(nlen == 10 && memcmp(name, "standalone", 10) == 0)) {
            return cig_bad(x->err, "MalformedXML: XML declaration");
        }
    }
}


/*
 * An open tag "<Name>" (optionally "<Name xmlns="...">" where ns is set):
 * 1 when it is there, 0 when the next markup is something else (nothing
 * consumed), -1 (error set) when it is broken.
 */

static int
cig_s3x_open(cig_s3x_t *x, const char *name, int ns)
{
    const char  *p, *val;
    size_t       n = strlen(name);

    p = x->p;

    if ((size_t) (x->end - p) < n + 2 || p[0] != '<'
        || memcmp(p + 1, name, n) != 0)
    {
        return 0;
    }

    p += 1 + n;

    if (*p == '>') {
        x->p = p + 1;
        return 1;
    }

    if (!cig_s3x_space((unsigned char) *p)) {
        return 0;       /* a longer name */
    }

    x->p = p;
    cig_s3x_skip_space(x);

    if (ns && cig_s3x_lit(x, "xmlns")) {
        cig_s3x_skip_space(x);

        if (!cig_s3x_lit(x, "=")) {
            return cig_s3x_bad(x, "MalformedXML: attribute of <%s>", name);
        }

        cig_s3x_skip_space(x);

        if (x->p == x->end || (*x->p != '"' && *x->p != '\'')) {
            return cig_s3x_bad(x, "MalformedXML: attribute of <%s>", name);
        }

        val = x->p + 1;
        p = memchr(val, *x->p, (size_t) (x->end - val));

        if (p == NULL || (size_t) (p - val) != sizeof(CIG_S3_NS) - 1
            || memcmp(val, CIG_S3_NS, sizeof(CIG_S3_NS) - 1) != 0)
        {
            return cig_s3x_bad(x, "MalformedXML: <%s> in another "
                               "namespace", name);
        }

        x->p = p + 1;
        cig_s3x_skip_space(x);
    }

    if (!cig_s3x_lit(x, ">")) {
        return cig_s3x_bad(x, "MalformedXML: attribute or empty element "
                           "<%s>", name);
    }

    return 1;
}


static cig_code_t
cig_s3x_close(cig_s3x_t *x, const char *name)
{
    size_t  n = strlen(name);

    if ((size_t) (x->end - x->p) < n + 3 || x->p[0] != '<' || x->p[1] != '/'
        || memcmp(x->p + 2, name, n) != 0)
    {
        return cig_bad(x->err, "MalformedXML: </%s> expected", name);
    }

    x->p += 2 + n;
    cig_s3x_skip_space(x);

    if (!cig_s3x_lit(x, ">")) {
        return cig_bad(x->err, "MalformedXML: </%s> expected", name);
    }

    return CIG_OK;
}


static size_t
cig_utf8_put(unsigned long c, char *out)
{
    if (c < 0x80) {
        out[0] = (char) c;
        return 1;
    }

    if (c < 0x800) {
        out[0] = (char) (0xc0 | (c >> 6));
        out[1] = (char) (0x80 | (c & 0x3f));
        return 2;
    }

    if (c < 0x10000) {
        out[0] = (char) (0xe0 | (c >> 12));
        out[1] = (char) (0x80 | ((c >> 6) & 0x3f));
        out[2] = (char) (0x80 | (c & 0x3f));
        return 3;
    }

    out[0] = (char) (0xf0 | (c >> 18));
    out[1] = (char) (0x80 | ((c >> 12) & 0x3f));
    out[2] = (char) (0x80 | ((c >> 6) & 0x3f));
    out[3] = (char) (0x80 | (c & 0x3f));
    return 4;
}


/*
 * Character data up to the next '<', references decoded (the result is
 * never longer than the source).  Raw control characters other than tab
 * and LF are refused, and so are references to characters XML does not
 * allow.
 */

static cig_code_t
cig_s3x_text(cig_s3x_t *x, cig_str_t *out)
{
    const char     *s, *semi, *lt, *ref, *r;
    char           *d, *buf;
    size_t          n, i, rlen;
    unsigned long   c;
    unsigned char   ch;
    int             hex, dv;

    s = x->p;
    lt = memchr(s, '<', (size_t) (x->end - s));

    if (lt == NULL) {
        return cig_bad(x->err, "MalformedXML: unterminated text");
    }

    n = (size_t) (lt - s);

    for (i = 0; i < n; i++) {
        ch = (unsigned char) s[i];

        if ((ch < 0x20 && ch != '\t' && ch != '\n') || ch == 0x7f) {
            return cig_bad(x->err, "MalformedXML: control character 0x%02x "
                           "in text", ch);
        }

        if (ch == '>' && i >= 2 && s[i - 1] == ']' && s[i - 2] == ']') {
            return cig_bad(x->err, "MalformedXML: \"]]>\" in text");
        }
    }

    x->p = lt;

    if (memchr(s, '&', n) == NULL) {
        out->data = s;
        out->len = n;
        return CIG_OK;
    }

    buf = x->a->alloc(x->a->ctx, n + 1);
    if (buf == NULL) {
        cig_err_set(x->err, CIG_ERR_INTERNAL, "out of memory");
        return CIG_ERR_INTERNAL;
    }

    d = buf;

    for (i = 0; i < n; /* void */ ) {
        if (s[i] != '&') {
            *d++ = s[i++];
            continue;
        }

        ref = s + i;
        semi = memchr(ref, ';', n - i);

        if (semi == NULL || semi - ref > 12) {
            return cig_bad(x->err, "MalformedXML: unterminated reference");
        }

        rlen = (size_t) (semi - ref);

#define cig_ref_is(lit)                                                       \
    (rlen == sizeof(lit) - 1 && memcmp(ref, lit, sizeof(lit) - 1) == 0)

        if (cig_ref_is("&lt")) {
            *d++ = '<';
        } else if (cig_ref_is("&gt")) {
            *d++ = '>';
        } else if (cig_ref_is("&amp")) {
            *d++ = '&';
        } else if (cig_ref_is("&quot")) {
            *d++ = '"';
        } else if (cig_ref_is("&apos")) {
            *d++ = '\'';

        } else if (rlen >= 2 && ref[1] == '#') {
            hex = (ref[2] == 'x');
            r = ref + 2 + hex;

            if (r >= semi) {
                return cig_bad(x->err, "MalformedXML: empty character "
                               "reference");
            }

            for (c = 0; r < semi; r++) {
                ch = (unsigned char) *r;

                if (ch >= '0' && ch <= '9') {
                    dv = ch - '0';
                } else if (hex && (ch | 0x20) >= 'a' && (ch | 0x20) <= 'f') {
                    dv = (ch | 0x20) - 'a' + 10;
                } else {
                    return cig_bad(x->err, "MalformedXML: character "
                                   "reference");
                }

                c = c * (hex ? 16 : 10) + (unsigned long) dv;

                if (c > 0x10ffff) {
                    return cig_bad(x->err, "MalformedXML: character "
                                   "reference out of range");
                }
            }

            if (!(c == 0x9 || c == 0xa || c == 0xd
                  || (c >= 0x20 && c <= 0xd7ff)
                  || (c >= 0xe000 && c <= 0xfffd)
                  || (c >= 0x10000 && c <= 0x10ffff)))
            {
                return cig_bad(x->err, "MalformedXML: reference to a "
                               "character XML does not allow");
            }

            d += cig_utf8_put(c, d);

        } else {
            return cig_bad(x->err, "MalformedXML: entity other than the "
                           "five predefined ones");
        }

#undef cig_ref_is

        i = (size_t) (semi - s) + 1;
    }

    *d = '\0';
    out->data = buf;
    out->len = (size_t) (d - buf);

    return CIG_OK;
}


/* A key a store could read two ways, or not as S3 does. */

static cig_code_t
cig_s3_key_check(cig_str_t k, cig_err_t *err)
{
    size_t          i, seg;
    unsigned char   c;

    if (k.len == 0) {
        return cig_bad(err, "MalformedXML: empty key");
    }

    if (k.len > CIG_S3_MAX_KEY_LEN) {
        return cig_bad(err, "key longer than %d bytes", CIG_S3_MAX_KEY_LEN);
    }

    for (i = 0; i < k.len; i++) {
        c = (unsigned char) k.data[i];

        if (c < 0x20 || c == 0x7f || c == '\\') {
            return cig_bad(err, "character 0x%02x in a key", c);
        }
    }

    if (!cig_utf8_valid((const unsigned char *) k.data, k.len)) {
        return cig_bad(err, "invalid or overlong UTF-8 in a key");
    }

    seg = 0;

    for (i = 0; i <= k.len; i++) {
        if (i == k.len || k.data[i] == '/') {
            if ((i - seg == 1 && k.data[seg] == '.')
                || (i - seg == 2 && k.data[seg] == '.'
                    && k.data[seg + 1] == '.'))
            {
                return cig_bad(err, "dot segment in a key");
            }

            seg = i + 1;
        }
    }

    return CIG_OK;
}


static cig_code_t
cig_s3_version_check(cig_str_t v, cig_err_t *err)
{
    size_t  i;

    if (v.len == 0 || v.len > CIG_S3_MAX_KEY_LEN) {
        return cig_bad(err, "MalformedXML: empty or overlong VersionId");
    }

    for (i = 0; i < v.len; i++) {
        if ((unsigned char) v.data[i] <= 0x20
            || (unsigned char) v.data[i] >= 0x7f)
        {
            return cig_bad(err, "MalformedXML: VersionId is not printable "
                           "ASCII");
        }
    }

    return CIG_OK;
}


static cig_code_t
cig_s3_object(cig_s3x_t *x, cig_s3_object_t *o)
{
    int         rc, have_key;
    cig_code_t  code;

    have_key = 0;
    o->version.data = NULL;
    o->version.len = 0;

    for ( ;; ) {
        cig_s3x_skip_space(x);

        if ((rc = cig_s3x_open(x, "Key", 0)) != 0) {
            if (rc < 0 || have_key) {
                return rc < 0 ? CIG_ERR_BAD_REQUEST
                              : cig_bad(x->err, "MalformedXML: two keys");
            }

            if ((code = cig_s3x_text(x, &o->key)) != CIG_OK
                || (code = cig_s3x_close(x, "Key")) != CIG_OK
                || (code = cig_s3_key_check(o->key, x->err)) != CIG_OK)
            {
                return code;
            }

            have_key = 1;
            continue;
        }

        if ((rc = cig_s3x_open(x, "VersionId", 0)) != 0) {
            if (rc < 0 || o->version.data != NULL) {
                return rc < 0 ? CIG_ERR_BAD_REQUEST
                              : cig_bad(x->err, "MalformedXML: two "
                                        "VersionId");
            }

            if ((code = cig_s3x_text(x, &o->version)) != CIG_OK
                || (code = cig_s3x_close(x, "VersionId")) != CIG_OK
                || (code = cig_s3_version_check(o->version, x->err))
                   != CIG_OK)
            {
                return code;
            }

            continue;
        }

        if (cig_s3x_close(x, "Object") != CIG_OK) {
            return cig_bad(x->err, "MalformedXML: unknown element or text "
                           "in <Object>");
        }

        if (!have_key) {
            return cig_bad(x->err, "MalformedXML: <Object> without <Key>");
        }

        return CIG_OK;
    }
}


/* How many "<Object" the body holds: the array's size, bounded. */

static size_t
cig_s3_count_objects(const char *p, size_t len)
{
    const char  *end = p + len;
    size_t       n = 0;

    while (p < end && (p = memchr(p, '<', (size_t) (end - p))) != NULL) {
        p++;

        if ((size_t) (end - p) >= 6 && memcmp(p, "Object", 6) == 0) {
            if (++n > CIG_S3_DELETE_MAX_OBJECTS) {
                break;
            }
        }
    }

    return n;
}


cig_code_t
cig_s3_delete_parse(const char *body, size_t len, const cig_allocator_t *a,
    cig_s3_delete_t *out, cig_err_t *err)
{
    int         rc, quiet;
    size_t      max;
    cig_str_t   q;
    cig_s3x_t   x;
    cig_code_t  code;

    memset(out, 0, sizeof(cig_s3_delete_t));

    if (len > CIG_S3_DELETE_MAX_BODY) {
        return cig_bad(err, "MalformedXML: body longer than %d bytes",
                       CIG_S3_DELETE_MAX_BODY);
    }

    x.p = body;
    x.end = body + len;
    x.a = a;
    x.err = err;

    max = cig_s3_count_objects(body, len);

    if (max > CIG_S3_DELETE_MAX_OBJECTS) {
        return cig_bad(err, "MalformedXML: more than %d objects",
                       CIG_S3_DELETE_MAX_OBJECTS);
    }

    if (max > 0) {
        out->objects = a->alloc(a->ctx, max * sizeof(cig_s3_object_t));
        if (out->objects == NULL) {
            cig_err_set(err, CIG_ERR_INTERNAL, "out of memory");
            return CIG_ERR_INTERNAL;
        }
    }

    (void) cig_s3x_lit(&x, "\xef\xbb\xbf");

    if (cig_s3x_lit(&x, "<?xml")) {
        if (x.p == x.end || !cig_s3x_space((unsigned char) *x.p)) {
            return cig_bad(err, "MalformedXML: processing instruction");
        }

        if ((code = cig_s3x_decl(&x)) != CIG_OK) {
            return code;
        }
    }

    cig_s3x_skip_space(&x);

    if ((rc = cig_s3x_open(&x, "Delete", 1)) != 1) {
        return rc < 0 ? CIG_ERR_BAD_REQUEST
                      : cig_bad(err, "MalformedXML: <Delete> expected (no "
                                "DOCTYPE, comment or processing "
                                "instruction is read)");
    }

    quiet = -1;

    for ( ;; ) {
        cig_s3x_skip_space(&x);

        if ((rc = cig_s3x_open(&x, "Object", 0)) != 0) {
            if (rc < 0) {
                return CIG_ERR_BAD_REQUEST;
            }

            if (out->nobjects == max) {
                return cig_bad(err, "MalformedXML: too many objects");
            }

            code = cig_s3_object(&x, &out->objects[out->nobjects]);
            if (code != CIG_OK) {
                return code;
            }

            out->nobjects++;
            continue;
        }

        if ((rc = cig_s3x_open(&x, "Quiet", 0)) != 0) {
            if (rc < 0 || quiet != -1) {
                return rc < 0 ? CIG_ERR_BAD_REQUEST
                              : cig_bad(err, "MalformedXML: two <Quiet>");
            }

            if ((code = cig_s3x_text(&x, &q)) != CIG_OK
                || (code = cig_s3x_close(&x, "Quiet")) != CIG_OK)
            {
                return code;
            }

            if (cig_str_is(q, "true")) {
                quiet = 1;
            } else if (cig_str_is(q, "false")) {
                quiet = 0;
            } else {
                return cig_bad(err, "MalformedXML: <Quiet> is neither true "
                               "nor false");
            }

            continue;
        }

        if (cig_s3x_close(&x, "Delete") != CIG_OK) {
            return cig_bad(err, "MalformedXML: unknown element or text in "
                           "<Delete>");
        }

        break;
    }

    cig_s3x_skip_space(&x);

    if (x.p != x.end) {
        return cig_bad(err, "MalformedXML: content after </Delete>");
    }

    if (out->nobjects == 0) {
        return cig_bad(err, "MalformedXML: no object to delete");
    }

    out->quiet = quiet == 1;

    return CIG_OK;
}


cig_code_t
cig_s3_delete_decide(cig_policy_t *const *policies, size_t n, cig_str_t role,
    const cig_mapped_t *mapped, const char *body, size_t len,
    const cig_allocator_t *a, cig_request_t *req, cig_verdict_t *verdict,
    cig_err_t *err)
{
    char              *arn, *p;
    size_t             i;
    cig_code_t         rc;
    cig_mapped_t       one;
    cig_s3_delete_t    del;
    cig_s3_object_t   *o;

    if (mapped->body != CIG_BODY_S3_DELETE) {
        cig_err_set(err, CIG_ERR_INTERNAL, "not a multi-object delete");
        return CIG_ERR_INTERNAL;
    }

    rc = cig_s3_delete_parse(body, len, a, &del, err);
    if (rc != CIG_OK) {
        return rc;
    }

    if (mapped->nkeys == CIG_MAX_REQUEST_KEYS) {
        return cig_bad(err, "too many condition keys for one request");
    }

    /* one resource buffer, rewritten for every key */

    arn = a->alloc(a->ctx, sizeof("arn:aws:s3:::") + mapped->bucket.len + 1
                           + CIG_S3_MAX_KEY_LEN);
    if (arn == NULL) {
        cig_err_set(err, CIG_ERR_INTERNAL, "out of memory");
        return CIG_ERR_INTERNAL;
    }

    p = arn;
    memcpy(p, "arn:aws:s3:::", sizeof("arn:aws:s3:::") - 1);
    p += sizeof("arn:aws:s3:::") - 1;
    memcpy(p, mapped->bucket.data, mapped->bucket.len);
    p += mapped->bucket.len;
    *p++ = '/';

    one = *mapped;
    one.body = 0;
    one.nchecks = 1;
    one.checks[0].resource.data = arn;

    for (i = 0; i < del.nobjects; i++) {
        o = &del.objects[i];

        memcpy(p, o->key.data, o->key.len);
        one.checks[0].resource.len = (size_t) (p - arn) + o->key.len;
        one.nkeys = mapped->nkeys;

        if (o->version.data != NULL) {
            one.checks[0].action.data = "s3:DeleteObjectVersion";
            one.checks[0].action.len = sizeof("s3:DeleteObjectVersion") - 1;
            one.keys[one.nkeys].name.data = "s3:versionid";
            one.keys[one.nkeys].name.len = sizeof("s3:versionid") - 1;
            one.keys[one.nkeys].value = o->version;
            one.nkeys++;

        } else {
            one.checks[0].action.data = "s3:DeleteObject";
            one.checks[0].action.len = sizeof("s3:DeleteObject") - 1;
        }

        if (cig_policy_decide(policies, n, role, &one, req, verdict, err)
            != CIG_ALLOW)
        {
            return CIG_ERR_FORBIDDEN;
        }
    }

    return CIG_OK;
}
