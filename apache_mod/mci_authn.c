/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The request side: the authentication hook that verifies the token (and,
 * like the nginx module, refuses guests and identities without a role),
 * the Require providers, the identity in the environment, and the 403/400
 * answers for authorization denials.
 *
 * mod_authz_core answers a denial of an authenticated user with 401 unless
 * AuthzSendForbiddenOnFailure is on.  A valid Cognito identity that is
 * denied must get 403 (RFC 6750: the token is fine, it is not enough), so
 * the note_auth_failure hook marks the request and an error filter turns
 * authz_core's 401 into the module's 403 (or 400), with the S3 or API
 * Gateway body where CognitoIdentityAuthorize asks for one.
 */

#include "mod_cognito_identity.h"

#include "mod_ssl.h"

#include "apr_lib.h"


#define MCI_NOTE_FORBID  "cognito-identity-forbid"


static APR_OPTIONAL_FN_TYPE(ssl_is_https)  *mci_is_https;
static APR_OPTIONAL_FN_TYPE(ssl_var_lookup)  *mci_ssl_var;

static const char *mci_parse_none(cmd_parms *cmd, const char *line,
    const void **parsed);


void *
mci_alloc(void *pool, size_t size)
{
    return apr_palloc(pool, size);
}


/* The state of this request, or of the request it is part of. */

mci_req_t *
mci_req_find(request_rec *r)
{
    mci_req_t  *st;

    while (r != NULL) {
        st = ap_get_module_config(r->request_config,
                                  &cognito_identity_module);
        if (st != NULL) {
            return st;
        }

        r = r->main ? r->main : r->prev;
    }

    return NULL;
}


static int
mci_is_ours(request_rec *r)
{
    const char  *type;

    type = ap_auth_type(r);

    return type != NULL && strcasecmp(type, MCI_AUTH_TYPE) == 0;
}


/* A realm goes into a quoted-string of WWW-Authenticate verbatim. */

static int
mci_realm_valid(const char *realm)
{
    const unsigned char  *p;

    if (realm == NULL || realm[0] == '\0') {
        return 0;
    }

    for (p = (const unsigned char *) realm; *p; p++) {
        if (*p < 0x20 || *p >= 0x7f || *p == '"' || *p == '\\') {
            return 0;
        }
    }

    return 1;
}


static void
mci_challenge(request_rec *r, int invalid)
{
    const char  *realm;

    realm = ap_auth_name(r);
    if (!mci_realm_valid(realm)) {
        return;
    }

    apr_table_setn(r->err_headers_out,
                   (PROXYREQ_PROXY == r->proxyreq) ? "Proxy-Authenticate"
                                                   : "WWW-Authenticate",
                   apr_psprintf(r->pool, "Bearer realm=\"%s\"%s", realm,
                                invalid ? ", error=\"invalid_token\"" : ""));
}


static int
mci_fail(request_rec *r, const mci_dir_conf_t *conf, mci_req_t *st,
    cig_code_t code, const char *reason)
{
    int  status;

    switch (code) {

    case CIG_ERR_NO_TOKEN:
        status = HTTP_UNAUTHORIZED;
        mci_challenge(r, 0);
        break;

    case CIG_ERR_INVALID_TOKEN:
        status = HTTP_UNAUTHORIZED;
        mci_challenge(r, 1);
        break;

    case CIG_ERR_GUEST:
    case CIG_ERR_FORBIDDEN:
        status = HTTP_FORBIDDEN;
        break;

    case CIG_ERR_NO_KEYS:
        status = HTTP_SERVICE_UNAVAILABLE;

        /* a key outage is not the client's fault: try again, same token */

        apr_table_setn(r->err_headers_out, "Retry-After",
                       apr_psprintf(r->pool, "%d",
                                    conf->key_refresh == MCI_UNSET
                                    ? MCI_KEY_REFRESH : conf->key_refresh));
        break;

    case CIG_ERR_BAD_REQUEST:
        status = HTTP_BAD_REQUEST;
        break;

    default:
        status = HTTP_INTERNAL_SERVER_ERROR;
        break;
    }

    /*
     * a server fault or a key outage is the operator's to see at the
     * default LogLevel; a client's refusal is not (LogLevel info shows it)
     */

    ap_log_rerror(APLOG_MARK,
                  (status == HTTP_INTERNAL_SERVER_ERROR
                   || status == HTTP_SERVICE_UNAVAILABLE) ? APLOG_ERR
                                                          : APLOG_INFO,
                  0, r, "cognito identity: %d, %s", status, reason);

    st->status = status;
    st->error = apr_pstrdup(r->pool, reason);
    apr_table_setn(r->subprocess_env, "COGNITO_IDENTITY_ERROR", st->error);

    return status;
}


/*
 * Authorization: Bearer <token> (RFC 6750 2.1): the scheme matched
 * case-insensitively, then one or more spaces, then the token.  httpd
 * joins repeated headers with ", ", and a token never holds a comma: such
 * a value is refused as it is, never split.
 */

