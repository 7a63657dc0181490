#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""s3chunk - a signer of S3 SigV4 requests, signed aws-chunked uploads too.

botocore never sends signed chunks (STREAMING-AWS4-HMAC-SHA256-PAYLOAD and
its -TRAILER form); this signer does, so that tests can send them.  It is
written from AWS's S3 API reference ("Signature Calculations for the
Authorization Header: Transferring Payload in Multiple Chunks" and "...
Including Trailing Headers") and checked against the worked examples of
those pages by t/tools/s3store.t.  Python 3 standard library only.

  s3chunk.py aws-example [--trailer]
      prints, as JSON, the seed, chunk and trailer signatures this signer
      computes for AWS's worked example (65 KiB of 'a', 64 KiB chunks)
  s3chunk.py aws-example --raw [--trailer] [--tamper WHAT]
      writes the example's whole HTTP request (path-style, Host
      s3.amazonaws.com) to stdout; WHAT is seed, chunk1, chunk2, final,
      data, trailer-value, trailer-signature or decoded-length
  s3chunk.py put URL FILE [--chunk-size N] [--trailer crc32|crc32c|sha1|sha256]
                 [--unsigned-trailer] [--tamper WHAT] [--region R]
                 [--connect ADDRESS] [--payload sha256|unsigned]
                 [--date YYYYMMDDTHHMMSSZ] [--unsigned-header NAME:VALUE]
      signs and sends a PUT of FILE to URL (http or https, path-style or
      virtual-hosted) with the credentials of S3CHUNK_ACCESS_KEY,
      S3CHUNK_SECRET_KEY and S3CHUNK_SESSION_TOKEN (optional); prints the
      status line and the response body.  --connect: the address to
      connect to instead of URL's host (a virtual-hosted name);
      --payload: one body signed by its SHA-256 or UNSIGNED-PAYLOAD
      instead of chunks; --unsigned-header: added after signing
  s3chunk.py presign URL [--expires N] [--date YYYYMMDDTHHMMSSZ]
      prints a presigned GET URL (same credentials); --date back-dates it

