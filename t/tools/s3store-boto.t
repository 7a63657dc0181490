# SPDX-License-Identifier: BSD-2-Clause
# boto3 against the S3 stand-in alone (tools/s3store.py, no gateway):
# Debian's boto3 over plain HTTP (upload_file 20 MiB multipart,
# download_file's ranged GETs, put/get, generate_presigned_url GET and PUT
# + urllib, list, delete_objects, multipart refusals, wrong secret), and
# where the pyenv python has a current botocore, the same over TLS (a
# certificate made by openssl here), where botocore sends
# STREAMING-UNSIGNED-PAYLOAD-TRAILER with a CRC checksum.  The driver is
# t/tools/s3store_boto.py.

use strict;
use warnings;

use lib 't/lib';
use File::Path qw(make_path);
use JSON::PP;
use Test::More;

use CigS3Store;

my $py = CigS3Store::python();
plan skip_all => "$py is not installed" unless -x $py;

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

# boto3: Debian's over plain HTTP, a current botocore over TLS
sub boto {
    my ($python, $endpoint, @ca) = @_;
    my $work = "$dir/boto-" . ($ca[0] ? 'tls' : 'plain');
    make_path($work);
    my ($st, $out, $err) = CigS3Store::run_capture(
        { %env, AWS_CA_BUNDLE => '' }, $python, 't/tools/s3store_boto.py',
        $endpoint, 'files', $work, @ca);
    is($st, 0, "boto3 driver runs ($python)") or diag $err;
    my $r = eval { decode_json($out) } || {};
    my $v = $r->{botocore} // '?';
    is($r->{$_}, 'ok', "botocore $v: $_")
        for qw(upload_file download_file put_get presigned_get presigned_put);
    ok($r->{presigned_sigv4}, "botocore $v: presigned URL is SigV4");
    is_deeply($r->{list}, ['boto/big.bin', 'boto/small one.txt'], "botocore $v: list");
    is_deeply($r->{delete_objects}, ['boto/big.bin', 'boto/small one.txt'],
              "botocore $v: delete_objects");
    is($r->{after_delete}, 0, "botocore $v: nothing left");
    is($r->{wrong_secret}, 'SignatureDoesNotMatch', "botocore $v: wrong secret");
    is($r->{missing}, 'NoSuchKey', "botocore $v: NoSuchKey");
    is_deeply($r->{list_parts}, [[1, 1024, 1], [2, 1024, 1]], "botocore $v: list_parts");
    is($r->{part_order}, 'InvalidPartOrder', "botocore $v: parts out of order");
    is($r->{part_small}, 'EntityTooSmall', "botocore $v: a small part not last");
    is($r->{part_etag}, 'InvalidPart', "botocore $v: another part's ETag");
    is($r->{aborted}, 'NoSuchUpload', "botocore $v: aborted upload");
    return $v;
}
my ($have) = CigS3Store::run_capture({}, $py, '-c', 'import boto3');
SKIP: {
    skip "$py cannot import boto3 (apt-get install python3-boto3)", 19 if $have;
    boto($py, $ep);
}
like($s3->log, qr{^\S+ POST /files/boto/big\.bin\?uploads 200 }m, 'log: multipart upload');

my $pyenv = '/root/.pyenv/shims/python3';
my ($pst, $pver) = -x $pyenv
    ? CigS3Store::run_capture({}, $pyenv, '-c', 'import boto3, botocore; print(botocore.__version__)')
    : (1, '');
chomp $pver;
SKIP: {
    skip "no current botocore: $pyenv is missing or cannot import boto3", 21 if $pst;
    my ($maj, $min) = $pver =~ /^(\d+)\.(\d+)/;
    skip "botocore $pver predates checksum trailers (1.36)", 21
        unless $maj > 1 || $min >= 36;
    my $tls = CigS3Store->start(access_key => $KEY, secret => $SECRET, token => $TOKEN,
                                buckets => ['files'], tls => 1);
    boto($pyenv, $tls->url, $tls->cert);
    like($tls->log, qr{^\S+ PUT /files/boto/small%20one\.txt 200 - header:STREAMING-UNSIGNED-PAYLOAD-TRAILER$}m,
         "botocore $pver over TLS sent STREAMING-UNSIGNED-PAYLOAD-TRAILER, accepted");
    like($tls->log, qr{ 403 SignatureDoesNotMatch header:STREAMING-UNSIGNED-PAYLOAD-TRAILER$}m,
         'and with a wrong secret refused');
    $tls->stop;
}

unlike($s3->log, qr/\Q$TOKEN\E|\Q$SECRET\E|X-Amz-Signature=[0-9a-f]/, 'log: no token, secret or signature');
$s3->stop;
is($s3->stderr, '', 'the store wrote nothing to stderr');

done_testing();
