# SPDX-License-Identifier: BSD-2-Clause
package CigTest;

# CigTest - minimal, core-Perl-only test harness for the
# ngx_http_cognito_identity_module (no Test::Nginx required).
#
# Usage (from the repo root):  prove -I t/lib -r t/
#
#   use lib 't/lib';
#   use CigTest;                 # skip_all unless the module .so exists
#   use CigTest -nomodule;       # do not require the module (harness tests)
#
# Environment:
#   CIG_MODULE   module .so  (default $repo/build/ngx_http_cognito_identity_module.so)
#   CIG_NGINX    nginx binary (default /usr/sbin/nginx)
#   CIG_PRELOAD  LD_PRELOAD value for nginx (ASan/UBSan runs); also sets
#                ASAN_OPTIONS/UBSAN_OPTIONS with log_path=$dir/{asan,ubsan}.
#                Any non-empty $dir/asan.* / $dir/ubsan.* is a test failure.
#   CIG_KEEP     if true, keep temp dirs (path printed via diag)
#
# Exported API:
#   start_nginx($http_text, %opts)             -> CigTest::Nginx object
#   CigTest::Nginx->new(http => $text, %opts)
#       opts: main => $text (extra main-context lines), workers => N,
#             log_level => 'info', no_module => 1, allow_alert => 1
#       placeholders in http/main text: %%PORT%% %%ROOT%% %%DIR%%
#   $srv->port, $srv->dir (temp dir; $dir/html/index.html = "ok\n"), $srv->pid
#   $srv->request($method, $path, \%hdrs | \@pairs, $body) -> \%resp
#   $srv->raw($bytes)                                     -> \%resp
#       resp: { status, reason, headers => {lc name => "v1, v2"},
#               raw_headers, body, raw }   (status 0 if no/garbled response)
#       Default request headers Host: localhost, Connection: close and
#       Content-Length (when a body is given) are added unless supplied;
#       a header given with value undef suppresses the default.
#   $srv->error_log, $srv->mark_log, $srv->log_since_mark
#   $srv->reload(%opts)  opts: http => $new_text, main => $new_text, quiet => 1,
#                        signal => 1 (send SIGHUP to the master instead of
#                        "nginx -s reload", which validates the config first)
#                        returns true once new workers run and old ones exited;
#                        $srv->reload_error says why not
#   $srv->stop           SIGQUIT, wait (SIGKILL after 5 s) + log/sanitizer checks
#   $srv->workers        live child pids of the master
#   nginx_config_ok($http_text, $name, %opts)            -> output of nginx -t
#   nginx_config_fails($http_text, qr/re/, $name, %opts) -> output of nginx -t
#       (%opts as for new(): main, no_module, ...; fails needs exit != 0 AND match)
#   nginx.conf also gets "user root;" when run as root (workers must read the
#   0700 temp dir); the http text is placed after the *_temp_path lines.
#   check($srv, \%case, $name)  sends the request twice; case keys:
#       request: method (GET) path (/) headers (as for request) body
#       expect:  status body_is (exact) body_like body_unlike
#       headers_like => {name => qr// | 'exact'} headers_absent => [names]
#       log_like => qr// log_unlike => qr//  (error log lines of that request)
#   run_blocks($srv, @cases)     check() on each case, using $case->{name}
#   mint_openssl(key => $pem, header => $json, payload => $json [, alg => 'RS512'])
#       -> token (dies on failure); alg overrides the signing alg (-a/--alg)
#   mint_pyjwt(same args) -> token, or undef if python3 jwt unavailable
#       ($CigTest::PYJWT_REASON holds why); have_pyjwt() -> bool
#   repo_root(), module_path(), nginx_bin(), b64url($bytes)

use strict;
use warnings;

