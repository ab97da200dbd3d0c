#!/usr/bin/env bash
# Installs the Python package into a fresh virtual environment, target/pyenv, for the pytest suite
# (tests/cases/python.rs runs it inside `cargo test`): `pip install ./python` builds the wheel from
# source with maturin and cargo, plus what the tests and examples use. Needs only a Rust toolchain
# and CPython >= 3.12 (the EMA Workbench 3 needs 3.12; any CPython >= 3.8 runs cadresim itself).
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
py=""
for cand in python3.13 python3.12 /root/.pyenv/versions/3.12*/bin/python3 /root/.pyenv/versions/3.13*/bin/python3; do
    if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
        py=$cand
        break
    fi
done
if [ -z "$py" ]; then
    apt-get update -q
    apt-get install -y -q python3 python3-venv
    py=python3
fi
echo "install-python: using $("$py" --version) at $(command -v "$py")"
rm -rf target/pyenv
"$py" -m venv target/pyenv
pip=target/pyenv/bin/pip
"$pip" install -q --upgrade pip
"$pip" install -q pytest pandas polars pyarrow numpy matplotlib SALib nbclient nbformat ipykernel
# EMA Workbench 3 (Python >= 3.12); on an older interpreter the EMA example is skipped.
"$pip" install -q "ema_workbench>=3,<4" || echo "install-python: ema_workbench 3 not installable here; its example will be skipped"
"$pip" install -q ./python
target/pyenv/bin/python -c 'import cadresim; print("install-python: cadresim", cadresim.__version__, "with", len(cadresim.scenarios()), "shipped scenarios")'
echo "install-python: done in $(( $(date +%s) - start )) s"
