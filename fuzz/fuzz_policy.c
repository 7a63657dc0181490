/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target: IAM policy documents, compiled (cig_policy_from_json)
 * and, when they compile, evaluated.
 *
 *   input = POLICY [\0 ACTION [\0 RESOURCE [\0 CLAIMS [\0 KEY \0 VALUE]]]]
 *
 * A compiled policy is evaluated for fixed S3 requests of a fixed identity
 * and for the fuzzed action, resource, request key and identity (CLAIMS,
 * when they hold what a verified Cognito token holds).  Invariants: the
 * evaluation is the same twice, with and without a trace, and with the
 * policy given twice; a Deny-everything policy added always wins; a verdict
 * names a statement that exists.
 */

#include <stdlib.h>

#include "fuzz_common.h"


#define DENY_ALL  "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":"  \
                  "\"Deny\",\"Action\":\"*\",\"Resource\":\"*\"}]}"


static cig_policy_t  *deny_all;


int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    cig_err_t  err;

    (void) argc;
    (void) argv;

    deny_all = cig_policy_from_json(DENY_ALL, sizeof(DENY_ALL) - 1, NULL,
                                    NULL, &err);
    check(deny_all != NULL);

    return 0;
}


static void
warned(void *ctx, const char *msg)
{
    check(msg != NULL && msg[0] != '\0');
    (*(unsigned *) ctx)++;
}


static void
traced(void *ctx, const cig_trace_t *t)
{
    check(memchr(t->resources, '\0', sizeof(t->resources)) != NULL);
    check(t->applies || t->why != NULL);
    (*(size_t *) ctx)++;
}


static void
evaluate(cig_policy_t *p, size_t nstatements, cig_request_t *req)
{
    cig_policy_t    *two[2], *with_deny[2];
    cig_verdict_t    v, v2;
    cig_decision_t   d, d2;
    size_t           ntraced;

    memset(&v, 0, sizeof(v));
    d = cig_policy_evaluate(&p, 1, req, &v);

    check(d == CIG_DENY_DEFAULT || d == CIG_ALLOW || d == CIG_DENY_EXPLICIT);

    if (d != CIG_DENY_DEFAULT) {
        check(v.policy == 0 && v.statement < nstatements);
    }

    d2 = cig_policy_evaluate(&p, 1, req, &v2);
    check(d2 == d);

    ntraced = 0;
    req->trace = traced;
    req->trace_ctx = &ntraced;
    d2 = cig_policy_evaluate(&p, 1, req, &v2);
    req->trace = NULL;
    req->trace_ctx = NULL;
    check(d2 == d);

    two[0] = p;
    two[1] = p;
    check(cig_policy_evaluate(two, 2, req, &v2) == d);

    /* an action that can be evaluated at all (1 to 255 bytes) */

    with_deny[0] = p;
    with_deny[1] = deny_all;
    d2 = cig_policy_evaluate(with_deny, 2, req, &v2);

    if (req->action.len > 0 && req->action.len < 256) {
        check(d2 == CIG_DENY_EXPLICIT);

    } else {
        check(d == CIG_DENY_DEFAULT && d2 == CIG_DENY_DEFAULT);
    }
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t    *p = data, *end = data + size;
    cig_str_t         text, action, resource, claims, key, value;
    cig_policy_t     *pol;
    cig_arena_t      *arena;
    cig_allocator_t   a;
    cig_identity_t    fixed, fuzzed;
    cig_request_t     req;
    cig_kv_t          kv[2];
    cig_err_t         err;
    unsigned          nwarn = 0;
    size_t            n;
    int               have_fuzzed;
    char             *copy;

    text = fuzz_part(&p, end);
    action = fuzz_part(&p, end);
    resource = fuzz_part(&p, end);
    claims = fuzz_part(&p, end);
    key = fuzz_part(&p, end);
    value = fuzz_part(&p, end);

    copy = malloc(text.len + 1);
    check(copy != NULL);
    memcpy(copy, text.data, text.len);

    err.code = CIG_OK;
    err.msg[0] = '\0';

    pol = cig_policy_from_json(copy, text.len, warned, &nwarn, &err);

    if (pol == NULL) {
        check(err.code == CIG_ERR_CONFIG || err.code == CIG_ERR_INTERNAL);
        check(err.msg[0] != '\0');
        check(memchr(err.msg, '\0', sizeof(err.msg)) != NULL);
        free(copy);
        return 0;
    }

    /* the compiled policy must not point into the text */

    memset(copy, 'x', text.len);
    free(copy);

    n = cig_policy_statements(pol);
    check(n >= 1);

    arena = cig_arena_create();
    check(arena != NULL);
    cig_arena_allocator(arena, &a);

    check(fuzz_identity(fuzz_parse(FUZZ_CLAIMS, sizeof(FUZZ_CLAIMS) - 1, &a),
                        &fixed));
    have_fuzzed = claims.len > 0
                  && fuzz_identity(fuzz_parse(claims.data, claims.len, &a),
                                   &fuzzed);

    kv[0].name = fuzz_str("s3:prefix", 9);
    kv[0].value = fuzz_str(FUZZ_SUB "/", sizeof(FUZZ_SUB));
    kv[1].name = key;
    kv[1].value = value;

    memset(&req, 0, sizeof(req));
    req.id = &fixed;
    req.source_ip = fuzz_str("192.0.2.1", 9);
    req.secure = 1;
    req.now = FUZZ_NOW;

    /* fixed requests */

    req.action = fuzz_str("s3:GetObject", 12);
    req.resource = fuzz_str("arn:aws:s3:::bucket/" FUZZ_SUB "/a.txt",
                            sizeof("arn:aws:s3:::bucket/" FUZZ_SUB "/a.txt")
                            - 1);
    evaluate(pol, n, &req);

    req.action = fuzz_str("s3:ListBucket", 13);
    req.resource = fuzz_str("arn:aws:s3:::bucket", 19);
    req.keys = kv;
    req.nkeys = 1;
    evaluate(pol, n, &req);

    /* the fuzzed request, by the fixed identity and the fuzzed one */

    req.action = action;
    req.resource = resource;
    req.nkeys = key.len > 0 ? 2 : 1;
    req.source_ip = fuzz_str("2001:db8::1", 11);
    req.secure = 0;
    evaluate(pol, n, &req);

    if (have_fuzzed) {
        req.id = &fuzzed;
        evaluate(pol, n, &req);
    }

    cig_arena_destroy(arena);
    cig_policy_free(pol);

    return 0;
}
