/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * SigV4 signing (cig_sigv4.c): AWS's published vectors, the key cache,
 * canonical forms, and the requests that cannot be signed.  The signer is
 * compared with botocore request by request in t/sigv4/botocore.t.
 */

#define _GNU_SOURCE                         /* memmem */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"


#define S(lit)       lit, sizeof(lit) - 1  /* literal with its length */

#define SV_SECRET    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define SV_20130524  1369353600

#define S_AUTH_GET                                                            \
    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/" \
    "aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, " \
    "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"

#define S_CR_GET                                                              \
    "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\n"                  \
    "range:bytes=0-9\nx-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb924"   \
    "27ae41e4649b934ca495991b7852b855\nx-amz-date:20130524T000000Z\n\n"        \
    "host;range;x-amz-content-sha256;x-amz-date\n"                             \
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


static cig_str_t
sv_str(const char *s)
{
    cig_str_t  v;

    v.data = s;
    v.len = strlen(s);

    return v;
}


static void
sv_hex(const unsigned char *md, char *out)
{
    size_t  i;

    for (i = 0; i < CIG_SIGV4_KEY_LEN; i++) {
        sprintf(out + 2 * i, "%02x", md[i]);
    }
}


/* The AWS S3 documentation's request: GET /test.txt with a Range. */

static void
sv_request(cig_sigv4_request_t *req, cig_kv_t *range)
{
    memset(req, 0, sizeof(cig_sigv4_request_t));

    range->name = sv_str("Range");
    range->value = sv_str("bytes=0-9");

    req->method = sv_str("GET");
    req->path = sv_str("/test.txt");
    req->host = sv_str("examplebucket.s3.amazonaws.com");
    req->headers = range;
    req->nheaders = 1;
    req->payload_hash = sv_str("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b"
                               "934ca495991b7852b855");
    req->access_key_id = sv_str("AKIAIOSFODNN7EXAMPLE");
    req->region = sv_str("us-east-1");
    req->service = sv_str("s3");
    req->now = SV_20130524;
}


static cig_code_t
sv_sign(cig_sigv4_request_t *req, cig_sigv4_result_t *out, cig_err_t *err,
    cig_arena_t *arena)
{
    cig_allocator_t        a;
    cig_sigv4_key_t       *k;
    cig_code_t             rc;
    const unsigned char   *key;

    cig_arena_allocator(arena, &a);

    k = cig_sigv4_key_create(SV_SECRET, sizeof(SV_SECRET) - 1, req->region,
                             req->service, err);
    if (k == NULL) {
        return CIG_ERR_CONFIG;
    }

    key = cig_sigv4_key_get(k, req->now, err);
    rc = key ? cig_sigv4_sign(req, key, &a, out, err) : CIG_ERR_INTERNAL;
    cig_sigv4_key_free(k);

    return rc;
}


