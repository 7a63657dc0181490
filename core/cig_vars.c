/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Policy variables and condition keys.
 *
 * A template is compiled once into literal pieces, wildcards and variables;
 * at request time variables resolve to the identity's own strings, so
 * substitution and matching allocate nothing.  Substituted text is always
 * literal: a '*' inside a value never becomes a wildcard, and a missing
 * variable makes the template match nothing rather than an empty string
 * that would widen a pattern.
 */

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cig.h"
#include "cig_internal.h"


#define CIG_TAGS_CLAIM  "https://aws.amazon.com/tags"


static int
cig_lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}


static int
cig_strnieq(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t  i;

    if (alen != blen) {
        return 0;
    }

    for (i = 0; i < alen; i++) {
        if (cig_lower((unsigned char) a[i]) != cig_lower((unsigned char) b[i]))
        {
            return 0;
        }
    }

    return 1;
}


static int
cig_strieq(const char *a, size_t alen, const char *b)
{
    return cig_strnieq(a, alen, b, strlen(b));
}


/* Request keys the request mappings set (cig_request.c, cig_s3_headers.c). */

static const char *const  cig_request_keys[] = {
    "s3:prefix", "s3:delimiter", "s3:max-keys", "s3:versionid",
    "s3:x-amz-copy-source", "s3:x-amz-acl", "s3:x-amz-grant-read",
    "s3:x-amz-grant-write", "s3:x-amz-grant-read-acp",
    "s3:x-amz-grant-write-acp", "s3:x-amz-grant-full-control",
    "s3:x-amz-server-side-encryption",
    "s3:x-amz-server-side-encryption-aws-kms-key-id",
    "s3:x-amz-storage-class", "s3:x-amz-metadata-directive",
    "s3:object-lock-mode", "s3:object-lock-retain-until-date",
    "s3:object-lock-legal-hold", "s3:x-amz-content-sha256",
    "s3:requestobjecttagkeys", "s3:tlsversion", "s3:authtype",
    "s3:signatureversion", NULL
};

#define CIG_REQUEST_TAG  "s3:RequestObjectTag/"


int
cig_key_resolve(const char *name, size_t len, cig_ckey_t *key)
{
    const char *const  *k;

    memset(key, 0, sizeof(cig_ckey_t));
    key->name.data = name;
    key->name.len = len;

    if (cig_strieq(name, len, "cognito-identity.amazonaws.com:sub")) {
        key->id = CIG_KEY_SUB;

    } else if (cig_strieq(name, len, "cognito-identity.amazonaws.com:aud")) {
        key->id = CIG_KEY_AUD;

    } else if (cig_strieq(name, len, "cognito-identity.amazonaws.com:amr")) {
        key->id = CIG_KEY_AMR;

    } else if (len > sizeof("aws:PrincipalTag/") - 1
               && cig_strieq(name, sizeof("aws:PrincipalTag/") - 1,
                             "aws:PrincipalTag/"))
    {
        key->id = CIG_KEY_TAG;
        key->arg.data = name + sizeof("aws:PrincipalTag/") - 1;
        key->arg.len = len - (sizeof("aws:PrincipalTag/") - 1);

    } else if (cig_strieq(name, len, "aws:SourceIp")) {
        key->id = CIG_KEY_SOURCE_IP;

    } else if (cig_strieq(name, len, "aws:SecureTransport")) {
        key->id = CIG_KEY_SECURE;

    } else if (cig_strieq(name, len, "aws:CurrentTime")) {
        key->id = CIG_KEY_CURRENT_TIME;

    } else if (cig_strieq(name, len, "aws:EpochTime")) {
        key->id = CIG_KEY_EPOCH_TIME;

    } else if (len > sizeof(CIG_REQUEST_TAG) - 1
               && cig_strieq(name, sizeof(CIG_REQUEST_TAG) - 1,
                             CIG_REQUEST_TAG))
    {
        /* the mapping's name is "s3:requestobjecttag/" and the tag key */
        key->id = CIG_KEY_REQUEST;
        key->arg.data = name;
        key->arg.len = len;

    } else {
        for (k = cig_request_keys; *k; k++) {
            if (cig_strieq(name, len, *k)) {
                key->id = CIG_KEY_REQUEST;
                key->arg.data = *k;
                key->arg.len = strlen(*k);
                return 1;
            }
        }

        key->id = CIG_KEY_UNKNOWN;
        return 0;
    }

    return 1;
}


