# Sourced by the bench venv setup scripts: ensure_venv VENV REQUIREMENTS CHECK_PY
# Makes (or reuses) VENV so that CHECK_PY (Python code, run with REQUIREMENTS as sys.argv[1])
# passes: nothing is installed when it already does; else the requirements are installed from
# PyPI and the check must pass afterwards. PYTHON picks the interpreter (default python3).
# The installed versions are written to VENV/freeze.txt.
ensure_venv() {
    local venv="$1" req="$2" check="$3"
    if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "$check" "$req" 2>/dev/null; then
        echo "setup: $venv is ready"
        return 0
    fi
    if [ ! -x "$venv/bin/python" ]; then
        echo "setup: creating $venv with $(${PYTHON:-python3} -V 2>&1)"
        "${PYTHON:-python3}" -m venv "$venv"
    fi
    "$venv/bin/python" -m pip install --quiet -r "$req"
    if ! "$venv/bin/python" -c "$check" "$req"; then
        echo "setup: $venv still fails the import check" >&2
        return 1
    fi
    "$venv/bin/python" -m pip freeze > "$venv/freeze.txt"
    echo "setup: $venv is ready (installed versions: $venv/freeze.txt)"
}
