/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * JWKS: key sets from the files in t/keys (see t/keys/make-keys.sh) and from
 * documents written here.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "unit.h"
#include "cig_internal.h"


#define S(lit)  lit, sizeof(lit) - 1


static void
jwks_bail(const char *what)
{
    printf("Bail out! %s\n", what);
    exit(255);
}


static void
jwks_files(void)
{
    static const struct {
        const char  *file;
        size_t       nkeys;         /* 0: refused */
        unsigned     skipped;
        const char  *msg;           /* refused: substring of the error */
    } files[] = {
        { "jwks-k1.json",        1, 0, NULL },
        { "jwks-k2.json",        1, 0, NULL },
        { "jwks-k1k2.json",      2, 0, NULL },
        { "jwks-aws-style.json", 1, 0, NULL },
        { "jwks-k4096.json",     1, 0, NULL },
        { "jwks-k1-noalg.json",  1, 0, NULL },
        { "jwks-k1-rs256.json",  1, 0, NULL },
        { "jwks-k1-login.json",  1, 0, NULL },
        /* e = 3 is odd and of 2 bits: accepted (RSA with e = 3 is sound
         * with PKCS #1 v1.5 verification done properly, as OpenSSL does) */
        { "jwks-e3.json",        1, 0, NULL },
        { "jwks-ec.json",        1, 1, NULL },

        { "jwks-small.json",     0, 0, "1024 bits" },
        { "jwks-dupkid.json",    0, 0, "duplicate kid \"test-1\"" },
        { "jwks-nokid.json",     0, 0, "no usable \"kid\"" },
        { "jwks-k1-enc.json",    0, 1, "no RSA signing key" },
        { "jwks-empty.json",     0, 0, "no RSA signing key" },
        { "jwks-notjson.json",   0, 0, "invalid JSON" },
    };
    char           path[4096];
    cig_keyset_t  *ks;
    cig_err_t      err;
    unsigned       skipped;
    size_t         i;

    for (i = 0; i < UNIT_NELTS(files); i++) {
        memset(&err, 0, sizeof(err));
        skipped = 12345;

        ks = cig_keyset_from_file(unit_key_path(path, sizeof(path),
                                                files[i].file),
                                  &skipped, &err);

        if (files[i].nkeys) {
            if (!tap_ok(ks != NULL, "jwks: %s loads", files[i].file)) {
                tap_diag("error: %s", err.msg);
            }
            tap_is_int((long long) cig_keyset_count(ks),
                       (long long) files[i].nkeys, "jwks: %s has %zu key%s",
                       files[i].file, files[i].nkeys,
                       files[i].nkeys == 1 ? "" : "s");

        } else {
            tap_ok(ks == NULL && err.code == CIG_ERR_CONFIG,
                   "jwks: %s is refused (configuration error)",
                   files[i].file);
            tap_like(err.msg, files[i].msg, "jwks: ... saying \"%s\"",
                     files[i].msg);
        }

        tap_is_int(skipped, files[i].skipped, "jwks: %s skipped %u key%s",
                   files[i].file, files[i].skipped,
                   files[i].skipped == 1 ? "" : "s");

        cig_keyset_free(ks);
    }

    /* a missing file: the path is in the message */

    memset(&err, 0, sizeof(err));
    unit_key_path(path, sizeof(path), "no-such-jwks.json");
    ks = cig_keyset_from_file(path, NULL, &err);
    tap_ok(ks == NULL && err.code == CIG_ERR_CONFIG,
           "jwks: a nonexistent file is refused");
    tap_like(err.msg, "no-such-jwks.json", "jwks: ... naming the file");
    tap_like(err.msg, "cannot open", "jwks: ... saying \"cannot open\"");

    /* a directory */

    memset(&err, 0, sizeof(err));
    unit_key_path(path, sizeof(path), "");
    ks = cig_keyset_from_file(path, NULL, &err);
    tap_ok(ks == NULL && err.code == CIG_ERR_CONFIG,
           "jwks: a directory is refused");
    cig_keyset_free(ks);
}


/* loaded keys: algorithms, sizes, and the AWS spelling of k1 */

