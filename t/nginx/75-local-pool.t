# SPDX-License-Identifier: BSD-2-Clause
# The local identity pool, driven by the real AWS CLI (Debian's
# /usr/bin/aws) with --endpoint-url, and its tokens validated by the same
# gateway through cognito_identity_key_request on its own JWKS.

use strict;
use warnings;

use lib 't/lib';
use CigTest;
use JSON::PP;
use MIME::Base64 qw(decode_base64);
use Test::More;

my $AWS = '/usr/bin/aws';
plan skip_all => "Debian's AWS CLI ($AWS) is not installed: apt-get install awscli"
    unless -x $AWS;

my $root = repo_root();
my $POOL = 'us-east-1:0d0d0d0d-0000-4000-8000-000000000001';
my $json = JSON::PP->new->canonical(1);

my $srv = start_nginx(<<"CONF");
    server {
        listen 127.0.0.1:%%PORT%%;

        location /cognito/ {
            cognito_identity_local_pool $POOL %%ROOT%%/t/keys/k1.pem
                issuer=http://127.0.0.1:%%PORT%%/cognito
                developer=login.example.dev tag=team:custom:team ttl=300;
            cognito_identity_login accounts.example.dev
                %%ROOT%%/t/keys/jwks-k1-login.json
                issuer=https://accounts.example.dev client=app1;
        }

        location /api/ {
            cognito_identity "api";
            cognito_identity_issuer http://127.0.0.1:%%PORT%%/cognito;
            cognito_identity_pool $POOL;
            cognito_identity_key_request /cognito/.well-known/jwks_uri;
            cognito_identity_unauthenticated on;
            add_header X-Id \$cognito_identity_id always;
            add_header X-Amr \$cognito_identity_amr always;
            add_header X-Error \$cognito_identity_error always;
            alias %%DIR%%/html/;
        }
    }
CONF

my $endpoint = 'http://127.0.0.1:' . $srv->port . '/cognito/';
local $ENV{AWS_CONFIG_FILE} = '/dev/null';
local $ENV{AWS_SHARED_CREDENTIALS_FILE} = '/dev/null';
local $ENV{AWS_ACCESS_KEY_ID} = 'AKIDEXAMPLE';
local $ENV{AWS_SECRET_ACCESS_KEY} = 'dummy';
local $ENV{AWS_EC2_METADATA_DISABLED} = 'true';

