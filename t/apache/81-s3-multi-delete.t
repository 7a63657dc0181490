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
use CigTest -nomodule;
use Test::More;

use Digest::MD5 qw(md5);
use File::Temp qw(tempdir);
use MIME::Base64 qw(encode_base64);

my $ROLE = 'arn:aws:iam::123456789012:role/User';
my $ME = IDENTITY;
my $OTHER = 'eu-west-1:9539224f-5cd4-4923-a426-d6078ef34b7b';
my $NS = 'http://s3.amazonaws.com/doc/2006-03-01/';
my $XML400 = qr{^<\?xml version="1\.0" encoding="UTF-8"\?>\n<Error><Code>MalformedXML</Code>};

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

sub body_of {
    my (@objs) = @_;
    return qq{<?xml version="1.0" encoding="UTF-8"?>\n<Delete xmlns="$NS">}
         . join('', map { ref $_ ? "<Object><Key>$_->[0]</Key><VersionId>$_->[1]</VersionId></Object>"
                                 : "<Object><Key>$_</Key></Object>" } @objs)
         . '</Delete>';
}

sub post {
    my ($path, $body, %o) = @_;
    my %h = (Authorization => "Bearer $token",
             'Content-MD5' => encode_base64(md5($body), ''),
             'Content-Type' => 'application/xml');
    $h{Host} = $o{host} if $o{host};
    return $srv->request('POST', $path, \%h, $body);
}

# Sends, and checks what the store got: the same target and body, or nothing.
sub through {
    my ($name, $path, $body, $status, %o) = @_;
    my $before = () = $rec->requests;
    my $r = post($path, $body, %o);
    my @after = $rec->requests;

    is($r->{status}, $status, "$name: $status")
        or diag($r->{raw_headers} . substr($r->{body}, 0, 300));

    if ($status == 200) {
        is(scalar @after, $before + 1, "$name: one request reached the store");
        my $got = $after[-1] // {};
        is($got->{line}, "POST $path HTTP/1.1",
           "$name: the target as sent");
        ok($got->{body} eq $body, "$name: the body as sent ("
           . length($body) . ' bytes)');
        is($got->{headers}{'content-md5'}, encode_base64(md5($body), ''),
           "$name: Content-MD5 passed on");
    } else {
        is(scalar @after, $before, "$name: nothing reached the store");
    }

    like($r->{body}, $o{body_like}, "$name: body") if $o{body_like};
    is($r->{headers}{'x-decision'}, $o{decision}, "$name: decision")
        if $o{decision};
    return $r;
}

# --- raw requests --------------------------------------------------------

through('own keys', '/mybucket?delete', body_of("$ME/a.txt", "$ME/b/c.txt"), 200,
        decision => 'allow');
through('own keys, a version', '/mybucket?delete',
        body_of("$ME/a.txt", ["$ME/b.txt", '3HL4kqtJlcpXroDTDmJ-rmSpXd3dIbrHY']), 200,
        decision => 'allow');
through('one foreign key', '/mybucket?delete', body_of("$ME/a.txt", "$OTHER/b.txt"), 403,
        decision => 'deny', body_like => qr{<Code>AccessDenied</Code>});
through('an explicit deny', '/mybucket?delete', body_of("$ME/keep/a.txt"), 403,
        decision => 'explicit-deny');
through('version "null" refused by the condition', '/mybucket?delete',
        body_of(["$ME/a.txt", 'null']), 403, decision => 'deny');
through('a key climbing out of the prefix', '/mybucket?delete',
        body_of("$ME/../$OTHER/a.txt"), 400, body_like => qr{<Code>InvalidArgument</Code>});

# what nginx would otherwise store in a temporary file: 300 keys, ~30 KiB
my @many = map { "$ME/dir/file-$_.txt" } 1 .. 300;
through('a body in a temporary file', '/mybucket?delete', body_of(@many), 200,
        decision => 'allow');
