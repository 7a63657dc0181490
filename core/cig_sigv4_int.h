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
/* percent-decoding of a query name or value ('+' a space); 0 if invalid */
int cig_sigv4_decode(const char *s, size_t len, char *out, size_t *out_len);
/* a header value trimmed, inner white space collapsed (control: refused) */
cig_code_t cig_sigv4_trim(const cig_allocator_t *a, cig_str_t v,
    cig_str_t *trimmed, cig_err_t *err);
/* the string to sign of a canonical request and its hex signature */
/* The canonical request of its six parts, in memory of a; 0: no memory. */
int cig_sigv4_canonical_request(const cig_allocator_t *a, cig_str_t method,
    cig_str_t path, cig_str_t query, cig_str_t headers, cig_str_t signed_headers,
    cig_str_t payload_hash, cig_str_t *out);
cig_code_t cig_sigv4_signature(cig_str_t canonical_request, const char *date,
    cig_str_t region, cig_str_t service, const unsigned char *key,
    const cig_allocator_t *a, cig_str_t *string_to_sign, char *sig,
    cig_err_t *err);
cig_code_t cig_sigv4_canonical_path(const cig_sigv4_request_t *req,
    cig_str_t *out, cig_err_t *err);
cig_code_t cig_sigv4_canonical_query(const cig_sigv4_request_t *req,
    const cig_allocator_t *a, cig_str_t *out, cig_err_t *err);
cig_code_t cig_sigv4_canonical_headers(const cig_sigv4_request_t *req,
    const char *date, const cig_allocator_t *a, cig_str_t *canonical,
    cig_str_t *signed_headers, cig_err_t *err);

#endif /* CIG_SIGV4_INT_H */
