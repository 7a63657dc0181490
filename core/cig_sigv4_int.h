/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Internal to the SigV4 signer: what cig_sigv4.c (signing, keys) uses of
 * cig_sigv4_canon.c (the canonical request).
 */

#ifndef CIG_SIGV4_INT_H
#define CIG_SIGV4_INT_H

#include "cig.h"


void *cig_sigv4_alloc(const cig_allocator_t *a, size_t size);
cig_code_t cig_sigv4_bad(cig_err_t *err, const char *what);
cig_code_t cig_sigv4_nomem(cig_err_t *err);
/* an RFC 9110 token: a method or header name */
int cig_sigv4_is_token(cig_str_t s);
cig_code_t cig_sigv4_canonical_path(const cig_sigv4_request_t *req,
    cig_str_t *out, cig_err_t *err);
cig_code_t cig_sigv4_canonical_query(const cig_sigv4_request_t *req,
    const cig_allocator_t *a, cig_str_t *out, cig_err_t *err);
cig_code_t cig_sigv4_canonical_headers(const cig_sigv4_request_t *req,
    const char *date, const cig_allocator_t *a, cig_str_t *canonical,
    cig_str_t *signed_headers, cig_err_t *err);

#endif /* CIG_SIGV4_INT_H */
