/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * SigV4 verification (cig_sigv4_verify.c): AWS's documented S3 examples,
 * requests botocore signed (t/unit/sigv4_verify_vectors.py printed them),
 * every signed element tampered with, and S3's error document.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "unit.h"


#define VT_MAX_HEADERS  16

#define VT_AWS_AKID     "AKIAIOSFODNN7EXAMPLE"
#define VT_AWS_SECRET   "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define VT_AWS_NOW      1369353600          /* 20130524T000000Z */
#define VT_EMPTY        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca4" \
                        "95991b7852b855"

#define VT_BOTO_AKID    "ASIAEXAMPLEVERIFY001"
#define VT_BOTO_SECRET  "verifySecretKey/EXAMPLE+KEY0123456789ab"
#define VT_BOTO_TOKEN   "IQoJb3JpZ2luX2VjEXAMPLE/TOKEN+value=="
#define VT_BOTO_NOW     1796691723          /* 20261208T010203Z */
#define VT_BOTO_HOST    "bucket.s3.eu-west-1.amazonaws.com"


typedef struct {
    const char   *method;
    const char   *path;
    const char   *query;
    const char   *host;
    const char   *authorization;    /* NULL: presigned */
    const char   *region;
    const char   *akid;             /* expected */
    const char   *secret;
    const char   *headers[VT_MAX_HEADERS][2];
} vt_req_t;


static cig_str_t
vt_str(const char *s)
{
    cig_str_t  v;

    v.data = s ? s : "";
    v.len = s ? strlen(s) : 0;

    return v;
}


/* The arena of the last vt_run given an auth to fill (its strings). */
static cig_arena_t  *vt_kept;


/* Parses and verifies; the S3 error code, or "OK". */

static const char *
vt_run(const vt_req_t *q, int64_t now, cig_s3_error_t *e,
    cig_sigv4_auth_t *auth)
{
    size_t                 n;
    cig_kv_t               hs[VT_MAX_HEADERS];
    cig_code_t             rc;
    cig_arena_t           *arena;
    cig_allocator_t        a;
    cig_sigv4_auth_t       local;
    cig_sigv4_received_t   r;
    unsigned char          key[CIG_SIGV4_KEY_LEN];

    if (auth == NULL) {
        auth = &local;
    }

    memset(e, 0, sizeof(cig_s3_error_t));

    for (n = 0; n < VT_MAX_HEADERS && q->headers[n][0]; n++) {
        hs[n].name = vt_str(q->headers[n][0]);
        hs[n].value = vt_str(q->headers[n][1]);
    }

    arena = cig_arena_create();
    if (arena == NULL) {
        return "no memory";
    }

    cig_arena_allocator(arena, &a);

    if (q->authorization) {
        rc = cig_sigv4_parse_header(vt_str(q->authorization), hs, n, &a,
                                    auth, e);
    } else {
        rc = cig_sigv4_parse_presigned(vt_str(q->query), hs, n, &a, auth, e);
    }

    if (rc == CIG_OK) {
        memset(&r, 0, sizeof(cig_sigv4_received_t));
        r.method = vt_str(q->method);
        r.path = vt_str(q->path);
        r.query = vt_str(q->query);
        r.host = vt_str(q->host);
        r.headers = hs;
        r.nheaders = n;
        r.region = vt_str(q->region);
        r.service = vt_str("s3");
        r.access_key_id = vt_str(q->akid);

        if (!cig_sigv4_derive_key(q->secret, strlen(q->secret), auth->date8,
                                  r.region, r.service, key))
        {
            if (auth == &local) {
                cig_arena_destroy(arena);

            } else {
                vt_kept = arena;
            }

            return "derive failed";
        }

        rc = cig_sigv4_verify(auth, &r, key, now, &a, e);
    }

    if (auth == &local) {
        cig_arena_destroy(arena);

    } else {
        vt_kept = arena;
    }

    if (rc == CIG_OK) {
        return "OK";
    }

    tap_ok(e->code != NULL && e->message[0] != '\0'
           && (e->status == 403) == (rc == CIG_ERR_FORBIDDEN)
           && (e->status == 400) == (rc == CIG_ERR_BAD_REQUEST),
           "refusal %s (%d) has a message and its code", e->code, e->status);

    return e->code;
}


/* ---- AWS's documented examples ----------------------------------------- */

static const vt_req_t  vt_get_object = {
    "GET", "/test.txt", "", "examplebucket.s3.amazonaws.com",
    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/"
    "aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
    "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
    "us-east-1", VT_AWS_AKID, VT_AWS_SECRET,
    { { "Host", "examplebucket.s3.amazonaws.com" },
      { "Range", "bytes=0-9" },
      { "x-amz-content-sha256", VT_EMPTY },
      { "x-amz-date", "20130524T000000Z" } }
};

