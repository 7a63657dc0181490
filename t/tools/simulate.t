# SPDX-License-Identifier: BSD-2-Clause
# The policy simulator answers every shared decision case (t/decisions) as
# the core's tests and both servers do: same decision, same statement, and
# exit status 0 for allow, 1 for deny, 2 for bad input.

use strict;
use warnings;

use lib 't/lib';
use JSON::PP;
use Test::More;

use CigTest -nomodule;

my $root = repo_root();
my $sim = $ENV{CIG_SIMULATE} || "$root/build/cognito-identity-simulate";
plan skip_all => "simulator not built: make simulate" unless -x $sim;

my $ROLE = 'arn:aws:iam::123456789012:role/DecisionCases';

sub run {
    my (@args) = @_;
    open my $fh, '-|', $sim, @args or die "cannot run $sim: $!";
    local $/;
    my $out = <$fh>;
    close $fh;
    return ($? >> 8, $out);
}

# the same, with standard error in the output
sub run_err {
    my (@args) = @_;
    my $pid = open my $fh, '-|' // die "fork: $!";
    if (!$pid) {
        open STDERR, '>&', \*STDOUT or die;
        exec $sim, @args or exit 127;
    }
    local $/;
    my $out = <$fh>;
    close $fh;
    return ($? >> 8, $out);
}

