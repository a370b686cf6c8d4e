#!/usr/bin/env bash
# Generates the media test corpus described by tests/media/corpus/corpus.json into OUTDIR.
#
#   scripts/make-corpus.sh OUTDIR
#
# Idempotent: OUTDIR/.stamp holds a hash of this script, corpus.json and the mode; when it matches
# and every listed file is there, the run does nothing. Atomic: everything is built in
# OUTDIR.tmp.$$ and renamed into place, so OUTDIR is either the old corpus or the complete new one.
# Real photographs and footage come from Debian packages fetched with `apt-get download` into a cache
# (TOQ_CORPUS_CACHE, default OUTDIR/../corpus-debs); without network this fails, unless
# TOQ_CORPUS_NO_DEBIAN=1, which skips them and records that in the stamp.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
self="$root/scripts/make-corpus.sh"
spec="$root/tests/media/corpus/corpus.json"

die() {
  echo "make-corpus: $*" >&2
  exit 1
}

[ $# -eq 1 ] || die "usage: make-corpus.sh OUTDIR"
out="$1"
case "$out" in /*) ;; *) out="$PWD/$out" ;; esac
out="${out%/}"
cache="${TOQ_CORPUS_CACHE:-$(dirname "$out")/corpus-debs}"
no_debian="${TOQ_CORPUS_NO_DEBIAN:-0}"

# --- tools: say which Debian package is missing --------------------------------------------------
missing=()
need() { command -v "$1" >/dev/null 2>&1 || missing+=("$2 (for $1)"); }
need ffmpeg ffmpeg
need ffprobe ffmpeg
need vips libvips-tools
need convert imagemagick
need exiftool libimage-exiftool-perl
need heif-enc libheif-examples
need python3 python3
need sha256sum coreutils
need flock util-linux
need dpkg-deb dpkg
need apt-get apt
if [ ${#missing[@]} -gt 0 ]; then
  die "missing tools; apt-get install the packages: ${missing[*]}"
fi
# Captured, not piped into grep -q: grep stopping early would kill ffmpeg with SIGPIPE (pipefail).
encoders="$(ffmpeg -hide_banner -encoders 2>/dev/null)"
for e in libx264 libx265 aac; do
  [[ $encoders == *" $e "* ]] || die "ffmpeg lacks the $e encoder (Debian's ffmpeg has it)"
done

# --- idempotence ---------------------------------------------------------------------------------
mode="debian"
[ "$no_debian" = "1" ] && mode="no-debian"
hash="$(cat "$self" "$spec" <(echo "$mode") | sha256sum | cut -d' ' -f1)"

# Every file listed in corpus.json (the Debian ones only in debian mode) exists in $1.
complete() {
  python3 - "$spec" "$1" "$mode" <<'PY'
import json, os, sys
spec, d, mode = sys.argv[1:]
for e in json.load(open(spec))["files"]:
    if mode == "no-debian" and e["source"].startswith("debian:"):
        continue
    if not os.path.isfile(os.path.join(d, e["file"])):
        sys.exit(1)
PY
}
up_to_date() {
  [ -f "$out/.stamp" ] && grep -qx "hash=$hash" "$out/.stamp" && complete "$out"
}

if up_to_date; then
  echo "make-corpus: $out is up to date"
  exit 0
fi

mkdir -p "$(dirname "$out")"
exec 9>"$out.lock"
flock 9
# Someone else may have finished it while we waited for the lock.
if up_to_date; then
  echo "make-corpus: $out is up to date"
  exit 0
fi

start=$(date +%s)
tmp="$out.tmp.$$"
rm -rf "$tmp"
mkdir -p "$tmp/.work"
trap 'rm -rf "$tmp"' EXIT
w="$tmp/.work"
cd "$tmp"

ff() { ffmpeg -nostdin -hide_banner -loglevel error -y "$@"; }
# Test pattern and tone, the raw material of every generated picture and video. The optional pixel
# format is for odd sizes: left to negotiate, testsrc2 picks 4:2:0 and rounds the size to even.
pattern() { echo "testsrc2=size=$1:rate=${3:-30}:duration=$2${4:+,format=$4}"; }
tone() { echo "sine=frequency=440:sample_rate=44100:duration=$1"; }
h264=(-c:v libx264 -preset veryfast -crf 30 -pix_fmt yuv420p)
aac=(-c:a aac -b:a 64k)

echo "make-corpus: generating into $tmp"

# --- real media from Debian packages (first: without network this fails before any work) --------
mapfile -t debian < <(python3 - "$spec" <<'PY'
import json, sys
for e in json.load(open(sys.argv[1]))["files"]:
    if e["source"].startswith("debian:"):
        _, pkg, path = e["source"].split(":", 2)
        print(pkg, path, e["file"])
PY
)
if [ "$no_debian" = "1" ]; then
  echo "make-corpus: TOQ_CORPUS_NO_DEBIAN=1: skipping ${#debian[@]} files from Debian packages"
else
  mkdir -p "$cache"
  mapfile -t packages < <(printf '%s\n' "${debian[@]}" | cut -d' ' -f1 | sort -u)
  fetch=()
  for p in "${packages[@]}"; do
    compgen -G "$cache/${p}_*.deb" >/dev/null || fetch+=("$p")
  done
  if [ ${#fetch[@]} -gt 0 ]; then
    echo "make-corpus: apt-get download ${fetch[*]} into $cache"
    # Into a private directory first, so an interrupted download never looks like a cached .deb.
    dl="$cache/.download.$$"
    rm -rf "$dl" && mkdir -p "$dl"
    if ! (cd "$dl" && apt-get download "${fetch[@]}") >&2; then
      rm -rf "$dl"
      die "apt-get download ${fetch[*]} failed (no network or no apt lists? try apt-get update);" \
        "set TOQ_CORPUS_NO_DEBIAN=1 to build the corpus without the real Debian media"
    fi
    mv "$dl"/*.deb "$cache"/
    rmdir "$dl"
  fi
  for row in "${debian[@]}"; do
    read -r p path file <<<"$row"
    deb=$(compgen -G "$cache/${p}_*.deb" | sort | tail -n 1)
    # One member out of the package's data (what dpkg-deb -x would unpack), not the whole tree.
    dpkg-deb --fsys-tarfile "$deb" | tar -xO ".$path" >"$file" ||
      die "$path not found in $deb"
    [ -s "$file" ] || die "$path is empty in $deb"
  done
fi

# --- photos --------------------------------------------------------------------------------------
# A photo-like scene: the test pattern's busy texture compresses like a photograph, not like a flat
# fill, so the files have realistic structure at a small size.
ff -f lavfi -i "$(pattern 1600x1067 1 1 rgb24)" -frames:v 1 "$w/scene.png"
ff -f lavfi -i "$(pattern 1067x1600 1 1 rgb24)" -frames:v 1 "$w/scene_portrait.png"
ff -f lavfi -i "$(pattern 1600x900 1 1 rgb24)" -frames:v 1 "$w/render.png"
vips resize "$w/scene.png" "$w/scene_1200.png" 0.75 # 1200x800

convert "$w/scene.png" -strip -quality 85 -interlace none jpeg_baseline.jpg
convert "$w/scene_portrait.png" -strip -quality 85 -interlace JPEG jpeg_progressive.jpg
convert "$w/render.png" -strip -quality 88 -interlace none render_jpeg.jpg

# EXIF orientations: the upright picture has a red square top-left, green top-right, blue
# bottom-left. Each file stores the inverse of what its tag does, so honouring the tag restores it.
convert -size 600x400 xc:'#808080' \
  -fill '#ff0000' -draw 'rectangle 0,0 149,149' \
  -fill '#00ff00' -draw 'rectangle 450,0 599,149' \
  -fill '#0000ff' -draw 'rectangle 0,250 149,399' "$w/upright.png"
inverse=("" "" "-flop" "-rotate 180" "-flip" "-transpose" "-rotate 270" "-transverse" "-rotate 90")
for n in 1 2 3 4 5 6 7 8; do
  # shellcheck disable=SC2086 # the inverse operation is two words on purpose
  convert "$w/upright.png" ${inverse[$n]} -strip -quality 92 "jpeg_orientation_$n.jpg"
  exiftool -q -overwrite_original -n "-Orientation=$n" "jpeg_orientation_$n.jpg"
done

convert "$w/scene_1200.png" -strip -quality 85 jpeg_exif_gps.jpg
exiftool -q -overwrite_original \
  -Make=Apple -Model='iPhone 13' -DateTimeOriginal='2024:03:12 10:15:00' \
  -CreateDate='2024:03:12 10:15:00' -Artist='Fotografo Teste' -ImageDescription='Rua Augusta 1000' \
  -GPSLatitude=23.561414 -GPSLatitudeRef=S -GPSLongitude=46.655881 -GPSLongitudeRef=W \
  -GPSAltitude=760 -GPSAltitudeRef=0 -Comment='corpus: GPS must not survive' jpeg_exif_gps.jpg

convert "$w/scene_1200.png" -colorspace CMYK -quality 85 jpeg_cmyk.jpg
convert "$w/scene_1200.png" -depth 16 -define png:bit-depth=16 -define png:color-type=2 PNG48:png_16bit.png
# A render with a transparent background: an opaque rounded block over nothing.
convert -size 800x600 xc:none -fill '#3366cc' -draw 'roundrectangle 100,100 700,500 40,40' \
  -fill '#ffcc00' -draw 'circle 400,300 400,200' PNG32:png_alpha.png
heif-enc -q 60 -o heic_photo.heic "$w/scene_1200.png" >/dev/null
vips webpsave "$w/scene_1200.png" webp_photo.webp --Q 80
vips tiffsave "$w/scene_1200.png" tiff_photo.tif --compression lzw
ff -f lavfi -i "$(pattern 320x240 1 10)" -vf "split[a][b];[a]palettegen[p];[b][p]paletteuse" \
  -loop 0 gif_animated.gif

: >empty.jpg
size=$(stat -c %s jpeg_baseline.jpg)
head -c $((size / 2)) jpeg_baseline.jpg >jpeg_truncated.jpg

printf '%s\n' "Ola! Isto e um arquivo de texto, nao uma foto." "Rua Augusta, 1000 - Sao Paulo" >text_named_jpg.jpg

cat >svg_plan.svg <<'SVG'
<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="800" height="600" viewBox="0 0 800 600">
  <rect x="50" y="50" width="700" height="500" fill="none" stroke="#000" stroke-width="8"/>
  <line x1="400" y1="50" x2="400" y2="550" stroke="#000" stroke-width="4"/>
  <text x="200" y="300" font-size="32">Sala</text>
  <text x="560" y="300" font-size="32">Quarto</text>
  <image x="0" y="0" width="10" height="10" xlink:href="file:///etc/passwd"/>
  <image x="10" y="0" width="10" height="10" xlink:href="http://127.0.0.1:1/x.png"/>
</svg>
SVG

# The 100,000 x 100,000 PNG, the AVI carrying an HLS playlist (CVE-2017-9993 shape) and the PDF are
# written byte by byte: no tool makes them on purpose.
python3 - <<'PY'
import struct, zlib

def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

# PNG: IHDR says 100000x100000 8-bit RGB; the IDAT holds only the first 16 rows (all grey), so the
# file is tiny while its header promises 10^10 pixels (30 GB decoded).
width = height = 100_000
rows = b"".join(b"\x00" + b"\x80" * (3 * width) for _ in range(16))
png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
       + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))
open("png_100k.png", "wb").write(png)

# AVI: RIFF 'AVI ' with hdrl (avih + one strl whose strh fccType is 'txts', a subtitle stream) and a
# movi list whose first chunk '00tx' is a GAB2 subtitle packet embedding an HLS playlist. Old
# ffmpeg probed the embedded file with every demuxer (HLS included) and followed the playlist.
playlist = (b"#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:1.0,\nfile:///etc/passwd\n"
            b"#EXTINF:1.0,\nhttp://127.0.0.1:1/x\n#EXT-X-ENDLIST\n")

def riff_chunk(fourcc, data):
    pad = b"\x00" if len(data) % 2 else b""
    return fourcc + struct.pack("<I", len(data)) + data + pad

def riff_list(kind, body):
    return riff_chunk(b"LIST", kind + body)

avih = struct.pack("<10I4I", 40000, 0, 0, 0x10, 125, 0, 1, 0, 224, 160, 0, 0, 0, 0)
strh = (b"txts" + b"\x00" * 4 + struct.pack("<IHHI", 0, 0, 0, 0)
        + struct.pack("<IIIIIII", 1, 25, 0, 125, 0x386, 10000, 0) + struct.pack("<4h", 0, 0, 224, 160))
strf = struct.pack("<IiiHH4sIiiII", 40, 224, 160, 1, 24, b"XVID", 224 * 160 * 3, 0, 0, 0, 0)
hdrl = riff_list(b"hdrl", riff_chunk(b"avih", avih) + riff_list(b"strl", riff_chunk(b"strh", strh) + riff_chunk(b"strf", strf)))
title = "playlist".encode("utf-16-le") + b"\x00\x00"
gab2 = (b"GAB2\x00" + struct.pack("<H", 2) + struct.pack("<I", len(title)) + title
        + struct.pack("<H", 4) + struct.pack("<I", len(playlist)) + playlist)
movi = riff_list(b"movi", riff_chunk(b"00tx", gab2) + b"".join(riff_chunk(b"00dc", b"\x00" * 64) for _ in range(8)))
body = b"AVI " + hdrl + movi
open("avi_hls_playlist.avi", "wb").write(b"RIFF" + struct.pack("<I", len(body)) + body)

open("m3u8_as_mp4.mp4", "wb").write(
    b"#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n"
    b"#EXTINF:2.0,\nfile:///etc/passwd\n#EXTINF:2.0,\nhttp://127.0.0.1:1/x.ts\n#EXT-X-ENDLIST\n")

# PDF: two pages, A4 portrait then A4 landscape, drawn with the standard Helvetica (not embedded).
def page_stream(label, w, h):
    return (f"0.9 0.9 0.9 rg 36 36 {w - 72} {h - 72} re f 0 0 0 RG 4 w 36 36 {w - 72} {h - 72} re S "
            f"BT /F1 28 Tf 72 {h - 108} Td ({label}) Tj ET").encode()
objs = [
    b"<< /Type /Catalog /Pages 2 0 R >>",
    b"<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >>",
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 6 0 R >>",
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 842 595] /Resources << /Font << /F1 5 0 R >> >> /Contents 7 0 R >>",
    b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
]
for s in (page_stream("Memorial descritivo - pagina 1", 595, 842), page_stream("Pagina 2 (paisagem)", 842, 595)):
    objs.append(b"<< /Length %d >>\nstream\n" % len(s) + s + b"\nendstream")

def write_pdf(name, objs):
    pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    offsets = []
    for i, o in enumerate(objs, 1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    open(name, "wb").write(pdf)

write_pdf("pdf_two_pages.pdf", objs)
# One page 14,400,000 pt square (200 km): beyond the int sizes of libvips.
square = page_stream("Planta", 595, 842)
write_pdf("pdf_huge_page.pdf", [
    b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 14400000 14400000] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
    b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    b"<< /Length %d >>\nstream\n" % len(square) + square + b"\nendstream"])
PY

# --- videos --------------------------------------------------------------------------------------
ff -f lavfi -i "$(pattern 640x360 3)" -f lavfi -i "$(tone 3)" "${h264[@]}" "${aac[@]}" \
  -movflags +faststart video_h264_aac.mp4
cp video_h264_aac.mp4 mp4_named_jpg.jpg

# Rotation as a phone records it: landscape pixels plus a display matrix, added without re-encoding.
ff -i video_h264_aac.mp4 -c copy -metadata:s:v:0 rotate=90 video_rotated_vertical.mp4

# iPhone-like HDR: HEVC Main 10, BT.2020 + HLG, hvc1, .MOV, rotation.
ff -f lavfi -i "$(pattern 640x360 2)" -f lavfi -i "$(tone 2)" \
  -vf format=yuv420p10le -c:v libx265 -preset ultrafast -crf 32 \
  -x265-params "log-level=error:colorprim=bt2020:transfer=arib-std-b67:colormatrix=bt2020nc" \
  -color_primaries bt2020 -color_trc arib-std-b67 -colorspace bt2020nc -tag:v hvc1 \
  "${aac[@]}" "$w/hlg_landscape.mov"
ff -i "$w/hlg_landscape.mov" -c copy -tag:v hvc1 -metadata:s:v:0 rotate=90 video_hevc_hlg.mov

ff -f lavfi -i "$(pattern 322x241 2 30 yuv444p)" -f lavfi -i "$(tone 2)" -c:v libx264 -preset veryfast -crf 30 \
  -pix_fmt yuv444p "${aac[@]}" video_odd_dimensions.mp4
ff -f lavfi -i "$(pattern 640x360 2)" "${h264[@]}" -an video_no_audio.mp4
# Drop frames 3-6 of every 10 and keep the survivors' timestamps: durations of 1/30 s and 5/30 s.
ff -f lavfi -i "$(pattern 640x360 3)" -f lavfi -i "$(tone 3)" \
  -vf "select='not(between(mod(n\,10)\,3\,6))'" -fps_mode vfr "${h264[@]}" "${aac[@]}" video_vfr.mp4
ff -f lavfi -i "$(pattern 640x360 2)" -f lavfi -i "$(tone 2)" "${h264[@]}" "${aac[@]}" \
  video_moov_at_end.mp4
ff -f lavfi -i "$(pattern 1920x1080 2)" -f lavfi -i "$(tone 2)" -c:v libx264 -preset ultrafast \
  -crf 34 -pix_fmt yuv420p "${aac[@]}" -movflags +faststart video_1080p.mp4
ff -f lavfi -i "color=c=black:size=640x360:rate=30:duration=2" -f lavfi -i "$(pattern 640x360 2)" \
  -f lavfi -i "$(tone 4)" -filter_complex "[0:v][1:v]concat=n=2:v=1:a=0[v]" -map '[v]' -map 2:a \
  "${h264[@]}" "${aac[@]}" -movflags +faststart video_black_start.mp4

size=$(stat -c %s video_moov_at_end.mp4)
head -c $((size / 2)) video_moov_at_end.mp4 >mp4_truncated.mp4
size=$(stat -c %s video_h264_aac.mp4)
head -c $((size / 2)) video_h264_aac.mp4 >mp4_truncated_faststart.mp4

# --- hostile headers and containers ---------------------------------------------------------------
# Small files whose headers or boxes are what makes them hostile; the bytes are patched by hand.
ff -f lavfi -i "color=c=gray:size=16x16:rate=1" -frames:v 2 -c:v mjpeg -q:v 5 "$w/mjpeg16.avi"
ff -f lavfi -i "$(tone 2)" "${aac[@]}" audio_only_mp4.mp4
ff -f lavfi -i "$(pattern 640x360 1 1)" -frames:v 1 "${h264[@]}" -movflags +faststart \
  video_one_frame.mp4
# Trimmed on the phone without re-encoding: 3 s of frames behind an edit list that shows the last 1 s
# (negative timestamps before it).
ff -f lavfi -i "$(pattern 640x360 3)" "${h264[@]}" -output_ts_offset -2 video_edit_list.mp4
ff -f lavfi -i "$(pattern 640x360 1)" "${h264[@]}" -f mov "$w/self_contained.mov"
python3 - "$w" <<'PY'
import struct, sys
w = sys.argv[1]

# MJPEG AVI, 2 frames of 16x16, whose AVI header, stream format and JPEG SOF all declare
# 16000x16000: probing believes the header; decoding 256-megapixel frames is what the limit spares.
d = bytearray(open(f"{w}/mjpeg16.avi", "rb").read())
W = H = 16000
i = 0
while (i := d.find(b"\xff\xc0", i)) >= 0:
    d[i + 5:i + 9] = struct.pack(">HH", H, W)
    i += 9
j = d.find(b"avih")
d[j + 40:j + 48] = struct.pack("<II", W, H)
j = d.find(b"strf")
d[j + 12:j + 20] = struct.pack("<ii", W, H)
open("video_frame_16k.avi", "wb").write(d)

# A QuickTime movie whose data reference is an alias to /etc/passwd instead of "self-contained":
# ffmpeg must keep reading its own mdat (drefs are off), never the referenced file.
def boxes(buf, start, end):
    i = start
    while i < end:
        size, kind = struct.unpack(">I4s", buf[i:i + 8])
        yield i, size, kind
        i += size
def path_to(buf, start, end, want, trail=()):
    for i, size, kind in boxes(buf, start, end):
        if kind == want:
            return list(trail) + [(i, size)]
        if kind in (b"moov", b"trak", b"mdia", b"minf", b"dinf"):
            found = path_to(buf, i + 8, i + size, want, list(trail) + [(i, size)])
            if found:
                return found
    return None
m = open(f"{w}/self_contained.mov", "rb").read()
chain = path_to(m, 0, len(m), b"dref")
at, size = chain[-1]
entry = b"alis" + b"\x00\x00\x00\x00" + b"/etc/passwd\x00"
entry = struct.pack(">I", 4 + len(entry)) + entry
dref = struct.pack(">I4sII", 16 + len(entry), b"dref", 0, 1) + entry
delta = len(dref) - size
out = bytearray(m[:at] + dref + m[at + size:])
for parent, parent_size in chain[:-1]:  # moov is after mdat: no chunk offset moves
    out[parent:parent + 4] = struct.pack(">I", parent_size + delta)
open("mov_dref_external.mov", "wb").write(out)

# The HEIC photo with its 'ispe' (image extents) saying 20000x20000: a 400-megapixel panorama as
# far as the header goes, beyond libheif's own 16384 x 16384 bound.
h = bytearray(open("heic_photo.heic", "rb").read())
at = h.index(b"ispe")
h[at + 8:at + 16] = struct.pack(">II", 20000, 20000)
open("heic_too_large.heic", "wb").write(h)
PY

# --- finish --------------------------------------------------------------------------------------
rm -rf "$w"
cp "$spec" corpus.json
complete "$tmp" || die "internal error: a file listed in corpus.json was not generated"
printf 'hash=%s\nmode=%s\ngenerated=%s\n' "$hash" "$mode" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >.stamp
cd /
old="$out.old.$$"
[ -e "$out" ] && mv "$out" "$old"
mv "$tmp" "$out"
rm -rf "$old"
trap - EXIT
echo "make-corpus: $out ready ($(du -sh "$out" | cut -f1), $(($(date +%s) - start)) s, mode $mode)"