static const vt_req_t  vt_put_object = {
    "PUT", "/test%24file.text", "", "examplebucket.s3.amazonaws.com",
    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/"
    "aws4_request,SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;"
    "x-amz-storage-class,Signature=98ad721746da40c64f1a55b78f14c238d841ea138"
    "0cd77a1b5971af0ece108bd",
    "us-east-1", VT_AWS_AKID, VT_AWS_SECRET,
    { { "Host", "examplebucket.s3.amazonaws.com" },
      { "Date", "Fri, 24 May 2013 00:00:00 GMT" },
      { "x-amz-date", "20130524T000000Z" },
      { "x-amz-storage-class", "REDUCED_REDUNDANCY" },
      { "x-amz-content-sha256", "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4"
                                "e99e42034a8b803f8b072" } }
};

static const vt_req_t  vt_lifecycle = {
    "GET", "/", "lifecycle", "examplebucket.s3.amazonaws.com",
    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/"
    "aws4_request,SignedHeaders=host;x-amz-content-sha256;x-amz-date,"
    "Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543",
    "us-east-1", VT_AWS_AKID, VT_AWS_SECRET,
    { { "Host", "examplebucket.s3.amazonaws.com" },
      { "x-amz-date", "20130524T000000Z" },
      { "x-amz-content-sha256", VT_EMPTY } }
};

static const vt_req_t  vt_list = {
    "GET", "/", "max-keys=2&prefix=J", "examplebucket.s3.amazonaws.com",
    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/"
    "aws4_request,SignedHeaders=host;x-amz-content-sha256;x-amz-date,"
    "Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7",
    "us-east-1", VT_AWS_AKID, VT_AWS_SECRET,
    { { "Host", "examplebucket.s3.amazonaws.com" },
      { "x-amz-date", "20130524T000000Z" },
      { "x-amz-content-sha256", VT_EMPTY } }
};

static const vt_req_t  vt_presigned = {
    "GET", "/test.txt",
    "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE"
    "%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z"
    "&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbc"
    "cd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404",
    "examplebucket.s3.amazonaws.com", NULL,
    "us-east-1", VT_AWS_AKID, VT_AWS_SECRET,
    { { "Host", "examplebucket.s3.amazonaws.com" } }
};

/* Transferring payload in multiple chunks: the seed signature. */
static const vt_req_t  vt_chunked = {
    "PUT", "/examplebucket/chunkObject.txt", "", "s3.amazonaws.com",
    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/"
    "aws4_request,SignedHeaders=content-encoding;content-length;host;"
    "x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;"
    "x-amz-storage-class,Signature=4f232c4386841ef735655705268965c44a0e4690b"
    "aa4adea153f7db9fa80a0a9",
    "us-east-1", VT_AWS_AKID, VT_AWS_SECRET,
    { { "Host", "s3.amazonaws.com" },
      { "x-amz-date", "20130524T000000Z" },
      { "x-amz-storage-class", "REDUCED_REDUNDANCY" },
      { "x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD" },
      { "Content-Encoding", "aws-chunked" },
      { "x-amz-decoded-content-length", "66560" },
      { "Content-Length", "66824" } }
};


/* ---- botocore ---------------------------------------------------------- */

static const vt_req_t  vt_boto_get = {
    "GET", "/home/a%20b/%C3%A9t%C3%A9.txt", "list-type=2&prefix=a%2Fb&max-keys=5",
    VT_BOTO_HOST ":8443",
    "AWS4-HMAC-SHA256 Credential=ASIAEXAMPLEVERIFY001/20261208/eu-west-1/s3/"
    "aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date;"
    "x-amz-request-payer;x-amz-security-token, Signature=e1574ff35f6d0496765"
    "112ed8b80e971651e5fde01b76ca503d9a40f6229fae8",
    "eu-west-1", VT_BOTO_AKID, VT_BOTO_SECRET,
    { { "Host", VT_BOTO_HOST ":8443" },
      { "Range", "bytes=0-9" },
      { "X-Amz-Request-Payer", "requester" },
      { "X-Amz-Date", "20261208T010203Z" },
      { "X-Amz-Security-Token", VT_BOTO_TOKEN },
      { "X-Amz-Content-SHA256", VT_EMPTY },
      { "User-Agent", "not signed, and need not be" } }
};

static const vt_req_t  vt_boto_put = {
    "PUT", "/photos/x.jpg", "", VT_BOTO_HOST,
    "AWS4-HMAC-SHA256 Credential=ASIAEXAMPLEVERIFY001/20261208/eu-west-1/s3/"
    "aws4_request, SignedHeaders=content-type;host;x-amz-content-sha256;"
    "x-amz-date;x-amz-meta-owner;x-amz-security-token;x-amz-tagging, "
    "Signature=434d5a749378c1ad9e2989f2871b393bd31204420a7da390d012e68e2b8d5520",
    "eu-west-1", VT_BOTO_AKID, VT_BOTO_SECRET,
    { { "Content-Type", "image/jpeg" },
      { "x-amz-meta-owner", "  a   b  " },
      { "x-amz-tagging", "k=v" },
      { "X-Amz-Date", "20261208T010203Z" },
      { "X-Amz-Security-Token", VT_BOTO_TOKEN },
      { "X-Amz-Content-SHA256", "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7"
                                "425e73043362938b9824" },
      { "Content-Length", "5" } }
};

