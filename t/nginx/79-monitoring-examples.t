# SPDX-License-Identifier: BSD-2-Clause
# examples/monitoring: the alert rules and the Grafana dashboard use only
# metrics the modules export.  A running nginx and a running Apache are
# scraped, after a key fetch and a token cache have had something to count,
# and every metric name in a rule's expr and in the dashboard's queries must
# be in the output (of both servers, except the few only nginx has).  The
# rules file's YAML shape is checked with python3-yaml.

use strict;
use warnings;

use lib 't/lib';
use CigTest;
use CigApache;
use CigToken;
use File::Temp ();
use JSON::PP;
use Test::More;

my $root = repo_root();
my $dir = "$root/examples/monitoring";

# only nginx has these (Apache: shmcb tells no entries, no s3 signing yet)
my %nginx_only = map { $_ => 1 } qw(cognito_identity_token_cache_entries
                                    cognito_identity_token_cache_evictions_total
                                    cognito_identity_store_credentials_written_timestamp_seconds);

# --- the metric names the examples use ---------------------------------------

sub names { my %n = map { $_ => 1 } $_[0] =~ /\b(cognito_identity_[a-z0-9_]+)\b/g; return keys %n }

# the YAML's shape, and its expr fields, through python3-yaml
my $py = <<'PY';
import json, re, sys, yaml
d = yaml.safe_load(open(sys.argv[1]))
bad = []
if not isinstance(d, dict) or set(d) != {"groups"} or not isinstance(d["groups"], list) or not d["groups"]:
    bad.append("top level: one key, groups, a non-empty list")
exprs = []
for g in (d.get("groups") or []) if isinstance(d, dict) else []:
    if not isinstance(g, dict) or not isinstance(g.get("name"), str) or not isinstance(g.get("rules"), list):
        bad.append("a group without name or rules"); continue
    for r in g["rules"]:
        if not isinstance(r, dict) or not isinstance(r.get("alert"), str) or not isinstance(r.get("expr"), str):
            bad.append("a rule without alert or expr: %r" % (r,)); continue
        extra = set(r) - {"alert", "expr", "for", "labels", "annotations", "keep_firing_for"}
        if extra:
            bad.append("%s: unknown keys %s" % (r["alert"], sorted(extra)))
        if "for" in r and not re.fullmatch(r"\d+[smhd]", str(r["for"])):
            bad.append("%s: for is not a duration" % r["alert"])
        for k in ("labels", "annotations"):
            if k in r and not (isinstance(r[k], dict) and all(isinstance(v, str) for v in r[k].values())):
                bad.append("%s: %s is not a map of strings" % (r["alert"], k))
        if not isinstance(r.get("annotations"), dict) or "summary" not in r["annotations"]:
            bad.append("%s: no summary" % r["alert"])
        exprs.append({"alert": r["alert"], "expr": r["expr"]})
print(json.dumps({"bad": bad, "exprs": exprs}))
PY

