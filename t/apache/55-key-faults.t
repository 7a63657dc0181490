# SPDX-License-Identifier: BSD-2-Clause
# Key fetches (CognitoIdentityKeyURL) from a faulty upstream: refused,
# reset, reset mid-answer, truncated, garbage, oversized, redirected, 5xx,
# hung.  Each is a 503 with Retry-After in bounded time (libcurl's 10 s at
# most), the children stay alive (no "exit signal" in the log: the harness
# fails on one), and nothing is cached wrongly: a failed fetch is retried
# once the upstream recovers, and a fault never replaces good keys.

use strict;
use warnings;

use lib 't/lib';
use CigApache;
use CigToken;
use CigFaults;
use CigTest -nomodule;
use File::Temp qw(tempdir);
use IO::Socket::INET;
use Time::HiRes qw(time sleep);
use Test::More;

my $root = repo_root();
my $fdir = tempdir(CLEANUP => !$ENV{CIG_KEEP});
my $f = CigFaults->start(dir => $fdir, bodies => {
    k1 => CigTest::_slurp("$root/t/keys/jwks-k1.json"),
});
my $fp = $f->port;
my $refused = do {
    my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 1);
    my $p = $s->sockport;
    close $s;
    $p;
};

my @faults = (
    ['refused',  "http://127.0.0.1:$refused/ok/k1"],
    ['reset',    "http://127.0.0.1:$fp/reset"],
    ['resetmid', "http://127.0.0.1:$fp/reset-mid/k1"],
    ['trunc',    "http://127.0.0.1:$fp/trunc/k1"],
    ['garbage',  "http://127.0.0.1:$fp/garbage"],
    ['big',      "http://127.0.0.1:$fp/big"],
    ['redirect', "http://127.0.0.1:$fp/redirect/k1"],
    ['s500',     "http://127.0.0.1:$fp/status/500/k1"],
    ['s503',     "http://127.0.0.1:$fp/status/503"],
    ['hang',     "http://127.0.0.1:$fp/hang"],
    ['flip',     "http://127.0.0.1:$fp/flip/1/k1"],
    ['good',     "http://127.0.0.1:$fp/good/1/k1"],
);

my $locs = join '', map {
    my ($name, $url) = @$_;
    my $cache = $name eq 'good' ? "    CognitoIdentityKeyCache 2s\n" : '';
    <<"L";
<Location /k/$name/>
    CognitoIdentityKeyURL $url
    CognitoIdentityKeyRefresh 1s
$cache    AuthType CognitoIdentity
    AuthName "api"
    Require cognito-identity
</Location>
L
} @faults;

my $srv = start_apache(<<"CONF");
CognitoIdentityPool eu-west-1:b45b9729-c269-4ef2-86f1-0df3e40fe92d
AliasMatch ^/k/[^/]+/(.*)\$ %%DIR%%/html/\$1
Header always set X-Error "%{COGNITO_IDENTITY_ERROR}e" env=COGNITO_IDENTITY_ERROR
$locs
CONF

# a hung key server holds a request for libcurl's 10 s
$CigTest::Nginx::REQUEST_TIMEOUT = CigApache::slow(25);

my $t1 = cognito_token();
my $t2 = cognito_token(key => 'k2', header => { kid => 'test-2', typ => 'JWS', alg => 'RS512' });
my %h1 = (Authorization => "Bearer $t1");

for my $x (@faults) {
    my $name = $x->[0];
    next if $name =~ /^(flip|good)$/;
    my $t0 = time;
    my $r = $srv->request('GET', "/k/$name/index.html", \%h1);
    my $secs = time - $t0;
    is($r->{status}, 503, "$name: 503");
    is($r->{headers}{'retry-after'}, '1', "$name: Retry-After");
    cmp_ok($secs, '<', CigApache::slow(15), "$name: answered in bounded time");
    is($srv->request('GET', "/k/$name/index.html")->{status}, 401, "$name: no token is still 401");
}

is($srv->request('GET', '/k/flip/index.html', \%h1)->{status}, 503, 'flip: the first fetch reset: 503');
sleep 1.2;
is($srv->request('GET', '/k/flip/index.html', \%h1)->{status}, 200,
   'flip: after the refresh interval the upstream recovered: 200');

is($srv->request('GET', '/k/good/index.html', \%h1)->{status}, 200, 'good: fetched');
sleep 2.3;
for (1 .. 4) {
    is($srv->request('GET', '/k/good/index.html', \%h1)->{status}, 200,
       "good: refreshes now get garbage, the good keys stay ($_)");
    sleep 0.4;
}
cmp_ok($f->hits('/good/1/k1'), '>=', 2, 'good: the refresh was tried');
is($srv->request('GET', '/k/good/index.html', { Authorization => "Bearer $t2" })->{status}, 401,
   'good: an unknown kid is not let in');

unlike($srv->error_log, qr/exit signal|\[core:(alert|emerg)\]/, 'no child lost to a signal');

$srv->stop;
$f->stop;
done_testing();
