# SPDX-License-Identifier: BSD-2-Clause
# The module's variables (COGNITO_IDENTITY_*) are the module's alone: a
# value a configuration sets before the module's (SetEnvIf at server level
# and in the section, from a client's header, in any case) never reaches a
# CGI, a RequestHeader or a response header as if the module had set it
# (found in review: SetEnvIf could pre-set COGNITO_IDENTITY_DECISION where
# no policy was decided, and the identity where no token was checked).

use strict;
use warnings;

use lib 't/lib';
use CigApache;
use CigToken;
use CigTest -nomodule;
use Test::More;

my $ARN = 'arn:aws:iam::123456789012:role';
my $ID = IDENTITY;

my $srv = start_apache(<<"CONF");
CognitoIdentityPool ${\ POOL}
CognitoIdentityKeyFile %%ROOT%%/t/keys/jwks-k1.json
SetEnvIf X-Spoof (.+) COGNITO_IDENTITY_DECISION=allow COGNITO_IDENTITY_ID=\$1 cognito_identity_role=$ARN/Admin
Header always set X-Decision "%{COGNITO_IDENTITY_DECISION}e" env=COGNITO_IDENTITY_DECISION
Header always set X-Id "%{COGNITO_IDENTITY_ID}e" env=COGNITO_IDENTITY_ID
Header always set X-Role "%{COGNITO_IDENTITY_ROLE}e" env=COGNITO_IDENTITY_ROLE
Header always set X-Other "%{NOT_COGNITO}e" env=NOT_COGNITO
RequestHeader set X-Cognito-Identity-Id "%{COGNITO_IDENTITY_ID}e" env=COGNITO_IDENTITY_ID
ScriptAliasMatch ^/(api|open|plain)/ %%DIR%%/cgi/echo.cgi

<LocationMatch "^/(api|open)/">
    AuthType CognitoIdentity
    AuthName "api"
    SetEnvIf X-Spoof-Dir (.+) COGNITO_IDENTITY_STATEMENT=\$1 Cognito_Identity_Authenticated=1 NOT_COGNITO=\$1
</LocationMatch>
<Location /api/>
    Require cognito-identity
</Location>
<Location /open/>
    # granted without a token: the module's variables stay unset
    <RequireAny>
        Require ip 127.0.0.1
        Require cognito-identity
    </RequireAny>
</Location>
CONF

my $user = cognito_token();
my %spoof = ('X-Spoof' => 'eu-west-1:66666666-6666-4666-8666-666666666666',
             'X-Spoof-Dir' => '7');

check($srv, { path => '/api/a', headers => { Authorization => "Bearer $user", %spoof },
              status => 200,
              body_like => qr/^upstream \/api\/a\n(?:.*\n)*COGNITO_IDENTITY_ID=\Q$ID\E\n/,
              body_unlike => qr/COGNITO_IDENTITY_(?:DECISION|STATEMENT|ROLE)|6666|(?i:cognito_identity_role)/,
              headers_like => { 'x-id' => $ID, 'x-other' => '7' },
              headers_absent => ['x-decision', 'x-role'] },
      'a verified identity: only the module\'s values');
check($srv, { path => '/api/a', headers => { Authorization => "Bearer $user", %spoof },
              status => 200, body_like => qr/^HTTP_X_COGNITO_IDENTITY_ID=\Q$ID\E$/m },
      'RequestHeader from the variable: the module\'s value');
check($srv, { path => '/open/a', headers => \%spoof, status => 200,
              body_unlike => qr/COGNITO_IDENTITY_|6666/i,
              headers_absent => ['x-decision', 'x-id', 'x-role'] },
      'granted without a token: no identity variable at all');
check($srv, { path => '/api/a', headers => \%spoof, status => 401,
              headers_absent => ['x-decision', 'x-id', 'x-role'] },
      'no token: no identity variable at all');
check($srv, { path => '/plain/a', headers => \%spoof, status => 200,
              body_like => qr/^COGNITO_IDENTITY_ID=eu-west-1:6666/m },
      'where the check is off, the module leaves the variables alone');

$srv->stop;
done_testing();