void
cig_eval_init(cig_eval_t *e, const cig_request_t *req)
{
    const cig_json_t  *tags;

    e->req = req;
    e->tags = NULL;

    if (req->id != NULL && req->id->claims != NULL) {
        tags = cig_json_get(req->id->claims, CIG_TAGS_CLAIM);
        tags = cig_json_get(tags, "principal_tags");

        if (tags != NULL && tags->type == CIG_JSON_OBJECT) {
            e->tags = tags;
        }
    }

    /* the time keys are formatted only if a condition asks for them */

    e->now_iso_len = 0;
    e->epoch_len = 0;
}


static void
cig_eval_times(const cig_eval_t *ce)
{
    cig_eval_t  *e = (cig_eval_t *) ce;      /* a cache inside the const view */
    struct tm    tm;
    time_t       t;

    if (e->now_iso_len) {
        return;
    }

    t = (time_t) e->req->now;
    gmtime_r(&t, &tm);
    e->now_iso_len = strftime(e->now_iso, sizeof(e->now_iso),
                              "%Y-%m-%dT%H:%M:%SZ", &tm);
    e->epoch_len = (size_t) snprintf(e->epoch, sizeof(e->epoch), "%lld",
                                     (long long) e->req->now);
}


static int
cig_key_one(cig_str_t *vals, size_t max, size_t *n, const char *s,
    size_t len)
{
    if (max == 0) {
        return 0;
    }

    vals[0].data = s;
    vals[0].len = len;
    *n = 1;

    return 1;
}


int
cig_key_values(const cig_eval_t *e, const cig_ckey_t *key, cig_str_t *vals,
    size_t max, size_t *n)
{
    const cig_request_t  *req = e->req;
    const cig_json_t     *m, *v;
    size_t                i;

    *n = 0;

    switch (key->id) {

    case CIG_KEY_SUB:
        if (req->id == NULL || req->id->sub.len == 0) {
            return 0;
        }
        return cig_key_one(vals, max, n, req->id->sub.data, req->id->sub.len);

    case CIG_KEY_AUD:
        if (req->id == NULL || req->id->aud.len == 0) {
            return 0;
        }
        return cig_key_one(vals, max, n, req->id->aud.data, req->id->aud.len);

    case CIG_KEY_AMR:
        if (req->id == NULL || req->id->namr == 0) {
            return 0;
        }

        for (i = 0; i < req->id->namr && i < max; i++) {
            vals[i] = req->id->amr[i];
        }

        *n = i;
        return 1;

    case CIG_KEY_TAG:
        if (e->tags == NULL) {
            return 0;
        }

        /* tag keys are matched without regard to case, as IAM does */

        for (m = e->tags->child; m; m = m->next) {
            if (cig_strnieq(m->key.data, m->key.len, key->arg.data,
                            key->arg.len))
            {
                break;
            }
        }

        if (m == NULL) {
            return 0;
        }

        if (m->type == CIG_JSON_STRING) {
            return cig_key_one(vals, max, n, m->str.data, m->str.len);
        }

        if (m->type != CIG_JSON_ARRAY) {
            return 0;
        }

        for (v = m->child; v && *n < max; v = v->next) {
            if (v->type == CIG_JSON_STRING) {
                vals[(*n)++] = v->str;
            }
        }

        return *n > 0;

    case CIG_KEY_SOURCE_IP:
        if (req->source_ip.len == 0) {
            return 0;
        }
        return cig_key_one(vals, max, n, req->source_ip.data,
                           req->source_ip.len);

    case CIG_KEY_SECURE:
        return req->secure ? cig_key_one(vals, max, n, "true", 4)
                           : cig_key_one(vals, max, n, "false", 5);

    case CIG_KEY_CURRENT_TIME:
        cig_eval_times(e);
        return cig_key_one(vals, max, n, e->now_iso, e->now_iso_len);

    case CIG_KEY_EPOCH_TIME:
        cig_eval_times(e);
        return cig_key_one(vals, max, n, e->epoch, e->epoch_len);

    case CIG_KEY_REQUEST:

        /*
         * Names without regard to case (a tag key is part of one); a key
         * set several times has several values (s3:RequestObjectTagKeys).
         */

        for (i = 0; i < req->nkeys && *n < max; i++) {
            if (cig_strnieq(req->keys[i].name.data, req->keys[i].name.len,
                            key->arg.data, key->arg.len))
            {
                vals[(*n)++] = req->keys[i].value;
            }
        }

        return *n > 0;

    case CIG_KEY_UNKNOWN:
        return 0;
    }

    return 0;
}