through('a body in a temporary file, the last key foreign', '/mybucket?delete',
        body_of(@many, "$OTHER/x"), 403);

my @limit = map { "$ME/$_" } 1 .. 1000;
through('1,000 objects', '/mybucket?delete', body_of(@limit), 200);
through('1,001 objects', '/mybucket?delete', body_of(@limit, "$ME/x"), 400,
        body_like => $XML400);

for my $bad (
    ['malformed XML', "<Delete><Object><Key>$ME/a</Key></Delete>"],
    ['not XML', '{"Objects":[{"Key":"a"}]}'],
    ['no body', ''],
    ['a DOCTYPE with an entity', qq{<?xml version="1.0"?><!DOCTYPE Delete [<!ENTITY k "$OTHER/a">]>}
        . '<Delete><Object><Key>&k;</Key></Object></Delete>'],
    ['a billion laughs', '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        . join('', map { my $p = $_ - 1; qq{<!ENTITY lol$_ "} . ("&lol$p;" x 10) . '">' } 1 .. 9)
        =~ s/&lol0;/&lol;/gr
        . "]><Delete><Object><Key>$ME/&lol9;</Key></Object></Delete>"],
    ['an external entity', qq{<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>}
        . "<Delete><Object><Key>$ME/&x;</Key></Object></Delete>"],
    ['an undeclared entity', "<Delete><Object><Key>$ME/&x;</Key></Object></Delete>"],
    ['CDATA', "<Delete><Object><Key><![CDATA[$ME/a]]></Key></Object></Delete>"],
    ['a comment', "<Delete><!-- x --><Object><Key>$ME/a</Key></Object></Delete>"],
    ['a processing instruction', "<?php x ?><Delete><Object><Key>$ME/a</Key></Object></Delete>"],
    ['an unknown element', "<Delete><Object><Key>$ME/a</Key><ETag>x</ETag></Object></Delete>"],
)
{
    through($bad->[0], '/mybucket?delete', $bad->[1], 400, body_like => $XML400);
}

through('an overlong key', '/mybucket?delete', body_of("$ME/" . ('k' x 1024)), 400,
        body_like => qr{<Code>KeyTooLongError</Code>});

# over the bound of 2 MiB: 413, whether the length is known or not
my $huge = body_of("$ME/a") . (' ' x (2 * 1024 * 1024));
through('a body over 2 MiB', '/mybucket?delete', $huge, 413);
{
    my $before = () = $rec->requests;
    my $chunks = join('', map { sprintf("%x\r\n%s\r\n", length $_, $_) }
                          unpack('(a65536)*', $huge)) . "0\r\n\r\n";
    my $r = $srv->raw("POST /mybucket?delete HTTP/1.1\r\nHost: localhost\r\n"
                      . "Authorization: Bearer $token\r\nConnection: close\r\n"
                      . "Transfer-Encoding: chunked\r\n\r\n$chunks");
    is($r->{status}, 413, 'a chunked body over 2 MiB: 413');
    is(scalar(() = $rec->requests), $before, 'a chunked body over 2 MiB: nothing reached the store');

    my $small = body_of("$ME/a");
    $chunks = join('', map { sprintf("%x\r\n%s\r\n", length $_, $_) }
                       unpack('(a100)*', $small)) . "0\r\n\r\n";
    $r = $srv->raw("POST /mybucket?delete HTTP/1.1\r\nHost: localhost\r\n"
                   . "Authorization: Bearer $token\r\nConnection: close\r\n"
                   . "Transfer-Encoding: chunked\r\n\r\n$chunks");
    is($r->{status}, 200, 'a chunked body: 200');
    my @got = $rec->requests;
    ok(@got && $got[-1]{body} eq $small, 'a chunked body: forwarded whole');
}

# no token: 401 before any body is read
{
    my $r = $srv->request('POST', '/mybucket?delete', {}, body_of("$ME/a"));
    is($r->{status}, 401, 'no token: 401');
}

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
