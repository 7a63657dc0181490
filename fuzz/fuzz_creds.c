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
 * Cognito error type; a relayed answer has a valid IdentityId and, for
 * credentials, live ones; XML text read is inside the body, non-empty, and
 * free of markup, quotes, backslashes and control characters.
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
    const cig_json_t  *j, *m;
    cig_err_t          err;
    char               type[128], msg[256];
    size_t             i;

    j = cig_json_parse(body, len, 8, a, &err);

    for (i = 0; i < 4; i++) {
        if (cig_creds_answer_ok(ops[i], j, FUZZ_NOW)) {
            check(ops[i] != CIG_CREDS_NONE);
            m = cig_json_get(j, "IdentityId");
            check(m && m->type == CIG_JSON_STRING
                  && cig_identity_id_valid(m->str.data, m->str.len));

            if (ops[i] == CIG_CREDS_CREDS) {
                m = cig_json_get(cig_json_get(j, "Credentials"),
                                 "Expiration");
                check(m && m->type == CIG_JSON_NUMBER
                      && m->num > FUZZ_NOW);
            }
        }
    }

    memset(type, 'x', sizeof(type));
    memset(msg, 'x', sizeof(msg));

    if (cig_creds_error(j, type, sizeof(type), msg, sizeof(msg))) {
        check(memchr(type, '\0', sizeof(type)) != NULL);
        check(memchr(msg, '\0', sizeof(msg)) != NULL);
        check(strchr(type, '#') == NULL && strchr(type, ':') == NULL);
    }
}


static void
sts(const char *body, size_t len)
{
    cig_sts_creds_t  c;
    cig_str_t        code;

    if (cig_xml_text(body, len, "Code", &code)) {
        text_ok(body, len, code);
    }

    if (cig_creds_sts_answer(body, len, FUZZ_NOW, &c)) {
        text_ok(body, len, c.key);
        text_ok(body, len, c.secret);
        text_ok(body, len, c.session);
        check(c.expiration > FUZZ_NOW);
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
