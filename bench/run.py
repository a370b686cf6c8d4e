#!/usr/bin/env python3
"""`make bench`: every benchmark of bench/suites/, each case next to its reference in the same
rounds, written to RESULTS/results.md (the table docs/benchmarks.md quotes) and results.json.

    bench/run.py --build build/release [--suites photos,video,zip,presign,batch] [--rounds 5]
                 [--inputs DIR] [--results DIR] [--smoke] [--only-candidates] [--before BIN]
                 [--video-sources LABEL,...] [--skip-inputs]

Inputs default to build/bench-inputs (shared by every build type: 2 GB, made once).

--skip-inputs: use the inputs directory as it is (bench/make-inputs.sh is not run; a suite whose
inputs are missing fails).

--smoke: tiny inputs made without network, one round, no warm-up: proves every case still runs
(make test runs it); its numbers mean nothing.

Adding a benchmark: a module in bench/suites/ with `benchmarks(ctx) -> list[Benchmark]` (see
harness.py), named in SUITES below. `ctx` gives the repository root, the build directory and its
binaries, the prepared inputs, a scratch directory and the options. A server-based benchmark
starts its server in a Case's `prepare` (or around its cases in benchmarks()) and parses the load
client's output in `parse`; the table then shows those metrics next to the timings.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import harness  # noqa: E402

SUITES = ["photos", "video", "zip", "presign", "batch"]


@dataclasses.dataclass
class Context:
    root: str
    build: str
    inputs: str
    work: str
    rounds: int
    smoke: bool
    only_candidates: bool
    before_toq_media: str | None = None
    video_sources: list | None = None  # labels of bench/suites/video.py's SOURCES; None: all

    @property
    def toq_media(self) -> str:
        return os.path.join(self.build, "src", "app", "toq-media")

    def binary(self, name: str) -> str:
        return os.path.join(self.build, "bench", name)


def main() -> int:
    root = os.path.dirname(HERE)
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--build", default=os.path.join(root, "build", "release"))
    p.add_argument("--suites", default=",".join(SUITES))
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--inputs", default=None)
    p.add_argument("--results", default=None)
    p.add_argument("--smoke", action="store_true")
    p.add_argument("--only-candidates", action="store_true",
                   help="run only toq-media and the reference of each benchmark")
    p.add_argument("--before", default=None, metavar="TOQ_MEDIA",
                   help="an older toq-media binary measured in the same rounds (before/after)")
    p.add_argument("--video-sources", default=None, metavar="LABELS",
                   help="only these sources of the video suite, e.g. '1080p portrait,SD BT.601'")
    p.add_argument("--skip-inputs", action="store_true",
                   help="do not run bench/make-inputs.sh: use the inputs directory as it is")
    args = p.parse_args()
    build = os.path.abspath(args.build)
    suffix = "smoke" if args.smoke else "full"
    default_inputs = (os.path.join(build, "bench-inputs-smoke") if args.smoke
                      else os.path.join(root, "build", "bench-inputs"))
    inputs = os.path.abspath(args.inputs or default_inputs)
    results = os.path.abspath(args.results or os.path.join(build, f"bench-results-{suffix}"))
    rounds = 1 if args.smoke else args.rounds
    if rounds < 1:
        harness.fail("--rounds must be at least 1")

    make_inputs = [os.path.join(HERE, "make-inputs.sh"), inputs]
    if args.smoke:
        make_inputs.append("--smoke")
    if not args.skip_inputs:
        subprocess.run(make_inputs, check=True)
    node_dir = os.path.join(HERE, "node")
    if not os.path.isdir(os.path.join(node_dir, "node_modules", "sharp")):
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=node_dir, check=True)

    work = os.path.join(results, "work")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    ctx = Context(root=root, build=build, inputs=inputs, work=work, rounds=rounds,
                  smoke=args.smoke, only_candidates=args.only_candidates,
                  before_toq_media=os.path.abspath(args.before) if args.before else None,
                  video_sources=args.video_sources.split(",") if args.video_sources else None)
    env = harness.environment()
    env["rounds"] = rounds
    summaries = []
    log_path = os.path.join(results, "runs.log")
    with open(log_path, "w", encoding="utf-8") as log:
        for suite in [s for s in args.suites.split(",") if s]:
            if suite not in SUITES:
                harness.fail(f"unknown suite {suite!r}; known: {', '.join(SUITES)}")
            module = importlib.import_module(f"suites.{suite}")
            for bench in module.benchmarks(ctx):
                print(f"bench: {bench.name} (load {harness.load_average()})", flush=True)
                started = time.monotonic()
                harness.measure(bench, rounds, log, warmup=not args.smoke)
                summary = harness.summarise(bench)
                summary["load_average_end"] = harness.load_average()
                summary["seconds"] = round(time.monotonic() - started)
                bench.notes.append(f"load average (1, 5, 15 min) at the end: "
                                   f"{summary['load_average_end']}")
                summary["notes"] = bench.notes
                summaries.append(summary)
                print(harness.markdown(summary), flush=True)
                harness.write_results(os.path.join(results, "results"), env, summaries)
            cleanup = getattr(module, "cleanup", None)
            if cleanup:
                cleanup(ctx)
    env["load_average_end"] = harness.load_average()
    harness.write_results(os.path.join(results, "results"), env, summaries)
    if not args.smoke:
        shutil.rmtree(work, ignore_errors=True)
    print(f"bench: wrote {results}/results.md (runs logged in {log_path})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
