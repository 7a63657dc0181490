# SPDX-License-Identifier: BSD-2-Clause
# The attack suite (t/lib/CigAttacks.pm) through Apache httpd with
# mod_cognito_identity: every hostile request, sent twice, must get the
# answer written for httpd (which differs from nginx's only where httpd
# itself answers differently); a request refused never reaches the echo
# CGI, and one let through reaches it with the verified identity only.  The
# children must survive all of it (the server is checked for crashes,
# alerts and sanitizer reports when it stops).

use strict;
use warnings;

use lib 't/lib';
use CigApache;
use CigToken;
use CigAttacks;
use CigTest -nomodule;
use File::Temp qw(tempdir);
use Test::More;

my $ROLE = ATTACK_ROLE;
my $dir = tempdir(CLEANUP => 1);
my $policy = "$dir/s3.json";
{
    open my $fh, '>', $policy or die "$policy: $!";
    print $fh attack_s3_policy();
    close $fh;
}

my $srv = start_apache(<<"CONF", modules => ['rewrite']);
MergeSlashes Off
LimitRequestFieldSize 65536
LimitRequestLine 65536
CognitoIdentityPool ${\ POOL}
CognitoIdentityKeyFile %%ROOT%%/t/keys/jwks-k1.json
CognitoIdentityRole authenticated $ROLE
CognitoIdentityPolicy $ROLE $policy
CognitoIdentityPolicy ${\ ATTACK_ADMIN_ROLE} %%ROOT%%/t/policies/s3-allow-all.json
Header always set X-Error "%{COGNITO_IDENTITY_ERROR}e" env=COGNITO_IDENTITY_ERROR
Header always set X-Identity "%{COGNITO_IDENTITY_ID}e" env=COGNITO_IDENTITY_ID

# the identity for the application, as docs/apache.md advises
RequestHeader set X-Cognito-Identity-Id "%{COGNITO_IDENTITY_ID}e"
RequestHeader set X-Cognito-Identity-Pool "%{COGNITO_IDENTITY_POOL}e"
RequestHeader unset Authorization

# the token of /cookie/ from the "token" cookie (the first one)
SetEnvIf Cookie "(?:^|;)\\s*token=([^;]*)" CIG_COOKIE_TOKEN=\$1

# rewrite-phase ordering: a server-level rewrite into a protected URI
RewriteEngine On
RewriteRule "^/rw/(.*)\$" "/mybucket/\$1" [PT]

# everything but /index.html goes to the echo CGI
ScriptAliasMatch "^/(?!index\\.html\$)(.*)\$" "%%DIR%%/cgi/echo.cgi/\$1"

<Location />
    AuthType CognitoIdentity
    AuthName "s3"
    CognitoIdentityAuthorize s3
    Require cognito-policy
</Location>
<LocationMatch "^/index\\.html\$">
    AuthName "api"
    CognitoIdentityAuthorize off
    Require cognito-identity
</LocationMatch>
<Location /files/>
    AuthName "files"
    CognitoIdentityAuthorize off
    CognitoIdentityAllowPrefix /files/\${cognito-identity.amazonaws.com:sub}/ /files/public
    Require cognito-policy
</Location>
<Location /tags/>
    AuthName "tags"
    CognitoIdentityAuthorize off
    CognitoIdentityAllowPrefix /tags/\${aws:PrincipalTag/team}/
    Require cognito-policy
</Location>
<Location /cookie/>
    AuthName "cookie"
    CognitoIdentityAuthorize off
    CognitoIdentityToken "%{env:CIG_COOKIE_TOKEN}"
    Require cognito-identity
</Location>
CONF

my @cases = attack_cases();
my $ran = 0;
for my $c (@cases) {
    my ($check, $todo) = attack_check($c, 'apache') or next;
    local $TODO = $todo;
    check($srv, $check, "$c->{cat}: $c->{name}");
    $ran++;
}

my @pipelines = attack_pipelines();
for my $c (@pipelines) {
    $ran++ if attack_pipeline_check($srv, $c, 'apache');
}

my $n = attack_count_by_category(@cases, @pipelines);
note("$ran of " . (@cases + @pipelines) . " attack cases ran against httpd; "
     . join(', ', map { "$_ $n->{$_}" } sort keys %$n));
cmp_ok($ran, '>=', 80, 'at least 80 attack cases ran');

# still serving, and the module never logs a token
check($srv, { path => '/index.html', headers => { Authorization => 'Bearer ' . cognito_token() },
              status => 200, body_is => "ok\n" }, 'a valid token still passes');
my @reasons = $srv->error_log =~ /cognito identity: (.*?)(?:, client: .*)?$/mg;
cmp_ok(scalar @reasons, '>', 400, 'the refusals were logged');
unlike(join("\n", @reasons), qr/eyJ[A-Za-z0-9_-]{20,}/, 'no token in the module\'s log lines');

$srv->stop;
done_testing();
