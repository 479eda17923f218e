"""Pathway files: every kind of error is refused with a message naming the file and the node."""

from datetime import date
from pathlib import Path

import pytest

from app.config_files import Severity, errors
from app.directory import load_directory
from app.hours import Period
from app.org_config import BUNDLED
from app.pathway_files import load_library, validate_paths
from app.pathways import PathwayKind

TODAY = date(2026, 11, 26)
DIRECTORY, _ = load_directory([BUNDLED / "contacts"])

VALID = """
id = "test-in-hours"
title = "Test"
kind = "escalation"
areas = ["eastmoor"]
period = "in-hours"
audience = "staff"
version = "1"
start = "danger"

[approval]
approved_by = "Clinical safety officer"
approved_on = 2026-01-01
review_due = 2027-06-01

[[nodes]]
id = "danger"
type = "question"
text = "Life at risk now?"
answers = [{ label = "Yes", next = "call-999" }, { label = "No", next = "duty" }]

[[nodes]]
id = "call-999"
type = "action"
text = "Phone 999"
contacts = ["emergency-999"]
within_minutes = 0
next = "done"

[[nodes]]
id = "duty"
type = "action"
text = "Phone the duty worker"
contacts = ["eastmoor-duty-worker"]
within_minutes = 60
next = "done"

[[nodes]]
id = "done"
type = "end"
text = "Set the follow-up"
"""


def problems_for(tmp_path: Path, text: str, name: str = "test.toml") -> list[str]:
    path = tmp_path / name
    path.write_text(text)
    return [str(p) for p in errors(validate_paths([path], DIRECTORY, TODAY))]


def test_the_template_and_the_bundled_folder_are_valid(tmp_path: Path) -> None:
    assert problems_for(tmp_path, VALID) == []
    assert errors(validate_paths([BUNDLED / "pathways"], DIRECTORY, TODAY)) == []


def test_unknown_node_reference(tmp_path: Path) -> None:
    found = problems_for(tmp_path, VALID.replace('next = "duty" }', 'next = "dutty" }'))
    assert any(p.startswith("test.toml: danger:") and "'dutty', which does not exist" in p for p in found), found


def test_unknown_contact_reference(tmp_path: Path) -> None:
    found = problems_for(tmp_path, VALID.replace('["eastmoor-duty-worker"]', '["nobody-at-all"]'))
    assert found == ["test.toml: duty: names contact 'nobody-at-all', which is not in the directory"]


def test_cycle(tmp_path: Path) -> None:
    text = VALID.replace('text = "Phone the duty worker"', 'text = "Phone the duty worker"\nif_not_reached = "danger"')
    found = problems_for(tmp_path, text)
    assert any(p.startswith("test.toml: duty:") and "loop (danger → duty → danger)" in p for p in found), found


def test_unreachable_node(tmp_path: Path) -> None:
    text = VALID + '\n[[nodes]]\nid = "orphan"\ntype = "end"\ntext = "Nobody gets here"\n'
    assert problems_for(tmp_path, text) == ["test.toml: orphan: cannot be reached from the start node 'danger'"]


def test_a_path_with_no_action(tmp_path: Path) -> None:
    found = problems_for(tmp_path, VALID.replace('{ label = "No", next = "duty" }', '{ label = "No", next = "done" }'))
    assert "test.toml: done: can be reached without any action being taken on the way" in found
    assert "test.toml: duty: cannot be reached from the start node 'danger'" in found


def test_duplicate_node_ids(tmp_path: Path) -> None:
    text = VALID + '\n[[nodes]]\nid = "duty"\ntype = "end"\ntext = "Again"\n'
    assert problems_for(tmp_path, text) == ["test.toml: duty: is defined more than once (node ids must be unique)"]


