# SPDX-License-Identifier: BSD-2-Clause
# The attack suite (t/lib/CigAttacks.pm) through nginx: every hostile
# request, sent twice, must get the answer written for nginx; a request
# refused never reaches the upstream, and one let through reaches it with
# the verified identity only.  The worker must survive all of it (the
# server is checked for alerts and sanitizer reports when it stops).

use strict;
use warnings;

use lib 't/lib';
use CigTest;
use CigToken;
use CigAttacks;
use CigFaults;
use File::Temp qw(tempdir);
use IO::Socket::INET;
use Test::More;

my $ROLE = ATTACK_ROLE;
my $dir = tempdir(CLEANUP => 1);
my $policy = "$dir/s3.json";
{
    open my $fh, '>', $policy or die "$policy: $!";
    print $fh attack_s3_policy();
    close $fh;
}

# the credential proxy's upstreams: a Cognito that answers well, and faults
my $ID = ME;
my $faults = CigFaults->start(dir => $dir, bodies => {
    creds => qq({"IdentityId":"$ID","Credentials":{"AccessKeyId":"ASIAATTACK",)
           . qq("SecretKey":"attack/secret","SessionToken":"attack-session",)
           . qq("Expiration":@{[time + 3600]}}}),
});
my $fp = $faults->port;
my $dead = do {
    my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 1);
    my $p = $s->sockport;
    close $s;
    $p;
};
my $creds = join '', map {
    my ($name, $url) = @$_;
    "        location = /_creds/$name { internal; proxy_pass http://$url;"
  . " proxy_connect_timeout 1s; proxy_read_timeout 1s; }\n"
  . "        location /creds/$name/ { cognito_identity_credentials pass /_creds/$name; }\n";
} (['ok', "127.0.0.1:$fp/ok/creds"], ['slow', "127.0.0.1:$fp/hang"],
   ['dead', "127.0.0.1:$dead/ok/creds"], ['big', "127.0.0.1:$fp/big"],
   ['garbage', "127.0.0.1:$fp/garbage"], ['trunc', "127.0.0.1:$fp/trunc/creds"],
   ['reset', "127.0.0.1:$fp/reset"], ['redirect', "127.0.0.1:$fp/redirect/creds"],
   ['s500', "127.0.0.1:$fp/status/500/creds"]);

my $ECHO = 'upstream $request_uri\n'
         . 'HTTP_X_COGNITO_IDENTITY_ID=$http_x_cognito_identity_id\n'
         . 'HTTP_X_COGNITO_IDENTITY_POOL=$http_x_cognito_identity_pool\n'
         . 'HTTP_AUTHORIZATION=$http_authorization\n';

my $srv = start_nginx(<<"CONF");
    upstream cig_echo {
        server unix:%%DIR%%/echo.sock;
    }

    # the upstream: says what it received (underscores allowed here, so
    # that a smuggled X_Cognito_Identity_Id would show)
    server {
        listen unix:%%DIR%%/echo.sock;
        underscores_in_headers on;
        location / {
            return 200 "$ECHO";
        }
    }

    server {
        listen 127.0.0.1:%%PORT%%;
        root %%DIR%%/html;
        merge_slashes off;
        large_client_header_buffers 4 64k;

        cognito_identity_pool ${\ POOL};
        cognito_identity_key_file %%ROOT%%/t/keys/jwks-k1.json;
        cognito_identity_role authenticated $ROLE;
        cognito_identity_policy $ROLE $policy;
        cognito_identity_policy ${\ ATTACK_ADMIN_ROLE} %%ROOT%%/t/policies/s3-allow-all.json;

        # every case is sent twice: the second time, a token that verified
        # comes from the cache (which must re-check all the rest)
        cognito_identity_token_cache zone=cig_attack:1m;

        add_header X-Error \$cognito_identity_error always;

        proxy_set_header X-Cognito-Identity-Id   \$cognito_identity_id;
        proxy_set_header X-Cognito-Identity-Pool \$cognito_identity_pool;
        proxy_set_header Authorization "";

        location = /index.html {
            cognito_identity "api";
            add_header X-Error \$cognito_identity_error always;
            add_header X-Identity \$cognito_identity_id always;
            add_header X-Cache \$cognito_identity_token_cache always;
        }

        location / {
            cognito_identity "s3";
            cognito_identity_authorize s3;
            proxy_pass http://cig_echo;
        }

        location /files/ {
            cognito_identity "files";
            cognito_identity_allow_prefix /files/\${cognito-identity.amazonaws.com:sub}/
                                          /files/public;
            proxy_pass http://cig_echo;
        }

        location /tags/ {
            cognito_identity "tags";
            cognito_identity_allow_prefix /tags/\${aws:PrincipalTag/team}/;
            proxy_pass http://cig_echo;
        }

        location /cookie/ {
            cognito_identity "cookie" token=\$cookie_token;
            proxy_pass http://cig_echo;
        }

        # rewrite-phase ordering: an unprotected location sending requests
        # into a protected one, a rewrite inside a protected location, and
        # "return", which answers before any access check
        location /rw/ {
            rewrite ^/rw/(.*)\$ /mybucket/\$1 last;
        }

        location /rwb/ {
            cognito_identity "s3";
            cognito_identity_authorize s3;
            rewrite ^/rwb/(.*)\$ /mybucket/\$1 break;
            proxy_pass http://cig_echo;
        }

        location /ret/ {
            cognito_identity "api";
            return 200 "returned before any check\\n";
        }

$creds    }
CONF

my @cases = attack_cases();
my $ran = 0;
for my $c (@cases) {
    my ($check, $todo) = attack_check($c, 'nginx') or next;
    local $TODO = $todo;
    check($srv, $check, "$c->{cat}: $c->{name}");
    $ran++;
}

my @pipelines = attack_pipelines();
for my $c (@pipelines) {
    $ran++ if attack_pipeline_check($srv, $c, 'nginx');
}

my $n = attack_count_by_category(@cases, @pipelines);
note("$ran of " . (@cases + @pipelines) . " attack cases ran against nginx; "
     . join(', ', map { "$_ $n->{$_}" } sort keys %$n));
cmp_ok($ran, '>=', 80, 'at least 80 attack cases ran');

# still serving, and the module never logs a token (nginx itself quotes the
# request line, and the start of a header line it refuses as invalid,
# duplicate or too long, at info level)
my @r = check($srv, { path => '/index.html', headers => { Authorization => 'Bearer ' . cognito_token() },
                      status => 200, body_is => "ok\n" }, 'a valid token still passes');
is($r[1]{headers}{'x-cache'}, 'hit', 'the second time from the token cache');
my @reasons = $srv->error_log =~ /cognito identity: (.*?)(?:, client: .*)?$/mg;
cmp_ok(scalar @reasons, '>', 400, 'the refusals were logged');
unlike(join("\n", @reasons), qr/eyJ[A-Za-z0-9_-]{20,}/, 'no token in the module\'s log lines');

$srv->stop;
done_testing();
