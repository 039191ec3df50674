#!/usr/bin/env bash
# Builds release-flow-bed/caddy:2, the proxy image the compose tests use in place of the official
# `caddy:2` (Docker Hub is not reachable here), for this machine's platform only. engine.sh runs it.
#
# Recipe (shared/TESTBED.md, "Images without Docker Hub"): Debian 12's `caddy` .deb (downloaded
# through a private apt state under $RELEASE_FLOW_CACHE/apt/, cached in
# $RELEASE_FLOW_CACHE/debs/caddy-bookworm; the machine's sources are left alone) gives
# /usr/bin/caddy, linked only to libc and libzstd. The binary, every library `ldd` names, the
# dynamic loader and the test service's static busybox (for `wget`, the compose health check) go
# into a FROM scratch image: test/fixtures/caddy/Dockerfile.
#
# Idempotent: an image whose label org.release-flow.bed.hash matches this script, the Dockerfile
# and the .deb is kept as it is. The image is checked after a build: `caddy version`, `wget` and
# a `caddy adapt` of a Caddyfile with a reverse_proxy.
#
# Usage: bash test/bed/build-caddy.sh        (needs a running engine: bash test/bed/engine.sh)
set -euo pipefail
RF_NAME=build-caddy
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/lib.sh
source "$here/lib.sh"

IMAGE=release-flow-bed/caddy:2
HASH_LABEL=org.release-flow.bed.hash
FIXTURE_DIR=$(cd "$here/../fixtures/caddy" && pwd)
SERVICE_DIR=$(cd "$here/../fixtures/service" && pwd)
SUITE=${RELEASE_FLOW_CADDY_SUITE:-bookworm}
DEBS="$RF_CACHE/debs/caddy-$SUITE"
ARCH=$(rf_deb_arch)
LOG="$RF_BED_DIR/build-caddy.log"

dk() { timeout "${DK_TIMEOUT:-120}" docker "$@"; }

case "$ARCH" in
  amd64) want_elf=x86_64 ;;
  arm64) want_elf=aarch64 ;;
  *) rf_die "unsupported machine architecture $ARCH (amd64 and arm64 are supported)" ;;
esac

command -v dpkg-deb >/dev/null || rf_die "dpkg-deb not found: this script needs a Debian-based machine"
command -v ldd >/dev/null || rf_die "ldd not found (package libc-bin)"
DK_TIMEOUT=20 dk info >/dev/null 2>&1 || rf_die "no Docker engine answers: run bash test/bed/engine.sh first"
busybox="$SERVICE_DIR/busybox-$ARCH"
[ -x "$busybox" ] && [ "$(rf_elf_arch "$busybox")" = "$want_elf" ] ||
  rf_die "$busybox is missing or not $want_elf: run bash test/bed/fetch-busybox.sh (engine.sh does)"

mkdir -p "$RF_BED_DIR"
rf_fetch_debs "$DEBS" "$SUITE" "$ARCH" "caddy:$ARCH"
deb=$(rf_deb_file "$DEBS" caddy "$ARCH")
[ -n "$deb" ] || rf_die "no caddy .deb for $ARCH in $DEBS"

hash=$(cat "$0" "$FIXTURE_DIR/Dockerfile" <(basename "$deb") "$busybox" | sha256sum | cut -c1-16)
have=$(dk image inspect --format "{{index .Config.Labels \"$HASH_LABEL\"}}" "$IMAGE" 2>/dev/null || true)
if [ "$have" = "$hash" ]; then
  rf_log "$IMAGE is up to date ($(basename "$deb"), hash $hash)"
  exit 0
fi
rf_log "building $IMAGE for linux/$ARCH from $(basename "$deb") (hash $hash; had ${have:-none}; log $LOG)"

ctx=$(mktemp -d "$RF_BED_DIR/caddy-context.XXXXXX")
trap 'rm -rf "$ctx"' EXIT
dpkg-deb -x "$deb" "$ctx/deb"
caddy="$ctx/deb/usr/bin/caddy"
[ -x "$caddy" ] || rf_die "$(basename "$deb") holds no usr/bin/caddy"
[ "$(rf_elf_arch "$caddy")" = "$want_elf" ] || rf_die "$caddy is $(rf_elf_arch "$caddy"), expected $want_elf"

root="$ctx/rootfs"
mkdir -p "$root/usr/bin" "$root/etc"
install -m 0755 "$caddy" "$root/usr/bin/caddy"
# `ldd` lines: "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x…)", "/lib64/ld-linux-x86-64.so.2
# (0x…)" (the loader), "linux-vdso.so.1 (0x…)" (in the kernel, nothing to copy), and "=> not
# found" for a library this machine lacks (loud failure: the image would not start).
ldd_out=$(ldd "$caddy" 2>&1) || rf_die "ldd $caddy failed: $ldd_out"
if grep -q 'not found' <<<"$ldd_out"; then
  rf_die "libraries of caddy missing on this machine (install them with apt-get):
$(grep 'not found' <<<"$ldd_out")"
fi
libs=$(awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' <<<"$ldd_out" | sort -u)
[ -n "$libs" ] || rf_die "ldd named no libraries for caddy (a static binary?):
$ldd_out"
for lib in $libs; do
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib" # -L: the file, not the symlink Debian installs under that name
done
rf_log "rootfs: /usr/bin/caddy + $(echo "$libs" | tr '\n' ' ')"
# Go's resolver reads it to choose between /etc/hosts and DNS (Docker's embedded DNS answers the
# compose service names).
echo 'hosts: files dns' >"$root/etc/nsswitch.conf"
install -m 0755 "$busybox" "$ctx/busybox"
cp "$FIXTURE_DIR/Dockerfile" "$ctx/Dockerfile"
rm -rf "$ctx/deb"

if ! dk build --progress=plain --platform "linux/$ARCH" --label "$HASH_LABEL=$hash" \
  --label "org.opencontainers.image.description=caddy from $(basename "$deb") for tests" \
  -t "$IMAGE" "$ctx" >"$LOG" 2>&1; then
  rf_tail "$LOG"
  rf_die "docker build of $IMAGE failed (log above: $LOG)"
fi

# The checks: the binary runs with the copied libraries, wget exists, and the Caddyfile adapter
# takes a reverse_proxy with the options compose/caddy/Caddyfile uses.
version=$(dk run --rm "$IMAGE" caddy version 2>&1) || rf_die "'docker run $IMAGE caddy version' failed: $version"
dk run --rm "$IMAGE" wget --help >/dev/null 2>&1 || rf_die "$IMAGE has no working wget"
adapt=$(dk run --rm --entrypoint /bin/sh "$IMAGE" -c '
  printf ":8002 {\n reverse_proxy {\n  to a:1 b:2\n  lb_policy first\n  health_uri /health\n  transport http {\n   dial_timeout 500ms\n  }\n }\n}\n" >/tmp/Caddyfile &&
  caddy adapt --config /tmp/Caddyfile' 2>&1) || rf_die "caddy adapt failed in $IMAGE: $adapt"
grep -q '"dial":"a:1"' <<<"$adapt" || rf_die "caddy adapt in $IMAGE gave an unexpected config: $adapt"
rf_log "built $IMAGE: caddy $version ($(dk image inspect --format '{{.Size}}' "$IMAGE" | awk '{ printf "%.1f MB", $1 / 1e6 }'))"
