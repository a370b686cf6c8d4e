"""A batch from `complete` to READY (the issue's photographer batch: 30 photos + 5 videos) through
`toq-media serve` with its worker processes, the assets worked in parallel as work items
(src/core/service/run_job.hpp). Cases, in the same rounds:
  - the batch with 2 workers, and with 1 worker (how it scales with the workers), on each CPU set
    of TOQ_BENCH_CPUS (below);
  - each distinct video of the batch alone (a batch of that one file, 2 workers, the whole
    machine): the heaviest asset is the one that takes longest, whatever its size;
  - the profile: each distinct asset alone through `toq-media process --jobs 1`, one after
    another (bench/refs/batch_profile.py), which gives the batch's total asset CPU.
Target: batch time <= 1.2x (heaviest asset alone + the ZIP), the ZIP's time taken from the
2-worker batch's own run (last work item done -> job completed, read from its database). The
table also gives what C cores would need (a batch takes at least max(heaviest alone, total asset
CPU / C) + the ZIP) and the run's timeline (claim latency, the workers' idle time while items were
due, when the longest item started: bench/refs/batch_client.py).

Inputs: bench/make-inputs.sh's photos (six of 12-24 MP, each used five times) and videos (10 s 4K
H.264, 10 s 4K HEVC HLG, 10 s 1080p portrait, 10 s SD; the 4K H.264 twice); --smoke: its two small
photos and four 1 s clips, 2 photos + 2 videos (one of them alone, one photo profiled).
TOQ_BENCH_BATCH=P,V takes P photos and V videos instead (a scaled-down batch for a busy machine;
the videos in the order h264_4k, hevc_hlg_4k, portrait_1080, sd_601, h264_4k; V=0: photos only,
no target row).

TOQ_BENCH_CPUS="all 0": the batch cases once per CPU set, the server and its workers confined to
it with `taskset -c` (space-separated taskset lists; "all" is the whole machine, the default), so
one run shows how the batch scales with cores; the assets alone and the profile run on the whole
machine. --before BIN adds BIN's batch with 2 workers to the same rounds (a before/after pair).
TOQ_BENCH_POLL_MILLIS sets the workers' poll for a due job (50 ms unless set; the server's default
is 500 ms): what the claim latencies of the timeline depend on.
"""

from __future__ import annotations

import glob
import os
import re
import statistics

from harness import Benchmark, Case

_KV = re.compile(r"(\w+)=([0-9.]+)")


def _parse(text):
    return {k: float(v) for k, v in _KV.findall(text)}


def _files(ctx):
    photos = sorted(glob.glob(os.path.join(ctx.inputs, "photos", "*.jpg")))
    videos = sorted(glob.glob(os.path.join(ctx.inputs, "video", "*.mp4")) +
                    glob.glob(os.path.join(ctx.inputs, "video", "*.mov")))
    count_photos, count_videos = 30, 5
    if os.environ.get("TOQ_BENCH_BATCH") and not ctx.smoke:
        count_photos, count_videos = (int(n) for n in os.environ["TOQ_BENCH_BATCH"].split(","))
    # A photos-only batch needs no video inputs (--skip-inputs --inputs DIR with photos/ alone).
    if not photos or (not videos and (count_videos > 0 or ctx.smoke)):
        raise RuntimeError("no batch inputs (bench/make-inputs.sh)")
    if ctx.smoke:
        return photos[:2], videos[:2]
    order = ["h264_4k", "hevc_hlg_4k", "portrait_1080", "sd_601", "h264_4k"][:count_videos]
    return (photos * 5)[:count_photos], [next(v for v in videos if n in v) for n in order]


def _cpu_sets():
    """TOQ_BENCH_CPUS: the CPU sets the batch cases run on (taskset lists, separated by spaces;
    "all" is the whole machine). Unset: "all"."""
    return os.environ.get("TOQ_BENCH_CPUS", "all").split()


def _on(cpus):
    return [] if cpus == "all" else ["taskset", "-c", cpus]


def _where(cpus):
    return "" if cpus == "all" else f", CPUs {cpus} only"


