/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Verification of SigV4-signed S3 requests, as S3 verifies them.
 *
 * Design.  Verification is split so that the secret is needed last:
 *
 *   cig_sigv4_parse (either form, as S3 picks it: both is InvalidArgument),
 *   cig_sigv4_parse_header / cig_sigv4_parse_presigned read the signature
 *   (access key id, scope, signed header names, the signature, x-amz-date,
 *   the session token, the payload hash) without any key;
 *   the caller then finds the secret of the access key id from the session
 *   token (the credential issuer), and the signing key of the scope's day,
 *   region and service (cig_sigv4_derive_key), cached per (SHA-256 of the
 *   session token, day): one HMAC chain per session and day;
 *   cig_sigv4_verify checks the scope, the clock and the signed header list,
 *   rebuilds the canonical request with the signer's own canonicalizer
 *   (cig_sigv4_canon.c) and compares signatures in constant time.
 *
 * Rules (AWS's "Authenticating Requests" pages for S3):
 *
 * - header form: exactly "AWS4-HMAC-SHA256 " then Credential=, SignedHeaders=
 *   and Signature= each once, in any order, separated by ',' and optional
 *   spaces; SigV4a (AWS4-ECDSA-P256-SHA256) is refused by name; Credential
 *   is AKID/YYYYMMDD/REGION/SERVICE/aws4_request; the signature is 64
 *   lower-case hex digits; SignedHeaders lower-case names, sorted, unique;
 * - the time is x-amz-date (X-Amz-Date presigned) or, without it, the
 *   Date header (RFC 1123 form only), which must then be signed; the
 *   scope's date is
 *   x-amz-date's day; header form: within 15 minutes of now
 *   (RequestTimeTooSkewed); presigned: X-Amz-Expires 1..604800, the URL
 *   expired (AccessDenied "Request has expired") or dated more than 15
 *   minutes ahead (AccessDenied "Request is not valid yet");
 * - host, and in the header form x-amz-content-sha256, must be signed, and
 *   so must every x-amz-* header the request carries.  AWS's documentation
 *   says that x-amz-* headers must be signed; S3 answers an unsigned one
 *   with 403 AccessDenied "There were headers present in the request which
 *   were not signed" and <HeadersNotSigned> in both forms, and so do we
 *   (also for host, for a Date that times the request and, in the header
 *   form, for x-amz-content-sha256, which AWS's pages list among the signed
 *   headers even where S3 itself may tolerate it unsigned: fail closed);
 *   x-amzn-* (no dash after "amz") need not be signed;
 * - a signed header that the request carries more than once is refused
 *   (SignatureDoesNotMatch): servers join repeated headers differently
 *   (", " or ","), so the signed bytes cannot be known; a signed header
 *   the request lacks cannot match either;
 * - the canonical request is built from the request as received: the path
 *   as sent (S3 neither normalizes it nor encodes it a second time), the
 *   query decoded, encoded and sorted without X-Amz-Signature (presigned),
 *   the signed headers trimmed, inner white space collapsed, and the payload
 *   hash x-amz-content-sha256 says: UNSIGNED-PAYLOAD, a hex SHA-256 (which
 *   the caller compares with the body: XAmzContentSHA256Mismatch) or one of
 *   the STREAMING-* names, of which only the seed signature is verified
 *   here (auth->payload tells the chunk verifier to continue, from
 *   auth->signature); presigned without that header: UNSIGNED-PAYLOAD;
 * - errors are S3's codes and statuses; no message ever holds the expected
 *   signature, a secret or the session token.
 */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "cig.h"
#include "cig_sigv4_int.h"


#define CIG_SIGV4_ALGORITHM   "AWS4-HMAC-SHA256"
#define CIG_SIGV4A_ALGORITHM  "AWS4-ECDSA-P256-SHA256"
#define CIG_SIGV4_TERMINATOR  "aws4_request"

#define CIG_S3_NOT_SIGNED                                                     \
    "There were headers present in the request which were not signed"
#define CIG_S3_NO_MATCH                                                       \
    "The request signature we calculated does not match the signature you "   \
    "provided. Check your key and signing method."


static const struct {
    const char  *code;
    int          status;
} cig_s3_errors[] = {
    { "SignatureDoesNotMatch", 403 },
    { "InvalidAccessKeyId", 403 },
    { "RequestTimeTooSkewed", 403 },
    { "AccessDenied", 403 },
    { "ExpiredToken", 400 },
    { "InvalidToken", 400 },
    { "AuthorizationHeaderMalformed", 400 },
    { "AuthorizationQueryParametersError", 400 },
    { "MissingSecurityHeader", 400 },
    { "XAmzContentSHA256Mismatch", 400 },
    { "InvalidArgument", 400 },
    { "InvalidRequest", 400 },
    { NULL, 500 }
};


cig_code_t
cig_s3_error_set(cig_s3_error_t *e, const char *code, const char *fmt, ...)
{
    size_t   i;
    va_list  args;

    for (i = 0; cig_s3_errors[i].code; i++) {
        if (strcmp(cig_s3_errors[i].code, code) == 0) {
            break;
        }
    }

    e->code = cig_s3_errors[i].code ? cig_s3_errors[i].code : "InternalError";
    e->status = cig_s3_errors[i].status;
    e->region[0] = '\0';
    e->not_signed[0] = '\0';

    va_start(args, fmt);
    vsnprintf(e->message, sizeof(e->message), fmt, args);
    va_end(args);

    switch (e->status) {
    case 403:
        return CIG_ERR_FORBIDDEN;
    case 400:
        return CIG_ERR_BAD_REQUEST;
    default:
        return CIG_ERR_INTERNAL;
    }
}


/* Appends s escaped for XML text; 0 when it does not fit. */

static int
cig_s3_xml_put(char **p, char *end, const char *s, size_t len, int escape)
{
    size_t       i, n;
    const char  *r;
    char         one[2];

    for (i = 0; i < len; i++) {
        r = NULL;

        if (escape) {
            switch (s[i]) {
            case '<':
                r = "&lt;";
                break;
            case '>':
                r = "&gt;";
                break;
            case '&':
                r = "&amp;";
                break;
            case '"':
                r = "&quot;";
                break;
            case '\'':
                r = "&apos;";
                break;
            }

            if (r == NULL && ((unsigned char) s[i] < 0x20
                              || (unsigned char) s[i] >= 0x7f))
            {
                r = "?";
            }
        }

        if (r == NULL) {
            one[0] = s[i];
            one[1] = '\0';
            r = one;
        }

        n = strlen(r);

        if ((size_t) (end - *p) <= n) {
            return 0;
        }

        memcpy(*p, r, n);
        *p += n;
    }

    return 1;
}


#define cig_s3_xml_lit(p, end, lit)                                           \
    cig_s3_xml_put(p, end, lit, sizeof(lit) - 1, 0)


size_t
cig_s3_error_xml(const cig_s3_error_t *e, cig_str_t request_id, char *buf,
    size_t size)
{
    int          ok;
    char        *p, *end;
    const char  *code;

    if (size == 0) {
        return 0;
    }

    p = buf;
    end = buf + size;
    code = e->code ? e->code : "InternalError";

    ok = cig_s3_xml_lit(&p, end, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
                        "\n<Error><Code>")
         && cig_s3_xml_put(&p, end, code, strlen(code), 1)
         && cig_s3_xml_lit(&p, end, "</Code><Message>")
         && cig_s3_xml_put(&p, end, e->message,
                           strnlen(e->message, sizeof(e->message)), 1)
         && cig_s3_xml_lit(&p, end, "</Message>");

    if (ok && e->region[0]) {
        ok = cig_s3_xml_lit(&p, end, "<Region>")
             && cig_s3_xml_put(&p, end, e->region,
                               strnlen(e->region, sizeof(e->region)), 1)
             && cig_s3_xml_lit(&p, end, "</Region>");
    }

    if (ok && e->not_signed[0]) {
        ok = cig_s3_xml_lit(&p, end, "<HeadersNotSigned>")
             && cig_s3_xml_put(&p, end, e->not_signed,
                               strnlen(e->not_signed, sizeof(e->not_signed)),
                               1)
             && cig_s3_xml_lit(&p, end, "</HeadersNotSigned>");
    }

    ok = ok && cig_s3_xml_lit(&p, end, "<RequestId>")
         && cig_s3_xml_put(&p, end, request_id.data, request_id.len, 1)
         && cig_s3_xml_lit(&p, end, "</RequestId></Error>");

    if (!ok) {
        buf[0] = '\0';
        return 0;
    }

    *p = '\0';

    return (size_t) (p - buf);
}


static cig_code_t
cig_sigv4_malformed(cig_s3_error_t *e, cig_sigv4_form_t form,
    const char *what)
{
    if (form == CIG_SIGV4_FORM_PRESIGNED) {
        return cig_s3_error_set(e, "AuthorizationQueryParametersError",
                                "%s", what);
    }

    return cig_s3_error_set(e, "AuthorizationHeaderMalformed",
                            "The authorization header is malformed; %s",
                            what);
}


static cig_code_t
cig_sigv4_nomem_s3(cig_s3_error_t *e)
{
    return cig_s3_error_set(e, "InternalError", "out of memory");
}


static int
cig_sigv4_lower_hex(cig_str_t s, size_t len)
{
    size_t  i;

    if (s.len != len) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        if (!((s.data[i] >= '0' && s.data[i] <= '9')
              || (s.data[i] >= 'a' && s.data[i] <= 'f')))
        {
            return 0;
        }
    }

    return 1;
}


