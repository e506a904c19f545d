"""What an extractor returns: text, metadata and whatever was embedded inside."""

from __future__ import annotations

from dataclasses import dataclass, field


class ExtractionError(Exception):
    """The file could not be read: corrupt, encrypted, too large, unsupported."""

    def __init__(self, reason: str, *, retryable: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable  # a time-out or a server error: worth trying again


@dataclass
class Extracted:
    text: str
    content_type: str
    metadata: dict[str, str] = field(default_factory=dict)
    children: list[Embedded] = field(default_factory=list)
    extractor: str = ""  # e.g. "builtin/pdf 7.1.0", "tika 3.3.2 + tesseract 5.3.0"
    # What was read but not all of it, shown as the document's extract error while its
    # text is kept: "OCR unavailable: tesseract is not installed".
    note: str = ""


@dataclass
class Embedded:
    """A file found inside another (zip member, object in a document, attachment in a MSG).

    Built-in extractors hand back the bytes (`data`) for the pipeline to extract in turn;
    Tika hands back its own extraction (`extracted`) and, when it can, no bytes.
    """

    name: str
    data: bytes | None = None
    extracted: Extracted | None = None
    content_type: str = ""
