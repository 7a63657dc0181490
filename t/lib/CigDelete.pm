# SPDX-License-Identifier: BSD-2-Clause
package CigDelete;

# CigDelete - the multi-object delete cases (POST /mybucket?delete) that
# t/nginx/81-s3-multi-delete.t and t/apache/81-s3-multi-delete.t both run
# against a gateway in front of a recording store (t/lib/CigRecorder.pm),
# with t/policies/s3-per-user-delete.json.
#
#   CigDelete::setup(srv => $server, rec => $recorder, token => $bearer,
#                    http => '1.0' | '1.1')   # the version the proxy speaks
#   body_of(@keys)       -> the XML body; a key may be [key, version id]
#   post($path, $body, host => ...)          -> response (Content-MD5 set)
#   through($name, $path, $body, $status, decision => ..., body_like => ...,
#           http => ...) -> response; checks the store got the same target
#                           and body (200) or nothing
#   shared_cases()       the raw-request cases both servers answer alike

use strict;
use warnings;

use Digest::MD5 qw(md5);
use Exporter 'import';
use MIME::Base64 qw(encode_base64);
use Test::More;

use CigToken;

our @EXPORT = qw(body_of post through shared_cases);

my $ME = IDENTITY;
my $OTHER = 'eu-west-1:9539224f-5cd4-4923-a426-d6078ef34b7b';
my $NS = 'http://s3.amazonaws.com/doc/2006-03-01/';
my $XML400 = qr{^<\?xml version="1\.0" encoding="UTF-8"\?>\n<Error><Code>MalformedXML</Code>};
my ($srv, $rec, $token, $HTTP);

sub setup {
    my (%o) = @_;
    ($srv, $rec, $token, $HTTP) = @o{qw(srv rec token http)};
}

sub body_of {
    my (@objs) = @_;
    return qq{<?xml version="1.0" encoding="UTF-8"?>\n<Delete xmlns="$NS">}
         . join('', map { ref $_ ? "<Object><Key>$_->[0]</Key><VersionId>$_->[1]</VersionId></Object>"
                                 : "<Object><Key>$_</Key></Object>" } @objs)
         . '</Delete>';
}

sub post {
    my ($path, $body, %o) = @_;
    my %h = (Authorization => "Bearer $token",
             'Content-MD5' => encode_base64(md5($body), ''),
             'Content-Type' => 'application/xml');
    $h{Host} = $o{host} if $o{host};
    return $srv->request('POST', $path, \%h, $body);
}

