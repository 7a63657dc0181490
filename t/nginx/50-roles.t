# SPDX-License-Identifier: BSD-2-Clause
# Role choice through nginx, with a roles file in the format of
# `aws cognito-identity get-identity-pool-roles` (t/roles/pool-roles.json)
# and user pool login tokens (RS256) presented beside the OpenID token.

use strict;
use warnings;

use lib 't/lib';
use CigTest;
use CigToken;
use JSON::PP;
use Test::More;

my $UP_ABC = 'cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc';
my $UP_DEF = 'cognito-idp.eu-west-1.amazonaws.com/eu-west-1_def';
my $ARN = 'arn:aws:iam::123456789012:role';

my $srv = start_nginx(<<"CONF");
    server {
        listen 127.0.0.1:%%PORT%%;
        root %%DIR%%/html;

        cognito_identity_pool eu-west-1:b45b9729-c269-4ef2-86f1-0df3e40fe92d
                              us-east-1:0f2c5e3a-1b4d-4c6e-8f90-1a2b3c4d5e6f
                              eu-west-2:11111111-2222-4333-8444-555555555555;
        cognito_identity_key_file %%ROOT%%/t/keys/jwks-k1.json;
        cognito_identity_unauthenticated on;

        add_header X-Role \$cognito_identity_role always;
        add_header X-Error \$cognito_identity_error always;

        location / {
            cognito_identity "api";
        }

        location /inline/ {
            cognito_identity "api";
            cognito_identity_role authenticated $ARN/InlineAuth;
            cognito_identity_role unauthenticated $ARN/InlineGuest;
            alias %%DIR%%/html/;
        }

        location /roles/ {
            cognito_identity "api";
            cognito_identity_roles %%ROOT%%/t/roles/pool-roles.json;
            cognito_identity_roles %%ROOT%%/t/roles/pool2-roles.json;
            cognito_identity_login $UP_ABC %%ROOT%%/t/keys/jwks-k1-login.json
                issuer=https://$UP_ABC client=client1abc,otherclient;
            cognito_identity_login $UP_DEF %%ROOT%%/t/keys/jwks-k1-login.json
                issuer=https://$UP_DEF client=client2def
                token=\$http_x_def_login;
            alias %%DIR%%/html/;
        }

        location /nologin/ {
            cognito_identity "api";
            cognito_identity_roles %%ROOT%%/t/roles/pool-roles.json;
            alias %%DIR%%/html/;
        }
    }
CONF

my $json = JSON::PP->new->canonical(1);
my $now = time();

sub openid {
    my (%c) = @_;
    return cognito_token(claims => \%c);
}

sub up_openid {
    my ($provider, $sub, %c) = @_;
    return openid(amr => ['authenticated', $provider,
                          "$provider:CognitoSignIn:$sub"], %c);
}

sub login {
    my ($provider, $client, %c) = @_;
    my $claims = { iss => "https://$provider", aud => $client,
                   sub => 'alice-0001', token_use => 'id',
                   exp => $now + 600, iat => $now, %c };
    delete $claims->{$_} for grep { !defined $claims->{$_} } keys %$claims;
    return mint_openssl(key => repo_root() . '/t/keys/k1.pem',
                        header => '{"alg":"RS256","kid":"login-1"}',
                        payload => $json->encode($claims));
}

sub req {
    my ($path, $openid, %h) = @_;
    return { path => $path,
             headers => { Authorization => "Bearer $openid", %h } };
}

my $guest = openid(amr => ['unauthenticated']);
my $fb = openid(amr => ['authenticated', 'graph.facebook.com',
                        'graph.facebook.com:eu-west-1:b45b9729:10001']);
my $fb_other = openid(amr => ['authenticated', 'graph.facebook.com',
                              'graph.facebook.com:eu-west-1:b45b9729:20002']);
my $google = openid(amr => ['authenticated', 'accounts.google.com',
                            'accounts.google.com:eu-west-1:x:1']);
my $abc = up_openid($UP_ABC, 'alice-0001');
my $def = up_openid($UP_DEF, 'alice-0001');

