# SPDX-License-Identifier: BSD-2-Clause
# The Apache side proper: Require providers alone and combined
# (<RequireAll>, <RequireAny>, "not"), roles as the pool chooses them,
# the identity in the environment, spoofed identity headers scrubbed,
# .htaccess (may switch the check on, may not choose whom to trust), the
# token from another header, and the 401/403 answers of each.

use strict;
use warnings;

use lib 't/lib';
use CigApache;
use CigToken;
use CigTest -nomodule;
use Test::More;

my $ARN = 'arn:aws:iam::123456789012:role';
my $POOL3 = 'eu-west-2:11111111-2222-4333-8444-555555555555';

my $srv = start_apache(<<"CONF", alert_ok => qr{\[core:alert\].*/htbad/\.htaccess: CognitoIdentityPool not allowed here});
CognitoIdentityPool ${\ POOL} ${\ POOL2} $POOL3
CognitoIdentityKeyFile %%ROOT%%/t/keys/jwks-k1.json
CognitoIdentityUnauthenticated On
Header always set X-Error "%{COGNITO_IDENTITY_ERROR}e" env=COGNITO_IDENTITY_ERROR
Header always set X-Role "%{COGNITO_IDENTITY_ROLE}e" env=COGNITO_IDENTITY_ROLE
ScriptAliasMatch ^/(any|auth|role|notrole|pool|anyof|ipany|guestsoff|roles|valid|noname|header|nonameatall|none|nested|notpool)/(.*) %%DIR%%/cgi/echo.cgi/\$1/\$2

<LocationMatch "^/(any|auth|role|notrole|pool|anyof|ipany|guestsoff|roles|valid|noname|header|none|nested|notpool)/">
    AuthType CognitoIdentity
    AuthName "api"
</LocationMatch>
<Location /any/>
    Require cognito-identity
</Location>
<Location /auth/>
    Require cognito-authenticated
</Location>
<LocationMatch "^/(role|notrole|anyof)/">
    CognitoIdentityRole authenticated $ARN/User
    CognitoIdentityRole unauthenticated $ARN/Guest
</LocationMatch>
<Location /role/>
    Require cognito-role $ARN/Admin $ARN/User
</Location>
<Location /notrole/>
    <RequireAll>
        Require cognito-identity
        Require not cognito-role $ARN/Guest
    </RequireAll>
</Location>
<Location /pool/>
    Require cognito-pool ${\ POOL2}
</Location>
<Location /anyof/>
    <RequireAny>
        Require ip 10.0.0.0/8
        Require cognito-role $ARN/Admin
        Require cognito-pool ${\ POOL2}
    </RequireAny>
</Location>
<Location /ipany/>
    <RequireAny>
        Require ip 127.0.0.1
        Require cognito-identity
    </RequireAny>
</Location>
<Location /guestsoff/>
    CognitoIdentityUnauthenticated Off
    Require cognito-identity
</Location>
<Location /roles/>
    CognitoIdentityRoles %%ROOT%%/t/roles/pool-roles.json
    CognitoIdentityRoles %%ROOT%%/t/roles/pool2-roles.json
    Require cognito-identity
</Location>
<Location /valid/>
    Require valid-user
</Location>
<Location /noname/>
    AuthName none
    AuthType None
    AuthType CognitoIdentity
    Require cognito-identity
</Location>
<Location /header/>
    CognitoIdentityToken "%{HTTP:X-Token}"
    Require cognito-identity
</Location>
<Location /none/>
    <RequireAll>
        Require cognito-identity
        <RequireNone>
            Require cognito-pool ${\ POOL2}
            Require cognito-pool $POOL3
        </RequireNone>
    </RequireAll>
</Location>
<Location /nested/>
    CognitoIdentityRole authenticated $ARN/User
    CognitoIdentityRole unauthenticated $ARN/Guest
    <RequireAll>
        Require cognito-authenticated
        <RequireAny>
            Require cognito-pool ${\ POOL2}
            Require cognito-role $ARN/Admin
        </RequireAny>
    </RequireAll>
</Location>
<Location /notpool/>
    <RequireAll>
        Require valid-user
        Require not cognito-pool ${\ POOL2}
    </RequireAll>
</Location>
<Location /nonameatall/>
    AuthType CognitoIdentity
    Require cognito-identity
</Location>
CONF