for my $file (sort glob("$root/t/decisions/*.json")) {
    my $doc = do { local (@ARGV, $/) = $file; decode_json(<>) };
    (my $name = $file) =~ s{.*/}{};

    my @base = (map({ ('--policy', $ROLE, "$root/$_") } @{ $doc->{policies} }),
                '--role', 'authenticated', $ROLE,
                '--role', 'unauthenticated', $ROLE,
                '--mode', $doc->{mode}, '--now', '1900000000', '--json');
    push @base, '--bucket', $doc->{bucket} if $doc->{bucket};
    push @base, '--arn-prefix', $doc->{arn_prefix} if $doc->{arn_prefix};

    for my $c (@{ $doc->{cases} }) {
        my $uri = $c->{path};
        $uri .= "?$c->{query}" if defined $c->{query} && length $c->{query};
        utf8::encode($uri);

        my @args = (@base, '--claims', encode_json($c->{claims}),
                    '--method', $c->{method}, '--uri', $uri,
                    '--source-ip', $c->{source_ip} // '127.0.0.1');
        push @args, '--secure' if $c->{secure};
        push @args, '--tls-version', $c->{tls_version} if $c->{tls_version};
        if (defined $c->{body}) {
            my $b = $c->{body};
            utf8::encode($b);
            push @args, '--body', $b;
        }
        for my $h (sort keys %{ $c->{headers} // {} }) {
            my $v = "$h: $c->{headers}{$h}";
            utf8::encode($v);
            push @args, '--header', $v;
        }

        my ($rc, $out) = run(@args);
        my $r = eval { decode_json($out) } // {};
        my $label = "$name: $c->{name}";

        is($rc, $c->{expect} eq 'allow' ? 0 : 1, "$label: exit status");
        is($r->{decision}, $c->{expect}, "$label: decision") or diag($out);

        if (defined $c->{statement} && $c->{expect} =~ /allow|deny/) {
            is($r->{statement}, $c->{statement}, "$label: statement");
        }
    }
}

# Bad input is exit status 2.
my ($rc) = run('--mode', 's3');
is($rc, 2, 'missing arguments: exit status 2');
($rc) = run('--claims', '{"sub":', '--mode', 's3', '--uri', '/');
is($rc, 2, 'malformed claims: exit status 2');
($rc) = run('--claims', '{"sub":"eu-west-1:9539224f-5cd4-4923-a426-d6078ef34b7a","aud":"eu-west-1:b45b9729-c269-4ef2-86f1-0df3e40fe92d","amr":["unauthenticated"]}',
            '--policy', $ROLE, "$root/t/nope.json", '--mode', 's3', '--uri', '/b/k');
is($rc, 2, 'a missing policy file: exit status 2');

# A token, verified as the servers verify it.
my $tok = do {
    require CigToken;
    CigToken::cognito_token();
};
my ($trc, $tout) = run('--token', $tok, '--keys', "$root/t/keys/jwks-k1.json",
                       '--pool', CigToken::POOL(), '--role', 'authenticated', $ROLE,
                       '--policy', $ROLE, "$root/t/policies/s3-per-user.json",
                       '--mode', 's3', '--method', 'GET', '--json',
                       '--uri', '/mybucket/' . CigToken::IDENTITY() . '/a.txt');
is($trc, 0, 'a verified token: allowed');
my ($brc, $bout) = run('--token', "x$tok", '--keys', "$root/t/keys/jwks-k1.json",
                       '--pool', CigToken::POOL(), '--mode', 's3', '--json',
                       '--uri', '/mybucket/x');
is($brc, 1, 'a bad token: denied');
like($bout, qr/"error":"[^"]+"/, 'with the reason');

# The text output says why, statement by statement.
my ($xrc, $text) = run('--claims', '{"sub":"eu-west-1:9539224f-5cd4-4923-a426-d6078ef34b7a","aud":"eu-west-1:b45b9729-c269-4ef2-86f1-0df3e40fe92d","amr":["unauthenticated"]}',
                       '--role', 'unauthenticated', $ROLE,
                       '--policy', $ROLE, "$root/t/policies/s3-per-user.json",
                       '--mode', 's3', '--uri', '/mybucket/eu-west-1:00000000-0000-4000-8000-000000000000/a');
is($xrc, 1, 'text mode: denied');
like($text, qr{resources: arn:aws:s3:::mybucket/eu-west-1:9539224f-5cd4-4923-a426-d6078ef34b7a/\*},
     'text mode: the resource as substituted for this identity');
like($text, qr/decision: deny \(403\)/, 'text mode: the decision');

# --- --nginx-config: a location of a running server's `nginx -T` --------

use File::Temp qw(tempdir);

my $tmp = tempdir(CLEANUP => 1);
sub spew { my ($f, $t) = @_; open my $fh, '>', $f or die "$f: $!"; print $fh $t; close $fh }

# parsing, without a server: markers, include from the dump, relative
# paths from the main file's directory, quotes, escapes, comments
{
    my $ID = 'eu-west-1:9539224f-5cd4-4923-a426-d6078ef34b7a';
    my $POOL = 'eu-west-1:b45b9729-c269-4ef2-86f1-0df3e40fe92d';
    my $claims = qq({"sub":"$ID","aud":"$POOL","amr":["authenticated","graph.facebook.com"]});
    system('cp', "$root/t/policies/s3-per-user.json", "$tmp/policy.json") == 0 or die;
    my $dump = <<"DUMP";
nginx: the configuration file $tmp/nginx.conf syntax is ok
nginx: configuration file $tmp/nginx.conf test is successful
# configuration file $tmp/nginx.conf:
events { }
http {
    # cognito_identity_policy $ROLE /nonexistent.json;
    include conf.d/*.conf;
}

# configuration file $tmp/conf.d/a.conf:
server {
    listen 8080;
    server_name 'a.test' "b.test";
    cognito_identity_pool $POOL;
    cognito_identity_key_file keys.json;
    cognito_identity_role authenticated $ROLE;
    cognito_identity_policy $ROLE policy.json; # relative to $tmp
    location "/q\\"uoted/" {
        cognito_identity "r#1";
        cognito_identity_authorize s3;
    }
    location /p/ {
        cognito_identity 'p';
        cognito_identity_allow_prefix /p/\${cognito-identity.amazonaws.com:sub}/;
    }
}

DUMP
    spew("$tmp/dump.txt", $dump);
    my @base = ('--nginx-config', "$tmp/dump.txt", '--claims', $claims, '--json');
    my ($rc, $out) = run(@base, '--location', '/q"uoted/', '--uri', "/mybucket/$ID/x");
    is($rc, 0, 'parsed: a quoted location with an escape, relative policy path') or diag($out);
    ($rc, $out) = run(@base, '--location', '/q"uoted/', '--uri', "/mybucket/other/x");
    is($rc, 1, 'parsed: the policy of the included file decides');
    ($rc, $out) = run(@base, '--server', 'b.test', '--location', '/p/', '--uri', "/p/$ID/x");
    is($rc, 0, 'parsed: ${...} in an unquoted word, a server by its second name') or diag($out);
    ($rc, $out) = run(@base, '--server', 'a.test:8080', '--location', '/p/', '--uri', "/p/other/x");
    is($rc, 1, 'parsed: outside the prefix') or diag($out);
    like($out, qr/"status":403/, 'with 403');

    # from standard input, the same
    open my $fh, '-|', "$sim --nginx-config - --claims '$claims' --location /p/ --uri /p/$ID/x < $tmp/dump.txt"
        or die;
    local $/;
    my $o = <$fh>;
    close $fh;
    is($? >> 8, 0, 'from standard input') or diag($o);

    my @bad = (
        ['unterminated block', "http { server { location / {\n", qr/unexpected end of file/],
        ['text after a quote', "http { server { listen \"80\"x; } }\n", qr/unexpected "x"/],
        ['a stray brace', "http { }\n}\n", qr/unexpected "\}"/],
        ['no http block', "events { }\n", qr/no "http" block/],
        ['a missing include', "http { include /nonexistent/x.conf; }\n", qr/no such file/],
        ['not nginx -T output', "hello\n# configuration file /x/nginx.conf:\nhttp { }\n",
         qr/not nginx -T output/],
    );
    for my $b (@bad) {
        spew("$tmp/bad.conf", $b->[1]);
        my ($brc, $bout) = run_err('--nginx-config', "$tmp/bad.conf", '--claims', $claims,
                                   '--uri', '/');
        is($brc, 2, "bad input, $b->[0]: exit status 2");
        like($bout, $b->[2], "bad input, $b->[0]: says why");
    }
    my ($brc, $bout) = run_err(@base, '--location', '/nope/', '--uri', '/');
    is($brc, 2, 'an unknown location: exit status 2');
    like($bout, qr{no "location /nope/".*there are: "/q"uoted/" "/p/"}, 'and the locations there are');
    ($brc, $bout) = run_err(@base, '--server', 'c.test', '--uri', '/');
    is($brc, 2, 'an unknown server: exit status 2');
    ($brc, $bout) = run_err(@base, '--mode', 's3', '--uri', '/');
    is($brc, 2, '--mode with --nginx-config: exit status 2');
    like($bout, qr/come from the configuration/, 'and why');
    ($brc, $bout) = run_err('--nginx-config', "$tmp/none.conf", '--claims', $claims, '--uri', '/');
    is($brc, 2, 'a missing file: exit status 2');
    like($bout, qr/none\.conf: No such file/, 'named');

    # the deepest nesting allowed, with limit_except innermost (a stack
    # overflow found in review), and one level more
    for my $depth (16, 17) {
        my $conf = "# configuration file $tmp/deep.conf:\nhttp { server {\n"
                 . "cognito_identity_pool $POOL;\ncognito_identity_key_file keys.json;\n";
        $conf .= "location /l$_/ {\n" for 0 .. $depth - 1;
        $conf .= "cognito_identity 'deep';\nlimit_except GET { }\n";
        $conf .= "}\n" x $depth;
        $conf .= "} }\n";
        spew("$tmp/deep.conf", $conf);
        my @loc = map { ('--location', "/l$_/") } 0 .. $depth - 1;
        my ($drc, $dout) = run_err('--nginx-config', "$tmp/deep.conf", '--claims', $claims,
                                   @loc, '--method', 'POST', '--uri', '/l0/x');
        if ($depth == 16) {
            is($drc, 0, "$depth nested locations and limit_except: decided") or diag($dout);
        } else {
            is($drc, 2, "$depth nested locations: exit status 2");
            like($dout, qr/nest|location/i, 'and why') or diag($dout);
        }
    }

    # a large configuration that is not nginx -T output (its lines were
    # once each searched for the dump marker through the whole text)
    spew("$tmp/big.conf", ("# a comment line of some length, again and again\n" x 200000)
                          . "http { server { cognito_identity_pool $POOL; location /b/ { } } }\n");
    ($brc, $bout) = run_err('--nginx-config', "$tmp/big.conf", '--claims', $claims,
                            '--location', '/b/', '--uri', '/b/x');
    is($brc, 0, 'a 10 MB plain configuration is read') or diag(substr($bout, 0, 500));
}

# --- the location nginx chooses for a URI (no --location) ---------------
#
# The oracle is nginx itself: every location answers with its own name
# ("return" runs before any access check), and the simulator must name the
# same location for every URI: exact, then a "/x/" *_pass location that
# redirects "/x", then the longest prefix, stopping there with ^~; else the
# regular expressions nested in that prefix, then the outer ones, in
# configuration order; else the longest prefix.  Named locations never
# match; the URI is nginx's $uri (decoded, dot segments, merge_slashes).
{
    # [ "location args", name, [ nested ... ], extra directives ]
    my @locs = (
        ['= /', 'exact-root'],
        ['/', 'root'],
        ['= /exact', 'exact'],
        ['/exact', 'exact-prefix'],
        ['/docs/', 'docs', [
            ['/docs/deep/', 'docs-deep'],
            ['~ \.txt$', 'docs-txt'],
            ['^~ /docs/raw/', 'docs-raw'],
            ['/docs/api/', 'docs-api', [], 'proxy_pass http://127.0.0.1:1;'],
        ]],
        ['^~ /static/', 'static', [
            ['~ \.png$', 'static-png'],
        ]],
        ['~ \.txt$', 'txt'],
        ['~* \.JPG$', 'jpg-caseless'],
        ['~ ^/case/[A-Z]+$', 'case-sensitive'],
        ['~ ^/a', 'regex-a'],
        ['~ ^/ab', 'regex-ab'],
        ['/abc/', 'abc'],
        ['~ "^/re(g)ex/(?<word>\w+)$"', 'regex-named-capture', [
            ['~ x$', 'regex-in-regex'],
        ]],
        ['~* "^/ci/(\d{2,})/"', 'regex-pcre-class'],
        ['@named', 'named'],
        ['/files/', 'files', [], 'proxy_pass http://127.0.0.1:1;'],
        ['=/nospace', 'exact-nospace'],
        ['^~/nospace-ne/', 'noregex-nospace'],
        ['~*\.GIF$', 'regex-nospace'],
    );

    my %by_chain;
    my $gen;
    $gen = sub {
        my ($list, $outer, $indent) = @_;
        my $text = '';
        for my $l (@$list) {
            my ($args, $name, $nested, $extra) = @$l;
            (my $joined = $args) =~ s/"//g;
            my $chain = $outer ? "$outer > $joined" : $joined;
            $by_chain{$chain} = $name;
            $text .= "${indent}location $args {\n"
                   . "$indent    return 200 \"$name\";\n"
                   . ($extra ? "$indent    $extra\n" : '')
                   . $gen->($nested // [], $chain, "$indent    ")
                   . "$indent}\n";
        }
        return $text;
    };
    my $locations = $gen->(\@locs, '', '        ');

    my @uris = (
        '/', '/x', '/exact', '/exact/', '/exactly', '/exact?a=1',
        '/docs/', '/docs/a', '/docs/a.txt', '/docs/a.TXT', '/docs/deep/a',
        '/docs/deep/a.txt', '/docs/raw/a', '/docs/raw/a.txt',
        '/docs/api', '/docs/api/', '/docs/api?x=1', '/docs/ap',
        '/static/a', '/static/a.txt', '/static/a.png', '/img/A.jpg',
        '/img/a.JPG', '/img/a.jpeg', '/case/ABC', '/case/abc', '/a', '/ab',
        '/abc', '/abc/', '/abc/x', '/b/abc/', '/regex/word', '/regex/wordx',
        '/regex/', '/ci/12/', '/CI/123/x', '/ci/1/', '/@named', '/files',
        '/files?a=b', '/files?', '/files?a#b', '/files/', '/fil', '/nospace', '/nospace-ne/a.gif',
        '/x.GiF', '/Docs/a',
        # nginx's $uri: decoded, dot segments, merged slashes
        '/%64ocs/a', '/docs%2Fa.txt', '/docs/a%2etxt', '/docs/./a.txt',
        '/docs/x/../a', '/docs/..', '/docs/%2e%2e/exact', '//docs//a',
        '/docs//deep/a', '/a%3Fb.txt', '/x%23y', '/x%25y', '/x#frag',
        '/ex%61ct', '/docs/deep/..%2F..%2Fexact',
        # refused by nginx
        '/..', '/../x', '/docs/../../x', '/%zz', '/x%00', '/x%2',
    );

    for my $merge ('on', 'off') {
        my $srv = CigTest::Nginx->new(no_module => 1, http => <<"CONF");
    server {
        listen 127.0.0.1:%%PORT%%;
        merge_slashes $merge;
$locations
    }
CONF
        my ($st, $dump) = $srv->_cmd('-T');
        is($st, 0, "merge_slashes $merge: nginx -T");
        spew("$tmp/loc-$merge.txt", $dump);

        my %seen;
        for my $uri (@uris) {
            my $r = $srv->request('GET', $uri);
            my ($rc, $out) = run('--nginx-config', "$tmp/loc-$merge.txt",
                                 '--claims', '{"sub":"eu-west-1:1","aud":"eu-west-1:2","amr":["authenticated"]}',
                                 '--uri', $uri, '--json');
            my $j = eval { decode_json($out) } // {};
            my $chain = join ' > ', @{ $j->{locations} // [] };
            my $label = "merge_slashes $merge: $uri";
            ok($rc == 0 || $rc == 1, "$label: a decision (exit status $rc)");

            if ($r->{status} == 400) {
                is($j->{status}, 400, "$label: nginx refuses it (400), the simulator too")
                    or diag($out);
            } elsif ($r->{status} == 301) {
                my ($to) = ($r->{headers}{location} // '') =~ m{^https?://[^/]+(/.*)$};
                is($j->{location_how}, 'redirect', "$label: nginx redirects, the simulator too")
                    or diag($out);
                like($j->{why} // '', qr/redirects to \Q$to\E /, "$label: to $to")
                    or diag($out);
            } else {
                is($r->{status}, 200, "$label: nginx answers from a location");
                is($by_chain{$chain} // "?? ($chain)", $r->{body},
                   "$label: the simulator names nginx's location ($r->{body})")
                    or diag($out);
            }
            $seen{$r->{status} == 200 ? $r->{body} : $r->{status}}++;
        }

        # every location was someone's answer (but those that cannot be:
        # the named one, and two behind "~ ^/a"), and both refusals happened
        my %never = map { ($_ => 1) } qw(named regex-ab abc);
        my @missing = sort grep { !$seen{$_} && !$never{$_} } values %by_chain;
        is("@missing", '', "merge_slashes $merge: every location was chosen once");
        ok($seen{301} && $seen{400}, "merge_slashes $merge: redirects and refusals seen");
        $srv->stop;
    }

    # $uri is made before nginx knows the server (Host comes after the
    # request line): with the merge_slashes of the port's default server
    for my $dflt ('off', 'on') {
        my $other = $dflt eq 'on' ? 'off' : 'on';
        my $srv = CigTest::Nginx->new(no_module => 1, http => <<"CONF");
    server {
        listen 127.0.0.1:%%PORT%% default_server;
        server_name a.test;
        merge_slashes $dflt;
        location / { return 200 "a-root"; }
        location /docs/ { return 200 "a-docs"; }
    }
    server {
        listen 127.0.0.1:%%PORT%%;
        server_name b.test;
        merge_slashes $other;
        location / { return 200 "b-root"; }
        location /docs/ { return 200 "b-docs"; }
    }
CONF
        my ($st, $dump) = $srv->_cmd('-T');
        spew("$tmp/dflt.txt", $dump);
        for my $host ('a.test', 'b.test') {
            for my $server ($host, "$host:" . $srv->port) {
                my $r = $srv->request('GET', '//docs//a', { Host => $host });
                my ($rc, $out) = run('--nginx-config', "$tmp/dflt.txt", '--server', $server,
                                     '--claims', '{"sub":"eu-west-1:1","aud":"eu-west-1:2","amr":["authenticated"]}',
                                     '--uri', '//docs//a', '--json');
                my $j = eval { decode_json($out) } // {};
                my $loc = join ' > ', @{ $j->{locations} // [] };
                (my $prefix = $host) =~ s/\..*//;
                my %name = ('/' => "$prefix-root", '/docs/' => "$prefix-docs");
                is($name{$loc} // "?? $loc", $r->{body},
                   "default server's merge_slashes $dflt, --server $server: as nginx ($r->{body})")
                    or diag($out);
            }
        }
        $srv->stop;
    }

    # the text output says which location, how, and for which $uri
    my ($rc, $out) = run('--nginx-config', "$tmp/loc-on.txt",
                         '--claims', '{"sub":"eu-west-1:1","aud":"eu-west-1:2","amr":["authenticated"]}',
                         '--uri', '/docs/x/../a.txt');
    like($out, qr{^location: "/docs/" > "~ \\\.txt\$" \(regex, for \$uri "/docs/a\.txt"\)$}m,
         'text output: the location chain, how it was chosen, $uri') or diag($out);
    ($rc, $out) = run('--nginx-config', "$tmp/dump.txt", '--server', 'a.test',
                      '--claims', '{"sub":"eu-west-1:1","aud":"eu-west-1:2","amr":["authenticated"]}',
                      '--uri', '/elsewhere/%2e%2e/x');
    like($out, qr{^location: none, the server's own configuration \(for \$uri "/x"\)$}m,
         'text output: no location matches') or diag($out);
    ($rc, $out) = run('--nginx-config', "$tmp/dump.txt", '--server', 'a.test',
                      '--claims', '{"sub":"eu-west-1:1","aud":"eu-west-1:2","amr":["authenticated"]}',
                      '--uri', '/p/../../x');
    is($rc, 1, 'a target nginx refuses: denied');
    like($out, qr{^location: none \(nginx could not read the target\)$}m, 'text output: says so');
    like($out, qr{^decision: deny \(400\)$}m, 'text output: with 400');
    ($rc, $out) = run_err('--nginx-config', "$tmp/dump.txt", '--server', 'a.test',
                          '--claims', '{"sub":"eu-west-1:1","aud":"eu-west-1:2","amr":["authenticated"]}',
                          '--location', '/p/', '--uri', '/q%22uoted/x', '--json');
    like($out, qr{warning: for this URI nginx takes location "/q"uoted/", not the location given},
         'a location given that nginx would not take: a warning') or diag($out);
    like($out, qr{"nginx_takes":"location \\"/q\\"uoted/\\""}, 'and in the JSON')
        or diag($out);
}

SKIP: {
    skip CigTest::module_missing_reason(), 1 if CigTest::module_missing_reason();
    require CigToken;

    my $ID = CigToken::IDENTITY();
    my $POOL = CigToken::POOL();
    my $OTHER = 'arn:aws:iam::123456789012:role/Other';
    spew("$tmp/common.conf", <<"INC");
# a file nginx -T dumps separately
cognito_identity_policy $ROLE $root/t/policies/deny-wins.json;
INC

    my $srv = CigTest::start_nginx(<<"CONF");
    server {
        listen 127.0.0.1:%%PORT%%;
        server_name sim.test;
        root %%DIR%%/html;

        cognito_identity_pool $POOL;
        cognito_identity_key_file %%ROOT%%/t/keys/jwks-k1.json;
        cognito_identity_role authenticated $ROLE;
        cognito_identity_policy $ROLE %%ROOT%%/t/policies/s3-per-user.json;
        include $tmp/common.conf;
        cognito_identity_cors_preflight on;

        location /mybucket/ {
            cognito_identity "s3";
            cognito_identity_authorize s3;   # path-style
            empty_gif;
        }

        location /files/ {
            cognito_identity 'files';
            cognito_identity_allow_prefix "/files/\${cognito-identity.amazonaws.com:sub}/"
                                          /files/public;
            empty_gif;

            location /files/pub/ {
                cognito_identity_allow_prefix /files/pub/;
                cognito_identity_role authenticated $OTHER;
                cognito_identity_policy $OTHER %%ROOT%%/t/policies/s3-allow-all.json;
                cognito_identity_authorize s3 bucket=mybucket;
                empty_gif;
            }

            location /files/nopolicy/ {
                cognito_identity_allow_prefix /files/nopolicy/;
                cognito_identity_role authenticated $OTHER;
                cognito_identity_authorize s3 bucket=mybucket;
                empty_gif;
            }
        }

        location /guests/ {
            cognito_identity "guests";
            cognito_identity_unauthenticated on;
            cognito_identity_role unauthenticated $ROLE;
            empty_gif;
        }

        location = /exact {
            cognito_identity "exact";
            empty_gif;
        }

        location /open/ {
            empty_gif;
        }

        location /lim/ {
            limit_except GET {
                cognito_identity "writes";
            }
            empty_gif;
        }
    }

    server {
        listen 127.0.0.1:%%PORT%%;
        server_name other.test;
        location / {
            cognito_identity off;
        }
    }
CONF

    my ($st, $dump) = $srv->_cmd('-T');
    is($st, 0, 'nginx -T');
    like($dump, qr/^# configuration file \Q$tmp\E\/common\.conf:$/m,
         'the include is dumped as its own file');
    spew("$tmp/T.txt", $dump);

    my $good = CigToken::cognito_token();
    my $guest = CigToken::cognito_token(claims => { amr => ['unauthenticated'] });
    my $expired = CigToken::cognito_token(claims => { exp => time - 3600, iat => time - 7200 });
    my $port = $srv->port;

    my @cases = (
        # location(s), method, uri, token, headers
        [['/mybucket/'], 'GET', "/mybucket/$ID/a.txt", $good],
        [['/mybucket/'], 'GET', "/mybucket/someone/a.txt", $good],
        [['/mybucket/'], 'GET', "/mybucket/private/a.txt", $good],
        [['/mybucket/'], 'PUT', "/mybucket/uploads/a.txt", $good],
        [['/mybucket/'], 'GET', "/mybucket//$ID/a.txt", $good],
        [['/mybucket/'], 'GET', "/mybucket/$ID/a.txt", $expired],
        [['/mybucket/'], 'GET', "/mybucket/$ID/a.txt", $guest],
        [['/mybucket/'], 'OPTIONS', "/mybucket/x", $expired,
         ['Origin: https://app.example', 'Access-Control-Request-Method: PUT']],
        [['/files/'], 'GET', "/files/$ID/a", $good],
        [['/files/'], 'GET', "/files/public/a", $good],
        [['/files/'], 'GET', "/files/publicity/a", $good],
        [['/files/'], 'GET', "/files/someone/a", $good],
        [['/files/', '/files/pub/'], 'GET', "/files/pub/a", $good],
        [['/files/', '/files/nopolicy/'], 'GET', "/files/nopolicy/a", $good],
        [['/mybucket/'], 'GET', "/mybucket/$ID/a.txt", $good,
         ["X-Cognito-Custom-Role-Arn: $OTHER"]],
        [['/mybucket/'], 'GET', "/mybucket/$ID/a.txt", $good,
         ["X-Cognito-Custom-Role-Arn: $ROLE"]],
        [['/guests/'], 'GET', "/guests/a", $guest],
        [['/guests/'], 'GET', "/guests/a", $good],
        [['= /exact'], 'GET', "/exact", $good],
        [['= /exact'], 'GET', "/exact", $expired],
        [['/open/'], 'GET', "/open/a", $expired],
        [['/lim/'], 'GET', "/lim/a", $expired],
        [['/lim/'], 'POST', "/lim/a", $expired],
        [['/lim/'], 'POST', "/lim/a", $good],
    );

    my %seen;
    for my $c (@cases) {
        my ($locs, $method, $uri, $token, $hdrs) = @$c;
        my %h = (Authorization => "Bearer $token");
        for (@{ $hdrs // [] }) { my ($k, $v) = split /:\s*/, $_, 2; $h{$k} = $v }
        my $r = $srv->request($method, $uri, \%h, $method =~ /POST|PUT/ ? 'x' : undef);
        my $server_allows = ($r->{status} =~ /^(400|401|403|503)$/) ? 0 : 1;

        my @args = ('--nginx-config', "$tmp/T.txt", '--server', "sim.test:$port",
                    (map { ('--location', $_) } @$locs),
                    '--method', $method, '--uri', $uri, '--token', $token, '--json',
                    map { ('--header', $_) } @{ $hdrs // [] });
        my ($rc, $out) = run(@args);
        my $label = "$method $uri in @$locs" . ($token eq $good ? '' : $token eq $guest ? ' (guest)' : ' (expired)');
        is($rc, $server_allows ? 0 : 1, "$label: the simulator agrees with nginx ($r->{status})")
            or diag($out);
        $seen{$server_allows}++;
        my $given = eval { decode_json($out) } // {};
        ok(!exists $given->{nginx_takes}, "$label: the location given is nginx's")
            or diag($out);

        # the same without --location: the one nginx took for the URI
        my @auto = @args;
        for (my $i = 0; $i < @auto; $i++) {
            splice(@auto, $i, 2), $i-- if $auto[$i] eq '--location';
        }
        ($rc, $out) = run(@auto);
        is($rc, $server_allows ? 0 : 1, "$label, its location from the URI: agrees")
            or diag($out);
        my $j = eval { decode_json($out) } // {};
        is(join(' > ', @{ $j->{locations} // [] }), join(' > ', @$locs),
           "$label: the location from the URI is the one nginx took");
    }
    ok($seen{0} && $seen{1}, 'cases of both outcomes');

    # the same through the port alone (the default server), and errors
    my ($rc, $out) = run('--nginx-config', "$tmp/T.txt", '--server', ":$port",
                         '--location', '/mybucket/', '--uri', "/mybucket/$ID/a.txt",
                         '--token', $good);
    is($rc, 0, 'the default server of a port') or diag($out);
    like($out, qr/decision: allow/, 'text output');
    ($rc, $out) = run_err('--nginx-config', "$tmp/T.txt", '--location', '/mybucket/',
                          '--uri', '/', '--token', $good);
    is($rc, 2, 'two servers and no --server: exit status 2');
    like($out, qr/2 servers/, 'says so');
    ($rc, $out) = run('--nginx-config', "$tmp/T.txt", '--server', 'other.test',
                      '--location', '/', '--uri', '/', '--token', $good, '--json');
    is($rc, 0, '"cognito_identity off": allowed, unchecked');
    like($out, qr/not enabled/, 'and says so');
    $srv->stop;
}

done_testing();
