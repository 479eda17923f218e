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
    assert any("Step 6" in t and "no entries" in t for t in texts)
    assert any("'GP surgery' has no phone number" in t for t in texts)
    assert any("No professional or service with a number in step 5" in t for t in texts)
    assert any("making the surroundings safer" in t for t in texts)


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
    prefs = Preferences(before.preferences.how_to_support, "Text first, then call", before.preferences.do_not_contact,
                        before.preferences.communication_style)
    changes = plan_changes(before, sections, prefs)
    by_title = {c.title: c for c in changes}
    warning = by_title["Step 1. Warning signs that a crisis may be developing"]
    assert warning.added == ("Missing meals",) and removed.text in warning.removed[0]
    assert by_title["Who to contact first"].added == ("Text first, then call",)
    assert len(changes) == 2, "unchanged sections are not listed"
    assert plan_changes(before, {s.step: list(s.items) for s in before.sections}, before.preferences) == []
