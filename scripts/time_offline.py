#!/usr/bin/env python3
"""Time the offline commands (validate, export-openapi) on a generated contract.

    python3 scripts/time_offline.py --ops 1000 --runs 21 [--bin target/release/idrv5-gw ...]

Prints, per binary and command, the median wall time and the median CPU time (user + sys of
the process, all threads) over --runs runs, interleaving the binaries so machine load hits
them alike. CPU time is the steadier figure on a busy machine; wall time is what a user
waits for.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def one(cmd):
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    wall = (time.perf_counter() - t) * 1000
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"{' '.join(cmd)} exited {code}")
    return wall, (ru.ru_utime + ru.ru_stime) * 1000


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ops", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=21)
    ap.add_argument("--bin", action="append", help="binary (repeatable); default target/release/idrv5-gw")
    a = ap.parse_args()
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    bins = a.bin or [str(target / "release" / "idrv5-gw")]
    with tempfile.TemporaryDirectory() as d:
        subprocess.run(
            [sys.executable, str(ROOT / "scripts/gen_contract.py"), "--ops", str(a.ops), "--out", d],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        stack = str(Path(d) / "stack.yaml")
        for command in ["validate", "export-openapi"]:
            res = {b: ([], []) for b in bins}
            for b in bins:  # warm the page cache
                one([b, "--stack", stack, command])
            for _ in range(a.runs):
                for b in bins:
                    w, c = one([b, "--stack", stack, command])
                    res[b][0].append(w)
                    res[b][1].append(c)
            for b in bins:
                w, c = res[b]
                print(
                    f"{a.ops} ops  {command:15} {b}: wall median {statistics.median(w):.0f} ms "
                    f"(min {min(w):.0f}), CPU median {statistics.median(c):.0f} ms (min {min(c):.0f}), "
                    f"{a.runs} runs"
                )
    print("load average:", " ".join(f"{x:.2f}" for x in os.getloadavg()), f"({os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
