/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tap.h - a tiny Test Anything Protocol helper for the core's unit tests.
 *
 * One translation unit (main.c) defines TAP_IMPLEMENTATION before including
 * this header; every other file only includes it.  Results go to stdout as
 * "ok N - name" / "not ok N - name", diagnostics as "# ..." lines on stderr
 * (like Test::More), and tap_done() prints the plan "1..N" at the end and
 * returns the exit status: 0 when everything passed, else the number of
 * failures (at most 254).
 */

#ifndef CIG_TAP_H
#define CIG_TAP_H

#include <stddef.h>

#if defined(__GNUC__)
#define TAP_PRINTF(f, a)  __attribute__((format(printf, f, a)))
#else
#define TAP_PRINTF(f, a)
#endif

/* Records one result; returns cond (so callers can add diagnostics). */
int tap_ok(int cond, const char *fmt, ...) TAP_PRINTF(2, 3);

/* "ok N - name # SKIP reason": a test that cannot run here. */
void tap_skip(const char *reason, const char *fmt, ...) TAP_PRINTF(2, 3);

/* "# ..." on stderr (failure details) or stdout (notes). */
void tap_diag(const char *fmt, ...) TAP_PRINTF(1, 2);
void tap_note(const char *fmt, ...) TAP_PRINTF(1, 2);

/* Comparisons that explain themselves on failure. */
int tap_is_int(long long got, long long want, const char *fmt, ...)
    TAP_PRINTF(3, 4);
int tap_is_mem(const void *got, size_t got_len, const void *want,
    size_t want_len, const char *fmt, ...) TAP_PRINTF(5, 6);
int tap_is_str(const char *got, const char *want, const char *fmt, ...)
    TAP_PRINTF(3, 4);
/* got (NUL-terminated, may be NULL) contains want */
int tap_like(const char *got, const char *want, const char *fmt, ...)
    TAP_PRINTF(3, 4);

/* Prints the plan; returns the process exit status. */
int tap_done(void);

unsigned tap_failed(void);


#ifdef TAP_IMPLEMENTATION

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static unsigned  tap_n;
static unsigned  tap_nfailed;


static int
tap_vresult(int cond, const char *fmt, va_list args)
{
    char  name[512];

    vsnprintf(name, sizeof(name), fmt, args);

    /* '#' would start a directive in the description */
    for (char *p = name; *p; p++) {
        if (*p == '#' || *p == '\n' || *p == '\r') {
            *p = '_';
        }
    }

    tap_n++;

    if (!cond) {
        tap_nfailed++;
    }

    printf("%sok %u - %s\n", cond ? "" : "not ", tap_n, name);
    fflush(stdout);

    return cond;
}


int
tap_ok(int cond, const char *fmt, ...)
{
    va_list  args;

    va_start(args, fmt);
    cond = tap_vresult(cond != 0, fmt, args);
    va_end(args);

    return cond;
}


void
tap_skip(const char *reason, const char *fmt, ...)
{
    va_list  args;
    char     name[512];

    va_start(args, fmt);
    vsnprintf(name, sizeof(name), fmt, args);
    va_end(args);

    for (char *p = name; *p; p++) {
        if (*p == '#' || *p == '\n' || *p == '\r') {
            *p = '_';
        }
    }

    tap_n++;
    printf("ok %u - %s # SKIP %s\n", tap_n, name, reason);
    fflush(stdout);
}


static void
tap_vline(FILE *f, const char *fmt, va_list args)
{
    char   buf[1024];
    char  *line, *nl;

    vsnprintf(buf, sizeof(buf), fmt, args);

    fflush(stdout);

    for (line = buf; ; line = nl + 1) {
        nl = strchr(line, '\n');
        if (nl) {
            *nl = '\0';
        }
        fprintf(f, "# %s\n", line);
        if (nl == NULL) {
            break;
        }
    }

    fflush(f);
}


void
tap_diag(const char *fmt, ...)
{
    va_list  args;

    va_start(args, fmt);
    tap_vline(stderr, fmt, args);
    va_end(args);
}


void
tap_note(const char *fmt, ...)
{
    va_list  args;

    va_start(args, fmt);
    tap_vline(stdout, fmt, args);
    va_end(args);
}


int
tap_is_int(long long got, long long want, const char *fmt, ...)
{
    va_list  args;
    int      cond;

    va_start(args, fmt);
    cond = tap_vresult(got == want, fmt, args);
    va_end(args);

    if (!cond) {
        tap_diag("     got: %lld\n expected: %lld", got, want);
    }

    return cond;
}


static void
tap_dump(const char *label, const void *p, size_t len)
{
    const unsigned char  *s = p;
    char                  buf[300];
    size_t                i, n;

    if (p == NULL) {
        tap_diag("%s: NULL", label);
        return;
    }

    n = 0;
    for (i = 0; i < len && n + 8 < sizeof(buf); i++) {
        if (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '\\') {
            buf[n++] = (char) s[i];
        } else {
            n += (size_t) snprintf(buf + n, sizeof(buf) - n, "\\x%02x", s[i]);
        }
    }
    buf[n] = '\0';

    tap_diag("%s: \"%s\"%s (%zu bytes)", label, buf, i < len ? "..." : "",
             len);
}


int
tap_is_mem(const void *got, size_t got_len, const void *want,
    size_t want_len, const char *fmt, ...)
{
    va_list  args;
    int      cond;

    cond = got != NULL && got_len == want_len
           && (want_len == 0 || memcmp(got, want, want_len) == 0);

    va_start(args, fmt);
    cond = tap_vresult(cond, fmt, args);
    va_end(args);

    if (!cond) {
        tap_dump("     got", got, got_len);
        tap_dump("expected", want, want_len);
    }

    return cond;
}


int
tap_is_str(const char *got, const char *want, const char *fmt, ...)
{
    va_list  args;
    int      cond;

    cond = got != NULL && strcmp(got, want) == 0;

    va_start(args, fmt);
    cond = tap_vresult(cond, fmt, args);
    va_end(args);

    if (!cond) {
        tap_diag("     got: %s%s%s\n expected: \"%s\"", got ? "\"" : "",
                 got ? got : "NULL", got ? "\"" : "", want);
    }

    return cond;
}


int
tap_like(const char *got, const char *want, const char *fmt, ...)
{
    va_list  args;
    int      cond;

    cond = got != NULL && strstr(got, want) != NULL;

    va_start(args, fmt);
    cond = tap_vresult(cond, fmt, args);
    va_end(args);

    if (!cond) {
        tap_diag("           got: %s%s%s\n expected to contain: \"%s\"",
                 got ? "\"" : "", got ? got : "NULL", got ? "\"" : "", want);
    }

    return cond;
}


unsigned
tap_failed(void)
{
    return tap_nfailed;
}


int
tap_done(void)
{
    printf("1..%u\n", tap_n);
    fflush(stdout);

    if (tap_nfailed) {
        tap_diag("Looks like you failed %u test%s of %u.", tap_nfailed,
                 tap_nfailed == 1 ? "" : "s", tap_n);
    }

    return tap_nfailed > 254 ? 254 : (int) tap_nfailed;
}

#endif /* TAP_IMPLEMENTATION */

#endif /* CIG_TAP_H */
