/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target: the credential proxy (cognito_identity_credentials):
 * the client's awsJson1_1 request and the upstream's answers, as the core
 * checks them (cig_creds.c).
 *
 *   input = MODE BODY
 *
 * MODE (one byte): bits 0-1 what BODY is: 0 a client request (JSON, as the
 * connector parses it), 1 Cognito's JSON answer, 2 STS's XML answer, 3 a
 * Cognito token peeked at without its signature; bits 2-3 the operation
 * (none, GetId, GetOpenIdToken, GetCredentialsForIdentity).
 *
 * Invariants: a request forwarded in pass mode names a served pool (GetId)
 * or a well-formed identity of a served region; a refusal is a 4xx with a
 * Cognito error type; a relayed answer is rebuilt JSON of printable ASCII
 * holding only the operation's members, the identity asked for and, for
 * credentials, ones expiring within a day; an error relayed is one of
 * Cognito's types with a printable message; XML text read is inside the
 * body, non-empty, and free of markup, quotes, backslashes and control
 * characters.
 */

#include "fuzz_common.h"


static const cig_creds_op_t  ops[4] = {
    CIG_CREDS_NONE, CIG_CREDS_GETID, CIG_CREDS_TOKEN, CIG_CREDS_CREDS
};

static cig_str_t  audiences[2];


int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void) argc;
    (void) argv;

    audiences[0] = fuzz_str(FUZZ_POOL, sizeof(FUZZ_POOL) - 1);
    audiences[1] = fuzz_str("eu-west-1:0d0d0d0d-0000-4000-8000-000000000002",
                            sizeof("eu-west-1:0d0d0d0d-0000-4000-8000-"
                                   "000000000002") - 1);
    cig_strs_sort(audiences, 2);

    return 0;
}


static void
text_ok(const char *body, size_t len, cig_str_t s)
{
    size_t  i;

    check(s.len > 0);
    check(s.data > body && s.data + s.len < body + len);

    for (i = 0; i < s.len; i++) {
        unsigned char  c = (unsigned char) s.data[i];

        check(c >= 0x20 && c != '<' && c != '&' && c != '"' && c != '\\');
    }
}


static void
request(cig_creds_op_t op, const char *body, size_t len,
    const cig_allocator_t *a)
{
    const cig_json_t  *req, *m;
    cig_refusal_t      no;
    cig_str_t          id, token, role;
    cig_err_t          err;
    cig_code_t         rc;

    req = cig_json_parse(body, len, 8, a, &err);

    memset(&no, 0, sizeof(no));
    rc = cig_creds_pass_check(op, req, audiences, 2, a, &no);

    if (rc == CIG_OK) {
        check(req != NULL && req->type == CIG_JSON_OBJECT);

        if (op == CIG_CREDS_GETID) {
            m = cig_json_get(req, "IdentityPoolId");
            check(m && m->type == CIG_JSON_STRING
                  && cig_strs_find(audiences, 2, m->str.data, m->str.len));

        } else {
            m = cig_json_get(req, "IdentityId");
            check(m && m->type == CIG_JSON_STRING
                  && cig_identity_id_valid(m->str.data, m->str.len));
        }

    } else {
        check(no.status >= 400 && no.status < 500);
        check(no.type != NULL && no.type[0] != '\0');
        check(no.message != NULL && no.message[0] != '\0');
    }

    if (req == NULL) {
        return;
    }

    memset(&no, 0, sizeof(no));

    if (cig_creds_sts_fields(req, &id, &token, &role, &no) == CIG_OK) {
        check(token.data != NULL);
        check(role.len == 0 || role.data != NULL);

    } else {
        check(no.status == 400 && no.type != NULL && no.message != NULL);
    }
}


