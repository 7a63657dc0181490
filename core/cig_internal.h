/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Core internals shared between the core's own files; connectors never
 * include this header.
 */

#ifndef CIG_INTERNAL_H
#define CIG_INTERNAL_H

#include <openssl/bn.h>
#include <openssl/evp.h>

#include "cig.h"


typedef struct {
    char          kid[CIG_MAX_KID_LEN];
    size_t        kid_len;
    cig_alg_t     alg;          /* CIG_ALG_NONE when the JWK names none */
    size_t        sig_len;      /* modulus length in bytes */
    EVP_PKEY     *pkey;
    unsigned char fp[CIG_KEY_FP_LEN];   /* SHA-256 of the modulus, cut */

    /*
     * Set up once when the key is loaded, per algorithm (RS256, RS384,
     * RS512; NULL where the key's own alg excludes one): the digest,
     * fetched, and the key's verification context with PKCS #1 v1.5
     * padding and that digest.  cig_rsa_verify copies the context per
     * call, so threads may share a key; never modified after loading.
     */
    EVP_MD       *md[3];
    EVP_PKEY_CTX *vctx[3];
} cig_key_t;

int cig_key_prepare(cig_key_t *key);
void cig_key_release(cig_key_t *key);

struct cig_keyset_s {
    size_t        nkeys;
    unsigned      development:1;  /* holds a key published with us */
    cig_key_t     keys[CIG_MAX_KEYS];
};


const cig_key_t *cig_keyset_find(const cig_keyset_t *ks, const char *kid,
    size_t len);

/* SHA-256 of an RSA modulus; and whether it is a published dev key. */
int cig_rsa_modulus_fingerprint(const BIGNUM *n, unsigned char *md);
int cig_rsa_digest_is_development(const unsigned char *md);

int cig_rsa_verify(const cig_key_t *key, cig_alg_t alg,
    const unsigned char *msg, size_t msg_len, const unsigned char *sig,
    size_t sig_len);

/* A frozen identity (cig_frozen.c), opened for cig_token_thaw. */

#define CIG_FROZEN_MAX_NODES  65535         /* indices are 16-bit */
#define CIG_FROZEN_MAX_TEXT   65535         /* offsets are 16-bit */

typedef struct {
    cig_str_t            kid;
    cig_alg_t            alg;
    unsigned char        key_fp[CIG_KEY_FP_LEN];
    cig_str_t            payload;       /* NUL-terminated, in the block */
    const cig_json_t    *claims;        /* allocated from the allocator */
} cig_frozen_t;

cig_code_t cig_frozen_open(const void *block, size_t len,
    const cig_allocator_t *a, cig_frozen_t *out, cig_err_t *err);

/* Policy variables and condition keys. */

#define CIG_MAX_SEGS        64      /* pieces of one template */
#define CIG_MAX_VALUES      32      /* values of one multi-valued key */

typedef enum {
    CIG_KEY_UNKNOWN = 0,
    CIG_KEY_SUB,
    CIG_KEY_AUD,
    CIG_KEY_AMR,
    CIG_KEY_TAG,                    /* aws:PrincipalTag/NAME */
    CIG_KEY_SOURCE_IP,
    CIG_KEY_SECURE,
    CIG_KEY_CURRENT_TIME,
    CIG_KEY_EPOCH_TIME,
    CIG_KEY_REQUEST                 /* set by the request mapping */
} cig_key_id_t;

typedef struct {
    cig_key_id_t  id;
    cig_str_t     name;             /* as written, for messages */
    cig_str_t     arg;              /* tag name, or lower-case request key */
} cig_ckey_t;

typedef enum {
    CIG_SEG_LIT = 0,
    CIG_SEG_STAR,
    CIG_SEG_QMARK,
    CIG_SEG_VAR
} cig_seg_type_t;

typedef struct {
    cig_seg_type_t  type;
    cig_str_t       text;           /* literal text */
    cig_ckey_t      key;            /* variable */
    cig_str_t       def;            /* ${key, 'default'} */
    unsigned        has_def:1;
} cig_seg_t;