static void
sv_vectors(void)
{
    char                  hex[2 * CIG_SIGV4_KEY_LEN + 1];
    char                  date[CIG_SIGV4_DATE_LEN + 1];
    cig_err_t             err;
    cig_kv_t              range;
    cig_arena_t          *arena;
    cig_sigv4_result_t    out;
    cig_sigv4_request_t   req;
    unsigned char         key[CIG_SIGV4_KEY_LEN];
    static const char     secret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    /* the IAM documentation's derived key */

    tap_ok(cig_sigv4_derive_key(secret, sizeof(secret) - 1, "20120215",
                                sv_str("us-east-1"), sv_str("iam"), key),
           "sigv4: derive a signing key");
    sv_hex(key, hex);
    tap_is_str(hex, "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d4"
               "14db404d", "sigv4: AWS's documented kSigning");

    tap_ok(cig_sigv4_date(SV_20130524, date)
           && strcmp(date, "20130524T000000Z") == 0,
           "sigv4: x-amz-date of a time");
    tap_ok(cig_sigv4_date(1709251199, date)
           && strcmp(date, "20240229T235959Z") == 0,
           "sigv4: x-amz-date just before midnight of a leap day");
    tap_ok(!cig_sigv4_date(-1, date), "sigv4: no date before the epoch");
    tap_ok(!cig_sigv4_date(253402300800LL, date),
           "sigv4: no date after 9999");

    arena = cig_arena_create();
    sv_request(&req, &range);

    tap_is_int(sv_sign(&req, &out, &err, arena), CIG_OK,
               "sigv4: sign AWS's GET Object example");
    tap_is_str(out.date, "20130524T000000Z", "sigv4: its x-amz-date");
    tap_is_mem(out.authorization.data, out.authorization.len,
               S_AUTH_GET, sizeof(S_AUTH_GET) - 1,
               "sigv4: AWS's documented Authorization of GET Object");
    tap_is_mem(out.canonical_request.data, out.canonical_request.len,
               S_CR_GET, sizeof(S_CR_GET) - 1,
               "sigv4: AWS's documented canonical request of GET Object");

    /* GET /?max-keys=2&prefix=J */

    req.path = sv_str("/");
    req.query = sv_str("max-keys=2&prefix=J");
    req.nheaders = 0;

    tap_is_int(sv_sign(&req, &out, &err, arena), CIG_OK,
               "sigv4: sign AWS's list objects example");
    tap_like(out.authorization.data, "Signature=34b48302e7b5fa45bde8084f4b78"
             "68a86f0a534bc59db6670ed5711ef69dc6f7",
             "sigv4: AWS's documented list objects signature");

    /* the query as given in another order and encoding is the same */

    req.query = sv_str("prefix=%4a&&max-keys=2");

    tap_is_int(sv_sign(&req, &out, &err, arena), CIG_OK,
               "sigv4: sign the same query reordered and re-encoded");
    tap_like(out.authorization.data, "Signature=34b48302e7b5fa45bde8084f4b78"
             "68a86f0a534bc59db6670ed5711ef69dc6f7",
             "sigv4: and get the same signature");

    cig_arena_destroy(arena);
}


static void
sv_canonical(void)
{
    size_t                i;
    cig_err_t             err;
    cig_kv_t              range;
    cig_arena_t          *arena;
    cig_sigv4_result_t    out;
    cig_sigv4_request_t   req;

    static const struct {
        const char  *path;
        const char  *query;
        const char  *want;      /* the canonical request's 2nd and 3rd line */
    } cases[] = {
        { "/a%3ab", "", "\n/a%3ab\n\n" },
        { "/a:b!c", "", "\n/a:b!c\n\n" },
        { "/a%2Fb", "", "\n/a%2Fb\n\n" },
        { "/a+b%20c", "", "\n/a+b%20c\n\n" },
        { "//x/./y/../", "", "\n//x/./y/../\n\n" },
        { "/%7e~%zz", "", "\n/%7e~%zz\n\n" },
        { "", "", "\n/\n\n" },
        { "/", "b=2&a=1&a=", "\n/\na=&a=1&b=2\n" },
        { "/", "acl", "\n/\nacl=\n" },
        { "/", "q=a+b%2B", "\n/\nq=a%20b%2B\n" },
        { "/", "k=v=w&k", "\n/\nk=&k=v%3Dw\n" },
        { "/", "&", "\n/\n\n" },
        { "/", "p=a/b:c", "\n/\np=a%2Fb%3Ac\n" },
    };

    arena = cig_arena_create();

    for (i = 0; i < UNIT_NELTS(cases); i++) {
        sv_request(&req, &range);
        req.nheaders = 0;
        req.path = sv_str(cases[i].path);
        req.query = sv_str(cases[i].query);

        if (!tap_is_int(sv_sign(&req, &out, &err, arena), CIG_OK,
                        "sigv4: sign \"%s\" \"%s\"", cases[i].path,
                        cases[i].query))
        {
            tap_diag("%s", err.msg);
            continue;
        }

        tap_ok(out.canonical_request.len > 4
               && memmem(out.canonical_request.data,
                         out.canonical_request.len, cases[i].want,
                         strlen(cases[i].want))
                  == out.canonical_request.data + 3,
               "sigv4: canonical form of \"%s\" \"%s\"", cases[i].path,
               cases[i].query);
    }

    /* headers: trimmed, repeats joined in order, sorted; a token signed */

    {
        cig_kv_t  h[4];

        sv_request(&req, &range);
        h[0].name = sv_str("X-Amz-Meta-B");
        h[0].value = sv_str(" \t two  \t words ");
        h[1].name = sv_str("x-amz-meta-a");
        h[1].value = sv_str("2");
        h[2].name = sv_str("X-AMZ-META-A");
        h[2].value = sv_str("1");
        h[3].name = sv_str("x-amz-meta-c");
        h[3].value = sv_str("");
        req.headers = h;
        req.nheaders = 4;
        req.security_token = sv_str("TOKEN/+=");

        tap_is_int(sv_sign(&req, &out, &err, arena), CIG_OK,
                   "sigv4: sign with extra headers and a token");
        tap_ok(memmem(out.canonical_request.data, out.canonical_request.len,
                      S("x-amz-meta-a:2,1\nx-amz-meta-b:two words\n"
                        "x-amz-meta-c:\nx-amz-security-token:TOKEN/+=\n\n"
                        "host;x-amz-content-sha256;x-amz-date;x-amz-meta-a;"
                        "x-amz-meta-b;x-amz-meta-c;x-amz-security-token\n"))
               != NULL, "sigv4: canonical headers");
        tap_like(out.authorization.data, "SignedHeaders=host;x-amz-content-"
                 "sha256;x-amz-date;x-amz-meta-a;x-amz-meta-b;x-amz-meta-c;"
                 "x-amz-security-token, Signature=",
                 "sigv4: signed headers in the Authorization");
    }

    cig_arena_destroy(arena);
}


