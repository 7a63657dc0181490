# SPDX-License-Identifier: BSD-2-Clause
# nginx -s reload under load (wrk): keys fetched from a URL survive the
# reload (no new fetch); keys, the roles file and the policies change at
# each reload; no request fails while wrk runs, and the new configuration is
# in force afterwards.

use strict;
use warnings;

use lib 't/lib';
use CigTest;
use CigToken;
use CigWrk;
use File::Temp qw(tempdir);
use Time::HiRes qw(time sleep);
use Test::More;

my $root = repo_root();
my $POOL = 'eu-west-1:b45b9729-c269-4ef2-86f1-0df3e40fe92d';
my $API  = 'arn:aws:execute-api:eu-west-1:123456789012:api1/prod';
my ($RA, $RB) = map { "arn:aws:iam::123456789012:role/$_" } qw(ReloadA ReloadB);

# role A may call /api/both/ and /api/a/, role B /api/both/ and /api/b/
sub roles_json {
    my ($role) = @_;
    return qq({"IdentityPoolId":"$POOL","Roles":{"authenticated":"$role"}});
}

sub policy_json {
    my ($only) = @_;
    return qq({"Version":"2012-10-17","Statement":[{"Effect":"Allow",)
         . qq("Action":"execute-api:Invoke","Resource":["$API/GET/api/both/*",)
         . qq("$API/GET/api/$only/*"]}]});
}

my $fdir;

my $conf = sub {
    my (%o) = @_;
    my $keys = $o{key_file} ? "cognito_identity_key_file %%ROOT%%/t/keys/$o{key_file};" : '';
    my $extra = $o{extra} // '';
    return <<"CONF";
    log_format hits '\$uri';

    server {
        listen 127.0.0.1:%%PORT%%;
        server_name upstream;
        access_log %%DIR%%/upstream.log hits;
        location /jwks/ { alias %%ROOT%%/t/keys/; default_type application/json; }
        location / { return 200 "ok\\n"; }
    }

    server {
        listen 127.0.0.1:%%PORT%% default_server;
        cognito_identity_pool $POOL;
        cognito_identity_token_cache zone=tokens:1m;
        proxy_set_header Host upstream;

        location = /_keys {
            internal;
            proxy_pass http://127.0.0.1:%%PORT%%/jwks/jwks-k1.json;
            proxy_set_header Host upstream;
            proxy_set_header Accept-Encoding "";
        }

        location /api/ {
            cognito_identity "api";
            cognito_identity_key_request /_keys;
            $keys
            cognito_identity_roles $fdir/$o{roles};
            cognito_identity_policy $o{role} $fdir/$o{policy};
            cognito_identity_authorize execute-api $API;
            $extra
            proxy_pass http://127.0.0.1:%%PORT%%;
        }
    }
CONF
};

# the roles files and policies live outside the server's directory, which
# exists only once it starts
$fdir = tempdir(CLEANUP => !$ENV{CIG_KEEP});
CigTest::_spew("$fdir/roles-a.json", roles_json($RA));
CigTest::_spew("$fdir/roles-b.json", roles_json($RB));
CigTest::_spew("$fdir/policy-a.json", policy_json('a'));
CigTest::_spew("$fdir/policy-b.json", policy_json('b'));

my $srv = start_nginx($conf->(roles => 'roles-a.json', role => $RA,
                              policy => 'policy-a.json'),
                      workers => 2);

my $t1 = cognito_token();
my $t2 = cognito_token(key => 'k2',
                       header => { kid => 'test-2', typ => 'JWS', alg => 'RS512' });
my %h1 = (Authorization => "Bearer $t1");
my %h2 = (Authorization => "Bearer $t2");

is($srv->request('GET', '/api/both/x', \%h1)->{status}, 200,
   'before: keys fetched, role A may call /api/both/');
is($srv->request('GET', '/api/a/x', \%h1)->{status}, 200, 'before: and /api/a/');
is($srv->request('GET', '/api/b/x', \%h1)->{status}, 403, 'before: not /api/b/');
is($srv->request('GET', '/api/both/x', \%h2)->{status}, 401,
   'before: the second key is unknown');

sub fetches {
    my $log = CigTest::_slurp($srv->dir . '/upstream.log');
    return scalar(() = $log =~ m{^/jwks/jwks-k1\.json$}mg);
}

# the first request fetched the keys, the unknown kid once more
my $before = fetches();
cmp_ok($before, '>=', 1, "before: keys fetched ($before times)");

SKIP: {
    if (my $why = CigWrk::missing()) {
        diag("wrk: $why; the reloads are tested without load");
        skip $why, 3;
    }

    my $w = CigWrk::start(port => $srv->port, dir => $srv->dir, seconds => 5,
                          threads => 2, connections => 8,
                          requests => [ { path => '/api/both/x', headers => \%h1 },
                                        { path => '/api/both/y/z', headers => \%h1 } ]);
    sleep 1.2;
    ok($srv->reload(http => $conf->(roles => 'roles-b.json', role => $RB,
                                    policy => 'policy-b.json',
                                    key_file => 'jwks-k2.json')),
       'reload under load: another key file, roles file and policy')
        or diag($srv->reload_error);
    sleep 1.2;
    ok($srv->reload(http => $conf->(roles => 'roles-b.json', role => $RB,
                                    policy => 'policy-b.json',
                                    key_file => 'jwks-k2.json',
                                    extra => 'cognito_identity_leeway 5s;')),
       'second reload under load') or diag($srv->reload_error);

    my $r = CigWrk::finish($w);
    ok($r->{ok} && $r->{requests} > 50
       && !grep({ $_ != 200 } keys %{ $r->{status} })
       && CigWrk::socket_errors($r) == 0,
       "wrk: no request failed during the reloads ($r->{requests} requests)")
        or diag("statuses: " . CigWrk::statuses($r) . "; errors: "
                . join(' ', %{ $r->{errors} }) . "\n$r->{output}");
}

# without wrk, the reloads happen all the same
$srv->reload(http => $conf->(roles => 'roles-b.json', role => $RB,
                             policy => 'policy-b.json', key_file => 'jwks-k2.json',
                             extra => 'cognito_identity_leeway 5s;'))
    or diag($srv->reload_error);

is($srv->request('GET', '/api/both/x', \%h2)->{status}, 200,
   'after: the new key file is in force');
is($srv->request('GET', '/api/b/x', \%h1)->{status}, 200,
   'after: the new roles file and policy are in force (role B may call /api/b/)');
is($srv->request('GET', '/api/a/x', \%h1)->{status}, 403,
   'after: and role A\'s policy no longer applies');
is($srv->request('GET', '/api/both/x', \%h1)->{status}, 200,
   'after: keys fetched before the reloads still work');

is(fetches(), $before, 'the fetched keys survived the reloads in the zone (no new fetch)');

$srv->stop;
done_testing();
