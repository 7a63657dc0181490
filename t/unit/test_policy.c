/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * IAM policies, policy variables and request mapping.
 *
 * First the decision cases of every t/decisions/ file (shared with the nginx
 * tests; format in t/decisions/README.md): each case's identity is built by
 * hand from its claims, its request decoded and mapped as a connector does,
 * and every check evaluated against the listed policies.  Then unit tests of
 * the pieces: compile errors and warnings, wildcard matching, path decoding,
 * the S3 operation table, policy sets and templates.
 */

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>

#include "unit.h"
#include "cig_internal.h"


#define S(lit)  lit, sizeof(lit) - 1

/* two fixed clocks: a decision may not depend on which one */
#define NOW1    1750000000      /* 2025-06-15 */
#define NOW2    2208988800      /* 2040-01-01 */

#define POOL    "eu-west-1:b45b9729-c269-4ef2-86f1-0df3e40fe92d"
#define ALICE   "eu-west-1:7f3e2a10-4b5c-4d6e-8f90-a1b2c3d4e5f6"
#define BOB     "eu-west-1:0c9d8e7f-6a5b-4c3d-9e2f-1a0b9c8d7e6f"

#define MAX_POLICIES  8


typedef struct {
    cig_arena_t      *arena;
    cig_allocator_t   a;
    cig_err_t         err;
} pol_ctx_t;


static void
pol_begin(pol_ctx_t *ctx)
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
pol_end(pol_ctx_t *ctx)
{
    cig_arena_destroy(ctx->arena);
    ctx->arena = NULL;
}


static cig_str_t
pol_str(const char *s)
{
    cig_str_t  r;

    r.data = s;
    r.len = strlen(s);

    return r;
}


/* Warnings, collected one after the other. */

typedef struct {
    char      text[4096];
    size_t    len;
    unsigned  n;
} pol_warns_t;


static void
pol_warn(void *ctx, const char *msg)
{
    pol_warns_t  *w = ctx;
    int           n;

    n = snprintf(w->text + w->len, sizeof(w->text) - w->len, "%s\n", msg);
    if (n > 0) {
        w->len += (size_t) n;
        if (w->len >= sizeof(w->text)) {
            w->len = sizeof(w->text) - 1;
        }
    }

    w->n++;
}


/* ---------------------------------------------------------------------- */
/* Decision cases */

typedef struct {
    const char     *file;
    cig_policy_t   *policies[MAX_POLICIES];
    size_t          offsets[MAX_POLICIES];  /* index of each first stmt */
    size_t          npolicies;
    int             execute_api;
    cig_str_t       bucket;
    cig_str_t       arn_prefix;
} dec_file_t;


static const char *
dec_result_name(int r)
{
    switch (r) {
    case CIG_ALLOW:          return "allow";
    case CIG_DENY_DEFAULT:   return "deny";
    case CIG_DENY_EXPLICIT:  return "explicit-deny";
    case -1:                 return "bad-request";
    case -2:                 return "refused";
    default:                 return "error";
    }
}


/* A JSON string member as cig_str_t; 0 when absent or not a string. */

static int
dec_string(const cig_json_t *obj, const char *name, cig_str_t *out)
{
    const cig_json_t  *j;

    j = cig_json_get(obj, name);

    if (j == NULL || j->type != CIG_JSON_STRING) {
        return 0;
    }

    *out = j->str;

    return 1;
}


/* The identity a verified token with these claims would give. */

static int
dec_identity(const cig_json_t *claims, cig_identity_t *id, char *why,
    size_t size)
{
    const cig_json_t  *amr, *e;

    memset(id, 0, sizeof(cig_identity_t));

    if (claims == NULL || claims->type != CIG_JSON_OBJECT) {
        snprintf(why, size, "claims is not an object");
        return 0;
    }

    if (!dec_string(claims, "sub", &id->sub)
        || !cig_identity_id_valid(id->sub.data, id->sub.len))
    {
        snprintf(why, size, "sub is not an identity id");
        return 0;
    }

    if (!dec_string(claims, "aud", &id->aud) || !cig_str_is(id->aud, POOL)) {
        snprintf(why, size, "aud is not " POOL);
        return 0;
    }

    amr = cig_json_get(claims, "amr");

    if (amr == NULL || amr->type != CIG_JSON_ARRAY || amr->count == 0
        || amr->count > CIG_MAX_AMR)
    {
        snprintf(why, size, "amr is not a list of 1 to %d strings",
                 CIG_MAX_AMR);
        return 0;
    }

    for (e = amr->child; e; e = e->next) {
        if (e->type != CIG_JSON_STRING) {
            snprintf(why, size, "amr holds a non-string");
            return 0;
        }
        id->amr[id->namr++] = e->str;
    }

    if (cig_str_is(id->amr[0], "authenticated")) {
        id->authenticated = 1;
        if (id->namr > 1) {
            id->provider = id->amr[1];
        }

    } else if (!(cig_str_is(id->amr[0], "unauthenticated")
                 && id->namr == 1))
    {
        snprintf(why, size, "amr is neither a guest's nor authenticated");
        return 0;
    }

    id->iss.data = CIG_AWS_ISSUER;
    id->iss.len = sizeof(CIG_AWS_ISSUER) - 1;
    id->claims = claims;

    return 1;
}


/*
 * Runs one case: returns the combined result (a cig_decision_t, -1 for a
 * bad request, -2 for a refused operation, -3 for another error) and the
 * global index of the deciding statement.
 */

static int
dec_run(const dec_file_t *f, const cig_json_t *c, const cig_identity_t *id,
    int64_t now, size_t *statement, pol_ctx_t *ctx)
{
    const cig_json_t  *headers, *h, *secure;
    cig_http_t         http;
    cig_mapped_t       m;
    cig_request_t      req;
    cig_verdict_t      v;
    cig_decision_t     d;
    cig_code_t         rc;
    cig_str_t          raw;
    size_t             i, n;
    int                result, found;
    char              *target_raw;
    cig_target_t       target;

    memset(&http, 0, sizeof(cig_http_t));

    dec_string(c, "method", &http.method);
    dec_string(c, "path", &raw);
    http.query.data = "";
    dec_string(c, "query", &http.query);

    dec_string(c, "tls_version", &http.tls_version);

    headers = cig_json_get(c, "headers");
    rc = CIG_OK;

    for (h = headers ? headers->child : NULL; h && rc == CIG_OK; h = h->next) {
        rc = cig_s3_header(&http, h->key.data, h->key.len, h->str.data,
                           h->str.len, &ctx->err);
    }

    /* the target read once, as the servers read it */

    target_raw = ctx->a.alloc(ctx->a.ctx, raw.len + 1 + http.query.len + 1);
    if (target_raw == NULL) {
        printf("Bail out! out of memory\n");
        exit(255);
    }

    memcpy(target_raw, raw.data, raw.len);
    n = raw.len;

    if (http.query.len > 0) {
        target_raw[n++] = '?';
        memcpy(target_raw + n, http.query.data, http.query.len);
        n += http.query.len;
    }

    if (rc == CIG_OK) {
        rc = cig_target_read(target_raw, n, &ctx->a, &target, &ctx->err);
        http.path = target.path;
        http.query = target.query;
    }

    if (rc == CIG_OK) {
        rc = f->execute_api
             ? cig_map_execute_api(&http, f->arn_prefix, &ctx->a, &m,
                                   &ctx->err)
             : cig_map_s3(&http, f->bucket, &ctx->a, &m, &ctx->err);
    }

    if (rc == CIG_OK && m.body) {
        /* multi-object delete: the keys of the case's body */
        cig_str_t  body = pol_str("");

        dec_string(c, "body", &body);
        memset(&req, 0, sizeof(cig_request_t));
        req.id = id;
        req.now = now;
        req.source_ip = pol_str("127.0.0.1");

        rc = cig_s3_delete_decide(f->policies, f->npolicies,
                                  pol_str("role"), &m, body.data, body.len,
                                  &ctx->a, &req, &v, &ctx->err);

        if (rc == CIG_OK || rc == CIG_ERR_FORBIDDEN) {
            *statement = v.decision == CIG_DENY_DEFAULT
                         ? (size_t) -1 : f->offsets[v.policy] + v.statement;
            return rc == CIG_OK ? CIG_ALLOW : (int) v.decision;
        }
    }

    if (rc == CIG_ERR_BAD_REQUEST) {
        return -1;
    }

    if (rc == CIG_ERR_FORBIDDEN) {
        return -2;
    }

    if (rc != CIG_OK) {
        return -3;
    }

    memset(&req, 0, sizeof(cig_request_t));
    req.id = id;
    req.now = now;
    req.keys = m.keys;
    req.nkeys = m.nkeys;
    req.source_ip = pol_str("127.0.0.1");
    dec_string(c, "source_ip", &req.source_ip);

    secure = cig_json_get(c, "secure");
    req.secure = secure != NULL && secure->type == CIG_JSON_TRUE;

    /*
     * Every check must allow; an explicit deny of any check decides,
     * otherwise a default deny; the deciding check is the first whose
     * result is the combined one.
     */

    result = CIG_ALLOW;

    for (i = 0; i < m.nchecks; i++) {
        req.action = m.checks[i].action;
        req.resource = m.checks[i].resource;

        d = cig_policy_evaluate(f->policies, f->npolicies, &req, &v);

        if (d != v.decision) {
            return -3;
        }

        if (d == CIG_DENY_EXPLICIT
            || (d == CIG_DENY_DEFAULT && result == CIG_ALLOW))
        {
            result = d;
        }
    }

    found = 0;

    for (i = 0; i < m.nchecks && !found; i++) {
        req.action = m.checks[i].action;
        req.resource = m.checks[i].resource;

        d = cig_policy_evaluate(f->policies, f->npolicies, &req, &v);

        if ((int) d == result) {
            found = 1;
            *statement = d == CIG_DENY_DEFAULT
                         ? (size_t) -1 : f->offsets[v.policy] + v.statement;
        }
    }

    return result;
}


static void
dec_case(const dec_file_t *f, const cig_json_t *c, size_t index)
{
    static const char *const  allowed[] = {
        "name", "claims", "method", "path", "query", "headers", "source_ip",
        "secure", "tls_version", "expect", "statement", "body", NULL
    };
    static const char *const  expects[] = {
        "allow", "deny", "explicit-deny", "bad-request", "refused", NULL
    };
    const cig_json_t  *expect, *stmt, *h;
    cig_identity_t     id;
    pol_ctx_t          ctx;
    cig_str_t          name, s;
    char               label[256], why[CIG_ERR_MSG_LEN + 64];
    size_t             got_stmt, got_stmt2, want_stmt;
    int                got, got2, want, has_stmt, ok;
    unsigned           k;

    pol_begin(&ctx);

    if (!dec_string(c, "name", &name)) {
        name = pol_str("(unnamed)");
    }

    snprintf(label, sizeof(label), "%s [%zu] %.*s", f->file, index,
             (int) (name.len > 160 ? 160 : name.len), name.data);

    /* the case itself must be well-formed */

    why[0] = '\0';

    if (!cig_json_members_check(c, allowed, "case", &ctx.err)) {
        snprintf(why, sizeof(why), "%s", ctx.err.msg);

    } else if (!dec_string(c, "method", &s) || s.len == 0
               || !dec_string(c, "path", &s))
    {
        snprintf(why, sizeof(why), "method and path are required strings");

    } else if (cig_json_get(c, "query") && !dec_string(c, "query", &s)) {
        snprintf(why, sizeof(why), "query is not a string");

    } else if (cig_json_get(c, "source_ip")
               && !dec_string(c, "source_ip", &s))
    {
        snprintf(why, sizeof(why), "source_ip is not a string");

    } else if (cig_json_get(c, "secure")
               && cig_json_get(c, "secure")->type != CIG_JSON_TRUE
               && cig_json_get(c, "secure")->type != CIG_JSON_FALSE)
    {
        snprintf(why, sizeof(why), "secure is not a boolean");

    } else if (cig_json_get(c, "tls_version")
               && (!dec_string(c, "tls_version", &s)
                   || cig_json_get(c, "secure") == NULL
                   || cig_json_get(c, "secure")->type != CIG_JSON_TRUE))
    {
        snprintf(why, sizeof(why), "tls_version is not a string with "
                 "\"secure\": true");

    } else if ((h = cig_json_get(c, "headers")) != NULL
               && h->type != CIG_JSON_OBJECT)
    {
        snprintf(why, sizeof(why), "headers is not an object");
    }

    for (h = cig_json_get(c, "headers"); why[0] == '\0' && h; h = NULL) {
        const cig_json_t  *m;

        for (m = h->child; m; m = m->next) {
            if (m->type != CIG_JSON_STRING) {
                snprintf(why, sizeof(why), "header values must be strings");

            } else if (m->key.len < sizeof("x-amz-") - 1
                       || strncasecmp(m->key.data, "x-amz-",
                                      sizeof("x-amz-") - 1) != 0)
            {
                snprintf(why, sizeof(why), "header \"%.*s\" is not "
                         "x-amz-*", (int) (m->key.len > 64 ? 64
                                           : m->key.len), m->key.data);
            }
        }
    }

    expect = cig_json_get(c, "expect");
    want = -3;

    if (why[0] == '\0') {
        if (expect == NULL || expect->type != CIG_JSON_STRING) {
            snprintf(why, sizeof(why), "expect is missing");

        } else {
            for (k = 0; expects[k]; k++) {
                if (strlen(expects[k]) == expect->str.len
                    && memcmp(expects[k], expect->str.data,
                              expect->str.len) == 0)
                {
                    break;
                }
            }

            if (expects[k] == NULL) {
                snprintf(why, sizeof(why), "unknown expect \"%.*s\"",
                         (int) expect->str.len, expect->str.data);
            }

            want = k == 0 ? CIG_ALLOW : k == 1 ? CIG_DENY_DEFAULT
                   : k == 2 ? CIG_DENY_EXPLICIT : k == 3 ? -1 : -2;
        }
    }

    stmt = cig_json_get(c, "statement");
    has_stmt = stmt != NULL;
    want_stmt = 0;

    if (why[0] == '\0' && has_stmt) {
        if (stmt->type != CIG_JSON_NUMBER || stmt->num < 0
            || stmt->num != (double) (size_t) stmt->num)
        {
            snprintf(why, sizeof(why), "statement is not an index");

        } else if (want != CIG_ALLOW && want != CIG_DENY_EXPLICIT) {
            snprintf(why, sizeof(why), "statement with expect \"%s\"",
                     dec_result_name(want));
        }

        want_stmt = (size_t) stmt->num;
    }

    if (why[0] == '\0'
        && !dec_identity(cig_json_get(c, "claims"), &id, why, sizeof(why)))
    {
        /* why is set */
    }

    if (why[0] != '\0') {
        tap_ok(0, "%s", label);
        tap_diag("malformed case: %s", why);
        pol_end(&ctx);
        return;
    }

    got_stmt = got_stmt2 = (size_t) -1;
    got = dec_run(f, c, &id, NOW1, &got_stmt, &ctx);
    got2 = dec_run(f, c, &id, NOW2, &got_stmt2, &ctx);

    ok = got == want && got2 == got && got_stmt2 == got_stmt
         && (!has_stmt || got_stmt == want_stmt);

    /* a single check that allows or denies explicitly names its statement */

    if (ok && !has_stmt && (want == CIG_ALLOW || want == CIG_DENY_EXPLICIT)
        && cig_json_get(c, "headers") == NULL)
    {
        tap_ok(0, "%s", label);
        tap_diag("malformed case: \"statement\" is missing");
        pol_end(&ctx);
        return;
    }

    if (!tap_ok(ok, "%s", label)) {
        tap_diag("expected %s%s, got %s", dec_result_name(want),
                 has_stmt ? " (statement given)" : "", dec_result_name(got));
        if (has_stmt) {
            tap_diag("statement: expected %zu, got %zd", want_stmt,
                     (ssize_t) got_stmt);
        }
        if (got2 != got || got_stmt2 != got_stmt) {
            tap_diag("the result changes with the clock: %s at %lld, %s "
                     "at %lld", dec_result_name(got), (long long) NOW1,
                     dec_result_name(got2), (long long) NOW2);
        }
        if (got < 0) {
            tap_diag("reason: %s", ctx.err.msg);
        }
    }

    pol_end(&ctx);
}


