# SPDX-License-Identifier: BSD-2-Clause
# The S3 stand-in (tools/s3store.py) and the signer of signed chunks
# (t/lib/s3chunk.py) against AWS's worked examples: the S3 API reference's
# "Signature Calculations for the Authorization Header: Transferring Payload
# in Multiple Chunks (Chunked Upload)" and "... Including Trailing Headers"
# (https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html and
# sigv4-streaming-trailers.html).  The signer must reproduce every published
# signature; the store must accept each example exactly as published and
# refuse it with a tampered seed, chunk, chunk signature, trailer or length.
# Then the signed-chunk forms botocore never sends, with fresh dates, and the
# unsigned trailer's checksum.

use strict;
use warnings;

use lib 't/lib';
use JSON::PP;
use POSIX ();
use Test::More;

use CigS3Store;

my $py = CigS3Store::python();
plan skip_all => "$py is not installed" unless -x $py;
my $signer = 't/lib/s3chunk.py';

# the published values
my %AWS = (
    plain => {
        seed   => '4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9',
        chunks => ['ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648',
                   '0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497',
                   'b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9'],
    },
    trailer => {
        seed    => '106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e',
        chunks  => ['b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2',
                    '1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7',
                    '2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992'],
        trailer => 'd81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435',
        crc32c  => 'sOO8/Q==',
    },
);

for my $form (qw(plain trailer)) {
    my @flag = $form eq 'trailer' ? ('--trailer') : ();
    my ($st, $out, $err) = CigS3Store::run_capture({}, $py, $signer,
                                                   'aws-example', @flag);
    is($st, 0, "signer runs ($form)") or diag $err;
    my $got = decode_json($out);
    is($got->{seed}, $AWS{$form}{seed}, "$form: seed signature as published");
    for my $i (0 .. 2) {
        is($got->{chunks}[$i], $AWS{$form}{chunks}[$i],
           "$form: chunk " . ($i + 1) . " signature as published");
    }
    if ($form eq 'trailer') {
        is($got->{trailer}, $AWS{trailer}{trailer},
           'trailer: trailer signature as published');
        is($got->{crc32c}, $AWS{trailer}{crc32c},
           'trailer: crc32c of the object as published');
    }
}

# the store, with the example's credentials and clock
my $s3 = CigS3Store->start(access_key => 'AKIAIOSFODNN7EXAMPLE',
                           secret => 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
                           clock => '20130524T000000Z',
                           buckets => ['examplebucket'],
                           args => ['--vhost-domain', 's3.amazonaws.com']);

is(do { local $/; open my $fh, '<', $s3->pid_file or die; <$fh> }, $s3->pid . "\n",
   '--pid writes the process id');

sub example {
    my (@args) = @_;
    my ($st, $out, $err) = CigS3Store::run_capture({}, $py, $signer,
                                                   'aws-example', '--raw', @args);
    die "signer: $err" if $st;
    return $out;
}

for my $form (qw(plain trailer)) {
    my @flag = $form eq 'trailer' ? ('--trailer') : ();
    my $req = example(@flag);
    # the request carries the published signatures, not merely ours
    like($req, qr/Signature=$AWS{$form}{seed}\r\n/, "$form: request carries the published seed");
    like($req, qr/\Q$_\E/, "$form: request carries published $_")
        for @{ $AWS{$form}{chunks} };
    my $r = $s3->raw($req);
    is($r->{status}, 200, "$form: the store accepts AWS's example") or diag $r->{raw};
    my @tampers = qw(seed chunk1 chunk2 final data decoded-length);
    push @tampers, qw(trailer-value trailer-signature) if $form eq 'trailer';
    for my $t (@tampers) {
        $r = $s3->raw(example(@flag, '--tamper', $t));
        is("$r->{status} $r->{code}", '403 SignatureDoesNotMatch',
           "$form: tampered $t refused");
    }
}

