"""The national lines the lock screen, every escalation notice and the pathways' 999 steps depend on (clinical
safety review, findings 2 and 3): an organisation's directory file cannot redefine them, and when Waymark's own
national file cannot be read the worker is told and 999 is still offered."""

from __future__ import annotations

import hashlib
from datetime import date

from app.config_files import errors
from app.directory import load_directory
from app.documents import ReceivedFile, check_arrivals
from app.org_config import BUNDLED, OrgConfig

TODAY = date(2026, 11, 26)
NATIONAL = (BUNDLED / "contacts" / "national.toml").read_text(encoding="utf-8")
LOCAL = (BUNDLED / "contacts" / "demo-local.toml").read_text(encoding="utf-8")


def _file(name: str, text: str, document_id: int = 1) -> ReceivedFile:
    return ReceivedFile("directory", name, document_id, hashlib.sha256(text.encode()).hexdigest(), text)


def _entry(entry_id: str) -> str:
    start = NATIONAL.index(f'[[entries]]\nid = "{entry_id}"')
    end = NATIONAL.find("[[entries]]", start + 1)
    return NATIONAL[start : end if end > 0 else None]


# An organisation's file that gives 999 a number of its own, beside an entry of its own that is fine.
FAKE_999 = _entry("emergency-999").replace('value = "999" }', 'value = "01632 000999" }', 1)
OWN_LINE = (
    _entry("shout").replace('id = "shout"', 'id = "our-text-line"', 1).replace('service = "', 'service = "Our ', 1)
)
REDEFINING = _file("ours.toml", 'version = "1"\n\n' + FAKE_999 + OWN_LINE)


def test_an_organisation_entry_with_a_national_id_never_replaces_the_national_line() -> None:
    assert "01632 000999" in FAKE_999
    config = OrgConfig.load(TODAY, received=[_file("demo-local.toml", LOCAL), REDEFINING])
    emergency = config.directory.get("emergency-999")
    assert emergency is not None and emergency.first_number == "999", "999 stays 999"
    assert not any("01632 000999" in str(c) for e in config.directory.entries.values() for c in e.channels)
    own = config.directory.get("our-text-line")
    assert own is not None and own.service.startswith("Our "), "the rest of the file is in use"
    assert config.directory.get("moorland-crisis-team") is not None
    said = [str(p) for p in errors(config.problems)]
    assert said == [
        "ours.toml: emergency-999: has the id of a national line built into Waymark (Emergency services), so it "
        "was not used and the built-in line is offered instead; give the organisation's own entry an id of its own"
    ]


def test_the_file_arrives_with_that_entry_refused_and_the_sync_says_so() -> None:
    bundled, _ = load_directory([BUNDLED / "contacts"])
    checked = check_arrivals([REDEFINING], [], bundled, TODAY)
    assert checked.accepted == [REDEFINING], "the rest of the file is kept"
    assert checked.refused == [
        "The organisation's contacts directory file ours.toml is in use, except its entry emergency-999: it has the "
        "id of a national line built into Waymark (Emergency services), so the built-in line is offered instead. "
        "Tell your team lead or administrator."
    ]


def test_a_copy_of_the_national_lines_as_they_are_is_no_redefinition() -> None:
    """The demo server sends the national file itself: the same entries are not a problem."""
    files = [_file("demo-local.toml", LOCAL), _file("national.toml", NATIONAL)]
    config = OrgConfig.load(TODAY, received=files)
    assert errors(config.problems) == []
    bundled, _ = load_directory([BUNDLED / "contacts"])
    assert check_arrivals(files, [], bundled, TODAY).refused == []


def test_a_copy_of_the_national_file_from_another_release_is_not_a_redefinition() -> None:
    """Found on review: new review dates or a new caveat on an otherwise identical national line (a copy from
    another release) raised a permanent warning workers learn to ignore. Numbers and hours are what count."""
    older = NATIONAL.replace("review_due = 2027-02-01", "review_due = 2026-12-31").replace(
        "verified_on = 2026-11-01", "verified_on = 2026-08-01"
    )
    assert older != NATIONAL
    config = OrgConfig.load(TODAY, received=[_file("demo-local.toml", LOCAL), _file("national-copy.toml", older)])
    assert not [p for p in config.problems if "national line" in p.message]
    assert "01632 000999" not in str(config.directory.entries["emergency-999"].channels)
