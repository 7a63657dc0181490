/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The credential proxy's checks, without a server: what a client's
 * awsJson1_1 request to GetId, GetOpenIdToken or GetCredentialsForIdentity
 * must hold before it is forwarded, and what Cognito's JSON or STS's XML
 * answer must hold before anything of it is relayed.  The connector does
 * the I/O; everything that reads bytes from a client or an upstream is here,
 * so that it can be fuzzed (fuzz/fuzz_creds.c).
 */

#include <stdio.h>
#include <string.h>

#include "cig.h"
#include "cig_internal.h"


cig_creds_op_t
cig_creds_op(const char *s, size_t len)
{
    if (len == 5 && memcmp(s, "GetId", 5) == 0) {
        return CIG_CREDS_GETID;
    }

    if (len == 14 && memcmp(s, "GetOpenIdToken", 14) == 0) {
        return CIG_CREDS_TOKEN;
    }

    if (len == 25 && memcmp(s, "GetCredentialsForIdentity", 25) == 0) {
        return CIG_CREDS_CREDS;
    }

    return CIG_CREDS_NONE;
}


const cig_json_t *
cig_token_peek(const char *token, size_t len, const cig_allocator_t *a)
{
    size_t          n;
    cig_err_t       err;
    const char     *dot1, *dot2;
    unsigned char  *buf;

    dot1 = memchr(token, '.', len);
    if (dot1 == NULL) {
        return NULL;
    }

    dot2 = memchr(dot1 + 1, '.', len - (size_t) (dot1 + 1 - token));
    if (dot2 == NULL) {
        return NULL;
    }

    buf = a->alloc(a->ctx, cig_b64_decoded_max((size_t) (dot2 - dot1 - 1))
                           + 1);
    if (buf == NULL
        || !cig_b64url_decode_strict(dot1 + 1, (size_t) (dot2 - dot1 - 1),
                                     buf, &n))
    {
        return NULL;
    }

    return cig_json_parse((char *) buf, n, CIG_MAX_JSON_DEPTH, a, &err);
}


static void
cig_creds_refuse(cig_refusal_t *out, unsigned status, const char *type,
    const char *message)
{
    out->status = status;
    out->type = type;
    out->message = message;
}


/* identity ids do not name their pool: their region must be served */

static int
cig_creds_region_allowed(const cig_str_t *audiences, size_t n, cig_str_t id)
{
    size_t       i, region;
    const char  *colon;

    colon = memchr(id.data, ':', id.len);
    if (colon == NULL) {
        return 0;
    }

    region = (size_t) (colon - id.data);

    for (i = 0; i < n; i++) {
        if (audiences[i].len > region && audiences[i].data[region] == ':'
            && memcmp(audiences[i].data, id.data, region) == 0)
        {
            return 1;
        }
    }

    return 0;
}


cig_code_t
cig_creds_pass_check(cig_creds_op_t op, const cig_json_t *req,
    const cig_str_t *audiences, size_t n, const cig_allocator_t *a,
    cig_refusal_t *out)
{
    const cig_json_t  *pool, *id, *logins, *token, *claims, *aud, *sub;

    if (req == NULL || req->type != CIG_JSON_OBJECT) {
        cig_creds_refuse(out, 400, "InvalidParameterException",
                         "The request body must be a JSON object.");
        return CIG_ERR_BAD_REQUEST;
    }

    if (op == CIG_CREDS_GETID) {
        pool = cig_json_get(req, "IdentityPoolId");

        if (pool == NULL || pool->type != CIG_JSON_STRING
            || !cig_strs_find(audiences, n, pool->str.data, pool->str.len))
        {
            cig_creds_refuse(out, 404, "ResourceNotFoundException",
                             "IdentityPool not found.");
            return CIG_ERR_FORBIDDEN;
        }

        return CIG_OK;
    }

    id = cig_json_get(req, "IdentityId");

    if (id == NULL || id->type != CIG_JSON_STRING
        || !cig_identity_id_valid(id->str.data, id->str.len))
    {
        cig_creds_refuse(out, 400, "InvalidParameterException",
                         "IdentityId is required and must be REGION:UUID.");
        return CIG_ERR_BAD_REQUEST;
    }

    if (!cig_creds_region_allowed(audiences, n, id->str)) {
        cig_creds_refuse(out, 404, "ResourceNotFoundException",
                         "Identity not found.");
        return CIG_ERR_FORBIDDEN;
    }

    logins = cig_json_get(req, "Logins");
    token = cig_json_get(logins, "cognito-identity.amazonaws.com");

    if (token != NULL) {
        claims = token->type == CIG_JSON_STRING
                 ? cig_token_peek(token->str.data, token->str.len, a) : NULL;
        aud = cig_json_get(claims, "aud");
        sub = cig_json_get(claims, "sub");

        if (aud == NULL || aud->type != CIG_JSON_STRING
            || !cig_strs_find(audiences, n, aud->str.data, aud->str.len)
            || sub == NULL || sub->type != CIG_JSON_STRING
            || sub->str.len != id->str.len
            || memcmp(sub->str.data, id->str.data, id->str.len) != 0)
        {
            cig_creds_refuse(out, 403, "NotAuthorizedException",
                             "The token is not for this identity or pool.");
            return CIG_ERR_FORBIDDEN;
        }
    }

    return CIG_OK;
}


