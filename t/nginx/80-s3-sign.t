# SPDX-License-Identifier: BSD-2-Clause
# cognito_identity_s3_sign: first its configuration errors and the
# example's nginx -t, then requests forwarded to an S3-compatible store
# that verifies signatures.  The store is moto_server on loopback (skipped,
# saying so, where it is not installed): its first
# INITIAL_NO_AUTH_ACTION_COUNT calls go unauthenticated and create an IAM
# user, its access key, its policy and the bucket; every later call must
# carry a valid SigV4 signature of that user.  (t/lib/moto/sitecustomize.py
# makes moto check the request target as sent, as S3 does, instead of
# werkzeug's re-quoted URL.)  Through the gateway (examples/s3/nginx.conf,
# with test keys and paths) each identity lists, reads, writes and deletes
# (one key, or several in a multi-object delete) only under its own prefix
# and is refused elsewhere by the module; requests sent to the store without
# the gateway's signature, or signed with a wrong secret, are refused by the
# store.

use strict;
use warnings;

use lib 't/lib';
use CigTest;
use CigToken;
use Test::More;

use Digest::MD5 ();
use File::Temp qw(tempdir);
use MIME::Base64 ();
use IO::Socket::INET;
use POSIX qw(WNOHANG);
use Time::HiRes qw(sleep time);

my $ME = IDENTITY;                                   # eu-west-1:...7a
my $OTHER = 'eu-west-1:9539224f-5cd4-4923-a426-d6078ef34b7b';
my $ROLE = 'arn:aws:iam::123456789012:role/Cognito_StorageAuth_Role';
my $BOOTSTRAP_CALLS = 4;

my $dir = tempdir('cigs3-XXXXXX', TMPDIR => 1, CLEANUP => !$ENV{CIG_KEEP});
chmod 0755, $dir;

sub write_file {
    my ($name, $text, $mode) = @_;
    open my $fh, '>', "$dir/$name" or die "$dir/$name: $!";
    print $fh $text;
    close $fh;
    chmod $mode // 0600, "$dir/$name";
    return "$dir/$name";
}

sub slurp {
    my ($path) = @_;
    open my $fh, '<', $path or return '';
    local $/;
    return scalar <$fh>;
}

sub free_port {
    my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                  Listen => 1) or die "no port: $!";
    return $s->sockport;
}

