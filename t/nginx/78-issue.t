# SPDX-License-Identifier: BSD-2-Clause
# Credentials the gateway issues: cognito_identity_credentials issue and the
# local pool's GetCredentialsForIdentity, driven by the real AWS CLI and
# boto3; the session tokens opened by an independent implementation of
# their format (python3-cryptography's HKDF and AES-GCM), never by the
# module under test.

use strict;
use warnings;

use lib 't/lib';
use CigTest;
use CigToken;
use File::Temp qw(tempdir);
use JSON::PP;
use MIME::Base64 qw(encode_base64url decode_base64url);
use Test::More;

my $AWS = '/usr/bin/aws';
plan skip_all => "Debian's AWS CLI ($AWS) is not installed: apt-get install awscli"
    unless -x $AWS;
plan skip_all => 'python3 with boto3 and cryptography is needed'
    unless system('python3', '-c', 'import boto3, cryptography') == 0;

my $POOL = POOL;                 # eu-west-1:b45b9729-...
my $ID = IDENTITY;               # eu-west-1:9539224f-...
my $ROLE = 'arn:aws:iam::123456789012:role/CognitoAuth';
my $GUEST_ROLE = 'arn:aws:iam::123456789012:role/CognitoGuest';
my $LPOOL = 'us-east-1:0d0d0d0d-0000-4000-8000-000000000001';
my $dir = tempdir(CLEANUP => 1);

my $K1 = encode_base64url("\x11" x 32);
my $K2 = encode_base64url("\x22" x 32);

sub key_file {
    my ($name, $mode, $text) = @_;
    my $f = "$dir/$name";
    open my $fh, '>', $f or die $!;
    print $fh $text;
    close $fh;
    chmod $mode, $f;
    return $f;
}

my $keys = key_file('keys.json', 0600,
    qq({"keys":[{"id":"k2","status":"verify","secret":"$K2"},)
  . qq({"id":"k1","status":"active","secret":"$K1"}]}));

# The session token's format, opened independently: HKDF-SHA256 of the key
# with the token's salt, AES-256-GCM with version, key id, deployment id
# and pool as additional data.
my $opener = <<'PY';
import base64, json, struct, sys
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
keys = json.loads(sys.argv[1]); dep = sys.argv[2].encode(); tok = sys.argv[3]
b = base64.urlsafe_b64decode(tok + '=' * (-len(tok) % 4))
assert b[0] == 1
kl = b[1]; kid = b[2:2 + kl].decode(); p = 2 + kl
pl = b[p]; pool = b[p + 1:p + 1 + pl].decode(); p += 1 + pl
salt = b[p:p + 16]; p += 16
okm = HKDF(algorithm=hashes.SHA256(), length=90, salt=salt,
           info=b'cognito-identity-gateway session v1').derive(
           base64.urlsafe_b64decode(keys[kid] + '=' * (-len(keys[kid]) % 4)))
aad = b'cig-session\0' + bytes([len(dep)]) + dep + b[:p]
try:
    pt = AESGCM(okm[:32]).decrypt(okm[32:44], b[p:], aad)
except Exception as e:
    print(json.dumps({'error': type(e).__name__})); sys.exit(0)
flags = pt[0]; issued, expires = struct.unpack('>qq', pt[1:17]); q = 17
f = []
for i in range(5):
    n = struct.unpack('>H', pt[q:q + 2])[0]; f.append(pt[q + 2:q + 2 + n].decode()); q += 2 + n
assert q == len(pt)
print(json.dumps({'kid': kid, 'pool': pool, 'flags': flags, 'issued': issued,
    'expires': expires, 'identity': f[0], 'provider': f[1], 'role': f[2],
    'amr': f[3], 'tags': f[4],
    'akid': 'ASIA' + base64.b32encode(okm[74:84]).decode(),
    'secret': base64.urlsafe_b64encode(okm[44:74]).decode().rstrip('=')}))
PY

my $opener_file = "$dir/open-token.py";
open my $ofh, '>', $opener_file or die $!;
print $ofh $opener;
close $ofh;