static const vt_req_t  vt_boto_presigned = {
    "GET", "/docs/report.pdf",
    "versionId=3%2F4&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential="
    "ASIAEXAMPLEVERIFY001%2F20261208%2Feu-west-1%2Fs3%2Faws4_request&"
    "X-Amz-Date=20261208T010203Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&"
    "X-Amz-Security-Token=IQoJb3JpZ2luX2VjEXAMPLE%2FTOKEN%2Bvalue%3D%3D&"
    "X-Amz-Signature=979702ce86b5545e13e48e66b60206d656708a6bec83168d4c15363"
    "236b6b359",
    VT_BOTO_HOST, NULL, "eu-west-1", VT_BOTO_AKID, VT_BOTO_SECRET,
    { { "Host", VT_BOTO_HOST } }
};


static void
vt_is(const vt_req_t *q, int64_t now, const char *want, const char *name)
{
    cig_s3_error_t  e;

    tap_is_str(vt_run(q, now, &e, NULL), want, "%s", name);
}


static void
vt_vectors(void)
{
    cig_s3_error_t    e;
    cig_sigv4_auth_t  auth;

    vt_is(&vt_get_object, VT_AWS_NOW, "OK", "AWS: GET Object");
    vt_is(&vt_put_object, VT_AWS_NOW, "OK", "AWS: PUT Object");
    vt_is(&vt_lifecycle, VT_AWS_NOW, "OK", "AWS: GET Bucket Lifecycle");
    vt_is(&vt_list, VT_AWS_NOW, "OK", "AWS: Get Bucket (list objects)");
    vt_is(&vt_presigned, VT_AWS_NOW + 3600, "OK", "AWS: presigned URL");

    tap_is_str(vt_run(&vt_chunked, VT_AWS_NOW, &e, &auth), "OK",
               "AWS: chunked upload, seed signature");
    tap_ok(auth.payload == CIG_SIGV4_PAYLOAD_STREAMING
           && strcmp(auth.signature, "4f232c4386841ef735655705268965c44a0e4"
                     "690baa4adea153f7db9fa80a0a9") == 0,
           "streaming mode and seed signature for the chunk verifier");
    cig_arena_destroy(vt_kept);

    tap_is_str(vt_run(&vt_boto_get, VT_BOTO_NOW, &e, &auth), "OK",
               "botocore: GET with a query, a token and a port");
    tap_ok(cig_str_is(auth.security_token, VT_BOTO_TOKEN)
           && cig_str_is(auth.access_key_id, VT_BOTO_AKID)
           && strcmp(auth.date8, "20261208") == 0
           && auth.payload == CIG_SIGV4_PAYLOAD_SHA256
           && auth.form == CIG_SIGV4_FORM_HEADER,
           "header form: token, access key id, day, payload read");
    cig_arena_destroy(vt_kept);

    vt_is(&vt_boto_put, VT_BOTO_NOW - 899, "OK",
          "botocore: PUT with metadata and tagging, 899 s early");

    tap_is_str(vt_run(&vt_boto_presigned, VT_BOTO_NOW + 3600, &e, &auth),
               "OK", "botocore: presigned with a token, at its last second");
    tap_ok(cig_str_is(auth.security_token, VT_BOTO_TOKEN)
           && auth.expires == 3600
           && auth.payload == CIG_SIGV4_PAYLOAD_UNSIGNED
           && auth.form == CIG_SIGV4_FORM_PRESIGNED,
           "presigned: decoded token, expiry, UNSIGNED-PAYLOAD");
    cig_arena_destroy(vt_kept);
}


/* ---- tampering --------------------------------------------------------- */

static void
vt_set_header(vt_req_t *q, const char *name, const char *value)
{
    size_t  i;

    for (i = 0; i < VT_MAX_HEADERS && q->headers[i][0]; i++) {
        if (strcasecmp(q->headers[i][0], name) == 0) {
            q->headers[i][1] = value;
            return;
        }
    }

    if (i < VT_MAX_HEADERS) {
        q->headers[i][0] = name;
        q->headers[i][1] = value;
    }
}


