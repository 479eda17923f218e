"""Choosing and walking a pathway, from pathways/README.md and DESIGN §3: the area's own pathway for the
period beats an organisation-wide one and an any-time one; only approved, effective pathways are used;
the national fallback stands in, with a warning, when nothing applies; a record citing ``id@version``
replays only against that version; a walk moves only along the pathway's own edges."""

from datetime import date

import pytest

from app.config_files import Approval
from app.hours import Period
from app.pathways import (
    BUILT_IN_FALLBACK,
    MOVE_ON,
    Answer,
    Audience,
    CriteriaSet,
    Node,
    NodeType,
    Pathway,
    PathwayKind,
    PathwayLibrary,
    Step,
    ThresholdCriterion,
    walk,
)

TODAY = date(2026, 11, 26)
APPROVED = Approval("Clinical safety officer", date(2026, 1, 1), date(2027, 6, 1))
NODES = {
    "danger": Node("danger", NodeType.QUESTION, "Life at risk now?", (Answer("Yes", "call-999"), Answer("No", "duty"))),
    "call-999": Node(
        "call-999", NodeType.ACTION, "Phone 999", contacts=("emergency-999",), within_minutes=0, next="done"
    ),
    "duty": Node(
        "duty",
        NodeType.ACTION,
        "Phone duty",
        contacts=("duty",),
        within_minutes=60,
        next="done",
        if_not_reached="crisis",
    ),
    "crisis": Node("crisis", NodeType.ACTION, "Phone the crisis team", contacts=("crisis",), next="done"),
    "done": Node("done", NodeType.END, "Set the follow-up"),
}


def pathway(
    pid: str,
    areas: set[str],
    period: Period | None,
    kind: PathwayKind = PathwayKind.ESCALATION,
    version: str = "1",
    approval: Approval = APPROVED,
) -> Pathway:
    return Pathway(pid, pid, kind, frozenset(areas), period, Audience.STAFF, version, "danger", NODES, approval)


def library(*pathways: Pathway, as_of: date = TODAY) -> PathwayLibrary:
    return PathwayLibrary({f"{p.id}-{p.version}.toml": p for p in pathways}, None, as_of)


def chosen(lib: PathwayLibrary, area: str = "east", period: Period = Period.IN_HOURS, kind=PathwayKind.ESCALATION):
    choice = lib.choose(kind, area, period)
    return choice.pathway.id, choice.warning


# -- choosing ------------------------------------------------------------------------------------------


def test_an_organisation_wide_pathway_serves_every_area() -> None:
    org = pathway("org-in", {"*"}, Period.IN_HOURS)
    assert org.serves("east") and org.serves("anywhere")
    assert chosen(library(org), area="west") == ("org-in", None)


def test_an_area_pathway_serves_only_its_areas() -> None:
    east = pathway("east-in", {"east", "north"}, Period.IN_HOURS)
    assert east.serves("east") and east.serves("north") and not east.serves("west")
    pid, warning = chosen(library(east), area="west")
    assert pid == BUILT_IN_FALLBACK.id and warning is not None
    assert chosen(library(east), area="north") == ("east-in", None)


def test_the_areas_own_pathway_beats_an_organisation_wide_one_whatever_their_ids() -> None:
    for org_id, own_id in (("a-org", "z-east"), ("z-org", "a-east")):
        lib = library(pathway(org_id, {"*"}, Period.IN_HOURS), pathway(own_id, {"east"}, Period.IN_HOURS))
        assert chosen(lib) == (own_id, None)
        assert chosen(lib, area="west") == (org_id, None)


def test_the_period_specific_pathway_beats_an_any_time_one_even_the_areas_own() -> None:
    any_time = pathway("east-any", {"east"}, None)
    in_hours = pathway("org-in", {"*"}, Period.IN_HOURS)
    lib = library(any_time, in_hours)
    assert chosen(lib, period=Period.IN_HOURS) == ("org-in", None)
    assert chosen(lib, period=Period.OUT_OF_HOURS) == ("east-any", None)


