"""Outlook PST/OST stores as a stream of ParsedMessage items, read with libpff (pypff).

Folders are walked depth first. The folder path of an item is relative to the store's
IPM subtree ("Top of Personal Folders", whatever its localized name), so mail reads
"Inbox/Sub"; items of folders outside that subtree (Exchange's "Recoverable Items" in
an OST, say) keep their path from the root. Every pypff item that is a message is
yielded, mail or not (contacts, appointments, distribution lists: subject, body,
dates and attachments are what they have); non-message objects such as free/busy
data are skipped.
"""

from __future__ import annotations

import ctypes
import functools
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pypff  # type: ignore[import-not-found]  # C extension without stubs

from ingest.message import Address, Attachment, ParsedMessage
from ingest.rfc822 import parse_date
from ingest.sources.mapi import (
    ansi_codepage,
    apply_transport_headers,
    clean_text,
    decode_html,
    fill_from_rtf,
    guess_type,
    mapi_address,
    normalize_newlines,
    parse_transport_headers,
    pick_sender,
    split_msgids,
    strip_msgid,
    thread_index,
)
from ingest.sources.msg import MAX_NESTING, embedded_attachment
from ingest.sources.rfc822_render import to_rfc822

PST_MAGIC = b"!BDN"

# MAPI property tags used below (the property id; pypff gives the type separately).
_MESSAGE_CLASS = 0x001A
_SENT_REPRESENTING = (0x0042, 0x5D02, 0x0065)  # name, SMTP address, native address
_SENDER = (0x0C1A, 0x5D01, 0x0C1F)
_MESSAGE_ID, _IN_REPLY_TO, _REFERENCES = 0x1035, 0x1042, 0x1039
_CONVERSATION_TOPIC, _CONVERSATION_INDEX = 0x0070, 0x0071
_INTERNET_CPID, _MESSAGE_CODEPAGE, _LOCALE_ID = 0x3FDE, 0x3FFD, 0x3FF1
_RECIPIENT_TYPE, _DISPLAY_NAME, _EMAIL, _SMTP = 0x0C15, 0x3001, 0x3003, 0x39FE
_ATTACH_METHOD, _ATTACH_SHORT_NAME, _ATTACH_LONG_NAME, _ATTACH_MIME = 0x3705, 0x3704, 0x3707, 0x370E
_ATTACH_HIDDEN = 0x7FFE
_IPM_SUBTREE_ENTRYID = 0x35E0
_EMBEDDED_MESSAGE, _BY_VALUE, _OLE_OBJECT = 5, 1, 6
_STRING_TYPES = (0x001E, 0x001F)
# pypff reports damage as IOError, and as MemoryError when it cannot build the Python
# object for a damaged item ("unable to create folder object"): both mean "unreadable".
_PFF_ERRORS = (OSError, MemoryError)


@dataclass
class PstItem:
    folder: str  # "Inbox/Sub": relative to the IPM subtree, "/" inside a name escaped as %2F
    source_id: str  # libpff's item identifier (descriptor id), stable for the same file
    message: ParsedMessage | None
    native: bytes  # the message rendered as RFC 822 (PST items have no bytes of their own)
    error: str | None


def iter_pst(path: Path) -> Iterator[PstItem]:
    """Items of a PST/OST; ValueError right away when the file is not one or will not open."""
    _open(path).close()  # validate eagerly: a generator would only fail on first next()
    return _items(path)


def _open(path: Path) -> Any:
    try:
        with path.open("rb") as handle:
            magic = handle.read(4)
    except OSError as exc:
        raise ValueError(f"cannot read PST file {path}: {exc}") from exc
    if magic != PST_MAGIC:
        raise ValueError("not an Outlook PST/OST file (no !BDN header)")
    store = pypff.file()
    try:
        store.open(str(path))
    except _PFF_ERRORS as exc:
        raise ValueError(f"corrupt Outlook PST/OST file: {_reason(exc)}") from exc
    try:
        store.get_root_folder()  # reads the node and block indexes: catches most damage now
    except _PFF_ERRORS as exc:
        store.close()
        raise ValueError(f"corrupt Outlook PST/OST file: {_reason(exc)}") from exc
    return store


def _reason(exc: Exception) -> str:
    # libpff chains its call stack into one message, outermost first; the first
    # libpff_* step after pypff's own wrapper names what actually failed.
    parts = [part.strip() for part in str(exc).split(". ") if part.strip()]
    return parts[1] if len(parts) >= 2 else str(exc)


def _items(path: Path) -> Iterator[PstItem]:
    store = _open(path)
    try:
        ipm_subtree = _ipm_subtree_id(store)
        yield from _walk(store.get_root_folder(), [], ipm_subtree)
    finally:
        store.close()