static int
cig_sigv4_digits(const char *s, size_t len, int64_t *out)
{
    size_t   i;
    int64_t  v;

    if (len == 0 || len > 12) {
        return 0;
    }

    for (i = 0, v = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return 0;
        }

        v = v * 10 + (s[i] - '0');
    }

    *out = v;

    return 1;
}


/* "YYYYMMDDTHHMMSSZ" to seconds since the epoch, strictly. */

static int
cig_sigv4_parse_date(cig_str_t s, int64_t *out)
{
    int64_t  y, mo, d, h, mi, sec, era, yoe, doy, doe;
    static const int  mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30,
                                  31 };

    if (s.len != CIG_SIGV4_DATE_LEN || s.data[8] != 'T' || s.data[15] != 'Z'
        || !cig_sigv4_digits(s.data, 4, &y)
        || !cig_sigv4_digits(s.data + 4, 2, &mo)
        || !cig_sigv4_digits(s.data + 6, 2, &d)
        || !cig_sigv4_digits(s.data + 9, 2, &h)
        || !cig_sigv4_digits(s.data + 11, 2, &mi)
        || !cig_sigv4_digits(s.data + 13, 2, &sec))
    {
        return 0;
    }

    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1]
        || h > 23 || mi > 59 || sec > 59)
    {
        return 0;
    }

    if (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
    {
        return 0;
    }

    /* days from the civil date (H. Hinnant's algorithm) */

    y -= (mo <= 2);
    era = y / 400;
    yoe = y - era * 400;
    doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

    *out = ((era * 146097 + doe - 719468) * 24 + h) * 3600 + mi * 60 + sec;

    return 1;
}


