# SPDX-License-Identifier: BSD-2-Clause
# The Debian packages (make deb, build/deb/*.deb) installed on this machine
# with dpkg, as an operator would: the files land where Debian's own
# libnginx-mod-* and libapache2-mod-* packages put theirs, the modules are
# enabled (modules-enabled link, a2enmod), the system configurations still
# pass nginx -t / apache2ctl -t, nginx and apache2 serve a request through
# the installed modules, the installed simulator answers, and dpkg -r / -P
# disable and then remove everything, leaving the machine as it was.
#
# Needs root and dpkg; runs once, in the plain run (the packages hold the
# plain build, so there is nothing for the sanitizer run to add).  The
# servers started here use their own configurations (-c / -f) on free
# loopback ports; the system's nginx and apache2 are never started.

use strict;
use warnings;

use lib 't/lib';
use Cwd qw(abs_path);
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

my $NGX_SO    = '/usr/lib/nginx/modules/ngx_http_cognito_identity_module.so';
my $NGX_AVAIL = '/usr/share/nginx/modules-available/mod-http-cognito-identity.conf';
my $NGX_LINK  = '/etc/nginx/modules-enabled/50-mod-http-cognito-identity.conf';
my $AP_SO     = '/usr/lib/apache2/modules/mod_cognito_identity.so';
my $AP_AVAIL  = '/etc/apache2/mods-available';
my $AP_EN     = '/etc/apache2/mods-enabled';
my $SIM       = '/usr/bin/cognito-identity-simulate';

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

sub installed {
    my ($st, $out) = run('dpkg-query', '-W', '-f=${Status}', $_[0]);
    return $st == 0 && $out =~ /install ok installed/;
}

sub listing { join ' ', sort map { s{.*/}{}r } glob("$_[0]/*") }

sub apache_state {    # what apache2-maintscript-helper records per module
    join ' ', sort grep { m{/cognito_identity$} } glob('/var/lib/apache2/module/*/*');
}

sub purge {
    my ($st, $out) = run('dpkg', '-P', @PKGS);
    return ($st, $out);
}

# What the machine looks like before: it must look the same afterwards.
my %before = (ngx_enabled => listing('/etc/nginx/modules-enabled'),
              ap_enabled  => listing($AP_EN),
              ap_state    => apache_state());
my ($ngx_t_before) = run('/usr/sbin/nginx', '-t', '-q');
my ($ap_t_before)  = run('/usr/sbin/apache2ctl', '-t');

if (my @left = grep { installed($_) } @PKGS) {
    diag("purging packages left installed before this test: @left");
    my ($st, $out) = purge();
    die "cannot purge @left:\n$out" if $st;
    %before = (ngx_enabled => listing('/etc/nginx/modules-enabled'),
               ap_enabled  => listing($AP_EN),
               ap_state    => apache_state());
}

my $installed_here = 0;
END { purge() if $installed_here }

# ------------------------------------------------------------------ install

{
    my ($st, $out) = run('dpkg', '-i', @debs);
    $installed_here = 1;
    is($st, 0, 'dpkg -i installs the three packages') or diag($out);
}
ok(installed($_), "$_ installed") for @PKGS;

# nginx: Debian's places, and enabled as Debian's module packages are
ok(-f $NGX_SO, "nginx module in /usr/lib/nginx/modules/");
is(CigTest::_slurp($NGX_AVAIL), "load_module modules/ngx_http_cognito_identity_module.so;\n",
   'modules-available snippet loads it as Debian\'s own snippets do');
