"""One person: missed-contact prompt, actions, and tabs for the safety plan (first), notes, reviews and
escalations. Every dialog it opens is tracked so a lock can hide it and an unlock bring it back."""

from __future__ import annotations

import html
import logging
import uuid

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.contact_notes import ContactMethod, Outcome
from app.escalations import Escalation, EscalationKind
from app.persons import Person
from app.safety_reviews import SafetyReview, TriggerPoint
from app.workspace import Workspace
from ui.amend_dialog import AmendDialog
from ui.clipboard import CopyFeedback
from ui.display_text import escape
from ui.escalation_window import EscalationStartDialog, EscalationWindow
from ui.missed_contact_banner import MissedContactBanner
from ui.note_dialog import NoteDialog
from ui.plan_editor import PlanEditor
from ui.plan_view import PlanContext, PlanView, note_html
from ui.review_dialog import ReviewDialog

log = logging.getLogger(__name__)


def reviews_html(reviews: list[SafetyReview]) -> str:
    if not reviews:
        return "<p>No safety reviews recorded yet.</p>"
    parts = []
    for r in reviews:
        steps = "".join(
            f"<li>{escape(s.action)} — {escape(s.owner)}{f', by {s.due:%d %b %Y}' if s.due else ''}</li>"
            for s in r.next_steps
        )
        plan = "Plan reviewed" if r.plan_reviewed else "Plan not reviewed"
        parts.append(
            f"<h3>{r.created_at.astimezone():%a %d %b %Y} · {escape(r.trigger.label)}</h3>"
            f"<p><b>What changed:</b> {escape(r.what_changed)}<br><b>Their account:</b> {escape(r.persons_account)}"
            f"<br><b>Why it matters:</b> {escape(r.why_it_matters)}</p><ul>{steps}</ul>"
            f"<p><i>{plan}{': ' + escape(r.plan_review_note) if r.plan_review_note else ''}</i></p>"
        )
    return "".join(parts)


def escalations_html(escalations: list[Escalation]) -> str:
    if not escalations:
        return "<p>No escalations or welfare checks.</p>"
    parts = []
    for e in escalations:
        kind = "Welfare check" if e.kind is EscalationKind.WELFARE_CHECK else "Escalation"
        state = "open" if e.is_open else f"closed: {e.outcome.label.lower() if e.outcome else ''}"
        told = "someone reached" if e.reached_anyone else "<b>nobody reached yet</b>"
        follow = f" · follow-up by {e.follow_up_due.astimezone():%a %d %b %H:%M}" if e.follow_up_due else ""
        parts.append(
            f"<p><a href='escalation:{e.id}'><b>{kind}</b> {e.identified_at.astimezone():%a %d %b %Y %H:%M}</a>"
            f" · {state} · {told}{follow}<br>{escape(str(e.period))}<br>{escape(e.rationale)}</p>"
        )
    return "".join(parts)


