# SPDX-License-Identifier: BSD-2-Clause
# Configuration errors: "apache2 -t" must refuse, naming the file, the line
# and what is wrong; good configurations must pass.  Trust directives are
# refused in .htaccess (see 30-require.t for the request side).

use strict;
use warnings;

use lib 't/lib';
use CigApache;
use CigTest -nomodule;
use Test::More;

my $POOL = 'eu-west-1:b45b9729-c269-4ef2-86f1-0df3e40fe92d';
my $ROLE = 'arn:aws:iam::123456789012:role/User';
my $LINE = qr/Syntax error on line \d+ of \S+apache2\.conf:/;

my $good = <<"C";
CognitoIdentityPool $POOL
CognitoIdentityKeyFile %%ROOT%%/t/keys/jwks-k1.json
<Location />
    AuthType CognitoIdentity
    AuthName "api"
    Require cognito-identity
</Location>
C

apache_config_ok($good, 'a minimal configuration passes');

apache_config_ok(<<"C", 'every directive, server and sections');
CognitoIdentityPool $POOL us-east-1:0f2c5e3a-1b4d-4c6e-8f90-1a2b3c4d5e6f
CognitoIdentityKeyFile %%ROOT%%/t/keys/jwks-k1.json
CognitoIdentityKeyFile %%ROOT%%/t/keys/jwks-k2.json
CognitoIdentityKeyURL http://127.0.0.1:1/jwks.json
CognitoIdentityKeyCache 1h
CognitoIdentityKeyRefresh 30s
CognitoIdentityIssuer https://cognito-identity.amazonaws.com
CognitoIdentityLeeway 30
CognitoIdentityUnauthenticated Off
CognitoIdentityToken "%{HTTP:X-Token}"
CognitoIdentityRoles %%ROOT%%/t/roles/pool-roles.json
CognitoIdentityRole unauthenticated arn:aws:iam::123456789012:role/Guest2
CognitoIdentityPolicy $ROLE %%ROOT%%/t/policies/s3-per-user.json
CognitoIdentityAuthorize s3 bucket=mybucket
CognitoIdentityAllowPrefix /files/\${cognito-identity.amazonaws.com:sub}/ /pub
<VirtualHost 127.0.0.1:%%PORT%%>
    CognitoIdentityUnauthenticated On
    <Directory %%DIR%%/html>
        CognitoIdentityAuthorize execute-api arn:aws:execute-api:eu-west-1:123456789012:abc123/prod
    </Directory>
    <Location /a>
        AuthType CognitoIdentity
        AuthName "a"
        <RequireAll>
            Require cognito-authenticated
            Require cognito-role $ROLE arn:aws:iam::123456789012:role/Admin
            Require not cognito-role arn:aws:iam::123456789012:role/Guest
            Require cognito-pool $POOL
            Require cognito-policy
        </RequireAll>
        CognitoIdentityAuthorize off
    </Location>
</VirtualHost>
C

