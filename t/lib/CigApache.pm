# SPDX-License-Identifier: BSD-2-Clause
package CigApache;

# CigApache - the Apache httpd side of the test harness: starts Debian's
# /usr/sbin/apache2 with mod_cognito_identity on a free loopback port, from
# a configuration written per test into a temp dir, and reuses CigTest's
# request, check() and sanitizer helpers (a CigApache::Server is driven like
# a CigTest::Nginx).  Core Perl only.
#
#   use lib 't/lib';
#   use CigApache;               # skip_all unless the Apache module exists
#   use CigToken;                # tokens minted by the openssl command line
#
# Environment:
#   CIG_APACHE_MODULE  module .so (default $repo/build/mod_cognito_identity.so,
#                      or $repo/build/asan/mod_cognito_identity.so when
#                      CIG_PRELOAD is set)
#   CIG_APACHE         apache2 binary (default /usr/sbin/apache2)
#   CIG_PRELOAD        as for nginx: LD_PRELOAD for ASan/UBSan runs, with
#                      ASAN_OPTIONS/UBSAN_OPTIONS log_path=$dir/{asan,ubsan};
#                      any report fails the test
#   CIG_VALGRIND       run apache2 itself under valgrind (make valgrind):
#                      memcheck with definite leaks as errors, the
#                      suppressions of t/valgrind.supp, one log per process
#                      in $dir/valgrind.<pid>; any report fails the test.
#                      Forked children are followed; exec'd CGIs are not.
#   CIG_KEEP           keep temp dirs
#
# Exported API:
#   start_apache($conf_text, %opts) -> CigApache::Server
#       opts: mpm => 'event' | 'prefork', modules => [extra module names],
#             without => [module names not to load],
#             log_level => 'info', allow_alert => 1,
#             alert_ok => qr/expected alert lines/ (e.g. a bad .htaccess)
#       placeholders: %%PORT%% %%ROOT%% %%DIR%%
#       The configuration holds ServerRoot, Listen, PidFile, ErrorLog,
#       LoadModule lines, DocumentRoot %%DIR%%/html (index.html = "ok\n"),
#       and %%DIR%%/echo.cgi, a CGI answering any method with
#       "upstream <REQUEST_URI>\n" then "NAME=value" lines of the identity
#       variables and of the identity headers it received.  Then the test's
#       text.
#   $srv->port, dir, pid, request, raw, error_log, mark_log, log_since_mark
#       (as CigTest::Nginx), check($srv, ...) and run_blocks work unchanged.
#   $srv->graceful(conf => $new_text) -> true once new children serve
#   $srv->stop    SIGTERM, wait, then sanitizer logs and error log checked
#   apache_config_ok($text, $name, %opts)        -> output of apache2 -t
#   apache_config_fails($text, qr//, $name, %opts)
#   apache_module_path(), apache_bin(), apache_conf_path($srv or $dir)

use strict;
use warnings;

use Carp qw(croak);
use Cwd qw(abs_path);
use IO::Socket::INET;
use POSIX qw(:sys_wait_h _exit);
use Scalar::Util qw(weaken refaddr);
use Time::HiRes qw(sleep time);
use Test::More;
use Exporter ();

use CigTest -nomodule;

our @EXPORT = qw(start_apache apache_config_ok apache_config_fails
                 apache_module_path apache_bin);

my $ROOT = CigTest::repo_root();
my $MODDIR = '/usr/lib/apache2/modules';

sub apache_bin { $ENV{CIG_APACHE} || '/usr/sbin/apache2' }

sub apache_module_path {
    my $m = $ENV{CIG_APACHE_MODULE}
         || ($ENV{CIG_PRELOAD} ? "$ROOT/build/asan/mod_cognito_identity.so"
                               : "$ROOT/build/mod_cognito_identity.so");
    return abs_path($m) // $m;
}

sub missing_reason {
    return 'apache2 not installed: ' . apache_bin() . ' (make deps)'
        unless -x apache_bin();
    my $m = apache_module_path();
    return -f $m ? undef
                 : "Apache module not built: $m does not exist (make apache)";
}

sub import {
    my ($class, @args) = @_;
    if (my $why = missing_reason()) {
        my $tb = Test::More->builder;
        croak $why if $tb->has_plan;
        plan skip_all => $why;
    }
    local $Exporter::ExportLevel = 1;
    Exporter::import($class, @args);
}

