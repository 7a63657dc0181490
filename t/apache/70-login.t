# SPDX-License-Identifier: BSD-2-Clause
# Role choice with login tokens through Apache httpd: CognitoIdentityLogin
# mirrors nginx's cognito_identity_login, so these are the cases of
# t/nginx/50-roles.t (user pool login tokens, RS256, presented beside the
# OpenID token; Rules and Token mappings reading the login token's claims;
# binding to the identity), with the same answers and reasons, plus the
# directive's configuration errors at "apache2 -t".

use strict;
use warnings;

use lib 't/lib';
use CigApache;
use CigToken;
use CigTest -nomodule;
use JSON::PP;
use Test::More;

my $UP_ABC = 'cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc';
my $UP_DEF = 'cognito-idp.eu-west-1.amazonaws.com/eu-west-1_def';
my $ARN = 'arn:aws:iam::123456789012:role';

my $srv = start_apache(<<"CONF");
CognitoIdentityPool ${\ POOL} ${\ POOL2} eu-west-2:11111111-2222-4333-8444-555555555555
CognitoIdentityKeyFile %%ROOT%%/t/keys/jwks-k1.json
CognitoIdentityUnauthenticated On
Header always set X-Role "%{COGNITO_IDENTITY_ROLE}e" env=COGNITO_IDENTITY_ROLE
Header always set X-Error "%{COGNITO_IDENTITY_ERROR}e" env=COGNITO_IDENTITY_ERROR
Alias /roles/ %%DIR%%/html/
Alias /nologin/ %%DIR%%/html/
Alias /inherit/ %%DIR%%/html/
Alias /short/ %%DIR%%/html/

<Location />
    AuthType CognitoIdentity
    AuthName "api"
    Require cognito-identity
</Location>
<LocationMatch "^/(roles|inherit|short)/">
    CognitoIdentityRoles %%ROOT%%/t/roles/pool-roles.json
    CognitoIdentityRoles %%ROOT%%/t/roles/pool2-roles.json
    CognitoIdentityLogin $UP_ABC %%ROOT%%/t/keys/jwks-k1-login.json \\
        issuer=https://$UP_ABC client=client1abc,otherclient
    CognitoIdentityLogin $UP_DEF %%ROOT%%/t/keys/jwks-k1-login.json \\
        issuer=https://$UP_DEF client=client2def \\
        "token=%{HTTP:X-Def-Login}"
</LocationMatch>
<Location /nologin/>
    CognitoIdentityRoles %%ROOT%%/t/roles/pool-roles.json
</Location>
<Location /short/>
    # a section with its own logins replaces the inherited ones
    CognitoIdentityLogin $UP_ABC %%ROOT%%/t/keys/jwks-k1-login.json \\
        issuer=https://$UP_ABC client=client1abc bind=provider
</Location>
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
my $google = openid(amr => ['authenticated', 'accounts.google.com',
                            'accounts.google.com:eu-west-1:x:1']);
my $abc = up_openid($UP_ABC, 'alice-0001');
my $def = up_openid($UP_DEF, 'alice-0001');

my @cases = (
    ['guest: no login token needed', req('/roles/', $guest), 200, "$ARN/Guest"],
    ['provider without login configured', req('/roles/', $google), 200, "$ARN/Auth"],

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
    ['login: a repeated header (httpd joins it) is refused',
        { path => '/roles/', headers => [[Authorization => "Bearer $abc"],
            ['X-Cognito-Login-Token' => login($UP_ABC, 'client1abc')],
            ['X-Cognito-Login-Token' => login($UP_ABC, 'client1abc')]] },
        401, undef, 'login token: '],

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

    # without CognitoIdentityLogin, a user pool mapping is found by the
    # provider in amr, and its rules read the OpenID token's claims
    ['no login configured: the single mapping of the provider',
        req('/nologin/', up_openid($UP_ABC, 'x', 'cognito:groups' => ['admins'])),
        200, "$ARN/Admin"],

    # a section's own logins replace the inherited ones; bind=provider
    ['own logins: bind=provider accepts another subject',
        req('/short/', $abc, 'X-Cognito-Login-Token' =>
            login($UP_ABC, 'client1abc', sub => 'someone-else',
                  'cognito:groups' => ['admins'])),
        200, "$ARN/Admin"],
    ['own logins: the inherited DEF provider is gone',
        req('/short/', $def, 'X-Def-Login' => login($UP_DEF, 'client2def',
            'cognito:roles' => "$ARN/Only")),
        403, undef, 'no cognito:roles'],
);

for my $c (@cases) {
    my ($name, $req, $status, $role, $why) = @$c;
    my %expect = (status => $status);

    if (defined $role) {
        $expect{headers_like} = { 'x-role' => $role };
    } else {
        $expect{headers_absent} = ['x-role'];
    }

    if ($status == 401) {
        $expect{headers_like}{'www-authenticate'} =
            'Bearer realm="api", error="invalid_token"';
    }

    if ($why) {
        $expect{headers_like}{'x-error'} = qr/\Q$why\E/;
        $expect{log_like} = qr/cognito identity: $status, .*\Q$why\E/;
    }

    check($srv, { %$req, %expect }, $name);
}

$srv->stop;

# Configuration errors name the file, the line and the parameter.
my $LINE = qr/Syntax error on line \d+ of \S+apache2\.conf:/;
my $K = '%%ROOT%%/t/keys/jwks-k1-login.json';

my @errors = (
    ["CognitoIdentityLogin $UP_ABC $K client=x",
        qr/$LINE\s+CognitoIdentityLogin: login provider "\Q$UP_ABC\E" needs issuer= and client=/],
    ["CognitoIdentityLogin $UP_ABC",
        qr/CognitoIdentityLogin needs a provider, a JWKS file, issuer= and client=/],
    ["CognitoIdentityLogin $UP_ABC $K issuer=https://x client=x alg=HS256",
        qr/$LINE\s+CognitoIdentityLogin: invalid parameter "alg=HS256"/],
    ["CognitoIdentityLogin $UP_ABC $K issuer=https://x client=a,,b",
        qr/invalid parameter "client=a,,b"/],
    ["CognitoIdentityLogin $UP_ABC $K issuer=https://x client=a,",
        qr/invalid parameter "client=a,"/],
    ["CognitoIdentityLogin $UP_ABC $K issuer=https://x client=a client=b",
        qr/invalid parameter "client=b"/],
    ["CognitoIdentityLogin $UP_ABC $K issuer=https://x client=a bind=maybe",
        qr/invalid parameter "bind=maybe"/],
    ["CognitoIdentityLogin $UP_ABC $K issuer=https://x client=a \"token=%{HTTP:X\"",
        qr/CognitoIdentityLogin: cannot parse expression/],
    ["CognitoIdentityLogin $UP_ABC %%ROOT%%/t/keys/nope.json issuer=https://x client=x",
        qr/$LINE\s+CognitoIdentityLogin "\S+nope\.json": cannot open/],
    ["CognitoIdentityLogin p $K issuer=https://x client=x\nCognitoIdentityLogin p $K issuer=https://x client=x",
        qr/login provider "p" is configured twice/],
);

for my $e (@errors) {
    my ($line, $re) = @$e;
    apache_config_fails($line, $re, "directive: $line");
}

apache_config_ok(<<"C", 'every parameter, in a section');
<Location /x>
    CognitoIdentityLogin $UP_ABC $K issuer=https://$UP_ABC client=a,b alg=RS512 bind=provider "token=%{HTTP:X-Id-Token}"
</Location>
C

done_testing();
