# nginx -s reload while requests are in flight: keys fetched from a URL
# survive the reload (no new fetch), no request fails, and the new
# configuration is in force afterwards.

use strict;
use warnings;

use lib 't/lib';
use CigTest;
use CigToken;
use IO::Socket::INET;
use Time::HiRes qw(time sleep);
use Test::More;

my $root = repo_root();

my $conf = sub {
    my ($extra) = @_;
    return <<"CONF";
    log_format hits '\$uri';

    server {
        listen 127.0.0.1:%%PORT%%;
        server_name upstream;
        access_log %%DIR%%/upstream.log hits;
        location /jwks/ { alias %%ROOT%%/t/keys/; default_type application/json; }
        location /ok/ { return 200 "ok\\n"; }
    }

    server {
        listen 127.0.0.1:%%PORT%% default_server;
        cognito_identity_pool eu-west-1:b45b9729-c269-4ef2-86f1-0df3e40fe92d;
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
            $extra
            proxy_pass http://127.0.0.1:%%PORT%%/ok/;
        }
    }
CONF
};

my $srv = start_nginx($conf->(''), workers => 2);
my $t1 = cognito_token();
my $t2 = cognito_token(key => 'k2',
                       header => { kid => 'test-2', typ => 'JWS', alg => 'RS512' });

is($srv->request('GET', '/api/', { Authorization => "Bearer $t1" })->{status},
   200, 'keys fetched before the reload');

# A client hammering the server while it reloads.
pipe(my $rd, my $wr) or die;
my $pid = fork // die;

if ($pid == 0) {
    close $rd;
    my ($ok, $bad, %codes) = (0, 0);
    my $end = time + 4;
    while (time < $end) {
        my $r = $srv->request('GET', '/api/', { Authorization => "Bearer $t1" });
        if ($r->{status} == 200) { $ok++ } else { $bad++; $codes{$r->{status}}++ }
    }
    print $wr "$ok $bad " . join(',', map { "$_=$codes{$_}" } sort keys %codes) . "\n";
    close $wr;
    exit 0;
}

close $wr;
sleep 1;
ok($srv->reload(http => $conf->('cognito_identity_key_file %%ROOT%%/t/keys/jwks-k2.json;')),
   'reload with a new key file') or diag($srv->reload_error);
sleep 1;
ok($srv->reload(http => $conf->('cognito_identity_key_file %%ROOT%%/t/keys/jwks-k2.json; cognito_identity_leeway 5s;')),
   'second reload') or diag($srv->reload_error);

my $line = <$rd>;
waitpid $pid, 0;
my ($ok, $bad, $codes) = split ' ', $line // '0 -1';
cmp_ok($ok, '>', 50, "requests served during the reloads ($ok)");
is($bad, 0, 'no request failed during the reloads') or diag("statuses: $codes");

is($srv->request('GET', '/api/', { Authorization => "Bearer $t2" })->{status},
   200, 'the new configuration is in force (its key file works)');
is($srv->request('GET', '/api/', { Authorization => "Bearer $t1" })->{status},
   200, 'and keys fetched before the reloads still work');

my $log = do { local (@ARGV, $/) = $srv->dir . '/upstream.log'; <> };
my @fetches = $log =~ m{^/jwks/jwks-k1\.json$}mg;
is(scalar @fetches, 1, 'the fetched keys survived both reloads in the zone');

$srv->stop;
done_testing();
