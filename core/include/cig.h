/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cognito-identity-gateway core: server-agnostic validation of AWS Cognito
 * Identity OpenID tokens (and, later, role choice and IAM policy decisions).
 *
 * This is the only public header of the core.  It names no nginx or Apache
 * type: connectors hand in bytes, a clock and an allocator, and get back a
 * plain result or a fixed-size error.  Objects built at configuration time
 * (key sets, verifiers) are immutable afterwards and may be shared by any
 * number of requests and threads.
 */

#ifndef CIG_H
#define CIG_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif


/* Limits.  Everything a client or a file can make us read is bounded. */

#define CIG_MAX_TOKEN_LEN        16384  /* compact JWS, bytes */
#define CIG_MAX_JSON_DEPTH       16     /* nesting in token parts */
#define CIG_MAX_JSON_FILE        (1024 * 1024)
#define CIG_MAX_KEYS             64     /* keys in one JWKS */
#define CIG_MAX_KID_LEN          128
#define CIG_MAX_AMR              16
#define CIG_MAX_ID_LEN           55     /* Cognito IdentityId / pool id */
#define CIG_MIN_RSA_BITS         2048
#define CIG_MAX_RSA_BITS         16384
#define CIG_KEY_FP_LEN           16     /* key fingerprint, bytes */


typedef struct {
    const char  *data;
    size_t       len;
} cig_str_t;

#define cig_str_is(s, lit)                                                    \
    ((s).len == sizeof(lit) - 1 && memcmp((s).data, lit, sizeof(lit) - 1) == 0)


/*
 * Errors never allocate: a code that decides the response, and a short
 * human-readable reason for the log.  The reason never contains the token.
 */

typedef enum {
    CIG_OK = 0,
    CIG_ERR_NO_TOKEN,        /* 401 without error= */
    CIG_ERR_INVALID_TOKEN,   /* 401 error="invalid_token" */
    CIG_ERR_GUEST,           /* 403: valid guest identity, guests not allowed */
    CIG_ERR_FORBIDDEN,       /* 403: valid identity, denied */
    CIG_ERR_NO_KEYS,         /* 503: no verification keys can be had */
    CIG_ERR_BAD_REQUEST,     /* 400: a request that can be read two ways */
    CIG_ERR_CONFIG,          /* configuration file or value is invalid */
    CIG_ERR_INTERNAL         /* allocation or library failure */
} cig_code_t;

#define CIG_ERR_MSG_LEN  384

typedef struct {
    cig_code_t   code;
    char         msg[CIG_ERR_MSG_LEN];
} cig_err_t;