# a plain HTTP/1.1 client, for talking to the store directly
sub http {
    my ($port, $method, $path, $headers, $body) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
                                  Timeout => 10) or return { status => 0 };
    my $req = "$method $path HTTP/1.1\r\nHost: 127.0.0.1:$port\r\n"
            . "Connection: close\r\n";
    $req .= "$_->[0]: $_->[1]\r\n" for @{ $headers // [] };
    $req .= 'Content-Length: ' . length($body) . "\r\n" if defined $body;
    $req .= "\r\n" . ($body // '');
    print $s $req;
    local $/;
    my $raw = <$s> // '';
    close $s;
    return CigTest::Nginx::parse_response($raw);
}

sub form {
    my (%p) = @_;
    return join '&', map {
        (my $v = $p{$_}) =~ s/([^A-Za-z0-9\-._~])/sprintf('%%%02X', ord $1)/ge;
        "$_=$v";
    } sort keys %p;
}

# --- configuration -----------------------------------------------------

my $base = <<"C";
    cognito_identity_pool eu-west-1:b45b9729-c269-4ef2-86f1-0df3e40fe92d;
    cognito_identity_key_file %%ROOT%%/t/keys/jwks-k1.json;
C
sub conf { "server { listen 127.0.0.1:%%PORT%%;\n$base\n$_[0]\n}\n" }

my $cfg_secret = write_file('cfg.secret', "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n");
my $empty = write_file('empty.secret', "\n");
my $spaced = write_file('spaced.secret', "two words\n");
my $public = write_file('public.secret', "s3cr3t\n", 0644);
my $token = write_file('session.token', "FwoGZXIvYXdzEJr//////////wEaDOnx3K0+TYqv\n");

nginx_config_ok(conf("location / { cognito_identity x; cognito_identity_s3_sign AKID $cfg_secret eu-west-1 "
                     . "service=s3 session_token_file=$token host=\$host; }"),
                'all parameters');
nginx_config_ok(conf("cognito_identity_s3_sign AKID $cfg_secret eu-west-1;\n"
                     . "location / { cognito_identity_s3_sign off; }"),
                'off at an inner level');
nginx_config_fails(conf("cognito_identity_s3_sign AKID %%ROOT%%/nope.secret eu-west-1;"),
    qr/cognito_identity_s3_sign: secret file: cannot open "\S+nope\.secret"/, 'missing secret file');
nginx_config_fails(conf("cognito_identity_s3_sign AKID $empty eu-west-1;"),
    qr/secret file: "\S+empty\.secret" is empty/, 'empty secret file');
my $out = nginx_config_fails(conf("cognito_identity_s3_sign AKID $spaced eu-west-1;"),
    qr/secret file: "\S+spaced\.secret" must hold one value of printable ASCII without spaces/,
    'a secret file with two words');
unlike($out, qr/two|words/, 'the error does not quote the secret');
nginx_config_fails(conf("cognito_identity_s3_sign AK/ID $cfg_secret eu-west-1;"),
    qr/invalid access key id "AK\/ID"/, 'access key id with "/"');
nginx_config_fails(conf("cognito_identity_s3_sign AKID $cfg_secret eu\@west;"),
    qr/invalid region "eu\@west"/, 'bad region');
nginx_config_fails(conf("cognito_identity_s3_sign AKID $cfg_secret eu-west-1 service=;"),
    qr/invalid service ""/, 'empty service');
nginx_config_fails(conf("cognito_identity_s3_sign AKID $cfg_secret eu-west-1 session_token=x;"),
    qr/invalid parameter "session_token=x", expected "service=NAME", "session_token_file=FILE" or "host=VALUE"/,
    'unknown parameter');
nginx_config_fails(conf("cognito_identity_s3_sign AKID $cfg_secret eu-west-1 session_token_file=$empty;"),
    qr/session token file: "\S+empty\.secret" is empty/, 'empty session token file');
nginx_config_fails(conf("cognito_identity_s3_sign AKID $cfg_secret;"),
    qr/invalid number of arguments|needs an access key id, a secret file and a region/,
    'two parameters');
nginx_config_fails(conf("cognito_identity_s3_sign off x;"),
    qr/invalid number of arguments|takes no other parameters/, 'off with a parameter');
nginx_config_fails(conf("cognito_identity_s3_sign off; cognito_identity_s3_sign off;"),
    qr/"cognito_identity_s3_sign" directive is duplicate/, 'twice at one level');
$out = nginx_config_ok(conf("cognito_identity_s3_sign AKID $public eu-west-1;"),
                       'a secret file others can read loads');
like($out, qr/\[warn\].*secret file "\S+public\.secret" can be read by any user/,
     'and draws a warning');
unlike($out, qr/s3cr3t/, 'without the secret');
$out = nginx_config_ok(conf("location / { cognito_identity off; cognito_identity_s3_sign AKID $cfg_secret eu-west-1; }"),
                       'signing without the check loads');
like($out, qr/\[warn\].*"cognito_identity_s3_sign" signs only requests that "cognito_identity" verified/,
     'and draws a warning that nothing is signed');

# The example as shipped passes nginx -t (with a test key and secret).
{
    my $text = slurp(repo_root() . '/examples/s3/nginx.conf');
    $text =~ s{listen 443 ssl;}{listen 127.0.0.1:%%PORT%%;};
    $text =~ s{^\s*ssl_certificate.*$}{}mg;
    $text =~ s{/etc/nginx/cognito/identity-jwks\.json}{%%ROOT%%/t/keys/jwks-aws-style.json}g;
    $text =~ s{/etc/nginx/cognito/per-user-files\.json}{%%ROOT%%/examples/policies/per-user-files.json}g;
    $text =~ s{/etc/nginx/cognito/store\.secret}{$cfg_secret}g;
    nginx_config_ok($text, 'examples/s3/nginx.conf passes nginx -t');
}

# --- the store -----------------------------------------------------------

sub skip_store {
    my ($why) = @_;
    SKIP: { skip "no S3-compatible store: $why", 1 }
    done_testing();
    exit 0;
}

my ($moto) = grep { -x } map { "$_/moto_server" } split /:/, $ENV{PATH} // '';
skip_store('moto_server is not on PATH (it comes with Python\'s '
           . '"moto[server]")') unless $moto;

my $mport = free_port();
my $mlog = "$dir/moto.log";
my $mpid = fork // die "fork: $!";

if (!$mpid) {
    setpgrp(0, 0);
    open STDIN, '<', '/dev/null';
    open STDOUT, '>', $mlog or POSIX::_exit(127);
    open STDERR, '>&', \*STDOUT or POSIX::_exit(127);
    $ENV{INITIAL_NO_AUTH_ACTION_COUNT} = $BOOTSTRAP_CALLS;
    $ENV{PYTHONPATH} = repo_root() . '/t/lib/moto';   # see sitecustomize.py
    { no warnings 'exec'; exec { $moto } $moto, '-H', '127.0.0.1', '-p', $mport; }
    POSIX::_exit(127);
}

my $parent = $$;

# a watchdog stops the store should this test die without its END block
my $watchdog = fork // die "fork: $!";
if (!$watchdog) {
    setpgrp(0, 0);
    open STDIN, '<', '/dev/null';
    sleep 1 while kill 0, $parent;
    kill 'TERM', -$mpid;
    sleep 2;
    kill 'KILL', -$mpid;
    POSIX::_exit(0);
}

END {
    local $?;                   # waitpid must not become the exit status
    if ($mpid && $$ == $parent) {
        kill 'TERM', -$mpid;
        for (1 .. 50) {
            last if waitpid($mpid, WNOHANG) == $mpid;
            sleep 0.1;
        }
        kill 'KILL', -$mpid;
        waitpid($mpid, 0);
        kill 'KILL', $watchdog;
        waitpid($watchdog, 0);
    }
}

{
    my $deadline = time + 60;
    my $up;
    while (time < $deadline) {
        last if waitpid($mpid, WNOHANG) == $mpid;
        if (IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $mport)) {
            $up = 1;
            last;
        }
        sleep 0.2;
    }
    if (!$up) {
        my $why = slurp($mlog);
        $why =~ s/\s+/ /g;
        undef $mpid if waitpid($mpid, WNOHANG) == $mpid;
        skip_store('moto_server did not start: ' . substr($why, 0, 300));
    }
}