static void
sv_refused(void)
{
    size_t                i;
    cig_err_t             err;
    cig_kv_t              range, h;
    cig_arena_t          *arena;
    cig_sigv4_result_t    out;
    cig_sigv4_request_t   req;

    static const struct {
        const char  *name;
        const char  *field;
        const char  *value;
        const char  *reason;
    } cases[] = {
        { "a space in the path", "path", "/a b", "a space" },
        { "a newline in the path", "path", "/a\nb", "control character" },
        { "a question mark in the path", "path", "/a?b", "'?'" },
        { "a relative path", "path", "a/b", "does not start" },
        { "a bad escape in the query", "query", "a=%g0", "percent-encoding in the query" },
        { "a lone percent in the query", "query", "a=%", "percent-encoding in the query" },
        { "an empty method", "method", "", "method" },
        { "a method with a space", "method", "GE T", "method" },
        { "a short payload hash", "payload", "abc", "payload hash" },
        { "an upper-case payload hash", "payload",
          "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
          "payload hash" },
        { "no host", "host", "  ", "no host" },
        { "a host with a newline", "host", "a\nb", "control character" },
        { "an access key with '/'", "akid", "AKIA/X", "access key" },
        { "an empty region", "region", "", "region" },
        { "a service with a space", "service", "s 3", "service" },
        { "a header value with CR", "hvalue", "a\rb", "control character" },
        { "a header name with a space", "hname", "x amz", "header name" },
        { "an extra Host header", "hname", "Host", "sets itself" },
        { "an extra x-amz-date", "hname", "X-Amz-Date", "sets itself" },
        { "an extra Authorization", "hname", "authorization", "sets itself" },
    };

    arena = cig_arena_create();

    for (i = 0; i < UNIT_NELTS(cases); i++) {
        sv_request(&req, &range);
        h.name = sv_str("x-amz-meta-x");
        h.value = sv_str("v");
        req.headers = &h;
        req.nheaders = 1;

        if (strcmp(cases[i].field, "path") == 0) {
            req.path = sv_str(cases[i].value);
        } else if (strcmp(cases[i].field, "query") == 0) {
            req.query = sv_str(cases[i].value);
        } else if (strcmp(cases[i].field, "method") == 0) {
            req.method = sv_str(cases[i].value);
        } else if (strcmp(cases[i].field, "payload") == 0) {
            req.payload_hash = sv_str(cases[i].value);
        } else if (strcmp(cases[i].field, "host") == 0) {
            req.host = sv_str(cases[i].value);
        } else if (strcmp(cases[i].field, "akid") == 0) {
            req.access_key_id = sv_str(cases[i].value);
        } else if (strcmp(cases[i].field, "region") == 0) {
            req.region = sv_str(cases[i].value);
        } else if (strcmp(cases[i].field, "service") == 0) {
            req.service = sv_str(cases[i].value);
        } else if (strcmp(cases[i].field, "hvalue") == 0) {
            h.value = sv_str(cases[i].value);
        } else {
            h.name = sv_str(cases[i].value);
        }

        {
            cig_allocator_t  a;
            unsigned char    key[CIG_SIGV4_KEY_LEN] = { 0 };

            cig_arena_allocator(arena, &a);
            memset(&err, 0, sizeof(err));

            tap_is_int(cig_sigv4_sign(&req, key, &a, &out, &err),
                       CIG_ERR_BAD_REQUEST, "sigv4: refuses %s",
                       cases[i].name);
            tap_like(err.msg, cases[i].reason, "sigv4: %s: the reason",
                     cases[i].name);
            tap_ok(out.authorization.len == 0,
                   "sigv4: %s: no Authorization", cases[i].name);
        }
    }

    cig_arena_destroy(arena);
}


