/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * IAM identity policies: compiled once from the JSON that IAM takes, and
 * evaluated the way IAM evaluates them: default deny, any matching explicit
 * Deny wins, otherwise Allow if some statement allows.
 *
 * This file compiles them and groups them by role; cig_policy_eval.c
 * evaluates them.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE     /* memmem */
#endif

#include <arpa/inet.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cig_policy_int.h"


static const cig_op_t  cig_ops[] = {
    { "StringEquals",              CIG_OP_STRING,      CIG_CMP_EQ, 0, 0 },
    { "StringNotEquals",           CIG_OP_STRING,      CIG_CMP_EQ, 1, 0 },
    { "StringEqualsIgnoreCase",    CIG_OP_STRING,      CIG_CMP_EQ, 0, 1 },
    { "StringNotEqualsIgnoreCase", CIG_OP_STRING,      CIG_CMP_EQ, 1, 1 },
    { "StringLike",                CIG_OP_STRING_LIKE, CIG_CMP_EQ, 0, 0 },
    { "StringNotLike",             CIG_OP_STRING_LIKE, CIG_CMP_EQ, 1, 0 },
    { "NumericEquals",             CIG_OP_NUMERIC,     CIG_CMP_EQ, 0, 0 },
    { "NumericNotEquals",          CIG_OP_NUMERIC,     CIG_CMP_EQ, 1, 0 },
    { "NumericLessThan",           CIG_OP_NUMERIC,     CIG_CMP_LT, 0, 0 },
    { "NumericLessThanEquals",     CIG_OP_NUMERIC,     CIG_CMP_LE, 0, 0 },
    { "NumericGreaterThan",        CIG_OP_NUMERIC,     CIG_CMP_GT, 0, 0 },
    { "NumericGreaterThanEquals",  CIG_OP_NUMERIC,     CIG_CMP_GE, 0, 0 },
    { "DateEquals",                CIG_OP_DATE,        CIG_CMP_EQ, 0, 0 },
    { "DateNotEquals",             CIG_OP_DATE,        CIG_CMP_EQ, 1, 0 },
    { "DateLessThan",              CIG_OP_DATE,        CIG_CMP_LT, 0, 0 },
    { "DateLessThanEquals",        CIG_OP_DATE,        CIG_CMP_LE, 0, 0 },
    { "DateGreaterThan",           CIG_OP_DATE,        CIG_CMP_GT, 0, 0 },
    { "DateGreaterThanEquals",     CIG_OP_DATE,        CIG_CMP_GE, 0, 0 },
    { "Bool",                      CIG_OP_BOOL,        CIG_CMP_EQ, 0, 0 },
    { "BinaryEquals",              CIG_OP_BINARY,      CIG_CMP_EQ, 0, 0 },
    { "IpAddress",                 CIG_OP_IP,          CIG_CMP_EQ, 0, 0 },
    { "NotIpAddress",              CIG_OP_IP,          CIG_CMP_EQ, 1, 0 },
    { "ArnEquals",                 CIG_OP_ARN,         CIG_CMP_EQ, 0, 0 },
    { "ArnLike",                   CIG_OP_ARN,         CIG_CMP_EQ, 0, 0 },
    { "ArnNotEquals",              CIG_OP_ARN,         CIG_CMP_EQ, 1, 0 },
    { "ArnNotLike",                CIG_OP_ARN,         CIG_CMP_EQ, 1, 0 },
    { "Null",                      CIG_OP_NULL,        CIG_CMP_EQ, 0, 0 },
    { NULL,                        CIG_OP_STRING,      CIG_CMP_EQ, 0, 0 }
};



typedef struct {
    cig_policy_t      *p;
    cig_warn_pt        warn;
    void              *warn_ctx;
    cig_err_t         *err;
    size_t             index;       /* statement being compiled */
} cig_compile_t;