# the CLI, as a user types it; returns (exit status, decoded JSON or text)
sub aws {
    my (@args) = @_;
    my @cmd = ($AWS, 'cognito-identity', @args, '--endpoint-url', $endpoint,
               '--region', 'us-east-1', '--output', 'json');
    my $out = qx{@{[ join ' ', map { "'$_'" } @cmd ]} 2>&1};
    my $rc = $? >> 8;
    my $data = eval { decode_json($out) };
    return ($rc, $data // $out);
}

sub claims_of {
    my ($token) = @_;
    my @p = split /\./, $token;
    my $pad = sub { my $s = shift; $s =~ tr{-_}{+/}; $s .= '=' x (-length($s) % 4); $s };
    return (decode_json(decode_base64($pad->($p[0]))),
            decode_json(decode_base64($pad->($p[1]))));
}

sub login_token {
    my (%c) = @_;
    my $now = time;
    return mint_openssl(key => "$root/t/keys/k1.pem",
                        header => '{"alg":"RS256","kid":"login-1"}',
                        payload => $json->encode({
                            iss => 'https://accounts.example.dev',
                            aud => 'app1', sub => 'alice', token_use => 'id',
                            exp => $now + 600, iat => $now, %c }));
}

# Guests: get-id, get-open-id-token, and the token works at the gateway.
my ($rc, $r) = aws('get-id', '--identity-pool-id', $POOL, '--no-sign-request');
is($rc, 0, 'get-id as a guest') or diag(explain $r);
my $id = ref $r ? $r->{IdentityId} : '';
like($id, qr/^us-east-1:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
     'an identity id like Cognito\'s');

($rc, my $r2) = aws('get-id', '--identity-pool-id', $POOL, '--no-sign-request');
isnt($r2->{IdentityId}, $id, 'a new guest identity each time');

($rc, $r) = aws('get-open-id-token', '--identity-id', $id, '--no-sign-request');
is($rc, 0, 'get-open-id-token for the guest') or diag(explain $r);
my $token = ref $r ? $r->{Token} : '';
is($r->{IdentityId}, $id, 'for the same identity');

my ($h, $c) = claims_of($token);
is_deeply([@$h{qw(alg typ)}], ['RS512', 'JWS'], 'header shaped like Cognito\'s');
like($h->{kid}, qr/^local-[0-9a-f]{12}$/, 'kid from the key');
is($c->{iss}, 'http://127.0.0.1:' . $srv->port . '/cognito', 'its own issuer');
isnt($c->{iss}, 'https://cognito-identity.amazonaws.com', 'never AWS\'s issuer');
is($c->{aud}, $POOL, 'aud is the pool');
is($c->{sub}, $id, 'sub is the identity');
is_deeply($c->{amr}, ['unauthenticated'], 'amr of a guest');
is($c->{exp} - $c->{iat}, 300, 'lifetime from ttl=');

my $resp = $srv->request('GET', '/api/', { Authorization => "Bearer $token" });
is($resp->{status}, 200, 'the gateway accepts the token via its own JWKS');
is($resp->{headers}{'x-id'}, $id, 'and sees the identity');

# A guest id this pool did not issue is refused.
(my $forged = $id) =~ s/.$/$& eq '0' ? '1' : '0'/e;
($rc, $r) = aws('get-open-id-token', '--identity-id', $forged, '--no-sign-request');
isnt($rc, 0, 'get-open-id-token for an id this pool did not issue fails');
like(ref $r ? '' : $r, qr/NotAuthorizedException/, 'with NotAuthorizedException');

# Logins: the same identity for the same login, and its token again.
my $alice = login_token('custom:team' => 'blue');
($rc, $r) = aws('get-id', '--identity-pool-id', $POOL, '--no-sign-request',
                '--logins', "accounts.example.dev=$alice");
is($rc, 0, 'get-id with a login') or diag(explain $r);
my $aid = ref $r ? $r->{IdentityId} : '';
($rc, $r) = aws('get-id', '--identity-pool-id', $POOL, '--no-sign-request',
                '--logins', 'accounts.example.dev=' . login_token());
is($r->{IdentityId}, $aid, 'the same login gets the same identity');
($rc, $r) = aws('get-id', '--identity-pool-id', $POOL, '--no-sign-request',
                '--logins', 'accounts.example.dev=' . login_token(sub => 'bob'));
isnt($r->{IdentityId}, $aid, 'another login another identity');
unlike($aid, qr/alice/, 'the id reveals nothing of the login');

($rc, $r) = aws('get-open-id-token', '--identity-id', $aid, '--no-sign-request');
isnt($rc, 0, 'an identity from a login needs the login again');
like(ref $r ? '' : $r, qr/NotAuthorizedException/, 'NotAuthorizedException');

($rc, $r) = aws('get-open-id-token', '--identity-id', $aid, '--no-sign-request',
                '--logins', 'accounts.example.dev=' . login_token(sub => 'bob'));
isnt($rc, 0, 'another login\'s token does not open this identity');

($rc, $r) = aws('get-open-id-token', '--identity-id', $aid, '--no-sign-request',
                '--logins', "accounts.example.dev=$alice");
is($rc, 0, 'with its login, the token') or diag(explain $r);
($h, $c) = claims_of($r->{Token} // '');
is_deeply($c->{amr}, ['authenticated', 'accounts.example.dev',
                      "accounts.example.dev:$POOL:alice"], 'amr of a login');
is_deeply($c->{'https://aws.amazon.com/tags'},
          { principal_tags => { team => ['blue'] } }, 'principal tags from the login');
$resp = $srv->request('GET', '/api/', { Authorization => "Bearer $r->{Token}" });
is($resp->{status}, 200, 'the gateway accepts it');
is($resp->{headers}{'x-amr'}, "authenticated,accounts.example.dev,accounts.example.dev:$POOL:alice",
   'as authenticated');

($rc, $r) = aws('get-id', '--identity-pool-id', $POOL, '--no-sign-request',
                '--logins', 'accounts.example.dev=' . login_token(aud => 'other'));
like(ref $r ? '' : $r, qr/NotAuthorizedException/, 'a login token for another client is refused');

($rc, $r) = aws('get-id', '--identity-pool-id', $POOL, '--no-sign-request',
                '--logins', "graph.facebook.com=$alice");
like(ref $r ? '' : $r, qr/NotAuthorizedException/, 'an unconfigured provider is refused');

# Developer identities.
($rc, $r) = aws('get-open-id-token-for-developer-identity',
                '--identity-pool-id', $POOL, '--logins', 'login.example.dev=user-42',
                '--token-duration', '120');
is($rc, 0, 'developer-authenticated token') or diag(explain $r);
($h, $c) = claims_of($r->{Token} // '');
is($c->{exp} - $c->{iat}, 120, 'with the requested duration');
is($c->{amr}[1], 'login.example.dev', 'and the developer provider');

# the longest TokenDuration Cognito allows, 24 h: the gateway accepts it
($rc, $r) = aws('get-open-id-token-for-developer-identity',
                '--identity-pool-id', $POOL, '--logins', 'login.example.dev=user-42',
                '--token-duration', '86400');
is($rc, 0, 'a developer token of 24 h') or diag(explain $r);
($h, $c) = claims_of($r->{Token} // '');
is($c->{exp} - $c->{iat}, 86400, 'lives 24 h from iat');
$resp = $srv->request('GET', '/api/', { Authorization => 'Bearer ' . ($r->{Token} // '') });
is($resp->{status}, 200, 'and the gateway accepts it');

# Errors in Cognito's shape.
($rc, $r) = aws('get-id', '--identity-pool-id', 'us-east-1:00000000-0000-4000-8000-000000000000',
                '--no-sign-request');
like(ref $r ? '' : $r, qr/ResourceNotFoundException/, 'another pool: ResourceNotFoundException');

$resp = $srv->request('POST', '/cognito/', { 'Content-Type' => 'application/x-amz-json-1.1',
                                             'X-Amz-Target' => 'AWSCognitoIdentityService.GetId' },
                      '{"IdentityPoolId": ');
is($resp->{status}, 400, 'malformed JSON: 400');
is($resp->{headers}{'x-amzn-errortype'}, 'InvalidParameterException', 'X-Amzn-ErrorType');
like($resp->{body}, qr/^\{"__type":"InvalidParameterException","message":"[^"]+"\}$/,
     'Cognito error body');
is($resp->{headers}{'cache-control'}, 'no-store', 'no-store');

$resp = $srv->request('POST', '/cognito/', { 'Content-Type' => 'application/x-amz-json-1.1',
                                             'X-Amz-Target' => 'AWSCognitoIdentityService.DeleteIdentityPool' },
                      '{}');
is($resp->{headers}{'x-amzn-errortype'}, 'UnknownOperationException', 'other operations refused');

$resp = $srv->request('GET', '/cognito/.well-known/openid-configuration');
is($resp->{status}, 200, 'discovery document');
my $d = eval { decode_json($resp->{body}) } // {};
is($d->{issuer}, 'http://127.0.0.1:' . $srv->port . '/cognito', 'names the issuer');
is($d->{jwks_uri}, 'http://127.0.0.1:' . $srv->port . '/cognito/.well-known/jwks_uri',
   'and the jwks_uri');

like($srv->error_log, qr/\[warn\].*identity pool "\Q$POOL\E" is a DEVELOPMENT pool/,
     'the log says loudly that it is a development pool');
$srv->stop;

# Configuration.
my $loc = sub { "server { listen 127.0.0.1:%%PORT%%; location /c/ { $_[0] } }\n" };
nginx_config_fails($loc->("cognito_identity_local_pool $POOL %%ROOT%%/t/keys/small1024.pem issuer=http://x;"),
    qr/RSA key of 1024 bits, 2048 to 16384 required/, 'a key under 2048 bits is refused');
nginx_config_fails($loc->("cognito_identity_local_pool $POOL %%ROOT%%/examples/dev/dev-key.pem issuer=http://x;"),
    qr/is the public development key of examples\/dev: add "development"/,
    'the shipped key needs the development switch');
nginx_config_ok($loc->("cognito_identity_local_pool $POOL %%ROOT%%/examples/dev/dev-key.pem issuer=http://x development;"),
    'with the switch it loads');
nginx_config_fails($loc->("cognito_identity_local_pool $POOL %%ROOT%%/t/keys/k1.pem issuer=https://cognito-identity.amazonaws.com;"),
    qr/must not issue tokens as "https:\/\/cognito-identity\.amazonaws\.com"/, 'never AWS\'s issuer');
nginx_config_fails($loc->("cognito_identity_local_pool $POOL %%ROOT%%/t/keys/k1.pem;"),
    qr/needs issuer=URL/, 'an issuer is required');
nginx_config_fails($loc->("cognito_identity_local_pool nope %%ROOT%%/t/keys/k1.pem issuer=http://x;"),
    qr/invalid identity pool id "nope"/, 'pool id checked');
nginx_config_fails($loc->("cognito_identity_local_pool $POOL %%ROOT%%/t/keys/k1.pem issuer=http://x ttl=0;"),
    qr/invalid parameter "ttl=0"/, 'ttl checked');

# A developer provider is never a login provider, nor looks like a provider
# of Cognito's: its users would get that provider's identities without its
# login token.
my $login = sub { "cognito_identity_login $_[0] %%ROOT%%/t/keys/jwks-k1-login.json issuer=https://accounts.example.dev client=app1;" };
my $dev = sub { "cognito_identity_local_pool $POOL %%ROOT%%/t/keys/k1.pem issuer=http://x developer=$_[0];" };
nginx_config_fails($loc->($dev->('accounts.example.dev') . $login->('accounts.example.dev')),
    qr/developer provider "accounts\.example\.dev" is also the login provider of cognito_identity_login in \S+:\d+.* in \S+:\d+/,
    'developer= equal to a login provider in the same location, login after it');
nginx_config_fails("server { listen 127.0.0.1:%%PORT%%; " . $login->('Accounts.Example.dev')
                   . " location /c/ { " . $dev->('accounts.example.dev') . " } }\n",
    qr/developer provider "accounts\.example\.dev" is also the login provider/,
    'a login provider of the server level (any case)');
nginx_config_fails("server { listen 127.0.0.1:%%PORT%%; location /c/ { " . $dev->('accounts.example.dev')
                   . " } location /d/ { " . $login->('accounts.example.dev') . " } }\n",
    qr/developer provider "accounts\.example\.dev" is also the login provider/,
    'a login provider of another location');
nginx_config_fails($login->('accounts.example.dev')
                   . " server { listen 127.0.0.1:%%PORT%%; location /c/ { " . $dev->('accounts.example.dev') . " } }\n",
    qr/developer provider "accounts\.example\.dev" is also the login provider/,
    'a login provider of the http level');
for my $name ('cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc', 'graph.facebook.com',
              'accounts.google.com', 'www.amazon.com', 'appleid.apple.com',
              'arn:aws:iam::123456789012:oidc-provider/x', 'cognito-identity.amazonaws.com',
              'GRAPH.FACEBOOK.COM', 'a/b', 'x.amazonaws.com')
{
    nginx_config_fails($loc->($dev->($name)),
        qr/developer provider "\Q$name\E" looks like an identity provider's name.* in \S+:\d+/,
        "developer=$name is refused");
}
nginx_config_ok($loc->($dev->('login.example_app-1.dev') . $login->('accounts.example.dev')),
    'a developer name of its own, beside a login provider, loads');

done_testing();
