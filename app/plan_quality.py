"""Prompts that help a clinician write a usable safety plan (operating model, example 2; Stanley & Brown).

They are prompts, never gates: a plan written with the person in their words is the clinician's to save.
Each says what is missing in plain words so the clinician can fix it or decide it does not apply. They
check the plan's shape only; they cannot tell whether it is in the person's own words.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from app.safety_plans import PlanItem, Step

# Steps whose entries are people or services the person phones themselves, so each needs its number in the
# plan. Step 9's entries are staff instructions; staff reach those services through the directory.
CONTACT_STEPS = (Step.HELP_PEOPLE, Step.PROFESSIONALS)

# What an empty step means for the person, where it is more than "nothing written".
EMPTY_STEP_PROMPTS = {
    Step.PROFESSIONALS: "no professional or service to phone: add the team's duty line and the local crisis line.",
    Step.SAFE_ENVIRONMENT: "nothing on making the surroundings safer: discuss means and record what was agreed.",
}


@dataclass(frozen=True, slots=True)
class QualityPrompt:
    step: Step | None
    text: str


def quality_prompts(sections: Mapping[Step, Sequence[PlanItem]], *, co_produced: bool) -> list[QualityPrompt]:
    """What a reviewer of this plan would ask about, in the plan's step order; one prompt per gap."""
    prompts: list[QualityPrompt] = []
    if not co_produced:
        prompts.append(
            QualityPrompt(None, "The plan is not marked as written with the person: say why in the summary of changes.")
        )
    for step in Step:
        lines = list(sections.get(step, ()))
        named = [i for i in lines if i.text.strip()]
        prompts.extend(
            QualityPrompt(step, f"Step {int(step)}: {i.phone or i.hours} has no name beside it.")
            for i in lines
            if not i.text.strip() and (i.phone or i.hours)
        )
        if not named:
            what = EMPTY_STEP_PROMPTS.get(step, "no entries yet.")
            prompts.append(QualityPrompt(step, f"Step {int(step)} ({step.title}) — {what}"))
            continue
        if step in CONTACT_STEPS:
            prompts.extend(
                QualityPrompt(step, f"Step {int(step)}: '{item.text}' has no phone number.")
                for item in named
                if not (item.phone or "").strip()
            )
        if step is Step.PROFESSIONALS and not any((i.phone or "").strip() for i in named):
            prompts.append(
                QualityPrompt(step, "Step 5 has no service with a number: add the team's duty line and crisis line.")
            )
    return prompts


def unnamed_lines(sections: Mapping[Step, Sequence[PlanItem]]) -> list[str]:
    """Lines with a number or hours but no name: saving refuses them, since nobody would know whom they reach."""
    return [
        f"Step {int(step)}: {item.phone or item.hours} has no name beside it"
        for step, items in sections.items()
        for item in items
        if not item.text.strip() and (item.phone or item.hours)
    ]
