# SPDX-License-Identifier: BSD-2-Clause
# Credential vending through the gateway, with a loopback upstream of ours
# that speaks Cognito's JSON and STS's form/XML protocols and fails on
# demand; driven by the real AWS CLI and boto3.

use strict;
use warnings;

use lib 't/lib';
use CigTest;
use CigToken;
use IO::Socket::INET;
use JSON::PP;
use Test::More;

my $AWS = '/usr/bin/aws';
plan skip_all => "Debian's AWS CLI ($AWS) is not installed: apt-get install awscli"
    unless -x $AWS;

my $root = repo_root();
my $POOL = POOL;                 # eu-west-1:b45b9729-...
my $ID = IDENTITY;               # eu-west-1:9539224f-...
my $ROLE = 'arn:aws:iam::123456789012:role/CognitoAuth';
my $dir = File::Temp::tempdir(CLEANUP => 1);

# The upstream: one process, one connection at a time, behaviour by path.
my $up = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                               Listen => 64, ReuseAddr => 1) or die $!;
my $upport = $up->sockport;
my $uppid = fork // die;

if ($uppid == 0) {
    while (my $c = $up->accept) {
        my ($line, %h) = (scalar <$c>);
        while (defined(my $l = <$c>)) {
            last if $l =~ /^\r?\n$/;
            $h{lc $1} = $2 if $l =~ /^([^:]+):\s*(.*?)\r?$/;
        }
        my $body = '';
        read($c, $body, $h{'content-length'}) if $h{'content-length'};
        my ($path) = $line =~ m{^\S+ (\S+)};
        open my $log, '>>', "$dir/upstream.log";
        print $log encode_json({ path => $path, headers => \%h, body => $body }), "\n";
        close $log;

        my $target = $h{'x-amz-target'} // '';
        my $now = time;
        my ($status, $type, $out) = (200, 'application/x-amz-json-1.1', '');

        if ($path =~ m{^/cognito/ok}) {
            if ($target =~ /GetId$/) {
                $out = qq({"IdentityId":"$ID"});
            } elsif ($target =~ /GetOpenIdToken$/) {
                $out = qq({"IdentityId":"$ID","Token":"eyJraWQiOiJ4In0.e30.c2ln"});
            } else {
                $out = qq({"IdentityId":"$ID","Credentials":{"AccessKeyId":"ASIAEXAMPLE","SecretKey":"secret/key+1","SessionToken":"session-token","Expiration":@{[$now + 3600]}}});
            }
        } elsif ($path =~ m{^/cognito/notauth}) {
            ($status, $out) = (400, '{"__type":"com.amazonaws.cognito.identity#NotAuthorizedException","message":"Token is expired."}');
        } elsif ($path =~ m{^/cognito/expired}) {
            $out = qq({"IdentityId":"$ID","Credentials":{"AccessKeyId":"A","SecretKey":"S","SessionToken":"T","Expiration":@{[$now - 10]}}});
        } elsif ($path =~ m{^/cognito/garbage}) {
            $out = '{"IdentityId": oops';
        } elsif ($path =~ m{^/cognito/big}) {
            $out = qq({"IdentityId":"$ID","x":") . ('A' x 100_000) . '"}';
        } elsif ($path =~ m{^/cognito/redirect}) {
            ($status, $out) = (302, '');
        } elsif ($path =~ m{^/cognito/slow}) {
            sleep 3;
            $out = qq({"IdentityId":"$ID"});
        } elsif ($path =~ m{^/sts/ok}) {
            $type = 'text/xml';
            my @t = gmtime($now + 3600);
            my $exp = sprintf '%04d-%02d-%02dT%02d:%02d:%02dZ', $t[5] + 1900, $t[4] + 1, @t[3, 2, 1, 0];
            $out = "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials><AccessKeyId>ASIASTS</AccessKeyId><SecretAccessKey>sts/secret+key</SecretAccessKey><SessionToken>sts-session</SessionToken><Expiration>$exp</Expiration></Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>";
        } elsif ($path =~ m{^/sts/denied}) {
            ($status, $type) = (403, 'text/xml');
            $out = '<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>Not authorized</Message></Error></ErrorResponse>';
        } elsif ($path =~ m{^/sts/expired}) {
            $type = 'text/xml';
            $out = '<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials><AccessKeyId>A</AccessKeyId><SecretAccessKey>S</SecretAccessKey><SessionToken>T</SessionToken><Expiration>2001-01-01T00:00:00Z</Expiration></Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>';
        } else {
            ($status, $out) = (404, '');
        }

        my $extra = $status == 302 ? "Location: http://evil.example/\r\n" : '';
        print $c "HTTP/1.1 $status X\r\nContent-Type: $type\r\n$extra"
               . "Content-Length: " . length($out) . "\r\nConnection: close\r\n\r\n$out";
        close $c;
    }
    exit 0;
}

END { kill 'TERM', $uppid if $uppid; }

my $dead = do {
    my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 1);
    my $p = $s->sockport;
    close $s;
    $p;
};