# the trailer example does not sign Content-Length: sent with HTTP's own
# chunked encoding around the aws-chunked body, as SDKs stream it
{
    my ($head, $body) = split /\r\n\r\n/, example('--trailer'), 2;
    $head =~ s/\r\ncontent-length: \d+//i or die 'no content-length';
    my $wrapped = '';
    for (my $i = 0; $i < length $body; $i += 5000) {
        my $piece = substr($body, $i, 5000);
        $wrapped .= sprintf("%x\r\n%s\r\n", length $piece, $piece);
    }
    my $r = $s3->raw("$head\r\nTransfer-Encoding: chunked\r\n\r\n${wrapped}0\r\n\r\n");
    is($r->{status}, 200, 'trailer example inside HTTP chunked encoding') or diag $r->{raw};
}

# malformed bodies of the trailer example (its Content-Length is not signed)
{
    my ($head, $body) = split /\r\n\r\n/, example('--trailer'), 2;
    my $send = sub {
        my ($b) = @_;
        (my $h = $head) =~ s/(\r\ncontent-length: )\d+/$1 . length $b/ie;
        return $s3->raw("$h\r\n\r\n$b");
    };
    my $r = $send->(substr($body, 0, 60000));
    is("$r->{status} $r->{code}", '400 IncompleteBody', 'a body cut inside a chunk');
    (my $b = $body) =~ s/x-amz-checksum-crc32c:/x-amz-checksum-crc32:/ or die;
    $r = $send->($b);
    is("$r->{status} $r->{code}", '400 MalformedTrailerError', 'a trailer x-amz-trailer does not declare');
    ($b = $body) =~ s/\r\nx-amz-trailer-signature:[0-9a-f]+// or die;
    $r = $send->($b);
    is("$r->{status} $r->{code}", '403 SignatureDoesNotMatch', 'a trailer without its signature');
    ($b = $body) =~ s/^10000;/10000 ;/ or die;
    $r = $send->($b);
    is("$r->{status} $r->{code}", '400 IncompleteBody', 'a malformed chunk header');
    ($b = $body) =~ s/;chunk-signature=[0-9a-f]+\r\n/\r\n/ or die;
    $r = $send->($b);
    is("$r->{status} $r->{code}", '403 SignatureDoesNotMatch', 'a chunk without a signature');
}

# the object as stored is the decoded payload, 65 KiB of 'a'
my $obj = `cat $s3->{root}/examplebucket/*.data`;
is($obj, 'a' x 66560, 'the stored object is the decoded payload');

