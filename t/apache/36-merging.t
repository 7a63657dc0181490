# SPDX-License-Identifier: BSD-2-Clause
# How Require lines of nested sections combine (AuthMerging Off, And, Or)
# with <RequireAny> and <RequireAll>, under an enclosing section whose line
# is "Require cognito-policy"; and Require cognito-policy for some methods
# only (<Limit>, <LimitExcept>), which apachectl -t refuses.
#
# The policy allows s3:GetObject and s3:PutObject under the identity's own
# prefix, so a DELETE there is denied by the policy.  With "AuthMerging Or"
# an inner section's "Require valid-user" let that DELETE through (200,
# while the log said the policy denied it; found in review): where the
# Require lines in effect combine sections with Or, the policy is now
# decided by the authentication step and a denial is final.  With Off
# (the default) or And, <RequireAny> keeps offering alternatives to the
# policy, as written.

use strict;
use warnings;

use lib 't/lib';
use CigApache;
use CigToken;
use CigTest -nomodule;
use Test::More;

my $ARN = 'arn:aws:iam::123456789012:role';
my $ID = IDENTITY;

my $tmp = File::Temp::tempdir(CLEANUP => 1);
CigTest::_spew("$tmp/own.json", <<'J');
{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
  "Action": ["s3:GetObject", "s3:PutObject"],
  "Resource": "arn:aws:s3:::*/${cognito-identity.amazonaws.com:sub}/*"}]}
J

# [section, its lines, DELETE by a POOL token, DELETE by a POOL2 token]
my @SECTIONS = (
    ['off-valid', "AuthMerging Off\n    Require valid-user", 403, 403],
    ['and-valid', "AuthMerging And\n    Require valid-user", 403, 403],
    ['or-valid', "AuthMerging Or\n    Require valid-user", 403, 403],
    ['or-policy', "AuthMerging Or\n    Require cognito-policy", 403, 403],
    ['or-any', "AuthMerging Or\n    <RequireAny>\n        Require valid-user\n"
               . "        Require cognito-policy\n    </RequireAny>", 403, 403],
    ['or-all', "AuthMerging Or\n    <RequireAll>\n        Require valid-user\n"
               . "        Require cognito-authenticated\n    </RequireAll>", 403, 403],
    ['off-any', "<RequireAny>\n        Require cognito-pool ${\ POOL2}\n"
                . "        Require cognito-policy\n    </RequireAny>", 403, 200],
    ['and-any', "AuthMerging And\n    <RequireAny>\n        Require cognito-pool ${\ POOL2}\n"
                . "        Require cognito-policy\n    </RequireAny>", 403, 403],
    ['or-pool', "AuthMerging Or\n    Require cognito-pool ${\ POOL2}", 403, 403],
    ['and-all', "AuthMerging And\n    <RequireAll>\n        Require valid-user\n"
                . "        Require cognito-authenticated\n    </RequireAll>", 403, 403],
    # sections within an Or section: Or stays in effect until a section
    # replaces the lines (AuthMerging Off, or none and lines of its own)
    ['or-valid/deeper', '', 403, 403],
    ['or-valid/and', "AuthMerging And\n    Require cognito-authenticated", 403, 403],
    ['or-valid/off', "AuthMerging Off\n    <RequireAny>\n        Require cognito-pool ${\ POOL2}\n"
                     . "        Require cognito-policy\n    </RequireAny>", 403, 200],
    ['or-valid/own', "<RequireAny>\n        Require cognito-pool ${\ POOL2}\n"
                     . "        Require cognito-policy\n    </RequireAny>", 403, 200],
);

my $sections = join '', map {
    "<Location /bkt/$_->[0]/>\n    $_->[1]\n</Location>\n"
} @SECTIONS;

my $srv = start_apache(<<"CONF");
MergeSlashes Off
CognitoIdentityPool ${\ POOL} ${\ POOL2}
CognitoIdentityKeyFile %%ROOT%%/t/keys/jwks-k1.json
CognitoIdentityRole authenticated $ARN/User
CognitoIdentityPolicy $ARN/User $tmp/own.json
Header always set X-Decision "%{COGNITO_IDENTITY_DECISION}e" env=COGNITO_IDENTITY_DECISION
ScriptAlias /bkt/ %%DIR%%/cgi/echo.cgi/
ScriptAlias /meth/ %%DIR%%/cgi/echo.cgi/

<Location /bkt/>
    AuthType CognitoIdentity
    AuthName "s3"
    CognitoIdentityAuthorize s3
    Require cognito-policy
</Location>
$sections
<Location /meth/>
    # the way to let some methods in without a token
    AuthType CognitoIdentity
    AuthName "s3"
    CognitoIdentityAuthorize s3
    <RequireAny>
        Require method GET HEAD
        Require cognito-policy
    </RequireAny>
</Location>
CONF

my $user = cognito_token();
my $pool2 = cognito_token(claims => { aud => POOL2 });
sub bearer { { Authorization => "Bearer $_[0]" } }

