/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * S3 multi-object delete (cig_s3_delete.c): the strict XML reader, the
 * mapping of POST /bucket?delete, and the decision key by key.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"


#define ALICE  "eu-west-1:7f3e2a10-4b5c-4d6e-8f90-a1b2c3d4e5f6"
#define BOB    "eu-west-1:0c9d8e7f-6a5b-4c3d-9e2f-1a0b9c8d7e6f"
#define NS     "http://s3.amazonaws.com/doc/2006-03-01/"
#define DECL   "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
#define OBJ(k) "<Object><Key>" k "</Key></Object>"

#define OK     CIG_OK
#define BAD    CIG_ERR_BAD_REQUEST
#define NO     CIG_ERR_FORBIDDEN


static cig_str_t
dx_str(const char *s)
{
    cig_str_t  r;

    r.data = s;
    r.len = strlen(s);

    return r;
}


static void
dx_parse_cases(void)
{
    size_t            i;
    cig_err_t         err;
    cig_code_t        rc;
    cig_arena_t      *arena;
    cig_allocator_t   a;
    cig_s3_delete_t   d;

    static const struct {
        const char  *name;
        const char  *body;
        cig_code_t   rc;
        size_t       n;
        const char  *key0;         /* or the reason */
        const char  *version0;
        int          quiet;
    } cases[] = {
        { "minimal", "<Delete>" OBJ("a") "</Delete>", OK, 1, "a", NULL, 0 },
        { "as boto3 sends it", DECL "<Delete xmlns=\"" NS "\">"
          "<Object><Key>u/1</Key></Object><Object><Key>u/2</Key>"
          "<VersionId>3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY</VersionId>"
          "</Object><Quiet>true</Quiet></Delete>", OK, 2, "u/1", NULL, 1 },
        { "white space, BOM, single quotes, Quiet first",
          "\xef\xbb\xbf<?xml version='1.0'?>\n<Delete >\n <Quiet>false"
          "</Quiet>\r\n <Object >\n  <VersionId>v1</VersionId>\n  <Key>k</Key>"
          "\n </Object >\n</Delete >\n", OK, 1, "k", "v1", 0 },
        { "the five entities and character references",
          "<Delete>" OBJ("&lt;&gt;&amp;&quot;&apos;&#65;&#x42;&#xe9;&#x1F600;")
          "</Delete>", OK, 1, "<>&\"'AB\xc3\xa9\xf0\x9f\x98\x80", NULL, 0 },
        { "a key of 1,024 bytes", NULL, OK, 1, NULL, NULL, 0 },
        { "1,000 objects", NULL, OK, 1000, NULL, NULL, 0 },

        { "DOCTYPE", DECL "<!DOCTYPE d [<!ENTITY x \"y\">]><Delete>"
          OBJ("&x;") "</Delete>", BAD, 0, "MalformedXML", NULL, 0 },
        { "entity bomb", "<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 "
          "\"&lol;&lol;&lol;\">]><Delete>" OBJ("&lol2;") "</Delete>", BAD, 0,
          "MalformedXML", NULL, 0 },
        { "an entity not declared", "<Delete>" OBJ("&xxe;") "</Delete>", BAD,
          0, "entity other than the five", NULL, 0 },
        { "a reference without ';'", "<Delete>" OBJ("a&amp") "</Delete>", BAD,
          0, "unterminated reference", NULL, 0 },
        { "processing instruction", "<?foo bar?><Delete>" OBJ("a")
          "</Delete>", BAD, 0, "<Delete> expected", NULL, 0 },
        { "xml-stylesheet", "<?xml-stylesheet href=\"x\"?><Delete>" OBJ("a")
          "</Delete>", BAD, 0, "processing instruction", NULL, 0 },
        { "encoding other than UTF-8", "<?xml version=\"1.0\" encoding="
          "\"ISO-8859-1\"?><Delete>" OBJ("a") "</Delete>", BAD, 0,
          "only UTF-8", NULL, 0 },
        { "comment", "<Delete><!-- c -->" OBJ("a") "</Delete>", BAD, 0,
          "unknown element or text in <Delete>", NULL, 0 },
        { "CDATA", "<Delete><Object><Key><![CDATA[a]]></Key></Object>"
          "</Delete>", BAD, 0, "</Key> expected", NULL, 0 },
        { "unknown element", "<Delete><Object><Key>a</Key><ETag>x</ETag>"
          "</Object></Delete>", BAD, 0, "unknown element", NULL, 0 },
        { "nested objects", "<Delete><Object><Object><Key>a</Key></Object>"
          "</Object></Delete>", BAD, 0, "MalformedXML", NULL, 0 },
        { "attribute", "<Delete><Object id=\"1\"><Key>a</Key></Object>"
          "</Delete>", BAD, 0, "attribute", NULL, 0 },
        { "another namespace", "<Delete xmlns=\"urn:x\">" OBJ("a")
          "</Delete>", BAD, 0, "another namespace", NULL, 0 },
        { "namespace prefix", "<s3:Delete xmlns:s3=\"" NS "\">" OBJ("a")
          "</s3:Delete>", BAD, 0, "<Delete> expected", NULL, 0 },
        { "text in Delete", "<Delete>x" OBJ("a") "</Delete>", BAD, 0,
          "unknown element or text", NULL, 0 },
        { "content after the end", "<Delete>" OBJ("a") "</Delete><x/>", BAD,
          0, "content after", NULL, 0 },
        { "no object", "<Delete><Quiet>true</Quiet></Delete>", BAD, 0,
          "no object", NULL, 0 },
        { "empty Delete", "<Delete/>", BAD, 0, "MalformedXML", NULL, 0 },
        { "not XML", "{\"Objects\":[]}", BAD, 0, "<Delete> expected", NULL,
          0 },
        { "empty body", "", BAD, 0, "<Delete> expected", NULL, 0 },
        { "truncated", "<Delete><Object><Key>a", BAD, 0, "unterminated",
          NULL, 0 },
        { "unclosed", "<Delete>" OBJ("a"), BAD, 0, "text in <Delete>",
          NULL, 0 },
        { "wrong close", "<Delete><Object><Key>a</Quiet></Object></Delete>",
          BAD, 0, "</Key> expected", NULL, 0 },
        { "object without key", "<Delete><Object><VersionId>1</VersionId>"
          "</Object></Delete>", BAD, 0, "without <Key>", NULL, 0 },
        { "two keys", "<Delete><Object><Key>a</Key><Key>b</Key></Object>"
          "</Delete>", BAD, 0, "two keys", NULL, 0 },
        { "two Quiet", "<Delete>" OBJ("a") "<Quiet>true</Quiet><Quiet>true"
          "</Quiet></Delete>", BAD, 0, "two <Quiet>", NULL, 0 },
        { "Quiet neither true nor false", "<Delete>" OBJ("a") "<Quiet>yes"
          "</Quiet></Delete>", BAD, 0, "neither", NULL, 0 },
        { "empty key", "<Delete>" OBJ("") "</Delete>", BAD, 0, "empty key",
          NULL, 0 },
        { "empty key element", "<Delete><Object><Key/></Object></Delete>",
          BAD, 0, "MalformedXML", NULL, 0 },
        { "a key of 1,025 bytes", NULL, BAD, 0, "longer than 1024", NULL,
          0 },
        { "1,001 objects", NULL, BAD, 0, "more than 1000 objects", NULL, 0 },
        { "raw CR in a key", "<Delete>" OBJ("a\rb") "</Delete>", BAD, 0,
          "control character 0x0d", NULL, 0 },
        { "raw NUL", "<Delete>" OBJ("a\0b") "</Delete>", BAD, 0, "",
          NULL, 0 },
        { "&#0;", "<Delete>" OBJ("a&#0;") "</Delete>", BAD, 0,
          "does not allow", NULL, 0 },
        { "a surrogate", "<Delete>" OBJ("a&#xD800;") "</Delete>", BAD, 0,
          "does not allow", NULL, 0 },
        { "out of range", "<Delete>" OBJ("a&#x110000;") "</Delete>", BAD, 0,
          "out of range", NULL, 0 },
        { "empty reference", "<Delete>" OBJ("a&#;") "</Delete>", BAD, 0,
          "empty character reference", NULL, 0 },
        { "hex digits in a decimal reference", "<Delete>" OBJ("a&#1a;")
          "</Delete>", BAD, 0, "character reference", NULL, 0 },
        { "a control character by reference", "<Delete>" OBJ("a&#10;b")
          "</Delete>", BAD, 0, "character 0x0a in a key", NULL, 0 },
        { "a dot-dot segment", "<Delete>" OBJ("me/../other/x") "</Delete>",
          BAD, 0, "dot segment", NULL, 0 },
        { "a dot segment first", "<Delete>" OBJ("./x") "</Delete>", BAD, 0,
          "dot segment", NULL, 0 },
        { "a dot-dot key", "<Delete>" OBJ("..") "</Delete>", BAD, 0,
          "dot segment", NULL, 0 },
        { "dots inside a name are fine", "<Delete>" OBJ("a/..b/c.")
          "</Delete>", OK, 1, "a/..b/c.", NULL, 0 },
        { "a backslash", "<Delete>" OBJ("a\\b") "</Delete>", BAD, 0,
          "character 0x5c", NULL, 0 },
        { "invalid UTF-8", "<Delete>" OBJ("a\xc0\xaf") "</Delete>", BAD, 0,
          "UTF-8", NULL, 0 },
        { "empty VersionId", "<Delete><Object><Key>a</Key><VersionId>"
          "</VersionId></Object></Delete>", BAD, 0, "VersionId", NULL, 0 },
        { "]]> in text", "<Delete>" OBJ("a]]>") "</Delete>", BAD, 0, "]]>",
          NULL, 0 },
    };

    for (i = 0; i < UNIT_NELTS(cases); i++) {
        char    *body;
        size_t   len, k, count;

        arena = cig_arena_create();
        cig_arena_allocator(arena, &a);
        memset(&err, 0, sizeof(err));

        if (cases[i].body != NULL) {
            /* literals may hold a NUL: take the length of the array... */
            len = strlen(cases[i].body);

            if (strcmp(cases[i].name, "raw NUL") == 0) {
                len = sizeof("<Delete>" OBJ("a\0b") "</Delete>") - 1;
            }

            body = a.alloc(a.ctx, len + 1);
            memcpy(body, cases[i].body, len + 1);

        } else {
            /* generated: long keys and many objects */
            int  many = strstr(cases[i].name, "objects") != NULL;

            count = many ? (strstr(cases[i].name, "1,001") ? 1001 : 1000) : 1;
            k = many ? 1 : (strstr(cases[i].name, "1,025") ? 1025 : 1024);

            body = a.alloc(a.ctx, 64 + count * (k + 32));
            len = (size_t) sprintf(body, "<Delete>");

            for (size_t o = 0; o < count; o++) {
                len += (size_t) sprintf(body + len, "<Object><Key>");
                memset(body + len, 'k', k);
                len += k;
                len += (size_t) sprintf(body + len, "</Key></Object>");
            }

            len += (size_t) sprintf(body + len, "</Delete>");
        }

        rc = cig_s3_delete_parse(body, len, &a, &d, &err);

        if (!tap_is_int(rc, cases[i].rc, "parse: %s", cases[i].name)) {
            tap_diag("%s", err.msg);
        }

        if (rc != CIG_OK) {
            if (cases[i].key0 != NULL) {
                tap_like(err.msg, cases[i].key0, "parse: %s: reason",
                         cases[i].name);
            }

        } else {
            tap_is_int((long long) d.nobjects, (long long) cases[i].n,
                       "parse: %s: objects", cases[i].name);
            tap_is_int(d.quiet, cases[i].quiet, "parse: %s: quiet",
                       cases[i].name);

            if (cases[i].key0 != NULL && d.nobjects > 0) {
                tap_is_mem(d.objects[0].key.data, d.objects[0].key.len,
                           cases[i].key0, strlen(cases[i].key0),
                           "parse: %s: key", cases[i].name);
            }

            if (d.nobjects > 0) {
                if (cases[i].version0 != NULL) {
                    tap_is_mem(d.objects[0].version.data,
                               d.objects[0].version.len, cases[i].version0,
                               strlen(cases[i].version0),
                               "parse: %s: version", cases[i].name);
                } else if (i != 1) {
                    tap_ok(d.objects[0].version.data == NULL,
                           "parse: %s: no version", cases[i].name);
                }
            }

            if (i == 1 && d.nobjects == 2) {
                tap_is_mem(d.objects[1].version.data, d.objects[1].version.len,
                           "3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY", 33,
                           "parse: %s: second version", cases[i].name);
            }
        }

        cig_arena_destroy(arena);
    }

    /* a body over the bound is refused before anything is read */

    arena = cig_arena_create();
    cig_arena_allocator(arena, &a);
    rc = cig_s3_delete_parse("<Delete>", CIG_S3_DELETE_MAX_BODY + 1, &a, &d,
                             &err);
    tap_is_int(rc, BAD, "parse: a body over %d bytes",
               CIG_S3_DELETE_MAX_BODY);
    tap_like(err.msg, "body longer than", "parse: over the bound: reason");
    cig_arena_destroy(arena);
}