static void
jwks_loaded(void)
{
    char           path[4096];
    cig_keyset_t  *k1, *aws, *noalg, *rs256, *k4096, *k1k2;
    cig_err_t      err;

    k1 = cig_keyset_from_file(unit_key_path(path, sizeof(path),
                                            "jwks-k1.json"), NULL, &err);
    aws = cig_keyset_from_file(unit_key_path(path, sizeof(path),
                                             "jwks-aws-style.json"),
                               NULL, &err);
    noalg = cig_keyset_from_file(unit_key_path(path, sizeof(path),
                                               "jwks-k1-noalg.json"),
                                 NULL, &err);
    rs256 = cig_keyset_from_file(unit_key_path(path, sizeof(path),
                                               "jwks-k1-rs256.json"),
                                 NULL, &err);
    k4096 = cig_keyset_from_file(unit_key_path(path, sizeof(path),
                                               "jwks-k4096.json"),
                                 NULL, &err);
    k1k2 = cig_keyset_from_file(unit_key_path(path, sizeof(path),
                                              "jwks-k1k2.json"),
                                NULL, &err);

    if (k1 == NULL || aws == NULL || noalg == NULL || rs256 == NULL
        || k4096 == NULL || k1k2 == NULL)
    {
        jwks_bail("cannot load the t/keys JWKS files");
    }

    tap_ok(k1->keys[0].alg == CIG_ALG_RS512 && k1->keys[0].sig_len == 256
           && k1->keys[0].kid_len == 6
           && memcmp(k1->keys[0].kid, "test-1", 6) == 0,
           "jwks: k1 is RS512, 256-byte signatures, kid \"test-1\"");
    tap_ok(noalg->keys[0].alg == CIG_ALG_NONE,
           "jwks: a key without \"alg\" has no algorithm");
    tap_ok(rs256->keys[0].alg == CIG_ALG_RS256,
           "jwks: a key with \"alg\":\"RS256\" is RS256");
    tap_ok(k4096->keys[0].sig_len == 512,
           "jwks: a 4096-bit key takes 512-byte signatures");
    tap_ok(EVP_PKEY_eq(k1->keys[0].pkey, aws->keys[0].pkey) == 1,
           "jwks: the AWS-style padded standard base64 \"n\" with a "
           "leading zero is the same key as k1");
    tap_ok(cig_keyset_find(k1k2, S("test-2")) == &k1k2->keys[1]
           && cig_keyset_find(k1k2, S("test-1")) == &k1k2->keys[0]
           && cig_keyset_find(k1k2, S("test-")) == NULL
           && cig_keyset_find(k1k2, S("test-10")) == NULL,
           "jwks: keyset_find matches whole kids only");

    cig_keyset_free(k1);
    cig_keyset_free(aws);
    cig_keyset_free(noalg);
    cig_keyset_free(rs256);
    cig_keyset_free(k4096);
    cig_keyset_free(k1k2);

    tap_is_int((long long) cig_keyset_count(NULL), 0,
               "jwks: keyset_count(NULL) is 0");
    cig_keyset_free(NULL);
    tap_ok(1, "jwks: keyset_free(NULL) is fine");
}


/* base64url of a big-endian number of `bytes` bytes, first and last given */

static char *
jwks_number(size_t bytes, unsigned char first, unsigned char last)
{
    unsigned char  *bin;
    char           *b64;
    size_t          n;

    bin = calloc(1, bytes);
    b64 = malloc(bytes / 3 * 4 + 8);
    if (bin == NULL || b64 == NULL) {
        jwks_bail("out of memory");
    }

    memset(bin, 0xa5, bytes);
    bin[0] = first;
    bin[bytes - 1] = last;

    n = cig_b64url_encode(bin, bytes, b64);
    b64[n] = '\0';
    free(bin);

    return b64;
}


/* one JWKS document of one JWK: {"keys":[{"kty":"RSA",<members>}]} */

static char *
jwks_doc(const char *fmt, const char *n)
{
    char    *doc;
    size_t   size;

    size = strlen(fmt) + strlen(n) + 64;
    doc = malloc(size);
    if (doc == NULL) {
        jwks_bail("out of memory");
    }

    /* fmt has exactly one %s, for n */
    snprintf(doc, size, fmt, n);

    return doc;
}


