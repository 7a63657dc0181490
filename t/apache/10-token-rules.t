# Every token validation rule of t/nginx/10-token-rules.t, through the real
# Apache httpd with mod_cognito_identity: the same case table, the same
# answers (401 with the same WWW-Authenticate values, the reason in the log),
# with tokens minted by the openssl command line.

use strict;
use warnings;

use lib 't/lib';
use CigApache;
use CigToken;
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

my $now = time();
my $INVALID = qr/^Bearer realm="api", error="invalid_token"$/;

# [name, token options, expected status, error substring (for failures)]
my @cases = (
    # accepted shapes
    ['authenticated identity', {}, 200],
    ['guest identity (guests on here)',
        { claims => { amr => ['unauthenticated'] } }, 200],
    ['typ absent', { header => { kid => 'test-1', alg => 'RS512' } }, 200],
    ['typ JWT', { header => { kid => 'test-1', alg => 'RS512',
                              typ => 'JWT' } }, 200],
    ['second pool', { claims => { aud => POOL2 } }, 200],
    ['second key of the set', { key => 'k2',
        header => { kid => 'test-2', typ => 'JWS', alg => 'RS512' } }, 200],
    ['4096-bit key from a second key file', { key => 'k4096',
        header => { kid => 'test-4096', typ => 'JWS', alg => 'RS512' } }, 200],
    ['exp within leeway', { claims => { exp => $now - 5 } }, 200],
    ['nbf within leeway', { claims => { nbf => $now + 5 } }, 200],
    ['iat within leeway', { claims => { iat => $now + 5 } }, 200],
    ['iat absent', { claims => { iat => undef } }, 200],
    ['amr with only "authenticated"',
        { claims => { amr => ['authenticated'] } }, 200],

    # header and algorithm
    ['alg RS256 with an RS512 key set',
        { header => { kid => 'test-1', alg => 'RS256' }, alg => 'RS256' },
        401, 'algorithm "RS256" is not allowed'],
    ['alg none', { header => { kid => 'test-1', alg => 'none' },
        alg => 'RS512' }, 401, 'algorithm "none" is not allowed'],
    ['alg NONE', { header => { kid => 'test-1', alg => 'NONE' },
        alg => 'RS512' }, 401, 'algorithm "NONE" is not allowed'],
    ['alg HS512', { header => { kid => 'test-1', alg => 'HS512' },
        alg => 'RS512' }, 401, 'algorithm "HS512" is not allowed'],
    ['alg missing', { header => { kid => 'test-1' }, alg => 'RS512' },
        401, 'no "alg"'],
    ['kid missing', { header => { alg => 'RS512' } }, 401, 'no "kid"'],
    ['kid unknown', { header => { kid => 'test-9', alg => 'RS512' } },
        401, 'unknown kid "test-9"'],
    ['kid of another key', { key => 'k2' }, 401, 'does not verify'],
    ['typ not a string', { raw_header =>
        '{"alg":"RS512","kid":"test-1","typ":7}' }, 401, '"typ" is not'],
    ['jwk header', { header => { kid => 'test-1', alg => 'RS512',
        jwk => { kty => 'RSA' } } }, 401, '"jwk" is not accepted'],
    ['jku header', { header => { kid => 'test-1', alg => 'RS512',
        jku => 'https://evil.example/jwks' } }, 401, '"jku" is not accepted'],
    ['crit header', { header => { kid => 'test-1', alg => 'RS512',
        crit => ['exp'] } }, 401, '"crit" is not accepted'],
    ['header with duplicate alg', { raw_header =>
        '{"alg":"RS512","kid":"test-1","alg":"RS512"}' }, 401, 'duplicate'],

    # claims
    ['issuer of another service', { claims => {
        iss => 'https://cognito-idp.eu-west-1.amazonaws.com/x' } },
        401, 'is not trusted'],
    ['issuer with a trailing slash', { claims => { iss => ISSUER . '/' } },
        401, 'is not trusted'],
    ['issuer missing', { claims => { iss => undef } }, 401, '"iss"'],
    ['aud of another pool', { claims => {
        aud => 'eu-west-1:00000000-0000-0000-0000-000000000000' } },
        401, 'not an allowed pool'],
    ['aud as an array', { claims => { aud => [POOL] } }, 401,
        '"aud" is not a string'],
    ['aud missing', { claims => { aud => undef } }, 401, '"aud" is missing'],
    ['exp missing', { claims => { exp => undef } }, 401, '"exp" is missing'],
    ['exp as a string', { claims => { exp => "" . ($now + 600) } }, 401,
        '"exp" is not a number'],
    ['expired beyond leeway', { claims => { exp => $now - 11 } }, 401,
        'expired'],
    ['nbf beyond leeway', { claims => { nbf => $now + 30 } }, 401,
        'not valid for another'],
    ['nbf not a number', { claims => { nbf => 'soon' } }, 401,
        '"nbf" is not a number'],
    ['iat in the future', { claims => { iat => $now + 60 } }, 401,
        'in the future'],
    ['sub missing', { claims => { sub => undef } }, 401, '"sub"'],
    ['sub not an identity id', { claims => { sub => 'alice' } }, 401,
        'not an identity id'],
    ['sub with a path', { claims => {
        sub => 'eu-west-1:../../9539224f-5cd4-4923-a426-d6078ef34b7a' } },
        401, 'not an identity id'],
    ['amr missing', { claims => { amr => undef } }, 401, '"amr" is missing'],
    ['amr a string', { claims => { amr => 'authenticated' } }, 401,
        'not an array'],
    ['amr empty', { claims => { amr => [] } }, 401, '0 entries'],
    ['amr contradictory', { claims => {
        amr => ['authenticated', 'unauthenticated'] } }, 401,
        'contradictory'],
    ['amr guest with extras', { claims => {
        amr => ['unauthenticated', 'graph.facebook.com'] } }, 401,
        'extra entries'],
    ['amr unknown kind', { claims => { amr => ['admin'] } }, 401,
        'neither'],
    ['payload with duplicate sub', { raw_claims =>
        '{"sub":"' . IDENTITY . '","sub":"eu-west-1:00000000-0000-0000-0000-'
        . '000000000000","aud":"' . POOL . '","amr":["unauthenticated"],'
        . '"iss":"' . ISSUER . '","exp":' . ($now + 600) . '}' },
        401, 'duplicate'],
    ['payload not an object', { raw_claims => '[1,2]' }, 401,
        'not a JSON object'],
);