my $ECHO_CGI = <<'PERL';
#!/usr/bin/perl
binmode STDIN;
my $left = $ENV{CONTENT_LENGTH} || 0;
while ($left > 0) { my $n = read(STDIN, my $buf, $left) or last; $left -= $n }
print "Status: 200 OK\r\nContent-Type: text/plain\r\n\r\n";
print "upstream $ENV{REQUEST_URI}\n";
for my $k (sort keys %ENV) {
    next unless $k =~ /^(COGNITO_|REDIRECT_COGNITO_|REMOTE_USER$|AUTH_TYPE$|HTTP_X_COGNITO|HTTP_COGNITO|HTTP_AUTHORIZATION$)/;
    print "$k=$ENV{$k}\n";
}
PERL

# seconds to wait for what takes $s seconds at most on a plain build
sub slow {
    my ($s) = @_;
    return $ENV{CIG_VALGRIND} ? $s * 6 : $ENV{CIG_PRELOAD} ? $s * 2 : $s;
}

# the valgrind command line apache2 runs under, or () (make valgrind); the
# logs go to $dir/vg/, which the children (User nobody) can write
sub valgrind {
    my ($dir) = @_;
    return () unless $ENV{CIG_VALGRIND};
    mkdir "$dir/vg";
    chmod 01777, "$dir/vg";
    return ('valgrind', '--quiet', '--leak-check=full',
            '--show-leak-kinds=definite', '--errors-for-leak-kinds=definite',
            '--suppressions=' . CigTest::repo_root() . '/t/valgrind.supp',
            "--log-file=$dir/vg/valgrind.%p");
}

sub _modules {
    my (%o) = @_;
    my $mpm = $o{mpm} // 'event';
    my @mods = ("mpm_$mpm", qw(authn_core authz_core authz_host authz_user
                               mime dir alias headers env setenvif),
                ($mpm eq 'prefork' ? 'cgi' : 'cgid'),
                @{ $o{modules} || [] });
    my %seen = map { $_ => 1 } @{ $o{without} || [] };
    return grep { !$seen{$_}++ } @mods;
}

