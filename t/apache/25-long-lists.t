# SPDX-License-Identifier: BSD-2-Clause
# Directives that take a list take all of it.  httpd's TAKE_ARGV hands a
# directive at most 64 arguments and drops the rest without a word, so a
# CognitoIdentityPool of 1,000 pools (bench/run.sh) accepted only the first
# 64; the module now splits these lines itself.

use strict;
use warnings;

use lib 't/lib';
use CigApache;
use CigToken;
use CigTest -nomodule;
use Test::More;

my $ARN = 'arn:aws:iam::123456789012:role';
my $ID = IDENTITY;

sub pool_n { sprintf 'eu-west-1:0d%06x-0000-4000-8000-%012x', $_[0], $_[0] }

# 150 pools on continuation lines, 100 on one line; the pool that signs
# the tests' tokens last in both
my @many = ((map { pool_n($_) } 1 .. 149), POOL);
my @line = ((map { pool_n($_) } 1000 .. 1098), POOL);
my $continued = join(" \\\n    ", 'CognitoIdentityPool', @many);

# 80 prefixes, the identity's own last
my @prefixes = ((map { "/p/n$_/" } 1 .. 79),
                '/p/${cognito-identity.amazonaws.com:sub}/');

my $srv = start_apache(<<"CONF");
$continued
CognitoIdentityKeyFile %%ROOT%%/t/keys/jwks-k1.json
CognitoIdentityRole authenticated $ARN/User
ScriptAliasMatch ^/(many|line|p)/ %%DIR%%/cgi/echo.cgi

<Location /many/>
    AuthType CognitoIdentity
    AuthName "many"
    Require cognito-identity
</Location>
<Location /line/>
    CognitoIdentityPool @line
    AuthType CognitoIdentity
    AuthName "line"
    Require cognito-identity
</Location>
<Location /p/>
    CognitoIdentityAllowPrefix @prefixes
    AuthType CognitoIdentity
    AuthName "p"
    Require cognito-authenticated
</Location>
CONF

my $user = cognito_token();
my $unlisted = cognito_token(claims => { aud => POOL2 });
my $pool65 = cognito_token(claims => { aud => pool_n(65) });

sub status_of {
    my ($path, $token) = @_;
    return $srv->request('GET', $path, { Authorization => "Bearer $token" })->{status};
}

is(status_of('/many/x', $user), 200, '150 pools: the 150th is accepted');
is(status_of('/many/x', $pool65), 200, '150 pools: the 65th is accepted');
is(status_of('/many/x', $unlisted), 401, '150 pools: an unlisted pool is still refused');
is(status_of('/line/x', $user), 200, '100 pools on one line: the 100th is accepted');
is(status_of('/line/x', $pool65), 401, '100 pools on one line: a pool of the server only is refused');
is(status_of("/p/$ID/a", $user), 200, '80 prefixes: the 80th allows');
is(status_of('/p/n79/a', $user), 200, '80 prefixes: the 79th allows');
is(status_of('/p/other/a', $user), 403, '80 prefixes: a path under none is refused');

# a bad word after the 64th is seen and refused, not dropped
apache_config_fails(join(' ', 'CognitoIdentityPool', (map { pool_n($_) } 1 .. 69),
                         'eu-west-1:nope'),
                    qr/invalid identity pool id "eu-west-1:nope"/,
                    'an invalid 70th pool id is refused');
apache_config_fails("CognitoIdentityTokenCache On ttl=60" . (' ' x 2) . join(' ', ('x') x 70),
                    qr/CognitoIdentityTokenCache/, 'extra words are refused');

done_testing();