for my $c (@cases) {
    my ($name, $opt, $status, $why) = @$c;
    my $token = cognito_token(%$opt);
    my %expect = (status => $status);

    if ($status == 401) {
        $expect{headers_like} = { 'www-authenticate' => $INVALID,
                                  'x-error' => qr/\Q$why\E/ };
        $expect{log_like} = qr/cognito identity: 401, .*\Q$why\E/;
        $expect{headers_absent} = ['x-identity'];
    } else {
        $expect{headers_like} = { 'x-identity' => IDENTITY };
        $expect{body_is} = "ok\n";
    }

    check($srv, { path => '/index.html',
                  headers => { Authorization => "Bearer $token" },
                  %expect }, $name);
}

# The key's own alg must agree with the token's.
my $t = cognito_token();
check($srv, { path => '/rs256/index.html', headers => { Authorization => "Bearer $t" },
              status => 401, headers_like => { 'x-error' => qr/is for RS256/ },
            }, 'JWK alg RS256 refuses an RS512 token');

# Structure: tampered tokens built from a valid one.
my ($h, $p, $s) = split /\./, cognito_token();
my %tampered = (
    'two parts'              => "$h.$p",
    'four parts'             => "$h.$p.$s.$s",
    'empty signature'        => "$h.$p.",
    'empty header'           => ".$p.$s",
    'padding in signature'   => "$h.$p.$s=",
    'standard base64 char'   => "$h.$p." . substr($s, 0, -2) . '+/',
    'signature one byte short' => "$h.$p." . substr($s, 0, -4),
    'payload swapped'        => "$h." . b64url('{"sub":"x"}') . ".$s",
    'token over 16384 bytes' => "$h." . ('A' x 17000) . ".$s",
);

for my $name (sort keys %tampered) {
    check($srv, { path => '/index.html',
                  headers => { Authorization => "Bearer $tampered{$name}" },
                  status => 401,
                  headers_like => { 'www-authenticate' => $INVALID } },
          $name);
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
                  headers_like => { 'www-authenticate' => $INVALID,
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
              status => 401, headers_like => { 'www-authenticate' => $INVALID } },
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
