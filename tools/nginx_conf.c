/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * nginx_conf: a reader of nginx's configuration syntax, following
 * ngx_conf_read_token(): words end at whitespace, ';' or '{' (but "${" is
 * part of a word), a '}' or '#' counts only at the start of a word, quotes
 * may be single or double and must be followed by a space, ';', '{' or
 * ')', and "\"", "\'", "\\", "\t", "\r", "\n" are unescaped in every word.
 */

#include <ctype.h>
#include <fnmatch.h>
#include <glob.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nginx_conf.h"


#define NCF_MAX_DEPTH     64      /* nested blocks */
#define NCF_MAX_INCLUDES  16      /* nested includes */
#define NCF_MAX_ARGS      256
#define NCF_MAX_NODES     100000


typedef struct {
    char           *name;
    const char     *text;
    size_t          len;
} ncf_file_t;


typedef struct {
    ncf_file_t     *files;      /* of the dump; none for a plain file */
    size_t          nfiles;
    char           *prefix;     /* for relative includes, ends in '/' */
    char           *err;
    size_t          errlen;
    size_t          nodes;
    int             failed;
} ncf_ctx_t;


typedef struct {
    const char     *p, *end;
    const char     *file;
    unsigned        line;
} ncf_reader_t;


static int ncf_parse_block(ncf_ctx_t *c, ncf_reader_t *r, ncf_node_t *parent,
    int depth, int includes, int top);


static void *
ncf_alloc(size_t n)
{
    void  *p = calloc(1, n ? n : 1);

    if (p == NULL) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }

    return p;
}


static char *
ncf_strndup(const char *s, size_t n)
{
    char  *p = ncf_alloc(n + 1);

    memcpy(p, s, n);
    return p;
}


static int
ncf_fail(ncf_ctx_t *c, ncf_reader_t *r, const char *fmt, ...)
{
    int      n;
    va_list  args;

    if (c->failed) {
        return -1;
    }

    c->failed = 1;
    va_start(args, fmt);
    n = vsnprintf(c->err, c->errlen, fmt, args);
    va_end(args);

    if (r != NULL && n >= 0 && (size_t) n < c->errlen) {
        snprintf(c->err + n, c->errlen - n, " in %s:%u", r->file, r->line);
    }

    return -1;
}


static void
ncf_push(ncf_node_t *parent, ncf_node_t *n)
{
    if ((parent->nchildren & (parent->nchildren - 1)) == 0) {
        ncf_node_t  **p;

        p = realloc(parent->children,
                    (parent->nchildren ? parent->nchildren * 2 : 1)
                    * sizeof(ncf_node_t *));
        if (p == NULL) {
            fprintf(stderr, "out of memory\n");
            exit(2);
        }

        parent->children = p;
    }

    parent->children[parent->nchildren++] = n;
}


/* a word as nginx copies it: the escapes it knows are undone */

static char *
ncf_unescape(const char *s, size_t len)
{
    char        *out, *d;
    const char  *end = s + len;

    out = d = ncf_alloc(len + 1);

    while (s < end) {
        if (*s == '\\' && s + 1 < end) {
            switch (s[1]) {
            case '"':
            case '\'':
            case '\\':
                s++;
                break;
            case 't':
                *d++ = '\t';
                s += 2;
                continue;
            case 'r':
                *d++ = '\r';
                s += 2;
                continue;
            case 'n':
                *d++ = '\n';
                s += 2;
                continue;
            }
        }

        *d++ = *s++;
    }

    *d = '\0';

    return out;
}


/*
 * The next token: 1 a word (in *word), ';' '{' '}' as themselves, 0 at the
 * end of the text, -1 on an error.
 */

