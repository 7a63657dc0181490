# Keys from a URL (CognitoIdentityKeyURL) and graceful restarts, under
# mpm_event and mpm_prefork: the keys are fetched once and shared by all
# children (processes and threads), an unknown kid triggers at most one
# refetch per CognitoIdentityKeyRefresh across all of them, a key server
# that cannot be reached means 503 with Retry-After, and "apache2 -k
# graceful" with changed key files takes effect without failing requests.

use strict;
use warnings;

use lib 't/lib';
use CigApache;
use CigToken;
use CigTest -nomodule;
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

# A graceful restart with another key file, while a client keeps sending
# requests whose token both configurations accept.
my $conf = sub {
    my ($keys) = @_;
    return <<"CONF";
CognitoIdentityPool eu-west-1:b45b9729-c269-4ef2-86f1-0df3e40fe92d
CognitoIdentityKeyFile %%ROOT%%/t/keys/$keys
# a static file: mod_cgid's daemon restarts with the server (503s)
Alias /api/ %%DIR%%/html/
<Location /api/>
    AuthType CognitoIdentity
    AuthName "api"
    Require cognito-identity
</Location>
CONF
};

my $srv = start_apache($conf->('jwks-k1.json'));
check($srv, { path => '/api/index.html', headers => { Authorization => "Bearer $t1" }, status => 200 },
      'before: the first key');
check($srv, { path => '/api/index.html', headers => { Authorization => "Bearer $t2" }, status => 401 },
      'before: not the second');

pipe(my $rd, my $wr) or die;
my $pid = fork // die;
if ($pid == 0) {
    close $rd;
    my ($good, $bad, %codes) = (0, 0);
    my $end = time + 3;
    while (time < $end) {
        my $r = $srv->request('GET', '/api/index.html', { Authorization => "Bearer $t1" });
        if ($r->{status} == 200) { $good++ } else { $bad++; $codes{$r->{status}}++ }
    }
    print $wr "$good $bad " . join(',', map { "$_=$codes{$_}" } sort keys %codes) . "\n";
    close $wr;
    POSIX::_exit(0);
}
close $wr;
sleep 1;
ok($srv->graceful(conf => $conf->('jwks-k1k2.json')), 'apache2 -k graceful with another key file');
my $line = <$rd>;
waitpid $pid, 0;
my ($good, $bad, $codes) = split ' ', $line // '0 -1';
cmp_ok($good, '>', 10, "requests served during the graceful restart ($good)");
is($bad, 0, 'no request failed during the graceful restart') or diag("statuses: $codes");

check($srv, { path => '/api/index.html', headers => { Authorization => "Bearer $t2" }, status => 200 },
      'after: the new key file is in force');
check($srv, { path => '/api/index.html', headers => { Authorization => "Bearer $t1" }, status => 200 },
      'after: the first key too');

ok(!$srv->graceful(conf => $conf->('jwks-small.json'), quiet => 1),
   'a graceful restart with a bad key file is refused');
like($srv->reload_error, qr/RSA modulus of 1024 bits/, 'and says why');
check($srv, { path => '/api/index.html', headers => { Authorization => "Bearer $t2" }, status => 200 },
      'and the running configuration stays');

$srv->stop;
done_testing();
