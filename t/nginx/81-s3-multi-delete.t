# SPDX-License-Identifier: BSD-2-Clause
# S3 multi-object delete (POST /bucket?delete) through nginx: each key of
# the XML body is authorized as s3:DeleteObject (s3:DeleteObjectVersion with
# a VersionId), the whole request refused when one key is.  The store is a
# recording stand-in (t/lib/CigRecorder.pm): what it records is what nginx
# forwarded.  boto3's delete_objects (with a bearer token instead of a
# signature) with its own keys reaches the store with the very body boto3
# sent; with one foreign key it gets 403 and the store sees nothing.
# Malformed XML, DOCTYPEs and entities, 1,001 objects, a body over the
# bound; bodies in client_body_buffer_size and in temporary files; the same
# under "proxy_request_buffering off" and in a location serving one bucket.

use strict;
use warnings;

use lib 't/lib';
use CigTest;
use CigToken;
use CigRecorder;
use CigDelete;
use Test::More;

use File::Temp qw(tempdir);

my $ROLE = 'arn:aws:iam::123456789012:role/User';
my $ME = IDENTITY;
my $OTHER = 'eu-west-1:9539224f-5cd4-4923-a426-d6078ef34b7b';
my $XML400 = qr{^<\?xml version="1\.0" encoding="UTF-8"\?>\n<Error><Code>MalformedXML</Code>};

my $dir = tempdir('cigmd-XXXXXX', TMPDIR => 1, CLEANUP => !$ENV{CIG_KEEP});
chmod 0755, $dir;
my $rec = CigRecorder->start(dir => $dir);
my $up = $rec->port;

my $token = cognito_token();
my $policy = repo_root() . '/t/policies/s3-per-user-delete.json';

my $srv = start_nginx(<<"CONF");
    client_body_buffer_size 1k;
    client_max_body_size 8m;

    cognito_identity_pool eu-west-1:b45b9729-c269-4ef2-86f1-0df3e40fe92d;
    cognito_identity_key_file %%ROOT%%/t/keys/jwks-k1.json;
    cognito_identity_role authenticated $ROLE;
    cognito_identity_policy $ROLE $policy;

    server {
        listen 127.0.0.1:%%PORT%%;

        add_header X-Decision \$cognito_identity_decision always;
        add_header X-Error \$cognito_identity_error always;

        location /mybucket {
            cognito_identity "s3";
            cognito_identity_authorize s3;
            proxy_pass http://127.0.0.1:$up;
        }

        location /pages {
            cognito_identity "s3";
            cognito_identity_authorize s3;
            error_page 400 /errors/400.txt;
            proxy_pass http://127.0.0.1:$up;
        }

        location /errors/ {
            alias %%DIR%%/html/;
        }
    }

    server {
        listen 127.0.0.1:%%PORT%%;
        server_name unbuffered.example;

        add_header X-Decision \$cognito_identity_decision always;

        location / {
            cognito_identity "s3";
            cognito_identity_authorize s3;
            proxy_request_buffering off;
            proxy_http_version 1.1;
            proxy_pass http://127.0.0.1:$up;
        }
    }

    server {
        listen 127.0.0.1:%%PORT%%;
        server_name fixed.example;

        add_header X-Decision \$cognito_identity_decision always;

        location / {
            cognito_identity "s3";
            cognito_identity_authorize s3 bucket=mybucket;
            proxy_request_buffering off;
            proxy_pass http://127.0.0.1:$up;
        }
    }
CONF

CigDelete::setup(srv => $srv, rec => $rec, token => $token, http => '1.0');
shared_cases();

# what nginx stores in a temporary file: 300 keys, ~30 KiB
my @many = map { "$ME/dir/file-$_.txt" } 1 .. 300;

# a location with its own error_page for 400 keeps it
{
    open my $page, '>', $srv->dir . '/html/400.txt' or die;
    print $page "our own page\n";
    close $page;
    my $r = post('/pages?delete', '<Delete>');
    is($r->{status}, 400, 'error_page 400: 400');
    is($r->{body}, "our own page\n", 'error_page 400: its page, not the XML');
}

# proxy_request_buffering off: the body is read whole all the same
through('unbuffered: own keys', '/mybucket?delete', body_of("$ME/a.txt"), 200,
        host => 'unbuffered.example', http => '1.1', decision => 'allow');
through('unbuffered: a body in a temporary file', '/mybucket?delete', body_of(@many), 200,
        host => 'unbuffered.example', http => '1.1');
through('unbuffered: one foreign key', '/mybucket?delete', body_of("$ME/a", "$OTHER/a"), 403,
        host => 'unbuffered.example');
through('unbuffered: malformed', '/mybucket?delete', '<Delete>', 400,
        host => 'unbuffered.example', body_like => $XML400);

# a location serving one bucket: POST /?delete
through('one bucket: own keys', '/?delete', body_of("$ME/a.txt"), 200,
        host => 'fixed.example', decision => 'allow');
through('one bucket: one foreign key', '/?delete', body_of("$ME/a", "$OTHER/a"), 403,
        host => 'fixed.example');

# --- boto3 ---------------------------------------------------------------

SKIP: {
    my $py = 'python3';
    skip 'python3-boto3 not installed', 8
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

    for my $host ('', 'unbuffered.example') {
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
