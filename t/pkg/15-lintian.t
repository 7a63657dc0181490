# Debian's own package checker finds nothing to say about the packages
# (build/deb, from make deb), even pedantically: the layout, the
# maintainer scripts, the dependencies and the documentation are as Debian
# expects of its libnginx-mod-* and libapache2-mod-* packages.

use strict;
use warnings;

use lib 't/lib';
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

done_testing;
