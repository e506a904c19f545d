"""DOCX, XLSX and PPTX: the OOXML package they share, read with zipfile and ElementTree.

Elements are matched by local name, so both the usual ("transitional") and the ISO
"strict" namespaces work. Parts are read through BoundedZip, so a bomb inside a
document is caught like one in a plain zip.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterator
from xml.etree import ElementTree

from ingest.extract import detect, ole
from ingest.extract.archive import BoundedZip, open_zip
from ingest.extract.base import Embedded, Extracted, ExtractionError
from ingest.extract.limits import Limits

Element = ElementTree.Element

_CORE_FIELDS = {
    "title": "title", "creator": "author", "lastModifiedBy": "last_author", "created": "created",
    "modified": "modified", "subject": "subject", "keywords": "keywords",
}


def local(tag: str) -> str:
    """'{namespace}name' -> 'name'."""
    return tag.rsplit("}", 1)[-1]


def children(element: Element, name: str) -> Iterator[Element]:
    return (child for child in element if local(child.tag) == name)


def descendants(element: Element, name: str) -> Iterator[Element]:
    return (node for node in element.iter() if local(node.tag) == name)


def drawing_paragraphs(root: Element) -> list[str]:
    """Each DrawingML paragraph (a:p) in shapes, tables and groups, as one line."""
    lines = []
    for paragraph in descendants(root, "p"):
        if "drawingml" not in paragraph.tag:
            continue  # only DrawingML's <a:p> is a text paragraph
        parts = []
        for node in paragraph.iter():
            name = local(node.tag)
            if name == "t":
                parts.append(node.text or "")
            elif name == "br":
                parts.append("\n")
        lines.append("".join(parts))
    return lines


class Package:
    def __init__(self, archive: BoundedZip) -> None:
        self.archive = archive
        self.names = archive.names()
        self.warnings: list[str] = []

    def xml(self, part: str, *, required: bool = False) -> Element | None:
        """A part parsed as XML; None (and a warning) when missing or broken, unless required."""
        raw = self.archive.read_name(part) if part in self.names else None
        if raw is None:
            if required:
                raise ExtractionError(f"OOXML package has no {part}")
            return None
        # OOXML never declares a DTD; refusing one rules out entity tricks outright
        # (expat already caps entity expansion, this makes it certain).
        if b"<!DOCTYPE" in raw or b"<!ENTITY" in raw:
            raise ExtractionError(f"OOXML part {part} declares a DTD")
        try:
            return ElementTree.fromstring(raw)
        except ElementTree.ParseError as exc:
            if required:
                raise ExtractionError(f"broken XML in {part}: {exc}") from exc
            self.warnings.append(f"{part}: {exc}")
            return None

    def relationships(self, part: str) -> list[tuple[str, str, str]]:
        """(id, type's last word, target part) for each relationship of `part` ('' = package)."""
        folder, name = posixpath.split(part)
        root = self.xml(posixpath.join(folder, "_rels", f"{name}.rels"))
        if root is None:
            return []
        found = []
        for rel in children(root, "Relationship"):
            if rel.get("TargetMode") == "External":
                continue
            target = rel.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
            kind = rel.get("Type", "").rsplit("/", 1)[-1]
            found.append((rel.get("Id", ""), kind, posixpath.normpath(path)))
        return found

    def related(self, part: str, kind: str) -> list[str]:
        return [target for _, rel_kind, target in self.relationships(part) if rel_kind == kind]

    def main_part(self, fallback: str) -> str:
        parts = self.related("", "officeDocument")
        return parts[0] if parts else fallback

    def metadata(self) -> dict[str, str]:
        found: dict[str, str] = {}
        core = self.xml((self.related("", "core-properties") or ["docProps/core.xml"])[0])
        for node in core if core is not None else []:
            key = _CORE_FIELDS.get(local(node.tag))
            if key and node.text and node.text.strip():
                found[key] = node.text.strip()
        app = self.xml((self.related("", "extended-properties") or ["docProps/app.xml"])[0])
        for node in app if app is not None else []:
            count = (node.text or "").strip()
            if local(node.tag) in ("Pages", "Slides") and count.isdigit():
                found["page_count"] = count
        return found

    def embedded(self) -> list[Embedded]:
        """Files embedded as objects (word/embeddings/...), unwrapped from OLE when possible."""
        found = []
        for name in sorted(self.names):
            if "/embeddings/" not in name:
                continue
            data = self.archive.read_name(name) or b""
            label, payload = posixpath.basename(name), data
            if data.startswith(ole.MAGIC):
                unwrapped = ole.embedded_payload(data)
                if unwrapped:
                    label, payload = unwrapped[0] or label, unwrapped[1]
            kind = detect.content_type(payload, label, None)
            found.append(Embedded(name=label, data=payload, content_type=kind))
        return found


TextReader = Callable[[Package], tuple[str, dict[str, str]]]


def extract_ooxml(
    data: bytes, content_type: str, limits: Limits, read_text: TextReader, kind: str
) -> Extracted:
    with open_zip(data, limits) as archive:
        package = Package(archive)
        text, extra = read_text(package)
        metadata = package.metadata() | extra
        children_ = package.embedded()
    if package.warnings:
        metadata["warning"] = "; ".join(package.warnings)
    return Extracted(text=text, content_type=content_type, metadata=metadata, children=children_,
                     extractor=f"builtin/{kind}")
