"""scripts/check_licences.py on fake site directories, and on the real installed tree."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "check_licences.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_licences", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it runs
    spec.loader.exec_module(module)
    return module


check_licences = _load()


def dist(site: Path, name: str, *requires: str, **fields: str) -> None:
    """A .dist-info folder; fields are License_Expression="MIT", License="...", Classifier="..."."""
    lines = ["Metadata-Version: 2.4", f"Name: {name}", "Version: 1.0"]
    lines += [f"Requires-Dist: {requirement}" for requirement in requires]
    lines += [f"{key.replace('_', '-')}: {value}" for key, value in fields.items()]
    folder = site / f"{name.replace('-', '_')}-1.0.dist-info"
    folder.mkdir(parents=True)
    (folder / "METADATA").write_text("\n".join(lines) + "\n")


def run(site: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, list[str]]:
    code = check_licences.main(["--root", "city-app", "--path", str(site), *extra])
    return code, capsys.readouterr().out.splitlines()


def test_gpl_dependency_fails_with_its_chain(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dist(tmp_path, "city-app", "reader>=1", License_Expression="Apache-2.0")
    dist(tmp_path, "reader", "gpl-codec", License_Expression="MIT")
    dist(tmp_path, "gpl-codec", License_Expression="GPL-3.0-only")
    code, out = run(tmp_path, capsys)
    assert code == 1
    assert (
        "licence check: FAIL GPL/AGPL: gpl-codec 1.0: GPL-3.0-only [GPL] via city-app -> reader -> gpl-codec"
    ) in out


def test_lgpl_dependency_passes_and_is_listed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dist(tmp_path, "city-app", "pff", License_Expression="Apache-2.0")
    lgpl = "License :: OSI Approved :: GNU Lesser General Public License v3 (LGPLv3)"
    dist(tmp_path, "pff", Classifier=lgpl)
    code, out = run(tmp_path, capsys)
    assert code == 0
    assert any(line.startswith("licence check: weak copyleft (allowed): pff 1.0") for line in out), out


@pytest.mark.parametrize(
    ("fields", "fails"),
    [
        ({"License": "GPL"}, True),  # pcodedmp states it like this
        ({"Classifier": "License :: OSI Approved :: GNU General Public License v3 (GPLv3)"}, True),
        ({"Classifier": "License :: OSI Approved :: GNU Affero General Public License v3"}, True),
        ({"License_Expression": "MIT OR GPL-3.0-or-later"}, False),  # we may take it as MIT
        ({"License_Expression": "(MIT OR Apache-2.0) AND AGPL-3.0-only"}, True),
        ({"License_Expression": "GPL-2.0-only WITH Classpath-exception-2.0"}, True),
        ({"License_Expression": "LGPL-2.1-or-later AND BSD-3-Clause"}, False),
        # A whole licence text in License: its title decides (the LGPL's text cites the GPL).
        ({"License": "GNU LESSER GENERAL PUBLIC LICENSE\n Version 3 ... GNU General Public License"}, False),
        ({"License": "Copyright (c) 2024 Someone. All rights reserved."}, True),  # unknown
        ({}, True),  # nothing stated at all
        ({"License": "Dual License", "Classifier": "License :: OSI Approved :: BSD License"}, False),
    ],
)
def test_licence_kinds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fields: dict[str, str], fails: bool
) -> None:
    dist(tmp_path, "city-app", "dependency", License_Expression="Apache-2.0")
    dist(tmp_path, "dependency", **fields)
    code, out = run(tmp_path, capsys)
    assert (code == 1) == fails, out
    failed = [line for line in out if line.startswith("licence check: FAIL")]
    assert fails == any(" dependency 1.0: " in line for line in failed)


def test_test_extra_and_false_markers_are_not_runtime(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dist(
        tmp_path, "city-app", 'gpl-test-tool; extra == "test"', 'gpl-win; sys_platform == "no-such-os"',
        "psycopg[binary]", License_Expression="Apache-2.0",
    )
    dist(tmp_path, "gpl-test-tool", License_Expression="GPL-3.0-only")
    dist(tmp_path, "gpl-win", License_Expression="GPL-3.0-only")
    dist(tmp_path, "psycopg", 'psycopg-binary; extra == "binary"', License_Expression="LGPL-3.0-only")
    dist(tmp_path, "psycopg-binary", License_Expression="LGPL-3.0-only")
    code, out = run(tmp_path, capsys)
    assert code == 0, out
    # An extra that a requirement asks for is followed, one that nobody asks for is not.
    chain = "psycopg-binary 1.0: LGPL-3.0-only [weak copyleft] via city-app -> psycopg -> psycopg-binary"
    assert any(line.endswith(chain) for line in out), out
    assert run(tmp_path, capsys, "--extra", "test")[0] == 1


def test_unknown_licence_passes_only_when_reviewed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dist(tmp_path, "city-app", "IMAPClient", "mystery", License_Expression="Apache-2.0")
    dist(tmp_path, "IMAPClient")  # states nothing, like the real one
    dist(tmp_path, "mystery")
    code, out = run(tmp_path, capsys)
    assert code == 1
    assert [line for line in out if "FAIL" in line] == [
        "licence check: FAIL licence unknown (review it, see REVIEWED): "
        "mystery 1.0: no licence stated [unknown] via city-app -> mystery"
    ]
    assert any(line.startswith("licence check: reviewed by hand: IMAPClient: BSD-3-Clause") for line in out)


def test_a_choice_of_licences_passes_only_when_chosen(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tri = ("License :: OSI Approved :: GNU General Public License v2 or later (GPLv2+)",
           "License :: OSI Approved :: GNU Lesser General Public License v2 or later (LGPLv2+)",
           "License :: OSI Approved :: Mozilla Public License 1.1 (MPL 1.1)")
    dist(tmp_path, "city-app", "pyphen", "other-tri", License_Expression="Apache-2.0")
    for name in ("pyphen", "other-tri"):
        folder = tmp_path / f"{name.replace('-', '_')}-1.0.dist-info"
        folder.mkdir()
        (folder / "METADATA").write_text("\n".join(
            ["Metadata-Version: 2.4", f"Name: {name}", "Version: 1.0",
             *(f"Classifier: {c}" for c in tri)]) + "\n")
    code, out = run(tmp_path, capsys)
    assert code == 1
    assert [line.split(": ")[2].split()[0] for line in out if "FAIL" in line] == ["other-tri"]
    assert any(line.startswith("licence check: weak copyleft (allowed): pyphen 1.0: "
                               "LGPL-2.1-or-later OR MPL-1.1") for line in out), out


def test_missing_dependency_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dist(tmp_path, "city-app", "not-installed", License_Expression="Apache-2.0")
    code, out = run(tmp_path, capsys)
    assert code == 1
    assert "licence check: FAIL required but not installed: city-app -> not-installed" in out


def test_installed_custodia_passes() -> None:
    # As scripts/test.sh runs it: the venv's python, the real installed tree.
    result = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    weak = {line.split(": ")[2].split()[0] for line in result.stdout.splitlines() if "weak copyleft" in line}
    assert {"libpff-python", "psycopg", "psycopg-binary"} <= weak
    assert "extract-msg" not in result.stdout and "RTFDE" not in result.stdout