sub run_py {
    my (@args) = @_;
    open my $fh, '-|', 'python3', @args or die $!;
    local $/;
    my $out = <$fh> // '';
    close $fh;
    return $out;
}

sub open_token {
    my ($token, $deployment) = @_;
    my $out = run_py($opener_file, qq({"k1":"$K1","k2":"$K2"}),
                     $deployment // 'test', $token);
    return eval { decode_json($out) } // { error => $out || 'no output' };
}

# the CLI prints Expiration as a date
sub epoch {
    my ($v) = @_;
    return $v // 0 unless ($v // '') =~ /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)/;
    require Time::Local;
    return Time::Local::timegm($6, $5, $4, $3, $2 - 1, $1);
}

my $srv = start_nginx(<<"CONF");
    server {
        listen 127.0.0.1:%%PORT%%;

        cognito_identity_pool $POOL;
        cognito_identity_key_file %%ROOT%%/t/keys/jwks-k1.json;
        cognito_identity_role authenticated $ROLE;
        cognito_identity_role unauthenticated $GUEST_ROLE;
        cognito_identity_credentials_keys $keys deployment=test;

        location /issue/ {
            cognito_identity_unauthenticated on;
            cognito_identity_credentials issue;
        }
        location /issue-2h/ {
            cognito_identity_credentials issue duration=2h;
        }
        location /issue-guest-role/ {
            cognito_identity_unauthenticated on;
            cognito_identity_credentials issue guest_policy=role;
        }
        location /issue-guest-id/ {
            cognito_identity_unauthenticated on;
            cognito_identity_credentials issue guest_proof=id;
        }
        location /issue-other/ {
            cognito_identity_credentials_keys $keys deployment=other;
            cognito_identity_credentials issue;
        }

        location /cognito/ {
            cognito_identity_local_pool $LPOOL %%ROOT%%/t/keys/k1.pem
                issuer=http://127.0.0.1:%%PORT%%/cognito
                credentials=30m;
            cognito_identity_login accounts.example.dev
                %%ROOT%%/t/keys/jwks-k1-login.json
                issuer=https://accounts.example.dev client=app1;
            cognito_identity_pool $LPOOL;
            cognito_identity_role authenticated $ROLE;
            cognito_identity_role unauthenticated $GUEST_ROLE;
        }
        location /bucket/ {
            return 200 "fits\n";
        }
        location /cognito-nokeys/ {
            cognito_identity_credentials_keys off;
            cognito_identity_local_pool $LPOOL %%ROOT%%/t/keys/k1.pem
                issuer=http://127.0.0.1:%%PORT%%/cognito-nokeys;
        }
    }
CONF

local $ENV{AWS_CONFIG_FILE} = '/dev/null';
local $ENV{AWS_SHARED_CREDENTIALS_FILE} = '/dev/null';
local $ENV{AWS_EC2_METADATA_DISABLED} = 'true';

sub aws {
    my ($path, @args) = @_;
    my @cmd = ($AWS, 'cognito-identity', @args, '--endpoint-url',
               'http://127.0.0.1:' . $srv->port . $path,
               '--region', 'eu-west-1', '--output', 'json', '--no-sign-request');
    my $out = qx{@{[ join ' ', map { "'$_'" } @cmd ]} 2>&1};
    my $rc = $? >> 8;
    my $data = eval { decode_json($out) };
    return ($rc, $data // $out);
}

sub creds_ok {
    my ($r, $id, $name) = @_;
    my $c = ref $r ? $r->{Credentials} // {} : {};
    is(ref $r ? $r->{IdentityId} : '', $id, "$name: the identity");
    like($c->{AccessKeyId} // '', qr/^ASIA[A-Z2-7]{16}$/, "$name: an ASIA access key id");
    like($c->{SecretKey} // '', qr/^[A-Za-z0-9_-]{40}$/, "$name: a 40-character secret");
    like($c->{SessionToken} // '', qr/^[A-Za-z0-9_-]{100,2048}$/,
         "$name: a base64url session token of at most 2 KiB");
    return $c;
}

# Authenticated: the OpenID token of the identity proves it.
my $token = cognito_token();
my $before = time;
my ($rc, $r) = aws('/issue/', 'get-credentials-for-identity', '--identity-id', $ID,
                   '--logins', "cognito-identity.amazonaws.com=$token");
my $after = time;
is($rc, 0, 'issue: get-credentials-for-identity with its OpenID token') or diag(explain $r);
my $c = creds_ok($r, $ID, 'issue');
my $exp = epoch($c->{Expiration});
ok($exp >= $before + 3600 && $exp <= $after + 3600, 'issue: expires in one hour by default');

my $s = open_token($c->{SessionToken} // '');
is($s->{error}, undef, 'the session token opens with the documented format');
is($s->{kid}, 'k1', 'sealed under the active key');
is($s->{pool}, $POOL, 'for the pool');
is($s->{identity}, $ID, 'the identity sealed');
is($s->{role}, $ROLE, 'the role the attachment chose');
is($s->{flags}, 1, 'authenticated, not scoped down');
is($s->{expires}, $exp, 'the same expiry');
is_deeply(decode_json($s->{amr} || '[]'), default_claims()->{amr}, 'the amr sealed');
is($s->{akid}, $c->{AccessKeyId}, 'the access key id is derived from the token');
is($s->{secret}, $c->{SecretKey}, 'the secret is derived from the token');
like(open_token($c->{SessionToken}, 'other')->{error} // '', qr/InvalidTag/,
     'another deployment id does not open it');

($rc, my $r2) = aws('/issue/', 'get-credentials-for-identity', '--identity-id', $ID,
                    '--logins', "cognito-identity.amazonaws.com=$token");
isnt($r2->{Credentials}{AccessKeyId}, $c->{AccessKeyId}, 'new credentials each time');

($rc, $r) = aws('/issue-2h/', 'get-credentials-for-identity', '--identity-id', $ID,
                '--logins', "cognito-identity.amazonaws.com=$token");
$exp = epoch(ref $r ? $r->{Credentials}{Expiration} : 0);
ok($exp >= $before + 7200, 'duration=2h: expires in two hours');

($rc, $r) = aws('/issue-other/', 'get-credentials-for-identity', '--identity-id', $ID,
                '--logins', "cognito-identity.amazonaws.com=$token");
is(open_token($r->{Credentials}{SessionToken} // '', 'other')->{identity}, $ID,
   'a location\'s own deployment id is bound');

# The IdentityId must be proven.
my $other = 'eu-west-1:11111111-2222-4333-8444-555555555555';
($rc, $r) = aws('/issue/', 'get-credentials-for-identity', '--identity-id', $other,
                '--logins', "cognito-identity.amazonaws.com=$token");
isnt($rc, 0, 'another identity\'s id with this token: refused');
like(ref $r ? '' : $r, qr/NotAuthorizedException/, '... NotAuthorizedException');

($rc, $r) = aws('/issue/', 'get-credentials-for-identity', '--identity-id', $other);
isnt($rc, 0, 'another identity\'s id alone: refused');
like(ref $r ? '' : $r, qr/InvalidParameterException/, '... Logins are required');

(my $tampered = $token) =~ s/\.([^.]{8})/'.' . reverse($1)/e;
($rc, $r) = aws('/issue/', 'get-credentials-for-identity', '--identity-id', $ID,
                '--logins', "cognito-identity.amazonaws.com=$tampered");
isnt($rc, 0, 'tampered Logins: refused');
($rc, $r) = aws('/issue/', 'get-credentials-for-identity', '--identity-id', $ID,
                '--logins', 'cognito-identity.amazonaws.com=' . cognito_token(key => 'k2'));
like(ref $r ? '' : $r, qr/NotAuthorizedException/, 'a token of an unknown key: refused');
($rc, $r) = aws('/issue/', 'get-credentials-for-identity', '--identity-id', $ID,
                '--logins', 'cognito-identity.amazonaws.com='
                . cognito_token(claims => { exp => time - 60 }));
like(ref $r ? '' : $r, qr/NotAuthorizedException/, 'an expired token: refused');

# CustomRoleArn: only a role the attachment allows.
($rc, $r) = aws('/issue/', 'get-credentials-for-identity', '--identity-id', $ID,
                '--logins', "cognito-identity.amazonaws.com=$token",
                '--custom-role-arn', 'arn:aws:iam::123456789012:role/Admin');
like(ref $r ? '' : $r, qr/InvalidIdentityPoolConfigurationException/,
     'a CustomRoleArn the attachment does not give: refused');

# Guests: their own OpenID token by default, scoped down.
my $guest = cognito_token(claims => { amr => ['unauthenticated'] });
($rc, $r) = aws('/issue/', 'get-credentials-for-identity', '--identity-id', $ID,
                '--logins', "cognito-identity.amazonaws.com=$guest");
is($rc, 0, 'guest with its OpenID token') or diag(explain $r);
$s = open_token(ref $r ? $r->{Credentials}{SessionToken} : '');
is($s->{role}, $GUEST_ROLE, 'guest: the guest role');
is($s->{flags}, 2, 'guest: scoped down by default');
is($s->{provider}, '', 'guest: no provider');

($rc, $r) = aws('/issue/', 'get-credentials-for-identity', '--identity-id', $ID);
isnt($rc, 0, 'guest without its token: refused by default');

($rc, $r) = aws('/issue-2h/', 'get-credentials-for-identity', '--identity-id', $ID,
                '--logins', "cognito-identity.amazonaws.com=$guest");
like(ref $r ? '' : $r, qr/NotAuthorizedException/,
     'guest where unauthenticated identities are off: refused');

($rc, $r) = aws('/issue-guest-role/', 'get-credentials-for-identity', '--identity-id', $ID,
                '--logins', "cognito-identity.amazonaws.com=$guest");
is(open_token(ref $r ? $r->{Credentials}{SessionToken} : '')->{flags}, 0,
   'guest_policy=role: the role\'s own policy');

($rc, $r) = aws('/issue-guest-id/', 'get-credentials-for-identity', '--identity-id', $other);
is($rc, 0, 'guest_proof=id: Cognito\'s rule, the IdentityId alone') or diag(explain $r);
$s = open_token(ref $r ? $r->{Credentials}{SessionToken} : '');
is_deeply([@$s{qw(identity pool role flags)}], [$other, $POOL, $GUEST_ROLE, 2],
          'guest_proof=id: a scoped-down guest of the pool of its region');
($rc, $r) = aws('/issue-guest-id/', 'get-credentials-for-identity', '--identity-id',
                'us-east-1:11111111-2222-4333-8444-555555555555');
isnt($rc, 0, 'guest_proof=id: an identity of a region not served: refused');
($rc, $r) = aws('/issue-guest-id/', 'get-credentials-for-identity', '--identity-id', $ID,
                '--logins', "cognito-identity.amazonaws.com=$token");
is(open_token(ref $r ? $r->{Credentials}{SessionToken} : '')->{flags}, 1,
   'guest_proof=id: a login is still verified');

# boto3, unsigned, as an SDK's credential provider calls it.
my $py = <<'PY';
import boto3, json, sys
from botocore import UNSIGNED
from botocore.config import Config
c = boto3.client('cognito-identity', endpoint_url=sys.argv[1], region_name='eu-west-1',
                 config=Config(signature_version=UNSIGNED))
r = c.get_credentials_for_identity(IdentityId=sys.argv[2],
                                   Logins={'cognito-identity.amazonaws.com': sys.argv[3]})
cr = r['Credentials']
print(json.dumps({'id': r['IdentityId'], 'akid': cr['AccessKeyId'],
                  'exp': cr['Expiration'].timestamp(), 'token': cr['SessionToken']}))
PY
my $bout = run_py('-c', $py, 'http://127.0.0.1:' . $srv->port . '/issue/', $ID, $token);
my $b = eval { decode_json($bout) } // {};
is($b->{id}, $ID, 'boto3: get_credentials_for_identity') or diag($bout);
like($b->{akid} // '', qr/^ASIA/, 'boto3: the access key id');
ok(($b->{exp} // 0) > time + 3000, 'boto3: reads Expiration as a date');

# The local pool: guests by their keyed id, logins by their token again.
my $lend = sub {
    my ($path, @args) = @_;
    my @cmd = ($AWS, 'cognito-identity', @args, '--endpoint-url',
               'http://127.0.0.1:' . $srv->port . $path,
               '--region', 'us-east-1', '--output', 'json', '--no-sign-request');
    my $out = qx{@{[ join ' ', map { "'$_'" } @cmd ]} 2>&1};
    return ($? >> 8, eval { decode_json($out) } // $out);
};

($rc, $r) = $lend->('/cognito/', 'get-id', '--identity-pool-id', $LPOOL);
my $gid = ref $r ? $r->{IdentityId} : '';
$before = time;
($rc, $r) = $lend->('/cognito/', 'get-credentials-for-identity', '--identity-id', $gid);
is($rc, 0, 'local pool: a guest\'s credentials') or diag(explain $r);
$c = creds_ok($r, $gid, 'local guest');
ok(epoch($c->{Expiration}) >= $before + 1800 && epoch($c->{Expiration}) <= time + 1800,
   'local pool: credentials=30m');
$s = open_token($c->{SessionToken} // '');
is_deeply([@$s{qw(pool identity role flags)}], [$LPOOL, $gid, $GUEST_ROLE, 2],
          'local pool: a scoped-down guest session');

(my $forged = $gid) =~ s/.$/$& eq '0' ? '1' : '0'/e;
($rc, $r) = $lend->('/cognito/', 'get-credentials-for-identity', '--identity-id', $forged);
isnt($rc, 0, 'local pool: an id it did not issue: refused');
like(ref $r ? '' : $r, qr/NotAuthorizedException/, '... NotAuthorizedException');

my $now = time;
my $alice = mint_openssl(key => repo_root() . '/t/keys/k1.pem',
                         header => '{"alg":"RS256","kid":"login-1"}',
                         payload => encode_json({
                             iss => 'https://accounts.example.dev', aud => 'app1',
                             sub => 'alice', token_use => 'id',
                             exp => $now + 600, iat => $now }));
($rc, $r) = $lend->('/cognito/', 'get-id', '--identity-pool-id', $LPOOL,
                    '--logins', "accounts.example.dev=$alice");
my $aid = ref $r ? $r->{IdentityId} : '';
($rc, $r) = $lend->('/cognito/', 'get-credentials-for-identity', '--identity-id', $aid);
isnt($rc, 0, 'local pool: a login\'s identity without its login: refused');
($rc, $r) = $lend->('/cognito/', 'get-credentials-for-identity', '--identity-id', $aid,
                    '--logins', "accounts.example.dev=$alice");
is($rc, 0, 'local pool: a login\'s credentials') or diag(explain $r);
$s = open_token(ref $r ? $r->{Credentials}{SessionToken} : '');
is_deeply([@$s{qw(identity role flags provider)}],
          [$aid, $ROLE, 1, 'accounts.example.dev'], 'local pool: an authenticated session');

($rc, $r) = $lend->('/cognito-nokeys/', 'get-credentials-for-identity', '--identity-id', $gid);
like(ref $r ? '' : $r, qr/UnknownOperationException/,
     'local pool without keys: GetCredentialsForIdentity not served');

# The bound: a presigned URL of the longest S3 key (1,024 bytes, every one
# percent-encoded as 3-byte UTF-8 characters would be) with a session token
# of the largest size fits nginx's default large_client_header_buffers
# (8k), and so Apache's LimitRequestLine (8190).
my $key = join '', ('%E2%82%AC') x 341;          # 1,023 bytes of UTF-8
my $url = "/bucket/$key?X-Amz-Algorithm=AWS4-HMAC-SHA256"
        . '&X-Amz-Credential=ASIAAAAAAAAAAAAAAAAA%2F20261208%2Fap-southeast-2%2Fs3%2Faws4_request'
        . '&X-Amz-Date=20261208T000000Z&X-Amz-Expires=604800&X-Amz-SignedHeaders=host'
        . '&X-Amz-Security-Token=' . ('A' x 2048)
        . '&X-Amz-Signature=' . ('0' x 64);
my $resp = $srv->request('GET', $url);
is($resp->{status}, 200, 'a presigned URL with the longest key and token fits nginx\'s defaults');
cmp_ok(length("GET $url HTTP/1.1"), '<', 8190, '... and Apache\'s LimitRequestLine');

like($srv->error_log, qr/credentials refused/, 'refusals are logged');
unlike($srv->error_log, qr/\Q$K1\E|\Q$token\E/, 'no key or token in the log');

$srv->stop;

# nginx -t: the key file's errors, with file and line.
my $ok = qq({"keys":[{"id":"k1","status":"active","secret":"$K1"}]});
my %bad = (
    'world-readable' => [key_file('world.json', 0644, $ok), qr/accessible by group or others \(mode 0644\)/],
    'group-readable' => [key_file('group.json', 0640, $ok), qr/mode 0640/],
    'weak' => [key_file('weak.json', 0600, '{"keys":[{"id":"w","status":"active","secret":"'
                        . encode_base64url("\x33" x 16) . '"}]}'), qr/weak/],
    'no active key' => [key_file('verify.json', 0600,
                        qq({"keys":[{"id":"k1","status":"verify","secret":"$K1"}]})),
                        qr/no key is "active"/],
    'duplicate ids' => [key_file('dup.json', 0600,
                        qq({"keys":[{"id":"k1","status":"active","secret":"$K1"},)
                        . qq({"id":"k1","status":"verify","secret":"$K2"}]})), qr/given twice/],
    'missing' => ["$dir/missing.json", qr/cannot open/],
);

for my $name (sort keys %bad) {
    my ($file, $re) = @{ $bad{$name} };
    my $out = nginx_config_fails(<<"CONF", qr/\Q$file\E.*$re|$re.*\Q$file\E/, "nginx -t: $name key file");
    server {
        listen 127.0.0.1:%%PORT%%;
        cognito_identity_credentials_keys $file;
    }
CONF
    like($out, qr/in \S+nginx\.conf:\d+/, "nginx -t: $name key file: file and line");
    unlike($out, qr/\Q$K1\E|\Q$K2\E/, "nginx -t: $name key file: no secret quoted");
}

nginx_config_fails(<<"CONF", qr/needs the keys it mints with/, 'nginx -t: issue without keys');
    server {
        listen 127.0.0.1:%%PORT%%;
        cognito_identity_pool $POOL;
        cognito_identity_key_file %%ROOT%%/t/keys/jwks-k1.json;
        cognito_identity_role authenticated $ROLE;
        location / { cognito_identity_credentials issue; }
    }
CONF

nginx_config_fails(<<"CONF", qr/issue needs roles/, 'nginx -t: issue without roles');
    server {
        listen 127.0.0.1:%%PORT%%;
        cognito_identity_pool $POOL;
        cognito_identity_key_file %%ROOT%%/t/keys/jwks-k1.json;
        cognito_identity_credentials_keys $keys;
        location / { cognito_identity_credentials issue; }
    }
CONF

nginx_config_fails(<<"CONF", qr/invalid duration/, 'nginx -t: a duration over 12 h');
    server {
        listen 127.0.0.1:%%PORT%%;
        location / { cognito_identity_credentials issue duration=13h; }
    }
CONF

nginx_config_fails(<<"CONF", qr/deployment id/, 'nginx -t: a deployment id with a space');
    server {
        listen 127.0.0.1:%%PORT%%;
        cognito_identity_credentials_keys $keys "deployment=a b";
    }
CONF

nginx_config_fails(<<"CONF", qr/is duplicate/, 'nginx -t: keys given twice');
    server {
        listen 127.0.0.1:%%PORT%%;
        cognito_identity_credentials_keys $keys;
        cognito_identity_credentials_keys $keys;
    }
CONF

done_testing;
