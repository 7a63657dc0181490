# SPDX-License-Identifier: BSD-2-Clause
# docs/apache.md against the Apache module's code: every directive of the
# command table has a section with Syntax, Default and Context rows whose
# context matches the table's (and never .htaccess where the table does not
# allow it), every Require provider registered has its section, every
# environment variable the module sets is listed under "Environment", and
# nothing is documented that does not exist.  Core Perl only.

use strict;
use warnings;

use Test::More;

my $DOC = 'docs/apache.md';
my @SRC = glob('apache_mod/*.c');

sub slurp {
    my ($path) = @_;
    open my $fh, '<', $path or BAIL_OUT("cannot read $path: $!");
    local $/;
    return scalar <$fh>;
}

my $code = join "\n", map { my $s = slurp($_); $s =~ s{/\*.*?\*/}{ }gs; $s } @SRC;
my $doc = slurp($DOC);

# --- the code -------------------------------------------------------------

my %defines;
while ($code =~ /^#define\s+(\w+)\s+\(?([A-Z_|\s]+?)\)?\s*$/mg) {
    $defines{$1} = $2;
}

my %KIND_ARGS = (
    TAKE1 => [1, 1], TAKE2 => [2, 2], TAKE3 => [3, 3], TAKE12 => [1, 2],
    TAKE13 => [1, 3], TAKE23 => [2, 3], TAKE123 => [1, 3], FLAG => [1, 1],
    ITERATE => [1, 99], ITERATE2 => [2, 99], TAKE_ARGV => [0, 99],
    RAW_ARGS => [0, 99], NO_ARGS => [0, 0],
);

my (%cmd, @order);
while ($code =~ /AP_INIT_(\w+)\(\s*"([^"]+)"\s*,\s*(\w+)\s*,\s*(.*?),\s*([A-Z_|\s()]+?)\s*,\s*"/sg) {
    my ($kind, $name, $fn, $ctx) = ($1, $2, $3, $5);
    $ctx =~ s/[()\s]//g;
    my @flags = map { exists $defines{$_} ? split(/[|\s]+/, $defines{$_}) : $_ }
                split /\|/, $ctx;
    @flags = grep { length } @flags;
    $cmd{$name} = { kind => $kind, fn => $fn,
                    flags => { map { $_ => 1 } @flags } };
    # httpd's own directives, which the module also reads (mci_merging.c)
    # to know how mod_authz_core merges sections: documented by httpd
    next if $name eq 'AuthMerging' || $name eq 'Require';
    push @order, $name;
}

# handlers that refuse anything but the main server
my %global_only;
for my $src (@SRC) {
    my $s = slurp($src);
    while ($s =~ /^(\w+)\(cmd_parms\b[^{]*\{(.*?)^\}/msg) {
        my ($fn, $body) = ($1, $2);
        $global_only{$fn} = 1 if $body =~ /ap_check_cmd_context\(\s*cmd\s*,\s*GLOBAL_ONLY\s*\)/;
    }
}
ok(@order >= 10, 'found the directive table (' . scalar(@order) . ' directives)')
    or BAIL_OUT('no AP_INIT_* entries found');

my %providers = map { $_ => 1 }
    $code =~ /ap_register_auth_provider\(\s*\w+\s*,\s*AUTHZ_PROVIDER_GROUP\s*,\s*"([^"]+)"/g;
ok(keys %providers >= 1, 'found the Require providers: '
   . join(' ', sort keys %providers));

my %env = map { $_ => 1 }
    $code =~ /apr_table_setn\(\s*[^,]+,\s*"(COGNITO_IDENTITY_[A-Z_]+)"/g;
ok(keys %env >= 5, 'found the environment variables: ' . join(' ', sort keys %env));

# --- the documentation ------------------------------------------------------

my ($dirs) = $doc =~ /^## Directives\n(.*?)(?=^## )/ms;
ok(defined $dirs, "$DOC has a Directives chapter") or BAIL_OUT('no Directives');

my %section;
for my $part (split /^### /m, $dirs) {
    my ($title) = $part =~ /\A(\S+)/ or next;
    next unless $title =~ /^[A-Z]\w+$/;
    $section{$title} = $part;
}

for my $name (@order) {
    my $s = $section{$name};
    ok(defined $s, "$name is documented") or next;
    my ($syntax)  = $s =~ /^\|\s*\*\*Syntax:\*\*\s*\|\s*(.*?)\s*\|\s*$/m;
    my ($default) = $s =~ /^\|\s*\*\*Default:\*\*\s*\|\s*(.*?)\s*\|\s*$/m;
    my ($context) = $s =~ /^\|\s*\*\*Context:\*\*\s*\|\s*(.*?)\s*\|\s*$/m;
    ok(defined $syntax && $syntax =~ /^`\Q$name\E(\s|`)/,
       "$name: Syntax row starts with the directive")
        or diag('syntax: ' . ($syntax // 'none'));
    ok(defined $default, "$name: Default row");
    ok(defined $context, "$name: Context row") or next;

    my $f = $cmd{$name}{flags};
    my @want;
    push @want, 'server config' if $f->{RSRC_CONF};
    push @want, 'virtual host'
        if $f->{RSRC_CONF} && !$global_only{$cmd{$name}{fn}};
    push @want, 'directory' if $f->{ACCESS_CONF};
    my $htaccess = grep { /^OR_/ } keys %$f;
    push @want, '.htaccess' if $htaccess;
    my @have = map { s/^\s+|\s+$//gr } split /,/, $context;
    is(join(', ', @have), join(', ', @want), "$name: context as in the code");

    if ($cmd{$name}{kind} eq 'FLAG') {
        like($syntax, qr/On\\?\|Off/, "$name: a flag's syntax says On|Off");
    }

    ok($s =~ /\*\*Example:\*\*|```apache/, "$name: has an example");
}

for my $title (sort keys %section) {
    ok(exists $cmd{$title}, "documented directive $title exists in the code");
}

# --- Require providers ----------------------------------------------------

my %req_doc = map { $_ => 1 } $doc =~ /^### Require (\S+)/mg;
for my $p (sort keys %providers) {
    ok($req_doc{$p}, "Require $p is documented");
}
for my $p (sort keys %req_doc) {
    ok($providers{$p}, "documented Require $p is registered");
}

# --- environment ------------------------------------------------------------

my ($envdoc) = $doc =~ /^## Environment\n(.*?)(?=^## )/ms;
ok(defined $envdoc, "$DOC has an Environment chapter") or BAIL_OUT('no Environment');
my %env_doc = map { $_ => 1 } $envdoc =~ /`(COGNITO_IDENTITY_[A-Z_]+)`/g;
for my $v (sort keys %env) {
    ok($env_doc{$v}, "environment variable $v is documented");
}
for my $v (sort keys %env_doc) {
    ok($env{$v}, "documented environment variable $v is set by the code");
}

done_testing();
