#!/usr/bin/env bash
# Source this file: it puts Node 24 first on PATH when the machine's node is older.
# The GitHub runtime for our actions is node24, and the conventional-changelog packages need >= 22,
# so tests must run on the same major the runner uses. The npm registry ships the official binaries
# as the node-linux-<arch> packages, which is the one download channel every machine here has.
RELEASE_FLOW_NODE_VERSION="${RELEASE_FLOW_NODE_VERSION:-24.21.0}"

rf_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ "$(rf_node_major)" -lt 24 ]; then
  case "$(uname -m)" in
    x86_64) rf_arch=x64 ;;
    aarch64 | arm64) rf_arch=arm64 ;;
    *) echo "node24.sh: no Node 24 package for architecture $(uname -m)" >&2; return 1 2>/dev/null || exit 1 ;;
  esac
  rf_dir="${RELEASE_FLOW_CACHE:-$HOME/.cache/release-flow}/node-$RELEASE_FLOW_NODE_VERSION-$rf_arch"
  if [ ! -x "$rf_dir/bin/node" ]; then
    echo "node24.sh: installing Node $RELEASE_FLOW_NODE_VERSION ($rf_arch) into $rf_dir" >&2
    rf_tmp=$(mktemp -d)
    (cd "$rf_tmp" && npm pack --silent "node-linux-$rf_arch@$RELEASE_FLOW_NODE_VERSION" >/dev/null) || {
      echo "node24.sh: npm pack node-linux-$rf_arch@$RELEASE_FLOW_NODE_VERSION failed" >&2; return 1 2>/dev/null || exit 1; }
    mkdir -p "$rf_dir" && tar xzf "$rf_tmp"/node-linux-*.tgz -C "$rf_dir" --strip-components=1
    rm -rf "$rf_tmp"
  fi
  export PATH="$rf_dir/bin:$PATH"
  if [ "$(rf_node_major)" -lt 24 ]; then
    echo "node24.sh: Node 24 is still not first on PATH (node is $(node --version))" >&2
    return 1 2>/dev/null || exit 1
  fi
fi
