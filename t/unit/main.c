/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests of the cognito-identity-gateway core, printing TAP.
 *
 * Build from the repository root as one binary, with the command below
 * (in line comments: its "core/" glob would trip -Wcomment here); add
 * -fsanitize=address,undefined -fno-omit-frame-pointer for a sanitizer
 * build: everything is freed, so leak detection may stay on.
 *
 * Run:  build/unit/cig-unit [REPO_ROOT]   (REPO_ROOT defaults to "." and is
 * where t/keys/ is found), or through prove: t/unit/core.t execs it.
 */

// mkdir -p build/unit
// cc -std=gnu11 -Wall -Wextra -Werror -g -O1 -Icore/include -Icore -o build/unit/cig-unit core/*.c t/unit/*.c -lcrypto -lm

#define TAP_IMPLEMENTATION
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


const char  *unit_root = ".";


const char *
unit_key_path(char *buf, size_t size, const char *name)
{
    int  n;

    n = snprintf(buf, size, "%s/t/keys/%s", unit_root, name);

    if (n < 0 || (size_t) n >= size) {
        fprintf(stderr, "Bail out! path too long: %s/t/keys/%s\n", unit_root,
                name);
        printf("Bail out! path too long\n");
        exit(255);
    }

    return buf;
}


int
main(int argc, char **argv)
{
    char  path[4096];
    FILE *f;

    if (argc > 2) {
        fprintf(stderr, "usage: %s [REPO_ROOT]\n", argv[0]);
        return 2;
    }

    if (argc == 2) {
        unit_root = argv[1];
    }

    f = fopen(unit_key_path(path, sizeof(path), "jwks-k1.json"), "rb");
    if (f == NULL) {
        printf("Bail out! cannot open %s (give the repository root as the "
               "first argument)\n", path);
        return 255;
    }
    fclose(f);

    test_b64();
    test_json();
    test_ids();
    test_jwks();
    test_token();
    test_roles();
    test_policy();
    test_sigv4();
    test_sigv4_verify();
    test_creds();
    test_frozen();
    test_target();
    test_s3_delete();
    test_issue();

    return tap_done();
}
