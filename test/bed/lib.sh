# shellcheck shell=bash
# Helpers shared by test/bed/*.sh. Source it after setting RF_NAME; it only defines things.
#
# Environment (all optional):
#   RELEASE_FLOW_BED_DIR        scratch directory: engine state, registries, logs, env file
#                               (default /tmp/release-flow-bed)
#   RELEASE_FLOW_CACHE          downloads kept between runs (default ~/.cache/release-flow,
#                               the same cache node24.sh uses)
#   RELEASE_FLOW_DEBIAN_MIRROR  Debian archive (default http://deb.debian.org/debian)

RF_NAME="${RF_NAME:-bed}"
RF_BED_DIR="${RELEASE_FLOW_BED_DIR:-/tmp/release-flow-bed}"
RF_CACHE="${RELEASE_FLOW_CACHE:-$HOME/.cache/release-flow}"
RF_DEBIAN_MIRROR="${RELEASE_FLOW_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
RF_DEBIAN_KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

rf_log() { printf '[%s +%ss] %s\n' "$RF_NAME" "$SECONDS" "$*"; }
rf_warn() { printf '[%s +%ss] WARNING: %s\n' "$RF_NAME" "$SECONDS" "$*" >&2; }
rf_die() {
  printf '[%s +%ss] FAILED: %s\n' "$RF_NAME" "$SECONDS" "$*" >&2
  exit 1
}

# Prints the last lines of a log file to stderr, framed, for failure messages.
rf_tail() {
  local file=$1 lines=${2:-40}
  [ -f "$file" ] || { echo "  (no log at $file)" >&2; return 0; }
  echo "---- last $lines lines of $file ----" >&2
  tail -n "$lines" "$file" >&2
  echo "---- end of $file ----" >&2
}

rf_need_root() {
  [ "$(id -u)" = 0 ] || rf_die "$1 needs root (CI runs as root); run it as root: sudo bash $0"
}

# The machine's Debian architecture name (amd64, arm64).
rf_deb_arch() { dpkg --print-architecture 2>/dev/null || echo amd64; }

# Packages (of those named) that dpkg does not have installed.
rf_missing_pkgs() {
  local p
  for p in "$@"; do
    [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" = installed ] || echo "$p"
  done
}

# Installs the named packages from the machine's own apt sources, only those missing.
rf_apt_install() {
  local -a missing
  mapfile -t missing < <(rf_missing_pkgs "$@")
  [ "${#missing[@]}" -eq 0 ] && return 0
  rf_need_root "installing ${missing[*]}"
  command -v apt-get >/dev/null || rf_die "apt-get not found: install ${missing[*]} by hand"
  mkdir -p "$RF_BED_DIR"
  local log="$RF_BED_DIR/apt.log"
  rf_log "apt-get update (log: $log)"
  DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=300 update >"$log" 2>&1 ||
    { rf_tail "$log"; rf_die "apt-get update failed"; }
  rf_log "apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=300 install --no-install-recommends \
    "${missing[@]}" >>"$log" 2>&1 || { rf_tail "$log"; rf_die "apt-get install ${missing[*]} failed"; }
  mapfile -t missing < <(rf_missing_pkgs "$@")
  [ "${#missing[@]}" -eq 0 ] || rf_die "still not installed after apt-get install: ${missing[*]}"
}

# apt-get with a private state (sources, lists, cache) under $RF_CACHE/apt/NAME, so another suite
# or architecture can be downloaded from without touching the system's sources or dpkg config.
# Usage: rf_apt_private NAME SUITE ARCHS(comma-separated) APT-GET-ARGS...
rf_apt_private() {
  local name=$1 suite=$2 archs=$3
  shift 3
  if [ ! -f "$RF_DEBIAN_KEYRING" ]; then
    rf_apt_install debian-archive-keyring
  fi
  local root="$RF_CACHE/apt/$name" a
  mkdir -p "$root/lists/partial" "$root/cache/archives/partial"
  printf 'deb [arch=%s signed-by=%s] %s %s main\n' "$archs" "$RF_DEBIAN_KEYRING" "$RF_DEBIAN_MIRROR" "$suite" \
    >"$root/sources.list"
  local -a opts=(-q
    -o "Dir::Etc::SourceList=$root/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State::Lists=$root/lists" -o "Dir::Cache=$root/cache"
    -o APT::Sandbox::User=root -o Acquire::Languages=none -o APT::Architectures=)
  local -a arr
  IFS=, read -ra arr <<<"$archs"
  for a in "${arr[@]}"; do opts+=(-o "APT::Architectures::=$a"); done
  apt-get "${opts[@]}" "$@"
}

# Downloads PACKAGE[:ARCH]... from SUITE into DIR unless a .deb of each is already there.
# Usage: rf_fetch_debs DIR SUITE ARCHS PACKAGE[:ARCH]...
rf_fetch_debs() {
  local dir=$1 suite=$2 archs=$3
  shift 3
  local -a missing=()
  local spec pkg arch
  mkdir -p "$dir"
  for spec in "$@"; do
    pkg=${spec%%:*}
    arch=${spec#*:}
    [ "$arch" = "$spec" ] && arch=$(rf_deb_arch)
    compgen -G "$dir/${pkg}_*_${arch}.deb" >/dev/null || missing+=("$spec")
  done
  [ "${#missing[@]}" -eq 0 ] && { rf_log "cached: $* (in $dir)"; return 0; }
  local log="$dir/apt-download.log"
  rf_log "downloading from Debian $suite: ${missing[*]}"
  rf_apt_private "$suite-$(echo "$archs" | tr , -)" "$suite" "$archs" update >"$log" 2>&1 ||
    { rf_tail "$log"; rf_die "apt-get update for Debian $suite ($archs) failed: is $RF_DEBIAN_MIRROR reachable?"; }
  (cd "$dir" && rf_apt_private "$suite-$(echo "$archs" | tr , -)" "$suite" "$archs" download "${missing[@]}") \
    >>"$log" 2>&1 || { rf_tail "$log"; rf_die "apt-get download ${missing[*]} from Debian $suite failed"; }
}

# The one .deb of PACKAGE for ARCH in DIR (the newest, should there be several).
rf_deb_file() {
  local dir=$1 pkg=$2 arch=${3:-$(rf_deb_arch)}
  # shellcheck disable=SC2012
  ls -1v "$dir/${pkg}_"*"_${arch}.deb" 2>/dev/null | tail -n 1
}

# ELF machine of a file: x86_64, aarch64 or something else.
rf_elf_arch() {
  local m
  m=$(od -An -tx1 -j18 -N2 "$1" 2>/dev/null | tr -d ' \n')
  case "$m" in
    3e00) echo x86_64 ;;
    b700) echo aarch64 ;;
    *) echo "unknown($m)" ;;
  esac
}
