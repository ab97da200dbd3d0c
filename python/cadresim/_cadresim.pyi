"""Type stubs of the compiled extension (the public API is in ``cadresim/__init__.py``).

Tables come back as lists of ``(column, kind, data)``: kind ``"f8"``/``"i8"`` with raw
little-endian bytes, or ``"str"`` with a list of strings.
"""

from os import PathLike
from typing import Dict, List, Optional, Sequence, Tuple, Union

Table = List[Tuple[str, str, Union[bytes, List[str]]]]
Overrides = List[Tuple[str, str]]
Path = Union[str, PathLike]

class LoadedScenario:
    @staticmethod
    def from_file(path: Path, overrides: Overrides) -> "LoadedScenario": ...
    @staticmethod
    def from_toml(text: str, origin: Path, overrides: Overrides) -> "LoadedScenario": ...
    @staticmethod
    def from_defaults(overrides: Overrides) -> "LoadedScenario": ...
    def with_overrides(self, overrides: Overrides) -> "LoadedScenario": ...
    @property
    def name(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def source(self) -> Optional[str]: ...
    def to_toml(self) -> str: ...
    def parameters_json(self) -> str: ...
    def describe(self) -> str: ...

class Stepper:
    def __init__(self, scenario: LoadedScenario, seed: int, rep: int) -> None: ...
    @property
    def period(self) -> int: ...
    @property
    def periods(self) -> int: ...
    def step(self, n: int) -> Table: ...
    def cadres(self) -> Table: ...

def run(scenario: LoadedScenario, reps: int, seed: int, threads: Optional[int] = None) -> Dict[str, object]: ...
def compare(scenarios: Sequence[LoadedScenario], reps: int, seed: int, threads: Optional[int] = None) -> Dict[str, object]: ...
def sweep(
    scenario: LoadedScenario,
    vary: Sequence[str],
    design: str,
    samples: Optional[int],
    reps: int,
    seed: int,
    threads: Optional[int] = None,
) -> Dict[str, object]: ...
def sensitivity(
    scenario: LoadedScenario,
    method: str,
    params: Sequence[str],
    metric: str,
    samples: int,
    levels: int,
    second_order: bool,
    bootstrap: int,
    reps: int,
    seed: int,
    threads: Optional[int] = None,
) -> Dict[str, object]: ...
def evaluate(
    scenario: LoadedScenario,
    params: Sequence[str],
    points: Sequence[Sequence[float]],
    reps: int,
    seed: int,
    threads: Optional[int] = None,
) -> Dict[str, object]: ...
def calibrate(
    patterns: Path,
    params: Sequence[str],
    design: str,
    samples: int,
    effects: Sequence[str],
    scenarios: Sequence[Tuple[str, Path]],
    overrides: Overrides,
    reps: int,
    seed: int,
    threads: Optional[int] = None,
) -> Dict[str, object]: ...
def params() -> Table: ...
def metric_list() -> Table: ...
def version() -> Tuple[str, str]: ...
