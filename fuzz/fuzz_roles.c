/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target: the identity pool's role attachment (the JSON of
 * get-identity-pool-roles, as cognito_identity_roles and CognitoRoles
 * read it) and the choice of a role from it.
 *
 *   input = ROLES [\0 CLAIMS [\0 REQUESTED-ROLE [\0 CLIENT-ID]]]
 *
 * A file that loads is then asked for a role for a fixed authenticated
 * identity, a fixed guest, and an identity made of the fuzzed CLAIMS when
 * they hold what a verified Cognito token holds.  A chosen role is always a
 * valid role ARN; a refusal is always CIG_ERR_FORBIDDEN or INVALID_TOKEN
 * with a reason; the set built from the file finds it by its pool.
 */

#include <stdlib.h>

#include "fuzz_common.h"


static void
count_role(void *ctx, cig_str_t role)
{
    check(role.len > 0);
    check(cig_role_arn_valid(role.data, role.len));
    (*(size_t *) ctx)++;
}


static void
choose(const cig_roles_t *r, const cig_identity_t *id,
    const cig_role_input_t *in)
{
    cig_role_choice_t  out;
    cig_err_t          err;
    cig_code_t         rc;

    memset(&out, 0, sizeof(out));
    err.code = CIG_OK;
    err.msg[0] = '\0';

    rc = cig_roles_choose(r, id, in, &out, &err);

    if (rc == CIG_OK) {
        check(out.role.len > 0);
        check(cig_role_arn_valid(out.role.data, out.role.len));
        check(out.how != NULL);
        check(out.rule >= -1);

        if (in->requested.len > 0) {
            check(out.role.len == in->requested.len
                  && memcmp(out.role.data, in->requested.data,
                            out.role.len) == 0);
        }

    } else {
        check(rc == CIG_ERR_FORBIDDEN || rc == CIG_ERR_INVALID_TOKEN
              || rc == CIG_ERR_INTERNAL);
        check(memchr(err.msg, '\0', sizeof(err.msg)) != NULL);
        check(err.msg[0] != '\0');
    }
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t     *p = data, *end = data + size;
    cig_str_t          text, claims, requested, client, pool;
    cig_roles_t       *r, *defaults;
    cig_roleset_t     *set;
    cig_arena_t       *arena;
    cig_allocator_t    a;
    cig_identity_t     id;
    cig_role_input_t   in;
    cig_err_t          err;
    size_t             n;
    char              *copy;

    text = fuzz_part(&p, end);
    claims = fuzz_part(&p, end);
    requested = fuzz_part(&p, end);
    client = fuzz_part(&p, end);

    /* the text as a file holds it: no trailing bytes the parser could see */

    copy = malloc(text.len + 1);
    check(copy != NULL);
    memcpy(copy, text.data, text.len);

    err.code = CIG_OK;
    err.msg[0] = '\0';

    r = cig_roles_from_json(copy, text.len, &err);

    if (r == NULL) {
        check(err.code == CIG_ERR_CONFIG || err.code == CIG_ERR_INTERNAL);
        check(err.msg[0] != '\0');
        check(memchr(err.msg, '\0', sizeof(err.msg)) != NULL);
        free(copy);
        return 0;
    }

    /* nothing of the file may point into the text once loaded */

    memset(copy, 'x', text.len);
    free(copy);

    pool = cig_roles_pool(r);
    check(cig_pool_id_valid(pool.data, pool.len));

    arena = cig_arena_create();
    check(arena != NULL);
    cig_arena_allocator(arena, &a);

    in.client_id = client;
    in.requested = requested;

    if (fuzz_identity(fuzz_parse(FUZZ_CLAIMS, sizeof(FUZZ_CLAIMS) - 1, &a),
                      &id))
    {
        id.aud = pool;
        in.claims = id.claims;
        (void) cig_roles_clients_of(r, id.provider);
        choose(r, &id, &in);
    }

    if (fuzz_identity(fuzz_parse(FUZZ_GUEST, sizeof(FUZZ_GUEST) - 1, &a),
                      &id))
    {
        id.aud = pool;
        in.claims = id.claims;
        choose(r, &id, &in);
    }

    if (claims.len > 0
        && fuzz_identity(fuzz_parse(claims.data, claims.len, &a), &id))
    {
        in.claims = id.claims;
        (void) cig_roles_clients_of(r, id.provider);
        choose(r, &id, &in);
    }

    defaults = cig_roles_defaults("arn:aws:iam::123456789012:role/Auth", NULL,
                                  &err);
    check(defaults != NULL);

    set = cig_roleset_create(&r, 1, defaults, &err);

    if (set != NULL) {
        check(cig_roleset_find(set, pool) == r);
        n = 0;
        cig_roleset_each(set, count_role, &n);
        check(n >= 1);
        cig_roleset_free(set);
    }

    cig_roles_free(defaults);
    cig_roles_free(r);
    cig_arena_destroy(arena);

    return 0;
}
