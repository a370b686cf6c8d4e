#!/bin/sh
# Fetches and unpacks the sources pinned in sources.lock (run in the Dockerfile's Debian stage).
#   fetch-sources.sh LOCK DEST
# For each line "package version orig sha256": apt-get source downloads exactly that version (apt
# verifies each file against Debian's signed indexes), the orig tarball must have the pinned
# SHA-256, and dpkg-source unpacks it with Debian's patches into DEST/package.
set -eu
lock="$1"
dest="$2"
mkdir -p "$dest/download"
cd "$dest/download"
grep -Ev '^[[:space:]]*(#|$)' "$lock" | while read -r package version orig sha256; do
  apt-get source --download-only "$package=$version"
  echo "$sha256  $orig" | sha256sum -c -
  upstream="${version#*:}"
  dpkg-source -x "${package}_${upstream}.dsc" "$dest/$package"
done
rm -rf "$dest/download"
