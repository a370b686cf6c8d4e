#!/usr/bin/env python3
"""Each distinct asset of a batch alone, one after another, through `toq-media process --jobs 1`
(the same pipeline as a worker's item, without a server): its CPU time (user + sys of the process
and its children, from wait4) and wall time. The batch's total asset CPU weights each file by how
often the batch holds it; it is what any number of cores must share, the bound of
bench/suites/batch.py.

    batch_profile.py TOQ_MEDIA FILE...      (FILE repeated as often as the batch holds it)
prints: assets_cpu_s=.. assets_wall_s=.. heaviest_cpu_s=.. heaviest_wall_s=.. distinct=N
  assets_cpu_s / assets_wall_s: the sums over the batch's assets (each file counted as often as
  the batch holds it); heaviest_*: the distinct asset with the longest wall time alone.
Each file's own line goes to stderr (the harness's log).
"""

import collections
import os
import shutil
import subprocess
import sys
import tempfile
import time


def measure(binary, path, out_dir):
    shutil.rmtree(out_dir, ignore_errors=True)
    start = time.monotonic()
    proc = subprocess.Popen([binary, "process", "--quiet", "--jobs", "1", "--out", out_dir, path],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"toq-media process {path} failed: {err[-2000:].decode(errors='replace')}")
    return wall, usage.ru_utime + usage.ru_stime


def main():
    binary, paths = sys.argv[1], sys.argv[2:]
    counts = collections.Counter(paths)
    scratch = tempfile.mkdtemp(prefix="toq-bench-profile-")
    try:
        measured = {}
        for path in counts:  # first-seen order
            measured[path] = measure(binary, path, os.path.join(scratch, "out"))
            wall, cpu = measured[path]
            print(f"asset {os.path.basename(path)} x{counts[path]}: wall_s={wall:.3f} "
                  f"cpu_s={cpu:.3f}", file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    heaviest = max(measured, key=lambda p: measured[p][0])
    print(f"heaviest {os.path.basename(heaviest)}", file=sys.stderr)
    print(f"assets_cpu_s={sum(counts[p] * measured[p][1] for p in counts):.3f} "
          f"assets_wall_s={sum(counts[p] * measured[p][0] for p in counts):.3f} "
          f"heaviest_cpu_s={measured[heaviest][1]:.3f} heaviest_wall_s={measured[heaviest][0]:.3f} "
          f"distinct={len(counts)}")


if __name__ == "__main__":
    main()