static void
dec_file(const char *name)
{
    static const char *const  allowed[] = {
        "description", "policies", "mode", "bucket", "arn_prefix", "cases",
        NULL
    };
    const cig_json_t  *root, *policies, *cases, *p, *c;
    pol_warns_t        warns;
    dec_file_t         f;
    pol_ctx_t          ctx;
    cig_str_t          mode, descr;
    char               path[4096];
    char              *text;
    size_t             len, i, total;

    memset(&f, 0, sizeof(dec_file_t));
    f.file = name;
    pol_begin(&ctx);

    snprintf(path, sizeof(path), "%s/t/decisions/%s", unit_root, name);

    text = cig_file_read(path, &len, &ctx.err);

    if (text == NULL) {
        tap_ok(0, "%s: read", name);
        tap_diag("%s", ctx.err.msg);
        pol_end(&ctx);
        return;
    }

    root = cig_json_parse(text, len, CIG_MAX_JSON_DEPTH, &ctx.a, &ctx.err);

    if (!tap_ok(root != NULL && cig_json_members_check(root, allowed, name,
                                                       &ctx.err),
                "%s: parses", name))
    {
        tap_diag("%s", ctx.err.msg);
        goto done;
    }

    policies = cig_json_get(root, "policies");
    cases = cig_json_get(root, "cases");

    if (!dec_string(root, "mode", &mode)
        || !(cig_str_is(mode, "s3") || cig_str_is(mode, "execute-api"))
        || !dec_string(root, "description", &descr)
        || policies == NULL || policies->type != CIG_JSON_ARRAY
        || policies->count == 0 || policies->count > MAX_POLICIES
        || cases == NULL || cases->type != CIG_JSON_ARRAY)
    {
        tap_ok(0, "%s: has description, mode, policies and cases", name);
        goto done;
    }

    f.execute_api = cig_str_is(mode, "execute-api");

    if (cig_json_get(root, "bucket") && !dec_string(root, "bucket", &f.bucket))
    {
        tap_ok(0, "%s: bucket is a string", name);
        goto done;
    }

    if (f.execute_api != (dec_string(root, "arn_prefix", &f.arn_prefix)))
    {
        tap_ok(0, "%s: arn_prefix is given exactly in execute-api mode",
               name);
        goto done;
    }

    if (f.execute_api
        && cig_execute_api_prefix_check(f.arn_prefix, &ctx.err) != CIG_OK)
    {
        tap_ok(0, "%s: arn_prefix: %s", name, ctx.err.msg);
        goto done;
    }

    total = 0;

    for (p = policies->child, i = 0; p; p = p->next, i++) {
        memset(&warns, 0, sizeof(pol_warns_t));

        if (p->type != CIG_JSON_STRING) {
            tap_ok(0, "%s: policies are file names", name);
            goto done;
        }

        snprintf(path, sizeof(path), "%s/%.*s", unit_root, (int) p->str.len,
                 p->str.data);

        f.policies[i] = cig_policy_from_file(path, pol_warn, &warns,
                                             &ctx.err);

        if (!tap_ok(f.policies[i] != NULL, "%s: policy %.*s compiles", name,
                    (int) p->str.len, p->str.data))
        {
            tap_diag("%s", ctx.err.msg);
            goto done;
        }

        f.npolicies = i + 1;
        f.offsets[i] = total;
        total += cig_policy_statements(f.policies[i]);

        if (warns.n > 0) {
            /* without the last newline */
            tap_note("%.*s: %u warning(s):\n%.*s", (int) p->str.len,
                     p->str.data, warns.n, (int) warns.len - 1, warns.text);
        }
    }

    for (c = cases->child, i = 0; c; c = c->next, i++) {
        if (c->type != CIG_JSON_OBJECT) {
            tap_ok(0, "%s #%zu: is an object", name, i);
            continue;
        }

        dec_case(&f, c, i);
    }

    tap_ok(cases->count > 0, "%s: %zu cases", name, cases->count);

done:

    for (i = 0; i < f.npolicies; i++) {
        cig_policy_free(f.policies[i]);
    }

    free(text);
    pol_end(&ctx);
}


static int
dec_name_cmp(const void *one, const void *two)
{
    return strcmp(*(char *const *) one, *(char *const *) two);
}


static void
pol_decisions(void)
{
    DIR            *dir;
    struct dirent  *de;
    char           *names[256];
    char            path[4096];
    size_t          n, i, len;

    snprintf(path, sizeof(path), "%s/t/decisions", unit_root);

    dir = opendir(path);

    if (!tap_ok(dir != NULL, "t/decisions/ opens")) {
        return;
    }

    n = 0;

    while ((de = readdir(dir)) != NULL && n < UNIT_NELTS(names)) {
        len = strlen(de->d_name);

        if (len > 5 && strcmp(de->d_name + len - 5, ".json") == 0
            && de->d_name[0] != '.')
        {
            names[n] = strdup(de->d_name);
            if (names[n] == NULL) {
                printf("Bail out! out of memory\n");
                exit(255);
            }
            n++;
        }
    }

    closedir(dir);

    qsort(names, n, sizeof(char *), dec_name_cmp);

    tap_ok(n > 0, "t/decisions/ holds %zu case files", n);

    for (i = 0; i < n; i++) {
        dec_file(names[i]);
        free(names[i]);
    }
}


/* ---------------------------------------------------------------------- */
/* Compile errors and warnings */

static void
pol_compile_errors(void)
{
#define STMT(body)  "{\"Version\":\"2012-10-17\",\"Statement\":[" body "]}"
#define ALLOW(rest) STMT("{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\"," \
                         rest "}")
#define RES         "\"Resource\":\"arn:aws:s3:::b/*\""
#define COND(c)     ALLOW(RES ",\"Condition\":" c)
#define STARS8      "********"
#define STARS64     STARS8 STARS8 STARS8 STARS8 STARS8 STARS8 STARS8 STARS8

    static const struct {
        const char  *name;
        const char  *json;
        const char  *msg;
    } bad[] = {
        { "not JSON", "Version: 2012-10-17", "invalid JSON" },
        { "empty text", "", "invalid JSON" },
        { "trailing garbage", STMT("") "x", "invalid JSON" },
        { "duplicate keys",
          "{\"Version\":\"2012-10-17\",\"Version\":\"2012-10-17\","
          "\"Statement\":[]}", "duplicate member name" },
        { "duplicate keys in a statement",
          STMT("{\"Effect\":\"Allow\",\"Effect\":\"Deny\",\"Action\":"
               "\"s3:*\",\"Resource\":\"*\"}"), "duplicate member name" },
        { "not an object", "[]", "policy: not an object" },
        { "bad Version", "{\"Version\":\"2012-10-18\",\"Statement\":{}}",
          "Version must be \"2012-10-17\" or \"2008-10-17\"" },
        { "Version not a string", "{\"Version\":2012,\"Statement\":{}}",
          "Version must be" },
        { "unknown top-level key",
          "{\"Version\":\"2012-10-17\",\"Statements\":[]}",
          "policy: unknown field \"Statements\"" },
        { "no Statement", "{\"Version\":\"2012-10-17\"}",
          "Statement must be a statement or a non-empty list" },
        { "empty Statement", STMT(""), "Statement must be" },
        { "Statement a string",
          "{\"Version\":\"2012-10-17\",\"Statement\":\"x\"}",
          "Statement must be" },
        { "statement not an object", STMT("1"), "statement 0: not an object" },
        { "missing Effect",
          STMT("{\"Action\":\"s3:*\",\"Resource\":\"*\"}"),
          "statement 0: Effect must be \"Allow\" or \"Deny\"" },
        { "Effect in lower case",
          STMT("{\"Effect\":\"allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"}"),
          "Effect must be" },
        { "the second statement is named",
          STMT("{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"},"
               "{\"Effect\":\"Allow\",\"Resource\":\"*\"}"),
          "statement 1: exactly one of Action and NotAction" },
        { "both Action and NotAction",
          ALLOW("\"NotAction\":\"s3:PutObject\"," RES),
          "exactly one of Action and NotAction is required" },
        { "neither Action nor NotAction",
          STMT("{\"Effect\":\"Allow\"," RES "}"),
          "exactly one of Action and NotAction is required" },
        { "both Resource and NotResource",
          ALLOW(RES ",\"NotResource\":\"*\""),
          "exactly one of Resource and NotResource is required" },
        { "neither Resource nor NotResource", ALLOW("\"Sid\":\"x\""),
          "exactly one of Resource and NotResource is required" },
        { "Principal", ALLOW(RES ",\"Principal\":\"*\""),
          "Principal has no place in a role's identity policy" },
        { "NotPrincipal", ALLOW(RES ",\"NotPrincipal\":{\"AWS\":\"x\"}"),
          "Principal has no place" },
        { "unknown statement key", ALLOW(RES ",\"Actions\":\"s3:*\""),
          "statement 0: unknown field \"Actions\"" },
        { "Sid not a string", ALLOW(RES ",\"Sid\":1"),
          "Sid is not a string" },
        { "Action a number",
          STMT("{\"Effect\":\"Allow\",\"Action\":1," RES "}"),
          "Action must be a string or a non-empty list of strings" },
        { "Action an empty list",
          STMT("{\"Effect\":\"Allow\",\"Action\":[]," RES "}"),
          "Action must be a string or a non-empty list" },
        { "Action an empty string",
          STMT("{\"Effect\":\"Allow\",\"Action\":[\"s3:*\",\"\"]," RES "}"),
          "Action must be non-empty strings" },
        { "action without ':'",
          STMT("{\"Effect\":\"Allow\",\"Action\":\"s3GetObject\"," RES "}"),
          "action \"s3GetObject\" is not \"service:Action\"" },
        { "action starting with ':'",
          STMT("{\"Effect\":\"Allow\",\"Action\":\":GetObject\"," RES "}"),
          "is not \"service:Action\"" },
        { "NotAction without ':'",
          STMT("{\"Effect\":\"Deny\",\"NotAction\":[\"s3:*\",\"iam\"]," RES
               "}"),
          "action \"iam\" is not \"service:Action\"" },
        { "variable in an action",
          STMT("{\"Effect\":\"Allow\",\"Action\":\"s3:${aws:PrincipalTag/a}\","
               RES "}"),
          "actions take no policy variables" },
        { "resource not an ARN", ALLOW("\"Resource\":\"mybucket/*\""),
          "resource \"mybucket/*\" is neither \"*\" nor an ARN" },
        { "NotResource not an ARN",
          ALLOW("\"NotResource\":[\"arn:aws:s3:::b\",\"b/*\"]"),
          "resource \"b/*\" is neither" },
        { "resource \"arn:\"", ALLOW("\"Resource\":\"arn:\""),
          "is neither \"*\" nor an ARN" },
        { "unterminated ${",
          ALLOW("\"Resource\":\"arn:aws:s3:::b/${cognito-identity."
                "amazonaws.com:sub/*\""),
          "unterminated \"${\"" },
        { "amr as a variable",
          ALLOW("\"Resource\":\"arn:aws:s3:::b/${cognito-identity."
                "amazonaws.com:amr}/*\""),
          "cognito-identity.amazonaws.com:amr has several values and cannot "
          "be a variable" },
        { "amr as a variable, other case",
          COND("{\"StringLike\":{\"s3:prefix\":"
               "\"${Cognito-Identity.amazonaws.com:AMR}\"}}"),
          "cannot be a variable" },
        { "empty variable", ALLOW("\"Resource\":\"arn:aws:s3:::b/${}\""),
          "empty variable" },
        { "default without quotes",
          ALLOW("\"Resource\":\"arn:aws:s3:::b/${aws:PrincipalTag/t, x}\""),
          "a default value is written ${key, 'default'}" },
        { "more than 64 wildcards",
          ALLOW("\"Resource\":\"arn:aws:s3:::b/" STARS64 "*\""),
          "more than 64 wildcards and variables" },
        { "Condition not an object", ALLOW(RES ",\"Condition\":[]"),
          "Condition is not an object" },
        { "operator without keys", COND("{\"StringEquals\":{}}"),
          "condition \"StringEquals\" must map keys to values" },
        { "operator with a list", COND("{\"StringEquals\":[\"a\"]}"),
          "must map keys to values" },
        { "unknown operator StringEquals2",
          COND("{\"StringEquals2\":{\"s3:prefix\":\"a\"}}"),
          "unknown condition operator \"StringEquals2\"" },
        { "operator in the wrong case",
          COND("{\"stringequals\":{\"s3:prefix\":\"a\"}}"),
          "unknown condition operator \"stringequals\"" },
        { "Null with IfExists",
          COND("{\"NullIfExists\":{\"s3:prefix\":\"true\"}}"),
          "unknown condition operator \"NullIfExists\"" },
        { "ForAnyValue:Null",
          COND("{\"ForAnyValue:Null\":{\"s3:prefix\":\"true\"}}"),
          "unknown condition operator \"ForAnyValue:Null\"" },
        { "bare qualifier",
          COND("{\"ForAllValues:\":{\"s3:prefix\":\"a\"}}"),
          "unknown condition operator" },
        { "IfExists twice",
          COND("{\"StringLikeIfExistsIfExists\":{\"s3:prefix\":\"a\"}}"),
          "unknown condition operator" },
        { "no values", COND("{\"StringEquals\":{\"s3:prefix\":[]}}"),
          "condition \"s3:prefix\" has no values" },
        { "object value",
          COND("{\"StringEquals\":{\"s3:prefix\":{\"a\":1}}}"),
          "values must be strings, numbers or booleans" },
        { "null value", COND("{\"StringEquals\":{\"s3:prefix\":null}}"),
          "values must be strings, numbers or booleans" },
        { "bad numeric constant",
          COND("{\"NumericLessThan\":{\"s3:max-keys\":\"ten\"}}"),
          "NumericLessThan value \"ten\" is not valid for this operator" },
        { "infinite numeric constant",
          COND("{\"NumericLessThan\":{\"s3:max-keys\":\"1e999\"}}"),
          "is not valid for this operator" },
        { "bad date constant",
          COND("{\"DateLessThan\":{\"aws:CurrentTime\":\"2020-13-01\"}}"),
          "DateLessThan value \"2020-13-01\" is not valid" },
        { "date with a bad time",
          COND("{\"DateLessThan\":{\"aws:CurrentTime\":"
               "\"2020-01-01T25:00:00Z\"}}"),
          "is not valid for this operator" },
        { "date with trailing text",
          COND("{\"DateLessThan\":{\"aws:CurrentTime\":\"2020-01-01 x\"}}"),
          "is not valid for this operator" },
        { "bad ip constant",
          COND("{\"IpAddress\":{\"aws:SourceIp\":\"300.1.1.1\"}}"),
          "IpAddress value \"300.1.1.1\" is not valid" },
        { "ip prefix too long",
          COND("{\"IpAddress\":{\"aws:SourceIp\":\"10.0.0.0/33\"}}"),
          "is not valid for this operator" },
        { "ipv6 prefix too long",
          COND("{\"NotIpAddress\":{\"aws:SourceIp\":\"::1/129\"}}"),
          "is not valid for this operator" },
        { "ip with an empty prefix",
          COND("{\"IpAddress\":{\"aws:SourceIp\":\"10.0.0.0/\"}}"),
          "is not valid for this operator" },
        { "bad bool constant",
          COND("{\"Bool\":{\"aws:SecureTransport\":\"yes\"}}"),
          "Bool value \"yes\" is not valid" },
        { "bad Null constant", COND("{\"Null\":{\"s3:prefix\":\"maybe\"}}"),
          "Null value \"maybe\" is not valid" },
        { "Null with a number", COND("{\"Null\":{\"s3:prefix\":1}}"),
          "is not valid for this operator" },
        { "empty condition key", COND("{\"StringEquals\":{\"\":\"a\"}}"),
          "bad condition key" },
    };

    pol_warns_t    warns;
    cig_policy_t  *p;
    cig_err_t      err;
    size_t         i;

    tap_note("policy compile errors");

    for (i = 0; i < UNIT_NELTS(bad); i++) {
        memset(&err, 0, sizeof(cig_err_t));
        memset(&warns, 0, sizeof(pol_warns_t));

        p = cig_policy_from_json(bad[i].json, strlen(bad[i].json), pol_warn,
                                 &warns, &err);

        tap_ok(p == NULL && err.code == CIG_ERR_CONFIG && err.msg[0] != '\0',
               "compile error: %s", bad[i].name);

        if (bad[i].msg[0] != '\0') {
            tap_like(err.msg, bad[i].msg, "compile error: %s: message",
                     bad[i].name);
        }

        cig_policy_free(p);
    }

    /* good ones, in every shape IAM takes */

    {
        static const struct {
            const char  *name;
            const char  *json;
            size_t       nstmts;
        } good[] = {
            { "one statement as an object",
              "{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\","
              "\"Action\":\"s3:*\",\"Resource\":\"*\"}}", 1 },
            { "no Version",
              "{\"Statement\":[{\"Effect\":\"Deny\",\"NotAction\":\"s3:*\","
              "\"NotResource\":\"*\"}]}", 1 },
            { "Id, Sid, lists, every operator family",
              "{\"Version\":\"2012-10-17\",\"Id\":\"x\",\"Statement\":["
              "{\"Sid\":\"1\",\"Effect\":\"Allow\",\"Action\":[\"s3:Get*\","
              "\"*\"],\"Resource\":[\"*\",\"arn:aws:s3:::b/*\"],"
              "\"Condition\":{"
              "\"StringLike\":{\"s3:prefix\":[\"a\",\"b\"]},"
              "\"NumericLessThanIfExists\":{\"s3:max-keys\":10},"
              "\"DateGreaterThan\":{\"aws:CurrentTime\":1700000000},"
              "\"Bool\":{\"aws:SecureTransport\":true},"
              "\"BinaryEquals\":{\"aws:PrincipalTag/b\":\"QmluYXJ5\"},"
              "\"IpAddress\":{\"aws:SourceIp\":[\"10.0.0.0/8\",\"::1\"]},"
              "\"ArnLike\":{\"aws:PrincipalTag/arn\":\"arn:aws:iam::*\"},"
              "\"Null\":{\"s3:delimiter\":false},"
              "\"ForAllValues:StringEqualsIgnoreCase\":"
              "{\"aws:PrincipalTag/t\":\"X\"}}},"
              "{\"Effect\":\"Deny\",\"Action\":\"s3:x\",\"Resource\":\"*\"}]}",
              2 },
        };

        for (i = 0; i < UNIT_NELTS(good); i++) {
            memset(&err, 0, sizeof(cig_err_t));
            p = cig_policy_from_json(good[i].json, strlen(good[i].json), NULL,
                                     NULL, &err);

            if (tap_ok(p != NULL, "compiles: %s", good[i].name)) {
                tap_is_int((long long) cig_policy_statements(p),
                           (long long) good[i].nstmts, "compiles: %s: "
                           "statements", good[i].name);
            } else {
                tap_diag("%s", err.msg);
            }

            cig_policy_free(p);
        }
    }

    /* files */

    {
        char  path[4096];

        memset(&err, 0, sizeof(cig_err_t));
        snprintf(path, sizeof(path), "%s/t/policies/none.json", unit_root);
        p = cig_policy_from_file(path, NULL, NULL, &err);
        tap_ok(p == NULL && err.code != CIG_OK, "a missing policy file is an "
               "error");
        cig_policy_free(p);

        snprintf(path, sizeof(path), "%s/t/policies/s3-per-user.json",
                 unit_root);
        memset(&warns, 0, sizeof(pol_warns_t));
        p = cig_policy_from_file(path, pol_warn, &warns, &err);
        tap_ok(p != NULL && cig_policy_statements(p) == 2 && warns.n == 0,
               "the documented per-user policy compiles without warnings");
        cig_policy_free(p);
    }

