"""PowerPoint (PPTX) text: each slide's paragraphs in order, then its speaker notes."""

from __future__ import annotations

from ingest.extract.office import Package, descendants, drawing_paragraphs, local
from ingest.extract.text import tidy


def read_pptx(package: Package) -> tuple[str, dict[str, str]]:
    main = package.main_part("ppt/presentation.xml")
    presentation = package.xml(main, required=True)
    assert presentation is not None
    targets = {rel_id: target for rel_id, _, target in package.relationships(main)}
    lines: list[str] = []
    slides = 0
    for slide_id in descendants(presentation, "sldId"):
        rel_id = next((v for k, v in slide_id.attrib.items() if local(k) == "id" and k != "id"), "")
        part = targets.get(rel_id)
        root = package.xml(part) if part else None
        if root is None or part is None:
            continue
        slides += 1
        lines += drawing_paragraphs(root)
        for notes_part in package.related(part, "notesSlide"):
            notes = package.xml(notes_part)
            if notes is not None:
                lines += drawing_paragraphs(notes)
        lines.append("")
    return tidy("\n".join(lines)), {"slide_count": str(slides)}
