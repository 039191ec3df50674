#!/usr/bin/env bash
# The container test bed: a Docker engine (>= 26, containerd image store, buildx, compose),
# arm64 emulation, two local registries and the test service's busybox binaries.
# See shared/TESTBED.md for the recipe this follows. `.ci/run` calls it before the tests.
#
#   bash test/bed/engine.sh          set up (idempotent: what already works is reused)
#   bash test/bed/engine.sh stop     stop the dockerd and registries this script started
#
# Engine: a reachable engine that passes every check (version >= 26, buildx, compose, containerd
# image store) is used as it is (a GitHub runner set up for it, a developer's machine). Otherwise
# Debian trixie's docker.io, containerd, docker-buildx and docker-compose .debs are downloaded
# through a private apt state (trixie is never added to the system's sources), cached in
# $RELEASE_FLOW_CACHE/debs/trixie, and extracted: daemons into $RELEASE_FLOW_ENGINE_DIR/bin,
# plugins into /usr/libexec/docker/cli-plugins. The machine's own runc, iptables, tini,
# qemu-user-static, binfmt-support, docker-registry, busybox-static, apache2-utils and curl come
# from apt. dockerd runs in the background on the default socket /var/run/docker.sock (no
# DOCKER_HOST needed) with its state under $RELEASE_FLOW_BED_DIR/engine.
#
# Registries (CNCF distribution 2.8 from Debian's docker-registry), loopback only:
#   127.0.0.1:5000  anonymous
#   127.0.0.1:5001  htpasswd (bcrypt); user tester, password in $RELEASE_FLOW_BED_DIR/registry-auth/password
#
# Tests read $RELEASE_FLOW_BED_DIR/env (KEY=value lines); test/bed/check.ts does it for vitest.
#
# Environment (all optional): RELEASE_FLOW_BED_DIR (default /tmp/release-flow-bed),
# RELEASE_FLOW_CACHE (default ~/.cache/release-flow), RELEASE_FLOW_ENGINE_DIR (default
# /opt/release-flow-engine), RELEASE_FLOW_ENGINE_TIMEOUT (seconds to wait for dockerd, default 90),
# RELEASE_FLOW_DEBIAN_MIRROR (default http://deb.debian.org/debian).
set -euo pipefail
RF_NAME=engine.sh
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/lib.sh
source "$here/lib.sh"

ENGINE_DIR="${RELEASE_FLOW_ENGINE_DIR:-/opt/release-flow-engine}"
ENGINE_BIN="$ENGINE_DIR/bin"
PLUGIN_DIR=/usr/libexec/docker/cli-plugins
STATE="$RF_BED_DIR/engine"
DOCKERD_PIDFILE="$STATE/dockerd.pid"
DOCKERD_LOG="$STATE/dockerd.log"
DOCKER_SOCK=/var/run/docker.sock
ENV_FILE="$RF_BED_DIR/env"
SERVICE_DIR=$(cd "$here/../fixtures/service" && pwd)
TRIXIE_DEBS="$RF_CACHE/debs/trixie"
START_TIMEOUT="${RELEASE_FLOW_ENGINE_TIMEOUT:-90}"
MIN_ENGINE_MAJOR=26
REGISTRY_PORT=5000
AUTH_REGISTRY_PORT=5001
AUTH_USER=tester
AUTH_DIR="$RF_BED_DIR/registry-auth"
AUTH_PASSWORD_FILE="$AUTH_DIR/password"
PROBE_IMAGE=release-flow-bed/service:probe
DAEMON_PATH="$ENGINE_BIN:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

# docker with a bound: a hung daemon must not hang CI.
dk() { timeout "${DK_TIMEOUT:-60}" docker "$@"; }

case "$(rf_deb_arch)" in
  amd64) NATIVE_UNAME=x86_64 FOREIGN_PLATFORM=linux/arm64 FOREIGN_UNAME=aarch64 FOREIGN_QEMU=qemu-aarch64 ;;
  arm64) NATIVE_UNAME=aarch64 FOREIGN_PLATFORM=linux/amd64 FOREIGN_UNAME=x86_64 FOREIGN_QEMU=qemu-x86_64 ;;
  *) rf_die "unsupported machine architecture $(rf_deb_arch) (amd64 and arm64 are supported)" ;;
esac

