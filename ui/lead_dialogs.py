"""The team lead's forms: a supervision of a worker's risk decisions, and a learning review after an
incident or escalation. Each lists agreed actions (what, owner, due); both are append-only once saved."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from PySide6.QtCore import QDate, QStringListModel, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QDateEdit,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.errors import WaymarkError
from app.escalations import Escalation, EscalationKind
from app.form_drafts import FormKind
from app.lead_records import (
    ActionDraft,
    LeadFormChoices,
    LearningReviewDraft,
    PersonDiscussed,
    SupervisionDraft,
)
from app.text_input import NOTE_MAX_CHARS
from app.workspace import Workspace
from ui.operations import StoreOps
from ui.tasks import Task
from ui.text_limits import limit_text
from ui.typed_dialog import TypedDialog

log = logging.getLogger(__name__)

LOADING = (
    "Reading the team's workers, persons and escalations from this laptop… You can start typing: the lists "
    "fill in when they are read."
)
CHOOSE_WORKER = "Choose the worker supervised…"
NOTHING_SAVED_YET = "Nothing has been saved yet; everything you typed is still here."
NOT_LOADED_YET = (
    "The team's workers and persons are still being read, so nothing can be saved yet. Nothing you typed is "
    "lost: save again once the lists have filled in."
)


def _text(name: str, placeholder: str, height: int = 72) -> QPlainTextEdit:
    edit = QPlainTextEdit()
    edit.setAccessibleName(name)
    edit.setPlaceholderText(placeholder)
    edit.setTabChangesFocus(True)
    edit.setMaximumHeight(height)
    limit_text(edit, NOTE_MAX_CHARS)
    return edit


def _loading_row(form: _TeamForm) -> QHBoxLayout:
    row = QHBoxLayout()
    row.addWidget(form.loading, 1)
    row.addWidget(form.try_again)
    return row


class ActionsEditor(QWidget):
    """Agreed actions: type what, who owns it and when it is due, then Add (Alt+A)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.what = QLineEdit(placeholderText="Action agreed", accessibleName="Action agreed")
        self.owner = QLineEdit(placeholderText="Owner", accessibleName="Owner")
        # The team's staff are offered as the owner is typed (a name not in the list is still taken as typed).
        self._owners: dict[str, uuid.UUID] = {}
        self._owner_names = QStringListModel(self)
        completer = QCompleter(self._owner_names, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.owner.setCompleter(completer)
        self.due = QDateEdit(QDate.currentDate().addDays(7), calendarPopup=True, accessibleName="Due date")
        self.due.setDisplayFormat("dd MMM yyyy")
        add = QPushButton("&Add action")
        add.clicked.connect(self.add)
        self.list = QListWidget(accessibleName="Agreed actions")
        self.list.setMaximumHeight(90)
        row = QHBoxLayout()
        for widget, stretch in ((self.what, 3), (self.owner, 1), (self.due, 0), (add, 0)):
            row.addWidget(widget, stretch)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.list)
        self.drafts: list[ActionDraft] = []

    def add(self) -> None:
        if not self.what.text().strip() or not self.owner.text().strip():
            return
        owner = self.owner.text().strip()
        draft = ActionDraft(self.what.text().strip(), owner, self.due.date().toPython(), self._owners.get(owner))  # type: ignore[arg-type]
        self._show(draft)
        self.what.clear()
        self.what.setFocus()

    def _show(self, draft: ActionDraft) -> None:
        self.drafts.append(draft)
        self.list.addItem(QListWidgetItem(f"{draft.action} — {draft.owner}, due {draft.due:%a %d %b %Y}"))

    def load(self, drafts: list[ActionDraft]) -> None:
        """Show these actions (none: empty, ready for the next person)."""
        self.drafts = []
        self.list.clear()
        for draft in drafts:
            self._show(draft)

    def offer_owners(self, staff: Sequence[tuple[uuid.UUID, str, str]]) -> None:
        """The team's staff, offered as owners; an owner chosen from them is recorded with their id."""
        self._owners = {name: sid for sid, name, _role in staff}
        self._owner_names.setStringList(sorted(self._owners))

    def typed(self) -> list[str]:
        return [self.what.text(), self.owner.text(), *(d.action for d in self.drafts)]

    def fields(self) -> dict[str, Any]:
        """What is typed and added, as JSON values (kept at a lock)."""
        return {"what": self.what.text(), "owner": self.owner.text(), "due": self.due.date().toPython().isoformat(),
                "added": [_action_fields(d) for d in self.drafts]}  # fmt: skip

    def restore(self, fields: dict[str, Any]) -> None:
        self.what.setText(str(fields.get("what", "")))
        self.owner.setText(str(fields.get("owner", "")))
        if fields.get("due"):
            self.due.setDate(QDate(date.fromisoformat(str(fields["due"]))))
        self.load([_action_draft(a) for a in fields.get("added", [])])