static cig_code_t
mci_bearer(request_rec *r, const char **token, size_t *len,
    const char **why)
{
    const char  *v, *p;

    v = apr_table_get(r->headers_in,
                      (PROXYREQ_PROXY == r->proxyreq) ? "Proxy-Authorization"
                                                      : "Authorization");
    if (v == NULL) {
        *why = "no bearer token";
        return CIG_ERR_NO_TOKEN;
    }

    if (strchr(v, ',') != NULL) {
        *why = "several Authorization values (a repeated header?)";
        return CIG_ERR_INVALID_TOKEN;
    }

    if (strncasecmp(v, "Bearer", 6) != 0 || (v[6] != ' ' && v[6] != '\0')) {
        *why = "no bearer token";
        return CIG_ERR_NO_TOKEN;
    }

    for (p = v + 6; *p == ' '; p++) { /* void */ }

    if (*p == '\0') {
        *why = "empty bearer token";
        return CIG_ERR_INVALID_TOKEN;
    }

    *token = p;
    *len = strlen(p);

    return CIG_OK;
}


/*
 * The request target, read once (cig_target_read) from the request line's
 * own bytes (r->unparsed_uri; httpd cuts r->args at a '#' and decodes
 * r->parsed_uri.path in place): its decoded path must also be httpd's r->uri
 * (else httpd normalised it, e.g. MergeSlashes, or a rewrite changed it, and
 * the two differ).  What is authorized is its decoded path and canonical
 * query; in S3 mode the backend is sent its canonical form (mci_forward.c).
 */

static cig_code_t
mci_target(request_rec *r, cig_allocator_t *a, cig_target_t *t,
    cig_err_t *err)
{
    cig_code_t  rc;

    if (r->unparsed_uri == NULL) {
        cig_err_set(err, CIG_ERR_BAD_REQUEST, "no request target");
        return CIG_ERR_BAD_REQUEST;
    }

    rc = cig_target_read(r->unparsed_uri, strlen(r->unparsed_uri), a, t,
                         err);
    if (rc != CIG_OK) {
        return rc;
    }

    if (t->path.len != strlen(r->uri)
        || memcmp(t->path.data, r->uri, t->path.len) != 0)
    {
        cig_err_set(err, CIG_ERR_BAD_REQUEST, "httpd normalised the path "
                    "(MergeSlashes? a rewrite?), so it could be read two "
                    "ways");
        return CIG_ERR_BAD_REQUEST;
    }

    return CIG_OK;
}


static cig_code_t
mci_choose_role(request_rec *r, const mci_dir_conf_t *conf, mci_req_t *st,
    cig_err_t *err)
{
    const char          *req;
    cig_code_t           rc;
    cig_role_input_t     in;
    const cig_roles_t   *roles;

    roles = cig_roleset_find(conf->roleset, st->identity.aud);

    if (roles == NULL) {
        cig_err_set(err, CIG_ERR_FORBIDDEN, "no role attachment for pool "
                    "\"%.*s\"", (int) st->identity.aud.len,
                    st->identity.aud.data);
        return CIG_ERR_FORBIDDEN;
    }

    in.claims = st->identity.claims;
    in.client_id.data = NULL;
    in.client_id.len = 0;

    req = apr_table_get(r->headers_in, "X-Cognito-Custom-Role-Arn");
    in.requested.data = req;
    in.requested.len = req ? strlen(req) : 0;

    rc = mci_login_input(r, conf, &st->identity, &st->login, &in, err);
    if (rc != CIG_OK) {
        return rc;
    }

    return cig_roles_choose(roles, &st->identity, &in, &st->role, err);
}


static void
mci_set_role_env(request_rec *r, mci_req_t *st)
{
    apr_table_setn(r->subprocess_env, "COGNITO_IDENTITY_ROLE",
                   apr_pstrmemdup(r->pool, st->role.role.data,
                                  st->role.role.len));
}


void
mci_set_env(request_rec *r, mci_req_t *st)
{
    size_t       i, j;
    char        *amr, *p, *q;
    apr_table_t *env;

    env = r->subprocess_env;

    apr_table_setn(env, "COGNITO_IDENTITY_ID",
                   apr_pstrmemdup(r->pool, st->identity.sub.data,
                                  st->identity.sub.len));
    apr_table_setn(env, "COGNITO_IDENTITY_POOL",
                   apr_pstrmemdup(r->pool, st->identity.aud.data,
                                  st->identity.aud.len));
    apr_table_setn(env, "COGNITO_IDENTITY_AUTHENTICATED",
                   st->identity.authenticated ? "1" : "0");
    apr_table_setn(env, "COGNITO_IDENTITY_PROVIDER",
                   apr_pstrmemdup(r->pool, st->identity.provider.data,
                                  st->identity.provider.len));

    if (st->has_role) {
        mci_set_role_env(r, st);
    }

    for (i = 0, j = 0; i < st->identity.namr; i++) {
        j += st->identity.amr[i].len + 1;
    }

    amr = apr_palloc(r->pool, j + 1);
    p = amr;

    for (i = 0; i < st->identity.namr; i++) {
        if (i) {
            *p++ = ',';
        }

        memcpy(p, st->identity.amr[i].data, st->identity.amr[i].len);
        p += st->identity.amr[i].len;
    }

    *p = '\0';

    /* control characters and NULs (a JSON string may hold them): '?' */

    for (q = amr; q < p; q++) {
        if ((unsigned char) *q < 0x20 || *q == 0x7f) {
            *q = '?';
        }
    }

    apr_table_setn(env, "COGNITO_IDENTITY_AMR", amr);
}


/* The authentication hook: verify, then the identity-level checks. */