# ---------------------------------------------------------------------------------------------
# Processes this script started: each writes its own pid file; a pid counts only while its
# /proc entry still runs the program we started.

pid_if_running() { # PIDFILE PROGRAM-PATH-SUFFIX
  local pid exe
  [ -f "$1" ] || return 1
  pid=$(tr -dc 0-9 <"$1")
  [ -n "$pid" ] && [ -d "/proc/$pid" ] || return 1
  exe=$(readlink "/proc/$pid/exe" 2>/dev/null || true)
  case "$exe" in *"$2" | *"$2 (deleted)") echo "$pid" ;; *) return 1 ;; esac
}

stop_pid() { # PID WHAT
  local pid=$1
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 100); do
    [ -d "/proc/$pid" ] || return 0
    sleep 0.2
  done
  rf_warn "$2 (pid $pid) did not stop within 20 s; sending KILL"
  kill -KILL "$pid" 2>/dev/null || true
}

# Runs PROGRAM ARGS... detached (own session, no terminal, stdio to LOG), writing its pid to
# PIDFILE. Every other inherited descriptor is closed first: this script's lock (fd 9), and pipes
# of whatever ran us (a CI harness waits for its pipes to close, and a daemon holding one would
# keep it waiting long after this script and the tests are done).
start_detached() { # PIDFILE LOG PROGRAM ARGS...
  local pidfile=$1 log=$2
  shift 2
  rm -f "$pidfile"
  printf '\n==== %s: %s\n' "$(date -u +%FT%TZ)" "$*" >>"$log"
  # shellcheck disable=SC2016
  PATH="$DAEMON_PATH" setsid bash -c '
    for fd in /proc/$$/fd/*; do
      fd=${fd##*/}
      [ "$fd" -gt 2 ] 2>/dev/null && eval "exec $fd>&-" 2>/dev/null
    done
    echo $$ >"$0"
    exec "$@"' "$pidfile" "$@" </dev/null >>"$log" 2>&1 &
}

# ---------------------------------------------------------------------------------------------
# Engine checks

# Prints one line per reason the reachable engine (if any) is not usable; nothing when it is.
engine_problems() {
  local ver major err
  if ! ver=$(DK_TIMEOUT=20 dk info --format '{{.ServerVersion}}' 2>"$RF_BED_DIR/docker-info.err") || [ -z "$ver" ]; then
    err=$(grep -v '^\s*$' "$RF_BED_DIR/docker-info.err" | head -n 1)
    echo "no Docker engine answers on ${DOCKER_HOST:-unix://$DOCKER_SOCK} ('docker info': ${err:-no server version})"
    return 0
  fi
  major=${ver%%.*}
  if ! [[ "$major" =~ ^[0-9]+$ ]] || [ "$major" -lt "$MIN_ENGINE_MAJOR" ]; then
    echo "the engine is Docker $ver; $MIN_ENGINE_MAJOR or newer is needed"
  fi
  dk buildx version >/dev/null 2>&1 || echo "'docker buildx version' fails: no buildx CLI plugin"
  dk compose version >/dev/null 2>&1 || echo "'docker compose version' fails: no compose v2 CLI plugin"
  if ! dk info --format '{{json .DriverStatus}}' 2>/dev/null | grep -q io.containerd.snapshotter &&
    ! dk info --format '{{json .}}' 2>/dev/null | grep -q io.containerd.snapshotter; then
    echo "the engine does not use the containerd image store (storage driver $(dk info --format '{{.Driver}}' 2>/dev/null)), so it cannot build multi-platform images with buildx's docker driver; enable {\"features\":{\"containerd-snapshotter\":true}} in its daemon.json"
  fi
}

# ---------------------------------------------------------------------------------------------
# Install

