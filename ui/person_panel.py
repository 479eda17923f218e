"""One person: missed-contact prompt, actions, and tabs for the safety plan (first), notes, reviews and
escalations. Every dialog it opens is tracked so a lock can hide it and an unlock bring it back."""

from __future__ import annotations

import enum
import logging
import uuid
from collections.abc import Callable, Container, Sequence
from typing import Any

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

from app.changes import Changed, OpChanges
from app.contact_notes import ContactMethod, Note, NoteDraft, Outcome
from app.errors import NotFound
from app.escalations import Escalation, EscalationKind
from app.form_drafts import FormDraft, FormKind
from app.hours import LONDON
from app.lead_records import LeadReview
from app.missed_contacts import recontact_routes
from app.persons import Channel, Person
from app.planned_contacts import ContactPlan, PlannedContact
from app.safety_reviews import SafetyReview, TriggerPoint
from app.workspace import Workspace
from ui.amend_dialog import AmendDialog
from ui.clipboard import CopyFeedback, copy_briefly
from ui.display_text import escape
from ui.escalation_window import EscalationStartDialog, EscalationWindow
from ui.missed_contact_banner import MissedContactBanner
from ui.note_dialog import NoteDialog
from ui.operations import StoreOps
from ui.plan_conflict_banner import PlanConflictBanner
from ui.plan_editor import PlanEditor
from ui.plan_merge_dialog import PlanMergeDialog
from ui.plan_view import PlanContext, PlanView, note_html
from ui.planned_contact_dialogs import CancelContactDialog, EndPlanDialog, IncreaseContactDialog, PlanContactDialog
from ui.planned_contacts_pane import PlannedContactsPane
from ui.review_dialog import ReviewDialog
from ui.sync_markers import sync_marker
from ui.typed_dialog import TypedDialog

log = logging.getLogger(__name__)


def reviews_html(reviews: list[SafetyReview], unsent: Container[uuid.UUID] | None = None) -> str:
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
            f"<h3>{r.created_at.astimezone():%a %d %b %Y} · {escape(r.trigger.label)}"
            f"{sync_marker(r.id in unsent) if unsent is not None else ''}</h3>"
            f"<p><b>What changed:</b> {escape(r.what_changed)}<br><b>Their account:</b> {escape(r.persons_account)}"
            f"<br><b>Why it matters:</b> {escape(r.why_it_matters)}</p><ul>{steps}</ul>"
            f"<p><i>{plan}{': ' + escape(r.plan_review_note) if r.plan_review_note else ''}</i></p>"
        )
    return "".join(parts)


def escalations_html(
    escalations: list[Escalation],
    unsent: Container[uuid.UUID] | None = None,
    criteria_met: Callable[[Escalation], Sequence[str]] | None = None,
) -> str:
    """The person's escalation history; ``criteria_met`` gives each one's criteria in the organisation's wording."""
    if not escalations:
        return "<p>No escalations or welfare checks.</p>"
    parts = []
    for e in escalations:
        kind = "Welfare check" if e.kind is EscalationKind.WELFARE_CHECK else "Escalation"
        state = "open" if e.is_open else f"closed: {e.outcome.label.lower() if e.outcome else ''}"
        told = (
            "someone reached"
            if e.reached_anyone
            else "<b>nobody reached yet</b>"
            if e.is_open
            else f"nobody at an escalation step was reached: {escape(e.closing_reason or 'no reason recorded')}"
        )
        follow = f" · follow-up by {e.follow_up_due.astimezone():%a %d %b %H:%M}" if e.follow_up_due else ""
        met = list(criteria_met(e)) if criteria_met is not None else []
        criteria = f"<br>Criteria met: {escape('; '.join(met))}" if met else ""
        parts.append(
            f"<p><a href='escalation:{e.id}'><b>{kind}</b> {e.identified_at.astimezone():%a %d %b %Y %H:%M}</a>"
            f" · {state} · {told}{follow}{sync_marker(e.id in unsent) if unsent is not None else ''}"
            f"<br>{escape(str(e.period))}{criteria}<br>{escape(e.rationale)}</p>"
        )
    return "".join(parts)


def _draft_not_kept(exc: Exception) -> None:
    log.warning("an unsaved note could not be kept as a draft: %s", type(exc).__name__)  # the type only


class Everything:
    """Every record id: on a laptop never enrolled, nothing has been sent."""

    def __contains__(self, _item: object) -> bool:
        return True


