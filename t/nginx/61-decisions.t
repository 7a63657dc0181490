# The shared decision cases (t/decisions/*.json), which the core's unit
# tests also run, through the real nginx: each case's claims go into a real
# token, its request is sent as is, and the answer must be the expected
# decision, from the expected statement.

use strict;
use warnings;

use lib 't/lib';
use CigTest;
use CigToken;
use JSON::PP;
use Test::More;

my $root = repo_root();
my $ROLE = 'arn:aws:iam::123456789012:role/DecisionCases';
my $json = JSON::PP->new->canonical(1);

my %token_for;

sub token_for {
    my ($claims) = @_;
    my $key = $json->encode($claims);
    return $token_for{$key} //= cognito_token(claims => {%$claims});
}

for my $file (sort glob("$root/t/decisions/*.json")) {
    my $doc = do { local (@ARGV, $/) = $file; decode_json(<>) };
    (my $name = $file) =~ s{.*/}{};

    my $policies = join '', map {
        "        cognito_identity_policy $ROLE %%ROOT%%/$_;\n"
    } @{ $doc->{policies} };

    my $authorize = $doc->{mode} eq 'execute-api'
        ? "cognito_identity_authorize execute-api $doc->{arn_prefix};"
        : 'cognito_identity_authorize s3'
          . ($doc->{bucket} ? " bucket=$doc->{bucket}" : '') . ';';

    my $srv = start_nginx(<<"CONF");
    map \$http_x_hop \$is_upstream { default 0; "1" 1; }

    server {
        listen 127.0.0.1:%%PORT%%;
        merge_slashes off;
        large_client_header_buffers 4 16k;

        cognito_identity_pool eu-west-1:b45b9729-c269-4ef2-86f1-0df3e40fe92d;
        cognito_identity_key_file %%ROOT%%/t/keys/jwks-k1.json;
        cognito_identity_unauthenticated on;
        cognito_identity_role authenticated $ROLE;
        cognito_identity_role unauthenticated $ROLE;
$policies
        add_header X-Decision \$cognito_identity_decision always;
        add_header X-Statement \$cognito_identity_statement always;
        add_header X-Error \$cognito_identity_error always;
        proxy_set_header X-Hop 1;

        if (\$is_upstream) {
            return 200 "upstream\\n";
        }

        location / {
            cognito_identity "cases";
            $authorize
            proxy_pass http://127.0.0.1:%%PORT%%;
        }
    }
CONF

    my ($ran, $skipped) = (0, 0);

    for my $c (@{ $doc->{cases} }) {
        my $label = "$name: $c->{name}";

        if (($c->{source_ip} // '127.0.0.1') ne '127.0.0.1' || $c->{secure}) {
            note("$label: not run through nginx: the test client connects "
                 . "over plain HTTP from 127.0.0.1");
            $skipped++;
            next;
        }

        # requests go out as the bytes the case file spells
        my $path = $c->{path};
        $path .= "?$c->{query}" if defined $c->{query} && length $c->{query};
        utf8::encode($path);
        my %headers = %{ $c->{headers} // {} };
        utf8::encode($_) for values %headers;

        my %expect;
        my $e = $c->{expect};

        if ($e eq 'allow') {
            %expect = (status => 200,
                       headers_like => { 'x-decision' => 'allow' });
        } elsif ($e eq 'deny' || $e eq 'explicit-deny') {
            %expect = (status => 403,
                       headers_like => { 'x-decision' => $e });
        } elsif ($e eq 'refused') {
            %expect = (status => 403, headers_absent => ['x-decision']);
        } elsif ($e eq 'bad-request') {
            %expect = (status => 400);
        } else {
            fail("$label: unknown expectation $e");
            next;
        }

        if (defined $c->{statement} && $e ne 'bad-request') {
            $expect{headers_like}{'x-statement'} = "$c->{statement}";
        }

        check($srv, { method => $c->{method}, path => $path,
                      headers => { Authorization => 'Bearer '
                                       . token_for($c->{claims}),
                                   %headers },
                      body => $c->{method} =~ /^(PUT|POST)$/ ? "x\n" : undef,
                      %expect }, $label);
        $ran++;
    }

    cmp_ok($ran, '>', 0, "$name: cases run through nginx ($ran, $skipped "
                         . 'only in the core)');
    $srv->stop;
}

done_testing();