install_engine_binaries() {
  local deb_io deb_cd stamp tmp f src
  deb_io=$(rf_deb_file "$TRIXIE_DEBS" docker.io)
  deb_cd=$(rf_deb_file "$TRIXIE_DEBS" containerd)
  [ -n "$deb_io" ] && [ -n "$deb_cd" ] || rf_die "docker.io or containerd .deb missing in $TRIXIE_DEBS"
  stamp="$(basename "$deb_io") $(basename "$deb_cd")"
  tmp=$(mktemp -d)
  dpkg-deb -x "$deb_io" "$tmp"
  dpkg-deb -x "$deb_cd" "$tmp"
  mkdir -p "$ENGINE_BIN"
  for f in dockerd docker-proxy containerd containerd-shim-runc-v2 ctr; do
    src=""
    for d in usr/sbin usr/bin; do [ -f "$tmp/$d/$f" ] && src="$tmp/$d/$f" && break; done
    [ -n "$src" ] || { rm -rf "$tmp"; rf_die "$f not found in $(basename "$deb_io") / $(basename "$deb_cd")"; }
    install -m 0755 "$src" "$ENGINE_BIN/$f.new" && mv -f "$ENGINE_BIN/$f.new" "$ENGINE_BIN/$f"
  done
  rm -rf "$tmp"
  # Debian's docker-init is tini-static (package tini, from the machine's own release).
  ln -sfn /usr/bin/tini-static "$ENGINE_BIN/docker-init"
  echo "$stamp" >"$ENGINE_DIR/installed-from"
  "$ENGINE_BIN/dockerd" --version >/dev/null 2>&1 ||
    rf_die "$ENGINE_BIN/dockerd does not run on this machine: $("$ENGINE_BIN/dockerd" --version 2>&1 | head -n 3)"
  rf_log "engine binaries from $stamp -> $ENGINE_BIN"
}

install_plugin() { # NAME (buildx|compose)
  local name=$1 deb tmp
  deb=$(rf_deb_file "$TRIXIE_DEBS" "docker-$name")
  [ -n "$deb" ] || rf_die "docker-$name .deb missing in $TRIXIE_DEBS"
  tmp=$(mktemp -d)
  dpkg-deb -x "$deb" "$tmp"
  [ -f "$tmp/usr/libexec/docker/cli-plugins/docker-$name" ] || { rm -rf "$tmp"; rf_die "$(basename "$deb") holds no cli-plugins/docker-$name"; }
  mkdir -p "$PLUGIN_DIR"
  install -m 0755 "$tmp/usr/libexec/docker/cli-plugins/docker-$name" "$PLUGIN_DIR/docker-$name.new"
  mv -f "$PLUGIN_DIR/docker-$name.new" "$PLUGIN_DIR/docker-$name"
  rm -rf "$tmp"
  docker "$name" version >/dev/null 2>&1 || rf_die "docker $name still fails after installing $PLUGIN_DIR/docker-$name: $(docker "$name" version 2>&1 | head -n 3)"
  rf_log "docker-$name from $(basename "$deb") -> $PLUGIN_DIR"
}

install_docker_cli() {
  local deb tmp
  deb=$(rf_deb_file "$TRIXIE_DEBS" docker-cli)
  tmp=$(mktemp -d)
  dpkg-deb -x "$deb" "$tmp"
  install -m 0755 "$tmp/usr/bin/docker" /usr/local/bin/docker
  rm -rf "$tmp"
  rf_log "docker CLI from $(basename "$deb") -> /usr/local/bin/docker"
}

# ---------------------------------------------------------------------------------------------
# dockerd

