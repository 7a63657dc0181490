/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * mod_cognito_identity: shared declarations of the Apache httpd 2.4
 * connector.  The connector translates only: request in, core decision out.
 * Everything a request reads from configuration (keys, pools, role sets,
 * policy sets) is built when the configuration is read and is read-only
 * afterwards; per-request state lives in r->request_config.
 *
 * Prefix: mci_ (the core's is cig_).
 */

#ifndef MOD_COGNITO_IDENTITY_H
#define MOD_COGNITO_IDENTITY_H

#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "ap_expr.h"
#include "mod_auth.h"

#include "apr_strings.h"
#include "apr_tables.h"
#include "apr_thread_mutex.h"

#include "cig.h"


#define MCI_AUTH_TYPE        "CognitoIdentity"
#define MCI_LEEWAY           10      /* seconds */
#define MCI_KEY_CACHE        3600    /* seconds */
#define MCI_KEY_REFRESH      10      /* seconds */
#define MCI_MAX_SOURCES      16      /* key URLs per server */
#define MCI_MAX_JWKS         (64 * 1024)
#define MCI_MAX_URL          1024

#define MCI_UNSET            (-1)
#define MCI_CACHE_KEY_LEN    32      /* SHA-256 of the token */

#define MCI_AUTHZ_OFF          0
#define MCI_AUTHZ_S3           1
#define MCI_AUTHZ_EXECUTE_API  2

#define MCI_MERGE_OFF          0     /* AuthMerging */
#define MCI_MERGE_AND          1
#define MCI_MERGE_OR           2


extern module AP_MODULE_DECLARE_DATA cognito_identity_module;

#if defined(APLOG_USE_MODULE) && !defined(MCI_MODULE_FILE)
APLOG_USE_MODULE(cognito_identity);
#endif


/* A key URL: one per distinct URL, shared by every section naming it. */

typedef struct mci_snapshot_s  mci_snapshot_t;

struct mci_snapshot_s {
    cig_keyset_t            *keyset;
    apr_time_t               retired;     /* when replaced; 0: current */
    mci_snapshot_t          *next;        /* retired list */
};

typedef struct {
    const char              *url;
    unsigned                 slot;        /* in the shared segment */
    mci_snapshot_t *volatile current;     /* read without a lock */
    mci_snapshot_t          *retired;     /* under mutex */
    apr_thread_mutex_t      *mutex;       /* serialises fetch and swap */
    apr_uint32_t             seen_seq;    /* shared sequence we parsed */
    apr_uint32_t             fetched;     /* last good fetch (seconds) */
    apr_uint32_t             last_kid;    /* per-process fallbacks */
    apr_uint32_t             last_attempt;
} mci_source_t;


/* A login provider whose own ID token chooses the role (CognitoIdentityLogin) */

typedef struct {
    cig_str_t                provider;
    cig_keyset_t            *keyset;
    const char              *issuer;
    cig_str_t               *clients;         /* sorted */
    size_t                   nclients;
    unsigned                 algs;
    cig_bind_t               bind;
    ap_expr_info_t          *token;           /* NULL: the default header */
    const char              *where;           /* file:line */
} mci_login_t;


typedef struct {
    /* trust: server configuration only */
    int                      pools_set;
    cig_str_t               *audiences;       /* sorted */
    size_t                   naudiences;

    int                      keys_set;
    apr_array_header_t      *keysets;         /* of cig_keyset_t * */
    apr_array_header_t      *sources;         /* of mci_source_t * */
    int                      key_cache;       /* seconds */
    int                      key_refresh;

    const char              *issuer;
    int                      leeway;
    int                      unauthenticated;

    int                      token_set;
    ap_expr_info_t          *token;           /* NULL: Authorization */

    int                      roles_set;
    apr_array_header_t      *roles_files;     /* of cig_roles_t * */
    const char              *role_authenticated;
    const char              *role_unauthenticated;
    cig_roleset_t           *roleset;         /* built per section */

    apr_array_header_t      *policies;        /* of cig_role_policy_t */
    cig_policyset_t         *policyset;       /* built per section */

    int                      authorize;       /* MCI_AUTHZ_* */
    cig_str_t                authorize_arg;
    apr_array_header_t      *allow_prefix;    /* of cig_template_t * */

    apr_array_header_t      *logins;          /* of mci_login_t */

    int                      token_cache;     /* On, Off or unset */
    int                      token_cache_ttl; /* seconds, or unset */

    int                      cors_preflight;

    /* set by the parse hook of Require cognito-* lines in this section */
    int                      require_seen;    /* any cognito-* provider */
    int                      require_policy;  /* cognito-policy among them */

    /* mod_authz_core's merging of Require lines (mci_merging.c) */
    int                      merging;         /* AuthMerging: MCI_MERGE_* */
    int                      require_any;     /* Require lines of any
                                                 provider in effect */
    int                      require_or;      /* they combine sections with
                                                 AuthMerging Or */
} mci_dir_conf_t;


/* Per-request state; never kept in configuration. */

typedef struct {
    int                      verified;
    int                      status;          /* the authn hook's answer */
    cig_identity_t           identity;
    cig_identity_t           login;           /* CognitoIdentityLogin */
    cig_role_choice_t        role;
    int                      has_role;
    cig_str_t                path;            /* decoded, where checked */
    int                      path_checked;
    cig_target_t             target;          /* read once, where checked */

    int                      policy_done;     /* decided in authn */
    int                      policy_checked;  /* decided, any outcome */
    int                      authz_seen;      /* a cognito-* provider ran
                                                 with this identity */
    cig_verdict_t            verdict;
    int                      decided;

    int                      deny_status;     /* 403 or 400 to answer */
    int                      body_status;     /* 400, 413: of the body */
    int                      dialect;         /* MCI_AUTHZ_* of a denial */
    int                      forbid;          /* rewrite authz's 401 */
    const char              *error;
} mci_req_t;


/* mod_cognito_identity.c */
const mci_dir_conf_t *mci_dir_conf(request_rec *r);

/* mci_authn.c */
void *mci_alloc(void *pool, size_t size);
mci_req_t *mci_req_find(request_rec *r);
void mci_set_env(request_rec *r, mci_req_t *st);
int mci_check_user_id(request_rec *r);
int mci_note_auth_failure(request_rec *r, const char *auth_type);
int mci_header_parser(request_rec *r);
int mci_fixups(request_rec *r);

/* mci_forward.c */
int mci_forward_fixup(request_rec *r);
void mci_insert_error_filter(request_rec *r);
apr_status_t mci_deny_filter(ap_filter_t *f, apr_bucket_brigade *bb);
void mci_register_authz(apr_pool_t *p);
cig_code_t mci_policy_decide(request_rec *r, const mci_dir_conf_t *conf,
    mci_req_t *st);

/* mci_body.c: bodies the decision needs (S3 multi-object delete) */
cig_code_t mci_body_decide(request_rec *r, mci_req_t *st,
    cig_policy_t *const *policies, size_t n, const cig_mapped_t *mapped,
    cig_request_t *req, cig_allocator_t *a, cig_err_t *err);
const char *mci_body_error(const mci_req_t *st, int status);
void mci_body_register(apr_pool_t *p);

/* A path prefix or a request mapping is in effect. */
#define mci_policy_configured(conf)                                           \
    ((conf)->allow_prefix != NULL                                             \
     || ((conf)->authorize != MCI_UNSET                                       \
         && (conf)->authorize != MCI_AUTHZ_OFF))

/* The policy in effect is decided by the authentication step: no
 * Require cognito-policy line governs the section, or the Require lines
 * combine sections with AuthMerging Or (mci_merging.c). */
#define mci_policy_in_authn(conf)                                             \
    (mci_policy_configured(conf)                                              \
     && (!(conf)->require_policy || (conf)->require_or))

/* mci_subreq.c: subrequests and internal redirects on their own URI */
int mci_subreq_post_perdir_config(request_rec *r);
int mci_subreq_identity(request_rec *r, const mci_dir_conf_t *conf,
    mci_req_t *st);

/* mci_env.c: the module's variables are the module's alone */
int mci_env_clear(request_rec *r, int log);
int mci_env_header_parser(request_rec *r);

/* mci_merging.c: AuthMerging, and Require cognito-policy in <Limit> */
const char *mci_merging_cmd(cmd_parms *cmd, void *mconfig, const char *arg);
const char *mci_merging_require_cmd(cmd_parms *cmd, void *mconfig,
    const char *args);
void mci_merging_merge(mci_dir_conf_t *c, const mci_dir_conf_t *base,
    const mci_dir_conf_t *add);
const char *mci_merging_limited(cmd_parms *cmd);
int mci_merging_force_authn(request_rec *r);

/* mod_cognito_identity.c */
cig_keyset_t *mci_load_keys(cmd_parms *cmd, const char *file,
    const char **errmsg);

/* A time ("30", "30s", "5m", "1h", "1d") up to a day, at least min
 * seconds; NULL, or what is wrong with it. */
const char *mci_parse_seconds(cmd_parms *cmd, const char *arg, int min,
    int *out);

/* set in children: configuration objects are not freed at their exit */
extern int  mci_in_child;

/* r->notes: a CORS preflight granted without a user (mci_status.c counts it) */
#define MCI_NOTE_PREFLIGHT  "cognito-identity-preflight"

/* mci_cache.c */
apr_status_t mci_cache_pre_config(apr_pool_t *pconf);
const char *mci_cache_cmd(cmd_parms *cmd, void *mconfig, int argc,
    char *const argv[]);
const char *mci_cache_size_cmd(cmd_parms *cmd, void *mconfig,
    const char *arg);
apr_status_t mci_cache_post_config(apr_pool_t *pconf, apr_pool_t *ptemp,
    server_rec *s);
void mci_cache_child_init(apr_pool_t *pchild, server_rec *s);
int mci_cache_enabled(const mci_dir_conf_t *conf);
int mci_cache_get(request_rec *r, const cig_verifier_t *v, const char *token,
    size_t len, unsigned char *hash, cig_identity_t *id);
void mci_cache_put(request_rec *r, const mci_dir_conf_t *conf,
    const unsigned char *hash, const cig_identity_t *id);

/* mci_login.c */
const char *mci_login_cmd(cmd_parms *cmd, void *mconfig, int argc,
    char *const argv[]);
/* The role input's claims and client id from the provider's login token,
 * where one is configured for the identity's provider. */
cig_code_t mci_login_input(request_rec *r, const mci_dir_conf_t *conf,
    cig_identity_t *id, cig_identity_t *login, cig_role_input_t *in,
    cig_err_t *err);

/* mci_keys.c */
mci_source_t *mci_source_get(cmd_parms *cmd, const char *url,
    const char **err);
apr_status_t mci_keys_post_config(apr_pool_t *pconf, server_rec *s);
void mci_keys_child_init(apr_pool_t *pchild, server_rec *s);
/* Fills keysets with the keys of the sources; returns CIG_ERR_NO_KEYS when
 * a source has none yet and none could be had. */
cig_code_t mci_keys_ready(request_rec *r, const mci_dir_conf_t *conf,
    cig_keyset_t **keysets, size_t *n, cig_err_t *err);
/* An unknown kid: refetch, at most once per refresh interval; true if any
 * source got new keys. */
int mci_keys_unknown_kid(request_rec *r, const mci_dir_conf_t *conf);
/* The first URL of conf whose keys cannot be had, or NULL. */
const char *mci_keys_missing(const mci_dir_conf_t *conf);

/* mci_status.c: counters for SetHandler cognito-identity-status */
#define MCI_STAT_KEY_FETCH       0
#define MCI_STAT_KEY_FETCH_FAIL  1
#define MCI_STAT_CRED_CALL       2
#define MCI_STAT_CRED_FAIL       3
void mci_status_count(int counter);

typedef struct {
    const char              *url;         /* NULL: a slot not in use */
    apr_uint32_t             fetched;     /* last good fetch, 0: never */
    apr_uint32_t             fails;       /* since then */
    apr_uint32_t             nkeys;
} mci_key_status_t;

int mci_keys_status(request_rec *r, mci_key_status_t **out);
void mci_status_register_hooks(apr_pool_t *p);


#endif /* MOD_COGNITO_IDENTITY_H */