use Carp qw(croak);
use Cwd qw(abs_path);
use File::Basename qw(dirname);
use File::Temp qw(tempdir);
use IO::Socket::INET;
use IO::Select;
use MIME::Base64 qw(encode_base64);
use POSIX qw(:sys_wait_h _exit);
use Scalar::Util qw(weaken refaddr);
use Time::HiRes qw(sleep time);
use Test::More;
use Exporter ();

our @EXPORT = qw(start_nginx nginx_config_ok nginx_config_fails check
                 run_blocks mint_openssl mint_pyjwt have_pyjwt repo_root
                 module_path nginx_bin b64url);
our $PYJWT_REASON;

my $ROOT = abs_path(dirname(abs_path(__FILE__)) . '/../..');

sub repo_root { $ROOT }
sub nginx_bin { $ENV{CIG_NGINX} || '/usr/sbin/nginx' }
sub module_path {
    my $m = $ENV{CIG_MODULE} || "$ROOT/build/ngx_http_cognito_identity_module.so";
    return abs_path($m) // $m;
}
sub module_missing_reason {
    my $m = module_path();
    return -f $m ? undef : "module not built: $m does not exist (set CIG_MODULE or run make)";
}

sub import {
    my ($class, @args) = @_;
    my $nomodule = grep { $_ eq '-nomodule' } @args;
    @args = grep { $_ ne '-nomodule' } @args;
    if (!$nomodule and my $why = module_missing_reason()) {
        my $tb = Test::More->builder;
        if ($tb->has_plan) { croak $why }
        plan skip_all => $why;
    }
    local $Exporter::ExportLevel = 1;
    Exporter::import($class, @args);
}

sub b64url {
    my $s = encode_base64($_[0], '');
    $s =~ tr{+/}{-_};
    $s =~ s/=+$//;
    return $s;
}

# ---------------------------------------------------------------- processes

# Run a command (list form) with extra env, stdout+stderr into $outfile.
# Returns the exit status ($? style).
sub _run {
    my ($env, $outfile, @cmd) = @_;
    my $pid = fork // croak "fork: $!";
    if (!$pid) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>>', $outfile or _exit(127);
        open STDERR, '>&', \*STDOUT or _exit(127);
        $ENV{$_} = $env->{$_} for keys %$env;
        exec { $cmd[0] } @cmd
            or print STDERR "exec $cmd[0]: $!\n";
        _exit(127);
    }
    waitpid($pid, 0);
    return $?;
}

sub _slurp {
    my ($f) = @_;
    open my $fh, '<', $f or return '';
    local $/;
    my $c = <$fh>;
    return $c // '';
}

sub _spew {
    my ($f, $c) = @_;
    open my $fh, '>', $f or croak "write $f: $!";
    print $fh $c;
    close $fh or croak "close $f: $!";
}

sub _alive {
    my ($pid) = @_;
    return 0 unless $pid and kill 0, $pid;
    # pid 1 in some sandboxes does not reap; a zombie counts as dead
    my $stat = _slurp("/proc/$pid/stat");
    return 0 if $stat =~ /^\d+ \(.*\) Z /s;
    return 1;
}

sub _children {    # live child pids of $ppid (nginx workers etc.)
    my ($ppid) = @_;
    my @kids;
    opendir my $dh, '/proc' or return;
    for my $p (grep { /^\d+$/ } readdir $dh) {
        my $st = _slurp("/proc/$p/stat");
        next unless $st =~ /^\d+ \(.*\) (\S) (\d+) /s;
        push @kids, $p if $2 == $ppid and $1 ne 'Z';
    }
    return sort { $a <=> $b } @kids;
}

sub _free_port {
    my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                  Proto => 'tcp', Listen => 1, ReuseAddr => 0)
        or croak "cannot bind 127.0.0.1:0: $!";
    my $p = $s->sockport;
    close $s;
    return $p;
}