static void
cig_warnf(cig_compile_t *c, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void
cig_warnf(cig_compile_t *c, const char *fmt, ...)
{
    char     msg[CIG_ERR_MSG_LEN + 64];
    va_list  args;

    if (c->warn == NULL) {
        return;
    }

    va_start(args, fmt);
    vsnprintf(msg, sizeof(msg), fmt, args);
    va_end(args);

    c->warn(c->warn_ctx, msg);
}


/* "{cognito-identity.amazonaws.com:sub}" without its '$' is literal text */

static void
cig_check_dollar(cig_compile_t *c, cig_str_t s)
{
    static const char *const  prefixes[] = {
        "{cognito-identity.amazonaws.com:", "{aws:", NULL
    };
    const char *const  *pfx;
    const char         *p, *close;
    size_t              i, n;

    for (i = 0; i < s.len; i++) {
        if (s.data[i] != '{' || (i > 0 && s.data[i - 1] == '$')) {
            continue;
        }

        for (pfx = prefixes; *pfx; pfx++) {
            n = strlen(*pfx);

            if (s.len - i >= n && memcmp(s.data + i, *pfx, n) == 0) {
                p = s.data + i;
                close = memchr(p, '}', s.len - i);
                n = close ? (size_t) (close - p) + 1 : s.len - i;

                cig_warnf(c, "statement %zu: \"%.*s\" is literal text; did "
                          "you mean \"$%.*s\"?", c->index, (int) n, p,
                          (int) n, p);
                return;
            }
        }
    }
}


static cig_template_t *
cig_compile_template(cig_compile_t *c, const cig_json_t *j, int glob,
    int lower)
{
    cig_template_t  *t;
    char            *copy;
    size_t           i;

    copy = c->p->a.alloc(c->p->a.ctx, j->str.len + 1);
    if (copy == NULL) {
        cig_err_set(c->err, CIG_ERR_INTERNAL, "out of memory");
        return NULL;
    }

    memcpy(copy, j->str.data, j->str.len);
    copy[j->str.len] = '\0';

    if (lower) {
        for (i = 0; i < j->str.len; i++) {
            if (copy[i] >= 'A' && copy[i] <= 'Z') {
                copy[i] += 32;
            }
        }
    }

    cig_check_dollar(c, j->str);

    /* before Version 2012-10-17, "${...}" is literal text */

    t = cig_template_compile_ex(copy, j->str.len, glob, c->p->vars,
                                &c->p->a, c->err);
    if (t == NULL) {
        return NULL;
    }

    if (!c->p->vars && memmem(j->str.data, j->str.len, "${", 2) != NULL) {
        cig_warnf(c, "statement %zu: \"%.*s\" looks like it uses policy "
                  "variables, which are literal text unless \"Version\" is "
                  "\"2012-10-17\"", c->index,
                  (int) (j->str.len > 96 ? 96 : j->str.len), j->str.data);
    }

    for (i = 0; i < t->nsegs; i++) {
        if (t->segs[i].type == CIG_SEG_VAR
            && t->segs[i].key.id == CIG_KEY_UNKNOWN)
        {
            cig_warnf(c, "statement %zu: variable \"${%.*s}\" is never set "
                      "by this module, so \"%.*s\" matches nothing unless it "
                      "has a default", c->index,
                      (int) t->segs[i].key.name.len, t->segs[i].key.name.data,
                      (int) (j->str.len > 96 ? 96 : j->str.len), j->str.data);
        }
    }

    return t;
}


/* A string or a list of strings, as Action, Resource and condition values */

static int
cig_string_list(cig_compile_t *c, const cig_json_t *j, const char *what,
    int glob, int lower, cig_template_t ***out, size_t *n)
{
    const cig_json_t  *e;
    cig_template_t   **list;
    size_t             i, count;

    if (j->type == CIG_JSON_STRING) {
        count = 1;
        e = j;

    } else if (j->type == CIG_JSON_ARRAY && j->count > 0) {
        count = j->count;
        e = j->child;

    } else {
        cig_err_set(c->err, CIG_ERR_CONFIG, "statement %zu: %s must be a "
                    "string or a non-empty list of strings", c->index, what);
        return 0;
    }

    list = c->p->a.alloc(c->p->a.ctx, count * sizeof(cig_template_t *));
    if (list == NULL) {
        cig_err_set(c->err, CIG_ERR_INTERNAL, "out of memory");
        return 0;
    }

    for (i = 0; i < count; i++, e = e->next) {
        if (e->type != CIG_JSON_STRING || e->str.len == 0) {
            cig_err_set(c->err, CIG_ERR_CONFIG, "statement %zu: %s must be "
                        "non-empty strings", c->index, what);
            return 0;
        }

        list[i] = cig_compile_template(c, e, glob, lower);
        if (list[i] == NULL) {
            if (c->err->code == CIG_ERR_CONFIG) {
                char  reason[CIG_ERR_MSG_LEN];

                memcpy(reason, c->err->msg, sizeof(reason));
                cig_err_set(c->err, CIG_ERR_CONFIG, "statement %zu: %s: %s",
                            c->index, what, reason);
            }
            return 0;
        }
    }

    *out = list;
    *n = count;

    return 1;
}


int
cig_parse_ip(const char *s, size_t len, cig_cval_t *v)
{
    char           buf[64];
    const char    *slash;
    size_t         alen;
    long           prefix;
    char          *end;

    slash = memchr(s, '/', len);
    alen = slash ? (size_t) (slash - s) : len;

    if (alen == 0 || alen >= sizeof(buf)) {
        return 0;
    }

    memcpy(buf, s, alen);
    buf[alen] = '\0';

    memset(v->ip, 0, sizeof(v->ip));

    if (inet_pton(AF_INET, buf, v->ip) == 1) {
        v->ip_family = 4;
        v->prefix = 32;

    } else if (inet_pton(AF_INET6, buf, v->ip) == 1) {
        v->ip_family = 6;
        v->prefix = 128;

    } else {
        return 0;
    }

    if (slash != NULL) {
        alen = len - (size_t) (slash - s) - 1;

        if (alen == 0 || alen > 3) {
            return 0;
        }

        memcpy(buf, slash + 1, alen);
        buf[alen] = '\0';
        prefix = strtol(buf, &end, 10);

        if (*end != '\0' || prefix < 0 || (unsigned) prefix > v->prefix) {
            return 0;
        }

        v->prefix = (unsigned) prefix;
    }

    return 1;
}


static int
cig_digits(const char *s, size_t n, int *out)
{
    size_t  i;
    int     v = 0;

    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return 0;
        }
        v = v * 10 + (s[i] - '0');
    }

    *out = v;

    return 1;
}


