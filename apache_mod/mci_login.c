/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * CognitoIdentityLogin: the login provider's own ID token, presented beside
 * the OpenID token, whose claims the role mapping's Rules and Token read
 * and whose aud selects the mapping keyed "PROVIDER:CLIENTID", as Cognito
 * does.  The same semantics as the nginx module's cognito_identity_login:
 * verified against its own keys, issuer, client ids and algorithm, with
 * the section's leeway, and bound to the identity (cig_login_bind).
 */

#include "mod_cognito_identity.h"


#define MCI_LOGIN_HEADER  "X-Cognito-Login-Token"


/*
 * CognitoIdentityLogin <provider> <jwks-file> issuer=<url>
 *     client=<id>[,<id>...] [alg=RS256|RS384|RS512] [token=<expression>]
 *     [bind=subject|provider]
 */

const char *
mci_login_cmd(cmd_parms *cmd, void *mconfig, int argc, char *const argv[])
{
    mci_dir_conf_t  *conf = mconfig;

    int           i, n;
    char         *p, *comma;
    const char   *v, *err;
    cig_alg_t     alg;
    mci_login_t  *login;

    v = "";

    if (argc < 2) {
        return apr_psprintf(cmd->pool, "%s needs a provider, a JWKS file, "
                            "issuer= and client=", cmd->cmd->name);
    }

    if (conf->logins == NULL) {
        conf->logins = apr_array_make(cmd->pool, 2, sizeof(mci_login_t));
    }

    login = (mci_login_t *) conf->logins->elts;

    for (i = 0; i < conf->logins->nelts; i++) {
        if (login[i].provider.len == strlen(argv[0])
            && memcmp(login[i].provider.data, argv[0],
                      login[i].provider.len) == 0)
        {
            return apr_psprintf(cmd->pool, "%s: login provider \"%s\" is "
                                "configured twice", cmd->cmd->name, argv[0]);
        }
    }

    if (argv[0][0] == '\0' || strlen(argv[0]) > 256) {
        return apr_psprintf(cmd->pool, "%s: a provider name of 1 to 256 "
                            "characters is needed", cmd->cmd->name);
    }

    login = apr_array_push(conf->logins);
    memset(login, 0, sizeof(mci_login_t));

    login->provider.data = argv[0];
    login->provider.len = strlen(argv[0]);
    login->bind = CIG_BIND_SUBJECT;
    login->algs = CIG_ALG_RS256;
    login->where = apr_psprintf(cmd->pool, "%s:%d",
                                cmd->directive->filename,
                                cmd->directive->line_num);

    err = NULL;
    login->keyset = mci_load_keys(cmd, argv[1], &err);
    if (login->keyset == NULL) {
        return err;
    }

    for (i = 2; i < argc; i++) {
        v = argv[i];

        if (strncmp(v, "issuer=", 7) == 0 && v[7] != '\0') {
            if (login->issuer != NULL || strlen(v + 7) > 512) {
                goto invalid;
            }

            login->issuer = v + 7;
            continue;
        }

        if (strncmp(v, "client=", 7) == 0 && v[7] != '\0') {
            if (login->clients != NULL) {
                goto invalid;
            }

            for (n = 1, p = (char *) v + 7; *p; p++) {
                n += (*p == ',');
            }

            login->clients = apr_palloc(cmd->pool, n * sizeof(cig_str_t));
            p = apr_pstrdup(cmd->pool, v + 7);

            while (*p) {
                comma = strchr(p, ',');
                if (comma == NULL) {
                    comma = p + strlen(p);
                }

                if (comma == p) {
                    goto invalid;
                }

                login->clients[login->nclients].data = p;
                login->clients[login->nclients].len = comma - p;
                login->nclients++;

                if (*comma == '\0') {
                    break;
                }

                *comma = '\0';
                p = comma + 1;

                if (*p == '\0') {
                    goto invalid;           /* a trailing comma */
                }
            }

            cig_strs_sort(login->clients, login->nclients);
            continue;
        }

        if (strncmp(v, "alg=", 4) == 0) {
            alg = cig_alg_from_name(v + 4, strlen(v + 4));
            if (alg == CIG_ALG_NONE) {
                goto invalid;
            }

            login->algs = alg;
            continue;
        }

        if (strcmp(v, "bind=subject") == 0) {
            login->bind = CIG_BIND_SUBJECT;
            continue;
        }

        if (strcmp(v, "bind=provider") == 0) {
            login->bind = CIG_BIND_PROVIDER;
            continue;
        }

        if (strncmp(v, "token=", 6) == 0 && v[6] != '\0'
            && login->token == NULL)
        {
            err = NULL;
            login->token = ap_expr_parse_cmd(cmd, v + 6,
                                             AP_EXPR_FLAG_STRING_RESULT,
                                             &err, NULL);
            if (err != NULL) {
                return apr_psprintf(cmd->pool, "%s: cannot parse expression "
                                    "\"%s\": %s", cmd->cmd->name, v + 6,
                                    err);
            }

            continue;
        }

        goto invalid;
    }

    if (login->issuer == NULL || login->nclients == 0) {
        return apr_psprintf(cmd->pool, "%s: login provider \"%s\" needs "
                            "issuer= and client=", cmd->cmd->name, argv[0]);
    }

    return NULL;

invalid:

    return apr_psprintf(cmd->pool, "%s: invalid parameter \"%s\"",
                        cmd->cmd->name, v);
}