int
mci_check_user_id(request_rec *r)
{
    int                     i, cache, hit;
    size_t                  n, len;
    const char             *realm, *token, *why, *missing, *experr;
    unsigned char           hash[MCI_CACHE_KEY_LEN];
    cig_err_t               err;
    cig_code_t              rc;
    mci_req_t              *st;
    cig_keyset_t          **keysets;
    cig_verifier_t          v;
    cig_allocator_t         a;
    const mci_dir_conf_t   *conf;

    if (!mci_is_ours(r)) {
        return DECLINED;
    }

    conf = mci_dir_conf(r);

    st = apr_pcalloc(r->pool, sizeof(mci_req_t));
    ap_set_module_config(r->request_config, &cognito_identity_module, st);

    realm = ap_auth_name(r);

    if (!mci_realm_valid(realm)) {
        return mci_fail(r, conf, st, CIG_ERR_CONFIG, realm == NULL
                        ? "AuthType CognitoIdentity needs an AuthName (the "
                          "realm)"
                        : "AuthName may contain only printable ASCII "
                          "without '\"' and '\\'");
    }

    if (conf->naudiences == 0) {
        return mci_fail(r, conf, st, CIG_ERR_CONFIG, "AuthType "
                        "CognitoIdentity here has no CognitoIdentityPool to "
                        "accept");
    }

    if ((conf->keysets == NULL || conf->keysets->nelts == 0)
        && (conf->sources == NULL || conf->sources->nelts == 0))
    {
        return mci_fail(r, conf, st, CIG_ERR_CONFIG, "AuthType "
                        "CognitoIdentity here has no keys: use "
                        "CognitoIdentityKeyFile or CognitoIdentityKeyURL");
    }

    /* no COGNITO_IDENTITY_* variable but the module's (mci_env.c) */

    mci_env_clear(r, 0);

    a.alloc = mci_alloc;
    a.ctx = r->pool;

    /* a subrequest or redirect of a request that passed (mci_subreq.c) */

    if (mci_subreq_identity(r, conf, st)) {
        goto identified;
    }

    /* the token */

    if (conf->token != NULL) {
        experr = NULL;
        token = ap_expr_str_exec(r, conf->token, &experr);

        if (experr != NULL) {
            return mci_fail(r, conf, st, CIG_ERR_INTERNAL,
                            apr_psprintf(r->pool, "CognitoIdentityToken: %s",
                                         experr));
        }

        if (token == NULL || token[0] == '\0') {
            return mci_fail(r, conf, st, CIG_ERR_NO_TOKEN, "no token");
        }

        len = strlen(token);

    } else {
        why = NULL;
        rc = mci_bearer(r, &token, &len, &why);

        if (rc != CIG_OK) {
            return mci_fail(r, conf, st, rc, why);
        }
    }

    /* the keys this request may use: files, and those fetched from URLs */

    memset(&v, 0, sizeof(cig_verifier_t));
    v.issuer.data = conf->issuer ? conf->issuer : CIG_AWS_ISSUER;
    v.issuer.len = strlen(v.issuer.data);
    v.audiences = conf->audiences;
    v.naudiences = conf->naudiences;
    v.algs = CIG_ALG_RS512;
    v.leeway = conf->leeway == MCI_UNSET ? MCI_LEEWAY : conf->leeway;
    v.cognito = 1;

    cache = mci_cache_enabled(conf);
    hit = 0;

    keysets = apr_palloc(r->pool,
                         ((conf->keysets ? conf->keysets->nelts : 0)
                          + (conf->sources ? conf->sources->nelts : 0) + 1)
                         * sizeof(cig_keyset_t *));

    for (i = 0; i < 2; i++) {
        n = 0;

        if (conf->keysets != NULL) {
            memcpy(keysets, conf->keysets->elts,
                   conf->keysets->nelts * sizeof(cig_keyset_t *));
            n = conf->keysets->nelts;
        }

        if (conf->sources != NULL && conf->sources->nelts > 0) {
            rc = mci_keys_ready(r, conf, keysets, &n, &err);
            if (rc != CIG_OK) {
                return mci_fail(r, conf, st, rc, err.msg);
            }
        }

        v.keysets = keysets;
        v.nkeysets = n;

        if (i == 0 && cache) {
            hit = mci_cache_get(r, &v, token, len, hash, &st->identity);
            cache = (hit >= 0);
        }

        if (hit == 1) {
            apr_table_setn(r->subprocess_env, "COGNITO_IDENTITY_TOKEN_CACHE",
                           "hit");
            rc = CIG_OK;
            break;
        }

        memset(&st->identity, 0, sizeof(cig_identity_t));

        rc = cig_token_verify(&v, token, len, apr_time_sec(r->request_time),
                              &a, &st->identity, &err);

        if (rc == CIG_OK || !st->identity.unknown_kid
            || conf->sources == NULL || conf->sources->nelts == 0
            || i == 1 || !mci_keys_unknown_kid(r, conf))
        {
            break;
        }
    }

    if (rc == CIG_ERR_INVALID_TOKEN && st->identity.unknown_kid
        && (missing = mci_keys_missing(conf)) != NULL)
    {
        char  reason[CIG_ERR_MSG_LEN];

        memcpy(reason, err.msg, sizeof(reason));
        cig_err_set(&err, CIG_ERR_NO_KEYS, "%s while keys from \"%s\" are "
                    "unavailable", reason, missing);
        rc = CIG_ERR_NO_KEYS;
    }

    if (rc != CIG_OK) {
        return mci_fail(r, conf, st, rc, err.msg);
    }

    if (cache && hit == 0) {
        apr_table_setn(r->subprocess_env, "COGNITO_IDENTITY_TOKEN_CACHE",
                       "miss");
        mci_cache_put(r, conf, hash, &st->identity);
    }

    st->verified = 1;
    mci_set_env(r, st);

    if (!st->identity.authenticated && conf->unauthenticated != 1) {
        return mci_fail(r, conf, st, CIG_ERR_GUEST, "unauthenticated "
                        "identities are not allowed here");
    }

    if (conf->roleset != NULL) {
        rc = mci_choose_role(r, conf, st, &err);
        if (rc != CIG_OK) {
            return mci_fail(r, conf, st, rc, err.msg);
        }

        /*
         * Only the role is new: setting the identity's variables again
         * cost each request about 5,000 instructions (apr_table_setn
         * compares every COGNITO_IDENTITY_* name, all of one checksum).
         */
        st->has_role = 1;
        mci_set_role_env(r, st);
    }

identified:

    /* where a path is authorized, it must read one way only */

    if (conf->allow_prefix != NULL
        || (conf->authorize != MCI_UNSET && conf->authorize != MCI_AUTHZ_OFF))
    {
        rc = mci_target(r, &a, &st->target, &err);
        if (rc != CIG_OK) {
            return mci_fail(r, conf, st, rc, err.msg);
        }

        st->path = st->target.path;
        st->path_checked = 1;
    }

    r->user = apr_pstrmemdup(r->pool, st->identity.sub.data,
                             st->identity.sub.len);
    r->ap_auth_type = MCI_AUTH_TYPE;

    /*
     * A policy in effect that no Require cognito-policy line of this
     * section evaluates is enforced here, so that forgetting the line
     * never means no policy check (fail closed, as the nginx module).
     */

    if (mci_policy_in_authn(conf)) {
        rc = mci_policy_decide(r, conf, st);

        if (rc == CIG_ERR_INTERNAL) {
            st->status = HTTP_INTERNAL_SERVER_ERROR;
            return HTTP_INTERNAL_SERVER_ERROR;
        }

        if (rc != CIG_OK) {
            st->status = st->deny_status;
            return st->deny_status;
        }

        st->policy_done = 1;
    }

    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, "cognito identity: \"%s\" "
                  "authenticated", r->user);

    return OK;
}


