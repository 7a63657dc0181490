# SPDX-License-Identifier: BSD-2-Clause
package CigCases;

# CigCases - case tables and case-to-request code shared by the nginx and the
# Apache httpd tests, so both servers run exactly the same cases.  Core Perl
# only.  What differs between the servers (configuration, paths, statuses
# one server answers differently, extra cases) stays in the test files.
#
#   use lib 't/lib';
#   use CigCases;
#
# Token validation rules (t/nginx/10-token-rules.t, t/apache/10-token-rules.t):
#   INVALID_TOKEN           qr// of the WWW-Authenticate value of a bad token
#                           (realm "api")
#   token_rule_cases()      -> ([name, cognito_token options, status,
#                               error substring (401 only)], ...); built on
#                               each call, from time() and CigToken's constants
#   token_rule_request($case)
#                           -> {..} for check(): GET /index.html with a token
#                              minted from the case's options (at call time),
#                              and the expected status; a 401 also expects
#                              WWW-Authenticate INVALID_TOKEN, X-Error and the
#                              error log line with the reason, no X-Identity;
#                              a 200 expects X-Identity IDENTITY, body "ok\n"
#   tampered_tokens()       -> ([name, token], ...), sorted by name: malformed
#                              tokens built from one valid token
#   tampered_request($token)
#                           -> {..} for check(): GET /index.html with it,
#                              401 and WWW-Authenticate INVALID_TOKEN
#
# Decision cases (t/decisions/*.json; t/nginx/61-decisions.t,
# t/apache/40-decisions.t):
#   DECISION_ROLE           the role ARN the test configurations map to
#   decision_files()        -> ([file name, decoded document], ...), sorted
#   decision_local($case)   true if the case can go through a server here
#                           (from 127.0.0.1 over plain HTTP)
#   decision_request($case) -> {method, path, headers, body} for check(): the
#                              path (and query) and headers as the bytes the
#                              case spells, a Bearer token with its claims
#                              (minted once per distinct claims), a body for
#                              PUT and POST (the case's own, with its Content-MD5,
#                              when it has one)
#   decision_expectation($case, bad_request => $status)
#                           -> {..} expectations for check(), or undef for an
#                              unknown "expect": allow 200, deny/explicit-deny
#                              403 with X-Decision, refused 403 without it,
#                              bad-request $status (as the server answers it);
#                              X-Statement when the case names a statement

use strict;
use B ();
use warnings;

use Carp qw(croak);
use Digest::MD5 ();
use MIME::Base64 ();
use Exporter 'import';
use JSON::PP;

use CigTest -nomodule;
use CigToken;

our @EXPORT = qw(INVALID_TOKEN token_rule_cases token_rule_request
                 tampered_tokens tampered_request
                 DECISION_ROLE decision_files decision_local
                 decision_request decision_expectation);

use constant INVALID_TOKEN => qr/^Bearer realm="api", error="invalid_token"$/;
use constant DECISION_ROLE => 'arn:aws:iam::123456789012:role/DecisionCases';

# ---------------------------------------------------------- token rules

# when token_rule_cases() built its times; token_rule_request() moves them
# by the time since, so that "within leeway" stays within it however slowly
# the cases run (valgrind)
my $CASES_BUILT;

