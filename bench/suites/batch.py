"""A batch from `complete` to READY (the issue's photographer batch: 30 photos + 5 videos) through
`toq-media serve` with its worker processes, the assets worked in parallel as work items
(src/core/service/run_job.hpp). Cases, in the same rounds:
  - the batch with 2 workers, and with 1 worker (how it scales with the workers);
  - the reference: the batch's heaviest asset alone (a batch of that one file, 2 workers).
Target: batch time <= 1.2x (heaviest asset alone + the ZIP), the ZIP's time taken from the 2-worker
batch's own run (last work item done -> job completed, read from its database).

Inputs: bench/make-inputs.sh's photos (six of 12-24 MP, each used five times) and videos (10 s 4K
H.264, 10 s 4K HEVC HLG, 10 s 1080p portrait, 10 s SD; the 4K H.264 twice); --smoke: its two small
photos and four 1 s clips, 2 photos + 2 videos. TOQ_BENCH_BATCH=P,V takes P photos and V videos
instead (a scaled-down batch for a busy machine; the videos in the order h264_4k, hevc_hlg_4k,
portrait_1080, sd_601, h264_4k).
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
    if not photos or not videos:
        raise RuntimeError("no batch inputs (bench/make-inputs.sh)")
    if ctx.smoke:
        return photos[:2], videos[:2]
    count_photos, count_videos = 30, 5
    if os.environ.get("TOQ_BENCH_BATCH"):
        count_photos, count_videos = (int(n) for n in os.environ["TOQ_BENCH_BATCH"].split(","))
    order = ["h264_4k", "hevc_hlg_4k", "portrait_1080", "sd_601", "h264_4k"][:count_videos]
    return (photos * 5)[:count_photos], [next(v for v in videos if n in v) for n in order]


def benchmarks(ctx) -> list:
    photos, videos = _files(ctx)
    files = photos + videos
    heaviest = max(videos, key=os.path.getsize)
    client = ["python3", os.path.join(ctx.root, "bench", "refs", "batch_client.py"),
              ctx.toq_media]
    two = Case("toq-media, 2 workers: complete -> READY", client + ["2", *files], parse=_parse)
    one = Case("toq-media, 1 worker: complete -> READY", client + ["1", *files], parse=_parse)
    alone = Case(f"reference: the heaviest asset alone ({os.path.basename(heaviest)}), "
                 "2 workers", client + ["2", heaviest], reference=True, parse=_parse)

    def target():
        def med(case, key):
            values = [r.metrics[key] for r in case.runs if key in r.metrics]
            return statistics.median(values) if values else float("nan")
        batch2, batch1 = med(two, "batch_s"), med(one, "batch_s")
        reference = med(alone, "batch_s") + med(two, "zip_s")
        return {"target_ratio": round(batch2 / reference, 2),
                "scaling_1_to_2": round(batch1 / batch2, 2)}

    two.after = target
    return [Benchmark(
        name=f"batch: {len(photos)} photos + {len(videos)} videos, complete -> READY, "
             "toq-media serve (SQLite, local store)",
        cases=[two, one, alone], units=len(files), unit_name="files",
        notes=["batch_s is complete -> READY as the status route answers (20 ms polls); zip_s the "
               "2-worker run's ZIP and ending (last item done -> job completed); wall and CPU "
               "include the server's start and the uploads. target_ratio = batch_s(2 workers) / "
               "(batch_s(heaviest alone) + zip_s); scaling_1_to_2 = batch_s(1) / batch_s(2)."])]