static void
vt_tamper_header_form(void)
{
    vt_req_t        q;
    cig_s3_error_t  e;

    q = vt_get_object;
    q.method = "HEAD";
    vt_is(&q, VT_AWS_NOW, "SignatureDoesNotMatch", "method changed");

    q = vt_get_object;
    q.path = "/test.txT";
    vt_is(&q, VT_AWS_NOW, "SignatureDoesNotMatch", "path changed");

    q = vt_get_object;
    q.path = "/./test.txt";
    vt_is(&q, VT_AWS_NOW, "SignatureDoesNotMatch",
          "path not normalized: a dot segment is signed as sent");

    q = vt_put_object;
    q.path = "/test$file.text";
    vt_is(&q, VT_AWS_NOW, "SignatureDoesNotMatch",
          "path not encoded a second time: '$' is not %24");

    q = vt_list;
    q.query = "max-keys=2&prefix=K";
    vt_is(&q, VT_AWS_NOW, "SignatureDoesNotMatch", "query value changed");

    q = vt_list;
    q.query = "max-keys=3&prefix=J";
    vt_is(&q, VT_AWS_NOW, "SignatureDoesNotMatch", "other query value");

    q = vt_list;
    q.query = "max-keys=2&prefix=J&delimiter=%2F";
    vt_is(&q, VT_AWS_NOW, "SignatureDoesNotMatch", "query parameter added");

    q = vt_list;
    q.query = "prefix=J&max-keys=2";
    vt_is(&q, VT_AWS_NOW, "OK", "query order does not matter");

    q = vt_lifecycle;
    q.query = "lifecycle=";
    vt_is(&q, VT_AWS_NOW, "OK", "\"lifecycle\" and \"lifecycle=\" are one");

    q = vt_get_object;
    vt_set_header(&q, "Range", "bytes=0-10");
    vt_is(&q, VT_AWS_NOW, "SignatureDoesNotMatch", "signed header changed");

    q = vt_get_object;
    vt_set_header(&q, "Range", "  bytes=0-9 ");
    vt_is(&q, VT_AWS_NOW, "OK", "header value trimmed");

    q = vt_get_object;
    q.host = "examplebucket.s3.amazonaws.com:443";
    vt_is(&q, VT_AWS_NOW, "SignatureDoesNotMatch", "host with a port");

    q = vt_get_object;
    vt_set_header(&q, "x-amz-content-sha256", "UNSIGNED-PAYLOAD");
    vt_is(&q, VT_AWS_NOW, "SignatureDoesNotMatch", "payload hash changed");

    q = vt_get_object;
    vt_set_header(&q, "x-amz-content-sha256", "E3B0C44298FC1C149AFBF4C8996F"
                  "B92427AE41E4649B934CA495991B7852B855");
    vt_is(&q, VT_AWS_NOW, "InvalidArgument", "payload hash in upper case");

    q = vt_get_object;
    vt_set_header(&q, "x-amz-content-sha256", NULL);
    q.headers[2][0] = "x-amz-date";
    q.headers[2][1] = "20130524T000000Z";
    q.headers[3][0] = NULL;
    vt_is(&q, VT_AWS_NOW, "MissingSecurityHeader",
          "no x-amz-content-sha256");

    q = vt_get_object;
    vt_set_header(&q, "x-amz-date", "20130524T000001Z");
    vt_is(&q, VT_AWS_NOW, "SignatureDoesNotMatch", "x-amz-date changed");

    q = vt_get_object;
    vt_set_header(&q, "x-amz-date", "20130523T235959Z");
    vt_is(&q, VT_AWS_NOW, "AuthorizationHeaderMalformed",
          "x-amz-date of another day than the scope");

    q = vt_get_object;
    vt_set_header(&q, "x-amz-date", "20130524T000000");
    vt_is(&q, VT_AWS_NOW, "AccessDenied", "x-amz-date not ISO 8601 basic");

    q = vt_get_object;
    q.headers[3][0] = "Date";
    q.headers[3][1] = "Fri, 24 May 2013 00:00:00 GMT";
    vt_is(&q, VT_AWS_NOW, "AccessDenied",
          "Date without x-amz-date, Date not signed");

    q = vt_put_object;
    q.headers[2][0] = "x-amz-meta-none";
    vt_is(&q, VT_AWS_NOW, "AccessDenied",
          "PUT Object without x-amz-date: its own x-amz-meta unsigned");

    q.headers[2][0] = "Content-Type";
    vt_is(&q, VT_AWS_NOW, "SignatureDoesNotMatch",
          "PUT Object timed by its signed Date: x-amz-date was signed");

    q.authorization = "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/"
        "20130524/us-east-1/s3/aws4_request,SignedHeaders=date;host;"
        "x-amz-content-sha256;x-amz-storage-class,Signature=98ad721746da40c6"
        "4f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd";
    vt_is(&q, VT_AWS_NOW + 901, "RequestTimeTooSkewed",
          "the Date header is the clock without x-amz-date");

    /* signature computed with Python's hmac from the canonical request */
    q.authorization = "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/"
        "20130524/us-east-1/s3/aws4_request,SignedHeaders=date;host;"
        "x-amz-content-sha256;x-amz-storage-class,Signature=a6a2c10d4e16b332"
        "065484150c386346f749c2d3641a640871051defa1f89583";
    vt_is(&q, VT_AWS_NOW + 900, "OK", "timed by a signed Date header");

    vt_set_header(&q, "Date", "Fri, 24 May 2013 00:00:01 GMT");
    vt_is(&q, VT_AWS_NOW, "SignatureDoesNotMatch", "that Date changed");

    vt_set_header(&q, "Date", "Fri, 24 May 2013 00:00:00 UTC");
    vt_is(&q, VT_AWS_NOW, "AccessDenied", "Date not in RFC 1123 form");

    vt_set_header(&q, "Date", "Fri, 24 Mai 2013 00:00:00 GMT");
    vt_is(&q, VT_AWS_NOW, "AccessDenied", "Date with an unknown month");

    vt_is(&vt_get_object, VT_AWS_NOW + 900, "OK", "15 minutes late");
    vt_is(&vt_get_object, VT_AWS_NOW + 901, "RequestTimeTooSkewed",
          "15 minutes and 1 s late");
    vt_is(&vt_get_object, VT_AWS_NOW - 901, "RequestTimeTooSkewed",
          "15 minutes and 1 s early");

    q = vt_get_object;
    q.authorization = "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/"
        "20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;"
        "x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5"
        "d6ed310bd44f0170aba48dd91039c6036bdb42";
    vt_is(&q, VT_AWS_NOW, "SignatureDoesNotMatch", "signature changed");

    q.authorization = "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/"
        "20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;"
        "x-amz-content-sha256;x-amz-date,Signature=F0E8BDB87C964420E857BD35B5"
        "D6ED310BD44F0170ABA48DD91039C6036BDB41";
    vt_is(&q, VT_AWS_NOW, "AuthorizationHeaderMalformed",
          "signature in upper case");

    q.authorization = "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/"
        "20130524/us-west-2/s3/aws4_request,SignedHeaders=host;range;"
        "x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5"
        "d6ed310bd44f0170aba48dd91039c6036bdb41";
    tap_is_str(vt_run(&q, VT_AWS_NOW, &e, NULL),
               "AuthorizationHeaderMalformed", "scope: other region");
    tap_is_str(e.region, "us-east-1", "the error names the region expected");

    q.authorization = "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/"
        "20130524/us-east-1/iam/aws4_request,SignedHeaders=host;range;"
        "x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5"
        "d6ed310bd44f0170aba48dd91039c6036bdb41";
    vt_is(&q, VT_AWS_NOW, "AuthorizationHeaderMalformed",
          "scope: other service");

    q.authorization = "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/"
        "20130525/us-east-1/s3/aws4_request,SignedHeaders=host;range;"
        "x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5"
        "d6ed310bd44f0170aba48dd91039c6036bdb41";
    vt_is(&q, VT_AWS_NOW, "AuthorizationHeaderMalformed",
          "scope: other day");

    q.authorization = "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLF/"
        "20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;"
        "x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5"
        "d6ed310bd44f0170aba48dd91039c6036bdb41";
    vt_is(&q, VT_AWS_NOW, "InvalidAccessKeyId", "other access key id");

    q.authorization = "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/"
        "20130524/us-east-1/s3/aws4_request,SignedHeaders=host;x-amz-content-"
        "sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5"
        "d6ed310bd44f0170aba48dd91039c6036bdb41";
    vt_is(&q, VT_AWS_NOW, "SignatureDoesNotMatch", "a signed header dropped");

    q.authorization = "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/"
        "20130524/us-east-1/s3/aws4_request,SignedHeaders=range;x-amz-content-"
        "sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5"
        "d6ed310bd44f0170aba48dd91039c6036bdb41";
    tap_is_str(vt_run(&q, VT_AWS_NOW, &e, NULL), "AccessDenied",
               "host not signed");
    tap_is_str(e.not_signed, "host", "HeadersNotSigned: host");

    q.authorization = "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/"
        "20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;"
        "x-amz-date,Signature=f0e8bdb87c964420e857bd35b5"
        "d6ed310bd44f0170aba48dd91039c6036bdb41";
    vt_is(&q, VT_AWS_NOW, "AccessDenied", "x-amz-content-sha256 not signed");

    q.authorization = "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/"
        "20130524/us-east-1/s3/aws4_request,SignedHeaders=range;host;"
        "x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5"
        "d6ed310bd44f0170aba48dd91039c6036bdb41";
    vt_is(&q, VT_AWS_NOW, "AuthorizationHeaderMalformed",
          "SignedHeaders not sorted");

    q.authorization = "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/"
        "20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;"
        "x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5"
        "d6ed310bd44f0170aba48dd91039c6036bdb41,Signature=f0e8bdb87c964420e85"
        "7bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41";
    vt_is(&q, VT_AWS_NOW, "AuthorizationHeaderMalformed",
          "a component given twice");

    q.authorization = "AWS4-ECDSA-P256-SHA256 Credential=AKIAIOSFODNN7EXAMPLE"
        "/20130524/s3/aws4_request,SignedHeaders=host,Signature=00";
    tap_is_str(vt_run(&q, VT_AWS_NOW, &e, NULL),
               "AuthorizationHeaderMalformed", "SigV4a refused");
    tap_like(e.message, "SigV4a", "by name");

    q.authorization = "AWS4-HMAC-SHA1 Credential=x";
    vt_is(&q, VT_AWS_NOW, "InvalidArgument", "other algorithm");

    q = vt_get_object;
    vt_set_header(&q, "x-amz-acl", "public-read");
    tap_is_str(vt_run(&q, VT_AWS_NOW, &e, NULL), "AccessDenied",
               "an x-amz-* header not signed");
    tap_like(e.message, "not signed", "says which rule");
    tap_is_str(e.not_signed, "x-amz-acl", "and which header");

    q = vt_get_object;
    vt_set_header(&q, "X-Amz-Security-Token", "a-token");
    vt_is(&q, VT_AWS_NOW, "AccessDenied", "a token not signed");

    q = vt_get_object;
    q.headers[4][0] = "range";
    q.headers[4][1] = "bytes=0-9";
    vt_is(&q, VT_AWS_NOW, "SignatureDoesNotMatch",
          "a signed header given twice");

    q = vt_get_object;
    q.headers[1][0] = "X-Range";
    vt_is(&q, VT_AWS_NOW, "SignatureDoesNotMatch", "a signed header absent");

    q = vt_boto_get;
    vt_set_header(&q, "X-Amz-Security-Token", VT_BOTO_TOKEN "x");
    vt_is(&q, VT_BOTO_NOW, "SignatureDoesNotMatch", "token changed");

    q = vt_boto_get;
    vt_set_header(&q, "X-Amz-Request-Payer", "Requester");
    vt_is(&q, VT_BOTO_NOW, "SignatureDoesNotMatch", "x-amz-* value changed");

    q = vt_boto_get;
    q.query = "list-type=2&prefix=a/b&max-keys=5";
    vt_is(&q, VT_BOTO_NOW, "OK", "query: '/' and %2F are one");

    q = vt_boto_get;
    q.host = VT_BOTO_HOST;
    vt_is(&q, VT_BOTO_NOW, "SignatureDoesNotMatch", "port dropped from host");

    q = vt_boto_put;
    vt_set_header(&q, "x-amz-meta-owner", "a b");
    vt_is(&q, VT_BOTO_NOW, "OK", "inner spaces collapsed");

    q = vt_boto_put;
    vt_set_header(&q, "x-amz-tagging", "k=w");
    vt_is(&q, VT_BOTO_NOW, "SignatureDoesNotMatch", "tagging changed");

    q = vt_boto_put;
    vt_set_header(&q, "Content-Type", "image/png");
    vt_is(&q, VT_BOTO_NOW, "SignatureDoesNotMatch", "content-type changed");

    q = vt_boto_put;
    q.secret = VT_AWS_SECRET;
    vt_is(&q, VT_BOTO_NOW, "SignatureDoesNotMatch", "other secret");
}


