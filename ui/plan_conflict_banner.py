"""The banner on a person whose safety plan has two versions written on different laptops: which one is in
force and why, that the other is kept, and the way to merge them. No close button: it goes when a merge is
saved (on this laptop, or on another one and synced here)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from html import escape

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from app.plan_conflicts import PlanConflict
from app.safety_plans import PlanRevision


def who(
    revision: PlanRevision, authors: Mapping[uuid.UUID, str], this_device: uuid.UUID | None, me: uuid.UUID | None
) -> str:
    where = "this laptop" if revision.device_id is not None and revision.device_id == this_device else "another laptop"
    name = (
        "you" if revision.author_id == me else authors.get(revision.author_id, "a colleague not known on this laptop")
    )
    return f"{name}, {revision.created_at.astimezone():%a %d %b %Y %H:%M}, on {where}"


def banner_html(
    conflicts: Sequence[PlanConflict],
    authors: Mapping[uuid.UUID, str],
    this_device: uuid.UUID | None,
    me: uuid.UUID | None,
) -> str:
    conflict = conflicts[0]
    others = "; ".join(escape(who(c.other, authors, this_device, me)) for c in conflicts)
    return (
        "<b>Two versions of this safety plan were written on different laptops.</b> "
        f"The one shown is in force: {escape(who(conflict.in_force, authors, this_device, me))}, because it reached "
        f"the server first. The other version ({others}) is kept, not lost, and is not in force until the two "
        "are merged."
    )


class PlanConflictBanner(QFrame):
    merge_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("plan_conflict_banner")
        self.setFrameShape(QFrame.Shape.Box)
        self.setLineWidth(2)
        self.setAccessibleName("Two versions of the safety plan")
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.merge_button = QPushButton("Compare and &merge the two versions")
        self.merge_button.clicked.connect(self.merge_requested.emit)
        layout = QHBoxLayout(self)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.merge_button)
        self.conflicts: list[PlanConflict] = []
        self.setVisible(False)

    def show_conflicts(
        self,
        conflicts: Sequence[PlanConflict],
        authors: Mapping[uuid.UUID, str],
        this_device: uuid.UUID | None,
        me: uuid.UUID | None,
    ) -> None:
        self.conflicts = list(conflicts)
        self.text.setText(banner_html(conflicts, authors, this_device, me) if conflicts else "")
        self.setVisible(bool(conflicts))
