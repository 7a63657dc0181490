#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
# Prints the botocore-signed requests of t/unit/test_sigv4_verify.c (kept
# there as fixed vectors): python3-botocore's S3SigV4Auth and
# S3SigV4QueryAuth at a fixed clock, with a session token.
import datetime
from unittest import mock

import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

CREDS = Credentials('ASIAEXAMPLEVERIFY001', 'verifySecretKey/EXAMPLE+KEY0123456789ab',
                    'IQoJb3JpZ2luX2VjEXAMPLE/TOKEN+value==')
NOW = datetime.datetime(2026, 12, 8, 1, 2, 3)

def show(name, req):
    print('/* %s */' % name)
    print('method', req.method)
    print('url', req.url)
    for k, v in req.headers.items():
        print('header %s: %s' % (k, v.decode() if isinstance(v, bytes) else v))
    print()

with mock.patch('botocore.auth.datetime') as dt:
    dt.datetime.utcnow.return_value = NOW
    dt.datetime.now.return_value = NOW.replace(tzinfo=datetime.timezone.utc)
    dt.timezone = datetime.timezone

    r = AWSRequest('GET', 'https://bucket.s3.eu-west-1.amazonaws.com:8443/'
                   'home/a%20b/%C3%A9t%C3%A9.txt?list-type=2&prefix=a%2Fb&max-keys=5',
                   headers={'Range': 'bytes=0-9', 'X-Amz-Request-Payer': 'requester'})
    botocore.auth.S3SigV4Auth(CREDS, 's3', 'eu-west-1').add_auth(r)
    show('GET, query, token, Range, port', r)

    r = AWSRequest('PUT', 'https://bucket.s3.eu-west-1.amazonaws.com/photos/x.jpg',
                   data=b'hello', headers={'Content-Type': 'image/jpeg',
                                           'x-amz-meta-owner': '  a   b  ',
                                           'x-amz-tagging': 'k=v'})
    botocore.auth.S3SigV4Auth(CREDS, 's3', 'eu-west-1').add_auth(r)
    show('PUT with a body hash, metadata, tagging', r)

    r = AWSRequest('GET', 'https://bucket.s3.eu-west-1.amazonaws.com/docs/report.pdf'
                   '?versionId=3%2F4', headers={})
    botocore.auth.S3SigV4QueryAuth(CREDS, 's3', 'eu-west-1', expires=3600).add_auth(r)
    show('presigned GET with a token', r)
