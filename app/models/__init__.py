"""All ORM models, imported here so that Alembic sees every table."""

from app.models.audit import AuditEntry
from app.models.base import Base
from app.models.document import Blob, Document, DocumentKind, DocumentText, Location, TextStatus
from app.models.ingest import (
    ImapFolderState,
    IngestError,
    IngestJob,
    IngestRoot,
    JobStatus,
    MailConnection,
)
from app.models.job import Job, JobState, Schedule
from app.models.mail import MailStatus, OutboxMessage
from app.models.request import Channel, RecordsRequest, RequesterCategory, RequestStatus
from app.models.search import SavedSearch
from app.models.sign_in import LockKind, Lockout, SignInFailure
from app.models.user import ApiToken, Role, User, UserRole

__all__ = [
    "ApiToken", "AuditEntry", "Base", "Blob", "Channel", "Document", "DocumentKind",
    "DocumentText", "ImapFolderState", "IngestError", "IngestJob", "IngestRoot", "Job",
    "JobState", "JobStatus", "Location", "LockKind", "Lockout", "MailConnection", "MailStatus",
    "OutboxMessage", "RecordsRequest", "RequestStatus", "RequesterCategory", "Role", "SavedSearch",
    "Schedule", "SignInFailure", "TextStatus", "User", "UserRole",
]