/*
 * httpd calls this when it answers 401: before authentication (no user)
 * it is the challenge; after it, authz_core denied a valid identity, which
 * is answered 403 instead (see mci_deny_filter).
 */

int
mci_note_auth_failure(request_rec *r, const char *auth_type)
{
    mci_req_t  *st;

    if (strcasecmp(auth_type, MCI_AUTH_TYPE) != 0) {
        return DECLINED;
    }

    st = mci_req_find(r);

    if (r->user != NULL && st != NULL && st->verified) {
        apr_table_setn(r->notes, MCI_NOTE_FORBID, "1");
        return OK;
    }

    mci_challenge(r, 0);

    return OK;
}


void
mci_insert_error_filter(request_rec *r)
{
    mci_req_t  *st;

    st = mci_req_find(r);
    if (st == NULL || !st->verified) {
        return;
    }

    if ((r->status == HTTP_UNAUTHORIZED
         && apr_table_get(r->notes, MCI_NOTE_FORBID) != NULL)
        || (st->deny_status != 0 && r->status == st->deny_status
            && r->user != NULL))
    {
        ap_add_output_filter("COGNITO_IDENTITY_DENY", NULL, r, r->connection);
    }
}


/* Replaces the body of httpd's error response with the module's answer. */

apr_status_t
mci_deny_filter(ap_filter_t *f, apr_bucket_brigade *bb)
{
    int           eos, status;
    const char   *body, *type;
    mci_req_t    *st;
    apr_bucket   *e;
    request_rec  *r = f->r;

    static const char  s3[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<Error><Code>AccessDenied</Code><Message>Access Denied</Message>"
        "</Error>\n";
    static const char  api[] =
        "{\"Message\":\"User is not authorized to access this resource\"}\n";
    static const char  api_explicit[] =
        "{\"Message\":\"User is not authorized to access this resource "
        "with an explicit deny\"}\n";
    static const char  forbidden[] =
        "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n"
        "<html><head>\n<title>403 Forbidden</title>\n</head><body>\n"
        "<h1>Forbidden</h1>\n<p>You don't have permission to access this "
        "resource.</p>\n</body></html>\n";
    static const char  bad_request[] =
        "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n"
        "<html><head>\n<title>400 Bad Request</title>\n</head><body>\n"
        "<h1>Bad Request</h1>\n<p>Your browser sent a request that this "
        "server could not understand.<br />\n</p>\n</body></html>\n";

    eos = 0;

    for (e = APR_BRIGADE_FIRST(bb); e != APR_BRIGADE_SENTINEL(bb);
         e = APR_BUCKET_NEXT(e))
    {
        if (APR_BUCKET_IS_EOS(e)) {
            eos = 1;
        }
    }

    apr_brigade_cleanup(bb);

    if (f->ctx == NULL) {
        f->ctx = f;

        st = mci_req_find(r);
        status = (st && st->deny_status) ? st->deny_status : HTTP_FORBIDDEN;

        body = forbidden;
        type = "text/html; charset=iso-8859-1";

        if (st && mci_body_error(st, status) != NULL) {
            body = mci_body_error(st, status);
            type = "application/xml";

        } else if (status == HTTP_BAD_REQUEST) {
            body = bad_request;

        } else if (st && st->dialect == MCI_AUTHZ_S3) {
            body = s3;
            type = "application/xml";

        } else if (st && st->dialect == MCI_AUTHZ_EXECUTE_API) {
            body = (st->decided && st->verdict.decision == CIG_DENY_EXPLICIT)
                   ? api_explicit : api;
            type = "application/json";
            apr_table_setn(r->headers_out, "x-amzn-ErrorType",
                           "AccessDeniedException");
        }

        r->status = status;
        r->status_line = NULL;
        apr_table_unset(r->headers_out, "WWW-Authenticate");
        apr_table_unset(r->err_headers_out, "WWW-Authenticate");
        apr_table_unset(r->headers_out, "Content-Length");
        ap_set_content_type(r, type);

        if (!r->header_only) {
            APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_immortal_create(body,
                                        strlen(body), f->c->bucket_alloc));
        }
    }

    if (eos) {
        APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_eos_create(f->c->bucket_alloc));
        ap_remove_output_filter(f);
    }

    if (APR_BRIGADE_EMPTY(bb)) {
        return APR_SUCCESS;
    }

    return ap_pass_brigade(f->next, bb);
}


