#!/usr/bin/env bash
# Reference of the photo benchmark: libvips' own command line, one `vipsthumbnail` per rendition
# (each decodes the file again with shrink-on-load), two photos at a time. Same sizes and encoder
# settings as toq-media's photo step.
#   vipsthumbnail_each.sh OUTDIR PHOTO...
set -euo pipefail
out="$1"
shift
one() {
  local photo="$1" dir="$2"
  mkdir -p "$dir"
  for spec in large:1920 medium:1280 small:640 thumbnail:320; do
    name="${spec%%:*}"
    edge="${spec##*:}"
    vipsthumbnail "$photo" --size "${edge}x${edge}>" \
      -o "$dir/$name.jpg[Q=85,optimize_coding,strip]"
    vipsthumbnail "$photo" --size "${edge}x${edge}>" \
      -o "$dir/$name.webp[Q=80,effort=4,strip]"
  done
}
export -f one
# shellcheck source=each_photo.sh
. "$(dirname "$0")/each_photo.sh"
each_photo "$out" "$@"
