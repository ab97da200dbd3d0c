"""The examples run (at small sizes: CADRESIM_EXAMPLE_SIZE=small) and their checks hold."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import require

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def needs(*modules):
    for m in modules:
        if importlib.util.find_spec(m) is None:
            require(f"Python package {m} is not installed (.ci/install-python.sh installs it)")


def env(tmp_path):
    return {**os.environ, "CADRESIM_EXAMPLE_SIZE": "small", "CADRESIM_EXAMPLE_OUT": str(tmp_path), "MPLBACKEND": "Agg"}


def script(name, tmp_path):
    proc = subprocess.run([sys.executable, name], cwd=EXAMPLES, env=env(tmp_path), capture_output=True, text=True)
    assert proc.returncode == 0, f"{name} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def test_salib_example_matches_cadresims_own_indices(tmp_path):
    needs("SALib", "matplotlib")
    out = script("salib_sobol.py", tmp_path)
    assert "max |dS1|" in out and (tmp_path / "python_salib.png").stat().st_size > 10_000


def test_ema_example_finds_a_prim_box(tmp_path):
    needs("ema_workbench", "matplotlib")
    out = script("ema_prim.py", tmp_path)
    assert "PRIM box" in out and (tmp_path / "python_ema_prim.png").stat().st_size > 10_000


def test_paradox_notebook_executes(tmp_path, monkeypatch):
    needs("nbclient", "nbformat", "ipykernel", "matplotlib")
    import nbformat
    from nbclient import NotebookClient

    for k, v in env(tmp_path).items():
        monkeypatch.setenv(k, v)
    nb = nbformat.read(EXAMPLES / "paradox.ipynb", as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(EXAMPLES)}}).execute()
    assert (tmp_path / "python_paradox.png").stat().st_size > 10_000