def _ipm_subtree_id(store: Any) -> int | None:
    """The folder id of the IPM subtree, from the message store's entry id (last 4 bytes)."""
    try:
        entry = _properties(store.get_message_store()).get(_IPM_SUBTREE_ENTRYID)
        data = entry.data if entry is not None else None
    except _PFF_ERRORS:
        return None
    return int.from_bytes(data[-4:], "little") if data and len(data) >= 24 else None


def _walk(folder: Any, parts: list[str], ipm_subtree: int | None) -> Iterator[PstItem]:
    path = "/".join(parts)
    yield from _folder_items(folder, path)
    try:
        count = folder.get_number_of_sub_folders()
    except _PFF_ERRORS as exc:
        yield PstItem(path, f"{path}#folders", None, b"", f"unreadable sub-folder list: {_reason(exc)}")
        return
    for index in range(count):
        try:
            sub = folder.get_sub_folder(index)
            identifier = sub.get_identifier()
            name = (sub.get_name() or f"(folder {identifier})").replace("/", "%2F")
        except _PFF_ERRORS as exc:
            yield PstItem(
                path, f"{path}#folder{index}", None, b"", f"unreadable sub-folder {index}: {_reason(exc)}"
            )
            continue
        # Folders inside the IPM subtree are named relative to it (its own name dropped).
        yield from _walk(sub, [] if identifier == ipm_subtree else [*parts, name], ipm_subtree)


def _folder_items(folder: Any, path: str) -> Iterator[PstItem]:
    try:
        count = folder.get_number_of_sub_messages()
    except _PFF_ERRORS as exc:
        yield PstItem(path, f"{path}#items", None, b"", f"unreadable item list: {_reason(exc)}")
        return
    for index in range(count):
        try:
            item = folder.get_sub_message(index)
        except _PFF_ERRORS as exc:
            yield PstItem(path, f"{path}#{index}", None, b"", f"unreadable item {index}: {_reason(exc)}")
            continue
        if isinstance(item, pypff.message):
            yield _item(item, path, index)


def _item(item: Any, path: str, index: int) -> PstItem:
    try:
        source_id = str(item.get_identifier())
    except _PFF_ERRORS:
        source_id = f"{path}#{index}"
    try:
        parsed = convert_message(item, depth=0)
        if path:
            parsed.headers.setdefault("X-Folder", path)
        native = to_rfc822(parsed)
    except Exception as exc:  # one damaged item must not end the walk of the whole store
        return PstItem(path, source_id, None, b"", f"{type(exc).__name__}: {exc}")
    return PstItem(path, source_id, parsed, native, None)


# --- one message ------------------------------------------------------------------------


def convert_message(item: Any, depth: int) -> ParsedMessage:
    """A pypff message (top-level or embedded) as a ParsedMessage."""
    parsed = ParsedMessage()
    props = _properties(item)
    headers = parse_transport_headers(_call(item.get_transport_headers))
    if headers is not None:
        apply_transport_headers(parsed, headers)
    _fill_envelope(parsed, item, props)
    _fill_bodies(parsed, item, props)
    _fill_attachments(parsed, item, depth)
    message_class = _string(props, _MESSAGE_CLASS)
    if message_class and not message_class.upper().startswith("IPM.NOTE"):
        parsed.headers.setdefault("X-Message-Class", message_class)
    return parsed


def _fill_envelope(parsed: ParsedMessage, item: Any, props: dict[int, Any]) -> None:
    parsed.subject = _subject(_call(item.get_subject)) or parsed.subject
    if parsed.sender is None:
        parsed.sender = _sender(props)
    to, cc, bcc = _recipients(item, parsed.defects)
    if to or cc or bcc:
        parsed.to, parsed.cc, parsed.bcc = to, cc, bcc
    parsed.message_id = parsed.message_id or strip_msgid(_string(props, _MESSAGE_ID))
    parsed.in_reply_to = parsed.in_reply_to or strip_msgid(_string(props, _IN_REPLY_TO))
    parsed.references = parsed.references or split_msgids(_string(props, _REFERENCES))
    parsed.thread_topic = parsed.thread_topic or _string(props, _CONVERSATION_TOPIC) or ""
    parsed.thread_index = parsed.thread_index or thread_index(_binary(props, _CONVERSATION_INDEX))
    submitted = _utc(_call(item.get_client_submit_time))
    delivered = _utc(_call(item.get_delivery_time))
    parsed.date = submitted or parse_date(parsed.date_header) or delivered
    if not parsed.date_header and parsed.date is not None:
        parsed.date_header = parsed.date.isoformat()


