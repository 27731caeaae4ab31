#!/usr/bin/env python3
"""Peak resident memory of a process *and all its descendants*, summed, sampled every 100 ms.

usage: tree_rss.py PID   -> prints "PEAK_RSS_MB CPU_S" once PID has exited

CPU_S = user+sys seconds of every process seen in the tree (as last sampled: up to 100 ms of a
process's end can be missed).

`/usr/bin/time -v` reports the largest single process only; for a multi-process run (datatrove's
LocalPipelineExecutor forks one worker per task) the sum over the process tree is what the machine
has to hold, and the CPU of forkserver-started workers is missing from time's user/sys (nobody
waits for them). Reads /proc only (Linux).
"""

import os
import sys
import time


TICKS = os.sysconf("SC_CLK_TCK")


def sample(root: int, cpu: dict[int, float]) -> int:
    """Summed VmRSS (kB) of root and its descendants; updates cpu[pid] = user+sys seconds."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    ticks: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as f:
                ppid = kb = 0
                for line in f:
                    if line.startswith("PPid:"):
                        ppid = int(line.split()[1])
                    elif line.startswith("VmRSS:"):
                        kb = int(line.split()[1])
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
                ticks[int(entry)] = int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, IndexError, ValueError):
            continue  # exited meanwhile
        pid = int(entry)
        children.setdefault(ppid, []).append(pid)
        rss[pid] = kb
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        if pid in ticks:
            cpu[pid] = max(cpu.get(pid, 0.0), ticks[pid] / TICKS)
        todo.extend(children.get(pid, ()))
    return total


def main() -> int:
    root = int(sys.argv[1])
    peak, cpu = 0, {}
    while os.path.exists(f"/proc/{root}"):
        peak = max(peak, sample(root, cpu))
        time.sleep(0.1)
    print(f"{peak / 1024:.0f} {sum(cpu.values()):.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
