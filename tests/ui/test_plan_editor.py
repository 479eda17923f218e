"""A worker writes a new safety-plan revision from the plan in force (issue 9): by keyboard, with the changes
and quality prompts shown before saving; saving adds a version and never overwrites the one before."""

from PySide6.QtCore import Qt, QThreadPool, QUrl
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QMessageBox

from app.safety_plans import Step
from ui.operations import StoreOps
from ui.plan_editor import CHECK_PAGE, PlanEditor


def _editor(qtbot, workspace, person_id):
    editor = PlanEditor(workspace, person_id, "Test person", ops=StoreOps(QThreadPool.globalInstance()))
    # Closing at teardown must not wait on a real "discard?" question the test did not answer.
    qtbot.addWidget(editor, before_close_func=lambda e: setattr(e, "_finished", True))
    editor.show()
    editor.activateWindow()
    qtbot.waitUntil(editor.isActiveWindow)  # window shortcuts (mnemonics, Ctrl+S) answer only when active
    return editor


def _type_line(qtbot, editor, step: Step, text: str) -> None:
    model = editor.section_models[step]
    rows = model.rowCount()
    qtbot.keyClick(editor, Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)  # &Add a line, editing its first cell
    # A mnemonic press animates the button, so the click lands a moment later.
    qtbot.waitUntil(lambda: model.rowCount() == rows + 1 and isinstance(QApplication.focusWidget(), QLineEdit))
    qtbot.keyClicks(QApplication.focusWidget(), text)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: [i.text for i in model.items()][-1:] == [text])


