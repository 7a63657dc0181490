# SPDX-License-Identifier: BSD-2-Clause
"""Loaded by moto_server in t/nginx/80-s3-sign.t (PYTHONPATH=t/lib/moto).

moto checks a request's SigV4 signature (with botocore's S3 signer) against
werkzeug's request.url, which werkzeug rebuilds from the decoded path and
query with its own quoting: "%3A" and "%2F" come back as ":" and "/".  A
request signed the way AWS's SDKs sign it (RFC 3986 encoding, as S3
verifies it) then fails with SignatureDoesNotMatch whenever its path or
query holds an encoded reserved character, as every listing by an identity
prefix ("us-east-1:...%2F") does.  This makes moto verify the request target
as the client sent it (werkzeug's RAW_URI), which is what S3 signs; the
signature itself is still computed and compared by moto and botocore.
"""

import sys

try:
    from moto.core import authorization, responses
except ImportError:           # not the moto interpreter: nothing to fix
    authorization = None

if authorization is not None:
    _setup_class = responses.BaseResponse.setup_class
    _authenticate = \
        authorization.ActionAuthenticatorMixin._authenticate_and_authorize_action

    def setup_class(self, request, full_url, headers, *args, **kwargs):
        environ = getattr(request, 'environ', None) or {}
        self._cig_raw_uri = environ.get('RAW_URI')
        return _setup_class(self, request, full_url, headers, *args, **kwargs)

    def authenticate(self, iam_request_cls, *args, **kwargs):
        raw = getattr(self, '_cig_raw_uri', None)
        if not raw:
            return _authenticate(self, iam_request_cls, *args, **kwargs)
        uri = self.uri
        self.uri = 'http://raw-uri' + raw
        try:
            return _authenticate(self, iam_request_cls, *args, **kwargs)
        finally:
            self.uri = uri

    responses.BaseResponse.setup_class = setup_class
    authorization.ActionAuthenticatorMixin._authenticate_and_authorize_action = \
        authenticate
    sys.stderr.write('cig: moto verifies the request target as sent\n')
