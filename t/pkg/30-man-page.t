# SPDX-License-Identifier: BSD-2-Clause
# The simulator's man page (docs/cognito-identity-simulate.1, installed by
# make install and the cognito-identity-tools package) documents every
# option the simulator's --help lists, and no option it does not have.

use strict;
use warnings;

use lib 't/lib';
use Test::More;

use CigTest -nomodule;

my $root = repo_root();
my $sim = "$root/build/cognito-identity-simulate";
plan skip_all => "simulator not built: make simulate" unless -x $sim;

my $help = `'$sim' --help 2>&1`;
is($? >> 8, 0, '--help exits 0');
my %help = map { $_ => 1 } $help =~ /(--[a-z][a-z-]*)/g;
$help{'--help'} = 1;

my $man = CigTest::_slurp("$root/docs/cognito-identity-simulate.1");
(my $text = $man) =~ s/\\-/-/g;
my %man = map { $_ => 1 } $text =~ /(?<![\w-])(--[a-z][a-z-]*)/g;

ok(keys %help > 10, 'options found in --help') or diag($help);
for my $o (sort keys %help) {
    ok($man{$o}, "man page documents $o");
}
for my $o (sort keys %man) {
    ok($help{$o}, "man page option $o exists in --help");
}
SKIP: {
    skip 'man not installed', 1 unless grep { -x "$_/man" } split /:/, $ENV{PATH};
    my ($fail) = `man --warnings -l -Tutf8 '$root/docs/cognito-identity-simulate.1' 2>&1 >/dev/null`;
    ok(!defined $fail || $fail eq '', 'man renders it without warnings') or diag($fail);
}

done_testing;
