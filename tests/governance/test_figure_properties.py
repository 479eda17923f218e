"""Properties every governance figure keeps, over random record sets: a share never claims more than its
cases, its records are its cases, pending cases are never counted, and a report reads the same whatever
order the records arrived in (sync order is not event order)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from app.governance.evidence import Evidence
from app.governance.figures import NO_CASES, FigureKind, ReportPeriod
from app.governance.report import measures
from app.persons import Nation
from tests.governance.records import LIBRARY, PERSON, PERSON_2, acted, answer, at, escalation, event, note, plan, review

START = at("2026-02-20 00:00")
PERIOD = ReportPeriod(date(2026, 3, 1), date(2026, 3, 31))
AS_OF = at("2026-03-25 12:00")


@st.composite
def record_sets(draw: st.DrawFn) -> list[dict[str, Any]]:
    minutes = st.integers(min_value=0, max_value=50 * 24 * 60)
    person = st.sampled_from([PERSON, PERSON_2])
    records: list[dict[str, Any]] = []
    for _ in range(draw(st.integers(0, 4))):
        records.append(plan(START + timedelta(minutes=draw(minutes)), person=draw(person)))
    for _ in range(draw(st.integers(0, 6))):
        outcome = draw(st.sampled_from(["seen", "spoken_to", "no_answer"]))
        steps = tuple(draw(st.lists(st.integers(1, 9), max_size=2)))
        records.append(note(START + timedelta(minutes=draw(minutes)), outcome, steps, person=draw(person)))
    for _ in range(draw(st.integers(0, 4))):
        records.append(review(START + timedelta(minutes=draw(minutes)), draw(st.booleans()), person=draw(person)))
    for _ in range(draw(st.integers(0, 5))):
        welfare = draw(st.booleans())
        identified = START + timedelta(minutes=draw(minutes))
        esc = escalation(
            identified, kind="welfare-check" if welfare else "escalation", person=draw(person),
            period=draw(st.sampled_from(["in-hours", "out-of-hours"])),
            pathway="test-welfare@1" if welfare else "test-esc@1",
        )  # fmt: skip
        records.append(esc)
        later = st.integers(min_value=0, max_value=3 * 24 * 60).map(lambda m, t=identified: t + timedelta(minutes=m))
        if not welfare and draw(st.booleans()):
            records.append(answer(esc, draw(later), "life", draw(st.sampled_from(["yes", "no"]))))
        for _ in range(draw(st.integers(0, 3))):
            node = draw(st.sampled_from(["attempt", "manager"] if welfare else ["emergency", "duty", "manager"]))
            records.append(acted(esc, draw(later), node, reached=draw(st.booleans())))
        if draw(st.booleans()):
            due = draw(later)
            records.append(event(esc, "follow_up_set", identified, "end", due=due))
            if draw(st.booleans()):
                records.append(event(esc, "follow_up_done", draw(later), "end"))
    return records


@given(record_sets(), st.randoms(use_true_random=False))
def test_figures_keep_their_invariants_in_any_arrival_order(records: list[dict[str, Any]], rnd: random.Random) -> None:
    first = measures(Evidence.from_envelopes(records), PERIOD, LIBRARY, Nation.ENGLAND, AS_OF)
    shuffled = list(records)
    rnd.shuffle(shuffled)
    assert measures(Evidence.from_envelopes(shuffled), PERIOD, LIBRARY, Nation.ENGLAND, AS_OF) == first
    for measure in first:
        for figure in measure.figures:
            assert 0 <= figure.numerator <= figure.denominator
            if figure.kind is FigureKind.SHARE:
                assert len(figure.counted) == figure.numerator and len(figure.cases) == figure.denominator
                remaining = list(figure.cases)
                for record_id in figure.counted:
                    remaining.remove(record_id)  # counted is a sub-multiset of cases
                # A case can have one required action judged and another still pending; whole cases cannot.
                if figure.key not in ("required_actions", "required_steps"):
                    assert not set(figure.pending) & set(figure.cases)
                assert (figure.text() == NO_CASES) == (figure.denominator == 0)