/*
 * Compiles "${key}", "${key, 'default'}" and the escapes "${*}", "${?}",
 * "${$}"; with glob, unescaped '*' and '?' become wildcards.
 */

cig_template_t *
cig_template_compile(const char *s, size_t len, int glob,
    const cig_allocator_t *a, cig_err_t *err)
{
    return cig_template_compile_ex(s, len, glob, 1, a, err);
}


cig_template_t *
cig_template_compile_ex(const char *s, size_t len, int glob, int vars,
    const cig_allocator_t *a, cig_err_t *err)
{
    cig_template_t  *t;
    cig_seg_t        segs[CIG_MAX_SEGS];
    size_t           n, i, lit, k, klen;
    const char      *close, *comma, *q;

    n = 0;
    lit = 0;
    i = 0;

#define cig_push(seg_type, ptr, length)                                       \
    do {                                                                      \
        if (n == CIG_MAX_SEGS) {                                              \
            goto too_long;                                                    \
        }                                                                     \
        memset(&segs[n], 0, sizeof(cig_seg_t));                               \
        segs[n].type = seg_type;                                              \
        segs[n].text.data = ptr;                                              \
        segs[n].text.len = length;                                            \
        n++;                                                                  \
    } while (0)

#define cig_flush()                                                           \
    do {                                                                      \
        if (i > lit) {                                                        \
            cig_push(CIG_SEG_LIT, s + lit, i - lit);                          \
        }                                                                     \
    } while (0)

    t = a->alloc(a->ctx, sizeof(cig_template_t));
    if (t == NULL) {
        goto nomem;
    }

    memset(t, 0, sizeof(cig_template_t));
    t->raw.data = s;
    t->raw.len = len;

    while (i < len) {
        if (glob && (s[i] == '*' || s[i] == '?')) {
            cig_flush();
            cig_push(s[i] == '*' ? CIG_SEG_STAR : CIG_SEG_QMARK, s + i, 1);
            lit = ++i;
            continue;
        }

        if (!(vars && s[i] == '$' && i + 1 < len && s[i + 1] == '{')) {
            i++;
            continue;
        }

        close = memchr(s + i, '}', len - i);
        if (close == NULL) {
            cig_err_set(err, CIG_ERR_CONFIG, "\"%.*s\": unterminated "
                        "\"${\"", (int) (len > 96 ? 96 : len), s);
            return NULL;
        }

        cig_flush();
        k = i + 2;
        klen = (size_t) (close - (s + k));

        if (klen == 1 && (s[k] == '*' || s[k] == '?' || s[k] == '$')) {
            cig_push(CIG_SEG_LIT, s + k, 1);
            i = (size_t) (close - s) + 1;
            lit = i;
            continue;
        }

        if (n == CIG_MAX_SEGS) {
            goto too_long;
        }

        memset(&segs[n], 0, sizeof(cig_seg_t));
        segs[n].type = CIG_SEG_VAR;

        comma = memchr(s + k, ',', klen);

        if (comma != NULL) {
            /* ${key, 'default'} */
            q = comma + 1;
            while (q < close && *q == ' ') {
                q++;
            }

            if (close - q < 2 || *q != '\'' || close[-1] != '\'') {
                cig_err_set(err, CIG_ERR_CONFIG, "\"%.*s\": a default value "
                            "is written ${key, 'default'}",
                            (int) (len > 96 ? 96 : len), s);
                return NULL;
            }

            segs[n].def.data = q + 1;
            segs[n].def.len = (size_t) (close - q - 2);
            segs[n].has_def = 1;
            klen = (size_t) (comma - (s + k));
        }

        while (klen > 0 && s[k + klen - 1] == ' ') {
            klen--;
        }

        if (klen == 0) {
            cig_err_set(err, CIG_ERR_CONFIG, "\"%.*s\": empty variable",
                        (int) (len > 96 ? 96 : len), s);
            return NULL;
        }

        (void) cig_key_resolve(s + k, klen, &segs[n].key);

        if (segs[n].key.id == CIG_KEY_AMR) {
            cig_err_set(err, CIG_ERR_CONFIG, "\"%.*s\": "
                        "cognito-identity.amazonaws.com:amr has several "
                        "values and cannot be a variable; use it in a "
                        "ForAnyValue condition", (int) (len > 96 ? 96 : len),
                        s);
            return NULL;
        }

        n++;
        t->vars = 1;
        i = (size_t) (close - s) + 1;
        lit = i;
    }

    cig_flush();

    t->segs = a->alloc(a->ctx, (n ? n : 1) * sizeof(cig_seg_t));
    if (t->segs == NULL) {
        goto nomem;
    }

    memcpy(t->segs, segs, n * sizeof(cig_seg_t));
    t->nsegs = n;

    return t;

too_long:

    cig_err_set(err, CIG_ERR_CONFIG, "\"%.*s\": more than %d wildcards and "
                "variables", (int) (len > 96 ? 96 : len), s, CIG_MAX_SEGS);
    return NULL;

nomem:

    cig_err_set(err, CIG_ERR_INTERNAL, "out of memory");
    return NULL;

#undef cig_push
#undef cig_flush
}