my $user = cognito_token();
my $guest = cognito_token(claims => { amr => ['unauthenticated'] });
my $pool2 = cognito_token(claims => { aud => POOL2 });
my $pool3 = cognito_token(claims => { aud => $POOL3 });
my $google = cognito_token(claims => { amr => ['authenticated', 'accounts.google.com',
                                              'accounts.google.com:eu-west-1:x:1'] });
my $fb_other = cognito_token(claims => { amr => ['authenticated', 'graph.facebook.com',
                                                'graph.facebook.com:eu-west-1:b45b9729:20002'] });

my $FORBIDDEN = qr/<title>403 Forbidden<\/title>/;

sub bearer { { Authorization => "Bearer $_[0]" } }

my @cases = (
    # [name, path, token or undef, status, role or undef, error like]
    ['any: no token', '/any/x', undef, 401],
    ['any: authenticated', '/any/x', $user, 200],
    ['any: guest (guests on)', '/any/x', $guest, 200],
    ['auth: authenticated', '/auth/x', $user, 200],
    ['auth: guest is 403, not 401', '/auth/x', $guest, 403],
    ['role: listed role', '/role/x', $user, 200, "$ARN/User"],
    ['role: guest role not listed', '/role/x', $guest, 403, "$ARN/Guest"],
    ['not role: authenticated', '/notrole/x', $user, 200, "$ARN/User"],
    ['not role: guest', '/notrole/x', $guest, 403, "$ARN/Guest"],
    ['pool: other pool', '/pool/x', $user, 403],
    ['pool: listed pool', '/pool/x', $pool2, 200],
    ['any of: neither', '/anyof/x', $user, 403, "$ARN/User"],
    ['any of: pool matches', '/anyof/x', $pool2, 200],
    ['any of: no token', '/anyof/x', undef, 401],
    ['ip any: no token needed from 127.0.0.1', '/ipany/x', undef, 200],
    ['guests off: guest 403 from authentication', '/guestsoff/x', $guest, 403, undef,
        qr/unauthenticated identities are not allowed here/],
    ['guests off: authenticated', '/guestsoff/x', $user, 200],
    ['roles file: guest', '/roles/x', $guest, 200, "$ARN/Guest"],
    ['roles file: provider without mapping', '/roles/x', $google, 200, "$ARN/Auth"],
    ['roles file: rule on amr', '/roles/x', $user, 200, "$ARN/FacebookVip"],
    ['roles file: no rule matched, Deny', '/roles/x', $fb_other, 403, undef,
        qr/no rule matched and the mapping denies/],
    ['roles file: second pool', '/roles/x', $pool2, 200, 'arn:aws:iam::210987654321:role/Pool2Auth'],
    ['roles file: pool without attachment', '/roles/x', $pool3, 403, undef,
        qr/no role attachment for pool/],
    ['RequireNone: a pool not listed', '/none/x', $user, 200],
    ['RequireNone: a listed pool is 403', '/none/x', $pool2, 403],
    ['RequireNone: the other listed pool', '/none/x', $pool3, 403],
    ['RequireNone: no token', '/none/x', undef, 401],
    ['nested: neither alternative', '/nested/x', $user, 403, "$ARN/User"],
    ['nested: the pool alternative', '/nested/x', $pool2, 200, "$ARN/User"],
    ['nested: a guest fails the outer RequireAll', '/nested/x', $guest, 403, "$ARN/Guest"],
    ['valid-user and not cognito-pool: another pool', '/notpool/x', $user, 200],
    ['valid-user and not cognito-pool: that pool', '/notpool/x', $pool2, 403],
    ['valid-user and not cognito-pool: no token', '/notpool/x', undef, 401],
    ['Require valid-user with this authentication', '/valid/x', $user, 200],
    ['Require valid-user, no token', '/valid/x', undef, 401],
);

for my $c (@cases) {
    my ($name, $path, $tok, $status, $role, $err) = @$c;
    my %e = (path => $path, status => $status,
             headers => $tok ? bearer($tok) : {});
    if ($status == 401) {
        $e{headers_like}{'www-authenticate'} = 'Bearer realm="api"';
    } else {
        $e{headers_absent} = ['www-authenticate'];
    }
    $e{body_like} = $FORBIDDEN if $status == 403;
    $e{body_like} = qr/^upstream \Q$path\E\n/ if $status == 200;
    $e{headers_like}{'x-role'} = $role if defined $role;
    $e{headers_like}{'x-error'} = $err if $err;
    check($srv, \%e, $name);
}

