/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The credential proxy's checks (cig_creds.c): requests before they are
 * forwarded, Cognito's and STS's answers before they are relayed.
 */

#include <stdio.h>
#include <string.h>

#include "unit.h"


#define S(lit)  lit, sizeof(lit) - 1
#define POOL    "us-east-1:0d0d0d0d-0000-4000-8000-000000000001"
#define ID      "us-east-1:11111111-2222-4333-8444-555555555555"
#define NOW     1700000000


static cig_json_t *
parse(cig_allocator_t *a, const char *s)
{
    cig_err_t  err;

    return cig_json_parse(s, strlen(s), 8, a, &err);
}


/* "h.<claims>.s" with the claims base64url-encoded */

static const char *
token_for(cig_allocator_t *a, const char *claims)
{
    char    *t;
    size_t   n;

    n = strlen(claims);
    t = a->alloc(a->ctx, n * 2 + 8);
    memcpy(t, "h.", 2);
    n = cig_b64url_encode((const unsigned char *) claims, n, t + 2);
    memcpy(t + 2 + n, ".s", 3);

    return t;
}


static void
creds_requests(cig_allocator_t *a)
{
    char           body[1024];
    cig_str_t      aud[1], id, token, role;
    cig_refusal_t  no;
    const char    *good, *other_sub, *other_aud;

    static const struct {
        const char  *name;
        int          op;
        const char  *body;
        unsigned     status;        /* 0: forwarded */
    } cases[] = {
        { "GetId, our pool", CIG_CREDS_GETID,
          "{\"IdentityPoolId\":\"" POOL "\"}", 0 },
        { "GetId, another pool", CIG_CREDS_GETID,
          "{\"IdentityPoolId\":\"us-east-1:0d0d0d0d-0000-4000-8000-"
          "000000000002\"}", 404 },
        { "GetId, pool as a number", CIG_CREDS_GETID,
          "{\"IdentityPoolId\":1}", 404 },
        { "GetId, no pool", CIG_CREDS_GETID, "{}", 404 },
        { "GetId, array body", CIG_CREDS_GETID, "[]", 400 },
        { "GetCredentials, identity of a served region", CIG_CREDS_CREDS,
          "{\"IdentityId\":\"" ID "\"}", 0 },
        { "GetCredentials, identity of another region", CIG_CREDS_CREDS,
          "{\"IdentityId\":\"eu-west-1:11111111-2222-4333-8444-"
          "555555555555\"}", 404 },
        { "GetCredentials, identity with ../", CIG_CREDS_CREDS,
          "{\"IdentityId\":\"us-east-1:../../../../../../../../etc/x\"}",
          400 },
        { "GetCredentials, no identity", CIG_CREDS_CREDS, "{}", 400 },
        { "GetOpenIdToken, identity as an object", CIG_CREDS_TOKEN,
          "{\"IdentityId\":{}}", 400 },
        { "GetCredentials, Logins token not a string", CIG_CREDS_CREDS,
          "{\"IdentityId\":\"" ID "\",\"Logins\":{\"cognito-identity."
          "amazonaws.com\":5}}", 403 },
        { "GetCredentials, Logins token not a JWS", CIG_CREDS_CREDS,
          "{\"IdentityId\":\"" ID "\",\"Logins\":{\"cognito-identity."
          "amazonaws.com\":\"abc\"}}", 403 },
        { "GetCredentials, other logins only", CIG_CREDS_CREDS,
          "{\"IdentityId\":\"" ID "\",\"Logins\":{\"accounts.google.com\":"
          "\"x\"}}", 0 },
    };

    size_t        i;
    cig_code_t    rc;
    cig_json_t   *req;

    aud[0].data = POOL;
    aud[0].len = sizeof(POOL) - 1;

    for (i = 0; i < UNIT_NELTS(cases); i++) {
        no.status = 0;
        req = parse(a, cases[i].body);
        rc = cig_creds_pass_check((cig_creds_op_t) cases[i].op, req, aud, 1,
                                  a, &no);
        tap_is_int(rc == CIG_OK ? 0 : (long long) no.status,
                   cases[i].status, "pass request: %s", cases[i].name);
    }

    good = token_for(a, "{\"aud\":\"" POOL "\",\"sub\":\"" ID "\"}");
    other_sub = token_for(a, "{\"aud\":\"" POOL "\",\"sub\":\"us-east-1:"
                          "11111111-2222-4333-8444-555555555556\"}");
    other_aud = token_for(a, "{\"aud\":\"us-east-1:0d0d0d0d-0000-4000-8000-"
                          "000000000009\",\"sub\":\"" ID "\"}");

    snprintf(body, sizeof(body), "{\"IdentityId\":\"" ID "\",\"Logins\":"
             "{\"cognito-identity.amazonaws.com\":\"%s\"}}", good);
    tap_is_int(cig_creds_pass_check(CIG_CREDS_CREDS, parse(a, body), aud, 1,
                                    a, &no), CIG_OK,
               "pass request: token for this identity and pool");

    snprintf(body, sizeof(body), "{\"IdentityId\":\"" ID "\",\"Logins\":"
             "{\"cognito-identity.amazonaws.com\":\"%s\"}}", other_sub);
    no.status = 0;
    cig_creds_pass_check(CIG_CREDS_CREDS, parse(a, body), aud, 1, a, &no);
    tap_is_int(no.status, 403, "pass request: token for another identity");

    snprintf(body, sizeof(body), "{\"IdentityId\":\"" ID "\",\"Logins\":"
             "{\"cognito-identity.amazonaws.com\":\"%s\"}}", other_aud);
    no.status = 0;
    cig_creds_pass_check(CIG_CREDS_CREDS, parse(a, body), aud, 1, a, &no);
    tap_is_int(no.status, 403, "pass request: token for another pool");

    /* sts */

    snprintf(body, sizeof(body), "{\"IdentityId\":\"" ID "\",\"Logins\":"
             "{\"cognito-identity.amazonaws.com\":\"%s\"},"
             "\"CustomRoleArn\":\"arn:aws:iam::1:role/r\"}", good);
    tap_ok(cig_creds_sts_fields(parse(a, body), &id, &token, &role, &no)
           == CIG_OK && cig_str_is(id, ID) && token.len == strlen(good)
           && cig_str_is(role, "arn:aws:iam::1:role/r"),
           "sts request: identity, token and role read");

    tap_is_int(cig_creds_sts_fields(parse(a, "{\"IdentityId\":\"" ID "\"}"),
                                    &id, &token, &role, &no),
               CIG_ERR_BAD_REQUEST, "sts request: no token is refused");
    tap_is_int(no.status, 400, "sts request: ... with 400");

    tap_is_int(cig_creds_op(S("GetId")), CIG_CREDS_GETID, "op GetId");
    tap_is_int(cig_creds_op(S("GetCredentialsForIdentity")),
               CIG_CREDS_CREDS, "op GetCredentialsForIdentity");
    tap_is_int(cig_creds_op(S("getid")), CIG_CREDS_NONE,
               "op names are case-sensitive");
    tap_is_int(cig_creds_op(S("DeleteIdentityPool")), CIG_CREDS_NONE,
               "other operations are not served");
}


