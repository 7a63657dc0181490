# SPDX-License-Identifier: BSD-2-Clause
# What is authorized is exactly what is forwarded and signed.  A gateway
# configured like examples/s3/nginx.conf forwards to a recording upstream
# (a second server of the same nginx that answers with the request line and
# the signature headers it received).  Thousands of hostile request targets
# go in as raw bytes (curl and the SDKs would normalise them): each one is
# either refused, with nothing reaching the upstream, or forwarded as the
# canonical form of the target it was authorized as; the S3 action is
# recomputed from the forwarded line by an independent reader
# (t/lib/CigTarget.pm) and must be one the policy allows this identity; and
# the forwarded signature must verify over the forwarded line.
#
# CIG_TARGET_SEED (default 17, so that runs repeat) and CIG_TARGET_COUNT
# (default 3000) choose the random targets; both are printed.

use strict;
use warnings;

use lib 't/lib';
use CigTest;
use CigToken;
use CigTarget;
use Test::More;

use File::Temp qw(tempdir);
use IO::Socket::INET;

my $ME = IDENTITY;
my $OTHER = 'eu-west-1:9539224f-5cd4-4923-a426-d6078ef34b7b';
my $ROLE = 'arn:aws:iam::123456789012:role/Cognito_StorageAuth_Role';
my $AKID = 'AKIAIOSFODNN7EXAMPLE';
my $SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
my $SEED = $ENV{CIG_TARGET_SEED} // 17;
my $COUNT = $ENV{CIG_TARGET_COUNT} // 3000;

my $dir = tempdir('cigtarget-XXXXXX', TMPDIR => 1, CLEANUP => !$ENV{CIG_KEEP});
chmod 0755, $dir;
open my $fh, '>', "$dir/store.secret" or die $!;
print $fh "$SECRET\n";
close $fh;
chmod 0600, "$dir/store.secret";

my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                              Listen => 1, Proto => 'tcp') or die $!;
my $UP = $s->sockport;
close $s;

my $srv = start_nginx(<<"CONF");
    log_format rec '\$request';

    upstream store { server 127.0.0.1:$UP; }

    # the recording upstream
    server {
        listen 127.0.0.1:$UP;
        access_log %%DIR%%/upstream.log rec;
        location / {
            add_header X-Upstream 1;
            return 200 "\$request\\n\$http_host\\n\$http_authorization\\n\$http_x_amz_date\\n\$http_x_amz_content_sha256\\n";
        }
    }

    server {
        listen 127.0.0.1:%%PORT%%;
        merge_slashes off;

        cognito_identity_pool     eu-west-1:b45b9729-c269-4ef2-86f1-0df3e40fe92d;
        cognito_identity_key_file %%ROOT%%/t/keys/jwks-k1.json;
        cognito_identity_role     authenticated $ROLE;
        cognito_identity_policy   $ROLE %%ROOT%%/examples/policies/per-user-files.json;

        location /files {
            cognito_identity "storage";
            cognito_identity_authorize s3;
            cognito_identity_s3_sign $AKID $dir/store.secret us-east-1;
            add_header X-Reason \$cognito_identity_reason always;
            proxy_set_header Authorization         \$cognito_identity_s3_authorization;
            proxy_set_header X-Amz-Date            \$cognito_identity_s3_date;
            proxy_set_header X-Amz-Content-SHA256  \$cognito_identity_s3_content_sha256;
            proxy_set_header X-Amz-Security-Token  \$cognito_identity_s3_security_token;
            proxy_pass http://store\$cognito_identity_s3_uri;
        }

        # the same for a single bucket (virtual-hosted stores)
        location /one/ {
            cognito_identity "storage";
            cognito_identity_authorize s3 bucket=files;
            add_header X-Reason \$cognito_identity_reason always;
            proxy_set_header Authorization "";
            proxy_pass http://store\$cognito_identity_s3_uri;
        }
    }
CONF

my $token = cognito_token();

sub send_raw {
    my ($method, $target, $host) = @_;
    my $body = $method eq 'PUT' || $method eq 'POST' ? "x" : '';
    my $req = "$method $target HTTP/1.1\r\nHost: " . ($host // 'localhost')
        . "\r\nAuthorization: Bearer $token\r\nConnection: close\r\n"
        . 'Content-Length: ' . length($body) . "\r\n\r\n$body";
    return $srv->raw($req);
}

sub upstream_lines {
    open my $f, '<', $srv->dir . '/upstream.log' or return 0;
    my @l = <$f>;
    return scalar @l;
}

# --- the attack that started this, by name --------------------------------

my $r = send_raw('GET', "/files/$ME/x?#&acl");
is($r->{status}, 400, 'GET own object "?#&acl": 400');
ok(!$r->{headers}{'x-upstream'}, 'GET own object "?#&acl": not forwarded');
is(upstream_lines(), 0, 'the upstream saw nothing');

$r = send_raw('GET', "/files/$ME/x?a;acl");
is($r->{status}, 400, 'raw ";" in the query: 400');

$r = send_raw('GET', "http://localhost/files/$ME/x?acl");
is($r->{status}, 400, 'absolute-form target: 400');

$r = send_raw('GET', "/files/$ME/x?x-id=GetObject");
is($r->{status}, 200, 'x-id (added by the JS SDK v3) is accepted');
(my $me_enc = $ME) =~ s/:/%3A/;
like($r->{body}, qr{^GET /files/\Q$me_enc\E/x\?x-id=GetObject HTTP/1\.[01]\n},
     'x-id: forwarded, with the identity id encoded as S3 encodes it');

$r = send_raw('GET', "/files/$ME/a+b%20c:d?response-content-type=a%2Fb");
is($r->{status}, 200, 'own object with "+", space and ":"');
is((split /\n/, $r->{body})[0],
   "GET /files/eu-west-1%3A9539224f-5cd4-4923-a426-d6078ef34b7a/a%2Bb%20c%3Ad"
   . '?response-content-type=a%2Fb HTTP/1.0',
   'forwarded in canonical form: each segment decoded once, encoded once');

$r = send_raw('GET', "/one/$ME/x?acl");
is($r->{status}, 403, 'fixed bucket: ?acl needs s3:GetObjectAcl');
$r = send_raw('GET', "/one/$ME/x?#&acl");
is($r->{status}, 400, 'fixed bucket: "?#&acl" is 400');

# --- the differential run ---------------------------------------------------

diag("CIG_TARGET_SEED=$SEED CIG_TARGET_COUNT=$COUNT");
my @targets = hostile_targets($SEED, $COUNT, [ $ME, $OTHER ]);
my $before = upstream_lines();
my ($bad, $by_status, $forwarded) = differential(
    targets => \@targets, send => \&send_raw, id => $ME, secret => $SECRET);
my @bad = @$bad;
my %by_status = %$by_status;
$forwarded += $before;

ok(@targets > $COUNT, scalar(@targets) . ' hostile targets sent');
is(scalar(@bad), 0, 'every target refused, or forwarded and signed exactly '
   . 'as authorized, for an action the policy allows')
    or diag(join "\n", @bad[0 .. ($#bad > 60 ? 60 : $#bad)]);
ok($by_status{200} && $by_status{400} && $by_status{403},
   'the mix held allowed, bad and denied targets: '
   . join(', ', map { "$_: $by_status{$_}" } sort keys %by_status));
is(upstream_lines(), $forwarded,
   'the upstream saw exactly the requests that came back from it');

$srv->stop;

done_testing();
