"""Prompts that help a clinician write a usable safety plan (operating model, example 2; Stanley & Brown).

They are prompts, never gates: a plan written with the person in their words is the clinician's to save.
Each says what is missing in plain words so the clinician can fix it or decide it does not apply.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from app.safety_plans import PlanItem, Step

# Steps whose entries are people or services the person phones themselves, so each needs its number in the
# plan. Step 9's entries are staff instructions; staff reach those services through the directory.
CONTACT_STEPS = (Step.HELP_PEOPLE, Step.PROFESSIONALS)


@dataclass(frozen=True, slots=True)
class QualityPrompt:
    step: Step | None
    text: str


def quality_prompts(sections: Mapping[Step, Sequence[PlanItem]], *, co_produced: bool) -> list[QualityPrompt]:
    """What a reviewer of this plan would ask about, in the plan's step order."""
    prompts: list[QualityPrompt] = []
    if not co_produced:
        prompts.append(
            QualityPrompt(None, "The plan is not marked as written with the person: say why in the summary of changes.")
        )
    for step in Step:
        items = [i for i in sections.get(step, ()) if i.text.strip()]
        if not items:
            prompts.append(QualityPrompt(step, f"Step {int(step)} ({step.title}) has no entries."))
            continue
        if step in CONTACT_STEPS:
            prompts.extend(
                QualityPrompt(step, f"Step {int(step)}: '{item.text}' has no phone number.")
                for item in items
                if not (item.phone or "").strip()
            )
    professionals = [i for i in sections.get(Step.PROFESSIONALS, ()) if (i.phone or "").strip()]
    if not professionals:
        prompts.append(
            QualityPrompt(
                Step.PROFESSIONALS,
                "No professional or service with a number in step 5: add the team's duty line and a crisis line.",
            )
        )
    if not [i for i in sections.get(Step.SAFE_ENVIRONMENT, ()) if i.text.strip()]:
        prompts.append(
            QualityPrompt(
                Step.SAFE_ENVIRONMENT,
                "No step for making the surroundings safer (step 6): discuss means and record what was agreed.",
            )
        )
    return prompts