#undef STMT
#undef ALLOW
#undef RES
#undef COND
#undef STARS8
#undef STARS64
}


static void
pol_warnings(void)
{
#define W(res)  "{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":"     \
                "\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"" res \
                "\"}}"
#define WC(c)   "{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":"     \
                "\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\","   \
                "\"Condition\":" c "}}"

    static const struct {
        const char  *name;
        const char  *json;
        unsigned     n;
        const char  *msg;
    } cases[] = {
        { "sub without its '$'",
          W("arn:aws:s3:::b/{cognito-identity.amazonaws.com:sub}/*"), 1,
          "statement 0: \"{cognito-identity.amazonaws.com:sub}\" is literal "
          "text; did you mean \"${cognito-identity.amazonaws.com:sub}\"?" },
        { "aws: key without its '$'",
          W("arn:aws:s3:::b/{aws:PrincipalTag/team}/*"), 1,
          "did you mean \"${aws:PrincipalTag/team}\"?" },
        { "without its '$' in a condition value",
          WC("{\"StringLike\":{\"s3:prefix\":"
             "\"{cognito-identity.amazonaws.com:sub}/*\"}}"), 1,
          "did you mean \"${cognito-identity.amazonaws.com:sub}\"?" },
        { "without '$' and unterminated",
          W("arn:aws:s3:::b/{cognito-identity.amazonaws.com:sub"), 1,
          "did you mean" },
        { "unknown condition key",
          WC("{\"StringEquals\":{\"s3:foo\":\"a\"}}"), 1,
          "condition key \"s3:foo\" is never set by this module and is "
          "treated as absent" },
        { "unknown condition key: aws:username",
          WC("{\"StringEquals\":{\"aws:username\":\"a\"}}"), 1,
          "\"aws:username\" is never set" },
        { "unknown variable",
          W("arn:aws:s3:::b/${aws:username}/*"), 1,
          "variable \"${aws:username}\" is never set by this module" },
        { "unknown variable with a default still warns",
          W("arn:aws:s3:::b/${aws:userid, 'x'}/*"), 1,
          "matches nothing unless it has a default" },
        { "variables in a 2008-10-17 policy",
          "{\"Version\":\"2008-10-17\",\"Statement\":{\"Effect\":\"Allow\","
          "\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::b/"
          "${cognito-identity.amazonaws.com:sub}/*\"}}", 1,
          "looks like it uses policy variables, which are literal text "
          "unless \"Version\" is \"2012-10-17\"" },
        { "variables without a Version",
          "{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\","
          "\"Resource\":\"arn:aws:s3:::b/${aws:PrincipalTag/x}\"}}", 1,
          "literal text unless" },
        { "amr with a plain operator",
          WC("{\"StringEquals\":{\"cognito-identity.amazonaws.com:amr\":"
             "\"authenticated\"}}"), 1,
          "has several values; use ForAnyValue: or ForAllValues: with "
          "StringEquals" },
        { "s3:RequestObjectTagKeys with a plain operator",
          WC("{\"StringNotEquals\":{\"s3:RequestObjectTagKeys\":\"a\"}}"),
          1, "\"s3:RequestObjectTagKeys\" has several values; use "
          "ForAnyValue: or ForAllValues: with StringNotEquals" },
        { "s3:ExistingObjectTag cannot be known",
          WC("{\"StringEquals\":{\"s3:ExistingObjectTag/env\":\"a\"}}"),
          1, "\"s3:ExistingObjectTag/env\" is never set" },
        { "s3:RequestObjectTagKeys with a plain operator",
          WC("{\"StringNotEquals\":{\"s3:RequestObjectTagKeys\":\"a\"}}"),
          1, "\"s3:RequestObjectTagKeys\" has several values; use "
          "ForAnyValue: or ForAllValues: with StringNotEquals" },
        { "s3:ExistingObjectTag cannot be known",
          WC("{\"StringEquals\":{\"s3:ExistingObjectTag/env\":\"a\"}}"),
          1, "\"s3:ExistingObjectTag/env\" is never set" },
        { "the second statement is named",
          "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
          "\"Action\":\"s3:GetObject\",\"Resource\":\"*\"},{\"Effect\":"
          "\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":"
          "\"arn:aws:s3:::{aws:x}\"}]}", 1,
          "statement 1:" },

        { "no warning for proper variables",
          W("arn:aws:s3:::b/${cognito-identity.amazonaws.com:sub}/"
            "${aws:PrincipalTag/t, 'x'}/${*}${?}${$}"), 0, NULL },
        { "no warning for amr with ForAnyValue",
          WC("{\"ForAnyValue:StringLike\":{\"cognito-identity.amazonaws.com:"
             "amr\":\"graph.facebook.com*\"}}"), 0, NULL },
        { "no warning for amr with Null",
          WC("{\"Null\":{\"cognito-identity.amazonaws.com:amr\":\"false\"}}"),
          0, NULL },
        { "no warning for known keys in any case",
          WC("{\"StringEquals\":{\"S3:Prefix\":\"a\",\"AWS:SourceIP\":\"b\","
             "\"aws:principaltag/x\":\"c\",\"s3:VersionId\":\"d\","
             "\"s3:x-amz-copy-source\":\"e\",\"s3:delimiter\":\"f\"},"
             "\"NumericLessThan\":{\"s3:max-keys\":1,\"aws:EpochTime\":2},"
             "\"DateLessThan\":{\"aws:currenttime\":\"2020-01-01\"},"
             "\"Bool\":{\"aws:SecureTransport\":\"true\"}}"), 0, NULL },
        { "no warning for the S3 header keys, in any case",
          WC("{\"StringEquals\":{\"s3:x-amz-acl\":\"a\","
             "\"S3:X-Amz-Grant-Read\":\"b\",\"s3:x-amz-grant-write\":\"c\","
             "\"s3:x-amz-grant-read-acp\":\"d\","
             "\"s3:x-amz-grant-write-acp\":\"e\","
             "\"s3:x-amz-grant-full-control\":\"f\","
             "\"s3:x-amz-server-side-encryption\":\"g\","
             "\"s3:x-amz-server-side-encryption-aws-kms-key-id\":\"h\","
             "\"s3:x-amz-storage-class\":\"i\","
             "\"s3:x-amz-metadata-directive\":\"j\","
             "\"s3:RequestObjectTag/Project\":\"k\","
             "\"s3:object-lock-mode\":\"l\","
             "\"s3:object-lock-legal-hold\":\"m\","
             "\"s3:x-amz-content-sha256\":\"n\",\"s3:authType\":\"o\","
             "\"s3:signatureversion\":\"p\"},"
             "\"ForAllValues:StringEquals\":{\"s3:RequestObjectTagKeys\":"
             "\"q\"},\"NumericLessThan\":{\"s3:TlsVersion\":1.2},"
             "\"DateLessThan\":{\"s3:object-lock-retain-until-date\":"
             "\"2030-01-01\"}}"), 0, NULL },
        { "no warning for \"${\" text in a 2012-10-17 policy",
          W("arn:aws:s3:::b/${$}{x}"), 0, NULL },
    };

    pol_warns_t    warns;
    cig_policy_t  *p;
    cig_err_t      err;
    size_t         i;

    tap_note("policy warnings");

    for (i = 0; i < UNIT_NELTS(cases); i++) {
        memset(&err, 0, sizeof(cig_err_t));
        memset(&warns, 0, sizeof(pol_warns_t));

        p = cig_policy_from_json(cases[i].json, strlen(cases[i].json),
                                 pol_warn, &warns, &err);

        if (!tap_ok(p != NULL, "warning: %s: compiles", cases[i].name)) {
            tap_diag("%s", err.msg);
        }

        if (!tap_is_int(warns.n, cases[i].n, "warning: %s: count",
                        cases[i].name))
        {
            tap_diag("%.*s", (int) warns.len, warns.text);
        }

        if (cases[i].msg != NULL) {
            tap_like(warns.text, cases[i].msg, "warning: %s: message",
                     cases[i].name);
        }

        cig_policy_free(p);

        /* the same without a callback */

        p = cig_policy_from_json(cases[i].json, strlen(cases[i].json), NULL,
                                 NULL, &err);
        tap_ok(p != NULL, "warning: %s: compiles without a callback",
               cases[i].name);
        cig_policy_free(p);
    }

#undef W
#undef WC
}


/* ---------------------------------------------------------------------- */
/* Wildcards */

static int
pol_has_upper(const char *s)
{
    for ( ; *s; s++) {
        if (*s >= 'A' && *s <= 'Z') {
            return 1;
        }
    }

    return 0;
}


static void
pol_glob(void)
{
    static const struct {
        const char  *pattern;
        const char  *subject;
        int          icase;
        int          match;
    } cases[] = {
        { "",            "",                0, 1 },
        { "",            "a",               0, 0 },
        { "a",           "",                0, 0 },
        { "abc",         "abc",             0, 1 },
        { "abc",         "ab",              0, 0 },
        { "abc",         "abcd",            0, 0 },
        { "abc",         "abd",             0, 0 },
        { "*",           "",                0, 1 },
        { "*",           "a/b/c",           0, 1 },
        { "**",          "",                0, 1 },
        { "a***",        "a",               0, 1 },
        { "a*",          "a/b:c",           0, 1 },
        { "*c",          "a/b/c",           0, 1 },
        { "a/*",         "a/",              0, 1 },
        { "a/*",         "a",               0, 0 },
        { "a/*/c",       "a/x/y/c",         0, 1 },
        { "a/*/c",       "a/c",             0, 0 },
        { "?",           "",                0, 0 },
        { "?",           "a",               0, 1 },
        { "?",           "ab",              0, 0 },
        { "?",           "/",               0, 1 },
        { "??",          "ab",              0, 1 },
        { "*?",          "",                0, 0 },
        { "*?",          "a",               0, 1 },
        { "*?*",         "x",               0, 1 },
        { "?*?",         "x",               0, 0 },
        { "a?c",         "abc",             0, 1 },
        { "a?c",         "ac",              0, 0 },
        { "a?c",         "abbc",            0, 0 },
        /* '?' is one UTF-8 character, not one byte */
        { "?",           "\xc3\xa9",        0, 1 },
        { "??",          "\xc3\xa9",        0, 0 },
        { "?",           "\xe2\x9c\x93",    0, 1 },
        { "???",         "\xe2\x9c\x93",    0, 0 },
        { "?",           "\xf0\x9f\x98\x80", 0, 1 },
        { "a?c",         "a\xe2\x9c\x93" "c", 0, 1 },
        { "??",          "\xe2\x9c\x93" "x", 0, 1 },
        { "*?c",         "\xe2\x9c\x93" "c", 0, 1 },
        { "*??c*",       "\xe2\x9c\x93" "cx", 0, 0 },
        { "*??c*",       "\xe2\x9c\x93" "xcz", 0, 1 },
        { "*?*?*?",      "\xe2\x9c\x93\xc3\xa9", 0, 0 },
        { "*?*?",        "\xe2\x9c\x93\xc3\xa9", 0, 1 },
        /* backtracking */
        { "a*b*c",       "axbxbxc",         0, 1 },
        { "a*b*c",       "abc",             0, 1 },
        { "a*b*c",       "axbxbx",          0, 0 },
        { "a*b*c",       "acb",             0, 0 },
        { "*ab",         "aab",             0, 1 },
        { "*ab",         "abab",            0, 1 },
        { "*ab",         "aba",             0, 0 },
        { "a*a*a",       "aaaa",            0, 1 },
        { "a*a*a",       "aa",              0, 0 },
        { "*a?b*",       "xxaxxaybz",       0, 1 },
        { "*/*/*",       "a/b",             0, 0 },
        { "*/*/*",       "a//",             0, 1 },
        { "a*a*a*a*a*a*a*a*b",
          "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
          0, 0 },
        { "*abc*abc*abc*",
          "abcabababcabcabababcxabc",       0, 1 },
        /* a literal longer than what is left of the subject */
        { "*abcdef",     "abc",             0, 0 },
        { "a*bcd",       "abc",             0, 0 },
        { "ab*cd",       "abxc",            0, 0 },
        { "*bc",         "bcbc",            0, 1 },
        { "*bcbc",       "bcbcbc",          0, 1 },
        { "a*b?d",       "abxbcd",          0, 1 },
        { "a*b?d",       "abxbcde",         0, 0 },
        { "*xyz?",       "xyxyzxyz\xc3\xa9", 0, 1 },
        /* case */
        { "ABC",         "abc",             0, 0 },
        { "ABC",         "abc",             1, 1 },
        { "s3:Get*",     "S3:GETOBJECT",    1, 1 },
        { "s3:Get?bject", "s3:getobject",   1, 1 },
        { "\xc3\x89",    "\xc3\xa9",        1, 0 },
        { "a*c",         "ABC",             1, 1 },
    };

    cig_template_t  *t;
    pol_ctx_t        ctx;
    cig_seg_t        segs[4];
    size_t           i;

    tap_note("wildcards");

    for (i = 0; i < UNIT_NELTS(cases); i++) {
        pol_begin(&ctx);

        t = cig_template_compile_ex(cases[i].pattern, strlen(cases[i].pattern),
                                    1, 0, &ctx.a, &ctx.err);

        if (tap_ok(t != NULL, "glob %zu compiles", i)) {
            tap_is_int(cig_glob_match(t->segs, t->nsegs, cases[i].subject,
                                      strlen(cases[i].subject),
                                      cases[i].icase),
                       cases[i].match, "glob %zu: \"%s\" %s \"%s\"%s", i,
                       cases[i].pattern, cases[i].match ? "matches"
                                                        : "does not match",
                       cases[i].subject, cases[i].icase ? " (icase)" : "");

            /*
             * Without letters in upper case the case-folding path (a
             * character at a time) must agree with the exact one (whole
             * literals at once).
             */

            if (!cases[i].icase && !pol_has_upper(cases[i].pattern)
                && !pol_has_upper(cases[i].subject))
            {
                tap_is_int(cig_glob_match(t->segs, t->nsegs,
                                          cases[i].subject,
                                          strlen(cases[i].subject), 1),
                           cases[i].match, "glob %zu: the same folding case",
                           i);
            }
        }

        pol_end(&ctx);
    }

    /* a pattern may come in several literal pieces, some empty */

    memset(segs, 0, sizeof(segs));
    segs[0].type = CIG_SEG_LIT;
    segs[0].text = pol_str("ab");
    segs[1].type = CIG_SEG_LIT;
    segs[1].text = pol_str("");
    segs[2].type = CIG_SEG_LIT;
    segs[2].text = pol_str("c");
    segs[3].type = CIG_SEG_STAR;

    tap_ok(cig_glob_match(segs, 3, S("abc"), 0), "glob: pieces");
    tap_ok(!cig_glob_match(segs, 3, S("ab"), 0), "glob: pieces, short");
    tap_ok(!cig_glob_match(segs, 3, S("abcd"), 0), "glob: pieces, long");
    tap_ok(cig_glob_match(segs, 4, S("abcd"), 0), "glob: pieces and a star");
    tap_ok(cig_glob_match(segs, 2, S("ab"), 0), "glob: empty last piece");
    tap_ok(cig_glob_match(segs + 1, 1, S(""), 0), "glob: one empty piece");
    tap_ok(!cig_glob_match(segs + 1, 1, S("a"), 0),
           "glob: one empty piece, non-empty subject");
    tap_ok(cig_glob_match(NULL, 0, S(""), 0), "glob: no pieces, empty");

    tap_ok(cig_lit_equal(segs, 3, S("abc"), 0), "lit_equal: pieces");
    tap_ok(!cig_lit_equal(segs, 3, S("abcd"), 0), "lit_equal: longer");
    tap_ok(!cig_lit_equal(segs, 3, S("ab"), 0), "lit_equal: shorter");
    tap_ok(cig_lit_equal(segs, 3, S("ABC"), 1), "lit_equal: icase");
    tap_ok(!cig_lit_equal(segs, 3, S("ABC"), 0), "lit_equal: case");
    tap_ok(cig_lit_equal(segs, 0, S(""), 0), "lit_equal: empty");
}


