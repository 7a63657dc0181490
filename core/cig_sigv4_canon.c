/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * AWS Signature Version 4: the canonical request (path, query, headers),
 * built the way S3-compatible stores rebuild it; see cig_sigv4.c for the
 * rules and for signing.
 */

#include <stdlib.h>
#include <string.h>

#include "cig.h"
#include "cig_sigv4_int.h"


typedef struct {
    char           *name;
    size_t          name_len;
    char           *value;
    size_t          value_len;
} cig_sigv4_pair_t;


typedef struct {
    char           *name;           /* lower case */
    size_t          name_len;
    char           *value;          /* trimmed */
    size_t          value_len;
    size_t          order;
} cig_sigv4_header_t;


static const char  cig_sigv4_hex_upper[] = "0123456789ABCDEF";


void *
cig_sigv4_alloc(const cig_allocator_t *a, size_t size)
{
    return a->alloc(a->ctx, size ? size : 1);
}


static int
cig_sigv4_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
           || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'
           || c == '~';
}


static int
cig_sigv4_hexval(unsigned char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }

    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }

    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }

    return -1;
}


/*
 * Percent-decodes a query name or value into out (room for len bytes);
 * '+' is a space.  A '%' not followed by two hex digits is an error: the
 * store would refuse such a request, or read it another way.
 */

int
cig_sigv4_decode(const char *s, size_t len, char *out, size_t *out_len)
{
    int     hi, lo;
    size_t  i, n;

    for (i = 0, n = 0; i < len; i++) {
        if (s[i] == '%') {
            if (len - i < 3) {
                return 0;
            }

            hi = cig_sigv4_hexval((unsigned char) s[i + 1]);
            lo = cig_sigv4_hexval((unsigned char) s[i + 2]);

            if (hi < 0 || lo < 0) {
                return 0;
            }

            out[n++] = (char) (hi << 4 | lo);
            i += 2;

        } else if (s[i] == '+') {
            out[n++] = ' ';

        } else {
            out[n++] = s[i];
        }
    }

    *out_len = n;

    return 1;
}


/* AWS's UriEncode, '/' included; out NULL: only the length. */

static size_t
cig_sigv4_encode(const char *s, size_t len, char *out)
{
    size_t          i, n;
    unsigned char   c;

    for (i = 0, n = 0; i < len; i++) {
        c = (unsigned char) s[i];

        if (cig_sigv4_unreserved(c)) {
            if (out) {
                out[n] = (char) c;
            }
            n++;
            continue;
        }

        if (out) {
            out[n] = '%';
            out[n + 1] = cig_sigv4_hex_upper[c >> 4];
            out[n + 2] = cig_sigv4_hex_upper[c & 0xf];
        }
        n += 3;
    }

    return n;
}


/* Decodes, then encodes, into memory of the allocator. */

static int
cig_sigv4_recode(const cig_allocator_t *a, const char *s, size_t len,
    char **out, size_t *out_len)
{
    char    *dec, *enc;
    size_t   dlen;

    dec = cig_sigv4_alloc(a, len);
    if (dec == NULL) {
        return -1;
    }

    if (!cig_sigv4_decode(s, len, dec, &dlen)) {
        return 0;
    }

    enc = cig_sigv4_alloc(a, 3 * dlen);
    if (enc == NULL) {
        return -1;
    }

    *out_len = cig_sigv4_encode(dec, dlen, enc);
    *out = enc;

    return 1;
}


static int
cig_sigv4_cmp_bytes(const char *a, size_t alen, const char *b, size_t blen)
{
    int  rc;

    rc = memcmp(a, b, alen < blen ? alen : blen);

    if (rc != 0) {
        return rc;
    }

    return (alen > blen) - (alen < blen);
}


static int
cig_sigv4_cmp_pair(const void *one, const void *two)
{
    const cig_sigv4_pair_t  *a = one, *b = two;
    int                      rc;

    rc = cig_sigv4_cmp_bytes(a->name, a->name_len, b->name, b->name_len);

    if (rc != 0) {
        return rc;
    }

    return cig_sigv4_cmp_bytes(a->value, a->value_len, b->value,
                               b->value_len);
}


