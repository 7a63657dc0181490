# SPDX-License-Identifier: BSD-2-Clause
# make install into a DESTDIR puts the same files in the same places as the
# Debian packages (build/deb/*.deb, when built), with the same snippets;
# PREFIX moves the binaries and the snippets name them by absolute path;
# make uninstall takes back every file.  No root needed.

use strict;
use warnings;

use lib 't/lib';
use File::Find;
use File::Temp qw(tempdir);
use Test::More;

use CigTest -nomodule;

my $root = repo_root();
my @need = map { "$root/build/$_" } qw(ngx_http_cognito_identity_module.so
                                       mod_cognito_identity.so cognito-identity-simulate);
if (my @missing = grep { !-f } @need) {
    plan skip_all => "not built: @missing (make module apache simulate)";
}

sub run {    # list-form command -> (exit status, stdout + stderr)
    my (@cmd) = @_;
    my $pid = open(my $fh, '-|') // die "fork: $!";
    if (!$pid) {
        open STDERR, '>&', \*STDOUT;
        exec @cmd or exit 127;
    }
    local $/;
    my $out = <$fh> // '';
    close $fh;
    return ($? >> 8, $out);
}

sub files_under {    # relative paths of the files and links under $dir
    my ($dir) = @_;
    my @f;
    find({ no_chdir => 1, wanted => sub {
        push @f, substr($File::Find::name, length($dir) + 1) if !-d $_ || -l $_;
    } }, $dir);
    return sort @f;
}

sub make_install {
    my ($dest, @vars) = @_;
    return run('make', '-s', '-C', $root, "DESTDIR=$dest", @vars, 'install');
}

my $tmp = tempdir('cigpkg-XXXXXX', TMPDIR => 1, CLEANUP => 1);

# ---------------------------------------------------------------- /usr

my $dest = "$tmp/usr";
my ($st, $out) = make_install($dest);
is($st, 0, 'make install DESTDIR=...') or diag($out);
my @got = files_under($dest);

my @expect = qw(
    etc/apache2/mods-available/cognito_identity.conf
    etc/apache2/mods-available/cognito_identity.load
    usr/bin/cognito-identity-simulate
    usr/lib/apache2/modules/mod_cognito_identity.so
    usr/lib/nginx/modules/ngx_http_cognito_identity_module.so
    usr/share/man/man1/cognito-identity-simulate.1.gz
    usr/share/nginx/modules-available/mod-http-cognito-identity.conf
);
for my $f (@expect) {
    ok((grep { $_ eq $f } @got), "installed: /$f");
}
is(CigTest::_slurp("$dest/usr/share/nginx/modules-available/mod-http-cognito-identity.conf"),
   "load_module modules/ngx_http_cognito_identity_module.so;\n",
   'nginx snippet: Debian\'s form, relative to nginx\'s prefix');
is(CigTest::_slurp("$dest/etc/apache2/mods-available/cognito_identity.load"),
   "# SPDX-License-Identifier: BSD-2-Clause\n"
   . "# Depends: authn_core authz_core\n"
   . "LoadModule cognito_identity_module /usr/lib/apache2/modules/mod_cognito_identity.so\n",
   'Apache .load: a2enmod also enables what AuthType and Require need');
ok(-x "$dest/usr/bin/cognito-identity-simulate", 'the simulator is executable');
{
    my ($mst, $man) = run('sh', '-c', "gzip -dc '$dest/usr/share/man/man1/cognito-identity-simulate.1.gz'");
    like($man, qr/^\.TH COGNITO-IDENTITY-SIMULATE 1/m, 'the man page is a man page');
}
my @mode = map { sprintf '%04o', (stat "$dest/$_")[2] & 07777 } @expect;
is_deeply(\@mode, [map { m{usr/bin/} ? '0755' : '0644' } @expect], 'file modes');

# The same files as the packages, when they are built: documentation is
# compared without the .gz dh_compress adds, and without the copyright and
# changelog dpkg adds to each package.
SKIP: {
    my @debs = grep { !/dbgsym/ } glob("$root/build/deb/*.deb");
    skip 'packages not built (make deb)', 1 unless @debs == 3;
    my (@pkg, $err);
    for my $d (@debs) {
        my $x = "$tmp/deb";
        mkdir $x;
        (my $dst, $err) = run('dpkg-deb', '-x', $d, $x);
        BAIL_OUT("dpkg-deb -x $d: $err") if $dst;
    }
    @pkg = grep { !m{^usr/share/doc/[^/]+/(?:copyright|changelog\.gz)$} } files_under("$tmp/deb");
    my $norm = sub { map { m{^usr/share/doc/} ? s/\.gz$//r : $_ } @_ };
    is_deeply([sort $norm->(@got)], [sort $norm->(@pkg)],
              'make install installs exactly the packages\' files');
}

# --------------------------------------------------------- uninstall

($st, $out) = run('make', '-s', '-C', $root, "DESTDIR=$dest", 'uninstall');
is($st, 0, 'make uninstall') or diag($out);
is_deeply([files_under($dest)], [], 'make uninstall leaves no file behind');

# ------------------------------------------------------- PREFIX=/usr/local

$dest = "$tmp/local";
($st, $out) = make_install($dest, 'PREFIX=/usr/local');
is($st, 0, 'make install PREFIX=/usr/local') or diag($out);
ok(-f "$dest/usr/local/lib/nginx/modules/ngx_http_cognito_identity_module.so",
   'nginx module under the prefix');
ok(-x "$dest/usr/local/bin/cognito-identity-simulate", 'simulator under the prefix');
is(CigTest::_slurp("$dest/usr/local/share/nginx/modules-available/mod-http-cognito-identity.conf"),
   "load_module /usr/local/lib/nginx/modules/ngx_http_cognito_identity_module.so;\n",
   'nginx snippet names a module outside nginx\'s own directory absolutely');
like(CigTest::_slurp("$dest/etc/apache2/mods-available/cognito_identity.load"),
     qr{^LoadModule cognito_identity_module /usr/local/lib/apache2/modules/mod_cognito_identity\.so$}m,
     'Apache .load names the prefix\'s module; it stays in /etc/apache2 for a2enmod');
($st, $out) = run('make', '-s', '-C', $root, "DESTDIR=$dest", 'PREFIX=/usr/local', 'uninstall');
is_deeply([files_under($dest)], [], 'make uninstall PREFIX=/usr/local leaves no file behind');

done_testing;