static void
sv_key_cache(void)
{
    cig_err_t              err;
    cig_sigv4_key_t       *k;
    const unsigned char   *key;
    unsigned char          first[CIG_SIGV4_KEY_LEN], want[CIG_SIGV4_KEY_LEN];

    k = cig_sigv4_key_create(SV_SECRET, sizeof(SV_SECRET) - 1,
                             sv_str("eu-west-1"), sv_str("s3"), &err);
    if (!tap_ok(k != NULL, "sigv4: a key object")) {
        return;
    }

    tap_is_int((long long) cig_sigv4_key_derivations(k), 0,
               "sigv4: nothing derived before use");

    key = cig_sigv4_key_get(k, SV_20130524, &err);
    tap_ok(key != NULL, "sigv4: the day's key");
    memcpy(first, key, sizeof(first));

    cig_sigv4_derive_key(SV_SECRET, sizeof(SV_SECRET) - 1, "20130524",
                         sv_str("eu-west-1"), sv_str("s3"), want);
    tap_ok(memcmp(first, want, sizeof(want)) == 0,
           "sigv4: is the HMAC chain of that day, region and service");

    key = cig_sigv4_key_get(k, SV_20130524 + 86399, &err);
    tap_ok(key != NULL && memcmp(key, first, sizeof(first)) == 0,
           "sigv4: the same key until midnight UTC");
    tap_is_int((long long) cig_sigv4_key_derivations(k), 1,
               "sigv4: derived once for the day");

    key = cig_sigv4_key_get(k, SV_20130524 + 86400, &err);
    cig_sigv4_derive_key(SV_SECRET, sizeof(SV_SECRET) - 1, "20130525",
                         sv_str("eu-west-1"), sv_str("s3"), want);
    tap_ok(key != NULL && memcmp(key, want, sizeof(want)) == 0,
           "sigv4: the next day's key after midnight");
    tap_is_int((long long) cig_sigv4_key_derivations(k), 2,
               "sigv4: derived again for the new day");

    key = cig_sigv4_key_get(k, SV_20130524 + 86400 + 3600, &err);
    tap_is_int((long long) cig_sigv4_key_derivations(k), 2,
               "sigv4: and kept");

    tap_ok(cig_sigv4_key_get(k, -5, &err) == NULL,
           "sigv4: no key for a time before the epoch");

    tap_ok(cig_sigv4_key_region(k).len == 9
           && memcmp(cig_sigv4_key_region(k).data, "eu-west-1", 9) == 0
           && cig_sigv4_key_service(k).len == 2,
           "sigv4: the key's region and service");

    cig_sigv4_key_free(k);
    cig_sigv4_key_free(NULL);

    tap_ok(cig_sigv4_key_create("", 0, sv_str("r"), sv_str("s3"), &err)
           == NULL, "sigv4: no key object without a secret");
    tap_ok(cig_sigv4_key_create("x", 1, sv_str("eu west"), sv_str("s3"), &err)
           == NULL && strstr(err.msg, "invalid region") != NULL,
           "sigv4: no key object for an invalid region");
    tap_ok(cig_sigv4_key_create("x", 1, sv_str("r"), sv_str(""), &err)
           == NULL && strstr(err.msg, "invalid service") != NULL,
           "sigv4: no key object without a service");

    tap_ok(cig_sigv4_access_key_valid(S("AKIAIOSFODNN7EXAMPLE"))
           && cig_sigv4_access_key_valid(S("minio-admin_1.x"))
           && !cig_sigv4_access_key_valid(S("a b"))
           && !cig_sigv4_access_key_valid(S("a,b"))
           && !cig_sigv4_access_key_valid(S("")),
           "sigv4: access key ids");
}