cig_code_t
cig_creds_sts_fields(const cig_json_t *req, cig_str_t *id, cig_str_t *token,
    cig_str_t *role, cig_refusal_t *out)
{
    const cig_json_t  *i, *t, *r;

    i = cig_json_get(req, "IdentityId");
    t = cig_json_get(cig_json_get(req, "Logins"),
                     "cognito-identity.amazonaws.com");

    if (i == NULL || i->type != CIG_JSON_STRING || t == NULL
        || t->type != CIG_JSON_STRING)
    {
        cig_creds_refuse(out, 400, "InvalidParameterException",
                         "IdentityId and the OpenID token in Logins[\""
                         "cognito-identity.amazonaws.com\"] are required: "
                         "get the token with GetOpenIdToken (from Cognito, "
                         "e.g. through a cognito_identity_credentials pass "
                         "location) and send the identity provider's own "
                         "token beside it.");
        return CIG_ERR_BAD_REQUEST;
    }

    *id = i->str;
    *token = t->str;

    r = cig_json_get(req, "CustomRoleArn");

    if (r != NULL && r->type == CIG_JSON_STRING) {
        *role = r->str;

    } else {
        role->data = NULL;
        role->len = 0;
    }

    return CIG_OK;
}


/*
 * The errors a client of GetId, GetOpenIdToken and GetCredentialsForIdentity
 * can get, with the statuses of the AWS API model: a closed set, so that
 * nothing an upstream writes as a type reaches a client as it was written.
 */

static const struct {
    const char  *type;
    unsigned     status;
    const char  *message;
} cig_creds_errors[] = {
    { "InvalidParameterException", 400, "The request is not valid." },
    { "NotAuthorizedException", 403, "Not authorized." },
    { "ResourceNotFoundException", 404, "The resource was not found." },
    { "ResourceConflictException", 409, "The resource is in conflict." },
    { "TooManyRequestsException", 429, "Too many requests." },
    { "LimitExceededException", 400, "A limit was exceeded." },
    { "InvalidIdentityPoolConfigurationException", 400,
      "Invalid identity pool configuration. Check assigned IAM roles for "
      "this pool." },
    { "ExternalServiceException", 400,
      "An external identity provider failed." },
    { "InternalErrorException", 500, "The identity service failed." },
};

#define CIG_CREDS_NERRORS                                                     \
    (sizeof(cig_creds_errors) / sizeof(cig_creds_errors[0]))


static int
cig_creds_error_set(const char *type, size_t len, cig_refusal_t *out)
{
    size_t  i;

    for (i = 0; i < CIG_CREDS_NERRORS; i++) {
        if (strlen(cig_creds_errors[i].type) == len
            && memcmp(cig_creds_errors[i].type, type, len) == 0)
        {
            out->status = cig_creds_errors[i].status;
            out->type = cig_creds_errors[i].type;
            out->message = cig_creds_errors[i].message;
            return 1;
        }
    }

    return 0;
}