def test_a_new_revision_written_by_keyboard_keeps_the_old_one(qtbot, workspace, monkeypatch) -> None:
    person = workspace.caseload.rows()[0].person_id
    before = workspace.plans.current(person)
    count = len(workspace.plans.revisions(person))
    editor = _editor(qtbot, workspace, person)
    assert "based on version" in editor.based_on.text()

    qtbot.keyClick(editor, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)
    _type_line(qtbot, editor, Step.WARNING_SIGNS, "Missing meals")
    assert editor.section_models[Step.WARNING_SIGNS].items()[-1].text == "Missing meals"

    # Return after finishing a line never saves, and Ctrl+S away from the check page only goes to it.
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a: warnings.append(text))
    view = editor.section_views[Step.WARNING_SIGNS]
    qtbot.keyClick(view, Qt.Key.Key_Return)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert editor.pages.currentIndex() == 0 and editor.isVisible() and not warnings
    qtbot.keyClick(editor, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert editor.pages.currentIndex() == CHECK_PAGE and not warnings
    assert "Added: Missing meals" in editor.review.toPlainText()
    assert len(workspace.plans.revisions(person)) == count

    # On the check page each missing answer is named; nothing is lost.
    qtbot.keyClick(editor, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert "What changed and why" in warnings[-1]
    qtbot.keyClicks(editor.summary, "Added missing meals as a warning sign, agreed with her today")
    qtbot.keyClick(editor, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert "Written with the person?" in warnings[-1], "co-production is never assumed"
    editor.co_produced.setCurrentIndex(editor.co_produced.findData("yes"))
    qtbot.keyClicks(editor.present, "The person and her care coordinator")
    if editor.sharing():
        qtbot.keyClick(editor, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
        assert "Shared with" in warnings[-1], "sharing carried forward needs the person's agreement again"
        editor.share_agreed.setChecked(True)
    with qtbot.waitSignal(editor.saved, timeout=5_000) as saved:
        qtbot.keyClick(editor, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    revision = saved.args[0]
    assert revision.parent_ids == (before.id,)
    assert revision.co_produced
    assert workspace.plans.current(person).id == revision.id
    assert len(workspace.plans.revisions(person)) == count + 1
    assert workspace.plans.revisions(person)[-2].id == before.id, "the earlier version is kept as it was"
    assert any(i.text == "Missing meals" for i in revision.section(Step.WARNING_SIGNS).items)
    assert revision.present == "The person and her care coordinator", "who was present is a field of its own"
    assert "Present:" not in revision.change_summary and "care coordinator" not in revision.change_summary
    assert "Written with the person: Yes" in revision.change_summary


def test_not_written_with_the_person_is_recorded_as_such(qtbot, workspace) -> None:
    person = workspace.caseload.rows()[1].person_id
    editor = _editor(qtbot, workspace, person)
    editor.section_models[Step.STAFF_ACTIONS].add_row()
    editor.section_models[Step.STAFF_ACTIONS].setData(editor.section_models[Step.STAFF_ACTIONS].index(0, 0), "Call Fri")
    editor.show_page(CHECK_PAGE)
    editor.summary.setPlainText("Team meeting agreed a Friday call; she was in hospital and could not take part")
    editor.co_produced.setCurrentIndex(editor.co_produced.findData("no"))
    assert "not marked as written with the person" in editor.review.toPlainText()
    editor.shared_with.clear()
    with qtbot.waitSignal(editor.saved, timeout=5_000) as saved:
        editor.save()
    assert saved.args[0].co_produced is False and saved.args[0].shared_with == ()
    assert "Written with the person: No" in saved.args[0].change_summary


def test_a_number_without_a_name_is_refused_and_kept(qtbot, workspace, monkeypatch) -> None:
    person = workspace.caseload.rows()[0].person_id
    editor = _editor(qtbot, workspace, person)
    model = editor.section_models[Step.HELP_PEOPLE]
    row = model.add_row()
    model.setData(model.index(row, 1), "07700 900999")
    assert editor.has_unsaved_text(), "a number typed alone still counts as typed"
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a: warnings.append(text))
    editor.show_page(CHECK_PAGE)
    editor.save()
    assert warnings and "07700 900999 has no name" in warnings[0]
    assert model.items()[-1].phone == "07700 900999"


def test_step_5_shows_the_national_lines_added_for_the_persons_nation(qtbot, workspace) -> None:
    from app.persons import Nation

    person = workspace.caseload.rows()[0].person_id
    editor = PlanEditor(
        workspace, person, "Test person", nation=Nation.SCOTLAND, ops=StoreOps(QThreadPool.globalInstance())
    )
    qtbot.addWidget(editor, before_close_func=lambda e: setattr(e, "_finished", True))
    editor.show_page(int(Step.PROFESSIONALS) - 1)
    text = " ".join(label.text() for label in editor.pages.currentWidget().findChildren(QLabel))
    assert "Added automatically" in text and "Breathing Space" in text and "Lifeline" not in text


def test_the_check_page_prompts_what_a_reviewer_would_ask(qtbot, workspace) -> None:
    person = workspace.caseload.rows()[0].person_id
    editor = _editor(qtbot, workspace, person)
    editor.show_page(int(Step.SAFE_ENVIRONMENT) - 1)
    model = editor.section_models[Step.SAFE_ENVIRONMENT]
    while model.rowCount():
        model.remove_row(0)
    editor.show_page(CHECK_PAGE)
    text = editor.review.toPlainText()
    assert "Removed:" in text
    assert "making the surroundings safer" in text


def test_cancel_with_changes_asks_and_keeps_the_plan_in_force(qtbot, workspace, monkeypatch) -> None:
    person = workspace.caseload.rows()[0].person_id
    head = workspace.plans.current(person).id
    editor = _editor(qtbot, workspace, person)
    editor.section_models[Step.REASONS_FOR_LIVING].add_row()
    editor.section_models[Step.REASONS_FOR_LIVING].setData(
        editor.section_models[Step.REASONS_FOR_LIVING].index(0, 0), "My dog"
    )
    asked: list[str] = []
    monkeypatch.setattr(
        QMessageBox, "question", lambda _p, _t, text, *a: asked.append(text) or QMessageBox.StandardButton.Cancel
    )
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    assert asked and editor.isVisible(), "typed changes are never thrown away without asking"
    assert workspace.plans.current(person).id == head


def test_lines_move_in_order_for_who_to_contact_first(qtbot, workspace) -> None:
    person = workspace.caseload.rows()[0].person_id
    editor = _editor(qtbot, workspace, person)
    model = editor.section_models[Step.ESCALATION_STEPS]
    names = [i.text for i in model.items()]
    if len(names) < 2:
        model.add_row()
        model.setData(model.index(model.rowCount() - 1, 0), "Crisis team")
        names = [i.text for i in model.items()]
    editor.show_page(int(Step.ESCALATION_STEPS) - 1)
    view = editor.section_views[Step.ESCALATION_STEPS]
    view.setCurrentIndex(model.index(1, 0))
    qtbot.keyClick(editor, Qt.Key.Key_U, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: [i.text for i in model.items()][:2] == [names[1], names[0]])


def test_ctrl_p_opens_the_editor_for_the_open_person(qtbot, window) -> None:
    window.open_person(window.model.row_at(0).person_id)
    qtbot.keyClick(window, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: any(isinstance(d, PlanEditor) for d in window.person_panel.dialogs))
    editor = next(d for d in window.person_panel.dialogs if isinstance(d, PlanEditor))
    editor._finished = True  # nothing typed; close without asking
    editor.reject()


def test_the_plan_itself_links_to_the_editor(qtbot, window) -> None:
    window.open_person(window.model.row_at(0).person_id)
    assert "Edit (Ctrl+P)" in window.plan_view.toPlainText()
    window.plan_view.anchorClicked.emit(QUrl("edit-plan:"))
    qtbot.waitUntil(lambda: any(isinstance(d, PlanEditor) for d in window.person_panel.dialogs))


def test_every_control_on_every_page_has_a_name_a_screen_reader_can_say(qtbot, workspace) -> None:
    from tests.ui.test_accessibility import _unnamed

    editor = _editor(qtbot, workspace, workspace.caseload.rows()[0].person_id)
    for page in range(CHECK_PAGE + 1):
        editor.show_page(page)
        assert _unnamed(editor) == [], f"page {page}"