static void
jwks_documents(void)
{
    static const struct {
        const char  *name;
        const char  *fmt;           /* "%s" is a good 2048-bit n */
        size_t       nkeys;         /* 0: refused */
        unsigned     skipped;
        const char  *msg;
    } docs[] = {
#define K(members)  "{\"keys\":[{" members "}]}"
#define GOOD        "\"kty\":\"RSA\",\"kid\":\"a\",\"n\":\"%s\",\"e\":\"AQAB\""
        { "a minimal key", K(GOOD), 1, 0, NULL },
        { "use sig, alg RS384", K(GOOD ",\"use\":\"sig\",\"alg\":\"RS384\""),
          1, 0, NULL },
        { "key_ops [\"verify\"]", K(GOOD ",\"key_ops\":[\"verify\"]"),
          1, 0, NULL },
        { "unknown members", K(GOOD ",\"x5t\":\"abc\",\"ext\":true"),
          1, 0, NULL },
        { "e with leading zero, padded", K("\"kty\":\"RSA\",\"kid\":\"a\","
          "\"n\":\"%s\",\"e\":\"AAEAAQ==\""), 1, 0, NULL },
        { "a kid of 128 characters",
          K("\"kty\":\"RSA\",\"n\":\"%s\",\"e\":\"AQAB\",\"kid\":\""
            "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
            "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
            "\""), 1, 0, NULL },
        { "an EC key and an oct key besides",
          "{\"keys\":[{\"kty\":\"EC\",\"kid\":\"e\"},{\"kty\":\"oct\","
          "\"kid\":\"o\"}, {" GOOD "}]}", 1, 2, NULL },

        { "\"d\" (private key)", K(GOOD ",\"d\":\"AQAB\""), 0, 0,
          "private key material (\"d\")" },
        { "\"p\" (private key)", K(GOOD ",\"p\":\"AQAB\""), 0, 0,
          "private key material (\"p\")" },
        { "\"qi\" (private key)", K(GOOD ",\"qi\":\"AQAB\""), 0, 0,
          "private key material (\"qi\")" },
        { "\"k\" (symmetric key)", K(GOOD ",\"k\":\"AQAB\""), 0, 0,
          "private key material (\"k\")" },
        { "\"d\" in a key that would be skipped",
          "{\"keys\":[{" GOOD "},{\"kty\":\"EC\",\"kid\":\"e\",\"d\":\"x\"}]}",
          0, 0, "private key material" },

        { "kty missing", K("\"kid\":\"a\",\"n\":\"%s\",\"e\":\"AQAB\""),
          0, 0, "\"kty\" is missing" },
        { "kty a number", K("\"kty\":1,\"kid\":\"a\",\"n\":\"%s\","
          "\"e\":\"AQAB\""), 0, 0, "\"kty\" is missing" },
        { "kty \"rsa\" (skipped)", K("\"kty\":\"rsa\",\"kid\":\"a\","
          "\"n\":\"%s\",\"e\":\"AQAB\""), 0, 1, "no RSA signing key" },
        { "use \"enc\" (skipped)", K(GOOD ",\"use\":\"enc\""), 0, 1,
          "no RSA signing key" },
        { "use a number", K(GOOD ",\"use\":1"), 0, 0,
          "\"use\" is not a string" },
        { "key_ops [\"encrypt\"] (skipped)",
          K(GOOD ",\"key_ops\":[\"encrypt\"]"), 0, 1, "no RSA signing key" },
        { "key_ops [] (skipped)", K(GOOD ",\"key_ops\":[]"), 0, 1,
          "no RSA signing key" },
        { "key_ops a string", K(GOOD ",\"key_ops\":\"verify\""), 0, 0,
          "\"key_ops\" is not an array" },
        { "alg HS256", K(GOOD ",\"alg\":\"HS256\""), 0, 0,
          "algorithm \"HS256\" is not supported" },
        { "alg PS512", K(GOOD ",\"alg\":\"PS512\""), 0, 0,
          "algorithm \"PS512\" is not supported" },
        { "alg none", K(GOOD ",\"alg\":\"none\""), 0, 0, "not supported" },
        { "alg a number", K(GOOD ",\"alg\":512"), 0, 0,
          "\"alg\" is not a string" },

        { "kid missing", K("\"kty\":\"RSA\",\"n\":\"%s\",\"e\":\"AQAB\""),
          0, 0, "no usable \"kid\"" },
        { "kid empty", K("\"kty\":\"RSA\",\"kid\":\"\",\"n\":\"%s\","
          "\"e\":\"AQAB\""), 0, 0, "no usable \"kid\"" },
        { "kid a number", K("\"kty\":\"RSA\",\"kid\":1,\"n\":\"%s\","
          "\"e\":\"AQAB\""), 0, 0, "no usable \"kid\"" },
        { "kid with NUL", K("\"kty\":\"RSA\",\"kid\":\"a\\u0000\","
          "\"n\":\"%s\",\"e\":\"AQAB\""), 0, 0, "no usable \"kid\"" },
        { "a kid of 129 characters",
          K("\"kty\":\"RSA\",\"n\":\"%s\",\"e\":\"AQAB\",\"kid\":\""
            "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
            "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
            "x\""), 0, 0, "no usable \"kid\"" },
        { "duplicate kid",
          "{\"keys\":[{" GOOD "},{\"kty\":\"RSA\",\"kid\":\"a\","
          "\"n\":\"AQAB\",\"e\":\"AQAB\"}]}", 0, 0, "duplicate kid \"a\"" },
        { "kids differing in case are distinct",
          "{\"keys\":[{" GOOD "},{\"kty\":\"RSA\",\"kid\":\"A\","
          "\"n\":\"AQAB\",\"e\":\"AQAB\"}]}", 0, 0, "RSA modulus of 17 bits" },

        { "n missing", K("\"kty\":\"RSA\",\"kid\":\"a\",\"e\":\"AQAB\","
          "\"x\":\"%s\""), 0, 0, "\"n\" is missing" },
        { "n empty", K("\"kty\":\"RSA\",\"kid\":\"a\",\"n\":\"\","
          "\"e\":\"AQAB\",\"x\":\"%s\""), 0, 0, "\"n\" is missing" },
        { "n a number", K("\"kty\":\"RSA\",\"kid\":\"a\",\"n\":1,"
          "\"e\":\"AQAB\",\"x\":\"%s\""), 0, 0, "\"n\" is missing" },
        { "n not base64", K("\"kty\":\"RSA\",\"kid\":\"a\",\"n\":\"%s!\","
          "\"e\":\"AQAB\""), 0, 0, "\"n\" is not base64" },
        { "e missing", K("\"kty\":\"RSA\",\"kid\":\"a\",\"n\":\"%s\""),
          0, 0, "\"e\" is missing" },
        { "e badly padded", K("\"kty\":\"RSA\",\"kid\":\"a\",\"n\":\"%s\","
          "\"e\":\"AQAB=\""), 0, 0, "\"e\" is not base64" },
        { "e = 1", K("\"kty\":\"RSA\",\"kid\":\"a\",\"n\":\"%s\","
          "\"e\":\"AQ\""), 0, 0, "implausible" },
        { "e = 2 (even)", K("\"kty\":\"RSA\",\"kid\":\"a\",\"n\":\"%s\","
          "\"e\":\"Ag\""), 0, 0, "implausible" },
        { "e = 0", K("\"kty\":\"RSA\",\"kid\":\"a\",\"n\":\"%s\","
          "\"e\":\"AA\""), 0, 0, "implausible" },
        { "e of 34 bits", K("\"kty\":\"RSA\",\"kid\":\"a\",\"n\":\"%s\","
          "\"e\":\"AgAAAAE\""), 0, 0, "implausible" },
        { "e of 33 bits", K("\"kty\":\"RSA\",\"kid\":\"a\",\"n\":\"%s\","
          "\"e\":\"AQAAAAE\""), 1, 0, NULL },

        { "no \"keys\"", "{\"key\":[]}", 0, 0, "no \"keys\" array" },
        { "\"keys\" an object", "{\"keys\":{}}", 0, 0, "no \"keys\" array" },
        { "a JSON array", "[]", 0, 0, "no \"keys\" array" },
        { "a key that is not an object", "{\"keys\":[\"RSA\"]}", 0, 0,
          "not an object" },
        { "duplicate member in a key", K(GOOD ",\"kid\":\"b\""), 0, 0,
          "duplicate member name" },
        { "nesting beyond 8", "{\"keys\":[{" GOOD ",\"x\":[[[[[[[1]]]]]]]}]}",
          0, 0, "nesting too deep" },
        { "nesting of 8", "{\"keys\":[{" GOOD ",\"x\":[[[[[1]]]]]}]}",
          1, 0, NULL },
        { "trailing data", "{\"keys\":[{" GOOD "}]} x", 0, 0,
          "trailing data" },
#undef K
#undef GOOD
    };
    char          *n, *doc;
    cig_keyset_t  *ks;
    cig_err_t      err;
    unsigned       skipped;
    size_t         i;

    /* a synthetic odd 2048-bit modulus: OpenSSL does not factor it */

    n = jwks_number(256, 0xc1, 0x01);

    for (i = 0; i < UNIT_NELTS(docs); i++) {
        doc = jwks_doc(docs[i].fmt, n);
        memset(&err, 0, sizeof(err));
        skipped = 12345;

        ks = cig_keyset_from_jwks(doc, strlen(doc), &skipped, &err);

        if (docs[i].nkeys) {
            if (!tap_ok(ks != NULL && cig_keyset_count(ks) == docs[i].nkeys,
                        "jwks document: %s loads %zu key%s", docs[i].name,
                        docs[i].nkeys, docs[i].nkeys == 1 ? "" : "s"))
            {
                tap_diag("error: %s", err.msg);
            }

        } else {
            tap_ok(ks == NULL && err.code == CIG_ERR_CONFIG,
                   "jwks document: %s is refused", docs[i].name);
            tap_like(err.msg, docs[i].msg, "jwks document: ... saying "
                     "\"%s\"", docs[i].msg);
        }

        if (docs[i].skipped) {
            tap_is_int(skipped, docs[i].skipped, "jwks document: %s skipped "
                       "%u", docs[i].name, docs[i].skipped);
        }

        cig_keyset_free(ks);
        free(doc);
    }

    free(n);
}