int
cig_creds_error(const cig_json_t *j, cig_refusal_t *out, char *msg,
    size_t msize)
{
    size_t             i, len;
    const char        *type, *p;
    const cig_json_t  *t, *m;

    t = cig_json_get(j, "__type");

    if (t == NULL || t->type != CIG_JSON_STRING || t->str.len == 0
        || t->str.len > 256)
    {
        return 0;
    }

    /* "...#Type" and "Type:..." as clients strip them */

    type = t->str.data;
    len = t->str.len;

    for (p = type + len; p > type; p--) {
        if (p[-1] == '#') {
            len -= (size_t) (p - type);
            type = p;
            break;
        }
    }

    p = memchr(type, ':', len);
    if (p != NULL) {
        len = (size_t) (p - type);
    }

    if (!cig_creds_error_set(type, len, out)) {
        return 0;
    }

    /* the message only when it is a short line of printable ASCII */

    m = cig_json_get(j, "message");

    if (msize == 0 || m == NULL || m->type != CIG_JSON_STRING
        || m->str.len == 0 || m->str.len >= msize)
    {
        return 1;
    }

    for (i = 0; i < m->str.len; i++) {
        if (m->str.data[i] < 0x20 || m->str.data[i] > 0x7e
            || m->str.data[i] == '<' || m->str.data[i] == '>')
        {
            return 1;
        }
    }

    memcpy(msg, m->str.data, m->str.len);
    msg[m->str.len] = '\0';
    out->message = msg;

    return 1;
}


/*
 * AssumeRoleWithWebIdentity's error codes as GetCredentialsForIdentity
 * answers them: a token STS refuses is not authorized; a role or policy
 * STS refuses is the pool's configuration, as Cognito says when a role's
 * trust policy does not admit it.
 */

int
cig_creds_sts_error(cig_str_t code, cig_refusal_t *out)
{
    size_t  i;

    static const struct {
        const char  *code;
        const char  *type;
        const char  *message;
    } map[] = {
        { "InvalidIdentityToken", "NotAuthorizedException",
          "Invalid login token." },
        { "ExpiredTokenException", "NotAuthorizedException",
          "Token is expired." },
        { "IDPRejectedClaim", "NotAuthorizedException",
          "The identity provider rejected the claims." },
        { "IDPCommunicationError", "ExternalServiceException",
          "STS could not reach the identity provider." },
        { "AccessDenied", "InvalidIdentityPoolConfigurationException",
          "Invalid identity pool configuration. Check assigned IAM roles "
          "for this pool." },
        { "MalformedPolicyDocument",
          "InvalidIdentityPoolConfigurationException",
          "STS refused the session policy." },
        { "PackedPolicyTooLarge", "InvalidIdentityPoolConfigurationException",
          "STS refused the session policy." },
        { "RegionDisabledException",
          "InvalidIdentityPoolConfigurationException",
          "STS is not activated in this region." },
        { "Throttling", "TooManyRequestsException", "Too many requests." },
    };

    for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        if (strlen(map[i].code) == code.len
            && memcmp(map[i].code, code.data, code.len) == 0)
        {
            (void) cig_creds_error_set(map[i].type, strlen(map[i].type), out);
            out->message = map[i].message;
            return 1;
        }
    }

    return 0;
}


/* values of a character set, bounded: nothing to escape, nothing smuggled */

#define CIG_CREDS_KEY      1    /* [A-Za-z0-9_] */
#define CIG_CREDS_B64      2    /* and + / = - */
#define CIG_CREDS_JWS      3    /* [A-Za-z0-9_-] and exactly two dots */

static int
cig_creds_value_ok(cig_str_t s, unsigned set, size_t max)
{
    size_t  i, dots;
    int     c;

    if (s.len == 0 || s.len > max) {
        return 0;
    }

    dots = 0;

    for (i = 0; i < s.len; i++) {
        c = (unsigned char) s.data[i];

        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
            || (c >= '0' && c <= '9') || c == '_')
        {
            continue;
        }

        if (set == CIG_CREDS_B64
            && (c == '+' || c == '/' || c == '=' || c == '-'))
        {
            continue;
        }

        if (set == CIG_CREDS_JWS && (c == '-' || c == '.')) {
            dots += (c == '.');
            continue;
        }

        return 0;
    }

    return set != CIG_CREDS_JWS
           || (dots == 2 && s.data[0] != '.' && s.data[s.len - 1] != '.');
}


static const char *
cig_creds_values_check(const cig_sts_creds_t *c, int64_t now)
{
    if (!cig_creds_value_ok(c->key, CIG_CREDS_KEY, CIG_CREDS_MAX_KEY_ID)) {
        return "AccessKeyId is empty, too long or not [A-Za-z0-9_]";
    }

    if (!cig_creds_value_ok(c->secret, CIG_CREDS_B64, CIG_CREDS_MAX_SECRET)) {
        return "SecretKey is empty, too long or not base64";
    }

    if (!cig_creds_value_ok(c->session, CIG_CREDS_B64,
                            CIG_CREDS_MAX_SESSION))
    {
        return "SessionToken is empty, too long or not base64";
    }

    if (!(c->expiration > (double) now)) {
        return "the credentials have expired (or Expiration is not a number)";
    }

    if (!(c->expiration <= (double) (now + CIG_CREDS_MAX_AHEAD))) {
        return "Expiration is more than 24 hours ahead";
    }

    return NULL;
}