def _action_fields(d: ActionDraft) -> dict[str, Any]:
    return {"action": d.action, "owner": d.owner, "due": d.due.isoformat(),
            "owner_id": str(d.owner_id) if d.owner_id else None}  # fmt: skip


def _action_draft(f: dict[str, Any]) -> ActionDraft:
    owner_id = f.get("owner_id")
    return ActionDraft(str(f.get("action", "")), str(f.get("owner", "")), date.fromisoformat(str(f["due"])),
                       uuid.UUID(owner_id) if owner_id else None)  # fmt: skip


def _index_of(combo: QComboBox, value: object) -> int:
    """The row holding ``value`` (findData compares Python objects by identity, and a kept id is a new one)."""
    if value is None:
        return -1
    return next((i for i in range(combo.count()) if combo.itemData(i) == value), -1)


def _id(value: object) -> str | None:
    return str(value) if isinstance(value, uuid.UUID) else None


def _uuid(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def load_failure_words(exc: Exception) -> str:
    """Why the lists are empty, that what was typed is kept, and what to do: never a bare exception name."""
    why = f" ({exc})" if isinstance(exc, WaymarkError) else ""
    return (
        f"The team's workers, persons and escalations could not be read from this laptop{why}. Nothing you "
        "typed is lost: it stays in this form. Press Try again; if it fails again, copy what you typed "
        "somewhere safe, close Waymark and open it again."
    )


class _TeamForm(TypedDialog):
    """A lead's form whose choices are the team's: read off the UI thread, since a lead's laptop holds a
    whole team's records. Until they arrive the choosers are disabled and say so, the text fields can be
    typed in, and saving waits; a failed read says so in words and offers to try again."""

    choices_loaded = Signal()

    def __init__(self, workspace: Workspace, ops: StoreOps, parent: QWidget | None = None) -> None:
        super().__init__(ops, parent)
        self._ws = workspace
        self.choices: LeadFormChoices | None = None
        # Choices kept at a lock (worker, person, escalations): put back once the lists are read.
        self._pending: dict[str, Any] | None = None
        self._task: Task | None = None
        self.loading = QLabel(LOADING)
        self.loading.setObjectName("team_loading")
        self.loading.setAccessibleName("Reading the team's lists")
        self.loading.setWordWrap(True)
        self.try_again = QPushButton("&Try again")
        self.try_again.setVisible(False)
        self.try_again.clicked.connect(self.load_choices)

    def choosers(self) -> list[QWidget]:
        """The widgets that offer the team's choices: disabled until they are read."""
        raise NotImplementedError

    def fill(self, choices: LeadFormChoices) -> None:
        raise NotImplementedError

    def load_choices(self) -> None:
        if self._task is not None:
            return
        for widget in self.choosers():
            widget.setEnabled(False)
        self.loading.setText(LOADING)
        self.loading.setVisible(True)
        self.try_again.setVisible(False)
        task = self._task = Task(self._ws.lead_form_choices)
        task.outcome.succeeded.connect(self._on_choices)
        task.outcome.failed.connect(self._on_failed)
        self._ops.pool.start(task)

    def _on_choices(self, choices: LeadFormChoices) -> None:
        self._task = None
        if self._finished:
            return  # closed (or locked) while they were read: nothing decrypted goes on a closed form
        self.choices = choices
        self.fill(choices)
        actions = getattr(self, "actions", None)
        if isinstance(actions, ActionsEditor):
            actions.offer_owners(choices.staff)
        if self._pending is not None:
            pending, self._pending = self._pending, None
            self.restore_choices(pending)
        for widget in self.choosers():
            widget.setEnabled(True)
        self.loading.setVisible(False)
        # The choosers were disabled when the form opened, so focus went elsewhere: bring it to the first
        # choice, unless the lead has already started typing.
        if not isinstance(self.focusWidget(), (QLineEdit, QPlainTextEdit)):
            self.choosers()[0].setFocus()
        self.choices_loaded.emit()

    def restore_choices(self, fields: dict[str, Any]) -> None:
        """Put back the choices kept in ``fields`` (the lists are read by now)."""
        raise NotImplementedError

    def restore_fields(self, fields: dict[str, Any]) -> None:
        self.restore_text(fields)
        if self.choices is None:
            self._pending = fields
        else:
            self.restore_choices(fields)

    def restore_text(self, fields: dict[str, Any]) -> None:
        raise NotImplementedError

    def _on_failed(self, exc: Exception) -> None:
        self._task = None
        log.warning("a lead's form could not read the team's lists: %s", type(exc).__name__)
        if self._finished:
            return
        self.loading.setText(load_failure_words(exc))
        self.try_again.setVisible(True)
        self.try_again.setFocus()

    def done(self, result: int) -> None:
        # A lock closes the form with done(): lists read after it must not be filled in.
        self._finished = True
        super().done(result)


def _escalation_line(e: Escalation, criteria_met: Sequence[str]) -> str:
    """One escalation for the lead to pick: when, which kind, the criteria in the organisation's wording, why."""
    kind = "Welfare check" if e.kind is EscalationKind.WELFARE_CHECK else "Escalation"
    criteria = "; ".join(criteria_met) or "raised by the missed-contact policy"
    return f"{e.identified_at.astimezone():%d %b %H:%M} {kind} — criteria: {criteria} — why: {e.rationale}"


class SupervisionDialog(_TeamForm):
    """One supervision session may discuss several persons: each with the escalations discussed, the
    rationale and the actions agreed. "Add another person" keeps the one in the form in the list above and
    clears the form; "Edit again" takes one back out of the list into the form. Save records them all, one
    record per person sharing the session (nothing typed for the person in the form is dropped)."""

    what = "This supervision record"
    form_kind = FormKind.SUPERVISION

    def __init__(
        self, workspace: Workspace, parent: QWidget | None = None, *, ops: StoreOps, form_id: uuid.UUID | None = None
    ) -> None:
        super().__init__(workspace, ops, parent)
        self.setWindowTitle("Supervision of risk decisions")
        self.setMinimumWidth(720)
        self.worker = QComboBox(accessibleName="Worker supervised")
        self.person = QComboBox(accessibleName="Person discussed")
        self.person.currentIndexChanged.connect(self._show_escalations)
        self.escalations = QListWidget(accessibleName="Escalations discussed, with their criteria and reason")
        self.escalations.setWordWrap(True)
        self.escalations.setMaximumHeight(120)
        self.rationale = _text(
            "Rationale discussed", "The rationale for escalating, or for not escalating, as discussed"
        )
        self.actions = ActionsEditor()
        self.discussed: list[PersonDiscussed] = []
        self.discussed_list = QListWidget(accessibleName="Persons discussed so far in this supervision")
        self.discussed_list.setMaximumHeight(80)
        self.add_person = QPushButton("Add a&nother person")
        self.add_person.setToolTip("Keep this person's discussion in the list and clear the form for the next person")
        self.add_person.clicked.connect(self.add_another_person)
        self.edit_again = QPushButton("&Edit again")
        self.edit_again.setToolTip("Take the selected person out of the list and back into the form")
        self.edit_again.clicked.connect(self.take_back)
        self.message = QLabel()
        self.message.setWordWrap(True)
        discussed_buttons = QHBoxLayout()
        discussed_buttons.addWidget(self.add_person)
        discussed_buttons.addWidget(self.edit_again)
        discussed_buttons.addStretch(1)
        # In the order a supervision is talked through: who, which person, which escalations, why, what next;
        # then "Add another person" moves on, and the persons already discussed are listed below it.
        form = QFormLayout()
        form.addRow("&Worker", self.worker)
        form.addRow("&Person", self.person)
        form.addRow(QLabel("Escalations discussed (tick; criteria and the worker's reason beside each)"))
        form.addRow(self.escalations)
        form.addRow("&Rationale", self.rationale)
        form.addRow("Agreed actions", self.actions)
        form.addRow("", discussed_buttons)
        discussed_label = QLabel("Persons &discussed")
        discussed_label.setBuddy(self.discussed_list)
        form.addRow(discussed_label, self.discussed_list)
        form.addRow(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self.saving.hold(buttons)
        layout = QVBoxLayout(self)
        layout.addLayout(_loading_row(self))
        layout.addLayout(form)
        layout.addWidget(self.saving.label)
        layout.addWidget(buttons)
        self.load_choices()
        self.track_draft(workspace.forms, None, form_id or uuid.uuid4())

    def choosers(self) -> list[QWidget]:
        return [self.worker, self.person, self.escalations, self.discussed_list, self.add_person, self.edit_again]

    def draft_fields(self) -> dict[str, Any]:
        if self._pending is not None:  # kept again before the lists were read: the kept choices stand
            chosen = {k: self._pending.get(k) for k in ("worker", "person", "ticked", "discussed")}
        else:
            chosen = {
                "worker": _id(self.worker.currentData()),
                "person": _id(self.person.currentData()),
                "ticked": [str(i) for i in self._ticked()],
                "discussed": [
                    {"person_id": str(p.person_id), "rationale": p.rationale,
                     "escalations": [str(e) for e in p.escalations], "actions": [_action_fields(a) for a in p.actions]}
                    for p in self.discussed
                ],
            }  # fmt: skip
        return {**chosen, "rationale": self.rationale.toPlainText(), "actions": self.actions.fields()}

    def restore_text(self, fields: dict[str, Any]) -> None:
        self.rationale.setPlainText(str(fields.get("rationale", "")))
        self.actions.restore(dict(fields.get("actions") or {}))
        # Kept in the form itself until the lists arrive, so it counts as typed (a second lock keeps it too).
        self.discussed = [
            PersonDiscussed(pid, str(d.get("rationale", "")), [e for e in map(_uuid, d.get("escalations", [])) if e],
                            [_action_draft(a) for a in d.get("actions", [])])
            for d in fields.get("discussed", []) if (pid := _uuid(d.get("person_id"))) is not None
        ]  # fmt: skip

    def restore_choices(self, fields: dict[str, Any]) -> None:
        worker = _index_of(self.worker, _uuid(fields.get("worker")))
        if worker >= 0:
            self.worker.setCurrentIndex(worker)
        person = _index_of(self.person, _uuid(fields.get("person")))
        if person >= 0:
            self.person.setCurrentIndex(person)
        self._show_escalations()
        ticked = {_uuid(t) for t in fields.get("ticked", [])}
        for i in range(self.escalations.count()):
            item = self.escalations.item(i)
            if item.data(Qt.ItemDataRole.UserRole) in ticked:
                item.setCheckState(Qt.CheckState.Checked)
        self.discussed_list.clear()
        for p in self.discussed:
            self._list(p)

    def fill(self, choices: LeadFormChoices) -> None:
        self.worker.clear()
        # No worker is chosen for the lead: a supervision saved against the first name in the list would be
        # on the wrong worker's record.
        self.worker.addItem(CHOOSE_WORKER, None)
        for sid, name, role in choices.staff:
            if role in ("worker", "duty"):
                self.worker.addItem(name, sid)
        self.person.blockSignals(True)
        self.person.clear()
        for pid, name in choices.persons:
            self.person.addItem(name, pid)
        self.person.blockSignals(False)
        self._show_escalations()

    def _show_escalations(self) -> None:
        self.escalations.clear()
        pid = self.person.currentData()
        if pid is None or self.choices is None:
            return
        if not self.choices.escalations_of(pid):
            # Said, not left blank: an empty box reads as "still loading" or "something went wrong".
            none = QListWidgetItem(f"No escalations or welfare checks for {self.person.currentText()} on this laptop.")
            none.setFlags(Qt.ItemFlag.NoItemFlags)
            self.escalations.addItem(none)
            return
        for found in self.choices.escalations_of(pid):
            esc = found.escalation
            item = QListWidgetItem(_escalation_line(esc, found.criteria))
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            item.setData(Qt.ItemDataRole.UserRole, esc.id)
            self.escalations.addItem(item)

    def typed_text(self) -> list[str]:
        kept = [p.rationale for p in self.discussed] + [a.action for p in self.discussed for a in p.actions]
        return [self.rationale.toPlainText(), *self.actions.typed(), *kept]

    def _name(self, person_id: uuid.UUID) -> str:
        return self.person.itemText(self.person.findData(person_id))

    def _ticked(self) -> list[uuid.UUID]:
        rows = (self.escalations.item(i) for i in range(self.escalations.count()))
        return [r.data(Qt.ItemDataRole.UserRole) for r in rows if r.checkState() == Qt.CheckState.Checked]

    def _current(self) -> PersonDiscussed:
        self.actions.add()  # an action typed but not yet added is kept, not lost
        rationale = self.rationale.toPlainText()
        return PersonDiscussed(self.person.currentData(), rationale, self._ticked(), list(self.actions.drafts))

    def _form_has_something(self) -> bool:
        typed = self.rationale.toPlainText().strip() or self.actions.what.text().strip()
        return bool(typed or self.actions.drafts or self._ticked())

    def _cannot_keep_form(self) -> str | None:
        """Why the person in the form cannot go into the list as it stands, or None."""
        person = self.person.currentData()
        name = self._name(person)
        if any(p.person_id == person for p in self.discussed):
            return (f"{name} is already in this supervision: select them in the list and press Edit again to "
                    "change what was discussed, or choose another person,")  # fmt: skip
        if not self.rationale.toPlainText().strip():
            self.rationale.setFocus()
            return f"Write the rationale discussed for {name}"
        return None

    def add_another_person(self) -> None:
        """Keep the person in the form in the list, and clear the form for the next one."""
        person = self.person.currentData()
        if person is None:
            return
        name = self._name(person)
        problem = self._cannot_keep_form()
        if problem:
            self.message.setText(f"{problem} before adding another person.")
            return
        current = self._current()
        self.discussed.append(current)
        self._list(current)
        self.rationale.clear()
        self.actions.load([])
        taken = {p.person_id for p in self.discussed}
        following = next((i for i in range(self.person.count()) if self.person.itemData(i) not in taken), None)
        if following is not None:
            self.person.setCurrentIndex(following)
        self._show_escalations()
        self.message.setText(f"{name} kept ({len(self.discussed)} discussed so far). Choose the next person.")
        self.person.setFocus()

    def _list(self, p: PersonDiscussed) -> None:
        escalations = f"{len(p.escalations)} escalation{'s' if len(p.escalations) != 1 else ''}"
        actions = f"{len(p.actions)} action{'s' if len(p.actions) != 1 else ''}"
        item = QListWidgetItem(f"{self._name(p.person_id)} — {escalations} discussed, {actions} agreed")
        item.setData(Qt.ItemDataRole.UserRole, p.person_id)
        self.discussed_list.addItem(item)

    def take_back(self) -> None:
        """The selected person's discussion back into the form (the form's own is kept in the list first)."""
        row = self.discussed_list.currentRow()
        if row < 0:
            self.message.setText("Select a person in the list first.")
            return
        if self._form_has_something():
            problem = self._cannot_keep_form()
            if problem:
                self.message.setText(f"{problem} before editing another person.")
                return
        back = self.discussed.pop(row)
        self.discussed_list.takeItem(row)
        if self._form_has_something():
            held = self._current()
            self.discussed.append(held)
            self._list(held)
        self.person.setCurrentIndex(self.person.findData(back.person_id))
        self._show_escalations()
        for i in range(self.escalations.count()):
            item = self.escalations.item(i)
            if item.data(Qt.ItemDataRole.UserRole) in back.escalations:
                item.setCheckState(Qt.CheckState.Checked)
        self.rationale.setPlainText(back.rationale)
        self.actions.load(list(back.actions))
        self.message.setText(f"{self._name(back.person_id)} is back in the form.")
        self.rationale.setFocus()

    def save(self) -> None:
        if self.choices is None:
            self.message.setText(NOT_LOADED_YET)
            return
        if self.worker.currentData() is None:
            self.message.setText(f"Choose the worker supervised first (Alt+W). {NOTHING_SAVED_YET}")
            self.worker.setFocus()
            return
        persons = list(self.discussed)
        if persons and self._form_has_something() and self.person.currentData() in {p.person_id for p in persons}:
            self.message.setText(f"{self._cannot_keep_form()} before saving. Nothing has been saved yet.")
            return
        if not persons or self._form_has_something():
            persons.append(self._current())  # what is in the form is saved too, or refused with the rest kept
        draft = SupervisionDraft(self.worker.currentData(), self._ws.clock.now(), persons)
        lead = self._ws.lead
        self.saving.run(
            "The supervision record",
            lambda: lead.record_supervision(draft),
            persons=list(dict.fromkeys(p.person_id for p in persons)),
            succeeded=lambda _saved: self.accept(),
        )


class LearningReviewDialog(_TeamForm):
    what = "This learning review"
    form_kind = FormKind.LEARNING_REVIEW

    def __init__(
        self, workspace: Workspace, parent: QWidget | None = None, *, ops: StoreOps, form_id: uuid.UUID | None = None
    ) -> None:
        super().__init__(workspace, ops, parent)
        self.setWindowTitle("Learning review after an incident or escalation")
        self.setMinimumWidth(720)
        self.person = QComboBox(accessibleName="Person")
        self.escalation = QComboBox(accessibleName="Escalation reviewed")
        # The combo box cuts a long line off at the dialog's edge: the chosen one is shown whole beneath it.
        self.escalation_text = QLabel(accessibleName="The escalation reviewed, in full")
        self.escalation_text.setWordWrap(True)
        self.escalation_text.setVisible(False)
        self.person.currentIndexChanged.connect(self._show_escalations)
        self.what_happened = _text("What happened", "What happened, in order")
        self.what_helped = _text("What helped", "What helped")
        self.delays = _text("Delays or barriers", "Delays or barriers")
        self.refine = QCheckBox("The pathway needs &refinement")
        self.pathway = QLineEdit(accessibleName="Pathway and version", placeholderText="pathway-id@version")
        self.refinement = _text("What to refine", "What should change in the pathway", 56)
        self.actions = ActionsEditor()
        form = QFormLayout()
        form.addRow("&Person", self.person)
        form.addRow("&Escalation", self.escalation)
        form.addRow("", self.escalation_text)
        form.addRow("What &happened", self.what_happened)
        form.addRow("What he&lped", self.what_helped)  # Alt+P is the person
        form.addRow("&Delays, barriers", self.delays)
        form.addRow(self.refine)
        form.addRow("Pathway", self.pathway)
        form.addRow("Refinement", self.refinement)
        form.addRow("Agreed actions", self.actions)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self.saving.hold(buttons)
        self.message = QLabel()
        self.message.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(_loading_row(self))
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.saving.label)
        layout.addWidget(buttons)
        self.escalation.currentIndexChanged.connect(self._show_pathway)
        self.load_choices()
        self.track_draft(workspace.forms, None, form_id or uuid.uuid4())

    def choosers(self) -> list[QWidget]:
        return [self.person, self.escalation]

    def _texts(self) -> dict[str, QPlainTextEdit]:
        return {"what_happened": self.what_happened, "what_helped": self.what_helped, "delays": self.delays,
                "refinement": self.refinement}  # fmt: skip

    def draft_fields(self) -> dict[str, Any]:
        esc = self.escalation.currentData()
        if self._pending is not None:  # kept again before the lists were read: the kept choices stand
            chosen = {k: self._pending.get(k) for k in ("person", "escalation")}
        else:
            chosen = {"person": _id(self.person.currentData()),
                      "escalation": str(esc.id) if isinstance(esc, Escalation) else None}  # fmt: skip
        return {**chosen, **{k: e.toPlainText() for k, e in self._texts().items()}, "refine": self.refine.isChecked(),
                "pathway": self.pathway.text(), "actions": self.actions.fields()}  # fmt: skip

    def restore_text(self, fields: dict[str, Any]) -> None:
        for key, edit in self._texts().items():
            edit.setPlainText(str(fields.get(key, "")))
        self.refine.setChecked(bool(fields.get("refine")))
        self.pathway.setText(str(fields.get("pathway", "")))
        self.actions.restore(dict(fields.get("actions") or {}))

    def restore_choices(self, fields: dict[str, Any]) -> None:
        pathway = self.pathway.text()
        person = _index_of(self.person, _uuid(fields.get("person")))
        if person >= 0:
            self.person.setCurrentIndex(person)
        self._show_escalations()
        wanted = _uuid(fields.get("escalation"))
        for i in range(self.escalation.count()):
            esc = self.escalation.itemData(i)
            if isinstance(esc, Escalation) and esc.id == wanted:
                self.escalation.setCurrentIndex(i)
        self.pathway.setText(pathway)  # as the lead left it, not as the escalation suggests

    def fill(self, choices: LeadFormChoices) -> None:
        self.person.blockSignals(True)
        self.person.clear()
        for pid, name in choices.persons:
            self.person.addItem(name, pid)
        self.person.blockSignals(False)
        self._show_escalations()

    def _show_escalations(self) -> None:
        self.escalation.clear()
        self.escalation.addItem("No escalation (an incident)", None)
        pid = self.person.currentData()
        if pid is not None and self.choices is not None:
            for found in self.choices.escalations_of(pid):
                esc: Escalation = found.escalation
                line = _escalation_line(esc, found.criteria)
                self.escalation.addItem(line if len(line) <= 110 else line[:109] + "…", esc)
                self.escalation.setItemData(self.escalation.count() - 1, line, Qt.ItemDataRole.ToolTipRole)

    def _show_pathway(self) -> None:
        esc = self.escalation.currentData()
        full = self.escalation.itemData(self.escalation.currentIndex(), Qt.ItemDataRole.ToolTipRole)
        self.escalation_text.setText(full or "")
        self.escalation_text.setVisible(bool(full))
        if isinstance(esc, Escalation):
            self.pathway.setText(esc.pathway.ref)

    def typed_text(self) -> list[str]:
        texts = (self.what_happened, self.what_helped, self.delays, self.refinement)
        return [t.toPlainText() for t in texts] + self.actions.typed()

    def save(self) -> None:
        if self.choices is None:
            self.message.setText(NOT_LOADED_YET)
            return
        esc = self.escalation.currentData()
        pathway_id, _, version = self.pathway.text().strip().partition("@")
        self.actions.add()
        draft = LearningReviewDraft(
            self.person.currentData(),
            esc.identified_at if isinstance(esc, Escalation) else self._ws.clock.now(),
            self.what_happened.toPlainText(),
            self.what_helped.toPlainText(),
            self.delays.toPlainText(),
            pathway_refinement_needed=self.refine.isChecked(),
            pathway_id=pathway_id or None,
            pathway_version=version or None,
            refinement=self.refinement.toPlainText(),
            escalation_id=esc.id if isinstance(esc, Escalation) else None,
            actions=self.actions.drafts,
        )
        lead = self._ws.lead
        self.saving.run(
            "The learning review",
            lambda: lead.record_learning_review(draft),
            persons=[draft.person_id],
            succeeded=lambda _saved: self.accept(),
        )