static void
dx_map(void)
{
    cig_http_t        h;
    cig_mapped_t      m;
    cig_err_t         err;
    cig_code_t        rc;
    cig_arena_t      *arena;
    cig_allocator_t   a;
    cig_request_t     req;
    cig_verdict_t     v;
    cig_identity_t    id;

    arena = cig_arena_create();
    cig_arena_allocator(arena, &a);

    memset(&h, 0, sizeof(h));
    h.method = dx_str("POST");
    h.path = dx_str("/mybucket");
    h.query = dx_str("delete");

    rc = cig_map_s3(&h, dx_str(""), &a, &m, &err);
    tap_is_int(rc, OK, "map: POST /mybucket?delete");
    tap_is_int(m.body, CIG_BODY_S3_DELETE, "map: the decision needs the body");
    tap_is_int((long long) m.nchecks, 0, "map: no check without the body");
    tap_is_mem(m.bucket.data, m.bucket.len, "mybucket", 8, "map: bucket");

    /* a connector that does not read the body refuses */

    memset(&req, 0, sizeof(req));
    memset(&id, 0, sizeof(id));
    req.id = &id;
    tap_is_int(cig_policy_decide(NULL, 0, dx_str("r"), &m, &req, &v, &err),
               CIG_DENY_DEFAULT, "map: cig_policy_decide refuses it");
    tap_like(err.msg, "needs the request body", "map: and says why");

    h.query = dx_str("delete=&x-id=DeleteObjects");
    rc = cig_map_s3(&h, dx_str(""), &a, &m, &err);
    tap_is_int(rc, OK, "map: with the SDK's x-id and \"delete=\"");

    h.query = dx_str("delete&versionId=1");
    rc = cig_map_s3(&h, dx_str(""), &a, &m, &err);
    tap_is_int(rc, NO, "map: with another parameter");

    h.query = dx_str("delete");
    h.path = dx_str("/");
    rc = cig_map_s3(&h, dx_str("fixed"), &a, &m, &err);
    tap_is_int(rc, OK, "map: POST /?delete under a fixed bucket");
    tap_is_mem(m.bucket.data, m.bucket.len, "fixed", 5,
               "map: the fixed bucket");

    h.path = dx_str("/mybucket/k");
    rc = cig_map_s3(&h, dx_str(""), &a, &m, &err);
    tap_is_int(rc, NO, "map: POST /mybucket/k?delete is no operation");

    h.path = dx_str("/mybucket");
    h.copy_source = dx_str("/b/k");
    rc = cig_map_s3(&h, dx_str(""), &a, &m, &err);
    tap_is_int(rc, BAD, "map: with x-amz-copy-source");

    cig_arena_destroy(arena);
}