int
cig_template_resolve(const cig_template_t *t, const cig_eval_t *e,
    cig_seg_t *out, size_t *n)
{
    cig_str_t  vals[2];
    size_t     i, nv;

    for (i = 0; i < t->nsegs; i++) {
        out[i] = t->segs[i];

        if (t->segs[i].type != CIG_SEG_VAR) {
            continue;
        }

        out[i].type = CIG_SEG_LIT;

        /* only a single value substitutes; several, or none, are missing */

        if (cig_key_values(e, &t->segs[i].key, vals, 2, &nv) && nv == 1) {
            out[i].text = vals[0];

        } else if (t->segs[i].has_def) {
            out[i].text = t->segs[i].def;

        } else {
            return 0;
        }
    }

    *n = t->nsegs;

    return 1;
}


int
cig_template_expand(const cig_template_t *t, const cig_request_t *req,
    char *buf, size_t size, size_t *len)
{
    cig_eval_t  e;
    cig_seg_t   segs[CIG_MAX_SEGS];
    size_t      n, i, off;

    cig_eval_init(&e, req);

    if (!cig_template_resolve(t, &e, segs, &n)) {
        return 0;
    }

    off = 0;

    for (i = 0; i < n; i++) {
        if (segs[i].text.len > size - off) {
            return 0;
        }

        memcpy(buf + off, segs[i].text.data, segs[i].text.len);
        off += segs[i].text.len;
    }

    *len = off;

    return 1;
}


size_t
cig_segs_flatten(const cig_seg_t *p, size_t np, char *buf, size_t size)
{
    size_t  i, off;

    off = 0;

    for (i = 0; i < np; i++) {
        if (p[i].text.len > size - off) {
            return (size_t) -1;
        }

        memcpy(buf + off, p[i].text.data, p[i].text.len);
        off += p[i].text.len;
    }

    return off;
}


static int
cig_ch_eq(unsigned char a, unsigned char b, int icase)
{
    return icase ? cig_lower(a) == cig_lower(b) : a == b;
}


/* Bytes of the UTF-8 character at s (1 for anything malformed). */

static size_t
cig_char_len(const char *s, size_t n)
{
    unsigned char  c = (unsigned char) s[0];
    size_t         len;

    len = c < 0xc0 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;

    return len <= n ? len : 1;
}


/*
 * IAM wildcards over resolved pieces: '*' any run of characters including
 * '/', '?' exactly one character.  Iterative, with one backtrack point per
 * star, so the cost is bounded by pattern length times subject length.
 */

