# SPDX-License-Identifier: BSD-2-Clause
# What an operator sees at Apache's default LogLevel (warn): a refusal for
# lack of keys (503) and a key fetch that fails are logged at "error"; an
# ordinary 401 or 403 is not (it is logged at "info", which
# "LogLevel cognito_identity:info" shows).

use strict;
use warnings;

use lib 't/lib';
use CigApache;
use CigToken;
use CigTest -nomodule;
use Test::More;

my $t = cognito_token();

my $srv = start_apache(<<'CONF', log_level => 'warn');
CognitoIdentityPool eu-west-1:b45b9729-c269-4ef2-86f1-0df3e40fe92d
ScriptAliasMatch ^/(down|ok|verbose)/ %%DIR%%/cgi/echo.cgi
<Location /down/>
    CognitoIdentityKeyURL http://127.0.0.1:1/jwks.json
    AuthType CognitoIdentity
    AuthName "down"
    Require cognito-identity
</Location>
<Location /ok/>
    CognitoIdentityKeyFile %%ROOT%%/t/keys/jwks-k1.json
    CognitoIdentityAllowPrefix /ok/mine/
    AuthType CognitoIdentity
    AuthName "ok"
    Require cognito-identity
</Location>
<Location /verbose/>
    CognitoIdentityKeyFile %%ROOT%%/t/keys/jwks-k1.json
    LogLevel cognito_identity:info
    AuthType CognitoIdentity
    AuthName "verbose"
    Require cognito-identity
</Location>
CONF

$srv->mark_log;
my $r = $srv->request('GET', '/ok/x');
is($r->{status}, 401, 'no token: 401');
$r = $srv->request('GET', '/ok/x', { Authorization => 'Bearer x.y.z' });
is($r->{status}, 401, 'a bad token: 401');
$r = $srv->request('GET', '/ok/other', { Authorization => "Bearer $t" });
is($r->{status}, 403, 'outside the prefix: 403');
my $log = $srv->log_since_mark;
unlike($log, qr/cognito identity: 40[13]/,
       '401 and 403 are not logged at LogLevel warn');

$srv->mark_log;
$r = $srv->request('GET', '/down/x', { Authorization => "Bearer $t" });
is($r->{status}, 503, 'no keys: 503');
$log = $srv->log_since_mark;
like($log, qr/:error\].*cognito identity: keys from "[^"]+" not updated/,
     'the failed key fetch is logged at "error"');
like($log, qr/:error\].*cognito identity: 503, /,
     'the 503 is logged at "error"');

$srv->mark_log;
$r = $srv->request('GET', '/verbose/x');
is($r->{status}, 401, 'no token where LogLevel cognito_identity:info: 401');
like($srv->log_since_mark, qr/:info\].*cognito identity: 401, /,
     'LogLevel cognito_identity:info shows the 401');

$srv->stop;
done_testing;
