/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A verified identity frozen into one flat block of bytes, and thawed back:
 * what the token caches keep (nginx's shared zone, Apache's shmcb), so that a
 * hit needs no JSON parsing.  The block holds the kid, the fingerprint of the
 * key that verified the signature, the decoded payload text, and the parsed
 * claims as an array of nodes that refer to each other by index and to their
 * strings by offset; thawing rebuilds the caller's cig_json_t tree from it in
 * one pass.  cig_token_thaw (cig_token.c) then checks every claim again.
 *
 * The block never leaves the host and is written only by freeze, but thaw
 * still checks it whole (sizes, offsets, indices that only point forward),
 * so a damaged block is refused and cannot make a cycle or a read out of
 * bounds.
 */

#include <math.h>
#include <string.h>

#include "cig_internal.h"


#define CIG_FROZEN_MAGIC  0x31464743u        /* "CGF1", the format's version */

#define CIG_FROZEN_NULL   0xffffu            /* an offset for data == NULL */

typedef struct {
    uint32_t       magic;
    uint32_t       nnodes;
    uint32_t       text_len;                 /* payload NUL kid extras */
    uint32_t       payload_len;
    uint32_t       kid_len;
    uint32_t       alg;
    unsigned char  key_fp[CIG_KEY_FP_LEN];
} cig_frozen_hdr_t;

typedef struct {
    uint16_t       off;
    uint16_t       len;
} cig_frozen_str_t;

/* 32 bytes: a Cognito token's claims are about ten nodes */

typedef struct {
    uint8_t           type;
    uint8_t           nulls;                 /* bit per string: data NULL */
    uint16_t          child;                 /* node index, 0: none */
    uint16_t          next;
    uint16_t          count;
    cig_frozen_str_t  s[3];                  /* key, str, raw */
    uint32_t          reserved;
    double            num;
} cig_frozen_node_t;


typedef struct {
    const cig_identity_t  *id;
    cig_frozen_node_t     *nodes;            /* NULL while only counting */
    char                  *text;
    uint32_t               nnodes;
    size_t                 text_len;         /* where extras go next */
    int                    ok;
} cig_freezer_t;


static size_t
cig_frozen_align(size_t n)
{
    return (n + 7) & ~(size_t) 7;
}


/* Whether [data, data + len) lies inside the payload text. */

static int
cig_freeze_in_payload(cig_freezer_t *f, const char *data, size_t len)
{
    uintptr_t  p = (uintptr_t) f->id->payload.data;
    uintptr_t  d = (uintptr_t) data;

    return data != NULL && d >= p && d - p <= f->id->payload.len
           && len <= f->id->payload.len - (d - p);
}


/*
 * A string goes in by offset: into the payload text where its bytes are
 * there (at the string itself, or at hint: the parser's unescaped copies
 * usually equal a span of the text), else appended after it.  Only the
 * bytes matter, so any span with the same bytes will do.
 */

static void
cig_freeze_str(cig_freezer_t *f, const cig_str_t *s, const char *hint,
    cig_frozen_str_t *out, uint8_t *nulls, unsigned bit)
{
    const char  *p = f->id->payload.data;

    if (s->data == NULL) {
        *nulls |= (uint8_t) (1u << bit);
        out->off = 0;
        out->len = 0;
        return;
    }

    if (s->len > CIG_FROZEN_MAX_TEXT) {
        f->ok = 0;
        return;
    }

    out->len = (uint16_t) s->len;

    if (cig_freeze_in_payload(f, s->data, s->len)) {
        out->off = (uint16_t) ((uintptr_t) s->data - (uintptr_t) p);
        return;
    }

    if (cig_freeze_in_payload(f, hint, s->len)
        && memcmp(hint, s->data, s->len) == 0)
    {
        out->off = (uint16_t) ((uintptr_t) hint - (uintptr_t) p);
        return;
    }

    if (f->text_len + s->len > CIG_FROZEN_MAX_TEXT) {
        f->ok = 0;
        return;
    }

    out->off = (uint16_t) f->text_len;

    if (f->text != NULL && s->len > 0) {
        memcpy(f->text + f->text_len, s->data, s->len);
    }

    f->text_len += s->len;
}


