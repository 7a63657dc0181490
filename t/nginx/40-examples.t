# SPDX-License-Identifier: BSD-2-Clause
# The examples work as the README says: the quick start is started with its
# own script and walked through with curl, the real client; the production
# example passes "nginx -t" with AWS-format keys.

use strict;
use warnings;

use lib 't/lib';
use CigTest;
use Test::More;
use File::Temp qw(tempdir);
use IO::Socket::INET;

my $root = repo_root();

sub free_port {
    my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                  Listen => 1) or die "no port: $!";
    return $s->sockport;
}

sub sh {
    my ($cmd) = @_;
    my $out = `$cmd 2>&1`;
    return ($? >> 8, $out);
}

# NAME=VALUE of every "export" line of a text
sub exports {
    my ($text) = @_;
    my %env;
    for my $line ($text =~ /^\s*export\s+(.*)$/mg) {
        $env{$1} = $2 while $line =~ /\b([A-Z_][A-Z0-9_]*)=(\S+)/g;
    }
    return %env;
}

# curl -i: status line and headers, like a user sees them
sub curl {
    my (@args) = @_;
    my ($rc, $out) = sh(join ' ', 'curl -sS -i', @args);
    my ($status) = $out =~ m{^HTTP/1\.1 (\d+)}m;
    return ($status // 0, $out);
}

# The quick start, as `make run` starts it.
my $run = tempdir('cigquick-XXXXXX', TMPDIR => 1, CLEANUP => 1);
my ($port, $app) = (free_port(), free_port());
local $ENV{CIG_RUN} = $run;

my ($rc, $out) = sh("$root/examples/run-quickstart.sh start $port $app");
is($rc, 0, 'quick start starts') or diag($out);
like($out, qr/aws cognito-identity get-id/, 'it prints the next commands to try');
my $out_start = $out;

my $token = `$root/examples/dev/dev-token.sh`;
chomp $token;
my $guest = `$root/examples/dev/dev-token.sh guest`;
chomp $guest;
my $url = "http://127.0.0.1:$port";

my ($status, $resp) = curl("-H 'Authorization: Bearer $token'", "$url/api/hello");
is($status, 200, 'walkthrough: token accepted');
like($resp, qr/"identity":"us-east-1:11111111-2222-4333-8444-555555555555"/,
     'walkthrough: the application sees the identity');

($status, $resp) = curl("$url/api/hello");
is($status, 401, 'walkthrough: no token');
like($resp, qr/^WWW-Authenticate: Bearer realm="quickstart"\r?$/m,
     'walkthrough: challenge names the realm');

($status, $resp) = curl("-H 'Authorization: Bearer x$token'", "$url/api/hello");
is($status, 401, 'walkthrough: damaged token');
like($resp, qr/error="invalid_token"/, 'walkthrough: invalid_token');

($status) = curl("-H 'Authorization: Bearer $guest'", "$url/api/hello");
is($status, 403, 'walkthrough: guest refused on /api/');

($status, $resp) = curl("-H 'Authorization: Bearer $guest'", "$url/guest/hello");
is($status, 200, 'walkthrough: guest accepted on /guest/');

($status, $resp) = curl("-H 'X-Cognito-Identity-Id: admin'",
                        "-H 'Authorization: Bearer $token'", "$url/api/hello");
unlike($resp, qr/"identity":"admin"/, 'walkthrough: spoofed header replaced');

($status) = curl("$url/");
is($status, 200, 'walkthrough: public page');

# The variables the README's walkthrough and `make run` export: AWS CLI v2
# reads AWS_REGION, v1 only AWS_DEFAULT_REGION, so both must be set.
my %readme_env = exports(do { local (@ARGV, $/) = "$root/README.md"; <> });
my %run_env = exports($out_start);
for my $v (qw(AWS_REGION AWS_DEFAULT_REGION)) {
    is($readme_env{$v}, 'us-east-1', "README walkthrough exports $v");
    is($run_env{$v}, 'us-east-1', "make run prints an export of $v");
}

# The local identity pool, with the AWS CLI as the README shows it.
SKIP: {
my $AWS = '/usr/bin/aws';
skip "Debian's AWS CLI ($AWS) is not installed", 17 unless -x $AWS;

local $ENV{AWS_SHARED_CREDENTIALS_FILE} = '/dev/null';
local $ENV{AWS_CONFIG_FILE};
local $ENV{AWS_REGION};
local $ENV{AWS_DEFAULT_REGION};
my $pool = 'us-east-1:0d0d0d0d-0000-4000-8000-000000000001';
my $ep = "$url/cognito/";
my $aws = "$AWS cognito-identity --endpoint-url $ep --no-sign-request --output text";

# No AWS CLI v1 is packaged here (Debian 12's awscli is v2): v1 is stood in
# for by the v2 CLI seeing only what v1 reads, AWS_DEFAULT_REGION.
delete $ENV{AWS_REGION};
delete $ENV{AWS_DEFAULT_REGION};
$ENV{AWS_CONFIG_FILE} = '/dev/null';
my ($v1rc, $v1out) = sh("$aws get-id --identity-pool-id $pool --query IdentityId");
isnt($v1rc, 0, 'walkthrough: without a region the CLI refuses (control)');
like($v1out, qr/region/i, 'walkthrough: and says it needs a region');
# (an empty region passes with --endpoint-url: an unset one is left unset)
$ENV{AWS_DEFAULT_REGION} = $readme_env{AWS_DEFAULT_REGION}
    if defined $readme_env{AWS_DEFAULT_REGION};
($v1rc, $v1out) = sh("$aws get-id --identity-pool-id $pool --query IdentityId");
like($v1out, qr/^us-east-1:[0-9a-f-]{36}$/,
     'walkthrough: aws get-id with only AWS_DEFAULT_REGION, as v1 reads it');

# then as the README has it
$ENV{$_} = $readme_env{$_} for keys %readme_env;

my $id = `$aws get-id --identity-pool-id $pool --query IdentityId`;
chomp $id;
like($id, qr/^us-east-1:[0-9a-f-]{36}$/, 'walkthrough: aws get-id');
my $mine = `$aws get-open-id-token --identity-id $id --query Token`;
chomp $mine;
like($mine, qr/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/, 'walkthrough: aws get-open-id-token');

my $other_id = `$aws get-id --identity-pool-id $pool --query IdentityId`;
chomp $other_id;
my $other = `$aws get-open-id-token --identity-id $other_id --query Token`;
chomp $other;

# Storage: each identity reads and writes only its own directory.
($status) = curl("-X PUT --data-binary hello", "-H 'Authorization: Bearer $mine'",
                 "$url/files/$id/hello.txt");
is($status, 201, 'storage: write your own file');

($status, $resp) = curl("-H 'Authorization: Bearer $mine'", "$url/files/$id/hello.txt");
is($status, 200, 'storage: read your own file');
like($resp, qr/\r\n\r\nhello$/, 'storage: with its content');

($status, $resp) = curl("-H 'Authorization: Bearer $other'", "$url/files/$id/hello.txt");
is($status, 403, "storage: another identity's file is refused");
like($resp, qr{<Code>AccessDenied</Code>}, 'storage: in S3 dialect');

($status) = curl("-X PUT --data-binary evil", "-H 'Authorization: Bearer $other'",
                 "$url/files/$id/hello.txt");
is($status, 403, "storage: another identity cannot write either");

($status) = curl("-H 'Authorization: Bearer $other'", "$url/files/$id%2F..%2F$other_id/x");
is($status, 400, 'storage: an encoded slash is refused');

($status, $resp) = curl("-H 'Authorization: Bearer $mine'", "$url/files/$id/");
like($resp, qr/hello\.txt/, 'storage: your directory lists your files');

# The API: each identity only under /api/users/<its id>/.
($status, $resp) = curl("-H 'Authorization: Bearer $mine'", "$url/api/users/$id/profile");
is($status, 200, 'api: your own resource');
($status, $resp) = curl("-H 'Authorization: Bearer $other'", "$url/api/users/$id/profile");
is($status, 403, "api: another identity's resource is refused");
like($resp, qr/"Message":"User is not authorized/, 'api: in API Gateway dialect');

my $log = do { local (@ARGV, $/) = "$run/error.log"; <> };
like($log, qr/cognito identity: 403, no statement of the 1 policies of \S+QuickstartGuest allows s3:GetObject on arn:aws:s3:::files\/\Q$id\E\/hello\.txt/,
     "the log says why another identity's file was refused");
}

# A token forged with the public development key but claiming AWS's issuer.
my $forged = `$root/examples/dev/mint-token.sh -k $root/examples/dev/dev-key.pem -H '{"kid":"dev-1","typ":"JWS","alg":"RS512"}' -P '{"iss":"https://cognito-identity.amazonaws.com","aud":"us-east-1:0d0d0d0d-0000-4000-8000-000000000001","sub":"us-east-1:11111111-2222-4333-8444-555555555555","amr":["authenticated","x"],"exp":@{[time + 600]},"iat":@{[time]}}'`;
chomp $forged;
($status) = curl("-H 'Authorization: Bearer $forged'", "$url/api/hello");
is($status, 401, 'a token claiming AWS as issuer is refused by the dev config');

my $log = do { local (@ARGV, $/) = "$run/error.log"; <> };
like($log, qr/cognito identity: 401, issuer "https:\/\/cognito-identity\.amazonaws\.com" is not trusted/,
     'the log says why');

unlike($log, qr/\[(alert|emerg)\]/, 'no alerts in the quick start log');

($rc, $out) = sh("$root/examples/run-quickstart.sh stop");
is($rc, 0, 'quick start stops');

my @reports = grep { -s } glob("$run/asan.* $run/ubsan.*");
is(scalar @reports, 0, 'no sanitizer reports from the quick start')
    or diag(map { local (@ARGV, $/) = $_; <> } @reports);

# The production example, with AWS-format keys in place of the real ones.
my $prod = do {
    local (@ARGV, $/) = "$root/examples/aws/cognito-identity-api.conf"; <>
};
$prod =~ s{/etc/nginx/cognito-identity-jwks\.json}{%%ROOT%%/t/keys/jwks-aws-style.json}g;
$prod =~ s{listen 443 ssl;}{listen 127.0.0.1:%%PORT%%;};
$prod =~ s{^\s*ssl_certificate.*$}{}mg;
nginx_config_ok($prod, 'the production example passes nginx -t');

# ... and the same example with the development key is refused.
(my $bad = $prod) =~ s{%%ROOT%%/t/keys/jwks-aws-style\.json}{%%ROOT%%/examples/dev/dev-jwks.json}g;
nginx_config_fails($bad, qr/holds the public development key/,
                   'the production example refuses the development key');

# The production gateway, with this repository's roles, policy and paths.
my $gw = do { local (@ARGV, $/) = "$root/examples/aws/gateway.conf"; <> };
$gw =~ s{/etc/nginx/cognito/identity-pool-roles\.json}{%%ROOT%%/examples/aws/identity-pool-roles.json}g;
$gw =~ s{/etc/nginx/cognito/(s3-[a-z-]+\.json)}{%%ROOT%%/examples/policies/$1}g;
$gw =~ s{listen 443 ssl;}{listen 127.0.0.1:%%PORT%%;};
$gw =~ s{^\s*ssl_certificate.*$}{}mg;
my $gwout = nginx_config_ok($gw, 'the production gateway example passes nginx -t');
unlike($gwout, qr/\[warn\]/, 'without warnings');

done_testing();
