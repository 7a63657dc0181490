# SPDX-License-Identifier: BSD-2-Clause
# A key fetch abandoned by the client that started it still counts: the
# next requests do not start another fetch, they wait for or answer after
# the one under way.  The upstream counts its connections.

use strict;
use warnings;

use lib 't/lib';
use CigTest;
use CigToken;
use IO::Socket::INET;
use Time::HiRes qw(sleep time);
use Test::More;

my $root = repo_root();
my $dir = File::Temp::tempdir(CLEANUP => 1);
my $jwks = do { local (@ARGV, $/) = "$root/t/keys/jwks-k1.json"; <> };

# A slow key server: answers after 1.5 s, and counts.
my $up = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                               Listen => 16, ReuseAddr => 1) or die $!;
my $port = $up->sockport;
my $pid = fork // die;
if ($pid == 0) {
    while (my $c = $up->accept) {
        open my $log, '>>', "$dir/hits"; print $log "hit\n"; close $log;
        while (defined(my $l = <$c>)) { last if $l =~ /^\r?\n$/ }
        sleep 1.5;
        print $c "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
               . "Content-Length: " . length($jwks) . "\r\nConnection: close\r\n\r\n$jwks";
        close $c;
    }
    exit 0;
}
END { kill 'TERM', $pid if $pid; }

my $srv = start_nginx(<<"CONF");
    server {
        listen 127.0.0.1:%%PORT%%;
        root %%DIR%%/html;

        cognito_identity_pool eu-west-1:b45b9729-c269-4ef2-86f1-0df3e40fe92d;
        cognito_identity_key_refresh 60s;

        location = /_keys {
            internal;
            proxy_pass http://127.0.0.1:$port/jwks;
            proxy_read_timeout 5s;
        }

        location / {
            cognito_identity "api";
            cognito_identity_key_request /_keys;
        }
    }
CONF

my $token = cognito_token();

# The first client starts the fetch and goes away.
my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $srv->port)
    or die $!;
print $s "GET /index.html HTTP/1.1\r\nHost: localhost\r\n"
       . "Authorization: Bearer $token\r\nConnection: close\r\n\r\n";
sleep 0.3;
close $s;

# Others come while it is (or was) under way.
my @status;
for (1 .. 3) {
    sleep 0.2;
    push @status, $srv->request('GET', '/index.html',
                                { Authorization => "Bearer $token" })->{status};
}

my $hits = do { open my $fh, '<', "$dir/hits" or die; my @l = <$fh>; scalar @l };
is($hits, 1, 'one fetch for all: the abandoned fetch still counted');
ok(!grep({ $_ != 200 && $_ != 503 } @status),
   "the others were answered 200 or 503, never let through or failed (@status)");

$srv->stop;
done_testing();