sub _config_text {
    my (%o) = @_;    # dir port conf mpm modules log_level no_module
    my ($dir, $port) = @o{qw(dir port)};
    my $mpm = $o{mpm} // 'event';
    my $c = '';
    $c .= "ServerRoot \"$dir\"\n";
    $c .= "DefaultRuntimeDir \"$dir/run\"\n";
    $c .= "PidFile \"$dir/apache2.pid\"\n";
    $c .= "ErrorLog \"$dir/error.log\"\n";
    $c .= "LogLevel " . ($o{log_level} // 'info') . "\n";
    $c .= "ServerName localhost\n";
    $c .= "CoreDumpDirectory \"$dir\"\n";
    $c .= "Listen 127.0.0.1:$port\n";
    for my $m (_modules(%o)) {
        $c .= "LoadModule ${m}_module $MODDIR/mod_$m.so\n";
    }
    $c .= "LoadModule cognito_identity_module " . apache_module_path() . "\n"
        unless $o{no_module};
    if ($mpm eq 'prefork') {
        $c .= "StartServers 2\nMinSpareServers 1\nMaxSpareServers 4\n"
           .  "MaxRequestWorkers 8\n";
    } else {
        $c .= "ServerLimit 4\nStartServers 2\nThreadsPerChild 8\n"
           .  "MinSpareThreads 1\nMaxSpareThreads 16\nMaxRequestWorkers 16\n";
        $c .= "ScriptSock \"$dir/run/cgisock\"\n";
    }
    $c .= "User nobody\nGroup nogroup\n" if $> == 0;
    $c .= "TypesConfig /etc/mime.types\n";
    $c .= "LogFormat \"%h %u \\\"%r\\\" %>s %b\" common\n";
    $c .= "CustomLog \"$dir/access.log\" common\n";
    $c .= "DocumentRoot \"$dir/html\"\n";
    $c .= "AllowEncodedSlashes NoDecode\n";
    $c .= "<Directory />\n    AllowOverride None\n    Require all denied\n</Directory>\n";
    $c .= "<Directory \"$dir/html\">\n    AllowOverride AuthConfig\n"
       .  "    Require all granted\n</Directory>\n";
    $c .= "<Directory \"$dir/cgi\">\n    Options +ExecCGI\n"
       .  "    SetHandler cgi-script\n    Require all granted\n</Directory>\n";
    $c .= "# ---- test configuration ----\n";
    $c .= CigTest::_subst($o{conf}, $port, $dir) . "\n";
    return $c;
}

sub _make_dir {
    my $dir = CigTest::_make_dir();
    for (qw(run cgi)) { mkdir "$dir/$_" or croak "mkdir $dir/$_: $!" }
    chmod 0755, "$dir/html", "$dir/cgi";
    CigTest::_spew("$dir/cgi/echo.cgi", $ECHO_CGI);
    chmod 0755, "$dir/cgi/echo.cgi";
    chmod 0644, "$dir/html/index.html";
    return $dir;
}

sub _config_test {
    my ($conf, %o) = @_;
    my $dir = _make_dir();
    my $port = CigTest::_free_port();
    my $file = "$dir/apache2.conf";
    CigTest::_spew($file, _config_text(%o, conf => $conf, dir => $dir, port => $port));
    my $out = "$dir/test.out";
    my $st = CigTest::_run(CigTest::_nginx_env($dir), $out, apache_bin(), '-t', '-f', $file);
    return ($st, CigTest::_slurp($out), $dir);
}

sub apache_config_ok {
    my ($conf, $name, %o) = @_;
    $name //= 'apache2 -t accepts the configuration';
    my ($st, $out, $dir) = _config_test($conf, %o);
    ok($st == 0, $name) or diag("apache2 -t exit status " . ($st >> 8) . ":\n$out");
    CigTest::_check_sanitizer_logs($dir, $name);
    return $out;
}

sub apache_config_fails {
    my ($conf, $re, $name, %o) = @_;
    $name //= "apache2 -t refuses ($re)";
    my ($st, $out, $dir) = _config_test($conf, %o);
    ok($st != 0 && $out =~ $re, $name)
        or diag("apache2 -t exit status " . ($st >> 8)
                . ", expected non-zero and output matching $re; output:\n$out");
    CigTest::_check_sanitizer_logs($dir, $name);
    return $out;
}

sub start_apache {
    my ($conf, %o) = @_;
    return CigApache::Server->new(%o, conf => $conf);
}

# ------------------------------------------------------------------ server

package CigApache::Server;

use strict;
use warnings;
use Carp qw(croak);
use POSIX qw(:sys_wait_h _exit);
use Scalar::Util qw(weaken refaddr);
use Time::HiRes qw(sleep time);
use Test::More;

our @ISA = ('CigTest::Nginx');    # request, raw, mark_log, log_since_mark

my %RUNNING;

sub new {
    my ($class, %o) = @_;
    my $self = bless { opts => \%o, creator => $$ }, $class;
    $self->{dir} = CigApache::_make_dir();
    my $err;
    for my $attempt (1, 2) {
        $self->{port} = CigTest::_free_port();
        $err = $self->_start or last;
        $self->_kill('KILL');
        last unless $err =~ /Address already in use/;
        unlink "$self->{dir}/error.log";
    }
    croak "apache2 failed to start:\n$err" if $err;
    $RUNNING{ refaddr $self } = $self;
    weaken $RUNNING{ refaddr $self };
    return $self;
}

sub conf { "$_[0]{dir}/apache2.conf" }
sub pid  { $_[0]{master} }

sub _write_conf {
    my ($self) = @_;
    CigTest::_spew($self->conf, CigApache::_config_text(%{ $self->{opts} },
                                    dir => $self->{dir}, port => $self->{port}));
}

sub _kill {
    my ($self, $sig) = @_;
    my $pid = $self->{master} or return;
    my @kids = CigTest::_children($pid);
    kill $sig, $pid, ($sig eq 'KILL' ? @kids : ());
    my $deadline = time + 10;
    while (time < $deadline) {
        last if waitpid($pid, WNOHANG) == $pid;
        sleep 0.05;
    }
    delete $self->{master};
}

# returns undef on success, error text otherwise
sub _start {
    my ($self) = @_;
    $self->_write_conf;
    my $out = "$self->{dir}/stderr.log";
    my $env = CigTest::_nginx_env($self->{dir});
    my $pid = fork // croak "fork: $!";
    if (!$pid) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>>', $out or _exit(127);
        open STDERR, '>&', \*STDOUT or _exit(127);
        $ENV{$_} = $env->{$_} for keys %$env;
        # httpd signals its whole process group when it stops: not ours
        POSIX::setsid();
        # core files of crashed children land in the test dir
        exec '/bin/sh', '-c', 'ulimit -c unlimited 2>/dev/null; exec "$@"',
             'sh', CigApache::valgrind($self->{dir}), CigApache::apache_bin(),
             '-f', $self->conf, '-DFOREGROUND'
            or print STDERR "exec: $!\n";
        _exit(127);
    }
    $self->{master} = $pid;
    my $fail = sub {
        "$_[0]\n--- apache2 output:\n" . CigTest::_slurp($out)
        . "\n--- error.log:\n" . $self->error_log;
    };
    my $deadline = time + CigApache::slow(10);
    while (time < $deadline) {
        if (waitpid($pid, WNOHANG) == $pid) {
            delete $self->{master};
            return $fail->("apache2 exited with status " . ($? >> 8));
        }
        my @kids = CigTest::_children($pid);
        if (@kids && $self->_cgid_ready) {
            my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                        PeerPort => $self->{port}, Proto => 'tcp', Timeout => 1);
            if ($s) { close $s; return undef }
        }
        sleep 0.05;
    }
    return $fail->("apache2 did not accept connections on port $self->{port}");
}

