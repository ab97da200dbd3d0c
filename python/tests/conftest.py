"""Shared fixtures: the repository, the command-line binary, and a small scenario."""

import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SMALL = {"population.townships": 2, "population.periods": 12}


def require(what: str) -> None:
    """Skips (or fails, under CADRESIM_REQUIRE_COMPONENTS=1) when a component is missing."""
    if os.environ.get("CADRESIM_REQUIRE_COMPONENTS") == "1":
        pytest.fail(f"required component missing: {what}")
    pytest.skip(f"skipped: {what}")


@pytest.fixture(scope="session")
def cli():
    """Runs the `cadresim` binary (CADRESIM_BIN or target/release/cadresim) and returns its
    completed process."""
    binary = Path(os.environ.get("CADRESIM_BIN", REPO / "target" / "release" / "cadresim"))
    if not binary.is_file():
        require(f"no cadresim binary at {binary} (cargo build --release)")

    def call(*args, check=True):
        proc = subprocess.run([str(binary), *map(str, args)], cwd=REPO, capture_output=True, text=True)
        if check and proc.returncode != 0:
            raise AssertionError(f"cadresim {' '.join(map(str, args))} failed: {proc.stderr}")
        return proc

    return call


def sets(overrides=SMALL):
    """The CLI's --set flags for overrides."""
    out = []
    for k, v in overrides.items():
        out += ["--set", f"{k}={v}"]
    return out