# The identity reaches the application; spoofed headers do not.
{
    my $r = check($srv, { path => '/any/x', status => 200,
                          headers => { %{ bearer($user) },
                                       'X-Cognito-Identity-Id' => 'eu-west-1:00000000-0000-4000-8000-000000000000',
                                       'Cognito-Identity-Role' => 'arn:aws:iam::1:role/x',
                                       'X-Cognito-Identity-Pool' => 'spoof',
                                       'X-Cognito-Custom-Role-Arn' => "$ARN/User" } },
                  'identity in the environment, spoofed headers scrubbed');
    my %env = $r->{body} =~ /^([A-Z_]+)=(.*)$/mg;
    is($env{REMOTE_USER}, IDENTITY, 'REMOTE_USER is the identity id');
    is($env{AUTH_TYPE}, 'CognitoIdentity', 'AUTH_TYPE');
    is($env{COGNITO_IDENTITY_ID}, IDENTITY, 'COGNITO_IDENTITY_ID');
    is($env{COGNITO_IDENTITY_POOL}, POOL, 'COGNITO_IDENTITY_POOL');
    is($env{COGNITO_IDENTITY_AUTHENTICATED}, '1', 'COGNITO_IDENTITY_AUTHENTICATED');
    is($env{COGNITO_IDENTITY_PROVIDER}, 'graph.facebook.com', 'COGNITO_IDENTITY_PROVIDER');
    like($env{COGNITO_IDENTITY_AMR}, qr/^authenticated,graph\.facebook\.com,/, 'COGNITO_IDENTITY_AMR');
    ok(!grep({ /^HTTP_(X_)?COGNITO_IDENTITY/ } keys %env), 'no identity header of the client reaches the application')
        or diag($r->{body});
    is($env{HTTP_X_COGNITO_CUSTOM_ROLE_ARN}, "$ARN/User", 'other X-Cognito- headers are left alone');

    $r = check($srv, { path => '/role/x', status => 200, headers => bearer($guest) =~ /x/ ? bearer($user) : {} },
               'role in the environment');
    like($r->{body}, qr/^COGNITO_IDENTITY_ROLE=\Q$ARN\E\/User$/m, 'COGNITO_IDENTITY_ROLE');
}

# The token from another header; Authorization is then not read.
check($srv, { path => '/header/x', headers => { 'X-Token' => $user }, status => 200 },
      'token from CognitoIdentityToken');
check($srv, { path => '/header/x', headers => bearer($user), status => 401,
              headers_like => { 'www-authenticate' => 'Bearer realm="api"' } },
      'CognitoIdentityToken: Authorization is not read');

check($srv, { path => '/nonameatall/x', headers => bearer($user), status => 500,
              log_like => qr/AuthType CognitoIdentity needs an AuthName/ },
      'no AuthName is a 500 with the reason in the log');

# .htaccess: AuthType, AuthName and Require switch the check on; whom to
# trust stays in the server configuration.
{
    my $dir = $srv->dir;
    for my $d (qw(ht htbad)) { mkdir "$dir/html/$d"; chmod 0755, "$dir/html/$d" }
    CigTest::_spew("$dir/html/ht/index.html", "ht\n");
    CigTest::_spew("$dir/html/ht/.htaccess",
                   "AuthType CognitoIdentity\nAuthName \"ht\"\nRequire cognito-authenticated\n");
    CigTest::_spew("$dir/html/htbad/.htaccess",
                   "AuthType CognitoIdentity\nAuthName \"ht\"\nCognitoIdentityPool ${\ POOL}\nRequire cognito-identity\n");
    chmod 0644, glob("$dir/html/ht*/.htaccess"), "$dir/html/ht/index.html";

    check($srv, { path => '/ht/index.html', status => 401,
                  headers_like => { 'www-authenticate' => 'Bearer realm="ht"' } },
          '.htaccess switches the check on');
    check($srv, { path => '/ht/index.html', headers => bearer($user), status => 200,
                  body_is => "ht\n" }, '.htaccess: a valid token passes');
    check($srv, { path => '/ht/index.html', headers => bearer($guest), status => 403 },
          '.htaccess: Require cognito-authenticated refuses a guest');
    check($srv, { path => '/htbad/', headers => bearer($user), status => 500,
                  log_like => qr/CognitoIdentityPool not allowed here/ },
          '.htaccess may not name pools (or keys, roles, policies)');
}

$srv->stop;
done_testing();