static int64_t
cig_days_from_civil(int y, int m, int d)
{
    int64_t   era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

    return era * 146097 + doe - 719468;
}


/*
 * Dates as IAM takes them: ISO 8601 ("2026-01-31", "2026-01-31T12:00:00Z",
 * with fractions or a "+hh:mm" offset), or seconds since the epoch.
 */

int
cig_parse_date(const char *s, size_t len, double *out)
{
    int     y, mo, d, h, mi, sec, oh, om;
    size_t  p;
    double  frac, t;
    int     sign;

    if (len == 0) {
        return 0;
    }

    if (memchr(s, '-', len) == NULL || (s[0] == '-' && len > 1
                                        && memchr(s + 1, '-', len - 1) == NULL))
    {
        char   buf[32];
        char  *end;

        if (len >= sizeof(buf)) {
            return 0;
        }

        memcpy(buf, s, len);
        buf[len] = '\0';
        t = strtod(buf, &end);

        if (*end != '\0' || !isfinite(t)) {
            return 0;
        }

        *out = t;
        return 1;
    }

    if (len < 10 || !cig_digits(s, 4, &y) || s[4] != '-'
        || !cig_digits(s + 5, 2, &mo) || s[7] != '-'
        || !cig_digits(s + 8, 2, &d) || mo < 1 || mo > 12 || d < 1 || d > 31)
    {
        return 0;
    }

    h = mi = sec = 0;
    frac = 0;
    p = 10;

    if (p < len && (s[p] == 'T' || s[p] == 't')) {
        if (len < p + 6 || !cig_digits(s + p + 1, 2, &h) || s[p + 3] != ':'
            || !cig_digits(s + p + 4, 2, &mi) || h > 23 || mi > 59)
        {
            return 0;
        }

        p += 6;

        if (p < len && s[p] == ':') {
            if (len < p + 3 || !cig_digits(s + p + 1, 2, &sec) || sec > 60) {
                return 0;
            }
            p += 3;

            if (p < len && s[p] == '.') {
                double  scale = 0.1;

                p++;
                if (p >= len || s[p] < '0' || s[p] > '9') {
                    return 0;
                }

                while (p < len && s[p] >= '0' && s[p] <= '9') {
                    frac += (s[p] - '0') * scale;
                    scale /= 10;
                    p++;
                }
            }
        }
    }

    t = (double) cig_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60
        + sec + frac;

    if (p < len && (s[p] == 'Z' || s[p] == 'z')) {
        p++;

    } else if (p < len && (s[p] == '+' || s[p] == '-')) {
        sign = s[p] == '-' ? -1 : 1;

        if (len < p + 6 || !cig_digits(s + p + 1, 2, &oh) || s[p + 3] != ':'
            || !cig_digits(s + p + 4, 2, &om))
        {
            return 0;
        }

        t -= sign * (oh * 3600 + om * 60);
        p += 6;
    }

    if (p != len) {
        return 0;
    }

    *out = t;

    return 1;
}


