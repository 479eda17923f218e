"""Merge two versions of a safety plan written on different laptops, section by section.

Each section shows the version both started from, the version in force and the other version, with the
lines each added marked; the clinician chooses what the merged plan keeps (a section changed on one side
only is proposed from that side, one changed on both waits for a decision) and may adjust the result. There
is no "keep mine" or "keep theirs" for the whole plan: every section's choice is explicit, the check page
lists them all, and the merge revision records them. Both versions stay in the plan's history. The merge
is saved on the store's write queue (ui/saving.py), as every other dialog's save, never on the UI thread.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QPersistentModelIndex, QStringListModel, Qt, Signal
from PySide6.QtGui import QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListView,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QStackedWidget,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.plan_conflicts import (
    CHOICE_WORDS,
    Choice,
    MergeDraft,
    PlanConflict,
    SectionDecision,
    SectionKey,
    SectionMerge,
    sections,
)
from app.plan_diff import describe
from app.safety_plans import PlanItem, PlanRevision, Step
from app.workspace import Workspace
from ui.operations import StoreOps
from ui.plan_conflict_banner import who
from ui.plan_editor import CO_PRODUCTION, SHORT_TITLES
from ui.plan_section_model import PlanSectionModel
from ui.saving import Saving

_Index = QModelIndex | QPersistentModelIndex


class ComparedSectionModel(PlanSectionModel):
    """One side of a section, read-only, with the lines that differ from the other sides marked in words
    (screen readers) and in bold (sight), never by colour alone."""

    def __init__(self, items: tuple[PlanItem, ...], marked: set[str], mark_words: str, parent: object = None) -> None:
        super().__init__(items, parent)
        self._marked = [describe(i) in marked for i in items]
        self._mark_words = mark_words

    def flags(self, index: _Index) -> Qt.ItemFlag:
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable if index.isValid() else Qt.ItemFlag.NoItemFlags

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        marked = self._marked[index.row()]
        if role == Qt.ItemDataRole.FontRole and marked:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.DisplayRole and marked and index.column() == 0:
            return f"{self._mark_words.upper()}: {super().data(index, role)}"
        if role == Qt.ItemDataRole.AccessibleTextRole and marked:
            return f"{super().data(index, role)}, {self._mark_words}"
        return super().data(index, role)


class PlanMergeDialog(QDialog):
    saved = Signal(object)  # PlanRevision

    def __init__(
        self,
        workspace: Workspace,
        conflict: PlanConflict,
        person_name: str,
        parent: QWidget | None = None,
        *,
        ops: StoreOps,
    ) -> None:
        super().__init__(parent)
        self._workspace = workspace
        self.saving = Saving(self, ops)
        self._conflict = conflict
        self._merges = sections(conflict)
        self._choices: dict[SectionKey, Choice | None] = {m.key: m.proposed for m in self._merges}
        self._results: dict[SectionKey, PlanSectionModel] = {}
        # One row of choices for every section page, so each mnemonic is unique in the window.
        self.choice_group = QButtonGroup(self)
        self.choice_buttons: dict[Choice, QRadioButton] = {}
        choices = QHBoxLayout()
        choices.addWidget(QLabel("<b>This section:</b>"))
        for choice, text in (
            (Choice.IN_FORCE, "Keep the &version in force"),
            (Choice.OTHER, "Take the &other version"),
            (Choice.BOTH, "Keep &both (lines in force first, then the other's new lines)"),
        ):
            radio = QRadioButton(text)
            self.choice_group.addButton(radio)
            radio.toggled.connect(lambda on, c=choice: on and self._chosen(c))
            self.choice_buttons[choice] = radio
            choices.addWidget(radio)
        choices.addStretch(1)
        self.choice_row = QWidget()
        self.choice_row.setLayout(choices)
        self._saved = False
        authors = workspace.staff_names()
        self.in_force_words = who(conflict.in_force, authors, workspace.actor.device_id, workspace.actor.staff_id)
        self.other_words = who(conflict.other, authors, workspace.actor.device_id, workspace.actor.staff_id)
        self.setWindowTitle(f"Merge two versions of the safety plan — {person_name}")
        intro = QLabel(
            f"<b>Two versions of {escape(person_name)}'s safety plan were written on different laptops</b> from "
            "the same earlier version. The version in force (it reached the server first) stays in force until "
            "you save this merge. For each section choose what the merged plan keeps; both versions stay in the "
            "plan's history whatever you choose.<br>"
            f"<b>In force:</b> {escape(self.in_force_words)} · <b>Other version:</b> {escape(self.other_words)}"
        )
        intro.setWordWrap(True)

        self.section_list = QListView()
        self.section_list.setAccessibleName("Sections to merge")
        self.section_list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.section_list.setMinimumWidth(300)
        self.section_list.setMaximumWidth(340)
        self._list_model = QStringListModel(self)
        self.section_list.setModel(self._list_model)
        self.pages = QStackedWidget()
        for merge in self._merges:
            self.pages.addWidget(self._section_page(merge))
        self.pages.addWidget(self._check_page())
        self._refresh_list()
        self.section_list.selectionModel().currentChanged.connect(lambda cur, _prev: self.show_page(cur.row()))

        self.buttons = QDialogButtonBox()
        self.save_button = self.buttons.addButton("&Save merged plan", QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setToolTip("Writes a new version naming both as its parents (Ctrl+S), from the check page.")
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.next_button = QPushButton("&Next section")
        self.next_button.clicked.connect(self.next_page)
        self.buttons.addButton(self.next_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        for button in self.findChildren(QPushButton):
            button.setAutoDefault(False)
            button.setDefault(False)
        QShortcut(QKeySequence("Ctrl+S"), self, activated=self.save)

        body = QHBoxLayout()
        body.addWidget(self.section_list)
        body.addWidget(self.pages, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(body, 1)
        layout.addWidget(self.choice_row)
        # While the merge is saving, its choices and buttons wait; every choice stays as made.
        self.saving.hold(self.section_list, self.pages, self.choice_row, self.buttons)
        layout.addWidget(self.saving.label)
        layout.addWidget(self.buttons)
        self.resize(1280, 700)
        first_to_decide = next((n for n, m in enumerate(self._merges) if m.proposed is None), 0)
        self.show_page(first_to_decide)

    # -- pages --------------------------------------------------------------------------------------

    def _section_page(self, merge: SectionMerge) -> QWidget:
        base = {describe(i) for i in merge.base}
        in_force = {describe(i) for i in merge.in_force}
        other = {describe(i) for i in merge.other}
        tables = QGridLayout()
        columns = (
            ("Before either change (the version both started from)", merge.base, base - (in_force & other), "gone"),
            (f"In force — {self.in_force_words}", merge.in_force, in_force - base, "added here"),
            (f"Other version — {self.other_words}", merge.other, other - base, "added here"),
        )
        for column, (title, items, marked, words) in enumerate(columns):
            label = QLabel(f"<b>{escape(title)}</b>")
            label.setWordWrap(True)
            view = self._table(ComparedSectionModel(items, marked, words, self), f"{merge.title}: {title}")
            tables.addWidget(label, 0, column)
            tables.addWidget(view, 1, column)
        if merge.changed_in_force and merge.changed_in_other and merge.differs:
            state = "<b>Changed in both versions: choose what the merged plan keeps.</b>"
        elif merge.differs:
            side = "the version in force" if merge.changed_in_force else "the other version"
            state = f"Changed only in {side}: its lines are proposed. Check them."
        else:
            state = "The same in both versions."

        result = PlanSectionModel(merge.result(self._choices[merge.key]) if self._choices[merge.key] else (), self)
        self._results[merge.key] = result
        result_view = self._table(result, f"{merge.title}: merged result")
        result_view.setEditTriggers(
            QAbstractItemView.EditTrigger.AnyKeyPressed
            | QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
        )

        page = QWidget()
        layout = QVBoxLayout(page)
        title = QLabel(f"<h3>{escape(merge.title)}</h3><p>{state}</p>")
        title.setWordWrap(True)
        layout.addWidget(title)
        layout.addLayout(tables, 2)
        layout.addWidget(QLabel("<b>The merged plan will say</b> (you may still correct a line here):"))
        layout.addWidget(result_view, 1)
        return page

    @staticmethod
    def _table(model: PlanSectionModel, name: str) -> QTableView:
        view = QTableView()
        view.setModel(model)
        view.setAccessibleName(name)
        view.setTabKeyNavigation(False)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        view.verticalHeader().setVisible(False)
        header = view.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        return view

    def _check_page(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.review = QTextBrowser()
        self.review.setAccessibleName("What the merge keeps, section by section")
        self.co_produced = QComboBox()
        self.co_produced.setAccessibleName("Written with the person?")
        for label, value in CO_PRODUCTION:
            self.co_produced.addItem(label, value)
        self.shared_with = QLineEdit("; ".join(self._conflict.in_force.shared_with))
        self.shared_with.setAccessibleName("Shared with")
        self.share_agreed = QCheckBox("The person &agreed to share the merged plan with the people listed")
        self.reason = QPlainTextEdit()
        self.reason.setAccessibleName("What was decided and why")
        self.reason.setPlaceholderText("In a line or two: what was decided and why, and with whom (required)")
        self.reason.setTabChangesFocus(True)
        self.reason.setMaximumHeight(70)
        other_sharing = "; ".join(self._conflict.other.shared_with)
        form.addRow(QLabel("<h3>Check and save the merged plan</h3>"))
        form.addRow(self.review)
        written = QLabel("&Written with the person?")
        written.setBuddy(self.co_produced)
        form.addRow(written, self.co_produced)
        form.addRow("Shared with", self.shared_with)
        if other_sharing != self.shared_with.text():
            form.addRow("", QLabel(f"<i>The other version was shared with: {escape(other_sharing or 'nobody')}</i>"))
        form.addRow(self.share_agreed)
        why = QLabel("What was decided and &why")
        why.setBuddy(self.reason)
        form.addRow(why, self.reason)
        return page

    def _refresh_list(self) -> None:
        rows = []
        for merge in self._merges:
            choice = self._choices[merge.key]
            if choice is None:
                mark = "decide"
            elif not merge.differs:
                mark = "same in both"
            else:
                mark = CHOICE_WORDS[choice]
            rows.append(f"{self._short(merge)} — {mark}")
        rows.append("Check and save")
        current = self.section_list.currentIndex().row()
        self._list_model.setStringList(rows)
        if current >= 0:
            self.section_list.setCurrentIndex(self._list_model.index(current, 0))

    @staticmethod
    def _short(merge: SectionMerge) -> str:
        if isinstance(merge.key, Step):
            return f"{int(merge.key)}. {SHORT_TITLES[merge.key]}"
        return merge.title

    @property
    def check_page(self) -> int:
        return len(self._merges)

    def show_page(self, index: int) -> None:
        self.pages.setCurrentIndex(index)
        current = self._list_model.index(index, 0)
        if self.section_list.currentIndex() != current:
            self.section_list.selectionModel().setCurrentIndex(
                current, QItemSelectionModel.SelectionFlag.ClearAndSelect
            )
        self.next_button.setEnabled(index < self.check_page)
        self.choice_row.setVisible(index < self.check_page)
        if index < self.check_page:
            self._show_choice(self._choices[self._merges[index].key])
        if index == self.check_page:
            self.review.setHtml(self.review_html())
            self.reason.setFocus()

    def next_page(self) -> None:
        self.show_page(min(self.pages.currentIndex() + 1, self.check_page))

    # -- choosing -----------------------------------------------------------------------------------

    def _show_choice(self, choice: Choice | None) -> None:
        # Undecided shows no button checked, which an exclusive group cannot do.
        self.choice_group.setExclusive(False)
        for each, button in self.choice_buttons.items():
            button.blockSignals(True)
            button.setChecked(each is choice)
            button.blockSignals(False)
        self.choice_group.setExclusive(True)

    def _chosen(self, choice: Choice) -> None:
        index = self.pages.currentIndex()
        if index < self.check_page:
            self.choose(self._merges[index].key, choice)

    def choose(self, key: SectionKey, choice: Choice) -> None:
        merge = next(m for m in self._merges if m.key == key)
        self._choices[key] = choice
        self._results[key].set_items(merge.result(choice))
        if self.pages.currentIndex() < self.check_page and self._merges[self.pages.currentIndex()].key == key:
            self._show_choice(choice)
        self._refresh_list()

    def undecided(self) -> list[str]:
        return [m.title for m in self._merges if self._choices[m.key] is None]

    def decisions(self) -> dict[SectionKey, SectionDecision]:
        found = {}
        for merge in self._merges:
            choice = self._choices[merge.key]
            if choice is not None:
                found[merge.key] = SectionDecision(choice, tuple(self._results[merge.key].items()))
        return found

    def review_html(self) -> str:
        parts = []
        for merge in self._merges:
            choice = self._choices[merge.key]
            if choice is None:
                parts.append(f"<li><b>{escape(merge.title)}: not decided yet</b></li>")
                continue
            kept = [describe(i) for i in self._results[merge.key].items()]
            lines = "".join(f"<br>· {escape(x)}" for x in kept) or "<br>· (nothing)"
            words = CHOICE_WORDS[choice] if merge.differs else "same in both"
            parts.append(f"<li>{escape(merge.title)}: {escape(words)}{lines}</li>")
        return "<ul>" + "".join(parts) + "</ul>"

    def sharing(self) -> list[str]:
        return [s.strip() for s in self.shared_with.text().split(";") if s.strip()]

    def save(self) -> None:
        if self.saving.active:
            return  # already saving: a second Ctrl+S must not write the merge twice
        if self.pages.currentIndex() != self.check_page:
            self.show_page(self.check_page)  # saving always passes through the list of choices
            return
        undecided = self.undecided()
        if undecided:
            QMessageBox.warning(
                self, "Merge not saved yet", "Choose what the merged plan keeps in: " + "; ".join(undecided)
            )
            self.show_page(next(n for n, m in enumerate(self._merges) if self._choices[m.key] is None))
            return
        if not self.reason.toPlainText().strip():
            QMessageBox.warning(
                self, "Merge not saved yet", "What was decided and why: say in a line what you decided."
            )
            self.reason.setFocus()
            return
        written = self.co_produced.currentData()
        if written is None:
            QMessageBox.warning(self, "Merge not saved yet", "Written with the person?: choose what happened.")
            self.co_produced.setFocus()
            return
        if self.sharing() and not self.share_agreed.isChecked():
            QMessageBox.warning(
                self,
                "Merge not saved yet",
                "Shared with: confirm the person agreed to share the merged plan with the people listed, "
                "or remove those they did not agree to.",
            )
            self.share_agreed.setFocus()
            return
        draft = MergeDraft(
            self._conflict,
            self.decisions(),
            co_produced=written == "yes",
            shared_with=self.sharing(),
            reason=f"{self.reason.toPlainText().strip()} (written with the person: {self.co_produced.currentText()})",
        )
        service = self._workspace.plan_conflicts
        # A refusal is explained by the saving helper; every choice stays as made.
        person = self._conflict.person_id
        self.saving.run("Merged safety plan", lambda: service.merge(draft), persons=[person], succeeded=self._merged)

    def _merged(self, revision: PlanRevision) -> None:
        self._saved = True
        self.saved.emit(revision)
        self.accept()

    def reject(self) -> None:
        if self.saving.active:
            return  # the merge is being saved: it closes by itself once it has landed
        if not self._saved:
            answer = QMessageBox.question(
                self,
                "Leave without merging?",
                "Nothing is lost: both versions are kept and the version in force stays in force until a merge "
                "is saved. Leave the merge for now?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        self._saved = True
        super().reject()