/*
 * An RFC 1123 Date, "Fri, 24 May 2013 00:00:00 GMT" exactly, to the
 * x-amz-date form in buf (CIG_SIGV4_DATE_LEN + 1 bytes); 0 if invalid.
 */

static int
cig_sigv4_http_date(cig_str_t s, char *buf)
{
    size_t       m;
    const char  *d;
    static const char  days[] = "MonTueWedThuFriSatSun";
    static const char  months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

    d = s.data;

    if (s.len != 29 || memcmp(d + 3, ", ", 2) != 0 || d[7] != ' '
        || d[11] != ' ' || d[16] != ' ' || d[19] != ':' || d[22] != ':'
        || memcmp(d + 25, " GMT", 4) != 0)
    {
        return 0;
    }

    for (m = 0; m < 7 && memcmp(days + 3 * m, d, 3) != 0; m++) {
        /* void */
    }

    if (m == 7) {
        return 0;
    }

    for (m = 0; m < 12 && memcmp(months + 3 * m, d + 8, 3) != 0; m++) {
        /* void */
    }

    if (m == 12) {
        return 0;
    }

    /* YYYYMMDDTHHMMSSZ; the digits are checked by cig_sigv4_parse_date */

    memcpy(buf, d + 12, 4);
    buf[4] = (char) ('0' + (m + 1) / 10);
    buf[5] = (char) ('0' + (m + 1) % 10);
    memcpy(buf + 6, d + 5, 2);
    buf[8] = 'T';
    memcpy(buf + 9, d + 17, 2);
    memcpy(buf + 11, d + 20, 2);
    memcpy(buf + 13, d + 23, 2);
    buf[15] = 'Z';
    buf[16] = '\0';

    return 1;
}


/* The one value of header `name` (lower case); 0: none; -1: repeated. */

static int
cig_sigv4_find_header(const cig_kv_t *headers, size_t n, const char *name,
    cig_str_t *value)
{
    int     found;
    size_t  i, len;

    len = strlen(name);
    found = 0;

    for (i = 0; i < n; i++) {
        if (headers[i].name.len == len
            && strncasecmp(headers[i].name.data, name, len) == 0)
        {
            if (found) {
                return -1;
            }

            *value = headers[i].value;
            found = 1;
        }
    }

    return found;
}


/* AKID/YYYYMMDD/REGION/SERVICE/aws4_request */

static cig_code_t
cig_sigv4_parse_credential(cig_str_t v, cig_sigv4_auth_t *out,
    cig_s3_error_t *e)
{
    size_t     i, n, start;
    int64_t    day;
    cig_str_t  part[5];

    for (i = 0, n = 0, start = 0; i <= v.len; i++) {
        if (i == v.len || v.data[i] == '/') {
            if (n == 5) {
                n++;
                break;
            }

            part[n].data = v.data + start;
            part[n].len = i - start;
            n++;
            start = i + 1;
        }
    }

    if (n != 5
        || !cig_sigv4_access_key_valid(part[0].data, part[0].len)
        || !cig_sigv4_digits(part[1].data, part[1].len, &day)
        || part[1].len != 8
        || !cig_sigv4_region_valid(part[2].data, part[2].len)
        || !cig_sigv4_region_valid(part[3].data, part[3].len)
        || !cig_str_is(part[4], CIG_SIGV4_TERMINATOR))
    {
        return cig_sigv4_malformed(e, out->form, "the Credential is "
                                   "mal-formed; expecting \"<YOUR-AKID>/"
                                   "YYYYMMDD/REGION/SERVICE/aws4_request\".");
    }

    out->access_key_id = part[0];
    memcpy(out->date8, part[1].data, 8);
    out->date8[8] = '\0';
    out->region = part[2];
    out->service = part[3];

    return CIG_OK;
}


/* lower-case token names, ';'-separated, strictly ascending */

static cig_code_t
cig_sigv4_parse_signed(cig_str_t v, cig_sigv4_auth_t *out, cig_s3_error_t *e)
{
    size_t     i, n, start;
    cig_str_t  name, prev;

    prev.data = NULL;
    prev.len = 0;

    for (i = 0, n = 0, start = 0; i <= v.len; i++) {
        if (i < v.len && v.data[i] != ';') {
            if (v.data[i] >= 'A' && v.data[i] <= 'Z') {
                goto bad;
            }

            continue;
        }

        name.data = v.data + start;
        name.len = i - start;
        start = i + 1;

        if (!cig_sigv4_is_token(name) || ++n > CIG_SIGV4_MAX_SIGNED) {
            goto bad;
        }

        if (prev.data) {
            int  rc;

            rc = memcmp(prev.data, name.data,
                        prev.len < name.len ? prev.len : name.len);

            if (rc > 0 || (rc == 0 && prev.len >= name.len)) {
                goto bad;
            }
        }

        prev = name;
    }

    out->signed_headers = v;

    return CIG_OK;

bad:

    return cig_sigv4_malformed(e, out->form, "SignedHeaders must be "
                               "lower-case header names, sorted, each once.");
}


static cig_code_t
cig_sigv4_parse_signature(cig_str_t v, cig_sigv4_auth_t *out,
    cig_s3_error_t *e)
{
    if (!cig_sigv4_lower_hex(v, 2 * CIG_SIGV4_KEY_LEN)) {
        return cig_sigv4_malformed(e, out->form, "the Signature must be 64 "
                                   "lower-case hexadecimal digits.");
    }

    memcpy(out->signature, v.data, v.len);
    out->signature[v.len] = '\0';

    return CIG_OK;
}


