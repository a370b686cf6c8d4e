#!/usr/bin/env bash
# Prepares the inputs of `make bench` in OUTDIR (never committed; regenerated when missing):
#   photos/   six real photographs of 12-24 MP from Debian's wallpaper packages (apt-get download)
#   video/    synthetic, noisy clips made by ffmpeg: 10 s 4K H.264 (BT.709, like a camera), 10 s 4K
#             10-bit HEVC HLG (BT.2020, like a phone), 10 s 1080p portrait (rotation matrix), 10 s SD
#   zip/      about 2 GB of media (copies of the above) for the ZIP benchmark
#
#   bench/make-inputs.sh OUTDIR [--smoke]
#
# --smoke makes tiny stand-ins (two small photos, 1 s clips, a few MB for the ZIP) without network,
# for the smoke run in `make test`. Each file is written under a temporary name and renamed, so a
# killed run leaves no half file behind and the next run only makes what is missing.
set -euo pipefail

[ $# -ge 1 ] || { echo "usage: make-inputs.sh OUTDIR [--smoke]" >&2; exit 2; }
out="$1"
smoke="${2:-}"
mkdir -p "$out/photos" "$out/video" "$out/zip"
cd "$out"

ff() { ffmpeg -nostdin -hide_banner -loglevel error -y "$@"; }
# Runs "$@" with its output at a temporary name ($tmp) and renames it to $1 when it succeeded.
make_file() {
  local target="$1"
  shift
  [ -s "$target" ] && return 0
  tmp="$(dirname "$target")/.$(basename "$target").partial.$$"
  tmp="${tmp%.*}.${target##*.}"
  echo "make-inputs: $target" >&2
  "$@"
  mv -f "$tmp" "$target"
}

# --- photos -------------------------------------------------------------------------------------
# package:path-in-package: megapixels
photos=(
  "lomiri-wallpapers-20.04:usr/share/backgrounds/Kleiber_by_Lukas_Baubkus.jpg"        # 20.4 MP
  "mate-backgrounds:usr/share/backgrounds/mate/abstract/Elephants_5640x3172.jpg"      # 17.9 MP
  "lomiri-wallpapers-20.04:usr/share/backgrounds/Infinite-Sea_by_Aury88.jpg"          # 16.8 MP
  "lomiri-wallpapers-16.04:usr/share/backgrounds/seeding_by_Clements_Engelhardt.jpg"  # 15.9 MP
  "lomiri-wallpapers-16.04:usr/share/backgrounds/Dragonfly_by_Bolly.jpg"              # 13.4 MP
  "lomiri-wallpapers-16.04:usr/share/backgrounds/sunset_by_Aitzol_Berasategi.jpg"     # 12.2 MP
)
if [ "$smoke" = "--smoke" ]; then
  photo_a() { ff -f lavfi -i "testsrc2=size=1200x800,noise=alls=10:allf=u" -frames:v 1 -q:v 3 "$tmp"; }
  photo_b() { ff -f lavfi -i "mandelbrot=size=600x900" -frames:v 1 -q:v 3 "$tmp"; }
  make_file photos/smoke-a.jpg photo_a
  make_file photos/smoke-b.jpg photo_b
else
  cache="$out/debs"
  mkdir -p "$cache"
  for entry in "${photos[@]}"; do
    pkg="${entry%%:*}"
    path="${entry#*:}"
    target="photos/$(basename "$path")"
    [ -s "$target" ] && continue
    if ! ls "$cache/${pkg}"_*.deb >/dev/null 2>&1; then
      (cd "$cache" && apt-get download "$pkg" >/dev/null)
    fi
    rm -rf "$cache/x"
    dpkg-deb -x "$(ls "$cache/${pkg}"_*.deb | head -1)" "$cache/x"
    cp "$cache/x/$path" "$target.partial"
    mv "$target.partial" "$target"
    rm -rf "$cache/x"
  done
fi

# --- videos -------------------------------------------------------------------------------------
if [ "$smoke" = "--smoke" ]; then
  size4k=640x360 portrait=640x360 sd=320x240 seconds=1
else
  size4k=3840x2160 portrait=1920x1080 sd=720x576 seconds=10
fi
# testsrc2 in RGB with moving grain (phone sensors are noisy; a clean pattern flatters x264).
grain() { echo "testsrc2=size=$1:rate=$2:duration=$seconds,format=rgb24,noise=alls=${3:-14}:allf=t+u"; }
tone="sine=frequency=440:sample_rate=48000:duration=$seconds"

# A camera's H.264: BT.709 converted and tagged, AAC.
h264_4k() {
  ff -f lavfi -i "$(grain "$size4k" 30)" -f lavfi -i "$tone" \
    -vf "scale=out_color_matrix=bt709:out_range=tv,format=yuv420p" \
    -c:v libx264 -preset veryfast -crf 18 \
    -color_primaries bt709 -color_trc bt709 -colorspace bt709 -color_range tv \
    -c:a aac -b:a 128k -shortest -movflags +faststart "$tmp"
}
# A phone's HDR: 10-bit HEVC, BT.2020 primaries and matrix, HLG transfer, in a .mov.
hevc_hlg() {
  ff -f lavfi -i "$(grain "$size4k" 30)" -f lavfi -i "$tone" \
    -vf "zscale=tin=709:pin=709:t=arib-std-b67:p=2020:m=2020_ncl:r=limited,format=yuv420p10le" \
    -c:v libx265 -preset ultrafast -crf 20 -tag:v hvc1 \
    -x265-params "log-level=error:colorprim=bt2020:transfer=arib-std-b67:colormatrix=bt2020nc:range=limited" \
    -color_primaries bt2020 -color_trc arib-std-b67 -colorspace bt2020nc -color_range tv \
    -c:a aac -b:a 128k -shortest -f mov "$tmp"
}
# A phone held upright: landscape frames with a 90 degree display matrix, BT.709. ffmpeg 5.1 sets
# the matrix only when it copies the stream, hence the second pass.
portrait_1080() {
  ff -f lavfi -i "$(grain "$portrait" 30)" -f lavfi -i "$tone" \
    -vf "scale=out_color_matrix=bt709:out_range=tv,format=yuv420p" \
    -c:v libx264 -preset veryfast -crf 18 \
    -color_primaries bt709 -color_trc bt709 -colorspace bt709 -color_range tv \
    -c:a aac -b:a 128k -shortest -f mp4 "$tmp.landscape"
  ff -i "$tmp.landscape" -map 0 -c copy -metadata:s:v:0 rotate=90 -f mp4 "$tmp"
  rm -f "$tmp.landscape"
}
# Standard definition as old cameras wrote it: BT.601, untagged, 25 fps.
sd_601() {
  ff -f lavfi -i "$(grain "$sd" 25)" -f lavfi -i "$tone" \
    -vf "scale=out_color_matrix=bt601:out_range=tv,format=yuv420p" \
    -c:v libx264 -preset veryfast -crf 18 -c:a aac -b:a 128k -shortest -f mp4 "$tmp"
}
make_file video/h264_4k.mp4 h264_4k
make_file video/hevc_hlg_4k.mov hevc_hlg
make_file video/portrait_1080.mp4 portrait_1080
make_file video/sd_601.mp4 sd_601

# --- ZIP inputs: copies of the media up to the target size --------------------------------------
if [ "$smoke" = "--smoke" ]; then target_mb=8; else target_mb=2048; fi
if [ ! -f zip/.complete ]; then
  rm -rf zip && mkdir -p zip
  total=0
  i=0
  while [ "$total" -lt $((target_mb * 1024 * 1024)) ]; do
    for f in video/*.mp4 video/*.mov photos/*.jpg; do
      i=$((i + 1))
      cp "$f" "zip/$(printf %03d "$i")-$(basename "$f")"
      total=$((total + $(stat -c %s "$f")))
      [ "$total" -ge $((target_mb * 1024 * 1024)) ] && break
    done
  done
  touch zip/.complete
fi
echo "make-inputs: $out is ready" >&2
