# Sourced by the photo references: runs the function `one PHOTO OUTDIR` (exported by the caller)
# for every photo, two at a time (the machine's cores), photo N into OUTDIR/NN.
#   each_photo OUTDIR PHOTO...
each_photo() {
  local out="$1" i=0
  shift
  for photo in "$@"; do
    i=$((i + 1))
    printf '%s\0%s\0' "$photo" "$out/$(printf %02d "$i")"
  done | xargs -0 -n 2 -P 2 bash -c 'one "$0" "$1"'
}