my @cases = (
    # where no role is configured, none is chosen
    ['no roles configured', req('/', $abc), 200, undef],

    ['inline: authenticated', req('/inline/', $abc), 200, "$ARN/InlineAuth"],
    ['inline: guest', req('/inline/', $guest), 200, "$ARN/InlineGuest"],

    ['file: guest gets the unauthenticated role', req('/roles/', $guest),
        200, "$ARN/Guest"],
    ['file: provider without a mapping gets the authenticated role',
        req('/roles/', $google), 200, "$ARN/Auth"],
    ['file: Rules on the OpenID token claims (amr), match',
        req('/roles/', $fb), 200, "$ARN/FacebookVip"],
    ['file: Rules, no match, Deny', req('/roles/', $fb_other), 403, undef,
        'no rule matched and the mapping denies'],
    ['file: a second pool has its own attachment',
        req('/roles/', openid(aud => POOL2)), 200,
        'arn:aws:iam::210987654321:role/Pool2Auth'],
    ['file: a pool without attachment',
        req('/roles/', openid(aud => 'eu-west-2:11111111-2222-4333-8444-555555555555')),
        403, undef, 'no role attachment for pool'],

    # user pool with Rules, claims from the login token
    ['login: first rule (groups array contains admins)',
        req('/roles/', $abc, 'X-Cognito-Login-Token' =>
            login($UP_ABC, 'client1abc', 'cognito:groups' => ['users', 'admins'])),
        200, "$ARN/Admin"],
    ['login: first match wins (rule 2 before rule 3)',
        req('/roles/', $abc, 'X-Cognito-Login-Token' =>
            login($UP_ABC, 'client1abc', email => 'ops.bob@example.com',
                  'custom:dept' => 'eng')),
        200, "$ARN/Ops"],
    ['login: NotEqual matches a different value',
        req('/roles/', $abc, 'X-Cognito-Login-Token' =>
            login($UP_ABC, 'client1abc', 'custom:dept' => 'eng')),
        200, "$ARN/NotSales"],
    ['login: NotEqual does not match an absent claim; fallback',
        req('/roles/', $abc, 'X-Cognito-Login-Token' =>
            login($UP_ABC, 'client1abc')),
        200, "$ARN/Auth"],
    ['login: rules read the login token, not the OpenID token',
        req('/roles/', up_openid($UP_ABC, 'alice-0001',
                                 'cognito:groups' => ['admins']),
            'X-Cognito-Login-Token' => login($UP_ABC, 'client1abc')),
        200, "$ARN/Auth"],
    ['login: another allowed client without a mapping',
        req('/roles/', $abc, 'X-Cognito-Login-Token' =>
            login($UP_ABC, 'otherclient', 'cognito:groups' => ['admins'])),
        200, "$ARN/Auth"],
    ['login: required when configured for the provider',
        req('/roles/', $abc), 403, undef, 'a login token of'],
    ['login: a client that is not allowed',
        req('/roles/', $abc, 'X-Cognito-Login-Token' =>
            login($UP_ABC, 'evilclient')), 401, undef,
        'login token: audience "evilclient" is not an allowed pool'],
    ['login: of another subject',
        req('/roles/', $abc, 'X-Cognito-Login-Token' =>
            login($UP_ABC, 'client1abc', sub => 'mallory-0002')),
        401, undef, 'its subject is not the identity'],
    ['login: of another provider',
        req('/roles/', $abc, 'X-Cognito-Login-Token' =>
            login($UP_DEF, 'client1abc')),
        401, undef, 'login token: issuer'],
    ['login: expired',
        req('/roles/', $abc, 'X-Cognito-Login-Token' =>
            login($UP_ABC, 'client1abc', exp => $now - 100)),
        401, undef, 'login token: token expired'],
    ['login: an access token is not an ID token',
        req('/roles/', $abc, 'X-Cognito-Login-Token' =>
            login($UP_ABC, 'client1abc', token_use => 'access')),
        401, undef, 'not an ID token'],
    ['login: RS512 refused where RS256 is configured',
        req('/roles/', $abc, 'X-Cognito-Login-Token' =>
            mint_openssl(key => repo_root() . '/t/keys/k1.pem',
                         header => '{"alg":"RS512","kid":"login-1"}',
                         payload => '{}')),
        401, undef, 'algorithm "RS512" is not allowed'],

    # user pool with Token, login token from another header
    ['token: preferred role',
        req('/roles/', $def, 'X-Def-Login' => login($UP_DEF, 'client2def',
            'cognito:roles' => ["$ARN/A", "$ARN/B"],
            'cognito:preferred_role' => "$ARN/A")),
        200, "$ARN/A"],
    ['token: requested role in cognito:roles',
        req('/roles/', $def, 'X-Def-Login' => login($UP_DEF, 'client2def',
            'cognito:roles' => ["$ARN/A", "$ARN/B"],
            'cognito:preferred_role' => "$ARN/A"),
            'X-Cognito-Custom-Role-Arn' => "$ARN/B"),
        200, "$ARN/B"],
    ['token: requested role not in cognito:roles',
        req('/roles/', $def, 'X-Def-Login' => login($UP_DEF, 'client2def',
            'cognito:roles' => ["$ARN/A", "$ARN/B"]),
            'X-Cognito-Custom-Role-Arn' => "$ARN/Admin"),
        403, undef, 'requested role is not in cognito:roles'],
    ['token: a single role, comma-separated form',
        req('/roles/', $def, 'X-Def-Login' => login($UP_DEF, 'client2def',
            'cognito:roles' => "$ARN/Only")),
        200, "$ARN/Only"],
    ['token: several roles, no preferred, Deny',
        req('/roles/', $def, 'X-Def-Login' => login($UP_DEF, 'client2def',
            'cognito:roles' => "$ARN/A,$ARN/B")),
        403, undef, 'several roles in cognito:roles'],
    ['token: no roles, Deny',
        req('/roles/', $def, 'X-Def-Login' => login($UP_DEF, 'client2def')),
        403, undef, 'no cognito:roles'],
    ['token: the default header is not read where token= is set',
        req('/roles/', $def, 'X-Cognito-Login-Token' =>
            login($UP_DEF, 'client2def', 'cognito:roles' => "$ARN/Only")),
        403, undef, 'a login token of'],

    # outside Token mappings, a requested role must be the chosen one
    ['requested role equal to the chosen one',
        req('/roles/', $google, 'X-Cognito-Custom-Role-Arn' => "$ARN/Auth"),
        200, "$ARN/Auth"],
    ['requested role different from the chosen one',
        req('/roles/', $google, 'X-Cognito-Custom-Role-Arn' => "$ARN/Admin"),
        403, undef, 'not the role the pool chose'],

    # without cognito_identity_login, a user pool mapping is found by the
    # provider in amr, and its rules read the OpenID token's claims
    ['no login configured: the single mapping of the provider',
        req('/nologin/', up_openid($UP_ABC, 'x', 'cognito:groups' => ['admins'])),
        200, "$ARN/Admin"],
);

