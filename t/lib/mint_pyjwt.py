#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""Independent JWS minter built on python3-jwt (PyJWT).

Usage: mint_pyjwt.py --key KEY.pem --header 'JSON' --payload 'JSON' [--alg ALG]

The algorithm comes from the header's "alg" (or --alg, which signs with ALG
while leaving the header as given). The payload string is encoded
byte-for-byte. The header is re-serialised by PyJWT (compact, keys sorted)
but contains exactly the given members: PyJWT's default "typ":"JWT" is
dropped when the header has no "typ". Where PyJWT cannot represent the header
exactly (falsy "typ", non-string "kid", a "b64" member, non-string or missing
"alg", --alg override), the token is assembled by hand with the same
signing primitives. Prints the token and a newline; errors exit 2.
"""
import argparse
import base64
import json
import sys

import jwt
from jwt.api_jws import PyJWS


def b64url(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def die(msg: str) -> None:
    sys.stderr.write("mint_pyjwt.py: %s\n" % msg)
    sys.exit(2)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--key", required=True)
    ap.add_argument("--header", required=True)
    ap.add_argument("--payload", required=True)
    ap.add_argument("--alg", help="signing algorithm overriding the header's alg")
    args = ap.parse_args()

    try:
        header = json.loads(args.header)
    except ValueError as e:
        die("header is not JSON: %s" % e)
    if not isinstance(header, dict):
        die("header must be a JSON object")

    alg = args.alg or header.get("alg")
    if not isinstance(alg, str) or not alg:
        die('no string "alg" in the header; use --alg')

    try:
        with open(args.key, "rb") as f:
            key = f.read()
    except OSError as e:
        die("cannot read key: %s" % e)

    payload = args.payload.encode("utf-8")

    simple = (
        args.alg is None
        and "b64" not in header
        and ("typ" not in header or (isinstance(header["typ"], str) and header["typ"]))
        and ("kid" not in header or isinstance(header["kid"], str))
    )

    try:
        if simple:
            headers = dict(header)
            if "typ" not in headers:
                headers["typ"] = None  # PyJWT deletes a falsy typ
            token = PyJWS().encode(payload, key, algorithm=alg, headers=headers)
        else:
            algo = PyJWS().get_algorithm_by_name(alg)
            signing_key = algo.prepare_key(key)
            hdr = json.dumps(header, separators=(",", ":"), sort_keys=True).encode()
            signing_input = b64url(hdr) + b"." + b64url(payload)
            sig = algo.sign(signing_input, signing_key)
            token = (signing_input + b"." + b64url(sig)).decode()
    except (NotImplementedError, jwt.exceptions.PyJWTError, ValueError, TypeError) as e:
        die("signing failed: %s" % e)

    # Sanity check: the emitted header has exactly the given members.
    got = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    if got != header:
        die("internal error: header mismatch %r != %r" % (got, header))
    print(token)


if __name__ == "__main__":
    main()
