"""Every setting Custodia reads, from `CUSTODIA_*` environment variables.

The defaults run the embedded deployment with nothing configured: SQLite, the
embedded search engine and the built-in extractors, all state under `./var`.
"""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class ConfigurationError(Exception):
    """A setting that cannot work; its message is one line saying what to fix."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CUSTODIA_", frozen=True)

    env: Literal["development", "test", "production"] = "development"
    data_dir: Path = Path("./var")
    database_url: str = Field(
        default="", description="SQLAlchemy URL; empty means SQLite at DATA_DIR/custodia.db"
    )
    elasticsearch_url: str = Field(
        default="", description="Elasticsearch URL, or a cluster's node URLs separated by commas; "
                    "empty means the embedded search engine"
    )
    tika_url: str = Field(default="", description="Tika server URL; empty means built-in extractors")
    index_name: str = Field(
        default="custodia-documents", pattern=r"^[a-z0-9][a-z0-9_-]*$",
        description="Elasticsearch alias over the versioned document indices",
    )
    secret_key: SecretStr | None = Field(
        default=None, description="Signs sign-in tokens; unset outside production: DATA_DIR/secret_key"
    )
    credentials_key: SecretStr | None = Field(
        default=None,
        description="Fernet key for stored mail-server passwords; unset outside production: "
                    "DATA_DIR/credentials_key",
    )
    time_zone: str = "America/Denver"
    city_name: str = Field(default="City", min_length=1, max_length=200,
                           description="The city's name as letters to requesters print it")
    public_url: str = Field(
        default="http://localhost:8000", pattern=r"^https?://[A-Za-z0-9.:\[\]-]+(/[^\s]*)?$",
        max_length=500,
        description="Where people reach this service; links mailed to them start with it")
    access_token_minutes: int = Field(default=480, ge=1)
    session_idle_minutes: float = Field(
        default=30, gt=0, description="A web UI session unused this long is signed out")
    session_max_hours: float = Field(
        default=12, gt=0, description="A web UI session ends this long after sign-in, however used")
    sign_in_failures_per_username: int = Field(
        default=5, ge=1, description="Failed sign-ins for one username, within the window, that lock it"
    )
    sign_in_failures_per_address: int = Field(
        default=20, ge=1,
        description="Failed sign-ins from one client address, any usernames, that lock it",
    )
    sign_in_window_minutes: float = Field(default=15, gt=0)
    sign_in_lockout_minutes: float = Field(default=15, gt=0)
    page_size_max: int = Field(default=500, ge=1)
    service_timeout_seconds: float = Field(default=5.0, gt=0)
    in_process_worker: bool | None = Field(
        default=None, description="Run the job worker inside the API; default: with SQLite"
    )
    lease_seconds: float = Field(default=300.0, gt=0, description="A worker's lease on a job")
    web_workers: int | None = Field(
        default=None, ge=1, description="API processes `custodia serve` runs; default: CPU cores")
    upload_max_bytes: int = Field(default=10 * 2**30, ge=1, description="Largest upload a clerk may send")
    ingest_job_max_bytes: int = Field(
        default=200 * 2**30, ge=1, description="An ingest job that would read more stops, failed")
    imap_connect_timeout_seconds: float = Field(default=15.0, gt=0)
    imap_read_timeout_seconds: float = Field(default=60.0, gt=0)
    # Outbound mail (app.core.mail_sender). No host: mail stays queued and says why.
    smtp_host: str = Field(default="", pattern=r"^[A-Za-z0-9.:\[\]-]*$",
                           description="SMTP server for outbound mail; empty: mail stays queued")
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_starttls: bool = Field(default=True, description="Upgrade to TLS before authenticating")
    smtp_username: str = Field(default="", description="Empty: send without authenticating")
    smtp_password: SecretStr | None = None
    metrics_token: SecretStr | None = Field(
        default=None, min_length=16,
        description="Bearer token Prometheus sends to /metrics; unset: no metrics endpoint")
    log_format: Literal["text", "json"] = Field(
        default="text", description="text, or json: one object per line with the request id")
    mail_from: str = Field(default="", pattern=r"^([^@\s,;<>\"]+@[^@\s,;<>\"]+\.[^@\s,;<>\"]+)?$",
                           description="The From address of outbound mail, one plain address")
    smtp_timeout_seconds: float = Field(default=30.0, gt=0)
    release_days: int = Field(
        default=30, ge=1, le=3650,
        description="Days a released production stays downloadable from the requester's "
                    "tracking page (it expires after the last one)")
    thread_window_days: int = Field(
        default=30, ge=0, le=3650,
        description="Days apart two same-subject e-mails with a shared participant may be and "
                    "still join one thread when their headers do not link them (0: never)")
    # Redaction suggestions (app.redaction.detect): the always-on detectors need nothing here.
    verify_requires_ocr: bool = Field(
        default=False,
        description="The leak verifier must OCR every page image of a package (tesseract "
                    "installed); off: it OCRs them when tesseract is there and warns when not")
    redact_personal_email: bool = Field(
        default=False, description="Suggest redacting e-mail addresses outside the city's domains")
    redact_home_address: bool = Field(
        default=False, description="Suggest redacting street addresses (home addresses)")
    city_mail_domains: str = Field(
        default="", max_length=2000, pattern=r"^[A-Za-z0-9.,\s-]*$",
        description="The city's own mail domains, comma-separated (city.example.gov, "
                    "police.example.gov): addresses there are never personal")
    near_duplicate_similarity: float = Field(
        default=0.9, ge=0.5, le=1.0,
        description="How alike two documents' texts (body and attachments) must be to share "
                    "a near-duplicate group: the estimated share of word shingles in common, "
                    "0.5 to 1.0; after changing it run `custodia near-duplicates rebuild`")
    audit_anchor_mail_to: str = Field(
        default="", max_length=2000,
        pattern=r"^([^\s,;<>\"]+@[^\s,;<>\"]+(\s*,\s*[^\s,;<>\"]+@[^\s,;<>\"]+)*)?$",
        description="Where the daily audit anchor is mailed, comma-separated addresses; "
                    "empty: to every active auditor with an e-mail address")

    @field_validator("metrics_token", mode="before")
    @classmethod
    def _unset_when_empty(cls, value: object) -> object:
        return None if value == "" else value  # docker-compose passes an unset one as ""

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'custodia.db').resolve()}"

    @property
    def api_processes(self) -> int:
        return self.web_workers or os.cpu_count() or 1

    @property
    def runs_in_process_worker(self) -> bool:
        if self.in_process_worker is not None:
            return self.in_process_worker
        return self.resolved_database_url.startswith("sqlite")

    @property
    def city_domains(self) -> tuple[str, ...]:
        """city_mail_domains as a tuple, lower case, without blanks."""
        return tuple(d.strip().lower() for d in self.city_mail_domains.split(",") if d.strip())

    @property
    def anchor_recipients(self) -> tuple[str, ...]:
        """audit_anchor_mail_to as a tuple, without blanks."""
        return tuple(a.strip() for a in self.audit_anchor_mail_to.split(",") if a.strip())

    @property
    def natives_dir(self) -> Path:
        return self.data_dir / "natives"

    @property
    def productions_dir(self) -> Path:
        return self.data_dir / "productions"

    @property
    def uploads_dir(self) -> Path:
        return self.data_dir / "uploads"