static void
vt_tamper_presigned(void)
{
    vt_req_t        q;
    cig_s3_error_t  e;

    vt_is(&vt_presigned, VT_AWS_NOW + 86400, "OK", "at its last second");
    tap_is_str(vt_run(&vt_presigned, VT_AWS_NOW + 86401, &e, NULL),
               "AccessDenied", "expired");
    tap_is_str(e.message, "Request has expired", "as S3 says it");
    vt_is(&vt_presigned, VT_AWS_NOW - 901, "AccessDenied", "not valid yet");

    q = vt_presigned;
    q.path = "/test.txT";
    vt_is(&q, VT_AWS_NOW, "SignatureDoesNotMatch", "path changed");

    q = vt_presigned;
    q.method = "PUT";
    vt_is(&q, VT_AWS_NOW, "SignatureDoesNotMatch", "method changed");

    q = vt_presigned;
    q.host = "otherbucket.s3.amazonaws.com";
    vt_is(&q, VT_AWS_NOW, "SignatureDoesNotMatch", "host changed");

    q = vt_presigned;
    q.query = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN"
        "7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date="
        "20130524T000000Z&X-Amz-Expires=86401&X-Amz-SignedHeaders=host&"
        "X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d15"
        "7751f604d404";
    vt_is(&q, VT_AWS_NOW, "SignatureDoesNotMatch", "X-Amz-Expires changed");

    q.query = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN"
        "7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date="
        "20130524T000001Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&"
        "X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d15"
        "7751f604d404";
    vt_is(&q, VT_AWS_NOW, "SignatureDoesNotMatch", "X-Amz-Date changed");

    q.query = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN"
        "7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date="
        "20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host%3B"
        "user-agent&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da"
        "4c265957d157751f604d404";
    q.headers[1][0] = "User-Agent";
    q.headers[1][1] = "curl";
    vt_is(&q, VT_AWS_NOW, "SignatureDoesNotMatch",
          "X-Amz-SignedHeaders changed");
    q.headers[1][0] = NULL;

    q.query = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN"
        "7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date="
        "20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&"
        "X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d15"
        "7751f604d405";
    vt_is(&q, VT_AWS_NOW, "SignatureDoesNotMatch", "X-Amz-Signature changed");

    q.query = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN"
        "7EXAMPLE%2F20130523%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date="
        "20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&"
        "X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d15"
        "7751f604d404";
    vt_is(&q, VT_AWS_NOW, "AuthorizationQueryParametersError",
          "X-Amz-Credential of another day");

    q.query = "X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265"
        "957d157751f604d404&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential="
        "AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&"
        "X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders="
        "host";
    vt_is(&q, VT_AWS_NOW, "OK", "X-Amz-Signature first: not signed itself");

    q.query = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN"
        "7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date="
        "20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&"
        "X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d15"
        "7751f604d404&x-id=GetObject";
    vt_is(&q, VT_AWS_NOW, "SignatureDoesNotMatch", "query parameter added");

    q.query = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN"
        "7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date="
        "20130524T000000Z&X-Amz-Expires=604801&X-Amz-SignedHeaders=host&"
        "X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d15"
        "7751f604d404";
    vt_is(&q, VT_AWS_NOW, "AuthorizationQueryParametersError",
          "X-Amz-Expires over a week");

    q.query = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN"
        "7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date="
        "20130524T000000Z&X-Amz-Expires=0&X-Amz-SignedHeaders=host&"
        "X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d15"
        "7751f604d404";
    vt_is(&q, VT_AWS_NOW, "AuthorizationQueryParametersError",
          "X-Amz-Expires 0");

    q.query = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN"
        "7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&"
        "X-Amz-Expires=86400&X-Amz-SignedHeaders=host&"
        "X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d15"
        "7751f604d404";
    vt_is(&q, VT_AWS_NOW, "AuthorizationQueryParametersError",
          "no X-Amz-Date");

    q.query = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN"
        "7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date="
        "20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&"
        "X-Amz-Date=20130524T000000Z&"
        "X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d15"
        "7751f604d404";
    vt_is(&q, VT_AWS_NOW, "AuthorizationQueryParametersError",
          "X-Amz-Date given twice");

    q.query = "X-Amz-Algorithm=AWS4-ECDSA-P256-SHA256&X-Amz-Credential=AKIAIO"
        "SFODNN7EXAMPLE%2F20130524%2Fs3%2Faws4_request&X-Amz-Date="
        "20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&"
        "X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d15"
        "7751f604d404";
    vt_is(&q, VT_AWS_NOW, "AuthorizationQueryParametersError",
          "presigned SigV4a refused");

    q.query = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN"
        "7EXAMPLE%2F20130524%2Feu-west-1%2Fs3%2Faws4_request&X-Amz-Date="
        "20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&"
        "X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d15"
        "7751f604d404";
    tap_is_str(vt_run(&q, VT_AWS_NOW, &e, NULL),
               "AuthorizationQueryParametersError", "presigned: other region");
    tap_is_str(e.region, "us-east-1", "with the region expected");

    q = vt_presigned;
    vt_set_header(&q, "x-amz-server-side-encryption", "AES256");
    vt_is(&q, VT_AWS_NOW, "AccessDenied", "presigned: x-amz-* not signed");

    q = vt_boto_presigned;
    q.query = "versionId=3%2F5&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-"
        "Credential=ASIAEXAMPLEVERIFY001%2F20261208%2Feu-west-1%2Fs3%2Faws4_"
        "request&X-Amz-Date=20261208T010203Z&X-Amz-Expires=3600&X-Amz-"
        "SignedHeaders=host&X-Amz-Security-Token=IQoJb3JpZ2luX2VjEXAMPLE%2F"
        "TOKEN%2Bvalue%3D%3D&X-Amz-Signature=979702ce86b5545e13e48e66b60206d6"
        "56708a6bec83168d4c15363236b6b359";
    vt_is(&q, VT_BOTO_NOW, "SignatureDoesNotMatch", "versionId changed");

    q.query = "versionId=3%2F4&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-"
        "Credential=ASIAEXAMPLEVERIFY001%2F20261208%2Feu-west-1%2Fs3%2Faws4_"
        "request&X-Amz-Date=20261208T010203Z&X-Amz-Expires=3600&X-Amz-"
        "SignedHeaders=host&X-Amz-Security-Token=IQoJb3JpZ2luX2VjEXAMPLE%2F"
        "TOKEN%2Bvalue%3D%3E&X-Amz-Signature=979702ce86b5545e13e48e66b60206d6"
        "56708a6bec83168d4c15363236b6b359";
    vt_is(&q, VT_BOTO_NOW, "SignatureDoesNotMatch", "token changed");

    q = vt_boto_presigned;
    q.akid = "ASIAEXAMPLEVERIFY002";
    vt_is(&q, VT_BOTO_NOW, "InvalidAccessKeyId",
          "access key id not the session's");
}