static int
cig_sigv4_cmp_header(const void *one, const void *two)
{
    const cig_sigv4_header_t  *a = one, *b = two;
    int                        rc;

    rc = cig_sigv4_cmp_bytes(a->name, a->name_len, b->name, b->name_len);

    if (rc != 0) {
        return rc;
    }

    return (a->order > b->order) - (a->order < b->order);
}


cig_code_t
cig_sigv4_bad(cig_err_t *err, const char *what)
{
    cig_err_set(err, CIG_ERR_BAD_REQUEST, "cannot sign: %s", what);
    return CIG_ERR_BAD_REQUEST;
}


cig_code_t
cig_sigv4_nomem(cig_err_t *err)
{
    cig_err_set(err, CIG_ERR_INTERNAL, "cannot sign: out of memory");
    return CIG_ERR_INTERNAL;
}


/* The canonical URI: the path as sent, which must be one. */

cig_code_t
cig_sigv4_canonical_path(const cig_sigv4_request_t *req, cig_str_t *out,
    cig_err_t *err)
{
    size_t          i;
    unsigned char   c;

    if (req->path.len == 0) {
        out->data = "/";
        out->len = 1;
        return CIG_OK;
    }

    if (req->path.data[0] != '/') {
        return cig_sigv4_bad(err, "the path does not start with \"/\"");
    }

    for (i = 0; i < req->path.len; i++) {
        c = (unsigned char) req->path.data[i];

        if (c <= 0x20 || c == 0x7f || c == '?' || c == '#') {
            return cig_sigv4_bad(err, "the path holds a space, a control "
                                 "character, '?' or '#'");
        }
    }

    *out = req->path;

    return CIG_OK;
}


/* The canonical query string. */

cig_code_t
cig_sigv4_canonical_query(const cig_sigv4_request_t *req,
    const cig_allocator_t *a, cig_str_t *out, cig_err_t *err)
{
    int                rc;
    char              *buf, *p;
    size_t             i, n, npairs, len, start, end, eq;
    const char        *q;
    cig_sigv4_pair_t  *pairs;

    q = req->query.data;
    len = req->query.len;

    if (len == 0) {
        out->data = "";
        out->len = 0;
        return CIG_OK;
    }

    for (i = 0, n = 1; i < len; i++) {
        n += (q[i] == '&');
    }

    pairs = cig_sigv4_alloc(a, n * sizeof(cig_sigv4_pair_t));
    if (pairs == NULL) {
        return cig_sigv4_nomem(err);
    }

    npairs = 0;

    for (start = 0; start <= len; start = end + 1) {
        for (end = start; end < len && q[end] != '&'; end++) {
            /* void */
        }

        if (end == start) {
            continue;
        }

        for (eq = start; eq < end && q[eq] != '='; eq++) {
            /* void */
        }

        rc = cig_sigv4_recode(a, q + start, eq - start,
                              &pairs[npairs].name, &pairs[npairs].name_len);
        if (rc == 1) {
            if (eq < end) {
                rc = cig_sigv4_recode(a, q + eq + 1, end - eq - 1,
                                      &pairs[npairs].value,
                                      &pairs[npairs].value_len);
            } else {
                pairs[npairs].value = "";
                pairs[npairs].value_len = 0;
            }
        }

        if (rc < 0) {
            return cig_sigv4_nomem(err);
        }

        if (rc == 0) {
            return cig_sigv4_bad(err, "invalid percent-encoding in the query");
        }

        npairs++;
    }

    if (npairs == 0) {
        out->data = "";
        out->len = 0;
        return CIG_OK;
    }

    qsort(pairs, npairs, sizeof(cig_sigv4_pair_t), cig_sigv4_cmp_pair);

    for (i = 0, len = npairs - 1; i < npairs; i++) {
        len += pairs[i].name_len + 1 + pairs[i].value_len;
    }

    buf = cig_sigv4_alloc(a, len);
    if (buf == NULL) {
        return cig_sigv4_nomem(err);
    }

    p = buf;

    for (i = 0; i < npairs; i++) {
        if (i > 0) {
            *p++ = '&';
        }

        memcpy(p, pairs[i].name, pairs[i].name_len);
        p += pairs[i].name_len;
        *p++ = '=';
        memcpy(p, pairs[i].value, pairs[i].value_len);
        p += pairs[i].value_len;
    }

    out->data = buf;
    out->len = (size_t) (p - buf);

    return CIG_OK;
}


