"""HAZ-19: local services on a safety plan refer to the directory, so a changed number changes everywhere;
a line typed by hand stays possible and is shown as typed, never as a checked number."""

from dataclasses import replace

from app.directory import Channel, Directory
from app.plan_references import Source, local_services, reference, shown
from app.safety_plans import PlanItem
from app.workspace import Workspace
from tests.conftest import NOW


def _directory(ws: Workspace) -> Directory:
    assert ws.config is not None
    return ws.config.directory


def test_a_chosen_service_shows_the_directorys_number_of_the_day_not_the_copy_made_when_chosen(
    workspace: Workspace,
) -> None:
    directory = _directory(workspace)
    entry = directory.get("moorland-crisis-team")
    assert entry is not None
    item = reference(entry)
    assert (item.directory_id, item.text, item.phone) == (entry.id, entry.service, entry.first_number)
    # The service changes its number after the plan was written: the plan shows the new one.
    moved = replace(entry, channels=(Channel(entry.channels[0].kind, "01632 999999"), *entry.channels[1:]))
    changed = Directory({**directory.entries, entry.id: moved}, directory.version, directory.calendars)
    line = shown(item, changed, NOW)
    assert (line.phone, line.source, line.label) == ("01632 999999", Source.DIRECTORY, "from the directory")


def test_a_typed_line_is_said_to_be_typed_and_a_reference_gone_from_the_directory_says_check_it(
    workspace: Workspace,
) -> None:
    directory = _directory(workspace)
    typed = shown(PlanItem("Drop-in café", "01632 123456", "Tue 10-12"), directory, NOW)
    assert (typed.phone, typed.source) == ("01632 123456", Source.TYPED)
    assert typed.label == "typed by hand, not in the directory"
    gone = shown(PlanItem("Old service", "01632 000000", None, "closed-service"), directory, NOW)
    assert (gone.phone, gone.source) == ("01632 000000", Source.GONE), "what it said when chosen, not nothing"
    assert "check this number" in gone.label


def test_a_typed_line_with_a_directory_number_does_not_say_it_is_not_in_the_directory(workspace: Workspace) -> None:
    """A new user read "typed by hand, not in the directory" beside the crisis team's own number."""
    directory = _directory(workspace)
    entry = directory.get("moorland-crisis-team")
    assert entry is not None and entry.first_number
    typed = shown(PlanItem("Crisis team", entry.first_number, None), directory, NOW, workspace_nation(workspace))
    assert typed.source is Source.TYPED
    assert typed.label == f"typed by hand; the directory's number for {entry.service}"


def workspace_nation(ws: Workspace):
    person = ws.caseload.person(ws.caseload.rows()[0].person_id)
    return person.nation


def test_a_reference_is_kept_in_the_plan_record_and_a_typed_line_keeps_its_bytes() -> None:
    typed = PlanItem("Drop-in café", "01632 123456", None)
    assert typed.to_json() == {"text": "Drop-in café", "phone": "01632 123456", "hours": None}
    chosen = PlanItem("Crisis team", "01632 960200", "24 hours", "moorland-crisis-team")
    assert chosen.to_json()["directory_id"] == "moorland-crisis-team"
    assert PlanItem.from_json(chosen.to_json()) == chosen and PlanItem.from_json(typed.to_json()) == typed


def test_local_services_offered_are_those_serving_the_persons_area(workspace: Workspace) -> None:
    eastmoor = {e.id for e in local_services(_directory(workspace), "england", "eastmoor")}
    assert {"moorland-crisis-team", "eastmoor-duty-worker"} <= eastmoor
    assert "westdale-duty-worker" not in eastmoor
    assert all(_directory(workspace).entries[i].areas for i in eastmoor), "national lines are added on their own"
