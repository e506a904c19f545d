"""Excel (XLSX) text: each sheet's name, then its rows (cells tab-separated), headers, comments."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from ingest.extract.office import Element, Package, children, descendants, drawing_paragraphs, local
from ingest.extract.text import tidy

# Built-in number formats that show dates or times (ECMA-376 18.8.30, plus the CJK ones).
_DATE_FORMAT_IDS = set(range(14, 23)) | set(range(27, 37)) | set(range(45, 48)) | set(range(50, 59))
_QUOTED = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')
_HEADER_CODES = re.compile(r'&(?:"[^"]*"|\d+|[A-Za-z])')
_EPOCH_1900 = datetime(1899, 12, 30)  # serial 1 = 1900-01-01, counting Excel's fictitious 29 Feb 1900
_EPOCH_1904 = datetime(1904, 1, 1)


def read_xlsx(package: Package) -> tuple[str, dict[str, str]]:
    main = package.main_part("xl/workbook.xml")
    workbook = package.xml(main, required=True)
    assert workbook is not None
    targets = {rel_id: target for rel_id, _, target in package.relationships(main)}
    shared = _shared_strings(package, main)
    date_styles = _date_styles(package, main)
    date1904 = any(p.get("date1904") in ("1", "true") for p in descendants(workbook, "workbookPr"))
    epoch = _EPOCH_1904 if date1904 else _EPOCH_1900
    lines: list[str] = []
    sheets = list(descendants(workbook, "sheet"))
    for sheet in sheets:
        rel_id = next((v for k, v in sheet.attrib.items() if local(k) == "id"), "")
        lines.append(sheet.get("name", ""))
        part = targets.get(rel_id)
        root = package.xml(part) if part else None
        if root is not None:
            lines += _rows(root, shared, date_styles, epoch)
            lines += _header_footer(root)
            lines += _comments(package, part or "")
            lines += _drawings(package, part or "")
        lines.append("")
    return tidy("\n".join(lines)), {"sheet_count": str(len(sheets))}


def _shared_strings(package: Package, main: str) -> list[str]:
    parts = package.related(main, "sharedStrings")
    root = package.xml(parts[0]) if parts else None
    return [_rich_text(item) for item in children(root, "si")] if root is not None else []


def _rich_text(element: Element) -> str:
    """Text of a string item or inline string, without phonetic (furigana) runs."""
    return "".join(node.text or "" for node in _text_nodes(element))


def _text_nodes(element: Element) -> list[Element]:
    found = []
    for child in element:
        name = local(child.tag)
        if name == "t":
            found.append(child)
        elif name != "rPh":
            found += _text_nodes(child)
    return found


def _date_styles(package: Package, main: str) -> set[int]:
    """Indexes of cell styles whose number format shows a date or a time."""
    parts = package.related(main, "styles")
    root = package.xml(parts[0]) if parts else None
    if root is None:
        return set()
    custom = {int(f.get("numFmtId", "-1")): f.get("formatCode", "") for f in descendants(root, "numFmt")}
    dated = set()
    for xfs in descendants(root, "cellXfs"):
        for index, xf in enumerate(children(xfs, "xf")):
            format_id = int(xf.get("numFmtId", "0") or 0)
            if format_id in _DATE_FORMAT_IDS or (format_id in custom and _is_date_format(custom[format_id])):
                dated.add(index)
    return dated


def _is_date_format(code: str) -> bool:
    bare = _QUOTED.sub("", code).lower()
    return any(letter in bare for letter in "dmyhs") and "general" not in bare


def _rows(sheet: Element, shared: list[str], date_styles: set[int], epoch: datetime) -> list[str]:
    lines = []
    for row in descendants(sheet, "row"):
        values = [_cell(cell, shared, date_styles, epoch) for cell in children(row, "c")]
        if any(values):
            lines.append("\t".join(values).rstrip("\t"))
    return lines


def _cell(cell: Element, shared: list[str], date_styles: set[int], epoch: datetime) -> str:
    kind = cell.get("t", "n")
    if kind == "inlineStr":
        inline = next(children(cell, "is"), None)
        return _rich_text(inline) if inline is not None else ""
    value_node = next(children(cell, "v"), None)
    value = (value_node.text or "") if value_node is not None else ""
    if not value or kind in ("str", "e", "d"):
        return value
    if kind == "s":
        index = int(value) if value.isdigit() else -1
        return shared[index] if 0 <= index < len(shared) else ""
    if kind == "b":
        return "TRUE" if value == "1" else "FALSE"
    return _number(value, int(cell.get("s", "0") or 0) in date_styles, epoch)


def _number(value: str, is_date: bool, epoch: datetime) -> str:
    try:
        number = float(value)
    except ValueError:
        return value
    if is_date and 0 <= number < 2958466:  # up to 9999-12-31
        # ISO dates rather than the sheet's display format: unambiguous and searchable.
        moment = epoch + timedelta(days=number)
        moment = moment.replace(microsecond=0) + timedelta(seconds=round(moment.microsecond / 1e6))
        if number < 1:
            return moment.strftime("%H:%M:%S")
        return moment.strftime("%Y-%m-%d") if number == int(number) else moment.strftime("%Y-%m-%d %H:%M:%S")
    if number == int(number) and abs(number) < 1e15:
        return str(int(number))
    return repr(number)


def _header_footer(sheet: Element) -> list[str]:
    lines = []
    for block in descendants(sheet, "headerFooter"):
        for part in block:
            # &L &C &R sections, &P page numbers, &"Font,Bold" and &12 sizes are codes.
            text = _HEADER_CODES.sub(" ", part.text or "").strip()
            if text:
                lines.append(" ".join(text.split()))
    return lines


def _comments(package: Package, sheet_part: str) -> list[str]:
    lines = []
    for part in package.related(sheet_part, "comments"):
        root = package.xml(part)
        for comment in descendants(root, "comment") if root is not None else []:
            lines.append(_rich_text(next(children(comment, "text"), comment)))
    return lines


def _drawings(package: Package, sheet_part: str) -> list[str]:
    """Text boxes and shapes drawn over the sheet."""
    lines = []
    for part in package.related(sheet_part, "drawing"):
        root = package.xml(part)
        if root is not None:
            lines += drawing_paragraphs(root)
    return lines
