/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What is authorized is what the backend is sent.  In S3 mode
 * (CognitoIdentityAuthorize s3), after mod_proxy canonicalised its URL
 * (r->filename "proxy:SCHEME://HOST/PATH?QUERY", with or without ProxyPass
 * nocanon, or mod_rewrite's [P]), the path and query are replaced with the
 * canonical target the request was authorized with (cig_target_read): each
 * path segment and parameter decoded once and encoded once, as S3's SDKs
 * send them, the client's '#', raw ';' and spellings gone.  A URL whose path
 * is not the authorized one (ProxyPass to another prefix, a rewrite) would
 * make the store act on another object than the policy allowed: refused.
 */

#include "mod_cognito_identity.h"


int
mci_forward_fixup(request_rec *r)
{
    char                  *url, *path;
    size_t                 len;
    cig_err_t              err;
    cig_str_t              backend;
    cig_code_t             rc;
    mci_req_t             *st;
    cig_target_t           own;
    cig_allocator_t        a;
    const cig_target_t    *target;
    const mci_dir_conf_t  *conf;

    if (r->proxyreq != PROXYREQ_REVERSE || r->filename == NULL
        || strncmp(r->filename, "proxy:", 6) != 0)
    {
        return DECLINED;
    }

    conf = mci_dir_conf(r);

    if (conf == NULL || conf->authorize != MCI_AUTHZ_S3) {
        return DECLINED;
    }

    a.alloc = mci_alloc;
    a.ctx = r->pool;

    /* this request's own reading, else one made now */

    st = ap_get_module_config(r->request_config, &cognito_identity_module);

    if (st != NULL && st->path_checked) {
        target = &st->target;

    } else {
        rc = cig_target_read(r->unparsed_uri ? r->unparsed_uri : "",
                             r->unparsed_uri ? strlen(r->unparsed_uri) : 0,
                             &a, &own, &err);
        if (rc != CIG_OK) {
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                          "cognito identity: 400, %s", err.msg);
            return HTTP_BAD_REQUEST;
        }

        target = &own;
    }

    url = r->filename + 6;
    path = strstr(url, "://");
    path = path ? strchr(path + 3, '/') : NULL;

    if (path == NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "cognito identity: 500, "
                      "the proxy URL \"%s\" has no path", url);
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    len = strcspn(path, "?#");

    rc = cig_path_decode(path, len, &a, &backend, &err);

    if (rc != CIG_OK || backend.len != target->path.len
        || memcmp(backend.data, target->path.data, backend.len) != 0)
    {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "cognito identity: 500, "
                      "the backend would be sent the path \"%.*s\", not the "
                      "one that was authorized (ProxyPass to another path? "
                      "a rewrite?)", (int) (len > 256 ? 256 : len), path);
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    r->filename = apr_pstrcat(r->pool,
                              apr_pstrmemdup(r->pool, r->filename,
                                             (size_t) (path - r->filename)),
                              target->uri.data, NULL);

    return OK;
}