class Part(enum.Flag):
    """The parts of the person view, each redrawn only when a change touches it."""

    PLAN = enum.auto()  # the plan tab, which also shows the latest notes
    NOTES = enum.auto()
    REVIEWS = enum.auto()
    ESCALATIONS = enum.auto()  # the tab and the "reached nobody yet" notice
    DRAFTS = enum.auto()
    BANNER = enum.auto()  # the missed-contact prompt


# Ways to reach someone that a number or address can be copied for.
_COPYABLE = {Channel.PHONE, Channel.TEXT, Channel.EMAIL, Channel.THIRD_PARTY}


def reach_html(person: Person) -> str:
    """The person's own ways to be reached, in their preferred order, each with Copy where it can be copied:
    a duty worker found their number only in the missed-contact banner, after recording a miss."""
    routes, warning = recontact_routes(person)
    if not routes:
        return f"<b>{escape(warning or '')}</b>"
    said = []
    for r in routes:
        how = f"via {r.via}" if r.via else r.channel.value.replace("_", " ").capitalize()
        copy = f" <a href='copy:{escape(r.value)}'>Copy</a>" if r.channel in _COPYABLE else ""
        message = " (safe to leave a message)" if r.safe_to_leave_message else ""
        said.append(f"{escape(how)}: <b>{escape(r.value)}</b>{copy}{message}")
    return f"<b>To reach {escape(person.preferred_name)}:</b> " + " · ".join(said)


ALL_PARTS = Part.PLAN | Part.NOTES | Part.REVIEWS | Part.ESCALATIONS | Part.DRAFTS | Part.BANNER
_PARTS_OF = (
    (Changed.NOTES, Part.PLAN | Part.NOTES | Part.DRAFTS | Part.BANNER),
    (Changed.PLAN, Part.PLAN),
    (Changed.REVIEWS, Part.REVIEWS),
    (Changed.ESCALATIONS, Part.ESCALATIONS | Part.BANNER),
    (Changed.PERSON, Part.BANNER),
    (Changed.PLANNED, Part.BANNER),
)
RECORD_AREAS = Changed.NOTES | Changed.PLAN | Changed.REVIEWS | Changed.ESCALATIONS


def parts_for(changed: Changed) -> Part:
    parts = Part(0)
    for flag, touched in _PARTS_OF:
        if changed & flag:
            parts |= touched
    if changed & Changed.OUTBOX and not changed & RECORD_AREAS:
        # The outbox alone changed (a sync acknowledged records): each note, review and escalation says
        # whether it is sent, and the plan when this laptop last synced. A save's own record is already
        # redrawn with its part, so a save does not redraw the rest.
        parts |= Part.PLAN | Part.NOTES | Part.REVIEWS | Part.ESCALATIONS
    return parts


