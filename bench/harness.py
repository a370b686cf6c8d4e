"""The measuring half of `make bench` (bench/run.py is the other): runs command lines, interleaved,
and turns the runs into the table of docs/benchmarks.md.

A benchmark is a list of Case objects run in rounds: round 1 runs every case once in the listed
order, round 2 again starting one case later (the order rotates), ... so a burst of load from
someone else's compile hits the code and its reference alike (paired runs) and no case always
runs first. Each run is one child process measured with wait4(): wall time, CPU time (user +
sys, its waited-for children included) and peak RSS (the largest single process of the tree,
which is what "RSS per worker" means). A case may also parse its own metrics out of
the child's stdout (throughput, latency percentiles, SSIM) and check its outputs after the runs.

Nothing here asserts a threshold: the table states the ratio to the reference measured in the
same rounds, and docs/benchmarks.md says which targets that meets.
"""

from __future__ import annotations

import dataclasses
import json
import os
import resource
import shlex
import statistics
import subprocess
import sys
import time
from typing import Callable, Optional


@dataclasses.dataclass
class Run:
    wall: float  # seconds
    cpu: float  # user + sys seconds, children included
    rss_mib: float  # peak RSS of the largest process in the tree
    metrics: dict  # whatever the case parsed from its output


@dataclasses.dataclass
class Case:
    """One command line measured N times. `reference` marks the row the others are compared with
    (one per benchmark); `same_outputs` a second one (at most one per benchmark). `prepare` runs before every run, outside the measurement (clearing an
    output directory); `parse` turns stdout into extra metrics; `after` runs once after the last
    round (quality checks) and returns metrics for the table."""

    name: str
    argv: list
    reference: bool = False
    # The row that makes the same outputs as the candidate when the reference makes fewer (the
    # strictest bar): the table then also gives every row's ratios to this one.
    same_outputs: bool = False
    env: Optional[dict] = None
    cwd: Optional[str] = None
    prepare: Optional[Callable[[], None]] = None
    parse: Optional[Callable[[str], dict]] = None
    after: Optional[Callable[[], dict]] = None
    note: str = ""
    runs: list = dataclasses.field(default_factory=list)
    extra: dict = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class Benchmark:
    name: str  # "photos: 6 photos (96 MP) -> 4 sizes x JPEG + WebP"
    cases: list
    # How many inputs one run handles, for a "per second" column (photos, URLs, bytes); optional.
    units: float = 0
    unit_name: str = ""
    notes: list = dataclasses.field(default_factory=list)
    # An unrecorded first round that fills the page cache; off where the inputs are small.
    warmup: bool = True


class RunFailed(RuntimeError):
    pass


def run_once(case: Case, log) -> Run:
    if case.prepare:
        case.prepare()
    env = dict(os.environ)
    if case.env:
        env.update(case.env)
    log.write(f"$ {shlex.join(str(a) for a in case.argv)}\n")
    log.flush()
    start = time.monotonic()
    proc = subprocess.Popen([str(a) for a in case.argv], stdout=subprocess.PIPE,
                            stderr=log, env=env, cwd=case.cwd)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    text = out.decode("utf-8", "replace")
    if proc.returncode != 0:
        log.write(text[-4000:])
        raise RunFailed(f"{case.name}: exit status {proc.returncode} (see the log)")
    metrics = case.parse(text) if case.parse else {}
    return Run(wall=wall, cpu=usage.ru_utime + usage.ru_stime, rss_mib=usage.ru_maxrss / 1024.0,
               metrics=metrics)


def measure(bench: Benchmark, rounds: int, log, warmup: bool = True) -> None:
    """Runs every case `rounds` times, interleaved (one warm-up round first, not recorded: it
    fills the page cache for everyone alike)."""
    if warmup and bench.warmup:
        for case in bench.cases:
            run_once(case, log)
    for r in range(rounds):
        # Each round starts one case later, so no case always runs first (after the previous
        # benchmark, or after whatever the machine did between rounds).
        shift = r % len(bench.cases)
        for case in bench.cases[shift:] + bench.cases[:shift]:
            run = run_once(case, log)
            case.runs.append(run)
            print(f"  [{r + 1}/{rounds}] {case.name}: {run.wall:.3f} s wall, {run.cpu:.3f} s CPU, "
                  f"{run.rss_mib:.0f} MiB", flush=True)
    for case in bench.cases:
        if case.after:
            case.extra.update(case.after())


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def _median(values):
    return statistics.median(values) if values else float("nan")


