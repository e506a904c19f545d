"""RTF to plain text: a small tokenizer that follows groups, destinations and code pages.

Written here rather than taken from PyPI's striprtf: that one is regex-based, untyped,
and decodes \\'hh escapes with a single code page, so RTF whose fonts carry their own
charset (\\fcharset238 for Polish, \\fcharset128 for Japanese double-byte text) comes
out garbled. This one tracks the code page per font, joins \\uN surrogate pairs, honours
\\ucN fallback skipping and \\binN, drops non-text destinations (font tables, pictures,
field instructions, embedded objects' data) and reads title/author/dates from \\info.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, replace

from ingest.extract.base import Extracted
from ingest.extract.text import tidy

_TOKEN = re.compile(
    rb"\\([a-zA-Z]{1,32})(-?\d{1,10})? ?"  # control word with optional parameter
    rb"|\\'([0-9a-fA-F]{2})"  # a byte in the current code page
    rb"|\\([^a-zA-Z'])"  # control symbol
    rb"|([{}])"
    rb"|([\r\n]+)"
    rb"|([^\\{}\r\n]+)",  # plain text run
    re.DOTALL,
)
# Windows font charsets (\fcharsetN) -> code pages.
_CHARSETS = {
    77: "mac_roman", 128: "cp932", 129: "cp949", 130: "johab", 134: "cp936", 136: "cp950",
    161: "cp1253", 162: "cp1254", 163: "cp1258", 177: "cp1255", 178: "cp1256", 186: "cp1257",
    204: "cp1251", 222: "cp874", 238: "cp1250", 254: "cp437", 255: "cp850",
}
_CHARSET_WORDS = {"mac": "mac_roman", "pc": "cp437", "pca": "cp850"}  # instead of \ansi
_SKIP = {
    "fonttbl", "colortbl", "stylesheet", "info", "pict", "objdata", "objclass", "fldinst",
    "bkmkstart", "bkmkend", "themedata", "colorschememapping", "datastore", "latentstyles",
    "rsidtbl", "generator", "xmlnstbl", "mmathPr", "listtable", "listoverridetable", "revtbl",
    "filetbl", "pgdsctbl", "sp", "shprslt", "nonshppict", "template", "docvar", "datafield",
    "ffname", "xe", "tc", "txe", "userprops", "operator",
}
# Optional (\*) destinations whose text is shown: a shape's text box lives in one.
_STARRED_READ = {"shpinst", "shptxt", "fldrslt"}
# MS-OXRTFEX: the RTF header says which original format the body encapsulates.
_ENCAPSULATED = re.compile(rb"\\from(html1|text)(?![a-z0-9])")
_INFO_FIELDS = {"title": "title", "author": "author", "subject": "subject", "keywords": "keywords"}
_INFO_DATES = {"creatim": "created", "revtim": "modified"}
_TEXT_WORDS = {
    "par": "\n", "line": "\n", "sect": "\n\n", "page": "\n\n", "row": "\n", "cell": "\t",
    "nestcell": "\t", "tab": "\t", "emdash": "\u2014", "endash": "\u2013", "bullet": "\u2022",
    "lquote": "\u2018", "rquote": "\u2019", "ldblquote": "\u201c", "rdblquote": "\u201d",
    "emspace": " ", "enspace": " ", "qmspace": " ",
}
_SYMBOLS = {b"\\": "\\", b"{": "{", b"}": "}", b"~": "\u00a0", b"_": "-", b"\n": "\n", b"\r": "\n"}


@dataclass(frozen=True)
class _State:
    destination: str = "body"  # "body", "skip", "fonttbl", an \info field or date
    codepage: str = ""  # of the current font; "" for the document's default
    uc: int = 1  # how many fallback characters follow each \uN
    suppressed: bool = False  # inside \htmlrtf: RTF that is not part of the encapsulated original


class _Converter:
    def __init__(self, data: bytes, encapsulated: str = "") -> None:
        self.data = data
        self.encapsulated = encapsulated  # "html" or "text" when de-encapsulating
        self.out: list[str] = []
        self.info: dict[str, list[str]] = {}
        self.dates: dict[str, dict[str, int]] = {}
        self.fonts: dict[int, str] = {}
        self.default_codepage = "cp1252"  # \ansicpg; RTF without one is Windows text
        self.default_font: int | None = None
        self.defining_font = 0
        self.state = _State()
        self.stack: list[_State] = []
        self.pending = bytearray()  # \'hh bytes, decoded together (double-byte code pages)
        self.high_surrogate: int | None = None
        self.skip_fallback = 0
        self.group_start = False  # just after "{": a destination word may follow
        self.starred = False  # just after "{\\*": skip unless the next word is one we read

    def run(self) -> str:
        position = 0
        while position < len(self.data):
            match = _TOKEN.match(self.data, position)
            if match is None:  # a lone backslash at the very end
                break
            position = match.end()
            word, param, hexbyte, symbol, brace, _newline, text = match.groups()
            if hexbyte is not None:
                self._byte(int(hexbyte, 16))
                continue
            self._flush()
            if word is not None:
                position = self._word(word.decode("ascii"), int(param) if param else None, position)
            elif symbol is not None:
                self._symbol(symbol)
            elif brace is not None:
                self._brace(brace)
            elif text is not None:
                self._text_bytes(text)
        self._flush()
        return "".join(self.out)

    # -- tokens ----------------------------------------------------------------------------

    def _brace(self, brace: bytes) -> None:
        self._end_surrogate()
        self.skip_fallback = 0
        if brace == b"{":
            self.stack.append(self.state)
            self.group_start = True
        elif self.stack:
            self.state = self.stack.pop()

    def _word(self, word: str, param: int | None, position: int) -> int:
        at_group_start, self.group_start = self.group_start, False
        if word == "bin":
            return position + max(param or 0, 0)  # raw binary data: never text
        if self.skip_fallback and word != "u":
            self.skip_fallback -= 1
            return position
        destination = self.state.destination
        if self.starred:
            self.starred = False
            if word == "htmltag" and self.encapsulated == "html":
                self._enter_html_tag()
            else:  # an optional destination we do not know is skipped, as the spec asks
                self._enter(word if word in _STARRED_READ else "skip", True)
            return position
        if word == "u" and param is not None:
            self._unicode(param)
        elif word in ("fonttbl", "info"):
            self._enter(word, True)
        elif destination == "info":
            known = word in _INFO_FIELDS or word in _INFO_DATES
            self._enter(word if known else "skip", at_group_start)
        elif word in _SKIP:
            # Destinations open a group; the same word elsewhere is a stray to ignore.
            self._enter("skip", at_group_start)
        elif destination in _INFO_DATES:
            if param is not None:
                self.dates.setdefault(destination, {})[word] = param
        else:
            self._control(word, param)
        return position

    def _enter(self, destination: str, allowed: bool) -> None:
        if destination in _STARRED_READ:
            return  # text inside these belongs to the enclosing destination
        if self.state.destination != "skip" and allowed:
            self.state = replace(self.state, destination=destination)

    def _enter_html_tag(self) -> None:
        # The original HTML markup, kept whether or not \htmlrtf is on around it.
        if self.state.destination != "skip":
            self.state = replace(self.state, destination="body", suppressed=False)

    def _control(self, word: str, param: int | None) -> None:
        destination = self.state.destination
        if word == "uc" and param is not None:
            self.state = replace(self.state, uc=max(param, 0))
        elif word == "ansicpg" and param is not None:
            self.default_codepage = windows_codec(param) or self.default_codepage
        elif word in _CHARSET_WORDS:
            self.default_codepage = _CHARSET_WORDS[word]
        elif word == "deff" and param is not None:
            self.default_font = param
        elif destination == "fonttbl":
            self._font_definition(word, param)
        elif word == "f" and param is not None:
            self.state = replace(self.state, codepage=self._font_codepage(param))
        elif word == "htmlrtf" and self.encapsulated:
            self.state = replace(self.state, suppressed=param != 0)
        elif word == "plain":
            self.state = replace(self.state, codepage=self._font_codepage(self.default_font))
        elif word in _TEXT_WORDS:
            self._emit(_TEXT_WORDS[word])

    def _font_definition(self, word: str, param: int | None) -> None:
        if word == "f" and param is not None:
            self.defining_font = param
        elif word == "fcharset" and param is not None and param in _CHARSETS:
            self.fonts[self.defining_font] = _CHARSETS[param]
        elif word == "cpg" and param is not None:
            self.fonts[self.defining_font] = windows_codec(param) or self.fonts.get(self.defining_font, "")

    def _font_codepage(self, font: int | None) -> str:
        if font is not None and font in self.fonts:
            return self.fonts[font]
        return ""  # the default font's, looked up when text is decoded

    def _symbol(self, symbol: bytes) -> None:
        at_group_start, self.group_start = self.group_start, False
        if symbol == b"*":
            self.starred = at_group_start
            return
        if self.skip_fallback:
            self.skip_fallback -= 1
            return
        if symbol in _SYMBOLS:
            self._emit(_SYMBOLS[symbol])

    def _text_bytes(self, text: bytes) -> None:
        self.group_start = False
        if self.skip_fallback:
            dropped = min(self.skip_fallback, len(text))
            self.skip_fallback -= dropped
            text = text[dropped:]
        if not text:
            return
        if text.isascii():
            self._emit(text.decode("ascii"))
        else:  # raw 8-bit bytes: in the current code page, like \'hh
            self.pending += text
            self._flush()

    def _byte(self, value: int) -> None:
        self.group_start = False
        if self.skip_fallback:
            self.skip_fallback -= 1
            return
        self.pending.append(value)

    def _flush(self) -> None:
        if self.pending:
            codepage = self.state.codepage or self.fonts.get(self.default_font or 0, self.default_codepage)
            self._emit(bytes(self.pending).decode(codepage, "replace"))
            self.pending.clear()

    def _unicode(self, value: int) -> None:
        code = value + 65536 if value < 0 else value
        self.skip_fallback = self.state.uc
        if 0xD800 <= code < 0xDC00:
            self._end_surrogate()
            self.high_surrogate = code
            return
        if 0xDC00 <= code < 0xE000:
            if self.high_surrogate is None:
                self._emit("\ufffd")
            else:
                pair = 0x10000 + ((self.high_surrogate - 0xD800) << 10) + (code - 0xDC00)
                self.high_surrogate = None
                self._emit(chr(pair))
            return
        self._emit(chr(code) if code <= 0x10FFFF else "\ufffd")

    def _end_surrogate(self) -> None:
        if self.high_surrogate is not None:
            self.high_surrogate = None
            self._emit("\ufffd")

    def _emit(self, text: str) -> None:
        if self.high_surrogate is not None and text:
            self.high_surrogate = None
            text = "\ufffd" + text  # a high surrogate with no low one after it
        destination = self.state.destination
        if destination == "body" and not self.state.suppressed:
            self.out.append(text)
        elif destination in _INFO_FIELDS:
            self.info.setdefault(destination, []).append(text)

    def metadata(self) -> dict[str, str]:
        found = {_INFO_FIELDS[k]: "".join(v).strip() for k, v in self.info.items()}
        for key, parts in self.dates.items():
            if {"yr", "mo", "dy"} <= parts.keys():
                found[_INFO_DATES[key]] = "{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:00".format(
                    parts["yr"], parts["mo"], parts["dy"], parts.get("hr", 0), parts.get("min", 0)
                )
        return {k: v for k, v in found.items() if v}


def windows_codec(number: int) -> str | None:
    """The Python codec of a Windows code page number (RTF \\ansicpg, MAPI PR_MESSAGE_CODEPAGE)."""
    name = _CODEPAGE_NAMES.get(number, f"cp{number}")
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


# Code pages whose Python codec is not called "cpNNNN".
_CODEPAGE_NAMES = {
    0: "cp1252", 10000: "mac_roman", 20127: "ascii",
    20866: "koi8_r", 21866: "koi8_u", 50220: "iso2022_jp", 50221: "iso2022_jp", 50222: "iso2022_jp",
    51932: "euc_jp", 51949: "euc_kr", 52936: "hz", 54936: "gb18030", 65000: "utf-7", 65001: "utf-8",
    **{28590 + n: f"iso8859_{n}" for n in range(1, 16)},
}


def deencapsulate(data: bytes) -> tuple[str, str] | None:
    """("html" or "text", the original) of an RTF body that encapsulates one, else None."""
    fonts = data.find(b"\\fonttbl")
    header = data[: fonts if 0 <= fonts < 1024 else 1024]
    found = _ENCAPSULATED.search(header)
    if found is None:
        return None
    kind = "html" if found.group(1) == b"html1" else "text"
    return kind, _Converter(data, kind).run()


def extract_rtf(data: bytes, content_type: str) -> Extracted:
    converter = _Converter(data)
    text = converter.run()
    return Extracted(
        text=tidy(text), content_type=content_type, metadata=converter.metadata(), extractor="builtin/rtf"
    )