/* ---------------------------------------------------------------------- */
/* Path decoding */

static void
pol_path_decode(void)
{
    static const struct {
        const char  *raw;
        size_t       len;
        const char  *out;       /* NULL: refused */
        const char  *reason;
    } cases[] = {
        { S("/"),                 "/", NULL },
        { S("/a/b"),              "/a/b", NULL },
        { S("/a//b/"),            "/a//b/", NULL },
        { S("/a%20b"),            "/a b", NULL },
        { S("/a+b"),              "/a+b", NULL },
        { S("/%41%62"),           "/Ab", NULL },
        { S("/a%3Ab%3ac"),        "/a:b:c", NULL },
        { S("/%e2%9c%93"),        "/\xe2\x9c\x93", NULL },
        { S("/\xe2\x9c\x93"),     "/\xe2\x9c\x93", NULL },
        { S("/%F0%9F%98%80"),     "/\xf0\x9f\x98\x80", NULL },
        { S("/%EF%BF%BD"),        "/\xef\xbf\xbd", NULL },
        { S("/~!$&'()*,;=:@"),    "/~!$&'()*,;=:@", NULL },
        { S("/%7E%21%24%26%27%28%29%2A%2C%3B%3D"),
                                  "/~!$&'()*,;=", NULL },
        { S("/.a/a./..a/a../..."), "/.a/a./..a/a../...", NULL },
        { S("/a%2Eb"),            "/a.b", NULL },
        { S("/%7Bx%7D%5B%5D"),    "/{x}[]", NULL },

        { S(""),                  NULL, "does not start with '/'" },
        { S("a/b"),               NULL, "does not start with '/'" },
        { S("%2Fa"),              NULL, "encoded '/'" },
        { S("/a%2Fb"),            NULL, "encoded '/' in the path" },
        { S("/a%2fb"),            NULL, "encoded '/' in the path" },
        { S("/a%5Cb"),            NULL, "encoded '\\' in the path" },
        { S("/a%5cb"),            NULL, "encoded '\\'" },
        { S("/a\\b"),             NULL, "character 0x5c" },
        { S("/a%25b"),            NULL, "double percent-encoding" },
        { S("/a%252Fb"),          NULL, "double percent-encoding" },
        { S("/a%00"),             NULL, "encoded NUL" },
        { S("/a\0b"),             NULL, "character 0x00" },
        { S("/a%3Fb"),            NULL, "encoded '?' in the path" },
        { S("/a%23b"),            NULL, "encoded '#' in the path" },
        { S("/a?b"),              NULL, "character 0x3f" },
        { S("/a#b"),              NULL, "character 0x23" },
        { S("/a b"),              NULL, "character 0x20" },
        { S("/a\tb"),             NULL, "character 0x09" },
        { S("/a\x7f"),            NULL, "character 0x7f" },
        { S("/a%0Ab"),            NULL, "encoded control character" },
        { S("/a%0d%0a"),          NULL, "encoded control character" },
        { S("/a%7F"),             NULL, "encoded control character" },
        { S("/a%1F"),             NULL, "encoded control character" },
        { S("/%"),                NULL, "malformed percent-encoding" },
        { S("/a%4"),              NULL, "malformed percent-encoding" },
        { S("/a%G1"),             NULL, "malformed percent-encoding" },
        { S("/a%%41"),            NULL, "malformed percent-encoding" },
        { S("/a%-1"),             NULL, "malformed percent-encoding" },
        { S("/%C0%AF"),           NULL, "invalid or overlong UTF-8" },
        { S("/\xc0\xaf"),         NULL, "invalid or overlong UTF-8" },
        { S("/%C1%81"),           NULL, "invalid or overlong UTF-8" },
        { S("/%E0%80%AF"),        NULL, "invalid or overlong UTF-8" },
        { S("/%F0%80%80%AF"),     NULL, "invalid or overlong UTF-8" },
        { S("/%ED%A0%80"),        NULL, "invalid or overlong UTF-8" },
        { S("/%F4%90%80%80"),     NULL, "invalid or overlong UTF-8" },
        { S("/%F5%80%80%80"),     NULL, "invalid or overlong UTF-8" },
        { S("/%FF"),              NULL, "invalid or overlong UTF-8" },
        { S("/%80"),              NULL, "invalid or overlong UTF-8" },
        { S("/%E2%9C"),           NULL, "invalid or overlong UTF-8" },
        { S("/%E2%9Cx"),          NULL, "invalid or overlong UTF-8" },
        { S("/%E2%28%93"),        NULL, "invalid or overlong UTF-8" },
        { S("/."),                NULL, "dot segment in the path" },
        { S("/.."),               NULL, "dot segment" },
        { S("/a/."),              NULL, "dot segment" },
        { S("/a/./b"),            NULL, "dot segment" },
        { S("/a/../b"),           NULL, "dot segment" },
        { S("/a/%2E/b"),          NULL, "dot segment" },
        { S("/a/%2e%2E/b"),       NULL, "dot segment" },
        { S("/a/.%2e"),           NULL, "dot segment" },
        { S("//.."),              NULL, "dot segment" },
    };

    pol_ctx_t   ctx;
    cig_str_t   out;
    cig_code_t  rc;
    size_t      i;

    tap_note("path decoding");

    for (i = 0; i < UNIT_NELTS(cases); i++) {
        pol_begin(&ctx);
        memset(&out, 0, sizeof(cig_str_t));

        rc = cig_path_decode(cases[i].raw, cases[i].len, &ctx.a, &out,
                             &ctx.err);

        if (cases[i].out != NULL) {
            if (tap_is_int(rc, CIG_OK, "path %zu accepted", i)) {
                tap_is_mem(out.data, out.len, cases[i].out,
                           strlen(cases[i].out), "path %zu decoded", i);
                tap_ok(out.data[out.len] == '\0', "path %zu terminated", i);
            } else {
                tap_diag("%s", ctx.err.msg);
            }

        } else {
            tap_is_int(rc, CIG_ERR_BAD_REQUEST, "path %zu refused", i);
            tap_like(ctx.err.msg, cases[i].reason, "path %zu: reason", i);
        }

        pol_end(&ctx);
    }
}


/* ---------------------------------------------------------------------- */
/* S3 and API Gateway mapping */

typedef struct {
    const char  *method;
    const char  *path;          /* decoded */
    const char  *query;
    const char  *copy;
    const char  *bucket;        /* fixed bucket or NULL */
    cig_code_t   rc;
    const char  *action;        /* or the reason for a refusal */
    const char  *resource;
    const char  *keys;          /* "name=value;..." in order */
    const char  *action2;       /* the second check (copy source, ...) */
    const char  *resource2;
} map_case_t;


static void
pol_map_one(const map_case_t *mc, size_t i)
{
    cig_mapped_t  m;
    cig_http_t    h;
    pol_ctx_t     ctx;
    cig_code_t    rc;
    char          keys[512];
    size_t        k, off;

    pol_begin(&ctx);
    memset(&h, 0, sizeof(cig_http_t));

    h.method = pol_str(mc->method);
    h.path = pol_str(mc->path);
    h.query = pol_str(mc->query ? mc->query : "");
    h.copy_source = pol_str(mc->copy ? mc->copy : "");

    rc = cig_map_s3(&h, pol_str(mc->bucket ? mc->bucket : ""), &ctx.a, &m,
                    &ctx.err);

    if (!tap_is_int(rc, mc->rc, "s3 %zu: %s %s%s%s: result", i, mc->method,
                    mc->path, mc->query ? "?" : "", mc->query ? mc->query : ""))
    {
        tap_diag("%s", ctx.err.msg);
        pol_end(&ctx);
        return;
    }

    if (rc != CIG_OK) {
        tap_like(ctx.err.msg, mc->action, "s3 %zu: reason", i);
        pol_end(&ctx);
        return;
    }

    tap_is_int(m.nchecks, mc->action2 ? 2 : 1, "s3 %zu: checks", i);
    tap_is_mem(m.checks[0].action.data, m.checks[0].action.len, mc->action,
               strlen(mc->action), "s3 %zu: action", i);
    tap_is_mem(m.checks[0].resource.data, m.checks[0].resource.len,
               mc->resource, strlen(mc->resource), "s3 %zu: resource", i);

    if (mc->action2 && m.nchecks == 2) {
        tap_is_mem(m.checks[1].action.data, m.checks[1].action.len,
                   mc->action2, strlen(mc->action2), "s3 %zu: second action", i);
        tap_is_mem(m.checks[1].resource.data, m.checks[1].resource.len,
                   mc->resource2, strlen(mc->resource2),
                   "s3 %zu: second resource", i);
    }

    off = 0;
    keys[0] = '\0';

    for (k = 0; k < m.nkeys && off < sizeof(keys); k++) {
        off += (size_t) snprintf(keys + off, sizeof(keys) - off, "%s%.*s=%.*s",
                                 k ? ";" : "", (int) m.keys[k].name.len,
                                 m.keys[k].name.data,
                                 (int) m.keys[k].value.len,
                                 m.keys[k].value.data);
    }

    tap_is_str(keys, mc->keys ? mc->keys : "", "s3 %zu: keys", i);

    pol_end(&ctx);
}


