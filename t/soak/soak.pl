#!/usr/bin/perl
# SPDX-License-Identifier: BSD-2-Clause
# t/soak/soak.pl - the soak test (make soak; not part of make test).
#
# nginx (the ASan+UBSan build of the module) and Apache (its ASan build when
# built, else the plain one) run side by side at saturation for SOAK_SECONDS
# (default 600), each under a wrk per kind of traffic, valid and hostile:
#
#   valid        20 distinct valid tokens on an allowed path        200
#   badsig       valid tokens with a flipped signature byte         401
#   malformed    two segments, non-base64url, "none", huge, NUL     401
#   unknownkid   a token signed by a key the server does not know   401
#   notoken      no Authorization header                            401
#   denied       valid tokens on a path the policy denies           403
#   badpath      encoded slash and backslash, double encoding       400
#   nulpath      an encoded NUL                  400 (httpd itself: 404)
#
# Each wrk checks that every answer had its kind's status (wrk's Lua
# response() callback counts them) with no socket error (a request not
# answered within 30 s counts as one: generous, so that a machine shared
# with other work does not fail the run, while a hung worker still does).  Every 5% of the
# run, the anonymous RSS (RssAnon) of the servers' worker processes is
# sampled.  At the end: no unexpected status; the nginx workers are the ones
# that started (none crashed and was replaced); no [alert], crash or
# sanitizer report in the logs (the harness fails on them when each server
# stops); RSS flat: the end no more than 25% or 16 MiB over the sample
# taken after the first quarter (warm-up, caches and the ASan quarantine,
# bounded here at 16 MiB, filling), whichever is larger.
#
# Environment: SOAK_SECONDS, SOAK_RESULT (default build/soak/result.txt),
# and CIG_MODULE / CIG_APACHE_MODULE / CIG_PRELOAD as for the tests (make
# soak sets them for the ASan builds).

use strict;
use warnings;

use lib 't/lib';
use CigTest;
use CigToken;
use CigWrk;
use File::Path qw(make_path);
use File::Temp qw(tempdir);
use POSIX qw(strftime);
use Time::HiRes qw(time sleep);
use Test::More;

plan skip_all => CigWrk::missing() if CigWrk::missing();

my $SECS = $ENV{SOAK_SECONDS} // 600;
die "SOAK_SECONDS must be a number of seconds >= 10\n" unless $SECS =~ /^\d+$/ && $SECS >= 10;

my $root = repo_root();
my $POOL = POOL;
my $API  = 'arn:aws:execute-api:eu-west-1:123456789012:soak/prod';
my $ROLE = 'arn:aws:iam::123456789012:role/Soak';

my $fdir = tempdir(CLEANUP => !$ENV{CIG_KEEP});
CigTest::_spew("$fdir/policy.json",
    qq({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":)
  . qq("execute-api:Invoke","Resource":"$API/GET/api/ok/*"},{"Effect":"Deny",)
  . qq("Action":"execute-api:Invoke","Resource":"$API/GET/api/ok/denied*"}]}));

# ---- traffic

my $exp = time() + $SECS + 900;
my @valid = map { cognito_token(claims => { exp => $exp, iat => time() - $_ }) } 0 .. 19;
my @badsig = map {
    my $t = $_;
    my $i = length($t) - 10;
    substr($t, $i, 1) = substr($t, $i, 1) eq 'A' ? 'B' : 'A';
    $t;
} @valid[0 .. 4];
my $unknown = cognito_token(key => 'k2', claims => { exp => $exp },
                            header => { kid => 'test-2', typ => 'JWS', alg => 'RS512' });
my ($h, $p) = split /\./, $valid[0];
my @malformed = ("$h.$p", "$h.$p.", "$h..", 'a.b.c', "$h.$p.\@\@\@\@",
                 "eyJhbGciOiJub25lIn0.$p.", 'x' x 3000, "$h.$p.AAAA%00",
                 "$h.$p." . ('A' x 2000));

sub reqs {
    my ($path, @tokens) = @_;
    return [ map { { path => $path, headers => { Authorization => "Bearer $_" } } } @tokens ];
}

