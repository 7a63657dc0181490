# SPDX-License-Identifier: BSD-2-Clause
# Configuration errors: "nginx -t" must refuse, naming the file, the line
# and what is wrong; good configurations must pass.

use strict;
use warnings;

use lib 't/lib';
use CigTest;
use Test::More;

my $POOL = 'eu-west-1:b45b9729-c269-4ef2-86f1-0df3e40fe92d';

sub server {
    my ($body) = @_;
    return "server {\n    listen 127.0.0.1:%%PORT%%;\n$body\n}\n";
}

my $good = <<"C";
    cognito_identity_pool $POOL;
    cognito_identity_key_file %%ROOT%%/t/keys/jwks-k1.json;
    location / { cognito_identity "api"; }
C

nginx_config_ok(server($good), 'a minimal configuration passes');

nginx_config_ok(server(<<"C"), 'every directive at every level');
    cognito_identity_pool $POOL us-east-1:0f2c5e3a-1b4d-4c6e-8f90-1a2b3c4d5e6f;
    cognito_identity_key_file %%ROOT%%/t/keys/jwks-k1.json;
    cognito_identity_key_file %%ROOT%%/t/keys/jwks-k2.json;
    cognito_identity_issuer https://cognito-identity.amazonaws.com;
    cognito_identity_leeway 30s;
    cognito_identity_unauthenticated off;
    cognito_identity_cors_preflight on;
    cognito_identity "realm with spaces" token=\$http_x_token;
    location / {
        cognito_identity off;
        location /inner/ { cognito_identity "inner"; }
        limit_except GET { cognito_identity "writes"; }
    }
C

my @errors = (
    ['invalid pool id', <<"C", qr/invalid identity pool id "eu-west-1:nope".*nginx\.conf:\d+/s],
    cognito_identity_pool eu-west-1:nope;
C
    ['pool id with upper-case hex', <<"C", qr/invalid identity pool id/],
    cognito_identity_pool eu-west-1:B45B9729-C269-4EF2-86F1-0DF3E40FE92D;
C
    ['pool listed twice', <<"C", qr/identity pool "\Q$POOL\E" is listed twice/],
    cognito_identity_pool $POOL $POOL;
C
    ['no pool for an enabled location', <<"C", qr/"cognito_identity" in \S+nginx\.conf:\d+ has no "cognito_identity_pool"/],
    cognito_identity_key_file %%ROOT%%/t/keys/jwks-k1.json;
    location / { cognito_identity "api"; }
C
    ['no keys for an enabled location', <<"C", qr/"cognito_identity" in \S+nginx\.conf:\d+ has no keys/],
    cognito_identity_pool $POOL;
    location / { cognito_identity "api"; }
C
    ['key file missing', <<"C", qr/cognito_identity_key_file "\S+nope\.json": cannot open .*No such file.* in \S+nginx\.conf:\d+/],
    cognito_identity_key_file %%ROOT%%/t/keys/nope.json;
C
    ['key file not JSON', <<"C", qr/jwks-notjson\.json": invalid JSON/],
    cognito_identity_key_file %%ROOT%%/t/keys/jwks-notjson.json;
C
    ['key under 2048 bits', <<"C", qr/key "small": RSA modulus of 1024 bits, 2048 to 16384 required/],
    cognito_identity_key_file %%ROOT%%/t/keys/jwks-small.json;
C
    ['duplicate kid', <<"C", qr/duplicate kid "test-1"/],
    cognito_identity_key_file %%ROOT%%/t/keys/jwks-dupkid.json;
C
    ['key without kid', <<"C", qr/no usable "kid"/],
    cognito_identity_key_file %%ROOT%%/t/keys/jwks-nokid.json;
C
    ['no signing key (use enc)', <<"C", qr/no RSA signing key/],
    cognito_identity_key_file %%ROOT%%/t/keys/jwks-k1-enc.json;
C
    ['empty key set', <<"C", qr/no RSA signing key/],
    cognito_identity_key_file %%ROOT%%/t/keys/jwks-empty.json;
C
    ['same key file twice', <<"C", qr/is named twice/],
    cognito_identity_key_file %%ROOT%%/t/keys/jwks-k1.json;
    cognito_identity_key_file %%ROOT%%/t/keys/jwks-k1.json;
C
    ['realm with a quote', <<'C', qr/realm "a"b" may contain only printable ASCII/],
    location / { cognito_identity "a\"b"; }
C
    ['empty realm', <<'C', qr/needs a non-empty realm/],
    location / { cognito_identity ""; }
C
    ['bad second parameter', <<'C', qr/invalid parameter "tokens=\$x", expected "token=\$variable"/],
    location / { cognito_identity "api" tokens=$x; }
C
    ['off with a parameter', <<'C', qr/takes no other parameters with "off"/],
    location / { cognito_identity off token=$x; }
C
    ['duplicate cognito_identity', <<'C', qr/"cognito_identity" directive is duplicate/],
    location / { cognito_identity "a"; cognito_identity "b"; }
C
    ['bad leeway', <<'C', qr/"cognito_identity_leeway" directive invalid value/],
    cognito_identity_leeway soon;
C
    ['bad flag', <<'C', qr/invalid value "maybe" in "cognito_identity_unauthenticated"/],
    cognito_identity_unauthenticated maybe;
C
    ['empty issuer', <<'C', qr/"cognito_identity_issuer" directive needs an issuer/],
    cognito_identity_issuer "";
C
    ['development key trusted for AWS issuer', <<"C", qr/key file "\S+dev-jwks\.json" holds the public development key/],
    cognito_identity_key_file %%ROOT%%/examples/dev/dev-jwks.json;
C
    ['pool directive outside http', undef, qr/"cognito_identity_pool" directive is not allowed here/],
);

for my $e (@errors) {
    my ($name, $body, $re) = @$e;

    if (!defined $body) {
        nginx_config_fails(server($good), $re, $name,
                           main => "cognito_identity_pool $POOL;");
        next;
    }

    nginx_config_fails(server($body), $re, $name);
}

my $out = nginx_config_ok(server(<<"C"), 'a JWKS with an EC key loads');
    cognito_identity_key_file %%ROOT%%/t/keys/jwks-ec.json;
C
like($out, qr/\[warn\].*jwks-ec\.json": 1 keys that are not RSA signing keys are ignored/,
     'skipped keys draw a warning');

nginx_config_ok(server(<<"C"), 'development key with the development issuer');
    cognito_identity_issuer https://cognito-identity.dev.invalid;
    cognito_identity_key_file %%ROOT%%/examples/dev/dev-jwks.json;
C

nginx_config_ok(server(<<"C"), 'AWS-style padded standard base64 modulus loads');
    cognito_identity_key_file %%ROOT%%/t/keys/jwks-aws-style.json;
C

done_testing();
