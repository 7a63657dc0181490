# SPDX-License-Identifier: BSD-2-Clause
package CigAttacks;

# CigAttacks - the attack suite as data: named hostile requests, each with
# the answer expected from nginx (t/attack/nginx.t) and from Apache httpd
# (t/attack/apache.t).  Core Perl only; tokens are minted with the openssl
# command line (and Digest::SHA for the HMAC forgeries), never by the module
# under test.
#
#   use lib 't/lib';
#   use CigAttacks;
#
#   attack_cases()  -> list of cases, built on each call (tokens carry the
#                      current time).  A case is a hash:
#       cat      category ("token structure", "algorithm", "signature",
#                "claims", "path", "headers", "credential proxy")
#       name     what it tries
#       req      { method, path, headers => [[name, value], ...], body }
#       expect   the answer from both servers, or
#       nginx / apache
#                the answer from that server where the servers themselves
#                differ (a key that is present replaces expect for it; a
#                server whose answer is undef does not run the case: the
#                case is about the other server's configuration only)
#       todo     { nginx => why, apache => why }: a known problem, kept
#                failing-safe as a Test::More TODO (see the runners)
#   An answer is a hash:
#       status   the HTTP status
#       invalid_token
#                for a 401: 1 if WWW-Authenticate carries
#                error="invalid_token", 0 if it must not
#       why      qr// the refusal reason ($cognito_identity_error, sent back
#                as X-Error by the test servers)
#       upstream 1: the request reached the echo upstream, which must have
#                seen the verified identity in X-Cognito-Identity-Id and
#                no spoofed value; 0 (the default for every status but 200)
#                it must not have reached it
#       uri      with upstream: the request URI the upstream received
#       body     exact body (the static /index.html is "ok\n")
#       identity 1: X-Identity (the verified id, sent back by the test
#                servers) is ME; no 401 may carry X-Identity
#       absent   [header names the response must not carry]
#
#   attack_check($case, 'nginx' | 'apache')
#       -> (\%check, $todo) for CigTest::check(), or () when the case does
#          not run on that server
#   attack_count_by_category(@cases) -> { category => count }
#
#   attack_pipelines()
#       -> cases of several requests on one keep-alive connection (nothing
#          of one request's check may carry over to the next): as above,
#          with reqs => [req, ...] and expect (or nginx / apache) a list of
#          answers, one per request
#   attack_pipeline_check($srv, $case, 'nginx' | 'apache')
#       sends the requests pipelined on one connection, twice, and checks
#       each answer as check() does
#
# The layout both test servers serve (see the runners):
#   /index.html    any identity (realm "api"), static "ok\n"
#   /              everything else (realm "s3"): S3 path-style, AWS's
#                  per-user policy (attack_s3_policy) for ATTACK_ROLE, the
#                  role of every identity; ATTACK_ADMIN_ROLE has an
#                  allow-all policy but is nobody's role.  Proxied to an echo
#                  upstream that prints "upstream <request uri>" and the
#                  identity headers it got (X-Cognito-Identity-Id set by the
#                  server from the verified identity)
#   /files/        cognito_identity_allow_prefix /files/${sub}/ /files/public
#   /tags/         cognito_identity_allow_prefix /tags/${aws:PrincipalTag/team}/
#   /cookie/       the token from the "token" cookie (realm "cookie")
#   /rw/           rewritten into /mybucket/ (nginx: rewrite ... last in an
#                  unprotected location; httpd: RewriteRule [PT])
#   nginx only:    /rwb/ rewrite ... break inside a protected location,
#                  /ret/ a protected location answering with "return"
# Keys: only t/keys/jwks-k1.json (kid test-1) is trusted; k2 is the
# attacker's key.  Guests are not allowed anywhere.

use strict;
use warnings;

use Exporter 'import';
use File::Temp qw(tempdir);
use Digest::SHA qw(hmac_sha256 hmac_sha384 hmac_sha512);
use MIME::Base64 qw(decode_base64 encode_base64);
use POSIX qw(_exit);
use JSON::PP;

use CigTest -nomodule;
use CigToken;

our @EXPORT = qw(attack_cases attack_check attack_count_by_category
                 attack_pipelines attack_pipeline_check
                 ME OTHER SPOOF ATTACK_ROLE ATTACK_ADMIN_ROLE attack_s3_policy);

use constant ME    => IDENTITY;
use constant OTHER => 'eu-west-1:9539224f-5cd4-4923-a426-d6078ef34b7b';
use constant SPOOF => 'eu-west-1:deadbeef-dead-4bad-8bad-deaddeaddead';
use constant ATTACK_ROLE => 'arn:aws:iam::123456789012:role/AttackUser';
# a role whose policy allows all of mybucket (t/policies/s3-allow-all.json),
# which no identity here gets: asking for it must not help
use constant ATTACK_ADMIN_ROLE => 'arn:aws:iam::123456789012:role/AttackAdmin';

# The per-user S3 policy of AWS's documentation, and a Deny that wins.
sub attack_s3_policy {
    return <<'JSON';
{"Version": "2012-10-17", "Statement": [
  {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::mybucket",
   "Condition": {"StringLike": {"s3:prefix": ["${cognito-identity.amazonaws.com:sub}/*"]}}},
  {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
   "Resource": "arn:aws:s3:::mybucket/${cognito-identity.amazonaws.com:sub}/*"},
  {"Sid": "NoSecrets", "Effect": "Deny", "Action": "s3:*",
   "Resource": "arn:aws:s3:::mybucket/*/secret/*"}]}
JSON
}

# ------------------------------------------------------------ minting

