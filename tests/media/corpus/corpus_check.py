#!/usr/bin/env python3
"""Checks that a generated corpus is what corpus.json says it is.

    corpus_check.py CORPUS_JSON CORPUS_DIR

Every claim is checked with a tool independent of toq-media (ffprobe, ffmpeg, vipsheader/vips,
exiftool, file) or by reading the bytes: each listed file exists, its traits hold, and the facts the
expected outcome relies on (displayed size after rotation, duration, 1080p, HDR, page count) are
true of the file. Files from Debian packages are skipped, and reported, when the corpus was built
with TOQ_CORPUS_NO_DEBIAN=1 (the stamp says mode=no-debian). Exit status 0 only when every check
passes.
"""

import functools
import json
import os
import re
import struct
import subprocess
import sys
import tempfile

MEDIA_TYPES = {"PHOTO_HORIZONTAL", "PHOTO_VERTICAL", "VIDEO_HORIZONTAL", "VIDEO_VERTICAL",
               "PROJECT_DOC", "PROJECT_RENDER"}
ASSET_CODES = {"UPLOAD_MISSING", "SIZE_MISMATCH", "CHECKSUM_MISMATCH", "UNSUPPORTED_FORMAT",
               "TYPE_MISMATCH", "CORRUPT_MEDIA", "IMAGE_TOO_LARGE", "VIDEO_TOO_LONG",
               "VIDEO_TRANSCODE_FAILED", "ORIENTATION_MISMATCH", "PROCESSING_TIMEOUT",
               "INTERNAL_ERROR"}
# ffprobe/ffmpeg never follow a reference out of the file under test.
SAFE = ["-protocol_whitelist", "file"]


class CheckFailed(Exception):
    pass


def run(*args, check=True):
    p = subprocess.run(list(args), capture_output=True, text=True, errors="replace")
    if check and p.returncode != 0:
        raise CheckFailed(f"{args[0]} failed ({p.returncode}): {p.stderr.strip()[-300:]}")
    return p


def expect(cond, what):
    if not cond:
        raise CheckFailed(what)


# Each tool runs once per file (the answers are cached): a tool start costs more than its work.
@functools.lru_cache(maxsize=None)
def vips_header(path):
    fields = {}
    for line in run("vipsheader", "-a", path).stdout.splitlines()[1:]:
        key, sep, value = line.partition(": ")
        if sep:
            fields[key] = value.strip()
    return fields


def vips_field(path, field):
    return vips_header(path).get(field, "")


@functools.lru_cache(maxsize=None)
def exif_all(path):
    return json.loads(run("exiftool", "-j", "-n", path).stdout)[0]


def exif(path, *tags):
    everything = exif_all(path)
    return {t: everything[t] for t in tags if t in everything}


@functools.lru_cache(maxsize=None)
def file_says(path):
    return run("file", "-b", path).stdout.strip()


@functools.lru_cache(maxsize=None)
def probe_json(path, demuxer):
    args = ["ffprobe", "-v", "error", *SAFE]
    if demuxer:
        args += ["-f", demuxer]
    args += ["-show_streams", "-show_format", "-of", "json", path]
    return run(*args).stdout


def probe(path, demuxer=None):
    return json.loads(probe_json(path, demuxer))


def video_stream(info):
    vs = [s for s in info["streams"] if s["codec_type"] == "video"]
    expect(vs, "no video stream")
    return vs[0]


def rotation(stream):
    for sd in stream.get("side_data_list", []):
        if "rotation" in sd:
            return int(sd["rotation"])
    return int(stream.get("tags", {}).get("rotate", 0))


def top_level_boxes(path):
    """Names of an ISO-BMFF file's top-level boxes, in order."""
    names = []
    size_total = os.path.getsize(path)
    with open(path, "rb") as f:
        pos = 0
        while pos + 8 <= size_total:
            f.seek(pos)
            size, kind = struct.unpack(">I4s", f.read(8))
            if size == 1:
                size = struct.unpack(">Q", f.read(8))[0]
            elif size == 0:
                size = size_total - pos
            names.append(kind.decode("latin-1"))
            if size < 8:
                break
            pos += size
    return names


def near(a, b, tol):
    return abs(a - b) <= tol


def pixel(path, x, y):
    return [float(v) for v in run("vips", "getpoint", path, str(x), str(y)).stdout.split()]


