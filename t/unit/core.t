#!/usr/bin/perl
# SPDX-License-Identifier: BSD-2-Clause
# Runs the C unit tests of the core (t/unit/*.c, built as build/unit/cig-unit
# by "make unit"); their TAP passes straight through to prove.
use strict;
use warnings;
use Cwd qw(abs_path);
use File::Basename qw(dirname);

my $root = abs_path(dirname(abs_path(__FILE__)) . '/../..');
# make test-asan points CIG_UNIT at the sanitizer build
my $bin  = $ENV{CIG_UNIT} || "$root/build/unit/cig-unit";

unless (-x $bin) {
    print "1..0 # SKIP unit binary not built (make unit)\n";
    exit 0;
}

exec { $bin } $bin, $root or die "cannot exec $bin: $!\n";
