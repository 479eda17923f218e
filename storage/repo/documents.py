"""The organisation's documents (pathways, contacts directory) as this laptop received them from sync."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import ReceivedDocument


def received(session: Session) -> list[ReceivedDocument]:
    """Every version received, oldest first."""
    return list(session.scalars(select(ReceivedDocument).order_by(ReceivedDocument.document_id)))


def keep(session: Session, documents: Iterable[tuple[str, str, int, str, str]], now: datetime) -> int:
    """Add each ``(kind, name, document_id, sha256, text)`` not held already; returns how many were added."""
    held = {(d.kind, d.name, d.sha256) for d in received(session)}
    added = 0
    for kind, name, document_id, sha256, text in documents:
        if (kind, name, sha256) in held:
            continue
        session.add(
            ReceivedDocument(
                id=uuid.uuid4(), kind=kind, name=name, document_id=document_id, sha256=sha256, text=text,
                received_at=now,
            )
        )  # fmt: skip
        added += 1
    return added