ok(-l $NGX_LINK, 'enabled: modules-enabled/50-mod-http-cognito-identity.conf');
is(readlink($NGX_LINK), $NGX_AVAIL, 'the link points into modules-available');
{
    my ($st, $out) = run('dpkg-deb', '-f', $debs[0], 'Depends');
    # the nginx ABI the installed nginx (nginx, nginx-core, ...) provides
    my ($pst, $prov) = run('dpkg-query', '-W', '-f=${db:Status-Abbrev} ${Provides}\n', 'nginx*');
    $prov = join ' ', grep { /^ii / } split /\n/, $prov;
    my ($abi) = $prov =~ /(nginx-abi-[^\s,]+)/;
    ok($abi && $out =~ /(?:^|, )\Q$abi\E(?:,|$)/m,
       "the nginx module depends on the installed nginx's ABI (" . ($abi // '?') . ')')
        or diag("Depends: $out; nginx Provides: $prov");
}

# Apache: Debian's places, enabled with a2enmod by the maintainer scripts
ok(-f $AP_SO, 'Apache module in /usr/lib/apache2/modules/');
like(CigTest::_slurp("$AP_AVAIL/cognito_identity.load"),
     qr{^LoadModule cognito_identity_module \Q$AP_SO\E$}m, 'mods-available .load');
ok(-f "$AP_AVAIL/cognito_identity.conf", 'mods-available .conf');
for (qw(load conf)) {
    ok(-l "$AP_EN/cognito_identity.$_", "a2enmod'ed: mods-enabled/cognito_identity.$_");
    is(readlink("$AP_EN/cognito_identity.$_"), "../mods-available/cognito_identity.$_",
       "mods-enabled/cognito_identity.$_ is a2enmod's link");
}
{
    my ($st, $out) = run('a2query', '-m', 'cognito_identity');
    is($st, 0, 'a2query -m cognito_identity: enabled') or diag($out);
}

# tools and documentation
ok(-x $SIM, 'simulator in /usr/bin');
ok(-f '/usr/share/man/man1/cognito-identity-simulate.1.gz', 'its man page');
for my $p (@PKGS) {
    ok(-f "/usr/share/doc/$p/copyright", "/usr/share/doc/$p/copyright");
    ok(-f "/usr/share/doc/$p/README.md.gz", "/usr/share/doc/$p/README.md.gz");
}
ok(-f '/usr/share/doc/libnginx-mod-http-cognito-identity/nginx.md.gz', 'nginx directive reference');
ok(-f '/usr/share/doc/libapache2-mod-cognito-identity/apache.md.gz', 'Apache directive reference');

# ------------------------------------------------- the system configurations

SKIP: {
    skip 'the system nginx configuration failed nginx -t before the install', 2
        if $ngx_t_before;
    my ($st, $out) = run('/usr/sbin/nginx', '-T');
    is($st, 0, 'nginx -t: the system configuration with the module enabled') or diag($out);
    like($out, qr{^load_module modules/ngx_http_cognito_identity_module\.so;}m,
         'nginx -T shows the module loaded through modules-enabled');
}
SKIP: {
    skip 'the system Apache configuration failed apache2ctl -t before the install', 2
        if $ap_t_before;
    my ($st, $out) = run('/usr/sbin/apache2ctl', '-t');
    is($st, 0, 'apache2ctl -t: the system configuration with the module enabled')
        or diag($out);
    ($st, $out) = run('/usr/sbin/apache2ctl', '-M');
    like($out, qr/^\s*cognito_identity_module \(shared\)/m, 'apache2ctl -M lists it');
}

# The enabled snippet, included from a configuration of our own with nginx's
# default prefix (so that "modules/" resolves as for the system's nginx):
# the module's directives are known.
{
    my $dir = tempdir('cigpkg-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    CigTest::_spew("$dir/nginx.conf", <<"CONF");
include /etc/nginx/modules-enabled/*.conf;
pid $dir/nginx.pid;
error_log $dir/error.log;
events {}
http {
    server {
        listen 127.0.0.1:1;
        cognito_identity_pool eu-west-1:b45b9729-c269-4ef2-86f1-0df3e40fe92d;
        cognito_identity_key_file $root/t/keys/jwks-k1k2.json;
        location / { cognito_identity "api"; }
    }
}
CONF
    my ($st, $out) = run('/usr/sbin/nginx', '-t', '-c', "$dir/nginx.conf");
    is($st, 0, 'nginx -t: the modules-enabled snippet makes cognito_identity_* known')
        or diag($out);
}

# ---------------------------------------------- requests through each server

$ENV{CIG_MODULE} = $NGX_SO;
$ENV{CIG_APACHE_MODULE} = $AP_SO;
require CigToken;
CigToken->import;
require CigApache;
CigApache->import;

my $token = CigToken::cognito_token();

{
    is(CigTest::module_path(), $NGX_SO, 'nginx is started with the installed module');
    my $srv = CigTest::start_nginx(<<'CONF');
    server {
        listen 127.0.0.1:%%PORT%%;
        root %%DIR%%/html;
        cognito_identity_pool eu-west-1:b45b9729-c269-4ef2-86f1-0df3e40fe92d;
        cognito_identity_key_file %%ROOT%%/t/keys/jwks-k1k2.json;
        location / {
            cognito_identity "api";
            add_header X-Identity $cognito_identity_id always;
        }
    }
CONF
    like(CigTest::_slurp($srv->conf), qr{^load_module \Q$NGX_SO\E;}m,
         'its configuration loads /usr/lib/nginx/modules/...');
    CigTest::check($srv, { headers => { Authorization => "Bearer $token" },
                           status => 200, body_is => "ok\n",
                           headers_like => { 'x-identity' => CigToken::IDENTITY() } },
                   'nginx, installed module: valid token');
    CigTest::check($srv, { status => 401,
                           headers_like => { 'www-authenticate' => qr/^Bearer realm="api"/ } },
                   'nginx, installed module: no token');
    $srv->stop;
}

{
    # the module loaded by the .load file a2enmod enabled, as the system's
    # apache2.conf would (IncludeOptional mods-enabled/*.load)
    my $srv = CigApache::start_apache(<<'CONF', no_module => 1);
Include /etc/apache2/mods-enabled/cognito_identity.load
CognitoIdentityPool eu-west-1:b45b9729-c269-4ef2-86f1-0df3e40fe92d
CognitoIdentityKeyFile %%ROOT%%/t/keys/jwks-k1k2.json
Header always set X-Identity "%{COGNITO_IDENTITY_ID}e" env=COGNITO_IDENTITY_ID
<Location />
    AuthType CognitoIdentity
    AuthName "api"
    Require cognito-identity
</Location>
CONF
    my $conf = CigTest::_slurp($srv->conf);
    unlike($conf, qr{^LoadModule cognito_identity_module}m,
           'the Apache configuration has no LoadModule of its own');
    CigTest::check($srv, { path => '/index.html',
                           headers => { Authorization => "Bearer $token" },
                           status => 200, body_is => "ok\n",
                           headers_like => { 'x-identity' => CigToken::IDENTITY() } },
                   'Apache, installed module: valid token');
    CigTest::check($srv, { path => '/index.html', status => 401,
                           headers_like => { 'www-authenticate' => qr/^Bearer realm="api"/ } },
                   'Apache, installed module: no token');
    $srv->stop;
}

# -------------------------------------------------------- the simulator

{
    my $ex = '/usr/share/doc/cognito-identity-tools/examples';
    my $id = 'eu-west-1:9539224f-5cd4-4923-a426-d6078ef34b7a';
    my @base = ('--claims', qq({"sub":"$id","aud":"eu-west-1:b45b9729-c269-4ef2-86f1-0df3e40fe92d","amr":["unauthenticated"]}),
                '--roles', "$ex/identity-pool-roles.json",
                '--policy', 'arn:aws:iam::123456789012:role/Cognito_ExampleUnauth_Role',
                "$ex/s3-per-user.json", '--mode', 's3', '--method', 'GET');
    my ($st, $out) = run($SIM, @base, '--uri', "/mybucket/$id/photo.jpg");
    is($st, 0, 'installed simulator: own object allowed (exit 0)') or diag($out);
    like($out, qr/^decision: allow$/m, 'installed simulator: says allow');
    ($st, $out) = run($SIM, @base, '--uri', '/mybucket/eu-west-1:00000000-0000-0000-0000-000000000000/photo.jpg');
    is($st, 1, 'installed simulator: another identity\'s object denied (exit 1)') or diag($out);
    ($st, $out) = run($SIM, '--no-such-option');
    is($st, 2, 'installed simulator: bad input (exit 2)');
    ($st, $out) = run($SIM, '--help');
    is($st, 0, 'installed simulator: --help');
    like($out, qr/usage: cognito-identity-simulate/, '--help prints the usage');
}

# --------------------------------------------- remove, reinstall, purge

{
    my ($st, $out) = run('dpkg', '-r', @PKGS[0, 1]);
    is($st, 0, 'dpkg -r the two modules') or diag($out);
    ok(!-e $NGX_SO && !-l $NGX_LINK, 'nginx: module and its enabled link gone');
    ok(-l "$NGX_LINK.removed", 'nginx: link kept as .removed, as Debian\'s packages do');
    ok(!-e "$AP_EN/cognito_identity.load" && !-e "$AP_EN/cognito_identity.conf",
       'Apache: a2dismod\'ed');
    ok(-f "$AP_AVAIL/cognito_identity.load", 'Apache: conffiles kept until purge');
    SKIP: {
        skip 'system nginx configuration was failing before', 1 if $ngx_t_before;
        ($st, $out) = run('/usr/sbin/nginx', '-t', '-q');
        is($st, 0, 'nginx -t after removal') or diag($out);
    }

    ($st, $out) = run('dpkg', '-i', @debs[0, 1]);
    is($st, 0, 'reinstall') or diag($out);
    ok(-l $NGX_LINK && !-l "$NGX_LINK.removed", 'nginx: re-enabled after reinstall');
    ok(-l "$AP_EN/cognito_identity.load", 'Apache: re-enabled after reinstall');
}

{
    my ($st, $out) = purge();
    is($st, 0, 'dpkg -P the three packages') or diag($out);
    $installed_here = 0 if $st == 0;
    ok(!installed($_), "$_ purged") for @PKGS;
    for my $f ($NGX_SO, $NGX_AVAIL, $NGX_LINK, "$NGX_LINK.removed", $AP_SO,
               "$AP_AVAIL/cognito_identity.load", "$AP_AVAIL/cognito_identity.conf",
               "$AP_EN/cognito_identity.load", "$AP_EN/cognito_identity.conf", $SIM,
               '/usr/share/man/man1/cognito-identity-simulate.1.gz',
               map({ "/usr/share/doc/$_" } @PKGS)) {
        ok(!-e $f && !-l $f, "gone after purge: $f");
    }
    is(listing('/etc/nginx/modules-enabled'), $before{ngx_enabled},
       'modules-enabled as before');
    is(listing($AP_EN), $before{ap_enabled}, 'mods-enabled as before');
    is(apache_state(), $before{ap_state}, 'apache2-maintscript-helper state as before');
    SKIP: {
        skip 'system nginx configuration was failing before', 1 if $ngx_t_before;
        ($st, $out) = run('/usr/sbin/nginx', '-t', '-q');
        is($st, 0, 'nginx -t after purge') or diag($out);
    }
    SKIP: {
        skip 'system Apache configuration was failing before', 1 if $ap_t_before;
        ($st, $out) = run('/usr/sbin/apache2ctl', '-t');
        is($st, 0, 'apache2ctl -t after purge') or diag($out);
    }
}

done_testing;
