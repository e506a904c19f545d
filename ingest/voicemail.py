"""Recognize voicemail, as voicemail systems e-mail it or export it, and read its metadata."""

from __future__ import annotations

import re
from typing import Any

from ingest.message import ParsedMessage

# Exchange Unified Messaging (MS-OXCMAIL 2.2.3.2.23), Asterisk with IMAP storage,
# and the plain X-Voicemail-* headers of simpler systems (and Custodia's demo).
_EXCHANGE = ("X-CallingTelephoneNumber", "X-VoiceMessageSenderName", "X-VoiceMessageDuration")
_ASTERISK = ("X-Asterisk-VM-Caller-ID-Num", "X-Asterisk-VM-Caller-ID-Name",
             "X-Asterisk-VM-Duration")
_GENERIC = ("X-Voicemail-Caller", "X-Voicemail-Caller-Name", "X-Voicemail-Duration")
_TRANSCRIPT = re.compile(r"(?:Voice Mail Preview|Transcript(?: \(automatic\))?)\s*:\s*(.+?)"
                         r"(?:\n\s*\n(?:You received|--)|\Z)", re.S | re.I)


def from_email(message: ParsedMessage) -> dict[str, Any] | None:
    """Voicemail metadata when the message is a voicemail notification, else None."""
    headers = {k.lower(): v for k, v in message.headers.items()}
    system = _system(headers, message)
    if system is None:
        return None
    number_header, name_header, duration_header = {
        "exchange": _EXCHANGE, "asterisk": _ASTERISK, "generic": _GENERIC,
    }[system]
    audio = next((a for a in message.attachments if a.content_type.startswith("audio/")), None)
    transcript = _TRANSCRIPT.search(message.body_text)
    mailbox = headers.get("x-asterisk-vm-extension") or (message.to[0].email if message.to else "")
    return {
        "system": system,
        "caller_number": headers.get(number_header.lower(), ""),
        "caller_name": headers.get(name_header.lower(), ""),
        "mailbox": mailbox,
        "received": message.date.isoformat() if message.date else "",
        "duration_seconds": _seconds(headers.get(duration_header.lower(), "")),
        "transcript": " ".join(transcript.group(1).split()) if transcript else "",
        "audio_filename": audio.filename if audio else "",
    }


def _system(headers: dict[str, str], message: ParsedMessage) -> str | None:
    if headers.get("content-class", "").lower().startswith("voice") or any(
        h.lower() in headers for h in _EXCHANGE
    ):
        return "exchange"
    if any(h.lower() in headers for h in _ASTERISK):
        return "asterisk"
    if any(h.lower() in headers for h in _GENERIC):
        return "generic"
    return None


def _seconds(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


def from_sidecar(sidecar: dict[str, Any]) -> dict[str, Any]:
    """Metadata of an exported voicemail from its JSON sidecar (names vary by system)."""

    def first(*names: str) -> Any:
        return next((sidecar[n] for n in names if sidecar.get(n) not in (None, "")), "")

    duration = first("duration_seconds", "duration")
    return {
        "system": "export",
        "caller_number": str(first("caller_number", "caller", "from")),
        "caller_name": str(first("caller_name", "name")),
        "mailbox": str(first("mailbox", "extension", "to")),
        "received": str(first("received", "date", "time")),
        "duration_seconds": _seconds(str(duration)) if duration != "" else None,
        "transcript": str(first("transcript", "transcription", "text")),
        "audio_filename": str(first("audio", "audio_file")),
    }