/* the id's region, "REGION:..." */

static int
cig_creds_same_region(cig_str_t one, cig_str_t two)
{
    const char  *colon;

    colon = memchr(one.data, ':', one.len);

    return colon != NULL && two.len > (size_t) (colon - one.data)
           && memcmp(one.data, two.data, (size_t) (colon - one.data) + 1)
              == 0;
}


const char *
cig_creds_pass_answer(cig_creds_op_t op, const cig_json_t *req,
    const cig_json_t *j, int64_t now, const cig_allocator_t *a,
    cig_str_t *out)
{
    const cig_json_t  *id, *asked, *token, *c, *m;
    cig_sts_creds_t    creds;
    const char        *why;
    char              *p;
    size_t             n;

    if (j == NULL || j->type != CIG_JSON_OBJECT) {
        return "the answer is not a JSON object";
    }

    id = cig_json_get(j, "IdentityId");

    if (id == NULL || id->type != CIG_JSON_STRING
        || !cig_identity_id_valid(id->str.data, id->str.len))
    {
        return "IdentityId is missing or malformed";
    }

    if (op == CIG_CREDS_GETID) {
        asked = cig_json_get(req, "IdentityPoolId");

        if (asked == NULL || asked->type != CIG_JSON_STRING
            || !cig_creds_same_region(asked->str, id->str))
        {
            return "IdentityId is not of the pool's region";
        }

    } else {
        asked = cig_json_get(req, "IdentityId");

        if (asked == NULL || asked->type != CIG_JSON_STRING
            || asked->str.len != id->str.len
            || memcmp(asked->str.data, id->str.data, id->str.len) != 0)
        {
            return "IdentityId is not the identity the request named";
        }
    }

    /* rebuilt, never copied: only the members of the operation's output */

    n = sizeof("{\"IdentityId\":\"\"}") + id->str.len;

    if (op == CIG_CREDS_GETID) {
        p = a->alloc(a->ctx, n);
        if (p == NULL) {
            return "out of memory";
        }

        out->data = p;
        out->len = (size_t) snprintf(p, n, "{\"IdentityId\":\"%.*s\"}",
                                     (int) id->str.len, id->str.data);
        return NULL;
    }

    if (op == CIG_CREDS_TOKEN) {
        token = cig_json_get(j, "Token");

        if (token == NULL || token->type != CIG_JSON_STRING
            || !cig_creds_value_ok(token->str, CIG_CREDS_JWS,
                                   CIG_MAX_TOKEN_LEN))
        {
            return "Token is missing or not a compact JWS";
        }

        n += sizeof(",\"Token\":\"\"") + token->str.len;

        p = a->alloc(a->ctx, n);
        if (p == NULL) {
            return "out of memory";
        }

        out->data = p;
        out->len = (size_t) snprintf(p, n,
                                     "{\"IdentityId\":\"%.*s\","
                                     "\"Token\":\"%.*s\"}",
                                     (int) id->str.len, id->str.data,
                                     (int) token->str.len, token->str.data);
        return NULL;
    }

    if (op != CIG_CREDS_CREDS) {
        return "no operation";
    }

    c = cig_json_get(j, "Credentials");

    if (c == NULL || c->type != CIG_JSON_OBJECT) {
        return "Credentials is missing or not an object";
    }

#define cig_creds_member(name, field)                                         \
    m = cig_json_get(c, name);                                                \
    if (m == NULL || m->type != CIG_JSON_STRING) {                            \
        return name " is missing or not a string";                            \
    }                                                                         \
    creds.field = m->str

    cig_creds_member("AccessKeyId", key);
    cig_creds_member("SecretKey", secret);
    cig_creds_member("SessionToken", session);

#undef cig_creds_member

    m = cig_json_get(c, "Expiration");
    creds.expiration = (m != NULL && m->type == CIG_JSON_NUMBER) ? m->num : 0;

    why = cig_creds_values_check(&creds, now);
    if (why != NULL) {
        return why;
    }

    if (cig_creds_answer_json(id->str, &creds, a, out) != CIG_OK) {
        return "out of memory";
    }

    return NULL;
}


