#!/usr/bin/env bash
# The codec floor of the photo benchmark: what toq-media's photo step spends in libjpeg-turbo and
# libwebp alone, and nothing else (no resizing, colour, hashing, isolation or ZIP). Per photo:
# the full decode (djpeg to /dev/null: the same decoder, the same settings and the same pixels as
# libvips' jpegload, which decodes these photos at full size), then the 8 encodes of the
# renditions from their pixels, prepared beforehand outside the timing (bench/quality.py,
# rendition_pixels). Two photos at a time, like `toq-media process --jobs 2`.
# The encoders' settings are toq-media's (src/adapter/media/photo/rendition_writer.cpp):
#   JPEG: libvips jpegsave Q=85, optimize_coding, strip, the rest default (baseline, 4:2:0 below
#         Q 90, integer DCT) = cjpeg -quality 85 -optimize (the same decoded pixels, checked);
#   WebP: libwebp's simple encoder WebPEncodeRGB at 80 = WebPConfigPreset(DEFAULT, 80): method 4,
#         sns 50, filter 60, 4 segments, 1 pass = cwebp -q 80 -m 4.
# --starts-only runs the same 9 tools per photo with -version instead: what starting the
# processes (and this script) costs, included in the floor's CPU, to subtract from it.
#   codec_floor.sh [--starts-only] OUTDIR PIXELDIR PHOTO...
# (photo N's pixels in PIXELDIR/NN/<size>.ppm, its outputs go to OUTDIR/NN/<size>.{jpg,webp})
set -euo pipefail
export CODEC_FLOOR_STARTS_ONLY=""
if [ "$1" = "--starts-only" ]; then
  CODEC_FLOOR_STARTS_ONLY=1
  shift
fi
out="$1"
export CODEC_FLOOR_PIXELS="$2"
shift 2
one() {
  local photo="$1" dir="$2" pixels name
  pixels="$CODEC_FLOOR_PIXELS/$(basename "$dir")"
  mkdir -p "$dir"
  if [ -n "$CODEC_FLOOR_STARTS_ONLY" ]; then
    djpeg -version 2>/dev/null
    for name in large medium small thumbnail; do
      cjpeg -version 2>/dev/null
      cwebp -version >/dev/null
    done
    return
  fi
  djpeg -outfile /dev/null "$photo"
  for name in large medium small thumbnail; do
    cjpeg -quality 85 -optimize -outfile "$dir/$name.jpg" "$pixels/$name.ppm"
    cwebp -quiet -q 80 -m 4 "$pixels/$name.ppm" -o "$dir/$name.webp"
  done
}
export -f one
# shellcheck source=each_photo.sh
. "$(dirname "$0")/each_photo.sh"
each_photo "$out" "$@"
