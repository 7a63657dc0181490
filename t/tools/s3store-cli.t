# SPDX-License-Identifier: BSD-2-Clause
# Debian's aws CLI against the S3 stand-in alone (tools/s3store.py, no
# gateway): s3 cp/ls/sync --delete/rm --recursive/mb/rb/presign + curl,
# s3api put-object/get-object/list-objects-v2 (pages, delimiter,
# start-after)/head-bucket, CopyObject, virtual-hosted Host.  Wrong secret,
# wrong token, expired presigned URL, wrong Content-MD5: refused with S3's
# codes.  (t/tools/s3store-boto.t: boto3 and a current botocore over TLS.)

use strict;
use warnings;

use lib 't/lib';
use File::Path qw(make_path);
use JSON::PP;
use POSIX qw(strftime);
use Test::More;

use CigS3Store;

my $py = CigS3Store::python();
my $aws = '/usr/bin/aws';
plan skip_all => "$aws (Debian's awscli) is not installed" unless -x $aws;
plan skip_all => "curl is not installed" unless -x '/usr/bin/curl';

my ($KEY, $SECRET, $TOKEN) = ('AKIDCLIENTS', 'clients-secret/+=', 'clients-token+/=');
my $s3 = CigS3Store->start(access_key => $KEY, secret => $SECRET, token => $TOKEN,
                           buckets => ['files']);
my $dir = $s3->dir;
my $ep = $s3->url;
my %env = (HOME => $dir, AWS_CONFIG_FILE => "$dir/none",
           AWS_SHARED_CREDENTIALS_FILE => "$dir/none", AWS_DEFAULT_REGION => 'us-east-1',
           AWS_ACCESS_KEY_ID => $KEY, AWS_SECRET_ACCESS_KEY => $SECRET,
           AWS_SESSION_TOKEN => $TOKEN, AWS_EC2_METADATA_DISABLED => 'true',
           AWS_PAGER => '');

sub aws {
    my ($extra, @args) = @_;
    return CigS3Store::run_capture({ %env, %$extra }, $aws, '--endpoint-url', $ep, @args);
}

sub spew { my ($f, $c) = @_; open my $fh, '>', $f or die "$f: $!"; print {$fh} $c; close $fh }
sub slurp { my ($f) = @_; open my $fh, '<', $f or return undef; local $/; <$fh> }

