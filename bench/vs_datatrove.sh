#!/usr/bin/env bash
# millstone vs datatrove 0.10.1 on the FineWeb quality cascade, same corpus, same machine.
#
# usage: bench/vs_datatrove.sh [options] [CORPUS.jsonl(.zst)] [THREADS]
#   CORPUS   default: crates/millstone-filters/tests/fixtures/parity/input.jsonl.zst
#   THREADS  default: nproc
# options:
#   --only datatrove|millstone   run one side only
#   --single                     1 process / 1 thread runs only (skip the THREADS runs)
#   --rss-scale                  instead: millstone peak RSS on 1x vs 10x the corpus (THREADS threads)
#   --venv PATH                  datatrove venv (default tools/parity/.venv, made by tools/parity/setup_venv.sh)
#   --keep                       keep the work folder (default: deleted at exit)
# env: MILLSTONE=path/to/binary (default target/release/millstone)
#
# (a) datatrove: JsonlReader -> GopherRepetitionFilter() -> GopherQualityFilter()
#     -> C4QualityFilter(filter_no_terminal_punct=False) -> FineWebQualityFilter() -> JsonlWriter(zstd)
#     under LocalPipelineExecutor, 1 task, then THREADS tasks on THREADS shard files (datatrove only
#     parallelises over files). bench/datatrove_fineweb.py.
# (b) millstone: target/release/millstone run --pipeline bench/fineweb_filters.toml -o OUT --threads {1,THREADS} CORPUS
#     (built with `cargo build --release -p millstone` when missing). It writes kept/ AND dropped/.
# Both read the same uncompressed JSONL. Each run is measured with /usr/bin/time -v (wall, peak RSS of
# the largest process) and bench/tree_rss.py (peak RSS summed over the process tree). Wall time
# includes start-up (Python imports, spaCy load).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
corpus="$root/crates/millstone-filters/tests/fixtures/parity/input.jsonl.zst"
threads="$(nproc)"
only=""
single=0
rss_scale=0
keep=0
venv="$root/tools/parity/.venv"
positional=()
while [ $# -gt 0 ]; do
    case "$1" in
        --only) only="$2"; shift 2 ;;
        --single) single=1; shift ;;
        --rss-scale) rss_scale=1; shift ;;
        --venv) venv="$2"; shift 2 ;;
        --keep) keep=1; shift ;;
        -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
        -*) echo "vs_datatrove: unknown option $1" >&2; exit 2 ;;
        *) positional+=("$1"); shift ;;
    esac
done
[ ${#positional[@]} -ge 1 ] && corpus="${positional[0]}"
[ ${#positional[@]} -ge 2 ] && threads="${positional[1]}"
case "$only" in ""|datatrove|millstone) ;; *) echo "vs_datatrove: --only datatrove|millstone" >&2; exit 2 ;; esac
[ -f "$corpus" ] || { echo "vs_datatrove: no corpus at $corpus" >&2; exit 1; }
corpus="$(cd "$(dirname "$corpus")" && pwd)/$(basename "$corpus")"

# /usr/bin/time (GNU time) for -v; the bash keyword cannot report memory.
if [ ! -x /usr/bin/time ]; then
    echo "vs_datatrove: installing GNU time" >&2
    sudo_=""; [ "$(id -u)" -ne 0 ] && sudo_="sudo"
    $sudo_ apt-get install -y -qq time >/dev/null 2>&1 \
        || { $sudo_ apt-get update -qq && $sudo_ apt-get install -y -qq time; }
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/vs_datatrove.XXXXXX")"
if [ "$keep" -eq 1 ]; then echo "vs_datatrove: work folder $work" >&2; else trap 'rm -rf "$work"' EXIT; fi
results="$work/results.tsv"
: > "$results"

need_venv() {
    "$root/tools/parity/setup_venv.sh" "$venv" >&2
}

# --- the corpus, uncompressed, for both tools -------------------------------------------------
plain="$work/corpus.jsonl"
case "$corpus" in
    *.zst)
        if command -v zstd >/dev/null; then zstd -dc -q "$corpus" > "$plain"
        else need_venv; "$venv/bin/python" -c 'import sys, zstandard; zstandard.ZstdDecompressor().copy_stream(open(sys.argv[1], "rb"), open(sys.argv[2], "wb"))' "$corpus" "$plain"; fi ;;
    *.gz) gzip -dc "$corpus" > "$plain" ;;
    *) cp "$corpus" "$plain" ;;
esac
docs=$(wc -l < "$plain")
bytes=$(stat -c %s "$plain")
echo "vs_datatrove: corpus $(basename "$corpus"): $docs docs, $((bytes / 1000000)) MB JSONL; THREADS=$threads" >&2

# measure LABEL DOCS BYTES CMD... : run CMD under /usr/bin/time -v and tree_rss.py, append a row to results.
measure() {
    local label="$1" ndocs="$2" nbytes="$3"; shift 3
    echo "vs_datatrove: running $label" >&2
    /usr/bin/time -v -o "$work/$label.time" "$@" > "$work/$label.out" 2> "$work/$label.err" &
    local pid=$!
    python3 "$root/bench/tree_rss.py" "$pid" > "$work/$label.tree" &
    local sampler=$!
    local rc=0
    wait "$pid" || rc=$?
    wait "$sampler" || true
    if [ "$rc" -ne 0 ]; then
        echo "vs_datatrove: $label failed (exit $rc); last lines of its stderr:" >&2
        tail -n 20 "$work/$label.err" >&2
        return "$rc"
    fi
    local wall cpu rss
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; print s}' "$work/$label.time")
    local tree_rss tree_cpu
    read -r tree_rss tree_cpu < "$work/$label.tree"
    # user+sys from time -v misses forkserver-started workers; the sampled tree total catches them
    cpu=$(awk -F': ' -v tree="$tree_cpu" '/(User|System) time \(seconds\)/ {s+=$2} END {printf "%.1f", (tree > s ? tree : s)}' "$work/$label.time")
    rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$work/$label.time")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$ndocs" "$nbytes" "$wall" "$cpu" "$rss" "$tree_rss" >> "$results"
}