/* Back over JSON whitespace from q, not before p. */

static const char *
cig_freeze_ws_back(const char *p, const char *q)
{
    while (q > p && (q[-1] == ' ' || q[-1] == '\t' || q[-1] == '\n'
                     || q[-1] == '\r'))
    {
        q--;
    }

    return q;
}


/* Where a member's name would be in the text: "name" : before its value. */

static const char *
cig_freeze_key_hint(cig_freezer_t *f, const cig_json_t *j)
{
    const char  *p = f->id->payload.data, *q;

    if (j->key.data == NULL || !cig_freeze_in_payload(f, j->raw.data, 0)) {
        return NULL;
    }

    q = cig_freeze_ws_back(p, j->raw.data);

    if (q == p || *--q != ':') {
        return NULL;
    }

    q = cig_freeze_ws_back(p, q);

    if (q == p || *--q != '"' || (size_t) (q - p) < j->key.len) {
        return NULL;
    }

    return q - j->key.len;
}


/* Preorder: a node's first child is the next index, its siblings later. */

static uint32_t
cig_freeze_node(cig_freezer_t *f, const cig_json_t *j)
{
    uint32_t            i, prev, c;
    const cig_json_t   *m;
    cig_frozen_node_t   tmp, *n;

    i = f->nnodes++;

    if (f->nnodes == 0 || f->nnodes > CIG_FROZEN_MAX_NODES) {
        f->ok = 0;
        return 0;
    }

    n = f->nodes ? &f->nodes[i] : &tmp;
    memset(n, 0, sizeof(cig_frozen_node_t));

    n->type = (uint8_t) j->type;
    n->num = j->num;
    n->count = j->count > CIG_FROZEN_MAX_NODES ? 0 : (uint16_t) j->count;

    cig_freeze_str(f, &j->key, cig_freeze_key_hint(f, j), &n->s[0],
                   &n->nulls, 0);
    cig_freeze_str(f, &j->str,
                   (j->raw.data != NULL && j->raw.len == j->str.len + 2)
                   ? j->raw.data + 1 : NULL,
                   &n->s[1], &n->nulls, 1);
    cig_freeze_str(f, &j->raw, NULL, &n->s[2], &n->nulls, 2);

    prev = 0;

    for (m = j->child; m != NULL && f->ok; m = m->next) {
        c = cig_freeze_node(f, m);

        if (f->nodes != NULL) {
            if (prev == 0) {
                f->nodes[i].child = (uint16_t) c;
            } else {
                f->nodes[prev].next = (uint16_t) c;
            }
        }

        prev = c;
    }

    return i;
}


static int
cig_freeze_walk(cig_freezer_t *f)
{
    f->nnodes = 0;
    f->text_len = f->id->payload.len + 1 + f->id->kid.len;
    f->ok = 1;

    if (f->id->claims == NULL || f->id->payload.data == NULL) {
        return 0;
    }

    (void) cig_freeze_node(f, f->id->claims);

    return f->ok && f->text_len <= CIG_FROZEN_MAX_TEXT;
}


size_t
cig_identity_frozen_size(const cig_identity_t *id)
{
    cig_freezer_t  f;

    memset(&f, 0, sizeof(cig_freezer_t));
    f.id = id;

    if (!cig_freeze_walk(&f)) {
        return 0;
    }

    return sizeof(cig_frozen_hdr_t) + f.nnodes * sizeof(cig_frozen_node_t)
           + cig_frozen_align(f.text_len);
}