static int
ncf_token(ncf_ctx_t *c, ncf_reader_t *r, char **word)
{
    char         ch, quote;
    const char  *start;
    int          variable, escaped;

    for ( ;; ) {
        while (r->p < r->end && isspace((unsigned char) *r->p)) {
            if (*r->p == '\n') {
                r->line++;
            }
            r->p++;
        }

        if (r->p == r->end) {
            return 0;
        }

        if (*r->p == '#') {
            while (r->p < r->end && *r->p != '\n') {
                r->p++;
            }
            continue;
        }

        break;
    }

    ch = *r->p;

    if (ch == ';' || ch == '{' || ch == '}') {
        r->p++;
        return ch;
    }

    if (ch == '"' || ch == '\'') {
        quote = ch;
        start = ++r->p;
        escaped = 0;

        for ( ;; ) {
            if (r->p == r->end) {
                return ncf_fail(c, r, "unexpected end of file in a quoted "
                                "string");
            }

            ch = *r->p;

            if (ch == '\n') {
                r->line++;
            }

            if (escaped) {
                escaped = 0;

            } else if (ch == '\\') {
                escaped = 1;

            } else if (ch == quote) {
                break;
            }

            r->p++;
        }

        *word = ncf_unescape(start, r->p - start);
        r->p++;

        /* a space, ';', '{' or ')' must follow */

        if (r->p < r->end && !isspace((unsigned char) *r->p)
            && *r->p != ';' && *r->p != '{' && *r->p != ')')
        {
            free(*word);
            return ncf_fail(c, r, "unexpected \"%c\"", *r->p);
        }

        return 1;
    }

    start = r->p;
    variable = 0;
    escaped = 0;

    while (r->p < r->end) {
        ch = *r->p;

        if (escaped) {
            escaped = 0;
            r->p++;
            continue;
        }

        if (ch == '{' && variable) {
            variable = 0;
            r->p++;
            continue;
        }

        variable = 0;

        if (ch == '\\') {
            escaped = 1;

        } else if (ch == '$') {
            variable = 1;

        } else if (isspace((unsigned char) ch) || ch == ';' || ch == '{') {
            break;
        }

        r->p++;
    }

    *word = ncf_unescape(start, r->p - start);

    return 1;
}


static int ncf_include(ncf_ctx_t *c, ncf_reader_t *r, ncf_node_t *parent,
    const char *pattern, int depth, int includes);


/* directives until '}' (or the end of the text, at the top) */

static int
ncf_parse_block(ncf_ctx_t *c, ncf_reader_t *r, ncf_node_t *parent, int depth,
    int includes, int top)
{
    int          t;
    char        *word = NULL, *args[NCF_MAX_ARGS];
    size_t       n, i;
    unsigned     line;
    ncf_node_t  *node;

    if (depth > NCF_MAX_DEPTH) {
        return ncf_fail(c, r, "blocks nested too deeply");
    }

    n = 0;
    line = 0;

    for ( ;; ) {
        t = ncf_token(c, r, &word);

        if (t < 0) {
            goto failed;
        }

        if (t == 1) {
            if (n == NCF_MAX_ARGS) {
                free(word);
                ncf_fail(c, r, "too many parameters");
                goto failed;
            }

            if (n == 0) {
                line = r->line;
            }

            args[n++] = word;
            continue;
        }

        if (t == 0) {
            if (n > 0) {
                ncf_fail(c, r, "unexpected end of file, expecting \";\" or "
                         "\"}\"");
                goto failed;
            }

            if (!top) {
                ncf_fail(c, r, "unexpected end of file, expecting \"}\"");
                goto failed;
            }

            return 0;
        }

        if (t == '}') {
            if (n > 0) {
                ncf_fail(c, r, "unexpected \"}\"");
                goto failed;
            }

            if (top) {
                ncf_fail(c, r, "unexpected \"}\"");
                goto failed;
            }

            return 0;
        }

        /* ';' or '{' */

        if (n == 0) {
            ncf_fail(c, r, "unexpected \"%c\"", t);
            goto failed;
        }

        if (++c->nodes > NCF_MAX_NODES) {
            ncf_fail(c, r, "too many directives");
            goto failed;
        }

        if (t == ';' && n == 2 && strcmp(args[0], "include") == 0) {
            if (ncf_include(c, r, parent, args[1], depth, includes) != 0) {
                goto failed;
            }

            free(args[0]);
            free(args[1]);
            n = 0;
            continue;
        }

        node = ncf_alloc(sizeof(ncf_node_t));
        node->args = ncf_alloc(n * sizeof(char *));
        memcpy(node->args, args, n * sizeof(char *));
        node->nargs = n;
        node->file = r->file;
        node->line = line;
        n = 0;

        ncf_push(parent, node);

        if (t == '{') {
            node->block = 1;

            if (ncf_parse_block(c, r, node, depth + 1, includes, 0) != 0) {
                return -1;
            }
        }
    }

failed:

    for (i = 0; i < n; i++) {
        free(args[i]);
    }

    return -1;
}


static int
ncf_parse_text(ncf_ctx_t *c, const char *name, const char *text, size_t len,
    ncf_node_t *parent, int depth, int includes)
{
    ncf_reader_t  r;

    r.p = text;
    r.end = text + len;
    r.file = name;
    r.line = 1;

    return ncf_parse_block(c, &r, parent, depth, includes, 1);
}