def check_marker(path, w, h, tmp):
    """After vips autorot the picture is upright: red top-left, green top-right, blue bottom-left."""
    upright = os.path.join(tmp, "upright.v")
    run("vips", "autorot", path, upright)
    expect((int(vips_field(upright, "width")), int(vips_field(upright, "height"))) == (w, h),
           f"autorotated size is not {w}x{h}")
    corners = {"top-left": ((20, 20), (255, 0, 0)), "top-right": ((w - 20, 20), (0, 255, 0)),
               "bottom-left": ((20, h - 20), (0, 0, 255)), "bottom-right": ((w - 20, h - 20), (128, 128, 128))}
    for name, ((x, y), want) in corners.items():
        got = pixel(upright, x, y)
        expect(all(near(g, c, 60) for g, c in zip(got, want)), f"{name} is {got}, want about {want}")


def check_trait(trait, path, entry, tmp):
    name, _, arg = trait.partition(":")
    kind = entry["expected"].get("kind")
    if name == "size":
        w, h = (int(v) for v in arg.split("x"))
        if kind == "video":
            s = video_stream(probe(path))
            got = (s["width"], s["height"])
        else:
            got = (int(vips_field(path, "width")), int(vips_field(path, "height")))
        expect(got == (w, h), f"stored size {got[0]}x{got[1]}, want {w}x{h}")
    elif name in ("jpeg-baseline", "jpeg-progressive"):
        want = "Baseline DCT" if name == "jpeg-baseline" else "Progressive DCT"
        got = exif(path, "EncodingProcess").get("EncodingProcess")
        # exiftool -n gives the SOF marker number: 0 baseline, 2 progressive.
        expect(got == (0 if name == "jpeg-baseline" else 2), f"EncodingProcess {got}, want {want}")
    elif name == "exif-orientation":
        got = exif(path, "Orientation").get("Orientation")
        expect(got == int(arg), f"EXIF Orientation {got}, want {arg}")
    elif name == "marker-after-autorotate":
        check_marker(path, entry["expected"]["width"], entry["expected"]["height"], tmp)
    elif name == "exif-gps":
        t = exif(path, "GPSLatitude", "GPSLongitude")
        expect(near(t.get("GPSLatitude", 0), -23.5614, 0.001) and near(t.get("GPSLongitude", 0), -46.6559, 0.001),
               f"GPS is {t}")
    elif name == "exif-camera":
        t = exif(path, "Make", "Model", "DateTimeOriginal")
        expect(all(k in t for k in ("Make", "Model", "DateTimeOriginal")), f"camera EXIF missing: {t}")
    elif name == "cmyk":
        expect(vips_field(path, "interpretation") == "cmyk" and vips_field(path, "bands") == "4",
               "not a 4-band CMYK image")
        expect(exif(path, "ColorComponents").get("ColorComponents") == 4, "JPEG has not 4 components")
    elif name == "png-16bit":
        expect(vips_field(path, "format") == "ushort", "vips format is not ushort")
        expect("16-bit/color RGB" in file_says(path), f"file says {file_says(path)}")
    elif name == "alpha":
        expect(vips_field(path, "bands") == "4" and "RGBA" in file_says(path), "no alpha channel")
        expect(pixel(path, 0, 0)[3] == 0, "the corner is not transparent")
    elif name in ("heif", "webp", "tiff"):
        loader = {"heif": "heifload", "webp": "webpload", "tiff": "tiffload"}[name]
        expect(vips_field(path, "vips-loader") == loader, f"loader is not {loader}")
        if name == "heif":
            brand = open(path, "rb").read(12)[4:12]
            expect(brand == b"ftypheic", f"brand {brand!r}, want an HEVC-coded HEIC (ftypheic)")
    elif name == "gif-animated":
        expect(vips_field(path, "vips-loader") == "gifload", "not a GIF")
        expect(int(vips_field(path, "n-pages")) > 1, "a single frame")
    elif name == "empty":
        expect(os.path.getsize(path) == 0, "not empty")
    elif name == "jpeg-truncated":
        data = open(path, "rb").read()
        expect(data[:3] == b"\xff\xd8\xff", "no JPEG SOI")
        expect(not data.endswith(b"\xff\xd9"), "ends with EOI")
        p = run("vips", "jpegload", path, os.path.join(tmp, "t.v"), "--fail", check=False)
        expect(p.returncode != 0, "vips decodes it without error under --fail")
    elif name == "png-header":
        w, h = (int(v) for v in arg.split("x"))
        data = open(path, "rb").read(33)
        expect(data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", "no PNG IHDR")
        expect(struct.unpack(">II", data[16:24]) == (w, h), "IHDR size differs")
        expect(f"{w} x {h}" in file_says(path), f"file says {file_says(path)}")
    elif name == "smaller-than":
        expect(os.path.getsize(path) < int(arg), f"{os.path.getsize(path)} bytes, not < {arg}")
    elif name == "svg":
        expect("SVG" in file_says(path), f"file says {file_says(path)}")
    elif name == "text":
        mime = run("file", "-b", "--mime-type", path).stdout.strip()
        expect(mime == "text/plain", f"mime type {mime}")
    elif name == "container":
        fmt = probe(path, None if arg != "avi" else "avi")["format"]["format_name"].split(",")
        expect(arg in fmt, f"container {fmt}, want {arg}")
    elif name == "pdf-pages":
        data = open(path, "rb").read()
        expect(data.startswith(b"%PDF-") and "PDF document" in file_says(path), "not a PDF")
        pages = len(re.findall(rb"/Type\s*/Page\b", data))
        expect(pages == int(arg), f"{pages} pages, want {arg}")
        # poppler (through vips) agrees: the file is a PDF it can open, with that many pages.
        expect(vips_field(path, "n-pages") == arg, f"vips (poppler) counts {vips_field(path, 'n-pages')} pages")
    elif name == "codec":
        got = video_stream(probe(path))["codec_name"]
        expect(got == arg, f"video codec {got}, want {arg}")
    elif name == "audio":
        got = [s["codec_name"] for s in probe(path)["streams"] if s["codec_type"] == "audio"]
        expect(got == [arg], f"audio streams {got}, want [{arg}]")
    elif name == "no-audio":
        got = [s["codec_name"] for s in probe(path)["streams"] if s["codec_type"] == "audio"]
        expect(not got, f"has audio {got}")
    elif name in ("moov-before-mdat", "moov-after-mdat"):
        boxes = top_level_boxes(path)
        expect("moov" in boxes and "mdat" in boxes, f"boxes {boxes}")
        before = boxes.index("moov") < boxes.index("mdat")
        expect(before == (name == "moov-before-mdat"), f"box order {boxes}")
    elif name == "rotation":
        got = abs(rotation(video_stream(probe(path))))
        expect(got == int(arg), f"rotation {got}, want {arg}")
    elif name == "hevc-10bit-hlg":
        s = video_stream(probe(path))
        got = (s["codec_name"], s.get("pix_fmt"), s.get("color_transfer"), s.get("color_primaries"), s.get("profile"))
        expect(got == ("hevc", "yuv420p10le", "arib-std-b67", "bt2020", "Main 10"), f"got {got}")
    elif name == "tag":
        got = video_stream(probe(path))["codec_tag_string"]
        expect(got == arg, f"codec tag {got}, want {arg}")
    elif name == "odd-dimensions":
        s = video_stream(probe(path))
        expect(s["width"] % 2 == 1 or s["height"] % 2 == 1, f"{s['width']}x{s['height']} is even")
    elif name == "vfr":
        s = video_stream(probe(path))
        expect(s["r_frame_rate"] != s["avg_frame_rate"], "r_frame_rate == avg_frame_rate")
        out = run("ffprobe", "-v", "error", *SAFE, "-select_streams", "v:0", "-show_entries",
                  "packet=pts", "-of", "csv=p=0", path).stdout.split()
        pts = sorted(int(v) for v in out if v.strip().lstrip("-").isdigit())
        steps = {b - a for a, b in zip(pts, pts[1:])}
        expect(len(steps) > 1, f"every frame lasts the same ({steps})")
    elif name == "black-lead":
        err = run("ffmpeg", "-nostdin", "-hide_banner", *SAFE, "-i", path, "-an", "-vf",
                  "blackdetect=d=0.5:pix_th=0.10", "-f", "null", "-").stderr
        m = re.search(r"black_start:(\S+) black_end:(\S+)", err)
        expect(m is not None, "no black segment found")
        expect(near(float(m.group(1)), 0, 0.05) and near(float(m.group(2)), float(arg), 0.1),
               f"black from {m.group(1)} to {m.group(2)}, want 0 to {arg}")
    elif name == "mp4-no-moov":
        p = run("ffprobe", "-v", "error", *SAFE, path, check=False)
        expect(p.returncode != 0 and "moov atom not found" in p.stderr, f"ffprobe: {p.stderr.strip()}")
    elif name == "mp4-mdat-short":
        probe(path)  # the moov is whole: probing works
        p = run("ffmpeg", "-nostdin", "-v", "error", *SAFE, "-i", path, "-f", "null", "-", check=False)
        expect("partial file" in p.stderr, f"ffmpeg does not report a partial file: {p.stderr.strip()[-300:]}")
    elif name == "hls-playlist":
        data = open(path, "rb").read()
        expect(data.startswith(b"#EXTM3U") and b"file:///etc/passwd" in data, "not the playlist")
    elif name == "avi-gab2-hls":
        data = open(path, "rb").read()
        expect(data[:4] == b"RIFF" and data[8:12] == b"AVI ", "not RIFF/AVI")
        expect(b"strh" in data and b"txts" in data, "no txts stream header")
        gab2 = data.find(b"00tx")
        expect(gab2 > 0 and data[gab2 + 8:gab2 + 13] == b"GAB2\x00", "no GAB2 chunk")
        expect(b"#EXTM3U" in data[gab2:] and b"file:///etc/passwd" in data and b"http://127.0.0.1:1/x" in data,
               "no embedded playlist")
        streams = probe(path, "avi")["streams"]
        expect(not any(s["codec_type"] == "video" for s in streams), "ffprobe finds a video stream")
    elif name == "video-size":
        w, h = (int(v) for v in arg.split("x"))
        s = video_stream(probe(path))
        expect((s["width"], s["height"]) == (w, h), f"ffprobe reads {s['width']}x{s['height']}, want {w}x{h}")
    elif name == "no-video":
        got = [s["codec_type"] for s in probe(path)["streams"]]
        expect("video" not in got, f"streams {got} include a video")
    elif name == "frames":
        out = run("ffprobe", "-v", "error", *SAFE, "-select_streams", "v:0", "-count_packets", "-show_entries",
                  "stream=nb_read_packets", "-of", "csv=p=0", path).stdout.strip()
        expect(out == arg, f"{out} video packets, want {arg}")
    elif name == "edit-list":
        data = open(path, "rb").read()
        at = data.find(b"elst")
        expect(at > 0, "no elst box")
        # elst: version/flags, entry count, then per entry the segment duration, the media time and
        # the rate (32-bit fields in version 0, 64-bit times in version 1); a media time > 0 skips
        # the start of the media.
        v1 = data[at + 4] == 1
        count, = struct.unpack(">I", data[at + 8:at + 12])
        step, fmt_, off = (20, ">q", 8) if v1 else (12, ">i", 4)
        times = [struct.unpack(fmt_, data[at + 12 + step * k + off:at + 12 + step * k + off + (8 if v1 else 4)])[0]
                 for k in range(count)]
        expect(any(t > 0 for t in times), f"edit list media times {times} skip nothing")
    elif name == "dref-external":
        data = open(path, "rb").read()
        at = data.find(b"dref")
        expect(at > 0 and data[at + 16:at + 20] == b"alis", "the first data reference is not an alias")
        expect(arg.encode() + b"\x00" in data[at:at + 64], f"the alias does not name {arg}")
    elif name == "heif-extents":
        w, h = (int(v) for v in arg.split("x"))
        data = open(path, "rb").read()
        at = data.find(b"ispe")
        expect(data[4:12] == b"ftypheic" and at > 0, "not a HEIC with an ispe box")
        expect(struct.unpack(">II", data[at + 8:at + 16]) == (w, h), "ispe size differs")
    elif name == "pdf-mediabox":
        w, h = arg.split("x")
        data = open(path, "rb").read()
        expect(re.search(rb"/MediaBox\s*\[\s*0\s+0\s+" + w.encode() + rb"\s+" + h.encode() + rb"\s*\]", data) is not None,
               f"no MediaBox [0 0 {w} {h}]")
    else:
        raise CheckFailed(f"unknown trait {trait!r}")


def check_expected(path, entry):
    e = entry["expected"]
    mt = entry["mediaType"]
    if e["status"] == "FAILED":
        expect(e.get("code") in ASSET_CODES, f"unknown code {e.get('code')}")
        return
    expect(e["status"] == "READY", f"status {e['status']}")
    w, h = e["width"], e["height"]
    expect(e["orientation"] == ("horizontal" if w >= h else "vertical"), "orientation disagrees with the size")
    if mt.endswith("_HORIZONTAL") or mt.endswith("_VERTICAL"):
        expect(mt.split("_")[1].lower() == e["orientation"], f"{mt} declared for a {e['orientation']} file")
    if e["kind"] == "photo":
        expect(mt.startswith("PHOTO_") or mt == "PROJECT_RENDER", f"photo declared {mt}")
        sw, sh = int(vips_field(path, "width")), int(vips_field(path, "height"))
        o = exif(path, "Orientation").get("Orientation", 1) if path.lower().endswith((".jpg", ".jpeg")) else 1
        if o in (5, 6, 7, 8):
            sw, sh = sh, sw
        expect((sw, sh) == (w, h), f"displayed {sw}x{sh}, expected says {w}x{h}")
    elif e["kind"] == "video":
        expect(mt.startswith("VIDEO_"), f"video declared {mt}")
        info = probe(path)
        s = video_stream(info)
        sw, sh = s["width"], s["height"]
        if abs(rotation(s)) in (90, 270):
            sw, sh = sh, sw
        expect((sw, sh) == (w, h), f"displayed {sw}x{sh}, expected says {w}x{h}")
        expect(e["has1080p"] == (min(sw, sh) >= 1080), "has1080p disagrees with the size")
        dur = float(info["format"]["duration"])
        expect(near(dur, e["durationSeconds"], 0.15), f"duration {dur}, expected says {e['durationSeconds']}")
        hdr = s.get("color_transfer") in ("arib-std-b67", "smpte2084")
        expect(hdr == e.get("hdr", False), f"hdr is {hdr}")
    elif e["kind"] == "document":
        expect(mt == "PROJECT_DOC", f"document declared {mt}")
        data = open(path, "rb").read()
        first = re.search(rb"/Type\s*/Page\b[^>]*/MediaBox\s*\[\s*0\s+0\s+(\d+)\s+(\d+)\s*\]", data)
        expect(first is not None and (int(first.group(1)), int(first.group(2))) == (w, h),
               "page 1 MediaBox disagrees")
    else:
        raise CheckFailed(f"unknown kind {e['kind']}")


def check_schema(entries):
    problems = []
    ids = [e["id"] for e in entries]
    files = [e["file"] for e in entries]
    if len(set(ids)) != len(ids) or len(set(files)) != len(files):
        problems.append("ids or files are not unique")
    for e in entries:
        if e["mediaType"] not in MEDIA_TYPES:
            problems.append(f"{e['id']}: mediaType {e['mediaType']}")
        if not re.fullmatch(r"[a-z0-9_]+", e["id"]):
            problems.append(f"{e['id']}: id is not snake_case")
        if not (e["source"] == "generated" or re.fullmatch(r"debian:[a-z0-9.+-]+:/\S+", e["source"])):
            problems.append(f"{e['id']}: source {e['source']}")
        if not e.get("licence") or not e.get("contentType") or not e.get("filename"):
            problems.append(f"{e['id']}: licence, contentType or filename missing")
    return problems


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: corpus_check.py CORPUS_JSON CORPUS_DIR")
    spec, corpus = sys.argv[1:]
    entries = json.load(open(spec))["files"]
    stamp = open(os.path.join(corpus, ".stamp")).read() if os.path.exists(os.path.join(corpus, ".stamp")) else ""
    no_debian = "mode=no-debian" in stamp
    failures = check_schema(entries)
    for p in failures:
        print(f"FAIL schema: {p}")
    checked = skipped = 0
    with tempfile.TemporaryDirectory() as tmp:
        for entry in entries:
            path = os.path.join(corpus, entry["file"])
            if no_debian and entry["source"].startswith("debian:"):
                print(f"SKIP {entry['id']}: built with TOQ_CORPUS_NO_DEBIAN=1")
                skipped += 1
                continue
            for what in ["exists", *entry["traits"], "expected"]:
                try:
                    if what == "exists":
                        expect(os.path.isfile(path), f"{path} is missing")
                    elif what == "expected":
                        check_expected(path, entry)
                    else:
                        check_trait(what, path, entry, tmp)
                    checked += 1
                except (CheckFailed, KeyError, ValueError, json.JSONDecodeError) as err:
                    failures.append(f"{entry['id']} [{what}]: {err}")
                    print(f"FAIL {entry['id']} [{what}]: {err}")
                    if what == "exists":
                        break
    print(f"corpus_check: {len(entries)} files, {checked} checks passed, {len(failures)} failed, {skipped} skipped")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