static cig_code_t
cig_sigv4_parse_time(cig_str_t v, cig_sigv4_auth_t *out, cig_s3_error_t *e)
{
    if (!cig_sigv4_parse_date(v, &out->time)) {
        if (out->form == CIG_SIGV4_FORM_PRESIGNED) {
            return cig_s3_error_set(e, "AuthorizationQueryParametersError",
                                    "X-Amz-Date must be in the ISO8601 Long "
                                    "Format \"yyyyMMdd'T'HHmmss'Z'\"");
        }

        return cig_s3_error_set(e, "AccessDenied", "AWS authentication "
                                "requires a valid x-amz-date header");
    }

    memcpy(out->amz_date, v.data, CIG_SIGV4_DATE_LEN);
    out->amz_date[CIG_SIGV4_DATE_LEN] = '\0';

    return CIG_OK;
}


/* x-amz-content-sha256 (absent: presigned UNSIGNED-PAYLOAD). */

static cig_code_t
cig_sigv4_parse_payload(const cig_kv_t *headers, size_t n,
    cig_sigv4_auth_t *out, cig_s3_error_t *e)
{
    int        rc;
    cig_str_t  v;

    rc = cig_sigv4_find_header(headers, n, "x-amz-content-sha256", &v);

    if (rc < 0) {
        return cig_s3_error_set(e, "InvalidArgument", "x-amz-content-sha256 "
                                "is given more than once");
    }

    if (rc == 0) {
        if (out->form == CIG_SIGV4_FORM_HEADER) {
            return cig_s3_error_set(e, "MissingSecurityHeader", "Your request "
                                    "is missing a required header: "
                                    "x-amz-content-sha256");
        }

        v.data = CIG_SIGV4_UNSIGNED_PAYLOAD;
        v.len = sizeof(CIG_SIGV4_UNSIGNED_PAYLOAD) - 1;
    }

    out->payload_hash = v;

    if (cig_str_is(v, CIG_SIGV4_UNSIGNED_PAYLOAD)) {
        out->payload = CIG_SIGV4_PAYLOAD_UNSIGNED;

    } else if (cig_sigv4_lower_hex(v, 64)) {
        out->payload = CIG_SIGV4_PAYLOAD_SHA256;

    } else if (cig_str_is(v, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD")) {
        out->payload = CIG_SIGV4_PAYLOAD_STREAMING;

    } else if (cig_str_is(v, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER")) {
        out->payload = CIG_SIGV4_PAYLOAD_STREAMING_TRAILER;

    } else if (cig_str_is(v, "STREAMING-UNSIGNED-PAYLOAD-TRAILER")) {
        out->payload = CIG_SIGV4_PAYLOAD_STREAMING_UNSIGNED_TRAILER;

    } else {
        return cig_s3_error_set(e, "InvalidArgument", "x-amz-content-sha256 "
                                "must be UNSIGNED-PAYLOAD, "
                                "STREAMING-AWS4-HMAC-SHA256-PAYLOAD(-TRAILER)"
                                ", STREAMING-UNSIGNED-PAYLOAD-TRAILER or a "
                                "valid sha256 value.");
    }

    return CIG_OK;
}


static void
cig_sigv4_auth_init(cig_sigv4_auth_t *out, cig_sigv4_form_t form)
{
    memset(out, 0, sizeof(cig_sigv4_auth_t));
    out->form = form;
}


cig_code_t
cig_sigv4_parse_header(cig_str_t authorization, const cig_kv_t *headers,
    size_t nheaders, const cig_allocator_t *a, cig_sigv4_auth_t *out,
    cig_s3_error_t *e)
{
    int          rc, seen;
    char         date[CIG_SIGV4_DATE_LEN + 1];
    size_t       i, start, end, eq;
    cig_str_t    name, v;
    cig_code_t   code;
    const char  *s;

    (void) a;

    cig_sigv4_auth_init(out, CIG_SIGV4_FORM_HEADER);

    s = authorization.data;

    for (i = 0; i < authorization.len && s[i] != ' '; i++) {
        /* void */
    }

    name.data = s;
    name.len = i;

    if (cig_str_is(name, CIG_SIGV4A_ALGORITHM)) {
        return cig_sigv4_malformed(e, out->form, "SigV4a ("
                                   CIG_SIGV4A_ALGORITHM ") is not supported.");
    }

    if (!cig_str_is(name, CIG_SIGV4_ALGORITHM)) {
        return cig_s3_error_set(e, "InvalidArgument", "Unsupported "
                                "Authorization Type");
    }

    /* components: NAME=VALUE separated by ',' and optional spaces */

    seen = 0;

    for (start = i; start < authorization.len; start = end + 1) {
        while (start < authorization.len && s[start] == ' ') {
            start++;
        }

        for (end = start; end < authorization.len && s[end] != ','; end++) {
            /* void */
        }

        for (eq = start; eq < end && s[eq] != '='; eq++) {
            /* void */
        }

        if (eq == end) {
            goto malformed;
        }

        name.data = s + start;
        name.len = eq - start;
        v.data = s + eq + 1;
        v.len = end - eq - 1;

        if (cig_str_is(name, "Credential") && !(seen & 1)) {
            seen |= 1;
            code = cig_sigv4_parse_credential(v, out, e);

        } else if (cig_str_is(name, "SignedHeaders") && !(seen & 2)) {
            seen |= 2;
            code = cig_sigv4_parse_signed(v, out, e);

        } else if (cig_str_is(name, "Signature") && !(seen & 4)) {
            seen |= 4;
            code = cig_sigv4_parse_signature(v, out, e);

        } else {
            goto malformed;
        }

        if (code != CIG_OK) {
            return code;
        }

        if (end == authorization.len) {
            break;
        }
    }

    if (seen != 7 || i == authorization.len || authorization.len == 0
        || s[authorization.len - 1] == ',')
    {
        goto malformed;
    }

    rc = cig_sigv4_find_header(headers, nheaders, "x-amz-date", &v);

    if (rc < 0) {
        return cig_s3_error_set(e, "AccessDenied", "x-amz-date is given more "
                                "than once");
    }

    if (rc == 0) {
        /* S3 takes a Date header instead, which must then be signed */

        rc = cig_sigv4_find_header(headers, nheaders, "date", &v);

        if (rc != 1 || !cig_sigv4_http_date(v, date)) {
            return cig_s3_error_set(e, "AccessDenied", "AWS authentication "
                                    "requires a valid Date or x-amz-date "
                                    "header");
        }

        v.data = date;
        v.len = CIG_SIGV4_DATE_LEN;
        out->date_header = 1;
    }

    code = cig_sigv4_parse_time(v, out, e);
    if (code != CIG_OK) {
        return code;
    }

    rc = cig_sigv4_find_header(headers, nheaders, "x-amz-security-token",
                               &out->security_token);

    if (rc < 0) {
        return cig_s3_error_set(e, "InvalidToken", "x-amz-security-token is "
                                "given more than once");
    }

    if (rc == 1 && out->security_token.len == 0) {
        return cig_s3_error_set(e, "InvalidToken", "The provided token is "
                                "malformed or otherwise invalid.");
    }

    return cig_sigv4_parse_payload(headers, nheaders, out, e);

malformed:

    return cig_sigv4_malformed(e, out->form, "expecting \""
                               CIG_SIGV4_ALGORITHM " Credential=..., "
                               "SignedHeaders=..., Signature=...\".");
}


/* The presigned URL's parameters, decoded. */

enum {
    CIG_SIGV4_Q_ALGORITHM = 0,
    CIG_SIGV4_Q_CREDENTIAL,
    CIG_SIGV4_Q_DATE,
    CIG_SIGV4_Q_EXPIRES,
    CIG_SIGV4_Q_SIGNED_HEADERS,
    CIG_SIGV4_Q_SIGNATURE,
    CIG_SIGV4_Q_SECURITY_TOKEN,
    CIG_SIGV4_Q_N
};

static const char  *cig_sigv4_q_names[CIG_SIGV4_Q_N] = {
    "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
    "X-Amz-SignedHeaders", "X-Amz-Signature", "X-Amz-Security-Token"
};


/* Decodes a query name or value into the allocator; 0: invalid; -1: no
 * memory. */

static int
cig_sigv4_query_decode(const cig_allocator_t *a, const char *s, size_t len,
    cig_str_t *out)
{
    char  *buf;

    buf = cig_sigv4_alloc(a, len);
    if (buf == NULL) {
        return -1;
    }

    if (!cig_sigv4_decode(s, len, buf, &out->len)) {
        return 0;
    }

    out->data = buf;

    return 1;
}


cig_code_t
cig_sigv4_parse_presigned(cig_str_t query, const cig_kv_t *headers,
    size_t nheaders, const cig_allocator_t *a, cig_sigv4_auth_t *out,
    cig_s3_error_t *e)
{
    int          rc, k;
    size_t       start, end, eq;
    cig_str_t    name, v, p[CIG_SIGV4_Q_N];
    cig_code_t   code;
    const char  *q;

    cig_sigv4_auth_init(out, CIG_SIGV4_FORM_PRESIGNED);
    memset(p, 0, sizeof(p));

    q = query.data;

    for (start = 0; start < query.len; start = end + 1) {
        for (end = start; end < query.len && q[end] != '&'; end++) {
            /* void */
        }

        for (eq = start; eq < end && q[eq] != '='; eq++) {
            /* void */
        }

        rc = cig_sigv4_query_decode(a, q + start, eq - start, &name);

        if (rc == 1) {
            for (k = 0; k < CIG_SIGV4_Q_N; k++) {
                if (name.len == strlen(cig_sigv4_q_names[k])
                    && memcmp(name.data, cig_sigv4_q_names[k], name.len) == 0)
                {
                    break;
                }
            }

            if (k == CIG_SIGV4_Q_N) {
                continue;
            }

            if (p[k].data) {
                return cig_s3_error_set(e,
                                        "AuthorizationQueryParametersError",
                                        "%s is given more than once",
                                        cig_sigv4_q_names[k]);
            }

            rc = cig_sigv4_query_decode(a, q + eq + (eq < end),
                                        end - eq - (eq < end), &p[k]);
        }

        if (rc < 0) {
            return cig_sigv4_nomem_s3(e);
        }

        if (rc == 0) {
            return cig_s3_error_set(e, "AuthorizationQueryParametersError",
                                    "invalid percent-encoding in the query");
        }
    }

    if (p[CIG_SIGV4_Q_ALGORITHM].data
        && cig_str_is(p[CIG_SIGV4_Q_ALGORITHM], CIG_SIGV4A_ALGORITHM))
    {
        return cig_sigv4_malformed(e, out->form, "SigV4a ("
                                   CIG_SIGV4A_ALGORITHM ") is not supported.");
    }

    for (k = 0; k < CIG_SIGV4_Q_SECURITY_TOKEN; k++) {
        if (p[k].data == NULL) {
            return cig_sigv4_malformed(e, out->form, "Query-string "
                                       "authentication version 4 requires "
                                       "the X-Amz-Algorithm, X-Amz-Credential"
                                       ", X-Amz-Signature, X-Amz-Date, "
                                       "X-Amz-SignedHeaders, and "
                                       "X-Amz-Expires parameters.");
        }
    }

    if (!cig_str_is(p[CIG_SIGV4_Q_ALGORITHM], CIG_SIGV4_ALGORITHM)) {
        return cig_sigv4_malformed(e, out->form, "X-Amz-Algorithm only "
                                   "supports \"" CIG_SIGV4_ALGORITHM "\"");
    }

    code = cig_sigv4_parse_credential(p[CIG_SIGV4_Q_CREDENTIAL], out, e);
    if (code != CIG_OK) {
        return code;
    }

    code = cig_sigv4_parse_signed(p[CIG_SIGV4_Q_SIGNED_HEADERS], out, e);
    if (code != CIG_OK) {
        return code;
    }

    code = cig_sigv4_parse_signature(p[CIG_SIGV4_Q_SIGNATURE], out, e);
    if (code != CIG_OK) {
        return code;
    }

    code = cig_sigv4_parse_time(p[CIG_SIGV4_Q_DATE], out, e);
    if (code != CIG_OK) {
        return code;
    }

    v = p[CIG_SIGV4_Q_EXPIRES];

    if (!cig_sigv4_digits(v.data, v.len, &out->expires)
        || out->expires < 1 || out->expires > CIG_SIGV4_MAX_EXPIRES)
    {
        out->expires = 0;
        return cig_sigv4_malformed(e, out->form, "X-Amz-Expires must be a "
                                   "number of seconds from 1 to 604800 (a "
                                   "week)");
    }

    if (p[CIG_SIGV4_Q_SECURITY_TOKEN].data) {
        if (p[CIG_SIGV4_Q_SECURITY_TOKEN].len == 0) {
            return cig_s3_error_set(e, "InvalidToken", "The provided token "
                                    "is malformed or otherwise invalid.");
        }

        out->security_token = p[CIG_SIGV4_Q_SECURITY_TOKEN];
    }

    return cig_sigv4_parse_payload(headers, nheaders, out, e);
}


cig_code_t
cig_sigv4_parse(cig_str_t authorization, cig_str_t query,
    const cig_kv_t *headers, size_t nheaders, const cig_allocator_t *a,
    cig_sigv4_auth_t *out, cig_s3_error_t *e)
{
    int          rc, presigned;
    size_t       start, end, eq;
    cig_str_t    name;
    const char  *q;

    memset(out, 0, sizeof(cig_sigv4_auth_t));

    q = query.data;
    presigned = 0;

    for (start = 0; start < query.len; start = end + 1) {
        for (end = start; end < query.len && q[end] != '&'; end++) {
            /* void */
        }

        for (eq = start; eq < end && q[eq] != '='; eq++) {
            /* void */
        }

        rc = cig_sigv4_query_decode(a, q + start, eq - start, &name);

        if (rc < 0) {
            return cig_sigv4_nomem_s3(e);
        }

        if (rc == 0) {
            /* an invalid name is no auth parameter, but fail closed */
            return cig_s3_error_set(e, "InvalidArgument", "invalid "
                                    "percent-encoding in the query");
        }

        if (cig_str_is(name, "X-Amz-Algorithm")
            || cig_str_is(name, "X-Amz-Credential")
            || cig_str_is(name, "X-Amz-Signature"))
        {
            presigned = 1;
        }
    }

    if (presigned && authorization.data) {
        return cig_s3_error_set(e, "InvalidArgument", "Only one auth "
                                "mechanism allowed; only the X-Amz-Algorithm "
                                "query parameter, Signature query string "
                                "parameter or the Authorization header "
                                "should be specified");
    }

    if (presigned) {
        return cig_sigv4_parse_presigned(query, headers, nheaders, a, out, e);
    }

    if (authorization.data) {
        return cig_sigv4_parse_header(authorization, headers, nheaders, a,
                                      out, e);
    }

    return CIG_OK;
}


/* The raw query without its X-Amz-Signature pieces. */

static cig_code_t
cig_sigv4_query_unsigned(const cig_allocator_t *a, cig_str_t query,
    cig_str_t *out, cig_s3_error_t *e)
{
    int          rc;
    char        *buf;
    size_t       start, end, eq, n;
    cig_str_t    name;
    const char  *q;

    buf = cig_sigv4_alloc(a, query.len);
    if (buf == NULL) {
        return cig_sigv4_nomem_s3(e);
    }

    q = query.data;
    n = 0;

    for (start = 0; start < query.len; start = end + 1) {
        for (end = start; end < query.len && q[end] != '&'; end++) {
            /* void */
        }

        for (eq = start; eq < end && q[eq] != '='; eq++) {
            /* void */
        }

        rc = cig_sigv4_query_decode(a, q + start, eq - start, &name);

        if (rc < 0) {
            return cig_sigv4_nomem_s3(e);
        }

        if (rc == 0) {
            return cig_s3_error_set(e, "AuthorizationQueryParametersError",
                                    "invalid percent-encoding in the query");
        }

        if (cig_str_is(name, "X-Amz-Signature")) {
            continue;
        }

        if (n > 0) {
            buf[n++] = '&';
        }

        memcpy(buf + n, q + start, end - start);
        n += end - start;
    }

    out->data = buf;
    out->len = n;

    return CIG_OK;
}


static int
cig_sigv4_x_amz(cig_str_t name)
{
    return name.len >= 6 && strncasecmp(name.data, "x-amz-", 6) == 0;
}


/* Is the lower-case name in the signed list? */

static int
cig_sigv4_is_signed(cig_str_t list, const char *name, size_t len)
{
    size_t  i, start;

    for (i = 0, start = 0; i <= list.len; i++) {
        if (i == list.len || list.data[i] == ';') {
            if (i - start == len
                && strncasecmp(list.data + start, name, len) == 0)
            {
                return 1;
            }

            start = i + 1;
        }
    }

    return 0;
}


/* "name:value\n" of each signed header, in the signed order. */

static cig_code_t
cig_sigv4_signed_headers(const cig_sigv4_auth_t *auth,
    const cig_sigv4_received_t *req, const cig_allocator_t *a,
    cig_str_t *out, cig_s3_error_t *e)
{
    int         rc;
    char       *p, lname[CIG_SIGV4_MAX_NAME + 1];
    size_t      i, n, start, len;
    cig_str_t   v, names[CIG_SIGV4_MAX_SIGNED], values[CIG_SIGV4_MAX_SIGNED];
    cig_err_t   err;
    cig_code_t  code;

    len = 0;
    n = 0;

    for (i = 0, start = 0; i <= auth->signed_headers.len; i++) {
        if (i < auth->signed_headers.len
            && auth->signed_headers.data[i] != ';')
        {
            continue;
        }

        if (n == CIG_SIGV4_MAX_SIGNED) {
            return cig_sigv4_malformed(e, auth->form, "too many "
                                       "SignedHeaders.");
        }

        names[n].data = auth->signed_headers.data + start;
        names[n].len = i - start;
        start = i + 1;

        if (cig_str_is(names[n], "host")) {
            v = req->host;
            rc = (v.len > 0);

        } else if (names[n].len > CIG_SIGV4_MAX_NAME) {
            rc = 0;

        } else {
            memcpy(lname, names[n].data, names[n].len);
            lname[names[n].len] = '\0';
            rc = cig_sigv4_find_header(req->headers, req->nheaders, lname,
                                       &v);
        }

        if (rc < 0) {
            return cig_s3_error_set(e, "SignatureDoesNotMatch", "%s (the "
                                    "signed header \"%.*s\" is given more "
                                    "than once)", CIG_S3_NO_MATCH,
                                    (int) (names[n].len > 64
                                           ? 64 : names[n].len),
                                    names[n].data);
        }

        if (rc == 0) {
            return cig_s3_error_set(e, "SignatureDoesNotMatch", "%s (the "
                                    "signed header \"%.*s\" is missing)",
                                    CIG_S3_NO_MATCH,
                                    (int) (names[n].len > 64
                                           ? 64 : names[n].len),
                                    names[n].data);
        }

        code = cig_sigv4_trim(a, v, &values[n], &err);

        if (code == CIG_ERR_INTERNAL) {
            return cig_sigv4_nomem_s3(e);
        }

        if (code != CIG_OK) {
            return cig_s3_error_set(e, "SignatureDoesNotMatch", "%s (a signed "
                                    "header value holds a control "
                                    "character)", CIG_S3_NO_MATCH);
        }

        len += names[n].len + 1 + values[n].len + 1;
        n++;
    }

    p = cig_sigv4_alloc(a, len);
    if (p == NULL) {
        return cig_sigv4_nomem_s3(e);
    }

    out->data = p;
    out->len = len;

    for (i = 0; i < n; i++) {
        memcpy(p, names[i].data, names[i].len);
        p += names[i].len;
        *p++ = ':';
        memcpy(p, values[i].data, values[i].len);
        p += values[i].len;
        *p++ = '\n';
    }

    return CIG_OK;
}


/* The name S3 gives as HeadersNotSigned, lower case. */

static void
cig_sigv4_not_signed(cig_s3_error_t *e, const char *name, size_t len)
{
    size_t  i;

    if (len >= sizeof(e->not_signed)) {
        len = sizeof(e->not_signed) - 1;
    }

    for (i = 0; i < len; i++) {
        e->not_signed[i] = (name[i] >= 'A' && name[i] <= 'Z')
                           ? (char) (name[i] - 'A' + 'a') : name[i];
    }

    e->not_signed[len] = '\0';
}


/* The scope, the clock and the signed header list. */

static cig_code_t
cig_sigv4_check(const cig_sigv4_auth_t *auth, const cig_sigv4_received_t *req,
    int64_t now, cig_s3_error_t *e)
{
    size_t       i;
    cig_code_t   code;
    const char  *must;

    if (req->access_key_id.len
        && !cig_ct_equal(auth->access_key_id.data, auth->access_key_id.len,
                         req->access_key_id.data, req->access_key_id.len))
    {
        return cig_s3_error_set(e, "InvalidAccessKeyId", "The AWS Access Key "
                                "Id you provided does not exist in our "
                                "records.");
    }

    if (auth->region.len != req->region.len
        || memcmp(auth->region.data, req->region.data, req->region.len) != 0)
    {
        if (auth->form == CIG_SIGV4_FORM_PRESIGNED) {
            code = cig_s3_error_set(e, "AuthorizationQueryParametersError",
                                    "Error parsing the X-Amz-Credential "
                                    "parameter; the region '%.*s' is wrong; "
                                    "expecting '%.*s'",
                                    (int) auth->region.len, auth->region.data,
                                    (int) req->region.len, req->region.data);
        } else {
            code = cig_s3_error_set(e, "AuthorizationHeaderMalformed",
                                    "The authorization header is malformed; "
                                    "the region '%.*s' is wrong; expecting "
                                    "'%.*s'",
                                    (int) auth->region.len, auth->region.data,
                                    (int) req->region.len, req->region.data);
        }

        if (req->region.len < sizeof(e->region)) {
            memcpy(e->region, req->region.data, req->region.len);
            e->region[req->region.len] = '\0';
        }

        return code;
    }

    if (auth->service.len != req->service.len
        || memcmp(auth->service.data, req->service.data, req->service.len)
           != 0)
    {
        return cig_sigv4_malformed(e, auth->form, "the service in the "
                                   "credential scope is wrong.");
    }

    if (memcmp(auth->date8, auth->amz_date, 8) != 0) {
        return cig_sigv4_malformed(e, auth->form, "Invalid credential date. "
                                   "Date is not the same as X-Amz-Date.");
    }

    if (auth->form == CIG_SIGV4_FORM_HEADER) {
        if (auth->time > now + CIG_SIGV4_MAX_SKEW
            || auth->time < now - CIG_SIGV4_MAX_SKEW)
        {
            return cig_s3_error_set(e, "RequestTimeTooSkewed", "The "
                                    "difference between the request time and "
                                    "the current time is too large.");
        }

    } else {
        if (auth->time > now + CIG_SIGV4_MAX_SKEW) {
            return cig_s3_error_set(e, "AccessDenied", "Request is not valid "
                                    "yet");
        }

        if (now > auth->time + auth->expires) {
            return cig_s3_error_set(e, "AccessDenied", "Request has expired");
        }
    }

    must = NULL;

    if (!cig_sigv4_is_signed(auth->signed_headers, "host", 4)) {
        must = "host";

    } else if (auth->form == CIG_SIGV4_FORM_HEADER
               && !cig_sigv4_is_signed(auth->signed_headers,
                                       "x-amz-content-sha256", 20))
    {
        must = "x-amz-content-sha256";

    } else if (auth->date_header
               && !cig_sigv4_is_signed(auth->signed_headers, "date", 4))
    {
        must = "date";
    }

    if (must) {
        code = cig_s3_error_set(e, "AccessDenied", CIG_S3_NOT_SIGNED);
        cig_sigv4_not_signed(e, must, strlen(must));
        return code;
    }

    for (i = 0; i < req->nheaders; i++) {
        if (cig_sigv4_x_amz(req->headers[i].name)
            && !cig_sigv4_is_signed(auth->signed_headers,
                                    req->headers[i].name.data,
                                    req->headers[i].name.len))
        {
            code = cig_s3_error_set(e, "AccessDenied", CIG_S3_NOT_SIGNED);
            cig_sigv4_not_signed(e, req->headers[i].name.data,
                                 req->headers[i].name.len);
            return code;
        }
    }

    return CIG_OK;
}


cig_code_t
cig_sigv4_verify(const cig_sigv4_auth_t *auth, const cig_sigv4_received_t *req,
    const unsigned char *key, int64_t now, const cig_allocator_t *a,
    cig_s3_error_t *e)
{
    int                   ok;
    char                  sig[2 * CIG_SIGV4_KEY_LEN];
    cig_err_t             err;
    cig_str_t             path, query, headers, sts, canonical;
    cig_code_t            code;
    cig_sigv4_request_t   r;

    headers.data = NULL;
    headers.len = 0;

    code = cig_sigv4_check(auth, req, now, e);
    if (code != CIG_OK) {
        return code;
    }

    if (!cig_sigv4_is_token(req->method)) {
        return cig_s3_error_set(e, "SignatureDoesNotMatch", "%s (an invalid "
                                "method)", CIG_S3_NO_MATCH);
    }

    memset(&r, 0, sizeof(cig_sigv4_request_t));
    r.path = req->path;
    r.query = req->query;

    if (auth->form == CIG_SIGV4_FORM_PRESIGNED) {
        code = cig_sigv4_query_unsigned(a, req->query, &r.query, e);
        if (code != CIG_OK) {
            return code;
        }
    }

    if (cig_sigv4_canonical_path(&r, &path, &err) != CIG_OK) {
        return cig_s3_error_set(e, "SignatureDoesNotMatch", "%s (the path "
                                "cannot be signed)", CIG_S3_NO_MATCH);
    }

    code = cig_sigv4_canonical_query(&r, a, &query, &err);

    if (code == CIG_ERR_INTERNAL) {
        return cig_sigv4_nomem_s3(e);
    }

    if (code != CIG_OK) {
        return cig_s3_error_set(e, "SignatureDoesNotMatch", "%s (invalid "
                                "percent-encoding in the query)",
                                CIG_S3_NO_MATCH);
    }

    code = cig_sigv4_signed_headers(auth, req, a, &headers, e);
    if (code != CIG_OK) {
        return code;
    }

    if (!cig_sigv4_canonical_request(a, req->method, path, query, headers,
                                     auth->signed_headers, auth->payload_hash,
                                     &canonical))
    {
        return cig_sigv4_nomem_s3(e);
    }

    code = cig_sigv4_signature(canonical, auth->amz_date, auth->region,
                               auth->service, key, a, &sts, sig, &err);
    if (code != CIG_OK) {
        return cig_s3_error_set(e, "InternalError", "cannot compute the "
                                "signature");
    }

    ok = cig_ct_equal(sig, sizeof(sig), auth->signature,
                      2 * CIG_SIGV4_KEY_LEN);

    OPENSSL_cleanse(sig, sizeof(sig));

    if (!ok) {
        return cig_s3_error_set(e, "SignatureDoesNotMatch", CIG_S3_NO_MATCH);
    }

    return CIG_OK;
}
