#!/usr/bin/env bash
# Cut a release: a thin wrapper over `release-flow release`.
#   scripts/release.sh --dry-run            what the next release would be
#   scripts/release.sh --push               tag it and push the tag
#   scripts/release.sh --as 2.0.0 --push    a chosen version
# Every option of `release-flow release` works; --help lists them.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec node "$here/../dist/cli/index.js" release "$@"
