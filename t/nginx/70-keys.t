# SPDX-License-Identifier: BSD-2-Clause
# Keys from a URL through a subrequest, shared by workers, refreshed and
# rotated, with a loopback upstream (a second server of the same nginx)
# that serves, rotates, breaks and floods JWKS responses; and the
# verified-token cache.  Upstream hits are counted in its access log.

use strict;
use warnings;

use lib 't/lib';
use CigTest;
use CigToken;
use IO::Socket::INET;
use Test::More;

my $root = repo_root();

sub slurp { local (@ARGV, $/) = @_; my $s = <>; return $s }

# A port that accepts connections and never answers: upstream timeouts.
my $blackhole = IO::Socket::INET->new(LocalAddr => '127.0.0.1',
                                      LocalPort => 0, Listen => 16)
    or die "no blackhole: $!";
my $bh = $blackhole->sockport;

# An upstream that promises more than it sends, then closes.
my $cutsock = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                    Listen => 16, ReuseAddr => 1)
    or die "no cut server: $!";
my $cut = $cutsock->sockport;
my $cutpid = fork // die;
if ($cutpid == 0) {
    while (my $c = $cutsock->accept) {
        my $req = '';
        while (defined(my $l = <$c>)) { last if $l =~ /^\r?\n$/ }
        print $c "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
               . "Content-Length: 5000\r\nConnection: close\r\n\r\n"
               . '{"keys":[{"kty":"RSA","kid":"test-1"';
        close $c;
    }
    exit 0;
}
END { kill 'TERM', $cutpid if $cutpid; }

my $keyloc = sub {
    my ($name, $file) = @_;
    return <<"L";
        location = /_keys/$name {
            internal;
            proxy_pass http://127.0.0.1:%%PORT%%/jwks/$file;
            proxy_set_header Host upstream;
            proxy_set_header Accept-Encoding "";
            proxy_read_timeout 2s;
        }
L
};