def test_the_period_decides_between_in_and_out_of_hours() -> None:
    lib = library(pathway("east-in", {"east"}, Period.IN_HOURS), pathway("east-out", {"east"}, Period.OUT_OF_HOURS))
    assert chosen(lib, period=Period.IN_HOURS) == ("east-in", None)
    assert chosen(lib, period=Period.OUT_OF_HOURS) == ("east-out", None)


def test_two_pathways_for_the_same_area_and_period_choose_the_same_one_every_time() -> None:
    a, b = pathway("b-east", {"east"}, Period.IN_HOURS), pathway("a-east", {"east"}, Period.IN_HOURS)
    assert chosen(library(a, b)) == chosen(library(b, a)) == ("a-east", None)


def test_the_kind_must_match() -> None:
    welfare = pathway("east-welfare", {"east"}, None, PathwayKind.WELFARE_CHECK)
    escalation = pathway("east-in", {"east"}, Period.IN_HOURS)
    lib = library(welfare, escalation)
    assert chosen(lib, kind=PathwayKind.WELFARE_CHECK) == ("east-welfare", None)
    assert chosen(lib, kind=PathwayKind.ESCALATION) == ("east-in", None)


def test_unapproved_or_not_yet_effective_pathways_are_never_chosen() -> None:
    unapproved = pathway("east-in", {"east"}, Period.IN_HOURS, approval=Approval(None, None, None))
    future = pathway("east-in-2", {"east"}, Period.IN_HOURS, approval=Approval("CSO", date(2026, 11, 27), None))
    from_today = pathway("east-in-3", {"east"}, Period.IN_HOURS, approval=Approval("CSO", TODAY, None))
    lib = library(unapproved, future, from_today)
    assert [p.id for p in lib.effective()] == ["east-in-3"]
    assert chosen(lib) == ("east-in-3", None)
    assert chosen(library(unapproved, future))[1] is not None


def test_with_no_pathway_the_organisations_fallback_is_shown_with_a_warning_naming_what_is_missing() -> None:
    fallback = pathway("national-fallback", {"*"}, None, PathwayKind.FALLBACK)
    lib = library(fallback, pathway("west-in", {"west"}, Period.IN_HOURS))
    pid, warning = chosen(lib, area="east", period=Period.OUT_OF_HOURS)
    assert pid == "national-fallback"
    assert warning == (
        "There is no approved out-of-hours escalation pathway for the east area, so the national pathway is shown. "
        "Tell your team lead so the local pathway can be put right."
    )
    _, warning = chosen(lib, area="east", kind=PathwayKind.WELFARE_CHECK)
    assert warning is not None and "no approved welfare-check pathway for the east area" in warning
    _, warning = chosen(lib, area="east", period=Period.IN_HOURS)
    assert warning is not None and "no approved in-hours escalation pathway" in warning


def test_with_no_fallback_file_the_built_in_one_is_shown_never_nothing() -> None:
    pid, warning = chosen(library())
    assert pid == BUILT_IN_FALLBACK.id and warning
    built_in = BUILT_IN_FALLBACK
    assert built_in.kind is PathwayKind.FALLBACK and built_in.serves("any-area") and built_in.period is None
    first = built_in.node(built_in.start)
    assert first.type is NodeType.ACTION and first.within_minutes == 0 and "emergency-999" in first.contacts
    assert walk(built_in, [Step(first.id, reached=True)]).finished


# -- citing a version ----------------------------------------------------------------------------------


def test_a_record_citing_a_version_replays_only_against_that_version() -> None:
    v1, v2 = (
        pathway("east-in", {"east"}, Period.IN_HOURS, version="1"),
        pathway("east-in", {"east"}, Period.IN_HOURS, version="2"),
    )
    lib = library(v1, v2)
    assert v1.ref == "east-in@1"
    assert lib.get("east-in@1") is v1
    assert lib.get("east-in@2") is v2
    assert lib.get("east-in@3") is None, "an old version that is no longer loaded is not another version"
    assert library(v2).get("east-in@1") is None
    assert lib.get("east-in") in (v1, v2)
    assert lib.get("west-in@1") is None
    assert lib.get(BUILT_IN_FALLBACK.ref) is BUILT_IN_FALLBACK
    assert lib.get(BUILT_IN_FALLBACK.id) is BUILT_IN_FALLBACK


