#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""s3store - a small S3 stand-in on loopback that verifies SigV4 itself.

Python 3 standard library only (python3 is a Debian package), so that the
quick start and the tests have a store that speaks S3 without PyPI.  It
keeps objects in a directory and verifies every request's signature
independently of the gateway and of botocore: the header form and the
presigned form, the payload hash against the body, every chunk signature
of STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER], the trailer signature, and
the trailing checksum of STREAMING-UNSIGNED-PAYLOAD-TRAILER.

  s3store.py --port PORT --root DIR [--access-key ID] [--secret KEY]
             [--token TOKEN] [--region us-east-1] [--log FILE]
             [--vhost-domain localhost] [--clock 20130524T000000Z]
             [--tls-cert PEM --tls-key PEM] [--bucket NAME]... [--pid FILE]

Credentials may come from S3STORE_ACCESS_KEY, S3STORE_SECRET_KEY and
S3STORE_SESSION_TOKEN instead (better than the command line, which other
users can read).  One access key id is accepted.  Buckets are directories
of DIR; --bucket creates one at start.  A request whose Host is
BUCKET.<vhost-domain> (any port) is virtual-hosted, any other is
path-style.  --clock fixes the time the signature checks use (for AWS's
worked examples, dated 2013).  The log gets one line a request: method,
target (signature and session token masked), status, S3 error code, and
the form of authentication and payload (header:STREAMING-..., presigned:
UNSIGNED-PAYLOAD, header:sha256...).