static void
pol_map_s3(void)
{
#define OBJ   "arn:aws:s3:::mybucket/k/x.txt"
#define BKT   "arn:aws:s3:::mybucket"
#define OK    CIG_OK
#define BAD   CIG_ERR_BAD_REQUEST
#define NO    CIG_ERR_FORBIDDEN

    static const map_case_t  cases[] = {
        /* objects, every row of the table */
        { "GET", "/mybucket/k/x.txt", NULL, NULL, NULL, OK,
          "s3:GetObject", OBJ, NULL, NULL, NULL },
        { "GET", "/mybucket/k/x.txt", "versionId=v1", NULL, NULL, OK,
          "s3:GetObjectVersion", OBJ, "s3:versionid=v1", NULL, NULL },
        { "GET", "/mybucket/k/x.txt",
          "partNumber=1&response-content-type=a&response-content-language=b"
          "&response-expires=c&response-cache-control=d"
          "&response-content-disposition=e&response-content-encoding=f",
          NULL, NULL, OK, "s3:GetObject", OBJ, NULL, NULL, NULL },
        { "HEAD", "/mybucket/k/x.txt", NULL, NULL, NULL, OK,
          "s3:GetObject", OBJ, NULL, NULL, NULL },
        { "HEAD", "/mybucket/k/x.txt", "versionId=v1", NULL, NULL, OK,
          "s3:GetObjectVersion", OBJ, "s3:versionid=v1", NULL, NULL },
        { "GET", "/mybucket/k/x.txt", "acl", NULL, NULL, OK,
          "s3:GetObjectAcl", OBJ, NULL, NULL, NULL },
        { "GET", "/mybucket/k/x.txt", "acl&versionId=v1", NULL, NULL, OK,
          "s3:GetObjectVersionAcl", OBJ, "s3:versionid=v1", NULL, NULL },
        { "GET", "/mybucket/k/x.txt", "tagging", NULL, NULL, OK,
          "s3:GetObjectTagging", OBJ, NULL, NULL, NULL },
        { "GET", "/mybucket/k/x.txt", "versionId=v1&tagging=", NULL, NULL, OK,
          "s3:GetObjectVersionTagging", OBJ, "s3:versionid=v1", NULL, NULL },
        { "GET", "/mybucket/k/x.txt", "uploadId=u&max-parts=2"
          "&part-number-marker=1&encoding-type=url", NULL, NULL, OK,
          "s3:ListMultipartUploadParts", OBJ, NULL, NULL, NULL },
        { "GET", "/mybucket/k/x.txt", "attributes", NULL, NULL, OK,
          "s3:GetObjectAttributes", OBJ, NULL, "s3:GetObject", OBJ },
        { "GET", "/mybucket/k/x.txt", "attributes&versionId=v1", NULL, NULL,
          OK, "s3:GetObjectVersionAttributes", OBJ, "s3:versionid=v1",
          "s3:GetObjectVersion", OBJ },
        { "GET", "/mybucket/k/x.txt", "retention", NULL, NULL, OK,
          "s3:GetObjectRetention", OBJ, NULL, NULL, NULL },
        { "GET", "/mybucket/k/x.txt", "retention&versionId=v1", NULL, NULL,
          OK, "s3:GetObjectRetention", OBJ, "s3:versionid=v1", NULL, NULL },
        { "GET", "/mybucket/k/x.txt", "legal-hold", NULL, NULL, OK,
          "s3:GetObjectLegalHold", OBJ, NULL, NULL, NULL },
        { "PUT", "/mybucket/k/x.txt", NULL, NULL, NULL, OK,
          "s3:PutObject", OBJ, NULL, NULL, NULL },
        { "PUT", "/mybucket/k/x.txt", "partNumber=1&uploadId=u", NULL, NULL,
          OK, "s3:PutObject", OBJ, NULL, NULL, NULL },
        { "PUT", "/mybucket/k/x.txt", "acl", NULL, NULL, OK,
          "s3:PutObjectAcl", OBJ, NULL, NULL, NULL },
        { "PUT", "/mybucket/k/x.txt", "acl&versionId=v1", NULL, NULL, OK,
          "s3:PutObjectVersionAcl", OBJ, "s3:versionid=v1", NULL, NULL },
        { "PUT", "/mybucket/k/x.txt", "tagging", NULL, NULL, OK,
          "s3:PutObjectTagging", OBJ, NULL, NULL, NULL },
        { "PUT", "/mybucket/k/x.txt", "tagging&versionId=v1", NULL, NULL, OK,
          "s3:PutObjectVersionTagging", OBJ, "s3:versionid=v1", NULL, NULL },
        { "PUT", "/mybucket/k/x.txt", "retention", NULL, NULL, OK,
          "s3:PutObjectRetention", OBJ, NULL, NULL, NULL },
        { "PUT", "/mybucket/k/x.txt", "legal-hold&versionId=v1", NULL, NULL,
          OK, "s3:PutObjectLegalHold", OBJ, "s3:versionid=v1", NULL, NULL },
        { "POST", "/mybucket/k/x.txt", "uploads", NULL, NULL, OK,
          "s3:PutObject", OBJ, NULL, NULL, NULL },
        { "POST", "/mybucket/k/x.txt", "uploadId=u", NULL, NULL, OK,
          "s3:PutObject", OBJ, NULL, NULL, NULL },
        { "POST", "/mybucket/k/x.txt", "restore&versionId=v1", NULL, NULL, OK,
          "s3:RestoreObject", OBJ, "s3:versionid=v1", NULL, NULL },
        { "POST", "/mybucket/k/x.txt", "select&select-type=2", NULL, NULL, OK,
          "s3:GetObject", OBJ, NULL, NULL, NULL },
        { "DELETE", "/mybucket/k/x.txt", NULL, NULL, NULL, OK,
          "s3:DeleteObject", OBJ, NULL, NULL, NULL },
        { "DELETE", "/mybucket/k/x.txt", "versionId=v1", NULL, NULL, OK,
          "s3:DeleteObjectVersion", OBJ, "s3:versionid=v1", NULL, NULL },
        { "DELETE", "/mybucket/k/x.txt", "uploadId=u", NULL, NULL, OK,
          "s3:AbortMultipartUpload", OBJ, NULL, NULL, NULL },
        { "DELETE", "/mybucket/k/x.txt", "tagging", NULL, NULL, OK,
          "s3:DeleteObjectTagging", OBJ, NULL, NULL, NULL },
        { "DELETE", "/mybucket/k/x.txt", "tagging&versionId=v1", NULL, NULL,
          OK, "s3:DeleteObjectVersionTagging", OBJ, "s3:versionid=v1", NULL,
          NULL },

        /* buckets, every row */
        { "GET", "/mybucket", NULL, NULL, NULL, OK,
          "s3:ListBucket", BKT, NULL, NULL, NULL },
        { "GET", "/mybucket/", "list-type=2&prefix=a%2Fb+c&delimiter=%2F"
          "&max-keys=5&continuation-token=t&start-after=s&encoding-type=url"
          "&fetch-owner=true", NULL, NULL, OK, "s3:ListBucket", BKT,
          "s3:prefix=a/b c;s3:delimiter=/;s3:max-keys=5", NULL, NULL },
        { "GET", "/mybucket", "marker=m&prefix=", NULL, NULL, OK,
          "s3:ListBucket", BKT, "s3:prefix=", NULL, NULL },
        { "GET", "/mybucket", "prefix", NULL, NULL, OK,
          "s3:ListBucket", BKT, "s3:prefix=", NULL, NULL },
        { "HEAD", "/mybucket", NULL, NULL, NULL, OK,
          "s3:ListBucket", BKT, NULL, NULL, NULL },
        { "GET", "/mybucket", "versions&prefix=p&delimiter=d&max-keys=1"
          "&key-marker=k&version-id-marker=v&encoding-type=url", NULL, NULL,
          OK, "s3:ListBucketVersions", BKT,
          "s3:prefix=p;s3:delimiter=d;s3:max-keys=1", NULL, NULL },
        { "GET", "/mybucket", "uploads&prefix=p&delimiter=d&max-uploads=1"
          "&key-marker=k&upload-id-marker=u&encoding-type=url", NULL, NULL,
          OK, "s3:ListBucketMultipartUploads", BKT,
          "s3:prefix=p;s3:delimiter=d", NULL, NULL },
        { "GET", "/mybucket", "location", NULL, NULL, OK,
          "s3:GetBucketLocation", BKT, NULL, NULL, NULL },
        { "GET", "/mybucket", "acl", NULL, NULL, OK,
          "s3:GetBucketAcl", BKT, NULL, NULL, NULL },
        { "GET", "/mybucket", "policy", NULL, NULL, OK,
          "s3:GetBucketPolicy", BKT, NULL, NULL, NULL },
        { "GET", "/mybucket", "versioning", NULL, NULL, OK,
          "s3:GetBucketVersioning", BKT, NULL, NULL, NULL },
        { "GET", "/mybucket", "tagging", NULL, NULL, OK,
          "s3:GetBucketTagging", BKT, NULL, NULL, NULL },
        { "GET", "/mybucket", "cors", NULL, NULL, OK,
          "s3:GetBucketCORS", BKT, NULL, NULL, NULL },
        { "PUT", "/mybucket", NULL, NULL, NULL, OK,
          "s3:CreateBucket", BKT, NULL, NULL, NULL },
        { "PUT", "/mybucket", "acl", NULL, NULL, OK,
          "s3:PutBucketAcl", BKT, NULL, NULL, NULL },
        { "PUT", "/mybucket", "policy", NULL, NULL, OK,
          "s3:PutBucketPolicy", BKT, NULL, NULL, NULL },
        { "PUT", "/mybucket", "versioning", NULL, NULL, OK,
          "s3:PutBucketVersioning", BKT, NULL, NULL, NULL },
        { "PUT", "/mybucket", "tagging", NULL, NULL, OK,
          "s3:PutBucketTagging", BKT, NULL, NULL, NULL },
        { "PUT", "/mybucket", "cors", NULL, NULL, OK,
          "s3:PutBucketCORS", BKT, NULL, NULL, NULL },
        { "DELETE", "/mybucket", NULL, NULL, NULL, OK,
          "s3:DeleteBucket", BKT, NULL, NULL, NULL },
        { "DELETE", "/mybucket", "policy", NULL, NULL, OK,
          "s3:DeleteBucketPolicy", BKT, NULL, NULL, NULL },
        { "DELETE", "/mybucket", "tagging", NULL, NULL, OK,
          "s3:PutBucketTagging", BKT, NULL, NULL, NULL },
        { "DELETE", "/mybucket", "cors", NULL, NULL, OK,
          "s3:PutBucketCORS", BKT, NULL, NULL, NULL },

        /* the service */
        { "GET", "/", NULL, NULL, NULL, OK,
          "s3:ListAllMyBuckets", "arn:aws:s3:::*", NULL, NULL, NULL },
        { "GET", "/", "prefix=a", NULL, NULL, NO,
          "unknown S3 operation on /", NULL, NULL, NULL, NULL },
        { "PUT", "/", NULL, NULL, NULL, NO,
          "unknown S3 operation on /", NULL, NULL, NULL, NULL },

        /* a fixed bucket */
        { "GET", "/k/x.txt", NULL, NULL, "mybucket", OK,
          "s3:GetObject", OBJ, NULL, NULL, NULL },
        { "GET", "/", "prefix=k/", NULL, "mybucket", OK,
          "s3:ListBucket", BKT, "s3:prefix=k/", NULL, NULL },
        { "GET", "/mybucket/k/x.txt", NULL, NULL, "mybucket", OK,
          "s3:GetObject", "arn:aws:s3:::mybucket/mybucket/k/x.txt", NULL, NULL,
          NULL },
        { "DELETE", "/", NULL, NULL, "mybucket", OK,
          "s3:DeleteBucket", BKT, NULL, NULL, NULL },

        /* copies */
        { "PUT", "/mybucket/k/x.txt", NULL, "src.bucket/a/b%20c", NULL, OK,
          "s3:PutObject", OBJ, "s3:x-amz-copy-source=src.bucket/a/b%20c",
          "s3:GetObject", "arn:aws:s3:::src.bucket/a/b c" },
        { "PUT", "/mybucket/k/x.txt", NULL, "/src-bucket/a?versionId=v2",
          NULL, OK, "s3:PutObject", OBJ,
          "s3:x-amz-copy-source=/src-bucket/a?versionId=v2",
          "s3:GetObjectVersion", "arn:aws:s3:::src-bucket/a" },
        { "PUT", "/mybucket/k/x.txt", "partNumber=2&uploadId=u",
          "src/a/b", NULL, OK, "s3:PutObject", OBJ,
          "s3:x-amz-copy-source=src/a/b", "s3:GetObject",
          "arn:aws:s3:::src/a/b" },
        { "PUT", "/mybucket/k/x.txt", "versionId=v1", "src/a", NULL, NO,
          "parameter \"versionId\" with s3:PutObject", NULL, NULL, NULL,
          NULL },
        { "PUT", "/mybucket/k/x.txt", "acl", "src/a", NULL, BAD,
          "x-amz-copy-source on an operation that does not copy", NULL, NULL,
          NULL, NULL },
        { "POST", "/mybucket/k/x.txt", "uploads", "src/a", NULL, BAD,
          "does not copy", NULL, NULL, NULL, NULL },
        { "PUT", "/mybucket", NULL, "src/a", NULL, BAD,
          "does not copy", NULL, NULL, NULL, NULL },
        { "PUT", "/mybucket/k/x.txt", NULL, "src", NULL, BAD,
          "x-amz-copy-source is not bucket/key", NULL, NULL, NULL, NULL },
        { "PUT", "/mybucket/k/x.txt", NULL, "src/", NULL, BAD,
          "x-amz-copy-source is not bucket/key", NULL, NULL, NULL, NULL },
        { "PUT", "/mybucket/k/x.txt", NULL, "/", NULL, BAD,
          "is not bucket/key", NULL, NULL, NULL, NULL },
        { "PUT", "/mybucket/k/x.txt", NULL, "?versionId=1", NULL, BAD,
          "is not bucket/key", NULL, NULL, NULL, NULL },
        { "PUT", "/mybucket/k/x.txt", NULL, "Src/a", NULL, BAD,
          "x-amz-copy-source: invalid bucket name", NULL, NULL, NULL, NULL },
        { "PUT", "/mybucket/k/x.txt", NULL, "src/a/../b", NULL, BAD,
          "x-amz-copy-source: dot segment", NULL, NULL, NULL, NULL },
        { "PUT", "/mybucket/k/x.txt", NULL, "src/a%2Fb", NULL, BAD,
          "x-amz-copy-source: encoded '/'", NULL, NULL, NULL, NULL },
        { "PUT", "/mybucket/k/x.txt", NULL, "src/a?acl", NULL, BAD,
          "only ?versionId= may follow the key", NULL, NULL, NULL, NULL },
        { "PUT", "/mybucket/k/x.txt", NULL, "src/a?versionId=1&x=2", NULL,
          BAD, "only ?versionId=", NULL, NULL, NULL, NULL },

        /* refusals */
        /* multi-object delete on a bucket: t/unit/test_s3_delete.c */
        { "POST", "/mybucket/k/x.txt", "delete", NULL, NULL, NO,
          "unknown S3 operation: POST on an object with \"delete\"", NULL,
          NULL, NULL, NULL },
        { "GET", "/mybucket", "delete", NULL, NULL, NO,
          "unknown S3 operation: GET on a bucket with \"delete\"", NULL, NULL,
          NULL, NULL },
        { "GET", "/mybucket", "lifecycle", NULL, NULL, NO,
          "unknown S3 operation", NULL, NULL, NULL, NULL },
        { "GET", "/mybucket/k/x.txt", "torrent", NULL, NULL, NO,
          "unknown S3 operation: GET on an object with \"torrent\"", NULL,
          NULL, NULL, NULL },
        { "GET", "/mybucket/k/x.txt", "location", NULL, NULL, NO,
          "unknown S3 operation", NULL, NULL, NULL, NULL },
        { "GET", "/mybucket", "uploadId=u", NULL, NULL, NO,
          "unknown S3 operation", NULL, NULL, NULL, NULL },
        { "GET", "/mybucket/k/x.txt", "acl&tagging", NULL, NULL, NO,
          "two subresources", NULL, NULL, NULL, NULL },
        { "GET", "/mybucket/k/x.txt", "foo=1", NULL, NULL, NO,
          "parameter \"foo\" with s3:GetObject", NULL, NULL, NULL, NULL },
        { "GET", "/mybucket", "versionId=1", NULL, NULL, NO,
          "parameter \"versionId\" with s3:ListBucket", NULL, NULL, NULL,
          NULL },
        { "HEAD", "/mybucket", "prefix=a", NULL, NULL, NO,
          "parameter \"prefix\"", NULL, NULL, NULL, NULL },
        { "GET", "/mybucket", "location&prefix=a", NULL, NULL, NO,
          "parameter \"prefix\" with s3:GetBucketLocation", NULL, NULL, NULL,
          NULL },
        { "PATCH", "/mybucket/k/x.txt", NULL, NULL, NULL, NO,
          "unknown S3 operation: PATCH", NULL, NULL, NULL, NULL },
        { "get", "/mybucket/k/x.txt", NULL, NULL, NULL, NO,
          "unknown S3 operation", NULL, NULL, NULL, NULL },
        { "POST", "/mybucket/k/x.txt", NULL, NULL, NULL, NO,
          "unknown S3 operation", NULL, NULL, NULL, NULL },
        { "HEAD", "/", NULL, NULL, NULL, NO,
          "unknown S3 operation on /", NULL, NULL, NULL, NULL },

        /* bad requests */
        { "GET", "", NULL, NULL, NULL, BAD,
          "the path does not start with '/'", NULL, NULL, NULL, NULL },
        { "GET", "k", NULL, NULL, "mybucket", BAD,
          "the path does not start with '/'", NULL, NULL, NULL, NULL },
        { "GET", "/My_Bucket/k", NULL, NULL, NULL, BAD,
          "invalid bucket name", NULL, NULL, NULL, NULL },
        { "GET", "/ab/k", NULL, NULL, NULL, BAD,
          "invalid bucket name", NULL, NULL, NULL, NULL },
        { "GET", "//k", NULL, NULL, NULL, BAD,
          "invalid bucket name", NULL, NULL, NULL, NULL },
        { "GET", "/mybucket", "prefix=a&prefix=b", NULL, NULL, BAD,
          "query parameter \"prefix\" given twice", NULL, NULL, NULL, NULL },
        { "GET", "/mybucket", "prefix=a&pre%66ix=b", NULL, NULL, BAD,
          "given twice", NULL, NULL, NULL, NULL },
        { "GET", "/mybucket", "prefix=%zz", NULL, NULL, BAD,
          "malformed percent-encoding", NULL, NULL, NULL, NULL },
        { "GET", "/mybucket", "prefix=%00", NULL, NULL, BAD,
          "encoded NUL", NULL, NULL, NULL, NULL },
        { "GET", "/mybucket", "prefix=%25", NULL, NULL, BAD,
          "double percent-encoding", NULL, NULL, NULL, NULL },
        { "GET", "/mybucket", "prefix=a b", NULL, NULL, BAD,
          "character 0x20", NULL, NULL, NULL, NULL },
        { "GET", "/mybucket", "prefix=%C0%AF", NULL, NULL, BAD,
          "invalid or overlong UTF-8", NULL, NULL, NULL, NULL },
        { "GET", "/mybucket",
          "a1&a2&a3&a4&a5&a6&a7&a8&a9&a10&a11&a12&a13&a14&a15&a16&a17&a18"
          "&a19&a20&a21&a22&a23&a24&a25&a26&a27&a28&a29&a30&a31&a32&a33",
          NULL, NULL, BAD, "more than 32 query parameters", NULL, NULL, NULL,
          NULL },
    };

    size_t  i;

    tap_note("S3 request mapping");

    for (i = 0; i < UNIT_NELTS(cases); i++) {
        pol_map_one(&cases[i], i);
    }

#undef OBJ
#undef BKT
#undef OK
#undef BAD
#undef NO
}


/* request headers that need permissions of their own */

static void
pol_map_s3_headers(void)
{
    static const struct {
        const char  *method;
        const char  *path;
        const char  *header;
        const char  *actions;       /* every check's action, in order */
    } cases[] = {
        { "PUT", "/newbucket", NULL, "s3:CreateBucket" },
        { "PUT", "/newbucket", "x-amz-acl", "s3:CreateBucket s3:PutBucketAcl" },
        { "PUT", "/newbucket", "X-Amz-Grant-Read",
          "s3:CreateBucket s3:PutBucketAcl" },
        { "PUT", "/newbucket", "x-amz-bucket-object-lock-enabled",
          "s3:CreateBucket s3:PutBucketObjectLockConfiguration "
          "s3:PutBucketVersioning" },
        { "PUT", "/newbucket", "x-amz-object-ownership",
          "s3:CreateBucket s3:PutBucketOwnershipControls" },
        { "PUT", "/newbucket", "x-amz-tagging", "s3:CreateBucket" },
        { "PUT", "/bkt/k", NULL, "s3:PutObject" },
        { "PUT", "/bkt/k", "x-amz-acl", "s3:PutObject s3:PutObjectAcl" },
        { "PUT", "/bkt/k", "x-amz-tagging", "s3:PutObject s3:PutObjectTagging" },
        { "PUT", "/bkt/k", "x-amz-object-lock-mode",
          "s3:PutObject s3:PutObjectRetention" },
        { "PUT", "/bkt/k", "x-amz-object-lock-legal-hold",
          "s3:PutObject s3:PutObjectLegalHold" },
        { "PUT", "/bkt/k", "x-amz-object-ownership", "s3:PutObject" },
        { "DELETE", "/bkt/k", "x-amz-bypass-governance-retention",
          "s3:DeleteObject s3:BypassGovernanceRetention" },
        { "GET", "/bkt/k", "x-amz-acl", "s3:GetObject" },
    };

    cig_mapped_t  m;
    cig_http_t    h;
    pol_ctx_t     ctx;
    cig_code_t    rc;
    char          got[256];
    size_t        i, k, off;

    tap_note("S3 request mapping: headers");

    for (i = 0; i < UNIT_NELTS(cases); i++) {
        pol_begin(&ctx);
        memset(&h, 0, sizeof(cig_http_t));

        h.method = pol_str(cases[i].method);
        h.path = pol_str(cases[i].path);
        h.query = pol_str("");

        if (cases[i].header != NULL) {
            h.headers = cig_s3_header_flag(cases[i].header,
                                           strlen(cases[i].header));
        }

        rc = cig_map_s3(&h, pol_str(""), &ctx.a, &m, &ctx.err);

        off = 0;
        got[0] = '\0';

        for (k = 0; rc == CIG_OK && k < m.nchecks && off < sizeof(got); k++) {
            off += (size_t) snprintf(got + off, sizeof(got) - off, "%s%.*s",
                                     k ? " " : "",
                                     (int) m.checks[k].action.len,
                                     m.checks[k].action.data);
        }

        tap_is_str(got, cases[i].actions, "s3 headers %zu: %s %s%s%s", i,
                   cases[i].method, cases[i].path,
                   cases[i].header ? " with " : "",
                   cases[i].header ? cases[i].header : "");

        pol_end(&ctx);
    }
}


/* partitions of regions and execute-api ARN prefixes */

