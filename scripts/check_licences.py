"""Fail when a runtime dependency of Custodia is GPL or AGPL, or of a licence nobody checked.

Walks the installed distribution's requirements recursively (environment markers
evaluated, extras only where a requirement asks for them; the `test` extra is not
runtime), reads each distribution's licence from its metadata (License-Expression,
else the License field and the Trove classifiers) and prints one line per offender
with the chain that pulled it in. LGPL and MPL (file- and library-level copyleft) are
allowed and listed. Run by scripts/test.sh right after installation:

    python scripts/check_licences.py [--root custodia] [--path SITE_DIR ...] [--extra NAME ...]
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import metadata

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

# Distributions whose metadata states no licence, checked by a person: name ->
# (the licence found, where it was found). Say what was read, so a reviewer can redo it.
REVIEWED: dict[str, tuple[str, str]] = {
    "imapclient": (
        "BSD-3-Clause",
        "no License field or classifier; the COPYING file in its .dist-info/licenses "
        "is the 3-clause BSD text and its README says 'New BSD' (checked on 4.1.0)",
    ),
}

# Distributions offered under a choice of licences, GPL among them, that state it only as
# classifiers (so the GPL one fails them): name -> (the licence we take, what was read).
CHOSEN: dict[str, tuple[str, str]] = {
    "pyphen": (
        "LGPL-2.1-or-later OR MPL-1.1",
        "tri-licensed GPL-2.0+/LGPL-2.1+/MPL-1.1 (its LICENSE file, checked on 0.18.1); "
        "WeasyPrint's hyphenation, which letters leave off",
    ),
}

PERMISSIVE, WEAK_COPYLEFT, UNKNOWN, GPL = "permissive", "weak copyleft", "unknown", "GPL"
# For AND, the worst term decides; for OR, the best alternative.
_RANK = {PERMISSIVE: 0, WEAK_COPYLEFT: 1, UNKNOWN: 2, GPL: 3}

_GPL = re.compile(r"\bA?GPL|\bGNU (AFFERO )?GENERAL PUBLIC", re.IGNORECASE)
_WEAK = re.compile(r"\bLGPL|GNU (LESSER|LIBRARY)|\bMPL\b|MOZILLA PUBLIC", re.IGNORECASE)
_PERMISSIVE = re.compile(
    r"\b(MIT|BSD|0BSD|APACHE|ISC|PSF|PYTHON SOFTWARE FOUNDATION|PYTHON-2\.0|ZLIB|CC0|UNLICENSE"
    r"|PUBLIC DOMAIN|HPND|HISTORICAL PERMISSION|BOOST|BSL-1\.0|UNICODE|X11|NCSA)\b"
    r"|PERMISSION IS HEREBY GRANTED|REDISTRIBUTION AND USE IN SOURCE",
    re.IGNORECASE,
)
_SPDX_TOKEN = re.compile(r"\(|\)|[A-Za-z0-9.+:-]+")


def classify(text: str) -> str:
    """The kind of one licence name, SPDX id or licence text."""
    if _GPL.search(text):  # "LGPL" and "GNU Lesser General Public" do not match
        return GPL
    if _WEAK.search(text):
        return WEAK_COPYLEFT
    return PERMISSIVE if _PERMISSIVE.search(text) else UNKNOWN


def classify_expression(expression: str) -> str:
    """An SPDX licence expression (PEP 639): AND takes the worst term, OR the best."""
    tokens = _SPDX_TOKEN.findall(expression)
    kind, position = _terms(tokens, 0)
    return kind if position == len(tokens) else UNKNOWN


def _terms(tokens: list[str], position: int, operator: str = "OR") -> tuple[str, int]:
    """A list joined by OR (of AND lists) or by AND (of terms): OR binds looser."""
    pick = min if operator == "OR" else max

    def read(at: int) -> tuple[str, int]:
        return _terms(tokens, at, "AND") if operator == "OR" else _term(tokens, at)

    kind, position = read(position)
    while position < len(tokens) and tokens[position].upper() == operator:
        other, position = read(position + 1)
        kind = pick(kind, other, key=_RANK.__getitem__)
    return kind, position


def _term(tokens: list[str], position: int) -> tuple[str, int]:
    if position >= len(tokens):
        return UNKNOWN, position
    if tokens[position] == "(":
        kind, position = _terms(tokens, position + 1)
        closed = position < len(tokens) and tokens[position] == ")"
        return (kind, position + 1) if closed else (UNKNOWN, position)
    kind, position = classify(tokens[position]), position + 1
    if position < len(tokens) and tokens[position].upper() == "WITH":
        position += 2  # an exception (Classpath, LLVM...) does not change the licence's kind
    return kind, position


def licence_of(dist: metadata.Distribution) -> tuple[str, str]:
    """(what the metadata says, its kind) of one distribution."""
    expression = _field(dist, "License-Expression")
    if expression:
        return expression, classify_expression(expression)
    classifiers = dist.metadata.get_all("Classifier") or []
    stated = [c.split("::")[-1].strip() for c in classifiers if c.startswith("License ::")]
    # The License field is free text, at times a whole licence: judge it by its first line,
    # the title (the LGPL's text goes on to cite the GPL).
    free_text = _field(dist, "License").splitlines()
    if free_text and free_text[0].strip().upper() not in ("", "UNKNOWN"):
        stated.append(free_text[0].strip()[:100])
    kinds = [classify(text) for text in stated if text != "OSI Approved"]
    known = [kind for kind in kinds if kind != UNKNOWN]
    if GPL in known:
        return "; ".join(stated), GPL  # any GPL classifier wins: dual licences need a review
    kind = max(known, key=_RANK.__getitem__) if known else UNKNOWN
    return "; ".join(stated) or "no licence stated", kind


def _field(dist: metadata.Distribution, name: str) -> str:
    values = dist.metadata.get_all(name) or []
    return str(values[0]).strip() if values else ""


@dataclass
class Finding:
    name: str
    version: str
    licence: str
    kind: str
    chain: list[str]
    reviewed: str = ""

    def line(self) -> str:
        return f"{self.name} {self.version}: {self.licence} [{self.kind}] via {' -> '.join(self.chain)}"


@dataclass
class Report:
    checked: list[Finding] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # required, marker true, not installed

    @property
    def offenders(self) -> list[Finding]:
        return [f for f in self.checked if f.kind in (GPL, UNKNOWN)]


def walk(root: str, path: Sequence[str] | None = None, extras: Iterable[str] = ()) -> Report:
    """Every runtime distribution reachable from `root` in the metadata under `path`."""
    installed: dict[str, metadata.Distribution] = {}
    for found in metadata.distributions(path=list(path) if path is not None else sys.path):
        installed.setdefault(canonicalize_name(_field(found, "Name")), found)
    report = Report()
    chains: dict[str, list[str]] = {}
    done: dict[str, set[str]] = {}  # extras already followed per distribution
    pending = [(canonicalize_name(root), {*extras}, [root])]
    while pending:
        name, wanted, chain = pending.pop()
        dist = installed.get(name)
        if dist is None:
            report.missing.append(" -> ".join(chain))
            continue
        if name not in chains:
            chains[name] = chain
            report.checked.append(_finding(name, dist, chain))
        elif wanted <= done[name]:
            continue
        done[name] = done.get(name, set()) | wanted
        for requirement in _runtime_requirements(dist, wanted):
            child = canonicalize_name(requirement.name)
            pending.append((child, set(requirement.extras), [*chain, requirement.name]))
    return report


def _runtime_requirements(dist: metadata.Distribution, extras: set[str]) -> list[Requirement]:
    found = []
    for text in dist.requires or []:
        try:
            requirement = Requirement(text)
        except InvalidRequirement:
            continue
        marker = requirement.marker
        if marker is None or any(marker.evaluate({"extra": extra}) for extra in ("", *extras)):
            found.append(requirement)
    return found


def _finding(name: str, dist: metadata.Distribution, chain: list[str]) -> Finding:
    licence, kind = licence_of(dist)
    finding = Finding(_field(dist, "Name") or name, dist.version, licence, kind, chain)
    if kind == UNKNOWN and name in REVIEWED:
        finding.licence, finding.reviewed = REVIEWED[name]
        finding.kind = classify(finding.licence)
    elif kind == GPL and name in CHOSEN:
        finding.licence, finding.reviewed = CHOSEN[name]
        finding.kind = classify_expression(finding.licence)
    return finding


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--root", default="custodia", help="the distribution whose runtime tree is checked")
    parser.add_argument("--path", action="append", help="where to look for metadata (default: sys.path)")
    parser.add_argument("--extra", action="append", default=[], help="an extra of the root taken as runtime")
    args = parser.parse_args(argv)
    report = walk(args.root, args.path, args.extra)
    for finding in report.offenders:
        verdict = "GPL/AGPL" if finding.kind == GPL else "licence unknown (review it, see REVIEWED)"
        print(f"licence check: FAIL {verdict}: {finding.line()}")
    for chain in report.missing:
        print(f"licence check: FAIL required but not installed: {chain}")
    weak = [f for f in report.checked if f.kind == WEAK_COPYLEFT]
    print(f"licence check: {len(report.checked)} runtime distributions from {args.root}")
    for finding in weak:
        print(f"licence check: weak copyleft (allowed): {finding.line()}")
    for finding in report.checked:
        if finding.reviewed:
            print(f"licence check: reviewed by hand: {finding.name}: {finding.licence} ({finding.reviewed})")
    return 1 if report.offenders or report.missing else 0


if __name__ == "__main__":
    sys.exit(main())
