# SPDX-License-Identifier: BSD-2-Clause
package CigTarget;

# CigTarget - an independent reading of S3 request targets, for the
# differential tests of target integrity (t/nginx/81-target-integrity.t,
# t/apache/85-target-integrity.t).  Written from the S3 API reference and
# RFC 3986, not from the module's code: what the module forwards is read
# again here, the S3 action recomputed, and the SigV4 signature checked.
# Core Perl only.
#
#   canonical($target)   -> the target as S3's SDKs would encode it (each
#                           path segment and query name/value decoded once,
#                           UriEncoded once, '+' in the query a space, order
#                           and "name" / "name=value" kept), or undef when
#                           the target cannot be read one way
#   s3_action($method, $target, $bucket_fixed)
#                        -> (action, bucket, key, \%params): the operation
#                           S3 would perform for the forwarded target, or
#                           action 'other' for anything the tests' policy
#                           never allows
#   policy_allows($action, $key, \%params, $id)
#                        -> true if examples/policies/per-user-files.json
#                           allows it for identity $id (bucket "files")
#   sigv4_check(%o)      -> '' if the Authorization header is a valid SigV4
#                           signature (UNSIGNED-PAYLOAD) of method, target as
#                           sent, host and x-amz-date; else why not
#   hostile_targets($seed, $n, \@ids)
#                        -> ([method, target], ...): fixed attack targets
#                           and $n random combinations of hostile pieces
#   differential(%o)     -> (\@problems, \%count_by_status, $forwarded):
#                           sends each of $o{targets} with $o{send}->($method,
#                           $target) (a response as CigTest's raw() gives it,
#                           from a gateway in front of a recording upstream
#                           that sets X-Upstream and answers the request line,
#                           Host, Authorization, x-amz-date), and checks each:
#                           refused (400/403/404/405/414, not forwarded), or
#                           forwarded as canonical($target), for an action
#                           policy_allows for $o{id}, with a valid signature
#                           when $o{secret} is given

use strict;
use warnings;

use Digest::SHA qw(sha256_hex hmac_sha256 hmac_sha256_hex);
use Exporter 'import';

our @EXPORT = qw(canonical s3_action policy_allows sigv4_check
                 hostile_targets differential);

sub _decode {
    my ($s, $query) = @_;
    return undef if $s =~ /%(?![0-9A-Fa-f]{2})/;
    $s =~ tr/+/ / if $query;
    $s =~ s/%([0-9A-Fa-f]{2})/chr(hex $1)/ge;
    return $s;
}

sub _encode {
    my ($s, $keep_slash) = @_;
    my $re = $keep_slash ? qr{[^A-Za-z0-9\-._~/]} : qr{[^A-Za-z0-9\-._~]};
    $s =~ s/($re)/sprintf('%%%02X', ord $1)/ge;
    return $s;
}

