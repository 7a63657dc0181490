# SPDX-License-Identifier: BSD-2-Clause
"""boto3 against tools/s3store.py, for t/tools/s3store-clients.t.

  python3 s3store_boto.py ENDPOINT BUCKET WORKDIR [CA_BUNDLE]

Credentials from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
AWS_SESSION_TOKEN.  Prints one JSON object: step -> result ("ok", an S3
error code, or what went wrong), and botocore's version.
"""

import hashlib
import json
import os
import ssl
import sys
import urllib.error
import urllib.request

import boto3
import botocore
from botocore.config import Config
from botocore.exceptions import ClientError


def code(e):
    return e.response.get('Error', {}).get('Code', 'unknown')


def main():
    endpoint, bucket, work = sys.argv[1:4]
    verify = sys.argv[4] if len(sys.argv) > 4 else None
    cfg = Config(s3={'addressing_style': 'path'}, signature_version='s3v4',
                 retries={'max_attempts': 1})
    s3 = boto3.client('s3', endpoint_url=endpoint, region_name='us-east-1',
                      config=cfg, verify=verify)
    out = {'botocore': botocore.__version__}
    big = os.path.join(work, 'big.bin')
    with open(big, 'wb') as f:
        block = hashlib.sha256(b'x').digest() * 32768       # 1 MiB
        for i in range(20):
            f.write(bytes([i]) + block[1:])
    s3.upload_file(big, bucket, 'boto/big.bin')
    head = s3.head_object(Bucket=bucket, Key='boto/big.bin')
    out['upload_file'] = 'ok' if head['ContentLength'] == 20 << 20 and \
        head['ETag'].endswith('-3"') else 'head: %r' % head
    back = os.path.join(work, 'back.bin')
    s3.download_file(bucket, 'boto/big.bin', back)
    with open(big, 'rb') as a, open(back, 'rb') as b:
        out['download_file'] = 'ok' if a.read() == b.read() else 'differs'

    s3.put_object(Bucket=bucket, Key='boto/small one.txt', Body=b'hello\n')
    got = s3.get_object(Bucket=bucket, Key='boto/small one.txt')['Body'].read()
    out['put_get'] = 'ok' if got == b'hello\n' else repr(got)

    url = s3.generate_presigned_url('get_object', Params={
        'Bucket': bucket, 'Key': 'boto/small one.txt'}, ExpiresIn=300)
    out['presigned_sigv4'] = 'X-Amz-Signature=' in url
    ctx = ssl.create_default_context(cafile=verify) if verify else None
    try:
        body = urllib.request.urlopen(url, context=ctx).read()
        out['presigned_get'] = 'ok' if body == b'hello\n' else repr(body)
    except urllib.error.HTTPError as e:
        out['presigned_get'] = 'HTTP %d' % e.code

    url = s3.generate_presigned_url('put_object', Params={
        'Bucket': bucket, 'Key': 'boto/presigned-put'}, ExpiresIn=300)
    req = urllib.request.Request(url, data=b'put by URL', method='PUT')
    try:
        urllib.request.urlopen(req, context=ctx).read()
        got = s3.get_object(Bucket=bucket,
                            Key='boto/presigned-put')['Body'].read()
        out['presigned_put'] = 'ok' if got == b'put by URL' else repr(got)
    except urllib.error.HTTPError as e:
        out['presigned_put'] = 'HTTP %d %s' % (e.code, e.read()[:200])
    s3.delete_object(Bucket=bucket, Key='boto/presigned-put')

    listing = s3.list_objects_v2(Bucket=bucket, Prefix='boto/')
    out['list'] = sorted(o['Key'] for o in listing.get('Contents', []))
    r = s3.delete_objects(Bucket=bucket, Delete={'Objects': [
        {'Key': 'boto/big.bin'}, {'Key': 'boto/small one.txt'}]})
    out['delete_objects'] = sorted(d['Key'] for d in r.get('Deleted', []))
    listing = s3.list_objects_v2(Bucket=bucket, Prefix='boto/')
    out['after_delete'] = listing['KeyCount']

    wrong = boto3.client('s3', endpoint_url=endpoint, region_name='us-east-1',
                         config=cfg, verify=verify,
                         aws_access_key_id=os.environ['AWS_ACCESS_KEY_ID'],
                         aws_secret_access_key='wrong',
                         aws_session_token=os.environ.get('AWS_SESSION_TOKEN'))
    try:
        wrong.put_object(Bucket=bucket, Key='boto/x', Body=b'x')
        out['wrong_secret'] = 'accepted'
    except ClientError as e:
        out['wrong_secret'] = code(e)
    # multipart refusals: parts out of order, a small part not last, an
    # ETag that is not the part's, an aborted upload
    up = s3.create_multipart_upload(Bucket=bucket, Key='boto/mp')['UploadId']
    e1 = s3.upload_part(Bucket=bucket, Key='boto/mp', UploadId=up,
                        PartNumber=1, Body=b'1' * 1024)['ETag']
    e2 = s3.upload_part(Bucket=bucket, Key='boto/mp', UploadId=up,
                        PartNumber=2, Body=b'2' * 1024)['ETag']
    parts = s3.list_parts(Bucket=bucket, Key='boto/mp', UploadId=up)
    out['list_parts'] = [(p['PartNumber'], p['Size'], int(p['ETag'] == e))
                         for p, e in zip(parts['Parts'], (e1, e2))]
    for name, plist in (('part_order', [(2, e2), (1, e1)]),
                        ('part_small', [(1, e1), (2, e2)]),
                        ('part_etag', [(1, e2)])):
        try:
            s3.complete_multipart_upload(
                Bucket=bucket, Key='boto/mp', UploadId=up,
                MultipartUpload={'Parts': [{'PartNumber': n, 'ETag': e}
                                           for n, e in plist]})
            out[name] = 'completed'
        except ClientError as e:
            out[name] = code(e)
    s3.abort_multipart_upload(Bucket=bucket, Key='boto/mp', UploadId=up)
    try:
        s3.upload_part(Bucket=bucket, Key='boto/mp', UploadId=up,
                       PartNumber=3, Body=b'3')
        out['aborted'] = 'accepted'
    except ClientError as e:
        out['aborted'] = code(e)
    try:
        s3.get_object(Bucket=bucket, Key='boto/missing')
        out['missing'] = 'found'
    except ClientError as e:
        out['missing'] = code(e)
    print(json.dumps(out))


if __name__ == '__main__':
    main()