static cig_code_t
dx_decide(cig_policy_t *p, const char *bucket, const char *body,
    cig_err_t *err)
{
    cig_http_t        h;
    cig_mapped_t      m;
    cig_code_t        rc;
    cig_arena_t      *arena;
    cig_allocator_t   a;
    cig_request_t     req;
    cig_verdict_t     v;
    cig_identity_t    id;

    arena = cig_arena_create();
    cig_arena_allocator(arena, &a);

    memset(&h, 0, sizeof(h));
    h.method = dx_str("POST");
    h.path = dx_str(bucket);
    h.query = dx_str("delete");

    rc = cig_map_s3(&h, dx_str(""), &a, &m, err);

    if (rc == CIG_OK) {
        memset(&id, 0, sizeof(id));
        id.sub = dx_str(ALICE);
        id.aud = dx_str("eu-west-1:b45b9729-c269-4ef2-86f1-0df3e40fe92d");
        id.authenticated = 1;

        memset(&req, 0, sizeof(req));
        req.id = &id;
        req.now = 1700000000;

        rc = cig_s3_delete_decide(&p, 1, dx_str("role/r"), &m, body,
                                  strlen(body), &a, &req, &v, err);
    }

    cig_arena_destroy(arena);

    return rc;
}


static void
dx_decisions(void)
{
    cig_err_t      err;
    cig_policy_t  *p;
    char          *many;
    size_t         i, len;

    static const char  policy[] =
        "{\"Version\":\"2012-10-17\",\"Statement\":["
        "{\"Effect\":\"Allow\",\"Action\":\"s3:DeleteObject\",\"Resource\":"
        "\"arn:aws:s3:::mybucket/${cognito-identity.amazonaws.com:sub}/*\"},"
        "{\"Effect\":\"Allow\",\"Action\":\"s3:DeleteObjectVersion\","
        "\"Resource\":\"arn:aws:s3:::mybucket/${cognito-identity.amazonaws.com"
        ":sub}/*\",\"Condition\":{\"StringEquals\":{\"s3:versionid\":\"v1\"}}},"
        "{\"Effect\":\"Deny\",\"Action\":\"s3:DeleteObject\",\"Resource\":"
        "\"arn:aws:s3:::mybucket/${cognito-identity.amazonaws.com:sub}/keep/*"
        "\"}]}";

    p = cig_policy_from_json(policy, sizeof(policy) - 1, NULL, NULL, &err);
    if (!tap_ok(p != NULL, "decide: the policy compiles")) {
        tap_diag("%s", err.msg);
        return;
    }

    tap_is_int(dx_decide(p, "/mybucket", "<Delete>" OBJ(ALICE "/a")
                         OBJ(ALICE "/b/c") "</Delete>", &err), OK,
               "decide: own keys");
    tap_is_int(dx_decide(p, "/mybucket", "<Delete>" OBJ(ALICE "/a")
                         OBJ(BOB "/b") "</Delete>", &err), NO,
               "decide: one foreign key refuses all");
    tap_like(err.msg, "s3:DeleteObject on arn:aws:s3:::mybucket/" BOB "/b",
             "decide: the refused key is named");
    tap_is_int(dx_decide(p, "/otherbucket", "<Delete>" OBJ(ALICE "/a")
                         "</Delete>", &err), NO,
               "decide: own key in another bucket");
    tap_is_int(dx_decide(p, "/mybucket", "<Delete>" OBJ(ALICE "/keep/x")
                         "</Delete>", &err), NO,
               "decide: an explicit deny");
    tap_like(err.msg, "denied by statement 2", "decide: which statement");
    tap_is_int(dx_decide(p, "/mybucket", "<Delete><Object><Key>" ALICE "/a"
                         "</Key><VersionId>v1</VersionId></Object></Delete>",
                         &err), OK,
               "decide: a version, with s3:versionid");
    tap_is_int(dx_decide(p, "/mybucket", "<Delete><Object><Key>" ALICE "/a"
                         "</Key><VersionId>v2</VersionId></Object></Delete>",
                         &err), NO,
               "decide: another version: s3:DeleteObjectVersion refused");
    tap_like(err.msg, "s3:DeleteObjectVersion", "decide: named");
    tap_is_int(dx_decide(p, "/mybucket", "<Delete>" OBJ(ALICE "/&#x61;")
                         "</Delete>", &err), OK,
               "decide: a key written with a reference");
    tap_is_int(dx_decide(p, "/mybucket", "<Delete>" OBJ(ALICE "/../" BOB "/x")
                         "</Delete>", &err), BAD,
               "decide: a key climbing out of the prefix");
    tap_is_int(dx_decide(p, "/mybucket", "<Delete><Object></Delete>", &err),
               BAD, "decide: malformed");

    /* 1,000 keys, the last one foreign */

    many = malloc(1000 * 128 + 64);
    if (many == NULL) {
        tap_ok(0, "decide: out of memory");
        cig_policy_free(p);
        return;
    }

    len = (size_t) sprintf(many, "<Delete>");

    for (i = 0; i < 1000; i++) {
        len += (size_t) sprintf(many + len, "<Object><Key>%s/%zu</Key>"
                                "</Object>", i == 999 ? BOB : ALICE, i);
    }

    sprintf(many + len, "</Delete>");

    tap_is_int(dx_decide(p, "/mybucket", many, &err), NO,
               "decide: 1,000 keys, the last foreign");
    tap_like(err.msg, BOB "/999", "decide: the last key is named");

    free(many);
    cig_policy_free(p);
}


void
test_s3_delete(void)
{
    dx_parse_cases();
    dx_map();
    dx_decisions();
}