my $srv = start_nginx(<<"CONF", workers => 2);
    log_format hits '\$uri';

    server {
        listen 127.0.0.1:%%PORT%%;
        server_name upstream;
        access_log %%DIR%%/upstream.log hits;

        location /jwks/ {
            alias %%DIR%%/jwks/;
            default_type application/json;
        }

        location = /jwks/broken-503 { return 503; }
        location = /jwks/gzip {
            alias %%DIR%%/jwks/k1.json;
            add_header Content-Encoding gzip;
        }
    }

    server {
        listen 127.0.0.1:%%PORT%% default_server;

        cognito_identity_pool eu-west-1:b45b9729-c269-4ef2-86f1-0df3e40fe92d;
        cognito_identity_key_refresh 60s;
        proxy_set_header Host upstream;

        add_header X-Error \$cognito_identity_error always;
        add_header X-Cache \$cognito_identity_token_cache always;

@{[ $keyloc->('initial', 'initial.json') ]}
@{[ $keyloc->('rotate', 'rotate.json') ]}
@{[ $keyloc->('flood', 'flood.json') ]}
@{[ $keyloc->('dead', 'broken-503') ]}
@{[ $keyloc->('garbage', 'garbage.json') ]}
@{[ $keyloc->('big', 'big.json') ]}

        location = /_keys/cut {
            internal;
            proxy_pass http://127.0.0.1:$cut/jwks;
            proxy_read_timeout 2s;
        }
@{[ $keyloc->('gzip', 'gzip') ]}
@{[ $keyloc->('stale', 'stale.json') ]}
@{[ $keyloc->('cache', 'cache.json') ]}

        location = /_keys/slow {
            internal;
            proxy_pass http://127.0.0.1:$bh/jwks;
            proxy_read_timeout 1s;
        }

        location /initial/ { cognito_identity "a"; cognito_identity_key_request /_keys/initial; proxy_pass http://127.0.0.1:%%PORT%%/jwks/ok/; }
        location /rotate/  { cognito_identity "a"; cognito_identity_key_request /_keys/rotate; proxy_pass http://127.0.0.1:%%PORT%%/jwks/ok/; }
        location /flood/   { cognito_identity "a"; cognito_identity_key_request /_keys/flood; proxy_pass http://127.0.0.1:%%PORT%%/jwks/ok/; }
        location /dead/    { cognito_identity "a"; cognito_identity_key_request /_keys/dead; proxy_pass http://127.0.0.1:%%PORT%%/jwks/ok/; }
        location /garbage/ { cognito_identity "a"; cognito_identity_key_request /_keys/garbage; proxy_pass http://127.0.0.1:%%PORT%%/jwks/ok/; }
        location /big/     { cognito_identity "a"; cognito_identity_key_request /_keys/big; proxy_pass http://127.0.0.1:%%PORT%%/jwks/ok/; }
        location /gzip/    { cognito_identity "a"; cognito_identity_key_request /_keys/gzip; proxy_pass http://127.0.0.1:%%PORT%%/jwks/ok/; }
        location /cut/     { cognito_identity "a"; cognito_identity_key_request /_keys/cut; proxy_pass http://127.0.0.1:%%PORT%%/jwks/ok/; }
        location /slow/    { cognito_identity "a"; cognito_identity_key_request /_keys/slow; proxy_pass http://127.0.0.1:%%PORT%%/jwks/ok/; }
        location /mixed/   {
            cognito_identity "a";
            cognito_identity_key_file %%ROOT%%/t/keys/jwks-k2.json;
            cognito_identity_key_request /_keys/dead;
            proxy_pass http://127.0.0.1:%%PORT%%/jwks/ok/;
        }
        location /stale/   {
            cognito_identity "a";
            cognito_identity_key_request /_keys/stale;
            cognito_identity_key_cache 2s;
            cognito_identity_key_refresh 1s;
            proxy_pass http://127.0.0.1:%%PORT%%/jwks/ok/;
        }
        location /cache/   {
            cognito_identity "a";
            cognito_identity_key_request /_keys/cache;
            cognito_identity_token_cache zone=tokens:1m;
            cognito_identity_leeway 0;
            cognito_identity_key_cache 2s;
            cognito_identity_key_refresh 1s;
            proxy_pass http://127.0.0.1:%%PORT%%/jwks/ok/;
        }
    }
CONF
# note: the gateway's proxy_pass lines hit /jwks/ok/ on the upstream server;
# the Host header "localhost" of test requests selects the default server.

my $dir = $srv->dir;
mkdir "$dir/jwks";
mkdir "$dir/jwks/ok";
{ open my $fh, '>', "$dir/jwks/ok/index.html" or die; print $fh "upstream ok\n"; }

sub put_jwks {
    my ($name, @files) = @_;
    my @keys;
    for my $f (@files) {
        my $j = slurp("$root/t/keys/$f");
        push @keys, $1 while $j =~ /(\{[^{}]*"kty"[^{}]*\})/g;
    }
    my $tmp = "$dir/jwks/$name.tmp";
    open my $fh, '>', $tmp or die;
    print $fh '{"keys":[' . join(',', @keys) . ']}';
    close $fh;
    rename $tmp, "$dir/jwks/$name.json" or die;
}

# The fetches of a JWKS file in the key server's access log.  nginx writes
# that line after the response, which may reach the client first: with
# $want, wait up to 3 s for that many lines before counting.
sub hits {
    my ($file, $want) = @_;
    my $deadline = Time::HiRes::time() + 3;
    while (1) {
        my $log = -e "$dir/upstream.log" ? slurp("$dir/upstream.log") : '';
        my @n = $log =~ m{^/jwks/\Q$file\E$}mg;
        return scalar @n
            if !defined $want || @n >= $want || Time::HiRes::time() > $deadline;
        Time::HiRes::sleep(0.05);
    }
}

my $t1 = cognito_token();
my $t2 = cognito_token(key => 'k2',
                       header => { kid => 'test-2', typ => 'JWS', alg => 'RS512' });
my $unknown = cognito_token(header => { kid => 'test-9', typ => 'JWS', alg => 'RS512' });

sub get {
    my ($path, $token) = @_;
    return $srv->request('GET', $path,
                         $token ? { Authorization => "Bearer $token" } : {});
}

# 1. The first request waits for the initial fetch; later ones use the zone.
put_jwks('initial', 'jwks-k1.json');
is(get('/initial/', $t1)->{status}, 200, 'first request waits for the keys');
is(get('/initial/', $t1)->{status}, 200, 'and the next uses them') for 1 .. 5;
is(hits('initial.json', 1), 1, 'one fetch for all requests and both workers');
like($srv->error_log, qr/cognito identity: 1 keys loaded from "\/_keys\/initial"/,
     'the fetch is logged');

# 2. Rotation: a new kid triggers a refresh, without a failed request.
put_jwks('rotate', 'jwks-k1.json');
is(get('/rotate/', $t1)->{status}, 200, 'rotate: old key');
put_jwks('rotate', 'jwks-k1.json', 'jwks-k2.json');
my $r = get('/rotate/', $t2);
is($r->{status}, 200, 'rotate: a token of the new key passes at once');
is(hits('rotate.json', 2), 2, 'rotate: one refresh for the unknown kid');
is(get('/rotate/', $t1)->{status}, 200, 'rotate: the old key still works');

# 3. A flood of unknown kids costs at most one fetch per key_refresh.
put_jwks('flood', 'jwks-k1.json');
is(get('/flood/', $t1)->{status}, 200, 'flood: keys loaded');
my $refused = 0;
for (1 .. 30) {
    my $s = get('/flood/', $unknown);
    $refused++ if $s->{status} == 401
                  && ($s->{headers}{'x-error'} // '') =~ /unknown kid "test-9"/;
}
is($refused, 30, 'flood: every unknown kid refused with the reason');
is(hits('flood.json', 2), 2, 'flood: one refresh for thirty unknown kids');
is(get('/flood/', $t1)->{status}, 200, 'flood: good tokens still pass');

# 4. No keys can be had: 503 with Retry-After, never 401 or a pass.
$r = get('/dead/', $t1);
is($r->{status}, 503, 'dead upstream, no keys: 503');
is($r->{headers}{'retry-after'}, '60', 'with Retry-After: key_refresh');
like($srv->error_log, qr/keys from "\/_keys\/dead" not updated: the response status is not 200/,
     'the log says why');
my $before = hits('broken-503');
is(get('/dead/', $t1)->{status}, 503, 'dead upstream again: 503') for 1 .. 5;
is(hits('broken-503'), $before, 'and no new fetch within key_refresh');
is(get('/dead/')->{status}, 401, 'no token is still 401 first');

# 5. A key file beside a dead URL keeps working.
is(get('/mixed/', $t2)->{status}, 200, 'key file works while the URL is dead');
$r = get('/mixed/', $t1);
is($r->{status}, 503, 'a kid only the unavailable URL could have: 503, not 401');
like($r->{headers}{'x-error'}, qr/unknown kid "test-1" while keys from "\/_keys\/dead" are unavailable/,
     'and the reason says so');

# 6. Bad bodies are logged by name and never half-used.
{ open my $fh, '>', "$dir/jwks/garbage.json" or die; print $fh '{"keys":[{"kty":"RSA"'; }
is(get('/garbage/', $t1)->{status}, 503, 'invalid JSON: no keys');
like($srv->error_log, qr/keys from "\/_keys\/garbage" not updated: invalid JSON/,
     'invalid body logged');

{
    # a valid key set padded past the 1 MiB bound
    my $j = slurp("$root/t/keys/jwks-k1.json");
    $j =~ s/\}\s*$/, "padding": "@{['A' x (1100 * 1024)]}"}/;
    open my $fh, '>', "$dir/jwks/big.json" or die;
    print $fh $j;
}
is(get('/big/', $t1)->{status}, 503, 'oversized key set: no keys');
like($srv->error_log, qr/keys from "\/_keys\/big" not updated: the key set is larger than 1 MiB/,
     'oversize logged by name');

# a response cut short by the upstream is detected, not half-used
is(get('/cut/', $t1)->{status}, 503, 'truncated key set: no keys');
like($srv->error_log, qr/keys from "\/_keys\/cut" not updated: the key set is truncated/,
     'truncation logged by name');

put_jwks('k1', 'jwks-k1.json');
is(get('/gzip/', $t1)->{status}, 503, 'Content-Encoding we did not ask for: no keys');
like($srv->error_log, qr/keys from "\/_keys\/gzip" not updated: the response has a Content-Encoding/,
     'encoding logged');

my $t0 = time;
is(get('/slow/', $t1)->{status}, 503, 'upstream timeout: 503');
cmp_ok(time - $t0, '<=', 5, 'within the proxy timeout');

# 7. Stale keys are kept when a refresh fails.
put_jwks('stale', 'jwks-k1.json');
is(get('/stale/', $t1)->{status}, 200, 'stale: keys loaded');
unlink "$dir/jwks/stale.json";
sleep 3;
is(get('/stale/', $t1)->{status}, 200, 'stale: refresh fails, old keys kept');
sleep 1;
is(get('/stale/', $t1)->{status}, 200, 'stale: still kept');
like($srv->error_log, qr/keys from "\/_keys\/stale" not updated: the response status is not 200; keeping the last good keys/,
     'stale: the failed refresh is logged');
put_jwks('stale', 'jwks-k2.json');
sleep 2;
get('/stale/', $t1);            # triggers the background refresh
select(undef, undef, undef, 0.5);
is(get('/stale/', $t2)->{status}, 200, 'stale: the new key set is used');
is(get('/stale/', $t1)->{status}, 401, 'stale: a removed key no longer verifies');

# 8. The verified-token cache.
put_jwks('cache', 'jwks-k1.json');
my $short = cognito_token(claims => { exp => time + 3 });
$r = get('/cache/', $short);
is($r->{status}, 200, 'cache: first use');
is($r->{headers}{'x-cache'}, 'miss', 'cache: a miss');
my $hits = 0;
for (1 .. 6) {
    $r = get('/cache/', $short);
    $hits++ if $r->{status} == 200 && $r->{headers}{'x-cache'} eq 'hit';
}
cmp_ok($hits, '>=', 5, 'cache: repeated token is a hit (in both workers)');
sleep 4;
$r = get('/cache/', $short);
is($r->{status}, 401, 'cache: an entry never outlives exp');
like($r->{headers}{'x-error'}, qr/expired/, 'cache: refused as expired');

my $tampered = $short;
substr($tampered, -5, 1) = substr($tampered, -5, 1) eq 'A' ? 'B' : 'A';
$r = get('/cache/', $tampered);
is($r->{status}, 401, 'cache: a different token is not a hit');

my $bad = cognito_token(key => 'k2');
is(get('/cache/', $bad)->{status}, 401, 'cache: failures are not cached') for 1 .. 2;

my $long = cognito_token();
is(get('/cache/', $long)->{status}, 200, 'cache: a k1 token') for 1 .. 2;
put_jwks('cache', 'jwks-k2.json');
sleep 3;
get('/cache/', $long);          # starts the background refresh
select(undef, undef, undef, 0.5);
$r = get('/cache/', $long);
is($r->{status}, 401, 'cache: no entry outlives a rotation that removed its key');
is(get('/cache/', $t2)->{status}, 200, 'cache: the new key works');

$srv->stop;
close $blackhole;
done_testing();