def test_duplicate_pathway_ids_across_a_folder(tmp_path: Path) -> None:
    folder = tmp_path / "org"
    folder.mkdir()
    for name in ("a.toml", "b.toml"):
        (folder / name).write_text(VALID)
    found = [str(p) for p in load_library(folder, DIRECTORY, TODAY).problems]
    assert "b.toml: uses pathway id 'test-in-hours', already used by a.toml" in found


def test_missing_out_of_hours_counterpart(tmp_path: Path) -> None:
    folder = tmp_path / "org"
    folder.mkdir()
    (folder / "in.toml").write_text(VALID)
    found = [str(p) for p in load_library(folder, DIRECTORY, TODAY).problems]
    assert "in.toml: area 'eastmoor' has an in-hours escalation pathway but no out-of-hours counterpart" in found
    (folder / "out.toml").write_text(VALID.replace("test-in-hours", "test-ooh").replace('"in-hours"', '"out-of-hours"'))
    found = [str(p) for p in load_library(folder, DIRECTORY, TODAY).problems]
    assert not any("counterpart" in p for p in found)


def test_a_staff_pathway_may_not_route_a_handover_to_nhs_111(tmp_path: Path) -> None:
    found = problems_for(tmp_path, VALID.replace('["eastmoor-duty-worker"]', '["nhs-111-mental-health"]'))
    assert len(found) == 1
    assert found[0].startswith("test.toml: duty: routes a staff handover to 'nhs-111-mental-health'")
    assert "not for professional handovers" in found[0]
    # The same contact is fine on a pathway for helping the person reach a line themselves.
    assert (
        problems_for(
            tmp_path,
            VALID.replace('["eastmoor-duty-worker"]', '["nhs-111-mental-health"]').replace(
                'audience = "staff"', 'audience = "anyone"'
            ),
        )
        == []
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("id = [", "test.toml: is not valid TOML"),
        (VALID.replace('kind = "escalation"', 'kind = "urgent"'), "test.toml: 'kind' is 'urgent'; expected one of"),
        (VALID.replace('start = "danger"', 'start = "nowhere"'), "test.toml: 'start' names node 'nowhere'"),
        (VALID.replace("within_minutes = 60", "within_minutes = -5"), "test.toml: duty: 'within_minutes' must be"),
        (VALID.replace('type = "question"', 'type = "maybe"'), "test.toml: danger: 'type' is 'maybe'"),
        (
            VALID.replace('answers = [{ label = "Yes", next = "call-999" }, { label = "No", next = "duty" }]', ""),
            "test.toml: danger: 'answers' is missing",
        ),
    ],
)
def test_malformed_files_are_named_never_a_crash(tmp_path: Path, text: str, expected: str) -> None:
    found = problems_for(tmp_path, text)
    assert any(p.startswith(expected) for p in found), found


def test_a_file_that_breaks_on_reload_keeps_its_last_valid_version(tmp_path: Path) -> None:
    folder = tmp_path / "org"
    folder.mkdir()
    (folder / "in.toml").write_text(VALID)
    first = load_library(folder, DIRECTORY, TODAY).library
    assert first.choose(PathwayKind.ESCALATION, "eastmoor", Period.IN_HOURS).pathway.id == "test-in-hours"

    (folder / "in.toml").write_text(VALID.replace('next = "duty" }', 'next = "dutty" }').replace('"1"', '"2"'))
    reloaded = load_library(folder, DIRECTORY, TODAY, previous=first)
    kept = reloaded.library.by_file["in.toml"]
    assert kept.version == "1", "the broken version 2 never replaces the working version 1"
    assert any("dutty" in str(p) for p in errors(reloaded.problems))
    assert any("last valid version stays in use" in str(p) for p in reloaded.problems)