# The first calls need no signature: a user, its key, its policy, a bucket.
# moto routes an unsigned call by the service named in an Authorization
# header, which it does not check yet.
my $iam = [ 'Authorization', 'AWS4-HMAC-SHA256 Credential=bootstrap/20240101/'
          . 'us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0' ];
my $form = [ 'Content-Type', 'application/x-www-form-urlencoded' ];
my %iam = (Version => '2010-05-08', UserName => 'gateway');

my $r = http($mport, 'POST', '/', [ $iam, $form ], form(%iam, Action => 'CreateUser'));
is($r->{status}, 200, 'store: IAM user created') or diag($r->{raw});

$r = http($mport, 'POST', '/', [ $iam, $form ], form(%iam, Action => 'CreateAccessKey'));
is($r->{status}, 200, 'store: access key created') or diag($r->{raw});
my ($akid) = $r->{body} =~ m{<AccessKeyId>([^<]+)</AccessKeyId>};
my ($secret) = $r->{body} =~ m{<SecretAccessKey>([^<]+)</SecretAccessKey>};
ok($akid && $secret, 'store: the key has an id and a secret')
    or BAIL_OUT('no access key from moto');

$r = http($mport, 'POST', '/', [ $iam, $form ], form(%iam, Action => 'PutUserPolicy',
    PolicyName => 'store', PolicyDocument => '{"Version":"2012-10-17","Statement":'
    . '[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}'));
is($r->{status}, 200, 'store: the user may use S3') or diag($r->{raw});

$r = http($mport, 'PUT', '/files', [ [ 'Authorization', 'AWS4-HMAC-SHA256 '
    . 'Credential=bootstrap/20240101/us-east-1/s3/aws4_request, '
    . 'SignedHeaders=host, Signature=0' ] ]);
is($r->{status}, 200, 'store: bucket "files" created') or diag($r->{raw});

my $secret_file = write_file('store.secret', "$secret\n");
my $wrong_file = write_file('wrong.secret',
    (substr($secret, 0, 1) eq 'x' ? 'y' : 'x') . substr($secret, 1) . "\n");

# --- the gateway: examples/s3/nginx.conf, with test keys and paths ------

my $example = slurp(repo_root() . '/examples/s3/nginx.conf');
my %subst = (
    'server 127.0.0.1:9000;' => "server 127.0.0.1:$mport;",
    'listen 443 ssl;' => 'listen 127.0.0.1:%%PORT%%;',
    '/etc/nginx/cognito/identity-jwks.json' => '%%ROOT%%/t/keys/jwks-k1.json',
    '/etc/nginx/cognito/per-user-files.json' => '%%ROOT%%/examples/policies/per-user-files.json',
    '/etc/nginx/cognito/store.secret' => $secret_file,
    'AKIAIOSFODNN7EXAMPLE' => $akid,
);
for my $from (sort keys %subst) {
    my $n = $example =~ s/\Q$from\E/$subst{$from}/g;
    ok($n, "example: \"$from\" is there to replace");
}
$example =~ s/^\s*ssl_certificate.*$//mg;

