# SPDX-License-Identifier: BSD-2-Clause
# The shared decision cases (t/decisions/*.json), which the core's unit
# tests also run, through the real nginx: each case's claims go into a real
# token, its request is sent as is, and the answer must be the expected
# decision, from the expected statement.  Loading the files and turning a
# case into a request and its expectations is shared with
# t/apache/40-decisions.t (t/lib/CigCases.pm).

use strict;
use warnings;

use lib 't/lib';
use CigTest;
use CigToken;
use CigCases;
use Test::More;

my $ROLE = DECISION_ROLE;

for my $file (decision_files()) {
    my ($name, $doc) = @$file;

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

        if (!decision_local($c)) {
            note("$label: not run through nginx: the test client connects "
                 . "over plain HTTP from 127.0.0.1");
            $skipped++;
            next;
        }

        my $expect = decision_expectation($c, bad_request => 400);
        if (!$expect) {
            fail("$label: unknown expectation $c->{expect}");
            next;
        }

        check($srv, { %{ decision_request($c) }, %$expect }, $label);
        $ran++;
    }

    cmp_ok($ran, '>', 0, "$name: cases run through nginx ($ran, $skipped "
                         . 'only in the core)');
    $srv->stop;
}

done_testing();
