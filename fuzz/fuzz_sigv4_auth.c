/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target: the SigV4 verifier's parsers (cig_sigv4_parse_header,
 * cig_sigv4_parse_presigned), then cig_sigv4_verify with a fixed signing
 * key and S3's error document.
 *
 *   input = OPTS AUTHORIZATION-OR-QUERY \0 HEADERS \0 METHOD \0 PATH \0 HOST
 *
 * OPTS (one byte): bit 0 presigned (the second part is the raw query),
 * bits 1-2 the clock (the input's own x-amz-date, +15 min, +16 min, -1 day),
 * bit 3 cig_sigv4_parse picks the form (the second part is both the query
 * and, unless bit 0, the Authorization header).
 * HEADERS: "Name: value" lines.  A parsed signature is well-formed (64
 * lower-case hex digits, an 8-digit day, a valid access key id, region and
 * service, x-amz-date that reads back as its time, X-Amz-Expires 1..604800,
 * a known payload mode); a refusal carries an S3 code whose status matches
 * the cig_code_t; nothing verifies (the fuzzer does not know the key); the
 * error document is XML text without controls, and never holds the session
 * token.
 */

#define _GNU_SOURCE                         /* memmem */

#include "fuzz_common.h"


#define FUZZ_MAX_HEADERS  16


static void
check_error(cig_code_t rc, const cig_s3_error_t *e, cig_str_t token)
{
    char    doc[2048];
    size_t  i, n;

    check(rc != CIG_OK);
    check(e->code != NULL && e->message[0] != '\0');
    check((rc == CIG_ERR_FORBIDDEN) == (e->status == 403));
    check((rc == CIG_ERR_BAD_REQUEST) == (e->status == 400));

    n = cig_s3_error_xml(e, fuzz_str("REQ", 3), doc, sizeof(doc));
    check(n > 0 && n < sizeof(doc) && doc[n] == '\0');
    check(memcmp(doc, "<?xml", 5) == 0);
    check(n > 8 && memcmp(doc + n - 8, "</Error>", 8) == 0);

    for (i = 0; i < n; i++) {
        check(doc[i] == '\n' || ((unsigned char) doc[i] >= 0x20
                                 && (unsigned char) doc[i] < 0x7f));
    }

    /* messages quote at most 128 bytes of the input (a region) */

    if (token.len > 128) {
        check(memmem(doc, n, token.data, token.len) == NULL);
    }
}


static void
check_auth(const cig_sigv4_auth_t *auth)
{
    char    date[CIG_SIGV4_DATE_LEN + 1];
    size_t  i;

    check(strlen(auth->signature) == 64);

    for (i = 0; i < 64; i++) {
        check((auth->signature[i] >= '0' && auth->signature[i] <= '9')
              || (auth->signature[i] >= 'a' && auth->signature[i] <= 'f'));
    }

    for (i = 0; i < 8; i++) {
        check(auth->date8[i] >= '0' && auth->date8[i] <= '9');
    }

    check(cig_sigv4_access_key_valid(auth->access_key_id.data,
                                     auth->access_key_id.len));
    check(cig_sigv4_region_valid(auth->region.data, auth->region.len));
    check(cig_sigv4_region_valid(auth->service.data, auth->service.len));
    check(auth->signed_headers.len > 0);

    check(cig_sigv4_date(auth->time, date));
    check(strcmp(date, auth->amz_date) == 0);

    if (auth->form == CIG_SIGV4_FORM_PRESIGNED) {
        check(auth->expires >= 1 && auth->expires <= CIG_SIGV4_MAX_EXPIRES);

    } else {
        check(auth->form == CIG_SIGV4_FORM_HEADER && auth->expires == 0);
    }

    check(auth->payload >= CIG_SIGV4_PAYLOAD_UNSIGNED
          && auth->payload <= CIG_SIGV4_PAYLOAD_STREAMING_UNSIGNED_TRAILER);
    check(auth->payload_hash.len > 0);
}


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t         *p, *end = data + size;
    const char            *line, *lend, *nl, *colon;
    size_t                 n;
    int64_t                now;
    cig_str_t              first, headers, token;
    cig_kv_t               hs[FUZZ_MAX_HEADERS];
    cig_code_t             rc;
    cig_arena_t           *arena;
    cig_allocator_t        a;
    cig_s3_error_t         e;
    cig_sigv4_auth_t       auth;
    cig_sigv4_received_t   r;
    static const int64_t   shift[4] = { 0, 900, 960, -86400 };
    static const unsigned char  key[CIG_SIGV4_KEY_LEN] = { 1, 2, 3 };

    if (size == 0) {
        return 0;
    }

    p = data + 1;

    memset(&r, 0, sizeof(r));
    first = fuzz_part(&p, end);
    headers = fuzz_part(&p, end);
    r.method = fuzz_part(&p, end);
    r.path = fuzz_part(&p, end);
    r.host = fuzz_part(&p, end);
    r.region = fuzz_str("us-east-1", 9);
    r.service = fuzz_str("s3", 2);

    n = 0;
    line = headers.data;
    lend = headers.data + headers.len;

    while (line < lend && n < FUZZ_MAX_HEADERS) {
        nl = memchr(line, '\n', (size_t) (lend - line));
        if (nl == NULL) {
            nl = lend;
        }

        colon = memchr(line, ':', (size_t) (nl - line));

        if (colon) {
            hs[n].name = fuzz_str(line, (size_t) (colon - line));
            hs[n].value = fuzz_str(colon + 1, (size_t) (nl - colon - 1));
            n++;
        }

        line = nl + 1;
    }

    r.headers = hs;
    r.nheaders = n;

    arena = cig_arena_create();
    check(arena != NULL);
    cig_arena_allocator(arena, &a);

    memset(&e, 0, sizeof(e));

    if (data[0] & 8) {
        /* cig_sigv4_parse picks the form: the query, or the header */
        r.query = first;
        token.data = (data[0] & 1) ? NULL : first.data;
        token.len = (data[0] & 1) ? 0 : first.len;
        rc = cig_sigv4_parse(token, first, hs, n, &a, &auth, &e);

        if (rc == CIG_OK && auth.form == 0) {
            cig_arena_destroy(arena);
            return 0;
        }

    } else if (data[0] & 1) {
        r.query = first;
        rc = cig_sigv4_parse_presigned(first, hs, n, &a, &auth, &e);

    } else {
        rc = cig_sigv4_parse_header(first, hs, n, &a, &auth, &e);
    }

    token = fuzz_str("", 0);

    if (rc != CIG_OK) {
        check_error(rc, &e, token);
        cig_arena_destroy(arena);
        return 0;
    }

    check_auth(&auth);
    token = auth.security_token;

    now = auth.time + shift[(data[0] >> 1) & 3];

    rc = cig_sigv4_verify(&auth, &r, key, now, &a, &e);
    check_error(rc, &e, token);

    r.region = auth.region;
    r.access_key_id = auth.access_key_id;

    rc = cig_sigv4_verify(&auth, &r, key, now, &a, &e);
    check_error(rc, &e, token);

    cig_arena_destroy(arena);

    return 0;
}
