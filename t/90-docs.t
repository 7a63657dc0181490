# SPDX-License-Identifier: BSD-2-Clause
# docs/nginx.md against the code: every directive of the command table has a
# section with Syntax, Default and Context rows, the contexts and argument
# counts agree with the table's flags, every registered variable is listed
# under "Embedded Variables", and nothing is documented that does not exist.
# Core Perl only; needs neither nginx nor the built module.

use strict;
use warnings;

use Test::More;

my $MODULE = 'ngx_http_cognito_identity_module/ngx_http_cognito_identity_module.c';
my $VARS = 'ngx_http_cognito_identity_module/ngx_http_cognito_identity_variables.c';
# the status module in the same .so: its directive and variables follow
my $STATUS = 'ngx_http_cognito_identity_module/ngx_http_cognito_identity_status.c';
my $DOC = 'docs/nginx.md';
my $INF = 9**9**9;

sub slurp {
    my ($path) = @_;
    open my $fh, '<', $path or BAIL_OUT("cannot read $path: $!");
    local $/;
    return scalar <$fh>;
}

sub strip_c_comments {
    my ($s) = @_;
    $s =~ s{/\*.*?\*/}{ }gs;
    return $s;
}

# --- the code -------------------------------------------------------------

my %CONTEXT = (
    NGX_HTTP_MAIN_CONF => 'http',
    NGX_HTTP_SRV_CONF  => 'server',
    NGX_HTTP_LOC_CONF  => 'location',
    NGX_HTTP_LMT_CONF  => 'limit_except',
    NGX_HTTP_SIF_CONF  => 'if in server',
    NGX_HTTP_LIF_CONF  => 'if in location',
    NGX_HTTP_UPS_CONF  => 'upstream',
);

# allowed argument counts per NGX_CONF_* flag: [min, max]
my %ARGS = (
    NGX_CONF_NOARGS   => [0, 0],
    NGX_CONF_TAKE1    => [1, 1],
    NGX_CONF_TAKE2    => [2, 2],
    NGX_CONF_TAKE3    => [3, 3],
    NGX_CONF_TAKE4    => [4, 4],
    NGX_CONF_TAKE5    => [5, 5],
    NGX_CONF_TAKE6    => [6, 6],
    NGX_CONF_TAKE7    => [7, 7],
    NGX_CONF_TAKE12   => [1, 2],
    NGX_CONF_TAKE13   => [1, 3],
    NGX_CONF_TAKE23   => [2, 3],
    NGX_CONF_TAKE123  => [1, 3],
    NGX_CONF_TAKE1234 => [1, 4],
    NGX_CONF_FLAG     => [1, 1],
    NGX_CONF_1MORE    => [1, $INF],
    NGX_CONF_2MORE    => [2, $INF],
    NGX_CONF_ANY      => [0, $INF],
);

