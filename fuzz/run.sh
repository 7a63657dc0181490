#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# fuzz/run.sh - build and run the libFuzzer targets of the core.
#
# Usage: fuzz/run.sh [SECONDS_PER_TARGET [TARGET...]]
#
#   SECONDS_PER_TARGET  fuzzing time per target (default 60; 0 = only build
#                       and replay the seeds and regressions)
#   TARGET              e.g. fuzz_json; default: every fuzz/fuzz_*.c
#
# Works from any directory; everything goes to build/fuzz/ in the repository.
# For each target it builds build/fuzz/TARGET, replays every file in
# fuzz/regressions/TARGET/ once, then fuzzes a working copy of the seeds
# (build/fuzz/corpus/TARGET, kept between runs; the committed fuzz/corpus/ is
# never written).  Crashes are saved as build/fuzz/crash-TARGET-*.
#
# Environment: CLANG (default clang, else clang-14), FUZZ_FLAGS (extra
# libFuzzer flags, e.g. "-jobs=2 -workers=2").
#
# Exit status: 0 all targets ok, 1 a target failed to build or crashed,
# 2 clang or its libFuzzer runtime is missing.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd) || exit 1
cd "$root" || exit 1

secs=${1:-60}
shift $(( $# > 0 ? 1 : 0 ))

case $secs in
    ''|*[!0-9]*) echo "usage: fuzz/run.sh [SECONDS_PER_TARGET [TARGET...]]" >&2
                 exit 2 ;;
esac

out=build/fuzz
mkdir -p "$out" || exit 1


# ---- toolchain

cc=${CLANG:-}
if [ -z "$cc" ]; then
    for c in clang clang-14; do
        if command -v "$c" >/dev/null 2>&1; then cc=$c; break; fi
    done
fi

if [ -z "$cc" ] || ! command -v "$cc" >/dev/null 2>&1; then
    echo "fuzz: clang not found (install clang; on Debian: apt-get install clang libclang-rt-14-dev)" >&2
    exit 2
fi

probe=$out/.probe
printf '%s\n' '#include <stdint.h>' '#include <stddef.h>' \
    'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void) d; (void) n; return 0; }' \
    >"$probe.c"

if ! "$cc" -fsanitize=fuzzer,address,undefined "$probe.c" -o "$probe" \
        >"$probe.log" 2>&1
then
    echo "fuzz: $cc cannot link -fsanitize=fuzzer,address,undefined (is the compiler-rt/libFuzzer runtime installed? on Debian: apt-get install libclang-rt-14-dev):" >&2
    sed 's/^/    /' "$probe.log" | head -n 5 >&2
    exit 2
fi

rm -f "$probe" "$probe.c" "$probe.log"


# ---- targets

if [ $# -gt 0 ]; then
    targets=("$@")
else
    targets=()
    for f in fuzz/fuzz_*.c; do
        [ -e "$f" ] || continue
        t=${f#fuzz/}
        targets+=("${t%.c}")
    done
fi

if [ ${#targets[@]} -eq 0 ]; then
    echo "fuzz: no targets (fuzz/fuzz_*.c)" >&2
    exit 1
fi

cflags=(-g -O1 -fsanitize=fuzzer,address,undefined
        -fno-sanitize-recover=undefined -fno-omit-frame-pointer
        -Icore/include -Icore)

export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

failed=()
summary=()

for t in "${targets[@]}"; do
    src=fuzz/$t.c
    bin=$out/$t
    log=$out/$t.log

    if [ ! -f "$src" ]; then
        summary+=("$t: no such target ($src)")
        failed+=("$t")
        continue
    fi

    echo "== $t: building" >&2

    if ! "$cc" "${cflags[@]}" core/*.c "$src" -lpcre2-8 -lcrypto -lm -o "$bin" \
            >"$out/$t.build.log" 2>&1
    then
        cat "$out/$t.build.log" >&2
        summary+=("$t: BUILD FAILED (see $out/$t.build.log)")
        failed+=("$t")
        continue
    fi

    # regressions: every saved input once, each must pass

    regs=()
    if [ -d "fuzz/regressions/$t" ]; then
        for f in "fuzz/regressions/$t"/*; do
            [ -f "$f" ] && regs+=("$f")
        done
    fi

    if [ ${#regs[@]} -gt 0 ]; then
        echo "== $t: replaying ${#regs[@]} regression input(s)" >&2
        if ! "$bin" -runs=1 "${regs[@]}" >"$out/$t.regressions.log" 2>&1; then
            tail -n 40 "$out/$t.regressions.log" >&2
            summary+=("$t: REGRESSION CRASHED (see $out/$t.regressions.log)")
            failed+=("$t")
            continue
        fi
    fi

    # fuzzing, on a working copy of the seeds

    work=$out/corpus/$t
    mkdir -p "$work"
    if [ -d "fuzz/corpus/$t" ]; then
        cp -R "fuzz/corpus/$t"/. "$work"/ || exit 1
    fi

    dict=()
    [ -f "fuzz/$t.dict" ] && dict=(-dict="fuzz/$t.dict")

    rm -f "$out/crash-$t-"* "$out/leak-$t-"* "$out/timeout-$t-"* \
          "$out/oom-$t-"*

    if [ "$secs" -gt 0 ]; then
        echo "== $t: fuzzing for ${secs}s" >&2
        # shellcheck disable=SC2086
        "$bin" -max_total_time="$secs" -max_len=20000 -timeout=25 \
            -print_final_stats=1 -artifact_prefix="$out/crash-$t-" \
            "${dict[@]}" ${FUZZ_FLAGS:-} "$work" >"$log" 2>&1
    else
        echo "== $t: replaying the seeds" >&2
        "$bin" -runs=0 -max_len=20000 -print_final_stats=1 \
            -artifact_prefix="$out/crash-$t-" "$work" >"$log" 2>&1
    fi
    rc=$?

    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)

    if [ $rc -ne 0 ] || [ -n "$artifact" ]; then
        echo "---- $t: last lines of $log" >&2
        tail -n 60 "$log" >&2
        summary+=("$t: CRASHED (exit $rc)${artifact:+, input $artifact}")
        failed+=("$t")
        continue
    fi

    summary+=("$t: ${runs:-?} runs (${speed:-?} exec/s), ok")
done

echo
printf '%s\n' "${summary[@]}"

if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: FAILED: ${failed[*]}" >&2
    exit 1
fi

exit 0