void cig_err_set(cig_err_t *err, cig_code_t code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

const char *cig_code_name(cig_code_t code);


/*
 * Memory: per-request work allocates only through the caller's allocator
 * (the request pool in a server).  Nothing returned must be freed one by one.
 */

typedef void *(*cig_alloc_pt)(void *ctx, size_t size);

typedef struct {
    cig_alloc_pt  alloc;
    void         *ctx;
} cig_allocator_t;


/* Base64.  Tokens are decoded strictly, JWKS members tolerantly. */

size_t cig_b64_decoded_max(size_t len);
/* Canonical base64url: no padding, alphabet [A-Za-z0-9_-], unused bits 0. */
int cig_b64url_decode_strict(const char *in, size_t len, unsigned char *out,
    size_t *out_len);
/* Standard or url alphabet, padded or not (as Cognito's jwks_uri serves). */
int cig_b64_decode_lenient(const char *in, size_t len, unsigned char *out,
    size_t *out_len);
size_t cig_b64url_encode(const unsigned char *in, size_t len, char *out);


/*
 * JSON.  A strict RFC 8259 parser: valid UTF-8 only, no duplicate member
 * names, bounded depth, the whole input consumed.  Values live in the
 * caller's allocator; strings are unescaped copies with their length (they
 * may contain NUL when the JSON had \u0000, so compare with lengths).
 */

typedef enum {
    CIG_JSON_NULL = 0,
    CIG_JSON_FALSE,
    CIG_JSON_TRUE,
    CIG_JSON_NUMBER,
    CIG_JSON_STRING,
    CIG_JSON_ARRAY,
    CIG_JSON_OBJECT
} cig_json_type_t;

typedef struct cig_json_s  cig_json_t;

struct cig_json_s {
    cig_json_type_t   type;
    cig_str_t         key;      /* member name when inside an object */
    cig_str_t         str;      /* unescaped string value */
    cig_str_t         raw;      /* the value's source text */
    double            num;
    cig_json_t       *child;    /* first element or member */
    cig_json_t       *next;     /* next sibling */
    size_t            count;    /* number of children */
};

cig_json_t *cig_json_parse(const char *text, size_t len, unsigned depth_max,
    const cig_allocator_t *a, cig_err_t *err);
const cig_json_t *cig_json_get(const cig_json_t *obj, const char *name);
const cig_json_t *cig_json_getn(const cig_json_t *obj, const char *name,
    size_t len);
const char *cig_json_type_name(cig_json_type_t type);

/* Reads a whole file (bounded by CIG_MAX_JSON_FILE) with malloc; free(). */
char *cig_file_read(const char *path, size_t *len, cig_err_t *err);


/* Keys: a JWKS turned into ready-to-use OpenSSL keys, once. */

typedef struct cig_keyset_s  cig_keyset_t;

typedef enum {
    CIG_ALG_NONE  = 0,
    CIG_ALG_RS256 = 1 << 0,
    CIG_ALG_RS384 = 1 << 1,
    CIG_ALG_RS512 = 1 << 2
} cig_alg_t;

cig_alg_t cig_alg_from_name(const char *name, size_t len);
const char *cig_alg_name(cig_alg_t alg);

/*
 * Parses a JWKS document.  RSA signing keys under CIG_MIN_RSA_BITS, keys
 * without kid, duplicate kids and malformed members are errors; keys of other
 * types or for encryption are skipped (reported through *skipped).
 */
cig_keyset_t *cig_keyset_from_jwks(const char *text, size_t len,
    unsigned *skipped, cig_err_t *err);
cig_keyset_t *cig_keyset_from_file(const char *path, unsigned *skipped,
    cig_err_t *err);
void cig_keyset_free(cig_keyset_t *ks);
size_t cig_keyset_count(const cig_keyset_t *ks);
/* True when the set holds a key whose private half ships with this project
 * (examples/dev): never to be trusted for AWS's issuer. */
int cig_keyset_is_development(const cig_keyset_t *ks);

#define CIG_AWS_ISSUER  "https://cognito-identity.amazonaws.com"

/* the longest an OpenID token lives: 24 h, the most TokenDuration allows */
#define CIG_TOKEN_MAX_LIFETIME  86400


/* Token verification. */

typedef struct {
    cig_str_t            issuer;
    const cig_str_t     *audiences;     /* sorted with cig_strs_sort() */
    size_t               naudiences;
    cig_keyset_t *const *keysets;       /* searched in order by kid */
    size_t               nkeysets;
    unsigned             algs;          /* cig_alg_t bits allowed */
    int64_t              leeway;        /* seconds, >= 0 */
    unsigned             cognito:1;     /* sub and amr must be Cognito's */
} cig_verifier_t;

typedef struct {
    cig_str_t            kid;
    cig_alg_t            alg;
    cig_str_t            iss;
    cig_str_t            aud;
    cig_str_t            sub;
    cig_str_t            amr[CIG_MAX_AMR];
    size_t               namr;
    cig_str_t            provider;      /* amr[1] when authenticated */
    unsigned             authenticated:1;
    double               exp;
    double               iat;
    unsigned             has_iat:1;
    unsigned             unknown_kid:1; /* set when no key has the kid */
    unsigned char        key_fp[CIG_KEY_FP_LEN];  /* the verifying key */
    const cig_json_t    *claims;        /* the whole verified payload */
    cig_str_t            payload;       /* its JSON text, decoded */
} cig_identity_t;

/*
 * Verifies a compact JWS and its claims at time `now` (seconds since the
 * epoch).  Structure, header and key are checked before any RSA work; claims
 * are interpreted only after the signature verified.  On failure the error
 * code is CIG_ERR_INVALID_TOKEN (or CIG_ERR_NO_KEYS), with the reason.
 */
cig_code_t cig_token_verify(const cig_verifier_t *v, const char *token,
    size_t len, int64_t now, const cig_allocator_t *a, cig_identity_t *id,
    cig_err_t *err);


/*
 * Roles: an identity pool's role attachment (get-identity-pool-roles JSON),
 * and the choice of a role for a verified identity.
 */

typedef struct cig_roles_s    cig_roles_t;
typedef struct cig_roleset_s  cig_roleset_t;

cig_roles_t *cig_roles_from_json(const char *text, size_t len,
    cig_err_t *err);
cig_roles_t *cig_roles_from_file(const char *path, cig_err_t *err);
/* Defaults for any pool without a file; either ARN may be NULL. */
cig_roles_t *cig_roles_defaults(const char *authenticated,
    const char *unauthenticated, cig_err_t *err);
void cig_roles_free(cig_roles_t *r);
cig_str_t cig_roles_pool(const cig_roles_t *r);
/* How many mappings are keyed "PROVIDER:CLIENTID" for this provider. */
size_t cig_roles_clients_of(const cig_roles_t *r, cig_str_t provider);
int cig_role_arn_valid(const char *s, size_t len);

typedef struct {
    /* claims that Rules and Token mappings read: the verified login token's
     * when one is configured for the provider, else the OpenID token's */
    const cig_json_t    *claims;
    /* the login token's aud (a user pool app client id), or empty: selects
     * the mapping keyed "PROVIDER:CLIENTID" */
    cig_str_t            client_id;
    /* a role the client asked for (like CustomRoleArn), or empty */
    cig_str_t            requested;
} cig_role_input_t;

typedef struct {
    cig_str_t            role;      /* the chosen role ARN */
    const char          *how;       /* why, for logs and the simulator */
    cig_str_t            mapping;   /* the role mapping used, or empty */
    int                  rule;      /* index of the matching rule, or -1 */
} cig_role_choice_t;

/*
 * Guests get the unauthenticated role.  Authenticated identities: the
 * mapping keyed "PROVIDER:CLIENTID" (client id from the login token), else
 * keyed by the provider itself, else (no login token) the single mapping
 * keyed "PROVIDER:anything"; no mapping: the authenticated role.  Returns
 * CIG_ERR_FORBIDDEN with the reason when no role can be had.
 */
cig_code_t cig_roles_choose(const cig_roles_t *r, const cig_identity_t *id,
    const cig_role_input_t *in, cig_role_choice_t *out, cig_err_t *err);

typedef enum {
    CIG_BIND_SUBJECT = 0,   /* amr names the provider and the login's sub */
    CIG_BIND_PROVIDER       /* amr names the provider */
} cig_bind_t;

/* Does a verified login token belong to this verified OpenID identity? */
cig_code_t cig_login_bind(const cig_identity_t *id,
    const cig_identity_t *login, cig_str_t provider, cig_bind_t bind,
    cig_err_t *err);

/* Attachments by pool (not owned), with defaults for the other pools. */
cig_roleset_t *cig_roleset_create(cig_roles_t *const *roles, size_t n,
    cig_roles_t *defaults, cig_err_t *err);
void cig_roleset_free(cig_roleset_t *set);
const cig_roles_t *cig_roleset_find(const cig_roleset_t *set, cig_str_t pool);
/* Every role ARN the set names (Token mappings' roles come from tokens). */
typedef void (*cig_role_fn_pt)(void *ctx, cig_str_t role);
void cig_roleset_each(const cig_roleset_t *set, cig_role_fn_pt fn,
    void *ctx);


/*
 * Why a request was allowed or refused, for the servers' counters and log
 * variables: the same names on both.  The first CIG_REASON_ALLOWED allow.
 */

typedef enum {
    CIG_REASON_OK = 0,
    CIG_REASON_PREFLIGHT,
    CIG_REASON_NO_TOKEN,
    CIG_REASON_MALFORMED,
    CIG_REASON_ALGORITHM,
    CIG_REASON_SIGNATURE,
    CIG_REASON_EXPIRED,
    CIG_REASON_NOT_YET_VALID,
    CIG_REASON_ISSUER,
    CIG_REASON_AUDIENCE,
    CIG_REASON_UNKNOWN_KID,
    CIG_REASON_LOGIN_TOKEN,
    CIG_REASON_GUEST,
    CIG_REASON_ROLE,
    CIG_REASON_PREFIX,
    CIG_REASON_POLICY,
    CIG_REASON_EXPLICIT_DENY,
    CIG_REASON_BAD_REQUEST,
    CIG_REASON_NO_KEYS,
    CIG_REASON_INTERNAL,
    CIG_REASON_N
} cig_reason_t;

#define CIG_REASON_ALLOWED  2

extern const char *const  cig_reason_names[CIG_REASON_N];

/* The reason of a 401, from the message the check left (err.msg). */
cig_reason_t cig_reason_unauthorized(const char *msg, size_t len);


/*
 * IAM policies, compiled once; evaluated per request with the Cognito
 * policy variables and condition keys, allocating nothing.
 */

typedef struct cig_policy_s     cig_policy_t;
typedef struct cig_policyset_s  cig_policyset_t;

/* Configuration warnings (e.g. a variable written without its '$'). */
typedef void (*cig_warn_pt)(void *ctx, const char *msg);

cig_policy_t *cig_policy_from_json(const char *text, size_t len,
    cig_warn_pt warn, void *warn_ctx, cig_err_t *err);
cig_policy_t *cig_policy_from_file(const char *path, cig_warn_pt warn,
    void *warn_ctx, cig_err_t *err);
void cig_policy_free(cig_policy_t *p);
size_t cig_policy_statements(const cig_policy_t *p);

/*
 * A request context key set by the request mapping, e.g. s3:prefix; one
 * entry per value of a multi-valued key (s3:RequestObjectTagKeys).
 */
typedef struct {
    cig_str_t            name;      /* compared without regard to case */
    cig_str_t            value;
} cig_kv_t;

/*
 * Enough for every key one S3 request can set: the listing keys, one per
 * request header below, s3:TlsVersion, s3:authType, s3:signatureversion,
 * and two per object tag (s3:RequestObjectTag/KEY, s3:RequestObjectTagKeys).
 */
#define CIG_MAX_REQUEST_KEYS  48

/*
 * An evaluation can explain itself (the policy simulator): for every
 * statement, whether it applied and why not, with its resources as
 * substituted for this request.
 */
typedef struct {
    size_t                 policy;
    size_t                 statement;
    cig_str_t              sid;
    int                    deny;        /* Effect Deny */
    int                    applies;
    const char            *why;         /* when it does not apply */
    char                   resources[512];  /* substituted, ", "-joined */
} cig_trace_t;

typedef void (*cig_trace_pt)(void *ctx, const cig_trace_t *t);

typedef struct {
    const cig_identity_t  *id;
    cig_str_t              action;      /* "s3:GetObject" */
    cig_str_t              resource;    /* "arn:aws:s3:::bucket/key" */
    cig_str_t              source_ip;   /* textual, v4 or v6 */
    int                    secure;      /* aws:SecureTransport */
    int64_t                now;
    const cig_kv_t        *keys;
    size_t                 nkeys;
    cig_trace_pt           trace;       /* NULL, except in the simulator */
    void                  *trace_ctx;
} cig_request_t;

typedef enum {
    CIG_DENY_DEFAULT = 0,               /* no statement allowed */
    CIG_ALLOW,
    CIG_DENY_EXPLICIT
} cig_decision_t;

typedef struct {
    cig_decision_t         decision;
    size_t                 policy;      /* deciding policy's index */
    size_t                 statement;   /* its statement's index */
    cig_str_t              sid;
} cig_verdict_t;

cig_decision_t cig_policy_evaluate(cig_policy_t *const *policies,
    size_t n, const cig_request_t *req, cig_verdict_t *verdict);

/* Policies by role ARN; policies are not owned. */
typedef struct {
    cig_str_t              role;
    cig_policy_t          *policy;
} cig_role_policy_t;

cig_policyset_t *cig_policyset_create(const cig_role_policy_t *entries,
    size_t n, cig_err_t *err);
void cig_policyset_free(cig_policyset_t *set);
/* The policies attached to a role (n = 0 when none). */
cig_policy_t *const *cig_policyset_find(const cig_policyset_t *set,
    cig_str_t role, size_t *n);


/*
 * Requests: the path exactly as it will be forwarded, and what an S3 or
 * API Gateway request means in IAM terms.
 */

/*
 * Percent-decodes a request path, refusing (CIG_ERR_BAD_REQUEST) anything
 * that could be read two ways: encoded '/' or '\', a literal '\', dot
 * segments, encoded NUL, '?', '#' or '%', control characters, invalid or
 * overlong UTF-8.
 */
cig_code_t cig_path_decode(const char *raw, size_t len,
    const cig_allocator_t *a, cig_str_t *out, cig_err_t *err);

/* The same rules for a path that is already decoded. */
cig_code_t cig_path_check(const char *path, size_t len, cig_err_t *err);

/*
 * The request target read once, for authorization, signing and forwarding
 * alike.  From the raw target (origin-form, the bytes on the wire): the
 * path decoded by cig_path_decode's rules, the query's parameters decoded
 * ('+' is a space), and the canonical target built from them: each path
 * segment and each query name and value URI-encoded once (RFC 3986
 * unreserved bytes kept), the parameters in the client's order, "name" or
 * "name=value" as sent.  Refused (CIG_ERR_BAD_REQUEST): anything
 * cig_path_decode refuses, '#' or ';' in the query, a parameter without a
 * name or given twice, more than 32 parameters, more than CIG_MAX_TARGET
 * bytes.  Reading the canonical target again gives the same result.
 */
typedef struct {
    cig_str_t              path;            /* decoded */
    cig_str_t              uri;             /* canonical path [ "?" query ] */
    cig_str_t              canonical_path;  /* in uri */
    cig_str_t              query;           /* canonical, in uri, no '?' */
} cig_target_t;

#define CIG_MAX_TARGET  16384

cig_code_t cig_target_read(const char *raw, size_t len,
    const cig_allocator_t *a, cig_target_t *out, cig_err_t *err);
/* The same from a path a server already decoded (cig_path_check's rules:
 * a rewritten URI) and the raw query it would forward. */
cig_code_t cig_target_decoded(cig_str_t path, cig_str_t query,
    const cig_allocator_t *a, cig_target_t *out, cig_err_t *err);

typedef struct {
    cig_str_t              action;
    cig_str_t              resource;
} cig_check_t;

#define CIG_MAX_CHECKS  6

typedef struct {
    cig_check_t            checks[CIG_MAX_CHECKS];  /* all must allow */
    size_t                 nchecks;
    cig_kv_t               keys[CIG_MAX_REQUEST_KEYS];
    size_t                 nkeys;
    unsigned               body;        /* CIG_BODY_*: checks in the body */
    cig_str_t              bucket;      /* with CIG_BODY_S3_DELETE */
} cig_mapped_t;

/*
 * The S3 request headers whose values are condition keys
 * (s3:x-amz-acl, ...), each read once: cig_s3_header().
 */
typedef enum {
    CIG_S3H_ACL = 0,
    CIG_S3H_GRANT_READ,
    CIG_S3H_GRANT_WRITE,
    CIG_S3H_GRANT_READ_ACP,
    CIG_S3H_GRANT_WRITE_ACP,
    CIG_S3H_GRANT_FULL_CONTROL,
    CIG_S3H_SSE,
    CIG_S3H_SSE_KMS_KEY_ID,
    CIG_S3H_STORAGE_CLASS,
    CIG_S3H_METADATA_DIRECTIVE,
    CIG_S3H_TAGGING,
    CIG_S3H_LOCK_MODE,
    CIG_S3H_LOCK_RETAIN_UNTIL,
    CIG_S3H_LOCK_LEGAL_HOLD,
    CIG_S3H_CONTENT_SHA256,
    CIG_S3H_N
} cig_s3_header_t;

#define CIG_S3_HEADER_MAX   8192    /* bytes of one such header's value */
#define CIG_S3_MAX_TAGS     10      /* S3's limit of tags per object */
/* POST /bucket?delete: cig_s3_delete_decide() with the body decides. */
#define CIG_BODY_S3_DELETE  1

typedef struct {
    cig_str_t              method;
    cig_str_t              path;        /* decoded by cig_path_decode */
    cig_str_t              query;       /* raw, without '?' */
    cig_str_t              copy_source; /* x-amz-copy-source, raw */
    unsigned               headers;     /* CIG_HDR_* present */
    cig_str_t              s3h[CIG_S3H_N];  /* values; data NULL if absent */
    cig_str_t              tls_version; /* OpenSSL's "TLSv1.3"; empty: HTTP */
    cig_str_t              auth_type;   /* s3:authType; empty: bearer token */
    cig_str_t              signature_version;  /* s3:signatureversion */
} cig_http_t;

#define CIG_HDR_ACL         0x01    /* x-amz-acl, x-amz-grant-* */
#define CIG_HDR_TAGGING     0x02    /* x-amz-tagging */
#define CIG_HDR_RETENTION   0x04    /* x-amz-object-lock-mode, -retain-until-date */
#define CIG_HDR_LEGAL_HOLD  0x08    /* x-amz-object-lock-legal-hold */
#define CIG_HDR_BYPASS      0x10    /* x-amz-bypass-governance-retention */
#define CIG_HDR_BUCKET_LOCK 0x20    /* x-amz-bucket-object-lock-enabled */
#define CIG_HDR_OWNERSHIP   0x40    /* x-amz-object-ownership */

/* The CIG_HDR_* flag of a request header name, or 0. */
unsigned cig_s3_header_flag(const char *name, size_t len);

/*
 * One request header, for cig_map_s3 (h zeroed first; a connector passes
 * every header, or those named "x-amz-*", in one pass): sets its CIG_HDR_*
 * flag and keeps the value of x-amz-copy-source and of the headers above.
 * CIG_ERR_BAD_REQUEST for one of those given twice (or, for a single-value
 * header, holding the ',' a server joins repeated headers with), or longer
 * than CIG_S3_HEADER_MAX.
 */
cig_code_t cig_s3_header(cig_http_t *h, const char *name, size_t name_len,
    const char *value, size_t value_len, cig_err_t *err);

/* S3 REST: path-style "/bucket/key", or "/key" under a fixed bucket. */
cig_code_t cig_map_s3(const cig_http_t *h, cig_str_t bucket,
    const cig_allocator_t *a, cig_mapped_t *out, cig_err_t *err);
/* API Gateway: execute-api:Invoke on PREFIX/METHOD/path. */
cig_code_t cig_map_execute_api(const cig_http_t *h, cig_str_t arn_prefix,
    const cig_allocator_t *a, cig_mapped_t *out, cig_err_t *err);
/*
 * The AWS partition of a region ("aws", "aws-cn", "aws-us-gov", "aws-iso",
 * ...), or NULL for what is not a region name.
 */
const char *cig_region_partition(const char *region, size_t len);
/*
 * An execute-api ARN prefix, arn:PARTITION:execute-api:REGION:ACCOUNT:API/
 * STAGE, its partition the region's: CIG_OK, or CIG_ERR_CONFIG and why not.
 */
cig_code_t cig_execute_api_prefix_check(cig_str_t prefix, cig_err_t *err);

/*
 * The policy decision for a mapped request (req's id, source_ip, secure
 * and now set by the caller): CIG_ALLOW when every check is allowed, with
 * the main action's verdict; otherwise the refused check's verdict, and
 * err says which statement or that none allowed, naming the role.
 */
cig_decision_t cig_policy_decide(cig_policy_t *const *policies, size_t n,
    cig_str_t role, const cig_mapped_t *mapped, cig_request_t *req,
    cig_verdict_t *verdict, cig_err_t *err);


/*
 * S3 multi-object delete (cig_s3_delete.c).  The body, an XML <Delete> of
 * up to 1,000 <Object><Key>[<VersionId>], is read strictly (no DOCTYPE,
 * entities other than the predefined five and character references, no
 * comments, CDATA or unknown elements): CIG_ERR_BAD_REQUEST with a reason
 * starting "MalformedXML" otherwise, or naming the key it refuses (control
 * characters, invalid UTF-8, '\\', "." or ".." segments, too long).
 */

#define CIG_S3_DELETE_MAX_OBJECTS  1000
#define CIG_S3_DELETE_MAX_BODY     (2 * 1024 * 1024)
#define CIG_S3_MAX_KEY_LEN         1024

typedef struct {
    cig_str_t              key;
    cig_str_t              version;     /* data NULL: no VersionId */
} cig_s3_object_t;

typedef struct {
    cig_s3_object_t       *objects;
    size_t                 nobjects;
    unsigned               quiet:1;
} cig_s3_delete_t;

cig_code_t cig_s3_delete_parse(const char *body, size_t len,
    const cig_allocator_t *a, cig_s3_delete_t *out, cig_err_t *err);

/*
 * Each key as s3:DeleteObject on arn:aws:s3:::BUCKET/KEY (with a VersionId:
 * s3:DeleteObjectVersion and s3:versionid), as cig_policy_decide() would
 * for one DELETE; CIG_OK when every key is allowed, CIG_ERR_FORBIDDEN at
 * the first that is not (verdict and err say why), CIG_ERR_BAD_REQUEST for
 * a body that cig_s3_delete_parse() refuses.  Linear in the keys; memory
 * from the allocator only.
 */
cig_code_t cig_s3_delete_decide(cig_policy_t *const *policies, size_t n,
    cig_str_t role, const cig_mapped_t *mapped, const char *body, size_t len,
    const cig_allocator_t *a, cig_request_t *req, cig_verdict_t *verdict,
    cig_err_t *err);


/*
 * Templates: strings with policy variables, compiled once.  Used by
 * policies and by the connectors' path-prefix shorthand.
 */

typedef struct cig_template_s  cig_template_t;

cig_template_t *cig_template_compile(const char *s, size_t len, int glob,
    const cig_allocator_t *a, cig_err_t *err);
/*
 * Whether path lies under one of the prefixes as expanded for this request's
 * identity, on whole segments (CIG_OK), or not (CIG_ERR_FORBIDDEN).
 */
cig_code_t cig_prefixes_allow(cig_template_t *const *prefixes, size_t n,
    const cig_request_t *req, cig_str_t path, cig_err_t *err);
/* The first variable no request ever sets, if any (for warnings). */
int cig_template_unknown_var(const cig_template_t *t, cig_str_t *name);
/* Substitutes into buf; 0 when a variable is missing or buf is short. */
int cig_template_expand(const cig_template_t *t, const cig_request_t *req,
    char *buf, size_t size, size_t *len);


/*
 * The token caches' entries (cig_frozen.c).  A verified identity frozen
 * into one flat block: its kid, the fingerprint of the key that verified
 * it, the payload text and the parsed claims, with no pointers, so it can
 * be copied anywhere.  frozen_size is 0 when the identity cannot be frozen
 * (no claims, or too large); freeze writes exactly that many bytes into
 * out (size at least that) and returns the count, or 0.
 */
size_t cig_identity_frozen_size(const cig_identity_t *id);
size_t cig_identity_freeze(const cig_identity_t *id, void *out, size_t size);

/*
 * A cache hit: the identity back from a frozen block (8-byte aligned, which
 * must outlive the identity: its strings point into it), with no parsing;
 * every claim is checked again at `now`, and the very key that signed the
 * token (kid and fingerprint) must still be loaded.  A block that is not
 * exactly what freeze wrote is refused with CIG_ERR_INTERNAL.
 */
cig_code_t cig_token_thaw(const cig_verifier_t *v, const void *frozen,
    size_t len, int64_t now, const cig_allocator_t *a, cig_identity_t *id,
    cig_err_t *err);


/*
 * A local identity pool for development (cig_local.c): a signing key,
 * Cognito-shaped tokens, and identity ids that need no database.
 */

typedef struct cig_signer_s  cig_signer_t;

cig_signer_t *cig_signer_from_pem(const char *path, cig_err_t *err);
void cig_signer_free(cig_signer_t *s);
/* The key is one whose private half ships with this project. */
int cig_signer_is_development(const cig_signer_t *s);
/* The public JWKS of the key, as Cognito's jwks_uri serves its own. */
cig_str_t cig_signer_jwks(const cig_signer_t *s);
/* An RS512 JWS with header {"kid","typ":"JWS","alg":"RS512"}. */
cig_code_t cig_token_mint(const cig_signer_t *s, const char *claims,
    size_t len, const cig_allocator_t *a, cig_str_t *token, cig_err_t *err);

#define CIG_ID_BUF  (CIG_MAX_ID_LEN + 1)

/* A new guest id REGION:UUID, verifiable later by this pool only. */
cig_code_t cig_local_guest_id(const cig_signer_t *s, cig_str_t region,
    char *out, size_t size, cig_err_t *err);
int cig_local_is_guest_id(const cig_signer_t *s, cig_str_t region,
    cig_str_t id);
/* The id of a login: the same for the same provider and subject. */
int cig_local_login_id(const cig_signer_t *s, cig_str_t region,
    cig_str_t provider, cig_str_t subject, char *out);

/*
 * The credential proxy (cig_creds.c): checks of a client's awsJson1_1
 * request before it is forwarded, and of Cognito's JSON or STS's XML answer
 * before anything of it is relayed.
 */

typedef enum {
    CIG_CREDS_NONE = 0,
    CIG_CREDS_GETID = 0x01,
    CIG_CREDS_TOKEN = 0x02,
    CIG_CREDS_CREDS = 0x04
} cig_creds_op_t;

#define CIG_CREDS_MAX_KEY_ID   128     /* AccessKeyId */
#define CIG_CREDS_MAX_SECRET   256     /* SecretKey */
#define CIG_CREDS_MAX_SESSION  16384   /* SessionToken */
#define CIG_CREDS_MAX_AHEAD    86400   /* Expiration after now, seconds */

/* A refusal in Cognito's terms: HTTP status, __type, message (static). */
typedef struct {
    unsigned               status;
    const char            *type;
    const char            *message;
} cig_refusal_t;

typedef struct {
    cig_str_t              key;
    cig_str_t              secret;
    cig_str_t              session;
    double                 expiration;
} cig_sts_creds_t;

/* The operation named by an X-Amz-Target suffix, or CIG_CREDS_NONE. */
cig_creds_op_t cig_creds_op(const char *s, size_t len);
/* A token's claims read without its signature (for pass mode only). */
const cig_json_t *cig_token_peek(const char *token, size_t len,
    const cig_allocator_t *a);
/* pass: the pool (GetId), or the identity's region and the token's aud and
 * sub, against the sorted audiences; CIG_OK or *out says how to refuse. */
cig_code_t cig_creds_pass_check(cig_creds_op_t op, const cig_json_t *req,
    const cig_str_t *audiences, size_t n, const cig_allocator_t *a,
    cig_refusal_t *out);
/* sts: IdentityId and the Cognito token are required, CustomRoleArn not. */
cig_code_t cig_creds_sts_fields(const cig_json_t *req, cig_str_t *id,
    cig_str_t *token, cig_str_t *role, cig_refusal_t *out);
/*
 * pass: a 200 answer rebuilt from the members of the operation's output
 * (GetId: IdentityId; GetOpenIdToken: and Token; GetCredentialsForIdentity:
 * and Credentials), each checked: the IdentityId the request named (GetId:
 * of the requested pool's region), a compact JWS, credentials of bounded
 * character sets expiring after now and at most CIG_CREDS_MAX_AHEAD later.
 * NULL with *out in the allocator, or why it is refused (for the log).
 */
const char *cig_creds_pass_answer(cig_creds_op_t op, const cig_json_t *req,
    const cig_json_t *answer, int64_t now, const cig_allocator_t *a,
    cig_str_t *out);
/* GetCredentialsForIdentity's JSON of credentials checked as above. */
cig_code_t cig_creds_answer_json(cig_str_t id, const cig_sts_creds_t *c,
    const cig_allocator_t *a, cig_str_t *out);
/*
 * A Cognito error answer rebuilt from the closed set of Cognito's errors:
 * its __type (stripped of "...#" and ":...") must name one; *out gets that
 * name and the status of the AWS model, and the message when it is printable
 * ASCII shorter than msize (copied into msg), else the type's own.  0 for
 * any other type: the caller answers a generic error.
 */
int cig_creds_error(const cig_json_t *j, cig_refusal_t *out, char *msg,
    size_t msize);
/* An STS error code as the Cognito error GetCredentialsForIdentity gives;
 * 0 for a code not known. */
int cig_creds_sts_error(cig_str_t code, cig_refusal_t *out);
/* The managed session policy Cognito applies to guests, in the partition
 * of the role ARN, into out; its length, 0 if the role has no partition. */
size_t cig_creds_guest_policy(cig_str_t role, char *out, size_t size);
/* The text of the first <name>text</name> (the open tag found without
 * regard to case); 0 when absent, empty or holding &, ", \ or controls. */
int cig_xml_text(const char *body, size_t len, const char *name,
    cig_str_t *out);
/* AssumeRoleWithWebIdentity's credentials, checked as pass mode's are;
 * 0 with *why when refused. */
int cig_creds_sts_answer(const char *body, size_t len, int64_t now,
    cig_sts_creds_t *out, const char **why);

/* ISO 8601 ("2026-01-31T12:00:00Z", offsets, fractions) or epoch seconds. */
int cig_parse_date(const char *s, size_t len, double *out);

/* A JSON string literal of s into out; the bytes written, 0 if short. */
size_t cig_json_quote(const char *s, size_t len, char *out, size_t size);


/* Identifiers and small helpers. */

/* Identity pool id / identity id: REGION:UUID, lower-case hex. */
int cig_pool_id_valid(const char *s, size_t len);
int cig_identity_id_valid(const char *s, size_t len);

void cig_strs_sort(cig_str_t *strs, size_t n);
int cig_strs_find(const cig_str_t *sorted, size_t n, const char *s,
    size_t len);

/* Constant-time equality of two byte strings of possibly unequal length. */
int cig_ct_equal(const void *a, size_t alen, const void *b, size_t blen);

/* An allocator over malloc that frees everything at once (tests, tools). */
typedef struct cig_arena_s  cig_arena_t;

cig_arena_t *cig_arena_create(void);
void cig_arena_destroy(cig_arena_t *arena);
void cig_arena_allocator(cig_arena_t *arena, cig_allocator_t *a);


/* ---- Credentials the gateway issues (cig_issue.c) --------------------- */

/*
 * A key ring, read once from a JSON file such as
 *   {"keys":[{"id":"k2","status":"active","secret":"<base64url>"},
 *            {"id":"k1","status":"verify","secret":"<base64url>"}]}
 * exactly one key "active" (mints and opens), the others "verify" (only
 * open); secrets of 32 to 64 random bytes; the file neither group- nor
 * world-accessible.  Errors name the file and the reason, never a secret.
 * Immutable once loaded; key material is wiped when freed.
 */

typedef struct cig_issuer_s  cig_issuer_t;

#define CIG_ISSUER_MAX_KEYS        16
#define CIG_ISSUER_MAX_KID         32      /* [A-Za-z0-9._-] */
#define CIG_ISSUER_KEY_MIN         32      /* bytes of a secret */
#define CIG_ISSUER_KEY_MAX         64
#define CIG_ISSUER_MAX_DEPLOYMENT  128     /* printable, no spaces */

cig_issuer_t *cig_issuer_load(const char *path, cig_str_t deployment_id,
    cig_err_t *err);
/* The same from text (tests, fuzzing): no file, no mode check. */
cig_issuer_t *cig_issuer_from_json(const char *text, size_t len,
    cig_str_t deployment_id, cig_err_t *err);
void cig_issuer_free(cig_issuer_t *k);
size_t cig_issuer_count(const cig_issuer_t *k);
cig_str_t cig_issuer_active_kid(const cig_issuer_t *k);

/*
 * What a session token seals.  amr is the JSON text of the OpenID token's
 * amr array (e.g. ["unauthenticated"]); principal_tags the JSON text of its
 * "https://aws.amazon.com/tags" claim, or empty.
 */
typedef struct {
    cig_str_t              identity_id;
    cig_str_t              pool;
    cig_str_t              provider;        /* empty for guests */
    cig_str_t              role;
    cig_str_t              amr;
    cig_str_t              principal_tags;
    int64_t                issued;
    int64_t                expires;
    unsigned               authenticated:1;
    unsigned               scoped_down:1;   /* the guest session policy */
    unsigned               expired:1;       /* set by cig_issuer_open */
} cig_session_t;

#define CIG_ISSUED_AKID_LEN      20     /* "ASIA" + 16 base32 characters */
#define CIG_ISSUED_SECRET_LEN    40     /* base64url */
#define CIG_ISSUED_TOKEN_MAX     2048   /* base64url characters */
#define CIG_ISSUED_MAX_LIFETIME  43200  /* seconds: 12 h, as STS's longest */
#define CIG_ISSUED_SKEW          300    /* issue time after now accepted */

/*
 * A new session token under the active key, with its access key id and
 * secret key (derived from the key and the token's salt, not stored), all
 * NUL-terminated in the allocator.  CIG_ERR_BAD_REQUEST for a session that
 * is invalid or does not fit CIG_ISSUED_TOKEN_MAX.
 */
cig_code_t cig_issuer_mint(const cig_issuer_t *k, const cig_session_t *s,
    const cig_allocator_t *a, cig_str_t *akid, cig_str_t *secret,
    cig_str_t *token, cig_err_t *err);

/*
 * Opens a session token under any key of the ring (GCM's tag compared in
 * constant time; version, key id, deployment id and pool authenticated),
 * at `now`: CIG_OK with the session (its strings in the allocator) and the
 * token's access key id and secret; CIG_ERR_INVALID_TOKEN (S3's
 * InvalidToken) with the reason; CIG_ERR_FORBIDDEN with s->expired set
 * when it expired (ExpiredToken; akid and secret are then empty).
 */
cig_code_t cig_issuer_open(const cig_issuer_t *k, const char *token,
    size_t len, int64_t now, const cig_allocator_t *a, cig_session_t *s,
    char akid[CIG_ISSUED_AKID_LEN + 1],
    char secret[CIG_ISSUED_SECRET_LEN + 1], cig_err_t *err);

/*
 * The identity an opened session stands for, as cig_token_verify returned
 * it for the OpenID token the credentials were issued for: sub, aud (the
 * pool), amr, provider, exp, iat, and claims holding those and the
 * principal tags, so that role checks, policy variables and condition keys
 * read it as they read a bearer token's identity.  iss is empty (the
 * session does not keep it).  Everything in the allocator.
 * CIG_ERR_INVALID_TOKEN when the sealed amr or tags are not what
 * cig_issuer_mint was given by a connector (never for a minted session).
 */
cig_code_t cig_session_identity(const cig_session_t *s,
    const cig_allocator_t *a, cig_identity_t *id, cig_err_t *err);

/* ---- end of issued credentials ----------------------------------------- */


/* ---- SigV4 signing toward S3-compatible stores (cig_sigv4.c) ---------- */

/*
 * AWS Signature Version 4 with the store's own credentials, for requests
 * the gateway forwards.  The canonical request is built the way S3 reads
 * the request (see cig_sigv4.c): the path as sent (no normalization, no
 * second encoding), the query decoded ('+' is a space), encoded and sorted,
 * the headers trimmed and sorted.  host, x-amz-content-sha256, x-amz-date
 * and, with a session token, x-amz-security-token are always signed.
 */

#define CIG_SIGV4_KEY_LEN           32      /* HMAC-SHA256 */
#define CIG_SIGV4_DATE_LEN          16      /* "20130524T000000Z" */
#define CIG_SIGV4_MAX_NAME          128     /* access key id, region, service */
#define CIG_SIGV4_MAX_SECRET        1024
#define CIG_SIGV4_MAX_TOKEN         16384   /* session token */
#define CIG_SIGV4_UNSIGNED_PAYLOAD  "UNSIGNED-PAYLOAD"

typedef struct {
    cig_str_t              method;
    cig_str_t              path;        /* as sent, percent-encoded, no '?' */
    cig_str_t              query;       /* raw, without '?' */
    cig_str_t              host;        /* the Host header as sent */
    const cig_kv_t        *headers;     /* more headers to sign, any case */
    size_t                 nheaders;
    cig_str_t              payload_hash;    /* UNSIGNED-PAYLOAD or hex */
    cig_str_t              security_token;  /* empty: none */
    cig_str_t              access_key_id;
    cig_str_t              region;
    cig_str_t              service;
    int64_t                now;         /* seconds since the epoch */
} cig_sigv4_request_t;

typedef struct {
    cig_str_t              authorization;   /* the Authorization value */
    char                   date[CIG_SIGV4_DATE_LEN + 1];  /* x-amz-date */
    cig_str_t              canonical_request;   /* for logs and tests */
    cig_str_t              string_to_sign;
} cig_sigv4_result_t;

/*
 * Signs with `key`, the signing key of the UTC day of req->now for
 * req->region and req->service (cig_sigv4_key_get).  Everything returned
 * lives in the allocator.  CIG_ERR_BAD_REQUEST when the request cannot be
 * signed as it stands (a path with a space or '?', invalid percent-encoding
 * in the query, a control character in a header value, an extra header the
 * signer sets itself, ...).
 */
cig_code_t cig_sigv4_sign(const cig_sigv4_request_t *req,
    const unsigned char *key, const cig_allocator_t *a,
    cig_sigv4_result_t *out, cig_err_t *err);

/* kSigning of the HMAC chain "AWS4"+secret, date8 (YYYYMMDD), region,
 * service, "aws4_request"; 0 on failure. */
int cig_sigv4_derive_key(const char *secret, size_t len, const char *date8,
    cig_str_t region, cig_str_t service, unsigned char *out);

/* x-amz-date of `now` into date (CIG_SIGV4_DATE_LEN + 1 bytes); 0 when
 * out of range. */
int cig_sigv4_date(int64_t now, char *date);

int cig_sigv4_access_key_valid(const char *s, size_t len);
int cig_sigv4_region_valid(const char *s, size_t len);   /* also services */

/*
 * A secret access key with the signing key of one day for one region and
 * service, derived when the day changes and kept: one HMAC chain per day.
 * Mutable, so not to be shared between threads (nginx: one per worker, as
 * configuration memory is).  The secret and keys are wiped when freed.
 */
typedef struct cig_sigv4_key_s  cig_sigv4_key_t;

cig_sigv4_key_t *cig_sigv4_key_create(const char *secret, size_t len,
    cig_str_t region, cig_str_t service, cig_err_t *err);
void cig_sigv4_key_free(cig_sigv4_key_t *k);
/* The signing key for the day of `now` (valid until the next call). */
const unsigned char *cig_sigv4_key_get(cig_sigv4_key_t *k, int64_t now,
    cig_err_t *err);
unsigned long cig_sigv4_key_derivations(const cig_sigv4_key_t *k);
cig_str_t cig_sigv4_key_region(const cig_sigv4_key_t *k);
cig_str_t cig_sigv4_key_service(const cig_sigv4_key_t *k);

/*
 * Reads a credential file (secret key, session token) into buf: one value,
 * surrounding white space ignored, printable ASCII without spaces, shorter
 * than size.  *mode gets the file's permission bits (may be NULL).  The
 * buffer is wiped on failure; the caller wipes it after use.  Errors never
 * quote the content.
 */
cig_code_t cig_sigv4_read_secret(const char *path, char *buf, size_t size,
    size_t *len, unsigned *mode, cig_err_t *err);

/* ---- SigV4 verification of S3 requests (cig_sigv4_verify.c) ---------- */

/*
 * An S3 error: the S3 code (NULL: none yet), its HTTP status, a message
 * and, for a wrong region, the region expected.  Never holds a signature,
 * a secret or a session token.  cig_s3_error_xml renders S3's document.
 */

#define CIG_S3_ERR_MSG_LEN   256

typedef struct {
    const char            *code;    /* "SignatureDoesNotMatch", ... */
    int                    status;  /* 400, 403, 500 */
    char                   message[CIG_S3_ERR_MSG_LEN];
    char                   region[CIG_SIGV4_MAX_NAME + 1];  /* "": none */
    char                   not_signed[CIG_SIGV4_MAX_NAME + 1];
                                    /* HeadersNotSigned ("": none) */
} cig_s3_error_t;

/* Sets code (one of S3's, with its status), message; returns the
 * cig_code_t of the status (403: CIG_ERR_FORBIDDEN, 400:
 * CIG_ERR_BAD_REQUEST, else CIG_ERR_INTERNAL). */
cig_code_t cig_s3_error_set(cig_s3_error_t *e, const char *code,
    const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* S3's XML error document into buf (NUL-terminated); its length, or 0 when
 * it does not fit. */
size_t cig_s3_error_xml(const cig_s3_error_t *e, cig_str_t request_id,
    char *buf, size_t size);

#define CIG_SIGV4_MAX_SKEW     900         /* seconds, either way */
#define CIG_SIGV4_MAX_EXPIRES  604800      /* X-Amz-Expires, seconds */
#define CIG_SIGV4_MAX_SIGNED   64          /* names in SignedHeaders */

typedef enum {
    CIG_SIGV4_FORM_HEADER = 1,      /* Authorization: AWS4-HMAC-SHA256 */
    CIG_SIGV4_FORM_PRESIGNED        /* X-Amz-Signature in the query */
} cig_sigv4_form_t;

typedef enum {
    CIG_SIGV4_PAYLOAD_UNSIGNED = 1,             /* UNSIGNED-PAYLOAD */
    CIG_SIGV4_PAYLOAD_SHA256,                   /* hex, to compare */
    CIG_SIGV4_PAYLOAD_STREAMING,       /* STREAMING-AWS4-HMAC-SHA256-PAYLOAD */
    CIG_SIGV4_PAYLOAD_STREAMING_TRAILER,        /* ...-PAYLOAD-TRAILER */
    CIG_SIGV4_PAYLOAD_STREAMING_UNSIGNED_TRAILER
                                    /* STREAMING-UNSIGNED-PAYLOAD-TRAILER */
} cig_sigv4_payload_t;

/* A parsed signature; strings point into the caller's input or the
 * allocator. */
typedef struct {
    cig_sigv4_form_t       form;
    cig_str_t              access_key_id;
    char                   date8[9];            /* scope date, YYYYMMDD */
    cig_str_t              region;              /* of the scope */
    cig_str_t              service;             /* of the scope */
    cig_str_t              signed_headers;      /* "host;x-amz-date" */
    char                   signature[2 * CIG_SIGV4_KEY_LEN + 1];
    char                   amz_date[CIG_SIGV4_DATE_LEN + 1];
    int64_t                time;                /* amz_date, epoch seconds */
    int                    date_header;         /* time from Date */
    int64_t                expires;             /* presigned; else 0 */
    cig_str_t              security_token;      /* empty: none */
    cig_str_t              payload_hash;        /* as signed */
    cig_sigv4_payload_t    payload;
} cig_sigv4_auth_t;

/* The request as received. */
typedef struct {
    cig_str_t              method;
    cig_str_t              path;        /* as sent, no '?' */
    cig_str_t              query;       /* raw, X-Amz-Signature included */
    cig_str_t              host;        /* Host as sent, with its port */
    const cig_kv_t        *headers;     /* every header; "host" skipped */
    size_t                 nheaders;
    cig_str_t              region;      /* expected in the scope */
    cig_str_t              service;     /* expected: "s3" */
    cig_str_t              access_key_id;   /* expected; empty: unchecked */
} cig_sigv4_received_t;

/* "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...",
 * with x-amz-date (else Date), x-amz-content-sha256 and
 * x-amz-security-token read from the headers.  CIG_OK, or the S3 error in
 * e. */
cig_code_t cig_sigv4_parse_header(cig_str_t authorization,
    const cig_kv_t *headers, size_t nheaders, const cig_allocator_t *a,
    cig_sigv4_auth_t *out, cig_s3_error_t *e);

/* The X-Amz-* parameters of a presigned URL's raw query. */
cig_code_t cig_sigv4_parse_presigned(cig_str_t query,
    const cig_kv_t *headers, size_t nheaders, const cig_allocator_t *a,
    cig_sigv4_auth_t *out, cig_s3_error_t *e);

/*
 * Either form, as S3 picks: an Authorization header (authorization.data
 * not NULL) or X-Amz-Algorithm, X-Amz-Credential or X-Amz-Signature in the
 * query; both: InvalidArgument "Only one auth mechanism allowed".  Neither:
 * CIG_OK with out->form 0 (an anonymous request; the caller decides).
 */
cig_code_t cig_sigv4_parse(cig_str_t authorization, cig_str_t query,
    const cig_kv_t *headers, size_t nheaders, const cig_allocator_t *a,
    cig_sigv4_auth_t *out, cig_s3_error_t *e);

/*
 * Verifies a parsed signature against the request with `key`, the signing
 * key of auth->date8 / req->region / req->service for the secret of
 * auth->access_key_id (cig_sigv4_derive_key; callers cache it per session
 * token and day).  CIG_OK, or the S3 error in e.
 */
cig_code_t cig_sigv4_verify(const cig_sigv4_auth_t *auth,
    const cig_sigv4_received_t *req, const unsigned char *key, int64_t now,
    const cig_allocator_t *a, cig_s3_error_t *e);

/* ---- end of SigV4 ------------------------------------------------------ */


/*
 * The release (debian/changelog's), and the OpenSSL library the process
 * runs with, for the connectors' build_info metric.
 */
#define CIG_VERSION  "0.1.0"

const char *cig_openssl_version(void);

#ifdef __cplusplus
}
#endif

#endif /* CIG_H */