int
cig_parse_number(const char *s, size_t len, double *out)
{
    char    buf[64];
    char   *end;
    double  v;

    if (len == 0 || len >= sizeof(buf)) {
        return 0;
    }

    memcpy(buf, s, len);
    buf[len] = '\0';
    v = strtod(buf, &end);

    if (*end != '\0' || !isfinite(v)) {
        return 0;
    }

    *out = v;

    return 1;
}


int
cig_bool_text(const char *s, size_t len, int *out)
{
    if (len == 4 && strncasecmp(s, "true", 4) == 0) {
        *out = 1;
        return 1;
    }

    if (len == 5 && strncasecmp(s, "false", 5) == 0) {
        *out = 0;
        return 1;
    }

    return 0;
}


static int
cig_compile_value(cig_compile_t *c, cig_cond_t *cond, const cig_json_t *j,
    cig_cval_t *v)
{
    cig_json_t   text;
    int          b;

    /* numbers and booleans are written bare in JSON too: use their text */

    text = *j;

    if (j->type == CIG_JSON_NUMBER || j->type == CIG_JSON_TRUE
        || j->type == CIG_JSON_FALSE)
    {
        text.type = CIG_JSON_STRING;
        text.str = j->raw;

    } else if (j->type != CIG_JSON_STRING) {
        cig_err_set(c->err, CIG_ERR_CONFIG, "statement %zu: condition %s on "
                    "\"%.*s\": values must be strings, numbers or booleans",
                    c->index, cond->op->name, (int) cond->key.name.len,
                    cond->key.name.data);
        return 0;
    }

    v->t = cig_compile_template(c, &text,
                                cond->op->family == CIG_OP_STRING_LIKE
                                || cond->op->family == CIG_OP_ARN, 0);
    if (v->t == NULL) {
        return 0;
    }

    if (v->t->vars) {
        return 1;   /* parsed per request, after substitution */
    }

    v->constant = 1;

    switch (cond->op->family) {

    case CIG_OP_NUMERIC:
        if (!cig_parse_number(text.str.data, text.str.len, &v->num)) {
            goto bad;
        }
        break;

    case CIG_OP_DATE:
        if (!cig_parse_date(text.str.data, text.str.len, &v->num)) {
            goto bad;
        }
        break;

    case CIG_OP_IP:
        if (!cig_parse_ip(text.str.data, text.str.len, v)) {
            goto bad;
        }
        break;

    case CIG_OP_BOOL:
    case CIG_OP_NULL:
        if (!cig_bool_text(text.str.data, text.str.len, &b)) {
            goto bad;
        }
        v->num = b;
        break;

    default:
        break;
    }

    return 1;

bad:

    cig_err_set(c->err, CIG_ERR_CONFIG, "statement %zu: %s value \"%.*s\" is "
                "not valid for this operator", c->index, cond->op->name,
                (int) (text.str.len > 64 ? 64 : text.str.len), text.str.data);
    return 0;
}