static int
sv_write(const char *path, const char *text, mode_t mode)
{
    FILE  *f;

    f = fopen(path, "wb");
    if (f == NULL) {
        return 0;
    }

    fputs(text, f);
    fclose(f);

    return chmod(path, mode) == 0;
}


static void
sv_secret_files(void)
{
    char        dir[] = "/tmp/cig-sigv4-XXXXXX", path[256], buf[64];
    size_t      len;
    unsigned    mode;
    cig_err_t   err;

    if (mkdtemp(dir) == NULL) {
        tap_skip("mkdtemp failed", "sigv4: secret files");
        return;
    }

    snprintf(path, sizeof(path), "%s/secret", dir);

    sv_write(path, "  s3cr3t/Key+=\r\n", 0600);
    tap_is_int(cig_sigv4_read_secret(path, buf, sizeof(buf), &len, &mode,
                                     &err), CIG_OK,
               "sigv4: read a secret file");
    tap_is_mem(buf, len, S("s3cr3t/Key+="), "sigv4: white space around "
               "the value is ignored");
    tap_is_int(mode, 0600, "sigv4: the file's mode is reported");

    sv_write(path, "two words\n", 0644);
    tap_is_int(cig_sigv4_read_secret(path, buf, sizeof(buf), &len, NULL,
                                     &err), CIG_ERR_CONFIG,
               "sigv4: a secret with a space is refused");
    tap_ok(strstr(err.msg, "two") == NULL && strstr(err.msg, "printable")
           != NULL, "sigv4: and the error does not quote it");
    tap_ok(buf[0] == '\0' && buf[5] == '\0',
           "sigv4: the refused content is wiped");

    sv_write(path, "\n \n", 0600);
    tap_is_int(cig_sigv4_read_secret(path, buf, sizeof(buf), &len, NULL,
                                     &err), CIG_ERR_CONFIG,
               "sigv4: an empty secret file is refused");
    tap_like(err.msg, "is empty", "sigv4: as empty");

    sv_write(path, "0123456789012345678901234567890123456789"
                   "0123456789012345678901234567890123456789", 0600);
    tap_is_int(cig_sigv4_read_secret(path, buf, sizeof(buf), &len, NULL,
                                     &err), CIG_ERR_CONFIG,
               "sigv4: a secret longer than the buffer is refused");
    tap_like(err.msg, "is longer than 63 bytes", "sigv4: as too long");

    sv_write(path, "caf\xc3\xa9", 0600);
    tap_is_int(cig_sigv4_read_secret(path, buf, sizeof(buf), &len, NULL,
                                     &err), CIG_ERR_CONFIG,
               "sigv4: a secret that is not ASCII is refused");

    unlink(path);
    tap_is_int(cig_sigv4_read_secret(path, buf, sizeof(buf), &len, NULL,
                                     &err), CIG_ERR_CONFIG,
               "sigv4: a missing file is refused");
    tap_like(err.msg, "cannot open", "sigv4: as missing");

    tap_is_int(cig_sigv4_read_secret(dir, buf, sizeof(buf), &len, NULL,
                                     &err), CIG_ERR_CONFIG,
               "sigv4: a directory is refused");

    rmdir(dir);
}


void
test_sigv4(void)
{
    tap_note("SigV4 signing");

    sv_vectors();
    sv_canonical();
    sv_refused();
    sv_key_cache();
    sv_secret_files();
}
