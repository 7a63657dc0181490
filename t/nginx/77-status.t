# SPDX-License-Identifier: BSD-2-Clause
# cognito_identity_status: counters summed over two workers, in JSON and in
# Prometheus's text format, for allowed requests, each kind of refusal, the
# token cache, key fetches; the status location under allow/deny and deaf
# to client headers; counters through a reload; and the log variables
# $cognito_identity_result and $cognito_identity_reason.  Also what alerting
# needs: keys by key source, token cache entries, the store's session token
# file, build_info.

use strict;
use warnings;

use lib 't/lib';
use CigTest;
use CigToken;
use File::Temp ();
use JSON::PP;
use Test::More;

my $ROLE = 'arn:aws:iam::123456789012:role/Auth';
my $OTHER = 'arn:aws:iam::123456789012:role/Other';
my $POOL = POOL;
my $ID = IDENTITY;
my $root = repo_root();

# store credentials with a session token file written at a known time
my $credir = File::Temp::tempdir(CLEANUP => 1);
chmod 0755, $credir;
my $written = time - 1000;
for (['store.secret', "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"],
     ['store.token', "FwoGZXIvYXdzEJr//////////wEaDOnx3K0+TYqv\n"]) {
    open(my $fh, '>', "$credir/$_->[0]") or die "$_->[0]: $!";
    print $fh $_->[1];
    close $fh;
    chmod 0600, "$credir/$_->[0]";
}
utime $written, $written, "$credir/store.token" or die "utime: $!";

my $srv = start_nginx(<<"CONF", workers => 2);
    log_format cig '\$cognito_identity_result|\$cognito_identity_reason|'
                   '\$cognito_identity_id|\$cognito_identity_role|\$status';

    server {
        listen 127.0.0.1:%%PORT%%;
        root %%DIR%%/html;

        cognito_identity_pool $POOL;
        cognito_identity_key_file %%ROOT%%/t/keys/jwks-k1.json;
        cognito_identity_role authenticated $ROLE;
        cognito_identity_policy $ROLE %%ROOT%%/t/policies/s3-per-user.json;
        cognito_identity_policy $ROLE %%ROOT%%/t/policies/deny-wins.json;

        location = /status {
            cognito_identity_status;
            allow 127.0.0.1;
            deny all;
        }

        location = /metrics {
            cognito_identity_status prometheus;
        }

        location /signed/ {
            cognito_identity "signed";
            cognito_identity_s3_sign AKIDEXAMPLE $credir/store.secret eu-west-1
                                     session_token_file=$credir/store.token;
            return 204;
        }

        location = /status-closed {
            cognito_identity_status;
            deny all;
        }

        location /mybucket/ {
            cognito_identity "s3";
            cognito_identity_authorize s3;
            cognito_identity_token_cache zone=tc:1m;
            access_log %%DIR%%/cig.log cig;
            empty_gif;
        }

        location /p/ {
            cognito_identity "p";
            cognito_identity_allow_prefix /p/\${cognito-identity.amazonaws.com:sub}/;
            empty_gif;
        }

        location /role/ {
            cognito_identity "role";
            empty_gif;
        }

        location /api/ {
            cognito_identity "api";
            cognito_identity_key_request /_keys/jwks-k1.json;
            cognito_identity_cors_preflight on;
            empty_gif;
        }

        location /broken/ {
            cognito_identity "broken";
            cognito_identity_key_request /_keys/missing.json;
            cognito_identity_key_refresh 1h;
            empty_gif;
        }

        location = /identity-ok {
            cognito_identity_credentials pass /_cognito_ok;
        }

        location = /identity-down {
            cognito_identity_credentials pass /_cognito_down;
        }

        location = /_cognito_ok {
            internal;
            default_type application/x-amz-json-1.1;
            return 200 '{"IdentityId":"$ID"}';
        }

        location = /_cognito_down {
            internal;
            return 502;
        }

        location /_keys/ {
            internal;
            alias %%ROOT%%/t/keys/;
        }
    }
CONF

my $json = JSON::PP->new;