static int
cig_compile_conditions(cig_compile_t *c, cig_stmt_t *st, const cig_json_t *j)
{
    const cig_json_t  *opj, *kj, *vj;
    const cig_op_t    *op;
    cig_cond_t        *cond;
    cig_str_t          name;
    size_t             n, i;
    int                any, all, if_exists;

    if (j->type != CIG_JSON_OBJECT) {
        cig_err_set(c->err, CIG_ERR_CONFIG, "statement %zu: Condition is not "
                    "an object", c->index);
        return 0;
    }

    n = 0;
    for (opj = j->child; opj; opj = opj->next) {
        if (opj->type != CIG_JSON_OBJECT || opj->count == 0) {
            cig_err_set(c->err, CIG_ERR_CONFIG, "statement %zu: condition "
                        "\"%.*s\" must map keys to values", c->index,
                        (int) (opj->key.len > 64 ? 64 : opj->key.len),
                        opj->key.data);
            return 0;
        }
        n += opj->count;
    }

    st->conds = c->p->a.alloc(c->p->a.ctx, (n ? n : 1) * sizeof(cig_cond_t));
    if (st->conds == NULL) {
        cig_err_set(c->err, CIG_ERR_INTERNAL, "out of memory");
        return 0;
    }

    memset(st->conds, 0, (n ? n : 1) * sizeof(cig_cond_t));

    for (opj = j->child; opj; opj = opj->next) {
        name = opj->key;
        any = all = if_exists = 0;

        if (name.len > 12 && memcmp(name.data, "ForAnyValue:", 12) == 0) {
            any = 1;
            name.data += 12;
            name.len -= 12;

        } else if (name.len > 13
                   && memcmp(name.data, "ForAllValues:", 13) == 0)
        {
            all = 1;
            name.data += 13;
            name.len -= 13;
        }

        if (name.len > 8
            && memcmp(name.data + name.len - 8, "IfExists", 8) == 0)
        {
            if_exists = 1;
            name.len -= 8;
        }

        for (op = cig_ops; op->name; op++) {
            if (strlen(op->name) == name.len
                && memcmp(op->name, name.data, name.len) == 0)
            {
                break;
            }
        }

        if (op->name == NULL || (op->family == CIG_OP_NULL
                                 && (if_exists || any || all)))
        {
            cig_err_set(c->err, CIG_ERR_CONFIG, "statement %zu: unknown "
                        "condition operator \"%.*s\"", c->index,
                        (int) (opj->key.len > 64 ? 64 : opj->key.len),
                        opj->key.data);
            return 0;
        }

        for (kj = opj->child; kj; kj = kj->next) {
            cond = &st->conds[st->nconds++];
            cond->op = op;
            cond->any = any;
            cond->all = all;
            cond->if_exists = if_exists;

            if (kj->key.len == 0 || kj->key.len > 256) {
                cig_err_set(c->err, CIG_ERR_CONFIG, "statement %zu: bad "
                            "condition key", c->index);
                return 0;
            }

            if (!cig_key_resolve(kj->key.data, kj->key.len, &cond->key)) {
                cig_warnf(c, "statement %zu: condition key \"%.*s\" is never "
                          "set by this module and is treated as absent",
                          c->index, (int) kj->key.len, kj->key.data);
            }

            if ((cond->key.id == CIG_KEY_AMR
                 || (cond->key.id == CIG_KEY_REQUEST
                     && cig_str_is(cond->key.arg, "s3:requestobjecttagkeys")))
                && !any && !all && op->family != CIG_OP_NULL)
            {
                cig_warnf(c, "statement %zu: \"%.*s\" has several values; "
                          "use ForAnyValue: or ForAllValues: with %s",
                          c->index, (int) kj->key.len, kj->key.data,
                          op->name);
            }

            if (kj->type == CIG_JSON_ARRAY) {
                if (kj->count == 0) {
                    cig_err_set(c->err, CIG_ERR_CONFIG, "statement %zu: "
                                "condition \"%.*s\" has no values", c->index,
                                (int) kj->key.len, kj->key.data);
                    return 0;
                }

                cond->nvalues = kj->count;
                vj = kj->child;

            } else {
                cond->nvalues = 1;
                vj = kj;
            }

            cond->values = c->p->a.alloc(c->p->a.ctx,
                                         cond->nvalues * sizeof(cig_cval_t));
            if (cond->values == NULL) {
                cig_err_set(c->err, CIG_ERR_INTERNAL, "out of memory");
                return 0;
            }

            memset(cond->values, 0, cond->nvalues * sizeof(cig_cval_t));

            for (i = 0; i < cond->nvalues; i++, vj = vj->next) {
                if (!cig_compile_value(c, cond, vj, &cond->values[i])) {
                    return 0;
                }
            }
        }
    }

    return 1;
}


