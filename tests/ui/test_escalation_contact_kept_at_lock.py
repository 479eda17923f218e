"""A contact chosen in an escalation step's form and kept at a lock comes back as that contact, though the words
after it ("open now", "closed now — opens Tue 09:00") changed with the clock meanwhile; one no longer offered at
the step is said, never silently replaced by the step's first offer (the next action would name someone else)."""

from __future__ import annotations

from tests.ui.test_escalation_walk_as_it_happened import _open

MANAGER = "Eastmoor team duty manager: 01632 960102"


def test_the_contact_chosen_comes_back_though_its_opening_words_changed(qtbot, window, workspace, clock) -> None:
    view = _open(qtbot, window, workspace, clock)  # Wednesday 08:11: the team's manager is closed until 09:00
    shown = [view.contact.itemText(i) for i in range(view.contact.count())]
    assert f"{MANAGER} — closed now — opens Wed 09:00" in shown and not shown[0].startswith(MANAGER)
    # Kept at a lock drawn at 09:05, when the same line read "open now".
    view.restore_typed({"contact": f"{MANAGER} — open now", "who": "Jo"}, "Restored what you were typing.")
    assert view.contact.currentText().startswith(MANAGER)
    assert "choose again" not in view.arrived.text()


def test_a_contact_no_longer_offered_is_said_not_swapped(qtbot, window, workspace, clock) -> None:
    view = _open(qtbot, window, workspace, clock)
    view.restore_typed({"contact": "Westdale team duty manager: 01632 960112 — open now"}, "Restored.")
    said = view.arrived.text()
    assert said.startswith("Restored.")
    gone = "The contact chosen before (Westdale team duty manager: 01632 960112) is not offered at this step now"
    assert gone in said
    assert said.endswith("choose again.")