/*
 * Client-sent headers that look like the identity (Cognito-Identity-*,
 * X-Cognito-Identity-*, in any case, '-' or '_') are removed where the
 * check is on, so that no backend can mistake them for the module's.
 */

static int
mci_collect_spoofed(void *data, const char *key, const char *value)
{
    size_t               i, n;
    char                 name[32];
    apr_array_header_t  *names = data;

    (void) value;

    n = strlen(key);
    if (n > sizeof(name) - 1) {
        n = sizeof(name) - 1;
    }

    for (i = 0; i < n; i++) {
        name[i] = (key[i] == '_') ? '-' : apr_tolower(key[i]);
    }

    name[n] = '\0';

    if (strncmp(name, "cognito-identity-", 17) == 0
        || strncmp(name, "x-cognito-identity-", 19) == 0)
    {
        *(const char **) apr_array_push(names) = key;
    }

    return 1;
}


int
mci_header_parser(request_rec *r)
{
    int                  i;
    apr_array_header_t  *names;

    if (!mci_is_ours(r)) {
        return DECLINED;
    }

    names = apr_array_make(r->pool, 2, sizeof(const char *));
    apr_table_do(mci_collect_spoofed, names, r->headers_in, NULL);

    for (i = 0; i < names->nelts; i++) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "cognito identity: "
                      "client-sent header \"%s\" removed",
                      ((const char **) names->elts)[i]);
        apr_table_unset(r->headers_in, ((const char **) names->elts)[i]);
    }

    return DECLINED;
}


/* Subrequests and internal redirects see the identity of their request. */

int
mci_fixups(request_rec *r)
{
    cig_code_t             rc;
    mci_req_t             *st;
    const mci_dir_conf_t  *conf;

    st = ap_get_module_config(r->request_config, &cognito_identity_module);

    if (st != NULL) {

        /*
         * The last safety net for a policy in effect: this identity passed
         * authorization, but neither the authentication step nor any
         * Require cognito-* line looked at it (the section's Require lines
         * are all of other providers, e.g. only "Require valid-user", under
         * an enclosing section with "Require cognito-policy"): decide now.
         */

        conf = mci_dir_conf(r);

        if (st->verified && r->user != NULL && !st->policy_checked
            && !st->authz_seen && mci_policy_configured(conf))
        {
            rc = mci_policy_decide(r, conf, st);

            if (rc == CIG_ERR_INTERNAL) {
                return HTTP_INTERNAL_SERVER_ERROR;
            }

            if (rc != CIG_OK) {
                return st->deny_status;
            }
        }

        return DECLINED;
    }

    st = mci_req_find(r);

    if (st != NULL && st->verified && r->user != NULL) {
        mci_set_env(r, st);
    }

    return DECLINED;
}


/* ------------------------------------------------------ Require providers */

/*
 * A CORS preflight: OPTIONS with non-empty Origin and
 * Access-Control-Request-Method (Fetch).  Browsers send it without
 * credentials, so where CognitoIdentityCORSPreflight is on, the cognito-*
 * providers grant it without a user, before authentication; any other
 * Require line is evaluated as usual.
 */

static int
mci_preflight_passes(request_rec *r)
{
    const char            *v;
    const mci_dir_conf_t  *conf;

    if (r->method_number != M_OPTIONS || !mci_is_ours(r)) {
        return 0;
    }

    conf = mci_dir_conf(r);

    if (conf->cors_preflight != 1) {
        return 0;
    }

    v = apr_table_get(r->headers_in, "Origin");
    if (v == NULL || v[0] == '\0') {
        return 0;
    }

    v = apr_table_get(r->headers_in, "Access-Control-Request-Method");
    if (v == NULL || v[0] == '\0') {
        return 0;
    }

    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, "cognito identity: CORS "
                  "preflight passed");

    apr_table_setn(r->notes, MCI_NOTE_PREFLIGHT, "1");

    return 1;
}