/* RFC 9110 token characters, for method and header names. */

static int
cig_sigv4_tchar(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
           || (c >= '0' && c <= '9') || (c != 0 && strchr("!#$%&'*+-.^_`|~",
                                                           c) != NULL);
}


int
cig_sigv4_is_token(cig_str_t s)
{
    size_t  i;

    if (s.len == 0) {
        return 0;
    }

    for (i = 0; i < s.len; i++) {
        if (!cig_sigv4_tchar((unsigned char) s.data[i])) {
            return 0;
        }
    }

    return 1;
}


/*
 * Trimall: leading and trailing spaces and tabs go, inner runs become one
 * space.  Control characters other than tab are refused: signers disagree
 * on whether they are white space.
 */

cig_code_t
cig_sigv4_trim(const cig_allocator_t *a, cig_str_t v, cig_str_t *trimmed,
    cig_err_t *err)
{
    char           *out;
    size_t          i, n;
    unsigned char   c;
    int             space;

    out = cig_sigv4_alloc(a, v.len);
    if (out == NULL) {
        return cig_sigv4_nomem(err);
    }

    n = 0;
    space = 0;

    for (i = 0; i < v.len; i++) {
        c = (unsigned char) v.data[i];

        if (c == ' ' || c == '\t') {
            space = (n > 0);
            continue;
        }

        if (c < 0x20) {
            return cig_sigv4_bad(err, "a header value holds a control "
                                 "character");
        }

        if (space) {
            out[n++] = ' ';
            space = 0;
        }

        out[n++] = (char) c;
    }

    trimmed->data = out;
    trimmed->len = n;

    return CIG_OK;
}


static cig_code_t
cig_sigv4_header(const cig_allocator_t *a, const char *lname, cig_str_t v,
    cig_sigv4_header_t *h, size_t order, cig_err_t *err)
{
    cig_str_t   t;
    cig_code_t  rc;

    h->name = (char *) lname;
    h->name_len = strlen(lname);
    h->order = order;

    t.data = NULL;
    t.len = 0;

    rc = cig_sigv4_trim(a, v, &t, err);

    h->value = (char *) t.data;
    h->value_len = t.len;

    return rc;
}


static int
cig_sigv4_reserved_header(const char *name, size_t len)
{
    static const char  *reserved[] = {
        "host", "x-amz-date", "x-amz-content-sha256", "x-amz-security-token",
        "authorization", NULL
    };
    const char         **r;

    for (r = reserved; *r; r++) {
        if (strlen(*r) == len && memcmp(*r, name, len) == 0) {
            return 1;
        }
    }

    return 0;
}


/* Canonical headers ("name:value\n" each) and the signed header list. */

