/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Subrequests and internal redirects (mod_include, mod_rewrite's
 * per-directory rules, ErrorDocument, mod_dir, mod_negotiation,
 * mod_autoindex, ...) are decided on their own URI.
 *
 * httpd runs authentication and authorization again for such a request
 * only where its sections differ from those of the request it comes from:
 * ap_process_request_internal() compares the per_dir_config pointers, and
 * where they are equal copies the user and skips both.  A policy or a path
 * prefix decides on the URI, so where one is in effect the request gets
 * its own copy of the configuration vector (the same per-module
 * configurations, a new array) in the post_perdir_config hook, which runs
 * just before that comparison: httpd then checks it as any other request,
 * with every Require line.  The nginx module decides each subrequest in
 * its precontent phase likewise.
 *
 * The identity is the parent's when the module's configuration is the
 * same (the token comes from the same headers, is checked against the same
 * pools, keys and roles, at the same request time): it is not verified
 * again, only the path and the policy are decided anew.
 */

#include "mod_cognito_identity.h"


static int
mci_subreq_ours(request_rec *r)
{
    const char  *type;

    type = ap_auth_type(r);

    return type != NULL && strcasecmp(type, MCI_AUTH_TYPE) == 0;
}


int
mci_subreq_post_perdir_config(request_rec *r)
{
    module                *m;
    ap_conf_vector_t      *v;
    const mci_dir_conf_t  *conf;

    if (!((r->prev != NULL && r->prev->per_dir_config == r->per_dir_config)
          || (r->main != NULL && r->main->per_dir_config == r->per_dir_config)))
    {
        return DECLINED;
    }

    if (!mci_subreq_ours(r)) {
        return DECLINED;
    }

    conf = mci_dir_conf(r);

    if (!mci_policy_configured(conf)) {
        return DECLINED;
    }

    v = ap_create_per_dir_config(r->pool);

    for (m = ap_top_module; m != NULL; m = m->next) {
        ap_set_module_config(v, m, ap_get_module_config(r->per_dir_config, m));
    }

    r->per_dir_config = v;

    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, "cognito identity: %s "
                  "\"%s\" checked on its own URI",
                  r->main ? "subrequest" : "internal redirect", r->uri);

    return DECLINED;
}


/*
 * The identity of the request this one is a subrequest or an internal
 * redirect of, where that request passed the authentication step under the
 * same configuration of the module; the variables are set again, the path
 * and the policy are left to the caller.
 */

int
mci_subreq_identity(request_rec *r, const mci_dir_conf_t *conf,
    mci_req_t *st)
{
    request_rec  *p;
    mci_req_t    *pst;

    p = r->prev ? r->prev : r->main;

    if (p == NULL || mci_dir_conf(p) != conf) {
        return 0;
    }

    pst = ap_get_module_config(p->request_config, &cognito_identity_module);

    /* refused (guest, role, policy in authn) or not checked: check anew */

    if (pst == NULL || !pst->verified || pst->status != 0) {
        return 0;
    }

    st->verified = 1;
    st->identity = pst->identity;
    st->login = pst->login;
    st->role = pst->role;
    st->has_role = pst->has_role;

    mci_set_env(r, st);

    return 1;
}
