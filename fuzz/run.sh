#!/usr/bin/env bash
# Build and run every fuzz target of millstone for SECONDS_PER_TARGET each (default 600), one at a
# time with one job, on the stable toolchain. Prints per target: seconds, execs, exec/s, coverage,
# corpus size and any crash files.
#
#   fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]
#
# Environment: CARGO_TARGET_DIR (default /work/target-fuzz), FUZZ_WORK (working corpora and logs,
# default $CARGO_TARGET_DIR/fuzz-work; the seed corpora in fuzz/corpus/ are only read).
set -euo pipefail

SECS="${1:-600}"
shift || true
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$HERE"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/work/target-fuzz}"
WORK="${FUZZ_WORK:-$CARGO_TARGET_DIR/fuzz-work}"
# cargo-fuzz passes nightly-only flags (-Zsanitizer, -Cpasses=sancov-module, ...): let the stable
# compiler accept them.
export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi

TARGETS=("$@")
if [ ${#TARGETS[@]} -eq 0 ]; then
    mapfile -t TARGETS < <(cargo fuzz list)
fi

# -s none: no AddressSanitizer (the code under test is safe Rust, and ASan would need -Zbuild-std,
# i.e. the rust-src component). Debug assertions and overflow checks stay on (cargo-fuzz's default).
cargo fuzz build -s none   # all targets

mkdir -p "$WORK"
printf '%-16s %8s %12s %10s %8s %8s %8s  %s\n' target seconds execs exec/s cov ft corpus crashes
for t in "${TARGETS[@]}"; do
    corpus="$WORK/corpus/$t"
    artifacts="$WORK/artifacts/$t"
    mkdir -p "$corpus" "$artifacts"
    log="$WORK/$t.log"
    start=$(date +%s)
    # New inputs go to the working corpus (first dir); fuzz/corpus/$t only seeds it.
    cargo fuzz run -s none "$t" "$corpus" "corpus/$t" -- \
        -max_total_time="$SECS" -print_final_stats=1 \
        -artifact_prefix="$artifacts/" -rss_limit_mb=4096 -timeout=30 >"$log" 2>&1 || true
    secs=$(( $(date +%s) - start ))
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -n1)
    rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -n1)
    cov=$(grep -o ' cov: [0-9]*' "$log" | tail -n1 | grep -o '[0-9]*')
    ft=$(grep -o ' ft: [0-9]*' "$log" | tail -n1 | grep -o '[0-9]*')
    files=$(find "$corpus" -type f | wc -l)
    crashes=$(find "$artifacts" -type f \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' -o -name 'leak-*' \) | tr '\n' ' ')
    printf '%-16s %8s %12s %10s %8s %8s %8s  %s\n' "$t" "$secs" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "$files" "${crashes:-none}"
done
echo "logs, corpora and artifacts: $WORK"
