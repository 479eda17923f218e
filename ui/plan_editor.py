"""Write a new revision of a person's safety plan, with them, from the plan in force.

Saving never overwrites: it adds a revision whose parent is the one the editor opened, and the history keeps
every earlier one. Before saving, the last page shows what changed, section by section, and the prompts a
reviewer would raise (operating model, example 2); prompts never block a plan the clinician chooses to save.
"""

from __future__ import annotations

import uuid
from html import escape
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QStringListModel, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListView,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QStackedWidget,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.form_drafts import FormKind
from app.persons import Nation
from app.plan_diff import PREFERENCE_LABELS, plan_changes
from app.plan_quality import quality_prompts, unnamed_lines
from app.plan_references import local_services, reference
from app.safety_plans import PlanDraft, PlanItem, PlanRevision, Preferences, Step
from app.workspace import Workspace
from ui.operations import StoreOps
from ui.plan_section_model import PlanSectionModel
from ui.typed_dialog import TypedDialog

STEP_HINTS = {
    Step.WARNING_SIGNS: "In the person's words: thoughts, feelings, situations that come before a crisis.",
    Step.INTERNAL_COPING: "Things they have used before that helped, and can do alone.",
    Step.DISTRACTION: "People and places that take their mind off things (not to talk about the crisis).",
    Step.HELP_PEOPLE: "People they agree may be asked for help, in the order they prefer, with numbers.",
    Step.PROFESSIONALS: "Services and professionals with numbers and hours: the team's duty line and a crisis line.",
    Step.SAFE_ENVIRONMENT: "What was agreed about means and surroundings.",
    Step.REASONS_FOR_LIVING: "What matters most to them, in their words.",
    Step.STAFF_ACTIONS: "What staff will do, e.g. a same-day check-in if warning signs appear.",
    Step.ESCALATION_STEPS: "If things get worse: who staff contact, in this order.",
}
# Short names for the section list, so every one fits beside the table on a small laptop screen.
SHORT_TITLES = {
    Step.WARNING_SIGNS: "Warning signs",
    Step.INTERNAL_COPING: "Coping on my own",
    Step.DISTRACTION: "People and places",
    Step.HELP_PEOPLE: "People to ask for help",
    Step.PROFESSIONALS: "Professionals, services",
    Step.SAFE_ENVIRONMENT: "Safer surroundings",
    Step.REASONS_FOR_LIVING: "Reasons for living",
    Step.STAFF_ACTIONS: "What staff will do",
    Step.ESCALATION_STEPS: "If things get worse",
}
CO_PRODUCTION = (
    ("— choose —", None),
    ("Yes, written with the person", "yes"),
    ("Partly: some of it with the person", "partly"),
    ("No: say why in 'what changed and why'", "no"),
)
PREFERENCES_PAGE = len(Step)
CHECK_PAGE = len(Step) + 1


