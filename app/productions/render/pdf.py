"""PDFs in and out with pypdf: open refusing what cannot be read, copy pages without the
document's metadata, and write with no Info, no XMP and an /ID derived from the content."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable

import pypdf
from pypdf.errors import PyPdfError
from pypdf.generic import ArrayObject, ByteStringObject, DictionaryObject, NameObject

from app.productions.render.boxes import RenderError

# Page keys not carried: XMP, application data, page actions (JavaScript on open/close), thumbnails.
_PAGE_DROPPED = ("/Metadata", "/PieceInfo", "/AA", "/Thumb")
# Annotations that carry files or active content rather than something printed on the page.
_ANNOTATIONS_DROPPED = {"/FileAttachment", "/Sound", "/Movie", "/Screen", "/RichMedia", "/3D"}
# Actions that run or fetch something; a link to a URI or a page stays.
_ACTIONS_DROPPED = {"/JavaScript", "/Launch", "/ImportData", "/SubmitForm", "/ResetForm", "/Rendition",
                    "/Movie", "/Sound", "/RichMediaExecute", "/GoToE", "/GoToR"}


def read(data: bytes) -> pypdf.PdfReader:
    """A reader over the PDF, decrypted with the empty password as every viewer does;
    a file that is not a PDF, needs a password or has no pages raises RenderError."""
    if b"%PDF-" not in data[:1024]:  # readers accept junk before the header, up to 1 KiB
        raise RenderError("the file is not a PDF")
    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise RenderError("the PDF is password-protected")
        count = len(reader.pages)
    except RenderError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        raise RenderError(f"the PDF cannot be read: {type(exc).__name__}: {exc}") from exc
    if count == 0:
        raise RenderError("the PDF has no pages")
    return reader


def page_count(pdf: bytes) -> int:
    """The number of pages (RenderError if the bytes are not a readable PDF)."""
    return len(read(pdf).pages)


def copy_pages(reader: pypdf.PdfReader) -> pypdf.PdfWriter:
    """A new document holding only the reader's pages: no document Info, XMP, outlines,
    attachments, document JavaScript or open action (all of which live off the pages), and on
    each page no XMP, application data, page actions, file attachments or script actions."""
    writer = pypdf.PdfWriter()
    try:
        for page in reader.pages:
            copied = writer.add_page(page, excluded_keys=_PAGE_DROPPED)
            _scrub_annotations(copied)
            _scrub_resources(copied.get("/Resources"), depth=0)
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        raise RenderError(f"the PDF cannot be copied: {type(exc).__name__}: {exc}") from exc
    return writer


def _scrub_annotations(page: pypdf.PageObject) -> None:
    annotations = page.get("/Annots")
    if annotations is None:
        return
    kept = ArrayObject()
    for reference in annotations.get_object():
        annotation = reference.get_object()
        if not isinstance(annotation, DictionaryObject) or annotation.get("/Subtype") in _ANNOTATIONS_DROPPED:
            continue
        annotation.pop("/AA", None)
        action = annotation.get("/A")
        if action is not None and action.get_object().get("/S") in _ACTIONS_DROPPED:
            del annotation["/A"]
        kept.append(reference)
    page[NameObject("/Annots")] = kept


def _scrub_resources(resources: object, depth: int) -> None:
    """Drop the XMP an image or form carries (a camera's, an editor's), through nested forms."""
    if resources is None or depth > 8:
        return
    resources = resources.get_object()  # type: ignore[attr-defined]
    if not isinstance(resources, DictionaryObject):
        return
    xobjects = resources.get("/XObject")
    for reference in (xobjects.get_object().values() if xobjects is not None else []):
        xobject = reference.get_object()
        if isinstance(xobject, DictionaryObject):
            xobject.pop("/Metadata", None)
            xobject.pop("/PieceInfo", None)
            if xobject.get("/Subtype") == "/Form":
                _scrub_resources(xobject.get("/Resources"), depth + 1)


def write(writer: pypdf.PdfWriter, seed: Iterable[bytes]) -> bytes:
    """The writer's PDF with no Info at all and an /ID that is a hash of `seed` (the inputs)."""
    writer.metadata = None
    writer.root_object.pop("/Metadata", None)
    writer.compress_identical_objects(remove_duplicates=False, remove_unreferenced=True)
    digest = hashlib.sha256()
    for part in seed:
        digest.update(hashlib.sha256(part).digest())
    identifier = ByteStringObject(digest.digest()[:16])
    writer._ID = ArrayObject([identifier, identifier])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_without_metadata(data: bytes) -> bytes:
    """A PDF attachment passed through unredacted: the same pages, the metadata gone."""
    return write(copy_pages(read(data)), [b"pass-through", data])
