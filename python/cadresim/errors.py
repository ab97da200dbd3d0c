"""The exceptions cadresim raises.

Every message is the library's own one-line message (the same text the command line prints),
with specification fields named by their Python keyword arguments.
"""

from __future__ import annotations

from typing import Optional

__all__ = ["CadresimError", "ScenarioError", "SpecError", "DataError", "OutputError", "ResourceError", "SimulationError"]


class CadresimError(Exception):
    """Base class of every cadresim error."""


class ScenarioError(CadresimError, ValueError):
    """A scenario (a file, TOML text or a parameter override) is invalid.

    The message names the file, line and field, and what is allowed.
    """


class SpecError(CadresimError, ValueError):
    """An argument of a call is invalid.

    Attributes:
        field: the keyword argument at fault (e.g. ``"samples"``).
        value: the offending value as text, if there is one to show.
    """

    field: Optional[str] = None
    value: Optional[str] = None


class DataError(CadresimError, ValueError):
    """A file of earlier results could not be used."""


class OutputError(CadresimError, OSError):
    """Output could not be written."""


class ResourceError(CadresimError, MemoryError):
    """The work would not fit in this machine's memory; refused before it started (the message
    gives the estimate and the memory available)."""


class SimulationError(CadresimError, RuntimeError):
    """The work ran but failed (e.g. values stopped being finite, an index is undefined)."""