static char *
ncf_read_file(const char *path, size_t *len)
{
    FILE    *f;
    char    *buf;
    long     size;

    f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }

    if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0
        || size > 64 * 1024 * 1024 || fseek(f, 0, SEEK_SET) != 0)
    {
        fclose(f);
        return NULL;
    }

    buf = ncf_alloc(size + 1);

    if (fread(buf, 1, size, f) != (size_t) size) {
        fclose(f);
        free(buf);
        return NULL;
    }

    fclose(f);
    *len = size;

    return buf;
}


/*
 * include: the files of the dump whose names match, in the dump's order
 * (nginx dumps each file once, where it is first included); files that
 * are not in the dump are read from disk, as nginx would.
 */

static int
ncf_include(ncf_ctx_t *c, ncf_reader_t *r, ncf_node_t *parent,
    const char *pattern, int depth, int includes)
{
    int      found, rc;
    char    *path, *text;
    size_t   i, len;
    glob_t   g;

    if (includes >= NCF_MAX_INCLUDES) {
        return ncf_fail(c, r, "includes nested too deeply");
    }

    if (pattern[0] == '/' || c->prefix == NULL) {
        path = ncf_strndup(pattern, strlen(pattern));

    } else {
        len = strlen(c->prefix) + strlen(pattern);
        path = ncf_alloc(len + 1);
        snprintf(path, len + 1, "%s%s", c->prefix, pattern);
    }

    found = 0;

    for (i = 0; i < c->nfiles; i++) {
        if (fnmatch(path, c->files[i].name, FNM_PATHNAME) == 0) {
            found = 1;

            if (ncf_parse_text(c, c->files[i].name, c->files[i].text,
                               c->files[i].len, parent, depth, includes + 1)
                != 0)
            {
                free(path);
                return -1;
            }
        }
    }

    if (found) {
        free(path);
        return 0;
    }

    /* not in the dump: from disk */

    rc = glob(path, 0, NULL, &g);

    if (rc == GLOB_NOMATCH) {
        if (strpbrk(path, "*?[") == NULL) {
            ncf_fail(c, r, "include \"%s\": no such file in the dump or on "
                     "disk", path);
            free(path);
            return -1;
        }

        free(path);
        return 0;
    }

    if (rc != 0) {
        ncf_fail(c, r, "include \"%s\": glob failed", path);
        free(path);
        return -1;
    }

    free(path);

    for (i = 0; i < g.gl_pathc; i++) {
        char  *name;

        text = ncf_read_file(g.gl_pathv[i], &len);
        if (text == NULL) {
            ncf_fail(c, r, "include \"%s\": cannot be read", g.gl_pathv[i]);
            globfree(&g);
            return -1;
        }

        /* node->file points into names: they live as long as the tree */

        name = ncf_strndup(g.gl_pathv[i], strlen(g.gl_pathv[i]));
        c->files = realloc(c->files, (c->nfiles + 1) * sizeof(ncf_file_t));
        if (c->files == NULL) {
            fprintf(stderr, "out of memory\n");
            exit(2);
        }
        c->files[c->nfiles].name = name;
        c->files[c->nfiles].text = text;
        c->files[c->nfiles].len = len;
        c->nfiles++;

        if (ncf_parse_text(c, name, text, len, parent, depth, includes + 1)
            != 0)
        {
            globfree(&g);
            return -1;
        }
    }

    globfree(&g);

    return 0;
}


/*
 * What nginx writes to stderr around a dump, when both streams are kept:
 * "nginx: ..." and error log lines "2024/01/31 12:00:00 [warn] ...".
 */

static int
ncf_nginx_message(const char *p, const char *eol)
{
    static const char  shape[] = "dddd/dd/dd dd:dd:dd [";
    size_t             i;

    if (eol - p >= 7 && memcmp(p, "nginx: ", 7) == 0) {
        return 1;
    }

    if ((size_t) (eol - p) < sizeof(shape) - 1) {
        return 0;
    }

    for (i = 0; i < sizeof(shape) - 1; i++) {
        if (shape[i] == 'd' ? !isdigit((unsigned char) p[i])
                            : p[i] != shape[i])
        {
            return 0;
        }
    }

    return 1;
}


/* the root keeps what the nodes point into */

typedef struct {
    ncf_node_t      root;
    ncf_file_t     *files;
    size_t          nfiles;
    size_t          ndump;      /* files[0..ndump) point into the input */
} ncf_tree_t;