/* modulus sizes: 2048 to 16384 bits, odd */

static void
jwks_sizes(void)
{
    static const struct {
        const char     *name;
        size_t          bytes;
        unsigned char   first, last;
        const char     *msg;            /* NULL: accepted */
    } sizes[] = {
        { "2047 bits",               256, 0x40, 0x01, "2047 bits" },
        { "2048 bits",               256, 0x80, 0x01, NULL },
        { "2048 bits, even",         256, 0x80, 0x02, "implausible" },
        { "2048 bits, leading zero", 257, 0x00, 0x01, NULL },
        { "1024 bits",               128, 0x80, 0x01, "1024 bits" },
        { "3072 bits",               384, 0xff, 0xff, NULL },
        { "16384 bits",             2048, 0x80, 0x01, NULL },
        { "16385 bits",             2049, 0x01, 0x01, "16385 bits" },
    };
    static const char  fmt[] =
        "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"a\",\"n\":\"%s\","
        "\"e\":\"AQAB\"}]}";
    char          *n, *doc;
    cig_keyset_t  *ks;
    cig_err_t      err;
    size_t         i;

    for (i = 0; i < UNIT_NELTS(sizes); i++) {
        n = jwks_number(sizes[i].bytes, sizes[i].first, sizes[i].last);
        doc = jwks_doc(fmt, n);
        memset(&err, 0, sizeof(err));

        ks = cig_keyset_from_jwks(doc, strlen(doc), NULL, &err);

        if (sizes[i].msg == NULL) {
            if (!tap_ok(ks != NULL, "jwks: RSA modulus of %s is accepted",
                        sizes[i].name))
            {
                tap_diag("error: %s", err.msg);
            }

        } else {
            tap_ok(ks == NULL, "jwks: RSA modulus of %s is refused",
                   sizes[i].name);
            tap_like(err.msg, sizes[i].msg, "jwks: ... saying \"%s\"",
                     sizes[i].msg);
        }

        cig_keyset_free(ks);
        free(doc);
        free(n);
    }
}