(my $example_prefix = $example) =~ s/^.*?(?=^upstream)//ms;
(my $server = $example_prefix) =~ s/^upstream store \{.*?\}\n//ms;

# the same server with a wrong secret, answering to Host: wrong.test
(my $wrong = $server) =~ s/\Q$secret_file\E/$wrong_file/;
$wrong =~ s/server_name storage\.example\.com;/server_name wrong.test;/;

my $conf = $example_prefix . $wrong . <<"CONF";

# Virtual-host style: the bucket is in the Host, the path is the key.
server {
    listen 127.0.0.1:%%PORT%%;
    server_name vhost.test;
    merge_slashes off;

    cognito_identity_pool     eu-west-1:b45b9729-c269-4ef2-86f1-0df3e40fe92d;
    cognito_identity_key_file %%ROOT%%/t/keys/jwks-k1.json;
    cognito_identity_role     authenticated $ROLE;
    cognito_identity_policy   $ROLE %%ROOT%%/examples/policies/per-user-files.json;

    location / {
        cognito_identity "vhost";
        cognito_identity_authorize s3 bucket=files;
        cognito_identity_s3_sign $akid $secret_file us-east-1
                                 host=files.s3.amazonaws.com;
        proxy_set_header Host                  files.s3.amazonaws.com;
        proxy_set_header Authorization         \$cognito_identity_s3_authorization;
        proxy_set_header X-Amz-Date            \$cognito_identity_s3_date;
        proxy_set_header X-Amz-Content-SHA256  \$cognito_identity_s3_content_sha256;
        proxy_set_header X-Amz-Security-Token  \$cognito_identity_s3_security_token;
        proxy_pass http://127.0.0.1:$mport\$cognito_identity_s3_uri;
    }

    # signing where nothing was authorized signs nothing
    location /open/ {
        cognito_identity off;
        cognito_identity_s3_sign $akid $secret_file us-east-1;
        proxy_set_header Authorization         \$cognito_identity_s3_authorization;
        proxy_set_header X-Amz-Date            \$cognito_identity_s3_date;
        proxy_set_header X-Amz-Content-SHA256  \$cognito_identity_s3_content_sha256;
        proxy_pass http://127.0.0.1:$mport/files/;
    }
}
CONF

my $srv = start_nginx($conf);

my $me = cognito_token();
my $other = cognito_token(claims => { sub => $OTHER });
my %me = (Authorization => "Bearer $me", Host => 'storage.example.com');
my %other = (Authorization => "Bearer $other", Host => 'storage.example.com');
(my $me_enc = $ME) =~ s/:/%3A/;
(my $other_enc = $OTHER) =~ s/:/%3A/;
my $DENIED = qr{^<\?xml version="1\.0" encoding="UTF-8"\?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>\n$};

sub req {
    my ($h, $method, $path, $body, %extra) = @_;
    return $srv->request($method, $path, { %$h, %extra }, $body);
}

# own objects: write, read, list, with keys as SDKs encode them
$r = req(\%me, 'PUT', "/files/$me_enc/a.txt", "hello me\n");
is($r->{status}, 200, 'own object: PUT is signed and stored') or diag($r->{raw});

$r = req(\%me, 'GET', "/files/$me_enc/a.txt");
is($r->{status}, 200, 'own object: GET');
is($r->{body}, "hello me\n", 'own object: the stored bytes come back');

$r = req(\%me, 'HEAD', "/files/$me_enc/a.txt");
is($r->{status}, 200, 'own object: HEAD');

# a hand-typed path: every identity id holds ':', sent raw by curl; the
# store is sent (and the signature covers) S3's encoding, %3A
$r = req(\%me, 'GET', "/files/$ME/a.txt");
is($r->{status}, 200, 'own object: GET with the identity id\'s ":" raw')
    or diag($r->{raw});
is($r->{body}, "hello me\n", 'own object: raw ":" reads the same object');

$r = req(\%me, 'PUT', "/files/$ME/raw:colon;semi,comma=eq!.txt", "raw\n");
is($r->{status}, 200, 'own object: PUT of a key with raw ":;,=!"')
    or diag($r->{raw});