class PersonPanel(QWidget):
    changed = Signal()  # something was recorded: the caseload and status bar should refresh
    lock_requested = Signal()  # Ctrl+L pressed inside one of its dialogs

    def __init__(self, ops: StoreOps, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ops = ops
        # One hook for every change, this window's saves and records from the server alike.
        ops.did_execute.connect(self.on_changes)
        self.workspace: Workspace | None = None
        self.person: Person | None = None
        self.dialogs: list[QDialog] = []
        self._expanded: set[uuid.UUID] = set()  # long notes the worker chose to read in full
        self._from_top = False  # set while a person is being opened: every view starts at the top
        # Whose record this is, large, above everything: the caseload list may show someone else highlighted
        # (or nobody, once a search hides the open person), and Ctrl+N, Ctrl+R, Ctrl+E and Ctrl+P act on whoever
        # is open here. A note landed on the wrong person when only the list said who it was.
        self.header = QLabel()
        self.header.setObjectName("open_person")
        self.header.setWordWrap(True)
        self.header.setAccessibleName("Whose record is open")
        self.header.setVisible(False)
        # The person's own numbers, always in view above the plan (their own order; third parties only with
        # their agreement), with the same Copy as the plan's contacts.
        self.reach = QLabel()
        self.reach.setObjectName("reach_person")
        self.reach.setWordWrap(True)
        self.reach.setAccessibleName("How to reach the person")
        self.reach.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.reach.linkActivated.connect(self._on_reach_link)
        self.reach.setVisible(False)
        self.banner = MissedContactBanner()
        # An attempt may reach them: the outcome is the worker's to choose, as on any note (HAZ-34).
        self.banner.record_attempt.connect(lambda: self.record_note())
        self.banner.open_welfare_check.connect(self._open_welfare_check)
        self.banner.record_review.connect(lambda: self.record_review(TriggerPoint.MISSED_CONTACT))
        self.plan_conflict = PlanConflictBanner()
        self.plan_conflict.merge_requested.connect(self.merge_plan)
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
        self.planned = PlannedContactsPane()
        self.planned.plan_requested.connect(self.plan_contact)
        self.planned.reschedule_requested.connect(self.reschedule_contact)
        self.planned.cancel_requested.connect(self.cancel_contact)
        self.planned.increase_requested.connect(self.increase_contact)
        self.planned.end_plan_requested.connect(self.end_contact_plan)
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
        # Alt+T: Alt+O is the welfare-check bar's, and a lead's "Team review" tab is Alt+1 beside this one.
        self.tabs.addTab(self.notes_view, "No&tes")
        self.tabs.addTab(self.reviews_view, "Rev&iews")
        self.tabs.addTab(self.escalations_view, "Escalation&s")
        self.tabs.addTab(self.planned, "P&lanned contacts")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.header)
        layout.addWidget(self.reach)
        layout.addWidget(self.banner)
        layout.addWidget(self.unreached)
        layout.addWidget(self.plan_conflict)
        layout.addWidget(self.drafts_label)
        layout.addLayout(buttons)
        layout.addWidget(self.planned.summary)
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
        self.planned.set_enabled(enabled)

    # -- showing ------------------------------------------------------------------------------------

    def show_person(self, workspace: Workspace, person_id: uuid.UUID) -> None:
        self.workspace = workspace
        self.person = workspace.caseload.person(person_id)
        self._show_header(self.person)
        # The view is audited on the write queue, so opening a person never waits behind a sync.
        self.ops.run(lambda: workspace.caseload.record_view(person_id), persons=[person_id], initiator=self)
        self._expanded.clear()
        self.tabs.setCurrentIndex(0)
        # Opened: the plan from the top, where the person's name is (the place kept is for redraws only).
        self._from_top = True
        try:
            self.refresh()
        finally:
            self._from_top = False
        self.restore_forms()

    def _show_header(self, person: Person) -> None:
        first = escape(person.preferred_name)
        self.header.setText(
            f"<span style='font-size:x-large'><b>{escape(person.full_name)}</b></span> is open. "
            f"Notes, reviews, escalations and plan changes you start now are for {first}."
        )
        self.header.setVisible(True)

    def restore_forms(self) -> list[TypedDialog]:
        """Reopen every form kept unsaved for this person (at a lock, or before a crash), as typed."""
        ws, person = self.workspace, self.person
        if ws is None or person is None:
            return []
        opened: list[TypedDialog] = []
        for kept in ws.forms.for_person(person.id):
            if kept.kind is FormKind.ESCALATION_STEP:
                self._reopen_escalation(ws, kept)
                continue
            if any(
                isinstance(d, TypedDialog) and d.form_kind is kept.kind and d.draft_key == (person.id, kept.subject_id)
                for d in self.dialogs
            ):
                continue
            dialog: QDialog | None = None
            if kept.kind is FormKind.SAFETY_REVIEW:
                dialog = self.record_review()
            elif kept.kind is FormKind.SAFETY_PLAN:
                dialog = self.edit_plan()
            elif kept.kind is FormKind.ESCALATION_START:
                dialog = self.escalate()
            elif kept.kind is FormKind.AMENDMENT and kept.subject_id is not None:
                dialog = self.amend(kept.subject_id)
            if isinstance(dialog, TypedDialog):
                opened.append(dialog)
        return opened

    def _reopen_escalation(self, ws: Workspace, kept: FormDraft) -> None:
        """An escalation's window that was open at a lock: open again, with what was typed in it. The kept
        form is taken once the window holds it again (the next lock keeps it anew)."""
        escalation_id = kept.subject_id
        already = any(isinstance(d, EscalationWindow) and d.escalation.id == escalation_id for d in self.dialogs)
        if escalation_id is not None and not already:
            try:
                escalation = ws.escalations.get(escalation_id)
            except NotFound:
                escalation = None  # gone from this laptop since: nothing to reopen
            window = self.open_escalation(escalation) if escalation is not None else None
            if window is not None:
                window.restore_typed(kept.fields, kept.restored_message())

        def take() -> tuple[None, Changed]:
            ws.forms.discard(FormKind.ESCALATION_STEP, kept.person_id, escalation_id)
            return None, Changed.NOTHING

        self.ops.run(take, persons=[kept.person_id], failed=_draft_not_kept)

    def on_changes(self, changes: OpChanges) -> None:
        """The change hook: redraw only the parts of the open person that the change touched."""
        if self.workspace is None or self.person is None or not changes.touches(self.person.id):
            return
        parts = parts_for(changes.changed)
        if parts:
            self.refresh(parts)

    def follow_the_clock(self) -> None:
        """Redraw what the time of day changes, for the person left open: which numbers on the plan are open
        now (a plan read at 16:55 must not still offer the team's daytime line at 17:30), how old the last sync
        is, and when the missed contact's re-contact falls due."""
        self.refresh(Part.PLAN | Part.BANNER)

    def refresh(self, parts: Part = ALL_PARTS) -> None:
        ws, person = self.workspace, self.person
        if ws is None or person is None:
            return
        assert ws.config is not None
        now = ws.clock.now()
        unsent: Container[uuid.UUID] = set()
        unsent_escalations: Container[uuid.UUID] = set()
        if parts & ~(Part.DRAFTS | Part.BANNER):
            if not ws.enrolled():
                # Never enrolled: nothing can have been sent, whatever the outbox holds (the demo's history
                # was never in it).
                unsent = unsent_escalations = Everything()
            else:
                pending = ws.unsent_records(person.id)
                unsent = set(pending)
                # An escalation is on this laptop only while its opening or any of its steps is.
                unsent_escalations = unsent | {r for r in pending.values() if r is not None}
        authors = ws.staff_names() if parts & (Part.PLAN | Part.NOTES) else {}
        lease = ws.lease()
        # Once the offline lease has lapsed, earlier notes and reviews wait for a sync; the plan, its crisis
        # contacts and the escalations stay (DESIGN §7), and recording goes on.
        locked = f"<p><b>{escape(lease.message(now))}</b></p>" if lease.lapsed else None
        if parts & (Part.PLAN | Part.NOTES):
            notes = [] if lease.lapsed else ws.notes.timeline(person.id)
            if parts & Part.PLAN:
                plan = ws.plans.current(person.id)
                version = next(
                    (n for n, r in enumerate(ws.plans.revisions(person.id), 1) if plan and r.id == plan.id), None
                )
                context = PlanContext(
                    now,
                    ws.last_synced(),
                    ws.config.directory.national_lines(person.nation, now),
                    version,
                    authors,
                    ws.config.directory,
                )
                self._keep_scroll(self.plan_view, lambda: self.plan_view.show_person(person, plan, notes[:5], context))
                self.plan_conflict.show_conflicts(
                    ws.plan_conflicts.open_conflicts(person.id), authors, ws.actor.device_id, ws.actor.staff_id
                )
            if parts & Part.NOTES:
                reviews_of: dict[uuid.UUID, list[LeadReview]] = {}
                for review in ws.lead.reviews_of([n.id for n in notes]):
                    reviews_of.setdefault(review.reviewed_id, []).append(review)
                html = "".join(
                    note_html(
                        n,
                        amend_link=True,
                        expanded=n.id in self._expanded,
                        authors=authors,
                        unsent=unsent,
                        reviews=reviews_of.get(n.id, ()),
                    )
                    for n in notes
                )
                self._keep_scroll(
                    self.notes_view, lambda: self.notes_view.setHtml(locked or html or "<p>No contact notes yet.</p>")
                )
        if parts & Part.REVIEWS:
            reviews = locked or reviews_html(ws.reviews.history(person.id), unsent)
            self._keep_scroll(self.reviews_view, lambda: self.reviews_view.setHtml(reviews))
        if parts & Part.ESCALATIONS:
            self._show_escalations(ws, person.id, unsent_escalations)
        if parts & Part.DRAFTS:
            drafts = ws.drafts.for_person(person.id)
            self.drafts_label.setText(
                f"<b>{len(drafts)} unsigned draft{'s' if len(drafts) != 1 else ''}</b> — not yet part of the "
                "record: "
                + " · ".join(
                    f"<a href='finish:{d.id}'>finish the note of {d.contact_start.astimezone():%a %d %b %H:%M}</a>"
                    for d in drafts
                )
            )
            self.drafts_label.setVisible(bool(drafts))
        if parts & Part.BANNER:
            self.reach.setText(reach_html(person))
            self.reach.setVisible(True)
            self.banner.show_status(ws.missed_contacts.status(person.id), now)
        # The schedule is one small query, and a note, a review or a planned contact can each change it.
        today = now.astimezone(LONDON).date()
        self.planned.show_schedule(ws.planned.for_person(person.id), person.preferred_name, today)
        self._set_enabled(True)

    def _show_escalations(self, ws: Workspace, person_id: uuid.UUID, unsent: Container[uuid.UUID]) -> None:
        escalations = ws.escalations.for_person(person_id)
        html = escalations_html(escalations, unsent, ws.escalations.criteria_labels)
        self._keep_scroll(self.escalations_view, lambda: self.escalations_view.setHtml(html))
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

    def _keep_scroll(self, view: QTextBrowser, redraw: Callable[[], object]) -> None:
        """Redraw without moving the worker's place in what they are reading; a person just opened is shown
        from the top (another person's place in the plan is no place in this one's)."""
        bar = view.verticalScrollBar()
        at = 0 if self._from_top else bar.value()
        redraw()
        bar.setValue(at)

    def forget(self) -> None:
        """Drop every decrypted view (full lock, close)."""
        for dialog in list(self.dialogs):
            dialog.done(QDialog.DialogCode.Rejected)
        self.dialogs.clear()
        self.person = None
        self.workspace = None
        self.header.clear()
        self.header.setVisible(False)
        for view in (self.plan_view, self.notes_view, self.reviews_view, self.escalations_view):
            view.clear()
        self.banner.show_status(None)
        self.reach.clear()
        self.reach.setVisible(False)
        self.unreached.clear()
        self.unreached.setVisible(False)
        self.plan_conflict.show_conflicts([], {}, None, None)
        self.drafts_label.clear()
        self.drafts_label.setVisible(False)
        self.planned.clear()
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

    def record_note(self, outcome: Outcome | None = None, method: ContactMethod | None = None) -> None:
        if self.workspace is None or self.person is None:
            return
        dialog = NoteDialog(
            self.workspace,
            self.person.id,
            self.person.preferred_name,
            outcome=outcome,
            method=method,
            parent=self,
            ops=self.ops,
        )
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
        dialog = NoteDialog(
            self.workspace, self.person.id, self.person.preferred_name, existing=draft, parent=self, ops=self.ops
        )
        self._open(dialog)
        return dialog

    def record_review(self, trigger: TriggerPoint = TriggerPoint.CARE_PLAN_REVIEW) -> ReviewDialog | None:
        if self.workspace is None or self.person is None:
            return None
        suggested = ""
        if trigger is TriggerPoint.MISSED_CONTACT:
            days = self.workspace.missed_contacts.policy.increased_contact_days
            suggested = f"Increase contact for the next {days} days, then review it"
        dialog = ReviewDialog(
            self.workspace,
            self.person.id,
            self.person.preferred_name,
            trigger,
            parent=self,
            suggested_step=suggested,
            ops=self.ops,
        )
        self._open(dialog)
        return dialog

    def plan_contact(self) -> PlanContactDialog | None:
        if self.workspace is None or self.person is None:
            return None
        dialog = PlanContactDialog(
            self.workspace, self.person.id, self.person.preferred_name, parent=self, ops=self.ops
        )
        self._open(dialog)
        return dialog

    def reschedule_contact(self, contact: PlannedContact) -> None:
        if self.workspace is None or self.person is None:
            return
        dialog = PlanContactDialog(
            self.workspace, self.person.id, self.person.preferred_name, parent=self, ops=self.ops, reschedule=contact
        )
        self._open(dialog)

    def cancel_contact(self, contact: PlannedContact) -> None:
        if self.workspace is None or self.person is None:
            return
        dialog = CancelContactDialog(self.workspace, contact, self.person.preferred_name, parent=self, ops=self.ops)
        self._open(dialog)

    def increase_contact(self, reason: str = "") -> None:
        if self.workspace is None or self.person is None:
            return
        dialog = IncreaseContactDialog(
            self.workspace, self.person.id, self.person.preferred_name, parent=self, ops=self.ops, reason=reason
        )
        self._open(dialog)

    def end_contact_plan(self, plan: ContactPlan) -> None:
        if self.workspace is None or self.person is None:
            return
        dialog = EndPlanDialog(self.workspace, plan, self.person.preferred_name, parent=self, ops=self.ops)
        self._open(dialog)

    def edit_plan(self) -> PlanEditor | None:
        if self.workspace is None or self.person is None:
            return None
        dialog = PlanEditor(
            self.workspace,
            self.person.id,
            self.person.preferred_name,
            parent=self,
            nation=self.person.nation,
            ops=self.ops,
            area=self.person.area,
        )
        self._open(dialog)
        return dialog

    def merge_plan(self) -> PlanMergeDialog | None:
        if self.workspace is None or self.person is None or not self.plan_conflict.conflicts:
            return None
        dialog = PlanMergeDialog(
            self.workspace, self.plan_conflict.conflicts[0], self.person.preferred_name, parent=self, ops=self.ops
        )
        # Saved on the write queue: the change hook redraws the plan and takes the conflict banner away.
        self._open(dialog)
        return dialog

    def escalate(self) -> EscalationStartDialog | None:
        if self.workspace is None or self.person is None:
            return None
        dialog = EscalationStartDialog(
            self.workspace, self.person.id, self.person.preferred_name, parent=self, ops=self.ops
        )
        dialog.started.connect(self.open_escalation)
        self._open(dialog)
        return dialog

    def amend(self, note_id: uuid.UUID) -> AmendDialog | None:
        if self.workspace is None:
            return None
        dialog = AmendDialog(self.workspace, self.workspace.notes.get(note_id), parent=self, ops=self.ops)
        self._open(dialog)
        return dialog

    def open_escalation(self, escalation: Escalation) -> EscalationWindow | None:
        if self.workspace is None or self.person is None:
            return None
        for dialog in self.dialogs:
            # One window per escalation: two copies of one step, each with its own half-typed form, would each
            # record an action (Alt+O after unlocking reopened one already restored).
            if isinstance(dialog, EscalationWindow) and dialog.escalation.id == escalation.id and dialog.isVisible():
                dialog.raise_()
                dialog.activateWindow()
                return dialog
        window = EscalationWindow(self.workspace, escalation, self.person.preferred_name, parent=self, ops=self.ops)
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
        """Before the store closes (full lock, quit): keep typed notes as unsigned drafts and every other
        form as a form draft, so nothing typed is lost and each comes back after unlocking.

        What is typed is taken now; it is written on the write queue, ahead of the store's closing (which
        the window queues next), so a lock never waits on a sync and a sync never costs the draft."""
        ws = self.workspace
        kept = 0
        for dialog in self.dialogs:
            if ws is not None and isinstance(dialog, EscalationWindow):
                # Not a record: where the worker was, and what they typed in its forms, for the unlock.
                fields, person_id, escalation_id = (
                    dialog.typed_fields(),
                    dialog.escalation.person_id,
                    dialog.escalation.id,
                )

                def keep_window(
                    fields: dict[str, Any] = fields,
                    person_id: uuid.UUID = person_id,
                    escalation_id: uuid.UUID = escalation_id,
                ) -> tuple[None, Changed]:
                    ws.forms.keep(FormKind.ESCALATION_STEP, person_id, fields, escalation_id, at_lock=True)
                    return None, Changed.NOTHING

                self.ops.run(keep_window, persons=[person_id], failed=_draft_not_kept)
                kept += bool(fields)
                continue
            if isinstance(dialog, TypedDialog) and dialog.form_kind is not None and dialog.has_unsaved_text():
                kept += dialog.keep_draft_at_lock()
                continue
            if ws is not None and isinstance(dialog, NoteDialog) and dialog.has_unsaved_text():
                draft, draft_id = dialog.draft(), dialog.draft_id

                def keep(draft: NoteDraft = draft, draft_id: uuid.UUID | None = draft_id) -> tuple[Note, Changed]:
                    # A draft is never refused for what it holds, so only a failing disk can stop this.
                    return ws.drafts.keep(draft, draft_id), Changed.NOTES | Changed.CASELOAD

                self.ops.run(keep, persons=[draft.person_id], failed=_draft_not_kept)
                dialog.mark_kept_as_draft()
                kept += 1
        return kept

    def _on_reach_link(self, link: str) -> None:
        url = QUrl(link)
        if url.scheme() == "copy":
            copy_briefly(url.path(), feedback=self.plan_view.copy_feedback)

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
        self.amend(uuid.UUID(url.path()))

    def _on_escalation_link(self, url: QUrl) -> None:
        if self.workspace is not None and url.scheme() == "escalation":
            self.open_escalation(self.workspace.escalations.get(uuid.UUID(url.path())))