static void
pol_partitions(void)
{
    static const struct {
        const char  *region;
        const char  *partition;     /* NULL: not a region */
    } regions[] = {
        { "eu-west-1", "aws" },
        { "us-east-1", "aws" },
        { "ap-southeast-3", "aws" },
        { "il-central-1", "aws" },
        { "cn-north-1", "aws-cn" },
        { "cn-northwest-1", "aws-cn" },
        { "us-gov-west-1", "aws-us-gov" },
        { "us-gov-east-1", "aws-us-gov" },
        { "us-iso-east-1", "aws-iso" },
        { "us-isob-east-1", "aws-iso-b" },
        { "eu-isoe-west-1", "aws-iso-e" },
        { "us-isof-south-1", "aws-iso-f" },
        { "eusc-de-east-1", "aws-eusc" },
        { "", NULL },
        { "eu-west", NULL },
        { "eu-1", NULL },
        { "EU-west-1", NULL },
        { "eu-west-1a", NULL },
        { "eu--west-1", NULL },
        { "-eu-west-1", NULL },
        { "eu-west1", NULL },
        { "eu-west-1-", NULL },
        { "aws-global", NULL },
    };

    static const struct {
        const char  *prefix;
        const char  *why;           /* NULL: valid */
    } prefixes[] = {
        { "arn:aws:execute-api:eu-west-1:123456789012:abc123/prod", NULL },
        { "arn:aws-cn:execute-api:cn-north-1:123456789012:abc123/prod",
          NULL },
        { "arn:aws-us-gov:execute-api:us-gov-west-1:123456789012:a/b", NULL },
        { "arn:aws-iso:execute-api:us-iso-east-1:123456789012:a/b", NULL },
        { "arn:aws-iso-b:execute-api:us-isob-east-1:123456789012:a/b", NULL },
        { "arn:aws-iso-e:execute-api:eu-isoe-west-1:123456789012:a/b", NULL },
        { "arn:aws-iso-f:execute-api:us-isof-south-1:123456789012:a/b",
          NULL },
        { "arn:aws-eusc:execute-api:eusc-de-east-1:123456789012:a/b", NULL },
        { "arn:aws:execute-api:eu-west-1:123456789012:a/b/c", NULL },
        { "arn:aws:execute-api:cn-north-1:123456789012:a/b",
          "region \"cn-north-1\" is in partition \"aws-cn\", not \"aws\"" },
        { "arn:aws-cn:execute-api:eu-west-1:123456789012:a/b",
          "is in partition \"aws\", not \"aws-cn\"" },
        { "arn:aws-us-gov:execute-api:us-east-1:123456789012:a/b",
          "is in partition \"aws\"" },
        { "arn:aws-iso:execute-api:us-isob-east-1:123456789012:a/b",
          "is in partition \"aws-iso-b\"" },
        { "arn:aws-xx:execute-api:eu-west-1:123456789012:a/b",
          "\"aws-xx\" is not an AWS partition" },
        { "arn:aws:lambda:eu-west-1:123456789012:a/b",
          "the service is not execute-api" },
        { "arn:aws:execute-api:eu-west:123456789012:a/b", "no region" },
        { "arn:aws:execute-api::123456789012:a/b", "no region" },
        { "arn:aws:execute-api:eu-west-1:1234:a/b", "not 12 digits" },
        { "arn:aws:execute-api:eu-west-1:1234567890123:a/b",
          "not 12 digits" },
        { "arn:aws:execute-api:eu-west-1:123456789012:abc123",
          "API/STAGE must follow" },
        { "arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/",
          "without a trailing '/'" },
        { "arn:aws:execute-api:eu-west-1:123456789012:/prod",
          "API/STAGE must follow" },
        { "arn:aws:execute-api:eu-west-1:123456789012:a/b c", "0x20" },
        { "aws:execute-api:eu-west-1:123456789012:a/b", "\"arn:\"" },
    };

    const char  *got;
    cig_err_t    err;
    cig_code_t   rc;
    size_t       i;

    tap_note("partitions");

    for (i = 0; i < UNIT_NELTS(regions); i++) {
        got = cig_region_partition(regions[i].region,
                                   strlen(regions[i].region));
        tap_is_str(got ? got : "(none)",
                   regions[i].partition ? regions[i].partition : "(none)",
                   "partition of \"%s\"", regions[i].region);
    }

    for (i = 0; i < UNIT_NELTS(prefixes); i++) {
        memset(&err, 0, sizeof(cig_err_t));
        rc = cig_execute_api_prefix_check(pol_str(prefixes[i].prefix), &err);

        if (prefixes[i].why == NULL) {
            if (!tap_is_int(rc, CIG_OK, "arn prefix %s", prefixes[i].prefix))
            {
                tap_diag("%s", err.msg);
            }

        } else {
            tap_is_int(rc, CIG_ERR_CONFIG, "arn prefix %s: refused",
                       prefixes[i].prefix);
            tap_like(err.msg, prefixes[i].why, "arn prefix %s: why",
                     prefixes[i].prefix);
        }
    }
}


static void
pol_map_execute_api(void)
{
    static const struct {
        const char  *method;
        const char  *path;
        const char  *resource;
    } cases[] = {
        { "GET", "/", "arn:aws:execute-api:eu-west-1:1:api/prod/GET/" },
        { "GET", "/pets/1", "arn:aws:execute-api:eu-west-1:1:api/prod/GET/"
          "pets/1" },
        { "DELETE", "/a b/\xe2\x9c\x93", "arn:aws:execute-api:eu-west-1:1:"
          "api/prod/DELETE/a b/\xe2\x9c\x93" },
    };

    cig_mapped_t  m;
    cig_http_t    h;
    pol_ctx_t     ctx;
    cig_code_t    rc;
    size_t        i;

    tap_note("API Gateway request mapping");

    for (i = 0; i < UNIT_NELTS(cases); i++) {
        pol_begin(&ctx);
        memset(&h, 0, sizeof(cig_http_t));

        h.method = pol_str(cases[i].method);
        h.path = pol_str(cases[i].path);
        h.query = pol_str("a=1&a=2");

        rc = cig_map_execute_api(&h,
                                 pol_str("arn:aws:execute-api:eu-west-1:1:"
                                         "api/prod"), &ctx.a, &m, &ctx.err);

        if (tap_is_int(rc, CIG_OK, "execute-api %zu: maps", i)) {
            tap_ok(m.nchecks == 1 && m.nkeys == 0
                   && cig_str_is(m.checks[0].action, "execute-api:Invoke"),
                   "execute-api %zu: one check, execute-api:Invoke", i);
            tap_is_mem(m.checks[0].resource.data, m.checks[0].resource.len,
                       cases[i].resource, strlen(cases[i].resource),
                       "execute-api %zu: resource", i);
        }

        pol_end(&ctx);
    }
}


/* ---------------------------------------------------------------------- */
/* Evaluation details the case files cannot show */

typedef struct {
    const char     *name;
    const char     *policy;
    const char     *claims;     /* NULL: Alice, no tags */
    const char     *action;
    const char     *resource;
    const char     *key;        /* one request key, or NULL */
    const char     *value;
    cig_decision_t  want;
    size_t          stmt;
} eval_case_t;


#define E_ALICE  "{\"sub\":\"" ALICE "\",\"aud\":\"" POOL "\",\"amr\":"     \
                 "[\"authenticated\",\"graph.facebook.com\","                \
                 "\"graph.facebook.com:eu-west-1:b45b9729:10001\"]"
#define E_TAGS(t)  E_ALICE ",\"https://aws.amazon.com/tags\":"               \
                   "{\"principal_tags\":{" t "}}}"


static cig_decision_t
pol_eval_json(pol_ctx_t *ctx, cig_policy_t *const *p, size_t np,
    const char *claims_json, const char *action, const char *resource,
    const char *key, const char *value, cig_verdict_t *v)
{
    const cig_json_t  *claims;
    cig_identity_t     id;
    cig_request_t      req;
    cig_kv_t           kv;
    char               why[128];

    claims = cig_json_parse(claims_json, strlen(claims_json), 16, &ctx->a,
                            &ctx->err);

    if (claims == NULL || !dec_identity(claims, &id, why, sizeof(why))) {
        tap_diag("bad claims: %s", claims_json);
        return (cig_decision_t) -1;
    }

    memset(&req, 0, sizeof(cig_request_t));
    req.id = &id;
    req.action = pol_str(action);
    req.resource = pol_str(resource);
    req.source_ip = pol_str("192.0.2.1");
    req.now = NOW1;

    if (key != NULL) {
        kv.name = pol_str(key);
        kv.value = pol_str(value);
        req.keys = &kv;
        req.nkeys = 1;
    }

    return cig_policy_evaluate(p, np, &req, v);
}


static void
pol_evaluate(void)
{
#define P(stmts)  "{\"Version\":\"2012-10-17\",\"Statement\":[" stmts "]}"
#define A(act, res, cond)                                                     \
    "{\"Effect\":\"Allow\",\"Action\":\"" act "\",\"Resource\":\"" res "\""   \
    cond "}"
#define D(act, res, cond)                                                     \
    "{\"Effect\":\"Deny\",\"Action\":\"" act "\",\"Resource\":\"" res "\""    \
    cond "}"
#define C(c)      ",\"Condition\":" c
#define OBJ       "arn:aws:s3:::b/k"

    static const eval_case_t  cases[] = {
        { "action names ignore case",
          P(A("S3:GETOBJECT", "*", "")), NULL, "s3:getObject", OBJ, NULL,
          NULL, CIG_ALLOW, 0 },
        { "resources do not",
          P(A("s3:GetObject", "arn:aws:s3:::B/k", "")), NULL, "s3:GetObject",
          OBJ, NULL, NULL, CIG_DENY_DEFAULT, 0 },
        { "service wildcard does not cross services",
          P(A("s3:*", "*", "")), NULL, "execute-api:Invoke", "*", NULL, NULL,
          CIG_DENY_DEFAULT, 0 },
        { "\"*\" action",
          P(A("*", "*", "")), NULL, "execute-api:Invoke", "*", NULL, NULL,
          CIG_ALLOW, 0 },
        { "the first Allow is named, later Denies still win",
          P(A("s3:*", "*", "") "," A("s3:GetObject", "*", "") ","
            D("s3:Get*", OBJ, "")), NULL, "s3:GetObject", OBJ, NULL, NULL,
          CIG_DENY_EXPLICIT, 2 },
        { "the first Allow is named",
          P(A("s3:Put*", "*", "") "," A("s3:GetObject", "*", "") ","
            A("s3:*", "*", "")), NULL, "s3:GetObject", OBJ, NULL, NULL,
          CIG_ALLOW, 1 },
        { "missing variable in a positive Deny condition: no Deny",
          P(A("s3:*", "*", "") "," D("s3:*", "*",
            C("{\"StringEquals\":{\"s3:prefix\":\"${aws:PrincipalTag/x}\"}}"))),
          NULL, "s3:ListBucket", "arn:aws:s3:::b", "s3:prefix", "",
          CIG_ALLOW, 0 },
        { "missing variable in a negated Deny condition: Deny",
          P(A("s3:*", "*", "") "," D("s3:*", "*",
            C("{\"StringNotEquals\":{\"s3:prefix\":"
              "\"${aws:PrincipalTag/x}\"}}"))),
          NULL, "s3:ListBucket", "arn:aws:s3:::b", "s3:prefix", "a",
          CIG_DENY_EXPLICIT, 1 },
        { "missing variable in a Deny Resource: no Deny",
          P(A("s3:*", "*", "") ","
            D("s3:*", "arn:aws:s3:::b/${aws:PrincipalTag/x}", "")),
          NULL, "s3:GetObject", "arn:aws:s3:::b/", NULL, NULL, CIG_ALLOW, 0 },
        { "unknown variable with a default",
          P(A("s3:GetObject", "arn:aws:s3:::b/${aws:username, 'k'}", "")),
          NULL, "s3:GetObject", OBJ, NULL, NULL, CIG_ALLOW, 0 },
        { "unknown variable without a default",
          P(A("s3:GetObject", "arn:aws:s3:::b/${aws:username}*", "")),
          NULL, "s3:GetObject", OBJ, NULL, NULL, CIG_DENY_DEFAULT, 0 },
        { "unknown condition key is absent",
          P(A("s3:GetObject", "*",
              C("{\"StringNotEquals\":{\"aws:username\":\"x\"}}"))),
          NULL, "s3:GetObject", OBJ, NULL, NULL, CIG_ALLOW, 0 },
        { "variable in a numeric value",
          P(A("s3:ListBucket", "*",
              C("{\"NumericLessThanEquals\":{\"s3:max-keys\":"
                "\"${aws:PrincipalTag/limit}\"}}"))),
          E_TAGS("\"limit\":[\"50\"]"), "s3:ListBucket", "arn:aws:s3:::b",
          "s3:max-keys", "50", CIG_ALLOW, 0 },
        { "variable in a numeric value, above",
          P(A("s3:ListBucket", "*",
              C("{\"NumericLessThanEquals\":{\"s3:max-keys\":"
                "\"${aws:PrincipalTag/limit}\"}}"))),
          E_TAGS("\"limit\":[\"50\"]"), "s3:ListBucket", "arn:aws:s3:::b",
          "s3:max-keys", "51", CIG_DENY_DEFAULT, 0 },
        { "variable in a numeric value, not a number",
          P(A("s3:ListBucket", "*",
              C("{\"NumericLessThanEquals\":{\"s3:max-keys\":"
                "\"${aws:PrincipalTag/limit}\"}}"))),
          E_TAGS("\"limit\":[\"many\"]"), "s3:ListBucket", "arn:aws:s3:::b",
          "s3:max-keys", "1", CIG_DENY_DEFAULT, 0 },
        { "variable in an ip value",
          P(A("s3:GetObject", "*",
              C("{\"IpAddress\":{\"aws:SourceIp\":"
                "\"${aws:PrincipalTag/net}\"}}"))),
          E_TAGS("\"net\":\"192.0.2.0/24\""), "s3:GetObject", OBJ, NULL,
          NULL, CIG_ALLOW, 0 },
        { "variable in an ip value, other network",
          P(A("s3:GetObject", "*",
              C("{\"IpAddress\":{\"aws:SourceIp\":"
                "\"${aws:PrincipalTag/net}\"}}"))),
          E_TAGS("\"net\":\"198.51.100.0/24\""), "s3:GetObject", OBJ, NULL,
          NULL, CIG_DENY_DEFAULT, 0 },
        { "variable in a date value",
          P(A("s3:GetObject", "*",
              C("{\"DateLessThan\":{\"aws:CurrentTime\":"
                "\"${aws:PrincipalTag/until}\"}}"))),
          E_TAGS("\"until\":\"2030-01-01T00:00:00Z\""), "s3:GetObject", OBJ,
          NULL, NULL, CIG_ALLOW, 0 },
        { "variable in a date value, expired",
          P(A("s3:GetObject", "*",
              C("{\"DateLessThan\":{\"aws:CurrentTime\":"
                "\"${aws:PrincipalTag/until}\"}}"))),
          E_TAGS("\"until\":\"2020-01-01\""), "s3:GetObject", OBJ,
          NULL, NULL, CIG_DENY_DEFAULT, 0 },
        { "variable in a bool value",
          P(A("s3:GetObject", "*",
              C("{\"Bool\":{\"aws:SecureTransport\":"
                "\"${aws:PrincipalTag/tls}\"}}"))),
          E_TAGS("\"tls\":\"FALSE\""), "s3:GetObject", OBJ,
          NULL, NULL, CIG_ALLOW, 0 },
        { "ArnLike on a tag",
          P(A("s3:GetObject", "*",
              C("{\"ArnLike\":{\"aws:PrincipalTag/r\":"
                "\"arn:aws:iam::*:role/app-?\"}}"))),
          E_TAGS("\"r\":\"arn:aws:iam::123456789012:role/app-1\""),
          "s3:GetObject", OBJ, NULL, NULL, CIG_ALLOW, 0 },
        { "ArnLike: '*' stays within its component",
          P(A("s3:GetObject", "*",
              C("{\"ArnLike\":{\"aws:PrincipalTag/r\":"
                "\"arn:aws:iam::*:role/app-?\"}}"))),
          E_TAGS("\"r\":\"arn:aws:iam::1:2:role/app-1\""),
          "s3:GetObject", OBJ, NULL, NULL, CIG_DENY_DEFAULT, 0 },
        { "ArnNotEquals",
          P(A("s3:GetObject", "*",
              C("{\"ArnNotEquals\":{\"aws:PrincipalTag/r\":"
                "\"arn:aws:iam::1:role/x\"}}"))),
          E_TAGS("\"r\":\"arn:aws:iam::1:role/y\""),
          "s3:GetObject", OBJ, NULL, NULL, CIG_ALLOW, 0 },
        { "ArnLike: not an ARN",
          P(A("s3:GetObject", "*",
              C("{\"ArnLike\":{\"aws:PrincipalTag/r\":\"*\"}}"))),
          E_TAGS("\"r\":\"x\""),
          "s3:GetObject", OBJ, NULL, NULL, CIG_DENY_DEFAULT, 0 },
        { "BinaryEquals",
          P(A("s3:GetObject", "*",
              C("{\"BinaryEquals\":{\"aws:PrincipalTag/b\":\"QmluYXJ5\"}}"))),
          E_TAGS("\"b\":\"QmluYXJ5\""),
          "s3:GetObject", OBJ, NULL, NULL, CIG_ALLOW, 0 },
        { "tag given as a string",
          P(A("s3:GetObject", "arn:aws:s3:::b/${aws:principaltag/T}", "")),
          E_TAGS("\"t\":\"k\""), "s3:GetObject", OBJ, NULL, NULL,
          CIG_ALLOW, 0 },
        { "tag given as an empty list is missing",
          P(A("s3:GetObject", "arn:aws:s3:::b/k${aws:PrincipalTag/t}", "")),
          E_TAGS("\"t\":[]"), "s3:GetObject", OBJ, NULL, NULL,
          CIG_DENY_DEFAULT, 0 },
        { "tag that is not a string is missing",
          P(A("s3:GetObject", "arn:aws:s3:::b/k${aws:PrincipalTag/t}", "")),
          E_TAGS("\"t\":1"), "s3:GetObject", OBJ, NULL, NULL,
          CIG_DENY_DEFAULT, 0 },
        { "an empty tag value substitutes the empty string",
          P(A("s3:GetObject", "arn:aws:s3:::b/k${aws:PrincipalTag/t}", "")),
          E_TAGS("\"t\":[\"\"]"), "s3:GetObject", OBJ, NULL, NULL,
          CIG_ALLOW, 0 },
        { "aws:SourceIp as a variable",
          P(A("s3:GetObject", "arn:aws:s3:::b/${aws:SourceIp}", "")),
          NULL, "s3:GetObject", "arn:aws:s3:::b/192.0.2.1", NULL, NULL,
          CIG_ALLOW, 0 },
        { "request key as a variable",
          P(A("s3:ListBucket", "arn:aws:s3:::${s3:prefix}", "")),
          NULL, "s3:ListBucket", "arn:aws:s3:::b", "s3:prefix", "b",
          CIG_ALLOW, 0 },
        { "NotAction and NotResource together",
          P("{\"Effect\":\"Allow\",\"NotAction\":\"s3:Delete*\","
            "\"NotResource\":\"arn:aws:s3:::b/secret/*\"}"),
          NULL, "s3:GetObject", OBJ, NULL, NULL, CIG_ALLOW, 0 },
        { "NotAction and NotResource together, excluded action",
          P("{\"Effect\":\"Allow\",\"NotAction\":\"s3:Delete*\","
            "\"NotResource\":\"arn:aws:s3:::b/secret/*\"}"),
          NULL, "s3:DeleteObject", OBJ, NULL, NULL, CIG_DENY_DEFAULT, 0 },
        { "NotAction and NotResource together, excluded resource",
          P("{\"Effect\":\"Allow\",\"NotAction\":\"s3:Delete*\","
            "\"NotResource\":\"arn:aws:s3:::b/secret/*\"}"),
          NULL, "s3:GetObject", "arn:aws:s3:::b/secret/x", NULL, NULL,
          CIG_DENY_DEFAULT, 0 },
    };

    cig_policy_t   *p;
    cig_verdict_t   v;
    cig_decision_t  d;
    pol_ctx_t       ctx;
    cig_err_t       err;
    size_t          i;

    tap_note("policy evaluation");

    for (i = 0; i < UNIT_NELTS(cases); i++) {
        pol_begin(&ctx);
        memset(&err, 0, sizeof(cig_err_t));

        p = cig_policy_from_json(cases[i].policy, strlen(cases[i].policy),
                                 NULL, NULL, &err);

        if (!tap_ok(p != NULL, "evaluate: %s: compiles", cases[i].name)) {
            tap_diag("%s", err.msg);
            pol_end(&ctx);
            continue;
        }

        d = pol_eval_json(&ctx, &p, 1,
                          cases[i].claims ? cases[i].claims : E_ALICE "}",
                          cases[i].action, cases[i].resource, cases[i].key,
                          cases[i].value, &v);

        tap_is_int(d, cases[i].want, "evaluate: %s", cases[i].name);
        tap_is_int(v.decision, d, "evaluate: %s: verdict", cases[i].name);

        if (cases[i].want != CIG_DENY_DEFAULT) {
            tap_ok(v.policy == 0 && v.statement == cases[i].stmt,
                   "evaluate: %s: statement %zu", cases[i].name,
                   cases[i].stmt);
        }

        cig_policy_free(p);
        pol_end(&ctx);
    }

    /* verdicts across several policies; no policies at all */

    {
        static const char  one[] = P(A("s3:Put*", "*", ""));
        static const char  two[] = "{\"Version\":\"2012-10-17\",\"Statement\":"
            "[{\"Sid\":\"Reads\",\"Effect\":\"Allow\",\"Action\":\"s3:Get*\","
            "\"Resource\":\"*\"},{\"Sid\":\"NoSecrets\",\"Effect\":\"Deny\","
            "\"Action\":\"s3:*\",\"Resource\":\"arn:aws:s3:::b/secret\"}]}";
        cig_policy_t  *ps[2];

        pol_begin(&ctx);

        ps[0] = cig_policy_from_json(one, sizeof(one) - 1, NULL, NULL, &err);
        ps[1] = cig_policy_from_json(two, sizeof(two) - 1, NULL, NULL, &err);

        if (tap_ok(ps[0] && ps[1], "evaluate: two policies compile")) {
            d = pol_eval_json(&ctx, ps, 2, E_ALICE "}", "s3:GetObject", OBJ,
                              NULL, NULL, &v);
            tap_ok(d == CIG_ALLOW && v.policy == 1 && v.statement == 0
                   && cig_str_is(v.sid, "Reads"),
                   "evaluate: the verdict names policy, statement and Sid");

            d = pol_eval_json(&ctx, ps, 2, E_ALICE "}", "s3:PutObject",
                              "arn:aws:s3:::b/secret", NULL, NULL, &v);
            tap_ok(d == CIG_DENY_EXPLICIT && v.policy == 1
                   && v.statement == 1 && cig_str_is(v.sid, "NoSecrets"),
                   "evaluate: a Deny in a later policy wins");

            d = pol_eval_json(&ctx, ps, 2, E_ALICE "}", "s3:DeleteObject",
                              OBJ, NULL, NULL, &v);
            tap_ok(d == CIG_DENY_DEFAULT && v.decision == CIG_DENY_DEFAULT
                   && v.sid.len == 0, "evaluate: default deny");

            d = pol_eval_json(&ctx, ps, 0, E_ALICE "}", "s3:GetObject", OBJ,
                              NULL, NULL, &v);
            tap_ok(d == CIG_DENY_DEFAULT, "evaluate: no policies deny");

            d = pol_eval_json(&ctx, ps, 2, E_ALICE "}", "", OBJ, NULL, NULL,
                              &v);
            tap_ok(d == CIG_DENY_DEFAULT, "evaluate: an empty action is "
                   "denied");
        }

        cig_policy_free(ps[0]);
        cig_policy_free(ps[1]);
        pol_end(&ctx);
    }

#undef P
#undef A
#undef D
#undef C
#undef OBJ
}


