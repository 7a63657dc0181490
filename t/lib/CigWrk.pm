# SPDX-License-Identifier: BSD-2-Clause
package CigWrk;

# CigWrk - load with wrk (Debian package wrk) for the reload, graceful and
# soak tests: a Lua script sends requests chosen in turn from a list (path,
# headers), counts every status per thread in wrk's response() callback and
# writes them, with wrk's socket error counts, in done().  Core Perl only.
#
#   use CigWrk;
#   plan skip_all => $why if my $why = CigWrk::missing();
#   my $w = CigWrk::start(port => $p, dir => $dir, seconds => 4,
#               requests => [ { path => '/api/x', headers => { ... } }, ... ],
#               threads => 2, connections => 8, close => 1);
#   ...                                   # reloads while it runs
#   my $r = CigWrk::finish($w);
#   # $r->{status}{200}, $r->{requests}, $r->{errors}{connect|read|write|
#   # timeout|status}, $r->{output} (wrk's own report)
#
# close => 1 (the default) sends "Connection: close": every request has a
# connection of its own, so a server closing idle keep-alive connections
# while it reloads (which any HTTP client must retry) is not counted as a
# failure, and what is counted is what the server answered.

use strict;
use warnings;

use Carp qw(croak);
use POSIX qw(_exit);

sub bin { $ENV{CIG_WRK} || 'wrk' }

sub missing {
    for my $d (split /:/, $ENV{PATH} // '') {
        return undef if -x "$d/" . bin();
    }
    return bin() =~ m{/} && -x bin() ? undef
         : 'wrk not installed (Debian package wrk; make deps)';
}

sub _lua_str {
    my ($s) = @_;
    $s =~ s/([\\"])/\\$1/g;
    $s =~ s/([^\x20-\x7e])/sprintf('\\%03d', ord $1)/ge;
    return "\"$s\"";
}

sub script {
    my (%o) = @_;
    my $out = $o{out} or croak 'out';
    # wrk.format() needs wrk.host, set only once the threads are made
    my $lua = "local function make()\n  return {\n";
    for my $r (@{ $o{requests} }) {
        my %h = %{ $r->{headers} || {} };
        $h{Connection} = 'close' if $o{close} // 1;
        $lua .= '  wrk.format(' . _lua_str($r->{method} // 'GET') . ', '
              . _lua_str($r->{path}) . ', {'
              . join(', ', map { '[' . _lua_str($_) . '] = ' . _lua_str($h{$_}) }
                               sort keys %h)
              . '}' . (defined $r->{body} ? ', ' . _lua_str($r->{body}) : '')
              . "),\n";
    }
    $lua .= "  }\nend\n" . <<'LUA' =~ s/%%OUT%%/_lua_str($out)/er;
local reqs
local threads = {}
local n = 0

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  reqs = make()
  statuses = {}
  n = math.random(#reqs) - 1
end

function request()
  n = n + 1
  return reqs[(n % #reqs) + 1]
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local f = assert(io.open(%%OUT%%, "w"))
  local e = summary.errors
  f:write("requests " .. summary.requests .. "\n")
  f:write("errors connect " .. e.connect .. " read " .. e.read .. " write "
          .. e.write .. " status " .. e.status .. " timeout " .. e.timeout
          .. "\n")
  for _, t in ipairs(threads) do
    for s, c in pairs(t:get("statuses")) do
      f:write("status " .. s .. " " .. c .. "\n")
    end
  end
  f:write("latency_max_us " .. latency.max .. "\n")
  f:close()
end
LUA
    return $lua;
}

sub start {
    my (%o) = @_;
    my $dir = $o{dir} or croak 'dir';
    my $tag = $o{tag} // 'wrk';
    my $lua = "$dir/$tag.lua";
    my $out = "$dir/$tag.result";
    my $log = "$dir/$tag.out";
    unlink $out;
    open my $fh, '>', $lua or croak "$lua: $!";
    print $fh script(%o, out => $out);
    close $fh;
    my @cmd = (bin(), '-t', $o{threads} // 2, '-c', $o{connections} // 8,
               '-d', ($o{seconds} // 4) . 's', '--timeout', ($o{timeout} // 10) . 's',
               '-s', $lua, "http://127.0.0.1:$o{port}/");
    my $pid = fork // croak "fork: $!";
    if (!$pid) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>', $log or _exit(127);
        open STDERR, '>&', \*STDOUT or _exit(127);
        exec @cmd or print STDERR "exec @cmd: $!\n";
        _exit(127);
    }
    return { pid => $pid, out => $out, log => $log, cmd => "@cmd" };
}

sub finish {
    my ($w) = @_;
    waitpid $w->{pid}, 0;
    my %r = (exit => $? >> 8, status => {}, errors => {}, requests => 0);
    local $/;
    if (open my $fh, '<', $w->{log}) { $r{output} = <$fh> }
    my $res = '';
    if (open my $fh, '<', $w->{out}) { $res = <$fh> }
    $r{requests} = $1 if $res =~ /^requests (\d+)/m;
    $r{latency_max_us} = $1 if $res =~ /^latency_max_us (\d+)/m;
    if ($res =~ /^errors (.*)$/m) { my %e = split ' ', $1; $r{errors} = \%e }
    $r{status}{$1} += $2 while $res =~ /^status (\d+) (\d+)$/mg;
    $r{ok} = length($res) > 0;
    return \%r;
}

# "200=1234 403=5", for messages
sub statuses {
    my ($r) = @_;
    return join ' ', map { "$_=$r->{status}{$_}" } sort keys %{ $r->{status} };
}

# requests wrk counted as failed at the socket level
sub socket_errors {
    my ($r) = @_;
    my $n = 0;
    $n += $r->{errors}{$_} // 0 for qw(connect read write timeout);
    return $n;
}

1;
