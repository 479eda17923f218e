"""A duty worker found the person's own phone number only in the missed-contact banner, after recording a miss
(a new user's overnight review, finding 3). It is at the top of the person view from the moment they are
opened, in their preferred order, with the same one-click Copy the plan's contacts have."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtGui import QGuiApplication

from app.persons import Channel, ContactMethod
from ui.person_panel import reach_html


def test_the_persons_own_number_is_at_the_top_with_copy_before_any_miss(qtbot, window, workspace) -> None:
    row = next(
        window.model.row_at(i)
        for i in range(window.model.rowCount())
        if not window.model.row_at(i).open_episodes
        and any(
            m.channel is Channel.PHONE
            for m in workspace.caseload.person(window.model.row_at(i).person_id).contact_methods
        )
    )
    person = workspace.caseload.person(row.person_id)
    window.open_person(person.id)
    panel = window.person_panel
    phone = next(m.value for m in person.contact_methods if m.channel is Channel.PHONE)
    assert panel.reach.isVisible() and not panel.banner.isVisible(), "no miss recorded: the banner is not up"
    assert phone in panel.reach.text() and f"To reach {person.preferred_name}" in panel.reach.text()
    layout = panel.layout()
    assert layout.indexOf(panel.reach) < layout.indexOf(panel.tabs), "above the plan and the notes"
    panel.reach.linkActivated.emit(f"copy:{phone}")
    assert QGuiApplication.clipboard().text() == phone
    assert panel.plan_view.copy_feedback.text().startswith(f"Copied {phone}")
    window.lock_full()
    assert not panel.reach.isVisible() and panel.reach.text() == ""


def test_their_order_is_kept_and_a_third_party_only_with_their_agreement(workspace) -> None:
    person = workspace.caseload.person(workspace.caseload.rows()[0].person_id)
    methods = (
        ContactMethod(Channel.TEXT, "07700 900001"),
        ContactMethod(Channel.PHONE, "07700 900002", safe_to_leave_message=True),
        ContactMethod(Channel.THIRD_PARTY, "07700 900003", via="Dee (sister)", consented=False),
    )
    html = reach_html(replace(person, contact_methods=methods, support_network=()))
    assert html.index("07700 900001") < html.index("07700 900002")
    assert "Text: <b>07700 900001</b> <a href='copy:07700 900001'>Copy</a>" in html
    assert "(safe to leave a message)" in html
    assert "07700 900003" not in html, "not without the person's agreement"
    none = reach_html(replace(person, contact_methods=(), support_network=()))
    assert "No preferred contact method is recorded" in none
