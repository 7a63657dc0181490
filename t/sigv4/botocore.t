# SPDX-License-Identifier: BSD-2-Clause
# The core's SigV4 signer against an independent one: every request of
# t/sigv4/corpus.json (awkward paths and queries: encoded and raw reserved
# characters, spaces, '+', '~', repeated and empty query keys, unicode,
# extra headers, session tokens, payload hashes, odd dates) is signed by
# cig_sigv4_sign() (t/sigv4/sigv4_driver.c, built here from the core's
# sources) and by Debian's python3-botocore (S3SigV4Auth, clock fixed;
# t/sigv4/botocore_sign.py).  Authorization and x-amz-date must be
# identical for every request.

use strict;
use warnings;

use Cwd qw(abs_path);
use File::Basename qw(dirname);
use File::Temp qw(tempdir);
use Test::More;

my $root = abs_path(dirname(abs_path(__FILE__)) . '/../..');
my $corpus = "$root/t/sigv4/corpus.json";
my $python = '/usr/bin/python3';
my $cc = $ENV{CC} || 'cc';

sub run_capture {
    my (@cmd) = @_;
    my $dir = tempdir(CLEANUP => 1);
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>', "$dir/out" or exit 127;
        open STDERR, '>', "$dir/err" or exit 127;
        exec { $cmd[0] } @cmd or exit 127;
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

my ($st, undef, $err) = run_capture($python, '-c', 'import botocore.auth');
plan skip_all => "python3-botocore is not installed ($python cannot import "
               . "botocore: apt-get install python3-botocore)" if $st != 0;

($st, undef, $err) = run_capture($cc, '--version');
plan skip_all => "no C compiler ($cc)" if $st != 0;

my $dir = tempdir(CLEANUP => 1);
my $driver = "$dir/sigv4-driver";
my @san = $ENV{CIG_PRELOAD}
    ? ('-fsanitize=address,undefined', '-fno-omit-frame-pointer',
       '-fno-sanitize-recover=undefined')
    : ();

($st, undef, $err) = run_capture($cc, qw(-std=gnu11 -Wall -Wextra -Werror -g -O1),
    @san, "-I$root/core/include", "-I$root/core", '-o', $driver,
    "$root/t/sigv4/sigv4_driver.c", "$root/core/cig_sigv4.c",
    "$root/core/cig_sigv4_canon.c",
    "$root/core/cig_json.c", "$root/core/cig_util.c", '-lcrypto', '-lm');
is($st, 0, 'the driver builds from the core sources') or do {
    diag($err);
    done_testing();
    exit;
};

my ($cst, $cout, $cerr) = run_capture($driver, $corpus);
is($cst, 0, 'the core signs every request of the corpus') or diag($cerr);

my ($pst, $pout, $perr) = run_capture($python, "$root/t/sigv4/botocore_sign.py", $corpus);
is($pst, 0, 'botocore signs every request of the corpus') or diag($perr);

sub parse {
    my ($text) = @_;
    my (@order, %by);
    for my $line (split /\n/, $text) {
        my ($name, $date, $auth, $canonical) = split /\t/, $line, 4;
        push @order, $name;
        $by{$name} = { date => $date, auth => $auth, canonical => $canonical };
    }
    return (\@order, \%by);
}

my ($corder, $core) = parse($cout);
my ($porder, $boto) = parse($pout);

cmp_ok(scalar @$porder, '>=', 40, 'the corpus has its requests');
is_deeply($corder, $porder, 'both signed the same requests in the same order');

for my $name (@$porder) {
    my ($c, $p) = ($core->{$name}, $boto->{$name});
    next unless ok($c, "$name: signed by the core");
    is($c->{date}, $p->{date}, "$name: x-amz-date");
    is($c->{auth}, $p->{auth}, "$name: Authorization")
        or diag("canonical request, core:\n" . ($c->{canonical} =~ s/\\n/\n/gr)
                . "\ncanonical request, botocore:\n" . ($p->{canonical} =~ s/\\n/\n/gr));
}

# AWS's own published example (S3 SigV4 documentation, GET Object)
like($core->{'AWS documentation example: GET Object'}{auth},
     qr/Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41$/,
     "AWS's documented GET Object signature");
like($core->{'AWS documentation example: list objects'}{auth},
     qr/Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7$/,
     "AWS's documented list objects signature");

done_testing();
