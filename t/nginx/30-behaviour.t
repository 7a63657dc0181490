# SPDX-License-Identifier: BSD-2-Clause
# How the check behaves inside nginx: token sources, challenges, guests,
# variables, proxying, nested and limit_except locations, satisfy,
# subrequests (auth_request, SSI), CORS preflight and error_page.

use strict;
use warnings;

use lib 't/lib';
use CigTest;
use CigToken;
use Test::More;

my $srv = start_nginx(<<'CONF');
    server {
        listen 127.0.0.1:%%PORT%%;
        root %%DIR%%/html;

        cognito_identity_pool eu-west-1:b45b9729-c269-4ef2-86f1-0df3e40fe92d;
        cognito_identity_key_file %%ROOT%%/t/keys/jwks-k1.json;

        add_header X-Error $cognito_identity_error always;

        location / {
            cognito_identity "api";
        }

        location /guests/ {
            cognito_identity "api";
            cognito_identity_unauthenticated on;
            alias %%DIR%%/html/;
        }

        location /vars/ {
            cognito_identity "api";
            cognito_identity_unauthenticated on;
            add_header X-Id $cognito_identity_id always;
            add_header X-Pool $cognito_identity_pool always;
            add_header X-Amr $cognito_identity_amr always;
            add_header X-Auth $cognito_identity_authenticated always;
            add_header X-Provider $cognito_identity_provider always;
            add_header X-Iat $cognito_identity_claim_iat always;
            add_header X-Dept $cognito_identity_claim_department always;
            add_header X-Note $cognito_identity_claim_note always;
            add_header X-Groups $cognito_identity_claim_groups always;
            add_header X-Mixed $cognito_identity_claim_mixedcase always;
            add_header X-None "[$cognito_identity_claim_absent]" always;
            alias %%DIR%%/html/;
        }

        location /cookie/ {
            cognito_identity "api" token=$cookie_cognito;
            alias %%DIR%%/html/;
        }

        location /proxy/ {
            cognito_identity "api";
            proxy_set_header X-Cognito-Identity-Id $cognito_identity_id;
            proxy_pass http://127.0.0.1:%%PORT%%/upstream/;
        }

        location /upstream/ {
            return 200 "id=[$http_x_cognito_identity_id]\n";
        }

        location /open/ {
            cognito_identity off;
            alias %%DIR%%/html/;
        }

        location /writes/ {
            alias %%DIR%%/html/;
            limit_except GET {
                cognito_identity "writes";
            }
            dav_methods PUT DELETE;
            create_full_put_path on;
        }

        location /satisfy-allow/ {
            satisfy any;
            allow 127.0.0.1;
            deny all;
            cognito_identity "api";
            alias %%DIR%%/html/;
        }

        location /satisfy-deny/ {
            satisfy any;
            deny all;
            cognito_identity "api";
            alias %%DIR%%/html/;
        }

        location /gate/ {
            auth_request /secret-check/;
            alias %%DIR%%/html/;
        }

        location /secret-check/ {
            internal;
            cognito_identity "api";
            proxy_pass http://127.0.0.1:%%PORT%%/upstream/;
        }

        location /ssi/ {
            ssi on;
            alias %%DIR%%/html/ssi/;
        }

        location /secret/ {
            cognito_identity "api";
            alias %%DIR%%/html/secret/;
        }

        location /cors/ {
            cognito_identity "api";
            cognito_identity_cors_preflight on;
            proxy_pass http://127.0.0.1:%%PORT%%/upstream/;
        }

        location /nocors/ {
            cognito_identity "api";
            proxy_pass http://127.0.0.1:%%PORT%%/upstream/;
        }

        location /custom/ {
            cognito_identity "api";
            error_page 401 /errors/401.json;
            alias %%DIR%%/html/;
        }

        location /errors/ {
            alias %%DIR%%/html/errors/;
        }
    }
CONF

my $html = $srv->dir . '/html';
mkdir "$html/ssi";
mkdir "$html/secret";
mkdir "$html/errors";
for (["$html/ssi/index.html", "before <!--# include virtual=\"/secret/\" --> after\n"],
     ["$html/secret/index.html", "the secret\n"],
     ["$html/errors/401.json", "{\"message\":\"Unauthorized\"}\n"])
{
    open my $fh, '>', $_->[0] or die; print $fh $_->[1]; close $fh;
}

my $token = cognito_token();
my $guest = cognito_token(claims => { amr => ['unauthenticated'] });
my %auth = (Authorization => "Bearer $token");

# Challenges (RFC 6750).
check($srv, { path => '/', status => 401,
              headers_like => { 'www-authenticate' => 'Bearer realm="api"',
                                'x-error' => 'no bearer token' } },
      'no token: challenge without error');

check($srv, { path => '/', status => 200, headers => \%auth },
      'a valid token passes');

for my $scheme ('bearer', 'BEARER', 'BeArEr') {
    check($srv, { path => '/', status => 200,
                  headers => { Authorization => "$scheme $token" } },
          "scheme \"$scheme\" is case-insensitive");
}

check($srv, { path => '/', status => 200,
              headers => { Authorization => "Bearer   $token" } },
      'several spaces after the scheme');

check($srv, { path => '/', status => 401,
              headers => { Authorization => 'Basic YWxpY2U6c2VjcmV0' },
              headers_like => { 'www-authenticate' => 'Bearer realm="api"' } },
      'another scheme is no bearer token');

check($srv, { path => '/', status => 401,
              headers => { Authorization => "Bearer${token}" },
              headers_like => { 'www-authenticate' => 'Bearer realm="api"' } },
      'scheme glued to the token is no bearer token');

