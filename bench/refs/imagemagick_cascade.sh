#!/usr/bin/env bash
# Reference of the photo benchmark: ImageMagick used well, one `convert` per photo that decodes
# once (with libjpeg's DCT scaling hint) and writes
# each size from the previous one; two photos at a time. Same sizes and encoder settings as
# toq-media's photo step. Debian's policy.xml caps the pixel cache at 256 MiB, past which
# ImageMagick pages to disk (a 20 MP photo took a minute of pread calls): imagemagick/policy.xml
# beside this script raises the memory limits for this run only.
#   imagemagick_cascade.sh OUTDIR PHOTO...
set -euo pipefail
export MAGICK_CONFIGURE_PATH="$(cd "$(dirname "$0")" && pwd)/imagemagick"
out="$1"
shift
one() {
  local photo="$1" dir="$2"
  mkdir -p "$dir"
  # IM6 turns jpeg:size=WxH into libjpeg's 1/N scaling with N = the smaller of width/W and
  # height/H: the hint must be the large rendition's own size, and none for a photo that small.
  local hint
  hint=$(/usr/bin/identify -format '%[fx:max(w,h)>1920?1:0] %[fx:round(w*1920/max(w,h))]x%[fx:round(h*1920/max(w,h))]' "$photo[0]")
  local define=()
  [ "${hint%% *}" = 1 ] && define=(-define "jpeg:size=${hint#* }")
  # One thread per convert (two photos run at once): its OpenMP threads spin on a busy machine.
  # /usr/bin: Debian's ImageMagick 6, whatever else is on PATH.
  MAGICK_THREAD_LIMIT=1 /usr/bin/convert "${define[@]}" "$photo" -auto-orient -colorspace sRGB -strip \
    -resize '1920x1920>' -quality 85 -write "$dir/large.jpg" \
    -quality 80 -define webp:method=4 -write "$dir/large.webp" \
    -resize '1280x1280>' -quality 85 -write "$dir/medium.jpg" -quality 80 -write "$dir/medium.webp" \
    -resize '640x640>' -quality 85 -write "$dir/small.jpg" -quality 80 -write "$dir/small.webp" \
    -resize '320x320>' -quality 85 -write "$dir/thumbnail.jpg" -quality 80 "$dir/thumbnail.webp"
}
export -f one
# shellcheck source=each_photo.sh
. "$(dirname "$0")/each_photo.sh"
each_photo "$out" "$@"
