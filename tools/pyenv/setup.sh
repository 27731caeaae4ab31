#!/usr/bin/env bash
# The Python venv of the interoperability tests (pyarrow and HF `datasets` reading millstone's
# Parquet output; moto's local S3 server and boto3 for the s3:// round trip): tools/pyenv/.venv
# with the pins of tools/pyenv/requirements.txt.
# Idempotent and quick when the venv already holds these pins (a copy of requirements.txt in the
# venv marks them); tools/test.sh runs it. Installs Debian's python3-venv if `venv` is missing.
# usage: bash tools/pyenv/setup.sh        (the venv's python: tools/pyenv/.venv/bin/python)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
stamp="$venv/requirements.installed"
if [ -x "$venv/bin/python" ] && cmp -s "$here/requirements.txt" "$stamp"; then
    exit 0
fi
python="${PYTHON:-python3}"
if ! "$python" -c 'import ensurepip, venv' 2>/dev/null; then
    echo "== installing python3-venv (Debian package) for the interoperability tests"
    if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-venv >/dev/null
fi
echo "== making the Python venv of the interoperability tests ($venv)"
rm -rf "$venv"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$here/requirements.txt"
cp "$here/requirements.txt" "$stamp"
