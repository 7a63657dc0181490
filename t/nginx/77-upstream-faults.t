# SPDX-License-Identifier: BSD-2-Clause
# Upstream faults for key fetches and the credential proxy: refused, reset,
# reset mid-answer, truncated, garbage, oversized, redirected, 5xx, slow and
# hung upstreams, and a hostile credential upstream (error types with CR/LF,
# types outside Cognito's errors, answers of another identity, far
# expirations, members that are not Cognito's).  Each must give the right status in bounded time, leave
# the workers alive (the same pids, no [alert]: the harness fails on one),
# cache nothing wrong (a fault never replaces good keys; keys come once the
# upstream recovers), and leak nothing of a bad answer.

use strict;
use warnings;

use lib 't/lib';
use CigTest;
use CigToken;
use CigFaults;
use File::Temp qw(tempdir);
use IO::Socket::INET;
use Time::HiRes qw(time sleep);
use Test::More;
use JSON::PP;

my $root = repo_root();
my $POOL = POOL;
my $ID   = IDENTITY;
my $ROLE = 'arn:aws:iam::123456789012:role/CognitoAuth';
my $fdir = tempdir(CLEANUP => !$ENV{CIG_KEEP});
my $now  = time;
my @t = gmtime($now + 3600);
my $xmlexp = sprintf '%04d-%02d-%02dT%02d:%02d:%02dZ', $t[5] + 1900, $t[4] + 1, @t[3, 2, 1, 0];