size_t
cig_identity_freeze(const cig_identity_t *id, void *out, size_t size)
{
    size_t             need, nodes_len, text_end;
    cig_freezer_t      f;
    cig_frozen_hdr_t   hdr;

    /* counted first: the node array comes before the text */

    memset(&f, 0, sizeof(cig_freezer_t));
    f.id = id;

    if (!cig_freeze_walk(&f)) {
        return 0;
    }

    nodes_len = f.nnodes * sizeof(cig_frozen_node_t);
    text_end = sizeof(cig_frozen_hdr_t) + nodes_len + f.text_len;
    need = sizeof(cig_frozen_hdr_t) + nodes_len
           + cig_frozen_align(f.text_len);

    if (need > size) {
        return 0;
    }

    memset(&hdr, 0, sizeof(cig_frozen_hdr_t));
    hdr.magic = CIG_FROZEN_MAGIC;
    hdr.nnodes = f.nnodes;
    hdr.text_len = (uint32_t) f.text_len;
    hdr.payload_len = (uint32_t) id->payload.len;
    hdr.kid_len = (uint32_t) id->kid.len;
    hdr.alg = (uint32_t) id->alg;
    memcpy(hdr.key_fp, id->key_fp, CIG_KEY_FP_LEN);

    memcpy(out, &hdr, sizeof(cig_frozen_hdr_t));

    /* every node is written whole; only the text's padding is left */

    memset((char *) out + text_end, 0, need - text_end);

    f.nodes = (cig_frozen_node_t *) ((char *) out + sizeof(cig_frozen_hdr_t));
    f.text = (char *) f.nodes + nodes_len;

    memcpy(f.text, id->payload.data, id->payload.len);
    f.text[id->payload.len] = '\0';

    if (id->kid.len > 0) {
        memcpy(f.text + id->payload.len + 1, id->kid.data, id->kid.len);
    }

    if (!cig_freeze_walk(&f)) {
        return 0;
    }

    return need;
}


static int
cig_thaw_str(const cig_frozen_str_t *s, uint8_t nulls, unsigned bit,
    const char *text, size_t text_len, cig_str_t *out)
{
    if (nulls & (1u << bit)) {
        out->data = NULL;
        out->len = 0;
        return s->off == 0 && s->len == 0;
    }

    if (s->off > text_len || s->len > text_len - s->off) {
        return 0;
    }

    out->data = text + s->off;
    out->len = s->len;

    return 1;
}


/* What one pass learns of each node from the nodes before it. */

typedef struct {
    uint16_t  parent;                /* the container whose list holds it */
    uint16_t  kids;                  /* its children, counted */
    uint8_t   depth;                 /* 0: no node links to it (yet) */
} cig_thaw_aux_t;


