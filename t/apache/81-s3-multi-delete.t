# SPDX-License-Identifier: BSD-2-Clause
# S3 multi-object delete (POST /bucket?delete) through Apache httpd, as
# t/nginx/81-s3-multi-delete.t does through nginx: each key of the XML body
# is authorized as s3:DeleteObject (s3:DeleteObjectVersion with a
# VersionId), the whole request refused when one key is.  The module reads
# the body before the decision and hands the very bytes on to mod_proxy,
# which forwards them to a recording stand-in store (t/lib/CigRecorder.pm).
# boto3's delete_objects with its own keys reaches the store with the body
# boto3 sent; with one foreign key it gets 403 and the store sees nothing.
# Malformed XML, DOCTYPEs and entities, 1,001 objects, bodies over the bound
# (with a length and chunked).

use strict;
use warnings;

use lib 't/lib';
use CigApache;
use CigToken;
use CigRecorder;
use CigDelete;
use CigTest -nomodule;
use Test::More;

use File::Temp qw(tempdir);

my $ROLE = 'arn:aws:iam::123456789012:role/User';
my $ME = IDENTITY;
my $OTHER = 'eu-west-1:9539224f-5cd4-4923-a426-d6078ef34b7b';

my $dir = tempdir('cigmd-XXXXXX', TMPDIR => 1, CLEANUP => !$ENV{CIG_KEEP});
chmod 0755, $dir;
my $rec = CigRecorder->start(dir => $dir);
my $up = $rec->port;

my $token = cognito_token();
my $policy = repo_root() . '/t/policies/s3-per-user-delete.json';

my $srv = start_apache(<<"CONF", modules => ['proxy', 'proxy_http']);
CognitoIdentityPool eu-west-1:b45b9729-c269-4ef2-86f1-0df3e40fe92d
CognitoIdentityKeyFile %%ROOT%%/t/keys/jwks-k1.json
CognitoIdentityRole authenticated $ROLE
CognitoIdentityPolicy $ROLE $policy
Header always set X-Decision "%{COGNITO_IDENTITY_DECISION}e" env=COGNITO_IDENTITY_DECISION
Header always set X-Error "%{COGNITO_IDENTITY_ERROR}e" env=COGNITO_IDENTITY_ERROR
ProxyPass /mybucket http://127.0.0.1:$up/mybucket
<Location /mybucket>
    CognitoIdentityAuthorize s3
    AuthType CognitoIdentity
    AuthName "s3"
    Require cognito-policy
</Location>
CONF

CigDelete::setup(srv => $srv, rec => $rec, token => $token, http => '1.1');
shared_cases();

# --- boto3 ---------------------------------------------------------------

SKIP: {
    my $py = 'python3';
    skip 'python3-boto3 not installed', 7
        unless system("$py -c 'import boto3' 2>/dev/null") == 0;

    my $script = "$dir/boto.py";
    open my $fh, '>', $script or die;
    print $fh <<'PY';
import sys, json, boto3
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

port, token, host, out = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
keys = json.loads(sys.argv[5])
s3 = boto3.client('s3', region_name='eu-west-1',
                  endpoint_url='http://127.0.0.1:%s' % port,
                  config=Config(signature_version=UNSIGNED,
                                s3={'addressing_style': 'path'},
                                retries={'max_attempts': 1}))
sent = {}
def bearer(request, **kw):
    request.headers['Authorization'] = 'Bearer ' + token
    if host:
        request.headers['Host'] = host
    sent['body'] = request.body if isinstance(request.body, bytes) else (request.body or b'').encode()
    sent['headers'] = {k.lower(): v.decode() if isinstance(v, bytes) else v
                       for k, v in request.headers.items()
                       if k.lower().startswith(('content-md5', 'x-amz-checksum', 'x-amz-sdk-checksum'))}
s3.meta.events.register('before-send.s3.DeleteObjects', bearer)
try:
    r = s3.delete_objects(Bucket='mybucket',
                          Delete={'Objects': [{'Key': k} for k in keys], 'Quiet': True})
    status = r['ResponseMetadata']['HTTPStatusCode']
    code = ''
except ClientError as e:
    status = e.response['ResponseMetadata']['HTTPStatusCode']
    code = e.response['Error']['Code']
with open(out, 'wb') as f:
    f.write(sent.get('body', b''))
print(json.dumps({'status': status, 'code': code, 'headers': sent.get('headers', {})}))
PY
    close $fh;

    my $boto = sub {
        my ($host, @keys) = @_;
        my $json = JSON::PP->new->encode(\@keys);
        my $out = `$py $script ${\ $srv->port} $token '$host' $dir/boto.body '$json' 2>&1`;
        my $r = eval { JSON::PP->new->decode((split /\n/, $out)[-1]) }
            or diag($out);
        open my $b, '<', "$dir/boto.body" or die;
        binmode $b;
        local $/;
        $r->{body} = <$b> // '';
        return $r // {};
    };

    for my $host ('') {
        my $where = $host ? ' (proxy_request_buffering off)' : '';
        my $before = () = $rec->requests;
        my $r = $boto->($host, "$ME/a.txt", "$ME/b & c.txt", "$ME/d<e>.txt");
        is($r->{status}, 200, "boto3 delete_objects, own keys$where: 200");
        my @got = $rec->requests;
        is(scalar @got, $before + 1, "boto3, own keys$where: the store got it");
        ok(@got && length $r->{body} && $got[-1]{body} eq $r->{body},
           "boto3, own keys$where: with the body boto3 sent");
        ok(%{ $r->{headers} // {} }, "boto3$where: sent a checksum header ("
           . join(', ', sort keys %{ $r->{headers} // {} }) . ')');

        $before = @got;
        $r = $boto->($host, "$ME/a.txt", "$OTHER/b.txt");
        is($r->{status}, 403, "boto3, one foreign key$where: 403");
        is($r->{code}, 'AccessDenied', "boto3, one foreign key$where: AccessDenied");
        is(scalar(() = $rec->requests), $before, "boto3, one foreign key$where: the store untouched");
    }
}

$srv->stop;
$rec->stop;

done_testing();
