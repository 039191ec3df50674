#!/usr/bin/env bash
# Switch the active environment: a thin wrapper over `release-flow switch`.
#   scripts/switch_env.sh dev
#   scripts/switch_env.sh prod                  prod at its last good release
#   scripts/switch_env.sh prod --version v1.2.0 prod at v1.2.0 (a switch can also roll back)
# With no argument it asks which environment, on the terminal. Every option of
# `release-flow switch` works (--image, --compose, --project, --env-file, --json); --help lists them.
# Exit codes: 0 done, 1 the switch failed, 2 bad usage or input.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cli="$here/../dist/cli/index.js"

if [ "$#" -eq 0 ]; then
  if [ ! -t 0 ]; then
    echo "switch_env.sh: no environment given and stdin is not a terminal; expected one of: dev, prod (e.g. scripts/switch_env.sh prod)" >&2
    exit 2
  fi
  read -r -p "Switch to which environment? [dev/prod] " choice
  case "$choice" in
    dev | prod) set -- "$choice" ;;
    *)
      echo "switch_env.sh: \"$choice\" is not valid; expected one of: dev, prod" >&2
      exit 2
      ;;
  esac
fi
exec node "$cli" switch "$@"