static mci_req_t *
mci_authz_state(request_rec *r, authz_status *rc)
{
    mci_req_t  *st;

    if (r->user == NULL && mci_preflight_passes(r)) {
        *rc = AUTHZ_GRANTED;
        return NULL;
    }

    if (r->user == NULL) {
        *rc = AUTHZ_DENIED_NO_USER;
        return NULL;
    }

    st = mci_req_find(r);

    if (st == NULL || !st->verified) {
        *rc = AUTHZ_DENIED;     /* another module's user */
        return NULL;
    }

    st->authz_seen = 1;

    return st;
}


/*
 * Each Require cognito-* line is noted in the module's configuration of the
 * section it is written in (cmd->context: a <Directory>, <Location>, the
 * server or an .htaccess file), so that a section with a policy in effect
 * but no Require cognito-policy line has its policy enforced by the
 * authentication step instead of not at all.
 */

static void
mci_note_require(cmd_parms *cmd, int policy)
{
    apr_uint64_t     limited;
    mci_dir_conf_t  *conf;

    if (cmd->context == NULL) {
        return;
    }

    conf = ap_set_config_vectors(cmd->server, cmd->context, cmd->path,
                                 &cognito_identity_module, cmd->pool);
    if (conf == NULL) {
        return;
    }

    conf->require_seen = 1;

    /*
     * A line limited to some methods (<Limit>) does not govern the others.
     * cmd->limited has every bit set outside <Limit>, but the top one is
     * cleared inside <Require*> blocks: ignore it.
     */

    limited = (apr_uint64_t) cmd->limited
              | ((apr_uint64_t) 1 << (METHODS - 1));

    conf->require_policy |= (policy && limited == ~(apr_uint64_t) 0);
}


static const char *
mci_parse_policy(cmd_parms *cmd, const char *line, const void **parsed)
{
    const char  *err;

    err = mci_merging_limited(cmd);
    if (err != NULL) {
        return err;
    }

    mci_note_require(cmd, 1);

    return mci_parse_none(cmd, line, parsed);
}


static const char *
mci_parse_none(cmd_parms *cmd, const char *line, const void **parsed)
{
    mci_note_require(cmd, 0);

    if (line[0] != '\0') {
        return apr_psprintf(cmd->pool, "Require cognito-identity, "
                            "cognito-authenticated and cognito-policy take "
                            "no arguments, not \"%s\"", line);
    }

    *parsed = NULL;

    return NULL;
}


static authz_status
mci_authz_identity(request_rec *r, const char *line, const void *parsed)
{
    authz_status  rc;

    if (mci_authz_state(r, &rc) == NULL) {
        return rc;
    }

    return AUTHZ_GRANTED;
}


static authz_status
mci_authz_authenticated(request_rec *r, const char *line, const void *parsed)
{
    mci_req_t     *st;
    authz_status   rc;

    st = mci_authz_state(r, &rc);
    if (st == NULL) {
        return rc;
    }

    return st->identity.authenticated ? AUTHZ_GRANTED : AUTHZ_DENIED;
}


/* A list of words checked by a validator, parsed once. */

static const char *
mci_parse_list(cmd_parms *cmd, const char *line, const void **parsed,
    const char *what, int (*valid)(const char *, size_t))
{
    char                *w;
    const char          *p;
    cig_str_t           *s;
    apr_array_header_t  *list;

    mci_note_require(cmd, 0);

    list = apr_array_make(cmd->pool, 2, sizeof(cig_str_t));
    p = line;

    while (*(w = ap_getword_conf(cmd->temp_pool, &p)) != '\0') {
        if (!valid(w, strlen(w))) {
            return apr_psprintf(cmd->pool, "Require cognito-%s: \"%s\" is "
                                "not %s", what, w,
                                strcmp(what, "role") == 0
                                ? "an IAM role ARN "
                                  "(arn:aws:iam::ACCOUNT:role/NAME)"
                                : "an identity pool id (REGION:UUID)");
        }

        s = apr_array_push(list);
        s->data = apr_pstrdup(cmd->pool, w);
        s->len = strlen(w);
    }

    if (list->nelts == 0) {
        return apr_psprintf(cmd->pool, "Require cognito-%s needs at least "
                            "one %s", what,
                            strcmp(what, "role") == 0 ? "role ARN"
                                                      : "identity pool id");
    }

    *parsed = list;

    return NULL;
}


static const char *
mci_parse_roles(cmd_parms *cmd, const char *line, const void **parsed)
{
    return mci_parse_list(cmd, line, parsed, "role", cig_role_arn_valid);
}


static const char *
mci_parse_pools(cmd_parms *cmd, const char *line, const void **parsed)
{
    return mci_parse_list(cmd, line, parsed, "pool", cig_pool_id_valid);
}


static int
mci_in_list(const void *parsed, cig_str_t s)
{
    int                        i;
    const cig_str_t           *e;
    const apr_array_header_t  *list = parsed;

    if (list == NULL || s.len == 0) {
        return 0;
    }

    e = (const cig_str_t *) list->elts;

    for (i = 0; i < list->nelts; i++) {
        if (e[i].len == s.len && memcmp(e[i].data, s.data, s.len) == 0) {
            return 1;
        }
    }

    return 0;
}


static authz_status
mci_authz_role(request_rec *r, const char *line, const void *parsed)
{
    mci_req_t     *st;
    authz_status   rc;

    st = mci_authz_state(r, &rc);
    if (st == NULL) {
        return rc;
    }

    if (!st->has_role) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "cognito identity: "
                      "Require cognito-role where no role was chosen (no "
                      "CognitoIdentityRoles or CognitoIdentityRole)");
        return AUTHZ_DENIED;
    }

    return mci_in_list(parsed, st->role.role) ? AUTHZ_GRANTED : AUTHZ_DENIED;
}


