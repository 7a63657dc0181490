# SPDX-License-Identifier: BSD-2-Clause
# Keys from a URL (CognitoIdentityKeyURL) and graceful restarts, under
# mpm_event and mpm_prefork: the keys are fetched once and shared by all
# children (processes and threads), an unknown kid triggers at most one
# refetch per CognitoIdentityKeyRefresh across all of them, a key server
# that cannot be reached means 503 with Retry-After, and "apache2 -k
# graceful" under wrk load with changed key, roles and policy files takes
# effect without failing a request.

use strict;
use warnings;

use lib 't/lib';
use CigApache;
use CigToken;
use CigTest -nomodule;
use CigWrk;
use File::Temp qw(tempdir);
use Time::HiRes qw(sleep time);
use Test::More;

my $root = repo_root();
my $t1 = cognito_token();
my $t2 = cognito_token(key => 'k2', header => { kid => 'test-2', typ => 'JWS', alg => 'RS512' });

sub fetches {
    my ($srv) = @_;
    my $log = CigTest::_slurp($srv->dir . '/access.log');
    return scalar(() = $log =~ m{"GET /jwks/keys\.json HTTP/1\.1" 200}g);
}

sub publish {
    my ($srv, $file) = @_;
    my $dir = $srv->dir . '/html/jwks';
    mkdir $dir;
    chmod 0755, $dir;
    CigTest::_spew("$dir/keys.json.tmp", CigTest::_slurp("$root/t/keys/$file"));
    chmod 0644, "$dir/keys.json.tmp";
    rename "$dir/keys.json.tmp", "$dir/keys.json" or die "rename: $!";
}

for my $mpm (qw(event prefork)) {
    my $srv = start_apache(<<'CONF', mpm => $mpm);
CognitoIdentityPool eu-west-1:b45b9729-c269-4ef2-86f1-0df3e40fe92d
ScriptAliasMatch ^/(api|down)/ %%DIR%%/cgi/echo.cgi
Header always set X-Error "%{COGNITO_IDENTITY_ERROR}e" env=COGNITO_IDENTITY_ERROR
<Location /api/>
    CognitoIdentityKeyURL http://127.0.0.1:%%PORT%%/jwks/keys.json
    CognitoIdentityKeyRefresh 2s
    AuthType CognitoIdentity
    AuthName "api"
    Require cognito-identity
</Location>
<Location /down/>
    CognitoIdentityKeyURL http://127.0.0.1:1/jwks.json
    CognitoIdentityKeyRefresh 7
    AuthType CognitoIdentity
    AuthName "api"
    Require cognito-identity
</Location>
CONF
    publish($srv, 'jwks-k1.json');

    my $ok = 0;
    for (1 .. 12) {
        $ok++ if $srv->request('GET', '/api/x', { Authorization => "Bearer $t1" })->{status} == 200;
    }
    is($ok, 12, "$mpm: keys fetched from the URL verify tokens");
    is(fetches($srv), 1, "$mpm: fetched once for all children");

    check($srv, { path => '/api/x', headers => { Authorization => "Bearer $t2" },
                  status => 401, headers_like => { 'x-error' => qr/unknown kid "test-2"/ } },
          "$mpm: an unknown kid");
    is(fetches($srv), 2, "$mpm: an unknown kid refetched once, not twice");

    publish($srv, 'jwks-k1k2.json');
    for (1 .. 5) {
        $srv->request('GET', '/api/x', { Authorization => "Bearer $t2" });
    }
    is(fetches($srv), 2, "$mpm: unknown kids within the refresh interval fetch nothing");

    sleep 2.2;
    check($srv, { path => '/api/x', headers => { Authorization => "Bearer $t2" },
                  status => 200 }, "$mpm: after the interval, the new key is fetched");
    is(fetches($srv), 3, "$mpm: and fetched once");
    check($srv, { path => '/api/x', headers => { Authorization => "Bearer $t1" },
                  status => 200 }, "$mpm: the old key still works");

    check($srv, { path => '/down/x', headers => { Authorization => "Bearer $t1" },
                  status => 503, headers_like => { 'retry-after' => '7' },
                  log_like => qr/cognito identity: 503, no keys could be had from "http:\/\/127\.0\.0\.1:1\/jwks\.json"/ },
          "$mpm: no keys to be had is 503 with Retry-After");

    $srv->stop;
}