# The strict reading: what could be read two ways is undef.
sub canonical {
    my ($t) = @_;
    return undef unless $t =~ m{^/};
    return undef if $t =~ /#/;
    my ($path, $query) = split /\?/, $t, 2;
    return undef if $path =~ /[\x00-\x20\x7f\\]/;
    my $p = _decode($path, 0);
    return undef unless defined $p;
    return undef if $p =~ m{[\x00-\x1f\x7f%\\?#]};
    return undef if $path =~ m{%2[fF]};
    return undef if grep { $_ eq '.' || $_ eq '..' } split m{/}, $p, -1;
    return undef unless _utf8_ok($p);
    my $out = _encode($p, 1);
    return $out unless defined $query;
    return undef if $query =~ /[;#\x00-\x20\x7f\\]/;
    my (@pairs, %seen);
    for my $piece (split /&/, $query, -1) {
        next if $piece eq '';
        my ($n, $v) = split /=/, $piece, 2;
        my $dn = _decode($n, 1);
        return undef unless defined $dn && length $dn;
        return undef if $seen{$dn}++;
        my $dv;
        if (defined $v) {
            $dv = _decode($v, 1);
            return undef unless defined $dv;
        }
        for ($dn, defined $dv ? $dv : ()) {
            return undef if /[\x00-\x1f\x7f%]/ || !_utf8_ok($_);
        }
        push @pairs, _encode($dn, 0) . (defined $dv ? '=' . _encode($dv, 0) : '');
    }
    return undef if @pairs > 32;
    return @pairs ? "$out?" . join('&', @pairs) : $out;
}

sub _utf8_ok {
    my ($s) = @_;
    return 1 if $s !~ /[\x80-\xff]/;
    my $copy = $s;
    return utf8::decode($copy) && $copy !~ /[\x{d800}-\x{dfff}]/;
}

# S3 operation of a forwarded target: path-style, or /KEY under a bucket.
sub s3_action {
    my ($method, $t, $fixed) = @_;
    my ($path, $query) = split /\?/, $t, 2;
    my $p = _decode($path, 0);
    my ($bucket, $key);
    if (defined $fixed) {
        ($bucket, $key) = ($fixed, substr($p, 1));
    } else {
        (undef, $bucket, $key) = split m{/}, $p, 3;
        $key //= '';
    }
    my %q;
    for my $piece (split /&/, $query // '') {
        next if $piece eq '';
        my ($n, $v) = split /=/, $piece, 2;
        $q{_decode($n, 1)} = defined $v ? _decode($v, 1) : undef;
    }
    my @subs = grep { exists $q{$_} } qw(acl attributes cors delete encryption
        inventory lifecycle location logging metrics notification object-lock
        ownershipControls policy policyStatus publicAccessBlock replication
        requestPayment restore retention legal-hold select tagging torrent
        uploadId uploads versioning versions website analytics accelerate
        intelligent-tiering);
    my $object = length $key;
    my %known = map { $_ => 1 } qw(x-id);
    my $action = 'other';
    if (!@subs) {
        if ($object) {
            if ($method eq 'GET' || $method eq 'HEAD') {
                $action = exists $q{versionId} ? 'GetObjectVersion' : 'GetObject';
                $known{$_} = 1 for qw(versionId partNumber), grep { /^response-/ } keys %q;
            } elsif ($method eq 'PUT') {
                $action = 'PutObject';
            } elsif ($method eq 'DELETE') {
                $action = exists $q{versionId} ? 'DeleteObjectVersion' : 'DeleteObject';
                $known{versionId} = 1;
            }
        } elsif ($method eq 'GET' || $method eq 'HEAD') {
            $action = 'ListBucket';
            $known{$_} = 1 for qw(prefix delimiter max-keys marker
                continuation-token start-after encoding-type fetch-owner list-type);
        }
    } elsif (@subs == 1 && $object) {
        my $s = $subs[0];
        if ($s eq 'uploadId' && $method eq 'PUT') {
            ($action, %known) = ('PutObject', %known, uploadId => 1, partNumber => 1);
        } elsif ($s eq 'uploadId' && $method eq 'POST') {
            ($action, %known) = ('PutObject', %known, uploadId => 1);
        } elsif ($s eq 'uploads' && $method eq 'POST') {
            ($action, %known) = ('PutObject', %known, uploads => 1);
        } elsif ($s eq 'select' && $method eq 'POST') {
            # SelectObjectContent: "you must have s3:GetObject permission"
            ($action, %known) = ('GetObject', %known, select => 1,
                                 'select-type' => 1);
        }
    }
    # a parameter S3 might act on that the operation does not take
    for (keys %q) { $action = 'other' unless $known{$_} }
    return ($action, $bucket, $key, \%q);
}

sub policy_allows {
    my ($action, $bucket, $key, $q, $id) = @_;
    return 0 unless $bucket eq 'files';
    if ($action eq 'ListBucket') {
        return defined $q->{prefix} && index($q->{prefix}, "$id/") == 0;
    }
    return 0 unless $action =~ /^(GetObject|PutObject|DeleteObject)$/;
    return index($key, "$id/") == 0;
}

sub _query_canon {
    my ($query) = @_;
    my @p;
    for my $piece (split /&/, $query // '') {
        next if $piece eq '';
        my ($n, $v) = split /=/, $piece, 2;
        push @p, [ _encode(_decode($n, 1), 0), _encode(_decode($v // '', 1), 0) ];
    }
    return join '&', map { "$_->[0]=$_->[1]" }
        sort { $a->[0] cmp $b->[0] || $a->[1] cmp $b->[1] } @p;
}

sub sigv4_check {
    my (%o) = @_;    # method target host date auth secret region
    my $auth = $o{auth} // '';
    my ($akid, $day, $region, $service, $signed, $sig) = $auth =~
        m{^AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$}
        or return "not a SigV4 Authorization: $auth";
    return "scope date $day is not x-amz-date's" unless substr($o{date}, 0, 8) eq $day;
    my %h = (host => $o{host}, 'x-amz-date' => $o{date},
             'x-amz-content-sha256' => 'UNSIGNED-PAYLOAD');
    my @names = split /;/, $signed;
    for (@names) { return "signed header $_ unknown here" unless exists $h{$_} }
    my ($path, $query) = split /\?/, $o{target}, 2;
    my $creq = join "\n", $o{method}, $path, _query_canon($query),
        (map { "$_:$h{$_}" } @names), '', $signed, 'UNSIGNED-PAYLOAD';
    my $scope = "$day/$region/$service/aws4_request";
    my $sts = join "\n", 'AWS4-HMAC-SHA256', $o{date}, $scope, sha256_hex($creq);
    my $k = hmac_sha256($day, "AWS4$o{secret}");
    $k = hmac_sha256($region, $k);
    $k = hmac_sha256($service, $k);
    $k = hmac_sha256('aws4_request', $k);
    my $want = hmac_sha256_hex($sts, $k);
    return $want eq $sig ? '' : "signature mismatch for canonical request:\n$creq";
}

# Hostile targets: fixed attacks, then random mixes of the pieces.
sub hostile_targets {
    my ($seed, $n, $ids) = @_;
    my ($me, $other) = @$ids;
    (my $me_enc = $me) =~ s/:/%3A/;
    (my $other_enc = $other) =~ s/:/%3A/;

    my @fixed = (
        [ GET => "/files/$me/x?#&acl" ],
        [ GET => "/files/$me_enc/x?#&acl" ],
        [ PUT => "/files/$me/x?#&acl" ],
        [ GET => "/files?#&policy" ],
        [ GET => "/files?list-type=2&prefix=$me_enc%2F#&acl" ],
        [ GET => "/files/$me/x#/../../$other/y" ],
        [ GET => "/files/$me/x?a;acl" ],
        [ GET => "/files/$me/x?x-id=GetObject;acl" ],
        [ GET => "/files/$me/x?acl" ],
        [ GET => "/files/$me/x?ACL" ],
        [ GET => "/files/$me/x?%61cl" ],
        [ GET => "/files/$me/x?x-id=GetObject" ],
        [ GET => "/files/$me/x?acl&acl" ],
        [ GET => "/files/$me/x?=acl" ],
        [ GET => "http://localhost/files/$me/x?acl" ],
        [ GET => "http://localhost/files/$me/x" ],
        [ GET => "/files/$me/x?tagging" ],
        [ PUT => "/files/$me/x?retention" ],
        [ PUT => "/files/$me/x?legal-hold" ],
        [ GET => "/files/$me/%2e%2e/$other/x" ],
        [ GET => "/files/$me/..%2F$other/x" ],
        [ GET => "/files/$me/x?response-content-type=text/plain" ],
        [ GET => "/files?list-type=2&prefix=$me/" ],
        [ GET => "/files?list-type=2&prefix=$other/" ],
        [ GET => "/files?list-type=2&prefix=$me/&prefix=$other/" ],
        [ GET => '/files/' . $me . '/' . ('a' x 20000) ],
    );

    my @paths = ("/files/$me/x", "/files/$me_enc/x", "/files/$me/a+b c",
        "/files/$me/a%20b", "/files/$me/a%2Bb", "/files/$me/%E2%82%AC",
        "/files/$me/\xe2\x82\xac", "/files/$me/a;b", "/files/$me/a:b\@c!",
        "/files/$other/x", "/files/$other_enc/x", "/files", "/files/",
        "/files/$me/", "/files//$me/x", "/files/$me/./x", "/files/$me/%2e/x",
        "/files/$me/a%2fb", "/files/$me/a%5cb", "/files/$me/a%25b",
        "/files/$me/a%00b", "/files/$me/%C0%AF", "/files/$me/a#b",
        "/files/$me/x#", "/Files/$me/x", "/files/\u$me/x", "/files/$me/%7e",
        "/files/$me/x%3Facl", "/files/$me/x%23acl", "/files/$me/x%",
        "/files/$me/x%4", "/files/$me/%zz", "/files/$me/x\\y",
        "/other-bucket/$me/x");
    my @params = ('', 'acl', 'acl=', 'ACL', 'Acl', 'acl=x', '%61cl', 'a%63l',
        'tagging', 'TAGGING', 'versionId=1', 'versionId=', 'x-id=GetObject',
        'x-id=PutObject', 'x-id', 'uploads', 'uploadId=abc', 'partNumber=1',
        'policy', 'cors', 'retention', 'legal-hold', 'attributes', 'torrent',
        'delete', 'restore', 'select', 'select-type=2', 'list-type=2',
        "prefix=$me/", "prefix=$me_enc%2F", "prefix=$other/", 'prefix=',
        'delimiter=/', 'max-keys=5', 'response-content-type=a/b',
        'response-content-disposition=attachment;x', '#', '#&acl', 'a#b',
        ';acl', 'a;b', '=', '=acl', '&', '+acl', 'acl+', 'a+b=c+d', '%2B=%2B',
        'a=%', 'a=%zz', 'a=%00', 'a=%C0%AF', "a=\x01", 'a=b c',
        'a%3Dacl', 'a=b%26acl', 'a=b%23acl', 'a=b%3Bacl', 'a=b&acl',
        'response-content-type=x&acl', 'x-amz-meta-a=1', 'X-Amz-Expires=5',
        'X-Amz-Signature=00');
    my @methods = qw(GET GET GET PUT PUT DELETE POST);

    my @out = @fixed;
    srand($seed);
    for (1 .. $n) {
        my $t = $paths[int rand @paths];
        my $k = int rand 4;
        if ($k) {
            my @q = map { $params[int rand @params] } 1 .. $k;
            $t .= '?' . join('&', @q);
        } elsif (rand() < 0.2) {
            $t .= '?';
        }
        push @out, [ $methods[int rand @methods], $t ];
    }
    return @out;
}

sub differential {
    my (%o) = @_;
    my (%by_status, @bad);
    my $forwarded = 0;

    for my $t (@{ $o{targets} }) {
        my ($method, $target) = @$t;
        my $r = $o{send}->($method, $target);
        my $st = $r->{status};
        $by_status{$st}++;
        my $shown = $target =~ s/([^\x21-\x7e])/sprintf('\\x%02x', ord $1)/ger;
        $shown = substr($shown, 0, 200) . '...' if length $shown > 200;

        if (!$r->{headers}{'x-upstream'}) {
            push @bad, "$method $shown: $st, expected 400 or 403"
                unless $st =~ /^(400|403|404|405|414)$/;
            next;
        }

        $forwarded++;
        my ($line, $host, $auth, $date) = split /\n/, $r->{body};
        my ($fm, $ft) = ($line // '') =~ m{^(\S+) (\S+) HTTP/1\.[01]$}
            or do { push @bad, "$method $shown: forwarded line unreadable"; next };
        my $want = canonical($target);

        if (!defined $want) {
            push @bad, "$method $shown: forwarded as $ft, but it reads two ways";
            next;
        }
        if ($ft ne $want || $fm ne $method) {
            push @bad, "$method $shown: forwarded as $fm $ft, authorized as $want";
            next;
        }

        my ($action, $bucket, $key, $q) = s3_action($fm, $ft);
        if (!policy_allows($action, $bucket, $key, $q, $o{id})) {
            push @bad, "$method $shown: forwarded, but S3 would do $action on "
                . "$bucket/$key, which the policy does not allow";
            next;
        }

        next unless defined $o{secret};
        my $why = sigv4_check(method => $fm, target => $ft, host => $host,
                              date => $date, auth => $auth,
                              secret => $o{secret});
        push @bad, "$method $shown: $why" if $why;
    }

    return (\@bad, \%by_status, $forwarded);
}

1;