static authz_status
mci_authz_pool(request_rec *r, const char *line, const void *parsed)
{
    mci_req_t     *st;
    authz_status   rc;

    st = mci_authz_state(r, &rc);
    if (st == NULL) {
        return rc;
    }

    return mci_in_list(parsed, st->identity.aud) ? AUTHZ_GRANTED
                                                 : AUTHZ_DENIED;
}


static cig_code_t
mci_prefixes(request_rec *r, const mci_dir_conf_t *conf, mci_req_t *st,
    cig_str_t path, cig_err_t *err)
{
    cig_request_t  req;

    memset(&req, 0, sizeof(cig_request_t));
    req.id = &st->identity;
    req.now = apr_time_sec(r->request_time);

    return cig_prefixes_allow((cig_template_t *const *)
                              conf->allow_prefix->elts,
                              (size_t) conf->allow_prefix->nelts, &req, path,
                              err);
}


/*
 * The S3 headers that change what a request needs or are condition keys,
 * each read once; httpd has joined a repeated one with ", ", which the
 * core refuses where a value cannot hold it.
 */

typedef struct {
    cig_http_t  *h;
    cig_err_t   *err;
    cig_code_t   rc;
} mci_s3_headers_t;


static int
mci_s3_header(void *data, const char *key, const char *value)
{
    mci_s3_headers_t  *sh = data;

    sh->rc = cig_s3_header(sh->h, key, strlen(key), value, strlen(value),
                           sh->err);

    return sh->rc == CIG_OK;
}


static cig_code_t
mci_authorize(request_rec *r, const mci_dir_conf_t *conf, mci_req_t *st,
    cig_err_t *err)
{
    size_t                 n;
    cig_code_t             rc;
    cig_http_t             h;
    cig_mapped_t           mapped;
    cig_request_t          req;
    cig_allocator_t        a;
    mci_s3_headers_t       sh;
    cig_policy_t *const   *policies;
    cig_target_t           own;
    const cig_target_t    *target;

    a.alloc = mci_alloc;
    a.ctx = r->pool;

    memset(&h, 0, sizeof(cig_http_t));

    if (st->path_checked && ap_get_module_config(r->request_config,
                                                  &cognito_identity_module)
                            == st)
    {
        target = &st->target;

    } else {
        rc = mci_target(r, &a, &own, err);
        if (rc != CIG_OK) {
            return rc;
        }

        target = &own;
    }

    h.path = target->path;

    if (conf->allow_prefix != NULL) {
        rc = mci_prefixes(r, conf, st, h.path, err);
        if (rc != CIG_OK) {
            return rc;
        }
    }

    if (conf->authorize == MCI_UNSET || conf->authorize == MCI_AUTHZ_OFF) {
        return CIG_OK;
    }

    if (conf->roleset == NULL || !st->has_role) {
        cig_err_set(err, CIG_ERR_INTERNAL, "CognitoIdentityAuthorize needs "
                    "roles: CognitoIdentityRoles or CognitoIdentityRole");
        return CIG_ERR_INTERNAL;
    }

    h.method.data = r->method;
    h.method.len = strlen(r->method);
    h.query = target->query;

    sh.h = &h;
    sh.err = err;
    sh.rc = CIG_OK;
    apr_table_do(mci_s3_header, &sh, r->headers_in, NULL);

    if (sh.rc != CIG_OK) {
        return sh.rc;
    }

    /* the copy source's own ',' cannot be told from a join: refuse both */

    if (h.copy_source.data != NULL
        && strchr(h.copy_source.data, ',') != NULL)
    {
        cig_err_set(err, CIG_ERR_BAD_REQUEST, "x-amz-copy-source is "
                    "repeated");
        return CIG_ERR_BAD_REQUEST;
    }

    if (mci_is_https && mci_ssl_var && mci_is_https(r->connection)) {
        h.tls_version.data = mci_ssl_var(r->pool, r->server, r->connection,
                                         r, (char *) "SSL_PROTOCOL");
        h.tls_version.len = h.tls_version.data
                            ? strlen(h.tls_version.data) : 0;
    }

    if (conf->authorize == MCI_AUTHZ_S3) {
        rc = cig_map_s3(&h, conf->authorize_arg, &a, &mapped, err);

    } else {
        rc = cig_map_execute_api(&h, conf->authorize_arg, &a, &mapped, err);
    }

    if (rc != CIG_OK) {
        return rc;
    }

    policies = conf->policyset
               ? cig_policyset_find(conf->policyset, st->role.role, &n)
               : NULL;

    if (policies == NULL) {
        n = 0;
    }

    memset(&req, 0, sizeof(cig_request_t));
    req.id = &st->identity;
    req.source_ip.data = r->useragent_ip;
    req.source_ip.len = strlen(r->useragent_ip);
    req.secure = mci_is_https ? mci_is_https(r->connection) : 0;
    req.now = apr_time_sec(r->request_time);

    st->decided = 1;

    if (mapped.body) {
        return mci_body_decide(r, st, policies, n, &mapped, &req, &a, err);
    }

    if (cig_policy_decide(policies, n, st->role.role, &mapped, &req,
                          &st->verdict, err)
        != CIG_ALLOW)
    {
        return CIG_ERR_FORBIDDEN;
    }

    return CIG_OK;
}