sub token_rule_cases {
    my $now = time();
    $CASES_BUILT = $now;

    # [name, token options, expected status, error substring (for failures)]
    return (
    # accepted shapes
    ['authenticated identity', {}, 200],
    ['guest identity (guests on here)',
        { claims => { amr => ['unauthenticated'] } }, 200],
    ['typ absent', { header => { kid => 'test-1', alg => 'RS512' } }, 200],
    ['typ JWT', { header => { kid => 'test-1', alg => 'RS512',
                              typ => 'JWT' } }, 200],
    ['second pool', { claims => { aud => POOL2 } }, 200],
    ['second key of the set', { key => 'k2',
        header => { kid => 'test-2', typ => 'JWS', alg => 'RS512' } }, 200],
    ['4096-bit key from a second key file', { key => 'k4096',
        header => { kid => 'test-4096', typ => 'JWS', alg => 'RS512' } }, 200],
    ['exp within leeway', { claims => { exp => $now - 5 } }, 200],
    ['nbf within leeway', { claims => { nbf => $now + 5 } }, 200],
    ['iat within leeway', { claims => { iat => $now + 5 } }, 200],
    ['exp 24 h after iat', { claims => { exp => $now + 86400,
                                        iat => $now } }, 200],
    ['amr with only "authenticated"',
        { claims => { amr => ['authenticated'] } }, 200],

    # header and algorithm
    ['alg RS256 with an RS512 key set',
        { header => { kid => 'test-1', alg => 'RS256' }, alg => 'RS256' },
        401, 'algorithm "RS256" is not allowed'],
    ['alg none', { header => { kid => 'test-1', alg => 'none' },
        alg => 'RS512' }, 401, 'algorithm "none" is not allowed'],
    ['alg NONE', { header => { kid => 'test-1', alg => 'NONE' },
        alg => 'RS512' }, 401, 'algorithm "NONE" is not allowed'],
    ['alg HS512', { header => { kid => 'test-1', alg => 'HS512' },
        alg => 'RS512' }, 401, 'algorithm "HS512" is not allowed'],
    ['alg missing', { header => { kid => 'test-1' }, alg => 'RS512' },
        401, 'no "alg"'],
    ['kid missing', { header => { alg => 'RS512' } }, 401, 'no "kid"'],
    ['kid unknown', { header => { kid => 'test-9', alg => 'RS512' } },
        401, 'unknown kid "test-9"'],
    ['kid of another key', { key => 'k2' }, 401, 'does not verify'],
    ['typ not a string', { raw_header =>
        '{"alg":"RS512","kid":"test-1","typ":7}' }, 401, '"typ" is not'],
    ['jwk header', { header => { kid => 'test-1', alg => 'RS512',
        jwk => { kty => 'RSA' } } }, 401, '"jwk" is not accepted'],
    ['jku header', { header => { kid => 'test-1', alg => 'RS512',
        jku => 'https://evil.example/jwks' } }, 401, '"jku" is not accepted'],
    ['crit header', { header => { kid => 'test-1', alg => 'RS512',
        crit => ['exp'] } }, 401, '"crit" is not accepted'],
    ['header with duplicate alg', { raw_header =>
        '{"alg":"RS512","kid":"test-1","alg":"RS512"}' }, 401, 'duplicate'],

    # claims
    ['issuer of another service', { claims => {
        iss => 'https://cognito-idp.eu-west-1.amazonaws.com/x' } },
        401, 'is not trusted'],
    ['issuer with a trailing slash', { claims => { iss => ISSUER . '/' } },
        401, 'is not trusted'],
    ['issuer missing', { claims => { iss => undef } }, 401, '"iss"'],
    ['aud of another pool', { claims => {
        aud => 'eu-west-1:00000000-0000-0000-0000-000000000000' } },
        401, 'not an allowed pool'],
    ['aud as an array', { claims => { aud => [POOL] } }, 401,
        '"aud" is not a string'],
    ['aud missing', { claims => { aud => undef } }, 401, '"aud" is missing'],
    ['exp missing', { claims => { exp => undef } }, 401, '"exp" is missing'],
    ['exp as a string', { claims => { exp => "" . ($now + 600) } }, 401,
        '"exp" is not a number'],
    ['expired beyond leeway', { claims => { exp => $now - 11 } }, 401,
        'expired'],
    ['nbf beyond leeway', { claims => { nbf => $now + 30 } }, 401,
        'not valid for another'],
    ['nbf not a number', { claims => { nbf => 'soon' } }, 401,
        '"nbf" is not a number'],
    ['iat in the future', { claims => { iat => $now + 60 } }, 401,
        'in the future'],
    ['iat missing', { claims => { iat => undef } }, 401, '"iat" is missing'],
    ['exp more than 24 h after iat', { claims => { exp => $now + 86411,
                                                  iat => $now } },
        401, 'more than 24 h after "iat"'],
    ['exp 1e300', { claims => { exp => 1e300 } }, 401,
        '"exp" is out of range'],
    ['sub missing', { claims => { sub => undef } }, 401, '"sub"'],
    ['sub not an identity id', { claims => { sub => 'alice' } }, 401,
        'not an identity id'],
    ['sub with a path', { claims => {
        sub => 'eu-west-1:../../9539224f-5cd4-4923-a426-d6078ef34b7a' } },
        401, 'not an identity id'],
    ['amr missing', { claims => { amr => undef } }, 401, '"amr" is missing'],
    ['amr a string', { claims => { amr => 'authenticated' } }, 401,
        'not an array'],
    ['amr empty', { claims => { amr => [] } }, 401, '0 entries'],
    ['amr contradictory', { claims => {
        amr => ['authenticated', 'unauthenticated'] } }, 401,
        'contradictory'],
    ['amr guest with extras', { claims => {
        amr => ['unauthenticated', 'graph.facebook.com'] } }, 401,
        'extra entries'],
    ['amr unknown kind', { claims => { amr => ['admin'] } }, 401,
        'neither'],
    ['payload with duplicate sub', { raw_claims =>
        '{"sub":"' . IDENTITY . '","sub":"eu-west-1:00000000-0000-0000-0000-'
        . '000000000000","aud":"' . POOL . '","amr":["unauthenticated"],'
        . '"iss":"' . ISSUER . '","exp":' . ($now + 600) . ',"iat":' . $now
        . '}' },
        401, 'duplicate'],
    ['payload not an object', { raw_claims => '[1,2]' }, 401,
        'not a JSON object'],
    );
}