static void
vt_form(void)
{
    cig_kv_t           h[2];
    cig_arena_t       *arena;
    cig_allocator_t    a;
    cig_s3_error_t     e;
    cig_sigv4_auth_t   auth;
    cig_str_t          none;

    arena = cig_arena_create();
    cig_arena_allocator(arena, &a);

    none.data = NULL;
    none.len = 0;

    h[0].name = vt_str("x-amz-date");
    h[0].value = vt_str("20130524T000000Z");
    h[1].name = vt_str("x-amz-content-sha256");
    h[1].value = vt_str(VT_EMPTY);

    tap_ok(cig_sigv4_parse(none, vt_str("a=b&X-Amz-Date=1"), h, 2, &a, &auth,
                           &e) == CIG_OK && auth.form == 0,
           "neither form: anonymous, the caller decides");

    tap_ok(cig_sigv4_parse(vt_str(vt_list.authorization), vt_str("prefix=J"),
                           h, 2, &a, &auth, &e) == CIG_OK
           && auth.form == CIG_SIGV4_FORM_HEADER, "header form picked");

    tap_ok(cig_sigv4_parse(none, vt_str(vt_presigned.query), h, 0, &a, &auth,
                           &e) == CIG_OK
           && auth.form == CIG_SIGV4_FORM_PRESIGNED, "presigned form picked");

    cig_sigv4_parse(vt_str(vt_list.authorization),
                    vt_str(vt_presigned.query), h, 2, &a, &auth, &e);
    tap_is_str(e.code, "InvalidArgument", "both forms refused");

    cig_sigv4_parse(none, vt_str("X-Amz-Signature=00"), h, 0, &a, &auth,
                    &e);
    tap_is_str(e.code, "AuthorizationQueryParametersError",
               "a lone X-Amz-Signature is a broken presigned URL");

    cig_sigv4_parse(none, vt_str("X-Amz-Credential%3D=x"), h, 0, &a, &auth,
                    &e);
    tap_ok(auth.form == 0, "\"X-Amz-Credential=\" as a name is no parameter");

    cig_arena_destroy(arena);
}


