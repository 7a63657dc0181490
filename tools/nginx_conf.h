/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * nginx_conf: nginx's configuration syntax read as nginx reads it, from a
 * file or from what `nginx -T` prints (each file after its
 * "# configuration file PATH:" line), with include resolved among those
 * files (or on disk).  A tree of directives; no semantics.
 */

#ifndef NGINX_CONF_H
#define NGINX_CONF_H

#include <stddef.h>


typedef struct ncf_node_s  ncf_node_t;

struct ncf_node_s {
    char          **args;       /* args[0] is the directive's name */
    size_t          nargs;
    int             block;      /* it has a { } block */
    ncf_node_t    **children;
    size_t          nchildren;
    const char     *file;
    unsigned        line;
};


/*
 * Parses text (the output of `nginx -T`, or one configuration file named
 * name).  Returns the root (a block without args), or NULL with the reason,
 * naming file and line, in err.  Relative include paths are taken from the
 * directory of the main (first) file, as nginx does; *prefix receives it.
 */
ncf_node_t *ncf_parse(const char *text, size_t len, const char *name,
    char **prefix, char *err, size_t errlen);

void ncf_free(ncf_node_t *root);

/* "name arg1 arg2" of a node's args from 1 on, joined by single spaces */
char *ncf_args_joined(const ncf_node_t *n);


#endif /* NGINX_CONF_H */