sub token_rule_request {
    my ($case) = @_;
    my (undef, $opt, $status, $why) = @$case;
    my $shift = defined $CASES_BUILT ? time() - $CASES_BUILT : 0;
    if ($shift && $opt->{claims}) {
        my %c = %{ $opt->{claims} };
        for my $k (qw(exp nbf iat)) {
            my $v = $c{$k};
            next unless defined $v && !ref $v;
            # numbers only: a time written as a JSON string stays one
            my $flags = B::svref_2object(\$v)->FLAGS;
            next if ($flags & B::SVp_POK()) || !($flags & (B::SVp_IOK() | B::SVp_NOK()));
            $c{$k} = $v + $shift;
        }
        $opt = { %$opt, claims => \%c };
    }
    my $token = cognito_token(%$opt);
    my %expect = (status => $status);

    if ($status == 401) {
        $expect{headers_like} = { 'www-authenticate' => INVALID_TOKEN,
                                  'x-error' => qr/\Q$why\E/ };
        $expect{log_like} = qr/cognito identity: 401, .*\Q$why\E/;
        $expect{headers_absent} = ['x-identity'];
    } else {
        $expect{headers_like} = { 'x-identity' => IDENTITY };
        $expect{body_is} = "ok\n";
    }

    return { path => '/index.html',
             headers => { Authorization => "Bearer $token" },
             %expect };
}

# Structure: tampered tokens built from a valid one.
sub tampered_tokens {
    my ($h, $p, $s) = split /\./, cognito_token();
    my %tampered = (
        'two parts'              => "$h.$p",
        'four parts'             => "$h.$p.$s.$s",
        'empty signature'        => "$h.$p.",
        'empty header'           => ".$p.$s",
        'padding in signature'   => "$h.$p.$s=",
        'standard base64 char'   => "$h.$p." . substr($s, 0, -2) . '+/',
        'signature one byte short' => "$h.$p." . substr($s, 0, -4),
        'payload swapped'        => "$h." . b64url('{"sub":"x"}') . ".$s",
        'token over 16384 bytes' => "$h." . ('A' x 17000) . ".$s",
    );
    return map { [$_, $tampered{$_}] } sort keys %tampered;
}

sub tampered_request {
    my ($token) = @_;
    return { path => '/index.html',
             headers => { Authorization => "Bearer $token" },
             status => 401,
             headers_like => { 'www-authenticate' => INVALID_TOKEN } };
}

# ------------------------------------------------------------- decisions

my $json = JSON::PP->new->canonical(1);
my %token_for;

sub _token_for {
    my ($claims) = @_;
    my $key = $json->encode($claims);
    return $token_for{$key} //= cognito_token(claims => {%$claims});
}

sub decision_files {
    my $root = repo_root();
    my @files;
    for my $file (sort glob("$root/t/decisions/*.json")) {
        my $doc = do { local (@ARGV, $/) = $file; decode_json(<>) };
        (my $name = $file) =~ s{.*/}{};
        push @files, [$name, $doc];
    }
    return @files;
}

# The test client connects over plain HTTP from 127.0.0.1.
sub decision_local {
    my ($c) = @_;
    return ($c->{source_ip} // '127.0.0.1') eq '127.0.0.1' && !$c->{secure};
}

sub decision_request {
    my ($c) = @_;

    # requests go out as the bytes the case file spells
    my $path = $c->{path};
    $path .= "?$c->{query}" if defined $c->{query} && length $c->{query};
    utf8::encode($path);
    my %headers = %{ $c->{headers} // {} };
    utf8::encode($_) for values %headers;

    # a case's body (multi-object delete) with its Content-MD5, as S3 wants
    my $body = $c->{method} =~ /^(PUT|POST)$/ ? "x\n" : undef;
    if (defined $c->{body}) {
        $body = $c->{body};
        utf8::encode($body);
        $headers{'Content-MD5'} = MIME::Base64::encode_base64(
            Digest::MD5::md5($body), '');
    }

    return { method => $c->{method}, path => $path,
             headers => { Authorization => 'Bearer ' . _token_for($c->{claims}),
                          %headers },
             body => $body };
}

sub decision_expectation {
    my ($c, %o) = @_;
    my %expect;
    my $e = $c->{expect};

    if ($e eq 'allow') {
        %expect = (status => 200, headers_like => { 'x-decision' => 'allow' });
    } elsif ($e eq 'deny' || $e eq 'explicit-deny') {
        %expect = (status => 403, headers_like => { 'x-decision' => $e });
    } elsif ($e eq 'refused') {
        %expect = (status => 403, headers_absent => ['x-decision']);
    } elsif ($e eq 'bad-request') {
        croak 'decision_expectation: bad_request => status needed'
            unless exists $o{bad_request};
        %expect = (status => $o{bad_request});
    } else {
        return undef;
    }

    if (defined $c->{statement} && $e ne 'bad-request') {
        $expect{headers_like}{'x-statement'} = "$c->{statement}";
    }
    return \%expect;
}

1;
