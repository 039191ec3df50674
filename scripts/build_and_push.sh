#!/usr/bin/env bash
# The original spec's build script, now a thin wrapper over `release-flow image`.
#   scripts/build_and_push.sh --image ghcr.io/owner/synapse --version 1.4.0 --push
#   scripts/build_and_push.sh --image ghcr.io/owner/synapse --main --push
# Every option of `release-flow image` works; --help lists them.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec node "$here/../dist/cli/index.js" image "$@"