my %kinds = (
    valid      => [200, reqs('/api/ok/x', @valid)],
    badsig     => [401, reqs('/api/ok/x', @badsig)],
    malformed  => [401, reqs('/api/ok/x', @malformed)],
    unknownkid => [401, reqs('/api/ok/x', $unknown)],
    notoken    => [401, [ { path => '/api/ok/x' } ]],
    denied     => [403, reqs('/api/ok/denied', @valid[0 .. 4])],
    badpath    => [400, [ map { @{ reqs($_, $valid[0]) } }
                          '/api/ok/a%2Fb', '/api/ok/a%5Cb', '/api/ok/a%252Fb' ]],
    # httpd itself answers 404 to an encoded NUL, before any module runs
    nulpath    => [{ nginx => 400, apache => 404 }, reqs('/api/ok/a%00b', $valid[0])],
);

sub want {
    my ($k, $server) = @_;
    my $w = $kinds{$k}[0];
    return ref $w ? $w->{$server} : $w;
}

# ---- servers

my $nginx = start_nginx(<<"CONF", workers => 2);
    server {
        listen 127.0.0.1:%%PORT%%;
        server_name upstream;
        access_log off;
        location / { return 200 "ok\\n"; }
    }

    server {
        listen 127.0.0.1:%%PORT%% default_server;
        access_log off;
        merge_slashes off;
        cognito_identity_pool $POOL;
        cognito_identity_token_cache zone=tokens:1m;
        proxy_set_header Host upstream;

        location /api/ {
            cognito_identity "api";
            cognito_identity_key_file %%ROOT%%/t/keys/jwks-k1.json;
            cognito_identity_role authenticated $ROLE;
            cognito_identity_policy $ROLE $fdir/policy.json;
            cognito_identity_authorize execute-api $API;
            proxy_pass http://127.0.0.1:%%PORT%%;
        }
    }
CONF

my $apache;
if (-f CigApache_module()) {
    require CigApache;
    $apache = CigApache::start_apache(<<"CONF");
MergeSlashes Off
LimitRequestFieldSize 16384
CognitoIdentityPool $POOL
CognitoIdentityKeyFile %%ROOT%%/t/keys/jwks-k1.json
Alias /api/ok/ %%DIR%%/html/
<Location /api/>
    CognitoIdentityRole authenticated $ROLE
    CognitoIdentityPolicy $ROLE $fdir/policy.json
    CognitoIdentityAuthorize execute-api $API
    AuthType CognitoIdentity
    AuthName "api"
    Require cognito-policy
</Location>
CONF
    for my $f (qw(x denied)) {
        CigTest::_spew($apache->dir . "/html/$f", "ok\n");
        chmod 0644, $apache->dir . "/html/$f";
    }
} else {
    diag('Apache module not built (make apache or apache-asan): nginx only');
}

sub CigApache_module {
    my $m = $ENV{CIG_APACHE_MODULE}
         || ($ENV{CIG_PRELOAD} ? "$root/build/asan/mod_cognito_identity.so"
                               : "$root/build/mod_cognito_identity.so");
    return $m;
}

my @servers = (['nginx', $nginx], $apache ? (['apache', $apache]) : ());

# every kind answers as expected before the load starts
for my $s (@servers) {
    my ($name, $srv) = @$s;
    for my $k (sort keys %kinds) {
        my $want = want($k, $name);
        my $reqs = $kinds{$k}[1];
        my $bad = '';
        for my $r (@$reqs) {
            my $got = $srv->request('GET', $r->{path}, $r->{headers})->{status};
            $bad .= " $r->{path}=$got" if $got != $want;
        }
        ok(!$bad, "$name: $k answers $want before the soak") or diag("got:$bad");
    }
}

sub rss_kb {    # RssAnon of a server's workers, summed
    my ($srv) = @_;
    my $kb = 0;
    for my $pid ($srv->workers) {
        my $st = CigTest::_slurp("/proc/$pid/status");
        $kb += $1 if $st =~ /^RssAnon:\s+(\d+) kB/m;
    }
    return $kb;
}