cig_code_t
cig_sigv4_canonical_headers(const cig_sigv4_request_t *req,
    const char *date, const cig_allocator_t *a, cig_str_t *canonical,
    cig_str_t *signed_headers, cig_err_t *err)
{
    char                *lname, *cp, *sp;
    size_t               i, j, k, n, clen, slen;
    cig_str_t            v;
    cig_code_t           rc;
    cig_sigv4_header_t  *hs;

    hs = cig_sigv4_alloc(a, (4 + req->nheaders) * sizeof(cig_sigv4_header_t));
    if (hs == NULL) {
        return cig_sigv4_nomem(err);
    }

    n = 0;

    rc = cig_sigv4_header(a, "host", req->host, &hs[n], n, err);
    if (rc != CIG_OK) {
        return rc;
    }

    if (hs[n++].value_len == 0) {
        return cig_sigv4_bad(err, "no host");
    }

    rc = cig_sigv4_header(a, "x-amz-content-sha256", req->payload_hash,
                          &hs[n], n, err);
    if (rc != CIG_OK) {
        return rc;
    }

    n++;

    v.data = date;
    v.len = CIG_SIGV4_DATE_LEN;

    rc = cig_sigv4_header(a, "x-amz-date", v, &hs[n], n, err);
    if (rc != CIG_OK) {
        return rc;
    }

    n++;

    if (req->security_token.len) {
        rc = cig_sigv4_header(a, "x-amz-security-token", req->security_token,
                              &hs[n], n, err);
        if (rc != CIG_OK) {
            return rc;
        }

        n++;
    }

    for (i = 0; i < req->nheaders; i++) {
        if (!cig_sigv4_is_token(req->headers[i].name)) {
            return cig_sigv4_bad(err, "an invalid header name");
        }

        lname = cig_sigv4_alloc(a, req->headers[i].name.len + 1);
        if (lname == NULL) {
            return cig_sigv4_nomem(err);
        }

        for (j = 0; j < req->headers[i].name.len; j++) {
            lname[j] = req->headers[i].name.data[j];

            if (lname[j] >= 'A' && lname[j] <= 'Z') {
                lname[j] = (char) (lname[j] - 'A' + 'a');
            }
        }

        lname[j] = '\0';

        if (cig_sigv4_reserved_header(lname, j)) {
            return cig_sigv4_bad(err, "an extra header that the signer sets "
                                 "itself");
        }

        rc = cig_sigv4_header(a, lname, req->headers[i].value, &hs[n], n,
                              err);
        if (rc != CIG_OK) {
            return rc;
        }

        n++;
    }

    qsort(hs, n, sizeof(cig_sigv4_header_t), cig_sigv4_cmp_header);

    /* sizes: a repeated name is written once, its values joined by ',' */

    clen = 0;
    slen = 0;

    for (i = 0; i < n; i = j) {
        clen += hs[i].name_len + 1;
        slen += hs[i].name_len + 1;

        for (j = i; j < n && cig_sigv4_cmp_bytes(hs[i].name, hs[i].name_len,
                                                 hs[j].name, hs[j].name_len)
                             == 0; j++)
        {
            clen += hs[j].value_len + 1;
        }
    }

    cp = cig_sigv4_alloc(a, clen);
    sp = cig_sigv4_alloc(a, slen);
    if (cp == NULL || sp == NULL) {
        return cig_sigv4_nomem(err);
    }

    canonical->data = cp;
    signed_headers->data = sp;

    for (i = 0; i < n; i = j) {
        if (i > 0) {
            *sp++ = ';';
        }

        memcpy(sp, hs[i].name, hs[i].name_len);
        sp += hs[i].name_len;

        memcpy(cp, hs[i].name, hs[i].name_len);
        cp += hs[i].name_len;
        *cp++ = ':';

        for (j = i, k = 0;
             j < n && cig_sigv4_cmp_bytes(hs[i].name, hs[i].name_len,
                                          hs[j].name, hs[j].name_len) == 0;
             j++, k++)
        {
            if (k > 0) {
                *cp++ = ',';
            }

            memcpy(cp, hs[j].value, hs[j].value_len);
            cp += hs[j].value_len;
        }

        *cp++ = '\n';
    }

    canonical->len = (size_t) (cp - canonical->data);
    signed_headers->len = (size_t) (sp - signed_headers->data);

    return CIG_OK;
}


/* METHOD \n PATH \n QUERY \n HEADERS \n SIGNED \n PAYLOAD */

int
cig_sigv4_canonical_request(const cig_allocator_t *a, cig_str_t method,
    cig_str_t path, cig_str_t query, cig_str_t headers, cig_str_t signed_headers,
    cig_str_t payload_hash, cig_str_t *out)
{
    char    *cr, *p;
    size_t   len;

    len = method.len + 1 + path.len + 1 + query.len + 1 + headers.len + 1
          + signed_headers.len + 1 + payload_hash.len;

    cr = cig_sigv4_alloc(a, len);
    if (cr == NULL) {
        return 0;
    }

    p = cr;
    memcpy(p, method.data, method.len);
    p += method.len;
    *p++ = '\n';
    memcpy(p, path.data, path.len);
    p += path.len;
    *p++ = '\n';
    memcpy(p, query.data, query.len);
    p += query.len;
    *p++ = '\n';
    memcpy(p, headers.data, headers.len);
    p += headers.len;
    *p++ = '\n';
    memcpy(p, signed_headers.data, signed_headers.len);
    p += signed_headers.len;
    *p++ = '\n';
    memcpy(p, payload_hash.data, payload_hash.len);
    p += payload_hash.len;

    out->data = cr;
    out->len = (size_t) (p - cr);

    return 1;
}
