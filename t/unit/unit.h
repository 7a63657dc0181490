/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Shared declarations of the core's unit tests (see main.c).
 */

#ifndef CIG_UNIT_H
#define CIG_UNIT_H

#include <stddef.h>

#include "cig.h"
#include "tap.h"


#define UNIT_NELTS(a)  (sizeof(a) / sizeof((a)[0]))

/* The repository root given on the command line (default "."). */
extern const char  *unit_root;

/* "$root/t/keys/<name>" in buf (aborts if it does not fit). */
const char *unit_key_path(char *buf, size_t size, const char *name);

/* Test groups. */
void test_b64(void);
void test_json(void);
void test_ids(void);
void test_jwks(void);
void test_token(void);
void test_roles(void);
void test_policy(void);
void test_sigv4(void);
void test_sigv4_verify(void);
void test_creds(void);
void test_frozen(void);
void test_target(void);
void test_s3_delete(void);
void test_issue(void);

#endif /* CIG_UNIT_H */
