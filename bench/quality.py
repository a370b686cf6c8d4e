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


def _header(path: str, field: str) -> str:
    return subprocess.run(["vipsheader", "-f", field, path], capture_output=True, text=True,
                          check=True).stdout.strip()


def image_size(path: str) -> tuple:
    return int(_header(path, "width")), int(_header(path, "height"))


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


# toq-media's cascade (src/adapter/media/photo/photo_renditions.cpp): long edges, largest first.
RENDITIONS = (("large", 1920), ("medium", 1280), ("small", 640), ("thumbnail", 320))


def rendition_pixels(source: str, out_dir: str) -> dict:
    """The uncompressed pixels toq-media's photo step hands to its encoders, made by the same
    libvips calls: one `thumbnail` to 1920 (shrink-on-load as libvips chooses it, upright,
    never upscaled; sRGB by the embedded profile when there is one), then each smaller size from
    the previous one with `thumbnail_image`. Saved as binary PPM (8-bit RGB) for cjpeg and cwebp;
    returns {rendition name: path}."""
    os.makedirs(out_dir, exist_ok=True)
    fields = subprocess.run(["vipsheader", "-a", source], capture_output=True, text=True,
                            check=True).stdout
    managed = ("\nicc-profile-data:" in fields
               or _header(source, "interpretation").endswith("_CMYK)"))
    paths = {}
    previous = None
    for name, edge in RENDITIONS:
        image = os.path.join(out_dir, f"{name}-resized.v")
        if previous is None:
            argv = ["vips", "thumbnail", source, image, str(edge)]
            if managed:
                argv += ["--export-profile", "srgb"]
        else:
            argv = ["vips", "thumbnail_image", previous, image, str(edge), "--no-rotate"]
        subprocess.run(argv + ["--height", str(edge), "--size", "down"], check=True)
        if previous is None and not _header(image, "interpretation").endswith("_sRGB)"):
            srgb = os.path.join(out_dir, f"{name}-srgb.v")  # to_srgb8: grey, 16-bit
            subprocess.run(["vips", "colourspace", image, srgb, "srgb"], check=True)
            image = srgb
        previous = os.path.join(out_dir, f"{name}.v")
        subprocess.run(["vips", "cast", image, previous, "uchar"], check=True)
        paths[name] = os.path.join(out_dir, f"{name}.ppm")
        subprocess.run(["vips", "copy", previous, paths[name]], check=True)
    return paths


def mean(values):
    values = list(values)
    return sum(values) / len(values) if values else float("nan")
