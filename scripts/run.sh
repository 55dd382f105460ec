#!/usr/bin/env bash
# Set up (if needed) and start PerfDesk on the built-in demo file. Extra arguments go to
# the `perfdesk` command, e.g. `bash scripts/run.sh check some.perfdesk`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/perfdesk "$@"