my $jwks = CigTest::_slurp("$root/t/keys/jwks-k1.json");
my $OTHER_ID = 'eu-west-1:00000000-5cd4-4923-a426-d6078ef34b7a';
my $creds_json = sub {
    my (%o) = @_;
    my %c = (AccessKeyId => '"ASIAFAULT"', SecretKey => '"fault/secret"',
             SessionToken => '"fault-session"', Expiration => $now + 3600, %o);
    my $id = delete $c{IdentityId} // qq("$ID");
    my $extra = delete $c{Extra} // '';
    return qq({"IdentityId":$id,"Credentials":{)
         . join(',', map { qq("$_":$c{$_}) } grep { defined $c{$_} } sort keys %c) . "}$extra}";
};
my $sts_xml = sub {
    my ($exp, $key) = @_;
    return "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials>"
         . "<AccessKeyId>" . ($key // 'ASIAFAULT') . "</AccessKeyId><SecretAccessKey>fault/secret</SecretAccessKey>"
         . "<SessionToken>fault-session</SessionToken><Expiration>$exp</Expiration>"
         . "</Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>";
};
my $sts_err = sub {
    "<ErrorResponse><Error><Type>Sender</Type><Code>$_[0]</Code><Message>m</Message></Error></ErrorResponse>"
};

# name => [mode, body, content type, answer status, operation, expected
# status, expected __type, what]
my @hostile = (
    ['crlf', 'cp', q({"__type":"NotAuthorizedException\r\n\r\n<script>x</script>","message":"m"}),
     undef, 400, 'GetCredentialsForIdentity', 502, 'InternalErrorException',
     'an error type with CR/LF'],
    ['crlfcolon', 'cp', q({"__type":"NotAuthorizedException\r\nX-Injected: yes","message":"m"}),
     undef, 400, 'GetCredentialsForIdentity', 502, 'InternalErrorException',
     'an error type with CR/LF and a header after it'],
    ['unknown', 'cp', q({"__type":"EvilException","message":"m"}),
     undef, 400, 'GetCredentialsForIdentity', 502, 'InternalErrorException',
     'an error type Cognito does not have'],
    ['lower', 'cp', q({"__type":"notauthorizedexception","message":"m"}),
     undef, 400, 'GetCredentialsForIdentity', 502, 'InternalErrorException',
     'an error type in another case'],
    ['ns', 'cp', q({"__type":"com.amazonaws.cognito.identity#NotAuthorizedException:http://x/","message":"Token is expired."}),
     undef, 400, 'GetCredentialsForIdentity', 403, 'NotAuthorizedException',
     'a namespaced type: the name, with the status of the AWS model'],
    ['throttle', 'cp', q({"__type":"TooManyRequestsException","message":"Rate exceeded"}),
     undef, 400, 'GetCredentialsForIdentity', 429, 'TooManyRequestsException',
     'TooManyRequestsException: 429'],
    ['evilmsg', 'cp', q({"__type":"NotAuthorizedException","message":"a\r\nX-Injected: yes <script>"}),
     undef, 400, 'GetCredentialsForIdentity', 403, 'NotAuthorizedException',
     'a message with CR/LF and markup'],
    ['extra', 'cp', $creds_json->(Extra => q(,"Extra":"<script>alert(1)</script>"),
                                  Bogus => '"<b>"'),
     undef, 200, 'GetCredentialsForIdentity', 200, undef,
     'members that are not Cognito\'s'],
    ['otherid', 'cp', $creds_json->(IdentityId => qq("$OTHER_ID")),
     undef, 200, 'GetCredentialsForIdentity', 502, 'InternalErrorException',
     'credentials of another identity'],
    ['farexp', 'cp', $creds_json->(Expiration => '1e300'),
     undef, 200, 'GetCredentialsForIdentity', 502, 'InternalErrorException',
     'an Expiration of 1e300'],
    ['dayexp', 'cp', $creds_json->(Expiration => $now + 3 * 86400),
     undef, 200, 'GetCredentialsForIdentity', 502, 'InternalErrorException',
     'an Expiration three days ahead'],
    ['strexp', 'cp', $creds_json->(Expiration => qq("@{[$now + 3600]}")),
     undef, 200, 'GetCredentialsForIdentity', 502, 'InternalErrorException',
     'an Expiration as a string'],
    ['badkey', 'cp', $creds_json->(AccessKeyId => '"ASIA\"<x>"'),
     undef, 200, 'GetCredentialsForIdentity', 502, 'InternalErrorException',
     'an AccessKeyId with a quote and markup'],
    ['badsecret', 'cp', $creds_json->(SecretKey => '"a b\r\nc"'),
     undef, 200, 'GetCredentialsForIdentity', 502, 'InternalErrorException',
     'a SecretKey with spaces and CR/LF'],
    ['getid_region', 'cp', q({"IdentityId":"ap-south-1:9539224f-5cd4-4923-a426-d6078ef34b7a"}),
     undef, 200, 'GetId', 502, 'InternalErrorException',
     'GetId: an identity of another region than the pool\'s'],
    ['getid_extra', 'cp', qq({"IdentityId":"$ID","Extra":"<script>"}),
     undef, 200, 'GetId', 200, undef, 'GetId: an extra member'],
    ['token_other', 'cp', qq({"IdentityId":"$OTHER_ID","Token":"a.b.c"}),
     undef, 200, 'GetOpenIdToken', 502, 'InternalErrorException',
     'GetOpenIdToken: another identity'],
    ['token_bad', 'cp', qq({"IdentityId":"$ID","Token":"a.b.c<script>"}),
     undef, 200, 'GetOpenIdToken', 502, 'InternalErrorException',
     'GetOpenIdToken: a Token that is not a JWS'],
    ['token_extra', 'cp', qq({"IdentityId":"$ID","Token":"eyJh.eyJi.c2ln","Extra":1}),
     undef, 200, 'GetOpenIdToken', 200, undef, 'GetOpenIdToken: an extra member'],
    ['sts_farexp', 'cs', $sts_xml->('2100-01-01T00:00:00Z'),
     'text/xml', 200, 'GetCredentialsForIdentity', 502, 'InternalErrorException',
     'sts: an Expiration in 2100'],
    ['sts_badkey', 'cs', $sts_xml->($xmlexp, "ASIA'x'"),
     'text/xml', 200, 'GetCredentialsForIdentity', 502, 'InternalErrorException',
     'sts: an AccessKeyId with quotes'],
    ['sts_invalid', 'cs', $sts_err->('InvalidIdentityToken'),
     'text/xml', 400, 'GetCredentialsForIdentity', 403, 'NotAuthorizedException',
     'sts: InvalidIdentityToken is NotAuthorizedException'],
    ['sts_denied', 'cs', $sts_err->('AccessDenied'),
     'text/xml', 403, 'GetCredentialsForIdentity', 400, 'InvalidIdentityPoolConfigurationException',
     'sts: AccessDenied is the pool\'s configuration'],
    ['sts_idp', 'cs', $sts_err->('IDPCommunicationError'),
     'text/xml', 400, 'GetCredentialsForIdentity', 400, 'ExternalServiceException',
     'sts: IDPCommunicationError is ExternalServiceException'],
    ['sts_unknown', 'cs', $sts_err->("Evil\r\nX-Injected: yes"),
     'text/xml', 400, 'GetCredentialsForIdentity', 502, 'InternalErrorException',
     'sts: an unknown code'],
);

my $f = CigFaults->start(dir => $fdir, bodies => {
    (map { ($_->[0] => $_->[2]) } @hostile),
    k1    => $jwks,
    k2    => CigTest::_slurp("$root/t/keys/jwks-k2.json"),
    creds => qq({"IdentityId":"$ID","Credentials":{"AccessKeyId":"ASIAFAULT","SecretKey":"fault/secret",)
           . qq("SessionToken":"fault-session","Expiration":@{[$now + 3600]}}}),
    sts   => "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials>"
           . "<AccessKeyId>ASIAFAULT</AccessKeyId><SecretAccessKey>fault/secret</SecretAccessKey>"
           . "<SessionToken>fault-session</SessionToken><Expiration>$xmlexp</Expiration>"
           . "</Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>",
}, types => { sts => 'text/xml', map { $_->[3] ? ($_->[0] => $_->[3]) : () } @hostile });
my $fp = $f->port;

my $refused = do {
    my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 1);
    my $p = $s->sockport;
    close $s;
    $p;
};

# ---- keys: one location per fault, each with its own key URL

my @key_faults = (
    ['refused',   "127.0.0.1:$refused/ok/k1"],
    ['reset',     "127.0.0.1:$fp/reset"],
    ['resetmid',  "127.0.0.1:$fp/reset-mid/k1"],
    ['trunc',     "127.0.0.1:$fp/trunc/k1"],
    ['garbage',   "127.0.0.1:$fp/garbage"],
    ['big',       "127.0.0.1:$fp/big"],
    ['redirect',  "127.0.0.1:$fp/redirect/k1"],
    ['s500',      "127.0.0.1:$fp/status/500/k1"],
    ['s502',      "127.0.0.1:$fp/status/502"],
    ['hang',      "127.0.0.1:$fp/hang"],
    ['slowok',    "127.0.0.1:$fp/slow/2/k1"],
    ['flip',      "127.0.0.1:$fp/flip/1/k1"],
    ['good',      "127.0.0.1:$fp/good/1/k1"],
);

my $key_locs = join '', map {
    my ($name, $url) = @$_;
    my $cache = $name eq 'good' ? 'cognito_identity_key_cache 2s;' : '';
    <<"L";
        location = /_keys/$name {
            internal;
            proxy_pass http://$url;
            proxy_connect_timeout 1s;
            proxy_read_timeout 1s;
            proxy_send_timeout 1s;
        }
        location /k/$name/ {
            cognito_identity "api";
            cognito_identity_key_request /_keys/$name;
            cognito_identity_key_refresh 1s;
            $cache
            proxy_pass http://127.0.0.1:%%PORT%%/ok/;
        }
L
} @key_faults;
$key_locs =~ s/proxy_read_timeout 1s;(\s+proxy_send_timeout 1s;\s+\}\s+location \/k\/slowok)/proxy_read_timeout 3s;$1/;

# ---- credentials: pass and sts through each fault

my @cred_faults = (
    ['refused',  "127.0.0.1:$refused/ok/creds",     "127.0.0.1:$refused/ok/sts",     502],
    ['reset',    "127.0.0.1:$fp/reset",             "127.0.0.1:$fp/reset",           502],
    ['resetmid', "127.0.0.1:$fp/reset-mid/creds",   "127.0.0.1:$fp/reset-mid/sts",   502],
    ['trunc',    "127.0.0.1:$fp/trunc/creds",       "127.0.0.1:$fp/trunc/sts",       502],
    ['garbage',  "127.0.0.1:$fp/garbage",           "127.0.0.1:$fp/garbage",         502],
    ['big',      "127.0.0.1:$fp/big",               "127.0.0.1:$fp/big",             502],
    ['redirect', "127.0.0.1:$fp/redirect/creds",    "127.0.0.1:$fp/redirect/sts",    502],
    ['s500',     "127.0.0.1:$fp/status/500/creds",  "127.0.0.1:$fp/status/500/sts",  502],
    ['s503',     "127.0.0.1:$fp/status/503",        "127.0.0.1:$fp/status/503",      502],
    ['hang',     "127.0.0.1:$fp/hang",              "127.0.0.1:$fp/hang",            504],
);

my $cred_locs = join '', map {
    my ($name, $pass, $sts) = @$_;
    <<"L";
        location = /_cp/$name {
            internal;
            proxy_pass http://$pass;
            proxy_connect_timeout 1s;
            proxy_read_timeout 1s;
        }
        location = /_cs/$name {
            internal;
            proxy_pass http://$sts;
            proxy_connect_timeout 1s;
            proxy_read_timeout 1s;
        }
        location /cp/$name/ { cognito_identity_credentials pass /_cp/$name; }
        location /cs/$name/ { cognito_identity_credentials sts /_cs/$name; }
L
} @cred_faults;

my $hostile_locs = join '', map {
    my ($name, $mode, undef, undef, $status) = @$_;
    my $path = $status == 200 ? "ok/$name" : "status/$status/$name";
    my $how = $mode eq 'cp' ? 'pass' : 'sts';
    <<"L";
        location = /_h/$name { internal; proxy_pass http://127.0.0.1:$fp/$path; }
        location /h/$name/ { cognito_identity_credentials $how /_h/$name; }
L
} @hostile;

my $srv = start_nginx(<<"CONF", workers => 2);
    server {
        listen 127.0.0.1:%%PORT%%;
        server_name upstream;
        location /ok/ { return 200 "ok\\n"; }
    }

    server {
        listen 127.0.0.1:%%PORT%% default_server;
        cognito_identity_pool $POOL;
        cognito_identity_key_file %%ROOT%%/t/keys/jwks-k2.json;
        cognito_identity_role authenticated $ROLE;
        proxy_set_header Host upstream;
        add_header X-Error \$cognito_identity_error always;

$key_locs
$cred_locs
$hostile_locs
        location = /_cp/ok { internal; proxy_pass http://127.0.0.1:$fp/ok/creds; }
        location = /_cs/ok { internal; proxy_pass http://127.0.0.1:$fp/ok/sts; }
        location /cp/ok/ { cognito_identity_credentials pass /_cp/ok; }
        location /cs/ok/ { cognito_identity_credentials sts /_cs/ok; }
    }
CONF

# the key file holds k2 (for the sts token), the URLs k1
my $t1 = cognito_token();
my $t2 = cognito_token(key => 'k2', header => { kid => 'test-2', typ => 'JWS', alg => 'RS512' });
my %h1 = (Authorization => "Bearer $t1");
my @workers = sort $srv->workers;

# the upstream timeouts are 1 s: answers come within a few seconds (more
# under valgrind or ASan)
my $BOUND = $ENV{CIG_VALGRIND} ? 20 : $ENV{CIG_PRELOAD} ? 8 : 5;

sub timed {
    my ($code) = @_;
    my $t0 = time;
    my $r = $code->();
    return ($r, time - $t0);
}

# 1. Keys: every fault is a 503 with Retry-After, within the timeouts.
for my $x (@key_faults) {
    my $name = $x->[0];
    next if $name =~ /^(slowok|flip|good)$/;
    my ($r, $secs) = timed(sub { $srv->request('GET', "/k/$name/x", \%h1) });
    is($r->{status}, 503, "keys $name: 503");
    is($r->{headers}{'retry-after'}, '1', "keys $name: Retry-After");
    like($r->{headers}{'x-error'} // '', qr/keys|kid/, "keys $name: the reason");
    cmp_ok($secs, '<', $BOUND, "keys $name: answered within the timeouts");
    is($srv->request('GET', "/k/$name/x")->{status}, 401, "keys $name: no token is still 401");
}

# 2. Nothing cached wrongly.
is($srv->request('GET', '/k/slowok/x', \%h1)->{status}, 200,
   'keys slow but within proxy_read_timeout: 200');
is($srv->request('GET', '/k/flip/x', \%h1)->{status}, 503, 'keys flip: first fetch reset: 503');
sleep 1.2;
is($srv->request('GET', '/k/flip/x', \%h1)->{status}, 200,
   'keys flip: after key_refresh the upstream recovered: 200 (the failure was not kept)');
is($srv->request('GET', '/k/good/x', \%h1)->{status}, 200, 'keys good: fetched');
sleep 2.3;
for (1 .. 4) {
    is($srv->request('GET', '/k/good/x', \%h1)->{status}, 200,
       "keys good: refreshes now get garbage, the good keys stay ($_)");
    sleep 0.4;
}
cmp_ok($f->hits('/good/1/k1'), '>=', 2, 'keys good: the refresh was tried');
is($srv->request('GET', '/k/good/x', { Authorization => "Bearer $t2" })->{status}, 401,
   'keys good: a kid the garbage could name is not let in');

# 3. Credentials: pass and sts, every fault a Cognito-shaped 502 or 504.
my $body = qq({"IdentityId":"$ID","Logins":{"cognito-identity.amazonaws.com":"$t2"}});
my %hdr = ('Content-Type' => 'application/x-amz-json-1.1',
           'X-Amz-Target' => 'AWSCognitoIdentityService.GetCredentialsForIdentity');

for my $mode (qw(cp cs)) {
    my $r = $srv->request('POST', "/$mode/ok/", \%hdr, $body);
    is($r->{status}, 200, "credentials $mode ok: 200 (control)");
    like($r->{body}, qr/ASIAFAULT/, "credentials $mode ok: the credentials (control)");

    for my $x (@cred_faults) {
        my ($name, undef, undef, $status) = @$x;
        my ($r, $secs) = timed(sub { $srv->request('POST', "/$mode/$name/", \%hdr, $body) });
        is($r->{status}, $status, "credentials $mode $name: $status");
        is($r->{headers}{'x-amzn-errortype'}, 'InternalErrorException',
           "credentials $mode $name: InternalErrorException");
        like($r->{body}, qr/^\{"__type":"InternalErrorException","message":"[^"]*"\}$/,
             "credentials $mode $name: Cognito's shape");
        unlike($r->{body}, qr/ASIA|secret|session/, "credentials $mode $name: nothing of the answer leaks");
        cmp_ok($secs, '<', $BOUND, "credentials $mode $name: answered within the timeouts");
    }
}

# 4. A hostile credential upstream: errors rebuilt from Cognito's own,
# answers rebuilt from the operation's members, each value checked.
my %bodies = (
    GetId => qq({"IdentityPoolId":"$POOL"}),
    GetOpenIdToken => qq({"IdentityId":"$ID"}),
    GetCredentialsForIdentity => $body,
);
for my $x (@hostile) {
    my ($name, $mode, undef, undef, undef, $op, $status, $type, $what) = @$x;
    my $raw = $srv->raw("POST /h/$name/ HTTP/1.0\r\nHost: x\r\n"
        . "Content-Type: application/x-amz-json-1.1\r\n"
        . "X-Amz-Target: AWSCognitoIdentityService.$op\r\n"
        . "Content-Length: " . length($bodies{$op}) . "\r\n\r\n$bodies{$op}")->{raw};
    my ($head, $rbody) = split /\r\n\r\n/, $raw, 2;
    $rbody //= '';
    my ($code) = $head =~ m{^HTTP/1\.\d (\d+)};
    is($code, $status, "hostile $name: $what: $status");
    unlike($head, qr/X-Injected|<script>/i, "hostile $name: nothing injected into the headers");
    unlike($rbody, qr/X-Injected|<script>|<b>|Extra|Bogus|\r|\n/, "hostile $name: nor into the body");
    if (defined $type) {
        my @types = $head =~ /^X-Amzn-ErrorType: (.*?)\r?$/mgi;
        is("@types", $type, "hostile $name: X-Amzn-ErrorType $type, once");
        like($rbody, qr/^\{"__type":"\Q$type\E","message":"[ -~]+"\}$/, "hostile $name: Cognito's shape");
        unlike($rbody, qr/ASIA|secret|session/, "hostile $name: no credentials leak");
    } else {
        my $j = eval { decode_json($rbody) } // {};
        is($j->{IdentityId}, $ID, "hostile $name: the identity");
        my @members = sort keys %$j;
        my @want = $op eq 'GetId' ? ('IdentityId')
                 : $op eq 'GetOpenIdToken' ? ('IdentityId', 'Token')
                 : ('Credentials', 'IdentityId');
        is("@members", "@want", "hostile $name: only the operation's members");
        if ($op eq 'GetCredentialsForIdentity') {
            is(join(' ', sort keys %{ $j->{Credentials} // {} }),
               'AccessKeyId Expiration SecretKey SessionToken', "hostile $name: only the credentials' members");
        }
    }
}
like($srv->error_log, qr/credential upstream "[^"]*": Expiration is more than 24 hours ahead/,
     'a refused answer says why in one line of the error log');

# 5. The workers lived through it all.
is(join(',', sort $srv->workers), join(',', @workers), 'the same workers: none crashed');
unlike($srv->error_log, qr/\[alert\]|\[emerg\]|signal \d+/, 'no alert, no worker lost to a signal');

$srv->stop;
$f->stop;
done_testing();