my $TMP;
sub _tmp { $TMP //= tempdir('cigattack-XXXXXX', TMPDIR => 1, CLEANUP => 1) }

sub _spew {
    my ($f, $c) = @_;
    open my $fh, '>:raw', $f or die "write $f: $!";
    print $fh $c;
    close $fh or die "close $f: $!";
}

sub _slurp {
    my ($f) = @_;
    open my $fh, '<:raw', $f or return '';
    local $/;
    my $c = <$fh>;
    return $c // '';
}

# Run a command with $stdin as its input; its output, or die.
sub _run {
    my ($stdin, @cmd) = @_;
    my $dir = _tmp();
    _spew("$dir/in", $stdin // '');
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        open STDIN, '<', "$dir/in" or _exit(127);
        open STDOUT, '>', "$dir/out" or _exit(127);
        open STDERR, '>', "$dir/err" or _exit(127);
        exec { $cmd[0] } @cmd or _exit(127);
    }
    waitpid($pid, 0);
    die "@cmd failed (status " . ($? >> 8) . "): " . _slurp("$dir/err") if $?;
    return _slurp("$dir/out");
}

sub _key { repo_root() . "/t/keys/$_[0].pem" }

my %DGST = (256 => '-sha256', 384 => '-sha384', 512 => '-sha512');

# The signature of $input by $how: RS256/384/512 (PKCS#1 v1.5),
# PS256/384/512 (PSS), ES256 (DER, as openssl writes it), HS256/384/512
# with $secret, "none" (empty).
sub _sign {
    my ($how, $input, $key, $secret) = @_;
    return '' if $how eq 'none';
    if ($how =~ /^HS(256|384|512)$/) {
        my $f = { 256 => \&hmac_sha256, 384 => \&hmac_sha384,
                  512 => \&hmac_sha512 }->{$1};
        return $f->($input, $secret);
    }
    if ($how =~ /^RS(256|384|512)$/) {
        return _run($input, 'openssl', 'dgst', $DGST{$1}, '-sign', _key($key));
    }
    if ($how =~ /^PS(256|384|512)$/) {
        return _run($input, 'openssl', 'dgst', $DGST{$1}, '-sign', _key($key),
                    '-sigopt', 'rsa_padding_mode:pss',
                    '-sigopt', 'rsa_pss_saltlen:-1');
    }
    if ($how eq 'ES256') {
        return _run($input, 'openssl', 'dgst', '-sha256', '-sign', _key('ec'));
    }
    die "unknown signing method $how";
}

# A JSON string literal of a byte string: '"', '\' and control bytes
# escaped, everything else (UTF-8 or not) as it is.
sub js {
    my ($s) = @_;
    $s =~ s/(["\\])/\\$1/g;
    $s =~ s/([\x00-\x1f])/sprintf('\u%04x', ord $1)/ge;
    return qq("$s");
}

# JSON object text from [name, raw JSON value text] pairs: defaults in
# order, overrides replace them in place (undef drops), new names follow.
sub _object {
    my ($defaults, $over) = @_;
    my @names = map { $_->[0] } @$defaults;
    my %value = map { $_->[0] => $_->[1] } @$defaults;
    for my $k (sort keys %$over) {
        push @names, $k unless exists $value{$k};
        $value{$k} = $over->{$k};
    }
    return '{' . join(',', map { js($_) . ':' . $value{$_} }
                           grep { defined $value{$_} } @names) . '}';
}

sub header_text {
    my (%over) = @_;
    return _object([[alg => '"RS512"'], [kid => '"test-1"'], [typ => '"JWS"']],
                   \%over);
}

my $AMR = '["authenticated","graph.facebook.com",'
        . '"graph.facebook.com:eu-west-1:b45b9729:10001"]';

sub payload_text {
    my (%over) = @_;
    my $now = time();
    return _object([[sub => js(ME)], [aud => js(POOL)], [amr => $AMR],
                    [iss => js(ISSUER)], [exp => $now + 600], [iat => $now]],
                   \%over);
}

# jws(header => {name => raw JSON}, claims => {name => raw JSON},
#     header_text => '...', payload_text => '...',
#     sign => 'RS512' | ..., key => 'k1', secret => bytes)
sub jws {
    my (%o) = @_;
    my $h = $o{header_text} // header_text(%{ $o{header} || {} });
    my $p = $o{payload_text} // payload_text(%{ $o{claims} || {} });
    my $input = b64url($h) . '.' . b64url($p);
    my $sig = _sign($o{sign} // 'RS512', $input, $o{key} // 'k1', $o{secret});
    return "$input." . b64url($sig);
}

sub b64url_decode {
    my ($s) = @_;
    $s =~ tr{-_}{+/};
    $s .= '=' x ((4 - length($s) % 4) % 4);
    return decode_base64($s);
}

# ----------------------------------------------------------- key material

sub _modulus {    # k1's modulus, big-endian bytes
    my $jwks = decode_json(_slurp(repo_root() . '/t/keys/jwks-k1.json'));
    return b64url_decode($jwks->{keys}[0]{n});
}

sub _bytes_plus_one {
    my ($b) = @_;
    my @b = unpack 'C*', $b;
    for (my $i = $#b; $i >= 0; $i--) {
        if ($b[$i] == 255) { $b[$i] = 0; next }
        $b[$i]++;
        last;
    }
    return pack 'C*', @b;
}

sub _public_jwk {    # k2 (the attacker's key) as a JWK
    my $hex = _run('', 'openssl', 'rsa', '-in', _key('k2'), '-noout', '-modulus');
    $hex =~ s/^Modulus=//;
    $hex =~ s/\s+//g;
    return sprintf '{"kty":"RSA","kid":"test-1","alg":"RS512","use":"sig","n":"%s","e":"AQAB"}',
        b64url(pack 'H*', $hex);
}

sub _self_signed_der {    # a certificate for k2, for x5c
    my $dir = _tmp();
    _run('', 'openssl', 'req', '-x509', '-new', '-key', _key('k2'),
         '-subj', '/CN=cognito-identity.amazonaws.com', '-days', '1',
         '-outform', 'DER', '-out', "$dir/cert.der");
    return _slurp("$dir/cert.der");
}

# ---------------------------------------------------------------- answers

sub _re { ref $_[0] ? $_[0] : qr/\Q$_[0]\E/ }

# a token that fails a check: 401 invalid_token, for this reason
sub refused   { { status => 401, invalid_token => 1, why => _re($_[0]) } }
# no token at all (as far as this location looks): 401, no error=
sub no_token  { { status => 401, invalid_token => 0 } }
# a verified identity that may not do this
sub forbidden { { status => 403, ($_[0] ? (why => _re($_[0])) : ()) } }
# a request that could be read two ways (or that the server itself refuses)
sub bad       { { status => 400, ($_[0] ? (why => _re($_[0])) : ()) } }
# let through to the echo upstream (which got this URI)
sub passed    { { status => 200, upstream => 1, (defined $_[0] ? (uri => $_[0]) : ()) } }
# let through to the static /index.html, as the identity ME
sub served    { { status => 200, body => "ok\n", identity => 1 } }

sub bearer { [[Authorization => "Bearer $_[0]"]] }

# ------------------------------------------------------------------ cases

sub attack_cases {
    my $now = time();
    my @cases;
    my $cat;
    my $add = sub {
        my ($name, $req, $expect, %more) = @_;
        $req = { path => '/index.html', headers => bearer($req) } unless ref $req;
        push @cases, { cat => $cat, name => $name, req => $req,
                       (defined $expect ? (expect => $expect) : ()), %more };
    };
    my $tok = sub { $add->(shift, jws(%{ shift() }), @_) };   # name, jws opts, expect

    my $valid = jws();
    my ($h, $p, $s) = split /\./, $valid;
    my $sig = b64url_decode($s);
    my $ME = ME;
    my $OTHER = OTHER;
    my $POOL = POOL;
    my $SPOOF = SPOOF;

    # ------------------------------------------------ token structure
    $cat = 'token structure';

    $add->('one part', $h, refused('not a compact JWS of three parts'));
    $add->('two parts', "$h.$p", refused('not a compact JWS of three parts'));
    $add->('four parts', "$h.$p.$s.$s", refused('not a compact JWS of three parts'));
    $add->('five parts (JWE shape)', "$h.$p.$s.$s.$s",
           refused('not a compact JWS of three parts'));
    $add->('only the two dots', '..', refused('a token part is empty'));
    $add->('empty header', ".$p.$s", refused('a token part is empty'));
    $add->('empty payload', "$h..$s", refused('a token part is empty'));
    $add->('empty signature', "$h.$p.", refused('a token part is empty'));
    $add->('"=" padding on the signature', "$h.$p.$s" . ('=' x ((4 - length($s) % 4) % 4)),
           refused('signature is not canonical base64url'));
    $add->('"=" padding on the header', "$h=.$p.$s",
           refused('header is not canonical base64url'));
    (my $std = $s) =~ tr{-_}{+/};
    $std =~ s/^./+/ if $std eq $s;
    $add->('standard base64 alphabet in the signature', "$h.$p.$std",
           refused('signature is not canonical base64url'));
    {
        # the last character carries 4 bits that must be zero
        my $alpha = join '', 'A' .. 'Z', 'a' .. 'z', 0 .. 9, '-', '_';
        my $last = index($alpha, substr($s, -1));
        my $noncanon = substr($s, 0, -1) . substr($alpha, $last | 1, 1);
        $add->('non-zero trailing bits in the signature (same bytes)',
               "$h.$p.$noncanon", refused('signature is not canonical base64url'));
    }
    {
        my $h1 = $h;
        $h1 .= 'A' while length($h1) % 4 != 1;
        $add->('impossible base64url length (4n+1) in the header', "$h1.$p.$s",
               refused('header is not canonical base64url'));
    }
    $add->('space inside the token', "$h.$p. $s", refused('signature is not canonical base64url'));
    $add->('percent-encoded dots', "$h%2E$p%2E$s", refused('not a compact JWS of three parts'));
    $add->('non-ASCII bytes after the signature', "$h.$p.$s\xc3\xa9",
           refused('signature is not canonical base64url'));
    $add->('token of 16385 bytes',
           "$h." . ('A' x (16384 - length($h) - length($s) - 1)) . ".$s",
           refused('token of 16385 bytes, at most 16384 accepted'));
    $add->('token of 70000 bytes (over the header size limits)',
           "$h." . ('A' x 70000) . ".$s", bad());
    $tok->('payload nested 1000 deep (signed)',
           { claims => { x => ('[' x 1000) . (']' x 1000) } },
           refused('payload: invalid JSON: nesting too deep'));
    $tok->('header nested 3 deep', { header => { x => '{"y":{"z":1}}' } },
           refused('header: invalid JSON: nesting too deep'));
    $tok->('header with a duplicate kid',
           { header_text => '{"alg":"RS512","kid":"test-9","kid":"test-1"}' },
           refused('duplicate member name'));
    $tok->('header with a duplicate alg, one name escaped',
           { header_text => '{"alg":"none","\u0061lg":"RS512","kid":"test-1"}' },
           refused('duplicate member name'));
    $tok->('payload with a duplicate exp, expired then valid (signed)',
           { payload_text => substr(payload_text(), 0, -1) . ',"exp":' . ($now - 3600) . '}' },
           refused('duplicate member name'));
    $tok->('payload with a duplicate sub, one name escaped (signed)',
           { payload_text => '{"s\u0075b":' . js(OTHER) . ',' . substr(payload_text(), 1) },
           refused('duplicate member name'));
    $tok->('header is a JSON array', { header_text => '["RS512","test-1"]' },
           refused('header is not a JSON object'));
    $tok->('header is a JSON string', { header_text => '"RS512"', sign => 'RS512' },
           refused('header is not a JSON object'));
    $tok->('header is null', { header_text => 'null', sign => 'RS512' },
           refused('header is not a JSON object'));
    $tok->('header is not JSON', { header_text => 'alg=RS512&kid=test-1' },
           refused('header: invalid JSON'));
    $tok->('payload is a JSON array (signed)', { payload_text => '[' . payload_text() . ']' },
           refused('payload is not a JSON object'));
    $tok->('payload is a JSON string (signed)', { payload_text => js(payload_text()) },
           refused('payload is not a JSON object'));
    $tok->('payload is an empty object (signed)', { payload_text => '{}' },
           refused('claim "iss" is missing or not a string'));
    $tok->('invalid UTF-8 in the header (0xff in kid)',
           { header_text => qq({"alg":"RS512","kid":"test-1\xff","typ":"JWS"}) },
           refused('header: invalid JSON: invalid UTF-8'));
    $tok->('overlong UTF-8 "/" in the payload (signed)',
           { claims => { note => qq("a\xc0\xafb") } },
           refused('payload: invalid JSON: invalid UTF-8'));
    $tok->('lone surrogate escape in the payload (signed)',
           { claims => { note => '"\ud800"' } },
           refused('payload: invalid JSON: lone high surrogate'));
    $tok->('UTF-8 byte order mark before the header JSON',
           { header_text => "\xef\xbb\xbf" . header_text() },
           refused('header: invalid JSON'));
    $tok->('raw NUL after the header JSON', { header_text => header_text() . "\0" },
           refused('header: invalid JSON'));
    $tok->('raw NUL inside a payload string (signed)',
           { claims => { sub => qq("$ME\0") } },
           refused('payload: invalid JSON: control character in string'));
    $tok->('header JSON with a comment', { header_text => '{/**/"alg":"RS512","kid":"test-1"}' },
           refused('header: invalid JSON'));
    $tok->('payload with a trailing comma (signed)',
           { payload_text => substr(payload_text(), 0, -1) . ',}' },
           refused('payload: invalid JSON'));
    $tok->('payload with trailing data (signed)',
           { payload_text => payload_text() . '{"sub":' . js(OTHER) . '}' },
           refused('payload: invalid JSON: trailing data'));
    # refused by the servers themselves: a NUL is no header field content
    $add->('NUL byte inside the Authorization header', "$h.$p\0.$s", bad());

    # ------------------------------------------------------ algorithm
    $cat = 'algorithm';

    my $pem = _run('', 'openssl', 'pkey', '-in', _key('k1'), '-pubout');
    my $pkcs1 = _run('', 'openssl', 'rsa', '-in', _key('k1'), '-RSAPublicKey_out');
    my $der = _run('', 'openssl', 'pkey', '-in', _key('k1'), '-pubout', '-outform', 'DER');
    my $jwks_text = _slurp(repo_root() . '/t/keys/jwks-k1.json');
    (my $pem_nonl = $pem) =~ s/\n\z//;

    my $none_input = b64url(header_text(alg => '"none"')) . ".$p";
    $add->('alg none, empty signature', "$none_input.", refused('a token part is empty'));
    $tok->('alg none with a valid RS512 signature', { header => { alg => '"none"' } },
           refused('algorithm "none" is not allowed'));
    $tok->('alg None', { header => { alg => '"None"' } }, refused('algorithm "None" is not allowed'));
    $tok->('alg NONE', { header => { alg => '"NONE"' } }, refused('algorithm "NONE" is not allowed'));
    $tok->('alg nOnE', { header => { alg => '"nOnE"' } }, refused('algorithm "nOnE" is not allowed'));
    $add->('alg none without kid, signature "AA"',
           b64url('{"alg":"none"}') . ".$p.AA", refused('algorithm "none" is not allowed'));
    $tok->('HS256 keyed with the public key PEM',
           { header => { alg => '"HS256"' }, sign => 'HS256', secret => $pem },
           refused('algorithm "HS256" is not allowed'));
    $tok->('HS256 keyed with the public key PEM without its newline',
           { header => { alg => '"HS256"' }, sign => 'HS256', secret => $pem_nonl },
           refused('algorithm "HS256" is not allowed'));
    $tok->('HS512 keyed with the public key PEM',
           { header => { alg => '"HS512"' }, sign => 'HS512', secret => $pem },
           refused('algorithm "HS512" is not allowed'));
    $tok->('HS384 keyed with the public key PEM',
           { header => { alg => '"HS384"' }, sign => 'HS384', secret => $pem },
           refused('algorithm "HS384" is not allowed'));
    $tok->('HS256 keyed with the PKCS#1 public key PEM',
           { header => { alg => '"HS256"' }, sign => 'HS256', secret => $pkcs1 },
           refused('algorithm "HS256" is not allowed'));
    $tok->('HS256 keyed with the DER public key',
           { header => { alg => '"HS256"' }, sign => 'HS256', secret => $der },
           refused('algorithm "HS256" is not allowed'));
    $tok->('HS512 keyed with the JWKS text',
           { header => { alg => '"HS512"' }, sign => 'HS512', secret => $jwks_text },
           refused('algorithm "HS512" is not allowed'));
    $tok->('RS256 signed by the trusted key (keys say RS512)',
           { header => { alg => '"RS256"' }, sign => 'RS256' },
           refused('algorithm "RS256" is not allowed'));
    $tok->('RS384 signed by the trusted key', { header => { alg => '"RS384"' }, sign => 'RS384' },
           refused('algorithm "RS384" is not allowed'));
    $tok->('PS512 signed by the trusted key', { header => { alg => '"PS512"' }, sign => 'PS512' },
           refused('algorithm "PS512" is not allowed'));
    $tok->('PS256 signed by the trusted key', { header => { alg => '"PS256"' }, sign => 'PS256' },
           refused('algorithm "PS256" is not allowed'));
    $tok->('ES256', { header => { alg => '"ES256"' }, sign => 'ES256' },
           refused('algorithm "ES256" is not allowed'));
    $add->('EdDSA', b64url(header_text(alg => '"EdDSA"')) . ".$p." . b64url('x' x 64),
           refused('algorithm "EdDSA" is not allowed'));
    $tok->('alg "rs512" in lower case', { header => { alg => '"rs512"' }, sign => 'RS512' },
           refused('algorithm "rs512" is not allowed'));
    $tok->('alg "RS512 " with a trailing space', { header => { alg => '"RS512 "' }, sign => 'RS512' },
           refused('is not allowed'));
    $tok->('alg "RS512\u0000"', { header => { alg => '"RS512\u0000"' }, sign => 'RS512' },
           refused('is not allowed'));
    $tok->('alg as an array', { header => { alg => '["RS512"]' }, sign => 'RS512' },
           refused('header has no "alg" string'));
    $tok->('alg null', { header => { alg => 'null' }, sign => 'RS512' },
           refused('header has no "alg" string'));
    $tok->('alg as a number', { header => { alg => '512' }, sign => 'RS512' },
           refused('header has no "alg" string'));
    $tok->('RS512 header over a PSS signature', { sign => 'PS512' },
           refused('signature does not verify with key "test-1"'));
    $tok->('RS512 header over an RS256 signature', { sign => 'RS256' },
           refused('signature does not verify with key "test-1"'));
    my $jwk = _public_jwk();
    $tok->('jwk header with the attacker\'s key, signed by it',
           { header => { jwk => $jwk }, key => 'k2' }, refused('header member "jwk" is not accepted'));
    $tok->('jwk header null', { header => { jwk => 'null' } },
           refused('header member "jwk" is not accepted'));
    $tok->('jku to the attacker\'s key set, unknown kid',
           { header => { jku => js('https://evil.example/jwks.json'), kid => '"evil"' }, key => 'k2' },
           refused('header member "jku" is not accepted'));
    $tok->('x5u to the attacker\'s certificate',
           { header => { x5u => js('https://evil.example/cert.pem') }, key => 'k2' },
           refused('header member "x5u" is not accepted'));
    $tok->('x5c with a self-signed certificate of the attacker\'s key',
           { header => { x5c => '[' . js(encode_base64(_self_signed_der(), '')) . ']' }, key => 'k2' },
           refused('header member "x5c" is not accepted'));
    $tok->('crit empty', { header => { crit => '[]' } }, refused('header member "crit" is not accepted'));
    $tok->('crit b64 with b64 false', { header => { crit => '["b64"]', b64 => 'false' } },
           refused('header member "crit" is not accepted'));
    $tok->('b64 false', { header => { b64 => 'false' } }, refused('header member "b64" is not accepted'));
    $tok->('zip DEF', { header => { zip => '"DEF"' } }, refused('header member "zip" is not accepted'));
    $tok->('enc A256GCM', { header => { enc => '"A256GCM"' } },
           refused('header member "enc" is not accepted'));
    $tok->('kid path traversal', { header => { kid => js('../../../../etc/passwd') } },
           refused('unknown kid "../../../../etc/passwd"'));
    $tok->('kid path traversal back to test-1', { header => { kid => js('x/../test-1') } },
           refused('unknown kid "x/../test-1"'));
    $tok->('kid test-1 followed by an escaped NUL', { header => { kid => '"test-1\u0000"' } },
           refused('unknown kid'));
    $tok->('kid test-1, NUL, traversal', { header => { kid => '"test-1\u0000/../../x"' } },
           refused('unknown kid'));
    $tok->('kid of 129 characters', { header => { kid => js('k' x 129) } },
           refused('header "kid" is too long'));
    $tok->('kid of 10000 characters', { header => { kid => js('k' x 10000) } },
           refused('header "kid" is too long'));
    $tok->('kid of 128 characters, unknown', { header => { kid => js('k' x 128) } },
           refused('unknown kid'));
    $tok->('kid SQL injection', { header => { kid => js("test-1' OR '1'='1") } },
           refused(qq(unknown kid "test-1' OR '1'='1")));
    $tok->('kid with a Cyrillic homoglyph', { header => { kid => js("t\xd0\xb5st-1") } },
           refused('unknown kid'));
    $tok->('kid in fullwidth letters', { header => { kid => js("\xef\xbd\x94\xef\xbd\x85\xef\xbd\x93\xef\xbd\x94-1") } },
           refused('unknown kid'));
    $tok->('kid in upper case', { header => { kid => '"TEST-1"' } }, refused('unknown kid "TEST-1"'));
    $tok->('kid with a trailing space', { header => { kid => '"test-1 "' } }, refused('unknown kid "test-1 "'));
    $tok->('kid empty', { header => { kid => '""' } }, refused('header has no "kid" string'));
    $tok->('kid as a number', { header => { kid => '1' } }, refused('header has no "kid" string'));
    $tok->('kid as an object', { header => { kid => '{"kid":"test-1"}' } },
           refused('header has no "kid" string'));
    $tok->('kid with format directives', { header => { kid => js('%s%s%n%x%p') } },
           refused('unknown kid "%s%s%n%x%p"'));
    $tok->('kid with CRLF and a header', { header => { kid => js("test-1\r\nX-Injected: yes") } },
           { %{ refused('unknown kid') }, absent => ['x-injected'] });
    $tok->('kid "*"', { header => { kid => '"*"' } }, refused('unknown kid "*"'));

    # ------------------------------------------------------ signature
    $cat = 'signature';

    my $n = _modulus();
    my $len = length $n;
    my $hp = "$h.$p";
    $add->('one byte short', "$hp." . b64url(substr($sig, 1)),
           refused("signature of 255 bytes, key \"test-1\" needs $len"));
    $add->('one byte appended', "$hp." . b64url("$sig\0"),
           refused("signature of 257 bytes"));
    $add->('a leading zero byte prepended', "$hp." . b64url("\0$sig"),
           refused("signature of 257 bytes"));
    $add->('two leading zero bytes prepended', "$hp." . b64url("\0\0$sig"),
           refused("signature of 258 bytes"));
    $add->('the signature twice', "$hp." . b64url("$sig$sig"), refused('signature of 512 bytes'));
    $add->('all 0xff bytes of the modulus length', "$hp." . b64url("\xff" x $len),
           refused('signature does not verify with key "test-1"'));
    $add->('the modulus itself', "$hp." . b64url($n),
           refused('signature does not verify with key "test-1"'));
    $add->('the modulus plus one', "$hp." . b64url(_bytes_plus_one($n)),
           refused('signature does not verify with key "test-1"'));
    $add->('all zero bytes', "$hp." . b64url("\0" x $len),
           refused('signature does not verify with key "test-1"'));
    $add->('the value 1', "$hp." . b64url(("\0" x ($len - 1)) . "\1"),
           refused('signature does not verify with key "test-1"'));
    {
        my $flip = $sig;
        substr($flip, -1, 1) = chr(ord(substr($flip, -1)) ^ 1);
        $add->('last bit flipped', "$hp." . b64url($flip),
               refused('signature does not verify with key "test-1"'));
    }
    {
        my (undef, undef, $other_sig) = split /\./, jws(claims => { sub => js(OTHER) });
        $add->('transplanted from a token of another identity', "$hp.$other_sig",
               refused('signature does not verify with key "test-1"'));
        my ($oh, $op) = split /\./, jws(claims => { sub => js(OTHER) });
        $add->('another identity\'s payload under this signature', "$oh.$op.$s",
               refused('signature does not verify with key "test-1"'));
    }
    {
        my (undef, undef, $k2sig) = split /\./, jws(key => 'k2');
        $add->('the same header and payload signed by the attacker\'s key', "$hp.$k2sig",
               refused('signature does not verify with key "test-1"'));
    }
    {
        my $spaced = b64url('{"alg": "RS512", "kid": "test-1", "typ": "JWS"}');
        $add->('header re-encoded with spaces, signature kept', "$spaced.$p.$s",
               refused('signature does not verify with key "test-1"'));
    }
    $add->('signature over the header alone', "$hp." . b64url(_sign('RS512', $h, 'k1')),
           refused('signature does not verify with key "test-1"'));
    {
        my $guest = jws(claims => { amr => '["unauthenticated"]' });
        my (undef, $gp) = split /\./, $guest;
        $add->('a guest token\'s payload under an authenticated signature', "$h.$gp.$s",
               refused('signature does not verify with key "test-1"'));
    }

    # ------------------------------------------------------------ claims
    $cat = 'claims';

    my %types = (string => js($now + 600), true => 'true', false => 'false',
                 null => 'null', array => '[' . ($now + 600) . ']',
                 object => '{"exp":' . ($now + 600) . '}');
    for my $claim (qw(exp nbf iat)) {
        for my $t (sort keys %types) {
            (my $v = $types{$t}) =~ s/"exp"/"$claim"/;
            $tok->("$claim as $t", { claims => { $claim => $v } },
                   refused("claim \"$claim\" is not a number"));
        }
    }
    $tok->('exp -1', { claims => { exp => '-1' } }, refused('token expired'));
    $tok->('exp 0', { claims => { exp => '0' } }, refused('token expired'));
    $tok->('exp -1e308', { claims => { exp => '-1e308' } }, refused('claim "exp" is out of range'));
    $tok->('exp 1e309 (out of range)', { claims => { exp => '1e309' } },
           refused('payload: invalid JSON: number out of range'));
    $tok->('exp of 100 digits', { claims => { exp => '1' . ('0' x 99) } },
           refused('payload: invalid JSON: number too long'));
    $tok->('exp NaN', { claims => { exp => 'NaN' } }, refused('payload: invalid JSON'));
    $tok->('exp Infinity', { claims => { exp => 'Infinity' } }, refused('payload: invalid JSON'));
    $tok->('exp with a plus sign', { claims => { exp => '+' . ($now + 600) } },
           refused('payload: invalid JSON'));
    $tok->('exp with leading zeros', { claims => { exp => '00' . ($now + 600) } },
           refused('payload: invalid JSON'));
    $tok->('exp 10.5 s ago (leeway 10 s)', { claims => { exp => ($now - 10.5) } },
           refused('token expired'));
    $tok->('exp a microsecond beyond the leeway', { claims => { exp => sprintf('%.6f', $now - 10.000001) } },
           refused('token expired'));
    $tok->('exp 1e308', { claims => { exp => '1e308' } }, refused('claim "exp" is out of range'));
    $tok->('exp 2^63', { claims => { exp => '9223372036854775808' } },
           refused('claim "exp" is out of range'));
    $tok->('exp 24 h and 11 s after iat (leeway 10 s)', { claims => { exp => $now + 86411, iat => $now } },
           refused('claim "exp" is more than 24 h after "iat"'));
    $tok->('exp 24 h and 10 s after iat (accepted: within the leeway)',
           { claims => { exp => $now + 86410, iat => $now } }, served());
    $tok->('nbf 1e308', { claims => { nbf => '1e308' } }, refused('claim "nbf" is out of range'));
    $tok->('nbf 1e9 years ahead', { claims => { nbf => '3e16' } }, refused('token not valid for another'));
    $tok->('nbf an hour and a half second ahead', { claims => { nbf => $now + 3600.5 } },
           refused('token not valid for another'));
    $tok->('iat 1e308', { claims => { iat => '1e308' } }, refused('claim "iat" is out of range'));
    $tok->('iat absent', { claims => { iat => undef } }, refused('claim "iat" is missing'));
    $tok->('iat an hour and a half second ahead', { claims => { iat => $now + 3600.5 } },
           refused('in the future'));
    $tok->('iat -1 (more than 24 h before exp)', { claims => { iat => '-1' } },
           refused('claim "exp" is more than 24 h after "iat"'));
    $tok->('nbf -1e308', { claims => { nbf => '-1e308' } }, refused('claim "nbf" is out of range'));
    $tok->('nbf -1 (accepted: valid since long ago)', { claims => { nbf => '-1' } }, served());

    my %iss = (
        'with a trailing slash'        => js(ISSUER . '/'),
        'over http'                    => js('http://cognito-identity.amazonaws.com'),
        'host in upper case'           => js('https://COGNITO-IDENTITY.AMAZONAWS.COM'),
        'scheme in upper case'         => js('HTTPS://cognito-identity.amazonaws.com'),
        'with a Cyrillic homoglyph'    => js("https://c\xd0\xbegnito-identity.amazonaws.com"),
        'with a path'                  => js(ISSUER . '/eu-west-1'),
        'with a port'                  => js('https://cognito-identity.amazonaws.com:443'),
        'with user info'               => js(ISSUER . '@evil.example'),
        'as a subdomain of another'    => js('https://cognito-identity.amazonaws.com.evil.example'),
        'with an escaped NUL and more' => '"' . ISSUER . '\u0000.evil.example"',
        'with a trailing space'        => js(ISSUER . ' '),
        'with escaped slashes and a trailing one' => '"https:\/\/cognito-identity.amazonaws.com\/"',
    );
    for my $k (sort keys %iss) {
        $tok->("iss $k", { claims => { iss => $iss{$k} } }, refused('is not trusted'));
    }
    $tok->('iss with escaped slashes (accepted: the same string)',
           { claims => { iss => '"https:\/\/cognito-identity.amazonaws.com"' } }, served());
    $tok->('iss as an array', { claims => { iss => '[' . js(ISSUER) . ']' } },
           refused('claim "iss" is missing or not a string'));
    $tok->('iss null', { claims => { iss => 'null' } },
           refused('claim "iss" is missing or not a string'));

    my %aud = (
        'an array holding the pool'        => ['[' . js(POOL) . ']', 'claim "aud" is not a string'],
        'an array of both pools'           => ['[' . js(POOL) . ',' . js(POOL2) . ']', 'claim "aud" is not a string'],
        'null'                             => ['null', 'claim "aud" is not a string'],
        'an object'                        => ['{"aud":' . js(POOL) . '}', 'claim "aud" is not a string'],
        'the pool with a leading space'    => [js(" $POOL"), 'is not an allowed pool'],
        'the pool with a trailing space'   => [js("$POOL "), 'is not an allowed pool'],
        'the pool with a newline'          => [js("$POOL\n"), 'is not an allowed pool'],
        'the pool with an escaped NUL'     => ['"' . POOL . '\u0000"', 'is not an allowed pool'],
        'a prefix of the pool'             => [js(substr(POOL, 0, 18)), 'is not an allowed pool'],
        'the pool as a prefix of another'  => [js(POOL . '0'), 'is not an allowed pool'],
        'the pool as a suffix of another'  => [js('x' . POOL), 'is not an allowed pool'],
        'the pool in upper case'           => [js(uc POOL), 'is not an allowed pool'],
        '"*"'                              => ['"*"', 'is not an allowed pool'],
        'the identity id'                  => [js(ME), 'is not an allowed pool'],
    );
    for my $k (sort keys %aud) {
        $tok->("aud $k", { claims => { aud => $aud{$k}[0] } }, refused($aud{$k}[1]));
    }

    my $me_tail = substr(ME, 10);    # after "eu-west-1:"
    my %sub = (
        'with a "/"'               => js(ME . '/x'),
        'with "/" in place'        => js('eu-west-1:9539224f/5cd4-4923-a426-d6078ef34b7a'),
        '".."'                     => '".."',
        'id/../other id'           => js(ME . '/../' . OTHER),
        '"*"'                      => '"*"',
        'region and "*"'           => '"eu-west-1:*"',
        'with "?"'                 => js(substr(ME, 0, -1) . '?'),
        'with "${"'                => js('${aws:username}'),
        'with "%2F"'               => js('eu-west-1:9539224f%2F5cd4-4923-a426-d6078ef34b7a'),
        'with an escaped "/"'      => '"eu-west-1:9539224f\/5cd4-4923-a426-d6078ef34b7a"',
        'with a trailing escaped NUL' => '"' . ME . '\u0000"',
        'with an escaped NUL in place' => '"eu-west-1:9539224f\u00005cd4-4923-a426-d6078ef34b7a"',
        'with a Cyrillic homoglyph in the region' => js("\xd0\xb5u-west-1:$me_tail"),
        'with a fullwidth colon'   => js("eu-west-1\xef\xbc\x9a$me_tail"),
        'in upper case'            => js(uc ME),
        'with a trailing space'    => js(ME . ' '),
        'with a trailing newline'  => js(ME . "\n"),
    );
    for my $k (sort keys %sub) {
        $tok->("sub $k", { claims => { sub => $sub{$k} } }, refused('claim "sub" is not an identity id'));
    }
    $tok->('sub named "sub\u0000" (signed)',
           { payload_text => '{"sub\u0000":' . js(OTHER) . ',' . substr(payload_text(sub => undef), 1) },
           refused('claim "sub" is missing or not a string'));
    $tok->('sub empty', { claims => { sub => '""' } }, refused('claim "sub" is missing or not a string'));
    $tok->('sub as a number', { claims => { sub => '1' } }, refused('claim "sub" is missing or not a string'));
    $tok->('sub as an array', { claims => { sub => '[' . js(ME) . ']' } },
           refused('claim "sub" is missing or not a string'));

    my %amr = (
        'authenticated and unauthenticated' => ['["authenticated","unauthenticated"]', 'contradictory'],
        'authenticated twice'      => ['["authenticated","authenticated"]', 'contradictory'],
        'guest with a provider'    => ['["unauthenticated","graph.facebook.com"]', 'of a guest has extra entries'],
        '"Authenticated"'          => ['["Authenticated"]', 'starts with neither'],
        'with a leading space'     => ['[" authenticated"]', 'starts with neither'],
        'with an escaped NUL'      => ['["authenticated\u0000"]', 'not a non-empty string'],
        'a number entry'           => ['["authenticated",7]', 'not a non-empty string'],
        'an empty entry'           => ['["authenticated",""]', 'not a non-empty string'],
        'of 17 entries'            => ['["authenticated"' . (',"x"' x 16) . ']', 'has 17 entries'],
        'an object'                => ['{"0":"authenticated"}', 'not an array'],
        'null'                     => ['null', 'not an array'],
    );
    for my $k (sort keys %amr) {
        $tok->("amr $k", { claims => { amr => $amr{$k}[0] } }, refused($amr{$k}[1]));
    }
    $tok->('amr of a guest where guests are off', { claims => { amr => '["unauthenticated"]' } },
           forbidden('unauthenticated identities are not allowed'));

    # principal tags, on /tags/ (prefix /tags/${aws:PrincipalTag/team}/)
    my $TAGS = 'https://aws.amazon.com/tags';
    my $tagged = sub {
        my ($tags_json) = @_;
        return jws(claims => { $TAGS => $tags_json });
    };
    my $tagreq = sub {
        my ($tags_json, $path) = @_;
        return { path => $path, headers => bearer($tagged->($tags_json)) };
    };
    $add->('tag "*" is no wildcard', $tagreq->('{"principal_tags":{"team":["*"]}}', '/tags/blue/x'),
           forbidden('outside the allowed prefixes'));
    $add->('tag "*" as a plain string', $tagreq->('{"principal_tags":{"team":"*"}}', '/tags/blue/x'),
           forbidden('outside the allowed prefixes'));
    $add->('tag "?" is no wildcard', $tagreq->('{"principal_tags":{"team":["?"]}}', '/tags/b/x'),
           forbidden('outside the allowed prefixes'));
    $add->('tag in another case than the path', $tagreq->('{"principal_tags":{"team":["red"]}}', '/tags/RED/x'),
           forbidden('outside the allowed prefixes'));
    $add->('tag as a number', $tagreq->('{"principal_tags":{"team":7}}', '/tags/7/x'),
           refused('principal tag'));
    $add->('tags claim a string', $tagreq->('"team=red"', '/tags/red/x'),
           refused('principal tag'));
    $add->('tag with dot segments', $tagreq->('{"principal_tags":{"team":["red/../blue"]}}', '/tags/blue/x'),
           forbidden('outside the allowed prefixes'));
    $add->('tag naming a policy variable', $tagreq->('{"principal_tags":{"team":["${cognito-identity.amazonaws.com:sub}"]}}', "/tags/$ME/x"),
           forbidden('outside the allowed prefixes'));
    $add->('tag with an encoded "/" in the path', $tagreq->('{"principal_tags":{"team":["red"]}}', '/tags/red%2F..%2Fblue/x'),
           bad("encoded '/'"));
    $add->('tag longer than any prefix can be (3000 bytes)',
           $tagreq->('{"principal_tags":{"team":["' . ('r' x 3000) . '"]}}', '/tags/' . ('r' x 3000) . '/x'),
           forbidden('outside the allowed prefixes'));
    $add->('tags with a duplicate key (signed)', $tagreq->('{"principal_tags":{"team":["blue"],"team":["red"]}}', '/tags/red/x'),
           refused('duplicate member name'));
    # IAM tag keys are case-insensitive: a session cannot hold both, so
    # such a token is ambiguous and refused
    $add->('tags with two keys differing in case (first)',
           $tagreq->('{"principal_tags":{"Team":["blue"],"team":["red"]}}', '/tags/blue/x'),
           refused('differ only in case'));
    $add->('tags with two keys differing in case (second)',
           $tagreq->('{"principal_tags":{"Team":["blue"],"team":["red"]}}', '/tags/red/x'),
           refused('differ only in case'));
    $add->('tag used by its own holder (control)', $tagreq->('{"principal_tags":{"team":["red"]}}', '/tags/red/x'),
           passed());

    # ----------------------------------------------- policy and path
    $cat = 'path';
    my $auth = bearer($valid);
    my $path = sub {
        my ($name, $method, $path, $expect, %more) = @_;
        my $headers = [@$auth, @{ delete $more{headers} || [] }];
        $add->($name, { method => $method, path => $path, headers => $headers,
                        body => $method eq 'PUT' ? "data\n" : undef }, $expect, %more);
    };
    my $UPME = uc ME;

    $path->('own object (control)', 'GET', "/mybucket/$ME/a.txt", passed("/mybucket/$ME/a.txt"));
    $path->('encoded "/" and dot segments to another identity', 'GET', "/mybucket/$ME%2F..%2F$OTHER/a", bad("encoded '/'"));
    $path->('encoded "/" in lower-case hex', 'GET', "/mybucket/$ME%2f..%2f$OTHER/a", bad("encoded '/'"));
    $path->('dot segments to another identity', 'GET', "/mybucket/$ME/../$OTHER/a", bad());
    $path->('encoded dot segments', 'GET', "/mybucket/$ME/%2e%2e/$OTHER/a", bad());
    $path->('half-encoded dot segment', 'GET', "/mybucket/$ME/.%2E/$OTHER/a", bad());
    $path->('dot segment with an encoded "/"', 'GET', "/mybucket/$ME/..%2F$OTHER/a", bad());
    $path->('double-encoded dots', 'GET', "/mybucket/$ME/%252e%252e/$OTHER/a", bad('double percent-encoding'));
    $path->('double-encoded "/"', 'GET', "/mybucket/$ME/..%252F..%252F$OTHER/a", bad('double percent-encoding'));
    $path->('overlong UTF-8 dots', 'GET', "/mybucket/$ME/%C0%AE%C0%AE/$OTHER/a", bad('invalid or overlong UTF-8'));
    $path->('literal backslashes', 'GET', "/mybucket/$ME\\..\\$OTHER\\a", bad());
    $path->('encoded backslashes', 'GET', "/mybucket/$ME/%5C..%5C$OTHER", bad("encoded '\\'"));
    $path->('"." segment', 'GET', "/mybucket/./$ME/a", bad());
    $path->('empty segment then dot segment', 'GET', "/mybucket/$ME//../$OTHER/a", bad());
    $path->('encoded "?" with dot segments', 'GET', "/mybucket/$ME/a%3F/../../$OTHER/a", bad());
    $path->('encoded "#"', 'GET', "/mybucket/$ME/a%23/../x", bad());
    $path->('malformed percent-encoding', 'GET', "/mybucket/$ME/a%ZZ", bad());
    $path->('encoded line feed', 'GET', "/mybucket/$ME/a%0A", bad('encoded control character'));
    $path->('encoded NUL', 'GET', "/mybucket/$ME/a%00b", undef,
            nginx => bad(), apache => { status => 404 });
    $path->('encoded NUL and dot segments', 'GET', "/mybucket/$ME/a%00/../../$OTHER/a", undef,
            nginx => bad(), apache => bad('encoded NUL'));
    $path->('fullwidth solidus is no "/"', 'GET', "/mybucket/$ME%EF%BC%8F..%EF%BC%8F$OTHER/a", forbidden());
    $path->('sibling that extends the id', 'GET', "/mybucket/${ME}x/a", forbidden());
    $path->('the id itself as a key', 'GET', "/mybucket/$ME", forbidden());
    $path->('prefix: sibling that extends the id', 'GET', "/files/${ME}x/a", forbidden('outside the allowed prefixes'));
    $path->('prefix: sibling of the public prefix', 'GET', '/files/publicity', forbidden('outside the allowed prefixes'));
    $path->('prefix: public then dot segments', 'GET', "/files/public/../$OTHER/a", bad());
    $path->('prefix: encoded dot segments', 'GET', "/files/public/%2E%2E/$OTHER/a", bad());
    $path->('identity in upper case', 'GET', "/mybucket/$UPME/a", forbidden());
    $path->('prefix: identity in upper case', 'GET', "/files/$UPME/a", forbidden('outside the allowed prefixes'));
    $path->('bucket in upper case', 'GET', "/MYBUCKET/$ME/a", bad('invalid bucket name'));
    $path->('bucket capitalised', 'GET', "/Mybucket/$ME/a", bad('invalid bucket name'));
    $path->('another bucket, same key', 'GET', "/mybucket2/$ME/a", forbidden());
    $path->('"//" before the bucket', 'GET', "//mybucket/$ME/a", bad());
    $path->('"//" after the bucket', 'GET', "/mybucket//$ME/a", forbidden());
    $path->('";" parameter then dot segments', 'GET', "/mybucket/$ME;/../$OTHER/a", bad());
    $path->('prefix: ";" parameter then dot segments', 'GET', "/files/$ME;x=y/../../files/$OTHER/a", bad());
    $path->('";" parameter on the id', 'GET', "/files/$ME;jsessionid=1/a", forbidden('outside the allowed prefixes'));
    $path->('other id with ";" and own id', 'GET', "/mybucket/$OTHER;$ME/a", forbidden());
    $path->('own id after ";" in the key', 'GET', "/mybucket/$OTHER/a;/$ME/", forbidden());
    $path->('list: duplicate prefix', 'GET', "/mybucket?prefix=$ME/&prefix=$OTHER/", bad('given twice'));
    $path->('list: duplicate prefix, one name encoded', 'GET', "/mybucket?prefix=$ME/&pr%65fix=$OTHER/", bad('given twice'));
    $path->('list: empty duplicate prefix', 'GET', "/mybucket?prefix=$ME/&delimiter=/&prefix=", bad('given twice'));
    $path->('list: prefix in another case', 'GET', "/mybucket?Prefix=$ME/", forbidden());
    $path->('list: other prefix with own prefix in another case', 'GET', "/mybucket?prefix=$OTHER/&Prefix=$ME/", forbidden());
    $path->('list: other prefix, encoded', 'GET', "/mybucket?prefix=eu-west-1%3A9539224f-5cd4-4923-a426-d6078ef34b7b%2F", forbidden());
    # IAM's StringLike and S3 read a prefix literally: "ME/../OTHER/" lists
    # keys that begin with those very bytes, all under the own prefix
    $path->('list: dot segments inside the own prefix (literal for S3)', 'GET',
            "/mybucket?prefix=$ME/../$OTHER/", passed("/mybucket?prefix=$ME/../$OTHER/"));
    $path->('list: prefix with an encoded NUL', 'GET', "/mybucket?prefix=$ME/%00", bad('encoded NUL'));
    $path->('list: 33 query parameters', 'GET',
            "/mybucket?prefix=$ME/" . join('', map { "&p$_" } 1 .. 32), bad('more than 32 query parameters'));
    # nginx: a target over 16384 bytes is not read (cig_target_read), 400;
    # httpd refuses the overlong file name itself, before any module (403)
    $path->('key of 30000 bytes under another identity', 'GET', "/mybucket/$OTHER/" . ('a' x 30000), undef,
            nginx => bad('more than 16384 bytes'), apache => forbidden());
    $path->('query naming the own path', 'GET', "/mybucket/$OTHER/a?/mybucket/$ME/a", forbidden());
    $path->('duplicate versionId', 'GET', "/mybucket/$ME/a?versionId=1&versionId=2", bad('given twice'));
    $path->('literal "#" in the request line', 'GET', "/mybucket/$OTHER/a#/mybucket/$ME/a", bad());
    # read one way only: the absolute form names a host as well
    $path->('absolute-form request target', 'GET', "http://localhost/mybucket/$OTHER/a", bad('absolute-form'));
    $path->('copy source with dot segments', 'PUT', "/mybucket/$ME/b",
            bad(), headers => [['x-amz-copy-source' => "/mybucket/$ME/../$OTHER/a"]]);
    $path->('copy source with an encoded "/"', 'PUT', "/mybucket/$ME/b",
            bad(), headers => [['x-amz-copy-source' => "/mybucket/$ME%2F..%2F$OTHER/a"]]);
    $path->('copy source given twice', 'PUT', "/mybucket/$ME/b", bad(),
            headers => [['x-amz-copy-source' => "/mybucket/$ME/a"], ['x-amz-copy-source' => "/mybucket/$OTHER/a"]]);
    $path->('copy source header in upper case, another identity', 'PUT', "/mybucket/$ME/b",
            forbidden(), headers => [['X-AMZ-COPY-SOURCE' => "mybucket/$OTHER/a"]]);
    $path->('copy source in two header-name cases', 'PUT', "/mybucket/$ME/b", bad(),
            headers => [['x-amz-copy-source' => "mybucket/$ME/a"], ['X-Amz-Copy-Source' => "mybucket/$OTHER/a"]]);
    $path->('copy source fully URL-encoded (as S3 decodes it)', 'PUT', "/mybucket/$ME/b",
            bad("x-amz-copy-source: encoded '/'"), headers => [['x-amz-copy-source' => "mybucket%2F$OTHER%2Fa"]]);
    $path->('copy source with an encoded letter, another identity', 'PUT', "/mybucket/$ME/b",
            forbidden(), headers => [['x-amz-copy-source' => '/mybucket/%65u-west-1:9539224f-5cd4-4923-a426-d6078ef34b7b/a']]);
    $path->('copy source with a second query parameter', 'PUT', "/mybucket/$ME/b",
            bad('only ?versionId= may follow the key'), headers => [['x-amz-copy-source' => "mybucket/$ME/a?versionId=1&x=$OTHER"]]);
    $path->('ACL header in upper case', 'PUT', "/mybucket/$ME/a", forbidden(),
            headers => [['X-AMZ-ACL' => 'public-read']]);
    $path->('grant header for full control', 'PUT', "/mybucket/$ME/a", forbidden(),
            headers => [['x-amz-grant-full-control' => 'id=attacker']]);
    $path->('custom role header for the allow-all role, own object', 'GET', "/mybucket/$ME/a",
            forbidden('not the role the pool chose'),
            headers => [['X-Cognito-Custom-Role-Arn' => ATTACK_ADMIN_ROLE]]);
    $path->('custom role header for the allow-all role, another identity', 'GET', "/mybucket/$OTHER/a",
            forbidden('not the role the pool chose'),
            headers => [['X-Cognito-Custom-Role-Arn' => ATTACK_ADMIN_ROLE]]);
    $path->('custom role header for the allow-all role, in lower case', 'GET', "/mybucket/$OTHER/a",
            forbidden('not the role the pool chose'),
            headers => [['x-cognito-custom-role-arn' => ATTACK_ADMIN_ROLE]]);
    $path->('custom role header twice, allow-all role first', 'GET', "/mybucket/$OTHER/a",
            forbidden('not the role the pool chose'),
            headers => [['X-Cognito-Custom-Role-Arn' => ATTACK_ADMIN_ROLE], ['X-Cognito-Custom-Role-Arn' => ATTACK_ROLE]]);
    # nginx reads the first of repeated role headers; httpd joins them
    $path->('custom role header twice, own role first, another identity', 'GET', "/mybucket/$OTHER/a",
            undef, nginx => forbidden(qr/^no statement of the 1 policies of \Q${\ ATTACK_ROLE}\E allows s3:GetObject/),
            apache => forbidden('not the role the pool chose'),
            headers => [['X-Cognito-Custom-Role-Arn' => ATTACK_ROLE], ['X-Cognito-Custom-Role-Arn' => ATTACK_ADMIN_ROLE]]);
    $path->('explicit Deny wins over own prefix', 'GET', "/mybucket/$ME/secret/x", forbidden());
    $path->('lower-case method', 'get', "/mybucket/$OTHER/a", undef,
            nginx => bad(), apache => forbidden());

    # rewrite-phase ordering
    $add->('rewrite into a protected URI, no token', { path => "/rw/$ME/a" }, no_token());
    # nginx: the rewritten URI is what is authorized and what the upstream
    # gets; httpd: the URI no longer matches the request line, 400
    $path->('rewrite into a protected URI, another identity', 'GET', "/rw/$OTHER/a", undef,
            nginx => forbidden(), apache => bad());
    $path->('rewrite into a protected URI, own identity (control)', 'GET', "/rw/$ME/a", undef,
            nginx => passed("/mybucket/$ME/a"), apache => bad());
    $path->('rewrite into a protected URI, encoded "/" and dot segments', 'GET',
            "/rw/$ME%2F..%2F$OTHER/a", undef, nginx => forbidden(), apache => bad());
    $path->('rewrite into a protected URI, encoded dot segments', 'GET',
            "/rw/$ME/%2e%2e/$OTHER/a", undef, nginx => forbidden(), apache => bad());
    $path->('rewrite into a protected URI, double-encoded "/"', 'GET',
            "/rw/$ME%252F..%252F$OTHER/a", undef, nginx => bad(), apache => bad());
    $path->('rewrite ... break inside a protected location, another identity',
            'GET', "/rwb/$OTHER/a", undef, nginx => forbidden(), apache => undef);
    $add->('rewrite ... break inside a protected location, no token', { path => "/rwb/$OTHER/a" },
           undef, nginx => no_token(), apache => undef);
    $add->('"return" answers before the check (documented in SECURITY.md)', { path => '/ret/x' },
           undef, nginx => { status => 200, body => "returned before any check\n" }, apache => undef);

    # -------------------------------------------------- header smuggling
    $cat = 'headers';
    my $garbage = "$h.$p.AAAA";
    $add->('Authorization twice, both valid',
           { path => '/index.html', headers => [@$auth, @$auth] }, undef,
           nginx => bad(), apache => refused('several Authorization values'));
    $add->('Authorization twice, valid then garbage',
           { path => '/index.html', headers => [@$auth, [Authorization => "Bearer $garbage"]] }, undef,
           nginx => bad(), apache => refused('several Authorization values'));
    $add->('Authorization twice, Basic then Bearer',
           { path => '/index.html', headers => [[Authorization => 'Basic YTpi'], @$auth] }, undef,
           nginx => bad(), apache => refused('several Authorization values'));
    $add->('"Bearer" and a tab', { path => '/index.html', headers => [[Authorization => "Bearer\t$valid"]] },
           no_token());
    $add->('"Bearer" and two spaces', { path => '/index.html', headers => [[Authorization => "Bearer  $valid"]] },
           served());
    $add->('"bearer" in lower case', { path => '/index.html', headers => [[Authorization => "bearer $valid"]] },
           served());
    $add->('"BEARER" in upper case', { path => '/index.html', headers => [[Authorization => "BEARER $valid"]] },
           served());
    $add->('"Bearer," and the token', { path => '/index.html', headers => [[Authorization => "Bearer,$valid"]] },
           undef, nginx => no_token(), apache => refused('several Authorization values'));
    $add->('"Bearer," alone', { path => '/index.html', headers => [[Authorization => 'Bearer,']] },
           undef, nginx => no_token(), apache => refused('several Authorization values'));
    $add->('token and a comma', { path => '/index.html', headers => [[Authorization => "Bearer $valid,"]] },
           undef, nginx => refused('signature is not canonical base64url'),
           apache => refused('several Authorization values'));
    $add->('two tokens in one header', { path => '/index.html', headers => [[Authorization => "Bearer $valid $valid"]] },
           refused('not a compact JWS of three parts'));
    $add->('"Bearer:" and the token', { path => '/index.html', headers => [[Authorization => "Bearer:$valid"]] },
           no_token());
    $add->('"Bearerx" and the token', { path => '/index.html', headers => [[Authorization => "Bearerx $valid"]] },
           no_token());
    $add->('"Bearer" alone', { path => '/index.html', headers => [[Authorization => 'Bearer']] },
           refused('empty bearer token'));
    $add->('"Bearer" and spaces only', { path => '/index.html', headers => [[Authorization => 'Bearer     ']] },
           refused('empty bearer token'));
    $add->('the token as Basic credentials',
           { path => '/index.html', headers => [[Authorization => 'Basic ' . encode_base64("x:$valid", '')]] },
           no_token());
    $add->('the token without a scheme', { path => '/index.html', headers => [[Authorization => $valid]] },
           no_token());
    # RFC 9112 5.2: refuse obs-fold (nginx), or unfold it into spaces (httpd)
    $add->('Authorization folded over two lines (obs-fold)',
           { path => '/index.html', headers => [[Authorization => "Bearer\r\n $valid"]] }, undef,
           nginx => bad(), apache => served());
    $add->('garbage folded into a valid Authorization (obs-fold)',
           { path => '/index.html', headers => [[Authorization => "Bearer $valid\r\n x"]] }, undef,
           nginx => bad(), apache => refused('signature is not canonical base64url'));
    $add->('space before the colon', { path => '/index.html', headers => [['Authorization ' => "Bearer $valid"]] },
           bad());
    $add->('token in Proxy-Authorization', { path => '/index.html', headers => [['Proxy-Authorization' => "Bearer $valid"]] },
           no_token());
    $add->('token in the query string', { path => "/index.html?access_token=$valid" }, no_token());
    $add->('token in a cookie where Authorization is read',
           { path => '/index.html', headers => [[Cookie => "token=$valid"]] }, no_token());
    $add->('cookie location: valid cookie, garbage Authorization',
           { path => '/cookie/x', headers => [[Cookie => "token=$valid"], [Authorization => "Bearer $garbage"]] },
           passed());
    $add->('cookie location: garbage cookie, valid Authorization',
           { path => '/cookie/x', headers => [[Cookie => "token=$garbage"], @$auth] },
           refused('signature of 3 bytes'));
    $add->('cookie location: valid Authorization only',
           { path => '/cookie/x', headers => $auth }, no_token());
    $add->('cookie location: garbage then valid token cookie',
           { path => '/cookie/x', headers => [[Cookie => "token=$garbage; token=$valid"]] },
           refused('signature of 3 bytes'));
    $add->('cookie location: token cookie in quotes',
           { path => '/cookie/x', headers => [[Cookie => qq(token="$valid")]] },
           refused('not canonical base64url'));

    my $spoof_check = { %{ passed() } };
    $add->('spoofed X-Cognito-Identity-Id',
           { path => "/mybucket/$ME/a", headers => [@$auth, ['X-Cognito-Identity-Id' => SPOOF]] },
           $spoof_check);
    $add->('spoofed X-Cognito-Identity-Id twice',
           { path => "/mybucket/$ME/a", headers => [['X-Cognito-Identity-Id' => SPOOF], @$auth,
                                                     ['X-Cognito-Identity-Id' => SPOOF]] },
           $spoof_check);
    $add->('spoofed identity header in lower case',
           { path => "/mybucket/$ME/a", headers => [@$auth, ['x-cognito-identity-id' => SPOOF]] },
           $spoof_check);
    $add->('spoofed identity header with underscores',
           { path => "/mybucket/$ME/a", headers => [@$auth, ['X_Cognito_Identity_Id' => SPOOF]] },
           $spoof_check);
    $add->('spoofed X-Cognito-Identity-Pool',
           { path => "/mybucket/$ME/a", headers => [@$auth, ['X-Cognito-Identity-Pool' => 'us-east-1:deadbeef-dead-4bad-8bad-deaddeaddead']] },
           $spoof_check);
    $add->('spoofed identity header on the cookie location',
           { path => '/cookie/x', headers => [[Cookie => "token=$valid"], ['X-Cognito-Identity-Id' => SPOOF]] },
           $spoof_check);
    # httpd removes every Cognito-Identity-* and X-Cognito-Identity-* header
    # of the client; nginx adds and removes nothing itself: only
    # proxy_set_header decides what the upstream gets (docs/nginx.md)
    $add->('spoofed X-Cognito-Identity-Role (no RequestHeader sets it)',
           { path => "/mybucket/$ME/a", headers => [@$auth, ['X-Cognito-Identity-Role' => 'arn:aws:iam::1:role/dead']] },
           undef, nginx => undef, apache => $spoof_check);
    $add->('spoofed Cognito-Identity-Id',
           { path => "/mybucket/$ME/a", headers => [@$auth, ['Cognito-Identity-Id' => SPOOF]] },
           undef, nginx => undef, apache => $spoof_check);
    $add->('CORS preflight without a token (preflight not enabled)',
           { method => 'OPTIONS', path => "/mybucket/$ME/a",
             headers => [[Origin => 'https://evil.example'], ['Access-Control-Request-Method' => 'GET']] },
           no_token());
    $add->('spoofed identity header without a token',
           { path => "/mybucket/$SPOOF/a", headers => [['X-Cognito-Identity-Id' => SPOOF]] },
           no_token());

    # ------------------------------------------------ credential proxy
    # nginx only (httpd has no credential proxy): hostile requests to
    # cognito_identity_credentials, and upstreams that are slow, dead,
    # oversized, malformed, truncated, resetting and redirecting (the
    # runner's /creds/FAULT/ locations, see t/attack/nginx.t)
    $cat = 'credential proxy';

    my $cred = sub {
        my ($name, $path, $op, $body, $status, $type, $msg) = @_;
        my %a = (status => $status, absent => ['x-identity']);
        $a{body} = qq({"__type":"$type","message":"$msg"}) if defined $msg;
        $add->($name, { method => 'POST', path => $path,
                        headers => [['Content-Type' => 'application/x-amz-json-1.1'],
                                    (defined $op ? (['X-Amz-Target' => "AWSCognitoIdentityService.$op"]) : ())],
                        body => $body },
               undef, nginx => \%a, apache => undef);
    };
    my $creds_req = qq({"IdentityId":"$ME"});
    my $upstream_failed = 'The identity service upstream failed.';

    $add->('a valid request is relayed (control)',
           { method => 'POST', path => '/creds/ok/',
             headers => [['Content-Type' => 'application/x-amz-json-1.1'],
                         ['X-Amz-Target' => 'AWSCognitoIdentityService.GetCredentialsForIdentity']],
             body => $creds_req },
           undef, nginx => { status => 200, upstream => 0, absent => ['x-identity'] },
           apache => undef);

    $cred->('identity id with dot segments', '/creds/ok/', 'GetCredentialsForIdentity',
            '{"IdentityId":"eu-west-1:../../../../etc/passwd/xxxxxxxxxxxxxxxx"}',
            400, 'InvalidParameterException', 'IdentityId is required and must be REGION:UUID.');
    $cred->('identity id as an object', '/creds/ok/', 'GetCredentialsForIdentity',
            '{"IdentityId":{"$ne":null}}',
            400, 'InvalidParameterException', 'IdentityId is required and must be REGION:UUID.');
    $cred->('identity of a region not served', '/creds/ok/', 'GetCredentialsForIdentity',
            '{"IdentityId":"us-east-1:9539224f-5cd4-4923-a426-d6078ef34b7a"}',
            404, 'ResourceNotFoundException', 'Identity not found.');
    $cred->('another pool in GetId', '/creds/ok/', 'GetId',
            '{"IdentityPoolId":"eu-west-1:00000000-0000-4000-8000-000000000000"}',
            404, 'ResourceNotFoundException', 'IdentityPool not found.');
    $cred->('Logins token of another identity', '/creds/ok/', 'GetCredentialsForIdentity',
            qq({"IdentityId":"$ME","Logins":{"cognito-identity.amazonaws.com":") . jws(claims => { sub => $OTHER }) . '"}}',
            403, 'NotAuthorizedException', 'The token is not for this identity or pool.');
    $cred->('Logins token that is not a JWS', '/creds/ok/', 'GetCredentialsForIdentity',
            qq({"IdentityId":"$ME","Logins":{"cognito-identity.amazonaws.com":"\u0000"}}),
            403, 'NotAuthorizedException', 'The token is not for this identity or pool.');
    $cred->('duplicate IdentityId members', '/creds/ok/', 'GetCredentialsForIdentity',
            qq({"IdentityId":"$OTHER","IdentityId":"$ME"}),
            400, 'InvalidParameterException', 'The request body must be a JSON object of at most 64 KiB.');
    $cred->('body nested 100 deep', '/creds/ok/', 'GetCredentialsForIdentity',
            '{"a":' . ('[' x 100) . (']' x 100) . '}',
            400, 'InvalidParameterException', 'The request body must be a JSON object of at most 64 KiB.');
    $cred->('body a JSON array', '/creds/ok/', 'GetCredentialsForIdentity', "[$creds_req]",
            400, 'InvalidParameterException', 'The request body must be a JSON object of at most 64 KiB.');
    $cred->('body of 70000 bytes', '/creds/ok/', 'GetCredentialsForIdentity',
            qq({"IdentityId":"$ME","x":") . ('A' x 70000) . '"}',
            400, 'InvalidParameterException', 'The request is too large.');
    $cred->('an operation not served', '/creds/ok/', 'DeleteIdentityPool',
            '{"IdentityPoolId":"' . POOL . '"}',
            400, 'UnknownOperationException', 'This operation is not served here.');
    $cred->('no X-Amz-Target', '/creds/ok/', undef, $creds_req, 400, 'InvalidParameterException');
    $cred->('upstream slow past its timeout', '/creds/slow/', 'GetCredentialsForIdentity',
            $creds_req, 504, 'InternalErrorException', $upstream_failed);
    $cred->('upstream dead (connection refused)', '/creds/dead/', 'GetCredentialsForIdentity',
            $creds_req, 502, 'InternalErrorException', $upstream_failed);
    $cred->('upstream answer oversized', '/creds/big/', 'GetCredentialsForIdentity',
            $creds_req, 502, 'InternalErrorException', $upstream_failed);
    $cred->('upstream answer malformed', '/creds/garbage/', 'GetCredentialsForIdentity',
            $creds_req, 502, 'InternalErrorException', $upstream_failed);
    $cred->('upstream answer truncated', '/creds/trunc/', 'GetCredentialsForIdentity',
            $creds_req, 502, 'InternalErrorException', $upstream_failed);
    $cred->('upstream resets the connection', '/creds/reset/', 'GetCredentialsForIdentity',
            $creds_req, 502, 'InternalErrorException', $upstream_failed);
    $cred->('upstream redirects to another host', '/creds/redirect/', 'GetCredentialsForIdentity',
            $creds_req, 502, 'InternalErrorException', $upstream_failed);
    $cred->('upstream 500 with credentials in the body', '/creds/s500/', 'GetCredentialsForIdentity',
            $creds_req, 502, 'InternalErrorException', $upstream_failed);

    return @cases;
}

# ------------------------------------------------------------ pipelines

sub attack_pipelines {
    my $valid = jws();
    my ($h, $p) = split /\./, $valid;
    my $ME = ME;
    my $OTHER = OTHER;
    my $auth = bearer($valid);
    my $own = "/mybucket/$ME/a";
    return (
        { cat => 'headers', name => 'keep-alive: no token after a valid one',
          reqs => [{ path => $own, headers => $auth }, { path => $own }],
          expect => [passed($own), no_token()] },
        { cat => 'headers', name => 'keep-alive: another identity\'s path, no token, after a valid one',
          reqs => [{ path => $own, headers => $auth }, { path => "/mybucket/$OTHER/a" }],
          expect => [passed($own), no_token()] },
        { cat => 'headers', name => 'keep-alive: a forged token after a valid one',
          reqs => [{ path => $own, headers => $auth },
                   { path => $own, headers => bearer("$h.$p." . b64url("\xff" x 256)) }],
          expect => [passed($own), refused('signature does not verify')] },
        { cat => 'headers', name => 'keep-alive: the cookie location without a cookie after one with it',
          reqs => [{ path => '/cookie/x', headers => [[Cookie => "token=$valid"]] }, { path => '/cookie/y' }],
          expect => [passed('/cookie/x'), no_token()] },
        { cat => 'headers', name => 'keep-alive: a valid token after a refused one',
          reqs => [{ path => $own, headers => bearer("$h.$p.AAAA") }, { path => $own, headers => $auth }],
          expect => [refused('signature of 3 bytes'), passed($own)] },
    );
}

# The responses in $data, one after the other.
sub _split_responses {
    my ($data) = @_;
    my @out;
    while (length $data) {
        my $i = index($data, "\r\n\r\n");
        last if $i < 0;
        my $head = substr($data, 0, $i + 4);
        my $rest = substr($data, $i + 4);
        my $len = length $rest;
        if ($head =~ /^Transfer-Encoding:[ \t]*chunked/mi) {
            my $pos = 0;
            while ($rest =~ /\G([0-9a-fA-F]+)[^\r\n]*\r\n/gc) {
                my $n = hex $1;
                $pos = pos($rest) + $n + 2;
                last if $n == 0;
                pos($rest) = $pos;
            }
            $len = $pos;
        } elsif ($head =~ /^Content-Length:[ \t]*(\d+)/mi) {
            $len = $1;
        }
        push @out, CigTest::Nginx::parse_response($head . substr($rest, 0, $len));
        $data = substr($rest, $len);
    }
    return @out;
}

{
    package CigAttacks::Replay;    # a "server" answering from recorded responses
    sub new { bless { r => $_[1] }, $_[0] }
    sub request { shift @{ $_[0]{r} } }
}

sub attack_pipeline_check {
    my ($srv, $c, $server) = @_;
    my $answers = exists $c->{$server} ? $c->{$server} : $c->{expect};
    return 0 unless $answers;
    my @reqs = @{ $c->{reqs} };
    my $bytes = '';
    for my $i (0 .. $#reqs) {
        my $r = $reqs[$i];
        my @pairs = ([Host => 'localhost'], @{ $r->{headers} || [] },
                     ($i == $#reqs ? ([Connection => 'close']) : ()));
        $bytes .= ($r->{method} // 'GET') . " $r->{path} HTTP/1.1\r\n"
               . join('', map { "$_->[0]: $_->[1]\r\n" } @pairs) . "\r\n";
    }
    my @rounds = map { [_split_responses($srv->raw($bytes)->{raw})] } 1, 2;
    my $todo = $c->{todo} ? $c->{todo}{$server} : undef;
    for my $i (0 .. $#reqs) {
        my ($check) = attack_check({ name => $c->{name}, req => $reqs[$i],
                                     expect => $answers->[$i] }, $server);
        my $replay = CigAttacks::Replay->new([map { $_->[$i] // { status => 0, headers => {}, body => '' } } @rounds]);
        local $CigAttacks::TODO = $todo;
        CigTest::check($replay, $check, "$c->{cat}: $c->{name}: request " . ($i + 1));
    }
    return 1;
}

# --------------------------------------------------------------- checks

sub _answer {
    my ($c, $server) = @_;
    return $c->{$server} if exists $c->{$server};
    return $c->{expect};
}

sub attack_check {
    my ($c, $server) = @_;
    my $a = _answer($c, $server) or return;
    my $r = $c->{req};
    my %check = (method => $r->{method} // 'GET', path => $r->{path},
                 headers => $r->{headers} // [], body => $r->{body},
                 status => $a->{status});
    my $SPOOFED = qr/dead/;

    if ($a->{status} == 401) {
        die "$c->{name}: a 401 needs invalid_token => 0 or 1"
            unless defined $a->{invalid_token};
        $check{headers_like}{'www-authenticate'} = $a->{invalid_token}
            ? qr/^Bearer realm="[^"]+", error="invalid_token"$/
            : qr/^Bearer realm="[^"]+"$/;
    } else {
        push @{ $check{headers_absent} }, 'www-authenticate';
    }
    $check{headers_like}{'x-error'} = $a->{why} if $a->{why};
    push @{ $check{headers_absent} }, @{ $a->{absent} || [] };
    $check{body_is} = $a->{body} if defined $a->{body};
    if ($a->{identity}) {
        $check{headers_like}{'x-identity'} = ME;
    } elsif ($a->{status} == 401) {
        push @{ $check{headers_absent} }, 'x-identity';
    }

    if ($a->{upstream} // 0) {
        my $id = ME;
        my $uri = defined $a->{uri} ? qr/\Q$a->{uri}\E/ : qr/\S+/;
        $check{body_like} = qr/\Aupstream $uri\n(?:.*\n)*HTTP_X_COGNITO_IDENTITY_ID=\Q$id\E\n/;
        $check{body_unlike} = $SPOOFED;
    } else {
        $check{body_unlike} = qr/^upstream /m;
    }

    my $todo = $c->{todo} ? $c->{todo}{$server} : undef;
    return (\%check, $todo);
}

sub attack_count_by_category {
    my (@cases) = @_;
    my %n;
    $n{ $_->{cat} }++ for @cases;
    return \%n;
}

1;
