# SPDX-License-Identifier: BSD-2-Clause
# SetHandler cognito-identity-status: the counters of all children (prefork
# processes and event threads), in JSON and Prometheus text, for allowed
# requests and refusals of each kind and key fetches; access rules apply to
# the status; counters go on through a graceful restart; the log's
# COGNITO_IDENTITY_RESULT and COGNITO_IDENTITY_REASON.

use strict;
use warnings;

use lib 't/lib';
use CigApache;
use CigToken;
use CigTest -nomodule;
use JSON::PP;
use Test::More;

my $root = repo_root();
my $ROLE = 'arn:aws:iam::123456789012:role/Auth';
my $ID = IDENTITY;

my $good = cognito_token();
my $expired = cognito_token(claims => { exp => time - 3600, iat => time - 7200 });
my $aud = cognito_token(claims => { aud => POOL2 });
my $guest = cognito_token(claims => { amr => ['unauthenticated'] });
my @p = split /\./, $good;
substr($p[2], 10, 1) = substr($p[2], 10, 1) eq 'A' ? 'B' : 'A';
my $forged = join '.', @p;

my @deny_reasons = qw(algorithm audience bad_request expired explicit_deny
                      guest internal issuer login_token malformed no_keys
                      no_token not_yet_valid policy prefix require role
                      signature unknown_kid);

