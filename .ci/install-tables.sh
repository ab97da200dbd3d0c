#!/usr/bin/env bash
# Installs what tests/cases/tables.rs loads the output tables with: pandas, polars and pyarrow
# in the virtual environment target/pyenv (made here if .ci/install-python.sh has not made it)
# and R (r-base-core, for read.csv). Debian packages no R Parquet reader (r-cran-arrow), so
# R reads only the CSV files. Measured here (AMD EPYC, 2 cores, shared VM): apt-get update +
# r-base-core in 38 s wall; a rerun with everything present in 12 s.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
if ! command -v Rscript >/dev/null 2>&1; then
    if [ -z "${CADRESIM_APT_UPDATED:-}" ]; then
        apt-get update -q
        export CADRESIM_APT_UPDATED=1
    fi
    apt-get install -y -q --no-install-recommends r-base-core
fi
if [ ! -x target/pyenv/bin/python ]; then
    py=python3
    for cand in python3.13 python3.12 /root/.pyenv/versions/3.12*/bin/python3; do
        if command -v "$cand" >/dev/null 2>&1; then py=$cand; break; fi
    done
    "$py" -m venv target/pyenv
fi
target/pyenv/bin/pip install -q pandas polars pyarrow
target/pyenv/bin/python -c 'import pandas, polars, pyarrow; print("install-tables: pandas", pandas.__version__, "polars", polars.__version__, "pyarrow", pyarrow.__version__)'
Rscript -e 'cat("install-tables:", R.version.string, "\n")'
echo "install-tables: done in $(( $(date +%s) - start )) s"