/*
 * The policy decision for this request (prefixes, then policies), with its
 * variables; a denial is remembered for the 403/400 answer.
 */

cig_code_t
mci_policy_decide(request_rec *r, const mci_dir_conf_t *conf, mci_req_t *st)
{
    size_t                 i, n, index;
    cig_policy_t *const   *policies;
    cig_err_t              err;
    cig_code_t             rc;

    st->decided = 0;
    st->policy_checked = 1;
    rc = mci_authorize(r, conf, st, &err);

    if (st->decided) {
        apr_table_setn(r->subprocess_env, "COGNITO_IDENTITY_DECISION",
                       st->verdict.decision == CIG_ALLOW ? "allow"
                       : st->verdict.decision == CIG_DENY_EXPLICIT
                         ? "explicit-deny" : "deny");
    }

    if (st->decided && st->verdict.decision != CIG_DENY_DEFAULT) {

        /* counted across the role's policies, in configuration order */

        index = st->verdict.statement;
        policies = cig_policyset_find(conf->policyset, st->role.role, &n);

        for (i = 0; policies != NULL && i < st->verdict.policy && i < n;
             i++)
        {
            index += cig_policy_statements(policies[i]);
        }

        apr_table_setn(r->subprocess_env, "COGNITO_IDENTITY_STATEMENT",
                       apr_psprintf(r->pool, "%" APR_SIZE_T_FMT, index));
    }

    if (rc == CIG_OK) {
        return CIG_OK;
    }

    if (rc == CIG_ERR_INTERNAL) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "cognito identity: 500, "
                      "%s", err.msg);
        return rc;
    }

    st->deny_status = (rc == CIG_ERR_BAD_REQUEST)
                      ? (st->body_status ? st->body_status : HTTP_BAD_REQUEST)
                      : HTTP_FORBIDDEN;
    st->dialect = conf->authorize == MCI_UNSET ? MCI_AUTHZ_OFF
                                               : conf->authorize;
    st->error = apr_pstrdup(r->pool, err.msg);
    apr_table_setn(r->subprocess_env, "COGNITO_IDENTITY_ERROR", st->error);

    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "cognito identity: %d, %s",
                  st->deny_status, err.msg);

    return rc;
}


static authz_status
mci_authz_policy(request_rec *r, const char *line, const void *parsed)
{
    cig_code_t             rc;
    mci_req_t             *st;
    authz_status           ars;
    const mci_dir_conf_t  *conf;

    st = mci_authz_state(r, &ars);
    if (st == NULL) {
        return ars;
    }

    conf = mci_dir_conf(r);

    if (!mci_policy_configured(conf)) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "cognito identity: "
                      "Require cognito-policy where neither "
                      "CognitoIdentityAuthorize nor "
                      "CognitoIdentityAllowPrefix is set");
        return AUTHZ_GENERAL_ERROR;
    }

    if (st->policy_done) {
        /* decided in the authentication step */
        return AUTHZ_GRANTED;
    }

    rc = mci_policy_decide(r, conf, st);

    return rc == CIG_OK ? AUTHZ_GRANTED
           : rc == CIG_ERR_INTERNAL ? AUTHZ_GENERAL_ERROR : AUTHZ_DENIED;
}


static const authz_provider  mci_identity_provider = {
    mci_authz_identity, mci_parse_none
};

static const authz_provider  mci_authenticated_provider = {
    mci_authz_authenticated, mci_parse_none
};

static const authz_provider  mci_role_provider = {
    mci_authz_role, mci_parse_roles
};

static const authz_provider  mci_pool_provider = {
    mci_authz_pool, mci_parse_pools
};

static const authz_provider  mci_policy_provider = {
    mci_authz_policy, mci_parse_policy
};


static void
mci_optional_fns(void)
{
    mci_is_https = APR_RETRIEVE_OPTIONAL_FN(ssl_is_https);
    mci_ssl_var = APR_RETRIEVE_OPTIONAL_FN(ssl_var_lookup);
}


void
mci_register_authz(apr_pool_t *p)
{
    ap_register_auth_provider(p, AUTHZ_PROVIDER_GROUP, "cognito-identity",
                              AUTHZ_PROVIDER_VERSION, &mci_identity_provider,
                              AP_AUTH_INTERNAL_PER_CONF);
    ap_register_auth_provider(p, AUTHZ_PROVIDER_GROUP,
                              "cognito-authenticated", AUTHZ_PROVIDER_VERSION,
                              &mci_authenticated_provider,
                              AP_AUTH_INTERNAL_PER_CONF);
    ap_register_auth_provider(p, AUTHZ_PROVIDER_GROUP, "cognito-role",
                              AUTHZ_PROVIDER_VERSION, &mci_role_provider,
                              AP_AUTH_INTERNAL_PER_CONF);
    ap_register_auth_provider(p, AUTHZ_PROVIDER_GROUP, "cognito-pool",
                              AUTHZ_PROVIDER_VERSION, &mci_pool_provider,
                              AP_AUTH_INTERNAL_PER_CONF);
    ap_register_auth_provider(p, AUTHZ_PROVIDER_GROUP, "cognito-policy",
                              AUTHZ_PROVIDER_VERSION, &mci_policy_provider,
                              AP_AUTH_INTERNAL_PER_CONF);

    ap_hook_optional_fn_retrieve(mci_optional_fns, NULL, NULL,
                                 APR_HOOK_MIDDLE);
}
