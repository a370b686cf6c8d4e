"""Quality checks the benchmarks run after their timed rounds: SSIM measured in RGB with ffmpeg's
`ssim` filter (both sides converted to planar RGB by their own colour tags), so a tool that is
faster because it makes worse pictures shows it in the same table."""

from __future__ import annotations

import os
import re
import subprocess

_ALL = re.compile(r"All:([0-9.]+)")


def ssim_rgb(candidate: str, truth: str, size: tuple | None = None, frames: int = 0) -> float:
    """SSIM of `candidate` against `truth` in RGB; `truth` is scaled to `size` (w, h) with
    lanczos first when given. `frames` > 0 compares only that many frames (videos)."""
    scale = f"scale={size[0]}:{size[1]}:flags=lanczos," if size else ""
    graph = f"[0:v]format=gbrp[a];[1:v]{scale}format=gbrp[b];[a][b]ssim"
    argv = ["ffmpeg", "-hide_banner", "-nostdin", "-i", candidate, "-i", truth, "-lavfi", graph]
    if frames:
        argv += ["-frames:v", str(frames)]
    argv += ["-f", "null", "-"]
    out = subprocess.run(argv, capture_output=True, text=True, check=True).stderr
    found = _ALL.findall(out)
    if not found:
        raise RuntimeError(f"no SSIM from ffmpeg for {candidate}: {out[-500:]}")
    return float(found[-1])


def image_size(path: str) -> tuple:
    out = subprocess.run(["vipsheader", "-f", "width", path], capture_output=True, text=True,
                         check=True).stdout
    width = int(out.strip())
    out = subprocess.run(["vipsheader", "-f", "height", path], capture_output=True, text=True,
                         check=True).stdout
    return width, int(out.strip())


def photo_truth(source: str, size: tuple, cache_dir: str) -> str:
    """The source resized to exactly `size` from a full decode (no shrink-on-load) with lanczos3
    in libvips, saved lossless: what every tool's rendition is compared with."""
    os.makedirs(cache_dir, exist_ok=True)
    stem = os.path.splitext(os.path.basename(source))[0]
    path = os.path.join(cache_dir, f"{stem}-{size[0]}x{size[1]}.png")
    if not os.path.exists(path):
        full_w, full_h = image_size(source)
        tmp = path + ".partial.png"
        subprocess.run(["vips", "resize", source, tmp, str(size[0] / full_w), "--vscale",
                        str(size[1] / full_h), "--kernel", "lanczos3"], check=True)
        os.replace(tmp, path)
    return path


def mean(values):
    values = list(values)
    return sum(values) / len(values) if values else float("nan")