static const mci_login_t *
mci_login_for(const mci_dir_conf_t *conf, cig_str_t provider)
{
    int                 i;
    const mci_login_t  *login;

    if (conf->logins == NULL || provider.len == 0) {
        return NULL;
    }

    login = (const mci_login_t *) conf->logins->elts;

    for (i = 0; i < conf->logins->nelts; i++) {
        if (login[i].provider.len == provider.len
            && memcmp(login[i].provider.data, provider.data,
                      provider.len) == 0)
        {
            return &login[i];
        }
    }

    return NULL;
}


cig_code_t
mci_login_input(request_rec *r, const mci_dir_conf_t *conf,
    cig_identity_t *id, cig_identity_t *out, cig_role_input_t *in,
    cig_err_t *err)
{
    const char          *token, *experr;
    cig_code_t           rc;
    cig_verifier_t       v;
    cig_allocator_t      a;
    const mci_login_t   *login;

    login = id->authenticated ? mci_login_for(conf, id->provider) : NULL;

    if (login == NULL) {
        return CIG_OK;
    }

    /* configured for this provider, the login token is required */

    if (login->token != NULL) {
        experr = NULL;
        token = ap_expr_str_exec(r, login->token, &experr);

        if (experr != NULL) {
            cig_err_set(err, CIG_ERR_INTERNAL, "CognitoIdentityLogin token= "
                        "at %s: %s", login->where, experr);
            return CIG_ERR_INTERNAL;
        }

    } else {
        token = apr_table_get(r->headers_in, MCI_LOGIN_HEADER);
    }

    if (token == NULL || token[0] == '\0') {
        cig_err_set(err, CIG_ERR_FORBIDDEN, "a login token of \"%.*s\" is "
                    "required to choose the role", (int) login->provider.len,
                    login->provider.data);
        return CIG_ERR_FORBIDDEN;
    }

    memset(&v, 0, sizeof(cig_verifier_t));
    v.issuer.data = login->issuer;
    v.issuer.len = strlen(login->issuer);
    v.audiences = login->clients;
    v.naudiences = login->nclients;
    v.keysets = &login->keyset;
    v.nkeysets = 1;
    v.algs = login->algs;
    v.leeway = conf->leeway == MCI_UNSET ? MCI_LEEWAY : conf->leeway;
    v.cognito = 0;

    a.alloc = mci_alloc;
    a.ctx = r->pool;

    memset(out, 0, sizeof(cig_identity_t));

    rc = cig_token_verify(&v, token, strlen(token),
                          apr_time_sec(r->request_time), &a, out, err);

    if (rc != CIG_OK) {
        char  reason[CIG_ERR_MSG_LEN];

        memcpy(reason, err->msg, sizeof(reason));
        cig_err_set(err, rc == CIG_ERR_NO_KEYS ? CIG_ERR_NO_KEYS
                                               : CIG_ERR_INVALID_TOKEN,
                    "login token: %s", reason);
        return err->code;
    }

    rc = cig_login_bind(id, out, login->provider, login->bind, err);
    if (rc != CIG_OK) {
        return rc;
    }

    in->claims = out->claims;
    in->client_id = out->aud;

    return CIG_OK;
}