my @errors = (
    ['invalid pool id', "CognitoIdentityPool eu-west-1:nope",
        qr/$LINE\s+CognitoIdentityPool: invalid identity pool id "eu-west-1:nope"/],
    ['pool id with upper-case hex', "CognitoIdentityPool eu-west-1:B45B9729-C269-4EF2-86F1-0DF3E40FE92D",
        qr/invalid identity pool id/],
    ['pool listed twice', "CognitoIdentityPool $POOL $POOL", qr/identity pool "\Q$POOL\E" is listed twice/],
    ['pool given twice', "CognitoIdentityPool $POOL\nCognitoIdentityPool $POOL",
        qr/CognitoIdentityPool is given twice here/],
    ['key file missing', "CognitoIdentityKeyFile %%ROOT%%/t/keys/nope.json",
        qr/$LINE\s+CognitoIdentityKeyFile "\S+nope\.json": cannot open/],
    ['key file not JSON', "CognitoIdentityKeyFile %%ROOT%%/t/keys/jwks-notjson.json", qr/jwks-notjson\.json": invalid JSON/],
    ['key under 2048 bits', "CognitoIdentityKeyFile %%ROOT%%/t/keys/jwks-small.json",
        qr/key "small": RSA modulus of 1024 bits, 2048 to 16384 required/],
    ['duplicate kid', "CognitoIdentityKeyFile %%ROOT%%/t/keys/jwks-dupkid.json", qr/duplicate kid "test-1"/],
    ['key without kid', "CognitoIdentityKeyFile %%ROOT%%/t/keys/jwks-nokid.json", qr/no usable "kid"/],
    ['no signing key', "CognitoIdentityKeyFile %%ROOT%%/t/keys/jwks-k1-enc.json", qr/no RSA signing key/],
    ['same key file twice', "CognitoIdentityKeyFile %%ROOT%%/t/keys/jwks-k1.json\nCognitoIdentityKeyFile %%ROOT%%/t/keys/jwks-k1.json",
        qr/is named twice/],
    ['key URL not http', "CognitoIdentityKeyURL file:///etc/passwd", qr/is not an http:\/\/ or https:\/\/ URL/],
    ['bad leeway', "CognitoIdentityLeeway soon", qr/CognitoIdentityLeeway: invalid time "soon"/],
    ['bad refresh', "CognitoIdentityKeyRefresh 0", qr/must be at least 1s/],
    ['bad flag', "CognitoIdentityUnauthenticated maybe", qr/CognitoIdentityUnauthenticated must be On or Off/],
    ['issuer too long', 'CognitoIdentityIssuer https://' . ('x' x 600), qr/CognitoIdentityIssuer needs an issuer of 1 to 512/],
    ['bad token expression', 'CognitoIdentityToken "%{HTTP:X-Token"', qr/CognitoIdentityToken: cannot parse expression/],
    ['bad role kind', "CognitoIdentityRole admin $ROLE", qr/invalid role kind "admin"/],
    ['bad role ARN', "CognitoIdentityRole authenticated arn:aws:iam::1:role/x", qr/"arn:aws:iam::1:role\/x" is not an IAM role ARN/],
    ['role twice', "CognitoIdentityRole authenticated $ROLE\nCognitoIdentityRole authenticated $ROLE", qr/authenticated is given twice here/],
    ['roles file invalid', "CognitoIdentityRoles %%ROOT%%/t/keys/jwks-k1.json", qr/$LINE\s+CognitoIdentityRoles "\S+jwks-k1\.json": /],
    ['roles file twice', "CognitoIdentityRoles %%ROOT%%/t/roles/pool-roles.json\nCognitoIdentityRoles %%ROOT%%/t/roles/pool-roles.json",
        qr/roles file "\S+" is named twice/],
    ['policy file missing', "CognitoIdentityPolicy $ROLE %%ROOT%%/nope.json", qr/CognitoIdentityPolicy "\S+nope\.json": cannot open/],
    ['policy attached twice', "CognitoIdentityPolicy $ROLE %%ROOT%%/t/policies/s3-per-user.json\nCognitoIdentityPolicy $ROLE %%ROOT%%/t/policies/s3-per-user.json",
        qr/is attached to "\Q$ROLE\E" twice/],
    ['bad authorize mode', "CognitoIdentityAuthorize s4", qr/invalid value, expected "s3 \[bucket=NAME\]", "execute-api ARN_PREFIX" or "off"/],
    ['bad bucket', "CognitoIdentityAuthorize s3 bucket=My_Bucket", qr/invalid bucket name in "bucket=My_Bucket"/],
    ['bad API ARN', "CognitoIdentityAuthorize execute-api arn:aws:lambda:x", qr/is not an API Gateway ARN prefix/],
    ['API ARN of a China region under aws', "CognitoIdentityAuthorize execute-api arn:aws:execute-api:cn-north-1:123456789012:abc123/prod",
        qr/is not an API Gateway ARN prefix .*: region "cn-north-1" is in partition "aws-cn", not "aws"/],
    ['API ARN of an unknown partition', "CognitoIdentityAuthorize execute-api arn:aws-moon:execute-api:eu-west-1:123456789012:abc123/prod",
        qr/"aws-moon" is not an AWS partition/],
    ['relative prefix', "CognitoIdentityAllowPrefix files/", qr/prefix "files\/" does not start with "\/"/],
    ['prefix variable never set', 'CognitoIdentityAllowPrefix /a/${aws:username}/', qr/variable "\$\{aws:username\}" has no value for a prefix/],
    ['Require cognito-role without ARN', "<Location />\nRequire cognito-role\n</Location>", qr/$LINE\s+Require cognito-role needs at least one role ARN/],
    ['Require cognito-role with a bad ARN', "<Location />\nRequire cognito-role admin\n</Location>", qr/Require cognito-role: "admin" is not an IAM role ARN/],
    ['Require cognito-pool with a bad id', "<Location />\nRequire cognito-pool eu-west-1\n</Location>", qr/Require cognito-pool: "eu-west-1" is not an identity pool id/],
    ['Require cognito-identity with arguments', "<Location />\nRequire cognito-identity yes\n</Location>", qr/take no arguments, not "yes"/],
    ['Require cognito-policy with arguments', "<Location />\nRequire cognito-policy s3\n</Location>", qr/take no arguments/],
    ['development key trusted for AWS issuer', "CognitoIdentityKeyFile %%ROOT%%/examples/dev/dev-jwks.json",
        qr/holds the public development key of examples\/dev/],
    ['development key in a section', "<Location /x>\nCognitoIdentityKeyFile %%ROOT%%/examples/dev/dev-jwks.json\n</Location>",
        qr/in a <Location> section holds the public development key/],
);

for my $e (@errors) {
    my ($name, $body, $re) = @$e;
    apache_config_fails($body, $re, $name);
}

# execute-api ARN prefixes in every partition, the partition the region's
for my $p (['aws', 'eu-west-1'], ['aws-cn', 'cn-north-1'],
           ['aws-us-gov', 'us-gov-west-1'], ['aws-iso', 'us-iso-east-1'],
           ['aws-iso-b', 'us-isob-east-1'], ['aws-iso-e', 'eu-isoe-west-1'],
           ['aws-iso-f', 'us-isof-south-1'], ['aws-eusc', 'eusc-de-east-1']) {
    my ($partition, $region) = @$p;
    apache_config_ok("CognitoIdentityAuthorize execute-api "
                     . "arn:$partition:execute-api:$region:123456789012:abc123/prod",
                     "execute-api ARN prefix in $partition");
}

# AuthType CognitoIdentity where no pool or no key can ever apply: refused
# at "apache2 -t" with the line, not a 500 for every request.
my $KEYS = 'CognitoIdentityKeyFile %%ROOT%%/t/keys/jwks-k1.json';
my $auth = "AuthType CognitoIdentity\nAuthName \"a\"\nRequire cognito-identity";
apache_config_fails("$KEYS\n<Location /a>\n$auth\n</Location>",
    qr/AuthType CognitoIdentity on line \d+ of \S+apache2\.conf: no CognitoIdentityPool is set in this server, virtual host or any of their sections/,
    'AuthType CognitoIdentity without any pool');
apache_config_fails("CognitoIdentityPool $POOL\n<Directory %%DIR%%/html>\n$auth\n</Directory>",
    qr/AuthType CognitoIdentity on line \d+ of \S+apache2\.conf: no CognitoIdentityKeyFile or CognitoIdentityKeyURL/,
    'AuthType CognitoIdentity without any key');
apache_config_fails(<<"C", qr/AuthType CognitoIdentity on line \d+ .*no CognitoIdentityPool/,
<VirtualHost 127.0.0.1:%%PORT%%>
    ServerName one
    CognitoIdentityPool $POOL
    $KEYS
</VirtualHost>
<VirtualHost 127.0.0.1:%%PORT%%>
    ServerName two
    $KEYS
    <Location /x>
        $auth
    </Location>
</VirtualHost>
C
    'a pool of another virtual host does not apply');
apache_config_ok(<<"C", 'a pool that may apply by path is no error');
$KEYS
<Location /api>
    CognitoIdentityPool $POOL
</Location>
<Location /api/v1>
    $auth
</Location>
C
apache_config_ok(<<"C", 'a section of the main server may use the pools of virtual hosts');
<Location /x>
    $auth
</Location>
<VirtualHost 127.0.0.1:%%PORT%%>
    CognitoIdentityPool $POOL
    $KEYS
</VirtualHost>
C
apache_config_ok(<<"C", 'pool and keys of the main server apply to virtual hosts');
CognitoIdentityPool $POOL
CognitoIdentityKeyURL http://127.0.0.1:1/jwks.json
<VirtualHost 127.0.0.1:%%PORT%%>
    <Location /x>
        $auth
    </Location>
</VirtualHost>
C

my $out = apache_config_ok("CognitoIdentityKeyFile %%ROOT%%/t/keys/jwks-ec.json",
                           'a JWKS with an EC key loads');
like($out, qr/jwks-ec\.json" in \S+apache2\.conf:\d+: 1 keys that are not RSA signing keys are ignored/,
     'skipped keys draw a warning naming file and line');

apache_config_ok(<<"C", 'development key with the development issuer');
CognitoIdentityIssuer https://cognito-identity.dev.invalid
CognitoIdentityKeyFile %%ROOT%%/examples/dev/dev-jwks.json
C

apache_config_ok("CognitoIdentityKeyFile %%ROOT%%/t/keys/jwks-aws-style.json",
                 'AWS-style padded standard base64 modulus loads');

done_testing();