static void
vt_xml(void)
{
    char            buf[1024];
    size_t          n;
    vt_req_t        q;
    cig_s3_error_t  e;

    q = vt_get_object;
    q.region = "eu-west-1";
    vt_run(&q, VT_AWS_NOW, &e, NULL);

    n = cig_s3_error_xml(&e, vt_str("4442587FB7D0A2F9"), buf, sizeof(buf));

    tap_is_str(buf, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>"
               "<Code>AuthorizationHeaderMalformed</Code><Message>The "
               "authorization header is malformed; the region &apos;"
               "us-east-1&apos; is wrong; expecting &apos;eu-west-1&apos;"
               "</Message><Region>eu-west-1</Region><RequestId>"
               "4442587FB7D0A2F9</RequestId></Error>",
               "S3's error document, with the region");
    tap_is_int((long long) n, (long long) strlen(buf), "its length");
    tap_is_int(e.status, 400, "status 400");
    tap_is_int((long long) cig_s3_error_xml(&e, vt_str("4442587FB7D0A2F9"),
                                            buf, n), 0,
               "one byte short: nothing");

    vt_set_header(&q, "Range", "bytes=0-1");
    q.region = "us-east-1";
    vt_run(&q, VT_AWS_NOW, &e, NULL);
    cig_s3_error_xml(&e, vt_str("<&>"), buf, sizeof(buf));

    tap_ok(strstr(buf, "<Code>SignatureDoesNotMatch</Code>") != NULL
           && strstr(buf, "<RequestId>&lt;&amp;&gt;</RequestId>") != NULL
           && strstr(buf, "f0e8bdb8") == NULL && strstr(buf, "<Region>")
              == NULL, "mismatch: escaped, no signature, no region");
    tap_is_int(e.status, 403, "status 403");

    q = vt_boto_get;
    vt_set_header(&q, "X-Amz-Request-Payer", "x");
    vt_run(&q, VT_BOTO_NOW, &e, NULL);
    cig_s3_error_xml(&e, vt_str(""), buf, sizeof(buf));

    tap_ok(strstr(buf, "IQoJb3") == NULL && strstr(buf, "e1574ff3") == NULL,
           "the document holds neither token nor signature");

    q = vt_boto_get;
    vt_set_header(&q, "X-Amz-Meta-Unsigned", "x");
    vt_run(&q, VT_BOTO_NOW, &e, NULL);
    cig_s3_error_xml(&e, vt_str("R"), buf, sizeof(buf));

    tap_is_str(buf, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>"
               "<Code>AccessDenied</Code><Message>There were headers present "
               "in the request which were not signed</Message>"
               "<HeadersNotSigned>x-amz-meta-unsigned</HeadersNotSigned>"
               "<RequestId>R</RequestId></Error>",
               "S3's document for an unsigned header");

    tap_is_int(cig_s3_error_set(&e, "ExpiredToken", "The provided token has "
                                "expired."), CIG_ERR_BAD_REQUEST,
               "ExpiredToken is a 400");
    tap_is_int(cig_s3_error_set(&e, "InvalidAccessKeyId", "x"),
               CIG_ERR_FORBIDDEN, "InvalidAccessKeyId is a 403");
}


void
test_sigv4_verify(void)
{
    vt_vectors();
    vt_tamper_header_form();
    vt_tamper_presigned();
    vt_form();
    vt_xml();
}
