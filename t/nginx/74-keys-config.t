# SPDX-License-Identifier: BSD-2-Clause
# Configuration of keys from URLs and of the token cache: what nginx -t
# refuses, and a sized key zone at work.

use strict;
use warnings;

use lib 't/lib';
use CigTest;
use CigToken;
use Test::More;

my $POOL = POOL;

sub server { "server { listen 127.0.0.1:%%PORT%%; cognito_identity_pool $POOL; $_[0] }\n" }

my @errors = (
    ['key request URI not local', 'cognito_identity_key_request http://example.com/jwks;',
        qr/key request URI "http:\/\/example\.com\/jwks" must start with "\/"/],
    ['the same key URI twice', 'cognito_identity_key_request /_k; cognito_identity_key_request /_k;',
        qr/"cognito_identity_key_request" directive names the same URI twice/],
    ['key cache not a time', 'cognito_identity_key_cache soon;',
        qr/"cognito_identity_key_cache" directive invalid value/],
    ['key refresh not a time', 'cognito_identity_key_refresh 1x;',
        qr/"cognito_identity_key_refresh" directive invalid value/],
    ['key zone below a server', 'cognito_identity_key_zone 1m;',
        qr/"cognito_identity_key_zone" directive is not allowed here/],
    ['token cache without zone', 'cognito_identity_token_cache ttl=1m;',
        qr/"cognito_identity_token_cache" directive needs zone=NAME:SIZE/],
    ['token cache zone too small', 'cognito_identity_token_cache zone=t:4k;',
        qr/invalid zone size "zone=t:4k", at least/],
    ['token cache ttl', 'cognito_identity_token_cache zone=t:1m ttl=never;',
        qr/invalid ttl "ttl=never"/],
    ['token cache twice', 'cognito_identity_token_cache zone=t:1m; cognito_identity_token_cache off;',
        qr/"cognito_identity_token_cache" directive is duplicate/],
    ['token cache unknown parameter', 'cognito_identity_token_cache zone=t:1m lru=on;',
        qr/invalid parameter "lru=on"/],
    # the key zone has the module's tag too: neither may take the other's
    ['token cache in the key zone, keys first',
        'cognito_identity_key_request /_k; cognito_identity_token_cache zone=cognito_identity_keys:1m;',
        qr/zone "cognito_identity_keys" is already used by another cognito_identity directive/],
    ['token cache in the key zone, cache first',
        'cognito_identity_token_cache zone=cognito_identity_keys:1m; cognito_identity_key_request /_k;',
        qr/zone "cognito_identity_keys" is already used by another cognito_identity directive/],
);

for my $e (@errors) {
    my ($name, $conf, $re) = @$e;
    nginx_config_fails(server($conf), $re, $name);
}

nginx_config_fails("cognito_identity_key_zone 1k;\n" . server(''),
                   qr/invalid key zone size "1k", at least/, 'key zone too small');
nginx_config_fails("cognito_identity_key_zone 1m;\ncognito_identity_key_zone 2m;\n" . server(''),
                   qr/"cognito_identity_key_zone" directive is duplicate/, 'key zone twice');
nginx_config_ok("cognito_identity_key_zone 2m;\n"
                . server('cognito_identity_token_cache off; cognito_identity_key_cache 5m; '
                         . 'cognito_identity_key_refresh 30s;'),
                'a good configuration');

# A sized zone holding the keys that requests use.
my $srv = start_nginx(<<"CONF");
    cognito_identity_key_zone 128k;

    server {
        listen 127.0.0.1:%%PORT%%;
        root %%DIR%%/html;
        cognito_identity_pool $POOL;

        location = /_keys {
            internal;
            alias %%ROOT%%/t/keys/jwks-k1.json;
        }

        location / {
            cognito_identity "api";
            cognito_identity_key_request /_keys;
        }
    }
CONF

my $t = cognito_token();
check($srv, { path => '/index.html', headers => { Authorization => "Bearer $t" },
              status => 200 }, 'keys fetched into a 128k zone are used');
like($srv->error_log, qr/1 keys loaded from "\/_keys"/, 'one fetch, logged');
$srv->stop;

done_testing();