# aws s3 cp --recursive / ls / sync / rm --recursive
make_path("$dir/tree/sub");
spew("$dir/tree/a.txt", "alpha\n");
spew("$dir/tree/b c+d.txt", "bravo\n");
spew("$dir/tree/sub/e.bin", join('', map { chr($_ % 256) } 0 .. 70_000));
my ($st, $out, $err) = aws({}, 's3', 'cp', '--recursive', "$dir/tree", 's3://files/tree/');
is($st, 0, 'aws s3 cp --recursive') or diag $err;
($st, $out, $err) = aws({}, 's3', 'ls', 's3://files/tree/');
is($st, 0, 'aws s3 ls') or diag $err;
like($out, qr/^\s+PRE sub\/$/m, 'ls: the common prefix');
like($out, qr/ 6 a\.txt$/m, 'ls: a.txt');
like($out, qr/ 6 b c\+d\.txt$/m, 'ls: a key with a space and a plus');
($st, $out, $err) = aws({}, 's3', 'ls', '--recursive', 's3://files/');
like($out, qr/ 70001 tree\/sub\/e\.bin$/m, 'ls --recursive');
($st, $out, $err) = aws({}, 's3', 'sync', "$dir/tree", 's3://files/sync/');
is($st, 0, 'aws s3 sync') or diag $err;
($st, $out, $err) = aws({}, 's3', 'sync', "$dir/tree", 's3://files/sync/');
is($out, '', 'a second sync copies nothing');
unlink "$dir/tree/a.txt" or die;
($st, $out, $err) = aws({}, 's3', 'sync', '--delete', "$dir/tree", 's3://files/sync/');
like($out, qr{^delete: s3://files/sync/a\.txt$}m, 'aws s3 sync --delete') or diag $err;
($st, $out, $err) = aws({}, 's3', 'ls', '--recursive', 's3://files/sync/');
unlike($out, qr/a\.txt/, 'sync --delete: the key is gone');
spew("$dir/tree/a.txt", "alpha\n");
($st, $out, $err) = aws({}, 's3', 'cp', 's3://files/tree/sub/e.bin', "$dir/e.back");
is(slurp("$dir/e.back"), slurp("$dir/tree/sub/e.bin"), 'aws s3 cp down: same bytes');
($st, $out, $err) = aws({}, 's3', 'rm', '--recursive', 's3://files/tree/');
is($st, 0, 'aws s3 rm --recursive') or diag $err;
($st, $out, $err) = aws({}, 's3', 'ls', '--recursive', 's3://files/tree/');
is($out, '', 'nothing left under tree/');

# s3api
($st, $out, $err) = aws({}, 's3api', 'put-object', '--bucket', 'files', '--key',
                        'api/x~y(1).txt', '--body', "$dir/tree/a.txt");
is($st, 0, 's3api put-object') or diag $err;
like($out, qr/"ETag": "\\"[0-9a-f]{32}\\""/, 'put-object: an MD5 ETag');
($st, $out, $err) = aws({}, 's3api', 'get-object', '--bucket', 'files', '--key',
                        'api/x~y(1).txt', "$dir/api.out");
is($st, 0, 's3api get-object') or diag $err;
is(slurp("$dir/api.out"), "alpha\n", 'get-object: same bytes');

# listings: pages of two through continuation tokens, start-after, a
# delimiter whose common prefix ends a page, copy
for my $k (qw(list/a list/b/1 list/b/2 list/b/3 list/c list/d)) {
    aws({}, 's3api', 'put-object', '--bucket', 'files', '--key', $k, '--body', "$dir/tree/a.txt");
}
($st, $out, $err) = aws({}, 's3api', 'list-objects-v2', '--bucket', 'files', '--prefix',
                        'list/', '--page-size', '2', '--query', 'Contents[].Key', '--output', 'text');
is(join(' ', split ' ', $out), 'list/a list/b/1 list/b/2 list/b/3 list/c list/d',
   'list-objects-v2, pages of two') or diag $err;
($st, $out, $err) = aws({}, 's3api', 'list-objects-v2', '--bucket', 'files', '--prefix',
                        'list/', '--delimiter', '/', '--page-size', '2', '--output', 'json');
my $l = eval { decode_json($out) } || {};
is(join(' ', map({ $_->{Key} } @{ $l->{Contents} || [] }),
         map({ $_->{Prefix} } @{ $l->{CommonPrefixes} || [] })),
   'list/a list/c list/d list/b/', 'delimiter across pages: the prefix once') or diag $err;
($st, $out, $err) = aws({}, 's3api', 'list-objects-v2', '--bucket', 'files', '--prefix',
                        'list/', '--start-after', 'list/b/2', '--query', 'Contents[].Key',
                        '--output', 'text');
is(join(' ', split ' ', $out), 'list/b/3 list/c list/d', 'start-after');
($st, $out, $err) = aws({}, 's3', 'cp', 's3://files/list/a', 's3://files/list/copy');
is($st, 0, 'aws s3 cp between keys (CopyObject)') or diag $err;
($st, $out, $err) = aws({}, 's3', 'cp', 's3://files/list/copy', "$dir/copy.out");
is(slurp("$dir/copy.out"), "alpha\n", 'the copy has the bytes');
($st, $out, $err) = aws({}, 's3api', 'put-object', '--bucket', 'files', '--key', 'md5',
                        '--body', "$dir/tree/a.txt", '--content-md5', '1B2M2Y8AsgTpgAmY7PhCfg==');
like($err, qr/BadDigest/, 'a wrong Content-MD5: BadDigest');

# presigned URLs: aws s3 presign + curl, an expired one, one with a wrong token
sub curl {
    my (@args) = @_;
    my ($st, $out) = CigS3Store::run_capture({}, '/usr/bin/curl', '-sS', '-g',
                                             '-w', '\n%{http_code}', @args);
    my ($body, $code) = $out =~ /\A(.*)\n(\d+)\z/s;
    my ($s3code) = ($body // '') =~ m{<Code>([^<]*)</Code>};
    return ($code // 0, $body // '', $s3code // '-');
}
($st, $out, $err) = aws({}, 's3', 'presign', 's3://files/api/x~y(1).txt', '--expires-in', '300');
chomp $out;
like($out, qr/X-Amz-Signature=/, 'aws s3 presign: a SigV4 URL');
my ($code, $body) = curl($out);
is("$code $body", "200 alpha\n", 'presigned URL + curl');
(my $bad = $out) =~ s/(X-Amz-Security-Token=)/$1x/;
my @r = curl($bad);
is("$r[0] $r[2]", '400 InvalidToken', 'presigned URL with a wrong token');
($bad = $out) =~ s/x~y/x~z/;
@r = curl($bad);
is("$r[0] $r[2]", '403 SignatureDoesNotMatch', 'presigned URL for another key');
my %chunk_env = (S3CHUNK_ACCESS_KEY => $KEY, S3CHUNK_SECRET_KEY => $SECRET,
                 S3CHUNK_SESSION_TOKEN => $TOKEN);
($st, $out) = CigS3Store::run_capture(\%chunk_env, $py, 't/lib/s3chunk.py', 'presign',
    "$ep/files/api/x~y(1).txt", '--expires', '60',
    '--date', strftime('%Y%m%dT%H%M%SZ', gmtime(time - 7200)));
chomp $out;
@r = curl($out);
is("$r[0] $r[2]", '403 AccessDenied', 'expired presigned URL');
like($r[1], qr/Request has expired/, 'expired: says so');

# virtual-hosted: Host files.localhost:PORT
my $vh = 'http://files.localhost:' . $s3->port;
($st, $out) = CigS3Store::run_capture(\%chunk_env, $py, 't/lib/s3chunk.py', 'put',
    "$vh/vhost/obj.txt", "$dir/tree/a.txt", '--connect', '127.0.0.1');
like($out, qr/^200 /, 'virtual-hosted signed-chunk PUT') or diag $out;
($st, $out) = CigS3Store::run_capture(\%chunk_env, $py, 't/lib/s3chunk.py', 'presign',
                                      "$vh/vhost/obj.txt");
chomp $out;
($code, $body) = curl('--resolve', 'files.localhost:' . $s3->port . ':127.0.0.1', $out);
is("$code $body", "200 alpha\n", 'virtual-hosted presigned GET');

# buckets: mb, head-bucket, ls (ListBuckets), rb
($st, $out, $err) = aws({}, 's3', 'mb', 's3://made-here');
is($st, 0, 'aws s3 mb (CreateBucket)') or diag $err;
($st, $out, $err) = aws({}, 's3api', 'head-bucket', '--bucket', 'made-here');
is($st, 0, 'head-bucket') or diag $err;
($st, $out, $err) = aws({}, 's3', 'ls');
like($out, qr/ files\n.* made-here$/sm, 'aws s3 ls lists both buckets');
($st, $out, $err) = aws({}, 's3', 'rb', 's3://made-here');
is($st, 0, 'aws s3 rb') or diag $err;
($st, $out, $err) = aws({}, 's3api', 'head-bucket', '--bucket', 'made-here');
like($err, qr/404|Not Found/, 'head-bucket after rb: 404');

# refusals through the CLI
($st, $out, $err) = aws({ AWS_SECRET_ACCESS_KEY => 'wrong' }, 's3', 'cp',
                        "$dir/tree/a.txt", 's3://files/x.txt');
isnt($st, 0, 'wrong secret: aws fails');
like($err, qr/SignatureDoesNotMatch/, 'wrong secret: SignatureDoesNotMatch');
($st, $out, $err) = aws({ AWS_SESSION_TOKEN => 'other' }, 's3', 'ls', 's3://files/');
like($err, qr/InvalidToken/, 'wrong token: InvalidToken');
($st, $out, $err) = aws({}, 's3', 'ls', 's3://nosuchbucket/');
like($err, qr/NoSuchBucket/, 'NoSuchBucket');

unlike($s3->log, qr/\Q$TOKEN\E|\Q$SECRET\E|X-Amz-Signature=[0-9a-f]/, 'log: no token, secret or signature');
$s3->stop;
is($s3->stderr, '', 'the store wrote nothing to stderr');

done_testing();
