# SPDX-License-Identifier: BSD-2-Clause
# The verified-token cache when its zone is full: least recently used
# entries make room, no request ever fails for it, and recent tokens stay.

use strict;
use warnings;

use lib 't/lib';
use CigTest;
use CigToken;
use Test::More;

my $srv = start_nginx(<<'CONF');
    server {
        listen 127.0.0.1:%%PORT%%;
        root %%DIR%%/html;

        cognito_identity_pool eu-west-1:b45b9729-c269-4ef2-86f1-0df3e40fe92d;
        cognito_identity_key_file %%ROOT%%/t/keys/jwks-k1.json;
        cognito_identity_token_cache zone=small:32k;

        location / {
            cognito_identity "api";
            add_header X-Cache $cognito_identity_token_cache always;
        }

        location = /metrics {
            cognito_identity_status prometheus;
        }
    }
CONF

# Tokens with large payloads (principal tags) so a few fill the zone.
my $pad = 'x' x 1500;
my @tokens = map {
    cognito_token(claims => {
        sub => sprintf('eu-west-1:9539224f-5cd4-4923-a426-%012d', $_),
        'https://aws.amazon.com/tags' => { principal_tags => { pad => [$pad] } } })
} 1 .. 40;

my ($ok, $bad) = (0, 0);
for my $t (@tokens, @tokens) {
    my $r = $srv->request('GET', '/index.html', { Authorization => "Bearer $t" });
    $r->{status} == 200 ? $ok++ : $bad++;
}
is($bad, 0, 'a full zone never fails a request');
is($ok, 80, 'all 80 requests answered');

my $metrics = $srv->request('GET', '/metrics')->{body};
my ($entries) = $metrics =~ /^cognito_identity_token_cache_entries\{zone="small"\} (\d+)$/m;
my ($evictions) = $metrics =~ /^cognito_identity_token_cache_evictions_total\{zone="small"\} (\d+)$/m;
ok(defined $entries && $entries > 0 && $entries < 40,
   'the status counts the entries of the full zone') or diag($metrics);
ok(defined $evictions && $evictions > 0, 'and the evictions that made room');

my $last = $tokens[-1];
my $r = $srv->request('GET', '/index.html', { Authorization => "Bearer $last" });
is($r->{headers}{'x-cache'}, 'hit', 'the most recent token is still cached');

$r = $srv->request('GET', '/index.html', { Authorization => "Bearer $tokens[0]" });
is($r->{status}, 200, 'an evicted token verifies again');
is($r->{headers}{'x-cache'}, 'miss', 'as a miss: the oldest entries made room');

unlike($srv->error_log, qr/could not allocate|no memory/,
       'eviction is silent, not an allocation failure');

$srv->stop;

# Many small entries in the smallest zone (64 buckets): chains in every
# bucket, entries unlinked from the middle of them as the oldest make room,
# and every token still found again while it is held.
$srv = start_nginx(<<'CONF');
    server {
        listen 127.0.0.1:%%PORT%%;
        root %%DIR%%/html;

        cognito_identity_pool eu-west-1:b45b9729-c269-4ef2-86f1-0df3e40fe92d;
        cognito_identity_key_file %%ROOT%%/t/keys/jwks-k1.json;
        cognito_identity_token_cache zone=many:32k;

        location / {
            cognito_identity "api";
            add_header X-Cache $cognito_identity_token_cache always;
        }
    }
CONF

my @small = map {
    cognito_token(claims => {
        sub => sprintf('eu-west-1:9539224f-5cd4-4923-a426-%012d', $_) })
} 1 .. 150;

my (%first, %second);
my $fails = 0;
for my $round (1, 2) {
    for my $i (0 .. $#small) {
        my $t = $small[$i];
        # each token twice in a row: the second must be a hit
        for my $k (1, 2) {
            my $r = $srv->request('GET', '/index.html',
                                  { Authorization => "Bearer $t" });
            $fails++ if $r->{status} != 200;
            ($k == 1 ? \%first : \%second)->{ $r->{headers}{'x-cache'} // '-' }++;
        }
    }
}
is($fails, 0, 'many entries in few buckets: every request answered');
is($second{hit} // 0, 300, 'a token just inserted is found at once, '
   . 'whatever else its bucket holds');
ok(($first{miss} // 0) > 150, 'the oldest entries made room (misses on the '
   . 'second round)');

# An entry is found by a hash of the token's last 32 bytes, but matches only
# if the whole token is equal: tokens that end like a cached one and differ
# anywhere before are never hits, and are verified (and refused) afresh.
sub flip {
    my ($s, $i) = @_;
    substr($s, $i, 1) = substr($s, $i, 1) eq 'A' ? 'B' : 'A';
    return $s;
}

my $t = $small[-1];
$srv->request('GET', '/index.html', { Authorization => "Bearer $t" });
$r = $srv->request('GET', '/index.html', { Authorization => "Bearer $t" });
is($r->{headers}{'x-cache'}, 'hit', 'the cached token is a hit');

my ($h, $p, $sig) = split /\./, $t;
for my $case ([ 'header', flip($h, 4) . ".$p.$sig" ],
              [ 'payload', "$h." . flip($p, 20) . ".$sig" ],
              [ 'signature', "$h.$p." . flip($sig, 7) ],
              [ 'signature, last byte before the hashed end',
                "$h.$p." . flip($sig, length($sig) - 33) ]) {
    my ($what, $forged) = @$case;
    is(length($forged), length($t), "$what changed: same length, same end");
    $r = $srv->request('GET', '/index.html', { Authorization => "Bearer $forged" });
    is($r->{status}, 401, "$what changed: refused");
    is($r->{headers}{'x-cache'}, 'miss', "$what changed: not a hit");
}

$r = $srv->request('GET', '/index.html', { Authorization => "Bearer $t" });
is($r->{headers}{'x-cache'}, 'hit', 'the cached token is still a hit');

$srv->stop;
done_testing();
