"""Example sizes: CADRESIM_EXAMPLE_SIZE=small (CI) or full (the figures in docs/), and where
figures go (CADRESIM_EXAMPLE_OUT, default the current directory)."""

import os
from pathlib import Path

SMALL = os.environ.get("CADRESIM_EXAMPLE_SIZE", "full") == "small"
OUT = Path(os.environ.get("CADRESIM_EXAMPLE_OUT", "."))
OUT.mkdir(parents=True, exist_ok=True)


def pick(small, full):
    """`small` in CI, `full` otherwise."""
    return small if SMALL else full
