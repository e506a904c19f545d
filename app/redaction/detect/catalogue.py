"""What each detector is called and the citation it suggests: data in detectors.toml."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib.resources import files


@dataclass(frozen=True)
class Detector:
    name: str  # the `Finding.detector` value
    label: str  # what a reviewer reads
    citation: str  # the default citation code


def _load() -> dict[str, Detector]:
    data = tomllib.loads(files(__package__).joinpath("detectors.toml").read_text(encoding="utf-8"))
    return {name: Detector(name, str(row["label"]), str(row["citation"])) for name, row in data.items()}


DETECTORS: dict[str, Detector] = _load()
