# SPDX-License-Identifier: BSD-2-Clause
# Debian's own package checker finds nothing to say about the packages
# (build/deb, from make deb), even pedantically: the layout, the
# maintainer scripts, the dependencies and the documentation are as Debian
# expects of its libnginx-mod-* and libapache2-mod-* packages.  The source
# package (debian/copyright, debian/tests/control, the overrides in
# debian/source/lintian-overrides) is built with dpkg-source into a scratch
# directory and checked the same way.

use strict;
use warnings;

use lib 't/lib';
use File::Temp qw(tempdir);
use Test::More;

use CigTest -nomodule;

my $root = repo_root();
my ($changes) = glob("$root/build/deb/*.changes");
plan skip_all => 'packages not built: run make deb' unless $changes;
plan skip_all => 'lintian not installed (make deps)' unless -x '/usr/bin/lintian';
plan skip_all => 'the packages do not change under the sanitizer run: checked once'
    if $ENV{CIG_PRELOAD};

my $out = `lintian --info --pedantic --display-experimental --tag-display-limit 0 '$changes' 2>&1`;
my $st = $? >> 8;
my @tags = grep { /^[EWIPX]: / } split /\n/, $out;
is($st, 0, 'lintian exits 0') or diag($out);
is_deeply(\@tags, [], 'lintian: no errors, warnings, info or pedantic tags')
    or diag(join "\n", @tags);

# the source package, as dpkg-source -b would make it from the tree
SKIP: {
    skip 'dpkg-source not installed', 3 unless -x '/usr/bin/dpkg-source';
    my $dir = tempdir('ciglintian-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    system("tar -C '$root' --exclude=./build --exclude=./.git"
           . " --exclude=./fuzz/corpus-work -cf - . | tar -C '$dir/src' -xf -")
        if mkdir "$dir/src";
    my $src = `cd '$dir' && dpkg-source -b src 2>&1`;
    my ($dsc) = glob("$dir/*.dsc");
    ok($dsc, 'dpkg-source -b builds the source package') or diag($src);
    $out = `lintian --info --pedantic --display-experimental --tag-display-limit 0 '$dsc' 2>&1`;
    $st = $? >> 8;
    @tags = grep { /^[EWIPXO]: / } split /\n/, $out;
    is($st, 0, 'lintian exits 0 on the source package') or diag($out);
    is_deeply(\@tags, [], 'lintian, source package: no tags (overrides are justified in'
              . ' debian/source/lintian-overrides)') or diag(join "\n", @tags);
}

done_testing;