my $src = strip_c_comments(slurp($MODULE));
my ($table) = $src =~ /ngx_command_t\s+ngx_http_cognito_identity_commands\[\]\s*=\s*\{(.*?)ngx_null_command/s;
ok(defined $table, "found ngx_http_cognito_identity_commands[] in $MODULE")
    or BAIL_OUT('no command table');
my $ssrc = strip_c_comments(slurp($STATUS));
my ($stable) = $ssrc =~ /ngx_command_t\s+\w+_status_commands\[\]\s*=\s*\{(.*?)ngx_null_command/s;
ok(defined $stable, "found the command table in $STATUS")
    or BAIL_OUT('no status command table');
$table .= $stable;

my (@directives, %cmd);
while ($table =~ /\{\s*ngx_string\("([^"]+)"\)\s*,\s*([^,]+?)\s*,/gs) {
    my ($name, $flags) = ($1, $2);
    my @flags = $flags =~ /\b(NGX_(?:HTTP|CONF)_\w+)\b/g;
    my @ctx = map { $CONTEXT{$_} } grep { /^NGX_HTTP_\w+_CONF$/ } @flags;
    my @unknown = grep { !exists $CONTEXT{$_} && !exists $ARGS{$_}
                         && !/^NGX_CONF_(BLOCK|MULTI)$/ } @flags;
    my ($min, $max) = ($INF, -1);
    for my $f (grep { exists $ARGS{$_} } @flags) {
        $min = $ARGS{$f}[0] if $ARGS{$f}[0] < $min;
        $max = $ARGS{$f}[1] if $ARGS{$f}[1] > $max;
    }
    push @directives, $name;
    $cmd{$name} = { contexts => [sort @ctx], min => $min, max => $max,
                    flag => (grep { $_ eq 'NGX_CONF_FLAG' } @flags) ? 1 : 0,
                    unknown => \@unknown };
}

cmp_ok(scalar @directives, '>', 0, 'the command table lists directives');
for my $d (@directives) {
    is_deeply($cmd{$d}{unknown}, [], "$d: every flag in the table is understood");
}

my $vsrc = strip_c_comments(slurp($VARS));
my ($vtable) = $vsrc =~ /ngx_http_variable_t\s+\w+\[\]\s*=\s*\{(.*?)ngx_http_null_variable/s;
ok(defined $vtable, "found the variables table in $VARS")
    or BAIL_OUT('no variables table');
my ($svtable) = $ssrc =~ /ngx_http_variable_t\s+\w+\[\]\s*=\s*\{(.*?)ngx_http_null_variable/s;
ok(defined $svtable, "found the variables table in $STATUS")
    or BAIL_OUT('no status variables table');
$vtable .= $svtable;

my (@variables, %prefix_var);
while ($vtable =~ /\{\s*ngx_string\("([^"]+)"\)([^{}]*)\}/gs) {
    my ($name, $rest) = ($1, $2);
    push @variables, $name;
    $prefix_var{$name} = 1 if $rest =~ /NGX_HTTP_VAR_PREFIX/;
}
cmp_ok(scalar @variables, '>', 0, 'the variables table lists variables');

sub real_variable {
    my ($name) = @_;
    return 1 if grep { $_ eq $name } @variables;
    return scalar grep { index($name, $_) == 0 } keys %prefix_var;
}

# --- the page ------------------------------------------------------------

my $doc = slurp($DOC);
my @lines = split /\n/, $doc;

# sections: "## Title" and "### title" with their text, fenced code skipped
my (@h3, %section, %h2text);
{
    my ($fence, $h2, $h3) = (0, '', undef);
    for my $line (@lines) {
        if ($line =~ /^\s*```/) {
            $fence = !$fence;
        }
        if (!$fence && $line =~ /^##\s+(.+?)\s*$/ && $line !~ /^###/) {
            ($h2, $h3) = ($1, undef);
            $h2text{$h2} = '';
            next;
        }
        if (!$fence && $line =~ /^###\s+(.+?)\s*$/ && $line !~ /^####/) {
            $h3 = $1;
            push @h3, $h3;
            $section{$h3} .= '';
            next;
        }
        $h2text{$h2} .= "$line\n" if length $h2;
        $section{$h3} .= "$line\n" if defined $h3;
    }
}

my %is_directive = map { $_ => 1 } @directives;
my @missing = grep { !exists $section{$_} } @directives;
my @extra = grep { !$is_directive{$_} } @h3;

is_deeply(\@missing, [], 'every directive has a "### name" section')
    or diag("missing in $DOC: @missing");
is_deeply(\@extra, [], 'every "### name" section is a directive')
    or diag("not in the command table: @extra");

my @documented = grep { $is_directive{$_} } @h3;
is_deeply(\@documented, [grep { exists $section{$_} } @directives],
          'directive sections are in the order of the command table');

my %seen;
my @twice = grep { $seen{$_}++ == 1 } @h3;
is_deeply(\@twice, [], 'no directive has two sections');

# a table row "| **Label:** | value |"
sub row {
    my ($text, $label) = @_;
    my ($v) = $text =~ /^\|\s*\*\*\Q$label\E:\*\*\s*\|\s*(.*?)\s*\|\s*$/m;
    return $v;
}

# Argument counts of a syntax line: alternatives are separated by " | ";
# a [bracketed] word is optional, a "..." word repeats the one before it.
sub arg_range {
    my ($syntax) = @_;
    my ($min, $max) = ($INF, -1);

    for my $alt (split /\s+\|\s+/, $syntax) {
        my @words;
        my ($depth, $cur) = (0, '');
        for my $c (split //, $alt) {
            $depth++ if $c eq '[';
            $depth-- if $c eq ']';
            if ($c =~ /\s/ && $depth == 0) {
                push @words, $cur if length $cur;
                $cur = '';
                next;
            }
            $cur .= $c;
        }
        push @words, $cur if length $cur;

        my ($lo, $hi) = (0, 0);
        for my $w (@words) {
            if ($w eq '...') {
                $hi = $INF;
            } elsif ($w =~ /^\[.*\]$/) {
                $hi += ($w =~ /\.\.\./) ? $INF : 1;
            } else {
                $lo++;
                $hi++;
            }
        }
        $min = $lo if $lo < $min;
        $max = $hi if $hi > $max;
    }

    return ($min, $max);
}

for my $d (grep { exists $section{$_} } @directives) {
    my $text = $section{$d};
    my $syntax = row($text, 'Syntax');
    my $default = row($text, 'Default');
    my $context = row($text, 'Context');

    ok(defined $syntax && length $syntax, "$d: Syntax row");
    ok(defined $default && length $default, "$d: Default row");
    ok(defined $context && length $context, "$d: Context row");
    next unless defined $syntax && defined $context;

    my @ctx = sort grep { length }
              map { my $c = $_; $c =~ s/[`*]//g; $c =~ s/^\s+|\s+$//g; $c }
              split /,/, $context;
    is_deeply(\@ctx, $cmd{$d}{contexts},
              "$d: Context is what the command table allows")
        or diag("documented: @ctx; table: @{ $cmd{$d}{contexts} }");

    $syntax =~ s/\\\|/|/g;
    my @forms = $syntax =~ /`([^`]+)`/g;
    ok(@forms > 0, "$d: Syntax is given as code");

    my ($min, $max) = ($INF, -1);
    for my $form (@forms) {
        like($form, qr/^\Q$d\E(\s|;)/, "$d: Syntax \"$form\" names the directive");
        like($form, qr/;$/, "$d: Syntax \"$form\" ends with ';'");
        (my $args = $form) =~ s/^\Q$d\E\s*//;
        $args =~ s/;$//;
        my ($lo, $hi) = arg_range($args);
        $min = $lo if $lo < $min;
        $max = $hi if $hi > $max;
    }

    if ($cmd{$d}{flag}) {
        is_deeply(\@forms, ["$d on | off;"], "$d: a flag is documented as on | off");
    } elsif ($cmd{$d}{max} < $INF) {
        is("$min..$max", "$cmd{$d}{min}..$cmd{$d}{max}",
           "$d: Syntax takes as many parameters as the table allows");
    } else {
        # nginx takes any number; the handler sets the real bounds
        cmp_ok($min, '>=', $cmd{$d}{min},
               "$d: Syntax requires at least the table's minimum of parameters");
        cmp_ok($max, '>', $min,
               "$d: Syntax shows optional or repeated parameters, as the table allows");
    }
}

# in nginx examples, every cognito_identity* statement is a directive
{
    my (%bad, $lang);
    for my $line (@lines) {
        if ($line =~ /^\s*```\s*(\w*)/) {
            $lang = defined $lang ? undef : $1;
            next;
        }
        next unless defined $lang && $lang eq 'nginx';
        $bad{$1}++ if $line =~ /^\s*(cognito_identity\w*)\s/ && !$is_directive{$1};
    }
    is_deeply([sort keys %bad], [], "nginx examples in $DOC use real directives")
        or diag('unknown: ' . join(' ', sort keys %bad));
}

# elsewhere, a cognito_identity* name is a directive or a name the
# connector spells out (a zone name, say)
{
    my %spelled;
    for my $f (glob 'ngx_http_cognito_identity_module/*.[ch]') {
        my $text = slurp($f);
        $spelled{$1}++ while $text =~ /"(cognito_identity\w*)/g;
    }
    my %bad;
    while ($doc =~ /(?<![\w\$\-\/.])(cognito_identity(?:_[a-z0-9]+)*)(?![\w\-])/g) {
        $bad{$1}++ unless $is_directive{$1} || $spelled{$1};
    }
    is_deeply([sort keys %bad], [], "every cognito_identity* name in $DOC exists")
        or diag('unknown: ' . join(' ', sort keys %bad));
}

# links within the page lead somewhere
{
    my %anchor;
    for my $line (@lines) {
        next unless $line =~ /^#+\s+(.+?)\s*$/;
        (my $a = lc $1) =~ s/[^a-z0-9 _-]//g;
        $a =~ s/ /-/g;
        $anchor{$a} = 1;
    }
    my %bad;
    while ($doc =~ /\]\(#([^)]+)\)/g) {
        $bad{$1}++ unless $anchor{$1};
    }
    is_deeply([sort keys %bad], [], "every #link in $DOC has its heading")
        or diag('no heading for: ' . join(' ', sort keys %bad));
}

# --- variables -----------------------------------------------------------

my ($vsection) = grep { /^Embedded Variables$/i } keys %h2text;
ok(defined $vsection, 'an "Embedded Variables" section')
    or BAIL_OUT('no variables section');

my %listed;
for my $line (split /\n/, $h2text{$vsection}) {
    next unless $line =~ /^\s*[-*]\s+`\$(cognito_identity_[a-z0-9_]*)(<name>|NAME|\*name\*)?`/;
    my ($name, $suffix) = ($1, $2);
    $listed{$name} = defined $suffix ? 'prefix' : 'plain';
}

my @vmissing;
for my $v (@variables) {
    my $want = $prefix_var{$v} ? 'prefix' : 'plain';
    push @vmissing, $prefix_var{$v} ? "\$${v}<name>" : "\$$v"
        unless ($listed{$v} // '') eq $want
               || ($prefix_var{$v} && ($listed{$v} // '') eq 'plain');
}
is_deeply(\@vmissing, [], 'every variable is listed under Embedded Variables')
    or diag("missing: @vmissing");

my @vextra = grep {
    my $l = $_;
    !(grep { $_ eq $l } @variables)
} sort keys %listed;
is_deeply(\@vextra, [], 'every listed variable is registered by the module')
    or diag('not registered: ' . join(' ', map { "\$$_" } @vextra));

{
    my %bad;
    while ($doc =~ /\$(cognito_identity_\w*)/g) {
        $bad{$1}++ unless real_variable($1);
    }
    is_deeply([sort keys %bad], [], "every variable used in $DOC exists")
        or diag('unknown: ' . join(' ', map { "\$$_" } sort keys %bad));
}

# --- README --------------------------------------------------------------

like(slurp('README.md'), qr{docs/nginx\.md}, 'README.md points to docs/nginx.md');

done_testing();
