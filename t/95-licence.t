# SPDX-License-Identifier: BSD-2-Clause
# The licence is stated where it must be: LICENSE holds the BSD 2-Clause
# text, debian/copyright says the same in DEP-5 form, and every tracked
# source file (C and headers, Perl, Python, shell and other scripts, Lua,
# the Makefile and the nginx addon script, configuration files, tests, fuzz
# targets) carries "SPDX-License-Identifier: BSD-2-Clause" in its first
# lines.  Documentation (Markdown, the man page) and data (JSON, PEM keys,
# fuzz seeds and dictionaries, results) are not source files.  Core Perl
# and git only; needs neither server nor build.

use strict;
use warnings;

use Test::More;

my $SPDX = 'SPDX-License-Identifier: BSD-2-Clause';
my $TOP = 5;    # "near the top": within this many lines

chdir(($0 =~ m{^(.*)/t/[^/]+$})[0] // '.') or die "chdir: $!";
my @files = `git ls-files -z 2>/dev/null`;
plan skip_all => 'not a git checkout (git ls-files lists nothing)' unless @files;
@files = grep { length && -f } split /\0/, join '', @files;

sub head {    # the first $n lines of a file
    my ($f, $n) = @_;
    open my $fh, '<', $f or die "$f: $!";
    my @l;
    while (@l < $n && defined(my $l = <$fh>)) { push @l, $l }
    return join '', @l;
}

sub is_source {
    my ($f) = @_;
    return 0 if $f =~ m{^fuzz/(?:corpus|regressions)/};   # fuzz inputs: data
    return 1 if $f =~ /\.(?:c|h|pm|pl|t|py|sh|lua|conf|in)$/;
    return 1 if $f =~ m{(?:^|/)Makefile$} || $f eq 'config' || $f eq 'debian/rules';
    return 0 if $f =~ /\.(?:json|md|pem|txt|tsv|dict|html|png|1)$/;
    return head($f, 1) =~ /^#!/ ? 1 : 0;   # any other script
}

my @source = grep { is_source($_) } @files;
ok(@source > 50, 'tracked source files found (' . scalar(@source) . ')');
ok((grep { $_ eq 'core/include/cig.h' } @source), 'C headers are among them');
ok((grep { m{^debian/tests/} } @source), 'autopkgtest scripts (no extension) are among them');
ok(!(grep { /\.json$/ || m{^fuzz/corpus/} } @source), 'JSON and fuzz seeds are not');

my @lacking = grep { index(head($_, $TOP), $SPDX) < 0 } @source;
is(scalar(@lacking), 0, "every source file has \"$SPDX\" in its first $TOP lines")
    or diag("add a \"$SPDX\" line near the top of:\n  " . join("\n  ", @lacking));

# LICENSE and debian/copyright
my $lic = -f 'LICENSE' ? head('LICENSE', 1000) : '';
like($lic, qr/^BSD 2-Clause License$/m, 'LICENSE: the BSD 2-Clause licence');
like($lic, qr/^Copyright \(c\) 2026, The cognito-identity-gateway authors$/m,
     'LICENSE: copyright holder');
like($lic, qr/^2\. Redistributions in binary form must reproduce/m, 'LICENSE: both clauses');
unlike($lic, qr/^3\./m, 'LICENSE: no third clause (not BSD-3-Clause)');

my $cp = head('debian/copyright', 1000);
like($cp, qr{^Format: https://www\.debian\.org/doc/packaging-manuals/copyright-format/1\.0/$}m,
     'debian/copyright: machine-readable (DEP-5)');
like($cp, qr/^Files: \*\nCopyright: 2026 The cognito-identity-gateway authors\nLicense: BSD-2-Clause$/m,
     'debian/copyright: Files: * under BSD-2-Clause');
like($cp, qr/^License: BSD-2-Clause\n Redistribution and use/m,
     'debian/copyright: the licence text');

done_testing;
