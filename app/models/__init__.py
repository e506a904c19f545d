"""All ORM models, imported here so that Alembic sees every table."""

from app.models.audit import AuditEntry
from app.models.base import Base
from app.models.clock import CityClosure, ClockRuleSet
from app.models.document import Blob, Document, DocumentKind, DocumentText, Location, TextStatus
from app.models.fee import (
    Delivery,
    FeePayment,
    FeeSchedule,
    FeeStatement,
    FeeWaiver,
    PaymentKind,
    PaymentMethod,
    TimeEntry,
)
from app.models.hold import (
    HeldDocument,
    Hold,
    HoldAcknowledgement,
    HoldCustodian,
    HoldNotice,
    HoldNoticeTemplate,
    HoldStatus,
    NoticeKind,
)
from app.models.ingest import (
    ImapFolderState,
    IngestError,
    IngestJob,
    IngestRoot,
    JobStatus,
    MailConnection,
)
from app.models.job import Job, JobState, Schedule
from app.models.letter import Letter, LetterKind, LetterTemplate, LetterTemplateVersion
from app.models.mail import MailStatus, OutboxMessage
from app.models.near_duplicate import NearDuplicate, NearDuplicateBand, NearDuplicateGroup
from app.models.person import Person, PersonCustodian, PersonEmail, PersonStatus
from app.models.portal import RequestLink
from app.models.production import (
    BatesSeries,
    Disposition,
    Production,
    ProductionDocument,
    ProductionStatus,
    ReleaseDownload,
)
from app.models.public_body import BodyMembership, PublicBody
from app.models.public_text import PublicText, PublicTextKey
from app.models.redaction import Redaction, RedactionStatus
from app.models.request import (
    Channel,
    RecordsRequest,
    RequesterCategory,
    RequestEvent,
    RequestStatus,
)
from app.models.retention import PurgedDocument, RetentionRun, RetentionSchedule
from app.models.review import Citation, CitationKind, ReviewSetItem, ReviewTag, ReviewTagName
from app.models.search import SavedSearch
from app.models.sign_in import LockKind, Lockout, SignInFailure
from app.models.staff_session import StaffSession
from app.models.user import ApiToken, Role, User, UserRole

__all__ = [
    "ApiToken", "AuditEntry", "Base", "BatesSeries", "Blob", "BodyMembership", "Channel", "Citation",
    "CitationKind",
    "CityClosure", "ClockRuleSet", "Delivery", "Disposition", "Document", "DocumentKind",
    "DocumentText", "FeePayment", "FeeSchedule", "FeeStatement", "FeeWaiver", "HeldDocument",
    "Hold", "HoldAcknowledgement", "HoldCustodian", "HoldNotice", "HoldNoticeTemplate",
    "HoldStatus", "ImapFolderState", "IngestError", "IngestJob", "IngestRoot", "Job", "JobState",
    "JobStatus", "Letter", "LetterKind", "LetterTemplate", "LetterTemplateVersion", "Location",
    "LockKind", "Lockout", "MailConnection", "MailStatus", "NearDuplicate", "NearDuplicateBand",
    "NearDuplicateGroup", "NoticeKind", "OutboxMessage",
    "PaymentKind", "PaymentMethod", "Person", "PersonCustodian", "PersonEmail", "PersonStatus",
    "Production", "ProductionDocument", "ProductionStatus", "PublicBody", "PublicText", "PublicTextKey",
    "PurgedDocument", "RecordsRequest", "Redaction", "RedactionStatus", "ReleaseDownload",
    "RequestEvent", "RequestLink", "RequestStatus", "RequesterCategory", "RetentionRun",
    "RetentionSchedule", "ReviewSetItem", "ReviewTag", "ReviewTagName", "Role", "SavedSearch",
    "Schedule", "SignInFailure", "StaffSession", "TextStatus", "TimeEntry", "User", "UserRole",
]