$r = req(\%me, 'GET', "/files/$me_enc/raw%3Acolon%3Bsemi%2Ccomma%3Deq%21.txt");
is($r->{body}, "raw\n", 'own object: the same key read percent-encoded');

$r = req(\%me, 'GET', "/files/$me_enc/a.txt?x-id=GetObject");
is($r->{status}, 200, 'own object: GET with a query parameter');

my $awkward = "/files/$me_enc/dir%20one/a%20b%2Bc~d%E2%82%AC%21.txt";
$r = req(\%me, 'PUT', $awkward, "awkward\n",
         'X-Amz-Meta-Note' => '  signed   too ', 'Content-Type' => 'text/plain');
is($r->{status}, 200, 'own object: PUT of a key with space, +, ~, unicode, ! '
   . 'and a user metadata header') or diag($r->{raw});

$r = req(\%me, 'GET', $awkward);
is($r->{status}, 200, 'own object: GET of the awkward key');
is($r->{body}, "awkward\n", 'own object: its bytes');
is($r->{headers}{'x-amz-meta-note'}, 'signed   too', 'own object: its metadata');

$r = req(\%me, 'GET', "/files?list-type=2&prefix=$me_enc%2F");
is($r->{status}, 200, 'own prefix: list') or diag($r->{raw});
like($r->{body}, qr{<Key>\Q$ME\E/a\.txt</Key>}, 'own prefix: lists a.txt');
like($r->{body}, qr{<Key>\Q$ME\E/dir one/a b\+c~d\x{e2}\x{82}\x{ac}!\.txt</Key>},
     'own prefix: lists the awkward key, decoded as the store read it');

$r = req(\%me, 'GET', "/files?delimiter=%2F&list-type=2&prefix=$me_enc%2Fdir%20one%2F&max-keys=10");
is($r->{status}, 200, 'own prefix: list with several parameters');
like($r->{body}, qr{<KeyCount>1</KeyCount>}, 'own prefix: one key below dir one/');

# the other identity's objects
$r = req(\%other, 'PUT', "/files/$other_enc/b.txt", "hello other\n");
is($r->{status}, 200, 'the other identity writes its own object');

for my $case (
    [ 'GET', "/files/$other_enc/b.txt", 'read another identity\'s object' ],
    [ 'HEAD', "/files/$other_enc/b.txt", 'HEAD another identity\'s object' ],
    [ 'PUT', "/files/$other_enc/c.txt", 'write under another identity' ],
    [ 'DELETE', "/files/$other_enc/b.txt", 'delete another identity\'s object' ],
    [ 'GET', "/files?list-type=2&prefix=$other_enc%2F", 'list another identity\'s prefix' ],
    [ 'GET', '/files?list-type=2', 'list the whole bucket' ],
) {
    my ($method, $path, $name) = @$case;
    $srv->mark_log;
    $r = req(\%me, $method, $path, $method eq 'PUT' ? "x\n" : undef);
    is($r->{status}, 403, "refused by the module: $name");
    like($r->{body}, $DENIED, "refused by the module: $name: its own S3 error")
        unless $method eq 'HEAD';
    like($srv->log_since_mark, qr/cognito identity: 403, /,
         "refused by the module: $name: logged");
}

$r = req(\%other, 'GET', "/files/$other_enc/b.txt");
is($r->{body}, "hello other\n", 'the other identity\'s object is untouched');

$r = $srv->request('GET', "/files/$me_enc/a.txt", { Host => 'storage.example.com' });
is($r->{status}, 401, 'no token: 401, nothing forwarded');

