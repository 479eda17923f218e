"""Who may see and write which person now (sync/server/scope.py), asked of the rule functions directly.

Read from the rules' meaning (sync-reference, DESIGN): an assignment, a cover or a break-glass opening holds a
person from the moment it starts until the moment it ends (the end itself is no longer held); a team lead reads
their team; an admin reads no one; a record written offline while the person was held is accepted for 14 days
after the hold ended, flagged; a person held several ways is shown once, by the strongest claim. The API
tests (test_authorisation.py, test_pull.py, test_scenarios.py…) check the same rules through the routes; these
pin each boundary, so mutation testing (tests/MUTANTS.md) finds a changed rule in seconds."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from sync.server import scope
from sync.server.models import Assignment, BreakGlass, Cover, CoverPerson, Person, User
from sync.server.scope import WriteDecision
from tests.conftest import NOW
from tests.sync.conftest import Org

HOUR = timedelta(hours=1)
SECOND = timedelta(seconds=1)
GRACE = timedelta(days=14)


@contextmanager
def _session(org: Org) -> Iterator[Session]:
    with org.admin.transaction() as session:
        yield session


def _user(session: Session, org: Org, name: str) -> User:
    user = session.get(User, org.users[name])
    assert user is not None
    return user


def _person(session: Session, org: Org, name: str) -> Person:
    person = session.get(Person, org.persons[name])
    assert person is not None
    return person


def _assign(org: Org, user: str, person: str, starts: datetime, ends: datetime | None) -> None:
    with _session(org) as session:
        session.add(
            Assignment(
                id=uuid.uuid4(),
                user_id=org.users[user],
                person_id=org.persons[person],
                role="lead",
                starts_at=starts,
                ends_at=ends,
            )
        )


def _cover(org: Org, user: str, starts: datetime, ends: datetime, *, team_of: str = "", persons: tuple = ()) -> None:
    with _session(org) as session:
        team_id = _person(session, org, team_of).team_id if team_of else None
        cover = Cover(id=uuid.uuid4(), user_id=org.users[user], team_id=team_id, starts_at=starts, ends_at=ends)
        session.add(cover)
        session.flush()
        for name in persons:
            session.add(CoverPerson(cover_id=cover.id, person_id=org.persons[name]))


def _glass(org: Org, user: str, person: str, granted: datetime, ends: datetime) -> None:
    device = org.device(user).device_id
    with _session(org) as session:
        session.add(
            BreakGlass(
                id=uuid.uuid4(),
                user_id=org.users[user],
                device_id=device,
                person_id=org.persons[person],
                reason="out of hours call from the person's neighbour",
                granted_at=granted,
                ends_at=ends,
            )
        )


def _held(org: Org, user: str, at: datetime) -> set[str]:
    names = {v: k for k, v in org.persons.items()}
    with _session(org) as session:
        return {names[p] for p in scope.held_now_ids(session, _user(session, org, user), at)}


def _visible(org: Org, user: str, at: datetime) -> set[str]:
    names = {v: k for k, v in org.persons.items()}
    with _session(org) as session:
        who = _user(session, org, user)
        seen = {names[p] for p in scope.visible_ids(session, who, at)}
        # may_read answers the same, person by person, for everyone on the server.
        assert {name for name, pid in org.persons.items() if scope.may_read(session, who, pid, at)} == seen
        return seen


def _unheld(org: Org, user: str, person: str, at: datetime) -> bool:
    with _session(org) as session:
        return scope.holds_without_break_glass(session, _user(session, org, user), org.persons[person], at)


def _ever(org: Org, user: str, person: str, at: datetime) -> bool:
    with _session(org) as session:
        found = _person(session, org, person)
        return scope.ever_held(session, _user(session, org, user), found.id, at, found)


def test_an_assignment_holds_from_its_start_up_to_but_not_at_its_end(org: Org) -> None:
    # build_org assigned alice to pa an hour before NOW, open-ended.
    assert _held(org, "alice", NOW) == {"pa"}
    assert _held(org, "alice", NOW - HOUR) == {"pa"}
    assert _held(org, "alice", NOW - HOUR - SECOND) == set()
    _assign(org, "bob", "pc", NOW - HOUR, NOW + HOUR)
    assert _held(org, "bob", NOW + HOUR - SECOND) == {"pb", "pc"}
    assert _held(org, "bob", NOW + HOUR) == {"pb"}
    assert _visible(org, "bob", NOW) == {"pb", "pc"} and _visible(org, "bob", NOW + HOUR) == {"pb"}
    assert _unheld(org, "bob", "pc", NOW) and not _unheld(org, "bob", "pc", NOW + HOUR)
    assert not _unheld(org, "bob", "pc", NOW - HOUR - SECOND)


def test_a_teams_cover_holds_every_person_of_that_team_for_the_shift_only(org: Org) -> None:
    _cover(org, "duty", NOW - HOUR, NOW + HOUR, team_of="pa")
    east = {"pa", "pb", "pc"}
    assert _held(org, "duty", NOW) == east and _visible(org, "duty", NOW) == east
    assert _held(org, "duty", NOW - HOUR) == east
    assert _held(org, "duty", NOW + HOUR - SECOND) == east
    assert _held(org, "duty", NOW - HOUR - SECOND) == set() and _visible(org, "duty", NOW - HOUR - SECOND) == set()
    assert _held(org, "duty", NOW + HOUR) == set() and _visible(org, "duty", NOW + HOUR) == set()
    assert _unheld(org, "duty", "pb", NOW) and not _unheld(org, "duty", "pb", NOW + HOUR)
    assert not _unheld(org, "duty", "pw", NOW)
    # The cover is duty's alone: the team's workers still hold only their own caseloads.
    assert _held(org, "bob", NOW) == {"pb"} and _visible(org, "alice", NOW) == {"pa"}
    assert not _unheld(org, "bob", "pa", NOW)


def test_a_cover_for_listed_persons_holds_those_persons_only_for_the_shift_only(org: Org) -> None:
    _cover(org, "duty", NOW - HOUR, NOW + HOUR, persons=("pb", "pw"))
    assert _held(org, "duty", NOW) == {"pb", "pw"} and _visible(org, "duty", NOW) == {"pb", "pw"}
    assert _held(org, "duty", NOW - HOUR) == {"pb", "pw"}
    assert _held(org, "duty", NOW - HOUR - SECOND) == set()
    assert _held(org, "duty", NOW + HOUR) == set()
    assert _unheld(org, "duty", "pw", NOW) and not _unheld(org, "duty", "pa", NOW)
    assert not _unheld(org, "duty", "pw", NOW + HOUR)
    assert _held(org, "alice", NOW) == {"pa"} and _visible(org, "carol", NOW) == {"pw"}
    assert not _unheld(org, "alice", "pb", NOW)


def test_a_break_glass_opening_is_held_for_its_time_but_is_no_hold_by_assignment_or_cover(org: Org) -> None:
    _glass(org, "duty", "pw", NOW - HOUR, NOW + HOUR)
    assert _held(org, "duty", NOW) == {"pw"} and _visible(org, "duty", NOW) == {"pw"}
    assert _held(org, "duty", NOW - HOUR) == {"pw"}
    assert _held(org, "duty", NOW - HOUR - SECOND) == set()
    assert _held(org, "duty", NOW + HOUR) == set()
    # Opening the person again would open nothing new only if held some other way: it is not.
    assert not _unheld(org, "duty", "pw", NOW)
    # The opening is duty's alone.
    assert _held(org, "alice", NOW) == {"pa"} and _visible(org, "bob", NOW) == {"pb"}


def test_a_lead_reads_their_team_and_what_they_hold_a_worker_what_they_hold_an_admin_no_one(org: Org) -> None:
    assert _visible(org, "lead.east", NOW) == {"pa", "pb", "pc"}
    assert _visible(org, "lead.west", NOW) == {"pw"}
    assert _visible(org, "alice", NOW) == {"pa"}
    assert _visible(org, "carol", NOW) == {"pw"}
    assert _visible(org, "admin", NOW) == set()
    _cover(org, "lead.east", NOW - HOUR, NOW + HOUR, persons=("pw",))
    assert _visible(org, "lead.east", NOW) == {"pa", "pb", "pc", "pw"}
    assert _visible(org, "lead.east", NOW + HOUR) == {"pa", "pb", "pc"}
    assert _held(org, "lead.east", NOW) == {"pw"}  # the team is read, not held


def test_a_hold_is_remembered_for_offline_writes_up_to_14_days_after_it_ended(org: Org) -> None:
    ended = NOW - HOUR
    _assign(org, "bob", "pc", NOW - 30 * HOUR, ended)
    _cover(org, "duty", NOW - 30 * HOUR, ended, team_of="pw")
    _cover(org, "lead.west", NOW - 30 * HOUR, ended, persons=("pb",))
    _glass(org, "carol", "pa", NOW - 30 * HOUR, ended)
    for user, person in (("bob", "pc"), ("duty", "pw"), ("lead.west", "pb"), ("carol", "pa")):
        assert _ever(org, user, person, NOW), (user, person)
        assert _ever(org, user, person, ended + GRACE), (user, person)
        assert not _ever(org, user, person, ended + GRACE + SECOND), (user, person)
    # Never held: another person of the team a listed cover was for, a person of another team, a hold not yet begun.
    assert not _ever(org, "lead.west", "pc", NOW)
    assert not _ever(org, "duty", "pa", NOW)
    assert not _ever(org, "bob", "pc", NOW - 30 * HOUR - SECOND)
    assert not _ever(org, "duty", "pw", NOW - 30 * HOUR - SECOND)
    assert not _ever(org, "carol", "pa", NOW - 30 * HOUR - SECOND)
    # A break-glass opening is for its one person: carol's opening of pa says nothing of pc or pb.
    assert not _ever(org, "carol", "pc", NOW) and not _ever(org, "carol", "pb", NOW)
    assert _ever(org, "alice", "pa", NOW)  # an open assignment
    # From the very moment each hold began.
    for user, person in (("bob", "pc"), ("duty", "pw"), ("lead.west", "pb"), ("carol", "pa")):
        assert _ever(org, user, person, NOW - 30 * HOUR), (user, person)


def test_only_the_users_own_holds_are_remembered_never_a_colleagues(org: Org) -> None:
    ended = NOW - HOUR
    _cover(org, "duty", NOW - 30 * HOUR, ended, team_of="pa")  # duty covered the east team
    _cover(org, "duty", NOW - 30 * HOUR, ended, persons=("pw",))
    _glass(org, "duty", "pw", NOW - 30 * HOUR, ended)
    assert _ever(org, "duty", "pb", NOW) and _ever(org, "duty", "pw", NOW)
    # Bob never held pc, nor carol pb or pw by anything of her own: duty's cover and opening are not theirs.
    assert not _ever(org, "bob", "pc", NOW)
    assert not _ever(org, "carol", "pb", NOW)
    assert not _ever(org, "lead.west", "pb", NOW)
    assert _decide(org, "bob", "contact_note", "pc") is WriteDecision.NEVER_HELD


def _decide(org: Org, user: str, record_type: str, person: str | None, at: datetime = NOW) -> WriteDecision:
    with _session(org) as session:
        who = _user(session, org, user)
        held = scope.held_now_ids(session, who, at)
        found = _person(session, org, person) if person else None
        person_id = found.id if found else uuid.uuid4()
        return scope.decide_write(session, who, held, record_type, person_id, found, at)


@pytest.mark.parametrize(
    ("user", "record_type", "person", "decision"),
    [
        ("alice", "contact_note", "pa", WriteDecision.ACCEPT),
        ("alice", "safety_review", "pa", WriteDecision.ACCEPT),
        ("alice", "contact_note", "pb", WriteDecision.NEVER_HELD),
        ("alice", "contact_note", "pw", WriteDecision.NEVER_HELD),
        ("alice", "contact_note", None, WriteDecision.NEVER_HELD),
        # A team lead's own records: nobody else may write them, not even for a person they hold.
        *[("alice", kind, "pa", WriteDecision.ROLE_MAY_NOT_WRITE) for kind in sorted(scope.LEAD_ONLY)],
        *[("lead.east", kind, "pb", WriteDecision.ACCEPT) for kind in sorted(scope.LEAD_ONLY)],
        ("lead.east", "safety_review", "pb", WriteDecision.ACCEPT),
        # A lead writes reviews for their team's persons, not notes of contacts they did not make.
        ("lead.east", "contact_note", "pb", WriteDecision.ROLE_MAY_NOT_WRITE),
        ("lead.east", "escalation", "pa", WriteDecision.ROLE_MAY_NOT_WRITE),
        ("lead.east", "safety_review", "pw", WriteDecision.NEVER_HELD),
        ("lead.east", "supervision", "pw", WriteDecision.NEVER_HELD),
        ("lead.east", "safety_review", None, WriteDecision.NEVER_HELD),
        ("admin", "contact_note", "pa", WriteDecision.ROLE_MAY_NOT_WRITE),
        ("admin", "safety_review", None, WriteDecision.ROLE_MAY_NOT_WRITE),
        ("duty", "contact_note", "pa", WriteDecision.NEVER_HELD),
    ],
)
def test_who_may_write_what_for_whom(
    org: Org, user: str, record_type: str, person: str | None, decision: WriteDecision
) -> None:
    assert _decide(org, user, record_type, person) is decision


def test_a_lead_holding_a_person_writes_for_them_as_any_holder_does(org: Org) -> None:
    _assign(org, "lead.east", "pw", NOW - HOUR, None)
    assert _decide(org, "lead.east", "contact_note", "pw") is WriteDecision.ACCEPT
    assert _decide(org, "lead.east", "supervision", "pw") is WriteDecision.ACCEPT


def test_a_record_written_while_held_is_accepted_after_reassignment_within_the_grace_only(org: Org) -> None:
    _assign(org, "bob", "pc", NOW - 30 * HOUR, NOW - HOUR)
    assert _decide(org, "bob", "contact_note", "pc") is WriteDecision.ACCEPT_AFTER_REASSIGNMENT
    assert _decide(org, "bob", "contact_note", "pc", NOW - HOUR + GRACE) is WriteDecision.ACCEPT_AFTER_REASSIGNMENT
    assert _decide(org, "bob", "contact_note", "pc", NOW - HOUR + GRACE + SECOND) is WriteDecision.NEVER_HELD
    assert _decide(org, "bob", "supervision", "pc") is WriteDecision.ROLE_MAY_NOT_WRITE
    # A lead's once-held person of another team: their hold, not their team, lets the record in.
    _assign(org, "lead.east", "pw", NOW - 30 * HOUR, NOW - HOUR)
    assert _decide(org, "lead.east", "contact_note", "pw") is WriteDecision.ACCEPT_AFTER_REASSIGNMENT


def test_those_told_of_an_arriving_record_are_the_persons_workers_now_and_the_teams_leads(org: Org) -> None:
    _assign(org, "bob", "pa", NOW - 2 * HOUR, NOW - HOUR)  # ended
    _assign(org, "duty", "pa", NOW + HOUR, None)  # not yet begun
    _assign(org, "carol", "pa", NOW - HOUR, NOW + HOUR)  # live until later
    with _session(org) as session:
        holders = scope.current_holders(session, _person(session, org, "pa"), NOW)
        at_end = scope.current_holders(session, _person(session, org, "pa"), NOW + HOUR)
        west = scope.current_holders(session, _person(session, org, "pw"), NOW)
    assert holders == {org.users["alice"], org.users["carol"], org.users["lead.east"]}
    assert at_end == {org.users["alice"], org.users["duty"], org.users["lead.east"]}
    assert west == {org.users["carol"], org.users["lead.west"]}


def _holds(org: Org, user: str, at: datetime = NOW) -> list[tuple[str, str, datetime | None, str]]:
    names = {v: k for k, v in org.persons.items()}
    with _session(org) as session:
        found = scope.holds(session, _user(session, org, user), at)
    assert [h[0] for h in found] == sorted(h[0] for h in found), "one each, by person id"
    return [(names[p], basis, until.replace(tzinfo=None) if until else None, team) for p, basis, until, team in found]


def _naive(at: datetime) -> datetime:
    return at.replace(tzinfo=None)


def test_holds_lists_each_person_once_by_the_strongest_claim_and_its_longest_hold(org: Org) -> None:
    assert _holds(org, "admin") == []
    assert _holds(org, "alice") == [("pa", "assigned", None, "East team")]
    # duty: a team cover (to NOW+1h), a listed cover of pb (to NOW+2h), pw opened by break glass and also in a
    # listed cover, pa assigned until NOW+1h while a cover of the team runs later.
    _cover(org, "duty", NOW - HOUR, NOW + HOUR, team_of="pa")
    _cover(org, "duty", NOW - HOUR, NOW + 2 * HOUR, persons=("pb",))
    _glass(org, "duty", "pw", NOW - HOUR, NOW + 3 * HOUR)
    _cover(org, "duty", NOW - HOUR, NOW + HOUR, persons=("pw",))
    _assign(org, "duty", "pa", NOW - HOUR, NOW + HOUR)
    _cover(org, "duty", NOW - HOUR, NOW + 5 * HOUR, persons=("pa",))
    expected = {
        "pa": ("assigned", _naive(NOW + HOUR), "East team"),
        "pb": ("cover", _naive(NOW + 2 * HOUR), "East team"),
        "pc": ("cover", _naive(NOW + HOUR), "East team"),
        "pw": ("cover", _naive(NOW + HOUR), "West team"),
    }
    assert {p: rest for p, *rest in _holds(org, "duty")} == {p: list(v) for p, v in expected.items()}
    assert {p for p, *_ in _holds(org, "duty", NOW - HOUR)} == {"pa", "pb", "pc", "pw"}, "from the covers' start"
    # duty's covers and opening are duty's alone; each worker's own caseload is shown under its person's team.
    assert _holds(org, "bob") == [("pb", "assigned", None, "East team")]
    assert _holds(org, "carol") == [("pw", "assigned", None, "West team")]
    # Once the assignment and the shorter covers end, what is left: pa's listed cover and pw's break-glass.
    assert {p: rest for p, *rest in _holds(org, "duty", NOW + 2 * HOUR)} == {
        "pa": ["cover", _naive(NOW + 5 * HOUR), "East team"],
        "pw": ["break_glass", _naive(NOW + 3 * HOUR), "West team"],
    }
    assert _holds(org, "duty", NOW - HOUR - SECOND) == []


def test_holds_prefers_the_assignment_that_lasts_longest_and_an_open_one_above_all(org: Org) -> None:
    _assign(org, "bob", "pc", NOW - HOUR, NOW + HOUR)
    _assign(org, "bob", "pc", NOW - HOUR, NOW + 2 * HOUR)
    assert ("pc", "assigned", _naive(NOW + 2 * HOUR), "East team") in _holds(org, "bob")
    _assign(org, "bob", "pc", NOW - HOUR, None)
    _assign(org, "bob", "pc", NOW - HOUR, NOW + 3 * HOUR)
    assert ("pc", "assigned", None, "East team") in _holds(org, "bob")
    assert _holds(org, "bob", NOW - HOUR - SECOND) == []
    assert ("pc", "assigned", None, "East team") in _holds(org, "bob", NOW - HOUR), "held from its very start"
    # Whichever order they are found in: a shorter hold found after a longer one does not replace it.
    _assign(org, "alice", "pc", NOW - HOUR, NOW + 2 * HOUR)
    _assign(org, "alice", "pc", NOW - HOUR, NOW + HOUR)
    assert ("pc", "assigned", _naive(NOW + 2 * HOUR), "East team") in _holds(org, "alice")


def test_an_admin_holds_no_one_even_with_a_stray_assignment_row(org: Org) -> None:
    # The server never assigns an admin (Admin.assign refuses), but a row written some other way must still
    # not open clinical records to them: an admin administers.
    _assign(org, "admin", "pa", NOW - HOUR, None)
    assert _holds(org, "admin") == []
    assert _visible(org, "admin", NOW) == set()


def test_a_lead_sees_their_team_as_the_team_unless_held_more_strongly(org: Org) -> None:
    assert _holds(org, "lead.east") == sorted(
        [(p, "team", None, "East team") for p in ("pa", "pb", "pc")], key=lambda h: org.persons[h[0]]
    )
    _assign(org, "lead.east", "pb", NOW - HOUR, NOW + HOUR)
    _glass(org, "lead.east", "pc", NOW - HOUR, NOW + HOUR)
    _cover(org, "lead.east", NOW - HOUR, NOW + HOUR, persons=("pw",))
    found = {p: (basis, until) for p, basis, until, _team in _holds(org, "lead.east")}
    assert found == {
        "pa": ("team", None),
        "pb": ("assigned", _naive(NOW + HOUR)),
        "pc": ("break_glass", _naive(NOW + HOUR)),
        "pw": ("cover", _naive(NOW + HOUR)),
    }
    # Ended assignments and openings leave the team reading; a live one does not stop at the team.
    assert {p: basis for p, basis, _u, _t in _holds(org, "lead.east", NOW + HOUR)} == {
        "pa": "team",
        "pb": "team",
        "pc": "team",
    }
