# SPDX-License-Identifier: BSD-2-Clause
# The verified-token cache (CognitoIdentityTokenCache, mod_socache's shmcb
# under a global mutex) and the CORS preflight switch
# (CognitoIdentityCORSPreflight), with the semantics of nginx's
# cognito_identity_token_cache and cognito_identity_cors_preflight: a hit
# re-checks every claim against the section and needs the same kid and key
# material; entries never outlive exp; failures are not cached; a full
# cache never fails a request; the cache is shared by the children of
# mpm_prefork and mpm_event alike.

use strict;
use warnings;

use lib 't/lib';
use CigApache;
use CigToken;
use CigTest -nomodule;
use Test::More;

my $root = repo_root();
my $ARN = 'arn:aws:iam::123456789012:role';

# k2's key published under k1's kid: same kid, other key material
my $dir = File::Temp::tempdir(CLEANUP => 1);
{
    my $j = CigTest::_slurp("$root/t/keys/jwks-k2.json");
    $j =~ s/"kid":"test-2"/"kid":"test-1"/ or die 'no kid in jwks-k2.json';
    CigTest::_spew("$dir/k2-as-test-1.json", $j);
}

for my $mpm (qw(prefork event)) {
    my $srv = start_apache(<<"CONF", mpm => $mpm, modules => ['socache_shmcb']);
CognitoIdentityTokenCacheSize 64k
CognitoIdentityPool ${\ POOL}
CognitoIdentityKeyFile %%ROOT%%/t/keys/jwks-k1.json
CognitoIdentityTokenCache On
Header always set X-Cache "%{COGNITO_IDENTITY_TOKEN_CACHE}e" env=COGNITO_IDENTITY_TOKEN_CACHE
Header always set X-Error "%{COGNITO_IDENTITY_ERROR}e" env=COGNITO_IDENTITY_ERROR
Alias /a/ %%DIR%%/html/
Alias /other-key/ %%DIR%%/html/
Alias /other-pool/ %%DIR%%/html/
Alias /short/ %%DIR%%/html/
Alias /off/ %%DIR%%/html/
Alias /cors/ %%DIR%%/html/
Alias /nocors/ %%DIR%%/html/
Alias /corsip/ %%DIR%%/html/
Alias /corsnot/ %%DIR%%/html/
<Location />
    AuthType CognitoIdentity
    AuthName "api"
    Require cognito-identity
</Location>
<Location /other-key/>
    CognitoIdentityKeyFile $dir/k2-as-test-1.json
</Location>
<Location /other-pool/>
    CognitoIdentityPool ${\ POOL2}
</Location>
<Location /short/>
    CognitoIdentityLeeway 0
    CognitoIdentityTokenCache On ttl=1h
</Location>
<Location /off/>
    CognitoIdentityTokenCache Off
</Location>
<Location /cors/>
    CognitoIdentityCORSPreflight On
</Location>
<Location /corsip/>
    CognitoIdentityCORSPreflight On
    <RequireAll>
        Require cognito-identity
        Require ip 10.0.0.0/8
    </RequireAll>
</Location>
<Location /corsnot/>
    CognitoIdentityCORSPreflight On
    CognitoIdentityRole authenticated $ARN/User
    <RequireAll>
        Require cognito-authenticated
        Require not cognito-role $ARN/Intern
    </RequireAll>
</Location>
CONF

    my $get = sub {
        my ($path, $tok, %h) = @_;
        return $srv->request('GET', $path, { ($tok ? (Authorization => "Bearer $tok") : ()), %h });
    };

    my $t = cognito_token();
    my $r = $get->('/a/', $t);
    is($r->{status}, 200, "$mpm: first use");
    is($r->{headers}{'x-cache'}, 'miss', "$mpm: a miss");

    my $hits = 0;
    for (1 .. 10) {
        $r = $get->('/a/', $t);
        $hits++ if $r->{status} == 200 && ($r->{headers}{'x-cache'} // '') eq 'hit';
    }
    is($hits, 10, "$mpm: the repeated token is a hit in every child");

    $r = $get->('/other-key/', $t);
    is($r->{status}, 401, "$mpm: a hit needs the same key material, not only the kid");
    like($r->{headers}{'x-error'} // '', qr/signature/, "$mpm: and is verified afresh");

    $r = $get->('/other-pool/', $t);
    is($r->{status}, 401, "$mpm: a hit re-checks the claims against the section");
    like($r->{headers}{'x-error'} // '', qr/audience/, "$mpm: the pool of the section");

    $r = $get->('/off/', $t);
    is($r->{status}, 200, "$mpm: CognitoIdentityTokenCache Off");
    ok(!exists $r->{headers}{'x-cache'}, "$mpm: Off does not look the token up");

    my $tampered = $t;
    substr($tampered, -5, 1) = substr($tampered, -5, 1) eq 'A' ? 'B' : 'A';
    is($get->('/a/', $tampered)->{status}, 401, "$mpm: another token is not a hit");

    my $bad = cognito_token(key => 'k2');
    for (1 .. 2) {
        $r = $get->('/a/', $bad);
        is($r->{status}, 401, "$mpm: failures are not cached");
    }

    my $short = cognito_token(claims => { exp => time + 2 });
    is($get->('/short/', $short)->{status}, 200, "$mpm: a short-lived token");
    is($get->('/short/', $short)->{headers}{'x-cache'}, 'hit', "$mpm: cached");
    sleep 3;
    $r = $get->('/short/', $short);
    is($r->{status}, 401, "$mpm: an entry never outlives exp");
    like($r->{headers}{'x-error'} // '', qr/expired/, "$mpm: refused as expired");

    # a full cache (64k): old entries make room, no request fails
    my $pad = 'x' x 1500;
    my @tokens = map {
        cognito_token(claims => {
            sub => sprintf('eu-west-1:9539224f-5cd4-4923-a426-%012d', $_),
            'https://aws.amazon.com/tags' => { principal_tags => { pad => [$pad] } } })
    } 1 .. 60;
    my ($ok, $failed) = (0, 0);
    for my $tok (@tokens, @tokens) {
        $get->('/a/', $tok)->{status} == 200 ? $ok++ : $failed++;
    }
    is($failed, 0, "$mpm: a full cache never fails a request");
    is($get->('/a/', $tokens[-1])->{headers}{'x-cache'}, 'hit', "$mpm: the newest entry is kept");
    $r = $get->('/a/', $tokens[0]);
    is($r->{status}, 200, "$mpm: a dropped token verifies again");
    is($r->{headers}{'x-cache'}, 'miss', "$mpm: as a miss");

    # CORS preflight
    my %pre = (Origin => 'https://app.example', 'Access-Control-Request-Method' => 'PUT');
    check($srv, { method => 'OPTIONS', path => '/cors/', headers => {%pre}, status => 200,
                  headers_absent => ['x-cache'] },
          "$mpm: a preflight passes where the switch is on");
    check($srv, { method => 'OPTIONS', path => '/cors/', headers => { Origin => 'https://app.example' },
                  status => 401 }, "$mpm: OPTIONS without Access-Control-Request-Method is no preflight");
    check($srv, { method => 'GET', path => '/cors/', headers => {%pre}, status => 401 },
          "$mpm: GET is no preflight");
    check($srv, { method => 'OPTIONS', path => '/nocors/', headers => {%pre}, status => 401 },
          "$mpm: a preflight needs a token by default");
    check($srv, { method => 'OPTIONS', path => '/corsip/', headers => {%pre}, status => 403 },
          "$mpm: other Require lines still apply to a preflight");
    check($srv, { method => 'OPTIONS', path => '/corsnot/', headers => {%pre}, status => 403 },
          "$mpm: Require not cognito-* denies a preflight (documented)");

    $srv->stop;
}

# Graceful restarts: each generation gets a fresh cache (and mutex); no
# request fails across them, and the new children cache again.
{
    my $conf = <<"CONF";
CognitoIdentityPool ${\ POOL}
CognitoIdentityKeyFile %%ROOT%%/t/keys/jwks-k1.json
CognitoIdentityTokenCache On
Header always set X-Cache "%{COGNITO_IDENTITY_TOKEN_CACHE}e" env=COGNITO_IDENTITY_TOKEN_CACHE
Alias /api/ %%DIR%%/html/
<Location /api/>
    AuthType CognitoIdentity
    AuthName "api"
    Require cognito-identity
</Location>
CONF
    my $srv = start_apache($conf, modules => ['socache_shmcb']);
    my $t = cognito_token();
    is($srv->request('GET', '/api/', { Authorization => "Bearer $t" })->{status}, 200, 'graceful: before');
    for my $n (1, 2) {
        ok($srv->graceful(conf => $conf), "graceful restart $n");
        my ($ok, $hit) = (0, 0);
        for (1 .. 6) {
            my $r = $srv->request('GET', '/api/', { Authorization => "Bearer $t" });
            $ok++ if $r->{status} == 200;
            $hit++ if ($r->{headers}{'x-cache'} // '') eq 'hit';
        }
        is($ok, 6, "graceful $n: every request passes");
        cmp_ok($hit, '>=', 1, "graceful $n: the new generation caches");
    }
    $srv->stop;
}

# Configuration errors.
my $LINE = qr/Syntax error on line \d+ of \S+apache2\.conf:/;
apache_config_fails('CognitoIdentityTokenCache On',
    qr/$LINE\s+CognitoIdentityTokenCache needs mod_socache_shmcb/, 'the cache needs mod_socache_shmcb');
for my $e (['CognitoIdentityTokenCache maybe', qr/CognitoIdentityTokenCache: expected "On \[ttl=TIME\]" or "Off"/],
           ['CognitoIdentityTokenCache On ttl=0', qr/CognitoIdentityTokenCache: invalid ttl "0": must be at least 1s/],
           ['CognitoIdentityTokenCache On ttl=soon', qr/invalid ttl "soon"/],
           ['CognitoIdentityTokenCache On size=1m', qr/invalid parameter "size=1m"/],
           ["CognitoIdentityTokenCache On\nCognitoIdentityTokenCache Off", qr/CognitoIdentityTokenCache is given twice here/],
           ['CognitoIdentityTokenCacheSize 1k', qr/$LINE\s+CognitoIdentityTokenCacheSize: invalid size "1k", expected 64k to 1024m/],
           ['CognitoIdentityTokenCacheSize lots', qr/invalid size "lots"/],
           ['CognitoIdentityTokenCacheSize 17592186044417m', qr/invalid size "17592186044417m"/],
           ["<VirtualHost 127.0.0.1:%%PORT%%>\nCognitoIdentityTokenCacheSize 1m\n</VirtualHost>",
            qr/CognitoIdentityTokenCacheSize cannot occur within <VirtualHost> section/],
           ['CognitoIdentityCORSPreflight perhaps', qr/CognitoIdentityCORSPreflight must be On or Off/])
{
    apache_config_fails($e->[0], $e->[1], "refused: $e->[0]", modules => ['socache_shmcb']);
}
apache_config_ok("CognitoIdentityTokenCacheSize 10m\nCognitoIdentityTokenCache On ttl=5m\n"
                 . "<Location /x>\nCognitoIdentityTokenCache Off\nCognitoIdentityCORSPreflight On\n</Location>",
                 'cache and preflight directives', modules => ['socache_shmcb']);

done_testing();
