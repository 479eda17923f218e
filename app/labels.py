"""Enums whose values are shown to workers: ``label`` turns ``spoken_to`` into "Spoken to"."""

from __future__ import annotations

import enum


class LabelledEnum(enum.StrEnum):
    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()
