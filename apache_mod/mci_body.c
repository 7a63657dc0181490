/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Request bodies the decision needs: S3 multi-object delete (POST
 * /bucket?delete), whose keys are in its XML body.
 *
 * The body is read through the input filters (bounded by
 * CIG_S3_DELETE_MAX_BODY, else 413), the core decides every key, and the
 * very buckets read are kept: an input filter of ours, added in front of
 * the others, hands them out again to whoever reads the body next (mod_proxy,
 * a handler), as mod_request's KEPT_BODY filter does.
 */

#include "mod_cognito_identity.h"


#define MCI_BODY_FILTER  "COGNITO_IDENTITY_KEPT_BODY"


/* Gives the kept body out again, readbytes at a time, then steps aside. */

static apr_status_t
mci_body_replay(ap_filter_t *f, apr_bucket_brigade *bb,
    ap_input_mode_t mode, apr_read_type_e block, apr_off_t readbytes)
{
    apr_bucket          *e, *after;
    apr_status_t         rv;
    apr_bucket_brigade  *kept = f->ctx;

    if (mode != AP_MODE_READBYTES || kept == NULL) {
        return ap_get_brigade(f->next, bb, mode, block, readbytes);
    }

    rv = apr_brigade_partition(kept, readbytes, &after);
    if (rv != APR_SUCCESS && rv != APR_INCOMPLETE) {
        return rv;
    }

    while (!APR_BRIGADE_EMPTY(kept)
           && (e = APR_BRIGADE_FIRST(kept)) != after)
    {
        APR_BUCKET_REMOVE(e);
        APR_BRIGADE_INSERT_TAIL(bb, e);
    }

    if (APR_BRIGADE_EMPTY(kept)) {
        f->ctx = NULL;
        ap_remove_input_filter(f);
    }

    return APR_SUCCESS;
}


/*
 * Reads the whole body into kept (set aside in the request pool) and flat
 * into *body; CIG_OK, or CIG_ERR_BAD_REQUEST with st->body_status (400 or
 * 413) and the reason.
 */

static cig_code_t
mci_body_read(request_rec *r, mci_req_t *st, apr_bucket_brigade *kept,
    char **body, apr_size_t *len, cig_err_t *err)
{
    int                  eos;
    const char          *cl;
    apr_off_t            total;
    apr_size_t           n;
    apr_bucket          *e;
    apr_status_t         rv;
    apr_bucket_brigade  *bb;

    cl = apr_table_get(r->headers_in, "Content-Length");

    if (cl != NULL && apr_atoi64(cl) > CIG_S3_DELETE_MAX_BODY) {
        st->body_status = HTTP_REQUEST_ENTITY_TOO_LARGE;
        cig_err_set(err, CIG_ERR_BAD_REQUEST, "a multi-object delete of "
                    "more than %d bytes", CIG_S3_DELETE_MAX_BODY);
        return CIG_ERR_BAD_REQUEST;
    }

    bb = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    total = 0;
    eos = 0;

    while (!eos) {
        rv = ap_get_brigade(r->input_filters, bb, AP_MODE_READBYTES,
                            APR_BLOCK_READ, HUGE_STRING_LEN);
        if (rv != APR_SUCCESS) {
            st->body_status = HTTP_BAD_REQUEST;
            cig_err_set(err, CIG_ERR_BAD_REQUEST, "the request body cannot "
                        "be read");
            return CIG_ERR_BAD_REQUEST;
        }

        while (!APR_BRIGADE_EMPTY(bb)) {
            e = APR_BRIGADE_FIRST(bb);

            if (APR_BUCKET_IS_EOS(e)) {
                eos = 1;
            }

            if (!APR_BUCKET_IS_METADATA(e) && e->length != (apr_size_t) -1) {
                total += e->length;
            }

            rv = apr_bucket_setaside(e, r->pool);
            if (rv != APR_SUCCESS && rv != APR_ENOTIMPL) {
                cig_err_set(err, CIG_ERR_INTERNAL, "the request body cannot "
                            "be kept");
                return CIG_ERR_INTERNAL;
            }

            APR_BUCKET_REMOVE(e);
            APR_BRIGADE_INSERT_TAIL(kept, e);
        }

        if (total > CIG_S3_DELETE_MAX_BODY) {
            st->body_status = HTTP_REQUEST_ENTITY_TOO_LARGE;
            cig_err_set(err, CIG_ERR_BAD_REQUEST, "a multi-object delete of "
                        "more than %d bytes", CIG_S3_DELETE_MAX_BODY);
            return CIG_ERR_BAD_REQUEST;
        }
    }

    rv = apr_brigade_length(kept, 1, &total);
    if (rv != APR_SUCCESS || total > CIG_S3_DELETE_MAX_BODY) {
        st->body_status = HTTP_REQUEST_ENTITY_TOO_LARGE;
        cig_err_set(err, CIG_ERR_BAD_REQUEST, "a multi-object delete of "
                    "more than %d bytes", CIG_S3_DELETE_MAX_BODY);
        return CIG_ERR_BAD_REQUEST;
    }

    n = (apr_size_t) total;
    *body = apr_palloc(r->pool, n + 1);

    rv = apr_brigade_flatten(kept, *body, &n);
    if (rv != APR_SUCCESS || n != (apr_size_t) total) {
        cig_err_set(err, CIG_ERR_INTERNAL, "the request body cannot be "
                    "read back");
        return CIG_ERR_INTERNAL;
    }

    (*body)[n] = '\0';
    *len = n;

    return CIG_OK;
}