sub status {
    my ($path, $hdrs) = @_;
    my $r = $srv->request('GET', $path // '/status', $hdrs // {});
    is($r->{status}, 200, "GET " . ($path // '/status') . " answers 200")
        or diag($r->{raw});
    return $r;
}

sub counters {
    my $r = status(@_);
    is($r->{headers}{'content-type'}, 'application/json', 'JSON is application/json');
    my $d = eval { $json->decode($r->{body}) };
    ok($d, 'the status is valid JSON') or diag($r->{body});
    return $d // {};
}

# --- nothing counted yet -------------------------------------------------

my $zero = counters();
cmp_ok($zero->{since}, '>', 1_600_000_000, 'since: when counting started');
cmp_ok($zero->{since}, '<=', time, 'since is not in the future');
is_deeply([sort keys %{$zero->{requests}}], ['allow', 'deny'], 'allow and deny');
is_deeply([sort keys %{$zero->{requests}{allow}}], ['ok', 'preflight'],
          'the allowed reasons');
my @deny_reasons = qw(algorithm audience bad_request expired explicit_deny
                      guest internal issuer login_token malformed no_keys
                      no_token not_yet_valid policy prefix role signature
                      unknown_kid);
is_deeply([sort keys %{$zero->{requests}{deny}}], \@deny_reasons,
          'every refusal reason is reported, at zero');
is((grep { $_ != 0 } values %{$zero->{requests}{allow}},
    values %{$zero->{requests}{deny}}), 0, 'all request counters start at 0');
is_deeply($zero->{token_cache}, { hits => 0, misses => 0 }, 'cache at 0');
is_deeply($zero->{key_fetches}, { total => 0, failures => 0 }, 'fetches at 0');
is_deeply($zero->{credential_calls}, { total => 0, failures => 0 },
          'credential calls at 0');

# --- traffic ---------------------------------------------------------------

my $good = cognito_token();
my $expired = cognito_token(claims => { exp => time - 3600, iat => time - 7200 });
my $future = cognito_token(claims => { iat => time + 3600, nbf => time + 3600 });
my $aud = cognito_token(claims => { aud => POOL2 });
my $iss = cognito_token(claims => { iss => 'https://evil.example' });
my $kid = cognito_token(header => { kid => 'nobody', typ => 'JWS', alg => 'RS512' });
my $guest = cognito_token(claims => { amr => ['unauthenticated'] });
my @p = split /\./, $good;
substr($p[2], 10, 1) = substr($p[2], 10, 1) eq 'A' ? 'B' : 'A';
my $forged = join '.', @p;

my @plan = (
    # path, headers, expected status, reason, cache (hit/miss/-)
    ['/mybucket/x', {}, 401, 'no_token', '-'],
    ['/mybucket/x', { Authorization => 'Bearer not.a.token' }, 401, 'malformed', 'miss'],
    ['/mybucket/x', { Authorization => "Bearer $expired" }, 401, 'expired', 'miss'],
    ['/mybucket/x', { Authorization => "Bearer $future" }, 401, 'not_yet_valid', 'miss'],
    ['/mybucket/x', { Authorization => "Bearer $aud" }, 401, 'audience', 'miss'],
    ['/mybucket/x', { Authorization => "Bearer $iss" }, 401, 'issuer', 'miss'],
    ['/mybucket/x', { Authorization => "Bearer $kid" }, 401, 'unknown_kid', 'miss'],
    ['/mybucket/x', { Authorization => "Bearer $forged" }, 401, 'signature', 'miss'],
    ['/mybucket/x', { Authorization => "Bearer $guest" }, 403, 'guest', 'miss'],
    ["/mybucket/$ID/a.txt", { Authorization => "Bearer $good" }, 200, 'ok', 'miss'],
    ["/mybucket/$ID/b.txt", { Authorization => "Bearer $good" }, 200, 'ok', 'hit'],
    ["/mybucket/someone/a.txt", { Authorization => "Bearer $good" }, 403, 'policy', 'hit'],
    ["/mybucket/private/a.txt", { Authorization => "Bearer $good" }, 403, 'explicit_deny', 'hit'],
    ["/mybucket//$ID/a.txt", { Authorization => "Bearer $good" }, 400, 'bad_request', 'hit'],
    ["/p/$ID/x", { Authorization => "Bearer $good" }, 200, 'ok', '-'],
    ['/p/someone/x', { Authorization => "Bearer $good" }, 403, 'prefix', '-'],
    ['/role/x', { Authorization => "Bearer $good", 'X-Cognito-Custom-Role-Arn' => $OTHER },
     403, 'role', '-'],
    ['/role/x', { Authorization => "Bearer $good" }, 200, 'ok', '-'],
    ['/api/x', { Authorization => "Bearer $good" }, 200, 'ok', '-'],
    ['/api/y', { Authorization => "Bearer $good" }, 200, 'ok', '-'],
    ['/broken/x', { Authorization => "Bearer $good" }, 503, 'no_keys', '-'],
    ['/broken/y', { Authorization => "Bearer $good" }, 503, 'no_keys', '-'],
);

my (%want, $hits, $misses) = ((), 0, 0);
for my $c (@plan) {
    my ($path, $h, $status, $reason, $cache) = @$c;
    my $r = $srv->request('GET', $path, $h);
    is($r->{status}, $status, "$path ($reason): $status") or diag($r->{raw});
    $want{$reason}++;
    $hits++ if $cache eq 'hit';
    $misses++ if $cache eq 'miss';
}

my $r = $srv->request('OPTIONS', '/api/x', { Origin => 'https://app.example',
                                            'Access-Control-Request-Method' => 'GET' });
# the module lets it through; empty_gif then refuses OPTIONS itself
is($r->{status}, 405, 'a CORS preflight passes the check');
$want{preflight}++;

# the credential proxy: one good call, one whose upstream fails
my $getid = '{"IdentityPoolId":"' . $POOL . '"}';
my %amz = ('X-Amz-Target' => 'AWSCognitoIdentityService.GetId',
           'Content-Type' => 'application/x-amz-json-1.1');
$r = $srv->request('POST', '/identity-ok', {%amz}, $getid);
is($r->{status}, 200, 'a credential call') or diag($r->{raw});
$r = $srv->request('POST', '/identity-down', {%amz}, $getid);
is($r->{status}, 502, 'a credential call whose upstream fails') or diag($r->{raw});

# the status locations themselves are not counted as checked requests
my $now = counters();
for my $reason (sort keys %{$now->{requests}{allow}}) {
    is($now->{requests}{allow}{$reason}, $want{$reason} // 0, "allow/$reason");
}
for my $reason (@deny_reasons) {
    is($now->{requests}{deny}{$reason}, $want{$reason} // 0, "deny/$reason");
}
is_deeply($now->{token_cache}, { hits => $hits, misses => $misses },
          "token cache: $hits hits, $misses misses, from both workers");
is_deeply($now->{key_fetches}, { total => 2, failures => 1 },
          'one fetch for /api/ (shared by the workers), one failed for /broken/');
is_deeply($now->{credential_calls}, { total => 2, failures => 1 },
          'two credential calls, one failed');
is($now->{since}, $zero->{since}, 'since stays');

# --- Prometheus ------------------------------------------------------------

sub prometheus {
    my ($r) = @_;
    like($r->{headers}{'content-type'}, qr{^text/plain; version=0\.0\.4(;|$)},
         'Prometheus text is text/plain; version=0.0.4');
    my (%help, %type, %sample, @bad);
    for my $line (split /\n/, $r->{body}) {
        if ($line =~ /^# HELP (cognito_identity_\w+) \S.*$/) {
            push @bad, "second HELP: $line" if $help{$1}++;
        } elsif ($line =~ /^# TYPE (cognito_identity_\w+) (counter|gauge)$/) {
            push @bad, "TYPE without HELP: $line" unless $help{$1};
            $type{$1} = $2;
        } elsif ($line =~ /^(cognito_identity_\w+)(?:\{((?:\w+="(?:[^"\\]|\\.)*",?)*)\})? (\d+)$/) {
            my ($name, $labels, $v) = ($1, $2, $3);
            my %l = defined $labels ? $labels =~ /(\w+)="((?:[^"\\]|\\.)*)"/g : ();
            push @bad, "sample without TYPE: $line" unless $type{$name};
            push @bad, "counter without _total: $line"
                if ($type{$name} // '') eq 'counter' && $name !~ /_total$/;
            my $key = defined $l{decision} ? "$name/$l{decision}/$l{reason}"
                    : %l ? "$name\{" . join(',', map { "$_=$l{$_}" } sort keys %l) . '}'
                    : $name;
            push @bad, "second sample: $line" if exists $sample{$key};
            $sample{$key} = $v;
        } else {
            push @bad, "not exposition format: $line";
        }
    }
    is_deeply(\@bad, [], 'every line is HELP, TYPE or a sample, in order');
    like($r->{body}, qr/\n\z/, 'the text ends with a newline');
    return \%sample;
}

my $m = prometheus(status('/metrics'));
for my $reason (sort keys %{$now->{requests}{allow}}) {
    is($m->{"cognito_identity_requests_total/allow/$reason"},
       $now->{requests}{allow}{$reason}, "prometheus allow/$reason");
}
for my $reason (@deny_reasons) {
    is($m->{"cognito_identity_requests_total/deny/$reason"},
       $now->{requests}{deny}{$reason}, "prometheus deny/$reason");
}
is($m->{cognito_identity_token_cache_hits_total}, $hits, 'prometheus cache hits');
is($m->{cognito_identity_token_cache_misses_total}, $misses, 'prometheus cache misses');
is($m->{cognito_identity_key_fetches_total}, 2, 'prometheus key fetches');
is($m->{cognito_identity_key_fetch_failures_total}, 1, 'prometheus key fetch failures');
is($m->{cognito_identity_credential_calls_total}, 2, 'prometheus credential calls');
is($m->{cognito_identity_credential_failures_total}, 1, 'prometheus credential failures');
is($m->{cognito_identity_start_time_seconds}, $now->{since}, 'start time gauge');

# by key source, by token cache zone, and the build
my $k1 = decode_json(CigTest::_slurp("$root/t/keys/jwks-k1.json"));
my $nk1 = scalar @{$k1->{keys}};
is($m->{'cognito_identity_keys{source=/_keys/jwks-k1.json}'}, $nk1,
   'keys in use from /_keys/jwks-k1.json');
is($m->{'cognito_identity_keys{source=/_keys/missing.json}'}, 0,
   'no keys from /_keys/missing.json');
my $fetched = $m->{'cognito_identity_keys_last_success_timestamp_seconds{source=/_keys/jwks-k1.json}'};
ok($fetched && $fetched >= $now->{since} && $fetched <= time,
   'time of the last good fetch');
is($m->{'cognito_identity_keys_last_success_timestamp_seconds{source=/_keys/missing.json}'}, 0,
   'never fetched: 0');
ok(defined $m->{'cognito_identity_keys_age_seconds{source=/_keys/jwks-k1.json}'},
   'the age of the keys in use');
ok(!exists $m->{'cognito_identity_keys_age_seconds{source=/_keys/missing.json}'},
   'no age where no keys were ever fetched');
is($m->{'cognito_identity_key_fetch_consecutive_failures{source=/_keys/jwks-k1.json}'}, 0,
   'no failures since the last good fetch');
is($m->{'cognito_identity_key_fetch_consecutive_failures{source=/_keys/missing.json}'}, 1,
   'one failed fetch of /_keys/missing.json');
my $entries = $m->{'cognito_identity_token_cache_entries{zone=tc}'};
ok($entries && $entries <= $misses, "token cache entries ($entries)");
is($m->{'cognito_identity_token_cache_evictions_total{zone=tc}'}, 0,
   'no evictions from a large zone');
my ($version) = CigTest::_slurp("$root/debian/changelog") =~ /^\S+ \(([^)-]+)/;
my ($build) = grep { /^cognito_identity_build_info\{/ } keys %$m;
like($build, qr/^cognito_identity_build_info\{openssl=OpenSSL \d[^,]*,server=nginx,version=\Q$version\E\}$/,
     "build_info: version $version (debian/changelog), OpenSSL");
is($m->{$build}, 1, 'build_info is 1');
is_deeply($now->{key_sources},
          [ { source => '/_keys/jwks-k1.json', keys => $nk1, fetched => $fetched,
              consecutive_failures => 0 },
            { source => '/_keys/missing.json', keys => 0, fetched => 0,
              consecutive_failures => 1 } ],
          'JSON key_sources');
is_deeply($now->{token_caches}, [ { zone => 'tc', entries => $entries, evictions => 0 } ],
          'JSON token_caches');
is($now->{build}{version}, $version, 'JSON build version');
is($m->{"cognito_identity_store_credentials_written_timestamp_seconds{file=$credir/store.token}"},
   $written, 'when the session token file in use was written');
is_deeply($now->{store_credentials}, [ { file => "$credir/store.token", written => $written } ],
          'JSON store_credentials');
like($now->{build}{openssl}, qr/^OpenSSL \d/, 'JSON build openssl');

# ?format= chooses, in both directions
my $m2 = prometheus(status('/status?format=prometheus'));
delete $_->{'cognito_identity_keys_age_seconds{source=/_keys/jwks-k1.json}'} for $m, $m2;
is_deeply($m2, $m, '?format=prometheus on a JSON location');
my $j2 = counters('/metrics?format=json');
is_deeply($j2, $now, '?format=json on a Prometheus location');
$r = $srv->request('GET', '/status?format=xml');
is($r->{status}, 400, 'an unknown ?format= is 400');
$r = $srv->request('POST', '/status', {}, 'x');
is($r->{status}, 405, 'POST to the status is 405');
$r = $srv->request('HEAD', '/status');
is($r->{status}, 200, 'HEAD works');

# --- access to the status --------------------------------------------------

$r = $srv->request('GET', '/status-closed');
is($r->{status}, 403, '"deny all" protects a status location');

my $with = counters('/status', { Authorization => "Bearer $good",
                                 Accept => 'text/plain',
                                 'X-Cognito-Custom-Role-Arn' => $OTHER,
                                 Cookie => 'format=prometheus' });
is_deeply($with, $now, 'client headers change nothing in the status');

# --- reload keeps counting -------------------------------------------------

ok($srv->reload, 'reload');
my $after = counters();
is_deeply($after, $now, 'counters survive a reload (same zone name and size)');
$r = $srv->request('GET', '/mybucket/x');
is($r->{status}, 401, 'a refusal after the reload');
$after = counters();
is($after->{requests}{deny}{no_token}, $now->{requests}{deny}{no_token} + 1,
   'and it is counted on top');

# --- the access log --------------------------------------------------------

my @log = do {
    open my $fh, '<', $srv->dir . '/cig.log' or die "cig.log: $!";
    map { chomp; $_ } <$fh>;
};
my @mine = grep { defined } map { $_->[0] =~ m{^/mybucket/} ? $_ : undef } @plan;
is(scalar @log, @mine + 1, 'one log line per /mybucket/ request');
my $i = 0;
for my $c (@mine) {
    my ($path, $h, $status, $reason) = @$c;
    my $result = $reason eq 'ok' ? 'allow' : 'deny';
    my $verified = $status == 200 || $reason =~ /^(guest|policy|explicit_deny|bad_request)$/;
    my $want = join '|', $result, $reason, ($verified ? $ID : '-'),
                         ($verified && $reason ne 'guest' ? $ROLE : '-'),
                         $status;
    is($log[$i++], $want, "log: $path $reason");
}
is($log[$i], 'deny|no_token|-|-|401', 'log: after the reload');

unlike($srv->error_log, qr/\[alert\]|\[crit\]/, 'no alerts');
$srv->stop;

# --- configuration ---------------------------------------------------------

nginx_config_fails(<<'CONF', qr/invalid format "xml"/, 'an unknown format');
    server {
        listen 127.0.0.1:%%PORT%%;
        location = /s { cognito_identity_status xml; }
    }
CONF

my $dup = qr/"cognito_identity_status" directive is duplicate/;
nginx_config_fails(<<'CONF', $dup, 'twice in one location');
    server {
        listen 127.0.0.1:%%PORT%%;
        location = /s { cognito_identity_status; cognito_identity_status json; }
    }
CONF

done_testing();
