# SPDX-License-Identifier: BSD-2-Clause
package CigS3Store;

# CigS3Store - start tools/s3store.py (the S3 stand-in that verifies SigV4
# itself) on a free loopback port for a test, and talk to it.
#
#   my $s3 = CigS3Store->start(access_key => ..., secret => ...,
#                              token => ..., clock => '20130524T000000Z',
#                              buckets => [...], tls => 1, args => [...]);
#       skips nothing itself: dies if the store does not come up
#   $s3->port, $s3->root (its directory of buckets), $s3->dir (temp dir),
#   $s3->pid, $s3->pid_file (the store's --pid file),
#   $s3->url ("http://127.0.0.1:PORT" or https), $s3->log (its request log)
#   $s3->raw($bytes) -> { status, code, body, raw }  (one request, own socket)
#   $s3->stop        (also on destruction)
#   CigS3Store::python() -> /usr/bin/python3
#   CigS3Store::run_capture(\%env, @cmd) -> ($status, $stdout, $stderr)

use strict;
use warnings;

use Cwd qw(abs_path);
use File::Basename qw(dirname);
use File::Temp qw(tempdir);
use IO::Socket::INET;
use POSIX qw(_exit);
use Time::HiRes qw(sleep);

my $ROOT = abs_path(dirname(abs_path(__FILE__)) . '/../..');

sub python { '/usr/bin/python3' }
sub script { "$ROOT/tools/s3store.py" }

sub _free_port {
    my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1',
                                  LocalPort => 0, Proto => 'tcp', ReuseAddr => 1)
        or die "no free port: $!";
    my $p = $s->sockport;
    close $s;
    return $p;
}

sub run_capture {
    my ($env, @cmd) = @_;
    my $dir = tempdir(CLEANUP => 1);
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>', "$dir/out" or _exit(127);
        open STDERR, '>', "$dir/err" or _exit(127);
        $ENV{$_} = $env->{$_} for keys %$env;
        exec { $cmd[0] } @cmd or _exit(127);
    }
    waitpid($pid, 0);
    my $st = $?;
    my %o;
    for (qw(out err)) {
        open my $fh, '<', "$dir/$_" or next;
        local $/;
        $o{$_} = <$fh> // '';
    }
    return ($st, $o{out}, $o{err});
}

sub start {
    my ($class, %o) = @_;
    my $dir = tempdir(CLEANUP => !$ENV{CIG_KEEP});
    my $self = bless { dir => $dir, root => "$dir/root", log => "$dir/s3.log",
                       scheme => $o{tls} ? 'https' : 'http' }, $class;
    mkdir $self->{root} or die "mkdir: $!";
    my @args = ('--root', $self->{root}, '--log', $self->{log},
                '--pid', "$dir/s3store.pid");
    push @args, '--clock', $o{clock} if $o{clock};
    push @args, map { ('--bucket', $_) } @{ $o{buckets} || [] };
    push @args, @{ $o{args} || [] };
    if ($o{tls}) {
        my ($st, undef, $err) = run_capture({}, '/usr/bin/openssl', 'req',
            '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1',
            '-subj', '/CN=localhost', '-addext',
            'subjectAltName=DNS:localhost,IP:127.0.0.1',
            '-keyout', "$dir/key.pem", '-out', "$dir/cert.pem");
        die "openssl req: $err" if $st;
        $self->{cert} = "$dir/cert.pem";
        push @args, '--tls-cert', "$dir/cert.pem", '--tls-key', "$dir/key.pem";
    }
    for my $try (1 .. 5) {
        my $port = _free_port();
        my $pid = fork // die "fork: $!";
        if (!$pid) {
            open STDIN, '<', '/dev/null';
            open STDOUT, '>>', "$dir/stderr" or _exit(127);
            open STDERR, '>&', \*STDOUT or _exit(127);
            $ENV{S3STORE_ACCESS_KEY} = $o{access_key};
            $ENV{S3STORE_SECRET_KEY} = $o{secret};
            if (defined $o{token}) { $ENV{S3STORE_SESSION_TOKEN} = $o{token} }
            else { delete $ENV{S3STORE_SESSION_TOKEN} }
            exec python(), script(), '--port', $port, @args or _exit(127);
        }
        for (1 .. 100) {
            last if waitpid($pid, POSIX::WNOHANG()) == $pid;
            my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                          PeerPort => $port, Proto => 'tcp');
            if ($s) {
                close $s;
                @$self{qw(pid port)} = ($pid, $port);
                return $self;
            }
            sleep 0.1;
        }
        kill 'KILL', $pid;
        waitpid($pid, 0);
    }
    open my $fh, '<', "$dir/stderr";
    local $/;
    die "s3store did not start: " . (<$fh> // '');
}

sub pid  { $_[0]{pid} }
sub pid_file { "$_[0]{dir}/s3store.pid" }
sub port { $_[0]{port} }
sub root { $_[0]{root} }
sub dir  { $_[0]{dir} }
sub cert { $_[0]{cert} }
sub url  { "$_[0]{scheme}://127.0.0.1:$_[0]{port}" }

sub log {
    my ($self) = @_;
    open my $fh, '<', $self->{log} or return '';
    local $/;
    return <$fh> // '';
}

sub stderr {
    my ($self) = @_;
    open my $fh, '<', "$self->{dir}/stderr" or return '';
    local $/;
    return <$fh> // '';
}

sub raw {
    my ($self, $bytes) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                  PeerPort => $self->{port}, Proto => 'tcp',
                                  Timeout => 10)
        or return { status => 0 };
    binmode $s;
    print {$s} $bytes;
    shutdown $s, 1;
    my $resp = '';
    while (1) {
        my $n = sysread $s, my $buf, 65536;
        last unless $n;
        $resp .= $buf;
    }
    close $s;
    my ($status) = $resp =~ m{^HTTP/1\.\d (\d{3})};
    my ($code) = $resp =~ m{<Code>([^<]*)</Code>};
    my (undef, $body) = split /\r\n\r\n/, $resp, 2;
    return { status => $status // 0, code => $code // '', body => $body // '',
             raw => $resp };
}

sub stop {
    my ($self) = @_;
    return unless $self->{pid};
    kill 'TERM', $self->{pid};
    waitpid($self->{pid}, 0);
    delete $self->{pid};
}

sub DESTROY { $_[0]->stop }

1;
