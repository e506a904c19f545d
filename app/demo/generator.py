"""Generate the demo's city mail and voicemail: deterministic, synthetic, realistic."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from app.demo import documents
from app.demo.city import DOMAIN, EMPLOYEES, STAFF, STREETS, TOPICS, VOICEMAILS, WEEKDAYS, Person

DENVER = ZoneInfo("America/Denver")
START = datetime(2025, 9, 2, 8, 0, tzinfo=DENVER)


@dataclass
class DemoSet:
    root: Path
    messages: int = 0
    voicemails: int = 0
    files: list[Path] = field(default_factory=list)


def _ssn(rng: random.Random) -> str:
    return f"{rng.randint(100, 665):03d}-{rng.randint(10, 99):02d}-{rng.randint(1000, 9999):04d}"


def _phone(rng: random.Random) -> str:
    return f"(303) 555-01{rng.randint(0, 99):02d}"


def _attachment(kind: str, subject: str, paragraphs: list[str]) -> tuple[bytes, str, str, str]:
    stem = subject.lower().replace(" ", "-").replace(":", "")[:40]
    if kind == "pdf":
        return documents.pdf([subject, "", *paragraphs]), "application", "pdf", f"{stem}.pdf"
    if kind == "docx":
        subtype = "vnd.openxmlformats-officedocument.wordprocessingml.document"
        return documents.docx([subject, *paragraphs]), "application", subtype, f"{stem}.docx"
    rows = "line,description,amount\n1,Operations,48200\n2,Contingency,-12500\n3,Overtime,9100\n"
    return rows.encode(), "text", "csv", f"{stem}.csv"


class _Writer:
    def __init__(self, demo: DemoSet) -> None:
        self.demo = demo
        self.counters: dict[Path, int] = {}

    def put(self, mailbox: str, folder: str, data: bytes, suffix: str = ".eml") -> None:
        directory = self.demo.root / "mail" / mailbox / folder
        directory.mkdir(parents=True, exist_ok=True)
        number = self.counters[directory] = self.counters.get(directory, 0) + 1
        path = directory / f"{number}{suffix}"
        path.write_bytes(data)
        self.demo.files.append(path)


def generate(root: Path, messages: int = 300, seed: int = 2026) -> DemoSet:
    """Write the demo set under `root` (replacing any earlier one) and describe it."""
    rng = random.Random(seed)
    demo = DemoSet(root)
    writer = _Writer(demo)
    sent_at = START
    history: list[EmailMessage] = []
    for _ in range(messages):
        sent_at = _next_business_moment(rng, sent_at)
        message = _message(rng, sent_at, history)
        data = bytes(message)
        sender = message["X-Custodia-Demo-Sender"]
        writer.put(sender, "Sent Items", data)
        for mailbox in message["X-Custodia-Demo-Recipients"].split(","):
            writer.put(mailbox, "Inbox", data)
        history.append(message)
        demo.messages += 1
    for number, voicemail in enumerate(VOICEMAILS, start=1):
        sent_at = _next_business_moment(rng, sent_at)
        _voicemail(writer, rng, number, sent_at, *voicemail)
        demo.voicemails += 1
    return demo


def _next_business_moment(rng: random.Random, after: datetime) -> datetime:
    moment = after + timedelta(minutes=rng.randint(20, 600))
    while moment.weekday() >= 5 or not 7 <= moment.hour < 18:
        moment = (moment + timedelta(days=1)).replace(hour=7, minute=rng.randint(0, 59))
    return moment


def _message(rng: random.Random, sent_at: datetime, history: list[EmailMessage]) -> EmailMessage:
    reply_to = rng.choice(history[-40:]) if history and rng.random() < 0.3 else None
    if reply_to is not None:
        sender = _person(reply_to["X-Custodia-Demo-Recipients"].split(",")[0])
        recipients = [_person(reply_to["X-Custodia-Demo-Sender"])]
        subject = "RE: " + str(reply_to["Subject"]).removeprefix("RE: ")
        paragraphs = [rng.choice(["Thanks, I will take care of it today.",
                                  "Understood. Can we talk at the staff meeting?",
                                  f"Looping in finance; my direct line is {_phone(rng)}."])]
        kind = None
    else:
        sender = rng.choice(STAFF)
        others = [p for p in STAFF if p != sender]
        recipients = rng.sample(others, rng.randint(1, 3))
        template, body, kind = rng.choice(TOPICS)
        fill = {
            "year": sent_at.year + 1, "dept": sender.department, "amount": rng.randint(5, 90) * 1000,
            "weekday": rng.choice(WEEKDAYS), "street": rng.choice(STREETS), "phone": _phone(rng),
            "employee": rng.choice(EMPLOYEES), "ssn": _ssn(rng),
        }
        subject = template.format(**fill)
        paragraphs = [p.format(**fill) for p in body]
    message = EmailMessage()
    message["From"] = f"{sender.name} <{sender.address}>"
    message["To"] = ", ".join(f"{p.name} <{p.address}>" for p in recipients)
    message["Subject"] = subject
    message["Date"] = format_datetime(sent_at)
    message["Message-ID"] = f"<{rng.getrandbits(64):016x}@{DOMAIN}>"
    if reply_to is not None:
        message["In-Reply-To"] = reply_to["Message-ID"]
        message["References"] = reply_to["Message-ID"]
    message["X-Custodia-Demo-Sender"] = sender.mailbox
    message["X-Custodia-Demo-Recipients"] = ",".join(p.mailbox for p in recipients)
    signature = f"\n\n{sender.name}\n{sender.title}, {sender.department}\nCity of Springvale"
    message.set_content("\n\n".join(paragraphs) + signature)
    if kind is not None:
        data, maintype, subtype, filename = _attachment(kind, subject, paragraphs)
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
        message.set_boundary(f"=_part_{rng.getrandbits(64):016x}")  # fixed bytes, fixed hashes
    return message


def _person(mailbox: str) -> Person:
    return next(p for p in STAFF if p.mailbox == mailbox)


def _voicemail(writer: _Writer, rng: random.Random, number: int, received: datetime,
               caller: str, caller_name: str, mailbox: str, transcript: str) -> None:
    seconds = round(rng.uniform(1.5, 3.0), 1)
    audio = documents.wav(seconds, pitch_hz=rng.choice([180.0, 220.0, 260.0]))
    sidecar = {
        "caller_number": caller, "caller_name": caller_name, "mailbox": mailbox,
        "received": received.isoformat(), "duration_seconds": seconds, "transcript": transcript,
        "audio": "message.wav",
    }
    # As a voicemail system would e-mail it: the audio attached, the transcript in the body.
    message = EmailMessage()
    message["From"] = f"Springvale Voice Mail <voicemail@{DOMAIN}>"
    message["To"] = f"{mailbox}@{DOMAIN}"
    message["Subject"] = f"Voice Message from {caller} ({caller_name}), {seconds:.0f} seconds"
    message["Date"] = format_datetime(received)
    message["Message-ID"] = f"<voicemail-{number}-{rng.getrandbits(32):08x}@{DOMAIN}>"
    message["X-Voicemail-Caller"] = caller
    message["X-Voicemail-Caller-Name"] = caller_name
    message["X-Voicemail-Duration"] = str(seconds)
    message.set_content(f"Transcript (automatic):\n\n{transcript}\n")
    message.add_attachment(audio, maintype="audio", subtype="wav", filename=f"vm-{number}.wav")
    message.set_boundary(f"=_voicemail_{number}")
    writer.put(mailbox, "Inbox", bytes(message))
    # And as a voicemail export folder: audio plus a JSON sidecar.
    export = writer.demo.root / "voicemail" / mailbox / f"vm-{number}"
    export.mkdir(parents=True, exist_ok=True)
    (export / "message.wav").write_bytes(audio)
    (export / "message.json").write_text(json.dumps(sidecar, indent=2))
    writer.demo.files += [export / "message.wav", export / "message.json"]
