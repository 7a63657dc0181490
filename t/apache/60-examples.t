# SPDX-License-Identifier: BSD-2-Clause
# examples/apache/cognito-identity.conf passes "apache2 -t" (with its paths
# pointed at this repository's files), and docs/apache.md documents every
# directive of the module's command table, and nothing else.

use strict;
use warnings;

use lib 't/lib';
use CigApache;
use CigTest -nomodule;
use Test::More;

my $root = repo_root();

my $example = CigTest::_slurp("$root/examples/apache/cognito-identity.conf");
ok(length $example, 'the example exists');

(my $conf = $example) =~ s{^LoadModule cognito_identity_module .*\n}{}m;
$conf =~ s{/etc/apache2/cognito/identity-pool-roles\.json}{$root/t/roles/pool-roles.json};
$conf =~ s{/etc/apache2/cognito/s3-per-user\.json}{$root/examples/policies/per-user-files.json};
$conf =~ s{/etc/apache2/cognito/user-pool-jwks\.json}{$root/t/keys/jwks-k1-login.json};
unlike(join('', grep { !/^\s*#/ } split /^/, $conf), qr{/etc/apache2}, 'every path of the example is replaced');

apache_config_ok($conf, 'examples/apache/cognito-identity.conf passes apache2 -t',
                 modules => [qw(proxy proxy_http socache_shmcb)]);

# --- docs/apache.md against the command table

my $src = CigTest::_slurp("$root/apache_mod/mod_cognito_identity.c");
my @directives = $src =~ /AP_INIT_\w+\(\s*"(CognitoIdentity\w+)"/g;
# the context argument of each: MCI_CONTEXT (server, virtual host,
# directory) or RSRC_CONF (checked GLOBAL_ONLY: the main server only)
my %ctx = $src =~ /AP_INIT_\w+\(\s*"(CognitoIdentity\w+)".*?\b(MCI_CONTEXT|RSRC_CONF|ACCESS_CONF|OR_\w+)\b/gs;
cmp_ok(scalar @directives, '>', 10, 'the command table lists directives');

my $doc = CigTest::_slurp("$root/docs/apache.md");
my @sections = $doc =~ /^### (\S+)\s*$/mg;
my %section = map { $_ => 1 } @sections;

is_deeply([grep { !$section{$_} } @directives], [], 'every directive has a "### Name" section');
my %is = map { $_ => 1 } @directives;
is_deeply([grep { !$is{$_} && /^CognitoIdentity/ } @sections], [], 'every CognitoIdentity section is a directive');

for my $d (@directives) {
    my ($text) = $doc =~ /^### \Q$d\E\s*\n(.*?)(?=^##)/ms;
    like($text // '', qr/\*\*Syntax:\*\*.*`\Q$d\E/, "$d: Syntax row");
    like($text // '', qr/\*\*Default:\*\*/, "$d: Default row");
    if (($ctx{$d} // '') eq 'RSRC_CONF') {
        like($text // '', qr/\*\*Context:\*\*\s*\|\s*server config\s*\|/,
             "$d: Context is server config");
    } else {
        is($ctx{$d}, 'MCI_CONTEXT', "$d: the command table gives MCI_CONTEXT");
        like($text // '', qr/\*\*Context:\*\*\s*\|\s*server config, virtual host, directory\s*\|/,
             "$d: Context is server config, virtual host, directory (never .htaccess)");
    }
}

my %words = map { $_ => 1 } $doc =~ /\b(CognitoIdentity[A-Z]\w*)/g;
is_deeply([grep { !$is{$_} } sort keys %words], [], 'docs/apache.md names no directive that does not exist');

for my $p (qw(cognito-identity cognito-authenticated cognito-role cognito-policy cognito-pool)) {
    like($src . CigTest::_slurp("$root/apache_mod/mci_authn.c"), qr/"\Q$p\E"/, "Require $p is registered");
    like($doc, qr/^### Require \Q$p\E/m, "Require $p is documented");
}

done_testing();
