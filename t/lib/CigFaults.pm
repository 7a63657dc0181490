# SPDX-License-Identifier: BSD-2-Clause
package CigFaults;

# CigFaults - a hostile upstream for the fault tests of key and credential
# fetches: a loopback HTTP server (one forked child per connection) whose
# answer is chosen by the request path.  Core Perl only.
#
#   my $f = CigFaults->start(dir => $dir, bodies => { k1 => $jwks, ... });
#   $f->port; $f->hits('/ok/k1');  $f->stop (also at exit)
#
# Paths:
#   /ok/NAME            200 with bodies->{NAME} (Content-Type from types)
#   /status/CODE/NAME   that status with bodies->{NAME} (or a JSON error)
#   /reset              reads the request, then resets the connection
#   /reset-mid/NAME     headers and half the body, then a reset
#   /trunc/NAME         Content-Length of the whole body, half of it, close
#   /garbage            200 with binary noise (and a NUL)
#   /big                200 with 2 MiB of JSON-looking text
#   /redirect/NAME      302 to /ok/NAME
#   /slow/SECS/NAME     sleeps SECS, then as /ok/NAME
#   /hang               reads the request and never answers (30 s)
#   /flip/N/NAME        the first N requests reset, then as /ok/NAME
#   /good/N/NAME        the first N requests as /ok/NAME, then garbage
# Every request's path is appended to $dir/faults.log before it is answered.

use strict;
use warnings;

use Carp qw(croak);
use IO::Socket::INET;
use POSIX qw(_exit WNOHANG);
use Socket qw(SOL_SOCKET SO_LINGER);

my @RUNNING;

sub start {
    my ($class, %o) = @_;
    my $dir = $o{dir} or croak 'dir';
    my $sock = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                     Listen => 128, ReuseAddr => 1)
        or croak "listen: $!";
    my $self = bless { dir => $dir, port => $sock->sockport, bodies => $o{bodies} || {},
                       types => $o{types} || {} }, $class;
    my $pid = fork // croak "fork: $!";
    if (!$pid) {
        POSIX::setpgid(0, 0);     # stop() ends the server and its children
        $SIG{CHLD} = 'IGNORE';
        while (1) {
            my $c = $sock->accept or next;
            my $kid = fork;
            if (defined $kid && $kid == 0) {
                close $sock;
                eval { $self->_serve($c) };
                _exit(0);
            }
            close $c;
        }
    }
    close $sock;
    $self->{pid} = $pid;
    push @RUNNING, $self;
    return $self;
}

sub port { $_[0]{port} }

sub hits {
    my ($self, $prefix) = @_;
    open my $fh, '<', "$self->{dir}/faults.log" or return 0;
    my $n = 0;
    while (<$fh>) { chomp; $n++ if index($_, $prefix) == 0 }
    return $n;
}

sub _count {    # requests so far for this exact path (this one included)
    my ($self, $path) = @_;
    open my $fh, '>>', "$self->{dir}/faults.log" or return 0;
    flock $fh, 2;
    print $fh "$path\n";
    close $fh;
    return $self->hits($path);
}

sub _reset {
    my ($c) = @_;
    setsockopt($c, SOL_SOCKET, SO_LINGER, pack('ii', 1, 0));
    close $c;
}

sub _answer {
    my ($self, $c, $status, $name, %o) = @_;
    my $body = $o{body} // $self->{bodies}{$name // ''}
            // qq({"__type":"InternalErrorException","message":"fault $status"});
    my $type = $self->{types}{$name // ''} // 'application/json';
    my $len = $o{len} // length $body;
    my $extra = $o{location} ? "Location: $o{location}\r\n" : '';
    print $c "HTTP/1.1 $status Fault\r\nContent-Type: $type\r\n$extra"
           . "Content-Length: $len\r\nConnection: close\r\n\r\n";
    if ($o{half}) {
        print $c substr($body, 0, int(length($body) / 2));
        return $o{half} eq 'reset' ? _reset($c) : close $c;
    }
    print $c $body;
    close $c;
}

sub _serve {
    my ($self, $c) = @_;
    my $line = <$c> // return;
    my %h;
    while (defined(my $l = <$c>)) {
        last if $l =~ /^\r?\n$/;
        $h{lc $1} = $2 if $l =~ /^([^:]+):\s*(.*?)\r?$/;
    }
    read($c, my $body, $h{'content-length'}) if $h{'content-length'};
    my ($path) = $line =~ m{^\S+ (\S+)} or return;
    $path =~ s/\?.*//;
    my $n = $self->_count($path);

    if ($path =~ m{^/ok/(\w+)})                 { $self->_answer($c, 200, $1) }
    elsif ($path =~ m{^/status/(\d+)/(\w+)})    { $self->_answer($c, $1, $2) }
    elsif ($path =~ m{^/status/(\d+)})          { $self->_answer($c, $1, undef) }
    elsif ($path eq '/reset')                   { _reset($c) }
    elsif ($path =~ m{^/reset-mid/(\w+)})       { $self->_answer($c, 200, $1, half => 'reset') }
    elsif ($path =~ m{^/trunc/(\w+)})           { $self->_answer($c, 200, $1, half => 'close') }
    elsif ($path eq '/garbage') {
        $self->_answer($c, 200, undef, body => join('', map { chr(($_ * 73 + 11) % 256) } 1 .. 4000) . "\0");
    }
    elsif ($path eq '/big') {
        $self->_answer($c, 200, undef, body => '{"keys":[' . ('{"kty":"RSA"},' x 150_000) . '{}]}');
    }
    elsif ($path =~ m{^/redirect/(\w+)}) {
        $self->_answer($c, 302, undef, body => '', location => "http://127.0.0.1:$self->{port}/ok/$1");
    }
    elsif ($path =~ m{^/slow/(\d+)/(\w+)})      { sleep $1; $self->_answer($c, 200, $2) }
    elsif ($path eq '/hang')                    { sleep 30; close $c }
    elsif ($path =~ m{^/flip/(\d+)/(\w+)})      { $n <= $1 ? _reset($c) : $self->_answer($c, 200, $2) }
    elsif ($path =~ m{^/good/(\d+)/(\w+)}) {
        $n <= $1 ? $self->_answer($c, 200, $2) : $self->_answer($c, 200, undef, body => '{"keys": oops');
    }
    else { $self->_answer($c, 404, undef) }
}

sub stop {
    my ($self) = @_;
    return unless $self->{pid};
    kill 'TERM', -$self->{pid};
    waitpid $self->{pid}, 0;
    delete $self->{pid};
}

END { local $?; $_->stop for @RUNNING }

1;
