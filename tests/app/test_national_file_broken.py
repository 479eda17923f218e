"""When Waymark's own national crisis lines file cannot be read (clinical safety review, finding 3), the worker
is told where configuration problems are shown, and 999 is still offered: never a blank list of crisis
numbers."""

from __future__ import annotations

import hashlib
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from app.clock import FixedClock
from app.config_files import errors
from app.documents import ReceivedFile
from app.org_config import BUNDLED, OrgConfig
from app.persons import Nation
from ui.lock_screen import lock_screen_html

TODAY = date(2026, 11, 26)
NATIONAL = (BUNDLED / "contacts" / "national.toml").read_text(encoding="utf-8")
LOCAL = (BUNDLED / "contacts" / "demo-local.toml").read_text(encoding="utf-8")


def _file(name: str, text: str, document_id: int = 1) -> ReceivedFile:
    return ReceivedFile("directory", name, document_id, hashlib.sha256(text.encode()).hexdigest(), text)


BROKEN = {
    "not TOML": "version = ",
    "an entry broken": NATIONAL.replace('availability = "always"', 'availability = "sometimes"', 1),
    "missing": None,
}
TOLD = "Waymark's built-in national crisis lines could not be read"


def _contacts(tmp_path: Path, national: str | None) -> Path:
    folder = tmp_path / "contacts"
    folder.mkdir()
    shutil.copy(BUNDLED / "contacts" / "demo-local.toml", folder)
    if national is not None:
        (folder / "national.toml").write_text(national, encoding="utf-8")
    return folder


@pytest.mark.parametrize("broken", BROKEN.values(), ids=BROKEN.keys())
def test_a_broken_national_file_is_said_and_999_is_still_offered_with_the_organisations_directory(
    tmp_path: Path, broken: str | None
) -> None:
    contacts = _contacts(tmp_path, broken)
    config = OrgConfig.load(TODAY, contacts_dir=contacts, received=[_file("demo-local.toml", LOCAL)])
    said = [str(p) for p in errors(config.problems)]
    assert any(s.startswith("national.toml: ") and TOLD not in s for s in said), "what is wrong with the file"
    assert any(TOLD in s and "999 is still offered" in s for s in said), said
    _offers_999(config)


@pytest.mark.parametrize("broken", BROKEN.values(), ids=BROKEN.keys())
def test_a_broken_national_file_is_said_and_999_is_still_offered_with_the_built_in_files(
    tmp_path: Path, broken: str | None
) -> None:
    config = OrgConfig.load(TODAY, contacts_dir=_contacts(tmp_path, broken))
    assert any(TOLD in str(p) for p in errors(config.problems))
    _offers_999(config)


def _offers_999(config: OrgConfig) -> None:
    at = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)
    for nation in Nation:
        lines = config.directory.national_lines(nation, at)
        assert [o.entry.first_number for o in lines if o.entry.id == "emergency-999"] == ["999"], nation
    # No pathway step naming 999 is refused for want of it: a worker escalating is offered it.
    assert not any("emergency-999" in p.message for p in config.problems)
    html = lock_screen_html(config, FixedClock(at), Nation.ENGLAND)
    assert "Emergency services: Phone 999" in html
