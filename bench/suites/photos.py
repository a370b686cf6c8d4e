"""Photos: toq-media's photo step against sharp (cascade and naive), vipsthumbnail once per
rendition and ImageMagick, on the same real photographs, for the same outputs (320/640/1280/1920 px
long edge, JPEG q85 with optimised Huffman tables, WebP q80 effort 4, upright, sRGB, no metadata).

Rows:
- `toq-media process`: the whole service path for the photos, as a worker runs it: SHA-256 and
  store of the uploads, fetch, verify, sniff, probe and renditions each in an isolated child
  process, store of the outputs, and the batch ZIP; two photos at a time (--jobs 2).
- sharp cascade (the reference), sharp naive, vipsthumbnail per rendition, ImageMagick cascade.
- codec floor (bench/refs/codec_floor.sh): the full decode of every photo (djpeg) and the 8
  encodes of its renditions (cjpeg, cwebp) with toq-media's settings, from pixels made outside
  the timing, with the libjpeg-turbo and libwebp that libvips and toq-media load: what the photo
  step cannot go under with these codecs. Kept by --only-candidates: when it alone is above 0.8x
  sharp's CPU, that target is out of reach with these codecs, in every run.
After the rounds, every tool's renditions are compared by SSIM (RGB) with the same lanczos3
downscale of the full-resolution photo, and their bytes added up.
"""

from __future__ import annotations

import filecmp
import glob
import os
import re
import shutil
import subprocess

from harness import Benchmark, Case, run_once
from quality import RENDITIONS, image_size, mean, photo_truth, rendition_pixels, ssim_rgb

SIZES = tuple(name for name, _ in RENDITIONS)


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


def _same_renditions(floor_dirs, toq_dirs, check):
    """The floor's quality check, after refusing a floor that does not encode what toq-media
    encodes: its WebPs must be toq-media's byte for byte and its JPEGs decode to the same pixels
    (libvips' JFIF header differs by a few bytes). When toq-media's sizes, resize or encoder
    settings change, bench/refs/codec_floor.sh and rendition_pixels must follow."""
    def djpeg(path):
        return subprocess.run(["djpeg", path], capture_output=True, check=True).stdout

    def after():
        for mine, toq in zip(floor_dirs, toq_dirs):
            for name in SIZES:
                a, b = os.path.join(mine, name), os.path.join(toq, name)
                if (not filecmp.cmp(f"{a}.webp", f"{b}.webp", shallow=False)
                        or djpeg(f"{a}.jpg") != djpeg(f"{b}.jpg")):
                    raise RuntimeError(f"codec floor: {mine}/{name} is not what toq-media wrote "
                                       f"to {toq}: codec_floor.sh no longer encodes the same")
        return check()
    return after


def _shared_object(binary, soname):
    """The file the dynamic linker resolves `soname` to for `binary` (ldd), or None."""
    out = subprocess.run(["ldd", binary], capture_output=True, text=True, check=True).stdout
    found = re.search(rf"^\s*{re.escape(soname)}[^ ]* => (\S+)", out, re.MULTILINE)
    return os.path.realpath(found.group(1)) if found else None


def _codec_note(toq_media):
    """Which libjpeg and libwebp the floor's tools load, against libvips' and toq-media's."""
    libvips = _shared_object(shutil.which("vips"), "libvips.so")
    tools = {"djpeg": "libjpeg.so", "cjpeg": "libjpeg.so", "cwebp": "libwebp.so"}
    seen = {}
    for tool, soname in tools.items():
        seen.setdefault(soname, set()).add(_shared_object(shutil.which(tool), soname))
    for soname in ("libjpeg.so", "libwebp.so"):
        seen[soname].add(_shared_object(libvips, soname))
    seen["libwebp.so"].add(_shared_object(toq_media, "libwebp.so"))  # WebPEncodeRGB, direct
    verdict = ("the same files" if all(len(v) == 1 and None not in v for v in seen.values())
               else "**not the same files**")
    files = "; ".join(f"{k}: {', '.join(sorted(str(f) for f in v))}" for k, v in seen.items())
    return (f"codec floor: djpeg, cjpeg, cwebp, libvips and toq-media load {verdict} ({files}); "
            "versions in the environment list above.")