def test_an_unapproved_or_future_version_is_valid_but_never_used(tmp_path: Path) -> None:
    folder = tmp_path / "org"
    folder.mkdir()
    unapproved = VALID.split("[approval]")[0] + VALID.split("review_due = 2027-06-01\n")[1]
    (folder / "in.toml").write_text(unapproved)
    (folder / "fallback.toml").write_text((BUNDLED / "pathways" / "national-fallback.toml").read_text())
    loaded = load_library(folder, DIRECTORY, TODAY)
    warnings = [str(p) for p in loaded.problems if p.severity is Severity.WARNING]
    assert "in.toml: warning: is not approved ([approval] is missing), so it will not be used" in warnings
    choice = loaded.library.choose(PathwayKind.ESCALATION, "eastmoor", Period.IN_HOURS)
    assert choice.pathway.kind is PathwayKind.FALLBACK and choice.warning

    (folder / "in.toml").write_text(VALID.replace("approved_on = 2026-01-01", "approved_on = 2027-01-01"))
    loaded = load_library(folder, DIRECTORY, TODAY)
    assert loaded.library.choose(PathwayKind.ESCALATION, "eastmoor", Period.IN_HOURS).pathway.kind is (
        PathwayKind.FALLBACK
    )


def test_a_pathway_past_its_review_date_is_used_and_flagged(tmp_path: Path) -> None:
    path = tmp_path / "old.toml"
    path.write_text(VALID.replace("review_due = 2027-06-01", "review_due = 2026-06-01"))
    found = validate_paths([path], DIRECTORY, TODAY)
    assert [str(p) for p in found] == ["old.toml: warning: was due for review on 2026-06-01"]


def test_the_demo_organisation_has_both_periods_for_each_area_and_a_welfare_check() -> None:
    library = load_library(BUNDLED / "pathways", DIRECTORY, TODAY).library
    for area in ("eastmoor", "westdale"):
        for period in Period:
            choice = library.choose(PathwayKind.ESCALATION, area, period)
            assert choice.warning is None and choice.pathway.period is period
        assert library.choose(PathwayKind.WELFARE_CHECK, area, Period.OUT_OF_HOURS).warning is None
    unknown = library.choose(PathwayKind.ESCALATION, "atlantis", Period.IN_HOURS)
    assert unknown.pathway.id == "national-fallback" and "atlantis" in (unknown.warning or "")


def test_a_pathway_serving_no_area_is_refused(tmp_path: Path) -> None:
    # Found by the fuzz test: an empty list was dropped without saying why.
    assert problems_for(tmp_path, VALID.replace('areas = ["eastmoor"]', "areas = []")) == [
        "test.toml: 'areas' must name at least one area, or \"*\" for every area"
    ]


def test_with_no_pathway_files_at_all_a_built_in_fallback_is_still_shown(tmp_path: Path) -> None:
    loaded = load_library(tmp_path, DIRECTORY, TODAY)
    choice = loaded.library.choose(PathwayKind.ESCALATION, "eastmoor", Period.OUT_OF_HOURS)
    assert choice.pathway.id == "built-in-fallback" and choice.warning
    assert "999" in choice.pathway.node(choice.pathway.start).text
    assert loaded.library.get("built-in-fallback@1") is choice.pathway, "records citing it can be read back"
    assert any("no pathway files" in str(p) for p in errors(loaded.problems))


def test_staff_pathways_that_skip_the_duty_line_or_crisis_team_are_flagged(tmp_path: Path) -> None:
    no_duty = VALID.replace('["eastmoor-duty-worker"]', '["moorland-crisis-team"]')
    path = tmp_path / "in.toml"
    path.write_text(no_duty)
    found = [str(p) for p in validate_paths([path], DIRECTORY, TODAY)]
    assert "in.toml: warning: routes to no duty worker or duty manager (purpose professional_line)" in found
    ooh = VALID.replace('"in-hours"', '"out-of-hours"')
    path.write_text(ooh)
    found = [str(p) for p in validate_paths([path], DIRECTORY, TODAY)]
    assert "in.toml: warning: routes to no crisis team out of hours" in found
    path.write_text(ooh.replace('["eastmoor-duty-worker"]', '["moorland-crisis-team"]'))
    assert validate_paths([path], DIRECTORY, TODAY) == []