static void
creds_answers(cig_allocator_t *a)
{
    char              msg[256], buf[160];
    const char       *why;
    cig_str_t         s, out;
    cig_refusal_t     no;
    cig_sts_creds_t   c;
    cig_json_t       *creq, *treq, *greq;

    static const char  creds_ok[] =
        "{\"IdentityId\":\"" ID "\",\"Credentials\":{\"AccessKeyId\":\"AK\","
        "\"SecretKey\":\"S+K/=\",\"SessionToken\":\"ST\",\"Expiration\":"
        "1700003600}}";

    creq = parse(a, "{\"IdentityId\":\"" ID "\"}");
    treq = creq;
    greq = parse(a, "{\"IdentityPoolId\":\"" POOL "\"}");

#define ANSWER(op, req, body)                                                 \
    cig_creds_pass_answer(op, req, parse(a, body), NOW, a, &out)

    why = ANSWER(CIG_CREDS_CREDS, creq, creds_ok);
    tap_ok(why == NULL && out.len == sizeof(creds_ok) - 1
           && memcmp(out.data, creds_ok, out.len) == 0,
           "answer: live credentials, rebuilt as they were");
    tap_ok(cig_creds_pass_answer(CIG_CREDS_CREDS, creq, parse(a, creds_ok),
                                 1700003600, a, &out) != NULL,
           "answer: credentials expiring now are refused");
    tap_ok(cig_creds_pass_answer(CIG_CREDS_CREDS, creq, parse(a, creds_ok),
                                 1700003600 - CIG_CREDS_MAX_AHEAD - 1, a,
                                 &out) != NULL,
           "answer: credentials expiring more than a day ahead are refused");
    tap_ok(cig_creds_pass_answer(CIG_CREDS_CREDS, creq, parse(a, creds_ok),
                                 1700003600 - CIG_CREDS_MAX_AHEAD, a,
                                 &out) == NULL,
           "answer: ... and exactly a day ahead accepted");
    why = ANSWER(CIG_CREDS_CREDS, creq,
                 "{\"IdentityId\":\"" ID "\",\"Extra\":\"<script>\","
                 "\"Credentials\":{\"AccessKeyId\":\"AK\",\"X\":1,"
                 "\"SecretKey\":\"SK\",\"SessionToken\":\"ST\","
                 "\"Expiration\":1700003600.9}}");
    tap_ok(why == NULL && strstr(out.data, "Extra") == NULL
           && strstr(out.data, "\"X\"") == NULL
           && strstr(out.data, "\"Expiration\":1700003600}}") != NULL,
           "answer: unknown members dropped, Expiration in whole seconds");
    tap_ok(ANSWER(CIG_CREDS_CREDS, creq,
               "{\"IdentityId\":\"" ID "\",\"Credentials\":{\"AccessKeyId\":"
               "\"A\\\"K\",\"SecretKey\":\"SK\",\"SessionToken\":\"ST\","
               "\"Expiration\":1700003600}}") != NULL,
           "answer: an AccessKeyId with a quote refused");
    tap_ok(ANSWER(CIG_CREDS_CREDS, creq,
               "{\"IdentityId\":\"" ID "\",\"Credentials\":{\"AccessKeyId\":"
               "\"AK\",\"SecretKey\":\"S K\",\"SessionToken\":\"ST\","
               "\"Expiration\":1700003600}}") != NULL,
           "answer: a SecretKey with a space refused");
    tap_ok(ANSWER(CIG_CREDS_CREDS, creq,
               "{\"IdentityId\":\"" ID "\",\"Credentials\":{\"AccessKeyId\":"
               "\"AK\",\"SecretKey\":\"SK\",\"SessionToken\":\"S\\nT\","
               "\"Expiration\":1700003600}}") != NULL,
           "answer: a SessionToken with a newline refused");
    tap_ok(ANSWER(CIG_CREDS_CREDS, creq,
               "{\"IdentityId\":\"" ID "\",\"Credentials\":{\"AccessKeyId\":"
               "\"\",\"SecretKey\":\"SK\",\"SessionToken\":\"ST\","
               "\"Expiration\":1700003600}}") != NULL,
           "answer: empty AccessKeyId refused");
    tap_ok(ANSWER(CIG_CREDS_CREDS, creq,
               "{\"IdentityId\":\"" ID "\",\"Credentials\":{\"AccessKeyId\":"
               "\"AK\",\"SecretKey\":\"SK\",\"SessionToken\":\"ST\","
               "\"Expiration\":\"1700003600\"}}") != NULL,
           "answer: Expiration as a string refused");
    tap_ok(ANSWER(CIG_CREDS_CREDS, creq,
               "{\"IdentityId\":\"" ID "\",\"Credentials\":{\"AccessKeyId\":"
               "\"AK\",\"SecretKey\":\"SK\",\"SessionToken\":\"ST\","
               "\"Expiration\":1e300}}") != NULL,
           "answer: Expiration of 1e300 refused");
    tap_ok(ANSWER(CIG_CREDS_CREDS, creq,
               "{\"IdentityId\":\"us-east-1:11111111-2222-4333-8444-"
               "555555555556\",\"Credentials\":{\"AccessKeyId\":\"AK\","
               "\"SecretKey\":\"SK\",\"SessionToken\":\"ST\","
               "\"Expiration\":1700003600}}") != NULL,
           "answer: credentials of another identity refused");
    tap_ok(ANSWER(CIG_CREDS_GETID, greq, "{\"IdentityId\":\"../x\"}")
           != NULL, "answer: a malformed IdentityId refused");
    why = ANSWER(CIG_CREDS_GETID, greq, "{\"IdentityId\":\"" ID "\","
                 "\"Extra\":1}");
    tap_ok(why == NULL && cig_str_is(out, "{\"IdentityId\":\"" ID "\"}"),
           "answer: GetId, rebuilt");
    tap_ok(ANSWER(CIG_CREDS_GETID, greq, "{\"IdentityId\":\"eu-west-1:"
                  "11111111-2222-4333-8444-555555555555\"}") != NULL,
           "answer: GetId of another region than the pool's refused");
    tap_ok(ANSWER(CIG_CREDS_GETID, greq, "{\"IdentityId\":\"us-east-10:"
                  "11111111-2222-4333-8444-555555555555\"}") != NULL,
           "answer: GetId of a region that only begins like the pool's");
    why = ANSWER(CIG_CREDS_TOKEN, treq, "{\"IdentityId\":\"" ID "\","
                 "\"Token\":\"eyJh.eyJi.c2ln\"}");
    tap_ok(why == NULL && cig_str_is(out, "{\"IdentityId\":\"" ID "\","
                                     "\"Token\":\"eyJh.eyJi.c2ln\"}"),
           "answer: GetOpenIdToken, rebuilt");
    tap_ok(ANSWER(CIG_CREDS_TOKEN, treq,
               "{\"IdentityId\":\"" ID "\",\"Token\":7}") != NULL,
           "answer: GetOpenIdToken without a string Token refused");
    tap_ok(ANSWER(CIG_CREDS_TOKEN, treq,
               "{\"IdentityId\":\"" ID "\",\"Token\":\"a.b\"}") != NULL,
           "answer: a Token of two parts refused");
    tap_ok(ANSWER(CIG_CREDS_TOKEN, treq,
               "{\"IdentityId\":\"" ID "\",\"Token\":\"a.b.c<\"}") != NULL,
           "answer: a Token with markup refused");
    tap_ok(ANSWER(CIG_CREDS_NONE, treq, "{\"IdentityId\":\"" ID "\"}")
           != NULL, "answer: no operation, nothing relayed");
    tap_ok(cig_creds_pass_answer(CIG_CREDS_GETID, greq, NULL, NOW, a, &out)
           != NULL, "answer: not JSON");

#undef ANSWER

    /* errors: a closed set */

    tap_ok(cig_creds_error(parse(a, "{\"__type\":\"com.amazonaws#"
               "NotAuthorizedException:extra\",\"message\":\"no\"}"),
               &no, msg, sizeof(msg))
           && strcmp(no.type, "NotAuthorizedException") == 0
           && no.status == 403 && strcmp(no.message, "no") == 0,
           "error: __type stripped of its namespace and suffix, status 403");
    tap_ok(!cig_creds_error(parse(a, "{\"message\":\"no\"}"), &no, msg,
                            sizeof(msg)),
           "error: no __type, not relayed");
    tap_ok(!cig_creds_error(parse(a, "{\"__type\":\"NotAuthorizedException"
               "\\r\\n\\r\\nx\"}"), &no, msg, sizeof(msg)),
           "error: a type with CR/LF is none of Cognito's");
    tap_ok(!cig_creds_error(parse(a, "{\"__type\":\"Evil\"}"), &no, msg,
                            sizeof(msg)),
           "error: an unknown type is none of Cognito's");
    tap_ok(!cig_creds_error(parse(a, "{\"__type\":\"#\"}"), &no, msg,
                            sizeof(msg)),
           "error: an empty name after '#'");
    tap_ok(cig_creds_error(parse(a, "{\"__type\":\"TooManyRequestsException"
               "\",\"message\":\"a\\u0000b\"}"), &no, msg, sizeof(msg))
           && no.status == 429 && strcmp(no.message, "a") != 0
           && strchr(no.message, '\0') == no.message + strlen(no.message)
           && strcmp(no.message, "Too many requests.") == 0,
           "error: a message with NUL replaced by the type's own");
    tap_ok(cig_creds_error(parse(a, "{\"__type\":\"ResourceNotFoundException"
               "\",\"message\":\"x\\r\\nY: z\"}"), &no, msg, sizeof(msg))
           && no.status == 404 && strchr(no.message, '\n') == NULL,
           "error: a message with CR/LF replaced by the type's own");

    s.data = "AccessDenied";
    s.len = 12;
    tap_ok(cig_creds_sts_error(s, &no) && no.status == 400
           && strcmp(no.type, "InvalidIdentityPoolConfigurationException")
              == 0, "sts error: AccessDenied is the pool's configuration");
    s.data = "ExpiredTokenException";
    s.len = 21;
    tap_ok(cig_creds_sts_error(s, &no) && no.status == 403
           && strcmp(no.type, "NotAuthorizedException") == 0,
           "sts error: ExpiredTokenException is NotAuthorizedException");
    s.data = "Evil";
    s.len = 4;
    tap_ok(!cig_creds_sts_error(s, &no), "sts error: an unknown code");

    /* guests' session policy */

    s.data = "arn:aws:iam::123456789012:role/G";
    s.len = strlen(s.data);
    tap_ok(cig_creds_guest_policy(s, buf, sizeof(buf))
           && strcmp(buf, "arn:aws:iam::aws:policy/"
                     "AmazonCognitoUnAuthedIdentitiesSessionPolicy") == 0,
           "guest policy: aws");
    s.data = "arn:aws-cn:iam::123456789012:role/G";
    s.len = strlen(s.data);
    tap_ok(cig_creds_guest_policy(s, buf, sizeof(buf))
           && strcmp(buf, "arn:aws-cn:iam::aws:policy/"
                     "AmazonCognitoUnAuthedIdentitiesSessionPolicy") == 0,
           "guest policy: the role's partition");
    s.data = "arn:";
    s.len = 4;
    tap_ok(!cig_creds_guest_policy(s, buf, sizeof(buf)),
           "guest policy: no partition");
    s.data = "arn:AWS:iam::1:role/G";
    s.len = strlen(s.data);
    tap_ok(!cig_creds_guest_policy(s, buf, sizeof(buf)),
           "guest policy: a partition of another alphabet");
    s.data = "arn:aws:iam::123456789012:role/G";
    s.len = strlen(s.data);
    tap_ok(!cig_creds_guest_policy(s, buf, 20),
           "guest policy: a buffer too short");

    tap_ok(cig_xml_text(S("<R><Code>AccessDenied</Code></R>"), "Code", &s)
           && cig_str_is(s, "AccessDenied"), "xml: element text");
    tap_ok(cig_xml_text(S("<code>x</Code>"), "Code", &s),
           "xml: the open tag found without regard to case");
    tap_ok(!cig_xml_text(S("<Code>x</code>"), "Code", &s),
           "xml: the close tag must match exactly");
    tap_ok(!cig_xml_text(S("<Code></Code>"), "Code", &s), "xml: empty");
    tap_ok(!cig_xml_text(S("<Code>a&amp;b</Code>"), "Code", &s),
           "xml: entities refused");
    tap_ok(!cig_xml_text(S("<Code>ab"), "Code", &s), "xml: truncated");
    tap_ok(!cig_xml_text(S("<Code>ab</Cod"), "Code", &s),
           "xml: truncated close tag");
    tap_ok(!cig_xml_text(S("<Cod"), "Code", &s), "xml: truncated open tag");
    tap_ok(!cig_xml_text(S("<Code>a\nb</Code>"), "Code", &s),
           "xml: control characters refused");

    tap_ok(cig_creds_sts_answer(S("<Credentials><AccessKeyId>AK</AccessKeyId>"
               "<SecretAccessKey>SK</SecretAccessKey><SessionToken>ST"
               "</SessionToken><Expiration>2023-11-14T23:13:20Z</Expiration>"
               "</Credentials>"), NOW, &c, &why)
           && cig_str_is(c.key, "AK") && cig_str_is(c.secret, "SK")
           && cig_str_is(c.session, "ST") && c.expiration == 1700003600,
           "sts answer: credentials read");
    tap_ok(!cig_creds_sts_answer(S("<AccessKeyId>AK</AccessKeyId>"
               "<SecretAccessKey>SK</SecretAccessKey><SessionToken>ST"
               "</SessionToken><Expiration>2023-11-14T22:13:20Z</Expiration>"),
               NOW, &c, &why),
           "sts answer: expired credentials refused");
    tap_ok(!cig_creds_sts_answer(S("<AccessKeyId>AK</AccessKeyId>"
               "<SecretAccessKey>SK</SecretAccessKey><Expiration>"
               "2023-11-14T23:13:20Z</Expiration>"), NOW, &c, &why),
           "sts answer: no session token refused");
    tap_ok(!cig_creds_sts_answer(S("<AccessKeyId>AK</AccessKeyId>"
               "<SecretAccessKey>SK</SecretAccessKey><SessionToken>ST"
               "</SessionToken><Expiration>soon</Expiration>"), NOW, &c,
               &why),
           "sts answer: unreadable expiration refused");
    tap_ok(!cig_creds_sts_answer(S("<AccessKeyId>AK</AccessKeyId>"
               "<SecretAccessKey>SK</SecretAccessKey><SessionToken>ST"
               "</SessionToken><Expiration>2100-01-01T00:00:00Z</Expiration>"),
               NOW, &c, &why),
           "sts answer: credentials for the next century refused");
    tap_ok(!cig_creds_sts_answer(S("<AccessKeyId>A'K</AccessKeyId>"
               "<SecretAccessKey>SK</SecretAccessKey><SessionToken>ST"
               "</SessionToken><Expiration>2023-11-14T23:13:20Z</Expiration>"),
               NOW, &c, &why),
           "sts answer: an AccessKeyId with a quote refused");
}


void
test_creds(void)
{
    cig_arena_t      *arena;
    cig_allocator_t   a;

    arena = cig_arena_create();
    cig_arena_allocator(arena, &a);

    creds_requests(&a);
    creds_answers(&a);

    cig_arena_destroy(arena);
}
