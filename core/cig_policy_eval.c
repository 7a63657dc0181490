/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * IAM policy evaluation, the way IAM evaluates identity policies: default
 * deny, any matching explicit Deny wins, otherwise Allow if some statement
 * allows.  The policies were compiled by cig_policy.c.
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


/* Evaluation. */

typedef enum {
    CIG_NO = 0,
    CIG_YES,
    CIG_UNKNOWN             /* a variable was missing */
} cig_tri_t;


static int
cig_ip_in(const cig_cval_t *net, const char *s, size_t len)
{
    cig_cval_t  ip;
    unsigned    bits, i;

    if (!cig_parse_ip(s, len, &ip) || memchr(s, '/', len) != NULL) {
        return 0;
    }

    /*
     * An IPv4 client of a dual-stack socket shows as "::ffff:a.b.c.d": it
     * is a.b.c.d to IPv4 ranges, or a Deny of an IPv4 range would miss it
     * and an Allow "NotIpAddress" of that range would let it in.
     */

    if (ip.ip_family == 6 && net->ip_family == 4
        && memcmp(ip.ip, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0)
    {
        memmove(ip.ip, ip.ip + 12, 4);
        memset(ip.ip + 4, 0, 12);
        ip.ip_family = 4;
    }

    if (ip.ip_family != net->ip_family) {
        return 0;
    }

    bits = net->prefix;

    for (i = 0; bits >= 8; i++, bits -= 8) {
        if (ip.ip[i] != net->ip[i]) {
            return 0;
        }
    }

    if (bits > 0) {
        unsigned char  mask = (unsigned char) (0xff << (8 - bits));

        if ((ip.ip[i] & mask) != (net->ip[i] & mask)) {
            return 0;
        }
    }

    return 1;
}


static int
cig_cmp(cig_cmp_t cmp, double a, double b)
{
    switch (cmp) {
    case CIG_CMP_EQ: return a == b;
    case CIG_CMP_LT: return a < b;
    case CIG_CMP_LE: return a <= b;
    case CIG_CMP_GT: return a > b;
    case CIG_CMP_GE: return a >= b;
    }

    return 0;
}


/* ARNs match component by component: six ':'-separated parts. */

static int
cig_arn_match(const cig_seg_t *segs, size_t nsegs, const char *s, size_t n)
{
    char         pat[1024];
    cig_seg_t    one[CIG_MAX_SEGS];
    const char  *ps, *pe, *ss, *se;
    size_t       plen, i, k;

    /*
     * Flatten the pieces into one pattern, wildcards as \1 and \2 (text
     * holding those bytes matches nothing), since a component may span
     * several pieces.
     */

    plen = 0;

    for (i = 0; i < nsegs; i++) {
        if (segs[i].type == CIG_SEG_LIT) {
            if (segs[i].text.len > sizeof(pat) - plen
                || memchr(segs[i].text.data, '\1', segs[i].text.len)
                || memchr(segs[i].text.data, '\2', segs[i].text.len))
            {
                return 0;
            }
            memcpy(pat + plen, segs[i].text.data, segs[i].text.len);
            plen += segs[i].text.len;

        } else {
            if (plen == sizeof(pat)) {
                return 0;
            }
            pat[plen++] = segs[i].type == CIG_SEG_STAR ? '\1' : '\2';
        }
    }

    ps = pat;
    ss = s;

    for (k = 0; k < 6; k++) {
        if (k < 5) {
            pe = memchr(ps, ':', (size_t) (pat + plen - ps));
            se = memchr(ss, ':', (size_t) (s + n - ss));

            if (pe == NULL || se == NULL) {
                return 0;
            }

        } else {
            pe = pat + plen;
            se = s + n;
        }

        /* one component: rebuild pieces */

        {
            size_t       np = 0;
            const char  *q = ps, *lit = ps;

            while (q < pe) {
                if (*q == '\1' || *q == '\2') {
                    if (q > lit && np < CIG_MAX_SEGS) {
                        one[np].type = CIG_SEG_LIT;
                        one[np].text.data = lit;
                        one[np].text.len = (size_t) (q - lit);
                        np++;
                    }

                    if (np == CIG_MAX_SEGS) {
                        return 0;
                    }

                    one[np].type = *q == '\1' ? CIG_SEG_STAR : CIG_SEG_QMARK;
                    one[np].text.len = 0;
                    np++;
                    lit = q + 1;
                }

                q++;
            }

            if (q > lit) {
                if (np == CIG_MAX_SEGS) {
                    return 0;
                }
                one[np].type = CIG_SEG_LIT;
                one[np].text.data = lit;
                one[np].text.len = (size_t) (q - lit);
                np++;
            }

            if (!cig_glob_match(one, np, ss, (size_t) (se - ss), 0)) {
                return 0;
            }
        }

        ps = pe + 1;
        ss = se + 1;
    }

    return 1;
}


/* Does one request value match one condition value? */

static cig_tri_t
cig_value_matches(const cig_eval_t *e, const cig_cond_t *cond,
    const cig_cval_t *cv, cig_str_t v)
{
    cig_seg_t    segs[CIG_MAX_SEGS];
    char         buf[512];
    size_t       n, len;
    double       a;
    cig_cval_t   tmp;
    int          x;

    if (!cig_template_resolve(cv->t, e, segs, &n)) {
        return CIG_UNKNOWN;
    }

    switch (cond->op->family) {

    case CIG_OP_STRING:
    case CIG_OP_BINARY:
        return cig_lit_equal(segs, n, v.data, v.len, cond->op->icase);

    case CIG_OP_STRING_LIKE:
        return cig_glob_match(segs, n, v.data, v.len, 0);

    case CIG_OP_ARN:
        return cig_arn_match(segs, n, v.data, v.len);

    case CIG_OP_NULL:
        return CIG_NO;      /* handled by the caller */

    default:
        break;
    }

    /* values that must be parsed: constants were parsed at compile time */

    if (cv->constant) {
        tmp = *cv;

    } else {
        len = cig_segs_flatten(segs, n, buf, sizeof(buf));
        if (len == (size_t) -1) {
            return CIG_NO;
        }

        memset(&tmp, 0, sizeof(tmp));

        switch (cond->op->family) {
        case CIG_OP_NUMERIC:
            if (!cig_parse_number(buf, len, &tmp.num)) {
                return CIG_NO;
            }
            break;
        case CIG_OP_DATE:
            if (!cig_parse_date(buf, len, &tmp.num)) {
                return CIG_NO;
            }
            break;
        case CIG_OP_IP:
            if (!cig_parse_ip(buf, len, &tmp)) {
                return CIG_NO;
            }
            break;
        case CIG_OP_BOOL:
            if (!cig_bool_text(buf, len, &x)) {
                return CIG_NO;
            }
            tmp.num = x;
            break;
        default:
            return CIG_NO;
        }
    }

    switch (cond->op->family) {

    case CIG_OP_NUMERIC:
        return cig_parse_number(v.data, v.len, &a)
               && cig_cmp(cond->op->cmp, a, tmp.num);

    case CIG_OP_DATE:
        return cig_parse_date(v.data, v.len, &a)
               && cig_cmp(cond->op->cmp, a, tmp.num);

    case CIG_OP_IP:
        return cig_ip_in(&tmp, v.data, v.len);

    case CIG_OP_BOOL:
        return cig_bool_text(v.data, v.len, &x) && x == tmp.num;

    default:
        return CIG_NO;
    }
}


/* One request value against all condition values of one key. */

static cig_tri_t
cig_value_cond(const cig_eval_t *e, const cig_cond_t *cond, cig_str_t v)
{
    size_t     i;
    cig_tri_t  r, unknown;

    unknown = CIG_NO;

    for (i = 0; i < cond->nvalues; i++) {
        r = cig_value_matches(e, cond, &cond->values[i], v);

        if (r == CIG_YES) {
            /* positive: some value matches; negated: none may */
            return cond->op->negated ? CIG_NO : CIG_YES;
        }

        if (r == CIG_UNKNOWN) {
            unknown = CIG_UNKNOWN;
        }
    }

    if (cond->op->negated) {
        /* no value matched, but a missing variable might have */
        return unknown == CIG_UNKNOWN ? CIG_UNKNOWN : CIG_YES;
    }

    return CIG_NO;
}


static cig_tri_t
cig_cond_eval(const cig_eval_t *e, const cig_cond_t *cond)
{
    cig_str_t  vals[CIG_MAX_VALUES];
    size_t     n, i;
    int        present;
    cig_tri_t  r, acc;

    present = cig_key_values(e, &cond->key, vals, CIG_MAX_VALUES, &n)
              && n > 0;

    if (cond->op->family == CIG_OP_NULL) {
        /* "Null": {"key": "true"} holds when the key is absent */
        for (i = 0; i < cond->nvalues; i++) {
            if ((cond->values[i].num != 0) == !present) {
                return CIG_YES;
            }
        }

        return CIG_NO;
    }

    if (!present) {
        if (cond->all) {
            return CIG_YES;
        }

        if (cond->any) {
            return CIG_NO;
        }

        if (cond->if_exists) {
            return CIG_YES;
        }

        /* IAM: an absent key matches only the negated operators */
        return cond->op->negated ? CIG_YES : CIG_NO;
    }

    if (cond->all) {
        acc = CIG_YES;

        for (i = 0; i < n; i++) {
            r = cig_value_cond(e, cond, vals[i]);
            if (r == CIG_NO) {
                return CIG_NO;
            }
            if (r == CIG_UNKNOWN) {
                acc = CIG_UNKNOWN;
            }
        }

        return acc;
    }

    /*
     * ForAnyValue, and a plain operator: a positive operator holds when some
     * value matches; a negated one when no value fails it.
     */

    if (cond->any || !cond->op->negated) {
        acc = CIG_NO;

        for (i = 0; i < n; i++) {
            r = cig_value_cond(e, cond, vals[i]);
            if (r == CIG_YES) {
                return CIG_YES;
            }
            if (r == CIG_UNKNOWN) {
                acc = CIG_UNKNOWN;
            }
        }

        return acc;
    }

    acc = CIG_YES;

    for (i = 0; i < n; i++) {
        r = cig_value_cond(e, cond, vals[i]);
        if (r == CIG_NO) {
            return CIG_NO;
        }
        if (r == CIG_UNKNOWN) {
            acc = CIG_UNKNOWN;
        }
    }

    return acc;
}


static cig_tri_t
cig_resource_matches(const cig_eval_t *e, const cig_template_t *t,
    cig_str_t resource)
{
    cig_seg_t  segs[CIG_MAX_SEGS];
    size_t     n;

    if (!cig_template_resolve(t, e, segs, &n)) {
        return CIG_UNKNOWN;
    }

    return cig_glob_match(segs, n, resource.data, resource.len, 0)
           ? CIG_YES : CIG_NO;
}


/*
 * Whether a statement applies.  A missing variable makes a positive element
 * (Resource, a positive condition value) not match, as IAM does; where it
 * would make a negated element (NotResource, StringNotEquals) match, the
 * outcome is unknown, and unknown counts as "applies" for a Deny and "does
 * not apply" for an Allow: a missing variable never widens an Allow.
 */

static int
cig_statement_applies(const cig_eval_t *e, const cig_stmt_t *st,
    const char *action, size_t action_len, const char **why)
{
    cig_tri_t  r, acc;
    size_t     i;
    int        matched;

    *why = NULL;

    matched = 0;

    for (i = 0; i < st->nactions; i++) {
        if (cig_glob_match(st->actions[i]->segs, st->actions[i]->nsegs,
                           action, action_len, 0))
        {
            matched = 1;
            break;
        }
    }

    if (matched == st->not_action) {
        *why = st->not_action ? "the action is excluded by NotAction"
                              : "the action does not match";
        return 0;
    }

    acc = CIG_NO;

    for (i = 0; i < st->nresources; i++) {
        r = cig_resource_matches(e, st->resources[i], e->req->resource);

        if (r == CIG_YES) {
            acc = CIG_YES;
            break;
        }

        if (r == CIG_UNKNOWN) {
            acc = st->not_resource ? CIG_UNKNOWN : acc;
        }
    }

    if (st->not_resource) {
        acc = acc == CIG_YES ? CIG_NO : acc == CIG_UNKNOWN ? CIG_UNKNOWN
                                                           : CIG_YES;
    }

    if (acc == CIG_NO) {
        *why = st->not_resource ? "the resource is excluded by NotResource"
                                : "the resource does not match";
    }

    for (i = 0; i < st->nconds && acc != CIG_NO; i++) {
        r = cig_cond_eval(e, &st->conds[i]);

        if (r == CIG_NO) {
            acc = CIG_NO;
            *why = st->conds[i].op->name;

        } else if (r == CIG_UNKNOWN) {
            acc = CIG_UNKNOWN;
        }
    }

    if (acc == CIG_UNKNOWN) {
        if (!st->deny) {
            *why = "a policy variable has no value";
        }
        return st->deny;
    }

    return acc == CIG_YES;
}


static void
cig_trace_statement(const cig_eval_t *e, const cig_stmt_t *st, size_t i,
    size_t j, int applies, const char *why)
{
    cig_trace_t  t;
    cig_seg_t    segs[CIG_MAX_SEGS];
    size_t       k, n, off, len;

    memset(&t, 0, sizeof(t));
    t.policy = i;
    t.statement = j;
    t.sid = st->sid;
    t.deny = st->deny;
    t.applies = applies;
    t.why = why;

    off = 0;

    for (k = 0; k < st->nresources && off + 4 < sizeof(t.resources); k++) {
        if (k > 0) {
            memcpy(t.resources + off, ", ", 2);
            off += 2;
        }

        if (cig_template_resolve(st->resources[k], e, segs, &n)) {
            len = cig_segs_flatten(segs, n, t.resources + off,
                                   sizeof(t.resources) - off - 1);
        } else {
            len = (size_t) -1;
        }

        if (len == (size_t) -1) {
            len = snprintf(t.resources + off, sizeof(t.resources) - off,
                           "(unresolved: %.*s)",
                           (int) st->resources[k]->raw.len,
                           st->resources[k]->raw.data);
            len = len < sizeof(t.resources) - off
                  ? len : sizeof(t.resources) - off - 1;
        }

        off += len;
    }

    t.resources[off] = '\0';

    e->req->trace(e->req->trace_ctx, &t);
}


cig_decision_t
cig_policy_evaluate(cig_policy_t *const *policies, size_t n,
    const cig_request_t *req, cig_verdict_t *verdict)
{
    cig_eval_t         e;
    const cig_stmt_t  *st;
    char               action[256];
    size_t             i, j, len;
    int                allowed, applies;
    const char        *why;

    memset(verdict, 0, sizeof(cig_verdict_t));
    verdict->decision = CIG_DENY_DEFAULT;

    if (req->action.len == 0 || req->action.len >= sizeof(action)) {
        return CIG_DENY_DEFAULT;
    }

    /* action names are compared without regard to case */

    len = req->action.len;

    for (i = 0; i < len; i++) {
        char  c = req->action.data[i];
        action[i] = (c >= 'A' && c <= 'Z') ? c + 32 : c;
    }

    cig_eval_init(&e, req);
    allowed = 0;

    for (i = 0; i < n; i++) {
        for (j = 0; j < policies[i]->nstmts; j++) {
            st = &policies[i]->stmts[j];

            applies = cig_statement_applies(&e, st, action, len, &why);

            if (req->trace) {
                cig_trace_statement(&e, st, i, j, applies, why);
            }

            if (!applies) {
                continue;
            }

            if (st->deny) {
                verdict->decision = CIG_DENY_EXPLICIT;
                verdict->policy = i;
                verdict->statement = j;
                verdict->sid = st->sid;
                return CIG_DENY_EXPLICIT;
            }

            if (!allowed) {
                allowed = 1;
                verdict->decision = CIG_ALLOW;
                verdict->policy = i;
                verdict->statement = j;
                verdict->sid = st->sid;
            }
        }
    }

    return verdict->decision;
}


/*
 * The decision for a mapped request: every check must be allowed, and an
 * explicit deny of any check decides, as in IAM.  The verdict reported is
 * the main action's (checks[0]) when all allow, else that of the first
 * explicitly denied check, else of the first refused one; err explains a
 * refusal for the log.
 */

cig_decision_t
cig_policy_decide(cig_policy_t *const *policies, size_t n, cig_str_t role,
    const cig_mapped_t *mapped, cig_request_t *req, cig_verdict_t *verdict,
    cig_err_t *err)
{
    size_t          i, refused;
    cig_verdict_t   v;
    cig_decision_t  d, result;

    if (mapped->body) {
        /* the checks are in the body: cig_s3_delete_decide() */
        verdict->decision = CIG_DENY_DEFAULT;
        cig_err_set(err, CIG_ERR_FORBIDDEN, "the decision needs the request "
                    "body, which was not read");
        return CIG_DENY_DEFAULT;
    }

    req->keys = mapped->keys;
    req->nkeys = mapped->nkeys;

    result = CIG_ALLOW;
    refused = 0;

    for (i = 0; i < mapped->nchecks; i++) {
        req->action = mapped->checks[i].action;
        req->resource = mapped->checks[i].resource;

        d = cig_policy_evaluate(policies, n, req, i == 0 ? verdict : &v);

        if (d == CIG_ALLOW || result == CIG_DENY_EXPLICIT
            || (d == CIG_DENY_DEFAULT && result == CIG_DENY_DEFAULT))
        {
            continue;
        }

        if (i > 0) {
            *verdict = v;
        }

        result = d;
        refused = i;
    }

    if (result == CIG_ALLOW) {
        return CIG_ALLOW;
    }

    req->action = mapped->checks[refused].action;
    req->resource = mapped->checks[refused].resource;

    if (result == CIG_DENY_EXPLICIT) {
        cig_err_set(err, CIG_ERR_FORBIDDEN, "%.*s on %.*s denied by "
                    "statement %zu%s%.*s%s of the policies of %.*s",
                    (int) req->action.len, req->action.data,
                    (int) (req->resource.len < 200
                           ? req->resource.len : 200),
                    req->resource.data, verdict->statement,
                    verdict->sid.len ? " (" : "",
                    (int) (verdict->sid.len < 32 ? verdict->sid.len : 32),
                    verdict->sid.data,
                    verdict->sid.len ? ")" : "",
                    (int) role.len, role.data);

    } else {
        cig_err_set(err, CIG_ERR_FORBIDDEN, "no statement of the %zu "
                    "policies of %.*s allows %.*s on %.*s", n,
                    (int) role.len, role.data,
                    (int) req->action.len, req->action.data,
                    (int) (req->resource.len < 200
                           ? req->resource.len : 200),
                    req->resource.data);
    }

    return result;
}