my $yaml;
$py =~ /'/ and BAIL_OUT('the python text must not hold a quote');
if (system("python3 -c 'import yaml' 2>/dev/null") == 0) {
    my $res = `python3 -c '$py' $dir/alerts.yml`;
    is($?, 0, 'python3 read alerts.yml') or BAIL_OUT($res);
    $yaml = decode_json($res);
} else {
    # no python3-yaml: a strict reading of the layout this file keeps
    my (@bad, @exprs);
    my @l = split /\n/, CigTest::_slurp("$dir/alerts.yml");
    for my $i (0 .. $#l) {
        my $line = $l[$i];
        next if $line =~ /^\s*(#.*)?$/;
        if ($line =~ /^      - alert: (\w+)$/) { push @exprs, { alert => $1 } }
        elsif ($line =~ /^        expr: (\S.*)$/ && @exprs) { $exprs[-1]{expr} = $1 }
        elsif ($line !~ /^(groups:|  - name: \S+|    rules:|        (for: \d+[smhd]|labels:|annotations:)|          \w+: \S.*)$/) {
            push @bad, 'line ' . ($i + 1) . ": $line";
        }
    }
    push @bad, map { "$_->{alert}: no expr" } grep { !defined $_->{expr} } @exprs;
    $yaml = { bad => \@bad, exprs => \@exprs };
}
is_deeply($yaml->{bad}, [], 'alerts.yml has the shape of Prometheus rules');
my %alerts = map { $_->{alert} => 1 } @{$yaml->{exprs}};
for my $a (qw(CognitoIdentityKeysStale CognitoIdentityNoKeys CognitoIdentityNoKeysRefusals
              CognitoIdentityKeyFetchFailing CognitoIdentityTokenCacheEvicting
              CognitoIdentityStoreCredentialsExpiringSoon)) {
    ok($alerts{$a}, "alert $a");
}

my %used;
for my $e (@{$yaml->{exprs}}) {
    push @{$used{$_}}, "alerts.yml $e->{alert}" for names($e->{expr});
}

my $dash = decode_json(CigTest::_slurp("$dir/grafana-dashboard.json"));
my $nq = 0;
my $walk;
$walk = sub {
    my ($node, $where) = @_;
    if (ref $node eq 'HASH') {
        for my $k (sort keys %$node) {
            my $v = $node->{$k};
            my $w = defined $node->{title} ? $node->{title} : $where;
            if ($k =~ /^(expr|query|definition)$/ && !ref $v) {
                $nq++ if $k eq 'expr';
                push @{$used{$_}}, "dashboard \"$w\"" for names($v);
            }
            $walk->($v, $w);
        }
    } elsif (ref $node eq 'ARRAY') {
        $walk->($_, $where) for @$node;
    }
};
$walk->($dash, 'dashboard');
ok($nq >= 10, "the dashboard has queries ($nq)");
ok(scalar(keys %used) >= 12, 'the examples use ' . scalar(keys %used) . ' metrics');

# --- what the servers export -----------------------------------------------

sub exported {
    my ($body) = @_;
    my %t = map { $_ => 1 } $body =~ /^# TYPE (cognito_identity_\w+) (?:counter|gauge)$/mg;
    return \%t;
}

my $credir = File::Temp::tempdir(CLEANUP => 1);
chmod 0755, $credir;
for (['s.secret', "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"], ['s.token', "FwoGZXIvYXdzEJr\n"]) {
    CigTest::_spew("$credir/$_->[0]", $_->[1]);
    chmod 0600, "$credir/$_->[0]";
}

my $t = cognito_token();

my $ngx = start_nginx(<<"CONF");
    server {
        listen 127.0.0.1:%%PORT%%;
        root %%DIR%%/html;
        cognito_identity_pool ${\ POOL};

        location = /metrics { cognito_identity_status prometheus; }
        location = /_keys { internal; proxy_pass http://127.0.0.1:%%PORT%%/jwks.json; }
        location = /jwks.json { alias $root/t/keys/jwks-k1.json; }

        location /api/ {
            cognito_identity "api";
            cognito_identity_key_request /_keys;
            cognito_identity_token_cache zone=tc:1m;
            cognito_identity_s3_sign AKIDEXAMPLE $credir/s.secret eu-west-1
                                     session_token_file=$credir/s.token;
            return 204;
        }
    }
CONF
is($ngx->request('GET', '/api/x', { Authorization => "Bearer $t" })->{status}, 204,
   'nginx: a request with keys fetched');
my $nm = exported($ngx->request('GET', '/metrics')->{body});

my $apa = start_apache(<<'CONF');
CognitoIdentityPool eu-west-1:b45b9729-c269-4ef2-86f1-0df3e40fe92d
ScriptAliasMatch ^/api/ %%DIR%%/cgi/echo.cgi
<Location /metrics>
    SetHandler cognito-identity-status
</Location>
<Location /api/>
    CognitoIdentityKeyURL http://127.0.0.1:%%PORT%%/jwks.json
    AuthType CognitoIdentity
    AuthName "api"
    Require cognito-identity
</Location>
CONF
CigTest::_spew($apa->dir . '/html/jwks.json', CigTest::_slurp("$root/t/keys/jwks-k1.json"));
chmod 0644, $apa->dir . '/html/jwks.json';
is($apa->request('GET', '/api/x', { Authorization => "Bearer $t" })->{status}, 200,
   'Apache: a request with keys fetched');
my $am = exported($apa->request('GET', '/metrics?format=prometheus')->{body});

ok(keys %$nm >= 15 && keys %$am >= 12, 'both servers export metrics');

for my $name (sort keys %used) {
    my $where = join ', ', @{$used{$name}};
    ok($nm->{$name}, "nginx exports $name ($where)");
    ok($am->{$name} || $nginx_only{$name},
       "Apache exports $name" . ($nginx_only{$name} ? ' (or it is nginx only)' : ''));
}

# what is nginx only is documented so, and not silently so
for my $name (sort keys %nginx_only) {
    ok(!$am->{$name}, "$name is really nginx only (else drop it from the list)");
}

$ngx->stop;
$apa->stop;
done_testing;
