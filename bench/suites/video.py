"""Videos: `toq-media process` end to end (hash and store of the upload, probe, the MP4 ladder,
poster, thumbnail, store of the outputs, the ZIP) against the best single ffmpeg command for the
same outputs at the same encoder settings: one decode, scale once, split, the smaller size scaled
from the larger, x264 veryfast CRF 21 with the same rate caps (8 / 5 Mb/s), AAC 128k in both MP4s,
+faststart, and the poster and thumbnail from the first frame of the same decode. HDR sources get
the same tone map in both (zscale to linear light, hable, back to BT.709). The reference makes the
MP4s only (the strictest bar: toq-media's run includes the probe, poster and thumbnail); a third
row adds the poster and thumbnail to the reference's own decode, which costs it about 12% more
than toq-media's separate poster run (a few frames) and thumbnail run (one JPEG).

HLS (docs/benchmarks.md, "HLS"): two more rows price what the streaming ladder adds to the same
reference command: "+ 360p rung" encodes the extra small rung with the fixed 4 s GOP every rung
now has (`-g`, no scene-cut keyframes), MP4s only; "+ 360p rung + HLS fMP4s" also writes every
rung's fragmented MP4 from the same packets through the `tee` muxer, as toq-media does. Their
ratios to the reference are the encode cost of the small rung and of the packaging. The last one
makes the outputs toq-media makes (the MP4s, the 360p rung and every rung's fMP4; not the poster
and thumbnail, which toq-media's run still includes), so it is marked `same_outputs`: the table
gives every row's ratios to it too ("/ same outputs"), the bar of the issue's 1.05x target since
HLS. `--only-candidates` keeps toq-media, the reference and that row.

After the rounds: SSIM (RGB) of the largest MP4 against the source (SDR sources only: an SDR
rendition of an HLG source is not comparable pixel for pixel) and against the reference's.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess

from harness import Benchmark, Case
from quality import ssim_rgb

# name, file, what it stands for
SOURCES = [
    ("4K H.264", "h264_4k.mp4", "10 s 3840x2160 30 fps H.264 BT.709 + AAC, noisy"),
    ("4K HEVC HLG", "hevc_hlg_4k.mov", "10 s 3840x2160 30 fps 10-bit HEVC HLG BT.2020 + AAC, noisy"),
    ("1080p portrait", "portrait_1080.mp4", "10 s 1920x1080 stored, displayed 1080x1920"),
    ("SD BT.601", "sd_601.mp4", "10 s 720x576 25 fps, BT.601 untagged"),
]
ENCODE = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "21", "-profile:v", "high",
          "-pix_fmt", "yuv420p"]


def _probe(path):
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_streams",
                          "-of", "json", path], capture_output=True, text=True, check=True).stdout
    s = json.loads(out)["streams"][0]
    w, h = s["width"], s["height"]
    rotation = 0
    for side in s.get("side_data_list", []):
        rotation = int(side.get("rotation", 0)) % 180
    if rotation:
        w, h = h, w
    num, den = (int(x) for x in s.get("r_frame_rate", "30/1").split("/"))
    return {"width": w, "height": h, "fps": num / den if den else 30.0,
            "transfer": s.get("color_transfer", ""),
            "primaries": s.get("color_primaries", ""), "matrix": s.get("color_space", "")}


def _even(v):
    return max(2, v - v % 2)


def _short_edge(w, h, edge):
    if min(w, h) <= edge:
        return _even(w), _even(h)
    if w <= h:
        return _even(edge), _even(round(h * edge / w))
    return _even(round(w * edge / h)), _even(edge)


def _long_edge(w, h, edge):
    if max(w, h) <= edge:
        return _even(w), _even(h)
    if w >= h:
        return _even(edge), _even(round(h * edge / w))
    return _even(round(w * edge / h)), _even(edge)


def plan(w, h, small=False):
    """The ladder toq-media makes (rendition_plan.cpp): name, size, rate cap kb/s; with `small`
    the HLS ladder's 360p rung when it is smaller than the last (plan_stream_renditions)."""
    out = []
    if min(w, h) >= 1080:
        out.append(("1080p", _short_edge(w, h, 1080), 8000))
    out.append(("720p", _short_edge(w, h, 720), 5000))
    if small:
        size = _short_edge(w, h, 360)
        if size[0] * size[1] < out[-1][1][0] * out[-1][1][1]:
            out.append(("360p", size, 1000))
    return out