cig_code_t
mci_body_decide(request_rec *r, mci_req_t *st, cig_policy_t *const *policies,
    size_t n, const cig_mapped_t *mapped, cig_request_t *req,
    cig_allocator_t *a, cig_err_t *err)
{
    char                *body;
    apr_size_t           len;
    cig_code_t           rc;
    apr_bucket_brigade  *kept;

    if (r->main != NULL || r->prev != NULL) {
        /* a subrequest or a redirect: the body was the first request's */
        cig_err_set(err, CIG_ERR_FORBIDDEN, "a multi-object delete is "
                    "decided on the request that carries its body only");
        return CIG_ERR_FORBIDDEN;
    }

    kept = apr_brigade_create(r->pool, r->connection->bucket_alloc);

    rc = mci_body_read(r, st, kept, &body, &len, err);

    /* whatever was read goes on to the next reader */

    ap_add_input_filter(MCI_BODY_FILTER, kept, r, r->connection);

    if (rc != CIG_OK) {
        return rc;
    }

    rc = cig_s3_delete_decide(policies, n, st->role.role, mapped, body, len,
                              a, req, &st->verdict, err);

    if (rc == CIG_ERR_BAD_REQUEST) {
        st->body_status = HTTP_BAD_REQUEST;
    }

    return rc;
}


/* S3's error document for a body the decision refused, or NULL. */

const char *
mci_body_error(const mci_req_t *st, int status)
{
    if (st->body_status == 0 || st->body_status != status) {
        return NULL;
    }

    if (status == HTTP_REQUEST_ENTITY_TOO_LARGE) {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<Error><Code>EntityTooLarge</Code><Message>Your proposed "
               "upload exceeds the maximum allowed size</Message></Error>\n";
    }

    if (st->error != NULL && strncmp(st->error, "MalformedXML", 12) == 0) {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<Error><Code>MalformedXML</Code><Message>The XML you "
               "provided was not well-formed or did not validate against "
               "our published schema</Message></Error>\n";
    }

    if (st->error != NULL && strncmp(st->error, "key longer", 10) == 0) {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<Error><Code>KeyTooLongError</Code><Message>Your key is too "
               "long</Message></Error>\n";
    }

    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
           "<Error><Code>InvalidArgument</Code><Message>A key this gateway "
           "does not pass on</Message></Error>\n";
}


void
mci_body_register(apr_pool_t *p)
{
    ap_register_input_filter(MCI_BODY_FILTER, mci_body_replay, NULL,
                             AP_FTYPE_RESOURCE);
}