# the single-chunk and presigned examples of the same reference
# (sig-v4-header-based-auth.html, sigv4-query-string-auth.html), virtual-
# hosted; test.txt is put first, signed by our signer for that date
{
    my $f = "$s3->{dir}/test.txt";
    open my $fh, '>', $f or die;
    print {$fh} "Welcome to Amazon S3.\n";
    close $fh;
    my ($st, $out, $err) = CigS3Store::run_capture(
        { S3CHUNK_ACCESS_KEY => 'AKIAIOSFODNN7EXAMPLE',
          S3CHUNK_SECRET_KEY => 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' },
        $py, $signer, 'put', 'http://examplebucket.s3.amazonaws.com:' . $s3->port . '/test.txt',
        $f, '--payload', 'sha256', '--date', '20130524T000000Z', '--connect', '127.0.0.1');
    like($out, qr/^200 /, 'virtual-hosted PUT of test.txt') or diag "$out$err";
    my $r = $s3->raw("GET /test.txt HTTP/1.1\r\nHost: examplebucket.s3.amazonaws.com\r\n"
        . "Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/"
        . "aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature="
        . "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41\r\n"
        . "Range: bytes=0-9\r\nx-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\r\n"
        . "x-amz-date: 20130524T000000Z\r\nConnection: close\r\n\r\n");
    is("$r->{status} $r->{body}", '206 Welcome to', "AWS's GET Object example (header form, range)");
    $r = $s3->raw("GET /?max-keys=2&prefix=J HTTP/1.1\r\nHost: examplebucket.s3.amazonaws.com\r\n"
        . "Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/"
        . "aws4_request,SignedHeaders=host;x-amz-content-sha256;x-amz-date,Signature="
        . "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7\r\n"
        . "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\r\n"
        . "x-amz-date: 20130524T000000Z\r\nConnection: close\r\n\r\n");
    like("$r->{status} $r->{body}", qr{^200 .*<Prefix>J</Prefix><MaxKeys>2</MaxKeys>}s,
         "AWS's GET Bucket (List Objects) example");
    my $q = 'X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524'
          . '%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400'
          . '&X-Amz-SignedHeaders=host&X-Amz-Signature='
          . 'aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404';
    $r = $s3->raw("GET /test.txt?$q HTTP/1.1\r\nHost: examplebucket.s3.amazonaws.com\r\n"
                  . "Connection: close\r\n\r\n");
    is("$r->{status} $r->{body}", "200 Welcome to Amazon S3.\n", "AWS's presigned URL example");
    my $put = sub {
        my ($body) = @_;
        return $s3->raw("PUT /test%24file.text HTTP/1.1\r\nHost: examplebucket.s3.amazonaws.com\r\n"
            . "Date: Fri, 24 May 2013 00:00:00 GMT\r\nAuthorization: AWS4-HMAC-SHA256 Credential="
            . "AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=date;host;"
            . "x-amz-content-sha256;x-amz-date;x-amz-storage-class,Signature="
            . "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd\r\n"
            . "x-amz-date: 20130524T000000Z\r\nx-amz-storage-class: REDUCED_REDUNDANCY\r\n"
            . "x-amz-content-sha256: 44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072\r\n"
            . "Content-Length: " . length($body) . "\r\nConnection: close\r\n\r\n$body");
    };
    $r = $put->('Welcome to Amazon S3.');
    is($r->{status}, 200, "AWS's PUT Object example (payload hash, \$ encoded in the path)");
    $r = $put->('Welcome to Amazon S4.');
    is("$r->{status} $r->{code}", '400 XAmzContentSHA256Mismatch', 'the same with another body');
    (my $bad = $q) =~ s/Expires=86400/Expires=86401/;
    $r = $s3->raw("GET /test.txt?$bad HTTP/1.1\r\nHost: examplebucket.s3.amazonaws.com\r\n"
                  . "Connection: close\r\n\r\n");
    is("$r->{status} $r->{code}", '403 SignatureDoesNotMatch', 'presigned example, X-Amz-Expires changed');
    $r = $s3->raw("GET /test.txt?$q HTTP/1.1\r\nHost: examplebucket.s3.amazonaws.com:80\r\n"
                  . "Connection: close\r\n\r\n");
    is("$r->{status} $r->{code}", '403 SignatureDoesNotMatch', 'presigned example, a port added to Host');
}

my $log = $s3->log;
like($log, qr{^\S+ PUT /examplebucket/chunkObject\.txt 200 - header:STREAMING-AWS4-HMAC-SHA256-PAYLOAD$}m, 'log: accepted');
like($log, qr{^\S+ PUT /examplebucket/chunkObject\.txt 403 SignatureDoesNotMatch header:STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER$}m,
     'log: refused');
$s3->stop;

# signed chunks with fresh dates, through the signer's put
my %cred = (S3CHUNK_ACCESS_KEY => 'AKIDSTANDIN', S3CHUNK_SECRET_KEY => 'standin-secret',
            S3CHUNK_SESSION_TOKEN => 'standin-token');
$s3 = CigS3Store->start(access_key => 'AKIDSTANDIN', secret => 'standin-secret',
                        token => 'standin-token', buckets => ['bucket1']);
my $file = "$s3->{dir}/upload.bin";
{
    open my $fh, '>', $file or die;
    print {$fh} join('', map { chr(($_ * 7) % 251) } 0 .. 200_000);
}
my $url = $s3->url . '/bucket1/dir/obj%20one.bin';

sub put {
    my ($env, @args) = @_;
    my ($st, $out, $err) = CigS3Store::run_capture({ %cred, %$env }, $py, $signer,
                                                   'put', $url, $file, @args);
    $out .= $err;
    my ($status) = $out =~ /^(\d{3})/;
    my ($code) = $out =~ m{<Code>([^<]*)</Code>};
    return ($status // 0) . ' ' . ($code // '-');
}

is(put({}, '--chunk-size', 65536), '200 -', 'signed chunks, 64 KiB');
is(put({}, '--chunk-size', 8192), '200 -', 'signed chunks, 8 KiB');
for my $alg (qw(crc32 crc32c sha1 sha256)) {
    is(put({}, '--trailer', $alg), '200 -', "signed chunks with a signed $alg trailer");
    is(put({}, '--unsigned-trailer', '--trailer', $alg), '200 -',
       "unsigned chunks with a $alg trailer");
}
is(put({}, '--tamper', 'chunk2'), '403 SignatureDoesNotMatch', 'tampered chunk signature');
is(put({}, '--tamper', 'data'), '403 SignatureDoesNotMatch', 'tampered chunk data');
is(put({}, '--tamper', 'seed'), '403 SignatureDoesNotMatch', 'tampered seed');
is(put({}, '--trailer', 'crc32', '--tamper', 'trailer-signature'),
   '403 SignatureDoesNotMatch', 'tampered trailer signature');
is(put({}, '--trailer', 'crc32', '--tamper', 'trailer-value'),
   '403 SignatureDoesNotMatch', 'tampered signed trailer');
is(put({}, '--unsigned-trailer', '--tamper', 'trailer-value'), '400 BadDigest',
   'wrong checksum in an unsigned trailer');
is(put({ S3CHUNK_SECRET_KEY => 'wrong' }), '403 SignatureDoesNotMatch', 'wrong secret');
is(put({ S3CHUNK_ACCESS_KEY => 'AKIDOTHER' }), '403 InvalidAccessKeyId', 'unknown key id');
is(put({ S3CHUNK_SESSION_TOKEN => 'other' }), '400 InvalidToken', 'wrong session token');
is(put({}, '--region', 'eu-west-1'), '400 AuthorizationHeaderMalformed', 'wrong region');

# one body, signed by its SHA-256 or unsigned; the header form's refusals
is(put({}, '--payload', 'sha256'), '200 -', 'payload signed by its SHA-256');
is(put({}, '--payload', 'unsigned'), '200 -', 'UNSIGNED-PAYLOAD');
is(put({}, '--payload', 'sha256', '--tamper', 'data'), '400 XAmzContentSHA256Mismatch',
   'a body that does not match x-amz-content-sha256');
is(put({}, '--payload', 'unsigned', '--tamper', 'seed'), '403 SignatureDoesNotMatch',
   'header form: tampered signature');
is(put({}, '--payload', 'sha256', '--date',
       POSIX::strftime('%Y%m%dT%H%M%SZ', gmtime(time - 3600))),
   '403 RequestTimeTooSkewed', 'a date an hour old');
is(put({}, '--payload', 'unsigned', '--unsigned-header', 'x-amz-meta-extra:1'),
   '403 AccessDenied', 'an unsigned x-amz-* header');
my $r = $s3->raw("GET /bucket1/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
is("$r->{status} $r->{code}", '403 AccessDenied', 'no signature at all');
$r = $s3->raw("GET /bucket1/ HTTP/1.1\r\nHost: 127.0.0.1\r\nx-amz-date: 20130524T000000Z\r\n"
              . "Authorization: AWS4-ECDSA-P256-SHA256 Credential=AKIDSTANDIN/20130524/s3/"
              . "aws4_request, SignedHeaders=host, Signature=00\r\nConnection: close\r\n\r\n");
is("$r->{status} $r->{code}", '400 InvalidArgument', 'SigV4a refused');
like($r->{body}, qr/SigV4a/, 'SigV4a refused by name');

# presigned URLs: limits of X-Amz-Expires and X-Amz-Date, region
sub presigned {
    my (@args) = @_;
    my ($st, $out, $err) = CigS3Store::run_capture(\%cred, $py, $signer, 'presign',
                                                   $url, @args);
    chomp $out;
    my ($path) = $out =~ m{^https?://[^/]+(/.*)$} or die "presign: $err";
    my $r = $s3->raw("GET $path HTTP/1.1\r\nHost: 127.0.0.1:" . $s3->port
                     . "\r\nConnection: close\r\n\r\n");
    return "$r->{status} $r->{code}";
}
is(presigned(), '200 ', 'presigned GET');
is(presigned('--expires', '604801'), '400 AuthorizationQueryParametersError',
   'X-Amz-Expires over a week');
is(presigned('--date', POSIX::strftime('%Y%m%dT%H%M%SZ', gmtime(time + 3600))),
   '403 AccessDenied', 'a presigned URL dated an hour ahead');
is(presigned('--date', POSIX::strftime('%Y%m%dT%H%M%SZ', gmtime(time - 7200)),
             '--expires', '3600'), '403 AccessDenied', 'an expired presigned URL');
is(presigned('--region', 'eu-west-1'), '400 AuthorizationQueryParametersError',
   'a presigned URL for another region');

# keys: 1,024 bytes at most, as S3
{
    my $long = $url =~ s{/dir/obj%20one\.bin$}{}r;
    my ($st, $out) = CigS3Store::run_capture(\%cred, $py, $signer, 'put',
        "$long/" . ('k' x 1024), $file, '--payload', 'unsigned');
    like($out, qr/^200 /, 'a 1,024-byte key');
    ($st, $out) = CigS3Store::run_capture(\%cred, $py, $signer, 'put',
        "$long/" . ('k' x 1025), $file, '--payload', 'unsigned');
    like($out, qr{^400 .*<Code>KeyTooLongError</Code>}s, 'a 1,025-byte key: KeyTooLongError');
}

# malformed requests: an S3 error each, never an internal one
{
    my $auth = 'Authorization: AWS4-HMAC-SHA256 ';
    my $date = POSIX::strftime('%Y%m%dT%H%M%SZ', gmtime);
    my $cred = 'Credential=AKIDSTANDIN/' . substr($date, 0, 8) . '/us-east-1/s3/aws4_request';
    my %bad = (
        'no fields'         => [$auth, 'AuthorizationHeaderMalformed'],
        'a field twice'     => ["$auth$cred,$cred,SignedHeaders=host,Signature=00",
                                'AuthorizationHeaderMalformed'],
        'short credential'  => ["${auth}Credential=AKIDSTANDIN/x,SignedHeaders=host,Signature=00",
                                'AuthorizationHeaderMalformed'],
        'host not signed'   => ["$auth$cred,SignedHeaders=x-amz-date,Signature=00",
                                'AuthorizationHeaderMalformed'],
        'unsorted headers'  => ["$auth$cred,SignedHeaders=x-amz-date;host,Signature=00",
                                'AuthorizationHeaderMalformed'],
        'another service'   => ["${auth}Credential=AKIDSTANDIN/" . substr($date, 0, 8)
                                . '/us-east-1/iam/aws4_request,SignedHeaders=host,Signature=00',
                                'AuthorizationHeaderMalformed'],
    );
    for my $name (sort keys %bad) {
        my ($line, $code) = @{ $bad{$name} };
        my $r = $s3->raw("GET /bucket1/ HTTP/1.1\r\nHost: 127.0.0.1\r\n$line\r\n"
                         . "x-amz-date: $date\r\nx-amz-content-sha256: UNSIGNED-PAYLOAD\r\n"
                         . "x-amz-security-token: standin-token\r\n"
                         . "Connection: close\r\n\r\n");
        is("$r->{status} $r->{code}", "400 $code", "malformed Authorization: $name");
    }
    my $r = $s3->raw("GET /bucket1/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=$date HTTP/1.1\r\n"
                     . "Host: 127.0.0.1\r\nConnection: close\r\n\r\n");
    is("$r->{status} $r->{code}", '400 AuthorizationQueryParametersError',
       'presigned without its other parameters');
    $r = $s3->raw("PUT /bucket1/x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: -5\r\n"
                  . "Connection: close\r\n\r\n");
    is($r->{status}, 403, 'a negative Content-Length, unsigned: refused');
}

my $stored = do { local $/; open my $fh, '<', $file or die; <$fh> };
my @objs = grep { -s $_ == length $stored } glob("$s3->{root}/bucket1/*.data");
is(scalar @objs, 2, 'two objects stored: the file and the long key');
is(do { local $/; open my $fh, '<', $objs[0] or die; <$fh> }, $stored,
   'stored object equals the file');
unlike($s3->log, qr/standin-token|standin-secret/, 'no secret in the log');
$s3->stop;
is($s3->stderr, '', 'the store wrote nothing to stderr (no internal error)');

done_testing();
