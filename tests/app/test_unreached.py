"""Open escalations that reached nobody, as said at a lock and a quit (a new user's review): the lock screen
gets a count and the numbers to phone, never who; the quit question names the person briefly."""

import uuid
from dataclasses import replace

from app.escalations import ActionDraft, ActionKind, EscalationKind
from app.unreached import Unreached, lock_notice, quit_notice, reaching_nobody, short_name


def test_the_demo_welfare_check_reaching_nobody_is_found_with_its_number(workspace) -> None:
    (item,) = reaching_nobody(workspace.escalations, workspace.caseload.person)
    escalation = workspace.escalations.get(item.escalation_id)
    assert item.kind is EscalationKind.WELFARE_CHECK and escalation.is_open and not escalation.reached_anyone
    offer = workspace.escalations.phone_now(escalation)
    assert offer is not None and offer.open_now and offer.entry.first_number != "999"
    assert item.phone == f"{offer.entry.service}, {offer.entry.first_number}"
    person = workspace.caseload.person(escalation.person_id)
    assert item.short_name == f"{person.preferred_name.split()[0]} {person.family_name[0]}."


def test_reaching_someone_who_can_act_takes_it_off_the_list(workspace) -> None:
    (item,) = reaching_nobody(workspace.escalations, workspace.caseload.person)
    escalation = workspace.escalations.get(item.escalation_id)
    offer = workspace.escalations.phone_now(escalation)
    assert offer is not None
    draft = ActionDraft(escalation.walk.current.id, ActionKind.PHONED, reached=True, contact_id=offer.entry.id)
    workspace.escalations.record_action(escalation.id, draft)
    assert reaching_nobody(workspace.escalations, workspace.caseload.person) == []


def test_the_lock_notice_counts_by_kind_and_never_names_anyone() -> None:
    one = Unreached(uuid.uuid4(), EscalationKind.ESCALATION, "Alex P.", "Moorland crisis team, 01632 960200")
    assert lock_notice([one]) == (
        "1 open escalation has reached nobody yet: nobody has been told. Phone now: Moorland crisis team, 01632 960200."
    )
    check = Unreached(uuid.uuid4(), EscalationKind.WELFARE_CHECK, "Sam O.", "Moorland crisis team, 01632 960200")
    other = Unreached(uuid.uuid4(), EscalationKind.ESCALATION, "Jo K.", None)
    said = lock_notice([one, check, other])
    assert said is not None
    assert said.startswith("2 open escalations and 1 open welfare check have reached nobody yet")
    assert said.count("01632 960200") == 1, "each number once"
    assert not any(name in said for name in ("Alex", "Sam", "Jo "))
    assert lock_notice([]) is None


def test_the_quit_notice_names_each_briefly_with_its_number() -> None:
    one = Unreached(uuid.uuid4(), EscalationKind.ESCALATION, "Alex P.", "Moorland crisis team, 01632 960200")
    check = Unreached(uuid.uuid4(), EscalationKind.WELFARE_CHECK, "Sam O.", None)
    said = quit_notice([one, check])
    assert said is not None
    lines = said.splitlines()
    assert lines[0] == "An escalation for Alex P. has reached nobody yet. Phone Moorland crisis team, 01632 960200 now."
    assert lines[1] == "A welfare check for Sam O. has reached nobody yet."
    assert "Quitting tells nobody" in lines[2]
    assert quit_notice([]) is None


def test_a_short_name_is_the_first_name_and_an_initial(workspace) -> None:
    row = workspace.caseload.rows()[0]
    person = replace(workspace.caseload.person(row.person_id), preferred_name="Alex Pearce", family_name="Pearce")
    assert short_name(person) == "Alex P."
    assert short_name(replace(person, preferred_name="Lex")) == "Lex P."


def test_the_main_window_notice_names_each_with_since_when_and_the_day_once_a_night_has_passed() -> None:
    from datetime import UTC, datetime

    from app.unreached import main_notice

    now = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)  # 02:00 in London
    check = Unreached(
        uuid.uuid4(), EscalationKind.WELFARE_CHECK, "Sam O.", "Moorland crisis team, 01632 960200",
        uuid.uuid4(), datetime(2026, 12, 1, 16, 45, tzinfo=UTC),
    )  # fmt: skip
    one = Unreached(uuid.uuid4(), EscalationKind.ESCALATION, "Alex P.", None, uuid.uuid4(), now.replace(hour=1))
    assert main_notice([check], now) == (
        "The welfare check for Sam O., open since Tue 01 Dec 16:45, has reached nobody who can act yet. "
        "Nobody has been told. Phone now: Moorland crisis team, 01632 960200."
    )
    both = main_notice([check, one], now)
    assert both is not None and both.startswith(
        "2 open escalations and welfare checks have reached nobody who can act yet: the welfare check for Sam O., "
        "open since Tue 01 Dec 16:45; the escalation for Alex P., open since 01:00 today."
    )
    assert main_notice([], now) is None


def test_the_number_to_phone_now_is_an_open_service_before_999_and_999_when_alone(workspace, monkeypatch) -> None:
    """Everyone knows 999: the notice names the open service to phone (issue 15's mutation run found no test
    telling the two apart), and 999 only when it is the one open."""
    from types import SimpleNamespace

    from app.hours import Nation
    from tests.conftest import NOW

    (item,) = reaching_nobody(workspace.escalations, workspace.caseload.person)
    escalation = workspace.escalations.get(item.escalation_id)
    directory = workspace.config.directory
    nine = directory.offer("emergency-999", NOW, Nation.ENGLAND, "eastmoor")
    crisis = directory.offer("moorland-crisis-team", NOW, Nation.ENGLAND, "eastmoor")
    assert nine is not None and crisis is not None and nine.open_now and crisis.open_now
    steps = [SimpleNamespace(best=nine), SimpleNamespace(best=crisis)]
    monkeypatch.setattr(workspace.escalations, "call_now", lambda _e, _at=None: steps)
    offer = workspace.escalations.phone_now(escalation)
    assert offer is not None and offer.entry.id == "moorland-crisis-team"
    steps[:] = [SimpleNamespace(best=nine)]
    offer = workspace.escalations.phone_now(escalation)
    assert offer is not None and offer.entry.id == "emergency-999"