def _subject(value: str | None) -> str:
    # A stored subject may start with \x01 and a length byte for its "RE: " prefix.
    text = value or ""
    if text.startswith("\x01") and len(text) >= 2:
        text = text[2:]
    return clean_text(text)


def _sender(props: dict[int, Any]) -> Address | None:
    return pick_sender(
        [
            mapi_address(_string(props, name_tag), _string(props, smtp_tag), _string(props, email_tag))
            for name_tag, smtp_tag, email_tag in (_SENT_REPRESENTING, _SENDER)
        ]
    )


def _recipients(item: Any, defects: list[str]) -> tuple[list[Address], list[Address], list[Address]]:
    lists: dict[int, list[Address]] = {1: [], 2: [], 3: []}
    try:
        table = item.recipients  # pypff has no get_recipients() method, only this getter
        rows = [table.get_record_set(i) for i in range(table.get_number_of_record_sets())] if table else []
    except _PFF_ERRORS as exc:
        defects.append(f"recipient table unreadable: {exc}")
        rows = []
    for row in rows:
        props = _entries(row)
        kind = _integer(props, _RECIPIENT_TYPE)
        address = mapi_address(_string(props, _DISPLAY_NAME), _string(props, _SMTP), _string(props, _EMAIL))
        if kind in lists and address is not None:
            lists[kind].append(address)
    return lists[1], lists[2], lists[3]


def _fill_bodies(parsed: ParsedMessage, item: Any, props: dict[int, Any]) -> None:
    plain = _call(item.get_plain_text_body)
    if plain:
        parsed.body_text = normalize_newlines(_decode_plain(plain, props, parsed.defects))
    html = _call(item.get_html_body)
    if html:
        parsed.body_html = decode_html(html, _integer(props, _INTERNET_CPID), parsed.defects)
    if not parsed.body_text or not parsed.body_html:
        fill_from_rtf(parsed, _call(item.get_rtf_body))


def _decode_plain(data: bytes, props: dict[int, Any], defects: list[str]) -> str:
    # libpff hands the plain body over as UTF-8; an ANSI store's body may still come
    # through in the message's own code page.
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    codepage = _integer(props, _MESSAGE_CODEPAGE)
    charset = f"cp{codepage}" if codepage else ansi_codepage(_integer(props, _LOCALE_ID), None)
    try:
        return data.decode(charset or "cp1252")
    except (LookupError, UnicodeDecodeError):
        defects.append("plain body is neither UTF-8 nor its code page; decoded as cp1252 with replacements")
        return data.decode("cp1252", errors="replace")


def _fill_attachments(parsed: ParsedMessage, item: Any, depth: int) -> None:
    try:
        count = item.get_number_of_attachments()
    except _PFF_ERRORS as exc:
        parsed.defects.append(f"attachment table unreadable: {exc}")
        return
    for index in range(count):
        try:
            result = _attachment(item, index, depth)
        except Exception as exc:  # one bad attachment must not lose the message
            result = f"{type(exc).__name__}: {exc}"
        if isinstance(result, Attachment):
            parsed.attachments.append(result)
        else:
            parsed.defects.append(f"attachment {index}: {result}")


def _attachment(item: Any, index: int, depth: int) -> Attachment | str:
    """The attachment, or the reason it carries no data."""
    attachment = item.get_attachment(index)
    props = _properties(attachment)
    method = _integer(props, _ATTACH_METHOD)
    if method == _EMBEDDED_MESSAGE:
        if depth + 1 > MAX_NESTING:
            return f"embedded message nested deeper than {MAX_NESTING} levels, not read"
        inner = _embedded_item(attachment, item)
        return embedded_attachment(convert_message(inner, depth + 1))
    name = _attachment_name(props, attachment, index)
    if method not in (_BY_VALUE, _OLE_OBJECT, None):
        return f"{name} is stored by reference (attach method {method}), no data in the store"
    size = attachment.get_size() or 0
    data = attachment.read_buffer(size) if size else b""
    inline = bool(_integer(props, _ATTACH_HIDDEN))
    return Attachment(name, guess_type(name, _string(props, _ATTACH_MIME)), bytes(data), inline)


def _attachment_name(props: dict[int, Any], attachment: Any, index: int) -> str:
    for candidate in (
        _call(attachment.get_long_filename),
        _string(props, _ATTACH_LONG_NAME),
        _string(props, _ATTACH_SHORT_NAME),
        _string(props, _DISPLAY_NAME),
    ):
        if candidate and clean_text(candidate):
            return clean_text(candidate)
    return f"attachment-{index + 1}"


# --- embedded messages ------------------------------------------------------------------------
#
# libpff can open an attachment's embedded message (libpff_attachment_get_item) but
# the Python binding does not expose it. The binding's shared object exports that C
# function and pypff's own object factory, so they are called through ctypes. This
# needs the libpff item pointer inside a pypff object; that layout (PyObject_HEAD,
# item, record_set, parent_object) is checked before every use, and anything
# unexpected is an error for that attachment, never a memory read on a guess.