int
cig_glob_match(const cig_seg_t *p, size_t np, const char *s, size_t n,
    int icase)
{
    size_t  si, so, i, star_si, star_i;
    int     star;

    si = 0;
    so = 0;
    i = 0;
    star = 0;
    star_si = 0;
    star_i = 0;

    while (i < n) {
        if (si < np) {
            const cig_seg_t  *seg = &p[si];

            if (seg->type == CIG_SEG_STAR) {
                star = 1;
                star_si = si;
                star_i = i;
                si++;
                so = 0;
                continue;
            }

            if (seg->type == CIG_SEG_QMARK) {
                i += cig_char_len(s + i, n - i);
                si++;
                so = 0;
                continue;
            }

            if (so == seg->text.len) {
                si++;
                so = 0;
                continue;
            }

            /*
             * Without case folding a literal matches as a whole or not at
             * all: one memcmp, not a character at a time.  Where the rest
             * of the subject is shorter than the literal, no position a
             * star could move it to makes it fit either.
             */

            if (!icase) {
                size_t  rest = seg->text.len - so;

                if (rest > n - i) {
                    return 0;
                }

                if (memcmp(seg->text.data + so, s + i, rest) == 0) {
                    i += rest;
                    si++;
                    so = 0;
                    continue;
                }

                goto mismatch;
            }

            if (cig_ch_eq((unsigned char) seg->text.data[so],
                          (unsigned char) s[i], icase))
            {
                so++;
                i++;
                continue;
            }
        }

    mismatch:

        if (!star) {
            return 0;
        }

        /*
         * The star takes one more character, never a part of one: a '?'
         * after it would match the rest of a character otherwise.
         */

        si = star_si + 1;
        so = 0;
        star_i += cig_char_len(s + star_i, n - star_i);
        i = star_i;
    }

    /* the subject is used up: only stars and finished literals may remain */

    while (si < np) {
        if (p[si].type == CIG_SEG_STAR
            || (p[si].type == CIG_SEG_LIT && p[si].text.len == so))
        {
            si++;
            so = 0;
            continue;
        }

        return 0;
    }

    return 1;
}


int
cig_lit_equal(const cig_seg_t *p, size_t np, const char *s, size_t n,
    int icase)
{
    size_t  i, j, off;

    off = 0;

    for (i = 0; i < np; i++) {
        if (p[i].text.len > n - off) {
            return 0;
        }

        for (j = 0; j < p[i].text.len; j++) {
            if (!cig_ch_eq((unsigned char) p[i].text.data[j],
                           (unsigned char) s[off + j], icase))
            {
                return 0;
            }
        }

        off += p[i].text.len;
    }

    return off == n;
}


int
cig_template_unknown_var(const cig_template_t *t, cig_str_t *name)
{
    size_t  i;

    for (i = 0; i < t->nsegs; i++) {
        if (t->segs[i].type == CIG_SEG_VAR
            && (t->segs[i].key.id == CIG_KEY_UNKNOWN
                || t->segs[i].key.id == CIG_KEY_REQUEST))
        {
            *name = t->segs[i].key.name;
            return 1;
        }
    }

    return 0;
}


/*
 * The path-prefix shorthand: the path lies under one of the prefixes, as
 * expanded for this identity, on whole segments: "/files/abc/" (or
 * "/files/abc") admits "/files/abc" and "/files/abc/x", never
 * "/files/abcdef".  A prefix whose variable has no value admits nothing.
 */

cig_code_t
cig_prefixes_allow(cig_template_t *const *prefixes, size_t n,
    const cig_request_t *req, cig_str_t path, cig_err_t *err)
{
    char    buf[2048];
    size_t  i, len;

    for (i = 0; i < n; i++) {
        if (!cig_template_expand(prefixes[i], req, buf, sizeof(buf), &len)
            || len == 0)
        {
            continue;
        }

        if (buf[len - 1] == '/') {
            len--;
        }

        if (path.len >= len && memcmp(path.data, buf, len) == 0
            && (path.len == len || path.data[len] == '/'))
        {
            return CIG_OK;
        }
    }

    cig_err_set(err, CIG_ERR_FORBIDDEN, "the path is outside the allowed "
                "prefixes of the identity");

    return CIG_ERR_FORBIDDEN;
}