check($srv, { path => '/', status => 401,
              headers => { Authorization => 'Bearer' },
              headers_like => { 'www-authenticate' =>
                  'Bearer realm="api", error="invalid_token"',
                  'x-error' => 'empty bearer token' } },
      'scheme without a token is an invalid token');

check($srv, { path => '/', status => 400,
              headers => [[Authorization => "Bearer $token"],
                          [Authorization => "Bearer $token"]] },
      'nginx itself refuses a repeated Authorization header');

# Guests.
check($srv, { path => '/', status => 403,
              headers => { Authorization => "Bearer $guest" },
              headers_like => { 'x-error' => qr/unauthenticated identities/ },
              log_like => qr/cognito identity: 403, unauthenticated/ },
      'guest refused where guests are off (the default)');

check($srv, { path => '/guests/', status => 200,
              headers => { Authorization => "Bearer $guest" } },
      'guest passes with cognito_identity_unauthenticated on');

# Variables.
my $rich = cognito_token(claims => {
    department => 'R&D', note => "line1\nline2", groups => ['a', 'b'],
    MixedCase => 'yes' });

check($srv, { path => '/vars/', status => 200,
              headers => { Authorization => "Bearer $rich" },
              headers_like => {
                  'x-id' => IDENTITY,
                  'x-pool' => POOL,
                  'x-amr' => 'authenticated,graph.facebook.com,'
                             . 'graph.facebook.com:eu-west-1:b45b9729:10001',
                  'x-auth' => '1',
                  'x-provider' => 'graph.facebook.com',
                  'x-iat' => qr/^\d+$/,
                  'x-dept' => 'R&D',
                  'x-note' => 'line1\\nline2',
                  'x-groups' => '["a","b"]',
                  'x-mixed' => 'yes',
                  'x-none' => '[]' } },
      'identity variables');

check($srv, { path => '/vars/', status => 200,
              headers => { Authorization => "Bearer $guest" },
              headers_like => { 'x-auth' => '0', 'x-amr' => 'unauthenticated' },
              headers_absent => ['x-provider'] },
      'guest variables');

check($srv, { path => '/vars/', status => 401,
              headers_absent => ['x-id', 'x-pool', 'x-amr'] },
      'no identity variables without a verified token');

# Token from a variable.
check($srv, { path => '/cookie/', status => 200,
              headers => { Cookie => "a=b; cognito=$token" } },
      'token=$cookie_cognito reads the cookie');

check($srv, { path => '/cookie/', status => 401, headers => \%auth,
              headers_like => { 'www-authenticate' => 'Bearer realm="api"',
                                'x-error' => 'no token' } },
      'with token= the Authorization header is not read');

# Handing the identity to an upstream; a client's own header is replaced.
check($srv, { path => '/proxy/', status => 200,
              headers => { %auth, 'X-Cognito-Identity-Id' => 'spoofed' },
              body_is => 'id=[' . IDENTITY . "]\n" },
      'proxy_set_header replaces a spoofed identity header');

# Off, nested, limit_except.
check($srv, { path => '/open/', status => 200 }, 'cognito_identity off');

check($srv, { path => '/writes/', status => 200 },
      'limit_except: GET needs no token');
check($srv, { method => 'PUT', path => '/writes/new.txt', body => "x\n",
              status => 401,
              headers_like => { 'www-authenticate' => 'Bearer realm="writes"' } },
      'limit_except: PUT needs a token');
check($srv, { method => 'PUT', path => '/writes/new.txt', body => "x\n",
              headers => \%auth, status => qr/^20[14]$/ },
      'limit_except: PUT with a token passes');

# satisfy.
check($srv, { path => '/satisfy-allow/', status => 200,
              headers_absent => ['www-authenticate'] },
      'satisfy any: allowed address passes without token');
check($srv, { path => '/satisfy-deny/', status => 401,
              headers_like => { 'www-authenticate' => 'Bearer realm="api"' } },
      'satisfy any: denied address still needs a token');
check($srv, { path => '/satisfy-deny/', status => 200, headers => \%auth },
      'satisfy any: denied address passes with a token');

# Subrequests: nginx skips the access phase for them.
check($srv, { path => '/gate/', status => 401 },
      'auth_request target is checked (no token)');
check($srv, { path => '/gate/', status => 200, headers => \%auth },
      'auth_request target is checked (token)');
check($srv, { path => '/ssi/', status => 200, body_unlike => qr/the secret/ },
      'SSI include of a protected location without a token');
check($srv, { path => '/ssi/', status => 200, headers => \%auth,
              body_like => qr/before the secret\s+after/ },
      'SSI include of a protected location with a token');

# CORS preflight.
my @preflight = (Origin => 'https://app.example',
                 'Access-Control-Request-Method' => 'PUT');
check($srv, { method => 'OPTIONS', path => '/cors/', headers => {@preflight},
              status => 200, body_like => qr/^id=\[\]/ },
      'preflight passes where the switch is on');
check($srv, { method => 'OPTIONS', path => '/cors/',
              headers => { Origin => 'https://app.example' }, status => 401 },
      'OPTIONS without Access-Control-Request-Method is no preflight');
check($srv, { method => 'OPTIONS', path => '/nocors/', headers => {@preflight},
              status => 401 }, 'preflight refused by default');

# error_page keeps working.
check($srv, { path => '/custom/', status => 401,
              body_is => "{\"message\":\"Unauthorized\"}\n" },
      'error_page 401 replaces the body');

$srv->stop;
done_testing();