class PersonPanel(QWidget):
    changed = Signal()  # something was recorded: the caseload and status bar should refresh
    lock_requested = Signal()  # Ctrl+L pressed inside one of its dialogs

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace: Workspace | None = None
        self.person: Person | None = None
        self.dialogs: list[QDialog] = []
        self._expanded: set[uuid.UUID] = set()  # long notes the worker chose to read in full
        self.banner = MissedContactBanner()
        self.banner.record_attempt.connect(lambda: self.record_note(Outcome.NO_ANSWER, ContactMethod.PHONE))
        self.banner.open_welfare_check.connect(self._open_welfare_check)
        self.banner.record_review.connect(lambda: self.record_review(TriggerPoint.MISSED_CONTACT))
        # An escalation that has reached nobody stays on the person until someone is reached.
        self.unreached = QLabel()
        self.unreached.setObjectName("unreached_escalation")
        self.unreached.setWordWrap(True)
        self.unreached.setFrameShape(QFrame.Shape.Box)
        self.unreached.setLineWidth(2)
        self.unreached.setMargin(6)
        self.unreached.setAccessibleName("Escalation not yet acted on")
        self.unreached.setOpenExternalLinks(False)
        self.unreached.linkActivated.connect(lambda link: self._on_escalation_link(QUrl(link)))
        self.unreached.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.unreached.setVisible(False)
        # Unsigned drafts (kept at a lock, or saved as drafts) stay in sight until finished.
        self.drafts_label = QLabel()
        self.drafts_label.setObjectName("unsigned_drafts")
        self.drafts_label.setWordWrap(True)
        self.drafts_label.setAccessibleName("Unsigned drafts")
        self.drafts_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.drafts_label.linkActivated.connect(lambda link: self._on_note_link(QUrl(link)))
        self.drafts_label.setVisible(False)
        self.note_button = QPushButton("Record &note (Ctrl+N)")
        self.note_button.clicked.connect(lambda: self.record_note())
        self.review_button = QPushButton("Safety re&view (Ctrl+R)")
        self.review_button.clicked.connect(lambda: self.record_review())
        self.escalate_button = QPushButton("&Escalate (Ctrl+E)")
        self.escalate_button.clicked.connect(self.escalate)
        buttons = QHBoxLayout()
        for b in (self.note_button, self.review_button, self.escalate_button):
            buttons.addWidget(b)
        self.plan_view = PlanView()
        self.plan_view.edit_requested.connect(self.edit_plan)
        self.plan_view.copy_feedback = CopyFeedback()
        buttons.addWidget(self.plan_view.copy_feedback, 1)
        self.notes_view = self._browser("Contact notes")
        self.notes_view.anchorClicked.connect(self._on_note_link)
        self.reviews_view = self._browser("Safety reviews")
        self.escalations_view = self._browser("Escalations")
        self.escalations_view.anchorClicked.connect(self._on_escalation_link)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Person record")
        self.tabs.addTab(self.plan_view, "Safety &plan")
        self.tabs.addTab(self.notes_view, "No&tes")
        self.tabs.addTab(self.reviews_view, "Rev&iews")
        self.tabs.addTab(self.escalations_view, "Escalation&s")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.banner)
        layout.addWidget(self.unreached)
        layout.addWidget(self.drafts_label)
        layout.addLayout(buttons)
        layout.addWidget(self.tabs, 1)
        self._set_enabled(False)
        self.plan_view.setHtml(
            "<p style='font-size:120%'>Type part of a name or NHS number, then press Enter to open the "
            "person's safety plan.</p>"
        )

    @staticmethod
    def _browser(name: str) -> QTextBrowser:
        view = QTextBrowser()
        view.setAccessibleName(name)
        view.setOpenLinks(False)
        view.document().setDefaultStyleSheet(PlanView.STYLE)
        return view

    def _set_enabled(self, enabled: bool) -> None:
        for b in (self.note_button, self.review_button, self.escalate_button):
            b.setEnabled(enabled)

    # -- showing ------------------------------------------------------------------------------------

    def show_person(self, workspace: Workspace, person_id: uuid.UUID) -> None:
        self.workspace = workspace
        self.person = workspace.caseload.open_person(person_id)
        self._expanded.clear()
        self.tabs.setCurrentIndex(0)
        self.refresh()

    def refresh(self) -> None:
        ws, person = self.workspace, self.person
        if ws is None or person is None:
            return
        assert ws.config is not None
        now = ws.clock.now()
        lease = ws.lease()
        # Once the offline lease has lapsed, earlier notes and reviews wait for a sync; the plan, its crisis
        # contacts and the escalations stay (DESIGN §7), and recording goes on.
        notes = [] if lease.lapsed else ws.notes.timeline(person.id)
        plan = ws.plans.current(person.id)
        version = next((n for n, r in enumerate(ws.plans.revisions(person.id), 1) if plan and r.id == plan.id), None)
        authors = ws.staff_names()
        context = PlanContext(
            now, ws.last_synced(), ws.config.directory.national_lines(person.nation, now), version, authors
        )
        self.plan_view.show_person(person, plan, notes[:5], context)
        locked = f"<p><b>{html.escape(lease.message(now))}</b></p>" if lease.lapsed else None
        self.notes_view.setHtml(
            locked
            or "".join(note_html(n, amend_link=True, expanded=n.id in self._expanded, authors=authors) for n in notes)
            or "<p>No contact notes yet.</p>"
        )
        self.reviews_view.setHtml(locked or reviews_html(ws.reviews.history(person.id)))
        escalations = ws.escalations.for_person(person.id)
        self.escalations_view.setHtml(escalations_html(escalations))
        waiting = [e for e in escalations if e.is_open and not e.reached_anyone]
        self.unreached.setText(
            "<br>".join(
                f"<b>{'Welfare check' if e.kind is EscalationKind.WELFARE_CHECK else 'Escalation'} of "
                f"{e.identified_at.astimezone():%a %d %b %H:%M} has reached nobody yet.</b> "
                f"<a href='escalation:{e.id}'>Open it and phone now</a>"
                for e in waiting
            )
        )
        self.unreached.setVisible(bool(waiting))
        drafts = ws.drafts.for_person(person.id)
        self.drafts_label.setText(
            f"<b>{len(drafts)} unsigned draft{'s' if len(drafts) != 1 else ''}</b> — not yet part of the record: "
            + " · ".join(
                f"<a href='finish:{d.id}'>finish the note of {d.contact_start.astimezone():%a %d %b %H:%M}</a>"
                for d in drafts
            )
        )
        self.drafts_label.setVisible(bool(drafts))
        self.banner.show_status(ws.missed_contacts.status(person.id), now)
        self._set_enabled(True)

    def forget(self) -> None:
        """Drop every decrypted view (full lock, close)."""
        for dialog in list(self.dialogs):
            dialog.done(QDialog.DialogCode.Rejected)
        self.dialogs.clear()
        self.person = None
        self.workspace = None
        for view in (self.plan_view, self.notes_view, self.reviews_view, self.escalations_view):
            view.clear()
        self.banner.show_status(None)
        self.unreached.clear()
        self.unreached.setVisible(False)
        self.drafts_label.clear()
        self.drafts_label.setVisible(False)
        self._set_enabled(False)

    # -- actions ------------------------------------------------------------------------------------

    def _open(self, dialog: QDialog, *, modal: bool = True) -> QDialog:
        # A modal dialog shadows the main window's shortcuts, and locking must always work. A non-modal
        # window shares the main window's (a second Ctrl+L there would make the key ambiguous).
        if modal:
            QShortcut(QKeySequence("Ctrl+L"), dialog, activated=self.lock_requested.emit)
        self.dialogs.append(dialog)
        dialog.finished.connect(lambda _r: self.dialogs.remove(dialog) if dialog in self.dialogs else None)
        if modal:
            dialog.open()
        else:
            dialog.show()
            dialog.raise_()
        return dialog

    def _after_save(self, *_: object) -> None:
        self.refresh()
        self.changed.emit()

    def record_note(self, outcome: Outcome = Outcome.SEEN, method: ContactMethod = ContactMethod.HOME_VISIT) -> None:
        if self.workspace is None or self.person is None:
            return
        dialog = NoteDialog(
            self.workspace, self.person.id, self.person.preferred_name, outcome=outcome, method=method, parent=self
        )
        dialog.saved.connect(self._after_save)
        self._open(dialog)

    def finish_draft(self, draft_id: uuid.UUID) -> NoteDialog | None:
        """Open an unsigned draft as typed, to finish it and sign it (or keep it as a draft again)."""
        if self.workspace is None or self.person is None:
            return None
        for dialog in self.dialogs:
            if isinstance(dialog, NoteDialog) and dialog.draft_id == draft_id:
                dialog.raise_()
                dialog.activateWindow()
                return dialog
        draft = self.workspace.notes.get(draft_id)
        dialog = NoteDialog(self.workspace, self.person.id, self.person.preferred_name, existing=draft, parent=self)
        dialog.saved.connect(self._after_save)
        self._open(dialog)
        return dialog

    def record_review(self, trigger: TriggerPoint = TriggerPoint.CARE_PLAN_REVIEW) -> None:
        if self.workspace is None or self.person is None:
            return
        suggested = ""
        if trigger is TriggerPoint.MISSED_CONTACT:
            days = self.workspace.missed_contacts.policy.increased_contact_days
            suggested = f"Increase contact for the next {days} days, then review it"
        dialog = ReviewDialog(
            self.workspace, self.person.id, self.person.preferred_name, trigger, parent=self, suggested_step=suggested
        )
        dialog.saved.connect(self._after_save)
        self._open(dialog)

    def edit_plan(self) -> None:
        if self.workspace is None or self.person is None:
            return
        dialog = PlanEditor(
            self.workspace, self.person.id, self.person.preferred_name, parent=self, nation=self.person.nation
        )
        dialog.saved.connect(self._after_save)
        self._open(dialog)

    def escalate(self) -> None:
        if self.workspace is None or self.person is None:
            return
        dialog = EscalationStartDialog(self.workspace, self.person.id, self.person.preferred_name, parent=self)
        dialog.started.connect(self._on_started)
        self._open(dialog)

    def _on_started(self, escalation: Escalation) -> None:
        self._after_save()
        self.open_escalation(escalation)

    def open_escalation(self, escalation: Escalation) -> EscalationWindow | None:
        if self.workspace is None or self.person is None:
            return None
        window = EscalationWindow(self.workspace, escalation, self.person.preferred_name, parent=self)
        window.changed.connect(self._after_save)
        # Not modal: while escalating, the worker must still be able to read the plan and the contacts.
        self._open(window, modal=False)
        return window

    def _open_welfare_check(self) -> None:
        if self.workspace is None or self.person is None:
            return
        status = self.workspace.missed_contacts.status(self.person.id)
        if status.welfare_check_id is not None:
            self.open_escalation(self.workspace.escalations.get(status.welfare_check_id))

    def save_unsaved_as_drafts(self) -> int:
        """Before the store closes (full lock, quit): keep typed notes as unsigned drafts, not lost."""
        kept = 0
        for dialog in self.dialogs:
            if self.workspace is not None and isinstance(dialog, NoteDialog) and dialog.has_unsaved_text():
                try:
                    # A draft is never refused for what it holds, so only a failing disk can stop this.
                    kept_note = self.workspace.drafts.keep(dialog.draft(), dialog.draft_id)
                except Exception as exc:  # the type only: the text may be clinical
                    log.warning("an unsaved note could not be kept as a draft: %s", type(exc).__name__)
                    continue
                dialog.draft_id = kept_note.id
                dialog.mark_kept_as_draft()
                kept += 1
        return kept

    def _on_note_link(self, url: QUrl) -> None:
        if self.workspace is None:
            return
        if url.scheme() == "expand":
            self._expanded.add(uuid.UUID(url.path()))
            scroll = self.notes_view.verticalScrollBar().value()
            self.refresh()
            self.notes_view.verticalScrollBar().setValue(scroll)
            return
        if url.scheme() == "finish":
            self.finish_draft(uuid.UUID(url.path()))
            return
        if url.scheme() != "amend":
            return
        note = self.workspace.notes.get(uuid.UUID(url.path()))
        dialog = AmendDialog(self.workspace, note, parent=self)
        dialog.saved.connect(self._after_save)
        self._open(dialog)

    def _on_escalation_link(self, url: QUrl) -> None:
        if self.workspace is not None and url.scheme() == "escalation":
            self.open_escalation(self.workspace.escalations.get(uuid.UUID(url.path())))