# kept documents reported by each tool, for a sanity line under the table
kept_of() {
    local label="$1"
    case "$label" in
        datatrove*) grep -o '"datatrove_kept": [0-9]*' "$work/$label.out" | grep -o '[0-9]*$' || echo "?" ;;
        millstone*) python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["documents"]["kept"])' "$work/$label/stats.json" 2>/dev/null || echo "?" ;;
    esac
}

millstone_bin="${MILLSTONE:-$root/target/release/millstone}"  # MILLSTONE=path overrides
need_millstone() {
    if [ ! -x "$millstone_bin" ]; then
        echo "vs_datatrove: building millstone (cargo build --release -p millstone)" >&2
        (cd "$root" && cargo build --release -p millstone >&2)
    fi
}

run_millstone() {  # LABEL THREADS INPUT NDOCS NBYTES
    measure "$1" "$4" "$5" "$millstone_bin" run --pipeline "$root/bench/fineweb_filters.toml" -o "$work/$1" --force --quiet --threads "$2" "$3"
}

run_datatrove() {  # LABEL TASKS
    local label="$1" tasks="$2" shards="$work/shards-$2"
    mkdir -p "$shards"
    # round-robin split into TASKS files: datatrove gives each task whole files only
    python3 - "$plain" "$shards" "$tasks" <<'PY'
import sys
src, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
files = [open(f"{out}/part-{i:05d}.jsonl", "w", encoding="utf-8") for i in range(n)]
with open(src, encoding="utf-8") as f:
    for i, line in enumerate(f):
        files[i % n].write(line)
for f in files:
    f.close()
PY
    measure "$label" "$docs" "$bytes" "$venv/bin/python" "$root/bench/datatrove_fineweb.py" \
        "$shards" "$work/$label-out" "$work/$label-logs" "$tasks"
}

# --- RSS scaling mode ----------------------------------------------------------------------------
if [ "$rss_scale" -eq 1 ]; then
    need_millstone
    big="$work/corpus-x10.jsonl"
    for _ in $(seq 10); do cat "$plain"; done > "$big"
    run_millstone "millstone-x1" "$threads" "$plain" "$docs" "$bytes"
    run_millstone "millstone-x10" "$threads" "$big" "$((docs * 10))" "$((bytes * 10))"
else
    if [ "$only" != "millstone" ]; then
        need_venv
        run_datatrove "datatrove-1p" 1
        [ "$single" -eq 0 ] && [ "$threads" -gt 1 ] && run_datatrove "datatrove-${threads}p" "$threads"
    fi
    if [ "$only" != "datatrove" ]; then
        need_millstone
        run_millstone "millstone-1t" 1 "$plain" "$docs" "$bytes"
        [ "$single" -eq 0 ] && [ "$threads" -gt 1 ] && run_millstone "millstone-${threads}t" "$threads" "$plain" "$docs" "$bytes"
    fi
fi

# --- the table -------------------------------------------------------------------------------------
while IFS=$'\t' read -r label _; do
    printf '%s\t%s\n' "$label" "$(kept_of "$label")"
done < "$results" > "$work/kept.tsv"

python3 - "$results" "$work/kept.tsv" "$threads" "$rss_scale" <<'PY'
import sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
kept = dict(l.rstrip("\n").split("\t") for l in open(sys.argv[2]) if l.strip())
threads, rss_scale = sys.argv[3], sys.argv[4] == "1"
hdr = ("run", "docs", "MB", "wall s", "docs/s", "MB/s", "CPU s", "peak RSS MB", "tree RSS MB", "kept")
table, rate = [], {}
for label, docs, nbytes, wall, cpu, rss, tree in rows:
    docs, mb, wall = int(docs), int(nbytes) / 1e6, float(wall)
    rate[label] = docs / wall if wall else float("inf")
    table.append((label, f"{docs}", f"{mb:.1f}", f"{wall:.2f}", f"{rate[label]:.1f}", f"{mb / wall:.2f}",
                  cpu, rss, tree, kept.get(label, "?")))
w = [max(len(str(r[i])) for r in table + [hdr]) for i in range(len(hdr))]
fmt = lambda r: "  ".join(str(c).rjust(w[i]) if i else str(c).ljust(w[i]) for i, c in enumerate(r))
print(fmt(hdr))
print("  ".join("-" * x for x in w))
for r in table:
    print(fmt(r))
print("CPU s = user+sys of the whole process tree; peak RSS = /usr/bin/time -v (largest waited-for process: misses\n"
      "datatrove's forkserver workers); tree RSS = peak of the sum over the process tree (tree_rss.py)")
if rss_scale:
    r1, r10 = dict((r[0], r) for r in table).get("millstone-x1"), dict((r[0], r) for r in table).get("millstone-x10")
    if r1 and r10:
        print(f"millstone peak RSS, 10x input / 1x input: {int(r10[7]) / max(int(r1[7]), 1):.2f}")
else:
    for dt, ms, what in (("datatrove-1p", "millstone-1t", "1 thread"),
                         (f"datatrove-{threads}p", f"millstone-{threads}t", f"{threads} threads")):
        if dt in rate and ms in rate:
            print(f"throughput ratio millstone/datatrove, {what}: {rate[ms] / rate[dt]:.1f}x")
PY