static int
cig_compile_statement(cig_compile_t *c, cig_stmt_t *st, const cig_json_t *j)
{
    static const char *const  allowed[] = {
        "Sid", "Effect", "Action", "NotAction", "Resource", "NotResource",
        "Condition", "Principal", "NotPrincipal", NULL
    };
    const cig_json_t  *sid, *effect, *action, *naction, *res, *nres, *cond;
    char               path[32];
    const cig_json_t  *e;
    size_t             i;

    snprintf(path, sizeof(path), "statement %zu", c->index);

    if (!cig_json_members_check(j, allowed, path, c->err)) {
        return 0;
    }

    if (cig_json_get(j, "Principal") || cig_json_get(j, "NotPrincipal")) {
        cig_err_set(c->err, CIG_ERR_CONFIG, "statement %zu: Principal has no "
                    "place in a role's identity policy", c->index);
        return 0;
    }

    sid = cig_json_get(j, "Sid");

    if (sid != NULL) {
        if (sid->type != CIG_JSON_STRING) {
            cig_err_set(c->err, CIG_ERR_CONFIG, "statement %zu: Sid is not a "
                        "string", c->index);
            return 0;
        }

        st->sid = sid->str;
    }

    effect = cig_json_get(j, "Effect");

    if (effect == NULL || effect->type != CIG_JSON_STRING
        || !(cig_str_is(effect->str, "Allow")
             || cig_str_is(effect->str, "Deny")))
    {
        cig_err_set(c->err, CIG_ERR_CONFIG, "statement %zu: Effect must be "
                    "\"Allow\" or \"Deny\"", c->index);
        return 0;
    }

    st->deny = cig_str_is(effect->str, "Deny");

    action = cig_json_get(j, "Action");
    naction = cig_json_get(j, "NotAction");

    if ((action == NULL) == (naction == NULL)) {
        cig_err_set(c->err, CIG_ERR_CONFIG, "statement %zu: exactly one of "
                    "Action and NotAction is required", c->index);
        return 0;
    }

    st->not_action = naction != NULL;

    if (!cig_string_list(c, action ? action : naction,
                         action ? "Action" : "NotAction", 1, 1,
                         &st->actions, &st->nactions))
    {
        return 0;
    }

    /* name actions as written: the compiled copies are lower-cased */

    e = action ? action : naction;
    e = e->type == CIG_JSON_ARRAY ? e->child : e;

    for (i = 0; i < st->nactions; i++, e = e->next) {
        cig_str_t  a = e->str;

        if (!(a.len == 1 && a.data[0] == '*')
            && (memchr(a.data, ':', a.len) == NULL || a.data[0] == ':'))
        {
            cig_err_set(c->err, CIG_ERR_CONFIG, "statement %zu: action "
                        "\"%.*s\" is not \"service:Action\"", c->index,
                        (int) (a.len > 64 ? 64 : a.len), a.data);
            return 0;
        }

        if (st->actions[i]->vars) {
            cig_err_set(c->err, CIG_ERR_CONFIG, "statement %zu: actions take "
                        "no policy variables", c->index);
            return 0;
        }
    }

    res = cig_json_get(j, "Resource");
    nres = cig_json_get(j, "NotResource");

    if ((res == NULL) == (nres == NULL)) {
        cig_err_set(c->err, CIG_ERR_CONFIG, "statement %zu: exactly one of "
                    "Resource and NotResource is required", c->index);
        return 0;
    }

    st->not_resource = nres != NULL;

    if (!cig_string_list(c, res ? res : nres,
                         res ? "Resource" : "NotResource", 1, 0,
                         &st->resources, &st->nresources))
    {
        return 0;
    }

    e = res ? res : nres;

    for (i = 0; i < st->nresources; i++) {
        cig_str_t  r = st->resources[i]->raw;

        if (!(r.len == 1 && r.data[0] == '*')
            && !(r.len > 4 && memcmp(r.data, "arn:", 4) == 0))
        {
            cig_err_set(c->err, CIG_ERR_CONFIG, "statement %zu: resource "
                        "\"%.*s\" is neither \"*\" nor an ARN", c->index,
                        (int) (r.len > 64 ? 64 : r.len), r.data);
            return 0;
        }
    }

    (void) e;

    cond = cig_json_get(j, "Condition");

    if (cond != NULL && !cig_compile_conditions(c, st, cond)) {
        return 0;
    }

    return 1;
}


