# SPDX-License-Identifier: BSD-2-Clause
# The as-installed tests of debian/tests (DEP-8) run here: with autopkgtest
# and its null testbed when it is installed, otherwise as autopkgtest would
# run them: the built packages (build/deb, from make deb) installed with
# dpkg, each test of debian/tests/control run from the top of the source
# tree with AUTOPKGTEST_TMP set, and everything purged afterwards.  A test
# whose Depends are not installed here is skipped, not passed.
#
# Needs root and dpkg; plain run only (the packages hold the plain build).

use strict;
use warnings;

use lib 't/lib';
use File::Temp qw(tempdir);
use Test::More;

use CigTest -nomodule;

my $root = repo_root();
my $debdir = "$root/build/deb";
my @PKGS = qw(libnginx-mod-http-cognito-identity
              libapache2-mod-cognito-identity cognito-identity-tools);

plan skip_all => 'installs packages with dpkg: needs root' if $> != 0;
plan skip_all => 'dpkg not found' unless -x '/usr/bin/dpkg';
plan skip_all => 'the packages hold the plain build: tested in the plain run only'
    if $ENV{CIG_PRELOAD};
my @debs = map { my @d = glob("$debdir/${_}_*.deb"); @d ? $d[-1] : () } @PKGS;
plan skip_all => "packages not built: run make deb ($debdir)" if @debs != @PKGS;

sub run {    # list-form command -> (exit status, stdout + stderr)
    my (@cmd) = @_;
    my $pid = open(my $fh, '-|') // die "fork: $!";
    if (!$pid) {
        open STDERR, '>&', \*STDOUT;
        chdir $root or exit 127;
        exec @cmd or exit 127;
    }
    local $/;
    my $out = <$fh> // '';
    close $fh;
    return ($? >> 8, $out);
}

sub installed {
    my ($st, $out) = run('dpkg-query', '-W', '-f=${Status}', $_[0]);
    return $st == 0 && $out =~ /install ok installed/;
}

# debian/tests/control -> ({ tests => [...], depends => [...], restrictions }...)
sub stanzas {
    my $text = CigTest::_slurp("$root/debian/tests/control");
    $text =~ s/^#.*\n//mg;
    my @out;
    for my $para (split /\n\s*\n/, $text) {
        my %f;
        my $key;
        for (split /\n/, $para) {
            if (/^(\S+):\s*(.*)$/) { $key = lc $1; $f{$key} = $2 }
            elsif (/^\s+(.*)$/ && $key) { $f{$key} .= " $1" }
        }
        next unless $f{tests};
        push @out, { tests => [split /[\s,]+/, $f{tests}],
                     depends => [map { s/\s*\(.*\)//r } grep { /\S/ }
                                 map { s/^\s+|\s+$//gr } split /,/, $f{depends} // '@'],
                     restrictions => $f{restrictions} // '' };
    }
    return @out;
}

my @stanzas = stanzas();
ok(@stanzas >= 3, 'debian/tests/control lists the tests (nginx, apache2, simulator)');
my %names = map { $_ => 1 } map { @{ $_->{tests} } } @stanzas;
ok($names{$_}, "debian/tests/control has a test '$_'") for qw(nginx apache2 simulator);
ok(-x "$root/debian/tests/$_", "debian/tests/$_ is executable") for sort keys %names;

if (-x '/usr/bin/autopkgtest') {
    my ($st, $out) = run('autopkgtest', @debs, $root, '--', 'null');
    is($st, 0, 'autopkgtest on the null testbed passes') or diag($out);
    done_testing;
    exit;
}
diag('autopkgtest is not installed: the tests are run as it would run them');

if (my @left = grep { installed($_) } @PKGS) {
    my ($st, $out) = run('dpkg', '-P', @PKGS);
    die "cannot purge packages left installed before this test (@left):\n$out" if $st;
}
my $installed_here = 0;
END { run('dpkg', '-P', @PKGS) if $installed_here }

{
    my ($st, $out) = run('dpkg', '-i', @debs);
    $installed_here = 1;
    is($st, 0, 'dpkg -i the packages') or diag($out);
}

my %ours = map { $_ => 1 } @PKGS;
for my $s (@stanzas) {
    my @missing = grep { $_ ne '@' && !$ours{$_} && !installed($_) } @{ $s->{depends} };
    for my $t (@{ $s->{tests} }) {
        SKIP: {
            skip "debian/tests/$t: not installed here: @missing", 2 if @missing;
            local $ENV{AUTOPKGTEST_TMP} = tempdir('cigapt-XXXXXX', TMPDIR => 1, CLEANUP => 1);
            my ($st, $out) = run("debian/tests/$t");
            is($st, 0, "debian/tests/$t passes") or diag($out);
            like($out, qr/^ok: /m, "debian/tests/$t checked something") or diag($out);
        }
    }
}

{
    my ($st, $out) = run('dpkg', '-P', @PKGS);
    is($st, 0, 'dpkg -P the packages') or diag($out);
    $installed_here = 0 if $st == 0;
}

done_testing;