_ITEM_OFFSET = ctypes.sizeof(ctypes.c_ssize_t) + ctypes.sizeof(ctypes.c_void_p)  # after PyObject_HEAD
_PARENT_OFFSET = _ITEM_OFFSET + 2 * ctypes.sizeof(ctypes.c_void_p)
_PYPFF_ITEM_SIZE = _PARENT_OFFSET + ctypes.sizeof(ctypes.c_void_p)


@functools.cache
def _libpff() -> ctypes.PyDLL | None:
    if sys.implementation.name != "cpython" or pypff.attachment.__basicsize__ != _PYPFF_ITEM_SIZE:
        return None
    try:
        lib = ctypes.PyDLL(pypff.__file__)
        get_item = lib.libpff_attachment_get_item
        create = lib.pypff_item_create
        free_error = lib.libpff_error_free
        free_item = lib.libpff_item_free
    except (OSError, AttributeError):
        return None
    pointer = ctypes.POINTER(ctypes.c_void_p)
    get_item.argtypes, get_item.restype = [ctypes.c_void_p, pointer, pointer], ctypes.c_int
    create.argtypes, create.restype = [ctypes.c_void_p, ctypes.py_object], ctypes.py_object
    free_error.argtypes, free_error.restype = [pointer], None
    free_item.argtypes, free_item.restype = [pointer, pointer], ctypes.c_int
    return lib


def _embedded_item(attachment: Any, owner: Any) -> Any:
    lib = _libpff()
    if lib is None:
        raise RuntimeError(f"this pypff build ({pypff.get_version()}) cannot open embedded messages")
    # pypff sets an attachment's parent_object to the message it came from: finding
    # that message's address at the expected offset confirms the struct layout.
    if ctypes.c_void_p.from_address(id(attachment) + _PARENT_OFFSET).value != id(owner):
        raise RuntimeError("unexpected pypff object layout; embedded message not read")
    handle = ctypes.c_void_p.from_address(id(attachment) + _ITEM_OFFSET).value
    inner, error = ctypes.c_void_p(), ctypes.c_void_p()
    if lib.libpff_attachment_get_item(handle, ctypes.byref(inner), ctypes.byref(error)) != 1 or not inner:
        lib.libpff_error_free(ctypes.byref(error))
        raise OSError("libpff could not open the embedded message")
    try:
        # The new pypff object owns the libpff item and keeps the attachment alive.
        return lib.pypff_item_create(inner, attachment)
    except Exception:
        lib.libpff_item_free(ctypes.byref(inner), None)
        raise


# --- property access -------------------------------------------------------------------------


def _properties(item: Any) -> dict[int, Any]:
    """The item's first record set (where a message keeps its own properties) by tag."""
    try:
        if not item.get_number_of_record_sets():
            return {}
        return _entries(item.get_record_set(0))
    except _PFF_ERRORS:
        return {}


def _entries(record_set: Any) -> dict[int, Any]:
    entries: dict[int, Any] = {}
    for index in range(record_set.get_number_of_entries()):
        try:
            entry = record_set.get_entry(index)
            entries.setdefault(entry.get_entry_type(), entry)
        except _PFF_ERRORS:
            continue
    return entries


def _string(props: dict[int, Any], tag: int) -> str | None:
    entry = props.get(tag)
    if entry is None or entry.get_value_type() not in _STRING_TYPES:
        return None
    value = _call(entry.get_data_as_string)
    return clean_text(value) if isinstance(value, str) else None


def _binary(props: dict[int, Any], tag: int) -> bytes | None:
    entry = props.get(tag)
    if entry is None or entry.get_value_type() != 0x0102:  # PT_BINARY
        return None
    value = _call(entry.get_data)
    return bytes(value) if isinstance(value, (bytes, bytearray)) else None


def _integer(props: dict[int, Any], tag: int) -> int | None:
    entry = props.get(tag)
    if entry is None:
        return None
    is_boolean = entry.get_value_type() == 0x000B
    value = _call(entry.get_data_as_boolean if is_boolean else entry.get_data_as_integer)
    return int(value) if isinstance(value, (int, bool)) else None


def _utc(value: object) -> datetime | None:
    # libpff returns naive datetimes in UTC; MAPI's "no date" is 4501-01-01.
    if not isinstance(value, datetime) or value.year >= 4500 or value.year < 1601:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _call(getter: Any) -> Any:
    """A pypff getter's value, None when libpff cannot read it (damaged or absent)."""
    try:
        return getter()
    except _PFF_ERRORS:
        return None
