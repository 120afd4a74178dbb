#!/usr/bin/env sh
# Re-run every benchmark of issue 8 from the repository root; arguments go to `python -m bench`
# (e.g. `bench/run.sh --quick`). The peers are installed into bench/.venvs/ on first use.
set -eu
cd "$(dirname "$0")/.."
exec python3 -m bench "$@"