my %pids = map { $_->[0] => join(',', sort $_->[1]->workers) } @servers;
my (%rss, @w);

for my $s (@servers) {
    my ($name, $srv) = @$s;
    for my $k (sort keys %kinds) {
        # Apache's event MPM closes idle keep-alive connections when its
        # threads are all busy, which is a client's to retry: one request
        # per connection there, so that every request counted is answered
        push @w, [ $name, $k, want($k, $name),
                   CigWrk::start(port => $srv->port, dir => $srv->dir, tag => "soak-$k",
                                 seconds => $SECS, threads => 1, timeout => 30,
                                 connections => $k eq 'valid' ? 8 : 2,
                                 close => $name eq 'apache',
                                 requests => $kinds{$k}[1]) ];
    }
}

my $t0 = time();
my $step = $SECS / 20;
for my $i (0 .. 20) {
    my $at = $t0 + 1 + $i * $step;
    sleep($at - time()) if $at > time();
    for my $s (@servers) {
        push @{ $rss{ $s->[0] } }, [ int(time() - $t0), rss_kb($s->[1]) ];
    }
    last if time() > $t0 + $SECS;
}

my (@report, %total);
for my $x (@w) {
    my ($name, $k, $want, $w) = @$x;
    my $r = CigWrk::finish($w);
    my @other = grep { $_ != $want } keys %{ $r->{status} };
    my $errs = CigWrk::socket_errors($r);
    $total{$name} += $r->{requests};
    ok($r->{ok} && $r->{requests} > 0 && !@other && $errs == 0,
       "$name: $k: $r->{requests} requests, all $want")
        or diag("statuses: " . CigWrk::statuses($r) . "; errors: "
                . join(' ', %{ $r->{errors} }) . "\n$r->{output}");
    push @report, sprintf "%-7s %-11s %9d requests  %s  socket errors %d",
        $name, $k, $r->{requests}, CigWrk::statuses($r), $errs;
}

for my $s (@servers) {
    my ($name, $srv) = @$s;
    my @samples = @{ $rss{$name} };
    my ($start, $end) = ($samples[0][1], $samples[-1][1]);
    my $warm = $samples[ int(@samples / 4) ][1];
    my $max = 0;
    $max < $_->[1] and $max = $_->[1] for @samples;
    my $limit = $warm + ($warm / 4 > 16384 ? $warm / 4 : 16384);
    ok($end <= $limit, sprintf "%s: RssAnon flat (start %d kB, after warm-up %d kB, "
                             . "end %d kB, max %d kB)", $name, $start, $warm, $end, $max);
    push @report, sprintf "%-7s RssAnon kB: start %d, after warm-up %d, end %d, max %d; "
                        . "samples %s", $name, $start, $warm, $end, $max,
                          join(' ', map { "$_->[0]s=$_->[1]" } @samples);
    push @report, sprintf "%-7s %d requests in %ds (%.0f/s)", $name, $total{$name},
                          $SECS, $total{$name} / $SECS;
}

is(join(',', sort $nginx->workers), $pids{nginx}, 'nginx: the same workers all along (none crashed)');
push @report, "apache  children at the start: $pids{apache}, at the end: "
            . join(',', sort $apache->workers) if $apache;

for my $s (@servers) {
    my ($name, $srv) = @$s;
    unlike($srv->error_log, qr/\[(alert|emerg)\]|exit signal|AddressSanitizer|runtime error:/,
           "$name: no alert, crash or sanitizer line in the error log");
    $srv->stop;    # fails on sanitizer logs and alerts
}

my $out = $ENV{SOAK_RESULT} // "$root/build/soak/result.txt";
make_path($out =~ s{/[^/]*$}{}r);
my $head = sprintf "soak of %ds, %s, %s\n", $SECS, strftime('%Y-%m-%d %H:%M:%S UTC', gmtime),
                   $ENV{CIG_PRELOAD} ? 'ASan+UBSan builds' : 'plain builds';
my $body = $head . join("\n", @report) . "\n";
CigTest::_spew($out, $body);
diag("\n$body");
diag("written to $out");

done_testing();
