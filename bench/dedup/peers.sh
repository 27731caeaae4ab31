#!/usr/bin/env bash
# MinHash dedup: millstone vs datatrove 0.10.1, rensa and datasketch, on ONE corpus of real text.
#
# usage: bench/dedup/peers.sh [--work DIR] [--dt-mb N] [--skip datatrove|sig|millstone]... [--tasks N]
#   --work DIR   corpus + runs (default /work/bench-data/peers); the corpus DIR/corpus is made once by
#                make_peer_corpus.py (seeded; ~13.9 k docs, 155.7 MB of text, 2 JSONL files) and reused
#   --dt-mb N    run datatrove on the first N MB of text of each corpus file instead of all of it
#                (a separate, smaller corpus DIR/corpus-dtN; default: the whole corpus)
#   --tasks N    parallel runs use N tasks / threads (default 2)
#   --skip X     leave out part X (repeatable)
# env: MILLSTONE=binary (default target/release/millstone), DT_PY=/work/venv-dt/bin/python,
#      PEERS_PY=/work/venv-peers/bin/python (made with rensa, datasketch, numpy if missing)
#
# (a) millstone dedup --method minhash (defaults) -o OUT corpus/part-*.jsonl   [threads: default, and 1
#     when `dedup --help` lists --threads]
# (b) datatrove's 4 MinHash stages, default MinhashConfig, LocalPipelineExecutor, tasks=1 and tasks=N
#     (dt_minhash.py; stage 2 = 14 bucket tasks on 1 / N workers)
#     (a)+(b): /usr/bin/time -v (wall, max RSS of the largest process) + ../tree_rss.py (CPU and peak RSS
#     summed over the process tree), end to end including start-up.
# (c) signatures only, on the same texts pre-shingled (peers_shingle.py: simplify_text + spaCy + 5-grams,
#     each part timed; plus datatrove's numpy get_signature on the xxh64 shingles), then peers_sig.py:
#     rensa RMinHash / CMinHash and datasketch MinHash, 112 permutations, one thread, CPU seconds.
# (d) millstone's signature speed alone: only if `millstone dedup --help` offers a signature-only mode
#     (looked up by name: --signatures-only / --sig-only / --bench-signatures); skipped otherwise.
# Prints the tables and millstone/peer ratios; everything is kept in DIR (results.tsv, *.time, *.json).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
work=/work/bench-data/peers
dt_mb=0
tasks=2
skip=" "
while [ $# -gt 0 ]; do
    case "$1" in
        --work) work="$2"; shift 2 ;;
        --dt-mb) dt_mb="$2"; shift 2 ;;
        --tasks) tasks="$2"; shift 2 ;;
        --skip) skip="$skip$2 "; shift 2 ;;
        -h|--help) sed -n '2,27p' "$0"; exit 0 ;;
        *) echo "peers: unknown argument $1" >&2; exit 2 ;;
    esac
done
millstone="${MILLSTONE:-$root/target/release/millstone}"
dt_py="${DT_PY:-/work/venv-dt/bin/python}"
peers_py="${PEERS_PY:-/work/venv-peers/bin/python}"
mkdir -p "$work"
results="$work/results.tsv"
touch "$results"  # one row per run label; a re-run replaces its own row, skipped parts keep theirs
log() { echo "peers: $*" >&2; }

corpus="$work/corpus"
if [ ! -f "$corpus/recipe.json" ]; then
    log "writing the corpus (make_peer_corpus.py)"
    "$dt_py" "$here/make_peer_corpus.py" -o "$corpus" >&2
fi
read -r cdocs cbytes < <(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["documents"], r["text_bytes"])' "$corpus/recipe.json")
log "corpus: $cdocs docs, $((cbytes / 1000000)) MB of text; load average: $(cut -d' ' -f1-3 /proc/loadavg)"

# measure LABEL DOCS TEXT_BYTES CMD... -> row in results.tsv: label docs bytes wall cpu rss tree_rss
measure() {
    local label="$1" ndocs="$2" nbytes="$3"; shift 3
    log "running $label: $*"
    local load0; load0="$(cut -d' ' -f1 /proc/loadavg)"
    /usr/bin/time -v -o "$work/$label.time" "$@" > "$work/$label.out" 2> "$work/$label.err" &
    local pid=$!
    python3 "$root/bench/tree_rss.py" "$pid" > "$work/$label.tree" &
    local sampler=$!
    local rc=0
    wait "$pid" || rc=$?
    wait "$sampler" || true
    if [ "$rc" -ne 0 ]; then
        log "$label failed (exit $rc):"; tail -n 20 "$work/$label.err" >&2; return "$rc"
    fi
    local wall cpu rss tree_rss tree_cpu
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; print s}' "$work/$label.time")
    read -r tree_rss tree_cpu < "$work/$label.tree"
    cpu=$(awk -F': ' -v tree="$tree_cpu" '/(User|System) time \(seconds\)/ {s+=$2} END {printf "%.1f", (tree > s ? tree : s)}' "$work/$label.time")
    rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$work/$label.time")
    { grep -v -P "^\Q$label\E\t" "$results" || true; } > "$results.tmp"; mv "$results.tmp" "$results"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$ndocs" "$nbytes" "$wall" "$cpu" "$rss" "$tree_rss" \
        "$load0" "$(cut -d' ' -f1 /proc/loadavg)" >> "$results"
}