ncf_node_t *
ncf_parse(const char *text, size_t len, const char *name, char **prefix,
    char *err, size_t errlen)
{
    size_t       i, ndump;
    ncf_ctx_t    c;
    ncf_tree_t  *tree;
    const char  *p, *end, *eol, *body;
    char        *slash;
    int          dump;

    static const char  marker[] = "# configuration file ";

    memset(&c, 0, sizeof(c));
    c.err = err;
    c.errlen = errlen;
    err[0] = '\0';

    /* the files of the dump, each after its marker line */

    end = text + len;
    body = NULL;
    dump = memmem(text, len, marker, sizeof(marker) - 1) != NULL;

    for (p = text; p < end; p = eol + 1) {
        eol = memchr(p, '\n', end - p);
        if (eol == NULL) {
            eol = end;
        }

        if ((size_t) (eol - p) > sizeof(marker)
            && memcmp(p, marker, sizeof(marker) - 1) == 0
            && eol[-1] == ':')
        {
            if (c.nfiles > 0) {
                c.files[c.nfiles - 1].len = p - body;
            }

            c.files = realloc(c.files, (c.nfiles + 1) * sizeof(ncf_file_t));
            if (c.files == NULL) {
                fprintf(stderr, "out of memory\n");
                exit(2);
            }

            c.files[c.nfiles].name = ncf_strndup(p + sizeof(marker) - 1,
                                                 eol - 1
                                                 - (p + sizeof(marker) - 1));
            body = eol < end ? eol + 1 : end;
            c.files[c.nfiles].text = body;
            c.files[c.nfiles].len = 0;
            c.nfiles++;

        } else if (c.nfiles == 0 && eol > p && !ncf_nginx_message(p, eol)
                   && dump)
        {
            /* something other than nginx's own messages before the dump */
            snprintf(err, errlen, "%s: text before the first \"# "
                     "configuration file\" line: not nginx -T output", name);
            return NULL;
        }

        if (eol == end) {
            break;
        }
    }

    if (c.nfiles > 0) {
        c.files[c.nfiles - 1].len = end - body;

        for (i = 0; i < c.nfiles; i++) {
            if (c.files[i].name[0] != '/') {
                snprintf(err, errlen, "%s: configuration file \"%s\" is not "
                         "an absolute path", name, c.files[i].name);
                for (i = 0; i < c.nfiles; i++) {
                    free(c.files[i].name);
                }
                free(c.files);
                return NULL;
            }
        }

    } else {
        c.files = ncf_alloc(sizeof(ncf_file_t));
        c.files[0].name = ncf_strndup(name, strlen(name));
        c.files[0].text = text;
        c.files[0].len = len;
        c.nfiles = 1;
    }

    ndump = c.nfiles;

    /* relative includes and paths start at the main file's directory */

    slash = strrchr(c.files[0].name, '/');
    c.prefix = slash ? ncf_strndup(c.files[0].name,
                                   slash + 1 - c.files[0].name)
                     : ncf_strndup("", 0);

    tree = ncf_alloc(sizeof(ncf_tree_t));

    if (ncf_parse_text(&c, c.files[0].name, c.files[0].text, c.files[0].len,
                       &tree->root, 0, 0)
        != 0)
    {
        tree->files = c.files;
        tree->nfiles = c.nfiles;
        tree->ndump = ndump;
        ncf_free(&tree->root);
        free(c.prefix);
        return NULL;
    }

    tree->files = c.files;
    tree->nfiles = c.nfiles;
    tree->ndump = ndump;
    *prefix = c.prefix;

    return &tree->root;
}


static void
ncf_free_node(ncf_node_t *n)
{
    size_t  i;

    for (i = 0; i < n->nchildren; i++) {
        ncf_free_node(n->children[i]);
        free(n->children[i]);
    }

    for (i = 0; i < n->nargs; i++) {
        free(n->args[i]);
    }

    free(n->children);
    free(n->args);
}


void
ncf_free(ncf_node_t *root)
{
    size_t       i;
    ncf_tree_t  *tree = (ncf_tree_t *) root;

    if (root == NULL) {
        return;
    }

    ncf_free_node(root);

    for (i = 0; i < tree->nfiles; i++) {
        free(tree->files[i].name);
        if (i >= tree->ndump) {
            free((char *) tree->files[i].text);
        }
    }

    free(tree->files);
    free(tree);
}


char *
ncf_args_joined(const ncf_node_t *n)
{
    char    *s;
    size_t   i, len;

    len = 1;

    for (i = 1; i < n->nargs; i++) {
        len += strlen(n->args[i]) + 1;
    }

    s = ncf_alloc(len);

    for (i = 1; i < n->nargs; i++) {
        if (i > 1) {
            strcat(s, " ");
        }
        strcat(s, n->args[i]);
    }

    return s;
}
