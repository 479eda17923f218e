"""A team lead's store for tests: the demo store re-identified as the demo team's lead (until the
``waymark demo --role team_lead`` of the lead branch lands)."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from app.workspace import Workspace
from storage import models


def staff_id(workspace: Workspace, role: str) -> uuid.UUID:
    with workspace.store.sessions() as session:
        found = session.scalar(select(models.Staff.id).where(models.Staff.role == role).order_by(models.Staff.name))
    assert found is not None
    return found


def become(workspace: Workspace, role: str) -> uuid.UUID:
    """Make the store this role's (the first staff member with it); returns their staff id."""
    assert workspace.actor.device_id is not None
    with workspace.store.sessions() as session:
        org = session.scalar(select(models.Organisation.id))
    assert org is not None
    who = staff_id(workspace, role)
    workspace.set_identity(org, who, workspace.actor.device_id)
    return who
