# SPDX-License-Identifier: BSD-2-Clause
# A policy in effect (CognitoIdentityAuthorize or CognitoIdentityAllowPrefix)
# in a section whose Require lines do not include "Require cognito-policy"
# is enforced by the authentication step, with the same answers (403 with
# the S3 body, 400), so that forgetting the line never means no policy
# check.  Where a Require cognito-policy line governs the section (also
# from .htaccess), the Require lines decide as usual, so <RequireAny> can
# still offer alternatives to the policy.

use strict;
use warnings;

use lib 't/lib';
use CigApache;
use CigToken;
use CigTest -nomodule;
use Test::More;

my $ARN = 'arn:aws:iam::123456789012:role';
my $ID = IDENTITY;
my $XML = qr{^<\?xml version="1\.0" encoding="UTF-8"\?>\n<Error><Code>AccessDenied</Code>};

my $tmp = File::Temp::tempdir(CLEANUP => 1);
CigTest::_spew("$tmp/own.json", <<'J');
{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
  "Action": ["s3:GetObject", "s3:PutObject"],
  "Resource": "arn:aws:s3:::*/${cognito-identity.amazonaws.com:sub}/*"}]}
J

my $srv = start_apache(<<"CONF");
MergeSlashes Off
CognitoIdentityPool ${\ POOL} ${\ POOL2}
CognitoIdentityKeyFile %%ROOT%%/t/keys/jwks-k1.json
CognitoIdentityRole authenticated $ARN/User
CognitoIdentityPolicy $ARN/User $tmp/own.json
Header always set X-Decision "%{COGNITO_IDENTITY_DECISION}e" env=COGNITO_IDENTITY_DECISION
Header always set X-Error "%{COGNITO_IDENTITY_ERROR}e" env=COGNITO_IDENTITY_ERROR
ScriptAliasMatch ^/(forgot|valid|anyof|prefix|both|lim)/ %%DIR%%/cgi/echo.cgi

<LocationMatch "^/(forgot|valid|anyof|prefix|both|lim)/">
    AuthType CognitoIdentity
    AuthName "s3"
</LocationMatch>
<Location /forgot/>
    CognitoIdentityAuthorize s3
    Require cognito-identity
</Location>
<Location /valid/>
    CognitoIdentityAuthorize s3
    Require valid-user
</Location>
<Location /anyof/>
    CognitoIdentityAuthorize s3
    <RequireAny>
        Require cognito-policy
        Require cognito-pool ${\ POOL2}
    </RequireAny>
</Location>
<Location /prefix/>
    CognitoIdentityAllowPrefix /prefix/\${cognito-identity.amazonaws.com:sub}/
    Require cognito-authenticated
</Location>
<Location /both/>
    CognitoIdentityAuthorize s3
    Require cognito-policy
</Location>
<Location /lim/>
    # a Require cognito-* line for some methods only: the policy is still
    # enforced for every method (Require cognito-policy itself is refused
    # inside <Limit>, see 36-merging.t)
    CognitoIdentityAuthorize s3
    Require cognito-identity
    <Limit PUT DELETE>
        Require cognito-authenticated
    </Limit>
</Location>
<Location /both/open/>
    # only another provider's Require line, under a section whose line is
    # Require cognito-policy: the policy is still decided (in fixups)
    Require valid-user
</Location>
<Directory %%DIR%%/html/ht>
    CognitoIdentityAuthorize s3 bucket=htb
</Directory>
CONF

my $user = cognito_token();
my $pool2 = cognito_token(claims => { aud => POOL2 });
sub bearer { { Authorization => "Bearer $_[0]" } }