def test_an_escalation_is_told_of_a_newer_version_only_of_its_own_pathway() -> None:
    # A pathway's id is lower-case letters, digits and hyphens; its version is free text, "@" included, so a
    # citation splits at the first "@".
    current = pathway("east-in", {"east"}, Period.IN_HOURS, version="2026-11@b")
    lib = library(current, pathway("west-in", {"west"}, Period.IN_HOURS, version="3"))
    assert lib.newer_than("east-in@2026-10@a") is current
    assert lib.newer_than("east-in@2026-11@b") is None, "the version in force is not newer than itself"
    assert lib.newer_than("west-in@2") is lib.get("west-in@3")
    # A pathway no longer in the library (withdrawn) has no newer version to offer, and nothing fails.
    assert lib.newer_than("north-in@1") is None
    assert lib.newer_than("east-in") is None, "a citation without a version names no version to be newer than"


def test_criteria_are_cited_by_version_and_found_by_code() -> None:
    criteria = CriteriaSet(
        "2026-11",
        (ThresholdCriterion("intent", "Current intent or plan"), ThresholdCriterion("lost", "Loss of contact")),
        APPROVED,
    )
    assert criteria.ref == "criteria@2026-11"
    assert criteria.get("lost") == ThresholdCriterion("lost", "Loss of contact")
    assert criteria.get("score") is None


# -- walking -------------------------------------------------------------------------------------------

EAST = pathway("east-in", {"east"}, Period.IN_HOURS)


def path(*steps: Step) -> tuple[str, ...]:
    return walk(EAST, steps).path


def test_an_answer_moves_to_the_node_it_names() -> None:
    assert path(Step("danger", "No")) == ("danger", "duty")
    assert path(Step("danger", "Yes")) == ("danger", "call-999")


def test_an_answer_that_is_not_offered_does_not_move_the_walk() -> None:
    assert path(Step("danger", "Maybe")) == ("danger",)
    assert path(Step("danger", None)) == ("danger",)
    assert path(Step("danger", "yes")) == ("danger",)


def test_an_action_moves_on_when_someone_was_reached_and_to_if_not_reached_only_when_told() -> None:
    assert path(Step("danger", "No"), Step("duty", reached=True)) == ("danger", "duty", "done")
    assert path(Step("danger", "No"), Step("duty", reached=False)) == ("danger", "duty"), "tried again"
    assert path(Step("danger", "No"), Step("duty", MOVE_ON)) == ("danger", "duty", "crisis")
    assert walk(EAST, [Step("danger", "No"), Step("duty", reached=True)]).finished


def test_an_action_without_if_not_reached_is_tried_again_until_someone_is_reached() -> None:
    steps = [Step("danger", "Yes"), Step("call-999"), Step("call-999")]
    assert walk(EAST, steps).path == ("danger", "call-999")
    assert not walk(EAST, steps).finished
    assert walk(EAST, [*steps, Step("call-999", reached=True)]).current.id == "done"


def test_steps_at_other_nodes_are_kept_as_deviations_and_do_not_move_the_walk() -> None:
    result = walk(EAST, [Step("duty", reached=True), Step("danger", "Yes"), Step("danger", "No")])
    assert result.path == ("danger", "call-999")
    assert result.off_path == (Step("duty", reached=True), Step("danger", "No"))
    assert result.current.id == "call-999" and not result.finished


def test_nothing_moves_on_from_an_end() -> None:
    steps = [Step("danger", "No"), Step("duty", reached=True), Step("done", "Yes", reached=True)]
    assert walk(EAST, steps).path == ("danger", "duty", "done")


@pytest.mark.parametrize(
    "node_id,successors",
    [("danger", ["call-999", "duty"]), ("duty", ["done", "crisis"]), ("crisis", ["done"]), ("done", [])],
)
def test_a_nodes_successors_are_its_answers_or_its_next_steps(node_id: str, successors: list[str]) -> None:
    assert EAST.node(node_id).successors() == successors


def test_the_action_nodes_are_the_ones_with_someone_to_call() -> None:
    assert sorted(n.id for n in EAST.action_nodes()) == ["call-999", "crisis", "duty"]