/* at most CIG_MAX_KEYS keys */

static void
jwks_many(void)
{
    char          *n, *doc, *p;
    size_t         size, k, count;
    cig_keyset_t  *ks;
    cig_err_t      err;

    n = jwks_number(256, 0xc1, 0x01);

    for (count = CIG_MAX_KEYS; count <= CIG_MAX_KEYS + 1; count++) {
        size = count * (strlen(n) + 80) + 64;
        doc = malloc(size);
        if (doc == NULL) {
            jwks_bail("out of memory");
        }

        p = doc + sprintf(doc, "{\"keys\":[");
        for (k = 0; k < count; k++) {
            p += sprintf(p, "%s{\"kty\":\"RSA\",\"kid\":\"key-%zu\","
                         "\"n\":\"%s\",\"e\":\"AQAB\"}", k ? "," : "", k, n);
        }
        p += sprintf(p, "]}");

        memset(&err, 0, sizeof(err));
        ks = cig_keyset_from_jwks(doc, (size_t) (p - doc), NULL, &err);

        if (count == CIG_MAX_KEYS) {
            tap_ok(ks != NULL && cig_keyset_count(ks) == CIG_MAX_KEYS,
                   "jwks: %d keys load", CIG_MAX_KEYS);
            tap_ok(ks && cig_keyset_find(ks, S("key-63")) != NULL,
                   "jwks: ... and the last is found by kid");
        } else {
            tap_ok(ks == NULL, "jwks: %d keys are refused",
                   CIG_MAX_KEYS + 1);
            tap_like(err.msg, "more than 64 keys", "jwks: ... saying \"more "
                     "than 64 keys\"");
        }

        cig_keyset_free(ks);
        free(doc);
    }

    free(n);
}


