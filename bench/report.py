#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""Turns bench/run.sh's raw measurements into bench/results/.

Usage: report.py --raw RAW.tsv --machine MACHINE.tsv --micro MICRO.tsv
                 --micro-md MICRO.md --out DIR

Writes DIR/results.md (machine, scenario table with targets, memory,
microbenchmark), DIR/results.tsv (one line per scenario, machine-readable)
and DIR/throughput.png (gnuplot).

Every nginx figure is relative to the module-off baseline of the same run.
run.sh measures the baseline between every two scenarios; each scenario is
compared with the mean of the baselines just before and just after it (its
local B), so that slow drift caused by other work on the machine cancels.
Targets are judged on wall-clock time per request (1/throughput, as the
issue states them) and, as a cross-check less sensitive to other load, on
the nginx worker's own CPU time per request.
"""
import argparse
import csv
import os
import subprocess
import sys

SCENARIOS = {
    "cache": ("repeated token, cache on",
              "one valid token; token-cache hit (lookup by the whole token, frozen identity thawed, claims re-checked)"),
    "nocache": ("repeated token, cache off",
                "one valid token, RS512 verify on every request"),
    "bad_signature": ("bad signature", "401 after one RS512 verify (cache on)"),
    "malformed": ("malformed token", "401, '+' in the payload part: refused before RSA (cache on)"),
    "unknown_kid": ("unknown kid", "401, kid not loaded: refused before RSA (cache on)"),
    "s3_per_user": ("S3 per-user policy",
                    "cache on, cognito_identity_authorize s3, AWS's per-user policy, GET /mybucket/ID/f"),
    "policy_100": ("policy of 100 statements",
                   "the same with a 100-statement policy (the last allows)"),
    "pools_1000": ("1,000 pools",
                   "the S3 case with 1,000 pools and 1,000 role attachments configured"),
    "new_token": ("new token every request",
                  "distinct valid tokens, each once, cache on (all misses, each inserted), "
                  "into a fresh zone: its first fill, with the kernel's page faults"),
    "new_token_full": ("new token every request, full zone",
                       "distinct valid tokens, each once, into a zone already full: "
                       "each a miss, an insertion and an eviction (steady state)"),
    "identities_100k": ("100,000 identities",
                        "100,000 distinct identities cycled, all in the token cache (hits)"),
    "long_run": ("long run, cache on",
                 "the cache case for BENCH_LONG requests, for worker RssAnon"),
    "apache_nocache": ("Apache: repeated token, cache off",
                       "one valid token, RS512 verify on every request, Require cognito-authenticated"),
    "apache_cache": ("Apache: repeated token, cache on",
                     "one valid token, CognitoIdentityTokenCache On (hits)"),
    "apache_bad_signature": ("Apache: bad signature", "401 after one RS512 verify"),
    "apache_malformed": ("Apache: malformed token", "401, '+' in the payload part: refused before RSA"),
    "apache_s3_per_user": ("Apache: S3 per-user policy",
                           "CognitoIdentityAuthorize s3, AWS's per-user policy, Require cognito-policy, "
                           "token cache on if the module has one, GET /mybucket/ID/f"),
    "apache_unknown_kid": ("Apache: unknown kid", "401, kid not loaded: refused before RSA"),
    "apache_policy_100": ("Apache: policy of 100 statements",
                          "the S3 case in a virtual host whose policy has 100 statements (the last allows)"),
    "apache_pools_1000": ("Apache: 1,000 pools",
                          "the S3 case in a virtual host with 1,000 pools and 1,000 role attachments"),
    "apache_new_token": ("Apache: new token every request",
                         "distinct valid tokens, each once, cache on (all misses, each inserted)"),
    "apache_identities_100k": ("Apache: 100,000 identities",
                               "100,000 distinct identities cycled, all in the token cache (hits)"),
}


def read_tsv(path):
    with open(path) as f:
        return list(csv.DictReader(f, delimiter="\t"))


def read_kv(path):
    kv = {}
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if "\t" in line:
                k, v = line.split("\t", 1)
                kv[k] = v
    return kv


def base_name(name):
    """A scenario's name without its round (run.sh: NAME@2, NAME@3, ...)."""
    return name.split("@")[0]