# (a) millstone
have_millstone=0
if [[ "$skip" != *" millstone "* ]] && [ -x "$millstone" ] && "$millstone" dedup --help > "$work/millstone-dedup-help.txt" 2>&1; then
    have_millstone=1
    rm -rf "$work/millstone-out"
    measure millstone "$cdocs" "$cbytes" "$millstone" dedup --method minhash -o "$work/millstone-out" "$corpus"/part-*.jsonl
    if grep -q -- '--threads' "$work/millstone-dedup-help.txt"; then
        rm -rf "$work/millstone-1t-out"
        measure millstone-1t "$cdocs" "$cbytes" "$millstone" dedup --method minhash --threads 1 -o "$work/millstone-1t-out" "$corpus"/part-*.jsonl
    fi
else
    log "no working '$millstone dedup': millstone rows skipped"
fi

# (b) datatrove
if [[ "$skip" != *" datatrove "* ]]; then
    dt_corpus="$corpus"; dt_docs="$cdocs"; dt_bytes="$cbytes"
    if [ "$dt_mb" != 0 ]; then
        dt_corpus="$work/corpus-dt$dt_mb"
        mkdir -p "$dt_corpus"
        read -r dt_docs dt_bytes < <(python3 - "$corpus" "$dt_corpus" "$dt_mb" <<'PY'
import glob, json, os, sys
src, dst, mb = sys.argv[1], sys.argv[2], float(sys.argv[3])
docs = nbytes = 0
for p in sorted(glob.glob(os.path.join(src, "part-*.jsonl"))):
    got = 0
    with open(p, "rb") as f, open(os.path.join(dst, os.path.basename(p)), "wb") as o:
        for line in f:
            if got >= mb * 1e6:
                break
            n = len(json.loads(line)["text"].encode("utf-8"))
            got += n; nbytes += n; docs += 1
            o.write(line)
print(docs, nbytes)
PY
)
        log "datatrove corpus: first $dt_mb MB of text of each file: $dt_docs docs"
    fi
    runs="1"; [ "$tasks" != 1 ] && runs="1 $tasks"
    for t in $runs; do
        rm -rf "$work/datatrove-${t}t"
        measure "datatrove-${t}t" "$dt_docs" "$dt_bytes" "$dt_py" "$here/dt_minhash.py" "$dt_corpus" "$work/datatrove-${t}t" --tasks "$t"
    done
fi

# (c) signatures only
if [[ "$skip" != *" sig "* ]]; then
    if [ ! -x "$peers_py" ]; then
        log "creating $(dirname "$(dirname "$peers_py")") (rensa, datasketch, numpy)"
        python3 -m venv "$(dirname "$(dirname "$peers_py")")"
        "$peers_py" -m pip install -q rensa datasketch numpy >&2
    fi
    if [ ! -f "$work/tokens/shingle-times.json" ]; then
        "$dt_py" "$here/peers_shingle.py" "$corpus" "$work/tokens" --processes "$tasks" > "$work/shingle.json"
    else
        cp "$work/tokens/shingle-times.json" "$work/shingle.json"
    fi
    RAYON_NUM_THREADS=1 "$peers_py" "$here/peers_sig.py" "$work/tokens" > "$work/sig.json"
fi

# (d) millstone signature-only mode, if there is one
if [ "$have_millstone" = 1 ]; then
    sigflag=$(grep -o -E -- '--(signatures-only|sig-only|bench-signatures)' "$work/millstone-dedup-help.txt" | head -n1 || true)
    if [ -n "$sigflag" ]; then
        rm -rf "$work/millstone-sig-out"
        measure millstone-sig "$cdocs" "$cbytes" "$millstone" dedup --method minhash "$sigflag" -o "$work/millstone-sig-out" "$corpus"/part-*.jsonl
    else
        log "(d) skipped: millstone dedup has no signature-only mode"
    fi
fi

python3 "$here/peers_report.py" "$work"
