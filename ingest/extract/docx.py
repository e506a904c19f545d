"""Word (DOCX) text: headers, body (paragraphs, tables, text boxes), notes, comments, footers."""

from __future__ import annotations

from ingest.extract.office import Element, Package, children, local
from ingest.extract.text import tidy

# Run and paragraph properties hold tab-stop and style definitions, not text; deleted
# text, field codes and the like are not what the reader sees.
_IGNORED = {"pPr", "rPr", "sectPr", "tblPr", "trPr", "tcPr", "sdtPr", "delText", "instrText", "fldData",
            "del", "moveFrom", "commentRangeStart", "commentRangeEnd"}
_BREAKS = {"br": "\n", "cr": "\n", "tab": "\t", "ptab": "\t", "noBreakHyphen": "-", "softHyphen": ""}


def read_docx(package: Package) -> tuple[str, dict[str, str]]:
    main = package.main_part("word/document.xml")
    document = package.xml(main, required=True)
    assert document is not None  # required=True raises instead
    lines: list[str] = []
    for part in package.related(main, "header"):
        _part_text(package, part, lines)
    _blocks(document, lines)
    for kind in ("footnotes", "endnotes", "comments", "footer"):
        for part in package.related(main, kind):
            _part_text(package, part, lines)
    return tidy("\n".join(lines)), {}


def _part_text(package: Package, part: str, lines: list[str]) -> None:
    root = package.xml(part)
    if root is not None:
        _blocks(root, lines)


def _blocks(element: Element, lines: list[str]) -> None:
    """Paragraphs and tables in document order, at any depth (content controls, cells...)."""
    for child in element:
        name = local(child.tag)
        if name == "p":
            _paragraph(child, lines)
        elif name == "tbl":
            _table(child, lines)
        elif name == "AlternateContent":
            _blocks(_chosen(child), lines)
        elif name not in _IGNORED:
            _blocks(child, lines)


def _paragraph(paragraph: Element, lines: list[str]) -> None:
    parts: list[str] = []
    boxes: list[str] = []  # text boxes anchored in this paragraph follow it
    _runs(paragraph, parts, boxes)
    lines.append("".join(parts))
    lines.extend(boxes)


def _runs(element: Element, parts: list[str], boxes: list[str]) -> None:
    for child in element:
        name = local(child.tag)
        if name == "t":
            parts.append(child.text or "")
        elif name in _BREAKS:
            parts.append(_BREAKS[name])
        elif name == "txbxContent":
            _blocks(child, boxes)
        elif name == "AlternateContent":
            _runs(_chosen(child), parts, boxes)
        elif name not in _IGNORED:
            _runs(child, parts, boxes)


def _table(table: Element, lines: list[str]) -> None:
    for row in children(table, "tr"):
        cells = []
        for cell in children(row, "tc"):
            cell_lines: list[str] = []
            _blocks(cell, cell_lines)
            cells.append(" ".join(line.strip() for line in cell_lines if line.strip()))
        lines.append("\t".join(cells))


def _chosen(alternate: Element) -> Element:
    """mc:AlternateContent repeats the same content for old readers: use one branch only."""
    for branch in alternate:
        return branch
    return alternate
