# SPDX-License-Identifier: BSD-2-Clause
package CigRecorder;

# CigRecorder - a stand-in S3 store that records what reaches it: a loopback
# HTTP/1.x server (one forked child per connection) that reads each request
# whole (Content-Length or chunked), appends it to $dir/recorder.log and
# answers 200 with an empty S3 DeleteResult.  Core Perl only.
#
#   my $rec = CigRecorder->start(dir => $dir);
#   $rec->port;
#   my @reqs = $rec->requests;   # ({ line, headers => {lc => v}, body }, ...)
#   $rec->stop                   # also at exit

use strict;
use warnings;

use Carp qw(croak);
use Fcntl qw(:flock);
use IO::Socket::INET;
use POSIX qw(_exit);

my @RUNNING;

sub start {
    my ($class, %o) = @_;
    my $dir = $o{dir} or croak 'dir';
    my $sock = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                     Listen => 128, ReuseAddr => 1)
        or croak "listen: $!";
    my $self = bless { dir => $dir, port => $sock->sockport }, $class;
    my $pid = fork // croak "fork: $!";
    if (!$pid) {
        POSIX::setpgid(0, 0);
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

sub _serve {
    my ($self, $c) = @_;
    binmode $c;
    my $line = <$c> // return;
    $line =~ s/\r?\n$//;
    my (%h, @raw);
    while (defined(my $l = <$c>)) {
        last if $l =~ /^\r?\n$/;
        $l =~ s/\r?\n$//;
        push @raw, $l;
        $h{lc $1} = $2 if $l =~ /^([^:]+):\s*(.*)$/;
    }
    my $body = '';
    if (($h{'transfer-encoding'} // '') =~ /chunked/i) {
        while (defined(my $size = <$c>)) {
            $size = hex $size;
            last if $size == 0;
            read($c, my $chunk, $size);
            $body .= $chunk;
            <$c>;
        }
        while (defined(my $l = <$c>)) { last if $l =~ /^\r?\n$/ }
    } elsif ($h{'content-length'}) {
        my $want = $h{'content-length'};
        while (length($body) < $want) {
            my $n = read($c, my $part, $want - length $body) or last;
            $body .= $part;
        }
    }

    open my $fh, '>>', "$self->{dir}/recorder.log" or die;
    binmode $fh;
    flock $fh, LOCK_EX;
    my $head = join "\n", $line, @raw;
    print $fh length($head), ' ', length($body), "\n", $head, $body;
    close $fh;

    my $xml = '<?xml version="1.0" encoding="UTF-8"?>'
            . '<DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
            . '</DeleteResult>';
    print $c "HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\n"
           . 'Content-Length: ' . length($xml) . "\r\nConnection: close\r\n\r\n$xml";
    close $c;
}

sub requests {
    my ($self) = @_;
    open my $fh, '<', "$self->{dir}/recorder.log" or return ();
    binmode $fh;
    my @r;
    while (defined(my $sizes = <$fh>)) {
        my ($hl, $bl) = $sizes =~ /^(\d+) (\d+)$/ or last;
        read($fh, my $head, $hl);
        my $body = '';
        read($fh, $body, $bl) if $bl;
        my ($line, @raw) = split /\n/, $head;
        my %h = map { /^([^:]+):\s*(.*)$/ ? (lc $1 => $2) : () } @raw;
        push @r, { line => $line, headers => \%h, body => $body };
    }
    return @r;
}

sub stop {
    my ($self) = @_;
    return unless $self->{pid};
    kill 'TERM', -$self->{pid};
    waitpid $self->{pid}, 0;
    delete $self->{pid};
}

END { $_->stop for @RUNNING }

1;