/* A request of several checks: every one must allow, a Deny of any wins. */

static void
pol_decide(void)
{
    static const char  json[] = "{\"Version\":\"2012-10-17\",\"Statement\":"
        "[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject*\","
        "\"Resource\":\"*\"},{\"Sid\":\"NoSecrets\",\"Effect\":\"Deny\","
        "\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::b/secret/*\"}"
        "]}";

    static const struct {
        const char      *name;
        const char      *action[2];
        const char      *resource[2];
        cig_decision_t   want;
        size_t           stmt;          /* of the verdict, but for default */
        const char      *why;           /* in err, but for allow */
    } cases[] = {
        { "both allow: the main check's verdict",
          { "s3:GetObjectAttributes", "s3:GetObject" },
          { "arn:aws:s3:::b/x", "arn:aws:s3:::b/x" }, CIG_ALLOW, 0, NULL },
        { "the second not allowed",
          { "s3:GetObjectAttributes", "s3:PutObject" },
          { "arn:aws:s3:::b/x", "arn:aws:s3:::b/x" }, CIG_DENY_DEFAULT, 0,
          "allows s3:PutObject on arn:aws:s3:::b/x" },
        { "the first not allowed, the second denied: the Deny decides",
          { "s3:PutObject", "s3:GetObject" },
          { "arn:aws:s3:::b/x", "arn:aws:s3:::b/secret/a" },
          CIG_DENY_EXPLICIT, 1,
          "s3:GetObject on arn:aws:s3:::b/secret/a denied by statement 1 "
          "(NoSecrets)" },
        { "the first denied, the second not allowed: the Deny decides",
          { "s3:GetObject", "s3:PutObject" },
          { "arn:aws:s3:::b/secret/a", "arn:aws:s3:::b/x" },
          CIG_DENY_EXPLICIT, 1, "s3:GetObject on arn:aws:s3:::b/secret/a" },
    };

    const cig_json_t  *claims;
    cig_identity_t     id;
    cig_policy_t      *p;
    cig_mapped_t       m;
    cig_request_t      req;
    cig_verdict_t      v;
    cig_decision_t     d;
    pol_ctx_t          ctx;
    cig_err_t          err;
    char               why[128];
    size_t             i, k;

    tap_note("policy decisions of several checks");

    p = cig_policy_from_json(json, sizeof(json) - 1, NULL, NULL, &err);

    if (!tap_ok(p != NULL, "decide: the policy compiles")) {
        tap_diag("%s", err.msg);
        return;
    }

    for (i = 0; i < UNIT_NELTS(cases); i++) {
        pol_begin(&ctx);

        claims = cig_json_parse(E_ALICE "}", sizeof(E_ALICE "}") - 1, 16,
                                &ctx.a, &ctx.err);

        if (claims == NULL || !dec_identity(claims, &id, why, sizeof(why))) {
            tap_ok(0, "decide: %s: claims", cases[i].name);
            pol_end(&ctx);
            continue;
        }

        memset(&m, 0, sizeof(cig_mapped_t));

        for (k = 0; k < 2; k++) {
            m.checks[k].action = pol_str(cases[i].action[k]);
            m.checks[k].resource = pol_str(cases[i].resource[k]);
        }

        m.nchecks = 2;

        memset(&req, 0, sizeof(cig_request_t));
        req.id = &id;
        req.source_ip = pol_str("192.0.2.1");
        req.now = NOW1;

        memset(&err, 0, sizeof(cig_err_t));
        d = cig_policy_decide(&p, 1, pol_str("arn:aws:iam::123456789012:"
                                             "role/R"), &m, &req, &v, &err);

        tap_is_int(d, cases[i].want, "decide: %s", cases[i].name);
        tap_is_int(v.decision, d, "decide: %s: verdict", cases[i].name);

        if (cases[i].want != CIG_DENY_DEFAULT) {
            tap_is_int((long long) v.statement, (long long) cases[i].stmt,
                       "decide: %s: statement", cases[i].name);
        }

        if (cases[i].why != NULL) {
            tap_like(err.msg, cases[i].why, "decide: %s: why", cases[i].name);
        }

        pol_end(&ctx);
    }

    cig_policy_free(p);
}


/* ---------------------------------------------------------------------- */
/* Policy sets */

static void
pol_policyset(void)
{
    static const char   json[] = "{\"Statement\":{\"Effect\":\"Allow\","
                                 "\"Action\":\"s3:*\",\"Resource\":\"*\"}}";
    cig_role_policy_t   entries[6];
    cig_policy_t       *p[6];
    cig_policy_t *const *found;
    cig_policyset_t    *set;
    cig_err_t           err;
    size_t              i, n;

    tap_note("policy sets");

    for (i = 0; i < UNIT_NELTS(p); i++) {
        p[i] = cig_policy_from_json(json, sizeof(json) - 1, NULL, NULL, &err);
        if (p[i] == NULL) {
            printf("Bail out! %s\n", err.msg);
            exit(255);
        }
    }

    /* roles in no order; the same role several times */

    entries[0].role = pol_str("arn:aws:iam::1:role/b");
    entries[1].role = pol_str("arn:aws:iam::1:role/a");
    entries[2].role = pol_str("arn:aws:iam::1:role/b");
    entries[3].role = pol_str("arn:aws:iam::1:role/ab");
    entries[4].role = pol_str("arn:aws:iam::1:role/b");
    entries[5].role = pol_str("arn:aws:iam::1:role/a");

    for (i = 0; i < UNIT_NELTS(entries); i++) {
        entries[i].policy = p[i];
    }

    set = cig_policyset_create(entries, UNIT_NELTS(entries), &err);

    if (tap_ok(set != NULL, "policyset: created")) {
        found = cig_policyset_find(set, pol_str("arn:aws:iam::1:role/b"), &n);
        tap_ok(n == 3 && found && found[0] == p[0] && found[1] == p[2]
               && found[2] == p[4], "policyset: role/b has its 3 policies in "
               "configuration order");

        found = cig_policyset_find(set, pol_str("arn:aws:iam::1:role/a"), &n);
        tap_ok(n == 2 && found && found[0] == p[1] && found[1] == p[5],
               "policyset: role/a has its 2 policies in order");

        found = cig_policyset_find(set, pol_str("arn:aws:iam::1:role/ab"), &n);
        tap_ok(n == 1 && found && found[0] == p[3],
               "policyset: role/ab is not role/a");

        n = 99;
        found = cig_policyset_find(set, pol_str("arn:aws:iam::1:role/c"), &n);
        tap_ok(n == 0 && found == NULL, "policyset: unknown role, n = 0");

        n = 99;
        found = cig_policyset_find(set, pol_str("arn:aws:iam::1:role/"), &n);
        tap_ok(n == 0, "policyset: a prefix of a role is unknown");

        n = 99;
        found = cig_policyset_find(set, pol_str("arn:aws:iam::1:role/bb"),
                                   &n);
        tap_ok(n == 0, "policyset: a longer name is unknown");

        n = 99;
        found = cig_policyset_find(set, pol_str("ARN:AWS:IAM::1:ROLE/B"), &n);
        tap_ok(n == 0, "policyset: role names are exact");

        n = 99;
        found = cig_policyset_find(set, pol_str(""), &n);
        tap_ok(n == 0, "policyset: empty role");
    }

    cig_policyset_free(set);

    set = cig_policyset_create(NULL, 0, &err);

    if (tap_ok(set != NULL, "policyset: empty set created")) {
        n = 99;
        found = cig_policyset_find(set, pol_str("arn:aws:iam::1:role/a"), &n);
        tap_ok(n == 0 && found == NULL, "policyset: empty set finds nothing");
    }

    cig_policyset_free(set);
    cig_policyset_free(NULL);

    for (i = 0; i < UNIT_NELTS(p); i++) {
        cig_policy_free(p[i]);
    }

    cig_policy_free(NULL);
}


/* ---------------------------------------------------------------------- */
/* Templates */

