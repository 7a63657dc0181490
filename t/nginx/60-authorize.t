# SPDX-License-Identifier: BSD-2-Clause
# Per-identity authorization through nginx: the path-prefix shorthand, IAM
# policies in s3 and execute-api modes, ambiguous paths, the 403 dialects,
# error_page and satisfy, and configuration errors of the directives.

use strict;
use warnings;

use lib 't/lib';
use CigTest;
use CigToken;
use Test::More;

my $ROLE = 'arn:aws:iam::123456789012:role/User';
my $ME = IDENTITY;                                   # ...:9539224f-...
my $OTHER = 'eu-west-1:9539224f-5cd4-4923-a426-d6078ef34b7b';
my $API = 'arn:aws:execute-api:eu-west-1:123456789012:abc123/prod';

my $dir = File::Temp::tempdir(CLEANUP => 1);

sub write_file {
    my ($name, $text) = @_;
    open my $fh, '>', "$dir/$name" or die;
    print $fh $text;
    close $fh;
    return "$dir/$name";
}

my $s3_policy = write_file('s3.json', <<'JSON');
{"Version": "2012-10-17", "Statement": [
  {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::mybucket",
   "Condition": {"StringLike": {"s3:prefix": ["${cognito-identity.amazonaws.com:sub}/*"]}}},
  {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
   "Resource": "arn:aws:s3:::mybucket/${cognito-identity.amazonaws.com:sub}/*"},
  {"Sid": "NoSecrets", "Effect": "Deny", "Action": "s3:*",
   "Resource": "arn:aws:s3:::mybucket/*/secret/*"}]}
JSON

my $api_policy = write_file('api.json', <<'JSON');
{"Version": "2012-10-17", "Statement": [
  {"Effect": "Allow", "Action": "execute-api:Invoke",
   "Resource": "arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/*/users/${cognito-identity.amazonaws.com:sub}/*"},
  {"Effect": "Deny", "Action": "execute-api:Invoke",
   "Resource": "arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/DELETE/*"}]}
JSON

# one listener: requests proxied to itself carry X-Hop and are answered
my $srv = start_nginx(<<"CONF");
    map \$http_x_hop \$is_upstream { default 0; "1" 1; }

    server {
        listen 127.0.0.1:%%PORT%%;
        root %%DIR%%/html;
        merge_slashes off;

        cognito_identity_pool eu-west-1:b45b9729-c269-4ef2-86f1-0df3e40fe92d;
        cognito_identity_key_file %%ROOT%%/t/keys/jwks-k1.json;
        cognito_identity_role authenticated $ROLE;
        cognito_identity_policy $ROLE $s3_policy;

        add_header X-Error \$cognito_identity_error always;
        add_header X-Decision \$cognito_identity_decision always;
        add_header X-Statement \$cognito_identity_statement always;
        proxy_set_header X-Hop 1;

        if (\$is_upstream) {
            return 200 "upstream \$request_uri\\n";
        }

        location /files/ {
            cognito_identity "files";
            cognito_identity_allow_prefix /files/\${cognito-identity.amazonaws.com:sub}/
                                          /files/public;
            proxy_pass http://127.0.0.1:%%PORT%%;
        }

        location /mybucket {
            cognito_identity "s3";
            cognito_identity_authorize s3;
            proxy_pass http://127.0.0.1:%%PORT%%;
        }

        location /fixed/ {
            cognito_identity "s3";
            cognito_identity_authorize s3 bucket=mybucket;
            proxy_pass http://127.0.0.1:%%PORT%%;
        }

        location /both/ {
            cognito_identity "s3";
            cognito_identity_allow_prefix /both/\${cognito-identity.amazonaws.com:sub}/;
            cognito_identity_authorize s3;
            proxy_pass http://127.0.0.1:%%PORT%%;
        }

        location /users/ {
            cognito_identity "api";
            cognito_identity_policy $ROLE $api_policy;
            cognito_identity_authorize execute-api $API;
            proxy_pass http://127.0.0.1:%%PORT%%;
        }

        location /nopolicy/ {
            cognito_identity "api";
            cognito_identity_role authenticated arn:aws:iam::123456789012:role/Other;
            cognito_identity_policy $ROLE $api_policy;
            cognito_identity_authorize execute-api $API;
            proxy_pass http://127.0.0.1:%%PORT%%;
        }

        location /custom/ {
            cognito_identity "s3";
            cognito_identity_authorize s3;
            error_page 403 /errors/403.txt;
            proxy_pass http://127.0.0.1:%%PORT%%;
        }

        location /errors/ {
            alias %%DIR%%/html/;
        }

        location /satisfy/ {
            satisfy any;
            allow 10.0.0.0/8;
            deny all;
            cognito_identity "s3";
            cognito_identity_authorize s3;
            proxy_pass http://127.0.0.1:%%PORT%%;
        }
    }