start_dockerd() {
  local pid
  rf_need_root "starting dockerd"
  for f in dockerd docker-proxy docker-init containerd containerd-shim-runc-v2 runc iptables; do
    PATH="$DAEMON_PATH" command -v "$f" >/dev/null || rf_die "cannot start dockerd: $f not found (PATH=$DAEMON_PATH)"
  done
  [ -e /usr/bin/tini-static ] || rf_die "cannot start dockerd: /usr/bin/tini-static (docker-init) missing: apt-get install tini"
  if pid=$(pid_if_running "$DOCKERD_PIDFILE" "$ENGINE_BIN/dockerd"); then
    rf_log "our dockerd (pid $pid) runs but does not answer; restarting it"
    stop_pid "$pid" dockerd
  fi
  for pid in $(pgrep -x dockerd 2>/dev/null || true); do
    rf_die "another dockerd (pid $pid: $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)) runs but 'docker info' fails on $DOCKER_SOCK; stop it or fix it, then run this again"
  done
  mkdir -p "$STATE/data" "$STATE/exec"
  # "ip": published ports without a host address bind to 127.0.0.1 only (loopback-only workplace).
  printf '%s\n' '{"features":{"containerd-snapshotter":true},"ip":"127.0.0.1"}' >"$STATE/daemon.json"
  rf_log "starting dockerd (state $STATE, log $DOCKERD_LOG)"
  # tini -s (a child subreaper) reaps the exited shims and processes that dockerd and containerd
  # leave behind: where PID 1 is not an init that reaps orphans, they would pile up as zombies.
  # dockerd writes its own pid file; the launch pid file is tini's (it exits with dockerd).
  start_detached "$STATE/dockerd.launch.pid" "$DOCKERD_LOG" /usr/bin/tini-static -s -- "$ENGINE_BIN/dockerd" \
    --config-file "$STATE/daemon.json" \
    --data-root "$STATE/data" \
    --exec-root "$STATE/exec" \
    --pidfile "$DOCKERD_PIDFILE" \
    --host "unix://$DOCKER_SOCK"
  local t0=$SECONDS
  for _ in $(seq 1 $((START_TIMEOUT * 2))); do
    if DK_TIMEOUT=5 dk info >/dev/null 2>&1; then
      rf_log "dockerd answers after $((SECONDS - t0)) s"
      return 0
    fi
    pid=$(tr -dc 0-9 <"$STATE/dockerd.launch.pid" 2>/dev/null || true)
    if [ -n "$pid" ] && [ ! -d "/proc/$pid" ]; then
      rf_tail "$DOCKERD_LOG"
      rf_die "dockerd exited while starting (log above: $DOCKERD_LOG)"
    fi
    sleep 0.5
  done
  rf_tail "$DOCKERD_LOG"
  rf_die "dockerd did not answer 'docker info' within $START_TIMEOUT s (log above: $DOCKERD_LOG)"
}

# ---------------------------------------------------------------------------------------------
# arm64 (or amd64 on an arm64 machine) through QEMU

setup_binfmt() {
  local entry="/proc/sys/fs/binfmt_misc/$FOREIGN_QEMU"
  if [ -f "$entry" ] && head -n 1 "$entry" | grep -qx enabled; then
    rf_log "binfmt: $FOREIGN_QEMU already enabled ($(grep '^flags' "$entry" || true))"
    return 0
  fi
  rf_need_root "enabling $FOREIGN_QEMU in binfmt_misc"
  if ! mountpoint -q /proc/sys/fs/binfmt_misc; then
    mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc ||
      rf_die "cannot mount binfmt_misc on /proc/sys/fs/binfmt_misc: $FOREIGN_PLATFORM images cannot run"
  fi
  update-binfmts --enable "$FOREIGN_QEMU" ||
    rf_die "update-binfmts --enable $FOREIGN_QEMU failed: $FOREIGN_PLATFORM images cannot run"
  [ -f "$entry" ] && head -n 1 "$entry" | grep -qx enabled ||
    rf_die "$entry is not enabled after update-binfmts: $FOREIGN_PLATFORM images cannot run"
  # Without the F (fix-binary) flag the interpreter is looked up inside each container and fails.
  grep -q '^flags:.*F' "$entry" ||
    rf_warn "$entry lacks the F flag: $FOREIGN_PLATFORM containers may fail to find $(grep '^interpreter' "$entry")"
  rf_log "binfmt: $FOREIGN_QEMU enabled ($(grep '^flags' "$entry" || true))"
}

# ---------------------------------------------------------------------------------------------
# Registries

http_code() { curl -s -o /dev/null -m 5 -w '%{http_code}' "$@" 2>/dev/null || true; }

