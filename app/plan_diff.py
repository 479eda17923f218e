"""What a new safety-plan revision changes, section by section, so the clinician sees it before saving and a
reader of the history sees what each revision did. Items are compared whole (text, number and hours)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from app.safety_plans import PlanItem, PlanRevision, Preferences, Step

PREFERENCE_LABELS = {
    "how_to_support": "How I prefer to be supported",
    "contact_first": "Who to contact first",
    "do_not_contact": "Who not to contact",
    "communication_style": "Communication style",
}


@dataclass(frozen=True, slots=True)
class SectionChange:
    title: str
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    # The new order, when the lines kept are in a different order: in steps 4, 5 and 9 the order is who to
    # contact first, so a reorder alone is a clinical change.
    reordered: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed or self.reordered)


def describe(item: PlanItem) -> str:
    extras = " · ".join(x for x in (item.phone, item.hours) if x)
    return f"{item.text} ({extras})" if extras else item.text


def _items(items: Sequence[PlanItem]) -> list[str]:
    return [describe(i) for i in items if i.text.strip() or (i.phone or "").strip()]


def plan_changes(
    before: PlanRevision | None, sections: Mapping[Step, Sequence[PlanItem]], preferences: Preferences
) -> list[SectionChange]:
    """Only the sections and preferences that differ; empty when nothing changed."""
    changes: list[SectionChange] = []
    for step in Step:
        old = _items(before.section(step).items) if before else []
        new = _items(sections.get(step, ()))
        kept_old = [x for x in old if x in new]
        kept_new = [x for x in new if x in old]
        change = SectionChange(
            f"Step {int(step)}. {step.title}",
            added=tuple(x for x in new if x not in old),
            removed=tuple(x for x in old if x not in new),
            reordered=tuple(new) if kept_old != kept_new else (),
        )
        if change.changed:
            changes.append(change)
    old_prefs = (before.preferences if before else Preferences()).to_json()
    for key, value in preferences.to_json().items():
        if value.strip() != old_prefs.get(key, "").strip():
            changes.append(
                SectionChange(
                    PREFERENCE_LABELS.get(key, key),
                    added=(value,) if value.strip() else (),
                    removed=(old_prefs[key],) if old_prefs.get(key, "").strip() else (),
                )
            )
    return changes