cig_policy_t *
cig_policy_from_json(const char *text, size_t len, cig_warn_pt warn,
    void *warn_ctx, cig_err_t *err)
{
    static const char *const  allowed[] = {
        "Version", "Id", "Statement", NULL
    };
    const cig_json_t  *root, *version, *stmts, *s;
    cig_policy_t      *p;
    cig_compile_t      c;
    char              *copy;
    size_t             i;

    p = calloc(1, sizeof(cig_policy_t));
    if (p == NULL) {
        cig_err_set(err, CIG_ERR_INTERNAL, "out of memory");
        return NULL;
    }

    p->arena = cig_arena_create();
    if (p->arena == NULL) {
        free(p);
        cig_err_set(err, CIG_ERR_INTERNAL, "out of memory");
        return NULL;
    }

    cig_arena_allocator(p->arena, &p->a);

    c.p = p;
    c.warn = warn;
    c.warn_ctx = warn_ctx;
    c.err = err;
    c.index = 0;

    /* the parsed tree points into the text: keep a copy with the policy */

    copy = p->a.alloc(p->a.ctx, len + 1);
    if (copy == NULL) {
        goto nomem;
    }

    memcpy(copy, text, len);
    copy[len] = '\0';

    root = cig_json_parse(copy, len, 16, &p->a, err);
    if (root == NULL) {
        err->code = CIG_ERR_CONFIG;
        goto failed;
    }

    if (!cig_json_members_check(root, allowed, "policy", err)) {
        goto failed;
    }

    version = cig_json_get(root, "Version");

    if (version != NULL) {
        if (version->type != CIG_JSON_STRING
            || !(cig_str_is(version->str, "2012-10-17")
                 || cig_str_is(version->str, "2008-10-17")))
        {
            cig_err_set(err, CIG_ERR_CONFIG, "Version must be \"2012-10-17\" "
                        "or \"2008-10-17\"");
            goto failed;
        }

        p->vars = cig_str_is(version->str, "2012-10-17");
    }

    stmts = cig_json_get(root, "Statement");

    if (stmts == NULL || !(stmts->type == CIG_JSON_OBJECT
                           || (stmts->type == CIG_JSON_ARRAY
                               && stmts->count > 0)))
    {
        cig_err_set(err, CIG_ERR_CONFIG, "Statement must be a statement or a "
                    "non-empty list of statements");
        goto failed;
    }

    p->nstmts = stmts->type == CIG_JSON_ARRAY ? stmts->count : 1;
    p->stmts = p->a.alloc(p->a.ctx, p->nstmts * sizeof(cig_stmt_t));
    if (p->stmts == NULL) {
        goto nomem;
    }

    memset(p->stmts, 0, p->nstmts * sizeof(cig_stmt_t));
    s = stmts->type == CIG_JSON_ARRAY ? stmts->child : stmts;

    for (i = 0; i < p->nstmts; i++, s = s->next) {
        c.index = i;

        if (s->type != CIG_JSON_OBJECT) {
            cig_err_set(err, CIG_ERR_CONFIG, "statement %zu: not an object",
                        i);
            goto failed;
        }

        if (!cig_compile_statement(&c, &p->stmts[i], s)) {
            goto failed;
        }
    }

    return p;

nomem:

    cig_err_set(err, CIG_ERR_INTERNAL, "out of memory");

failed:

    cig_policy_free(p);

    return NULL;
}


