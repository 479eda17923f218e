"""NHS 111 (mental health option), NHS 111 Wales (press 2), NHS 24 (111 in Scotland) and Breathing Space cite
what the domain reference gives for them (§2, [S73]–[S77]), and no more: every source it gives for them is a
secondary page, so none is marked verified, and hours it flags "(verify)" are said to be unconfirmed."""

from datetime import UTC, datetime

from app.directory import load_directory
from app.hours import Period
from app.org_config import BUNDLED, OrgConfig
from app.pathways import BUILT_IN_FALLBACK, PathwayKind
from app.persons import Nation

DIRECTORY, PROBLEMS = load_directory([BUNDLED / "contacts"])
THURSDAY_2PM = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)
SOURCES = {  # the domain reference's sources for each
    "nhs-111-mental-health": "https://www.oundlesurgery.nhs.uk/news/accessing-mental-health-services-via-111",
    "nhs-111-wales": "https://careappointments.com/care-news/wales/195930/phone-line-for-people-requiring-urgent-"
    "mental-health-support-launched-across-wales/",
    "nhs-24-mental-health": "https://clarehaughey.scot/2020/03/30/funding-for-digital-mental-health-services/",
    "breathing-space": "https://clarehaughey.scot/2020/03/30/funding-for-digital-mental-health-services/",
}


def _entry(entry_id: str):
    entry = DIRECTORY.get(entry_id)
    assert entry is not None, entry_id
    return entry


def test_each_cites_the_references_source_and_none_is_marked_verified() -> None:
    assert PROBLEMS == []
    for entry_id, source in SOURCES.items():
        entry = _entry(entry_id)
        assert entry.source == source
        assert entry.unverified and entry.verified_on is None, "only secondary pages: nobody has checked"
        assert entry.review_due is not None


def test_where_they_are_offered_they_say_they_are_not_yet_checked() -> None:
    for nation, expected in [(Nation.ENGLAND, "nhs-111-mental-health"), (Nation.WALES, "nhs-111-wales"),
                             (Nation.SCOTLAND, "nhs-24-mental-health")]:  # fmt: skip
        offers = {o.entry.id: o for o in DIRECTORY.national_lines(nation, THURSDAY_2PM)}
        assert expected in offers and offers[expected].caution is not None
        assert "not yet checked" in offers[expected].caution


def test_england_and_wales_each_get_their_own_line_with_its_own_wording() -> None:
    england = _entry("nhs-111-mental-health")
    wales = _entry("nhs-111-wales")
    assert set(england.nations) == {Nation.ENGLAND} and set(wales.nations) == {Nation.WALES}
    assert "mental health option" in (england.channels[0].note or "")
    assert "press 2" in (wales.channels[0].note or "") and "health board" in (wales.channels[0].note or "")
    assert "contact that team first" in (england.caveat or ""), "existing users: their own team first [S75]"
    for entry in (england, wales):
        assert "professional-handover" in {str(n) for n in entry.not_for}
    welsh = [o.entry.id for o in DIRECTORY.national_lines(Nation.WALES, THURSDAY_2PM)]
    assert "nhs-111-wales" in welsh and "nhs-111-mental-health" not in welsh


def test_hours_the_reference_flags_to_verify_are_said_to_be_unconfirmed() -> None:
    for entry_id in ("nhs-24-mental-health", "breathing-space"):
        caveat = _entry(entry_id).caveat or ""
        assert "2020" in caveat and "not yet confirmed" in caveat


def test_the_national_fallback_offers_a_welsh_person_their_urgent_line() -> None:
    config = OrgConfig.load(THURSDAY_2PM.date())
    choice = config.pathways.choose(PathwayKind.ESCALATION, "atlantis", Period.IN_HOURS)
    assert choice.pathway.id == "national-fallback" and choice.warning
    urgent = choice.pathway.node("urgent-line")
    assert "nhs-111-wales" in urgent.contacts
    offered = [o.entry.id for o in config.directory.offers(list(urgent.contacts), THURSDAY_2PM, Nation.WALES)]
    assert "nhs-111-wales" in offered and "nhs-111-mental-health" not in offered


def test_the_built_in_fallback_offers_a_welsh_person_their_urgent_line() -> None:
    """The pathway shown when even the fallback file cannot be read."""
    (phone,) = [n for n in BUILT_IN_FALLBACK.nodes.values() if n.contacts]
    offered = [o.entry.id for o in DIRECTORY.offers(list(phone.contacts), THURSDAY_2PM, Nation.WALES)]
    assert "nhs-111-wales" in offered and "nhs-111-mental-health" not in offered