for my $s (@SECTIONS) {
    my ($name, $lines, $st1, $st2) = @$s;
    my $base = "/bkt/$name/$ID";
    check($srv, { path => "$base/a.txt", headers => bearer($user), status => 200,
                  headers_like => { 'x-decision' => 'allow' } },
          "$name: the policy allows GET");
    check($srv, { method => 'DELETE', path => "$base/a.txt", headers => bearer($user),
                  status => $st1, headers_like => { 'x-decision' => 'deny' } },
          "$name: DELETE the policy denies");
    # (200: <RequireAny> granted by cognito-pool before the policy was asked)
    check($srv, { method => 'DELETE', path => "$base/a.txt", headers => bearer($pool2),
                  status => $st2, $st2 == 403 ? (headers_like => { 'x-decision' => 'deny' })
                                               : (headers_absent => ['x-decision']) },
          "$name: DELETE the policy denies, by a token of the other pool");
    check($srv, { path => "$base/a.txt", status => 401 }, "$name: no token");
}

check($srv, { path => "/meth/$ID/a.txt", status => 200 }, 'Require method GET: no token needed');
check($srv, { method => 'PUT', path => "/meth/$ID/a.txt", status => 401 }, 'Require method GET: PUT needs a token');
check($srv, { method => 'PUT', path => "/meth/$ID/a.txt", headers => bearer($user), status => 200 },
      'Require method GET: PUT the policy allows');
check($srv, { method => 'DELETE', path => "/meth/$ID/a.txt", headers => bearer($user), status => 403 },
      'Require method GET: DELETE the policy denies');

$srv->stop;

# .htaccess: AuthMerging Or there is noted too
{
    my $srv2 = start_apache(<<"CONF");
CognitoIdentityPool ${\ POOL}
CognitoIdentityKeyFile %%ROOT%%/t/keys/jwks-k1.json
<Directory %%DIR%%/html/ht>
    AuthType CognitoIdentity
    AuthName "files"
    CognitoIdentityAllowPrefix /ht/\${cognito-identity.amazonaws.com:sub}/
    Require cognito-policy
</Directory>
CONF
    my $dir = $srv2->dir;
    for my $d ('ht', "ht/$ID", 'ht/other') { mkdir "$dir/html/$d"; chmod 0755, "$dir/html/$d" }
    for my $f ("ht/$ID/a.txt", 'ht/other/a.txt') { CigTest::_spew("$dir/html/$f", "file\n"); chmod 0644, "$dir/html/$f" }
    CigTest::_spew("$dir/html/ht/other/.htaccess", "AuthMerging Or\nRequire valid-user\n");
    chmod 0644, "$dir/html/ht/other/.htaccess";
    check($srv2, { path => "/ht/$ID/a.txt", headers => bearer($user), status => 200, body_is => "file\n" },
          '.htaccess: own file');
    check($srv2, { path => '/ht/other/a.txt', headers => bearer($user), status => 403 },
          '.htaccess with AuthMerging Or and Require valid-user: the prefix still decides');
    $srv2->stop;
}

# Require cognito-policy for some methods only: refused, with file and line
my $head = <<"CONF";
CognitoIdentityPool ${\ POOL}
CognitoIdentityKeyFile %%ROOT%%/t/keys/jwks-k1.json
CognitoIdentityRole authenticated $ARN/User
CognitoIdentityPolicy $ARN/User $tmp/own.json
<Location /x/>
    AuthType CognitoIdentity
    AuthName "s3"
    CognitoIdentityAuthorize s3
CONF
my $refused = qr/Syntax error on line \d+ of \S+apache2\.conf:\s+Require cognito-policy inside <Limit> or <LimitExcept> would let the other methods in without the policy, and without a token/;
apache_config_fails("$head    <Limit PUT DELETE>\n        Require cognito-policy\n    </Limit>\n</Location>\n",
                    $refused, 'Require cognito-policy in <Limit> refused');
apache_config_fails("$head    <LimitExcept GET HEAD>\n        Require cognito-policy\n    </LimitExcept>\n</Location>\n",
                    $refused, 'Require cognito-policy in <LimitExcept> refused');
apache_config_fails("$head    Require cognito-identity\n    <Limit PUT>\n        <RequireAll>\n"
                    . "            Require cognito-policy\n        </RequireAll>\n    </Limit>\n</Location>\n",
                    $refused, 'Require cognito-policy in <RequireAll> in <Limit> refused');
apache_config_ok("$head    Require cognito-policy\n    <Limit PUT>\n        Require cognito-authenticated\n"
                 . "    </Limit>\n</Location>\n", 'other Require cognito-* lines in <Limit> accepted');
apache_config_ok("$head    AuthMerging Or\n    Require cognito-policy\n</Location>\n",
                 'AuthMerging beside Require cognito-policy accepted');
apache_config_fails("$head    AuthMerging Sometimes\n    Require cognito-policy\n</Location>\n",
                    qr/AuthMerging must be one of: Off \| And \| Or/, 'mod_authz_core still reads AuthMerging');
apache_config_fails("$head    Require nosuchprovider\n</Location>\n",
                    qr/Unknown Authz provider: nosuchprovider/, 'mod_authz_core still reads Require');

# without mod_authz_core, the lines the module notes would be enforced
# nowhere: refused as httpd refuses an unknown directive
apache_config_fails("<Location /x/>\n    AuthType CognitoIdentity\n    AuthName x\n    Require cognito-identity\n</Location>\n",
                    qr/Require needs mod_authz_core/, 'Require without mod_authz_core refused',
                    without => ['authz_core']);

done_testing();
