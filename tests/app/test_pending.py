"""The unsent list's order (issue 13, item 3): people with unsent escalations first, the longest waiting
first; everyone else by name; within a person, escalation records first, each oldest first."""

import uuid
from datetime import UTC, datetime, timedelta

from app.pending import NOT_HELD, group_pending

T = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
ANN, BEN, CAL, DEE = (uuid.UUID(int=n) for n in range(1, 5))


def test_escalations_first_then_by_name_and_escalation_records_first_within_a_person() -> None:
    rows = [
        (ANN, "Ann", "contact_note", T),
        (CAL, "Cal", "contact_note", T),
        (CAL, "Cal", "escalation_event", T + timedelta(minutes=5)),
        (BEN, "Ben", "escalation_opened", T + timedelta(minutes=1)),
        (CAL, "Cal", "escalation_opened", T - timedelta(minutes=1)),
        (DEE, None, "safety_review", T),
    ]
    people = group_pending(rows)
    assert [p.name for p in people] == ["Cal", "Ben", NOT_HELD, "Ann"]
    cal = people[0]
    assert [r.record_type for r in cal.records] == ["escalation_opened", "escalation_event", "contact_note"]
    assert cal.escalations == 2 and cal.records[0].label == "Escalation"
    assert people[-1].escalations == 0


def test_an_unknown_record_type_is_named_in_words() -> None:
    (person,) = group_pending([(ANN, "Ann", "planned_contact_change", T)])
    assert person.records[0].label == "Planned contact change"
