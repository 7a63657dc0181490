# SPDX-License-Identifier: BSD-2-Clause
# What an operator sees at nginx's default error_log level ("error"): a
# refusal for lack of keys (503) and a key fetch that fails are logged
# there; an ordinary 401 or 403 is not (it is logged at "info", which an
# error_log of that level, here per location, shows).

use strict;
use warnings;

use lib 't/lib';
use CigTest;
use CigToken;
use Test::More;

my $POOL = POOL;
my $ROLE = 'arn:aws:iam::123456789012:role/Auth';

my $srv = start_nginx(<<"CONF", log_level => 'error');
    server {
        listen 127.0.0.1:%%PORT%%;
        server_name upstream;
        location = /jwks/broken { return 503; }
    }

    server {
        listen 127.0.0.1:%%PORT%% default_server;
        root %%DIR%%/html;

        cognito_identity_pool $POOL;
        cognito_identity_key_refresh 60s;

        location = /_keys/dead {
            internal;
            proxy_pass http://127.0.0.1:%%PORT%%/jwks/broken;
            proxy_set_header Host upstream;
        }

        location /dead/ {
            cognito_identity "dead";
            cognito_identity_key_request /_keys/dead;
        }

        location /ok/ {
            cognito_identity "ok";
            cognito_identity_key_file %%ROOT%%/t/keys/jwks-k1.json;
            cognito_identity_allow_prefix /ok/mine/;
        }

        location /verbose/ {
            cognito_identity "verbose";
            cognito_identity_key_file %%ROOT%%/t/keys/jwks-k1.json;
            error_log %%DIR%%/verbose.log info;
        }
    }
CONF

my $t = cognito_token();

$srv->mark_log;
my $r = $srv->request('GET', '/ok/x');
is($r->{status}, 401, 'no token: 401');
$r = $srv->request('GET', '/ok/x', { Authorization => 'Bearer x.y.z' });
is($r->{status}, 401, 'a bad token: 401');
$r = $srv->request('GET', '/ok/other', { Authorization => "Bearer $t" });
is($r->{status}, 403, 'outside the prefix: 403');
my $log = $srv->log_since_mark;
unlike($log, qr/cognito identity: 40[13]/,
       '401 and 403 are not in an error_log of level "error"');

$srv->mark_log;
$r = $srv->request('GET', '/dead/x', { Authorization => "Bearer $t" });
is($r->{status}, 503, 'no keys: 503');
$log = $srv->log_since_mark;
like($log, qr/\[error\].*cognito identity: keys from "\/_keys\/dead" not updated/,
     'the failed key fetch is logged at "error"');
like($log, qr/\[error\].*cognito identity: 503, /,
     'the 503 is logged at "error"');

$r = $srv->request('GET', '/verbose/x');
is($r->{status}, 401, 'no token where error_log is "info": 401');
like(CigTest::_slurp($srv->dir . '/verbose.log'),
     qr/\[info\].*cognito identity: 401, /,
     'an error_log of level "info" in the location shows the 401');

$srv->stop;
done_testing;
