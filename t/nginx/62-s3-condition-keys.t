# SPDX-License-Identifier: BSD-2-Clause
# S3 condition keys from request headers and the connection, through nginx
# (the shared decision cases in t/decisions/s3-condition-keys.json cover
# the mapping over plain HTTP): a repeated header is 400, s3:TlsVersion is
# the version a real TLS handshake agreed, and nginx -t warns about a key
# that cannot be known at the edge but not about the keys now set.

use strict;
use warnings;

use lib 't/lib';
use CigTest;
use CigToken;
use File::Temp ();
use Test::More;

my $ROLE = 'arn:aws:iam::123456789012:role/User';
my $ME = IDENTITY;

my $dir = File::Temp::tempdir(CLEANUP => 1);

sub write_file {
    my ($name, $text) = @_;
    open my $fh, '>', "$dir/$name" or die;
    print $fh $text;
    close $fh;
    return "$dir/$name";
}

my $policy = write_file('keys.json', <<'JSON');
{"Version": "2012-10-17", "Statement": [
  {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::mybucket/*"},
  {"Sid": "TLS13Only", "Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::mybucket/*",
   "Condition": {"NumericLessThan": {"s3:TlsVersion": "1.3"}}},
  {"Sid": "NoPublicRead", "Effect": "Deny", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::mybucket/*",
   "Condition": {"StringEquals": {"s3:x-amz-acl": "public-read"}}}]}
JSON

my $server = <<"C";
        cognito_identity_pool eu-west-1:b45b9729-c269-4ef2-86f1-0df3e40fe92d;
        cognito_identity_key_file %%ROOT%%/t/keys/jwks-k1.json;
        cognito_identity_role authenticated $ROLE;
        cognito_identity_policy $ROLE $policy;
        large_client_header_buffers 4 16k;
        add_header X-Decision \$cognito_identity_decision always;
        add_header X-Statement \$cognito_identity_statement always;
        proxy_set_header X-Hop 1;

        if (\$is_upstream) {
            return 200 "upstream\\n";
        }

        location / {
            cognito_identity "s3";
            cognito_identity_authorize s3;
            proxy_pass http://127.0.0.1:%%PORT%%;
        }
C

# the upstream is the same server: a request from the module's proxy_pass
my $upstream = 'map $http_x_hop $is_upstream { default 0; "1" 1; }';

my %auth = (Authorization => 'Bearer ' . cognito_token());

# ---- repeated headers, over plain HTTP (no s3:TlsVersion there)

my $srv = start_nginx(<<"C");
    $upstream
    server {
        listen 127.0.0.1:%%PORT%%;
$server
    }
C

check($srv, { method => 'PUT', path => "/mybucket/$ME/a", body => "x\n",
              headers => { %auth, 'x-amz-acl' => 'private' },
              status => 200, headers_like => { 'x-decision' => 'allow' } },
      'plain HTTP: no s3:TlsVersion, the TLS Deny does not apply');

for my $h (['x-amz-acl', 'private', 'X-Amz-Acl', 'public-read'],
           ['x-amz-server-side-encryption', 'AES256',
            'x-amz-server-side-encryption', 'AES256'],
           ['x-amz-tagging', 'a=1', 'X-AMZ-TAGGING', 'b=2'],
           ['x-amz-content-sha256', 'UNSIGNED-PAYLOAD',
            'x-amz-content-sha256', 'UNSIGNED-PAYLOAD']) {
    check($srv, { method => 'PUT', path => "/mybucket/$ME/a", body => "x\n",
                  headers => [[%auth], [$h->[0] => $h->[1]],
                              [$h->[2] => $h->[3]]],
                  status => 400,
                  log_like => qr/cognito identity: 400, \Q$h->[0]\E is repeated/ },
          "$h->[0] given twice is 400");
}

check($srv, { method => 'PUT', path => "/mybucket/$ME/a", body => "x\n",
              headers => { %auth, 'x-amz-storage-class' => 'A' x 8193 },
              status => 400,
              log_like => qr/x-amz-storage-class is longer than 8192 bytes/ },
      'an overlong header value is 400');

$srv->stop;

# ---- s3:TlsVersion from a real handshake

SKIP: {
    my ($curl) = grep { -x } map { "$_/curl" } split /:/, $ENV{PATH} // '';
    skip 'curl is needed for the TLS requests', 6 unless $curl;

    system("openssl req -x509 -newkey rsa:2048 -nodes -keyout $dir/key.pem "
           . "-out $dir/cert.pem -days 2 -subj /CN=localhost 2>/dev/null") == 0
        or die 'openssl req failed';

    # the module's proxy_pass reaches the same server over TLS
    (my $tls_server = $server) =~ s{proxy_pass http://}{proxy_pass https://};

    my $tls = start_nginx(<<"C");
    $upstream
    server {
        listen 127.0.0.1:%%PORT%% ssl;
        ssl_certificate $dir/cert.pem;
        ssl_certificate_key $dir/key.pem;
        ssl_protocols TLSv1.2 TLSv1.3;
$tls_server
    }
C

    my $url = 'https://127.0.0.1:' . $tls->port . "/mybucket/$ME/a";

    for my $v (['--tls-max', '1.2', 403, 'explicit-deny', 1],
               ['--tlsv1.3', undef, 200, 'allow', 0]) {
        my @args = ('-sk', '-o', '/dev/null', '-D', '-', '-H',
                    "Authorization: $auth{Authorization}",
                    $v->[0], defined $v->[1] ? ($v->[1]) : (), $url);
        open my $fh, '-|', $curl, @args or die "curl: $!";
        my $out = do { local $/; <$fh> };
        close $fh;

        my $label = $v->[0] eq '--tls-max' ? 'TLS 1.2' : 'TLS 1.3';
        like($out, qr{^HTTP/1\.1 $v->[2] }, "$label: $v->[2]");
        like($out, qr{^X-Decision: $v->[3]\r?$}m, "$label: $v->[3]");
        like($out, qr{^X-Statement: $v->[4]\r?$}m,
             "$label: statement $v->[4]");
    }

    $tls->stop;
}

# ---- nginx -t: a key that cannot be known warns; the keys now set do not

my $edge = write_file('edge.json', <<'JSON');
{"Version": "2012-10-17", "Statement": [
  {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::mybucket/*",
   "Condition": {"StringEquals": {"s3:ExistingObjectTag/environment": "production"}}},
  {"Effect": "Deny", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::mybucket/*",
   "Condition": {"StringEquals": {"s3:RequestObjectTag/Project": "x", "s3:x-amz-acl": "public-read",
                                  "s3:x-amz-server-side-encryption": "aws:kms",
                                  "s3:object-lock-mode": "COMPLIANCE", "s3:authType": "REST-HEADER",
                                  "s3:signatureversion": "AWS4-HMAC-SHA256"},
                 "ForAnyValue:StringEquals": {"s3:RequestObjectTagKeys": "y"},
                 "NumericLessThan": {"s3:TlsVersion": "1.2"}}}]}
JSON

my $out = nginx_config_ok(<<"C", 'a policy with the header keys loads');
    server {
        listen 127.0.0.1:%%PORT%%;
        cognito_identity_pool eu-west-1:b45b9729-c269-4ef2-86f1-0df3e40fe92d;
        cognito_identity_key_file %%ROOT%%/t/keys/jwks-k1.json;
        cognito_identity_role authenticated $ROLE;
        cognito_identity_policy $ROLE $edge;
        location / { cognito_identity "s3"; cognito_identity_authorize s3; }
    }
C
like($out, qr/\[warn\].*statement 0: condition key "s3:ExistingObjectTag\/environment" is never set by this module and is treated as absent/,
     's3:ExistingObjectTag draws a warning');
my @warns = $out =~ /(never set by this module)/g;
is(scalar @warns, 1, 'and it alone: the header keys are set');

done_testing();