def benchmarks(ctx) -> list:
    photos, videos = _files(ctx)
    files = photos + videos
    client = ["python3", os.path.join(ctx.root, "bench", "refs", "batch_client.py")]
    cases, batch_cases = [], {}
    for cpus in _cpu_sets():
        for workers in (2, 1):
            case = Case(f"toq-media, {workers} worker{'s' if workers > 1 else ''}{_where(cpus)}: "
                        "complete -> READY", _on(cpus) + client + [ctx.toq_media, str(workers),
                                                                  *files], parse=_parse)
            batch_cases[(cpus, workers)] = case
            cases.append(case)
    if ctx.before_toq_media:
        before = Case("toq-media (before), 2 workers: complete -> READY",
                      client + [ctx.before_toq_media, "2", *files], parse=_parse)
        cases.insert(1, before)
    # The heaviest asset is the one that takes longest alone, which is not the largest file (a
    # 10-bit HEVC clip needs more work than a larger H.264 one): every distinct video alone, the
    # reference the longest of them. The smoke run keeps one.
    distinct = list(dict.fromkeys(videos))
    if ctx.smoke:
        distinct = [max(distinct, key=os.path.getsize)]
    alone = [Case(f"the asset alone: {os.path.basename(v)}, 2 workers",
                  client + [ctx.toq_media, "2", v], parse=_parse) for v in distinct]
    cases += alone
    # The smoke run profiles one photo: it proves the script, in a few seconds.
    profile = Case("each distinct asset alone, one after another (toq-media process --jobs 1)",
                   ["python3", os.path.join(ctx.root, "bench", "refs", "batch_profile.py"),
                    ctx.toq_media, *(photos[:1] if ctx.smoke else files)], parse=_parse)
    cases.append(profile)

    def med(case, key):
        values = [r.metrics[key] for r in case.runs if key in r.metrics]
        return statistics.median(values) if values else float("nan")

    def target():
        """The target's ratio, and what C cores would give: a batch needs at least
        max(heaviest alone, total asset CPU / C) + its ZIP, so 1.2x needs
        C >= total CPU / (1.2 (heaviest alone + ZIP) - ZIP)."""
        out = {}
        if alone:  # a photos-only batch (TOQ_BENCH_BATCH=P,0) has no video to take alone
            two = batch_cases[(_cpu_sets()[0], 2)]
            heaviest = max(med(c, "batch_s") for c in alone)
            zip_s = med(two, "zip_s")
            total_cpu = med(profile, "assets_cpu_s")
            out = {"heaviest_alone_s": round(heaviest, 2),
                   "target_ratio": round(med(two, "batch_s") / (heaviest + zip_s), 2),
                   "bound_2_cores_s": round(max(heaviest, total_cpu / 2) + zip_s, 1),
                   "cores_for_1_2x": round(total_cpu / (1.2 * (heaviest + zip_s) - zip_s), 1)}
        for cpus in _cpu_sets():
            one, two = batch_cases[(cpus, 1)], batch_cases[(cpus, 2)]
            suffix = "" if cpus == "all" else f"_cpus_{cpus}"
            out["scaling_1_to_2" + suffix] = round(med(one, "batch_s") / med(two, "batch_s"), 2)
            if cpus != _cpu_sets()[0]:
                first = batch_cases[(_cpu_sets()[0], 2)]
                out["slowdown" + suffix] = round(med(two, "batch_s") / med(first, "batch_s"), 2)
        return out

    profile.after = target
    return [Benchmark(
        name=f"batch: {len(photos)} photos + {len(videos)} videos, complete -> READY, "
             "toq-media serve (SQLite, local store)",
        cases=cases, units=len(files), unit_name="files", warmup=False,
        notes=["batch_s is complete -> READY as the status route answers (20 ms polls); zip_s the "
               "run's ZIP and ending (last item done -> job completed); wall and CPU include the "
               "server's start and the uploads; the other columns are the run's timeline "
               "(bench/refs/batch_client.py). The profile row's assets_cpu_s is the batch's "
               "asset CPU (each distinct file alone through `toq-media process`, weighted by its "
               "count). heaviest_alone_s = the longest batch_s of the assets alone; target_ratio "
               "= batch_s(2 workers) / (heaviest_alone_s + zip_s); bound_2_cores_s = "
               "max(heaviest_alone_s, assets_cpu_s / 2) + zip_s; cores_for_1_2x = assets_cpu_s / "
               "(1.2 (heaviest_alone_s + zip_s) - zip_s); scaling_1_to_2 = batch_s(1 worker) / "
               "batch_s(2 workers) on the same CPUs."])]