# A graceful restart under load (wrk) with another key file, roles file
# and policy, while requests whose token and path both configurations accept
# keep coming: none may fail, and the new configuration is in force after.
my $POOL = 'eu-west-1:b45b9729-c269-4ef2-86f1-0df3e40fe92d';
my $API  = 'arn:aws:execute-api:eu-west-1:123456789012:api1/prod';
my ($RA, $RB) = map { "arn:aws:iam::123456789012:role/$_" } qw(GracefulA GracefulB);
my $fdir = tempdir(CLEANUP => !$ENV{CIG_KEEP});

for my $x (['a', $RA], ['b', $RB]) {
    my ($n, $role) = @$x;
    CigTest::_spew("$fdir/roles-$n.json",
                   qq({"IdentityPoolId":"$POOL","Roles":{"authenticated":"$role"}}));
    CigTest::_spew("$fdir/policy-$n.json",
                   qq({"Version":"2012-10-17","Statement":[{"Effect":"Allow",)
                   . qq("Action":"execute-api:Invoke","Resource":)
                   . qq(["$API/GET/api/both/*","$API/GET/api/$n/*"]}]}));
}

my $conf = sub {
    my ($keys, $n, $role) = @_;
    return <<"CONF";
CognitoIdentityPool $POOL
CognitoIdentityKeyFile %%ROOT%%/t/keys/$keys
# a static file: mod_cgid's daemon restarts with the server (503s)
Alias /api/ %%DIR%%/html/
<Location /api/>
    CognitoIdentityRoles $fdir/roles-$n.json
    CognitoIdentityPolicy $role $fdir/policy-$n.json
    CognitoIdentityAuthorize execute-api $API
    AuthType CognitoIdentity
    AuthName "api"
    Require cognito-policy
</Location>
CONF
};

my $srv = start_apache($conf->('jwks-k1.json', 'a', $RA));
for my $d (qw(both a b)) {
    mkdir $srv->dir . "/html/$d";
    chmod 0755, $srv->dir . "/html/$d";
    CigTest::_spew($srv->dir . "/html/$d/index.html", "ok\n");
    chmod 0644, $srv->dir . "/html/$d/index.html";
}
my %h1 = (Authorization => "Bearer $t1");
my %h2 = (Authorization => "Bearer $t2");

check($srv, { path => '/api/both/index.html', headers => \%h1, status => 200 },
      'before: the first key, role A may read /api/both/');
check($srv, { path => '/api/a/index.html', headers => \%h1, status => 200 },
      'before: and /api/a/');
check($srv, { path => '/api/b/index.html', headers => \%h1, status => 403 },
      'before: not /api/b/');
check($srv, { path => '/api/both/index.html', headers => \%h2, status => 401 },
      'before: not the second key');

SKIP: {
    if (my $why = CigWrk::missing()) {
        diag("wrk: $why; the graceful restart is tested without load");
        skip $why, 2;
    }

    my $w = CigWrk::start(port => $srv->port, dir => $srv->dir,
                          seconds => CigApache::slow(4),
                          threads => 2, connections => 8,
                          requests => [ { path => '/api/both/index.html', headers => \%h1 } ]);
    sleep CigApache::slow(1.2);
    ok($srv->graceful(conf => $conf->('jwks-k1k2.json', 'b', $RB)),
       'apache2 -k graceful under load: another key file, roles file and policy');
    my $r = CigWrk::finish($w);
    ok($r->{ok} && $r->{requests} > 10
       && !grep({ $_ != 200 } keys %{ $r->{status} })
       && CigWrk::socket_errors($r) == 0,
       "wrk: no request failed during the graceful restart ($r->{requests} requests)")
        or diag("statuses: " . CigWrk::statuses($r) . "; errors: "
                . join(' ', %{ $r->{errors} }) . "\n$r->{output}");
}

$srv->graceful(conf => $conf->('jwks-k1k2.json', 'b', $RB))
    if CigWrk::missing();

check($srv, { path => '/api/both/index.html', headers => \%h2, status => 200 },
      'after: the new key file is in force');
check($srv, { path => '/api/both/index.html', headers => \%h1, status => 200 },
      'after: the first key too');
check($srv, { path => '/api/b/index.html', headers => \%h1, status => 200 },
      'after: the new roles file and policy are in force (role B may read /api/b/)');
check($srv, { path => '/api/a/index.html', headers => \%h1, status => 403 },
      'after: and role A\'s policy no longer applies');

ok(!$srv->graceful(conf => $conf->('jwks-small.json', 'b', $RB), quiet => 1),
   'a graceful restart with a bad key file is refused');
like($srv->reload_error, qr/RSA modulus of 1024 bits/, 'and says why');
check($srv, { path => '/api/both/index.html', headers => \%h2, status => 200 },
      'and the running configuration stays');

$srv->stop;
done_testing();