for my $mpm (qw(event prefork)) {
    my $conf = <<"CONF";
CognitoIdentityPool ${\ POOL}
LogFormat "%{COGNITO_IDENTITY_RESULT}e|%{COGNITO_IDENTITY_REASON}e|%>s" cig
CustomLog "%%DIR%%/cig.log" cig
ScriptAliasMatch ^/(api|mybucket|keys|down|cached|pool|forgot|cors)/ %%DIR%%/cgi/echo.cgi
<Location /status>
    SetHandler cognito-identity-status
</Location>
<Location /closed>
    SetHandler cognito-identity-status
    Require all denied
</Location>
<LocationMatch "^/(api|mybucket)/">
    CognitoIdentityKeyFile %%ROOT%%/t/keys/jwks-k1.json
    AuthType CognitoIdentity
    AuthName "api"
</LocationMatch>
<Location /api/>
    Require cognito-identity
</Location>
<Location /mybucket/>
    CognitoIdentityRole authenticated $ROLE
    CognitoIdentityPolicy $ROLE %%ROOT%%/t/policies/s3-per-user.json
    CognitoIdentityPolicy $ROLE %%ROOT%%/t/policies/deny-wins.json
    CognitoIdentityAuthorize s3
    Require cognito-policy
</Location>
<Location /keys/>
    CognitoIdentityKeyURL http://127.0.0.1:%%PORT%%/jwks/jwks-k1.json
    AuthType CognitoIdentity
    AuthName "api"
    Require cognito-identity
</Location>
<LocationMatch "^/(pool|forgot|cors)/">
    CognitoIdentityKeyFile %%ROOT%%/t/keys/jwks-k1.json
    AuthType CognitoIdentity
    AuthName "api"
</LocationMatch>
<Location /pool/>
    Require cognito-pool ${\ POOL2}
</Location>
<Location /forgot/>
    CognitoIdentityRole authenticated $ROLE
    CognitoIdentityPolicy $ROLE %%ROOT%%/t/policies/s3-per-user.json
    CognitoIdentityAuthorize s3
    Require cognito-identity
</Location>
<Location /cors/>
    CognitoIdentityCORSPreflight On
    Require cognito-identity
</Location>
<Location /cached/>
    CognitoIdentityKeyFile %%ROOT%%/t/keys/jwks-k1.json
    CognitoIdentityTokenCache On
    AuthType CognitoIdentity
    AuthName "api"
    Require cognito-identity
</Location>
<Location /down/>
    CognitoIdentityKeyURL http://127.0.0.1:%%PORT%%/jwks/missing.json
    CognitoIdentityKeyRefresh 3600
    AuthType CognitoIdentity
    AuthName "api"
    Require cognito-identity
</Location>
CONF
    my $srv = start_apache($conf, mpm => $mpm, modules => ['socache_shmcb']);
    my $dir = $srv->dir . '/html/jwks';
    mkdir $dir;
    chmod 0755, $dir;
    CigTest::_spew("$dir/jwks-k1.json", CigTest::_slurp("$root/t/keys/jwks-k1.json"));
    chmod 0644, "$dir/jwks-k1.json";

    my $counters = sub {
        my ($path, $hdrs) = @_;
        my $r = $srv->request('GET', $path // '/status', $hdrs // {});
        is($r->{status}, 200, "$mpm: the status answers");
        like($r->{headers}{'content-type'}, qr{^application/json}, "$mpm: JSON");
        return eval { decode_json($r->{body}) } // do { diag($r->{body}); {} };
    };

    my $zero = $counters->();
    is_deeply([sort keys %{ $zero->{requests}{deny} }], \@deny_reasons,
              "$mpm: every reason, at zero");

    my @plan = (
        ['/api/x', {}, 401, 'no_token'],
        ['/api/x', { Authorization => 'Bearer not.a.token' }, 401, 'malformed'],
        ['/api/x', { Authorization => "Bearer $expired" }, 401, 'expired'],
        ['/api/x', { Authorization => "Bearer $aud" }, 401, 'audience'],
        ['/api/x', { Authorization => "Bearer $forged" }, 401, 'signature'],
        ['/api/x', { Authorization => "Bearer $guest" }, 403, 'guest'],
        ['/api/x', { Authorization => "Bearer $good" }, 200, 'ok'],
        ["/mybucket/$ID/a", { Authorization => "Bearer $good" }, 200, 'ok'],
        ['/mybucket/someone/a', { Authorization => "Bearer $good" }, 403, 'policy'],
        ['/mybucket/private/a', { Authorization => "Bearer $good" }, 403, 'explicit_deny'],
        ['/keys/x', { Authorization => "Bearer $good" }, 200, 'ok'],
        ['/keys/y', { Authorization => "Bearer $good" }, 200, 'ok'],
        ['/down/x', { Authorization => "Bearer $good" }, 503, 'no_keys'],
        ['/cached/x', { Authorization => "Bearer $good" }, 200, 'ok'],
        ['/cached/y', { Authorization => "Bearer $good" }, 200, 'ok'],
        ['/cached/z', { Authorization => "Bearer $forged" }, 401, 'signature'],
        ['/pool/x', { Authorization => "Bearer $good" }, 403, 'require'],
        ['/forgot/someone/a', { Authorization => "Bearer $good" }, 403, 'policy'],
        ['/cors/x', { Origin => 'https://app.example', 'Access-Control-Request-Method' => 'GET' },
         200, 'preflight', 'OPTIONS'],
    );
    my %want;
    for my $c (@plan) {
        my ($path, $h, $status, $reason, $method) = @$c;
        my $r = $srv->request($method // 'GET', $path, $h);
        is($r->{status}, $status, "$mpm: $path ($reason)") or diag($r->{raw});
        $want{$reason}++;
    }

    my $now = $counters->();
    is($now->{requests}{allow}{ok}, $want{ok}, "$mpm: allow/ok");
    is($now->{requests}{allow}{preflight}, $want{preflight}, "$mpm: allow/preflight");
    for my $reason (@deny_reasons) {
        is($now->{requests}{deny}{$reason}, $want{$reason} // 0, "$mpm: deny/$reason");
    }
    is($now->{key_fetches}{total}, 2, "$mpm: two key fetches, one per URL, shared");
    is($now->{key_fetches}{failures}, 1, "$mpm: the missing one failed");
    is($now->{since}, $zero->{since}, "$mpm: since stays");
    is($now->{token_cache}{misses}, 1, "$mpm: the token cache's one miss");
    is($now->{token_cache}{hits}, 1, "$mpm: and its one hit");

    # Prometheus, the same numbers
    my $r = $srv->request('GET', '/status?format=prometheus');
    like($r->{headers}{'content-type'}, qr{^text/plain; version=0\.0\.4}, "$mpm: Prometheus type");
    my (%m, @bad, %type);
    for my $line (split /\n/, $r->{body}) {
        if ($line =~ /^# HELP cognito_identity_\w+ \S/) { next }
        if ($line =~ /^# TYPE (cognito_identity_\w+) (counter|gauge)$/) { $type{$1} = $2; next }
        if ($line =~ /^(cognito_identity_\w+)(?:\{((?:\w+="(?:[^"\\]|\\.)*",?)*)\})? (\d+)$/) {
            my ($name, $labels, $v) = ($1, $2, $3);
            my %l = defined $labels ? $labels =~ /(\w+)="((?:[^"\\]|\\.)*)"/g : ();
            push @bad, $line unless $type{$name};
            push @bad, "counter without _total: $line"
                if $type{$name} eq 'counter' && $name !~ /_total$/;
            $m{defined $l{decision} ? "$l{decision}/$l{reason}"
               : %l ? "$name\{" . join(',', map { "$_=$l{$_}" } sort keys %l) . '}'
               : $name} = $v;
            next;
        }
        push @bad, $line;
    }
    is_deeply(\@bad, [], "$mpm: exposition format, line by line");
    is($m{'deny/expired'}, $want{expired}, "$mpm: prometheus deny/expired");
    is($m{'allow/ok'}, $want{ok}, "$mpm: prometheus allow/ok");
    is($m{cognito_identity_key_fetches_total}, 2, "$mpm: prometheus key fetches");

    # by key URL, and the build: the nginx module's names
    my $ok_url = 'http://127.0.0.1:' . $srv->port . '/jwks/jwks-k1.json';
    my $bad_url = 'http://127.0.0.1:' . $srv->port . '/jwks/missing.json';
    my $nk1 = scalar @{ JSON::PP::decode_json(CigTest::_slurp("$root/t/keys/jwks-k1.json"))->{keys} };
    is($m{"cognito_identity_keys{source=$ok_url}"}, $nk1, "$mpm: keys in use by URL");
    is($m{"cognito_identity_keys{source=$bad_url}"}, 0, "$mpm: none from the missing URL");
    my $fetched = $m{"cognito_identity_keys_last_success_timestamp_seconds{source=$ok_url}"};
    ok($fetched && $fetched >= $now->{since} && $fetched <= time, "$mpm: time of the last good fetch");
    is($m{"cognito_identity_keys_last_success_timestamp_seconds{source=$bad_url}"}, 0,
       "$mpm: never fetched: 0");
    ok(defined $m{"cognito_identity_keys_age_seconds{source=$ok_url}"}, "$mpm: age of the keys in use");
    ok(!exists $m{"cognito_identity_keys_age_seconds{source=$bad_url}"}, "$mpm: no age where never fetched");
    is($m{"cognito_identity_key_fetch_consecutive_failures{source=$ok_url}"}, 0, "$mpm: no failures");
    is($m{"cognito_identity_key_fetch_consecutive_failures{source=$bad_url}"}, 1, "$mpm: one failure");
    my ($version) = CigTest::_slurp("$root/debian/changelog") =~ /^\S+ \(([^)-]+)/;
    my ($build) = grep { /^cognito_identity_build_info\{/ } keys %m;
    like($build, qr/^cognito_identity_build_info\{openssl=OpenSSL \d[^,]*,server=apache,version=\Q$version\E\}$/,
         "$mpm: build_info");
    is_deeply($now->{key_sources},
              [ { source => $ok_url, keys => $nk1, fetched => $fetched, consecutive_failures => 0 },
                { source => $bad_url, keys => 0, fetched => 0, consecutive_failures => 1 } ],
              "$mpm: JSON key_sources");
    is($now->{build}{version}, $version, "$mpm: JSON build version");

    $r = $srv->request('GET', '/status?format=xml');
    is($r->{status}, 400, "$mpm: an unknown format is 400");
    $r = $srv->request('GET', '/closed');
    is($r->{status}, 403, "$mpm: Require all denied protects the status");
    my $with = $counters->('/status', { Authorization => "Bearer $good", Accept => 'text/plain' });
    is_deeply($with, $now, "$mpm: client headers change nothing");

    # the access log: COGNITO_IDENTITY_RESULT and COGNITO_IDENTITY_REASON
    my @log = grep { !/^-\|/ } split /\n/, CigTest::_slurp($srv->dir . '/cig.log');
    is_deeply(\@log, [map { ($_->[3] =~ /^(ok|preflight)$/ ? 'allow' : 'deny') . "|$_->[3]|$_->[2]" } @plan],
              "$mpm: the log carries result and reason, request by request");

    ok($srv->graceful(conf => $conf), "$mpm: graceful restart");
    my $after = $counters->();
    is($after->{requests}{deny}{no_token}, $now->{requests}{deny}{no_token},
       "$mpm: counters survive a graceful restart");
    is($after->{since}, $now->{since}, "$mpm: same start");

    $srv->stop;
}

done_testing();
