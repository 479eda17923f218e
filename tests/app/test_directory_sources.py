"""Issue 9, finding 8: every directory entry cites a source and is either verified on a date or marked
unverified; services with weekly hours are closed on the nation's bank holidays unless the entry says
otherwise; the GP and council safeguarding routes of the operating model's third example are there."""

from datetime import UTC, datetime
from pathlib import Path

from app.directory import load_directory
from app.org_config import BUNDLED
from app.persons import Nation

CHRISTMAS_DAY = datetime(2026, 12, 25, 11, 0, tzinfo=UTC)  # a Friday
FRIDAY_BEFORE = datetime(2026, 12, 18, 11, 0, tzinfo=UTC)

ENTRY = """version = "1"
[[entries]]
id = "{id}"
service = "Example GP practice"
channels = [{{ kind = "voice", value = "01632 960999" }}]
availability = [{{ days = ["mon", "tue", "wed", "thu", "fri"], from = "08:00", to = "18:30" }}]
nations = ["england"]
audience = "Patients"
purpose = "partner_agency"
for_use_by = "staff"
source = "https://example.nhs.uk/contact"
{extra}
review_due = 2027-06-01
"""


def _one(tmp_path: Path, extra: str, entry_id: str = "gp") -> tuple[object, list[str]]:
    path = tmp_path / "c.toml"
    path.write_text(ENTRY.format(id=entry_id, extra=extra))
    directory, problems = load_directory([path])
    return directory.get(entry_id), [str(p) for p in problems]


def test_every_bundled_entry_is_verified_on_a_date_or_marked_unverified() -> None:
    directory, problems = load_directory([BUNDLED / "contacts"])
    assert [str(p) for p in problems] == []
    for entry in directory.entries.values():
        assert entry.source
        assert (entry.verified_on is None) == entry.unverified, entry.id
    unverified = {e.id for e in directory.entries.values() if e.unverified}
    assert {"nhs-111-mental-health", "nhs-24-mental-health", "breathing-space"} <= unverified, (
        "their only sources are secondary pages: nobody has checked them against the service's own"
    )


def test_verified_on_and_unverified_are_exclusive_and_one_is_required(tmp_path) -> None:
    entry, problems = _one(tmp_path, "verified_on = 2026-11-01")
    assert entry is not None and not entry.unverified and problems == []
    entry, problems = _one(tmp_path, "unverified = true")
    assert entry is not None and entry.unverified and entry.verified_on is None
    entry, problems = _one(tmp_path, "unverified = true\nverified_on = 2026-11-01")
    assert entry is None and any("both" in p for p in problems)
    entry, problems = _one(tmp_path, "")
    assert entry is None and any("verified_on" in p and "unverified" in p for p in problems)


def test_a_weekly_hours_service_is_closed_on_the_nations_bank_holidays_unless_it_says_otherwise(tmp_path) -> None:
    _one(tmp_path, "verified_on = 2026-11-01")
    path = tmp_path / "c.toml"
    directory, _ = load_directory([path])
    (friday,) = directory.offers(["gp"], FRIDAY_BEFORE, Nation.ENGLAND)
    (christmas,) = directory.offers(["gp"], CHRISTMAS_DAY, Nation.ENGLAND)
    assert friday.open_now and not christmas.open_now
    path.write_text(ENTRY.format(id="gp", extra="verified_on = 2026-11-01\nopen_on_bank_holidays = true"))
    directory, _ = load_directory([path])
    (christmas,) = directory.offers(["gp"], CHRISTMAS_DAY, Nation.ENGLAND)
    assert christmas.open_now


def test_the_gp_and_council_safeguarding_routes_are_in_the_demo_directory() -> None:
    directory, _ = load_directory([BUNDLED / "contacts"])
    found = {o.entry.id for o in directory.search("", FRIDAY_BEFORE, Nation.ENGLAND)}
    assert {"eastmoor-gp-practice", "moorland-adult-safeguarding", "moorland-emergency-duty-team"} <= found
    gp = directory.get("eastmoor-gp-practice")
    assert gp is not None and gp.can_act and gp.usable_by_staff()
