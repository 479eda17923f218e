"""The flowchart layout: every edge points down the page and no two boxes share a place."""

from datetime import date

import pytest

from app.directory import load_directory
from app.org_config import BUNDLED
from app.pathway_files import load_library
from ui.flowchart_layout import layout

LIBRARY = load_library(BUNDLED / "pathways", load_directory([BUNDLED / "contacts"])[0], date(2026, 11, 26)).library


@pytest.mark.parametrize("pathway", LIBRARY.effective(), ids=lambda p: p.id)
def test_layers_point_down_and_places_are_unique(pathway) -> None:
    placed = layout(pathway)
    assert set(placed) == set(pathway.nodes)
    assert placed[pathway.start].layer == 0
    for node in pathway.nodes.values():
        for target in node.successors():
            assert placed[target].layer > placed[node.id].layer
    spots = [(p.layer, p.slot) for p in placed.values()]
    assert len(spots) == len(set(spots))
