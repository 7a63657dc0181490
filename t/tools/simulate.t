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
my $sim = "$root/build/cognito-identity-simulate";
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

done_testing();
