#!/usr/bin/env python3
"""Is there a cheaper encoder setting at equal quality and size? For the 1920 rendition of each
photo (the pixels toq-media encodes, bench/quality.py's rendition_pixels), every variant of the
cwebp and cjpeg settings below is brought to the quality of toq-media's current output by
bisection on -q / -quality (the lowest value whose mean SSIM over the photos is at least the
current one's; SSIM in RGB against the lanczos3 truth, bench/quality.py), then its bytes and its
encode CPU (user + sys of the tool, wait4, median of --reps interleaved rounds) are compared with
the current setting's. A variant wins if, at equal SSIM, it is no larger and costs less CPU.

    bench/refs/codec_settings.py --work DIR [--reps 5] PHOTO...

Prints a markdown table per codec and writes DIR/codec_settings.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from quality import image_size, mean, photo_truth, rendition_pixels, ssim_rgb  # noqa: E402

# toq-media's settings (src/adapter/media/photo/rendition_writer.cpp; bench/refs/codec_floor.sh).
WEBP_NOW = ("cwebp -m 4", 80.0)
JPEG_NOW = ("cjpeg -optimize -dct int", 85.0)


def webp_variants():
    """cwebp option sets (the quality is searched): every method with the preset's defaults
    (sns 50, filter 60, 4 segments, 1 pass, no autofilter), then one option changed at a time
    at the methods near the current one."""
    variants = [f"cwebp -m {m}" for m in range(5)]
    for m in (2, 3, 4):
        variants += [f"cwebp -m {m} -sns {v}" for v in (0, 25, 75, 100)]
        variants += [f"cwebp -m {m} -f {v}" for v in (0, 30, 90)]
        variants += [f"cwebp -m {m} -segments {v}" for v in (1, 2)]
        variants.append(f"cwebp -m {m} -af")
    variants.append("cwebp -m 4 -pass 2")  # a second entropy-analysis pass
    return variants


def jpeg_variants():
    return [f"cjpeg {opt}-dct {dct}"
            for opt in ("-optimize ", "") for dct in ("int", "fast", "float")]


def command(variant, quality, src, dst):
    tool, *options = variant.split()
    if tool == "cwebp":
        return [tool, "-quiet", "-q", f"{quality:g}", *options, src, "-o", dst]
    return [tool, "-quality", f"{quality:g}", *options, "-outfile", dst, src]


def cpu_seconds(argv):
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{argv} failed")
    return usage.ru_utime + usage.ru_stime


class Photos:
    def __init__(self, photos, work):
        self.work = work
        self.items = []  # (pixels of the 1920 rendition, its truth)
        for i, photo in enumerate(photos):
            pixels = rendition_pixels(photo, os.path.join(work, "pixels", f"{i + 1:02d}"))["large"]
            truth = photo_truth(photo, image_size(pixels), os.path.join(work, "truth"))
            self.items.append((pixels, truth))
        self.cache = {}

    def encode(self, variant, quality):
        """Mean SSIM and total bytes of the variant at that quality over the photos."""
        key = (variant, quality)
        if key not in self.cache:
            ext = "webp" if variant.startswith("cwebp") else "jpg"
            ssims, total = [], 0
            for i, (pixels, truth) in enumerate(self.items):
                out = os.path.join(self.work, f"out-{i}.{ext}")
                subprocess.run(command(variant, quality, pixels, out), check=True)
                ssims.append(ssim_rgb(out, truth))
                total += os.path.getsize(out)
            self.cache[key] = (mean(ssims), total, ssims)
        return self.cache[key]

    def cpu(self, variant, quality):
        """Encode CPU of the six photos, one run each."""
        ext = "webp" if variant.startswith("cwebp") else "jpg"
        out = os.path.join(self.work, f"cpu.{ext}")
        return sum(cpu_seconds(command(variant, quality, pixels, out))
                   for pixels, _ in self.items)


def equal_quality(photos, variant, target, low, high, step):
    """The lowest quality in [low, high] (multiples of `step`) whose mean SSIM reaches `target`,
    by bisection (SSIM grows with the quality), or None when even `high` does not."""
    if photos.encode(variant, high)[0] < target:
        return None
    lo, hi = low, high  # invariant: hi reaches the target
    while hi - lo > step:
        mid = round((lo + hi) / 2 / step) * step
        if mid in (lo, hi):
            break
        if photos.encode(variant, mid)[0] >= target:
            hi = mid
        else:
            lo = mid
    return hi


def search(photos, now, variants, low, high, step, reps):
    base_ssim, base_bytes, base_each = photos.encode(*now)
    found = []
    for variant in variants:
        q = now[1] if variant == now[0] else equal_quality(photos, variant, base_ssim, low, high,
                                                           step)
        if q is not None:
            found.append((variant, q))
        print(f"  {variant}: equal SSIM at q {q}", flush=True)
    if now not in found:
        found.insert(0, now)
    cpu = {v: [] for v in found}
    for r in range(reps):  # interleaved, each round starting one setting later
        shift = r % len(found)
        for v in found[shift:] + found[:shift]:
            cpu[v].append(photos.cpu(*v))
    base_cpu = statistics.median(cpu[now])
    rows = []
    for v in found:
        ssim, size, each = photos.encode(*v)
        med = statistics.median(cpu[v])
        per_photo = sum(1 for a, b in zip(each, base_each) if a >= b)
        rows.append({"setting": v[0], "quality": v[1], "cpu_s": med,
                     "cpu_min": min(cpu[v]), "cpu_max": max(cpu[v]),
                     "cpu_vs_now": med / base_cpu - 1, "ssim": ssim, "bytes": size,
                     "bytes_vs_now": size / base_bytes - 1, "photos_ssim_ge": per_photo,
                     "equal_or_better": ssim >= base_ssim and size <= base_bytes})
    rows.sort(key=lambda row: row["cpu_s"])
    return rows


def verdict(row):
    """A win saves at least 10 % of the encode CPU at equal SSIM and size; a smaller saving is
    within the spread of these interleaved medians on the shared machine."""
    if not row["equal_or_better"] or row["cpu_vs_now"] >= 0:
        return "no"
    return "**yes**" if row["cpu_vs_now"] <= -0.10 else "< 10 % less CPU"


def table(title, rows, count):
    lines = [f"#### {title}", "",
             "| setting | q | encode CPU s (min–max) | CPU vs now | mean SSIM | photos with "
             "SSIM >= now's | bytes | bytes vs now | cheaper at equal SSIM and size? |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['setting']} | {r['quality']:g} | {r['cpu_s']:.3f} ({r['cpu_min']:.3f}–"
                     f"{r['cpu_max']:.3f}) | {r['cpu_vs_now']:+.1%} | {r['ssim']:.5f} | "
                     f"{r['photos_ssim_ge']}/{count} | {r['bytes']} | {r['bytes_vs_now']:+.1%} | "
                     f"{verdict(r)} |")
    return "\n".join(lines) + "\n"


TITLES = {"webp": "WebP, 1920 rendition (now: cwebp -q 80 -m 4)",
          "jpeg": "JPEG, 1920 rendition (now: cjpeg -quality 85 -optimize)"}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--work", required=True)
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--codecs", default="webp,jpeg")
    p.add_argument("--tables-only", action="store_true",
                   help="print the tables of WORK/codec_settings.json again, measure nothing")
    p.add_argument("photos", nargs="*")
    args = p.parse_args()
    saved = os.path.join(args.work, "codec_settings.json")
    if args.tables_only:
        with open(saved, encoding="utf-8") as f:
            results = json.load(f)
        for codec, rows in results.items():
            print(table(TITLES[codec], rows["rows"], rows["photos"]))
        return
    os.makedirs(args.work, exist_ok=True)
    photos = Photos(args.photos, args.work)
    searches = {"webp": (WEBP_NOW, webp_variants(), 70.0, 95.0, 0.25),
                "jpeg": (JPEG_NOW, jpeg_variants(), 70.0, 100.0, 1.0)}
    results = {}
    for codec in args.codecs.split(","):
        rows = search(photos, *searches[codec], args.reps)
        results[codec] = {"photos": len(photos.items), "rows": rows}
        print(table(TITLES[codec], rows, len(photos.items)), flush=True)
    with open(saved, "w", encoding="utf-8") as f:
        json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