/* a file larger than CIG_MAX_JSON_FILE */

static void
jwks_big_file(void)
{
    char           tmpl[] = "/tmp/cig-unit-XXXXXX";
    char          *buf, *text;
    int            fd;
    size_t         len;
    cig_keyset_t  *ks;
    cig_err_t      err;

    fd = mkstemp(tmpl);
    if (fd < 0) {
        tap_ok(0, "jwks: cannot create a temporary file");
        return;
    }

    buf = malloc(CIG_MAX_JSON_FILE + 1);
    if (buf == NULL) {
        jwks_bail("out of memory");
    }

    /* exactly the limit: read whole (and refused as JSON, "x"s) */

    memset(buf, 'x', CIG_MAX_JSON_FILE + 1);

    if (write(fd, buf, CIG_MAX_JSON_FILE) != CIG_MAX_JSON_FILE) {
        jwks_bail("cannot write a temporary file");
    }

    memset(&err, 0, sizeof(err));
    text = cig_file_read(tmpl, &len, &err);
    tap_ok(text != NULL && len == CIG_MAX_JSON_FILE && text[len] == '\0',
           "file_read: a file of exactly %d bytes is read", CIG_MAX_JSON_FILE);
    free(text);

    if (write(fd, buf, 1) != 1) {
        jwks_bail("cannot write a temporary file");
    }

    memset(&err, 0, sizeof(err));
    text = cig_file_read(tmpl, &len, &err);
    tap_ok(text == NULL && err.code == CIG_ERR_CONFIG,
           "file_read: a file of %d bytes is refused", CIG_MAX_JSON_FILE + 1);
    tap_like(err.msg, "larger than", "file_read: ... saying \"larger than\"");
    free(text);

    memset(&err, 0, sizeof(err));
    ks = cig_keyset_from_file(tmpl, NULL, &err);
    tap_ok(ks == NULL && strstr(err.msg, "larger than"),
           "jwks: a JWKS file over the limit is refused");
    cig_keyset_free(ks);

    close(fd);
    unlink(tmpl);
    free(buf);
}


/* the key published in examples/dev marks its key set */

static void
jwks_development(void)
{
    char           path[4096];
    cig_keyset_t  *ks;
    cig_err_t      err;
    FILE          *f;

    ks = cig_keyset_from_file(unit_key_path(path, sizeof(path),
                                            "jwks-k1.json"), NULL, &err);
    tap_ok(ks != NULL && !cig_keyset_is_development(ks),
           "jwks: a test key set is not a development key set");
    cig_keyset_free(ks);

    tap_ok(!cig_keyset_is_development(NULL),
           "jwks: keyset_is_development(NULL) is 0");

    snprintf(path, sizeof(path), "%s/examples/dev/dev-jwks.json", unit_root);

    f = fopen(path, "rb");
    if (f == NULL) {
        tap_skip("no examples/dev/dev-jwks.json",
                 "jwks: the examples/dev key set is a development key set");
        return;
    }
    fclose(f);

    memset(&err, 0, sizeof(err));
    ks = cig_keyset_from_file(path, NULL, &err);
    if (!tap_ok(ks != NULL && cig_keyset_is_development(ks),
                "jwks: the examples/dev key set is a development key set"))
    {
        tap_diag("error: %s", err.msg);
    }
    cig_keyset_free(ks);
}


void
test_jwks(void)
{
    tap_note("JWKS");

    jwks_files();
    jwks_loaded();
    jwks_documents();
    jwks_sizes();
    jwks_many();
    jwks_big_file();
    jwks_development();
}
