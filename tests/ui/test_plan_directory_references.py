"""HAZ-19 through the UI: on step 5 a local service is chosen from the directory and saved as a reference;
the plan view says which numbers are the directory's and which were typed by hand."""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from app.safety_plans import Step
from tests.ui.test_journeys import _dialog
from ui.plan_editor import CHECK_PAGE, PlanEditor


def test_a_local_service_chosen_from_the_directory_is_saved_as_a_reference(qtbot, window, workspace, monkeypatch):
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: None)
    row = window.model.row_at(0)
    qtbot.keyClicks(window.search_box, row.preferred_name)
    qtbot.keyClick(window.search_box, Qt.Key.Key_Return)
    pid = window.person_panel.person.id
    window.person_panel.edit_plan()
    editor = _dialog(window, PlanEditor)
    qtbot.waitUntil(editor.isActiveWindow)
    editor.show_page(int(Step.PROFESSIONALS) - 1)
    choice = editor.directory_choice
    choice.setCurrentIndex(choice.findData("moorland-crisis-team"))
    model = editor.section_models[Step.PROFESSIONALS]
    before = model.rowCount()
    qtbot.keyClick(editor, Qt.Key.Key_D, Qt.KeyboardModifier.AltModifier)  # Add from the &directory
    qtbot.waitUntil(lambda: model.rowCount() == before + 1)
    assert not model.flags(model.index(before, 1)) & Qt.ItemFlag.ItemIsEditable, "the directory's number, not a copy"
    # A service the directory does not hold is still typed by hand.
    typed = model.add_row()
    model.setData(model.index(typed, 0), "Drop-in café at the library")
    model.setData(model.index(typed, 1), "01632 123456")
    editor.show_page(CHECK_PAGE)
    qtbot.keyClicks(editor.summary, "Added the crisis team and the drop-in")
    editor.co_produced.setCurrentIndex(editor.co_produced.findData("yes"))
    qtbot.keyClicks(editor.present, "The person")
    if editor.sharing():
        editor.share_agreed.setChecked(True)
    with qtbot.waitSignal(editor.saved, timeout=5_000):
        editor.save()
    items = workspace.plans.current(pid).section(Step.PROFESSIONALS).items
    assert [i.directory_id for i in items[-2:]] == ["moorland-crisis-team", None]
    text = window.person_panel.plan_view.toPlainText()
    assert "Moorland crisis resolution and home treatment team" in text and "from the directory" in text
    assert "Drop-in café at the library — 01632 123456 Copy · typed by hand, not in the directory" in text
