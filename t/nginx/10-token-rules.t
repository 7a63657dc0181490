# SPDX-License-Identifier: BSD-2-Clause
# Every token validation rule, through the real nginx, with tokens minted by
# the openssl command line (and a second minter, python3-jwt, for the
# accepted shapes).  Each case: what the client gets, and why in the log.
# The case table is shared with t/apache/10-token-rules.t (t/lib/CigCases.pm).

use strict;
use warnings;

use lib 't/lib';
use CigTest;
use CigToken;
use CigCases;
use Test::More;

my $srv = start_nginx(<<'CONF');
    server {
        listen 127.0.0.1:%%PORT%%;
        root %%DIR%%/html;
        large_client_header_buffers 4 64k;

        cognito_identity_pool eu-west-1:b45b9729-c269-4ef2-86f1-0df3e40fe92d
                              us-east-1:0f2c5e3a-1b4d-4c6e-8f90-1a2b3c4d5e6f;
        cognito_identity_key_file %%ROOT%%/t/keys/jwks-k1k2.json;
        cognito_identity_key_file %%ROOT%%/t/keys/jwks-k4096.json;
        cognito_identity_leeway 10s;
        cognito_identity_unauthenticated on;

        location / {
            cognito_identity "api";
            add_header X-Error $cognito_identity_error always;
            add_header X-Identity $cognito_identity_id always;
        }

        location /rs256/ {
            cognito_identity "api";
            cognito_identity_key_file %%ROOT%%/t/keys/jwks-k1-rs256.json;
            add_header X-Error $cognito_identity_error always;
        }
    }
CONF

# Each case of the shared table: the status, and for a refusal the reason in
# X-Error and in the log (see token_rule_request in t/lib/CigCases.pm).
for my $c (token_rule_cases()) {
    check($srv, token_rule_request($c), $c->[0]);
}

# The key's own alg must agree with the token's.
my $t = cognito_token();
check($srv, { path => '/rs256/', headers => { Authorization => "Bearer $t" },
              status => 401, headers_like => { 'x-error' => qr/is for RS256/ },
            }, 'JWK alg RS256 refuses an RS512 token');

# Structure: tampered tokens built from a valid one.
for my $bad (tampered_tokens()) {
    check($srv, tampered_request($bad->[1]), $bad->[0]);
}

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
