#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""Signs the requests of t/sigv4/corpus.json with botocore's S3 SigV4 signer.

The independent half of t/sigv4/botocore.t: Debian's python3-botocore
(S3SigV4Auth, its add_auth() with the clock fixed), fed each request as a
client sent it.  The path goes in as sent: S3 signs it as it is, and so does
botocore's S3 signer.  A query may be encoded in several ways that a store
reads as the same parameters, and botocore signs a URL's query as it finds
it, so the query is handed over as the parameters it means (decoded with
Python's urllib, '+' as a space), which botocore encodes and sorts itself.

Output: one line per case, tab-separated: name, x-amz-date, Authorization,
canonical request (with \\, newline and tab escaped).
"""

import datetime
import json
import sys
import types
from urllib.parse import unquote_plus

import botocore.auth
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


class FixedClock:
    """Stands in for the datetime module inside botocore.auth."""

    def __init__(self, when):
        outer = self

        class _DateTime(datetime.datetime):
            @classmethod
            def utcnow(cls):
                return outer.when

        self.when = when
        self.datetime = _DateTime


class CapturingSigner(S3SigV4Auth):
    captured = None

    def canonical_request(self, request):
        cr = super().canonical_request(request)
        self.captured = cr
        return cr


def escape(s):
    return s.replace('\\', '\\\\').replace('\n', '\\n').replace('\t', '\\t')


def query_params(query):
    params = []
    for piece in query.split('&'):
        if piece == '':
            continue
        name, _, value = piece.partition('=')
        params.append((unquote_plus(name), unquote_plus(value)))
    return params


def sign(case, clock):
    url = 'http://' + case['host'] + case['path']
    params = query_params(case.get('query', ''))

    request = AWSRequest(method=case['method'], url=url,
                         data=case['body'].encode('utf-8')
                         if 'body' in case else None,
                         params=params)
    request.headers['Host'] = case['host']
    for name, value in case.get('headers', []):
        request.headers[name] = value        # appends: repeats are kept

    if 'body' not in case:
        request.context['client_config'] = types.SimpleNamespace(
            s3={'payload_signing_enabled': False})

    clock.when = datetime.datetime.utcfromtimestamp(case['time'])

    creds = Credentials(case['access_key_id'], case['secret'],
                        case.get('token'))
    signer = CapturingSigner(creds, case['service'], case['region'])
    signer.add_auth(request)

    return (request.headers['X-Amz-Date'], request.headers['Authorization'],
            signer.captured)


def main():
    corpus = json.load(open(sys.argv[1], encoding='utf-8'))
    clock = FixedClock(None)
    botocore.auth.datetime = clock

    for c in corpus['cases']:
        case = dict(corpus['defaults'])
        case.update(c)
        date, auth, canonical = sign(case, clock)
        print('\t'.join([escape(case['name']), date, auth, escape(canonical)]))


if __name__ == '__main__':
    main()
