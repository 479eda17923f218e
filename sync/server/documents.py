"""The organisation's configuration documents in force, as devices receive them (PROTOCOL.md §2.10).

An import (``waymark-server import pathways|directory``) adds a version of a file to ``org_document``; the
newest version of each (kind, name) is the one in force. Devices learn cheaply whether to fetch: every pull
page carries ``documents_digest``, one hash over what is in force, and a device fetches ``GET
/api/v1/documents`` only when it differs from the digest of what it last applied.

Not scoped by area: a pathway file names the areas it serves and the device's own library picks the one for
each person, a duty worker covering another team needs that team's pathway, and a contacts directory lists
services, not persons. A server database holds one organisation (``Admin.create_organisation`` refuses a
second), so every document in it is the caller's organisation's.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sync.server.models import OrgDocument


def in_force(session: Session) -> list[OrgDocument]:
    """The newest version of each (kind, name), in kind then name order."""
    newest = select(func.max(OrgDocument.id)).group_by(OrgDocument.kind, OrgDocument.name)
    rows = session.scalars(select(OrgDocument).where(OrgDocument.id.in_(newest))).all()
    return sorted(rows, key=lambda d: (d.kind, d.name))


def digest(documents: list[OrgDocument]) -> str:
    """``"sha256:"`` + SHA-256 of the sorted lines ``kind/name:sha256`` joined by ``\\n`` (empty: nothing yet)."""
    return digest_of((d.kind, d.name, d.sha256) for d in documents)


def digest_of(entries: Iterable[tuple[str, str, str]]) -> str:
    lines = sorted(f"{kind}/{name}:{sha}" for kind, name, sha in entries)
    return "sha256:" + hashlib.sha256("\n".join(lines).encode()).hexdigest()
