# SPDX-License-Identifier: BSD-2-Clause
# The shared decision cases (t/decisions/*.json), which the core's unit tests
# and t/nginx/61-decisions.t also run, through the real Apache httpd: each
# case's claims go into a real token, its request is sent as is, and the
# answer must be the expected decision, from the expected statement, with
# the S3 or API Gateway body of a denial.  "Require cognito-policy" is what
# evaluates the policies here.

use strict;
use warnings;

use lib 't/lib';
use CigApache;
use CigToken;
use CigCases;
use CigTest -nomodule;
use Test::More;

my $ROLE = DECISION_ROLE;
my $XML = qr{^<\?xml version="1\.0" encoding="UTF-8"\?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>\n$};

for my $file (decision_files()) {
    my ($name, $doc) = @$file;

    my $policies = join '', map {
        "    CognitoIdentityPolicy $ROLE %%ROOT%%/$_\n"
    } @{ $doc->{policies} };

    my $mode = $doc->{mode};
    my $authorize = $mode eq 'execute-api'
        ? "CognitoIdentityAuthorize execute-api $doc->{arn_prefix}"
        : 'CognitoIdentityAuthorize s3'
          . ($doc->{bucket} ? " bucket=$doc->{bucket}" : '');

    my $srv = start_apache(<<"CONF");
MergeSlashes Off
LimitRequestFieldSize 16384
CognitoIdentityPool eu-west-1:b45b9729-c269-4ef2-86f1-0df3e40fe92d
CognitoIdentityKeyFile %%ROOT%%/t/keys/jwks-k1.json
CognitoIdentityUnauthenticated On
CognitoIdentityRole authenticated $ROLE
CognitoIdentityRole unauthenticated $ROLE
Header always set X-Decision "%{COGNITO_IDENTITY_DECISION}e" env=COGNITO_IDENTITY_DECISION
Header always set X-Statement "%{COGNITO_IDENTITY_STATEMENT}e" env=COGNITO_IDENTITY_STATEMENT
Header always set X-Error "%{COGNITO_IDENTITY_ERROR}e" env=COGNITO_IDENTITY_ERROR
ScriptAliasMatch ^/ %%DIR%%/cgi/echo.cgi
<Location />
$policies
    $authorize
    AuthType CognitoIdentity
    AuthName "cases"
    Require cognito-policy
</Location>
CONF

    my ($ran, $skipped) = (0, 0);

    for my $c (@{ $doc->{cases} }) {
        my $label = "$name: $c->{name}";

        if (!decision_local($c)) {
            note("$label: not run through Apache: the test client connects "
                 . "over plain HTTP from 127.0.0.1");
            $skipped++;
            next;
        }

        # httpd itself refuses an encoded NUL (and, without
        # AllowEncodedSlashes, an encoded '/') with 404 before any module
        my $expect = decision_expectation($c, bad_request => qr/^40[04]$/);
        if (!$expect) {
            fail("$label: unknown expectation $c->{expect}");
            next;
        }
        my %expect = %$expect;
        my $e = $c->{expect};

        if ($expect{status} eq '403' && $c->{method} ne 'HEAD') {
            if ($mode eq 's3') {
                $expect{body_like} = $XML;
                $expect{headers_like}{'content-type'} = 'application/xml';
            } else {
                $expect{body_like} = $e eq 'explicit-deny'
                    ? qr/^\{"Message":"User is not authorized to access this resource with an explicit deny"\}\n$/
                    : qr/^\{"Message":"User is not authorized to access this resource"\}\n$/;
                $expect{headers_like}{'x-amzn-errortype'} = 'AccessDeniedException';
            }
        }

        check($srv, { %{ decision_request($c) }, %expect }, $label);
        $ran++;
    }

    cmp_ok($ran, '>', 0, "$name: cases run through Apache ($ran, $skipped "
                         . 'only in the core)');
    $srv->stop;
}

done_testing();
