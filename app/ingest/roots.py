"""Ingest roots: the folders an administrator lets clerks ingest from, each by a name.

A clerk names a root and a path inside it. Anything that resolves outside the root,
through `..` or a symlink, is refused with the names of the roots, never with a
path of the server's. A root cannot hold Custodia's own data (its database,
natives, keys) nor the system's folders.
"""

from __future__ import annotations

import uuid
from pathlib import Path, PurePosixPath

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core import audit
from app.core.audit import Actor
from app.core.errors import BadRequest, Conflict, NotFound
from app.core.settings import Settings
from app.models import IngestRoot

# Never mail, and reading them could hand a clerk the server's own secrets.
SYSTEM_FOLDERS = tuple(Path(p) for p in ("/etc", "/proc", "/sys", "/dev", "/boot", "/root",
                                         "/run", "/var/run"))


class OutsideRoot(BadRequest):
    code = "outside_ingest_root"


def snapshot(root: IngestRoot) -> dict[str, object]:
    return {"name": root.name, "path": root.path, "description": root.description}


def listing(session: Session) -> list[IngestRoot]:
    return list(session.scalars(select(IngestRoot).order_by(IngestRoot.name)))


def create(session: Session, actor: Actor, settings: Settings, name: str, path: str,
           description: str) -> IngestRoot:
    folder = Path(path)
    if not folder.is_absolute():
        raise BadRequest("An ingest root is an absolute path, as the workers see it.")
    resolved = folder.resolve()
    if not resolved.is_dir():
        raise BadRequest(f"There is no folder at {path} on this server.")
    data = settings.data_dir.resolve()
    if resolved == Path("/") or data.is_relative_to(resolved) or resolved.is_relative_to(data):
        raise BadRequest("An ingest root may not hold Custodia's own data directory, nor lie "
                         "inside it.")
    if any(resolved.is_relative_to(system) for system in SYSTEM_FOLDERS):
        raise BadRequest("An ingest root may not be a system folder (/etc, /proc, /sys, /dev, "
                         "/boot, /root, /run).")
    if session.scalar(select(IngestRoot).where(IngestRoot.name == name)) is not None:
        raise Conflict(f"There is already an ingest root named {name}.")
    root = IngestRoot(name=name, path=str(resolved), description=description,
                      created_by=actor.name)
    session.add(root)
    session.flush()
    audit.record(session, actor, "ingest.root_create", "ingest_root", root.id,
                 after=snapshot(root))
    return root


def delete(session: Session, actor: Actor, root_id: uuid.UUID) -> None:
    """Jobs already queued keep the folder they were given; new ones cannot name it."""
    root = session.get(IngestRoot, root_id)
    if root is None:
        raise NotFound("No ingest root with that id.")
    before = snapshot(root)
    session.delete(root)
    session.flush()
    audit.record(session, actor, "ingest.root_delete", "ingest_root", root_id, before=before)


def source(session: Session, name: str, relative: str) -> dict[str, object]:
    """The job source for `relative` inside the root `name`, or a 400 naming the roots."""
    roots = listing(session)
    known = ", ".join(r.name for r in roots) or "none yet: an administrator declares them"
    root = next((r for r in roots if r.name == name), None)
    if root is None:
        raise OutsideRoot(f"There is no ingest root named {name!r}. Ingest roots: {known}.",
                          roots=[r.name for r in roots])
    base, candidate = Path(root.path), PurePosixPath(relative)
    if "\x00" in relative or candidate.is_absolute() or not _inside(base, base / candidate):
        raise OutsideRoot(f"That path leads outside the ingest root {root.name} (an absolute "
                          f"path, .. or a symlink). Ingest roots: {known}.",
                          roots=[r.name for r in roots])
    target = (base / candidate).resolve()
    if not target.exists():
        raise BadRequest(f"Nothing is at {relative!r} in the ingest root {root.name}.")
    inside = target.relative_to(base).as_posix()
    return {"type": "root", "root": root.name, "path": "" if inside == "." else inside,
            "within": root.path}


def _inside(base: Path, path: Path) -> bool:
    return path.resolve().is_relative_to(base)


def seen_by(source: str, admin: bool, roots: list[IngestRoot]) -> str:
    """A location's source as a person sees it: non-admins never see the server's paths.

    Sources read by `custodia ingest` are absolute paths; inside a root they read as the
    root's name and the path in it, elsewhere as the file or folder's own name.
    """
    if admin or not source.startswith("/"):
        return source
    path = Path(source)
    for root in roots:
        if path.is_relative_to(root.path):
            inside = path.relative_to(root.path).as_posix()
            return f"{root.name}:/{'' if inside == '.' else inside}"
    return f"server:{path.name}"