cig_policy_t *
cig_policy_from_file(const char *path, cig_warn_pt warn, void *warn_ctx,
    cig_err_t *err)
{
    cig_policy_t  *p;
    char          *text;
    size_t         len;

    text = cig_file_read(path, &len, err);
    if (text == NULL) {
        return NULL;
    }

    p = cig_policy_from_json(text, len, warn, warn_ctx, err);
    free(text);

    return p;
}


void
cig_policy_free(cig_policy_t *p)
{
    if (p == NULL) {
        return;
    }

    cig_arena_destroy(p->arena);
    free(p);
}


size_t
cig_policy_statements(const cig_policy_t *p)
{
    return p->nstmts;
}


/* Policies by role. */

struct cig_policyset_s {
    cig_str_t         *roles;       /* sorted, distinct */
    size_t            *first;       /* index of the role's first policy */
    size_t            *count;
    cig_policy_t     **policies;    /* grouped by role */
    size_t             nroles;
};


static int
cig_role_policy_cmp(const void *one, const void *two)
{
    const cig_role_policy_t  *a = one, *b = two;
    size_t                    n;
    int                       rc;

    n = a->role.len < b->role.len ? a->role.len : b->role.len;
    rc = memcmp(a->role.data, b->role.data, n);

    return rc ? rc : (a->role.len > b->role.len) - (a->role.len < b->role.len);
}


cig_policyset_t *
cig_policyset_create(const cig_role_policy_t *entries, size_t n,
    cig_err_t *err)
{
    cig_policyset_t    *set;
    cig_role_policy_t  *sorted;
    size_t              i, r;

    set = calloc(1, sizeof(cig_policyset_t));
    sorted = malloc((n ? n : 1) * sizeof(cig_role_policy_t));

    if (set == NULL || sorted == NULL) {
        goto nomem;
    }

    if (n > 0) {
        memcpy(sorted, entries, n * sizeof(cig_role_policy_t));
    }

    /* stable order within a role: configuration order */

    for (i = 1; i < n; i++) {
        cig_role_policy_t  t = sorted[i];
        size_t             k = i;

        while (k > 0 && cig_role_policy_cmp(&sorted[k - 1], &t) > 0) {
            sorted[k] = sorted[k - 1];
            k--;
        }

        sorted[k] = t;
    }

    set->roles = calloc(n ? n : 1, sizeof(cig_str_t));
    set->first = calloc(n ? n : 1, sizeof(size_t));
    set->count = calloc(n ? n : 1, sizeof(size_t));
    set->policies = calloc(n ? n : 1, sizeof(cig_policy_t *));

    if (set->roles == NULL || set->first == NULL || set->count == NULL
        || set->policies == NULL)
    {
        goto nomem;
    }

    r = 0;

    for (i = 0; i < n; i++) {
        set->policies[i] = sorted[i].policy;

        if (i == 0 || cig_role_policy_cmp(&sorted[i - 1], &sorted[i]) != 0) {
            set->roles[r] = sorted[i].role;
            set->first[r] = i;
            r++;
        }

        set->count[r - 1]++;
    }

    set->nroles = r;
    free(sorted);

    return set;

nomem:

    free(sorted);
    cig_policyset_free(set);
    cig_err_set(err, CIG_ERR_INTERNAL, "out of memory");

    return NULL;
}


void
cig_policyset_free(cig_policyset_t *set)
{
    if (set == NULL) {
        return;
    }

    free(set->roles);
    free(set->first);
    free(set->count);
    free(set->policies);
    free(set);
}


cig_policy_t *const *
cig_policyset_find(const cig_policyset_t *set, cig_str_t role, size_t *n)
{
    size_t  i;

    i = cig_strs_index(set->roles, set->nroles, role);

    if (i == (size_t) -1) {
        *n = 0;
        return NULL;
    }

    *n = set->count[i];

    return &set->policies[set->first[i]];
}