static void
answer(const char *body, size_t len, const cig_allocator_t *a)
{
    const cig_json_t  *j, *m, *req;
    cig_json_t        *back;
    cig_err_t          err;
    cig_str_t          out;
    cig_refusal_t      no;
    char               msg[256];
    size_t             i, k;

    static const char  id[] = "eu-west-1:9539224f-5cd4-4923-a426-d6078ef34b7a";
    static const char  reqs[2][80] = {
        "{\"IdentityId\":\"eu-west-1:9539224f-5cd4-4923-a426-d6078ef34b7a\"}",
        "{\"IdentityPoolId\":\"" FUZZ_POOL "\"}"
    };

    j = cig_json_parse(body, len, 8, a, &err);

    for (i = 0; i < 4; i++) {
        req = cig_json_parse(reqs[i == 1], strlen(reqs[i == 1]), 8, a, &err);
        check(req != NULL);

        if (cig_creds_pass_answer(ops[i], req, j, FUZZ_NOW, a, &out)
            != NULL)
        {
            continue;
        }

        /* a rebuilt answer is JSON of the operation's members only */

        check(ops[i] != CIG_CREDS_NONE);
        back = cig_json_parse(out.data, out.len, 8, a, &err);
        check(back != NULL && back->type == CIG_JSON_OBJECT);
        check(back->count == (ops[i] == CIG_CREDS_GETID ? 1 : 2));

        for (k = 0; k < out.len; k++) {
            check(out.data[k] >= 0x20 && out.data[k] < 0x7f
                  && out.data[k] != '<' && out.data[k] != '\\');
        }

        m = cig_json_get(back, "IdentityId");
        check(m && m->type == CIG_JSON_STRING
              && cig_identity_id_valid(m->str.data, m->str.len));

        if (ops[i] != CIG_CREDS_GETID) {
            check(m->str.len == sizeof(id) - 1
                  && memcmp(m->str.data, id, m->str.len) == 0);
        }

        if (ops[i] == CIG_CREDS_CREDS) {
            m = cig_json_get(back, "Credentials");
            check(m && m->count == 4);
            m = cig_json_get(m, "Expiration");
            check(m && m->type == CIG_JSON_NUMBER && m->num > FUZZ_NOW - 1
                  && m->num <= FUZZ_NOW + CIG_CREDS_MAX_AHEAD);
        }
    }

    memset(msg, 'x', sizeof(msg));

    if (cig_creds_error(j, &no, msg, sizeof(msg))) {
        check(no.status >= 400 && no.status < 600);
        check(no.type != NULL && strchr(no.type, '#') == NULL
              && strchr(no.type, ':') == NULL);
        check(strstr(no.type, "Exception") != NULL);

        for (k = 0; no.message[k] != '\0'; k++) {
            check(no.message[k] >= 0x20 && no.message[k] < 0x7f
                  && no.message[k] != '<' && no.message[k] != '>');
        }
    }
}


static void
sts(const char *body, size_t len)
{
    cig_sts_creds_t  c;
    cig_str_t        code;
    cig_refusal_t    no;
    const char      *why;

    if (cig_xml_text(body, len, "Code", &code)) {
        text_ok(body, len, code);

        if (cig_creds_sts_error(code, &no)) {
            check(no.status >= 400 && no.status < 500 && no.type != NULL);
        }
    }

    if (cig_creds_sts_answer(body, len, FUZZ_NOW, &c, &why)) {
        text_ok(body, len, c.key);
        text_ok(body, len, c.secret);
        text_ok(body, len, c.session);
        check(c.expiration > FUZZ_NOW
              && c.expiration <= FUZZ_NOW + CIG_CREDS_MAX_AHEAD);

    } else {
        check(why != NULL);
    }
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char        *body;
    const cig_json_t  *claims;
    cig_arena_t       *arena;
    cig_allocator_t    a;
    size_t             len;

    if (size == 0) {
        return 0;
    }

    body = (const char *) data + 1;
    len = size - 1;

    arena = cig_arena_create();
    check(arena != NULL);
    cig_arena_allocator(arena, &a);

    switch (data[0] & 3) {

    case 0:
        request(ops[(data[0] >> 2) & 3], body, len, &a);
        break;

    case 1:
        answer(body, len, &a);
        break;

    case 2:
        sts(body, len);
        break;

    default:
        claims = cig_token_peek(body, len, &a);
        (void) cig_json_get(claims, "sub");
        break;
    }

    cig_arena_destroy(arena);

    return 0;
}
