# SPDX-License-Identifier: BSD-2-Clause
# Subrequests and internal redirects are decided on their own URI.  httpd
# skips authentication and authorization for a subrequest or an internal
# redirect whose sections are those of its parent request: without the
# module's help, a page alice may read could include, rewrite or redirect
# to bob's files under a per-identity CognitoIdentityAllowPrefix (found in
# review).  One area per module that makes them: mod_include (in a DAV
# directory, as it was reproduced), mod_rewrite's per-directory rules,
# ErrorDocument, mod_dir's DirectoryIndex, mod_negotiation's type maps and
# MultiViews, mod_autoindex's HeaderName; each also checked for what the
# identity may read, so that the fix does not refuse too much.

use strict;
use warnings;

use lib 't/lib';
use CigApache;
use CigToken;
use CigTest -nomodule;
use Test::More;

my $ALICE = IDENTITY;
my $BOB = 'eu-west-1:0b0b0b0b-1111-4222-8333-444455556666';
my $SECRET = 'the secret of bob';
my @AREAS = qw(inc rw err dir neg idx);
my $AREAS = join '|', @AREAS;

my $srv = start_apache(<<"CONF", modules => [qw(include rewrite dav dav_fs negotiation autoindex)]);
CognitoIdentityPool ${\ POOL} ${\ POOL2}
CognitoIdentityKeyFile %%ROOT%%/t/keys/jwks-k1.json
DavLockDB %%DIR%%/run/davlock
AddType text/html .shtml
AddOutputFilter INCLUDES .shtml
AddHandler type-map .var
Header always set X-Error "%{COGNITO_IDENTITY_ERROR}e" env=COGNITO_IDENTITY_ERROR

<LocationMatch "^/($AREAS)/">
    AuthType CognitoIdentity
    AuthName "files"
    Require cognito-policy
</LocationMatch>
<DirectoryMatch "^%%DIR%%/html/($AREAS)/">
    Options +Includes +Indexes +MultiViews +FollowSymLinks
</DirectoryMatch>
<Location /inc/>
    CognitoIdentityAllowPrefix /inc/\${cognito-identity.amazonaws.com:sub}/
    Dav On
    # the subrequests are checked with every Require line, as requests
    <RequireAny>
        Require cognito-policy
        Require cognito-pool ${\ POOL2}
    </RequireAny>
</Location>
<Location /rw/>
    CognitoIdentityAllowPrefix /rw/\${cognito-identity.amazonaws.com:sub}/
</Location>
<Directory %%DIR%%/html/rw>
    Options +ExecCGI
    AddHandler cgi-script .cgi
    RewriteEngine On
    RewriteCond %{QUERY_STRING} ^f=(.+)\$
    RewriteRule ^[^/]+/go\$ /rw/%1? [L]
</Directory>
<Location /err/>
    CognitoIdentityAllowPrefix /err/\${cognito-identity.amazonaws.com:sub}/
    ErrorDocument 404 /err/$BOB/secret.txt
</Location>
<Location /dir/>
    CognitoIdentityAllowPrefix /dir/\${cognito-identity.amazonaws.com:sub}/
    DirectoryIndex index.html /dir/$BOB/secret.txt
</Location>
<Location /neg/>
    CognitoIdentityAllowPrefix /neg/\${cognito-identity.amazonaws.com:sub}/
</Location>
<Location /idx/>
    CognitoIdentityAllowPrefix /idx/\${cognito-identity.amazonaws.com:sub}/
    HeaderName /idx/$BOB/secret.txt
</Location>
CONF

my $dir = $srv->dir;
for my $a (@AREAS) {
    for my $d ($a, "$a/$ALICE", "$a/$BOB", "$a/$ALICE/sub") {
        mkdir "$dir/html/$d" or die "mkdir $d: $!";
        chmod 0755, "$dir/html/$d";
    }
    CigTest::_spew("$dir/html/$a/$BOB/secret.txt", "$SECRET\n");
    CigTest::_spew("$dir/html/$a/$ALICE/own.txt", "alice's own\n");
    chmod 0644, "$dir/html/$a/$BOB/secret.txt", "$dir/html/$a/$ALICE/own.txt";
}
chmod 0777, "$dir/html/inc/$ALICE", "$dir/run";
CigTest::_spew("$dir/html/rw/$ALICE/redir.cgi",
               "#!/bin/sh\nprintf 'Location: /rw/%s\\n\\n' \"\$QUERY_STRING\"\n");
chmod 0755, "$dir/html/rw/$ALICE/redir.cgi";
CigTest::_spew("$dir/html/dir/$ALICE/sub/index.html", "alice's index\n");
CigTest::_spew("$dir/html/neg/$ALICE/doc.txt", "alice's doc\n");
CigTest::_spew("$dir/html/neg/$ALICE/map.var",
               "URI: map\n\nURI: ../$BOB/secret.txt\nContent-type: text/plain\n\n");
CigTest::_spew("$dir/html/neg/$ALICE/own.var",
               "URI: own\n\nURI: own.txt\nContent-type: text/plain\n\n");
chmod 0644, glob("$dir/html/dir/$ALICE/sub/index.html $dir/html/neg/$ALICE/*");

my $alice = cognito_token();
my $bob = cognito_token(claims => { sub => $BOB });
my $other_pool = cognito_token(claims => { aud => POOL2 });
sub as { { Authorization => "Bearer $_[0]" } }
my $NO_SECRET = qr/\Q$SECRET\E/;

# the ground truth: each reads only under its own prefix
check($srv, { path => "/inc/$BOB/secret.txt", headers => as($alice), status => 403 },
      'alice may not read bob\'s file directly');