# Environment for running nginx (sanitizer support).
sub _nginx_env {
    my ($dir) = @_;
    return {} unless $ENV{CIG_PRELOAD};
    return {
        LD_PRELOAD    => $ENV{CIG_PRELOAD},
        # CIG_ASAN_EXTRA: more options (the soak bounds the quarantine)
        ASAN_OPTIONS  => "detect_leaks=0:abort_on_error=0:log_path=$dir/asan"
                         . ($ENV{CIG_ASAN_EXTRA} ? ":$ENV{CIG_ASAN_EXTRA}" : ''),
        UBSAN_OPTIONS => "print_stacktrace=1:log_path=$dir/ubsan",
    };
}

# Fail for each non-empty sanitizer log in $dir; remove them afterwards.
sub _check_sanitizer_logs {
    my ($dir, $what) = @_;
    my $ok = 1;
    for my $f (sort glob("$dir/asan.* $dir/ubsan.* $dir/valgrind.*")) {
        my $c = _slurp($f);
        if (length $c) {
            fail("$what: sanitizer report $f");
            diag($c);
            $ok = 0;
        }
        unlink $f;
    }
    return $ok;
}

# ------------------------------------------------------------ configuration

sub _subst {
    my ($text, $port, $dir) = @_;
    $text //= '';
    $text =~ s/%%PORT%%/$port/g;
    $text =~ s/%%ROOT%%/$ROOT/g;
    $text =~ s/%%DIR%%/$dir/g;
    return $text;
}

sub _make_dir {
    my $dir = tempdir('cigtest-XXXXXX', TMPDIR => 1, CLEANUP => !$ENV{CIG_KEEP});
    chmod 0755, $dir;
    diag("CIG_KEEP: test dir $dir") if $ENV{CIG_KEEP};
    for (qw(html logs body proxy fcgi uwsgi scgi)) {
        mkdir "$dir/$_" or croak "mkdir $dir/$_: $!";
    }
    _spew("$dir/html/index.html", "ok\n");
    return $dir;
}

