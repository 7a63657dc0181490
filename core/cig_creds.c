/*
 * The credential proxy's checks, without a server: what a client's
 * awsJson1_1 request to GetId, GetOpenIdToken or GetCredentialsForIdentity
 * must hold before it is forwarded, and what Cognito's JSON or STS's XML
 * answer must hold before anything of it is relayed.  The connector does
 * the I/O; everything that reads bytes from a client or an upstream is here,
 * so that it can be fuzzed (fuzz/fuzz_creds.c).
 */

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
                         "IdentityId and Logins[\"cognito-identity."
                         "amazonaws.com\"] are required.");
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


static int
cig_creds_str_ok(const cig_json_t *j, const char *name, size_t max)
{
    const cig_json_t  *m;

    m = cig_json_get(j, name);

    return m != NULL && m->type == CIG_JSON_STRING && m->str.len > 0
           && m->str.len <= max;
}


int
cig_creds_answer_ok(cig_creds_op_t op, const cig_json_t *j, int64_t now)
{
    const cig_json_t  *c, *exp, *id;

    if (j == NULL || j->type != CIG_JSON_OBJECT) {
        return 0;
    }

    id = cig_json_get(j, "IdentityId");

    if (id == NULL || id->type != CIG_JSON_STRING
        || !cig_identity_id_valid(id->str.data, id->str.len))
    {
        return 0;
    }

    if (op == CIG_CREDS_GETID) {
        return 1;
    }

    if (op == CIG_CREDS_TOKEN) {
        return cig_creds_str_ok(j, "Token", CIG_MAX_TOKEN_LEN);
    }

    if (op != CIG_CREDS_CREDS) {
        return 0;
    }

    c = cig_json_get(j, "Credentials");
    exp = cig_json_get(c, "Expiration");

    return c != NULL && c->type == CIG_JSON_OBJECT
           && cig_creds_str_ok(c, "AccessKeyId", 128)
           && cig_creds_str_ok(c, "SecretKey", 256)
           && cig_creds_str_ok(c, "SessionToken", 8192)
           && exp != NULL && exp->type == CIG_JSON_NUMBER
           && exp->num > (double) now;
}


int
cig_creds_error(const cig_json_t *j, char *type, size_t tsize, char *msg,
    size_t msize)
{
    char              *hash, *colon, *nul;
    size_t             n;
    const cig_json_t  *t, *m;

    if (tsize == 0 || msize == 0) {
        return 0;
    }

    t = cig_json_get(j, "__type");
    m = cig_json_get(j, "message");

    if (t == NULL || t->type != CIG_JSON_STRING || t->str.len == 0
        || t->str.len >= tsize)
    {
        return 0;
    }

    memcpy(type, t->str.data, t->str.len);
    type[t->str.len] = '\0';

    /* "...#Type" and "Type:..." as clients strip them */

    hash = strrchr(type, '#');
    if (hash) {
        memmove(type, hash + 1, strlen(hash + 1) + 1);
    }

    colon = strchr(type, ':');
    if (colon) {
        *colon = '\0';
    }

    msg[0] = '\0';

    if (m != NULL && m->type == CIG_JSON_STRING) {
        n = m->str.len < msize - 1 ? m->str.len : msize - 1;
        memcpy(msg, m->str.data, n);
        msg[n] = '\0';

        nul = memchr(msg, '\0', n);
        if (nul) {
            *nul = '\0';
        }
    }

    return 1;
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
    cig_sts_creds_t *out)
{
    cig_str_t  expiration;

    return cig_xml_text(body, len, "AccessKeyId", &out->key)
           && cig_xml_text(body, len, "SecretAccessKey", &out->secret)
           && cig_xml_text(body, len, "SessionToken", &out->session)
           && cig_xml_text(body, len, "Expiration", &expiration)
           && cig_parse_date(expiration.data, expiration.len,
                             &out->expiration)
           && out->expiration > (double) now;
}