my $locations = join '', map {
    my ($name, $target) = @$_;
    <<"L";
        location = /_up/$name {
            internal;
            proxy_pass http://127.0.0.1:$target;
            proxy_read_timeout 1s;
            proxy_connect_timeout 1s;
        }
        location /$name/ {
            cognito_identity_credentials pass /_up/$name;
        }
L
} (['ok', "$upport/cognito/ok"], ['notauth', "$upport/cognito/notauth"],
   ['expired', "$upport/cognito/expired"], ['garbage', "$upport/cognito/garbage"],
   ['big', "$upport/cognito/big"], ['redirect', "$upport/cognito/redirect"],
   ['slow', "$upport/cognito/slow"], ['dead', "$dead/cognito"]);

my $srv = start_nginx(<<"CONF");
    server {
        listen 127.0.0.1:%%PORT%%;

        cognito_identity_pool $POOL;
        cognito_identity_key_file %%ROOT%%/t/keys/jwks-k1.json;
        cognito_identity_role authenticated $ROLE;
        cognito_identity_role unauthenticated arn:aws:iam::123456789012:role/CognitoGuest;

$locations
        location /getid-only/ {
            cognito_identity_credentials pass /_up/ok operations=GetId;
        }

        location = /_sts/ok { internal; proxy_pass http://127.0.0.1:$upport/sts/ok; }
        location = /_sts/denied { internal; proxy_pass http://127.0.0.1:$upport/sts/denied; }
        location = /_sts/expired { internal; proxy_pass http://127.0.0.1:$upport/sts/expired; }

        location /sts/ { cognito_identity_credentials sts /_sts/ok duration=1h; }
        location /sts-guests/ {
            cognito_identity_unauthenticated on;
            cognito_identity_credentials sts /_sts/ok;
        }
        location /sts-enhanced/ {
            cognito_identity_roles %%ROOT%%/t/roles/pool-roles.json;
            cognito_identity_login cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc
                %%ROOT%%/t/keys/jwks-k1-login.json
                issuer=https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc
                client=client1abc;
            cognito_identity_credentials sts /_sts/ok;
        }
        location /sts-guests-cn/ {
            cognito_identity_unauthenticated on;
            cognito_identity_role unauthenticated arn:aws-cn:iam::123456789012:role/CognitoGuest;
            cognito_identity_credentials sts /_sts/ok;
        }
        location /sts-denied/ { cognito_identity_credentials sts /_sts/denied; }
        location /sts-expired/ { cognito_identity_credentials sts /_sts/expired; }
    }
CONF

my $base = 'http://127.0.0.1:' . $srv->port;
local $ENV{AWS_CONFIG_FILE} = '/dev/null';
local $ENV{AWS_SHARED_CREDENTIALS_FILE} = '/dev/null';
local $ENV{AWS_EC2_METADATA_DISABLED} = 'true';

sub aws {
    my ($path, @args) = @_;
    my @cmd = ($AWS, 'cognito-identity', @args, '--endpoint-url', "$base$path",
               '--region', 'eu-west-1', '--no-sign-request', '--output', 'json');
    my $out = qx{@{[ join ' ', map { "'$_'" } @cmd ]} 2>&1};
    my $rc = $? >> 8;
    return ($rc, eval { decode_json($out) } // $out);
}

sub upstream_log {
    open my $fh, '<', "$dir/upstream.log" or return ();
    return map { decode_json($_) } <$fh>;
}

# pass: the whole flow with the AWS CLI.
my ($rc, $r) = aws('/ok/', 'get-id', '--identity-pool-id', $POOL);
is($rc, 0, 'pass: get-id') or diag(explain $r);
is(ref $r ? $r->{IdentityId} : '', $ID, 'pass: the identity from upstream');

($rc, $r) = aws('/ok/', 'get-open-id-token', '--identity-id', $ID);
is($rc, 0, 'pass: get-open-id-token') or diag(explain $r);

($rc, $r) = aws('/ok/', 'get-credentials-for-identity', '--identity-id', $ID);
is($rc, 0, 'pass: get-credentials-for-identity') or diag(explain $r);
is(ref $r ? $r->{Credentials}{SecretKey} : '', 'secret/key+1', 'pass: credentials relayed');

my @log = upstream_log();
my $last = $log[-1];
is($last->{headers}{'x-amz-target'}, 'AWSCognitoIdentityService.GetCredentialsForIdentity',
   'upstream gets the target');
is($last->{headers}{'content-type'}, 'application/x-amz-json-1.1', 'and the content type');

# What the module sends upstream is only what it builds.
my $hits = scalar upstream_log();
my $resp = $srv->request('POST', '/ok/', {
    'Content-Type' => 'application/x-amz-json-1.1',
    'X-Amz-Target' => 'AWSCognitoIdentityService.GetId',
    Authorization => 'Bearer secret', Cookie => 'session=secret',
    'X-Forwarded-For' => '10.0.0.1' }, qq({"IdentityPoolId":"$POOL"}));
is($resp->{status}, 200, 'direct GetId');
is($resp->{headers}{'cache-control'}, 'no-store', 'Cache-Control: no-store');
$last = (upstream_log())[-1];
ok(!exists $last->{headers}{authorization}, 'client Authorization not forwarded');
ok(!exists $last->{headers}{cookie}, 'client cookies not forwarded');
ok(!exists $last->{headers}{'x-forwarded-for'}, 'other client headers not forwarded');
is($last->{body}, qq({"IdentityPoolId":"$POOL"}), 'the validated body, as sent');

# Refused before reaching upstream.
$hits = scalar upstream_log();
($rc, $r) = aws('/ok/', 'get-id', '--identity-pool-id', 'eu-west-1:00000000-0000-4000-8000-000000000000');
like(ref $r ? '' : $r, qr/ResourceNotFoundException/, 'a pool not allowed: ResourceNotFoundException');
($rc, $r) = aws('/ok/', 'get-credentials-for-identity', '--identity-id',
                'ap-south-1:9539224f-5cd4-4923-a426-d6078ef34b7a');
like(ref $r ? '' : $r, qr/ResourceNotFoundException/, 'an identity of another region');
my $foreign = cognito_token(claims => { aud => 'eu-west-1:00000000-0000-4000-8000-000000000000' });
($rc, $r) = aws('/ok/', 'get-credentials-for-identity', '--identity-id', $ID,
                '--logins', "cognito-identity.amazonaws.com=$foreign");
like(ref $r ? '' : $r, qr/NotAuthorizedException/, 'a token of another pool');
($rc, $r) = aws('/getid-only/', 'get-credentials-for-identity', '--identity-id', $ID);
like(ref $r ? '' : $r, qr/UnknownOperationException/, 'an operation not allowed here');
is(scalar upstream_log(), $hits, 'none of these reached the upstream');

$resp = $srv->request('POST', '/ok/', { 'Content-Type' => 'application/x-amz-json-1.1',
                                       'X-Amz-Target' => 'AWSCognitoIdentityService.GetId' },
                      '{"IdentityPoolId": [');
is($resp->{status}, 400, 'malformed JSON: 400');
is($resp->{headers}{'x-amzn-errortype'}, 'InvalidParameterException', 'InvalidParameterException');
$resp = $srv->request('GET', '/ok/');
is($resp->{headers}{'x-amzn-errortype'}, 'InvalidParameterException', 'GET refused');

# Upstream faults: bounded, Cognito-shaped, never passed on.
for my $c (['/notauth/', 403, 'NotAuthorizedException', 'upstream error rebuilt, with the status of the AWS model'],
           ['/expired/', 502, 'InternalErrorException', 'expired credentials refused'],
           ['/garbage/', 502, 'InternalErrorException', 'garbage refused'],
           ['/big/', 502, 'InternalErrorException', 'oversized answer refused'],
           ['/redirect/', 502, 'InternalErrorException', 'a redirect is not followed'],
           ['/slow/', 504, 'InternalErrorException', 'a slow upstream times out'],
           ['/dead/', 502, 'InternalErrorException', 'a dead upstream'])
{
    my ($path, $status, $type, $name) = @$c;
    my $t0 = time;
    $resp = $srv->request('POST', $path, {
        'Content-Type' => 'application/x-amz-json-1.1',
        'X-Amz-Target' => 'AWSCognitoIdentityService.GetCredentialsForIdentity' },
        qq({"IdentityId":"$ID"}));
    is($resp->{status}, $status, "$name: $status");
    is($resp->{headers}{'x-amzn-errortype'}, $type, "$name: $type");
    like($resp->{body}, qr/^\{"__type":"\Q$type\E","message":"[^"]*"\}$/, "$name: body");
    unlike($resp->{body}, qr/ASIA|secret/, "$name: no credentials leak");
    cmp_ok(time - $t0, '<=', 3, "$name: bounded time");
}

# sts: the gateway does the basic flow itself.
my $token = cognito_token();
($rc, $r) = aws('/sts/', 'get-credentials-for-identity', '--identity-id', $ID,
                '--logins', "cognito-identity.amazonaws.com=$token");
is($rc, 0, 'sts: get-credentials-for-identity') or diag(explain $r);
is(ref $r ? $r->{Credentials}{AccessKeyId} : '', 'ASIASTS', 'sts: the STS credentials');
is(ref $r ? $r->{Credentials}{SecretKey} : '', 'sts/secret+key', 'sts: as SecretKey');
like(ref $r ? $r->{Credentials}{Expiration} : '', qr/\d/, 'sts: with an expiration');

$last = (upstream_log())[-1];
my %form = map { my ($k, $v) = split /=/, $_, 2; $v =~ s/%([0-9A-F]{2})/chr hex $1/ge; ($k, $v) }
           split /&/, $last->{body};
is($form{Action}, 'AssumeRoleWithWebIdentity', 'sts: the action');
is($form{RoleArn}, $ROLE, 'sts: the role the attachment chose');
is($form{RoleSessionName}, 'CognitoIdentityCredentials', 'sts: Cognito\'s session name');
is($form{DurationSeconds}, 3600, 'sts: the configured duration');
is($form{WebIdentityToken}, $token, 'sts: the token');
is($last->{headers}{'content-type'}, 'application/x-www-form-urlencoded', 'sts: a form');
ok(!grep(/^PolicyArns/, keys %form), 'sts: no session policy for an authenticated identity');

# sts: guests are scoped down with Cognito's managed session policy.
sub sts_form {
    my ($path, $tok) = @_;
    my $resp = $srv->request('POST', $path, {
        'Content-Type' => 'application/x-amz-json-1.1',
        'X-Amz-Target' => 'AWSCognitoIdentityService.GetCredentialsForIdentity' },
        qq({"IdentityId":"$ID","Logins":{"cognito-identity.amazonaws.com":"$tok"}}));
    my $sent = (upstream_log())[-1];
    my %f = map { my ($k, $v) = split /=/, $_, 2; $v =~ s/%([0-9A-F]{2})/chr hex $1/ge; ($k, $v) }
            split /&/, $sent->{body};
    return ($resp, \%f);
}
my $guest = cognito_token(claims => { amr => ['unauthenticated'] });
my ($gr, $gf) = sts_form('/sts-guests/', $guest);
is($gr->{status}, 200, 'sts guest: 200');
is($gf->{RoleArn}, 'arn:aws:iam::123456789012:role/CognitoGuest', 'sts guest: the guest role');
is($gf->{'PolicyArns.member.1.arn'},
   'arn:aws:iam::aws:policy/AmazonCognitoUnAuthedIdentitiesSessionPolicy',
   'sts guest: Cognito\'s session policy for guests');
($gr, $gf) = sts_form('/sts-guests-cn/', $guest);
is($gf->{'PolicyArns.member.1.arn'},
   'arn:aws-cn:iam::aws:policy/AmazonCognitoUnAuthedIdentitiesSessionPolicy',
   'sts guest: the policy of the role\'s partition');
($gr, $gf) = sts_form('/sts-guests/', $token);
is($gr->{status}, 200, 'sts authenticated where guests are on: 200');
ok(!grep(/^PolicyArns/, keys %$gf), 'sts authenticated: no session policy');

($rc, $r) = aws('/sts/', 'get-credentials-for-identity', '--identity-id', $ID,
                '--logins', 'cognito-identity.amazonaws.com=' . cognito_token(key => 'k2'));
like(ref $r ? '' : $r, qr/NotAuthorizedException/, 'sts: a bad token');
($rc, $r) = aws('/sts/', 'get-credentials-for-identity', '--identity-id',
                'eu-west-1:00000000-0000-4000-8000-000000000000',
                '--logins', "cognito-identity.amazonaws.com=$token");
like(ref $r ? '' : $r, qr/NotAuthorizedException/, 'sts: a token of another identity');
($rc, $r) = aws('/sts/', 'get-credentials-for-identity', '--identity-id', $ID,
                '--logins', "cognito-identity.amazonaws.com=$token",
                '--custom-role-arn', 'arn:aws:iam::123456789012:role/Admin');
like(ref $r ? '' : $r, qr/InvalidIdentityPoolConfigurationException/, 'sts: a role not chosen');
($rc, $r) = aws('/sts-denied/', 'get-credentials-for-identity', '--identity-id', $ID,
                '--logins', "cognito-identity.amazonaws.com=$token");
like(ref $r ? '' : $r, qr/InvalidIdentityPoolConfigurationException/,
     'sts: STS refusing the role is the pool\'s configuration, as Cognito says');
($rc, $r) = aws('/sts-expired/', 'get-credentials-for-identity', '--identity-id', $ID,
                '--logins', "cognito-identity.amazonaws.com=$token");
like(ref $r ? '' : $r, qr/InternalErrorException/, 'sts: expired STS credentials refused');

# sts, the enhanced flow's Logins: the user pool's own ID token beside the
# OpenID token, verified with cognito_identity_login's keys; Rules read its
# claims.
my $UP = 'cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc';
my $up_openid = cognito_token(claims => { amr => ['authenticated', $UP, "$UP:CognitoSignIn:alice-0001"] });
my $idtoken = sub {
    my (%c) = @_;
    my $now = time;
    my $claims = { iss => "https://$UP", aud => 'client1abc', sub => 'alice-0001',
                   token_use => 'id', exp => $now + 600, iat => $now, %c };
    return mint_openssl(key => "$root/t/keys/k1.pem", header => '{"alg":"RS256","kid":"login-1"}',
                        payload => JSON::PP->new->canonical(1)->encode($claims));
};
sub sts_logins {
    my (%logins) = @_;
    my $resp = $srv->request('POST', '/sts-enhanced/', {
        'Content-Type' => 'application/x-amz-json-1.1',
        'X-Amz-Target' => 'AWSCognitoIdentityService.GetCredentialsForIdentity' },
        encode_json({ IdentityId => $ID, Logins => \%logins }));
    return $resp;
}
$hits = scalar upstream_log();
$resp = sts_logins('cognito-identity.amazonaws.com' => $up_openid,
                   $UP => $idtoken->('cognito:groups' => ['admins']));
is($resp->{status}, 200, 'sts enhanced: 200');
%form = map { my ($k, $v) = split /=/, $_, 2; $v =~ s/%([0-9A-F]{2})/chr hex $1/ge; ($k, $v) }
        split /&/, (upstream_log())[-1]{body};
is($form{RoleArn}, 'arn:aws:iam::123456789012:role/Admin',
   'sts enhanced: the Rules mapping read the ID token\'s cognito:groups');
is($form{WebIdentityToken}, $up_openid, 'sts enhanced: STS gets the OpenID token');
$resp = sts_logins('cognito-identity.amazonaws.com' => $up_openid,
                   $UP => $idtoken->('cognito:groups' => ['users']));
%form = map { my ($k, $v) = split /=/, $_, 2; $v =~ s/%([0-9A-F]{2})/chr hex $1/ge; ($k, $v) }
        split /&/, (upstream_log())[-1]{body};
is($form{RoleArn}, $ROLE =~ s/CognitoAuth/Auth/r, 'sts enhanced: no rule matches: the authenticated role');
my $n = scalar upstream_log();
$resp = sts_logins('cognito-identity.amazonaws.com' => $up_openid);
is($resp->{headers}{'x-amzn-errortype'}, 'NotAuthorizedException',
   'sts enhanced: the configured provider\'s token is required');
like($resp->{body}, qr/provider's own token/, 'sts enhanced: ... and the error says so');
$resp = sts_logins('cognito-identity.amazonaws.com' => $up_openid,
                   $UP => $idtoken->('cognito:groups' => ['admins'], sub => 'mallory-0002'));
is($resp->{headers}{'x-amzn-errortype'}, 'NotAuthorizedException',
   'sts enhanced: an ID token of another user than the identity\'s');
$resp = sts_logins('cognito-identity.amazonaws.com' => $up_openid,
                   $UP => $idtoken->('cognito:groups' => ['admins'], aud => 'otherclient'));
is($resp->{headers}{'x-amzn-errortype'}, 'NotAuthorizedException',
   'sts enhanced: an ID token of another app client');
$resp = sts_logins('cognito-identity.amazonaws.com' => $up_openid,
                   $UP => cognito_token(claims => { 'cognito:groups' => ['admins'] }));
is($resp->{headers}{'x-amzn-errortype'}, 'NotAuthorizedException',
   'sts enhanced: a token signed by other keys than the provider\'s');
is(scalar upstream_log(), $n, 'sts enhanced: none of these reached STS');
$resp = sts_logins($UP => $idtoken->('cognito:groups' => ['admins']));
is($resp->{status}, 400, 'sts enhanced: no OpenID token: 400');
like($resp->{body}, qr/GetOpenIdToken/, 'sts enhanced: ... saying how to get one');

# boto3, the same flow.
SKIP: {
    my $py = '/usr/bin/python3';
    skip 'python3-boto3 not installed', 3
        unless system("$py -c 'import boto3' 2>/dev/null") == 0;

    my $script = <<"PY";
import boto3, json
from botocore import UNSIGNED
from botocore.config import Config
c = boto3.client('cognito-identity', region_name='eu-west-1', endpoint_url='$base/ok/',
                 config=Config(signature_version=UNSIGNED))
i = c.get_id(IdentityPoolId='$POOL')['IdentityId']
t = c.get_open_id_token(IdentityId=i)['Token']
k = c.get_credentials_for_identity(IdentityId=i)['Credentials']
s = boto3.client('cognito-identity', region_name='eu-west-1', endpoint_url='$base/sts/',
                 config=Config(signature_version=UNSIGNED))
k2 = s.get_credentials_for_identity(IdentityId='$ID', Logins={'cognito-identity.amazonaws.com': '$token'})['Credentials']
print(json.dumps([i, k['AccessKeyId'], k2['AccessKeyId']]))
PY
    my $out = `$py -c "\$(cat <<'EOF'\n$script\nEOF\n)" 2>&1`;
    my $res = eval { decode_json($out) } // [];
    is($res->[0], $ID, 'boto3: get_id') or diag($out);
    is($res->[1], 'ASIAEXAMPLE', 'boto3: get_credentials_for_identity (pass)');
    is($res->[2], 'ASIASTS', 'boto3: get_credentials_for_identity (sts)');
}

$srv->stop;

# Configuration.
my $s = sub { "server { listen 127.0.0.1:%%PORT%%; $_[0] }\n" };
nginx_config_fails($s->('location /c/ { cognito_identity_credentials pass /_up; }'),
    qr/cognito_identity_credentials needs cognito_identity_pool/, 'pass needs pools');
nginx_config_fails($s->("cognito_identity_pool $POOL; location /c/ { cognito_identity_credentials sts /_sts; }"),
    qr/cognito_identity_credentials sts needs roles/, 'sts needs roles');
nginx_config_fails($s->("cognito_identity_pool $POOL; location /c/ { cognito_identity_credentials relay /_up; }"),
    qr/invalid mode "relay"/, 'unknown mode');
nginx_config_fails($s->("cognito_identity_pool $POOL; location /c/ { cognito_identity_credentials pass http://cognito; }"),
    qr/must be a location of this server/, 'the upstream is a location, never a URL from elsewhere');
nginx_config_fails($s->("cognito_identity_pool $POOL; location /c/ { cognito_identity_credentials pass /_up operations=GetId,DeleteIdentities; }"),
    qr/unknown operation "DeleteIdentities"/, 'unknown operation');
nginx_config_fails($s->("cognito_identity_pool $POOL; cognito_identity_role authenticated $ROLE; cognito_identity_key_file %%ROOT%%/t/keys/jwks-k1.json; location /c/ { cognito_identity_credentials sts /_sts duration=1m; }"),
    qr/invalid duration "duration=1m": 15m to 12h/, 'duration bounds');

done_testing();
