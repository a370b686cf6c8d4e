#!/usr/bin/env bash
# Before/after of the video ladder's colour handling (docs/benchmarks.md, "Videos"): the same
# transcode as toq-media's, with the scale of the previous code (libswscale converting to the
# BT.709 matrix whatever the source) and of the current one (no conversion for a BT.709 source,
# untagged HD included), on the first SECONDS of the 4K clip made untagged (as ffmpeg's lavfi
# sources and many encoders write it). Paired runs; prints CPU seconds and the SSIM (RGB) of the
# 1080p against the source read as BT.709 (what players assume for untagged HD, and what the clip
# really is) and as BT.601 (what libswscale assumes for anything untagged).
#   video_colour_before_after.sh INPUTS_DIR [SECONDS] [PAIRS]
set -euo pipefail
inputs="$1"
seconds="${2:-4}"
pairs="${3:-3}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
src="$work/untagged.mp4"
ffmpeg -nostdin -v error -y -t "$seconds" -i "$inputs/video/h264_4k.mp4" -c copy \
  -bsf:v h264_metadata=colour_primaries=2:transfer_characteristics=2:matrix_coefficients=2 "$src"
enc=(-c:v libx264 -preset veryfast -crf 21 -profile:v high -pix_fmt yuv420p)
tags=(-color_primaries bt709 -color_trc bt709 -colorspace bt709 -color_range tv)
run() {  # NAME SCALE
  local scale="$2"
  /usr/bin/time -f "%U %S" -o "$work/time" ffmpeg -nostdin -v error -y -i "$src" -filter_complex \
    "[0:0]fps=30,$scale,setsar=1,split=2[v0][s1];[s1]scale=w=1280:h=720:flags=bicubic,setsar=1[v1]" \
    -map "[v0]" -map 0:a:0 -c:a aac -b:a 128k "${enc[@]}" -maxrate 8000k -bufsize 16000k "${tags[@]}" "$work/$1-1080.mp4" \
    -map "[v1]" -map 0:a:0 -c:a aac -b:a 128k "${enc[@]}" -maxrate 5000k -bufsize 10000k "${tags[@]}" "$work/$1-720.mp4"
  awk -v n="$1" '{printf "%s cpu_s=%.2f", n, $1 + $2}' "$work/time"
  for m in bt709 bt601; do
    ffmpeg -hide_banner -nostdin -i "$work/$1-1080.mp4" -i "$src" -lavfi \
      "[0:v]format=gbrp[a];[1:v]scale=1920:1080:flags=lanczos:in_color_matrix=$m,format=gbrp[b];[a][b]ssim" \
      -f null - 2>&1 | grep -o "All:[0-9.]*" | sed "s/All:/ ssim_rgb_vs_source_as_$m=/" | tr -d '\n'
  done
  echo
}
for _ in $(seq "$pairs"); do
  run before "scale=w=1920:h=1080:flags=bicubic:out_color_matrix=bt709:out_range=tv,format=yuv420p"
  run after "scale=w=1920:h=1080:flags=bicubic,format=yuv420p"
done
