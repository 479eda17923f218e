"""A closed service says when it next opens wherever it is offered: the crisis contacts pane (Ctrl+D), the lock
screen and an escalation step's Contact list. "Closed now" alone left a worker at 02:00 to work out from an
hours column, or from nothing at all on the lock screen, when the team's line could be rung again."""

from __future__ import annotations

from datetime import UTC, datetime

from app.hours import Nation
from tests.ui.test_escalation_walk_as_it_happened import _open
from ui.contacts_pane import ContactsPane
from ui.lock_screen import lock_screen_html

NIGHT = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)  # Wednesday, 02:00 in London
SATURDAY_NIGHT = datetime(2026, 12, 5, 23, 0, tzinfo=UTC)
DUTY = "Eastmoor team duty worker"
WESTDALE_DUTY = "Westdale team duty worker"
BEFORE_CHRISTMAS_EVE = datetime(2026, 12, 23, 18, 0, tzinfo=UTC)  # Eastmoor closes for Christmas Eve
WESTDALE_EARLY = datetime(2026, 12, 2, 8, 45, tzinfo=UTC)  # Westdale opens 08:30, Eastmoor 09:00


def _now_column(pane: ContactsPane, service: str) -> str:
    model = pane.model
    row = next(r for r in range(model.rowCount()) if model.index(r, 0).data() == service)
    return model.index(row, 2).data()


def test_the_contacts_pane_says_when_a_closed_line_opens(qtbot, workspace, clock) -> None:
    clock.set(NIGHT)
    pane = ContactsPane(workspace.config.directory, clock)
    qtbot.addWidget(pane)
    assert _now_column(pane, DUTY) == "Closed now — opens Wed 09:00"
    assert _now_column(pane, "Samaritans") == "Open now"
    clock.set(SATURDAY_NIGHT)
    pane.refresh()
    assert _now_column(pane, DUTY) == "Closed now — opens Mon 09:00"  # not tomorrow: Sunday is closed too


def test_each_teams_line_keeps_its_own_teams_hours_and_closure_days(qtbot, workspace, clock) -> None:
    """The pane and the lock screen offer lines with no person in mind: each team's line is still worked out on
    its own team's calendar (resources/hours/teams.toml), as the plan and the escalation window do."""
    clock.set(BEFORE_CHRISTMAS_EVE)
    pane = ContactsPane(workspace.config.directory, clock)
    qtbot.addWidget(pane)
    # Closed on the 24th, then Christmas Day, Boxing Day (a Saturday), the weekend and the substitute Monday.
    assert _now_column(pane, DUTY) == "Closed now — opens Tue 29 Dec 09:00"
    assert _now_column(pane, WESTDALE_DUTY) == "Closed now — opens Thu 08:30"
    html = lock_screen_html(workspace.config, clock, Nation.ENGLAND)
    assert "closed now — opens Tue 29 Dec 09:00" in html[html.index(DUTY) :].split("</li>")[0]
    clock.set(WESTDALE_EARLY)
    pane.refresh()
    assert _now_column(pane, WESTDALE_DUTY) == "Open now"
    assert _now_column(pane, DUTY) == "Closed now — opens Wed 09:00"
    clock.set(datetime(2026, 12, 24, 10, 0, tzinfo=UTC))  # a Thursday's working hours, but the team is closed
    pane.refresh()
    assert _now_column(pane, DUTY) == "Closed now — opens Tue 09:00"  # within the week: the day's name is enough


def test_the_lock_screen_says_when_a_closed_line_opens(workspace, clock) -> None:
    clock.set(NIGHT)
    html = lock_screen_html(workspace.config, clock, Nation.ENGLAND)
    duty = html[html.index(DUTY) :].split("</li>")[0]
    assert "closed now — opens Wed 09:00" in duty
    samaritans = html[html.index("Samaritans") :].split("</li>")[0]
    assert "closed now" not in samaritans


def test_an_escalation_step_offering_a_closed_line_says_when_it_opens(qtbot, window, workspace, clock) -> None:
    view = _open(qtbot, window, workspace, clock)  # Wednesday 08:11, out of hours
    offered = [view.contact.itemText(i) for i in range(view.contact.count())]
    assert "Eastmoor team duty manager: 01632 960102 — closed now — opens Wed 09:00" in offered
    assert "Moorland out-of-hours on-call manager: 01632 960300 — open now" in offered
    assert all("opens" in text for text in offered if "closed now" in text), offered


def test_the_lock_screen_follows_the_clock_while_locked(qtbot, window, clock) -> None:
    """A laptop locked at 08:50 and unlocked after nine must not have said all the while that the team's line
    is closed: the screen is worked out again each minute, with nothing typed in the passphrase lost."""
    clock.set(datetime(2026, 12, 2, 8, 50, tzinfo=UTC))  # Wednesday
    window.lock_ui()

    def line() -> str:
        return next(text for text in window.lock_screen.help.toPlainText().splitlines() if DUTY in text)

    assert "closed now — opens Wed 09:00" in line()
    window.lock_screen.passphrase.setText("correct horse")
    clock.set(datetime(2026, 12, 2, 9, 30, tzinfo=UTC))
    window._period_timer.timeout.emit()  # the minute's tick, as the clock would fire it
    assert "open now" in line() and "closed" not in line()
    assert window.lock_screen.passphrase.text() == "correct horse"