def summarise(bench: Benchmark) -> dict:
    ref = next((c for c in bench.cases if c.reference), None)
    ref_wall = _median([r.wall for r in ref.runs]) if ref else None
    ref_cpu = _median([r.cpu for r in ref.runs]) if ref else None
    same = next((c for c in bench.cases if c.same_outputs), None)
    same_wall = _median([r.wall for r in same.runs]) if same else None
    same_cpu = _median([r.cpu for r in same.runs]) if same else None
    rows = []
    for case in bench.cases:
        walls = [r.wall for r in case.runs]
        cpus = [r.cpu for r in case.runs]
        metric_names = sorted({k for r in case.runs for k in r.metrics})
        metrics = {k: _median([r.metrics[k] for r in case.runs if k in r.metrics])
                   for k in metric_names}
        metrics.update(case.extra)
        row = {
            "case": case.name,
            "reference": case.reference,
            "runs": len(case.runs),
            "wall_median": _median(walls),
            "wall_min": min(walls) if walls else None,
            "wall_max": max(walls) if walls else None,
            "cpu_median": _median(cpus),
            "cpu_min": min(cpus) if cpus else None,
            "cpu_max": max(cpus) if cpus else None,
            "rss_peak_mib": max((r.rss_mib for r in case.runs), default=None),
            "wall_ratio": _median(walls) / ref_wall if ref_wall else None,
            "cpu_ratio": _median(cpus) / ref_cpu if ref_cpu else None,
            "same_outputs": case.same_outputs,
            "wall_ratio_same": _median(walls) / same_wall if same_wall else None,
            "cpu_ratio_same": _median(cpus) / same_cpu if same_cpu else None,
            "metrics": metrics,
            "note": case.note,
        }
        if bench.units and walls:
            row["per_second"] = bench.units / _median(walls)
        rows.append(row)
    return {"benchmark": bench.name, "unit": bench.unit_name, "units": bench.units,
            "rows": rows, "notes": bench.notes, "has_same_outputs": same is not None}


def _fmt(value, digits=2):
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.0f}" if abs(value) >= 1000 else f"{value:.{digits}f}"
    return str(value)


def markdown(summary: dict) -> str:
    """One table per benchmark: median (min–max) wall and CPU, peak RSS, ratios to the reference
    of the same rounds (and to the same-outputs row, marked "(same outputs)", when there is one),
    then the case's own metrics."""
    rows = summary["rows"]
    same = summary.get("has_same_outputs", False)
    metric_names = sorted({k for row in rows for k in row["metrics"]})
    head = ["case", "runs", "wall s: median (min–max)", "CPU s: median (min–max)", "peak RSS MiB",
            "wall / ref", "CPU / ref"]
    if same:
        head += ["wall / same outputs", "CPU / same outputs"]
    if summary["unit"]:
        head.append(f"{summary['unit']}/s (wall)")
    head += metric_names
    lines = [f"#### {summary['benchmark']}", "", "| " + " | ".join(head) + " |",
             "|" + "---|" * len(head)]
    for row in rows:
        name = f"**{row['case']}** (reference)" if row["reference"] else row["case"]
        if row.get("same_outputs"):
            name = f"**{row['case']}** (same outputs)"
        cells = [
            name,
            str(row["runs"]),
            f"{_fmt(row['wall_median'], 3)} ({_fmt(row['wall_min'], 3)}–{_fmt(row['wall_max'], 3)})",
            f"{_fmt(row['cpu_median'], 3)} ({_fmt(row['cpu_min'], 3)}–{_fmt(row['cpu_max'], 3)})",
            _fmt(row["rss_peak_mib"], 0),
            _fmt(row["wall_ratio"]),
            _fmt(row["cpu_ratio"]),
        ]
        if same:
            cells += [_fmt(row["wall_ratio_same"]), _fmt(row["cpu_ratio_same"])]
        if summary["unit"]:
            cells.append(_fmt(row.get("per_second"), 1))
        for k in metric_names:
            v = row["metrics"].get(k)
            cells.append(_fmt(v, 4) if isinstance(v, float) else _fmt(v))
        lines.append("| " + " | ".join(cells) + " |")
    for row in rows:
        if row["note"]:
            lines.append(f"\n- {row['case']}: {row['note']}")
    for note in summary["notes"]:
        lines.append(f"\n- {note}")
    return "\n".join(lines) + "\n"


def environment() -> dict:
    def out(argv, stream="stdout"):
        try:
            done = subprocess.run(argv, capture_output=True, text=True, timeout=30)
            return getattr(done, stream).strip()
        except (OSError, subprocess.SubprocessError):
            return "?"

    cpu = "?"
    with open("/proc/cpuinfo", encoding="utf-8") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "cpu": f"{cpu}, {os.cpu_count()} cores",
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "kernel": os.uname().release,
        "ffmpeg": out(["ffmpeg", "-hide_banner", "-version"]).split("\n")[0],
        "libvips": out(["vips", "--version"]),
        # the photo suite's codec floor (djpeg, cjpeg: libjpeg-turbo; cwebp: libwebp)
        "libjpeg-turbo (djpeg)": out(["djpeg", "-version"], "stderr").split("\n")[0],
        "libwebp (cwebp)": out(["cwebp", "-version"]).split("\n")[0],
        "node": out(["node", "--version"]),
        "load_average_start": load_average(),
    }


def write_results(path_base: str, env: dict, summaries: list) -> None:
    with open(path_base + ".json", "w", encoding="utf-8") as f:
        json.dump({"environment": env, "benchmarks": summaries}, f, indent=2)
    with open(path_base + ".md", "w", encoding="utf-8") as f:
        f.write("### Environment\n\n")
        for k, v in env.items():
            f.write(f"- {k}: {v}\n")
        f.write("\n")
        for s in summaries:
            f.write(markdown(s))
            f.write("\n")


def fail(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr)
    sys.exit(2)


def peak_rss_self_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