cig_code_t
cig_creds_answer_json(cig_str_t id, const cig_sts_creds_t *c,
    const cig_allocator_t *a, cig_str_t *out)
{
    char    *p;
    size_t   n;

    n = sizeof("{\"IdentityId\":\"\",\"Credentials\":{\"AccessKeyId\":\"\","
               "\"SecretKey\":\"\",\"SessionToken\":\"\",\"Expiration\":}}")
        + id.len + c->key.len + c->secret.len + c->session.len + 24;

    p = a->alloc(a->ctx, n);
    if (p == NULL) {
        return CIG_ERR_INTERNAL;
    }

    out->data = p;
    out->len = (size_t) snprintf(p, n,
                   "{\"IdentityId\":\"%.*s\",\"Credentials\":{"
                   "\"AccessKeyId\":\"%.*s\",\"SecretKey\":\"%.*s\","
                   "\"SessionToken\":\"%.*s\",\"Expiration\":%lld}}",
                   (int) id.len, id.data, (int) c->key.len, c->key.data,
                   (int) c->secret.len, c->secret.data,
                   (int) c->session.len, c->session.data,
                   (long long) c->expiration);

    return CIG_OK;
}


size_t
cig_creds_guest_policy(cig_str_t role, char *out, size_t size)
{
    size_t       i, n;
    const char  *p;

    static const char  rest[] =
        ":iam::aws:policy/AmazonCognitoUnAuthedIdentitiesSessionPolicy";

    /* the role's partition: "arn:PARTITION:iam::..." */

    if (role.len < 5 || memcmp(role.data, "arn:", 4) != 0) {
        return 0;
    }

    p = role.data + 4;

    for (i = 0; p + i < role.data + role.len && p[i] != ':'; i++) {
        if (!((p[i] >= 'a' && p[i] <= 'z') || p[i] == '-') || i >= 32) {
            return 0;
        }
    }

    if (i == 0 || p + i == role.data + role.len) {
        return 0;
    }

    n = 4 + i + sizeof(rest) - 1;

    if (n >= size) {
        return 0;
    }

    memcpy(out, "arn:", 4);
    memcpy(out + 4, p, i);
    memcpy(out + 4 + i, rest, sizeof(rest));

    return n;
}


static int
cig_lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}


int
cig_xml_text(const char *body, size_t len, const char *name, cig_str_t *out)
{
    size_t       n, i;
    const char  *p, *end, *close;
    char         open[64];

    n = strlen(name);

    if (n == 0 || n + 2 > sizeof(open) || len < n + 2) {
        return 0;
    }

    open[0] = '<';
    memcpy(open + 1, name, n);
    open[n + 1] = '>';
    end = body + len;

    /* the first "<name>", case-insensitively */

    for (p = body; p + n + 2 <= end; p++) {
        for (i = 0; i < n + 2; i++) {
            if (cig_lower((unsigned char) p[i])
                != cig_lower((unsigned char) open[i]))
            {
                break;
            }
        }

        if (i == n + 2) {
            break;
        }
    }

    if (p + n + 2 > end) {
        return 0;
    }

    p += n + 2;

    for (close = p; close < end && *close != '<'; close++) {
        if (*close == '&' || *close == '"' || *close == '\\'
            || (unsigned char) *close < 0x20)
        {
            return 0;
        }
    }

    if (close == end || (size_t) (end - close) < n + 3
        || close[1] != '/' || memcmp(close + 2, name, n) != 0
        || close[2 + n] != '>' || close == p)
    {
        return 0;
    }

    out->data = p;
    out->len = (size_t) (close - p);

    return 1;
}


int
cig_creds_sts_answer(const char *body, size_t len, int64_t now,
    cig_sts_creds_t *out, const char **why)
{
    cig_str_t  expiration;

    *why = "AccessKeyId, SecretAccessKey, SessionToken or Expiration is "
           "missing or not plain text";

    if (!cig_xml_text(body, len, "AccessKeyId", &out->key)
        || !cig_xml_text(body, len, "SecretAccessKey", &out->secret)
        || !cig_xml_text(body, len, "SessionToken", &out->session)
        || !cig_xml_text(body, len, "Expiration", &expiration))
    {
        return 0;
    }

    if (!cig_parse_date(expiration.data, expiration.len, &out->expiration)) {
        *why = "Expiration is not a date";
        return 0;
    }

    *why = cig_creds_values_check(out, now);

    return *why == NULL;
}