Operations: ListBuckets, CreateBucket, HeadBucket, DeleteBucket,
GetBucketLocation, ListObjects (V1 and V2: prefix, delimiter, max-keys,
marker, continuation-token, start-after, encoding-type=url), PutObject
(Content-MD5 and x-amz-checksum-* checked), GetObject (Range), HeadObject,
DeleteObject, DeleteObjects, CopyObject, CreateMultipartUpload, UploadPart,
CompleteMultipartUpload, AbortMultipartUpload, ListParts.  Not versioning,
ACLs, tagging, conditional requests or POST forms.
"""

import base64
import binascii
import calendar
import hashlib
import hmac
import http.server
import json
import os
import re
import shutil
import socketserver
import ssl
import sys
import threading
import time
import urllib.parse
import uuid
import xml.etree.ElementTree as ET
import zlib
from xml.sax.saxutils import escape

EMPTY_SHA256 = hashlib.sha256(b'').hexdigest()
ALGORITHM = 'AWS4-HMAC-SHA256'
STREAMING = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD'
STREAMING_TRAILER = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER'
UNSIGNED_TRAILER = 'STREAMING-UNSIGNED-PAYLOAD-TRAILER'
UNSIGNED = 'UNSIGNED-PAYLOAD'
NS = 'http://s3.amazonaws.com/doc/2006-03-01/'
MAX_SKEW = 15 * 60
MAX_BODY = 1 << 30
MAX_CHUNK_LINE = 4096
MIN_PART = 5 * 1024 * 1024
CHECKSUMS = ('crc32', 'crc32c', 'sha1', 'sha256')
BUCKET_RE = re.compile(r'^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$')
UNRESERVED = frozenset(b'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
                       b'0123456789-_.~')

STATUS = {
    'AccessDenied': 403, 'AuthorizationHeaderMalformed': 400,
    'AuthorizationQueryParametersError': 400, 'BadDigest': 400,
    'BucketAlreadyOwnedByYou': 409, 'BucketNotEmpty': 409,
    'EntityTooLarge': 400, 'EntityTooSmall': 400, 'ExpiredToken': 400,
    'IncompleteBody': 400, 'InvalidAccessKeyId': 403, 'InvalidArgument': 400,
    'InvalidBucketName': 400, 'InvalidDigest': 400, 'InvalidPart': 400,
    'InvalidPartOrder': 400, 'InvalidRange': 416, 'InvalidRequest': 400,
    'InvalidToken': 400, 'KeyTooLongError': 400,
    'MalformedTrailerError': 400, 'MalformedXML': 400,
    'MethodNotAllowed': 405, 'MissingContentLength': 411,
    'NoSuchBucket': 404, 'NoSuchKey': 404, 'NoSuchUpload': 404,
    'NotImplemented': 501, 'RequestTimeTooSkewed': 403,
    'SignatureDoesNotMatch': 403, 'XAmzContentSHA256Mismatch': 400,
}


class S3Error(Exception):
    def __init__(self, code, message, **extra):
        Exception.__init__(self, message)
        self.code = code
        self.message = message
        self.extra = extra


def uri_encode(s):
    if isinstance(s, str):
        s = s.encode('utf-8')
    return ''.join(chr(c) if c in UNRESERVED else '%%%02X' % c for c in s)


def hmac_sha256(key, msg):
    return hmac.new(key, msg.encode('utf-8'), hashlib.sha256).digest()


def crc32c(data):
    crc = 0xffffffff
    for b in data:
        crc = CRC32C_TABLE[(crc ^ b) & 0xff] ^ (crc >> 8)
    return crc ^ 0xffffffff


def _crc32c_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82f63b78 if c & 1 else c >> 1
        table.append(c)
    return table


CRC32C_TABLE = _crc32c_table()


def checksum(algorithm, data):
    if algorithm == 'crc32':
        raw = (zlib.crc32(data) & 0xffffffff).to_bytes(4, 'big')
    elif algorithm == 'crc32c':
        raw = crc32c(data).to_bytes(4, 'big')
    else:
        raw = hashlib.new(algorithm, data).digest()
    return base64.b64encode(raw).decode('ascii')


def amz_time(s):
    """Seconds since the epoch of an ISO 8601 basic time, or None."""
    try:
        return calendar.timegm(time.strptime(s, '%Y%m%dT%H%M%SZ'))
    except (ValueError, TypeError):
        return None


def iso(t):
    # milliseconds kept: aws s3 sync compares them with local mtimes
    return time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(t)) + \
        '.%03dZ' % (int(t * 1000) % 1000)


def http_date(t):
    return time.strftime('%a, %d %b %Y %H:%M:%S GMT', time.gmtime(t))


def mask_target(target):
    return re.sub(r'(?i)((?:X-Amz-Signature|X-Amz-Security-Token|X-Amz-'
                  r'Credential|Signature)=)[^&]*', r'\1***', target)


# ------------------------------------------------------------------- storage

class Store:
    def __init__(self, root):
        self.root = os.path.abspath(root)
        self.lock = threading.Lock()
        os.makedirs(os.path.join(self.root, '.uploads'), exist_ok=True)

    def bucket_dir(self, bucket):
        return os.path.join(self.root, bucket)

    def has_bucket(self, bucket):
        return bool(BUCKET_RE.match(bucket)) and \
            os.path.isdir(self.bucket_dir(bucket))

    def need_bucket(self, bucket):
        if not self.has_bucket(bucket):
            raise S3Error('NoSuchBucket',
                          'The specified bucket does not exist',
                          BucketName=bucket)

    def buckets(self):
        out = []
        for name in sorted(os.listdir(self.root)):
            if self.has_bucket(name):
                out.append((name, os.stat(self.bucket_dir(name)).st_mtime))
        return out

    def create_bucket(self, bucket):
        if not BUCKET_RE.match(bucket):
            raise S3Error('InvalidBucketName',
                          'The specified bucket is not valid.',
                          BucketName=bucket)
        try:
            os.mkdir(self.bucket_dir(bucket))
        except FileExistsError:
            raise S3Error('BucketAlreadyOwnedByYou',
                          'Your previous request to create the named bucket '
                          'succeeded and you already own it.',
                          BucketName=bucket)

    def delete_bucket(self, bucket):
        self.need_bucket(bucket)
        names = os.listdir(self.bucket_dir(bucket))
        if any(n.endswith('.json') for n in names):
            raise S3Error('BucketNotEmpty',
                          'The bucket you tried to delete is not empty',
                          BucketName=bucket)
        shutil.rmtree(self.bucket_dir(bucket))

    def _paths(self, bucket, key):
        name = hashlib.sha256(key.encode('utf-8')).hexdigest()
        d = self.bucket_dir(bucket)
        return os.path.join(d, name + '.data'), os.path.join(d, name + '.json')

    def put(self, bucket, key, data, meta, etag=None):
        self.need_bucket(bucket)
        if len(key.encode('utf-8')) > 1024:
            raise S3Error('KeyTooLongError', 'Your key is too long',
                          Size=len(key.encode('utf-8')), MaxSizeAllowed=1024)
        data_path, meta_path = self._paths(bucket, key)
        meta = dict(meta, key=key, size=len(data),
                    etag=etag or hashlib.md5(data).hexdigest(),
                    mtime=time.time())
        tmp = '%s.%s.tmp' % (data_path, uuid.uuid4().hex)
        with open(tmp, 'wb') as f:
            f.write(data)
        with self.lock:
            os.replace(tmp, data_path)
            with open(meta_path + '.tmp', 'w') as f:
                json.dump(meta, f)
            os.replace(meta_path + '.tmp', meta_path)
        return meta

    def meta(self, bucket, key):
        self.need_bucket(bucket)
        _, meta_path = self._paths(bucket, key)
        try:
            with open(meta_path) as f:
                return json.load(f)
        except FileNotFoundError:
            raise S3Error('NoSuchKey', 'The specified key does not exist.',
                          Key=key)

    def get(self, bucket, key):
        with self.lock:             # data and metadata of the same put
            meta = self.meta(bucket, key)
            data_path, _ = self._paths(bucket, key)
            with open(data_path, 'rb') as f:
                return meta, f.read()

    def delete(self, bucket, key):
        self.need_bucket(bucket)
        with self.lock:
            for p in self._paths(bucket, key):
                try:
                    os.unlink(p)
                except FileNotFoundError:
                    pass

    def keys(self, bucket):
        self.need_bucket(bucket)
        out = []
        d = self.bucket_dir(bucket)
        for n in os.listdir(d):
            if n.endswith('.json'):
                try:
                    with open(os.path.join(d, n)) as f:
                        out.append(json.load(f))
                except (OSError, ValueError):
                    pass
        out.sort(key=lambda m: m['key'].encode('utf-8'))
        return out

    # multipart uploads: DIR/.uploads/ID/{upload.json,N}
    def upload_dir(self, upload_id, bucket=None, key=None):
        if not re.match(r'^[0-9a-f]{32}$', upload_id or ''):
            raise S3Error('NoSuchUpload',
                          'The specified upload does not exist.',
                          UploadId=upload_id)
        d = os.path.join(self.root, '.uploads', upload_id)
        try:
            with open(os.path.join(d, 'upload.json')) as f:
                info = json.load(f)
        except FileNotFoundError:
            raise S3Error('NoSuchUpload',
                          'The specified upload does not exist.',
                          UploadId=upload_id)
        if (bucket, key) != (info['bucket'], info['key']):
            raise S3Error('NoSuchUpload',
                          'The specified upload does not exist.',
                          UploadId=upload_id)
        return d, info


# ---------------------------------------------------------- request handling

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server_version = 's3store'
    timeout = 120                   # an idle or stalled connection
    sys_version = ''

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        self.dispatch()

    do_PUT = do_POST = do_DELETE = do_HEAD = do_GET

    # ---- the body, under Content-Length or Transfer-Encoding: chunked
    def read_body(self):
        if self.body is not None:
            return self.body
        te = self.headers.get('Transfer-Encoding', '').lower()
        if 'chunked' in te:
            out = []
            total = 0
            while True:
                line = self.rfile.readline(MAX_CHUNK_LINE)
                try:
                    size = int(line.split(b';')[0].strip(), 16)
                except ValueError:
                    self.close_connection = True
                    raise S3Error('IncompleteBody',
                                  'Bad HTTP chunked encoding.')
                if size == 0:
                    while self.rfile.readline(MAX_CHUNK_LINE) not in \
                            (b'\r\n', b'\n', b''):
                        pass
                    break
                total += size
                if total > MAX_BODY:
                    self.close_connection = True
                    raise S3Error('EntityTooLarge', 'Your proposed upload '
                                  'exceeds the maximum allowed size')
                out.append(self.rfile.read(size))
                self.rfile.readline(MAX_CHUNK_LINE)
            self.body = b''.join(out)
        else:
            length = self.headers.get('Content-Length')
            if length is None:
                self.body = b''
                return self.body
            if not length.isdigit():
                self.close_connection = True
                raise S3Error('InvalidArgument', 'Bad Content-Length.')
            if int(length) > MAX_BODY:
                self.close_connection = True
                raise S3Error('EntityTooLarge', 'Your proposed upload exceeds '
                              'the maximum allowed size')
            self.body = self.rfile.read(int(length))
            if len(self.body) != int(length):
                self.close_connection = True
                raise S3Error('IncompleteBody', 'You did not provide the '
                              'number of bytes specified by the '
                              'Content-Length HTTP header')
        return self.body

    def drain(self):
        """Reads and drops a body not read yet (up to MAX_BODY)."""
        length = self.headers.get('Content-Length', '')
        if 'chunked' in self.headers.get('Transfer-Encoding', '').lower() \
                or not length.isdigit() or int(length) > MAX_BODY:
            try:
                self.read_body()
            except S3Error:
                self.close_connection = True
            return
        left = int(length)
        while left > 0:
            got = self.rfile.read(min(left, 65536))
            if not got:
                self.close_connection = True
                return
            left -= len(got)
        self.body = b''

    def dispatch(self):
        self.body = None
        self.auth = None
        self.code = '-'
        target = self.path
        self.raw_path, _, self.raw_query = target.partition('?')
        self.query = {}
        for part in self.raw_query.split('&') if self.raw_query else []:
            n, _, v = part.partition('=')
            self.query.setdefault(urllib.parse.unquote(n),
                                  urllib.parse.unquote(v))
        try:
            self.auth = Auth(self, self.server.cfg)
            self.auth.verify()
            self.route()
        except S3Error as e:
            self.code = e.code
            if self.body is None:
                # read what the client sends anyway, so that it gets the
                # answer instead of a reset connection
                self.drain()
            self.send_error_doc(e)
        except Exception as e:            # a bug here: say so, fail closed
            self.code = 'InternalError'
            self.close_connection = True
            sys.stderr.write('s3store: %s %s: %r\n'
                             % (self.command, mask_target(target), e))
            self.send_error_doc(S3Error('InternalError', 'We encountered an '
                                        'internal error. Please try again.'),
                                status=500)
        auth = getattr(self, 'auth', None)
        mode = getattr(auth, 'payload_hash', None) or '-'
        if re.match(r'^[0-9a-f]{64}$', mode):
            mode = 'sha256'
        if auth is not None and auth.form:
            mode = auth.form + ':' + mode
        self.server.log('%s %s %s %s %s' % (self.command, mask_target(target),
                                            self.status, self.code, mode))

    def send_error_doc(self, e, status=None):
        status = status or STATUS.get(e.code, 400)
        extra = ''.join('<%s>%s</%s>' % (k, escape(str(v)), k)
                        for k, v in e.extra.items())
        body = ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>%s'
                '</Code><Message>%s</Message>%s<Resource>%s</Resource>'
                '<RequestId>%s</RequestId></Error>'
                % (e.code, escape(e.message), extra,
                   escape(self.raw_path), uuid.uuid4().hex[:16].upper()))
        self.reply(status, body.encode('utf-8'), ctype='application/xml')

    def reply(self, status, body=b'', headers=None, ctype=None,
              length=None):
        self.status = status
        self.send_response(status)
        if ctype:
            self.send_header('Content-Type', ctype)
        for n, v in (headers or {}).items():
            self.send_header(n, v)
        self.send_header('x-amz-request-id', uuid.uuid4().hex[:16].upper())
        self.send_header('Content-Length',
                         str(length if length is not None else len(body)))
        if self.close_connection:
            self.send_header('Connection', 'close')
        self.end_headers()
        if self.command != 'HEAD' and body:
            self.wfile.write(body)

    def xml(self, status, text, headers=None):
        self.reply(status, ('<?xml version="1.0" encoding="UTF-8"?>\n'
                            + text).encode('utf-8'), headers,
                   'application/xml')

    # ---- routing
    def route(self):
        bucket, key = self.auth.bucket, self.auth.key
        store = self.server.store
        m, q = self.command, self.query
        if m in ('GET', 'HEAD', 'DELETE'):
            self.payload()
        if not bucket:
            if m == 'GET':
                return self.list_buckets()
            raise S3Error('MethodNotAllowed', 'The specified method is not '
                          'allowed against this resource.')
        if key == '':
            if m == 'GET' and 'location' in q:
                store.need_bucket(bucket)
                return self.xml(200, '<LocationConstraint xmlns="%s"/>' % NS)
            if m == 'GET' and 'uploads' in q:
                store.need_bucket(bucket)
                return self.xml(200, '<ListMultipartUploadsResult xmlns="%s">'
                                '<Bucket>%s</Bucket><IsTruncated>false'
                                '</IsTruncated></ListMultipartUploadsResult>'
                                % (NS, escape(bucket)))
            if m == 'GET':
                return self.list_objects(bucket)
            if m == 'HEAD':
                store.need_bucket(bucket)
                return self.reply(200, headers={'x-amz-bucket-region':
                                                self.server.cfg.region})
            if m == 'PUT' and not q:
                self.payload()
                store.create_bucket(bucket)
                return self.reply(200, headers={'Location': '/' + bucket})
            if m == 'DELETE' and not q:
                store.delete_bucket(bucket)
                return self.reply(204)
            if m == 'POST' and 'delete' in q:
                return self.delete_objects(bucket)
            raise S3Error('NotImplemented', 'A header or query you provided '
                          'implies functionality that is not implemented.')
        if m == 'PUT' and 'partNumber' in q and 'uploadId' in q:
            return self.upload_part(bucket, key)
        if m == 'POST' and 'uploads' in q:
            return self.create_upload(bucket, key)
        if m == 'POST' and 'uploadId' in q:
            return self.complete_upload(bucket, key)
        if m == 'DELETE' and 'uploadId' in q:
            d, _ = store.upload_dir(q['uploadId'], bucket, key)
            shutil.rmtree(d, ignore_errors=True)
            return self.reply(204)
        if m == 'GET' and 'uploadId' in q:
            return self.list_parts(bucket, key)
        if {n for n in q if not n.startswith('X-Amz-')} - {
                'versionId', 'x-id', 'partNumber', 'response-content-type',
                'response-content-disposition'}:
            raise S3Error('NotImplemented', 'A header or query you provided '
                          'implies functionality that is not implemented.')
        if m == 'PUT' and 'x-amz-copy-source' in self.headers:
            return self.copy_object(bucket, key)
        if m == 'PUT':
            return self.put_object(bucket, key)
        if m in ('GET', 'HEAD'):
            return self.get_object(bucket, key)
        if m == 'DELETE':
            store.need_bucket(bucket)
            store.delete(bucket, key)
            return self.reply(204)
        raise S3Error('MethodNotAllowed', 'The specified method is not '
                      'allowed against this resource.')

    def payload(self):
        """The verified, decoded body."""
        return self.auth.payload()

    def check_digests(self, data, headers_only=False):
        md5 = self.headers.get('Content-MD5')
        if md5 is not None:
            try:
                want = base64.b64decode(md5, validate=True)
            except binascii.Error:
                want = b''
            if len(want) != 16:
                raise S3Error('InvalidDigest', 'The Content-MD5 you '
                              'specified was invalid.')
            if want != hashlib.md5(data).digest():
                raise S3Error('BadDigest', 'The Content-MD5 you specified '
                              'did not match what we received.')
        for a in CHECKSUMS:
            v = self.headers.get('x-amz-checksum-' + a)
            if v is not None and v != checksum(a, data):
                raise S3Error('BadDigest', 'The %s you specified did not '
                              'match the calculated checksum.' % a.upper())

    def user_meta(self):
        meta = {'content-type': self.headers.get('Content-Type',
                                                 'binary/octet-stream')}
        enc = [e.strip() for e in
               self.headers.get('Content-Encoding', '').split(',')
               if e.strip() and e.strip() != 'aws-chunked']
        if enc:
            meta['content-encoding'] = ','.join(enc)
        meta['user'] = {n.lower(): v for n, v in self.headers.items()
                        if n.lower().startswith('x-amz-meta-')}
        return meta

    def put_object(self, bucket, key):
        self.server.store.need_bucket(bucket)
        data = self.payload()
        self.check_digests(data)
        meta = self.server.store.put(bucket, key, data, self.user_meta())
        self.reply(200, headers={'ETag': '"%s"' % meta['etag']})

    def object_headers(self, meta):
        h = {'ETag': '"%s"' % meta['etag'],
             'Last-Modified': http_date(meta['mtime']),
             'Accept-Ranges': 'bytes'}
        if 'content-encoding' in meta:
            h['Content-Encoding'] = meta['content-encoding']
        h.update(meta.get('user', {}))
        return h

    def get_object(self, bucket, key):
        store = self.server.store
        if self.command == 'HEAD':
            meta = store.meta(bucket, key)
            data = None
        else:
            meta, data = store.get(bucket, key)
        h = self.object_headers(meta)
        ctype = self.query.get('response-content-type',
                               meta.get('content-type'))
        size = meta['size']
        rng = self.headers.get('Range')
        m = re.match(r'^bytes=(\d*)-(\d*)$', rng or '')
        if m and (m.group(1) or m.group(2)):
            if m.group(1):
                first = int(m.group(1))
                last = min(int(m.group(2)), size - 1) if m.group(2) \
                    else size - 1
            else:
                first, last = max(size - int(m.group(2)), 0), size - 1
            if first >= size or first > last:
                raise S3Error('InvalidRange', 'The requested range is not '
                              'satisfiable', ActualObjectSize=size)
            h['Content-Range'] = 'bytes %d-%d/%d' % (first, last, size)
            body = data[first:last + 1] if data is not None else b''
            return self.reply(206, body, h, ctype, last - first + 1)
        self.reply(200, data or b'', h, ctype, size)

    def copy_object(self, bucket, key):
        src = urllib.parse.unquote(self.headers['x-amz-copy-source'])
        src = src.split('?versionId=')[0].lstrip('/')
        sbucket, _, skey = src.partition('/')
        if not sbucket or not skey:
            raise S3Error('InvalidArgument', 'Copy Source must mention the '
                          'source bucket and key: sourcebucket/sourcekey')
        self.payload()
        store = self.server.store
        store.need_bucket(bucket)
        meta, data = store.get(sbucket, skey)
        directive = self.headers.get('x-amz-metadata-directive', 'COPY')
        if directive == 'REPLACE':
            new = self.user_meta()
        elif sbucket == bucket and skey == key:
            raise S3Error('InvalidRequest', 'This copy request is illegal '
                          'because it is trying to copy an object to itself '
                          'without changing the object\'s metadata, storage '
                          'class, website redirect location or encryption '
                          'attributes.')
        else:
            new = {n: meta[n] for n in ('content-type', 'content-encoding',
                                        'user') if n in meta}
        out = store.put(bucket, key, data, new, meta['etag'])
        self.xml(200, '<CopyObjectResult xmlns="%s"><LastModified>%s'
                 '</LastModified><ETag>"%s"</ETag></CopyObjectResult>'
                 % (NS, iso(out['mtime']), out['etag']))

    def list_buckets(self):
        self.payload()
        items = ''.join('<Bucket><Name>%s</Name><CreationDate>%s'
                        '</CreationDate></Bucket>' % (escape(n), iso(t))
                        for n, t in self.server.store.buckets())
        self.xml(200, '<ListAllMyBucketsResult xmlns="%s"><Owner><ID>%s</ID>'
                 '<DisplayName>s3store</DisplayName></Owner><Buckets>%s'
                 '</Buckets></ListAllMyBucketsResult>'
                 % (NS, 's3store', items))

    def list_objects(self, bucket):
        q = self.query
        v2 = q.get('list-type') == '2'
        prefix = q.get('prefix', '')
        delim = q.get('delimiter', '')
        url = q.get('encoding-type') == 'url'
        if 'encoding-type' in q and not url:
            raise S3Error('InvalidArgument', 'Invalid Encoding Method '
                          'specified in Request')
        try:
            max_keys = min(int(q.get('max-keys', '1000')), 1000)
            if max_keys < 0:
                raise ValueError
        except ValueError:
            raise S3Error('InvalidArgument', 'Provided max-keys not an '
                          'integer or within integer range')
        if v2:
            token = q.get('continuation-token')
            if token is not None:
                try:
                    after = base64.urlsafe_b64decode(token.encode()).decode()
                except (binascii.Error, UnicodeDecodeError):
                    raise S3Error('InvalidArgument', 'The continuation token '
                                  'provided is incorrect')
            else:
                after = q.get('start-after', '')
        else:
            after = q.get('marker', '')
        if delim and after.startswith(prefix) and after.endswith(delim) \
                and delim in after[len(prefix):]:
            # after a common prefix: skip the keys it rolled up
            after += '\U0010ffff'
        enc = (lambda s: escape(urllib.parse.quote(s, safe='/'))) if url \
            else escape
        contents, prefixes = [], []
        truncated = False
        last = None
        seen = set()
        for meta in self.server.store.keys(bucket):
            k = meta['key']
            if not k.startswith(prefix) or (after and k.encode('utf-8')
                                             <= after.encode('utf-8')):
                continue
            cp = None
            if delim:
                i = k.find(delim, len(prefix))
                if i >= 0:
                    cp = k[:i + len(delim)]
            if cp is not None and cp in seen:
                continue
            if len(contents) + len(prefixes) >= max_keys:
                truncated = True
                break
            if cp is not None:
                seen.add(cp)
                prefixes.append(cp)
                last = cp
                # skip the rest of this common prefix
                after = cp + '\U0010ffff'
            else:
                contents.append(meta)
                last = k
        parts = ['<ListBucketResult xmlns="%s"><Name>%s</Name><Prefix>%s'
                 '</Prefix>' % (NS, escape(bucket), enc(prefix))]
        if delim:
            parts.append('<Delimiter>%s</Delimiter>' % enc(delim))
        parts.append('<MaxKeys>%d</MaxKeys>' % max_keys)
        if url:
            parts.append('<EncodingType>url</EncodingType>')
        parts.append('<IsTruncated>%s</IsTruncated>'
                     % ('true' if truncated else 'false'))
        if v2:
            parts.append('<KeyCount>%d</KeyCount>'
                         % (len(contents) + len(prefixes)))
            if 'continuation-token' in q:
                parts.append('<ContinuationToken>%s</ContinuationToken>'
                             % escape(q['continuation-token']))
            if 'start-after' in q:
                parts.append('<StartAfter>%s</StartAfter>'
                             % enc(q['start-after']))
            if truncated:
                parts.append('<NextContinuationToken>%s'
                             '</NextContinuationToken>'
                             % base64.urlsafe_b64encode(
                                 last.encode()).decode())
        else:
            parts.append('<Marker>%s</Marker>' % enc(q.get('marker', '')))
            if truncated and delim:
                parts.append('<NextMarker>%s</NextMarker>' % enc(last))
        for meta in contents:
            parts.append('<Contents><Key>%s</Key><LastModified>%s'
                         '</LastModified><ETag>"%s"</ETag><Size>%d</Size>'
                         '<StorageClass>STANDARD</StorageClass></Contents>'
                         % (enc(meta['key']), iso(meta['mtime']),
                            meta['etag'], meta['size']))
        for cp in prefixes:
            parts.append('<CommonPrefixes><Prefix>%s</Prefix>'
                         '</CommonPrefixes>' % enc(cp))
        parts.append('</ListBucketResult>')
        self.xml(200, ''.join(parts))

    def parse_xml(self, data):
        try:
            root = ET.fromstring(data)
        except ET.ParseError:
            raise S3Error('MalformedXML', 'The XML you provided was not '
                          'well-formed or did not validate against our '
                          'published schema')
        for el in root.iter():
            el.tag = el.tag.split('}')[-1]
        return root

    def delete_objects(self, bucket):
        data = self.payload()
        if self.headers.get('Content-MD5') is None and not any(
                'x-amz-checksum-' + a in self.headers for a in CHECKSUMS):
            raise S3Error('InvalidRequest', 'Missing required header for '
                          'this request: Content-MD5')
        self.check_digests(data)
        root = self.parse_xml(data)
        store = self.server.store
        store.need_bucket(bucket)
        quiet = (root.findtext('Quiet') or '').strip() == 'true'
        objs = root.findall('Object')
        if not objs or len(objs) > 1000:
            raise S3Error('MalformedXML', 'The XML you provided was not '
                          'well-formed or did not validate against our '
                          'published schema')
        out = []
        for o in objs:
            key = o.findtext('Key')
            if key is None:
                raise S3Error('MalformedXML', 'The XML you provided was not '
                              'well-formed')
            store.delete(bucket, key)
            if not quiet:
                out.append('<Deleted><Key>%s</Key></Deleted>' % escape(key))
        self.xml(200, '<DeleteResult xmlns="%s">%s</DeleteResult>'
                 % (NS, ''.join(out)))

    def create_upload(self, bucket, key):
        self.payload()
        store = self.server.store
        store.need_bucket(bucket)
        upload_id = uuid.uuid4().hex
        d = os.path.join(store.root, '.uploads', upload_id)
        os.mkdir(d)
        with open(os.path.join(d, 'upload.json'), 'w') as f:
            json.dump({'bucket': bucket, 'key': key,
                       'meta': self.user_meta(), 'started': time.time()}, f)
        self.xml(200, '<InitiateMultipartUploadResult xmlns="%s"><Bucket>%s'
                 '</Bucket><Key>%s</Key><UploadId>%s</UploadId>'
                 '</InitiateMultipartUploadResult>'
                 % (NS, escape(bucket), escape(key), upload_id))

    def part_number(self):
        n = self.query.get('partNumber', '')
        if not n.isdigit() or not 1 <= int(n) <= 10000:
            raise S3Error('InvalidArgument', 'Part number must be an integer '
                          'between 1 and 10000, inclusive')
        return int(n)

    def upload_part(self, bucket, key):
        store = self.server.store
        store.need_bucket(bucket)
        d, _ = store.upload_dir(self.query['uploadId'], bucket, key)
        n = self.part_number()
        data = self.payload()
        self.check_digests(data)
        etag = hashlib.md5(data).hexdigest()
        tmp = os.path.join(d, '%d.%s.tmp' % (n, uuid.uuid4().hex))
        with open(tmp, 'wb') as f:
            f.write(data)
        os.replace(tmp, os.path.join(d, str(n)))
        self.reply(200, headers={'ETag': '"%s"' % etag})

    def parts(self, d):
        out = []
        for name in os.listdir(d):
            if name.isdigit():
                p = os.path.join(d, name)
                with open(p, 'rb') as f:
                    data = f.read()
                out.append((int(name), hashlib.md5(data).hexdigest(),
                            len(data), os.stat(p).st_mtime))
        return sorted(out)

    def list_parts(self, bucket, key):
        self.payload()
        store = self.server.store
        store.need_bucket(bucket)
        d, _ = store.upload_dir(self.query['uploadId'], bucket, key)
        items = ''.join('<Part><PartNumber>%d</PartNumber><LastModified>%s'
                        '</LastModified><ETag>"%s"</ETag><Size>%d</Size>'
                        '</Part>' % (n, iso(t), e, s)
                        for n, e, s, t in self.parts(d))
        self.xml(200, '<ListPartsResult xmlns="%s"><Bucket>%s</Bucket>'
                 '<Key>%s</Key><UploadId>%s</UploadId><MaxParts>1000'
                 '</MaxParts><IsTruncated>false</IsTruncated>%s'
                 '</ListPartsResult>' % (NS, escape(bucket), escape(key),
                                         self.query['uploadId'], items))

    def complete_upload(self, bucket, key):
        store = self.server.store
        store.need_bucket(bucket)
        d, info = store.upload_dir(self.query['uploadId'], bucket, key)
        root = self.parse_xml(self.payload())
        have = {n: (e, s) for n, e, s, _ in self.parts(d)}
        wanted = []
        for p in root.findall('Part'):
            try:
                n = int(p.findtext('PartNumber'))
            except (TypeError, ValueError):
                raise S3Error('MalformedXML', 'The XML you provided was not '
                              'well-formed')
            wanted.append((n, (p.findtext('ETag') or '').strip('"')))
        if not wanted:
            raise S3Error('MalformedXML', 'The XML you provided was not '
                          'well-formed or did not validate against our '
                          'published schema')
        if [n for n, _ in wanted] != sorted(set(n for n, _ in wanted)):
            raise S3Error('InvalidPartOrder', 'The list of parts was not in '
                          'ascending order. Parts must be ordered by part '
                          'number.', UploadId=self.query['uploadId'])
        for i, (n, etag) in enumerate(wanted):
            if n not in have or have[n][0] != etag:
                raise S3Error('InvalidPart', 'One or more of the specified '
                              'parts could not be found.  The part may not '
                              'have been uploaded, or the specified entity '
                              'tag may not match the part\'s entity tag.',
                              UploadId=self.query['uploadId'], PartNumber=n)
            if i < len(wanted) - 1 and have[n][1] < MIN_PART:
                raise S3Error('EntityTooSmall', 'Your proposed upload is '
                              'smaller than the minimum allowed object size.',
                              PartNumber=n)
        chunks, md5s = [], b''
        for n, etag in wanted:
            with open(os.path.join(d, str(n)), 'rb') as f:
                chunks.append(f.read())
            md5s += binascii.unhexlify(etag)
        etag = '%s-%d' % (hashlib.md5(md5s).hexdigest(), len(wanted))
        store.put(bucket, key, b''.join(chunks), info['meta'], etag)
        shutil.rmtree(d, ignore_errors=True)
        self.xml(200, '<CompleteMultipartUploadResult xmlns="%s"><Location>'
                 '%s</Location><Bucket>%s</Bucket><Key>%s</Key><ETag>"%s"'
                 '</ETag></CompleteMultipartUploadResult>'
                 % (NS, escape(self.raw_path), escape(bucket), escape(key),
                    etag))


# ------------------------------------------------------------------- SigV4

class Auth:
    """Verifies one request's SigV4 signature; payload() then returns the
    body, checked against the signed payload hash or the chunk signatures."""

    def __init__(self, h, cfg):
        self.h = h
        self.cfg = cfg
        self.form = None
        self.bucket, self.key = self.address()

    def address(self):
        host = self.h.headers.get('Host', '')
        hostname = host.rsplit(':', 1)[0] if not host.endswith(']') else host
        hostname = hostname.lower()
        path = urllib.parse.unquote(self.h.raw_path)
        for d in self.cfg.vhost_domains:
            if hostname.endswith('.' + d):
                return hostname[:-len(d) - 1], path[1:]
        bucket, _, key = path[1:].partition('/')
        return bucket, key if bucket else ''

    def now(self):
        return self.cfg.clock if self.cfg.clock is not None else time.time()

    def verify(self):
        h = self.h
        authz = h.headers.get('Authorization')
        presigned = 'X-Amz-Signature' in h.query or \
            'X-Amz-Algorithm' in h.query
        if authz is not None and presigned:
            raise S3Error('InvalidArgument', 'Only one auth mechanism '
                          'allowed; only the X-Amz-Algorithm query parameter, '
                          'Signature query string parameter or the '
                          'Authorization header should be specified')
        if authz is not None:
            self.form = 'header'
            return self.verify_header(authz)
        if presigned:
            self.form = 'presigned'
            return self.verify_query()
        raise S3Error('AccessDenied', 'Access Denied')

    def malformed(self, message, region=None):
        extra = {'Region': region} if region else {}
        return S3Error('AuthorizationHeaderMalformed', message, **extra)

    def verify_header(self, authz):
        algo, _, rest = authz.strip().partition(' ')
        if algo != ALGORITHM:
            if algo.startswith('AWS4-ECDSA'):
                raise S3Error('InvalidArgument', 'SigV4a (%s) is not '
                              'supported by this store' % algo)
            raise S3Error('InvalidArgument', 'Unsupported Authorization Type')
        fields = {}
        for part in rest.split(','):
            n, eq, v = part.strip().partition('=')
            if not eq or n in fields:
                raise self.malformed('The authorization header is malformed; '
                                     'the authorization component "%s" is '
                                     'malformed.' % part.strip())
            fields[n] = v
        if set(fields) != {'Credential', 'SignedHeaders', 'Signature'}:
            raise self.malformed('The authorization header is malformed; '
                                 'it must have Credential, SignedHeaders and '
                                 'Signature.')
        self.amz_date = self.h.headers.get('x-amz-date')
        if self.amz_date is None:
            raise S3Error('AccessDenied', 'AWS authentication requires a '
                          'valid Date or x-amz-date header')
        self.check_credential(fields['Credential'], self.malformed)
        t = amz_time(self.amz_date)
        if t is None:
            raise S3Error('AccessDenied', 'AWS authentication requires a '
                          'valid Date or x-amz-date header')
        if abs(self.now() - t) > MAX_SKEW:
            raise S3Error('RequestTimeTooSkewed', 'The difference between '
                          'the request time and the current time is too '
                          'large.', RequestTime=self.amz_date,
                          MaxAllowedSkewMilliseconds=MAX_SKEW * 1000)
        self.check_token(self.h.headers.get('x-amz-security-token'))
        self.payload_hash = self.h.headers.get('x-amz-content-sha256')
        if self.payload_hash is None:
            raise S3Error('InvalidRequest', 'Missing required header for '
                          'this request: x-amz-content-sha256')
        if self.payload_hash not in (UNSIGNED, STREAMING, STREAMING_TRAILER,
                                     UNSIGNED_TRAILER) and \
                not re.match(r'^[0-9a-f]{64}$', self.payload_hash):
            raise S3Error('InvalidArgument', 'x-amz-content-sha256 must be '
                          'UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-'
                          'TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, '
                          'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER or a '
                          'valid sha256 value.')
        self.check_signature(fields['SignedHeaders'], fields['Signature'],
                             self.h.raw_query, self.payload_hash)

    def check_credential(self, credential, error):
        parts = credential.split('/')
        if len(parts) != 5:
            raise error('The authorization header is malformed; the '
                        'Credential is mal-formed; expecting "<YOUR-AKID>/'
                        'YYYYMMDD/REGION/SERVICE/aws4_request".')
        key_id, date, region, service, term = parts
        if key_id != self.cfg.access_key:
            raise S3Error('InvalidAccessKeyId', 'The AWS Access Key Id you '
                          'provided does not exist in our records.',
                          AWSAccessKeyId=key_id)
        if date != self.amz_date[:8]:
            raise error('The authorization header is malformed; Invalid '
                        'credential date. Date is not the same as X-Amz-Date: '
                        '"%s".' % date)
        if region != self.cfg.region:
            raise error('The authorization header is malformed; the region '
                        '\'%s\' is wrong; expecting \'%s\''
                        % (region, self.cfg.region), self.cfg.region)
        if service != 's3' or term != 'aws4_request':
            raise error('The authorization header is malformed; incorrect '
                        'service "%s" or terminal "%s".' % (service, term))
        self.scope = '/'.join(parts[1:])
        self.signing_key = self.derive(date, region)

    def derive(self, date, region):
        k = hmac_sha256(('AWS4' + self.cfg.secret).encode('utf-8'), date)
        k = hmac_sha256(k, region)
        k = hmac_sha256(k, 's3')
        return hmac_sha256(k, 'aws4_request')

    def check_token(self, token):
        want = self.cfg.token
        if want is None and token is None:
            return
        if want is None or token is None or not hmac.compare_digest(
                token.encode('utf-8'), want.encode('utf-8')):
            raise S3Error('InvalidToken', 'The provided token is malformed '
                          'or otherwise invalid.')

    def canonical_query(self, raw_query, drop_signature):
        pairs = []
        for part in raw_query.split('&') if raw_query else []:
            n, _, v = part.partition('=')
            n = urllib.parse.unquote(n)
            if drop_signature and n == 'X-Amz-Signature':
                continue
            pairs.append((uri_encode(n), uri_encode(urllib.parse.unquote(v))))
        pairs.sort()
        return '&'.join('%s=%s' % p for p in pairs)

    def check_signature(self, signed_headers, signature, raw_query,
                        payload_hash, presigned=False):
        names = signed_headers.split(';')
        if names != sorted(set(names)) or 'host' not in names or \
                any(n != n.lower() or not n for n in names):
            raise (S3Error('AuthorizationQueryParametersError',
                           'X-Amz-SignedHeaders must be sorted, lower-case '
                           'and include host.') if presigned else
                   self.malformed('The authorization header is malformed; '
                                  'SignedHeaders must be sorted, lower-case '
                                  'and include host.'))
        sent = {}
        for n, v in self.h.headers.items():
            sent.setdefault(n.lower(), []).append(v)
        unsigned = sorted(n for n in sent if n.startswith('x-amz-')
                          and n not in names)
        if unsigned:
            raise S3Error('AccessDenied', 'There were headers present in the '
                          'request which were not signed',
                          HeadersNotSigned=', '.join(unsigned))
        lines = []
        for n in names:
            if n not in sent:
                raise S3Error('SignatureDoesNotMatch', 'The request signature '
                              'we calculated does not match the signature '
                              'you provided. Check your key and signing '
                              'method.')
            lines.append('%s:%s\n' % (n, ','.join(' '.join(v.strip().split())
                                                  for v in sent[n])))
        creq = '\n'.join([self.h.command, self.h.raw_path,
                          self.canonical_query(raw_query, presigned),
                          ''.join(lines), signed_headers, payload_hash])
        sts = '\n'.join([ALGORITHM, self.amz_date, self.scope,
                         hashlib.sha256(creq.encode('utf-8')).hexdigest()])
        want = hmac.new(self.signing_key, sts.encode('utf-8'),
                        hashlib.sha256).hexdigest()
        if not hmac.compare_digest(want.encode(), signature.encode()):
            raise S3Error('SignatureDoesNotMatch', 'The request signature we '
                          'calculated does not match the signature you '
                          'provided. Check your key and signing method.')
        self.seed = signature

    def verify_query(self):
        q = self.h.query
        need = ('X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date',
                'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature')
        missing = [n for n in need if n not in q]
        if missing:
            raise S3Error('AuthorizationQueryParametersError', 'Query-string '
                          'authentication version 4 requires the %s '
                          'parameters.' % ', '.join(need))
        if q['X-Amz-Algorithm'] != ALGORITHM:
            raise S3Error('AuthorizationQueryParametersError', 'X-Amz-'
                          'Algorithm only supports "AWS4-HMAC-SHA256"')
        self.amz_date = q['X-Amz-Date']
        t = amz_time(self.amz_date)
        if t is None:
            raise S3Error('AuthorizationQueryParametersError', 'X-Amz-Date '
                          'must be in the ISO8601 Long Format '
                          '"yyyyMMdd\'T\'HHmmss\'Z\'"')
        expires = q['X-Amz-Expires']
        if not expires.isdigit() or int(expires) > 604800:
            raise S3Error('AuthorizationQueryParametersError', 'X-Amz-Expires '
                          'must be less than a week (in seconds) that is '
                          '604800')

        def error(message, region=None):
            extra = {'Region': region} if region else {}
            return S3Error('AuthorizationQueryParametersError', message,
                           **extra)
        self.check_credential(q['X-Amz-Credential'], error)
        now = self.now()
        if now + MAX_SKEW < t:
            raise S3Error('AccessDenied', 'Request is not valid yet')
        if now > t + int(expires):
            raise S3Error('AccessDenied', 'Request has expired',
                          Expires=iso(t + int(expires)),
                          ServerTime=iso(now))
        self.check_token(q.get('X-Amz-Security-Token',
                               self.h.headers.get('x-amz-security-token')))
        self.payload_hash = self.h.headers.get('x-amz-content-sha256',
                                               UNSIGNED)
        if self.payload_hash not in (UNSIGNED,) and \
                not re.match(r'^[0-9a-f]{64}$', self.payload_hash):
            raise S3Error('InvalidRequest', 'a presigned request cannot '
                          'stream aws-chunked payloads')
        self.check_signature(q['X-Amz-SignedHeaders'], q['X-Amz-Signature'],
                             self.h.raw_query, self.payload_hash, True)

    # ---- the payload
    def payload(self):
        body = self.h.read_body()
        ph = self.payload_hash
        if ph == UNSIGNED:
            return body
        if re.match(r'^[0-9a-f]{64}$', ph):
            if hashlib.sha256(body).hexdigest() != ph:
                raise S3Error('XAmzContentSHA256Mismatch', 'The provided '
                              '\'x-amz-content-sha256\' header does not match '
                              'what was computed.',
                              ClientComputedContentSHA256=ph,
                              S3ComputedContentSHA256=hashlib.sha256(body)
                              .hexdigest())
            return body
        return self.decode_chunked(body, ph)

    def decode_chunked(self, body, mode):
        headers = self.h.headers
        decoded_length = headers.get('x-amz-decoded-content-length')
        if decoded_length is None or not decoded_length.isdigit():
            raise S3Error('MissingContentLength', 'You must provide the '
                          'Content-Length HTTP header.')
        signed = mode != UNSIGNED_TRAILER
        trailer = mode != STREAMING
        declared = [n.strip().lower() for n in
                    headers.get('x-amz-trailer', '').split(',') if n.strip()]
        if trailer and len(declared) != 1:
            raise S3Error('InvalidRequest', 'x-amz-trailer must name one '
                          'trailing checksum header for %s' % mode)
        bad_sig = S3Error('SignatureDoesNotMatch', 'The request signature '
                          'we calculated does not match the signature you '
                          'provided. Check your key and signing method.')
        pos = 0
        prev = self.seed
        out = []
        while True:
            eol = body.find(b'\r\n', pos, pos + MAX_CHUNK_LINE)
            if eol < 0:
                raise S3Error('IncompleteBody', 'The request body ended '
                              'before its last chunk')
            line = body[pos:eol].decode('latin-1')
            pos = eol + 2
            size_hex, _, ext = line.partition(';')
            if not re.match(r'^[0-9a-fA-F]{1,16}$', size_hex):
                raise S3Error('IncompleteBody', 'A chunk header is malformed')
            size = int(size_hex, 16)
            if signed:
                m = re.match(r'^chunk-signature=([0-9a-f]{64})$', ext)
                if not m:
                    raise bad_sig
            elif ext:
                raise S3Error('InvalidRequest', 'An unsigned chunk carries '
                              'a chunk extension')
            data = body[pos:pos + size]
            if len(data) != size:
                raise S3Error('IncompleteBody', 'The request body ended '
                              'inside a chunk')
            pos += size
            if signed:
                sts = '\n'.join(['AWS4-HMAC-SHA256-PAYLOAD', self.amz_date,
                                 self.scope, prev, EMPTY_SHA256,
                                 hashlib.sha256(data).hexdigest()])
                want = hmac.new(self.signing_key, sts.encode(),
                                hashlib.sha256).hexdigest()
                if not hmac.compare_digest(want.encode(),
                                           m.group(1).encode()):
                    raise bad_sig
                prev = want
            out.append(data)
            if size == 0:
                break
            if body[pos:pos + 2] != b'\r\n':
                raise S3Error('IncompleteBody', 'A chunk is not followed by '
                              'CRLF')
            pos += 2
        data = b''.join(out)
        if not trailer:
            if body[pos:] != b'\r\n':
                raise S3Error('IncompleteBody', 'Data follows the final '
                              'chunk')
        else:
            self.check_trailer(body[pos:], declared[0], signed, prev, data,
                               bad_sig)
        if len(data) != int(decoded_length):
            raise S3Error('IncompleteBody', 'You did not provide the number '
                          'of bytes specified by the '
                          'x-amz-decoded-content-length header')
        return data

    def check_trailer(self, rest, declared, signed, prev, data, bad_sig):
        if not rest.endswith(b'\r\n\r\n'):
            raise S3Error('MalformedTrailerError', 'The request contained '
                          'trailing data that was not well-formed or did not '
                          'conform to our published schema.')
        trailers = []
        for line in rest[:-4].split(b'\r\n'):
            n, colon, v = line.decode('latin-1').partition(':')
            if not colon:
                raise S3Error('MalformedTrailerError', 'The request '
                              'contained trailing data that was not '
                              'well-formed.')
            trailers.append((n.strip().lower(), v.strip()))
        sig = None
        if signed:
            if not trailers or trailers[-1][0] != 'x-amz-trailer-signature':
                raise bad_sig
            sig = trailers.pop()[1]
        if [n for n, _ in trailers] != [declared]:
            raise S3Error('MalformedTrailerError', 'The request contained '
                          'trailing headers that x-amz-trailer does not '
                          'declare, or lacked one it does.')
        if signed:
            canon = ''.join('%s:%s\n' % t for t in sorted(trailers))
            sts = '\n'.join(['AWS4-HMAC-SHA256-TRAILER', self.amz_date,
                             self.scope, prev,
                             hashlib.sha256(canon.encode()).hexdigest()])
            want = hmac.new(self.signing_key, sts.encode(),
                            hashlib.sha256).hexdigest()
            if not hmac.compare_digest(want.encode(), sig.encode()):
                raise bad_sig
        name, value = trailers[0]
        algorithm = name[len('x-amz-checksum-'):]
        if not name.startswith('x-amz-checksum-') or \
                algorithm not in CHECKSUMS:
            raise S3Error('InvalidRequest', 'The trailing header %s is not '
                          'a checksum this store knows' % name)
        if value != checksum(algorithm, data):
            raise S3Error('BadDigest', 'The %s you specified did not match '
                          'the calculated checksum.' % algorithm.upper())


# -------------------------------------------------------------------- server

class Config:
    pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def log(self, line):
        if self.log_file:
            with self.log_lock, open(self.log_file, 'a') as f:
                f.write('%s %s\n' % (time.strftime('%Y-%m-%dT%H:%M:%SZ',
                                                   time.gmtime()), line))


def main(argv):
    import argparse
    p = argparse.ArgumentParser(description='An S3 stand-in that verifies '
                                'SigV4 (see the module\'s docstring).')
    p.add_argument('--port', type=int, required=True)
    p.add_argument('--listen', default='127.0.0.1')
    p.add_argument('--root', required=True)
    p.add_argument('--access-key', default=os.environ.get(
        'S3STORE_ACCESS_KEY'))
    p.add_argument('--secret', default=os.environ.get('S3STORE_SECRET_KEY'))
    p.add_argument('--token', default=os.environ.get('S3STORE_SESSION_TOKEN'))
    p.add_argument('--region', default='us-east-1')
    p.add_argument('--log')
    p.add_argument('--vhost-domain', action='append')
    p.add_argument('--clock')
    p.add_argument('--tls-cert')
    p.add_argument('--tls-key')
    p.add_argument('--bucket', action='append', default=[])
    p.add_argument('--pid')
    a = p.parse_args(argv[1:])
    if not a.access_key or not a.secret:
        p.error('an access key id and a secret are needed (--access-key and '
                '--secret, or S3STORE_ACCESS_KEY and S3STORE_SECRET_KEY)')
    cfg = Config()
    cfg.access_key, cfg.secret, cfg.token = a.access_key, a.secret, a.token
    cfg.region = a.region
    cfg.vhost_domains = [d.lower() for d in a.vhost_domain or ['localhost']]
    cfg.clock = None
    if a.clock:
        cfg.clock = amz_time(a.clock)
        if cfg.clock is None:
            p.error('--clock wants YYYYMMDDTHHMMSSZ')
    store = Store(a.root)
    for b in a.bucket:
        if not store.has_bucket(b):
            store.create_bucket(b)
    srv = Server((a.listen, a.port), Handler)
    srv.cfg, srv.store = cfg, store
    srv.log_file, srv.log_lock = a.log, threading.Lock()
    if a.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.tls_cert, a.tls_key)
        # the handshake in the connection's thread, not in accept()
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True,
                                     do_handshake_on_connect=False)
    if a.pid:
        with open(a.pid, 'w') as f:
            f.write('%d\n' % os.getpid())
    srv.log('listening on %s:%d' % (a.listen, a.port))
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