CONF

{
    open my $fh, '>', $srv->dir . '/html/403.txt' or die;
    print $fh "custom denial\n";
}

my $me = cognito_token();
my $other = cognito_token(claims => { sub => $OTHER });
my %auth = (Authorization => "Bearer $me");
my $XML = qr{^<\?xml version="1\.0" encoding="UTF-8"\?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>\n$};

my @cases = (
    # allow_prefix: whole segments only
    ['prefix: own directory', 'GET', "/files/$ME/a.txt", 200],
    ['prefix: own directory itself', 'GET', "/files/$ME", 200],
    ['prefix: another identity', 'GET', "/files/$OTHER/a.txt", 403],
    ['prefix: a sibling that extends the id', 'GET', "/files/${ME}x/a.txt", 403],
    ['prefix: a sibling that extends the id, no slash', 'GET', "/files/${ME}x", 403],
    ['prefix: second pattern without trailing slash', 'GET', '/files/public/x', 200],
    ['prefix: second pattern itself', 'GET', '/files/public', 200],
    ['prefix: second pattern is segment-exact', 'GET', '/files/publicity', 403],
    ['prefix: %3A in the id is decoded', 'GET', '/files/eu-west-1%3A9539224f-5cd4-4923-a426-d6078ef34b7a/a', 200],

    # s3 mode, path-style
    ['s3: own object', 'GET', "/mybucket/$ME/a.txt", 200, 'allow', 1],
    ['s3: own object, PUT', 'PUT', "/mybucket/$ME/a.txt", 200, 'allow', 1],
    ['s3: own object, DELETE not allowed', 'DELETE', "/mybucket/$ME/a.txt", 403, 'deny'],
    ['s3: another identity', 'GET', "/mybucket/$OTHER/a.txt", 403, 'deny'],
    ['s3: explicit deny wins', 'GET', "/mybucket/$ME/secret/x", 403, 'explicit-deny', 2],
    ['s3: list own prefix', 'GET', "/mybucket?prefix=$ME/&delimiter=/", 200, 'allow', 0],
    ['s3: list own prefix, encoded', 'GET', '/mybucket?prefix=eu-west-1%3A9539224f-5cd4-4923-a426-d6078ef34b7a%2F', 200, 'allow', 0],
    ['s3: list another prefix', 'GET', "/mybucket?prefix=$OTHER/", 403, 'deny'],
    ['s3: list without prefix', 'GET', '/mybucket', 403, 'deny'],
    ['s3: duplicate prefix parameter', 'GET', "/mybucket?prefix=$ME/&prefix=x", 400],
    ['s3: copy from own prefix', 'PUT', "/mybucket/$ME/b.txt", 200, 'allow', 1,
        { 'x-amz-copy-source' => "/mybucket/$ME/a.txt" }],
    ['s3: copy from another identity', 'PUT', "/mybucket/$ME/b.txt", 403, 'deny', undef,
        { 'x-amz-copy-source' => "mybucket/$OTHER/a.txt" }],
    ['s3: the SDK hint x-id is ignored', 'GET', "/mybucket/$ME/a.txt?x-id=GetObject", 200, 'allow', 1],
    ['s3: PUT that also sets an ACL needs PutObjectAcl', 'PUT', "/mybucket/$ME/a.txt", 403, 'deny', undef,
        { 'x-amz-acl' => 'public-read' }],
    ['s3: PUT with a grant header needs PutObjectAcl', 'PUT', "/mybucket/$ME/a.txt", 403, 'deny', undef,
        { 'x-amz-grant-read' => 'uri="http://acs.amazonaws.com/groups/global/AllUsers"' }],
    ['s3: PUT with tags needs PutObjectTagging', 'PUT', "/mybucket/$ME/a.txt", 403, 'deny', undef,
        { 'x-amz-tagging' => 'a=b' }],
    ['s3: bypassing governance retention needs its own permission', 'PUT', "/mybucket/$ME/a.txt", 403, 'deny', undef,
        { 'x-amz-bypass-governance-retention' => 'true' }],
    ['s3: multi-object delete without its XML', 'POST', '/mybucket?delete', 400],
    ['s3: unknown operation refused', 'GET', "/mybucket/$ME/a.txt?torrent", 403],
    ['s3: fixed bucket', 'GET', "/fixed/$ME/a.txt", 403, 'deny'],

    # both checks must pass
    ['both: prefix and policy pass', 'GET', "/both/$ME/x", 403, 'deny'],

    # ambiguous paths: 400 wherever a path is authorized
    ['encoded slash', 'GET', "/mybucket/$ME%2F..%2Fother/a", 400],
    ['encoded backslash', 'GET', "/mybucket/$ME/a%5Cb", 400],
    ['dot segment', 'GET', "/mybucket/$ME/./a", 400],
    ['encoded dot segment', 'GET', "/mybucket/$ME/%2E%2E/$OTHER/a", 400],
    ['double encoding', 'GET', "/mybucket/$ME/a%252Fb", 400],
    ['encoded NUL', 'GET', "/mybucket/$ME/a%00b", 400],
    ['encoded question mark', 'GET', "/mybucket/$ME/a%3Fb", 400],
    ['overlong UTF-8', 'GET', "/mybucket/$ME/%C0%AFa", 400],
    ['double slash', 'GET', "/mybucket/$ME//a", 200, 'allow'],
    ['prefix: dot segment', 'GET', "/files/$ME/../$OTHER/a", 400],
    ['prefix: encoded slash', 'GET', "/files/$ME%2Fa", 400],
    ['space and plus are ordinary', 'GET', "/mybucket/$ME/a%20b+c", 200, 'allow'],
    ['unicode key', 'GET', "/mybucket/$ME/%E2%9C%93", 200, 'allow'],

    # execute-api
    ['api: own path', 'GET', "/users/$ME/profile", 200, 'allow', 0],
    ['api: another identity', 'GET', "/users/$OTHER/profile", 403, 'deny'],
    ['api: explicit deny', 'DELETE', "/users/$ME/profile", 403, 'explicit-deny', 1],
    ['api: role without policy', 'GET', "/nopolicy/$ME/x", 403, 'deny'],
);

