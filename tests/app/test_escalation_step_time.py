"""The "Now" panel's time for a pathway step, in words: within its standard while there is time, overdue and by
how long once the time has passed (a new-user review found "Within 60 min (by 08:45)" hours after 08:45)."""

from datetime import UTC, datetime, timedelta

from app.escalations import Timeliness
from app.pathways import Node, NodeType

IDENTIFIED = datetime(2026, 11, 26, 8, 45, tzinfo=UTC)  # London is on GMT in November: 08:45 is 08:45


def _step(within: int, first_done_at: datetime | None = None, contacts: tuple[str, ...] = ("duty",)) -> Timeliness:
    node = Node("duty-worker", NodeType.ACTION, "Phone the duty worker", within_minutes=within, next="end",
                contacts=contacts)  # fmt: skip
    return Timeliness(node, IDENTIFIED + timedelta(minutes=within), first_done_at)


def test_within_the_time_it_says_how_long_and_by_when() -> None:
    assert _step(60).now_wording(IDENTIFIED + timedelta(minutes=20)) == "Within 60 min (by 09:45)"
    assert _step(0).now_wording(IDENTIFIED) == "Immediately"


def test_hours_past_the_time_it_says_overdue_by_how_long_and_when_it_was_due() -> None:
    now = IDENTIFIED + timedelta(minutes=60) + timedelta(hours=3, minutes=10)
    assert _step(60).now_wording(now) == "Overdue by 3 h 10 min — was due by 09:45"
    assert _step(0).now_wording(IDENTIFIED + timedelta(minutes=25)) == (
        "Overdue by 25 min — was due immediately (at 08:45)"
    )


def test_due_on_another_day_it_names_the_day() -> None:
    now = IDENTIFIED + timedelta(days=1)
    assert _step(60).now_wording(now) == "Overdue by 23 h — was due by Thu 26 Nov 09:45"


def test_once_acted_on_it_says_nobody_is_reached_yet_then_when_and_whether_within_the_time() -> None:
    """Still at the step after acting on it means nobody was reached: "within the time" alone, in bold after a
    call that reached nobody, read as reassurance (new-user review)."""
    step = _step(60, IDENTIFIED + timedelta(minutes=30))
    assert step.now_wording(IDENTIFIED + timedelta(hours=5)) == (
        "Nobody reached yet — first tried at 09:15, within the time (due by 09:45)"
    )
    late = _step(60, IDENTIFIED + timedelta(hours=2))
    assert late.now_wording(IDENTIFIED + timedelta(hours=5)) == (
        "Nobody reached yet — first tried at 10:45, 1 h after it was due (by 09:45)"
    )
    review = _step(60, IDENTIFIED + timedelta(minutes=30), contacts=())  # a step with nobody to contact
    assert review.now_wording(IDENTIFIED + timedelta(hours=1)) == (
        "Not done yet — first acted on at 09:15, within the time (due by 09:45)"
    )


def test_the_wording_is_words_only_never_a_colour_or_a_risk_word() -> None:
    texts = [_step(w).now_wording(IDENTIFIED + timedelta(hours=h)) for w in (0, 30, 60) for h in (0, 1, 5, 30)]
    for text in texts:
        lowered = text.lower()
        assert not any(word in lowered for word in ("risk", "red", "amber", "green", "high", "medium", "low", "<"))


def test_a_minute_is_the_least_lateness_said_as_the_times_shown_are_to_the_minute() -> None:
    """Times are shown to the minute: under a minute past the time still reads as within it (09:45 is 09:45);
    a whole minute past reads as overdue or late by 1 min."""
    due = IDENTIFIED + timedelta(minutes=60)
    assert _step(60).now_wording(due + timedelta(seconds=59)) == "Within 60 min (by 09:45)"
    assert _step(60).now_wording(due + timedelta(minutes=1)) == "Overdue by 1 min — was due by 09:45"
    assert _step(60).now_wording(due + timedelta(minutes=1, seconds=59)) == "Overdue by 1 min — was due by 09:45"
    assert _step(60, due + timedelta(seconds=59)).now_wording(due + timedelta(hours=1)) == (
        "Nobody reached yet — first tried at 09:45, within the time (due by 09:45)"
    )
    assert _step(60, due + timedelta(minutes=1)).now_wording(due + timedelta(hours=1)) == (
        "Nobody reached yet — first tried at 09:46, 1 min after it was due (by 09:45)"
    )
    assert _step(60, due + timedelta(minutes=1, seconds=59)).now_wording(due + timedelta(hours=1)) == (
        "Nobody reached yet — first tried at 09:46, 1 min after it was due (by 09:45)"
    )
