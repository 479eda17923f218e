"""The workspace's configuration from the organisation's documents received by sync (app.documents,
app.org_config): the newest version of each file is in force, every version stays readable, and what
arrives is checked by the app's own readers before it is kept."""

from __future__ import annotations

import hashlib
from datetime import date

from app.directory import load_directory
from app.documents import ReceivedFile, check_arrivals, in_force
from app.org_config import BUNDLED, OrgConfig

TODAY = date(2026, 11, 26)


def _file(kind: str, name: str, text: str, document_id: int = 1) -> ReceivedFile:
    return ReceivedFile(kind, name, document_id, hashlib.sha256(text.encode()).hexdigest(), text)


def _pathway(name: str, version: str | None = None) -> str:
    text = (BUNDLED / "pathways" / name).read_text(encoding="utf-8")
    return text.replace('version = "3"', f'version = "{version}"', 1) if version else text


def test_the_newest_version_of_each_file_is_in_force_and_earlier_ones_stay_readable() -> None:
    files = [
        _file("pathways", "moorland-in-hours.toml", _pathway("moorland-in-hours.toml"), 1),
        _file("pathways", "moorland-in-hours.toml", _pathway("moorland-in-hours.toml", "4"), 5),
    ]
    assert [f.document_id for f in in_force(files)["pathways"]] == [5]
    config = OrgConfig.load(TODAY, received=files)
    assert config.received == frozenset({"pathways"})
    assert config.pathways.by_file["moorland-in-hours.toml"].version == "4"
    assert config.pathways.get("moorland-in-hours@3") is not None, "the earlier version still walks"
    newer = config.pathways.newer_than("moorland-in-hours@3")
    assert newer is not None and newer.version == "4"
    assert config.pathways.newer_than("moorland-in-hours@4") is None


def test_pathways_sent_without_their_criteria_still_let_a_worker_escalate() -> None:
    files = [_file("pathways", "moorland-in-hours.toml", _pathway("moorland-in-hours.toml", "4"))]
    config = OrgConfig.load(TODAY, received=files)
    assert config.pathways.criteria is not None and config.pathways.criteria.criteria


def test_arrivals_are_checked_by_the_apps_readers_and_only_new_versions_kept() -> None:
    bundled, _ = load_directory([BUNDLED / "contacts"])
    good = _file("pathways", "moorland-in-hours.toml", _pathway("moorland-in-hours.toml", "4"), 2)
    held = [_file("pathways", "moorland-out-of-hours.toml", _pathway("moorland-out-of-hours.toml"), 1)]
    same = _file("pathways", "moorland-out-of-hours.toml", _pathway("moorland-out-of-hours.toml"), 1)
    dangling = _file("pathways", "broken.toml", _pathway("moorland-in-hours.toml").replace('next = "', 'next = "x', 1))
    not_toml = _file("directory", "local.toml", "this is = = not toml")
    checked = check_arrivals([good, same, dangling, not_toml], held, bundled, TODAY)
    assert checked.accepted == [good], "the one already held is not kept twice"
    assert len(checked.refused) == 2
    assert any("broken.toml was refused" in r for r in checked.refused)
    assert any("contacts directory file local.toml was refused" in r for r in checked.refused)


def test_a_pathway_is_checked_against_the_directory_that_arrives_with_it() -> None:
    bundled, _ = load_directory([BUNDLED / "contacts"])
    local = (BUNDLED / "contacts" / "demo-local.toml").read_text(encoding="utf-8")
    renamed = local.replace('id = "moorland-crisis-team"', 'id = "crisis-team-2"')
    assert renamed != local
    pathway = _pathway("moorland-out-of-hours.toml", "4")
    moved = pathway.replace('"moorland-crisis-team"', '"crisis-team-2"')
    assert moved != pathway
    national = (BUNDLED / "contacts" / "national.toml").read_text(encoding="utf-8")
    arriving = [
        _file("directory", "demo-local.toml", renamed, 7),
        _file("directory", "national.toml", national, 8),
        _file("pathways", "moorland-out-of-hours.toml", moved, 9),
    ]
    checked = check_arrivals(arriving, [], bundled, TODAY)
    assert not checked.refused and len(checked.accepted) == 3
    # The same pathway alone is refused against the built-in directory (no such contact there).
    alone = check_arrivals(arriving[2:], [], bundled, TODAY)
    assert alone.accepted == [] and "crisis-team-2" in alone.refused[0]


def test_a_received_name_is_a_label_never_a_path() -> None:
    """The text is read as it came: a name that would be a path elsewhere opens no file here."""
    hostile = _file("pathways", "../../etc/passwd", _pathway("moorland-in-hours.toml", "4"))
    config = OrgConfig.load(TODAY, received=[hostile])
    assert config.pathways.by_file["../../etc/passwd"].version == "4"


def test_a_directory_sent_without_the_national_lines_keeps_the_built_in_ones() -> None:
    """Hazard: an organisation imports only its local services. The laptop must still offer 999 and the
    national lines (built in; the same for every UK organisation). An entry the organisation defines under a
    national line's id does not replace it (clinical safety review, finding 2): the built-in line stays, and
    the entry's refusal is said (tests/app/test_national_lines_kept.py)."""
    local = (BUNDLED / "contacts" / "demo-local.toml").read_text(encoding="utf-8")
    own_samaritans = (BUNDLED / "contacts" / "national.toml").read_text(encoding="utf-8")
    start = own_samaritans.index('[[entries]]\nid = "samaritans"')
    end = own_samaritans.index("[[entries]]", start + 1)
    samaritans = own_samaritans[start:end].replace('service = "', 'service = "Our ', 1)
    files = [
        _file("directory", "demo-local.toml", local),
        _file("directory", "ours.toml", 'version = "1"\n\n' + samaritans),
    ]
    config = OrgConfig.load(TODAY, received=files)
    assert config.received == frozenset({"directory"})
    assert config.directory.get("emergency-999") is not None, "999 is never lost"
    assert config.directory.get("nhs-24-mental-health") is not None
    entry = config.directory.get("samaritans")
    assert entry is not None and entry.service == "Samaritans", "the built-in national line is in force"
    assert [(p.file, p.node) for p in config.problems] == [("ours.toml", "samaritans")]
    assert "built-in national@" in config.directory.version
    # Pathways arriving later are checked against that same directory: the fallback's 999 still resolves.
    checked = check_arrivals(
        [_file("pathways", "national-fallback.toml", _pathway("national-fallback.toml"), 3)],
        files, load_directory([BUNDLED / "contacts"])[0], TODAY,
    )  # fmt: skip
    assert checked.refused == [] and len(checked.accepted) == 1
