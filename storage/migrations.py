"""Schema versions, kept in ``PRAGMA user_version``.

A new store is created at the latest version from the models. An older store is brought forward by
running each step after its version, in order, each in its own transaction with the version bump.
When a step is added, a real store file of the version before it is committed under
``tests/fixtures/`` and a test upgrades it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, text

from storage.errors import StoreTooNew
from storage.models import Base


@dataclass(frozen=True, slots=True)
class Step:
    version: int  # the version the store is at once this step has run
    description: str
    apply: Callable[[Connection], None]


def _welfare_check_escalations(conn: Connection) -> None:
    conn.exec_driver_sql("ALTER TABLE escalation ADD COLUMN kind VARCHAR(24) DEFAULT 'escalation' NOT NULL")
    conn.exec_driver_sql(
        "ALTER TABLE missed_contact_episode ADD COLUMN escalation_id CHAR(32) REFERENCES escalation (id)"
    )
    conn.exec_driver_sql("ALTER TABLE escalation_action ADD COLUMN reached BOOLEAN DEFAULT '0' NOT NULL")
    conn.exec_driver_sql("ALTER TABLE escalation_action ADD COLUMN due VARCHAR(32)")


# Version 1 is the first released schema; later steps go here, each bringing the store to `version`.
STEPS: tuple[Step, ...] = (
    Step(2, "escalation kind; episode links its welfare check; action reached and due", _welfare_check_escalations),
)
BASE_VERSION = 1


def latest_version(steps: Sequence[Step] = STEPS) -> int:
    return steps[-1].version if steps else BASE_VERSION


def current_version(conn: Connection) -> int:
    return int(conn.exec_driver_sql("PRAGMA user_version").scalar_one())


def create_schema(engine: Engine, steps: Sequence[Step] = STEPS) -> None:
    with engine.begin() as conn:
        Base.metadata.create_all(conn)
        conn.exec_driver_sql(f"PRAGMA user_version = {latest_version(steps)}")


def upgrade(engine: Engine, steps: Sequence[Step] = STEPS) -> list[int]:
    """Bring the store to the latest version; returns the versions applied, in order."""
    target = latest_version(steps)
    with engine.connect() as conn:
        found = current_version(conn)
    if found > target:
        raise StoreTooNew(
            f"This data was written by a newer Waymark (schema {found}; this copy knows up to {target}). "
            "Nothing has been changed. Update Waymark on this laptop, then open it again."
        )
    applied: list[int] = []
    for step in sorted(steps, key=lambda s: s.version):
        if step.version <= found:
            continue
        with engine.begin() as conn:
            step.apply(conn)
            conn.execute(text(f"PRAGMA user_version = {int(step.version)}"))
        applied.append(step.version)
    return applied