def _jpeg_layout(photo):
    """(progressive?, sampling factors) of a JPEG, from ImageMagick's identify."""
    out = subprocess.run(["identify", "-format", "%[interlace] %[jpeg:sampling-factor]", photo],
                         capture_output=True, text=True, check=True).stdout.split()
    return out[0] != "None", [tuple(int(x) for x in f.split("x")) for f in out[1].split(",")]


def _memory_note(toq_media, photos, work):
    """Each photo alone through `toq-media process --jobs 1`, once, outside the rounds: the peak
    RSS of the largest process (worker or isolated child), next to what a progressive JPEG cannot
    be decoded without, its whole-image DCT coefficient buffer (2 bytes per coefficient of every
    component: libjpeg keeps them all until the last scan). The table's column is the maximum
    over a run of two at a time."""
    rows = []
    out = os.path.join(work, "memory-one")
    with open(os.devnull, "w", encoding="utf-8") as log:
        runs = [run_once(Case(f"{photo} alone", [toq_media, "process", "--quiet", "--jobs", "1",
                                                 "--out", out, photo], prepare=_fresh(out)), log)
                for photo in photos]
    for photo, run in zip(photos, runs):
        width, height = image_size(photo)
        progressive, factors = _jpeg_layout(photo)
        h_max = max(h for h, _ in factors)
        v_max = max(v for _, v in factors)
        layout = ":".join(f"{h}x{v}" for h, v in factors)
        if progressive:
            coefficients = sum(width * height * h * v / (h_max * v_max) for h, v in factors)
            kind = f"progressive {layout}, coefficients {coefficients * 2 / 2**20:.0f} MiB"
        else:
            kind = f"baseline {layout}"
        rows.append(f"{os.path.basename(photo)} ({width}x{height}, {kind}) "
                    f"{run.rss_mib:.0f} MiB")
    shutil.rmtree(out, ignore_errors=True)
    return "peak RSS, each photo alone (--jobs 1, one run): " + "; ".join(rows) + "."


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
    floor_out = os.path.join(work, "codec-floor")
    floor_pixels = os.path.join(work, "codec-floor-pixels")
    for photo, pixels in zip(photos, numbered(floor_pixels)):
        rendition_pixels(photo, pixels)
    floor = Case("codec floor: djpeg + 4 cjpeg + 4 cwebp per photo, nothing else",
                 [os.path.join(refs, "codec_floor.sh"), floor_out, floor_pixels, *photos],
                 prepare=_fresh(floor_out),
                 after=_same_renditions(numbered(floor_out), toq_dirs,
                                        _quality(photos, numbered(floor_out), truth)))
    starts = Case("codec floor's process starts alone (tools with -version)",
                  [os.path.join(refs, "codec_floor.sh"), "--starts-only", floor_out + "-starts",
                   floor_pixels, *photos],
                  note="the part of the codec floor's CPU that is not codec work: the driver "
                       "script and 9 tool starts per photo (cwebp links libtiff, libpng, ...); "
                       "the codecs' own floor is the difference of the two rows.")
    cases += [floor, starts]
    if ctx.only_candidates:
        cases = [c for c in cases if c.reference or c.name.startswith(("toq", "codec floor"))]
    return [Benchmark(
        name=f"photos: {len(photos)} photos ({megapixels:.0f} MP) -> 4 sizes x JPEG + WebP, "
             "2 at a time",
        cases=cases, units=len(photos), unit_name="photos",
        notes=["SSIM (RGB) is the mean over every rendition against a lanczos3 downscale of the "
               "full-resolution photo; output KiB adds up the 8 files of every photo.",
               _codec_note(ctx.toq_media),
               _memory_note(ctx.toq_media, photos, work)])]