sub _config_text {
    my (%o) = @_;    # dir port http main workers log_level no_module
    my $dir = $o{dir};
    my $conf = '';
    $conf .= "load_module " . module_path() . ";\n" unless $o{no_module};
    $conf .= "user root;\n" if $> == 0;   # workers must read the 0700 temp dir
    $conf .= "daemon on;\nmaster_process on;\n";
    $conf .= "worker_processes " . ($o{workers} // 1) . ";\n";
    $conf .= "pid $dir/nginx.pid;\n";
    $conf .= "error_log $dir/error.log " . ($o{log_level} // 'info') . ";\n";
    $conf .= _subst($o{main}, $o{port}, $dir) . "\n" if defined $o{main};
    $conf .= "events { worker_connections 256; }\n";
    $conf .= "http {\n"
          .  "access_log $dir/access.log;\n"
          .  "client_body_temp_path $dir/body;\n"
          .  "proxy_temp_path $dir/proxy;\n"
          .  "fastcgi_temp_path $dir/fcgi;\n"
          .  "uwsgi_temp_path $dir/uwsgi;\n"
          .  "scgi_temp_path $dir/scgi;\n"
          .  "# ---- test http block ----\n"
          .  _subst($o{http}, $o{port}, $dir) . "\n"
          .  "}\n";
    return $conf;
}

sub _config_test {
    my ($http, %o) = @_;
    croak module_missing_reason() if !$o{no_module} && module_missing_reason();
    my $dir = _make_dir();
    my $port = _free_port();
    _spew("$dir/nginx.conf", _config_text(%o, http => $http, dir => $dir, port => $port));
    my $out = "$dir/test.out";
    my $st = _run(_nginx_env($dir), $out, nginx_bin(), '-t', '-p', "$dir/", '-c', "$dir/nginx.conf");
    return ($st, _slurp($out), $dir);
}

sub nginx_config_ok {
    my ($http, $name, %o) = @_;
    $name //= 'config accepted';
    my ($st, $out, $dir) = _config_test($http, %o);
    ok($st == 0, $name) or diag("nginx -t exit status " . ($st >> 8) . ":\n$out");
    _check_sanitizer_logs($dir, $name);
    return $out;
}

sub nginx_config_fails {
    my ($http, $re, $name, %o) = @_;
    $name //= "config rejected ($re)";
    my ($st, $out, $dir) = _config_test($http, %o);
    my $good = $st != 0 && $out =~ $re;
    ok($good, $name) or diag("nginx -t exit status " . ($st >> 8)
                             . ", expected non-zero and output matching $re; output:\n$out");
    _check_sanitizer_logs($dir, $name);
    return $out;
}

# -------------------------------------------------------------- test helpers

sub start_nginx {
    my ($http, %o) = @_;
    return CigTest::Nginx->new(%o, http => $http);
}

sub _check_one {
    my ($srv, $c, $name) = @_;
    $srv->mark_log if $c->{log_like} || $c->{log_unlike};
    my $r = $srv->request($c->{method} // 'GET', $c->{path} // '/',
                          $c->{headers}, $c->{body});
    if (ref $c->{status} eq 'Regexp') {
        like($r->{status}, $c->{status}, "$name: status");
    } elsif (defined $c->{status}) {
        is($r->{status}, $c->{status}, "$name: status");
    }
    if (my $hl = $c->{headers_like}) {
        for my $h (sort keys %$hl) {
            my $v = $r->{headers}{lc $h};
            if (ref $hl->{$h} eq 'Regexp') { like($v, $hl->{$h}, "$name: header $h") }
            else                           { is($v, $hl->{$h}, "$name: header $h") }
        }
    }
    for my $h (@{ $c->{headers_absent} || [] }) {
        ok(!exists $r->{headers}{lc $h}, "$name: header $h absent")
            or diag("$h: $r->{headers}{lc $h}");
    }
    is($r->{body}, $c->{body_is}, "$name: body") if exists $c->{body_is};
    like($r->{body}, $c->{body_like}, "$name: body") if $c->{body_like};
    unlike($r->{body}, $c->{body_unlike}, "$name: body (unlike)") if $c->{body_unlike};
    if ($c->{log_like} || $c->{log_unlike}) {
        my $log = $srv->log_since_mark;
        like($log, $c->{log_like}, "$name: error log") if $c->{log_like};
        unlike($log, $c->{log_unlike}, "$name: error log (unlike)") if $c->{log_unlike};
    }
    return $r;
}

# check($srv, \%case, $name): the request is sent twice, all checks run both times.
sub check {
    my ($srv, $c, $name) = @_;
    $name //= $c->{name} // (($c->{method} // 'GET') . ' ' . ($c->{path} // '/'));
    my @r = map { _check_one($srv, $c, "$name ($_)") } '1st', '2nd';
    return wantarray ? @r : $r[1];
}

sub run_blocks {
    my ($srv, @cases) = @_;
    check($srv, $_, $_->{name}) for @cases;
}

# ------------------------------------------------------------ token minting

sub _capture {    # list-form command -> (exit status, stdout, stderr)
    my (@cmd) = @_;
    my $dir = tempdir('cigmint-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    my $pid = fork // croak "fork: $!";
    if (!$pid) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>', "$dir/out" or _exit(127);
        open STDERR, '>', "$dir/err" or _exit(127);
        exec { $cmd[0] } @cmd
            or print STDERR "exec $cmd[0]: $!\n";
        _exit(127);
    }
    waitpid($pid, 0);
    return ($?, _slurp("$dir/out"), _slurp("$dir/err"));
}

sub _mint_args {
    my (%a) = @_;
    for (qw(key header payload)) { croak "mint: missing $_" unless defined $a{$_} }
    return %a;
}

sub mint_openssl {
    my %a = _mint_args(@_);
    my $script = "$ROOT/examples/dev/mint-token.sh";
    my @cmd = (-x $script ? $script : ('/bin/bash', $script),
               '-k', $a{key}, '-H', $a{header}, '-P', $a{payload},
               (defined $a{alg} ? ('-a', $a{alg}) : ()));
    my ($st, $out, $err) = _capture(@cmd);
    die "mint-token.sh failed (status " . ($st >> 8) . "): $err" if $st != 0;
    chomp $out;
    die "mint-token.sh printed nothing: $err" unless length $out;
    return $out;
}

my $have_pyjwt;
sub have_pyjwt {
    return $have_pyjwt if defined $have_pyjwt;
    my ($st, undef, $err) = _capture('/usr/bin/python3', '-c', 'import jwt');
    if ($st != 0) { $PYJWT_REASON = "python3 cannot import jwt: $err"; return $have_pyjwt = 0 }
    if (!-f "$ROOT/t/lib/mint_pyjwt.py") {
        $PYJWT_REASON = "$ROOT/t/lib/mint_pyjwt.py missing";
        return $have_pyjwt = 0;
    }
    return $have_pyjwt = 1;
}

sub mint_pyjwt {
    my %a = _mint_args(@_);
    return undef unless have_pyjwt();
    my ($st, $out, $err) = _capture('/usr/bin/python3', "$ROOT/t/lib/mint_pyjwt.py",
        '--key', $a{key}, '--header', $a{header}, '--payload', $a{payload},
        (defined $a{alg} ? ('--alg', $a{alg}) : ()));
    die "mint_pyjwt.py failed (status " . ($st >> 8) . "): $err" if $st != 0;
    chomp $out;
    return $out;
}

# ------------------------------------------------------------------ servers

package CigTest::Nginx;

use strict;
use warnings;
use Carp qw(croak);
use Scalar::Util qw(weaken refaddr);
use Time::HiRes qw(sleep time);
use Test::More;

our $START_TIMEOUT   = $ENV{CIG_VALGRIND} ? 30 : 5;
our $REQUEST_TIMEOUT = ($ENV{CIG_PRELOAD} || $ENV{CIG_VALGRIND}) ? 30 : 10;

my %RUNNING;    # refaddr => weak ref

sub new {
    my ($class, %o) = @_;
    if (!$o{no_module} and my $why = CigTest::module_missing_reason()) {
        my $tb = Test::More->builder;
        plan skip_all => $why unless $tb->has_plan || $tb->current_test;
        croak $why;
    }
    my $self = bless { opts => \%o, creator => $$ }, $class;
    $self->{dir} = CigTest::_make_dir();
    my $err;
    for my $attempt (1, 2) {    # retry once on port collision
        $self->{port} = CigTest::_free_port();
        $err = $self->_start or last;
        my $pid = $self->pid;
        kill 'KILL', $pid, CigTest::_children($pid) if $pid && CigTest::_alive($pid);
        last unless $err =~ /Address already in use/;
        unlink "$self->{dir}/error.log";
    }
    croak "nginx failed to start:\n$err" if $err;
    $RUNNING{ refaddr $self } = $self;
    weaken $RUNNING{ refaddr $self };
    return $self;
}

sub port { $_[0]{port} }
sub dir  { $_[0]{dir} }
sub conf { "$_[0]{dir}/nginx.conf" }
sub error_log { CigTest::_slurp("$_[0]{dir}/error.log") }

sub pid {
    my $p = CigTest::_slurp("$_[0]{dir}/nginx.pid");
    return $p =~ /(\d+)/ ? $1 : undef;
}

sub _write_conf {
    my ($self) = @_;
    my $o = $self->{opts};
    CigTest::_spew($self->conf, CigTest::_config_text(%$o, dir => $self->{dir}, port => $self->{port}));
}

sub _cmd {
    my ($self, @args) = @_;
    my $out = "$self->{dir}/cmd.out";
    unlink $out;
    # make valgrind: the server itself runs under valgrind (not its signals)
    my @pre = ($ENV{CIG_VALGRIND} && !@args)
        ? ('valgrind', '--quiet', '--leak-check=full',
           '--show-leak-kinds=definite', '--errors-for-leak-kinds=definite',
           '--suppressions=' . CigTest::repo_root() . '/t/valgrind.supp',
           "--log-file=$self->{dir}/valgrind.%p")
        : ();
    my $st = CigTest::_run(CigTest::_nginx_env($self->{dir}), $out, @pre, CigTest::nginx_bin(),
                           @args, '-p', "$self->{dir}/", '-c', $self->conf);
    return ($st, CigTest::_slurp($out));
}

# returns undef on success, error text otherwise
sub _start {
    my ($self) = @_;
    $self->_write_conf;
    my ($st, $out) = $self->_cmd();
    my $fail = sub { "$_[0]\n--- nginx output:\n$out\n--- error.log:\n" . $self->error_log };
    return $fail->('nginx exited with status ' . ($st >> 8)) if $st;
    my $deadline = time + $START_TIMEOUT;
    while (time < $deadline) {
        my $pid = $self->pid;
        if ($pid && !CigTest::_alive($pid)) { return $fail->("nginx master $pid died") }
        # every worker forked, not just the first: a test may count them
        if ($pid && (grep { CigTest::_alive($_) } CigTest::_children($pid))
                        >= ($self->{opts}{workers} // 1)) {
            my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $self->{port},
                                          Proto => 'tcp', Timeout => 1);
            if ($s) { close $s; $self->{master} = $pid; return undef }
        }
        sleep 0.05;
    }
    return $fail->("nginx did not accept connections on port $self->{port} within ${START_TIMEOUT}s");
}

sub workers { CigTest::_children($_[0]{master}) }

sub mark_log { $_[0]{mark} = -s "$_[0]{dir}/error.log" || 0; $_[0] }

sub log_since_mark {
    my ($self) = @_;
    my $all = $self->error_log;
    return substr($all, $self->{mark} // 0) // '';
}

sub reload {
    my ($self, %o) = @_;
    $self->{opts}{http} = $o{http} if exists $o{http};
    $self->{opts}{main} = $o{main} if exists $o{main};
    $self->_write_conf;
    my %old = map { $_ => 1 } $self->workers;
    my $mark = -s "$self->{dir}/error.log" || 0;
    my ($st, $out) = (0, '');
    if ($o{signal}) { kill 'HUP', $self->{master} or ($st, $out) = (256, "kill HUP: $!") }
    else            { ($st, $out) = $self->_cmd('-s', 'reload') }
    my $err;
    if ($st) {
        $err = "nginx -s reload exited with status " . ($st >> 8) . ":\n$out";
    } else {
        my $deadline = time + $START_TIMEOUT;
        my ($new, $gone);
        while (time < $deadline) {
            my @w = $self->workers;
            $new  = grep { !$old{$_} } @w;
            $gone = !grep { $old{$_} } @w;
            last if $new && $gone;
            last if substr($self->error_log, $mark) =~ /\[emerg\]/;   # master refused it
            sleep 0.05;
        }
        $err = "no new worker after reload (new config rejected?)\n" . $self->error_log
            unless $new && $gone;
    }
    $self->{reload_error} = $err;
    diag($err) if $err && !$o{quiet};
    return !$err;
}

sub reload_error { $_[0]{reload_error} }

sub stop {
    my ($self) = @_;
    return unless $self->{master} && $$ == $self->{creator};
    my $pid = delete $self->{master};
    delete $RUNNING{ refaddr $self };
    kill 'QUIT', $pid;    # not "nginx -s quit": the config on disk may be broken
    my $deadline = time + 5;
    sleep 0.05 while CigTest::_alive($pid) && time < $deadline;
    if (CigTest::_alive($pid)) {
        my @w = CigTest::_children($pid);
        kill 'KILL', $pid, @w;
        fail("nginx $pid did not quit within 5s (killed)");
    }
    my $name = "nginx on port $self->{port}";
    CigTest::_check_sanitizer_logs($self->{dir}, $name);
    unless ($self->{opts}{allow_alert}) {
        my @bad = grep { /\[(alert|emerg)\]|AddressSanitizer|runtime error:/ }
                  split /\n/, $self->error_log;
        if (@bad) { fail("$name: error log has no alert/emerg/sanitizer lines"); diag(join "\n", @bad) }
    }
    return 1;
}

sub DESTROY { local ($@, $!, $?); $_[0]->stop }

END {
    local $?;
    $_ && $_->stop for values %RUNNING;
}

# ------------------------------------------------------------------- HTTP

sub request {
    my ($self, $method, $path, $hdrs, $body) = @_;
    my @pairs = ref $hdrs eq 'HASH'  ? map { [ $_, $hdrs->{$_} ] } sort keys %$hdrs
              : ref $hdrs eq 'ARRAY' ? @$hdrs
              : ();
    my %given = map { lc $_->[0] => 1 } @pairs;
    unshift @pairs, [ Host => 'localhost' ] unless $given{host};
    push @pairs, [ Connection => 'close' ] unless $given{connection};
    push @pairs, [ 'Content-Length' => length $body ]
        if defined $body && !$given{'content-length'} && !$given{'transfer-encoding'};
    my $req = "$method $path HTTP/1.1\r\n";
    $req .= "$_->[0]: $_->[1]\r\n" for grep { defined $_->[1] } @pairs;
    $req .= "\r\n";
    $req .= $body if defined $body;
    return $self->raw($req);
}

sub raw {
    my ($self, $bytes) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $self->{port},
                                  Proto => 'tcp', Timeout => 5)
        or croak "connect 127.0.0.1:$self->{port}: $!";
    binmode $s;
    local $SIG{PIPE} = 'IGNORE';
    my $off = 0;
    while ($off < length $bytes) {
        my $n = syswrite($s, $bytes, length($bytes) - $off, $off);
        last unless $n;    # server may close early (e.g. 400); read what it sent
        $off += $n;
    }
    my $sel = IO::Select->new($s);
    my $data = '';
    my $deadline = time + $REQUEST_TIMEOUT;
    while (1) {
        my $left = $deadline - time;
        if ($left <= 0) { diag("request timed out after ${REQUEST_TIMEOUT}s"); last }
        next unless $sel->can_read($left);
        my $n = sysread($s, $data, 65536, length $data);
        last unless $n;    # EOF or error (e.g. ECONNRESET)
    }
    close $s;
    return parse_response($data);
}

sub parse_response {
    my ($data) = @_;
    my %r = (status => 0, reason => '', headers => {}, raw_headers => '', body => '', raw => $data);
    my $i = index($data, "\r\n\r\n");
    return \%r if $i < 0;
    my $head = substr($data, 0, $i);
    my $body = substr($data, $i + 4);
    my ($line, @lines) = split /\r\n/, $head;
    @r{qw(status reason)} = ($1, $2) if $line =~ m{^HTTP/\d\.\d (\d{3})\s?(.*)$};
    $r{raw_headers} = join "\r\n", @lines;
    for (@lines) {
        my ($n, $v) = /^([^:]+):\s*(.*?)\s*$/ or next;
        $n = lc $n;
        $r{headers}{$n} = exists $r{headers}{$n} ? "$r{headers}{$n}, $v" : $v;
    }
    if (($r{headers}{'transfer-encoding'} // '') =~ /chunked/i) {
        my $out = '';
        while ($body =~ s/^([0-9a-fA-F]+)[^\r\n]*\r\n//) {
            my $len = hex $1;
            last if $len == 0;
            $out .= substr($body, 0, $len, '');
            $body =~ s/^\r\n//;
        }
        $body = $out;
    } elsif (defined(my $cl = $r{headers}{'content-length'})) {
        $body = substr($body, 0, $cl) if $cl =~ /^\d+$/ && length $body > $cl;
    }
    $r{body} = $body;
    return \%r;
}

1;
