"""All ORM models, imported here so that Alembic sees every table."""

from app.models.audit import AuditEntry
from app.models.base import Base
from app.models.user import ApiToken, Role, User, UserRole

__all__ = ["ApiToken", "AuditEntry", "Base", "Role", "User", "UserRole"]