# mod_cgid's daemon binds its socket as root and only then hands it to the
# worker's user; a CGI request in between gets EACCES, which mod_cgid does
# not retry: 503 (seen on CI).  So wait until the socket is the workers'.
sub _cgid_ready {
    my ($self) = @_;
    return 1 if ($self->{opts}{mpm} // 'event') eq 'prefork';
    my @socks = grep { -S $_ } glob("$self->{dir}/run/cgisock*");
    return 0 unless @socks;
    return 1 if $> != 0;
    my $uid = (getpwnam('nobody'))[2];
    return !grep { (stat $_)[4] != $uid } @socks;
}

sub workers { CigTest::_children($_[0]{master}) }

# apache2 -k graceful with a new configuration; true once the children of
# the new generation run (and the old ones are gone or finishing).
sub graceful {
    my ($self, %o) = @_;
    $self->{opts}{conf} = $o{conf} if exists $o{conf};
    $self->_write_conf;
    my %old = map { $_ => 1 } $self->workers;
    my $mark = -s "$self->{dir}/error.log" || 0;
    my $out = "$self->{dir}/cmd.out";
    unlink $out;
    my $st = CigTest::_run(CigTest::_nginx_env($self->{dir}), $out,
                           CigApache::apache_bin(), '-f', $self->conf, '-k', 'graceful');
    if ($st) {
        $self->{reload_error} = "apache2 -k graceful exited with status "
                              . ($st >> 8) . ":\n" . CigTest::_slurp($out);
        diag($self->{reload_error}) unless $o{quiet};
        return 0;
    }
    my $deadline = time + CigApache::slow(10);
    while (time < $deadline) {
        my $log = substr($self->error_log, $mark);
        if ($log =~ /resuming normal operations/ && grep { !$old{$_} } $self->workers) {
            return 1;
        }
        sleep 0.05;
    }
    $self->{reload_error} = "no new generation after apache2 -k graceful:\n"
                          . substr($self->error_log, $mark);
    diag($self->{reload_error}) unless $o{quiet};
    return 0;
}

sub reload { my ($self, %o) = @_; $self->graceful(%o, conf => $o{conf} // $o{http}) }

sub stop {
    my ($self) = @_;
    return unless $self->{master} && $$ == $self->{creator};
    delete $RUNNING{ refaddr $self };
    my $pid = $self->{master};
    kill 'TERM', $pid;
    my $deadline = time + CigApache::slow(10);
    my $gone = 0;
    while (time < $deadline) {
        if (waitpid($pid, WNOHANG) == $pid) { $gone = 1; last }
        sleep 0.05;
    }
    if (!$gone) {
        kill 'KILL', $pid, CigTest::_children($pid);
        waitpid($pid, 0);
        fail("apache2 $pid did not stop within " . CigApache::slow(10)
             . "s (killed)");
    }
    delete $self->{master};
    my $name = "apache2 on port $self->{port}";
    CigTest::_check_sanitizer_logs($self->{dir}, $name);
    CigTest::_check_sanitizer_logs("$self->{dir}/vg", $name) if -d "$self->{dir}/vg";
    unless ($self->{opts}{allow_alert}) {
        my $ok = $self->{opts}{alert_ok};
        my @bad = grep { /\[[a-z_]*:(alert|emerg)\]|exit signal|AddressSanitizer|runtime error:/
                         && !($ok && /$ok/) }
                  split /\n/, $self->error_log;
        if (@bad) { fail("$name: error log has no alert/emerg/crash/sanitizer lines"); diag(join "\n", @bad) }
    }
    return 1;
}

sub DESTROY { local ($@, $!, $?); $_[0]->stop }

END {
    local $?;
    $_ && $_->stop for values %RUNNING;
}

1;