def median(xs):
    xs = sorted(xs)
    k = len(xs)
    return xs[k // 2] if k % 2 else (xs[k // 2 - 1] + xs[k // 2]) / 2


def is_base(name):
    return name.startswith("baseline") or name.startswith("apache_baseline")


def server(name):
    return "apache" if name.startswith("apache_") else "nginx"


def label(name):
    if is_base(name):
        return "%smodule off (baseline %s)" % (
            "Apache: " if server(name) == "apache" else "",
            name.split("_")[-1])
    if "@" in name:
        return "%s (round %s)" % (label(base_name(name)), name.split("@")[1])
    return SCENARIOS.get(name, (name, name))[0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--raw", required=True)
    ap.add_argument("--machine", required=True)
    ap.add_argument("--micro", required=True)
    ap.add_argument("--micro-md", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--vsamples", help="V measured next to scenarios "
                    "(before_row, ns), from bench/run.sh")
    a = ap.parse_args()

    raw = read_tsv(a.raw)
    rows = {r["scenario"]: r for r in raw}
    order = [r["scenario"] for r in raw]
    m = read_kv(a.machine)
    micro = {r["case"]: r for r in read_tsv(a.micro)}
    with open(a.micro_md) as f:
        micro_md = f.read()

    def wall(n):        # wall-clock microseconds per request
        return 1e6 / float(rows[n]["rps"])

    def cpu(n):         # the worker's CPU microseconds per request
        return float(rows[n]["worker_cpu_us_per_req"])

    bases = [n for n in order if is_base(n) and server(n) == "nginx"]
    if not bases:
        sys.exit("report.py: no baseline in %s" % a.raw)

    def local_base(n, metric):
        """Mean of the baselines just before and just after n."""
        if is_base(n):
            return metric(n)
        i = order.index(n)
        near = []
        for j in range(i - 1, -1, -1):
            if is_base(order[j]) and server(order[j]) == server(n):
                near.append(order[j])
                break
        for j in range(i + 1, len(order)):
            if is_base(order[j]) and server(order[j]) == server(n):
                near.append(order[j])
                break
        return sum(metric(b) for b in near) / len(near)

    B_all = sum(wall(b) for b in bases) / len(bases)
    Bc_all = sum(cpu(b) for b in bases) / len(bases)
    b_min = min(wall(b) for b in bases)
    b_max = max(wall(b) for b in bases)
    # V: the bare verify, measured before nginx started and again after it
    # stopped; the lower figure (the less disturbed one, and the stricter
    # target) is used
    V_before = float(micro["openssl_rs512_verify"]["ns_median"]) / 1000
    V_after = float(m["v_after_ns"]) / 1000 if m.get("v_after_ns") else None
    V = min(V_before, V_after) if V_after else V_before

    # V again just before and just after each verification-bound scenario
    # (bench/run.sh's vsample: CPU 0 idle between two wrk runs), because
    # this machine's speed drifts by tens of percent within minutes; such a
    # scenario is judged against the mean of its two neighbours, as every
    # scenario is against its neighbouring baselines
    vsamples = []    # (row index the sample came before, us)
    if a.vsamples and os.path.exists(a.vsamples):
        for r in read_tsv(a.vsamples):
            vsamples.append((int(r["before_row"]), float(r["ns"]) / 1000))

    def V_at(n):
        k = order.index(n)
        near = [v for pos, v in vsamples if pos in (k, k + 1)]
        return sum(near) / len(near) if near else V

    def ratio(n, metric=wall):
        return local_base(n, metric) / metric(n)

    def added(n, metric=wall):
        return metric(n) - local_base(n, metric)

    # ------------------------------------------------------------------
    # targets

    # Scenarios measured in rounds (run.sh: NAME, NAME@2, NAME@3, ...) are
    # judged by the median over their rounds of each round's figure
    def runs(S):
        return [n for n in order if base_name(n) == S]

    def med(S, f):
        return median([f(n) for n in runs(S)])

    def med_added(S, metric=wall):
        return med(S, lambda n: added(n, metric))

    def judge(kind, S, arg, metric):
        k = len(runs(S))
        rounds = " (median of %d rounds)" % k if k > 1 else ""
        ok, how = judge1(kind, S, arg, metric)
        return ok, how + (rounds if how != "-" else "")

    def judge1(kind, S, arg, metric):
        base = med(S, lambda n: local_base(n, metric))
        x = med(S, metric)
        if kind == "verify" and metric is cpu:   # added CPU <= V + 3 us
            add = med_added(S, cpu)
            v = med(S, V_at)
            if add <= v + 3:
                return True, "pass (%+.1f us <= V+3 = %.1f us)" % (add, v + 3)
            return False, "MISS by %.1f us (%+.1f us > V+3 = %.1f us)" % (
                add - v - 3, add, v + 3)
        if kind == "verify":                 # x baseline >= B/(B+V+3)
            r = med(S, lambda n: ratio(n))
            need = med(S, lambda n: local_base(n, wall)
                       / (local_base(n, wall) + V_at(n) + 3))
            if r >= need:
                return True, "pass (%.2fx >= %.2fx)" % (r, need)
            return False, "MISS by %.2fx (%.2fx < %.2fx; %.1f us/request over)" % (
                need - r, r, need,
                med(S, lambda n: wall(n) - local_base(n, wall) - V_at(n) - 3))
        if kind == "ratio":                  # x baseline >= arg
            r = med(S, lambda n: ratio(n, metric))
            if r >= arg:
                return True, "pass (%.2fx >= %.2fx)" % (r, arg)
            return False, "MISS by %.2fx (%.2fx < %.2fx; %.1f us/request over)" % (
                arg - r, r, arg,
                med(S, lambda n: metric(n) - local_base(n, metric) / arg))
        if kind == "added":                  # added over B (or over ref's) <= limit
            ref, limit = arg
            add = med_added(S, metric)
            if ref is not None:
                add -= med_added(ref, metric)
            if add <= limit:
                return True, "pass (%+.1f us <= %.0f us)" % (add, limit)
            return False, "MISS by %.1f us (%+.1f us > %.0f us)" % (
                add - limit, add, limit)
        if kind == "p99":                    # p99 <= arg x the baselines'
            if metric is cpu:
                return True, "-"
            p = lambda k: float(rows[k]["p99_us"])
            pn = med(S, p)
            pb = med(S, lambda n: local_base(n, p))
            r = med(S, lambda n: p(n) / local_base(n, p))
            if r <= arg:
                return True, "pass (p99 %.2f ms = %.2fx the baseline's %.2f ms)" % (
                    pn / 1000, r, pb / 1000)
            return False, "MISS by %.2fx (p99 %.2f ms = %.2fx the baseline's %.2f ms)" % (
                r - arg, pn / 1000, r, pb / 1000)
        if kind == "growth":                 # (x/B) / (ref/B_ref) - 1 <= tol
            ref, tol = arg
            g = (med(S, lambda n: metric(n) / local_base(n, metric))
                 / med(ref, lambda n: metric(n) / local_base(n, metric))) - 1
            if g <= tol:
                return True, "pass (%+.1f%% vs %s)" % (100 * g, ref)
            return False, "MISS by %.1f%% (%+.1f%% vs %s; tolerance %.0f%%)" % (
                100 * (g - tol), 100 * g, ref, 100 * tol)
        raise ValueError(kind)

    spec = {
        "cache": ("ratio", 0.90, ">= 0.90x"),
        "nocache": ("verify", None, ">= B/(B+V+3us)"),
        "new_token": ("verify", None, ">= B/(B+V+3us)"),
        "new_token_full": ("verify", None, ">= B/(B+V+3us)"),
        "bad_signature": ("verify", None, "one verify: >= B/(B+V+3us)"),
        "malformed": ("added", (None, 2), "<= 2 us added"),
        "unknown_kid": ("added", (None, 2), "<= 2 us added"),
        "s3_per_user": ("added", ("cache", 2), "<= 2 us more than the cache case"),
        "policy_100": ("added", ("cache", 10), "<= 10 us more than the cache case"),
        "pools_1000": ("growth", ("s3_per_user", 0.05),
                       "no growth vs 1 pool (S3 case); 5% allowed for noise"),
        "identities_100k": ("growth", ("cache", 0.05),
                            "no growth vs 1 identity (cache case); 5% allowed for noise"),
        "long_run": ("ratio", 0.90, ">= 0.90x"),
        "apache_cache": ("ratio", 0.80, ">= 0.80x plain Apache"),
        "apache_nocache": ("ratio", 0.60, ">= 0.60x plain Apache"),
        "apache_pools_1000": ("growth", ("apache_s3_per_user", 0.05),
                              "no growth vs 1 pool (S3 case); 5% allowed for noise"),
        "apache_identities_100k": ("growth", ("apache_cache", 0.05),
                                   "no growth vs 1 identity (cache case); 5% allowed for noise"),
    }
    p99_of = ["apache_cache", "apache_nocache", "apache_s3_per_user"]

    targets = {}     # name: (text, ok, how, cpu_ok, cpu_how)
    for n, (kind, arg, text) in spec.items():
        if n not in rows:
            continue
        ref = arg[0] if kind in ("added", "growth") else None
        if ref is not None and ref not in rows:
            continue
        ok, how = judge(kind, n, arg, wall)
        cok, chow = judge(kind, n, arg, cpu)
        targets[n] = (text, ok, how, cok, chow)
    def verdict_row(n):
        """The targets' columns go on a scenario's last round."""
        S = base_name(n)
        return targets.get(S) if runs(S)[-1] == n else None

    p99_targets = {}
    for n in p99_of:
        if n in rows:
            p99_targets[n] = judge("p99", n, 2.0, wall)

    # memory
    rb = int(m.get("rss_anon_before_kb") or 0)
    ra = int(m.get("rss_anon_after_kb") or 0)
    rss_delta = ra - rb
    rss_ok = abs(rss_delta) <= 1024

    os.makedirs(a.out, exist_ok=True)

    # ------------------------------------------------------------------
    # results.tsv

    with open(os.path.join(a.out, "results.tsv"), "w") as f:
        f.write("scenario\trps\tlocal_baseline_rps\tratio\tus_per_req\t"
                "added_us\tp50_us\tp99_us\trequests\tnon2xx\t"
                "worker_cpu_us_per_req\tadded_cpu_us\tratio_by_cpu\t"
                "worker_cpu_pct\tserver_cpu_busy_pct\twrk_cpu_pct\t"
                "target\tresult\tresult_by_worker_cpu\n")
        for n in order:
            r = rows[n]
            t = verdict_row(n)
            f.write("\t".join([
                n, r["rps"], "%.1f" % (1e6 / local_base(n, wall)),
                "%.4f" % ratio(n), "%.2f" % wall(n), "%.2f" % added(n),
                r["p50_us"], r["p99_us"], r["requests"], r["non2xx"],
                r["worker_cpu_us_per_req"], "%.2f" % added(n, cpu),
                "%.4f" % ratio(n, cpu),
                r["worker_cpu_pct"], r["server_cpu_busy_pct"],
                r["wrk_cpu_pct"],
                t[0] if t else "-",
                ("pass" if t[1] else "miss") if t else "-",
                ("pass" if t[3] else "miss") if t else "-"]) + "\n")
        f.write("\t".join(["rss_anon_delta_kb", str(rss_delta)] + [""] * 6
                          + [m.get("long_requests", "")] + [""] * 7
                          + ["within 1024 kB",
                             "pass" if rss_ok else "miss", "-"]) + "\n")

    # ------------------------------------------------------------------
    # plot: every run in order, baselines grey, labels = ratio to local B

    dat = os.path.join(a.out, ".throughput.dat")
    with open(dat, "w") as f:
        for i, n in enumerate(order):
            f.write('%d\t"%s"\t%s\t"%s"\t%d\n' % (
                i, label(n).replace('"', "'"), rows[n]["rps"],
                "" if is_base(n) else "%.2fx" % ratio(n),
                0xaaaaaa if is_base(n) else 0x4a7ebb))
    png = os.path.join(a.out, "throughput.png")
    gp = """
set terminal pngcairo size %(width)d,650 font ",10" noenhanced
set output "%(png)s"
set title "cognito-identity modules: requests/s in front of a 2-byte file (nginx, then Apache)\\nserver on CPU 0, wrk -t1 -c%(c)s on CPU 1; labels: ratio to the baselines (grey) around each case"
set ylabel "requests/s"
set style fill solid 0.85 border -1
set boxwidth 0.7
set xtics rotate by -40 left nomirror
set grid ytics
set yrange [0:%(ymax)f]
set xrange [-0.7:%(n)f]
set key off
set bmargin 11
set rmargin 16
plot "%(dat)s" using 1:3:5:xtic(2) with boxes lc rgb variable, \\
     "" using 1:3:4 with labels offset 0,0.8
""" % {"png": png, "dat": dat, "n": len(order) - 0.3,
       "width": max(1250, 24 * len(order)),
       "ymax": max(float(rows[n]["rps"]) for n in order) * 1.15,
       "c": m.get("connections", "32")}
    try:
        subprocess.run(["gnuplot"], input=gp, text=True, check=True)
    except (OSError, subprocess.CalledProcessError) as e:
        sys.stderr.write("report.py: gnuplot failed: %s\n" % e)
    finally:
        os.unlink(dat)

    # ------------------------------------------------------------------
    # results.md

    L = []
    L.append("# Benchmark results")
    L.append("")
    L.append("Written by `bench/run.sh` ([bench/README.md](../README.md)) "
             "on %s at commit %s, in %s s." % (m.get("date"), m.get("commit"),
                                               m.get("elapsed_s", "?")))
    L.append("")
    L.append("## Machine")
    L.append("")
    L.append("| | |")
    L.append("|---|---|")
    for k, lab in [("nproc", "CPUs (nproc)"), ("cpu", "CPU model"),
                   ("cpu_mhz", "CPU MHz"), ("kernel", "kernel"),
                   ("os", "OS"), ("nginx", "nginx"), ("openssl", "OpenSSL"),
                   ("wrk", "wrk"), ("load_start", "load average at start"),
                   ("load_end", "load average at end")]:
        L.append("| %s | %s |" % (lab, m.get(k, "?")))
    L.append("")
    other = max(float(rows[n]["server_cpu_busy_pct"])
                - float(rows[n]["worker_cpu_pct"]) for n in order)
    L.append("**Noise: this machine is shared with other work in progress** "
             "(load average %s at the start, %s at the end, on 2 CPUs), so "
             "figures move between runs and within one. In this run the "
             "module-off baseline ranged from %.0f to %.0f requests/s over "
             "%d measurements, and CPU 0 was busy up to %.0f points beyond "
             "the nginx worker's own share (other processes, loopback "
             "softirqs, hypervisor steal). Each scenario is therefore "
             "compared with the baselines measured just before and after it, "
             "and every target is also judged on the worker's own CPU time "
             "per request, which other load disturbs less. Trust the CPU "
             "column more than the throughput column where they disagree; "
             "rerun before acting on a single figure."
             % (m.get("load_start", "?").split()[0],
                m.get("load_end", "?").split()[0], 1e6 / b_max, 1e6 / b_min,
                len(bases), other))
    L.append("")
    L.append("## Setup")
    L.append("")
    L.append("Debian's nginx (`worker_processes 1`, `access_log off`, "
             "`keepalive_requests 1000000`) pinned to CPU 0 with `taskset`, "
             "serving a 2-byte static file; `taskset -c 1 wrk -t1 -c%s "
             "-d%ss --latency -s bench/wrk/bench.lua` on CPU 1 (baselines "
             "%s s).%s Every request carries an "
             "`Authorization: Bearer` token "
             "(RS512, Cognito's claims, 2048-bit key `t/keys/k1.pem`), the "
             "baseline's too. Over the run B = %.2f us per request (%.0f "
             "requests/s) and %.2f us of worker CPU. V = %.2f us, one bare "
             "OpenSSL RS512 verify with the key loaded once, measured by "
             "`bench/micro` on CPU 0 in this run (%.2f us before nginx "
             "started, %s after it stopped; the lower is used), so "
             "B/(B+V+3us) = %.2fx over the run. %s\"Added\" is the time per "
             "request over the local baseline."
             % (m.get("connections", "32"), m.get("duration", "10"),
                m.get("baseline_duration", "5"),
                (" The repeated-token scenarios run in %s rounds, and each is "
                 "judged by the median over its rounds (the tables show every "
                 "round, the verdict on the last)." % m["rounds"])
                if m.get("rounds", "1") != "1" else "",
                B_all, 1e6 / B_all, Bc_all, V, V_before,
                "%.2f us" % V_after if V_after else "not measured",
                B_all / (B_all + V + 3),
                ("The scenarios judged against V+3 us (one verification) use "
                 "V measured again just before and just after them, with "
                 "CPU 0 idle (%d measurements in this run, %.1f to %.1f us), "
                 "as each scenario uses its neighbouring baselines. " % (
                     len(vsamples), min(v for _, v in vsamples),
                     max(v for _, v in vsamples))) if vsamples else ""))
    L.append("")
    L.append("## nginx scenarios")
    L.append("")
    L.append("![throughput](throughput.png)")
    L.append("")

    def table(srv):
      L.append("| scenario | req/s | x local baseline | p50 ms | p99 ms | added us/req "
               "| %s CPU us/req (added) | target | result (throughput) "
               "| cross-check (%s CPU) |" % ((srv == "nginx" and ("worker", "worker"))
                                             or ("child", "child")))
      L.append("|---|---:|---:|---:|---:|---:|---:|---|---|---|")
      for n in [k for k in order if server(k) == srv]:
        r = rows[n]
        t = verdict_row(n)
        L.append("| %s | %.0f | %s | %.2f | %.2f | %s | %.1f (%s) | %s | %s | %s |" % (
            label(n), float(r["rps"]),
            "-" if is_base(n) else "%.3f" % ratio(n),
            float(r["p50_us"]) / 1000, float(r["p99_us"]) / 1000,
            "-" if is_base(n) else "%+.1f" % added(n), cpu(n),
            "-" if is_base(n) else "%+.1f" % added(n, cpu),
            t[0] if t else "-", t[2] if t else "-", t[4] if t else "-"))

    table("nginx")
    L.append("")
    L.append("## Apache scenarios")
    L.append("")
    if any(server(n) == "apache" for n in order):
        L.append("Debian's apache2 (%s, `ServerLimit 1`, `ThreadsPerChild 64`, "
                 "`KeepAlive On`, `MaxKeepAliveRequests 0`, no access log), "
                 "started with `taskset -c 0` so that its one child process "
                 "runs on CPU 0, wrk as for nginx. The baseline is the same "
                 "Apache serving the same file from a location without the "
                 "module. The child's CPU time (all its threads) stands in "
                 "for the worker's. Token cache in the module: %s."
                 % (m.get("apache", "?"),
                    "yes (`CognitoIdentityTokenCache On`)"
                    if m.get("apache_cache") == "1" else
                    "no (the module does not know `CognitoIdentityTokenCache`"
                    " yet: the cached case is not measured)"))
        L.append("")
        table("apache")
        L.append("")
        L.append("p99 latency against plain Apache's (target: within 2x):")
        L.append("")
        for n, (ok, how) in p99_targets.items():
            L.append("- %s: %s" % (label(n), how))
    else:
        L.append("Not measured: %s." % m.get("apache_note", "?"))
    L.append("")
    L.append("## The verification as the servers run it")
    L.append("")
    L.append("V above is the bare verify in a tight loop of `bench/micro`. "
             "This run also measures it inside each server: a bad signature "
             "and a malformed token go through the same parsing and both "
             "answer 401, and only the bad signature is verified, so the "
             "difference of their added CPU (medians over the rounds) is one "
             "verification as the server runs it (Vs).")
    L.append("")
    if "bad_signature" in rows and "malformed" in rows and "nocache" in rows:
        vs = med_added("bad_signature", cpu) - med_added("malformed", cpu)
        beyond = med_added("nocache", cpu) - vs
        v = med("bad_signature", V_at)
        L.append("- nginx: Vs = %.1f us (%.2fx V = %.1f us, measured next to "
                 "it); a valid token with the cache off adds %+.1f us of "
                 "worker CPU, that is %+.1f us beyond Vs (claims, identity, a "
                 "200 answer instead of a 401)." % (
                     vs, vs / v, v, med_added("nocache", cpu), beyond))
    if "apache_bad_signature" in rows and "apache_malformed" in rows:
        vs = (med_added("apache_bad_signature", cpu)
              - med_added("apache_malformed", cpu))
        b = med("apache_bad_signature", lambda n: local_base(n, cpu))
        v = med("apache_nocache", V_at) if "apache_nocache" in rows else V
        line = ("- Apache: plain Apache costs its child %.1f us per request "
                "here, so even a module that added nothing but one "
                "verification would score B/(B+V) = %.2fx (V = %.1f us, "
                "measured next to the cache-off case), or B/(B+Vs) = %.2fx "
                "with Vs = %.1f us (a difference of two measurements, so "
                "noisier)" % (b, b / (b + v), v, b / (b + vs), vs))
        if "apache_nocache" in rows:
            line += "; the module without its cache scored %.2fx (child CPU)" % (
                med("apache_nocache", lambda n: ratio(n, cpu)))
        L.append(line + ".")
    L.append("")
    L.append("What each scenario sends, and how busy the CPUs were:")
    L.append("")
    for n in order:
        r = rows[n]
        note = ""
        if r["expect"] == "200" and r["non2xx"] not in ("0", ""):
            note = " **%s responses were not 2xx.**" % r["non2xx"]
        if r["expect"] != "200":
            note = " %s of %s answered %s, as expected." % (
                r["non2xx"], r["requests"], r["expect"])
        if float(r["socket_errors"] or 0) > 0:
            note += " %s socket errors." % r["socket_errors"]
        what = ("module off, the same request" if is_base(n)
                else SCENARIOS.get(base_name(n), (n, n))[1])
        L.append("- **%s**: %s; %s requests in %.1f s; worker %s%% CPU, "
                 "CPU 0 %s%% busy, wrk %s%% CPU.%s" % (
                     label(n), what, r["requests"],
                     float(r["duration_us"]) / 1e6, r["worker_cpu_pct"],
                     r["server_cpu_busy_pct"], r["wrk_cpu_pct"], note))
    if m.get("identity_probes_hit"):
        L.append("")
        L.append("Before the 100,000-identities case, %s probes (first, "
                 "middle and last token) were cache hits." %
                 m["identity_probes_hit"])
    L.append("")
    L.append("## Worker memory")
    L.append("")
    L.append("| nginx worker | RssAnon kB |")
    L.append("|---|---:|")
    L.append("| after the warm-up | %s |" % m.get("rss_anon_start_kb"))
    L.append("| before the long run | %s |" % m.get("rss_anon_before_kb"))
    L.append("| after the long run (%s requests of the repeated token) | %s |"
             % (m.get("long_requests"), m.get("rss_anon_after_kb")))
    L.append("| at the end | %s |" % m.get("rss_anon_end_kb"))
    L.append("")
    L.append("Across the long run: %+d kB; target flat within 1 MB: **%s**. "
             "RssShmem (the token-cache zones, shared memory bounded by "
             "their configured sizes) went from %s to %s kB."
             % (rss_delta, "pass" if rss_ok else "MISS by %d kB"
                % (abs(rss_delta) - 1024),
                m.get("rss_shmem_before_kb"), m.get("rss_shmem_after_kb")))
    L.append("")
    L.append("## Core microbenchmark")
    L.append("")
    L.append("`build/bench/micro` (`bench/micro.c`, `cc -O2`), pinned to "
             "CPU 0 before nginx started; the median of 5 timed runs of "
             "about 0.5 s per case, with the fastest and slowest.")
    L.append("")
    L.append(micro_md.rstrip())
    L.append("")
    L.append("## Targets of issue 9")
    L.append("")
    L.append("| target | measured by | result |")
    L.append("|---|---|---|")

    def mt(case):
        r = micro.get(case)
        return r["result"] if r else "n/a"

    for n, text in [("cache", "repeated token with the cache: >= 0.90x"),
                    ("new_token", "a new token every request (fresh zone, first fill): >= B/(B+V+3us)"),
                    ("new_token_full", "a new token every request (full zone, steady state): >= B/(B+V+3us)"),
                    ("nocache", "repeated token, cache off: >= B/(B+V+3us)"),
                    ("bad_signature", "bad signatures cost one verify")]:
        t = targets[n]
        L.append("| %s | nginx | %s; worker CPU: %s |" % (text, t[2], t[4]))
    for case, text in [("token_verify_malformed", "malformed token: <= 2 us, no RSA"),
                       ("token_verify_two_parts", "malformed token (two parts): <= 2 us"),
                       ("token_verify_alg_none", "malformed header (alg none): <= 2 us"),
                       ("token_verify_unknown_kid", "unknown kid: <= 2 us, no RSA"),
                       ("policy_s3_per_user_get", "S3 per-user decision: <= 2 us"),
                       ("policy_s3_per_user_list", "S3 per-user decision (ListBucket): <= 2 us"),
                       ("policy_100_statements", "100 statements: <= 10 us"),
                       ("decision_1000_pools", "no growth with 1,000 pools"),
                       ("decision_100k_identities", "no growth with 100,000 identities")]:
        L.append("| %s | micro `%s` | %s |" % (text, case, mt(case)))
    for n, text in [("malformed", "malformed token, end to end"),
                    ("unknown_kid", "unknown kid, end to end"),
                    ("s3_per_user", "S3 per-user decision, end to end"),
                    ("policy_100", "100 statements, end to end"),
                    ("pools_1000", "no growth with 1,000 pools, end to end"),
                    ("identities_100k", "no growth with 100,000 identities, end to end")]:
        t = targets[n]
        L.append("| %s | nginx | %s; worker CPU: %s |" % (text, t[2], t[4]))
    L.append("| worker RssAnon flat within 1 MB over the long run | nginx | %s |"
             % ("pass (%+d kB)" % rss_delta if rss_ok else
                "MISS by %d kB (%+d kB)" % (abs(rss_delta) - 1024, rss_delta)))
    if not any(server(n) == "apache" for n in order):
        L.append("| Apache | - | not measured: %s |" % m.get("apache_note", "?"))
    for n, text in [("apache_cache", "Apache with the cache: >= 0.80x plain Apache"),
                    ("apache_nocache", "Apache without the cache: >= 0.60x plain Apache"),
                    ("apache_pools_1000", "Apache: no growth with 1,000 pools"),
                    ("apache_identities_100k", "Apache: no growth with 100,000 identities")]:
        if n in targets:
            t = targets[n]
            L.append("| %s | Apache | %s; child CPU: %s |" % (text, t[2], t[4]))
        elif any(server(k) == "apache" for k in order):
            L.append("| %s | Apache | not measured: the module has no token cache here |" % text)
    for n, (ok, how) in p99_targets.items():
        L.append("| Apache p99 within 2x of plain Apache's (%s) | Apache | %s |"
                 % (label(n).replace("Apache: ", ""), how))
    L.append("")
    L.append("Why the misses happen and what would fix them: "
             "[bench/README.md, Findings](../README.md#findings).")
    L.append("")

    with open(os.path.join(a.out, "results.md"), "w") as f:
        f.write("\n".join(L))

    i0 = L.index("## nginx scenarios")
    i1 = L.index("What each scenario sends, and how busy the CPUs were:")
    print("\n".join(L[i0 + 4:i1]))


if __name__ == "__main__":
    main()
