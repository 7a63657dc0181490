/*
 * Core internals shared between the core's own files; connectors never
 * include this header.
 */

#ifndef CIG_INTERNAL_H
#define CIG_INTERNAL_H

#include <openssl/evp.h>

#include "cig.h"


typedef struct {
    char          kid[CIG_MAX_KID_LEN];
    size_t        kid_len;
    cig_alg_t     alg;          /* CIG_ALG_NONE when the JWK names none */
    size_t        sig_len;      /* modulus length in bytes */
    EVP_PKEY     *pkey;
} cig_key_t;

struct cig_keyset_s {
    size_t        nkeys;
    unsigned      development:1;  /* holds a key published with us */
    cig_key_t     keys[CIG_MAX_KEYS];
};


const cig_key_t *cig_keyset_find(const cig_keyset_t *ks, const char *kid,
    size_t len);

int cig_rsa_verify(const cig_key_t *key, cig_alg_t alg,
    const unsigned char *msg, size_t msg_len, const unsigned char *sig,
    size_t sig_len);

/* Refuses members not in the NULL-terminated list, naming path.member. */
int cig_json_members_check(const cig_json_t *obj, const char *const *allowed,
    const char *path, cig_err_t *err);

#endif /* CIG_INTERNAL_H */