for my $c (@cases) {
    my ($name, $method, $path, $status, $decision, $statement, $extra) = @$c;
    my %expect = (status => $status);
    $expect{headers_like}{'x-decision'} = $decision if defined $decision;
    $expect{headers_like}{'x-statement'} = "$statement" if defined $statement;
    $expect{body_like} = qr/^upstream \Q$path\E\n$/ if $status == 200;

    if ($status == 403 && $path =~ m{^/mybucket}) {
        $expect{body_like} = $XML;
        $expect{headers_like}{'content-type'} = 'application/xml';
    }

    if ($status == 403 && $path =~ m{^/users}) {
        $expect{body_like} = $decision eq 'explicit-deny'
            ? qr/^\{"Message":"User is not authorized to access this resource with an explicit deny"\}\n$/
            : qr/^\{"Message":"User is not authorized to access this resource"\}\n$/;
        $expect{headers_like}{'x-amzn-errortype'} = 'AccessDeniedException';
    }

    check($srv, { method => $method, path => $path,
                  headers => { %auth, %{ $extra // {} } },
                  body => $method eq 'PUT' ? "data\n" : undef,
                  %expect }, $name);
}

check($srv, { path => "/mybucket/$ME/a.txt", status => 401,
              headers_like => { 'www-authenticate' => 'Bearer realm="s3"' } },
      'no token is 401 in s3 mode too');

check($srv, { method => 'HEAD', path => "/mybucket/$OTHER/a.txt",
              headers => \%auth, status => 403, body_is => '' },
      'HEAD denial has no body');

check($srv, { path => "/mybucket/$OTHER/a.txt",
              headers => { Authorization => "Bearer $other" }, status => 200 },
      'the other identity reaches its own object');

check($srv, { path => "/mybucket/$ME/secret/x", headers => \%auth,
              status => 403,
              log_like => qr/cognito identity: 403, s3:GetObject on arn:aws:s3:::mybucket\/\Q$ME\E\/secret\/x denied by statement 2 \(NoSecrets\)/ },
      'the log names the deciding statement');

check($srv, { path => "/mybucket/$OTHER/a", headers => \%auth, status => 403,
              log_like => qr/no statement of the 1 policies of \Q$ROLE\E allows s3:GetObject on arn:aws:s3:::mybucket\/\Q$OTHER\E\/a/ },
      'the log says that no statement allowed');

check($srv, { path => "/custom/$OTHER/a", headers => \%auth, status => 403,
              body_is => "custom denial\n" },
      'error_page 403 replaces the S3 body');

check($srv, { path => "/satisfy/$OTHER/a", headers => \%auth, status => 403,
              body_unlike => qr/AccessDenied/ },
      'satisfy any: nginx answers the denial');

$srv->stop;

# Configuration.
my $base = <<"C";
    cognito_identity_pool eu-west-1:b45b9729-c269-4ef2-86f1-0df3e40fe92d;
    cognito_identity_key_file %%ROOT%%/t/keys/jwks-k1.json;
C

sub conf { "server { listen 127.0.0.1:%%PORT%%;\n$base\n$_[0]\n}\n" }

my $bad = write_file('bad.json', '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"},{"Effect":"Permit","Action":"s3:GetObject","Resource":"*"}]}');
my $v = write_file('v.json', '{"Version":"2012-10-18","Statement":[]}');
my $op = write_file('op.json', '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEqualz":{"aws:SourceIp":"x"}}}]}');
my $nodollar = write_file('nodollar.json', '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::b","Condition":{"StringLike":{"s3:prefix":["{cognito-identity.amazonaws.com:sub}/*"]}}}]}');
my $unknown = write_file('unknown.json', '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"aws:username":"x"}}}]}');

nginx_config_fails(conf("cognito_identity_policy $ROLE $bad;"),
    qr/cognito_identity_policy "\Q$bad\E": statement 1: Effect must be "Allow" or "Deny" in \S+nginx\.conf:\d+/,
    'policy error names file and statement');
nginx_config_fails(conf("cognito_identity_policy $ROLE $v;"),
    qr/Version must be "2012-10-17" or "2008-10-17"/, 'bad Version');
nginx_config_fails(conf("cognito_identity_policy $ROLE $op;"),
    qr/statement 0: unknown condition operator "StringEqualz"/, 'unknown operator');
nginx_config_fails(conf("cognito_identity_policy arn:aws:iam::1:role/x $s3_policy;"),
    qr/"arn:aws:iam::1:role\/x" is not an IAM role ARN/, 'bad role ARN');
nginx_config_fails(conf("cognito_identity_policy $ROLE %%ROOT%%/nope.json;"),
    qr/cognito_identity_policy "\S+nope\.json": cannot open/, 'missing policy file');
nginx_config_fails(conf("cognito_identity_policy $ROLE $s3_policy; cognito_identity_policy $ROLE $s3_policy;"),
    qr/is attached to "\Q$ROLE\E" twice/, 'policy attached twice');
nginx_config_fails(conf('location / { cognito_identity "x"; cognito_identity_authorize s3; }'),
    qr/"cognito_identity_authorize" where "cognito_identity" is enabled in \S+:\d+ needs roles/,
    'authorize without roles');
nginx_config_fails(conf('cognito_identity_authorize s4;'),
    qr/invalid value, expected "s3 \[bucket=NAME\]", "execute-api ARN_PREFIX" or "off"/, 'bad mode');
nginx_config_fails(conf('cognito_identity_authorize s3 bucket=ab;'),
    qr/invalid value/, 'bucket name too short');
nginx_config_fails(conf('cognito_identity_authorize s3 bucket=My_Bucket;'),
    qr/invalid bucket name in "bucket=My_Bucket"/, 'bucket name with capitals');
nginx_config_fails(conf('cognito_identity_allow_prefix /a/${aws:username}/;'),
    qr/prefix "\/a\/\$\{aws:username\}\/": variable "\$\{aws:username\}" has no value for a prefix/,
    'prefix with a variable that is never set');
nginx_config_fails(conf('cognito_identity_authorize execute-api arn:aws:lambda:x;'),
    qr/is not an API Gateway ARN prefix/, 'bad API ARN');

# execute-api ARN prefixes in every partition, the partition the region's
for my $p (['aws', 'eu-west-1'], ['aws-cn', 'cn-north-1'],
           ['aws-us-gov', 'us-gov-west-1'], ['aws-iso', 'us-iso-east-1'],
           ['aws-iso-b', 'us-isob-east-1'], ['aws-iso-e', 'eu-isoe-west-1'],
           ['aws-iso-f', 'us-isof-south-1'], ['aws-eusc', 'eusc-de-east-1']) {
    my ($partition, $region) = @$p;
    nginx_config_ok(conf("cognito_identity_authorize execute-api "
                         . "arn:$partition:execute-api:$region:123456789012:abc123/prod;"),
                    "execute-api ARN prefix in $partition");
}
nginx_config_fails(conf('cognito_identity_authorize execute-api arn:aws:execute-api:cn-north-1:123456789012:abc123/prod;'),
    qr/is not an API Gateway ARN prefix .*: region "cn-north-1" is in partition "aws-cn", not "aws"/,
    'a China region under the aws partition');
nginx_config_fails(conf('cognito_identity_authorize execute-api arn:aws-us-gov:execute-api:us-east-1:123456789012:abc123/prod;'),
    qr/region "us-east-1" is in partition "aws", not "aws-us-gov"/,
    'a commercial region under aws-us-gov');
nginx_config_fails(conf('cognito_identity_authorize execute-api arn:aws-moon:execute-api:eu-west-1:123456789012:abc123/prod;'),
    qr/"aws-moon" is not an AWS partition/, 'an unknown partition');
nginx_config_fails(conf('cognito_identity_authorize execute-api arn:aws:execute-api:eu-west-1:1234:abc123/prod;'),
    qr/the account is not 12 digits/, 'a short account');
nginx_config_fails(conf('cognito_identity_authorize s3; cognito_identity_authorize off;'),
    qr/"cognito_identity_authorize" directive is duplicate/, 'authorize twice');
nginx_config_fails(conf('cognito_identity_allow_prefix files/;'),
    qr/prefix "files\/" does not start with "\/"/, 'relative prefix');
nginx_config_fails(conf('cognito_identity_allow_prefix /a/${sub/;'),
    qr/unterminated "\$\{"/, 'unterminated variable');

my $out = nginx_config_ok(conf("cognito_identity_policy $ROLE $nodollar;"),
                          'a variable without its $ loads');
like($out, qr/\[warn\].*statement 0: "\{cognito-identity\.amazonaws\.com:sub\}" is literal text; did you mean "\$\{cognito-identity\.amazonaws\.com:sub\}"\?/,
     'and draws a warning that says what was meant');

$out = nginx_config_ok(conf("cognito_identity_policy $ROLE $unknown;"),
                       'an unknown condition key loads');
like($out, qr/\[warn\].*condition key "aws:username" is never set by this module/,
     'and draws a warning');

$out = nginx_config_ok(conf(<<"C"), 'a role without policy loads');
    cognito_identity_role authenticated arn:aws:iam::123456789012:role/Lonely;
    cognito_identity_policy $ROLE $s3_policy;
    location / { cognito_identity "x"; cognito_identity_authorize s3; }
C
like($out, qr/\[warn\].*role "arn:aws:iam::123456789012:role\/Lonely" has no cognito_identity_policy/,
     'and draws a warning');

done_testing();
