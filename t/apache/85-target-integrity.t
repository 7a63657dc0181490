# SPDX-License-Identifier: BSD-2-Clause
# What is authorized is exactly what is forwarded, through Apache httpd's
# mod_proxy: the differential run of t/nginx/81-target-integrity.t (hostile
# raw targets, an independent reader of the forwarded request line in
# t/lib/CigTarget.pm) against "ProxyPass /files http://store/files" with
# and without "nocanon".  The recording upstream is an nginx without the
# module that answers with the request line it received.  (Apache does not
# sign for stores yet, so no signature is checked here.)  Also: a ProxyPass
# to another path (own prefix mapped to another identity's) is refused.

use strict;
use warnings;

use lib 't/lib';
use CigApache;
use CigTest -nomodule;
use CigToken;
use CigTarget;
use Test::More;

my $ME = IDENTITY;
my $OTHER = 'eu-west-1:9539224f-5cd4-4923-a426-d6078ef34b7b';
my $ROLE = 'arn:aws:iam::123456789012:role/Cognito_StorageAuth_Role';
my $SEED = $ENV{CIG_TARGET_SEED} // 17;
my $COUNT = $ENV{CIG_TARGET_COUNT} // 1500;
(my $me_enc = $ME) =~ s/:/%3A/;

my $up = start_nginx(<<'CONF', no_module => 1);
    log_format rec '$request';
    server {
        listen 127.0.0.1:%%PORT%%;
        access_log %%DIR%%/upstream.log rec;
        location / {
            add_header X-Upstream 1;
            return 200 "$request\n$http_host\n$http_authorization\n$http_x_amz_date\n";
        }
    }
CONF
my $UP = $up->port;

sub upstream_lines {
    open my $f, '<', $up->dir . '/upstream.log' or return 0;
    my @l = <$f>;
    return scalar @l;
}

my $token = cognito_token();

for my $variant ('', ' nocanon') {
    my $label = $variant ? 'ProxyPass nocanon' : 'ProxyPass';

    my $srv = start_apache(<<"CONF", modules => [ 'proxy', 'proxy_http' ]);
MergeSlashes Off
CognitoIdentityPool eu-west-1:b45b9729-c269-4ef2-86f1-0df3e40fe92d
CognitoIdentityKeyFile %%ROOT%%/t/keys/jwks-k1.json
CognitoIdentityRole authenticated $ROLE
CognitoIdentityPolicy $ROLE %%ROOT%%/examples/policies/per-user-files.json
ProxyPass /files/$ME/elsewhere/ http://127.0.0.1:$UP/files/$OTHER/$variant
ProxyPass /files http://127.0.0.1:$UP/files$variant
<Location /files>
    AuthType CognitoIdentity
    AuthName "storage"
    CognitoIdentityAuthorize s3
    Require cognito-policy
    RequestHeader unset Authorization
</Location>
CONF

    my $send = sub {
        my ($method, $target) = @_;
        my $body = $method eq 'PUT' || $method eq 'POST' ? 'x' : '';
        return $srv->raw("$method $target HTTP/1.1\r\nHost: localhost\r\n"
            . "Authorization: Bearer $token\r\nConnection: close\r\n"
            . 'Content-Length: ' . length($body) . "\r\n\r\n$body");
    };

    my $before = upstream_lines();
    my $r = $send->('GET', "/files/$ME/x?#&acl");
    is($r->{status}, 400, "$label: GET own object \"?#&acl\": 400");
    ok(!$r->{headers}{'x-upstream'}, "$label: \"?#&acl\": not forwarded");
    is(upstream_lines(), $before, "$label: the upstream saw nothing");

    $r = $send->('GET', "/files/$ME/a+b%20c:d?x-id=GetObject");
    is($r->{status}, 200, "$label: own object with '+', space, ':' and x-id");
    is((split /\n/, $r->{body})[0],
       "GET /files/$me_enc/a%2Bb%20c%3Ad?x-id=GetObject HTTP/1.1",
       "$label: forwarded in canonical form");

    # authorized under the own prefix, mapped to another identity's
    $before = upstream_lines();
    $r = $send->('GET', "/files/$ME/elsewhere/x");
    is($r->{status}, 500, "$label: ProxyPass to another path: refused");
    is(upstream_lines(), $before, "$label: ProxyPass to another path: "
       . 'not forwarded');
    like($srv->error_log, qr/the backend would be sent the path "\/files\/\Q$OTHER\E\/x"/,
         "$label: ProxyPass to another path: logged");

    diag("$label: CIG_TARGET_SEED=$SEED CIG_TARGET_COUNT=$COUNT");
    my @targets = hostile_targets($SEED, $COUNT, [ $ME, $OTHER ]);
    $before = upstream_lines();
    my ($bad, $by_status, $forwarded) = differential(
        targets => \@targets, send => $send, id => $ME);

    is(scalar(@$bad), 0, "$label: every target refused, or forwarded "
       . 'exactly as authorized, for an action the policy allows')
        or diag(join "\n", @$bad[0 .. ($#$bad > 60 ? 60 : $#$bad)]);
    ok($by_status->{200} && $by_status->{400} && $by_status->{403},
       "$label: the mix held allowed, bad and denied targets: "
       . join(', ', map { "$_: $by_status->{$_}" } sort keys %$by_status));
    is(upstream_lines() - $before, $forwarded,
       "$label: the upstream saw exactly the requests that came back from it");

    $srv->stop;
}

$up->stop;

done_testing();
