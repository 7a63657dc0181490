# SPDX-License-Identifier: BSD-2-Clause
# Every token validation rule of t/nginx/10-token-rules.t, through the real
# Apache httpd with mod_cognito_identity: the same case table (from
# t/lib/CigCases.pm), the same answers (401 with the same WWW-Authenticate
# values, the reason in the log), with tokens minted by the openssl command
# line.

use strict;
use warnings;

use lib 't/lib';
use CigApache;
use CigToken;
use CigCases;
use CigTest -nomodule;
use Test::More;

my $srv = start_apache(<<'CONF');
LimitRequestFieldSize 65536
CognitoIdentityPool eu-west-1:b45b9729-c269-4ef2-86f1-0df3e40fe92d us-east-1:0f2c5e3a-1b4d-4c6e-8f90-1a2b3c4d5e6f
CognitoIdentityKeyFile %%ROOT%%/t/keys/jwks-k1k2.json
CognitoIdentityKeyFile %%ROOT%%/t/keys/jwks-k4096.json
CognitoIdentityLeeway 10s
CognitoIdentityUnauthenticated On
Header always set X-Error "%{COGNITO_IDENTITY_ERROR}e" env=COGNITO_IDENTITY_ERROR
Header always set X-Identity "%{COGNITO_IDENTITY_ID}e" env=COGNITO_IDENTITY_ID

<Location />
    AuthType CognitoIdentity
    AuthName "api"
    Require cognito-identity
</Location>

Alias /rs256/ %%DIR%%/html/
<Location /rs256/>
    CognitoIdentityKeyFile %%ROOT%%/t/keys/jwks-k1-rs256.json
</Location>
CONF

# Each case of the shared table: the status, and for a refusal the reason in
# X-Error and in the log (see token_rule_request in t/lib/CigCases.pm).
for my $c (token_rule_cases()) {
    check($srv, token_rule_request($c), $c->[0]);
}

# The key's own alg must agree with the token's.
my $t = cognito_token();
check($srv, { path => '/rs256/index.html', headers => { Authorization => "Bearer $t" },
              status => 401, headers_like => { 'x-error' => qr/is for RS256/ },
            }, 'JWK alg RS256 refuses an RS512 token');

# Structure: tampered tokens built from a valid one.
for my $bad (tampered_tokens()) {
    check($srv, tampered_request($bad->[1]), $bad->[0]);
}


# httpd joins repeated Authorization headers into one "a, b" value: refused
# as an invalid token, never split and parsed.
my $good = cognito_token();
for my $c (['two bearer tokens', [[Authorization => "Bearer $good"], [Authorization => "Bearer $good"]]],
           ['bearer then basic', [[Authorization => "Bearer $good"], [Authorization => 'Basic YTpi']]],
           ['basic then bearer', [[Authorization => 'Basic YTpi'], [Authorization => "Bearer $good"]]],
           ['one header with a comma', [[Authorization => "Bearer $good, Bearer $good"]]])
{
    check($srv, { path => '/index.html', headers => $c->[1], status => 401,
                  headers_like => { 'www-authenticate' => INVALID_TOKEN,
                                    'x-error' => qr/several Authorization values/ },
                  headers_absent => ['x-identity'] },
          "repeated Authorization: $c->[0]");
}

check($srv, { path => '/index.html', status => 401,
              headers_like => { 'www-authenticate' => 'Bearer realm="api"' } },
      'no Authorization: no error=');
check($srv, { path => '/index.html', headers => { Authorization => 'Basic YTpi' },
              status => 401,
              headers_like => { 'www-authenticate' => 'Bearer realm="api"' } },
      'another scheme: no error=');
check($srv, { path => '/index.html', headers => { Authorization => 'Bearer' },
              status => 401, headers_like => { 'www-authenticate' => INVALID_TOKEN } },
      'Bearer without a token');
check($srv, { path => '/index.html', headers => { Authorization => "bearer   $good" },
              status => 200, body_is => "ok\n" },
      'scheme case-insensitive, several spaces');

# The same accepted shapes minted by python3-jwt, a second implementation.
SKIP: {
    skip "python3-jwt unavailable: $CigTest::PYJWT_REASON", 4
        unless have_pyjwt();

    for my $c (['pyjwt: authenticated', {}],
               ['pyjwt: guest', { claims => { amr => ['unauthenticated'] } }])
    {
        my $tok = cognito_token(%{ $c->[1] }, minter => 'pyjwt');
        check($srv, { path => '/index.html',
                      headers => { Authorization => "Bearer $tok" },
                      status => 200 }, $c->[0]);
    }
}

# The log never carries a token.
my $log = $srv->error_log;
unlike($log, qr/eyJ[A-Za-z0-9_-]{20,}/, 'no token in the error log');

$srv->stop;
done_testing();