check($srv, { path => "/inc/$BOB/secret.txt", headers => as($bob), status => 200,
              body_is => "$SECRET\n" }, 'bob reads his own file');

# mod_include: alice uploads a page with DAV that includes bob's file
sub put {
    my ($path, $body, $name) = @_;
    my $r = $srv->request('PUT', $path, as($alice), $body);
    is($r->{status}, 201, $name);
}
put("/inc/$ALICE/page.shtml",
    "[<!--#include virtual=\"/inc/$BOB/secret.txt\" -->]"
    . "[<!--#include virtual=\"/inc/$ALICE/own.txt\" -->]"
    . "[<!--#include virtual=\"own.txt\" -->]\n",
    'alice uploads a page with SSI (DAV)');
check($srv, { path => "/inc/$ALICE/page.shtml", headers => as($alice), status => 200,
              body_unlike => $NO_SECRET,
              body_like => qr/^\[\[an error occurred while processing this directive\]\]\[alice's own\n\]\[alice's own\n\]/ },
      'mod_include: include virtual of bob\'s file is refused, her own are included');
check($srv, { path => "/inc/$ALICE/page.shtml", headers => as($other_pool), status => 200,
              body_like => qr/^\[\Q$SECRET\E\n\]\[alice's own\n\]/ },
      'mod_include: where <RequireAny> lets the identity in anyway, the include is served');
put("/inc/$ALICE/fsize.shtml", "[<!--#fsize virtual=\"/inc/$BOB/secret.txt\" -->]\n",
    'alice uploads a page asking for the size of bob\'s file');
check($srv, { path => "/inc/$ALICE/fsize.shtml", headers => as($alice), status => 200,
              body_like => qr/^\[\[an error occurred while processing this directive\]\]/ },
      'mod_include: fsize virtual of bob\'s file is refused');

# mod_rewrite: a per-directory rule sends alice's URI to bob's file
check($srv, { path => "/rw/$ALICE/go?f=$BOB/secret.txt", headers => as($alice), status => 403,
              body_unlike => $NO_SECRET }, 'mod_rewrite: per-directory rewrite to bob\'s file refused');
check($srv, { path => "/rw/$ALICE/go?f=$ALICE/own.txt", headers => as($alice), status => 200,
              body_is => "alice's own\n" }, 'mod_rewrite: rewrite to her own file served');
check($srv, { path => "/rw/$BOB/go?f=$BOB/secret.txt", headers => as($bob), status => 200,
              body_is => "$SECRET\n" }, 'mod_rewrite: bob\'s rewrite to his file served');

# a CGI's local Location: is an internal redirect too
check($srv, { path => "/rw/$ALICE/redir.cgi?$BOB/secret.txt", headers => as($alice), status => 403,
              body_unlike => $NO_SECRET }, 'CGI local redirect to bob\'s file refused');
check($srv, { path => "/rw/$ALICE/redir.cgi?$ALICE/own.txt", headers => as($alice), status => 200,
              body_is => "alice's own\n" }, 'CGI local redirect to her own file served');

# ErrorDocument: the error page is a redirect decided on its own URI
check($srv, { path => "/err/$ALICE/missing", headers => as($alice), status => 404,
              body_unlike => $NO_SECRET }, 'ErrorDocument: bob\'s file is not alice\'s error page');
check($srv, { path => "/err/$BOB/missing", headers => as($bob), status => 404,
              body_is => "$SECRET\n" }, 'ErrorDocument: bob gets it as his error page');

# mod_dir: DirectoryIndex looks the index up by a subrequest
check($srv, { path => "/dir/$ALICE/", headers => as($alice), status => 403,
              body_unlike => $NO_SECRET }, 'mod_dir: bob\'s file is not alice\'s index');
check($srv, { path => "/dir/$ALICE/sub/", headers => as($alice), status => 200,
              body_is => "alice's index\n" }, 'mod_dir: her own index served');
check($srv, { path => "/dir/$BOB/", headers => as($bob), status => 200,
              body_is => "$SECRET\n" }, 'mod_dir: bob gets his file as index');

# mod_negotiation: a type map of alice's names bob's file; MultiViews
# (the redirect goes to /neg/ALICE/../BOB/secret.txt: a path that reads
# two ways, 400 as a client's would be)
check($srv, { path => "/neg/$ALICE/map.var", headers => as($alice),
              body_unlike => $NO_SECRET, status => 400 },
      'mod_negotiation: a type map naming bob\'s file is refused');
check($srv, { path => "/neg/$ALICE/own.var", headers => as($alice), status => 200,
              body_is => "alice's own\n" }, 'mod_negotiation: a type map of her own file served');
check($srv, { path => "/neg/$ALICE/doc", headers => as($alice), status => 200,
              body_is => "alice's doc\n" }, 'mod_negotiation: MultiViews finds her variant');

# mod_autoindex: HeaderName is read by a subrequest; the entries too
check($srv, { path => "/idx/$ALICE/", headers => as($alice), status => 200,
              body_unlike => $NO_SECRET, body_like => qr/own\.txt/ },
      'mod_autoindex: bob\'s file is not alice\'s listing header; her files listed');
check($srv, { path => "/idx/$BOB/", headers => as($bob), status => 200,
              body_like => qr/\Q$SECRET\E.*secret\.txt/s },
      'mod_autoindex: bob\'s own header and listing');

# no token: the subrequests never run
check($srv, { path => "/inc/$ALICE/page.shtml", status => 401, body_unlike => $NO_SECRET },
      'no token: 401');

$srv->stop;
done_testing();