def _tee_path(path):
    return "".join(c if c.isalnum() or c in "/._-" else "\\" + c for c in path)


def best_command(source, info, out_dir, with_images, hls=None):
    """The best single ffmpeg command for the same MP4s (see the module's doc); with_images adds
    the poster and thumbnail to the same decode (measured: it costs more than a separate run).
    hls="small": the 360p rung too and a fixed 4 s GOP in every rung (MP4s only); hls="fmp4": and
    every rung's fragmented MP4 for HLS, written by `tee` from the same packets."""
    ladder = plan(info["width"], info["height"], small=hls is not None)
    poster = _long_edge(info["width"], info["height"], 1920)
    thumb = _long_edge(poster[0], poster[1], 320)
    (w0, h0) = ladder[0][1]
    if info["transfer"] in ("arib-std-b67", "smpte2084"):
        pin = "709" if info["primaries"] == "bt709" else "2020"
        first = (f"zscale=w={w0}:h={h0}:filter=bicubic:tin={info['transfer']}:pin={pin}:"
                 f"min=2020_ncl:t=linear:npl=100,format=gbrpf32le,zscale=p=709,"
                 f"tonemap=tonemap=hable:desat=0,zscale=t=709:m=709:r=limited,format=yuv420p")
    else:
        first = f"scale={w0}:{h0}"
    n = len(ladder)
    branches = n + 1 if with_images else n
    graph = f"[0:v]{first},split={branches}" + "".join(f"[s{i}]" for i in range(branches))
    graph += ";[s0]null[v0]"
    for i in range(1, n):
        (w, h) = ladder[i][1]
        graph += f";[s{i}]scale={w}:{h}[v{i}]"
    if with_images:
        pscale = "" if poster == (w0, h0) else f"scale={poster[0]}:{poster[1]},"
        graph += (f";[s{n}]trim=end_frame=1,{pscale}split[poster][t];"
                  f"[t]scale={thumb[0]}:{thumb[1]}:flags=lanczos[thumb]")
    # Tagged like the source (an HDR source is tone-mapped to BT.709), so SSIM in RGB decodes
    # every file with the right matrix; tags cost nothing.
    tags = []
    if info["matrix"] == "bt709" or info["transfer"] in ("arib-std-b67", "smpte2084"):
        tags = ["-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709",
                "-color_range", "tv"]
    argv = ["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-i", source,
            "-filter_complex", graph]
    gop = [] if hls is None else ["-g", str(round(info["fps"] * 4)), "-keyint_min",
                                  str(round(info["fps"] * 4)), "-sc_threshold", "0"]
    for i, (name, _, rate) in enumerate(ladder):
        audio = "96k" if name == "360p" else "128k"
        argv += ["-map", f"[v{i}]", "-map", "0:a:0?", "-c:a", "aac", "-b:a", audio, "-ac", "2",
                 *ENCODE, "-maxrate", f"{rate}k", "-bufsize", f"{2 * rate}k", *gop, *tags]
        mp4 = os.path.join(out_dir, f"{name}.mp4")
        fmp4 = os.path.join(out_dir, f"hls-{name}.mp4")
        frag = "+frag_keyframe+empty_moov+default_base_moof"
        if hls == "fmp4" and name != "360p":
            argv += ["-flags", "+global_header", "-f", "tee",
                     f"[f=mp4:movflags=+faststart]{_tee_path(mp4)}|"
                     f"[f=mp4:movflags={frag}]{_tee_path(fmp4)}"]
        elif hls == "fmp4":
            argv += ["-f", "mp4", "-movflags", frag, fmp4]
        else:
            argv += ["-movflags", "+faststart", mp4]
    if with_images:
        argv += ["-map", "[poster]", "-frames:v", "1", "-q:v", "2",
                 os.path.join(out_dir, "poster.jpg"),
                 "-map", "[thumb]", "-frames:v", "1", "-q:v", "3",
                 os.path.join(out_dir, "thumbnail.jpg")]
    return argv, ladder


