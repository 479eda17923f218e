"""Regression: records sharing a time must give the same figures, and the same records behind them,
whatever order they arrived in (the property test once found welfare_check_adherence listing its cases in
arrival order when two welfare checks were identified at the same instant)."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

from app.governance.evidence import Evidence
from app.governance.figures import ReportPeriod
from app.governance.report import measures
from app.persons import Nation
from tests.governance.records import LIBRARY, PERSON, PERSON_2, acted, at, escalation, note, plan, review

PERIOD = ReportPeriod(date(2026, 3, 1), date(2026, 3, 31))
AS_OF = at("2026-03-25 12:00")
T = at("2026-03-02 00:00")


def _tied_records() -> list[dict[str, Any]]:
    """Two welfare checks, two escalations, two notes, two plans and two reviews, each pair at one time."""
    w1 = escalation(T, kind="welfare-check", pathway="test-welfare@1", person=PERSON)
    w2 = escalation(T, kind="welfare-check", pathway="test-welfare@1", person=PERSON_2, period="out-of-hours")
    e1 = escalation(T, person=PERSON)
    e2 = escalation(T, person=PERSON_2, period="out-of-hours")
    return [
        plan(at("2026-02-20 00:00"), person=PERSON),
        plan(at("2026-02-20 00:00"), person=PERSON_2),
        w1, acted(w1, T, "attempt"),
        w2, acted(w2, at("2026-03-02 03:00"), "attempt"),  # late: one in time, one not
        e1, e2,
        note(T, "seen", (1,), person=PERSON),
        note(T, "seen", (), person=PERSON_2),
        review(T, True, person=PERSON),
        review(T, False, person=PERSON_2),
    ]  # fmt: skip


def test_tied_records_read_the_same_in_every_arrival_order() -> None:
    records = _tied_records()
    expected = measures(Evidence.from_envelopes(records), PERIOD, LIBRARY, Nation.ENGLAND, AS_OF)
    for order in (records[::-1], records[1::2] + records[::2], records[6:] + records[:6]):
        assert measures(Evidence.from_envelopes(order), PERIOD, LIBRARY, Nation.ENGLAND, AS_OF) == expected


def test_welfare_checks_identified_at_the_same_instant_are_listed_in_one_order() -> None:
    w1 = escalation(T, kind="welfare-check", pathway="test-welfare@1", person=PERSON)
    w2 = escalation(T, kind="welfare-check", pathway="test-welfare@1", person=PERSON_2)
    records = [w1, acted(w1, T, "attempt"), w2, acted(w2, at("2026-03-02 03:00"), "attempt")]
    seen = set()
    for order in itertools.permutations(records):
        adherence = measures(Evidence.from_envelopes(order), PERIOD, LIBRARY, Nation.ENGLAND, AS_OF)[1]
        assert adherence.key == "welfare_check_adherence"
        seen.add(adherence)
    assert len(seen) == 1
    figure = seen.pop().figure("all_within")
    # Time, then record id: the same list on every device and on the server.
    assert figure.cases == tuple(sorted(figure.cases, key=str)) and len(figure.cases) == 2


def test_evidence_is_totally_ordered_whatever_the_arrival_order() -> None:
    records = _tied_records()
    assert Evidence.from_envelopes(records) == Evidence.from_envelopes(records[::-1])