# Sends, and checks what the store got: the same target and body, or nothing.
sub through {
    my ($name, $path, $body, $status, %o) = @_;
    my $before = () = $rec->requests;
    my $r = post($path, $body, %o);
    my @after = $rec->requests;

    is($r->{status}, $status, "$name: $status")
        or diag($r->{raw_headers} . substr($r->{body}, 0, 300));

    if ($status == 200) {
        is(scalar @after, $before + 1, "$name: one request reached the store");
        my $got = $after[-1] // {};
        is($got->{line}, "POST $path HTTP/" . ($o{http} // $HTTP),
           "$name: the target as sent");
        ok($got->{body} eq $body, "$name: the body as sent ("
           . length($body) . ' bytes)');
        is($got->{headers}{'content-md5'}, encode_base64(md5($body), ''),
           "$name: Content-MD5 passed on");
    } else {
        is(scalar @after, $before, "$name: nothing reached the store");
    }

    like($r->{body}, $o{body_like}, "$name: body") if $o{body_like};
    is($r->{headers}{'x-decision'}, $o{decision}, "$name: decision")
        if $o{decision};
    return $r;
}

sub shared_cases {
    # --- raw requests --------------------------------------------------------

    through('own keys', '/mybucket?delete', body_of("$ME/a.txt", "$ME/b/c.txt"), 200,
            decision => 'allow');
    through('own keys, a version', '/mybucket?delete',
            body_of("$ME/a.txt", ["$ME/b.txt", '3HL4kqtJlcpXroDTDmJ-rmSpXd3dIbrHY']), 200,
            decision => 'allow');
    through('one foreign key', '/mybucket?delete', body_of("$ME/a.txt", "$OTHER/b.txt"), 403,
            decision => 'deny', body_like => qr{<Code>AccessDenied</Code>});
    through('an explicit deny', '/mybucket?delete', body_of("$ME/keep/a.txt"), 403,
            decision => 'explicit-deny');
    through('version "null" refused by the condition', '/mybucket?delete',
            body_of(["$ME/a.txt", 'null']), 403, decision => 'deny');
    through('a key climbing out of the prefix', '/mybucket?delete',
            body_of("$ME/../$OTHER/a.txt"), 400, body_like => qr{<Code>InvalidArgument</Code>});

    # what nginx would otherwise store in a temporary file: 300 keys, ~30 KiB
    my @many = map { "$ME/dir/file-$_.txt" } 1 .. 300;
    through('a body in a temporary file', '/mybucket?delete', body_of(@many), 200,
            decision => 'allow');
    through('a body in a temporary file, the last key foreign', '/mybucket?delete',
            body_of(@many, "$OTHER/x"), 403);

    my @limit = map { "$ME/$_" } 1 .. 1000;
    through('1,000 objects', '/mybucket?delete', body_of(@limit), 200);
    through('1,001 objects', '/mybucket?delete', body_of(@limit, "$ME/x"), 400,
            body_like => $XML400);

    for my $bad (
        ['malformed XML', "<Delete><Object><Key>$ME/a</Key></Delete>"],
        ['not XML', '{"Objects":[{"Key":"a"}]}'],
        ['no body', ''],
        ['a DOCTYPE with an entity', qq{<?xml version="1.0"?><!DOCTYPE Delete [<!ENTITY k "$OTHER/a">]>}
            . '<Delete><Object><Key>&k;</Key></Object></Delete>'],
        ['a billion laughs', '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            . join('', map { my $p = $_ - 1; qq{<!ENTITY lol$_ "} . ("&lol$p;" x 10) . '">' } 1 .. 9)
            =~ s/&lol0;/&lol;/gr
            . "]><Delete><Object><Key>$ME/&lol9;</Key></Object></Delete>"],
        ['an external entity', qq{<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>}
            . "<Delete><Object><Key>$ME/&x;</Key></Object></Delete>"],
        ['an undeclared entity', "<Delete><Object><Key>$ME/&x;</Key></Object></Delete>"],
        ['CDATA', "<Delete><Object><Key><![CDATA[$ME/a]]></Key></Object></Delete>"],
        ['a comment', "<Delete><!-- x --><Object><Key>$ME/a</Key></Object></Delete>"],
        ['a processing instruction', "<?php x ?><Delete><Object><Key>$ME/a</Key></Object></Delete>"],
        ['an unknown element', "<Delete><Object><Key>$ME/a</Key><ETag>x</ETag></Object></Delete>"],
    )
    {
        through($bad->[0], '/mybucket?delete', $bad->[1], 400, body_like => $XML400);
    }

    through('an overlong key', '/mybucket?delete', body_of("$ME/" . ('k' x 1024)), 400,
            body_like => qr{<Code>KeyTooLongError</Code>});

    # over the bound of 2 MiB: 413, whether the length is known or not
    my $huge = body_of("$ME/a") . (' ' x (2 * 1024 * 1024));
    through('a body over 2 MiB', '/mybucket?delete', $huge, 413);
    {
        my $before = () = $rec->requests;
        my $chunks = join('', map { sprintf("%x\r\n%s\r\n", length $_, $_) }
                              unpack('(a65536)*', $huge)) . "0\r\n\r\n";
        my $r = $srv->raw("POST /mybucket?delete HTTP/1.1\r\nHost: localhost\r\n"
                          . "Authorization: Bearer $token\r\nConnection: close\r\n"
                          . "Transfer-Encoding: chunked\r\n\r\n$chunks");
        is($r->{status}, 413, 'a chunked body over 2 MiB: 413');
        is(scalar(() = $rec->requests), $before, 'a chunked body over 2 MiB: nothing reached the store');

        my $small = body_of("$ME/a");
        $chunks = join('', map { sprintf("%x\r\n%s\r\n", length $_, $_) }
                           unpack('(a100)*', $small)) . "0\r\n\r\n";
        $r = $srv->raw("POST /mybucket?delete HTTP/1.1\r\nHost: localhost\r\n"
                       . "Authorization: Bearer $token\r\nConnection: close\r\n"
                       . "Transfer-Encoding: chunked\r\n\r\n$chunks");
        is($r->{status}, 200, 'a chunked body: 200');
        my @got = $rec->requests;
        ok(@got && $got[-1]{body} eq $small, 'a chunked body: forwarded whole');
    }

    # no token: 401 before any body is read
    {
        my $r = $srv->request('POST', '/mybucket?delete', {}, body_of("$ME/a"));
        is($r->{status}, 401, 'no token: 401');
    }
}

1;