def _fresh(path):
    def prepare():
        shutil.rmtree(path, ignore_errors=True)
        os.makedirs(path, exist_ok=True)
    return prepare


def benchmarks(ctx) -> list:
    out = []
    for label, file, what in SOURCES:
        if ctx.video_sources is not None and label not in ctx.video_sources:
            continue
        source = os.path.join(ctx.inputs, "video", file)
        info = _probe(source)
        work = os.path.join(ctx.work, "video", file.split(".")[0])
        toq_out = os.path.join(work, "toq")
        ref_out = os.path.join(work, "best")
        one_out = os.path.join(work, "best-with-images")
        argv, ladder = best_command(source, info, ref_out, with_images=False)
        one_argv, _ = best_command(source, info, one_out, with_images=True)
        small_out = os.path.join(work, "best-small-rung")
        hls_out = os.path.join(work, "best-hls")
        small_argv, _ = best_command(source, info, small_out, with_images=False, hls="small")
        hls_argv, hls_ladder = best_command(source, info, hls_out, with_images=False, hls="fmp4")
        largest = ladder[0][0]
        stem = os.path.splitext(file)[0]
        toq_largest = os.path.join(toq_out, "renditions", f"01-{stem}", f"{largest}.mp4")
        ref_largest = os.path.join(ref_out, f"{largest}.mp4")
        sdr = info["transfer"] not in ("arib-std-b67", "smpte2084")
        frames = 30 if ctx.smoke else 90

        def quality(candidate, sdr=sdr, source=source, ref_largest=ref_largest,
                    size=ladder[0][1], frames=frames, largest=largest):
            def check():
                m = {"SSIM vs best cmd (largest MP4, RGB)": ssim_rgb(candidate, ref_largest,
                                                                      frames=frames)}
                if sdr:
                    m["SSIM vs source (largest MP4, RGB)"] = ssim_rgb(candidate, source,
                                                                      size=size, frames=frames)
                return m
            return check

        cases = [
            Case("toq-media process", [ctx.toq_media, "process", "--quiet", "--jobs", "1",
                                       "--out", toq_out, source],
                 prepare=_fresh(toq_out), after=quality(toq_largest)),
            Case("best single ffmpeg command (MP4s only)", argv, reference=True,
                 prepare=_fresh(ref_out), after=quality(ref_largest)),
            Case("the same + poster and thumbnail from the same decode", one_argv,
                 prepare=_fresh(one_out)),
            Case("the same + 360p rung, fixed 4 s GOP (MP4s)", small_argv,
                 prepare=_fresh(small_out)),
            Case("the same + 360p rung + HLS fMP4s (tee)", hls_argv, same_outputs=True,
                 prepare=_fresh(hls_out)),
        ]
        if ctx.before_toq_media:
            before_out = os.path.join(work, "before")
            cases.insert(1, Case("toq-media process (before)",
                                 [ctx.before_toq_media, "process", "--quiet", "--jobs", "1",
                                  "--out", before_out, source], prepare=_fresh(before_out)))
        if ctx.only_candidates:
            cases = [c for c in cases
                     if c.reference or c.same_outputs or c.name.startswith("toq-media")]
        names = " + ".join(n for n, _, _ in ladder)
        hls_names = " + ".join(n for n, _, _ in hls_ladder)
        out.append(Benchmark(
            name=f"video {label} ({what}) -> {names} + poster + thumbnail; HLS {hls_names}",
            cases=cases, warmup=False))
    return out
