#!/usr/bin/env bash
# Puts Debian's static busybox for amd64 and arm64 into the test service's build context
# (test/fixtures/service/busybox-amd64 and busybox-arm64), the one thing its Dockerfile copies
# that git does not hold (see test/fixtures/service/.gitignore).
#
# The .debs come from Debian 12 (bookworm) through a private apt state under
# $RELEASE_FLOW_CACHE/apt/, so the machine's sources and dpkg architectures are left as they are
# (no `dpkg --add-architecture arm64`), and are cached in $RELEASE_FLOW_CACHE/debs/busybox.
# Idempotent: binaries already in place and of the right architecture are kept.
#
# Usage: bash test/bed/fetch-busybox.sh [DEST_DIR]
set -euo pipefail
RF_NAME=fetch-busybox
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/lib.sh
source "$here/lib.sh"

dest=${1:-$here/../fixtures/service}
dest=$(cd "$dest" && pwd)
suite=${RELEASE_FLOW_BUSYBOX_SUITE:-bookworm}
debs="$RF_CACHE/debs/busybox-$suite"

declare -A want=([amd64]=x86_64 [arm64]=aarch64)

ok() { [ -x "$dest/busybox-$1" ] && [ "$(rf_elf_arch "$dest/busybox-$1")" = "${want[$1]}" ]; }

if ok amd64 && ok arm64; then
  rf_log "busybox-amd64 and busybox-arm64 already in $dest"
  exit 0
fi

command -v dpkg-deb >/dev/null || rf_die "dpkg-deb not found: this script needs a Debian-based machine"
rf_fetch_debs "$debs" "$suite" amd64,arm64 busybox-static:amd64 busybox-static:arm64

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for arch in amd64 arm64; do
  deb=$(rf_deb_file "$debs" busybox-static "$arch")
  [ -n "$deb" ] || rf_die "no busybox-static .deb for $arch in $debs"
  dpkg-deb -x "$deb" "$tmp/$arch"
  bin=""
  for candidate in "$tmp/$arch/bin/busybox" "$tmp/$arch/usr/bin/busybox"; do
    [ -f "$candidate" ] && { bin=$candidate; break; }
  done
  [ -n "$bin" ] || rf_die "$(basename "$deb") holds no bin/busybox"
  install -m 0755 "$bin" "$dest/busybox-$arch.tmp"
  mv -f "$dest/busybox-$arch.tmp" "$dest/busybox-$arch"
  ok "$arch" || rf_die "$dest/busybox-$arch is $(rf_elf_arch "$dest/busybox-$arch"), expected ${want[$arch]}"
  rf_log "busybox-$arch <- $(basename "$deb")"
done
