# SPDX-License-Identifier: BSD-2-Clause
# Self-test of t/lib/CigTest.pm using plain nginx (the cognito module is
# NOT needed, so this test never skips for a missing module).
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use CigTest -nomodule;

plan skip_all => "nginx binary " . nginx_bin() . " not executable" unless -x nginx_bin();

# --- pure helpers
is(b64url("\xfb\xff\xfe"), '-__-', 'b64url uses the URL alphabet');
is(b64url('a'), 'YQ', 'b64url has no padding');
ok(-d repo_root() . '/t/lib', 'repo_root points at the repo');

my $http = <<'EOF';
server {
    listen 127.0.0.1:%%PORT%%;
    server_name localhost;
    root %%DIR%%/html;
    location = /teapot { add_header X-Test "harness" always; return 418 "teapot"; }
    location = /chunked {
        add_header X-Port %%PORT%%;
        gzip on; gzip_min_length 1; gzip_types text/html;   # gzip => chunked
        try_files /index.html =404;
    }
}
EOF

my $srv = CigTest::Nginx->new(http => $http, no_module => 1);
ok($srv->port > 0, 'got a port: ' . $srv->port);
ok(-f $srv->dir . '/html/index.html', 'html/index.html exists');
like($srv->error_log, qr/start worker process/, 'error log at info level');

# --- check(): every expectation twice
check($srv, { path => '/index.html', status => 200, body_is => "ok\n",
              headers_like => { 'Content-Type' => qr{text/html}, 'content-length' => 3 },
              headers_absent => ['X-Test'] }, 'static file');

run_blocks($srv,
    { name => 'teapot', path => '/teapot', status => 418, body_is => 'teapot',
      headers_like => { 'x-test' => 'harness' } },
    { name => 'HEAD teapot', method => 'HEAD', path => '/teapot', status => 418, body_is => '' },
    { name => 'POST body', method => 'POST', path => '/teapot', body => "x" x 1000,
      status => 418, body_is => 'teapot' },
    { name => 'missing', path => '/nope', status => 404, body_like => qr/404 Not Found/,
      log_like => qr/open\(\) ".*nope" failed/ },
);

# --- chunked response decoding (gzip output has no Content-Length)
{
    my $r = $srv->request('GET', '/chunked', [ [ 'Accept-Encoding', 'gzip' ] ]);
    is($r->{status}, 200, 'gzip response status');
    is($r->{headers}{'transfer-encoding'}, 'chunked', 'response is chunked');
    is($r->{headers}{'x-port'}, $srv->port, '%%PORT%% substituted');
    is(substr($r->{body}, 0, 2), "\x1f\x8b", 'dechunked body is gzip data');
    unlike($r->{body}, qr/\r\n0\r\n/, 'no chunk framing left in body');
}
is(CigTest::Nginx::parse_response(
       "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nA: 1\r\na: 2\r\n\r\n"
     . "3\r\nabc\r\n4;ext=1\r\ndefg\r\n0\r\n\r\n")->{body}, 'abcdefg', 'parse chunked');
is(CigTest::Nginx::parse_response("HTTP/1.1 200 OK\r\nA: 1\r\na: 2\r\n\r\n")->{headers}{a},
   '1, 2', 'duplicate response headers joined');

# --- duplicate headers via arrayref / raw bytes
{
    my $r = $srv->request('GET', '/teapot', [ [ Host => 'localhost' ], [ Host => 'other' ] ]);
    is($r->{status}, 400, 'two Host headers -> 400');
    like($srv->error_log, qr/client sent duplicate host header/, 'logged duplicate Host');
    $r = $srv->raw("GARBAGE\r\n\r\n");
    is($r->{status}, 400, 'raw malformed request -> 400');
    $r = $srv->raw("GET /teapot HTTP/1.0\r\n\r\n");
    is($r->{status}, 418, 'raw HTTP/1.0 request');
}

# --- mark_log / log_since_mark
$srv->mark_log;
$srv->request('GET', '/marked-404');
my $new = $srv->log_since_mark;
like($new, qr/marked-404/, 'new log lines after mark');
unlike($new, qr/duplicate host/, 'old log lines excluded');

# --- reload with a new config
my @old = $srv->workers;
ok(@old, "have workers: @old");
(my $http2 = $http) =~ s/return 418 "teapot"/return 200 "reloaded"/;
ok($srv->reload(http => $http2), 'reload');
my @new = $srv->workers;
ok(!grep({ my $o = $_; grep { $_ == $o } @new } @old), 'workers replaced after reload');
check($srv, { path => '/teapot', status => 200, body_is => 'reloaded' }, 'after reload');

# a broken config is refused by "nginx -s reload"; old config keeps serving
ok(!$srv->reload(http => "bogus_directive;\n" . $http2, quiet => 1), 'bad reload refused');
like($srv->reload_error, qr/unknown directive "bogus_directive"/, 'reload error reported');
check($srv, { path => '/teapot', status => 200, body_is => 'reloaded' }, 'after failed reload');

my $master = $srv->pid;
ok($srv->stop, 'stop');
ok($master && !CigTest::_alive($master), "master $master gone");

# --- config tests
my $out = nginx_config_fails("bogus_directive on;\n", qr/unknown directive "bogus_directive"/,
                             'unknown directive rejected', no_module => 1);
like($out, qr{nginx\.conf:\d+}, 'error names the config file and line');
nginx_config_ok("server { listen 127.0.0.1:%%PORT%%; root %%ROOT%%; }\n", 'good config accepted',
                no_module => 1);

# --- allow_alert: a server that logs [emerg] (failed SIGHUP reload) is allowed
{
    my $s = start_nginx($http, no_module => 1, allow_alert => 1);
    ok(!$s->reload(http => "bogus_directive;\n", signal => 1, quiet => 1), 'bad SIGHUP reload');
    like($s->error_log, qr/\[emerg\].*bogus_directive/, 'master logged [emerg]');
    check($s, { path => '/teapot', status => 418 }, 'old config still serves');
    # stopped at scope exit by DESTROY, without failing thanks to allow_alert
}

# --- port collisions: a second server gets its own port
{
    my $a = start_nginx($http, no_module => 1);
    my $b = start_nginx($http, no_module => 1, workers => 2);
    isnt($a->port, $b->port, 'distinct ports');
    is(scalar(() = $b->workers), 2, 'workers => 2');
    is($a->request('GET', '/teapot')->{status}, 418, 'server a answers');
    is($b->request('GET', '/teapot')->{status}, 418, 'server b answers');
}

done_testing;
