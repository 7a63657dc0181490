# SPDX-License-Identifier: BSD-2-Clause
# S3 condition keys from request headers and the connection, through Apache
# httpd (the shared decision cases in t/decisions/s3-condition-keys.json
# cover the mapping over plain HTTP): httpd joins a repeated header with
# ", ", which is 400 where one value cannot hold it, and s3:TlsVersion is
# the version mod_ssl's handshake agreed.

use strict;
use warnings;

use lib 't/lib';
use CigApache;
use CigToken;
use CigTest -nomodule;
use File::Temp ();
use IO::Socket::INET;
use Test::More;

my $ROLE = 'arn:aws:iam::123456789012:role/User';
my $ME = IDENTITY;

my $dir = File::Temp::tempdir(CLEANUP => 1);

open my $fh, '>', "$dir/keys.json" or die;
print $fh <<'JSON';
{"Version": "2012-10-17", "Statement": [
  {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::mybucket/*"},
  {"Sid": "TLS13Only", "Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::mybucket/*",
   "Condition": {"NumericLessThan": {"s3:TlsVersion": "1.3"}}},
  {"Sid": "NoPublicRead", "Effect": "Deny", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::mybucket/*",
   "Condition": {"StringEquals": {"s3:x-amz-acl": "public-read"}}}]}
JSON
close $fh;

system("openssl req -x509 -newkey rsa:2048 -nodes -keyout $dir/key.pem "
           . "-out $dir/cert.pem -days 2 -subj /CN=localhost 2>/dev/null") == 0
        or die 'openssl req failed';

# a second port, for TLS
my $probe = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                  Listen => 1) or die "no free port: $!";
my $tls_port = $probe->sockport;
close $probe;

my $srv = start_apache(<<"CONF", modules => [qw(ssl socache_shmcb)]);
LimitRequestFieldSize 16384
CognitoIdentityPool eu-west-1:b45b9729-c269-4ef2-86f1-0df3e40fe92d
CognitoIdentityKeyFile %%ROOT%%/t/keys/jwks-k1.json
CognitoIdentityRole authenticated $ROLE
Header always set X-Decision "%{COGNITO_IDENTITY_DECISION}e" env=COGNITO_IDENTITY_DECISION
Header always set X-Statement "%{COGNITO_IDENTITY_STATEMENT}e" env=COGNITO_IDENTITY_STATEMENT
Header always set X-Error "%{COGNITO_IDENTITY_ERROR}e" env=COGNITO_IDENTITY_ERROR
ScriptAliasMatch ^/ %%DIR%%/cgi/echo.cgi
Listen 127.0.0.1:$tls_port
<VirtualHost 127.0.0.1:$tls_port>
    SSLEngine on
    SSLCertificateFile $dir/cert.pem
    SSLCertificateKeyFile $dir/key.pem
    SSLProtocol -all +TLSv1.2 +TLSv1.3
</VirtualHost>
<Location />
    CognitoIdentityPolicy $ROLE $dir/keys.json
    CognitoIdentityAuthorize s3
    AuthType CognitoIdentity
    AuthName "s3"
    Require cognito-policy
</Location>
CONF

my %auth = (Authorization => 'Bearer ' . cognito_token());

check($srv, { method => 'PUT', path => "/mybucket/$ME/a", body => "x\n",
              headers => { %auth, 'x-amz-acl' => 'private' },
              status => 200, headers_like => { 'x-decision' => 'allow' } },
      'plain HTTP: no s3:TlsVersion, the TLS Deny does not apply');

check($srv, { method => 'PUT', path => "/mybucket/$ME/a", body => "x\n",
              headers => { %auth, 'x-amz-acl' => 'public-read' },
              status => 403, headers_like => { 'x-decision' => 'explicit-deny',
                                               'x-statement' => '2' } },
      'x-amz-acl public-read: the Deny applies');

for my $h (['x-amz-acl', 'private', 'X-Amz-Acl', 'public-read'],
           ['x-amz-server-side-encryption', 'AES256',
            'x-amz-server-side-encryption', 'AES256'],
           ['x-amz-content-sha256', 'UNSIGNED-PAYLOAD',
            'x-amz-content-sha256', 'UNSIGNED-PAYLOAD']) {
    check($srv, { method => 'PUT', path => "/mybucket/$ME/a", body => "x\n",
                  headers => [[%auth], [$h->[0] => $h->[1]],
                              [$h->[2] => $h->[3]]],
                  status => 400,
                  headers_like => { 'x-error' => qr/\Q$h->[0]\E is repeated/ } },
          "$h->[0] given twice (joined by httpd) is 400");
}

check($srv, { method => 'PUT', path => "/mybucket/$ME/a", body => "x\n",
              headers => [[%auth], ['x-amz-tagging' => 'a=1'],
                          ['x-amz-tagging' => 'b=2']],
              status => 400, headers_like => { 'x-error' => qr/x-amz-tagging: character 0x20/ } },
      'x-amz-tagging given twice (joined by httpd) is 400');

check($srv, { method => 'PUT', path => "/mybucket/$ME/a", body => "x\n",
              headers => { %auth, 'x-amz-storage-class' => 'A' x 8193 },
              status => 400,
              headers_like => { 'x-error' => qr/x-amz-storage-class is longer than 8192 bytes/ } },
      'an overlong header value is 400');

SKIP: {
    my ($curl) = grep { -x } map { "$_/curl" } split /:/, $ENV{PATH} // '';
    skip 'curl is needed for the TLS requests', 6 unless $curl;

    my $url = "https://127.0.0.1:$tls_port/mybucket/$ME/a";

    for my $v (['--tls-max', '1.2', 403, 'explicit-deny', 1],
               ['--tlsv1.3', undef, 200, 'allow', 0]) {
        my @args = ('-sk', '-o', '/dev/null', '-D', '-', '-H',
                    "Authorization: $auth{Authorization}",
                    $v->[0], defined $v->[1] ? ($v->[1]) : (), $url);
        open my $c, '-|', $curl, @args or die "curl: $!";
        my $out = do { local $/; <$c> };
        close $c;

        my $label = $v->[0] eq '--tls-max' ? 'TLS 1.2' : 'TLS 1.3';
        like($out, qr{^HTTP/1\.1 $v->[2] }, "$label: $v->[2]");
        like($out, qr{^X-Decision: $v->[3]\r?$}m, "$label: $v->[3]");
        like($out, qr{^X-Statement: $v->[4]\r?$}m,
             "$label: statement $v->[4]");
    }
}

$srv->stop;

done_testing();
