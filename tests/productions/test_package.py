"""The package zip: same inputs, same bytes; a manifest that matches; no unsafe names."""

from __future__ import annotations

import hashlib
import json
import zipfile
from datetime import date
from pathlib import Path

import pytest

from app.productions.loadfiles import write_dat
from app.productions.package import MANIFEST, PackageWriter, paths

DAY = date(2026, 3, 4)


def build(target: Path, package_date: date = DAY) -> dict[str, object]:
    source = target.with_suffix(".native")
    source.write_bytes(b"native bytes " * 1000)
    layout = paths("VOL001")
    with PackageWriter(target, package_date, {"production": "Smith request", "volume": "VOL001"}) as package:
        package.add(layout.images + "CITY000001.pdf", b"%PDF-1.7 pretend")
        package.add_file(layout.natives + "CITY000002.xlsx", source)
        with package.open(layout.dat) as out:
            write_dat([{"BEGBATES": "CITY000001", "SUBJECT": "Budget"}], out)
        package.add(layout.text + "CITY000001.txt", "Redacted text, ünïcode".encode())
        manifest = package.close({"last_bates": "CITY000002"})
    return manifest


def test_the_layout_is_a_function_of_the_volume() -> None:
    layout = paths("VOL002")
    assert (layout.images, layout.natives, layout.text, layout.data) == (
        "VOL002/IMAGES/", "VOL002/NATIVES/", "VOL002/TEXT/", "VOL002/DATA/")
    assert (layout.dat, layout.opt, layout.csv) == (
        "VOL002/DATA/VOL002.dat", "VOL002/DATA/VOL002.opt", "VOL002/DATA/VOL002.csv")
    for bad in ("", "..", "VOL/1", "VOL 1"):
        with pytest.raises(ValueError):
            paths(bad)


def test_the_same_inputs_give_the_same_bytes_and_another_date_other_bytes(tmp_path: Path) -> None:
    build(tmp_path / "a.zip")
    build(tmp_path / "b.zip")
    build(tmp_path / "c.zip", date(2026, 3, 5))
    first, again, later = ((tmp_path / n).read_bytes() for n in ("a.zip", "b.zip", "c.zip"))
    assert first == again
    assert hashlib.sha256(first).digest() != hashlib.sha256(later).digest()


def test_entries_carry_the_package_date_and_fixed_attributes(tmp_path: Path) -> None:
    build(tmp_path / "p.zip")
    with zipfile.ZipFile(tmp_path / "p.zip") as archive:
        infos = archive.infolist()
    assert [i.filename for i in infos][-1] == MANIFEST
    for info in infos:
        assert info.date_time == (2026, 3, 4, 0, 0, 0)
        assert info.compress_type == zipfile.ZIP_DEFLATED
        assert (info.create_system, info.external_attr >> 16, info.extra) == (3, 0o100644, b"")


def test_the_manifest_lists_every_other_entry_with_its_hash_and_size(tmp_path: Path) -> None:
    target = tmp_path / "p.zip"
    returned = build(target)
    with zipfile.ZipFile(target) as archive:
        text = archive.read(MANIFEST).decode()
        contents = {n: archive.read(n) for n in archive.namelist() if n != MANIFEST}
    manifest = json.loads(text)
    assert manifest == returned
    assert text == json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    assert manifest["production"] == "Smith request" and manifest["last_bates"] == "CITY000002"
    assert manifest["files"] == {name: {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
                                 for name, data in contents.items()}
    assert contents["VOL001/NATIVES/CITY000002.xlsx"] == b"native bytes " * 1000
    assert contents["VOL001/DATA/VOL001.dat"].startswith(b"\xef\xbb\xbf\xc3\xbeBEGBATES")


def test_the_writer_reports_the_zips_own_hash_and_size(tmp_path: Path) -> None:
    target = tmp_path / "p.zip"
    with PackageWriter(target, DAY) as package:
        package.add("a.txt", b"a")
        package.close()
    data = target.read_bytes()
    assert (package.package_sha256, package.package_size) == (hashlib.sha256(data).hexdigest(), len(data))


@pytest.mark.parametrize("name", ["/etc/passwd", "../outside.txt", "VOL001/../../x", "VOL001//x",
                                  "VOL001/./x", "VOL001/", "a b.txt", "a\\b.txt", "café.txt", "",
                                  "x:y", MANIFEST])
def test_unsafe_names_are_refused_and_change_nothing(tmp_path: Path, name: str) -> None:
    target = tmp_path / "p.zip"
    with PackageWriter(target, DAY) as package:
        package.add("VOL001/TEXT/a.txt", b"a")
        with pytest.raises(ValueError):
            package.add(name, b"x")
        manifest = package.close()
    with zipfile.ZipFile(target) as archive:
        assert archive.namelist() == ["VOL001/TEXT/a.txt", MANIFEST]
    assert list(manifest["files"]) == ["VOL001/TEXT/a.txt"]  # type: ignore[call-overload]


def test_a_name_cannot_be_added_twice(tmp_path: Path) -> None:
    with PackageWriter(tmp_path / "p.zip", DAY) as package:
        package.add("a.txt", b"a")
        with pytest.raises(ValueError, match="already"):
            package.add("a.txt", b"b")
        package.close()


def test_the_manifest_key_files_cannot_be_overwritten_by_a_header(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="files"):
        PackageWriter(tmp_path / "p.zip", DAY, {"files": "mine"})
    assert not (tmp_path / "p.zip").exists()
    with pytest.raises(ValueError, match="files"), PackageWriter(tmp_path / "q.zip", DAY) as package:
        package.close({"files": "mine"})
    assert not (tmp_path / "q.zip").exists()


def test_a_failure_while_building_leaves_no_half_written_zip(tmp_path: Path) -> None:
    target = tmp_path / "p.zip"
    with pytest.raises(RuntimeError), PackageWriter(target, DAY) as package:
        package.add("a.txt", b"a")
        with package.open("b.txt") as out:
            out.write(b"partial")
            raise RuntimeError("renderer failed")
    assert not target.exists()


def test_dates_a_zip_cannot_hold_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="1980"):
        PackageWriter(tmp_path / "p.zip", date(1979, 12, 31))
    assert not (tmp_path / "p.zip").exists()