No normalisation: the path and query are signed as given (already
URI-encoded), which is what S3 verifies.
"""

import base64
import hashlib
import hmac
import json
import os
import ssl
import sys
import time
import urllib.parse
import zlib

EMPTY_SHA256 = hashlib.sha256(b'').hexdigest()
ALGORITHM = 'AWS4-HMAC-SHA256'
STREAMING = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD'
STREAMING_TRAILER = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER'
UNSIGNED_TRAILER = 'STREAMING-UNSIGNED-PAYLOAD-TRAILER'

UNRESERVED = frozenset(b'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
                       b'0123456789-_.~')


def uri_encode(s):
    """RFC 3986 encoding as SigV4 wants it: every byte but A-Za-z0-9-_.~."""
    if isinstance(s, str):
        s = s.encode('utf-8')
    return ''.join(chr(c) if c in UNRESERVED else '%%%02X' % c for c in s)


def hmac_sha256(key, msg):
    return hmac.new(key, msg.encode('utf-8') if isinstance(msg, str) else msg,
                    hashlib.sha256).digest()


def signing_key(secret, date, region, service='s3'):
    k = hmac_sha256(('AWS4' + secret).encode('utf-8'), date)
    k = hmac_sha256(k, region)
    k = hmac_sha256(k, service)
    return hmac_sha256(k, 'aws4_request')


def canonical_query(raw_query):
    """Sorted name=value pairs, each decoded and re-encoded."""
    pairs = []
    for part in raw_query.split('&') if raw_query else []:
        name, _, value = part.partition('=')
        pairs.append((uri_encode(urllib.parse.unquote(name)),
                      uri_encode(urllib.parse.unquote(value))))
    pairs.sort()
    return '&'.join('%s=%s' % p for p in pairs)


def canonical_header_value(v):
    return ' '.join(v.strip().split())


def sign_headers(method, path, raw_query, headers, payload_hash, key_id,
                 secret, amz_date, region, token=None):
    """Adds x-amz-date, x-amz-content-sha256, the token and Authorization
    to headers (a dict of lower-case names); signs every header given.
    Returns (seed signature, signing key, scope)."""
    headers['x-amz-date'] = amz_date
    headers['x-amz-content-sha256'] = payload_hash
    if token is not None:
        headers['x-amz-security-token'] = token
    names = sorted(headers)
    creq = '\n'.join([
        method, path, canonical_query(raw_query),
        ''.join('%s:%s\n' % (n, canonical_header_value(headers[n]))
                for n in names),
        ';'.join(names), payload_hash])
    scope = '%s/%s/s3/aws4_request' % (amz_date[:8], region)
    sts = '\n'.join([ALGORITHM, amz_date, scope,
                     hashlib.sha256(creq.encode('utf-8')).hexdigest()])
    key = signing_key(secret, amz_date[:8], region)
    sig = hmac.new(key, sts.encode('utf-8'), hashlib.sha256).hexdigest()
    headers['authorization'] = (
        '%s Credential=%s/%s,SignedHeaders=%s,Signature=%s'
        % (ALGORITHM, key_id, scope, ';'.join(names), sig))
    return sig, key, scope


def chunk_signature(key, amz_date, scope, previous, data):
    sts = '\n'.join(['AWS4-HMAC-SHA256-PAYLOAD', amz_date, scope, previous,
                     EMPTY_SHA256, hashlib.sha256(data).hexdigest()])
    return hmac.new(key, sts.encode('utf-8'), hashlib.sha256).hexdigest()


def trailer_signature(key, amz_date, scope, previous, trailers):
    """trailers: list of (lower-case name, value), in the order sent."""
    canon = ''.join('%s:%s\n' % (n, v) for n, v in sorted(trailers))
    sts = '\n'.join(['AWS4-HMAC-SHA256-TRAILER', amz_date, scope, previous,
                     hashlib.sha256(canon.encode('utf-8')).hexdigest()])
    return hmac.new(key, sts.encode('utf-8'), hashlib.sha256).hexdigest()


def crc32c(data, crc=0):
    table = _crc32c_table()
    crc ^= 0xffffffff
    for b in data:
        crc = table[(crc ^ b) & 0xff] ^ (crc >> 8)
    return crc ^ 0xffffffff


_CRC32C = []


def _crc32c_table():
    if not _CRC32C:
        for i in range(256):
            c = i
            for _ in range(8):
                c = (c >> 1) ^ 0x82f63b78 if c & 1 else c >> 1
            _CRC32C.append(c)
    return _CRC32C


def checksum(algorithm, data):
    """base64 of the checksum S3 names x-amz-checksum-ALGORITHM."""
    if algorithm == 'crc32':
        raw = (zlib.crc32(data) & 0xffffffff).to_bytes(4, 'big')
    elif algorithm == 'crc32c':
        raw = crc32c(data).to_bytes(4, 'big')
    elif algorithm in ('sha1', 'sha256'):
        raw = hashlib.new(algorithm, data).digest()
    else:
        raise ValueError('unknown checksum algorithm ' + algorithm)
    return base64.b64encode(raw).decode('ascii')


def flip(sig):
    """The same signature with its first hex digit changed."""
    return ('0' if sig[0] != '0' else '1') + sig[1:]


def chunked_body(data, chunk_size, seed, key, amz_date, scope, mode,
                 trailer_algorithm=None, tamper=None):
    """The aws-chunked body and the list of signatures (chunks, then the
    trailer's).  mode: STREAMING, STREAMING_TRAILER or UNSIGNED_TRAILER."""
    signed = mode != UNSIGNED_TRAILER
    pieces = [data[i:i + chunk_size] for i in range(0, len(data), chunk_size)]
    pieces.append(b'')
    out = []
    sigs = []
    prev = seed
    for n, piece in enumerate(pieces, 1):
        sig = chunk_signature(key, amz_date, scope, prev, piece) if signed \
            else None
        prev = sig
        sent_sig, sent = sig, piece
        last = n == len(pieces)
        if tamper == 'chunk%d' % n or (tamper == 'final' and last):
            sent_sig = flip(sig)
        if tamper == 'data' and n == 1 and piece:
            sent = b'b' + piece[1:]
        sigs.append(sig)
        head = '%x' % len(piece)
        if signed:
            head += ';chunk-signature=' + sent_sig
        out.append(head.encode('ascii') + b'\r\n' + sent)
        if not (last and mode != STREAMING):
            out.append(b'\r\n')
    if mode != STREAMING:
        name = 'x-amz-checksum-' + trailer_algorithm
        value = checksum(trailer_algorithm, data)
        if tamper == 'trailer-value':
            value = checksum(trailer_algorithm, data + b'x')
        out.append(('%s:%s\r\n' % (name, value)).encode('ascii'))
        if signed:
            tsig = trailer_signature(key, amz_date, scope, prev,
                                     [(name, checksum(trailer_algorithm,
                                                      data))])
            sigs.append(tsig)
            if tamper == 'trailer-signature':
                tsig = flip(tsig)
            out.append(('x-amz-trailer-signature:%s\r\n' % tsig)
                       .encode('ascii'))
        out.append(b'\r\n')
    return b''.join(out), sigs


# AWS's worked example: the request of the S3 API reference pages.
EXAMPLE_KEY_ID = 'AKIAIOSFODNN7EXAMPLE'
EXAMPLE_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'
EXAMPLE_DATE = '20130524T000000Z'


def aws_example(trailer, tamper=None):
    data = b'a' * (65 * 1024)
    mode = STREAMING_TRAILER if trailer else STREAMING
    headers = {'host': 's3.amazonaws.com',
               'x-amz-storage-class': 'REDUCED_REDUNDANCY',
               'content-encoding': 'aws-chunked',
               'x-amz-decoded-content-length': str(len(data))}
    if trailer:
        headers['x-amz-trailer'] = 'x-amz-checksum-crc32c'
        length = 66946
    else:
        headers['content-length'] = '66824'     # signed, as in the example
        length = 66824
    seed, key, scope = sign_headers('PUT', '/examplebucket/chunkObject.txt',
                                    '', headers, mode, EXAMPLE_KEY_ID,
                                    EXAMPLE_SECRET, EXAMPLE_DATE, 'us-east-1')
    body, sigs = chunked_body(data, 64 * 1024, seed, key, EXAMPLE_DATE, scope,
                              mode, 'crc32c', tamper)
    if len(body) != length:
        raise SystemExit('encoded length %d, the example says %d'
                         % (len(body), length))
    headers['content-length'] = str(length)
    if tamper == 'seed':
        headers['authorization'] = headers['authorization'][:-64] + flip(seed)
    if tamper == 'decoded-length':
        headers['x-amz-decoded-content-length'] = str(len(data) - 1)
    return seed, sigs, headers, body


def raw_request(method, target, headers, body):
    lines = ['%s %s HTTP/1.1' % (method, target)]
    lines += ['%s: %s' % (n, v) for n, v in headers.items()]
    lines.append('Connection: close')
    return ('\r\n'.join(lines) + '\r\n\r\n').encode('utf-8') + body


def option(args, name, default=None):
    if name in args:
        i = args.index(name)
        value = args[i + 1]
        del args[i:i + 2]
        return value
    return default


def put(args):
    import http.client
    chunk_size = int(option(args, '--chunk-size', '65536'))
    algorithm = option(args, '--trailer')
    region = option(args, '--region', 'us-east-1')
    tamper = option(args, '--tamper')
    connect = option(args, '--connect')
    payload = option(args, '--payload')
    amz_date = option(args, '--date') or \
        time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())
    extra = option(args, '--unsigned-header')
    unsigned = '--unsigned-trailer' in args
    if unsigned:
        args.remove('--unsigned-trailer')
        algorithm = algorithm or 'crc32'
    url, path = args
    with open(path, 'rb') as f:
        data = f.read()
    u = urllib.parse.urlsplit(url)
    headers = {'host': u.netloc}
    if payload in ('sha256', 'unsigned'):
        mode = hashlib.sha256(data).hexdigest() if payload == 'sha256' \
            else 'UNSIGNED-PAYLOAD'
    else:
        mode = UNSIGNED_TRAILER if unsigned else \
            STREAMING_TRAILER if algorithm else STREAMING
        headers.update({'content-encoding': 'aws-chunked',
                        'x-amz-decoded-content-length': str(len(data))})
        if algorithm:
            headers['x-amz-trailer'] = 'x-amz-checksum-' + algorithm
    seed, key, scope = sign_headers(
        'PUT', u.path, u.query, headers, mode,
        os.environ['S3CHUNK_ACCESS_KEY'], os.environ['S3CHUNK_SECRET_KEY'],
        amz_date, region,
        os.environ.get('S3CHUNK_SESSION_TOKEN'))
    if payload:
        body = data
        if tamper == 'data':
            body = b'b' + data[1:]
    else:
        body, _ = chunked_body(data, chunk_size, seed, key, amz_date, scope,
                               mode, algorithm, tamper)
    if tamper == 'seed':
        headers['authorization'] = headers['authorization'][:-64] + flip(seed)
    if extra:
        name, _, value = extra.partition(':')
        headers[name] = value
    headers['content-length'] = str(len(body))
    if u.scheme == 'https':
        conn = http.client.HTTPSConnection(
            connect or u.hostname, u.port,
            context=ssl._create_unverified_context())
    else:
        conn = http.client.HTTPConnection(connect or u.hostname, u.port)
    conn.putrequest('PUT', u.path + ('?' + u.query if u.query else ''),
                    skip_host=True, skip_accept_encoding=True)
    for n, v in headers.items():
        conn.putheader(n, v)
    conn.endheaders(body)
    resp = conn.getresponse()
    print(resp.status, resp.reason)
    sys.stdout.write(resp.read().decode('utf-8', 'replace') + '\n')
    return 0 if resp.status == 200 else 1


