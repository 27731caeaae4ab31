#!/usr/bin/env bash
# Every test of the project, on a fresh machine: installs what the tests need that cargo does not
# (Debian's chromium and the browser test's Node package, for the report's browser test; a Python
# venv with pyarrow, HF datasets, moto, maturin, pytest, Ray and datatrove, tools/pyenv/), runs the
# Rust test suite, then builds the `millstone` Python package into the venv and runs its tests
# (python/tests: against the `millstone` binary the Rust tests built). Safe to run again:
# installed parts are skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ]; then
    echo "== installing chromium (Debian package) for the report's browser test"
    if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
if [ ! -d tools/browser-test/node_modules/playwright-core ]; then
    echo "== installing the browser test's Node package (playwright-core, no browser download)"
    (cd tools/browser-test && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --silent)
fi

# The Python venv of the interoperability and Python tests (pinned: tools/pyenv/requirements.txt).
bash tools/pyenv/setup.sh

# `--features millstone/s3`: the object-storage code and its round trip against a local server
# (crates/millstone/tests/s3.rs); off in default builds for its build time (README, Install).
echo "== cargo test --workspace --features millstone/s3"
cargo test --workspace --features millstone/s3

# The Python package (crates/millstone-py + python/millstone), built by maturin into the venv, and
# its tests: the same decisions as the binary above, on Arrow, in datatrove, on a local Ray cluster.
echo "== the millstone Python package: maturin develop, then pytest"
venv="$PWD/tools/pyenv/.venv"
VIRTUAL_ENV="$venv" PATH="$venv/bin:$PATH" maturin develop --quiet
MILLSTONE_BIN="$PWD/target/debug/millstone" "$venv/bin/python" -m pytest -q python/tests
