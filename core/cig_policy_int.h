/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Compiled IAM policies: the types shared by the compiler (cig_policy.c)
 * and the evaluator (cig_policy_eval.c).  Core-internal.
 */

#ifndef CIG_POLICY_INT_H
#define CIG_POLICY_INT_H

#include "cig.h"
#include "cig_internal.h"



typedef enum {
    CIG_OP_STRING = 0,      /* StringEquals and friends */
    CIG_OP_STRING_LIKE,
    CIG_OP_NUMERIC,
    CIG_OP_DATE,
    CIG_OP_BOOL,
    CIG_OP_BINARY,
    CIG_OP_IP,
    CIG_OP_ARN,             /* ArnEquals and ArnLike both take wildcards */
    CIG_OP_NULL
} cig_op_family_t;

typedef enum {
    CIG_CMP_EQ = 0,
    CIG_CMP_LT,
    CIG_CMP_LE,
    CIG_CMP_GT,
    CIG_CMP_GE
} cig_cmp_t;

typedef struct {
    const char        *name;
    cig_op_family_t    family;
    cig_cmp_t          cmp;
    unsigned           negated:1;
    unsigned           icase:1;
} cig_op_t;


typedef struct {
    cig_template_t    *t;
    double             num;         /* numbers and dates, when constant */
    unsigned char      ip[16];
    int                ip_family;   /* 4 or 6 */
    unsigned           prefix;
    unsigned           constant:1;
} cig_cval_t;

typedef struct {
    const cig_op_t    *op;
    unsigned           if_exists:1;
    unsigned           any:1;       /* ForAnyValue: */
    unsigned           all:1;       /* ForAllValues: */
    cig_ckey_t         key;
    cig_cval_t        *values;
    size_t             nvalues;
} cig_cond_t;

typedef struct {
    unsigned           deny:1;
    unsigned           not_action:1;
    unsigned           not_resource:1;
    cig_str_t          sid;
    cig_template_t   **actions;
    size_t             nactions;
    cig_template_t   **resources;
    size_t             nresources;
    cig_cond_t        *conds;
    size_t             nconds;
} cig_stmt_t;

struct cig_policy_s {
    cig_arena_t       *arena;
    cig_allocator_t    a;
    cig_stmt_t        *stmts;
    size_t             nstmts;
    unsigned           vars:1;      /* Version 2012-10-17 */
};


/* Value parsers shared by compile time (constants) and evaluation time. */
int cig_parse_ip(const char *s, size_t len, cig_cval_t *v);
int cig_parse_number(const char *s, size_t len, double *out);
int cig_bool_text(const char *s, size_t len, int *out);

#endif /* CIG_POLICY_INT_H */
