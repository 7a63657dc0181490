/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The module's variables (COGNITO_IDENTITY_*) are the module's alone: no
 * value that a configuration set before the module's (SetEnvIf, which
 * may copy a request header; BrowserMatch; a server-level rewrite's E=)
 * reaches an application, a header or a log line as if the module had set
 * it.  Every such variable is removed where the check is on, after
 * mod_setenvif's per-directory rules (header_parser, APR_HOOK_MIDDLE) and
 * again when the authentication step starts (subrequests run no
 * header_parser; theirs are copies of their parent's, decided anew).
 */

#include "mod_cognito_identity.h"


#define MCI_ENV_PREFIX      "COGNITO_IDENTITY_"
#define MCI_ENV_PREFIX_LEN  (sizeof(MCI_ENV_PREFIX) - 1)


static int
mci_env_collect(void *data, const char *key, const char *value)
{
    apr_array_header_t  *names = data;

    (void) value;

    /* apr_table_get() and %{...}e look names up in any case */

    if (strncasecmp(key, MCI_ENV_PREFIX, MCI_ENV_PREFIX_LEN) == 0) {
        *(const char **) apr_array_push(names) = key;
    }

    return 1;
}


/* Removes every COGNITO_IDENTITY_* variable; how many there were. */

int
mci_env_clear(request_rec *r, int log)
{
    int                  i;
    const char          *name;
    apr_array_header_t  *names;

    if (apr_is_empty_table(r->subprocess_env)) {
        return 0;
    }

    names = apr_array_make(r->pool, 4, sizeof(const char *));
    apr_table_do(mci_env_collect, names, r->subprocess_env, NULL);

    for (i = 0; i < names->nelts; i++) {
        name = ((const char **) names->elts)[i];

        if (log) {
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "cognito identity: "
                          "variable \"%s\" set before the module's, "
                          "removed", name);
        }

        apr_table_unset(r->subprocess_env, name);
    }

    return names->nelts;
}


int
mci_env_header_parser(request_rec *r)
{
    const char  *type;

    type = ap_auth_type(r);

    if (type != NULL && strcasecmp(type, MCI_AUTH_TYPE) == 0) {
        mci_env_clear(r, 1);
    }

    return DECLINED;
}