struct cig_template_s {
    cig_seg_t      *segs;
    size_t          nsegs;
    cig_str_t       raw;
    unsigned        vars:1;
};

/* Per-request values computed once for an evaluation. */
typedef struct {
    const cig_request_t  *req;
    const cig_json_t     *tags;     /* principal_tags object, or NULL */
    char                  now_iso[24];      /* formatted when asked */
    size_t                now_iso_len;
    char                  epoch[24];
    size_t                epoch_len;
} cig_eval_t;

void cig_eval_init(cig_eval_t *e, const cig_request_t *req);
cig_template_t *cig_template_compile_ex(const char *s, size_t len, int glob,
    int vars, const cig_allocator_t *a, cig_err_t *err);
int cig_key_resolve(const char *name, size_t len, cig_ckey_t *key);
/* 1 and the values when the key is present; 0 when absent. */
int cig_key_values(const cig_eval_t *e, const cig_ckey_t *key,
    cig_str_t *vals, size_t max, size_t *n);
/* Resolves variables: 0 when one is missing (the template matches nothing). */
int cig_template_resolve(const cig_template_t *t, const cig_eval_t *e,
    cig_seg_t *out, size_t *n);
int cig_glob_match(const cig_seg_t *p, size_t np, const char *s, size_t n,
    int icase);
int cig_lit_equal(const cig_seg_t *p, size_t np, const char *s, size_t n,
    int icase);
size_t cig_segs_flatten(const cig_seg_t *p, size_t np, char *buf,
    size_t size);

/* The index of key in a cig_strs_sort()ed array, or (size_t) -1. */
size_t cig_strs_index(const cig_str_t *sorted, size_t n, cig_str_t key);

/* Refuses members not in the NULL-terminated list, naming path.member. */
int cig_json_members_check(const cig_json_t *obj, const char *const *allowed,
    const char *path, cig_err_t *err);

/* Valid, shortest-form UTF-8 without surrogates (cig_target.c). */
int cig_utf8_valid(const unsigned char *p, size_t n);

/* ---- reading requests (cig_target.c, cig_s3_headers.c) --------------- */

/* Sets a 400 error and evaluates to CIG_ERR_BAD_REQUEST. */
#define cig_bad(err, ...)                                                     \
    (cig_err_set(err, CIG_ERR_BAD_REQUEST, __VA_ARGS__), CIG_ERR_BAD_REQUEST)

/*
 * Strict percent-decoding into memory of the allocator.  path: '/' must
 * be literal and dot segments are refused; else (query) '+' is a space.
 */
cig_code_t cig_decode(const char *raw, size_t len, int path,
    const cig_allocator_t *a, cig_str_t *out, cig_err_t *err);

/* Query parameters, decoded; a name given twice is ambiguous. */

#define CIG_MAX_PARAMS  32

typedef struct {
    cig_str_t   name;
    cig_str_t   value;
    unsigned    has_value:1;
} cig_param_t;

typedef struct {
    cig_param_t  p[CIG_MAX_PARAMS];
    size_t       n;
} cig_params_t;

cig_code_t cig_query_parse(cig_str_t q, const cig_allocator_t *a,
    cig_params_t *out, cig_err_t *err);
/* The parameter of that exact name, or NULL. */
const cig_param_t *cig_param(const cig_params_t *ps, const char *name);

/* A condition key of the mapping (dropped past CIG_MAX_REQUEST_KEYS). */
void cig_set_key_len(cig_mapped_t *out, const char *name, size_t len,
    cig_str_t value);
void cig_set_key(cig_mapped_t *out, const char *name, cig_str_t value);
/* The header keys of h that S3 sets for action. */
cig_code_t cig_s3_keys(const cig_http_t *h, cig_str_t action,
    const cig_allocator_t *a, cig_mapped_t *out, cig_err_t *err);

#endif /* CIG_INTERNAL_H */
