"""Quality prompts for a safety plan and the per-section changes a new revision makes."""

from app.plan_diff import plan_changes
from app.plan_quality import quality_prompts
from app.safety_plans import PlanItem, Preferences, Step


def _full_plan() -> dict[Step, list[PlanItem]]:
    plan = {step: [PlanItem(f"something for step {int(step)}")] for step in Step}
    plan[Step.HELP_PEOPLE] = [PlanItem("Sister, Amy", "07700 900123")]
    plan[Step.PROFESSIONALS] = [PlanItem("Eastmoor duty worker", "01632 960001", "Mon–Fri 9–5")]
    plan[Step.ESCALATION_STEPS] = [PlanItem("Crisis team", "01632 960002", "24 hours")]
    return plan


def test_a_complete_co_produced_plan_prompts_nothing() -> None:
    assert quality_prompts(_full_plan(), co_produced=True) == []


def test_each_gap_a_reviewer_would_ask_about_is_prompted_in_words() -> None:
    plan = _full_plan()
    plan[Step.PROFESSIONALS] = [PlanItem("GP surgery")]  # no number
    plan[Step.SAFE_ENVIRONMENT] = []
    plan[Step.DISTRACTION] = [PlanItem("   ")]  # blank lines do not count as entries
    texts = [p.text for p in quality_prompts(plan, co_produced=False)]
    assert any("not marked as written with the person" in t for t in texts)
    assert any("Step 3" in t and "no entries" in t for t in texts)
    assert any("Step 6" in t and "making the surroundings safer" in t for t in texts)
    assert any("'GP surgery' has no phone number" in t for t in texts)
    assert any("Step 5 has no service with a number" in t for t in texts)
    assert not any("None" in t for t in texts), "a blank line is not a line without a name"


def test_one_prompt_per_gap_and_an_empty_step_5_says_what_it_means() -> None:
    plan = _full_plan()
    plan[Step.PROFESSIONALS] = []
    texts = [p.text for p in quality_prompts(plan, co_produced=True)]
    assert texts == [
        "Step 5 (Professionals and services I can contact) — no professional or service to phone: add "
        "the team's duty line and the local crisis line."
    ]


def test_a_number_with_no_name_is_prompted_and_refused_at_saving() -> None:
    from app.plan_quality import unnamed_lines

    plan = _full_plan()
    plan[Step.HELP_PEOPLE] = [*plan[Step.HELP_PEOPLE], PlanItem("", "07700 900999")]
    assert any("07700 900999 has no name" in p.text for p in quality_prompts(plan, co_produced=True))
    assert unnamed_lines(plan) == ["Step 4: 07700 900999 has no name beside it"]
    assert unnamed_lines(_full_plan()) == []


def test_an_empty_plan_prompts_every_step() -> None:
    steps = {p.step for p in quality_prompts({}, co_produced=True)}
    assert set(Step) <= steps


def test_changes_list_added_and_removed_items_per_section_and_preferences(workspace) -> None:
    person = workspace.caseload.rows()[0].person_id
    before = workspace.plans.current(person)
    assert before is not None
    sections = {s.step: list(s.items) for s in before.sections}
    removed = sections[Step.WARNING_SIGNS][0]
    sections[Step.WARNING_SIGNS] = [*sections[Step.WARNING_SIGNS][1:], PlanItem("Missing meals")]
    prefs = Preferences(
        before.preferences.how_to_support,
        "Text first, then call",
        before.preferences.do_not_contact,
        before.preferences.communication_style,
    )
    changes = plan_changes(before, sections, prefs)
    by_title = {c.title: c for c in changes}
    warning = by_title["Step 1. Warning signs that a crisis may be developing"]
    assert warning.added == ("Missing meals",) and removed.text in warning.removed[0]
    assert by_title["Who to contact first"].added == ("Text first, then call",)
    assert len(changes) == 2, "unchanged sections are not listed"
    assert plan_changes(before, {s.step: list(s.items) for s in before.sections}, before.preferences) == []


def test_a_change_of_order_alone_is_a_change(workspace) -> None:
    person = workspace.caseload.rows()[0].person_id
    before = workspace.plans.current(person)
    sections = {s.step: list(s.items) for s in before.sections}
    first, second, *rest = sections[Step.HELP_PEOPLE]
    sections[Step.HELP_PEOPLE] = [second, first, *rest]
    changes = plan_changes(before, sections, before.preferences)
    assert len(changes) == 1 and not changes[0].added and not changes[0].removed
    assert changes[0].reordered[0].startswith(second.text)