# multi-object delete: the store verifies the signature and Content-MD5 of
# the body the gateway read before deciding; a foreign key refuses it all
{
    my $xml = sub {
        '<?xml version="1.0" encoding="UTF-8"?><Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
        . join('', map { "<Object><Key>$_</Key></Object>" } @_) . '</Delete>';
    };
    my $md5 = sub { MIME::Base64::encode_base64(Digest::MD5::md5($_[0]), '') };

    for my $k ('m1.txt', 'm2.txt') {
        $r = req(\%me, 'PUT', "/files/$me_enc/$k", "multi\n");
        is($r->{status}, 200, "multi-object delete: PUT $k");
    }

    my $body = $xml->("$ME/m1.txt", "$OTHER/b.txt");
    $r = req(\%me, 'POST', '/files?delete', $body, 'Content-MD5' => $md5->($body),
             'Content-Type' => 'application/xml');
    is($r->{status}, 403, 'multi-object delete with a foreign key: refused whole');
    like($r->{body}, $DENIED, 'multi-object delete with a foreign key: by the module');
    $r = req(\%other, 'GET', "/files/$other_enc/b.txt");
    is($r->{status}, 200, 'multi-object delete with a foreign key: its object stays');
    $r = req(\%me, 'GET', "/files/$me_enc/m1.txt");
    is($r->{status}, 200, 'multi-object delete with a foreign key: the own one too');

    $body = $xml->("$ME/m1.txt", "$ME/m2.txt");
    $r = req(\%me, 'POST', '/files?delete', $body, 'Content-MD5' => $md5->($body),
             'Content-Type' => 'application/xml');
    is($r->{status}, 200, 'multi-object delete of own keys: signed and done')
        or diag($r->{raw});
    like($r->{body}, qr{<Deleted>.*\Q$ME\E/m1\.txt.*\Q$ME\E/m2\.txt}s,
         'multi-object delete of own keys: the store deleted both');
    for my $k ('m1.txt', 'm2.txt') {
        $r = req(\%me, 'GET', "/files/$me_enc/$k");
        is($r->{status}, 404, "multi-object delete of own keys: $k is gone");
    }
}

# delete own, then it is gone (the store's own 404, signed request)
$r = req(\%me, 'DELETE', "/files/$me_enc/a.txt");
is($r->{status}, 204, 'own object: DELETE');
$r = req(\%me, 'GET', "/files/$me_enc/a.txt");
is($r->{status}, 404, 'own object: gone after DELETE');
like($r->{body}, qr{<Code>NoSuchKey</Code>}, 'own object: the store says NoSuchKey');

# a wrong secret: the store refuses what the gateway signs
$r = req({ %me, Host => 'wrong.test' }, 'GET', $awkward);
is($r->{status}, 403, 'wrong secret: the store refuses');
like($r->{body}, qr{<Code>SignatureDoesNotMatch</Code>},
     'wrong secret: SignatureDoesNotMatch');

# virtual-host style
$r = req({ %me, Host => 'vhost.test' }, 'PUT', "/$me_enc/v.txt", "vhost\n");
is($r->{status}, 200, 'virtual-host style: PUT own object') or diag($r->{raw});
$r = req(\%me, 'GET', "/files/$me_enc/v.txt");
is($r->{body}, "vhost\n", 'virtual-host style: the object is in bucket files');
$r = req({ %me, Host => 'vhost.test' }, 'GET', "/$me_enc/v.txt");
is($r->{status}, 200, 'virtual-host style: GET own object');
$r = req({ %me, Host => 'vhost.test' }, 'GET', "/$other_enc/b.txt");
is($r->{status}, 403, 'virtual-host style: another identity\'s object is refused');
like($r->{body}, $DENIED, 'virtual-host style: by the module');

# where cognito_identity is off, the variables are empty: nothing signed
$r = $srv->request('GET', "/open/$me_enc/v.txt", { Host => 'vhost.test' });
isnt($r->{status}, 200, 'no check, no signature: the store refuses');

# the store itself refuses what the gateway did not sign
$r = http($mport, 'GET', "/files/$me_enc/v.txt");
ok($r->{status} >= 400, "store direct, no Authorization: refused ($r->{status})");
unlike($r->{body}, qr/vhost/, 'store direct, no Authorization: no content');

$r = http($mport, 'GET', "/files/$me_enc/v.txt", [ [ 'Authorization', "Bearer $me" ] ]);
ok($r->{status} >= 400, "store direct, the client's bearer token: refused ($r->{status})");
unlike($r->{body}, qr/vhost/, 'store direct, the client\'s bearer token: no content');

$r = http($mport, 'GET', "/files/$me_enc/v.txt", [
    [ 'Authorization', "AWS4-HMAC-SHA256 Credential=$akid/20240101/us-east-1/s3/"
      . 'aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, '
      . 'Signature=' . ('0' x 64) ],
    [ 'X-Amz-Date', '20240101T000000Z' ],
    [ 'X-Amz-Content-SHA256', 'UNSIGNED-PAYLOAD' ] ]);
is($r->{status}, 403, 'store direct, a forged signature: refused');
like($r->{body}, qr{<Code>SignatureDoesNotMatch</Code>},
     'store direct, a forged signature: SignatureDoesNotMatch');

unlike($srv->error_log, qr/\Q$secret\E/, 'the secret is never logged');

$srv->stop;

done_testing();