def presign(args):
    """A presigned GET URL; --date back-dates it (an expired URL)."""
    expires = option(args, '--expires', '3600')
    region = option(args, '--region', 'us-east-1')
    amz_date = option(args, '--date') or \
        time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())
    url, = args
    u = urllib.parse.urlsplit(url)
    key_id = os.environ['S3CHUNK_ACCESS_KEY']
    scope = '%s/%s/s3/aws4_request' % (amz_date[:8], region)
    params = [('X-Amz-Algorithm', ALGORITHM),
              ('X-Amz-Credential', '%s/%s' % (key_id, scope)),
              ('X-Amz-Date', amz_date), ('X-Amz-Expires', expires),
              ('X-Amz-SignedHeaders', 'host')]
    token = os.environ.get('S3CHUNK_SESSION_TOKEN')
    if token is not None:
        params.append(('X-Amz-Security-Token', token))
    query = '&'.join('%s=%s' % (uri_encode(n), uri_encode(v))
                     for n, v in params)
    if u.query:
        query = u.query + '&' + query
    creq = '\n'.join(['GET', u.path, canonical_query(query),
                      'host:%s\n' % u.netloc, 'host', 'UNSIGNED-PAYLOAD'])
    sts = '\n'.join([ALGORITHM, amz_date, scope,
                     hashlib.sha256(creq.encode('utf-8')).hexdigest()])
    key = signing_key(os.environ['S3CHUNK_SECRET_KEY'], amz_date[:8], region)
    sig = hmac.new(key, sts.encode('utf-8'), hashlib.sha256).hexdigest()
    print('%s://%s%s?%s&X-Amz-Signature=%s'
          % (u.scheme, u.netloc, u.path, query, sig))
    return 0


def main(argv):
    args = list(argv[1:])
    if not args:
        sys.stderr.write(__doc__)
        return 2
    cmd = args.pop(0)
    if cmd == 'aws-example':
        trailer = '--trailer' in args
        tamper = option(args, '--tamper')
        seed, sigs, headers, body = aws_example(trailer, tamper)
        if '--raw' in args:
            sys.stdout.buffer.write(raw_request(
                'PUT', '/examplebucket/chunkObject.txt', headers, body))
        else:
            out = {'seed': seed, 'chunks': sigs[:3]}
            if trailer:
                out['trailer'] = sigs[3]
                out['crc32c'] = checksum('crc32c', b'a' * (65 * 1024))
            print(json.dumps(out))
        return 0
    if cmd == 'put':
        return put(args)
    if cmd == 'presign':
        return presign(args)
    sys.stderr.write(__doc__)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv))
