#!/usr/bin/env bash
# The driver's tests (pytest on a real local Dask cluster): installs the package with dask,
# distributed and pytest from PyPI into a virtual environment under .build-dask, then runs
# tests/ against the debug build (built first if missing). `swift test` runs it
# (DaskDriverTests); run it alone to iterate on the driver.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=.build-dask/venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check -e "integrations/dask[test]"
# The binary under test: MOTCUA_BINARY (swift test sets it), else the debug build.
binary=${MOTCUA_BINARY:-$PWD/.build/debug/motcua}
[ -x "$binary" ] || swift build
MOTCUA_BINARY="$binary" "$venv/bin/python" -m pytest -q -p no:cacheprovider integrations/dask/tests "$@"