class PlanEditor(TypedDialog):
    what = "The new version of this plan"
    discard_note = "The plan in force stays as it is."
    form_kind = FormKind.SAFETY_PLAN

    saved = Signal(object)  # PlanRevision

    def __init__(
        self,
        workspace: Workspace,
        person_id: uuid.UUID,
        person_name: str,
        parent: QWidget | None = None,
        *,
        nation: Nation | None = None,
        ops: StoreOps,
        area: str | None = None,
    ) -> None:
        super().__init__(ops, parent)
        self._workspace = workspace
        self._person_id = person_id
        self._person_name = person_name
        self._nation = nation
        self._area = area
        self._base: PlanRevision | None = workspace.plans.current(person_id)
        self.setWindowTitle(f"Safety plan — {person_name}")
        base = self._base
        version = len(workspace.plans.revisions(person_id)) if base else 0
        self.based_on = QLabel(
            f"Writing version {version + 1}, based on version {version} of "
            f"{base.created_at.astimezone():%d %b %Y}. The current plan stays in force until you save."
            if base
            else "Writing this person's first safety plan."
        )
        self.based_on.setWordWrap(True)

        pages = [f"{int(s)}. {SHORT_TITLES[s]}" for s in Step] + ["Preferences", "Check and save"]
        self.page_list = QListView()
        self.page_list.setModel(QStringListModel(pages, self))
        self.page_list.setAccessibleName("Plan sections")
        self.page_list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.page_list.setMaximumWidth(220)
        self.pages = QStackedWidget()
        self.section_models: dict[Step, PlanSectionModel] = {}
        self.section_views: dict[Step, QTableView] = {}
        for step in Step:
            self.pages.addWidget(self._step_page(step))
        self.pages.addWidget(self._preferences_page())
        self.pages.addWidget(self._check_page())
        self.page_list.selectionModel().currentChanged.connect(lambda cur, _prev: self.show_page(cur.row()))

        # One row of line buttons for every step page, so each mnemonic is unique in the window.
        self.add_button = QPushButton("&Add a line")
        self.remove_button = QPushButton("Re&move line")
        self.up_button = QPushButton("Move &up")
        self.down_button = QPushButton("Move do&wn")
        self.add_button.clicked.connect(self.add_line)
        self.remove_button.clicked.connect(self.remove_line)
        self.up_button.clicked.connect(lambda: self._move(-1))
        self.down_button.clicked.connect(lambda: self._move(+1))
        line_buttons = QHBoxLayout()
        for button in (self.add_button, self.remove_button, self.up_button, self.down_button):
            line_buttons.addWidget(button)
        line_buttons.addStretch(1)
        self.line_buttons = QWidget()
        self.line_buttons.setLayout(line_buttons)

        self.buttons = QDialogButtonBox()
        self.save_button = self.buttons.addButton("&Save new version", QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setToolTip(
            "Adds a new version of the plan (Ctrl+S), from the check page. Earlier versions are kept."
        )
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self.next_button = QPushButton("&Next section")
        self.next_button.clicked.connect(lambda: self.show_page(min(self.pages.currentIndex() + 1, CHECK_PAGE)))
        self.buttons.addButton(self.next_button, QDialogButtonBox.ButtonRole.ActionRole)
        # Return finishes a line, never the plan: a half-written plan in force is worse than none saved yet.
        for button in self.findChildren(QPushButton):
            button.setAutoDefault(False)
            button.setDefault(False)
        for step in Step:
            QShortcut(QKeySequence(f"Alt+{int(step)}"), self, activated=lambda s=step: self.show_page(int(s) - 1))

        right = QVBoxLayout()
        right.addWidget(self.pages, 1)
        right.addWidget(self.line_buttons)
        body = QHBoxLayout()
        body.addWidget(self.page_list)
        body.addLayout(right, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.based_on)
        layout.addLayout(body, 1)
        self.saving.hold(self.buttons)
        layout.addWidget(self.saving.label)
        layout.addWidget(self.buttons)
        self.resize(960, 600)
        self.show_page(0)
        self.track_draft(workspace.forms, person_id)
        if self.restored_from is not None and self.restored_from.fields.get("base_revision_id") != self._base_id():
            self.restored_note.setText(
                self.restored_note.text() + "<br>A newer version of the plan has arrived since: check what "
                "changes on the last page before saving."
            )

    # -- pages --------------------------------------------------------------------------------------

    def _step_page(self, step: Step) -> QWidget:
        items = self._base.section(step).items if self._base else ()
        model = PlanSectionModel(items, self)
        model.dataChanged.connect(self._on_edit)
        model.rowsInserted.connect(self._on_edit)
        model.rowsRemoved.connect(self._on_edit)
        model.rowsMoved.connect(self._on_edit)
        view = QTableView()
        view.setModel(model)
        view.setAccessibleName(f"Step {int(step)}: {step.title}")
        view.setTabKeyNavigation(False)  # Tab leaves the table; arrows move between cells
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        view.setEditTriggers(
            QAbstractItemView.EditTrigger.AnyKeyPressed
            | QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        header = view.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.section_models[step] = model
        self.section_views[step] = view
        title = QLabel(f"<h3>Step {int(step)}. {escape(step.title)}</h3><p>{escape(STEP_HINTS[step])}</p>")
        title.setWordWrap(True)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(title)
        layout.addWidget(view, 1)
        if step is Step.PROFESSIONALS and self._nation is not None:
            layout.addWidget(self._national_lines_note())
            if self._area is not None:
                layout.addWidget(self._directory_chooser(model))
        return page

    def _directory_chooser(self, model: PlanSectionModel) -> QWidget:
        """Local services are chosen from the directory, as references (HAZ-19); a line typed with Add a
        line stays possible for a service the directory does not hold, and is shown as typed by hand."""
        assert self._nation is not None and self._area is not None and self._workspace.config is not None
        self.directory_choice = QComboBox()
        self.directory_choice.setAccessibleName("Local service from the directory")
        for entry in local_services(self._workspace.config.directory, self._nation, self._area):
            self.directory_choice.addItem(f"{entry.service} — {entry.first_number}", entry.id)
        add = QPushButton("Add from the &directory")
        add.setAutoDefault(False)

        def chosen() -> None:
            assert self._workspace.config is not None
            entry = self._workspace.config.directory.get(str(self.directory_choice.currentData()))
            if entry is not None:
                row = model.add_reference(reference(entry))
                self.section_views[Step.PROFESSIONALS].selectRow(row)

        add.clicked.connect(chosen)
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Local service:"))
        row.addWidget(self.directory_choice, 1)
        row.addWidget(add)
        return box

    def _national_lines_note(self) -> QLabel:
        # These come from the checked directory and are added to step 5 wherever the plan is shown, so typing
        # them here would only make copies that go stale.
        assert self._nation is not None and self._workspace.config is not None
        offers = self._workspace.config.directory.national_lines(self._nation, self._workspace.clock.now())
        lines = "; ".join(f"{o.entry.service} {o.entry.first_number}" for o in offers) or "none for this nation"
        note = QLabel(f"<i>Added automatically wherever the plan is shown (no need to type them): {escape(lines)}.</i>")
        note.setWordWrap(True)
        return note

    def _preferences_page(self) -> QWidget:
        prefs = (self._base.preferences if self._base else Preferences()).to_json()
        self.preference_edits: dict[str, QPlainTextEdit] = {}
        page = QWidget()
        form = QFormLayout(page)
        form.addRow(QLabel("<h3>How the person prefers to be supported</h3>"))
        for key, label in PREFERENCE_LABELS.items():
            edit = QPlainTextEdit(prefs.get(key, ""))
            edit.setAccessibleName(label)
            edit.setTabChangesFocus(True)
            edit.setMaximumHeight(80)
            edit.textChanged.connect(self._on_edit)
            self.preference_edits[key] = edit
            form.addRow(label, edit)
        return page

    def _check_page(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.co_produced = QComboBox()
        self.co_produced.setAccessibleName("Written with the person?")
        # No answer is pre-selected: the record must say what happened at this sitting, not what happened last time.
        for label, value in CO_PRODUCTION:
            self.co_produced.addItem(label, value)
        self.co_produced.currentIndexChanged.connect(self._on_edit)
        self.shared_with = QLineEdit("; ".join(self._base.shared_with) if self._base else "")
        self.shared_with.setAccessibleName("Shared with")
        self.shared_with.setPlaceholderText("Who the person agrees may have a copy, separated by ;")
        self.shared_with.textChanged.connect(self._on_edit)
        self.share_agreed = QCheckBox("The person &agreed to share this version with the people listed")
        self.share_agreed.toggled.connect(self._on_edit)
        self.present = QLineEdit()
        self.present.setAccessibleName("Who was present")
        self.present.setPlaceholderText("e.g. the person, their sister Amy, care coordinator")
        self.present.textChanged.connect(self._on_edit)
        self.summary = QPlainTextEdit()
        self.summary.setAccessibleName("What changed and why")
        self.summary.setPlaceholderText("In a line or two: what changed and why (required)")
        self.summary.setTabChangesFocus(True)
        self.summary.setMaximumHeight(70)
        self.summary.textChanged.connect(self._on_edit)
        self.review = QTextBrowser()
        self.review.setAccessibleName("Changes and prompts")
        form.addRow(QLabel(f"<b>{escape(self._person_name)}</b>: check the changes, then save (Ctrl+S)."))
        written = QLabel("&Written with the person?")
        written.setBuddy(self.co_produced)
        form.addRow(written, self.co_produced)
        form.addRow("Who was present", self.present)
        form.addRow("Shared with", self.shared_with)
        form.addRow(self.share_agreed)
        form.addRow("What changed and why", self.summary)
        form.addRow(self.review)
        return page

    def show_page(self, index: int) -> None:
        self.pages.setCurrentIndex(index)
        current = self.page_list.model().index(index, 0)
        if self.page_list.currentIndex() != current:
            self.page_list.selectionModel().setCurrentIndex(current, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self.line_buttons.setVisible(index < len(Step))
        self.next_button.setEnabled(index < CHECK_PAGE)
        if index == CHECK_PAGE:
            self.review.setHtml(self.review_html())
            self.summary.setFocus()
        elif index < len(Step):
            self.section_views[Step(index + 1)].setFocus()

    # -- lines --------------------------------------------------------------------------------------

    def _current_step(self) -> Step | None:
        index = self.pages.currentIndex()
        return Step(index + 1) if index < len(Step) else None

    def add_line(self) -> None:
        step = self._current_step()
        if step is None:
            return
        row = self.section_models[step].add_row()
        view = self.section_views[step]
        view.setCurrentIndex(self.section_models[step].index(row, 0))
        view.setFocus()
        view.edit(view.currentIndex())

    def remove_line(self) -> None:
        step = self._current_step()
        if step is not None:
            self.section_models[step].remove_row(self.section_views[step].currentIndex().row())

    def _move(self, delta: int) -> None:
        step = self._current_step()
        if step is None:
            return
        view = self.section_views[step]
        row = self.section_models[step].move_row(view.currentIndex().row(), delta)
        view.setCurrentIndex(self.section_models[step].index(row, view.currentIndex().column()))

    # -- what is being saved ------------------------------------------------------------------------

    def sections(self) -> dict[Step, list[PlanItem]]:
        return {step: model.items() for step, model in self.section_models.items()}

    def preferences(self) -> Preferences:
        return Preferences(**{key: edit.toPlainText().strip() for key, edit in self.preference_edits.items()})

    def changes(self) -> list[object]:
        return list(plan_changes(self._base, self.sections(), self.preferences()))

    def review_html(self) -> str:
        changes = plan_changes(self._base, self.sections(), self.preferences())
        parts = ["<h3>What changes</h3>"]
        if not changes:
            parts.append("<p>Nothing has changed yet.</p>")
        for change in changes:
            lines = [f"<li>Added: {escape(a)}</li>" for a in change.added]
            lines += [f"<li>Removed: {escape(r)}</li>" for r in change.removed]
            if change.reordered:
                order = " · ".join(f"{n}. {escape(x)}" for n, x in enumerate(change.reordered, 1))
                lines.append(f"<li>Order now: {order}</li>")
            parts.append(f"<p><b>{escape(change.title)}</b></p><ul>{''.join(lines)}</ul>")
        prompts = quality_prompts(self.sections(), co_produced=self.co_produced.currentData() == "yes")
        parts.append("<h3>Worth checking before you save</h3>")
        parts.append(
            "<ul>" + "".join(f"<li>{escape(p.text)}</li>" for p in prompts) + "</ul>"
            if prompts
            else "<p>These checks found no gaps. They cannot tell whether the plan is in the person's own words.</p>"
        )
        return "".join(parts)

    def _on_edit(self, *_: object) -> None:
        self.typed()
        if self.pages.currentIndex() == CHECK_PAGE:
            self.review.setHtml(self.review_html())

    def sharing(self) -> list[str]:
        return [s.strip() for s in self.shared_with.text().split(";") if s.strip()]

    def has_unsaved_text(self) -> bool:
        return not self._finished and (
            bool(self.changes()) or bool(self.summary.toPlainText().strip()) or bool(self.present.text().strip())
        )

    def typed_text(self) -> list[str]:
        return [self.summary.toPlainText(), self.present.text(), *(str(c) for c in self.changes())]

    # -- form draft ---------------------------------------------------------------------------------

    def _base_id(self) -> str | None:
        return str(self._base.id) if self._base else None

    def draft_fields(self) -> dict[str, Any]:
        return {
            "base_revision_id": self._base_id(),
            "sections": {str(int(step)): model.rows() for step, model in self.section_models.items()},
            "preferences": {key: edit.toPlainText() for key, edit in self.preference_edits.items()},
            "co_produced": self.co_produced.currentData(),
            "present": self.present.text(),
            "shared_with": self.shared_with.text(),
            "share_agreed": self.share_agreed.isChecked(),
            "summary": self.summary.toPlainText(),
        }

    def restore_fields(self, fields: dict[str, Any]) -> None:
        for key, rows in dict(fields.get("sections", {})).items():
            if key.isdigit() and int(key) in {int(s) for s in Step}:
                self.section_models[Step(int(key))].set_rows(rows)
        for key, text in dict(fields.get("preferences", {})).items():
            if key in self.preference_edits:
                self.preference_edits[key].setPlainText(str(text))
        index = self.co_produced.findData(fields.get("co_produced"))
        self.co_produced.setCurrentIndex(max(index, 0))
        self.present.setText(str(fields.get("present", "")))
        self.shared_with.setText(str(fields.get("shared_with", "")))
        self.share_agreed.setChecked(bool(fields.get("share_agreed")))
        self.summary.setPlainText(str(fields.get("summary", "")))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not isinstance(self.focusWidget(), QPushButton):
            return  # a line is finished by its own editor; the plan is saved only by Ctrl+S or the button
        super().keyPressEvent(event)

    def _refuse(self, message: str, focus: QWidget) -> None:
        self.show_page(CHECK_PAGE)
        focus.setFocus()
        QMessageBox.warning(self, "Plan not saved yet", message)

    def save(self) -> None:
        if self.saving.active:
            return
        if self.pages.currentIndex() != CHECK_PAGE:
            self.show_page(CHECK_PAGE)  # saving always passes through the changes and the prompts
            return
        unnamed = unnamed_lines(self.sections())
        if unnamed:
            QMessageBox.warning(self, "Plan not saved yet", "; ".join(unnamed) + ". Add who it is, or remove the line.")
            return
        if not self.changes() and self.sharing() == list(self._base.shared_with if self._base else ()):
            QMessageBox.information(
                self, "Nothing to save", "Nothing in the plan has changed, so there is no new version to save."
            )
            return
        if not self.summary.toPlainText().strip():
            self._refuse(
                "What changed and why: say in a line what changed, so the history explains itself.", self.summary
            )
            return
        written = self.co_produced.currentData()
        if written is None:
            self._refuse("Written with the person?: choose what happened at this sitting.", self.co_produced)
            return
        if self.sharing() and not self.share_agreed.isChecked():
            self._refuse(
                "Shared with: confirm the person agreed to share this version with the people listed, "
                "or remove those they did not agree to.",
                self.share_agreed,
            )
            return
        lines = [self.summary.toPlainText().strip(), f"Written with the person: {self.co_produced.currentText()}"]
        draft = PlanDraft(
            person_id=self._person_id,
            base_revision_id=self._base.id if self._base else None,
            sections=self.sections(),
            preferences=self.preferences(),
            co_produced=written == "yes",
            shared_with=self.sharing(),
            change_summary="\n".join(lines),
            present=self.present.text().strip() or None,
        )
        plans = self._workspace.plans
        # Explained if it fails; the editor keeps everything as typed.
        self.saving.run("Safety plan", lambda: plans.revise(draft), persons=[self._person_id], succeeded=self._done)

    def _done(self, revision: PlanRevision) -> None:
        self.saved.emit(revision)
        self.accept()  # the record holds it now: the form draft goes