for my $c (@cases) {
    my ($name, $req, $status, $role, $why) = @$c;
    my %expect = (status => $status);

    if (defined $role) {
        $expect{headers_like} = { 'x-role' => $role };
    } else {
        $expect{headers_absent} = ['x-role'];
    }

    if ($why) {
        $expect{headers_like}{'x-error'} = qr/\Q$why\E/;
        $expect{log_like} = qr/cognito identity: $status, .*\Q$why\E/;
    }

    check($srv, { %$req, %expect }, $name);
}

$srv->stop;

# Configuration errors name the file and the offending field.
my $dir = File::Temp::tempdir(CLEANUP => 1);

sub roles_file {
    my ($name, $text) = @_;
    open my $fh, '>', "$dir/$name" or die;
    print $fh $text;
    close $fh;
    return "$dir/$name";
}

my $P = '"IdentityPoolId": "eu-west-1:b45b9729-c269-4ef2-86f1-0df3e40fe92d"';
my $rule = '{"Claim":"c","MatchType":"Equals","Value":"v","RoleARN":"'
           . "$ARN/R" . '"}';

my @errors = (
    ['unknown top-level field', "{$P, \"Extra\": 1}",
        qr/unknown field "Extra"/],
    ['unknown role kind', "{$P, \"Roles\": {\"admin\": \"$ARN/A\"}}",
        qr/Roles: unknown field "admin"/],
    ['bad role ARN', "{$P, \"Roles\": {\"authenticated\": \"arn:aws:iam::1:role/A\"}}",
        qr/Roles\.authenticated: "arn:aws:iam::1:role\/A" is not an IAM role ARN/],
    ['a user ARN is not a role', "{$P, \"Roles\": {\"authenticated\": \"arn:aws:iam::123456789012:user/A\"}}",
        qr/is not an IAM role ARN/],
    ['bad pool id', '{"IdentityPoolId": "nope"}', qr/IdentityPoolId: a pool id/],
    ['bad MatchType', "{$P, \"RoleMappings\": {\"p\": {\"Type\": \"Rules\", \"AmbiguousRoleResolution\": \"Deny\", \"RulesConfiguration\": {\"Rules\": [{\"Claim\":\"c\",\"MatchType\":\"Equal\",\"Value\":\"v\",\"RoleARN\":\"$ARN/R\"}]}}}}",
        qr/RoleMappings\["p"\]\.RulesConfiguration\.Rules\[0\]\.MatchType: "Equal" is not one of/],
    ['bad Type', "{$P, \"RoleMappings\": {\"p\": {\"Type\": \"Claims\", \"AmbiguousRoleResolution\": \"Deny\"}}}",
        qr/RoleMappings\["p"\]\.Type/],
    ['missing AmbiguousRoleResolution', "{$P, \"RoleMappings\": {\"p\": {\"Type\": \"Token\"}}}",
        qr/AmbiguousRoleResolution: "AuthenticatedRole" or "Deny" is required/],
    ['bad AmbiguousRoleResolution', "{$P, \"RoleMappings\": {\"p\": {\"Type\": \"Token\", \"AmbiguousRoleResolution\": \"Allow\"}}}",
        qr/AmbiguousRoleResolution/],
    ['unknown rule field', "{$P, \"RoleMappings\": {\"p\": {\"Type\": \"Rules\", \"AmbiguousRoleResolution\": \"Deny\", \"RulesConfiguration\": {\"Rules\": [{\"Claim\":\"c\",\"MatchType\":\"Equals\",\"Value\":\"v\",\"RoleARN\":\"$ARN/R\",\"Priority\":1}]}}}}",
        qr/Rules\[0\]: unknown field "Priority"/],
    ['more than 25 rules', "{$P, \"RoleMappings\": {\"p\": {\"Type\": \"Rules\", \"AmbiguousRoleResolution\": \"Deny\", \"RulesConfiguration\": {\"Rules\": [" . join(',', ($rule) x 26) . "]}}}}",
        qr/Rules: an array of 1 to 25 rules/],
    ['more than 10 mappings', "{$P, \"RoleMappings\": {" . join(',', map { "\"p$_\": {\"Type\": \"Token\", \"AmbiguousRoleResolution\": \"Deny\"}" } 1 .. 11) . "}}",
        qr/RoleMappings: 11 mappings, at most 10 allowed/],
    ['claim too long', "{$P, \"RoleMappings\": {\"p\": {\"Type\": \"Rules\", \"AmbiguousRoleResolution\": \"Deny\", \"RulesConfiguration\": {\"Rules\": [{\"Claim\":\"" . ('c' x 65) . "\",\"MatchType\":\"Equals\",\"Value\":\"v\",\"RoleARN\":\"$ARN/R\"}]}}}}",
        qr/Claim: a string of 1 to 64/],
    ['Rules without RulesConfiguration', "{$P, \"RoleMappings\": {\"p\": {\"Type\": \"Rules\", \"AmbiguousRoleResolution\": \"Deny\"}}}",
        qr/RulesConfiguration: required for Type "Rules"/],
    ['not JSON', "{$P,}", qr/invalid JSON/],
);