registry_ok() { # PORT AUTH(0|1)
  if [ "$2" = 0 ]; then
    curl -fsS -o /dev/null -m 5 "http://127.0.0.1:$1/v2/" 2>/dev/null
  else
    [ "$(http_code "http://127.0.0.1:$1/v2/")" = 401 ] && [ -s "$AUTH_PASSWORD_FILE" ] &&
      [ "$(http_code -u "$AUTH_USER:$(cat "$AUTH_PASSWORD_FILE")" "http://127.0.0.1:$1/v2/")" = 200 ]
  fi
}

ensure_registry() { # PORT AUTH(0|1)
  local port=$1 auth=$2 dir="$RF_BED_DIR/registry-$1" pid what
  what="registry on 127.0.0.1:$port$([ "$auth" = 1 ] && echo " (htpasswd)" || true)"
  if registry_ok "$port" "$auth"; then
    rf_log "$what: already answering, reused"
    return 0
  fi
  if pid=$(pid_if_running "$dir/registry.pid" docker-registry); then
    rf_log "$what: our registry (pid $pid) does not answer as expected; restarting it"
    stop_pid "$pid" "$what"
  fi
  if [ "$(http_code "http://127.0.0.1:$port/")" != 000 ]; then
    rf_die "127.0.0.1:$port is taken by something that is not a usable $what (listener: $(ss -ltnpH "sport = :$port" 2>/dev/null | head -n 1)); free the port"
  fi
  mkdir -p "$dir/data"
  {
    echo "version: 0.1"
    echo "log:"
    echo "  level: info"
    echo "storage:"
    echo "  filesystem:"
    echo "    rootdirectory: $dir/data"
    echo "  delete:"
    echo "    enabled: true"
    echo "http:"
    echo "  addr: 127.0.0.1:$port"
    if [ "$auth" = 1 ]; then
      echo "auth:"
      echo "  htpasswd:"
      echo "    realm: release-flow-test"
      echo "    path: $AUTH_DIR/htpasswd"
    fi
  } >"$dir/config.yml"
  if [ "$auth" = 1 ]; then
    mkdir -p "$AUTH_DIR"
    chmod 700 "$AUTH_DIR"
    if [ ! -s "$AUTH_PASSWORD_FILE" ]; then
      (umask 077 && od -An -tx1 -N12 /dev/urandom | tr -d ' \n' >"$AUTH_PASSWORD_FILE")
    fi
    htpasswd -Bin "$AUTH_USER" <"$AUTH_PASSWORD_FILE" >"$AUTH_DIR/htpasswd.new" 2>/dev/null ||
      rf_die "htpasswd -B failed (apache2-utils)"
    mv -f "$AUTH_DIR/htpasswd.new" "$AUTH_DIR/htpasswd"
  fi
  rf_log "$what: starting (storage $dir/data, log $dir/registry.log)"
  start_detached "$dir/registry.pid" "$dir/registry.log" docker-registry serve "$dir/config.yml"
  for _ in $(seq 1 60); do
    registry_ok "$port" "$auth" && { rf_log "$what: answering"; return 0; }
    sleep 0.5
  done
  rf_tail "$dir/registry.log"
  rf_die "$what did not answer within 30 s (log above: $dir/registry.log)"
}

# ---------------------------------------------------------------------------------------------

stop_all() {
  local pid
  if pid=$(pid_if_running "$DOCKERD_PIDFILE" "$ENGINE_BIN/dockerd"); then
    rf_log "stopping dockerd (pid $pid)"
    stop_pid "$pid" dockerd
  fi
  for port in $REGISTRY_PORT $AUTH_REGISTRY_PORT; do
    if pid=$(pid_if_running "$RF_BED_DIR/registry-$port/registry.pid" docker-registry); then
      rf_log "stopping registry on 127.0.0.1:$port (pid $pid)"
      stop_pid "$pid" "registry $port"
    fi
  done
  # A dockerd that died without shutting down leaves mounts under its state (its data root bound
  # onto itself, netns files); unmount them so the scratch directory can be removed.
  local m
  awk -v p="$STATE/" 'index($5, p) == 1 { print $5 }' /proc/self/mountinfo | sort -r | while read -r m; do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || rf_warn "cannot unmount $m"
  done
  rm -f "$ENV_FILE"
  rf_log "stopped what this script had started"
}

main() {
  local problems own=0 pid
  local -a trixie=() host_pkgs=(qemu-user-static binfmt-support docker-registry busybox-static apache2-utils curl)
  mkdir -p "$RF_BED_DIR"

  command -v docker >/dev/null || trixie+=(docker-cli)
  problems=$(command -v docker >/dev/null && engine_problems || echo "no docker CLI")
  if [ -z "$problems" ]; then
    if pid_if_running "$DOCKERD_PIDFILE" "$ENGINE_BIN/dockerd" >/dev/null; then own=1; fi
    rf_log "engine: a usable engine is already running ($([ $own = 1 ] && echo "ours, from $ENGINE_BIN" || echo "not started by this script")); using it as it is"
  else
    rf_log "engine: not usable yet:"
    printf '  - %s\n' "$problems"
    if command -v docker >/dev/null && DK_TIMEOUT=20 dk info >/dev/null 2>&1 &&
      ! pid_if_running "$DOCKERD_PIDFILE" "$ENGINE_BIN/dockerd" >/dev/null; then
      # A foreign engine holds the socket. Plugins can be added to it; the engine itself is not ours
      # to reconfigure or replace.
      dk buildx version >/dev/null 2>&1 || trixie+=(docker-buildx)
      dk compose version >/dev/null 2>&1 || trixie+=(docker-compose)
      if [ "${#trixie[@]}" -gt 0 ]; then
        rf_need_root "installing ${trixie[*]}"
        rf_fetch_debs "$TRIXIE_DEBS" trixie "$(rf_deb_arch)" "${trixie[@]}"
        for p in "${trixie[@]}"; do case "$p" in docker-buildx) install_plugin buildx ;; docker-compose) install_plugin compose ;; esac; done
      fi
      problems=$(engine_problems)
      [ -z "$problems" ] || rf_die "a Docker engine not started by this script answers on ${DOCKER_HOST:-unix://$DOCKER_SOCK} but cannot be used:
$(printf '  - %s\n' "$problems")
Fix that engine (e.g. containerd-snapshotter in /etc/docker/daemon.json and a restart) or stop it so that this script starts its own."
      rf_log "engine: the running engine is usable now"
    else
      own=1
      rf_need_root "installing and starting a Docker engine"
      host_pkgs+=(runc iptables tini)
      [ -x "$ENGINE_BIN/dockerd" ] && [ -s "$ENGINE_DIR/installed-from" ] || trixie+=(docker.io containerd)
      docker buildx version >/dev/null 2>&1 || trixie+=(docker-buildx)
      docker compose version >/dev/null 2>&1 || trixie+=(docker-compose)
    fi
  fi

  rf_log "host packages: ${host_pkgs[*]}"
  local new_registry_pkg
  new_registry_pkg=$(rf_missing_pkgs docker-registry)
  rf_apt_install "${host_pkgs[@]}"
  if [ -n "$new_registry_pkg" ] && command -v systemctl >/dev/null &&
    systemctl is-active --quiet docker-registry 2>/dev/null; then
    # Where systemd runs, the package just installed starts a registry on :5000 (all interfaces).
    rf_log "stopping and disabling the docker-registry service just installed (it takes port 5000 on all interfaces)"
    systemctl disable --now docker-registry || rf_warn "could not stop the docker-registry service"
  fi

  if [ "${#trixie[@]}" -gt 0 ] && [ "$own" = 1 ]; then
    command -v dpkg-deb >/dev/null || rf_die "dpkg-deb not found: the engine install needs a Debian-based machine"
    rf_fetch_debs "$TRIXIE_DEBS" trixie "$(rf_deb_arch)" "${trixie[@]}"
    for p in "${trixie[@]}"; do
      case "$p" in
        docker-cli) install_docker_cli ;;
        docker.io) install_engine_binaries ;;
        docker-buildx) install_plugin buildx ;;
        docker-compose) install_plugin compose ;;
      esac
    done
  elif [ "$own" = 1 ]; then
    rf_log "engine binaries: already in $ENGINE_BIN ($(cat "$ENGINE_DIR/installed-from" 2>/dev/null))"
  fi

  if [ "$own" = 1 ] && [ -n "$problems" ]; then
    start_dockerd
    problems=$(engine_problems)
    [ -z "$problems" ] || { rf_tail "$DOCKERD_LOG" 20; rf_die "the engine started but cannot be used:
$(printf '  - %s\n' "$problems")"; }
  fi

  setup_binfmt
  bash "$here/fetch-busybox.sh" "$SERVICE_DIR"
  ensure_registry "$REGISTRY_PORT" 0
  ensure_registry "$AUTH_REGISTRY_PORT" 1

  # The probe: the test service for both platforms, then a run on each (the foreign one through
  # QEMU). On a warm run the build is all cache.
  rf_log "probe: building $PROBE_IMAGE for linux/amd64,linux/arm64"
  dk buildx build --progress=plain --platform linux/amd64,linux/arm64 -t "$PROBE_IMAGE" "$SERVICE_DIR" \
    >"$RF_BED_DIR/probe-build.log" 2>&1 ||
    { rf_tail "$RF_BED_DIR/probe-build.log"; rf_die "multi-platform build of $SERVICE_DIR failed (log above)"; }
  local native foreign
  native=$(dk run --rm --platform "linux/$(rf_deb_arch)" "$PROBE_IMAGE" uname -m 2>&1) || true
  [ "$native" = "$NATIVE_UNAME" ] || rf_die "docker run --platform linux/$(rf_deb_arch) $PROBE_IMAGE uname -m gave '$native', expected $NATIVE_UNAME"
  foreign=$(dk run --rm --platform "$FOREIGN_PLATFORM" "$PROBE_IMAGE" uname -m 2>&1) || true
  [ "$foreign" = "$FOREIGN_UNAME" ] || rf_die "docker run --platform $FOREIGN_PLATFORM $PROBE_IMAGE uname -m gave '$foreign', expected $FOREIGN_UNAME: emulation through $FOREIGN_QEMU does not work"
  rf_log "probe: linux/$(rf_deb_arch) -> $native, $FOREIGN_PLATFORM -> $foreign"

  # The compose tests' stand-in for caddy:2 (Debian's caddy in a FROM scratch image); skipped
  # when up to date.
  bash "$here/build-caddy.sh"

  local server buildx compose driver
  server=$(dk info --format '{{.ServerVersion}}')
  driver="$(dk info --format '{{.Driver}}') ($(dk info --format '{{range .DriverStatus}}{{index . 1}} {{end}}' | sed 's/ $//'))"
  buildx=$(dk buildx version | head -n 1)
  compose=$(dk compose version --short 2>/dev/null || dk compose version | head -n 1)
  {
    echo "# Written by test/bed/engine.sh on $(date -u +%FT%TZ); KEY=value lines, no quoting."
    echo "RELEASE_FLOW_BED_DIR=$RF_BED_DIR"
    echo "RELEASE_FLOW_ENGINE=$([ "$own" = 1 ] && echo "$ENGINE_BIN/dockerd" || echo existing)"
    echo "RELEASE_FLOW_DOCKER_VERSION=$server"
    echo "RELEASE_FLOW_REGISTRY=127.0.0.1:$REGISTRY_PORT"
    echo "RELEASE_FLOW_AUTH_REGISTRY=127.0.0.1:$AUTH_REGISTRY_PORT"
    echo "RELEASE_FLOW_AUTH_USER=$AUTH_USER"
    echo "RELEASE_FLOW_AUTH_PASSWORD_FILE=$AUTH_PASSWORD_FILE"
    echo "RELEASE_FLOW_SERVICE_CONTEXT=$SERVICE_DIR"
    echo "RELEASE_FLOW_FOREIGN_PLATFORM=$FOREIGN_PLATFORM"
    echo "RELEASE_FLOW_ARM64=ok"
  } >"$ENV_FILE.new"
  mv -f "$ENV_FILE.new" "$ENV_FILE"

  cat <<EOF
[$RF_NAME +${SECONDS}s] test bed ready
  engine         Docker $server $([ "$own" = 1 ] && echo "(ours: $ENGINE_BIN/dockerd, log $DOCKERD_LOG)" || echo "(already running, used as it is)")
  socket         ${DOCKER_HOST:-unix://$DOCKER_SOCK}
  buildx         $buildx
  compose        $compose
  storage        $driver
  registry       127.0.0.1:$REGISTRY_PORT (anonymous)
  auth registry  127.0.0.1:$AUTH_REGISTRY_PORT (user $AUTH_USER, password in $AUTH_PASSWORD_FILE)
  emulation      $FOREIGN_PLATFORM ok ($FOREIGN_QEMU: uname -m = $foreign)
  env file       $ENV_FILE
EOF
}

mkdir -p "$RF_BED_DIR" 2>/dev/null && { exec 9>"$RF_BED_DIR/.lock"; } 2>/dev/null ||
  rf_die "cannot write to $RF_BED_DIR (user $(id -un)); run as root (CI does), or set RELEASE_FLOW_BED_DIR"
flock -w 900 9 || rf_die "another engine.sh has held $RF_BED_DIR/.lock for 15 minutes"

case "${1:-}" in
  "") main ;;
  stop) stop_all ;;
  -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' ;;
  *) rf_die "unknown argument '$1' (use: engine.sh [stop])" ;;
esac
