#!/usr/bin/env python3
"""Print peers.sh's tables from its work folder: end-to-end runs, signature-only speeds, ratios.

usage: python3 bench/dedup/peers_report.py WORK_DIR
"""

import json
import os
import sys


def main() -> int:
    work = sys.argv[1]
    rows = {}
    path = os.path.join(work, "results.tsv")
    if os.path.exists(path):
        for line in open(path):
            if not line.strip():
                continue
            label, docs, nbytes, wall, cpu, rss, tree, load0, load1 = line.rstrip("\n").split("\t")
            mb = int(nbytes) / 1e6
            rows[label] = {"docs": int(docs), "MB": mb, "wall": float(wall), "cpu": float(cpu), "rss": rss,
                           "tree": tree, "load": f"{load0}/{load1}", "mbs": mb / float(wall),
                           "mbs_core": mb / float(cpu) if float(cpu) else float("inf")}
    if rows:
        print("End to end (MinHash dedup, default settings)")
        hdr = ("run", "docs", "MB text", "wall s", "MB/s", "CPU s", "MB/s/core", "peak RSS MB", "tree RSS MB", "load")
        table = [hdr] + [(k, f"{r['docs']}", f"{r['MB']:.1f}", f"{r['wall']:.1f}", f"{r['mbs']:.2f}", f"{r['cpu']:.1f}",
                          f"{r['mbs_core']:.2f}", r["rss"], r["tree"], r["load"]) for k, r in rows.items()]
        w = [max(len(t[i]) for t in table) for i in range(len(hdr))]
        for t in table:
            print("  ".join(c.rjust(w[i]) if i else c.ljust(w[i]) for i, c in enumerate(t)))
        print("MB = UTF-8 bytes of the `text` fields; CPU s = user+sys of the whole process tree; MB/s/core = MB / CPU s;\n"
              "peak RSS = /usr/bin/time -v (largest waited-for process); tree RSS = peak of the summed process tree;\n"
              "load = 1-min load average at start/end (the machine is shared)")
        for ms in [k for k in rows if k.startswith("millstone") and k != "millstone-sig"]:
            for dt in [k for k in rows if k.startswith("datatrove")]:
                a, b = rows[ms], rows[dt]
                print(f"  {ms} / {dt}: wall MB/s {a['mbs'] / b['mbs']:.1f}x, MB/s per core {a['mbs_core'] / b['mbs_core']:.1f}x,"
                      f" tree RSS {int(a['tree']) / max(int(b['tree']), 1):.2f}x")
    sh = os.path.join(work, "shingle.json")
    sg = os.path.join(work, "sig.json")
    if os.path.exists(sh) and os.path.exists(sg):
        s, g = json.load(open(sh)), json.load(open(sg))
        mb = s["bytes"] / 1e6
        print(f"\nSignature part only, {mb:.1f} MB of text, {s['docs']} docs, {s['shingles']} shingles (5-grams), "
              f"{g['num_perm']} permutations, CPU seconds of one thread")
        parts = [("shingling: simplify_text", s["cpu"]["simplify"]), ("shingling: spaCy tokenize", s["cpu"]["tokenize"]),
                 ("shingling: join 5-grams", s["cpu"]["join"]), ("shingling: xxh64 (datatrove's hash)", s["cpu"]["xxh64"]),
                 ("datatrove get_signature (numpy, on xxh64)", s["cpu"]["dt_sig"]),
                 (f"rensa {g['rensa']} RMinHash update+digest", g["cpu_s"]["rensa_RMinHash"]),
                 (f"rensa {g['rensa']} CMinHash update+digest", g["cpu_s"]["rensa_CMinHash"]),
                 (f"datasketch {g['datasketch']} update_batch+digest", g["cpu_s"]["datasketch"]),
                 ("(datasketch's utf-8 encode of the shingles)", g["cpu_s"]["encode"])]
        sig_rows = {}
        for name, cpu in parts:
            print(f"  {name:46} {cpu:9.2f} s  {mb / cpu if cpu else float('inf'):9.2f} MB/s per core")
            sig_rows[name] = mb / cpu if cpu else None
        shing = sum(s["cpu"][k] for k in ("simplify", "tokenize", "join"))
        print(f"  {'shingling total (simplify+tokenize+join)':46} {shing:9.2f} s  {mb / shing:9.2f} MB/s per core")
        if "millstone-sig" in rows:
            m = rows["millstone-sig"]["mbs_core"]
            for name, v in sig_rows.items():
                if v and not name.startswith("shingling") and not name.startswith("("):
                    print(f"  millstone signatures / {name}: {m / v:.1f}x (per core)")
        if "millstone" in rows:
            m = rows["millstone"]["mbs_core"]
            print(f"  millstone END TO END per core ({m:.2f} MB/s) / signature-only peers: " + ", ".join(
                f"{n.split(' update')[0]} {m / v:.2f}x" for n, v in sig_rows.items()
                if v and ("rensa" in n or "datasketch 2" in n or n.startswith("datatrove get_signature"))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