my $i = 0;
for my $e (@errors) {
    my ($name, $text, $re) = @$e;
    my $f = roles_file('roles' . $i++ . '.json', $text);
    nginx_config_fails(<<"C", qr/cognito_identity_roles "\Q$f\E": .*$re.* in \S+nginx\.conf:\d+/, "roles file: $name");
    server { listen 127.0.0.1:%%PORT%%; cognito_identity_roles $f; }
C
}

nginx_config_fails(<<"C", qr/two role attachments for pool/, 'two files for one pool');
    server { listen 127.0.0.1:%%PORT%%;
        location / {
            cognito_identity_roles %%ROOT%%/t/roles/pool-roles.json;
            cognito_identity_roles %%ROOT%%/examples/aws/identity-pool-roles.json;
        }
    }
C

my @directive_errors = (
    ["cognito_identity_role admin $ARN/A;",
        qr/invalid role kind "admin"/],
    ['cognito_identity_role authenticated arn:aws:iam::123:role/A;',
        qr/"arn:aws:iam::123:role\/A" is not an IAM role ARN/],
    ["cognito_identity_role authenticated $ARN/A; cognito_identity_role authenticated $ARN/B;",
        qr/"cognito_identity_role" directive is duplicate/],
    ["cognito_identity_login $UP_ABC %%ROOT%%/t/keys/jwks-k1-login.json client=x;",
        qr/needs issuer= and client=/],
    ["cognito_identity_login $UP_ABC %%ROOT%%/t/keys/jwks-k1-login.json issuer=https://x client=x alg=HS256;",
        qr/invalid parameter "alg=HS256"/],
    ["cognito_identity_login $UP_ABC %%ROOT%%/t/keys/jwks-k1-login.json issuer=https://x client=a,,b;",
        qr/invalid parameter "client=a,,b"/],
    ["cognito_identity_login $UP_ABC %%ROOT%%/t/keys/jwks-k1-login.json issuer=https://x client=a client=b;",
        qr/invalid parameter "client=b"/],
    ["cognito_identity_login $UP_ABC %%ROOT%%/t/keys/nope.json issuer=https://x client=x;",
        qr/cognito_identity_login "\S+nope\.json": cannot open/],
    ["cognito_identity_login p %%ROOT%%/t/keys/jwks-k1-login.json issuer=https://x client=x; cognito_identity_login p %%ROOT%%/t/keys/jwks-k1-login.json issuer=https://x client=x;",
        qr/login provider "p" is configured twice/],
);

for my $e (@directive_errors) {
    my ($line, $re) = @$e;
    nginx_config_fails("server { listen 127.0.0.1:%%PORT%%; $line }\n", $re,
                       "directive: $line");
}

nginx_config_ok(<<"C", 'the example roles file in AWS format loads');
    server { listen 127.0.0.1:%%PORT%%;
        cognito_identity_roles %%ROOT%%/examples/aws/identity-pool-roles.json;
    }
C

done_testing();
