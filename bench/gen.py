#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""Generates the benchmark's inputs into a work directory (bench/work/).

Usage: gen.py WORKDIR [--tokens N] [--pools N] [--force]

Everything is made once and kept: tokens are signed with t/keys/k1.pem
(kid "test-1", RS512, the claims Cognito puts in an OpenID token) and are
valid for a year, so later runs reuse them; gen.py re-mints only when the
parameters change or the tokens expire within a day.  Written:

  token.txt         one valid token (identity ID below)
  bad-sig.txt       that token with one signature character changed
  malformed.txt     that token with a '+' in the payload part (not base64url)
  unknown-kid.txt   a token signed by the same key under kid "test-9"
  tokens.txt        N valid tokens, each with its own identity id (sub)
  policy-100.json   an IAM policy of 100 statements; only the last allows
                    s3:GetObject on mybucket/${sub}/*
  pools.conf        an nginx include: N pools and one roles file per pool
  pools/*.json      those roles files (get-identity-pool-roles format)
  meta.json         the parameters, to decide whether to re-mint

Signing uses python3-cryptography on every CPU (an RSA-2048 signature costs
about 0.7 ms, so 100,000 tokens take a minute on two cores).
"""
import argparse
import base64
import json
import multiprocessing
import os
import sys
import time

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KEY = os.path.join(ROOT, "t", "keys", "k1.pem")
ISS = "https://cognito-identity.amazonaws.com"
POOL = "eu-west-1:b45b9729-c269-4ef2-86f1-0df3e40fe92d"
ID = "eu-west-1:6a0e1b6f-1c2d-4e5f-8a9b-0c1d2e3f4a5b"
PROVIDER = "cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEfGhI"
ROLE = "arn:aws:iam::123456789012:role/BenchUser"
LIFETIME = 365 * 86400
VERSION = 1

_key = None


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def identity(i):
    """The i-th distinct identity id (REGION:UUID, lower-case, v4 layout)."""
    return "eu-west-1:%08x-%04x-4%03x-8%03x-%012x" % (
        0x5e000000 + i, i & 0xffff, (i >> 4) & 0xfff, (i >> 8) & 0xfff,
        0xb0b000000000 + i)


def claims(sub, iat):
    return json.dumps({
        "sub": sub,
        "aud": POOL,
        "amr": ["authenticated", PROVIDER,
                PROVIDER + ":CognitoSignIn:0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"],
        "iss": ISS,
        "exp": iat + LIFETIME,
        "iat": iat,
    }, separators=(",", ":"))


def mint(header, payload):
    global _key
    if _key is None:
        with open(KEY, "rb") as f:
            _key = serialization.load_pem_private_key(f.read(), None)
    signing = b64url(header.encode()) + "." + b64url(payload.encode())
    sig = _key.sign(signing.encode("ascii"), padding.PKCS1v15(),
                    hashes.SHA512())
    return signing + "." + b64url(sig)


HEADER = json.dumps({"kid": "test-1", "typ": "JWS", "alg": "RS512"},
                    separators=(",", ":"))


def mint_range(args):
    start, end, iat = args
    return [mint(HEADER, claims(identity(i), iat)) for i in range(start, end)]


def policy_100():
    """99 statements that do not allow the benchmark's request, in the shapes
    real policies have (most name s3:GetObject, so their resources and
    conditions are evaluated), then the one that allows it."""
    sub = "${cognito-identity.amazonaws.com:sub}"
    st = []
    for i in range(99):
        k = i % 5
        if k == 0:
            st.append({"Sid": "OtherBucket%d" % i, "Effect": "Allow",
                       "Action": ["s3:GetObject", "s3:PutObject"],
                       "Resource": "arn:aws:s3:::bucket-%d/%s/*" % (i, sub)})
        elif k == 1:
            st.append({"Sid": "List%d" % i, "Effect": "Allow",
                       "Action": "s3:ListBucket",
                       "Resource": "arn:aws:s3:::bucket-%d" % i,
                       "Condition": {"StringLike": {
                           "s3:prefix": ["%s/*" % sub, "shared-%d/*" % i]}}})
        elif k == 2:
            st.append({"Sid": "Shared%d" % i, "Effect": "Allow",
                       "Action": "s3:GetObject",
                       "Resource": "arn:aws:s3:::mybucket/shared-%d/*" % i,
                       "Condition": {"IpAddress": {
                           "aws:SourceIp": "10.%d.0.0/16" % i}}})
        elif k == 3:
            st.append({"Sid": "Team%d" % i, "Effect": "Allow",
                       "Action": "s3:Get*",
                       "Resource": "arn:aws:s3:::team-%d/%s/*" % (i, sub),
                       "Condition": {"StringEquals": {
                           "aws:PrincipalTag/team": "team-%d" % i}}})
        else:
            st.append({"Sid": "NoDelete%d" % i, "Effect": "Deny",
                       "Action": ["s3:DeleteObject", "s3:PutObjectAcl"],
                       "Resource": "arn:aws:s3:::mybucket/%s/locked-%d/*"
                                   % (sub, i)})
    st.append({"Sid": "OwnObjects", "Effect": "Allow",
               "Action": ["s3:GetObject", "s3:PutObject"],
               "Resource": "arn:aws:s3:::mybucket/%s/*" % sub})
    return {"Version": "2012-10-17", "Statement": st}


def pool_id(i):
    return "eu-west-1:%08x-0000-4000-8000-%012x" % (0x0d000000 + i, i)


def write(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("work")
    ap.add_argument("--tokens", type=int, default=100000)
    ap.add_argument("--pools", type=int, default=1000)
    ap.add_argument("--force", action="store_true")
    a = ap.parse_args()

    os.makedirs(os.path.join(a.work, "pools"), exist_ok=True)
    meta_path = os.path.join(a.work, "meta.json")
    want = {"version": VERSION, "tokens": a.tokens, "pools": a.pools}
    now = int(time.time())

    try:
        with open(meta_path) as f:
            meta = json.load(f)
    except (OSError, ValueError):
        meta = {}

    fresh = (not a.force
             and all(meta.get(k) == v for k, v in want.items())
             and meta.get("exp", 0) > now + 86400
             and all(os.path.exists(os.path.join(a.work, n)) for n in
                     ("token.txt", "bad-sig.txt", "malformed.txt",
                      "unknown-kid.txt", "tokens.txt", "policy-100.json",
                      "pools.conf")))
    if fresh:
        print("gen.py: inputs in %s are current (minted %s)"
              % (a.work, time.strftime("%Y-%m-%d", time.gmtime(meta["iat"]))))
        return

    t0 = time.time()

    good = mint(HEADER, claims(ID, now))
    write(os.path.join(a.work, "token.txt"), good + "\n")

    h, p, s = good.split(".")
    i = len(s) // 2
    bad = s[:i] + ("B" if s[i] != "B" else "C") + s[i + 1:]
    write(os.path.join(a.work, "bad-sig.txt"), "%s.%s.%s\n" % (h, p, bad))
    write(os.path.join(a.work, "malformed.txt"),
          "%s.%s+%s.%s\n" % (h, p[:-8], p[-7:], s))
    hdr9 = json.dumps({"kid": "test-9", "typ": "JWS", "alg": "RS512"},
                      separators=(",", ":"))
    write(os.path.join(a.work, "unknown-kid.txt"),
          mint(hdr9, claims(ID, now)) + "\n")

    write(os.path.join(a.work, "policy-100.json"),
          json.dumps(policy_100(), indent=1) + "\n")

    lines = ["# %d identity pools, one role attachment each (gen.py)" % a.pools,
             "cognito_identity_pool"]
    pools = [pool_id(i) for i in range(a.pools - 1)] + [POOL]
    for pid in pools:
        lines.append("    %s" % pid)
    lines[-1] += ";"
    for n, pid in enumerate(pools):
        path = os.path.join(a.work, "pools", "roles-%04d.json" % n)
        write(path, json.dumps({"IdentityPoolId": pid,
                                "Roles": {"authenticated": ROLE}}) + "\n")
        lines.append("cognito_identity_roles %s;" % os.path.abspath(path))
    write(os.path.join(a.work, "pools.conf"), "\n".join(lines) + "\n")

    # the distinct tokens, on every CPU
    n = a.tokens
    cpus = max(1, os.cpu_count() or 1)
    step = 2000
    chunks = [(s0, min(n, s0 + step), now) for s0 in range(0, n, step)]
    with multiprocessing.Pool(cpus) as pool:
        with open(os.path.join(a.work, "tokens.txt.tmp"), "w") as f:
            for toks in pool.imap(mint_range, chunks):
                f.write("\n".join(toks) + "\n")
    os.replace(os.path.join(a.work, "tokens.txt.tmp"),
               os.path.join(a.work, "tokens.txt"))

    meta = dict(want, iat=now, exp=now + LIFETIME)
    write(meta_path, json.dumps(meta) + "\n")
    print("gen.py: minted %d tokens into %s in %.0f s"
          % (n + 2, a.work, time.time() - t0))


if __name__ == "__main__":
    sys.exit(main())
