"""Photos: toq-media's photo step against sharp (cascade and naive), vipsthumbnail once per
rendition and ImageMagick, on the same real photographs, for the same outputs (320/640/1280/1920 px
long edge, JPEG q85 with optimised Huffman tables, WebP q80 effort 4, upright, sRGB, no metadata).

Rows:
- `toq-media process`: the whole service path for the photos, as a worker runs it: SHA-256 and
  store of the uploads, fetch, verify, sniff, probe and renditions each in an isolated child
  process, store of the outputs, and the batch ZIP; two photos at a time (--jobs 2).
- sharp cascade (the reference), sharp naive, vipsthumbnail per rendition, ImageMagick cascade.
After the rounds, every tool's renditions are compared by SSIM (RGB) with the same lanczos3
downscale of the full-resolution photo, and their bytes added up.
"""

from __future__ import annotations

import glob
import os
import shutil

from harness import Benchmark, Case
from quality import image_size, mean, photo_truth, ssim_rgb

SIZES = ("large", "medium", "small", "thumbnail")


def _fresh(path):
    def prepare():
        shutil.rmtree(path, ignore_errors=True)
        os.makedirs(path, exist_ok=True)
    return prepare


def _quality(photos, out_dirs, truth_dir):
    """out_dirs[i] holds photo i's renditions; SSIM per format, averaged over photos and sizes."""
    def check():
        ssim = {"jpg": [], "webp": []}
        total = 0
        for photo, out in zip(photos, out_dirs):
            for name in SIZES:
                for ext in ("jpg", "webp"):
                    path = os.path.join(out, f"{name}.{ext}")
                    size = image_size(path)
                    ssim[ext].append(ssim_rgb(path, photo_truth(photo, size, truth_dir)))
                    total += os.path.getsize(path)
        return {"SSIM jpeg": mean(ssim["jpg"]), "SSIM webp": mean(ssim["webp"]),
                "output KiB": round(total / 1024)}
    return check


def benchmarks(ctx) -> list:
    photos = sorted(glob.glob(os.path.join(ctx.inputs, "photos", "*.jpg")))
    if not photos:
        raise RuntimeError("no photos in the inputs (bench/make-inputs.sh)")
    work = os.path.join(ctx.work, "photos")
    truth = os.path.join(ctx.inputs, "truth")
    megapixels = sum(w * h for w, h in (image_size(p) for p in photos)) / 1e6
    node = os.path.join(ctx.root, "bench", "node")
    refs = os.path.join(ctx.root, "bench", "refs")

    def numbered(base):
        return [os.path.join(base, f"{i + 1:02d}") for i in range(len(photos))]

    toq_out = os.path.join(work, "toq")
    toq_dirs = [os.path.join(toq_out, "renditions",
                             f"{i + 1:02d}-{os.path.splitext(os.path.basename(p))[0]}")
                for i, p in enumerate(photos)]
    cases = [
        Case("toq-media process --jobs 2", [ctx.toq_media, "process", "--quiet", "--jobs", "2",
                                            "--out", toq_out, *photos],
             prepare=_fresh(toq_out), after=_quality(photos, toq_dirs, truth)),
    ]
    if ctx.before_toq_media:
        before_out = os.path.join(work, "before")
        before_dirs = [d.replace(toq_out, before_out, 1) for d in toq_dirs]
        cases.append(Case("toq-media process --jobs 2 (before)",
                          [ctx.before_toq_media, "process", "--quiet", "--jobs", "2", "--out",
                           before_out, *photos], prepare=_fresh(before_out),
                          after=_quality(photos, before_dirs, truth)))
    for mode in ("cascade", "naive"):
        out = os.path.join(work, f"sharp-{mode}")
        cases.append(Case(f"sharp {mode}", ["node", os.path.join(node, "photo_cascade.js"), mode,
                                            "--jobs", "2", "--out", out, *photos],
                          reference=mode == "cascade", prepare=_fresh(out),
                          after=_quality(photos, numbered(out), truth)))
    for name, script in (("vipsthumbnail per rendition", "vipsthumbnail_each.sh"),
                         ("ImageMagick cascade", "imagemagick_cascade.sh")):
        out = os.path.join(work, script.split(".")[0])
        cases.append(Case(name, [os.path.join(refs, script), out, *photos], prepare=_fresh(out),
                          after=_quality(photos, numbered(out), truth)))
    if ctx.only_candidates:
        cases = [c for c in cases if c.reference or c.name.startswith("toq")]
    return [Benchmark(
        name=f"photos: {len(photos)} photos ({megapixels:.0f} MP) -> 4 sizes x JPEG + WebP, "
             "2 at a time",
        cases=cases, units=len(photos), unit_name="photos",
        notes=["SSIM (RGB) is the mean over every rendition against a lanczos3 downscale of the "
               "full-resolution photo; output KiB adds up the 8 files of every photo."])]