cig_code_t
cig_frozen_open(const void *block, size_t len, const cig_allocator_t *a,
    cig_frozen_t *out, cig_err_t *err)
{
    size_t                    nodes_len, i, c, x, p;
    const char               *text;
    cig_json_t               *tree;
    cig_thaw_aux_t           *aux;
    cig_frozen_hdr_t          hdr;
    const cig_frozen_node_t  *n;

    if (((uintptr_t) block & 7) != 0 || len < sizeof(cig_frozen_hdr_t)) {
        goto damaged;
    }

    memcpy(&hdr, block, sizeof(cig_frozen_hdr_t));

    if (hdr.magic != CIG_FROZEN_MAGIC || hdr.nnodes == 0
        || hdr.nnodes > CIG_FROZEN_MAX_NODES
        || hdr.text_len > CIG_FROZEN_MAX_TEXT
        || hdr.payload_len >= hdr.text_len
        || hdr.kid_len > hdr.text_len - hdr.payload_len - 1)
    {
        goto damaged;
    }

    nodes_len = hdr.nnodes * sizeof(cig_frozen_node_t);

    if (len != sizeof(cig_frozen_hdr_t) + nodes_len
               + cig_frozen_align(hdr.text_len))
    {
        goto damaged;
    }

    n = (const cig_frozen_node_t *) ((const char *) block
                                     + sizeof(cig_frozen_hdr_t));
    text = (const char *) n + nodes_len;

    if (text[hdr.payload_len] != '\0') {
        goto damaged;
    }

    tree = a->alloc(a->ctx, hdr.nnodes * sizeof(cig_json_t));
    aux = a->alloc(a->ctx, hdr.nnodes * sizeof(cig_thaw_aux_t));

    if (tree == NULL || aux == NULL) {
        cig_err_set(err, CIG_ERR_INTERNAL, "out of memory");
        return CIG_ERR_INTERNAL;
    }

    memset(aux, 0, hdr.nnodes * sizeof(cig_thaw_aux_t));
    aux[0].depth = 1;

    /*
     * One pass, checking the tree a parse would have made: links only
     * point forward and each node but the root has exactly one referrer
     * (no cycle, no sharing), nesting no deeper than a parse allows, only
     * containers have children, object members have names, and (after
     * the pass) each count is the number of children.
     */

    for (i = 0; i < hdr.nnodes; i++) {
        c = n[i].child;
        x = n[i].next;

        if (aux[i].depth == 0
            || n[i].type > CIG_JSON_OBJECT
            || (c != 0 && (c <= i || c >= hdr.nnodes || aux[c].depth != 0
                           || (n[i].type != CIG_JSON_ARRAY
                               && n[i].type != CIG_JSON_OBJECT)
                           || aux[i].depth > CIG_MAX_JSON_DEPTH))
            || (x != 0 && (i == 0 || x <= i || x >= hdr.nnodes
                           || aux[x].depth != 0 || x == c))
            || (n[i].nulls & ~7u) != 0
            || !cig_thaw_str(&n[i].s[0], n[i].nulls, 0, text, hdr.text_len,
                             &tree[i].key)
            || !cig_thaw_str(&n[i].s[1], n[i].nulls, 1, text, hdr.text_len,
                             &tree[i].str)
            || !cig_thaw_str(&n[i].s[2], n[i].nulls, 2, text, hdr.text_len,
                             &tree[i].raw))
        {
            goto damaged;
        }

        /*
         * What each value holds: its source text always, a string its
         * text, a number a finite value (a NaN exp would never expire);
         * object members are named, and nothing else is.
         */

        if (tree[i].raw.data == NULL
            || ((n[i].type == CIG_JSON_STRING) != (tree[i].str.data != NULL))
            || (n[i].type == CIG_JSON_NUMBER && !isfinite(n[i].num)))
        {
            goto damaged;
        }

        if (i != 0) {
            p = aux[i].parent;

            if ((n[p].type == CIG_JSON_OBJECT) != (tree[i].key.data != NULL))
            {
                goto damaged;
            }

            aux[p].kids++;

        } else if (tree[i].key.data != NULL) {
            goto damaged;
        }

        if (c != 0) {
            aux[c].parent = (uint16_t) i;
            aux[c].depth = (uint8_t) (aux[i].depth + 1);
        }

        if (x != 0) {
            aux[x].parent = aux[i].parent;
            aux[x].depth = aux[i].depth;
        }

        tree[i].type = (cig_json_type_t) n[i].type;
        tree[i].num = n[i].num;
        tree[i].count = n[i].count;
        tree[i].child = c ? &tree[c] : NULL;
        tree[i].next = x ? &tree[x] : NULL;
    }

    for (i = 0; i < hdr.nnodes; i++) {
        if (aux[i].kids != n[i].count) {
            goto damaged;
        }
    }

    out->claims = tree;
    out->payload.data = text;
    out->payload.len = hdr.payload_len;
    out->kid.data = text + hdr.payload_len + 1;
    out->kid.len = hdr.kid_len;
    out->alg = (cig_alg_t) hdr.alg;
    memcpy(out->key_fp, hdr.key_fp, CIG_KEY_FP_LEN);

    return CIG_OK;

damaged:

    cig_err_set(err, CIG_ERR_INTERNAL, "cached identity is damaged");

    return CIG_ERR_INTERNAL;
}