static void
pol_templates(void)
{
    static const struct {
        const char  *name;
        const char  *tmpl;
        const char  *claims;    /* NULL: Alice without tags */
        const char  *out;       /* NULL: no expansion */
    } cases[] = {
        { "no variables", "/users/x", NULL, "/users/x" },
        { "empty", "", NULL, "" },
        { "sub", "/users/${cognito-identity.amazonaws.com:sub}/",
          NULL, "/users/" ALICE "/" },
        { "sub, key name in other case",
          "${COGNITO-IDENTITY.AMAZONAWS.COM:Sub}", NULL, ALICE },
        { "sub, spaces before the brace",
          "${cognito-identity.amazonaws.com:sub  }", NULL, ALICE },
        { "aud", "${cognito-identity.amazonaws.com:aud}", NULL, POOL },
        { "two variables", "${aws:PrincipalTag/a}-${aws:PrincipalTag/b}",
          E_TAGS("\"a\":[\"1\"],\"B\":[\"2\"]"), "1-2" },
        { "tag", "/t/${aws:PrincipalTag/team}",
          E_TAGS("\"team\":[\"blue\"]"), "/t/blue" },
        { "tag with '*' stays '*'", "/t/${aws:PrincipalTag/team}",
          E_TAGS("\"team\":[\"*\"]"), "/t/*" },
        { "missing tag", "/t/${aws:PrincipalTag/team}", NULL, NULL },
        { "several tag values", "/t/${aws:PrincipalTag/team}",
          E_TAGS("\"team\":[\"a\",\"b\"]"), NULL },
        { "default", "/t/${aws:PrincipalTag/team, 'none'}", NULL, "/t/none" },
        { "default, no space", "/t/${aws:PrincipalTag/team,'none'}", NULL,
          "/t/none" },
        { "default unused", "/t/${aws:PrincipalTag/team, 'none'}",
          E_TAGS("\"team\":[\"blue\"]"), "/t/blue" },
        { "empty default", "/t/${aws:PrincipalTag/team, ''}", NULL, "/t/" },
        { "default with '*'", "${aws:PrincipalTag/team, '*'}", NULL, "*" },
        { "unknown variable", "${aws:username}", NULL, NULL },
        { "unknown variable with a default", "${aws:username, 'u'}", NULL,
          "u" },
        { "escapes", "${*}${?}${$}", NULL, "*?$" },
        { "escape before text", "${$}{x}", NULL, "${x}" },
        { "'*' and '?' are text", "a*b?c", NULL, "a*b?c" },
        { "'$' alone", "$a$", NULL, "$a$" },
        { "'{' alone", "{cognito-identity.amazonaws.com:sub}", NULL,
          "{cognito-identity.amazonaws.com:sub}" },
        { "source ip", "${aws:SourceIp}", NULL, "192.0.2.1" },
        { "secure transport", "${aws:SecureTransport}", NULL, "false" },
        { "current time", "${aws:CurrentTime}", NULL, "2025-06-15T15:06:40Z" },
        { "epoch time", "${aws:EpochTime}", NULL, "1750000000" },
        { "request key", "${s3:prefix}", NULL, "p/" },
        { "absent request key", "${s3:delimiter}", NULL, NULL },
    };

    static const struct {
        const char  *tmpl;
        const char  *msg;
    } bad[] = {
        { "${aws:x", "unterminated \"${\"" },
        { "a${", "unterminated" },
        { "${}", "empty variable" },
        { "${ }", "empty variable" },
        { "${, 'd'}", "empty variable" },
        { "${aws:x, d}", "a default value is written" },
        { "${aws:x, 'd}", "a default value is written" },
        { "${aws:x, '}", "a default value is written" },
        { "${cognito-identity.amazonaws.com:amr}", "cannot be a variable" },
    };

    const cig_json_t  *claims;
    cig_template_t    *t;
    cig_identity_t     id;
    cig_request_t      req;
    pol_ctx_t          ctx;
    cig_kv_t           kv;
    char               buf[256], why[128];
    size_t             i, len;
    int                ok;

    tap_note("templates");

    for (i = 0; i < UNIT_NELTS(cases); i++) {
        const char  *cj = cases[i].claims ? cases[i].claims : E_ALICE "}";

        pol_begin(&ctx);

        claims = cig_json_parse(cj, strlen(cj), 16, &ctx.a, &ctx.err);
        if (claims == NULL || !dec_identity(claims, &id, why, sizeof(why))) {
            tap_ok(0, "template: %s: claims", cases[i].name);
            pol_end(&ctx);
            continue;
        }

        memset(&req, 0, sizeof(cig_request_t));
        req.id = &id;
        req.source_ip = pol_str("192.0.2.1");
        req.now = NOW1;
        kv.name = pol_str("s3:prefix");
        kv.value = pol_str("p/");
        req.keys = &kv;
        req.nkeys = 1;

        t = cig_template_compile(cases[i].tmpl, strlen(cases[i].tmpl), 0,
                                 &ctx.a, &ctx.err);

        if (!tap_ok(t != NULL, "template: %s: compiles", cases[i].name)) {
            tap_diag("%s", ctx.err.msg);
            pol_end(&ctx);
            continue;
        }

        len = 12345;
        ok = cig_template_expand(t, &req, buf, sizeof(buf), &len);

        if (cases[i].out == NULL) {
            tap_ok(!ok, "template: %s: no expansion", cases[i].name);

        } else if (tap_ok(ok, "template: %s: expands", cases[i].name)) {
            tap_is_mem(buf, len, cases[i].out, strlen(cases[i].out),
                       "template: %s: text", cases[i].name);

            /* exactly enough room, then one byte short */

            len = 0;
            tap_ok(cig_template_expand(t, &req, buf, strlen(cases[i].out),
                                       &len)
                   && len == strlen(cases[i].out),
                   "template: %s: fits exactly", cases[i].name);

            if (strlen(cases[i].out) > 0) {
                tap_ok(!cig_template_expand(t, &req, buf,
                                            strlen(cases[i].out) - 1, &len),
                       "template: %s: one byte short", cases[i].name);
            }
        }

        pol_end(&ctx);
    }

    for (i = 0; i < UNIT_NELTS(bad); i++) {
        pol_begin(&ctx);

        t = cig_template_compile(bad[i].tmpl, strlen(bad[i].tmpl), 0, &ctx.a,
                                 &ctx.err);

        tap_ok(t == NULL && ctx.err.code == CIG_ERR_CONFIG,
               "template: \"%s\" refused", bad[i].tmpl);
        tap_like(ctx.err.msg, bad[i].msg, "template: \"%s\": message",
                 bad[i].tmpl);

        pol_end(&ctx);
    }

    /* with glob, '*' and '?' are wildcards, and expand as themselves */

    pol_begin(&ctx);

    t = cig_template_compile(S("a*b?${*}"), 1, &ctx.a, &ctx.err);

    if (tap_ok(t != NULL, "template: glob compiles")) {
        tap_ok(t->nsegs == 5 && t->segs[1].type == CIG_SEG_STAR
               && t->segs[3].type == CIG_SEG_QMARK
               && t->segs[4].type == CIG_SEG_LIT, "template: glob pieces");
        tap_ok(!t->vars, "template: escapes are not variables");
    }

    pol_end(&ctx);
}


/*
 * Request headers to condition keys: which headers are read, for which
 * actions, and what is refused (repeated, joined, overlong, bad tags).
 */

typedef struct {
    const char  *method;
    const char  *path;
    const char  *query;
    const char  *headers;       /* "Name: value\n"... */
    const char  *tls;
    cig_code_t   rc;
    const char  *keys;          /* "name=value;..." in order, or the reason */
    size_t       nchecks;
} hdr_case_t;


static void
pol_s3_header_one(const hdr_case_t *hc, size_t i)
{
    cig_mapped_t  m;
    cig_http_t    h;
    pol_ctx_t     ctx;
    cig_code_t    rc;
    char          keys[1024];
    const char   *p, *nl, *colon;
    size_t        k, off;

    pol_begin(&ctx);
    memset(&h, 0, sizeof(cig_http_t));

    h.method = pol_str(hc->method);
    h.path = pol_str(hc->path);
    h.query = pol_str(hc->query ? hc->query : "");
    h.tls_version = pol_str(hc->tls ? hc->tls : "");
    h.auth_type = pol_str("");
    h.signature_version = pol_str("");

    rc = CIG_OK;

    for (p = hc->headers; rc == CIG_OK && p && *p; p = nl + 1) {
        nl = strchr(p, '\n');
        colon = strchr(p, ':');

        /* name and value are not NUL-terminated, as in a server's buffer */

        rc = cig_s3_header(&h, p, (size_t) (colon - p), colon + 2,
                           (size_t) (nl - colon - 2), &ctx.err);
    }

    if (rc == CIG_OK) {
        rc = cig_map_s3(&h, pol_str(""), &ctx.a, &m, &ctx.err);
    }

    if (!tap_is_int(rc, hc->rc, "headers %zu: %s %s: result", i, hc->method,
                    hc->path))
    {
        tap_diag("%s", ctx.err.msg);
        pol_end(&ctx);
        return;
    }

    if (rc != CIG_OK) {
        tap_like(ctx.err.msg, hc->keys, "headers %zu: reason", i);
        pol_end(&ctx);
        return;
    }

    off = 0;
    keys[0] = '\0';

    for (k = 0; k < m.nkeys && off < sizeof(keys); k++) {
        off += (size_t) snprintf(keys + off, sizeof(keys) - off, "%s%.*s=%.*s",
                                 k ? ";" : "", (int) m.keys[k].name.len,
                                 m.keys[k].name.data,
                                 (int) m.keys[k].value.len,
                                 m.keys[k].value.data);
    }

    tap_is_str(keys, hc->keys, "headers %zu: keys", i);
    tap_is_int(m.nchecks, hc->nchecks ? hc->nchecks : 1,
               "headers %zu: checks", i);

    pol_end(&ctx);
}


static void
pol_s3_headers(void)
{
    static char  big[CIG_S3_HEADER_MAX + 64], tags[256];
    size_t       i, off;

#define OBJK  "/mybucket/k/x.txt"
#define OK    CIG_OK
#define BAD   CIG_ERR_BAD_REQUEST

    hdr_case_t  cases[] = {
        /* PutObject: every header key, in one order */
        { "PUT", OBJK, NULL,
          "X-Amz-Storage-Class: STANDARD_IA\n"
          "x-amz-server-side-encryption: aws:kms\n"
          "x-amz-server-side-encryption-aws-kms-key-id: arn:k\n"
          "x-amz-metadata-directive: REPLACE\n"
          "x-amz-content-sha256: UNSIGNED-PAYLOAD\n"
          "x-amz-meta-color: blue\n", NULL, OK,
          "s3:x-amz-server-side-encryption=aws:kms;"
          "s3:x-amz-server-side-encryption-aws-kms-key-id=arn:k;"
          "s3:x-amz-storage-class=STANDARD_IA;"
          "s3:x-amz-metadata-directive=REPLACE;"
          "s3:x-amz-content-sha256=UNSIGNED-PAYLOAD", 0 },
        /* ACL headers also need s3:PutObjectAcl, with the same keys */
        { "PUT", OBJK, NULL,
          "x-amz-acl: private\n"
          "x-amz-grant-read: id=a, emailAddress=b@example.com\n"
          "x-amz-grant-write: id=w\n"
          "x-amz-grant-read-acp: id=r\n"
          "x-amz-grant-write-acp: id=wa\n"
          "x-amz-grant-full-control: id=f\n", NULL, OK,
          "s3:x-amz-acl=private;"
          "s3:x-amz-grant-read=id=a, emailAddress=b@example.com;"
          "s3:x-amz-grant-write=id=w;s3:x-amz-grant-read-acp=id=r;"
          "s3:x-amz-grant-write-acp=id=wa;s3:x-amz-grant-full-control=id=f",
          2 },
        /* object lock: the keys and the permissions */
        { "PUT", OBJK, NULL,
          "x-amz-object-lock-mode: GOVERNANCE\n"
          "x-amz-object-lock-retain-until-date: 2030-01-01T00:00:00Z\n"
          "x-amz-object-lock-legal-hold: ON\n", NULL, OK,
          "s3:object-lock-mode=GOVERNANCE;"
          "s3:object-lock-retain-until-date=2030-01-01T00:00:00Z;"
          "s3:object-lock-legal-hold=ON", 3 },
        /* tags: each a key, every key a value of the multi-valued key */
        { "PUT", OBJK, NULL, "x-amz-tagging: a=1&B=x%20y+z&c\n", NULL, OK,
          "s3:requestobjecttag/a=1;s3:requestobjecttagkeys=a;"
          "s3:requestobjecttag/B=x y z;s3:requestobjecttagkeys=B;"
          "s3:requestobjecttag/c=;s3:requestobjecttagkeys=c", 2 },
        { "PUT", OBJK, NULL, "x-amz-tagging: \n", NULL, OK, "", 2 },
        /* multipart uploads and copies are s3:PutObject */
        { "POST", OBJK, "uploads", "x-amz-server-side-encryption: AES256\n",
          NULL, OK, "s3:x-amz-server-side-encryption=AES256", 0 },
        { "PUT", OBJK, NULL, "x-amz-copy-source: mybucket/a\n"
          "x-amz-metadata-directive: COPY\n", NULL, OK,
          "s3:x-amz-metadata-directive=COPY;s3:x-amz-copy-source=mybucket/a",
          2 },
        /* other actions: none of PutObject's keys */
        { "GET", OBJK, NULL, "x-amz-acl: public-read\n"
          "x-amz-server-side-encryption: AES256\n"
          "x-amz-tagging: a=1\n", NULL, OK, "", 0 },
        { "DELETE", OBJK, NULL, "x-amz-storage-class: GLACIER\n", NULL, OK,
          "", 0 },
        /* the ACL writes: only the ACL keys */
        { "PUT", OBJK, "acl", "x-amz-acl: public-read\n"
          "x-amz-storage-class: GLACIER\n", NULL, OK,
          "s3:x-amz-acl=public-read", 0 },
        { "PUT", OBJK, "acl&versionId=v", "x-amz-grant-read: id=1\n", NULL,
          OK, "s3:versionid=v;s3:x-amz-grant-read=id=1", 0 },
        { "PUT", "/mybucket", NULL, "x-amz-acl: private\n", NULL, OK,
          "s3:x-amz-acl=private", 2 },     /* and s3:PutBucketAcl */
        { "PUT", "/mybucket", "acl", "x-amz-grant-write: id=2\n", NULL, OK,
          "s3:x-amz-grant-write=id=2", 0 },
        /* PutObjectTagging's tags are in the body: not a header's keys */
        { "PUT", OBJK, "tagging", "x-amz-tagging: a=1\n", NULL, OK, "", 0 },
        /* the keys of every action */
        { "GET", "/", NULL, "x-amz-content-sha256: abc\n", "TLSv1.3", OK,
          "s3:x-amz-content-sha256=abc;s3:tlsversion=1.3", 0 },
        { "GET", "/mybucket", "prefix=a", NULL, "TLSv1.2", OK,
          "s3:prefix=a;s3:tlsversion=1.2", 0 },
        { "GET", OBJK, NULL, NULL, "TLSv1.1", OK, "s3:tlsversion=1.1", 0 },
        { "GET", OBJK, NULL, NULL, "TLSv1", OK, "s3:tlsversion=1.0", 0 },
        { "GET", OBJK, NULL, NULL, "SSLv3", OK, "s3:tlsversion=0", 0 },
        { "GET", OBJK, NULL, NULL, "TLSv1.30", OK, "s3:tlsversion=0", 0 },
        /* an unknown grant is not a key, but still needs PutObjectAcl */
        { "PUT", OBJK, NULL, "x-amz-grant-everything: id=1\n", NULL, OK, "",
          2 },
        /* refused */
        { "PUT", OBJK, NULL, "x-amz-acl: private\nX-AMZ-ACL: private\n",
          NULL, BAD, "x-amz-acl is repeated", 0 },
        { "PUT", OBJK, NULL, "x-amz-acl: private, public-read\n", NULL, BAD,
          "x-amz-acl is repeated", 0 },
        { "PUT", OBJK, NULL, "x-amz-server-side-encryption: AES256,aws:kms\n",
          NULL, BAD, "x-amz-server-side-encryption is repeated", 0 },
        { "PUT", OBJK, NULL, "x-amz-tagging: a=1\nx-amz-tagging: b=2\n", NULL,
          BAD, "x-amz-tagging is repeated", 0 },
        { "PUT", OBJK, NULL, "x-amz-copy-source: b/a\n"
          "x-amz-copy-source: b/c\n", NULL, BAD,
          "x-amz-copy-source is repeated", 0 },
        { "GET", OBJK, NULL, "x-amz-content-sha256: a\n"
          "x-amz-content-sha256: a\n", NULL, BAD,
          "x-amz-content-sha256 is repeated", 0 },
        { "PUT", OBJK, NULL, "x-amz-tagging: a=1&A=2\n", NULL, BAD,
          "tag key given twice", 0 },
        { "PUT", OBJK, NULL, "x-amz-tagging: a=1&\n", NULL, BAD,
          "a tag without a key", 0 },
        { "PUT", OBJK, NULL, "x-amz-tagging: a=1, b=2\n", NULL, BAD,
          "character 0x20", 0 },
        { "PUT", OBJK, NULL, "x-amz-tagging: a=%00\n", NULL, BAD,
          "encoded NUL", 0 },
        { "PUT", OBJK, NULL, big, NULL, BAD, "longer than 8192 bytes", 0 },
        { "PUT", OBJK, NULL, tags, NULL, BAD, "more than 10 tags", 0 },
    };

    tap_note("S3 request headers and their condition keys");

    /* one byte over the bound */

    off = (size_t) snprintf(big, sizeof(big), "x-amz-storage-class: ");
    memset(big + off, 'A', CIG_S3_HEADER_MAX + 1);
    big[off + CIG_S3_HEADER_MAX + 1] = '\n';
    big[off + CIG_S3_HEADER_MAX + 2] = '\0';

    off = (size_t) snprintf(tags, sizeof(tags), "x-amz-tagging: ");
    for (i = 0; i <= CIG_S3_MAX_TAGS; i++) {
        off += (size_t) snprintf(tags + off, sizeof(tags) - off, "%sk%zu=v",
                                 i ? "&" : "", i);
    }
    snprintf(tags + off, sizeof(tags) - off, "\n");

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        pol_s3_header_one(&cases[i], i);
    }

    /* exactly 10 tags, and a value exactly at the bound, are taken */

    tags[strlen(tags) - sizeof("&k10=v\n") + 1] = '\n';
    tags[strlen(tags) - sizeof("k10=v\n") + 1] = '\0';
    {
        hdr_case_t  ten = { "PUT", OBJK, NULL, tags, NULL, OK,
            "s3:requestobjecttag/k0=v;s3:requestobjecttagkeys=k0;"
            "s3:requestobjecttag/k1=v;s3:requestobjecttagkeys=k1;"
            "s3:requestobjecttag/k2=v;s3:requestobjecttagkeys=k2;"
            "s3:requestobjecttag/k3=v;s3:requestobjecttagkeys=k3;"
            "s3:requestobjecttag/k4=v;s3:requestobjecttagkeys=k4;"
            "s3:requestobjecttag/k5=v;s3:requestobjecttagkeys=k5;"
            "s3:requestobjecttag/k6=v;s3:requestobjecttagkeys=k6;"
            "s3:requestobjecttag/k7=v;s3:requestobjecttagkeys=k7;"
            "s3:requestobjecttag/k8=v;s3:requestobjecttagkeys=k8;"
            "s3:requestobjecttag/k9=v;s3:requestobjecttagkeys=k9", 2 };

        pol_s3_header_one(&ten, i++);
    }

    big[off = strlen("x-amz-storage-class: ") + CIG_S3_HEADER_MAX] = '\n';
    big[off + 1] = '\0';
    {
        hdr_case_t  bound = { "GET", OBJK, NULL, big, NULL, OK, "", 0 };

        pol_s3_header_one(&bound, i++);
    }

#undef OBJK
#undef OK
#undef BAD
}


/* ---------------------------------------------------------------------- */

void
test_policy(void)
{
    tap_note("policies: decision cases");
    pol_decisions();
    pol_compile_errors();
    pol_warnings();
    pol_glob();
    pol_path_decode();
    pol_map_s3();
    pol_s3_headers();
    pol_map_s3_headers();
    pol_partitions();
    pol_map_execute_api();
    pol_evaluate();
    pol_decide();
    pol_policyset();
    pol_templates();
}