my @cases = (
    # [name, method, path, token, status, decision]
    ['no Require cognito-policy: own object allowed', 'GET', "/forgot/$ID/a.txt", $user, 200, 'allow'],
    ['no Require cognito-policy: another object denied, S3 body', 'GET', '/forgot/someone-else/a.txt', $user, 403, 'deny'],
    ['no Require cognito-policy: an action the policy lacks', 'DELETE', "/forgot/$ID/a.txt", $user, 403, 'deny'],
    ['Require valid-user: the policy still applies', 'GET', '/valid/someone-else/a.txt', $user, 403, 'deny'],
    ['Require valid-user: allowed', 'GET', "/valid/$ID/a.txt", $user, 200, 'allow'],
    ['no token: still 401 first', 'GET', "/forgot/$ID/a.txt", undef, 401],
    ['Require cognito-policy in RequireAny: policy allows', 'GET', "/anyof/$ID/a.txt", $user, 200, 'allow'],
    ['Require cognito-policy in RequireAny: policy denies', 'GET', '/anyof/x/a.txt', $user, 403, 'deny'],
    ['Require cognito-policy in RequireAny: the alternative grants', 'GET', '/anyof/x/a.txt', $pool2, 200],
    ['prefix without Require cognito-policy: inside', 'GET', "/prefix/$ID/a", $user, 200],
    ['prefix without Require cognito-policy: outside', 'GET', '/prefix/other/a', $user, 403],
    ['Require cognito-policy: decided once, by the provider', 'GET', "/both/$ID/a.txt", $user, 200, 'allow'],
    ['Require cognito-policy: denied', 'GET', '/both/x/a.txt', $user, 403, 'deny'],
    ['only Require valid-user below Require cognito-policy: allowed', 'GET', "/both/open/$ID/a.txt", $user, 200, 'allow'],
    ['only Require valid-user below Require cognito-policy: denied', 'GET', '/both/open/x/a.txt', $user, 403, 'deny'],
    ['a Require line in <Limit PUT DELETE>: GET still decided', 'GET', '/lim/x/a.txt', $user, 403, 'deny'],
    ['a Require line in <Limit PUT DELETE>: GET allowed', 'GET', "/lim/$ID/a.txt", $user, 200, 'allow'],
    ['a Require line in <Limit PUT DELETE>: PUT denied', 'PUT', '/lim/x/a.txt', $user, 403, 'deny'],
);

for my $c (@cases) {
    my ($name, $method, $path, $tok, $status, $decision) = @$c;
    my %e = (method => $method, path => $path, status => $status,
             headers => $tok ? bearer($tok) : {});
    $e{headers_like}{'x-decision'} = $decision if $decision;
    if ($status == 403 && $path !~ m{^/prefix/}) {
        $e{body_like} = $XML;
        $e{headers_like}{'content-type'} = 'application/xml';
    }
    $e{body_like} = qr/^upstream \Q$path\E\n/ if $status == 200;
    check($srv, \%e, $name);
}

check($srv, { method => 'PUT', path => "/forgot/$ID/a.txt",
              headers => [[Authorization => "Bearer $user"],
                          ['x-amz-copy-source' => "/b/$ID/1"],
                          ['x-amz-copy-source' => "/b/$ID/2"]],
              status => 400, headers_like => { 'x-error' => qr/x-amz-copy-source is repeated/ },
              body_like => qr/<title>400 Bad Request<\/title>/ },
      'no Require cognito-policy: an ambiguous request is 400');

my $log = $srv->error_log;
my $n = () = $log =~ /cognito identity: 403, no statement of the 1 policies of \Q$ARN\E\/User allows s3:GetObject on arn:aws:s3:::both\/x\/a\.txt/g;
is($n, 2, 'with Require cognito-policy, the policy is evaluated once per request (sent twice)');

# .htaccess: the server configuration sets the mapping, .htaccess only
# switches the check on; with or without a Require cognito-policy line,
# the policy is enforced.
{
    my $dir = $srv->dir;
    for my $d ("ht", "ht/$ID", "ht/other", "ht/$ID/p", "ht/other/p") {
        mkdir "$dir/html/$d"; chmod 0755, "$dir/html/$d";
    }
    for my $f ("ht/$ID/a.txt", 'ht/other/a.txt', "ht/$ID/p/a.txt", 'ht/other/p/a.txt') {
        CigTest::_spew("$dir/html/$f", "file\n"); chmod 0644, "$dir/html/$f";
    }
    CigTest::_spew("$dir/html/ht/.htaccess",
                   "AuthType CognitoIdentity\nAuthName \"ht\"\nRequire cognito-identity\n");
    CigTest::_spew("$dir/html/ht/$ID/p/.htaccess", "Require cognito-policy\n");
    CigTest::_spew("$dir/html/ht/other/p/.htaccess", "Require cognito-policy\n");
    chmod 0644, glob("$dir/html/ht/.htaccess $dir/html/ht/*/p/.htaccess");

    check($srv, { path => "/ht/$ID/a.txt", headers => bearer($user), status => 200, body_is => "file\n" },
          '.htaccess without Require cognito-policy: allowed');
    check($srv, { path => '/ht/other/a.txt', headers => bearer($user), status => 403, body_like => $XML },
          '.htaccess without Require cognito-policy: enforced');
    check($srv, { path => "/ht/$ID/p/a.txt", headers => bearer($user), status => 200, body_is => "file\n" },
          '.htaccess with Require cognito-policy: allowed');
    check($srv, { path => '/ht/other/p/a.txt', headers => bearer($user), status => 403, body_like => $XML },
          '.htaccess with Require cognito-policy: denied');
}

$srv->stop;
done_testing();
