"""HTML to visible text with the standard library's tolerant html.parser."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from ingest.extract.base import Extracted
from ingest.extract.text import charset_param, codec_name, decode, tidy

# Content a reader never sees. <head> is hidden too, except for its <title>.
_HIDDEN = {"script", "style", "template", "noscript", "head", "svg", "object", "iframe"}
_BLOCKS = {
    "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "fieldset",
    "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
    "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table", "title", "tr", "ul",
}
_CELLS = {"td", "th"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
_META_FIELDS = {"author": "author", "description": "description", "keywords": "keywords"}
# The charset of a <meta charset> or <meta http-equiv content="...; charset=x"> tag;
# looked for in the bytes because it decides how to decode them.
_META_CHARSET = re.compile(rb"<meta[^>]*?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:+-]+)", re.IGNORECASE)
_SPACES = re.compile(r"[ \t\r\n\f\v]+")


class _Visible(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.metadata: dict[str, str] = {}
        self._hidden_depth = 0
        self._stack: list[str] = []
        self._in_title = False
        self._in_pre = 0
        self._title: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "meta":
            self._meta(dict(attrs))
        if tag == "title":
            self._in_title = True
        elif tag in _HIDDEN and tag not in _VOID:
            self._hidden_depth += 1
            self._stack.append(tag)
        if tag == "pre":
            self._in_pre += 1
        self._break(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # <br/> is one line break, not two; a self-closed <svg/> hides nothing after it.
        self.handle_starttag(tag, attrs)
        if tag in _HIDDEN or tag == "title":
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag in _HIDDEN and tag in self._stack:
            # Close up to the matching open tag: unclosed tags inside must not leak.
            while self._stack:
                self._hidden_depth -= 1
                if self._stack.pop() == tag:
                    break
        if tag == "pre" and self._in_pre:
            self._in_pre -= 1
        self._break(tag)

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self._title.append(data)
        elif self._hidden_depth == 0:
            self.parts.append(data if self._in_pre else _SPACES.sub(" ", data))

    def _break(self, tag: str) -> None:
        if self._hidden_depth == 0 and not self._in_title:
            if tag in _BLOCKS:
                self.parts.append("\n")
            elif tag in _CELLS:
                self.parts.append("\t")

    def _meta(self, attrs: dict[str, str | None]) -> None:
        name = (attrs.get("name") or "").lower()
        if name in _META_FIELDS and attrs.get("content"):
            self.metadata[_META_FIELDS[name]] = str(attrs["content"]).strip()

    @property
    def title(self) -> str:
        return _SPACES.sub(" ", "".join(self._title)).strip()


def extract_html(data: bytes, content_type: str, declared_type: str | None) -> Extracted:
    # Order as browsers do: BOM, the transport's charset, then <meta>, then guessing.
    declared = charset_param(declared_type) or _meta_charset(data)
    markup, used = decode(data, declared)
    parser = _Visible()
    parser.feed(markup)
    parser.close()
    metadata = dict(parser.metadata, charset=used)
    body = "".join(parser.parts)
    if parser.title:
        metadata["title"] = parser.title
    text = "\n".join(line.strip(" ") for line in body.split("\n"))
    return Extracted(text=tidy(text), content_type=content_type, metadata=metadata, extractor="builtin/html")


def _meta_charset(data: bytes) -> str | None:
    match = _META_CHARSET.search(data[:4096])
    label = match.group(1).decode("ascii") if match else None
    # A <meta> claiming UTF-16 in bytes we can read as ASCII is wrong by definition.
    name = codec_name(label)
    return "utf-8" if name and name.startswith("utf-16") else label
